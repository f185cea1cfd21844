//! UDP_CHECK, PING_CHECK, FILE_CHECK and BFD_CHECK with keepalived 2.2.7's semantics and exact
//! detection / recovery times. The network is scripted: every answer takes 1 ms, a silent server drops
//! everything.

use std::net::SocketAddr;
use std::path::Path;

use lvs::check::{
    classify_reply, echo_request, parse_track_file_value, read_hex_str, set_buf, BfdConfig,
    BfdPacket, BfdSession, BfdState, CheckAction, CheckEvent, CheckIo, CheckKind, Checker,
    CheckerSettings, FailReason, FileCheck, PingCheck, RealServerHealth, RsAction, UdpCheck,
    WEIGHT_FAULT,
};
use lvs::{Director, Duration, Instant, IpvsSettings};

const RTT: Duration = Duration::from_millis(1);

fn ms(t: u64) -> Instant {
    Instant::from_millis(t)
}

/// connect_timeout 3, retry 3, delay_before_retry 3, delay_loop 6 (the seed's checker timing).
fn seed_settings() -> CheckerSettings {
    CheckerSettings {
        connect_timeout: Duration::from_secs(3),
        retry: 3,
        delay_before_retry: Duration::from_secs(3),
        delay_loop: Duration::from_secs(6),
        warmup: Duration::ZERO,
        alpha: false,
    }
}

fn target() -> SocketAddr {
    "198.51.100.21:53".parse().unwrap()
}

/// How the scripted server answers a datagram.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Answer {
    /// Echoes `reply` (UDP) or answers the echo request (ICMP).
    Reply(&'static [u8]),
    /// ICMP destination unreachable (no service on the port / host says no).
    Unreachable,
    /// Nothing at all.
    Silent,
}

/// Runs a datagram checker (UDP / PING) until `until` against `answer_at(t)`; returns its events and
/// the send times.
fn run_datagram(
    kind: CheckKind,
    settings: CheckerSettings,
    answer_at: impl Fn(Instant) -> Answer,
    until: Instant,
) -> (Vec<CheckEvent>, Vec<Instant>) {
    let mut c = Checker::new(settings, kind, target());
    c.start(Instant::ZERO, 0);
    let (mut events, mut sends) = (Vec::new(), Vec::new());
    let mut pending: Option<(Instant, lvs::check::AttemptId, Answer)> = None;
    loop {
        let t = [c.poll_timeout(), pending.map(|p| p.0)]
            .into_iter()
            .flatten()
            .min();
        let Some(t) = t.filter(|t| *t <= until) else {
            break;
        };
        match pending {
            Some((at, attempt, answer)) if at == t => {
                pending = None;
                match answer {
                    Answer::Reply(bytes) if matches!(c.kind(), CheckKind::Ping(_)) => {
                        let _ = bytes;
                        c.handle_io(t, attempt, CheckIo::EchoReply)
                    }
                    Answer::Reply(bytes) => c.handle_io(t, attempt, CheckIo::Data(bytes)),
                    Answer::Unreachable => c.handle_io(t, attempt, CheckIo::Unreachable),
                    Answer::Silent => {}
                }
            }
            _ => c.handle_timeout(t),
        }
        while let Some(a) = c.poll_action() {
            match a {
                CheckAction::SendUdp { attempt, .. } | CheckAction::SendEcho { attempt, .. } => {
                    sends.push(t);
                    let answer = answer_at(t);
                    if answer != Answer::Silent {
                        pending = Some((t + RTT, attempt, answer));
                    }
                }
                CheckAction::Close { attempt } => {
                    if pending.is_some_and(|p| p.1 == attempt) {
                        pending = None;
                    }
                }
                other => panic!("unexpected action {other:?}"),
            }
        }
        while let Some(e) = c.poll_event() {
            events.push(e);
        }
    }
    (events, sends)
}

fn downs(ev: &[CheckEvent]) -> Vec<(Instant, FailReason)> {
    ev.iter()
        .filter_map(|e| match e {
            CheckEvent::Down { at, reason, .. } => Some((*at, reason.clone())),
            _ => None,
        })
        .collect()
}

