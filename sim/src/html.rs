//! report.html: one self-contained page per run (inline SVG and CSS, no script, no network access), and the
//! `<out>/index.html` of a batch that links every run's page.
//!
//! The page shows, from the run's [`Report`] and [`Timeline`] only: each router's VRRP state per VRID over time
//! with the scenario's faults as markers, every failover annotated with its measured gap and the RFC bound that
//! applies to it, the clients' request outcomes and latencies over time, the expectations table and links to
//! capture.pcapng and the other output files. This module never runs anything and never reads files.

use crate::host::app::Outcome;
use crate::report::Report;
use crate::timeline::{Event, Timeline, VrrpState};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Left margin of every plot (row labels), px.
const LEFT: f64 = 170.0;
/// Width of the time axis, px.
const PLOT_W: f64 = 800.0;
/// Height of one state row, px.
const ROW_H: f64 = 22.0;

/// One run as the batch index lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexEntry {
    /// Link to the run's report.html, relative to the index.
    pub href: String,
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Whether every expectation held.
    pub passed: bool,
    /// Failed expectations.
    pub failed: usize,
    /// All expectations.
    pub total: usize,
}

impl IndexEntry {
    /// The entry for `report`, whose page is at `href`.
    pub fn new(href: String, report: &Report) -> IndexEntry {
        IndexEntry {
            href,
            scenario: report.scenario.clone(),
            seed: report.seed,
            passed: report.passed,
            failed: report.expectations.iter().filter(|v| !v.passed).count()
                + usize::from(report.livelock.is_some()),
            total: report.expectations.len() + usize::from(report.livelock.is_some()),
        }
    }
}

/// A failover: `node` became master of `vrid` at `t`.
#[derive(Clone, Debug, PartialEq)]
pub struct Failover {
    /// VRID.
    pub vrid: u8,
    /// New master.
    pub node: String,
    /// When, seconds since start.
    pub t: f64,
    /// The latest fault at or before `t`: (its time, its text).
    pub fault: Option<(f64, String)>,
    /// The RFC bound that applies, ms, and its name.
    pub bound: Option<(f64, &'static str)>,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1100px}\
h1 .pass{color:#1a7f37}h1 .fail{color:#cf222e}table{border-collapse:collapse;margin:.5em 0}\
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:14px;vertical-align:top}\
th{background:#f3f3f3}.pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}\
code{background:#f3f3f3;padding:1px 4px}svg{background:#fff;border:1px solid #ddd}\
.legend span{display:inline-block;padding:1px 8px;margin-right:6px;font-size:13px;border-radius:3px}\
svg text{font-size:11px;font-family:system-ui,sans-serif}";

fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn color(s: VrrpState) -> &'static str {
    match s {
        VrrpState::Down => "#d0d0d0",
        VrrpState::Init => "#e8e0a0",
        VrrpState::Backup => "#7fa7d9",
        VrrpState::Master => "#3aa655",
        VrrpState::Fault => "#d9534f",
    }
}

/// Per (VRID, node): the state steps (time, state), starting with DOWN at 0.
type Rows = BTreeMap<u8, BTreeMap<String, Vec<(f64, VrrpState)>>>;

fn state_rows(timeline: &Timeline) -> Rows {
    let mut rows: Rows = BTreeMap::new();
    for e in &timeline.entries {
        if let (Event::State { vrid, to, .. }, Some(n)) = (&e.event, &e.node) {
            rows.entry(*vrid)
                .or_default()
                .entry(n.clone())
                .or_insert_with(|| vec![(0.0, VrrpState::Down)])
                .push((e.t, *to));
        }
    }
    rows
}

fn faults(timeline: &Timeline) -> Vec<(f64, Option<String>, String)> {
    timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Fault { what } => Some((e.t, e.node.clone(), what.clone())),
            _ => None,
        })
        .collect()
}

