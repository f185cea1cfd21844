//! nginx on a keepalived router node: a reverse proxy over real TCP, driven by the `nginx` crate's upstream
//! model, plus the seed's `chk_nginx.sh` track script as keepalived runs it.
//!
//! What this module owns:
//! - [`NginxHost`]: the nginx process. It listens on the `listen` port of the `server` block that
//!   `proxy_pass`es to an upstream (so on the VIP while the node is master). For each client request it asks
//!   [`nginx::proxy::Proxy`] which upstream server to try, opens a real smoltcp TCP connection to it from the
//!   node's address, sends `GET` as nginx does (HTTP/1.0, `Host: <upstream name>`), and turns what the socket
//!   does (refused, reset, silent past `proxy_connect_timeout` / `proxy_read_timeout`, a status line) into an
//!   attempt result. The answer relayed to the client, or the 502/504 page nginx generates, is in the capture.
//!   Killing the process aborts every socket; a restart starts with fresh upstream state, as a new nginx
//!   master does.
//! - [`ChkNginx`]: `chk_nginx.sh` as keepalived 2.2 runs it. Every `interval` from keepalived's start, when no
//!   earlier run is still going: if nginx runs the script exits 0 at once; otherwise it starts nginx
//!   (`/usr/sbin/nginx`), sleeps `check_sleep` (3 s), and stops keepalived (`/etc/init.d/keepalived stop`) if
//!   nginx is still not running. keepalived kills a script that outlives its `timeout` (default: the
//!   interval) and counts that as a failure, so with the seed's `interval 2` the script never reaches its
//!   `keepalived stop`: its observable effect is nginx restarted plus one failed run (weight −2) per run
//!   while nginx is down. Results go through keepalived's rise/fall counter.
//! - The timeline: nginx starts and deaths, each upstream attempt, failures, "temporarily disabled" windows,
//!   probes, recoveries, and each script run.

use crate::host::sockets::{listen, listeners_missing, recv_all, Closing};
use crate::host::stack::Stack;
use crate::scenario::ConfigSource;
use crate::time::{serde_dur, Duration, Instant};
use crate::timeline::{Event, Timeline};
use keepalived_conf::model::Config as KaConfig;
use nginx::conf::{NginxConf, ProxyRoute};
use nginx::proxy::{AttemptResult, Decision, HttpMethod, Proxy, Request, RequestCtx};
use nginx::upstream::UpstreamEventKind;
use serde::{Deserialize, Serialize};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp;
use smoltcp::wire::{IpAddress, IpEndpoint};
use std::net::{IpAddr, SocketAddr};

/// nginx on a router node, as the scenario declares it (`nginx: (...)` on a `Router`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NginxSpec {
    /// nginx configuration holding the `upstream` block and the `server` that proxies to it.
    pub config: ConfigSource,
    /// The vrrp_script of the node's keepalived.conf whose program is the seed's `chk_nginx.sh`.
    #[serde(default)]
    pub check_script: Option<String>,
    /// The script's `sleep` between starting nginx and checking again (`sleep 3`).
    #[serde(with = "serde_dur", default = "default_sleep")]
    pub check_sleep: Duration,
    /// How long `/usr/sbin/nginx` takes until nginx listens.
    #[serde(with = "serde_dur", default = "default_start_time")]
    pub start_time: Duration,
}

fn default_sleep() -> Duration {
    Duration::from_secs(3)
}

fn default_start_time() -> Duration {
    Duration::from_millis(20)
}

/// What an nginx timeline entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NginxAction {
    /// nginx started listening.
    Started,
    /// The nginx process died.
    Died,
    /// `/usr/sbin/nginx` was run but nginx did not come up.
    StartFailed,
    /// A request attempt went to an upstream server.
    Attempt,
    /// An attempt failed (a peer failure under `proxy_next_upstream` semantics).
    Failed,
    /// `max_fails` reached: the server takes no request until the end of `fail_timeout`.
    Disabled,
    /// The first request to a disabled server after `fail_timeout`.
    Probe,
    /// A success after the probe cleared the server's failures.
    Recovered,
    /// The client got its answer (status in the detail).
    Response,
    /// A chk_nginx.sh run and its outcome.
    Script,
    /// chk_nginx.sh ran `/etc/init.d/keepalived stop`.
    StopKeepalived,
}

