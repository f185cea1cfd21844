//! The LVS half of a keepalived router host: the `lvs` crate's [`Director`] (IPVS table + health checkers)
//! wired to the host's smoltcp stack and to the frames the host receives.
//!
//! What this module owns:
//! - the checker I/O: each [`CheckAction`] becomes a real smoltcp TCP connection from the director's address to
//!   the real server, and what the socket does (connected, refused, bytes, end of stream, reset) goes back to
//!   the checker, so every HTTP_GET/TCP_CHECK is in the capture;
//! - the data path: a frame addressed to an address this host holds as a VRRP VIP (so only on the master) goes
//!   through IPVS; a scheduled packet is rewritten by its forwarding method (DR: only the MACs change) and sent
//!   to the real server through the host's ARP layer, so the backup never forwards;
//! - the timeline: table changes, checker verdicts, notify_up/down, quorum changes and each new connection.
//!
//! keepalived's lifecycle maps onto the director: boot starts it (checkers after the 1 s bootstrap delay and
//! their warmup), a graceful stop runs `clear_services`, a crash loses everything, and SIGKILL stops the
//! checkers but leaves the kernel's IPVS table (and the VIP) in place. MISC_CHECK scripts are not executed:
//! their exit status (and run time, or a hang) comes from the scenario (`misc_scripts`, `SetMiscScript`),
//! exit 0 at once when not listed. FILE_CHECK reads the node's `track_files` values (`TrackFile` faults
//! write them). UDP_CHECK, PING_CHECK, DNS_CHECK and the BFD sessions of BFD_CHECK go through
//! [`crate::lvs_dgram::DatagramIo`]. SSL_GET's TLS lives in the checker (`lvs::check::ssl`): this module only
//! carries its records over TCP.

use crate::host::services::MiscScript;
use crate::host::stack::Stack;
use crate::lvs_dgram::{DatagramIo, DgramResult};
use crate::lvs_sync::{SyncDaemon, SyncRole};
use crate::time::{Duration, Instant};
use crate::timeline::{Event, Timeline};
use keepalived_conf::model::Config as KaConfig;
use lvs::check::{AttemptId, CheckAction, CheckIo};
use lvs::{CheckerRef, Director, DirectorEvent, IpvsSettings, LvsPlan, Verdict};
use serde::{Deserialize, Serialize};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp;
use smoltcp::wire::{IpAddress, IpEndpoint};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// What an LVS timeline entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LvsAction {
    /// A real server was put in the IPVS table.
    Add,
    /// A real server was removed from the IPVS table.
    Remove,
    /// A real server's weight changed (inhibit_on_failure).
    Weight,
    /// `notify_up` ran.
    NotifyUp,
    /// `notify_down` ran.
    NotifyDown,
    /// A checker declared its server down.
    CheckFailed,
    /// A checker declared its server up.
    CheckOk,
    /// The virtual server regained quorum.
    QuorumUp,
    /// The virtual server lost quorum.
    QuorumDown,
    /// The director scheduled a new connection to a real server.
    Connect,
    /// A `bfd_instance` session changed state.
    Bfd,
    /// The `lvs_sync_daemon` thread changed (master, backup or stopped).
    SyncRole,
    /// The backup sync thread applied a message's entries to the connection table.
    SyncApplied,
}

/// Ephemeral ports of checker connections (Linux's default `ip_local_port_range` starts here).
const CHECK_PORT_BASE: u16 = 32768;
/// How long a closed checker connection may take to finish its FIN handshake before it is aborted.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// Action/result rounds in one poll (a checker reacts to a result with at most a few actions).
const MAX_ROUNDS: usize = 64;

