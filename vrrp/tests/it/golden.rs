//! Golden test over real keepalived 2.2.7 captures: every VRRP frame decodes, re-encodes to the
//! same bytes (whole frame: Ethernet, IPv4 header with its checksum, VRRP with its checksum).

use vrrp::frame::{self, FrameError};
use vrrp::wire::{Auth, ChecksumForm, Version};

use crate::util::{read_pcap, CAPTURES};

#[test]
fn keepalived_captures_round_trip_byte_for_byte() {
    let mut per_file = Vec::new();
    for name in CAPTURES {
        let mut n = 0;
        for (i, f) in read_pcap(name).iter().enumerate() {
            match frame::parse(&f.data) {
                Ok(adv) => {
                    assert_eq!(
                        adv.checksum,
                        Some(ChecksumForm::Rfc5798),
                        "{name} #{}",
                        i + 1
                    );
                    assert_eq!(adv.repr.version, Version::V2);
                    assert_eq!(adv.repr.vrid, 51);
                    assert_eq!(adv.repr.auth, Auth::simple_text("1111"));
                    assert_eq!(adv.ttl, 255);
                    assert_eq!(adv.ipv4_tos, 0xc0);
                    assert!(!adv.ipv4_dont_fragment);
                    let rebuilt = adv.to_advert_frame().build(&adv.repr).unwrap();
                    assert_eq!(rebuilt, f.data, "{name} frame #{}", i + 1);
                    n += 1;
                }
                // ARP, IGMP and ICMP errors quoting VRRP are not adverts.
                Err(FrameError::NotIp) | Err(FrameError::NotVrrp(_)) => {}
                Err(e) => panic!("{name} frame #{}: {e}", i + 1),
            }
        }
        per_file.push((name, n));
    }
    // Counts from pcaps/keepalived/README.md.
    assert_eq!(
        per_file,
        vec![
            ("keepalived-vrrpv2-crash-failover", 17),
            ("keepalived-vrrpv2-graceful-stop", 20),
            ("keepalived-vrrpv2-preemption", 17),
            ("keepalived-vrrpv2-unicast-crash-failover", 17),
        ]
    );
}

#[test]
fn keepalived_gratuitous_arps_rebuild_byte_for_byte() {
    let mut n = 0;
    for name in CAPTURES {
        for f in read_pcap(name) {
            // ARP request with sender IP == target IP == 192.0.2.100 (bytes 28..32, 38..42).
            if f.data.len() == 42
                && f.data[12..14] == [0x08, 0x06]
                && f.data[28..32] == f.data[38..42]
            {
                let mut mac = [0u8; 6];
                mac.copy_from_slice(&f.data[6..12]);
                let vip = std::net::Ipv4Addr::new(f.data[28], f.data[29], f.data[30], f.data[31]);
                assert_eq!(frame::gratuitous_arp(mac, vip, None), f.data);
                n += 1;
            }
        }
    }
    // 15 + 15 + 20 + 15 GARP frames across the four files (README's ARP counts minus the
    // unicast capture's who-has/reply pair).
    assert_eq!(n, 65);
}

/// The captures recorded in this repository (`pcaps/own/`: keepalived 2.2.7 VRRPv2/v3, IPv4 and
/// IPv6, sub-second intervals, three VRIDs, a split brain, and FRR 8.4.4 vrrpd with virtual
/// MACs): every VRRP frame decodes with a good checksum and rebuilds byte for byte.
#[test]
fn own_captures_round_trip_byte_for_byte() {
    let dir = crate::util::pcap_dir().join("../own");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    names.sort();
    let mut counts = Vec::new();
    for path in names {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let mut n = 0;
        for (i, f) in crate::util::read_pcap_path(&path).iter().enumerate() {
            match frame::parse(&f.data) {
                Ok(adv) => {
                    assert!(adv.checksum.is_some(), "{name} #{}: bad checksum", i + 1);
                    assert_eq!(adv.ttl, 255);
                    let rebuilt = adv.to_advert_frame().build(&adv.repr).unwrap();
                    assert_eq!(rebuilt, f.data, "{name} frame #{}", i + 1);
                    n += 1;
                }
                Err(FrameError::NotIp) | Err(FrameError::NotVrrp(_)) => {}
                Err(e) => panic!("{name} frame #{}: {e}", i + 1),
            }
        }
        counts.push((name, n));
    }
    // VRRP frame counts as tshark counts them (`tshark -Y vrrp | wc -l`).
    let expected = [
        ("frr-vrrpv3-ipv4-ipv6", 88),
        ("keepalived-3-routers-3-vrids", 49),
        ("keepalived-split-brain", 33),
        ("keepalived-vrrpv3-ipv4-subsecond", 95),
        ("keepalived-vrrpv3-ipv6", 10),
    ];
    let counts: Vec<(&str, usize)> = counts.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    assert_eq!(counts, expected);
}
