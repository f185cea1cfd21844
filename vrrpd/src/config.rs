//! keepalived.conf (as typed by `keepalived-conf`) → what the daemon runs: one
//! [`InstanceSpec`] (a `vrrp::router::RouterConfig` plus the interface, VIP prefixes, VMAC
//! and notify scripts) per `vrrp_instance`, and one [`ScriptSpec`] per used `vrrp_script`.
//!
//! This module is the only place in the daemon that knows keepalived's keywords and their
//! effective defaults. It is self-contained on purpose so that it can move to a crate shared
//! with the simulator (which has its own copy of the `RouterConfig` part today).
//!
//! The mapping needs to know the interface addresses (the advert source is the interface's
//! primary IPv4 address or its IPv6 link-local address, RFC 5798 §5.1.1.1 / §5.1.2.1); it asks
//! an [`InterfaceInfo`] so that it stays testable without a network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration as StdDuration;

use keepalived_conf::model::{AuthType, InitialState as KaState};
use keepalived_conf::{Config, Script, VrrpInstance};
use vrrp::router::{InitialState, Mode, RouterConfig, TrackConfig};
use vrrp::time::Duration;
use vrrp::wire::{Auth, Family, Version};

/// Where the daemon learns interface addresses from (the kernel in production, a table in
/// tests).
pub trait InterfaceInfo {
    /// The interface's primary (first) IPv4 address.
    fn primary_v4(&self, ifname: &str) -> Option<Ipv4Addr>;
    /// The interface's IPv6 link-local address.
    fn link_local_v6(&self, ifname: &str) -> Option<Ipv6Addr>;
}

/// Why an instance cannot run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// `virtual_router_id` missing (keepalived refuses the instance too).
    #[error("{at}: vrrp_instance {name}: virtual_router_id is not set")]
    NoVrid {
        /// file:line:col of the block.
        at: String,
        /// Instance name.
        name: String,
    },
    /// `interface` missing.
    #[error("{at}: vrrp_instance {name}: interface is not set")]
    NoInterface {
        /// file:line:col of the block.
        at: String,
        /// Instance name.
        name: String,
    },
    /// The interface has no usable source address for the instance's family.
    #[error("{at}: vrrp_instance {name}: interface {ifname} has no {what} address")]
    NoSourceAddress {
        /// file:line:col of the block.
        at: String,
        /// Instance name.
        name: String,
        /// Interface.
        ifname: String,
        /// "IPv4" or "IPv6 link-local".
        what: &'static str,
    },
    /// No `vrrp_instance` at all.
    #[error("the configuration has no vrrp_instance")]
    NoInstances,
}

/// One virtual address with the prefix length it is installed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vip {
    /// Address.
    pub addr: IpAddr,
    /// Prefix length (keepalived default /32, /128).
    pub prefix_len: u8,
    /// Interface to install it on (`dev`), default: the instance's interface.
    pub dev: Option<String>,
}

/// Notify scripts of one instance (keepalived `notify*`), as argv vectors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notify {
    /// `notify_master`.
    pub master: Option<Vec<String>>,
    /// `notify_backup`.
    pub backup: Option<Vec<String>>,
    /// `notify_fault`.
    pub fault: Option<Vec<String>>,
    /// `notify_stop`.
    pub stop: Option<Vec<String>>,
    /// `notify`: called with `INSTANCE NAME STATE PRIORITY` appended.
    pub generic: Option<Vec<String>>,
}

/// Everything the daemon needs to run one `vrrp_instance`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceSpec {
    /// Instance name.
    pub name: String,
    /// `interface`.
    pub interface: String,
    /// The sans-IO router's configuration.
    pub router: RouterConfig,
    /// VIPs with prefix and device, in advert order.
    pub vips: Vec<Vip>,
    /// `use_vmac`: the macvlan interface name (default `vrrp.VRID` / `vrrp6.VRID`).
    pub vmac: Option<String>,
    /// Notify scripts.
    pub notify: Notify,
}

impl InstanceSpec {
    /// The interface adverts leave from: the VMAC interface when configured.
    pub fn tx_interface(&self) -> &str {
        self.vmac.as_deref().unwrap_or(&self.interface)
    }
    /// The instance's address family.
    pub fn family(&self) -> Family {
        self.router.family()
    }
}

/// One `vrrp_script` that an instance tracks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptSpec {
    /// Script name; the router's track id is [`track_id`] of it.
    pub name: String,
    /// Program and arguments (keepalived execs without a shell).
    pub argv: Vec<String>,
    /// `interval`.
    pub interval: StdDuration,
    /// `timeout` (default: the interval); a run that takes longer counts as a failure.
    pub timeout: StdDuration,
    /// `rise`: successes in a row before the script counts as up.
    pub rise: u32,
    /// `fall`: failures in a row before the script counts as down.
    pub fall: u32,
    /// `init_fail`: starts down instead of up.
    pub init_fail: bool,
}

/// The whole daemon configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaemonConfig {
    /// Instances in file order.
    pub instances: Vec<InstanceSpec>,
    /// Scripts that at least one instance tracks, in file order.
    pub scripts: Vec<ScriptSpec>,
}

/// The router track id of a `vrrp_script` (same naming as the simulator).
pub fn track_id(script: &str) -> String {
    format!("script:{script}")
}

