//! PING_CHECK (check_ping.c): one ICMP (or ICMPv6) echo request per attempt from an unprivileged
//! ping socket, success when an echo reply comes back within `connect_timeout`.
//!
//! The request carries keepalived's 128-byte filler ([`super::udp::set_buf`]) and a sequence number
//! from one counter shared by every PING_CHECK of the process (`static seq_no`, starting at 0); the
//! kernel's ping socket picks the identifier and only delivers replies that carry it. A read that
//! is not an echo reply (an ICMP error queued on the socket) fails the attempt at once, a timeout
//! fails it at `connect_timeout`; the verdict goes through the TCP_CHECK epilog (`icmp_epilog`).

use std::net::IpAddr;

use super::udp::set_buf;

/// keepalived's `ICMP_BUFSIZE`: echo data length.
pub const ICMP_DATA_LEN: usize = 128;

/// A `PING_CHECK` block (it has only the common checker keywords).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PingCheck;

impl PingCheck {
    /// The echo data of every request.
    pub fn data(&self) -> Vec<u8> {
        set_buf(ICMP_DATA_LEN)
    }
}

/// Internet checksum (RFC 1071) over `parts`, as one byte string.
fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut odd: Option<u8> = None;
    for b in parts.iter().flat_map(|p| p.iter()) {
        match odd.take() {
            Some(hi) => sum += u32::from(u16::from_be_bytes([hi, *b])),
            None => odd = Some(*b),
        }
    }
    if let Some(hi) = odd {
        sum += u32::from(u16::from_be_bytes([hi, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The ICMP message of an echo request from `src` to `dst` (type 8, or 128 for ICMPv6 with the
/// pseudo-header checksum of RFC 4443 §2.3).
pub fn echo_request(src: IpAddr, dst: IpAddr, ident: u16, seq: u16, data: &[u8]) -> Vec<u8> {
    let v6 = matches!(dst, IpAddr::V6(_));
    let mut m = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    m.extend_from_slice(&ident.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(data);
    let c = match (src, dst) {
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let len = (m.len() as u32).to_be_bytes();
            checksum(&[&s.octets(), &d.octets(), &len, &[0, 0, 0, 58], &m])
        }
        _ => checksum(&[&m]),
    };
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

/// What a received ICMP message means for an attempt with `ident`: `Some(true)` an echo reply to it,
/// `Some(false)` a destination-unreachable about it (the ping socket's error queue), `None` not ours.
pub fn classify_reply(msg: &[u8], v6: bool, ident: u16) -> Option<bool> {
    let (reply, unreach) = if v6 { (129, 1) } else { (0, 3) };
    let ty = *msg.first()?;
    if ty == reply {
        let id = u16::from_be_bytes([*msg.get(4)?, *msg.get(5)?]);
        return (id == ident).then_some(true);
    }
    if ty == unreach {
        // The quoted packet starts 8 bytes in: its IP header, then our echo request's header.
        let quoted = msg.get(8..)?;
        let ihl = if v6 {
            40
        } else {
            usize::from(quoted.first()? & 0x0f) * 4
        };
        let inner = quoted.get(ihl..)?;
        let id = u16::from_be_bytes([*inner.get(4)?, *inner.get(5)?]);
        return (id == ident).then_some(false);
    }
    None
}
