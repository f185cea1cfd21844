//! Sequence rules over crafted timelines: GARP attribution when routers share a virtual MAC, late
//! takeovers (liveness), preemption that never happens, and the MLD join of a new IPv6 master.

use std::net::{IpAddr, Ipv6Addr};

use conformance::{CheckOptions, Event, EventKind, Profile, Severity};
use vrrp::wire::Version;

use crate::scene::{ll, mld_report, severities, solicited_node, v4, Rtr, Scene, MS, SEC, T0};

fn pair_sharing_vmac() -> (Rtr, Rtr) {
    // use_vmac (or FRR's macvlan): both routers send from 00:00:5e:00:01:0a.
    let mac = vrrp::frame::virtual_mac(vrrp::wire::Family::V4, 10);
    let a = Rtr {
        ip: v4(1),
        mac,
        prio: 200,
        version: Version::V3,
        vrid: 10,
        int_cs: 100,
        addrs: vec![v4(100)],
    };
    let b = Rtr {
        ip: v4(2),
        prio: 100,
        ..a.clone()
    };
    (a, b)
}

#[test]
fn v2_seq_13_garps_are_credited_to_the_master_of_the_moment_when_routers_share_the_virtual_mac() {
    let (a, b) = pair_sharing_vmac();
    let mut s = Scene::default();
    // A is master from the start with one GARP, then crashes after its advert at 3 s.
    s.adverts(&a, MS, 3 * SEC + 2 * MS)
        .garp(2 * MS, a.mac, v4(100));
    // B (priority 100) times out after Master_Down_Interval = 3 s + 609.375 ms and, as FRR does, sends
    // its GARP just before its first advert and another one after it.
    let t_b = 3 * SEC + MS + 3_609_375_000;
    s.garp(t_b - MS, b.mac, v4(100))
        .adverts(&b, t_b, t_b + 4 * SEC)
        .garp(t_b + 2 * MS, b.mac, v4(100));
    let r = s.check_profile(Profile::Rfc5798);
    let ms = &r.routers[0].masters;
    assert_eq!(ms.len(), 2, "{}", r.to_json());
    assert_eq!((ms[0].src_ip.as_str(), ms[0].garps), ("192.0.2.1", 1));
    assert_eq!((ms[1].src_ip.as_str(), ms[1].garps), ("192.0.2.2", 2));
    assert!(
        severities(&r, "V3-SEQ-12", "").is_empty(),
        "{}",
        r.to_json()
    );
    assert_eq!(r.failovers.len(), 1);
}

#[test]
fn v2_seq_13_a_takeover_without_garp_is_found_even_when_the_old_master_shares_the_mac() {
    let (a, b) = pair_sharing_vmac();
    let mut s = Scene::default();
    s.adverts(&a, MS, 3 * SEC + 2 * MS)
        .garp(2 * MS, a.mac, v4(100));
    let t_b = 3 * SEC + MS + 3_609_375_000;
    s.adverts(&b, t_b, t_b + 4 * SEC);
    // A GARP 2 s after B's takeover, from the shared MAC: B's (A has been silent for 5 s), but too late.
    s.garp(t_b + 2 * SEC + 5 * MS, b.mac, v4(100));
    let r = s.check_profile(Profile::Rfc5798);
    let ms = &r.routers[0].masters;
    assert_eq!((ms[0].garps, ms[1].garps), (1, 1), "{}", r.to_json());
    assert_eq!(
        severities(
            &r,
            "V3-SEQ-12",
            "192.0.2.2 became master but sent no gratuitous ARP"
        ),
        [Severity::Error]
    );
}

