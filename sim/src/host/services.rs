//! A real server's services besides HTTP, for keepalived's other checkers, and the outcome of the
//! directors' MISC_CHECK scripts. A scenario sets each at the start (`HostSpec.udp`, `HostSpec.bfd`,
//! `RouterSpec.misc_scripts`) and changes it with a fault (`SetUdp`, `SetBfd`, `SetMiscScript`).
//!
//! - UDP: a service on one port that answers each datagram (with fixed bytes or an echo), stays
//!   silent, or is closed, in which case the host's stack answers ICMP port unreachable.
//! - BFD: an RFC 5880 peer on UDP 3784 (the same [`lvs::check::BfdSession`] keepalived's side runs),
//!   with one session per neighbour that speaks to it, created on its first packet. It can be put in
//!   AdminDown or stopped (the daemon is killed: port 3784 closes, sessions are lost).
//! - ICMP echo is answered by every host's stack (Linux does by default), so PING_CHECK needs nothing
//!   here; a real server that must not answer is crashed or cut off.

use crate::host::sockets::{ip_address, std_ip, udp_socket};
use crate::host::stack::Stack;
use crate::time::{serde_dur, Duration, Instant};
use lvs::check::{read_hex_str, BfdConfig, BfdSession, BFD_CONTROL_PORT, BFD_MIN_SRC_PORT};
use serde::{Deserialize, Serialize};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::udp;
use smoltcp::wire::IpEndpoint;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// How a real server's UDP service behaves (UDP_CHECK's target). Fields not given take their
/// defaults: an echo service (RFC 862, port 7) that sends every datagram back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UdpBehaviour {
    /// UDP port.
    pub port: u16,
    /// Answer with these bytes (hex, as keepalived's `require_reply`) instead of echoing the datagram.
    pub reply: Option<String>,
    /// Receive but never answer.
    pub silent: bool,
    /// Nothing listens: the host answers ICMP port unreachable.
    pub closed: bool,
}

impl Default for UdpBehaviour {
    fn default() -> Self {
        UdpBehaviour {
            port: 7,
            reply: None,
            silent: false,
            closed: false,
        }
    }
}

impl UdpBehaviour {
    /// For the timeline.
    pub fn describe(&self) -> String {
        let p = self.port;
        if self.closed {
            format!("UDP port {p} closed (ICMP port unreachable)")
        } else if self.silent {
            format!("UDP port {p} silent")
        } else if let Some(r) = &self.reply {
            format!("UDP port {p} answers {r}")
        } else {
            format!("UDP port {p} echoes")
        }
    }
}

/// A real server's BFD peer (BFD_CHECK's target). Fields not given take keepalived's `bfd_instance`
/// defaults: min_rx 10 ms, min_tx 10 ms, idle_tx 1 s, multiplier 5, running.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BfdPeerBehaviour {
    /// Required Min RX Interval.
    #[serde(with = "serde_dur")]
    pub min_rx: Duration,
    /// Desired Min TX Interval while Up.
    #[serde(with = "serde_dur")]
    pub min_tx: Duration,
    /// Desired Min TX Interval while not Up.
    #[serde(with = "serde_dur")]
    pub idle_tx: Duration,
    /// Detect Mult.
    pub multiplier: u8,
    /// Sessions are administratively down (AdminDown packets, RFC 5880 §6.8.16).
    pub admin_down: bool,
    /// The daemon is not running (killed): nothing listens on 3784.
    pub stopped: bool,
}

impl Default for BfdPeerBehaviour {
    fn default() -> Self {
        let d = BfdConfig::default();
        BfdPeerBehaviour {
            min_rx: Duration::from_nanos(d.min_rx.as_nanos()),
            min_tx: Duration::from_nanos(d.min_tx.as_nanos()),
            idle_tx: Duration::from_nanos(d.idle_tx.as_nanos()),
            multiplier: d.multiplier,
            admin_down: false,
            stopped: false,
        }
    }
}

