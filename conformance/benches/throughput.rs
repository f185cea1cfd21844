//! Throughput of the whole checker (read + decode + rules + report) on generated captures of clean
//! VRRPv3 adverts: one master, and 200 interleaved virtual routers. The 1 M-advert size compares with tshark (see docs/conformance-coverage.md, "Performance").

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let n: u64 = std::env::var("CONFORMANCE_BENCH_ADVERTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let opts = conformance::CheckOptions::default();
    let mut g = c.benchmark_group("check");
    g.throughput(Throughput::Elements(n));
    g.sample_size(10);
    // One master (the per-source memo's best case), and 200 virtual routers over three masters,
    // interleaved (every advert changes router).
    for (name, bytes) in [
        (format!("{n}_adverts"), conformance::synth::bench_capture(n)),
        (
            format!("{n}_adverts_200_vrids"),
            conformance::synth::bench_capture_vrids(n, 200),
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let r = conformance::check_bytes("bench.pcap", &bytes, &opts);
                assert!(matches!(&r, Ok(r) if r.vrrp_packets == n && r.summary.errors == 0));
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
