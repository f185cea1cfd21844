//! LVS in the simulator: the seed's LVS-DR cluster end to end (scenarios/lvs_dr_failover.ron), tshark on its
//! capture (including the HTTP of checkers and clients), and each scripted real-server failure mode against
//! keepalived's HTTP_GET detection times.

use crate::tshark::{assert_clean, tshark_available};
use crate::util;
use sim::lvs_host::LvsAction;
use sim::runner::RunResult;
use sim::timeline::Event;
use std::path::Path;

pub(crate) fn fields(file: &Path, filter: &str, field: &str) -> Vec<String> {
    crate::tshark::fields(file, filter, field)
}

/// [`fields`] with tshark preferences (`"tcp.check_checksum:TRUE"`, ...).
pub(crate) fn fields_with(file: &Path, prefs: &[&str], filter: &str, field: &str) -> Vec<String> {
    crate::tshark::query(file, prefs, filter, &[field])
}

/// (time s, node, action, real server "ip:port", detail) of every LVS timeline entry.
pub(crate) fn lvs_events(r: &RunResult) -> Vec<(f64, String, LvsAction, String, String)> {
    lvs_events_ns(r)
        .into_iter()
        .map(|(t, n, a, rs, d)| (t as f64 / 1e9, n, a, rs, d))
        .collect()
}

/// Like [`lvs_events`] with exact times in nanoseconds.
pub(crate) fn lvs_events_ns(r: &RunResult) -> Vec<(u64, String, LvsAction, String, String)> {
    r.timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Lvs {
                action, rs, detail, ..
            } => Some((
                sim::time::nanos(e.at),
                e.node.clone().unwrap_or_default(),
                *action,
                rs.clone().unwrap_or_default(),
                detail.clone(),
            )),
            _ => None,
        })
        .collect()
}

pub(crate) fn assert_all_passed(r: &RunResult) {
    for v in &r.report.expectations {
        assert!(v.passed, "{}: {}", v.expectation, v.measured);
    }
    assert!(r.report.passed);
}

#[test]
fn lvs_dr_failover_scenario_passes() {
    let l = util::load("lvs_dr_failover.ron");
    let r = util::run(&l, l.scenario.seed);
    assert_all_passed(&r);
    assert_eq!(r.report.expectations.len(), 9);
    let ev = lvs_events(&r);
    // Both directors start with both real servers in the table (keepalived adds them before the first check).
    let adds_at_start: Vec<_> = ev
        .iter()
        .filter(|e| e.0 == 0.0 && e.2 == LvsAction::Add)
        .map(|e| (e.1.as_str(), e.3.as_str()))
        .collect();
    assert_eq!(
        adds_at_start,
        vec![
            ("lb1", "192.168.145.203:80"),
            ("lb1", "192.168.145.205:80"),
            ("lb2", "192.168.145.203:80"),
            ("lb2", "192.168.145.205:80"),
        ]
    );
    // The silent rs1 (crashed at 30 s) is removed by each director within (21 s, 27.1 s] for "Timeout connecting".
    for d in ["lb1", "lb2"] {
        let removal = ev
            .iter()
            .find(|e| e.1 == d && e.2 == LvsAction::Remove && e.3 == "192.168.145.203:80")
            .unwrap_or_else(|| panic!("{d} never removed rs1"));
        let after = removal.0 - 30.0;
        assert!(
            after > 21.0 && after <= 27.1,
            "{d}: removed {after} s after"
        );
        let failed = ev
            .iter()
            .find(|e| e.1 == d && e.2 == LvsAction::CheckFailed)
            .unwrap();
        assert!(
            failed.4.ends_with("failed: Timeout connecting"),
            "{}",
            failed.4
        );
    }
    // The VRRP backup never forwards: lb2 schedules connections only after it became master (93.2 s), lb1 only
    // before its crash.
    let masters_at = |node: &str| {
        r.timeline
            .entries
            .iter()
            .find_map(|e| match &e.event {
                Event::State { to, .. }
                    if e.node.as_deref() == Some(node)
                        && *to == sim::timeline::VrrpState::Master =>
                {
                    Some(e.t)
                }
                _ => None,
            })
            .unwrap()
    };
    let lb2_master = masters_at("lb2");
    assert!(lb2_master > 90.0);
    let connects = |node: &str| {
        ev.iter()
            .filter(|e| e.1 == node && e.2 == LvsAction::Connect)
            .map(|e| e.0)
            .collect::<Vec<_>>()
    };
    let (c1, c2) = (connects("lb1"), connects("lb2"));
    assert!(c1.len() > 100 && c2.len() > 20, "{} {}", c1.len(), c2.len());
    assert!(c1.iter().all(|t| *t < 90.0));
    assert!(c2.iter().all(|t| *t >= lb2_master));
}

