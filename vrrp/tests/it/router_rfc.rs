//! The state machine, rule by rule. Each test is named after the RFC section it proves and
//! asserts exact timer values. RFC 5798 §6.4.1 (Initialize), §6.4.2 (Backup), §6.4.3 (Master),
//! §7.1 (receive checks), and the RFC 3768 / RFC 9568 differences.

use std::net::{IpAddr, Ipv6Addr};

use vrrp::router::{Discard, Event, Mode, Reason, Router, SrcMac, State, Timer, Transmit};
use vrrp::time::{Duration, Instant};
use vrrp::wire::{Auth, Version};

use crate::rig::*;

const MDI_P99_100CS: u64 = 3_613_281_250;
const SKEW_P99_100CS: u64 = 613_281_250;

// ---------- §6.4.1 Initialize ----------

#[test]
fn rfc5798_6_4_1_non_owner_startup_enters_backup_with_master_down_interval() {
    let mut r = started(cfg(Mode::Rfc5798, 1, 99), t_ms(1000));
    assert_eq!(r.state(), State::Backup);
    assert_eq!(r.master_adver_int(), Duration::from_centis(100));
    assert_eq!(r.skew_time(), Duration::from_nanos(SKEW_P99_100CS));
    // 300 + (256 − 99) · 100 / 256 cs.
    assert_eq!(
        r.master_down_interval(),
        Duration::from_nanos(MDI_P99_100CS)
    );
    assert_eq!(
        r.poll_timeout(),
        Some(t_ms(1000) + Duration::from_nanos(MDI_P99_100CS))
    );
    assert_eq!(r.timer(Timer::Adver), None);
    assert!(
        drain_tx(&mut r).is_empty(),
        "a backup never advertises at startup"
    );
    assert_eq!(
        drain_ev(&mut r),
        vec![Event::StateChanged {
            from: State::Initialize,
            to: State::Backup,
            reason: Reason::Startup
        }]
    );
}

#[test]
fn rfc5798_6_4_1_owner_startup_sends_advert_garp_and_becomes_master() {
    let mut r = started(cfg(Mode::Rfc5798, 1, 255), t_ms(0));
    assert_eq!(r.state(), State::Master);
    let tx = drain_tx(&mut r);
    assert_eq!(tx.len(), 2);
    let Transmit::Advert(a) = &tx[0] else {
        panic!("advert first: {tx:?}")
    };
    assert_eq!(a.repr.priority, 255);
    assert_eq!(a.repr.version, Version::V3);
    assert_eq!(a.dst_ip, mcast4());
    assert_eq!(a.src_ip, v4(1));
    assert_eq!(a.src_mac, SrcMac::Virtual([0, 0, 0x5e, 0, 1, 7]));
    assert_eq!(
        tx[1],
        Transmit::GratuitousArp {
            vip: "192.0.2.100".parse().unwrap(),
            src_mac: SrcMac::Virtual([0, 0, 0x5e, 0, 1, 7])
        }
    );
    assert_eq!(r.timer(Timer::Adver), Some(t_ms(1000)));
    assert_eq!(r.timer(Timer::MasterDown), None);
    assert!(r.accepts_vip_traffic(), "the owner always accepts");
    let ev = drain_ev(&mut r);
    assert_eq!(
        ev[0],
        Event::StateChanged {
            from: State::Initialize,
            to: State::Master,
            reason: Reason::OwnerStartup
        }
    );
    assert_eq!(ev[1], Event::AddAddresses(vec![v4(100)]));
}

