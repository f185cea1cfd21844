#!/usr/bin/env bash
# Records real VRRP traffic from Debian's keepalived and FRR's vrrpd in network
# namespaces that this script creates and deletes itself. Documentation addresses only (192.0.2.0/24,
# 2001:db8::/32, fe80::/64); nothing is routed anywhere. Needs root, iproute2 (ip, bridge), tcpdump, keepalived.
#
#     sudo bash pcaps/make_captures.sh [OUTDIR]      # default OUTDIR: pcaps/own
#
# Topology per scenario: namespace vrrpcap-sw holds bridge br0; routers vrrpcap-rN have eth0 (a veth whose
# peer rNp is a br0 port). tcpdump captures on br0 (multicast adverts are delivered to the bridge itself,
# so the capture sees every router even when ports are isolated from each other).
set -euo pipefail

OUT=${1:-$(cd "$(dirname "$0")" && pwd)/own}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/vrrpcap.XXXXXX)
PIDS=()
NS_PREFIX=vrrpcap

cleanup() {
    set +e
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill -TERM "$p" 2>/dev/null
    done
    sleep 1
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
    done
    for f in "$WORK"/*.pid "$WORK"/frr-*/*.pid; do
        [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
    done
    sleep 0.5
    for f in "$WORK"/*.pid "$WORK"/frr-*/*.pid; do
        [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
    for ns in $(ip netns list | awk '{print $1}' | grep "^${NS_PREFIX}-"); do
        ip netns del "$ns"
    done
    PIDS=()
}
trap 'cleanup; rm -rf "$WORK"' EXIT

# topology N: switch + N routers; router i gets 192.0.2.1i/24, fe80::1i, MAC 02:00:00:00:00:1i.
topology() {
    local n=$1
    ip netns add $NS_PREFIX-sw
    ip -n $NS_PREFIX-sw link add br0 type bridge
    # No STP, no forwarding delay: ports forward at once.
    ip -n $NS_PREFIX-sw link set br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n $NS_PREFIX-sw link set br0 up
    for i in $(seq 1 "$n"); do
        local ns=$NS_PREFIX-r$i
        ip netns add $ns
        ip link add eth0 netns $ns type veth peer name r${i}p netns $NS_PREFIX-sw
        ip -n $NS_PREFIX-sw link set r${i}p master br0 up
        ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=0
        ip -n $ns link set eth0 address 02:00:00:00:00:1$i addrgenmode none
        ip -n $ns link set lo up
        ip -n $ns link set eth0 up
        ip -n $ns addr add 192.0.2.1$i/24 dev eth0
        ip -n $ns addr add fe80::1$i/64 dev eth0 nodad
        ip -n $ns addr add 2001:db8::1$i/64 dev eth0 nodad
    done
}

capture_start() {
    ip netns exec $NS_PREFIX-sw tcpdump -q -i br0 -U -Z root -w "$1" 2>/dev/null &
    TCPDUMP=$!
    PIDS+=("$TCPDUMP")
    sleep 1
}

capture_stop() {
    sleep 0.5
    kill -INT "$TCPDUMP" 2>/dev/null || true
    wait "$TCPDUMP" 2>/dev/null || true
}

# keepalived i CONF: starts keepalived (VRRP only) in router i's namespace.
keepalived_start() {
    local i=$1 conf=$2
    ip netns exec $NS_PREFIX-r$i keepalived -P -n -l -D -f "$conf" \
        -p "$WORK/r$i.pid" -r "$WORK/r$i.vrrp.pid" >"$WORK/r$i.log" 2>&1 &
    PIDS+=("$!")
    eval "KA_$i=$!"
}

keepalived_stop() {   # graceful: SIGTERM, the master sends priority 0
    local i=$1 pid
    pid=$(eval echo "\$KA_$i")
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
}

keepalived_crash() {  # SIGKILL parent and VRRP child: no priority-0 advert
    local i=$1 pid
    pid=$(eval echo "\$KA_$i")
    [ -f "$WORK/r$i.vrrp.pid" ] && kill -KILL "$(cat "$WORK/r$i.vrrp.pid")" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

conf() {   # conf FILE router_id BODY
    mkdir -p "$(dirname "$1")"
    cat >"$1" <<EOF
global_defs {
    router_id $2
    vrrp_garp_master_delay 5
}
$3
EOF
    keepalived -t -f "$1" >/dev/null 2>&1 || { echo "keepalived rejects $1" >&2; keepalived -t -f "$1"; exit 1; }
}

# --- 1. VRRPv3 IPv4, 100 ms adverts: start, graceful stop, restart with preemption, crash ----------------
scenario_v3_ipv4_subsecond() {
    topology 2
    for i in 1 2; do
        conf "$OUT/configs/keepalived-vrrpv3-ipv4-subsecond/r$i.conf" "r$i" "
vrrp_instance V4 {
    state BACKUP
    interface eth0
    virtual_router_id 21
    version 3
    priority $((200 - 50 * (i - 1)))
    advert_int 0.1
    virtual_ipaddress {
        192.0.2.121/24
    }
}"
    done
    capture_start "$OUT/keepalived-vrrpv3-ipv4-subsecond.pcap"
    keepalived_start 1 "$OUT/configs/keepalived-vrrpv3-ipv4-subsecond/r1.conf"
    keepalived_start 2 "$OUT/configs/keepalived-vrrpv3-ipv4-subsecond/r2.conf"
    sleep 3
    keepalived_stop 1
    sleep 2
    keepalived_start 1 "$OUT/configs/keepalived-vrrpv3-ipv4-subsecond/r1.conf"
    sleep 2
    keepalived_crash 1
    sleep 2
    keepalived_stop 2
    capture_stop
    cleanup
}

# --- 2. VRRPv3 IPv6: link-local first address, graceful stop ----------------------------------------------
scenario_v3_ipv6() {
    topology 2
    for i in 1 2; do
        conf "$OUT/configs/keepalived-vrrpv3-ipv6/r$i.conf" "r$i" "
vrrp_instance V6 {
    state BACKUP
    interface eth0
    virtual_router_id 22
    priority $((200 - 50 * (i - 1)))
    advert_int 1
    virtual_ipaddress {
        fe80::122/64
        2001:db8::122/64
    }
}"
    done
    capture_start "$OUT/keepalived-vrrpv3-ipv6.pcap"
    keepalived_start 1 "$OUT/configs/keepalived-vrrpv3-ipv6/r1.conf"
    keepalived_start 2 "$OUT/configs/keepalived-vrrpv3-ipv6/r2.conf"
    sleep 6
    keepalived_stop 1
    sleep 4
    keepalived_stop 2
    capture_stop
    cleanup
}

# --- 3. Three routers, three VRIDs (v2 IPv4, v3 IPv4, v3 IPv6), crash of one master ---------------------
scenario_three_routers() {
    topology 3
    for i in 1 2 3; do
        # Each router is master of one VRID: priorities rotate.
        p() { echo $(( ( ( $1 - i + 3 ) % 3 ) == 0 ? 200 : ( ( ( $1 - i + 3 ) % 3 ) == 1 ? 150 : 100 ) )); }
        conf "$OUT/configs/keepalived-3-routers-3-vrids/r$i.conf" "r$i" "
vrrp_instance A {
    state BACKUP
    interface eth0
    virtual_router_id 31
    version 2
    priority $(p 1)
    advert_int 1
    virtual_ipaddress {
        192.0.2.131/24
    }
}
vrrp_instance B {
    state BACKUP
    interface eth0
    virtual_router_id 32
    version 3
    priority $(p 2)
    advert_int 0.5
    virtual_ipaddress {
        192.0.2.132/24
    }
}
vrrp_instance C {
    state BACKUP
    interface eth0
    virtual_router_id 33
    priority $(p 3)
    advert_int 1
    virtual_ipaddress {
        fe80::133/64
        2001:db8::133/64
    }
}"
    done
    capture_start "$OUT/keepalived-3-routers-3-vrids.pcap"
    for i in 1 2 3; do keepalived_start $i "$OUT/configs/keepalived-3-routers-3-vrids/r$i.conf"; done
    sleep 7
    keepalived_crash 2
    sleep 6
    for i in 1 3; do keepalived_stop $i; done
    capture_stop
    cleanup
}

# --- 4. Split brain: the bridge isolates r1's and r2's ports from each other for 5 s --------------------
scenario_split_brain() {
    topology 2
    for i in 1 2; do
        conf "$OUT/configs/keepalived-split-brain/r$i.conf" "r$i" "
vrrp_instance SB {
    state BACKUP
    interface eth0
    virtual_router_id 41
    version 3
    priority $((200 - 50 * (i - 1)))
    advert_int 0.5
    virtual_ipaddress {
        192.0.2.141/24
    }
}"
    done
    capture_start "$OUT/keepalived-split-brain.pcap"
    keepalived_start 1 "$OUT/configs/keepalived-split-brain/r1.conf"
    keepalived_start 2 "$OUT/configs/keepalived-split-brain/r2.conf"
    sleep 4
    ip netns exec $NS_PREFIX-sw bridge link set dev r1p isolated on
    ip netns exec $NS_PREFIX-sw bridge link set dev r2p isolated on
    sleep 5
    ip netns exec $NS_PREFIX-sw bridge link set dev r1p isolated off
    ip netns exec $NS_PREFIX-sw bridge link set dev r2p isolated off
    sleep 3
    keepalived_stop 1
    keepalived_stop 2
    capture_stop
    cleanup
}

# --- 5. FRR vrrpd: VRRPv3 IPv4 + IPv6 on VRID 5, 200 ms adverts, virtual MACs via macvlan ---------------
# FRR needs one macvlan per family carrying the virtual MAC (FRR doc/user/vrrp.rst); zebra drives it.
frr_start() {   # frr_start i PRIORITY
    local i=$1 prio=$2
    local ns=$NS_PREFIX-r$i d="$WORK/frr-r$i" c="$OUT/configs/frr-vrrpv3-ipv4-ipv6/r$i"
    mkdir -p "$d" "$c"
    chown frr:frr "$WORK" "$d"
    ip -n "$ns" link add vrrp4-2-5 link eth0 type macvlan mode bridge
    ip -n "$ns" link set dev vrrp4-2-5 addrgenmode random address 00:00:5e:00:01:05
    ip -n "$ns" addr add 192.0.2.105/24 dev vrrp4-2-5
    ip -n "$ns" link set dev vrrp4-2-5 up
    ip -n "$ns" link add vrrp6-2-5 link eth0 type macvlan mode bridge
    ip -n "$ns" link set dev vrrp6-2-5 addrgenmode random address 00:00:5e:00:02:05
    ip -n "$ns" addr add 2001:db8::105/64 dev vrrp6-2-5 nodad
    ip -n "$ns" link set dev vrrp6-2-5 up
    printf '%s\n' "interface eth0" " vrrp 5 version 3" " vrrp 5 priority $prio" \
        " vrrp 5 advertisement-interval 200" " vrrp 5 ip 192.0.2.105" " vrrp 5 ipv6 fe80::105" \
        " vrrp 5 ipv6 2001:db8::105" >"$c/vrrpd.conf"
    : >"$d/zebra.conf"
    cp "$c/vrrpd.conf" "$d/vrrpd.conf"
    chown frr:frr "$d/zebra.conf" "$d/vrrpd.conf"
    local common=(-d -u frr -g frr --vty_socket "$d" -z "$d/zserv.api")
    ip netns exec "$ns" /usr/lib/frr/zebra "${common[@]}" -i "$d/zebra.pid" -f "$d/zebra.conf" --log "file:$d/zebra.log"
    sleep 1
    ip netns exec "$ns" /usr/lib/frr/vrrpd "${common[@]}" -i "$d/vrrpd.pid" -f "$d/vrrpd.conf" --log "file:$d/vrrpd.log"
}

frr_stop() {   # graceful: SIGTERM to vrrpd
    local f="$WORK/frr-r$1/vrrpd.pid"
    if [ -f "$f" ]; then kill -TERM "$(cat "$f")"; rm -f "$f"; fi
}

frr_crash() {
    local f="$WORK/frr-r$1/vrrpd.pid"
    if [ -f "$f" ]; then kill -KILL "$(cat "$f")"; rm -f "$f"; fi
}

scenario_frr() {
    [ -x /usr/lib/frr/vrrpd ] || { echo "FRR vrrpd not installed: skipping" >&2; return; }
    topology 2
    capture_start "$OUT/frr-vrrpv3-ipv4-ipv6.pcap"
    frr_start 1 200
    frr_start 2 150
    sleep 5
    frr_stop 1
    sleep 3
    frr_crash 2
    sleep 1
    capture_stop
    cleanup
}

# --- 6. VRRPv2 over IPv6 (keepalived without strict_mode), graceful stop ----------------------------------
# `version 2` must come before virtual_ipaddress: once an IPv6 address has set the family, keepalived
# ignores it (vrrp_parser.c vrrp_version_handler). keepalived then sends 8 + 16n bytes (no auth trailer) with
# a kernel-filled checksum over the IPv6 pseudo-header (IPV6_CHECKSUM).
scenario_v2_ipv6() {
    topology 2
    for i in 1 2; do
        conf "$OUT/configs/keepalived-vrrpv2-ipv6/r$i.conf" "r$i" "
vrrp_instance V6V2 {
    version 2
    state BACKUP
    interface eth0
    virtual_router_id 26
    priority $((200 - 50 * (i - 1)))
    advert_int 1
    virtual_ipaddress {
        fe80::126/64
        2001:db8::126/64
    }
}"
    done
    capture_start "$OUT/keepalived-vrrpv2-ipv6.pcap"
    keepalived_start 1 "$OUT/configs/keepalived-vrrpv2-ipv6/r1.conf"
    keepalived_start 2 "$OUT/configs/keepalived-vrrpv2-ipv6/r2.conf"
    sleep 6
    keepalived_stop 1
    sleep 3
    keepalived_stop 2
    capture_stop
    cleanup
}

# ONLY="scenario_v2_ipv6 ..." runs just those scenarios (the others' committed captures stay as they are).
cleanup
for s in ${ONLY:-scenario_v3_ipv4_subsecond scenario_v3_ipv6 scenario_three_routers scenario_split_brain scenario_frr scenario_v2_ipv6}; do
    "$s"
done
ls -la "$OUT"
