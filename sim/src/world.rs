//! The simulated world: nodes, ports and segments, driven by one event queue.
//!
//! Only this module schedules events. A frame a node sends crosses its link (egress), is captured and switched
//! by its segment, crosses each receiving link (ingress) and is handed to the receiving node. Nodes ask to be
//! woken at the earliest deadline of their router, applications and TCP/IP stack; stale wake-ups are skipped.

use crate::capture::Capture;
use crate::engine::{EventQueue, Livelock, LivelockGuard};
use crate::host::app::{Client, HttpServer, RequestResult};
use crate::host::nginx::{ChkAction, NginxNode};
use crate::host::realserver::{HttpBehaviour, RealServer};
use crate::host::services::RsServices;
use crate::host::stack::Stack;
use crate::host::tls_smtp_dns::TlsSmtpDns;
use crate::lvs_host::DirectorHost;
use crate::net::{Dir, FrameKind, LinkOptions, Mac, Port, Segment};
use crate::rng::{SimRng, Stream};
use crate::router_host::{RouterHost, RouterIo};
use crate::scenario::{self, Fault, Loaded, NodeSpec, ScenarioError};
use crate::time::{format_duration, Duration, Instant};
use crate::timeline::{Event, Timeline};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::rc::Rc;

type Frame = Rc<[u8]>;

enum Ev {
    ToSwitch { port: usize, frame: Frame },
    ToNode { port: usize, frame: Frame },
    Wake { node: usize },
    Fault { index: usize },
    Thaw { node: usize },
    Boot { node: usize },
}

/// What runs on a node besides its stack.
pub enum Role {
    /// A keepalived router.
    Router(Box<RouterHost>),
    /// A client measuring a VIP.
    Client(Client),
    /// A plain host.
    Host,
}

/// One host of the world.
pub struct Node {
    /// Name from the scenario.
    pub name: String,
    /// Its port (one NIC per node).
    pub port: usize,
    /// Its NIC's MAC.
    pub mac: Mac,
    /// Its NIC's address and prefix.
    pub ip: (Ipv4Addr, u8),
    /// Its global IPv6 address and prefix, if any.
    pub ip6: Option<(std::net::Ipv6Addr, u8)>,
    /// Its TCP/IP stack.
    pub stack: Stack,
    /// What runs on it.
    pub role: Role,
    http: Option<(u16, HttpServer)>,
    /// A Host's scripted HTTP service (LVS real server).
    real: Option<(u16, HttpBehaviour, RealServer)>,
    /// The LVS director of a router whose keepalived.conf has virtual_servers.
    pub director: Option<Box<DirectorHost>>,
    /// A Host's UDP service and BFD peer (targets of UDP_CHECK and BFD_CHECK).
    services: Option<RsServices>,
    /// A Host's HTTPS, SMTP and DNS services (targets of SSL_GET, SMTP_CHECK and DNS_CHECK).
    tls_smtp_dns: Option<TlsSmtpDns>,
    /// nginx (and chk_nginx.sh) on a router node whose scenario entry has `nginx`.
    pub nginx: Option<Box<NginxNode>>,
    loopback: Vec<Ipv4Addr>,
    /// Default gateway and IP-in-IP decapsulation (a Host's or Client's routing set-up), kept across reboots.
    gateway: Option<Ipv4Addr>,
    ipip: bool,
    alive: bool,
    frozen_until: Option<Instant>,
    frozen_frames: Vec<Frame>,
    wake: Option<Instant>,
    stack_seed: u64,
}

impl Node {
    /// Every address this node's adverts can come from, as the conformance checker's event log names
    /// the node: the primary IPv4 address, the global IPv6 address, the EUI-64 link-local address
    /// (the source of IPv6 adverts, RFC 5798 §5.1.2.1) and each instance's configured source
    /// (`unicast_src_ip` / `mcast_src_ip`), without repeats.
    pub fn addresses(&self) -> Vec<std::net::IpAddr> {
        use std::net::IpAddr;
        let mut out = vec![IpAddr::V4(self.ip.0)];
        out.extend(self.ip6.map(|(a, _)| IpAddr::V6(a)));
        out.push(IpAddr::V6(crate::router_host::link_local(self.mac)));
        if let Role::Router(r) = &self.role {
            out.extend(r.source_addresses());
        }
        let mut seen = Vec::with_capacity(out.len());
        out.retain(|a| {
            let new = !seen.contains(a);
            seen.push(*a);
            new
        });
        out
    }

    /// True while a `Stall` keeps the node frozen at `now` (it handles nothing until it thaws).
    pub fn is_frozen(&self, now: Instant) -> bool {
        self.frozen_until.is_some_and(|t| now < t)
    }
}

/// Counters of a finished run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Events processed.
    pub events: u64,
    /// Frames captured.
    pub frames: u64,
}

/// Everything a run produced.
pub struct RunOutput {
    /// The pcapng bytes.
    pub capture: Vec<u8>,
    /// The timeline.
    pub timeline: Timeline,
    /// Counters.
    pub stats: Stats,
    /// Set if the run stopped early because virtual time stopped advancing.
    pub livelock: Option<Livelock>,
    /// Per router node, its instances' facts (VRID, priority, intervals) for reports and expectations.
    pub routers: BTreeMap<String, Vec<crate::router_host::InstanceInfo>>,
    /// Virtual time covered.
    pub duration: Duration,
    /// Node starts, stops, crashes and faults, for the conformance checker (nodes named by all their
    /// addresses, see [`Node::addresses`]).
    pub events: Vec<conformance::Event>,
    /// Each router's keepalived config by the address its adverts come from, for the conformance checker.
    pub configs: Vec<(std::net::IpAddr, keepalived_conf::Config)>,
}

/// The world of one run.
pub struct World {
    queue: EventQueue<Ev>,
    guard: LivelockGuard,
    segments: Vec<Segment>,
    ports: Vec<Port>,
    /// The nodes, in scenario order.
    pub nodes: Vec<Node>,
    node_index: BTreeMap<String, usize>,
    segment_index: BTreeMap<String, usize>,
    faults: Vec<Fault>,
    capture: Capture,
    /// What happened so far.
    pub timeline: Timeline,
    end: Instant,
    events: u64,
    scratch_out: Vec<Vec<u8>>,
    scratch_ports: Vec<usize>,
    done: Vec<RequestResult>,
    conf_events: Vec<conformance::Event>,
    /// VRRP frames handed to a running keepalived, by receiving node, when an observer asked for them
    /// (`explore` derives "adverts flow both ways" from this).
    vrrp_heard: Option<Vec<(usize, Frame)>>,
    /// The run's test CA (from the seed), which signs the hosts' HTTPS certificates; only made when a
    /// scenario has an HTTPS service.
    pki: Option<lvs::check::ssl::SimPki>,
}

