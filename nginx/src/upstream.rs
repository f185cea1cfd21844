//! The peers of one `upstream` block, their passive-health state, and the four balancers.
//!
//! Behaviour follows nginx's sources (read, not copied):
//! - round robin, `ngx_http_upstream_get_peer`: each available peer's `current_weight` grows by its
//!   `effective_weight`, the largest wins and loses the sum of all effective weights (smooth weighted round
//!   robin: weights 5,1,1 give a a b a c a a);
//! - `ngx_http_upstream_free_round_robin_peer`: a failed attempt counts `fails`, stamps `accessed` and `checked`,
//!   and cuts `effective_weight` by `weight / max_fails` (it grows back by one per selection round); a peer
//!   with `fails >= max_fails` is skipped while `now - checked <= fail_timeout` (whole seconds, as `ngx_time()`);
//!   the first pick after that window moves `checked` to now, which makes that request the probe; a success
//!   after the probe (`accessed < checked`) clears `fails`. A lone server (`single`) is never marked failed;
//! - backup servers are tried, with a fresh "tried" set, only once no primary server is available;
//! - `ip_hash`: `hash = (hash * 113 + byte) % 6271` over the first three octets of an IPv4 client (all 16 of
//!   IPv6), starting from 89, then a weighted slot; an unusable peer rehashes, and after 20 tries the
//!   request falls back to round robin;
//! - `least_conn`: the fewest `conns / weight`, ties broken by smooth weighted round robin among the tied peers;
//! - `hash KEY`: `((crc32([rehash] KEY) >> 16) & 0x7fff)` accumulated over rehashes, weighted slot, 20 tries;
//!   `hash KEY consistent`: a ketama ring of 160 points per weight unit, each point
//!   `crc32(HOST "\0" PORT prev_hash)`, the key's `crc32` finds the first point at or after it, and an
//!   unusable peer moves to the next point.

use crate::conf::{ServerConf, UpstreamConf};
use crate::crc32::{crc32, Crc32};
use std::net::{IpAddr, SocketAddr};

/// The balancing method of an upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// Smooth weighted round robin (the default).
    RoundRobin,
    /// `ip_hash`.
    IpHash,
    /// `least_conn`.
    LeastConn,
    /// `hash KEY [consistent]`.
    Hash {
        /// The key expression.
        key: KeyExpr,
        /// `consistent` (ketama).
        consistent: bool,
    },
}

/// A `hash` key: literal text and variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyExpr {
    parts: Vec<KeyPart>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum KeyPart {
    Lit(String),
    Var(Var),
}

/// The variables a hash key may use in this model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Var {
    /// `$remote_addr`.
    RemoteAddr,
    /// `$remote_port`.
    RemotePort,
    /// `$request_uri` (path and query as the client sent them).
    RequestUri,
    /// `$uri` (the path without the query).
    Uri,
    /// `$args` (the query).
    Args,
    /// `$host` / `$http_host`.
    Host,
}

impl Var {
    fn from_name(n: &str) -> Option<Var> {
        Some(match n {
            "remote_addr" => Var::RemoteAddr,
            "remote_port" => Var::RemotePort,
            "request_uri" => Var::RequestUri,
            "uri" | "document_uri" => Var::Uri,
            "args" | "query_string" => Var::Args,
            "host" | "http_host" => Var::Host,
            _ => return None,
        })
    }
}

/// What a request offers to a hash key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInput<'a> {
    /// The client's address and port.
    pub client: SocketAddr,
    /// The request target as sent (`/a?b=1`).
    pub request_uri: &'a str,
    /// The Host header (or the server name).
    pub host: &'a str,
}

impl KeyExpr {
    /// Parses `$var`, `${var}` and literal text. Unknown variables are an error, as in nginx.
    pub fn parse(text: &str) -> Result<KeyExpr, String> {
        let mut parts = vec![];
        let mut lit = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            lit.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let (name, tail) = if let Some(b) = after.strip_prefix('{') {
                let end = b.find('}').ok_or_else(|| {
                    format!("the closing bracket in \"{text}\" variable is missing")
                })?;
                (&b[..end], &b[end + 1..])
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            if name.is_empty() {
                return Err(format!("invalid variable name in \"{text}\""));
            }
            let v = Var::from_name(name).ok_or_else(|| format!("unknown \"{name}\" variable"))?;
            if !lit.is_empty() {
                parts.push(KeyPart::Lit(std::mem::take(&mut lit)));
            }
            parts.push(KeyPart::Var(v));
            rest = tail;
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            parts.push(KeyPart::Lit(lit));
        }
        Ok(KeyExpr { parts })
    }