#[test]
fn rfc5798_6_4_1_ipv6_owner_sends_unsolicited_na_from_link_local() {
    let vip = IpAddr::V6("2001:db8::100".parse().unwrap());
    let mut c = vrrp::router::RouterConfig::new(Mode::Rfc5798, 9, ll6(1), vec![ll6(0x100), vip]);
    c.priority = 255;
    let mut r = started(c, t_ms(0));
    let tx = drain_tx(&mut r);
    let a = adverts(&tx);
    assert_eq!(a[0].dst_ip, IpAddr::V6(vrrp::wire::MULTICAST_V6));
    assert_eq!(a[0].src_mac, SrcMac::Virtual([0, 0, 0x5e, 0, 2, 9]));
    let nas: Vec<_> = tx
        .iter()
        .filter_map(|t| match t {
            Transmit::UnsolicitedNa { vip, src_ip, .. } => Some((*vip, *src_ip)),
            _ => None,
        })
        .collect();
    let src: Ipv6Addr = "fe80::1".parse().unwrap();
    assert_eq!(
        nas,
        vec![
            ("fe80::100".parse().unwrap(), src),
            ("2001:db8::100".parse().unwrap(), src)
        ]
    );
}

// ---------- §6.4.2 Backup ----------

#[test]
fn rfc5798_6_4_2_master_down_timer_makes_backup_master() {
    let mut r = started(cfg(Mode::Rfc5798, 1, 99), t_ms(0));
    drain_ev(&mut r);
    let fire = Instant::from_nanos(MDI_P99_100CS);
    r.handle_timeout(fire - Duration::from_nanos(1));
    assert_eq!(r.state(), State::Backup, "not a nanosecond early");
    r.handle_timeout(fire);
    assert_eq!(r.state(), State::Master);
    let tx = drain_tx(&mut r);
    assert_eq!(adverts(&tx).len(), 1);
    assert_eq!(adverts(&tx)[0].repr.priority, 99);
    assert_eq!(garps(&tx), 1);
    assert_eq!(r.timer(Timer::Adver), Some(fire + Duration::from_secs(1)));
    assert_eq!(
        drain_ev(&mut r)[0],
        Event::StateChanged {
            from: State::Backup,
            to: State::Master,
            reason: Reason::MasterDownTimer
        }
    );
}

#[test]
fn rfc5798_6_4_2_backup_receives_priority_zero_waits_skew_time() {
    let c = cfg(Mode::Rfc5798, 1, 99);
    let mut r = started(c.clone(), t_ms(0));
    r.handle_advert(t_ms(500), v4(2), mcast4(), 255, &advert(&c, 0));
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(500) + Duration::from_nanos(SKEW_P99_100CS))
    );
    assert_eq!(r.stats().priority_zero_received, 1);
}

#[test]
fn rfc3768_6_4_2_backup_receives_priority_zero_waits_skew_time() {
    let c = cfg(Mode::Rfc3768, 1, 100);
    let mut r = started(c.clone(), t_ms(0));
    r.handle_advert(t_ms(2000), v4(2), mcast4(), 255, &advert(&c, 0));
    // (256 − 100) / 256 s = 609.375 ms.
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(2000) + Duration::from_micros(609_375))
    );
}

#[test]
fn rfc5798_6_4_2_backup_accepts_higher_priority_and_learns_interval() {
    let c = cfg(Mode::Rfc5798, 1, 99);
    let mut r = started(c.clone(), t_ms(0));
    let mut adv = advert(&c, 200);
    adv.max_adver_int_cs = 50;
    r.handle_advert(t_ms(100), v4(2), mcast4(), 255, &adv);
    assert_eq!(r.master_adver_int(), Duration::from_centis(50));
    // RFC 5798 recomputes Master_Down_Interval but not Skew_Time: 150 cs + 61.328125 cs.
    assert_eq!(r.skew_time(), Duration::from_nanos(SKEW_P99_100CS));
    assert_eq!(
        r.master_down_interval(),
        Duration::from_nanos(2_113_281_250)
    );
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(100) + Duration::from_nanos(2_113_281_250))
    );
    assert_eq!(r.master_address(), Some(v4(2)));
}

#[test]
fn rfc9568_6_4_2_backup_recomputes_skew_with_learned_interval() {
    let c = cfg(Mode::Rfc9568, 1, 99);
    let mut r = started(c.clone(), t_ms(0));
    let mut adv = advert(&c, 200);
    adv.max_adver_int_cs = 50;
    r.handle_advert(t_ms(100), v4(2), mcast4(), 255, &adv);
    // 150 cs + 157 · 50 / 256 cs = 180.6640625 cs.
    assert_eq!(r.skew_time(), Duration::from_nanos(306_640_625));
    assert_eq!(
        r.master_down_interval(),
        Duration::from_nanos(1_806_640_625)
    );
}

