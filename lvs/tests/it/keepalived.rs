//! The seed's LVS-DR director config, end to end: keepalived.conf → plan → Director with real checker
//! timing and the IPVS data path.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use lvs::check::{AttemptId, CheckAction, CheckIo, CheckKind, CheckerSettings, FailReason};
use lvs::{
    CheckerRef, Director, DirectorEvent, Duration, FwdMethod, Instant, IpvsSettings, Protocol,
    Scheduler, ServiceKey, Verdict,
};

use crate::util::{ack, syn};

fn seed_plan() -> lvs::LvsPlan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/configs/seed/lvs_dr_director.keepalived.conf");
    let opts = keepalived_conf::ParseOptions {
        check_scripts: false,
        ..Default::default()
    };
    let parsed = keepalived_conf::parse_file(&path, &opts);
    // The seed's only error is its vrrp_script (shell syntax keepalived 2.x cannot exec), which does
    // not concern the LVS half: nothing at or after the virtual_server block is an error.
    let vs_line = parsed.config.virtual_servers[0].span.line;
    for d in &parsed.diagnostics {
        if d.severity == keepalived_conf::Severity::Error {
            assert!(d.span.line < vs_line, "{}", parsed.render_diagnostics());
        }
    }
    lvs::plan_from_keepalived(&parsed.config)
}

fn vip() -> SocketAddr {
    "192.168.145.200:80".parse().unwrap()
}
fn rs203() -> SocketAddr {
    "192.168.145.203:80".parse().unwrap()
}
fn rs205() -> SocketAddr {
    "192.168.145.205:80".parse().unwrap()
}

#[test]
fn seed_lvs_dr_director_conf_becomes_one_persistent_rr_dr_service() {
    let plan = seed_plan();
    assert_eq!(plan.virtual_servers.len(), 1);
    let vs = &plan.virtual_servers[0];
    assert_eq!(vs.name, "192.168.145.200:80/TCP");
    assert_eq!(vs.services.len(), 1);
    let svc = &vs.services[0];
    assert_eq!(
        svc.key,
        ServiceKey::Addr {
            proto: Protocol::Tcp,
            addr: vip().ip(),
            port: 80
        }
    );
    assert_eq!(svc.scheduler, Scheduler::Rr);
    assert_eq!(svc.persistence_timeout, Some(Duration::from_secs(100)));
    let addrs: Vec<SocketAddr> = vs.real_servers.iter().map(|r| r.addr()).collect();
    assert_eq!(addrs, vec![rs203(), rs205()]);
    for rs in &vs.real_servers {
        assert_eq!(rs.dest.weight, 1);
        assert_eq!(rs.dest.fwd, FwdMethod::Dr);
        assert!(!rs.inhibit_on_failure);
        assert_eq!(rs.checkers.len(), 1);
        let c = &rs.checkers[0];
        assert_eq!(
            c.settings,
            CheckerSettings {
                connect_timeout: Duration::from_secs(3),
                retry: 3,
                delay_before_retry: Duration::from_secs(3),
                delay_loop: Duration::from_secs(6),
                warmup: Duration::from_secs(6),
                alpha: false,
            }
        );
        assert_eq!(c.target, rs.addr());
        let CheckKind::Http(h) = &c.kind else {
            panic!("HTTP_GET expected")
        };
        assert_eq!(h.urls.len(), 1);
        assert_eq!(h.urls[0].path, "/");
        assert!(h.urls[0].status.contains(200) && !h.urls[0].status.contains(201));
    }
    // The seed's detection bound: delay_loop + (retry+1)·connect_timeout + retry·delay_before_retry.
    assert_eq!(
        vs.real_servers[0].checkers[0]
            .settings
            .silent_failure_bound(),
        Duration::from_secs(27)
    );
}

/// A delivery to a checker: which one, its attempt, data (None: connected, or end of stream).
type Delivery = (CheckerRef, AttemptId, Option<Vec<u8>>, bool);

/// A scripted network for the director's checkers: 1 ms per exchange; a server in `dead` drops
/// everything during [from, until).
pub(crate) struct Net {
    dead: BTreeMap<SocketAddr, (Instant, Instant)>,
    pending: BTreeMap<(Instant, u64), Delivery>,
    seq: u64,
}

