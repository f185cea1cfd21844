//! Each scheduler against the algorithm ipvsadm(8) and net/netfilter/ipvs/ip_vs_*.c describe.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use lvs::{
    DestConfig, FwdMethod, Instant, Ipvs, IpvsSettings, PacketInfo, Protocol, SchedFlags,
    Scheduler, ServiceConfig, ServiceKey, Verdict,
};

use crate::util::*;

const T0: Instant = Instant::from_secs(10);

/// `n` new connections from never-seen clients; 0 marks a refusal.
fn seq(ipvs: &mut Ipvs, n: u32) -> Vec<u8> {
    (0..n)
        .map(|_| pick(ipvs, T0, fresh()).unwrap_or(0))
        .collect()
}

#[test]
fn ip_vs_rr_cycles_through_the_list_newest_first() {
    // Added 1, 2, 3: the kernel's list (and ipvsadm -L) is 3, 2, 1.
    let mut ipvs = simple(Scheduler::Rr, &[(1, 1), (2, 1), (3, 1)]);
    assert_eq!(seq(&mut ipvs, 7), vec![3, 2, 1, 3, 2, 1, 3]);
}

#[test]
fn ip_vs_rr_skips_quiesced_and_resumes_after_removed_cursor() {
    let mut ipvs = simple(Scheduler::Rr, &[(1, 1), (2, 0), (3, 1)]);
    assert_eq!(seq(&mut ipvs, 4), vec![3, 1, 3, 1]);
    // Cursor is on 1; removing it steps the cursor back to its predecessor (2), so 3 is next.
    ipvs.del_dest(&key(), rs(1)).unwrap();
    assert_eq!(seq(&mut ipvs, 3), vec![3, 3, 3]);
    ipvs.set_weight(&key(), rs(3), 0).unwrap();
    assert_eq!(seq(&mut ipvs, 1), vec![0]);
}

#[test]
fn ip_vs_wrr_matches_the_lvs_documentation_sequence() {
    // LVS/keepalived docs: weights A=4, B=3, C=2 give "AABABCABC" per period. The kernel list must be
    // A, B, C, i.e. added C, B, A. Adding one by one leaves the current weight at 1 (the first add sets
    // cw = mw = 2/gcd 2 → 1, later ip_vs_wrr_dest_changed keeps a cw below the new mw), so the kernel
    // starts mid-period with "ABC" and then repeats the documented period.
    let mut ipvs = simple(Scheduler::Wrr, &[(3, 2), (2, 3), (1, 4)]);
    let got: String = seq(&mut ipvs, 18)
        .into_iter()
        .map(|o| (b'A' + o - 1) as char)
        .collect();
    assert_eq!(got, "ABCAABABCABCAABABC");
}

#[test]
fn ip_vs_wrr_gcd_stepping_and_proportions() {
    // Weights 4 and 2: gcd 2, mw = 4 - (2 - 1) = 3, cw steps 3 → 1 → wrap. Adding 2 then 1 leaves
    // cw = (1 / 2) * 2 + 1 = 1, so the kernel starts at the low level: 1 2 | 1 | 1 2 | 1 ...
    let mut ipvs = simple(Scheduler::Wrr, &[(2, 2), (1, 4)]);
    assert_eq!(seq(&mut ipvs, 6), vec![1, 2, 1, 1, 2, 1]);
    // Proportionality over many picks with uneven weights.
    let mut ipvs = simple(Scheduler::Wrr, &[(1, 5), (2, 3), (3, 1), (4, 0)]);
    let mut counts = BTreeMap::new();
    for o in seq(&mut ipvs, 900) {
        *counts.entry(o).or_insert(0) += 1;
    }
    assert_eq!(counts, BTreeMap::from([(1, 500), (2, 300), (3, 100)]));
}

