//! The real keepalived captures and the crafted captures, with exact expected values.

use conformance::{Profile, Severity};

use crate::{check, rules_of};

fn only_failover(rel: &str, profile: Profile) -> conformance::Failover {
    let r = check(rel, profile);
    assert_eq!(
        r.summary.errors, 0,
        "{rel} under {profile:?}: {:#?}",
        r.findings
    );
    assert_eq!(r.failovers.len(), 1, "{rel}");
    r.failovers[0].clone()
}

#[test]
fn keepalived_crash_failover_gap_is_master_down_interval() {
    for p in [Profile::Keepalived, Profile::Auto] {
        let f = only_failover("keepalived/keepalived-vrrpv2-crash-failover.pcap", p);
        assert_eq!(
            (f.from.as_str(), f.to.as_str()),
            ("192.0.2.11", "192.0.2.12")
        );
        assert_eq!(format!("{:.1}", f.gap_ms), "3614.1");
        assert!(!f.resigned);
        assert_eq!(f.frame, 16);
    }
}

#[test]
fn keepalived_graceful_stop_gap_after_priority_zero() {
    for p in [Profile::Keepalived, Profile::Auto] {
        let f = only_failover("keepalived/keepalived-vrrpv2-graceful-stop.pcap", p);
        assert_eq!(format!("{:.1}", f.gap_ms), "615.1");
        assert!(f.resigned);
        assert_eq!(format!("{:.1}", f.since_last_regular_ms), "901.3");
    }
}

#[test]
fn keepalived_preemption_handover() {
    for p in [Profile::Keepalived, Profile::Auto] {
        let f = only_failover("keepalived/keepalived-vrrpv2-preemption.pcap", p);
        assert_eq!(
            (f.from.as_str(), f.to.as_str()),
            ("192.0.2.12", "192.0.2.11")
        );
        assert_eq!(format!("{:.1}", f.gap_ms), "718.5");
    }
}

#[test]
fn keepalived_unicast_is_recognised_and_icmp_quotes_are_not_adverts() {
    let r = check(
        "keepalived/keepalived-vrrpv2-unicast-crash-failover.pcap",
        Profile::Auto,
    );
    assert_eq!(r.summary.errors, 0);
    assert_eq!(r.packets, 43);
    assert_eq!(r.vrrp_packets, 17);
    assert_eq!(r.routers.len(), 1);
    assert!(r.routers[0].unicast);
    assert_eq!(r.routers[0].profile, "keepalived");
}

#[test]
fn keepalived_master_timeline() {
    let r = check(
        "keepalived/keepalived-vrrpv2-crash-failover.pcap",
        Profile::Auto,
    );
    let m = &r.routers[0].masters;
    assert_eq!(m.len(), 2);
    assert_eq!(
        (
            m[0].src_ip.as_str(),
            m[0].first_frame,
            m[0].last_frame,
            m[0].adverts
        ),
        ("192.0.2.11", 1, 13, 8)
    );
    assert_eq!(
        (
            m[1].src_ip.as_str(),
            m[1].first_frame,
            m[1].last_frame,
            m[1].adverts
        ),
        ("192.0.2.12", 16, 34, 9)
    );
    assert_eq!(m[1].priorities, vec![99]);
    assert_eq!(m[1].garps, 10);
    assert!(m[1].takeover && !m[0].takeover);
    let st = r.routers[0]
        .advert_interval
        .as_ref()
        .map(|s| (s.median_ms.round(), s.samples));
    assert_eq!(st, Some((1000.0, 15)));
}

#[test]
fn keepalived_deviations_are_errors_under_rfc3768() {
    let r = check(
        "keepalived/keepalived-vrrpv2-crash-failover.pcap",
        Profile::Rfc3768,
    );
    let errs: Vec<_> = rules_of(&r)
        .into_iter()
        .filter(|(_, s)| *s == Severity::Error)
        .map(|(r, _)| r)
        .collect();
    assert_eq!(
        errs,
        vec!["V2-PKT-06", "V2-PKT-19", "V2-PKT-06", "V2-PKT-19"]
    );
}

#[test]
fn crafted_files_are_what_the_generator_writes() {
    for c in conformance::synth::crafted() {
        let on_disk = std::fs::read(crate::pcaps().join(c.path)).unwrap_or_default();
        assert!(
            on_disk == c.bytes,
            "{} differs from the generator: run cargo run -p conformance --example make_captures",
            c.path
        );
    }
}

