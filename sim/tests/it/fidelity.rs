//! Fidelity to real keepalived: each scenario under scenarios/fidelity/ replays the setup of one capture in
//! pcaps/keepalived/, and the conformance timelines of the simulated and the real capture must agree: failover
//! gap within 5 ms, advert cadence within 5 ms, the same priorities, source MACs and gratuitous-ARP bursts
//! (5 at takeover, 5 more 5 s later), unicast or multicast alike.

use crate::util;
use conformance::{CheckOptions, Profile, Report};

fn real(name: &str) -> Report {
    let path = util::repo()
        .join("pcaps/keepalived")
        .join(format!("keepalived-vrrpv2-{name}.pcap"));
    conformance::check_path(
        &path,
        &CheckOptions {
            profile: Profile::Keepalived,
            ..CheckOptions::default()
        },
    )
    .unwrap()
}

fn simulated(scenario: &str) -> Report {
    let l = util::load(&format!("fidelity/{scenario}.ron"));
    let r = util::run(&l, 1);
    for v in &r.report.expectations {
        assert!(v.passed, "{scenario}: {} -- {}", v.expectation, v.measured);
    }
    conformance::check_bytes(
        scenario,
        &r.capture,
        &CheckOptions {
            profile: Profile::Keepalived,
            ..CheckOptions::default()
        },
    )
    .unwrap()
}

fn compare(scenario: &str, capture: &str) {
    let (sim, real) = (simulated(scenario), real(capture));
    assert_eq!(sim.summary.errors, 0, "{scenario}: {:?}", sim.findings);
    assert_eq!(real.routers.len(), 1);
    assert_eq!(sim.routers.len(), 1);
    let (s, r) = (&sim.routers[0], &real.routers[0]);
    assert_eq!(
        (s.version, s.vrid, s.unicast, &s.addresses),
        (r.version, r.vrid, r.unicast, &r.addresses),
        "{scenario}"
    );
    // Advert cadence.
    let (si, ri) = (
        s.advert_interval.as_ref().unwrap(),
        r.advert_interval.as_ref().unwrap(),
    );
    assert!(
        (si.median_ms - ri.median_ms).abs() < 5.0,
        "{scenario}: cadence {} vs {} ms",
        si.median_ms,
        ri.median_ms
    );
    // The failover: same direction, same kind, gap within 5 ms.
    assert_eq!(real.failovers.len(), 1, "{capture}");
    let sf: Vec<_> = sim.failovers.iter().collect();
    assert_eq!(sf.len(), 1, "{scenario}: {:?}", sim.failovers);
    let (sf, rf) = (sf[0], &real.failovers[0]);
    assert_eq!(
        (&sf.from, &sf.to, sf.resigned),
        (&rf.from, &rf.to, rf.resigned),
        "{scenario}"
    );
    assert!(
        (sf.gap_ms - rf.gap_ms).abs() < 5.0,
        "{scenario}: simulated gap {:.1} ms, real {:.1} ms",
        sf.gap_ms,
        rf.gap_ms
    );
    // Per master: priorities and source MAC; GARP bursts for epochs that begin with a takeover in both.
    for rm in &r.masters {
        let sm = s
            .masters
            .iter()
            .rfind(|m| m.src_ip == rm.src_ip)
            .unwrap_or_else(|| panic!("{scenario}: {} never master in the simulation", rm.src_ip));
        assert_eq!(
            sm.priorities, rm.priorities,
            "{scenario}: priorities of {}",
            rm.src_ip
        );
        assert_eq!(
            sm.src_mac, rm.src_mac,
            "{scenario}: source MAC of {}",
            rm.src_ip
        );
        assert_eq!(sm.resigned, rm.resigned, "{scenario}: {}", rm.src_ip);
        if rm.takeover && sm.takeover {
            assert_eq!(
                sm.garps, rm.garps,
                "{scenario}: gratuitous ARPs of {}",
                rm.src_ip
            );
        }
    }
}

#[test]
fn fidelity_crash_failover_matches_real_keepalived() {
    compare("crash_failover", "crash-failover");
}

#[test]
fn fidelity_graceful_stop_matches_real_keepalived() {
    compare("graceful_stop", "graceful-stop");
}

#[test]
fn fidelity_preemption_matches_real_keepalived() {
    compare("preemption", "preemption");
}

#[test]
fn fidelity_unicast_crash_failover_matches_real_keepalived() {
    compare("unicast_crash_failover", "unicast-crash-failover");
}

#[test]
fn fidelity_captures_decode_cleanly_in_tshark() {
    if !crate::tshark::tshark_available() {
        return;
    }
    for s in [
        "crash_failover",
        "graceful_stop",
        "preemption",
        "unicast_crash_failover",
    ] {
        let r = util::run(&util::load(&format!("fidelity/{s}.ron")), 1);
        let dir = util::tempdir(&format!("tshark-fidelity-{s}"));
        let file = dir.join("capture.pcapng");
        std::fs::write(&file, &r.capture).unwrap();
        crate::tshark::assert_clean(&file);
    }
}