/// Listening sockets kept free.
const LISTENERS: usize = 16;
/// Sockets at most on the client side.
const MAX_CONNS: usize = 64;
/// Linux's default `ip_local_port_range` starts here.
const PORT_BASE: u16 = 32768;

struct Attempt {
    handle: SocketHandle,
    started: Instant,
    connected: bool,
    sent_at: Option<Instant>,
    buf: Vec<u8>,
}

struct Conn {
    handle: SocketHandle,
    /// This process's request number of the request on this connection.
    id: u64,
    buf: Vec<u8>,
    request: Option<Request>,
    attempt: Option<Attempt>,
    answered: bool,
}

/// The nginx process of one node.
pub struct NginxHost {
    route: ProxyRoute,
    conf: NginxConf,
    start_time: Duration,
    running: bool,
    can_restart: bool,
    starting_at: Option<Instant>,
    proxy: Option<Proxy>,
    conns: Vec<Conn>,
    closing: Closing,
    next_port: u16,
    requests: u64,
}

fn ms(t: Instant) -> u64 {
    t.as_nanos() / 1_000_000
}

fn push(
    timeline: &mut Timeline,
    at: Instant,
    node: &str,
    action: NginxAction,
    server: Option<String>,
    detail: String,
) {
    timeline.push(
        at,
        Some(node),
        Event::Nginx {
            action,
            server,
            detail,
        },
    );
}

impl NginxHost {
    /// nginx from its parsed configuration; `Err` names what is missing.
    pub fn new(conf: NginxConf, spec: &NginxSpec) -> Result<NginxHost, String> {
        let route = conf
            .routes
            .first()
            .cloned()
            .ok_or("the nginx config has no proxy_pass to an upstream block")?;
        Ok(NginxHost {
            route,
            conf,
            start_time: spec.start_time,
            running: false,
            can_restart: true,
            starting_at: None,
            proxy: None,
            conns: vec![],
            closing: Closing::default(),
            next_port: 0,
            requests: 0,
        })
    }

    /// True while the process runs.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// The port nginx listens on.
    pub fn port(&self) -> u16 {
        self.route.listen
    }

    /// Whether `/usr/sbin/nginx` can bring it up (false: a broken config, the port taken, ...).
    pub fn set_can_restart(&mut self, can: bool) {
        self.can_restart = can;
    }

    /// Runs `/usr/sbin/nginx` at `now` (boot, the check script, an operator).
    pub fn start(&mut self, now: Instant, timeline: &mut Timeline, node: &str) {
        if self.running || self.starting_at.is_some() {
            return;
        }
        if !self.can_restart {
            push(
                timeline,
                now,
                node,
                NginxAction::StartFailed,
                None,
                "nginx did not start".into(),
            );
            return;
        }
        self.starting_at = Some(now + self.start_time);
    }

    /// The host boots: nginx (started by the init system before keepalived) is listening at once.
    pub fn boot(&mut self, now: Instant, timeline: &mut Timeline, node: &str) {
        if self.running || !self.can_restart {
            return;
        }
        self.come_up(now, timeline, node);
    }

    /// nginx has opened its listening sockets (they are created at the next poll) and has fresh upstream state.
    fn come_up(&mut self, now: Instant, timeline: &mut Timeline, node: &str) {
        self.starting_at = None;
        if let Some(u) = self.conf.upstream(&self.route.upstream) {
            self.running = true;
            self.proxy = Some(Proxy::new(u, self.route.settings.clone()));
            push(
                timeline,
                now,
                node,
                NginxAction::Started,
                None,
                format!(
                    "nginx listening on port {} (upstream {})",
                    self.route.listen, self.route.upstream
                ),
            );
        }
    }

    /// The process is killed: every connection is reset, the upstream state is lost.
    pub fn kill(&mut self, now: Instant, stack: &mut Stack, timeline: &mut Timeline, node: &str) {
        self.starting_at = None;
        if !self.running {
            return;
        }
        self.running = false;
        self.proxy = None;
        for c in self.conns.drain(..) {
            if let Some(a) = c.attempt {
                stack.sockets.get_mut::<tcp::Socket>(a.handle).abort();
                self.closing.push(a.handle, now);
            }
            stack.sockets.get_mut::<tcp::Socket>(c.handle).abort();
            self.closing.push(c.handle, now);
        }
        push(
            timeline,
            now,
            node,
            NginxAction::Died,
            None,
            "nginx process died".into(),
        );
    }

