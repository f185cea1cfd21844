//! The checker's view of one VRRP advertisement, filled from `vrrp::wire`.
//!
//! This module owns the adapter between the wire codec and the rules: field values, the address list as
//! raw bytes (no allocation per packet), the length arithmetic and which checksum forms verify. It never
//! parses VRRP bytes itself beyond what `vrrp::wire` offers.

use std::net::IpAddr;

use crate::decode::VrrpFrame;

/// Which checksum computations match the checksum field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChecksumMatch {
    /// Over the VRRP message only (RFC 3768 for v2; RFC 9568 §5.2.8 for v3 over IPv4).
    pub(crate) plain: bool,
    /// With the IP pseudo-header (RFC 5798 §5.2.8 literal reading for IPv4; the only form for IPv6).
    pub(crate) pseudo: bool,
}

/// One decoded advert.
#[derive(Debug)]
pub(crate) struct Advert<'a> {
    pub(crate) version: u8,
    pub(crate) kind: u8,
    pub(crate) vrid: u8,
    pub(crate) priority: u8,
    pub(crate) count: u8,
    /// v2 Auth Type (0 for v3).
    pub(crate) auth_type: u8,
    /// v3 reserved nibble (0 for v2).
    pub(crate) reserved: u8,
    /// Adver Int (v2, seconds) or Max Adver Int (v3, centiseconds), as on the wire.
    pub(crate) interval_raw: u16,
    /// The advertised interval in nanoseconds.
    pub(crate) interval_ns: i64,
    /// Addresses as raw bytes, `addr_len` each, only as many as the message holds.
    pub(crate) addrs: &'a [u8],
    pub(crate) addr_len: usize,
    /// v2 Authentication Data, when present.
    pub(crate) auth_data: Option<&'a [u8]>,
    /// Length the header fields call for.
    pub(crate) expected_len: usize,
    /// Length of the message as carried by IP.
    pub(crate) actual_len: usize,
    pub(crate) checksum: ChecksumMatch,
}

impl Advert<'_> {
    /// Iterates over the addresses.
    pub(crate) fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.addrs.chunks_exact(self.addr_len).map(|c| {
            if c.len() == 4 {
                IpAddr::from([c[0], c[1], c[2], c[3]])
            } else {
                let mut a = [0u8; 16];
                a.copy_from_slice(c);
                IpAddr::from(a)
            }
        })
    }
}

/// Why a VRRP payload could not be read as an advert at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// Fewer than the 8 fixed header bytes.
    TooShort(usize),
}

/// Reads the advert in `frame`. Never panics.
pub(crate) fn parse<'a>(frame: &VrrpFrame<'a>) -> Result<Advert<'a>, Malformed> {
    wire_adapter::parse(frame)
}

mod wire_adapter {
    use super::*;

    pub(super) fn parse<'a>(frame: &VrrpFrame<'a>) -> Result<Advert<'a>, Malformed> {
        let b = frame.payload;
        if b.len() < 8 {
            return Err(Malformed::TooShort(b.len()));
        }
        let version = b[0] >> 4;
        let kind = b[0] & 0x0f;
        let vrid = b[1];
        let priority = b[2];
        let count = b[3];
        let v6 = frame.ip.src.is_ipv6();
        let addr_len = if v6 { 16 } else { 4 };
        let (auth_type, reserved, interval_raw, interval_ns, expected_len) = if version == 2 {
            (b[4], 0, b[5] as u16, b[5] as i64 * 1_000_000_000, 16 + addr_len * count as usize)
        } else {
            let raw = u16::from_be_bytes([b[4], b[5]]) & 0x0fff;
            (0, b[4] >> 4, raw, raw as i64 * 10_000_000, 8 + addr_len * count as usize)
        };
        let avail = b.len().saturating_sub(8) / addr_len;
        let n = (count as usize).min(avail);
        let addrs = &b[8..8 + n * addr_len];
        let auth_data = if version == 2 {
            b.get(8 + addr_len * count as usize..16 + addr_len * count as usize)
        } else {
            None
        };
        Ok(Advert {
            version,
            kind,
            vrid,
            priority,
            count,
            auth_type,
            reserved,
            interval_raw,
            interval_ns,
            addrs,
            addr_len,
            auth_data,
            expected_len,
            actual_len: b.len(),
            checksum: checksums(frame),
        })
    }

    fn sum(mut acc: u32, data: &[u8]) -> u32 {
        let mut chunks = data.chunks_exact(2);
        for c in &mut chunks {
            acc += u16::from_be_bytes([c[0], c[1]]) as u32;
        }
        if let [last] = chunks.remainder() {
            acc += (*last as u32) << 8;
        }
        acc
    }

    fn fold(mut acc: u32) -> u16 {
        while acc > 0xffff {
            acc = (acc & 0xffff) + (acc >> 16);
        }
        acc as u16
    }

    fn checksums(frame: &VrrpFrame<'_>) -> ChecksumMatch {
        let b = frame.payload;
        let plain = fold(sum(0, b)) == 0xffff;
        let mut ps = 0u32;
        match (frame.ip.src, frame.ip.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                ps = sum(ps, &s.octets());
                ps = sum(ps, &d.octets());
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                ps = sum(ps, &s.octets());
                ps = sum(ps, &d.octets());
            }
            _ => {}
        }
        ps += 112 + b.len() as u32;
        let pseudo = fold(sum(ps, b)) == 0xffff;
        ChecksumMatch { plain, pseudo }
    }
}