/// What a checker socket did in one poll, before it is handed to the checker.
enum SockReport {
    Io(CheckIo<'static>),
    Data(Vec<u8>),
}

struct Attempt {
    checker: CheckerRef,
    handle: SocketHandle,
    connected: bool,
    eof: bool,
    done: bool,
    tx: Vec<u8>,
}

/// A director: IPVS and keepalived's checkers on one router host.
pub struct DirectorHost {
    plan: LvsPlan,
    seed: u64,
    director: Director,
    /// keepalived's checker process runs (false before boot, after a stop, crash or kill).
    checking: bool,
    /// Open checker connections. Attempt ids are numbered per checker, so the checker is part of the key.
    attempts: BTreeMap<(CheckerRef, AttemptId), Attempt>,
    closing: Vec<(SocketHandle, Instant)>,
    next_port: u16,
    names: BTreeMap<IpAddr, String>,
    dropped: u64,
    /// UDP_CHECK / PING_CHECK / BFD sockets.
    dgram: DatagramIo,
    /// MISC_CHECK outcomes by command line, from the scenario.
    misc: BTreeMap<String, MiscScript>,
    /// Running MISC_CHECK scripts by (checker, attempt): when each exits and with what status (None: it
    /// hangs).
    scripts: BTreeMap<(CheckerRef, AttemptId), Option<(Instant, u8)>>,
    /// Current track_file values (FILE_CHECK).
    files: BTreeMap<String, i64>,
    /// `lvs_sync_daemon`, when configured.
    sync: Option<SyncDaemon>,
}

fn to_lvs(t: Instant) -> lvs::Instant {
    lvs::Instant::from_nanos(t.as_nanos())
}

fn from_lvs(t: lvs::Instant) -> Instant {
    Instant::from_nanos(t.as_nanos())
}

impl DirectorHost {
    /// A director for the `virtual_server`s of `config`; `None` when it has none. `names` maps addresses to
    /// node names for the timeline.
    pub fn from_config(
        config: &KaConfig,
        seed: u64,
        names: BTreeMap<IpAddr, String>,
    ) -> Option<DirectorHost> {
        let plan = lvs::plan_from_keepalived(config);
        if plan.virtual_servers.is_empty() {
            return None;
        }
        let director = Director::new(&plan, IpvsSettings::default(), seed).ok()?;
        Some(DirectorHost {
            seed,
            director,
            checking: false,
            attempts: BTreeMap::new(),
            closing: vec![],
            next_port: 0,
            names,
            dropped: 0,
            dgram: DatagramIo::default(),
            misc: BTreeMap::new(),
            scripts: BTreeMap::new(),
            files: BTreeMap::new(),
            sync: plan
                .sync_daemon
                .as_ref()
                .and_then(|p| SyncDaemon::new(p, config)),
            plan,
        })
    }

    /// The underlying director (IPVS table and checkers), for inspection.
    pub fn director(&self) -> &Director {
        &self.director
    }

    /// Packets IPVS dropped (no real server available, or not forwardable).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn fresh(&mut self) {
        // Director::new succeeded once on this plan, so it succeeds again; keep the old one otherwise.
        if let Ok(d) = Director::new(&self.plan, IpvsSettings::default(), self.seed) {
            self.director = d;
        }
        self.attempts.clear();
        self.closing.clear();
        self.scripts.clear();
        // keepalived reads every tracked file when it starts.
        for (name, value) in &self.files {
            self.director
                .set_track_file(lvs::Instant::ZERO, name, *value);
        }
        if let Some(s) = &mut self.sync {
            // The fresh table has no sync thread; the next follow_vrrp starts one.
            s.set_role(SyncRole::Off, self.director.ipvs_mut());
        }
    }

    /// The scenario's world around keepalived: the track_file values at start and what each MISC_CHECK
    /// script does.
    pub fn set_environment(
        &mut self,
        files: &BTreeMap<String, i64>,
        misc: &BTreeMap<String, MiscScript>,
    ) {
        self.files = files.clone();
        self.misc = misc.clone();
        for (name, value) in files {
            self.director
                .set_track_file(lvs::Instant::ZERO, name, *value);
        }
    }

    /// A track_file is written: FILE_CHECKs act at once (or when keepalived next starts).
    pub fn set_track_file(
        &mut self,
        now: Instant,
        name: &str,
        value: i64,
        timeline: &mut Timeline,
        node: &str,
    ) {
        self.files.insert(name.to_string(), value);
        if self.checking {
            self.director.set_track_file(to_lvs(now), name, value);
            self.drain_events(timeline, node);
        }
    }

    /// A MISC_CHECK script's behaviour changes (from its next run).
    pub fn set_misc_script(&mut self, script: &str, behaviour: MiscScript) {
        self.misc.insert(script.to_string(), behaviour);
    }