fn ups(ev: &[CheckEvent]) -> Vec<Instant> {
    ev.iter()
        .filter_map(|e| match e {
            CheckEvent::Up { at } => Some(*at),
            _ => None,
        })
        .collect()
}

#[test]
fn keepalived_udp_check_sends_set_buf_filler_without_payload() {
    let u = UdpCheck::default();
    assert_eq!(u.datagram(), b"keepalived check - keepalived ch".to_vec());
    assert_eq!(set_buf(128).len(), 128);
    assert!(u.reply_ok(b"anything"));
}

#[test]
fn keepalived_read_hex_str_octets_spaces_and_wildcards() {
    assert_eq!(
        read_hex_str("0a0B ff", false),
        Some((vec![0x0a, 0x0b, 0xff], None))
    );
    // A lone digit before a space is one octet.
    assert_eq!(read_hex_str("1 23", false), Some((vec![0x01, 0x23], None)));
    assert_eq!(
        read_hex_str("4fX3", true),
        Some((vec![0x4f, 0x03], Some(vec![0x00, 0xf0])))
    );
    assert_eq!(read_hex_str("4fX3", false), None);
    assert_eq!(read_hex_str("zz", false), None);
    assert_eq!(read_hex_str("   ", false), None);
}

#[test]
fn keepalived_udp_check_reply_match_lengths_and_mask() {
    let mut u = UdpCheck {
        require_reply: true,
        ..Default::default()
    };
    let (d, m) = read_hex_str("4f4bXX", true).unwrap();
    u.reply_data = Some(d);
    u.reply_mask = m;
    assert!(u.reply_ok(b"OK!"));
    assert!(
        u.reply_ok(b"OK"),
        "only min(len, reply length) octets are compared"
    );
    assert!(!u.reply_ok(b"NO!"));
    u.min_reply_len = 3;
    assert!(!u.reply_ok(b"OK"));
    u.max_reply_len = 4;
    assert!(!u.reply_ok(b"OK!!!"));
}

#[test]
fn keepalived_udp_check_port_unreachable_fails_each_attempt_in_one_round_trip() {
    // delay_loop runs from the end of each check, so with 1 ms answers the checks start at 1, 7.001,
    // ..., 31.005 s. From 30 s the port is closed: 31.006 fails (retry 1/3), the retries at 34.006,
    // 37.007, 40.008 fail one round trip later, and the fourth failure marks it down.
    let kind = CheckKind::Udp(UdpCheck::default());
    let (ev, sends) = run_datagram(
        kind,
        seed_settings(),
        |t| {
            if t >= ms(30_000) && t < ms(50_000) {
                Answer::Unreachable
            } else {
                Answer::Reply(b"pong")
            }
        },
        ms(60_000),
    );
    assert_eq!(
        &sends[..6],
        &[
            ms(1_000),
            ms(7_001),
            ms(13_002),
            ms(19_003),
            ms(25_004),
            ms(31_005)
        ]
    );
    assert_eq!(&sends[6..9], &[ms(34_006), ms(37_007), ms(40_008)]);
    assert_eq!(downs(&ev), vec![(ms(40_009), FailReason::Unreachable)]);
    // Down: one check per delay_loop (46.009 still closed), 52.010 answers → up at 52.011.
    assert_eq!(ups(&ev), vec![ms(52_011)]);
}

#[test]
fn keepalived_udp_check_silence_passes_without_require_reply() {
    let kind = CheckKind::Udp(UdpCheck::default());
    let (ev, _) = run_datagram(kind, seed_settings(), |_| Answer::Silent, ms(60_000));
    assert!(ev.is_empty(), "{ev:?}");
}

