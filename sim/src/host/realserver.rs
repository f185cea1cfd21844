//! A real server's HTTP service whose behaviour a scenario scripts: healthy, refusing connections, hanging,
//! answering with another status code, answering late, or answering with the wrong body. (A crashed real server
//! is the node-level `Crash` fault: the host goes silent.)
//!
//! It speaks real TCP through the host's smoltcp stack, so health checks and client requests are in the capture.
//! When healthy its answer is byte for byte the one of [`crate::host::app::HttpServer`]: `200 OK` with the node
//! name as the body, which clients record as the server that answered.

use crate::host::stack::Stack;
use crate::time::{serde_dur, Duration, Instant};
use serde::{Deserialize, Serialize};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp;

/// How a real server's HTTP service behaves. Fields not given take their defaults, which together are a
/// healthy server: every request answered at once with `200 OK` and the node name as body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpBehaviour {
    /// The service is gone: nothing listens on the port, so the host answers each SYN with a RST.
    pub refuse: bool,
    /// Connections are accepted and requests read, but never answered (a wedged worker).
    pub hang: bool,
    /// The status code of every answer (e.g. 500).
    pub status: u16,
    /// Each answer leaves this long after its request arrived (a slow backend).
    #[serde(with = "serde_dur")]
    pub delay: Duration,
    /// Answer with this body instead of the node name (a wrong page; only an HTTP_GET `digest` notices).
    pub body: Option<String>,
}

impl Default for HttpBehaviour {
    fn default() -> Self {
        HttpBehaviour {
            refuse: false,
            hang: false,
            status: 200,
            delay: Duration::ZERO,
            body: None,
        }
    }
}

impl HttpBehaviour {
    /// A short description for the timeline ("healthy", "refuses connections", "HTTP 500, 4s late", ...).
    pub fn describe(&self) -> String {
        if self.refuse {
            return "refuses connections".into();
        }
        if self.hang {
            return "accepts connections but never answers".into();
        }
        let mut parts = vec![];
        if self.status != 200 {
            parts.push(format!("answers HTTP {}", self.status));
        }
        if self.delay > Duration::ZERO {
            parts.push(format!(
                "answers {} late",
                crate::time::format_duration(self.delay)
            ));
        }
        if let Some(b) = &self.body {
            parts.push(format!("answers with body {b:?}"));
        }
        if parts.is_empty() {
            "healthy".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Listening sockets kept free (a small accept backlog).
const LISTENERS: usize = 16;
/// Sockets at most (hung connections pile up until their peers give up).
const MAX_SOCKETS: usize = 64;

struct Conn {
    handle: SocketHandle,
    buf: Vec<u8>,
    /// When the request was complete (the answer is due `delay` later).
    request_at: Option<Instant>,
    answered: bool,
}

/// The scripted HTTP/1.0 service of a real server.
pub struct RealServer {
    port: u16,
    name: String,
    behaviour: HttpBehaviour,
    conns: Vec<Conn>,
}

/// The reason phrase of a status code.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn header_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

impl RealServer {
    /// The service on `port` of every address of `stack` (its NIC address and loopback VIPs).
    pub fn new(port: u16, name: &str, behaviour: HttpBehaviour, stack: &mut Stack) -> RealServer {
        let mut s = RealServer {
            port,
            name: name.to_string(),
            behaviour: HttpBehaviour::default(),
            conns: vec![],
        };
        s.set_behaviour(behaviour, stack);
        s
    }

    /// The current behaviour.
    pub fn behaviour(&self) -> &HttpBehaviour {
        &self.behaviour
    }

    /// Changes the behaviour. Turning `refuse` on closes the listeners and resets open connections (the
    /// process died); turning it off listens again.
    pub fn set_behaviour(&mut self, behaviour: HttpBehaviour, stack: &mut Stack) {
        if behaviour.refuse {
            for c in self.conns.drain(..) {
                // The socket stays in the set (closed) so the abort's RST leaves at the next stack poll.
                stack.sockets.get_mut::<tcp::Socket>(c.handle).abort();
            }
        }
        self.behaviour = behaviour;
        self.refill(stack);
    }

    fn refill(&mut self, stack: &mut Stack) {
        if self.behaviour.refuse {
            return;
        }
        let listening = self
            .conns
            .iter()
            .filter(|c| stack.sockets.get::<tcp::Socket>(c.handle).state() == tcp::State::Listen)
            .count();
        for _ in listening..LISTENERS {
            if self.conns.len() >= MAX_SOCKETS {
                break;
            }
            let mut sock = tcp::Socket::new(
                tcp::SocketBuffer::new(vec![0; 1024]),
                tcp::SocketBuffer::new(vec![0; 1024]),
            );
            let _ = sock.listen(self.port);
            let handle = stack.sockets.add(sock);
            self.conns.push(Conn {
                handle,
                buf: vec![],
                request_at: None,
                answered: false,
            });
        }
    }

    fn response(&self) -> String {
        let body = self
            .behaviour
            .body
            .clone()
            .unwrap_or_else(|| format!("{}\n", self.name));
        let status = self.behaviour.status;
        format!(
            "HTTP/1.0 {status} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            reason(status),
            body.len(),
        )
    }

    /// When a delayed answer is next due.
    pub fn poll_at(&self) -> Option<Instant> {
        if self.behaviour.hang {
            return None;
        }
        self.conns
            .iter()
            .filter(|c| !c.answered)
            .filter_map(|c| c.request_at)
            .map(|t| t + self.behaviour.delay)
            .min()
    }

    /// Reads requests, sends due answers, recycles finished sockets. The caller polls the stack afterwards.
    pub fn poll(&mut self, now: Instant, stack: &mut Stack) {
        let response = self.response();
        let (hang, delay) = (self.behaviour.hang, self.behaviour.delay);
        let port = self.port;
        let mut keep = Vec::with_capacity(self.conns.len());
        for mut c in self.conns.drain(..) {
            let sock = stack.sockets.get_mut::<tcp::Socket>(c.handle);
            let mut chunk = [0u8; 512];
            while sock.can_recv() {
                match sock.recv_slice(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => c.buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
                }
            }
            if c.request_at.is_none() && header_end(&c.buf).is_some() {
                c.request_at = Some(now);
            }
            if let Some(at) = c.request_at {
                if hang && !sock.may_recv() && !c.answered {
                    // The peer gave up; a wedged worker's socket is closed by the kernel eventually.
                    sock.close();
                    c.answered = true;
                }
                if !hang
                    && !c.answered
                    && now >= at + delay
                    && sock.may_send()
                    && sock.send_slice(response.as_bytes()).is_ok()
                {
                    c.answered = true;
                    sock.close();
                }
            }
            if !sock.is_open() {
                if keep.len() < LISTENERS {
                    c.buf.clear();
                    c.request_at = None;
                    c.answered = false;
                    let _ = sock.listen(port);
                    keep.push(c);
                } else {
                    stack.sockets.remove(c.handle);
                }
            } else {
                keep.push(c);
            }
        }
        self.conns = keep;
        self.refill(stack);
    }
}
