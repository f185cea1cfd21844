//! keepalived's health checkers as sans-IO state machines: [`Checker`] runs one `TCP_CHECK` or
//! `HTTP_GET` against one real server, and [`RealServerHealth`] turns its verdicts (and those of the
//! server's other checkers) into what keepalived does to IPVS and to the notify scripts.
//!
//! Read keepalived 2.2.7's `keepalived/check/check_tcp.c` (`tcp_epilog`), `check_http.c` (`epilog`,
//! `timeout_epilog`, `http_handle_response`), `check_api.c` (`register_checkers_thread`) and
//! `ipwrapper.c` (`update_svr_checker_state`, `perform_svr_state`) first; every rule here is one of
//! theirs.
//!
//! UDP_CHECK ([`UdpCheck`], `udp.rs`) and PING_CHECK ([`PingCheck`], `ping.rs`) are polled like
//! TCP_CHECK and share its epilog; FILE_CHECK ([`FileCheck`], `file.rs`) and BFD_CHECK ([`BfdCheck`],
//! `bfd.rs`, which also holds the RFC 5880 [`BfdSession`]) have no timer of their own and follow
//! [`Checker::handle_track_file`] and [`Checker::handle_bfd`].
//!
//! # Driving a checker
//!
//! 1. [`Checker::start`] once, with a random draw for the warmup.
//! 2. Loop: call [`Checker::poll_timeout`]; when the time comes call [`Checker::handle_timeout`].
//!    After every call, drain [`Checker::poll_action`] (open a TCP connection, send bytes, close) and
//!    [`Checker::poll_event`] (the checker's verdict changed).
//! 3. Report what the network did with [`Checker::handle_io`]: connected, refused, bytes, end of stream.
//!    Results for an attempt that already ended (e.g. a late connect after the timeout) are ignored.
//!
//! # Detection time (seed configuration: connect_timeout 3, retry 3, delay_before_retry 3, delay_loop 6)
//!
//! While a server is up, each failed attempt before the last schedules the next one `delay_before_retry`
//! after the failure; the `(retry + 1)`-th consecutive failure marks it down (both TCP_CHECK's
//! `retry_it >= retry` and HTTP_GET's `retry_it > retry` after the increment come to that). A server that
//! stops answering altogether makes every attempt last `connect_timeout`, so, with `t₁` the start of the
//! first check that fails:
//!
//! ```text
//! removal = t₁ + (retry + 1) × connect_timeout + retry × delay_before_retry      = t₁ + 21 s
//! t₁ ∈ (t_death, t_death + delay_loop + one successful check's duration]
//! ⇒ removal − t_death ∈ (21 s, 27 s + ε]
//! ```
//!
//! A server that refuses connections (RST) fails each attempt in one round trip instead:
//! `removal = t₁ + retry × delay_before_retry (+ 4 round trips)` = `t₁ + 9 s`.

mod bfd;
mod dns;
mod file;
mod http;
mod ping;
mod rs;
mod smtp;
pub mod ssl;
mod udp;

pub use dns::{DnsCheck, Reply as DnsReply, DNS_TYPES};
pub use http::{
    format_digest, genhash, parse_digest, HttpGet, HttpProtocol, StatusCodes, UrlCheck,
};
pub use rs::{RealServerHealth, RsAction};
pub use smtp::{SmtpCheck, DEFAULT_HELO as SMTP_DEFAULT_HELO};
pub use ssl::SslOptions;

pub use bfd::{
    diag as bfd_diag, BfdCheck, BfdConfig, BfdDiscard, BfdEvent, BfdPacket, BfdSession, BfdState,
    BfdTransition, BFD_CONTROL_PORT, BFD_MIN_SRC_PORT, BFD_PACKET_LEN,
};
pub use file::{parse_track_file_value, FileCheck, WEIGHT_FAULT};
pub use ping::{classify_reply, echo_request, PingCheck, ICMP_DATA_LEN};
pub use udp::{read_hex_str, set_buf, UdpCheck, UDP_DEFAULT_PAYLOAD_LEN};

use std::collections::VecDeque;
use std::net::SocketAddr;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::time::{Duration, Instant};

/// keepalived's `BOOTSTRAP_DELAY`: checkers start one second after the daemon.
pub const BOOTSTRAP_DELAY: Duration = Duration::from_secs(1);

/// Timing settings shared by every checker (`install_checker_common_keywords`), already resolved
/// against the real_server and virtual_server defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckerSettings {
    /// `connect_timeout` (default: the virtual server's, 5 s). HTTP_GET also uses it as the idle timeout
    /// of every read and write.
    pub connect_timeout: Duration,
    /// `retry` (alias `nb_get_retry` for HTTP_GET): failures tolerated before the last one. Default 1.
    pub retry: u32,
    /// `delay_before_retry`: pause after a tolerated failure. Default 1 s (TCP_CHECK), 3 s (HTTP_GET).
    pub delay_before_retry: Duration,
    /// `delay_loop`: pause after a completed check. Default 60 s.
    pub delay_loop: Duration,
    /// `warmup`: the first check waits a random part of it. Default: `delay_loop`.
    pub warmup: Duration,
    /// `alpha`: start with the server considered down until its first success.
    pub alpha: bool,
}

impl CheckerSettings {
    /// keepalived's defaults for a TCP_CHECK.
    pub fn tcp_defaults() -> Self {
        CheckerSettings {
            connect_timeout: Duration::from_secs(5),
            retry: 1,
            delay_before_retry: Duration::from_secs(1),
            delay_loop: Duration::from_secs(60),
            warmup: Duration::from_secs(60),
            alpha: false,
        }
    }

    /// keepalived's defaults for an HTTP_GET.
    pub fn http_defaults() -> Self {
        CheckerSettings {
            delay_before_retry: Duration::from_secs(3),
            ..Self::tcp_defaults()
        }
    }

