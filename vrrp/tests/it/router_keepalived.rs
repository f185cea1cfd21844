//! keepalived-mode behaviour, one test per entry of `router::keepalived::DEVIATIONS` plus
//! FAULT, tracking and sync groups.

use vrrp::router::{
    keepalived::DEVIATIONS, Event, InitialState, Mode, Reason, Router, RouterConfig, SrcMac, State,
    SyncGroup, Timer, TrackConfig, TrackInput, Transmit,
};
use vrrp::time::{Duration, Instant};
use vrrp::wire::Version;

use crate::rig::*;

fn ka(me: u8, prio: u8) -> RouterConfig {
    cfg(Mode::Keepalived, me, prio)
}

fn to_master(r: &mut Router) -> Instant {
    let t = r.poll_timeout().unwrap();
    r.handle_timeout(t);
    assert_eq!(r.state(), State::Master);
    t
}

#[test]
fn keepalived_defaults_follow_keepalived_conf_man_page() {
    let c = ka(1, 100);
    assert_eq!(c.version, Version::V2);
    assert!(!c.use_vmac);
    assert!(c.accept_mode);
    assert_eq!(c.garp_master_delay, Duration::from_secs(5));
    assert_eq!(c.garp_master_repeat, 5);
    assert!(!c.lower_prio_no_advert);
    let c6 = RouterConfig::new(Mode::Keepalived, 1, ll6(1), vec![ll6(0x100)]);
    assert_eq!(
        c6.version,
        Version::V3,
        "IPv6 instances always use version 3"
    );
    assert_eq!(DEVIATIONS.len(), 18);
}

#[test]
fn keepalived_garp_5_at_takeover_and_5_more_after_5s_from_interface_mac() {
    let mut r = started(ka(1, 100), t_ms(0));
    let t0 = to_master(&mut r);
    let tx = drain_tx(&mut r);
    assert!(
        matches!(tx[0], Transmit::Advert(_)),
        "advert before the GARPs"
    );
    assert_eq!(garps(&tx), 5);
    assert!(tx.iter().all(|t| match t {
        Transmit::Advert(a) => a.src_mac == SrcMac::Interface,
        Transmit::GratuitousArp { src_mac, .. } => *src_mac == SrcMac::Interface,
        _ => false,
    }));
    let out = run_timers(&mut r, t0 + Duration::from_secs(5));
    let at5: Vec<_> = out
        .iter()
        .filter(|(t, _)| *t == t0 + Duration::from_secs(5))
        .collect();
    // GARP burst first, then the advert due at the same instant (as in the captures).
    assert_eq!(at5.len(), 6);
    assert!(at5[..5]
        .iter()
        .all(|(_, x)| matches!(x, Transmit::GratuitousArp { .. })));
    assert!(matches!(at5[5].1, Transmit::Advert(_)));
    assert_eq!(r.timer(Timer::GarpDelay), None);
}

#[test]
fn keepalived_use_vmac_sends_from_virtual_mac() {
    let mut c = ka(1, 100);
    c.use_vmac = true;
    let mut r = started(c, t_ms(0));
    to_master(&mut r);
    let tx = drain_tx(&mut r);
    assert_eq!(
        adverts(&tx)[0].src_mac,
        SrcMac::Virtual([0, 0, 0x5e, 0, 1, 7])
    );
}

#[test]
fn keepalived_garp_master_refresh_rides_on_adverts() {
    let mut c = ka(1, 100);
    c.garp_master_delay = Duration::ZERO;
    c.garp_master_refresh = Duration::from_millis(2500);
    c.garp_master_refresh_repeat = 2;
    let mut r = started(c, t_ms(0));
    let t0 = to_master(&mut r);
    drain_tx(&mut r);
    let out = run_timers(&mut r, t0 + Duration::from_secs(6));
    let garp_times: Vec<_> = out
        .iter()
        .filter(|(_, x)| matches!(x, Transmit::GratuitousArp { .. }))
        .map(|(t, _)| *t - t0)
        .collect();
    // Checked at each advert: first advert at or after 2.5 s is at 3 s, next due 5.5 s → 6 s.
    let s = Duration::from_secs;
    assert_eq!(garp_times, vec![s(3), s(3), s(6), s(6)]);
}

