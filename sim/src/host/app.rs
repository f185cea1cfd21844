//! Small application models on top of a host's smoltcp stack: an HTTP-over-TCP client that measures a VIP,
//! and the HTTP responder a VIP holder runs.
//!
//! Both speak real TCP through smoltcp, so every request is visible in the capture.

use crate::host::sockets::{recv_all, Closing};
use crate::host::stack::Stack;
use crate::rng::SimRng;
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp;
use smoltcp::wire::{IpAddress, IpEndpoint};

/// How one client request ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A complete `200 OK` arrived; `served_by` is the responder's node name from the body.
    Ok {
        /// Which node answered.
        served_by: String,
    },
    /// No complete answer within the client's timeout.
    Timeout,
    /// The connection was reset or closed before a complete answer (e.g. a new master without the TCP state).
    Reset,
}

/// One finished request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestResult {
    /// Request number of this client, from 0.
    pub id: u64,
    /// When the connection was opened.
    pub started: Instant,
    /// When the outcome was known.
    pub finished: Instant,
    /// What happened.
    pub outcome: Outcome,
}

struct InFlight {
    id: u64,
    handle: SocketHandle,
    started: Instant,
    sent: bool,
    established: bool,
    buf: Vec<u8>,
}

/// A client that opens one TCP connection per `interval` to `target` and sends an HTTP/1.0 GET.
pub struct Client {
    target: IpEndpoint,
    interval: Duration,
    timeout: Duration,
    next_request: Instant,
    next_port: u16,
    next_id: u64,
    inflight: Vec<InFlight>,
    /// Finished connections still closing (FIN handshake).
    closing: Closing,
}

const EPHEMERAL_BASE: u16 = 49152;

impl Client {
    /// A client starting at `start` plus a random phase within one interval (so clients do not tick together).
    pub fn new(
        target: std::net::IpAddr,
        port: u16,
        interval: Duration,
        timeout: Duration,
        start: Instant,
        rng: &mut SimRng,
    ) -> Client {
        let interval = interval.max(Duration::from_micros(1));
        let phase = Duration::from_nanos(rng.upto(interval.as_nanos()));
        Client {
            target: IpEndpoint::new(
                match target {
                    std::net::IpAddr::V4(a) => IpAddress::Ipv4(a),
                    std::net::IpAddr::V6(a) => IpAddress::Ipv6(a),
                },
                port,
            ),
            interval,
            timeout,
            next_request: start + phase,
            next_port: 0,
            next_id: 0,
            inflight: vec![],
            closing: Closing::default(),
        }
    }

    /// When this client next needs [`Client::poll`].
    pub fn poll_at(&self) -> Instant {
        let mut t = self.next_request;
        for f in &self.inflight {
            t = t.min(f.started + self.timeout);
        }
        if let Some(d) = self.closing.poll_at() {
            t = t.min(d);
        }
        t
    }

    /// Advances requests; opens a new one when due. Finished requests are pushed onto `done`.
    /// The caller polls the stack afterwards so the TCP segments leave.
    pub fn poll(&mut self, now: Instant, stack: &mut Stack, done: &mut Vec<RequestResult>) {
        self.closing.reap(now, stack);
        let mut i = 0;
        while i < self.inflight.len() {
            let finished = self.progress(now, stack, i);
            if let Some(outcome) = finished {
                let f = self.inflight.remove(i);
                let sock = stack.sockets.get_mut::<tcp::Socket>(f.handle);
                // Like an HTTP client: close (FIN) after a complete answer, abort (RST) a timed-out attempt.
                if outcome == Outcome::Timeout {
                    sock.abort();
                } else {
                    sock.close();
                }
                self.closing.push(f.handle, now);
                done.push(RequestResult {
                    id: f.id,
                    started: f.started,
                    finished: now,
                    outcome,
                });
            } else {
                i += 1;
            }
        }
        while self.next_request <= now {
            self.open(now, stack);
            self.next_request += self.interval;
        }
    }

