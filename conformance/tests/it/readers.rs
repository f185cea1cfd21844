//! Readers: formats, damage, and that no input panics.

use conformance::synth::{PcapNgWriter, PcapWriter, Precision};
use conformance::{check_bytes, CheckOptions, ReadError};
use proptest::prelude::*;

fn opts() -> CheckOptions {
    CheckOptions::default()
}

#[test]
fn wrong_magic_is_unreadable() {
    let r = check_bytes("x", b"GIF89a not a capture at all", &opts());
    assert!(matches!(r, Err(ReadError::NotACapture { .. })));
}

#[test]
fn unsupported_link_type_is_unreadable() {
    let w = PcapWriter::new(105, Precision::Micro);
    let r = check_bytes("x", &w.into_bytes(), &opts());
    assert!(matches!(
        r,
        Err(ReadError::UnsupportedLinkType { link_type: 105, .. })
    ));
}

#[test]
fn microsecond_and_nanosecond_pcap_give_the_same_report() {
    let a = std::fs::read(crate::pcaps().join("keepalived/keepalived-vrrpv2-graceful-stop.pcap"))
        .unwrap_or_default();
    let us = check_bytes("x", &a, &opts())
        .map(|r| r.to_json())
        .unwrap_or_default();
    // Rewrite as nanosecond pcap and as pcapng; timestamps are whole microseconds so nothing changes.
    let mut ns = PcapWriter::new(1, Precision::Nano);
    let mut ng = PcapNgWriter::new();
    ng.interface(1, "if0");
    let mut off = 24;
    while off + 16 <= a.len() {
        let u = |o: usize| u32::from_le_bytes([a[o], a[o + 1], a[o + 2], a[o + 3]]) as u64;
        let (sec, usec, len) = (u(off), u(off + 4), u(off + 8) as usize);
        let ts = sec * 1_000_000_000 + usec * 1000;
        let data = &a[off + 16..off + 16 + len];
        ns.record(ts, data);
        ng.packet(0, ts, data);
        off += 16 + len;
    }
    let r_ns = check_bytes("x", &ns.into_bytes(), &opts())
        .map(|r| r.to_json())
        .unwrap_or_default();
    let r_ng = check_bytes("x", &ng.into_bytes(), &opts())
        .map(|r| r.to_json())
        .unwrap_or_default();
    assert!(!us.is_empty());
    assert_eq!(us, r_ns);
    assert_eq!(us, r_ng);
}

#[test]
fn truncated_final_record_is_a_finding_and_earlier_records_are_checked() {
    let a = std::fs::read(crate::pcaps().join("keepalived/keepalived-vrrpv2-crash-failover.pcap"))
        .unwrap_or_default();
    let cut = &a[..a.len() - 5];
    let r = check_bytes("x", cut, &opts());
    let Ok(r) = r else {
        panic!("truncated capture must still be readable")
    };
    assert_eq!(r.packets, 33);
    assert_eq!(r.findings.iter().filter(|f| f.rule == "CAP-01").count(), 1);
    assert_eq!(r.failovers.len(), 1);
}

proptest! {
    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut b = PcapWriter::new(1, Precision::Micro).into_bytes();
        b.extend_from_slice(&tail);
        let _ = check_bytes("x", &b, &opts());
        let mut b = PcapWriter::new(276, Precision::Nano).into_bytes();
        b.extend_from_slice(&tail);
        let _ = check_bytes("x", &b, &opts());
        let mut b = PcapNgWriter::new().into_bytes();
        b.extend_from_slice(&tail);
        let _ = check_bytes("x", &b, &opts());
    }

    #[test]
    fn mutated_real_capture_never_panics(pos in 24usize..1500, val in any::<u8>(), cut in 0usize..1600) {
        let mut a = std::fs::read(crate::pcaps().join("keepalived/keepalived-vrrpv2-unicast-crash-failover.pcap")).unwrap_or_default();
        if pos < a.len() { a[pos] = val; }
        a.truncate(a.len().saturating_sub(cut));
        let _ = check_bytes("x", &a, &opts());
    }
}

/// Rewrites a little-endian µs pcap as big-endian (magic a1b2c3d4 stored big-endian, every field swapped).
fn to_big_endian(a: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let u32le = |o: usize| u32::from_le_bytes([a[o], a[o + 1], a[o + 2], a[o + 3]]);
    let u16le = |o: usize| u16::from_le_bytes([a[o], a[o + 1]]);
    out.extend_from_slice(&u32le(0).to_be_bytes());
    out.extend_from_slice(&u16le(4).to_be_bytes());
    out.extend_from_slice(&u16le(6).to_be_bytes());
    for o in [8, 12, 16, 20] {
        out.extend_from_slice(&u32le(o).to_be_bytes());
    }
    let mut off = 24;
    while off + 16 <= a.len() {
        let len = u32le(off + 8) as usize;
        for k in 0..4 {
            out.extend_from_slice(&u32le(off + 4 * k).to_be_bytes());
        }
        out.extend_from_slice(&a[off + 16..off + 16 + len]);
        off += 16 + len;
    }
    out
}

