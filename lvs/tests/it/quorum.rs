//! keepalived 2.2.7's virtual-server outcomes (check/ipwrapper.c `update_quorum_state`,
//! `perform_quorum_state`, `perform_svr_state`, `init_service_vs`, `clear_service_vs`): quorum with
//! hysteresis, quorum_up/quorum_down, the sorry server (and `sorry_server_inhibit`),
//! `inhibit_on_failure` servers in the swap, alpha and omega. Exact times come from the TCP_CHECK
//! timing (connect_timeout 3, retry 1, delay_before_retry 1, delay_loop 6; 1 ms answers).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use lvs::{CheckerRef, Director, DirectorEvent, Instant, IpvsSettings, Protocol, ServiceKey};

use crate::keepalived::{run, timeline, Net};

fn plan(conf: &str) -> lvs::LvsPlan {
    let opts = keepalived_conf::ParseOptions {
        check_scripts: false,
        ..Default::default()
    };
    let parsed = keepalived_conf::parse_str(conf, Path::new("quorum.conf"), &opts);
    assert!(!parsed.has_errors(), "{}", parsed.render_diagnostics());
    lvs::plan_from_keepalived(&parsed.config)
}

/// Three real servers (weights 2, 1, 1) behind 192.0.2.100:80, quorum 3, hysteresis 1: quorum holds
/// while the live weight stays ≥ quorum − hysteresis = 2 and comes back at ≥ quorum + hysteresis = 4.
fn conf(vs_extra: &str, rs_extra: &str) -> String {
    let rs = |ip: &str, w: u32| {
        format!(
            "    real_server {ip} 80 {{\n        weight {w}\n        {rs_extra}\n        TCP_CHECK {{\n            connect_timeout 3\n        }}\n    }}\n"
        )
    };
    format!(
        "virtual_server 192.0.2.100 80 {{\n    delay_loop 6\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    quorum 3\n    hysteresis 1\n    sorry_server 198.51.100.99 80\n    quorum_up \"/usr/local/bin/quorum up\"\n    quorum_down \"/usr/local/bin/quorum down\"\n    {vs_extra}\n{}{}{}}}\n",
        rs("198.51.100.1", 2),
        rs("198.51.100.2", 1),
        rs("198.51.100.3", 1)
    )
}

fn rs(i: u8) -> SocketAddr {
    SocketAddr::new([198, 51, 100, i].into(), 80)
}

fn targets(d: &lvs::LvsPlan) -> BTreeMap<CheckerRef, SocketAddr> {
    let mut t = BTreeMap::new();
    for (r, s) in d.virtual_servers[0].real_servers.iter().enumerate() {
        t.insert(
            CheckerRef {
                vs: 0,
                rs: r,
                checker: 0,
            },
            s.addr(),
        );
    }
    t
}

/// The table as (server, weight), sorted.
fn table(d: &Director) -> Vec<(SocketAddr, u32)> {
    let key = ServiceKey::Addr {
        proto: Protocol::Tcp,
        addr: "192.0.2.100".parse().unwrap(),
        port: 80,
    };
    let mut v: Vec<_> = d
        .ipvs()
        .service(&key)
        .unwrap()
        .dests()
        .iter()
        .map(|x| (SocketAddr::new(x.cfg.addr, x.cfg.port), x.cfg.weight))
        .collect();
    v.sort();
    v
}

fn quorum_events(log: &[DirectorEvent]) -> Vec<String> {
    log.iter()
        .filter(|e| {
            matches!(
                e,
                DirectorEvent::QuorumUp { .. } | DirectorEvent::QuorumDown { .. }
            )
        })
        .map(ToString::to_string)
        .collect()
}

fn quorum_up_times(log: &[DirectorEvent]) -> Vec<Instant> {
    log.iter()
        .filter_map(|e| match e {
            DirectorEvent::QuorumUp { at, .. } => Some(*at),
            _ => None,
        })
        .collect()
}

/// rs2 dies at 50 s, rs1 at 80 s; rs1 returns at 150 s, rs2 at 200 s.
fn outage() -> Net {
    Net::new(&[
        (rs(2), Instant::from_secs(50), Instant::from_secs(200)),
        (rs(1), Instant::from_secs(80), Instant::from_secs(150)),
    ])
}

