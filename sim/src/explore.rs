//! `sim explore`: property-based fault schedules on a base scenario, invariants checked at every step, and
//! shrinking of a failing schedule to a small runnable scenario.
//!
//! This module owns the fault-schedule model (episodes: a fault and the fault that heals it, drawn with
//! proptest strategies from the whole fault vocabulary of the scenario format, on the base scenario's own
//! nodes, segments, instances, scripts and files), the invariant checker that looks at the world after every
//! simulation step, the parallel case loop (`--jobs`, `--shard`) and the writing of what it finds under
//! `reports/found/`. It never changes how a run behaves: each case is an ordinary single-threaded run of an
//! ordinary scenario, so every finding replays with `cargo run -p sim -- FILE.ron`.
//!
//! Invariants (DESIGN's exit codes: 1 safety, 3 liveness, 4 panic):
//! - safety: two masters of one VRID that hear each other's adverts (both ways) for longer than
//!   Master_Down_Interval + Advertisement_Interval; a master with a lower effective priority than a preempting
//!   backup that hears its adverts for longer than that plus preempt_delay; a simulation livelock;
//! - liveness: [`LIVENESS_K`] × Master_Down_Interval (+ preempt_delay) after the last fault healed, each VRID
//!   has exactly one master (the highest priority, then highest address, unless nopreempt) and each client
//!   gets an answer from the VIP again (without clients: the master holds its VIPs);
//! - a panic anywhere in a run, caught per run.

use crate::engine::Livelock;
use crate::host::app::Outcome;
use crate::net::LinkOptions;
use crate::scenario::{
    self, ConfigSource, Expectation, Fault, Loaded, NodeSpec, Overrides, ScenarioError, TimedFault,
};
use crate::time::{format_duration, Duration, Instant};
use crate::timeline::{Event, VrrpState};
use crate::world::{Role, World};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::{BoxedStrategy, Union, ValueTree};
use proptest::test_runner::{Config as PtConfig, RngAlgorithm, TestRng, TestRunner};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

pub mod cli;

/// Liveness bound: a single correct master within this many Master_Down_Intervals after the network healed.
pub const LIVENESS_K: u64 = 3;
/// Most episodes in one generated schedule.
pub const MAX_EPISODES: usize = 6;
/// Most runs spent shrinking one failure.
pub const MAX_SHRINK_RUNS: u32 = 400;

/// Test doubles `explore` can plant to prove that it finds bugs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlantedBug {
    /// Every router ignores, while MASTER, the adverts that should make it step down.
    NeverStepDown,
}

/// A router of the base scenario, as the schedule generator sees it.
#[derive(Clone, Debug)]
pub struct RouterModel {
    /// Node name.
    pub name: String,
    /// (instance name, configured priority).
    pub instances: Vec<(String, u8)>,
    /// (vrrp_script name, initial result).
    pub scripts: Vec<(String, bool)>,
    /// (track_file name, initial value).
    pub files: Vec<(String, i64)>,
    /// IPv4 VIPs of all its instances.
    pub vips: Vec<Ipv4Addr>,
    /// Its scenario overrides (restored by a healing reload).
    pub overrides: Overrides,
    /// Its segment's link settings (restored by a healing `SetLink`).
    pub link: LinkOptions,
    /// Its segment's index.
    pub segment: usize,
}

/// What the generator may touch, and when, for one base scenario.
#[derive(Clone, Debug)]
pub struct Model {
    /// The base scenario (its faults and expectations are dropped from generated cases).
    pub base: Loaded,
    /// Its routers.
    pub routers: Vec<RouterModel>,
    /// (segment name, names of every node on it).
    pub segments: Vec<(String, Vec<String>)>,
    /// Faults start no earlier than this (the initial election has settled).
    pub warmup: Duration,
    /// Every fault is healed by this time.
    pub fault_end: Duration,
    /// The liveness bound after the last heal: `LIVENESS_K` × the largest Master_Down_Interval plus the
    /// largest preempt_delay.
    pub liveness_within: Duration,
}

/// A link impairment drawn by the generator (the rest of the link keeps the segment's settings).
#[derive(Clone, Debug, PartialEq)]
pub struct Impairment {
    /// Loss both ways.
    pub loss: f64,
    /// Extra loss node → switch.
    pub loss_out: f64,
    /// Extra loss switch → node.
    pub loss_in: f64,
    /// Jitter, ms.
    pub jitter_ms: u64,
    /// Extra latency, ms.
    pub latency_ms: u64,
    /// Duplicate probability.
    pub duplicate: f64,
    /// Reorder probability.
    pub reorder: f64,
}

/// The fault of one episode. Indices pick among the model's routers / segments / instances; each shrinks
/// towards the first.
#[derive(Clone, Debug)]
pub enum Action {
    /// `LinkDown` … `LinkUp`.
    LinkDown(Index),
    /// `InterfaceDown` … `InterfaceUp`.
    InterfaceDown(Index),
    /// `BlockVrrp` … `UnblockVrrp` on the chosen routers.
    BlockVrrp(Vec<Index>),
    /// `Partition` … `Heal`: each node of the segment goes to side A (true) or B.
    Partition(Index, Vec<bool>),
    /// `DropMulticast(on: true)` … `(on: false)`.
    DropMulticast(Index),
    /// `DropGarp(on: true)` … `(on: false)`.
    DropGarp(Index),
    /// `Crash` … `Restart`.
    Crash(Index),
    /// `Kill` … `Restart`.
    Kill(Index),
    /// `Stop` … `Start`.
    Stop(Index),
    /// `Stall` for the episode's length (heals itself).
    Stall(Index),
    /// `SetPriority` of one instance … back to its configured priority.
    SetPriority(Index, Index, u8),
    /// `TrackScript(ok: not initial)` … back.
    TrackScript(Index, Index),
    /// `TrackFile(value)` … back to the initial value.
    TrackFile(Index, Index, i64),
    /// `Reload` with a priority override … `Reload` with the node's own overrides.
    Reload(Index, u8),
    /// `RemoveAddress` of one VIP … keepalived `Stop` + `Start` (which re-adds it).
    RemoveAddress(Index, Index),
    /// `SetLink` with an impairment … the segment's link settings.
    SetLink(Index, Impairment),
}

