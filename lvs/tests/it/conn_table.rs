//! The connection table: TCP state machine, per-state timeouts, active/inactive counters, persistence
//! templates (`persistence_timeout`, `persistence_granularity`) and removal semantics.

use std::net::SocketAddr;

use lvs::{
    DestConfig, Duration, FwdMethod, Instant, IpvsSettings, OutVerdict, PacketInfo, Protocol,
    Scheduler, ServiceConfig, ServiceKey, TcpFlags, TcpState, Verdict,
};

use crate::util::*;

const T0: Instant = Instant::from_secs(100);
fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn conn_of(ipvs: &lvs::Ipvs, c: SocketAddr) -> Option<lvs::Connection> {
    ipvs.connections().find(|x| x.client == c).cloned()
}

#[test]
fn ip_vs_proto_tcp_dr_states_and_default_timeouts() {
    let mut ipvs = simple(Scheduler::Rr, &[(1, 1)]);
    let c = client(1);
    assert!(matches!(ipvs.process_inbound(T0, &syn(c, vip())), Verdict::Forward(f) if f.new_conn));
    let conn = conn_of(&ipvs, c).unwrap();
    // DR is input-only: SYN → SYN_RECV (60 s), counted inactive.
    assert_eq!(conn.tcp_state, Some(TcpState::SynRecv));
    assert_eq!(conn.expires, T0 + s(60));
    assert_eq!(counters(&ipvs, 1), (0, 1, 0));
    // ACK → ESTABLISHED (900 s, `ipvsadm --set tcp`), now active.
    ipvs.process_inbound(T0 + s(1), &ack(c, vip()));
    let conn = conn_of(&ipvs, c).unwrap();
    assert_eq!(conn.tcp_state, Some(TcpState::Established));
    assert_eq!(conn.expires, T0 + s(1) + s(900));
    assert_eq!(counters(&ipvs, 1), (1, 0, 0));
    assert_eq!(ipvs.poll_timeout(), Some(T0 + s(901)));
    // FIN from the client: input-only table ES + fin → FIN_WAIT (120 s, `--set tcpfin`), inactive.
    ipvs.process_inbound(T0 + s(2), &fin(c, vip()));
    let conn = conn_of(&ipvs, c).unwrap();
    assert_eq!(conn.tcp_state, Some(TcpState::FinWait));
    assert_eq!(conn.expires, T0 + s(122));
    assert_eq!(counters(&ipvs, 1), (0, 1, 0));
    // Expiry removes it and its count, to the nanosecond.
    ipvs.handle_timeout(Instant::from_nanos((T0 + s(122)).as_nanos() - 1));
    assert!(conn_of(&ipvs, c).is_some());
    ipvs.handle_timeout(T0 + s(122));
    assert!(conn_of(&ipvs, c).is_none());
    assert_eq!(counters(&ipvs, 1), (0, 0, 0));
    assert_eq!(ipvs.poll_timeout(), None);
}

#[test]
fn ip_vs_conn_only_syn_creates_a_connection() {
    let mut ipvs = simple(Scheduler::Rr, &[(1, 1)]);
    assert_eq!(
        ipvs.process_inbound(T0, &ack(client(1), vip())),
        Verdict::NotIpvs
    );
    let rst = PacketInfo {
        tcp: TcpFlags {
            syn: true,
            rst: true,
            ..Default::default()
        },
        ..syn(client(1), vip())
    };
    assert_eq!(ipvs.process_inbound(T0, &rst), Verdict::NotIpvs);
    // Not a virtual service at all.
    let other: SocketAddr = "192.0.2.101:80".parse().unwrap();
    assert_eq!(
        ipvs.process_inbound(T0, &syn(client(1), other)),
        Verdict::NotIpvs
    );
    assert_eq!(ipvs.connections().count(), 0);
}

