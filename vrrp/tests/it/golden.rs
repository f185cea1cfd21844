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
/// IPv6, VRRPv2 over IPv6, sub-second intervals, three VRIDs, a split brain, and FRR 8.4.4 vrrpd
/// with virtual MACs): every VRRP frame decodes with a good checksum and rebuilds byte for byte.
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
        ("keepalived-vrrpv2-ipv6", 9),
        ("keepalived-vrrpv3-ipv4-subsecond", 95),
        ("keepalived-vrrpv3-ipv6", 10),
    ];
    let counts: Vec<(&str, usize)> = counts.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    assert_eq!(counts, expected);
}

/// keepalived 2.2.7's VRRPv2 over IPv6 (`version 2` with IPv6 addresses, outside RFC 3768), from
/// the real recording `pcaps/own/keepalived-vrrpv2-ipv6.pcap` (configs in
/// `pcaps/own/configs/keepalived-vrrpv2-ipv6/`): a keepalived-mode `Router` built from the same
/// config, run to master and then stopped, emits frames byte-identical to each router's adverts
/// and its priority-0 advert: 8 + 16n bytes with no authentication trailer, traffic class 0xc0 and
/// the checksum the kernel computes with the IPv6 pseudo-header. The one field copied from the
/// capture is the IPv6 flow label, the kernel's automatic per-socket hash under a per-boot random
/// key, which no model can predict.
#[test]
fn keepalived_vrrpv2_over_ipv6_emits_the_real_frames() {
    use std::net::{IpAddr, Ipv6Addr};
    use vrrp::router::{Mode, Router, RouterConfig, State, Transmit};
    use vrrp::time::{Duration, Instant};

    let path = crate::util::pcap_dir().join("../own/keepalived-vrrpv2-ipv6.pcap");
    let adverts: Vec<(frame::ParsedAdvert, Vec<u8>)> = crate::util::read_pcap_path(&path)
        .into_iter()
        .filter_map(|f| frame::parse(&f.data).ok().map(|a| (a, f.data)))
        .collect();
    let mut matched = Vec::new();
    // r1 (priority 200) and r2 (priority 150), each advertising from its EUI-64-less link-local
    // address with its NIC MAC (keepalived's default, no use_vmac).
    for (last, priority) in [(0x11u8, 200u8), (0x12, 150)] {
        let mac = [2, 0, 0, 0, 0, last];
        let me = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(last)));
        let vips = vec![
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x126)),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x126)),
        ];
        let mut c = RouterConfig::new(Mode::Keepalived, 26, me, vips);
        c.version = Version::V2;
        c.priority = priority;
        c.adver_int = Duration::from_secs(1);
        let mut r = Router::new(c);
        r.start(Instant::ZERO);
        let down = r
            .timer(vrrp::router::Timer::MasterDown)
            .expect("backup waits");
        r.handle_timeout(down);
        assert_eq!(r.state(), State::Master);
        let mut sent: Vec<Transmit> = std::iter::from_fn(|| r.poll_transmit()).collect();
        r.shutdown(down + Duration::from_secs(1));
        sent.extend(std::iter::from_fn(|| r.poll_transmit()));
        for t in sent {
            let Transmit::Advert(a) = &t else { continue };
            let (real, bytes) = adverts
                .iter()
                .find(|(p, _)| p.src_ip == me && p.repr.priority == a.repr.priority)
                .unwrap_or_else(|| panic!("no advert from {me} with priority {}", a.repr.priority));
            let mut ours = t.build_frame(mac, None).unwrap();
            // The flow label sits in the low 20 bits of the IPv6 header's first word.
            let label = real.ipv6_flow_label.to_be_bytes();
            ours[15] = (ours[15] & 0xf0) | (label[1] & 0x0f);
            ours[16] = label[2];
            ours[17] = label[3];
            assert_eq!(&ours, bytes, "{me} priority {}", a.repr.priority);
            assert_eq!(ours.len(), 14 + 40 + 8 + 16 * 2);
            matched.push((last, a.repr.priority));
        }
    }
    assert_eq!(
        matched,
        vec![(0x11, 200), (0x11, 0), (0x12, 150), (0x12, 0)]
    );
}

/// The receive side of the same capture: a keepalived-mode router accepts every VRRPv2-over-IPv6
/// advert real keepalived sent (checksum with the pseudo-header), as keepalived's kernel does;
/// an RFC 3768-mode router, which sums the message alone, discards them as bad checksums.
#[test]
fn keepalived_vrrpv2_over_ipv6_adverts_are_accepted_in_keepalived_mode() {
    use std::net::{IpAddr, Ipv6Addr};
    use vrrp::router::{Mode, Router, RouterConfig};
    use vrrp::time::Instant;

    let path = crate::util::pcap_dir().join("../own/keepalived-vrrpv2-ipv6.pcap");
    let adverts: Vec<frame::ParsedAdvert> = crate::util::read_pcap_path(&path)
        .into_iter()
        .filter_map(|f| frame::parse(&f.data).ok())
        .collect();
    assert_eq!(adverts.len(), 9);
    let vips = vec![
        IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x126)),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x126)),
    ];
    let me = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x13));
    let mut got = Vec::new();
    for mode in [Mode::Keepalived, Mode::Rfc3768] {
        let mut c = RouterConfig::new(mode, 26, me, vips.clone());
        c.version = Version::V2;
        c.priority = 100;
        let mut r = Router::new(c);
        r.start(Instant::ZERO);
        for a in &adverts {
            assert_eq!(a.checksum, Some(ChecksumForm::Rfc5798));
            r.handle_frame(Instant::ZERO, a);
        }
        got.push((mode, r.stats().adverts_received));
    }
    assert_eq!(got, vec![(Mode::Keepalived, 9), (Mode::Rfc3768, 0)]);
}