#[test]
fn crafted_files_raise_their_rule() {
    for c in conformance::synth::crafted() {
        let profile = Profile::from_name(c.profile).unwrap_or_default();
        let r = check(c.path, profile);
        match c.rule {
            Some(rule) => assert!(
                r.findings.iter().any(|f| f.rule == rule),
                "{} should raise {rule}: {:#?}",
                c.path,
                r.findings
            ),
            None => assert_eq!(
                r.summary.errors + r.summary.warnings,
                0,
                "{}: {:#?}",
                c.path,
                r.findings
            ),
        }
    }
}

#[test]
fn rfc9568_accepts_v3_checksum_without_pseudo_header_that_rfc5798_rejects() {
    let f = "bad/v3-checksum-without-pseudo-header.pcap";
    let strict = check(f, Profile::Rfc5798);
    assert_eq!(
        rules_of(&strict),
        vec![("V3-PKT-15".to_string(), Severity::Error)]
    );
    assert_eq!(check(f, Profile::Rfc9568).summary.errors, 0);
    let auto = check(f, Profile::Auto);
    assert_eq!(auto.summary.errors, 0);
    assert_eq!(auto.routers[0].profile, "rfc9568");
    assert_eq!(auto.routers[0].checksum_form, Some("no-pseudo-header"));
}

#[test]
fn rfc3768_6_4_two_masters_is_split_brain() {
    let r = check("bad/two-masters.pcap", Profile::Auto);
    assert_eq!(r.split_brain.len(), 1);
    let s = &r.split_brain[0];
    assert_eq!((s.from_time, s.to_time), (0.5, 5.0));
    assert_eq!(s.sources, vec!["192.0.2.1", "192.0.2.2"]);
}

#[test]
fn rfc5798_6_4_2_ipv6_handover_after_skew_time_is_clean() {
    let r = check(
        "synthetic/v3-ipv6-vlan-graceful-handover.pcapng",
        Profile::Auto,
    );
    assert_eq!(
        r.summary.errors + r.summary.warnings,
        0,
        "{:#?}",
        r.findings
    );
    assert_eq!(r.routers[0].interface, "br0.vlan100");
    assert_eq!(r.routers[0].family, "ipv6");
    assert_eq!(r.failovers.len(), 1);
    assert_eq!(format!("{:.3}", r.failovers[0].gap_ms), "609.375");
    assert!(r.failovers[0].resigned);
    assert_eq!(r.routers[0].masters[1].garps, 2);
}

#[test]
fn sll2_capture_decodes_ifindex_and_subsecond_interval() {
    let r = check("synthetic/sll2-v3-ipv4-subsecond.pcap", Profile::Auto);
    assert_eq!(r.link_type, "linux_sll2");
    assert_eq!(r.routers[0].interface, "if0@ifindex3");
    assert_eq!(
        r.routers[0].advert_interval.as_ref().map(|s| s.median_ms),
        Some(500.0)
    );
    assert_eq!(r.summary.errors, 0);
}

#[test]
fn own_keepalived_captures_are_clean_under_keepalived_and_auto() {
    for f in [
        "own/keepalived-vrrpv3-ipv4-subsecond.pcap",
        "own/keepalived-vrrpv3-ipv6.pcap",
        "own/keepalived-3-routers-3-vrids.pcap",
    ] {
        for p in [Profile::Keepalived, Profile::Auto] {
            let r = check(f, p);
            assert_eq!(r.summary.errors, 0, "{f} {p:?}: {:#?}", r.findings);
            assert!(r.routers.iter().all(|x| x.profile == "keepalived"), "{f}");
        }
    }
}

#[test]
fn own_keepalived_3_routers_has_three_virtual_routers_and_a_crash_failover() {
    let r = check("own/keepalived-3-routers-3-vrids.pcap", Profile::Auto);
    let ids: Vec<_> = r
        .routers
        .iter()
        .map(|x| (x.family, x.version, x.vrid))
        .collect();
    assert_eq!(ids, vec![("ipv4", 2, 31), ("ipv4", 3, 32), ("ipv6", 3, 33)]);
    // r2 (priority 200 on VRID 32, 50 cs) is killed; r1 (150) waits 3 x 500 ms + skew 207 ms.
    let f = r
        .failovers
        .iter()
        .find(|f| f.vrid == 32 && !f.resigned)
        .map(|f| f.gap_ms.round());
    assert_eq!(f, Some(1709.0));
}

