//! The VRRP codec (`vrrp::wire` and `vrrp::frame`) on arbitrary bytes.
//!
//! Beyond "never panics" it checks what the codec promises: a message that parses re-emits to a
//! message that parses to the same value; a VRRPv3 message whose checksum verifies re-emits
//! byte for byte; a frame that parses rebuilds (from its own headers) into a frame that parses
//! to the same advert.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use vrrp::frame;
use vrrp::wire::{ChecksumForm, Family, Version, VrrpPacket, VrrpRepr};

/// Documentation addresses standing in for the carrying IP header.
fn endpoints(family: Family) -> (IpAddr, IpAddr) {
    match family {
        Family::V4 => (
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11)),
            IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
        ),
        Family::V6 => (
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x11)),
            IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
        ),
    }
}

fn message(data: &[u8]) {
    let Ok(packet) = VrrpPacket::new_checked(data) else {
        return;
    };
    for family in [Family::V4, Family::V6] {
        // The accessors with their own bounds checks.
        let _ = packet.addresses_bytes(family);
        let _ = packet.auth_data(family);
        let (src, dst) = endpoints(family);
        let form = packet.checksum_form(src, dst);
        let Ok(repr) = VrrpRepr::parse(&packet, family) else {
            continue;
        };
        let _ = repr.to_string();
        let _ = repr.adver_int();
        // An empty address list carries no family: the repr re-emits as IPv4.
        let fam = repr.family();
        let (s, d) = endpoints(fam);
        for f in [ChecksumForm::Rfc5798, ChecksumForm::Rfc9568] {
            let bytes = repr.to_bytes(s, d, f);
            assert_eq!(bytes.len(), repr.buffer_len());
            let again = VrrpRepr::parse_bytes(&bytes, fam).expect("re-emitted message parses");
            assert_eq!(again, repr, "re-emitted message parses to the same repr");
            VrrpPacket::new_checked(&bytes[..])
                .expect("re-emitted length")
                .verify_checksum(s, d, f)
                .expect("re-emitted checksum verifies");
        }
        // VRRPv3 carries no field the repr drops, so a valid message re-emits exactly.
        if let (Some(f), Version::V3, true) = (form, repr.version, fam == family) {
            assert_eq!(
                repr.to_bytes(src, dst, f),
                data,
                "v3 message re-emits byte for byte"
            );
        }
    }
}

fn ethernet(data: &[u8]) {
    let _ = frame::locate(data);
    let Ok(parsed) = frame::parse(data) else {
        return;
    };
    // Only a repr whose address family is the carrying IP header's can be rebuilt (an empty
    // list counts as IPv4).
    if parsed.repr.family() != Family::of(&parsed.src_ip) {
        return;
    }
    let Ok(rebuilt) = parsed.to_advert_frame().build(&parsed.repr) else {
        return;
    };
    let again = frame::parse(&rebuilt).expect("rebuilt frame parses");
    assert_eq!(
        again.repr, parsed.repr,
        "rebuilt frame carries the same advert"
    );
    assert_eq!(again.src_ip, parsed.src_ip);
    assert_eq!(again.dst_ip, parsed.dst_ip);
    assert_eq!(again.vlan, parsed.vlan);
    assert_eq!(again.ttl, parsed.ttl);
    assert!(
        again.checksum.is_some(),
        "rebuilt frame has a good checksum"
    );
}

fuzz_target!(|data: &[u8]| {
    message(data);
    ethernet(data);
});
