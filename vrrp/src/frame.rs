//! Complete Ethernet frames around VRRP: adverts (Ethernet [+ 802.1Q] + IPv4/IPv6 + VRRP),
//! gratuitous ARP and unsolicited Neighbor Advertisements, and [`parse`] for the reverse.
//!
//! This module owns link and IP framing details: multicast MAC mapping, TTL 255, keepalived's
//! IPv4 TOS 0xc0 and identification counter, valid IPv4 header and ICMPv6 checksums (frames are
//! tshark-clean). Ethernet, 802.1Q, IPv4, IPv6, ARP and ICMPv6 headers are etherparse's; the
//! VRRP message is [`crate::wire`]'s. No padding to the Ethernet minimum is added, matching the
//! captures in `pcaps/keepalived/` (taken on a Linux bridge).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use etherparse::{
    icmpv6::NeighborAdvertisementHeader, ArpEthIpv4Packet, ArpOperation, EtherType,
    Ethernet2Header, Ethernet2HeaderSlice, Icmpv6Header, Icmpv6Type, IpAuthHeaderSlice, IpDscp,
    IpEcn, IpNumber, Ipv4Header, Ipv4HeaderSlice, Ipv6FlowLabel, Ipv6Header, Ipv6HeaderSlice,
    Ipv6Slice, SingleVlanHeader, SingleVlanHeaderSlice, VlanId,
};

use crate::wire::{self, ChecksumForm, Family, VrrpPacket, VrrpRepr, WireError};

/// An Ethernet MAC address.
pub type MacAddr = [u8; 6];

/// ff:ff:ff:ff:ff:ff.
pub const BROADCAST_MAC: MacAddr = [0xff; 6];
/// IPv6 all-nodes group ff02::1, the destination of unsolicited NAs (RFC 4861 §7.2.6).
pub const ALL_NODES_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// keepalived's IPv4 TOS byte on adverts (`vrrp_build_ip4`: IPTOS_PREC_INTERNETCONTROL), seen
/// as `tos 0xc0` in the captures.
pub const KEEPALIVED_TOS: u8 = 0xc0;

/// The virtual router MAC 00-00-5E-00-01-{VRID} (IPv4) or 00-00-5E-00-02-{VRID} (IPv6)
/// (RFC 5798 §7.3).
pub const fn virtual_mac(family: Family, vrid: u8) -> MacAddr {
    let fam = match family {
        Family::V4 => 0x01,
        Family::V6 => 0x02,
    };
    [0x00, 0x00, 0x5e, 0x00, fam, vrid]
}

/// The Ethernet multicast MAC for a multicast IP (RFC 1112 §6.4, RFC 2464 §7), e.g.
/// 224.0.0.18 → 01:00:5e:00:00:12, ff02::12 → 33:33:00:00:00:12. `None` for unicast.
pub fn multicast_mac(ip: IpAddr) -> Option<MacAddr> {
    match ip {
        IpAddr::V4(v4) if v4.is_multicast() => {
            let o = v4.octets();
            Some([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]])
        }
        IpAddr::V6(v6) if v6.is_multicast() => {
            let o = v6.octets();
            Some([0x33, 0x33, o[12], o[13], o[14], o[15]])
        }
        _ => None,
    }
}

/// Why a frame could not be built or read as a VRRP advert.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Ethernet, VLAN or IP headers are malformed or truncated (etherparse's message).
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// The frame is not IPv4/IPv6 (e.g. ARP).
    #[error("not an IP frame")]
    NotIp,
    /// The IP payload is not protocol 112.
    #[error("IP protocol {0} is not VRRP (112)")]
    NotVrrp(u8),
    /// A fragmented IP packet; VRRP adverts are never fragmented.
    #[error("fragmented IP packet")]
    Fragmented,
    /// Source and destination addresses are of different families.
    #[error("source and destination IP families differ")]
    FamilyMismatch,
    /// The VRRP message itself is malformed.
    #[error(transparent)]
    Wire(#[from] WireError),
}

