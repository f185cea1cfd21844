//! lvs_sync_daemon: the version 1 wire format, the master's sync rules, and persistence surviving a
//! director failover on the backup.

use std::net::SocketAddr;

use lvs::sync::{self, flags, SyncConn};
use lvs::{Duration, Instant, Ipvs, Scheduler, ServiceConfig, TcpState, Verdict};
use proptest::prelude::*;

use crate::util::*;

const T0: Instant = Instant::from_secs(10);

#[test]
fn ip_vs_sync_v1_golden_bytes() {
    let c = SyncConn {
        protocol: 6,
        flags: flags::DROUTE | flags::NOOUTPUT,
        state: 1,
        cport: 40000,
        vport: 80,
        dport: 80,
        fwmark: 0,
        timeout_s: 900,
        caddr: "203.0.113.7".parse().unwrap(),
        vaddr: "192.0.2.100".parse().unwrap(),
        daddr: "198.51.100.3".parse().unwrap(),
    };
    let msg = sync::encode(5, &[c]);
    #[rustfmt::skip]
    let expect: Vec<u8> = vec![
        0, 5, 0, 44, 1, 1, 0, 0,                 // header: reserved, syncid, size 44, 1 conn, v1
        0, 6, 0, 36,                             // type v4, TCP, version 0 | size 36
        0, 0, 0, 0x83,                           // flags DROUTE | NOOUTPUT
        0, 1, 0x9c, 0x40, 0, 80, 0, 80,          // state ES, cport 40000, vport 80, dport 80
        0, 0, 0, 0, 0, 0, 0x03, 0x84,            // fwmark 0, timeout 900 s
        203, 0, 113, 7, 192, 0, 2, 100, 198, 51, 100, 3,
    ];
    assert_eq!(msg, expect);
    assert_eq!(sync::decode(&msg), Ok((5, vec![c])));
}

#[test]
fn ip_vs_sync_decode_rejects_version_0_and_bad_sizes() {
    assert!(
        sync::decode(&[1, 5, 0, 8, 0, 0, 0, 0]).is_err(),
        "v0 header (count first)"
    );
    assert!(
        sync::decode(&[0, 5, 0, 9, 0, 1, 0, 0]).is_err(),
        "size mismatch"
    );
    assert_eq!(sync::decode(&[0, 5, 0, 8, 0, 1, 0, 0]), Ok((5, vec![])));
}

fn persistent_director() -> Ipvs {
    director(
        ServiceConfig::new(key(), Scheduler::Rr).persistent(Duration::from_secs(100)),
        &[(1, 1), (2, 1)],
    )
}

#[test]
fn ip_vs_sync_conn_needed_third_packet_then_flush_after_2s_and_backup_keeps_persistence() {
    let mut master = persistent_director();
    master.enable_sync_master(7, 1472);
    // Another client first, so that rr sends ours to the second server in the list.
    master.process_inbound(T0, &syn(client(99), vip()));
    let c = client(1);
    let Verdict::Forward(f) = master.process_inbound(T0, &syn(c, vip())) else {
        panic!()
    };
    assert_eq!(f.real, rs(1));
    // SYN: SYN_RECV is not synced, but the template is (templates sync on every controlled packet).
    master.process_inbound(T0, &ack(c, vip()));
    // ACK: ESTABLISHED, packet 2: not yet (sync_threshold 3).
    master.process_inbound(T0, &ack(c, vip()));
    // Packet 3: synced. Nothing is sent before the 2 s flush time of a partly filled buffer.
    assert_eq!(master.poll_sync_message(), None);
    assert_eq!(master.poll_timeout(), Some(T0 + Duration::from_secs(2)));
    master.handle_timeout(T0 + Duration::from_secs(2));
    let msg = master.poll_sync_message().expect("flushed");
    let (id, entries) = sync::decode(&msg).unwrap();
    assert_eq!(id, 7);
    let ours: Vec<&SyncConn> = entries.iter().filter(|e| e.caddr == c.ip()).collect();
    let conns: Vec<&SyncConn> = ours
        .iter()
        .copied()
        .filter(|e| e.flags & flags::TEMPLATE == 0)
        .collect();
    let templates: Vec<&SyncConn> = ours
        .iter()
        .copied()
        .filter(|e| e.flags & flags::TEMPLATE != 0)
        .collect();
    assert_eq!(
        entries.len(),
        5,
        "plus the other client's template from its SYN"
    );
    assert_eq!(conns.len(), 1);
    assert_eq!(
        templates.len(),
        3,
        "one per packet of the controlled connection"
    );
    assert_eq!(conns[0].state, 1, "ESTABLISHED");
    assert_eq!(conns[0].flags & flags::INACTIVE, 0);
    assert_eq!(conns[0].timeout_s, 900);
    assert_eq!(templates[0].timeout_s, 100);
    assert_eq!(SocketAddr::new(conns[0].daddr, conns[0].dport), f.real);

    // The backup director (same keepalived config) applies it.
    let mut backup = persistent_director();
    let t = T0 + Duration::from_secs(2);
    assert_eq!(backup.process_sync_message(t, &msg, 7), Ok(5));
    assert_eq!(
        backup.process_sync_message(t, &msg, 8),
        Ok(0),
        "other sync id ignored"
    );
    assert_eq!(
        backup.connections().count(),
        1,
        "the half-open connection was never synced"
    );
    let conn = backup.connections().next().unwrap().clone();
    assert_eq!(
        (conn.client, conn.real, conn.tcp_state),
        (c, f.real, Some(TcpState::Established))
    );
    assert_eq!(conn.expires, t + Duration::from_secs(900));
    let real_last = match f.real.ip() {
        std::net::IpAddr::V4(a) => a.octets()[3],
        _ => unreachable!(),
    };
    assert_eq!(
        counters(&backup, real_last).0,
        1,
        "counted active on the backup"
    );
    // Failover: the backup now receives the client's packets. The established connection goes on...
    let Verdict::Forward(g) = backup.process_inbound(t, &ack(c, vip())) else {
        panic!()
    };
    assert_eq!((g.real, g.new_conn), (f.real, false));
    // ... and a new connection from the same client keeps its server through the synced template,
    // even though rr on the fresh backup would have picked the other one first.
    let src = SocketAddr::new(c.ip(), 50_123);
    let Verdict::Forward(h) = backup.process_inbound(t, &syn(src, vip())) else {
        panic!()
    };
    assert_eq!(h.real, f.real);
    // Without sync, the same fresh backup sends that client wherever rr points.
    let mut cold = persistent_director();
    let Verdict::Forward(k) = cold.process_inbound(t, &syn(src, vip())) else {
        panic!()
    };
    assert_eq!(
        k.real,
        rs(2),
        "rr starts at the head of the list: the last added server"
    );
}

