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
