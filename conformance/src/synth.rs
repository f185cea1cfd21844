//! Test support: writes small pcap/pcapng files and wraps VRRP messages into Ethernet/IP frames.
//!
//! This module owns the crafted captures under pcaps/bad/ (see `examples/make_bad_captures.rs`) and the
//! generated capture of the throughput bench. VRRP messages themselves come from `vrrp::wire`; this module
//! only frames them, and it may break the frame on purpose (wrong TTL, wrong MAC) because that is what
//! crafted captures are for. It is public so the simulator's tests can use it too; it never reads files.

use std::net::IpAddr;

/// Link-layer framing for [`frame`].
#[derive(Clone, Copy, Debug)]
pub struct L2 {
    /// Ethernet source.
    pub src: [u8; 6],
    /// Ethernet destination.
    pub dst: [u8; 6],
    /// 802.1Q VLAN ID, if tagged.
    pub vlan: Option<u16>,
}

/// IP framing for [`frame`].
#[derive(Clone, Copy, Debug)]
pub struct L3 {
    /// Source address (the family decides IPv4 vs IPv6).
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// TTL / Hop Limit.
    pub ttl: u8,
    /// IPv4 TOS / IPv6 traffic class.
    pub tos: u8,
    /// IP protocol / next header.
    pub proto: u8,
}

fn csum(data: &[u8]) -> u16 {
    let mut acc: u32 = 0;
    let mut it = data.chunks_exact(2);
    for c in &mut it {
        acc += u16::from_be_bytes([c[0], c[1]]) as u32;
    }
    if let [b] = it.remainder() {
        acc += (*b as u32) << 8;
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Wraps an IP payload into an IP packet (IPv4 with a correct header checksum, or IPv6).
pub fn ip_packet(l3: &L3, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(40 + payload.len());
    match (l3.src, l3.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = (20 + payload.len()) as u16;
            out.extend_from_slice(&[0x45, l3.tos]);
            out.extend_from_slice(&total.to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0, l3.ttl, l3.proto, 0, 0]);
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
            let c = csum(&out[..20]);
            out[10..12].copy_from_slice(&c.to_be_bytes());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            out.push(0x60 | (l3.tos >> 4));
            out.push(l3.tos << 4);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            out.push(l3.proto);
            out.push(l3.ttl);
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
        }
        // Mixed families cannot be framed; an empty packet makes the mistake visible in tests.
        _ => return Vec::new(),
    }
    out.extend_from_slice(payload);
    out
}

/// Wraps an IP payload into an Ethernet frame.
pub fn frame(l2: &L2, l3: &L3, payload: &[u8]) -> Vec<u8> {
    let ip = ip_packet(l3, payload);
    let mut out = Vec::with_capacity(18 + ip.len());
    out.extend_from_slice(&l2.dst);
    out.extend_from_slice(&l2.src);
    if let Some(v) = l2.vlan {
        out.extend_from_slice(&[0x81, 0x00]);
        out.extend_from_slice(&(v & 0x0fff).to_be_bytes());
    }
    out.extend_from_slice(if l3.src.is_ipv4() { &[0x08, 0x00] } else { &[0x86, 0xdd] });
    out.extend_from_slice(&ip);
    out
}

/// A gratuitous ARP request (RFC 5227 style: sender = target protocol address) in an Ethernet frame.
pub fn garp(eth_src: [u8; 6], sha: [u8; 6], ip: std::net::Ipv4Addr) -> Vec<u8> {
    let mut out = Vec::with_capacity(42);
    out.extend_from_slice(&[0xff; 6]);
    out.extend_from_slice(&eth_src);
    out.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
    out.extend_from_slice(&sha);
    out.extend_from_slice(&ip.octets());
    out.extend_from_slice(&[0xff; 6]);
    out.extend_from_slice(&ip.octets());
    out
}

/// Timestamp precision of a classic pcap file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// Microseconds (magic a1b2c3d4).
    Micro,
    /// Nanoseconds (magic a1b23c4d).
    Nano,
}

/// Writes a classic little-endian pcap file in memory.
#[derive(Debug)]
pub struct PcapWriter {
    buf: Vec<u8>,
    precision: Precision,
}