#[test]
fn ip_vs_nat_uses_input_and_output_tables() {
    let mut ipvs = lvs::Ipvs::new(IpvsSettings::default(), 1);
    ipvs.add_service(ServiceConfig::new(key(), Scheduler::Rr))
        .unwrap();
    ipvs.add_dest(&key(), DestConfig::new(rs(1).ip(), 8080, 1, FwdMethod::Nat))
        .unwrap();
    let c = client(1);
    let Verdict::Forward(f) = ipvs.process_inbound(T0, &syn(c, vip())) else {
        panic!()
    };
    assert_eq!(f.real, "198.51.100.1:8080".parse().unwrap());
    assert_eq!(f.fwd, FwdMethod::Nat);
    // SYN+ACK from the real server: OUTPUT table SYN_RECV + syn → SYN_RECV; then client ACK → ES.
    let synack = PacketInfo {
        src: f.real,
        dst: c,
        tcp: TcpFlags {
            syn: true,
            ack: true,
            ..Default::default()
        },
        ..syn(c, vip())
    };
    assert_eq!(
        ipvs.process_outbound(T0, &synack),
        OutVerdict::Masquerade {
            conn: f.conn,
            virt: vip()
        }
    );
    ipvs.process_inbound(T0, &ack(c, vip()));
    assert_eq!(
        conn_of(&ipvs, c).unwrap().tcp_state,
        Some(TcpState::Established)
    );
    // Server closes first: OUTPUT ES + fin → FIN_WAIT.
    let sfin = PacketInfo {
        tcp: TcpFlags {
            fin: true,
            ack: true,
            ..Default::default()
        },
        ..synack
    };
    ipvs.process_outbound(T0, &sfin);
    assert_eq!(
        conn_of(&ipvs, c).unwrap().tcp_state,
        Some(TcpState::FinWait)
    );
    // Unrelated traffic from the server is not masqueraded.
    let stray = PacketInfo {
        dst: client(2),
        ..sfin
    };
    assert_eq!(ipvs.process_outbound(T0, &stray), OutVerdict::NotIpvs);
}

#[test]
fn ip_vs_proto_udp_timeout_is_300s_and_refreshed_by_traffic() {
    let key = ServiceKey::Addr {
        proto: Protocol::Udp,
        addr: vip().ip(),
        port: 53,
    };
    let mut ipvs = director(ServiceConfig::new(key, Scheduler::Rr), &[(1, 1)]);
    let pkt = PacketInfo {
        proto: Protocol::Udp,
        src: client(1),
        dst: SocketAddr::new(vip().ip(), 53),
        fwmark: 0,
        tcp: Default::default(),
    };
    ipvs.process_inbound(T0, &pkt);
    assert_eq!(ipvs.poll_timeout(), Some(T0 + s(300)));
    ipvs.process_inbound(T0 + s(200), &pkt);
    assert_eq!(ipvs.poll_timeout(), Some(T0 + s(500)));
    // UDP "connections" count as inactive.
    let d = ipvs.service(&key).unwrap().dest(rs(1)).unwrap();
    assert_eq!((d.active_conns, d.inactive_conns), (0, 1));
}

fn persistent(timeout: u64) -> ServiceConfig {
    ServiceConfig::new(key(), Scheduler::Rr).persistent(s(timeout))
}

#[test]
fn ip_vs_sched_persist_same_client_same_server_until_template_expires() {
    // The seed's virtual_server: rr, persistence_timeout 100, two real servers.
    let mut ipvs = director(persistent(100), &[(3, 1), (5, 1)]);
    let a = client(1);
    let b = client(2);
    let Verdict::Forward(fa) = ipvs.process_inbound(T0, &syn(a, vip())) else {
        panic!()
    };
    let Verdict::Forward(fb) = ipvs.process_inbound(T0, &syn(b, vip())) else {
        panic!()
    };
    assert_ne!(fa.real, fb.real, "rr spreads different clients");
    // 20 more connections from a's address (other ports): all to a's server.
    for p in 0..20u16 {
        let src = SocketAddr::new(a.ip(), 40_000 + p);
        let Verdict::Forward(f) = ipvs.process_inbound(T0 + s(10), &syn(src, vip())) else {
            panic!()
        };
        assert_eq!(f.real, fa.real);
    }
    assert_eq!(
        counters(&ipvs, 5).2 + counters(&ipvs, 3).2,
        2,
        "one template per client"
    );
    // Template re-armed at the last new connection (t0+10) for 100 s; its half-open connections die at
    // t0+70 (SYN_RECV 60 s), the template at t0+110.
    let t = ipvs
        .templates()
        .find(|t| t.real == fa.real)
        .unwrap()
        .expires;
    assert_eq!(t, T0 + s(110));
    ipvs.handle_timeout(T0 + s(109));
    assert!(ipvs.templates().any(|t| t.real == fa.real));
    ipvs.handle_timeout(T0 + s(110));
    assert!(ipvs.templates().all(|t| t.real != fa.real));
}

#[test]
fn ip_vs_conn_expire_template_lives_while_it_controls_connections() {
    let mut ipvs = director(persistent(100), &[(1, 1), (2, 1)]);
    let a = client(1);
    ipvs.process_inbound(T0, &syn(a, vip()));
    ipvs.process_inbound(T0, &ack(a, vip()));
    // Established for 900 s; the template times out at t0+100 but is re-armed for 100 s each time
    // while the connection exists: t0+100, t0+200, ..., until t0+900 when the connection dies.
    ipvs.handle_timeout(T0 + s(850));
    assert_eq!(ipvs.templates().count(), 1);
    assert_eq!(ipvs.templates().next().unwrap().expires, T0 + s(900));
    ipvs.handle_timeout(T0 + s(900));
    // Both expire at t0+900: the connection first (timer order), then the template has no control.
    assert_eq!(ipvs.connections().count(), 0);
    assert_eq!(ipvs.templates().count(), 0);
}