    /// Upper bound on the time from a server going silent (all packets dropped) to its removal, for a
    /// server that was up: `delay_loop + (retry + 1) × connect_timeout + retry × delay_before_retry`
    /// (plus the duration of the last successful check, which the caller adds).
    pub fn silent_failure_bound(&self) -> Duration {
        self.delay_loop
            .saturating_add(
                self.connect_timeout
                    .saturating_mul(u64::from(self.retry) + 1),
            )
            .saturating_add(
                self.delay_before_retry
                    .saturating_mul(u64::from(self.retry)),
            )
    }

    /// Time from the first failing check's start to removal when every attempt times out.
    pub fn silent_failure_after_first_attempt(&self) -> Duration {
        self.connect_timeout
            .saturating_mul(u64::from(self.retry) + 1)
            .saturating_add(
                self.delay_before_retry
                    .saturating_mul(u64::from(self.retry)),
            )
    }
}

/// Which check to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckKind {
    /// `TCP_CHECK`: a connect that succeeds is a pass.
    Tcp,
    /// `HTTP_GET`: GET each URL and compare status code and digest.
    Http(HttpGet),
    /// `MISC_CHECK`: run a script; exit 0 is a pass (check_misc.c).
    Misc(MiscCheck),
    /// `SMTP_CHECK`: banner 220, `HELO` answered 250, `QUIT` (check_smtp.c).
    Smtp(SmtpCheck),
    /// `DNS_CHECK`: a UDP query answered with the same id and RCODE 0 (check_dns.c).
    Dns(DnsCheck),
    /// `UDP_CHECK`: send a datagram; ICMP unreachable (or, with `require_reply`, silence or a wrong
    /// answer) is a failure (check_udp.c).
    Udp(UdpCheck),
    /// `PING_CHECK`: an ICMP echo request; a reply is a pass (check_ping.c).
    Ping(PingCheck),
    /// `FILE_CHECK`: follow a `track_file`'s value (check_file.c); no polling, see
    /// [`Checker::handle_track_file`].
    File(FileCheck),
    /// `BFD_CHECK`: follow a `bfd_instance` session (check_bfd.c); no polling, see
    /// [`Checker::handle_bfd`].
    Bfd(BfdCheck),
}

/// A `MISC_CHECK` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MiscCheck {
    /// `misc_path`: the command line.
    pub script: String,
    /// `misc_timeout` (default: the virtual server's `delay_loop`). At the timeout keepalived sends
    /// SIGTERM; this model assumes the script dies at once and counts a "timed out" failure.
    pub timeout: Duration,
    /// `misc_dynamic`: exit codes 2..=255 pass and set the server's weight to `code − 2`.
    pub dynamic: bool,
}

/// Identity of one connection attempt, echoed in [`CheckAction`]s and expected back in
/// [`Checker::handle_io`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttemptId(pub u64);

/// What the checker asks the network layer to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckAction {
    /// Open a TCP connection to `dst`.
    Connect {
        /// Attempt.
        attempt: AttemptId,
        /// Destination (`connect_ip`:`connect_port`, default the real server).
        dst: SocketAddr,
    },
    /// Send these bytes on the attempt's connection.
    Send {
        /// Attempt.
        attempt: AttemptId,
        /// Bytes (the HTTP request).
        data: Vec<u8>,
    },
    /// Close (or abort) the attempt's connection.
    Close {
        /// Attempt.
        attempt: AttemptId,
    },
    /// MISC_CHECK: run the script (keepalived forks it without a shell).
    RunScript {
        /// Attempt.
        attempt: AttemptId,
        /// The command line.
        command: String,
    },
    /// MISC_CHECK: the script ran past `misc_timeout`; terminate it (SIGTERM).
    KillScript {
        /// Attempt.
        attempt: AttemptId,
    },
    /// UDP_CHECK: send `payload` from a fresh connected UDP socket to `dst` and report the first
    /// datagram ([`CheckIo::Data`]) or ICMP destination unreachable ([`CheckIo::Unreachable`]).
    /// [`CheckAction::Close`] ends the attempt.
    SendUdp {
        /// Attempt.
        attempt: AttemptId,
        /// Destination.
        dst: SocketAddr,
        /// The datagram.
        payload: Vec<u8>,
    },
    /// PING_CHECK: send an ICMP (ICMPv6 for an IPv6 `dst`) echo request carrying `data` from a fresh
    /// ping socket (the sender picks identifier and sequence number) and report the echo reply
    /// ([`CheckIo::EchoReply`]) or an ICMP error about it ([`CheckIo::Unreachable`]).
    /// [`CheckAction::Close`] ends the attempt.
    SendEcho {
        /// Attempt.
        attempt: AttemptId,
        /// Destination (the port is ignored).
        dst: SocketAddr,
        /// Echo data.
        data: Vec<u8>,
    },
}

/// What the network layer reports for an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckIo<'a> {
    /// The TCP handshake completed.
    Connected,
    /// The connection was refused (RST) or failed at once (unreachable).
    Refused,
    /// Bytes received.
    Data(&'a [u8]),
    /// The peer closed its side (end of stream).
    Eof,
    /// A read/write error on an established connection (e.g. RST).
    Error,
    /// MISC_CHECK: the script exited with this status.
    Exited(u8),
    /// MISC_CHECK: the script was killed by a signal it was not sent by the checker.
    Signaled,
    /// UDP_CHECK / PING_CHECK: an ICMP destination unreachable about the attempt's packet.
    Unreachable,
    /// PING_CHECK: the echo reply arrived.
    EchoReply,
}

