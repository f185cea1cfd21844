//! The scenario library (scenarios/library/*.ron): every scenario passes with its seed, its failover timings
//! are the RFC formulas of vrrp::timing, its text timeline is pinned by an insta snapshot, and `sim init`
//! writes a passing scenario for each seed config pair.

use crate::util;
use sim::timeline::{Event, VrrpState};
use vrrp::time::Duration;
use vrrp::timing;
use vrrp::wire::Version;

fn library() -> Vec<std::path::PathBuf> {
    let dir = util::repo().join("scenarios/library");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_library_scenario_passes_and_its_timeline_is_pinned() {
    let files = library();
    assert!(files.len() >= 15, "{files:?}");
    for p in files {
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        let l = sim::scenario::load(&p).unwrap_or_else(|e| panic!("{e}"));
        let r = util::run(&l, l.scenario.seed);
        for v in &r.report.expectations {
            assert!(v.passed, "{stem}: {} -- {}", v.expectation, v.measured);
        }
        assert!(r.report.passed, "{stem}");
        assert!(
            l.scenario
                .expect
                .iter()
                .any(|e| matches!(e, sim::scenario::Expectation::CaptureConforms { .. })),
            "{stem} must check its capture"
        );
        insta::assert_snapshot!(format!("library_{stem}"), r.timeline.render_text());
    }
}

/// The time `node` became MASTER of `vrid` for the `k`-th time (0-based), in ns since start.
fn master_at(r: &sim::runner::RunResult, node: &str, k: usize) -> u64 {
    r.timeline
        .entries
        .iter()
        .filter(|e| {
            e.node.as_deref() == Some(node)
                && matches!(
                    &e.event,
                    Event::State {
                        to: VrrpState::Master,
                        ..
                    }
                )
        })
        .nth(k)
        .map(|e| sim::time::nanos(e.at))
        .unwrap_or_else(|| panic!("{node} never master #{k}"))
}

/// One link crossing each way through the switch (sender out + receiver in), default latency 50 µs.
const TWO_CROSSINGS_NS: u64 = 100_000;

/// keepalived (and so the simulated router) runs its timers in whole microseconds; vrrp::timing is exact to the
/// nanosecond, so the timer the router arms is the formula rounded down to 1 µs.
fn us(d: Duration) -> u64 {
    d.as_nanos() / 1000 * 1000
}

#[test]
fn rfc3768_6_1_master_crash_takeover_is_master_down_interval_after_the_last_advert() {
    let r = util::run(&util::load("library/master_crash_v2.ron"), 1);
    // r1 became master at 3.609375 s and advertises every second: last advert before the 10.9 s crash.
    let last_advert = master_at(&r, "r1", 0) + 7_000_000_000;
    let mdi = timing::master_down_interval(Version::V2, 99, Duration::from_secs(1));
    assert_eq!(mdi.as_nanos(), 3_613_281_250);
    assert_eq!(
        master_at(&r, "r2", 0) - last_advert,
        us(mdi) + TWO_CROSSINGS_NS
    );
}

#[test]
fn rfc3768_6_4_2_priority_zero_takeover_after_skew_time() {
    let r = util::run(&util::load("library/graceful_stop.ron"), 1);
    let skew = timing::skew_time(Version::V2, 99, Duration::from_secs(1));
    assert_eq!(skew.as_nanos(), 613_281_250);
    assert_eq!(
        master_at(&r, "r2", 0) - 10_900_000_000,
        us(skew) + TWO_CROSSINGS_NS
    );
}

#[test]
fn rfc5798_6_1_v3_advert_int_100ms_crash_failover_under_one_second() {
    let r = util::run(&util::load("library/v3_fast_crash.ron"), 1);
    let adv = Duration::from_centis(10);
    let mdi = timing::master_down_interval(Version::V3, 99, adv);
    assert_eq!(mdi.as_nanos(), 361_328_125);
    let first = master_at(&r, "r1", 0);
    // The last advert before the crash at 10.05 s.
    let last = first + (10_050_000_000 - first) / adv.as_nanos() * adv.as_nanos();
    let took = master_at(&r, "r2", 0);
    assert_eq!(took - last, us(mdi) + TWO_CROSSINGS_NS);
    assert!(took - 10_050_000_000 < 1_000_000_000);
}

#[test]
fn rfc3768_6_4_3_equal_priority_higher_primary_address_wins() {
    let r = util::run(&util::load("library/three_routers_tiebreak.ron"), 1);
    let masters = &r.report.masters[0];
    assert!(masters.contains("r3 3.609475..10.900000"), "{masters}");
    assert!(masters.ends_with("r2 14.218950..25.000000"), "{masters}");
}

#[test]
fn sim_init_writes_a_passing_scenario_for_each_seed_pair_and_never_overwrites() {
    let dir = util::tempdir("library-init");
    for pair in ["nginx_lb", "lvs_dr_director"] {
        let seed = util::repo().join("scenarios/configs/seed");
        let a = seed.join(format!("{pair}.keepalived.conf"));
        let b = seed.join(format!("{pair}.backup.keepalived.conf"));
        let out = dir.join(format!("{pair}.ron"));
        let run = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
                .arg("init")
                .arg(&a)
                .arg(&b)
                .arg("--out")
                .arg(&out)
                .output()
                .unwrap()
        };
        let first = run();
        assert_eq!(
            first.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        // The formulas are shown next to the bounds they produce.
        assert!(
            text.contains(
                "Master_Down_Interval = 3 × 1000 ms + (256 − 99) × 1000 ms / 256 = 3613.28125 ms"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "FailoverWithin(after: \"10.9s\", within: \"3614.28125ms\", vrid: 51, to: \"b\")"
            ),
            "{text}"
        );
        assert!(
            text.contains("Skew_Time = (256 − 99) × 1000 ms / 256 = 613.28125 ms"),
            "{text}"
        );
        let l = sim::scenario::load(&out).unwrap_or_else(|e| panic!("{e}"));
        let r = util::run(&l, 1);
        for v in &r.report.expectations {
            assert!(v.passed, "{pair}: {} -- {}", v.expectation, v.measured);
        }
        let again = run();
        assert_eq!(again.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    }
}
