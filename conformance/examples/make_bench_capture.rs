//! Writes the throughput bench's capture to a file, for comparing with tshark:
//!
//!     cargo run -p conformance --example make_bench_capture -- /tmp/bench-1m.pcap 1000000
//!     cargo run -p conformance --example make_bench_capture -- /tmp/bench-200vrid-1m.pcap 1000000 200
//!
//! The optional third argument spreads the adverts over that many virtual routers (three masters,
//! round-robin); without it, one master advertises every 10 ms.

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "bench-1m.pcap".into());
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let vrids: Option<u8> = args.next().and_then(|s| s.parse().ok());
    let bytes = match vrids {
        Some(v) => conformance::synth::bench_capture_vrids(n, v),
        None => conformance::synth::bench_capture(n),
    };
    std::fs::write(&path, bytes)?;
    println!(
        "{path}: {n} adverts, {} virtual router(s)",
        vrids.unwrap_or(1)
    );
    Ok(())
}
