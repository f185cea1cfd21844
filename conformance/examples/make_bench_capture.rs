//! Writes the throughput bench's capture to a file, for comparing with tshark:
//!
//!     cargo run -p conformance --example make_bench_capture -- /tmp/bench-1m.pcap 1000000

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "bench-1m.pcap".into());
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    std::fs::write(&path, conformance::synth::bench_capture(n))?;
    println!("{path}: {n} adverts");
    Ok(())
}