#[test]
fn ip_vs_lc_picks_least_overhead_active_times_256_plus_inactive() {
    let mut ipvs = simple(Scheduler::Lc, &[(1, 1), (2, 1), (3, 1)]);
    // Three established connections on 3, 2, 1 (rr-like because all are equal: first least wins).
    assert_eq!(establish(&mut ipvs, T0, 1), Some(3));
    assert_eq!(establish(&mut ipvs, T0, 2), Some(2));
    assert_eq!(establish(&mut ipvs, T0, 3), Some(1));
    assert_eq!(counters(&ipvs, 3), (1, 0, 0));
    // Half-open connections (SYN only) are inactive: overhead 1 each, far below one active (256).
    assert_eq!(pick(&mut ipvs, T0, 4), Some(3));
    assert_eq!(counters(&ipvs, 3), (1, 1, 0));
    assert_eq!(pick(&mut ipvs, T0, 5), Some(2));
    assert_eq!(pick(&mut ipvs, T0, 6), Some(1));
    // Now all have 257; the next goes to the first in list order.
    assert_eq!(pick(&mut ipvs, T0, 7), Some(3));
    // lc ignores weights except 0.
    ipvs.set_weight(&key(), rs(1), 100).unwrap();
    assert_eq!(pick(&mut ipvs, T0, 8), Some(2));
}

#[test]
fn ip_vs_wlc_divides_overhead_by_weight() {
    let mut ipvs = simple(Scheduler::Wlc, &[(1, 1), (2, 3)]);
    // Active connections fill 2 (weight 3) three times as fast as 1.
    let picks: Vec<u8> = (0..8)
        .map(|i| establish(&mut ipvs, T0, i).unwrap())
        .collect();
    assert_eq!(picks, vec![2, 1, 2, 2, 2, 1, 2, 2]);
    assert_eq!(counters(&ipvs, 2).0, 6);
    assert_eq!(counters(&ipvs, 1).0, 2);
}

#[test]
fn ip_vs_sed_and_nq_use_active_plus_one() {
    // sed: (active+1)/weight. With weights 1 and 3 and no connections: 1/1 vs 1/3 → server 2.
    let mut ipvs = simple(Scheduler::Sed, &[(1, 1), (2, 3)]);
    let picks: Vec<u8> = (0..4)
        .map(|i| establish(&mut ipvs, T0, i).unwrap())
        .collect();
    // (2 has 0): 1/3 < 1 → 2; (2 has 1): 2/3 < 1 → 2; 3/3 = 1 not < 1 → keep first (1)... the first
    // usable in list order is 2, so ties stay on 2: 2, 2, 2, then 4/3 > 1 → 1.
    assert_eq!(picks, vec![2, 2, 2, 1]);
    // nq: an idle server is taken at once, in list order.
    let mut ipvs = simple(Scheduler::Nq, &[(1, 1), (2, 3)]);
    let picks: Vec<u8> = (0..4)
        .map(|i| establish(&mut ipvs, T0, i).unwrap())
        .collect();
    assert_eq!(picks, vec![2, 1, 2, 2]);
}

#[test]
fn ip_vs_fo_and_ovf_prefer_the_highest_weight() {
    let mut ipvs = simple(Scheduler::Fo, &[(1, 5), (2, 10), (3, 10)]);
    // Equal highest weights: the first in list order (3).
    assert_eq!(seq(&mut ipvs, 3), vec![3, 3, 3]);
    ipvs.set_weight(&key(), rs(3), 0).unwrap();
    assert_eq!(seq(&mut ipvs, 2), vec![2, 2]);
    // ovf: a server takes connections until its active count exceeds its weight.
    let mut ipvs = simple(Scheduler::Ovf, &[(1, 1), (2, 2)]);
    let picks: Vec<u8> = (0..5)
        .map(|i| establish(&mut ipvs, T0, i).unwrap_or(0))
        .collect();
    assert_eq!(picks, vec![2, 2, 2, 1, 1]);
    assert_eq!(establish(&mut ipvs, T0, 9), None);
}