/// One fault and its heal.
#[derive(Clone, Debug)]
pub struct Episode {
    /// Start, ms after the warm-up.
    pub at_ms: u64,
    /// Length, ms (the heal is clipped to the end of the fault window).
    pub len_ms: u64,
    /// What happens.
    pub action: Action,
}

/// A failure class, in DESIGN's exit-code terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Exit 1.
    Safety,
    /// Exit 3.
    Liveness,
    /// Exit 4.
    Panic,
}

impl Class {
    /// The process exit code for this class.
    pub fn exit_code(self) -> u8 {
        match self {
            Class::Safety => 1,
            Class::Liveness => 3,
            Class::Panic => 4,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Class::Safety => "safety",
            Class::Liveness => "liveness",
            Class::Panic => "panic",
        }
    }
}

/// A violated invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Its class.
    pub class: Class,
    /// What was seen, with virtual times.
    pub message: String,
}

/// Outcome of one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseOutcome {
    /// None when every invariant held.
    pub failure: Option<Failure>,
    /// Events the run processed.
    pub events: u64,
}

fn dur_ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

impl Model {
    /// Reads what the generator needs from `base` (bad input when it has no router or is too short).
    pub fn new(base: &Loaded) -> Result<Model, ScenarioError> {
        let s = &base.scenario;
        let world = World::build(base, s.seed)?;
        let mut routers = vec![];
        let (mut mdi, mut adv, mut pdelay) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        for (i, spec) in s.nodes.iter().enumerate() {
            let NodeSpec::Router(r) = spec else { continue };
            let Some(Role::Router(host)) = world.nodes.get(i).map(|n| &n.role) else {
                continue;
            };
            let mut instances = vec![];
            let mut vips = vec![];
            for v in host.views() {
                instances.push((v.name.to_string(), v.configured_priority));
                mdi = mdi.max(v.master_down_interval);
                adv = adv.max(v.advert_int);
                pdelay = pdelay.max(v.preempt_delay);
                for a in v.vips {
                    if let IpAddr::V4(a) = a {
                        if !vips.contains(a) {
                            vips.push(*a);
                        }
                    }
                }
            }
            let ka = host.keepalived_config();
            let scripts = ka
                .vrrp_scripts
                .iter()
                .map(|x| {
                    let ok = r.track_scripts.get(&x.name).copied().unwrap_or(true);
                    (x.name.clone(), ok)
                })
                .collect();
            let files = ka
                .vrrp_track_files
                .iter()
                .map(|x| {
                    let v = r.track_files.get(&x.name).copied().unwrap_or(0);
                    (x.name.clone(), v)
                })
                .collect();
            let segment = s
                .segments
                .iter()
                .position(|x| x.name == r.segment)
                .unwrap_or(0);
            let link = s
                .segments
                .get(segment)
                .map(|x| x.link.clone())
                .unwrap_or_default();
            routers.push(RouterModel {
                name: r.name.clone(),
                instances,
                scripts,
                files,
                vips,
                overrides: r.overrides.clone(),
                link,
                segment,
            });
        }
        if routers.is_empty() {
            return Err(base.error_at(
                "",
                "explore needs a scenario with at least one Router".into(),
            ));
        }
        let segments = s
            .segments
            .iter()
            .map(|seg| {
                let names = s
                    .nodes
                    .iter()
                    .filter(|n| n.segment() == seg.name)
                    .map(|n| n.name().to_string())
                    .collect();
                (seg.name.clone(), names)
            })
            .collect();
        let warmup = mdi.saturating_mul(2).saturating_add(adv);
        let liveness_within = mdi.saturating_mul(LIVENESS_K).saturating_add(pdelay);
        // After the liveness bound: time for a client's requests to reach the new master.
        let tail = Duration::from_secs(3);
        let need = warmup
            .saturating_add(Duration::from_secs(5))
            .saturating_add(liveness_within)
            .saturating_add(tail);
        if s.duration < need {
            return Err(base.error_at(
                "duration",
                format!(
                    "explore needs a duration of at least {} (warm-up {}, a 5s fault window, liveness bound {}, 3s tail); this scenario has {}",
                    format_duration(need),
                    format_duration(warmup),
                    format_duration(liveness_within),
                    format_duration(s.duration)
                ),
            ));
        }
        let fault_end = s
            .duration
            .saturating_sub(liveness_within)
            .saturating_sub(tail);
        Ok(Model {
            base: base.clone(),
            routers,
            segments,
            warmup,
            fault_end,
            liveness_within,
        })
    }

    /// Length of the fault window, ms.
    pub fn window_ms(&self) -> u64 {
        self.fault_end.saturating_sub(self.warmup).as_millis()
    }