    /// The key's value for one request.
    pub fn eval(&self, r: &KeyInput<'_>) -> String {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                KeyPart::Lit(l) => s.push_str(l),
                KeyPart::Var(Var::RemoteAddr) => s.push_str(&r.client.ip().to_string()),
                KeyPart::Var(Var::RemotePort) => s.push_str(&r.client.port().to_string()),
                KeyPart::Var(Var::RequestUri) => s.push_str(r.request_uri),
                KeyPart::Var(Var::Uri) => s.push_str(r.request_uri.split('?').next().unwrap_or("")),
                KeyPart::Var(Var::Args) => {
                    s.push_str(r.request_uri.split_once('?').map_or("", |x| x.1))
                }
                KeyPart::Var(Var::Host) => s.push_str(r.host),
            }
        }
        s
    }
}

/// A peer: a primary server by index, or a backup server by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PeerId {
    /// True for a `backup` server.
    pub backup: bool,
    /// Index among the primary (or backup) servers, in config order.
    pub index: usize,
}

/// One server's live state (`ngx_http_upstream_rr_peer_t`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// Its configuration.
    pub conf: ServerConf,
    /// `current_weight`.
    pub current_weight: i64,
    /// `effective_weight`.
    pub effective_weight: i64,
    /// `fails`.
    pub fails: u32,
    /// `accessed`: second of the last failure.
    pub accessed_s: u64,
    /// `checked`: second of the last failure or of the last pick after `fail_timeout`.
    pub checked_s: u64,
    /// Attempts in flight to this peer.
    pub conns: u32,
    /// Requests sent to it (attempts started), for reports.
    pub picked: u64,
}

impl Peer {
    fn new(conf: ServerConf) -> Peer {
        let w = i64::from(conf.weight);
        Peer {
            conf,
            current_weight: 0,
            effective_weight: w,
            fails: 0,
            accessed_s: 0,
            checked_s: 0,
            conns: 0,
            picked: 0,
        }
    }

    fn weight(&self) -> i64 {
        i64::from(self.conf.weight)
    }

    /// True while max_fails failures keep the peer out (`fails >= max_fails && now - checked <= fail_timeout`).
    pub fn failed_out(&self, now_s: u64) -> bool {
        self.conf.max_fails > 0
            && self.fails >= self.conf.max_fails
            && now_s.saturating_sub(self.checked_s) <= self.conf.fail_timeout_s
    }

    fn at_max_conns(&self) -> bool {
        self.conf.max_conns > 0 && self.conns >= self.conf.max_conns
    }

    /// The peer may take a new attempt at second `now_s`.
    pub fn usable(&self, now_s: u64) -> bool {
        !(self.conf.down || self.failed_out(now_s) || self.at_max_conns())
    }
}

#[derive(Clone, Debug)]
struct PeerSet {
    peers: Vec<Peer>,
    total_weight: i64,
    single: bool,
}

impl PeerSet {
    fn new(servers: Vec<ServerConf>) -> PeerSet {
        let peers: Vec<Peer> = servers.into_iter().map(Peer::new).collect();
        let total_weight = peers.iter().map(Peer::weight).sum();
        PeerSet {
            single: peers.len() == 1,
            peers,
            total_weight,
        }
    }
}

/// What happened to a peer's passive health (nginx logs some of these; the simulator puts them on its timeline).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamEvent {
    /// Milliseconds since the start of the run.
    pub at_ms: u64,
    /// The peer.
    pub peer: PeerId,
    /// Its address as written in the config.
    pub server: String,
    /// What happened.
    pub kind: UpstreamEventKind,
}

