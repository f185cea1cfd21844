//! SSL_GET, SMTP_CHECK and DNS_CHECK in the simulator: real TLS, SMTP and DNS between a keepalived director
//! and real servers, decoded by tshark, with keepalived's detection times
//! (scenarios/lvs_checkers_tls_smtp_dns.ron, and one small run per checker and failure mode).

use crate::lvs::{assert_all_passed, lvs_events};
use crate::tshark::{assert_clean, fields, tshark_available};
use crate::util;
use sim::lvs_host::LvsAction;
use sim::runner::RunResult;

/// The first `action` on `rs` at or after `after` s: (time, detail).
fn first(r: &RunResult, action: LvsAction, rs: &str, after: f64) -> Option<(f64, String)> {
    lvs_events(r)
        .into_iter()
        .find(|e| e.2 == action && e.3 == rs && e.0 >= after)
        .map(|e| (e.0, e.4))
}

/// Writes the capture and checks it with tshark: nothing malformed, VRRP checksums good.
fn tshark_file(r: &RunResult, name: &str) -> std::path::PathBuf {
    let dir = util::tempdir(name);
    let file = dir.join("capture.pcapng");
    std::fs::write(&file, &r.capture).unwrap();
    assert_clean(&file);
    file
}

#[test]
fn lvs_checkers_tls_smtp_dns_scenario_passes() {
    let l = util::load("lvs_checkers_tls_smtp_dns.ron");
    let r = util::run(&l, l.scenario.seed);
    assert_all_passed(&r);
    // Each removal is the checker's own verdict, in keepalived's words.
    let failed = |rs: &str, after: f64| first(&r, LvsAction::CheckFailed, rs, after).unwrap().1;
    assert!(failed("192.0.2.21:443", 20.0).ends_with("SSL handshake/communication error"));
    assert!(failed("192.0.2.22:25", 30.0).ends_with("Bad greeting banner from server"));
    assert!(failed("192.0.2.21:53", 40.0).ends_with("(rcode = 3)"));
    assert!(failed("192.0.2.22:53", 50.0).ends_with("read timeout from socket"));
    // And every server comes back once its service is healthy: SSL_GET after two passing rounds (the first
    // only clears the failed URL: at most 2 × delay_loop plus a failed attempt's wait), the others after one.
    for (rs, healed, bound) in [
        ("192.0.2.21:443", 70.0, 6.0 + 6.0 + 6.0 + 0.1),
        ("192.0.2.22:25", 80.0, 6.0 + 3.0 + 0.1),
        ("192.0.2.21:53", 90.0, 6.0 + 3.0 + 0.1),
        ("192.0.2.22:53", 100.0, 6.0 + 3.0 + 0.1),
    ] {
        let (t, _) =
            first(&r, LvsAction::Add, rs, healed).unwrap_or_else(|| panic!("{rs} not re-added"));
        assert!(
            t - healed <= bound,
            "{rs} re-added {:.3} s after healing",
            t - healed
        );
    }
}

#[test]
fn lvs_checkers_tls_smtp_dns_is_deterministic_handshakes_included() {
    let l = util::load("lvs_checkers_tls_smtp_dns.ron");
    let a = util::run(&l, 7);
    let b = util::run(&l, 7);
    assert_eq!(a.capture, b.capture, "same seed, same bytes (TLS included)");
    let c = util::run(&l, 8);
    assert_ne!(a.capture, c.capture);
}