    /// The proptest strategy of one schedule: 1..=[`MAX_EPISODES`] episodes.
    pub fn schedule_strategy(&self) -> BoxedStrategy<Vec<Episode>> {
        let w = self.window_ms().max(2);
        let episode = (0..w, 100..=(w / 2).max(101), self.action_strategy()).prop_map(
            |(at_ms, len_ms, action)| Episode {
                at_ms,
                len_ms,
                action,
            },
        );
        proptest::collection::vec(episode, 1..=MAX_EPISODES).boxed()
    }

    fn action_strategy(&self) -> BoxedStrategy<Action> {
        let ix = any::<Index>;
        let prio = 1u8..=254;
        let mut arms: Vec<BoxedStrategy<Action>> = vec![
            ix().prop_map(Action::LinkDown).boxed(),
            ix().prop_map(Action::InterfaceDown).boxed(),
            proptest::collection::vec(ix(), 1..=self.routers.len().max(1))
                .prop_map(Action::BlockVrrp)
                .boxed(),
            (ix(), proptest::collection::vec(any::<bool>(), 1..=16))
                .prop_map(|(s, sides)| Action::Partition(s, sides))
                .boxed(),
            ix().prop_map(Action::DropMulticast).boxed(),
            ix().prop_map(Action::DropGarp).boxed(),
            ix().prop_map(Action::Crash).boxed(),
            ix().prop_map(Action::Kill).boxed(),
            ix().prop_map(Action::Stop).boxed(),
            ix().prop_map(Action::Stall).boxed(),
            (ix(), ix(), prio.clone())
                .prop_map(|(n, i, p)| Action::SetPriority(n, i, p))
                .boxed(),
            (ix(), prio).prop_map(|(n, p)| Action::Reload(n, p)).boxed(),
            (
                ix(),
                (0.0..0.6f64, 0.0..0.6f64, 0.0..0.6f64),
                (0u64..100, 0u64..50),
                (0.0..0.3f64, 0.0..0.3f64),
            )
                .prop_map(
                    |(
                        n,
                        (loss, loss_out, loss_in),
                        (jitter_ms, latency_ms),
                        (duplicate, reorder),
                    )| {
                        Action::SetLink(
                            n,
                            Impairment {
                                loss,
                                loss_out,
                                loss_in,
                                jitter_ms,
                                latency_ms,
                                duplicate,
                                reorder,
                            },
                        )
                    },
                )
                .boxed(),
        ];
        if self.routers.iter().any(|r| !r.scripts.is_empty()) {
            arms.push(
                (ix(), ix())
                    .prop_map(|(n, s)| Action::TrackScript(n, s))
                    .boxed(),
            );
        }
        if self.routers.iter().any(|r| !r.files.is_empty()) {
            arms.push(
                (ix(), ix(), -300i64..=300)
                    .prop_map(|(n, f, v)| Action::TrackFile(n, f, v))
                    .boxed(),
            );
        }
        if self.routers.iter().any(|r| !r.vips.is_empty()) {
            arms.push(
                (ix(), ix())
                    .prop_map(|(n, a)| Action::RemoveAddress(n, a))
                    .boxed(),
            );
        }
        Union::new(arms).boxed()
    }

    fn router(&self, i: &Index) -> &RouterModel {
        // `routers` is never empty (checked in `new`).
        &self.routers[i.index(self.routers.len())]
    }

