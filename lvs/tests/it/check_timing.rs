//! keepalived checker semantics with exact detection times. The network is a small scripted model:
//! every exchange takes 1 ms (connect, response), a "silent" server drops everything.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use lvs::check::{
    genhash, parse_digest, AttemptId, CheckAction, CheckEvent, CheckIo, CheckKind, Checker,
    CheckerSettings, FailReason, HttpGet, HttpProtocol, RealServerHealth, RsAction, StatusCodes,
    UrlCheck,
};
use lvs::{Duration, Instant};

const RTT: Duration = Duration::from_millis(1);

fn ms(t: u64) -> Instant {
    Instant::from_millis(t)
}

#[derive(Clone, Debug)]
enum Server {
    /// Answers `status` with `body` and closes.
    Healthy { status: u16, body: &'static [u8] },
    /// Drops every packet: connects time out.
    Silent,
    /// Answers SYN with RST.
    Refuse,
    /// Accepts the connection, never answers the request.
    Hang,
}

fn ok() -> Server {
    Server::Healthy {
        status: 200,
        body: b"<html>ok</html>",
    }
}

struct Harness {
    checker: Checker,
    script: Vec<(Instant, Server)>,
    pending: BTreeMap<(Instant, u64), (AttemptId, Net)>,
    seq: u64,
    events: Vec<CheckEvent>,
    requests: Vec<Vec<u8>>,
}

#[derive(Clone, Debug)]
enum Net {
    Connected,
    Refused,
    Data(Vec<u8>),
    Eof,
}

impl Harness {
    fn new(checker: Checker, script: Vec<(Instant, Server)>) -> Self {
        Harness {
            checker,
            script,
            pending: BTreeMap::new(),
            seq: 0,
            events: Vec::new(),
            requests: Vec::new(),
        }
    }

    fn server_at(&self, t: Instant) -> Server {
        self.script
            .iter()
            .rev()
            .find(|(at, _)| *at <= t)
            .map(|(_, s)| s.clone())
            .unwrap_or(Server::Silent)
    }

    fn push(&mut self, t: Instant, a: AttemptId, n: Net) {
        self.seq += 1;
        self.pending.insert((t, self.seq), (a, n));
    }

    fn drain(&mut self, now: Instant) {
        while let Some(a) = self.checker.poll_action() {
            match a {
                CheckAction::Connect { attempt, .. } => match self.server_at(now) {
                    Server::Silent => {}
                    Server::Refuse => self.push(now + RTT, attempt, Net::Refused),
                    _ => self.push(now + RTT, attempt, Net::Connected),
                },
                CheckAction::Send { attempt, data } => {
                    self.requests.push(data);
                    if let Server::Healthy { status, body } = self.server_at(now) {
                        let resp = format!(
                            "HTTP/1.0 {status} X\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        let mut bytes = resp.into_bytes();
                        bytes.extend_from_slice(body);
                        self.push(now + RTT, attempt, Net::Data(bytes));
                        self.push(now + RTT, attempt, Net::Eof);
                    }
                }
                CheckAction::Close { attempt } => self.pending.retain(|_, (a, _)| *a != attempt),
                CheckAction::RunScript { .. } | CheckAction::KillScript { .. } => {}
                CheckAction::SendUdp { .. } | CheckAction::SendEcho { .. } => {
                    unreachable!("no datagram checker here")
                }
            }
        }
        while let Some(e) = self.checker.poll_event() {
            self.events.push(e);
        }
    }

    fn run(&mut self, until: Instant) {
        loop {
            let timer = self.checker.poll_timeout();
            let net = self.pending.keys().next().map(|k| k.0);
            let now = match (timer, net) {
                (Some(t), Some(n)) => t.min(n),
                (Some(t), None) => t,
                (None, Some(n)) => n,
                (None, None) => break,
            };
            if now > until {
                break;
            }
            if net == Some(now) {
                let (&k, _) = self.pending.iter().next().unwrap();
                let (a, n) = self.pending.remove(&k).unwrap();
                let io = match &n {
                    Net::Connected => CheckIo::Connected,
                    Net::Refused => CheckIo::Refused,
                    Net::Data(d) => CheckIo::Data(d),
                    Net::Eof => CheckIo::Eof,
                };
                self.checker.handle_io(now, a, io);
            } else {
                self.checker.handle_timeout(now);
            }
            self.drain(now);
        }
    }

    fn downs(&self) -> Vec<(Instant, FailReason)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                CheckEvent::Down { at, reason, .. } => Some((*at, reason.clone())),
                _ => None,
            })
            .collect()
    }

    fn ups(&self) -> Vec<Instant> {
        self.events
            .iter()
            .filter_map(|e| match e {
                CheckEvent::Up { at } => Some(*at),
                _ => None,
            })
            .collect()
    }
}

