//! A host's TCP/IP stack: smoltcp for IP, TCP and ICMP, plus the Linux-like Ethernet/ARP layer smoltcp lacks.
//!
//! smoltcp runs on `Medium::Ip`; this module owns Ethernet framing and the ARP cache, because smoltcp's own
//! ARP handling falls short of what a Linux host does in a VRRP failover:
//! - it learns from gratuitous ARP: an existing cache entry is updated by any ARP whose sender is that IP
//!   (Linux `neigh` behaviour with `arp_accept=0`), so clients move to a new master at its first GARP;
//! - it answers ARP for extra addresses with a chosen MAC (a VRRP master's VIPs, with the virtual MAC under
//!   `use_vmac`), and receives frames sent to extra MACs on the same NIC;
//! - it accepts IP for addresses held on loopback but never answers ARP for them (`arp_ignore=1`, the LVS-DR
//!   real-server setup).
//!
//! - IPv6 neighbour discovery the same way: the neighbour cache is keyed by an NA's *target* address (an
//!   unsolicited NA from a new VRRP master updates the entry for the VIP, whatever the NA's source), the
//!   Override flag decides whether an existing entry changes, and a router answers solicitations with the
//!   Router flag set.

use crate::net::Mac;
use crate::time::{from_smoltcp, to_smoltcp, Duration, Instant};
use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Ethernet broadcast.
pub const BROADCAST: Mac = [0xff; 6];
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV6: u16 = 0x86dd;
/// How long an unanswered ARP waits before it is repeated (Linux `retrans_time_ms`).
const ARP_RETRANS: Duration = Duration::from_secs(1);
/// Requests before queued packets are dropped (Linux `mcast_solicit`).
const ARP_TRIES: u8 = 3;
/// Packets queued per unresolved address (Linux `unres_qlen_bytes` is larger; a few suffice here).
const ARP_QUEUE: usize = 8;

/// The device between smoltcp and this layer: two packet queues.
#[derive(Default)]
struct QueueDevice {
    rx: VecDeque<Vec<u8>>,
    tx: VecDeque<Vec<u8>>,
}

struct QRx(Vec<u8>);
struct QTx<'a>(&'a mut VecDeque<Vec<u8>>);

impl RxToken for QRx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl TxToken for QTx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0u8; len];
        let r = f(&mut buf);
        self.0.push_back(buf);
        r
    }
}

impl Device for QueueDevice {
    type RxToken<'a> = QRx;
    type TxToken<'a> = QTx<'a>;

    fn receive(&mut self, _now: smoltcp::time::Instant) -> Option<(QRx, QTx<'_>)> {
        let p = self.rx.pop_front()?;
        Some((QRx(p), QTx(&mut self.tx)))
    }

    fn transmit(&mut self, _now: smoltcp::time::Instant) -> Option<QTx<'_>> {
        Some(QTx(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = 1500;
        caps
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ArpEntry {
    mac: Mac,
    /// Last proof that the neighbour is reachable at `mac` (an ARP exchange or traffic from it).
    confirmed: Instant,
    /// Unicast probe in progress: when the next one is due and how many were sent.
    probe: Option<(Instant, u8)>,
}

/// Linux `base_reachable_time`: an entry confirmed this recently is used without question.
const REACHABLE: Duration = Duration::from_secs(30);
/// Linux `delay_first_probe_time`: a stale entry in use waits this long for confirmation before probing.
const DELAY_FIRST_PROBE: Duration = Duration::from_secs(5);
/// Linux `ucast_solicit`: unicast probes to the cached MAC before the entry fails.
const UCAST_PROBES: u8 = 3;

struct Pending {
    packets: Vec<Vec<u8>>,
    next_request: Instant,
    tries: u8,
}

/// A parsed ARP packet (Ethernet/IPv4 only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp {
    /// 1 request, 2 reply.
    pub op: u16,
    /// Sender hardware address.
    pub sha: Mac,
    /// Sender protocol address.
    pub spa: Ipv4Addr,
    /// Target hardware address.
    pub tha: Mac,
    /// Target protocol address.
    pub tpa: Ipv4Addr,
}

impl Arp {
    /// Parses the ARP payload of an Ethernet frame; `None` for anything but Ethernet/IPv4 ARP.
    pub fn parse(payload: &[u8]) -> Option<Arp> {
        let p = payload.get(..28)?;
        if p[0..2] != [0, 1] || p[2..4] != [0x08, 0x00] || p[4] != 6 || p[5] != 4 {
            return None;
        }
        let mac = |r: std::ops::Range<usize>| -> Option<Mac> { p.get(r)?.try_into().ok() };
        let ip = |r: std::ops::Range<usize>| -> Option<Ipv4Addr> {
            let b: [u8; 4] = p.get(r)?.try_into().ok()?;
            Some(Ipv4Addr::from(b))
        };
        Some(Arp {
            op: u16::from_be_bytes([p[6], p[7]]),
            sha: mac(8..14)?,
            spa: ip(14..18)?,
            tha: mac(18..24)?,
            tpa: ip(24..28)?,
        })
    }

    /// A complete Ethernet frame carrying this ARP, from `src` to `dst`.
    pub fn frame(&self, dst: Mac, src: Mac) -> Vec<u8> {
        let mut f = Vec::with_capacity(42);
        f.extend_from_slice(&dst);
        f.extend_from_slice(&src);
        f.extend_from_slice(&ETHERTYPE_ARP.to_be_bytes());
        f.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4]);
        f.extend_from_slice(&self.op.to_be_bytes());
        f.extend_from_slice(&self.sha);
        f.extend_from_slice(&self.spa.octets());
        f.extend_from_slice(&self.tha);
        f.extend_from_slice(&self.tpa.octets());
        f
    }
}