/// Why a check failed, in keepalived's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailReason {
    /// "Timeout connecting" / "TCP connection ... timeout".
    ConnectTimeout,
    /// "Connection failed" / "Error connecting": refused or unreachable.
    ConnectFailed,
    /// "Timeout HTTP read": no byte or no end of stream for `connect_timeout`.
    ReadTimeout,
    /// "Read error with".
    ReadError,
    /// "Read, no data received from": the stream ended without a complete HTTP header.
    NoData,
    /// "HTTP status code error to": the status is not in the accepted set.
    StatusCode(u16),
    /// "MD5 digest error to": with the digest that was computed, as genhash prints it.
    Digest(String),
    /// MISC_CHECK "failed ... exited with status N".
    ScriptExit(u8),
    /// MISC_CHECK "failed ... due to signal".
    ScriptSignal,
    /// MISC_CHECK "timed out".
    ScriptTimeout,
    /// SSL_GET "SSL handshake/communication error connecting to": the TLS handshake failed.
    SslHandshake,
    /// SSL_GET "SSL read error from": `close_notify` before a complete HTTP header.
    SslRead,
    /// SMTP_CHECK "Read timeout from server".
    SmtpReadTimeout,
    /// SMTP_CHECK "Read failure from server": end of stream or reset before a full line.
    SmtpReadFailure,
    /// SMTP_CHECK "Bad greeting banner from server": the banner status is not 220.
    SmtpBanner,
    /// SMTP_CHECK "Bad HELO response from server": the HELO reply status is not 250.
    SmtpHelo,
    /// DNS_CHECK "read timeout from socket".
    DnsTimeout,
    /// DNS_CHECK "failed to read socket" (an ICMP error on the connected socket).
    DnsReadFailed,
    /// DNS_CHECK "read error occurred. (rcode = N)".
    DnsRcode(u8),
    /// UDP_CHECK / PING_CHECK: ICMP destination unreachable ("UDP connection to ... failed").
    Unreachable,
    /// UDP_CHECK with `require_reply` / PING_CHECK: nothing came back within `connect_timeout`.
    NoReply,
    /// UDP_CHECK "reply data mismatch".
    ReplyMismatch,
    /// FILE_CHECK: the file's value puts the checker in FAULT.
    FileFault(i64),
    /// BFD_CHECK: the session went down, with our diagnostic code.
    BfdDown(u8),
}

impl core::fmt::Display for FailReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FailReason::ConnectTimeout => f.write_str("Timeout connecting"),
            FailReason::ConnectFailed => f.write_str("Connection failed"),
            FailReason::ReadTimeout => f.write_str("Timeout HTTP read"),
            FailReason::ReadError => f.write_str("Read error"),
            FailReason::NoData => f.write_str("Read, no data received"),
            FailReason::StatusCode(c) => write!(f, "HTTP status code error ({c})"),
            FailReason::Digest(d) => write!(f, "MD5 digest error ({d})"),
            FailReason::ScriptExit(c) => write!(f, "Misc check exited with status {c}"),
            FailReason::ScriptSignal => f.write_str("Misc check failed due to signal"),
            FailReason::ScriptTimeout => f.write_str("Misc check timed out"),
            FailReason::SslHandshake => f.write_str("SSL handshake/communication error"),
            FailReason::SslRead => f.write_str("SSL read error"),
            FailReason::SmtpReadTimeout => f.write_str("SMTP_CHECK Read timeout from server"),
            FailReason::SmtpReadFailure => f.write_str("SMTP_CHECK Read failure from server"),
            FailReason::SmtpBanner => f.write_str("SMTP_CHECK Bad greeting banner from server"),
            FailReason::SmtpHelo => f.write_str("SMTP_CHECK Bad HELO response from server"),
            FailReason::DnsTimeout => f.write_str("DNS_CHECK read timeout from socket"),
            FailReason::DnsReadFailed => f.write_str("DNS_CHECK failed to read socket"),
            FailReason::DnsRcode(rc) => write!(f, "DNS_CHECK read error occurred. (rcode = {rc})"),
            FailReason::Unreachable => f.write_str("ICMP destination unreachable"),
            FailReason::NoReply => f.write_str("No reply"),
            FailReason::ReplyMismatch => f.write_str("UDP check reply data mismatch"),
            FailReason::FileFault(v) => write!(f, "tracked file value {v} is FAULT"),
            FailReason::BfdDown(d) => write!(f, "BFD session down (diag {d})"),
        }
    }
}

/// A change in the checker's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckEvent {
    /// The server passed ("Remote Web server ... succeed on service" / "TCP connection ... success").
    Up {
        /// When.
        at: Instant,
    },
    /// The server failed after its retries ("... failed after N retries").
    Down {
        /// When.
        at: Instant,
        /// The last failure.
        reason: FailReason,
        /// True when this only confirms the initial "down" of alpha mode (TCP_CHECK's first failure);
        /// keepalived then runs notify_down without touching IPVS.
        initial: bool,
    },
    /// MISC_CHECK with `misc_dynamic`: the server's weight becomes `weight` (None: back to the
    /// configured weight).
    Weight {
        /// When.
        at: Instant,
        /// New effective weight.
        weight: Option<u32>,
    },
    /// FILE_CHECK: this checker's contribution to the server's effective weight changed by `delta`
    /// (keepalived adds each tracked file's status to `rs->effective_weight`).
    WeightDelta {
        /// When.
        at: Instant,
        /// Change.
        delta: i64,
    },
}

#[derive(Clone, Debug)]
enum Phase {
    /// Waiting for the next check.
    Idle { at: Instant },
    /// Connect in progress.
    Connecting {
        attempt: AttemptId,
        deadline: Instant,
    },
    /// HTTP: request sent, reading the response.
    Reading {
        attempt: AttemptId,
        deadline: Instant,
    },
    /// MISC: script running.
    Running {
        attempt: AttemptId,
        deadline: Instant,
    },
    /// UDP / PING: datagram sent, waiting for an answer or an ICMP error.
    Awaiting {
        attempt: AttemptId,
        deadline: Instant,
    },
    /// Not started.
    Stopped,
}

