//! Integration tests of the conformance checker: real keepalived captures, crafted bad captures,
//! snapshot reports of every file in pcaps/, readers and the CLI.

mod captures;
mod cli;
mod docs;
mod fuzz_regressions;
mod keepalived_forms;
mod options;
mod readers;
mod scene;
mod sequence;
mod snapshots;

use std::path::PathBuf;

use conformance::{check_path, CheckOptions, Profile, Report};

pub(crate) fn pcaps() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../pcaps")
}

pub(crate) fn check(rel: &str, profile: Profile) -> Report {
    let opts = CheckOptions {
        profile,
        ..CheckOptions::default()
    };
    match check_path(&pcaps().join(rel), &opts) {
        Ok(r) => r,
        Err(e) => panic!("{rel}: {e}"),
    }
}

pub(crate) fn rules_of(r: &Report) -> Vec<(String, conformance::Severity)> {
    r.findings
        .iter()
        .map(|f| (f.rule.clone(), f.severity))
        .collect()
}
