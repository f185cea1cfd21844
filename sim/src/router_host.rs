//! A keepalived router host: the `vrrp` crate's sans-IO `Router`, one per vrrp_instance, built from a
//! keepalived.conf read through `keepalived-conf`, wired to the host's NIC and TCP/IP stack.
//!
//! This module owns the mapping keepalived.conf → `vrrp::RouterConfig` (keepalived mode by default, per-node
//! overrides from the scenario), track-script and track-file results (from the scenario, unless keepalived
//! would disable the script at start-up, which is then noted in the timeline), notify-script records, and the
//! VIP side effects: addresses on the stack, ARP answers with the interface or virtual MAC. It also drives
//! keepalived's `vrrp_sync_group` (through `vrrp::router::SyncGroup`) and `track_interface` (the node has one
//! NIC: a tracked interface named like the instance's own `interface` follows that NIC; any other name is an
//! interface without simulated traffic, such as an uplink, whose link the scenario's `OtherInterface` fault sets).

use crate::host::stack::Stack;
use crate::net::Mac;
use crate::scenario::{
    ConfigSource, InitialState as SpecState, Loaded, ModeName, Overrides, RouterSpec, ScenarioError,
};
use crate::time::{Duration, Instant};
use crate::timeline::{Event as TEvent, Timeline, VrrpState};
use keepalived_conf::model::{Config as KaConfig, VrrpInstance};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use vrrp::router::{
    Event as REvent, Mode, Reason, Router, RouterConfig, State, SyncGroup, TrackConfig, TrackInput,
    Transmit,
};
use vrrp::wire::Version;

/// What the router host may touch while it runs: its stack, the frames to send, the timeline.
pub struct RouterIo<'a> {
    /// The host's TCP/IP stack (VIPs are added to and removed from it).
    pub stack: &'a mut Stack,
    /// Frames to send on the NIC.
    pub out: &'a mut Vec<Vec<u8>>,
    /// The run's timeline.
    pub timeline: &'a mut Timeline,
    /// This node's name.
    pub node: &'a str,
}

/// Facts about one instance, for reports and timing expectations.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstanceInfo {
    /// vrrp_instance name.
    pub instance: String,
    /// VRID.
    pub vrid: u8,
    /// VRRP version.
    pub version: u8,
    /// Configured priority.
    pub priority: u8,
    /// Advertisement interval, ms.
    pub advert_int_ms: f64,
    /// Master_Down_Interval this router computes for its own priority, ms.
    pub master_down_interval_ms: f64,
    /// VIPs.
    pub vips: Vec<String>,
    /// Behaviour mode.
    pub mode: String,
    /// Sends from the virtual MAC.
    pub use_vmac: bool,
}

struct Notify {
    master: Option<String>,
    backup: Option<String>,
    fault: Option<String>,
    stop: Option<String>,
    any: Option<String>,
}

/// A notification in flight: a forked notify script, or an event the notify FIFO's reader has yet to finish.
#[derive(Clone, Debug)]
struct PendingNotify {
    done: Instant,
    /// Order of creation, so that notifications finishing at the same instant keep keepalived's order.
    seq: u64,
    instance: String,
    state: &'static str,
    via: &'static str,
    script: Option<String>,
    started: Instant,
}

/// Notifications in flight, for routers whose scenario gives notify durations (`notify: (...)`). keepalived forks
/// each notify script and never waits for it, so scripts finish in the order of their durations; the FIFO's reader
/// takes one event at a time, in the order keepalived wrote them.
#[derive(Clone, Debug, Default)]
struct NotifyQueue {
    opts: Option<crate::scenario::NotifyOptions>,
    /// The config has a notify FIFO (`notify_fifo` / `vrrp_notify_fifo` in global_defs).
    fifo: bool,
    /// When the FIFO's reader finishes what it has read so far.
    fifo_busy_until: Instant,
    pending: Vec<PendingNotify>,
    seq: u64,
}

impl NotifyQueue {
    /// keepalived notifies `state` for `instance`: `scripts` were forked now, and the FIFO (if any) gets a line.
    fn started(&mut self, now: Instant, instance: &str, state: &'static str, scripts: Vec<String>) {
        let Some(opts) = &self.opts else { return };
        let d = opts.duration(state);
        let mut add = |done: Instant, via: &'static str, script: Option<String>, seq: &mut u64| {
            *seq += 1;
            self.pending.push(PendingNotify {
                done,
                seq: *seq,
                instance: instance.to_string(),
                state,
                via,
                script,
                started: now,
            });
        };
        let mut seq = self.seq;
        for s in scripts {
            add(now + d, "script", Some(s), &mut seq);
        }
        if self.fifo {
            let done = now.max(self.fifo_busy_until) + d;
            self.fifo_busy_until = done;
            add(done, "fifo", None, &mut seq);
        }
        self.seq = seq;
    }

    fn next(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.done).min()
    }

    /// Records every notification finished by `now`, in the order they finished.
    fn finish_due(&mut self, now: Instant, node: &str, timeline: &mut Timeline) {
        let mut due: Vec<PendingNotify> = Vec::new();
        self.pending.retain(|p| {
            if p.done <= now {
                due.push(p.clone());
                false
            } else {
                true
            }
        });
        due.sort_by_key(|p| (p.done, p.seq));
        for p in due {
            // Normally `now` is `p.done`; a node that was frozen (Stall) finishes them when it thaws.
            timeline.push(
                now,
                Some(node),
                TEvent::NotifyDone {
                    instance: p.instance,
                    state: p.state.to_string(),
                    via: p.via.to_string(),
                    script: p.script,
                    started: crate::time::secs_f64(p.started),
                },
            );
        }
    }
}

struct Instance {
    name: String,
    config: RouterConfig,
    /// keepalived `garp_lower_prio_repeat` / `garp_lower_prio_delay` (0 = off).
    lower_prio_garp: (u32, Duration),
    router: Router,
    state: VrrpState,
    notify: Notify,
    /// Track ids this instance listens to, by kind.
    scripts: Vec<String>,
    files: Vec<String>,
    /// `track_interface` names that follow the node's NIC (the instance's own `interface`).
    tracked_nic: Vec<String>,
    /// Other `track_interface` names: interfaces carrying no simulated traffic (scenario `OtherInterface`).
    tracked_other: Vec<String>,
    /// keepalived `dont_track_primary`: the instance ignores its own interface going down.
    dont_track_primary: bool,
    /// The config's `interface` (part of what keepalived matches an instance by on reload).
    interface: Option<String>,
}

#[derive(Clone, Debug)]
struct ScriptState {
    ok: bool,
    disabled: Option<String>,
    interval: Duration,
}