/// One health checker for one real server.
///
/// Methods, in call order: [`start`](Self::start) once; then any of [`handle_timeout`](Self::handle_timeout)
/// (when [`poll_timeout`](Self::poll_timeout) is due) and [`handle_io`](Self::handle_io) (when the network
/// reports); after each, drain [`poll_action`](Self::poll_action) and [`poll_event`](Self::poll_event).
#[derive(Clone, Debug)]
pub struct Checker {
    settings: CheckerSettings,
    kind: CheckKind,
    dst: SocketAddr,
    enabled: bool,
    is_up: bool,
    has_run: bool,
    retry_it: u32,
    phase: Phase,
    next_attempt: u64,
    http: http::HttpState,
    /// MISC: when the current script started (`last_ran`) and its last accepted exit code.
    last_ran: Instant,
    last_exit_code: u8,
    /// Per-checker randomness: TLS session seeds and DNS query ids (keepalived's `random()`).
    rng: ChaCha8Rng,
    /// SSL_GET: the attempt's TLS session, and whether the response read deadline is set.
    tls: ssl::TlsSlot,
    ssl_read_started: bool,
    /// SMTP_CHECK: the dialogue.
    smtp: smtp::SmtpState,
    /// DNS_CHECK: the id of the query in flight.
    dns_id: u16,
    /// FILE: the file's last value and this checker's current weight contribution (`cur_weight`).
    file_value: i64,
    cur_weight: i64,
    actions: VecDeque<CheckAction>,
    events: VecDeque<CheckEvent>,
}

impl Checker {
    /// A checker of `dst` (the real server's address and check port).
    pub fn new(settings: CheckerSettings, kind: CheckKind, dst: SocketAddr) -> Self {
        Checker {
            settings,
            kind,
            dst,
            enabled: true,
            is_up: !settings.alpha,
            has_run: false,
            // check_data.c: "For non alpha mode, one failure is enough initially."
            retry_it: settings.retry,
            phase: Phase::Stopped,
            next_attempt: 1,
            http: http::HttpState::default(),
            last_ran: Instant::ZERO,
            last_exit_code: 0,
            rng: ChaCha8Rng::seed_from_u64(fnv1a(dst.to_string().as_bytes())),
            tls: ssl::TlsSlot::default(),
            ssl_read_started: false,
            smtp: smtp::SmtpState::default(),
            dns_id: 0,
            file_value: 0,
            cur_weight: 0,
            actions: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Seed the checker's own randomness (TLS sessions, DNS query ids). Without a call it is derived
    /// from the target address.
    pub fn set_seed(&mut self, seed: u64) {
        self.rng = ChaCha8Rng::seed_from_u64(seed);
    }

    /// The settings.
    pub fn settings(&self) -> &CheckerSettings {
        &self.settings
    }

    /// The check kind.
    pub fn kind(&self) -> &CheckKind {
        &self.kind
    }

    /// Where the checker connects.
    pub fn target(&self) -> SocketAddr {
        self.dst
    }

    /// The checker's current verdict.
    pub fn is_up(&self) -> bool {
        self.is_up
    }

    /// Whether at least one check completed.
    pub fn has_run(&self) -> bool {
        self.has_run
    }

    /// Start: the first check runs at `now + 1 s + warmup × warmup_draw / u32::MAX` (keepalived draws
    /// `random()`; pass a value from the run's seeded generator, or 0 for no warmup).
    pub fn start(&mut self, now: Instant, warmup_draw: u32) {
        if matches!(self.kind, CheckKind::File(_) | CheckKind::Bfd(_)) {
            // Event-driven checkers: no timer of their own.
            return;
        }
        let warm = (u128::from(self.settings.warmup.as_nanos()) * u128::from(warmup_draw)
            / u128::from(u32::MAX)) as u64;
        self.phase = Phase::Idle {
            at: now + BOOTSTRAP_DELAY + Duration::from_nanos(warm),
        };
        if matches!(self.kind, CheckKind::Smtp(_)) {
            // smtp_start_check_thread resets retry_it before every delay_loop check, the first too.
            self.retry_it = 0;
        }
    }

    /// Enable or disable (`ha_suspend`): a disabled checker re-arms every `delay_loop` without checking.
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Idle { at } => Some(at),
            Phase::Connecting { deadline, .. }
            | Phase::Reading { deadline, .. }
            | Phase::Running { deadline, .. }
            | Phase::Awaiting { deadline, .. } => Some(deadline),
            Phase::Stopped => None,
        }
    }

    /// The next thing to do on the network.
    pub fn poll_action(&mut self) -> Option<CheckAction> {
        self.actions.pop_front()
    }

    /// The next verdict change.
    pub fn poll_event(&mut self) -> Option<CheckEvent> {
        self.events.pop_front()
    }

    fn new_attempt(&mut self) -> AttemptId {
        let id = AttemptId(self.next_attempt);
        self.next_attempt += 1;
        id
    }

