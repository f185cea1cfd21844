//! Property tests: schedulers never pick a quiesced or missing server and never panic, whatever the
//! weights, thresholds and churn; NAT round trips; arbitrary bytes never panic the frame code.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use lvs::{
    forward, DestConfig, Duration, FwdMethod, Instant, Ipvs, IpvsSettings, Protocol, SchedFlags,
    Scheduler, ServiceConfig, Verdict,
};
use proptest::prelude::*;

use crate::util::*;

#[derive(Clone, Debug)]
enum Op {
    Connect(u32),
    Ack(u32),
    SetWeight(u8, u32),
    Remove(u8),
    Add(u8, u32),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u32..400).prop_map(Op::Connect),
        3 => (0u32..400).prop_map(Op::Ack),
        2 => (1u8..7, 0u32..6).prop_map(|(i, w)| Op::SetWeight(i, w)),
        1 => (1u8..7).prop_map(Op::Remove),
        1 => (1u8..7, 0u32..6).prop_map(|(i, w)| Op::Add(i, w)),
        1 => (0u64..1000).prop_map(Op::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_scheduler_ever_picks_a_quiesced_or_removed_server(
        sched in prop::sample::select(Scheduler::ALL.to_vec()),
        fallback in any::<bool>(),
        port in any::<bool>(),
        persistent in any::<bool>(),
        u_threshold in prop_oneof![Just(0u32), 1u32..4],
        weights in prop::collection::vec(0u32..6, 1..6),
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let mut cfg = ServiceConfig::new(key(), sched).with_flags(SchedFlags { fallback, port });
        if persistent {
            cfg = cfg.persistent(Duration::from_secs(30));
        }
        let mut ipvs = Ipvs::new(IpvsSettings::default(), 42);
        ipvs.add_service(cfg).unwrap();
        for (i, w) in weights.iter().enumerate() {
            let mut d = DestConfig::new(rs(i as u8 + 1).ip(), 80, *w, FwdMethod::Dr);
            d.u_threshold = u_threshold;
            ipvs.add_dest(&key(), d).unwrap();
        }
        let mut now = Instant::from_secs(1);
        for op in ops {
            match op {
                Op::Connect(c) => {
                    let before: Vec<(SocketAddr, u32, bool)> = ipvs.service(&key()).unwrap().dests().iter()
                        .map(|d| (SocketAddr::new(d.cfg.addr, d.cfg.port), d.weight(), d.overloaded)).collect();
                    let templated = ipvs.templates().any(|t| t.expires > now);
                    if let Verdict::Forward(f) = ipvs.process_inbound(now, &syn(client(c), vip())) {
                        if f.new_conn {
                            let d = before.iter().find(|(a, _, _)| *a == f.real);
                            // Never a server that is not in the service.
                            prop_assert!(d.is_some(), "{sched}: picked removed {}", f.real);
                            let (_, w, over) = d.unwrap();
                            // Never a quiesced one — except through a persistence template, which
                            // IPVS honours for weight 0 (expire_quiescent_template is off).
                            if !(persistent && templated) {
                                prop_assert!(*w > 0, "{sched}: picked quiesced {}", f.real);
                                // lblc's cached server skips the overload flag, like the kernel.
                                if sched != Scheduler::Lblc && sched != Scheduler::Lblcr {
                                    prop_assert!(!over, "{sched}: picked overloaded {}", f.real);
                                }
                            }
                        }
                    }
                }
                Op::Ack(c) => { ipvs.process_inbound(now, &ack(client(c), vip())); }
                Op::SetWeight(i, w) => { let _ = ipvs.set_weight(&key(), rs(i), w); }
                Op::Remove(i) => { let _ = ipvs.del_dest(&key(), rs(i)); }
                Op::Add(i, w) => {
                    let _ = ipvs.add_dest(&key(), DestConfig::new(rs(i).ip(), 80, w, FwdMethod::Dr));
                }
                Op::Advance(s) => {
                    now += Duration::from_secs(s);
                    ipvs.handle_timeout(now);
                }
            }
            // Counters always match the connection table.
            let svc = ipvs.service(&key()).unwrap();
            for d in svc.dests() {
                let real = SocketAddr::new(d.cfg.addr, d.cfg.port);
                let n = ipvs.connections().filter(|c| c.real == real).count() as u32;
                prop_assert_eq!(d.total_conns(), n);
            }
        }
    }

    #[test]
    fn wrr_share_is_proportional_to_weight(weights in prop::collection::vec(0u32..8, 1..6)) {
        let total: u32 = weights.iter().sum();
        prop_assume!(total > 0);
        let mut ipvs = Ipvs::new(IpvsSettings::default(), 1);
        ipvs.add_service(ServiceConfig::new(key(), Scheduler::Wrr)).unwrap();
        for (i, w) in weights.iter().enumerate() {
            ipvs.add_dest(&key(), DestConfig::new(rs(i as u8 + 1).ip(), 80, *w, FwdMethod::Dr)).unwrap();
        }
        // One full period per distinct gcd step: sum(weights)/gcd picks; take a multiple of sum.
        let n = total * 4;
        let mut counts = vec![0u32; weights.len()];
        for c in 0..n {
            let Some(o) = pick(&mut ipvs, Instant::from_secs(1), c) else { panic!("refused") };
            counts[usize::from(o) - 1] += 1;
        }
        for (i, w) in weights.iter().enumerate() {
            prop_assert_eq!(counts[i], w * 4, "weights {:?} counts {:?}", weights, counts);
        }
    }

    #[test]
    fn nat_in_twice_restores_the_ip_packet(
        sport in 1u16.., dport in 1u16.., rport in 1u16.., last in 1u8..255,
        payload in prop::collection::vec(any::<u8>(), 0..64),
        udp in any::<bool>(),
    ) {
        let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4([203, 0, 113, 7], [192, 0, 2, 100], 64);
        let mut f = Vec::new();
        if udp {
            b.udp(sport, dport).write(&mut f, &payload).unwrap();
        } else {
            b.tcp(sport, dport, 1, 1000).write(&mut f, &payload).unwrap();
        }
        let real = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, last)), rport);
        let there = forward::nat_in(&f, real, [2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 3]).unwrap();
        let info = forward::packet_info(&there).unwrap();
        prop_assert_eq!(info.dst, real);
        prop_assert_eq!(info.proto, if udp { Protocol::Udp } else { Protocol::Tcp });
        let vip = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100)), dport);
        let back = forward::nat_in(&there, vip, [2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]).unwrap();
        prop_assert_eq!(&back[14..], &f[14..]);
    }

    #[test]
    fn frame_functions_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = forward::packet_info(&bytes);
        let _ = forward::dr(&bytes, [0; 6], [1; 6]);
        let _ = forward::nat_in(&bytes, "192.0.2.1:80".parse().unwrap(), [0; 6], [1; 6]);
        let _ = forward::nat_out(&bytes, "[2001:db8::1]:80".parse().unwrap(), [0; 6], [1; 6]);
        let _ = forward::tun(&bytes, "192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap(), [0; 6], [1; 6]);
    }

    #[test]
    fn checker_never_panics_on_any_response(resp in prop::collection::vec(any::<u8>(), 0..300)) {
        use lvs::check::*;
        let mut c = Checker::new(CheckerSettings::http_defaults(),
            CheckKind::Http(HttpGet::new(vec![UrlCheck::new("/")])), "192.0.2.1:80".parse().unwrap());
        c.start(Instant::ZERO, 0);
        c.handle_timeout(Instant::from_secs(1));
        let Some(CheckAction::Connect { attempt, .. }) = c.poll_action() else { panic!() };
        c.handle_io(Instant::from_secs(1), attempt, CheckIo::Connected);
        c.handle_io(Instant::from_secs(1), attempt, CheckIo::Data(&resp));
        c.handle_io(Instant::from_secs(1), attempt, CheckIo::Eof);
        while c.poll_action().is_some() {}
        prop_assert!(c.poll_timeout().is_some());
    }
}

