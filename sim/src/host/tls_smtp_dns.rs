//! The services a simulated real server runs for keepalived's SSL_GET, SMTP_CHECK and DNS_CHECK (UDP and
//! BFD are in `services.rs`): HTTPS (a real TLS server whose certificate the run's test CA signs), SMTP (banner, HELO/EHLO,
//! QUIT) and DNS (UDP queries answered with real DNS messages). Each has one options struct a scenario sets
//! on the `Host` (`https`, `smtp`, `dns`) and changes with the `SetService` fault.
//!
//! Everything speaks through the host's smoltcp stack, so the exchanges are in the capture as real TLS, SMTP
//! and DNS. The TLS sessions draw their randomness from the host's seed ([`lvs::check::ssl`]), so a run is
//! byte-identical for the same scenario seed, handshakes included.

use std::sync::Arc;

use crate::host::sockets::{listen, listeners_missing, recv_all};
use crate::host::stack::Stack;
use lvs::check::ssl::{server_config, SimPki, TlsServer};
use serde::{Deserialize, Serialize};
use simple_dns::rdata::{RData, A, SOA};
use simple_dns::{Name, Packet, PacketFlag, ResourceRecord, CLASS, QTYPE, RCODE, TYPE};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::{tcp, udp};

/// A host's HTTPS service (what SSL_GET checks). Defaults: port 443, healthy, `200 OK` with the node name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpsService {
    /// TCP port.
    pub port: u16,
    /// Nothing listens: each SYN is answered with a RST.
    pub refuse: bool,
    /// Connections are accepted but the ClientHello is never answered (a wedged TLS terminator).
    pub hang: bool,
    /// The port speaks plain HTTP instead of TLS: the ClientHello gets `400 Bad Request`, so the handshake
    /// fails (a listener misconfigured without `ssl`).
    pub plaintext: bool,
    /// Status code of the HTTP answer inside TLS.
    pub status: u16,
    /// Body instead of the node name.
    pub body: Option<String>,
}

impl Default for HttpsService {
    fn default() -> Self {
        HttpsService {
            port: 443,
            refuse: false,
            hang: false,
            plaintext: false,
            status: 200,
            body: None,
        }
    }
}

/// A host's SMTP service (what SMTP_CHECK checks). Defaults: port 25, banner 220, HELO/EHLO answered 250.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpService {
    /// TCP port.
    pub port: u16,
    /// Nothing listens: each SYN is answered with a RST.
    pub refuse: bool,
    /// Connections are accepted but no banner is ever sent.
    pub hang: bool,
    /// Status code of the greeting banner (e.g. 554 for "no service").
    pub banner: u16,
    /// Status code of the answer to HELO/EHLO.
    pub helo: u16,
}

impl Default for SmtpService {
    fn default() -> Self {
        SmtpService {
            port: 25,
            refuse: false,
            hang: false,
            banner: 220,
            helo: 250,
        }
    }
}

/// A host's DNS service (what DNS_CHECK checks). Defaults: port 53, every query answered (NOERROR, an A
/// record with the host's address for A queries, an SOA for SOA queries).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DnsService {
    /// UDP port.
    pub port: u16,
    /// Nothing listens: the host answers each query with ICMP port unreachable.
    pub refuse: bool,
    /// Queries are read and dropped (an overloaded resolver).
    pub drop: bool,
    /// RCODE of every answer: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED.
    pub rcode: u8,
    /// Put records in the answer section (false: NOERROR/NODATA, which keepalived 2.2.7 accepts).
    pub answers: bool,
}

impl Default for DnsService {
    fn default() -> Self {
        DnsService {
            port: 53,
            refuse: false,
            drop: false,
            rcode: 0,
            answers: true,
        }
    }
}

/// The `SetService` fault's new configuration of one service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ServiceChange {
    /// The HTTPS service.
    Https(HttpsService),
    /// The SMTP service.
    Smtp(SmtpService),
    /// The DNS service.
    Dns(DnsService),
}