fn dur(d: StdDuration) -> Duration {
    Duration::from_nanos(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn argv(s: &Option<Script>) -> Option<Vec<String>> {
    s.as_ref().map(|s| s.argv()).filter(|a| !a.is_empty())
}

/// Builds the daemon configuration for `mode` (keepalived-compatible behaviour is
/// [`Mode::Keepalived`]).
pub fn build(
    cfg: &Config,
    mode: Mode,
    info: &dyn InterfaceInfo,
) -> Result<DaemonConfig, ConfigError> {
    if cfg.vrrp_instances.is_empty() {
        return Err(ConfigError::NoInstances);
    }
    let mut instances = Vec::new();
    for inst in &cfg.vrrp_instances {
        instances.push(instance(cfg, inst, mode, info)?);
    }
    let scripts = cfg
        .vrrp_scripts
        .iter()
        .filter(|s| {
            cfg.vrrp_instances
                .iter()
                .any(|i| i.track_script.iter().any(|t| t.name == s.name))
        })
        .filter_map(|s| {
            let argv = argv(&s.script)?;
            let interval = s.effective_interval();
            Some(ScriptSpec {
                name: s.name.clone(),
                argv,
                interval,
                timeout: s.timeout.unwrap_or(interval),
                rise: s.rise.unwrap_or(1).max(1),
                fall: s.fall.unwrap_or(1).max(1),
                init_fail: s.init_fail,
            })
        })
        .collect();
    Ok(DaemonConfig { instances, scripts })
}

fn instance(
    cfg: &Config,
    inst: &VrrpInstance,
    mode: Mode,
    info: &dyn InterfaceInfo,
) -> Result<InstanceSpec, ConfigError> {
    let at = inst.span.to_string();
    let name = inst.name.clone();
    let vrid = inst.virtual_router_id.ok_or_else(|| ConfigError::NoVrid {
        at: at.clone(),
        name: name.clone(),
    })?;
    let ifname = inst
        .interface
        .clone()
        .ok_or_else(|| ConfigError::NoInterface {
            at: at.clone(),
            name: name.clone(),
        })?;
    let g = &cfg.global_defs;
    let v6 = inst.is_ipv6();
    // RFC 5798 §5.1.1.1 / §5.1.2.1: the primary IPv4 address, or the link-local IPv6 address.
    let src: IpAddr = match (inst.unicast_src_ip.or(inst.mcast_src_ip), v6) {
        (Some(a), _) => a,
        (None, false) => info.primary_v4(&ifname).map(IpAddr::V4).ok_or_else(|| {
            ConfigError::NoSourceAddress {
                at: at.clone(),
                name: name.clone(),
                ifname: ifname.clone(),
                what: "IPv4",
            }
        })?,
        (None, true) => info.link_local_v6(&ifname).map(IpAddr::V6).ok_or_else(|| {
            ConfigError::NoSourceAddress {
                at: at.clone(),
                name: name.clone(),
                ifname: ifname.clone(),
                what: "IPv6 link-local",
            }
        })?,
    };
    let vip_list: Vec<IpAddr> = inst.virtual_ipaddress.iter().map(|v| v.addr).collect();
    let mut c = RouterConfig::new(mode, vrid, src, vip_list);
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
    c.accept_mode = inst.effective_accept(g);
    if let Some(a) = &inst.authentication {
        if let (Some(AuthType::Pass), Some(p), Version::V2) = (a.auth_type, &a.auth_pass, c.version)
        {
            c.auth = Auth::simple_text(p);
        }
    }
    c.use_vmac = inst.use_vmac.is_some() || (mode != Mode::Keepalived && c.use_vmac);
    c.unicast_peers = inst.unicast_peer.iter().map(|p| p.addr).collect();
    let mcast_group = if v6 {
        g.vrrp_mcast_group6
    } else {
        g.vrrp_mcast_group4
    };
    c.mcast_dst = mcast_group;
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
        // A track_script naming no runnable vrrp_script never reports: keepalived ignores it.
        if script.and_then(|s| argv(&s.script)).is_none() {
            continue;
        }
        let weight = t.weight.or(script.and_then(|s| s.weight)).unwrap_or(0);
        let reverse = t.reverse || script.is_some_and(|s| s.weight_reverse);
        c.tracks.push(TrackConfig {
            id: track_id(&t.name),
            weight,
            reverse,
        });
    }
    let vips = inst
        .virtual_ipaddress
        .iter()
        .map(|v| Vip {
            addr: v.addr,
            prefix_len: v
                .prefix_len
                .unwrap_or(if v.addr.is_ipv6() { 128 } else { 32 }),
            dev: v.dev.clone(),
        })
        .collect();
    let vmac = inst.use_vmac.as_ref().map(|n| {
        n.clone().unwrap_or_else(|| {
            if v6 {
                format!("vrrp6.{vrid}")
            } else {
                format!("vrrp.{vrid}")
            }
        })
    });
    Ok(InstanceSpec {
        name,
        interface: ifname,
        router: c,
        vips,
        vmac,
        notify: Notify {
            master: argv(&inst.notify_master),
            backup: argv(&inst.notify_backup),
            fault: argv(&inst.notify_fault),
            stop: argv(&inst.notify_stop),
            generic: argv(&inst.notify),
        },
    })
}
