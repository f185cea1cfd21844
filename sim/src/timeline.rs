//! The run's timeline: every VRRP state change (with its cause), notify, fault, request outcome and note, in
//! the order they happened. Expectations are evaluated over it; timeline.json and the text report print it.

use crate::host::app::Outcome;
use crate::time::{secs_f64, Instant, Secs};
use serde::Serialize;
use std::fmt::Write as _;

/// A VRRP state as the timeline names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VrrpState {
    /// Not running (before start, after stop or crash).
    Down,
    /// RFC 5798 Initialize.
    Init,
    /// Backup.
    Backup,
    /// Master.
    Master,
    /// keepalived FAULT (interface down, failed tracking).
    Fault,
}

impl VrrpState {
    /// Upper-case name as keepalived logs it.
    pub fn name(self) -> &'static str {
        match self {
            VrrpState::Down => "DOWN",
            VrrpState::Init => "INIT",
            VrrpState::Backup => "BACKUP",
            VrrpState::Master => "MASTER",
            VrrpState::Fault => "FAULT",
        }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A vrrp_instance changed state.
    State {
        /// Instance name from keepalived.conf.
        instance: String,
        /// Its VRID.
        vrid: u8,
        /// Old state.
        from: VrrpState,
        /// New state.
        to: VrrpState,
        /// Why, in words.
        cause: String,
    },
    /// keepalived would run a notify script here (recorded, never executed).
    Notify {
        /// Instance name.
        instance: String,
        /// The state passed to the script ("MASTER", "BACKUP", "FAULT", "STOP").
        state: String,
        /// The configured script, if any.
        script: Option<String>,
    },
    /// A scenario fault was applied.
    Fault {
        /// What it did.
        what: String,
    },
    /// A client request finished.
    Request {
        /// Request number.
        id: u64,
        /// Seconds since start when it began.
        started: f64,
        /// Milliseconds from start to outcome.
        latency_ms: f64,
        /// Result.
        outcome: Outcome,
    },
    /// An LVS director event: an IPVS table change, a health-check verdict, a notify, a quorum change, or a new
    /// connection scheduled to a real server.
    Lvs {
        /// What happened.
        action: crate::lvs_host::LvsAction,
        /// The virtual server, when it concerns one.
        vs: Option<String>,
        /// The real server "ip:port", when it concerns one.
        rs: Option<String>,
        /// The node that has the real server's address, if any.
        rs_node: Option<String>,
        /// The client "ip:port" of a new connection.
        client: Option<String>,
        /// The whole event in words.
        detail: String,
    },
    /// Anything else worth knowing (a disabled track script, an address that could not be served, ...).
    Note {
        /// Text.
        text: String,
    },
    /// A notification finished (routers with `notify` durations): from here on the outside world (a route, a
    /// service, a firewall the script manages) reflects `state`.
    NotifyDone {
        /// Instance name.
        instance: String,
        /// The state it reported.
        state: String,
        /// "script" (a forked notify script) or "fifo" (the notify FIFO's reader).
        via: String,
        /// The script, for `via: "script"`.
        script: Option<String>,
        /// When keepalived started it (the transition), seconds since start.
        started: f64,
    },
    /// nginx on a router node: process starts and deaths, upstream attempts and passive-health changes,
    /// chk_nginx.sh runs (`crate::host::nginx`).
    Nginx {
        /// What happened.
        action: crate::host::nginx::NginxAction,
        /// The upstream server concerned, as written in the nginx config.
        server: Option<String>,
        /// One line for the text timeline.
        detail: String,
    },
}

/// One timeline entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// Seconds since the start of the run.
    pub t: f64,
    /// Exact time.
    #[serde(skip)]
    pub at: Instant,
    /// The node it concerns, if any.
    pub node: Option<String>,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
}

/// The ordered list of entries.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(transparent)]
pub struct Timeline {
    /// Entries in time order.
    pub entries: Vec<Entry>,
}

impl Timeline {
    /// Appends an entry.
    pub fn push(&mut self, at: Instant, node: Option<&str>, event: Event) {
        self.entries.push(Entry {
            t: secs_f64(at),
            at,
            node: node.map(str::to_string),
            event,
        });
    }

    /// Human-readable lines (requests are summarized, not listed).
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let node = e.node.as_deref().unwrap_or("-");
            match &e.event {
                Event::State {
                    instance,
                    vrid,
                    from,
                    to,
                    cause,
                } => {
                    let _ = writeln!(
                        out,
                        "{:>12} {node:<8} {instance} vrid={vrid} {} -> {} ({cause})",
                        Secs(e.at).to_string(),
                        from.name(),
                        to.name()
                    );
                }
                Event::Notify {
                    instance,
                    state,
                    script,
                } => {
                    let s = script.as_deref().unwrap_or("(no script)");
                    let _ = writeln!(
                        out,
                        "{:>12} {node:<8} notify {instance} {state} {s}",
                        Secs(e.at).to_string()
                    );
                }
                Event::Fault { what } => {
                    let _ = writeln!(out, "{:>12} {node:<8} FAULT {what}", Secs(e.at).to_string());
                }
                Event::Note { text } => {
                    let _ = writeln!(out, "{:>12} {node:<8} note: {text}", Secs(e.at).to_string());
                }
                Event::Lvs { action, detail, .. } => {
                    // New connections are many; they are summarized like requests.
                    if *action != crate::lvs_host::LvsAction::Connect {
                        let _ =
                            writeln!(out, "{:>12} {node:<8} LVS {detail}", Secs(e.at).to_string());
                    }
                }
                Event::Nginx { action, detail, .. } => {
                    use crate::host::nginx::NginxAction::{Attempt, Response};
                    // Attempts and answers are per request; they are summarized like requests.
                    if !matches!(action, Attempt | Response) {
                        let _ = writeln!(
                            out,
                            "{:>12} {node:<8} nginx {detail}",
                            Secs(e.at).to_string()
                        );
                    }
                }
                Event::Request { .. } => {}
                Event::NotifyDone {
                    instance,
                    state,
                    via,
                    script,
                    started,
                } => {
                    let s = script
                        .as_deref()
                        .map(|s| format!(" {s}"))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "{:>12} {node:<8} notify done {instance} {state} via {via}{s} (started {started:.6})",
                        Secs(e.at).to_string()
                    );
                }
            }
        }
        out
    }
}
