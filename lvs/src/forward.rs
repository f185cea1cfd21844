//! The three IPVS forwarding methods as pure transformations of Ethernet frames (`ip_vs_xmit.c`):
//!
//! - [`dr`] (direct routing, `ip_vs_dr_xmit`): the IP packet is untouched; the frame is re-addressed
//!   to the real server's MAC. The real server must own the VIP (on loopback, not answering ARP for it).
//! - [`nat_in`] / [`nat_out`] (masquerading, `ip_vs_nat_xmit` and `ip_vs_out`): the destination
//!   address and port are rewritten towards the real server, and the source back to the VIP on replies.
//!   The IPv4 header checksum is recomputed; TCP/UDP checksums are updated incrementally (RFC 1624) the
//!   way the kernel's `inet_proto_csum_replace*` does, so a corrupt checksum stays corrupt. An IPv4 UDP
//!   checksum of zero (none) stays zero.
//! - [`tun`] (`ip_vs_tunnel_xmit`): the IP packet is encapsulated in an outer IPv4 header (protocol 4,
//!   or 41 for an inner IPv6 packet) or IPv6 header, with the inner TOS/traffic class and TTL/hop limit
//!   copied and DF inherited; the outer IPv4 ID is 0 when DF is set.
//!
//! TTLs are not decremented: IPVS forwards from the LOCAL_IN hook, not through `ip_forward`. Frames may
//! carry one 802.1Q tag, which is kept. Every function returns a new frame and never panics on bad input.

use std::net::{IpAddr, SocketAddr};

use crate::ipvs::{PacketInfo, TcpFlags};
use crate::service::Protocol;

/// A MAC address.
pub type Mac = [u8; 6];

/// Why a frame could not be transformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ForwardError {
    /// The frame is too short or its headers are inconsistent.
    #[error("malformed frame: {0}")]
    Malformed(&'static str),
    /// Not IPv4 or IPv6 over Ethernet.
    #[error("not an IP frame (ethertype {0:#06x})")]
    NotIp(u16),
    /// NAT needs the transport header, which a non-first fragment lacks.
    #[error("cannot NAT a fragment")]
    Fragment,
    /// Transport protocol without ports (or behind IPv6 extension headers) for NAT, or a family mismatch.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
}

const ETH_IPV4: u16 = 0x0800;
const ETH_IPV6: u16 = 0x86dd;
const ETH_VLAN: u16 = 0x8100;

struct Layout {
    /// Offset of the IP header.
    ip: usize,
    ipv6: bool,
    /// Offset of the transport header, if the packet is a first (or only) fragment.
    l4: Option<usize>,
    proto: u8,
    /// End of the IP packet (frames may be padded to 60 bytes).
    end: usize,
}

fn be16(b: &[u8], at: usize) -> Result<u16, ForwardError> {
    match b.get(at..at + 2) {
        Some(s) => Ok(u16::from_be_bytes([s[0], s[1]])),
        None => Err(ForwardError::Malformed("truncated")),
    }
}

fn layout(frame: &[u8]) -> Result<Layout, ForwardError> {
    let mut ethertype = be16(frame, 12)?;
    let mut ip = 14;
    if ethertype == ETH_VLAN {
        ethertype = be16(frame, 16)?;
        ip = 18;
    }
    let pkt = frame
        .get(ip..)
        .ok_or(ForwardError::Malformed("truncated"))?;
    match ethertype {
        ETH_IPV4 => {
            let h = etherparse::Ipv4HeaderSlice::from_slice(pkt)
                .map_err(|_| ForwardError::Malformed("bad IPv4 header"))?;
            let hl = usize::from(h.ihl()) * 4;
            let total = usize::from(h.total_len());
            if total < hl || total > pkt.len() {
                return Err(ForwardError::Malformed("IPv4 total length"));
            }
            let first = h.fragments_offset().value() == 0;
            Ok(Layout {
                ip,
                ipv6: false,
                l4: first.then_some(ip + hl),
                proto: h.protocol().0,
                end: ip + total,
            })
        }
        ETH_IPV6 => {
            let h = etherparse::Ipv6HeaderSlice::from_slice(pkt)
                .map_err(|_| ForwardError::Malformed("bad IPv6 header"))?;
            let total = 40 + usize::from(h.payload_length());
            if total > pkt.len() {
                return Err(ForwardError::Malformed("IPv6 payload length"));
            }
            Ok(Layout {
                ip,
                ipv6: true,
                l4: Some(ip + 40),
                proto: h.next_header().0,
                end: ip + total,
            })
        }
        other => Err(ForwardError::NotIp(other)),
    }
}

