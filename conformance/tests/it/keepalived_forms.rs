//! keepalived's deviations that are notes under the `keepalived` profile and errors under the RFC profiles:
//! VRRPv2 over IPv6 (length and checksum as keepalived sends them) and the unsolicited NA's Router flag.

use std::net::{IpAddr, Ipv6Addr};

use conformance::{Profile, Severity};
use vrrp::wire::{compute_checksum, ChecksumForm, Version};

use crate::scene::{ll, severities, Rtr, Scene, MS, SEC};

/// Offset of the VRRP message in an untagged Ethernet/IPv6 frame without extension headers.
const V6_VRRP_OFF: usize = 14 + 40;

fn v2_v6_router() -> Rtr {
    Rtr {
        ip: ll(1),
        mac: [2, 0, 0, 0, 0, 0x11],
        prio: 100,
        version: Version::V2,
        vrid: 9,
        int_cs: 100,
        addrs: vec![IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 9))],
    }
}

/// keepalived 2.2.7's VRRPv2-over-IPv6 advert: 8 + 16n bytes (vrrp.c `vrrp_pkt_len` adds the 8-byte
/// authentication trailer for IPv4 only) and a checksum the kernel fills with the IPv6 pseudo-header
/// (`IPV6_CHECKSUM` at offset 6 on the raw socket, vrrp_if.c; `vrrp_build_vrrp_v2` leaves it 0).
fn keepalived_v2_v6_frame(r: &Rtr) -> Vec<u8> {
    let b = r.frame(r.prio);
    let (src, dst) = (
        r.ip,
        IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
    );
    let msg = b[V6_VRRP_OFF..].to_vec();
    assert_eq!(
        msg.len(),
        8 + 16 * r.addrs.len(),
        "the codec writes keepalived's length"
    );
    // The codec's default form writes the kernel's checksum: the IPv6 pseudo-header sum, as for v3.
    let kernel = compute_checksum(&msg, Version::V3, src, dst, ChecksumForm::Rfc5798);
    assert_eq!(
        msg[6..8],
        kernel.to_be_bytes(),
        "the codec writes keepalived's checksum"
    );
    b
}

/// RFC 3768's layout carried over IPv6: 16 + 16n bytes with the 8-byte trailer, no pseudo-header.
fn rfc3768_layout_v6_frame(r: &Rtr) -> Vec<u8> {
    let mut b = r.frame(r.prio);
    b.extend_from_slice(&[0; 8]);
    let plen = (b.len() - V6_VRRP_OFF) as u16;
    b[14 + 4..14 + 6].copy_from_slice(&plen.to_be_bytes());
    let dst = IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12));
    let c = compute_checksum(
        &b[V6_VRRP_OFF..],
        Version::V2,
        r.ip,
        dst,
        // RFC 3768 §5.3.8: the message alone.
        ChecksumForm::Rfc9568,
    );
    b[V6_VRRP_OFF + 6..V6_VRRP_OFF + 8].copy_from_slice(&c.to_be_bytes());
    b
}

fn scene_of(frame: impl Fn(&Rtr) -> Vec<u8>) -> Scene {
    let r = v2_v6_router();
    let mut s = Scene::default();
    for i in 0..5 {
        s.at(i * SEC, frame(&r));
    }
    s
}

#[test]
fn v2_pkt_11_15_17_keepalived_v2_over_ipv6_is_noted_under_keepalived_and_an_error_under_rfc3768() {
    let s = scene_of(keepalived_v2_v6_frame);
    let ka = s.check_profile(Profile::Keepalived);
    assert_eq!(ka.summary.errors, 0, "{}", ka.to_json());
    assert_eq!(
        severities(&ka, "V2-PKT-11", "8-byte authentication trailer"),
        [Severity::Note]
    );
    assert_eq!(
        severities(&ka, "V2-PKT-15", "IPv6 pseudo-header"),
        [Severity::Note]
    );
    assert_eq!(severities(&ka, "V2-PKT-17", "IPv4 only"), [Severity::Note]);
    // auto recognises keepalived from VRRPv2 over IPv6 plus its real source MAC.
    let auto = s.check_profile(Profile::Auto);
    assert_eq!(
        auto.routers[0].profile, "keepalived",
        "{:?}",
        auto.routers[0].profile_reasons
    );
    assert_eq!(auto.summary.errors, 0);

    let strict = s.check_profile(Profile::Rfc3768);
    assert_eq!(
        severities(&strict, "V2-PKT-11", "8-byte authentication trailer"),
        [Severity::Error]
    );
    assert_eq!(
        severities(&strict, "V2-PKT-15", "IPv6 pseudo-header"),
        [Severity::Error]
    );
    assert_eq!(
        severities(&strict, "V2-PKT-17", "IPv4 only"),
        [Severity::Error]
    );
}