/// How to wrap an advert in Ethernet and IP. Build with [`AdvertFrame::multicast`] or
/// [`AdvertFrame::unicast`], then adjust fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvertFrame {
    /// Ethernet source: the NIC's MAC (keepalived default) or [`virtual_mac`] (`use_vmac`).
    pub src_mac: MacAddr,
    /// Ethernet destination.
    pub dst_mac: MacAddr,
    /// 802.1Q VLAN ID, if tagged.
    pub vlan: Option<u16>,
    /// IP source: the primary address (IPv4) or link-local (IPv6) (RFC 5798 §5.1).
    pub src_ip: IpAddr,
    /// IP destination: 224.0.0.18 / ff02::12, or a unicast peer.
    pub dst_ip: IpAddr,
    /// TTL / hop limit; 255 per RFC 5798 §5.1.1.3.
    pub ttl: u8,
    /// IPv4 TOS byte (DSCP << 2 | ECN); keepalived writes 0xc0.
    pub ipv4_tos: u8,
    /// IPv4 identification; keepalived increments it per advert.
    pub ipv4_id: u16,
    /// IPv4 DF bit; keepalived leaves it clear.
    pub ipv4_dont_fragment: bool,
    /// IPv6 traffic class; keepalived 2.2.7 sets 0xc0 (`IPV6_TCLASS` IPTOS_PREC_INTERNETCONTROL,
    /// the value of its IPv4 TOS), as FRR does (`pcaps/own/`).
    pub ipv6_traffic_class: u8,
    /// IPv6 flow label (20 bits). 0 here: the kernels of keepalived and FRR set an automatic flow
    /// label (a hash under a per-boot random key, constant per socket), which no model can predict.
    pub ipv6_flow_label: u32,
    /// Checksum form where it is open: VRRPv3 over IPv4, VRRPv2 over IPv6 (see [`ChecksumForm`]).
    pub checksum_form: ChecksumForm,
}

impl AdvertFrame {
    /// Multicast to 224.0.0.18 or ff02::12 (by `src_ip`'s family) with keepalived's IPv4
    /// header choices.
    pub fn multicast(src_mac: MacAddr, src_ip: IpAddr) -> AdvertFrame {
        let dst_ip = match src_ip {
            IpAddr::V4(_) => IpAddr::V4(wire::MULTICAST_V4),
            IpAddr::V6(_) => IpAddr::V6(wire::MULTICAST_V6),
        };
        let dst_mac = multicast_mac(dst_ip).unwrap_or(BROADCAST_MAC);
        AdvertFrame::unicast(src_mac, dst_mac, src_ip, dst_ip)
    }

    /// To an explicit destination (keepalived `unicast_peer`); the caller resolved `dst_mac`.
    pub fn unicast(src_mac: MacAddr, dst_mac: MacAddr, src_ip: IpAddr, dst_ip: IpAddr) -> Self {
        AdvertFrame {
            src_mac,
            dst_mac,
            vlan: None,
            src_ip,
            dst_ip,
            ttl: wire::TTL,
            ipv4_tos: KEEPALIVED_TOS,
            ipv4_id: 0,
            ipv4_dont_fragment: false,
            ipv6_traffic_class: KEEPALIVED_TOS,
            ipv6_flow_label: 0,
            checksum_form: ChecksumForm::Rfc5798,
        }
    }

    /// The frame length [`AdvertFrame::build`] produces for `repr`.
    pub fn frame_len(&self, repr: &VrrpRepr) -> usize {
        let ip = match self.src_ip {
            IpAddr::V4(_) => Ipv4Header::MIN_LEN,
            IpAddr::V6(_) => Ipv6Header::LEN,
        };
        Ethernet2Header::LEN
            + self.vlan.map_or(0, |_| SingleVlanHeader::LEN)
            + ip
            + repr.buffer_len()
    }

    /// Builds the frame: Ethernet, optional 802.1Q, IP header with a valid header checksum,
    /// then the VRRP message with its checksum.
    pub fn build(&self, repr: &VrrpRepr) -> Result<Vec<u8>, FrameError> {
        let mut out = Vec::with_capacity(self.frame_len(repr));
        self.build_into(repr, &mut out)?;
        Ok(out)
    }

