//! Expectations evaluated over a finished run's timeline: each gives PASS/FAIL with the value it measured.

use crate::host::app::Outcome;
use crate::scenario::{Expectation, Window};
use crate::time::{format_duration, Duration, Instant, Secs};
use crate::timeline::{Event, Timeline, VrrpState};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The result of one expectation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The expectation, in words.
    pub expectation: String,
    /// Whether it held.
    pub passed: bool,
    /// What was measured, in words.
    pub measured: String,
}

/// Who is master of one VRID over time: a step function of sets of node names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MasterSteps {
    /// (from, masters) in time order; each step lasts until the next.
    pub steps: Vec<(Instant, BTreeSet<String>)>,
}

impl MasterSteps {
    /// Masters at `t`.
    pub fn at(&self, t: Instant) -> BTreeSet<String> {
        self.steps
            .iter()
            .take_while(|(s, _)| *s <= t)
            .last()
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }

    /// Steps as (from, to, masters), the last one ending at `end`.
    pub fn spans(&self, end: Instant) -> Vec<(Instant, Instant, &BTreeSet<String>)> {
        let mut v = vec![];
        for (i, (from, m)) in self.steps.iter().enumerate() {
            let to = self
                .steps
                .get(i + 1)
                .map(|(t, _)| *t)
                .unwrap_or(end)
                .max(*from);
            if to > *from || i + 1 == self.steps.len() {
                v.push((*from, to, m));
            }
        }
        v
    }
}

/// Master step functions per VRID, from the timeline's state changes.
pub fn masters(timeline: &Timeline) -> BTreeMap<u8, MasterSteps> {
    let mut cur: BTreeMap<u8, BTreeSet<String>> = BTreeMap::new();
    let mut out: BTreeMap<u8, MasterSteps> = BTreeMap::new();
    for e in &timeline.entries {
        let Event::State { vrid, to, from, .. } = &e.event else {
            continue;
        };
        let Some(node) = &e.node else { continue };
        let set = cur.entry(*vrid).or_default();
        let changed = if *to == VrrpState::Master {
            set.insert(node.clone())
        } else if *from == VrrpState::Master || set.contains(node) {
            set.remove(node)
        } else {
            false
        };
        let steps = &mut out.entry(*vrid).or_default().steps;
        if steps.is_empty() {
            steps.push((Instant::ZERO, BTreeSet::new()));
        }
        if changed {
            if steps.last().is_some_and(|(t, _)| *t == e.at) {
                steps.pop();
            }
            steps.push((e.at, set.clone()));
        }
    }
    out
}

fn names(s: &BTreeSet<String>) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s.iter().cloned().collect::<Vec<_>>().join("+")
    }
}

fn pick_vrid(all: &BTreeMap<u8, MasterSteps>, vrid: Option<u8>) -> Result<u8, String> {
    match vrid {
        Some(v) => Ok(v),
        None if all.len() == 1 => all
            .keys()
            .next()
            .copied()
            .ok_or_else(|| "no VRID seen".into()),
        None if all.is_empty() => Err("no VRRP instance ever changed state".into()),
        None => Err(format!(
            "several VRIDs ({:?}): name one with `vrid:`",
            all.keys().collect::<Vec<_>>()
        )),
    }
}

fn secs(t: Instant) -> String {
    format!("{}s", Secs(t))
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", crate::time::millis_f64(d))
}

fn outside(from: Instant, to: Instant, windows: &[Window]) -> Option<Instant> {
    // First instant of [from, to) not covered by a window, if any.
    let mut t = from;
    loop {
        if t >= to {
            return None;
        }
        let cover = windows
            .iter()
            .find(|w| Instant::ZERO + w.0 <= t && t < Instant::ZERO + w.1);
        match cover {
            Some(w) => t = Instant::ZERO + w.1,
            None => return Some(t),
        }
    }
}