    /// keepalived starts: a fresh table, real servers added, checkers started.
    pub fn start(&mut self, now: Instant, stack: &mut Stack, timeline: &mut Timeline, node: &str) {
        if self.checking {
            return;
        }
        self.abort_all(stack);
        self.fresh();
        self.director.start(to_lvs(now));
        self.dgram.open_bfd(stack);
        self.checking = true;
        self.drain_events(timeline, node);
    }

    /// keepalived stops gracefully (`clear_services`): every real server removed, checkers stopped.
    pub fn stop(&mut self, now: Instant, stack: &mut Stack, timeline: &mut Timeline, node: &str) {
        if !self.checking {
            return;
        }
        self.director.shutdown(to_lvs(now));
        self.checking = false;
        self.abort_all(stack);
        self.drain_events(timeline, node);
        self.set_sync_role(now, SyncRole::Off, timeline, node);
    }

    /// keepalived is killed: the checkers stop, the kernel keeps the IPVS table.
    pub fn kill(&mut self, stack: &mut Stack) {
        self.checking = false;
        self.abort_all(stack);
    }

    /// The host crashed: the table and every checker connection are gone (the stack is replaced by the caller).
    pub fn crash(&mut self) {
        self.checking = false;
        self.dgram.forget();
        self.fresh();
    }

    fn abort_all(&mut self, stack: &mut Stack) {
        self.dgram.close_all(stack);
        self.scripts.clear();
        for (_, a) in std::mem::take(&mut self.attempts) {
            stack.sockets.get_mut::<tcp::Socket>(a.handle).abort();
            self.closing.push((a.handle, Instant::ZERO));
        }
    }

    /// The data path. Returns true when IPVS took the frame (forwarded or dropped it); false when the host's own
    /// stack should handle it. Only frames to an address the host holds besides its own (a VRRP VIP, so only on
    /// the master) are considered.
    pub fn intercept(
        &mut self,
        now: Instant,
        frame: &[u8],
        stack: &mut Stack,
        out: &mut Vec<Vec<u8>>,
        timeline: &mut Timeline,
        node: &str,
    ) -> bool {
        let Some(dst_mac) = frame.get(0..6) else {
            return false;
        };
        if let Some(s) = &mut self.sync {
            // The backup sync thread's socket takes datagrams to the sync group before anything else.
            if let Some(applied) = s.receive(now, frame, self.director.ipvs_mut()) {
                if applied > 0 {
                    timeline.push(
                        now,
                        Some(node),
                        Event::Lvs {
                            action: LvsAction::SyncApplied,
                            vs: None,
                            rs: None,
                            rs_node: None,
                            client: None,
                            detail: format!("sync backup applied {applied} entries"),
                        },
                    );
                }
                return true;
            }
        }
        if !stack.accepts_mac(dst_mac) || dst_mac.first().is_some_and(|b| b & 1 == 1) {
            return false;
        }
        let Ok(info) = lvs::forward::packet_info(frame) else {
            return false;
        };
        let IpAddr::V4(dst) = info.dst.ip() else {
            return false;
        };
        if dst != stack.ip && !stack.holds(dst) {
            // Routed through this host (it is the real servers' gateway): a NAT reply is masqueraded.
            return self.masquerade(now, frame, &info, stack, out);
        }
        if dst == stack.ip {
            return false;
        }
        match self.director.ipvs_mut().process_inbound(to_lvs(now), &info) {
            Verdict::NotIpvs => false,
            Verdict::Unreachable | Verdict::Drop => {
                self.dropped += 1;
                true
            }
            Verdict::Forward(f) => {
                if f.new_conn {
                    let rs_node = self.names.get(&f.real.ip()).cloned();
                    // Name the virtual server as keepalived's config does, like the table events.
                    let vs = self
                        .plan
                        .virtual_servers
                        .iter()
                        .find(|v| v.services.iter().any(|s| s.key == f.service))
                        .map_or_else(|| f.service.to_string(), |v| v.name.clone());
                    let detail = format!(
                        "{vs} new connection {} -> {} via {}",
                        info.src,
                        f.real,
                        match f.fwd {
                            lvs::FwdMethod::Dr => "DR",
                            lvs::FwdMethod::Nat => "NAT",
                            lvs::FwdMethod::Tun => "TUN",
                        }
                    );
                    timeline.push(
                        now,
                        Some(node),
                        Event::Lvs {
                            action: LvsAction::Connect,
                            vs: Some(vs),
                            rs: Some(f.real.to_string()),
                            rs_node,
                            client: Some(info.src.to_string()),
                            detail,
                        },
                    );
                }
                let IpAddr::V4(next_hop) = f.real.ip() else {
                    self.dropped += 1;
                    return true;
                };
                // The forwarding method rewrites the packet; the host's ARP layer then frames it towards the
                // real server (queueing it while the neighbour resolves, as the kernel does).
                let director_ip = IpAddr::V4(stack.ip);
                let placeholder = [0u8; 6];
                let rewritten = match f.fwd {
                    lvs::FwdMethod::Dr => lvs::forward::dr(frame, stack.mac, placeholder),
                    lvs::FwdMethod::Nat => {
                        lvs::forward::nat_in(frame, f.real, stack.mac, placeholder)
                    }
                    lvs::FwdMethod::Tun => {
                        lvs::forward::tun(frame, director_ip, f.real.ip(), stack.mac, placeholder)
                    }
                };
                match rewritten {
                    Ok(fr) if fr.len() > 14 => {
                        let packet = fr.get(14..).map(<[u8]>::to_vec).unwrap_or_default();
                        stack.send_ip(now, next_hop, packet, out);
                    }
                    _ => self.dropped += 1,
                }
                true
            }
        }
    }

