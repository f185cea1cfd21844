//! DNS_CHECK: real DNS queries and replies (simple-dns messages on UDP), with keepalived 2.2.7's
//! timing (check_dns.c `dns_final`; defaults retry 3, delay_before_retry = delay_loop).

use lvs::check::{CheckKind, CheckerSettings, DnsCheck, FailReason};
use lvs::Duration;
use simple_dns::Packet;

use crate::check_servers::{ms, Harness, Mode, Service};

/// DNS_CHECK's defaults with the seed's connect_timeout 3 and delay_loop 6.
fn dns_settings() -> CheckerSettings {
    CheckerSettings {
        connect_timeout: Duration::from_secs(3),
        retry: 3,
        delay_before_retry: Duration::from_secs(6),
        delay_loop: Duration::from_secs(6),
        warmup: Duration::from_secs(6),
        alpha: false,
    }
}

fn dns() -> CheckKind {
    CheckKind::Dns(DnsCheck {
        qtype: 1,
        name: "www.example.com".into(),
    })
}

fn run(script: Vec<(lvs::Instant, Mode)>, until: u64) -> Harness {
    let mut h = Harness::new(dns_settings(), dns(), Service::Dns, script);
    h.run(ms(until));
    h
}

fn then(mode: Mode) -> Vec<(lvs::Instant, Mode)> {
    vec![
        (ms(0), Mode::Up),
        (ms(20_000), mode),
        (ms(60_000), Mode::Up),
    ]
}

#[test]
fn keepalived_dns_check_query_is_rd_with_one_question() {
    let h = run(vec![(ms(0), Mode::Up)], 8_000);
    assert_eq!(h.received.len(), 2);
    for q in &h.received {
        let p = Packet::parse(q).unwrap();
        assert!(p.has_flags(simple_dns::PacketFlag::RECURSION_DESIRED));
        assert_eq!(p.questions.len(), 1);
        assert_eq!(p.questions[0].qname.to_string(), "www.example.com");
    }
    // keepalived's random() id: a fresh one per query, from the checker's seed.
    let ids: Vec<u16> = h
        .received
        .iter()
        .map(|q| Packet::parse(q).unwrap().id())
        .collect();
    assert_ne!(ids[0], ids[1]);
    assert!(h.downs().is_empty());
}

#[test]
fn keepalived_dns_check_silent_server_removed_after_t1_plus_30s() {
    // A healthy check is one query and one reply (1 ms): checks at 1 s + k × 6.001 s, t₁ = 25.004 s.
    // Four read timeouts (3 s) separated by three delay_before_retry (= delay_loop, 6 s): removal at
    // t₁ + 4 × 3 + 3 × 6 = 55.004 s.
    let h = run(then(Mode::Silent), 100_000);
    assert_eq!(h.downs(), vec![(ms(55_004), FailReason::DnsTimeout)]);
    assert_eq!(
        ms(25_004) + dns_settings().silent_failure_after_first_attempt(),
        ms(55_004)
    );
    // Down: no retries; the next check, delay_loop later (61.004), passes at 61.005.
    assert_eq!(h.ups(), vec![ms(61_005)]);
}

#[test]
fn keepalived_dns_check_nxdomain_fails_each_attempt_in_one_round_trip() {
    // RCODE 3 (NXDOMAIN): 25.005, 31.006, 37.007, 43.008.
    let h = run(then(Mode::Wrong(3)), 100_000);
    assert_eq!(h.downs(), vec![(ms(43_008), FailReason::DnsRcode(3))]);
    // Down: 49.008 and 55.009 fail once each, 61.010 passes at 61.011.
    assert_eq!(h.ups(), vec![ms(61_011)]);
    let h = run(then(Mode::Wrong(2)), 100_000);
    assert_eq!(h.downs(), vec![(ms(43_008), FailReason::DnsRcode(2))]);
}

#[test]
fn keepalived_dns_check_port_unreachable_fails_the_read_at_once() {
    let h = run(then(Mode::Refuse), 100_000);
    assert_eq!(h.downs(), vec![(ms(43_008), FailReason::DnsReadFailed)]);
}

#[test]
fn keepalived_dns_check_first_failure_is_enough_initially() {
    let h = run(vec![(ms(0), Mode::Silent)], 10_000);
    assert_eq!(h.downs(), vec![(ms(4_000), FailReason::DnsTimeout)]);
}
