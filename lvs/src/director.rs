//! A keepalived "checker process" plus the kernel's IPVS table, for one director host: the virtual
//! servers of an [`LvsPlan`], every health checker, the real-server and quorum bookkeeping of
//! ipwrapper.c, and the resulting IPVS commands and notify events on a timeline.
//!
//! Sans-IO like its parts. Drive it as one unit:
//! 1. [`Director::new`], then [`Director::start`] at the daemon's start time.
//! 2. When [`Director::poll_timeout`] is due, [`Director::handle_timeout`].
//! 3. Drain [`Director::poll_check_action`] (checker connections to open/write/close) and feed their
//!    results back with [`Director::handle_check_io`].
//! 4. Data path: [`Director::ipvs_mut`] → [`Ipvs::process_inbound`] etc. for client traffic (only on the
//!    director that holds the VIP; keepalived runs the checkers and keeps the table on both).
//! 5. Drain [`Director::poll_event`] for the timeline (removals, notify_up/down, quorum changes).

use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::check::{
    AttemptId, BfdSession, BfdState, CheckAction, CheckEvent, CheckIo, CheckKind, Checker,
    FailReason, RealServerHealth, RsAction, BFD_CONTROL_PORT, BFD_MIN_SRC_PORT,
};
use crate::ipvs::{Ipvs, IpvsError, IpvsSettings};
use crate::keepalived::{BfdInstancePlan, LvsPlan};
use crate::service::{DestConfig, ServiceKey};
use crate::time::Instant;

/// Which checker an action or an I/O result belongs to: indexes into the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CheckerRef {
    /// Virtual server index.
    pub vs: usize,
    /// Real server index within it.
    pub rs: usize,
    /// Checker index within the real server.
    pub checker: usize,
}

/// Something that happened, for the run's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectorEvent {
    /// A real server was put in the IPVS table (or its weight restored under inhibit_on_failure).
    ServerAdded {
        /// When.
        at: Instant,
        /// Virtual server name.
        vs: String,
        /// Real server.
        rs: SocketAddr,
        /// Weight set.
        weight: u32,
    },
    /// A real server was removed from the IPVS table.
    ServerRemoved {
        /// When.
        at: Instant,
        /// Virtual server name.
        vs: String,
        /// Real server.
        rs: SocketAddr,
    },
    /// A real server's weight changed (inhibit_on_failure sets 0 on failure).
    WeightChanged {
        /// When.
        at: Instant,
        /// Virtual server name.
        vs: String,
        /// Real server.
        rs: SocketAddr,
        /// New weight.
        weight: u32,
    },
    /// `notify_up` ran.
    NotifyUp {
        /// When.
        at: Instant,
        /// Virtual server name.
        vs: String,
        /// Real server.
        rs: SocketAddr,
        /// The command line, if one is configured.
        script: Option<String>,
    },
    /// `notify_down` ran.
    NotifyDown {
        /// When.
        at: Instant,
        /// Virtual server name.
        vs: String,
        /// Real server.
        rs: SocketAddr,
        /// The command line, if one is configured.
        script: Option<String>,
    },
    /// A checker declared its server down (before the real-server bookkeeping).
    CheckFailed {
        /// When.
        at: Instant,
        /// Which checker.
        checker: CheckerRef,
        /// Real server.
        rs: SocketAddr,
        /// Why.
        reason: FailReason,
    },
    /// A checker declared its server up.
    CheckSucceeded {
        /// When.
        at: Instant,
        /// Which checker.
        checker: CheckerRef,
        /// Real server.
        rs: SocketAddr,
    },
    /// The virtual server gained quorum (sum of live weights ≥ quorum + hysteresis); `quorum_up` ran.
    QuorumUp {
        /// When.
        at: Instant,
        /// Virtual server name.
        vs: String,
        /// The `quorum_up` command line, if one is configured.
        script: Option<String>,
    },
    /// The virtual server lost quorum (sum < quorum − hysteresis, or 0), or started without it while a
    /// sorry server had to be put in, or keepalived stopped under `omega`; `quorum_down` ran.
    QuorumDown {
        /// When.
        at: Instant,
        /// Virtual server name.
        vs: String,
        /// The `quorum_down` command line, if one is configured.
        script: Option<String>,
    },
    /// A `bfd_instance` session changed state (what keepalived's BFD process logs).
    BfdState {
        /// When.
        at: Instant,
        /// The bfd_instance.
        instance: String,
        /// From.
        from: BfdState,
        /// To.
        to: BfdState,
        /// Our diagnostic code after the change.
        diag: u8,
    },
}

