//! Property tests of the BFD session (RFC 5880 asynchronous mode, keepalived's timing): whatever the
//! neighbour sends and whenever, the session never panics, only takes the RFC's state transitions,
//! keeps its timers in the future, arms the detection timer exactly while Init or Up, reports a Down
//! only after an Up, and every packet it sends passes its own sanity checks.

use lvs::check::{BfdConfig, BfdPacket, BfdSession, BfdState};
use lvs::{Duration, Instant};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// A packet from the neighbour: state, poll/final (0 none, 1 P, 2 F), detect mult, intervals (ms),
    /// whether Your Discriminator is ours (else 0), diag.
    Packet {
        state: u8,
        pf: u8,
        mult: u8,
        tx_ms: u32,
        rx_ms: u32,
        ours: bool,
        diag: u8,
    },
    /// Let time pass (ms), firing due timers on the way.
    Advance(u32),
    /// Raw bytes from the wire.
    Garbage(Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0u8..4, 0u8..3, 1u8..6, 1u32..2000, 1u32..2000, any::<bool>(), 0u8..9).prop_map(
            |(state, pf, mult, tx_ms, rx_ms, ours, diag)| Op::Packet {
                state,
                pf,
                mult,
                tx_ms,
                rx_ms,
                ours,
                diag
            }
        ),
        4 => (1u32..3000).prop_map(Op::Advance),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Op::Garbage),
    ]
}

fn state_of(b: u8) -> BfdState {
    [
        BfdState::AdminDown,
        BfdState::Down,
        BfdState::Init,
        BfdState::Up,
    ][usize::from(b & 3)]
}

fn allowed(from: BfdState, to: BfdState) -> bool {
    matches!(
        (from, to),
        (BfdState::Down, BfdState::Init)
            | (BfdState::Down, BfdState::Up)
            | (BfdState::Init, BfdState::Up)
            | (BfdState::Init, BfdState::Down)
            | (BfdState::Up, BfdState::Down)
    )
}

fn check_invariants(s: &mut BfdSession, now: Instant, last_up: &mut bool, downs_ok: &mut bool) {
    while let Some(p) = s.poll_transmit() {
        assert!(BfdPacket::decode(&p.encode()).is_ok(), "we sent {p:?}");
    }
    while let Some(t) = s.poll_transition() {
        assert!(allowed(t.from, t.to), "{t:?}");
    }
    while let Some(e) = s.poll_event() {
        if e.up {
            *last_up = true;
        } else if *last_up {
            *last_up = false;
        } else {
            *downs_ok = false;
        }
    }
    if let Some(t) = s.poll_timeout() {
        assert!(t > now, "timer {t} not after {now}");
    }
    match s.state() {
        BfdState::Init | BfdState::Up => assert!(s.expires_at().is_some()),
        _ => assert!(s.expires_at().is_none()),
    }
    if s.state() == BfdState::Up {
        if let (Some(seen), Some(exp)) = (s.last_seen(), s.expires_at()) {
            assert!(exp <= seen + s.detection_time() || exp <= now + s.detection_time());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn rfc5880_control_packet_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(p) = BfdPacket::decode(&bytes) {
            prop_assert_eq!(BfdPacket::decode(&p.encode()), Ok(p));
        }
    }

    #[test]
    fn rfc5880_6_8_session_transitions_and_timers_hold(
        ops in proptest::collection::vec(op(), 1..120),
        seed in any::<u64>(),
        passive in any::<bool>(),
    ) {
        let cfg = BfdConfig {
            min_rx: Duration::from_millis(50),
            min_tx: Duration::from_millis(50),
            idle_tx: Duration::from_millis(1000),
            multiplier: 3,
            passive,
            ttl: 255,
        };
        let mut s = BfdSession::new(cfg, seed);
        let mut now = Instant::from_millis(5);
        s.start(now);
        // The start-up report is a Down.
        let first = s.poll_event();
        prop_assert!(first.is_some_and(|e| !e.up));
        let (mut last_up, mut downs_ok) = (false, true);
        check_invariants(&mut s, now, &mut last_up, &mut downs_ok);
        for o in ops {
            match o {
                Op::Packet { state, pf, mult, tx_ms, rx_ms, ours, diag } => {
                    let p = BfdPacket {
                        diag,
                        state: state_of(state),
                        poll: pf == 1,
                        final_: pf == 2,
                        cplane: false,
                        auth: false,
                        demand: false,
                        multipoint: false,
                        detect_mult: mult,
                        my_discr: 0xabcd,
                        your_discr: if ours { s.local_discr() } else { 0 },
                        desired_min_tx_us: tx_ms * 1000,
                        required_min_rx_us: rx_ms * 1000,
                        required_min_echo_rx_us: 0,
                    };
                    let _ = s.handle_packet(now, &p.encode());
                }
                Op::Advance(ms) => {
                    let end = now + Duration::from_millis(u64::from(ms));
                    while let Some(t) = s.poll_timeout().filter(|t| *t <= end) {
                        now = t;
                        s.handle_timeout(now);
                        check_invariants(&mut s, now, &mut last_up, &mut downs_ok);
                    }
                    now = end;
                }
                Op::Garbage(b) => {
                    let _ = s.handle_packet(now, &b);
                }
            }
            check_invariants(&mut s, now, &mut last_up, &mut downs_ok);
            prop_assert!(downs_ok, "a Down event without an Up before it");
        }
    }
}
