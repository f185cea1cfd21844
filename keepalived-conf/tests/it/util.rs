//! Shared helpers: fixture lists (repo paths, relative to the crate so spans are stable) and
//! deterministic parse options for snapshots.

use keepalived_conf::{parse_file, ParseOptions, Parsed};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Files of `dir` (relative to the crate directory, which is cargo's cwd for tests), sorted.
pub fn files_in(dir: &str, ext: Option<&str>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| ext.is_none_or(|x| p.extension().is_some_and(|e| e == x)))
        .collect();
    out.sort();
    out
}

/// Every shared fixture config: the seed (cleaned and as published) and keepalived's samples.
pub fn fixtures() -> Vec<PathBuf> {
    let mut v = files_in("../scenarios/configs/seed", Some("conf"));
    v.extend(files_in(
        "../scenarios/configs/seed/as-published",
        Some("conf"),
    ));
    v.extend(files_in("../scenarios/configs/keepalived-samples", None));
    v
}

/// Valid configs exercising the syntax features (parameters, sequences, conditionals, includes,
/// one-line blocks).
pub fn good() -> Vec<PathBuf> {
    let mut v = files_in("tests/fixtures/good", Some("conf"));
    v.push(PathBuf::from("tests/fixtures/include/keepalived.conf"));
    v
}

/// The malformed configs.
pub fn bad() -> Vec<PathBuf> {
    files_in("tests/fixtures/bad", Some("conf"))
}

/// Parse options whose script check does not depend on the machine: a fixed set of programs
/// "exists" (a typical Debian host with psmisc).
pub fn snapshot_opts() -> ParseOptions {
    let files: BTreeSet<PathBuf> = [
        "/bin/true",
        "/usr/bin/true",
        "/bin/sh",
        "/bin/bash",
        "/usr/bin/[",
        "/usr/bin/killall",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    ParseOptions {
        script_files: Some(files),
        ..ParseOptions::default()
    }
}

/// A snapshot name for a path.
pub fn snap_name(p: &Path) -> String {
    p.to_string_lossy()
        .trim_start_matches("../")
        .replace(['/', '.'], "_")
}

/// Parses with the snapshot options.
pub fn parse(p: &Path) -> Parsed {
    parse_file(p, &snapshot_opts())
}