impl Net {
    pub(crate) fn new(dead: &[(SocketAddr, Instant, Instant)]) -> Self {
        Net {
            dead: dead.iter().map(|(a, f, u)| (*a, (*f, *u))).collect(),
            pending: BTreeMap::new(),
            seq: 0,
        }
    }

    fn alive(&self, dst: SocketAddr, t: Instant) -> bool {
        match self.dead.get(&dst) {
            None => true,
            Some((from, until)) => t < *from || t >= *until,
        }
    }
}

pub(crate) fn run(
    d: &mut Director,
    net: &mut Net,
    targets: &BTreeMap<CheckerRef, SocketAddr>,
    until: Instant,
    log: &mut Vec<DirectorEvent>,
) {
    let ms = Duration::from_millis(1);
    loop {
        let t_timer = d.poll_timeout();
        let t_net = net.pending.keys().next().map(|k| k.0);
        let now = match (t_timer, t_net) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        if now > until {
            break;
        }
        if t_net == Some(now) {
            let (&k, _) = net.pending.iter().next().unwrap();
            let (r, a, data, eof) = net.pending.remove(&k).unwrap();
            match (data, eof) {
                (Some(bytes), _) => d.handle_check_io(now, r, a, CheckIo::Data(&bytes)),
                (None, true) => d.handle_check_io(now, r, a, CheckIo::Eof),
                (None, false) => d.handle_check_io(now, r, a, CheckIo::Connected),
            }
        } else {
            d.handle_timeout(now);
        }
        while let Some((r, action)) = d.poll_check_action() {
            let dst = targets[&r];
            match action {
                CheckAction::Connect { attempt, .. } => {
                    if net.alive(dst, now) {
                        net.seq += 1;
                        net.pending
                            .insert((now + ms, net.seq), (r, attempt, None, false));
                    }
                }
                CheckAction::Send { attempt, .. } => {
                    if net.alive(dst, now) {
                        let body = b"<html>real server</html>";
                        let mut resp =
                            format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
                                .into_bytes();
                        resp.extend_from_slice(body);
                        net.seq += 1;
                        net.pending
                            .insert((now + ms, net.seq), (r, attempt, Some(resp), false));
                        net.seq += 1;
                        net.pending
                            .insert((now + ms, net.seq), (r, attempt, None, true));
                    }
                }
                CheckAction::Close { attempt } => {
                    net.pending.retain(|_, v| v.1 != attempt || v.0 != r)
                }
                CheckAction::RunScript { .. } | CheckAction::KillScript { .. } => {}
                CheckAction::SendUdp { .. } | CheckAction::SendEcho { .. } => {
                    unreachable!("no datagram checker here")
                }
            }
        }
        while let Some(e) = d.poll_event() {
            log.push(e);
        }
    }
}