/// Two VRRPv2 routers with use_vmac. In the takeover scenes B (priority 100) is master first, A (priority
/// 200) preempts it at 2 s and advertises until 5 s, then goes silent (crash). RFC 3768: B's
/// Master_Down_Interval is 3 + 156/256 s = 3609.375 ms.
fn v2_pair() -> (Rtr, Rtr) {
    let a = Rtr {
        ip: v4(11),
        mac: vrrp::frame::virtual_mac(vrrp::wire::Family::V4, 51),
        prio: 200,
        version: Version::V2,
        vrid: 51,
        int_cs: 100,
        addrs: vec![v4(151)],
    };
    let b = Rtr {
        ip: v4(12),
        prio: 100,
        ..a.clone()
    };
    (a, b)
}

fn events(list: &[(u64, &str, IpAddr, EventKind)]) -> Vec<Event> {
    list.iter()
        .map(|(t, node, addr, kind)| Event {
            time_ns: (T0 + t) as i64,
            node: node.to_string(),
            addresses: vec![*addr],
            kind: kind.clone(),
        })
        .collect()
}

fn with_events(ev: Vec<Event>) -> CheckOptions {
    CheckOptions {
        profile: Profile::Rfc3768,
        events: ev,
        ..CheckOptions::default()
    }
}

fn crash_then_takeover_after(delay_ns: u64) -> (Scene, Rtr, Rtr) {
    let (a, b) = v2_pair();
    let mut s = Scene::default();
    s.adverts(&b, 0, 2 * SEC)
        .adverts(&a, 2 * SEC, 5 * SEC + MS)
        .garp(2 * SEC + MS, a.mac, v4(151));
    // A's last advert is at 5 s.
    let t0 = 5 * SEC;
    s.adverts(&b, t0 + delay_ns, t0 + delay_ns + 3 * SEC);
    // B's GARP right after its takeover, so V2-SEQ-13 stays quiet.
    s.garp(t0 + delay_ns + MS, b.mac, v4(151));
    (s, a, b)
}

#[test]
fn v2_seq_03_late_takeover_is_a_warning_from_the_capture_and_an_error_with_the_event_log() {
    let (s, a, b) = crash_then_takeover_after(5 * SEC);
    let bare = s.check_profile(Profile::Rfc3768);
    assert_eq!(bare.failovers.len(), 2, "{}", bare.to_json());
    assert_eq!(
        severities(&bare, "V2-SEQ-03", "late takeover: 192.0.2.12"),
        [Severity::Warning]
    );
    // The event log says A crashed and B kept running: B is late.
    let crash = events(&[(5 * SEC + 500 * MS, "a", a.ip, EventKind::NodeCrash)]);
    let r = s.check(&with_events(crash.clone()));
    assert_eq!(
        severities(&r, "V2-SEQ-03", "although the event log shows it running"),
        [Severity::Error],
        "{}",
        r.to_json()
    );
    // B was restarted in between: its lateness is explained.
    let mut restarted = crash;
    restarted.extend(events(&[
        (5 * SEC + 600 * MS, "b", b.ip, EventKind::NodeCrash),
        (6 * SEC + 400 * MS, "b", b.ip, EventKind::NodeStart),
    ]));
    let r = s.check(&with_events(restarted));
    assert!(
        severities(&r, "V2-SEQ-03", "").is_empty(),
        "{}",
        r.to_json()
    );
}

#[test]
fn v2_seq_03_a_takeover_on_time_is_not_late() {
    // Master_Down_Interval 3609.375 ms, plus 50 ms of scheduling delay: inside the 100 ms tolerance.
    let (s, a, _) = crash_then_takeover_after(3_659_375_000);
    let crash = events(&[(5 * SEC + 500 * MS, "a", a.ip, EventKind::NodeCrash)]);
    for r in [
        s.check_profile(Profile::Rfc3768),
        s.check(&with_events(crash)),
    ] {
        assert!(
            severities(&r, "V2-SEQ-03", "").is_empty(),
            "{}",
            r.to_json()
        );
        assert_eq!(r.summary.errors, 0, "{}", r.to_json());
    }
}

