//! Codec throughput: VRRP message parse/emit and whole-frame parse/build, in packets/s
//! (criterion reports elements/s). Run: `cargo bench -p vrrp --bench codec`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vrrp::frame::{self, AdvertFrame};
use vrrp::wire::{Auth, ChecksumForm, Family, Version, VrrpPacket, VrrpRepr};

fn keepalived_v2() -> VrrpRepr {
    VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority: 100,
        max_adver_int_cs: 100,
        v3_reserved: 0,
        auth: Auth::simple_text("1111"),
        addresses: vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))],
    }
}

fn v3_ipv6() -> VrrpRepr {
    VrrpRepr {
        version: Version::V3,
        vrid: 42,
        priority: 200,
        max_adver_int_cs: 100,
        v3_reserved: 0,
        auth: Auth::None,
        addresses: vec![
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100)),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100)),
        ],
    }
}

fn codec(c: &mut Criterion) {
    let src4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
    let dst4 = IpAddr::V4(vrrp::wire::MULTICAST_V4);
    let src6 = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x11));
    let dst6 = IpAddr::V6(vrrp::wire::MULTICAST_V6);
    let v2 = keepalived_v2();
    let v3 = v3_ipv6();
    let v2_bytes = v2.to_bytes(src4, dst4, ChecksumForm::Rfc5798);
    let v3_bytes = v3.to_bytes(src6, dst6, ChecksumForm::Rfc5798);
    let v2_frame = AdvertFrame::multicast([2, 0, 0, 0, 0, 0x11], src4)
        .build(&v2)
        .unwrap();

    let mut g = c.benchmark_group("vrrp_codec");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_v2_ipv4_with_checksum", |b| {
        b.iter(|| {
            let p = VrrpPacket::new_checked(black_box(&v2_bytes[..])).unwrap();
            p.verify_checksum(src4, dst4, ChecksumForm::Rfc5798)
                .unwrap();
            VrrpRepr::parse(&p, Family::V4).unwrap()
        })
    });
    g.bench_function("parse_v3_ipv6_with_checksum", |b| {
        b.iter(|| {
            let p = VrrpPacket::new_checked(black_box(&v3_bytes[..])).unwrap();
            p.verify_checksum(src6, dst6, ChecksumForm::Rfc5798)
                .unwrap();
            VrrpRepr::parse(&p, Family::V6).unwrap()
        })
    });
    let mut buf = vec![0u8; v2.buffer_len()];
    g.bench_function("emit_v2_ipv4", |b| {
        b.iter(|| {
            black_box(&v2).emit(
                &mut VrrpPacket::new_unchecked(&mut buf[..]),
                src4,
                dst4,
                ChecksumForm::Rfc5798,
            );
            black_box(&buf);
        })
    });
    let mut buf6 = vec![0u8; v3.buffer_len()];
    g.bench_function("emit_v3_ipv6", |b| {
        b.iter(|| {
            black_box(&v3).emit(
                &mut VrrpPacket::new_unchecked(&mut buf6[..]),
                src6,
                dst6,
                ChecksumForm::Rfc5798,
            );
            black_box(&buf6);
        })
    });
    g.bench_function("frame_parse_v2", |b| {
        b.iter(|| frame::parse(black_box(&v2_frame)).unwrap())
    });
    // Zero-allocation path for streaming checkers: locate + view + checksum.
    g.bench_function("frame_locate_verify_v2", |b| {
        b.iter(|| {
            let (h, vrrp) = frame::locate(black_box(&v2_frame)).unwrap();
            let p = VrrpPacket::new_checked(vrrp).unwrap();
            (p.priority(), p.checksum_form(h.src_ip, h.dst_ip))
        })
    });
    let af = AdvertFrame::multicast([2, 0, 0, 0, 0, 0x11], src4);
    let mut out = Vec::with_capacity(64);
    g.bench_function("frame_build_v2", |b| {
        b.iter(|| {
            out.clear();
            af.build_into(black_box(&v2), &mut out).unwrap();
            black_box(&out);
        })
    });
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