/// Kinds of [`UpstreamEvent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpstreamEventKind {
    /// An attempt failed; `fails` is the new count.
    Failed {
        /// The peer's `fails` after this failure.
        fails: u32,
    },
    /// `fails` reached `max_fails`: no new attempts until `until_ms` ("upstream server temporarily disabled").
    Disabled {
        /// First millisecond at which the peer is usable again (`checked + fail_timeout + 1` s).
        until_ms: u64,
    },
    /// A failed-out peer got its first request after `fail_timeout` (the probe).
    Probe,
    /// A success after the probe cleared `fails`.
    Recovered,
}

/// One upstream block's peers and balancer.
#[derive(Clone, Debug)]
pub struct Upstream {
    /// Its name.
    pub name: String,
    /// The balancer.
    pub method: Method,
    primary: PeerSet,
    backup: Option<PeerSet>,
    /// The consistent-hash ring: (point hash, primary peer index), sorted, duplicates removed.
    points: Vec<(u32, usize)>,
    events: Vec<UpstreamEvent>,
}

/// Per-request balancer state (`ngx_http_upstream_rr_peer_data_t` plus the hash modules' fields).
#[derive(Clone, Debug, Default)]
pub struct PickState {
    in_backup: bool,
    tried: Vec<bool>,
    /// ip_hash / hash: the running hash; chash: the ring position.
    hash: u64,
    /// ip_hash / hash: rehash attempts (over 20 falls back to round robin).
    tries: u32,
    /// hash: the rehash counter mixed into the key.
    rehash: u32,
    key: String,
    client: Option<IpAddr>,
    /// The peer of the attempt in flight.
    pub current: Option<PeerId>,
}

impl Upstream {
    /// The upstream of a parsed block.
    pub fn new(conf: &UpstreamConf) -> Upstream {
        let (b, p): (Vec<ServerConf>, Vec<ServerConf>) =
            conf.servers.iter().cloned().partition(|s| s.backup);
        let mut primary = PeerSet::new(p);
        let backup = (!b.is_empty()).then(|| PeerSet::new(b));
        if backup.is_some() {
            primary.single = false;
        }
        let mut u = Upstream {
            name: conf.name.clone(),
            method: conf.method.clone(),
            primary,
            backup,
            points: vec![],
            events: vec![],
        };
        if matches!(
            u.method,
            Method::Hash {
                consistent: true,
                ..
            }
        ) {
            u.points = ring(&u.primary.peers);
        }
        u
    }

    /// A peer's state.
    pub fn peer(&self, id: PeerId) -> Option<&Peer> {
        let set = if id.backup {
            self.backup.as_ref()?
        } else {
            &self.primary
        };
        set.peers.get(id.index)
    }

    /// Every peer with its id, primaries first.
    pub fn peers(&self) -> impl Iterator<Item = (PeerId, &Peer)> {
        let p = self.primary.peers.iter().enumerate().map(|(index, p)| {
            (
                PeerId {
                    backup: false,
                    index,
                },
                p,
            )
        });
        let b = self
            .backup
            .iter()
            .flat_map(|s| s.peers.iter().enumerate())
            .map(|(index, p)| {
                (
                    PeerId {
                        backup: true,
                        index,
                    },
                    p,
                )
            });
        p.chain(b)
    }

    /// `ngx_http_upstream_tries`: primary plus backup servers.
    pub fn tries(&self) -> u32 {
        (self.primary.peers.len() + self.backup.as_ref().map_or(0, |b| b.peers.len())) as u32
    }

    /// Events since the last call.
    pub fn drain_events(&mut self) -> Vec<UpstreamEvent> {
        std::mem::take(&mut self.events)
    }

    /// Fresh per-request state for a client and an evaluated hash key.
    pub fn begin(&self, client: IpAddr, key: String) -> PickState {
        let mut st = PickState {
            tried: vec![false; self.primary.peers.len()],
            client: Some(client),
            key,
            ..PickState::default()
        };
        match &self.method {
            Method::IpHash => st.hash = 89,
            Method::Hash {
                consistent: true, ..
            } if !self.points.is_empty() => {
                st.hash = find_point(&self.points, crc32(st.key.as_bytes())) as u64;
            }
            _ => {}
        }
        st
    }

    fn set_mut(&mut self, backup: bool) -> &mut PeerSet {
        match (&mut self.backup, backup) {
            (Some(b), true) => b,
            _ => &mut self.primary,
        }
    }