#[test]
fn keepalived_master_answers_lower_priority_advert() {
    let mut r = started(ka(1, 100), t_ms(0));
    let t0 = to_master(&mut r);
    drain_tx(&mut r);
    let c = r.config().clone();
    let adver = r.timer(Timer::Adver);
    r.handle_advert(
        t0 + Duration::from_millis(10),
        v4(2),
        mcast4(),
        255,
        &advert(&c, 50),
    );
    let tx = drain_tx(&mut r);
    assert_eq!(adverts(&tx).len(), 1);
    assert_eq!(r.timer(Timer::Adver), adver, "timer not reset");
}

#[test]
fn keepalived_state_master_non_owner_starts_backup_and_waits_mdi() {
    let mut c = ka(1, 100);
    c.initial_state = InitialState::Master;
    let r = started(c, t_ms(0));
    assert_eq!(r.state(), State::Backup);
    // keepalived timers in µs: 3 s + 156·1e6/256 µs = 3.609375 s.
    assert_eq!(r.poll_timeout(), Some(Instant::from_micros(3_609_375)));
}

#[test]
fn keepalived_owner_with_state_backup_waits_like_a_backup() {
    let mut c = ka(1, 255);
    c.initial_state = InitialState::Backup;
    assert_eq!(started(c.clone(), t_ms(0)).state(), State::Backup);
    c.initial_state = InitialState::Master;
    assert_eq!(started(c, t_ms(0)).state(), State::Master);
}

#[test]
fn keepalived_skew_is_whole_microseconds() {
    let r = started(ka(1, 99), t_ms(0));
    assert_eq!(r.skew_time(), Duration::from_micros(613_281));
    assert_eq!(r.master_down_interval(), Duration::from_micros(3_613_281));
}

#[test]
fn keepalived_discards_address_list_mismatch_even_from_owner() {
    let c = ka(1, 100);
    let mut r = started(c.clone(), t_ms(0));
    let mut adv = advert(&c, 255);
    adv.addresses.push(v4(101));
    r.handle_advert(t_ms(5), v4(2), mcast4(), 255, &adv);
    assert_eq!(r.stats().discards.get("address_list"), Some(&1));
}

#[test]
fn keepalived_skip_check_adv_addr_for_current_master() {
    let mut c = ka(1, 100);
    c.skip_check_adv_addr = true;
    let mut r = started(c.clone(), t_ms(0));
    r.handle_advert(t_ms(5), v4(2), mcast4(), 255, &advert(&c, 200));
    let mut adv = advert(&c, 200);
    adv.addresses.push(v4(101));
    r.handle_advert(t_ms(10), v4(2), mcast4(), 255, &adv);
    assert_eq!(r.stats().total_discards(), 0);
    r.handle_advert(t_ms(15), v4(3), mcast4(), 255, &adv);
    assert_eq!(r.stats().discards.get("address_list"), Some(&1));
}

#[test]
fn keepalived_unicast_sends_to_each_peer_and_skips_ttl_check() {
    let mut c = ka(1, 100);
    c.unicast_peers = vec![v4(2), v4(3)];
    let mut r = started(c.clone(), t_ms(0));
    // TTL 64 accepted in unicast mode; a multicast advert is a cast mismatch.
    r.handle_advert(t_ms(5), v4(2), v4(1), 64, &advert(&c, 200));
    assert_eq!(r.stats().adverts_received, 1);
    r.handle_advert(t_ms(6), v4(2), mcast4(), 255, &advert(&c, 200));
    assert_eq!(r.stats().discards.get("cast_mismatch"), Some(&1));
    let mut r = started(c, t_ms(0));
    to_master(&mut r);
    let tx = drain_tx(&mut r);
    let a = adverts(&tx);
    assert_eq!(
        a.iter().map(|a| a.dst_ip).collect::<Vec<_>>(),
        vec![v4(2), v4(3)]
    );
    assert_eq!(a.iter().map(|a| a.ipv4_id).collect::<Vec<_>>(), vec![1, 2]);
}

