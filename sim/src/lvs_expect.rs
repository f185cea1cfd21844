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
    vs: Option<&'a str>,
    rs: Option<&'a str>,
    rs_node: Option<&'a str>,
    client: Option<&'a str>,
}

fn entries(timeline: &Timeline) -> impl Iterator<Item = LvsEntry<'_>> {
    timeline.entries.iter().filter_map(|e| match &e.event {
        Event::Lvs {
            action,
            vs,
            rs,
            rs_node,
            client,
            ..
        } => Some(LvsEntry {
            at: e.at,
            node: e.node.as_deref()?,
            action: *action,
            vs: vs.as_deref(),
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

/// `PersistenceAcrossFailover`: per client, the real server of its last new connection through a director before
/// `after` against that of its first new connection through another director after `after`. With `survives`, every
/// such client must keep its server; without, at least one must move (the new master scheduled afresh).
pub fn persistence_across_failover(
    timeline: &Timeline,
    after: Instant,
    survives: bool,
    min_clients: u32,
) -> Verdict {
    let desc = format!(
        "persistence {} the director failover at {}s",
        if survives {
            "survives"
        } else {
            "does not survive"
        },
        Secs(after)
    );
    // client ip -> (director, real server) of the last connection before `after`.
    let mut before: BTreeMap<std::net::IpAddr, (&str, &str)> = BTreeMap::new();
    // client ip -> (director, real server, time) of the first connection after `after` via another director.
    let mut first_after: BTreeMap<std::net::IpAddr, (&str, &str, Instant)> = BTreeMap::new();
    for e in entries(timeline) {
        if e.action != LvsAction::Connect {
            continue;
        }
        let (Some(rs), Some(client)) = (e.rs, e.client.and_then(|c| c.parse::<SocketAddr>().ok()))
        else {
            continue;
        };
        if e.at < after {
            before.insert(client.ip(), (e.node, rs));
        } else if let Some((old, _)) = before.get(&client.ip()) {
            if *old != e.node {
                first_after.entry(client.ip()).or_insert((e.node, rs, e.at));
            }
        }
    }
    let (mut kept, mut moved) = (0u32, vec![]);
    for (client, (new_dir, rs, at)) in &first_after {
        let Some((old_dir, old_rs)) = before.get(client) else {
            continue;
        };
        if rs == old_rs {
            kept += 1;
        } else {
            moved.push(format!(
                "{client}: {old_rs} via {old_dir}, then {rs} via {new_dir} at {}s",
                Secs(*at)
            ));
        }
    }
    let seen = kept + moved.len() as u32;
    let passed = seen >= min_clients.max(1)
        && if survives {
            moved.is_empty()
        } else {
            !moved.is_empty()
        };
    let mut measured = format!(
        "{seen} clients connected through both directors: {kept} kept their real server, {} moved",
        moved.len()
    );
    if !moved.is_empty() {
        measured.push_str(&format!(" ({})", moved.join("; ")));
    }
    Verdict {
        expectation: desc,
        passed,
        measured,
    }
}

/// `QuorumChange`: on each director (or `director`) that recorded quorum changes (of virtual server `vs`, if
/// given), the first one in direction `up` after `after` lies in `[after + min, after + within]`.
pub fn quorum_change(
    timeline: &Timeline,
    up: bool,
    after: Instant,
    (min, within): (Duration, Duration),
    (director, vs): (Option<&str>, Option<&str>),
) -> Verdict {
    let what = if up { "quorum_up" } else { "quorum_down" };
    let desc = format!(
        "{what} between {} and {} after {}s{}{}",
        format_duration(min),
        format_duration(within),
        Secs(after),
        vs.map(|v| format!(" of {v}")).unwrap_or_default(),
        director.map(|d| format!(" on {d}")).unwrap_or_default()
    );
    let want = if up {
        LvsAction::QuorumUp
    } else {
        LvsAction::QuorumDown
    };
    // Directors with any quorum entry, and each one's first entry of the wanted kind after `after`.
    let mut first: BTreeMap<&str, Option<Instant>> = BTreeMap::new();
    for e in entries(timeline) {
        if director.is_some_and(|d| d != e.node)
            || vs.is_some_and(|v| e.vs != Some(v))
            || !matches!(e.action, LvsAction::QuorumUp | LvsAction::QuorumDown)
        {
            continue;
        }
        let slot = first.entry(e.node).or_insert(None);
        if slot.is_none() && e.action == want && e.at >= after {
            *slot = Some(e.at);
        }
    }
    if first.is_empty() {
        return Verdict {
            expectation: desc,
            passed: false,
            measured: "no director recorded a quorum change".into(),
        };
    }
    let mut passed = true;
    let mut parts = vec![];
    for (d, t) in first {
        match t {
            Some(t) => {
                let took = t - after;
                passed &= took >= min && took <= within;
                parts.push(format!(
                    "{d}: {what} at {}s ({:.3} ms after)",
                    Secs(t),
                    millis_f64(took)
                ));
            }
            None => {
                passed = false;
                parts.push(format!("{d}: no {what} after {}s", Secs(after)));
            }
        }
    }
    Verdict {
        expectation: desc,
        passed,
        measured: parts.join("; "),
    }
}

/// `SorryServerWhileQuorumDown`: each new connection goes to `sorry` exactly when its director's virtual server
/// is without quorum.
pub fn sorry_server_while_quorum_down(
    timeline: &Timeline,
    sorry: &str,
    min_connections: u32,
) -> Verdict {
    let desc = format!("clients go to sorry server {sorry} exactly while quorum is down");
    // (director, virtual server) -> quorum down since
    let mut down: BTreeMap<(&str, &str), Instant> = BTreeMap::new();
    let (mut to_sorry, mut to_real, mut bad) = (0u64, 0u64, vec![]);
    let mut bad_count = 0u64;
    for e in timeline.entries.iter() {
        let Event::Lvs {
            action,
            vs,
            rs,
            rs_node,
            client,
            ..
        } = &e.event
        else {
            continue;
        };
        let (Some(node), Some(vs)) = (e.node.as_deref(), vs.as_deref()) else {
            continue;
        };
        match action {
            LvsAction::QuorumDown => {
                down.insert((node, vs), e.at);
            }
            LvsAction::QuorumUp => {
                down.remove(&(node, vs));
            }
            LvsAction::Connect => {
                let is_sorry = server_matches(sorry, rs.as_deref(), rs_node.as_deref());
                let without_quorum = down.contains_key(&(node, vs));
                if is_sorry {
                    to_sorry += 1;
                } else {
                    to_real += 1;
                }
                if is_sorry != without_quorum {
                    bad_count += 1;
                    if bad.len() < 3 {
                        bad.push(format!(
                            "{node} sent {} to {} at {}s with quorum {}",
                            client.as_deref().unwrap_or("?"),
                            rs.as_deref().unwrap_or("?"),
                            Secs(e.at),
                            if without_quorum { "down" } else { "up" }
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    let min = u64::from(min_connections.max(1));
    let passed = bad_count == 0 && to_sorry >= min && to_real >= min;
    let mut measured = format!(
        "{to_sorry} new connections to the sorry server, {to_real} to real servers, {bad_count} on the wrong side"
    );
    if !bad.is_empty() {
        measured.push_str(&format!(": {}", bad.join("; ")));
    }
    Verdict {
        expectation: desc,
        passed,
        measured,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lvs(
        t: &mut Timeline,
        secs: u64,
        node: &str,
        action: LvsAction,
        rs: &str,
        client: Option<&str>,
    ) {
        t.push(
            Instant::ZERO + Duration::from_secs(secs),
            Some(node),
            Event::Lvs {
                action,
                vs: Some("10.0.0.1:80/TCP".into()),
                rs: Some(rs.into()),
                rs_node: Some(
                    if rs.starts_with("10.0.0.21") {
                        "rs1"
                    } else {
                        "rs2"
                    }
                    .into(),
                ),
                client: client.map(str::to_string),
                detail: String::new(),
            },
        );
    }

    const RS1: &str = "10.0.0.21:80";
    const RS2: &str = "10.0.0.22:80";

    #[test]
    fn removal_is_measured_per_director_from_the_fault() {
        let mut t = Timeline::default();
        lvs(&mut t, 0, "lb1", LvsAction::Add, RS1, None);
        lvs(&mut t, 0, "lb2", LvsAction::Add, RS1, None);
        lvs(&mut t, 52, "lb1", LvsAction::Remove, RS1, None);
        let after = Instant::ZERO + Duration::from_secs(30);
        let v = real_server_removed(&t, "rs1", after, Duration::from_secs(27), None);
        assert!(!v.passed, "lb2 never removed it");
        assert_eq!(
            v.measured,
            "lb1 removed it at 52.000000s (22000.000 ms after); lb2 never removed it"
        );
        let v = real_server_removed(&t, "10.0.0.21", after, Duration::from_secs(22), Some("lb1"));
        assert!(v.passed, "{}", v.measured);
        let v = real_server_removed(&t, RS1, after, Duration::from_secs(21), Some("lb1"));
        assert!(!v.passed);
        let v = real_server_removed(&t, "rs2", after, Duration::from_secs(27), None);
        assert!(!v.passed);
        assert_eq!(
            v.measured,
            "no director had rs2 in its IPVS table at 30.000000s"
        );
    }

    #[test]
    fn a_connection_to_a_removed_server_fails_until_it_is_added_back() {
        let mut t = Timeline::default();
        lvs(&mut t, 0, "lb1", LvsAction::Add, RS1, None);
        lvs(&mut t, 10, "lb1", LvsAction::Remove, RS1, None);
        lvs(
            &mut t,
            11,
            "lb2",
            LvsAction::Connect,
            RS1,
            Some("10.0.0.50:49152"),
        );
        let v = no_connections_to_removed(&t, None);
        assert!(v.passed, "lb2 had not removed it: {}", v.measured);
        lvs(
            &mut t,
            12,
            "lb1",
            LvsAction::Connect,
            RS1,
            Some("10.0.0.50:49153"),
        );
        let v = no_connections_to_removed(&t, Some("rs1"));
        assert!(!v.passed);
        assert_eq!(
            v.measured,
            "1 of 2 new connections went to a removed server: lb1 sent 10.0.0.50:49153 to 10.0.0.21:80 at 12.000000s, removed at 10.000000s"
        );
        let mut t2 = Timeline::default();
        lvs(&mut t2, 0, "lb1", LvsAction::Add, RS1, None);
        lvs(
            &mut t2,
            1,
            "lb1",
            LvsAction::Connect,
            RS1,
            Some("10.0.0.50:1"),
        );
        assert!(!no_connections_to_removed(&t2, None).passed, "vacuous");
    }

    #[test]
    fn persistence_across_failover_compares_each_clients_server_on_both_directors() {
        let mut t = Timeline::default();
        let (c1, c2) = (Some("10.0.0.50:1000"), Some("10.0.0.51:1000"));
        lvs(&mut t, 1, "lb1", LvsAction::Connect, RS1, c1);
        lvs(&mut t, 2, "lb1", LvsAction::Connect, RS2, c2);
        lvs(&mut t, 12, "lb2", LvsAction::Connect, RS1, c1);
        lvs(&mut t, 13, "lb2", LvsAction::Connect, RS2, c2);
        // Later connections do not count: only the first through the new master.
        lvs(&mut t, 14, "lb2", LvsAction::Connect, RS1, c2);
        let after = Instant::ZERO + Duration::from_secs(10);
        let v = persistence_across_failover(&t, after, true, 2);
        assert!(v.passed, "{}", v.measured);
        assert!(!persistence_across_failover(&t, after, false, 2).passed);
        assert!(
            !persistence_across_failover(&t, after, true, 3).passed,
            "too few clients"
        );
        let mut t2 = Timeline::default();
        lvs(&mut t2, 1, "lb1", LvsAction::Connect, RS1, c1);
        lvs(&mut t2, 12, "lb2", LvsAction::Connect, RS2, c1);
        let v = persistence_across_failover(&t2, after, true, 1);
        assert!(!v.passed);
        assert_eq!(
            v.measured,
            "1 clients connected through both directors: 0 kept their real server, 1 moved (10.0.0.50: 10.0.0.21:80 via lb1, then 10.0.0.22:80 via lb2 at 12.000000s)"
        );
        assert!(persistence_across_failover(&t2, after, false, 1).passed);
    }

    fn quorum(t: &mut Timeline, secs: u64, node: &str, up: bool) {
        t.push(
            Instant::ZERO + Duration::from_secs(secs),
            Some(node),
            Event::Lvs {
                action: if up {
                    LvsAction::QuorumUp
                } else {
                    LvsAction::QuorumDown
                },
                vs: Some("10.0.0.1:80/TCP".into()),
                rs: None,
                rs_node: None,
                client: None,
                detail: String::new(),
            },
        );
    }

    #[test]
    fn quorum_change_is_bounded_from_both_sides_per_director() {
        let mut t = Timeline::default();
        quorum(&mut t, 58, "lb1", false);
        quorum(&mut t, 125, "lb1", true);
        let s = |x| Duration::from_secs(x);
        let at = |x| Instant::ZERO + Duration::from_secs(x);
        let v = quorum_change(&t, false, at(50), (s(7), s(13)), (None, None));
        assert!(v.passed, "{}", v.measured);
        assert_eq!(
            v.measured,
            "lb1: quorum_down at 58.000000s (8000.000 ms after)"
        );
        assert!(!quorum_change(&t, false, at(50), (s(9), s(13)), (None, None)).passed);
        assert!(
            quorum_change(
                &t,
                true,
                at(90),
                (s(30), s(36)),
                (Some("lb1"), Some("10.0.0.1:80/TCP"))
            )
            .passed
        );
        assert!(
            !quorum_change(&t, true, at(90), (s(36), s(40)), (None, None)).passed,
            "too early"
        );
        assert!(
            !quorum_change(
                &t,
                true,
                at(90),
                (s(30), s(36)),
                (None, Some("10.0.0.2:80/TCP"))
            )
            .passed
        );
        let v = quorum_change(&t, true, at(130), (s(0), s(40)), (None, None));
        assert_eq!(v.measured, "lb1: no quorum_up after 130.000000s");
        assert!(
            !quorum_change(
                &Timeline::default(),
                true,
                at(0),
                (s(0), s(1)),
                (None, None)
            )
            .passed
        );
    }

    #[test]
    fn sorry_server_takes_exactly_the_connections_made_without_quorum() {
        let mut t = Timeline::default();
        let c = Some("10.0.0.50:1000");
        lvs(&mut t, 1, "lb1", LvsAction::Connect, RS1, c);
        quorum(&mut t, 2, "lb1", false);
        lvs(&mut t, 3, "lb1", LvsAction::Connect, RS2, c);
        quorum(&mut t, 4, "lb1", true);
        lvs(&mut t, 5, "lb1", LvsAction::Connect, RS1, c);
        let v = sorry_server_while_quorum_down(&t, "rs2", 1);
        assert!(v.passed, "{}", v.measured);
        assert!(!sorry_server_while_quorum_down(&t, "rs2", 2).passed);
        lvs(&mut t, 6, "lb1", LvsAction::Connect, RS2, c);
        let v = sorry_server_while_quorum_down(&t, "rs2", 1);
        assert!(!v.passed);
        assert_eq!(
            v.measured,
            "2 new connections to the sorry server, 2 to real servers, 1 on the wrong side: lb1 sent 10.0.0.50:1000 to 10.0.0.22:80 at 6.000000s with quorum up"
        );
    }

    #[test]
    fn persistence_allows_a_move_only_after_removal_or_expiry() {
        let mut t = Timeline::default();
        let c = Some("10.0.0.50:1000");
        lvs(&mut t, 1, "lb1", LvsAction::Connect, RS1, c);
        lvs(&mut t, 2, "lb1", LvsAction::Connect, RS1, c);
        lvs(&mut t, 3, "lb1", LvsAction::Remove, RS1, None);
        lvs(&mut t, 4, "lb1", LvsAction::Connect, RS2, c);
        // Another director has its own (empty) template table.
        lvs(&mut t, 5, "lb2", LvsAction::Connect, RS1, c);
        // Expired: more than 100 s since the last connection.
        lvs(&mut t, 200, "lb1", LvsAction::Connect, RS1, c);
        let v = persistence(&t, Duration::from_secs(100), 1);
        assert!(v.passed, "{}", v.measured);
        assert!(!persistence(&t, Duration::from_secs(100), 2).passed);
        lvs(&mut t, 201, "lb1", LvsAction::Connect, RS2, c);
        let v = persistence(&t, Duration::from_secs(100), 1);
        assert!(!v.passed);
        assert_eq!(
            v.measured,
            "1 connections changed real server while the template held: lb1 moved 10.0.0.50 from 10.0.0.21:80 to 10.0.0.22:80 at 201.000000s"
        );
    }
}