#[test]
fn keepalived_quorum_hysteresis_swaps_sorry_server_at_the_crossing_removals() {
    let p = plan(&conf("", ""));
    let mut d = Director::new(&p, IpvsSettings::default(), 5).unwrap();
    d.start(Instant::ZERO);
    let mut net = outage();
    let mut log = Vec::new();
    let t = targets(&p);
    run(&mut d, &mut net, &t, Instant::from_secs(120), &mut log);
    // rs2 alone (sum 3 ≥ 2) keeps quorum; rs1's loss (sum 1 < 2) loses it: the live rs3 goes out,
    // the sorry server in, at the instant rs1's checker fails.
    assert_eq!(table(&d), vec![(rs(99), 1)]);
    let rs1_down = log
        .iter()
        .find_map(|e| match e {
            DirectorEvent::CheckFailed { at, rs: r, .. } if *r == rs(1) => Some(*at),
            _ => None,
        })
        .unwrap();
    let down: Vec<_> = log
        .iter()
        .filter_map(|e| match e {
            DirectorEvent::QuorumDown { at, script, .. } => Some((*at, script.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        down,
        vec![(rs1_down, Some("/usr/local/bin/quorum down".into()))]
    );
    run(&mut d, &mut net, &t, Instant::from_secs(190), &mut log);
    // rs1 back: sum 3 < quorum + hysteresis 4, still the sorry server alone.
    assert_eq!(table(&d), vec![(rs(99), 1)]);
    assert_eq!(quorum_events(&log).len(), 1);
    run(&mut d, &mut net, &t, Instant::from_secs(260), &mut log);
    // rs2 back: sum 4 → quorum up; the sorry server out and every live server in, at that instant.
    assert_eq!(table(&d), vec![(rs(1), 2), (rs(2), 1), (rs(3), 1)]);
    let rs2_up = log
        .iter()
        .filter_map(|e| match e {
            DirectorEvent::CheckSucceeded { at, rs: r, .. } if *r == rs(2) => Some(*at),
            _ => None,
        })
        .next_back()
        .unwrap();
    assert_eq!(quorum_up_times(&log), vec![rs2_up]);
    insta::assert_snapshot!(timeline(&log));
}

#[test]
fn keepalived_sorry_server_inhibit_keeps_it_at_weight_zero_and_inhibit_on_failure_servers_by_weight(
) {
    let p = plan(&conf("sorry_server_inhibit", "inhibit_on_failure"));
    let mut d = Director::new(&p, IpvsSettings::default(), 5).unwrap();
    d.start(Instant::ZERO);
    // init_service_vs adds the inhibited sorry server at weight 0.
    assert_eq!(
        table(&d),
        vec![(rs(1), 2), (rs(2), 1), (rs(3), 1), (rs(99), 0)]
    );
    let mut net = outage();
    let mut log = Vec::new();
    let t = targets(&p);
    run(&mut d, &mut net, &t, Instant::from_secs(120), &mut log);
    // Quorum lost: "Enabling" the sorry server (its weight), the servers kept at weight 0.
    assert_eq!(
        table(&d),
        vec![(rs(1), 0), (rs(2), 0), (rs(3), 0), (rs(99), 1)]
    );
    run(&mut d, &mut net, &t, Instant::from_secs(260), &mut log);
    // Quorum back: "Disabling" the sorry server (weight 0), the live servers at their weights.
    assert_eq!(
        table(&d),
        vec![(rs(1), 2), (rs(2), 1), (rs(3), 1), (rs(99), 0)]
    );
    assert!(log
        .iter()
        .all(|e| !matches!(e, DirectorEvent::ServerRemoved { .. })));
    insta::assert_snapshot!(timeline(&log));
}

#[test]
fn keepalived_alpha_starts_without_quorum_with_the_sorry_server_and_gains_it_on_first_checks() {
    let p = plan(&conf("alpha", ""));
    let mut d = Director::new(&p, IpvsSettings::default(), 5).unwrap();
    d.start(Instant::ZERO);
    // update_quorum_state(init): below quorum with a sorry server → the sorry server in, quorum_down.
    assert_eq!(table(&d), vec![(rs(99), 1)]);
    let mut log = Vec::new();
    while let Some(e) = d.poll_event() {
        log.push(e);
    }
    assert_eq!(
        quorum_events(&log),
        vec!["0.000000 192.0.2.100:80/TCP quorum down `/usr/local/bin/quorum down`"]
    );
    let mut net = Net::new(&[]);
    run(
        &mut d,
        &mut net,
        &targets(&p),
        Instant::from_secs(30),
        &mut log,
    );
    // Quorum comes up when the live weight first reaches quorum + hysteresis = 4: at the last of
    // the three first successful checks (warmup draws decide their order).
    let ups: Vec<Instant> = log
        .iter()
        .filter_map(|e| match e {
            DirectorEvent::CheckSucceeded { at, .. } => Some(*at),
            _ => None,
        })
        .collect();
    assert_eq!(ups.len(), 3);
    let last = *ups.iter().max().unwrap();
    assert_eq!(quorum_up_times(&log), vec![last]);
    assert_eq!(table(&d), vec![(rs(1), 2), (rs(2), 1), (rs(3), 1)]);
}

#[test]
fn keepalived_omega_runs_quorum_down_and_notify_down_on_shutdown_even_without_quorum() {
    for omega in [false, true] {
        let p = plan(&conf(if omega { "omega" } else { "" }, ""));
        let mut d = Director::new(&p, IpvsSettings::default(), 5).unwrap();
        d.start(Instant::ZERO);
        let mut net = outage();
        let mut log = Vec::new();
        run(
            &mut d,
            &mut net,
            &targets(&p),
            Instant::from_secs(120),
            &mut log,
        );
        log.clear();
        d.shutdown(Instant::from_secs(121));
        while let Some(e) = d.poll_event() {
            log.push(e);
        }
        // clear_service_vs: the sorry server and the table emptied either way.
        assert!(table(&d).is_empty());
        let notifies = log
            .iter()
            .filter(|e| matches!(e, DirectorEvent::NotifyDown { .. }))
            .count();
        if omega {
            // update_vs_notifies(stopping): quorum_down although quorum was already down; notify_down
            // for the server still alive (rs3).
            assert_eq!(
                quorum_events(&log),
                vec!["121.000000 192.0.2.100:80/TCP quorum down `/usr/local/bin/quorum down`"]
            );
            assert_eq!(notifies, 1);
        } else {
            assert!(quorum_events(&log).is_empty());
            assert_eq!(notifies, 0);
        }
    }
}
