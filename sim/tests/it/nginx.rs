//! nginx behind keepalived in the simulator: the seed's nginx pair end to end (scenarios/nginx_failover.ron and
//! scenarios/nginx_script_stop.ron), tshark on the capture (the client's and the proxied HTTP), the chk_nginx.sh
//! model under keepalived's script timeout, and located errors for nginx configs in scenarios.

use crate::tshark::{assert_clean, fields, tshark_available};
use crate::util;
use sim::host::nginx::NginxAction;
use sim::runner::RunResult;
use sim::timeline::Event;

/// Every expectation of the run held (the failing ones are listed otherwise).
fn assert_all_passed(r: &RunResult) {
    let failed: Vec<String> = r
        .report
        .expectations
        .iter()
        .filter(|v| !v.passed)
        .map(|v| format!("{}: {}", v.expectation, v.measured))
        .collect();
    assert!(failed.is_empty() && r.report.passed, "{failed:#?}");
}

/// (time s, node, action, server, detail) of every nginx timeline entry.
fn nginx_events(r: &RunResult) -> Vec<(f64, String, NginxAction, String, String)> {
    r.timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Nginx {
                action,
                server,
                detail,
            } => Some((
                e.t,
                e.node.clone().unwrap_or_default(),
                *action,
                server.clone().unwrap_or_default(),
                detail.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn script_lines(r: &RunResult, node: &str, from: f64, to: f64) -> Vec<(f64, String)> {
    nginx_events(r)
        .into_iter()
        .filter(|e| {
            e.1 == node
                && (from..to).contains(&e.0)
                && matches!(e.2, NginxAction::Script | NginxAction::StopKeepalived)
        })
        .map(|e| (e.0, e.4))
        .collect()
}

#[test]
fn seed_nginx_failover_scenario_passes() {
    let l = util::load("nginx_failover.ron");
    let r = util::run(&l, l.scenario.seed);
    assert_all_passed(&r);
    assert_eq!(r.report.expectations.len(), 10);
}

#[test]
fn seed_chk_nginx_is_killed_at_its_2s_timeout_so_keepalived_stop_never_runs() {
    let l = util::load("nginx_failover.ron");
    let r = util::run(&l, l.scenario.seed);
    // Restartable death at 10.5 s: the 12 s run starts nginx and is killed at 14 s (a failed run); the 14 s run
    // is skipped; the 16 s run succeeds.
    assert_eq!(
        script_lines(&r, "lb1", 10.0, 17.0),
        vec![
            (12.0, STARTED.into()),
            (14.0, SKIPPED.into()),
            (14.0, "chk_nginx timed out after 2s and was killed".into()),
            (16.0, "chk_nginx exited 0 (nginx running)".into()),
        ]
    );
    // Never the keepalived stop, and lb1's keepalived keeps running as BACKUP after lb2 took over.
    assert!(nginx_events(&r)
        .iter()
        .all(|e| e.2 != NginxAction::StopKeepalived));
    let lb1_down = r.timeline.entries.iter().any(|e| {
        e.node.as_deref() == Some("lb1")
            && matches!(&e.event, Event::State { to, .. } if *to == sim::timeline::VrrpState::Down)
    });
    assert!(!lb1_down);
}

#[test]
fn seed_nginx_upstream_max_fails_2_disables_rs1_for_fail_timeout_then_probes_it() {
    let l = util::load("nginx_failover.ron");
    let r = util::run(&l, l.scenario.seed);
    let rs1 = "192.168.145.201:80";
    let ev: Vec<_> = nginx_events(&r)
        .into_iter()
        .filter(|e| e.1 == "lb2" && e.3 == rs1)
        .collect();
    let disabled: Vec<f64> = ev
        .iter()
        .filter(|e| e.2 == NginxAction::Disabled)
        .map(|e| e.0)
        .collect();
    assert_eq!(disabled.len(), 2, "{ev:?}");
    // No attempt reaches rs1 between a disabling and the end of its window (floor(t) + 31 s).
    for d in &disabled {
        let end = d.floor() + 31.0;
        assert!(
            !ev.iter()
                .any(|e| e.2 == NginxAction::Attempt && e.0 > *d && e.0 < end),
            "attempt inside the window after {d}"
        );
    }
    // The second probe, after rs1 came back at 95 s, clears its failures.
    let recovered: Vec<f64> = ev
        .iter()
        .filter(|e| e.2 == NginxAction::Recovered)
        .map(|e| e.0)
        .collect();
    assert_eq!(recovered.len(), 1);
    assert!(recovered[0] >= disabled[1].floor() + 31.0);
    // The client never saw the upstream failure: every request from 40 s on was answered 200.
    let failed_after_40 = r
        .timeline
        .entries
        .iter()
        .filter(|e| e.t >= 40.0)
        .filter(|e| matches!(&e.event, Event::Request { outcome, .. } if !matches!(outcome, sim::host::app::Outcome::Ok { .. })))
        .count();
    assert_eq!(failed_after_40, 0);
}

const STARTED: &str = "chk_nginx: no nginx process; started /usr/sbin/nginx, sleeping 3s";
const SKIPPED: &str = "track script chk_nginx is already running - skipping run";

#[test]
fn chk_nginx_with_timeout_5_restarts_nginx_cleanly_then_stops_keepalived() {
    let l = util::load("nginx_script_stop.ron");
    let r = util::run(&l, l.scenario.seed);
    assert_all_passed(&r);
    assert_eq!(
        script_lines(&r, "lb1", 10.0, 40.0),
        vec![
            (12.0, STARTED.into()),
            // The 14 s (and 34 s) run finds the script still sleeping: with timeout 5 nothing kills it.
            (14.0, SKIPPED.into()),
            (15.0, "chk_nginx exited 0 (nginx restarted)".into()),
            (32.0, STARTED.into()),
            (34.0, SKIPPED.into()),
            (
                35.0,
                "chk_nginx: nginx still down after 3s: /etc/init.d/keepalived stop".into()
            ),
        ]
    );
}

#[test]
fn nginx_failover_capture_decodes_cleanly_in_tshark_with_client_and_proxied_http() {
    if !tshark_available() {
        return;
    }
    let l = util::load("nginx_failover.ron");
    let r = util::run(&l, l.scenario.seed);
    let dir = util::tempdir("tshark-nginx-failover");
    let file = dir.join("capture.pcapng");
    std::fs::write(&file, &r.capture).unwrap();
    assert!(assert_clean(&file) > 0);
    // Client → VIP requests and nginx → upstream requests both decode as HTTP GETs.
    let to_vip = fields(
        &file,
        "http.request && ip.dst == 192.168.145.200",
        "http.host",
    );
    assert!(to_vip.len() > 500, "{}", to_vip.len());
    let upstream_hosts = fields(
        &file,
        "http.request && (ip.dst == 192.168.145.201 || ip.dst == 192.168.145.207)",
        "http.host",
    );
    assert!(!upstream_hosts.is_empty());
    // nginx sends `Host: $proxy_host`, the upstream block's name.
    assert!(
        upstream_hosts.iter().all(|h| h == "web_app"),
        "{upstream_hosts:?}"
    );
    // Every answer nginx gave the client was the upstream's 200, relayed with `Server: nginx`.
    let codes = fields(
        &file,
        "http.response && ip.src == 192.168.145.200",
        "http.response.code",
    );
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "200"),
        "{codes:?}"
    );
    let servers = fields(
        &file,
        "http.response && ip.src == 192.168.145.200",
        "http.server",
    );
    assert!(servers.iter().all(|s| s == "nginx"));
    // While rs1 refused, nginx's attempts to it were answered by RST.
    let rst_from_rs1 = fields(
        &file,
        "tcp.flags.reset == 1 && ip.src == 192.168.145.201 && frame.time_epoch >= 50 && frame.time_epoch < 95",
        "frame.number",
    );
    assert!(!rst_from_rs1.is_empty());
}

#[test]
fn nginx_script_stop_capture_has_lb1_priority_0_advert_and_decodes_cleanly() {
    if !tshark_available() {
        return;
    }
    let l = util::load("nginx_script_stop.ron");
    let r = util::run(&l, l.scenario.seed);
    let dir = util::tempdir("tshark-nginx-script-stop");
    let file = dir.join("capture.pcapng");
    std::fs::write(&file, &r.capture).unwrap();
    assert_clean(&file);
    let zero = fields(
        &file,
        "vrrp.prio == 0 && ip.src == 192.168.145.11",
        "frame.time_epoch",
    );
    assert!(!zero.is_empty());
    let t: f64 = zero[0].parse().unwrap();
    assert!((35.0..35.01).contains(&t), "{t}");
}

#[test]
fn nginx_runs_are_deterministic() {
    let l = util::load("nginx_failover.ron");
    let a = util::run(&l, 7);
    let b = util::run(&l, 7);
    assert_eq!(a.capture, b.capture);
    assert_eq!(
        serde_json::to_string(&a.timeline).unwrap(),
        serde_json::to_string(&b.timeline).unwrap()
    );
}

const BASE: &str = r#"Scenario(
    duration: "5s",
    segments: [(name: "lan")],
    nodes: [
        Router(name: "lb1", segment: "lan", ip: "192.168.145.11/24",
            config: File("configs/seed/nginx_lb.keepalived.conf"),
            nginx: (config: NGINX, check_script: "SCRIPT")),
        Host(name: "rs1", segment: "lan", ip: "192.168.145.201/24"),
    ],
    faults: [FAULT],
)"#;

