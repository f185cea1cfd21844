//! One proxied request's life cycle across upstream attempts, as `ngx_http_upstream.c` runs it.
//!
//! - A request may make `tries` attempts: the number of servers (primary + backup), capped by
//!   `proxy_next_upstream_tries` when that is set. Each finished attempt uses one.
//! - An attempt that fails with `error`, `timeout` or `invalid_header` (`ngx_http_upstream_next`) is a failure
//!   for the peer; the request moves to the next peer when that condition is listed in `proxy_next_upstream`,
//!   tries remain and `proxy_next_upstream_timeout` has not passed; otherwise the client gets 502 (504 for a
//!   timeout).
//! - An answer whose status is 500, 502, 503, 504, 403, 404 or 429 (`ngx_http_upstream_test_next`) moves the
//!   request on only when its `http_XXX` is listed and more than one try remains; 403 and 404 never count as
//!   a peer failure. When the request does not move on, the answer goes to the client as it is, and the
//!   attempt is a success for the peer, whatever its status.
//! - Once the request has been sent, POST, LOCK and PATCH move on only with `non_idempotent`.
//! - No usable peer at all ("no live upstreams") answers 502 at once.

use crate::conf::{next, ProxySettings, UpstreamConf};
use crate::upstream::{KeyInput, Method, PeerId, PickState, Upstream};
use std::net::SocketAddr;

/// The request method (only idempotence matters here).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET.
    #[default]
    Get,
    /// HEAD.
    Head,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
    /// PATCH.
    Patch,
    /// LOCK.
    Lock,
}

impl HttpMethod {
    /// `NGX_HTTP_POST|NGX_HTTP_LOCK|NGX_HTTP_PATCH`: the methods nginx will not resend by default.
    pub fn non_idempotent(self) -> bool {
        matches!(
            self,
            HttpMethod::Post | HttpMethod::Lock | HttpMethod::Patch
        )
    }

    /// From the request line's method word.
    pub fn from_word(w: &str) -> HttpMethod {
        match w {
            "HEAD" => HttpMethod::Head,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "DELETE" => HttpMethod::Delete,
            "PATCH" => HttpMethod::Patch,
            "LOCK" => HttpMethod::Lock,
            _ => HttpMethod::Get,
        }
    }
}

/// What the proxy knows about a client request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestCtx {
    /// The client's address and port.
    pub client: SocketAddr,
    /// The method.
    pub method: HttpMethod,
    /// The request target (`/path?query`).
    pub uri: String,
    /// The Host header.
    pub host: String,
}

/// How one upstream attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// Connection refused or reset, or the peer closed before a full header (`error`). `sent`: the request
    /// had been sent.
    Error {
        /// The request had been sent.
        sent: bool,
    },
    /// `proxy_connect_timeout` (not sent) or `proxy_read_timeout` / `proxy_send_timeout` (sent) expired.
    Timeout {
        /// The request had been sent.
        sent: bool,
    },
    /// The peer answered something that is not an HTTP response header.
    InvalidHeader,
    /// A response header with this status arrived.
    Status(u16),
}

/// What the proxy does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Open an attempt to this peer (its address is [`Proxy::addr`]).
    Connect(PeerId),
    /// Answer the client. `from` is set when the peer's own answer is passed through; otherwise nginx
    /// generates an error page with `status`.
    Respond {
        /// Status the client gets.
        status: u16,
        /// The peer whose answer is relayed.
        from: Option<PeerId>,
    },
}

/// One request in flight.
#[derive(Clone, Debug)]
pub struct Request {
    /// The request.
    pub ctx: RequestCtx,
    /// When it started (for `proxy_next_upstream_timeout`).
    pub start_ms: u64,
    /// Attempts left (`u->peer.tries`).
    pub tries: u32,
    /// Attempts made.
    pub attempts: u32,
    pick: PickState,
}

impl Request {
    /// The peer of the attempt in flight.
    pub fn current(&self) -> Option<PeerId> {
        self.pick.current
    }
}

/// An upstream with the proxy settings of the location that uses it.
#[derive(Clone, Debug)]
pub struct Proxy {
    /// The peers and their balancer.
    pub upstream: Upstream,
    /// `proxy_next_upstream*` and the timeouts.
    pub settings: ProxySettings,
}

impl Proxy {
    /// A proxy for `conf` with `settings`.
    pub fn new(conf: &UpstreamConf, settings: ProxySettings) -> Proxy {
        Proxy {
            upstream: Upstream::new(conf),
            settings,
        }
    }