/// Evaluates every expectation except `CaptureConforms` (which needs the capture; see the runner).
pub fn evaluate(expect: &[Expectation], timeline: &Timeline, end: Instant) -> Vec<Option<Verdict>> {
    let all = masters(timeline);
    expect
        .iter()
        .map(|e| evaluate_one(e, &all, timeline, end))
        .collect()
}

fn evaluate_one(
    e: &Expectation,
    all: &BTreeMap<u8, MasterSteps>,
    timeline: &Timeline,
    end: Instant,
) -> Option<Verdict> {
    let fail = |expectation: String, measured: String| Verdict {
        expectation,
        passed: false,
        measured,
    };
    Some(match e {
        Expectation::SingleMaster {
            vrid,
            except,
            grace,
        } => {
            let ex: Vec<String> = except
                .iter()
                .map(|w| format!("[{}, {})", format_duration(w.0), format_duration(w.1)))
                .collect();
            let desc = format!(
                "at most one master per VRID{}{}",
                vrid.map(|v| format!(" (vrid {v})")).unwrap_or_default(),
                if ex.is_empty() {
                    String::new()
                } else {
                    format!(" outside {}", ex.join(", "))
                }
            );
            let mut worst: Option<(u8, Instant, Instant, String)> = None;
            let mut max_masters = 0;
            let mut brief = 0;
            for (v, steps) in all {
                if vrid.is_some_and(|x| x != *v) {
                    continue;
                }
                for (from, to, m) in steps.spans(end) {
                    if m.len() > 1 && to - from >= *grace {
                        if let Some(t) = outside(from, to, except) {
                            max_masters = max_masters.max(m.len());
                            if worst.is_none() {
                                worst = Some((*v, t, to, names(m)));
                            }
                        }
                    } else if m.len() > 1 {
                        // Shorter than the grace period: two routers that both hold MASTER for a moment
                        // while adverts cross are not a split brain; count them apart so the measured
                        // value never claims two masters outside the windows on a pass.
                        if outside(from, to, except).is_some() {
                            brief += 1;
                        }
                    } else {
                        max_masters = max_masters.max(m.len());
                    }
                }
            }
            match worst {
                None => Verdict {
                    expectation: desc,
                    passed: true,
                    measured: if brief == 0 {
                        format!("max {max_masters} master(s) outside the windows")
                    } else {
                        format!(
                            "max {max_masters} master(s) outside the windows, apart from {brief} overlap(s) shorter than the {} grace",
                            format_duration(*grace)
                        )
                    },
                },
                Some((v, t, to, who)) => fail(
                    desc,
                    format!(
                        "vrid {v}: {who} were all master from {} to {}",
                        secs(t),
                        secs(to)
                    ),
                ),
            }
        }
        Expectation::MasterIs { node, at, vrid } => {
            let t = Instant::ZERO + *at;
            let desc = format!("{node} is master at {}", format_duration(*at));
            match pick_vrid(all, *vrid) {
                Err(m) => fail(desc, m),
                Ok(v) => {
                    let m = all.get(&v).map(|s| s.at(t)).unwrap_or_default();
                    Verdict {
                        expectation: format!("{desc} (vrid {v})"),
                        passed: m.contains(node),
                        measured: format!("master(s) at {}: {}", secs(t), names(&m)),
                    }
                }
            }
        }
        Expectation::FailoverWithin {
            after,
            within,
            vrid,
            to,
        } => {
            let t0 = Instant::ZERO + *after;
            let desc = format!(
                "failover within {} after {}{}",
                format_duration(*within),
                format_duration(*after),
                to.as_ref().map(|n| format!(" to {n}")).unwrap_or_default()
            );
            let v = match pick_vrid(all, *vrid) {
                Ok(v) => v,
                Err(m) => return Some(fail(desc, m)),
            };
            let steps = all.get(&v).cloned().unwrap_or_default();
            let old = steps.at(t0);
            let hit = steps.steps.iter().find(|(t, m)| {
                *t >= t0
                    && m.iter()
                        .any(|n| !old.contains(n) && to.as_ref().is_none_or(|x| x == n))
            });
            match hit {
                None => fail(
                    desc,
                    format!(
                        "vrid {v}: no new master after {} (master was {})",
                        secs(t0),
                        names(&old)
                    ),
                ),
                Some((t, m)) => {
                    let d = *t - t0;
                    Verdict {
                        expectation: desc,
                        passed: d <= *within,
                        measured: format!("vrid {v}: {} master after {}", names(m), ms(d)),
                    }
                }
            }
        }
        Expectation::FailoverBetween {
            after,
            min,
            max,
            vrid,
            to,
        } => {
            let t0 = Instant::ZERO + *after;
            let desc = format!(
                "failover between {} and {} after {}{}",
                format_duration(*min),
                format_duration(*max),
                format_duration(*after),
                to.as_ref().map(|n| format!(" to {n}")).unwrap_or_default()
            );
            let v = match pick_vrid(all, *vrid) {
                Ok(v) => v,
                Err(m) => return Some(fail(desc, m)),
            };
            let steps = all.get(&v).cloned().unwrap_or_default();
            let old = steps.at(t0);
            // The first new master of any kind: one that comes too early must fail, not be skipped.
            let hit = steps
                .steps
                .iter()
                .find(|(t, m)| *t >= t0 && m.iter().any(|n| !old.contains(n)));
            match hit {
                None => fail(
                    desc,
                    format!(
                        "vrid {v}: no new master after {} (master was {})",
                        secs(t0),
                        names(&old)
                    ),
                ),
                Some((t, m)) => {
                    let d = *t - t0;
                    let right = to
                        .as_ref()
                        .is_none_or(|x| m.iter().any(|n| n == x && !old.contains(n)));
                    Verdict {
                        expectation: desc,
                        passed: right && d >= *min && d <= *max,
                        measured: format!("vrid {v}: {} master after {}", names(m), ms(d)),
                    }
                }
            }
        }
        Expectation::ConvergeWithin {
            after,
            within,
            vrid,
            master,
        } => {
            let t0 = Instant::ZERO + *after;
            let desc = format!(
                "single master{} within {} after {}",
                master.as_ref().map(|n| format!(" {n}")).unwrap_or_default(),
                format_duration(*within),
                format_duration(*after)
            );
            let v = match pick_vrid(all, *vrid) {
                Ok(v) => v,
                Err(m) => return Some(fail(desc, m)),
            };
            let steps = all.get(&v).cloned().unwrap_or_default();
            // The last step starting at or before t0 counts too: convergence may already hold at t0.
            let spans = steps.spans(end);
            let mut since: Option<(Instant, String)> = None;
            for (from, _, m) in &spans {
                let ok = m.len() == 1 && master.as_ref().is_none_or(|x| m.contains(x));
                if ok {
                    if since.is_none() {
                        since = Some(((*from).max(t0), names(m)));
                    }
                } else {
                    since = None;
                }
            }
            match since {
                None => fail(
                    desc,
                    format!("vrid {v}: never a stable single master after {}", secs(t0)),
                ),
                Some((t, who)) => {
                    let d = t - t0;
                    Verdict {
                        expectation: desc,
                        passed: d <= *within,
                        measured: format!("vrid {v}: {who} sole master after {}", ms(d)),
                    }
                }
            }
        }
        Expectation::MaxTransitions { max, node, vrid } => {
            let n = timeline
                .entries
                .iter()
                .filter(|e| match &e.event {
                    Event::State { vrid: v, to, .. } => {
                        *to == VrrpState::Master
                            && vrid.is_none_or(|x| x == *v)
                            && node.as_ref().is_none_or(|x| e.node.as_ref() == Some(x))
                    }
                    _ => false,
                })
                .count();
            let desc = format!(
                "at most {max} transitions to MASTER{}{}",
                node.as_ref()
                    .map(|n| format!(" by {n}"))
                    .unwrap_or_default(),
                vrid.map(|v| format!(" (vrid {v})")).unwrap_or_default()
            );
            Verdict {
                expectation: desc,
                passed: n as u32 <= *max,
                measured: format!("{n} transitions to MASTER"),
            }
        }
        Expectation::SplitBrain { vrid, from, to } => {
            let (a, b) = (Instant::ZERO + *from, Instant::ZERO + *to);
            let desc = format!(
                "split brain during [{}, {}]",
                format_duration(*from),
                format_duration(*to)
            );
            let v = match pick_vrid(all, *vrid) {
                Ok(v) => v,
                Err(m) => return Some(fail(desc, m)),
            };
            let steps = all.get(&v).cloned().unwrap_or_default();
            let mut held = true;
            let mut gap = None;
            for (f, t, m) in steps.spans(end) {
                if t > a && f <= b && m.len() < 2 && t > f {
                    held = false;
                    gap.get_or_insert((f.max(a), names(m)));
                }
            }
            // Report the actual split-brain span(s) touching the window.
            let sb: Vec<String> = steps
                .spans(end)
                .iter()
                .filter(|(_, _, m)| m.len() >= 2)
                .map(|(f, t, m)| format!("{} from {} to {}", names(m), secs(*f), secs(*t)))
                .collect();
            let measured = match gap {
                None => format!(
                    "vrid {v}: {}",
                    if sb.is_empty() {
                        "no split brain".into()
                    } else {
                        sb.join("; ")
                    }
                ),
                Some((t, who)) => format!("vrid {v}: only {who} master at {}", secs(t)),
            };
            Verdict {
                expectation: format!("{desc} (vrid {v})"),
                passed: held,
                measured,
            }
        }
        Expectation::VipReachable {
            client,
            min_ratio,
            max_outage,
        } => {
            let desc = format!(
                "VIP reachable{}: success ratio >= {min_ratio}, longest outage <= {}",
                for_client(client),
                format_duration(*max_outage)
            );
            let Some(st) = request_stats(timeline, client.as_deref(), end) else {
                return Some(fail(desc, "no requests were made".into()));
            };
            Verdict {
                expectation: desc,
                passed: st.ratio() >= *min_ratio && st.longest <= *max_outage,
                measured: st.describe(),
            }
        }
        Expectation::ClientOutage { client, min, max } => {
            let desc = format!(
                "clients see an outage{}: longest outage in [{}, {}]",
                for_client(client),
                format_duration(*min),
                format_duration(*max)
            );
            let Some(st) = request_stats(timeline, client.as_deref(), end) else {
                return Some(fail(desc, "no requests were made".into()));
            };
            Verdict {
                expectation: desc,
                passed: *min <= st.longest && st.longest <= *max,
                measured: st.describe(),
            }
        }
        Expectation::RealServerRemoved {
            server,
            after,
            within,
            director,
        } => crate::lvs_expect::real_server_removed(
            timeline,
            server,
            Instant::ZERO + *after,
            *within,
            director.as_deref(),
        ),
        Expectation::NoConnectionsToRemoved { server } => {
            crate::lvs_expect::no_connections_to_removed(timeline, server.as_deref())
        }
        Expectation::Persistence {
            timeout,
            min_reused,
        } => crate::lvs_expect::persistence(timeline, *timeout, *min_reused),
        Expectation::UpstreamDisabled {
            server,
            after,
            within,
            failures,
            node,
        } => crate::nginx_expect::upstream_disabled(
            timeline,
            server,
            Instant::ZERO + *after,
            *within,
            *failures,
            node.as_deref(),
        ),
        Expectation::UpstreamProbed {
            server,
            fail_timeout,
            within,
            min_probes,
            node,
        } => crate::nginx_expect::upstream_probed(
            timeline,
            server,
            *fail_timeout,
            *within,
            *min_probes,
            node.as_deref(),
        ),
        Expectation::NginxRestarted {
            node,
            after,
            within,
        } => crate::nginx_expect::nginx_restarted(timeline, node, Instant::ZERO + *after, *within),
        Expectation::QuorumChange {
            up,
            after,
            min,
            within,
            director,
            vs,
        } => crate::lvs_expect::quorum_change(
            timeline,
            *up,
            Instant::ZERO + *after,
            (*min, *within),
            (director.as_deref(), vs.as_deref()),
        ),
        Expectation::SorryServerWhileQuorumDown {
            sorry,
            min_connections,
        } => crate::lvs_expect::sorry_server_while_quorum_down(timeline, sorry, *min_connections),
        Expectation::PersistenceAcrossFailover {
            after,
            survives,
            min_clients,
        } => crate::lvs_expect::persistence_across_failover(
            timeline,
            Instant::ZERO + *after,
            *survives,
            *min_clients,
        ),
        Expectation::CaptureConforms { .. } => return None,
        Expectation::StateIs {
            node,
            at,
            state,
            vrid,
        } => state_is(timeline, node, Instant::ZERO + *at, state, *vrid),
        Expectation::NotifyState {
            node,
            at,
            state,
            instance,
            via,
        } => notify_state(
            timeline,
            node,
            Instant::ZERO + *at,
            state,
            instance.as_deref(),
            via.as_deref(),
        ),
    })
}