fn scenario_error(nginx: &str, script: &str, fault: &str) -> String {
    let text = BASE
        .replace("NGINX", nginx)
        .replace("SCRIPT", script)
        .replace("FAULT", fault);
    let p = util::repo().join("scenarios").join("bad_nginx.ron");
    match sim::scenario::parse_str(&p, &text) {
        Err(e) => e.to_string(),
        Ok(l) => match sim::world::World::build(&l, 1) {
            Err(e) => e.to_string(),
            Ok(_) => "no error".into(),
        },
    }
}

#[test]
fn nginx_config_errors_in_a_scenario_carry_the_nginx_file_line_col() {
    let e = scenario_error(
        r#"Inline("upstream u {\n  server 192.168.145.201 weight=x;\n}\nserver { location / { proxy_pass http://u; } }")"#,
        "chk_nginx",
        "",
    );
    assert!(
        e.ends_with("bad_nginx.ron:2:26: nginx: invalid parameter \"weight=x\""),
        "{e}"
    );
}

#[test]
fn check_script_must_name_a_vrrp_script_of_the_router() {
    let e = scenario_error(
        r#"File("configs/seed/nginx_upstream.conf")"#,
        "chk_nope",
        "",
    );
    assert!(
        e.contains("check_script \"chk_nope\" is not a vrrp_script keepalived would run"),
        "{e}"
    );
}

