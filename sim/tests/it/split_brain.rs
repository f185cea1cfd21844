//! The main job: scenarios/split_brain.ron passes, through the library and through the binary.

use crate::util;
use sim::timeline::{Event, VrrpState};

#[test]
fn split_brain_scenario_passes_with_both_masters_during_the_block() {
    let l = util::load("split_brain.ron");
    let r = util::run(&l, 1);
    for v in &r.report.expectations {
        assert!(v.passed, "{} -- {}", v.expectation, v.measured);
    }
    assert!(r.report.passed);
    // lb2 (priority 99) takes over one Master_Down_Interval after lb1's last advert it heard, and steps
    // down when it hears lb1 again after the firewall rule goes.
    let states: Vec<(String, VrrpState, VrrpState)> = r
        .timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::State { from, to, .. } => Some((e.node.clone().unwrap_or_default(), *from, *to)),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        vec![
            ("lb1".into(), VrrpState::Init, VrrpState::Backup),
            ("lb2".into(), VrrpState::Init, VrrpState::Backup),
            ("lb1".into(), VrrpState::Backup, VrrpState::Master),
            ("lb2".into(), VrrpState::Backup, VrrpState::Master),
            ("lb2".into(), VrrpState::Master, VrrpState::Backup),
        ]
    );
    let c = &r.report.clients["client"];
    assert_eq!(c.requests, 400);
    assert_eq!(c.ok, 400, "clients see the VIP throughout");
}

#[test]
fn binary_runs_the_readme_command_and_writes_the_output_layout() {
    let out = util::tempdir("cli-split-brain");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
        .arg(util::repo().join("scenarios/split_brain.ron"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert_eq!(status.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("PASS  split brain during [14s, 30s] (vrid 51)"),
        "{stdout}"
    );
    assert!(stdout.contains("result: PASS"), "{stdout}");
    for f in [
        "capture.pcapng",
        "timeline.json",
        "report.json",
        "report.md",
        "junit.xml",
    ] {
        assert!(out.join("split_brain").join(f).is_file(), "{f} missing");
    }
}

#[test]
fn seed_range_writes_one_directory_per_seed_and_shards_split_it() {
    let out = util::tempdir("cli-seeds");
    let run = |shard: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
            .arg(util::repo().join("scenarios/split_brain.ron"))
            .args([
                "--seeds", "3..6", "--shard", shard, "--format", "json", "--out",
            ])
            .arg(&out)
            .output()
            .unwrap()
    };
    let a = run("1/2");
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let seeds: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, vec![3, 5]);
    let b = run("2/2");
    assert_eq!(b.status.code(), Some(0));
    for s in 3..=6 {
        assert!(out
            .join(format!("split_brain/seed-{s}/report.json"))
            .is_file());
    }
}

#[test]
fn failing_expectation_exits_1_and_prints_seed_and_reproduce_command() {
    let dir = util::tempdir("cli-fail");
    let text = std::fs::read_to_string(util::repo().join("scenarios/split_brain.ron"))
        .unwrap()
        .replace(
            "MaxTransitions(max: 1, node: \"lb2\")",
            "MaxTransitions(max: 0, node: \"lb2\")",
        );
    let path = dir.join("split_brain_failing.ron");
    std::fs::write(
        &path,
        text.replace(
            "configs/seed/",
            &format!("{}/", util::repo().join("scenarios/configs/seed").display()),
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
        .arg(&path)
        .arg("--seed")
        .arg("7")
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "FAIL  at most 0 transitions to MASTER by lb2 -- measured: 1 transitions to MASTER"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "FAILED with seed 7; reproduce: cargo run -p sim -- {} --seed 7",
            path.display()
        )),
        "{stdout}"
    );
}

#[test]
fn split_brain_text_report_snapshot() {
    let l = util::load("split_brain.ron");
    let r = util::run(&l, 1);
    let repo = util::repo().display().to_string();
    let text = r.report.render_text(&r.timeline).replace(&repo, "<repo>");
    insta::assert_snapshot!("split_brain_text", text);
    let md = r.report.render_markdown().replace(&repo, "<repo>");
    insta::assert_snapshot!("split_brain_markdown", md);
}