#[test]
fn keepalived_two_owners_lower_priority_to_254() {
    let mut c = ka(1, 255);
    c.initial_state = InitialState::Master;
    let mut r = started(c.clone(), t_ms(0));
    drain_ev(&mut r);
    r.handle_advert(t_ms(100), v4(2), mcast4(), 255, &advert(&c, 255));
    assert_eq!(r.priority(), 254);
    assert_eq!(r.state(), State::Backup, "254 < 255");
    let ev = drain_ev(&mut r);
    assert_eq!(ev[0], Event::OwnerConflict { src: v4(2) });
    assert_eq!(ev[1], Event::PriorityChanged { from: 255, to: 254 });
}

#[test]
fn keepalived_master_priority_zero_no_timer_reset() {
    let mut r = started(ka(1, 100), t_ms(0));
    to_master(&mut r);
    drain_tx(&mut r);
    let c = r.config().clone();
    let adver = r.timer(Timer::Adver);
    r.handle_advert(t_ms(3700), v4(2), mcast4(), 255, &advert(&c, 0));
    assert_eq!(adverts(&drain_tx(&mut r)).len(), 1);
    assert_eq!(r.timer(Timer::Adver), adver);
}

#[test]
fn keepalived_preempt_delay_holds_lower_priority_master() {
    let mut c = ka(1, 150);
    c.preempt_delay = Duration::from_secs(10);
    let mut r = started(c.clone(), t_ms(0));
    // A priority-100 master advertises every second; the delay starts at the first one.
    let mut took_over = None;
    for k in 0..30u64 {
        let now = t_ms(1000 * k + 500);
        let out = run_timers(&mut r, now);
        if let Some((at, _)) = out.iter().find(|(_, x)| matches!(x, Transmit::Advert(_))) {
            took_over = Some(*at);
            break;
        }
        r.handle_advert(now, v4(2), mcast4(), 255, &advert(&c, 100));
    }
    // The delay runs from the first lower advert (0.5 s) to 10.5 s; keepalived accepts while
    // preempt_time > now, so the advert at exactly 10.5 s is already discarded and the timer
    // reset at 9.5 s fires at 9.5 + MDI(150) = 9.5 + 3.414062 s.
    assert_eq!(
        took_over,
        Some(t_ms(9_500) + Duration::from_micros(3_414_062))
    );
    assert_eq!(r.stats().discards.get("lower_priority"), Some(&3));
}

#[test]
fn keepalived_track_weights_move_effective_priority() {
    let mut c = ka(1, 100);
    c.tracks = vec![
        TrackConfig {
            id: "chk_nginx".into(),
            weight: -30,
            reverse: false,
        },
        TrackConfig {
            id: "chk_bonus".into(),
            weight: 20,
            reverse: false,
        },
        TrackConfig {
            id: "file".into(),
            weight: 2,
            reverse: false,
        },
    ];
    let mut r = started(c, t_ms(0));
    drain_ev(&mut r);
    let mdt = r.timer(Timer::MasterDown).unwrap();
    r.set_track(t_ms(1), "chk_nginx", TrackInput::Down);
    assert_eq!(r.priority(), 70);
    // keepalived shifts the running timer by ΔMDI: skew(70) − skew(100) = 186·… − 156·…
    let delta = Duration::from_micros(726_562) - Duration::from_micros(609_375);
    assert_eq!(r.timer(Timer::MasterDown), Some(mdt + delta));
    r.set_track(t_ms(2), "chk_bonus", TrackInput::Up);
    assert_eq!(r.priority(), 90);
    r.set_track(t_ms(3), "file", TrackInput::Value(200));
    assert_eq!(r.priority(), 254, "clamped");
    r.set_track(t_ms(4), "unknown", TrackInput::Down);
    assert_eq!(r.priority(), 254);
    assert_eq!(
        drain_ev(&mut r),
        vec![
            Event::PriorityChanged { from: 100, to: 70 },
            Event::PriorityChanged { from: 70, to: 90 },
            Event::PriorityChanged { from: 90, to: 254 },
        ]
    );
}