#[test]
fn v2_pkt_11_rfc3768_layout_over_ipv6_passes_length_and_checksum_but_not_scope() {
    let s = scene_of(rfc3768_layout_v6_frame);
    for p in [Profile::Rfc3768, Profile::Keepalived] {
        let r = s.check_profile(p);
        assert!(
            severities(&r, "V2-PKT-11", "").is_empty(),
            "{}",
            r.to_json()
        );
        assert!(
            severities(&r, "V2-PKT-15", "").is_empty(),
            "{}",
            r.to_json()
        );
    }
    let strict = s.check_profile(Profile::Rfc3768);
    assert_eq!(
        severities(&strict, "V2-PKT-17", "IPv4 only"),
        [Severity::Error]
    );
    // A v2-over-IPv6 message that is neither form still fails its length under every profile.
    let mut bad = scene_of(keepalived_v2_v6_frame);
    let mut f = keepalived_v2_v6_frame(&v2_v6_router());
    f.extend_from_slice(&[0; 4]);
    let plen = (f.len() - V6_VRRP_OFF) as u16;
    f[18..20].copy_from_slice(&plen.to_be_bytes());
    bad.at(5 * SEC, f);
    let r = bad.check_profile(Profile::Keepalived);
    assert_eq!(
        severities(
            &r,
            "V2-PKT-11",
            "which needs a 32-byte message, but the message is 28 bytes"
        ),
        [Severity::Error]
    );
}

#[test]
fn v3_pkt_21_router_flag_0_is_a_note_under_keepalived_and_an_error_under_rfc_profiles() {
    // keepalived sets R only when IPv6 forwarding is on for the interface (vrrp_ndisc.c, gna_router):
    // with forwarding off its unsolicited NA has R=0.
    let vips = [
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x21),
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x21),
    ];
    let r = Rtr {
        ip: ll(1),
        mac: [2, 0, 0, 0, 0, 0x11],
        prio: 100,
        version: Version::V3,
        vrid: 21,
        int_cs: 100,
        addrs: vips.iter().map(|v| IpAddr::V6(*v)).collect(),
    };
    let mut s = Scene::default();
    s.adverts(&r, 0, 5 * SEC);
    // keepalived's NA: from the virtual address, TLLA = the real MAC (no use_vmac), R cleared.
    for (k, v) in vips.iter().enumerate() {
        let mut na = vrrp::frame::unsolicited_na(r.mac, *v, *v, None);
        // Flags byte of the ICMPv6 NA (after Ethernet 14 + IPv6 40 + type/code/checksum 4).
        na[14 + 40 + 4] &= !0x80;
        // The ICMPv6 checksum is not checked by the rules; keep it consistent anyway.
        let c = icmpv6_checksum(&na);
        na[14 + 40 + 2..14 + 40 + 4].copy_from_slice(&c.to_be_bytes());
        s.at(k as u64 * MS + 1, na);
    }
    let ka = s.check_profile(Profile::Keepalived);
    assert_eq!(
        severities(&ka, "V3-PKT-21", "Router flag 0"),
        [Severity::Note]
    );
    assert_eq!(ka.summary.errors, 0, "{}", ka.to_json());
    for p in [Profile::Rfc5798, Profile::Rfc9568] {
        let strict = s.check_profile(p);
        assert_eq!(
            severities(&strict, "V3-PKT-21", "Router flag 0"),
            [Severity::Error]
        );
    }
}

fn icmpv6_checksum(frame: &[u8]) -> u16 {
    let ip = &frame[14..54];
    let body = &frame[54..];
    let mut sum: u32 = 0;
    let mut add = |b: &[u8]| {
        for c in b.chunks(2) {
            sum += u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]) as u32;
        }
    };
    add(&ip[8..40]);
    add(&(body.len() as u32).to_be_bytes());
    add(&[0, 0, 0, 58]);
    let mut zeroed = body.to_vec();
    zeroed[2] = 0;
    zeroed[3] = 0;
    add(&zeroed);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[test]
fn v2_pkt_11_15_17_real_keepalived_v2_over_ipv6_capture_is_clean_under_keepalived_and_auto() {
    // pcaps/own/keepalived-vrrpv2-ipv6.pcap, recorded from keepalived 2.2.7 (make_captures.sh).
    let ka = crate::check("own/keepalived-vrrpv2-ipv6.pcap", Profile::Keepalived);
    let auto = crate::check("own/keepalived-vrrpv2-ipv6.pcap", Profile::Auto);
    for r in [&ka, &auto] {
        assert_eq!(r.summary.errors, 0, "{}", r.to_json());
        assert_eq!(r.routers[0].profile, "keepalived");
        assert_eq!(r.routers[0].version, 2);
        assert_eq!(
            severities(r, "V2-PKT-11", "without the 8-byte"),
            [Severity::Note]
        );
    }
    assert_eq!(auto.failovers.len(), 1);
    assert!(auto.failovers[0].resigned);
    let strict = crate::check("own/keepalived-vrrpv2-ipv6.pcap", Profile::Rfc3768);
    for rule in ["V2-PKT-11", "V2-PKT-15", "V2-PKT-17"] {
        assert!(
            severities(&strict, rule, "")
                .iter()
                .all(|s| *s == Severity::Error),
            "{rule}"
        );
        assert!(!severities(&strict, rule, "").is_empty(), "{rule}");
    }
}
