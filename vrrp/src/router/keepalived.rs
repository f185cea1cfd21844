//! The exceptions file: every place where [`Mode::Keepalived`](crate::router::Mode) deliberately
//! departs from RFC 3768 / RFC 5798, each with the rule it bends, what keepalived 2.2.7 does
//! (source: `acassen/keepalived` tag `v2.2.7`, and the captures in `pcaps/keepalived/`), and
//! why we copy it: a router built from a keepalived.conf must predict what the user's real
//! cluster does, not what the RFC would have it do.
//!
//! [`DEVIATIONS`] is the same list as data, so reports and the conformance checker can cite it.

/// One documented deviation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// Short stable identifier.
    pub id: &'static str,
    /// The RFC rule affected, quoted or paraphrased with its section.
    pub rfc: &'static str,
    /// What keepalived does instead, and where.
    pub keepalived: &'static str,
    /// Why this crate reproduces it.
    pub reason: &'static str,
}

/// keepalived >= 2.2.8's `v3_checksum_as_v2` (modelled as [`Mode::Keepalived`](crate::router::Mode) with the
/// [`ChecksumForm::Rfc9568`](crate::wire::ChecksumForm) form): a received VRRPv3/IPv4 checksum is not verified.
pub fn skips_v3_checksum_check(cfg: &super::RouterConfig) -> bool {
    cfg.mode == super::Mode::Keepalived && cfg.checksum_form == crate::wire::ChecksumForm::Rfc9568
}