#[test]
fn keepalived_track_weight_zero_failure_is_fault_with_priority_zero() {
    let mut c = ka(1, 100);
    c.tracks = vec![TrackConfig {
        id: "chk".into(),
        weight: 0,
        reverse: false,
    }];
    let mut r = started(c, t_ms(0));
    to_master(&mut r);
    drain_tx(&mut r);
    drain_ev(&mut r);
    r.set_track(t_ms(5000), "chk", TrackInput::Down);
    assert_eq!(r.state(), State::Fault);
    let tx = drain_tx(&mut r);
    assert_eq!(adverts(&tx).len(), 1);
    assert_eq!(adverts(&tx)[0].repr.priority, 0);
    assert_eq!(r.poll_timeout(), None, "FAULT is silent");
    let ev = drain_ev(&mut r);
    assert_eq!(ev[0], Event::RemoveAddresses(vec![v4(100)]));
    assert_eq!(
        ev[1],
        Event::StateChanged {
            from: State::Master,
            to: State::Fault,
            reason: Reason::TrackFault
        }
    );
    // Adverts are ignored in FAULT.
    let c = r.config().clone();
    r.handle_advert(t_ms(5100), v4(2), mcast4(), 255, &advert(&c, 50));
    assert_eq!(r.stats().discards.get("not_running"), Some(&1));
    r.set_track(t_ms(6000), "chk", TrackInput::Up);
    assert_eq!(r.state(), State::Backup);
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(6000) + Duration::from_micros(3_609_375))
    );
}

#[test]
fn keepalived_interface_down_is_fault_without_priority_zero() {
    let mut r = started(ka(1, 100), t_ms(0));
    to_master(&mut r);
    drain_tx(&mut r);
    r.set_interface_up(t_ms(5000), false);
    assert_eq!(r.state(), State::Fault);
    assert!(
        drain_tx(&mut r).is_empty(),
        "nothing can be sent on a dead link"
    );
    r.set_interface_up(t_ms(8000), true);
    assert_eq!(r.state(), State::Backup);
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(8000) + Duration::from_micros(3_609_375))
    );
}

#[test]
fn keepalived_interface_down_before_start_starts_in_fault() {
    let mut r = Router::new(ka(1, 100));
    r.set_interface_up(t_ms(0), false);
    r.start(t_ms(0));
    assert_eq!(r.state(), State::Fault);
    assert_eq!(
        drain_ev(&mut r),
        vec![Event::StateChanged {
            from: State::Initialize,
            to: State::Fault,
            reason: Reason::InterfaceDown
        }]
    );
}

#[test]
fn keepalived_sync_group_members_move_together() {
    let mut c1 = ka(1, 100);
    c1.vrid = 1;
    let mut c2 = ka(1, 100);
    c2.vrid = 2;
    c2.adver_int = Duration::from_secs(2);
    let mut a = Router::new(c1);
    let mut b = Router::new(c2.clone());
    let mut g = SyncGroup::new("VG_1", &mut [&mut a, &mut b]);
    a.start(t_ms(0));
    b.start(t_ms(0));
    g.apply(t_ms(0), &mut [&mut a, &mut b]);
    // a's timer fires first (3.609 s) but b still hears a master: nobody moves.
    let ta = a.poll_timeout().unwrap();
    a.handle_timeout(ta);
    g.apply(ta, &mut [&mut a, &mut b]);
    assert_eq!((a.state(), b.state()), (State::Backup, State::Backup));
    assert!(a.wants_master());
    assert!(drain_ev(&mut a).contains(&Event::WantMaster));
    // b's timer (6.609 s) fires: now both want master and both become master together.
    let tb = b.poll_timeout().unwrap();
    assert_eq!(tb, Instant::from_micros(6_609_375));
    b.handle_timeout(tb);
    g.apply(tb, &mut [&mut a, &mut b]);
    assert_eq!((a.state(), b.state()), (State::Master, State::Master));
    assert_eq!(g.state(), State::Master);
    // b hears a higher priority: it yields and a follows.
    b.handle_advert(
        tb + Duration::from_secs(1),
        v4(9),
        mcast4(),
        255,
        &advert(&c2, 200),
    );
    g.apply(tb + Duration::from_secs(1), &mut [&mut a, &mut b]);
    assert_eq!((a.state(), b.state()), (State::Backup, State::Backup));
    // a's interface fails: the whole group goes FAULT, and comes back together.
    a.set_interface_up(tb + Duration::from_secs(2), false);
    g.apply(tb + Duration::from_secs(2), &mut [&mut a, &mut b]);
    assert_eq!((a.state(), b.state()), (State::Fault, State::Fault));
    a.set_interface_up(tb + Duration::from_secs(3), true);
    assert_eq!(a.state(), State::Fault, "held by the group until apply");
    g.apply(tb + Duration::from_secs(3), &mut [&mut a, &mut b]);
    assert_eq!((a.state(), b.state()), (State::Backup, State::Backup));
}