impl BfdPeerBehaviour {
    /// For the timeline.
    pub fn describe(&self) -> String {
        if self.stopped {
            "BFD daemon stopped".into()
        } else if self.admin_down {
            "BFD sessions AdminDown".into()
        } else {
            format!(
                "BFD running (min_rx {}, min_tx {}, multiplier {})",
                crate::time::format_duration(self.min_rx),
                crate::time::format_duration(self.min_tx),
                self.multiplier
            )
        }
    }

    fn config(&self) -> BfdConfig {
        let l = |d: Duration| lvs::Duration::from_nanos(d.as_nanos());
        BfdConfig {
            min_rx: l(self.min_rx),
            min_tx: l(self.min_tx),
            idle_tx: l(self.idle_tx),
            multiplier: self.multiplier.max(1),
            passive: false,
            ttl: 255,
        }
    }
}

/// What a director's MISC_CHECK script does when keepalived runs it (keyed by its `misc_path`
/// command line). Not listed: it exits 0 at once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MiscScript {
    /// Exit status (with `misc_dynamic`, 2..=255 set the weight to status − 2).
    pub exit: u8,
    /// How long it runs before exiting.
    #[serde(with = "serde_dur")]
    pub runtime: Duration,
    /// It never exits: `misc_timeout` kills it and the check fails.
    pub hang: bool,
}

impl MiscScript {
    /// For the timeline.
    pub fn describe(&self) -> String {
        if self.hang {
            "hangs".into()
        } else if self.runtime > Duration::ZERO {
            format!(
                "exits {} after {}",
                self.exit,
                crate::time::format_duration(self.runtime)
            )
        } else {
            format!("exits {}", self.exit)
        }
    }
}

fn lvs_instant(t: Instant) -> lvs::Instant {
    lvs::Instant::from_nanos(t.as_nanos())
}

fn sim_instant(t: lvs::Instant) -> Instant {
    Instant::from_nanos(t.as_nanos())
}

struct Peer {
    session: BfdSession,
    tx: SocketHandle,
}

/// The UDP service and BFD peer of one real server.
pub struct RsServices {
    udp: Option<(UdpBehaviour, Option<SocketHandle>)>,
    bfd: Option<BfdPeerBehaviour>,
    bfd_rx: Option<SocketHandle>,
    peers: BTreeMap<IpAddr, Peer>,
    seed: u64,
}

impl RsServices {
    /// The services of a host; `seed` feeds the BFD sessions' discriminators and jitter.
    pub fn new(
        udp: Option<UdpBehaviour>,
        bfd: Option<BfdPeerBehaviour>,
        seed: u64,
        stack: &mut Stack,
    ) -> RsServices {
        let mut s = RsServices {
            udp: None,
            bfd: None,
            bfd_rx: None,
            peers: BTreeMap::new(),
            seed,
        };
        if let Some(u) = udp {
            s.set_udp(u, stack);
        }
        if let Some(b) = bfd {
            s.set_bfd(Instant::ZERO, b, stack);
        }
        s
    }

    /// The UDP service's behaviour, if the host has one.
    pub fn udp(&self) -> Option<&UdpBehaviour> {
        self.udp.as_ref().map(|u| &u.0)
    }

    /// The BFD peer's behaviour, if the host has one.
    pub fn bfd(&self) -> Option<&BfdPeerBehaviour> {
        self.bfd.as_ref()
    }

    /// Changes the UDP service (closing or reopening its port).
    pub fn set_udp(&mut self, b: UdpBehaviour, stack: &mut Stack) {
        if let Some((_, Some(h))) = self.udp.take() {
            stack.sockets.remove(h);
        }
        let handle = (!b.closed).then(|| {
            let mut s = udp_socket(8, 4096);
            let _ = s.bind(b.port);
            stack.sockets.add(s)
        });
        self.udp = Some((b, handle));
    }

