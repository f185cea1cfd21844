//! VRRPv3 over IPv6: adverts from the EUI-64 link-local address to ff02::12, unsolicited NAs with the R flag.

use crate::util;

const V6: &str = r#"Scenario(
    duration: "20s",
    segments: [(name: "lan")],
    nodes: [
        Router(name: "r1", segment: "lan", ip: "192.0.2.11/24", mac: "02:00:00:00:00:11",
               config: File("../pcaps/own/configs/keepalived-vrrpv3-ipv6/r1.conf")),
        Router(name: "r2", segment: "lan", ip: "192.0.2.12/24", mac: "02:00:00:00:00:12",
               config: File("../pcaps/own/configs/keepalived-vrrpv3-ipv6/r2.conf")),
    ],
    faults: [(at: "10s", fault: Kill(node: "r1"))],
    expect: [
        MasterIs(node: "r1", at: "9s"),
        // v3: Master_Down_Interval = 3 x 100 cs + (256 - 150) x 100 / 256 cs = 3.41 s after r1's last advert.
        FailoverWithin(after: "10s", within: "2.7s", to: "r2"),
        CaptureConforms(profile: "auto"),
    ],
)"#;

#[test]
fn rfc5798_ipv6_failover_from_link_local_with_unsolicited_na() {
    let l = util::from_text("ipv6.ron", V6);
    let r = util::run(&l, 1);
    for v in &r.report.expectations {
        assert!(v.passed, "{} -- {}", v.expectation, v.measured);
    }
    assert_eq!(r.report.routers["r1"][0].version, 3);
    if !crate::tshark::tshark_available() {
        return;
    }
    let dir = util::tempdir("tshark-ipv6");
    let file = dir.join("capture.pcapng");
    std::fs::write(&file, &r.capture).unwrap();
    crate::tshark::assert_clean(&file);
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .args([
            "-Y",
            "icmpv6.type == 136",
            "-T",
            "fields",
            "-e",
            "ipv6.src",
            "-e",
            "icmpv6.nd.na.flag.r",
            "-e",
            "icmpv6.nd.na.target_address",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    // 5 + 5 rounds per VIP per takeover (r1 at 3.2 s, r2 at 12.6 s; r2's second round at 17.6 s).
    assert_eq!(lines.len(), 40, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l.split('\t').nth(1) == Some("True") || l.split('\t').nth(1) == Some("1")),
        "{text}"
    );
    assert!(lines[0].starts_with("fe80::ff:fe00:11\t"), "{text}");
}

const V6_CLIENT: &str = r#"Scenario(
    duration: "25s",
    segments: [(name: "lan")],
    nodes: [
        Router(name: "r1", segment: "lan", ip: "192.0.2.11/24", ip6: "2001:db8::11/64", mac: "02:00:00:00:00:11",
               config: File("../pcaps/own/configs/keepalived-vrrpv3-ipv6/r1.conf")),
        Router(name: "r2", segment: "lan", ip: "192.0.2.12/24", ip6: "2001:db8::12/64", mac: "02:00:00:00:00:12",
               config: File("../pcaps/own/configs/keepalived-vrrpv3-ipv6/r2.conf")),
        Client(name: "c", segment: "lan", ip: "192.0.2.50/24", ip6: "2001:db8::50/64", mac: "02:00:00:00:00:50",
               target: "[2001:db8::122]:80", start: "5s"),
    ],
    faults: [(at: "10s", fault: Crash(node: "r1"))],
    expect: [
        FailoverWithin(after: "10s", within: "2.7s", to: "r2"),
        // The outage is the failover gap: the client follows r2 at its first unsolicited NA.
        VipReachable(min_ratio: 0.85, max_outage: "2.7s"),
        CaptureConforms(profile: "auto"),
    ],
)"#;

#[test]
fn rfc4861_7_2_5_client_follows_unsolicited_na_by_target_address() {
    let r = util::run(&util::from_text("ipv6_client.ron", V6_CLIENT), 1);
    for v in &r.report.expectations {
        assert!(v.passed, "{} -- {}", v.expectation, v.measured);
    }
    let c = &r.report.clients["c"];
    assert_eq!(c.resets, 0);
    assert!(c.served_by["r2"] > 100, "{c:?}");
    // After the crash the client never solicits the VIP again: r2's NA (from r2's link-local address, target
    // the VIP, Override set) replaced the cache entry.
    let mut rd = pcap_file::pcapng::PcapNgReader::new(&r.capture[..]).unwrap();
    let mut ns_after_crash = 0;
    while let Some(b) = rd.next_block() {
        if let pcap_file::pcapng::Block::EnhancedPacket(p) = b.unwrap() {
            let d = &p.data;
            let is_ns = d.len() > 54 && d[12..14] == [0x86, 0xdd] && d[20] == 58 && d[54] == 135;
            if is_ns && d[6..12] == [2, 0, 0, 0, 0, 0x50] && p.timestamp.as_secs() >= 10 {
                ns_after_crash += 1;
            }
        }
    }
    assert_eq!(ns_after_crash, 0);
    if crate::tshark::tshark_available() {
        let dir = util::tempdir("tshark-ipv6-client");
        let file = dir.join("capture.pcapng");
        std::fs::write(&file, &r.capture).unwrap();
        crate::tshark::assert_clean(&file);
    }
}