impl core::fmt::Display for DirectorEvent {
    /// One timeline line: `seconds.micros  virtual-server  what  real-server`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DirectorEvent::ServerAdded { at, vs, rs, weight } => {
                write!(f, "{at} {vs} add {rs} weight {weight}")
            }
            DirectorEvent::ServerRemoved { at, vs, rs } => write!(f, "{at} {vs} remove {rs}"),
            DirectorEvent::WeightChanged { at, vs, rs, weight } => {
                write!(f, "{at} {vs} weight {rs} {weight}")
            }
            DirectorEvent::NotifyUp { at, vs, rs, script } => {
                write!(f, "{at} {vs} notify_up {rs}")?;
                script.iter().try_for_each(|s| write!(f, " `{s}`"))
            }
            DirectorEvent::NotifyDown { at, vs, rs, script } => {
                write!(f, "{at} {vs} notify_down {rs}")?;
                script.iter().try_for_each(|s| write!(f, " `{s}`"))
            }
            DirectorEvent::CheckFailed {
                at,
                checker,
                rs,
                reason,
            } => write!(
                f,
                "{at} vs#{} check#{} failed {rs}: {reason}",
                checker.vs, checker.checker
            ),
            DirectorEvent::CheckSucceeded { at, checker, rs } => {
                write!(
                    f,
                    "{at} vs#{} check#{} succeeded {rs}",
                    checker.vs, checker.checker
                )
            }
            DirectorEvent::QuorumUp { at, vs, script } => {
                write!(f, "{at} {vs} quorum up")?;
                script.iter().try_for_each(|s| write!(f, " `{s}`"))
            }
            DirectorEvent::QuorumDown { at, vs, script } => {
                write!(f, "{at} {vs} quorum down")?;
                script.iter().try_for_each(|s| write!(f, " `{s}`"))
            }
            DirectorEvent::BfdState {
                at,
                instance,
                from,
                to,
                diag,
            } => write!(f, "{at} bfd {instance} {from} -> {to} (diag {diag})"),
        }
    }
}

#[derive(Clone, Debug)]
struct RsRuntime {
    dest: DestConfig,
    health: RealServerHealth,
    checkers: Vec<Checker>,
    notify_up: Option<String>,
    notify_down: Option<String>,
}

#[derive(Clone, Debug)]
struct VsRuntime {
    name: String,
    services: Vec<ServiceKey>,
    rss: Vec<RsRuntime>,
    omega: bool,
    quorum: u32,
    hysteresis: u32,
    quorum_up: bool,
    sorry: Option<DestConfig>,
    /// keepalived's `ISALIVE(s_svr)`: the sorry server serves (quorum is down).
    sorry_in: bool,
    /// `sorry_server_inhibit`: out of service the sorry server stays in the table at weight 0.
    sorry_inhibit: bool,
    /// The sorry server is in the IPVS table (`s_svr->set`), serving or inhibited.
    sorry_set: bool,
    quorum_up_script: Option<String>,
    quorum_down_script: Option<String>,
}

/// A control packet one of the director's BFD sessions sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BfdTransmit {
    /// The bfd_instance.
    pub instance: String,
    /// `source_ip`, if configured (else the host's address).
    pub src: Option<IpAddr>,
    /// Source port (random in 49152..=65535, fixed per session, RFC 5881 §4).
    pub src_port: u16,
    /// `neighbor_ip`:3784.
    pub dst: SocketAddr,
    /// IP TTL / hop limit (RFC 5881 §5: 255).
    pub ttl: u8,
    /// The control packet.
    pub payload: Vec<u8>,
}

#[derive(Clone, Debug)]
struct BfdRuntime {
    plan: BfdInstancePlan,
    session: BfdSession,
    src_port: u16,
}

/// IPVS plus keepalived's health checking for one director.
#[derive(Clone, Debug)]
pub struct Director {
    ipvs: Ipvs,
    vss: Vec<VsRuntime>,
    bfd: Vec<BfdRuntime>,
    /// track_file values known before start (keepalived reads them at startup).
    files: BTreeMap<String, i64>,
    started: bool,
    rng: ChaCha8Rng,
    events: VecDeque<DirectorEvent>,
}