#[test]
fn own_keepalived_ipv6_graceful_handover_after_skew() {
    let r = check("own/keepalived-vrrpv3-ipv6.pcap", Profile::Auto);
    assert_eq!(r.failovers.len(), 1);
    let f = &r.failovers[0];
    assert!(f.resigned);
    // Skew_Time for priority 150 at 100 cs: 41.4 cs.
    assert!((f.gap_ms - 414.0).abs() < 20.0, "{}", f.gap_ms);
}

#[test]
fn own_split_brain_window_is_reported() {
    let r = check("own/keepalived-split-brain.pcap", Profile::Auto);
    assert_eq!(r.split_brain.len(), 1);
    let s = &r.split_brain[0];
    assert_eq!(s.sources, vec!["192.0.2.11", "192.0.2.12"]);
    // The bridge isolated the ports for 5 s; r2 needs Master_Down_Interval (1.7 s) to notice.
    assert!(
        s.to_time - s.from_time > 3.0 && s.to_time - s.from_time < 5.0,
        "{s:?}"
    );
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule == "V3-SEQ-15" && f.severity == Severity::Error));
}

#[test]
fn own_frr_capture_uses_virtual_macs_and_rfc5798_checksum() {
    let r = check("own/frr-vrrpv3-ipv4-ipv6.pcap", Profile::Auto);
    assert_eq!(r.routers.len(), 2);
    for x in &r.routers {
        assert_eq!(x.profile, "rfc5798");
        assert!(x.masters.iter().all(|m| m
            .src_mac
            .as_deref()
            .is_some_and(|m| m.starts_with("00:00:5e:00:0"))));
    }
    assert_eq!(r.routers[0].checksum_form, Some("pseudo-header"));
    // The only error is FRR's late first IPv6 advert after the priority-0 handover (see pcaps/README.md).
    let errs: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(errs, vec!["V3-SEQ-03"]);
}

/// A master on a 1 s cadence that answers a lower-priority advert at once, then keeps its cadence
/// (keepalived does not restart its Adver_Timer after such an answer), optionally with one extra advert
/// `stray_s` seconds in that answers nothing.
fn answer_then_cadence(stray_s: Option<f64>) -> conformance::Report {
    use std::net::{IpAddr, Ipv4Addr};
    use vrrp::frame::{virtual_mac, AdvertFrame};
    use vrrp::wire::{Auth, Family, Version, VrrpRepr};

    let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
    let b = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12));
    let vip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));
    let frame = |src: IpAddr, prio: u8| {
        let f = AdvertFrame::multicast(virtual_mac(Family::V4, 51), src);
        let r = VrrpRepr {
            version: Version::V2,
            vrid: 51,
            priority: prio,
            max_adver_int_cs: 100,
            v3_reserved: 0,
            auth: Auth::None,
            addresses: vec![vip],
        };
        f.build(&r).expect("valid advert")
    };
    let mut times: Vec<(f64, IpAddr, u8)> = (0..8).map(|i| (i as f64, a, 100)).collect();
    // The backup's advert (it just ended a partition) and the master's immediate answer.
    times.push((3.3, b, 99));
    times.push((3.3002, a, 100));
    if let Some(t) = stray_s {
        times.push((t, a, 100));
    }
    times.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut w = conformance::synth::PcapWriter::new(1, conformance::synth::Precision::Nano);
    for (t, src, prio) in times {
        w.record(1_000_000_000 + (t * 1e9) as u64, &frame(src, prio));
    }
    conformance::check_bytes(
        "answer.pcap",
        &w.into_bytes(),
        &conformance::CheckOptions {
            profile: Profile::Keepalived,
            ..Default::default()
        },
    )
    .expect("readable capture")
}

#[test]
fn rfc3768_6_4_3_answer_to_lower_priority_keeps_the_master_cadence() {
    let r = answer_then_cadence(None);
    assert!(
        !r.findings.iter().any(|f| f.rule == "V2-SEQ-01"),
        "{:#?}",
        r.findings
    );
    // The stray advert at 5.5 s answers nothing and is half an interval early from both references.
    let r = answer_then_cadence(Some(5.5));
    let early: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "V2-SEQ-01")
        .collect();
    assert_eq!(early.len(), 1, "{:#?}", r.findings);
    assert_eq!(early[0].severity, Severity::Error);
}