    /// Timers: start a check, or time out the current connect/read.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase.clone() {
            Phase::Idle { at } if at <= now => {
                if !self.enabled {
                    self.phase = Phase::Idle {
                        at: now + self.settings.delay_loop,
                    };
                    return;
                }
                if let CheckKind::Http(h) = &self.kind {
                    // http_connect_thread: no URL left to fetch means "enable without checking".
                    if h.urls.is_empty() {
                        self.http_epilog(now, http::Method::New, None);
                        return;
                    }
                }
                if let CheckKind::Misc(m) = &self.kind {
                    let (command, timeout) = (m.script.clone(), m.timeout);
                    let attempt = self.new_attempt();
                    self.actions
                        .push_back(CheckAction::RunScript { attempt, command });
                    self.last_ran = now;
                    self.phase = Phase::Running {
                        attempt,
                        deadline: now + timeout,
                    };
                    return;
                }
                if let CheckKind::Dns(d) = &self.kind {
                    self.dns_id = (self.rng.next_u32() & 0xffff) as u16;
                    let query = d.query(self.dns_id);
                    let attempt = self.new_attempt();
                    let Some(data) = query else {
                        self.dns_epilog(now, Some(FailReason::DnsReadFailed));
                        return;
                    };
                    self.actions.push_back(CheckAction::SendUdp {
                        attempt,
                        dst: self.dst,
                        payload: data,
                    });
                    // dns_send: one deadline for the whole exchange.
                    self.phase = Phase::Reading {
                        attempt,
                        deadline: now + self.settings.connect_timeout,
                    };
                    return;
                }
                if let Some(action) = self.datagram_action(now) {
                    self.actions.push_back(action);
                    return;
                }
                let attempt = self.new_attempt();
                self.actions.push_back(CheckAction::Connect {
                    attempt,
                    dst: self.dst,
                });
                self.phase = Phase::Connecting {
                    attempt,
                    deadline: now + self.settings.connect_timeout,
                };
            }
            Phase::Connecting { attempt, deadline } if deadline <= now => {
                self.actions.push_back(CheckAction::Close { attempt });
                self.fail(now, FailReason::ConnectTimeout);
            }
            Phase::Reading { attempt, deadline } if deadline <= now => {
                self.actions.push_back(CheckAction::Close { attempt });
                let reason = match self.kind {
                    CheckKind::Smtp(_) => FailReason::SmtpReadTimeout,
                    CheckKind::Dns(_) => FailReason::DnsTimeout,
                    _ => FailReason::ReadTimeout,
                };
                self.fail(now, reason);
            }
            Phase::Running { attempt, deadline } if deadline <= now => {
                self.actions.push_back(CheckAction::KillScript { attempt });
                self.misc_epilog(now, Err(FailReason::ScriptTimeout));
            }
            Phase::Awaiting { attempt, deadline } if deadline <= now => {
                self.actions.push_back(CheckAction::Close { attempt });
                // udp_socket_state: a read timeout passes unless a reply is required.
                let failure = match &self.kind {
                    CheckKind::Udp(u) if !u.require_reply => None,
                    _ => Some(FailReason::NoReply),
                };
                self.tcp_epilog(now, failure);
            }
            _ => {}
        }
    }

    /// Network results for `attempt`.
    pub fn handle_io(&mut self, now: Instant, attempt: AttemptId, io: CheckIo<'_>) {
        match (self.phase.clone(), io) {
            (Phase::Running { attempt: a, .. }, CheckIo::Exited(code)) if a == attempt => {
                self.misc_epilog(now, Ok(code));
            }
            (Phase::Running { attempt: a, .. }, CheckIo::Signaled) if a == attempt => {
                self.misc_epilog(now, Err(FailReason::ScriptSignal));
            }
            (Phase::Awaiting { attempt: a, .. }, io) if a == attempt => {
                let failure = match (&self.kind, io) {
                    (CheckKind::Udp(u), CheckIo::Data(d)) => {
                        (!u.reply_ok(d)).then_some(FailReason::ReplyMismatch)
                    }
                    (CheckKind::Ping(_), CheckIo::EchoReply) => None,
                    (_, CheckIo::Unreachable | CheckIo::Refused | CheckIo::Error) => {
                        Some(FailReason::Unreachable)
                    }
                    // Anything else is not an answer to this attempt.
                    _ => return,
                };
                self.actions.push_back(CheckAction::Close { attempt });
                self.tcp_epilog(now, failure);
            }
            (Phase::Connecting { attempt: a, .. }, CheckIo::Connected) if a == attempt => {
                match &self.kind {
                    CheckKind::Tcp => {
                        self.actions.push_back(CheckAction::Close { attempt });
                        self.tcp_epilog(now, None);
                    }
                    CheckKind::Smtp(_) => {
                        // smtp_engine_thread: SMTP_START → read the banner.
                        self.smtp.begin();
                        self.phase = Phase::Reading {
                            attempt,
                            deadline: now + self.settings.connect_timeout,
                        };
                    }
                    CheckKind::Http(h) if h.ssl.is_some() => {
                        // ssl_connect: the handshake runs under the connect's deadline.
                        let enable_sni = h.ssl.as_ref().is_some_and(|o| o.enable_sni);
                        let url = self.http.current_url(h);
                        let name = h.sni(url);
                        let seed = self.rng.next_u64();
                        match ssl::TlsClient::new(seed, name.as_deref(), enable_sni) {
                            Ok(mut c) => {
                                let data = c.take_outgoing();
                                self.tls.0 = Some(c);
                                self.actions.push_back(CheckAction::Send { attempt, data });
                            }
                            Err(reason) => {
                                self.actions.push_back(CheckAction::Close { attempt });
                                self.fail(now, reason);
                            }
                        }
                    }
                    CheckKind::Misc(_)
                    | CheckKind::Dns(_)
                    | CheckKind::Udp(_)
                    | CheckKind::Ping(_)
                    | CheckKind::File(_)
                    | CheckKind::Bfd(_) => {}
                    CheckKind::Http(h) => {
                        let url = self.http.current_url(h);
                        let req = h.request(url, self.dst);
                        self.http.begin_response();
                        self.actions
                            .push_back(CheckAction::Send { attempt, data: req });
                        self.phase = Phase::Reading {
                            attempt,
                            deadline: now + self.settings.connect_timeout,
                        };
                    }
                }
            }
            (Phase::Connecting { attempt: a, .. }, CheckIo::Refused | CheckIo::Error)
                if a == attempt =>
            {
                self.actions.push_back(CheckAction::Close { attempt });
                self.fail(now, FailReason::ConnectFailed);
            }
            (Phase::Connecting { attempt: a, .. }, CheckIo::Data(bytes)) if a == attempt => {
                self.ssl_handshake_data(now, attempt, bytes);
            }
            (Phase::Connecting { attempt: a, .. }, CheckIo::Eof) if a == attempt => {
                // The server closed during the TLS handshake.
                self.actions.push_back(CheckAction::Close { attempt });
                self.fail(now, FailReason::SslHandshake);
            }
            (
                Phase::Reading {
                    attempt: a,
                    deadline,
                },
                CheckIo::Data(bytes),
            ) if a == attempt && !matches!(self.kind, CheckKind::Http(_)) => {
                self.reading_data(now, attempt, deadline, bytes);
            }
            (
                Phase::Reading {
                    attempt: a,
                    deadline,
                },
                CheckIo::Data(bytes),
            ) if a == attempt && self.tls.0.is_some() => {
                self.ssl_response_data(now, attempt, deadline, bytes);
            }
            (
                Phase::Reading { attempt: a, .. },
                CheckIo::Eof | CheckIo::Error | CheckIo::Refused | CheckIo::Unreachable,
            ) if a == attempt && matches!(self.kind, CheckKind::Smtp(_) | CheckKind::Dns(_)) => {
                self.actions.push_back(CheckAction::Close { attempt });
                let reason = match self.kind {
                    CheckKind::Dns(_) => FailReason::DnsReadFailed,
                    _ => FailReason::SmtpReadFailure,
                };
                self.fail(now, reason);
            }
            (Phase::Reading { attempt: a, .. }, CheckIo::Data(bytes)) if a == attempt => {
                self.http.push(bytes);
                // http_read_thread re-arms the read timeout after every read.
                self.phase = Phase::Reading {
                    attempt,
                    deadline: now + self.settings.connect_timeout,
                };
            }
            (Phase::Reading { attempt: a, .. }, CheckIo::Eof) if a == attempt => {
                self.actions.push_back(CheckAction::Close { attempt });
                let verdict = match &self.kind {
                    CheckKind::Http(h) => self.http.verdict(h),
                    _ => Ok(()),
                };
                match verdict {
                    Ok(()) => self.http_epilog(now, http::Method::New, None),
                    Err(reason) => self.fail(now, reason),
                }
            }
            (Phase::Reading { attempt: a, .. }, CheckIo::Error | CheckIo::Refused)
                if a == attempt =>
            {
                self.actions.push_back(CheckAction::Close { attempt });
                self.fail(now, FailReason::ReadError);
            }
            _ => {}
        }
    }

    fn fail(&mut self, now: Instant, reason: FailReason) {
        match self.kind {
            // udp_epilog and icmp_epilog are tcp_epilog line for line.
            CheckKind::Tcp
            | CheckKind::Udp(_)
            | CheckKind::Ping(_)
            | CheckKind::File(_)
            | CheckKind::Bfd(_) => self.tcp_epilog(now, Some(reason)),
            CheckKind::Misc(_) => self.misc_epilog(now, Err(reason)),
            CheckKind::Smtp(_) => self.smtp_final(now, Some(reason)),
            CheckKind::Dns(_) => self.dns_epilog(now, Some(reason)),
            CheckKind::Http(_) => {
                // timeout_epilog: retry only while the server is (or may be) up.
                if self.is_up || !self.has_run {
                    self.has_run = true;
                    self.http_epilog(now, http::Method::Retry, Some(reason));
                } else {
                    self.http_epilog(now, http::Method::Failed, Some(reason));
                }
            }
        }
    }

    fn set_state(&mut self, now: Instant, up: bool, reason: Option<FailReason>) {
        // update_svr_checker_state: an unchanged verdict only matters on the first run (alpha).
        if self.is_up == up {
            if !self.has_run && (self.settings.alpha || !up) {
                if let Some(reason) = reason {
                    self.events.push_back(CheckEvent::Down {
                        at: now,
                        reason,
                        initial: true,
                    });
                }
            }
            self.has_run = true;
            return;
        }
        self.has_run = true;
        self.is_up = up;
        self.events.push_back(if up {
            CheckEvent::Up { at: now }
        } else {
            CheckEvent::Down {
                at: now,
                reason: reason.unwrap_or(FailReason::ConnectFailed),
                initial: false,
            }
        });
    }

    /// check_tcp.c `tcp_epilog`; `failure` is None on success.
    fn tcp_epilog(&mut self, now: Instant, failure: Option<FailReason>) {
        let success = failure.is_none();
        let mut delay = self.settings.delay_loop;
        if success || ((self.is_up || !self.has_run) && self.retry_it >= self.settings.retry) {
            self.retry_it = 0;
            if success && (!self.is_up || !self.has_run) {
                self.set_state(now, true, None);
            } else if !success && (self.is_up || !self.has_run) {
                self.set_state(now, false, failure);
            }
        } else if self.is_up {
            delay = self.settings.delay_before_retry;
            self.retry_it += 1;
        }
        self.has_run = true;
        self.phase = Phase::Idle { at: now + delay };
    }

    /// check_misc.c `misc_check_child_thread`: `result` is the exit code, or why the script failed
    /// otherwise. The next run is timed from the start of this one.
    fn misc_epilog(&mut self, now: Instant, result: Result<u8, FailReason>) {
        let CheckKind::Misc(m) = &self.kind else {
            return;
        };
        let dynamic = m.dynamic;
        let reason = match result {
            Ok(code) if code == 0 || (dynamic && code >= 2) => {
                if code != self.last_exit_code {
                    // The weight is code − 2; exit 0 (legacy) restores the configured weight.
                    let weight = (code != 0).then(|| u32::from(code) - 2);
                    self.events
                        .push_back(CheckEvent::Weight { at: now, weight });
                    self.last_exit_code = code;
                }
                if !self.is_up || !self.has_run {
                    self.set_state(now, true, None);
                }
                self.retry_it = 0;
                None
            }
            Ok(code) => Some((FailReason::ScriptExit(code), Some(code))),
            Err(r) => Some((r, None)),
        };
        if let Some((reason, code)) = reason {
            if self.is_up || !self.has_run {
                if self.retry_it < self.settings.retry {
                    self.retry_it += 1;
                } else {
                    self.retry_it = 0;
                    if let Some(code) = code {
                        if self.last_exit_code != 0 && self.last_exit_code != 1 {
                            self.events.push_back(CheckEvent::Weight {
                                at: now,
                                weight: None,
                            });
                        }
                        self.last_exit_code = code;
                    }
                    self.set_state(now, false, Some(reason));
                }
            }
        }
        let delay = if self.retry_it > 0 {
            self.settings.delay_before_retry
        } else {
            self.settings.delay_loop
        };
        let next = self.last_ran + delay;
        self.phase = Phase::Idle {
            at: if next > now {
                next
            } else {
                now + Duration::from_nanos(1_000)
            },
        };
    }

    /// SSL_GET: handshake bytes from the server. When the handshake completes, the request is sent
    /// encrypted and the response wait starts (`connect_timeout`, http_request_thread).
    fn ssl_handshake_data(&mut self, now: Instant, attempt: AttemptId, bytes: &[u8]) {
        let CheckKind::Http(h) = &self.kind else {
            return;
        };
        let Some(tls) = self.tls.0.as_mut() else {
            return;
        };
        let input = tls.receive(bytes);
        let out = tls.take_outgoing();
        if !out.is_empty() {
            self.actions
                .push_back(CheckAction::Send { attempt, data: out });
        }
        if input.error.is_some() || input.closed {
            self.tls.0 = None;
            self.actions.push_back(CheckAction::Close { attempt });
            self.fail(now, FailReason::SslHandshake);
            return;
        }
        if tls.is_handshaking() {
            return;
        }
        let url = self.http.current_url(h);
        let req = h.request(url, self.dst);
        tls.send_plain(&req);
        let data = tls.take_outgoing();
        self.http.begin_response();
        self.ssl_read_started = false;
        self.actions.push_back(CheckAction::Send { attempt, data });
        self.phase = Phase::Reading {
            attempt,
            deadline: now + self.settings.connect_timeout,
        };
        if !input.plaintext.is_empty() {
            let deadline = now + self.settings.connect_timeout;
            self.ssl_plaintext(now, attempt, deadline, input.plaintext, false);
        }
    }

    /// SSL_GET: response records. The read deadline is set once, at the first bytes
    /// (ssl_read_thread keeps the remaining time); `close_notify` ends the response at once.
    fn ssl_response_data(
        &mut self,
        now: Instant,
        attempt: AttemptId,
        deadline: Instant,
        bytes: &[u8],
    ) {
        let Some(tls) = self.tls.0.as_mut() else {
            return;
        };
        let input = tls.receive(bytes);
        let out = tls.take_outgoing();
        if !out.is_empty() {
            self.actions
                .push_back(CheckAction::Send { attempt, data: out });
        }
        let deadline = if self.ssl_read_started {
            deadline
        } else {
            self.ssl_read_started = true;
            now + self.settings.connect_timeout
        };
        // SSL_ERROR_SSL ends the read like SSL_ERROR_SYSCALL: judge what was extracted.
        let ended = input.error.is_some();
        if input.closed {
            self.ssl_plaintext(now, attempt, deadline, input.plaintext, true);
        } else {
            self.ssl_plaintext(now, attempt, deadline, input.plaintext, false);
            if ended {
                self.ssl_end_of_stream(now, attempt, false);
            }
        }
    }

    fn ssl_plaintext(
        &mut self,
        now: Instant,
        attempt: AttemptId,
        deadline: Instant,
        plain: Vec<u8>,
        closed: bool,
    ) {
        if !plain.is_empty() {
            self.http.push(&plain);
        }
        self.phase = Phase::Reading { attempt, deadline };
        if closed {
            self.ssl_end_of_stream(now, attempt, true);
        }
    }

    /// ssl_read_thread's end of stream: with `close_notify` (`SSL_ERROR_ZERO_RETURN`) and no header
    /// it is "SSL read error"; otherwise the response is judged like HTTP_GET's.
    fn ssl_end_of_stream(&mut self, now: Instant, attempt: AttemptId, zero_return: bool) {
        self.tls.0 = None;
        self.actions.push_back(CheckAction::Close { attempt });
        let verdict = match &self.kind {
            CheckKind::Http(h) => {
                if zero_return && !self.http.extracted() {
                    Err(FailReason::SslRead)
                } else {
                    self.http.verdict(h)
                }
            }
            _ => Ok(()),
        };
        match verdict {
            Ok(()) => self.http_epilog(now, http::Method::New, None),
            Err(reason) => self.fail(now, reason),
        }
    }

    /// SMTP_CHECK / DNS_CHECK: bytes (a TCP segment or a datagram) while reading.
    fn reading_data(&mut self, now: Instant, attempt: AttemptId, deadline: Instant, bytes: &[u8]) {
        match &self.kind {
            CheckKind::Smtp(s) => {
                let helo = s.helo_name.clone();
                // smtp_get_line_cb re-arms the read timeout after every read.
                self.phase = Phase::Reading {
                    attempt,
                    deadline: now + self.settings.connect_timeout,
                };
                match self.smtp.push(bytes, &helo) {
                    None => {}
                    Some(smtp::Step::Send(data)) => {
                        self.actions.push_back(CheckAction::Send { attempt, data });
                    }
                    Some(smtp::Step::Done) => {
                        self.actions.push_back(CheckAction::Close { attempt });
                        self.smtp_final(now, None);
                    }
                    Some(smtp::Step::BadBanner) => {
                        self.actions.push_back(CheckAction::Close { attempt });
                        self.smtp_final(now, Some(FailReason::SmtpBanner));
                    }
                    Some(smtp::Step::BadHelo) => {
                        self.actions.push_back(CheckAction::Close { attempt });
                        self.smtp_final(now, Some(FailReason::SmtpHelo));
                    }
                }
            }
            CheckKind::Dns(_) => match dns::judge(bytes, self.dns_id) {
                // Ignored datagrams keep the deadline (the remaining time is re-registered).
                dns::Reply::Ignore => self.phase = Phase::Reading { attempt, deadline },
                dns::Reply::Ok => {
                    self.actions.push_back(CheckAction::Close { attempt });
                    self.dns_epilog(now, None);
                }
                dns::Reply::Rcode(rc) => {
                    self.actions.push_back(CheckAction::Close { attempt });
                    self.dns_epilog(now, Some(FailReason::DnsRcode(rc)));
                }
            },
            _ => {}
        }
    }

    /// check_smtp.c `smtp_final`: a failure is retried `retry` times `delay_before_retry` apart, up
    /// or down (retry_it restarts at every delay_loop check), then marks the checker down.
    fn smtp_final(&mut self, now: Instant, failure: Option<FailReason>) {
        if let Some(reason) = failure {
            self.retry_it += 1;
            if self.retry_it <= self.settings.retry {
                self.phase = Phase::Idle {
                    at: now + self.settings.delay_before_retry,
                };
                return;
            }
            if self.is_up || !self.has_run {
                self.set_state(now, false, Some(reason));
            }
        } else if !self.is_up || !self.has_run {
            self.set_state(now, true, None);
        }
        self.has_run = true;
        // smtp_start_check_thread, delay_loop later, starts again with retry_it = 0.
        self.retry_it = 0;
        self.phase = Phase::Idle {
            at: now + self.settings.delay_loop,
        };
    }

    /// check_dns.c `dns_final`: retries only while the checker is up (or has not run), then down.
    fn dns_epilog(&mut self, now: Instant, failure: Option<FailReason>) {
        if let Some(reason) = failure {
            if self.is_up || !self.has_run {
                if self.retry_it < self.settings.retry {
                    self.retry_it += 1;
                    self.has_run = true;
                    self.phase = Phase::Idle {
                        at: now + self.settings.delay_before_retry,
                    };
                    return;
                }
                self.set_state(now, false, Some(reason));
            }
        } else if !self.is_up || !self.has_run {
            self.set_state(now, true, None);
        }
        self.retry_it = 0;
        self.phase = Phase::Idle {
            at: now + self.settings.delay_loop,
        };
    }

    /// check_http.c `epilog`.
    fn http_epilog(&mut self, now: Instant, method: http::Method, failure: Option<FailReason>) {
        let CheckKind::Http(h) = &self.kind else {
            return;
        };
        let n_urls = h.urls.len();
        let fast_recovery = h.fast_recovery;
        match method {
            http::Method::New => {
                self.http.advance(n_urls);
                self.retry_it = 0;
            }
            http::Method::Retry => self.retry_it += 1,
            http::Method::Failed => {}
        }
        if method == http::Method::New
            && self.http.url_it.is_none()
            && self.http.failed_url.is_none()
        {
            // All URLs passed.
            if !self.is_up || !self.has_run {
                self.set_state(now, true, None);
                self.has_run = true;
            }
            self.http.url_it = Some(0);
            self.retry_it = 0;
        } else if method == http::Method::Retry && self.retry_it > self.settings.retry {
            if self.is_up || !self.has_run {
                self.set_state(now, false, failure);
            }
            self.http.failed_url = self.http.url_it;
        } else if method == http::Method::New && self.http.failed_url.is_some() {
            // The failed URL passes again: start over with every URL (a second full round is needed
            // before the server is declared up).
            self.http.failed_url = None;
            self.http.url_it = Some(0);
            self.retry_it = 0;
        }
        let delay = if method == http::Method::New {
            if !self.has_run {
                self.retry_it = self.settings.retry;
            }
            self.settings.delay_loop
        } else if self.http.failed_url.is_some() {
            self.settings
                .delay_before_retry
                .max(self.settings.delay_loop)
        } else {
            self.settings.delay_before_retry
        };
        let delay = if fast_recovery
            && (!self.has_run || (!self.is_up && self.http.failed_url.is_none()))
        {
            Duration::ZERO
        } else {
            delay
        };
        self.phase = Phase::Idle { at: now + delay };
    }
}