#[test]
fn ip_vs_persistence_granularity_netmask_groups_clients() {
    let mut cfg = persistent(300);
    cfg.persistence_netmask = "255.255.255.0".parse().unwrap();
    let mut ipvs = director(cfg, &[(1, 1), (2, 1), (3, 1)]);
    let first = pick(&mut ipvs, T0, 0).unwrap();
    // Every client of 203.0.113.0/24 shares the template.
    for i in 1..40 {
        assert_eq!(pick(&mut ipvs, T0, i), Some(first));
    }
    assert_eq!(ipvs.templates().count(), 1);
}

#[test]
fn ip_vs_check_template_removed_server_reschedules_but_quiesced_one_is_kept() {
    let mut ipvs = director(persistent(100), &[(1, 1), (2, 1)]);
    let a = client(1);
    let first = pick(&mut ipvs, T0, 1).unwrap();
    // Quiescing (inhibit_on_failure) does NOT break persistence: expire_quiescent_template is off.
    ipvs.set_weight(&key(), rs(first), 0).unwrap();
    let src2 = SocketAddr::new(a.ip(), 50_001);
    let Verdict::Forward(f) = ipvs.process_inbound(T0, &syn(src2, vip())) else {
        panic!()
    };
    assert_eq!(f.real, rs(first));
    // Removing the server invalidates the template: the next connection goes to the other server.
    ipvs.del_dest(&key(), rs(first)).unwrap();
    let src3 = SocketAddr::new(a.ip(), 50_002);
    let Verdict::Forward(f) = ipvs.process_inbound(T0, &syn(src3, vip())) else {
        panic!()
    };
    assert_ne!(f.real, rs(first));
    // Existing connections to the removed server are still forwarded there (expire_nodest_conn off).
    let Verdict::Forward(f) = ipvs.process_inbound(T0, &ack(src2, vip())) else {
        panic!()
    };
    assert_eq!(f.real, rs(first));
}

#[test]
fn ip_vs_expire_quiescent_template_sysctl() {
    let settings = IpvsSettings {
        expire_quiescent_template: true,
        ..IpvsSettings::default()
    };
    let mut ipvs = lvs::Ipvs::new(settings, 1);
    ipvs.add_service(persistent(100)).unwrap();
    for i in [1u8, 2] {
        ipvs.add_dest(&key(), DestConfig::new(rs(i).ip(), 80, 1, FwdMethod::Dr))
            .unwrap();
    }
    let first = pick(&mut ipvs, T0, 1).unwrap();
    ipvs.set_weight(&key(), rs(first), 0).unwrap();
    let src2 = SocketAddr::new(client(1).ip(), 50_001);
    let Verdict::Forward(f) = ipvs.process_inbound(T0, &syn(src2, vip())) else {
        panic!()
    };
    assert_ne!(f.real, rs(first));
}

#[test]
fn ip_vs_expire_nodest_conn_drops_connections_of_removed_servers() {
    let settings = IpvsSettings {
        expire_nodest_conn: true,
        ..IpvsSettings::default()
    };
    let mut ipvs = lvs::Ipvs::new(settings, 1);
    ipvs.add_service(ServiceConfig::new(key(), Scheduler::Rr))
        .unwrap();
    ipvs.add_dest(&key(), DestConfig::new(rs(1).ip(), 80, 1, FwdMethod::Dr))
        .unwrap();
    pick(&mut ipvs, T0, 1).unwrap();
    ipvs.del_dest(&key(), rs(1)).unwrap();
    assert_eq!(
        ipvs.process_inbound(T0, &ack(client(1), vip())),
        Verdict::Drop
    );
    assert_eq!(ipvs.connections().count(), 0);
}

#[test]
fn ip_vs_trash_restores_counters_when_a_server_is_re_added() {
    let mut ipvs = simple(Scheduler::Rr, &[(1, 1)]);
    establish(&mut ipvs, T0, 1);
    ipvs.del_dest(&key(), rs(1)).unwrap();
    assert!(ipvs.service(&key()).unwrap().dest(rs(1)).is_none());
    ipvs.add_dest(&key(), DestConfig::new(rs(1).ip(), 80, 1, FwdMethod::Dr))
        .unwrap();
    assert_eq!(counters(&ipvs, 1), (1, 0, 0));
}

