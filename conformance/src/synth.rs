//! Test support: writes small pcap/pcapng files and wraps VRRP messages into Ethernet/IP frames.
//!
//! This module owns the crafted captures under pcaps/bad/ and pcaps/synthetic/ (written by
//! `cargo run -p conformance --example make_captures`) and the generated capture of the throughput bench.
//! Frames come from `vrrp::frame` / `vrrp::wire`; this module breaks them on purpose (wrong TTL, bad
//! checksum, ...) because that is what crafted captures are for. It never reads or writes files.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vrrp::frame::{gratuitous_arp, virtual_mac, AdvertFrame, MacAddr};
use vrrp::wire::{Auth, ChecksumForm, Family, Version, VrrpPacket, VrrpRepr};

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
        self.buf
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
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
        self.buf
            .extend_from_slice(&((ts_ns >> 32) as u32).to_le_bytes());
        self.buf.extend_from_slice(&(ts_ns as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
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

const T0_NS: u64 = 1_700_000_000_000_000_000;
const SEC: u64 = 1_000_000_000;

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

/// A v2 or v3 advert frame from the virtual MAC of `vrid`, multicast, RFC defaults.
fn advert(
    version: Version,
    vrid: u8,
    prio: u8,
    src: IpAddr,
    addrs: &[IpAddr],
    int_cs: u16,
    form: ChecksumForm,
) -> (AdvertFrame, VrrpRepr) {
    let fam = Family::of(&src);
    let mut f = AdvertFrame::multicast(virtual_mac(fam, vrid), src);
    f.ipv4_tos = 0;
    f.checksum_form = form;
    let repr = VrrpRepr {
        version,
        vrid,
        priority: prio,
        max_adver_int_cs: int_cs,
        v3_reserved: 0,
        auth: Auth::None,
        addresses: addrs.to_vec(),
    };
    (f, repr)
}

fn build(f: &AdvertFrame, r: &VrrpRepr) -> Vec<u8> {
    f.build(r).unwrap_or_default()
}

/// Offset of the VRRP message in an untagged Ethernet/IPv4 frame without options.
const V4_VRRP_OFF: usize = 14 + 20;

fn ipv4_header_checksum(h: &mut [u8]) {
    if h.len() < 20 {
        return;
    }
    h[10] = 0;
    h[11] = 0;
    let mut acc: u32 = 0;
    for c in h[..20].chunks_exact(2) {
        acc += u16::from_be_bytes([c[0], c[1]]) as u32;
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    let c = !(acc as u16);
    h[10..12].copy_from_slice(&c.to_be_bytes());
}

/// Re-writes the VRRP checksum of an Ethernet/IPv4 advert after its bytes were changed on purpose.
fn refill_v4(frame: &mut [u8], form: ChecksumForm) {
    let (src, dst) = match (frame.get(26..30), frame.get(30..34)) {
        (Some(s), Some(d)) => (v4(s[0], s[1], s[2], s[3]), v4(d[0], d[1], d[2], d[3])),
        _ => return,
    };
    if let Some(msg) = frame.get_mut(V4_VRRP_OFF..) {
        if let Ok(mut p) = VrrpPacket::new_checked(msg) {
            p.fill_checksum(src, dst, form);
        }
    }
}

/// One crafted capture: file name under `pcaps/`, bytes, and the rule it must raise (with the profile it
/// is checked under for that).
#[derive(Debug, Clone)]
pub struct Crafted {
    /// Path relative to `pcaps/`.
    pub path: &'static str,
    /// File contents.
    pub bytes: Vec<u8>,
    /// Rule the file must raise, `None` for captures that must be clean.
    pub rule: Option<&'static str>,
    /// Profile name the expectation holds under.
    pub profile: &'static str,
    /// One line for pcaps/README.md.
    pub what: &'static str,
}

/// A master advertising every second for `n` seconds, with `edit` applied to advert `i`'s frame.
fn steady_v2(n: u64, prio: u8, edit: impl Fn(u64, &mut Vec<u8>)) -> Vec<u8> {
    let mut w = PcapWriter::new(1, Precision::Micro);
    let (f, r) = advert(
        Version::V2,
        10,
        prio,
        v4(192, 0, 2, 1),
        &[v4(192, 0, 2, 100)],
        100,
        ChecksumForm::Rfc5798,
    );
    for i in 0..n {
        let mut b = build(&f, &r);
        edit(i, &mut b);
        w.record(T0_NS + i * SEC, &b);
    }
    w.into_bytes()
}

/// Every crafted capture, deterministic byte for byte.
pub fn crafted() -> Vec<Crafted> {
    let mut out = Vec::new();
    out.push(Crafted {
        path: "bad/wrong-ttl.pcap",
        bytes: {
            let mut w = PcapWriter::new(1, Precision::Micro);
            let (mut f, r) = advert(
                Version::V2,
                10,
                100,
                v4(192, 0, 2, 1),
                &[v4(192, 0, 2, 100)],
                100,
                ChecksumForm::Rfc5798,
            );
            f.ttl = 64;
            for i in 0..5 {
                w.record(T0_NS + i * SEC, &build(&f, &r));
            }
            w.into_bytes()
        },
        rule: Some("V2-PKT-04"),
        profile: "auto",
        what: "VRRPv2 master whose adverts carry TTL 64 instead of 255",
    });
    out.push(Crafted {
        path: "bad/bad-checksum.pcap",
        bytes: steady_v2(5, 100, |i, b| {
            if i == 2 {
                if let Some(c) = b.get_mut(V4_VRRP_OFF + 7) {
                    *c ^= 0x5a;
                }
            }
        }),
        rule: Some("V2-PKT-15"),
        profile: "auto",
        what: "VRRPv2 master; the third advert's checksum is corrupted",
    });
    out.push(Crafted {
        path: "bad/v3-checksum-without-pseudo-header.pcap",
        bytes: {
            let mut w = PcapWriter::new(1, Precision::Nano);
            let (f, r) = advert(Version::V3, 20, 100, v4(192, 0, 2, 1), &[v4(192, 0, 2, 100)], 100, ChecksumForm::Rfc9568);
            for i in 0..5 {
                w.record(T0_NS + i * SEC, &build(&f, &r));
            }
            w.into_bytes()
        },
        rule: Some("V3-PKT-15"),
        profile: "rfc5798",
        what: "VRRPv3 IPv4 master computing the checksum without the pseudo-header (RFC 9568 form): an error under rfc5798, correct under rfc9568 and auto",
    });
    out.push(Crafted {
        path: "bad/count-length-mismatch.pcap",
        bytes: steady_v2(5, 100, |_, b| {
            // Count says 2 addresses; the message carries one (16 + 4 bytes).
            if let Some(c) = b.get_mut(V4_VRRP_OFF + 3) {
                *c = 2;
            }
            refill_v4(b, ChecksumForm::Rfc5798);
        }),
        rule: Some("V2-PKT-11"),
        profile: "auto",
        what: "VRRPv2 adverts with Count 2 but one address (message 20 bytes, 24 needed)",
    });
    out.push(Crafted {
        path: "bad/vrid-0.pcap",
        bytes: {
            let mut w = PcapWriter::new(1, Precision::Micro);
            let (f, r) = advert(
                Version::V2,
                0,
                100,
                v4(192, 0, 2, 1),
                &[v4(192, 0, 2, 100)],
                100,
                ChecksumForm::Rfc5798,
            );
            for i in 0..5 {
                w.record(T0_NS + i * SEC, &build(&f, &r));
            }
            w.into_bytes()
        },
        rule: Some("V2-PKT-09"),
        profile: "auto",
        what: "VRRPv2 adverts with VRID 0",
    });
    out.push(Crafted {
        path: "bad/advert-interval-0.pcap",
        bytes: {
            let mut w = PcapWriter::new(1, Precision::Micro);
            let (f, r) = advert(
                Version::V3,
                30,
                100,
                v4(192, 0, 2, 1),
                &[v4(192, 0, 2, 100)],
                0,
                ChecksumForm::Rfc5798,
            );
            for i in 0..5 {
                w.record(T0_NS + i * SEC, &build(&f, &r));
            }
            w.into_bytes()
        },
        rule: Some("V3-PKT-14"),
        profile: "auto",
        what: "VRRPv3 adverts with Max Adver Int 0 (sent every second)",
    });
    out.push(Crafted {
        path: "bad/priority-255-non-owner.pcap",
        bytes: steady_v2(5, 255, |_, _| {}),
        rule: Some("V2-PKT-10"),
        profile: "auto",
        what: "VRRPv2 adverts with priority 255 from 192.0.2.1 for virtual address 192.0.2.100 (not an address it owns)",
    });
    out.push(Crafted {
        path: "bad/two-masters.pcap",
        bytes: {
            let mut w = PcapWriter::new(1, Precision::Micro);
            let (fa, ra) = advert(Version::V2, 10, 100, v4(192, 0, 2, 1), &[v4(192, 0, 2, 100)], 100, ChecksumForm::Rfc5798);
            let (fb, rb) = advert(Version::V2, 10, 90, v4(192, 0, 2, 2), &[v4(192, 0, 2, 100)], 100, ChecksumForm::Rfc5798);
            for i in 0..6 {
                w.record(T0_NS + i * SEC, &build(&fa, &ra));
                w.record(T0_NS + i * SEC + SEC / 2, &build(&fb, &rb));
            }
            w.into_bytes()
        },
        rule: Some("V2-SEQ-14"),
        profile: "auto",
        what: "two VRRPv2 sources (priorities 100 and 90) advertising VRID 10 every second, half a second apart",
    });
    out.push(Crafted {
        path: "bad/truncated-final-record.pcap",
        bytes: {
            let mut b = steady_v2(4, 100, |_, _| {});
            b.truncate(b.len() - 10);
            b
        },
        rule: Some("CAP-01"),
        profile: "auto",
        what: "four VRRPv2 adverts; the file ends 10 bytes before the end of the fourth record",
    });
    out.extend(synthetic());
    out
}

/// Clean captures that exercise the readers and link types.
fn synthetic() -> Vec<Crafted> {
    let mut out = Vec::new();
    // VRRPv3 IPv6 in pcapng with a VLAN tag and a takeover: master A resigns, B takes over with an NA.
    let ll = |x: u16| IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, x));
    let vip6 = [
        ll(0x100),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100)),
    ];
    let mut ng = PcapNgWriter::new();
    ng.interface(1, "br0");
    let (mut fa, mut ra) = advert(
        Version::V3,
        40,
        200,
        ll(1),
        &vip6,
        100,
        ChecksumForm::Rfc5798,
    );
    let (mut fb, rb) = advert(
        Version::V3,
        40,
        100,
        ll(2),
        &vip6,
        100,
        ChecksumForm::Rfc5798,
    );
    fa.vlan = Some(100);
    fb.vlan = Some(100);
    for i in 0..4 {
        ng.packet(0, T0_NS + i * SEC, &build(&fa, &ra));
    }
    ra.priority = 0;
    let t_stop = T0_NS + 3 * SEC + 400_000_000;
    ng.packet(0, t_stop, &build(&fa, &ra));
    // Skew_Time for priority 100 at 100 cs: (256 - 100) * 100 / 256 cs = 609.375 ms.
    let t_b = t_stop + 609_375_000;
    ng.packet(0, t_b, &build(&fb, &rb));
    let vm = virtual_mac(Family::V6, 40);
    for (k, v) in vip6.iter().enumerate() {
        if let IpAddr::V6(v) = v {
            let mut na = vrrp::frame::unsolicited_na(
                vm,
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2),
                *v,
                Some(100),
            );
            na.truncate(na.len());
            ng.packet(0, t_b + 100_000 * (k as u64 + 1), &na);
        }
    }
    for i in 1..4 {
        ng.packet(0, t_b + i * SEC, &build(&fb, &rb));
    }
    out.push(Crafted {
        path: "synthetic/v3-ipv6-vlan-graceful-handover.pcapng",
        bytes: ng.into_bytes(),
        rule: None,
        profile: "auto",
        what: "pcapng, 802.1Q VLAN 100, VRRPv3 IPv6 VRID 40: master fe80::1 resigns (priority 0), fe80::2 takes over after Skew_Time with an unsolicited NA per address",
    });

    // Linux cooked v2 (SLL2, tcpdump -i any): VRRPv3 IPv4 with a gratuitous ARP at startup.
    let mut w = PcapWriter::new(276, Precision::Micro);
    let (f, r) = advert(
        Version::V3,
        50,
        150,
        v4(198, 51, 100, 2),
        &[v4(198, 51, 100, 50)],
        50,
        ChecksumForm::Rfc5798,
    );
    let sll2 = |proto: u16, mac: MacAddr, payload: &[u8]| {
        let mut b = Vec::with_capacity(20 + payload.len());
        b.extend_from_slice(&proto.to_be_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&3u32.to_be_bytes());
        b.extend_from_slice(&1u16.to_be_bytes());
        b.push(4); // outgoing
        b.push(6);
        b.extend_from_slice(&mac);
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(payload);
        b
    };
    let vm4 = virtual_mac(Family::V4, 50);
    for i in 0..8u64 {
        let fr = build(&f, &r);
        w.record(
            T0_NS + 2 * SEC + i * SEC / 2,
            &sll2(0x0800, vm4, fr.get(14..).unwrap_or(&[])),
        );
        if i == 0 {
            let g = gratuitous_arp(vm4, Ipv4Addr::new(198, 51, 100, 50), None);
            w.record(
                T0_NS + 2 * SEC + 1000,
                &sll2(0x0806, vm4, g.get(14..).unwrap_or(&[])),
            );
        }
    }
    out.push(Crafted {
        path: "synthetic/sll2-v3-ipv4-subsecond.pcap",
        bytes: w.into_bytes(),
        rule: None,
        profile: "auto",
        what: "Linux cooked SLL2 (tcpdump -i any), VRRPv3 IPv4 VRID 50, 500 ms adverts, gratuitous ARP at takeover",
    });

    // Raw IPv4 with VRRPv2 inside IP AH (keepalived auth_type AH).
    let mut w = PcapWriter::new(101, Precision::Micro);
    let (f, mut r) = advert(
        Version::V2,
        60,
        100,
        v4(192, 0, 2, 1),
        &[v4(192, 0, 2, 100)],
        100,
        ChecksumForm::Rfc5798,
    );
    r.auth = Auth::IpAh;
    for i in 0..4u64 {
        let fr = build(&f, &r);
        let ip = fr.get(14..).unwrap_or(&[]);
        if ip.len() < 20 {
            continue;
        }
        let vrrp_msg = &ip[20..];
        // AH (RFC 4302): next header 112, payload length (in 32-bit words minus 2) = 4 for a 96-bit ICV.
        let mut ah = vec![112, 4, 0, 0];
        ah.extend_from_slice(&0x0000_1000u32.to_be_bytes());
        ah.extend_from_slice(&((i + 1) as u32).to_be_bytes());
        ah.extend_from_slice(&[0xab; 12]);
        let mut pkt = ip[..20].to_vec();
        pkt[9] = 51;
        let total = (20 + ah.len() + vrrp_msg.len()) as u16;
        pkt[2..4].copy_from_slice(&total.to_be_bytes());
        ipv4_header_checksum(&mut pkt);
        pkt.extend_from_slice(&ah);
        pkt.extend_from_slice(vrrp_msg);
        w.record(T0_NS + i * SEC, &pkt);
    }
    out.push(Crafted {
        path: "synthetic/raw-ip-v2-in-ah.pcap",
        bytes: w.into_bytes(),
        rule: Some("V2-PKT-01"),
        profile: "auto",
        what: "raw IPv4 link type, VRRPv2 carried inside an IP Authentication Header (RFC 2338 auth type 2): a warning",
    });
    out
}