#[test]
fn ip_vs_sync_state_change_to_fin_wait_is_sent_at_once() {
    let mut master = simple(Scheduler::Rr, &[(1, 1)]);
    master.enable_sync_master(0, 1472);
    let c = client(1);
    master.process_inbound(T0, &syn(c, vip()));
    master.process_inbound(T0, &ack(c, vip()));
    master.process_inbound(T0, &fin(c, vip()));
    master.handle_timeout(T0 + Duration::from_secs(2));
    let (_, entries) = sync::decode(&master.poll_sync_message().unwrap()).unwrap();
    // Packet 3 is the FIN: FIN_WAIT is a forced sync (state change other than to ESTABLISHED).
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].state, 4, "FIN_WAIT");
    assert_ne!(entries[0].flags & flags::INACTIVE, 0);
}

#[test]
fn ip_vs_sync_full_buffer_is_sent_without_waiting() {
    let mut master = simple(Scheduler::Rr, &[(1, 1)]);
    // Room for two IPv4 entries: 8 + 2 × 36 = 80 bytes.
    master.enable_sync_master(0, 80);
    for i in 0..3 {
        let c = client(i);
        master.process_inbound(T0, &syn(c, vip()));
        master.process_inbound(T0, &ack(c, vip()));
        master.process_inbound(T0, &ack(c, vip()));
    }
    let (_, first) = sync::decode(&master.poll_sync_message().unwrap()).unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(
        master.poll_sync_message(),
        None,
        "the third waits for the flush time"
    );
}

proptest! {
    #[test]
    fn sync_decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = sync::decode(&bytes);
    }

    #[test]
    fn sync_round_trip(n in 0usize..40, v6 in any::<bool>(), seed in any::<u32>()) {
        let conns: Vec<SyncConn> = (0..n).map(|i| {
            let a = |x: u32| -> std::net::IpAddr {
                if v6 { std::net::Ipv6Addr::from(u128::from(x) << 64 | u128::from(seed)).into() }
                else { std::net::Ipv4Addr::from(x ^ seed).into() }
            };
            SyncConn {
                protocol: if i % 2 == 0 { 6 } else { 17 },
                flags: (seed.wrapping_mul(i as u32 + 1)) & !flags::HASHED,
                state: (i % 11) as u16,
                cport: i as u16, vport: 80, dport: 8080,
                fwmark: seed % 3, timeout_s: seed,
                caddr: a(i as u32), vaddr: a(1), daddr: a(2),
            }
        }).collect();
        let msg = sync::encode(3, &conns);
        prop_assert_eq!(sync::decode(&msg), Ok((3, conns)));
    }
}
