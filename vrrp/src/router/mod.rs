//! The sans-IO VRRP router: one virtual router instance (one VRID, one address family).
//!
//! Read first: RFC 5798 §6 (parameters §6.1, timers §6.2, state machine §6.4.1–§6.4.3), its
//! receive checks §7.1, then RFC 3768 §6 for the v2 differences (Skew_Time independent of the
//! interval, no learning of the master's interval, interval mismatch discards, address-list
//! rule). keepalived's deviations are listed, with reasons, in [`keepalived`].
//!
//! This module owns protocol state and timers. It never reads a clock, touches a socket or
//! draws a random number: time is an argument, adverts come in as [`VrrpRepr`]s, and every
//! action is pulled out afterwards.
//!
//! # Driving a [`Router`]
//! 1. Build it from a [`RouterConfig`] (plain data), then call [`Router::start`].
//! 2. Feed inputs: [`Router::handle_advert`] (or [`Router::handle_frame`] for parsed frames,
//!    which also checks the checksum), [`Router::handle_timeout`] when `now` reaches
//!    [`Router::poll_timeout`], and admin commands ([`Router::shutdown`],
//!    [`Router::set_interface_up`], [`Router::set_track`], [`Router::set_priority`]).
//! 3. After each input drain [`Router::poll_transmit`] (frames, in order) and
//!    [`Router::poll_event`] (state changes, VIP add/remove, discards), then re-read
//!    [`Router::poll_timeout`].
//!
//! Inputs never fail: invalid adverts are discarded and counted (RFC 5798 §7.1), nonsense
//! commands are ignored.

mod config;
pub mod keepalived;
mod output;
mod sync;

use std::collections::VecDeque;
use std::net::IpAddr;

pub use config::{InitialState, Mode, RouterConfig, TrackConfig};
pub use output::{AdvertTx, Discard, Event, Reason, SrcMac, State, Stats, Transmit};
pub use sync::SyncGroup;

use crate::frame::{self, ParsedAdvert};
use crate::time::{Duration, Instant};
use crate::timing;
use crate::wire::{self, Family, Version, VrrpRepr};

/// The router's timers (RFC 5798 §6.2 plus keepalived's delayed gratuitous ARP).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// Master_Down_Timer (Backup).
    MasterDown,
    /// keepalived `garp_master_delay` burst (Master). Ordered before [`Timer::Adver`] so that
    /// a tie sends the ARPs first, as the captures show.
    GarpDelay,
    /// keepalived `garp_lower_prio_delay` burst (Master).
    GarpLowerPrio,
    /// Adver_Timer (Master).
    Adver,
}

const TIMERS: [Timer; 4] = [
    Timer::MasterDown,
    Timer::GarpDelay,
    Timer::GarpLowerPrio,
    Timer::Adver,
];

/// Current value of a tracked object.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TrackInput {
    /// Script succeeded / interface up / process running.
    Up,
    /// Script failed / interface down / process missing.
    Down,
    /// `track_file` value.
    Value(i64),
}

/// One VRRP virtual router instance. See the module docs for the calling order.
#[derive(Clone, Debug)]
pub struct Router {
    cfg: RouterConfig,
    state: State,
    base_priority: u8,
    effective_priority: u8,
    adver_int: Duration,
    master_adver_int: Duration,
    skew_time: Duration,
    master_down_interval: Duration,
    timers: [Option<Instant>; 4],
    interface_up: bool,
    track_inputs: Vec<Option<TrackInput>>,
    track_fault: bool,
    sync_member: bool,
    sync_fault: bool,
    wants_master: bool,
    preempt_time: Option<Instant>,
    /// End of keepalived's `vrrp_startup_delay`, set by [`Router::start`].
    delayed_start_until: Option<Instant>,
    garp_refresh_at: Option<Instant>,
    master_src: Option<IpAddr>,
    master_priority: u8,
    ipv4_id: u16,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    stats: Stats,
}

impl Router {
    /// A router in [`State::Initialize`]; nothing happens until [`Router::start`].
    pub fn new(cfg: RouterConfig) -> Router {
        let adver_int = Duration::from_centis(u64::from(cfg.adver_int_cs()));
        let base = cfg.priority;
        let mut r = Router {
            state: State::Initialize,
            base_priority: base,
            effective_priority: base,
            adver_int,
            master_adver_int: adver_int,
            skew_time: Duration::ZERO,
            master_down_interval: Duration::ZERO,
            timers: [None; 4],
            interface_up: true,
            track_inputs: vec![None; cfg.tracks.len()],
            track_fault: false,
            sync_member: false,
            sync_fault: false,
            wants_master: false,
            preempt_time: None,
            delayed_start_until: None,
            garp_refresh_at: None,
            master_src: None,
            master_priority: 0,
            ipv4_id: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
            cfg,
        };
        r.recompute_timing(true);
        r
    }