#[test]
fn rfc5798_6_4_2_preempting_backup_discards_lower_priority() {
    let c = cfg(Mode::Rfc5798, 1, 150);
    let mut r = started(c.clone(), t_ms(0));
    let before = r.timer(Timer::MasterDown);
    drain_ev(&mut r);
    r.handle_advert(t_ms(900), v4(2), mcast4(), 255, &advert(&c, 100));
    assert_eq!(r.timer(Timer::MasterDown), before, "timer not reset");
    assert_eq!(r.stats().discards.get("lower_priority"), Some(&1));
    assert_eq!(
        drain_ev(&mut r),
        vec![Event::Discarded {
            src: v4(2),
            reason: Discard::LowerPriority
        }]
    );
}

#[test]
fn rfc5798_6_4_2_equal_priority_advert_resets_backup_timer() {
    let c = cfg(Mode::Rfc5798, 1, 100);
    let mut r = started(c.clone(), t_ms(0));
    r.handle_advert(t_ms(900), v4(2), mcast4(), 255, &advert(&c, 100));
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(900) + r.master_down_interval())
    );
}

#[test]
fn rfc5798_6_1_preempt_false_backup_accepts_lower_priority() {
    let mut c = cfg(Mode::Rfc5798, 1, 150);
    c.preempt = false;
    let mut r = started(c.clone(), t_ms(0));
    r.handle_advert(t_ms(900), v4(2), mcast4(), 255, &advert(&c, 100));
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(900) + r.master_down_interval())
    );
    assert_eq!(r.stats().total_discards(), 0);
}

#[test]
fn rfc5798_6_4_2_backup_does_not_own_or_accept_vips() {
    let mut c = cfg(Mode::Rfc5798, 1, 99);
    c.accept_mode = true;
    let r = started(c, t_ms(0));
    assert!(!r.owns_vips());
    assert!(!r.accepts_vip_traffic());
}

#[test]
fn rfc5798_6_4_2_shutdown_in_backup_cancels_timer() {
    let mut r = started(cfg(Mode::Rfc5798, 1, 99), t_ms(0));
    drain_ev(&mut r);
    r.shutdown(t_ms(10));
    assert_eq!(r.state(), State::Initialize);
    assert_eq!(r.poll_timeout(), None);
    assert!(drain_tx(&mut r).is_empty());
}

// ---------- §6.4.3 Master ----------

fn master(mode: Mode, me: u8, prio: u8) -> Router {
    let mut r = started(cfg(mode, me, prio), t_ms(0));
    let t = r.poll_timeout().unwrap();
    r.handle_timeout(t);
    assert_eq!(r.state(), State::Master);
    drain_tx(&mut r);
    drain_ev(&mut r);
    r
}

#[test]
fn rfc5798_6_4_3_adver_timer_sends_advert_and_resets() {
    let mut r = master(Mode::Rfc5798, 1, 100);
    let t = r.timer(Timer::Adver).unwrap();
    r.handle_timeout(t);
    let tx = drain_tx(&mut r);
    assert_eq!(adverts(&tx).len(), 1);
    assert_eq!(garps(&tx), 0);
    assert_eq!(r.timer(Timer::Adver), Some(t + Duration::from_secs(1)));
}

#[test]
fn rfc5798_6_4_3_shutdown_sends_priority_zero_and_initializes() {
    let mut r = master(Mode::Rfc5798, 1, 100);
    r.shutdown(t_ms(5000));
    let tx = drain_tx(&mut r);
    assert_eq!(adverts(&tx).len(), 1);
    assert_eq!(adverts(&tx)[0].repr.priority, 0);
    assert_eq!(r.state(), State::Initialize);
    assert_eq!(r.poll_timeout(), None);
    let ev = drain_ev(&mut r);
    assert_eq!(ev[0], Event::RemoveAddresses(vec![v4(100)]));
    assert_eq!(
        ev[1],
        Event::StateChanged {
            from: State::Master,
            to: State::Initialize,
            reason: Reason::Shutdown
        }
    );
}

