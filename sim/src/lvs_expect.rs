//! The LVS expectations, evaluated over the timeline's [`Event::Lvs`] entries: a real server's removal within
//! the health checkers' detection bound, no new connection to a removed server, and persistence.
//!
//! Everything here reads what the directors recorded (table changes and each new connection they scheduled),
//! never the scenario's intent, so a wrong director model fails these checks instead of passing them.

use crate::expect::Verdict;
use crate::lvs_host::{server_matches, LvsAction};
use crate::time::{format_duration, millis_f64, Duration, Instant, Secs};
use crate::timeline::{Event, Timeline};
use std::collections::BTreeMap;
use std::net::SocketAddr;

struct LvsEntry<'a> {
    at: Instant,
    node: &'a str,
    action: LvsAction,
    rs: Option<&'a str>,
    rs_node: Option<&'a str>,
    client: Option<&'a str>,
}

fn entries(timeline: &Timeline) -> impl Iterator<Item = LvsEntry<'_>> {
    timeline.entries.iter().filter_map(|e| match &e.event {
        Event::Lvs {
            action,
            rs,
            rs_node,
            client,
            ..
        } => Some(LvsEntry {
            at: e.at,
            node: e.node.as_deref()?,
            action: *action,
            rs: rs.as_deref(),
            rs_node: rs_node.as_deref(),
            client: client.as_deref(),
        }),
        _ => None,
    })
}

/// `RealServerRemoved`: each director that had `server` in its table at `after` removes it by `after + within`.
pub fn real_server_removed(
    timeline: &Timeline,
    server: &str,
    after: Instant,
    within: Duration,
    director: Option<&str>,
) -> Verdict {
    let desc = format!(
        "real server {server} removed within {} after {}s{}",
        format_duration(within),
        Secs(after),
        director.map(|d| format!(" by {d}")).unwrap_or_default()
    );
    // In the table at `after`: the last add/remove of the server at or before `after` was an add.
    let mut in_table: BTreeMap<&str, bool> = BTreeMap::new();
    let mut removed_at: BTreeMap<&str, Instant> = BTreeMap::new();
    for e in entries(timeline) {
        if !server_matches(server, e.rs, e.rs_node) || director.is_some_and(|d| d != e.node) {
            continue;
        }
        match e.action {
            LvsAction::Add if e.at <= after => {
                in_table.insert(e.node, true);
            }
            LvsAction::Remove if e.at <= after => {
                in_table.insert(e.node, false);
            }
            LvsAction::Remove => {
                removed_at.entry(e.node).or_insert(e.at);
            }
            _ => {}
        }
    }
    let directors: Vec<&str> = in_table
        .iter()
        .filter(|(_, &t)| t)
        .map(|(n, _)| *n)
        .collect();
    if directors.is_empty() {
        return Verdict {
            expectation: desc,
            passed: false,
            measured: format!(
                "no director had {server} in its IPVS table at {}s",
                Secs(after)
            ),
        };
    }
    let mut passed = true;
    let mut parts = vec![];
    for d in directors {
        match removed_at.get(d) {
            Some(t) => {
                let took = *t - after;
                passed &= took <= within;
                parts.push(format!(
                    "{d} removed it at {}s ({:.3} ms after)",
                    Secs(*t),
                    millis_f64(took)
                ));
            }
            None => {
                passed = false;
                parts.push(format!("{d} never removed it"));
            }
        }
    }
    Verdict {
        expectation: desc,
        passed,
        measured: parts.join("; "),
    }
}