    /// The scenario faults of a schedule, sorted by time (stable), and the time the last one heals.
    pub fn faults(&self, schedule: &[Episode]) -> (Vec<TimedFault>, Duration) {
        let mut out: Vec<TimedFault> = vec![];
        let mut healed = self.warmup;
        for e in schedule {
            let at = self.warmup.saturating_add(dur_ms(e.at_ms));
            let end = at
                .saturating_add(dur_ms(e.len_ms))
                .min(self.fault_end)
                .max(at);
            let mut push = |t: Duration, f: Fault| out.push(TimedFault { at: t, fault: f });
            let (inject, heal): (Vec<Fault>, Vec<Fault>) = match &e.action {
                Action::LinkDown(n) => {
                    let node = self.router(n).name.clone();
                    (
                        vec![Fault::LinkDown { node: node.clone() }],
                        vec![Fault::LinkUp { node }],
                    )
                }
                Action::InterfaceDown(n) => {
                    let node = self.router(n).name.clone();
                    (
                        vec![Fault::InterfaceDown { node: node.clone() }],
                        vec![Fault::InterfaceUp { node }],
                    )
                }
                Action::BlockVrrp(ns) => {
                    let mut nodes: Vec<String> =
                        ns.iter().map(|n| self.router(n).name.clone()).collect();
                    nodes.sort();
                    nodes.dedup();
                    (
                        vec![Fault::BlockVrrp {
                            nodes: nodes.clone(),
                        }],
                        vec![Fault::UnblockVrrp { nodes }],
                    )
                }
                Action::Partition(s, sides) => {
                    let Some((segment, names)) =
                        self.segments.get(s.index(self.segments.len().max(1)))
                    else {
                        continue;
                    };
                    let (mut a, mut b) = (vec![], vec![]);
                    for (k, name) in names.iter().enumerate() {
                        if sides.get(k % sides.len().max(1)).copied().unwrap_or(true) {
                            a.push(name.clone());
                        } else {
                            b.push(name.clone());
                        }
                    }
                    let groups = [a, b].into_iter().filter(|g| !g.is_empty()).collect();
                    (
                        vec![Fault::Partition {
                            segment: segment.clone(),
                            groups,
                        }],
                        vec![Fault::Heal {
                            segment: segment.clone(),
                        }],
                    )
                }
                Action::DropMulticast(s) => {
                    let Some((segment, _)) = self.segments.get(s.index(self.segments.len().max(1)))
                    else {
                        continue;
                    };
                    (
                        vec![Fault::DropMulticast {
                            segment: segment.clone(),
                            on: true,
                        }],
                        vec![Fault::DropMulticast {
                            segment: segment.clone(),
                            on: false,
                        }],
                    )
                }
                Action::DropGarp(n) => {
                    let node = self.router(n).name.clone();
                    (
                        vec![Fault::DropGarp {
                            node: node.clone(),
                            on: true,
                        }],
                        vec![Fault::DropGarp { node, on: false }],
                    )
                }
                Action::Crash(n) => {
                    let node = self.router(n).name.clone();
                    (
                        vec![Fault::Crash { node: node.clone() }],
                        vec![Fault::Restart { node }],
                    )
                }
                Action::Kill(n) => {
                    let node = self.router(n).name.clone();
                    (
                        vec![Fault::Kill { node: node.clone() }],
                        vec![Fault::Restart { node }],
                    )
                }
                Action::Stop(n) => {
                    let node = self.router(n).name.clone();
                    (
                        vec![Fault::Stop { node: node.clone() }],
                        vec![Fault::Start { node }],
                    )
                }
                Action::Stall(n) => {
                    let node = self.router(n).name.clone();
                    (
                        vec![Fault::Stall {
                            node,
                            duration: end.saturating_sub(at),
                        }],
                        vec![],
                    )
                }
                Action::SetPriority(n, i, p) => {
                    let r = self.router(n);
                    let Some((inst, base)) = r.instances.get(i.index(r.instances.len().max(1)))
                    else {
                        continue;
                    };
                    (
                        vec![Fault::SetPriority {
                            node: r.name.clone(),
                            instance: Some(inst.clone()),
                            priority: *p,
                        }],
                        vec![Fault::SetPriority {
                            node: r.name.clone(),
                            instance: Some(inst.clone()),
                            priority: *base,
                        }],
                    )
                }
                Action::TrackScript(n, s) => {
                    let r = self.router(n);
                    let Some((script, ok)) = r.scripts.get(s.index(r.scripts.len().max(1))) else {
                        continue;
                    };
                    (
                        vec![Fault::TrackScript {
                            node: r.name.clone(),
                            script: script.clone(),
                            ok: !ok,
                        }],
                        vec![Fault::TrackScript {
                            node: r.name.clone(),
                            script: script.clone(),
                            ok: *ok,
                        }],
                    )
                }
                Action::TrackFile(n, f, v) => {
                    let r = self.router(n);
                    let Some((file, initial)) = r.files.get(f.index(r.files.len().max(1))) else {
                        continue;
                    };
                    (
                        vec![Fault::TrackFile {
                            node: r.name.clone(),
                            file: file.clone(),
                            value: *v,
                        }],
                        vec![Fault::TrackFile {
                            node: r.name.clone(),
                            file: file.clone(),
                            value: *initial,
                        }],
                    )
                }
                Action::Reload(n, p) => {
                    let r = self.router(n);
                    let mut o = r.overrides.clone();
                    o.priority = Some(*p);
                    (
                        vec![Fault::Reload {
                            node: r.name.clone(),
                            overrides: Some(o),
                            config: None,
                        }],
                        vec![Fault::Reload {
                            node: r.name.clone(),
                            overrides: Some(r.overrides.clone()),
                            config: None,
                        }],
                    )
                }
                Action::RemoveAddress(n, a) => {
                    let r = self.router(n);
                    let Some(vip) = r.vips.get(a.index(r.vips.len().max(1))) else {
                        continue;
                    };
                    (
                        vec![Fault::RemoveAddress {
                            node: r.name.clone(),
                            address: vip.to_string(),
                        }],
                        // keepalived only re-adds a VIP on a transition: restart it.
                        vec![
                            Fault::Stop {
                                node: r.name.clone(),
                            },
                            Fault::Start {
                                node: r.name.clone(),
                            },
                        ],
                    )
                }
                Action::SetLink(n, imp) => {
                    let r = self.router(n);
                    let mut link = r.link.clone();
                    link.loss = imp.loss;
                    link.loss_out = imp.loss_out;
                    link.loss_in = imp.loss_in;
                    link.jitter = link.jitter.saturating_add(dur_ms(imp.jitter_ms));
                    link.latency = link.latency.saturating_add(dur_ms(imp.latency_ms));
                    link.duplicate = imp.duplicate;
                    link.reorder = imp.reorder;
                    (
                        vec![Fault::SetLink {
                            node: r.name.clone(),
                            link,
                        }],
                        vec![Fault::SetLink {
                            node: r.name.clone(),
                            link: r.link.clone(),
                        }],
                    )
                }
            };
            for f in inject {
                push(at, f);
            }
            if matches!(e.action, Action::Stall(_)) {
                healed = healed.max(end);
            }
            // Heal strictly after the injection, so even a zero-length episode is a fault, then a heal.
            let heal_at = end.max(at.saturating_add(Duration::from_millis(1)));
            for (k, f) in heal.into_iter().enumerate() {
                let t = heal_at.saturating_add(Duration::from_millis(k as u64));
                healed = healed.max(t);
                push(t, f);
            }
        }
        out.sort_by_key(|f| f.at);
        (out, healed)
    }