#[test]
fn rfc5798_6_4_3_master_receives_priority_zero_sends_advert_and_resets_timer() {
    let mut r = master(Mode::Rfc5798, 1, 100);
    let c = r.config().clone();
    r.handle_advert(t_ms(4000), v4(2), mcast4(), 255, &advert(&c, 0));
    assert_eq!(adverts(&drain_tx(&mut r)).len(), 1);
    assert_eq!(r.timer(Timer::Adver), Some(t_ms(5000)));
    assert_eq!(r.state(), State::Master);
}

#[test]
fn rfc5798_6_4_3_master_receives_higher_priority() {
    let mut r = master(Mode::Rfc5798, 1, 100);
    let c = r.config().clone();
    let mut adv = advert(&c, 200);
    adv.max_adver_int_cs = 200;
    r.handle_advert(t_ms(4000), v4(2), mcast4(), 255, &adv);
    assert_eq!(r.state(), State::Backup);
    assert_eq!(r.timer(Timer::Adver), None);
    assert!(drain_tx(&mut r).is_empty(), "no advert after losing");
    // Master_Adver_Interval := 200 cs; Skew_Time and MDI recomputed: 600 + 156·200/256 cs.
    assert_eq!(r.master_adver_int(), Duration::from_centis(200));
    assert_eq!(r.skew_time(), Duration::from_nanos(1_218_750_000));
    assert_eq!(
        r.master_down_interval(),
        Duration::from_nanos(7_218_750_000)
    );
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(4000) + Duration::from_nanos(7_218_750_000))
    );
    let ev = drain_ev(&mut r);
    assert_eq!(ev[0], Event::RemoveAddresses(vec![v4(100)]));
    assert_eq!(
        ev[1],
        Event::StateChanged {
            from: State::Master,
            to: State::Backup,
            reason: Reason::HigherPriority
        }
    );
}

#[test]
fn rfc5798_6_4_3_master_equal_priority_higher_address_steps_down() {
    let mut r = master(Mode::Rfc5798, 1, 100);
    let c = r.config().clone();
    r.handle_advert(t_ms(4000), v4(2), mcast4(), 255, &advert(&c, 100));
    assert_eq!(r.state(), State::Backup);
    assert!(drain_ev(&mut r).contains(&Event::StateChanged {
        from: State::Master,
        to: State::Backup,
        reason: Reason::EqualPriorityHigherAddress
    }));
}

#[test]
fn rfc5798_6_4_3_master_equal_priority_lower_address_discards() {
    let mut r = master(Mode::Rfc5798, 5, 100);
    let c = r.config().clone();
    r.handle_advert(t_ms(4000), v4(2), mcast4(), 255, &advert(&c, 100));
    assert_eq!(r.state(), State::Master);
    assert!(drain_tx(&mut r).is_empty(), "RFC 5798 discards silently");
    assert_eq!(r.stats().discards.get("lower_priority"), Some(&1));
}

#[test]
fn rfc5798_6_4_3_master_receives_lower_priority_discards_silently() {
    let mut r = master(Mode::Rfc5798, 1, 100);
    let c = r.config().clone();
    let adver = r.timer(Timer::Adver);
    r.handle_advert(t_ms(4000), v4(2), mcast4(), 255, &advert(&c, 50));
    assert_eq!(r.state(), State::Master);
    assert!(drain_tx(&mut r).is_empty());
    assert_eq!(r.timer(Timer::Adver), adver);
}

#[test]
fn rfc9568_6_4_3_master_answers_lower_priority_with_advert() {
    let mut r = master(Mode::Rfc9568, 1, 100);
    let c = r.config().clone();
    r.handle_advert(t_ms(4000), v4(2), mcast4(), 255, &advert(&c, 50));
    assert_eq!(r.state(), State::Master);
    let tx = drain_tx(&mut r);
    assert_eq!(adverts(&tx).len(), 1);
    assert_eq!(adverts(&tx)[0].repr.priority, 100);
    assert_eq!(
        adverts(&tx)[0].checksum_form,
        vrrp::wire::ChecksumForm::Rfc9568
    );
}