    /// The host crashed: the stack (and every socket) is gone; nginx starts again when the host boots.
    pub fn crash(&mut self) {
        self.running = false;
        self.starting_at = None;
        self.proxy = None;
        self.conns.clear();
        self.closing.clear();
    }

    /// The earliest instant this process needs a poll.
    pub fn poll_at(&self) -> Option<Instant> {
        let mut t = self.starting_at;
        let mut consider = |x: Instant| t = Some(t.map_or(x, |y| y.min(x)));
        if let Some(d) = self.closing.poll_at() {
            consider(d);
        }
        if let Some(p) = &self.proxy {
            for c in &self.conns {
                if let Some(a) = &c.attempt {
                    consider(self.deadline(p, a));
                }
            }
        }
        t
    }

    fn deadline(&self, p: &Proxy, a: &Attempt) -> Instant {
        match a.sent_at {
            Some(s) => s + Duration::from_millis(p.settings.read_timeout_ms),
            None => a.started + Duration::from_millis(p.settings.connect_timeout_ms),
        }
    }

    /// Accepts, proxies and answers what the stack delivered. The caller polls the stack afterwards.
    pub fn poll(&mut self, now: Instant, stack: &mut Stack, timeline: &mut Timeline, node: &str) {
        self.closing.reap(now, stack);
        if self.starting_at.is_some_and(|t| t <= now) {
            self.come_up(now, timeline, node);
        }
        if !self.running {
            return;
        }
        let Some(mut proxy) = self.proxy.take() else {
            return;
        };
        let mut conns = std::mem::take(&mut self.conns);
        let mut keep = Vec::with_capacity(conns.len());
        for mut c in conns.drain(..) {
            self.serve(now, &mut c, &mut proxy, stack, timeline, node);
            let sock = stack.sockets.get_mut::<tcp::Socket>(c.handle);
            let finished = !sock.is_open() && c.attempt.is_none();
            if finished && keep.len() >= LISTENERS {
                // Enough listeners already: this socket goes.
                stack.sockets.remove(c.handle);
                continue;
            }
            if finished {
                // A finished connection's socket listens again, with a fresh request state.
                let _ = sock.listen(self.route.listen);
                c = Conn {
                    handle: c.handle,
                    id: 0,
                    buf: vec![],
                    request: None,
                    attempt: None,
                    answered: false,
                };
            }
            keep.push(c);
        }
        self.conns = keep;
        for e in proxy.upstream.drain_events() {
            let (action, detail) = match e.kind {
                UpstreamEventKind::Failed { fails } => (
                    NginxAction::Failed,
                    format!("upstream {} failed (fails={fails})", e.server),
                ),
                UpstreamEventKind::Disabled { until_ms } => (
                    NginxAction::Disabled,
                    format!(
                        "upstream server {} temporarily disabled until {:.3}s",
                        e.server,
                        until_ms as f64 / 1000.0
                    ),
                ),
                UpstreamEventKind::Probe => (
                    NginxAction::Probe,
                    format!("probe of {} after fail_timeout", e.server),
                ),
                UpstreamEventKind::Recovered => (
                    NginxAction::Recovered,
                    format!("upstream {} recovered", e.server),
                ),
            };
            push(timeline, now, node, action, Some(e.server), detail);
        }
        self.proxy = Some(proxy);
        self.refill(stack);
    }

    /// Keeps a backlog of listening sockets, as the kernel's accept queue does for nginx.
    fn refill(&mut self, stack: &mut Stack) {
        let handles: Vec<SocketHandle> = self.conns.iter().map(|c| c.handle).collect();
        for _ in 0..listeners_missing(stack, &handles, LISTENERS, MAX_CONNS) {
            self.conns.push(Conn {
                handle: listen(stack, self.route.listen, 1024, 2048),
                id: 0,
                buf: vec![],
                request: None,
                attempt: None,
                answered: false,
            });
        }
    }