    /// As [`AdvertFrame::build`], appending to `out` (lets hot loops reuse a buffer).
    pub fn build_into(&self, repr: &VrrpRepr, out: &mut Vec<u8>) -> Result<(), FrameError> {
        let vrrp_len = repr.buffer_len();
        let ether_type = match self.src_ip {
            IpAddr::V4(_) => EtherType::IPV4,
            IpAddr::V6(_) => EtherType::IPV6,
        };
        push_link(out, self.src_mac, self.dst_mac, self.vlan, ether_type);
        match (self.src_ip, self.dst_ip) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let mut ip = Ipv4Header::new(
                    vrrp_len as u16,
                    self.ttl,
                    IpNumber(wire::IP_PROTOCOL),
                    s.octets(),
                    d.octets(),
                )
                .map_err(|e| FrameError::Malformed(e.to_string()))?;
                ip.dscp = IpDscp::try_new(self.ipv4_tos >> 2).unwrap_or_default();
                ip.ecn = IpEcn::try_new(self.ipv4_tos & 0x03).unwrap_or_default();
                ip.identification = self.ipv4_id;
                ip.dont_fragment = self.ipv4_dont_fragment;
                ip.header_checksum = ip.calc_header_checksum();
                out.extend_from_slice(&ip.to_bytes());
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                let ip = Ipv6Header {
                    traffic_class: self.ipv6_traffic_class,
                    flow_label: Ipv6FlowLabel::try_new(self.ipv6_flow_label & 0xf_ffff)
                        .unwrap_or_default(),
                    payload_length: vrrp_len as u16,
                    next_header: IpNumber(wire::IP_PROTOCOL),
                    hop_limit: self.ttl,
                    source: s.octets(),
                    destination: d.octets(),
                };
                out.extend_from_slice(&ip.to_bytes());
            }
            _ => return Err(FrameError::FamilyMismatch),
        }
        let start = out.len();
        out.resize(start + vrrp_len, 0);
        repr.emit(
            &mut VrrpPacket::new_unchecked(&mut out[start..]),
            self.src_ip,
            self.dst_ip,
            self.checksum_form,
        );
        Ok(())
    }
}

fn push_link(out: &mut Vec<u8>, src: MacAddr, dst: MacAddr, vlan: Option<u16>, et: EtherType) {
    match vlan {
        None => {
            let eth = Ethernet2Header {
                source: src,
                destination: dst,
                ether_type: et,
            };
            out.extend_from_slice(&eth.to_bytes());
        }
        Some(id) => {
            let eth = Ethernet2Header {
                source: src,
                destination: dst,
                ether_type: EtherType::VLAN_TAGGED_FRAME,
            };
            out.extend_from_slice(&eth.to_bytes());
            let tag = SingleVlanHeader {
                vlan_id: VlanId::try_new(id & 0x0fff).unwrap_or_default(),
                ether_type: et,
                ..Default::default()
            };
            out.extend_from_slice(&tag.to_bytes());
        }
    }
}

/// A gratuitous ARP as keepalived sends it: an ARP *request* from `src_mac` with sender and
/// target protocol address = `vip`, target hardware address ff:ff:ff:ff:ff:ff, to broadcast
/// (RFC 5798 §6.4.1: "broadcast a gratuitous ARP request"). With `use_vmac` pass
/// [`virtual_mac`] as `src_mac`.
pub fn gratuitous_arp(src_mac: MacAddr, vip: Ipv4Addr, vlan: Option<u16>) -> Vec<u8> {
    let mut out = Vec::with_capacity(Ethernet2Header::LEN + 4 + ArpEthIpv4Packet::LEN);
    push_link(&mut out, src_mac, BROADCAST_MAC, vlan, EtherType::ARP);
    let arp = ArpEthIpv4Packet {
        operation: ArpOperation::REQUEST,
        sender_mac: src_mac,
        sender_ipv4: vip.octets(),
        target_mac: BROADCAST_MAC,
        target_ipv4: vip.octets(),
    };
    out.extend_from_slice(&arp.to_bytes());
    out
}