#[test]
fn keepalived_udp_check_require_reply_silent_server_removed_after_t1_plus_21s() {
    let kind = CheckKind::Udp(UdpCheck {
        require_reply: true,
        ..Default::default()
    });
    let (ev, _) = run_datagram(
        kind,
        seed_settings(),
        |t| {
            if t >= ms(30_000) {
                Answer::Silent
            } else {
                Answer::Reply(b"x")
            }
        },
        ms(60_000),
    );
    // t1 = 31.005 s (checks every delay_loop after a 1 ms answer); (retry + 1) × connect_timeout +
    // retry × delay_before_retry = 21 s later the server is down.
    assert_eq!(downs(&ev), vec![(ms(52_005), FailReason::NoReply)]);
    assert_eq!(
        seed_settings().silent_failure_after_first_attempt(),
        Duration::from_secs(21)
    );
}

#[test]
fn keepalived_udp_check_reply_mismatch_is_a_failure() {
    let (d, m) = read_hex_str("4f4b", true).unwrap();
    let kind = CheckKind::Udp(UdpCheck {
        require_reply: true,
        reply_data: Some(d),
        reply_mask: m,
        ..Default::default()
    });
    let settings = CheckerSettings {
        retry: 0,
        ..seed_settings()
    };
    let (ev, _) = run_datagram(
        kind,
        settings,
        |t| {
            if t >= ms(10_000) {
                Answer::Reply(b"NO")
            } else {
                Answer::Reply(b"OK")
            }
        },
        ms(20_000),
    );
    // retry 0: the check at 13.002 s gets "NO" 1 ms later and the server is down at once.
    assert_eq!(downs(&ev), vec![(ms(13_003), FailReason::ReplyMismatch)]);
}

#[test]
fn keepalived_ping_check_silent_host_removed_after_t1_plus_21s_and_back_in_one_reply() {
    let (ev, sends) = run_datagram(
        CheckKind::Ping(PingCheck),
        seed_settings(),
        |t| {
            if (30_000..70_000).contains(&t.as_nanos().div_euclid(1_000_000)) {
                Answer::Silent
            } else {
                Answer::Reply(b"")
            }
        },
        ms(90_000),
    );
    assert_eq!(downs(&ev), vec![(ms(52_005), FailReason::NoReply)]);
    // Down: one check per delay_loop after the previous one timed out: 58.005 (times out at
    // 61.005), 67.005 (times out at 70.005), 76.005 answered → up at 76.006.
    let after_down: Vec<_> = sends.iter().filter(|t| **t > ms(52_005)).take(3).collect();
    assert_eq!(after_down, vec![&ms(58_005), &ms(67_005), &ms(76_005)]);
    assert_eq!(ups(&ev), vec![ms(76_006)]);
}

#[test]
fn keepalived_ping_echo_request_bytes_and_reply_matching() {
    let src = "198.51.100.1".parse().unwrap();
    let dst = "198.51.100.21".parse().unwrap();
    let m = echo_request(src, dst, 0x1234, 7, &PingCheck.data());
    assert_eq!(m.len(), 8 + 128);
    assert_eq!(&m[..2], &[8, 0]);
    assert_eq!(&m[4..8], &[0x12, 0x34, 0, 7]);
    // The Internet checksum of a correct message sums to 0xffff.
    let sum = m.chunks(2).fold(0u32, |s, c| {
        s + u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
    });
    let folded = (sum & 0xffff) + (sum >> 16);
    assert_eq!((folded + (folded >> 16)) & 0xffff, 0xffff);
    let mut reply = m.clone();
    reply[0] = 0;
    assert_eq!(classify_reply(&reply, false, 0x1234), Some(true));
    assert_eq!(classify_reply(&reply, false, 0x9999), None);
    // Destination unreachable quoting our request (20-byte IP header then the echo header).
    let mut unreach = vec![3, 1, 0, 0, 0, 0, 0, 0, 0x45];
    unreach.extend_from_slice(&[0; 19]);
    unreach.extend_from_slice(&m[..8]);
    assert_eq!(classify_reply(&unreach, false, 0x1234), Some(false));
    let v6 = echo_request(
        "2001:db8::1".parse().unwrap(),
        "2001:db8::21".parse().unwrap(),
        1,
        0,
        b"",
    );
    assert_eq!(v6[0], 128);
}