/// FNV-1a, to turn a name or an address into a seed component.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// UDP_CHECK, PING_CHECK, FILE_CHECK and BFD_CHECK.
impl Checker {
    /// The attempt of a datagram checker (UDP / PING), waiting `connect_timeout` for an answer.
    fn datagram_action(&mut self, now: Instant) -> Option<CheckAction> {
        if !matches!(self.kind, CheckKind::Udp(_) | CheckKind::Ping(_)) {
            return None;
        }
        let attempt = self.new_attempt();
        self.phase = Phase::Awaiting {
            attempt,
            deadline: now + self.settings.connect_timeout,
        };
        let dst = self.dst;
        match &self.kind {
            CheckKind::Udp(u) => Some(CheckAction::SendUdp {
                attempt,
                dst,
                payload: u.datagram(),
            }),
            CheckKind::Ping(p) => Some(CheckAction::SendEcho {
                attempt,
                dst,
                data: p.data(),
            }),
            _ => None,
        }
    }

    /// FILE_CHECK: the file's value when keepalived starts (`process_track_file(init)` and
    /// `set_track_file_checkers_down`): a FAULT value starts the checker down, any other status is
    /// its initial weight contribution. Call before the director starts.
    pub fn init_track_file(&mut self, value: i64) {
        let CheckKind::File(f) = &self.kind else {
            return;
        };
        let status = f.status(value);
        self.file_value = value;
        self.has_run = true;
        self.is_up = status != WEIGHT_FAULT;
        self.cur_weight = if self.is_up { status } else { 0 };
    }

