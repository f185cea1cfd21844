//! `--config` items and the simulator's events (CheckOptions::configs / ::events).

use std::net::IpAddr;

use conformance::{check_path, CheckOptions, Event, EventKind, Profile, Report};

fn first_ts_ns(rel: &str) -> i64 {
    let b = std::fs::read(crate::pcaps().join(rel)).unwrap_or_default();
    let u = |o: usize| {
        b.get(o..o + 4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as i64)
            .unwrap_or(0)
    };
    u(24) * 1_000_000_000 + u(28) * 1000
}

fn conf(rel: &str) -> keepalived_conf::Config {
    let p = keepalived_conf::parse_file(
        &crate::pcaps().join(rel),
        &keepalived_conf::ParseOptions::default(),
    );
    assert!(!p.has_errors(), "{}", p.render_diagnostics());
    p.config
}

fn run(rel: &str, opts: CheckOptions) -> Report {
    check_path(&crate::pcaps().join(rel), &opts).unwrap_or_else(|e| panic!("{e}"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

fn ev(t: i64, node: &str, addr: &str, kind: EventKind) -> Event {
    Event {
        time_ns: t,
        node: node.into(),
        addresses: vec![ip(addr)],
        kind,
    }
}

const GRACEFUL: &str = "keepalived/keepalived-vrrpv2-graceful-stop.pcap";
const PREEMPT: &str = "keepalived/keepalived-vrrpv2-preemption.pcap";

#[test]
fn matching_configs_raise_nothing() {
    let d = "keepalived/configs/keepalived-vrrpv2-graceful-stop";
    let opts = CheckOptions {
        profile: Profile::Keepalived,
        configs: vec![
            (ip("192.0.2.11"), conf(&format!("{d}/r1.conf"))),
            (ip("192.0.2.12"), conf(&format!("{d}/r2.conf"))),
        ],
        events: Vec::new(),
    };
    let r = run(GRACEFUL, opts);
    assert_eq!(
        (r.summary.errors, r.summary.warnings),
        (0, 0),
        "{:#?}",
        r.findings
    );
    assert!(!r.not_checked.iter().any(|n| n.rule == "V2-PKT-16"));
}

#[test]
fn rfc3768_5_3_7_config_interval_and_address_mismatch() {
    // r2's own config with advert_int 3 and no virtual addresses: the 1 s adverts of 192.0.2.100 mismatch.
    let d = "keepalived/configs/keepalived-vrrpv2-graceful-stop";
    let mut c = conf(&format!("{d}/r2.conf"));
    if let Some(i) = c.vrrp_instances.first_mut() {
        i.advert_int = Some(std::time::Duration::from_secs(3));
        i.virtual_ipaddress.truncate(0);
    }
    let opts = CheckOptions {
        configs: vec![(ip("192.0.2.12"), c)],
        ..CheckOptions::default()
    };
    let r = run(GRACEFUL, opts);
    let rules: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity != conformance::Severity::Note)
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(rules, vec!["V2-PKT-14", "V2-PKT-16"]);
}

#[test]
fn rfc3768_6_4_3_graceful_stop_of_a_master_needs_priority_zero() {
    let t0 = first_ts_ns(GRACEFUL);
    let opts = CheckOptions {
        events: vec![
            // r1 is stopped at 7.29 s and sends its priority-0 advert at 7.296 s: fine.
            ev(t0 + 7_290_000_000, "r1", "192.0.2.11", EventKind::NodeStop),
            // r2 is "stopped" at 12 s while master but no priority-0 advert follows.
            ev(t0 + 12_000_000_000, "r2", "192.0.2.12", EventKind::NodeStop),
        ],
        ..CheckOptions::default()
    };
    let r = run(GRACEFUL, opts);
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "V2-SEQ-06")
        .collect();
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert!(
        f[0].message.starts_with("r2 (192.0.2.12)"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].time, 12.0);
}

#[test]
fn rfc3768_6_4_1_non_owner_waits_master_down_interval_after_start() {
    let t0 = first_ts_ns(PREEMPT);
    // r1 joined the group at 8.724 s (its start) and advertised at 12.324 s: 3.6 s = MDI for priority 100.
    let ok = run(
        PREEMPT,
        CheckOptions {
            events: vec![ev(
                t0 + 8_724_009_000,
                "r1",
                "192.0.2.11",
                EventKind::NodeStart,
            )],
            ..CheckOptions::default()
        },
    );
    assert!(
        !ok.findings.iter().any(|f| f.rule == "V2-SEQ-12"),
        "{:#?}",
        ok.findings
    );
    // Claiming it started at 11 s makes its first advert premature.
    let bad = run(
        PREEMPT,
        CheckOptions {
            events: vec![ev(
                t0 + 11_000_000_000,
                "r1",
                "192.0.2.11",
                EventKind::NodeStart,
            )],
            ..CheckOptions::default()
        },
    );
    assert_eq!(
        bad.findings
            .iter()
            .filter(|f| f.rule == "V2-SEQ-12")
            .count(),
        1
    );
}

#[test]
fn rfc3768_6_4_split_brain_during_injected_partition_is_a_note() {
    let rel = "bad/two-masters.pcap";
    let t0 = first_ts_ns(rel);
    let d = "partition {r1} {r2}".to_string();
    let opts = CheckOptions {
        events: vec![
            Event {
                time_ns: t0,
                node: String::new(),
                addresses: vec![],
                kind: EventKind::FaultInjected {
                    description: d.clone(),
                },
            },
            Event {
                time_ns: t0 + 6_000_000_000,
                node: String::new(),
                addresses: vec![],
                kind: EventKind::FaultHealed { description: d },
            },
        ],
        ..CheckOptions::default()
    };
    let r = run(rel, opts);
    let sb: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "V2-SEQ-14")
        .collect();
    assert_eq!(sb.len(), 1);
    assert_eq!(sb[0].severity, conformance::Severity::Note);
}