    /// The scenario of one case: the base with the schedule's faults and no expectations.
    pub fn case_scenario(
        &self,
        schedule: &[Episode],
        seed: u64,
        plant: Option<PlantedBug>,
    ) -> (Loaded, Duration) {
        let (faults, healed) = self.faults(schedule);
        let mut l = self.base.clone();
        l.scenario.faults = faults;
        l.scenario.expect = vec![];
        l.scenario.seed = seed;
        if plant == Some(PlantedBug::NeverStepDown) {
            for n in &mut l.scenario.nodes {
                if let NodeSpec::Router(r) = n {
                    r.test_double_never_step_down = true;
                }
            }
        }
        (l, healed)
    }
}

/// One tracked instance.
#[derive(Clone, Debug)]
struct Track {
    node: usize,
    ip: Ipv4Addr,
    key: (u8, bool),
    state: VrrpState,
    state_since: u64,
    prio: u8,
    prio_since: u64,
    preempt: bool,
    preempt_delay: u64,
    vips: Vec<Ipv4Addr>,
}

/// The invariant checker: looks at the world after every step.
struct Checker {
    ip_to_node: BTreeMap<Ipv4Addr, usize>,
    tracks: Vec<Track>,
    /// (receiver node, sender node, vrid, v6) → (heard continuously since, last heard), ns.
    heard: BTreeMap<(usize, usize, u8, bool), (u64, u64)>,
    /// Per VRID key: largest Master_Down_Interval and advert interval, ns.
    timing: BTreeMap<(u8, bool), (u64, u64)>,
    /// Per VRID key: when the set of masters last changed, ns.
    master_change: BTreeMap<(u8, bool), u64>,
}

impl Checker {
    fn new(world: &World) -> Checker {
        let mut c = Checker {
            ip_to_node: BTreeMap::new(),
            tracks: vec![],
            heard: BTreeMap::new(),
            timing: BTreeMap::new(),
            master_change: BTreeMap::new(),
        };
        for (i, n) in world.nodes.iter().enumerate() {
            c.ip_to_node.insert(n.ip.0, i);
            if let Role::Router(r) = &n.role {
                for v in r.views() {
                    let key = (v.vrid, v.ipv6);
                    let t = c.timing.entry(key).or_insert((0, 0));
                    t.0 = t.0.max(v.master_down_interval.as_nanos());
                    t.1 = t.1.max(v.advert_int.as_nanos());
                    c.tracks.push(Track {
                        node: i,
                        ip: n.ip.0,
                        key,
                        state: v.state,
                        state_since: 0,
                        prio: v.priority,
                        prio_since: 0,
                        preempt: v.preempt,
                        preempt_delay: v.preempt_delay.as_nanos(),
                        vips: v
                            .vips
                            .iter()
                            .filter_map(|a| match a {
                                IpAddr::V4(a) => Some(*a),
                                IpAddr::V6(_) => None,
                            })
                            .collect(),
                    });
                    c.master_change.insert(key, 0);
                }
            }
        }
        c
    }

    /// Updates from the world (frames heard, states, priorities) and checks the safety invariants at `now`.
    fn step(&mut self, world: &mut World) -> Option<String> {
        let now = world.now().as_nanos();
        let ip_to_node = &self.ip_to_node;
        let heard = &mut self.heard;
        let timing = &self.timing;
        world.drain_vrrp_heard(|rx, frame| {
            let Ok(adv) = vrrp::frame::parse(frame) else {
                return;
            };
            let IpAddr::V4(src) = adv.src_ip else { return };
            let Some(&tx) = ip_to_node.get(&src) else {
                return;
            };
            let key = (adv.repr.vrid, false);
            let gap = timing.get(&key).map_or(0, |t| t.0);
            let e = heard.entry((rx, tx, key.0, key.1)).or_insert((now, now));
            if now.saturating_sub(e.1) > gap {
                e.0 = now;
            }
            e.1 = now;
        });
        let mut k = 0;
        let at = world.now();
        for n in &world.nodes {
            let Role::Router(r) = &n.role else { continue };
            let frozen = n.is_frozen(at);
            for v in r.views() {
                let Some(t) = self.tracks.get_mut(k) else {
                    break;
                };
                k += 1;
                if frozen {
                    // A stalled node cannot act: its clocks for the invariants restart when it thaws.
                    t.state_since = now;
                    t.prio_since = now;
                }
                if t.state != v.state {
                    if (t.state == VrrpState::Master) != (v.state == VrrpState::Master) {
                        self.master_change.insert(t.key, now);
                    }
                    t.state = v.state;
                    t.state_since = now;
                }
                if t.prio != v.priority {
                    t.prio = v.priority;
                    t.prio_since = now;
                }
            }
        }
        self.check_safety(now)
    }

    /// Both directions heard within the key's Master_Down_Interval: since when (ns), if connected.
    fn hears(&self, rx: usize, tx: usize, key: (u8, bool), now: u64) -> Option<u64> {
        let gap = self.timing.get(&key).map_or(0, |t| t.0);
        let (since, last) = self.heard.get(&(rx, tx, key.0, key.1))?;
        (now.saturating_sub(*last) <= gap).then_some(*since)
    }

