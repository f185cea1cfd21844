//! LVS-NAT and LVS-TUN in the simulator (scenarios/lvs_nat.ron, scenarios/lvs_tun.ron): the forwarding methods as
//! real frames on the wire, real-server failure and detection, director failover, and tshark on the captures
//! (checksums of the rewritten packets, the IP-in-IP inner packets).

use crate::lvs::{assert_all_passed, fields, fields_with, lvs_events};
use crate::tshark::{assert_clean, tshark_available};
use crate::util;
use sim::lvs_host::LvsAction;
use sim::runner::RunResult;
use sim::timeline::{Event, VrrpState};

const LB1_MAC: &str = "02:00:00:00:01:11";
const LB2_MAC: &str = "02:00:00:00:01:12";
/// tshark validating IPv4 and TCP checksums, so a wrong rewrite is an error.
const CHECKSUMS: [&str; 2] = ["ip.check_checksum:TRUE", "tcp.check_checksum:TRUE"];

fn master_since(r: &RunResult, node: &str) -> f64 {
    r.timeline
        .entries
        .iter()
        .find_map(|e| match &e.event {
            Event::State { to, .. }
                if e.node.as_deref() == Some(node) && *to == VrrpState::Master =>
            {
                Some(e.t)
            }
            _ => None,
        })
        .unwrap()
}

/// Only the VIP holder schedules: lb1 before its crash at `crash`, lb2 once master.
fn assert_only_master_forwards(r: &RunResult, crash: f64) {
    let ev = lvs_events(r);
    let lb2 = master_since(r, "lb2");
    assert!(lb2 > crash);
    let connects = |n: &str| {
        ev.iter()
            .filter(|e| e.1 == n && e.2 == LvsAction::Connect)
            .map(|e| e.0)
            .collect::<Vec<_>>()
    };
    let (a, b) = (connects("lb1"), connects("lb2"));
    assert!(a.len() > 50 && b.len() > 20, "{} {}", a.len(), b.len());
    assert!(a.iter().all(|t| *t < crash));
    assert!(b.iter().all(|t| *t >= lb2));
}

/// Runs `scenarios/<rel>`, checks that its `n` expectations pass and that only the master forwards (lb1 crashes at
/// `crash`).
fn run_checked(rel: &str, n: usize, crash: f64) -> RunResult {
    let l = util::load(rel);
    let r = util::run(&l, l.scenario.seed);
    assert_all_passed(&r);
    assert_eq!(r.report.expectations.len(), n);
    assert_only_master_forwards(&r, crash);
    r
}

/// On each director, `rs` is removed in (fault + lo, fault + hi] and added back in (back + lo, back + hi].
fn assert_removed_and_back(
    r: &RunResult,
    rs: &str,
    (fault, lo, hi): (f64, f64, f64),
    (back, blo, bhi): (f64, f64, f64),
) {
    let ev = lvs_events(r);
    for d in ["lb1", "lb2"] {
        let rm = ev
            .iter()
            .find(|e| e.1 == d && e.2 == LvsAction::Remove && e.3 == rs)
            .unwrap_or_else(|| panic!("{d} never removed {rs}"));
        assert!(
            rm.0 - fault > lo && rm.0 - fault <= hi,
            "{d}: removed at {}",
            rm.0
        );
        let add = ev
            .iter()
            .find(|e| e.1 == d && e.2 == LvsAction::Add && e.3 == rs && e.0 > back)
            .unwrap_or_else(|| panic!("{d} never added {rs} back"));
        assert!(
            add.0 - back > blo && add.0 - back <= bhi,
            "{d}: added at {}",
            add.0
        );
    }
}

/// tshark finds no malformed frame, no error and no bad IPv4/TCP checksum.
fn assert_checksums_valid(file: &std::path::Path) {
    let bad = fields_with(
        file,
        &CHECKSUMS,
        "_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == 0 || tcp.checksum.status == 0",
        "frame.number",
    );
    assert!(bad.is_empty(), "bad checksums in frames {bad:?}");
}

#[test]
fn lvs_nat_director_rewrites_both_ways_detects_failure_and_fails_over() {
    let r = run_checked("lvs_nat.ron", 7, 80.0);
    // rs1 (crashed at 30 s) is removed by each director within (7 s, 13.1 s] and added back within delay_loop + one
    // check after its reboot at 60 s.
    assert_removed_and_back(&r, "192.0.2.21:8080", (30.0, 7.0, 13.1), (60.0, 0.0, 6.1));
    // Every client is served by both real servers over the run, through the masquerade.
    for c in ["c1", "c2"] {
        let served = &r.report.clients[c];
        assert!(served.ok > 150, "{c}: {served:?}");
    }
}

