//! SMTP_CHECK against a real SMTP dialogue (banner, HELO, QUIT), with keepalived 2.2.7's timing
//! (check_smtp.c `smtp_final`: retries are counted from 0 at every delay_loop check, even while down).

use lvs::check::{CheckKind, FailReason, SmtpCheck};

use crate::check_servers::{ms, seed_settings, Harness, Mode, Service};

fn run(kind: CheckKind, script: Vec<(lvs::Instant, Mode)>, until: u64) -> Harness {
    let mut h = Harness::new(seed_settings(), kind, Service::Smtp, script);
    h.run(ms(until));
    h
}

fn smtp() -> CheckKind {
    CheckKind::Smtp(SmtpCheck::default())
}

fn then(mode: Mode) -> Vec<(lvs::Instant, Mode)> {
    vec![
        (ms(0), Mode::Up),
        (ms(20_000), mode),
        (ms(60_000), Mode::Up),
    ]
}

#[test]
fn keepalived_smtp_check_dialogue_is_banner_helo_quit() {
    let h = run(smtp(), vec![(ms(0), Mode::Up)], 8_000);
    let sent: Vec<String> = h
        .received
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    assert_eq!(
        sent,
        [
            "HELO smtpchecker.keepalived.org\r\n",
            "QUIT\r\n",
            "HELO smtpchecker.keepalived.org\r\n",
            "QUIT\r\n"
        ]
    );
    let h = run(
        CheckKind::Smtp(SmtpCheck {
            helo_name: "lvs1.example.com".into(),
        }),
        vec![(ms(0), Mode::Up)],
        2_000,
    );
    assert_eq!(h.received[0], b"HELO lvs1.example.com\r\n");
    assert!(h.downs().is_empty());
}

#[test]
fn keepalived_smtp_check_silent_server_removed_after_t1_plus_21s() {
    // A healthy check takes 3 ms (connect with banner, HELO/250, QUIT/221): checks at 1 s + k × 6.003
    // s, t₁ = 25.012 s, removal after four connect timeouts and three delay_before_retry: 46.012 s.
    let h = run(smtp(), then(Mode::Silent), 100_000);
    assert_eq!(h.downs(), vec![(ms(46_012), FailReason::ConnectTimeout)]);
    assert_eq!(
        ms(25_012) + seed_settings().silent_failure_after_first_attempt(),
        ms(46_012)
    );
    // Down, SMTP_CHECK still retries: 52.012 times out (55.012), the retry at 58.012 times out
    // (61.012; the server came back at 60 s), the retry at 64.012 passes at 64.015: one pass is up.
    assert_eq!(h.ups(), vec![ms(64_015)]);
}

#[test]
fn keepalived_smtp_check_refused_connections_fail_fast() {
    // Each refusal takes 1 ms: 25.013, 28.014, 31.015, 34.016.
    let h = run(smtp(), then(Mode::Refuse), 100_000);
    assert_eq!(h.downs(), vec![(ms(34_016), FailReason::ConnectFailed)]);
    // Down: 40.016 .. 49.020 (four refusals), delay_loop, 55.020, 58.021, then 61.022 passes at
    // 61.025.
    assert_eq!(h.ups(), vec![ms(61_025)]);
}

#[test]
fn keepalived_smtp_check_hung_server_fails_on_read_timeout() {
    // Accepts, never sends a banner: connect 1 ms + read timeout 3 s per attempt.
    let h = run(smtp(), then(Mode::Hang), 100_000);
    assert_eq!(
        h.downs(),
        vec![(
            ms(25_012 + 4 * 3_001 + 3 * 3_000),
            FailReason::SmtpReadTimeout
        )]
    );
    assert_eq!(h.ups(), vec![ms(64_021)]);
}

#[test]
fn keepalived_smtp_check_banner_must_be_220() {
    // "554 service not available" as banner: "Bad greeting banner", one round trip per attempt.
    let h = run(smtp(), then(Mode::Wrong(554)), 100_000);
    assert_eq!(h.downs(), vec![(ms(34_016), FailReason::SmtpBanner)]);
    // A 2xx other than 220 is refused too (smtp_get_status != 220).
    let h = run(smtp(), then(Mode::Wrong(250)), 100_000);
    assert_eq!(h.downs(), vec![(ms(34_016), FailReason::SmtpBanner)]);
}

#[test]
fn keepalived_smtp_check_first_check_gets_its_retries() {
    // Unlike TCP_CHECK/HTTP_GET, smtp_start_check_thread resets retry_it to 0 before the first
    // check, so a server dead from the start is removed only after retry + 1 attempts:
    // 1 s + 4 × 3 s + 3 × 3 s = 22 s.
    let h = run(smtp(), vec![(ms(0), Mode::Silent)], 30_000);
    assert_eq!(h.downs(), vec![(ms(22_000), FailReason::ConnectTimeout)]);
}
