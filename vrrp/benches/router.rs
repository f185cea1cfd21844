//! State-machine throughput: how many adverts per second a backup `Router` absorbs, and how
//! many a master emits through its Adver_Timer (what bounds the simulator's events/s).
//! Run: `cargo bench -p vrrp --bench router`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vrrp::router::{Mode, Router, RouterConfig};
use vrrp::time::{Duration, Instant};
use vrrp::wire::VrrpRepr;

fn ip(d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, d))
}

fn router(c: &mut Criterion) {
    let mut cfg = RouterConfig::new(Mode::Keepalived, 51, ip(12), vec![ip(100)]);
    cfg.priority = 99;
    let advert = VrrpRepr {
        version: cfg.version,
        vrid: 51,
        priority: 100,
        max_adver_int_cs: 100,
        v3_reserved: 0,
        auth: cfg.auth,
        addresses: vec![ip(100)],
    };
    let mcast = IpAddr::V4(vrrp::wire::MULTICAST_V4);
    let mut g = c.benchmark_group("vrrp_router");
    g.throughput(Throughput::Elements(1));

    let mut backup = Router::new(cfg.clone());
    backup.start(Instant::ZERO);
    let mut now = Instant::ZERO;
    g.bench_function("backup_handle_advert", |b| {
        b.iter(|| {
            now += Duration::from_secs(1);
            backup.handle_advert(now, ip(11), mcast, 255, black_box(&advert));
            while backup.poll_event().is_some() {}
            black_box(backup.poll_timeout())
        })
    });

    let mut master = Router::new(cfg);
    master.start(Instant::ZERO);
    let t = master.poll_timeout().unwrap_or(Instant::ZERO);
    master.handle_timeout(t);
    while master.poll_transmit().is_some() {}
    while master.poll_event().is_some() {}
    g.bench_function("master_adver_timer", |b| {
        b.iter(|| {
            let t = master.poll_timeout().unwrap_or(Instant::ZERO);
            master.handle_timeout(t);
            black_box(master.poll_transmit())
        })
    });
    g.finish();
}

criterion_group!(benches, router);
criterion_main!(benches);
