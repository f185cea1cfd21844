//! BFD (RFC 5880 asynchronous mode, RFC 5881 single hop over UDP 3784) as keepalived 2.2.7's BFD
//! process runs it for a `bfd_instance`, plus the control-packet codec. `BFD_CHECK` follows the
//! session's Up/Down events (check_bfd.c), so this module owns both the wire and the timing.
//!
//! Read keepalived's `bfd/bfd.c` (`bfd_build_packet`, `bfd_check_packet`, the tx/rx interval
//! helpers), `bfd/bfd_scheduler.c` (`bfd_handle_packet`, the sender / expire / reset threads,
//! `bfd_state_*`, `get_jitter`) and `bfd/bfd_event.c` first; every rule here is one of theirs. Where
//! keepalived departs from the RFC we copy keepalived and say so:
//!
//! - the Detection Time (`local_detect_time`) is the remote multiplier × max(our RequiredMinRx,
//!   the remote's DesiredMinTx) (RFC 5880 §6.8.4), recomputed only while the session is not Up or
//!   on a packet with Poll or Final;
//! - the expiry timer is armed when the session rises to Init and is pushed back on every packet
//!   only while Up (so a session stuck in Init falls after one Detection Time);
//! - packets sent while not Up advertise `idle_tx` as DesiredMinTx (RFC 5880 §6.8.3 wants ≥ 1 s);
//!   going Up starts a Poll Sequence when `idle_tx` differs from `min_tx`;
//! - the transmit interval is reduced by a random 10 %..25 % per packet (`get_jitter`: keepalived
//!   always keeps at least 10 %, the RFC only requires it for DetectMult 1);
//! - a session that goes Down from Up tells its clients (the checker) unless the remote said
//!   AdminDown (RFC 5880 §6.8.16: AdminDown is not a path failure), and at start every session
//!   reports its (Down) state once (`bfd_register_workers`);
//! - Down schedules a reset of the remote state one Detection Time later (`bfd_reset_thread`).
//!
//! Demand mode, the Echo function and authentication are not implemented by keepalived either:
//! packets with the A bit are dropped and the D bit is never sent.

use std::collections::VecDeque;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::time::{Duration, Instant};

/// UDP destination port of single-hop BFD control packets (RFC 5881 §4).
pub const BFD_CONTROL_PORT: u16 = 3784;
/// Lowest source port (RFC 5881 §4; keepalived's `BFD_MIN_PORT`).
pub const BFD_MIN_SRC_PORT: u16 = 49152;
/// Length of a control packet without authentication.
pub const BFD_PACKET_LEN: usize = 24;

/// `bfd.SessionState` / the State field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BfdState {
    /// 0: administratively down.
    AdminDown,
    /// 1.
    Down,
    /// 2.
    Init,
    /// 3.
    Up,
}

impl BfdState {
    fn from_bits(b: u8) -> BfdState {
        match b & 3 {
            0 => BfdState::AdminDown,
            1 => BfdState::Down,
            2 => BfdState::Init,
            _ => BfdState::Up,
        }
    }

    fn bits(self) -> u8 {
        match self {
            BfdState::AdminDown => 0,
            BfdState::Down => 1,
            BfdState::Init => 2,
            BfdState::Up => 3,
        }
    }
}

impl core::fmt::Display for BfdState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            BfdState::AdminDown => "AdminDown",
            BfdState::Down => "Down",
            BfdState::Init => "Init",
            BfdState::Up => "Up",
        })
    }
}

/// Diagnostic codes (RFC 5880 §4.1) keepalived uses.
pub mod diag {
    /// No diagnostic.
    pub const NONE: u8 = 0;
    /// Control Detection Time Expired.
    pub const EXPIRED: u8 = 1;
    /// Neighbor Signaled Session Down.
    pub const NEIGHBOR_DOWN: u8 = 3;
    /// Administratively Down.
    pub const ADMIN_DOWN: u8 = 7;
    /// Highest valid code (Reverse Concatenated Path Down).
    pub const MAX: u8 = 8;
}