/// `NotifyState`: the state of the last notification of `node` (and `instance`, `via`) completed by `t`.
fn notify_state(
    timeline: &Timeline,
    node: &str,
    t: Instant,
    want: &str,
    instance: Option<&str>,
    via: Option<&str>,
) -> Verdict {
    let mine = |e: &&crate::timeline::Entry| e.node.as_deref() == Some(node);
    // Unset `via`: the FIFO when this router has one (it then reports every transition through it).
    let via = via.map(str::to_string).unwrap_or_else(|| {
        let fifo = timeline
            .entries
            .iter()
            .filter(mine)
            .any(|e| matches!(&e.event, Event::NotifyDone { via, .. } if via == "fifo"));
        if fifo { "fifo" } else { "script" }.to_string()
    });
    let mut instances = BTreeSet::new();
    let mut last: Option<(&str, f64, Option<&str>)> = None;
    for e in timeline.entries.iter().filter(mine) {
        let Event::NotifyDone {
            instance: i,
            state,
            via: v,
            script,
            started,
        } = &e.event
        else {
            continue;
        };
        if *v != via || instance.is_some_and(|x| x != i) {
            continue;
        }
        instances.insert(i.as_str());
        if e.at <= t {
            last = Some((state.as_str(), *started, script.as_deref()));
        }
    }
    let desc = format!(
        "the outside world last told {want} by {node}'s notify {via}{} at {}",
        instance.map(|i| format!(" ({i})")).unwrap_or_default(),
        format_duration(t - Instant::ZERO)
    );
    if instance.is_none() && instances.len() > 1 {
        return Verdict {
            expectation: desc,
            passed: false,
            measured: format!(
                "{node} notifies for several instances ({instances:?}): name one with `instance:`"
            ),
        };
    }
    match last {
        None => Verdict {
            expectation: desc,
            passed: false,
            measured: format!("no notification via {via} completed by {}", secs(t)),
        },
        Some((state, started, script)) => Verdict {
            expectation: desc,
            passed: state == want,
            measured: format!(
                "last completed by {}: {state} (started at {started:.6}s{})",
                secs(t),
                script.map(|s| format!(", {s}")).unwrap_or_default()
            ),
        },
    }
}