#[test]
fn ip_vs_sh_is_stable_per_source_and_honours_fallback() {
    let mut ipvs = simple(Scheduler::Sh, &[(1, 1), (2, 1), (3, 1)]);
    let first: Vec<u8> = (0..50).map(|i| pick(&mut ipvs, T0, i).unwrap()).collect();
    // Same source address (client(i) and client(i + 250) share it, ports differ): same server.
    let again: Vec<u8> = (250..300)
        .map(|i| pick(&mut ipvs, T0, i).unwrap())
        .collect();
    assert_eq!(first, again);
    // Quiesce the server of client 0: without sh-fallback the client is refused ...
    let victim = first[0];
    ipvs.set_weight(&key(), rs(victim), 0).unwrap();
    assert_eq!(pick(&mut ipvs, T0, 500), None);
    // ... and with it the client goes elsewhere, while others keep their server.
    let cfg = ServiceConfig::new(key(), Scheduler::Sh).with_flags(SchedFlags {
        fallback: true,
        port: false,
    });
    ipvs.edit_service(cfg).unwrap();
    let fb = pick(&mut ipvs, T0, 750).unwrap();
    assert_ne!(fb, victim);
    for i in 1..50u32 {
        if first[i as usize] != victim {
            assert_eq!(pick(&mut ipvs, T0, i + 1000), Some(first[i as usize]));
        }
    }
}

#[test]
fn ip_vs_sh_table_tiles_servers_by_weight() {
    // Weight 3 vs 1: sh_reassign gives 3 consecutive buckets then 1, so 192 vs 64 of 256.
    let mut ipvs = simple(Scheduler::Sh, &[(1, 1), (2, 3)]);
    let mut counts = BTreeMap::new();
    for i in 0..250u32 {
        *counts
            .entry(pick(&mut ipvs, T0, i).unwrap())
            .or_insert(0u32) += 1;
    }
    let two = counts[&2];
    assert!(
        (170..=205).contains(&two),
        "weight-3 server got {two} of 250 sources"
    );
}

#[test]
fn ip_vs_dh_is_stable_per_destination_address() {
    // A fwmark service for a whole destination range, like a transparent cache cluster.
    let key = ServiceKey::Fwmark {
        mark: 7,
        ipv6: false,
    };
    let mut ipvs = director(ServiceConfig::new(key, Scheduler::Dh), &[(1, 1), (2, 1)]);
    let mut map = BTreeMap::new();
    for d in 0..64u32 {
        let dst = SocketAddr::new(IpAddr::V4(Ipv4Addr::from(0xc633_6400u32 + d)), 80);
        for c in 0..3u32 {
            let pkt = PacketInfo {
                fwmark: 7,
                ..syn(client(c * 7 + d), dst)
            };
            let Verdict::Forward(f) = ipvs.process_inbound(T0, &pkt) else {
                panic!("refused")
            };
            let prev = map.insert(d, f.real);
            assert!(prev.iter().all(|p| *p == f.real), "destination {d} moved");
        }
        // dh_assign: bucket b → list[b % 2]; list is [2, 1]. The bucket is the kernel hash.
        let bucket = (u64::from(0xc633_6400u32 + d).wrapping_mul(2_654_435_761) & 0xff) as usize;
        let expect = if bucket & 1 == 0 {
            rs(2).ip()
        } else {
            rs(1).ip()
        };
        assert_eq!(map[&d].ip(), expect);
    }
}

/// The server of each of the 250 client addresses (mh hashes the address only), using fresh ports.
fn mh_map(ipvs: &mut Ipvs) -> Vec<Option<u8>> {
    let base = (fresh() / 250 + 1) * 250;
    for _ in 0..250 {
        fresh();
    }
    (0..250).map(|i| pick(ipvs, T0, base + i)).collect()
}

