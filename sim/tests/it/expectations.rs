//! The wording of expectation verdicts: a PASS never claims more than one master outside the windows.

use crate::util;

/// A scenario text with these nodes, faults and expectations on one segment "lan".
fn scenario(duration: &str, nodes: &str, faults: &str, expect: &str) -> String {
    format!(
        r#"Scenario(
    duration: "{duration}",
    segments: [(name: "lan")],
    nodes: [{nodes}],
    faults: [{faults}],
    expect: [{expect}],
)"#
    )
}

fn firewall_window(expect: &str) -> String {
    scenario(
        "20s",
        r#"
        Router(name: "r1", segment: "lan", ip: "192.0.2.11/24", http_port: None,
               config: File("../pcaps/keepalived/configs/keepalived-vrrpv2-crash-failover/r1.conf")),
        Router(name: "r2", segment: "lan", ip: "192.0.2.12/24", http_port: None,
               config: File("../pcaps/keepalived/configs/keepalived-vrrpv2-crash-failover/r2.conf")),"#,
        r#"
        (at: "6s", fault: BlockVrrp(nodes: ["r1", "r2"])),
        (at: "12s", fault: UnblockVrrp(nodes: ["r1", "r2"])),"#,
        expect,
    )
}

#[test]
fn single_master_pass_names_overlaps_excused_by_grace() {
    // The firewall gives a dual master of a few seconds (r2 takes over Master_Down_Interval after r1's
    // last advert it heard, and steps down when the block lifts); a 10 s grace excuses it.
    let l = util::from_text(
        "grace.ron",
        &firewall_window(r#"SingleMaster(grace: "10s")"#),
    );
    let r = util::run(&l, 1);
    let v = &r.report.expectations[0];
    assert!(v.passed, "{}", v.measured);
    assert_eq!(
        v.measured,
        "max 1 master(s) outside the windows, apart from 1 overlap(s) shorter than the 10s grace"
    );
}

#[test]
fn single_master_fails_on_the_same_overlap_with_the_default_grace() {
    let l = util::from_text("nograce.ron", &firewall_window("SingleMaster()"));
    let r = util::run(&l, 1);
    let v = &r.report.expectations[0];
    assert!(!v.passed, "{}", v.measured);
    assert!(
        v.measured.contains("r1+r2 were all master"),
        "{}",
        v.measured
    );
}

/// r1 (100) crashes at 10.9 s; r2 (99) takes over one Master_Down_Interval after r1's last advert, so the client
/// loses about 3.3 s of requests.
fn crash_with_client(expect: &str) -> String {
    scenario(
        "16s",
        r#"
        Router(name: "r1", segment: "lan", ip: "192.0.2.11/24", config: File("configs/library/v2_master.conf")),
        Router(name: "r2", segment: "lan", ip: "192.0.2.12/24", config: File("configs/library/v2_backup.conf")),
        Client(name: "c", segment: "lan", ip: "192.0.2.50/24", target: "192.0.2.100:80", start: "5s"),"#,
        r#"(at: "10.9s", fault: Crash(node: "r1"))"#,
        expect,
    )
}

#[test]
fn client_outage_measures_the_longest_outage_as_vip_reachable_does_and_checks_both_bounds() {
    let l = util::from_text(
        "outage.ron",
        &crash_with_client(
            r#"ClientOutage(min: "3s", max: "3.5s"), ClientOutage(client: "c", min: "3.5s", max: "10s"),
               VipReachable(min_ratio: 0.0, max_outage: "10s")"#,
        ),
    );
    let r = util::run(&l, 1);
    let [inside, too_short, reach] = &r.report.expectations[..] else {
        panic!("{:?}", r.report.expectations)
    };
    assert!(inside.passed, "{}", inside.measured);
    assert!(!too_short.passed, "{}", too_short.measured);
    assert_eq!(inside.measured, reach.measured);
    assert!(
        inside.measured.contains("longest outage 3300.000 ms"),
        "{}",
        inside.measured
    );
    assert_eq!(
        too_short.expectation,
        "clients see an outage from c: longest outage in [3.5s, 10s]"
    );
}