/// Events allowed at one instant before the driver reports a livelock.
const LIVELOCK_LIMIT: u64 = 1_000_000;

fn default_mac(index: usize) -> Mac {
    let i = (index + 1) as u16;
    [0x02, 0x00, 0x00, 0x00, (i >> 8) as u8, (i & 0xff) as u8]
}

impl World {
    /// Builds the world of `loaded` for `seed`.
    pub fn build(loaded: &Loaded, seed: u64) -> Result<World, ScenarioError> {
        let s = &loaded.scenario;
        let mut segments = vec![];
        let mut segment_index = BTreeMap::new();
        for (i, seg) in s.segments.iter().enumerate() {
            segment_index.insert(seg.name.clone(), i);
            segments.push(Segment::new(seg.name.clone(), seg.switch.clone()));
        }
        let capture = Capture::new(
            &s.segments
                .iter()
                .map(|x| x.name.clone())
                .collect::<Vec<_>>(),
        )
        .map_err(|e| loaded.error_at("", e.to_string()))?;
        let mut queue = EventQueue::new();
        let mut ports = vec![];
        let mut nodes = vec![];
        let mut node_index = BTreeMap::new();
        let names = crate::lvs_host::node_names(s);
        let pki = needs_pki(s)
            .then(|| lvs::check::ssl::SimPki::new(seed))
            .flatten();
        for (i, spec) in s.nodes.iter().enumerate() {
            let seg = segment_index.get(spec.segment()).copied().unwrap_or(0);
            let link = s
                .segments
                .get(seg)
                .map(|x| x.link.clone())
                .unwrap_or_default();
            ports.push(Port::new(i, i, seg, link, seed));
            if let Some(x) = segments.get_mut(seg) {
                x.ports.push(i);
            }
            let ip = scenario::parse_cidr(spec.ip())
                .ok_or_else(|| loaded.error_at(spec.ip(), "invalid address".into()))?;
            let mac = match spec.mac() {
                Some(m) => scenario::parse_mac(m)
                    .ok_or_else(|| loaded.error_at(m, "invalid MAC".into()))?,
                None => default_mac(i),
            };
            let stack_seed = SimRng::split(seed, Stream::Stack, i as u32).next_u64();
            let mut stack = Stack::new(mac, ip.0, ip.1, stack_seed, Instant::ZERO);
            let mut director = None;
            let mut real = None;
            let mut services = None;
            let mut tsd_config = None;
            let mut nginx = None;
            let ip6 = spec.ip6().and_then(scenario::parse_cidr6);
            if let Some((a, p)) = ip6 {
                stack.set_ipv6(a, p);
            }
            stack.set_router(matches!(spec, NodeSpec::Router(_)));
            let (role, http_port, loopback, start) = match spec {
                NodeSpec::Router(r) => {
                    let host = RouterHost::build(loaded, r, mac, ip.0, seed, i)?;
                    let lvs_seed = SimRng::split(seed, Stream::Lvs, i as u32).next_u64();
                    director = DirectorHost::from_config(
                        host.keepalived_config(),
                        lvs_seed,
                        names.clone(),
                    )
                    .map(Box::new);
                    if let Some(d) = &mut director {
                        d.set_environment(&r.track_files, &r.misc_scripts);
                    }
                    let start = if r.stopped {
                        None
                    } else {
                        Some(r.start.unwrap_or(Duration::ZERO))
                    };
                    // nginx takes the HTTP port the plain responder would otherwise serve.
                    let mut http_port = r.http_port;
                    if let Some(spec) = &r.nginx {
                        let ng = NginxNode::build(loaded, &r.name, spec, host.keepalived_config())?;
                        if http_port == Some(ng.host.port()) {
                            http_port = None;
                        }
                        nginx = Some(Box::new(ng));
                    }
                    (Role::Router(Box::new(host)), http_port, vec![], start)
                }
                NodeSpec::Client(c) => {
                    let (tip, tport) = scenario::parse_target(&c.target)
                        .ok_or_else(|| loaded.error_at(&c.target, "invalid target".into()))?;
                    let mut rng = SimRng::split(seed, Stream::Client, i as u32);
                    let client = Client::new(
                        tip,
                        tport,
                        c.interval,
                        c.timeout,
                        Instant::ZERO + c.start,
                        &mut rng,
                    );
                    (Role::Client(client), None, vec![], Some(Duration::ZERO))
                }
                NodeSpec::Host(h) => {
                    let lo = h.loopback.iter().filter_map(|a| a.parse().ok()).collect();
                    // A host's HTTP service is scriptable (SetHttp); healthy, it answers like HttpServer.
                    real = h.http_port.map(|p| (p, h.http.clone()));
                    tsd_config = Some((h.https.clone(), h.smtp.clone(), h.dns.clone()));
                    if h.udp.is_some() || h.bfd.is_some() {
                        services = Some(RsServices::new(
                            h.udp.clone(),
                            h.bfd.clone(),
                            stack_seed,
                            &mut stack,
                        ));
                    }
                    (Role::Host, None, lo, Some(Duration::ZERO))
                }
            };
            for a in &loopback {
                stack.add_loopback(*a);
            }
            let (gateway, ipip) = match spec {
                NodeSpec::Client(c) => (c.gateway.as_deref().and_then(|g| g.parse().ok()), false),
                NodeSpec::Host(h) => (h.gateway.as_deref().and_then(|g| g.parse().ok()), h.ipip),
                NodeSpec::Router(_) => (None, false),
            };
            stack.set_gateway(gateway);
            stack.set_ipip(ipip);
            let http = http_port.map(|p| (p, HttpServer::new(p, spec.name(), &mut stack)));
            let real = real.map(|(p, b): (u16, HttpBehaviour)| {
                let srv = RealServer::new(p, spec.name(), b.clone(), &mut stack);
                (p, b, srv)
            });
            // The TLS sessions of the HTTPS service get their own stream of the host's seed.
            let tls_smtp_dns = tsd_config
                .map(|(https, smtp, dns)| {
                    TlsSmtpDns::new(
                        spec.name(),
                        stack_seed ^ 0x7365_7276_6963_6573,
                        https,
                        smtp,
                        dns,
                        pki.as_ref(),
                        &mut stack,
                    )
                })
                .filter(|sv| !sv.is_empty() || has_set_service(s, spec.name()));
            node_index.insert(spec.name().to_string(), i);
            nodes.push(Node {
                name: spec.name().to_string(),
                port: i,
                mac,
                ip,
                ip6,
                stack,
                role,
                http,
                real,
                director,
                services,
                tls_smtp_dns,
                nginx,
                loopback,
                gateway,
                ipip,
                alive: false,
                frozen_until: None,
                frozen_frames: vec![],
                wake: None,
                stack_seed,
            });
            if let Some(start) = start {
                queue.schedule(Instant::ZERO + start, Ev::Boot { node: i });
            }
        }
        let mut faults = vec![];
        for (i, f) in s.faults.iter().enumerate() {
            queue.schedule(Instant::ZERO + f.at, Ev::Fault { index: i });
            faults.push(f.fault.clone());
        }
        Ok(World {
            queue,
            guard: LivelockGuard::new(LIVELOCK_LIMIT),
            segments,
            ports,
            nodes,
            node_index,
            segment_index,
            faults,
            capture,
            timeline: Timeline::default(),
            end: Instant::ZERO + s.duration,
            events: 0,
            scratch_out: vec![],
            scratch_ports: vec![],
            done: vec![],
            conf_events: vec![],
            vrrp_heard: None,
            pki,
        })
    }