/// The seed's HTTP_GET: connect_timeout 3, nb_get_retry 3, delay_before_retry 3, delay_loop 6
/// (the virtual server's), url / status 200.
fn seed_settings() -> CheckerSettings {
    CheckerSettings {
        connect_timeout: Duration::from_secs(3),
        retry: 3,
        delay_before_retry: Duration::from_secs(3),
        delay_loop: Duration::from_secs(6),
        warmup: Duration::from_secs(6),
        alpha: false,
    }
}

fn seed_http() -> CheckKind {
    let mut url = UrlCheck::new("/");
    url.status = StatusCodes::parse("200").unwrap();
    CheckKind::Http(HttpGet::new(vec![url]))
}

fn target() -> SocketAddr {
    "192.168.145.203:80".parse().unwrap()
}

fn started(settings: CheckerSettings, kind: CheckKind, script: Vec<(Instant, Server)>) -> Harness {
    let mut c = Checker::new(settings, kind, target());
    c.start(Instant::ZERO, 0);
    Harness::new(c, script)
}

#[test]
fn keepalived_http_get_seed_silent_server_removed_after_t1_plus_21s() {
    // Healthy checks take 2 ms (connect + response) and repeat delay_loop later: starts at
    // 1 s + k × 6.002 s. The server dies at 100 s; the check started at 97.032 s passed, so the first
    // failing check starts t₁ = 97.034 + 6 = 103.034 s. Four attempts of connect_timeout (3 s) separated
    // by three delay_before_retry (3 s): removal at t₁ + 4×3 + 3×3 = 124.034 s.
    let mut h = started(
        seed_settings(),
        seed_http(),
        vec![(Instant::ZERO, ok()), (ms(100_000), Server::Silent)],
    );
    h.run(ms(130_000));
    assert_eq!(h.downs(), vec![(ms(124_034), FailReason::ConnectTimeout)]);
    let settings = seed_settings();
    let t1 = ms(103_034);
    assert_eq!(
        t1 + settings.silent_failure_after_first_attempt(),
        ms(124_034)
    );
    // The bound the scenario asserts: removal − death ≤ delay_loop + 4×3 + 3×3 (+ one check's 2 ms).
    assert_eq!(settings.silent_failure_bound(), Duration::from_secs(27));
    let detection = ms(124_034) - ms(100_000);
    assert!(detection <= settings.silent_failure_bound() + Duration::from_millis(2));
    assert!(detection > settings.silent_failure_after_first_attempt());
}

#[test]
fn keepalived_http_get_request_bytes() {
    let mut h = started(seed_settings(), seed_http(), vec![(Instant::ZERO, ok())]);
    h.run(ms(1_010));
    assert_eq!(
        String::from_utf8(h.requests[0].clone()).unwrap(),
        "GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 192.168.145.203:80\r\n\r\n"
    );
    let mut get = HttpGet::new(vec![UrlCheck::new("/health")]);
    get.virtualhost = Some("www.example.com".into());
    get.protocol = HttpProtocol::Http11;
    let mut h = started(
        seed_settings(),
        CheckKind::Http(get),
        vec![(Instant::ZERO, ok())],
    );
    h.run(ms(1_010));
    assert_eq!(
        String::from_utf8(h.requests[0].clone()).unwrap(),
        "GET /health HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.com\r\n\r\n"
    );
}