    fn serve(
        &mut self,
        now: Instant,
        c: &mut Conn,
        proxy: &mut Proxy,
        stack: &mut Stack,
        timeline: &mut Timeline,
        node: &str,
    ) {
        let sock = stack.sockets.get_mut::<tcp::Socket>(c.handle);
        recv_all(sock, &mut c.buf);
        let client_gone = c.request.is_some() && !c.answered && !sock.is_open();
        if client_gone {
            // The client gave up (reset): nginx finalizes with 499 and releases the peer without a failure.
            if let (Some(req), Some(a)) = (&mut c.request, c.attempt.take()) {
                proxy.abandon(req, ms(now));
                stack.sockets.get_mut::<tcp::Socket>(a.handle).abort();
                self.closing.push(a.handle, now);
            }
            return;
        }
        if c.request.is_none() && !c.answered {
            let Some(end) = header_end(&c.buf) else {
                return;
            };
            let Some(remote) = sock.remote_endpoint() else {
                return;
            };
            let head = String::from_utf8_lossy(&c.buf[..end]).into_owned();
            let mut words = head.split_whitespace();
            let method = HttpMethod::from_word(words.next().unwrap_or("GET"));
            let uri = words.next().unwrap_or("/").to_string();
            let host = head
                .lines()
                .find_map(|l| l.strip_prefix("Host:").map(|h| h.trim().to_string()))
                .unwrap_or_default();
            let client = SocketAddr::new(to_ip(remote.addr), remote.port);
            self.requests += 1;
            c.id = self.requests;
            let (req, d) = proxy.start(
                ms(now),
                RequestCtx {
                    client,
                    method,
                    uri,
                    host,
                },
            );
            c.request = Some(req);
            self.apply(now, c, d, proxy, stack, timeline, node);
            return;
        }
        // An attempt in flight: what did its socket do?
        let Some(a) = &mut c.attempt else { return };
        let up = stack.sockets.get_mut::<tcp::Socket>(a.handle);
        let state = up.state();
        let mut result = None;
        if !a.connected {
            match state {
                tcp::State::Established | tcp::State::CloseWait => a.connected = true,
                tcp::State::Closed | tcp::State::TimeWait => {
                    result = Some(AttemptResult::Error { sent: false })
                }
                _ => {}
            }
        }
        if a.connected && a.sent_at.is_none() && up.can_send() {
            let req = format!(
                "GET {} HTTP/1.0\r\nHost: {}\r\nConnection: close\r\n\r\n",
                c.request.as_ref().map_or("/", |r| r.ctx.uri.as_str()),
                self.route.upstream
            );
            if up.send_slice(req.as_bytes()).is_ok() {
                a.sent_at = Some(now);
            }
        }
        if a.connected {
            recv_all(up, &mut a.buf);
            let eof = !up.may_recv() || matches!(state, tcp::State::Closed | tcp::State::TimeWait);
            result = result.or_else(|| response_result(&a.buf, eof));
        }
        if result.is_none() && now >= self.deadline(proxy, a) {
            result = Some(AttemptResult::Timeout {
                sent: a.sent_at.is_some(),
            });
        }
        let Some(result) = result else { return };
        let Some(req) = &mut c.request else { return };
        let d = proxy.finish(req, ms(now), result);
        let a = c.attempt.take();
        if let Some(a) = &a {
            let s = stack.sockets.get_mut::<tcp::Socket>(a.handle);
            if matches!(result, AttemptResult::Status(_)) {
                s.close();
            } else {
                s.abort();
            }
            self.closing.push(a.handle, now);
        }
        if let Decision::Respond { from: Some(_), .. } = d {
            if let Some(a) = a {
                c.buf = a.buf;
            }
        }
        self.apply(now, c, d, proxy, stack, timeline, node);
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        now: Instant,
        c: &mut Conn,
        d: Decision,
        proxy: &mut Proxy,
        stack: &mut Stack,
        timeline: &mut Timeline,
        node: &str,
    ) {
        match d {
            Decision::Connect(peer) => {
                let Some(SocketAddr::V4(dst)) = proxy.addr(peer) else {
                    return;
                };
                let server = proxy.upstream.peer(peer).map(|p| p.conf.name.clone());
                let attempt_no = c.request.as_ref().map_or(0, |r| r.attempts);
                push(
                    timeline,
                    now,
                    node,
                    NginxAction::Attempt,
                    server.clone(),
                    format!(
                        "request {} try {attempt_no} -> {}",
                        c.id,
                        server.unwrap_or_default()
                    ),
                );
                let mut sock = tcp::Socket::new(
                    tcp::SocketBuffer::new(vec![0; 4096]),
                    tcp::SocketBuffer::new(vec![0; 1024]),
                );
                let local = PORT_BASE + self.next_port;
                self.next_port = (self.next_port + 1) % 28000;
                let remote = IpEndpoint::new(IpAddress::Ipv4(*dst.ip()), dst.port());
                let ok = sock.connect(stack.iface_context(), remote, local).is_ok();
                let handle = stack.sockets.add(sock);
                if !ok {
                    stack.sockets.get_mut::<tcp::Socket>(handle).abort();
                }
                c.attempt = Some(Attempt {
                    handle,
                    started: now,
                    connected: false,
                    sent_at: None,
                    buf: vec![],
                });
            }
            Decision::Respond { status, from } => {
                let body_from =
                    from.and_then(|p| proxy.upstream.peer(p).map(|x| x.conf.name.clone()));
                let response = match from {
                    Some(_) => relay(&c.buf, status),
                    None => error_page(status),
                };
                push(
                    timeline,
                    now,
                    node,
                    NginxAction::Response,
                    body_from,
                    format!(
                        "request {} answered {status}{}",
                        c.id,
                        if from.is_some() {
                            ""
                        } else {
                            " (nginx error page)"
                        }
                    ),
                );
                let sock = stack.sockets.get_mut::<tcp::Socket>(c.handle);
                let _ = sock.send_slice(response.as_bytes());
                sock.close();
                c.answered = true;
                c.attempt = None;
            }
        }
    }
}

