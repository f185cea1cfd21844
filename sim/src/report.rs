//! Report files of one run: report.json, report.md, junit.xml, timeline.json, plus the terminal text.

use crate::expect::Verdict;
use crate::host::app::Outcome;
use crate::router_host::InstanceInfo;
use crate::timeline::{Event, Timeline};
use crate::world::Stats;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Client request totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ClientSummary {
    /// Requests finished.
    pub requests: u64,
    /// Answered with 200 OK.
    pub ok: u64,
    /// Timed out.
    pub timeouts: u64,
    /// Reset or refused.
    pub resets: u64,
    /// Which node answered how many.
    pub served_by: BTreeMap<String, u64>,
}

/// Everything report.json holds.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as given.
    pub file: String,
    /// Seed of this run.
    pub seed: u64,
    /// All expectations held and no livelock.
    pub passed: bool,
    /// Virtual seconds covered.
    pub duration_s: f64,
    /// Counters.
    pub stats: Stats,
    /// Livelock message, if the run stopped early.
    pub livelock: Option<String>,
    /// Per VRID, who was master when.
    pub masters: Vec<String>,
    /// Per router node, its instances.
    pub routers: BTreeMap<String, Vec<InstanceInfo>>,
    /// Per client node, request totals.
    pub clients: BTreeMap<String, ClientSummary>,
    /// Expectations with verdicts.
    pub expectations: Vec<Verdict>,
    /// The command that reproduces this run.
    pub reproduce: String,
}

/// Totals per client from the timeline.
pub fn client_summaries(timeline: &Timeline) -> BTreeMap<String, ClientSummary> {
    let mut out: BTreeMap<String, ClientSummary> = BTreeMap::new();
    for e in &timeline.entries {
        if let (Event::Request { outcome, .. }, Some(n)) = (&e.event, &e.node) {
            let c = out.entry(n.clone()).or_default();
            c.requests += 1;
            match outcome {
                Outcome::Ok { served_by } => {
                    c.ok += 1;
                    *c.served_by.entry(served_by.clone()).or_default() += 1;
                }
                Outcome::Timeout => c.timeouts += 1,
                Outcome::Reset => c.resets += 1,
            }
        }
    }
    out
}

impl Report {
    /// The terminal text: timeline, masters, clients, verdicts.
    pub fn render_text(&self, timeline: &Timeline) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "== {} ({}) seed {}", self.scenario, self.file, self.seed);
        let _ = writeln!(s, "timeline:");
        s.push_str(&timeline.render_text());
        let _ = writeln!(s, "masters:");
        for m in &self.masters {
            let _ = writeln!(s, "  {m}");
        }
        if !self.clients.is_empty() {
            let _ = writeln!(s, "clients:");
            for (n, c) in &self.clients {
                let served: Vec<String> = c
                    .served_by
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let _ = writeln!(
                    s,
                    "  {n}: {} requests, {} ok, {} timeouts, {} resets (served by {})",
                    c.requests,
                    c.ok,
                    c.timeouts,
                    c.resets,
                    served.join(" ")
                );
            }
        }
        let _ = writeln!(s, "expectations:");
        for v in &self.expectations {
            let _ = writeln!(
                s,
                "  {}  {} -- measured: {}",
                if v.passed { "PASS" } else { "FAIL" },
                v.expectation,
                v.measured
            );
        }
        if let Some(l) = &self.livelock {
            let _ = writeln!(s, "  FAIL  {l}");
        }
        let _ = writeln!(
            s,
            "result: {} ({} events, {} frames captured, {:.3} s simulated)",
            if self.passed { "PASS" } else { "FAIL" },
            self.stats.events,
            self.stats.frames,
            self.duration_s
        );
        if !self.passed {
            let _ = writeln!(
                s,
                "FAILED with seed {}; reproduce: {}",
                self.seed, self.reproduce
            );
        }
        s
    }

    /// report.md.
    pub fn render_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# {} — {}\n",
            self.scenario,
            if self.passed { "PASS" } else { "FAIL" }
        );
        let _ = writeln!(s, "- file: `{}`\n- seed: {}\n- simulated: {:.3} s\n- events: {}\n- frames captured: {}\n- reproduce: `{}`\n", self.file, self.seed, self.duration_s, self.stats.events, self.stats.frames, self.reproduce);
        let _ = writeln!(
            s,
            "## Expectations\n\n| result | expectation | measured |\n|---|---|---|"
        );
        for v in &self.expectations {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                if v.passed { "PASS" } else { "FAIL" },
                md(&v.expectation),
                md(&v.measured)
            );
        }
        if let Some(l) = &self.livelock {
            let _ = writeln!(s, "| FAIL | no livelock | {} |", md(l));
        }
        let _ = writeln!(s, "\n## Masters\n");
        for m in &self.masters {
            let _ = writeln!(s, "- {m}");
        }
        if !self.clients.is_empty() {
            let _ = writeln!(s, "\n## Clients\n\n| client | requests | ok | timeouts | resets |\n|---|---|---|---|---|");
            for (n, c) in &self.clients {
                let _ = writeln!(
                    s,
                    "| {n} | {} | {} | {} | {} |",
                    c.requests, c.ok, c.timeouts, c.resets
                );
            }
        }
        s
    }

    /// junit.xml: one test suite, one test case per expectation.
    pub fn render_junit(&self) -> String {
        let mut s = String::new();
        let failures = self.expectations.iter().filter(|v| !v.passed).count()
            + usize::from(self.livelock.is_some());
        let tests = self.expectations.len() + usize::from(self.livelock.is_some());
        let _ = writeln!(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        let _ = writeln!(s, "<testsuites tests=\"{tests}\" failures=\"{failures}\">");
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\">",
            xml(&format!("{} seed {}", self.scenario, self.seed))
        );
        for v in &self.expectations {
            let _ = write!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(&self.scenario),
                xml(&v.expectation)
            );
            if v.passed {
                let _ = writeln!(s, "/>");
            } else {
                let _ = writeln!(
                    s,
                    ">\n      <failure message=\"{}\">reproduce: {}</failure>\n    </testcase>",
                    xml(&v.measured),
                    xml(&self.reproduce)
                );
            }
        }
        if let Some(l) = &self.livelock {
            let _ = writeln!(s, "    <testcase classname=\"{}\" name=\"no livelock\">\n      <failure message=\"{}\"/>\n    </testcase>", xml(&self.scenario), xml(l));
        }
        let _ = writeln!(s, "  </testsuite>\n</testsuites>");
        s
    }
}

fn md(t: &str) -> String {
    t.replace('|', "\\|")
}

fn xml(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