    /// FILE_CHECK: this checker's weight contribution now (0 while in FAULT).
    pub fn weight_contribution(&self) -> i64 {
        self.cur_weight
    }

    /// FILE_CHECK: the file was written with `value` (`process_update_checker_track_file_status`).
    pub fn handle_track_file(&mut self, now: Instant, value: i64) {
        let CheckKind::File(f) = &self.kind else {
            return;
        };
        if value == self.file_value {
            return;
        }
        let (prev, new) = (f.status(self.file_value), f.status(value));
        self.file_value = value;
        if prev == new {
            return;
        }
        if new == WEIGHT_FAULT {
            self.set_state(now, false, Some(FailReason::FileFault(value)));
            if self.cur_weight != 0 {
                self.events.push_back(CheckEvent::WeightDelta {
                    at: now,
                    delta: -self.cur_weight,
                });
            }
            self.cur_weight = 0;
        } else if prev == WEIGHT_FAULT {
            // The weight is in place before the server comes back, so it returns with it.
            self.cur_weight = new;
            if new != 0 {
                self.events.push_back(CheckEvent::WeightDelta {
                    at: now,
                    delta: new,
                });
            }
            self.set_state(now, true, None);
        } else {
            self.events.push_back(CheckEvent::WeightDelta {
                at: now,
                delta: new - prev,
            });
            self.cur_weight = new;
        }
    }

    /// BFD_CHECK: the tracked session reported Up (`up`) or Down with `diag`
    /// (`bfd_check_handle_event`): acted on unless it repeats the checker's verdict after its
    /// first run.
    pub fn handle_bfd(&mut self, now: Instant, up: bool, diag: u8) {
        if !matches!(self.kind, CheckKind::Bfd(_)) {
            return;
        }
        if up == self.is_up && self.has_run {
            return;
        }
        let reason = (!up).then_some(FailReason::BfdDown(diag));
        self.set_state(now, up, reason);
    }
}
