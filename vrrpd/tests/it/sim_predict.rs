//! The simulator's prediction for one interop lab: the same keepalived.conf files, addresses,
//! MACs, VRRP version and fault sequence (crash of the master, restart, graceful stop) run
//! through the `sim` crate as a library. The gaps are read from the simulated capture with the
//! same conformance timeline the real capture goes through, so both sides measure the same
//! quantity: the old master's last advert on the wire to the new master's first.
//!
//! Why that quantity is comparable (docs/interop.md, "Agreement with the simulator"): a backup
//! restarts its Master_Down_Timer on every advert it accepts, so the takeover comes one
//! Master_Down_Interval after the *last advert*, wherever in the interval the kill landed. The
//! kill's phase shifts the kill-to-takeover time (not on the wire) but not the advert-to-advert
//! gap. [`predict`] checks that claim on the simulator itself by killing at three phases.

use std::path::Path;

use conformance::{CheckOptions, Profile};

/// The simulator's gaps for one lab (ms).
#[derive(Clone, Copy, Debug)]
pub struct Predicted {
    /// Crash: the killed master's last advert to the backup's first.
    pub crash_gap_ms: f64,
    /// Graceful stop: the priority-0 advert to the backup's first.
    pub graceful_gap_ms: f64,
}

/// One simulated router: node name, keepalived.conf (file name in `dir`), sim mode.
pub struct SimNode<'a> {
    /// Scenario node name.
    pub name: &'a str,
    /// Config file name, relative to the lab directory.
    pub conf: &'a str,
    /// `keepalived` or `rfc5798` (the scenario's `mode`).
    pub mode: &'a str,
    /// Its advert source in the capture (IPv4 address or IPv6 link-local).
    pub src: &'a str,
    /// Its lab address's last byte: 192.0.2.HOST, 2001:db8::HOST, MAC 02:00:00:00:00:HOST
    /// (node i of the lab is 11 + i).
    pub host: u8,
}

/// Kill times (s) spread over one advert interval: the crash gap must not depend on them.
const KILL_PHASES: [f64; 3] = [8.05, 8.4, 8.75];

/// Runs the lab's sequence in the simulator: `high` and `low` start together; `high` is killed at one of [`KILL_PHASES`],
/// restarted at 14 s, stopped gracefully at 25.3 s. Returns the gaps (asserting they do not
/// depend on the kill phase) and writes each scenario to `dir` for reproduction with `sim`.
pub fn predict(
    dir: &Path,
    high: &SimNode,
    low: &SimNode,
    ipv6: bool,
    profile: Profile,
) -> Predicted {
    let mut runs = Vec::new();
    for (k, kill) in KILL_PHASES.iter().enumerate() {
        let text = scenario(high, low, ipv6, *kill, profile);
        let path = dir.join(format!("sim-{k}.ron"));
        std::fs::write(&path, &text).expect("write scenario");
        let loaded = sim::scenario::parse_str(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        let run = sim::runner::run(&loaded, 1).unwrap_or_else(|e| panic!("{e}"));
        for v in &run.report.expectations {
            assert!(
                v.passed,
                "{}: simulated lab: {} -- {}",
                path.display(),
                v.expectation,
                v.measured
            );
        }
        let report = conformance::check_bytes(
            &path.display().to_string(),
            &run.capture,
            &CheckOptions {
                profile,
                ..CheckOptions::default()
            },
        )
        .expect("simulated capture readable");
        let find = |resigned: bool| {
            report
                .failovers
                .iter()
                .find(|f| f.from == high.src && f.to == low.src && f.resigned == resigned)
                .map(|f| f.gap_ms)
                .unwrap_or_else(|| {
                    panic!(
                        "{}: no {} failover {} -> {} in the simulated capture:\n{}",
                        path.display(),
                        if resigned { "graceful" } else { "crash" },
                        high.src,
                        low.src,
                        report.to_text()
                    )
                })
        };
        runs.push(Predicted {
            crash_gap_ms: find(false),
            graceful_gap_ms: find(true),
        });
    }
    let first = runs[0];
    for (r, kill) in runs.iter().zip(KILL_PHASES) {
        assert!(
            (r.crash_gap_ms - first.crash_gap_ms).abs() < 0.01
                && (r.graceful_gap_ms - first.graceful_gap_ms).abs() < 0.01,
            "simulated gaps depend on the kill phase: kill at {kill} s gives {r:?}, at {} s {first:?}",
            KILL_PHASES[0]
        );
    }
    first
}

fn scenario(high: &SimNode, low: &SimNode, ipv6: bool, kill: f64, profile: Profile) -> String {
    let profile = profile.name();
    let node = |n: &SimNode| {
        let host = n.host;
        let ip6 = if ipv6 {
            format!(" ip6: \"2001:db8::{host}/64\",")
        } else {
            String::new()
        };
        format!(
            "        Router(name: \"{}\", segment: \"br0\", ip: \"192.0.2.{host}/24\",{ip6} mac: \"02:00:00:00:00:{host}\",\n               mode: {}, config: File(\"{}\"), http_port: None),\n",
            n.name, n.mode, n.conf
        )
    };
    format!(
        "// The interop lab's sequence, written by vrrpd/tests/it/sim_predict.rs.\n\
Scenario(\n    name: \"interop/lab\",\n    description: \"crash at {kill} s, restart, graceful stop\",\n    duration: \"31s\",\n    \
segments: [(name: \"br0\", link: (latency: \"20us\"))],\n    nodes: [\n{}{}    ],\n    \
faults: [\n        (at: \"{kill}s\", fault: Kill(node: \"{h}\")),\n        (at: \"14s\", fault: Restart(node: \"{h}\")),\n        (at: \"25.3s\", fault: Stop(node: \"{h}\")),\n    ],\n    \
expect: [\n        MasterIs(node: \"{h}\", at: \"7s\"),\n        MasterIs(node: \"{l}\", at: \"13.5s\"),\n        MasterIs(node: \"{h}\", at: \"24s\"),\n        MasterIs(node: \"{l}\", at: \"30s\"),\n        CaptureConforms(profile: \"{profile}\"),\n    ],\n)\n",
        node(high),
        node(low),
        h = high.name,
        l = low.name,
    )
}