impl ServiceChange {
    /// For the timeline ("SMTP service banner 554", "DNS service healthy", ...).
    pub fn describe(&self) -> String {
        let (name, parts) = match self {
            ServiceChange::Https(h) => {
                let d = HttpsService {
                    port: h.port,
                    ..HttpsService::default()
                };
                let mut p = vec![];
                flag(&mut p, h.refuse, "refuses connections");
                flag(&mut p, h.hang, "never answers the TLS handshake");
                flag(&mut p, h.plaintext, "speaks plain HTTP");
                flag(
                    &mut p,
                    h.status != d.status,
                    &format!("answers HTTP {}", h.status),
                );
                flag(&mut p, h.body.is_some(), "answers with another body");
                ("HTTPS", p)
            }
            ServiceChange::Smtp(s) => {
                let mut p = vec![];
                flag(&mut p, s.refuse, "refuses connections");
                flag(&mut p, s.hang, "never sends a banner");
                flag(&mut p, s.banner != 220, &format!("banner {}", s.banner));
                flag(&mut p, s.helo != 250, &format!("HELO answered {}", s.helo));
                ("SMTP", p)
            }
            ServiceChange::Dns(d) => {
                let mut p = vec![];
                flag(&mut p, d.refuse, "port unreachable");
                flag(&mut p, d.drop, "drops queries");
                flag(&mut p, d.rcode != 0, &format!("answers rcode {}", d.rcode));
                flag(&mut p, !d.answers, "answers without records");
                ("DNS", p)
            }
        };
        if parts.is_empty() {
            format!("{name} service healthy")
        } else {
            format!("{name} service {}", parts.join(", "))
        }
    }

    /// Whether this is the service's healthy default (on its port).
    pub fn is_healthy(&self) -> bool {
        match self {
            ServiceChange::Https(h) => {
                *h == HttpsService {
                    port: h.port,
                    ..HttpsService::default()
                }
            }
            ServiceChange::Smtp(s) => {
                *s == SmtpService {
                    port: s.port,
                    ..SmtpService::default()
                }
            }
            ServiceChange::Dns(d) => {
                *d == DnsService {
                    port: d.port,
                    ..DnsService::default()
                }
            }
        }
    }
}

fn flag(parts: &mut Vec<String>, on: bool, text: &str) {
    if on {
        parts.push(text.to_string());
    }
}

/// Listening sockets kept free per TCP service.
const LISTENERS: usize = 8;
/// TCP sockets at most per service.
const MAX_SOCKETS: usize = 48;
/// Socket buffers: a TLS server flight with two certificates fits easily.
const BUF: usize = 8192;

/// What a TCP connection carries.
enum Proto {
    Https(Option<Box<TlsServer>>),
    Smtp,
}

struct Conn {
    handle: SocketHandle,
    /// Bytes received and not yet consumed (SMTP lines, HTTP request header).
    buf: Vec<u8>,
    /// Bytes waiting for room in the socket's send buffer.
    out: Vec<u8>,
    /// HTTPS: the decrypted request so far.
    plain: Vec<u8>,
    proto: Proto,
    greeted: bool,
    /// Close once `out` is sent.
    finish: bool,
}

/// A TCP service: listeners kept ready, connections recycled.
struct TcpService {
    port: u16,
    conns: Vec<Conn>,
}

impl TcpService {
    fn new(port: u16) -> Self {
        TcpService {
            port,
            conns: vec![],
        }
    }

    fn refill(&mut self, stack: &mut Stack, https: bool) {
        let handles: Vec<SocketHandle> = self.conns.iter().map(|c| c.handle).collect();
        for _ in 0..listeners_missing(stack, &handles, LISTENERS, MAX_SOCKETS) {
            let handle = listen(stack, self.port, BUF, BUF);
            self.conns.push(Conn {
                handle,
                buf: vec![],
                out: vec![],
                plain: vec![],
                proto: if https {
                    Proto::Https(None)
                } else {
                    Proto::Smtp
                },
                greeted: false,
                finish: false,
            });
        }
    }

