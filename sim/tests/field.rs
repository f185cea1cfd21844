//! The field problems (scenarios/field/NN-*/, issue #9): each problem keepalived users report, as a scenario
//! that asserts the bad behaviour they see and one that asserts the fix. Every scenario listed here passes with
//! its own seed, checks its capture (zero errors, or exactly the findings it lists), and its capture decodes in
//! tshark without a malformed frame or an error (when tshark is installed; CI must have it).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every field scenario, relative to scenarios/field/. One row per file; each folder has problem.ron and fix.ron.
const SCENARIOS: &[&str] = &[
    "01-adverts-not-delivered/problem.ron",
    "01-adverts-not-delivered/problem_multicast.ron",
    "01-adverts-not-delivered/fix.ron",
    "01-adverts-not-delivered/fix_firewall.ron",
    "02-unicast-missing-peer/problem.ron",
    "02-unicast-missing-peer/problem_multicast_peer.ron",
    "02-unicast-missing-peer/fix.ron",
    "03-stale-arp/problem.ron",
    "03-stale-arp/fix.ron",
    "03-stale-arp/fix_vmac.ron",
    "03-stale-arp/problem_garp_lost.ron",
    "03-stale-arp/fix_garp_lost.ron",
    "03-stale-arp/problem_first_burst.ron",
    "03-stale-arp/fix_garp_delay.ron",
    "04-nopreempt-surprises/problem.ron",
    "04-nopreempt-surprises/fix.ron",
    "04-nopreempt-surprises/problem_reboot.ron",
    "04-nopreempt-surprises/fix_reboot.ron",
    "05-script-weight/problem.ron",
    "05-script-weight/fix.ron",
    "05-script-weight/problem_weight0.ron",
    "05-script-weight/fix_weight0.ron",
    "05-script-weight/problem_schedown.ron",
    "05-script-weight/fix_schedown.ron",
    "06-v3-checksum-mismatch/problem.ron",
    "06-v3-checksum-mismatch/fix.ron",
    "06-v3-checksum-mismatch/fix-on-2.2.7.ron",
    "07-flapping/problem.ron",
    "07-flapping/fix.ron",
    "07-flapping/stall-under.ron",
    "07-flapping/stall-over.ron",
    "07-flapping/loss.ron",
    "07-flapping/loss-fix.ron",
    "08-reload/problem.ron",
    "08-reload/fix.ron",
    "08-reload/priority-down.ron",
    "08-reload/state-backup.ron",
    "09-stuck-in-fault/problem.ron",
    "09-stuck-in-fault/fix.ron",
    "09-stuck-in-fault/no-address-restored.ron",
    "09-stuck-in-fault/interface-down.ron",
    "09-stuck-in-fault/vip-interface-down.ron",
    "09-stuck-in-fault/vip-interface-down-fix.ron",
    "10-notify-order/problem.ron",
    "10-notify-order/fix.ron",
];

fn field() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/field")
}

fn tshark_available() -> bool {
    let found = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI is set but tshark is not installed"
    );
    found
}

/// Frames tshark finds malformed or flags with an error-level expert item.
fn tshark_errors(capture: &Path) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(capture)
        .args([
            "-Y",
            "_ws.malformed || _ws.expert.severity == error",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_field_scenario_passes_checks_its_capture_and_decodes_in_tshark() {
    let tshark = tshark_available();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("field");
    std::fs::create_dir_all(&dir).unwrap();
    for rel in SCENARIOS {
        let l = sim::scenario::load(&field().join(rel)).unwrap_or_else(|e| panic!("{e}"));
        let r = sim::runner::run(&l, l.scenario.seed).unwrap_or_else(|e| panic!("{rel}: {e}"));
        for v in &r.report.expectations {
            assert!(v.passed, "{rel}: {} -- {}", v.expectation, v.measured);
        }
        assert!(r.report.passed, "{rel}");
        assert!(
            l.scenario
                .expect
                .iter()
                .any(|e| matches!(e, sim::scenario::Expectation::CaptureConforms { .. })),
            "{rel} must check its capture"
        );
        if tshark {
            let file = dir.join(rel.replace('/', "_")).with_extension("pcapng");
            std::fs::write(&file, &r.capture).unwrap();
            let bad = tshark_errors(&file);
            assert!(bad.is_empty(), "{rel}: tshark flags frames {bad:?}");
        }
        // The timeline is pinned, as the library's are: a change in behaviour shows up as a snapshot diff.
        insta::assert_snapshot!(
            rel.trim_end_matches(".ron").replace('/', "__"),
            r.timeline.render_text()
        );
    }
}

#[test]
/// Also: the README has the symptom, the cause and the fix, the index (scenarios/field/README.md) links the
/// folder, and every scenario file in it is listed (so CI runs it).
fn every_field_folder_has_a_problem_a_fix_and_a_readme_linking_keepalived_issues() {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(field())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let index = std::fs::read_to_string(field().join("README.md")).unwrap();
    for f in folders {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for file in ["problem.ron", "fix.ron"] {
            assert!(
                SCENARIOS.contains(&format!("{name}/{file}").as_str()),
                "{name}/{file} is not listed in SCENARIOS"
            );
        }
        let readme = std::fs::read_to_string(f.join("README.md"))
            .unwrap_or_else(|e| panic!("{name}/README.md: {e}"));
        assert!(
            readme.contains("https://github.com/acassen/keepalived/issues/"),
            "{name}/README.md links no keepalived issue"
        );
        for part in ["## Symptom", "## Cause", "## Fix"] {
            assert!(readme.contains(part), "{name}/README.md lacks {part}");
        }
        assert!(
            index.contains(&format!("]({name}/)")),
            "scenarios/field/README.md does not link {name}/"
        );
        for e in std::fs::read_dir(&f).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "ron") {
                let rel = format!("{name}/{}", p.file_name().unwrap().to_string_lossy());
                assert!(
                    SCENARIOS.contains(&rel.as_str()),
                    "{rel} is not listed in SCENARIOS"
                );
            }
        }
    }
}