/// Every transition into MASTER after a fault (and after the first master of its VRID), with the latest fault before it and the
/// RFC bound for the new master: Skew_Time when the old master left MASTER first (it sent priority 0,
/// RFC 3768 §6.4.2 / RFC 5798 §6.4.2), else Master_Down_Interval (RFC 3768 / RFC 5798 §6.1), both counted
/// from the last advert the new master heard.
pub fn failovers(report: &Report, timeline: &Timeline) -> Vec<Failover> {
    let all_faults = faults(timeline);
    let mut out = vec![];
    let mut masters: BTreeMap<u8, Vec<String>> = BTreeMap::new();
    // Per VRID: whether some master left MASTER while no other master remained.
    let mut orphaned: BTreeMap<u8, bool> = BTreeMap::new();
    let mut seen_master: BTreeMap<u8, bool> = BTreeMap::new();
    for e in &timeline.entries {
        let (
            Event::State {
                vrid,
                from,
                to,
                cause,
                ..
            },
            Some(n),
        ) = (&e.event, &e.node)
        else {
            continue;
        };
        let m = masters.entry(*vrid).or_default();
        if *from == VrrpState::Master && *to != VrrpState::Master {
            m.retain(|x| x != n);
            // keepalived sends priority 0 when it stops or a tracked object fails; a crash, a kill or a dead
            // interface sends nothing.
            let sent_zero = cause == "shutdown" || cause == "tracked object failed";
            if m.is_empty() && sent_zero {
                orphaned.insert(*vrid, true);
            }
        }
        if *to == VrrpState::Master && *from != VrrpState::Master {
            let first = !seen_master.get(vrid).copied().unwrap_or(false);
            seen_master.insert(*vrid, true);
            if !first {
                let info = report
                    .routers
                    .get(n)
                    .and_then(|v| v.iter().find(|i| i.vrid == *vrid));
                let left = orphaned.get(vrid).copied().unwrap_or(false);
                let bound = info.map(|i| {
                    if left {
                        (
                            i.master_down_interval_ms - 3.0 * i.advert_int_ms,
                            "Skew_Time (old master sent priority 0)",
                        )
                    } else {
                        (i.master_down_interval_ms, "Master_Down_Interval")
                    }
                });
                let fault = all_faults
                    .iter()
                    .rev()
                    .find(|(t, _, _)| *t <= e.t)
                    .map(|(t, _, w)| (*t, w.clone()));
                // Start-up contention is not a failover: only count what follows a fault.
                if fault.is_some() {
                    out.push(Failover {
                        vrid: *vrid,
                        node: n.clone(),
                        t: e.t,
                        fault,
                        bound,
                    });
                }
            }
            m.push(n.clone());
            orphaned.insert(*vrid, false);
        }
    }
    out
}

fn x_of(t: f64, dur: f64) -> f64 {
    LEFT + (t / dur).clamp(0.0, 1.0) * PLOT_W
}

fn axis(s: &mut String, dur: f64, y: f64, height: f64) {
    let step = [1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0]
        .into_iter()
        .find(|st| dur / st <= 12.0)
        .unwrap_or(3600.0);
    let mut t = 0.0;
    while t <= dur + 1e-9 {
        let x = x_of(t, dur);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\">{t}s</text>",
            y - height,
            y + 13.0
        );
        t += step;
    }
}

