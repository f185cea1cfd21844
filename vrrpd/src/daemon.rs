//! The event loop: one `vrrp::router::Router` per instance, driven by a tokio task.
//!
//! Each turn waits for whichever comes first: a control message ([`Control`]: a script
//! result or shutdown), an advert from [`VrrpIo::recv`], or the earliest
//! `Router::poll_timeout` (a tokio sleep). It feeds that to the routers with `now` read from
//! tokio's clock (so turmoil's simulated time drives it in tests), then drains every router's
//! transmits (sent in order) and events (VIPs, logs, notify scripts).
//!
//! Shutdown ordering (RFC 5798 §6.4.3 "Shutdown event"): every router's `shutdown` is called,
//! its priority-0 advert is sent first, then its VIPs are removed, then notify runs; only then
//! does [`Daemon::run`] return.

use std::io;
use std::time::Duration as StdDuration;

use tokio::sync::mpsc;
use vrrp::router::{Event, Reason, Router, State, TrackInput, Transmit};
use vrrp::time::Instant;

use crate::config::{track_id, InstanceSpec};
use crate::io::{Inbound, VrrpIo};
use crate::log::{self, Level};

/// Messages to the event loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// A `vrrp_script` changed status.
    Track {
        /// Script name.
        script: String,
        /// Succeeds now.
        up: bool,
    },
    /// A `track_interface` interface went up (with carrier) or down.
    Link {
        /// Interface name.
        interface: String,
        /// Up with carrier now.
        up: bool,
    },
    /// SIGTERM / SIGINT: priority 0, remove VIPs, stop.
    Shutdown,
}

/// One state change, as recorded by the event loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// Time since the daemon started.
    pub at: StdDuration,
    /// Instance name.
    pub instance: String,
    /// Old state.
    pub from: State,
    /// New state.
    pub to: State,
    /// Why.
    pub reason: Reason,
}

/// What a run did: every state change in order, and the router counters at the end.
#[derive(Clone, Debug, Default)]
pub struct RunSummary {
    /// State changes in order.
    pub transitions: Vec<Transition>,
    /// (instance, adverts sent, priority-0 adverts sent) at exit.
    pub adverts_sent: Vec<(String, u64, u64)>,
}

struct Inst {
    spec: InstanceSpec,
    router: Router,
}

/// The daemon: routers plus the I/O they run on.
pub struct Daemon<I: VrrpIo> {
    io: I,
    insts: Vec<Inst>,
    epoch: tokio::time::Instant,
    summary: RunSummary,
    timer: Option<crate::linux::PreciseTimer>,
}

/// Sleeps on the precise timer when there is one, else on tokio's (turmoil's simulated clock
/// in the tests). A failing timerfd falls back to tokio's sleep.
async fn sleep_until(timer: &Option<crate::linux::PreciseTimer>, at: tokio::time::Instant) {
    if let Some(t) = timer {
        if t.sleep_until(at).await.is_ok() {
            return;
        }
    }
    tokio::time::sleep_until(at).await;
}

enum Wake {
    Ctl(Option<Control>),
    Rx(io::Result<Inbound>),
    Timer(Instant),
}

/// Human text for a reason, as keepalived-style logs put it.
pub fn reason_text(r: Reason) -> &'static str {
    match r {
        Reason::Startup => "startup",
        Reason::OwnerStartup => "address owner startup",
        Reason::MasterDownTimer => "master down timer expired",
        Reason::HigherPriority => "higher priority advert received",
        Reason::EqualPriorityHigherAddress => "equal priority advert from a higher address",
        Reason::Shutdown => "shutdown",
        Reason::InterfaceDown => "interface down",
        Reason::InterfaceUp => "interface up",
        Reason::TrackFault => "tracked object failed",
        Reason::TrackRecovered => "tracked objects recovered",
        Reason::SyncGroup => "sync group",
    }
}

impl<I: VrrpIo> Daemon<I> {
    /// A daemon for `instances` on `io`. Time zero is now (tokio's clock).
    pub fn new(io: I, instances: Vec<InstanceSpec>) -> Daemon<I> {
        let insts = instances
            .into_iter()
            .map(|spec| Inst {
                router: Router::new(spec.router.clone()),
                spec,
            })
            .collect();
        Daemon {
            io,
            insts,
            epoch: tokio::time::Instant::now(),
            summary: RunSummary::default(),
            timer: None,
        }
    }