impl Director {
    /// Build the IPVS services of `plan` (destinations are added at [`start`](Self::start), as
    /// keepalived does after its first pass) and a checker per planned checker. `seed` feeds the
    /// warmup draws and the `twos` scheduler.
    pub fn new(plan: &LvsPlan, settings: IpvsSettings, seed: u64) -> Result<Self, IpvsError> {
        let mut ipvs = Ipvs::new(settings, seed);
        let mut vss = Vec::new();
        for vs in &plan.virtual_servers {
            for svc in &vs.services {
                ipvs.add_service(svc.clone())?;
            }
            let rss = vs
                .real_servers
                .iter()
                .map(|rs| RsRuntime {
                    dest: rs.dest,
                    health: RealServerHealth::new(
                        rs.dest.weight,
                        rs.inhibit_on_failure,
                        rs.alpha_checkers(),
                    ),
                    checkers: rs
                        .checkers
                        .iter()
                        .map(|c| {
                            let mut ck = Checker::new(c.settings, c.kind.clone(), c.target);
                            // The checker's own randomness (TLS sessions, DNS ids): the run's seed
                            // mixed with its target, so adding a checker leaves the others' alone.
                            ck.set_seed(
                                seed ^ crate::check::fnv1a(c.target.to_string().as_bytes()),
                            );
                            ck
                        })
                        .collect(),
                    notify_up: rs.notify_up.clone(),
                    notify_down: rs.notify_down.clone(),
                })
                .collect();
            vss.push(VsRuntime {
                name: vs.name.clone(),
                services: vs.services.iter().map(|s| s.key).collect(),
                rss,
                omega: vs.omega,
                quorum: vs.quorum,
                hysteresis: vs.hysteresis,
                quorum_up: true,
                sorry: vs.sorry_server,
                sorry_in: false,
                sorry_inhibit: vs.sorry_server_inhibit,
                sorry_set: false,
                quorum_up_script: vs.quorum_up.clone(),
                quorum_down_script: vs.quorum_down.clone(),
            });
        }
        let bfd = plan
            .bfd_instances
            .iter()
            .enumerate()
            .map(|(i, b)| BfdRuntime {
                plan: b.clone(),
                session: BfdSession::new(b.config, seed.wrapping_add(i as u64 + 1)),
                src_port: 0,
            })
            .collect();
        Ok(Director {
            ipvs,
            vss,
            bfd,
            files: BTreeMap::new(),
            started: false,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6b65_6570_616c_6976),
            events: VecDeque::new(),
        })
    }

    /// The IPVS table.
    pub fn ipvs(&self) -> &Ipvs {
        &self.ipvs
    }

    /// The IPVS table, for the data path.
    pub fn ipvs_mut(&mut self) -> &mut Ipvs {
        &mut self.ipvs
    }

    /// A checker, for inspection.
    pub fn checker(&self, r: CheckerRef) -> Option<&Checker> {
        self.vss.get(r.vs)?.rss.get(r.rs)?.checkers.get(r.checker)
    }

    /// Whether keepalived considers this real server alive.
    pub fn is_alive(&self, vs: usize, rs: usize) -> Option<bool> {
        Some(self.vss.get(vs)?.rss.get(rs)?.health.is_alive())
    }

    /// `init_services` + `register_checkers_thread`: add live real servers, set the initial quorum
    /// state, and start every checker after 1 s plus a random part of its warmup.
    pub fn start(&mut self, now: Instant) {
        self.started = true;
        for v in 0..self.vss.len() {
            for r in 0..self.vss[v].rss.len() {
                self.init_file_checkers(v, r);
                let actions = self.vss[v].rss[r].health.init(now);
                self.apply(v, r, actions);
            }
            let sum = self.live_weight(v);
            let vs = &mut self.vss[v];
            vs.quorum_up = sum >= u64::from(vs.quorum) + u64::from(vs.hysteresis);
            // update_quorum_state(init): starting below quorum only acts (and notifies) when a sorry
            // server has to be put in.
            if !vs.quorum_up && vs.sorry.is_some() {
                self.quorum_lost(v, now);
            }
            // init_service_vs: "If we have a sorry server with inhibit, add it now", at weight 0.
            if let (Some(s), true, false) = (
                self.vss[v].sorry,
                self.vss[v].sorry_inhibit,
                self.vss[v].sorry_set,
            ) {
                self.ipvs_add(v, DestConfig { weight: 0, ..s }, now);
                self.vss[v].sorry_set = true;
            }
            for rs in &mut self.vss[v].rss {
                for c in &mut rs.checkers {
                    let draw = self.rng.next_u32();
                    c.start(now, draw);
                }
            }
        }
        // The BFD process starts with the checker process and reports each session's state.
        for b in &mut self.bfd {
            let draw = self.rng.next_u32();
            b.src_port =
                BFD_MIN_SRC_PORT + (draw % u32::from(u16::MAX - BFD_MIN_SRC_PORT + 1)) as u16;
            b.session.start(now);
        }
        self.route_bfd();
    }

    /// The earliest checker or connection-table deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let checkers = self
            .vss
            .iter()
            .flat_map(|v| v.rss.iter())
            .flat_map(|r| r.checkers.iter())
            .filter_map(Checker::poll_timeout);
        let bfd = self.bfd.iter().filter_map(|b| b.session.poll_timeout());
        checkers.chain(bfd).chain(self.ipvs.poll_timeout()).min()
    }

    /// Fire every due checker timer and expire connections.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.ipvs.handle_timeout(now);
        for b in &mut self.bfd {
            if b.session.poll_timeout().is_some_and(|t| t <= now) {
                b.session.handle_timeout(now);
            }
        }
        self.route_bfd();
        for v in 0..self.vss.len() {
            for r in 0..self.vss[v].rss.len() {
                for c in 0..self.vss[v].rss[r].checkers.len() {
                    let due = self.vss[v].rss[r].checkers[c]
                        .poll_timeout()
                        .is_some_and(|t| t <= now);
                    if due {
                        self.vss[v].rss[r].checkers[c].handle_timeout(now);
                        self.collect(CheckerRef {
                            vs: v,
                            rs: r,
                            checker: c,
                        });
                    }
                }
            }
        }
    }

    /// The next network action of any checker, in plan order.
    pub fn poll_check_action(&mut self) -> Option<(CheckerRef, CheckAction)> {
        for (v, vs) in self.vss.iter_mut().enumerate() {
            for (r, rs) in vs.rss.iter_mut().enumerate() {
                for (c, ch) in rs.checkers.iter_mut().enumerate() {
                    if let Some(a) = ch.poll_action() {
                        return Some((
                            CheckerRef {
                                vs: v,
                                rs: r,
                                checker: c,
                            },
                            a,
                        ));
                    }
                }
            }
        }
        None
    }

    /// A network result for a checker's attempt.
    pub fn handle_check_io(
        &mut self,
        now: Instant,
        r: CheckerRef,
        attempt: AttemptId,
        io: CheckIo<'_>,
    ) {
        let Some(ch) = self
            .vss
            .get_mut(r.vs)
            .and_then(|v| v.rss.get_mut(r.rs))
            .and_then(|x| x.checkers.get_mut(r.checker))
        else {
            return;
        };
        ch.handle_io(now, attempt, io);
        self.collect(r);
    }

    /// The next timeline event.
    pub fn poll_event(&mut self) -> Option<DirectorEvent> {
        self.events.pop_front()
    }

    /// Daemon shutdown (`clear_service_vs`): the sorry server and every server removed; notify_down
    /// and quorum_down (`update_vs_notifies(stopping)`, whatever the quorum state was) only for
    /// virtual servers with `omega`.
    pub fn shutdown(&mut self, now: Instant) {
        for b in &mut self.bfd {
            b.session.stop();
        }
        for v in 0..self.vss.len() {
            let omega = self.vss[v].omega;
            if let (Some(s), true) = (self.vss[v].sorry, self.vss[v].sorry_set) {
                self.ipvs_remove(v, SocketAddr::new(s.addr, s.port), now);
            }
            self.vss[v].sorry_set = false;
            self.vss[v].sorry_in = false;
            for r in 0..self.vss[v].rss.len() {
                let actions = self.vss[v].rss[r].health.shutdown(now, omega);
                self.apply(v, r, actions);
            }
            self.vss[v].quorum_up = false;
            if omega {
                self.push_quorum_event(v, now);
            }
        }
    }

    fn push_quorum_event(&mut self, v: usize, at: Instant) {
        let vs = &self.vss[v];
        let name = vs.name.clone();
        self.events.push_back(if vs.quorum_up {
            DirectorEvent::QuorumUp {
                at,
                vs: name,
                script: vs.quorum_up_script.clone(),
            }
        } else {
            DirectorEvent::QuorumDown {
                at,
                vs: name,
                script: vs.quorum_down_script.clone(),
            }
        });
    }

    fn collect(&mut self, r: CheckerRef) {
        let mut evs = Vec::new();
        if let Some(ch) = self
            .vss
            .get_mut(r.vs)
            .and_then(|v| v.rss.get_mut(r.rs))
            .and_then(|x| x.checkers.get_mut(r.checker))
        {
            while let Some(e) = ch.poll_event() {
                evs.push(e);
            }
        }
        for e in evs {
            let rs_addr = {
                let d = &self.vss[r.vs].rss[r.rs].dest;
                SocketAddr::new(d.addr, d.port)
            };
            match &e {
                CheckEvent::Up { at } => self.events.push_back(DirectorEvent::CheckSucceeded {
                    at: *at,
                    checker: r,
                    rs: rs_addr,
                }),
                CheckEvent::Down { at, reason, .. } => {
                    self.events.push_back(DirectorEvent::CheckFailed {
                        at: *at,
                        checker: r,
                        rs: rs_addr,
                        reason: reason.clone(),
                    })
                }
                CheckEvent::Weight { .. } | CheckEvent::WeightDelta { .. } => {}
            }
            let was_weight = self.vss[r.vs].rss[r.rs].health.effective_weight();
            let was_alive = self.vss[r.vs].rss[r.rs].health.is_alive();
            let actions = self.vss[r.vs].rss[r.rs].health.on_check_event(&e);
            self.apply(r.vs, r.rs, actions);
            // A change of liveness or of a live server's weight may change the quorum.
            let health = &self.vss[r.vs].rss[r.rs].health;
            if was_alive != health.is_alive()
                || (health.is_alive() && was_weight != health.effective_weight())
            {
                let at = match e {
                    CheckEvent::Up { at }
                    | CheckEvent::Down { at, .. }
                    | CheckEvent::Weight { at, .. }
                    | CheckEvent::WeightDelta { at, .. } => at,
                };
                self.update_quorum(r.vs, at);
            }
        }
    }

    fn live_weight(&self, v: usize) -> u64 {
        self.vss[v]
            .rss
            .iter()
            .filter(|r| r.health.is_alive())
            .map(|r| u64::from(r.health.effective_weight()))
            .sum()
    }

    /// ipwrapper.c `update_quorum_state`.
    fn update_quorum(&mut self, v: usize, now: Instant) {
        let sum = self.live_weight(v);
        let vs = &self.vss[v];
        let (q, h) = (i64::from(vs.quorum), i64::from(vs.hysteresis));
        let threshold = q + if vs.quorum_up { -h } else { h };
        if !vs.quorum_up && sum as i64 >= threshold {
            self.vss[v].quorum_up = true;
            if let (Some(s), true) = (self.vss[v].sorry, self.vss[v].sorry_in) {
                // "Removing" (or, inhibited, "Disabling": weight 0) the sorry server, then
                // perform_quorum_state(add): the live servers back in.
                let sorry = SocketAddr::new(s.addr, s.port);
                if self.vss[v].sorry_inhibit {
                    self.ipvs_weight(v, sorry, 0, now);
                } else {
                    self.ipvs_remove(v, sorry, now);
                    self.vss[v].sorry_set = false;
                }
                self.vss[v].sorry_in = false;
                self.perform_quorum_state(v, true, now);
            }
            self.push_quorum_event(v, now);
        } else if vs.quorum_up && (sum == 0 || (sum as i64) < threshold) {
            self.quorum_lost(v, now);
        }
    }

    /// The lost-quorum half of `update_quorum_state` (also its start-up case): the live servers out
    /// and the sorry server in ("Adding", or "Enabling" an inhibited one at its weight), then
    /// quorum_down.
    fn quorum_lost(&mut self, v: usize, now: Instant) {
        self.vss[v].quorum_up = false;
        if let (Some(s), false) = (self.vss[v].sorry, self.vss[v].sorry_in) {
            self.perform_quorum_state(v, false, now);
            if self.vss[v].sorry_inhibit && self.vss[v].sorry_set {
                self.ipvs_weight(v, SocketAddr::new(s.addr, s.port), s.weight, now);
            } else {
                self.ipvs_add(v, s, now);
            }
            self.vss[v].sorry_set = true;
            self.vss[v].sorry_in = true;
        }
        self.push_quorum_event(v, now);
    }

    /// `perform_quorum_state`: add or remove every live real server; an inhibit_on_failure server
    /// has its weight edited (0 out, its weight back in) instead, as `ipvs_cmd` does for `inhibit`.
    fn perform_quorum_state(&mut self, v: usize, add: bool, now: Instant) {
        for r in 0..self.vss[v].rss.len() {
            let rs = &self.vss[v].rss[r];
            if !rs.health.is_alive() {
                continue;
            }
            let d = DestConfig {
                weight: rs.health.effective_weight(),
                ..rs.dest
            };
            let addr = SocketAddr::new(d.addr, d.port);
            match (add, rs.health.inhibit()) {
                (true, true) => self.ipvs_weight(v, addr, d.weight, now),
                (true, false) => self.ipvs_add(v, d, now),
                (false, true) => self.ipvs_weight(v, addr, 0, now),
                (false, false) => self.ipvs_remove(v, addr, now),
            }
        }
    }

    fn ipvs_weight(&mut self, v: usize, rs: SocketAddr, weight: u32, at: Instant) {
        for key in self.vss[v].services.clone() {
            let _ = self.ipvs.set_weight(&key, rs, weight);
        }
        let vs = self.vss[v].name.clone();
        self.events
            .push_back(DirectorEvent::WeightChanged { at, vs, rs, weight });
    }

    /// Remove a destination; the event only when it was in the table (keepalived's `rs->set`).
    fn ipvs_remove(&mut self, v: usize, rs: SocketAddr, at: Instant) {
        let mut removed = false;
        for key in self.vss[v].services.clone() {
            removed |= self.ipvs.del_dest(&key, rs).is_ok();
        }
        if removed {
            let vs = self.vss[v].name.clone();
            self.events
                .push_back(DirectorEvent::ServerRemoved { at, vs, rs });
        }
    }

    fn ipvs_add(&mut self, v: usize, d: DestConfig, at: Instant) {
        let rs = SocketAddr::new(d.addr, d.port);
        for key in self.vss[v].services.clone() {
            if self.ipvs.add_dest(&key, d).is_err() {
                let _ = self.ipvs.edit_dest(&key, d);
            }
        }
        let vs = self.vss[v].name.clone();
        self.events.push_back(DirectorEvent::ServerAdded {
            at,
            vs,
            rs,
            weight: d.weight,
        });
    }

    /// Carry out a real server's actions. IPVS changes happen only while the virtual server has
    /// quorum or no sorry server is in place (`perform_svr_state`).
    fn apply(&mut self, v: usize, r: usize, actions: Vec<RsAction>) {
        let dest = self.vss[v].rss[r].dest;
        let rs = SocketAddr::new(dest.addr, dest.port);
        let touch_ipvs = !self.vss[v].sorry_in;
        let name = self.vss[v].name.clone();
        for a in actions {
            match a {
                RsAction::Add { at, weight } => {
                    if touch_ipvs {
                        self.ipvs_add(v, DestConfig { weight, ..dest }, at);
                    }
                }
                RsAction::Remove { at } => {
                    if touch_ipvs {
                        self.ipvs_remove(v, rs, at);
                    }
                }
                RsAction::SetWeight { at, weight } => {
                    if touch_ipvs {
                        for key in self.vss[v].services.clone() {
                            let _ = self.ipvs.set_weight(&key, rs, weight);
                        }
                        self.events.push_back(DirectorEvent::WeightChanged {
                            at,
                            vs: name.clone(),
                            rs,
                            weight,
                        });
                    }
                }
                RsAction::NotifyUp { at } => self.events.push_back(DirectorEvent::NotifyUp {
                    at,
                    vs: name.clone(),
                    rs,
                    script: self.vss[v].rss[r].notify_up.clone(),
                }),
                RsAction::NotifyDown { at } => self.events.push_back(DirectorEvent::NotifyDown {
                    at,
                    vs: name.clone(),
                    rs,
                    script: self.vss[v].rss[r].notify_down.clone(),
                }),
            }
        }
    }
}