#[test]
fn kill_nginx_on_a_node_without_nginx_is_a_located_error() {
    let e = scenario_error(
        r#"File("configs/seed/nginx_upstream.conf")"#,
        "chk_nginx",
        r#"(at: "1s", fault: KillNginx(node: "rs1"))"#,
    );
    assert!(e.contains("\"rs1\" is not a Router node with nginx"), "{e}");
    assert!(e.contains("bad_nginx.ron:"), "{e}");
}

/// chk_nginx.sh's model alone: a vrrp_script block with `extra` lines, nginx up while `up(t)` holds (in
/// seconds; a start it asks for succeeds when `restartable`). Returns (time s, action) up to `until` s.
fn drive_chk(
    extra: &str,
    up: impl Fn(f64) -> bool,
    restartable: bool,
    until: f64,
) -> Vec<(f64, String)> {
    use sim::host::nginx::{ChkAction, ChkNginx};
    use sim::time::{Duration, Instant};
    let text = format!(
        "vrrp_script chk_nginx {{\n script \"/etc/keepalived/chk_nginx.sh\"\n interval 2\n weight -2\n {extra}\n}}\n"
    );
    let opts = keepalived_conf::ParseOptions {
        check_scripts: false,
        ..Default::default()
    };
    let parsed = keepalived_conf::parse_str(&text, std::path::Path::new("chk.conf"), &opts);
    let mut chk = ChkNginx::new(&parsed.config, "chk_nginx", Duration::from_secs(3)).unwrap();
    let mut timeline = sim::timeline::Timeline::default();
    let mut restarted_at: Option<f64> = None;
    let mut out = vec![];
    chk.start(Instant::ZERO);
    while let Some(t) = chk.poll_at() {
        let s = sim::time::secs_f64(t);
        if s > until {
            break;
        }
        let running = up(s) || restarted_at.is_some_and(|r| s >= r);
        let mut acts = vec![];
        chk.poll(t, running, &mut acts, &mut timeline, "lb1");
        for a in acts {
            if a == ChkAction::StartNginx && restartable {
                restarted_at = Some(s);
            }
            out.push((s, format!("{a:?}")));
        }
    }
    out
}

#[test]
fn keepalived_reports_the_first_script_result_at_start_up() {
    // SCRIPT_INIT_STATE_INIT: result starts at rise - 1, so the first success reports the script up.
    let acts = drive_chk("", |_| true, true, 3.0);
    assert_eq!(acts, vec![(0.0, "Track(true)".to_string())]);
}

#[test]
fn chk_nginx_fall_2_needs_two_killed_runs_before_the_weight_applies() {
    // nginx dies at 5 s for good. Runs at 6 and 10 s are killed at 8 and 12 s (the 8 s and 12 s runs are
    // skipped: still running); with fall 2 the second failure reports the script down.
    let acts = drive_chk("fall 2\n rise 2", |t| t < 5.0, false, 13.0);
    assert_eq!(
        acts,
        vec![
            (0.0, "Track(true)".to_string()),
            (6.0, "StartNginx".to_string()),
            (10.0, "StartNginx".to_string()),
            (12.0, "Track(false)".to_string()),
        ]
    );
}

#[test]
fn chk_nginx_timeout_equal_to_its_sleep_still_kills_the_script() {
    // `sleep 3` plus ps and the shell take longer than 3 s: a 3 s timeout kills the run before the stop.
    let acts = drive_chk("timeout 3", |t| t < 1.0, false, 5.5);
    assert_eq!(
        acts,
        vec![
            (0.0, "Track(true)".to_string()),
            (2.0, "StartNginx".to_string()),
            (5.0, "Track(false)".to_string()),
        ]
    );
}

#[test]
fn chk_nginx_timeout_longer_than_its_sleep_stops_keepalived_3s_after_the_failed_start() {
    let acts = drive_chk("timeout 4", |t| t < 1.0, false, 5.5);
    assert_eq!(
        acts,
        vec![
            (0.0, "Track(true)".to_string()),
            (2.0, "StartNginx".to_string()),
            (5.0, "StopKeepalived".to_string()),
        ]
    );
}
