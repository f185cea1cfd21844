//! keepalived.conf → instance mapping, rise/fall bookkeeping and real `vrrp_script` processes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::Duration;

use keepalived_conf::ParseOptions;
use vrrp::router::{InitialState, Mode, TrackConfig};
use vrrp::wire::{Auth, Version};
use vrrpd::config::{self, ConfigError, InterfaceInfo, ScriptSpec};
use vrrpd::scripts::{ProcessExec, RiseFall, ScriptExec};

struct Table;
impl InterfaceInfo for Table {
    fn primary_v4(&self, ifname: &str) -> Option<Ipv4Addr> {
        (ifname == "eth0").then_some(Ipv4Addr::new(192, 0, 2, 11))
    }
    fn link_local_v6(&self, ifname: &str) -> Option<Ipv6Addr> {
        (ifname == "eth0").then(|| "fe80::11".parse().unwrap_or(Ipv6Addr::LOCALHOST))
    }
}

fn build(text: &str) -> Result<config::DaemonConfig, ConfigError> {
    let opts = ParseOptions {
        check_scripts: false,
        ..ParseOptions::default()
    };
    let parsed = keepalived_conf::parse_str(text, Path::new("k.conf"), &opts);
    config::build(&parsed.config, Mode::Keepalived, &Table)
}

#[test]
fn keepalived_conf_maps_to_router_config() {
    let text = "global_defs {\n vrrp_version 2\n}\nvrrp_script chk {\n script \"/bin/true\"\n interval 2\n fall 3\n rise 4\n weight -20\n}\nvrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 1\n nopreempt\n authentication {\n  auth_type PASS\n  auth_pass secret\n }\n virtual_ipaddress {\n  192.0.2.100/24\n  192.0.2.101\n }\n track_script {\n  chk\n }\n notify_master \"/usr/local/bin/m arg\"\n}\n";
    let dc = build(text).expect("builds");
    let i = &dc.instances[0];
    assert_eq!(i.name, "VI_1");
    assert_eq!(i.interface, "eth0");
    assert_eq!(i.router.version, Version::V2);
    assert_eq!(i.router.vrid, 51);
    assert_eq!(i.router.priority, 150);
    assert_eq!(
        i.router.primary_ip,
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11))
    );
    assert_eq!(i.router.initial_state, InitialState::Master);
    // keepalived: "nopreempt will not work with initial state MASTER - clearing".
    assert!(i.router.preempt);
    assert_eq!(i.router.auth, Auth::simple_text("secret"));
    assert_eq!(
        i.vips
            .iter()
            .map(|v| (v.addr.to_string(), v.prefix_len))
            .collect::<Vec<_>>(),
        vec![
            ("192.0.2.100".to_string(), 24),
            ("192.0.2.101".to_string(), 32)
        ]
    );
    assert_eq!(
        i.router.tracks,
        vec![TrackConfig {
            id: "script:chk".into(),
            weight: -20,
            reverse: false
        }]
    );
    assert_eq!(
        i.notify.master,
        Some(vec!["/usr/local/bin/m".to_string(), "arg".to_string()])
    );
    assert_eq!(
        dc.scripts,
        vec![ScriptSpec {
            name: "chk".into(),
            argv: vec!["/bin/true".into()],
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(2),
            rise: 4,
            fall: 3,
            init_fail: false,
        }]
    );
}

#[test]
fn rfc5798_5_1_2_1_ipv6_instance_advertises_from_link_local() {
    let text = "vrrp_instance V6 {\n interface eth0\n virtual_router_id 7\n priority 100\n use_vmac\n virtual_ipaddress {\n  2001:db8::100/64\n }\n}\n";
    let dc = build(text).expect("builds");
    let i = &dc.instances[0];
    assert_eq!(i.router.version, Version::V3);
    assert_eq!(
        i.router.primary_ip,
        "fe80::11"
            .parse::<IpAddr>()
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    );
    assert_eq!(i.vmac.as_deref(), Some("vrrp6.7"));
    assert_eq!(i.tx_interface(), "vrrp6.7");
    assert!(i.router.use_vmac);
}

#[test]
fn instance_without_interface_address_is_an_error_with_location() {
    let text = "vrrp_instance VI_9 {\n interface eth9\n virtual_router_id 9\n virtual_ipaddress {\n  192.0.2.9\n }\n}\n";
    let err = build(text).expect_err("eth9 has no address");
    let msg = err.to_string();
    assert!(msg.starts_with("k.conf:1:"), "{msg}");
    assert!(msg.contains("interface eth9 has no IPv4 address"), "{msg}");
    assert_eq!(build("global_defs {\n}\n"), Err(ConfigError::NoInstances));
}

fn spec(argv: &[&str], rise: u32, fall: u32) -> ScriptSpec {
    ScriptSpec {
        name: "t".into(),
        argv: argv.iter().map(|s| s.to_string()).collect(),
        interval: Duration::from_secs(1),
        timeout: Duration::from_millis(300),
        rise,
        fall,
        init_fail: false,
    }
}

#[test]
fn keepalived_script_rise_and_fall_need_consecutive_results() {
    let mut rf = RiseFall::new(&spec(&["/bin/true"], 2, 3));
    assert!(rf.is_up());
    assert_eq!(rf.record(false), None);
    assert_eq!(rf.record(false), None);
    assert_eq!(rf.record(true), None); // streak broken
    assert_eq!(rf.record(false), None);
    assert_eq!(rf.record(false), None);
    assert_eq!(rf.record(false), Some(false));
    assert_eq!(rf.record(true), None);
    assert_eq!(rf.record(true), Some(true));
    let mut init_fail = spec(&["/bin/true"], 1, 1);
    init_fail.init_fail = true;
    assert!(!RiseFall::new(&init_fail).is_up());
}

#[test]
fn keepalived_script_runs_real_processes_with_timeout() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        assert!(ProcessExec.run(&spec(&["/bin/true"], 1, 1)).await);
        assert!(!ProcessExec.run(&spec(&["/bin/false"], 1, 1)).await);
        assert!(!ProcessExec.run(&spec(&["/nonexistent/check"], 1, 1)).await);
        // The scheduler applies the timeout by dropping the run, which kills the child.
        let slow = spec(&["/bin/sleep", "5"], 1, 1);
        let started = std::time::Instant::now();
        let r = tokio::time::timeout(slow.timeout, ProcessExec.run(&slow)).await;
        assert!(r.is_err());
        assert!(started.elapsed() < Duration::from_secs(2));
    });
}
