//! The director's data path in one call: parse a frame, ask [`Ipvs`] what to do, and apply the
//! forwarding method ([`crate::forward`]). The caller supplies the director's own MAC and address and
//! a neighbour lookup (its ARP/ND cache); nothing here sends anything.

use std::net::IpAddr;

use crate::forward::{self, ForwardError, Mac};
use crate::ipvs::{Ipvs, OutVerdict, Verdict};
use crate::service::FwdMethod;
use crate::time::Instant;

/// What to do with a frame that reached the director.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameAction {
    /// Transmit this frame (already re-addressed) on the interface towards `next_hop`.
    Transmit {
        /// The rewritten frame.
        frame: Vec<u8>,
        /// The IP address the frame is sent to at layer 2 (real server, or the client's gateway).
        next_hop: IpAddr,
    },
    /// Not IPVS traffic: hand the frame to the director's own stack.
    Local,
    /// No destination available: drop it and answer ICMP port unreachable.
    Unreachable,
    /// Drop silently.
    Drop,
    /// The neighbour's MAC is unknown: resolve `ip` (ARP/ND) and hand the same frame in again. The
    /// connection was already scheduled (as in the kernel, which queues the packet on the neighbour
    /// entry), so the retry goes to the same real server.
    Resolve {
        /// Address to resolve.
        ip: IpAddr,
    },
}

/// Inbound: a frame addressed to the director (client → VIP). `fwmark` is what the caller's firewall
/// model marks the packet with (0 = none). `director_ip` is the tunnel source for TUN.
pub fn inbound(
    ipvs: &mut Ipvs,
    now: Instant,
    frame: &[u8],
    fwmark: u32,
    director_mac: Mac,
    director_ip: IpAddr,
    neighbour: impl Fn(IpAddr) -> Option<Mac>,
) -> Result<FrameAction, ForwardError> {
    let mut info = forward::packet_info(frame)?;
    info.fwmark = fwmark;
    match ipvs.process_inbound(now, &info) {
        Verdict::NotIpvs => Ok(FrameAction::Local),
        Verdict::Unreachable => Ok(FrameAction::Unreachable),
        Verdict::Drop => Ok(FrameAction::Drop),
        Verdict::Forward(f) => {
            let next_hop = f.real.ip();
            let Some(mac) = neighbour(next_hop) else {
                return Ok(FrameAction::Resolve { ip: next_hop });
            };
            let frame = match f.fwd {
                FwdMethod::Dr => forward::dr(frame, director_mac, mac)?,
                FwdMethod::Nat => forward::nat_in(frame, f.real, director_mac, mac)?,
                FwdMethod::Tun => forward::tun(frame, director_ip, next_hop, director_mac, mac)?,
            };
            Ok(FrameAction::Transmit { frame, next_hop })
        }
    }
}

/// Outbound: a frame from a real server that the director routes (NAT replies). `gateway` is the
/// next hop towards the client.
pub fn outbound(
    ipvs: &mut Ipvs,
    now: Instant,
    frame: &[u8],
    director_mac: Mac,
    gateway: IpAddr,
    neighbour: impl Fn(IpAddr) -> Option<Mac>,
) -> Result<FrameAction, ForwardError> {
    let info = forward::packet_info(frame)?;
    match ipvs.process_outbound(now, &info) {
        OutVerdict::NotIpvs => Ok(FrameAction::Local),
        OutVerdict::Masquerade { virt, .. } => {
            let Some(mac) = neighbour(gateway) else {
                return Ok(FrameAction::Resolve { ip: gateway });
            };
            let frame = forward::nat_out(frame, virt, director_mac, mac)?;
            Ok(FrameAction::Transmit {
                frame,
                next_hop: gateway,
            })
        }
    }
}