    fn check_safety(&self, now: u64) -> Option<String> {
        for (i, a) in self.tracks.iter().enumerate() {
            if a.state != VrrpState::Master {
                continue;
            }
            let (mdi, adv) = self.timing.get(&a.key).copied().unwrap_or((0, 0));
            let window = mdi + adv;
            for b in self.tracks.iter().skip(i + 1) {
                if b.key != a.key || b.node == a.node {
                    continue;
                }
                let ab = self.hears(a.node, b.node, a.key, now);
                let ba = self.hears(b.node, a.node, a.key, now);
                if b.state == VrrpState::Master {
                    if let (Some(x), Some(y)) = (ab, ba) {
                        let start = x.max(y).max(a.state_since).max(b.state_since);
                        if now.saturating_sub(start) > window {
                            return Some(format!(
                                "at {}: {} and {} are both MASTER of VRID {} and have heard each other's adverts since {} (longer than Master_Down_Interval + Advertisement_Interval = {})",
                                secs(now), node_label(a), node_label(b), a.key.0, secs(start), ms(window)
                            ));
                        }
                    }
                }
            }
            // A preempting backup with a higher priority that hears this master must take over.
            for b in &self.tracks {
                if b.key != a.key || b.node == a.node || b.state != VrrpState::Backup {
                    continue;
                }
                if !b.preempt || b.prio <= a.prio || a.prio == 255 {
                    continue;
                }
                let Some(since) = self.hears(b.node, a.node, a.key, now) else {
                    continue;
                };
                let start = since
                    .max(a.state_since)
                    .max(b.state_since)
                    .max(a.prio_since)
                    .max(b.prio_since);
                let limit = window + b.preempt_delay;
                if now.saturating_sub(start) > limit {
                    return Some(format!(
                        "at {}: {} is MASTER of VRID {} with priority {} while {} (BACKUP, preempt, priority {}) has heard its adverts since {} (longer than {})",
                        secs(now), node_label(a), a.key.0, a.prio, node_label(b), b.prio, secs(start), ms(limit)
                    ));
                }
            }
        }
        None
    }

    /// Liveness after the run: `deadline` is the heal time plus the liveness bound.
    fn check_liveness(&self, world: &World, deadline: u64) -> Option<String> {
        let keys: Vec<(u8, bool)> = self.timing.keys().copied().collect();
        let mut masters_all = vec![];
        for key in keys {
            let members: Vec<&Track> = self.tracks.iter().filter(|t| t.key == key).collect();
            let masters: Vec<&&Track> = members
                .iter()
                .filter(|t| t.state == VrrpState::Master)
                .collect();
            let changed = self.master_change.get(&key).copied().unwrap_or(0);
            if masters.len() != 1 {
                let names: Vec<String> = masters.iter().map(|t| node_label(t)).collect();
                return Some(format!(
                    "VRID {}: {} masters at the end ({}), {} after the network healed",
                    key.0,
                    masters.len(),
                    names.join(", "),
                    secs(world.end().as_nanos().saturating_sub(deadline))
                ));
            }
            if changed > deadline {
                return Some(format!(
                    "VRID {}: the masters changed at {}, after the liveness deadline {}",
                    key.0,
                    secs(changed),
                    secs(deadline)
                ));
            }
            let m = masters[0];
            let eligible = members
                .iter()
                .filter(|t| matches!(t.state, VrrpState::Master | VrrpState::Backup));
            if members.iter().all(|t| t.preempt) {
                if let Some(best) = eligible.max_by_key(|t| (t.prio, t.ip)) {
                    if best.node != m.node {
                        return Some(format!(
                            "VRID {}: {} (priority {}) is master at the end but {} has priority {}",
                            key.0,
                            node_label(m),
                            m.prio,
                            node_label(best),
                            best.prio
                        ));
                    }
                }
            }
            masters_all.push(*m);
        }
        // The VIP is reachable again: each client got an answer after the deadline and its last request
        // succeeded; without clients, the master holds its VIPs.
        let mut clients: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
        for n in &world.nodes {
            if matches!(n.role, Role::Client(_)) {
                clients.insert(&n.name, (false, false));
            }
        }
        for e in &world.timeline.entries {
            let Event::Request {
                started, outcome, ..
            } = &e.event
            else {
                continue;
            };
            let Some(c) = e.node.as_deref().and_then(|n| clients.get_mut(n)) else {
                continue;
            };
            if (*started * 1e9) as u64 >= deadline {
                let ok = matches!(outcome, Outcome::Ok { .. });
                c.0 |= ok;
                c.1 = ok;
            }
        }
        for (name, (any_ok, last_ok)) in &clients {
            if !any_ok || !last_ok {
                return Some(format!(
                    "client {name}: the VIP did not answer again after {} ({})",
                    secs(deadline),
                    if *any_ok {
                        "its last request failed"
                    } else {
                        "no successful request"
                    }
                ));
            }
        }
        if clients.is_empty() {
            for m in masters_all {
                if let Some(n) = world.nodes.get(m.node) {
                    if let Some(vip) = m.vips.iter().find(|v| !n.stack.holds(**v)) {
                        return Some(format!(
                            "{} is master but does not hold VIP {vip} at the end",
                            n.name
                        ));
                    }
                }
            }
        }
        None
    }
}

fn node_label(t: &Track) -> String {
    format!("{}", t.ip)
}

fn secs(ns: u64) -> String {
    format_duration(Duration::from_nanos(ns))
}

fn ms(ns: u64) -> String {
    format_duration(Duration::from_nanos(ns))
}

/// Runs one scenario under the checker. `healed` is when the last fault healed; liveness is checked when
/// `check_liveness`.
pub fn check_run(
    loaded: &Loaded,
    healed: Duration,
    liveness_within: Duration,
    check_liveness: bool,
) -> CaseOutcome {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_run_inner(loaded, healed, liveness_within, check_liveness)
    }));
    match r {
        Ok(o) => o,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".into());
            CaseOutcome {
                failure: Some(Failure {
                    class: Class::Panic,
                    message: format!("the run panicked: {msg}"),
                }),
                events: 0,
            }
        }
    }
}