#[test]
fn lvs_nat_capture_decodes_cleanly_with_valid_rewritten_checksums() {
    if !tshark_available() {
        return;
    }
    let (_, file) = util::run_to_capture("lvs_nat.ron", "tshark-lvs-nat");
    assert!(assert_clean(&file) > 50);
    assert_checksums_valid(&file);
    // ip_vs_in: client -> VIP:80 leaves the director as client -> rs:8080, from a director's MAC.
    let inbound = fields(
        &file,
        "ip.src == 198.51.100.0/24 && tcp.dstport == 8080",
        "eth.src",
    );
    assert!(inbound.len() > 500, "{}", inbound.len());
    assert!(inbound.iter().all(|m| m == LB1_MAC || m == LB2_MAC));
    // The real servers answer the off-link clients through their gateway (the VRRP master's MAC) ...
    let replies = fields(
        &file,
        "http.response && ip.src == 192.0.2.21 || http.response && ip.src == 192.0.2.22",
        "eth.dst",
    );
    assert!(replies.len() > 300);
    assert!(replies.iter().all(|m| m == LB1_MAC || m == LB2_MAC));
    // ... and ip_vs_out sends them on as VIP:80 -> client, HTTP 200 from the real servers.
    let out = fields(
        &file,
        "http.response && ip.src == 192.0.2.100 && tcp.srcport == 80",
        "http.response.code",
    );
    assert!(out.len() > 300);
    assert!(out.iter().all(|c| c == "200"));
    // After lb1's crash (80 s) only lb2 forwards.
    let late: Vec<String> = fields(
        &file,
        "ip.src == 192.0.2.100 && tcp.srcport == 80 && frame.time_epoch > 84",
        "eth.src",
    );
    assert!(!late.is_empty() && late.iter().all(|m| m == LB2_MAC));
}

#[test]
fn lvs_tun_director_tunnels_real_servers_answer_directly_and_fail_over() {
    let r = run_checked("lvs_tun.ron", 9, 70.0);
    // HTTP 500 from 30 s: rs1 removed by each director within t1 + retry * delay_before_retry = t1 + 4 s,
    // t1 <= 30 + 6 s + one check; back after two passing rounds 6 s apart once healthy at 50 s.
    assert_removed_and_back(&r, "192.0.2.21:80", (30.0, 4.0, 10.1), (50.0, 6.0, 12.1));
}

#[test]
fn lvs_tun_without_ipip_on_the_real_servers_nothing_is_served() {
    // Without the ipip module the real servers drop the tunnelled packets: every client request fails, while the
    // health checks (plain TCP to the real servers' own addresses) keep both servers in the table.
    let l = util::load("lvs_tun.ron");
    let text = l.text.replace(", ipip: true", "");
    assert_ne!(text, l.text);
    let l = util::from_text("lvs_tun.ron", &text);
    let r = util::run(&l, l.scenario.seed);
    for c in ["c1", "c2", "c3"] {
        assert_eq!(r.report.clients[c].ok, 0, "{c}");
    }
    assert!(lvs_events(&r)
        .iter()
        .any(|e| e.2 == LvsAction::Connect && e.1 == "lb1"));
}

#[test]
fn lvs_tun_capture_decodes_cleanly_including_the_inner_packets() {
    if !tshark_available() {
        return;
    }
    let (_, file) = util::run_to_capture("lvs_tun.ron", "tshark-lvs-tun");
    assert!(assert_clean(&file) > 50);
    assert_checksums_valid(&file);
    // Outer header: director -> real server, protocol 4, DF, TTL copied from the inner packet.
    let src = fields(&file, "ip.proto == 4", "ip.src");
    let dst = fields(&file, "ip.proto == 4", "ip.dst");
    assert!(src.len() > 500, "{}", src.len());
    for (s, d) in src.iter().zip(&dst) {
        let (s, d): (Vec<&str>, Vec<&str>) = (s.split(',').collect(), d.split(',').collect());
        assert!(["192.0.2.11", "192.0.2.12"].contains(&s[0]), "{s:?}");
        assert!(
            s[1].starts_with("192.0.2.5"),
            "inner source is a client: {s:?}"
        );
        assert!(["192.0.2.21", "192.0.2.22"].contains(&d[0]), "{d:?}");
        assert_eq!(d[1], "192.0.2.100");
    }
    let ttl = fields(&file, "ip.proto == 4", "ip.ttl");
    assert!(ttl.iter().all(|t| {
        let v: Vec<&str> = t.split(',').collect();
        v.len() == 2 && v[0] == v[1]
    }));
    let df = fields(&file, "ip.proto == 4", "ip.flags.df");
    assert!(df.iter().all(|d| d.starts_with("1,")));
    // The inner HTTP request decodes (tshark's sequence analysis would call the tunnelled copy a retransmission of
    // the client's own segment and skip it, so it is turned off here).
    let inner = fields_with(
        &file,
        &["tcp.analyze_sequence_numbers:FALSE"],
        "ip.proto == 4 && http.request",
        "http.request.uri",
    );
    assert!(inner.len() > 300 && inner.iter().all(|u| u == "/"));
    // The real servers answer from the VIP with their own MACs, straight to the clients.
    let from = fields(&file, "http.response && ip.src == 192.0.2.100", "eth.src");
    assert!(from.len() > 300);
    assert!(from
        .iter()
        .all(|m| m == "02:00:00:00:02:21" || m == "02:00:00:00:02:22"));
}
