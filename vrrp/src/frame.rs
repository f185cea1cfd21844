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
    Ethernet2Header, Icmpv6Header, Icmpv6Type, IpDscp, IpEcn, IpNumber, Ipv4Header, Ipv6Header,
    LinkExtSlice, LinkSlice, NetSlice, SingleVlanHeader, SlicedPacket, VlanId,
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
    /// IPv6 traffic class; keepalived leaves it 0.
    pub ipv6_traffic_class: u8,
    /// VRRPv3-over-IPv4 checksum form.
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
            ipv6_traffic_class: 0,
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
                    flow_label: Default::default(),
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

/// Reads Ethernet [+ 802.1Q] → IPv4/IPv6 → VRRP. A bad VRRP checksum is not an error: it is
/// reported in [`ParsedAdvert::checksum`] so receivers can count the discard.
pub fn parse(frame: &[u8]) -> Result<ParsedAdvert, FrameError> {
    let sliced =
        SlicedPacket::from_ethernet(frame).map_err(|e| FrameError::Malformed(e.to_string()))?;
    let (src_mac, dst_mac) = match &sliced.link {
        Some(LinkSlice::Ethernet2(eth)) => (eth.source(), eth.destination()),
        _ => return Err(FrameError::Malformed("no Ethernet II header".into())),
    };
    let vlan = sliced.link_exts.iter().find_map(|x| match x {
        LinkExtSlice::Vlan(v) => Some(v.vlan_identifier().value()),
        _ => None,
    });
    let mut df = false;
    let mut tclass = 0;
    let (src_ip, dst_ip, ttl, tos, id, payload, behind_ah) = match &sliced.net {
        Some(NetSlice::Ipv4(ip)) => {
            let h = ip.header();
            let tos = (h.dcp().value() << 2) | h.ecn().value();
            let ah = ip.extensions().auth.is_some();
            df = h.dont_fragment();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                h.ttl(),
                tos,
                h.identification(),
                ip.payload().clone(),
                ah,
            )
        }
        Some(NetSlice::Ipv6(ip)) => {
            let h = ip.header();
            tclass = h.traffic_class();
            let ah = ip.extensions().first_header().is_some()
                && ip
                    .extensions()
                    .clone()
                    .into_iter()
                    .any(|e| matches!(e, etherparse::Ipv6ExtensionSlice::Authentication(_)));
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                h.hop_limit(),
                0,
                0,
                ip.payload().clone(),
                ah,
            )
        }
        _ => return Err(FrameError::NotIp),
    };
    if payload.fragmented {
        return Err(FrameError::Fragmented);
    }
    if payload.ip_number.0 != wire::IP_PROTOCOL {
        return Err(FrameError::NotVrrp(payload.ip_number.0));
    }
    let family = Family::of(&src_ip);
    let vrrp_offset = (payload.payload.as_ptr() as usize).saturating_sub(frame.as_ptr() as usize);
    let packet = VrrpPacket::new_checked(payload.payload)?;
    let repr = VrrpRepr::parse(&packet, family)?;
    let checksum = packet.checksum_form(src_ip, dst_ip);
    Ok(ParsedAdvert {
        src_mac,
        dst_mac,
        vlan,
        src_ip,
        dst_ip,
        ttl,
        ipv4_tos: tos,
        ipv4_id: id,
        ipv4_dont_fragment: df,
        ipv6_traffic_class: tclass,
        behind_ah,
        checksum,
        vrrp_offset,
        repr,
    })
}