fn check_run_inner(
    loaded: &Loaded,
    healed: Duration,
    liveness_within: Duration,
    liveness: bool,
) -> CaseOutcome {
    let mut world = match World::build(loaded, loaded.scenario.seed) {
        Ok(w) => w,
        Err(e) => {
            // The base scenario built once already; a generated case that does not is an explorer bug.
            return CaseOutcome {
                failure: Some(Failure {
                    class: Class::Panic,
                    message: format!("case does not build: {e}"),
                }),
                events: 0,
            };
        }
    };
    world.observe_vrrp();
    let mut checker = Checker::new(&world);
    let mut events = 0u64;
    loop {
        match world.step() {
            Ok(true) => {}
            Ok(false) => break,
            Err(l) => return livelock(l, events),
        }
        events += 1;
        if let Some(m) = checker.step(&mut world) {
            return CaseOutcome {
                failure: Some(Failure {
                    class: Class::Safety,
                    message: m,
                }),
                events,
            };
        }
    }
    if liveness {
        let deadline = (Instant::ZERO + healed.saturating_add(liveness_within)).as_nanos();
        if let Some(m) = checker.check_liveness(&world, deadline) {
            return CaseOutcome {
                failure: Some(Failure {
                    class: Class::Liveness,
                    message: m,
                }),
                events,
            };
        }
    }
    CaseOutcome {
        failure: None,
        events,
    }
}

fn livelock(l: Livelock, events: u64) -> CaseOutcome {
    CaseOutcome {
        failure: Some(Failure {
            class: Class::Safety,
            message: format!("simulation livelock: {l}"),
        }),
        events,
    }
}

/// The seed of case `k` of a sweep with seed `seed` (SplitMix64, so neighbouring cases are unrelated).
pub fn case_seed(seed: u64, k: u64) -> u64 {
    let mut z = seed ^ k.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn runner_for(case_seed: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, b) in case_seed.to_le_bytes().iter().enumerate() {
        bytes[i] = *b;
        bytes[i + 8] = b.rotate_left(3);
    }
    let config = PtConfig {
        failure_persistence: None,
        ..PtConfig::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// The schedule of case `k` (the same for any `--jobs` and `--shard`).
pub fn generate(model: &Model, case_seed: u64) -> Option<Box<dyn ValueTree<Value = Vec<Episode>>>> {
    let mut runner = runner_for(case_seed);
    model.schedule_strategy().new_tree(&mut runner).ok()
}

/// Runs one generated case.
pub fn run_case(
    model: &Model,
    schedule: &[Episode],
    case_seed: u64,
    plant: Option<PlantedBug>,
) -> CaseOutcome {
    let (loaded, healed) = model.case_scenario(schedule, case_seed, plant);
    check_run(&loaded, healed, model.liveness_within, true)
}

/// A failure after shrinking.
#[derive(Clone, Debug)]
pub struct Found {
    /// Index of the first failing case.
    pub case: u64,
    /// Its seed.
    pub case_seed: u64,
    /// The failure of the original schedule.
    pub original: Failure,
    /// Episodes in the original schedule.
    pub original_len: usize,
    /// The shrunk schedule.
    pub schedule: Vec<Episode>,
    /// Its failure.
    pub failure: Failure,
    /// Runs spent shrinking.
    pub shrink_runs: u32,
}

/// proptest's shrinking: simplify while the failure (same class) persists, complicate when it vanishes.
pub fn shrink(
    model: &Model,
    case: u64,
    case_seed: u64,
    plant: Option<PlantedBug>,
) -> Option<Found> {
    let mut tree = generate(model, case_seed)?;
    let first = tree.current();
    let original = run_case(model, &first, case_seed, plant).failure?;
    let mut best = (first.clone(), original.clone());
    let mut runs = 0u32;
    if tree.simplify() {
        while runs < MAX_SHRINK_RUNS {
            let cand = tree.current();
            runs += 1;
            match run_case(model, &cand, case_seed, plant).failure {
                Some(f) if f.class == original.class => {
                    best = (cand, f);
                    if !tree.simplify() {
                        break;
                    }
                }
                _ => {
                    if !tree.complicate() {
                        break;
                    }
                }
            }
        }
    }
    Some(Found {
        case,
        case_seed,
        original,
        original_len: first.len(),
        schedule: best.0,
        failure: best.1,
        shrink_runs: runs,
    })
}

/// Options of one sweep.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// Cases in the whole sweep (before sharding).
    pub cases: u64,
    /// Sweep seed.
    pub seed: u64,
    /// (i, n), 1-based.
    pub shard: (u64, u64),
    /// Worker threads.
    pub jobs: usize,
    /// Test double to plant.
    pub plant: Option<PlantedBug>,
}

/// What a sweep did.
#[derive(Clone, Debug)]
pub struct SweepResult {
    /// Cases run.
    pub ran: u64,
    /// Simulation events processed.
    pub events: u64,
    /// The first failing case (lowest index), not yet shrunk: (case, seed).
    pub first_failure: Option<(u64, u64)>,
}

/// Runs the sweep's cases of this shard on `jobs` threads (each run on one thread), stopping at the first
/// failure; `tick` is called after every case.
pub fn sweep(model: &Model, s: &Sweep, tick: &(dyn Fn() + Sync)) -> SweepResult {
    let mine: Vec<u64> = (0..s.cases)
        .filter(|k| k % s.shard.1 == s.shard.0.saturating_sub(1))
        .collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let ran = AtomicU64::new(0);
    let events = AtomicU64::new(0);
    let failures: Mutex<Vec<(u64, u64)>> = Mutex::new(vec![]);
    std::thread::scope(|sc| {
        for _ in 0..s.jobs.max(1).min(mine.len().max(1)) {
            sc.spawn(|| loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Some(&k) = mine.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let cs = case_seed(s.seed, k);
                let Some(tree) = generate(model, cs) else {
                    continue;
                };
                let o = run_case(model, &tree.current(), cs, s.plant);
                ran.fetch_add(1, Ordering::Relaxed);
                events.fetch_add(o.events, Ordering::Relaxed);
                tick();
                if o.failure.is_some() {
                    stop.store(true, Ordering::Relaxed);
                    if let Ok(mut f) = failures.lock() {
                        f.push((k, cs));
                    }
                }
            });
        }
    });
    // Every case below a failing index was started before it, so the lowest failing index is the same for
    // any number of jobs.
    let first_failure = failures.into_inner().ok().and_then(|v| v.into_iter().min());
    SweepResult {
        ran: ran.into_inner(),
        events: events.into_inner(),
        first_failure,
    }
}