#[test]
fn v2_seq_03_no_takeover_at_all_is_an_error_with_the_event_log() {
    let (a, b) = v2_pair();
    let mut s = Scene::default();
    s.adverts(&b, 0, 2 * SEC).adverts(&a, 2 * SEC, 6 * SEC + MS);
    // Another virtual router keeps the capture going for 10 s after A's last advert.
    let other = Rtr {
        ip: v4(20),
        vrid: 52,
        addrs: vec![v4(152)],
        ..a.clone()
    };
    s.adverts(&other, 0, 15 * SEC);
    let crash = events(&[(5 * SEC + 500 * MS, "a", a.ip, EventKind::NodeCrash)]);
    let r = s.check(&with_events(crash));
    assert_eq!(
        severities(
            &r,
            "V2-SEQ-03",
            "no backup took over after 192.0.2.11's last advert: 192.0.2.12"
        ),
        [Severity::Error],
        "{}",
        r.to_json()
    );
    // From the bare capture B may have been down: nothing to say.
    assert!(severities(&s.check_profile(Profile::Rfc3768), "V2-SEQ-03", "").is_empty());
    // B stopped before A crashed: nobody was left to take over.
    let stopped = events(&[
        (SEC + 500 * MS, "b", b.ip, EventKind::NodeStop),
        (5 * SEC + 500 * MS, "a", a.ip, EventKind::NodeCrash),
    ]);
    assert!(severities(&s.check(&with_events(stopped)), "V2-SEQ-03", "").is_empty());
}

#[test]
fn v2_seq_08a_a_silent_higher_priority_backup_is_an_error_with_the_event_log() {
    // A (priority 200) is master until 2 s, then silent though running; B (priority 100) takes over after
    // its Master_Down_Interval and advertises for 10 s: A should have preempted it after its own MDI.
    let (a, b) = v2_pair();
    let mut s = Scene::default();
    s.adverts(&a, 0, 2 * SEC);
    let t_b = SEC + 3_609_375_000;
    s.adverts(&b, t_b, t_b + 10 * SEC)
        .garp(t_b + MS, b.mac, v4(151));
    let started = events(&[(0, "a", a.ip, EventKind::NodeStart)]);
    let r = s.check(&with_events(started));
    assert_eq!(
        severities(
            &r,
            "V2-SEQ-08",
            "192.0.2.11 (priority 200, preempt on) stayed silent"
        ),
        [Severity::Error],
        "{}",
        r.to_json()
    );
    assert!(severities(&s.check_profile(Profile::Rfc3768), "V2-SEQ-08", "").is_empty());
    // A crashed: its silence is explained.
    let crashed = events(&[(SEC + 500 * MS, "a", a.ip, EventKind::NodeCrash)]);
    assert!(severities(&s.check(&with_events(crashed)), "V2-SEQ-08", "").is_empty());
}

/// A VRRPv3 IPv6 takeover: A (fe80::1) resigns, B (fe80::2) takes over after Skew_Time with an NA per
/// address; `mld` adds what the scene carries of MLD.
fn v6_takeover(mld: impl Fn(&mut Scene, &Rtr, u64)) -> Scene {
    let vips = [
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x160),
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x160),
    ];
    let a = Rtr {
        ip: ll(1),
        mac: vrrp::frame::virtual_mac(vrrp::wire::Family::V6, 60),
        prio: 200,
        version: Version::V3,
        vrid: 60,
        int_cs: 100,
        addrs: vips.iter().map(|v| IpAddr::V6(*v)).collect(),
    };
    let b = Rtr {
        ip: ll(2),
        prio: 100,
        ..a.clone()
    };
    let mut s = Scene::default();
    s.adverts(&a, 0, 3 * SEC);
    s.at(2 * SEC + 500 * MS, a.frame(0));
    let t_b = 2 * SEC + 500 * MS + 609_375_000;
    s.adverts(&b, t_b, t_b + 3 * SEC);
    for v in vips {
        s.at(
            t_b + MS,
            vrrp::frame::unsolicited_na(b.mac, Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2), v, None),
        );
    }
    mld(&mut s, &b, t_b);
    s
}