fn state_svg(report: &Report, timeline: &Timeline, fos: &[Failover]) -> String {
    let dur = report.duration_s.max(1e-9);
    let rows = state_rows(timeline);
    let nrows: usize = rows.values().map(BTreeMap::len).sum::<usize>() + rows.len();
    let top = 40.0;
    let height = top + nrows as f64 * ROW_H + 30.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg id=\"state-timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{height:.0}\" \
         role=\"img\" aria-label=\"VRRP state per router and VRID over time\">",
        LEFT + PLOT_W + 20.0
    );
    let plot_bottom = top + nrows as f64 * ROW_H;
    axis(&mut s, dur, plot_bottom, plot_bottom - top + 10.0);
    let mut y = top;
    let mut row_y: BTreeMap<(u8, String), f64> = BTreeMap::new();
    for (vrid, nodes) in &rows {
        let _ = write!(
            s,
            "<text x=\"4\" y=\"{:.1}\" font-weight=\"bold\">VRID {vrid}</text>",
            y + 15.0
        );
        y += ROW_H;
        for (node, steps) in nodes {
            row_y.insert((*vrid, node.clone()), y);
            let _ = write!(
                s,
                "<text x=\"14\" y=\"{:.1}\">{}</text>",
                y + 15.0,
                esc(node)
            );
            for (k, (t, st)) in steps.iter().enumerate() {
                let end = steps.get(k + 1).map(|(t2, _)| *t2).unwrap_or(dur);
                let (x1, x2) = (x_of(*t, dur), x_of(end, dur));
                let _ = write!(
                    s,
                    "<rect class=\"state {}\" x=\"{x1:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"{}\">\
                     <title>{} {} from {t:.6} s to {end:.6} s</title></rect>",
                    st.name().to_lowercase(),
                    y + 2.0,
                    (x2 - x1).max(0.5),
                    ROW_H - 4.0,
                    color(*st),
                    esc(node),
                    st.name()
                );
            }
            y += ROW_H;
        }
    }
    for (k, (t, node, what)) in faults(timeline).iter().enumerate() {
        let x = x_of(*t, dur);
        let _ = write!(
            s,
            "<g class=\"fault\"><line x1=\"{x:.2}\" y1=\"{:.1}\" x2=\"{x:.2}\" y2=\"{plot_bottom:.1}\" stroke=\"#cf222e\" \
             stroke-dasharray=\"4 3\"/><polygon points=\"{:.2},{:.1} {:.2},{:.1} {x:.2},{:.1}\" fill=\"#cf222e\"/>\
             <text x=\"{:.2}\" y=\"{:.1}\" fill=\"#cf222e\">{}</text><title>{t:.6} s: {}{}</title></g>",
            top - 8.0,
            x - 5.0,
            top - 16.0,
            x + 5.0,
            top - 16.0,
            top - 8.0,
            x + 6.0,
            12.0 + (k % 2) as f64 * 10.0,
            k + 1,
            node.as_deref().map(|n| format!("{n}: ")).unwrap_or_default(),
            esc(what)
        );
    }
    for f in fos {
        let Some(ry) = row_y.get(&(f.vrid, f.node.clone())) else {
            continue;
        };
        let x = x_of(f.t, dur);
        let label = match &f.fault {
            Some((ft, _)) => format!("{:.1} ms", (f.t - ft) * 1000.0),
            None => String::new(),
        };
        let _ = write!(
            s,
            "<g class=\"failover\"><circle cx=\"{x:.2}\" cy=\"{:.1}\" r=\"4\" fill=\"#111\"/>\
             <text x=\"{:.2}\" y=\"{:.1}\" font-weight=\"bold\">{}</text></g>",
            ry + ROW_H / 2.0,
            x + 6.0,
            ry + ROW_H / 2.0 + 4.0,
            esc(&label)
        );
    }
    s.push_str("</svg>");
    s
}