#[test]
fn lvs_checkers_capture_decodes_as_tls_smtp_and_dns_in_tshark() {
    if !tshark_available() {
        return;
    }
    let l = util::load("lvs_checkers_tls_smtp_dns.ron");
    let r = util::run(&l, l.scenario.seed);
    let file = tshark_file(&r, "tshark-tls-smtp-dns");
    // TLS: ClientHellos from the director with SNI (enable_sni), ServerHellos back, TLS 1.3 negotiated.
    let sni = fields(
        &file,
        "tls.handshake.type == 1 && ip.src == 192.0.2.11",
        "tls.handshake.extensions_server_name",
    );
    assert!(sni.len() > 20, "{} ClientHellos", sni.len());
    assert!(sni.iter().all(|s| s == "www.example.com"), "{sni:?}");
    let hellos = fields(
        &file,
        "tls.handshake.type == 2",
        "tls.handshake.extensions.supported_version",
    );
    assert!(hellos.len() > 20);
    assert!(hellos.iter().all(|v| v == "0x0304"), "{hellos:?}");
    // While rs1's port spoke plain HTTP, tshark sees its 400 answers to ClientHellos.
    let plain = fields(&file, "http.response.code == 400", "ip.src");
    assert!(!plain.is_empty() && plain.iter().all(|s| s == "192.0.2.21"));
    // SMTP: the banner, keepalived's HELO with helo_name, QUIT; the 554 banners after the fault.
    let helo = fields(&file, "smtp.req.command == \"HELO\"", "smtp.req.parameter");
    assert!(helo.len() > 20 && helo.iter().all(|h| h == "lb1.example.com"));
    let codes = fields(&file, "smtp.response.code", "smtp.response.code");
    for c in ["220", "250", "221", "554"] {
        assert!(codes.iter().any(|x| x == c), "no SMTP {c} in {codes:?}");
    }
    assert!(!fields(&file, "smtp.req.command == \"QUIT\"", "ip.src").is_empty());
    // DNS: A queries for www.example.com with RD, answered (NOERROR with the server's address, then NXDOMAIN
    // from rs1 after its fault).
    let queries = fields(
        &file,
        "dns.flags.response == 0 && dns.flags.recdesired == 1",
        "dns.qry.name",
    );
    assert!(queries.len() > 20 && queries.iter().all(|q| q == "www.example.com"));
    let answers = fields(
        &file,
        "dns.flags.response == 1 && dns.flags.rcode == 0",
        "dns.a",
    );
    assert!(answers.iter().any(|a| a == "192.0.2.21"));
    assert!(answers.iter().any(|a| a == "192.0.2.22"));
    assert!(!fields(&file, "dns.flags.rcode == 3", "ip.src").is_empty());
}

/// One director with one real server (192.0.2.21) checked by `checker` on `port`, the server's services
/// `services`, and `faults`. Runs with seed 3.
fn checker_run(port: u16, proto: &str, checker: &str, services: &str, faults: &str) -> RunResult {
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
virtual_server 192.0.2.100 {port} {{
    delay_loop 6
    lb_algo rr
    lb_kind DR
    protocol {proto}
    real_server 192.0.2.21 {port} {{
        {checker}
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
        Host(name: "rs1", segment: "lan", ip: "192.0.2.21/24", loopback: ["192.0.2.100"], http_port: None, {services}),
    ],
    faults: {faults},
)"#
    );
    let l = util::from_text("lvs_checker.ron", &text);
    util::run(&l, 3)
}

/// Seconds from the 20 s fault to the removal of 192.0.2.21:`port`, and the checker's failure text.
fn removal(r: &RunResult, port: u16) -> (f64, String) {
    let rs = format!("192.0.2.21:{port}");
    let (t, _) = first(r, LvsAction::Remove, &rs, 20.0).expect("removed");
    let (_, why) = first(r, LvsAction::CheckFailed, &rs, 20.0).expect("check failed");
    (t - 20.0, why)
}

/// Runs each failure `(fault at 20 s, removal window after it in s, end of the failure text)` for one checker and
/// checks its removal; returns the last run.
fn removals(
    port: u16,
    proto: &str,
    checker: &str,
    service: &str,
    cases: &[(&str, (f64, f64), &str)],
) -> RunResult {
    let mut last = None;
    for (fault, (lo, hi), reason) in cases {
        let faults = format!(r#"[(at: "20s", fault: SetService(node: "rs1", service: {fault}))]"#);
        let r = checker_run(port, proto, checker, &format!("{service}: ()"), &faults);
        let (after, why) = removal(&r, port);
        assert!(
            (*lo..=*hi).contains(&after),
            "{fault}: removed {after} s after"
        );
        assert!(why.ends_with(reason), "{fault}: {why}");
        last = Some(r);
    }
    last.expect("at least one case")
}

const SSL_GET: &str = "SSL_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 3
            retry 3
            delay_before_retry 3
        }";

#[test]
fn keepalived_ssl_get_in_the_simulator_with_real_tls() {
    let r = removals(
        443,
        "TCP",
        SSL_GET,
        "https",
        &[
            // A hung TLS port: each attempt ends at the connect deadline (the handshake shares it):
            // t1 + 4 × 3 + 3 × 3 s, t1 ≤ 20 + delay_loop + one check.
            ("Https(hang: true)", (21.0, 27.1), "Timeout connecting"),
            // HTTP 500 inside TLS: a completed handshake, then the status check fails each attempt at once.
            (
                "Https(status: 500)",
                (9.0, 15.1),
                "HTTP status code error (500)",
            ),
        ],
    );
    if tshark_available() {
        let file = tshark_file(&r, "tshark-ssl-get");
        // Every exchange is a full TLS 1.3 handshake followed by application data; nothing in clear.
        assert!(fields(&file, "tls.handshake.type == 1", "frame.number").len() >= 5);
        assert!(fields(&file, "tls.record.opaque_type == 23", "frame.number").len() >= 10);
        assert!(fields(&file, "http", "frame.number").is_empty());
    }
}

const SMTP_CHECK: &str = "SMTP_CHECK {
            connect_timeout 3
            retry 3
            delay_before_retry 3
        }";

