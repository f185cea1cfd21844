//! Virtual-server outcomes in the simulator (scenarios/lvs_quorum_sorry.ron): quorum with hysteresis,
//! quorum_up/quorum_down and the sorry server, at the exact instants keepalived's TCP_CHECK verdicts imply, checked
//! against the capture.

use crate::lvs::{assert_all_passed, fields};
use crate::tshark::{assert_clean, tshark_available};
use crate::util;
use sim::lvs_host::LvsAction;
use sim::runner::RunResult;

/// (ns, action, real server, detail) of the LVS entries of virtual server 192.0.2.100:80 (lb1 is the only
/// director).
fn lvs_ns(r: &RunResult) -> Vec<(u64, LvsAction, String, String)> {
    of_vs(r, "192.0.2.100:80/TCP")
}

/// Like [`lvs_ns`] for the virtual server named `vs`.
fn of_vs(r: &RunResult, vs: &str) -> Vec<(u64, LvsAction, String, String)> {
    r.timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            sim::timeline::Event::Lvs {
                action,
                vs: Some(v),
                rs,
                detail,
                ..
            } if v == vs => Some((
                sim::time::nanos(e.at),
                *action,
                rs.clone().unwrap_or_default(),
                detail.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn at(ev: &[(u64, LvsAction, String, String)], action: LvsAction, rs: &str) -> Vec<u64> {
    ev.iter()
        .filter(|e| e.1 == action && (rs.is_empty() || e.2 == rs))
        .map(|e| e.0)
        .collect()
}

const S: u64 = 1_000_000_000;

#[test]
fn keepalived_quorum_hysteresis_and_sorry_server_at_checker_instants() {
    let l = util::load("lvs_quorum_sorry.ron");
    let r = util::run(&l, l.scenario.seed);
    assert_all_passed(&r);
    assert_eq!(r.report.expectations.len(), 14);
    let ev = lvs_ns(&r);
    let (rs1, rs2, sorry) = ("192.0.2.21:80", "192.0.2.22:80", "192.0.2.29:80");
    // One quorum_down (rs1's failure, not rs2's: 3 >= quorum - hysteresis) and one quorum_up (rs2's return, not
    // rs1's: 3 < quorum + hysteresis), each at its checker verdict's instant, with the configured script.
    let down = at(&ev, LvsAction::QuorumDown, "");
    let up = at(&ev, LvsAction::QuorumUp, "");
    assert_eq!(down, at(&ev, LvsAction::CheckFailed, rs1));
    assert_eq!(up.len(), 1);
    assert_eq!(at(&ev, LvsAction::CheckFailed, rs2).len(), 1);
    let rs2_back = at(&ev, LvsAction::CheckOk, rs2);
    assert_eq!(up, rs2_back);
    let rs1_back = at(&ev, LvsAction::CheckOk, rs1);
    assert_eq!(rs1_back.len(), 1);
    assert!(rs1_back[0] > down[0] && rs1_back[0] < up[0]);
    // 95 s + 9 delta + RTT and 125 s + 5 delta + RTT (delta, RTT < 1 ms).
    assert!(rs1_back[0] > 95 * S && rs1_back[0] < 95 * S + S / 100);
    assert!(up[0] > 125 * S && up[0] < 125 * S + S / 100);
    let detail = |t: u64, a: LvsAction| {
        ev.iter()
            .find(|e| e.0 == t && e.1 == a)
            .map(|e| e.3.clone())
            .unwrap()
    };
    assert_eq!(
        detail(down[0], LvsAction::QuorumDown),
        "192.0.2.100:80/TCP quorum down, quorum_down /usr/local/bin/vs_quorum down"
    );
    assert_eq!(
        detail(up[0], LvsAction::QuorumUp),
        "192.0.2.100:80/TCP quorum up, quorum_up /usr/local/bin/vs_quorum up"
    );
    // The swap happens at those instants: rs3 out and the sorry server in; then the sorry server out and all in.
    assert_eq!(at(&ev, LvsAction::Add, sorry), down);
    assert_eq!(at(&ev, LvsAction::Remove, sorry), up);
    assert_eq!(
        at(&ev, LvsAction::Remove, "192.0.2.23:80")[0],
        down[0],
        "and at the 145 s stop"
    );
    assert!(at(&ev, LvsAction::Add, "192.0.2.23:80").contains(&up[0]));
    // The first connection after each change goes to the right side.
    let first_after = |t: u64| {
        ev.iter()
            .find(|e| e.0 > t && e.1 == LvsAction::Connect)
            .map(|e| e.2.clone())
            .unwrap()
    };
    assert_eq!(first_after(down[0]), sorry);
    assert_ne!(first_after(up[0]), sorry);
}

/// tshark's frame.time_epoch (the capture starts at the epoch) in nanoseconds.
fn epoch_ns(s: &str) -> u64 {
    let (sec, frac) = s.split_once('.').unwrap();
    sec.parse::<u64>().unwrap() * S + format!("{frac:0<9}")[..9].parse::<u64>().unwrap()
}

#[test]
fn lvs_quorum_sorry_capture_decodes_cleanly_and_times_match_the_formula() {
    if !tshark_available() {
        return;
    }
    let (r, file) = util::run_to_capture("lvs_quorum_sorry.ron", "tshark-lvs-quorum");
    assert!(assert_clean(&file) > 100);
    let ev = lvs_ns(&r);
    // t_fail = t1 + (retry + 1) * connect_timeout + retry * delay_before_retry = t1 + 7 s, exactly: the first failing
    // check's SYN (the connection's first SYN, not smoltcp's retransmissions) leaves lb1 at t_fail - 7 s and is captured
    // at the switch one link crossing later (latency 100 us, jitter 20 us).
    for (ip, rs) in [
        ("192.0.2.21", "192.0.2.21:80"),
        ("192.0.2.22", "192.0.2.22:80"),
    ] {
        let fail = at(&ev, LvsAction::CheckFailed, rs)[0];
        let syns: Vec<u64> = fields(
            &file,
            &format!("ip.src == 192.0.2.11 && ip.dst == {ip} && tcp.flags.syn == 1 && tcp.flags.ack == 0 && !tcp.analysis.retransmission"),
            "frame.time_epoch",
        )
        .iter()
        .map(|t| epoch_ns(t))
        .collect();
        let t1 = fail - 7 * S;
        assert!(
            syns.iter().any(|t| *t >= t1 + 80_000 && *t <= t1 + 120_000),
            "{rs}: no SYN one link crossing after {t1}"
        );
    }
    // The sorry server answers the VIP's clients only between quorum_down and quorum_up.
    let down = at(&ev, LvsAction::QuorumDown, "")[0];
    let up = at(&ev, LvsAction::QuorumUp, "")[0];
    let answers: Vec<u64> = fields(
        &file,
        "http.response && ip.src == 192.0.2.100 && eth.src == 02:00:00:00:02:29",
        "frame.time_epoch",
    )
    .iter()
    .map(|t| epoch_ns(t))
    .collect();
    assert!(answers.len() > 100);
    assert!(answers.iter().all(|t| *t > down && *t < up + S));
}

#[test]
fn keepalived_alpha_omega_sorry_server_inhibit_in_the_simulator() {
    let l = util::load("lvs_quorum_sorry.ron");
    let r = util::run(&l, l.scenario.seed);
    assert_all_passed(&r);
    let ev = of_vs(&r, "192.0.2.101:80/TCP");
    let table = |t: u64| -> Vec<String> {
        ev.iter()
            .filter(|e| e.0 == t && e.1 != LvsAction::CheckOk && e.1 != LvsAction::CheckFailed)
            .filter(|e| !matches!(e.1, LvsAction::NotifyUp | LvsAction::NotifyDown))
            .map(|e| e.3.trim_start_matches("192.0.2.101:80/TCP ").to_string())
            .collect()
    };
    // init_service_rs adds the alpha servers at weight 0 (inhibit_on_failure); update_quorum_state(init) finds
    // W = 0: "Starting with quorum down", the sorry server in at its weight, quorum_down.
    assert_eq!(
        table(0),
        [
            "add 192.0.2.21:80 weight 0",
            "add 192.0.2.22:80 weight 0",
            "add 192.0.2.23:80 weight 0",
            "add 192.0.2.29:80 weight 1",
            "quorum down, quorum_down /usr/local/bin/vs_quorum down 101",
        ]
    );
    // The third first-passing check makes W = 4: quorum_up at that instant, sorry "disabled" (weight 0, kept).
    let oks: Vec<u64> = ev
        .iter()
        .filter(|e| e.1 == LvsAction::CheckOk)
        .map(|e| e.0)
        .take(3)
        .collect();
    let up = *oks.iter().max().unwrap();
    assert!(up > S && up < S + S / 100);
    assert_eq!(
        table(up),
        [
            "weight 192.0.2.29:80 0",
            "weight 192.0.2.21:80 2",
            "weight 192.0.2.22:80 1",
            "weight 192.0.2.23:80 1",
            "quorum up, quorum_up /usr/local/bin/vs_quorum up 101",
        ]
    );
    // Losing quorum edits weights instead of removing: rs3 to 0, the sorry server "enabled".
    let down = ev
        .iter()
        .find(|e| e.1 == LvsAction::CheckFailed && e.2 == "192.0.2.21:80")
        .unwrap()
        .0;
    assert_eq!(
        table(down),
        [
            "weight 192.0.2.21:80 0",
            "weight 192.0.2.23:80 0",
            "weight 192.0.2.29:80 1",
            "quorum down, quorum_down /usr/local/bin/vs_quorum down 101",
        ]
    );
    // 145 s, keepalived stops (omega): the sorry server and every server removed, notify_down for the three live
    // servers, quorum_down although quorum was up. The virtual server without omega only loses its servers.
    let stop = 145 * S;
    assert_eq!(
        table(stop),
        [
            "remove 192.0.2.29:80",
            "remove 192.0.2.21:80",
            "remove 192.0.2.22:80",
            "remove 192.0.2.23:80",
            "quorum down, quorum_down /usr/local/bin/vs_quorum down 101",
        ]
    );
    let notify_down = |ev: &[(u64, LvsAction, String, String)]| {
        ev.iter()
            .filter(|e| e.0 == stop && e.1 == LvsAction::NotifyDown)
            .count()
    };
    assert_eq!(notify_down(&ev), 3);
    let plain = lvs_ns(&r);
    assert_eq!(notify_down(&plain), 0);
    assert!(plain
        .iter()
        .all(|e| !(e.0 == stop && e.1 == LvsAction::QuorumDown)));
}