#[test]
fn rfc5798_6_4_3_accept_mode_controls_vip_traffic() {
    let r = master(Mode::Rfc5798, 1, 100);
    assert!(r.owns_vips());
    assert!(!r.accepts_vip_traffic(), "Accept_Mode defaults to False");
    let mut c = cfg(Mode::Rfc5798, 1, 100);
    c.accept_mode = true;
    let mut r = started(c, t_ms(0));
    let t = r.poll_timeout().unwrap();
    r.handle_timeout(t);
    assert!(r.accepts_vip_traffic());
}

// ---------- §7.1 receive checks ----------

fn discard_reason(
    mode: Mode,
    me_prio: u8,
    tweak: impl Fn(&mut vrrp::wire::VrrpRepr),
    ttl: u8,
) -> Option<Discard> {
    let c = cfg(mode, 1, me_prio);
    let mut r = started(c.clone(), t_ms(0));
    drain_ev(&mut r);
    let before = r.timer(Timer::MasterDown);
    let mut adv = advert(&c, 200);
    tweak(&mut adv);
    r.handle_advert(t_ms(100), v4(2), mcast4(), ttl, &adv);
    let d = drain_ev(&mut r).into_iter().find_map(|e| match e {
        Event::Discarded { reason, .. } => Some(reason),
        _ => None,
    });
    if d.is_some() {
        assert_eq!(
            r.timer(Timer::MasterDown),
            before,
            "a discarded advert changes nothing"
        );
    }
    d
}

#[test]
fn rfc5798_7_1_discards_ttl_not_255() {
    assert_eq!(
        discard_reason(Mode::Rfc5798, 100, |_| {}, 254),
        Some(Discard::Ttl(254))
    );
    assert_eq!(discard_reason(Mode::Rfc5798, 100, |_| {}, 255), None);
}

#[test]
fn rfc5798_7_1_discards_wrong_version_and_vrid() {
    assert_eq!(
        discard_reason(Mode::Rfc5798, 100, |a| a.version = Version::V2, 255),
        Some(Discard::Version(2))
    );
    assert_eq!(
        discard_reason(Mode::Rfc5798, 100, |a| a.vrid = 8, 255),
        Some(Discard::Vrid(8))
    );
}

#[test]
fn rfc5798_7_1_address_list_mismatch_is_only_logged() {
    let c = cfg(Mode::Rfc5798, 1, 100);
    let mut r = started(c.clone(), t_ms(0));
    drain_ev(&mut r);
    let mut adv = advert(&c, 200);
    adv.addresses = vec![v4(101)];
    r.handle_advert(t_ms(100), v4(2), mcast4(), 255, &adv);
    assert_eq!(
        drain_ev(&mut r),
        vec![Event::AddressListMismatch { src: v4(2) }]
    );
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(100) + r.master_down_interval())
    );
}

#[test]
fn rfc5798_7_1_owner_discards_adverts() {
    let c = cfg(Mode::Rfc5798, 1, 255);
    let mut r = started(c.clone(), t_ms(0));
    drain_ev(&mut r);
    r.handle_advert(t_ms(100), v4(2), mcast4(), 255, &advert(&c, 255));
    assert_eq!(r.state(), State::Master);
    assert_eq!(r.stats().discards.get("local_owner"), Some(&1));
}

#[test]
fn rfc3768_7_1_discards_interval_mismatch() {
    assert_eq!(
        discard_reason(Mode::Rfc3768, 100, |a| a.max_adver_int_cs = 200, 255),
        Some(Discard::Interval {
            received_cs: 200,
            local_cs: 100
        })
    );
}

#[test]
fn rfc5798_7_1_interval_mismatch_is_not_a_discard_in_v3() {
    assert_eq!(
        discard_reason(Mode::Rfc5798, 100, |a| a.max_adver_int_cs = 200, 255),
        None
    );
}

#[test]
fn rfc3768_7_1_discards_auth_mismatch() {
    assert_eq!(
        discard_reason(Mode::Rfc3768, 100, |a| a.auth = Auth::simple_text("x"), 255),
        Some(Discard::Auth)
    );
}

