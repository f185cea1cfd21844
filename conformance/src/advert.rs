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
    /// Length the header fields call for (RFC 3768 16 + 4n for v2, also applied to v2 over IPv6 as
    /// 16 + 16n; RFC 5798 8 + 4n / 8 + 16n for v3).
    pub(crate) expected_len: usize,
    /// keepalived's length for VRRPv2 over IPv6: no 8-byte authentication trailer, 8 + 16n (keepalived
    /// vrrp.c `vrrp_pkt_len`). `None` for every other combination.
    pub(crate) keepalived_v2_v6_len: Option<usize>,
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

/// Reads the advert in `frame`, without verifying the checksum (see [`checksums`]). Never panics.
pub(crate) fn parse<'a>(frame: &VrrpFrame<'a>) -> Result<Advert<'a>, Malformed> {
    wire_adapter::parse(frame)
}

/// Which checksum forms match, via `vrrp::wire`.
pub(crate) fn checksums(frame: &VrrpFrame<'_>, version: u8) -> ChecksumMatch {
    wire_adapter::checksums(frame, version)
}

mod wire_adapter {
    use super::*;
    use vrrp::wire::{ChecksumForm, Family, VrrpPacket};

    pub(super) fn parse<'a>(frame: &VrrpFrame<'a>) -> Result<Advert<'a>, Malformed> {
        let b = frame.payload;
        // The zero-copy view: no allocation per advert, and no accessor panics once checked.
        let pkt = VrrpPacket::new_checked(b).map_err(|_| Malformed::TooShort(b.len()))?;
        let family = if frame.ip.src.is_ipv6() {
            Family::V6
        } else {
            Family::V4
        };
        let addr_len = family.addr_len();
        let version = pkt.version();
        let count = pkt.count() as usize;
        let (auth_type, reserved, interval_raw, interval_ns, expected_len) = if version == 2 {
            let s = pkt.adver_int_secs();
            (
                pkt.auth_type(),
                0,
                s as u16,
                s as i64 * 1_000_000_000,
                16 + addr_len * count,
            )
        } else {
            let cs = pkt.max_adver_int_cs();
            (
                0,
                pkt.v3_reserved(),
                cs,
                cs as i64 * 10_000_000,
                8 + addr_len * count,
            )
        };
        // Only as many whole addresses as the message holds (a count/length mismatch is a finding).
        let start = vrrp::wire::field::ADDRESSES;
        let avail = b.len().saturating_sub(start) / addr_len;
        let addrs = b
            .get(start..start + avail.min(count) * addr_len)
            .unwrap_or(&[]);
        let auth_data = if version == 2 {
            b.get(8 + addr_len * count..16 + addr_len * count)
        } else {
            None
        };
        Ok(Advert {
            version,
            kind: pkt.msg_type(),
            vrid: pkt.vrid(),
            priority: pkt.priority(),
            count: pkt.count(),
            auth_type,
            reserved,
            interval_raw,
            interval_ns,
            addrs,
            addr_len,
            auth_data,
            expected_len,
            keepalived_v2_v6_len: (version == 2 && family == Family::V6)
                .then_some(8 + addr_len * count),
            actual_len: b.len(),
            checksum: ChecksumMatch::default(),
        })
    }

    pub(super) fn checksums(frame: &VrrpFrame<'_>, version: u8) -> ChecksumMatch {
        let Ok(pkt) = VrrpPacket::new_checked(frame.payload) else {
            return ChecksumMatch::default();
        };
        let (src, dst) = (frame.ip.src, frame.ip.dst);
        let pseudo = pkt.verify_checksum(src, dst, ChecksumForm::Rfc5798).is_ok();
        if version == 2 {
            // RFC 3768: over the message only. keepalived's VRRPv2 over IPv6 (outside RFC 3768) leaves the
            // checksum to the kernel (IPV6_CHECKSUM at offset 6 on its raw socket, vrrp_if.c), which adds
            // the IPv6 pseudo-header: vrrp::wire's `Rfc5798` form for v2 over IPv6 (for v2 over IPv4 both
            // forms sum the message alone).
            let plain = pkt.verify_checksum(src, dst, ChecksumForm::Rfc9568).is_ok();
            let pseudo = !plain && src.is_ipv6() && pseudo;
            ChecksumMatch { plain, pseudo }
        } else if src.is_ipv4() {
            // Both forms cannot match one message (short of a 1-in-65536 coincidence), so the second
            // computation is only needed when the first fails.
            let plain = !pseudo && pkt.verify_checksum(src, dst, ChecksumForm::Rfc9568).is_ok();
            ChecksumMatch { pseudo, plain }
        } else {
            // v3 over IPv6 (always a pseudo-header): the form does not matter.
            ChecksumMatch {
                pseudo,
                plain: pseudo,
            }
        }
    }
}