#[test]
fn lvs_dr_failover_is_deterministic() {
    let l = util::load("lvs_dr_failover.ron");
    let a = util::run(&l, 7);
    let b = util::run(&l, 7);
    assert_eq!(a.capture, b.capture);
    assert_eq!(lvs_events(&a), lvs_events(&b));
}

#[test]
fn lvs_dr_failover_capture_decodes_cleanly_in_tshark_including_http() {
    if !tshark_available() {
        return;
    }
    let (_, file) = util::run_to_capture("lvs_dr_failover.ron", "tshark-lvs-dr");
    let vrrp = assert_clean(&file);
    assert!(vrrp > 100, "{vrrp} VRRP frames");
    // keepalived's HTTP_GET requests, exactly as it sends them, from both directors to both real servers.
    let checks = fields(
        &file,
        "http.request && http.user_agent == \"KeepAliveClient\"",
        "ip.src",
    );
    for d in ["192.168.145.201", "192.168.145.202"] {
        assert!(checks.iter().filter(|s| *s == d).count() >= 5, "{d}");
    }
    let uri = fields(
        &file,
        "http.request && ip.dst == 192.168.145.203",
        "http.request.uri",
    );
    assert!(uri.iter().all(|u| u == "/"), "{uri:?}");
    // Client requests to the VIP, answered from the VIP by the real servers directly (DR): 200, then 500 from rs2.
    let answers = fields(
        &file,
        "http.response && ip.src == 192.168.145.200",
        "http.response.code",
    );
    assert!(answers.iter().filter(|c| *c == "200").count() > 300);
    assert!(answers.iter().any(|c| c == "500"));
    let from = fields(
        &file,
        "http.response && ip.src == 192.168.145.200",
        "eth.src",
    );
    assert!(from
        .iter()
        .all(|m| m == "02:00:00:00:02:03" || m == "02:00:00:00:02:05"));
    // DR: the director re-sends the client's SYN unchanged at L3, to the real server's MAC.
    let fwd = fields(
        &file,
        "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.dst == 192.168.145.200 && eth.dst == 02:00:00:00:02:03",
        "eth.src",
    );
    assert!(!fwd.is_empty());
    assert!(fwd
        .iter()
        .all(|m| m == "02:00:00:00:01:01" || m == "02:00:00:00:01:02"));
    // arp_ignore: only the directors ever answer ARP for the VIP, never a real server.
    let arp = fields(
        &file,
        "arp.opcode == 2 && arp.src.proto_ipv4 == 192.168.145.200",
        "eth.src",
    );
    assert!(!arp.is_empty());
    assert!(arp
        .iter()
        .all(|m| m == "02:00:00:00:01:01" || m == "02:00:00:00:01:02"));
}

/// One director (HTTP_GET with the seed's timings, optional digest), one real server that switches to
/// `behaviour` at 20 s, one client. Returns the run.
fn behaviour_run(behaviour: &str, digest: Option<&str>) -> RunResult {
    faults_run(
        &format!(r#"[(at: "20s", fault: SetHttp(node: "rs1", http: {behaviour}))]"#),
        digest,
    )
}

/// Like [`behaviour_run`] with a whole fault list.
fn faults_run(faults: &str, digest: Option<&str>) -> RunResult {
    let digest = digest.map(|d| format!("digest {d}")).unwrap_or_default();
    let config = format!(
        r#"vrrp_instance VI_1 {{
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {{
        192.0.2.100
    }}
}}
virtual_server 192.0.2.100 80 {{
    delay_loop 6
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.0.2.21 80 {{
        weight 1
        HTTP_GET {{
            url {{
                path /
                status_code 200
                {digest}
            }}
            connect_timeout 3
            nb_get_retry 3
            delay_before_retry 3
        }}
    }}
}}
"#
    );
    let text = format!(
        r#"Scenario(
    duration: "60s",
    segments: [(name: "lan", link: (latency: "100us"))],
    nodes: [
        Router(name: "lb1", segment: "lan", ip: "192.0.2.11/24", config: Inline({config:?}), http_port: None),
        Host(name: "rs1", segment: "lan", ip: "192.0.2.21/24", loopback: ["192.0.2.100"]),
        Client(name: "c", segment: "lan", ip: "192.0.2.50/24", target: "192.0.2.100:80", interval: "1s", start: "5s"),
    ],
    faults: {faults},
)"#
    );
    let l = util::from_text("lvs_behaviour.ron", &text);
    util::run(&l, 3)
}

/// Seconds from the 20 s fault to rs1's removal, and the checker's failure text.
fn removal(r: &RunResult) -> Option<(f64, String)> {
    let ev = lvs_events(r);
    let removed = ev
        .iter()
        .find(|e| e.2 == LvsAction::Remove && e.0 >= 20.0)?;
    let failed = ev
        .iter()
        .find(|e| e.2 == LvsAction::CheckFailed && e.0 >= 20.0)?;
    Some((removed.0 - 20.0, failed.4.clone()))
}