#[test]
fn rfc3768_7_1_address_list_mismatch_dropped_unless_owner() {
    assert_eq!(
        discard_reason(Mode::Rfc3768, 100, |a| a.addresses = vec![v4(101)], 255),
        Some(Discard::AddressList)
    );
    assert_eq!(
        discard_reason(
            Mode::Rfc3768,
            100,
            |a| {
                a.addresses = vec![v4(101)];
                a.priority = 255;
            },
            255
        ),
        None
    );
}

#[test]
fn rfc9568_7_1_discards_zero_count_and_zero_interval() {
    assert_eq!(
        discard_reason(Mode::Rfc9568, 100, |a| a.addresses.clear(), 255),
        Some(Discard::ZeroCount)
    );
    assert_eq!(
        discard_reason(Mode::Rfc9568, 100, |a| a.max_adver_int_cs = 0, 255),
        Some(Discard::ZeroInterval)
    );
}

#[test]
fn rfc9568_7_1_discards_ipv6_first_address_not_link_local() {
    let c = vrrp::router::RouterConfig::new(Mode::Rfc9568, 9, ll6(1), vec![ll6(0x100)]);
    let mut r = started(c.clone(), t_ms(0));
    let mut adv = advert(&c, 200);
    adv.addresses = vec![IpAddr::V6("2001:db8::1".parse().unwrap())];
    r.handle_advert(
        t_ms(1),
        ll6(2),
        IpAddr::V6(vrrp::wire::MULTICAST_V6),
        255,
        &adv,
    );
    assert_eq!(r.stats().discards.get("first_not_link_local"), Some(&1));
}

#[test]
fn rfc5798_7_1_bad_checksum_frame_is_discarded() {
    let c = cfg(Mode::Rfc5798, 1, 100);
    let mut sender = cfg(Mode::Rfc9568, 2, 200);
    sender.priority = 200;
    let mut s = started(sender, t_ms(0));
    let t = s.poll_timeout().unwrap();
    s.handle_timeout(t);
    let tx = drain_tx(&mut s);
    // The RFC 9568 checksum form is a bad checksum to an RFC 5798 router.
    let bytes = tx[0].build_frame([2, 0, 0, 0, 0, 2], None).unwrap();
    let adv = vrrp::frame::parse(&bytes).unwrap();
    let mut r = started(c, t_ms(0));
    r.handle_frame(t, &adv);
    assert_eq!(r.stats().discards.get("bad_checksum"), Some(&1));
}

// ---------- RFC 3768 timing ----------

#[test]
fn rfc3768_6_1_master_down_interval_uses_fixed_skew() {
    let mut c = cfg(Mode::Rfc3768, 1, 100);
    c.adver_int = Duration::from_secs(2);
    let r = started(c, t_ms(0));
    // 3 × 2 s + (256 − 100)/256 s.
    assert_eq!(
        r.master_down_interval(),
        Duration::from_nanos(6_609_375_000)
    );
}

// ---------- RFC 3768 §6.4 (v2) ----------

#[test]
fn rfc3768_6_4_1_owner_startup_sends_v2_advert_and_garp() {
    let mut r = started(cfg(Mode::Rfc3768, 1, 255), t_ms(0));
    assert_eq!(r.state(), State::Master);
    let tx = drain_tx(&mut r);
    let a = adverts(&tx);
    assert_eq!(a[0].repr.version, Version::V2);
    assert_eq!(a[0].repr.max_adver_int_cs, 100);
    assert_eq!(a[0].repr.auth, Auth::None);
    assert_eq!(garps(&tx), 1);
}

#[test]
fn rfc3768_6_4_2_master_down_timer_makes_backup_master() {
    let mut r = started(cfg(Mode::Rfc3768, 1, 100), t_ms(0));
    assert_eq!(r.poll_timeout(), Some(Instant::from_micros(3_609_375)));
    r.handle_timeout(Instant::from_micros(3_609_375));
    assert_eq!(r.state(), State::Master);
    assert_eq!(adverts(&drain_tx(&mut r))[0].repr.priority, 100);
}