    fn abort_all(&mut self, stack: &mut Stack) {
        for c in self.conns.drain(..) {
            // Kept in the set (closed) so the RST leaves at the next stack poll.
            stack.sockets.get_mut::<tcp::Socket>(c.handle).abort();
        }
    }
}

/// The HTTPS, SMTP and DNS services of one host (each optional).
pub struct TlsSmtpDns {
    name: String,
    seed: u64,
    connections: u64,
    https: Option<(HttpsService, TcpService, Arc<rustls::ServerConfig>)>,
    smtp: Option<(SmtpService, TcpService)>,
    dns: Option<(DnsService, Option<SocketHandle>)>,
}

impl TlsSmtpDns {
    /// The services configured on a host. `pki` signs the HTTPS certificate (for the node name and address);
    /// `seed` feeds the TLS sessions.
    pub fn new(
        name: &str,
        seed: u64,
        https: Option<HttpsService>,
        smtp: Option<SmtpService>,
        dns: Option<DnsService>,
        pki: Option<&SimPki>,
        stack: &mut Stack,
    ) -> TlsSmtpDns {
        let mut s = TlsSmtpDns {
            name: name.to_string(),
            seed,
            connections: 0,
            https: None,
            smtp: None,
            dns: None,
        };
        if let (Some(h), Some(pki)) = (https, pki) {
            let names = vec![name.to_string(), stack.ip.to_string()];
            if let Some(cfg) = pki.server(&names).and_then(|id| server_config(&id)) {
                s.https = Some((h.clone(), TcpService::new(h.port), cfg));
            }
        }
        if let Some(m) = smtp {
            s.smtp = Some((m.clone(), TcpService::new(m.port)));
        }
        if let Some(d) = dns {
            s.dns = Some((d, None));
        }
        s.open(stack);
        s
    }

    /// Whether any service is configured.
    pub fn is_empty(&self) -> bool {
        self.https.is_none() && self.smtp.is_none() && self.dns.is_none()
    }

    /// The configuration of each service, to rebuild them after a reboot.
    pub fn config(
        &self,
    ) -> (
        Option<HttpsService>,
        Option<SmtpService>,
        Option<DnsService>,
    ) {
        (
            self.https.as_ref().map(|h| h.0.clone()),
            self.smtp.as_ref().map(|m| m.0.clone()),
            self.dns.as_ref().map(|d| d.0.clone()),
        )
    }

    fn open(&mut self, stack: &mut Stack) {
        if let Some((h, svc, _)) = &mut self.https {
            if !h.refuse {
                svc.refill(stack, true);
            }
        }
        if let Some((m, svc)) = &mut self.smtp {
            if !m.refuse {
                svc.refill(stack, false);
            }
        }
        if let Some((d, handle)) = &mut self.dns {
            if !d.refuse && handle.is_none() {
                let mut sock = udp::Socket::new(
                    udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 16], vec![0; 8192]),
                    udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 16], vec![0; 8192]),
                );
                let _ = sock.bind(d.port);
                *handle = Some(stack.sockets.add(sock));
            }
        }
    }

    /// Applies a `SetService` fault. A service that starts refusing loses its listeners and open
    /// connections (the process died); one that was not configured is started.
    pub fn change(&mut self, change: &ServiceChange, pki: Option<&SimPki>, stack: &mut Stack) {
        match change {
            ServiceChange::Https(h) => {
                if let Some((cur, svc, _)) = &mut self.https {
                    if h.refuse || h.port != cur.port {
                        svc.abort_all(stack);
                        svc.port = h.port;
                    }
                    *cur = h.clone();
                } else if let Some(pki) = pki {
                    let names = vec![self.name.clone(), stack.ip.to_string()];
                    if let Some(cfg) = pki.server(&names).and_then(|id| server_config(&id)) {
                        self.https = Some((h.clone(), TcpService::new(h.port), cfg));
                    }
                }
            }
            ServiceChange::Smtp(m) => {
                if let Some((cur, svc)) = &mut self.smtp {
                    if m.refuse || m.port != cur.port {
                        svc.abort_all(stack);
                        svc.port = m.port;
                    }
                    *cur = m.clone();
                } else {
                    self.smtp = Some((m.clone(), TcpService::new(m.port)));
                }
            }
            ServiceChange::Dns(d) => {
                if let Some((cur, handle)) = &mut self.dns {
                    if d.refuse || d.port != cur.port {
                        if let Some(h) = handle.take() {
                            stack.sockets.remove(h);
                        }
                    }
                    *cur = d.clone();
                } else {
                    self.dns = Some((d.clone(), None));
                }
            }
        }
        self.open(stack);
    }

    /// Reads, answers, recycles. The caller polls the stack afterwards.
    pub fn poll(&mut self, stack: &mut Stack) {
        let name = self.name.clone();
        if let Some((h, svc, cfg)) = &mut self.https {
            let (seed, counter) = (self.seed, &mut self.connections);
            poll_tcp(svc, stack, |c, fresh| {
                https_step(h, cfg, &name, seed, counter, c, fresh)
            });
            if !h.refuse {
                svc.refill(stack, true);
            }
        }
        if let Some((m, svc)) = &mut self.smtp {
            poll_tcp(svc, stack, |c, fresh| smtp_step(m, &name, c, fresh));
            if !m.refuse {
                svc.refill(stack, false);
            }
        }
        if let Some((d, Some(handle))) = &mut self.dns {
            let ip = stack.ip;
            let sock = stack.sockets.get_mut::<udp::Socket>(*handle);
            while let Ok((query, meta)) = sock.recv() {
                if d.drop {
                    continue;
                }
                let Some(reply) = dns_reply(d, query, ip, &name) else {
                    continue;
                };
                let _ = sock.send_slice(&reply, meta.endpoint);
            }
        }
    }
}

