//! The host layer fills what smoltcp lacks: a client learns the new master from its gratuitous ARP.

use crate::util;
use pcap_file::pcapng::{Block, PcapNgReader};
use sim::host::app::Outcome;
use sim::timeline::Event;

const CRASH: &str = r#"Scenario(
    duration: "20s",
    segments: [(name: "lan", link: (latency: "100us"))],
    nodes: [
        Router(name: "lb1", segment: "lan", ip: "192.168.145.11/24", mac: "02:00:00:00:00:11",
               config: File("configs/seed/nginx_lb.keepalived.conf")),
        Router(name: "lb2", segment: "lan", ip: "192.168.145.12/24", mac: "02:00:00:00:00:12",
               config: File("configs/seed/nginx_lb.backup.keepalived.conf")),
        Client(name: "client", segment: "lan", ip: "192.168.145.50/24", target: "192.168.145.200:80",
               interval: "10ms", timeout: "500ms", start: "5s"),
    ],
    faults: [(at: "10s", fault: Crash(node: "lb1"))],
    expect: [FailoverWithin(after: "10s", within: "4s", to: "lb2")],
)"#;

const VIP: [u8; 4] = [192, 168, 145, 200];
const CLIENT: [u8; 4] = [192, 168, 145, 50];

/// (time ns, ARP sender MAC, sender IP, target IP).
type ArpSeen = (u64, [u8; 6], [u8; 4], [u8; 4]);

/// Every ARP frame of a capture.
fn arps(capture: &[u8]) -> Vec<ArpSeen> {
    let mut r = PcapNgReader::new(capture).unwrap();
    let mut out = vec![];
    while let Some(b) = r.next_block() {
        if let Block::EnhancedPacket(p) = b.unwrap() {
            let d = &p.data;
            if d.len() >= 42 && d[12..14] == [0x08, 0x06] {
                out.push((
                    p.timestamp.as_nanos() as u64,
                    d[22..28].try_into().unwrap(),
                    d[28..32].try_into().unwrap(),
                    d[38..42].try_into().unwrap(),
                ));
            }
        }
    }
    out
}

#[test]
fn client_with_stale_arp_entry_follows_new_master_at_its_first_gratuitous_arp() {
    let l = util::from_text("arp_learning.ron", CRASH);
    let r = util::run(&l, 1);
    assert!(r.report.passed, "{:?}", r.report.expectations);
    let arps = arps(&r.capture);
    let crash_ns = 10_000_000_000;
    // Without use_vmac (keepalived's default) the new master announces the VIP from its own MAC.
    let garp = arps
        .iter()
        .find(|a| a.0 > crash_ns && a.2 == VIP && a.3 == VIP)
        .expect("lb2 sends a gratuitous ARP on takeover");
    assert_eq!(garp.1, [2, 0, 0, 0, 0, 0x12]);
    // The client never asks again: its cache entry (lb1's MAC) was updated by the gratuitous ARP itself.
    assert!(
        !arps
            .iter()
            .any(|a| a.0 > crash_ns && a.2 == CLIENT && a.3 == VIP),
        "the client re-resolved the VIP instead of learning from the gratuitous ARP"
    );
    // The first request opened after the GARP reached the client (100 us to the switch, 100 us on) is
    // answered by the new master.
    let arrival_s = (garp.0 + 100_000) as f64 / 1e9;
    let first_after = r
        .timeline
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Request {
                started, outcome, ..
            } if *started >= arrival_s => Some((*started, outcome.clone())),
            _ => None,
        })
        .next()
        .expect("requests continue after the failover");
    assert_eq!(
        first_after.1,
        Outcome::Ok {
            served_by: "lb2".into()
        }
    );
    assert!(
        first_after.0 - arrival_s < 0.010,
        "the client's next 10 ms tick: {first_after:?}"
    );
    // Requests opened between the crash and the takeover failed: that is the failover gap.
    let failed = r
        .timeline
        .entries
        .iter()
        .filter(|e| matches!(&e.event, Event::Request { started, outcome: Outcome::Timeout, .. } if *started > 10.0 && *started < arrival_s))
        .count();
    assert!(failed > 300, "{failed} requests fell into the ~3.6 s gap");
}
