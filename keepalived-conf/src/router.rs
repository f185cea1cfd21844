//! keepalived.conf → `vrrp::router::RouterConfig`: the one mapping of a `vrrp_instance` (with
//! its `global_defs` defaults) onto the sans-IO router's configuration. The simulator
//! (`sim::router_host`, which then applies a scenario's per-node overrides) and the daemon
//! (`vrrpd::config`, which adds interfaces, VIP prefixes and scripts) both call [`router_config`],
//! so that a config means the same router in both.
//!
//! What stays with the callers: where the advert source comes from when the config does not
//! name one (the simulator derives it from the node's NIC, the daemon asks the kernel), and which
//! tracks they can drive (the router keeps a track "up" until told otherwise).

use std::net::IpAddr;

use vrrp::router::{InitialState, Mode, RouterConfig, TrackConfig};
use vrrp::time::Duration;
use vrrp::wire::{Auth, Version};

use crate::model::{AuthType, Config, InitialState as KaState, VrrpInstance};

/// The instance has no `virtual_router_id` (keepalived refuses such an instance too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoVirtualRouterId;

/// The advert source the config names: `unicast_src_ip`, else `mcast_src_ip`. Without either,
/// RFC 5798 §5.1.1.1 / §5.1.2.1 apply: the interface's primary IPv4 address, or its IPv6
/// link-local address.
pub fn configured_source(inst: &VrrpInstance) -> Option<IpAddr> {
    inst.unicast_src_ip.or(inst.mcast_src_ip)
}

/// The router's track id of a `vrrp_script`.
pub fn script_track_id(name: &str) -> String {
    format!("script:{name}")
}

/// The router's track id of a `vrrp_track_file`.
pub fn file_track_id(name: &str) -> String {
    format!("file:{name}")
}

/// The router's track id of a tracked interface.
pub fn interface_track_id(name: &str) -> String {
    format!("interface:{name}")
}

fn dur(d: std::time::Duration) -> Duration {
    Duration::from_nanos(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// The `RouterConfig` keepalived would run for `inst` of `cfg` in `mode`, sending from `source`
/// (see [`configured_source`]). Every `track_script`, `track_file` and `track_interface` becomes
/// a track with keepalived's default weights (0 for scripts and interfaces, meaning FAULT while
/// down; 1 for files).
pub fn router_config(
    cfg: &Config,
    inst: &VrrpInstance,
    mode: Mode,
    source: IpAddr,
) -> Result<RouterConfig, NoVirtualRouterId> {
    let vrid = inst.virtual_router_id.ok_or(NoVirtualRouterId)?;
    let g = &cfg.global_defs;
    let vips: Vec<IpAddr> = inst.virtual_ipaddress.iter().map(|v| v.addr).collect();
    let mut c = RouterConfig::new(mode, vrid, source, vips);
    c.version = match inst.effective_version(g) {
        3 => Version::V3,
        _ => Version::V2,
    };
    c.priority = inst.effective_priority();
    c.adver_int = dur(inst.effective_advert_int(g));
    c.initial_state = match inst.effective_state() {
        KaState::Master => InitialState::Master,
        KaState::Backup => InitialState::Backup,
    };
    c.preempt = !inst.nopreempt;
    if let Some(d) = inst.preempt_delay {
        c.preempt_delay = dur(d);
    }
    if let Some(d) = g.vrrp_startup_delay {
        c.startup_delay = dur(d);
    }
    c.accept_mode = inst.effective_accept(g);
    if let Some(a) = &inst.authentication {
        // RFC 3768 simple text authentication exists only in VRRPv2.
        if let (Some(AuthType::Pass), Some(p), Version::V2) = (a.auth_type, &a.auth_pass, c.version)
        {
            c.auth = Auth::simple_text(p);
        }
    }
    c.use_vmac = inst.use_vmac.is_some() || (mode != Mode::Keepalived && c.use_vmac);
    c.unicast_peers = inst.unicast_peer.iter().map(|p| p.addr).collect();
    // The instance's `mcast_dst_ip`, else global_defs' group for the family.
    c.mcast_dst = inst.mcast_dst_ip.or(if inst.is_ipv6() {
        g.vrrp_mcast_group6
    } else {
        g.vrrp_mcast_group4
    });
    if let Some(d) = inst.garp_master_delay.or(g.vrrp_garp_master_delay) {
        c.garp_master_delay = dur(d);
    }
    if let Some(r) = inst.garp_master_repeat.or(g.vrrp_garp_master_repeat) {
        c.garp_master_repeat = r;
    }
    if let Some(d) = inst.garp_master_refresh.or(g.vrrp_garp_master_refresh) {
        c.garp_master_refresh = dur(d);
    }
    if let Some(r) = inst
        .garp_master_refresh_repeat
        .or(g.vrrp_garp_master_refresh_repeat)
    {
        c.garp_master_refresh_repeat = r;
    }
    if let Some(v) = inst.lower_prio_no_advert.or(g.vrrp_lower_prio_no_advert) {
        c.lower_prio_no_advert = v;
    }
    if let Some(v) = inst
        .higher_prio_send_advert
        .or(g.vrrp_higher_prio_send_advert)
    {
        c.higher_prio_send_advert = v;
    }
    if let Some(v) = inst.skip_check_adv_addr {
        c.skip_check_adv_addr = v;
    } else if g.vrrp_skip_check_adv_addr {
        c.skip_check_adv_addr = true;
    }
    if let Some(n) = inst.down_timer_adverts {
        c.down_timer_adverts = n;
    }
    for t in &inst.track_script {
        let script = cfg.vrrp_scripts.iter().find(|s| s.name == t.name);
        let weight = t.weight.or(script.and_then(|s| s.weight)).unwrap_or(0);
        let reverse = t.reverse || script.is_some_and(|s| s.weight_reverse);
        c.tracks.push(TrackConfig {
            id: script_track_id(&t.name),
            weight,
            reverse,
        });
    }
    for t in &inst.track_file {
        let file = cfg.vrrp_track_files.iter().find(|s| s.name == t.name);
        let weight = t.weight.or(file.and_then(|s| s.weight)).unwrap_or(1);
        let reverse = t.reverse || file.is_some_and(|s| s.weight_reverse);
        c.tracks.push(TrackConfig {
            id: file_track_id(&t.name),
            weight,
            reverse,
        });
    }
    for t in &inst.track_interface {
        // keepalived: weight 0 (the default) puts the instance in FAULT while the interface is down.
        c.tracks.push(TrackConfig {
            id: interface_track_id(&t.name),
            weight: t.weight.unwrap_or(0),
            reverse: t.reverse,
        });
    }
    correct_state_master(&mut c);
    Ok(c)
}

/// keepalived's `vrrp_complete_instance` corrections for an instance that starts as MASTER:
/// "nopreempt will not work with initial state MASTER - clearing", and the same for
/// `preempt_delay`, so such an instance always preempts at once. Callers that change
/// `initial_state` or `preempt` afterwards (the simulator's overrides) apply it again.
pub fn correct_state_master(c: &mut RouterConfig) {
    if c.initial_state == InitialState::Master {
        c.preempt = true;
        c.preempt_delay = Duration::ZERO;
    }
}