    /// Runs to the end of the scenario (or a livelock) and returns what was produced.
    pub fn run(mut self) -> RunOutput {
        let livelock = self.run_until(self.end).err();
        self.finish(livelock)
    }

    /// Processes every event due at or before `until`.
    pub fn run_until(&mut self, until: Instant) -> Result<(), Livelock> {
        while let Some((now, ev)) = self.queue.pop_until(until) {
            self.guard.step(now)?;
            self.events += 1;
            self.dispatch(now, ev);
        }
        Ok(())
    }

    /// Processes the next event if it is due by the end of the scenario; false once none is left.
    /// An observer (such as `explore`'s invariant checker) calls this instead of [`World::run`] to look at the
    /// world after every step.
    pub fn step(&mut self) -> Result<bool, Livelock> {
        let Some((now, ev)) = self.queue.pop_until(self.end) else {
            return Ok(false);
        };
        self.guard.step(now)?;
        self.events += 1;
        self.dispatch(now, ev);
        Ok(true)
    }

    /// The instant the scenario ends.
    pub fn end(&self) -> Instant {
        self.end
    }

    /// From now on, remembers every VRRP frame handed to a running keepalived (see [`World::drain_vrrp_heard`]).
    pub fn observe_vrrp(&mut self) {
        self.vrrp_heard.get_or_insert_with(Vec::new);
    }