    /// Chooses the peer for the next attempt (`peer.get`), or None: no live upstream (nginx answers 502).
    pub fn pick(&mut self, st: &mut PickState, now_ms: u64) -> Option<PeerId> {
        let now_s = now_ms / 1000;
        let got = match self.method.clone() {
            Method::RoundRobin => self.pick_rr(st, now_s),
            Method::LeastConn => self.pick_least_conn(st, now_s),
            Method::IpHash => self.pick_ip_hash(st, now_s),
            Method::Hash {
                consistent: false, ..
            } => self.pick_hash(st, now_s),
            Method::Hash {
                consistent: true, ..
            } => self.pick_chash(st, now_s),
        };
        let id = got?;
        let set = self.set_mut(id.backup);
        let p = set.peers.get_mut(id.index)?;
        let probe = p.conf.max_fails > 0 && p.fails >= p.conf.max_fails;
        p.conns += 1;
        p.picked += 1;
        if now_s.saturating_sub(p.checked_s) > p.conf.fail_timeout_s {
            p.checked_s = now_s;
        }
        let server = p.conf.name.clone();
        if probe {
            self.events.push(UpstreamEvent {
                at_ms: now_ms,
                peer: id,
                server,
                kind: UpstreamEventKind::Probe,
            });
        }
        st.current = Some(id);
        Some(id)
    }

    fn mark_tried(st: &mut PickState, i: usize) {
        if let Some(t) = st.tried.get_mut(i) {
            *t = true;
        }
    }

    /// `ngx_http_upstream_get_round_robin_peer`.
    fn pick_rr(&mut self, st: &mut PickState, now_s: u64) -> Option<PeerId> {
        let backup = st.in_backup;
        let set = self.set_mut(backup);
        if set.single {
            let p = set.peers.first()?;
            if !(p.conf.down || p.at_max_conns()) {
                return Some(PeerId { backup, index: 0 });
            }
        } else if let Some(i) = smooth(set, &st.tried, now_s, |_| true) {
            Self::mark_tried(st, i);
            return Some(PeerId { backup, index: i });
        }
        self.switch_to_backup(st, now_s, Self::pick_rr)
    }

    /// Switches the request to the backup servers, with a fresh tried set, and picks again there.
    fn switch_to_backup(
        &mut self,
        st: &mut PickState,
        now_s: u64,
        again: fn(&mut Self, &mut PickState, u64) -> Option<PeerId>,
    ) -> Option<PeerId> {
        if st.in_backup {
            return None;
        }
        let n = self.backup.as_ref()?.peers.len();
        st.in_backup = true;
        st.tried = vec![false; n];
        again(self, st, now_s)
    }

    /// `ngx_http_upstream_get_least_conn_peer`.
    fn pick_least_conn(&mut self, st: &mut PickState, now_s: u64) -> Option<PeerId> {
        let backup = st.in_backup;
        if self.set_mut(backup).single {
            return self.pick_rr(st, now_s);
        }
        let set = self.set_mut(backup);
        let mut best: Option<usize> = None;
        let mut many = false;
        for (i, p) in set.peers.iter().enumerate() {
            if st.tried.get(i).copied().unwrap_or(true) || !p.usable(now_s) {
                continue;
            }
            match best {
                None => best = Some(i),
                Some(b) => {
                    let bp = &set.peers[b];
                    let lhs = i64::from(p.conns) * bp.weight();
                    let rhs = i64::from(bp.conns) * p.weight();
                    if lhs < rhs {
                        best = Some(i);
                        many = false;
                    } else if lhs == rhs {
                        many = true;
                    }
                }
            }
        }
        let Some(b) = best else {
            return self.switch_to_backup(st, now_s, Self::pick_least_conn);
        };
        let chosen = if many {
            // Smooth round robin among the peers tied with the best, from the best onwards.
            let (bc, bw) = (i64::from(set.peers[b].conns), set.peers[b].weight());
            let tied = |i: usize, p: &Peer| i >= b && i64::from(p.conns) * bw == bc * p.weight();
            smooth_indexed(set, &st.tried, now_s, tied).unwrap_or(b)
        } else {
            // A single least-loaded peer: nginx subtracts a total of zero from its current weight.
            b
        };
        Self::mark_tried(st, chosen);
        Some(PeerId {
            backup,
            index: chosen,
        })
    }

