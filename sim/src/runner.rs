//! Running scenarios: one run per (scenario, seed), its verdicts, and DESIGN's output layout on disk.
//!
//! Runs never share state, so a seed range runs on several threads at once; each run itself stays on one
//! thread. Output goes to `<out>/<scenario>/` (one seed) or `<out>/<scenario>/seed-<N>/` (a range).

use crate::expect::{self, Verdict};
use crate::report::{client_summaries, Report};
use crate::scenario::{Expectation, Loaded, ScenarioError};
use crate::time::{secs_f64, Instant};
use crate::timeline::Timeline;
use crate::world::{RunOutput, World};
use std::path::{Path, PathBuf};

/// One finished run.
pub struct RunResult {
    /// The report (also written as report.json).
    pub report: Report,
    /// The timeline.
    pub timeline: Timeline,
    /// The capture bytes.
    pub capture: Vec<u8>,
}

/// The scenario's output name: its path below `scenarios/` without `.ron` (e.g. `field/split_brain_firewall`),
/// or the file stem when it is not under a `scenarios` directory.
pub fn output_name(path: &Path) -> String {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let stem = |s: &str| s.strip_suffix(".ron").unwrap_or(s).to_string();
    if let Some(pos) = comps.iter().rposition(|c| c == "scenarios") {
        let rest = &comps[pos + 1..];
        if !rest.is_empty() {
            let mut v: Vec<String> = rest.to_vec();
            if let Some(last) = v.last_mut() {
                *last = stem(last);
            }
            return v.join("/");
        }
    }
    path.file_name()
        .map(|f| stem(&f.to_string_lossy()))
        .unwrap_or_else(|| "scenario".into())
}

/// The command line that reproduces one run.
pub fn reproduce_command(path: &Path, seed: u64) -> String {
    format!("cargo run -p sim -- {} --seed {seed}", path.display())
}

/// Runs `loaded` with `seed` entirely in memory.
pub fn run(loaded: &Loaded, seed: u64) -> Result<RunResult, ScenarioError> {
    let world = World::build(loaded, seed)?;
    let out: RunOutput = world.run();
    let end = Instant::ZERO + out.duration;
    let expectations = &loaded.scenario.expect;
    let mut verdicts = vec![];
    for (e, v) in expectations
        .iter()
        .zip(expect::evaluate(expectations, &out.timeline, end))
    {
        match (v, e) {
            (Some(v), _) => verdicts.push(v),
            (None, Expectation::CaptureConforms { profile, expected }) => verdicts.push(
                capture_conforms(&out.capture, &out.events, &out.configs, profile, expected),
            ),
            (None, _) => {}
        }
    }
    let passed = verdicts.iter().all(|v| v.passed) && out.livelock.is_none();
    let report = Report {
        scenario: loaded.name(),
        file: loaded.path.display().to_string(),
        seed,
        passed,
        duration_s: secs_f64(end),
        stats: out.stats,
        livelock: out.livelock.as_ref().map(|l| l.to_string()),
        masters: expect::master_summary(&out.timeline, end),
        routers: out.routers,
        clients: client_summaries(&out.timeline),
        expectations: verdicts,
        reproduce: reproduce_command(&loaded.path, seed),
    };
    Ok(RunResult {
        report,
        timeline: out.timeline,
        capture: out.capture,
    })
}

/// Writes capture.pcapng, timeline.json, report.json, report.md, junit.xml and report.html into `dir`.
pub fn write_outputs(dir: &Path, r: &RunResult) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let files = [
        ("capture.pcapng", r.capture.clone()),
        ("timeline.json", to_json(&r.timeline)),
        ("report.json", to_json(&r.report)),
        ("report.md", r.report.render_markdown().into_bytes()),
        ("junit.xml", r.report.render_junit().into_bytes()),
        (
            "report.html",
            crate::html::render_run(&r.report, &r.timeline, "capture.pcapng").into_bytes(),
        ),
    ];
    let mut written = vec![];
    for (name, bytes) in files {
        let p = dir.join(name);
        std::fs::write(&p, bytes)?;
        written.push(p);
    }
    Ok(written)
}

fn to_json<T: serde::Serialize>(v: &T) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}").into_bytes());
    b.push(b'\n');
    b
}

/// The `CaptureConforms` expectation: the `conformance` checker, given the run's event log, finds exactly the
/// expected rules among its errors (none when none are listed).
pub fn capture_conforms(
    capture: &[u8],
    events: &[conformance::Event],
    configs: &[(std::net::IpAddr, keepalived_conf::Config)],
    profile: &str,
    expected: &[String],
) -> Verdict {
    let expectation = if expected.is_empty() {
        format!("capture conforms under profile {profile} (zero errors)")
    } else {
        format!(
            "capture conforms under profile {profile} with exactly the errors {}",
            expected.join(", ")
        )
    };
    let Some(p) = conformance::Profile::from_name(profile) else {
        return Verdict {
            expectation,
            passed: false,
            measured: format!("unknown profile {profile:?}"),
        };
    };
    let opts = conformance::CheckOptions {
        profile: p,
        configs: configs.to_vec(),
        events: events.to_vec(),
    };
    match conformance::check_bytes("capture.pcapng", capture, &opts) {
        Err(e) => Verdict {
            expectation,
            passed: false,
            measured: format!("capture unreadable: {e}"),
        },
        Ok(report) => {
            let errors: Vec<&conformance::Finding> = report
                .findings
                .iter()
                .filter(|f| f.severity == conformance::Severity::Error)
                .collect();
            let mut seen: Vec<String> = errors.iter().map(|f| f.rule.clone()).collect();
            seen.sort();
            seen.dedup();
            let mut want: Vec<String> = expected.to_vec();
            want.sort();
            want.dedup();
            let passed = seen == want;
            let detail: Vec<String> = errors
                .iter()
                .take(5)
                .map(|f| format!("{} at frame {}: {}", f.rule, f.frame, f.message))
                .collect();
            let measured = format!(
                "{} errors, {} warnings, {} notes over {} VRRP packets{}",
                report.summary.errors,
                report.summary.warnings,
                report.summary.notes,
                report.vrrp_packets,
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", detail.join("; "))
                }
            );
            Verdict {
                expectation,
                passed,
                measured,
            }
        }
    }
}