/// A BFD control packet (RFC 5880 §4.1), without authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BfdPacket {
    /// Diag (5 bits).
    pub diag: u8,
    /// Sta.
    pub state: BfdState,
    /// P.
    pub poll: bool,
    /// F.
    pub final_: bool,
    /// C (control plane independent).
    pub cplane: bool,
    /// A (authentication present).
    pub auth: bool,
    /// D (demand).
    pub demand: bool,
    /// M (multipoint, must be 0).
    pub multipoint: bool,
    /// Detect Mult.
    pub detect_mult: u8,
    /// My Discriminator.
    pub my_discr: u32,
    /// Your Discriminator.
    pub your_discr: u32,
    /// Desired Min TX Interval, µs.
    pub desired_min_tx_us: u32,
    /// Required Min RX Interval, µs.
    pub required_min_rx_us: u32,
    /// Required Min Echo RX Interval, µs.
    pub required_min_echo_rx_us: u32,
}

/// Why a received control packet was discarded (bfd.c `bfd_check_packet` and the receive path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BfdDiscard {
    /// Shorter than 24 bytes, or the Length field differs from the datagram length.
    Length,
    /// Version is not 1.
    Version,
    /// Detect Mult is 0.
    ZeroMultiplier,
    /// M bit set.
    Multipoint,
    /// My Discriminator is 0.
    ZeroMyDiscr,
    /// Your Discriminator is 0 while State is Init or Up.
    ZeroYourDiscr,
    /// P and F both set.
    PollAndFinal,
    /// Diag above 8.
    BadDiag,
    /// A bit set (keepalived supports no authentication).
    Auth,
    /// Your Discriminator names no session of ours.
    UnknownDiscr,
}

impl BfdPacket {
    /// The 24 bytes on the wire.
    pub fn encode(&self) -> [u8; BFD_PACKET_LEN] {
        let mut b = [0u8; BFD_PACKET_LEN];
        b[0] = (1 << 5) | (self.diag & 0x1f);
        b[1] = (self.state.bits() << 6)
            | (u8::from(self.poll) << 5)
            | (u8::from(self.final_) << 4)
            | (u8::from(self.cplane) << 3)
            | (u8::from(self.auth) << 2)
            | (u8::from(self.demand) << 1)
            | u8::from(self.multipoint);
        b[2] = self.detect_mult;
        b[3] = BFD_PACKET_LEN as u8;
        b[4..8].copy_from_slice(&self.my_discr.to_be_bytes());
        b[8..12].copy_from_slice(&self.your_discr.to_be_bytes());
        b[12..16].copy_from_slice(&self.desired_min_tx_us.to_be_bytes());
        b[16..20].copy_from_slice(&self.required_min_rx_us.to_be_bytes());
        b[20..24].copy_from_slice(&self.required_min_echo_rx_us.to_be_bytes());
        b
    }

    /// Parse and apply keepalived's sanity checks (`bfd_check_packet`, then the A bit).
    pub fn decode(b: &[u8]) -> Result<BfdPacket, BfdDiscard> {
        let h: &[u8; BFD_PACKET_LEN] = b
            .get(..BFD_PACKET_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or(BfdDiscard::Length)?;
        if usize::from(h[3]) != b.len() {
            return Err(BfdDiscard::Length);
        }
        if h[0] >> 5 != 1 {
            return Err(BfdDiscard::Version);
        }
        let word = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let p = BfdPacket {
            diag: h[0] & 0x1f,
            state: BfdState::from_bits(h[1] >> 6),
            poll: h[1] & 0x20 != 0,
            final_: h[1] & 0x10 != 0,
            cplane: h[1] & 0x08 != 0,
            auth: h[1] & 0x04 != 0,
            demand: h[1] & 0x02 != 0,
            multipoint: h[1] & 0x01 != 0,
            detect_mult: h[2],
            my_discr: word(4),
            your_discr: word(8),
            desired_min_tx_us: word(12),
            required_min_rx_us: word(16),
            required_min_echo_rx_us: word(20),
        };
        if p.detect_mult == 0 {
            return Err(BfdDiscard::ZeroMultiplier);
        }
        if p.multipoint {
            return Err(BfdDiscard::Multipoint);
        }
        if p.my_discr == 0 {
            return Err(BfdDiscard::ZeroMyDiscr);
        }
        if p.your_discr == 0 && matches!(p.state, BfdState::Init | BfdState::Up) {
            return Err(BfdDiscard::ZeroYourDiscr);
        }
        if p.poll && p.final_ {
            return Err(BfdDiscard::PollAndFinal);
        }
        if p.diag > diag::MAX {
            return Err(BfdDiscard::BadDiag);
        }
        if p.auth {
            return Err(BfdDiscard::Auth);
        }
        Ok(p)
    }
}

/// A `bfd_instance` block's timers, resolved against keepalived's defaults (bfd.h): min_rx 10 ms,
/// min_tx 10 ms, idle_tx 1000 ms, multiplier 5, ttl 255, active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BfdConfig {
    /// `min_rx`: our Required Min RX Interval.
    pub min_rx: Duration,
    /// `min_tx`: our Desired Min TX Interval while Up.
    pub min_tx: Duration,
    /// `idle_tx`: our Desired Min TX Interval while not Up.
    pub idle_tx: Duration,
    /// `multiplier`: our Detect Mult.
    pub multiplier: u8,
    /// `passive`: send nothing until the remote has spoken.
    pub passive: bool,
    /// `ttl` / `hoplimit` of sent packets (RFC 5881 §5: 255).
    pub ttl: u8,
}