    /// `lvs_sync_daemon` follows its VRRP instance while keepalived runs: master while the instance is MASTER,
    /// backup otherwise (keepalived 2.2.7 `vrrp_init_state`, `ipvs_syncd_master`, `ipvs_syncd_backup`). When
    /// keepalived is not running the threads are left as they are: a graceful stop already stopped them
    /// ([`DirectorHost::stop`]), and after SIGKILL the kernel threads keep running.
    pub fn follow_vrrp(
        &mut self,
        now: Instant,
        router: &crate::router_host::RouterHost,
        timeline: &mut Timeline,
        node: &str,
    ) {
        let Some(s) = &self.sync else { return };
        if !router.is_running() {
            return;
        }
        let Some(view) = router.views().find(|v| v.name == s.instance()) else {
            return;
        };
        let role = if view.state == crate::timeline::VrrpState::Master {
            SyncRole::Master
        } else {
            SyncRole::Backup
        };
        self.set_sync_role(now, role, timeline, node);
    }

    fn set_sync_role(&mut self, now: Instant, role: SyncRole, timeline: &mut Timeline, node: &str) {
        let Some(s) = &mut self.sync else { return };
        if !s.set_role(role, self.director.ipvs_mut()) {
            return;
        }
        let detail = match role {
            SyncRole::Master => format!("sync daemon master, syncid {}", s.syncid()),
            SyncRole::Backup => format!("sync daemon backup, syncid {}", s.syncid()),
            SyncRole::Off => "sync daemon stopped".to_string(),
        };
        timeline.push(
            now,
            Some(node),
            Event::Lvs {
                action: LvsAction::SyncRole,
                vs: None,
                rs: None,
                rs_node: None,
                client: None,
                detail,
            },
        );
    }

    /// The master sync thread's finished messages, as frames to send.
    pub fn send_sync(&mut self, stack: &Stack, out: &mut Vec<Vec<u8>>) {
        if let Some(s) = &mut self.sync {
            s.send(self.director.ipvs_mut(), stack, out);
        }
    }

    /// LVS-NAT's way back (`ip_vs_out`): a real server's reply of a NAT connection gets the virtual address and
    /// port as its source and goes to the client, which this model reaches directly on the segment (an on-link
    /// route). Other routed traffic is not forwarded (the director is not a general router here).
    fn masquerade(
        &mut self,
        now: Instant,
        frame: &[u8],
        info: &lvs::PacketInfo,
        stack: &mut Stack,
        out: &mut Vec<Vec<u8>>,
    ) -> bool {
        let lvs::OutVerdict::Masquerade { virt, .. } =
            self.director.ipvs_mut().process_outbound(to_lvs(now), info)
        else {
            return false;
        };
        let IpAddr::V4(client) = info.dst.ip() else {
            return false;
        };
        match lvs::forward::nat_out(frame, virt, stack.mac, [0u8; 6]) {
            Ok(fr) if fr.len() > 14 => {
                let packet = fr.get(14..).map(<[u8]>::to_vec).unwrap_or_default();
                stack.send_ip(now, client, packet, out);
            }
            _ => self.dropped += 1,
        }
        true
    }