/// `a` relative to directory `from` (both absolute), with `..` as needed.
fn relative(a: &Path, from: &Path) -> PathBuf {
    let ac: Vec<_> = a.components().collect();
    let fc: Vec<_> = from.components().collect();
    let common = ac.iter().zip(&fc).take_while(|(x, y)| x == y).count();
    let mut p = PathBuf::new();
    for _ in common..fc.len() {
        p.push("..");
    }
    for c in &ac[common..] {
        p.push(c);
    }
    p
}

/// The runnable scenario of a finding: the base with the shrunk faults, config paths made relative to the
/// new file's directory, and expectations a plain run checks (convergence after the heal).
pub fn found_scenario(
    model: &Model,
    found: &Found,
    plant: Option<PlantedBug>,
    dir: &Path,
) -> scenario::Scenario {
    let (loaded, healed) = model.case_scenario(&found.schedule, found.case_seed, plant);
    let mut s = loaded.scenario;
    let base_dir = model
        .base
        .path
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let base_dir = std::fs::canonicalize(&base_dir).unwrap_or(base_dir);
    let out_dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    for n in &mut s.nodes {
        if let NodeSpec::Router(r) = n {
            if let ConfigSource::File(f) = &r.config {
                let abs = base_dir.join(f);
                let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
                r.config =
                    ConfigSource::File(relative(&abs, &out_dir).to_string_lossy().into_owned());
            }
        }
    }
    let mut vrids: Vec<u8> = vec![];
    if let Ok(w) = World::build(&model.base, model.base.scenario.seed) {
        for n in &w.nodes {
            if let Role::Router(h) = &n.role {
                for v in h.views() {
                    if !vrids.contains(&v.vrid) {
                        vrids.push(v.vrid);
                    }
                }
            }
        }
    }
    s.expect = vrids
        .into_iter()
        .map(|v| Expectation::ConvergeWithin {
            after: healed,
            within: model.liveness_within,
            vrid: Some(v),
            master: None,
        })
        .collect();
    s.name = Some(format!("found/{}", model.base.name()));
    s.description = format!(
        "Found by `sim explore` (case {}, case seed {}), shrunk from {} to {} episodes: {} violation: {}",
        found.case,
        found.case_seed,
        found.original_len,
        found.schedule.len(),
        found.failure.class.name(),
        found.failure.message
    );
    s
}

/// Writes `s` as a new file under `dir` (never overwriting), returning its path.
pub fn write_found(dir: &Path, stem: &str, s: &scenario::Scenario) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    // The loader's own extensions, so the file reads like a hand-written scenario.
    let pretty = ron::ser::PrettyConfig::new().extensions(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    );
    let body = ron::ser::to_string_pretty(s, pretty).map_err(std::io::Error::other)?;
    for n in 1.. {
        let p = dir.join(format!("{stem}-{n}.ron"));
        let text = format!(
            "// Found by `sim explore`. Replay it under the explorer's invariants:\n//   cargo run -p sim -- explore --replay {f}\n// or run its expectations:\n//   cargo run -p sim -- {f}\n{body}\n",
            f = p.display()
        );
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(mut f) => {
                use std::io::Write as _;
                f.write_all(text.as_bytes())?;
                return Ok(p);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free file name"))
}

/// Replays a scenario file (typically a finding) under the explorer's invariants: liveness is checked after
/// its last fault (a `Stall` counts until it thaws).
pub fn replay(loaded: &Loaded) -> Result<CaseOutcome, ScenarioError> {
    let model_timing = World::build(loaded, loaded.scenario.seed)?;
    let (mut mdi, mut pdelay) = (Duration::ZERO, Duration::ZERO);
    for n in &model_timing.nodes {
        if let Role::Router(h) = &n.role {
            for v in h.views() {
                mdi = mdi.max(v.master_down_interval);
                pdelay = pdelay.max(v.preempt_delay);
            }
        }
    }
    let healed = loaded
        .scenario
        .faults
        .iter()
        .map(|f| match &f.fault {
            Fault::Stall { duration, .. } => f.at.saturating_add(*duration),
            _ => f.at,
        })
        .max()
        .unwrap_or(Duration::ZERO);
    let within = mdi.saturating_mul(LIVENESS_K).saturating_add(pdelay);
    Ok(check_run(loaded, healed, within, true))
}