#[test]
fn rfc3768_6_4_2_backup_does_not_learn_the_masters_interval() {
    // v2 has no Master_Adver_Interval: an advert with another interval is discarded (§7.1),
    // and an accepted one leaves Master_Down_Interval at 3 × own interval + skew.
    let c = cfg(Mode::Rfc3768, 1, 100);
    let mut r = started(c.clone(), t_ms(0));
    r.handle_advert(t_ms(500), v4(2), mcast4(), 255, &advert(&c, 200));
    assert_eq!(r.master_down_interval(), Duration::from_micros(3_609_375));
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(500) + Duration::from_micros(3_609_375))
    );
}

#[test]
fn rfc3768_6_4_3_master_receives_higher_priority() {
    let mut r = master(Mode::Rfc3768, 1, 100);
    let c = r.config().clone();
    r.handle_advert(t_ms(5000), v4(2), mcast4(), 255, &advert(&c, 150));
    assert_eq!(r.state(), State::Backup);
    assert!(drain_tx(&mut r).is_empty());
    assert_eq!(
        r.timer(Timer::MasterDown),
        Some(t_ms(5000) + Duration::from_micros(3_609_375))
    );
}

#[test]
fn rfc3768_6_4_3_shutdown_sends_priority_zero() {
    let mut r = master(Mode::Rfc3768, 1, 100);
    r.shutdown(t_ms(5000));
    let tx = drain_tx(&mut r);
    assert_eq!(adverts(&tx).len(), 1);
    assert_eq!(adverts(&tx)[0].repr.priority, 0);
    assert_eq!(r.state(), State::Initialize);
}

#[test]
fn rfc3768_6_4_3_master_lower_priority_discarded_silently() {
    let mut r = master(Mode::Rfc3768, 1, 100);
    let c = r.config().clone();
    r.handle_advert(t_ms(5000), v4(2), mcast4(), 255, &advert(&c, 50));
    assert_eq!(r.state(), State::Master);
    assert!(drain_tx(&mut r).is_empty());
}

#[test]
fn rfc3768_6_4_3_non_owner_master_never_accepts_vip_traffic() {
    let r = master(Mode::Rfc3768, 1, 100);
    assert!(r.owns_vips());
    assert!(!r.accepts_vip_traffic());
}

// ---------- several backups ----------

/// RFC 5798 §6.1 / RFC 3768 §6.1 (Skew_Time's purpose): when the master dies, the
/// highest-priority backup times out first and the others hear its advert before their own
/// (longer) Master_Down_Interval ends, so exactly one takes over, at t0 + MDI(highest).
#[test]
fn rfc5798_6_1_highest_priority_backup_times_out_first() {
    let routers = vec![
        Router::new(cfg(Mode::Rfc5798, 1, 250)),
        Router::new(cfg(Mode::Rfc5798, 2, 200)),
        Router::new(cfg(Mode::Rfc5798, 3, 150)),
        Router::new(cfg(Mode::Rfc5798, 4, 100)),
    ];
    let mut lan = Lan::new(routers, Duration::from_micros(100));
    for i in 0..4 {
        lan.start(i, Instant::ZERO);
    }
    lan.run_until(t_ms(10_000));
    assert_eq!(lan.masters(), vec![0]);
    // The master crashes (silently) at 10 s; its last advert left at 9.0234375 s (it became
    // master at 3 s + 6/256 s = 3.0234375 s and advertises every second).
    let last_advert = Instant::from_nanos(3_023_437_500 + 6 * 1_000_000_000);
    lan.routers[0] = Router::new(cfg(Mode::Rfc5798, 1, 250));
    lan.transitions.clear();
    lan.run_until(t_ms(20_000));
    assert_eq!(lan.masters(), vec![1]);
    // One transition only: router 1 at last advert + latency + MDI(200) = 3 s + 56/256 s.
    let expected = last_advert + Duration::from_micros(100) + Duration::from_nanos(3_218_750_000);
    assert_eq!(lan.transitions, vec![(expected, 1, State::Master)]);
}