#[test]
fn ip_vs_mh_table_is_balanced_and_4093_slots_by_default() {
    let ipvs = simple(Scheduler::Mh, &[(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]);
    let table = ipvs.service(&key()).unwrap().mh_table().unwrap();
    assert_eq!(table.len(), 4093);
    let mut counts = BTreeMap::new();
    for s in &table {
        *counts.entry(s.unwrap()).or_insert(0u32) += 1;
    }
    // Equal weights: populate hands out one slot per server per round, so shares differ by at most 1.
    let (min, max) = (
        counts.values().min().unwrap(),
        counts.values().max().unwrap(),
    );
    assert!(max - min <= 1, "{counts:?}");
    assert_eq!(counts.values().sum::<u32>(), 4093);
}

#[test]
fn ip_vs_mh_weights_scale_the_share() {
    let ipvs = simple(Scheduler::Mh, &[(1, 1), (2, 3)]);
    let table = ipvs.service(&key()).unwrap().mh_table().unwrap();
    let three = table.iter().filter(|s| **s == Some(rs(2))).count();
    // 3 turns for every 1: 3/4 of 4093 ≈ 3070 (±1 round).
    assert!((3067..=3073).contains(&three), "{three}");
}

#[test]
fn ip_vs_mh_removing_a_server_moves_its_keys_and_few_others() {
    let mut ipvs = simple(Scheduler::Mh, &[(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]);
    let before = ipvs.service(&key()).unwrap().mh_table().unwrap();
    ipvs.del_dest(&key(), rs(3)).unwrap();
    let after = ipvs.service(&key()).unwrap().mh_table().unwrap();
    let mut moved_other = 0;
    for (b, a) in before.iter().zip(&after) {
        if *b == Some(rs(3)) {
            assert_ne!(*a, Some(rs(3)));
        } else if b != a {
            moved_other += 1;
        }
    }
    // Maglev's minimal disruption: the slots of the survivors barely move (measured: see report).
    let survivors_slots = before.iter().filter(|s| **s != Some(rs(3))).count();
    assert!(
        moved_other * 100 <= survivors_slots * 3,
        "{moved_other} of {survivors_slots} moved"
    );
    // And through the scheduler: clients of other servers keep their server.
    let mut ipvs = simple(Scheduler::Mh, &[(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]);
    let b = mh_map(&mut ipvs);
    ipvs.del_dest(&key(), rs(3)).unwrap();
    let a = mh_map(&mut ipvs);
    let kept = b
        .iter()
        .zip(&a)
        .filter(|(x, y)| **x != Some(3) && x == y)
        .count();
    let others = b.iter().filter(|x| **x != Some(3)).count();
    assert!(kept * 100 >= others * 97, "{kept}/{others}");
    assert!(a.iter().all(|x| *x != Some(3)));
}

#[test]
fn ip_vs_mh_quiescing_keeps_the_table_for_everyone_else() {
    let mut ipvs = simple(Scheduler::Mh, &[(1, 1), (2, 1), (3, 1)]);
    let before = mh_map(&mut ipvs);
    let table_before = ipvs.service(&key()).unwrap().mh_table().unwrap();
    ipvs.set_weight(&key(), rs(2), 0).unwrap();
    // last_weight keeps the table identical.
    assert_eq!(
        ipvs.service(&key()).unwrap().mh_table().unwrap(),
        table_before
    );
    let after = mh_map(&mut ipvs);
    for (b, a) in before.iter().zip(&after) {
        if *b == Some(2) {
            assert_eq!(
                *a, None,
                "no mh-fallback: quiesced server's clients are refused"
            );
        } else {
            assert_eq!(a, b);
        }
    }
}

#[test]
fn ip_vs_mh_table_size_follows_config_index() {
    let settings = IpvsSettings {
        mh_tab_index: 8,
        ..IpvsSettings::default()
    };
    let mut ipvs = Ipvs::new(settings, 1);
    ipvs.add_service(ServiceConfig::new(key(), Scheduler::Mh))
        .unwrap();
    ipvs.add_dest(&key(), DestConfig::new(rs(1).ip(), 80, 1, FwdMethod::Dr))
        .unwrap();
    assert_eq!(ipvs.service(&key()).unwrap().mh_table().unwrap().len(), 251);
}

#[test]
fn ip_vs_lblc_sticks_destination_to_server_until_overloaded() {
    let mut ipvs = simple(Scheduler::Lblc, &[(1, 2), (2, 2)]);
    // All connections target one VIP address: the first pick (wlc → 2) sticks.
    let picks: Vec<u8> = (0..3)
        .map(|i| establish(&mut ipvs, T0, i).unwrap())
        .collect();
    assert_eq!(picks, vec![2, 2, 2]);
    // 2 now has 3 active > weight 2 while 1 has 0 < 2/2: overloaded, the entry moves to 1.
    assert_eq!(establish(&mut ipvs, T0, 3), Some(1));
    assert_eq!(establish(&mut ipvs, T0, 4), Some(1));
}

#[test]
fn ip_vs_lblcr_grows_a_server_set_when_overloaded() {
    let mut ipvs = simple(Scheduler::Lblcr, &[(1, 2), (2, 2)]);
    let picks: Vec<u8> = (0..6)
        .map(|i| establish(&mut ipvs, T0, i).unwrap())
        .collect();
    // 2, 2, 2 (stick), then 2 overloaded → 1 joins the set; set_min then balances between both.
    assert_eq!(picks, vec![2, 2, 2, 1, 1, 1]);
    assert_eq!(counters(&ipvs, 1).0, 3);
}

#[test]
fn ip_vs_twos_is_seeded_and_prefers_lower_load() {
    let mut a = simple(Scheduler::Twos, &[(1, 1), (2, 1), (3, 1)]);
    let mut b = simple(Scheduler::Twos, &[(1, 1), (2, 1), (3, 1)]);
    let sa: Vec<u8> = (0..100)
        .map(|i| establish(&mut a, T0, i).unwrap())
        .collect();
    let sb: Vec<u8> = (0..100)
        .map(|i| establish(&mut b, T0, i).unwrap())
        .collect();
    assert_eq!(sa, sb, "same seed, same choices");
    // Two choices keep the load tight: no server ends far from 100/3.
    for s in 1..=3u8 {
        let n = sa.iter().filter(|x| **x == s).count();
        assert!((25..=42).contains(&n), "server {s}: {n}");
    }
}

#[test]
fn ipvs_u_threshold_overload_and_l_threshold_hysteresis() {
    let mut ipvs = simple(Scheduler::Rr, &[(1, 1)]);
    let mut cfg = DestConfig::new(rs(1).ip(), 80, 1, FwdMethod::Dr);
    cfg.u_threshold = 2;
    cfg.l_threshold = 1;
    ipvs.edit_dest(&key(), cfg).unwrap();
    assert_eq!(pick(&mut ipvs, T0, 1), Some(1));
    assert_eq!(pick(&mut ipvs, T0, 2), Some(1));
    // 2 connections reached u_threshold: overloaded, refused.
    assert_eq!(pick(&mut ipvs, T0, 3), None);
    // Half-open connections expire after SYN_RECV's 60 s; below l_threshold (1) the flag clears.
    ipvs.handle_timeout(T0 + lvs::Duration::from_secs(60));
    assert_eq!(counters(&ipvs, 1), (0, 0, 0));
    assert_eq!(
        pick(&mut ipvs, T0 + lvs::Duration::from_secs(61), 4),
        Some(1)
    );
}

#[test]
fn every_scheduler_refuses_when_all_servers_are_quiesced() {
    for s in Scheduler::ALL {
        let mut ipvs = simple(s, &[(1, 0), (2, 0)]);
        assert_eq!(pick(&mut ipvs, T0, 1), None, "{s}");
    }
}

#[test]
fn ipvs_udp_one_packet_scheduling_keeps_no_state() {
    let key = ServiceKey::Addr {
        proto: Protocol::Udp,
        addr: vip().ip(),
        port: 53,
    };
    let mut cfg = ServiceConfig::new(key, Scheduler::Rr);
    cfg.one_packet = true;
    let mut ipvs = director(cfg, &[(1, 1), (2, 1)]);
    let pkt = PacketInfo {
        proto: Protocol::Udp,
        src: client(1),
        dst: SocketAddr::new(vip().ip(), 53),
        fwmark: 0,
        tcp: Default::default(),
    };
    let reals: Vec<_> = (0..4)
        .map(|_| match ipvs.process_inbound(T0, &pkt) {
            Verdict::Forward(f) => f.real.ip(),
            v => panic!("{v:?}"),
        })
        .collect();
    assert_eq!(reals, vec![rs(2).ip(), rs(1).ip(), rs(2).ip(), rs(1).ip()]);
    assert_eq!(ipvs.connections().count(), 0);
}