/// Summarise an Ethernet frame for [`crate::Ipvs`]: protocol, addresses, ports, TCP flags.
/// The fwmark is 0; set it if the caller models iptables marking.
pub fn packet_info(frame: &[u8]) -> Result<PacketInfo, ForwardError> {
    let l = layout(frame)?;
    let proto = Protocol::from_number(l.proto).ok_or(ForwardError::Unsupported("protocol"))?;
    let l4 = l.l4.ok_or(ForwardError::Fragment)?;
    let (src, dst) = ip_addrs(frame, &l)?;
    let sport = be16(frame, l4)?;
    let dport = be16(frame, l4 + 2)?;
    let tcp = if proto == Protocol::Tcp {
        let f = *frame
            .get(l4 + 13)
            .ok_or(ForwardError::Malformed("truncated TCP"))?;
        TcpFlags {
            fin: f & 0x01 != 0,
            syn: f & 0x02 != 0,
            rst: f & 0x04 != 0,
            ack: f & 0x10 != 0,
        }
    } else {
        TcpFlags::default()
    };
    Ok(PacketInfo {
        proto,
        src: SocketAddr::new(src, sport),
        dst: SocketAddr::new(dst, dport),
        fwmark: 0,
        tcp,
    })
}

fn ip_addrs(frame: &[u8], l: &Layout) -> Result<(IpAddr, IpAddr), ForwardError> {
    let get = |a: usize, n: usize| {
        frame
            .get(a..a + n)
            .ok_or(ForwardError::Malformed("truncated"))
    };
    if l.ipv6 {
        let s: [u8; 16] = get(l.ip + 8, 16)?
            .try_into()
            .map_err(|_| ForwardError::Malformed(""))?;
        let d: [u8; 16] = get(l.ip + 24, 16)?
            .try_into()
            .map_err(|_| ForwardError::Malformed(""))?;
        Ok((IpAddr::from(s), IpAddr::from(d)))
    } else {
        let s: [u8; 4] = get(l.ip + 12, 4)?
            .try_into()
            .map_err(|_| ForwardError::Malformed(""))?;
        let d: [u8; 4] = get(l.ip + 16, 4)?
            .try_into()
            .map_err(|_| ForwardError::Malformed(""))?;
        Ok((IpAddr::from(s), IpAddr::from(d)))
    }
}

fn set_macs(out: &mut [u8], src: Mac, dst: Mac) {
    out[0..6].copy_from_slice(&dst);
    out[6..12].copy_from_slice(&src);
}

/// Direct routing: the same IP packet, re-addressed from the director's MAC to the real server's.
pub fn dr(frame: &[u8], director_mac: Mac, real_server_mac: Mac) -> Result<Vec<u8>, ForwardError> {
    let l = layout(frame)?;
    let mut out = frame[..l.end].to_vec();
    set_macs(&mut out, director_mac, real_server_mac);
    Ok(out)
}

/// One's-complement sum of 16-bit big-endian words.
fn csum_add(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

fn csum_fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), over every 16-bit word that changed.
fn csum_replace(check: u16, old: &[u8], new: &[u8]) -> u16 {
    let mut sum = u32::from(!check);
    for (o, n) in old.chunks_exact(2).zip(new.chunks_exact(2)) {
        sum += u32::from(!u16::from_be_bytes([o[0], o[1]]));
        sum += u32::from(u16::from_be_bytes([n[0], n[1]]));
    }
    !csum_fold(sum)
}

fn ipv4_header_checksum(out: &mut [u8], ip: usize) -> Result<(), ForwardError> {
    let hl = usize::from(out.get(ip).ok_or(ForwardError::Malformed("truncated"))? & 0x0f) * 4;
    let hdr = out
        .get_mut(ip..ip + hl)
        .ok_or(ForwardError::Malformed("truncated"))?;
    hdr[10] = 0;
    hdr[11] = 0;
    let c = !csum_fold(csum_add(0, hdr));
    hdr[10..12].copy_from_slice(&c.to_be_bytes());
    Ok(())
}

