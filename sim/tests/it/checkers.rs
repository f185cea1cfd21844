//! keepalived's UDP_CHECK, PING_CHECK, FILE_CHECK, BFD_CHECK and MISC_CHECK in the simulator
//! (scenarios/lvs_checkers_udp_ping_file_bfd_misc.ron): each removes and restores its real server with
//! keepalived's timing, and its traffic is in the capture, decoded cleanly by tshark (UDP datagrams and
//! ICMP port unreachable, ICMP echo, BFD control packets on UDP 3784).

use crate::tshark::tshark_available;
use crate::util;
use sim::lvs_host::LvsAction;
use sim::runner::RunResult;
use sim::timeline::Event;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const SCENARIO: &str = "lvs_checkers_udp_ping_file_bfd_misc.ron";

/// The scenario's run (once for every test here).
fn run() -> &'static RunResult {
    static R: OnceLock<RunResult> = OnceLock::new();
    R.get_or_init(|| {
        let l = util::load(SCENARIO);
        util::run(&l, l.scenario.seed)
    })
}

/// The capture on disk, for tshark.
fn capture() -> &'static PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let dir = util::tempdir("tshark-lvs-checkers");
        let file = dir.join("capture.pcapng");
        std::fs::write(&file, &run().capture).unwrap();
        file
    })
}

fn tshark_fields(file: &Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file).args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// (time s, action, real server, detail) of the director's LVS timeline entries.
fn lvs(r: &RunResult) -> Vec<(f64, LvsAction, String, String)> {
    r.timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Lvs {
                action, rs, detail, ..
            } => Some((e.t, *action, rs.clone().unwrap_or_default(), detail.clone())),
            _ => None,
        })
        .collect()
}