/// An unsolicited Neighbor Advertisement for `vip` (RFC 5798 §6.4.1 / RFC 4861 §7.2.6): from
/// `src_ip` (the link-local address) to ff02::1, hop limit 255, flags R=1 S=0 O=1, with a
/// Target Link-Layer Address option carrying `src_mac`.
pub fn unsolicited_na(
    src_mac: MacAddr,
    src_ip: Ipv6Addr,
    vip: Ipv6Addr,
    vlan: Option<u16>,
) -> Vec<u8> {
    let dst_ip = ALL_NODES_V6;
    let dst_mac = multicast_mac(IpAddr::V6(dst_ip)).unwrap_or(BROADCAST_MAC);
    // Payload after the 8-byte ICMPv6 header: target address, then option type 2 (TLLA),
    // length 1 (8 octets), the MAC.
    let mut payload = [0u8; 24];
    payload[..16].copy_from_slice(&vip.octets());
    payload[16] = 2;
    payload[17] = 1;
    payload[18..24].copy_from_slice(&src_mac);
    let icmp_type = Icmpv6Type::NeighborAdvertisement(NeighborAdvertisementHeader {
        router: true,
        solicited: false,
        r#override: true,
    });
    let mut out = Vec::with_capacity(Ethernet2Header::LEN + Ipv6Header::LEN + 8 + payload.len());
    push_link(&mut out, src_mac, dst_mac, vlan, EtherType::IPV6);
    let ip = Ipv6Header {
        traffic_class: 0,
        flow_label: Default::default(),
        payload_length: (8 + payload.len()) as u16,
        next_header: IpNumber::IPV6_ICMP,
        hop_limit: 255,
        source: src_ip.octets(),
        destination: dst_ip.octets(),
    };
    out.extend_from_slice(&ip.to_bytes());
    // Only fails for payloads over 4 GiB; ours is 24 bytes.
    let icmp = Icmpv6Header::with_checksum(icmp_type, src_ip.octets(), dst_ip.octets(), &payload)
        .unwrap_or_else(|_| Icmpv6Header::new(icmp_type));
    out.extend_from_slice(&icmp.to_bytes());
    out.extend_from_slice(&payload);
    out
}

impl ParsedAdvert {
    /// The [`AdvertFrame`] that rebuilds this frame's headers (golden round trips, replays).
    pub fn to_advert_frame(&self) -> AdvertFrame {
        AdvertFrame {
            src_mac: self.src_mac,
            dst_mac: self.dst_mac,
            vlan: self.vlan,
            src_ip: self.src_ip,
            dst_ip: self.dst_ip,
            ttl: self.ttl,
            ipv4_tos: self.ipv4_tos,
            ipv4_id: self.ipv4_id,
            ipv4_dont_fragment: self.ipv4_dont_fragment,
            ipv6_traffic_class: self.ipv6_traffic_class,
            ipv6_flow_label: self.ipv6_flow_label,
            checksum_form: self.checksum.unwrap_or_default(),
        }
    }
}

/// A VRRP advert read from an Ethernet frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAdvert {
    /// Ethernet source.
    pub src_mac: MacAddr,
    /// Ethernet destination.
    pub dst_mac: MacAddr,
    /// Outermost 802.1Q VLAN ID, if tagged.
    pub vlan: Option<u16>,
    /// IP source.
    pub src_ip: IpAddr,
    /// IP destination.
    pub dst_ip: IpAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 TOS byte (0 for IPv6).
    pub ipv4_tos: u8,
    /// IPv4 identification (0 for IPv6).
    pub ipv4_id: u16,
    /// IPv4 DF bit (false for IPv6).
    pub ipv4_dont_fragment: bool,
    /// IPv6 traffic class (0 for IPv4).
    pub ipv6_traffic_class: u8,
    /// IPv6 flow label (0 for IPv4).
    pub ipv6_flow_label: u32,
    /// The VRRP message sat behind an IPv4/IPv6 Authentication Header (keepalived `auth_type
    /// AH`, RFC 2338).
    pub behind_ah: bool,
    /// Which checksum form verified, `None` when the checksum is bad under both.
    pub checksum: Option<ChecksumForm>,
    /// Byte offset of the VRRP message within the frame.
    pub vrrp_offset: usize,
    /// The advert.
    pub repr: VrrpRepr,
}

