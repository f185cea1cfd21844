//! Inputs the `capture_reader` fuzz target (docs/fuzzing.md) found panicking, kept as
//! regression tests.

use conformance::capture::{CaptureReader, Next};
use conformance::{check_bytes, CheckOptions};

/// The fuzzer's crash: pcaps/synthetic/v3-ipv6-vlan-graceful-handover.pcapng with the first
/// interface's `if_name` option length raised from 3 to 251, so the option parser reads an
/// `if_tsoffset` out of the following bytes, and one more byte changed. The timestamps became
/// ~i64::MAX and the engine's `ts + 1 s + interval` overflowed.
fn crash_7241778724() -> Vec<u8> {
    let mut b =
        std::fs::read(crate::pcaps().join("synthetic/v3-ipv6-vlan-graceful-handover.pcapng"))
            .unwrap_or_default();
    assert_eq!(b.len(), 1504, "fixture changed");
    b[46] = 0xfb;
    b[324] = 0x33;
    b
}

#[test]
fn pcapng_timestamp_far_beyond_2116_is_clamped_not_overflowed() {
    let b = crash_7241778724();
    let mut rd = CaptureReader::new(&b[..], "crash").unwrap_or_else(|e| panic!("{e}"));
    let mut stamps = vec![];
    while let Ok(Next::Record(r)) = rd.next_record() {
        stamps.push(r.ts_ns);
    }
    assert!(!stamps.is_empty());
    assert!(
        stamps.iter().all(|&t| (0..=1i64 << 62).contains(&t)),
        "{stamps:?}"
    );
    let r = check_bytes("crash", &b, &CheckOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.packets, stamps.len() as u64);
}