#[test]
fn v3_seq_12_new_ipv6_master_joins_the_solicited_node_group_of_its_addresses() {
    let group = solicited_node(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x160));
    let host_mac = [2, 0, 0, 0, 0, 0x99];
    let host = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x99);
    let host_group = solicited_node(host);
    // The master's report 10 ms after its first advert (as FRR and the kernel under keepalived send it).
    let joined = v6_takeover(|s, b, t| {
        s.at(SEC, mld_report(host_mac, host, 4, &[host_group]));
        s.at(
            t + 10 * MS,
            mld_report(
                b.mac,
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2),
                4,
                &[group],
            ),
        );
    });
    let r = joined.check_profile(Profile::Rfc5798);
    assert!(
        severities(&r, "V3-SEQ-12", "").is_empty(),
        "{}",
        r.to_json()
    );
    assert!(!r.not_checked.iter().any(|n| n.rule == "V3-SEQ-12"));
    // Only a leave from the master, while another host's MLD shows the capture carries MLD: a warning.
    let left = v6_takeover(|s, b, t| {
        s.at(SEC, mld_report(host_mac, host, 4, &[host_group]));
        s.at(
            t + 10 * MS,
            mld_report(
                b.mac,
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2),
                3,
                &[group],
            ),
        );
    });
    let r = left.check_profile(Profile::Rfc5798);
    assert_eq!(
        severities(
            &r,
            "V3-SEQ-12",
            "no MLD report joining the solicited-node group ff02::1:ff00:160"
        ),
        [Severity::Warning],
        "{}",
        r.to_json()
    );
    // A capture without any MLD: the MLD part is listed as not checked.
    let none = v6_takeover(|_, _, _| {});
    let r = none.check_profile(Profile::Rfc5798);
    assert!(
        severities(&r, "V3-SEQ-12", "").is_empty(),
        "{}",
        r.to_json()
    );
    assert!(r
        .not_checked
        .iter()
        .any(|n| n.rule == "V3-SEQ-12" && n.reason.contains("no MLD report")));
}

#[test]
fn v3_seq_12_real_keepalived_ipv6_takeovers_join_the_group_and_are_caught_without_it() {
    // pcaps/own/keepalived-vrrpv3-ipv6.pcap: both takeovers carry the master's MLD report; with the two
    // routers' reports removed (a third host's remain) both takeovers are flagged.
    let bytes =
        std::fs::read(crate::pcaps().join("own/keepalived-vrrpv3-ipv6.pcap")).unwrap_or_default();
    let opts = CheckOptions::default();
    let r = conformance::check_bytes("x", &bytes, &opts).map_err(|e| e.to_string());
    let r = r.as_ref().map(|r| severities(r, "V3-SEQ-12", ""));
    assert_eq!(r, Ok(vec![]));
    let routers = [[2, 0, 0, 0, 0, 0x11], [2, 0, 0, 0, 0, 0x12]];
    let stripped = filter_pcap(&bytes, |f| {
        let mld = f.len() > 62 && f[12..14] == [0x86, 0xdd] && f[20] == 0 && f[62] == 143;
        !(mld && routers.iter().any(|m| f[6..12] == *m))
    });
    let r = match conformance::check_bytes("x", &stripped, &opts) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "V3-SEQ-12")
        .collect();
    assert_eq!(f.len(), 2, "{}", r.to_json());
    assert!(f
        .iter()
        .all(|f| f.severity == Severity::Warning && f.message.contains("ff02::1:ff00:122")));
}

/// Keeps the records of a little-endian classic pcap for which `keep` is true.
fn filter_pcap(b: &[u8], keep: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut out = b[..24.min(b.len())].to_vec();
    let mut off = 24;
    while off + 16 <= b.len() {
        let len = u32::from_le_bytes([b[off + 8], b[off + 9], b[off + 10], b[off + 11]]) as usize;
        let end = (off + 16 + len).min(b.len());
        if keep(&b[off + 16..end]) {
            out.extend_from_slice(&b[off..end]);
        }
        off = end;
    }
    out
}