    /// A peer's address.
    pub fn addr(&self, id: PeerId) -> Option<SocketAddr> {
        self.upstream.peer(id).map(|p| p.conf.addr)
    }

    /// A client request arrives: the first decision.
    pub fn start(&mut self, now_ms: u64, ctx: RequestCtx) -> (Request, Decision) {
        let key = match &self.upstream.method {
            Method::Hash { key, .. } => key.eval(&KeyInput {
                client: ctx.client,
                request_uri: &ctx.uri,
                host: &ctx.host,
            }),
            _ => String::new(),
        };
        let pick = self.upstream.begin(ctx.client.ip(), key);
        let mut tries = self.upstream.tries();
        if self.settings.next_upstream_tries > 0 {
            tries = tries.min(self.settings.next_upstream_tries);
        }
        let mut req = Request {
            ctx,
            start_ms: now_ms,
            tries,
            attempts: 0,
            pick,
        };
        let d = self.connect(&mut req, now_ms);
        (req, d)
    }

    fn connect(&mut self, req: &mut Request, now_ms: u64) -> Decision {
        match self.upstream.pick(&mut req.pick, now_ms) {
            Some(id) => {
                req.attempts += 1;
                Decision::Connect(id)
            }
            // "no live upstreams": NGX_HTTP_UPSTREAM_FT_NOLIVE is never in proxy_next_upstream.
            None => Decision::Respond {
                status: 502,
                from: None,
            },
        }
    }

    fn timed_out(&self, req: &Request, now_ms: u64) -> bool {
        let t = self.settings.next_upstream_timeout_ms;
        t > 0 && now_ms.saturating_sub(req.start_ms) >= t
    }

    fn release(&mut self, req: &mut Request, now_ms: u64, failed: bool) {
        let single = self.upstream.free(&mut req.pick, now_ms, failed);
        if single {
            req.tries = 0;
        } else {
            req.tries = req.tries.saturating_sub(1);
        }
    }

    /// The attempt in flight ended with `result`: the next decision.
    pub fn finish(&mut self, req: &mut Request, now_ms: u64, result: AttemptResult) -> Decision {
        let non_idem = req.ctx.method.non_idempotent();
        match result {
            AttemptResult::Status(status) => {
                let flag = match status {
                    500 => next::HTTP_500,
                    502 => next::HTTP_502,
                    503 => next::HTTP_503,
                    504 => next::HTTP_504,
                    403 => next::HTTP_403,
                    404 => next::HTTP_404,
                    429 => next::HTTP_429,
                    _ => 0,
                };
                if flag != 0 {
                    let mask = if non_idem {
                        flag | next::NON_IDEMPOTENT
                    } else {
                        flag
                    };
                    if req.tries > 1
                        && self.settings.next_upstream & mask == mask
                        && !self.timed_out(req, now_ms)
                    {
                        return self.next(req, now_ms, flag, true);
                    }
                }
                let from = req.pick.current;
                self.release(req, now_ms, false);
                Decision::Respond { status, from }
            }
            AttemptResult::Error { sent } => self.next(req, now_ms, next::ERROR, sent),
            AttemptResult::Timeout { sent } => self.next(req, now_ms, next::TIMEOUT, sent),
            AttemptResult::InvalidHeader => self.next(req, now_ms, next::INVALID_HEADER, true),
        }
    }

    /// The client went away while an attempt was in flight: nginx finalizes the request (499) and releases the
    /// peer without counting a failure.
    pub fn abandon(&mut self, req: &mut Request, now_ms: u64) {
        if req.pick.current.is_some() {
            self.release(req, now_ms, false);
        }
    }

    /// `ngx_http_upstream_next`.
    fn next(&mut self, req: &mut Request, now_ms: u64, ft: u32, sent: bool) -> Decision {
        if req.pick.current.is_some() {
            let failed = ft != next::HTTP_403 && ft != next::HTTP_404;
            self.release(req, now_ms, failed);
        }
        let status = match ft {
            next::TIMEOUT | next::HTTP_504 => 504,
            next::HTTP_500 => 500,
            next::HTTP_503 => 503,
            next::HTTP_403 => 403,
            next::HTTP_404 => 404,
            next::HTTP_429 => 429,
            _ => 502,
        };
        let mut ft = ft;
        if sent && req.ctx.method.non_idempotent() {
            ft |= next::NON_IDEMPOTENT;
        }
        if req.tries == 0 || self.settings.next_upstream & ft != ft || self.timed_out(req, now_ms) {
            return Decision::Respond { status, from: None };
        }
        self.connect(req, now_ms)
    }
}