/// The link and IP facts of a frame carrying VRRP, without decoding the VRRP message: what
/// [`locate`] returns for zero-allocation streaming (the conformance checker), and what
/// [`parse`] builds on.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AdvertHeaders {
    /// Ethernet source.
    pub src_mac: MacAddr,
    /// Ethernet destination.
    pub dst_mac: MacAddr,
    /// Outermost 802.1Q VLAN ID, if tagged.
    pub vlan: Option<u16>,
    /// IP source.
    pub src_ip: IpAddr,
    /// IP destination.
    pub dst_ip: IpAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 TOS byte (0 for IPv6).
    pub ipv4_tos: u8,
    /// IPv4 identification (0 for IPv6).
    pub ipv4_id: u16,
    /// IPv4 DF bit (false for IPv6).
    pub ipv4_dont_fragment: bool,
    /// IPv6 traffic class (0 for IPv4).
    pub ipv6_traffic_class: u8,
    /// IPv6 flow label (0 for IPv4).
    pub ipv6_flow_label: u32,
    /// VRRP sat behind an Authentication Header.
    pub behind_ah: bool,
    /// Byte offset of the VRRP message within the frame.
    pub vrrp_offset: usize,
}

/// Finds the VRRP message in an Ethernet [+ up to two 802.1Q/802.1ad tags] → IPv4 [+ AH] /
/// IPv6 [+ extension headers] frame, with etherparse's header slices. Returns the headers and
/// the VRRP bytes (trimmed to the IP length, so Ethernet padding is ignored). Allocates only on
/// errors.
pub fn locate(frame: &[u8]) -> Result<(AdvertHeaders, &[u8]), FrameError> {
    let malformed = |e: &dyn core::fmt::Display| FrameError::Malformed(e.to_string());
    let eth = Ethernet2HeaderSlice::from_slice(frame).map_err(|e| malformed(&e))?;
    let mut ether_type = eth.ether_type();
    let mut off = Ethernet2Header::LEN;
    let mut vlan = None;
    for _ in 0..2 {
        if !matches!(
            ether_type,
            EtherType::VLAN_TAGGED_FRAME
                | EtherType::PROVIDER_BRIDGING
                | EtherType::VLAN_DOUBLE_TAGGED_FRAME
        ) {
            break;
        }
        let tag = SingleVlanHeaderSlice::from_slice(frame.get(off..).unwrap_or(&[]))
            .map_err(|e| malformed(&e))?;
        vlan.get_or_insert(tag.vlan_identifier().value());
        ether_type = tag.ether_type();
        off += SingleVlanHeader::LEN;
    }
    let ip_bytes = frame.get(off..).unwrap_or(&[]);
    let (mut h, start, end) = match ether_type {
        EtherType::IPV4 => parse_ipv4(ip_bytes)?,
        EtherType::IPV6 => parse_ipv6(ip_bytes)?,
        _ => return Err(FrameError::NotIp),
    };
    h.src_mac = eth.source();
    h.dst_mac = eth.destination();
    h.vlan = vlan;
    h.vrrp_offset = off + start;
    let vrrp = ip_bytes
        .get(start..end)
        .ok_or_else(|| FrameError::Malformed("IP length".into()))?;
    Ok((h, vrrp))
}

/// [`locate`], then decode the VRRP message with [`VrrpRepr::parse`] and find which checksum
/// form verifies. A bad VRRP checksum is not an error: it is reported in
/// [`ParsedAdvert::checksum`] so receivers can count the discard.
pub fn parse(frame: &[u8]) -> Result<ParsedAdvert, FrameError> {
    let (h, vrrp) = locate(frame)?;
    let packet = VrrpPacket::new_checked(vrrp)?;
    let repr = VrrpRepr::parse(&packet, Family::of(&h.src_ip))?;
    let checksum = packet.checksum_form(h.src_ip, h.dst_ip);
    Ok(ParsedAdvert {
        src_mac: h.src_mac,
        dst_mac: h.dst_mac,
        vlan: h.vlan,
        src_ip: h.src_ip,
        dst_ip: h.dst_ip,
        ttl: h.ttl,
        ipv4_tos: h.ipv4_tos,
        ipv4_id: h.ipv4_id,
        ipv4_dont_fragment: h.ipv4_dont_fragment,
        ipv6_traffic_class: h.ipv6_traffic_class,
        ipv6_flow_label: h.ipv6_flow_label,
        behind_ah: h.behind_ah,
        checksum,
        vrrp_offset: h.vrrp_offset,
        repr,
    })
}

