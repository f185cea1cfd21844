//! IPVS connection synchronisation (`lvs_sync_daemon`): the version 1 wire format of
//! `net/netfilter/ipvs/ip_vs_sync.c` (UDP to 224.0.0.81:8848 by default) and the rules deciding
//! when a connection is sent. The master side lives in [`crate::Ipvs::enable_sync_master`] and
//! [`crate::Ipvs::poll_sync_message`]; the backup side in [`crate::Ipvs::process_sync_message`].
//!
//! Message layout (all big-endian): an 8-byte header `0, syncid, size(16), nr_conns, version=1,
//! spare(16)`, then `nr_conns` entries, each 4-byte aligned: `type (bit 0 = IPv6), protocol,
//! ver_size (version << 12 | size), flags(32), state(16), cport, vport, dport, fwmark(32),
//! timeout seconds(32), caddr, vaddr, daddr` (4 or 16 bytes each), optionally followed by
//! parameters (sequence data, persistence-engine data), which this model neither sends nor needs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The default sync multicast group, 224.0.0.81.
pub const SYNC_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 81);
/// The default sync UDP port.
pub const SYNC_PORT: u16 = 8848;
/// `IPVS_SYNC_FLUSH_TIME`: a partly filled message is sent once it is this old.
pub const SYNC_FLUSH_TIME_MS: u64 = 2_000;

/// `IP_VS_CONN_F_*` flags carried in sync entries.
pub mod flags {
    /// Forwarding method mask (MASQ = 0, LOCALNODE = 1, TUNNEL = 2, DROUTE = 3, BYPASS = 4).
    pub const FWD_MASK: u32 = 0x0007;
    /// Masquerading (NAT).
    pub const MASQ: u32 = 0x0000;
    /// IP-in-IP tunnel.
    pub const TUNNEL: u32 = 0x0002;
    /// Direct routing.
    pub const DROUTE: u32 = 0x0003;
    /// Entry created by sync.
    pub const SYNC: u32 = 0x0020;
    /// Hashed in the table (never sent).
    pub const HASHED: u32 = 0x0040;
    /// No output packets seen (DR/TUN).
    pub const NOOUTPUT: u32 = 0x0080;
    /// Not in TCP ESTABLISHED.
    pub const INACTIVE: u32 = 0x0100;
    /// Client port unknown (templates).
    pub const NO_CPORT: u32 = 0x0800;
    /// Persistence template.
    pub const TEMPLATE: u32 = 0x1000;
}

/// One synchronised connection or template (`ip_vs_sync_v4` / `ip_vs_sync_v6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncConn {
    /// IP protocol number.
    pub protocol: u8,
    /// `IP_VS_CONN_F_*` flags.
    pub flags: u32,
    /// Protocol state (`IP_VS_TCP_S_*` index for TCP, 0 otherwise).
    pub state: u16,
    /// Client port (0 for templates).
    pub cport: u16,
    /// Virtual port.
    pub vport: u16,
    /// Real server port.
    pub dport: u16,
    /// Firewall mark of a fwmark service, else 0.
    pub fwmark: u32,
    /// Remaining timeout in seconds (the entry's full timeout, as the kernel sends `cp->timeout`).
    pub timeout_s: u32,
    /// Client address (client network for templates).
    pub caddr: IpAddr,
    /// Virtual address.
    pub vaddr: IpAddr,
    /// Real server address.
    pub daddr: IpAddr,
}

/// A malformed sync message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// Shorter than its header or than an entry claims.
    #[error("sync message truncated at byte {0}")]
    Truncated(usize),
    /// Not a version 1 message (version 0 messages start with a non-zero count).
    #[error("unsupported sync message version {0}")]
    Version(u8),
    /// The header's size does not match the datagram.
    #[error("sync message size {header} but {actual} bytes received")]
    Size {
        /// Size in the header.
        header: usize,
        /// Datagram length.
        actual: usize,
    },
    /// The addresses of an entry mix families.
    #[error("sync entry {0} is malformed")]
    Entry(usize),
}

impl SyncConn {
    fn is_v6(&self) -> bool {
        self.caddr.is_ipv6()
    }

    /// Length on the wire.
    pub fn wire_len(&self) -> usize {
        if self.is_v6() {
            24 + 48
        } else {
            24 + 12
        }
    }