    /// `ngx_http_upstream_get_ip_hash_peer`.
    fn pick_ip_hash(&mut self, st: &mut PickState, now_s: u64) -> Option<PeerId> {
        if st.tries > 20 || self.primary.peers.len() < 2 {
            return self.pick_rr(st, now_s);
        }
        let addr: Vec<u8> = match st.client {
            Some(IpAddr::V4(a)) => a.octets()[..3].to_vec(),
            Some(IpAddr::V6(a)) => a.octets().to_vec(),
            None => vec![0, 0, 0],
        };
        self.rehash_loop(st, now_s, |st| {
            for &b in &addr {
                st.hash = (st.hash * 113 + u64::from(b)) % 6271;
            }
        })
    }

    /// `ngx_http_upstream_get_hash_peer`.
    fn pick_hash(&mut self, st: &mut PickState, now_s: u64) -> Option<PeerId> {
        if st.tries > 20 || self.primary.peers.len() < 2 || st.key.is_empty() {
            return self.pick_rr(st, now_s);
        }
        self.rehash_loop(st, now_s, |st| {
            let mut c = Crc32::new();
            if st.rehash > 0 {
                c.update(st.rehash.to_string().as_bytes());
            }
            c.update(st.key.as_bytes());
            let h = (c.finish() >> 16) & 0x7fff;
            // nginx keeps this sum in a uint32_t.
            st.hash = (st.hash + u64::from(h)) & 0xffff_ffff;
            st.rehash += 1;
        })
    }

    /// The loop ip_hash and hash share: advance the hash, take the weighted slot it lands in if that peer is
    /// untried and usable, otherwise rehash; after 20 tries fall back to round robin.
    fn rehash_loop(
        &mut self,
        st: &mut PickState,
        now_s: u64,
        advance: impl Fn(&mut PickState),
    ) -> Option<PeerId> {
        let total = self.primary.total_weight.max(1) as u64;
        loop {
            advance(st);
            let i = weighted_slot(&self.primary.peers, st.hash % total);
            let ok =
                !st.tried.get(i).copied().unwrap_or(true) && self.primary.peers[i].usable(now_s);
            if ok {
                Self::mark_tried(st, i);
                return Some(PeerId {
                    backup: false,
                    index: i,
                });
            }
            st.tries += 1;
            if st.tries > 20 {
                return self.pick_rr(st, now_s);
            }
        }
    }

    /// `ngx_http_upstream_get_chash_peer`.
    fn pick_chash(&mut self, st: &mut PickState, now_s: u64) -> Option<PeerId> {
        if st.tries > 20 || self.primary.single || st.key.is_empty() {
            return self.pick_rr(st, now_s);
        }
        if self.points.is_empty() {
            return None;
        }
        loop {
            let server = self.points[(st.hash % self.points.len() as u64) as usize].1;
            let name = self.primary.peers[server].conf.name.clone();
            // Every usable peer with the point's server name competes by smooth round robin (several peers
            // share a name when a host name resolves to several addresses).
            let pick = smooth_indexed(&mut self.primary, &st.tried, now_s, |_, p| {
                p.conf.name == name
            });
            if let Some(i) = pick {
                Self::mark_tried(st, i);
                return Some(PeerId {
                    backup: false,
                    index: i,
                });
            }
            st.hash += 1;
            st.tries += 1;
            if st.tries > 20 {
                return self.pick_rr(st, now_s);
            }
        }
    }

