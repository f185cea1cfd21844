//! SSL_GET, SMTP_CHECK and DNS_CHECK take whatever bytes a server sends (in any chunking) without
//! panicking, and always go on checking.

use lvs::check::{
    AttemptId, CheckAction, CheckIo, CheckKind, Checker, CheckerSettings, DnsCheck, HttpGet,
    SmtpCheck, SslOptions, UrlCheck,
};
use lvs::Instant;
use proptest::prelude::*;

fn kinds() -> Vec<CheckKind> {
    let mut get = HttpGet::new(vec![UrlCheck::new("/")]);
    get.ssl = Some(SslOptions { enable_sni: true });
    get.virtualhost = Some("www.example.com".into());
    vec![
        CheckKind::Http(get),
        CheckKind::Smtp(SmtpCheck::default()),
        CheckKind::Dns(DnsCheck::default()),
    ]
}

/// The attempt the first check opens (a TCP connect, or the DNS datagram), already connected.
fn first_attempt(c: &mut Checker, now: Instant) -> AttemptId {
    c.start(Instant::ZERO, 0);
    c.handle_timeout(now);
    let attempt = match c.poll_action() {
        Some(CheckAction::Connect { attempt, .. }) => {
            c.handle_io(now, attempt, CheckIo::Connected);
            attempt
        }
        Some(CheckAction::SendUdp { attempt, .. }) => attempt,
        other => panic!("{other:?}"),
    };
    while c.poll_action().is_some() {}
    attempt
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ssl_smtp_dns_checkers_never_panic_on_any_bytes(
        kind in 0usize..3,
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..6),
        eof in any::<bool>(),
    ) {
        let now = Instant::from_secs(1);
        let mut c = Checker::new(
            CheckerSettings::http_defaults(),
            kinds().swap_remove(kind),
            "192.0.2.1:443".parse().unwrap(),
        );
        let attempt = first_attempt(&mut c, now);
        for chunk in &chunks {
            c.handle_io(now, attempt, CheckIo::Data(chunk));
            while c.poll_action().is_some() {}
        }
        if eof {
            c.handle_io(now, attempt, CheckIo::Eof);
        }
        while c.poll_action().is_some() {}
        while c.poll_event().is_some() {}
        // Whatever happened, a deadline or the next check is scheduled.
        let next = c.poll_timeout();
        prop_assert!(next.is_some());
        c.handle_timeout(next.unwrap_or(now));
        prop_assert!(c.poll_timeout().is_some());
    }
}
