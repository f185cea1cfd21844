//! The nginx expectations, evaluated over the timeline's [`Event::Nginx`] entries: an upstream server marked
//! unavailable after `max_fails` failures, no attempt to it during `fail_timeout` and a probe afterwards, and
//! nginx restarted by chk_nginx.sh.
//!
//! Everything here reads what the nginx hosts recorded (each attempt, failure, disabling, probe, start), never
//! the scenario's intent, so a wrong model fails these checks instead of passing them.

use crate::expect::Verdict;
use crate::host::nginx::NginxAction;
use crate::time::{format_duration, millis_f64, Duration, Instant, Secs};
use crate::timeline::{Event, Timeline};

struct Entry<'a> {
    at: Instant,
    node: &'a str,
    action: NginxAction,
    server: Option<&'a str>,
}

fn entries(timeline: &Timeline) -> impl Iterator<Item = Entry<'_>> {
    timeline.entries.iter().filter_map(|e| match &e.event {
        Event::Nginx { action, server, .. } => Some(Entry {
            at: e.at,
            node: e.node.as_deref()?,
            action: *action,
            server: server.as_deref(),
        }),
        _ => None,
    })
}

fn on(node: Option<&str>) -> String {
    node.map(|n| format!(" on {n}")).unwrap_or_default()
}

/// `UpstreamDisabled`.
pub fn upstream_disabled(
    timeline: &Timeline,
    server: &str,
    after: Instant,
    within: Duration,
    failures: Option<u32>,
    node: Option<&str>,
) -> Verdict {
    let desc = format!(
        "upstream {server} disabled{} within {} after {}s{}",
        failures
            .map(|f| format!(" after {f} failures"))
            .unwrap_or_default(),
        format_duration(within),
        Secs(after),
        on(node)
    );
    let mine = |e: &Entry<'_>| {
        e.server == Some(server) && node.is_none_or(|n| n == e.node) && e.at >= after
    };
    let Some(dis) = entries(timeline).find(|e| mine(e) && e.action == NginxAction::Disabled) else {
        return Verdict {
            expectation: desc,
            passed: false,
            measured: format!("{server} was never disabled after {}s", Secs(after)),
        };
    };
    let fails = entries(timeline)
        .filter(|e| {
            mine(e) && e.node == dis.node && e.action == NginxAction::Failed && e.at <= dis.at
        })
        .count() as u32;
    let took = dis.at - after;
    let passed = took <= within && failures.is_none_or(|f| f == fails);
    Verdict {
        expectation: desc,
        passed,
        measured: format!(
            "{} disabled {server} at {}s ({:.3} ms after), after {fails} failures",
            dis.node,
            Secs(dis.at),
            millis_f64(took)
        ),
    }
}

/// `UpstreamProbed`.
pub fn upstream_probed(
    timeline: &Timeline,
    server: &str,
    fail_timeout: Duration,
    within: Duration,
    min_probes: u32,
    node: Option<&str>,
) -> Verdict {
    let desc = format!(
        "upstream {server} gets no request for fail_timeout {} once disabled, then a probe within {} (at least {min_probes}){}",
        format_duration(fail_timeout),
        format_duration(within),
        on(node)
    );
    let all: Vec<Entry<'_>> = entries(timeline)
        .filter(|e| e.server == Some(server) && node.is_none_or(|n| n == e.node))
        .collect();
    let mut probes = 0u32;
    let mut problems = vec![];
    let mut gaps = vec![];
    for (i, d) in all
        .iter()
        .enumerate()
        .filter(|(_, e)| e.action == NginxAction::Disabled)
    {
        // nginx's clock is whole seconds: the window ends at floor(disabled) + fail_timeout + 1 s.
        let whole = Duration::from_secs(d.at.as_nanos() / 1_000_000_000);
        let window_end = Instant::ZERO + whole + fail_timeout + Duration::from_secs(1);
        let next = all[i + 1..]
            .iter()
            .find(|e| e.node == d.node && e.action == NginxAction::Attempt);
        match next {
            Some(a) if a.at < window_end => problems.push(format!(
                "attempt at {}s inside the window {}s..{}s",
                Secs(a.at),
                Secs(d.at),
                Secs(window_end)
            )),
            Some(a) => {
                let is_probe = all[i + 1..]
                    .iter()
                    .any(|e| e.node == d.node && e.action == NginxAction::Probe && e.at == a.at);
                if !is_probe {
                    problems.push(format!("attempt at {}s is not a probe", Secs(a.at)));
                } else if a.at - window_end > within {
                    problems.push(format!(
                        "probe at {}s, {} after the window",
                        Secs(a.at),
                        format_duration(a.at - window_end)
                    ));
                } else {
                    probes += 1;
                    gaps.push(format!(
                        "{:.3}s",
                        crate::time::secs_f64(Instant::ZERO + (a.at - d.at))
                    ));
                }
            }
            None => {}
        }
    }
    let passed = problems.is_empty() && probes >= min_probes;
    let measured = if problems.is_empty() {
        format!(
            "{probes} probe(s), each after the window; disabled-to-probe: {}",
            if gaps.is_empty() {
                "-".into()
            } else {
                gaps.join(", ")
            }
        )
    } else {
        problems.join("; ")
    };
    Verdict {
        expectation: desc,
        passed,
        measured,
    }
}

/// `NginxRestarted`.
pub fn nginx_restarted(
    timeline: &Timeline,
    node: &str,
    after: Instant,
    within: Duration,
) -> Verdict {
    let desc = format!(
        "nginx on {node} listening again within {} after {}s",
        format_duration(within),
        Secs(after)
    );
    let started = entries(timeline)
        .find(|e| e.node == node && e.action == NginxAction::Started && e.at >= after);
    match started {
        Some(e) => Verdict {
            expectation: desc,
            passed: e.at - after <= within,
            measured: format!(
                "started at {}s ({:.3} ms after)",
                Secs(e.at),
                millis_f64(e.at - after)
            ),
        },
        None => Verdict {
            expectation: desc,
            passed: false,
            measured: format!("nginx on {node} never started after {}s", Secs(after)),
        },
    }
}