impl Default for BfdConfig {
    fn default() -> Self {
        BfdConfig {
            min_rx: Duration::from_millis(10),
            min_tx: Duration::from_millis(10),
            idle_tx: Duration::from_millis(1000),
            multiplier: 5,
            passive: false,
            ttl: 255,
        }
    }
}

fn us(d: Duration) -> u32 {
    u32::try_from(d.as_nanos() / 1_000).unwrap_or(u32::MAX)
}

fn from_us(x: u64) -> Duration {
    Duration::from_micros(x)
}

/// What a session reports to its clients (keepalived's `bfd_event_t`: Up, or Down for anything
/// else).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BfdEvent {
    /// When.
    pub at: Instant,
    /// true: the session is Up.
    pub up: bool,
    /// Our diagnostic at that moment (why it went down).
    pub diag: u8,
}

/// A session state change, for timelines and invariants (every change, reported or not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BfdTransition {
    /// When.
    pub at: Instant,
    /// From.
    pub from: BfdState,
    /// To.
    pub to: BfdState,
    /// Our diagnostic after the change.
    pub diag: u8,
}

/// One BFD session (one `bfd_instance`) as keepalived's BFD process runs it. Sans-IO: feed it
/// received control packets and time; take the packets to send and the events.
///
/// Call order: [`start`](Self::start) once; then whenever [`poll_timeout`](Self::poll_timeout) is
/// due call [`handle_timeout`](Self::handle_timeout), and give every packet from the neighbour to
/// [`handle_packet`](Self::handle_packet); after each call drain [`poll_transmit`](Self::poll_transmit),
/// [`poll_event`](Self::poll_event) and (optionally) [`poll_transition`](Self::poll_transition).
#[derive(Clone, Debug)]
pub struct BfdSession {
    cfg: BfdConfig,
    rng: ChaCha8Rng,
    started: bool,
    local_state: BfdState,
    remote_state: BfdState,
    local_discr: u32,
    remote_discr: u32,
    local_diag: u8,
    remote_diag: u8,
    remote_min_tx_us: u32,
    remote_min_rx_us: u32,
    remote_detect_mult: u8,
    poll: bool,
    final_: bool,
    local_tx_us: u32,
    remote_tx_us: u32,
    local_detect_us: u64,
    send_at: Option<Instant>,
    send_now: bool,
    expire_at: Option<Instant>,
    reset_at: Option<Instant>,
    last_seen: Option<Instant>,
    discarded: u64,
    out: VecDeque<BfdPacket>,
    events: VecDeque<BfdEvent>,
    transitions: VecDeque<BfdTransition>,
}

