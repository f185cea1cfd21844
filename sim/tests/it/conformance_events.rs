//! The event log the simulator hands the conformance checker (`RunOutput::events`): every keepalived
//! start (at boot, after a `start:` delay, by a `Start` / `Restart` fault) is a `NodeStart`, and every
//! node is named by all its addresses, IPv6 link-local included, so the liveness side of RFC 5798
//! §6.4.2 (V3-SEQ-02 late takeover) is an error for IPv6 sources too, and a restart is never one.

use conformance::{CheckOptions, EventKind, Finding, Profile, Severity};
use sim::scenario::{Fault, NodeSpec, TimedFault};
use sim::time::Duration;
use sim::world::{RunOutput, World};
use std::net::{IpAddr, Ipv6Addr};

use crate::util;

/// scenarios/library/v3_ipv6.ron's pair (VRRPv3, IPv6 only, VRID 61, r1 priority 100, r2 priority 99),
/// with r1 starting at 5 s so that r2 is master first (3.61 s) and has advertised before r1 preempts it
/// (8.6 s): only a backup seen running can be late. r1 crashes at 15.5 s instead of 10.5 s, the run lasts
/// 30 s, and `r2_faults` happen to r2 meanwhile.
fn run(r2_faults: Vec<(u64, Fault)>) -> RunOutput {
    let mut l = util::load("library/v3_ipv6.ron");
    let s = &mut l.scenario;
    s.duration = Duration::from_secs(30);
    if let Some(NodeSpec::Router(r1)) = s.nodes.first_mut() {
        r1.start = Some(Duration::from_secs(5));
    }
    s.faults = vec![TimedFault {
        at: Duration::from_millis(15_500),
        fault: Fault::Crash { node: "r1".into() },
    }];
    for (ms, fault) in r2_faults {
        s.faults.push(TimedFault {
            at: Duration::from_millis(ms),
            fault,
        });
    }
    World::build(&l, 1).unwrap_or_else(|e| panic!("{e}")).run()
}

/// r2's EUI-64 link-local address, the source of its IPv6 adverts.
fn r2_ll() -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 0x12))
}

fn r2(f: fn(String) -> Fault) -> Fault {
    f("r2".into())
}

/// r2 crashes at 15 s and restarts at 17 s.
fn crash_restart() -> Vec<(u64, Fault)> {
    vec![
        (15_000, r2(|node| Fault::Crash { node })),
        (17_000, r2(|node| Fault::Restart { node })),
    ]
}

fn late_takeovers(out: &RunOutput, events: Vec<conformance::Event>) -> Vec<Finding> {
    let opts = CheckOptions {
        profile: Profile::Auto,
        configs: out.configs.clone(),
        events,
    };
    let report = conformance::check_bytes("capture.pcapng", &out.capture, &opts).unwrap();
    report
        .findings
        .into_iter()
        .filter(|f| f.rule == "V3-SEQ-02")
        .collect()
}

/// The starts are logged, each naming the node by its IPv4, link-local and (for r2's IPv6 instance) source
/// addresses.
#[test]
fn node_start_is_logged_for_boot_delayed_start_and_restart_with_link_local_addresses() {
    let out = run(crash_restart());
    let starts: Vec<(i64, &str)> = out
        .events
        .iter()
        .filter(|e| e.kind == EventKind::NodeStart)
        .map(|e| (e.time_ns, e.node.as_str()))
        .collect();
    let s = 1_000_000_000;
    assert_eq!(starts, vec![(0, "r2"), (5 * s, "r1"), (17 * s, "r2")]);
    for e in &out.events {
        if e.node == "r2" {
            assert!(e.addresses.contains(&r2_ll()), "{e:?}");
            assert!(
                e.addresses.contains(&"192.0.2.12".parse().unwrap()),
                "{e:?}"
            );
        }
    }
}

/// RFC 5798 §6.4.2 liveness, planted: r2 stalls from 15 s to 20 s, so it takes over about 4.5 s after r1's
/// last advert, later than its Master_Down_Interval (3.61 s). With the stall in the log that is excused;
/// with the stall's entry removed, the log shows r2 running and connected, and the late takeover is an
/// error for its IPv6 link-local source (it was only a warning while the log named nodes by IPv4).
#[test]
fn v3_seq_02_planted_late_takeover_of_an_ipv6_backup_is_an_error() {
    let out = run(vec![(
        15_000,
        Fault::Stall {
            node: "r2".into(),
            duration: Duration::from_secs(5),
        },
    )]);
    assert!(late_takeovers(&out, out.events.clone()).is_empty());
    let planted: Vec<conformance::Event> = out
        .events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::FaultInjected { .. }))
        .cloned()
        .collect();
    assert!(planted.len() < out.events.len(), "the stall was logged");
    let f = late_takeovers(&out, planted);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::Error);
    assert!(
        f[0].message
            .starts_with(&format!("late takeover: {}", r2_ll())),
        "{}",
        f[0].message
    );
    assert!(f[0]
        .message
        .contains("event log shows it running and connected"));
}

/// A backup restarted inside the failover window (crashed at 15 s, restarted at 17 s, master at 20.6 s,
/// 5.1 s after r1's last advert) is late for a reason the log shows: no late-takeover finding at all,
/// and the capture conforms.
#[test]
fn v3_seq_02_backup_restarted_during_failover_is_no_late_takeover() {
    let out = run(crash_restart());
    assert!(late_takeovers(&out, out.events.clone()).is_empty());
    let opts = CheckOptions {
        profile: Profile::Auto,
        configs: out.configs.clone(),
        events: out.events.clone(),
    };
    let report = conformance::check_bytes("capture.pcapng", &out.capture, &opts).unwrap();
    assert_eq!(report.summary.errors, 0, "{}", report.to_json());
    // r2 did take over, from its link-local address.
    assert!(report.failovers.iter().any(|f| f.to == r2_ll().to_string()));
}

/// The same restart with r2's `Start` after a graceful `Stop`: the checker sees the stop and the start.
#[test]
fn v3_seq_02_backup_stopped_and_started_during_failover_is_no_late_takeover() {
    let out = run(vec![
        (15_000, r2(|node| Fault::Stop { node })),
        (17_000, r2(|node| Fault::Start { node })),
    ]);
    assert!(late_takeovers(&out, out.events.clone()).is_empty());
    assert!(out
        .events
        .iter()
        .any(|e| e.kind == EventKind::NodeStart && e.node == "r2" && e.time_ns == 17_000_000_000));
}
