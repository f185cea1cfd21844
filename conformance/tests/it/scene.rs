//! A small builder of crafted captures for the sequence tests: adverts, GARPs, NAs and MLD reports at
//! chosen times, written as a pcap with `conformance::synth::PcapWriter`. Frames come from `vrrp::frame`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use conformance::synth::{PcapWriter, Precision};
use conformance::{check_bytes, CheckOptions, Profile, Report};
use vrrp::frame::{gratuitous_arp, AdvertFrame, MacAddr};
use vrrp::wire::{Auth, ChecksumForm, Version, VrrpRepr};

pub(crate) const T0: u64 = 1_700_000_000_000_000_000;
pub(crate) const MS: u64 = 1_000_000;
pub(crate) const SEC: u64 = 1_000_000_000;

pub(crate) fn v4(d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, d))
}

pub(crate) fn ll(x: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, x))
}

/// A router of the scene: source address, MAC, priority, advertised addresses.
#[derive(Clone)]
pub(crate) struct Rtr {
    pub(crate) ip: IpAddr,
    pub(crate) mac: MacAddr,
    pub(crate) prio: u8,
    pub(crate) version: Version,
    pub(crate) vrid: u8,
    pub(crate) int_cs: u16,
    pub(crate) addrs: Vec<IpAddr>,
}

impl Rtr {
    pub(crate) fn frame(&self, prio: u8) -> Vec<u8> {
        let mut f = AdvertFrame::multicast(self.mac, self.ip);
        f.ipv4_tos = 0;
        f.checksum_form = ChecksumForm::Rfc5798;
        let r = VrrpRepr {
            version: self.version,
            vrid: self.vrid,
            priority: prio,
            max_adver_int_cs: self.int_cs,
            v3_reserved: 0,
            auth: Auth::None,
            addresses: self.addrs.clone(),
        };
        f.build(&r).unwrap_or_default()
    }
}

/// Frames at nanosecond offsets from T0, sorted on write.
#[derive(Default)]
pub(crate) struct Scene {
    frames: Vec<(u64, Vec<u8>)>,
}

impl Scene {
    pub(crate) fn at(&mut self, t_ns: u64, frame: Vec<u8>) -> &mut Self {
        self.frames.push((t_ns, frame));
        self
    }

    /// Adverts of `r` every interval from `from` (inclusive) while `< to`.
    pub(crate) fn adverts(&mut self, r: &Rtr, from: u64, to: u64) -> &mut Self {
        let step = r.int_cs as u64 * 10 * MS;
        let mut t = from;
        while t < to {
            self.at(t, r.frame(r.prio));
            t += step;
        }
        self
    }

    pub(crate) fn garp(&mut self, t: u64, mac: MacAddr, vip: IpAddr) -> &mut Self {
        if let IpAddr::V4(v) = vip {
            self.at(t, gratuitous_arp(mac, v, None));
        }
        self
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        let mut fr: Vec<&(u64, Vec<u8>)> = self.frames.iter().collect();
        fr.sort_by_key(|(t, _)| *t);
        let mut w = PcapWriter::new(1, Precision::Nano);
        for (t, b) in fr {
            w.record(T0 + t, b);
        }
        w.into_bytes()
    }

    pub(crate) fn check(&self, opts: &CheckOptions) -> Report {
        match check_bytes("scene", &self.bytes(), opts) {
            Ok(r) => r,
            Err(e) => panic!("scene: {e}"),
        }
    }

    pub(crate) fn check_profile(&self, profile: Profile) -> Report {
        self.check(&CheckOptions {
            profile,
            ..CheckOptions::default()
        })
    }
}

/// Severity of `rule`'s findings whose message contains `needle`.
pub(crate) fn severities(r: &Report, rule: &str, needle: &str) -> Vec<conformance::Severity> {
    r.findings
        .iter()
        .filter(|f| f.rule == rule && f.message.contains(needle))
        .map(|f| f.severity)
        .collect()
}

/// An MLDv2 report (RFC 3810 §5.2) from `mac`/`src` to ff02::16 behind a Hop-by-Hop router alert,
/// with one record of `rtype` (4 = CHANGE_TO_EXCLUDE, a join; 3 = CHANGE_TO_INCLUDE, a leave) per group.
pub(crate) fn mld_report(mac: MacAddr, src: Ipv6Addr, rtype: u8, groups: &[Ipv6Addr]) -> Vec<u8> {
    let mut icmp = vec![143, 0, 0, 0, 0, 0];
    icmp.extend_from_slice(&(groups.len() as u16).to_be_bytes());
    for g in groups {
        icmp.extend_from_slice(&[rtype, 0, 0, 0]);
        icmp.extend_from_slice(&g.octets());
    }
    let hbh = [58u8, 0, 5, 2, 0, 0, 1, 0];
    let mut f = vec![0x33, 0x33, 0, 0, 0, 0x16];
    f.extend_from_slice(&mac);
    f.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
    f.extend_from_slice(&((hbh.len() + icmp.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 1]);
    f.extend_from_slice(&src.octets());
    f.extend_from_slice(&Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x16).octets());
    f.extend_from_slice(&hbh);
    f.extend_from_slice(&icmp);
    f
}

/// The solicited-node group of `a` (RFC 4291 §2.7.1).
pub(crate) fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
    let o = a.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | o[13] as u16,
        u16::from_be_bytes([o[14], o[15]]),
    )
}