    /// The attempt on `st.current` finished (`peer.free`): `failed` for NGX_PEER_FAILED. Returns true when the
    /// upstream allows no further try for this request (a lone server, `single`).
    pub fn free(&mut self, st: &mut PickState, now_ms: u64, failed: bool) -> bool {
        let Some(id) = st.current.take() else {
            return false;
        };
        let now_s = now_ms / 1000;
        let single = self.set_mut(id.backup).single;
        let Some(p) = self.set_mut(id.backup).peers.get_mut(id.index) else {
            return false;
        };
        p.conns = p.conns.saturating_sub(1);
        if single {
            p.fails = 0;
            return true;
        }
        let server = p.conf.name.clone();
        if failed {
            p.fails += 1;
            p.accessed_s = now_s;
            p.checked_s = now_s;
            let fails = p.fails;
            let mut disabled = None;
            if p.conf.max_fails > 0 {
                p.effective_weight -= p.weight() / i64::from(p.conf.max_fails);
                if p.fails >= p.conf.max_fails {
                    disabled = Some((now_s + p.conf.fail_timeout_s + 1) * 1000);
                }
            }
            if p.effective_weight < 0 {
                p.effective_weight = 0;
            }
            self.events.push(UpstreamEvent {
                at_ms: now_ms,
                peer: id,
                server: server.clone(),
                kind: UpstreamEventKind::Failed { fails },
            });
            if let Some(until_ms) = disabled {
                self.events.push(UpstreamEvent {
                    at_ms: now_ms,
                    peer: id,
                    server,
                    kind: UpstreamEventKind::Disabled { until_ms },
                });
            }
        } else if p.accessed_s < p.checked_s && p.fails > 0 {
            p.fails = 0;
            self.events.push(UpstreamEvent {
                at_ms: now_ms,
                peer: id,
                server,
                kind: UpstreamEventKind::Recovered,
            });
        }
        false
    }
}

/// Smooth weighted round robin over every untried usable peer of `set` that `only` accepts.
fn smooth(
    set: &mut PeerSet,
    tried: &[bool],
    now_s: u64,
    only: impl Fn(&Peer) -> bool,
) -> Option<usize> {
    smooth_indexed(set, tried, now_s, |_, p| only(p))
}

/// The heart of `ngx_http_upstream_get_peer`: raise each candidate's current weight by its effective weight,
/// take the largest (the first on ties), subtract the candidates' total from it.
fn smooth_indexed(
    set: &mut PeerSet,
    tried: &[bool],
    now_s: u64,
    only: impl Fn(usize, &Peer) -> bool,
) -> Option<usize> {
    let mut total = 0i64;
    let mut best: Option<(usize, i64)> = None;
    for (i, p) in set.peers.iter_mut().enumerate() {
        if tried.get(i).copied().unwrap_or(true) || !p.usable(now_s) || !only(i, p) {
            continue;
        }
        p.current_weight += p.effective_weight;
        total += p.effective_weight;
        if p.effective_weight < p.weight() {
            p.effective_weight += 1;
        }
        if best.is_none_or(|(_, cw)| p.current_weight > cw) {
            best = Some((i, p.current_weight));
        }
    }
    let (b, _) = best?;
    set.peers[b].current_weight -= total;
    Some(b)
}

/// The peer whose weight range holds `w` (weights laid end to end in config order).
fn weighted_slot(peers: &[Peer], mut w: u64) -> usize {
    for (i, p) in peers.iter().enumerate() {
        let pw = p.weight() as u64;
        if w < pw {
            return i;
        }
        w -= pw;
    }
    peers.len().saturating_sub(1)
}

/// Splits "host:port" as `ngx_http_upstream_update_chash` does: a trailing run of digits after the last ':'
/// is the port.
fn host_port(name: &str) -> (&str, &str) {
    let digits = name
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let cut = name.len() - digits;
    if cut > 0 && name.as_bytes()[cut - 1] == b':' {
        (&name[..cut - 1], &name[cut..])
    } else {
        (name, "")
    }
}

/// The ketama ring: 160 points per weight unit per peer.
fn ring(peers: &[Peer]) -> Vec<(u32, usize)> {
    let mut points = vec![];
    for (i, p) in peers.iter().enumerate() {
        let (host, port) = host_port(&p.conf.name);
        let mut base = Crc32::new();
        base.update(host.as_bytes());
        base.update(&[0]);
        base.update(port.as_bytes());
        let mut prev = 0u32;
        for _ in 0..p.conf.weight.saturating_mul(160) {
            let mut h = base;
            h.update(&prev.to_le_bytes());
            let v = h.finish();
            points.push((v, i));
            prev = v;
        }
    }
    points.sort_by_key(|p| p.0);
    // nginx keeps the first point of each hash value.
    points.dedup_by_key(|p| p.0);
    points
}

/// `ngx_http_upstream_find_chash_point`: the first point with hash >= `hash` (may be one past the end; the
/// caller takes it modulo the ring size).
fn find_point(points: &[(u32, usize)], hash: u32) -> usize {
    points.partition_point(|p| p.0 < hash)
}