impl BfdSession {
    /// A session with `cfg`; `seed` feeds its discriminators and jitter (keepalived's `random()`).
    pub fn new(mut cfg: BfdConfig, seed: u64) -> BfdSession {
        // keepalived's parser refuses intervals below 1 ms (and a zero multiplier); a zero interval would
        // make the sender fire forever at one instant.
        let ms = Duration::from_millis(1);
        cfg.min_rx = cfg.min_rx.max(ms);
        cfg.min_tx = cfg.min_tx.max(ms);
        cfg.idle_tx = cfg.idle_tx.max(ms);
        cfg.multiplier = cfg.multiplier.max(1);
        let idle = us(cfg.idle_tx);
        BfdSession {
            cfg,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6266_645f_7365_7373),
            started: false,
            local_state: BfdState::Down,
            remote_state: BfdState::Down,
            local_discr: 0,
            remote_discr: 0,
            local_diag: diag::NONE,
            remote_diag: diag::NONE,
            remote_min_tx_us: 0,
            remote_min_rx_us: 0,
            remote_detect_mult: 0,
            poll: false,
            final_: false,
            local_tx_us: idle,
            remote_tx_us: 0,
            local_detect_us: 0,
            send_at: None,
            send_now: false,
            expire_at: None,
            reset_at: None,
            last_seen: None,
            discarded: 0,
            out: VecDeque::new(),
            events: VecDeque::new(),
            transitions: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &BfdConfig {
        &self.cfg
    }

    /// `bfd.SessionState`.
    pub fn state(&self) -> BfdState {
        self.local_state
    }

    /// `bfd.RemoteSessionState`.
    pub fn remote_state(&self) -> BfdState {
        self.remote_state
    }

    /// `bfd.LocalDiscr`.
    pub fn local_discr(&self) -> u32 {
        self.local_discr
    }

    /// `bfd.RemoteDiscr`.
    pub fn remote_discr(&self) -> u32 {
        self.remote_discr
    }

    /// Our diagnostic.
    pub fn diag(&self) -> u8 {
        self.local_diag
    }

    /// The Detection Time now in force (remote multiplier × agreed remote transmit interval).
    pub fn detection_time(&self) -> Duration {
        from_us(self.local_detect_us)
    }

    /// The interval we transmit at before jitter.
    pub fn tx_interval(&self) -> Duration {
        from_us(u64::from(self.local_tx_us))
    }

    /// When the last valid packet from the remote arrived.
    pub fn last_seen(&self) -> Option<Instant> {
        self.last_seen
    }

    /// When the session expires unless a packet arrives (only while Init or Up).
    pub fn expires_at(&self) -> Option<Instant> {
        self.expire_at
    }

    /// Packets discarded by the sanity checks.
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    /// `bfd_get_random_discr`: a non-zero random value.
    fn random_discr(&mut self) -> u32 {
        loop {
            let d = self.rng.next_u32();
            if d != 0 && d != self.local_discr {
                return d;
            }
        }
    }

    /// keepalived's `random()`: 31 bits.
    fn random31(&mut self) -> u64 {
        u64::from(self.rng.next_u32() >> 1)
    }

    /// `rand_intv(tx / 10, tx / 4)`.
    fn jitter_us(&mut self) -> u64 {
        let tx = u64::from(self.local_tx_us);
        let (min, max) = (tx / 10, tx / 4);
        ((max - min + 1) * self.random31()) / (1u64 << 31) + min
    }

    fn schedule_send(&mut self, now: Instant) {
        let j = self.jitter_us();
        self.send_at = Some(now + from_us(u64::from(self.local_tx_us).saturating_sub(j)));
    }

    /// Start the session (`bfd_init_state` + `bfd_register_workers`): report Down once, send a
    /// first packet at once and then every transmit interval, unless passive.
    pub fn start(&mut self, now: Instant) {
        if self.started {
            return;
        }
        self.started = true;
        self.local_discr = self.random_discr();
        self.local_tx_us = us(self.cfg.idle_tx);
        if !self.cfg.passive {
            self.schedule_send(now);
            self.send_now = true;
        }
        self.events.push_back(BfdEvent {
            at: now,
            up: false,
            diag: self.local_diag,
        });
        self.flush_send_now();
    }

    /// Put the session in AdminDown (an operator disabling it): it tells the remote with AdminDown
    /// packets at the idle rate (RFC 5880 §6.8.16) and ignores what it receives.
    pub fn set_admin_down(&mut self, now: Instant) {
        if self.local_state == BfdState::AdminDown {
            return;
        }
        let was_up = self.local_state == BfdState::Up;
        self.transition(now, BfdState::AdminDown, diag::ADMIN_DOWN);
        self.idle_local_tx();
        self.expire_at = None;
        self.reset_at = None;
        if was_up {
            self.events.push_back(BfdEvent {
                at: now,
                up: false,
                diag: diag::ADMIN_DOWN,
            });
        }
        if self.send_at.is_none() {
            self.schedule_send(now);
        }
        self.send_now = true;
    }

    /// Leave AdminDown: back to Down, as a freshly enabled session.
    pub fn clear_admin_down(&mut self, now: Instant) {
        if self.local_state != BfdState::AdminDown {
            return;
        }
        self.transition(now, BfdState::Down, diag::NONE);
        self.remote_discr = 0;
        self.remote_state = BfdState::Down;
        if self.send_at.is_none() && !self.cfg.passive {
            self.schedule_send(now);
        }
    }

    /// The earliest timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.send_at, self.expire_at, self.reset_at]
            .into_iter()
            .flatten()
            .min()
    }

