//! DESIGN's determinism contract: the same scenario and seed give byte-identical output.

use crate::util;
use sim::runner;

#[test]
fn same_seed_gives_byte_identical_capture_timeline_and_report() {
    let l = util::load("split_brain.ron");
    let a = util::run(&l, 42);
    let b = util::run(&l, 42);
    assert!(!a.capture.is_empty());
    assert!(a.capture == b.capture, "captures differ");
    let (da, db) = (util::tempdir("det-a"), util::tempdir("det-b"));
    runner::write_outputs(&da, &a).unwrap();
    runner::write_outputs(&db, &b).unwrap();
    for f in [
        "capture.pcapng",
        "timeline.json",
        "report.json",
        "report.md",
        "junit.xml",
    ] {
        let x = std::fs::read(da.join(f)).unwrap();
        let y = std::fs::read(db.join(f)).unwrap();
        assert!(x == y, "{f} differs between two runs with seed 42");
    }
}

#[test]
fn different_seeds_draw_different_jitter() {
    let l = util::load("split_brain.ron");
    let a = util::run(&l, 1);
    let b = util::run(&l, 2);
    assert!(
        a.capture != b.capture,
        "the link jitter comes from the seed"
    );
    assert_eq!(a.report.passed, b.report.passed);
}
