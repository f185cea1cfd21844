//! The field problems (scenarios/field/NN-*/): the problems keepalived users report most, each reproduced by a
//! problem scenario that asserts the bad behaviour and a fix scenario that asserts the good one (issue #9).
//! Every scenario passes with its seed, checks its capture with the conformance checker (zero errors or exactly
//! the findings it names), decodes cleanly in tshark, and has its text timeline pinned by an insta snapshot.

use crate::{tshark, util};

/// Every field scenario, as `folder/stem` below scenarios/field/. One row per scenario; folders 06-10 follow.
const FIELD: &[&str] = &[
    "01-adverts-not-delivered/problem",
    "01-adverts-not-delivered/problem_multicast",
    "01-adverts-not-delivered/fix",
    "01-adverts-not-delivered/fix_firewall",
    "02-unicast-missing-peer/problem",
    "02-unicast-missing-peer/fix",
    "05-script-weight/problem",
    "05-script-weight/fix",
    "05-script-weight/problem_weight0",
    "05-script-weight/fix_weight0",
    "05-script-weight/problem_schedown",
    "05-script-weight/fix_schedown",
];

/// Runs every listed scenario of `folder`: all expectations pass, the capture is checked and clean in tshark,
/// the timeline matches its snapshot.
fn run_folder(folder: &str) {
    let rows: Vec<&str> = FIELD
        .iter()
        .copied()
        .filter(|r| r.split('/').next() == Some(folder))
        .collect();
    assert!(
        rows.iter().any(|r| r.ends_with("/problem")) && rows.iter().any(|r| r.ends_with("/fix")),
        "{folder}: needs problem and fix, has {rows:?}"
    );
    let tshark = tshark::tshark_available();
    for row in rows {
        let l = util::load(&format!("field/{row}.ron"));
        let r = util::run(&l, l.scenario.seed);
        for v in &r.report.expectations {
            assert!(v.passed, "{row}: {} -- {}", v.expectation, v.measured);
        }
        assert!(r.report.passed, "{row}");
        assert!(
            l.scenario
                .expect
                .iter()
                .any(|e| matches!(e, sim::scenario::Expectation::CaptureConforms { .. })),
            "{row} must check its capture"
        );
        if tshark {
            let dir = util::tempdir(&format!("field-{}", row.replace('/', "-")));
            let file = dir.join("capture.pcapng");
            std::fs::write(&file, &r.capture).unwrap();
            tshark::assert_clean(&file);
        }
        insta::assert_snapshot!(
            format!("field_{}", row.replace('/', "__")),
            r.timeline.render_text()
        );
    }
}

/// Every folder under scenarios/field/ has problem.ron, fix.ron and a README.md that links keepalived issues, and
/// every scenario file in it is listed in [`FIELD`] (so CI runs it).
#[test]
fn every_field_folder_has_problem_fix_readme_and_is_run() {
    let root = util::repo().join("scenarios/field");
    let mut folders: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    assert!(!folders.is_empty());
    let index = std::fs::read_to_string(root.join("README.md")).unwrap();
    for dir in folders {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(index.contains(&format!("]({name}/)")), "index lacks {name}");
        let readme = std::fs::read_to_string(dir.join("README.md"))
            .unwrap_or_else(|e| panic!("{name}/README.md: {e}"));
        for part in ["## Symptom", "## Cause", "## Fix"] {
            assert!(readme.contains(part), "{name}/README.md lacks {part}");
        }
        assert!(
            readme.contains("https://github.com/acassen/keepalived/issues/"),
            "{name}/README.md links no keepalived issue"
        );
        for f in ["problem.ron", "fix.ron"] {
            assert!(dir.join(f).is_file(), "{name}/{f} missing");
        }
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "ron") {
                let row = format!("{name}/{}", p.file_stem().unwrap().to_string_lossy());
                assert!(FIELD.contains(&row.as_str()), "{row} is not in FIELD");
            }
        }
    }
}

#[test]
fn field_01_split_brain_when_adverts_are_not_delivered_fixed_by_unicast_or_the_firewall_rule() {
    run_folder("01-adverts-not-delivered");
}

#[test]
fn field_02_unicast_peer_missing_on_the_master_is_a_permanent_split_brain() {
    run_folder("02-unicast-missing-peer");
}

#[test]
fn field_05_track_script_weight_must_cross_the_gap_weight_0_means_fault_and_keepalived_2_needs_a_shell(
) {
    run_folder("05-script-weight");
}
