//! SSL_GET: HTTP_GET over a real TLS handshake (rustls on both sides, the server's certificate from
//! the test CA), with keepalived 2.2.7's timing (check_http.c + check_ssl.c).

use lvs::check::{CheckKind, FailReason, HttpGet, SslOptions, StatusCodes, UrlCheck};

use crate::check_servers::{ms, seed_settings, Harness, Mode, Service};

fn ssl_get(sni: bool) -> CheckKind {
    let mut url = UrlCheck::new("/");
    url.status = StatusCodes::parse("200").unwrap();
    let mut get = HttpGet::new(vec![url]);
    get.virtualhost = Some("www.example.com".into());
    get.ssl = Some(SslOptions { enable_sni: sni });
    CheckKind::Http(get)
}

fn run(script: Vec<(lvs::Instant, Mode)>, until: u64) -> Harness {
    let mut h = Harness::new(seed_settings(), ssl_get(true), Service::Https, script);
    h.run(ms(until));
    h
}

#[test]
fn keepalived_ssl_get_silent_server_removed_after_t1_plus_21s_and_back_after_two_rounds() {
    // A healthy SSL_GET takes 3 ms: TCP connect (1 ms), the TLS 1.3 server flight (1 ms), the
    // client's Finished with the request and the response with close_notify (1 ms). Checks start at
    // 1 s + k × 6.003 s; the server goes silent at 20 s, so t₁ = 25.012 s and the removal comes after
    // four connect timeouts and three delay_before_retry: t₁ + 21 s = 46.012 s.
    let h = run(
        vec![
            (ms(0), Mode::Up),
            (ms(20_000), Mode::Silent),
            (ms(60_000), Mode::Up),
        ],
        100_000,
    );
    assert_eq!(h.downs(), vec![(ms(46_012), FailReason::ConnectTimeout)]);
    assert_eq!(
        ms(25_012) + seed_settings().silent_failure_after_first_attempt(),
        ms(46_012)
    );
    // Down: checks every max(delay_before_retry, delay_loop) after a failure: 52.012 (times out at
    // 55.012), 61.012 passes at 61.015 but only clears the failed URL (check_http.c epilog), and the
    // next round, delay_loop later, passes at 67.018: the server is up again.
    assert_eq!(h.ups(), vec![ms(67_018)]);
    // Every request went through the TLS session.
    assert!(h
        .received
        .iter()
        .all(|r| r
            == b"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www.example.com\r\n\r\n"));
}

#[test]
fn keepalived_ssl_get_handshake_failure_fails_each_attempt_in_two_round_trips() {
    // A plain HTTP server on the TLS port answers the ClientHello with "400 Bad Request": the
    // handshake fails ("SSL handshake/communication error") 2 ms after the attempt starts.
    // t₁ = 25.012: failures at 25.014, 28.016, 31.018 and 34.020, the last one removes.
    let h = run(
        vec![
            (ms(0), Mode::Up),
            (ms(20_000), Mode::Wrong(400)),
            (ms(60_000), Mode::Up),
        ],
        100_000,
    );
    assert_eq!(h.downs(), vec![(ms(34_020), FailReason::SslHandshake)]);
    // Down: one attempt every 6.002 s from 40.020; 64.028 passes (clears the failed URL), 70.031
    // passes again: up at 70.034.
    assert_eq!(h.ups(), vec![ms(70_034)]);
}

#[test]
fn keepalived_ssl_get_handshake_runs_under_the_connect_deadline() {
    // A server that accepts TCP but never answers the ClientHello: unlike HTTP_GET's hung server
    // (connect 1 ms + read timeout 3 s per attempt), the handshake shares the connect's deadline, so
    // each attempt ends exactly connect_timeout after it started, as "Timeout connecting".
    let h = run(vec![(ms(0), Mode::Up), (ms(20_000), Mode::Hang)], 100_000);
    assert_eq!(h.downs(), vec![(ms(46_012), FailReason::ConnectTimeout)]);
}

#[test]
fn keepalived_ssl_get_refused_connections_fail_fast() {
    let h = run(vec![(ms(0), Mode::Up), (ms(20_000), Mode::Refuse)], 100_000);
    // t₁ = 25.012; each refusal takes 1 ms: 25.013, 28.014, 31.015, 34.016.
    assert_eq!(h.downs(), vec![(ms(34_016), FailReason::ConnectFailed)]);
}

#[test]
fn keepalived_ssl_get_first_failure_is_enough_initially() {
    let h = run(vec![(ms(0), Mode::Silent)], 10_000);
    assert_eq!(h.downs(), vec![(ms(4_000), FailReason::ConnectTimeout)]);
}

#[test]
fn ssl_get_handshake_bytes_are_deterministic_per_seed() {
    let a = run(vec![(ms(0), Mode::Up)], 20_000);
    let b = run(vec![(ms(0), Mode::Up)], 20_000);
    assert!(a.wire.len() > 1_000, "{} bytes", a.wire.len());
    assert_eq!(a.wire, b.wire);
    // Another checker seed changes the randoms and key shares.
    let mut c = Harness::new(
        seed_settings(),
        ssl_get(true),
        Service::Https,
        vec![(ms(0), Mode::Up)],
    );
    c.checker.set_seed(100);
    c.run(ms(20_000));
    assert_eq!(c.wire.len(), a.wire.len());
    assert_ne!(c.wire, a.wire);
}

#[test]
fn ssl_get_sends_sni_only_with_enable_sni() {
    // The server name appears in the ClientHello's server_name extension only with enable_sni.
    let with = run(vec![(ms(0), Mode::Up)], 2_000);
    let mut without = Harness::new(
        seed_settings(),
        ssl_get(false),
        Service::Https,
        vec![(ms(0), Mode::Up)],
    );
    without.run(ms(2_000));
    let has = |w: &[u8]| w.windows(15).any(|x| x == b"www.example.com");
    // The request's Host header is encrypted, so the name is visible only in the SNI extension.
    assert!(has(&with.wire));
    assert!(!has(&without.wire));
    // Both pass: SNI does not change the verdict.
    for h in [&with, &without] {
        assert!(h.downs().is_empty());
        assert_eq!(h.received.len(), 1);
    }
}

#[test]
fn keepalived_ssl_get_read_deadline_is_set_once_at_the_first_response_bytes() {
    // The server sends the response header at once and then one body byte every 2 s without ever
    // closing. HTTP_GET re-arms its read timeout after every read and would keep waiting;
    // ssl_read_thread re-registers with the remaining time, so SSL_GET times out connect_timeout
    // after the first response bytes: each attempt lasts 3 ms + 3 s (header at +3 ms), t₁ = 25.012 s,
    // removal at t₁ + 4 × 3.003 + 3 × 3 = 46.024 s.
    let h = run(
        vec![(ms(0), Mode::Up), (ms(20_000), Mode::Trickle)],
        100_000,
    );
    assert_eq!(h.downs(), vec![(ms(46_024), FailReason::ReadTimeout)]);
}
