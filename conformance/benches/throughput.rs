//! Throughput of the whole checker (read + decode + rules + report) on a generated capture of clean
//! VRRPv3 adverts. The 1 M-advert size compares with tshark (see docs/conformance-coverage.md, "Performance").

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let n: u64 = std::env::var("CONFORMANCE_BENCH_ADVERTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let bytes = conformance::synth::bench_capture(n);
    let opts = conformance::CheckOptions::default();
    let mut g = c.benchmark_group("check");
    g.throughput(Throughput::Elements(n));
    g.sample_size(10);
    g.bench_function(format!("{n}_adverts"), |b| {
        b.iter(|| {
            let r = conformance::check_bytes("bench.pcap", &bytes, &opts);
            assert!(matches!(&r, Ok(r) if r.vrrp_packets == n));
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