    fn emit(&self, out: &mut Vec<u8>) {
        let len = self.wire_len() as u16;
        out.push(u8::from(self.is_v6()));
        out.push(self.protocol);
        out.extend_from_slice(&(len & 0x0fff).to_be_bytes());
        out.extend_from_slice(&(self.flags & !flags::HASHED).to_be_bytes());
        out.extend_from_slice(&self.state.to_be_bytes());
        out.extend_from_slice(&self.cport.to_be_bytes());
        out.extend_from_slice(&self.vport.to_be_bytes());
        out.extend_from_slice(&self.dport.to_be_bytes());
        out.extend_from_slice(&self.fwmark.to_be_bytes());
        out.extend_from_slice(&self.timeout_s.to_be_bytes());
        for a in [self.caddr, self.vaddr, self.daddr] {
            match a {
                IpAddr::V4(a) => out.extend_from_slice(&a.octets()),
                IpAddr::V6(a) => out.extend_from_slice(&a.octets()),
            }
        }
    }
}

/// Encode one version 1 message.
pub fn encode(syncid: u8, conns: &[SyncConn]) -> Vec<u8> {
    let mut out = vec![0, syncid, 0, 0, conns.len().min(255) as u8, 1, 0, 0];
    for c in conns.iter().take(255) {
        // Entries are 4-byte aligned; ours always are (36 and 72 bytes).
        c.emit(&mut out);
    }
    let size = out.len() as u16;
    out[2..4].copy_from_slice(&size.to_be_bytes());
    out
}

fn be16(b: &[u8], at: usize) -> Result<u16, SyncError> {
    b.get(at..at + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .ok_or(SyncError::Truncated(at))
}

fn be32(b: &[u8], at: usize) -> Result<u32, SyncError> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or(SyncError::Truncated(at))
}

/// Decode a version 1 message: its sync id and entries (`ip_vs_process_message`).
pub fn decode(msg: &[u8]) -> Result<(u8, Vec<SyncConn>), SyncError> {
    if msg.len() < 8 {
        return Err(SyncError::Truncated(msg.len()));
    }
    if msg[0] != 0 || msg[5] != 1 {
        return Err(SyncError::Version(if msg[0] != 0 { 0 } else { msg[5] }));
    }
    let size = usize::from(be16(msg, 2)?);
    if size != msg.len() {
        return Err(SyncError::Size {
            header: size,
            actual: msg.len(),
        });
    }
    let syncid = msg[1];
    let n = usize::from(msg[4]);
    let mut p = 8usize;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        // Skip padding from the previous entry.
        p = (p + 3) & !3;
        let ty = *msg.get(p).ok_or(SyncError::Truncated(p))?;
        let protocol = *msg.get(p + 1).ok_or(SyncError::Truncated(p + 1))?;
        let ver_size = be16(msg, p + 2)?;
        if ver_size >> 12 != 0 {
            return Err(SyncError::Entry(i));
        }
        let len = usize::from(ver_size & 0x0fff);
        let v6 = ty & 1 != 0;
        let base = if v6 { 72 } else { 36 };
        if len < base || p + len > msg.len() {
            return Err(SyncError::Entry(i));
        }
        let addr = |at: usize| -> Result<IpAddr, SyncError> {
            if v6 {
                let b: [u8; 16] = msg
                    .get(at..at + 16)
                    .and_then(|s| s.try_into().ok())
                    .ok_or(SyncError::Truncated(at))?;
                Ok(IpAddr::V6(Ipv6Addr::from(b)))
            } else {
                Ok(IpAddr::V4(Ipv4Addr::from(be32(msg, at)?)))
            }
        };
        let a = if v6 { 16 } else { 4 };
        out.push(SyncConn {
            protocol,
            flags: be32(msg, p + 4)?,
            state: be16(msg, p + 8)?,
            cport: be16(msg, p + 10)?,
            vport: be16(msg, p + 12)?,
            dport: be16(msg, p + 14)?,
            fwmark: be32(msg, p + 16)?,
            timeout_s: be32(msg, p + 20)?,
            caddr: addr(p + 24)?,
            vaddr: addr(p + 24 + a)?,
            daddr: addr(p + 24 + 2 * a)?,
        });
        // Parameters (sequence / PE data) after the base are skipped.
        p += len;
    }
    Ok((syncid, out))
}