#[test]
fn keepalived_track_file_value_parsing_is_strtol_base_0() {
    assert_eq!(parse_track_file_value("42\n"), Some(42));
    assert_eq!(parse_track_file_value("  -7 apples"), Some(-7));
    assert_eq!(parse_track_file_value("0x10"), Some(16));
    assert_eq!(parse_track_file_value("010"), Some(8));
    assert_eq!(parse_track_file_value(""), Some(0));
    assert_eq!(parse_track_file_value("abc"), Some(0));
    assert_eq!(parse_track_file_value("2147483648"), Some(2_147_483_648));
    assert_eq!(parse_track_file_value("2147483649"), None);
    assert_eq!(parse_track_file_value("-2147483649"), None);
}

fn file_check(weight: i32, reverse: bool) -> FileCheck {
    FileCheck {
        track_file: "rs_weight".into(),
        path: Some("/run/rs_weight".into()),
        weight,
        reverse,
    }
}

#[test]
fn keepalived_file_check_status_weight_zero_and_reverse() {
    assert_eq!(file_check(0, false).status(0), 0);
    assert_eq!(file_check(0, false).status(5), WEIGHT_FAULT);
    assert_eq!(file_check(0, true).status(0), WEIGHT_FAULT);
    assert_eq!(file_check(0, true).status(5), 0);
    assert_eq!(file_check(2, false).status(5), 10);
    assert_eq!(file_check(2, true).status(5), -10);
    assert_eq!(
        file_check(1, false).status(i64::from(i32::MIN)),
        WEIGHT_FAULT
    );
    assert_eq!(
        file_check(3, false).status(i64::from(i32::MAX)),
        i64::from(i32::MAX)
    );
}

#[test]
fn keepalived_file_check_acts_at_once_on_each_write() {
    let mut c = Checker::new(
        seed_settings(),
        CheckKind::File(file_check(0, false)),
        target(),
    );
    c.init_track_file(0);
    c.start(Instant::ZERO, 0);
    assert_eq!(c.poll_timeout(), None, "no polling: inotify drives it");
    assert!(c.is_up() && c.has_run());
    c.handle_track_file(ms(12_345), 1);
    c.handle_track_file(ms(12_400), 2); // still FAULT: nothing
    c.handle_track_file(ms(20_000), 0);
    let ev: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(
        ev,
        vec![
            CheckEvent::Down {
                at: ms(12_345),
                reason: FailReason::FileFault(1),
                initial: false
            },
            CheckEvent::Up { at: ms(20_000) },
        ]
    );
}

#[test]
fn keepalived_file_check_weight_adds_to_effective_weight() {
    // weight 1, file value 4 → +4 on top of the configured weight 10; value -20 → 0 in IPVS (clamped)
    // but the server stays alive.
    let mut c = Checker::new(
        seed_settings(),
        CheckKind::File(file_check(1, false)),
        target(),
    );
    c.init_track_file(4);
    let mut rs = RealServerHealth::new(10, false, 0);
    rs.preset(0, c.weight_contribution());
    assert_eq!(
        rs.init(ms(0)),
        vec![RsAction::Add {
            at: ms(0),
            weight: 14
        }]
    );
    c.handle_track_file(ms(5_000), -20);
    let ev: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(
        ev,
        vec![CheckEvent::WeightDelta {
            at: ms(5_000),
            delta: -24
        }]
    );
    assert_eq!(
        rs.on_check_event(&ev[0]),
        vec![RsAction::SetWeight {
            at: ms(5_000),
            weight: 0
        }]
    );
    assert!(rs.is_alive());
}

const BFD_CONF: &str = r#"
bfd_instance rs_bfd {
    neighbor_ip 198.51.100.24
    min_rx 100
    min_tx 100
    idle_tx 1000
    multiplier 3
}
track_file rs_weight {
    file /run/rs_weight
    weight 0
}
virtual_server 192.0.2.100 80 {
    delay_loop 6
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 198.51.100.24 80 {
        weight 1
        BFD_CHECK {
            name rs_bfd
        }
    }
    real_server 198.51.100.23 80 {
        weight 1
        FILE_CHECK {
            track_file rs_weight
        }
    }
}
"#;

