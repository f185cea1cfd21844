//! `sim explore`: it finds and shrinks a planted bug (a master that never steps down, the RFC 5798 §6.4.3
//! rule "if the Priority in the ADVERTISEMENT is greater than the local Priority ... transition to the Backup
//! state" broken on purpose), passes clean on the real implementation, is the same for any jobs/shard split,
//! and follows DESIGN's exit codes.

use crate::util::{load, repo, tempdir};
use sim::explore::{
    case_seed, found_scenario, generate, replay, shrink, sweep, write_found, Class, Model,
    PlantedBug, Sweep,
};
use sim::scenario;
use std::process::Command;

fn model() -> Model {
    Model::new(&load("explore/two_routers.ron")).unwrap_or_else(|e| panic!("{e}"))
}

fn sweep_of(cases: u64, shard: (u64, u64), jobs: usize, plant: Option<PlantedBug>) -> Sweep {
    Sweep {
        cases,
        seed: 1,
        shard,
        jobs,
        plant,
    }
}

#[test]
fn rfc5798_6_4_3_explore_finds_and_shrinks_a_master_that_never_steps_down() {
    let m = model();
    let r = sweep(
        &m,
        &sweep_of(200, (1, 1), 1, Some(PlantedBug::NeverStepDown)),
        &|| {},
    );
    let (case, cs) = r
        .first_failure
        .expect("the planted bug is found within 200 cases");
    let found =
        shrink(&m, case, cs, Some(PlantedBug::NeverStepDown)).expect("the failure reproduces");
    assert_eq!(found.failure.class, Class::Safety);
    assert!(
        found.failure.message.contains("both MASTER of VRID 51"),
        "{}",
        found.failure.message
    );
    // One fault and its heal is the minimal schedule: a partition of some kind lets the backup take over.
    assert_eq!(found.schedule.len(), 1, "{:?}", found.schedule);
    assert!(found.schedule.len() <= found.original_len);

    // The finding is a runnable scenario: replay reproduces it, and its own expectations fail too.
    let dir = tempdir("explore-found");
    let sc = found_scenario(&m, &found, Some(PlantedBug::NeverStepDown), &dir);
    let p1 = write_found(&dir, "two_routers-safety", &sc).unwrap();
    let p2 = write_found(&dir, "two_routers-safety", &sc).unwrap();
    assert_ne!(p1, p2, "a finding never overwrites another");
    let loaded = scenario::load(&p1).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.scenario.faults.len(), 2);
    let again = replay(&loaded)
        .unwrap()
        .failure
        .expect("replay fails the same way");
    assert_eq!(again, found.failure);
    let run = sim::runner::run(&loaded, loaded.scenario.seed).unwrap();
    assert!(!run.report.passed, "its ConvergeWithin expectation fails");
}

#[test]
fn explore_passes_clean_on_the_real_implementation() {
    let m = model();
    let r = sweep(&m, &sweep_of(150, (1, 1), 2, None), &|| {});
    assert_eq!(r.first_failure, None);
    assert_eq!(r.ran, 150);
}

#[test]
fn explore_the_same_case_is_the_same_schedule_for_any_split() {
    let m = model();
    let a = format!("{:?}", generate(&m, case_seed(7, 3)).unwrap().current());
    let b = format!("{:?}", generate(&m, case_seed(7, 3)).unwrap().current());
    assert_eq!(a, b);
    assert_ne!(
        a,
        format!("{:?}", generate(&m, case_seed(7, 4)).unwrap().current())
    );
    // Two shards cover the sweep exactly; the first failure is the same for 1 or 2 jobs.
    let s1 = sweep(&m, &sweep_of(10, (1, 2), 1, None), &|| {});
    let s2 = sweep(&m, &sweep_of(10, (2, 2), 1, None), &|| {});
    assert_eq!((s1.ran, s2.ran), (5, 5));
    let j1 = sweep(
        &m,
        &sweep_of(40, (1, 1), 1, Some(PlantedBug::NeverStepDown)),
        &|| {},
    );
    let j2 = sweep(
        &m,
        &sweep_of(40, (1, 1), 2, Some(PlantedBug::NeverStepDown)),
        &|| {},
    );
    assert_eq!(j1.first_failure, j2.first_failure);
}

#[test]
fn explore_rejects_a_base_scenario_too_short_for_the_liveness_bound() {
    let text = std::fs::read_to_string(repo().join("scenarios/explore/two_routers.ron")).unwrap();
    let short = text.replace("duration: \"60s\"", "duration: \"20s\"");
    let l = scenario::parse_str(&repo().join("scenarios/explore/short.ron"), &short).unwrap();
    let e = Model::new(&l).unwrap_err().to_string();
    assert!(e.contains("explore needs a duration of at least"), "{e}");
}

fn sim_cmd(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .env("CI", "true")
        .current_dir(repo())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn explore_cli_exit_codes_follow_design() {
    let dir = tempdir("explore-cli");
    let found = dir.to_string_lossy().into_owned();
    let base = "scenarios/explore/two_routers.ron";
    let (code, out) = sim_cmd(&[
        "explore",
        base,
        "--cases",
        "20",
        "--jobs",
        "2",
        "--found-dir",
        &found,
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no failure found"), "{out}");
    let (code, out) = sim_cmd(&[
        "explore",
        base,
        "--cases",
        "50",
        "--found-dir",
        &found,
        "--plant-bug",
        "never-step-down",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("reproduce: cargo run -p sim -- explore --replay"),
        "{out}"
    );
    let written = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(written, 1);
    let (code, _) = sim_cmd(&["explore", "scenarios/no-such-file.ron"]);
    assert_eq!(code, 2);
    let (code, _) = sim_cmd(&["explore", base, "--shard", "3/2"]);
    assert_eq!(code, 2);
}