    fn open(&mut self, now: Instant, stack: &mut Stack) {
        let rx = tcp::SocketBuffer::new(vec![0; 2048]);
        let tx = tcp::SocketBuffer::new(vec![0; 512]);
        let mut sock = tcp::Socket::new(rx, tx);
        let local = EPHEMERAL_BASE + self.next_port;
        self.next_port = (self.next_port + 1) % 16384;
        let id = self.next_id;
        self.next_id += 1;
        let ok = sock
            .connect(stack.iface_context(), self.target, local)
            .is_ok();
        let handle = stack.sockets.add(sock);
        self.inflight.push(InFlight {
            id,
            handle,
            started: now,
            sent: false,
            established: false,
            buf: vec![],
        });
        if !ok {
            // An impossible connect (no route) is reported like a reset at the next poll.
            stack.sockets.get_mut::<tcp::Socket>(handle).abort();
        }
    }

    fn progress(&mut self, now: Instant, stack: &mut Stack, i: usize) -> Option<Outcome> {
        let host = self.target.addr;
        let f = self.inflight.get_mut(i)?;
        let sock = stack.sockets.get_mut::<tcp::Socket>(f.handle);
        if sock.state() == tcp::State::Established {
            f.established = true;
        }
        if f.established && !f.sent && sock.may_send() {
            let req = format!("GET / HTTP/1.0\r\nHost: {host}\r\n\r\n");
            if sock.send_slice(req.as_bytes()).is_ok() {
                f.sent = true;
            }
        }
        recv_all(sock, &mut f.buf);
        if let Some(name) = parse_response(&f.buf) {
            return Some(Outcome::Ok { served_by: name });
        }
        let state = sock.state();
        // Closed after a connect attempt means refused or reset; a peer FIN before a full answer is a failure too.
        if matches!(state, tcp::State::Closed | tcp::State::TimeWait)
            || (f.established && !sock.may_recv())
        {
            return Some(Outcome::Reset);
        }
        if now >= f.started + self.timeout {
            return Some(Outcome::Timeout);
        }
        None
    }
}

fn header_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

fn expected_len(buf: &[u8]) -> usize {
    let Some(end) = header_end(buf) else {
        return usize::MAX;
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    let len = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("Content-Length: ")
                .and_then(|v| v.trim().parse::<usize>().ok())
        })
        .unwrap_or(0);
    end + len
}

/// The responder's name if `buf` holds a complete `200 OK` answer.
fn parse_response(buf: &[u8]) -> Option<String> {
    if !buf.starts_with(b"HTTP/1.0 200") && !buf.starts_with(b"HTTP/1.1 200") {
        return None;
    }
    let end = header_end(buf)?;
    if buf.len() < expected_len(buf) {
        return None;
    }
    Some(String::from_utf8_lossy(buf.get(end..)?).trim().to_string())
}

/// An HTTP/1.0 responder on a TCP port: answers any request with `200 OK` and its node name as the body.
pub struct HttpServer {
    port: u16,
    body: String,
    sockets: Vec<(SocketHandle, Vec<u8>, bool)>,
}

/// Concurrent connections a responder accepts.
const SERVER_BACKLOG: usize = 16;

impl HttpServer {
    /// A responder for `port` on every address of `stack`.
    pub fn new(port: u16, name: &str, stack: &mut Stack) -> HttpServer {
        let mut s = HttpServer {
            port,
            body: format!("{name}\n"),
            sockets: vec![],
        };
        for _ in 0..SERVER_BACKLOG {
            let mut sock = tcp::Socket::new(
                tcp::SocketBuffer::new(vec![0; 1024]),
                tcp::SocketBuffer::new(vec![0; 1024]),
            );
            let _ = sock.listen(port);
            let h = stack.sockets.add(sock);
            s.sockets.push((h, vec![], false));
        }
        s
    }

    /// Serves what arrived; re-arms finished sockets. The caller polls the stack afterwards.
    pub fn poll(&mut self, stack: &mut Stack) {
        let response = format!(
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            self.body.len(),
            self.body
        );
        for (h, buf, answered) in &mut self.sockets {
            let sock = stack.sockets.get_mut::<tcp::Socket>(*h);
            recv_all(sock, buf);
            if !*answered
                && header_end(buf).is_some()
                && sock.may_send()
                && sock.send_slice(response.as_bytes()).is_ok()
            {
                *answered = true;
                sock.close();
            }
            if !sock.is_open() {
                buf.clear();
                *answered = false;
                let _ = sock.listen(self.port);
            }
        }
    }
}