/// Times (s) of `action` on real server `rs`.
fn times(r: &RunResult, action: LvsAction, rs: &str) -> Vec<f64> {
    lvs(r)
        .into_iter()
        .filter(|e| e.1 == action && e.2 == rs)
        .map(|e| e.0)
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn lvs_checkers_scenario_passes_every_expectation() {
    let r = run();
    for v in &r.report.expectations {
        assert!(v.passed, "{}: {}", v.expectation, v.measured);
    }
    assert!(r.report.passed);
    assert_eq!(r.report.expectations.len(), 9);
}

#[test]
fn lvs_checkers_scenario_is_deterministic() {
    let l = util::load(SCENARIO);
    let again = util::run(&l, l.scenario.seed);
    assert_eq!(again.capture, run().capture);
}

#[test]
fn keepalived_udp_check_port_unreachable_removes_and_reply_restores() {
    let r = run();
    let removed = times(r, LvsAction::Remove, "192.0.2.21:80");
    let added = times(r, LvsAction::Add, "192.0.2.21:80");
    assert_eq!(removed.len(), 1, "{removed:?}");
    // Port closed at 20 s: the first failing attempt t1 is in (20, 22 + a check]; the retry one
    // delay_before_retry (1 s) after the first ICMP error fails too, one round trip later.
    let down = removed[0];
    assert!(down > 21.0 && down < 23.1, "{down}");
    let ok: Vec<_> = lvs(r)
        .into_iter()
        .filter(|e| e.1 == LvsAction::CheckFailed && e.2 == "192.0.2.21:80")
        .collect();
    assert!(ok[0].3.contains("ICMP destination unreachable"), "{ok:?}");
    // Port answers "OK" again at 40 s: added at the first check after it (delay_loop 2 s while down).
    assert_eq!(added.len(), 2, "{added:?}");
    assert!(added[1] > 40.0 && added[1] < 42.1, "{added:?}");
    if !tshark_available() {
        return;
    }
    let f = capture();
    // keepalived's payload "ping" to port 7 and the service's "OK".
    let sent = tshark_fields(f, "udp.dstport == 7", &["udp.payload"]);
    assert!(sent.iter().all(|p| p == "70696e67"), "{sent:?}");
    let got = tshark_fields(f, "udp.srcport == 7", &["udp.payload"]);
    assert!(
        !got.is_empty() && got.iter().all(|p| p == "4f4b"),
        "{got:?}"
    );
    // Port unreachable (type 3 code 3) quoting our datagram, only while the port is closed.
    let unreach = tshark_fields(
        f,
        "icmp.type == 3 && icmp.code == 3 && udp.dstport == 7",
        &["frame.time_relative"],
    );
    assert!(!unreach.is_empty());
    for t in &unreach {
        let t: f64 = t.parse().unwrap();
        assert!((20.0..40.0).contains(&t), "{t}");
    }
}

#[test]
fn keepalived_ping_check_echo_timeout_removes_and_reply_restores() {
    let r = run();
    let removed = times(r, LvsAction::Remove, "192.0.2.22:80");
    let added = times(r, LvsAction::Add, "192.0.2.22:80");
    // Crash at 20 s: t1 in (20, 22 + a check]; t1 + connect_timeout + delay_before_retry +
    // connect_timeout = t1 + 3 s.
    assert_eq!(removed.len(), 1);
    assert!(removed[0] > 23.0 && removed[0] < 25.1, "{removed:?}");
    // Boots at 45 s; one echo reply brings it back at the next check.
    assert_eq!(added.len(), 2, "{added:?}");
    assert!(added[1] > 45.0 && added[1] < 47.5, "{added:?}");
    if !tshark_available() {
        return;
    }
    let f = capture();
    let req = tshark_fields(
        f,
        "icmp.type == 8 && ip.dst == 192.0.2.22",
        &["icmp.seq", "data.len"],
    );
    let rep = tshark_fields(f, "icmp.type == 0 && ip.src == 192.0.2.22", &["icmp.seq"]);
    assert!(
        req.len() > rep.len() && !rep.is_empty(),
        "{} {}",
        req.len(),
        rep.len()
    );
    // keepalived's 128 data bytes and one sequence counter for the process, from 0.
    assert_eq!(req[0], "0\t128");
    assert!(req.iter().all(|l| l.ends_with("\t128")));
    let seqs: Vec<u32> = req
        .iter()
        .map(|l| l.split('\t').next().unwrap().parse().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}

#[test]
fn keepalived_file_check_acts_at_the_instant_of_the_write() {
    let r = run();
    let removed = times(r, LvsAction::Remove, "192.0.2.23:80");
    let added = times(r, LvsAction::Add, "192.0.2.23:80");
    assert_eq!(removed.len(), 1);
    assert!(close(removed[0], 25.0), "{removed:?}");
    assert_eq!(added.len(), 2);
    assert!(close(added[0], 0.0) && close(added[1], 35.0), "{added:?}");
}

#[test]
fn keepalived_bfd_check_removes_one_detection_time_after_the_last_packet() {
    let r = run();
    let removed = times(r, LvsAction::Remove, "192.0.2.24:80");
    let added = times(r, LvsAction::Add, "192.0.2.24:80");
    // At start the BFD process reports Down (server removed at 0), then the session comes Up.
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert!(close(removed[0], 0.0));
    assert_eq!(added.len(), 3, "{added:?}");
    assert!(added[1] > 0.0 && added[1] < 2.1, "{added:?}");
    // Daemon killed at 30 s: removed 3 × 100 ms after the last packet lb1 got.
    assert!(removed[1] > 30.0 && removed[1] < 30.31, "{removed:?}");
    // Restarted at 50 s: Down → Init → Up again.
    assert!(added[2] > 50.0 && added[2] < 52.1, "{added:?}");
    let states: Vec<String> = lvs(r)
        .into_iter()
        .filter(|e| e.1 == LvsAction::Bfd)
        .map(|e| e.3)
        .collect();
    assert_eq!(
        states,
        vec![
            "bfd_instance rs_bfd Down -> Init (diag 0)",
            "bfd_instance rs_bfd Init -> Up (diag 0)",
            "bfd_instance rs_bfd Up -> Down (diag 1)",
            "bfd_instance rs_bfd Down -> Init (diag 0)",
            "bfd_instance rs_bfd Init -> Up (diag 0)",
        ]
    );
    if !tshark_available() {
        return;
    }
    let f = capture();
    let from_peer = tshark_fields(
        f,
        "bfd && !icmp && ip.src == 192.0.2.24 && frame.time_relative < 30.5",
        &["frame.time_relative"],
    );
    let last: f64 = from_peer.last().unwrap().parse().unwrap();
    // Captured at the switch; lb1 gets it one link latency (100 µs ± 20 µs) later.
    let detect = removed[1] - last;
    assert!(
        (0.300..0.3003).contains(&detect),
        "removal {} − last packet {last} = {detect}",
        removed[1]
    );
    // RFC 5881: to UDP 3784 from a port in 49152..=65535 with TTL 255.
    let hdr = tshark_fields(f, "bfd && !icmp", &["udp.srcport", "udp.dstport", "ip.ttl"]);
    for l in &hdr {
        let v: Vec<u32> = l.split('\t').map(|x| x.parse().unwrap()).collect();
        assert!(v[0] >= 49152 && v[1] == 3784 && v[2] == 255, "{l}");
    }
    let sta = tshark_fields(f, "bfd && !icmp && ip.src == 192.0.2.11", &["bfd.sta"]);
    // Down, Init and Up all went out (tshark prints the 2-bit state as 0x01..0x03).
    for s in ["0x01", "0x02", "0x03"] {
        assert!(sta.iter().any(|x| x == s), "state {s} never sent");
    }
}

#[test]
fn keepalived_misc_check_exit_codes_and_timeout_from_the_scenario() {
    let r = run();
    let ev = lvs(r);
    let misc: Vec<_> = ev.iter().filter(|e| e.2 == "192.0.2.25:80").collect();
    // Exit 12 with misc_dynamic: weight 10, from the first run after 10 s.
    let w10 = misc
        .iter()
        .find(|e| e.1 == LvsAction::Weight && e.3.ends_with(" 10"))
        .unwrap();
    assert!(w10.0 > 10.0 && w10.0 < 12.1, "{w10:?}");
    let removed = times(r, LvsAction::Remove, "192.0.2.25:80");
    assert_eq!(removed.len(), 2, "{removed:?}");
    // Exit 1 from 28 s: two failed runs (retry 1, delay_before_retry 1 s from the run's start).
    assert!(removed[0] > 29.0 && removed[0] < 31.1, "{removed:?}");
    let reasons: Vec<&str> = misc
        .iter()
        .filter(|e| e.1 == LvsAction::CheckFailed)
        .map(|e| e.3.as_str())
        .collect();
    assert!(
        reasons[0].ends_with("Misc check exited with status 1"),
        "{reasons:?}"
    );
    // A hang from 55 s: misc_timeout 1 s twice.
    assert!(reasons[1].ends_with("Misc check timed out"), "{reasons:?}");
    assert!(removed[1] > 57.0 && removed[1] < 59.1, "{removed:?}");
    // Back at 40 s with the configured weight.
    let added = times(r, LvsAction::Add, "192.0.2.25:80");
    assert!(added.iter().any(|t| *t > 40.0 && *t < 42.1), "{added:?}");
}

#[test]
fn lvs_checkers_capture_decodes_cleanly_with_udp_icmp_and_bfd() {
    if !tshark_available() {
        return;
    }
    let f = capture();
    let bad = tshark_fields(
        f,
        "_ws.malformed || _ws.expert.severity >= error",
        &["frame.number"],
    );
    assert!(bad.is_empty(), "malformed or error frames: {bad:?}");
    for proto in ["udp", "icmp", "bfd", "vrrp", "http"] {
        assert!(
            !tshark_fields(f, proto, &["frame.number"]).is_empty(),
            "no {proto} in the capture"
        );
    }
}

/// One director (lb1) with an IPv6 PING_CHECK on rs6 and a BFD_CHECK on rsb, for the cases the main scenario
/// does not cover.
const EXTRA: &str = r#"
Scenario(
    name: "checkers_extra",
    duration: "30s",
    seed: 3,
    segments: [(name: "lan")],
    nodes: [
        Router(
            name: "lb1",
            segment: "lan",
            ip: "192.0.2.11/24",
            ip6: "2001:db8::11/64",
            http_port: None,
            track_files: {"rsf_weight": 0},
            misc_scripts: {"/bin/slow_check": (exit: 0, runtime: "500ms")},
            config: Inline("
track_file rsf_weight {
    file /run/rsf_weight
    weight 2
}
bfd_instance rsb {
    neighbor_ip 192.0.2.24
    min_rx 50
    min_tx 50
    multiplier 4
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 61
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.100
    }
}
virtual_server 2001:db8::100 80 {
    delay_loop 2
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 2001:db8::22 80 {
        PING_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
virtual_server 192.0.2.100 80 {
    delay_loop 2
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.0.2.24 80 {
        BFD_CHECK {
            name rsb
        }
    }
    real_server 192.0.2.21 80 {
        UDP_CHECK {
            connect_port 7
            connect_timeout 1
            require_reply
        }
    }
    real_server 192.0.2.23 80 {
        weight 1
        FILE_CHECK {
            track_file rsf_weight
        }
    }
    real_server 192.0.2.25 80 {
        MISC_CHECK {
            misc_path /bin/slow_check
            misc_timeout 2
        }
    }
}
"),
        ),
        Host(name: "rs6", segment: "lan", ip: "192.0.2.22/24", ip6: "2001:db8::22/64"),
        Host(name: "rsu", segment: "lan", ip: "192.0.2.21/24", udp: (port: 7)),
        Host(name: "rsf", segment: "lan", ip: "192.0.2.23/24"),
        Host(name: "rsm", segment: "lan", ip: "192.0.2.25/24"),
        Host(
            name: "rsb",
            segment: "lan",
            ip: "192.0.2.24/24",
            bfd: (min_rx: "50ms", min_tx: "50ms", idle_tx: "1s", multiplier: 3),
        ),
    ],
    faults: [
        (at: "8s", fault: TrackFile(node: "lb1", file: "rsf_weight", value: 3)),
        (at: "12s", fault: SetUdp(node: "rsu", udp: (port: 7, silent: true))),
        (at: "14s", fault: SetMiscScript(node: "lb1", script: "/bin/slow_check", result: (exit: 0, runtime: "3s"))),
        (at: "16s", fault: TrackFile(node: "lb1", file: "rsf_weight", value: -5)),
        (at: "10s", fault: SetBfd(node: "rsb", bfd: (min_rx: "50ms", min_tx: "50ms", idle_tx: "1s", multiplier: 3, admin_down: true))),
        (at: "15s", fault: Crash(node: "rs6")),
        (at: "20s", fault: SetBfd(node: "rsb", bfd: (min_rx: "50ms", min_tx: "50ms", idle_tx: "1s", multiplier: 3))),
    ],
    expect: [
        RealServerRemoved(server: "[2001:db8::22]:80", after: "15s", within: "3.1s"),
        RealServerRemoved(server: "rsu", after: "12s", within: "5.1s"),
        RealServerRemoved(server: "rsm", after: "14s", within: "4.1s"),
        CaptureConforms(profile: "keepalived"),
    ],
)
"#;

fn extra() -> &'static RunResult {
    static R: OnceLock<RunResult> = OnceLock::new();
    R.get_or_init(|| {
        let l = util::from_text("checkers_extra.ron", EXTRA);
        util::run(&l, l.scenario.seed)
    })
}

#[test]
fn keepalived_ping_check_over_ipv6_uses_icmpv6_echo() {
    let r = extra();
    for v in &r.report.expectations {
        assert!(v.passed, "{}: {}", v.expectation, v.measured);
    }
    let removed = times(r, LvsAction::Remove, "[2001:db8::22]:80");
    assert_eq!(removed.len(), 1, "{:?}", lvs(r));
    if !tshark_available() {
        return;
    }
    let dir = util::tempdir("tshark-checkers-extra");
    let f = dir.join("capture.pcapng");
    std::fs::write(&f, &r.capture).unwrap();
    let bad = tshark_fields(
        &f,
        "_ws.malformed || _ws.expert.severity >= error",
        &["frame.number"],
    );
    assert!(bad.is_empty(), "malformed or error frames: {bad:?}");
    let req = tshark_fields(&f, "icmpv6.type == 128", &["icmpv6.checksum.status"]);
    let rep = tshark_fields(&f, "icmpv6.type == 129", &["frame.number"]);
    assert!(!req.is_empty() && !rep.is_empty());
    assert!(
        req.iter().all(|s| s == "1"),
        "ICMPv6 checksum not Good: {req:?}"
    );
}

#[test]
fn keepalived_bfd_check_keeps_the_server_when_the_peer_signals_admin_down() {
    // RFC 5880 §6.8.16 and keepalived's bfd_state_fall: the remote's AdminDown takes the session Down
    // (diag 3, Neighbor Signaled Session Down) but is no path failure, so no event reaches the checker.
    let r = extra();
    let states: Vec<(f64, String)> = lvs(r)
        .into_iter()
        .filter(|e| e.1 == LvsAction::Bfd)
        .map(|e| (e.0, e.3))
        .collect();
    let down = states
        .iter()
        .find(|s| s.1.contains("Up -> Down (diag 3)"))
        .unwrap_or_else(|| panic!("{states:?}"));
    assert!(down.0 >= 10.0 && down.0 < 10.1, "{down:?}");
    let removed = times(r, LvsAction::Remove, "192.0.2.24:80");
    assert_eq!(
        removed.len(),
        1,
        "only the start-up report removes it: {removed:?}"
    );
    assert!(close(removed[0], 0.0));
    // Out of AdminDown at 20 s the session comes Up again.
    assert!(
        states
            .iter()
            .any(|s| s.0 > 20.0 && s.1.ends_with("-> Up (diag 0)")),
        "{states:?}"
    );
}

#[test]
fn keepalived_udp_check_require_reply_removes_a_silent_service() {
    // Silent from 12 s: every attempt waits connect_timeout (1 s); retry 1, delay_before_retry 1 s:
    // removal = t1 + 3 s with t1 in (12, 14 + a check].
    let r = extra();
    for v in &r.report.expectations {
        assert!(v.passed, "{}: {}", v.expectation, v.measured);
    }
    let failed: Vec<_> = lvs(r)
        .into_iter()
        .filter(|e| e.1 == LvsAction::CheckFailed && e.2 == "192.0.2.21:80")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].3.ends_with("No reply"), "{failed:?}");
    assert!(failed[0].0 > 15.0 && failed[0].0 < 17.1, "{failed:?}");
}

#[test]
fn keepalived_file_check_weight_moves_the_effective_weight_at_each_write() {
    // track_file weight 2: value 3 adds 6 to the configured weight 1 (IPVS weight 7); value -5 gives
    // 1 - 10, clamped to 0 in IPVS, and the server stays in the table.
    let r = extra();
    let w: Vec<(f64, String)> = lvs(r)
        .into_iter()
        .filter(|e| e.1 == LvsAction::Weight && e.2 == "192.0.2.23:80")
        .map(|e| (e.0, e.3))
        .collect();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(close(w[0].0, 8.0) && w[0].1.ends_with(" 7"), "{w:?}");
    assert!(close(w[1].0, 16.0) && w[1].1.ends_with(" 0"), "{w:?}");
    assert!(times(r, LvsAction::Remove, "192.0.2.23:80").is_empty());
}

#[test]
fn keepalived_misc_check_script_running_past_misc_timeout_fails() {
    // The script takes 500 ms (passes) until 14 s, then 3 s > misc_timeout 2 s: "timed out", retry 0.
    let r = extra();
    let ev: Vec<_> = lvs(r)
        .into_iter()
        .filter(|e| e.2 == "192.0.2.25:80")
        .collect();
    let failed: Vec<_> = ev
        .iter()
        .filter(|e| e.1 == LvsAction::CheckFailed)
        .collect();
    assert_eq!(failed.len(), 1, "{ev:?}");
    assert!(failed[0].3.ends_with("Misc check timed out"), "{failed:?}");
    assert!(failed[0].0 > 16.0 && failed[0].0 < 18.1, "{failed:?}");
}

#[test]
fn lvs_checkers_timeline_snapshot() {
    // The whole timeline as text (table changes, checker verdicts with keepalived's reasons, BFD state
    // changes, faults), so any change of timing or wording shows up in review.
    insta::assert_snapshot!("lvs_checkers_timeline", run().timeline.render_text());
}

fn scenario_error(text: &str) -> String {
    match sim::scenario::parse_str(&util::repo().join("scenarios/bad.ron"), text) {
        Ok(_) => panic!("should not parse:\n{text}"),
        Err(e) => e.to_string().replace(
            &util::repo().join("scenarios").display().to_string(),
            "scenarios",
        ),
    }
}

#[test]
fn bad_udp_reply_and_bfd_timers_are_located_errors() {
    let head = r#"Scenario(
    duration: "10s",
    segments: [(name: "lan")],
    nodes: [
        Host(name: "rs", segment: "lan", ip: "192.0.2.21/24", udp: (port: 7, reply: "zz")),
    ],
)"#;
    let e = scenario_error(head);
    assert!(e.starts_with("scenarios/bad.ron:5:"), "{e}");
    assert!(e.contains("is not hex"), "{e}");
    let bfd = head.replace(
        r#"udp: (port: 7, reply: "zz")"#,
        r#"bfd: (idle_tx: "10ms")"#,
    );
    let e = scenario_error(&bfd);
    assert!(e.contains("idle_tx >= 1s"), "{e}");
}