#[test]
fn seed_director_removes_a_dead_real_server_at_t1_plus_21s_and_stops_sending_it_clients() {
    let plan = seed_plan();
    let mut d = Director::new(&plan, IpvsSettings::default(), 2026).unwrap();
    let start = Instant::ZERO;
    d.start(start);
    let key = ServiceKey::Addr {
        proto: Protocol::Tcp,
        addr: vip().ip(),
        port: 80,
    };
    assert_eq!(
        d.ipvs().service(&key).unwrap().dests().len(),
        2,
        "both servers added at start"
    );

    let r203 = CheckerRef {
        vs: 0,
        rs: 0,
        checker: 0,
    };
    let r205 = CheckerRef {
        vs: 0,
        rs: 1,
        checker: 0,
    };
    let targets = BTreeMap::from([(r203, rs203()), (r205, rs205())]);
    // First check: 1 s bootstrap + a seeded random part of the 6 s warmup.
    let first = d.checker(r203).unwrap().poll_timeout().unwrap();
    assert!(first >= Instant::from_secs(1) && first <= Instant::from_secs(7));

    // Clients before the failure: persistence keeps each client address on one server.
    let client_a: SocketAddr = "198.51.100.10:40000".parse().unwrap();
    let Verdict::Forward(fa) = d
        .ipvs_mut()
        .process_inbound(Instant::from_secs(50), &syn(client_a, vip()))
    else {
        panic!()
    };
    for p in 1..5u16 {
        let src = SocketAddr::new(client_a.ip(), 40_000 + p);
        let Verdict::Forward(f) = d
            .ipvs_mut()
            .process_inbound(Instant::from_secs(50), &syn(src, vip()))
        else {
            panic!()
        };
        assert_eq!(f.real, fa.real, "persistence_timeout 100 honoured");
    }

    let death = Instant::from_secs(100);
    let mut net = Net::new(&[(rs203(), death, Instant::from_secs(1_000_000))]);
    let mut log = Vec::new();
    run(
        &mut d,
        &mut net,
        &targets,
        Instant::from_secs(140),
        &mut log,
    );

    // Healthy checks take 2 ms and repeat every delay_loop: starts at first + k·6.002 s. The first
    // check starting at or after the death fails; removal follows 4×3 s timeouts and 3×3 s retries.
    let period = Duration::from_millis(6_002);
    let mut t1 = first;
    while t1 < death {
        t1 += period;
    }
    let removal = t1 + Duration::from_secs(21);
    let removed: Vec<&DirectorEvent> = log
        .iter()
        .filter(|e| matches!(e, DirectorEvent::ServerRemoved { rs, .. } if *rs == rs203()))
        .collect();
    assert_eq!(
        removed,
        vec![&DirectorEvent::ServerRemoved {
            at: removal,
            vs: "192.168.145.200:80/TCP".into(),
            rs: rs203()
        }]
    );
    assert!(log.contains(&DirectorEvent::NotifyDown {
        at: removal,
        vs: "192.168.145.200:80/TCP".into(),
        rs: rs203(),
        script: None
    }));
    assert!(log.contains(&DirectorEvent::CheckFailed {
        at: removal,
        checker: r203,
        rs: rs203(),
        reason: FailReason::ConnectTimeout
    }));
    assert!(removal - death <= Duration::from_secs(27) + Duration::from_millis(2));
    // .205 never failed.
    assert!(!log
        .iter()
        .any(|e| matches!(e, DirectorEvent::ServerRemoved { rs, .. } if *rs == rs205())));
    assert_eq!(d.is_alive(0, 0), Some(false));
    assert_eq!(d.is_alive(0, 1), Some(true));

    // After removal every new connection goes to .205, including client A whose template pointed at
    // .203 if it did (the template is invalid once the server is gone).
    let after = removal + Duration::from_millis(1);
    for i in 0..50u16 {
        let src = SocketAddr::new(format!("203.0.113.{}", i + 1).parse().unwrap(), 50_000 + i);
        let Verdict::Forward(f) = d.ipvs_mut().process_inbound(after, &syn(src, vip())) else {
            panic!()
        };
        assert_eq!(f.real, rs205());
    }
    let src = SocketAddr::new(client_a.ip(), 41_000);
    let Verdict::Forward(f) = d.ipvs_mut().process_inbound(after, &syn(src, vip())) else {
        panic!()
    };
    assert_eq!(f.real, rs205());
    // An established connection to .203 from before the failure is still forwarded there (IPVS keeps
    // connections of removed servers unless expire_nodest_conn).
    if fa.real == rs203() {
        let Verdict::Forward(f) = d.ipvs_mut().process_inbound(after, &ack(client_a, vip())) else {
            panic!()
        };
        assert_eq!(f.real, rs203());
    }
}