/// One keepalived process on one host.
pub struct RouterHost {
    ka: KaConfig,
    /// What keepalived corrects in this config at each start-up and logs (timeline notes).
    corrections: Vec<String>,
    overrides: Overrides,
    mode: Mode,
    /// The keepalived version this host runs (scenario `keepalived_version`).
    version: KeepalivedVersion,
    mac: Mac,
    ip: Ipv4Addr,
    instances: Vec<Instance>,
    scripts: BTreeMap<String, ScriptState>,
    initial_scripts: BTreeMap<String, bool>,
    files: BTreeMap<String, i64>,
    initial_files: BTreeMap<String, i64>,
    /// Script results waiting for the script's next run: (when, name, ok).
    pending_scripts: Vec<(Instant, String, bool)>,
    /// Second lower-priority GARP bursts due: (when, instance index).
    pending_garps: Vec<(Instant, usize)>,
    /// Each instance's next router deadline, indexed so that a host with hundreds of instances finds the due
    /// ones without scanning them all.
    deadlines: BTreeSet<(Instant, usize)>,
    deadline_of: Vec<Option<Instant>>,
    /// Instances by VRID (several instances may share one, e.g. IPv4 and IPv6).
    by_vrid: BTreeMap<u8, Vec<usize>>,
    /// keepalived `vrrp_sync_group`s: the coordinator and its member instance indices.
    groups: Vec<(SyncGroup, Vec<usize>)>,
    /// Link state of interfaces other than the NIC (`OtherInterface` faults); absent means up.
    other_ifaces: BTreeMap<String, bool>,
    /// IPv4 addresses deleted from the NIC behind keepalived's back (`RemoveAddress`, until `AddAddress`).
    lost_addresses: BTreeSet<Ipv4Addr>,
    /// The configs this node's `Reload` faults switch to, read and checked when the scenario is loaded.
    reload_configs: BTreeMap<String, KaConfig>,
    /// Notifications in flight (scenario `notify` durations).
    notifies: NotifyQueue,
    started_at: Instant,
    running: bool,
    /// Test double (`test_double_never_step_down` in the scenario): a master ignores adverts that should make
    /// it step down. Only `explore`'s self-test plants it.
    never_step_down: bool,
}

/// One instance as an observer sees it at this instant.
#[derive(Clone, Copy, Debug)]
pub struct InstanceView<'a> {
    /// vrrp_instance name.
    pub name: &'a str,
    /// VRID.
    pub vrid: u8,
    /// True for an IPv6 instance (a separate VRID space, RFC 5798 §5.2.3).
    pub ipv6: bool,
    /// State (DOWN when keepalived is not running).
    pub state: VrrpState,
    /// Effective priority (after tracking).
    pub priority: u8,
    /// Configured priority.
    pub configured_priority: u8,
    /// Preempt_Mode.
    pub preempt: bool,
    /// keepalived preempt_delay.
    pub preempt_delay: Duration,
    /// Advertisement interval.
    pub advert_int: Duration,
    /// Master_Down_Interval for its own priority.
    pub master_down_interval: Duration,
    /// The VIPs.
    pub vips: &'a [IpAddr],
}

