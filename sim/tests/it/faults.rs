//! The fault vocabulary, one scenario each, on the two-router cluster of pcaps/keepalived/ (r1 priority 100,
//! r2 priority 99, advert_int 1, VRRPv2). Each test asserts the exact state transitions the fault causes.

use crate::util;
use sim::runner::RunResult;
use sim::timeline::{Event, VrrpState};

const R1: &str = "../pcaps/keepalived/configs/keepalived-vrrpv2-crash-failover/r1.conf";
const R2: &str = "../pcaps/keepalived/configs/keepalived-vrrpv2-crash-failover/r2.conf";

/// Runs the two-router cluster (plus `extra_nodes`) with `faults` for `secs` seconds. `r1_config` replaces
/// r1's config source when given.
fn run(secs: u32, r1_config: Option<&str>, extra_nodes: &str, faults: &str) -> RunResult {
    let r1 = r1_config
        .map(str::to_string)
        .unwrap_or_else(|| format!("File({R1:?})"));
    let text = format!(
        r#"Scenario(
    duration: "{secs}s",
    segments: [(name: "lan")],
    nodes: [
        Router(name: "r1", segment: "lan", ip: "192.0.2.11/24", mac: "02:00:00:00:00:11", config: {r1}),
        Router(name: "r2", segment: "lan", ip: "192.0.2.12/24", mac: "02:00:00:00:00:12", config: File({R2:?})),
        {extra_nodes}
    ],
    faults: [{faults}],
)"#
    );
    util::run(&util::from_text("faults.ron", &text), 1)
}

/// (time in ms, node, new state) of every state change.
fn transitions(r: &RunResult) -> Vec<(u64, String, VrrpState)> {
    r.timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::State { to, .. } => {
                Some((e.at.as_millis(), e.node.clone().unwrap_or_default(), *to))
            }
            _ => None,
        })
        .collect()
}