/// One poll of a TCP service: `step` sees each live connection with the bytes it received (`fresh` is true
/// the first time it is seen established) and decides what to send.
fn poll_tcp(svc: &mut TcpService, stack: &mut Stack, mut step: impl FnMut(&mut Conn, bool)) {
    let port = svc.port;
    let mut keep = Vec::with_capacity(svc.conns.len());
    for mut c in svc.conns.drain(..) {
        let sock = stack.sockets.get_mut::<tcp::Socket>(c.handle);
        if sock.state() != tcp::State::Listen && sock.is_open() {
            let before = c.buf.len();
            recv_all(sock, &mut c.buf);
            let received = c.buf.len() > before;
            let fresh = !c.greeted && sock.may_send();
            if fresh || received {
                c.greeted = true;
                step(&mut c, fresh);
            }
            if !c.out.is_empty() && sock.can_send() {
                if let Ok(n) = sock.send_slice(&c.out) {
                    c.out.drain(..n.min(c.out.len()));
                }
            }
            // Close when done, or when the peer closed its side (a checker that gave up).
            let peer_closed = sock.state() == tcp::State::CloseWait;
            if (c.finish || peer_closed) && c.out.is_empty() {
                sock.close();
            }
        }
        if !sock.is_open() {
            if keep.len() < LISTENERS {
                c.buf.clear();
                c.out.clear();
                c.plain.clear();
                c.greeted = false;
                c.finish = false;
                if let Proto::Https(t) = &mut c.proto {
                    *t = None;
                }
                let _ = sock.listen(port);
                keep.push(c);
            } else {
                stack.sockets.remove(c.handle);
            }
        } else {
            keep.push(c);
        }
    }
    svc.conns = keep;
}

fn http_answer(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.0 {status} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        crate::host::realserver::reason(status),
        body.len(),
    )
    .into_bytes()
}

