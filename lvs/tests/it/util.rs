//! Shared helpers: a director with one TCP service and numbered real servers.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};

use lvs::{
    DestConfig, FwdMethod, Instant, Ipvs, IpvsSettings, PacketInfo, Protocol, Scheduler,
    ServiceConfig, ServiceKey, TcpFlags, Verdict,
};

pub fn vip() -> SocketAddr {
    "192.0.2.100:80".parse().unwrap()
}

pub fn key() -> ServiceKey {
    ServiceKey::Addr {
        proto: Protocol::Tcp,
        addr: vip().ip(),
        port: 80,
    }
}

/// Real server `i` (1-based): 198.51.100.i:80.
pub fn rs(i: u8) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, i)), 80)
}

/// Client `i`: 203.0.113.(i % 250 + 1), port 10000 + i.
pub fn client(i: u32) -> SocketAddr {
    let a = Ipv4Addr::from(0xcb00_7100u32 + (i % 250) + 1);
    SocketAddr::new(IpAddr::V4(a), (10_000 + i % 50_000) as u16)
}

/// A director whose service has the given scheduler and servers added in the order given
/// (so `ipvsadm -L` and the kernel list them in reverse).
pub fn director(cfg: ServiceConfig, weights: &[(u8, u32)]) -> Ipvs {
    let mut ipvs = Ipvs::new(IpvsSettings::default(), 7);
    let key = cfg.key;
    ipvs.add_service(cfg).unwrap();
    for (i, w) in weights {
        ipvs.add_dest(&key, DestConfig::new(rs(*i).ip(), 80, *w, FwdMethod::Dr))
            .unwrap();
    }
    ipvs
}

pub fn simple(s: Scheduler, weights: &[(u8, u32)]) -> Ipvs {
    director(ServiceConfig::new(key(), s), weights)
}

pub fn syn(from: SocketAddr, to: SocketAddr) -> PacketInfo {
    PacketInfo {
        proto: Protocol::Tcp,
        src: from,
        dst: to,
        fwmark: 0,
        tcp: TcpFlags {
            syn: true,
            ..TcpFlags::default()
        },
    }
}

pub fn ack(from: SocketAddr, to: SocketAddr) -> PacketInfo {
    PacketInfo {
        tcp: TcpFlags {
            ack: true,
            ..TcpFlags::default()
        },
        ..syn(from, to)
    }
}

pub fn fin(from: SocketAddr, to: SocketAddr) -> PacketInfo {
    PacketInfo {
        tcp: TcpFlags {
            fin: true,
            ack: true,
            ..TcpFlags::default()
        },
        ..syn(from, to)
    }
}

/// Schedule a new connection from client `i`; returns the chosen server's last octet (None if refused).
pub fn pick(ipvs: &mut Ipvs, now: Instant, i: u32) -> Option<u8> {
    match ipvs.process_inbound(now, &syn(client(i), vip())) {
        Verdict::Forward(f) => match f.real.ip() {
            IpAddr::V4(a) => Some(a.octets()[3]),
            IpAddr::V6(_) => None,
        },
        _ => None,
    }
}

/// Open and establish a connection from client `i` (SYN then ACK): it counts as active.
pub fn establish(ipvs: &mut Ipvs, now: Instant, i: u32) -> Option<u8> {
    let r = pick(ipvs, now, i);
    ipvs.process_inbound(now, &ack(client(i), vip()));
    r
}

pub fn counters(ipvs: &Ipvs, i: u8) -> (u32, u32, u32) {
    let d = ipvs.service(&key()).unwrap().dest(rs(i)).unwrap();
    (d.active_conns, d.inactive_conns, d.persist_conns)
}

static NEXT: AtomicU32 = AtomicU32::new(20_000);

/// A client id never used before in this test binary (a fresh source port), so that the packet opens a
/// new connection instead of matching an existing one.
pub fn fresh() -> u32 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}