#[test]
fn keepalived_smtp_check_in_the_simulator_with_real_smtp() {
    let r = removals(
        25,
        "TCP",
        SMTP_CHECK,
        "smtp",
        &[
            // RST to every SYN: each attempt fails in a round trip, t1 + 3 × 3 s.
            ("Smtp(refuse: true)", (9.0, 15.1), "Connection failed"),
            // Accepts, never greets: connect + read timeout per attempt.
            ("Smtp(hang: true)", (21.0, 27.1), "Read timeout from server"),
            // HELO answered 550.
            (
                "Smtp(helo: 550)",
                (9.0, 15.1),
                "Bad HELO response from server",
            ),
        ],
    );
    if tshark_available() {
        let file = tshark_file(&r, "tshark-smtp-check");
        let helo = fields(&file, "smtp.req.command == \"HELO\"", "smtp.req.parameter");
        assert!(helo.iter().all(|h| h == "smtpchecker.keepalived.org") && helo.len() >= 5);
        let codes = fields(&file, "smtp.response.code", "smtp.response.code");
        assert!(codes.iter().any(|c| c == "550"));
    }
}

const DNS_CHECK: &str = "DNS_CHECK {
            type A
            name www.example.com
            connect_timeout 3
            retry 3
        }";

#[test]
fn keepalived_dns_check_in_the_simulator_with_real_dns() {
    let r = removals(
        53,
        "UDP",
        DNS_CHECK,
        "dns",
        &[
            // Nothing listens on 53: ICMP port unreachable fails the read at once; retries are
            // delay_before_retry = delay_loop = 6 s apart: t1 + 3 × 6 s.
            ("Dns(refuse: true)", (18.0, 24.1), "failed to read socket"),
            // Dropped queries: four read timeouts and three 6 s pauses, t1 + 30 s.
            ("Dns(drop: true)", (30.0, 36.1), "read timeout from socket"),
        ],
    );
    if tshark_available() {
        let file = tshark_file(&r, "tshark-dns-check");
        let ids_q = fields(&file, "dns.flags.response == 0", "dns.id");
        let ids_r = fields(&file, "dns.flags.response == 1", "dns.id");
        assert!(ids_r.len() >= 3);
        // Each answer carries its query's id; after the fault, queries go unanswered.
        assert!(ids_r.iter().all(|id| ids_q.contains(id)));
        assert!(ids_q.len() > ids_r.len());
        assert!(fields(&file, "dns.qry.type == 1", "dns.qry.name")
            .iter()
            .all(|n| n == "www.example.com"));
    }
    // NOERROR without answers (NODATA) passes in keepalived 2.2.7: nothing is removed.
    let faults = r#"[(at: "20s", fault: SetService(node: "rs1", service: Dns(answers: false)))]"#;
    let r = checker_run(53, "UDP", DNS_CHECK, "dns: ()", faults);
    assert!(first(&r, LvsAction::Remove, "192.0.2.21:53", 20.0).is_none());
}
