//! Safety, then liveness (STYLE §8): whatever the seed and whatever the link impairments while they last, once
//! the network heals the cluster converges to the single, highest-priority master within two
//! Master_Down_Intervals, and the run is reproducible.

use crate::util;
use proptest::prelude::*;

fn scenario(loss: f64, loss_in: f64, dup: f64, reorder: f64, jitter_us: u64) -> String {
    let link = format!("(loss: {loss}, loss_in: {loss_in}, duplicate: {dup}, reorder: {reorder}, jitter: \"{jitter_us}us\")");
    format!(
        r#"Scenario(
    duration: "40s",
    segments: [(name: "lan")],
    nodes: [
        Router(name: "r1", segment: "lan", ip: "192.0.2.11/24", http_port: None,
               config: File("../pcaps/keepalived/configs/keepalived-vrrpv2-crash-failover/r1.conf")),
        Router(name: "r2", segment: "lan", ip: "192.0.2.12/24", http_port: None,
               config: File("../pcaps/keepalived/configs/keepalived-vrrpv2-crash-failover/r2.conf")),
    ],
    faults: [
        (at: "5s", fault: SetLink(node: "r1", link: {link})),
        (at: "5s", fault: SetLink(node: "r2", link: {link})),
        (at: "25s", fault: SetLink(node: "r1", link: ())),
        (at: "25s", fault: SetLink(node: "r2", link: ())),
    ],
    expect: [
        // 2 x Master_Down_Interval of priority 100 (3.609375 s).
        ConvergeWithin(after: "25s", within: "7.21875s", master: "r1"),
        SingleMaster(except: [("5s", "32.21875s")]),
    ],
)"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn converges_to_highest_priority_after_heal(
        seed in any::<u64>(),
        loss in 0.0f64..0.6,
        loss_in in 0.0f64..0.4,
        dup in 0.0f64..0.3,
        reorder in 0.0f64..0.3,
        jitter_us in 0u64..5000,
    ) {
        let l = util::from_text("prop.ron", &scenario(loss, loss_in, dup, reorder, jitter_us));
        let a = util::run(&l, seed);
        for v in &a.report.expectations {
            prop_assert!(v.passed, "seed {}: {} -- {}", seed, v.expectation, v.measured);
        }
        let b = util::run(&l, seed);
        prop_assert!(a.capture == b.capture, "seed {} is not reproducible", seed);
    }
}