fn blank(src_ip: IpAddr, dst_ip: IpAddr, ttl: u8) -> AdvertHeaders {
    AdvertHeaders {
        src_mac: [0; 6],
        dst_mac: [0; 6],
        vlan: None,
        src_ip,
        dst_ip,
        ttl,
        ipv4_tos: 0,
        ipv4_id: 0,
        ipv4_dont_fragment: false,
        ipv6_traffic_class: 0,
        ipv6_flow_label: 0,
        behind_ah: false,
        vrrp_offset: 0,
    }
}

/// IPv4 header [+ AH]; returns the advert skeleton and the VRRP byte range within `ip`.
fn parse_ipv4(ip: &[u8]) -> Result<(AdvertHeaders, usize, usize), FrameError> {
    let h = Ipv4HeaderSlice::from_slice(ip).map_err(|e| FrameError::Malformed(e.to_string()))?;
    let total = usize::from(h.total_len());
    let hlen = h.slice().len();
    if total < hlen || total > ip.len() {
        return Err(FrameError::Malformed(format!(
            "IPv4 total length {total} with {} bytes present",
            ip.len()
        )));
    }
    if h.is_fragmenting_payload() {
        return Err(FrameError::Fragmented);
    }
    let mut adv = blank(
        IpAddr::V4(h.source_addr()),
        IpAddr::V4(h.destination_addr()),
        h.ttl(),
    );
    adv.ipv4_tos = (h.dcp().value() << 2) | h.ecn().value();
    adv.ipv4_id = h.identification();
    adv.ipv4_dont_fragment = h.dont_fragment();
    let mut start = hlen;
    let mut proto = h.protocol();
    if proto == IpNumber::AUTHENTICATION_HEADER {
        let ah = IpAuthHeaderSlice::from_slice(&ip[start..total])
            .map_err(|e| FrameError::Malformed(e.to_string()))?;
        start += ah.slice().len();
        proto = ah.next_header();
        adv.behind_ah = true;
    }
    if proto.0 != wire::IP_PROTOCOL {
        return Err(FrameError::NotVrrp(proto.0));
    }
    Ok((adv, start, total))
}

/// IPv6 header [+ extension headers]; returns the advert skeleton and the VRRP byte range.
fn parse_ipv6(ip: &[u8]) -> Result<(AdvertHeaders, usize, usize), FrameError> {
    let h = Ipv6HeaderSlice::from_slice(ip).map_err(|e| FrameError::Malformed(e.to_string()))?;
    let end = Ipv6Header::LEN + usize::from(h.payload_length());
    if end > ip.len() {
        return Err(FrameError::Malformed(format!(
            "IPv6 payload length {} with {} bytes present",
            h.payload_length(),
            ip.len() - Ipv6Header::LEN
        )));
    }
    let mut adv = blank(
        IpAddr::V6(h.source_addr()),
        IpAddr::V6(h.destination_addr()),
        h.hop_limit(),
    );
    adv.ipv6_traffic_class = h.traffic_class();
    adv.ipv6_flow_label = h.flow_label().value();
    if h.next_header().0 == wire::IP_PROTOCOL {
        return Ok((adv, Ipv6Header::LEN, end));
    }
    // Rare path: extension headers before VRRP.
    let sliced =
        Ipv6Slice::from_slice(&ip[..end]).map_err(|e| FrameError::Malformed(e.to_string()))?;
    let payload = sliced.payload();
    if payload.fragmented {
        return Err(FrameError::Fragmented);
    }
    if payload.ip_number.0 != wire::IP_PROTOCOL {
        return Err(FrameError::NotVrrp(payload.ip_number.0));
    }
    adv.behind_ah = sliced
        .extensions()
        .clone()
        .into_iter()
        .any(|e| matches!(e, etherparse::Ipv6ExtensionSlice::Authentication(_)));
    let start = end - payload.payload.len();
    Ok((adv, start, end))
}