/// FILE_CHECK and BFD_CHECK: the inputs that are not checker I/O.
impl Director {
    fn init_file_checkers(&mut self, v: usize, r: usize) {
        let (mut failed, mut offset) = (0, 0);
        for c in &mut self.vss[v].rss[r].checkers {
            if let CheckKind::File(f) = c.kind() {
                let value = self.files.get(&f.track_file).copied().unwrap_or(0);
                c.init_track_file(value);
                failed += u32::from(!c.is_up());
                offset += c.weight_contribution();
            }
        }
        self.vss[v].rss[r].health.preset(failed, offset);
    }

    /// A `track_file` now holds `value` (a missing file is 0). Before [`start`](Self::start) this is
    /// the value keepalived reads at startup; afterwards it is a write the FILE_CHECKs act on at once.
    pub fn set_track_file(&mut self, now: Instant, name: &str, value: i64) {
        self.files.insert(name.to_string(), value);
        if !self.started {
            return;
        }
        for v in 0..self.vss.len() {
            for r in 0..self.vss[v].rss.len() {
                for c in 0..self.vss[v].rss[r].checkers.len() {
                    let ch = &mut self.vss[v].rss[r].checkers[c];
                    if matches!(ch.kind(), CheckKind::File(f) if f.track_file == name) {
                        ch.handle_track_file(now, value);
                        self.collect(CheckerRef {
                            vs: v,
                            rs: r,
                            checker: c,
                        });
                    }
                }
            }
        }
    }