#[derive(Clone, Debug)]
enum NetOp {
    Advance(u64),
    Connected,
    Refused,
    Data(Vec<u8>),
    Eof,
    Stale,
}

fn net_op() -> impl Strategy<Value = NetOp> {
    prop_oneof![
        4 => (0u64..8000).prop_map(NetOp::Advance),
        3 => Just(NetOp::Connected),
        1 => Just(NetOp::Refused),
        2 => prop_oneof![
            Just(b"HTTP/1.0 200 OK\r\n\r\nok".to_vec()),
            Just(b"HTTP/1.0 500 ERR\r\n\r\n".to_vec()),
            prop::collection::vec(any::<u8>(), 0..40),
        ].prop_map(NetOp::Data),
        2 => Just(NetOp::Eof),
        1 => Just(NetOp::Stale),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever the network does, a started checker always has a next deadline, only talks about its
    /// current attempt, and its verdicts alternate (a Down is never followed by another Down and an Up
    /// never by another Up), which is what keeps notify_up/notify_down paired.
    #[test]
    fn checker_verdicts_alternate_and_time_always_moves(
        http in any::<bool>(),
        alpha in any::<bool>(),
        retry in 0u32..4,
        ops in prop::collection::vec(net_op(), 1..200),
    ) {
        use lvs::check::*;
        let settings = CheckerSettings {
            connect_timeout: Duration::from_secs(3),
            retry,
            delay_before_retry: Duration::from_secs(2),
            delay_loop: Duration::from_secs(6),
            warmup: Duration::from_secs(6),
            alpha,
        };
        let kind = if http { CheckKind::Http(HttpGet::new(vec![UrlCheck::new("/")])) } else { CheckKind::Tcp };
        let mut c = Checker::new(settings, kind, "192.0.2.1:80".parse().unwrap());
        let mut now = Instant::ZERO;
        c.start(now, 12345);
        let mut current: Option<AttemptId> = None;
        let mut last_up: Option<bool> = if alpha { Some(false) } else { Some(true) };
        for op in ops {
            match op {
                NetOp::Advance(ms) => {
                    now += Duration::from_millis(ms);
                    while let Some(t) = c.poll_timeout() {
                        if t > now { break; }
                        c.handle_timeout(t);
                        while let Some(a) = c.poll_action() {
                            if let CheckAction::Connect { attempt, .. } = a { current = Some(attempt); }
                        }
                        while let Some(e) = c.poll_event() {
                            let up = matches!(e, CheckEvent::Up { .. });
                            let initial = matches!(e, CheckEvent::Down { initial: true, .. });
                            if !initial {
                                prop_assert_ne!(last_up, Some(up), "verdict repeated: {:?}", e);
                                last_up = Some(up);
                            }
                        }
                    }
                }
                other => {
                    let a = match (&other, current) {
                        (NetOp::Stale, _) | (_, None) => AttemptId(9999),
                        (_, Some(a)) => a,
                    };
                    let io = match &other {
                        NetOp::Connected | NetOp::Stale => CheckIo::Connected,
                        NetOp::Refused => CheckIo::Refused,
                        NetOp::Data(d) => CheckIo::Data(d),
                        _ => CheckIo::Eof,
                    };
                    c.handle_io(now, a, io);
                    while let Some(act) = c.poll_action() {
                        if let CheckAction::Connect { attempt, .. } = act { current = Some(attempt); }
                    }
                    while let Some(e) = c.poll_event() {
                        let up = matches!(e, CheckEvent::Up { .. });
                        if !matches!(e, CheckEvent::Down { initial: true, .. }) {
                            prop_assert_ne!(last_up, Some(up), "verdict repeated: {:?}", e);
                            last_up = Some(up);
                        }
                    }
                }
            }
            prop_assert!(c.poll_timeout().is_some_and(|t| t >= now));
            prop_assert_eq!(c.is_up(), last_up.unwrap_or(!alpha));
        }
    }
}
