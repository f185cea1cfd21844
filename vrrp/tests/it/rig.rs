//! Test rig: helpers to build routers and adverts, drain outputs, and a tiny lossless
//! discrete-event LAN that carries real frames between routers (built with
//! `Transmit::build_frame`, read back with `frame::parse`).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vrrp::frame::{self, MacAddr};
use vrrp::router::{Event, Mode, Router, RouterConfig, State, Transmit};
use vrrp::time::{Duration, Instant};
use vrrp::wire::{Auth, Version, VrrpRepr};

pub fn v4(d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, d))
}
pub fn ll6(d: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, d))
}
pub fn mcast4() -> IpAddr {
    IpAddr::V4(vrrp::wire::MULTICAST_V4)
}
pub fn t_ms(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// A config for VRID 7 on 192.0.2.0/24 with VIP 192.0.2.100.
pub fn cfg(mode: Mode, me: u8, priority: u8) -> RouterConfig {
    let mut c = RouterConfig::new(mode, 7, v4(me), vec![v4(100)]);
    c.priority = priority;
    c
}

/// An advert for `cfg`'s VRID / VIPs / interval / auth with another priority.
pub fn advert(c: &RouterConfig, priority: u8) -> VrrpRepr {
    VrrpRepr {
        version: c.version,
        vrid: c.vrid,
        priority,
        max_adver_int_cs: c.adver_int_cs(),
        v3_reserved: 0,
        auth: if c.version == Version::V2 {
            c.auth
        } else {
            Auth::None
        },
        addresses: c.virtual_addresses.clone(),
    }
}

pub fn started(c: RouterConfig, now: Instant) -> Router {
    let mut r = Router::new(c);
    r.start(now);
    r
}

pub fn drain_tx(r: &mut Router) -> Vec<Transmit> {
    std::iter::from_fn(|| r.poll_transmit()).collect()
}
pub fn drain_ev(r: &mut Router) -> Vec<Event> {
    std::iter::from_fn(|| r.poll_event()).collect()
}
pub fn adverts(tx: &[Transmit]) -> Vec<&vrrp::router::AdvertTx> {
    tx.iter()
        .filter_map(|t| match t {
            Transmit::Advert(a) => Some(a),
            _ => None,
        })
        .collect()
}
pub fn garps(tx: &[Transmit]) -> usize {
    tx.iter()
        .filter(|t| {
            matches!(
                t,
                Transmit::GratuitousArp { .. } | Transmit::UnsolicitedNa { .. }
            )
        })
        .count()
}

/// Runs `r`'s timers up to and including `until`, collecting (time, transmit).
pub fn run_timers(r: &mut Router, until: Instant) -> Vec<(Instant, Transmit)> {
    let mut out = Vec::new();
    while let Some(t) = r.poll_timeout() {
        if t > until {
            break;
        }
        r.handle_timeout(t);
        out.extend(drain_tx(r).into_iter().map(|x| (t, x)));
    }
    out
}

/// Lossless LAN of routers with a fixed one-way latency. Every advert is turned into real
/// frame bytes and parsed back before delivery to every other router.
pub struct Lan {
    pub routers: Vec<Router>,
    pub macs: Vec<MacAddr>,
    pub latency: Duration,
    pub now: Instant,
    queue: BTreeMap<(Instant, u64), (usize, Vec<u8>)>,
    seq: u64,
    /// (time, router index, state) for every state change.
    pub transitions: Vec<(Instant, usize, State)>,
}

impl Lan {
    pub fn new(routers: Vec<Router>, latency: Duration) -> Lan {
        let macs = (0..routers.len())
            .map(|i| [2, 0, 0, 0, 0, 0x10 + i as u8])
            .collect();
        Lan {
            routers,
            macs,
            latency,
            now: Instant::ZERO,
            queue: BTreeMap::new(),
            seq: 0,
            transitions: Vec::new(),
        }
    }

    fn flush(&mut self, i: usize) {
        while let Some(ev) = self.routers[i].poll_event() {
            if let Event::StateChanged { to, .. } = ev {
                self.transitions.push((self.now, i, to));
            }
        }
        while let Some(tx) = self.routers[i].poll_transmit() {
            if let Transmit::Advert(_) = tx {
                let bytes = tx.build_frame(self.macs[i], None).expect("frame builds");
                for j in 0..self.routers.len() {
                    if j != i {
                        self.seq += 1;
                        self.queue
                            .insert((self.now + self.latency, self.seq), (j, bytes.clone()));
                    }
                }
            }
        }
    }

    pub fn start(&mut self, i: usize, at: Instant) {
        self.run_until(at);
        self.now = at;
        self.routers[i].start(at);
        self.flush(i);
    }

    /// Processes deliveries and timers in time order up to `until`.
    pub fn run_until(&mut self, until: Instant) {
        for _ in 0..1_000_000 {
            let next_timer = self
                .routers
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.poll_timeout().map(|t| (t, i)))
                .min();
            let next_delivery = self.queue.keys().next().copied();
            let (at, is_delivery) = match (next_timer, next_delivery) {
                (Some((t, _)), Some((d, _))) if d <= t => (d, true),
                (Some((t, _)), _) => (t, false),
                (None, Some((d, _))) => (d, true),
                (None, None) => break,
            };
            if at > until {
                break;
            }
            self.now = at;
            if is_delivery {
                let key = *self.queue.keys().next().unwrap();
                let (j, bytes) = self.queue.remove(&key).unwrap();
                let adv = frame::parse(&bytes).expect("frame parses");
                self.routers[j].handle_frame(at, &adv);
                self.flush(j);
            } else {
                let (_, i) = next_timer.unwrap();
                self.routers[i].handle_timeout(at);
                self.flush(i);
            }
        }
        self.now = self.now.max(until);
    }

    pub fn masters(&self) -> Vec<usize> {
        (0..self.routers.len())
            .filter(|i| self.routers[*i].state() == State::Master)
            .collect()
    }
}
