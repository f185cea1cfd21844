//! Passive failure accounting (max_fails / fail_timeout) and proxy_next_upstream retries.

use crate::util::{ctx, error_page, get, pick_ok, proxy, run, seed_text};
use nginx::proxy::{AttemptResult, Decision, HttpMethod};
use nginx::upstream::{PeerId, UpstreamEventKind};

const OK: AttemptResult = AttemptResult::Status(200);
const REFUSED: AttemptResult = AttemptResult::Error { sent: false };

/// The kinds of the upstream events since the last call.
fn event_kinds(p: &mut nginx::proxy::Proxy) -> Vec<UpstreamEventKind> {
    p.upstream
        .drain_events()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

/// The first server refuses connections; every other answers 200.
fn first_refuses(id: PeerId) -> AttemptResult {
    if id == first() {
        REFUSED
    } else {
        OK
    }
}

fn first() -> PeerId {
    PeerId {
        backup: false,
        index: 0,
    }
}

/// The seed's web_app (two servers, max_fails=2 fail_timeout=30s) with the first server refusing from 10 s.
#[test]
fn seed_max_fails_2_disables_after_the_second_failure_for_fail_timeout_then_one_probe() {
    let text = format!("{}\n", seed_text());
    let mut p = proxy(&text);
    let dead = first_refuses;
    // Round robin sends the first request to server a: refused, retried on b, the client gets b's 200.
    let (tried, d) = run(&mut p, 10_000, get("192.0.2.50:1"), dead);
    assert_eq!(tried.iter().map(|t| t.index).collect::<Vec<_>>(), [0, 1]);
    assert!(matches!(
        d,
        Decision::Respond {
            status: 200,
            from: Some(PeerId { index: 1, .. })
        }
    ));
    assert_eq!(p.upstream.peer(first()).unwrap().fails, 1);
    // A failure lowers a's effective weight by weight / max_fails = 1/2 = 0, but the retry's pick also moved
    // the weights (a -1, b +1): the second request goes to b, the third to a, which fails a second time.
    let (tried, _) = run(&mut p, 10_400, get("192.0.2.50:2"), dead);
    assert_eq!(tried.iter().map(|t| t.index).collect::<Vec<_>>(), [1]);
    let (tried, _) = run(&mut p, 10_800, get("192.0.2.50:2"), dead);
    assert_eq!(tried.iter().map(|t| t.index).collect::<Vec<_>>(), [0, 1]);
    let ev = p.upstream.drain_events();
    let disabled: Vec<_> = ev
        .iter()
        .filter_map(|e| match e.kind {
            UpstreamEventKind::Disabled { until_ms } => Some((e.at_ms, until_ms)),
            _ => None,
        })
        .collect();
    // checked = 10 s; unusable while now - checked <= 30 s in whole seconds, so usable again at 41 s.
    assert_eq!(disabled, [(10_800, 41_000)]);
    // Every request until 40.999 s goes straight to b, without touching a.
    for t in (11_000..41_000).step_by(500) {
        let (tried, _) = run(&mut p, t, get("192.0.2.50:3"), dead);
        assert_eq!(
            tried.iter().map(|t| t.index).collect::<Vec<_>>(),
            [1],
            "at {t} ms"
        );
    }
    // At 41 s a is usable again. Its current weight trails b's by one (the failed request's retry), so b
    // takes the first request of that second and the next one probes a; a still refuses, which restarts the
    // window from checked = 41 s.
    let (tried, _) = run(&mut p, 41_000, get("192.0.2.50:4"), dead);
    assert_eq!(tried.iter().map(|t| t.index).collect::<Vec<_>>(), [1]);
    let (tried, _) = run(&mut p, 41_000, get("192.0.2.50:4"), dead);
    assert_eq!(tried.iter().map(|t| t.index).collect::<Vec<_>>(), [0, 1]);
    let kinds = event_kinds(&mut p);
    assert_eq!(
        kinds,
        [
            UpstreamEventKind::Probe,
            UpstreamEventKind::Failed { fails: 3 },
            UpstreamEventKind::Disabled { until_ms: 72_000 }
        ]
    );
    // a comes back; at 72 s the probe (again the second request of that second) succeeds and clears fails
    // (accessed 41 < checked 72).
    let (tried, _) = run(&mut p, 71_999, get("192.0.2.50:5"), |_| OK);
    assert_eq!(tried.iter().map(|t| t.index).collect::<Vec<_>>(), [1]);
    assert_eq!(pick_ok(&mut p, 72_000, get("192.0.2.50:6")), 1);
    let (tried, d) = run(&mut p, 72_000, get("192.0.2.50:6"), |_| OK);
    assert_eq!(
        (tried[0], d),
        (
            first(),
            Decision::Respond {
                status: 200,
                from: Some(first())
            }
        )
    );
    assert_eq!(p.upstream.peer(first()).unwrap().fails, 0);
    let kinds = event_kinds(&mut p);
    assert_eq!(
        kinds,
        [UpstreamEventKind::Probe, UpstreamEventKind::Recovered]
    );
}

#[test]
fn fails_are_not_cleared_by_a_success_inside_fail_timeout() {
    // nginx only clears fails on a success after a pick that moved `checked` (one more than fail_timeout
    // after the last check): spaced failures with successes in between still add up.
    let mut p =
        proxy("upstream u { server 192.0.2.1 max_fails=2 fail_timeout=10s; server 192.0.2.2; }");
    run(&mut p, 0, get("192.0.2.50:1"), first_refuses);
    // The retry's pick moved the weights: b, then a. At 5 s a succeeds: inside the window, fails stays 1.
    assert_eq!(pick_ok(&mut p, 5_000, get("192.0.2.50:1")), 1);
    assert_eq!(pick_ok(&mut p, 5_000, get("192.0.2.50:1")), 0);
    assert_eq!(p.upstream.peer(first()).unwrap().fails, 1);
    // At 11 s (more than fail_timeout after checked = 0) the pick of a moves checked to 11 and the success
    // clears fails.
    assert_eq!(pick_ok(&mut p, 11_000, get("192.0.2.50:1")), 1);
    assert_eq!(pick_ok(&mut p, 11_000, get("192.0.2.50:1")), 0);
    assert_eq!(p.upstream.peer(first()).unwrap().fails, 0);
}

#[test]
fn max_fails_0_never_marks_a_server_unavailable() {
    let mut p = proxy("upstream u { server 192.0.2.1 max_fails=0; server 192.0.2.2; }");
    for i in 0..10 {
        let (tried, _) = run(&mut p, i * 100, get("192.0.2.50:1"), first_refuses);
        if i % 2 == 0 {
            assert_eq!(tried[0], first(), "request {i}");
        }
    }
}

#[test]
fn a_single_server_is_never_marked_failed_and_gets_no_retry() {
    let mut p = proxy("upstream u { server 192.0.2.1 max_fails=1; }");
    for t in 0..5 {
        let (tried, d) = run(&mut p, t * 100, get("192.0.2.50:1"), |_| REFUSED);
        assert_eq!(tried.len(), 1);
        assert_eq!(d, error_page(502));
    }
    assert_eq!(p.upstream.peer(first()).unwrap().fails, 0);
}

#[test]
fn error_on_every_server_answers_502_after_one_try_each() {
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; server 192.0.2.3; }");
    let (tried, d) = run(&mut p, 0, get("192.0.2.50:1"), |_| REFUSED);
    assert_eq!(tried.len(), 3);
    assert_eq!(d, error_page(502));
    // All three now have fails = max_fails = 1: no live upstreams, 502 without any attempt.
    let (tried, d) = run(&mut p, 100, get("192.0.2.50:1"), |_| OK);
    assert!(tried.is_empty());
    assert_eq!(d, error_page(502));
}

