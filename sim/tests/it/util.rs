//! Shared helpers: repository paths and running scenarios.

use sim::runner::{self, RunResult};
use sim::scenario::{self, Loaded};
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Loads a scenario file below `scenarios/`.
pub fn load(rel: &str) -> Loaded {
    let p = repo().join("scenarios").join(rel);
    scenario::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses scenario text as if it lived at `scenarios/<name>` (so config paths resolve like the real files).
pub fn from_text(name: &str, text: &str) -> Loaded {
    let p = repo().join("scenarios").join(name);
    scenario::parse_str(&p, text).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs with `seed`.
pub fn run(l: &Loaded, seed: u64) -> RunResult {
    runner::run(l, seed).unwrap_or_else(|e| panic!("{e}"))
}

/// A fresh temporary directory under the target dir.
pub fn tempdir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Loads `scenarios/<rel>`, runs it with its own seed and writes the capture to a fresh temporary directory
/// `<dir>/capture.pcapng`, for tshark.
pub fn run_to_capture(rel: &str, dir: &str) -> (RunResult, PathBuf) {
    let l = load(rel);
    let r = run(&l, l.scenario.seed);
    let file = tempdir(dir).join("capture.pcapng");
    std::fs::write(&file, &r.capture).unwrap();
    (r, file)
}