/// `StateIs`: the node's last state change at or before `t` (DOWN before its first one).
fn state_is(timeline: &Timeline, node: &str, t: Instant, want: &str, vrid: Option<u8>) -> Verdict {
    let mut vrids = BTreeSet::new();
    let mut last: Option<VrrpState> = None;
    for e in &timeline.entries {
        let Event::State { vrid: v, to, .. } = &e.event else {
            continue;
        };
        if e.node.as_deref() != Some(node) || vrid.is_some_and(|x| x != *v) {
            continue;
        }
        vrids.insert(*v);
        if e.at <= t {
            last = Some(*to);
        }
    }
    let desc = format!(
        "{node} is {want} at {}{}",
        format_duration(t - Instant::ZERO),
        vrid.map(|v| format!(" (vrid {v})")).unwrap_or_default()
    );
    if vrid.is_none() && vrids.len() > 1 {
        return Verdict {
            expectation: desc,
            passed: false,
            measured: format!("{node} has several VRIDs ({vrids:?}): name one with `vrid:`"),
        };
    }
    let got = last.unwrap_or(VrrpState::Down).name();
    Verdict {
        expectation: desc,
        passed: got == want,
        measured: format!("{node} at {}: {got}", secs(t)),
    }
}

fn for_client(client: &Option<String>) -> String {
    client
        .as_ref()
        .map(|c| format!(" from {c}"))
        .unwrap_or_default()
}