/// A capture of `n` clean VRRPv3 IPv4 adverts for the throughput bench: `vrids` virtual routers (1..=255)
/// on one segment, VRID v mastered by router 192.0.2.(1 + v mod 3) from its virtual MAC, each advertising
/// every 10 ms, interleaved round-robin (like three keepalived routers sharing many instances).
pub fn bench_capture_vrids(n: u64, vrids: u8) -> Vec<u8> {
    let vrids = vrids.max(1);
    let frames: Vec<Vec<u8>> = (1..=vrids)
        .map(|v| {
            let (f, r) = advert(
                Version::V3,
                v,
                100,
                v4(192, 0, 2, 1 + v % 3),
                &[v4(198, 51, 100, v)],
                1,
                ChecksumForm::Rfc5798,
            );
            build(&f, &r)
        })
        .collect();
    let step = 10_000_000 / vrids as u64;
    let mut w = PcapWriter::new(1, Precision::Nano);
    w.buf.reserve((n as usize) * (16 + frames[0].len()));
    for i in 0..n {
        w.record(T0_NS + i * step, &frames[(i % vrids as u64) as usize]);
    }
    w.into_bytes()
}

/// A capture of `n` clean VRRPv3 IPv4 adverts (one master, 10 ms interval) for the throughput bench.
pub fn bench_capture(n: u64) -> Vec<u8> {
    let (f, r) = advert(
        Version::V3,
        7,
        100,
        v4(192, 0, 2, 1),
        &[v4(192, 0, 2, 100)],
        1,
        ChecksumForm::Rfc5798,
    );
    let frame = build(&f, &r);
    let mut w = PcapWriter::new(1, Precision::Nano);
    w.buf.reserve((n as usize) * (16 + frame.len()));
    for i in 0..n {
        w.record(T0_NS + i * 10_000_000, &frame);
    }
    w.into_bytes()
}
