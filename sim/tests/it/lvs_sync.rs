//! keepalived's `lvs_sync_daemon` in the simulator (scenarios/lvs_sync_daemon.ron): the master director's sync
//! messages on the wire (tshark's `ipvs` dissector decodes them), the backup's table, and persistence across a
//! director failover with and without the daemon.

use crate::lvs::{assert_all_passed, fields, lvs_events};
use crate::tshark::{assert_clean, tshark_available};
use crate::util;
use sim::lvs_host::LvsAction;

#[test]
fn keepalived_lvs_sync_daemon_persistence_survives_director_failover() {
    let l = util::load("lvs_sync_daemon.ron");
    let r = util::run(&l, l.scenario.seed);
    assert_all_passed(&r);
    assert_eq!(r.report.expectations.len(), 7);
    let ev = lvs_events(&r);
    let roles: Vec<(f64, &str, &str)> = ev
        .iter()
        .filter(|e| e.2 == LvsAction::SyncRole)
        .map(|e| (e.0, e.1.as_str(), e.4.as_str()))
        .collect();
    // vrrp_init_state starts both as backup; lb1 becomes master with VI_1 (3.609 s), lb2 when it takes over.
    assert_eq!(roles[0], (0.0, "lb1", "sync daemon backup, syncid 51"));
    assert_eq!(roles[1], (0.0, "lb2", "sync daemon backup, syncid 51"));
    assert_eq!(roles[2].1, "lb1");
    assert_eq!(roles[2].2, "sync daemon master, syncid 51");
    assert!((roles[2].0 - 3.609375).abs() < 1e-6, "{roles:?}");
    assert_eq!(roles[3].1, "lb2");
    assert_eq!(roles[3].2, "sync daemon master, syncid 51");
    assert!(roles[3].0 > 40.0 && roles[3].0 < 43.7, "{roles:?}");
    // Only the backup applies, and only while lb1 is master.
    let applied: Vec<f64> = ev
        .iter()
        .filter(|e| e.2 == LvsAction::SyncApplied)
        .map(|e| {
            assert_eq!(e.1, "lb2");
            e.0
        })
        .collect();
    assert!(applied.len() > 10, "{}", applied.len());
    assert!(applied.iter().all(|t| *t > 3.6 && *t < 40.0));
}

#[test]
fn keepalived_without_lvs_sync_daemon_new_master_starts_with_empty_persistence() {
    // The seed configs as published: no lvs_sync_daemon line. lb2 schedules every client afresh (rr over an
    // empty template table), so some client lands on the other real server.
    let l = util::load("lvs_sync_daemon.ron");
    let text = l
        .text
        .replace("configs/lvs/sync_director", "configs/seed/lvs_dr_director")
        .replace("survives: true", "survives: false");
    assert_ne!(text, l.text);
    let l = util::from_text("lvs_sync_daemon.ron", &text);
    let r = util::run(&l, l.scenario.seed);
    assert_all_passed(&r);
    let ev = lvs_events(&r);
    assert!(ev
        .iter()
        .all(|e| e.2 != LvsAction::SyncRole && e.2 != LvsAction::SyncApplied));
    let v = r
        .report
        .expectations
        .iter()
        .find(|v| v.expectation.starts_with("persistence does not survive"))
        .unwrap();
    assert!(v.measured.contains("moved ("), "{}", v.measured);
}

#[test]
fn lvs_sync_daemon_capture_decodes_cleanly_in_tshark_as_ipvs() {
    if !tshark_available() {
        return;
    }
    let (_, file) = util::run_to_capture("lvs_sync_daemon.ron", "tshark-lvs-sync");
    assert!(assert_clean(&file) > 50);
    // Every sync datagram is dissected as IPVS sync v1 with syncid 51, from the VI_1 master of the moment.
    let ids = fields(&file, "udp.dstport == 8848", "ipvs.syncid");
    assert!(ids.len() > 10, "{}", ids.len());
    assert!(ids.iter().all(|i| i == "51"), "{ids:?}");
    let to = fields(&file, "udp.dstport == 8848", "ip.dst");
    assert!(to.iter().all(|a| a == "224.0.0.81"));
    let ttl = fields(&file, "udp.dstport == 8848", "ip.ttl");
    assert!(ttl.iter().all(|t| t == "1"));
    // lb1 sends while it is master, lb2 once it took over (to no backup: lb1 is down).
    let src = fields(&file, "ipvs", "ip.src");
    let times: Vec<f64> = fields(&file, "ipvs", "frame.time_relative")
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
    for (t, a) in times.iter().zip(&src) {
        let want = if *t < 40.0 {
            "192.168.145.201"
        } else {
            "192.168.145.202"
        };
        assert_eq!(a, want, "sync message at {t}");
    }
    // Templates (flag 0x1000) to both real servers, with the persistence timeout.
    let timeouts = fields(&file, "ipvs", "ipvs.timeout");
    assert!(timeouts.iter().any(|t| t.split(',').any(|x| x == "100")));
    let dsts = fields(&file, "ipvs", "ipvs.daddr").join(",");
    assert!(dsts.contains("192.168.145.203") && dsts.contains("192.168.145.205"));
}

#[test]
fn lvs_sync_nat_tun_quorum_scenarios_are_deterministic() {
    // Same scenario and seed: byte-identical capture and timeline (the sync daemon's datagrams, NAT rewrites,
    // tunnels and quorum swaps included).
    for rel in [
        "lvs_sync_daemon.ron",
        "lvs_nat.ron",
        "lvs_tun.ron",
        "lvs_quorum_sorry.ron",
    ] {
        let l = util::load(rel);
        let (a, b) = (util::run(&l, 7), util::run(&l, 7));
        assert_eq!(a.capture, b.capture, "{rel}");
        assert_eq!(lvs_events(&a), lvs_events(&b), "{rel}");
    }
}