#[test]
fn keepalived_garp_lower_prio_repeat_refreshes_arp_caches() {
    let mut c = ka(1, 100);
    c.garp_lower_prio_repeat = 5;
    c.garp_lower_prio_delay = Duration::from_secs(5);
    c.garp_master_delay = Duration::ZERO;
    let mut r = started(c.clone(), t_ms(0));
    let t0 = to_master(&mut r);
    drain_tx(&mut r);
    let at = t0 + Duration::from_millis(300);
    r.handle_advert(at, v4(2), mcast4(), 255, &advert(&c, 50));
    let tx = drain_tx(&mut r);
    assert!(matches!(tx[0], Transmit::Advert(_)), "advert first");
    assert_eq!(garps(&tx), 5);
    assert_eq!(
        r.timer(Timer::GarpLowerPrio),
        Some(at + Duration::from_secs(5))
    );
    let out = run_timers(&mut r, at + Duration::from_secs(5));
    let later: Vec<_> = out
        .iter()
        .filter(|(_, x)| matches!(x, Transmit::GratuitousArp { .. }))
        .collect();
    assert_eq!(later.len(), 5);
    assert!(later.iter().all(|(t, _)| *t == at + Duration::from_secs(5)));
}

#[test]
fn keepalived_vmac_xmit_base_and_check_unicast_src() {
    let mut c = ka(1, 100);
    c.use_vmac = true;
    c.vmac_xmit_base = true;
    c.unicast_peers = vec![v4(2)];
    c.check_unicast_src = true;
    let mut r = started(c.clone(), t_ms(0));
    r.handle_advert(t_ms(5), v4(3), v4(1), 255, &advert(&c, 200));
    assert_eq!(r.stats().discards.get("unknown_peer"), Some(&1));
    r.handle_advert(t_ms(6), v4(2), v4(1), 255, &advert(&c, 200));
    assert_eq!(r.stats().adverts_received, 1);
    let mut r = started(c, t_ms(0));
    to_master(&mut r);
    let tx = drain_tx(&mut r);
    assert_eq!(adverts(&tx)[0].src_mac, SrcMac::Interface);
    assert!(tx.iter().any(|t| matches!(
        t,
        Transmit::GratuitousArp {
            src_mac: SrcMac::Virtual([0, 0, 0x5e, 0, 1, 7]),
            ..
        }
    )));
}

#[test]
fn keepalived_master_ignores_its_own_address_at_equal_priority() {
    let mut r = started(ka(1, 100), t_ms(0));
    to_master(&mut r);
    drain_tx(&mut r);
    let c = r.config().clone();
    r.handle_advert(t_ms(4000), v4(1), mcast4(), 255, &advert(&c, 100));
    assert_eq!(r.state(), State::Master);
    assert!(drain_tx(&mut r).is_empty(), "no answering advert");
    assert_eq!(r.stats().discards.get("own_address"), Some(&1));
}

#[test]
fn keepalived_excluded_addresses_are_managed_but_not_advertised() {
    let mut c = ka(1, 100);
    c.excluded_addresses = vec![v4(200)];
    let mut r = started(c.clone(), t_ms(0));
    // An advert listing only the VIPs matches the address-list check.
    r.handle_advert(t_ms(5), v4(2), mcast4(), 255, &advert(&c, 200));
    assert_eq!(r.stats().total_discards(), 0);
    let mut r = started(c, t_ms(0));
    drain_ev(&mut r);
    to_master(&mut r);
    let tx = drain_tx(&mut r);
    assert_eq!(adverts(&tx)[0].repr.addresses, vec![v4(100)]);
    assert_eq!(garps(&tx), 10, "5 rounds over both addresses");
    assert!(drain_ev(&mut r).contains(&Event::AddAddresses(vec![v4(100), v4(200)])));
}

