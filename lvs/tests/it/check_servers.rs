//! A scripted network with real servers for the SSL_GET, SMTP_CHECK and DNS_CHECK timing tests: every
//! exchange takes 1 ms; the HTTPS server is a real rustls server with a certificate from the test CA,
//! the SMTP server speaks the dialogue, the DNS server answers with simple-dns messages.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use lvs::check::ssl::{server_config, SimPki, TlsServer};
use lvs::check::FailReason;
use lvs::check::{
    AttemptId, CheckAction, CheckEvent, CheckIo, CheckKind, Checker, CheckerSettings,
};
use lvs::{Duration, Instant};
use simple_dns::{Packet, PacketFlag, ResourceRecord, CLASS, RCODE};

pub const RTT: Duration = Duration::from_millis(1);

pub fn ms(t: u64) -> Instant {
    Instant::from_millis(t)
}

/// What the server does from a given time on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Serves correctly.
    Up,
    /// Drops every packet.
    Silent,
    /// RST to SYN (TCP) or ICMP port unreachable (UDP).
    Refuse,
    /// Accepts the connection and never says anything.
    Hang,
    /// HTTPS: speaks plain HTTP on the TLS port. SMTP: banner with this status. DNS: this RCODE.
    Wrong(u16),
    /// HTTPS: sends the response header at once, then one body byte every 2 s, never closing.
    Trickle,
}

/// The service on the port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Https,
    Smtp,
    Dns,
}

#[derive(Clone, Debug)]
enum Net {
    Connected,
    Refused,
    /// ICMP destination unreachable about a datagram.
    Unreachable,
    Data(Vec<u8>),
    Eof,
}

pub struct Harness {
    pub checker: Checker,
    service: Service,
    script: Vec<(Instant, Mode)>,
    pending: BTreeMap<(Instant, u64), (AttemptId, Net)>,
    seq: u64,
    pub events: Vec<CheckEvent>,
    /// Plaintext the server received (HTTP requests, SMTP commands, DNS queries).
    pub received: Vec<Vec<u8>>,
    /// Raw bytes on the wire, client to server then server to client, in order.
    pub wire: Vec<u8>,
    tls_config: Arc<rustls::ServerConfig>,
    tls: BTreeMap<AttemptId, TlsServer>,
    /// The mode each attempt was accepted under (a server that changes mode mid-connection keeps it).
    modes: BTreeMap<AttemptId, Mode>,
}

fn http_response() -> Vec<u8> {
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec()
}

impl Harness {
    pub fn new(
        settings: CheckerSettings,
        kind: CheckKind,
        service: Service,
        script: Vec<(Instant, Mode)>,
    ) -> Self {
        let target: SocketAddr = match service {
            Service::Https => "192.0.2.21:443",
            Service::Smtp => "192.0.2.21:25",
            Service::Dns => "192.0.2.21:53",
        }
        .parse()
        .unwrap();
        let pki = SimPki::new(1).unwrap();
        let id = pki.server(&["www.example.com".to_string()]).unwrap();
        let mut checker = Checker::new(settings, kind, target);
        checker.set_seed(99);
        checker.start(Instant::ZERO, 0);
        Harness {
            checker,
            service,
            script,
            pending: BTreeMap::new(),
            seq: 0,
            events: vec![],
            received: vec![],
            wire: vec![],
            tls_config: server_config(&id).unwrap(),
            tls: BTreeMap::new(),
            modes: BTreeMap::new(),
        }
    }

    fn mode_at(&self, t: Instant) -> Mode {
        self.script
            .iter()
            .rev()
            .find(|(at, _)| *at <= t)
            .map(|(_, s)| s.clone())
            .unwrap_or(Mode::Silent)
    }

    fn push(&mut self, t: Instant, a: AttemptId, n: Net) {
        self.seq += 1;
        if let Net::Data(d) = &n {
            self.wire.extend_from_slice(d);
        }
        self.pending.insert((t, self.seq), (a, n));
    }

    fn on_connect(&mut self, now: Instant, attempt: AttemptId) {
        let mode = self.mode_at(now);
        match mode {
            Mode::Silent => return,
            Mode::Refuse => {
                self.push(now + RTT, attempt, Net::Refused);
                return;
            }
            _ => self.push(now + RTT, attempt, Net::Connected),
        }
        self.modes.insert(attempt, mode.clone());
        match (self.service, mode) {
            (Service::Smtp, Mode::Up) => self.push(
                now + RTT,
                attempt,
                Net::Data(b"220 mx.example.com ESMTP\r\n".to_vec()),
            ),
            (Service::Smtp, Mode::Wrong(code)) => self.push(
                now + RTT,
                attempt,
                Net::Data(format!("{code} service not available\r\n").into_bytes()),
            ),
            (Service::Https, Mode::Up | Mode::Trickle) => {
                let s = TlsServer::new(self.tls_config.clone(), attempt.0).unwrap();
                self.tls.insert(attempt, s);
            }
            _ => {}
        }
    }