#[test]
fn keepalived_http_get_refused_connections_fail_fast() {
    // Each attempt fails after one RTT: removal at t₁ + 3 × delay_before_retry + 4 ms.
    let mut h = started(
        seed_settings(),
        seed_http(),
        vec![(Instant::ZERO, ok()), (ms(100_000), Server::Refuse)],
    );
    h.run(ms(130_000));
    assert_eq!(h.downs(), vec![(ms(112_038), FailReason::ConnectFailed)]);
}

#[test]
fn keepalived_http_get_hung_server_fails_on_read_timeout() {
    // Connect succeeds in 1 ms, then the read times out after connect_timeout: 3.001 s per attempt.
    let mut h = started(
        seed_settings(),
        seed_http(),
        vec![(Instant::ZERO, ok()), (ms(100_000), Server::Hang)],
    );
    h.run(ms(130_000));
    assert_eq!(
        h.downs(),
        vec![(ms(103_034 + 4 * 3_001 + 3 * 3_000), FailReason::ReadTimeout)]
    );
}

#[test]
fn keepalived_http_get_status_code_and_ranges() {
    let script = vec![
        (Instant::ZERO, ok()),
        (
            ms(100_000),
            Server::Healthy {
                status: 500,
                body: b"err",
            },
        ),
    ];
    let mut h = started(seed_settings(), seed_http(), script.clone());
    h.run(ms(130_000));
    assert_eq!(
        h.downs(),
        vec![(ms(103_034 + 4 * 2 + 9_000), FailReason::StatusCode(500))]
    );
    // status_code 200-299 500 accepts the 500.
    let mut url = UrlCheck::new("/");
    url.status = StatusCodes::parse("200-299 500").unwrap();
    let mut h = started(
        seed_settings(),
        CheckKind::Http(HttpGet::new(vec![url])),
        script,
    );
    h.run(ms(130_000));
    assert!(h.downs().is_empty());
}

#[test]
fn keepalived_http_get_digest_as_genhash_prints_it() {
    let mut url = UrlCheck::new("/");
    url.digest = parse_digest(&genhash(b"<html>ok</html>"));
    let script = vec![
        (Instant::ZERO, ok()),
        (
            ms(100_000),
            Server::Healthy {
                status: 200,
                body: b"<html>defaced</html>",
            },
        ),
    ];
    let mut h = started(
        seed_settings(),
        CheckKind::Http(HttpGet::new(vec![url])),
        script,
    );
    h.run(ms(130_000));
    assert_eq!(
        h.downs(),
        vec![(
            ms(103_034 + 8 + 9_000),
            FailReason::Digest(genhash(b"<html>defaced</html>"))
        )]
    );
}

#[test]
fn keepalived_http_get_recovery_needs_two_passing_rounds() {
    // Down at 124.034 (see above). While down, a failure schedules the next check
    // max(delay_before_retry, delay_loop) = 6 s later: starts 130.034, 139.034, ..., 202.034 (period 9 s
    // = 3 s timeout + 6 s). The server is back at 200 s: 202.034 passes (202.036) but only clears the
    // failed URL; the next round, delay_loop later, passes at 208.038 and the server is up.
    let script = vec![
        (Instant::ZERO, ok()),
        (ms(100_000), Server::Silent),
        (ms(200_000), ok()),
    ];
    let mut h = started(seed_settings(), seed_http(), script);
    h.run(ms(260_000));
    assert_eq!(h.downs().len(), 1);
    assert_eq!(h.ups(), vec![ms(208_038)]);
}