#[test]
fn big_endian_pcap_and_two_section_pcapng_read_like_the_original() {
    let a = std::fs::read(crate::pcaps().join("keepalived/keepalived-vrrpv2-preemption.pcap"))
        .unwrap_or_default();
    let want = check_bytes("x", &a, &opts())
        .map(|r| r.to_json())
        .unwrap_or_default();
    let be = check_bytes("x", &to_big_endian(&a), &opts())
        .map(|r| r.to_json())
        .unwrap_or_default();
    assert!(!want.is_empty());
    assert_eq!(want, be);
    // Two pcapng sections, each with its own interface 0: frames keep counting across sections.
    let mut ng1 = PcapNgWriter::new();
    ng1.interface(1, "if0");
    let mut ng2 = PcapNgWriter::new();
    ng2.interface(1, "if0");
    let mut off = 24;
    let mut n = 0;
    while off + 16 <= a.len() {
        let u = |o: usize| u32::from_le_bytes([a[o], a[o + 1], a[o + 2], a[o + 3]]) as u64;
        let (sec, usec, len) = (u(off), u(off + 4), u(off + 8) as usize);
        let w = if n < 20 { &mut ng1 } else { &mut ng2 };
        w.packet(
            0,
            sec * 1_000_000_000 + usec * 1000,
            &a[off + 16..off + 16 + len],
        );
        off += 16 + len;
        n += 1;
    }
    let mut two = ng1.into_bytes();
    two.extend_from_slice(&ng2.into_bytes());
    let r = check_bytes("x", &two, &opts());
    let Ok(r) = r else {
        panic!("two-section pcapng must read")
    };
    assert_eq!(r.packets, 41);
    assert_eq!(r.failovers.len(), 1);
    assert_eq!(r.failovers[0].frame, 24);
    // Same interface name in both sections: one virtual router.
    assert_eq!(
        r.routers.len(),
        1,
        "{:?}",
        r.routers.iter().map(|x| &x.interface).collect::<Vec<_>>()
    );
}

fn ipv4_frame(proto: u8, ttl: u8, dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut f = vec![1, 0, 0x5e, 0, 0, 0x12, 0, 0, 0x5e, 0, 1, 7, 0x08, 0x00];
    let total = (20 + payload.len()) as u16;
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 0, ttl, proto, 0, 0, 192, 0, 2, 1]);
    f.extend_from_slice(&dst);
    f.extend_from_slice(payload);
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn arbitrary_vrrp_payloads_and_sequences_never_panic(
        frames in proptest::collection::vec(
            (
                (prop_oneof![Just(0x21u8), Just(0x31u8), any::<u8>()], 0u8..3, prop_oneof![Just(0u8), Just(100u8), Just(255u8), any::<u8>()], 0u8..3),
                proptest::collection::vec(any::<u8>(), 0..40),
                prop_oneof![Just(255u8), any::<u8>()],
                any::<bool>(),
                0u64..3_000_000_000,
            ),
            1..60,
        )
    ) {
        let mut w = PcapWriter::new(1, Precision::Nano);
        let mut t = 1_000_000_000u64;
        for ((vt, vrid, prio, count), rest, ttl, unicast, dt) in frames {
            t += dt;
            let mut payload = vec![vt, vrid, prio, count];
            payload.extend_from_slice(&rest);
            let dst = if unicast { [192, 0, 2, 2] } else { [224, 0, 0, 18] };
            w.record(t, &ipv4_frame(112, ttl, dst, &payload));
        }
        let r = check_bytes("x", &w.into_bytes(), &opts());
        prop_assert!(r.is_ok());
    }
}

#[test]
fn cap_04_unsupported_link_type_on_the_first_pcapng_interface_is_unreadable() {
    let mut ng = PcapNgWriter::new();
    ng.interface(239, "nflog");
    ng.packet(0, 1_000, &[0u8; 40]);
    let r = check_bytes("x", &ng.into_bytes(), &opts());
    assert!(matches!(
        r,
        Err(ReadError::UnsupportedLinkType { link_type: 239, .. })
    ));
}

#[test]
fn cap_04_unsupported_link_type_mid_file_is_a_note_and_the_other_frames_keep_their_numbers() {
    // An Ethernet interface with adverts, then (mid-file) an nflog interface with two frames, then more
    // adverts, the last of them with TTL 64: it must be reported as frame 7 and the run must not stop.
    use crate::scene::{v4, Rtr, SEC};
    let r = Rtr {
        ip: v4(1),
        mac: vrrp::frame::virtual_mac(vrrp::wire::Family::V4, 3),
        prio: 100,
        version: vrrp::wire::Version::V3,
        vrid: 3,
        int_cs: 100,
        addrs: vec![v4(100)],
    };
    let mut ng = PcapNgWriter::new();
    ng.interface(1, "eth0");
    let t0 = 1_700_000_000 * SEC;
    for i in 0..3 {
        ng.packet(0, t0 + i * SEC, &r.frame(100));
    }
    ng.interface(239, "nflog");
    ng.packet(1, t0 + 3 * SEC, &[0x55; 60]);
    ng.packet(1, t0 + 3 * SEC + 1, &[0x55; 60]);
    ng.packet(0, t0 + 3 * SEC + 2, &r.frame(100));
    let mut ttl64 = r.frame(100);
    ttl64[14 + 8] = 64;
    ng.packet(0, t0 + 4 * SEC, &ttl64);
    let rep = match check_bytes("x", &ng.into_bytes(), &opts()) {
        Ok(rep) => rep,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(rep.packets, 7);
    assert_eq!(rep.vrrp_packets, 5);
    let cap = rep.findings.iter().find(|f| f.rule == "CAP-04");
    assert!(
        cap.is_some_and(|f| f.severity == conformance::Severity::Note
            && f.count == 2
            && f.frame == 4
            && f.message.contains("link type 239")),
        "{}",
        rep.to_json()
    );
    let ttl = rep.findings.iter().find(|f| f.rule == "V3-PKT-04");
    assert_eq!(ttl.map(|f| f.frame), Some(7), "{}", rep.to_json());
}