fn client_svg(report: &Report, timeline: &Timeline) -> String {
    let dur = report.duration_s.max(1e-9);
    let reqs: Vec<(f64, f64, bool)> = timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Request {
                started,
                latency_ms,
                outcome,
                ..
            } => Some((*started, *latency_ms, matches!(outcome, Outcome::Ok { .. }))),
            _ => None,
        })
        .collect();
    let max_ms = reqs
        .iter()
        .map(|r| r.1)
        .fold(1.0_f64, f64::max)
        .max(1.0)
        .log10()
        .ceil();
    let (top, h) = (20.0, 160.0);
    let bottom = top + h;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg id=\"client-plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" \
         role=\"img\" aria-label=\"client request latency and success over time\">",
        LEFT + PLOT_W + 20.0,
        bottom + 60.0
    );
    axis(&mut s, dur, bottom, h);
    // Latency on a log scale from 0.1 ms (10^-1) to 10^max_ms ms.
    let lo = -1.0;
    let hi = max_ms.max(lo + 1.0);
    let y_of = |ms: f64| bottom - ((ms.max(0.1).log10() - lo) / (hi - lo)).clamp(0.0, 1.0) * h;
    let mut e = lo as i32;
    while e as f64 <= hi {
        let y = y_of(10f64.powi(e));
        let label = if e < 0 {
            "0.1".to_string()
        } else {
            format!("{}", 10u64.pow(e as u32))
        };
        let _ = write!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.0}\" y2=\"{y:.1}\" stroke=\"#eee\"/>\
             <text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#666\">{label} ms</text>",
            LEFT + PLOT_W,
            LEFT - 4.0,
            y + 4.0
        );
        e += 1;
    }
    let _ = write!(s, "<text x=\"4\" y=\"{:.0}\">latency</text>", top + h / 2.0);
    for (t, ms, ok) in &reqs {
        let _ = write!(
            s,
            "<circle class=\"{}\" cx=\"{:.2}\" cy=\"{:.1}\" r=\"1.8\" fill=\"{}\"/>",
            if *ok { "req-ok" } else { "req-failed" },
            x_of(*t, dur),
            y_of(*ms),
            if *ok { "#3aa655" } else { "#cf222e" }
        );
    }
    // Success ratio per 1 s bin as a strip under the plot.
    let bins = dur.ceil().max(1.0) as usize;
    let mut counts = vec![(0u32, 0u32); bins];
    for (t, _, ok) in &reqs {
        let b = (*t as usize).min(bins - 1);
        if let Some(c) = counts.get_mut(b) {
            c.0 += u32::from(*ok);
            c.1 += 1;
        }
    }
    let sy = bottom + 22.0;
    let _ = write!(
        s,
        "<text x=\"4\" y=\"{:.0}\">success / 1 s</text>",
        sy + 12.0
    );
    for (b, (ok, n)) in counts.iter().enumerate() {
        if *n == 0 {
            continue;
        }
        let ratio = f64::from(*ok) / f64::from(*n);
        let (x1, x2) = (x_of(b as f64, dur), x_of(b as f64 + 1.0, dur));
        let fill = if ratio >= 0.999 {
            "#3aa655"
        } else if ratio >= 0.5 {
            "#e0a030"
        } else {
            "#cf222e"
        };
        let _ = write!(
            s,
            "<rect x=\"{x1:.2}\" y=\"{sy:.1}\" width=\"{:.2}\" height=\"16\" fill=\"{fill}\">\
             <title>{b}-{} s: {ok}/{n} ok</title></rect>",
            (x2 - x1).max(0.5),
            b + 1
        );
    }
    s.push_str("</svg>");
    s
}