    /// Hands each VRRP frame received since the last call to `f` as (receiving node index, frame bytes).
    pub fn drain_vrrp_heard(&mut self, mut f: impl FnMut(usize, &[u8])) {
        if let Some(v) = &mut self.vrrp_heard {
            for (node, frame) in v.drain(..) {
                f(node, &frame);
            }
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.queue.now()
    }

    fn finish(mut self, livelock: Option<Livelock>) -> RunOutput {
        if let Some(l) = &livelock {
            let at = Instant::from_nanos(l.at_ns);
            self.timeline.push(
                at,
                None,
                Event::Note {
                    text: l.to_string(),
                },
            );
        }
        let frames = self.capture.frames();
        let end = self.end;
        let mut routers = BTreeMap::new();
        let mut configs = vec![];
        for n in &self.nodes {
            if let Role::Router(r) = &n.role {
                routers.insert(n.name.clone(), r.info());
                configs.push((std::net::IpAddr::V4(n.ip.0), r.keepalived_config().clone()));
            }
        }
        let capture = match self.capture.into_bytes() {
            Ok(b) => b,
            Err(e) => {
                self.timeline.push(
                    end,
                    None,
                    Event::Note {
                        text: e.to_string(),
                    },
                );
                vec![]
            }
        };
        RunOutput {
            capture,
            timeline: self.timeline,
            stats: Stats {
                events: self.events,
                frames,
            },
            livelock,
            routers,
            duration: end - Instant::ZERO,
            events: self.conf_events,
            configs,
        }
    }

    fn dispatch(&mut self, now: Instant, ev: Ev) {
        match ev {
            Ev::ToSwitch { port, frame } => self.switch(now, port, frame),
            Ev::ToNode { port, frame } => {
                let Some(node) = self.ports.get(port).map(|p| p.node) else {
                    return;
                };
                self.node_input(now, node, Some(frame));
            }
            Ev::Wake { node } => {
                if self.nodes.get(node).is_some_and(|n| n.wake == Some(now)) {
                    self.nodes[node].wake = None;
                    self.node_input(now, node, None);
                }
            }
            Ev::Fault { index } => {
                if let Some(f) = self.faults.get(index).cloned() {
                    self.apply_fault(now, &f);
                }
            }
            Ev::Thaw { node } => self.thaw(now, node),
            Ev::Boot { node } => self.boot(now, node),
        }
    }

    fn switch(&mut self, now: Instant, port: usize, frame: Frame) {
        let Some(seg) = self.ports.get(port).map(|p| p.segment) else {
            return;
        };
        self.capture.record(seg, now, &frame);
        let kind = FrameKind::of(&frame);
        let mut outs = std::mem::take(&mut self.scratch_ports);
        if let Some(s) = self.segments.get_mut(seg) {
            s.forward(port, &frame, kind, &mut outs);
        }
        for &p in &outs {
            if let Some(link) = self.ports.get_mut(p) {
                for d in link.transit(now, Dir::In, kind).as_slice() {
                    self.queue.schedule(
                        now + *d,
                        Ev::ToNode {
                            port: p,
                            frame: frame.clone(),
                        },
                    );
                }
            }
        }
        self.scratch_ports = outs;
    }

    fn send(&mut self, now: Instant, node: usize, frames: &mut Vec<Vec<u8>>) {
        let Some(port) = self.nodes.get(node).map(|n| n.port) else {
            return;
        };
        for f in frames.drain(..) {
            let kind = FrameKind::of(&f);
            let frame: Frame = f.into();
            if let Some(link) = self.ports.get_mut(port) {
                for d in link.transit(now, Dir::Out, kind).as_slice() {
                    self.queue.schedule(
                        now + *d,
                        Ev::ToSwitch {
                            port,
                            frame: frame.clone(),
                        },
                    );
                }
            }
        }
    }

    /// Feeds a frame (or just the passage of time) to a node, runs everything on it, sends what it produced
    /// and re-arms its wake-up.
    fn node_input(&mut self, now: Instant, node: usize, frame: Option<Frame>) {
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        if !n.alive {
            return;
        }
        if let Some(until) = n.frozen_until {
            if now < until {
                // A frozen node's NIC still queues frames; the node handles them when it thaws.
                if let Some(f) = frame {
                    n.frozen_frames.push(f);
                }
                return;
            }
        }
        let mut out = std::mem::take(&mut self.scratch_out);
        let mut done = std::mem::take(&mut self.done);
        let mut script_stopped_keepalived = false;
        {
            let Node {
                stack,
                role,
                http,
                real,
                director,
                services,
                tls_smtp_dns,
                nginx,
                name,
                ..
            } = n;
            // A VRRP frame taken by keepalived never reaches the TCP/IP stack, so the stack need not run.
            let mut stack_idle = false;
            if let Some(f) = &frame {
                let is_vrrp = FrameKind::of(f).vrrp;
                match role {
                    Role::Router(r) if is_vrrp && r.is_running() => {
                        stack_idle = true;
                        if let Some(seen) = &mut self.vrrp_heard {
                            seen.push((node, f.clone()));
                        }
                        let mut io = RouterIo {
                            stack,
                            out: &mut out,
                            timeline: &mut self.timeline,
                            node: name,
                        };
                        r.handle_frame(now, f, &mut io);
                    }
                    _ => {
                        // LVS: on the VIP holder, IPVS takes client traffic before the host's stack.
                        let taken = director.as_mut().is_some_and(|d| {
                            d.intercept(now, f, stack, &mut out, &mut self.timeline, name)
                        });
                        if !taken {
                            stack.receive(now, f, &mut out);
                        }
                    }
                }
            }
            if let Role::Router(r) = role {
                let mut io = RouterIo {
                    stack,
                    out: &mut out,
                    timeline: &mut self.timeline,
                    node: name,
                };
                r.poll(now, &mut io);
            }
            if let Some(ng) = nginx {
                let mut acts = vec![];
                ng.poll_script(now, &mut acts, &mut self.timeline, name);
                for a in acts {
                    let Role::Router(r) = &mut *role else { break };
                    let mut io = RouterIo {
                        stack,
                        out: &mut out,
                        timeline: &mut self.timeline,
                        node: name,
                    };
                    match a {
                        ChkAction::Track(ok) => {
                            let script = ng
                                .chk
                                .as_ref()
                                .map(|c| c.script.clone())
                                .unwrap_or_default();
                            r.script_track(now, &script, ok, &mut io);
                        }
                        ChkAction::StopKeepalived => {
                            r.stop(now, &mut io);
                            if let Some(d) = director.as_mut() {
                                d.stop(now, stack, &mut self.timeline, name);
                            }
                            if let Some(c) = &mut ng.chk {
                                c.stop();
                            }
                            script_stopped_keepalived = true;
                        }
                        ChkAction::StartNginx => {}
                    }
                }
                ng.host.poll(now, stack, &mut self.timeline, name);
            }
            if let Role::Client(c) = role {
                c.poll(now, stack, &mut done);
            }
            if let Some(d) = director {
                d.poll(now, stack, &mut self.timeline, name);
                if let Role::Router(r) = role {
                    d.follow_vrrp(now, r, &mut self.timeline, name);
                }
                d.send_sync(stack, &mut out);
            }
            if let Some((_, srv)) = http {
                srv.poll(stack);
            }
            if let Some((_, _, srv)) = real {
                srv.poll(now, stack);
            }
            if !stack_idle {
                stack.poll(now, &mut out);
            }
            if let Some((_, srv)) = http {
                // Answers to data that arrived in this poll leave in the same step.
                srv.poll(stack);
                stack.poll(now, &mut out);
            }
            if let Some((_, _, srv)) = real {
                srv.poll(now, stack);
                stack.poll(now, &mut out);
            }
            if let Some(svc) = services {
                // Datagrams that arrived in this poll are answered in the same step.
                svc.poll(now, stack);
                stack.poll(now, &mut out);
            }
            if let Some(tsd) = tls_smtp_dns {
                // TLS records, SMTP lines and DNS queries that arrived in this poll are answered in the same step.
                tsd.poll(stack);
                stack.poll(now, &mut out);
            }
            if let Some(ng) = nginx {
                // Client requests and upstream answers that arrived in this poll move on in the same step.
                ng.host.poll(now, stack, &mut self.timeline, name);
                stack.poll(now, &mut out);
            }
            if let Some(d) = director {
                // Checker data that arrived in this poll is answered in the same step.
                d.poll(now, stack, &mut self.timeline, name);
                stack.poll(now, &mut out);
            }
        }
        for r in done.drain(..) {
            let latency = r.finished - r.started;
            self.timeline.push(
                r.finished,
                Some(&self.nodes[node].name),
                Event::Request {
                    id: r.id,
                    started: crate::time::secs_f64(r.started),
                    latency_ms: crate::time::millis_f64(latency),
                    outcome: r.outcome,
                },
            );
        }
        self.done = done;
        if script_stopped_keepalived {
            self.conformance_event(now, Some(node), conformance::EventKind::NodeStop);
        }
        self.send(now, node, &mut out);
        self.scratch_out = out;
        self.rearm(now, node);
    }

    fn rearm(&mut self, now: Instant, node: usize) {
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        let mut next = n.stack.poll_at(now);
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |x| x.min(t)));
            }
        };
        match &mut n.role {
            Role::Router(r) => consider(r.poll_timeout()),
            Role::Client(c) => consider(Some(c.poll_at())),
            Role::Host => {}
        }
        if let Some(d) = &n.director {
            consider(d.poll_at());
        }
        if let Some((_, _, srv)) = &n.real {
            consider(srv.poll_at());
        }
        if let Some(svc) = &n.services {
            consider(svc.poll_at());
        }
        if let Some(ng) = &n.nginx {
            consider(ng.poll_at());
        }
        let Some(mut t) = next else { return };
        if t <= now {
            // smoltcp reports deadlines in whole microseconds; never re-wake at the same instant.
            t = now + Duration::from_micros(1);
        }
        if n.wake.is_some_and(|w| w <= t && w > now) {
            return;
        }
        n.wake = Some(t);
        self.queue.schedule(t, Ev::Wake { node });
    }

    fn boot(&mut self, now: Instant, node: usize) {
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        let booting = !n.alive;
        // keepalived starting (at boot, after a `start:` delay, or by a Start / Restart fault) is a
        // NodeStart for the conformance checker: the start-up rules and the liveness checks need it.
        let mut started = false;
        if !n.alive {
            n.alive = true;
            n.frozen_until = None;
            n.frozen_frames.clear();
        }
        let Node {
            stack,
            name,
            role,
            director,
            nginx,
            ..
        } = n;
        if let Some(ng) = nginx.as_mut().filter(|_| booting) {
            // The init system starts nginx with the host, before keepalived's first script run.
            ng.host.boot(now, &mut self.timeline, name);
        }
        if let Role::Router(r) = role {
            let mut out = std::mem::take(&mut self.scratch_out);
            let mut io = RouterIo {
                stack,
                out: &mut out,
                timeline: &mut self.timeline,
                node: name,
            };
            let was_running = r.is_running();
            r.start(now, &mut io);
            started = r.is_running() && !was_running;
            if let Some(d) = director {
                if r.is_running() {
                    d.start(now, stack, &mut self.timeline, name);
                }
            }
            if let Some(chk) = nginx.as_mut().and_then(|ng| ng.chk.as_mut()) {
                if r.is_running() && !was_running {
                    chk.start(now);
                }
            }
            self.send(now, node, &mut out);
            self.scratch_out = out;
        }
        if started {
            self.conformance_event(now, Some(node), conformance::EventKind::NodeStart);
        }
        self.node_input(now, node, None);
    }

    fn thaw(&mut self, now: Instant, node: usize) {
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        if n.frozen_until.is_none_or(|t| t > now) {
            return;
        }
        n.frozen_until = None;
        let frames = std::mem::take(&mut n.frozen_frames);
        for f in frames {
            self.node_input(now, node, Some(f));
        }
        self.node_input(now, node, None);
    }

    fn node_id(&self, name: &str) -> Option<usize> {
        self.node_index.get(name).copied()
    }

    fn note_fault(&mut self, now: Instant, node: Option<&str>, what: String) {
        self.timeline.push(now, node, Event::Fault { what });
    }

    fn conformance_event(
        &mut self,
        now: Instant,
        node: Option<usize>,
        kind: conformance::EventKind,
    ) {
        let (name, addresses) = match node.and_then(|i| self.nodes.get(i)) {
            Some(n) => (n.name.clone(), n.addresses()),
            None => (String::new(), vec![]),
        };
        let addresses = if matches!(
            kind,
            conformance::EventKind::FaultInjected { .. }
                | conformance::EventKind::FaultHealed { .. }
        ) {
            vec![]
        } else {
            addresses
        };
        self.conf_events.push(conformance::Event {
            time_ns: now.as_nanos() as i64,
            node: name,
            addresses,
            kind,
        });
    }

    fn set_link(&mut self, node: usize, f: impl FnOnce(&mut LinkOptions)) {
        if let Some(p) = self.nodes.get(node).map(|n| n.port) {
            if let Some(port) = self.ports.get_mut(p) {
                f(&mut port.options);
            }
        }
    }

    fn with_router(
        &mut self,
        now: Instant,
        node: usize,
        f: impl FnOnce(&mut RouterHost, Instant, &mut RouterIo<'_>),
    ) {
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        if !n.alive {
            return;
        }
        let Node {
            stack, role, name, ..
        } = n;
        if let Role::Router(r) = role {
            let mut out = std::mem::take(&mut self.scratch_out);
            let mut io = RouterIo {
                stack,
                out: &mut out,
                timeline: &mut self.timeline,
                node: name,
            };
            f(r, now, &mut io);
            self.send(now, node, &mut out);
            self.scratch_out = out;
        }
        self.node_input(now, node, None);
    }

    /// Applies one fault now.
    pub fn apply_fault(&mut self, now: Instant, fault: &Fault) {
        self.log_fault_for_conformance(now, fault);
        match fault {
            Fault::SetLink { node, link } => {
                self.note_fault(
                    now,
                    Some(node),
                    format!("link settings {}", describe_link(link)),
                );
                if let Some(i) = self.node_id(node) {
                    let link = link.clone();
                    self.set_link(i, |o| *o = link);
                }
            }
            Fault::LinkDown { node } | Fault::LinkUp { node } => {
                let up = matches!(fault, Fault::LinkUp { .. });
                self.note_fault(
                    now,
                    Some(node),
                    format!("link {}", if up { "up" } else { "down" }),
                );
                if let Some(i) = self.node_id(node) {
                    self.set_link(i, |o| o.up = up);
                }
            }
            Fault::InterfaceDown { node } | Fault::InterfaceUp { node } => {
                let up = matches!(fault, Fault::InterfaceUp { .. });
                self.note_fault(
                    now,
                    Some(node),
                    format!("interface {}", if up { "up" } else { "down" }),
                );
                if let Some(i) = self.node_id(node) {
                    self.set_link(i, |o| o.up = up);
                    self.with_router(now, i, |r, now, io| r.set_interface(now, up, io));
                }
            }
            Fault::BlockVrrp { nodes } | Fault::UnblockVrrp { nodes } => {
                let on = matches!(fault, Fault::BlockVrrp { .. });
                for node in nodes {
                    let what = if on {
                        "firewall drops incoming VRRP (IP protocol 112)"
                    } else {
                        "firewall rule for VRRP removed"
                    };
                    self.note_fault(now, Some(node), what.into());
                    if let Some(i) = self.node_id(node) {
                        self.set_link(i, |o| o.block_vrrp = on);
                    }
                }
            }
            Fault::Partition { segment, groups } => {
                self.note_fault(now, None, format!("partition {segment}: {groups:?}"));
                let Some(&s) = self.segment_index.get(segment) else {
                    return;
                };
                let mut map = BTreeMap::new();
                for (g, members) in groups.iter().enumerate() {
                    for m in members {
                        if let Some(i) = self.node_id(m) {
                            map.insert(self.nodes[i].port, g as u32 + 1);
                        }
                    }
                }
                if let Some(seg) = self.segments.get_mut(s) {
                    seg.groups = map;
                    seg.flush();
                }
            }
            Fault::Heal { segment } => {
                self.note_fault(now, None, format!("partition of {segment} healed"));
                if let Some(seg) = self
                    .segment_index
                    .get(segment)
                    .and_then(|&s| self.segments.get_mut(s))
                {
                    seg.groups.clear();
                }
            }
            Fault::DropMulticast { segment, on } => {
                self.note_fault(
                    now,
                    None,
                    format!(
                        "switch {segment} {} multicast",
                        if *on { "drops" } else { "forwards" }
                    ),
                );
                if let Some(seg) = self
                    .segment_index
                    .get(segment)
                    .and_then(|&s| self.segments.get_mut(s))
                {
                    seg.options.drop_multicast = *on;
                }
            }
            Fault::DropGarp { node, on } => {
                self.note_fault(
                    now,
                    Some(node),
                    format!("gratuitous ARP {}", if *on { "lost" } else { "passes" }),
                );
                if let Some(i) = self.node_id(node) {
                    let on = *on;
                    self.set_link(i, |o| o.drop_garp = on);
                }
            }
            Fault::Crash { node } => {
                self.note_fault(now, Some(node), "crash".into());
                if let Some(i) = self.node_id(node) {
                    self.crash(now, i);
                }
            }
            Fault::Kill { node } => {
                self.note_fault(now, Some(node), "keepalived killed (SIGKILL)".into());
                if let Some(i) = self.node_id(node) {
                    self.with_router(now, i, |r, now, io| r.kill(now, io));
                    if let Some(n) = self.nodes.get_mut(i) {
                        if let Some(d) = &mut n.director {
                            d.kill(&mut n.stack);
                        }
                        if let Some(c) = n.nginx.as_mut().and_then(|g| g.chk.as_mut()) {
                            c.stop();
                        }
                    }
                }
            }
            Fault::Restart { node } | Fault::Start { node } => {
                self.note_fault(
                    now,
                    Some(node),
                    if matches!(fault, Fault::Start { .. }) {
                        "keepalived start"
                    } else {
                        "restart"
                    }
                    .into(),
                );
                if let Some(i) = self.node_id(node) {
                    self.boot(now, i);
                }
            }
            Fault::Stop { node } => {
                self.note_fault(now, Some(node), "keepalived stops gracefully".into());
                if let Some(i) = self.node_id(node) {
                    self.with_router(now, i, |r, now, io| r.stop(now, io));
                    if let Some(n) = self.nodes.get_mut(i) {
                        if let Some(d) = &mut n.director {
                            d.stop(now, &mut n.stack, &mut self.timeline, &n.name);
                        }
                        if let Some(c) = n.nginx.as_mut().and_then(|g| g.chk.as_mut()) {
                            c.stop();
                        }
                    }
                }
            }
            Fault::Stall { node, duration } => {
                self.note_fault(
                    now,
                    Some(node),
                    format!("stalls for {}", format_duration(*duration)),
                );
                if let Some(i) = self.node_id(node) {
                    if let Some(n) = self.nodes.get_mut(i) {
                        let until = now + *duration;
                        n.frozen_until = Some(n.frozen_until.map_or(until, |t| t.max(until)));
                        self.queue.schedule(until, Ev::Thaw { node: i });
                    }
                }
            }
            Fault::SetPriority {
                node,
                instance,
                priority,
            } => {
                self.note_fault(now, Some(node), format!("priority set to {priority}"));
                if let Some(i) = self.node_id(node) {
                    let (inst, p) = (instance.clone(), *priority);
                    self.with_router(now, i, |r, now, io| {
                        r.set_priority(now, inst.as_deref(), p, io)
                    });
                }
            }
            Fault::TrackScript { node, script, ok } => {
                self.note_fault(
                    now,
                    Some(node),
                    format!(
                        "track script {script} now {}",
                        if *ok { "succeeds" } else { "fails" }
                    ),
                );
                if let Some(i) = self.node_id(node) {
                    let (s, ok) = (script.clone(), *ok);
                    self.with_router(now, i, |r, now, io| r.set_script(now, &s, ok, io));
                }
            }
            Fault::OtherInterface {
                node,
                interface,
                up,
            } => {
                let st = if *up { "up" } else { "down" };
                self.note_fault(now, Some(node), format!("interface {interface} {st}"));
                if let Some(i) = self.node_id(node) {
                    let (n, u) = (interface.clone(), *up);
                    self.with_router(now, i, |r, now, io| r.set_other_interface(now, &n, u, io));
                }
            }
            Fault::TrackFile { node, file, value } => {
                self.note_fault(now, Some(node), format!("track file {file} = {value}"));
                if let Some(i) = self.node_id(node) {
                    let (f, v) = (file.clone(), *value);
                    self.with_router(now, i, |r, now, io| r.set_file(now, &f, v, io));
                    // FILE_CHECKs watch the same file.
                    if let Some(n) = self.nodes.get_mut(i) {
                        if let Some(d) = &mut n.director {
                            d.set_track_file(now, &f, v, &mut self.timeline, &n.name);
                        }
                    }
                    self.node_input(now, i, None);
                }
            }
            Fault::SetUdp { node, udp } => {
                self.note_fault(now, Some(node), udp.describe());
                if let Some(i) = self.node_id(node) {
                    if let Some(n) = self.nodes.get_mut(i) {
                        let svc = n.services.get_or_insert_with(|| {
                            RsServices::new(None, None, n.stack_seed, &mut n.stack)
                        });
                        svc.set_udp(udp.clone(), &mut n.stack);
                    }
                    self.node_input(now, i, None);
                }
            }
            Fault::SetBfd { node, bfd } => {
                self.note_fault(now, Some(node), bfd.describe());
                if let Some(i) = self.node_id(node) {
                    if let Some(n) = self.nodes.get_mut(i) {
                        let svc = n.services.get_or_insert_with(|| {
                            RsServices::new(None, None, n.stack_seed, &mut n.stack)
                        });
                        svc.set_bfd(now, bfd.clone(), &mut n.stack);
                    }
                    self.node_input(now, i, None);
                }
            }
            Fault::SetMiscScript {
                node,
                script,
                result,
            } => {
                self.note_fault(
                    now,
                    Some(node),
                    format!("MISC_CHECK script {script:?} {}", result.describe()),
                );
                if let Some(n) = self.node_id(node).and_then(|i| self.nodes.get_mut(i)) {
                    if let Some(d) = &mut n.director {
                        d.set_misc_script(script, result.clone());
                    }
                }
            }
            Fault::Reload {
                node,
                overrides,
                config,
            } => {
                let what = match config {
                    Some(crate::scenario::ConfigSource::File(f)) => format!("config reload ({f})"),
                    Some(crate::scenario::ConfigSource::Inline(_)) => {
                        "config reload (new inline config)".into()
                    }
                    None => "config reload".into(),
                };
                self.note_fault(now, Some(node), what);
                if let Some(i) = self.node_id(node) {
                    let o = overrides.clone();
                    let key = config.as_ref().map(crate::router_host::reload_key);
                    self.with_router(now, i, |r, now, io| {
                        r.reload(now, o.as_ref(), key.as_deref(), io)
                    });
                }
            }
            Fault::SetHttp { node, http } => {
                self.note_fault(now, Some(node), format!("HTTP service {}", http.describe()));
                if let Some(i) = self.node_id(node) {
                    if let Some(n) = self.nodes.get_mut(i) {
                        if let Some((_, b, srv)) = &mut n.real {
                            *b = http.clone();
                            srv.set_behaviour(http.clone(), &mut n.stack);
                        }
                    }
                    self.node_input(now, i, None);
                }
            }
            Fault::KillNginx { node, can_restart } => {
                let how = if *can_restart {
                    "nginx killed"
                } else {
                    "nginx killed; /usr/sbin/nginx now fails to start"
                };
                self.note_fault(now, Some(node), how.into());
                if let Some(i) = self.node_id(node) {
                    if let Some(n) = self.nodes.get_mut(i).filter(|n| n.alive) {
                        if let Some(ng) = &mut n.nginx {
                            ng.host.set_can_restart(*can_restart);
                            ng.host.kill(now, &mut n.stack, &mut self.timeline, &n.name);
                        }
                    }
                    self.node_input(now, i, None);
                }
            }
            Fault::StartNginx { node } => {
                self.note_fault(now, Some(node), "nginx started by an operator".into());
                if let Some(i) = self.node_id(node) {
                    if let Some(n) = self.nodes.get_mut(i).filter(|n| n.alive) {
                        if let Some(ng) = &mut n.nginx {
                            ng.host.set_can_restart(true);
                            ng.host.start(now, &mut self.timeline, &n.name);
                        }
                    }
                    self.node_input(now, i, None);
                }
            }
            Fault::SetService { node, service } => {
                self.note_fault(now, Some(node), service.describe());
                if let Some(i) = self.node_id(node) {
                    let pki = self.pki.as_ref();
                    if let Some(n) = self.nodes.get_mut(i) {
                        if let Some(tsd) = &mut n.tls_smtp_dns {
                            tsd.change(service, pki, &mut n.stack);
                        }
                    }
                    self.node_input(now, i, None);
                }
            }
            Fault::RemoveAddress { node, address } => {
                self.note_fault(
                    now,
                    Some(node),
                    format!("address {address} deleted from the interface"),
                );
                if let (Some(i), Ok(a)) = (self.node_id(node), address.parse::<Ipv4Addr>()) {
                    if let Some(n) = self.nodes.get_mut(i) {
                        if a == n.ip.0 {
                            n.stack.set_primary_present(false);
                        } else {
                            n.stack.remove_address(a);
                        }
                    }
                    // keepalived hears the deletion over netlink.
                    self.with_router(now, i, |r, now, io| r.address_removed(now, a, io));
                }
            }
            Fault::AddAddress { node, address } => {
                self.note_fault(
                    now,
                    Some(node),
                    format!("address {address} added to the interface"),
                );
                if let (Some(i), Ok(a)) = (self.node_id(node), address.parse::<Ipv4Addr>()) {
                    if let Some(n) = self.nodes.get_mut(i) {
                        if a == n.ip.0 {
                            n.stack.set_primary_present(true);
                        } else {
                            let mac = n.mac;
                            n.stack.add_address(a, mac);
                        }
                    }
                    self.with_router(now, i, |r, now, io| r.address_added(now, a, io));
                }
            }
        }
    }

    /// Tells the conformance checker what the fault does: injected / healed with a matching description, or a
    /// node's crash / graceful stop (which decide whether a priority-0 advert is due).
    fn log_fault_for_conformance(&mut self, now: Instant, fault: &Fault) {
        use conformance::EventKind::{FaultHealed, FaultInjected, NodeCrash, NodeStop};
        let inj = |d: String| FaultInjected { description: d };
        let heal = |d: String| FaultHealed { description: d };
        let (node, kind) = match fault {
            Fault::Crash { node } | Fault::Kill { node } => (self.node_id(node), NodeCrash),
            Fault::Stop { node } => (self.node_id(node), NodeStop),
            // `boot` logs the NodeStart when keepalived actually starts (not for a running one).
            Fault::Restart { .. } | Fault::Start { .. } => return,
            Fault::BlockVrrp { nodes } => {
                (None, inj(format!("VRRP blocked on {}", nodes.join(","))))
            }
            Fault::UnblockVrrp { nodes } => {
                (None, heal(format!("VRRP blocked on {}", nodes.join(","))))
            }
            Fault::Partition { segment, .. } => (None, inj(format!("partition of {segment}"))),
            Fault::Heal { segment } => (None, heal(format!("partition of {segment}"))),
            Fault::LinkDown { node } => (None, inj(format!("link of {node} down"))),
            Fault::LinkUp { node } => (None, heal(format!("link of {node} down"))),
            Fault::InterfaceDown { node } => (None, inj(format!("interface of {node} down"))),
            Fault::InterfaceUp { node } => (None, heal(format!("interface of {node} down"))),
            Fault::DropMulticast { segment, on: true } => {
                (None, inj(format!("{segment} drops multicast")))
            }
            Fault::DropMulticast { segment, on: false } => {
                (None, heal(format!("{segment} drops multicast")))
            }
            Fault::DropGarp { node, on: true } => {
                (None, inj(format!("gratuitous ARP from {node} lost")))
            }
            Fault::DropGarp { node, on: false } => {
                (None, heal(format!("gratuitous ARP from {node} lost")))
            }
            Fault::SetLink { node, link } if *link == LinkOptions::default() => {
                (None, heal(format!("link settings of {node}")))
            }
            Fault::SetLink { node, .. } => (None, inj(format!("link settings of {node}"))),
            Fault::Stall { node, duration } => (
                None,
                inj(format!("{node} stalls for {}", format_duration(*duration))),
            ),
            Fault::SetPriority { node, priority, .. } => {
                (None, inj(format!("priority of {node} set to {priority}")))
            }
            Fault::TrackScript { node, script, ok } => (
                None,
                inj(format!("track script {script} on {node}: ok={ok}")),
            ),
            Fault::TrackFile { node, file, value } => {
                (None, inj(format!("track file {file} on {node} = {value}")))
            }
            Fault::OtherInterface {
                node,
                interface,
                up: false,
            } => (None, inj(format!("interface {interface} of {node} down"))),
            Fault::OtherInterface {
                node,
                interface,
                up: true,
            } => (None, heal(format!("interface {interface} of {node}"))),
            Fault::Reload { node, .. } => (None, inj(format!("config reload on {node}"))),
            Fault::RemoveAddress { node, address } => {
                (None, inj(format!("{address} deleted on {node}")))
            }
            Fault::AddAddress { node, address } => {
                (None, heal(format!("{address} deleted on {node}")))
            }
            Fault::SetHttp { node, http } if *http == HttpBehaviour::default() => {
                (None, heal(format!("HTTP service of {node}")))
            }
            Fault::SetHttp { node, .. } => (None, inj(format!("HTTP service of {node}"))),
            Fault::SetUdp { node, udp } if *udp == Default::default() => {
                (None, heal(format!("UDP service of {node}")))
            }
            Fault::SetUdp { node, .. } => (None, inj(format!("UDP service of {node}"))),
            Fault::SetService { node, service } if service.is_healthy() => {
                (None, heal(format!("{} of {node}", service.describe())))
            }
            Fault::SetService { node, service } => {
                (None, inj(format!("{} of {node}", service.describe())))
            }
            Fault::SetBfd { node, bfd } if !bfd.stopped && !bfd.admin_down => {
                (None, heal(format!("BFD peer of {node}")))
            }
            Fault::SetBfd { node, .. } => (None, inj(format!("BFD peer of {node}"))),
            Fault::SetMiscScript { node, script, .. } => {
                (None, inj(format!("MISC_CHECK script {script} on {node}")))
            }
            Fault::KillNginx { node, .. } => (None, inj(format!("nginx of {node}"))),
            Fault::StartNginx { node } => (None, heal(format!("nginx of {node}"))),
        };
        self.conformance_event(now, node, kind);
    }

    fn crash(&mut self, now: Instant, node: usize) {
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        n.alive = false;
        n.wake = None;
        n.frozen_until = None;
        n.frozen_frames.clear();
        // A reboot loses the ARP cache, sockets and addresses.
        let mut stack = Stack::new(
            n.mac,
            n.ip.0,
            n.ip.1,
            n.stack_seed.wrapping_add(now.as_nanos()),
            now,
        );
        if let Some((a, p)) = n.ip6 {
            stack.set_ipv6(a, p);
        }
        stack.set_router(matches!(n.role, Role::Router(_)));
        for a in &n.loopback {
            stack.add_loopback(*a);
        }
        stack.set_gateway(n.gateway);
        stack.set_ipip(n.ipip);
        n.http = n
            .http
            .take()
            .map(|(p, _)| (p, HttpServer::new(p, &n.name, &mut stack)));
        // A rebooted real server comes back with the behaviour it had (SetHttp changes its configuration).
        n.real = n.real.take().map(|(p, b, _)| {
            let srv = RealServer::new(p, &n.name, b.clone(), &mut stack);
            (p, b, srv)
        });
        // Its UDP service and BFD daemon come back too, with no session state.
        // Its HTTPS/SMTP/DNS services come back as configured too, with fresh sockets.
        if let Some(tsd) = n.tls_smtp_dns.take() {
            let (https, smtp, dns) = tsd.config();
            let seed = n.stack_seed ^ 0x7365_7276_6963_6573 ^ now.as_nanos();
            n.tls_smtp_dns = Some(TlsSmtpDns::new(
                &n.name,
                seed,
                https,
                smtp,
                dns,
                self.pki.as_ref(),
                &mut stack,
            ));
        }
        n.services = n.services.take().map(|s| {
            RsServices::new(
                s.udp().cloned(),
                s.bfd().cloned(),
                n.stack_seed.wrapping_add(now.as_nanos()),
                &mut stack,
            )
        });
        if let Some(d) = &mut n.director {
            d.crash();
        }
        if let Some(ng) = &mut n.nginx {
            ng.host.crash();
            if let Some(c) = &mut ng.chk {
                c.stop();
            }
        }
        n.stack = stack;
        let name = n.name.clone();
        if let Role::Router(r) = &mut n.role {
            r.crash(now, &name, &mut self.timeline);
        }
    }
}