fn to_ip(a: IpAddress) -> IpAddr {
    match a {
        IpAddress::Ipv4(v) => IpAddr::V4(v),
        IpAddress::Ipv6(v) => IpAddr::V6(v),
    }
}

fn header_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// The attempt's result once the upstream's answer is complete (or the connection ended).
fn response_result(buf: &[u8], eof: bool) -> Option<AttemptResult> {
    if buf.len() >= 5 && !buf.starts_with(b"HTTP/") {
        return Some(AttemptResult::InvalidHeader);
    }
    let Some(end) = header_end(buf) else {
        return eof.then_some(AttemptResult::Error { sent: true });
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok());
    let Some(status) = status else {
        return Some(AttemptResult::InvalidHeader);
    };
    let len = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    match len {
        Some(n) if buf.len() >= end + n => Some(AttemptResult::Status(status)),
        Some(_) => eof.then_some(AttemptResult::Error { sent: true }),
        None => eof.then_some(AttemptResult::Status(status)),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        504 => "Gateway Time-out",
        _ => "",
    }
}

/// nginx's answer carrying the upstream's body (HTTP/1.1, `Server: nginx`).
fn relay(upstream: &[u8], status: u16) -> String {
    let body = header_end(upstream)
        .and_then(|e| upstream.get(e..))
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    format!(
        "HTTP/1.1 {status} {}\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        reason(status),
        body.len()
    )
}