fn https_step(
    h: &HttpsService,
    cfg: &Arc<rustls::ServerConfig>,
    name: &str,
    seed: u64,
    counter: &mut u64,
    c: &mut Conn,
    fresh: bool,
) {
    if h.hang {
        c.buf.clear();
        return;
    }
    if h.plaintext {
        if !c.buf.is_empty() && !c.finish {
            c.out
                .extend_from_slice(&http_answer(400, "plain HTTP on a TLS port\n"));
            c.finish = true;
        }
        c.buf.clear();
        return;
    }
    let Proto::Https(tls) = &mut c.proto else {
        return;
    };
    if fresh && tls.is_none() {
        *counter += 1;
        // One seed per connection, from the host's seed: reproducible, and distinct per handshake.
        let conn_seed = seed ^ counter.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        *tls = TlsServer::new(cfg.clone(), conn_seed).map(Box::new);
    }
    let Some(t) = tls.as_mut() else {
        return;
    };
    let data = std::mem::take(&mut c.buf);
    match t.receive(&data) {
        Some(plain) => {
            c.plain.extend_from_slice(&plain);
            if !c.finish && header_complete(&c.plain) {
                let body = h.body.clone().unwrap_or_else(|| format!("{name}\n"));
                if let Proto::Https(Some(t)) = &mut c.proto {
                    t.send_plain(&http_answer(h.status, &body));
                    t.close();
                }
                c.finish = true;
            }
        }
        None => c.finish = true,
    }
    if let Proto::Https(Some(t)) = &mut c.proto {
        let out = t.take_outgoing();
        c.out.extend_from_slice(&out);
    }
}

fn header_complete(buf: &[u8]) -> bool {
    buf.windows(4).any(|w| w == b"\r\n\r\n")
}

fn smtp_step(m: &SmtpService, name: &str, c: &mut Conn, fresh: bool) {
    if m.hang {
        c.buf.clear();
        return;
    }
    if fresh {
        let text = if m.banner == 220 {
            "ESMTP vrrpsim"
        } else {
            "Service not available"
        };
        c.out
            .extend_from_slice(format!("{} {name} {text}\r\n", m.banner).as_bytes());
    }
    while let Some(end) = c.buf.iter().position(|b| *b == b'\n') {
        let line: Vec<u8> = c.buf.drain(..=end).collect();
        let verb = line
            .get(..4)
            .map(|v| v.to_ascii_uppercase())
            .unwrap_or_default();
        let reply = match verb.as_slice() {
            b"HELO" | b"EHLO" if m.helo == 250 => format!("250 {name}\r\n"),
            b"HELO" | b"EHLO" => format!("{} 5.5.0 {name} rejects HELO\r\n", m.helo),
            b"QUIT" => {
                c.finish = true;
                "221 2.0.0 Bye\r\n".to_string()
            }
            _ => "500 5.5.2 Syntax error, command unrecognized\r\n".to_string(),
        };
        c.out.extend_from_slice(reply.as_bytes());
        if c.finish {
            c.buf.clear();
            break;
        }
    }
}

/// The answer to one query, or None for bytes that are not a DNS query.
fn dns_reply(d: &DnsService, query: &[u8], ip: std::net::Ipv4Addr, name: &str) -> Option<Vec<u8>> {
    let q = Packet::parse(query).ok()?;
    if q.has_flags(PacketFlag::RESPONSE) {
        return None;
    }
    let mut reply = q.clone().into_reply();
    reply.set_flags(PacketFlag::AUTHORITATIVE_ANSWER);
    *reply.rcode_mut() = RCODE::from(u16::from(d.rcode & 0x0f));
    if d.rcode == 0 && d.answers {
        let mname = format!("ns.{name}.example");
        let rname = format!("hostmaster.{name}.example");
        for question in &q.questions {
            let rdata = match question.qtype {
                QTYPE::TYPE(TYPE::A) => RData::A(A::from(ip)),
                QTYPE::TYPE(TYPE::SOA) => RData::SOA(SOA {
                    mname: Name::new_unchecked(&mname),
                    rname: Name::new_unchecked(&rname),
                    serial: 2_026_010_100,
                    refresh: 3600,
                    retry: 600,
                    expire: 86400,
                    minimum: 300,
                }),
                _ => continue,
            };
            reply.answers.push(ResourceRecord::new(
                question.qname.clone(),
                CLASS::IN,
                300,
                rdata,
            ));
        }
        return reply.build_bytes_vec().ok();
    }
    reply.build_bytes_vec().ok()
}