#[test]
fn keepalived_http_get_refused_server_removed_after_retries_only() {
    // Each attempt fails in one round trip: removal = t1 + retry * delay_before_retry (+ 4 RTT), t1 <= 20 + 6 s.
    let r = behaviour_run("(refuse: true)", None);
    let (after, why) = removal(&r).expect("removed");
    assert!(after > 9.0 && after <= 15.1, "{after}");
    assert!(why.ends_with("failed: Connection failed"), "{why}");
}

#[test]
fn keepalived_http_get_hung_server_removed_after_read_timeouts() {
    let r = behaviour_run("(hang: true)", None);
    let (after, why) = removal(&r).expect("removed");
    assert!(after > 21.0 && after <= 27.1, "{after}");
    assert!(why.ends_with("failed: Timeout HTTP read"), "{why}");
}

#[test]
fn keepalived_http_get_status_500_removed() {
    let r = behaviour_run("(status: 500)", None);
    let (after, why) = removal(&r).expect("removed");
    assert!(after > 9.0 && after <= 15.1, "{after}");
    assert!(why.ends_with("HTTP status code error (500)"), "{why}");
    // The client sees the 500s as failures until the removal, then nothing serves it.
    assert!(r.report.clients["c"].ok < r.report.clients["c"].requests);
}

#[test]
fn keepalived_http_get_slow_beyond_connect_timeout_removed_slow_within_kept() {
    let r = behaviour_run("(delay: \"4s\")", None);
    let (after, why) = removal(&r).expect("removed");
    assert!(after > 21.0 && after <= 27.1, "{after}");
    assert!(why.ends_with("failed: Timeout HTTP read"), "{why}");
    let r = behaviour_run("(delay: \"2s\")", None);
    assert_eq!(removal(&r), None);
}

#[test]
fn keepalived_http_get_wrong_body_caught_only_by_digest() {
    let r = behaviour_run("(body: \"maintenance\\n\")", None);
    assert_eq!(removal(&r), None, "without digest a 200 passes");
    let good = lvs::check::genhash(b"rs1\n");
    let r = behaviour_run("(body: \"maintenance\\n\")", Some(&good));
    let (after, why) = removal(&r).expect("removed");
    assert!(after > 9.0 && after <= 15.1, "{after}");
    assert!(
        why.contains(&format!(
            "MD5 digest error ({})",
            lvs::check::genhash(b"maintenance\n")
        )),
        "{why}"
    );
}

#[test]
fn keepalived_http_get_recovered_server_added_back_after_two_passing_rounds() {
    // 500 from 20 s, healthy again at 40 s. While a server is down HTTP_GET checks every
    // max(delay_before_retry, delay_loop) = 6 s and needs two passing rounds: the add comes in (6 s, 12 s + ε].
    let r = faults_run(
        r#"[(at: "20s", fault: SetHttp(node: "rs1", http: (status: 500))), (at: "40s", fault: SetHttp(node: "rs1"))]"#,
        None,
    );
    assert!(removal(&r).is_some_and(|(after, _)| after <= 15.1));
    let back: Vec<f64> = lvs_events(&r)
        .into_iter()
        .filter(|e| e.0 > 20.0 && e.2 == LvsAction::Add)
        .map(|e| e.0 - 40.0)
        .collect();
    assert_eq!(back.len(), 1, "{back:?}");
    assert!(back[0] > 6.0 && back[0] <= 12.1, "{back:?}");
    assert!(r.timeline.entries.iter().any(|e| matches!(
        &e.event,
        Event::Lvs {
            action: LvsAction::NotifyUp,
            ..
        }
    ) && e.t > 40.0));
}

#[test]
fn lvs_dr_failover_removal_bound_is_tight_from_below() {
    // keepalived cannot remove a silent server in less than (retry + 1) * connect_timeout + retry *
    // delay_before_retry = 21 s after its first failing check: a 21 s bound must fail, with exit status 1.
    let l = util::load("lvs_dr_failover.ron");
    let text = l.text.replace(
        r#"RealServerRemoved(server: "rs1", after: "30s", within: "27.1s")"#,
        r#"RealServerRemoved(server: "rs1", after: "30s", within: "21s")"#,
    );
    assert_ne!(text, l.text);
    let l = util::from_text("lvs_dr_failover.ron", &text);
    let r = util::run(&l, l.scenario.seed);
    assert!(!r.report.passed);
    let failed: Vec<_> = r
        .report
        .expectations
        .iter()
        .filter(|v| !v.passed)
        .map(|v| v.expectation.as_str())
        .collect();
    assert_eq!(
        failed,
        vec!["real server rs1 removed within 21s after 30.000000s"]
    );
}