#[test]
fn keepalived_tcp_check_seed_timing_and_single_pass_recovery() {
    // TCP_CHECK with the same settings: a healthy check is one connect (1 ms), so checks start at
    // 1 s + k × 6.001 s; t₁ = 97.016 + 0.001 + 6 = 103.017; removal at t₁ + 21 s.
    let script = vec![
        (Instant::ZERO, ok()),
        (ms(100_000), Server::Silent),
        (ms(200_000), ok()),
    ];
    let mut h = started(seed_settings(), CheckKind::Tcp, script);
    h.run(ms(260_000));
    assert_eq!(h.downs(), vec![(ms(124_017), FailReason::ConnectTimeout)]);
    // Down: every failure waits delay_loop; 124.017 → 130.017 (fails 133.017) → ... → 202.017 passes
    // at 202.018, and one pass is enough for TCP_CHECK.
    assert_eq!(h.ups(), vec![ms(202_018)]);
}

#[test]
fn keepalived_checker_first_failure_is_enough_initially() {
    // check_data.c sets retry_it = retry at startup: a server dead from the start is removed after the
    // first attempt (1 s bootstrap + 3 s connect timeout), without retries.
    let mut h = started(
        seed_settings(),
        seed_http(),
        vec![(Instant::ZERO, Server::Silent)],
    );
    h.run(ms(10_000));
    assert_eq!(h.downs(), vec![(ms(4_000), FailReason::ConnectTimeout)]);
    let mut h = started(
        seed_settings(),
        CheckKind::Tcp,
        vec![(Instant::ZERO, Server::Silent)],
    );
    h.run(ms(10_000));
    assert_eq!(h.downs(), vec![(ms(4_000), FailReason::ConnectTimeout)]);
}

#[test]
fn keepalived_checker_alpha_starts_down() {
    let s = CheckerSettings {
        alpha: true,
        ..seed_settings()
    };
    let mut h = started(s, seed_http(), vec![(Instant::ZERO, ok())]);
    h.run(ms(2_000));
    assert_eq!(h.ups(), vec![ms(1_002)]);
    // TCP_CHECK's first failure in alpha mode only confirms the initial down (notify_down, no removal).
    let mut h = started(s, CheckKind::Tcp, vec![(Instant::ZERO, Server::Refuse)]);
    h.run(ms(2_000));
    assert_eq!(
        h.events,
        vec![CheckEvent::Down {
            at: ms(1_001),
            reason: FailReason::ConnectFailed,
            initial: true
        }]
    );
}

#[test]
fn keepalived_checker_warmup_delays_the_first_check() {
    let mut c = Checker::new(seed_settings(), CheckKind::Tcp, target());
    c.start(Instant::ZERO, u32::MAX);
    assert_eq!(c.poll_timeout(), Some(ms(7_000)));
    let mut c = Checker::new(seed_settings(), CheckKind::Tcp, target());
    c.start(Instant::ZERO, 0);
    assert_eq!(c.poll_timeout(), Some(ms(1_000)));
}

#[test]
fn keepalived_checker_ignores_io_of_finished_attempts() {
    let mut c = Checker::new(seed_settings(), CheckKind::Tcp, target());
    c.start(Instant::ZERO, 0);
    c.handle_timeout(ms(1_000));
    let Some(CheckAction::Connect { attempt, .. }) = c.poll_action() else {
        panic!()
    };
    c.handle_timeout(ms(4_000));
    // A connect completing after the timeout is stale.
    c.handle_io(ms(4_500), attempt, CheckIo::Connected);
    assert!(!c.is_up());
    assert_eq!(c.poll_timeout(), Some(ms(10_000)));
}