fn bfd_director() -> Director {
    let opts = keepalived_conf::ParseOptions {
        check_scripts: false,
        ..Default::default()
    };
    let parsed = keepalived_conf::parse_str(BFD_CONF, Path::new("bfd.conf"), &opts);
    assert!(
        !parsed
            .diagnostics
            .iter()
            .any(|d| d.severity == keepalived_conf::Severity::Error),
        "{}",
        parsed.render_diagnostics()
    );
    let plan = lvs::plan_from_keepalived(&parsed.config);
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    assert_eq!(plan.bfd_instances.len(), 1);
    let b = &plan.bfd_instances[0];
    assert_eq!(b.config.min_rx, Duration::from_millis(100));
    assert_eq!(b.config.multiplier, 3);
    Director::new(&plan, IpvsSettings::default(), 5).unwrap()
}

/// Two sessions wired back to back with a one-way delay; the peer can be silenced.
struct Pair {
    a: BfdSession,
    b: BfdSession,
    /// (arrival, to_b, bytes)
    wire: Vec<(Instant, bool, Vec<u8>)>,
    delay: Duration,
    b_alive: bool,
    a_transitions: Vec<(Instant, BfdState, BfdState)>,
    a_events: Vec<(Instant, bool, u8)>,
    a_rx: Vec<Instant>,
}

impl Pair {
    fn new(ca: BfdConfig, cb: BfdConfig) -> Pair {
        let mut p = Pair {
            a: BfdSession::new(ca, 1),
            b: BfdSession::new(cb, 2),
            wire: vec![],
            delay: Duration::from_millis(1),
            b_alive: true,
            a_transitions: vec![],
            a_events: vec![],
            a_rx: vec![],
        };
        p.a.start(Instant::ZERO);
        p.b.start(Instant::ZERO);
        p.drain(Instant::ZERO);
        p
    }

    fn drain(&mut self, now: Instant) {
        while let Some(pkt) = self.a.poll_transmit() {
            self.wire
                .push((now + self.delay, true, pkt.encode().to_vec()));
        }
        while let Some(pkt) = self.b.poll_transmit() {
            if self.b_alive {
                self.wire
                    .push((now + self.delay, false, pkt.encode().to_vec()));
            }
        }
        while let Some(t) = self.a.poll_transition() {
            self.a_transitions.push((t.at, t.from, t.to));
        }
        while let Some(e) = self.a.poll_event() {
            self.a_events.push((e.at, e.up, e.diag));
        }
        while self.b.poll_transition().is_some() {}
        while self.b.poll_event().is_some() {}
    }

    fn run(&mut self, until: Instant) {
        loop {
            let next_wire = self.wire.iter().map(|w| w.0).min();
            let t = [self.a.poll_timeout(), self.b.poll_timeout(), next_wire]
                .into_iter()
                .flatten()
                .min();
            let Some(t) = t.filter(|t| *t <= until) else {
                return;
            };
            if next_wire == Some(t) {
                let i = self.wire.iter().position(|w| w.0 == t).unwrap();
                let (_, to_b, bytes) = self.wire.remove(i);
                if to_b {
                    if self.b_alive {
                        let _ = self.b.handle_packet(t, &bytes);
                    }
                } else {
                    self.a_rx.push(t);
                    let _ = self.a.handle_packet(t, &bytes);
                }
            } else {
                if self.a.poll_timeout() == Some(t) {
                    self.a.handle_timeout(t);
                }
                if self.b.poll_timeout() == Some(t) {
                    self.b.handle_timeout(t);
                }
            }
            self.drain(t);
        }
    }
}

fn fast(mult: u8) -> BfdConfig {
    BfdConfig {
        min_rx: Duration::from_millis(100),
        min_tx: Duration::from_millis(100),
        idle_tx: Duration::from_millis(1000),
        multiplier: mult,
        passive: false,
        ttl: 255,
    }
}

