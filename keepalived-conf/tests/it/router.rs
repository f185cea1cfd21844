//! `keepalived_conf::router`: a vrrp_instance as the VRRP core's RouterConfig, with keepalived's
//! effective defaults (the mapping the simulator and vrrpd share).

use std::net::IpAddr;
use std::path::Path;

use keepalived_conf::router::{configured_source, router_config, NoVirtualRouterId};
use keepalived_conf::{parse_str, ParseOptions};
use vrrp::router::{Mode, TrackConfig};
use vrrp::time::Duration;
use vrrp::wire::{Auth, Version};

fn parse(text: &str) -> keepalived_conf::Config {
    let opts = ParseOptions {
        check_scripts: false,
        ..ParseOptions::default()
    };
    parse_str(text, Path::new("router.conf"), &opts).config
}

#[test]
fn keepalived_instance_maps_with_global_defaults_and_default_track_weights() {
    let cfg = parse(
        "global_defs {\n  vrrp_mcast_group4 224.0.0.200\n  vrrp_garp_master_repeat 3\n}\n\
         vrrp_script chk {\n  script \"/bin/true\"\n  weight -20\n}\n\
         vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 7\n  priority 150\n  advert_int 2\n\
         \n  nopreempt\n  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n\
         \n  track_script {\n    chk\n  }\n  track_interface {\n    eth1\n  }\n\
         \n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n",
    );
    let inst = &cfg.vrrp_instances[0];
    assert_eq!(configured_source(inst), None);
    let src: IpAddr = "192.0.2.11".parse().unwrap();
    let c = router_config(&cfg, inst, Mode::Keepalived, src).unwrap();
    assert_eq!((c.vrid, c.priority, c.version), (7, 150, Version::V2));
    assert_eq!(c.adver_int, Duration::from_secs(2));
    assert!(!c.preempt);
    assert_eq!(c.auth, Auth::simple_text("secret"));
    assert_eq!(c.mcast_dst, Some("224.0.0.200".parse().unwrap()));
    assert_eq!(c.garp_master_repeat, 3);
    assert_eq!(c.primary_ip, src);
    assert_eq!(
        c.tracks,
        vec![
            TrackConfig {
                id: "script:chk".into(),
                weight: -20,
                reverse: false
            },
            // keepalived: a tracked interface with no weight puts the instance in FAULT.
            TrackConfig {
                id: "interface:eth1".into(),
                weight: 0,
                reverse: false
            },
        ]
    );
}

#[test]
fn keepalived_vrrpv3_has_no_authentication_and_unicast_source_is_configured() {
    let cfg = parse(
        "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 9\n  version 3\n\
         \n  unicast_src_ip 192.0.2.11\n  unicast_peer {\n    192.0.2.12\n  }\n\
         \n  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n\
         \n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n",
    );
    let inst = &cfg.vrrp_instances[0];
    let src = configured_source(inst).unwrap();
    assert_eq!(src, "192.0.2.11".parse::<IpAddr>().unwrap());
    let c = router_config(&cfg, inst, Mode::Keepalived, src).unwrap();
    assert_eq!(c.version, Version::V3);
    assert_eq!(c.auth, Auth::None);
    assert_eq!(
        c.unicast_peers,
        vec!["192.0.2.12".parse::<IpAddr>().unwrap()]
    );
}

#[test]
fn keepalived_instance_without_vrid_is_refused() {
    let cfg = parse("vrrp_instance VI_1 {\n  interface eth0\n}\n");
    let src: IpAddr = "192.0.2.11".parse().unwrap();
    assert_eq!(
        router_config(&cfg, &cfg.vrrp_instances[0], Mode::Keepalived, src),
        Err(NoVirtualRouterId)
    );
}

#[test]
fn keepalived_clears_nopreempt_and_preempt_delay_on_a_state_master_instance() {
    // keepalived vrrp_complete_instance: "nopreempt will not work with initial state MASTER -
    // clearing"; the simulator and vrrpd both get the corrected config from this mapping.
    let cfg = parse(
        "vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 7\n  priority 150\n\
         \n  nopreempt\n  preempt_delay 30\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n\
         vrrp_instance VI_2 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 8\n  priority 150\n\
         \n  nopreempt\n  virtual_ipaddress {\n    192.0.2.101/24\n  }\n}\n",
    );
    let src: IpAddr = "192.0.2.11".parse().unwrap();
    let master = router_config(&cfg, &cfg.vrrp_instances[0], Mode::Keepalived, src).unwrap();
    assert!(master.preempt);
    assert_eq!(master.preempt_delay, Duration::ZERO);
    let backup = router_config(&cfg, &cfg.vrrp_instances[1], Mode::Keepalived, src).unwrap();
    assert!(!backup.preempt);
}
