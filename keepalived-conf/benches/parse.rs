//! Parser throughput: the seed's LVS-DR config, and a large generated config (200 vrrp_instances
//! with scripts and VIPs, ~4,000 lines), parse and format.
//!
//! cargo bench -p keepalived-conf --bench parse

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keepalived_conf::{format::format_config, parse_str, ParseOptions};
use std::hint::black_box;
use std::path::Path;

fn big_config() -> String {
    let mut s = String::from("global_defs {\n    router_id bench\n    vrrp_version 3\n}\n");
    for i in 0..200u32 {
        s.push_str(&format!(
            "vrrp_script chk_{i} {{\n    script \"/usr/local/bin/check --id {i}\"\n    interval 2\n    weight -20\n}}\n"
        ));
    }
    for i in 0..200u32 {
        s.push_str(&format!(
            "vrrp_instance VI_{i} {{\n    state BACKUP\n    interface eth{}\n    virtual_router_id {}\n    priority {}\n    advert_int 0.5\n    virtual_ipaddress {{\n        192.0.{}.{}/24 dev eth0 label eth0:{}\n        198.51.100.{}/24\n    }}\n    track_script {{\n        chk_{i} weight -30\n    }}\n    nopreempt\n}}\n",
            i % 4,
            i % 255 + 1,
            100 + i % 100,
            i / 250,
            i % 250 + 1,
            i % 10,
            i % 250 + 1
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let opts = ParseOptions {
        check_scripts: false,
        ..ParseOptions::default()
    };
    let seed = include_str!("../../scenarios/configs/seed/lvs_dr_director.keepalived.conf");
    let big = big_config();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(seed.len() as u64));
    g.bench_function("seed_lvs_dr_director", |b| {
        b.iter(|| parse_str(black_box(seed), Path::new("seed.conf"), &opts))
    });
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("200_instances", |b| {
        b.iter(|| parse_str(black_box(&big), Path::new("big.conf"), &opts))
    });
    let parsed = parse_str(&big, Path::new("big.conf"), &opts);
    g.bench_function("format_200_instances", |b| {
        b.iter(|| format_config(black_box(&parsed.config)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