#[test]
fn keepalived_rs_inhibit_on_failure_sets_weight_zero_and_notifies() {
    let mut rs = RealServerHealth::new(5, true, 0);
    assert_eq!(
        rs.init(ms(0)),
        vec![RsAction::Add {
            at: ms(0),
            weight: 5
        }]
    );
    let down = CheckEvent::Down {
        at: ms(10),
        reason: FailReason::ConnectTimeout,
        initial: false,
    };
    assert_eq!(
        rs.on_check_event(&down),
        vec![
            RsAction::SetWeight {
                at: ms(10),
                weight: 0
            },
            RsAction::NotifyDown { at: ms(10) }
        ]
    );
    assert_eq!(
        rs.on_check_event(&CheckEvent::Up { at: ms(20) }),
        vec![
            RsAction::SetWeight {
                at: ms(20),
                weight: 5
            },
            RsAction::NotifyUp { at: ms(20) }
        ]
    );
    // Without inhibit: removed and re-added.
    let mut rs = RealServerHealth::new(1, false, 0);
    rs.init(ms(0));
    assert_eq!(
        rs.on_check_event(&down),
        vec![
            RsAction::Remove { at: ms(10) },
            RsAction::NotifyDown { at: ms(10) }
        ]
    );
    assert_eq!(
        rs.on_check_event(&CheckEvent::Up { at: ms(20) }),
        vec![
            RsAction::Add {
                at: ms(20),
                weight: 1
            },
            RsAction::NotifyUp { at: ms(20) }
        ]
    );
}

#[test]
fn keepalived_rs_is_up_only_when_every_checker_is_up() {
    let mut rs = RealServerHealth::new(1, false, 0);
    rs.init(ms(0));
    let down = |t| CheckEvent::Down {
        at: ms(t),
        reason: FailReason::ConnectTimeout,
        initial: false,
    };
    assert_eq!(
        rs.on_check_event(&down(10)).len(),
        2,
        "first failing checker removes"
    );
    assert!(
        rs.on_check_event(&down(11)).is_empty(),
        "second failing checker: already out"
    );
    assert!(
        rs.on_check_event(&CheckEvent::Up { at: ms(12) }).is_empty(),
        "one still failing"
    );
    assert_eq!(
        rs.on_check_event(&CheckEvent::Up { at: ms(13) }).len(),
        2,
        "last one: back in"
    );
    assert!(rs.is_alive());
    // Alpha checkers start failed: nothing is added at init without inhibit.
    let mut rs = RealServerHealth::new(1, false, 1);
    assert!(rs.init(ms(0)).is_empty());
    // Omega: notify_down at shutdown for an alive server.
    let mut rs = RealServerHealth::new(1, false, 0);
    rs.init(ms(0));
    assert_eq!(
        rs.shutdown(ms(5), true),
        vec![
            RsAction::Remove { at: ms(5) },
            RsAction::NotifyDown { at: ms(5) }
        ]
    );
}

#[test]
fn keepalived_http_get_fast_recovery_rechecks_at_once() {
    // As keepalived_http_get_recovery_needs_two_passing_rounds, but with fast_recovery the second
    // round starts immediately after the first pass (202.036), so the server is up at 202.038.
    let mut get = HttpGet::new(vec![UrlCheck::new("/")]);
    get.fast_recovery = true;
    let script = vec![
        (Instant::ZERO, ok()),
        (ms(100_000), Server::Silent),
        (ms(200_000), ok()),
    ];
    let mut h = started(seed_settings(), CheckKind::Http(get), script);
    h.run(ms(260_000));
    assert_eq!(h.downs(), vec![(ms(124_034), FailReason::ConnectTimeout)]);
    assert_eq!(h.ups(), vec![ms(202_038)]);
}