/// A VRRPv3 advert of `form` from a priority-200 sender, as a parsed frame.
fn v3_frame(form: vrrp::wire::ChecksumForm) -> (Instant, vrrp::frame::ParsedAdvert) {
    let mut sender = ka(2, 200);
    sender.version = Version::V3;
    sender.checksum_form = form;
    let mut s = started(sender, t_ms(0));
    let t = s.poll_timeout().unwrap();
    s.handle_timeout(t);
    let tx = drain_tx(&mut s);
    let bytes = tx[0].build_frame([2, 0, 0, 0, 0, 2], None).unwrap();
    (t, vrrp::frame::parse(&bytes).unwrap())
}

#[test]
fn keepalived_227_discards_a_v3_advert_without_the_pseudo_header() {
    // keepalived <= 2.2.7 (and FRR) always include the IPv4 pseudo-header: "Invalid VRRPv3 checksum".
    let mut c = ka(1, 100);
    c.version = Version::V3;
    let (t, adv) = v3_frame(vrrp::wire::ChecksumForm::Rfc9568);
    let mut r = started(c, t_ms(0));
    r.handle_frame(t, &adv);
    assert_eq!(r.stats().discards.get("bad_checksum"), Some(&1));
    assert_eq!(r.state(), State::Backup);
}

#[test]
fn keepalived_228_v3_checksum_as_v2_sends_the_v2_form_and_accepts_both() {
    use vrrp::wire::ChecksumForm;
    let mut c = ka(1, 100);
    c.version = Version::V3;
    c.checksum_form = ChecksumForm::Rfc9568;
    assert!(vrrp::router::keepalived::skips_v3_checksum_check(&c));
    // It sends the message-only form...
    let mut me = started(c.clone(), t_ms(0));
    let t = me.poll_timeout().unwrap();
    me.handle_timeout(t);
    let tx = drain_tx(&mut me);
    let bytes = tx[0].build_frame([2, 0, 0, 0, 0, 1], None).unwrap();
    assert_eq!(
        vrrp::frame::parse(&bytes).unwrap().checksum,
        Some(ChecksumForm::Rfc9568)
    );
    // ...and accepts a higher-priority advert of either form: no bad_checksum discard, it steps down.
    for form in [ChecksumForm::Rfc5798, ChecksumForm::Rfc9568] {
        let (t, adv) = v3_frame(form);
        let mut r = started(c.clone(), t_ms(0));
        r.handle_frame(t, &adv);
        assert_eq!(r.stats().discards.get("bad_checksum"), None, "{form:?}");
        assert_eq!(r.master_address(), Some(adv.src_ip), "{form:?}");
    }
}

#[test]
fn keepalived_vrrp_startup_delay_runs_the_master_down_timer_from_the_end_of_the_delay() {
    // vrrp_startup_delay 10: priority 100 has Master_Down_Interval 3 s + 156/256 s = 3.609375 s.
    let mut c = ka(1, 100);
    c.startup_delay = Duration::from_secs(10);
    let mdi = Duration::from_nanos(3_609_375_000);
    let mut r = started(c.clone(), t_ms(0));
    assert_eq!(r.state(), State::Backup);
    assert_eq!(r.timer(Timer::MasterDown), Some(t_ms(10_000) + mdi));
    // An advert heard during the delay re-arms from the delay's end again (vrrp_init_instance_sands).
    r.handle_advert(t_ms(4_000), v4(2), mcast4(), 255, &advert(&c, 200));
    assert_eq!(r.timer(Timer::MasterDown), Some(t_ms(10_000) + mdi));
    // After the delay, from the advert as usual.
    r.handle_advert(t_ms(12_000), v4(2), mcast4(), 255, &advert(&c, 200));
    assert_eq!(r.timer(Timer::MasterDown), Some(t_ms(12_000) + mdi));
    // Without adverts the router becomes master at the delay's end plus its Master_Down_Interval.
    let mut quiet = started(c, t_ms(0));
    assert_eq!(to_master(&mut quiet), t_ms(10_000) + mdi);
}

#[test]
fn keepalived_vrrp_startup_delay_holds_the_address_owner_until_the_delay_ends() {
    let mut c = ka(1, 255);
    c.initial_state = InitialState::Master;
    c.startup_delay = Duration::from_secs(5);
    let mut r = started(c, t_ms(0));
    assert_eq!(r.state(), State::Backup);
    assert!(drain_tx(&mut r).is_empty(), "no advert during the delay");
    assert_eq!(to_master(&mut r), t_ms(5_000));
}