    /// Changes the BFD peer: stopping it closes port 3784 and forgets every session; AdminDown tells
    /// each neighbour so.
    pub fn set_bfd(&mut self, now: Instant, b: BfdPeerBehaviour, stack: &mut Stack) {
        let was_stopped = self.bfd.as_ref().is_none_or(|x| x.stopped);
        if b.stopped || b.config() != self.bfd.as_ref().map(|x| x.config()).unwrap_or(b.config()) {
            for (_, p) in std::mem::take(&mut self.peers) {
                stack.sockets.remove(p.tx);
            }
        }
        if b.stopped {
            if let Some(h) = self.bfd_rx.take() {
                stack.sockets.remove(h);
            }
        } else if was_stopped || self.bfd_rx.is_none() {
            let mut s = udp_socket(16, 1024);
            if s.bind(BFD_CONTROL_PORT).is_ok() {
                self.bfd_rx = Some(stack.sockets.add(s));
            }
        }
        for p in self.peers.values_mut() {
            if b.admin_down {
                p.session.set_admin_down(lvs_instant(now));
            } else {
                p.session.clear_admin_down(lvs_instant(now));
            }
        }
        self.bfd = Some(b);
    }

    /// When a BFD timer is next due.
    pub fn poll_at(&self) -> Option<Instant> {
        self.peers
            .values()
            .filter_map(|p| p.session.poll_timeout())
            .min()
            .map(sim_instant)
    }

    /// Answers datagrams, runs the BFD sessions. The caller polls the stack afterwards.
    pub fn poll(&mut self, now: Instant, stack: &mut Stack) {
        if let Some((b, Some(h))) = &self.udp {
            let reply = b
                .reply
                .as_deref()
                .and_then(|r| read_hex_str(r, false))
                .map(|(d, _)| d);
            let sock = stack.sockets.get_mut::<udp::Socket>(*h);
            let mut answers = vec![];
            while let Ok((data, meta)) = sock.recv() {
                if !b.silent {
                    answers.push((
                        reply.clone().unwrap_or_else(|| data.to_vec()),
                        meta.endpoint,
                    ));
                }
            }
            for (data, to) in answers {
                let _ = sock.send_slice(&data, to);
            }
        }
        let Some(cfg) = self.bfd.clone() else { return };
        let t = lvs_instant(now);
        let mut received = vec![];
        if let Some(h) = self.bfd_rx {
            let sock = stack.sockets.get_mut::<udp::Socket>(h);
            while let Ok((data, meta)) = sock.recv() {
                received.push((std_ip(meta.endpoint.addr), data.to_vec()));
            }
        }
        for (src, data) in received {
            if !self.peers.contains_key(&src) {
                // A neighbour we have not heard from: a new session (bfdd's passive listener).
                let n = self.peers.len() as u64;
                let mut session = BfdSession::new(cfg.config(), self.seed.wrapping_add(n * 7919));
                session.start(t);
                if cfg.admin_down {
                    session.set_admin_down(t);
                }
                let port = BFD_MIN_SRC_PORT + (self.seed.wrapping_add(n) % 16384) as u16;
                let mut s = udp_socket(8, 512);
                let _ = s.bind(port);
                s.set_hop_limit(Some(255));
                let tx = stack.sockets.add(s);
                self.peers.insert(src, Peer { session, tx });
            }
            if let Some(p) = self.peers.get_mut(&src) {
                let _ = p.session.handle_packet(t, &data);
            }
        }
        for (addr, p) in self.peers.iter_mut() {
            if p.session.poll_timeout().is_some_and(|x| x <= t) {
                p.session.handle_timeout(t);
            }
            let sock = stack.sockets.get_mut::<udp::Socket>(p.tx);
            while let Some(pkt) = p.session.poll_transmit() {
                let _ = sock.send_slice(
                    &pkt.encode(),
                    IpEndpoint::new(ip_address(*addr), BFD_CONTROL_PORT),
                );
            }
            while p.session.poll_event().is_some() {}
            while p.session.poll_transition().is_some() {}
        }
    }
}