    /// The BFD sessions' names, neighbours and current states.
    pub fn bfd_sessions(&self) -> impl Iterator<Item = (&str, IpAddr, &BfdSession)> {
        self.bfd
            .iter()
            .map(|b| (b.plan.name.as_str(), b.plan.neighbor, &b.session))
    }

    /// The next BFD control packet to send.
    pub fn poll_bfd_transmit(&mut self) -> Option<BfdTransmit> {
        for b in &mut self.bfd {
            if let Some(p) = b.session.poll_transmit() {
                return Some(BfdTransmit {
                    instance: b.plan.name.clone(),
                    src: b.plan.source,
                    src_port: b.src_port,
                    dst: SocketAddr::new(b.plan.neighbor, BFD_CONTROL_PORT),
                    ttl: b.plan.config.ttl,
                    payload: p.encode().to_vec(),
                });
            }
        }
        None
    }

    /// A datagram to UDP port 3784 from `src`: the session is found by Your Discriminator, or by
    /// neighbour address when that is 0 (`bfd_handle_packet`). Returns false when no session took it.
    pub fn handle_bfd_packet(&mut self, now: Instant, src: IpAddr, payload: &[u8]) -> bool {
        if !self.started {
            return false;
        }
        let your = payload
            .get(8..12)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0);
        let idx = if your != 0 {
            self.bfd
                .iter()
                .position(|b| b.session.local_discr() == your)
        } else {
            self.bfd.iter().position(|b| b.plan.neighbor == src)
        };
        let Some(i) = idx else { return false };
        let ok = self.bfd[i].session.handle_packet(now, payload).is_ok();
        self.route_bfd();
        ok
    }

    /// Session events to the BFD_CHECKs that track them, state changes to the timeline.
    fn route_bfd(&mut self) {
        for i in 0..self.bfd.len() {
            while let Some(t) = self.bfd[i].session.poll_transition() {
                self.events.push_back(DirectorEvent::BfdState {
                    at: t.at,
                    instance: self.bfd[i].plan.name.clone(),
                    from: t.from,
                    to: t.to,
                    diag: t.diag,
                });
            }
            while let Some(e) = self.bfd[i].session.poll_event() {
                let name = self.bfd[i].plan.name.clone();
                for v in 0..self.vss.len() {
                    for r in 0..self.vss[v].rss.len() {
                        for c in 0..self.vss[v].rss[r].checkers.len() {
                            let ch = &mut self.vss[v].rss[r].checkers[c];
                            if matches!(ch.kind(), CheckKind::Bfd(b) if b.instance == name) {
                                ch.handle_bfd(e.at, e.up, e.diag);
                                self.collect(CheckerRef {
                                    vs: v,
                                    rs: r,
                                    checker: c,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
}