/// The run's report.html. `capture` is the capture file's name relative to the page.
pub fn render_run(report: &Report, timeline: &Timeline, capture: &str) -> String {
    let fos = failovers(report, timeline);
    let mut s = String::new();
    let verdict = if report.passed { "PASS" } else { "FAIL" };
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{} seed {} — {verdict}</title><style>{STYLE}</style></head><body>\n",
        esc(&report.scenario),
        report.seed
    );
    let _ = write!(
        s,
        "<h1>{} <span class=\"{}\">{verdict}</span></h1>\n<p>seed {} · {:.3} s simulated · {} events · {} frames · \
         <a href=\"{}\">capture (pcapng)</a> · <a href=\"timeline.json\">timeline.json</a> · \
         <a href=\"report.md\">report.md</a></p>\n<p>reproduce: <code>{}</code></p>\n",
        esc(&report.scenario),
        verdict.to_lowercase(),
        report.seed,
        report.duration_s,
        report.stats.events,
        report.stats.frames,
        esc(capture),
        esc(&report.reproduce)
    );
    s.push_str("<h2>VRRP state per VRID</h2>\n<p class=\"legend\">");
    for st in [
        VrrpState::Master,
        VrrpState::Backup,
        VrrpState::Fault,
        VrrpState::Init,
        VrrpState::Down,
    ] {
        let _ = write!(
            s,
            "<span style=\"background:{}\">{}</span>",
            color(st),
            st.name()
        );
    }
    s.push_str(
        "<span style=\"color:#cf222e\">▼ fault (numbered)</span><span>● failover, gap since the fault</span></p>\n",
    );
    s.push_str(&state_svg(report, timeline, &fos));
    let fl = faults(timeline);
    if !fl.is_empty() {
        s.push_str("\n<h3>Faults</h3>\n<table><tr><th>#</th><th>time</th><th>node</th><th>fault</th></tr>\n");
        for (k, (t, node, what)) in fl.iter().enumerate() {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{t:.6} s</td><td>{}</td><td>{}</td></tr>",
                k + 1,
                esc(node.as_deref().unwrap_or("-")),
                esc(what)
            );
        }
        s.push_str("</table>\n");
    }
    if !fos.is_empty() {
        s.push_str("<h3>Failovers</h3>\n<table id=\"failovers\"><tr><th>VRID</th><th>new master</th><th>at</th>\
             <th>after fault</th><th>measured gap</th><th>RFC bound (from the last advert heard)</th></tr>\n");
        for f in &fos {
            let (fault, gap) = match &f.fault {
                Some((ft, w)) => (
                    format!("{ft:.6} s: {w}"),
                    format!("{:.3} ms", (f.t - ft) * 1000.0),
                ),
                None => ("-".into(), "-".into()),
            };
            let bound = f
                .bound
                .map(|(ms, name)| format!("{name} = {ms:.3} ms"))
                .unwrap_or_else(|| "-".into());
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{:.6} s</td><td>{}</td><td>{gap}</td><td>{}</td></tr>",
                f.vrid,
                esc(&f.node),
                f.t,
                esc(&fault),
                esc(&bound)
            );
        }
        s.push_str("</table>\n");
    }
    if !report.clients.is_empty() {
        s.push_str("<h2>Clients</h2>\n<p>Each dot is one request at its start time: green answered (height = latency), \
             red timeout or reset. The strip below is the success ratio per second.</p>\n");
        s.push_str(&client_svg(report, timeline));
        s.push_str("\n<table><tr><th>client</th><th>requests</th><th>ok</th><th>timeouts</th><th>resets</th>\
             <th>served by</th></tr>\n");
        for (n, c) in &report.clients {
            let served: Vec<String> = c
                .served_by
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(n),
                c.requests,
                c.ok,
                c.timeouts,
                c.resets,
                esc(&served.join(" "))
            );
        }
        s.push_str("</table>\n");
    }
    s.push_str(
        "<h2>Expectations</h2>\n<table id=\"expectations\"><tr><th>result</th><th>expectation</th>\
         <th>measured</th></tr>\n",
    );
    for v in &report.expectations {
        let _ = writeln!(
            s,
            "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
            if v.passed { "pass" } else { "fail" },
            if v.passed { "PASS" } else { "FAIL" },
            esc(&v.expectation),
            esc(&v.measured)
        );
    }
    if let Some(l) = &report.livelock {
        let _ = writeln!(
            s,
            "<tr><td class=\"fail\">FAIL</td><td>no livelock</td><td>{}</td></tr>",
            esc(l)
        );
    }
    s.push_str("</table>\n<h2>Masters</h2>\n<ul>\n");
    for m in &report.masters {
        let _ = writeln!(s, "<li>{}</li>", esc(m));
    }
    s.push_str("</ul>\n</body></html>\n");
    s
}

/// `<out>/index.html` of a batch: one row per run, linking its report.html.
pub fn render_index(entries: &[IndexEntry]) -> String {
    let passed = entries.iter().filter(|e| e.passed).count();
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vrrpsim runs: {passed}/{} passed\
         </title><style>{STYLE}</style></head><body>\n<h1>vrrpsim runs: {passed}/{} passed</h1>\n\
         <table id=\"runs\"><tr><th>result</th><th>scenario</th><th>seed</th><th>expectations failed</th></tr>\n",
        entries.len(),
        entries.len()
    );
    for e in entries {
        let _ = writeln!(
            s,
            "<tr><td class=\"{}\">{}</td><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}/{}</td></tr>",
            if e.passed { "pass" } else { "fail" },
            if e.passed { "PASS" } else { "FAIL" },
            esc(&e.href),
            esc(&e.scenario),
            e.seed,
            e.failed,
            e.total
        );
    }
    s.push_str("</table>\n</body></html>\n");
    s
}
