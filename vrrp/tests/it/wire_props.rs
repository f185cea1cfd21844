//! Property tests of the codec: emit → parse is the identity for every valid repr, and no
//! byte string makes the parsers panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use vrrp::frame::{self, AdvertFrame};
use vrrp::wire::{Auth, ChecksumForm, Family, Version, VrrpPacket, VrrpRepr};

fn arb_repr() -> impl Strategy<Value = VrrpRepr> {
    let v2 = (
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        prop_oneof![
            Just(Auth::None),
            any::<[u8; 8]>().prop_map(Auth::SimpleText),
            Just(Auth::IpAh),
            (3u8..=255).prop_map(Auth::Unknown),
        ],
        proptest::collection::vec(any::<[u8; 4]>(), 0..20),
    )
        .prop_map(|(vrid, priority, secs, auth, addrs)| VrrpRepr {
            version: Version::V2,
            vrid,
            priority,
            max_adver_int_cs: u16::from(secs) * 100,
            v3_reserved: 0,
            auth,
            addresses: addrs
                .into_iter()
                .map(|a| IpAddr::V4(Ipv4Addr::from(a)))
                .collect(),
        });
    // keepalived's VRRPv2 over IPv6: no auth trailer, so the repr carries Auth::None.
    let v2_ipv6 = (
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        proptest::collection::vec(any::<[u8; 16]>(), 1..8),
    )
        .prop_map(|(vrid, priority, secs, addrs)| VrrpRepr {
            version: Version::V2,
            vrid,
            priority,
            max_adver_int_cs: u16::from(secs) * 100,
            v3_reserved: 0,
            auth: Auth::None,
            addresses: addrs
                .into_iter()
                .map(|a| IpAddr::V6(Ipv6Addr::from(a)))
                .collect(),
        });
    let v3 = (
        any::<u8>(),
        any::<u8>(),
        0u16..=4095,
        0u8..16,
        any::<bool>(),
        proptest::collection::vec(any::<[u8; 16]>(), 0..12),
    )
        .prop_map(|(vrid, priority, cs, rsvd, v6, addrs)| VrrpRepr {
            version: Version::V3,
            vrid,
            priority,
            max_adver_int_cs: cs,
            v3_reserved: rsvd,
            auth: Auth::None,
            addresses: addrs
                .into_iter()
                .map(|a| {
                    if v6 {
                        IpAddr::V6(Ipv6Addr::from(a))
                    } else {
                        IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]))
                    }
                })
                .collect(),
        });
    prop_oneof![v2, v2_ipv6, v3]
}

fn endpoints(family: Family) -> (IpAddr, IpAddr) {
    match family {
        Family::V4 => (
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            IpAddr::V4(vrrp::wire::MULTICAST_V4),
        ),
        Family::V6 => (
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            IpAddr::V6(vrrp::wire::MULTICAST_V6),
        ),
    }
}

proptest! {
    #[test]
    fn emit_then_parse_is_identity(
        repr in arb_repr(), rfc9568 in any::<bool>(), vlan in proptest::option::of(0u16..4096),
        pad_to_60 in any::<bool>(),
    ) {
        let form = if rfc9568 { ChecksumForm::Rfc9568 } else { ChecksumForm::Rfc5798 };
        let family = repr.family();
        let (s, d) = endpoints(family);
        let bytes = repr.to_bytes(s, d, form);
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        let packet = VrrpPacket::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(packet.verify_checksum(s, d, form), Ok(()));
        prop_assert_eq!(VrrpRepr::parse(&packet, family), Ok(repr.clone()));

        // The same through a whole Ethernet frame.
        let mut f = AdvertFrame::multicast([2, 0, 0, 0, 0, 1], s);
        f.checksum_form = form;
        f.vlan = vlan;
        let mut built = f.build(&repr).unwrap();
        prop_assert_eq!(built.len(), f.frame_len(&repr));
        if pad_to_60 && built.len() < 60 {
            // Ethernet minimum-size padding must be ignored.
            built.resize(60, 0);
        }
        let parsed = frame::parse(&built).unwrap();
        prop_assert_eq!(&parsed.repr, &repr);
        // Only v3/IPv4 and v2/IPv6 tell the forms apart; elsewhere the first one tried is reported.
        let distinct = matches!((repr.version, family), (Version::V3, Family::V4) | (Version::V2, Family::V6));
        prop_assert_eq!(parsed.checksum, Some(form).filter(|_| distinct).or(Some(ChecksumForm::Rfc5798)));
        prop_assert_eq!(parsed.ttl, 255);
        prop_assert_eq!(parsed.vlan, vlan);
        prop_assert_eq!(parsed.to_advert_frame().build(&repr).unwrap(), f.build(&repr).unwrap());
    }

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for family in [Family::V4, Family::V6] {
            let _ = VrrpRepr::parse_bytes(&bytes, family);
        }
        if let Ok(p) = VrrpPacket::new_checked(&bytes[..]) {
            let (s, d) = endpoints(Family::V6);
            let _ = p.checksum_form(s, d);
            let _ = p.auth_data(Family::V4);
            let _ = p.addresses_bytes(Family::V6);
        }
        let _ = frame::parse(&bytes);
    }

    #[test]
    fn frame_parse_never_panics_on_mutated_adverts(
        idx in 0usize..54, byte in any::<u8>(), cut in 0usize..60,
    ) {
        let repr = VrrpRepr {
            version: Version::V2, vrid: 51, priority: 100, max_adver_int_cs: 100,
            v3_reserved: 0, auth: Auth::simple_text("1111"),
            addresses: vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))],
        };
        let mut f = AdvertFrame::multicast([2, 0, 0, 0, 0, 0x11], IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11)));
        f.ipv4_id = 4;
        let mut bytes = f.build(&repr).unwrap();
        prop_assert_eq!(bytes.len(), 54);
        bytes[idx] = byte;
        bytes.truncate(cut.max(1));
        let _ = frame::parse(&bytes);
    }
}
