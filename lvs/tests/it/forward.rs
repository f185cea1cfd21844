//! DR, NAT and TUN on real frames: build with etherparse, transform, parse back, check checksums.

use std::net::SocketAddr;

use etherparse::{NetSlice, PacketBuilder, SlicedPacket, TransportSlice};
use lvs::forward::{self, ForwardError};
use lvs::{Protocol, TcpFlags};

const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const DIRECTOR_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const RS_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x03];

fn tcp_syn_v4(payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(CLIENT_MAC, DIRECTOR_MAC)
        .ipv4([203, 0, 113, 7], [192, 0, 2, 100], 61)
        .tcp(40000, 80, 12345, 64240)
        .syn();
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

fn udp_v4(payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(CLIENT_MAC, DIRECTOR_MAC)
        .ipv4([203, 0, 113, 7], [192, 0, 2, 100], 64)
        .udp(5353, 53);
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

fn tcp_v6() -> Vec<u8> {
    let src = "2001:db8::7"
        .parse::<std::net::Ipv6Addr>()
        .unwrap()
        .octets();
    let dst = "2001:db8::100"
        .parse::<std::net::Ipv6Addr>()
        .unwrap()
        .octets();
    let b = PacketBuilder::ethernet2(CLIENT_MAC, DIRECTOR_MAC)
        .ipv6(src, dst, 64)
        .tcp(40000, 80, 1, 1000)
        .ack(5);
    let mut out = Vec::new();
    b.write(&mut out, b"GET / HTTP/1.0\r\n\r\n").unwrap();
    out
}

/// Parse a frame and check the IPv4 header and TCP/UDP checksums are valid.
fn assert_checksums_valid(frame: &[u8]) {
    let p = SlicedPacket::from_ethernet(frame).expect("parses");
    match (&p.net, &p.transport) {
        (Some(NetSlice::Ipv4(ip)), Some(TransportSlice::Tcp(tcp))) => {
            let h = ip.header().to_header();
            assert_eq!(h.header_checksum, h.calc_header_checksum());
            let th = tcp.to_header();
            assert_eq!(
                th.checksum,
                th.calc_checksum_ipv4(&h, tcp.payload()).unwrap()
            );
        }
        (Some(NetSlice::Ipv4(ip)), Some(TransportSlice::Udp(udp))) => {
            let h = ip.header().to_header();
            assert_eq!(h.header_checksum, h.calc_header_checksum());
            let uh = udp.to_header();
            if uh.checksum != 0 {
                assert_eq!(
                    uh.checksum,
                    uh.calc_checksum_ipv4(&h, udp.payload()).unwrap()
                );
            }
        }
        (Some(NetSlice::Ipv6(ip)), Some(TransportSlice::Tcp(tcp))) => {
            let h = ip.header().to_header();
            let th = tcp.to_header();
            assert_eq!(
                th.checksum,
                th.calc_checksum_ipv6(&h, tcp.payload()).unwrap()
            );
        }
        other => panic!("unexpected layers {other:?}"),
    }
}

#[test]
fn ip_vs_dr_xmit_rewrites_only_the_macs() {
    let f = tcp_syn_v4(b"");
    let out = forward::dr(&f, DIRECTOR_MAC, RS_MAC).unwrap();
    assert_eq!(&out[0..6], &RS_MAC);
    assert_eq!(&out[6..12], &DIRECTOR_MAC);
    assert_eq!(
        &out[12..],
        &f[12..],
        "IP packet untouched, VIP still the destination"
    );
    assert_checksums_valid(&out);
}

#[test]
fn ip_vs_nat_xmit_rewrites_destination_and_fixes_checksums() {
    let f = tcp_syn_v4(b"hello");
    let real: SocketAddr = "198.51.100.3:8080".parse().unwrap();
    let out = forward::nat_in(&f, real, DIRECTOR_MAC, RS_MAC).unwrap();
    let info = forward::packet_info(&out).unwrap();
    assert_eq!(info.dst, real);
    assert_eq!(info.src, "203.0.113.7:40000".parse().unwrap());
    assert_eq!(
        info.tcp,
        TcpFlags {
            syn: true,
            ..Default::default()
        }
    );
    assert_checksums_valid(&out);
    // The reply path: the server answers from real → client; nat_out puts the VIP back.
    let reply = {
        let b = PacketBuilder::ethernet2(RS_MAC, DIRECTOR_MAC)
            .ipv4([198, 51, 100, 3], [203, 0, 113, 7], 64)
            .tcp(8080, 40000, 999, 1000)
            .syn()
            .ack(12346);
        let mut v = Vec::new();
        b.write(&mut v, b"").unwrap();
        v
    };
    let vip: SocketAddr = "192.0.2.100:80".parse().unwrap();
    let back = forward::nat_out(&reply, vip, DIRECTOR_MAC, CLIENT_MAC).unwrap();
    assert_eq!(forward::packet_info(&back).unwrap().src, vip);
    assert_checksums_valid(&back);
}

#[test]
fn ip_vs_nat_round_trip_restores_the_packet() {
    let f = tcp_syn_v4(b"payload bytes");
    let real: SocketAddr = "198.51.100.3:8080".parse().unwrap();
    let vip: SocketAddr = "192.0.2.100:80".parse().unwrap();
    let there = forward::nat_in(&f, real, DIRECTOR_MAC, RS_MAC).unwrap();
    let back = forward::nat_in(&there, vip, CLIENT_MAC, DIRECTOR_MAC).unwrap();
    assert_eq!(&back[14..], &f[14..]);
}

#[test]
fn ip_vs_nat_udp_keeps_a_zero_checksum() {
    let mut f = udp_v4(b"query");
    // Zero the UDP checksum (IPv4 allows "no checksum").
    let l4 = 14 + 20;
    f[l4 + 6] = 0;
    f[l4 + 7] = 0;
    let out = forward::nat_in(
        &f,
        "198.51.100.3:5353".parse().unwrap(),
        DIRECTOR_MAC,
        RS_MAC,
    )
    .unwrap();
    assert_eq!(&out[l4 + 6..l4 + 8], &[0, 0]);
    assert_checksums_valid(&out);
    let g = udp_v4(b"query");
    let out = forward::nat_in(
        &g,
        "198.51.100.3:5353".parse().unwrap(),
        DIRECTOR_MAC,
        RS_MAC,
    )
    .unwrap();
    assert_checksums_valid(&out);
}

#[test]
fn ip_vs_nat_ipv6_tcp() {
    let f = tcp_v6();
    let real: SocketAddr = "[2001:db8::3]:8080".parse().unwrap();
    let out = forward::nat_in(&f, real, DIRECTOR_MAC, RS_MAC).unwrap();
    assert_eq!(forward::packet_info(&out).unwrap().dst, real);
    assert_checksums_valid(&out);
    assert_eq!(
        forward::nat_in(&f, "198.51.100.3:80".parse().unwrap(), DIRECTOR_MAC, RS_MAC),
        Err(ForwardError::Unsupported("address family mismatch"))
    );
}

#[test]
fn ip_vs_tunnel_xmit_encapsulates_ipip_protocol_4() {
    let f = tcp_syn_v4(b"x");
    let out = forward::tun(
        &f,
        "192.0.2.10".parse().unwrap(),
        "198.51.100.3".parse().unwrap(),
        DIRECTOR_MAC,
        RS_MAC,
    )
    .unwrap();
    let p = SlicedPacket::from_ethernet(&out).unwrap();
    let Some(NetSlice::Ipv4(outer)) = &p.net else {
        panic!("{:?}", p.net)
    };
    let h = outer.header().to_header();
    assert_eq!(h.protocol.0, 4);
    assert_eq!(h.source, [192, 0, 2, 10]);
    assert_eq!(h.destination, [198, 51, 100, 3]);
    assert_eq!(h.time_to_live, 61, "inner TTL copied");
    assert!(h.dont_fragment, "DF inherited");
    assert_eq!(h.header_checksum, h.calc_header_checksum());
    assert_eq!(usize::from(h.total_len), out.len() - 14);
    // The payload of the outer header is the original IP packet, byte for byte.
    assert_eq!(&out[14 + 20..], &f[14..]);
    // And the inner packet still has valid checksums.
    let mut inner_frame = out[..14].to_vec();
    inner_frame.extend_from_slice(&out[34..]);
    assert_checksums_valid(&inner_frame);
}

#[test]
fn ip_vs_tunnel_xmit_ipv6_in_ipv6_uses_next_header_41() {
    let f = tcp_v6();
    let out = forward::tun(
        &f,
        "2001:db8::10".parse().unwrap(),
        "2001:db8::3".parse().unwrap(),
        DIRECTOR_MAC,
        RS_MAC,
    )
    .unwrap();
    assert_eq!(out[12..14], [0x86, 0xdd]);
    assert_eq!(out[14 + 6], 41);
    assert_eq!(&out[14 + 40..], &f[14..]);
}

#[test]
fn forwarding_keeps_a_vlan_tag() {
    let b = PacketBuilder::ethernet2(CLIENT_MAC, DIRECTOR_MAC)
        .single_vlan(etherparse::VlanId::try_new(42).unwrap())
        .ipv4([203, 0, 113, 7], [192, 0, 2, 100], 64)
        .tcp(40000, 80, 1, 1000)
        .syn();
    let mut f = Vec::new();
    b.write(&mut f, b"").unwrap();
    let out =
        forward::nat_in(&f, "198.51.100.3:80".parse().unwrap(), DIRECTOR_MAC, RS_MAC).unwrap();
    assert_eq!(out[12..14], [0x81, 0x00]);
    let info = forward::packet_info(&out).unwrap();
    assert_eq!(info.proto, Protocol::Tcp);
    assert_eq!(info.dst, "198.51.100.3:80".parse().unwrap());
    assert_checksums_valid(&out);
}

#[test]
fn nat_refuses_non_first_fragments_and_non_ip() {
    let mut f = tcp_syn_v4(b"");
    f[14 + 6] = 0x00;
    f[14 + 7] = 0x10; // fragment offset 16 × 8 bytes
                      // Fix the header checksum so only the fragment matters.
    let mut sum: u32 = 0;
    f[14 + 10] = 0;
    f[14 + 11] = 0;
    for c in f[14..34].chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let c = !(sum as u16);
    f[24..26].copy_from_slice(&c.to_be_bytes());
    assert_eq!(
        forward::nat_in(&f, "198.51.100.3:80".parse().unwrap(), DIRECTOR_MAC, RS_MAC),
        Err(ForwardError::Fragment)
    );
    assert!(
        forward::dr(&f, DIRECTOR_MAC, RS_MAC).is_ok(),
        "DR forwards fragments as is"
    );
    let mut arp = f.clone();
    arp[12] = 0x08;
    arp[13] = 0x06;
    assert_eq!(
        forward::dr(&arp, DIRECTOR_MAC, RS_MAC),
        Err(ForwardError::NotIp(0x0806))
    );
}

#[test]
fn datapath_dr_nat_and_local_frames() {
    use lvs::datapath::{inbound, outbound, FrameAction};
    use lvs::{
        DestConfig, FwdMethod, Instant, Ipvs, IpvsSettings, Scheduler, ServiceConfig, ServiceKey,
    };
    let vip_key = ServiceKey::Addr {
        proto: Protocol::Tcp,
        addr: "192.0.2.100".parse().unwrap(),
        port: 80,
    };
    let mut ipvs = Ipvs::new(IpvsSettings::default(), 1);
    ipvs.add_service(ServiceConfig::new(vip_key, Scheduler::Rr))
        .unwrap();
    ipvs.add_dest(
        &vip_key,
        DestConfig::new("198.51.100.3".parse().unwrap(), 8080, 1, FwdMethod::Nat),
    )
    .unwrap();
    let me: std::net::IpAddr = "192.0.2.10".parse().unwrap();
    let arp = |ip: std::net::IpAddr| {
        (ip.to_string() == "198.51.100.3" || ip.to_string() == "192.0.2.1").then_some(RS_MAC)
    };
    let t = Instant::from_secs(1);
    let FrameAction::Transmit { frame, next_hop } =
        inbound(&mut ipvs, t, &tcp_syn_v4(b""), 0, DIRECTOR_MAC, me, arp).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        next_hop,
        "198.51.100.3".parse::<std::net::IpAddr>().unwrap()
    );
    assert_eq!(
        forward::packet_info(&frame).unwrap().dst,
        "198.51.100.3:8080".parse().unwrap()
    );
    // The server's SYN+ACK goes back through the director with the VIP as source.
    let reply = {
        let b = PacketBuilder::ethernet2(RS_MAC, DIRECTOR_MAC)
            .ipv4([198, 51, 100, 3], [203, 0, 113, 7], 64)
            .tcp(8080, 40000, 1, 1000)
            .syn()
            .ack(12346);
        let mut v = Vec::new();
        b.write(&mut v, b"").unwrap();
        v
    };
    let FrameAction::Transmit { frame, .. } = outbound(
        &mut ipvs,
        t,
        &reply,
        DIRECTOR_MAC,
        "192.0.2.1".parse().unwrap(),
        arp,
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(
        forward::packet_info(&frame).unwrap().src,
        "192.0.2.100:80".parse().unwrap()
    );
    // Unknown neighbour: resolve first. Traffic for another address: local stack.
    let mut ipvs2 = ipvs.clone();
    let syn2 = {
        let b = PacketBuilder::ethernet2(CLIENT_MAC, DIRECTOR_MAC)
            .ipv4([203, 0, 113, 8], [192, 0, 2, 100], 64)
            .tcp(40001, 80, 1, 1000)
            .syn();
        let mut v = Vec::new();
        b.write(&mut v, b"").unwrap();
        v
    };
    assert_eq!(
        inbound(&mut ipvs2, t, &syn2, 0, DIRECTOR_MAC, me, |_| None).unwrap(),
        FrameAction::Resolve {
            ip: "198.51.100.3".parse().unwrap()
        }
    );
    let other = {
        let b = PacketBuilder::ethernet2(CLIENT_MAC, DIRECTOR_MAC)
            .ipv4([203, 0, 113, 8], [192, 0, 2, 10], 64)
            .tcp(40001, 22, 1, 1000)
            .syn();
        let mut v = Vec::new();
        b.write(&mut v, b"").unwrap();
        v
    };
    assert_eq!(
        inbound(&mut ipvs, t, &other, 0, DIRECTOR_MAC, me, arp).unwrap(),
        FrameAction::Local
    );
}