#[test]
fn ipvs_no_destination_answers_unreachable() {
    let mut ipvs = simple(Scheduler::Wlc, &[]);
    assert_eq!(
        ipvs.process_inbound(T0, &syn(client(1), vip())),
        Verdict::Unreachable
    );
}

#[test]
fn ipvs_fwmark_service_wins_over_address_service() {
    let mut ipvs = simple(Scheduler::Rr, &[(1, 1)]);
    let fw = ServiceKey::Fwmark {
        mark: 1,
        ipv6: false,
    };
    ipvs.add_service(ServiceConfig::new(fw, Scheduler::Rr))
        .unwrap();
    ipvs.add_dest(&fw, DestConfig::new(rs(9).ip(), 0, 1, FwdMethod::Dr))
        .unwrap();
    let pkt = PacketInfo {
        fwmark: 1,
        ..syn(client(1), vip())
    };
    let Verdict::Forward(f) = ipvs.process_inbound(T0, &pkt) else {
        panic!()
    };
    // Port 0 on the destination: the packet's port is kept.
    assert_eq!(f.real, SocketAddr::new(rs(9).ip(), 80));
    assert_eq!(f.service, fw);
}

#[test]
fn ipvs_port_zero_service_needs_persistence() {
    let k0 = ServiceKey::Addr {
        proto: Protocol::Tcp,
        addr: vip().ip(),
        port: 0,
    };
    let mut ipvs = director(ServiceConfig::new(k0, Scheduler::Rr), &[(1, 1)]);
    assert_eq!(
        ipvs.process_inbound(T0, &syn(client(1), vip())),
        Verdict::Unreachable
    );
    ipvs.edit_service(ServiceConfig::new(k0, Scheduler::Rr).persistent(s(60)))
        .unwrap();
    assert!(matches!(
        ipvs.process_inbound(T0, &syn(client(1), vip())),
        Verdict::Forward(_)
    ));
}

#[test]
fn ip_vs_conn_reuse_mode_new_syn_on_closed_connection_is_rescheduled() {
    let mut ipvs = simple(Scheduler::Rr, &[(1, 1), (2, 1)]);
    let c = client(1);
    let Verdict::Forward(first) = ipvs.process_inbound(T0, &syn(c, vip())) else {
        panic!()
    };
    ipvs.process_inbound(T0, &ack(c, vip()));
    // RST from the client: ES + rst → CLOSE (10 s).
    let rst = PacketInfo {
        tcp: TcpFlags {
            rst: true,
            ..Default::default()
        },
        ..syn(c, vip())
    };
    ipvs.process_inbound(T0, &rst);
    assert_eq!(conn_of(&ipvs, c).unwrap().tcp_state, Some(TcpState::Close));
    // The same client port opens again: a new connection, scheduled by rr to the other server.
    let Verdict::Forward(again) = ipvs.process_inbound(T0 + s(1), &syn(c, vip())) else {
        panic!()
    };
    assert!(again.new_conn);
    assert_ne!(again.conn, first.conn);
    assert_ne!(again.real, first.real);
    assert_eq!(ipvs.connections().count(), 1);
    // A SYN retransmission while the connection is still opening stays on the same entry.
    let Verdict::Forward(retx) = ipvs.process_inbound(T0 + s(2), &syn(c, vip())) else {
        panic!()
    };
    assert_eq!(retx.conn, again.conn);
    assert!(!retx.new_conn);
}

#[test]
fn ipvsadm_ln_listing() {
    let mut cfg = ServiceConfig::new(key(), Scheduler::Rr).persistent(s(100));
    cfg.persistence_netmask = "255.255.255.0".parse().unwrap();
    let mut ipvs = director(cfg, &[(3, 1), (5, 1)]);
    let udp = ServiceKey::Addr {
        proto: Protocol::Udp,
        addr: vip().ip(),
        port: 53,
    };
    let mut ucfg = ServiceConfig::new(udp, Scheduler::Sh).with_flags(lvs::SchedFlags {
        fallback: true,
        port: true,
    });
    ucfg.one_packet = true;
    ipvs.add_service(ucfg).unwrap();
    ipvs.add_dest(&udp, DestConfig::new(rs(7).ip(), 53, 3, FwdMethod::Nat))
        .unwrap();
    let fw = ServiceKey::Fwmark {
        mark: 7,
        ipv6: false,
    };
    ipvs.add_service(ServiceConfig::new(fw, Scheduler::Wlc))
        .unwrap();
    ipvs.add_dest(&fw, DestConfig::new(rs(9).ip(), 0, 2, FwdMethod::Tun))
        .unwrap();
    establish(&mut ipvs, T0, 1);
    pick(&mut ipvs, T0, 2);
    insta::assert_snapshot!(ipvs.list_numeric());
}
