//! keepalived.conf (as typed by `keepalived-conf`) → what the daemon runs: one
//! [`InstanceSpec`] (a `vrrp::router::RouterConfig` plus the interface, VIP prefixes, VMAC
//! and notify scripts) per `vrrp_instance`, and one [`ScriptSpec`] per used `vrrp_script`.
//!
//! This module is the only place in the daemon that knows keepalived's keywords. The
//! `RouterConfig` part is `keepalived_conf::router::router_config`, the mapping the simulator
//! uses too; this module adds what only a real host needs (interfaces, VIP prefixes and
//! devices, VMAC names, scripts, notify).
//!
//! The mapping needs to know the interface addresses (the advert source is the interface's
//! primary IPv4 address or its IPv6 link-local address, RFC 5798 §5.1.1.1 / §5.1.2.1); it asks
//! an [`InterfaceInfo`] so that it stays testable without a network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration as StdDuration;

use keepalived_conf::router;
use keepalived_conf::{Config, Script, VrrpInstance};
use vrrp::router::{Mode, RouterConfig};
use vrrp::wire::Family;

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
    /// Interfaces that at least one instance tracks (`track_interface`), first use first.
    pub interfaces: Vec<String>,
}

/// The router track id of a `vrrp_script` (the shared mapping's naming).
pub fn track_id(script: &str) -> String {
    router::script_track_id(script)
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
    let mut interfaces: Vec<String> = Vec::new();
    for t in cfg.vrrp_instances.iter().flat_map(|i| &i.track_interface) {
        if !interfaces.contains(&t.name) {
            interfaces.push(t.name.clone());
        }
    }
    Ok(DaemonConfig {
        instances,
        scripts,
        interfaces,
    })
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
    let v6 = inst.is_ipv6();
    // RFC 5798 §5.1.1.1 / §5.1.2.1: the primary IPv4 address, or the link-local IPv6 address.
    let src: IpAddr = match (router::configured_source(inst), v6) {
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
    let mut c = router::router_config(cfg, inst, mode, src).map_err(|_| ConfigError::NoVrid {
        at: at.clone(),
        name: name.clone(),
    })?;
    // The daemon drives the tracks of the vrrp_scripts it runs and of the tracked interfaces
    // (see `build`); a track_script naming no runnable vrrp_script never reports, and
    // keepalived ignores it. track_file is not supported yet (docs/interop.md): a track nobody
    // reports would stay "up" forever, so it is left out rather than pretending.
    c.tracks.retain(|t| {
        let script = cfg.vrrp_scripts.iter().any(|s| {
            t.id == track_id(&s.name)
                && argv(&s.script).is_some()
                && inst.track_script.iter().any(|ts| ts.name == s.name)
        });
        script
            || inst
                .track_interface
                .iter()
                .any(|ti| t.id == router::interface_track_id(&ti.name))
    });
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