    /// When the director next needs [`DirectorHost::poll`].
    pub fn poll_at(&self) -> Option<Instant> {
        let mut t = self.director.ipvs().poll_timeout().map(from_lvs);
        if self.checking {
            if let Some(c) = self.director.poll_timeout().map(from_lvs) {
                t = Some(t.map_or(c, |x| x.min(c)));
            }
        }
        let closing = self
            .closing
            .iter()
            .map(|(_, d)| *d)
            .filter(|d| *d > Instant::ZERO)
            .min();
        let script = self
            .scripts
            .values()
            .filter_map(|exit| exit.map(|e| e.0))
            .min()
            .filter(|_| self.checking);
        [t, closing, script].into_iter().flatten().min()
    }

    /// Fires due timers, runs the checkers' network I/O and records what happened. The caller polls the stack
    /// afterwards so the segments leave.
    pub fn poll(&mut self, now: Instant, stack: &mut Stack, timeline: &mut Timeline, node: &str) {
        self.closing.retain_mut(|(h, deadline)| {
            let sock = stack.sockets.get_mut::<tcp::Socket>(*h);
            if matches!(sock.state(), tcp::State::Closed | tcp::State::TimeWait) {
                stack.sockets.remove(*h);
                return false;
            }
            if now >= *deadline {
                sock.abort();
                *deadline = now + CLOSE_GRACE;
            }
            true
        });
        if !self.checking {
            // Without keepalived the kernel still expires connections.
            if self
                .director
                .ipvs()
                .poll_timeout()
                .is_some_and(|t| from_lvs(t) <= now)
            {
                self.director.ipvs_mut().handle_timeout(to_lvs(now));
            }
            return;
        }
        if self
            .director
            .poll_timeout()
            .is_some_and(|t| from_lvs(t) <= now)
        {
            self.director.handle_timeout(to_lvs(now));
        }
        let exited: Vec<(AttemptId, CheckerRef, u8)> = self
            .scripts
            .iter()
            .filter_map(|((r, a), exit)| exit.filter(|e| e.0 <= now).map(|e| (*a, *r, e.1)))
            .collect();
        for (a, r, code) in exited {
            self.scripts.remove(&(r, a));
            self.director
                .handle_check_io(to_lvs(now), r, a, CheckIo::Exited(code));
        }
        for _ in 0..MAX_ROUNDS {
            let acted = self.run_actions(now, stack);
            let reported = self.report_io(now, stack);
            if !acted && !reported {
                break;
            }
        }
        self.drain_events(timeline, node);
    }

    fn run_actions(&mut self, now: Instant, stack: &mut Stack) -> bool {
        let mut any = false;
        while let Some((r, action)) = self.director.poll_check_action() {
            any = true;
            match action {
                CheckAction::Connect { attempt, dst } => self.connect(now, stack, r, attempt, dst),
                CheckAction::Send { attempt, data } => {
                    if let Some(a) = self.attempts.get_mut(&(r, attempt)) {
                        a.tx.extend_from_slice(&data);
                    }
                }
                CheckAction::Close { attempt } => {
                    if let Some(a) = self.attempts.remove(&(r, attempt)) {
                        stack.sockets.get_mut::<tcp::Socket>(a.handle).close();
                        self.closing.push((a.handle, now + CLOSE_GRACE));
                    }
                    self.dgram.close(stack, r, attempt);
                }
                CheckAction::RunScript { attempt, command } => {
                    let b = self.misc.get(&command).cloned().unwrap_or_default();
                    let exit = (!b.hang).then_some((now + b.runtime, b.exit));
                    match exit {
                        Some((at, code)) if at <= now => self.director.handle_check_io(
                            to_lvs(now),
                            r,
                            attempt,
                            CheckIo::Exited(code),
                        ),
                        _ => {
                            self.scripts.insert((r, attempt), exit);
                        }
                    }
                }
                CheckAction::KillScript { attempt } => {
                    self.scripts.remove(&(r, attempt));
                }
                CheckAction::SendUdp {
                    attempt,
                    dst,
                    payload,
                } => {
                    if let Err(io) = self.dgram.send_udp(stack, r, attempt, dst, &payload) {
                        self.director.handle_check_io(to_lvs(now), r, attempt, io);
                    }
                }
                CheckAction::SendEcho { attempt, dst, data } => {
                    if let Err(io) = self.dgram.send_echo(stack, r, attempt, dst.ip(), &data) {
                        self.director.handle_check_io(to_lvs(now), r, attempt, io);
                    }
                }
            }
        }
        while let Some(tx) = self.director.poll_bfd_transmit() {
            any = true;
            self.dgram.send_bfd(stack, &tx);
        }
        any
    }

