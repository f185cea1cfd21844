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