/// The error page nginx generates itself.
fn error_page(status: u16) -> String {
    let title = format!("{status} {}", reason(status));
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    format!(
        "HTTP/1.1 {title}\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// What a chk_nginx.sh run asks of the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChkAction {
    /// Run `/usr/sbin/nginx`.
    StartNginx,
    /// keepalived's view of the script changed: up (true) or down (false), after rise/fall.
    Track(bool),
    /// Run `/etc/init.d/keepalived stop`.
    StopKeepalived,
}

/// chk_nginx.sh under keepalived's vrrp_script scheduler.
#[derive(Clone, Debug)]
pub struct ChkNginx {
    /// The vrrp_script name.
    pub script: String,
    interval: Duration,
    timeout: Duration,
    sleep: Duration,
    rise: u32,
    fall: u32,
    /// keepalived's `result` counter: `rise + fall - 1` is fully up, 0 fully down.
    result: u32,
    /// `init_fail`: the script starts out failed.
    init_fail: bool,
    /// No run has finished since keepalived started (`SCRIPT_INIT_STATE_INIT`): the first result is reported
    /// whatever the counter says.
    init: bool,
    next_run: Option<Instant>,
    /// A run that is sleeping: (started, killed at, done at).
    running: Option<(Instant, Instant, Instant)>,
}

impl ChkNginx {
    /// The model of `script` in `ka`, or None when keepalived has no such vrrp_script or disables it.
    pub fn new(ka: &KaConfig, script: &str, sleep: Duration) -> Option<ChkNginx> {
        let s = ka.vrrp_scripts.iter().find(|s| s.name == script)?;
        if s.keepalived_disables(|p| p.is_absolute()).is_some() {
            return None;
        }
        let interval = to_dur(s.effective_interval());
        let timeout = s
            .timeout
            .map(to_dur)
            .filter(|t| *t > Duration::ZERO)
            .unwrap_or(interval);
        let rise = s.rise.unwrap_or(1).max(1);
        let fall = s.fall.unwrap_or(1).max(1);
        Some(ChkNginx {
            script: script.to_string(),
            interval,
            timeout,
            sleep,
            rise,
            fall,
            result: rise + fall - 1,
            init_fail: s.init_fail,
            init: true,
            next_run: None,
            running: None,
        })
    }

    /// keepalived starts (`vrrp_init_script`): the first run is now, then every interval; one success is
    /// enough to be up (`result = rise - 1`), or the script starts failed with `init_fail`.
    pub fn start(&mut self, now: Instant) {
        self.next_run = Some(now);
        self.running = None;
        self.result = if self.init_fail { 0 } else { self.rise - 1 };
        self.init = true;
    }

    /// keepalived stopped or died: no more runs (a sleeping run is killed with it).
    pub fn stop(&mut self) {
        self.next_run = None;
        self.running = None;
    }

    /// When the scheduler next has something to do.
    pub fn poll_at(&self) -> Option<Instant> {
        let run_end = self.running.map(|(_, kill, done)| kill.min(done));
        match (self.next_run, run_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs what is due at `now`; `nginx_running` is what `ps -C nginx` would see. Actions go to `out`,
    /// notes to the timeline.
    pub fn poll(
        &mut self,
        now: Instant,
        nginx_running: bool,
        out: &mut Vec<ChkAction>,
        timeline: &mut Timeline,
        node: &str,
    ) {
        loop {
            let run_due = self.next_run.filter(|t| *t <= now);
            let end_due = self.running.filter(|(_, k, d)| (*k).min(*d) <= now);
            // keepalived moves due timers to the ready queue before child timeouts: a run due at the same
            // instant as the kill of the previous one finds it still running and is skipped.
            if let Some(t) = run_due.filter(|t| end_due.is_none_or(|(_, k, d)| *t <= k.min(d))) {
                self.next_run = Some(t + self.interval);
                if self.running.is_some() {
                    note(
                        timeline,
                        t,
                        node,
                        format!(
                            "track script {} is already running - skipping run",
                            self.script
                        ),
                    );
                    continue;
                }
                if nginx_running {
                    // The routine run (nginx up, exit 0) is only recorded when it changes keepalived's view.
                    self.outcome(t, true, "exited 0 (nginx running)", out, timeline, node);
                } else {
                    out.push(ChkAction::StartNginx);
                    note(
                        timeline,
                        t,
                        node,
                        format!(
                            "{}: no nginx process; started /usr/sbin/nginx, sleeping {}",
                            self.script,
                            crate::time::format_duration(self.sleep)
                        ),
                    );
                    // keepalived kills the script after `timeout`; it finishes after its sleep.
                    self.running = Some((t, t + self.timeout, t + self.sleep));
                    // The rest (restart result, kill) happens at later instants.
                    return;
                }
                continue;
            }
            if let Some((_, kill, done)) = end_due {
                self.running = None;
                if kill <= done {
                    self.outcome(
                        kill,
                        false,
                        &format!(
                            "timed out after {} and was killed",
                            crate::time::format_duration(self.timeout)
                        ),
                        out,
                        timeline,
                        node,
                    );
                } else if nginx_running {
                    self.outcome(
                        done,
                        true,
                        "exited 0 (nginx restarted)",
                        out,
                        timeline,
                        node,
                    );
                } else {
                    push(
                        timeline,
                        done,
                        node,
                        NginxAction::StopKeepalived,
                        None,
                        format!(
                            "{}: nginx still down after {}: /etc/init.d/keepalived stop",
                            self.script,
                            crate::time::format_duration(self.sleep)
                        ),
                    );
                    out.push(ChkAction::StopKeepalived);
                }
                continue;
            }
            return;
        }
    }

    /// keepalived's rise/fall counter (`vrrp_script_child_thread`).
    fn outcome(
        &mut self,
        at: Instant,
        ok: bool,
        what: &str,
        out: &mut Vec<ChkAction>,
        timeline: &mut Timeline,
        node: &str,
    ) {
        let routine =
            ok && self.result == self.rise + self.fall - 1 && what.ends_with("(nginx running)");
        if !routine {
            note(timeline, at, node, format!("{} {what}", self.script));
        }
        let (rise, fall) = (self.rise, self.fall);
        if ok {
            if self.result < rise - 1 {
                self.result += 1;
            } else if self.result != rise + fall - 1 {
                if self.result < rise {
                    out.push(ChkAction::Track(true));
                }
                self.result = rise + fall - 1;
            }
        } else if self.result > rise {
            self.result -= 1;
        } else {
            if self.result == rise || self.init {
                out.push(ChkAction::Track(false));
            }
            self.result = 0;
        }
        self.init = false;
    }
}

/// A chk_nginx.sh line on the timeline.
fn note(timeline: &mut Timeline, at: Instant, node: &str, text: String) {
    push(timeline, at, node, NginxAction::Script, None, text);
}

fn to_dur(d: std::time::Duration) -> Duration {
    Duration::from_nanos(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// nginx and its check script on one router node.
pub struct NginxNode {
    /// The nginx process.
    pub host: NginxHost,
    /// chk_nginx.sh, when the scenario binds it to a vrrp_script keepalived runs.
    pub chk: Option<ChkNginx>,
}

impl NginxNode {
    /// Reads the nginx config of `spec` (relative to the scenario) and binds the check script of `ka`.
    pub fn build(
        loaded: &crate::scenario::Loaded,
        router: &str,
        spec: &NginxSpec,
        ka: &KaConfig,
    ) -> Result<NginxNode, crate::scenario::ScenarioError> {
        let (text, file) = match &spec.config {
            ConfigSource::File(f) => {
                let p = loaded.resolve(f);
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    loaded.error_at(
                        f,
                        format!(
                            "router {router:?}: cannot read nginx config {}: {e}",
                            p.display()
                        ),
                    )
                })?;
                (text, p)
            }
            ConfigSource::Inline(t) => (t.clone(), loaded.path.clone()),
        };
        let conf = nginx::parse(&file.display().to_string(), &text).map_err(|e| {
            crate::scenario::ScenarioError {
                file: file.clone(),
                line: e.line,
                col: e.col,
                message: format!("nginx: {}", e.message),
            }
        })?;
        let host = NginxHost::new(conf, spec)
            .map_err(|m| loaded.error_at(router, format!("router {router:?}: {m}")))?;
        let chk = match &spec.check_script {
            None => None,
            Some(name) => Some(ChkNginx::new(ka, name, spec.check_sleep).ok_or_else(|| {
                loaded.error_at(
                    name,
                    format!("router {router:?}: check_script {name:?} is not a vrrp_script keepalived would run"),
                )
            })?),
        };
        Ok(NginxNode { host, chk })
    }

    /// The earliest instant nginx or the script needs a poll.
    pub fn poll_at(&self) -> Option<Instant> {
        let a = self.host.poll_at();
        let b = self.chk.as_ref().and_then(ChkNginx::poll_at);
        match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    }

    /// Runs the script's due steps; nginx starts it asks for happen here, the rest goes to `out`.
    pub fn poll_script(
        &mut self,
        now: Instant,
        out: &mut Vec<ChkAction>,
        timeline: &mut Timeline,
        node: &str,
    ) {
        let Some(chk) = &mut self.chk else { return };
        let mut acts = vec![];
        chk.poll(now, self.host.is_running(), &mut acts, timeline, node);
        for a in acts {
            if a == ChkAction::StartNginx {
                self.host.start(now, timeline, node);
                // Whatever nginx needs to come up is polled at its own instant; the script sleeps meanwhile.
            } else {
                out.push(a);
            }
        }
    }
}