#[test]
fn rfc5880_6_2_three_way_handshake_down_init_up() {
    let mut p = Pair::new(fast(3), fast(3));
    p.run(ms(3_000));
    let states: Vec<_> = p.a_transitions.iter().map(|t| (t.1, t.2)).collect();
    // Both start at once: each hears the other's Down (→ Init), then the other's Init (→ Up).
    assert_eq!(
        states,
        vec![
            (BfdState::Down, BfdState::Init),
            (BfdState::Init, BfdState::Up)
        ]
    );
    assert_eq!(
        p.a_events[0],
        (Instant::ZERO, false, 0),
        "the start-up report"
    );
    assert!(p.a_events[1].1);
    assert_eq!(p.a.state(), BfdState::Up);
    assert_eq!(p.b.state(), BfdState::Up);
}

#[test]
fn rfc5880_6_8_4_detection_time_is_remote_mult_times_agreed_interval() {
    // A: min_rx 100 ms, B: min_tx 100 ms, multiplier 3 → Detection Time 300 ms once the poll sequences
    // have run; B goes silent at 5 s: A declares Down exactly 300 ms after the last packet it got.
    let mut p = Pair::new(fast(5), fast(3));
    p.run(ms(5_000));
    assert_eq!(p.a.detection_time(), Duration::from_millis(300));
    p.b_alive = false;
    p.run(ms(8_000));
    let last = *p.a_rx.last().unwrap();
    let down = p.a_events.iter().find(|e| !e.1 && e.0 > ms(1)).unwrap();
    assert_eq!(down.0, last + Duration::from_millis(300));
    assert_eq!(down.2, lvs::check::bfd_diag::EXPIRED);
    // While Up, B sends every 100 ms minus 10-25 % jitter: the last packet is at most 100 ms before 5 s.
    assert!(last > ms(4_900) && last <= ms(5_001), "{last}");
}

#[test]
fn rfc5880_6_8_6_remote_admin_down_takes_the_session_down_without_telling_the_checker() {
    let mut p = Pair::new(fast(3), fast(3));
    p.run(ms(3_000));
    p.b.set_admin_down(ms(3_000));
    p.drain(ms(3_000));
    p.run(ms(4_000));
    assert_eq!(p.a.state(), BfdState::Down);
    assert_eq!(p.a.diag(), lvs::check::bfd_diag::NEIGHBOR_DOWN);
    // keepalived's bfd_state_fall sends no event when the remote is AdminDown.
    assert_eq!(
        p.a_events.iter().filter(|e| !e.1).count(),
        1,
        "{:?}",
        p.a_events
    );
    // Back from AdminDown: Down → Init/Up again.
    p.b.clear_admin_down(ms(4_000));
    p.drain(ms(4_000));
    p.run(ms(8_000));
    assert_eq!(p.a.state(), BfdState::Up);
}

#[test]
fn rfc5880_4_1_control_packet_round_trip_and_sanity_checks() {
    let p = BfdPacket {
        diag: 1,
        state: BfdState::Up,
        poll: true,
        final_: false,
        cplane: false,
        auth: false,
        demand: false,
        multipoint: false,
        detect_mult: 3,
        my_discr: 0x1122_3344,
        your_discr: 7,
        desired_min_tx_us: 100_000,
        required_min_rx_us: 100_000,
        required_min_echo_rx_us: 0,
    };
    let b = p.encode();
    assert_eq!(b[0], 0x21);
    assert_eq!(b[1], 0xe0);
    assert_eq!(b[3], 24);
    assert_eq!(BfdPacket::decode(&b), Ok(p));
    let mut bad = b;
    bad[2] = 0;
    assert!(BfdPacket::decode(&bad).is_err());
    let mut bad = b;
    bad[1] |= 0x10; // P and F
    assert!(BfdPacket::decode(&bad).is_err());
    assert!(BfdPacket::decode(&b[..20]).is_err());
}