    fn connect(
        &mut self,
        now: Instant,
        stack: &mut Stack,
        r: CheckerRef,
        attempt: AttemptId,
        dst: SocketAddr,
    ) {
        let SocketAddr::V4(dst4) = dst else {
            self.director
                .handle_check_io(to_lvs(now), r, attempt, CheckIo::Refused);
            return;
        };
        let mut sock = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; 4096]),
            tcp::SocketBuffer::new(vec![0; 1024]),
        );
        let local = CHECK_PORT_BASE + self.next_port;
        self.next_port = (self.next_port + 1) % 16384;
        let remote = IpEndpoint::new(IpAddress::Ipv4(*dst4.ip()), dst4.port());
        let ok = sock.connect(stack.iface_context(), remote, local).is_ok();
        let handle = stack.sockets.add(sock);
        if !ok {
            stack.sockets.remove(handle);
            self.director
                .handle_check_io(to_lvs(now), r, attempt, CheckIo::Refused);
            return;
        }
        self.attempts.insert(
            (r, attempt),
            Attempt {
                checker: r,
                handle,
                connected: false,
                eof: false,
                done: false,
                tx: vec![],
            },
        );
    }

    fn report_io(&mut self, now: Instant, stack: &mut Stack) -> bool {
        let mut results: Vec<(CheckerRef, AttemptId, SockReport)> = vec![];
        for ((_, id), a) in self.attempts.iter_mut() {
            if a.done {
                continue;
            }
            let sock = stack.sockets.get_mut::<tcp::Socket>(a.handle);
            let state = sock.state();
            if !a.connected {
                match state {
                    tcp::State::Established | tcp::State::CloseWait => {
                        a.connected = true;
                        results.push((a.checker, *id, SockReport::Io(CheckIo::Connected)));
                    }
                    tcp::State::Closed | tcp::State::TimeWait => {
                        a.done = true;
                        results.push((a.checker, *id, SockReport::Io(CheckIo::Refused)));
                        continue;
                    }
                    _ => continue,
                }
            }
            if !a.tx.is_empty() && sock.can_send() {
                if let Ok(n) = sock.send_slice(&a.tx) {
                    a.tx.drain(..n.min(a.tx.len()));
                }
            }
            let mut data = vec![];
            let mut chunk = [0u8; 1024];
            while sock.can_recv() {
                match sock.recv_slice(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => data.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
                }
            }
            let reset = matches!(state, tcp::State::Closed) && !a.eof;
            let eof = !a.eof && !reset && !sock.may_recv();
            if !data.is_empty() {
                results.push((a.checker, *id, SockReport::Data(data)));
            }
            if eof {
                a.eof = true;
                results.push((a.checker, *id, SockReport::Io(CheckIo::Eof)));
            } else if reset {
                a.done = true;
                results.push((a.checker, *id, SockReport::Io(CheckIo::Error)));
            }
        }
        let mut any = !results.is_empty();
        for (r, id, res) in self.dgram.poll(stack) {
            any = true;
            match res {
                DgramResult::Data(d) => {
                    self.director
                        .handle_check_io(to_lvs(now), r, id, CheckIo::Data(&d))
                }
                DgramResult::Io(io) => self.director.handle_check_io(to_lvs(now), r, id, io),
            }
        }
        for (src, payload) in self.dgram.recv_bfd(stack) {
            any = true;
            self.director.handle_bfd_packet(to_lvs(now), src, &payload);
        }
        for (r, id, report) in results {
            let io = match &report {
                SockReport::Io(io) => io.clone(),
                SockReport::Data(data) => CheckIo::Data(data),
            };
            self.director.handle_check_io(to_lvs(now), r, id, io);
        }
        any
    }

    fn drain_events(&mut self, timeline: &mut Timeline, node: &str) {
        while let Some(e) = self.director.poll_event() {
            let (at, action, vs, rs, detail) = match &e {
                DirectorEvent::ServerAdded { at, vs, rs, weight } => (
                    *at,
                    LvsAction::Add,
                    Some(vs.clone()),
                    Some(*rs),
                    format!("{vs} add {rs} weight {weight}"),
                ),
                DirectorEvent::ServerRemoved { at, vs, rs } => (
                    *at,
                    LvsAction::Remove,
                    Some(vs.clone()),
                    Some(*rs),
                    format!("{vs} remove {rs}"),
                ),
                DirectorEvent::WeightChanged { at, vs, rs, weight } => (
                    *at,
                    LvsAction::Weight,
                    Some(vs.clone()),
                    Some(*rs),
                    format!("{vs} weight {rs} {weight}"),
                ),
                DirectorEvent::NotifyUp { at, vs, rs, script } => (
                    *at,
                    LvsAction::NotifyUp,
                    Some(vs.clone()),
                    Some(*rs),
                    format!(
                        "{vs} notify_up {rs} {}",
                        script.as_deref().unwrap_or("(no script)")
                    ),
                ),
                DirectorEvent::NotifyDown { at, vs, rs, script } => (
                    *at,
                    LvsAction::NotifyDown,
                    Some(vs.clone()),
                    Some(*rs),
                    format!(
                        "{vs} notify_down {rs} {}",
                        script.as_deref().unwrap_or("(no script)")
                    ),
                ),
                DirectorEvent::CheckFailed {
                    at,
                    checker,
                    rs,
                    reason,
                } => (
                    *at,
                    LvsAction::CheckFailed,
                    self.vs_name(checker.vs),
                    Some(*rs),
                    format!("check #{} of {rs} failed: {reason}", checker.checker),
                ),
                DirectorEvent::CheckSucceeded { at, checker, rs } => (
                    *at,
                    LvsAction::CheckOk,
                    self.vs_name(checker.vs),
                    Some(*rs),
                    format!("check #{} of {rs} succeeded", checker.checker),
                ),
                DirectorEvent::QuorumUp { at, vs, script } => (
                    *at,
                    LvsAction::QuorumUp,
                    Some(vs.clone()),
                    None,
                    format!(
                        "{vs} quorum up, quorum_up {}",
                        script.as_deref().unwrap_or("(no script)")
                    ),
                ),
                DirectorEvent::QuorumDown { at, vs, script } => (
                    *at,
                    LvsAction::QuorumDown,
                    Some(vs.clone()),
                    None,
                    format!(
                        "{vs} quorum down, quorum_down {}",
                        script.as_deref().unwrap_or("(no script)")
                    ),
                ),
                DirectorEvent::BfdState {
                    at,
                    instance,
                    from,
                    to,
                    diag,
                } => (
                    *at,
                    LvsAction::Bfd,
                    None,
                    None,
                    format!("bfd_instance {instance} {from} -> {to} (diag {diag})"),
                ),
            };
            timeline.push(
                from_lvs(at),
                Some(node),
                Event::Lvs {
                    action,
                    vs,
                    rs: rs.map(|r| r.to_string()),
                    rs_node: rs.and_then(|r| self.names.get(&r.ip()).cloned()),
                    client: None,
                    detail,
                },
            );
        }
    }

    fn vs_name(&self, vs: usize) -> Option<String> {
        self.plan.virtual_servers.get(vs).map(|v| v.name.clone())
    }
}

/// Node names by address (every node's NIC address), for naming real servers in the timeline.
pub fn node_names(scenario: &crate::scenario::Scenario) -> BTreeMap<IpAddr, String> {
    scenario
        .nodes
        .iter()
        .filter_map(|n| {
            let (ip, _) = crate::scenario::parse_cidr(n.ip())?;
            Some((IpAddr::V4(ip), n.name().to_string()))
        })
        .collect()
}

/// The address an expectation's `server` names: a node name, "ip" or "ip:port", matched against an LVS entry.
pub fn server_matches(server: &str, rs: Option<&str>, rs_node: Option<&str>) -> bool {
    if rs_node == Some(server) {
        return true;
    }
    let Some(rs) = rs else { return false };
    if rs == server {
        return true;
    }
    match (rs.parse::<SocketAddr>(), server.parse::<Ipv4Addr>()) {
        (Ok(a), Ok(ip)) => a.ip() == IpAddr::V4(ip),
        _ => false,
    }
}