/// The clients' requests summed up: how many succeeded, and the longest run of failures.
struct RequestStats {
    ok: usize,
    total: usize,
    /// From the first failed request's start to the next successful request's start (or the run's end).
    longest: Duration,
    /// Start of the longest outage, in seconds.
    longest_at: f64,
}

impl RequestStats {
    fn ratio(&self) -> f64 {
        self.ok as f64 / self.total as f64
    }

    fn describe(&self) -> String {
        let at = if self.longest > Duration::ZERO {
            format!(" from {:.6}s", self.longest_at)
        } else {
            String::new()
        };
        format!(
            "{}/{} ok (ratio {:.4}), longest outage {}{at}",
            self.ok,
            self.total,
            self.ratio(),
            ms(self.longest)
        )
    }
}

/// Request statistics of every client (or only `client`); `None` when no request was made.
fn request_stats(timeline: &Timeline, client: Option<&str>, end: Instant) -> Option<RequestStats> {
    let mut per_client: BTreeMap<&str, Vec<(f64, bool)>> = BTreeMap::new();
    for e in &timeline.entries {
        if let (
            Event::Request {
                started, outcome, ..
            },
            Some(n),
        ) = (&e.event, &e.node)
        {
            if client.is_none_or(|c| c == n) {
                per_client
                    .entry(n)
                    .or_default()
                    .push((*started, matches!(outcome, Outcome::Ok { .. })));
            }
        }
    }
    let total: usize = per_client.values().map(Vec::len).sum();
    if total == 0 {
        return None;
    }
    let ok: usize = per_client.values().flatten().filter(|(_, ok)| *ok).count();
    let end_s = crate::time::secs_f64(end);
    let mut longest = 0.0f64;
    let mut longest_at = 0.0f64;
    for reqs in per_client.values_mut() {
        reqs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut fail_start: Option<f64> = None;
        for (t, ok) in reqs.iter() {
            match (ok, fail_start) {
                (false, None) => fail_start = Some(*t),
                (true, Some(s)) => {
                    if t - s > longest {
                        longest = t - s;
                        longest_at = s;
                    }
                    fail_start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = fail_start {
            if end_s - s > longest {
                longest = end_s - s;
                longest_at = s;
            }
        }
    }
    Some(RequestStats {
        ok,
        total,
        longest: Duration::from_nanos((longest * 1e9).round() as u64),
        longest_at,
    })
}

/// Text lines "vrid 51: lb1 0.000000s–10.0s, lb1+lb2 ..." for the report.
pub fn master_summary(timeline: &Timeline, end: Instant) -> Vec<String> {
    masters(timeline)
        .iter()
        .map(|(v, steps)| {
            let parts: Vec<String> = steps
                .spans(end)
                .iter()
                .map(|(f, t, m)| format!("{} {}..{}", names(m), Secs(*f), Secs(*t)))
                .collect();
            format!("vrid {v}: {}", parts.join(", "))
        })
        .collect()
}
