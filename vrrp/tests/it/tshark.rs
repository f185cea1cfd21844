//! tshark as the oracle: frames this crate builds dissect without malformed packets and with
//! every checksum Good (IPv4 header, VRRP, ICMPv6). Skipped, with a message, when tshark is not
//! installed.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::Command;

use pcap_file::pcap::{PcapPacket, PcapWriter};
use vrrp::frame::{self, AdvertFrame};
use vrrp::wire::{Auth, Family, Version, VrrpRepr};

fn v3(addrs: Vec<IpAddr>) -> VrrpRepr {
    VrrpRepr {
        version: Version::V3,
        vrid: 42,
        priority: 200,
        max_adver_int_cs: 100,
        v3_reserved: 0,
        auth: Auth::None,
        addresses: addrs,
    }
}

#[test]
fn built_frames_are_tshark_clean() {
    if Command::new("tshark").arg("--version").output().is_err() {
        eprintln!("tshark not installed: skipping the tshark oracle test");
        return;
    }
    let ll = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x11);
    let vip6 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100);
    let vip6g = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100);
    let src4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
    let vip4 = Ipv4Addr::new(192, 0, 2, 100);
    let mac = [2, 0, 0, 0, 0, 0x11];
    let vmac4 = frame::virtual_mac(Family::V4, 42);
    let vmac6 = frame::virtual_mac(Family::V6, 42);

    let v2 = VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority: 100,
        max_adver_int_cs: 100,
        v3_reserved: 0,
        auth: Auth::simple_text("1111"),
        addresses: vec![IpAddr::V4(vip4)],
    };
    let mut frames: Vec<(Vec<u8>, &str)> = Vec::new();
    frames.push((
        AdvertFrame::multicast(mac, src4).build(&v2).unwrap(),
        "vrrp-ip",
    ));
    frames.push((
        AdvertFrame::multicast(vmac4, src4)
            .build(&v3(vec![IpAddr::V4(vip4)]))
            .unwrap(),
        "vrrp-ip",
    ));
    let mut uni = AdvertFrame::unicast(
        mac,
        [2, 0, 0, 0, 0, 0x12],
        src4,
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12)),
    );
    uni.ipv4_id = 7;
    frames.push((
        uni.build(&v3(vec![
            IpAddr::V4(vip4),
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 101)),
        ]))
        .unwrap(),
        "vrrp-ip",
    ));
    let mut tagged = AdvertFrame::multicast(vmac4, src4);
    tagged.vlan = Some(100);
    frames.push((
        tagged.build(&v3(vec![IpAddr::V4(vip4)])).unwrap(),
        "vrrp-ip",
    ));
    frames.push((
        AdvertFrame::multicast(vmac6, IpAddr::V6(ll))
            .build(&v3(vec![IpAddr::V6(vip6), IpAddr::V6(vip6g)]))
            .unwrap(),
        "vrrp",
    ));
    frames.push((frame::gratuitous_arp(mac, vip4, None), "arp"));
    frames.push((frame::unsolicited_na(vmac6, ll, vip6g, None), "icmpv6"));

    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("vrrp-built-frames.pcap");
    {
        let file = std::fs::File::create(&path).unwrap();
        let mut w = PcapWriter::new(file).unwrap();
        for (i, (f, _)) in frames.iter().enumerate() {
            let pkt = PcapPacket::new_owned(
                std::time::Duration::from_millis(i as u64),
                f.len() as u32,
                Cow::Borrowed(&f[..]).into_owned(),
            );
            w.write_packet(&pkt).unwrap();
        }
    }
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args([
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "vrrp.v3_checksum_as_in_v2:FALSE",
        ])
        .args(["-T", "fields", "-E", "separator=|"])
        .args([
            "-e",
            "_ws.malformed",
            "-e",
            "vrrp.checksum.status",
            "-e",
            "ip.checksum.status",
        ])
        .args(["-e", "icmpv6.checksum.status", "-e", "frame.protocols"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    assert_eq!(rows.len(), frames.len(), "tshark output: {text}");
    for (row, (_, kind)) in rows.iter().zip(&frames) {
        assert_eq!(row[0], "", "malformed: {row:?}");
        match *kind {
            "vrrp-ip" => {
                assert_eq!((row[1], row[2]), ("1", "1"), "{row:?}");
                assert!(row[4].ends_with(":ip:vrrp"), "{row:?}");
            }
            "vrrp" => {
                assert_eq!(row[1], "1", "{row:?}");
                assert!(row[4].ends_with(":ipv6:vrrp"), "{row:?}");
            }
            "icmpv6" => assert_eq!(row[3], "1", "{row:?}"),
            _ => assert!(row[4].ends_with(":arp"), "{row:?}"),
        }
    }
}

/// The RFC 9568 / `v3_checksum_as_v2` IPv4 form is Good exactly when Wireshark's
/// `vrrp.v3_checksum_as_in_v2` preference is on, and Bad otherwise: the two forms really differ.
#[test]
fn rfc9568_checksum_form_matches_wireshark_preference() {
    if Command::new("tshark").arg("--version").output().is_err() {
        eprintln!("tshark not installed: skipping the tshark oracle test");
        return;
    }
    let src4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
    let mut f = AdvertFrame::multicast([2, 0, 0, 0, 0, 0x11], src4);
    f.checksum_form = vrrp::wire::ChecksumForm::Rfc9568;
    let bytes = f
        .build(&v3(vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))]))
        .unwrap();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("vrrp-rfc9568.pcap");
    {
        let mut w = PcapWriter::new(std::fs::File::create(&path).unwrap()).unwrap();
        let pkt = PcapPacket::new_owned(std::time::Duration::ZERO, bytes.len() as u32, bytes);
        w.write_packet(&pkt).unwrap();
    }
    let status = |pref: &str| {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args(["-o", &format!("vrrp.v3_checksum_as_in_v2:{pref}")])
            .args(["-T", "fields", "-e", "vrrp.checksum.status"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    // 1 = Good, 0 = Bad.
    assert_eq!(status("TRUE"), "1");
    assert_eq!(status("FALSE"), "0");
}
