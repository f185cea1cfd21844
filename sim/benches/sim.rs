//! Simulator throughput. Criterion's "elements/s" here is simulated seconds per wall-clock second.
//!
//!     cargo bench -p sim
//!
//! For the one-simulated-hour figures quoted in docs/benchmarks.md run
//! `cargo run --release -p sim --example throughput`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim::bench_scenarios;
use std::hint::black_box;
use std::path::Path;

fn bench(c: &mut Criterion) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut g = c.benchmark_group("simulate");
    g.sample_size(10);

    let secs = 600;
    let two = bench_scenarios::two_routers(&repo, secs).expect("bench scenario");
    g.throughput(Throughput::Elements(secs));
    g.bench_function("two_routers_600s", |b| {
        b.iter(|| black_box(sim::runner::run(&two, 1).expect("run").report.stats.events))
    });

    let secs = 20;
    let many = bench_scenarios::many_vrids(&repo, 200, secs).expect("bench scenario");
    g.throughput(Throughput::Elements(secs));
    g.bench_function("200_vrids_3_routers_20s", |b| {
        b.iter(|| black_box(sim::runner::run(&many, 1).expect("run").report.stats.events))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
