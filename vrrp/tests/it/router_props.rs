//! Property tests of the state machine: a lossless pair converges to exactly one master (the
//! right one when preemption applies), and arbitrary input sequences never panic or break the
//! state/timer invariants.

use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;
use vrrp::router::{Event, Mode, Router, RouterConfig, State, Timer, TrackConfig, TrackInput};
use vrrp::time::{Duration, Instant};
use vrrp::wire::{Auth, Version, VrrpRepr};

use crate::rig::*;

fn cases_or(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn arb_mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Rfc3768),
        Just(Mode::Rfc5798),
        Just(Mode::Rfc9568),
        Just(Mode::Keepalived)
    ]
}

proptest! {
    // 128 cases by default; PROPTEST_CASES raises it for long runs.
    #![proptest_config(ProptestConfig::with_cases(cases_or(128)))]

    #[test]
    fn lossless_pair_converges_to_one_master(
        mode in arb_mode(),
        p1 in 1u8..=254, p2 in 1u8..=254, same in any::<bool>(), owner in any::<bool>(),
        preempt1 in any::<bool>(), preempt2 in any::<bool>(),
        start2_ms in prop_oneof![Just(0u64), 0u64..5000], latency_us in 0u64..5000,
        adver_cs in prop_oneof![Just(100u64), Just(200), Just(30)],
        ipv6 in any::<bool>(),
    ) {
        let p2 = if same { p1 } else { p2 };
        let p1 = if owner { 255 } else { p1 };
        let mk = |me: u8, p: u8, preempt: bool| {
            let mut c = if ipv6 {
                // IPv6 needs VRRPv3 (RFC 3768 is IPv4-only), so rfc3768 falls back to rfc5798.
                let m = if mode == Mode::Rfc3768 { Mode::Rfc5798 } else { mode };
                let mut c = RouterConfig::new(m, 7, ll6(u16::from(me)), vec![ll6(0x100)]);
                c.priority = p;
                c
            } else {
                cfg(mode, me, p)
            };
            c.preempt = preempt;
            c.adver_int = Duration::from_centis(adver_cs);
            if c.version == Version::V2 {
                c.adver_int = Duration::from_secs(1);
            }
            Router::new(c)
        };
        let mut lan = Lan::new(
            vec![mk(1, p1, preempt1), mk(2, p2, preempt2)],
            Duration::from_micros(latency_us),
        );
        lan.start(0, Instant::ZERO);
        lan.start(1, Instant::from_millis(start2_ms));
        // Converged after the later start plus twice the longest Master_Down_Interval.
        let settle = Instant::from_millis(start2_ms) + Duration::from_secs(2 * 7 + 2);
        lan.run_until(settle);
        prop_assert_eq!(lan.masters().len(), 1, "transitions {:?}", lan.transitions);
        let before = lan.transitions.len();
        lan.run_until(settle + Duration::from_secs(30));
        prop_assert_eq!(lan.masters().len(), 1);
        prop_assert_eq!(lan.transitions.len(), before, "no flapping after convergence");
        // With preemption (or an owner) the higher priority wins. Equal priorities that start
        // together both time out at once; the tie-break leaves the higher address (router 1).
        // With zero latency the first timer's advert reaches the other router at the very
        // instant its own timer is due; delivery goes first, so it stays backup.
        // (An equal-priority backup that starts later keeps the existing master: it accepts
        // adverts of priority >= its own.)
        let winner = if p1 > p2 { 0 } else { 1 };
        let preempt_decides = (p1 > p2 && (preempt1 || p1 == 255))
            || (p2 > p1 && preempt2)
            || (p1 == p2 && start2_ms == 0 && latency_us > 0);
        if preempt_decides {
            prop_assert_eq!(lan.masters(), vec![winner]);
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Advert {
        prio: u8,
        vrid: u8,
        v3: bool,
        int_cs: u16,
        ttl: u8,
        src: u8,
        n_addr: u8,
        pass: bool,
    },
    Timeout,
    Advance(u64),
    Start,
    Shutdown,
    Link(bool),
    Track(u8, i8),
    Priority(u8),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), prop_oneof![Just(7u8), any::<u8>()], any::<bool>(), any::<u16>(),
              prop_oneof![Just(255u8), any::<u8>()], 1u8..5, 0u8..3, any::<bool>())
            .prop_map(|(prio, vrid, v3, int_cs, ttl, src, n_addr, pass)| Op::Advert {
                prio, vrid, v3, int_cs: int_cs % 5000, ttl, src, n_addr, pass }),
        4 => Just(Op::Timeout),
        3 => (0u64..5_000_000_000).prop_map(Op::Advance),
        1 => Just(Op::Start),
        1 => Just(Op::Shutdown),
        1 => any::<bool>().prop_map(Op::Link),
        1 => (0u8..3, any::<i8>()).prop_map(|(i, v)| Op::Track(i, v)),
        1 => any::<u8>().prop_map(Op::Priority),
    ]
}