/// Every keepalived deviation implemented by [`crate::router::Router`] in keepalived mode.
pub const DEVIATIONS: &[Deviation] = &[
    Deviation {
        id: "lower-prio-advert",
        rfc: "RFC 5798 §6.4.3: a master receiving a lower-priority advert MUST discard it",
        keepalived: "vrrp_state_master_rx: sends its own advert (\"forcing new election\") unless lower_prio_no_advert",
        reason: "keepalived default (lower_prio_no_advert off unless strict); RFC 9568 later adopted the same rule",
    },
    Deviation {
        id: "garp-repeat",
        rfc: "RFC 5798 §6.4.1/§6.4.2: broadcast a gratuitous ARP (one per VIP) on becoming master",
        keepalived: "garp_master_repeat 5 messages per VIP at once, garp_master_delay 5 s later another 5 (vrrp_state_master_tx, vrrp_gratuitous_arp_thread); optional garp_master_refresh checked at each advert",
        reason: "visible in every capture in pcaps/keepalived (5 GARPs at takeover, 5 more after 5.0 s)",
    },
    Deviation {
        id: "garp-lower-prio",
        rfc: "RFC 5798 §6.4.3: a master discards a lower-priority advert",
        keepalived: "garp_lower_prio_repeat gratuitous ARPs per VIP on such an advert, again after garp_lower_prio_delay (defaults: garp_master_repeat, garp_master_delay)",
        reason: "moves clients back to the real master after a split brain heals",
    },
    Deviation {
        id: "real-mac",
        rfc: "RFC 5798 §7.2/§7.3: adverts and ARP use the virtual MAC 00-00-5E-00-01-{VRID}",
        keepalived: "without use_vmac, adverts, GARPs and ARP replies come from the interface MAC; with use_vmac and vmac_xmit_base, adverts still do",
        reason: "keepalived's default; the captures show src 02:00:00:00:00:11/12",
    },
    Deviation {
        id: "accept-default",
        rfc: "RFC 5798 §6.1: Accept_Mode default False; RFC 3768 has no Accept_Mode (non-owner never accepts)",
        keepalived: "accept is on by default unless strict_mode (vrrp.c: accept = owner ? true : !strict_mode), also for v2",
        reason: "users' clusters answer pings on the VIP; the simulator must too",
    },
    Deviation {
        id: "address-list-discard",
        rfc: "RFC 3768 §7.1: drop a mismatching address list only if the sender is not the owner; RFC 5798 §7.1: only log",
        keepalived: "vrrp_check_packet discards any advert whose count or address list differs, any priority, unless skip_check_adv_addr and same master",
        reason: "mismatched VIP lists cause split brain in real keepalived clusters; the simulator must show it",
    },
    Deviation {
        id: "unicast",
        rfc: "RFC 5798 §5.1.1.2/§7.1: multicast destination, TTL 255 checked",
        keepalived: "unicast_peer sends one advert per peer; TTL check skipped in unicast mode; multicast/unicast mismatch discarded; check_unicast_src discards sources that are not peers",
        reason: "a common production setup (clouds without multicast); the unicast capture shows it",
    },
    Deviation {
        id: "owner-conflict",
        rfc: "RFC 5798 §7.1: the owner discards every advert",
        keepalived: "an owner hearing another priority-255 advert logs a configuration error and lowers itself to 254",
        reason: "determines who wins when two routers are misconfigured as owner",
    },
    Deviation {
        id: "owner-state-backup",
        rfc: "RFC 5798 §6.4.1: the owner becomes master at startup",
        keepalived: "only with `state MASTER` (the default when priority is 255); with `state BACKUP` it waits Master_Down_Interval; leaving FAULT it waits one interval + skew",
        reason: "vrrp_init_state / try_up_instance",
    },
    Deviation {
        id: "priority-zero-no-reset",
        rfc: "RFC 5798 §6.4.3: on a priority-0 advert the master sends an advert and resets Adver_Timer",
        keepalived: "sends the advert without resetting the timer",
        reason: "vrrp_state_master_rx; keeps the advert cadence of the captures",
    },
    Deviation {
        id: "preempt-delay",
        rfc: "RFC 5798 §6.4.2: a preempting backup discards lower-priority adverts",
        keepalived: "preempt_delay: keeps accepting them until the delay after the first one has passed",
        reason: "a keepalived.conf keyword users rely on to avoid flapping",
    },
    Deviation {
        id: "fault-state",
        rfc: "no FAULT state in either RFC",
        keepalived: "interface down or a failed weight-0 track_* puts the instance in FAULT: silent, no VIPs; a master entering FAULT with its link up first sends priority 0",
        reason: "vrrp_state_leave_master(wantstate FAULT); failovers on track_script failure depend on it",
    },
    Deviation {
        id: "track-weights",
        rfc: "RFC 5798 §5.2.4: priority is configured",
        keepalived: "effective priority = base + weights of tracked objects, clamped to 1..254; the owner is never adjusted; in Backup the running Master_Down_Timer shifts by the change of Master_Down_Interval",
        reason: "vrrp_set_effective_priority",
    },
    Deviation {
        id: "sync-group",
        rfc: "each virtual router is independent (RFC 5798 §1)",
        keepalived: "vrrp_sync_group members change state together; a member only becomes master when all want to",
        reason: "vrrp_sync.c; see SyncGroup",
    },
    Deviation {
        id: "skew-microseconds",
        rfc: "RFC 5798 §6.1 Skew_Time in centiseconds, rounding unspecified",
        keepalived: "timers in whole microseconds: v2 skew = (256-p)*1000000/256 µs truncated",
        reason: "reproduces keepalived's takeover instants to the microsecond",
    },
    Deviation {
        id: "v3-checksum-as-v2",
        rfc: "RFC 5798 §5.2.8 / §7.1: the receiver MUST verify the checksum (pseudo-header form for IPv4)",
        keepalived: "keepalived >= 2.2.8 with v3_checksum_as_v2 sends the VRRPv3/IPv4 checksum without the pseudo-header and, on receipt, skips the check entirely (vrrp_check_packet: the error branch needs the flag clear), so it accepts both forms",
        reason: "the setting that lets a keepalived 2.2.8 router interoperate with pseudo-header-less (Cisco-like) peers; not a 2.2.7 behaviour, applied only when the caller models 2.2.8",
    },
    Deviation {
        id: "ip-header",
        rfc: "silent",
        keepalived: "IPv4 TOS 0xc0, DF clear, IP ID a per-instance counter starting at 1 (vrrp_build_ip4, vrrp_update_pkt); IPv6 traffic class 0xc0 (IPV6_TCLASS)",
        reason: "byte-identical frames with the captures (golden test)",
    },
    Deviation {
        id: "v2-over-ipv6",
        rfc: "RFC 3768 §1 / §5.3.8: VRRPv2 is IPv4 only, with an 8-byte authentication trailer and a checksum over the message alone",
        keepalived: "version 2 with IPv6 addresses (no strict_mode) sends 8 + 16n bytes, no trailer (vrrp_pkt_len), and leaves the checksum to the kernel (IPV6_CHECKSUM at offset 6 on the raw socket, vrrp_if.c), which adds the IPv6 pseudo-header and drops received adverts without it",
        reason: "byte-identical frames with pcaps/own/keepalived-vrrpv2-ipv6.pcap (golden test keepalived_vrrpv2_over_ipv6_emits_the_real_frames); RouterConfig::wire_checksum_form",
    },
];