fn to_vrrp_duration(d: std::time::Duration) -> Duration {
    Duration::from_nanos(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn mode_of(m: ModeName) -> Mode {
    match m {
        ModeName::Keepalived => Mode::Keepalived,
        ModeName::Rfc3768 => Mode::Rfc3768,
        ModeName::Rfc5798 => Mode::Rfc5798,
        ModeName::Rfc9568 => Mode::Rfc9568,
    }
}

fn vrrp_state(s: State) -> VrrpState {
    match s {
        State::Initialize => VrrpState::Init,
        State::Backup => VrrpState::Backup,
        State::Master => VrrpState::Master,
        State::Fault => VrrpState::Fault,
    }
}

fn cause(r: Reason) -> &'static str {
    match r {
        Reason::Startup => "startup",
        Reason::OwnerStartup => "startup as address owner (priority 255)",
        Reason::MasterDownTimer => "no advert for Master_Down_Interval",
        Reason::HigherPriority => "heard a higher-priority advert",
        Reason::EqualPriorityHigherAddress => {
            "heard an equal-priority advert from a higher address"
        }
        Reason::Shutdown => "shutdown",
        Reason::InterfaceDown => "interface down",
        Reason::InterfaceUp => "interface up",
        Reason::TrackFault => "tracked object failed",
        Reason::TrackRecovered => "tracked objects recovered",
        Reason::SyncGroup => "sync group",
    }
}

/// Would keepalived find this program? The simulated host has any absolute path; shell syntax such as `[[`
/// or a bare word is not an executable file (keepalived 2.x execs scripts without a shell).
fn program_exists(p: &Path) -> bool {
    p.is_absolute()
}

/// The EUI-64 link-local address Linux gives a NIC with `mac` (RFC 4291 appendix A).
pub fn link_local(mac: Mac) -> std::net::Ipv6Addr {
    let m = mac;
    std::net::Ipv6Addr::new(
        0xfe80,
        0,
        0,
        0,
        u16::from_be_bytes([m[0] ^ 0x02, m[1]]),
        u16::from_be_bytes([m[2], 0xff]),
        u16::from_be_bytes([0xfe, m[3]]),
        u16::from_be_bytes([m[4], m[5]]),
    )
}

/// Builds the `RouterConfig` keepalived would run for `inst` (the mapping shared with vrrpd,
/// `keepalived_conf::router`), applying the node's overrides.
pub fn router_config(
    ka: &KaConfig,
    inst: &VrrpInstance,
    mode: Mode,
    primary: Ipv4Addr,
    mac: Mac,
    overrides: &Overrides,
    version: KeepalivedVersion,
) -> Result<RouterConfig, String> {
    let applies = overrides.instance.as_ref().is_none_or(|n| n == &inst.name);
    // RFC 5798 §5.1.2.1: an IPv6 advert comes from the interface's link-local address.
    let own = if inst.is_ipv6() {
        IpAddr::V6(link_local(mac))
    } else {
        IpAddr::V4(primary)
    };
    let src = keepalived_conf::router::configured_source(inst).unwrap_or(own);
    let mut c = keepalived_conf::router::router_config(ka, inst, mode, src)
        .map_err(|_| format!("vrrp_instance {} has no virtual_router_id", inst.name))?;
    // keepalived >= 2.2.8's v3_checksum_as_v2: the VRRPv3/IPv4 checksum without the pseudo-header (2.2.7 ignores
    // the keyword; vrrp's keepalived mode then also skips the check on receipt).
    if mode == Mode::Keepalived
        && version >= V3_CHECKSUM_AS_V2
        && inst.effective_v3_checksum_as_v2(&ka.global_defs)
    {
        c.checksum_form = vrrp::wire::ChecksumForm::Rfc9568;
    }
    // keepalived also tracks the interface of every VIP configured on another interface (`dev eth1`, unless the
    // VIP says `no_track`): while that interface is down the instance is in FAULT (vrrp.c
    // vrrp_complete_instance, TRACK_ADDR with weight 0).
    for name in vip_interfaces(inst) {
        let id = format!("interface:{name}");
        if !c.tracks.iter().any(|t| t.id == id) {
            c.tracks.push(TrackConfig {
                id,
                weight: 0,
                reverse: false,
            });
        }
    }
    // keepalived downs an IPv4 instance whose source address is deleted from its interface ("no IPv4 address
    // for interface"), unless that address came from the config (unicast_src_ip / mcast_src_ip) and
    // track_src_ip is off (keepalived_netlink.c, RTM_DELADDR).
    let src_from_config = inst.unicast_src_ip.or(inst.mcast_src_ip).is_some();
    if let IpAddr::V4(a) = src {
        if !src_from_config || inst.track_src_ip {
            c.tracks.push(TrackConfig {
                id: address_track(a),
                weight: 0,
                reverse: false,
            });
        }
    }
    if applies {
        if let Some(s) = overrides.state {
            c.initial_state = match s {
                SpecState::Master => vrrp::router::InitialState::Master,
                SpecState::Backup => vrrp::router::InitialState::Backup,
            };
        }
        if let Some(p) = overrides.priority {
            c.priority = p;
        }
        if let Some(a) = &overrides.advert_int {
            let d = crate::time::parse_duration(a)
                .or_else(|_| crate::time::parse_duration(&format!("{a}s")));
            c.adver_int = d.map_err(|e| e.to_string())?;
        }
        if let Some(p) = overrides.preempt {
            c.preempt = p;
        }
    }
    // Overrides may have changed `state` or `preempt`: keepalived's corrections apply to the result.
    keepalived_conf::router::correct_state_master(&mut c);
    Ok(c)
}

/// A keepalived version (major, minor, patch); vrrpsim models 2.2.7 unless a router says otherwise.
pub type KeepalivedVersion = (u32, u32, u32);

/// The version vrrpsim models by default.
pub const KEEPALIVED_227: KeepalivedVersion = (2, 2, 7);

/// The version that introduced `v3_checksum_as_v2`.
const V3_CHECKSUM_AS_V2: KeepalivedVersion = (2, 2, 8);

/// Does the config give keepalived a notify FIFO (`notify_fifo` or `vrrp_notify_fifo` in global_defs)?
fn has_notify_fifo(ka: &KaConfig) -> bool {
    ka.global_defs.extra.iter().any(|s| {
        (s.keyword == "notify_fifo" || s.keyword == "vrrp_notify_fifo") && !s.args.is_empty()
    })
}

/// The key under which a `Reload` fault's config is kept.
pub fn reload_key(c: &ConfigSource) -> String {
    match c {
        ConfigSource::File(f) => format!("file:{f}"),
        ConfigSource::Inline(t) => format!("inline:{t}"),
    }
}

/// What keepalived matches an instance by when it reloads (`vrrp_exist`): VRID, family, interface, unicast mode
/// (and, in unicast mode, the source address), VMAC and multicast group. An instance whose identity changes is
/// deleted and created anew.
#[derive(Debug, PartialEq)]
struct Identity {
    vrid: u8,
    ipv6: bool,
    interface: Option<String>,
    unicast_src: Option<IpAddr>,
    unicast: bool,
    use_vmac: bool,
    mcast_dst: Option<IpAddr>,
}

fn identity(interface: Option<&str>, c: &RouterConfig) -> Identity {
    let unicast = !c.unicast_peers.is_empty();
    Identity {
        vrid: c.vrid,
        ipv6: c.family() == vrrp::wire::Family::V6,
        interface: interface.map(str::to_string),
        unicast_src: unicast.then_some(c.primary_ip),
        unicast,
        use_vmac: c.use_vmac,
        mcast_dst: c.mcast_dst,
    }
}

/// The track id of an instance's source address (see [`router_config`]).
fn address_track(a: Ipv4Addr) -> String {
    format!("address:{a}")
}

/// Interfaces other than the instance's own that carry one of its VIPs without `no_track`: keepalived tracks them.
fn vip_interfaces(inst: &VrrpInstance) -> Vec<String> {
    let mut v: Vec<String> = inst
        .virtual_ipaddress
        .iter()
        .chain(&inst.virtual_ipaddress_excluded)
        .filter(|vip| !vip.no_track)
        .filter_map(|vip| vip.dev.clone())
        .filter(|d| inst.interface.as_deref() != Some(d.as_str()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Config errors keepalived logs and then runs with a corrected value, and that the router host corrects the same
/// way: a script it disables (see `start`), nopreempt or preempt_delay on a `state MASTER` instance and nopreempt
/// on the address owner (see `router_config` and `vrrp::router`).
fn keepalived_survives(d: &keepalived_conf::Diagnostic) -> bool {
    d.code.starts_with("script-")
        || matches!(
            d.code,
            "nopreempt-master" | "preempt-delay-master" | "nopreempt-owner"
        )
}

/// The parsed config and the corrections keepalived makes and logs at start-up (scripts aside: `start` notes
/// those), as timeline notes.
fn load_config(
    loaded: &Loaded,
    spec: &RouterSpec,
) -> Result<(KaConfig, Vec<String>), ScenarioError> {
    // The simulated host's files are not the machine's: script existence is judged by the router host.
    let opts = keepalived_conf::ParseOptions {
        check_scripts: false,
        ..keepalived_conf::ParseOptions::default()
    };
    let (parsed, origin) = match &spec.config {
        ConfigSource::File(f) => {
            let p = loaded.resolve(f);
            (keepalived_conf::parse_file(&p, &opts), f.clone())
        }
        ConfigSource::Inline(text) => {
            let p = loaded
                .path
                .with_extension(format!("{}.keepalived.conf", spec.name));
            (
                keepalived_conf::parse_str(text, &p, &opts),
                spec.name.clone(),
            )
        }
    };
    let errors: Vec<String> = parsed
        .diagnostics
        .iter()
        // Not fatal: what keepalived corrects and runs with, and the router host corrects the same way.
        .filter(|d| d.severity == keepalived_conf::Severity::Error && !keepalived_survives(d))
        .map(|d| {
            format!(
                "{}:{}:{}: {}",
                d.span.file.display(),
                d.span.line,
                d.span.col,
                d.message
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(loaded.error_at(
            &origin,
            format!(
                "router {:?}: keepalived.conf has errors:\n  {}",
                spec.name,
                errors.join("\n  ")
            ),
        ));
    }
    let corrections = parsed
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == keepalived_conf::Severity::Error
                && keepalived_survives(d)
                && !d.code.starts_with("script-")
        })
        .map(|d| format!("keepalived: {}: {}", d.message, d.keepalived_would))
        .collect();
    Ok((parsed.config, corrections))
}

impl RouterHost {
    /// Builds the router host for `spec` (reads and checks its keepalived.conf).
    pub fn build(
        loaded: &Loaded,
        spec: &RouterSpec,
        mac: Mac,
        ip: Ipv4Addr,
        _seed: u64,
        _index: usize,
    ) -> Result<RouterHost, ScenarioError> {
        let (ka, corrections) = load_config(loaded, spec)?;
        if ka.vrrp_instances.is_empty() {
            return Err(loaded.error_at(
                &spec.name,
                format!(
                    "router {:?}: its keepalived.conf has no vrrp_instance",
                    spec.name
                ),
            ));
        }
        let mode = mode_of(spec.mode);
        let mut host = RouterHost {
            ka,
            corrections,
            overrides: spec.overrides.clone(),
            mode,
            version: spec
                .keepalived_version
                .as_deref()
                .and_then(crate::scenario::parse_version)
                .unwrap_or(KEEPALIVED_227),
            mac,
            ip,
            instances: vec![],
            scripts: BTreeMap::new(),
            initial_scripts: spec.track_scripts.clone(),
            files: BTreeMap::new(),
            initial_files: spec.track_files.clone(),
            pending_scripts: vec![],
            pending_garps: vec![],
            deadlines: BTreeSet::new(),
            deadline_of: vec![],
            by_vrid: BTreeMap::new(),
            groups: vec![],
            other_ifaces: BTreeMap::new(),
            lost_addresses: BTreeSet::new(),
            reload_configs: BTreeMap::new(),
            notifies: NotifyQueue::default(),
            started_at: Instant::ZERO,
            running: false,
            never_step_down: spec.test_double_never_step_down,
        };
        for name in spec.track_scripts.keys() {
            if !host.ka.vrrp_scripts.iter().any(|s| &s.name == name) {
                return Err(loaded.error_at(
                    name,
                    format!(
                        "router {:?}: no vrrp_script {name:?} in its config",
                        spec.name
                    ),
                ));
            }
        }
        host.instantiate()
            .map_err(|m| loaded.error_at(&spec.name, format!("router {:?}: {m}", spec.name)))?;
        host.notifies.opts = spec.notify.clone();
        host.notifies.fifo = has_notify_fifo(&host.ka);
        // The configs its reloads switch to are checked now, so that a run never starts from a bad one.
        for f in &loaded.scenario.faults {
            if let crate::scenario::Fault::Reload {
                node,
                config: Some(c),
                ..
            } = &f.fault
            {
                if node == &spec.name {
                    let other = RouterSpec {
                        config: c.clone(),
                        ..spec.clone()
                    };
                    let (ka, _) = load_config(loaded, &other)?;
                    host.reload_configs.insert(reload_key(c), ka);
                }
            }
        }
        Ok(host)
    }

    fn instantiate(&mut self) -> Result<(), String> {
        self.instances.clear();
        self.deadlines.clear();
        self.deadline_of.clear();
        self.deadline_of.resize(self.ka.vrrp_instances.len(), None);
        self.by_vrid.clear();
        for inst in &self.ka.vrrp_instances {
            let config = router_config(
                &self.ka,
                inst,
                self.mode,
                self.ip,
                self.mac,
                &self.overrides,
                self.version,
            )?;
            let script =
                |s: &Option<keepalived_conf::model::Script>| s.as_ref().map(|s| s.command.clone());
            let lower_prio_garp = if self.mode == Mode::Keepalived {
                // keepalived defaults both to the master's garp settings (vrrp_complete_init).
                (
                    inst.garp_lower_prio_repeat
                        .unwrap_or(config.garp_master_repeat),
                    inst.garp_lower_prio_delay
                        .map(to_vrrp_duration)
                        .unwrap_or(config.garp_master_delay),
                )
            } else {
                (0, Duration::ZERO)
            };
            self.by_vrid
                .entry(config.vrid)
                .or_default()
                .push(self.instances.len());
            self.instances.push(Instance {
                name: inst.name.clone(),
                lower_prio_garp,
                router: Router::new(config.clone()),
                config,
                state: VrrpState::Down,
                notify: Notify {
                    master: script(&inst.notify_master),
                    backup: script(&inst.notify_backup),
                    fault: script(&inst.notify_fault),
                    stop: script(&inst.notify_stop),
                    any: script(&inst.notify),
                },
                scripts: inst.track_script.iter().map(|t| t.name.clone()).collect(),
                files: inst.track_file.iter().map(|t| t.name.clone()).collect(),
                tracked_nic: inst
                    .track_interface
                    .iter()
                    .filter(|t| inst.interface.as_deref() == Some(t.name.as_str()))
                    .map(|t| t.name.clone())
                    .collect(),
                tracked_other: {
                    let mut v: Vec<String> = inst
                        .track_interface
                        .iter()
                        .filter(|t| inst.interface.as_deref() != Some(t.name.as_str()))
                        .map(|t| t.name.clone())
                        .chain(vip_interfaces(inst))
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                },
                dont_track_primary: inst.dont_track_primary,
                interface: inst.interface.clone(),
            });
        }
        self.build_groups();
        Ok(())
    }

    /// keepalived's `vrrp_sync_group`s over the current instances (their routers' current states).
    fn build_groups(&mut self) {
        self.groups.clear();
        for g in &self.ka.sync_groups {
            let idx: Vec<usize> = self
                .instances
                .iter()
                .enumerate()
                .filter(|(_, i)| g.group.iter().any(|n| n == &i.name))
                .map(|(k, _)| k)
                .collect();
            if idx.is_empty() {
                continue;
            }
            let mut members = members_mut(&mut self.instances, &idx);
            let group = SyncGroup::new(&g.name, &mut members);
            self.groups.push((group, idx));
        }
    }

    /// Brings sync group `g`'s members into line (keepalived vrrp_sync.c); call after any input to a member.
    fn apply_group(&mut self, now: Instant, g: usize) {
        if let Some((group, idx)) = self.groups.get_mut(g) {
            let mut members = members_mut(&mut self.instances, idx);
            group.apply(now, &mut members);
        }
    }

    /// The keepalived configuration this host runs.
    pub fn keepalived_config(&self) -> &KaConfig {
        &self.ka
    }

    /// Each instance as it is now, in config order.
    pub fn views(&self) -> impl Iterator<Item = InstanceView<'_>> {
        self.instances.iter().map(|i| {
            let c = &i.config;
            InstanceView {
                name: &i.name,
                vrid: c.vrid,
                ipv6: c.family() == vrrp::wire::Family::V6,
                state: i.state,
                priority: i.router.priority(),
                configured_priority: c.priority,
                preempt: c.preempt,
                preempt_delay: c.preempt_delay,
                advert_int: c.adver_int,
                master_down_interval: vrrp::timing::master_down_interval(
                    c.version,
                    c.priority,
                    c.adver_int,
                ),
                vips: &c.virtual_addresses,
            }
        })
    }

    /// The address each instance sends its adverts from (primary IPv4, link-local IPv6, or its
    /// `unicast_src_ip` / `mcast_src_ip`), in config order.
    pub fn source_addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.instances.iter().map(|i| i.config.primary_ip)
    }

    /// Facts about each instance.
    pub fn info(&self) -> Vec<InstanceInfo> {
        self.instances
            .iter()
            .map(|i| {
                let c = &i.config;
                let mdi = vrrp::timing::master_down_interval(c.version, c.priority, c.adver_int);
                InstanceInfo {
                    instance: i.name.clone(),
                    vrid: c.vrid,
                    version: if c.version == Version::V3 { 3 } else { 2 },
                    priority: c.priority,
                    advert_int_ms: c.adver_int.as_millis_f64(),
                    master_down_interval_ms: mdi.as_millis_f64(),
                    vips: c.virtual_addresses.iter().map(|a| a.to_string()).collect(),
                    mode: c.mode.name().to_string(),
                    use_vmac: c.use_vmac,
                }
            })
            .collect()
    }

    /// keepalived starts: scripts are checked, instances start.
    pub fn start(&mut self, now: Instant, io: &mut RouterIo<'_>) {
        if self.running {
            return;
        }
        self.running = true;
        self.started_at = now;
        self.pending_scripts.clear();
        self.pending_garps.clear();
        // A fresh process has fresh routers (the build already checked that the config instantiates).
        let _ = self.instantiate();
        // keepalived removes addresses it manages that a previous (killed) process left behind.
        for inst in &self.instances {
            for a in &inst.config.virtual_addresses {
                match a {
                    IpAddr::V4(v4) => io.stack.remove_address(*v4),
                    IpAddr::V6(v6) => io.stack.remove_address6(*v6),
                }
            }
        }
        // keepalived 2.2.7 ignores keywords of later versions ("Unknown keyword"); say so where it matters.
        if self.version < V3_CHECKSUM_AS_V2 {
            let g = &self.ka.global_defs;
            for inst in &self.ka.vrrp_instances {
                if inst.effective_v3_checksum_as_v2(g) {
                    io.timeline.push(
                        now,
                        Some(io.node),
                        TEvent::Note {
                            text: format!(
                                "keepalived {}.{}.{} ignores v3_checksum_as_v2 (introduced in 2.2.8): ({}) keeps the pseudo-header checksum",
                                self.version.0, self.version.1, self.version.2, inst.name
                            ),
                        },
                    );
                }
            }
        }
        for text in &self.corrections {
            io.timeline
                .push(now, Some(io.node), TEvent::Note { text: text.clone() });
        }
        // keepalived checks every vrrp_script once at start-up.
        self.scripts.clear();
        for s in &self.ka.vrrp_scripts {
            let disabled = s.keepalived_disables(program_exists);
            if let Some(why) = &disabled {
                io.timeline.push(
                    now,
                    Some(io.node),
                    TEvent::Note {
                        text: format!("keepalived: {why}; its weight never applies"),
                    },
                );
            }
            let ok = self.initial_scripts.get(&s.name).copied().unwrap_or(true);
            self.scripts.insert(
                s.name.clone(),
                ScriptState {
                    ok,
                    disabled,
                    interval: to_vrrp_duration(s.effective_interval()),
                },
            );
        }
        self.files = self.initial_files.clone();
        for k in 0..self.instances.len() {
            self.prime_tracks(now, k);
            if let Some(inst) = self.instances.get_mut(k) {
                inst.router.start(now);
            }
        }
        self.drain(now, io);
    }

    /// Gives instance `k`'s fresh router the current inputs of everything it tracks (scripts, files,
    /// interfaces, its source address), as keepalived does before an instance starts.
    fn prime_tracks(&mut self, now: Instant, k: usize) {
        let Some(inst) = self.instances.get_mut(k) else {
            return;
        };
        for name in &inst.scripts {
            match self.scripts.get(name) {
                Some(st) if st.disabled.is_none() => {
                    inst.router
                        .set_track(now, &format!("script:{name}"), up(st.ok))
                }
                // A disabled script never changes the priority: it counts as up.
                _ => inst
                    .router
                    .set_track(now, &format!("script:{name}"), TrackInput::Up),
            }
        }
        for name in &inst.files {
            let v = self.files.get(name).copied().unwrap_or(0);
            inst.router
                .set_track(now, &format!("file:{name}"), TrackInput::Value(v));
        }
        for name in inst.tracked_nic.iter().chain(&inst.tracked_other) {
            inst.router
                .set_track(now, &format!("interface:{name}"), TrackInput::Up);
        }
        for name in &inst.tracked_other {
            if let Some(false) = self.other_ifaces.get(name) {
                inst.router
                    .set_track(now, &format!("interface:{name}"), TrackInput::Down);
            }
        }
        // An instance whose source address is missing starts in FAULT.
        for a in &self.lost_addresses {
            inst.router
                .set_track(now, &address_track(*a), TrackInput::Down);
        }
    }

    /// Everything a frame with IP protocol 112 does.
    pub fn handle_frame(&mut self, now: Instant, frame: &[u8], io: &mut RouterIo<'_>) {
        if !self.running {
            return;
        }
        let Some(dst) = frame.get(0..6) else { return };
        if !io.stack.accepts_mac(dst) {
            return;
        }
        let Ok(adv) = vrrp::frame::parse(frame) else {
            return;
        };
        if adv.dst_ip.is_ipv4() && !adv.dst_ip.is_multicast() && adv.dst_ip != IpAddr::V4(self.ip) {
            return;
        }
        let mut garp_now = vec![];
        let touched = self
            .by_vrid
            .get(&adv.repr.vrid)
            .cloned()
            .unwrap_or_default();
        for &k in &touched {
            let Some(inst) = self.instances.get_mut(k) else {
                continue;
            };
            let was_master = inst.router.state() == State::Master;
            if self.never_step_down && was_master && adv.repr.priority != 0 {
                let mine = inst.router.priority();
                let theirs = adv.repr.priority;
                if theirs > mine || (theirs == mine && adv.src_ip > IpAddr::V4(self.ip)) {
                    // The planted bug: the advert that would make this master step down is ignored.
                    continue;
                }
            }
            let accepted = inst.router.stats().adverts_received;
            inst.router.handle_frame(now, &adv);
            let lower = adv.repr.priority != 0 && adv.repr.priority < inst.router.priority();
            if was_master
                && inst.router.state() == State::Master
                && inst.router.stats().adverts_received > accepted
                && lower
            {
                // keepalived vrrp_state_master_rx: a master hearing a lower priority "refreshes remote ARP
                // caches" with garp_lower_prio_repeat gratuitous ARPs, and again after garp_lower_prio_delay.
                // This is what moves clients back after a split brain heals. (Not in vrrp::Router yet.)
                let (rep, delay) = inst.lower_prio_garp;
                garp_now.push(k);
                if rep > 0 && delay > Duration::ZERO && !self.pending_garps.iter().any(|p| p.1 == k)
                {
                    self.pending_garps.push((now + delay, k));
                }
            }
        }
        // keepalived sends its advert first, then the gratuitous ARPs.
        for k in touched {
            self.drain_one(now, k, io);
        }
        for k in garp_now {
            if let Some(inst) = self.instances.get(k) {
                send_garps(inst, inst.lower_prio_garp.0, self.mac, io);
            }
        }
    }

    /// Fires due timers and script changes, then applies what the routers want.
    pub fn poll(&mut self, now: Instant, io: &mut RouterIo<'_>) {
        // Forked notify scripts finish whether or not keepalived still runs.
        self.notifies.finish_due(now, io.node, io.timeline);
        if !self.running {
            return;
        }
        let mut i = 0;
        let mut all = false;
        while i < self.pending_scripts.len() {
            if self.pending_scripts[i].0 <= now {
                let (_, name, ok) = self.pending_scripts.remove(i);
                self.apply_script(now, &name, ok);
                all = true;
            } else {
                i += 1;
            }
        }
        let mut j = 0;
        while j < self.pending_garps.len() {
            if self.pending_garps[j].0 <= now {
                let (_, k) = self.pending_garps.remove(j);
                if let Some(inst) = self.instances.get_mut(k) {
                    if inst.router.state() == State::Master {
                        let rep = inst.lower_prio_garp.0;
                        send_garps(inst, rep, self.mac, io);
                    }
                }
            } else {
                j += 1;
            }
        }
        if all {
            for inst in &mut self.instances {
                if inst.router.poll_timeout().is_some_and(|t| t <= now) {
                    inst.router.handle_timeout(now);
                }
            }
            self.drain(now, io);
            return;
        }
        while let Some(&(t, k)) = self.deadlines.first() {
            if t > now {
                break;
            }
            if let Some(inst) = self.instances.get_mut(k) {
                inst.router.handle_timeout(now);
            }
            // Re-indexes k (a timer that stays due would be re-armed by the router in the future).
            self.drain_one(now, k, io);
            if self
                .deadline_of
                .get(k)
                .copied()
                .flatten()
                .is_some_and(|d| d <= now)
            {
                // The router left a deadline at or before now: stop rather than spin; the driver re-polls.
                break;
            }
        }
    }

    /// The earliest deadline of any instance or pending script run.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        let notify = self.notifies.next();
        if !self.running {
            return notify;
        }
        let r = self.deadlines.first().map(|d| d.0);
        let s = self
            .pending_scripts
            .iter()
            .map(|p| p.0)
            .chain(self.pending_garps.iter().map(|p| p.0))
            .min();
        [r, s, notify].into_iter().flatten().min()
    }

    fn drain(&mut self, now: Instant, io: &mut RouterIo<'_>) {
        if self.running {
            for g in 0..self.groups.len() {
                self.apply_group(now, g);
            }
        }
        for k in 0..self.instances.len() {
            self.drain_inner(now, k, io);
        }
    }

    /// Applies what instance `k` wants (events, frames) and re-indexes its deadline; a sync group member first
    /// lets its group react, and then every member is drained.
    fn drain_one(&mut self, now: Instant, k: usize, io: &mut RouterIo<'_>) {
        let group = self.groups.iter().position(|(_, idx)| idx.contains(&k));
        match group {
            Some(g) if self.running => {
                self.apply_group(now, g);
                let idx = self.groups.get(g).map(|x| x.1.clone()).unwrap_or_default();
                for m in idx {
                    self.drain_inner(now, m, io);
                }
            }
            _ => self.drain_inner(now, k, io),
        }
    }

    /// Applies what instance `k` wants (events, frames) and re-indexes its deadline.
    fn drain_inner(&mut self, now: Instant, k: usize, io: &mut RouterIo<'_>) {
        let vmac_of = |c: &RouterConfig| vrrp::frame::virtual_mac(c.family(), c.vrid);
        if let Some(inst) = self.instances.get_mut(k) {
            while let Some(ev) = inst.router.poll_event() {
                match ev {
                    REvent::StateChanged { from, to, reason } => {
                        let (f, t) = (vrrp_state(from), vrrp_state(to));
                        let from_state = if inst.state == VrrpState::Down {
                            VrrpState::Down.max(f)
                        } else {
                            inst.state
                        };
                        io.timeline.push(
                            now,
                            Some(io.node),
                            TEvent::State {
                                instance: inst.name.clone(),
                                vrid: inst.config.vrid,
                                from: from_state,
                                to: t,
                                cause: cause(reason).to_string(),
                            },
                        );
                        inst.state = t;
                        record_notify(now, io, &inst.name, &inst.notify, t, &mut self.notifies);
                    }
                    REvent::AddAddresses(addrs) => {
                        let mac = if inst.config.use_vmac {
                            vmac_of(&inst.config)
                        } else {
                            self.mac
                        };
                        if inst.config.use_vmac {
                            io.stack.add_mac(mac);
                        }
                        for a in addrs {
                            match a {
                                IpAddr::V4(v4) => io.stack.add_address(v4, mac),
                                IpAddr::V6(v6) => io.stack.add_address6(v6, mac),
                            }
                        }
                    }
                    REvent::RemoveAddresses(addrs) => {
                        for a in addrs {
                            match a {
                                IpAddr::V4(v4) => io.stack.remove_address(v4),
                                IpAddr::V6(v6) => io.stack.remove_address6(v6),
                            }
                        }
                        if inst.config.use_vmac {
                            io.stack.remove_mac(vmac_of(&inst.config));
                        }
                    }
                    _ => {}
                }
            }
            while let Some(tx) = inst.router.poll_transmit() {
                let dst_mac = match &tx {
                    Transmit::Advert(a) => match a.dst_ip {
                        IpAddr::V4(d) if !d.is_multicast() => match io.stack.arp_lookup(d) {
                            Some(m) => Some(m),
                            None => {
                                // The kernel resolves a unicast peer before the advert can leave.
                                if let Ok(f) = tx.build_frame(self.mac, Some([0; 6])) {
                                    if let Some(ip) = f.get(14..) {
                                        io.stack.send_ip(now, d, ip.to_vec(), io.out);
                                    }
                                }
                                continue;
                            }
                        },
                        _ => None,
                    },
                    _ => None,
                };
                if let Ok(f) = tx.build_frame(self.mac, dst_mac) {
                    io.out.push(f);
                }
            }
        }
        let next = if self.running {
            self.instances.get(k).and_then(|i| i.router.poll_timeout())
        } else {
            None
        };
        if let Some(slot) = self.deadline_of.get_mut(k) {
            if *slot != next {
                if let Some(old) = *slot {
                    self.deadlines.remove(&(old, k));
                }
                if let Some(n) = next {
                    self.deadlines.insert((n, k));
                }
                *slot = next;
            }
        }
    }

    fn apply_script(&mut self, now: Instant, name: &str, ok: bool) {
        let Some(st) = self.scripts.get_mut(name) else {
            return;
        };
        st.ok = ok;
        if st.disabled.is_some() {
            return;
        }
        for inst in &mut self.instances {
            if inst.scripts.iter().any(|s| s == name) {
                inst.router
                    .set_track(now, &format!("script:{name}"), up(ok));
            }
        }
    }

    /// keepalived stops gracefully (SIGTERM): priority-0 adverts, VIPs released.
    pub fn stop(&mut self, now: Instant, io: &mut RouterIo<'_>) {
        if !self.running {
            return;
        }
        for inst in &mut self.instances {
            inst.router.shutdown(now);
        }
        self.drain(now, io);
        self.running = false;
        for inst in &mut self.instances {
            if inst.state != VrrpState::Down {
                io.timeline.push(
                    now,
                    Some(io.node),
                    TEvent::State {
                        instance: inst.name.clone(),
                        vrid: inst.config.vrid,
                        from: inst.state,
                        to: VrrpState::Down,
                        cause: "keepalived stopped".into(),
                    },
                );
                record_notify(
                    now,
                    io,
                    &inst.name,
                    &inst.notify,
                    VrrpState::Down,
                    &mut self.notifies,
                );
                inst.state = VrrpState::Down;
            }
        }
    }

    /// True while keepalived runs (it then owns the VRRP socket; otherwise the kernel sees VRRP as an unknown
    /// protocol).
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// keepalived is killed (SIGKILL): it sends nothing more and runs no notify script; the addresses it had
    /// configured stay on the interface, as they do on Linux.
    pub fn kill(&mut self, now: Instant, io: &mut RouterIo<'_>) {
        if !self.running {
            return;
        }
        self.running = false;
        self.pending_scripts.clear();
        self.pending_garps.clear();
        for inst in &mut self.instances {
            if inst.state != VrrpState::Down {
                io.timeline.push(
                    now,
                    Some(io.node),
                    TEvent::State {
                        instance: inst.name.clone(),
                        vrid: inst.config.vrid,
                        from: inst.state,
                        to: VrrpState::Down,
                        cause: "keepalived killed".into(),
                    },
                );
                inst.state = VrrpState::Down;
            }
        }
        let _ = self.instantiate();
    }

    /// The host died: no adverts, no notify; the timeline records the loss of state.
    pub fn crash(&mut self, now: Instant, node: &str, timeline: &mut Timeline) {
        self.running = false;
        // A reboot configures the interface's addresses again, and kills every running notify script.
        self.lost_addresses.clear();
        self.notifies.pending.clear();
        self.notifies.fifo_busy_until = Instant::ZERO;
        for inst in &mut self.instances {
            if inst.state != VrrpState::Down {
                timeline.push(
                    now,
                    Some(node),
                    TEvent::State {
                        instance: inst.name.clone(),
                        vrid: inst.config.vrid,
                        from: inst.state,
                        to: VrrpState::Down,
                        cause: "node crashed".into(),
                    },
                );
            }
        }
        // The routers keep their pre-crash state objects until restart rebuilds them; mark them down now.
        for inst in &mut self.instances {
            inst.state = VrrpState::Down;
        }
        let _ = self.instantiate();
    }

    /// The node's interface went down or came up.
    pub fn set_interface(&mut self, now: Instant, up: bool, io: &mut RouterIo<'_>) {
        if !self.running {
            return;
        }
        for inst in &mut self.instances {
            // keepalived dont_track_primary: the instance does not react to its own interface (VRRP_NOT_TRACK_IF).
            if !inst.dont_track_primary {
                inst.router.set_interface_up(now, up);
            }
            // track_interface of the node's own NIC (by its name in the config).
            for name in &inst.tracked_nic {
                let input = if up { TrackInput::Up } else { TrackInput::Down };
                inst.router
                    .set_track(now, &format!("interface:{name}"), input);
            }
        }
        self.drain(now, io);
    }

    /// An interface other than the node's NIC (no simulated traffic, e.g. an uplink) went down or came up:
    /// instances that `track_interface` it react (FAULT, or their weight).
    pub fn set_other_interface(
        &mut self,
        now: Instant,
        name: &str,
        up: bool,
        io: &mut RouterIo<'_>,
    ) {
        self.other_ifaces.insert(name.to_string(), up);
        if !self.running {
            return;
        }
        let input = if up { TrackInput::Up } else { TrackInput::Down };
        for inst in &mut self.instances {
            if inst.tracked_other.iter().any(|n| n == name) {
                inst.router
                    .set_track(now, &format!("interface:{name}"), input);
            }
        }
        self.drain(now, io);
    }

    /// An address was deleted from the NIC: an instance that sends from it (and did not take it from the
    /// config) enters FAULT, as keepalived does on netlink's RTM_DELADDR; a master sends its priority-0 advert
    /// first, from the address that is going.
    pub fn address_removed(&mut self, now: Instant, addr: Ipv4Addr, io: &mut RouterIo<'_>) {
        self.lost_addresses.insert(addr);
        self.set_address(now, addr, false, io);
    }

    /// An address was added to the NIC: instances that lost it as their source address leave FAULT.
    pub fn address_added(&mut self, now: Instant, addr: Ipv4Addr, io: &mut RouterIo<'_>) {
        self.lost_addresses.remove(&addr);
        self.set_address(now, addr, true, io);
    }

    fn set_address(&mut self, now: Instant, addr: Ipv4Addr, present: bool, io: &mut RouterIo<'_>) {
        if !self.running {
            return;
        }
        let id = address_track(addr);
        for inst in &mut self.instances {
            if inst.config.tracks.iter().any(|t| t.id == id) {
                if !present {
                    io.timeline.push(
                        now,
                        Some(io.node),
                        TEvent::Note {
                            text: format!(
                                "keepalived: ({}) entering FAULT state (no IPv4 address for interface): {addr} deleted",
                                inst.name
                            ),
                        },
                    );
                }
                inst.router.set_track(now, &id, up(present));
            }
        }
        self.drain(now, io);
    }

    /// Priority change.
    pub fn set_priority(
        &mut self,
        now: Instant,
        instance: Option<&str>,
        priority: u8,
        io: &mut RouterIo<'_>,
    ) {
        for inst in &mut self.instances {
            if instance.is_none_or(|n| n == inst.name) {
                inst.config.priority = priority;
                if self.running {
                    inst.router.set_priority(now, priority);
                }
            }
        }
        self.drain(now, io);
    }

    /// keepalived's view of vrrp_script `name` changes now, from a script whose runs the simulator models
    /// itself (chk_nginx.sh, `crate::host::nginx::ChkNginx`), after its rise/fall counting.
    pub fn script_track(&mut self, now: Instant, name: &str, ok: bool, io: &mut RouterIo<'_>) {
        if !self.running {
            return;
        }
        self.apply_script(now, name, ok);
        self.drain(now, io);
    }

    /// A vrrp_script's result changes; it takes effect at the script's next run.
    pub fn set_script(&mut self, now: Instant, name: &str, ok: bool, io: &mut RouterIo<'_>) {
        self.initial_scripts.insert(name.to_string(), ok);
        let Some(st) = self.scripts.get(name).cloned() else {
            return;
        };
        if let Some(why) = &st.disabled {
            io.timeline.push(now, Some(io.node), TEvent::Note { text: format!("track script {name} is disabled by keepalived ({why}): its result is ignored") });
            return;
        }
        if !self.running {
            return;
        }
        // keepalived runs the script every `interval` from start-up; the new result is seen at the next run.
        let iv = st.interval.as_nanos().max(1);
        let since = (now - self.started_at).as_nanos();
        let next = self.started_at + Duration::from_nanos(since.div_ceil(iv) * iv);
        self.pending_scripts.push((next, name.to_string(), ok));
        self.poll(now, io);
    }

    /// A vrrp_track_file's value changes (keepalived watches the file and applies it at once).
    pub fn set_file(&mut self, now: Instant, name: &str, value: i64, io: &mut RouterIo<'_>) {
        self.initial_files.insert(name.to_string(), value);
        self.files.insert(name.to_string(), value);
        if !self.running {
            return;
        }
        for inst in &mut self.instances {
            if inst.files.iter().any(|f| f == name) {
                inst.router
                    .set_track(now, &format!("file:{name}"), TrackInput::Value(value));
            }
        }
        self.drain(now, io);
    }

    /// keepalived reloads its configuration (SIGHUP), with new overrides and/or a new keepalived.conf
    /// (`config`, a key from [`reload_key`]). As keepalived 2.2.7 does (vrrp_exist, clear_diff_vrrp,
    /// restore_vrrp_state, vrrp_init_state): an instance found again with the same identity (VRID, family,
    /// interface, unicast mode, VMAC, multicast group) keeps its state and takes its new settings: a master
    /// advertises at once, a backup restarts its Master_Down_Timer. An instance that is gone, or whose identity
    /// changed, is deleted (a master sends priority 0 and releases its VIPs), and a new or re-created one starts
    /// from scratch (BACKUP, then master after Master_Down_Interval if nobody better advertises).
    pub fn reload(
        &mut self,
        now: Instant,
        overrides: Option<&Overrides>,
        config: Option<&str>,
        io: &mut RouterIo<'_>,
    ) {
        if let Some(o) = overrides {
            self.overrides = o.clone();
        }
        let new_ka = config.and_then(|k| self.reload_configs.get(k).cloned());
        if !self.running {
            if let Some(ka) = new_ka {
                self.notifies.fifo = has_notify_fifo(&ka);
                self.ka = ka;
            }
            return;
        }
        // Which old instance each new one continues, by identity.
        let ka = new_ka.unwrap_or_else(|| self.ka.clone());
        let mut new_ids = Vec::new();
        for inst in &ka.vrrp_instances {
            let Ok(c) = router_config(
                &ka,
                inst,
                self.mode,
                self.ip,
                self.mac,
                &self.overrides,
                self.version,
            ) else {
                // keepalived drops an instance it cannot build; so does the reload.
                continue;
            };
            new_ids.push(identity(inst.interface.as_deref(), &c));
        }
        let kept: Vec<bool> = self
            .instances
            .iter()
            .map(|i| new_ids.contains(&identity(i.interface.as_deref(), &i.config)))
            .collect();
        // Deleted instances go first: priority 0 and VIPs released while the old instance list is in place.
        for (inst, keep) in self.instances.iter_mut().zip(&kept) {
            if !keep {
                io.timeline.push(
                    now,
                    Some(io.node),
                    TEvent::Note {
                        text: format!(
                            "reload: ({}) has no match in the new config (VRID, interface, unicast mode, VMAC and multicast group): deleted",
                            inst.name
                        ),
                    },
                );
                inst.router.shutdown(now);
            }
        }
        self.drain(now, io);
        let mut old: Vec<Instance> = std::mem::take(&mut self.instances)
            .into_iter()
            .zip(kept)
            .filter(|(_, keep)| *keep)
            .map(|(i, _)| i)
            .collect();
        self.notifies.fifo = has_notify_fifo(&ka);
        self.ka = ka;
        if self.instantiate().is_err() {
            return;
        }
        for k in 0..self.instances.len() {
            let Some(inst) = self.instances.get(k) else {
                continue;
            };
            let id = identity(inst.interface.as_deref(), &inst.config);
            let found = old
                .iter()
                .position(|o| identity(o.interface.as_deref(), &o.config) == id);
            match found {
                Some(p) => {
                    let o = old.remove(p);
                    if let Some(inst) = self.instances.get_mut(k) {
                        // keepalived applies vrrp_startup_delay when the process starts, never on a reload.
                        let cfg = RouterConfig {
                            startup_delay: Duration::ZERO,
                            ..inst.config.clone()
                        };
                        inst.router = o.router;
                        inst.state = o.state;
                        if o.config != inst.config {
                            inst.router.reload(now, cfg);
                        }
                    }
                }
                None => {
                    io.timeline.push(
                        now,
                        Some(io.node),
                        TEvent::Note {
                            text: format!("reload: ({}) is new: it starts from scratch", inst.name),
                        },
                    );
                    if let Some(inst) = self.instances.get_mut(k) {
                        inst.router = Router::new(RouterConfig {
                            startup_delay: Duration::ZERO,
                            ..inst.config.clone()
                        });
                    }
                    self.prime_tracks(now, k);
                    if let Some(inst) = self.instances.get_mut(k) {
                        inst.router.start(now);
                    }
                }
            }
        }
        // Sync groups see the routers the instances kept.
        self.build_groups();
        self.drain(now, io);
    }
}

fn send_garps(inst: &Instance, repeat: u32, mac: Mac, io: &mut RouterIo<'_>) {
    let src = inst.router.src_mac().resolve(mac);
    for _ in 0..repeat {
        for a in &inst.config.virtual_addresses {
            if let IpAddr::V4(v4) = a {
                io.out.push(vrrp::frame::gratuitous_arp(src, *v4, None));
            }
        }
    }
}

/// The routers of instances `idx` (in index order), for a sync group.
fn members_mut<'a>(instances: &'a mut [Instance], idx: &[usize]) -> Vec<&'a mut Router> {
    instances
        .iter_mut()
        .enumerate()
        .filter(|(k, _)| idx.contains(k))
        .map(|(_, i)| &mut i.router)
        .collect()
}