impl PcapWriter {
    /// Starts a file with the given LINKTYPE_ value.
    pub fn new(link_type: u32, precision: Precision) -> Self {
        let mut buf = Vec::new();
        let magic: u32 = match precision {
            Precision::Micro => 0xa1b2c3d4,
            Precision::Nano => 0xa1b23c4d,
        };
        buf.extend_from_slice(&magic.to_le_bytes());
        buf.extend_from_slice(&2u16.to_le_bytes());
        buf.extend_from_slice(&4u16.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        buf.extend_from_slice(&65535u32.to_le_bytes());
        buf.extend_from_slice(&link_type.to_le_bytes());
        PcapWriter { buf, precision }
    }

    /// Appends a record at `ts_ns` nanoseconds since the epoch.
    pub fn record(&mut self, ts_ns: u64, data: &[u8]) {
        let sec = (ts_ns / 1_000_000_000) as u32;
        let frac = match self.precision {
            Precision::Micro => ((ts_ns % 1_000_000_000) / 1000) as u32,
            Precision::Nano => (ts_ns % 1_000_000_000) as u32,
        };
        self.buf.extend_from_slice(&sec.to_le_bytes());
        self.buf.extend_from_slice(&frac.to_le_bytes());
        self.buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(data);
    }

    /// The file bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Writes a little-endian pcapng file (one section, nanosecond `if_tsresol`) in memory.
#[derive(Debug)]
pub struct PcapNgWriter {
    buf: Vec<u8>,
}

impl PcapNgWriter {
    /// Starts a file with a section header block.
    pub fn new() -> Self {
        let mut buf = Vec::new();
        buf.extend_from_slice(&0x0A0D0D0Au32.to_le_bytes());
        buf.extend_from_slice(&28u32.to_le_bytes());
        buf.extend_from_slice(&0x1A2B3C4Du32.to_le_bytes());
        buf.extend_from_slice(&1u16.to_le_bytes());
        buf.extend_from_slice(&0u16.to_le_bytes());
        buf.extend_from_slice(&(-1i64).to_le_bytes());
        buf.extend_from_slice(&28u32.to_le_bytes());
        PcapNgWriter { buf }
    }

    /// Adds an interface (IDs count from 0 in call order) with `if_name` and `if_tsresol` = 9.
    pub fn interface(&mut self, link_type: u16, name: &str) {
        let mut opts = Vec::new();
        let name_b = name.as_bytes();
        opts.extend_from_slice(&2u16.to_le_bytes());
        opts.extend_from_slice(&(name_b.len() as u16).to_le_bytes());
        opts.extend_from_slice(name_b);
        while opts.len() % 4 != 0 {
            opts.push(0);
        }
        opts.extend_from_slice(&9u16.to_le_bytes());
        opts.extend_from_slice(&1u16.to_le_bytes());
        opts.extend_from_slice(&[9, 0, 0, 0]);
        opts.extend_from_slice(&[0, 0, 0, 0]);
        let len = (8 + 8 + opts.len() + 4) as u32;
        self.buf.extend_from_slice(&1u32.to_le_bytes());
        self.buf.extend_from_slice(&len.to_le_bytes());
        self.buf.extend_from_slice(&link_type.to_le_bytes());
        self.buf.extend_from_slice(&0u16.to_le_bytes());
        self.buf.extend_from_slice(&0u32.to_le_bytes());
        self.buf.extend_from_slice(&opts);
        self.buf.extend_from_slice(&len.to_le_bytes());
    }

    /// Adds an enhanced packet block.
    pub fn packet(&mut self, interface: u32, ts_ns: u64, data: &[u8]) {
        let padded = (data.len() + 3) & !3;
        let len = (8 + 20 + padded + 4) as u32;
        self.buf.extend_from_slice(&6u32.to_le_bytes());
        self.buf.extend_from_slice(&len.to_le_bytes());
        self.buf.extend_from_slice(&interface.to_le_bytes());
        self.buf.extend_from_slice(&((ts_ns >> 32) as u32).to_le_bytes());
        self.buf.extend_from_slice(&(ts_ns as u32).to_le_bytes());
        self.buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(data);
        self.buf.resize(self.buf.len() + padded - data.len(), 0);
        self.buf.extend_from_slice(&len.to_le_bytes());
    }

    /// The file bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

impl Default for PcapNgWriter {
    fn default() -> Self {
        Self::new()
    }
}