/// Drive a MISC_CHECK whose script exits with `code_at(t)` after 10 ms, or never returns (None).
fn run_misc(
    settings: CheckerSettings,
    dynamic: bool,
    code_at: impl Fn(Instant) -> Option<u8>,
    until: Instant,
) -> (Vec<CheckEvent>, Vec<Instant>) {
    use lvs::check::MiscCheck;
    let kind = CheckKind::Misc(MiscCheck {
        script: "/usr/local/bin/check_app".into(),
        timeout: Duration::from_secs(5),
        dynamic,
    });
    let mut c = Checker::new(settings, kind, target());
    c.start(Instant::ZERO, 0);
    let mut events = Vec::new();
    let mut runs = Vec::new();
    let mut pending: Option<(Instant, AttemptId, u8)> = None;
    loop {
        let t = match (c.poll_timeout(), pending) {
            (Some(a), Some((b, _, _))) => a.min(b),
            (Some(a), None) => a,
            (None, Some((b, _, _))) => b,
            (None, None) => break,
        };
        if t > until {
            break;
        }
        match pending {
            Some((b, a, code)) if b == t => {
                pending = None;
                c.handle_io(t, a, CheckIo::Exited(code));
            }
            _ => c.handle_timeout(t),
        }
        while let Some(a) = c.poll_action() {
            if let CheckAction::RunScript { attempt, .. } = a {
                runs.push(t);
                if let Some(code) = code_at(t) {
                    pending = Some((t + Duration::from_millis(10), attempt, code));
                }
            }
        }
        while let Some(e) = c.poll_event() {
            events.push(e);
        }
    }
    (events, runs)
}

#[test]
fn keepalived_misc_check_retry_and_timing_from_script_start() {
    // retry 2, delay_before_retry 3, delay_loop 6. Runs start every 6 s from the previous start
    // (last_ran + delay), not from the exit. The script fails (exit 1) from 30 s: the run at 31 s fails
    // (retry 1 of 2), 34 s fails (2 of 2), 37 s fails → down at 37.010 s.
    let s = CheckerSettings {
        retry: 2,
        ..seed_settings()
    };
    let (events, runs) = run_misc(
        s,
        false,
        |t| Some(if t >= ms(30_000) { 1 } else { 0 }),
        ms(40_000),
    );
    assert_eq!(
        &runs[..6],
        &[
            ms(1_000),
            ms(7_000),
            ms(13_000),
            ms(19_000),
            ms(25_000),
            ms(31_000)
        ]
    );
    assert_eq!(&runs[6..], &[ms(34_000), ms(37_000)]);
    assert_eq!(
        events,
        vec![CheckEvent::Down {
            at: ms(37_010),
            reason: FailReason::ScriptExit(1),
            initial: false
        }]
    );
}

#[test]
fn keepalived_misc_check_timeout_counts_as_failure() {
    let s = CheckerSettings {
        retry: 0,
        ..seed_settings()
    };
    let (events, _) = run_misc(
        s,
        false,
        |t| if t >= ms(10_000) { None } else { Some(0) },
        ms(20_000),
    );
    // Runs at 1, 7, 13: the 13 s run hangs, misc_timeout 5 s → down at 18 s.
    assert_eq!(
        events,
        vec![CheckEvent::Down {
            at: ms(18_000),
            reason: FailReason::ScriptTimeout,
            initial: false
        }]
    );
}

#[test]
fn keepalived_misc_dynamic_exit_code_sets_weight() {
    let s = CheckerSettings {
        retry: 0,
        ..seed_settings()
    };
    let (events, _) = run_misc(
        s,
        true,
        |t| Some(if t >= ms(10_000) { 12 } else { 0 }),
        ms(15_000),
    );
    // Exit 12 → weight 10, the server stays up.
    assert_eq!(
        events,
        vec![CheckEvent::Weight {
            at: ms(13_010),
            weight: Some(10)
        }]
    );
    let mut rs = RealServerHealth::new(1, false, 0);
    rs.init(ms(0));
    assert_eq!(
        rs.on_check_event(&events[0]),
        vec![RsAction::SetWeight {
            at: ms(13_010),
            weight: 10
        }]
    );
    assert_eq!(rs.effective_weight(), 10);
}