#[test]
fn keepalived_bfd_check_follows_the_session_with_exact_times() {
    let mut d = bfd_director();
    d.start(Instant::ZERO);
    let mut log = vec![];
    let rs_up_log = |d: &mut Director, log: &mut Vec<String>| {
        while let Some(e) = d.poll_event() {
            log.push(e.to_string());
        }
    };
    // The BFD process reports Down at start: the server added at start is removed at once.
    rs_up_log(&mut d, &mut log);
    assert!(
        log.iter().any(|l| l.contains("remove 198.51.100.24:80")),
        "{log:#?}"
    );
    assert_eq!(d.is_alive(0, 0), Some(false));
    // The real server's BFD peer: a keepalived-like session with the same timers, 1 ms away.
    let mut peer = BfdSession::new(fast(3), 99);
    peer.start(Instant::ZERO);
    let mut wire: Vec<(Instant, bool, Vec<u8>)> = vec![];
    let mut last_from_peer = Instant::ZERO;
    let mut peer_alive = true;
    let mut now = Instant::ZERO;
    let until = ms(10_000);
    while now <= until {
        while let Some(tx) = d.poll_bfd_transmit() {
            assert_eq!(tx.dst.port(), 3784);
            assert_eq!(tx.ttl, 255);
            assert!(tx.src_port >= 49152);
            wire.push((now + RTT, true, tx.payload));
        }
        while let Some(p) = peer.poll_transmit() {
            if peer_alive {
                wire.push((now + RTT, false, p.encode().to_vec()));
            }
        }
        if now >= ms(6_000) {
            peer_alive = false;
        }
        let next = [
            d.poll_timeout(),
            peer.poll_timeout(),
            wire.iter().map(|w| w.0).min(),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap();
        now = next;
        if let Some(i) = wire.iter().position(|w| w.0 == now) {
            let (_, to_peer, bytes) = wire.remove(i);
            if to_peer {
                if peer_alive {
                    let _ = peer.handle_packet(now, &bytes);
                }
            } else {
                last_from_peer = now;
                d.handle_bfd_packet(now, "198.51.100.24".parse().unwrap(), &bytes);
            }
        } else {
            if d.poll_timeout() == Some(now) {
                d.handle_timeout(now);
            }
            if peer.poll_timeout() == Some(now) {
                peer.handle_timeout(now);
            }
        }
        rs_up_log(&mut d, &mut log);
    }
    let added: Vec<_> = log
        .iter()
        .filter(|l| l.contains("add 198.51.100.24:80") && !l.starts_with("0.000000"))
        .collect();
    assert_eq!(added.len(), 1, "{log:#?}");
    // Silent peer from 6 s: removal exactly one Detection Time (3 × 100 ms) after its last packet.
    let removed: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("remove 198.51.100.24:80"))
        .collect();
    assert_eq!(removed.len(), 2, "{log:#?}");
    let expect = (last_from_peer + Duration::from_millis(300)).to_string();
    assert!(
        removed[1].starts_with(&expect),
        "{} vs {expect}",
        removed[1]
    );
    assert!(
        log.iter()
            .any(|l| l.contains("bfd rs_bfd Up -> Down (diag 1)")),
        "{log:#?}"
    );
}

#[test]
fn keepalived_file_check_director_removes_and_restores_on_write() {
    let mut d = bfd_director();
    d.set_track_file(Instant::ZERO, "rs_weight", 0);
    d.start(Instant::ZERO);
    assert_eq!(d.is_alive(0, 1), Some(true));
    d.set_track_file(ms(7_250), "rs_weight", 1);
    assert_eq!(d.is_alive(0, 1), Some(false));
    d.set_track_file(ms(9_500), "rs_weight", 0);
    let log: Vec<String> = std::iter::from_fn(|| d.poll_event())
        .map(|e| e.to_string())
        .filter(|l| l.contains("198.51.100.23"))
        .collect();
    assert!(
        log.iter()
            .any(|l| l.starts_with("7.250000") && l.contains("remove")),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("9.500000") && l.contains("add")),
        "{log:#?}"
    );
}

#[test]
fn keepalived_file_check_fault_at_startup_keeps_the_server_out() {
    let mut d = bfd_director();
    d.set_track_file(Instant::ZERO, "rs_weight", 3);
    d.start(Instant::ZERO);
    assert_eq!(d.is_alive(0, 1), Some(false));
    let log: Vec<String> = std::iter::from_fn(|| d.poll_event())
        .map(|e| e.to_string())
        .filter(|l| l.contains("198.51.100.23"))
        .collect();
    assert!(log.is_empty(), "{log:#?}");
}