    fn on_send(&mut self, now: Instant, attempt: AttemptId, data: Vec<u8>) {
        self.wire.extend_from_slice(&data);
        let mode = self.modes.get(&attempt).cloned().unwrap_or(Mode::Silent);
        match (self.service, mode) {
            (Service::Https, mode @ (Mode::Up | Mode::Trickle)) => {
                let Some(s) = self.tls.get_mut(&attempt) else {
                    return;
                };
                let Some(plain) = s.receive(&data) else {
                    let out = s.take_outgoing();
                    self.push(now + RTT, attempt, Net::Data(out));
                    return;
                };
                let mut close = false;
                let mut trickle = vec![];
                if !plain.is_empty() && mode == Mode::Trickle {
                    self.received.push(plain);
                    s.send_plain(b"HTTP/1.0 200 OK\r\n\r\n");
                    let header = s.take_outgoing();
                    for k in 1..=5u64 {
                        s.send_plain(b"x");
                        trickle.push((now + RTT + Duration::from_secs(2 * k), s.take_outgoing()));
                    }
                    self.push(now + RTT, attempt, Net::Data(header));
                    for (at, rec) in trickle {
                        self.push(at, attempt, Net::Data(rec));
                    }
                    return;
                }
                if !plain.is_empty() {
                    self.received.push(plain);
                    s.send_plain(&http_response());
                    s.close();
                    close = true;
                }
                let out = s.take_outgoing();
                if !out.is_empty() {
                    self.push(now + RTT, attempt, Net::Data(out));
                }
                if close {
                    self.push(now + RTT, attempt, Net::Eof);
                }
            }
            (Service::Https, Mode::Wrong(_)) => {
                // A plain HTTP server on the TLS port answers the ClientHello with a 400.
                self.received.push(data);
                self.push(
                    now + RTT,
                    attempt,
                    Net::Data(b"HTTP/1.0 400 Bad Request\r\n\r\n".to_vec()),
                );
                self.push(now + RTT, attempt, Net::Eof);
            }
            (Service::Smtp, Mode::Up) => {
                let reply: &[u8] = if data.starts_with(b"HELO ") {
                    b"250 mx.example.com\r\n"
                } else if data.starts_with(b"QUIT") {
                    b"221 bye\r\n"
                } else {
                    b"500 what\r\n"
                };
                self.received.push(data);
                self.push(now + RTT, attempt, Net::Data(reply.to_vec()));
            }
            _ => {}
        }
    }

    fn on_udp(&mut self, now: Instant, attempt: AttemptId, data: Vec<u8>) {
        self.wire.extend_from_slice(&data);
        self.received.push(data.clone());
        match self.mode_at(now) {
            Mode::Silent | Mode::Hang | Mode::Trickle => {}
            Mode::Refuse => self.push(now + RTT, attempt, Net::Unreachable),
            Mode::Up | Mode::Wrong(_) => {
                let rcode = match self.mode_at(now) {
                    Mode::Wrong(rc) => rc,
                    _ => 0,
                };
                let query = Packet::parse(&data).unwrap();
                let mut reply = query.clone().into_reply();
                reply.set_flags(PacketFlag::AUTHORITATIVE_ANSWER);
                *reply.rcode_mut() = match rcode {
                    0 => RCODE::NoError,
                    2 => RCODE::ServerFailure,
                    3 => RCODE::NameError,
                    _ => RCODE::Refused,
                };
                if rcode == 0 {
                    let q = &query.questions[0];
                    reply.answers.push(ResourceRecord::new(
                        q.qname.clone(),
                        CLASS::IN,
                        300,
                        simple_dns::rdata::RData::A(simple_dns::rdata::A {
                            address: 0xc000_0215,
                        }),
                    ));
                }
                let bytes = reply.build_bytes_vec().unwrap();
                self.push(now + RTT, attempt, Net::Data(bytes));
            }
        }
    }

    fn drain(&mut self, now: Instant) {
        while let Some(a) = self.checker.poll_action() {
            match a {
                CheckAction::Connect { attempt, .. } => self.on_connect(now, attempt),
                CheckAction::Send { attempt, data } => self.on_send(now, attempt, data),
                CheckAction::SendUdp {
                    attempt, payload, ..
                } => self.on_udp(now, attempt, payload),
                CheckAction::SendEcho { .. } => {}
                CheckAction::Close { attempt } => {
                    self.pending.retain(|_, (a, _)| *a != attempt);
                    self.tls.remove(&attempt);
                }
                CheckAction::RunScript { .. } | CheckAction::KillScript { .. } => {}
            }
        }
        while let Some(e) = self.checker.poll_event() {
            self.events.push(e);
        }
    }

    pub fn run(&mut self, until: Instant) {
        loop {
            let timer = self.checker.poll_timeout();
            let net = self.pending.keys().next().map(|k| k.0);
            let now = match (timer, net) {
                (Some(t), Some(n)) => t.min(n),
                (Some(t), None) => t,
                (None, Some(n)) => n,
                (None, None) => break,
            };
            if now > until {
                break;
            }
            if net == Some(now) {
                let (&k, _) = self.pending.iter().next().unwrap();
                let (a, n) = self.pending.remove(&k).unwrap();
                let io = match &n {
                    Net::Connected => CheckIo::Connected,
                    Net::Refused => CheckIo::Refused,
                    Net::Unreachable => CheckIo::Unreachable,
                    Net::Data(d) => CheckIo::Data(d),
                    Net::Eof => CheckIo::Eof,
                };
                self.checker.handle_io(now, a, io);
            } else {
                self.checker.handle_timeout(now);
            }
            self.drain(now);
        }
    }

    pub fn downs(&self) -> Vec<(Instant, FailReason)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                CheckEvent::Down { at, reason, .. } => Some((*at, reason.clone())),
                _ => None,
            })
            .collect()
    }

    pub fn ups(&self) -> Vec<Instant> {
        self.events
            .iter()
            .filter_map(|e| match e {
                CheckEvent::Up { at } => Some(*at),
                _ => None,
            })
            .collect()
    }
}

/// The seed configuration's timing: connect_timeout 3, retry 3, delay_before_retry 3, delay_loop 6.
pub fn seed_settings() -> CheckerSettings {
    CheckerSettings {
        connect_timeout: Duration::from_secs(3),
        retry: 3,
        delay_before_retry: Duration::from_secs(3),
        delay_loop: Duration::from_secs(6),
        warmup: Duration::from_secs(6),
        alpha: false,
    }
}