fn addr_bytes(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// Rewrite one address+port pair (`dst` = true: destination) and patch checksums.
fn nat_rewrite(
    frame: &[u8],
    to: SocketAddr,
    dst: bool,
    src_mac: Mac,
    dst_mac: Mac,
) -> Result<Vec<u8>, ForwardError> {
    let l = layout(frame)?;
    if l.ipv6 != to.is_ipv6() {
        return Err(ForwardError::Unsupported("address family mismatch"));
    }
    let l4 = l.l4.ok_or(ForwardError::Fragment)?;
    let proto = match l.proto {
        6 => Protocol::Tcp,
        17 => Protocol::Udp,
        _ => {
            return Err(ForwardError::Unsupported(
                "NAT needs TCP or UDP directly after IP",
            ))
        }
    };
    let mut out = frame[..l.end].to_vec();
    set_macs(&mut out, src_mac, dst_mac);
    let (addr_off, port_off) = match (l.ipv6, dst) {
        (false, true) => (l.ip + 16, l4 + 2),
        (false, false) => (l.ip + 12, l4),
        (true, true) => (l.ip + 24, l4 + 2),
        (true, false) => (l.ip + 8, l4),
    };
    let alen = if l.ipv6 { 16 } else { 4 };
    let check_off = match proto {
        Protocol::Tcp => l4 + 16,
        _ => l4 + 6,
    };
    if out.len() < check_off + 2 || out.len() < port_off + 2 {
        return Err(ForwardError::Malformed("truncated transport header"));
    }
    let old_addr = out[addr_off..addr_off + alen].to_vec();
    let new_addr = addr_bytes(to.ip());
    let old_port = out[port_off..port_off + 2].to_vec();
    let new_port = to.port().to_be_bytes();
    out[addr_off..addr_off + alen].copy_from_slice(&new_addr);
    out[port_off..port_off + 2].copy_from_slice(&new_port);
    let check = u16::from_be_bytes([out[check_off], out[check_off + 1]]);
    // An IPv4 UDP datagram without checksum keeps none.
    if !(proto == Protocol::Udp && !l.ipv6 && check == 0) {
        let mut c = csum_replace(check, &old_addr, &new_addr);
        c = csum_replace(c, &old_port, &new_port);
        if proto == Protocol::Udp && c == 0 {
            c = 0xffff;
        }
        out[check_off..check_off + 2].copy_from_slice(&c.to_be_bytes());
    }
    if !l.ipv6 {
        ipv4_header_checksum(&mut out, l.ip)?;
    }
    Ok(out)
}

/// NAT, client → real server: destination address and port become the real server's.
pub fn nat_in(
    frame: &[u8],
    real: SocketAddr,
    director_mac: Mac,
    real_server_mac: Mac,
) -> Result<Vec<u8>, ForwardError> {
    nat_rewrite(frame, real, true, director_mac, real_server_mac)
}

/// NAT, real server → client: source address and port become the virtual service's.
pub fn nat_out(
    frame: &[u8],
    virt: SocketAddr,
    director_mac: Mac,
    next_hop_mac: Mac,
) -> Result<Vec<u8>, ForwardError> {
    nat_rewrite(frame, virt, false, director_mac, next_hop_mac)
}

/// IP-in-IP tunnelling: the inner IP packet behind a new outer header from `outer_src` (the director)
/// to `outer_dst` (the real server).
pub fn tun(
    frame: &[u8],
    outer_src: IpAddr,
    outer_dst: IpAddr,
    director_mac: Mac,
    real_server_mac: Mac,
) -> Result<Vec<u8>, ForwardError> {
    let l = layout(frame)?;
    let inner = &frame[l.ip..l.end];
    let (tos, ttl, df, inner_proto) = if l.ipv6 {
        let tc = ((inner[0] & 0x0f) << 4) | (inner[1] >> 4);
        (tc, inner[7], false, 41u8)
    } else {
        (inner[1], inner[8], inner[6] & 0x40 != 0, 4u8)
    };
    let mut out = Vec::with_capacity(l.ip + 40 + inner.len());
    out.extend_from_slice(&frame[..l.ip]);
    set_macs(&mut out, director_mac, real_server_mac);
    match (outer_src, outer_dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = 20 + inner.len();
            let total = u16::try_from(total).map_err(|_| ForwardError::Unsupported("too big"))?;
            // The outer ethertype must follow the outer header's family.
            set_ethertype(&mut out, l.ip, ETH_IPV4);
            let mut h = [0u8; 20];
            h[0] = 0x45;
            h[1] = tos;
            h[2..4].copy_from_slice(&total.to_be_bytes());
            if df {
                h[6] = 0x40;
            }
            h[8] = ttl;
            h[9] = inner_proto;
            h[12..16].copy_from_slice(&s.octets());
            h[16..20].copy_from_slice(&d.octets());
            let c = !csum_fold(csum_add(0, &h));
            h[10..12].copy_from_slice(&c.to_be_bytes());
            out.extend_from_slice(&h);
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let plen =
                u16::try_from(inner.len()).map_err(|_| ForwardError::Unsupported("too big"))?;
            set_ethertype(&mut out, l.ip, ETH_IPV6);
            let mut h = [0u8; 40];
            h[0] = 0x60 | (tos >> 4);
            h[1] = tos << 4;
            h[4..6].copy_from_slice(&plen.to_be_bytes());
            h[6] = inner_proto;
            h[7] = ttl;
            h[8..24].copy_from_slice(&s.octets());
            h[24..40].copy_from_slice(&d.octets());
            out.extend_from_slice(&h);
        }
        _ => {
            return Err(ForwardError::Unsupported(
                "outer addresses of different families",
            ))
        }
    }
    out.extend_from_slice(inner);
    Ok(out)
}

fn set_ethertype(out: &mut [u8], ip: usize, et: u16) {
    out[ip - 2..ip].copy_from_slice(&et.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1624_incremental_update_equals_recompute() {
        let data = [0x45u8, 0x00, 0x00, 0x54, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06];
        let full = !csum_fold(csum_add(0, &data));
        let mut changed = data;
        changed[4] = 0xab;
        changed[5] = 0xcd;
        let expect = !csum_fold(csum_add(0, &changed));
        assert_eq!(csum_replace(full, &data[4..6], &changed[4..6]), expect);
    }

    #[test]
    fn garbage_never_panics() {
        for len in 0..80 {
            let f: Vec<u8> = (0..len).map(|i| (i * 37 % 251) as u8).collect();
            let _ = dr(&f, [0; 6], [1; 6]);
            let _ = nat_in(&f, "192.0.2.1:80".parse().unwrap(), [0; 6], [1; 6]);
            let _ = packet_info(&f);
        }
    }
}
