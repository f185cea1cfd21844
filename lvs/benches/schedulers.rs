//! Scheduling decisions per second for every scheduler, through the full data path
//! (`Ipvs::process_inbound`): service lookup, scheduler, and, for the TCP case, connection creation.
//!
//! Run: `cargo bench -p lvs --bench schedulers`

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lvs::{
    DestConfig, Duration, FwdMethod, Instant, Ipvs, IpvsSettings, PacketInfo, Protocol, Scheduler,
    ServiceConfig, ServiceKey, TcpFlags,
};

const DESTS: u8 = 10;
const BATCH: u32 = 1024;
const VIP: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100)), 80);

fn director(s: Scheduler, proto: Protocol, one_packet: bool) -> (Ipvs, ServiceKey) {
    let key = ServiceKey::Addr {
        proto,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100)),
        port: 80,
    };
    let mut cfg = ServiceConfig::new(key, s);
    cfg.one_packet = one_packet;
    let mut ipvs = Ipvs::new(IpvsSettings::default(), 1);
    ipvs.add_service(cfg).unwrap();
    for i in 1..=DESTS {
        let addr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, i));
        ipvs.add_dest(&key, DestConfig::new(addr, 80, u32::from(i), FwdMethod::Dr))
            .unwrap();
    }
    (ipvs, key)
}

fn client(i: u32) -> SocketAddr {
    SocketAddr::new(
        IpAddr::V4(Ipv4Addr::from(0xcb00_7100u32 + (i & 0xffff))),
        (1024 + (i >> 16)) as u16,
    )
}

/// Pure scheduling: UDP one-packet services keep no connection state, so every packet is a decision.
fn stateless(c: &mut Criterion) {
    let mut g = c.benchmark_group("schedule_udp_ops");
    g.throughput(Throughput::Elements(u64::from(BATCH)));
    for s in Scheduler::ALL {
        let (mut ipvs, _) = director(s, Protocol::Udp, true);
        let mut n = 0u32;
        g.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            b.iter(|| {
                for _ in 0..BATCH {
                    n = n.wrapping_add(1);
                    let pkt = PacketInfo {
                        proto: Protocol::Udp,
                        src: client(n),
                        dst: VIP,
                        fwmark: 0,
                        tcp: TcpFlags::default(),
                    };
                    black_box(ipvs.process_inbound(Instant::from_secs(1), &pkt));
                }
            })
        });
    }
    g.finish();
}

/// New TCP connections (SYN): schedule, bind, index and arm the timer; the table is expired between
/// batches so it stays at BATCH entries.
fn tcp_new_connections(c: &mut Criterion) {
    let mut g = c.benchmark_group("tcp_syn_new_conn");
    g.throughput(Throughput::Elements(u64::from(BATCH)));
    for s in [Scheduler::Rr, Scheduler::Wlc, Scheduler::Sh, Scheduler::Mh] {
        let (mut ipvs, _) = director(s, Protocol::Tcp, false);
        let mut now = Instant::from_secs(1);
        let mut n = 0u32;
        g.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            b.iter(|| {
                for _ in 0..BATCH {
                    n = n.wrapping_add(1);
                    let pkt = PacketInfo {
                        proto: Protocol::Tcp,
                        src: client(n),
                        dst: VIP,
                        fwmark: 0,
                        tcp: TcpFlags {
                            syn: true,
                            ..TcpFlags::default()
                        },
                    };
                    black_box(ipvs.process_inbound(now, &pkt));
                }
                // SYN_RECV lasts 60 s: jump past it and expire the batch.
                now += Duration::from_secs(61);
                ipvs.handle_timeout(now);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, stateless, tcp_new_connections);
criterion_main!(benches);