pub(crate) fn timeline(log: &[DirectorEvent]) -> String {
    log.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn seed_director_timeline_failure_and_recovery() {
    let plan = seed_plan();
    let mut d = Director::new(&plan, IpvsSettings::default(), 2026).unwrap();
    d.start(Instant::ZERO);
    let targets = BTreeMap::from([
        (
            CheckerRef {
                vs: 0,
                rs: 0,
                checker: 0,
            },
            rs203(),
        ),
        (
            CheckerRef {
                vs: 0,
                rs: 1,
                checker: 0,
            },
            rs205(),
        ),
    ]);
    let mut net = Net::new(&[(rs203(), Instant::from_secs(100), Instant::from_secs(200))]);
    let mut log = Vec::new();
    run(
        &mut d,
        &mut net,
        &targets,
        Instant::from_secs(260),
        &mut log,
    );
    insta::assert_snapshot!(timeline(&log));
    let key = ServiceKey::Addr {
        proto: Protocol::Tcp,
        addr: vip().ip(),
        port: 80,
    };
    assert_eq!(
        d.ipvs().service(&key).unwrap().dests().len(),
        2,
        "back in the pool"
    );
}

const QUORUM_CONF: &str = r#"
virtual_server 192.0.2.100 80 {
    delay_loop 6
    lb_algo wlc
    lb_kind NAT
    protocol TCP
    quorum 2
    sorry_server 198.51.100.99 80
    real_server 198.51.100.1 80 {
        weight 1
        notify_down "/usr/local/bin/rs_down 1"
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 198.51.100.2 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
"#;

#[test]
fn keepalived_quorum_lost_swaps_in_the_sorry_server_and_back() {
    let opts = keepalived_conf::ParseOptions {
        check_scripts: false,
        ..Default::default()
    };
    let parsed = keepalived_conf::parse_str(QUORUM_CONF, Path::new("quorum.conf"), &opts);
    assert!(!parsed.has_errors(), "{}", parsed.render_diagnostics());
    let plan = lvs::plan_from_keepalived(&parsed.config);
    assert_eq!(plan.virtual_servers[0].quorum, 2);
    // TCP_CHECK defaults: retry 1, delay_before_retry 1 s; warmup = delay_loop.
    let s = plan.virtual_servers[0].real_servers[0].checkers[0].settings;
    assert_eq!((s.retry, s.delay_before_retry), (1, Duration::from_secs(1)));
    let mut d = Director::new(&plan, IpvsSettings::default(), 9).unwrap();
    d.start(Instant::ZERO);
    let rs1: SocketAddr = "198.51.100.1:80".parse().unwrap();
    let rs2: SocketAddr = "198.51.100.2:80".parse().unwrap();
    let sorry: SocketAddr = "198.51.100.99:80".parse().unwrap();
    let targets = BTreeMap::from([
        (
            CheckerRef {
                vs: 0,
                rs: 0,
                checker: 0,
            },
            rs1,
        ),
        (
            CheckerRef {
                vs: 0,
                rs: 1,
                checker: 0,
            },
            rs2,
        ),
    ]);
    let key = ServiceKey::Addr {
        proto: Protocol::Tcp,
        addr: "192.0.2.100".parse().unwrap(),
        port: 80,
    };
    let dests = |d: &Director| -> Vec<SocketAddr> {
        let mut v: Vec<SocketAddr> = d
            .ipvs()
            .service(&key)
            .unwrap()
            .dests()
            .iter()
            .map(|x| SocketAddr::new(x.cfg.addr, x.cfg.port))
            .collect();
        v.sort();
        v
    };
    let mut net = Net::new(&[(rs1, Instant::from_secs(50), Instant::from_secs(100))]);
    let mut log = Vec::new();
    run(&mut d, &mut net, &targets, Instant::from_secs(80), &mut log);
    assert_eq!(
        dests(&d),
        vec![sorry],
        "quorum 2 lost: only the sorry server serves"
    );
    run(
        &mut d,
        &mut net,
        &targets,
        Instant::from_secs(130),
        &mut log,
    );
    assert_eq!(
        dests(&d),
        vec![rs1, rs2],
        "quorum regained: sorry server out, servers back"
    );
    insta::assert_snapshot!(timeline(&log));
}

#[test]
fn keepalived_misc_check_plan_defaults() {
    let conf = r#"
virtual_server 192.0.2.100 80 {
    delay_loop 10
    lb_algo rr
    lb_kind DR
    real_server 198.51.100.1 80 {
        MISC_CHECK {
            misc_path "/usr/local/bin/check_app 198.51.100.1"
            misc_dynamic
        }
        SMTP_CHECK {
            connect_timeout 3
        }
    }
}
"#;
    let opts = keepalived_conf::ParseOptions {
        check_scripts: false,
        ..Default::default()
    };
    let parsed = keepalived_conf::parse_str(conf, Path::new("misc.conf"), &opts);
    let plan = lvs::plan_from_keepalived(&parsed.config);
    let rs = &plan.virtual_servers[0].real_servers[0];
    assert_eq!(rs.checkers.len(), 2, "MISC_CHECK and SMTP_CHECK");
    let CheckKind::Smtp(smtp) = &rs.checkers[1].kind else {
        panic!("{:?}", rs.checkers[1].kind)
    };
    assert_eq!(smtp.helo_name, "smtpchecker.keepalived.org");
    let c = &rs.checkers[0];
    assert_eq!(c.settings.retry, 0, "MISC_CHECK's default retry");
    assert_eq!(c.settings.delay_loop, Duration::from_secs(10));
    let CheckKind::Misc(m) = &c.kind else {
        panic!("{:?}", c.kind)
    };
    assert_eq!(m.script, "/usr/local/bin/check_app 198.51.100.1");
    assert_eq!(
        m.timeout,
        Duration::from_secs(10),
        "misc_timeout defaults to delay_loop"
    );
    assert!(m.dynamic);
}

#[test]
fn keepalived_lvs_sync_daemon_plan() {
    let conf = r#"
global_defs {
    lvs_sync_daemon eth2 VI_1 id 51 maxlen 1400
}
"#;
    let opts = keepalived_conf::ParseOptions {
        check_scripts: false,
        ..Default::default()
    };
    let parsed = keepalived_conf::parse_str(conf, Path::new("sync.conf"), &opts);
    let plan = lvs::plan_from_keepalived(&parsed.config);
    let s = plan.sync_daemon.expect("lvs_sync_daemon planned");
    assert_eq!(
        (s.interface.as_str(), s.vrrp_instance.as_str()),
        ("eth2", "VI_1")
    );
    assert_eq!(
        (s.syncid, s.maxlen, s.port, s.ttl),
        (Some(51), Some(1400), 8848, 1)
    );
    assert_eq!(s.group, "224.0.0.81".parse::<std::net::IpAddr>().unwrap());
    // The seed has none: no sync, persistence starts empty after a director failover.
    assert!(seed_plan().sync_daemon.is_none());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Whatever the servers do, a real server is in the IPVS table exactly when keepalived considers it
    /// alive, and notify_up/notify_down alternate per server.
    #[test]
    fn director_table_matches_liveness(
        outages in proptest::collection::vec((0usize..3, 0u64..300, 1u64..80), 0..6),
        inhibit in proptest::bool::ANY,
    ) {
        let conf = format!(r#"
virtual_server 192.0.2.100 80 {{
    delay_loop 5
    lb_algo wrr
    lb_kind DR
    {}
    real_server 198.51.100.1 80 {{ weight 1
        TCP_CHECK {{ connect_timeout 2 }} }}
    real_server 198.51.100.2 80 {{ weight 2
        TCP_CHECK {{ connect_timeout 2 retry 2 }} }}
    real_server 198.51.100.3 80 {{ weight 3
        HTTP_GET {{ url {{ path / }} connect_timeout 2 }} }}
}}
"#, if inhibit { "inhibit_on_failure" } else { "" });
        let opts = keepalived_conf::ParseOptions { check_scripts: false, ..Default::default() };
        let parsed = keepalived_conf::parse_str(&conf, Path::new("p.conf"), &opts);
        let plan = lvs::plan_from_keepalived(&parsed.config);
        proptest::prop_assert_eq!(plan.virtual_servers[0].real_servers.len(), 3);
        let mut d = Director::new(&plan, IpvsSettings::default(), 3).unwrap();
        d.start(Instant::ZERO);
        let addrs: Vec<SocketAddr> = (1..=3).map(|i| format!("198.51.100.{i}:80").parse().unwrap()).collect();
        let targets: BTreeMap<CheckerRef, SocketAddr> =
            (0..3).map(|r| (CheckerRef { vs: 0, rs: r, checker: 0 }, addrs[r])).collect();
        // One outage per server at most in this model's Net: keep the last one drawn for each.
        let mut dead = BTreeMap::new();
        for (s, from, len) in outages {
            dead.insert(addrs[s], (Instant::from_secs(from), Instant::from_secs(from + len)));
        }
        let mut net = Net { dead, pending: BTreeMap::new(), seq: 0 };
        let key = ServiceKey::Addr { proto: Protocol::Tcp, addr: "192.0.2.100".parse().unwrap(), port: 80 };
        let mut log = Vec::new();
        let mut t = Instant::ZERO;
        while t < Instant::from_secs(420) {
            t += Duration::from_secs(7);
            run(&mut d, &mut net, &targets, t, &mut log);
            let svc = d.ipvs().service(&key).unwrap();
            for (r, a) in addrs.iter().enumerate() {
                let alive = d.is_alive(0, r).unwrap();
                match svc.dest(*a) {
                    Some(dest) if inhibit => proptest::prop_assert_eq!(dest.weight() > 0, alive),
                    Some(_) => proptest::prop_assert!(alive, "{a} in table but not alive"),
                    None => proptest::prop_assert!(!alive && !inhibit, "{a} alive but not in table"),
                }
            }
        }
        for a in &addrs {
            let notes: Vec<bool> = log.iter().filter_map(|e| match e {
                DirectorEvent::NotifyUp { rs, .. } if rs == a => Some(true),
                DirectorEvent::NotifyDown { rs, .. } if rs == a => Some(false),
                _ => None,
            }).collect();
            for w in notes.windows(2) {
                proptest::prop_assert_ne!(w[0], w[1], "{} notifies repeat: {:?}", a, notes);
            }
            if let Some(first) = notes.first() {
                proptest::prop_assert!(!first, "first notify of {} must be down", a);
            }
        }
    }
}

#[test]
fn keepalived_ssl_get_smtp_check_dns_check_plan_defaults() {
    let conf = r#"
virtual_server 192.0.2.100 443 {
    delay_loop 6
    lb_algo rr
    lb_kind DR
    virtualhost www.example.com
    real_server 198.51.100.1 443 {
        SSL_GET {
            url {
                path /health
                status_code 200
            }
            enable_sni
            connect_timeout 3
            retry 3
        }
        SMTP_CHECK {
            connect_port 25
            helo_name lvs1.example.com
        }
        DNS_CHECK {
            connect_port 53
            type A
            name www.example.com
        }
        DNS_CHECK {
            connect_port 53
        }
    }
}
"#;
    let opts = keepalived_conf::ParseOptions {
        check_scripts: false,
        ..Default::default()
    };
    let parsed = keepalived_conf::parse_str(conf, Path::new("tls.conf"), &opts);
    let plan = lvs::plan_from_keepalived(&parsed.config);
    let rs = &plan.virtual_servers[0].real_servers[0];
    assert_eq!(rs.checkers.len(), 4, "{:?}", plan.notes);
    // SSL_GET: HTTP_GET over TLS, HTTP_GET's defaults (delay_before_retry 3 s), SNI from the
    // virtual server's virtualhost.
    let ssl = &rs.checkers[0];
    let CheckKind::Http(get) = &ssl.kind else {
        panic!("{:?}", ssl.kind)
    };
    assert_eq!(get.ssl, Some(lvs::check::SslOptions { enable_sni: true }));
    assert_eq!(get.virtualhost.as_deref(), Some("www.example.com"));
    assert_eq!(get.urls[0].path, "/health");
    assert_eq!(ssl.settings.delay_before_retry, Duration::from_secs(3));
    assert_eq!(ssl.settings.retry, 3);
    assert_eq!(
        ssl.target,
        "198.51.100.1:443".parse::<SocketAddr>().unwrap()
    );
    // SMTP_CHECK: retry 1, delay_before_retry 1 s, connect_port.
    let smtp = &rs.checkers[1];
    let CheckKind::Smtp(s) = &smtp.kind else {
        panic!("{:?}", smtp.kind)
    };
    assert_eq!(s.helo_name, "lvs1.example.com");
    assert_eq!(smtp.settings.retry, 1);
    assert_eq!(smtp.settings.delay_before_retry, Duration::from_secs(1));
    assert_eq!(
        smtp.target,
        "198.51.100.1:25".parse::<SocketAddr>().unwrap()
    );
    // DNS_CHECK: retry 3, delay_before_retry = delay_loop, type and name; defaults SOA and root.
    let dns = &rs.checkers[2];
    let CheckKind::Dns(d) = &dns.kind else {
        panic!("{:?}", dns.kind)
    };
    assert_eq!((d.qtype, d.name.as_str()), (1, "www.example.com"));
    assert_eq!(dns.settings.retry, 3);
    assert_eq!(dns.settings.delay_before_retry, Duration::from_secs(6));
    let CheckKind::Dns(d) = &rs.checkers[3].kind else {
        panic!("{:?}", rs.checkers[3].kind)
    };
    assert_eq!((d.qtype, d.name.as_str()), (6, ""));
}