fn notes(r: &RunResult) -> Vec<String> {
    r.timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Note { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn masters(r: &RunResult) -> Vec<(u64, String)> {
    transitions(r)
        .into_iter()
        .filter(|t| t.2 == VrrpState::Master)
        .map(|t| (t.0, t.1))
        .collect()
}

use VrrpState::{Backup, Down, Fault, Master};

fn s(ms: u64, n: &str, st: VrrpState) -> (u64, String, VrrpState) {
    (ms, n.to_string(), st)
}

const START: [(u64, &str, VrrpState); 3] =
    [(0, "r1", Backup), (0, "r2", Backup), (3609, "r1", Master)];

fn start() -> Vec<(u64, String, VrrpState)> {
    START.iter().map(|(t, n, st)| s(*t, n, *st)).collect()
}

#[test]
fn crash_then_restart_preempts_back() {
    // r1's last advert before the crash: 9.609 s; r2 waits Master_Down_Interval (3.613 s) from it.
    let r = run(
        30,
        None,
        "",
        r#"(at: "10s", fault: Crash(node: "r1")), (at: "20s", fault: Restart(node: "r1"))"#,
    );
    let mut want = start();
    want.extend([
        s(10000, "r1", Down),
        s(13222, "r2", Master),
        s(20000, "r1", Backup),
        s(23609, "r1", Master),
        s(23609, "r2", Backup),
    ]);
    assert_eq!(transitions(&r), want);
}

#[test]
fn partition_gives_two_masters_and_heal_one() {
    let r = run(
        30,
        None,
        "",
        r#"(at: "10s", fault: Partition(segment: "lan", groups: [["r1"], ["r2"]])), (at: "20s", fault: Heal(segment: "lan"))"#,
    );
    let m = masters(&r);
    assert_eq!(m, vec![(3609, "r1".into()), (13222, "r2".into())]);
    // After the heal r1 hears r2's next advert (20.222 s) and, as keepalived does, answers the lower priority
    // at once with its own advert: r2 steps down.
    assert!(
        transitions(&r).contains(&s(20222, "r2", Backup)),
        "{:?}",
        transitions(&r)
    );
}

#[test]
fn switch_dropping_multicast_splits_the_brain() {
    let r = run(
        30,
        None,
        "",
        r#"(at: "10s", fault: DropMulticast(segment: "lan", on: true)), (at: "20s", fault: DropMulticast(segment: "lan", on: false))"#,
    );
    assert_eq!(masters(&r), vec![(3609, "r1".into()), (13222, "r2".into())]);
    assert!(
        transitions(&r).contains(&s(20222, "r2", Backup)),
        "{:?}",
        transitions(&r)
    );
}

#[test]
fn one_way_loss_towards_the_backup_makes_it_master() {
    // r2 hears nothing, r1 hears r2: r1 answers r2's lower priority with an advert that r2 never gets.
    let r = run(
        20,
        None,
        "",
        r#"(at: "10s", fault: SetLink(node: "r2", link: (loss_in: 1.0)))"#,
    );
    assert_eq!(masters(&r), vec![(3609, "r1".into()), (13222, "r2".into())]);
    assert_eq!(transitions(&r).last(), Some(&s(13222, "r2", Master)));
}

#[test]
fn graceful_stop_hands_over_after_skew_time() {
    let r = run(20, None, "", r#"(at: "10s", fault: Stop(node: "r1"))"#);
    // Skew_Time for priority 99: (256 - 99) / 256 s = 613.28 ms.
    let t = transitions(&r);
    assert!(t.contains(&s(10613, "r2", Master)), "{t:?}");
    assert!(t.contains(&s(10000, "r1", Down)));
}

#[test]
fn cpu_stall_makes_timers_fire_late() {
    // r1 freezes for 5 s: r2 takes over; when r1 thaws its overdue advert timer fires at once and r2, hearing
    // priority 100, returns to backup.
    let r = run(
        20,
        None,
        "",
        r#"(at: "10s", fault: Stall(node: "r1", duration: "5s"))"#,
    );
    let t = transitions(&r);
    assert!(t.contains(&s(13222, "r2", Master)), "{t:?}");
    assert!(t.contains(&s(15000, "r2", Backup)), "{t:?}");
    assert!(
        !t.iter().any(|x| x.1 == "r1" && x.0 > 3609),
        "r1 stays master throughout: {t:?}"
    );
}

#[test]
fn interface_down_puts_keepalived_in_fault() {
    let r = run(
        30,
        None,
        "",
        r#"(at: "10s", fault: InterfaceDown(node: "r1")), (at: "20s", fault: InterfaceUp(node: "r1"))"#,
    );
    let mut want = start();
    // r1 goes FAULT at once; r2 takes over from r1's last advert; r1 comes back as backup and preempts one
    // Master_Down_Interval (3.609 s for priority 100) later.
    want.extend([
        s(10000, "r1", Fault),
        s(13222, "r2", Master),
        s(20000, "r1", Backup),
        s(23609, "r1", Master),
        s(23609, "r2", Backup),
    ]);
    assert_eq!(transitions(&r), want);
}

#[test]
fn priority_change_makes_the_backup_preempt() {
    let r = run(
        20,
        None,
        "",
        r#"(at: "10s", fault: SetPriority(node: "r2", priority: 120))"#,
    );
    let m = masters(&r);
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(m[1].1, "r2");
    // r2 (now 120) discards r1's lower-priority adverts and takes over when its Master_Down_Interval runs out:
    // 3 s + (256 - 120) / 256 s after r1's last advert it accepted (9.609 s).
    assert_eq!(m[1].0, 9609 + 3531);
}

#[test]
fn keepalived_reload_keeps_a_matched_instance_and_applies_its_new_priority() {
    // keepalived 2.2.7 finds VI_1 again (same VRID, interface, mode: vrrp_exist) and keeps it BACKUP; its
    // Master_Down_Timer restarts from the reload with the new priority (vrrp_init_state).
    let r = run(
        20,
        None,
        "",
        r#"(at: "10s", fault: Reload(node: "r2", overrides: (priority: 120)))"#,
    );
    let t = transitions(&r);
    assert!(
        !t.iter().any(|x| x.0 == 10000),
        "no state change at the reload: {t:?}"
    );
    // It now outranks r1: it takes over one Master_Down_Interval (priority 120: 3.531 s) after the reload.
    assert!(t.contains(&s(13531, "r2", Master)), "{t:?}");
    assert!(t.contains(&s(13531, "r1", Backup)), "{t:?}");
}

const SCRIPTED: &str = r#"Inline("global_defs {\n vrrp_version 2\n}\nvrrp_script chk {\n script \"/usr/local/bin/chk\"\n interval 2\n weight -2\n}\nvrrp_script broken {\n script \"[[ -f /etc/keepalived/down ]] && exit 1 || exit 0\"\n interval 2\n weight -10\n}\nvrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 51\n priority 100\n advert_int 1\n authentication {\n auth_type PASS\n auth_pass 1111\n }\n virtual_ipaddress {\n 192.0.2.100/24\n }\n track_script {\n chk\n broken\n }\n notify_master \"/usr/local/bin/notify.sh master\"\n notify_backup \"/usr/local/bin/notify.sh backup\"\n}\n")"#;

#[test]
fn failing_track_script_lowers_priority_at_its_next_run() {
    // The script runs every 2 s from start-up; failing from 9 s, it is seen failing at 10 s: 100 - 2 = 98 < 99.
    let r = run(
        20,
        Some(SCRIPTED),
        "",
        r#"(at: "9s", fault: TrackScript(node: "r1", script: "chk", ok: false))"#,
    );
    let m = masters(&r);
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(m[1].1, "r2");
    let t = transitions(&r);
    assert!(
        t.iter()
            .any(|x| x.1 == "r1" && x.2 == Backup && x.0 >= 10000),
        "{t:?}"
    );
}

#[test]
fn script_keepalived_would_disable_is_disabled_and_said_so() {
    let r = run(
        20,
        Some(SCRIPTED),
        "",
        r#"(at: "9s", fault: TrackScript(node: "r1", script: "broken", ok: false))"#,
    );
    let n = notes(&r);
    assert!(
        n.iter()
            .any(|t| t.contains("Disabling track script broken since not found/accessible")),
        "{n:?}"
    );
    assert!(
        n.iter()
            .any(|t| t.contains("track script broken is disabled by keepalived")),
        "{n:?}"
    );
    assert_eq!(
        masters(&r),
        vec![(3609, "r1".into())],
        "a disabled script never moves the master"
    );
}

#[test]
fn notify_scripts_are_recorded_in_order() {
    let r = run(10, Some(SCRIPTED), "", "");
    let calls: Vec<(u64, String, Option<String>)> = r
        .timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Notify { state, script, .. } => {
                Some((e.at.as_millis(), state.clone(), script.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        calls,
        vec![
            (
                0,
                "BACKUP".into(),
                Some("/usr/local/bin/notify.sh backup".into())
            ),
            (
                3609,
                "MASTER".into(),
                Some("/usr/local/bin/notify.sh master".into())
            ),
        ]
    );
}

#[test]
fn use_vmac_answers_arp_and_advertises_from_the_virtual_mac() {
    let vmac = r#"Inline("vrrp_instance VI_1 {\n state MASTER\n interface eth0\n use_vmac\n virtual_router_id 51\n priority 100\n advert_int 1\n authentication {\n auth_type PASS\n auth_pass 1111\n }\n virtual_ipaddress {\n 192.0.2.100/24\n }\n}\n")"#;
    let client = r#"Client(name: "c", segment: "lan", ip: "192.0.2.50/24", target: "192.0.2.100:80", start: "5s")"#;
    let r = run(8, Some(vmac), client, "");
    let c = &r.report.clients["c"];
    assert!(c.requests > 20 && c.ok == c.requests, "{c:?}");
    // Every frame r1 sends for the VIP (adverts, GARPs, ARP replies, HTTP answers) carries 00:00:5e:00:01:33.
    let mut rd = pcap_file::pcapng::PcapNgReader::new(&r.capture[..]).unwrap();
    let (mut from_vmac, mut advert_from_real) = (0, 0);
    while let Some(b) = rd.next_block() {
        if let pcap_file::pcapng::Block::EnhancedPacket(p) = b.unwrap() {
            let src = &p.data[6..12];
            let vrrp = p.data.get(23) == Some(&112);
            if src == [0, 0, 0x5e, 0, 1, 51] {
                from_vmac += 1;
            } else if src == [2, 0, 0, 0, 0, 0x11] && vrrp {
                advert_from_real += 1;
            }
        }
    }
    assert!(from_vmac > 20, "{from_vmac}");
    assert_eq!(advert_from_real, 0);
}

#[test]
fn removed_vip_stops_service_though_keepalived_stays_master() {
    let client = r#"Client(name: "c", segment: "lan", ip: "192.0.2.50/24", target: "192.0.2.100:80", start: "5s", interval: "100ms")"#;
    let r = run(
        15,
        None,
        client,
        r#"(at: "10s", fault: RemoveAddress(node: "r1", address: "192.0.2.100"))"#,
    );
    assert_eq!(masters(&r), vec![(3609, "r1".into())]);
    let c = &r.report.clients["c"];
    // 100 requests opened from 5 s to 15 s; the last second's are still waiting for their 1 s timeout.
    assert_eq!(c.requests, 90);
    assert_eq!(c.ok, 50, "{c:?}");
    assert_eq!(c.ok + c.timeouts + c.resets, c.requests);
}

#[test]
fn lost_gratuitous_arp_leaves_clients_on_the_dead_master_until_their_neighbour_entry_fails() {
    // r2's gratuitous ARPs never arrive: the client keeps sending to r1's MAC. Linux-like neighbour
    // handling: the entry, last confirmed by r1's last answer just before 10 s, goes stale 30 s later, is
    // probed 5 s after its next use (3 unicast probes, 1 s apart) and then fails; the next request resolves
    // the VIP by broadcast and reaches r2.
    let client = r#"Client(name: "c", segment: "lan", ip: "192.0.2.50/24", target: "192.0.2.100:80", start: "5s", interval: "100ms", timeout: "1s")"#;
    let r = run(
        60,
        None,
        client,
        r#"(at: "1s", fault: DropGarp(node: "r2", on: true)), (at: "10s", fault: Crash(node: "r1"))"#,
    );
    let reqs: Vec<(f64, bool)> = r
        .timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Request {
                started, outcome, ..
            } => Some((
                *started,
                matches!(outcome, sim::host::app::Outcome::Ok { .. }),
            )),
            _ => None,
        })
        .collect();
    let last_ok_before = reqs
        .iter()
        .filter(|(t, ok)| *ok && *t < 10.0)
        .map(|r| r.0)
        .fold(0.0, f64::max);
    let first_ok_after = reqs
        .iter()
        .find(|(t, ok)| *ok && *t > 10.0)
        .map(|r| r.0)
        .expect("service comes back");
    // Stale at ~40 s, probes from ~45 s, failed at ~48 s.
    assert!(last_ok_before > 9.8, "{last_ok_before}");
    assert!(
        (47.9..48.3).contains(&first_ok_after),
        "service returned at {first_ok_after}"
    );
    assert!(reqs
        .iter()
        .filter(|(t, _)| *t > first_ok_after)
        .all(|r| r.1));
}