    /// Wakes on `timer` instead of tokio's millisecond timer wheel (the production daemon).
    pub fn with_precise_timer(mut self, timer: crate::linux::PreciseTimer) -> Daemon<I> {
        self.timer = Some(timer);
        self
    }

    fn now(&self) -> Instant {
        let d = self.epoch.elapsed();
        Instant::from_nanos(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Runs until [`Control::Shutdown`] (or the control channel closes), then shuts every
    /// router down in order. Returns what happened. Fails only when receiving fails for good.
    pub async fn run(mut self, mut ctl: mpsc::Receiver<Control>) -> io::Result<RunSummary> {
        let now = self.now();
        for i in 0..self.insts.len() {
            let inst = &mut self.insts[i];
            // keepalived removes its VIPs at start-up: a crashed predecessor may have left them.
            let vips: Vec<_> = inst.spec.vips.iter().map(|v| v.addr).collect();
            if let Err(e) = self.io.set_addresses(&inst.spec, false, &vips) {
                log::log(
                    Level::Warn,
                    &format!("{}: removing stale VIPs: {e}", inst.spec.name),
                );
            }
            log::log(
                Level::Info,
                &format!(
                    "{}: starting VRRPv{} VRID {} on {} priority {} interval {} ms, source {}",
                    inst.spec.name,
                    inst.spec.router.version.number(),
                    inst.spec.router.vrid,
                    inst.spec.interface,
                    inst.spec.router.priority,
                    inst.router.adver_int().as_millis(),
                    inst.spec.router.primary_ip,
                ),
            );
            inst.router.start(now);
            self.flush(i);
        }
        loop {
            let deadline = self
                .insts
                .iter()
                .filter_map(|i| i.router.poll_timeout())
                .min();
            let sleep_to = match deadline {
                Some(d) => self.epoch + StdDuration::from_nanos(d.as_nanos()),
                None => tokio::time::Instant::now() + StdDuration::from_secs(3600),
            };
            let wake = tokio::select! {
                biased;
                c = ctl.recv() => Wake::Ctl(c),
                _ = sleep_until(&self.timer, sleep_to) => Wake::Timer(deadline.unwrap_or(Instant::ZERO)),
                r = self.io.recv() => Wake::Rx(r),
            };
            let now = self.now();
            match wake {
                Wake::Ctl(None) | Wake::Ctl(Some(Control::Shutdown)) => break,
                Wake::Ctl(Some(c @ (Control::Track { .. } | Control::Link { .. }))) => {
                    let (id, up) = match c {
                        Control::Track { script, up } => (track_id(&script), up),
                        Control::Link { interface, up } => {
                            (keepalived_conf::router::interface_track_id(&interface), up)
                        }
                        Control::Shutdown => continue,
                    };
                    let input = if up { TrackInput::Up } else { TrackInput::Down };
                    for i in 0..self.insts.len() {
                        self.insts[i].router.set_track(now, &id, input);
                        self.flush(i);
                    }
                }
                Wake::Rx(Err(e)) => {
                    log::log(Level::Error, &format!("receive: {e}"));
                    self.shutdown();
                    return Err(e);
                }
                Wake::Rx(Ok(inb)) => self.deliver(now, &inb),
                Wake::Timer(deadline) => {
                    // tokio wakes at or after the deadline; never hand the router an earlier now.
                    let now = now.max(deadline);
                    for i in 0..self.insts.len() {
                        if self.insts[i]
                            .router
                            .poll_timeout()
                            .is_some_and(|t| t <= now)
                        {
                            self.insts[i].router.handle_timeout(now);
                            self.flush(i);
                        }
                    }
                }
            }
        }
        self.shutdown();
        Ok(self.summary)
    }

    fn deliver(&mut self, now: Instant, inb: &Inbound) {
        let adv = &inb.advert;
        for i in 0..self.insts.len() {
            let inst = &self.insts[i];
            // Several instances may share an interface; each sees only its own VRID and family.
            if inst.spec.interface != inb.interface
                || inst.spec.router.vrid != adv.repr.vrid
                || inst.spec.family() != adv.repr.family()
            {
                continue;
            }
            if log::enabled(Level::Debug) {
                log::log(
                    Level::Debug,
                    &format!(
                        "{}: < advert from {} prio {} ttl {}",
                        inst.spec.name, adv.src_ip, adv.repr.priority, adv.ttl
                    ),
                );
            }
            self.insts[i].router.handle_frame(now, adv);
            self.flush(i);
        }
    }

    fn shutdown(&mut self) {
        let now = self.now();
        for i in 0..self.insts.len() {
            self.insts[i].router.shutdown(now);
            self.flush(i);
            let st = self.insts[i].router.stats();
            self.summary.adverts_sent.push((
                self.insts[i].spec.name.clone(),
                st.adverts_sent,
                st.priority_zero_sent,
            ));
        }
        log::log(Level::Info, "stopped");
    }

    /// Drains router `i`: transmits first (so a priority-0 advert leaves before the VIPs go),
    /// then events.
    fn flush(&mut self, i: usize) {
        let Daemon {
            io,
            insts,
            epoch,
            summary,
            ..
        } = self;
        let inst = &mut insts[i];
        // Order on the wire: addresses in place before the first advert and the gratuitous
        // ARPs that announce them (keepalived sends its first advert before adding the VIPs;
        // we add them first so that nothing answers for a VIP before we hold it); the
        // priority-0 advert out before they go, and the "stopped" notification last.
        let mut events = Vec::new();
        while let Some(ev) = inst.router.poll_event() {
            events.push(ev);
        }
        let (removals, mut events): (Vec<Event>, Vec<Event>) = events.into_iter().partition(|e| {
            matches!(
                e,
                Event::RemoveAddresses(_)
                    | Event::StateChanged {
                        to: State::Initialize,
                        ..
                    }
            )
        });
        for ev in events.drain(..) {
            handle_event(io, inst, epoch, summary, ev);
        }
        while let Some(t) = inst.router.poll_transmit() {
            if let Transmit::Advert(a) = &t {
                if log::enabled(Level::Debug) {
                    log::log(
                        Level::Debug,
                        &format!(
                            "{}: > advert to {} prio {}",
                            inst.spec.name, a.dst_ip, a.repr.priority
                        ),
                    );
                }
            }
            if let Err(e) = io.transmit(&inst.spec, &t) {
                log::log(Level::Warn, &format!("{}: send: {e}", inst.spec.name));
            }
        }
        for ev in removals {
            handle_event(io, inst, epoch, summary, ev);
        }
    }
}

fn handle_event<I: VrrpIo>(
    io: &mut I,
    inst: &mut Inst,
    epoch: &tokio::time::Instant,
    summary: &mut RunSummary,
    ev: Event,
) {
    match ev {
        Event::StateChanged { from, to, reason } => {
            log::log(
                Level::Info,
                &format!(
                    "{}: {from} -> {to} ({}), priority {}",
                    inst.spec.name,
                    reason_text(reason),
                    inst.router.priority()
                ),
            );
            summary.transitions.push(Transition {
                at: epoch.elapsed(),
                instance: inst.spec.name.clone(),
                from,
                to,
                reason,
            });
            io.notify(&inst.spec, to, inst.router.priority());
        }
        Event::AddAddresses(a) | Event::RemoveAddresses(a) if a.is_empty() => {}
        Event::AddAddresses(a) => match io.set_addresses(&inst.spec, true, &a) {
            Ok(()) => log::log(
                Level::Info,
                &format!("{}: added {}", inst.spec.name, list(&a)),
            ),
            Err(e) => log::log(Level::Error, &format!("{}: {e}", inst.spec.name)),
        },
        Event::RemoveAddresses(a) => match io.set_addresses(&inst.spec, false, &a) {
            Ok(()) => log::log(
                Level::Info,
                &format!("{}: removed {}", inst.spec.name, list(&a)),
            ),
            Err(e) => log::log(Level::Error, &format!("{}: {e}", inst.spec.name)),
        },
        Event::PriorityChanged { from, to } => log::log(
            Level::Info,
            &format!("{}: priority {from} -> {to}", inst.spec.name),
        ),
        Event::Discarded { src, reason } => log::log(
            Level::Debug,
            &format!(
                "{}: discarded advert from {src}: {}",
                inst.spec.name,
                reason.name()
            ),
        ),
        other => log::log(Level::Info, &format!("{}: {other:?}", inst.spec.name)),
    }
}

fn list(a: &[std::net::IpAddr]) -> String {
    a.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}