    // ----- accessors -----

    /// The configuration.
    pub fn config(&self) -> &RouterConfig {
        &self.cfg
    }
    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }
    /// Effective priority (base adjusted by tracking; 255 for the owner).
    pub fn priority(&self) -> u8 {
        self.effective_priority
    }
    /// Advertisement_Interval as sent on the wire.
    pub fn adver_int(&self) -> Duration {
        self.adver_int
    }
    /// Master_Adver_Interval (v3: learned from the master; v2: own interval).
    pub fn master_adver_int(&self) -> Duration {
        self.master_adver_int
    }
    /// Current Skew_Time.
    pub fn skew_time(&self) -> Duration {
        self.skew_time
    }
    /// Current Master_Down_Interval.
    pub fn master_down_interval(&self) -> Duration {
        self.master_down_interval
    }
    /// Deadline of one timer, if armed.
    pub fn timer(&self, t: Timer) -> Option<Instant> {
        self.timers[t as usize]
    }
    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// The source address of the last accepted advert (the master as this backup sees it).
    pub fn master_address(&self) -> Option<IpAddr> {
        self.master_src
    }
    /// Does this router, in its current state, accept packets addressed to the VIPs
    /// (RFC 5798 §6.4.3 Accept_Mode; the owner always does)? False unless Master.
    pub fn accepts_vip_traffic(&self) -> bool {
        self.state == State::Master && (self.cfg.accept_mode || self.base_priority == 255)
    }
    /// Does it answer ARP / ND for the VIPs (only the master, RFC 5798 §6.4.3)?
    pub fn owns_vips(&self) -> bool {
        self.state == State::Master
    }
    /// The MAC this router uses for adverts, GARP and ARP replies.
    pub fn src_mac(&self) -> SrcMac {
        if self.cfg.use_vmac {
            SrcMac::Virtual(frame::virtual_mac(self.cfg.family(), self.cfg.vrid))
        } else {
            SrcMac::Interface
        }
    }
    /// True once a sync-group member's Master_Down_Timer has fired and it waits for the group.
    pub fn wants_master(&self) -> bool {
        self.wants_master
    }

    // ----- outputs -----

    /// Next frame to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }
    /// Next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
    /// Earliest armed timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.iter().flatten().min().copied()
    }

    // ----- inputs -----

    /// Startup event (RFC 5798 §6.4.1): the owner becomes Master at once (keepalived: only with
    /// `state MASTER`), everyone else enters Backup with Master_Down_Timer = MDI. Goes to Fault
    /// instead when the interface is down or a zero-weight track has failed.
    pub fn start(&mut self, now: Instant) {
        if self.state != State::Initialize {
            return;
        }
        self.delayed_start_until =
            (self.cfg.startup_delay > Duration::ZERO).then(|| now + self.cfg.startup_delay);
        self.recompute_priority(now);
        if self.is_faulty() {
            let reason = if !self.interface_up {
                Reason::InterfaceDown
            } else if self.track_fault {
                Reason::TrackFault
            } else {
                Reason::SyncGroup
            };
            self.set_state(State::Fault, reason);
            return;
        }
        match (self.starts_as_owner(), self.delayed_start_until) {
            (true, None) => self.become_master(now, Reason::OwnerStartup),
            (true, Some(end)) => {
                // keepalived vrrp_state_goto_master holds the owner's first advert until the delay ends.
                self.enter_backup(now, Reason::Startup);
                self.timers[Timer::MasterDown as usize] = Some(end);
            }
            (false, _) => self.enter_backup(now, Reason::Startup),
        }
    }

    /// Shutdown event (RFC 5798 §6.4.3): a master cancels Adver_Timer, sends one advert with
    /// priority 0 and removes its VIPs; every state ends in Initialize with no timer armed.
    pub fn shutdown(&mut self, now: Instant) {
        let _ = now;
        match self.state {
            State::Initialize => return,
            State::Master => {
                self.send_advert(0);
                self.release_vips();
            }
            State::Backup | State::Fault => {}
        }
        self.timers = [None; 4];
        self.wants_master = false;
        self.set_state(State::Initialize, Reason::Shutdown);
    }

    /// Interface (carrier) change. Down: Master and Backup go to Fault (a master cannot send its
    /// priority-0 advert on a dead link). Up: leaves Fault when nothing else holds it there.
    pub fn set_interface_up(&mut self, now: Instant, up: bool) {
        if self.interface_up == up {
            return;
        }
        self.interface_up = up;
        if !up {
            self.enter_fault(now, Reason::InterfaceDown, false);
        } else {
            self.leave_fault_if_clear(now, Reason::InterfaceUp);
        }
    }

    /// Updates a tracked object (by [`TrackConfig::id`]; unknown ids are ignored) and applies
    /// the new effective priority or Fault.
    pub fn set_track(&mut self, now: Instant, id: &str, input: TrackInput) {
        let Some(i) = self.cfg.tracks.iter().position(|t| t.id == id) else {
            return;
        };
        self.track_inputs[i] = Some(input);
        self.apply_tracking(now);
    }

    /// keepalived's reload (SIGHUP) of an instance it finds again in the new configuration (keepalived
    /// `vrrp_exist`: same VRID, family, interface, unicast mode, VMAC and multicast group; the caller decides
    /// that). The instance keeps its state and takes `cfg` (keepalived `restore_vrrp_state` and
    /// `vrrp_init_state` on reload): a master advertises at once with the new values (`reload_master`: its
    /// timer is due now) and its addresses follow the new lists; a backup restarts its Master_Down_Timer with
    /// the new values. Tracked inputs are kept for the track ids that remain; a track that now fails (or
    /// recovers) moves the instance into (out of) Fault as usual. Before [`Router::start`] it only replaces
    /// the configuration.
    pub fn reload(&mut self, now: Instant, cfg: RouterConfig) {
        let inputs: Vec<Option<TrackInput>> = cfg
            .tracks
            .iter()
            .map(|t| {
                self.cfg
                    .tracks
                    .iter()
                    .position(|o| o.id == t.id)
                    .and_then(|i| self.track_inputs.get(i).copied().flatten())
            })
            .collect();
        let old_addrs = self.managed_addresses();
        let was_faulty = self.track_fault;
        self.track_inputs = inputs;
        self.base_priority = cfg.priority;
        self.adver_int = Duration::from_centis(u64::from(cfg.adver_int_cs()));
        self.cfg = cfg;
        self.recompute_priority(now);
        match self.state {
            State::Initialize => {
                self.master_adver_int = self.adver_int;
                self.recompute_timing(true);
                return;
            }
            State::Master => {
                self.master_adver_int = self.adver_int;
                self.recompute_timing(true);
                let new_addrs = self.managed_addresses();
                let gone: Vec<IpAddr> = old_addrs
                    .iter()
                    .filter(|a| !new_addrs.contains(a))
                    .copied()
                    .collect();
                let added: Vec<IpAddr> = new_addrs
                    .iter()
                    .filter(|a| !old_addrs.contains(a))
                    .copied()
                    .collect();
                if !gone.is_empty() {
                    self.events.push_back(Event::RemoveAddresses(gone));
                }
                if !added.is_empty() {
                    self.events.push_back(Event::AddAddresses(added));
                }
                if !self.track_fault {
                    self.send_advert(self.effective_priority);
                    self.timers[Timer::Adver as usize] = Some(now + self.adver_int);
                }
            }
            State::Backup => {
                self.master_adver_int = self.adver_int;
                self.recompute_timing(true);
                self.timers[Timer::MasterDown as usize] = Some(now + self.master_down_interval);
            }
            State::Fault => {}
        }
        if self.track_fault && !was_faulty {
            self.enter_fault(now, Reason::TrackFault, true);
        } else if !self.track_fault && was_faulty {
            self.leave_fault_if_clear(now, Reason::TrackRecovered);
        }
    }

    /// Changes the configured (base) priority at run time, 1-255.
    pub fn set_priority(&mut self, now: Instant, priority: u8) {
        self.base_priority = priority.max(1);
        self.apply_tracking(now);
    }

    /// Timer expiry: processes every timer whose deadline is ≤ `now`, earliest first.
    pub fn handle_timeout(&mut self, now: Instant) {
        // Bounded: each pass disarms or pushes forward the timer it handles.
        for _ in 0..16 {
            let due = TIMERS
                .iter()
                .filter_map(|t| self.timers[*t as usize].map(|d| (d, *t)))
                .filter(|(d, _)| *d <= now)
                .min();
            let Some((_, timer)) = due else { return };
            self.timers[timer as usize] = None;
            match (timer, self.state) {
                (Timer::MasterDown, State::Backup) => self.master_down_fired(now),
                (Timer::Adver, State::Master) => self.adver_fired(now),
                (Timer::GarpDelay, State::Master) => self.send_garps(self.cfg.garp_master_repeat),
                (Timer::GarpLowerPrio, State::Master) => {
                    self.send_garps(self.cfg.garp_lower_prio_repeat)
                }
                _ => {}
            }
        }
    }

    /// A parsed frame: checks the checksum form, then [`Router::handle_advert`].
    pub fn handle_frame(&mut self, now: Instant, adv: &ParsedAdvert) {
        let v3_ipv4 = adv.repr.version == Version::V3 && adv.src_ip.is_ipv4();
        let ok = match adv.checksum {
            // keepalived ≥ 2.2.8 with v3_checksum_as_v2 does not verify a v3/IPv4 checksum at all.
            _ if v3_ipv4 && keepalived::skips_v3_checksum_check(&self.cfg) => true,
            None => false,
            // v2/IPv4 and v3/IPv6 have one form; for v3/IPv4 and v2/IPv6 the router's must match
            // (keepalived's kernel drops a v2-over-IPv6 advert without the pseudo-header).
            Some(form) => form.same_for(
                self.cfg.wire_checksum_form(),
                adv.repr.version,
                Family::of(&adv.src_ip),
            ),
        };
        if !ok {
            self.discard(adv.src_ip, Discard::BadChecksum);
            return;
        }
        self.handle_advert(now, adv.src_ip, adv.dst_ip, adv.ttl, &adv.repr);
    }

    /// A received advert whose checksum the caller has verified (RFC 5798 §7.1 receive checks
    /// happen here, then §6.4.2 / §6.4.3).
    pub fn handle_advert(
        &mut self,
        now: Instant,
        src_ip: IpAddr,
        dst_ip: IpAddr,
        ttl: u8,
        repr: &VrrpRepr,
    ) {
        if !matches!(self.state, State::Backup | State::Master) {
            self.discard(src_ip, Discard::NotRunning);
            return;
        }
        if let Err(d) = self.validate(src_ip, dst_ip, ttl, repr) {
            self.discard(src_ip, d);
            return;
        }
        self.stats.adverts_received += 1;
        if repr.priority == 0 {
            self.stats.priority_zero_received += 1;
        }
        match self.state {
            State::Backup => self.backup_rx(now, src_ip, repr),
            State::Master => self.master_rx(now, src_ip, repr),
            State::Initialize | State::Fault => {}
        }
        // A learned interval of 0 (v3, accepted by RFC 5798 and keepalived) gives a zero
        // Master_Down_Interval: the timer is due now, so run it now.
        self.fire_due_master_down(now);
    }

    // ----- sync-group hooks (used by SyncGroup) -----

    pub(crate) fn set_sync_member(&mut self, member: bool) {
        self.sync_member = member;
    }

    pub(crate) fn sync_force_master(&mut self, now: Instant) {
        if matches!(self.state, State::Backup) {
            self.become_master(now, Reason::SyncGroup);
        }
    }

    pub(crate) fn sync_force_backup(&mut self, now: Instant) {
        if self.state == State::Master {
            self.leave_master_to_backup(now, Reason::SyncGroup);
        }
        self.wants_master = false;
    }

    pub(crate) fn sync_set_fault(&mut self, now: Instant, fault: bool) {
        if self.sync_fault == fault {
            return;
        }
        self.sync_fault = fault;
        if fault {
            self.enter_fault(now, Reason::SyncGroup, true);
        } else {
            self.leave_fault_if_clear(now, Reason::SyncGroup);
        }
    }

    pub(crate) fn own_fault(&self) -> bool {
        !self.interface_up || self.track_fault
    }

    // ----- internals -----

    fn is_faulty(&self) -> bool {
        self.own_fault() || self.sync_fault
    }

    /// When a Master_Down_Timer armed now for `wait` expires: keepalived `vrrp_init_instance_sands` runs it
    /// from the end of `vrrp_startup_delay` while the delay lasts.
    fn down_deadline(&self, now: Instant, wait: Duration) -> Instant {
        match self.delayed_start_until {
            Some(end) if now < end => end + wait,
            _ => now + wait,
        }
    }

    fn starts_as_owner(&self) -> bool {
        self.effective_priority == 255
            && (self.cfg.mode != Mode::Keepalived || self.cfg.initial_state == InitialState::Master)
    }

    fn preempts(&self) -> bool {
        self.cfg.preempt || self.effective_priority == 255
    }

    fn family(&self) -> Family {
        self.cfg.family()
    }

    /// Skew_Time and Master_Down_Interval from the current Master_Adver_Interval.
    /// RFC 5798 §6.4.2 recomputes only Master_Down_Interval when a backup learns a new
    /// interval; RFC 9568 and keepalived recompute Skew_Time too (`with_skew`).
    fn recompute_timing(&mut self, with_skew: bool) {
        let v = self.cfg.version;
        let mai = match v {
            Version::V2 => self.adver_int,
            Version::V3 => self.master_adver_int,
        };
        if with_skew {
            self.skew_time = self.skew_for(self.effective_priority, mai);
        }
        self.master_down_interval =
            mai * u64::from(self.cfg.down_timer_adverts.max(1)) + self.skew_time;
    }

    fn skew_for(&self, priority: u8, mai: Duration) -> Duration {
        let skew = timing::skew_time(self.cfg.version, priority, mai);
        if self.cfg.mode == Mode::Keepalived {
            // keepalived keeps timers in whole microseconds (VRRP_TIMER_SKEW).
            Duration::from_micros(skew.as_micros())
        } else {
            skew
        }
    }

    fn set_state(&mut self, to: State, reason: Reason) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        self.events
            .push_back(Event::StateChanged { from, to, reason });
    }

    fn discard(&mut self, src: IpAddr, reason: Discard) {
        *self.stats.discards.entry(reason.name()).or_insert(0) += 1;
        self.events.push_back(Event::Discarded { src, reason });
    }

    fn enter_backup(&mut self, now: Instant, reason: Reason) {
        self.master_adver_int = self.adver_int;
        self.recompute_timing(true);
        self.timers = [None; 4];
        self.timers[Timer::MasterDown as usize] =
            Some(self.down_deadline(now, self.master_down_interval));
        self.preempt_time = None;
        self.set_state(State::Backup, reason);
    }

    fn become_master(&mut self, now: Instant, reason: Reason) {
        self.wants_master = false;
        self.timers = [None; 4];
        self.set_state(State::Master, reason);
        self.stats.become_master += 1;
        // keepalived vrrp_state_master_tx: the advert goes first so the old master drops the
        // VIPs before the gratuitous ARPs arrive (RFC 5798 §6.4.1/§6.4.2 list the same order).
        self.send_advert(self.effective_priority);
        self.events
            .push_back(Event::AddAddresses(self.managed_addresses()));
        self.send_garps(self.cfg.garp_master_repeat.max(1));
        self.timers[Timer::Adver as usize] = Some(now + self.adver_int);
        if self.cfg.garp_master_delay > Duration::ZERO {
            self.timers[Timer::GarpDelay as usize] = Some(now + self.cfg.garp_master_delay);
        }
        self.garp_refresh_at = (self.cfg.garp_master_refresh > Duration::ZERO)
            .then(|| now + self.cfg.garp_master_refresh);
    }

    /// VIPs then excluded addresses: everything the master configures.
    fn managed_addresses(&self) -> Vec<IpAddr> {
        let mut v = self.cfg.virtual_addresses.clone();
        v.extend_from_slice(&self.cfg.excluded_addresses);
        v
    }

    fn release_vips(&mut self) {
        self.stats.release_master += 1;
        self.events
            .push_back(Event::RemoveAddresses(self.managed_addresses()));
        self.garp_refresh_at = None;
    }

    fn leave_master_to_backup(&mut self, now: Instant, reason: Reason) {
        self.release_vips();
        self.timers = [None; 4];
        self.recompute_timing(true);
        self.timers[Timer::MasterDown as usize] =
            Some(self.down_deadline(now, self.master_down_interval));
        self.preempt_time = None;
        self.set_state(State::Backup, reason);
    }

    fn enter_fault(&mut self, now: Instant, reason: Reason, link_up: bool) {
        let _ = now;
        match self.state {
            State::Master => {
                // keepalived vrrp_state_leave_master (wantstate FAULT) sends priority 0 so the
                // backup takes over after Skew_Time; impossible when the link itself is down.
                if link_up && self.interface_up {
                    self.send_advert(0);
                }
                self.release_vips();
            }
            State::Backup => {}
            State::Initialize | State::Fault => {
                if self.state == State::Initialize {
                    return;
                }
            }
        }
        self.timers = [None; 4];
        self.wants_master = false;
        self.set_state(State::Fault, reason);
    }

    fn leave_fault_if_clear(&mut self, now: Instant, reason: Reason) {
        if self.state != State::Fault || self.is_faulty() {
            return;
        }
        self.master_adver_int = self.adver_int;
        self.recompute_timing(true);
        if self.effective_priority == 255 && self.cfg.mode != Mode::Keepalived {
            // RFC 5798 §6.4.1: the owner goes straight to Master.
            self.become_master(now, reason);
            return;
        }
        let wait =
            if self.effective_priority == 255 && self.cfg.initial_state == InitialState::Master {
                // keepalived try_up_instance: an owner waits one interval + skew for a master.
                self.adver_int + self.skew_time
            } else {
                self.master_down_interval
            };
        self.timers = [None; 4];
        self.timers[Timer::MasterDown as usize] = Some(self.down_deadline(now, wait));
        self.preempt_time = None;
        self.set_state(State::Backup, reason);
    }

    fn apply_tracking(&mut self, now: Instant) {
        let was_faulty = self.track_fault;
        self.recompute_priority(now);
        if self.state == State::Initialize {
            return;
        }
        if self.track_fault && !was_faulty {
            self.enter_fault(now, Reason::TrackFault, true);
        } else if !self.track_fault && was_faulty {
            self.leave_fault_if_clear(now, Reason::TrackRecovered);
        }
        // A priority rise can pull the shifted Master_Down_Timer into the past; keepalived
        // then expires it on its next pass, i.e. now.
        self.fire_due_master_down(now);
    }

    /// Runs a Master_Down_Timer that an input just moved to `now` or earlier. Other overdue
    /// timers are left to the caller's `handle_timeout`, which owns event ordering.
    fn fire_due_master_down(&mut self, now: Instant) {
        let slot = Timer::MasterDown as usize;
        if self.state == State::Backup && self.timers[slot].is_some_and(|t| t <= now) {
            self.timers[slot] = None;
            self.master_down_fired(now);
        }
    }

    /// keepalived `vrrp_set_effective_priority` and track weights.
    fn recompute_priority(&mut self, _now: Instant) {
        let mut total: i64 = i64::from(self.base_priority);
        let mut fault = false;
        for (t, input) in self.cfg.tracks.iter().zip(&self.track_inputs) {
            let Some(input) = input else { continue };
            let w = i64::from(t.weight);
            match *input {
                TrackInput::Up | TrackInput::Down => {
                    let up = (*input == TrackInput::Up) != t.reverse;
                    if w == 0 {
                        fault |= !up;
                    } else if (w > 0) == up {
                        // Positive weights add while up, negative ones while down.
                        total += w;
                    }
                }
                TrackInput::Value(v) => {
                    if w == 0 {
                        fault |= v != 0;
                    } else {
                        let c = v.saturating_mul(w);
                        let c = if t.reverse { -c } else { c };
                        // keepalived: a tracked file value at or below -254 means FAULT.
                        if c <= -254 {
                            fault = true;
                        } else {
                            total += c;
                        }
                    }
                }
            }
        }
        self.track_fault = fault;
        let new = if self.base_priority == 255 {
            255
        } else {
            total.clamp(1, 254) as u8
        };
        if new != self.effective_priority {
            let from = self.effective_priority;
            let old_mdi = self.master_down_interval;
            self.effective_priority = new;
            self.recompute_timing(true);
            self.events
                .push_back(Event::PriorityChanged { from, to: new });
            if self.state == State::Backup && self.cfg.mode == Mode::Keepalived {
                // keepalived shifts the running down timer by the change in MDI.
                if let Some(d) = self.timers[Timer::MasterDown as usize] {
                    let nd = if self.master_down_interval >= old_mdi {
                        d + (self.master_down_interval - old_mdi)
                    } else {
                        d - (old_mdi - self.master_down_interval)
                    };
                    self.timers[Timer::MasterDown as usize] = Some(nd);
                }
            }
        }
    }

    fn master_down_fired(&mut self, now: Instant) {
        if self.sync_member {
            // keepalived vrrp_sync_can_goto_master: wait until every member wants master.
            self.wants_master = true;
            self.timers[Timer::MasterDown as usize] =
                Some(self.down_deadline(now, self.master_down_interval));
            self.events.push_back(Event::WantMaster);
            return;
        }
        self.become_master(now, Reason::MasterDownTimer);
    }

    fn adver_fired(&mut self, now: Instant) {
        // RFC 5798 §6.4.3: send an ADVERTISEMENT, reset the Adver_Timer.
        self.send_advert(self.effective_priority);
        self.timers[Timer::Adver as usize] = Some(now + self.adver_int);
        if let Some(at) = self.garp_refresh_at {
            if now >= at {
                self.send_garps(self.cfg.garp_master_refresh_repeat.max(1));
                self.garp_refresh_at = Some(now + self.cfg.garp_master_refresh);
            }
        }
    }

    fn send_advert(&mut self, priority: u8) {
        let repr = VrrpRepr {
            version: self.cfg.version,
            vrid: self.cfg.vrid,
            priority,
            max_adver_int_cs: self.cfg.adver_int_cs(),
            v3_reserved: 0,
            auth: if self.cfg.version == Version::V2 {
                self.cfg.auth
            } else {
                wire::Auth::None
            },
            addresses: self.cfg.virtual_addresses.clone(),
        };
        let dsts: Vec<IpAddr> = if self.cfg.unicast_peers.is_empty() {
            vec![self.cfg.mcast_dst.unwrap_or(match self.family() {
                Family::V4 => IpAddr::V4(wire::MULTICAST_V4),
                Family::V6 => IpAddr::V6(wire::MULTICAST_V6),
            })]
        } else {
            self.cfg.unicast_peers.clone()
        };
        let src_mac = if self.cfg.vmac_xmit_base {
            SrcMac::Interface
        } else {
            self.src_mac()
        };
        for dst_ip in dsts {
            self.ipv4_id = self.ipv4_id.wrapping_add(1);
            if self.ipv4_id == 0 {
                // keepalived: "kernel will fill in ID if left to 0, so we overflow to 1".
                self.ipv4_id = 1;
            }
            self.stats.adverts_sent += 1;
            if priority == 0 {
                self.stats.priority_zero_sent += 1;
            }
            self.transmits.push_back(Transmit::Advert(AdvertTx {
                repr: repr.clone(),
                src_ip: self.cfg.primary_ip,
                dst_ip,
                src_mac,
                ipv4_id: self.ipv4_id,
                checksum_form: self.cfg.wire_checksum_form(),
            }));
        }
    }

    fn send_garps(&mut self, repeat: u32) {
        let src_mac = self.src_mac();
        // keepalived vrrp_send_link_update: `repeat` rounds over all VIPs.
        for _ in 0..repeat {
            for vip in self
                .cfg
                .virtual_addresses
                .iter()
                .chain(&self.cfg.excluded_addresses)
            {
                let tx = match vip {
                    IpAddr::V4(v4) => Transmit::GratuitousArp { vip: *v4, src_mac },
                    IpAddr::V6(v6) => {
                        let src_ip = match self.cfg.primary_ip {
                            IpAddr::V6(s) => s,
                            IpAddr::V4(_) => continue,
                        };
                        Transmit::UnsolicitedNa {
                            vip: *v6,
                            src_ip,
                            src_mac,
                        }
                    }
                };
                self.stats.garps_sent += 1;
                self.transmits.push_back(tx);
            }
        }
    }

    /// RFC 3768 §7.1 / RFC 5798 §7.1 receive checks, per mode.
    fn validate(
        &mut self,
        src_ip: IpAddr,
        dst_ip: IpAddr,
        ttl: u8,
        repr: &VrrpRepr,
    ) -> Result<(), Discard> {
        let mode = self.cfg.mode;
        let unicast = !self.cfg.unicast_peers.is_empty();
        // "MUST verify that the IP TTL is 255" — keepalived skips it for unicast.
        if ttl != wire::TTL && !(mode == Mode::Keepalived && unicast) {
            return Err(Discard::Ttl(ttl));
        }
        if repr.version != self.cfg.version {
            return Err(Discard::Version(repr.version.number()));
        }
        if repr.vrid != self.cfg.vrid {
            return Err(Discard::Vrid(repr.vrid));
        }
        let fam = self.family();
        if Family::of(&src_ip) != fam || repr.addresses.iter().any(|a| Family::of(a) != fam) {
            return Err(Discard::Family);
        }
        if repr.version == Version::V2 {
            // RFC 3768 §7.1: auth type and data must match; Adver Int must match.
            if repr.auth != self.cfg.auth {
                return Err(Discard::Auth);
            }
            if repr.max_adver_int_cs != self.cfg.adver_int_cs() {
                return Err(Discard::Interval {
                    received_cs: repr.max_adver_int_cs,
                    local_cs: self.cfg.adver_int_cs(),
                });
            }
        }
        if mode == Mode::Rfc9568 && repr.version == Version::V3 {
            // RFC 9568 errata 8299, 8301, 8300.
            if repr.addresses.is_empty() {
                return Err(Discard::ZeroCount);
            }
            if repr.max_adver_int_cs == 0 {
                return Err(Discard::ZeroInterval);
            }
            if let Some(IpAddr::V6(first)) = repr.addresses.first() {
                if (first.segments()[0] & 0xffc0) != 0xfe80 {
                    return Err(Discard::FirstNotLinkLocal);
                }
            }
        }
        if mode == Mode::Keepalived && dst_ip.is_multicast() == unicast {
            return Err(Discard::CastMismatch);
        }
        if unicast && self.cfg.check_unicast_src && !self.cfg.unicast_peers.contains(&src_ip) {
            return Err(Discard::UnknownPeer);
        }
        let list_matches = self.address_list_matches(repr);
        match mode {
            // RFC 3768 §7.1: drop a mismatching list unless the sender is the owner.
            Mode::Rfc3768 if !list_matches && repr.priority != 255 => {
                return Err(Discard::AddressList)
            }
            Mode::Rfc5798 | Mode::Rfc9568 if !list_matches => {
                self.events
                    .push_back(Event::AddressListMismatch { src: src_ip });
            }
            Mode::Keepalived => {
                let skip = self.cfg.skip_check_adv_addr && self.master_src == Some(src_ip);
                if !skip && !list_matches {
                    return Err(Discard::AddressList);
                }
            }
            _ => {}
        }
        // RFC 3768 / RFC 5798 §7.1: "If the local router is the IP address owner ... MUST
        // discard"; RFC 9568 (erratum 8298) only logs; keepalived handles it in master_rx.
        if self.base_priority == 255 && matches!(mode, Mode::Rfc3768 | Mode::Rfc5798) {
            return Err(Discard::LocalOwner);
        }
        Ok(())
    }

    /// keepalived compares the count and that every configured VIP is present; the RFCs speak
    /// of the list "matching", which we read the same way (order-insensitive).
    fn address_list_matches(&self, repr: &VrrpRepr) -> bool {
        repr.addresses.len() == self.cfg.virtual_addresses.len()
            && self
                .cfg
                .virtual_addresses
                .iter()
                .all(|a| repr.addresses.contains(a))
    }

    /// RFC 5798 §6.4.2 (Backup) with keepalived's preempt_delay.
    fn backup_rx(&mut self, now: Instant, src_ip: IpAddr, repr: &VrrpRepr) {
        if repr.priority == 0 {
            // "Set the Master_Down_Timer to Skew_Time".
            self.timers[Timer::MasterDown as usize] = Some(self.down_deadline(now, self.skew_time));
            return;
        }
        let delay_holds = self.cfg.preempt_delay > Duration::ZERO
            && !matches!(self.preempt_time, Some(t) if t <= now);
        if !self.preempts() || repr.priority >= self.effective_priority || delay_holds {
            if self.cfg.version == Version::V3 {
                // "Set Master_Adver_Interval to Adver Interval contained in the ADVERTISEMENT;
                // Recompute the Master_Down_Interval".
                self.master_adver_int = repr.adver_int();
                self.recompute_timing(self.cfg.mode != Mode::Rfc5798);
            }
            self.timers[Timer::MasterDown as usize] =
                Some(self.down_deadline(now, self.master_down_interval));
            self.master_src = Some(src_ip);
            self.master_priority = repr.priority;
            self.wants_master = false;
            if self.cfg.preempt_delay > Duration::ZERO {
                if repr.priority >= self.effective_priority {
                    self.preempt_time = None;
                } else if self.preempt_time.is_none() {
                    self.preempt_time = Some(now + self.cfg.preempt_delay);
                }
            }
        } else {
            // Preempt_Mode True and a lower priority: "discard the ADVERTISEMENT".
            self.discard(src_ip, Discard::LowerPriority);
        }
    }

    /// RFC 5798 §6.4.3 (Master) with keepalived's extras.
    fn master_rx(&mut self, now: Instant, src_ip: IpAddr, repr: &VrrpRepr) {
        let addr_cmp = src_ip.cmp(&self.cfg.primary_ip);
        if repr.priority == 0 {
            // "Send an ADVERTISEMENT; Reset the Adver_Timer" (keepalived does not reset it).
            self.send_advert(self.effective_priority);
            if self.cfg.mode != Mode::Keepalived {
                self.timers[Timer::Adver as usize] = Some(now + self.adver_int);
            }
            return;
        }
        if self.cfg.mode == Mode::Keepalived
            && repr.priority == 255
            && self.effective_priority == 255
            && addr_cmp != core::cmp::Ordering::Equal
        {
            // keepalived: "both configured as address owner ... reducing local priority".
            self.base_priority = 254;
            let from = self.effective_priority;
            self.effective_priority = 254;
            self.recompute_timing(true);
            self.events.push_back(Event::OwnerConflict { src: src_ip });
            self.events
                .push_back(Event::PriorityChanged { from, to: 254 });
        }
        let higher = repr.priority > self.effective_priority;
        let tie_lost =
            repr.priority == self.effective_priority && addr_cmp == core::cmp::Ordering::Greater;
        if !higher
            && repr.priority == self.effective_priority
            && addr_cmp == core::cmp::Ordering::Equal
        {
            // keepalived: "equal priority advert received from remote host with our IP
            // address" — logged, nothing sent.
            self.discard(src_ip, Discard::OwnAddress);
            return;
        }
        if higher || tie_lost {
            if self.cfg.higher_prio_send_advert {
                self.send_advert(self.effective_priority);
            }
            if self.cfg.version == Version::V3 {
                self.master_adver_int = repr.adver_int();
            }
            self.master_src = Some(src_ip);
            self.master_priority = repr.priority;
            let reason = if higher {
                Reason::HigherPriority
            } else {
                Reason::EqualPriorityHigherAddress
            };
            self.leave_master_to_backup(now, reason);
        } else {
            // "discard the ADVERTISEMENT"; RFC 9568 and keepalived answer with an advert so
            // that learning bridges and the lower-priority router see the master.
            self.discard(src_ip, Discard::LowerPriority);
            if !self.cfg.lower_prio_no_advert {
                self.send_advert(self.effective_priority);
            }
            if self.cfg.garp_lower_prio_repeat > 0 {
                // keepalived: "We receive a lower prio adv we just refresh remote ARP cache",
                // again after garp_lower_prio_delay (one pending repeat at a time here).
                self.send_garps(self.cfg.garp_lower_prio_repeat);
                let slot = &mut self.timers[Timer::GarpLowerPrio as usize];
                if self.cfg.garp_lower_prio_delay > Duration::ZERO && slot.is_none() {
                    *slot = Some(now + self.cfg.garp_lower_prio_delay);
                }
            }
        }
    }
}