    fn transition(&mut self, now: Instant, to: BfdState, diag: u8) {
        let from = self.local_state;
        self.local_state = to;
        self.local_diag = diag;
        if from != to {
            self.transitions.push_back(BfdTransition {
                at: now,
                from,
                to,
                diag,
            });
        }
    }

    fn build(&mut self) -> BfdPacket {
        if self.poll && self.final_ {
            self.poll = false;
        }
        let p = BfdPacket {
            diag: self.local_diag,
            state: self.local_state,
            poll: self.poll,
            final_: self.final_,
            cplane: false,
            auth: false,
            demand: false,
            multipoint: false,
            detect_mult: self.cfg.multiplier,
            my_discr: self.local_discr,
            your_discr: self.remote_discr,
            desired_min_tx_us: if self.local_state == BfdState::Up {
                us(self.cfg.min_tx)
            } else {
                us(self.cfg.idle_tx)
            },
            required_min_rx_us: us(self.cfg.min_rx),
            required_min_echo_rx_us: 0,
        };
        self.final_ = false;
        p
    }

    /// Fire due timers: the periodic sender, the detection-time expiry and the reset.
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.started {
            return;
        }
        if self.expire_at.is_some_and(|t| t <= now) {
            self.expire_at = None;
            // RFC 5880 §6.8.1: bfd.RemoteDiscr is zeroed when a Detection Time passes in silence.
            self.remote_discr = 0;
            self.state_down(now, diag::EXPIRED);
        }
        if self.reset_at.is_some_and(|t| t <= now) {
            self.reset_at = None;
            self.reset_state(now);
        }
        if self.send_at.is_some_and(|t| t <= now) {
            self.send_at = None;
            let p = self.build();
            self.out.push_back(p);
            self.schedule_send(now);
        }
        self.flush_send_now();
    }

    fn flush_send_now(&mut self) {
        if self.send_now {
            self.send_now = false;
            let p = self.build();
            self.out.push_back(p);
        }
    }

    /// `bfd_reset_state`: forget the remote's session (but not its timers).
    fn reset_state(&mut self, now: Instant) {
        let _ = now;
        self.local_state = if self.local_state == BfdState::AdminDown {
            BfdState::AdminDown
        } else {
            BfdState::Down
        };
        self.remote_state = BfdState::Down;
        self.remote_discr = 0;
        self.remote_diag = diag::NONE;
        self.poll = false;
        self.final_ = false;
        self.idle_local_tx();
    }

    fn idle_local_tx(&mut self) {
        self.local_tx_us = us(self.cfg.idle_tx).max(self.remote_min_rx_us);
    }

    fn state_down(&mut self, now: Instant, d: u8) {
        let was_up = self.local_state == BfdState::Up;
        if was_up {
            self.local_discr = self.random_discr();
        }
        self.transition(now, BfdState::Down, d);
        self.reset_at = Some(now + from_us(self.local_detect_us));
        if self.cfg.passive {
            self.send_at = None;
        }
        // bfd_state_fall
        self.idle_local_tx();
        self.expire_at = None;
        if was_up && self.remote_state != BfdState::AdminDown {
            self.events.push_back(BfdEvent {
                at: now,
                up: false,
                diag: d,
            });
        }
    }

    fn state_rise(&mut self, now: Instant) {
        self.local_diag = diag::NONE;
        self.reset_at = None;
        if self.expire_at.is_none() {
            self.expire_at = Some(now + from_us(self.local_detect_us));
        }
    }

    fn state_up(&mut self, now: Instant) {
        self.transition(now, BfdState::Up, diag::NONE);
        self.state_rise(now);
        if self.cfg.idle_tx != self.cfg.min_tx && !self.final_ {
            self.poll = true;
        }
        self.events.push_back(BfdEvent {
            at: now,
            up: true,
            diag: diag::NONE,
        });
    }

    fn state_init(&mut self, now: Instant) {
        self.transition(now, BfdState::Init, diag::NONE);
        self.state_rise(now);
        if self.cfg.passive && self.send_at.is_none() {
            self.schedule_send(now);
        }
    }

    /// A control packet's payload from the neighbour (`bfd_handle_packet`). Invalid packets are
    /// counted and ignored, and so is everything while we are AdminDown.
    pub fn handle_packet(&mut self, now: Instant, bytes: &[u8]) -> Result<(), BfdDiscard> {
        if !self.started {
            return Ok(());
        }
        let pkt = match BfdPacket::decode(bytes) {
            Ok(p) => p,
            Err(e) => {
                self.discarded += 1;
                return Err(e);
            }
        };
        if pkt.your_discr != 0 && pkt.your_discr != self.local_discr {
            self.discarded += 1;
            return Err(BfdDiscard::UnknownDiscr);
        }
        if self.local_state == BfdState::AdminDown {
            return Ok(());
        }
        let old_local_tx = self.local_tx_us;
        self.remote_discr = pkt.my_discr;
        self.remote_state = pkt.state;
        self.remote_diag = pkt.diag;
        self.remote_min_rx_us = pkt.required_min_rx_us;
        self.remote_min_tx_us = pkt.desired_min_tx_us;
        self.remote_detect_mult = pkt.detect_mult;
        if pkt.final_ {
            self.poll = false;
        }
        let up = self.local_state == BfdState::Up;
        if !up || pkt.poll || pkt.final_ {
            if self.remote_state == BfdState::Up
                && matches!(self.local_state, BfdState::Init | BfdState::Up)
            {
                self.local_tx_us = us(self.cfg.min_tx).max(self.remote_min_rx_us);
            } else {
                self.idle_local_tx();
            }
            self.remote_tx_us = us(self.cfg.min_rx).max(self.remote_min_tx_us);
        }
        self.local_detect_us = u64::from(self.remote_detect_mult) * u64::from(self.remote_tx_us);
        if self.local_tx_us < old_local_tx && self.send_at.is_some() {
            self.schedule_send(now);
        }
        if self.remote_state == BfdState::AdminDown {
            if self.local_state != BfdState::Down {
                self.state_down(now, diag::NEIGHBOR_DOWN);
            }
        } else {
            match (self.local_state, self.remote_state) {
                (BfdState::Down, BfdState::Down) => self.state_init(now),
                (BfdState::Down, BfdState::Init) => self.state_up(now),
                (BfdState::Init, BfdState::Init | BfdState::Up) => self.state_up(now),
                (BfdState::Up, BfdState::Down) => self.state_down(now, diag::NEIGHBOR_DOWN),
                _ => {}
            }
        }
        // Demand mode is never in use, so the sender always runs once the remote has spoken (even
        // for a passive session).
        if self.send_at.is_none() {
            self.schedule_send(now);
        }
        if pkt.poll {
            self.final_ = true;
            self.send_now = true;
        }
        self.last_seen = Some(now);
        if self.local_state == BfdState::Up && self.expire_at.is_some() {
            self.expire_at = Some(now + from_us(self.local_detect_us));
        }
        self.flush_send_now();
        Ok(())
    }

    /// The next control packet to send to the neighbour (UDP to port 3784, TTL from the config).
    pub fn poll_transmit(&mut self) -> Option<BfdPacket> {
        self.out.pop_front()
    }

    /// The next event for the session's clients.
    pub fn poll_event(&mut self) -> Option<BfdEvent> {
        self.events.pop_front()
    }

    /// The next state change.
    pub fn poll_transition(&mut self) -> Option<BfdTransition> {
        self.transitions.pop_front()
    }
}

impl BfdSession {
    /// The daemon stops: no more packets, timers or events (keepalived's BFD process exits).
    pub fn stop(&mut self) {
        self.started = false;
        self.send_at = None;
        self.expire_at = None;
        self.reset_at = None;
        self.send_now = false;
        self.out.clear();
    }
}

/// A `BFD_CHECK` block: the real server follows the `bfd_instance` of that name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BfdCheck {
    /// `name`: the bfd_instance.
    pub instance: String,
}