/// Builds an Ethernet frame.
pub fn ethernet(dst: Mac, src: Mac, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// One host's IPv4 stack on one NIC.
pub struct Stack {
    /// The NIC's own MAC.
    pub mac: Mac,
    /// The NIC's primary address.
    pub ip: Ipv4Addr,
    /// Its prefix length.
    pub prefix: u8,
    iface: Interface,
    dev: QueueDevice,
    /// smoltcp's sockets; applications add theirs here.
    pub sockets: SocketSet<'static>,
    answer_for: BTreeMap<Ipv4Addr, Mac>,
    /// False while the primary address is deleted from the NIC (`ip addr del`, scenario `RemoveAddress`): the
    /// host neither answers ARP for it nor uses it.
    primary_present: bool,
    loopback: BTreeSet<Ipv4Addr>,
    extra_macs: BTreeSet<Mac>,
    arp: BTreeMap<Ipv4Addr, ArpEntry>,
    pending: BTreeMap<Ipv4Addr, Pending>,
    /// The NIC's global IPv6 address and prefix, if any.
    ip6: Option<(Ipv6Addr, u8)>,
    /// The NIC's EUI-64 link-local address.
    ll6: Ipv6Addr,
    /// Answers neighbour solicitations with the Router flag (RFC 4861 §7.2.4).
    router: bool,
    answer_for6: BTreeMap<Ipv6Addr, Mac>,
    nd: BTreeMap<Ipv6Addr, Mac>,
    pending6: BTreeMap<Ipv6Addr, Pending>,
    /// Default gateway for off-link IPv4 destinations.
    gateway: Option<Ipv4Addr>,
    /// Decapsulates IP-in-IP addressed to the NIC's address (`tunl0`).
    ipip: bool,
}

fn ipv6_at(p: &[u8], at: usize) -> Option<Ipv6Addr> {
    let b: [u8; 16] = p.get(at..at + 16)?.try_into().ok()?;
    Some(Ipv6Addr::from(b))
}

/// RFC 4443 §2.3 checksum over the IPv6 pseudo-header and the message.
fn icmpv6_checksum(src: Ipv6Addr, dst: Ipv6Addr, msg: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |b: &[u8]| {
        for c in b.chunks(2) {
            sum += u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
        }
    };
    add(&src.octets());
    add(&dst.octets());
    add(&(msg.len() as u32).to_be_bytes());
    add(&[0, 0, 0, 58]);
    add(msg);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An Ethernet + IPv6 frame (hop limit 255, RFC 4861 §7.1) around an ICMPv6 message, checksum filled in.
fn ipv6_frame(
    dst_mac: Mac,
    src_mac: Mac,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    mut msg: Vec<u8>,
) -> Vec<u8> {
    let c = icmpv6_checksum(src, dst, &msg);
    if let Some(slot) = msg.get_mut(2..4) {
        slot.copy_from_slice(&c.to_be_bytes());
    }
    let mut ip = vec![0x60, 0, 0, 0];
    ip.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    ip.extend_from_slice(&[58, 255]);
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    ip.extend_from_slice(&msg);
    ethernet(dst_mac, src_mac, ETHERTYPE_IPV6, &ip)
}

fn ipv4_dst(packet: &[u8]) -> Option<Ipv4Addr> {
    let b: [u8; 4] = packet.get(16..20)?.try_into().ok()?;
    Some(Ipv4Addr::from(b))
}

fn ipv4_src(packet: &[u8]) -> Option<Ipv4Addr> {
    let b: [u8; 4] = packet.get(12..16)?.try_into().ok()?;
    Some(Ipv4Addr::from(b))
}

impl Stack {
    /// A stack with `ip/prefix` on a NIC with `mac`; `seed` feeds smoltcp's TCP initial sequence numbers.
    pub fn new(mac: Mac, ip: Ipv4Addr, prefix: u8, seed: u64, now: Instant) -> Stack {
        let mut dev = QueueDevice::default();
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = seed;
        let mut iface = Interface::new(config, &mut dev, to_smoltcp(now));
        iface.update_ip_addrs(|a| {
            let _ = a.push(IpCidr::new(IpAddress::Ipv4(ip), prefix));
        });
        Stack {
            mac,
            ip,
            prefix,
            iface,
            dev,
            sockets: SocketSet::new(vec![]),
            answer_for: BTreeMap::new(),
            primary_present: true,
            loopback: BTreeSet::new(),
            extra_macs: BTreeSet::new(),
            arp: BTreeMap::new(),
            pending: BTreeMap::new(),
            ip6: None,
            ll6: crate::router_host::link_local(mac),
            router: false,
            answer_for6: BTreeMap::new(),
            nd: BTreeMap::new(),
            pending6: BTreeMap::new(),
            gateway: None,
            ipip: false,
        }
    }

    fn sync_addrs(&mut self) {
        let mut addrs: Vec<IpCidr> = Vec::new();
        if self.primary_present {
            addrs.push(IpCidr::new(IpAddress::Ipv4(self.ip), self.prefix));
        }
        addrs.extend(
            self.answer_for
                .keys()
                .map(|a| IpCidr::new(IpAddress::Ipv4(*a), 32)),
        );
        addrs.extend(
            self.loopback
                .iter()
                .map(|a| IpCidr::new(IpAddress::Ipv4(*a), 32)),
        );
        if let Some((a, p)) = self.ip6 {
            addrs.push(IpCidr::new(IpAddress::Ipv6(self.ll6), 64));
            addrs.push(IpCidr::new(IpAddress::Ipv6(a), p));
        }
        addrs.extend(
            self.answer_for6
                .keys()
                .map(|a| IpCidr::new(IpAddress::Ipv6(*a), 128)),
        );
        self.iface.update_ip_addrs(|a| {
            a.clear();
            for c in addrs {
                // smoltcp holds a fixed number of addresses; extra VIPs beyond it are not served by TCP/ICMP.
                let _ = a.push(c);
            }
        });
    }

    /// Starts holding `addr` on the NIC, answering ARP for it with `mac` (a VRRP master's VIP).
    pub fn add_address(&mut self, addr: Ipv4Addr, mac: Mac) {
        self.answer_for.insert(addr, mac);
        self.sync_addrs();
    }

    /// Stops holding `addr`.
    pub fn remove_address(&mut self, addr: Ipv4Addr) {
        if self.answer_for.remove(&addr).is_some() {
            self.sync_addrs();
        }
    }

    /// Holds `addr` on loopback: accepted, never announced or answered by ARP (`arp_ignore=1`).
    pub fn add_loopback(&mut self, addr: Ipv4Addr) {
        self.loopback.insert(addr);
        self.sync_addrs();
    }

    /// Gives the NIC a global IPv6 address (and its link-local one).
    pub fn set_ipv6(&mut self, addr: Ipv6Addr, prefix: u8) {
        self.ip6 = Some((addr, prefix));
        self.sync_addrs();
    }

    /// Sets the default route: off-link IPv4 goes to `gateway` (resolved by ARP even when it lies outside the
    /// NIC's subnet, like an `onlink` route).
    pub fn set_gateway(&mut self, gateway: Option<Ipv4Addr>) {
        self.gateway = gateway;
    }

    /// Decapsulate IP-in-IP (protocol 4) addressed to the NIC's own address and handle the inner packet, as
    /// Linux does with the `ipip` module loaded and `tunl0` up (rp_filter off: the inner source is a client the
    /// tunnel does not lead to).
    pub fn set_ipip(&mut self, on: bool) {
        self.ipip = on;
    }

    /// Marks this host a router: its neighbour advertisements carry the Router flag.
    pub fn set_router(&mut self, router: bool) {
        self.router = router;
    }

    /// Starts holding IPv6 `addr`, answering solicitations for it with `mac`.
    pub fn add_address6(&mut self, addr: Ipv6Addr, mac: Mac) {
        self.answer_for6.insert(addr, mac);
        self.sync_addrs();
    }

    /// Stops holding IPv6 `addr`.
    pub fn remove_address6(&mut self, addr: Ipv6Addr) {
        if self.answer_for6.remove(&addr).is_some() {
            self.sync_addrs();
        }
    }

    /// The MAC this host's neighbour cache holds for IPv6 `addr`.
    pub fn nd_lookup(&self, addr: Ipv6Addr) -> Option<Mac> {
        self.nd.get(&addr).copied()
    }

    /// Pre-loads the neighbour cache.
    pub fn nd_insert(&mut self, addr: Ipv6Addr, mac: Mac) {
        self.nd.insert(addr, mac);
    }

    fn holds6(&self, a: Ipv6Addr) -> bool {
        (self.ip6.is_some() && (a == self.ll6 || self.ip6.is_some_and(|x| x.0 == a)))
            || self.answer_for6.contains_key(&a)
    }

    /// Receives frames sent to `mac` too (a virtual MAC on this NIC).
    pub fn add_mac(&mut self, mac: Mac) {
        self.extra_macs.insert(mac);
    }

    /// Stops receiving frames sent to `mac`.
    pub fn remove_mac(&mut self, mac: Mac) {
        self.extra_macs.remove(&mac);
    }

    /// True if this stack currently answers ARP for `addr`.
    pub fn holds(&self, addr: Ipv4Addr) -> bool {
        (addr == self.ip && self.primary_present) || self.answer_for.contains_key(&addr)
    }

    /// The primary address is deleted from the NIC (false) or configured again (true).
    pub fn set_primary_present(&mut self, present: bool) {
        if self.primary_present != present {
            self.primary_present = present;
            self.sync_addrs();
        }
    }

    /// The MAC this host's ARP cache holds for `addr`.
    pub fn arp_lookup(&self, addr: Ipv4Addr) -> Option<Mac> {
        self.arp.get(&addr).map(|e| e.mac)
    }

    /// Pre-loads the ARP cache (a test or scenario can start from a warm cache).
    pub fn arp_insert(&mut self, addr: Ipv4Addr, mac: Mac) {
        self.arp.insert(
            addr,
            ArpEntry {
                mac,
                confirmed: Instant::ZERO,
                probe: None,
            },
        );
    }

    /// True if a frame with this destination MAC is for this NIC.
    pub fn accepts_mac(&self, dst: &[u8]) -> bool {
        dst.first().is_some_and(|b| b & 1 == 1)
            || dst == self.mac
            || self.extra_macs.iter().any(|m| m == dst)
    }

    /// Handles one received Ethernet frame (not VRRP: the host hands those to its router), pushing any frames to
    /// send onto `out`.
    pub fn receive(&mut self, now: Instant, frame: &[u8], out: &mut Vec<Vec<u8>>) {
        let Some(dst) = frame.get(0..6) else { return };
        if !self.accepts_mac(dst) {
            return;
        }
        let (Some(&a), Some(&b)) = (frame.get(12), frame.get(13)) else {
            return;
        };
        let payload = frame.get(14..).unwrap_or(&[]);
        match u16::from_be_bytes([a, b]) {
            ETHERTYPE_ARP => {
                if let Some(arp) = Arp::parse(payload) {
                    self.receive_arp(now, arp, out);
                }
            }
            ETHERTYPE_IPV4 => {
                let Some(dst_ip) = ipv4_dst(payload) else {
                    return;
                };
                let for_us = self.holds(dst_ip)
                    || self.loopback.contains(&dst_ip)
                    || dst_ip.is_broadcast()
                    || dst_ip.is_multicast();
                if for_us {
                    // Traffic from a neighbour at the MAC we hold for it confirms the entry, as TCP progress
                    // confirms a Linux neighbour entry.
                    if let (Some(src_ip), Some(src_mac)) = (ipv4_src(payload), frame.get(6..12)) {
                        if let Some(e) = self.arp.get_mut(&src_ip) {
                            if e.mac == src_mac {
                                e.confirmed = now;
                                e.probe = None;
                            }
                        }
                    }
                    // Strip Ethernet padding: smoltcp wants exactly the IP packet.
                    let total = payload
                        .get(2..4)
                        .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize);
                    let end = total.unwrap_or(payload.len()).min(payload.len());
                    let mut packet = &payload[..end];
                    if self.ipip && dst_ip == self.ip && packet.get(9) == Some(&4) {
                        // IP-in-IP: the inner packet is handled as if it arrived on tunl0, when it is for an
                        // address this host holds (an LVS-TUN real server's VIP); anything else is dropped.
                        let ihl = usize::from(packet[0] & 0x0f) * 4;
                        let inner = packet.get(ihl..).unwrap_or(&[]);
                        let for_inner = ipv4_dst(inner)
                            .is_some_and(|d| self.holds(d) || self.loopback.contains(&d));
                        if ihl < 20 || inner.first().is_none_or(|b| b >> 4 != 4) || !for_inner {
                            return;
                        }
                        packet = inner;
                    }
                    self.dev.rx.push_back(packet.to_vec());
                    self.poll(now, out);
                }
            }
            ETHERTYPE_IPV6 => self.receive_ipv6(now, frame, payload, out),
            _ => {}
        }
    }

    fn receive_ipv6(&mut self, now: Instant, frame: &[u8], p: &[u8], out: &mut Vec<Vec<u8>>) {
        let (Some(src), Some(dst)) = (ipv6_at(p, 8), ipv6_at(p, 24)) else {
            return;
        };
        let next = p.get(6).copied();
        let icmp = p.get(40..).unwrap_or(&[]);
        if next == Some(58) && matches!(icmp.first(), Some(135) | Some(136)) {
            self.receive_nd(frame, src, icmp, out);
            return;
        }
        if self.ip6.is_none() && self.answer_for6.is_empty() {
            return;
        }
        if self.holds6(dst) || dst.is_multicast() {
            let len = p
                .get(4..6)
                .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize + 40)
                .unwrap_or(p.len());
            self.dev.rx.push_back(p[..len.min(p.len())].to_vec());
            self.poll(now, out);
        }
    }

    /// RFC 4861 §7.2.3–§7.2.5.
    fn receive_nd(&mut self, frame: &[u8], src: Ipv6Addr, icmp: &[u8], out: &mut Vec<Vec<u8>>) {
        let Some(target) = ipv6_at(icmp, 8) else {
            return;
        };
        let option_mac = |kind: u8| -> Option<Mac> {
            let mut o = icmp.get(24..)?;
            while o.len() >= 8 {
                let len = usize::from(*o.get(1)?) * 8;
                if len == 0 {
                    return None;
                }
                if o[0] == kind {
                    return o.get(2..8)?.try_into().ok();
                }
                o = o.get(len..)?;
            }
            None
        };
        match icmp.first() {
            Some(135) => {
                // A solicitation with a source link-layer option (re)creates the sender's entry.
                if let Some(m) = option_mac(1) {
                    if !src.is_unspecified() {
                        self.nd.insert(src, m);
                        self.flush_pending6(src, out);
                    }
                }
                let own = self.ip6.is_some()
                    && (target == self.ll6 || self.ip6.is_some_and(|x| x.0 == target));
                let answer = if own {
                    Some(self.mac)
                } else {
                    self.answer_for6.get(&target).copied()
                };
                if let (Some(mac), Some(peer_mac)) = (answer, frame.get(6..12)) {
                    let mut peer = [0u8; 6];
                    peer.copy_from_slice(peer_mac);
                    let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
                    let dst = if src.is_unspecified() { all_nodes } else { src };
                    // RFC 4861 §7.2.4: R set by routers, S set when answering a unicast-sourced NS, O set.
                    let flags = (if self.router { 0x80 } else { 0 })
                        | (if src.is_unspecified() { 0 } else { 0x40 })
                        | 0x20;
                    out.push(self.na_frame(mac, peer, dst, target, flags));
                }
            }
            Some(136) => {
                let flags = icmp.get(4).copied().unwrap_or(0);
                let overrides = flags & 0x20 != 0;
                let solicited = flags & 0x40 != 0;
                let Some(m) = option_mac(2) else { return };
                // Keyed by the target address, not by the NA's source: a VRRP master announces the VIP
                // from its own link-local address.
                match self.nd.get(&target) {
                    Some(old) if *old != m && !overrides => {}
                    Some(_) => {
                        self.nd.insert(target, m);
                    }
                    None if solicited || self.pending6.contains_key(&target) => {
                        self.nd.insert(target, m);
                    }
                    None => {}
                }
                self.flush_pending6(target, out);
            }
            _ => {}
        }
    }

    fn na_frame(
        &self,
        mac: Mac,
        dst_mac: Mac,
        dst: Ipv6Addr,
        target: Ipv6Addr,
        flags: u8,
    ) -> Vec<u8> {
        let mut msg = vec![136, 0, 0, 0, flags, 0, 0, 0];
        msg.extend_from_slice(&target.octets());
        msg.extend_from_slice(&[2, 1]);
        msg.extend_from_slice(&mac);
        ipv6_frame(dst_mac, mac, self.ll6, dst, msg)
    }

    fn ns_frame(&self, target: Ipv6Addr) -> Vec<u8> {
        let t = target.octets();
        let group = Ipv6Addr::new(
            0xff02,
            0,
            0,
            0,
            0,
            1,
            0xff00 | u16::from(t[13]),
            u16::from_be_bytes([t[14], t[15]]),
        );
        let g = group.octets();
        let dst_mac = [0x33, 0x33, g[12], g[13], g[14], g[15]];
        let mut msg = vec![135, 0, 0, 0, 0, 0, 0, 0];
        msg.extend_from_slice(&t);
        msg.extend_from_slice(&[1, 1]);
        msg.extend_from_slice(&self.mac);
        ipv6_frame(dst_mac, self.mac, self.ll6, group, msg)
    }

    fn flush_pending6(&mut self, ip: Ipv6Addr, out: &mut Vec<Vec<u8>>) {
        let Some(mac) = self.nd.get(&ip).copied() else {
            return;
        };
        if let Some(p) = self.pending6.remove(&ip) {
            for packet in p.packets {
                out.push(ethernet(mac, self.mac, ETHERTYPE_IPV6, &packet));
            }
        }
    }

    fn emit_ipv6(&mut self, now: Instant, packet: Vec<u8>, out: &mut Vec<Vec<u8>>) {
        let Some(dst) = ipv6_at(&packet, 24) else {
            return;
        };
        let src_mac = ipv6_at(&packet, 8)
            .and_then(|s| self.answer_for6.get(&s).copied())
            .unwrap_or(self.mac);
        if dst.is_multicast() {
            let o = dst.octets();
            out.push(ethernet(
                [0x33, 0x33, o[12], o[13], o[14], o[15]],
                src_mac,
                ETHERTYPE_IPV6,
                &packet,
            ));
            return;
        }
        if let Some(m) = self.nd.get(&dst) {
            out.push(ethernet(*m, src_mac, ETHERTYPE_IPV6, &packet));
            return;
        }
        let fresh = !self.pending6.contains_key(&dst);
        let p = self.pending6.entry(dst).or_insert(Pending {
            packets: vec![],
            next_request: now,
            tries: 0,
        });
        if p.packets.len() < ARP_QUEUE {
            p.packets.push(packet);
        }
        if fresh {
            p.tries = 1;
            p.next_request = now + ARP_RETRANS;
            out.push(self.ns_frame(dst));
        }
    }

    fn receive_arp(&mut self, now: Instant, arp: Arp, out: &mut Vec<Vec<u8>>) {
        if arp.spa.is_unspecified() {
            return;
        }
        // Linux updates an existing neighbour entry from any ARP sent by that address, including gratuitous
        // ARP; it creates an entry only when the ARP is aimed at one of its addresses.
        let target_is_us = self.holds(arp.tpa);
        if self.arp.contains_key(&arp.spa) || (target_is_us && arp.spa != arp.tpa) {
            // A gratuitous ARP updates the address but confirms nothing about reachability (Linux: STALE);
            // an ARP aimed at us does.
            let confirmed = if target_is_us {
                now
            } else {
                self.arp.get(&arp.spa).map_or(Instant::ZERO, |e| {
                    if e.mac == arp.sha {
                        e.confirmed
                    } else {
                        Instant::ZERO
                    }
                })
            };
            self.arp.insert(
                arp.spa,
                ArpEntry {
                    mac: arp.sha,
                    confirmed,
                    probe: None,
                },
            );
            self.flush_pending(arp.spa, out);
        }
        if arp.op == 1 && target_is_us && arp.spa != arp.tpa {
            let mac = if arp.tpa == self.ip {
                self.mac
            } else {
                self.answer_for.get(&arp.tpa).copied().unwrap_or(self.mac)
            };
            let reply = Arp {
                op: 2,
                sha: mac,
                spa: arp.tpa,
                tha: arp.sha,
                tpa: arp.spa,
            };
            out.push(reply.frame(arp.sha, mac));
        }
    }

    fn flush_pending(&mut self, ip: Ipv4Addr, out: &mut Vec<Vec<u8>>) {
        if let Some(p) = self.pending.remove(&ip) {
            for packet in p.packets {
                self.emit_ip(ip, packet, out);
            }
        }
    }

    fn src_mac_for(&self, packet: &[u8]) -> Mac {
        ipv4_src(packet)
            .and_then(|s| self.answer_for.get(&s).copied())
            .unwrap_or(self.mac)
    }

    fn emit_ip(&mut self, next_hop: Ipv4Addr, packet: Vec<u8>, out: &mut Vec<Vec<u8>>) {
        let src = self.src_mac_for(&packet);
        if let Some(e) = self.arp.get(&next_hop) {
            out.push(ethernet(e.mac, src, ETHERTYPE_IPV4, &packet));
        }
    }

    /// Linux NUD on use: a stale entry is still used, and if nothing confirms it within
    /// `DELAY_FIRST_PROBE` it is probed by unicast and finally dropped.
    fn touch(&mut self, now: Instant, next_hop: Ipv4Addr) {
        if let Some(e) = self.arp.get_mut(&next_hop) {
            if e.probe.is_none() && now.saturating_duration_since(e.confirmed) >= REACHABLE {
                e.probe = Some((now + DELAY_FIRST_PROBE, 0));
            }
        }
    }

    fn on_link(&self, dst: Ipv4Addr) -> bool {
        let mask = if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix.min(32)))
        };
        u32::from(dst) & mask == u32::from(self.ip) & mask
    }

    fn send_arp_request(&self, target: Ipv4Addr, out: &mut Vec<Vec<u8>>) {
        let req = Arp {
            op: 1,
            sha: self.mac,
            spa: self.ip,
            tha: [0; 6],
            tpa: target,
        };
        out.push(req.frame(BROADCAST, self.mac));
    }

    /// Sends a raw IPv4 packet built outside smoltcp (a unicast VRRP advert) to on-link `next_hop`, resolving
    /// its MAC by ARP first when the cache has none, as the kernel would.
    pub fn send_ip(
        &mut self,
        now: Instant,
        next_hop: Ipv4Addr,
        packet: Vec<u8>,
        out: &mut Vec<Vec<u8>>,
    ) {
        if self.arp.contains_key(&next_hop) {
            self.touch(now, next_hop);
            self.emit_ip(next_hop, packet, out);
            return;
        }
        let fresh = !self.pending.contains_key(&next_hop);
        let p = self.pending.entry(next_hop).or_insert(Pending {
            packets: vec![],
            next_request: now,
            tries: 0,
        });
        if p.packets.len() < ARP_QUEUE {
            p.packets.push(packet);
        }
        if fresh {
            p.tries = 1;
            p.next_request = now + ARP_RETRANS;
            self.send_arp_request(next_hop, out);
        }
    }

    /// Runs smoltcp and the ARP timers at `now`, pushing frames to send onto `out`.
    pub fn poll(&mut self, now: Instant, out: &mut Vec<Vec<u8>>) {
        let _ = self
            .iface
            .poll(to_smoltcp(now), &mut self.dev, &mut self.sockets);
        while let Some(packet) = self.dev.tx.pop_front() {
            if packet.first().is_some_and(|b| b >> 4 == 6) {
                self.emit_ipv6(now, packet, out);
                continue;
            }
            let Some(dst) = ipv4_dst(&packet) else {
                continue;
            };
            if dst.is_broadcast() {
                let src = self.src_mac_for(&packet);
                out.push(ethernet(BROADCAST, src, ETHERTYPE_IPV4, &packet));
                continue;
            }
            let next_hop = if self.on_link(dst) {
                dst
            } else if let Some(gw) = self.gateway {
                gw
            } else {
                // No route: the kernel would answer ENETUNREACH; the packet never leaves.
                continue;
            };
            self.send_ip(now, next_hop, packet, out);
        }
        // Neighbour probes: unicast ARP to the cached MAC; without an answer the entry goes.
        let probing: Vec<Ipv4Addr> = self
            .arp
            .iter()
            .filter(|(_, e)| {
                e.probe.is_some_and(|(t, _)| t <= now)
                    && now.saturating_duration_since(e.confirmed) >= REACHABLE
            })
            .map(|(ip, _)| *ip)
            .collect();
        for ip in probing {
            let Some(e) = self.arp.get_mut(&ip) else {
                continue;
            };
            let (_, sent) = e.probe.unwrap_or((now, 0));
            if sent >= UCAST_PROBES {
                self.arp.remove(&ip);
                continue;
            }
            e.probe = Some((now + ARP_RETRANS, sent + 1));
            let mac = e.mac;
            let req = Arp {
                op: 1,
                sha: self.mac,
                spa: self.ip,
                tha: [0; 6],
                tpa: ip,
            };
            out.push(req.frame(mac, self.mac));
        }
        // An entry confirmed while its probe was pending needs no probe.
        for e in self.arp.values_mut() {
            if e.probe.is_some() && now.saturating_duration_since(e.confirmed) < REACHABLE {
                e.probe = None;
            }
        }
        // ARP retransmissions and give-ups.
        let due: Vec<Ipv4Addr> = self
            .pending
            .iter()
            .filter(|(_, p)| p.next_request <= now)
            .map(|(ip, _)| *ip)
            .collect();
        for ip in due {
            let give_up = self.pending.get(&ip).is_some_and(|p| p.tries >= ARP_TRIES);
            if give_up {
                self.pending.remove(&ip);
            } else if let Some(p) = self.pending.get_mut(&ip) {
                p.tries += 1;
                p.next_request = now + ARP_RETRANS;
                self.send_arp_request(ip, out);
            }
        }
        self.retransmit_ns(now, out);
    }

    fn retransmit_ns(&mut self, now: Instant, out: &mut Vec<Vec<u8>>) {
        let due: Vec<Ipv6Addr> = self
            .pending6
            .iter()
            .filter(|(_, p)| p.next_request <= now)
            .map(|(ip, _)| *ip)
            .collect();
        for ip in due {
            let give_up = self.pending6.get(&ip).is_some_and(|p| p.tries >= ARP_TRIES);
            if give_up {
                self.pending6.remove(&ip);
            } else if let Some(p) = self.pending6.get_mut(&ip) {
                p.tries += 1;
                p.next_request = now + ARP_RETRANS;
                out.push(self.ns_frame(ip));
            }
        }
    }

    /// When this stack next needs [`Stack::poll`], if ever.
    pub fn poll_at(&mut self, now: Instant) -> Option<Instant> {
        let s = self
            .iface
            .poll_at(to_smoltcp(now), &self.sockets)
            .map(from_smoltcp);
        let a = self
            .pending
            .values()
            .map(|p| p.next_request)
            .chain(self.arp.values().filter_map(|e| e.probe.map(|p| p.0)))
            .chain(self.pending6.values().map(|p| p.next_request))
            .min();
        match (s, a) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    }

    /// The NIC's global IPv6 address, if it has one.
    pub fn ip6(&self) -> Option<Ipv6Addr> {
        self.ip6.map(|(a, _)| a)
    }

    /// smoltcp's interface context, needed to open TCP connections.
    pub fn iface_context(&mut self) -> &mut smoltcp::iface::Context {
        self.iface.context()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: Mac = [2, 0, 0, 0, 0, 0x11];
    const NEW: Mac = [2, 0, 0, 0, 0, 0x12];
    const ME: Mac = [2, 0, 0, 0, 0, 0x50];
    const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);

    fn client() -> Stack {
        Stack::new(ME, Ipv4Addr::new(192, 0, 2, 50), 24, 1, Instant::ZERO)
    }

    #[test]
    fn linux_neigh_updates_existing_entry_from_gratuitous_arp() {
        let mut s = client();
        s.arp_insert(VIP, OLD);
        let mut out = vec![];
        s.receive(
            Instant::ZERO,
            &vrrp::frame::gratuitous_arp(NEW, VIP, None),
            &mut out,
        );
        assert_eq!(s.arp_lookup(VIP), Some(NEW));
        assert!(out.is_empty(), "a gratuitous ARP is not answered");
    }

    #[test]
    fn linux_neigh_does_not_create_entry_from_gratuitous_arp() {
        // arp_accept=0: an unknown sender learned from GARP would be a cache-poisoning vector.
        let mut s = client();
        let mut out = vec![];
        s.receive(
            Instant::ZERO,
            &vrrp::frame::gratuitous_arp(NEW, VIP, None),
            &mut out,
        );
        assert_eq!(s.arp_lookup(VIP), None);
    }

    #[test]
    fn master_answers_arp_for_vip_with_chosen_mac_and_receives_on_it() {
        let vmac = vrrp::frame::virtual_mac(vrrp::wire::Family::V4, 51);
        let mut r = Stack::new(OLD, Ipv4Addr::new(192, 0, 2, 11), 24, 1, Instant::ZERO);
        r.add_address(VIP, vmac);
        r.add_mac(vmac);
        let req = Arp {
            op: 1,
            sha: ME,
            spa: Ipv4Addr::new(192, 0, 2, 50),
            tha: [0; 6],
            tpa: VIP,
        };
        let mut out = vec![];
        r.receive(Instant::ZERO, &req.frame(BROADCAST, ME), &mut out);
        assert_eq!(out.len(), 1);
        let reply = Arp::parse(&out[0][14..]).unwrap();
        assert_eq!(
            (reply.op, reply.sha, reply.spa, reply.tpa),
            (2, vmac, VIP, Ipv4Addr::new(192, 0, 2, 50))
        );
        assert_eq!(&out[0][6..12], &vmac);
        assert!(r.accepts_mac(&vmac));
        r.remove_address(VIP);
        r.remove_mac(vmac);
        out.clear();
        r.receive(Instant::ZERO, &req.frame(BROADCAST, ME), &mut out);
        assert!(out.is_empty(), "a backup does not answer for the VIP");
        assert!(!r.accepts_mac(&vmac));
    }

    #[test]
    fn arp_ignore_loopback_vip_is_never_answered() {
        let mut rs = Stack::new(NEW, Ipv4Addr::new(192, 0, 2, 21), 24, 1, Instant::ZERO);
        rs.add_loopback(VIP);
        let req = Arp {
            op: 1,
            sha: ME,
            spa: Ipv4Addr::new(192, 0, 2, 50),
            tha: [0; 6],
            tpa: VIP,
        };
        let mut out = vec![];
        rs.receive(Instant::ZERO, &req.frame(BROADCAST, ME), &mut out);
        assert!(out.is_empty());
        assert!(!rs.holds(VIP));
    }

    #[test]
    fn unresolved_packets_wait_for_arp_and_retry_then_give_up() {
        let mut s = client();
        let mut out = vec![];
        let dst = Ipv4Addr::new(192, 0, 2, 11);
        s.send_ip(
            Instant::ZERO,
            dst,
            vec![
                0x45, 0, 0, 20, 0, 0, 0, 0, 64, 112, 0, 0, 192, 0, 2, 50, 192, 0, 2, 11,
            ],
            &mut out,
        );
        assert_eq!(out.len(), 1, "one ARP request");
        assert_eq!(s.poll_at(Instant::ZERO), Some(Instant::ZERO + ARP_RETRANS));
        out.clear();
        // The reply releases the queued packet.
        let reply = Arp {
            op: 2,
            sha: OLD,
            spa: dst,
            tha: ME,
            tpa: s.ip,
        };
        s.receive(Instant::ZERO, &reply.frame(ME, OLD), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(&out[0][0..6], &OLD);
        assert_eq!(&out[0][12..14], &[0x08, 0x00]);
        // Nobody answers for .99: three requests, one second apart, then the packet is dropped.
        out.clear();
        let gone = Ipv4Addr::new(192, 0, 2, 99);
        s.send_ip(Instant::ZERO, gone, vec![0x45; 20], &mut out);
        for k in 1..=3 {
            s.poll(Instant::ZERO + Duration::from_secs(k), &mut out);
        }
        assert_eq!(out.len(), 3);
        assert_eq!(s.poll_at(Instant::ZERO + Duration::from_secs(3)), None);
    }

    fn ipv4_tcp_syn(src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0];
        p.extend_from_slice(&src.octets());
        p.extend_from_slice(&dst.octets());
        p.extend_from_slice(&[
            0xc0, 0, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x10, 0, 0, 0, 0, 0,
        ]);
        // smoltcp checks both checksums.
        let sum = crate::lvs_sync::checksum;
        let ip = sum(&[&p[..20]]);
        p[10..12].copy_from_slice(&ip.to_be_bytes());
        let tcp = sum(&[&p[12..20], &[0, 6, 0, 20], &p[20..]]);
        p[36..38].copy_from_slice(&tcp.to_be_bytes());
        p
    }

    #[test]
    fn off_link_traffic_goes_to_the_default_gateway_even_outside_the_subnet() {
        let mut s = Stack::new(ME, Ipv4Addr::new(198, 51, 100, 51), 24, 1, Instant::ZERO);
        let mut out = vec![];
        s.dev.tx.push_back(ipv4_tcp_syn(
            Ipv4Addr::new(198, 51, 100, 51),
            Ipv4Addr::new(192, 0, 2, 100),
        ));
        s.poll(Instant::ZERO, &mut out);
        assert!(out.is_empty(), "no route without a gateway");
        s.set_gateway(Some(VIP));
        s.dev.tx.push_back(ipv4_tcp_syn(
            Ipv4Addr::new(198, 51, 100, 51),
            Ipv4Addr::new(192, 0, 2, 100),
        ));
        s.poll(Instant::ZERO, &mut out);
        let arp = Arp::parse(&out[0][14..]).expect("ARP for the gateway");
        assert_eq!((arp.op, arp.tpa), (1, VIP));
    }

    #[test]
    fn ipip_is_decapsulated_only_when_enabled_and_for_a_held_inner_address() {
        let rs = Ipv4Addr::new(192, 0, 2, 21);
        let client = Ipv4Addr::new(192, 0, 2, 51);
        let inner = ipv4_tcp_syn(client, VIP);
        let mut outer = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 4, 0, 0];
        outer[2..4].copy_from_slice(&((20 + inner.len()) as u16).to_be_bytes());
        outer.extend_from_slice(&Ipv4Addr::new(192, 0, 2, 11).octets());
        outer.extend_from_slice(&rs.octets());
        outer.extend_from_slice(&inner);
        let frame = ethernet(ME, OLD, ETHERTYPE_IPV4, &outer);
        for (ipip, loopback, delivered) in [
            (false, true, false),
            (true, false, false),
            (true, true, true),
        ] {
            let mut s = Stack::new(ME, rs, 24, 1, Instant::ZERO);
            s.set_ipip(ipip);
            if loopback {
                s.add_loopback(VIP);
            }
            // A delivered SYN to a closed port makes smoltcp answer RST from the VIP to the client, which first
            // needs the client's MAC: an ARP request for it is the sign that the inner packet arrived.
            let mut out = vec![];
            s.receive(Instant::ZERO, &frame, &mut out);
            let arp_for_client = out
                .iter()
                .filter_map(|f| Arp::parse(f.get(14..)?))
                .any(|a| a.op == 1 && a.tpa == client);
            assert_eq!(arp_for_client, delivered, "ipip {ipip} loopback {loopback}");
        }
    }
}