/// `NoConnectionsToRemoved`: between a director's removal of a real server and its re-adding, that director
/// schedules no new connection to it.
pub fn no_connections_to_removed(timeline: &Timeline, server: Option<&str>) -> Verdict {
    let desc = format!(
        "no new connection to {} after its removal",
        server.unwrap_or("a real server")
    );
    let mut removed: BTreeMap<(&str, &str), Instant> = BTreeMap::new();
    let mut checked = 0u64;
    let mut after_removal = 0u64;
    let mut violations = vec![];
    for e in entries(timeline) {
        let Some(rs) = e.rs else { continue };
        if server.is_some_and(|s| !server_matches(s, e.rs, e.rs_node)) {
            continue;
        }
        match e.action {
            LvsAction::Remove => {
                removed.insert((e.node, rs), e.at);
            }
            LvsAction::Add => {
                removed.remove(&(e.node, rs));
            }
            LvsAction::Connect => {
                checked += 1;
                if let Some(r) = removed.get(&(e.node, rs)) {
                    after_removal += 1;
                    if violations.len() < 3 {
                        violations.push(format!(
                            "{} sent {} to {rs} at {}s, removed at {}s",
                            e.node,
                            e.client.unwrap_or("?"),
                            Secs(e.at),
                            Secs(*r)
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    let ever_removed = entries(timeline).any(|e| {
        e.action == LvsAction::Remove && server.is_none_or(|s| server_matches(s, e.rs, e.rs_node))
    });
    let passed = after_removal == 0 && ever_removed && checked > 0;
    let measured = if !ever_removed {
        "no real server was ever removed (nothing to check)".into()
    } else if after_removal == 0 {
        format!("{checked} new connections, none to a removed server")
    } else {
        format!(
            "{after_removal} of {checked} new connections went to a removed server: {}",
            violations.join("; ")
        )
    };
    Verdict {
        expectation: desc,
        passed,
        measured,
    }
}

/// `Persistence`: on each director, consecutive new connections of one client go to the same real server unless
/// the gap exceeds `timeout` or that server left (or re-entered) the director's table in between.
pub fn persistence(timeline: &Timeline, timeout: Duration, min_reused: u32) -> Verdict {
    let desc = format!(
        "persistence {}: a client's connections stay on one real server",
        format_duration(timeout)
    );
    // (director, client ip) -> last (time, real server)
    let mut last: BTreeMap<(&str, std::net::IpAddr), (Instant, &str)> = BTreeMap::new();
    // (director, real server) -> time of its last table change
    let mut changed: BTreeMap<(&str, &str), Instant> = BTreeMap::new();
    let (mut reused, mut moved_ok, mut violations) = (0u64, 0u64, vec![]);
    let mut bad = 0u64;
    for e in entries(timeline) {
        let Some(rs) = e.rs else { continue };
        match e.action {
            LvsAction::Add | LvsAction::Remove => {
                changed.insert((e.node, rs), e.at);
            }
            LvsAction::Connect => {
                let Some(client) = e.client.and_then(|c| c.parse::<SocketAddr>().ok()) else {
                    continue;
                };
                let key = (e.node, client.ip());
                if let Some((t, prev)) = last.get(&key).copied() {
                    let within = e.at - t <= timeout;
                    let table_changed = changed.get(&(e.node, prev)).is_some_and(|c| *c > t);
                    if prev == rs {
                        if within {
                            reused += 1;
                        }
                    } else if !within || table_changed {
                        moved_ok += 1;
                    } else {
                        bad += 1;
                        if violations.len() < 3 {
                            violations.push(format!(
                                "{} moved {} from {prev} to {rs} at {}s",
                                e.node,
                                client.ip(),
                                Secs(e.at)
                            ));
                        }
                    }
                }
                last.insert(key, (e.at, rs));
            }
            _ => {}
        }
    }
    let passed = bad == 0 && reused >= u64::from(min_reused);
    let measured = if bad == 0 {
        format!(
            "{reused} connections reused their client's real server, {moved_ok} moved after a removal or expiry (minimum reused {min_reused})"
        )
    } else {
        format!(
            "{bad} connections changed real server while the template held: {}",
            violations.join("; ")
        )
    };
    Verdict {
        expectation: desc,
        passed,
        measured,
    }
}