fn up(ok: bool) -> TrackInput {
    if ok {
        TrackInput::Up
    } else {
        TrackInput::Down
    }
}

fn record_notify(
    now: Instant,
    io: &mut RouterIo<'_>,
    instance: &str,
    n: &Notify,
    to: VrrpState,
    q: &mut NotifyQueue,
) {
    let (specific, state) = match to {
        VrrpState::Master => (&n.master, "MASTER"),
        VrrpState::Backup => (&n.backup, "BACKUP"),
        VrrpState::Fault => (&n.fault, "FAULT"),
        VrrpState::Down => (&n.stop, "STOP"),
        VrrpState::Init => return,
    };
    // keepalived runs the state's own script, then the generic `notify` with "INSTANCE name STATE prio".
    if let Some(s) = specific {
        io.timeline.push(
            now,
            Some(io.node),
            TEvent::Notify {
                instance: instance.into(),
                state: state.into(),
                script: Some(s.clone()),
            },
        );
    }
    if let Some(s) = &n.any {
        io.timeline.push(
            now,
            Some(io.node),
            TEvent::Notify {
                instance: instance.into(),
                state: state.into(),
                script: Some(format!("{s} INSTANCE {instance} {state}")),
            },
        );
    }
    let mut forked: Vec<String> = specific.iter().cloned().collect();
    if let Some(s) = &n.any {
        forked.push(format!("{s} INSTANCE {instance} {state}"));
    }
    q.started(now, instance, state, forked);
}