fn check_invariants(r: &Router) -> Result<(), TestCaseError> {
    match r.state() {
        State::Master => {
            prop_assert!(r.timer(Timer::Adver).is_some());
            prop_assert!(r.timer(Timer::MasterDown).is_none());
        }
        State::Backup => {
            prop_assert!(r.timer(Timer::MasterDown).is_some());
            prop_assert!(r.timer(Timer::Adver).is_none());
        }
        State::Initialize | State::Fault => prop_assert_eq!(r.poll_timeout(), None),
    }
    prop_assert_eq!(r.owns_vips(), r.state() == State::Master);
    prop_assert!(r.priority() >= 1);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_or(256)))]

    #[test]
    fn arbitrary_inputs_never_panic_and_keep_invariants(
        mode in arb_mode(), prio in 1u8..=255, ipv6 in any::<bool>(),
        ops in proptest::collection::vec(arb_op(), 1..80),
    ) {
        let mut c: RouterConfig = if ipv6 {
            let mut c = RouterConfig::new(mode, 7, ll6(1), vec![ll6(0x100)]);
            c.priority = prio;
            c
        } else {
            cfg(mode, 1, prio)
        };
        c.auth = if c.version == Version::V2 { Auth::simple_text("1111") } else { Auth::None };
        c.tracks = vec![
            TrackConfig { id: "t0".into(), weight: 0, reverse: false },
            TrackConfig { id: "t1".into(), weight: -50, reverse: false },
            TrackConfig { id: "t2".into(), weight: 3, reverse: true },
        ];
        let mut r = Router::new(c.clone());
        let mut now = Instant::ZERO;
        let mut vips_up = false;
        for op in ops {
            match op {
                Op::Advert { prio, vrid, v3, int_cs, ttl, src, n_addr, pass } => {
                    let repr = VrrpRepr {
                        version: if v3 { Version::V3 } else { Version::V2 },
                        vrid,
                        priority: prio,
                        max_adver_int_cs: int_cs,
                        v3_reserved: 0,
                        auth: if pass && !v3 { Auth::simple_text("1111") } else { Auth::None },
                        addresses: (0..n_addr)
                            .map(|i| if ipv6 { ll6(0x100 + u16::from(i)) } else { IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100 + i)) })
                            .collect(),
                    };
                    let (s, d) = if ipv6 { (ll6(u16::from(src)), IpAddr::V6(vrrp::wire::MULTICAST_V6)) } else { (v4(src), mcast4()) };
                    r.handle_advert(now, s, d, ttl, &repr);
                }
                Op::Timeout => {
                    if let Some(t) = r.poll_timeout() {
                        now = now.max(t);
                        r.handle_timeout(now);
                    }
                }
                Op::Advance(ns) => {
                    now += Duration::from_nanos(ns);
                    r.handle_timeout(now);
                }
                Op::Start => r.start(now),
                Op::Shutdown => r.shutdown(now),
                Op::Link(up) => r.set_interface_up(now, up),
                Op::Track(i, v) => {
                    let input = match v % 3 { 0 => TrackInput::Up, 1 => TrackInput::Down, _ => TrackInput::Value(i64::from(v)) };
                    r.set_track(now, &format!("t{i}"), input);
                }
                Op::Priority(p) => r.set_priority(now, p),
            }
            while r.poll_transmit().is_some() {}
            while let Some(e) = r.poll_event() {
                match e {
                    Event::AddAddresses(_) => { prop_assert!(!vips_up); vips_up = true; }
                    Event::RemoveAddresses(_) => { prop_assert!(vips_up); vips_up = false; }
                    _ => {}
                }
            }
            prop_assert_eq!(vips_up, r.state() == State::Master);
            check_invariants(&r)?;
            if let Some(t) = r.poll_timeout() {
                // Every input leaves its timers strictly in the future.
                prop_assert!(t > now, "timer {} not after now {}", t, now);
            }
        }
    }
}