#[test]
fn timeout_answers_504_when_no_try_is_left() {
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; } server { location / { proxy_pass http://u; proxy_next_upstream_tries 1; } }");
    let (tried, d) = run(&mut p, 0, get("192.0.2.50:1"), |_| AttemptResult::Timeout {
        sent: true,
    });
    assert_eq!(tried.len(), 1);
    assert_eq!(d, error_page(504));
}

#[test]
fn http_500_is_passed_through_and_is_no_failure_by_default() {
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; }");
    let (tried, d) = run(&mut p, 0, get("192.0.2.50:1"), |_| {
        AttemptResult::Status(500)
    });
    assert_eq!(tried, [first()]);
    assert_eq!(
        d,
        Decision::Respond {
            status: 500,
            from: Some(first())
        }
    );
    assert_eq!(p.upstream.peer(first()).unwrap().fails, 0);
}

#[test]
fn http_500_listed_moves_on_and_counts_but_the_last_try_passes_it_through() {
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; } server { location / { proxy_pass http://u; proxy_next_upstream error timeout http_500; } }");
    let (tried, d) = run(&mut p, 0, get("192.0.2.50:1"), |_| {
        AttemptResult::Status(500)
    });
    assert_eq!(tried.len(), 2);
    // The second server's 500 goes to the client as a success for that server (test_next needs tries > 1).
    assert_eq!(
        d,
        Decision::Respond {
            status: 500,
            from: Some(PeerId {
                backup: false,
                index: 1
            })
        }
    );
    assert_eq!(p.upstream.peer(first()).unwrap().fails, 1);
    assert_eq!(
        p.upstream
            .peer(PeerId {
                backup: false,
                index: 1
            })
            .unwrap()
            .fails,
        0
    );
}

#[test]
fn http_404_listed_moves_on_without_counting_a_failure() {
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; } server { location / { proxy_pass http://u; proxy_next_upstream http_404; } }");
    let (tried, _) = run(&mut p, 0, get("192.0.2.50:1"), |id| {
        if id == first() {
            AttemptResult::Status(404)
        } else {
            OK
        }
    });
    assert_eq!(tried.len(), 2);
    assert_eq!(p.upstream.peer(first()).unwrap().fails, 0);
}

#[test]
fn post_is_not_resent_after_the_request_went_out_without_non_idempotent() {
    let text = "upstream u { server 192.0.2.1; server 192.0.2.2; }";
    let mut p = proxy(text);
    let (tried, d) = run(
        &mut p,
        0,
        ctx("192.0.2.50:1", HttpMethod::Post, "/"),
        |_| AttemptResult::Error { sent: true },
    );
    assert_eq!((tried.len(), d), (1, error_page(502)));
    // Refused before anything was sent: a POST moves on like a GET.
    let mut p = proxy(text);
    let (tried, _) = run(
        &mut p,
        0,
        ctx("192.0.2.50:1", HttpMethod::Post, "/"),
        first_refuses,
    );
    assert_eq!(tried.len(), 2);
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; } server { location / { proxy_pass http://u; proxy_next_upstream error non_idempotent; } }");
    let (tried, _) = run(
        &mut p,
        0,
        ctx("192.0.2.50:1", HttpMethod::Post, "/"),
        |id| {
            if id == first() {
                AttemptResult::Error { sent: true }
            } else {
                OK
            }
        },
    );
    assert_eq!(tried.len(), 2);
}

#[test]
fn proxy_next_upstream_timeout_stops_retries_once_elapsed() {
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; server 192.0.2.3; } server { location / { proxy_pass http://u; proxy_next_upstream_timeout 2s; } }");
    let (mut req, d) = p.start(0, get("192.0.2.50:1"));
    assert!(matches!(d, Decision::Connect(_)));
    let d = p.finish(&mut req, 1_999, REFUSED);
    assert!(matches!(d, Decision::Connect(_)));
    let d = p.finish(&mut req, 2_000, REFUSED);
    assert_eq!(d, error_page(502));
}

#[test]
fn proxy_next_upstream_off_answers_the_first_error() {
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; } server { location / { proxy_pass http://u; proxy_next_upstream off; } }");
    let (tried, d) = run(&mut p, 0, get("192.0.2.50:1"), |_| REFUSED);
    assert_eq!((tried.len(), d), (1, error_page(502)));
}

#[test]
fn invalid_header_is_a_failure_answered_502() {
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; } server { location / { proxy_pass http://u; proxy_next_upstream invalid_header; } }");
    let (tried, d) = run(&mut p, 0, get("192.0.2.50:1"), |_| {
        AttemptResult::InvalidHeader
    });
    assert_eq!((tried.len(), d), (2, error_page(502)));
}

#[test]
fn failure_lowers_effective_weight_by_weight_over_max_fails_and_it_recovers_by_one_per_round() {
    let mut p =
        proxy("upstream u { server 192.0.2.1 weight=4 max_fails=2; server 192.0.2.2 weight=4; }");
    run(&mut p, 0, get("192.0.2.50:1"), first_refuses);
    assert_eq!(p.upstream.peer(first()).unwrap().effective_weight, 2);
    pick_ok(&mut p, 0, get("192.0.2.50:1"));
    assert_eq!(p.upstream.peer(first()).unwrap().effective_weight, 3);
    pick_ok(&mut p, 0, get("192.0.2.50:1"));
    assert_eq!(p.upstream.peer(first()).unwrap().effective_weight, 4);
}