fn describe_link(o: &LinkOptions) -> String {
    let d = LinkOptions::default();
    let mut parts = vec![];
    if o.up != d.up {
        parts.push(format!("up={}", o.up));
    }
    if o.latency != d.latency {
        parts.push(format!("latency={}", format_duration(o.latency)));
    }
    if o.jitter != d.jitter {
        parts.push(format!("jitter={}", format_duration(o.jitter)));
    }
    for (name, v, dv) in [
        ("loss", o.loss, d.loss),
        ("loss_out", o.loss_out, d.loss_out),
        ("loss_in", o.loss_in, d.loss_in),
        ("duplicate", o.duplicate, d.duplicate),
        ("reorder", o.reorder, d.reorder),
    ] {
        if v != dv {
            parts.push(format!("{name}={v}"));
        }
    }
    if o.block_vrrp {
        parts.push("block_vrrp".into());
    }
    if o.drop_garp {
        parts.push("drop_garp".into());
    }
    if parts.is_empty() {
        "(defaults)".into()
    } else {
        parts.join(" ")
    }
}

/// Whether a scenario has an HTTPS service (configured or set by a fault), so the run needs its test CA.
fn needs_pki(s: &scenario::Scenario) -> bool {
    s.nodes
        .iter()
        .any(|n| matches!(n, NodeSpec::Host(h) if h.https.is_some()))
        || s.faults.iter().any(|f| {
            matches!(
                &f.fault,
                Fault::SetService {
                    service: scenario::ServiceChange::Https(_),
                    ..
                }
            )
        })
}

/// Whether a fault sets a service on `node` (which then needs a slot even without one at start).
fn has_set_service(s: &scenario::Scenario, node: &str) -> bool {
    s.faults
        .iter()
        .any(|f| matches!(&f.fault, Fault::SetService { node: n, .. } if n == node))
}
