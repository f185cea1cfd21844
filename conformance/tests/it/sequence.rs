//! Sequence rules over crafted timelines: GARP attribution when routers share a virtual MAC, late
//! takeovers (liveness), preemption that never happens, and the MLD join of a new IPv6 master.

use conformance::{Profile, Severity};
use vrrp::wire::Version;

use crate::scene::{severities, v4, Rtr, Scene, MS, SEC};

fn pair_sharing_vmac() -> (Rtr, Rtr) {
    // use_vmac (or FRR's macvlan): both routers send from 00:00:5e:00:01:0a.
    let mac = vrrp::frame::virtual_mac(vrrp::wire::Family::V4, 10);
    let a = Rtr {
        ip: v4(1),
        mac,
        prio: 200,
        version: Version::V3,
        vrid: 10,
        int_cs: 100,
        addrs: vec![v4(100)],
    };
    let b = Rtr {
        ip: v4(2),
        prio: 100,
        ..a.clone()
    };
    (a, b)
}

#[test]
fn v2_seq_13_garps_are_credited_to_the_master_of_the_moment_when_routers_share_the_virtual_mac() {
    let (a, b) = pair_sharing_vmac();
    let mut s = Scene::default();
    // A is master from the start with one GARP, then crashes after its advert at 3 s.
    s.adverts(&a, MS, 3 * SEC + 2 * MS)
        .garp(2 * MS, a.mac, v4(100));
    // B (priority 100) times out after Master_Down_Interval = 3 s + 609.375 ms and, as FRR does, sends
    // its GARP just before its first advert and another one after it.
    let t_b = 3 * SEC + MS + 3_609_375_000;
    s.garp(t_b - MS, b.mac, v4(100))
        .adverts(&b, t_b, t_b + 4 * SEC)
        .garp(t_b + 2 * MS, b.mac, v4(100));
    let r = s.check_profile(Profile::Rfc5798);
    let ms = &r.routers[0].masters;
    assert_eq!(ms.len(), 2, "{}", r.to_json());
    assert_eq!((ms[0].src_ip.as_str(), ms[0].garps), ("192.0.2.1", 1));
    assert_eq!((ms[1].src_ip.as_str(), ms[1].garps), ("192.0.2.2", 2));
    assert!(
        severities(&r, "V3-SEQ-12", "").is_empty(),
        "{}",
        r.to_json()
    );
    assert_eq!(r.failovers.len(), 1);
}

#[test]
fn v2_seq_13_a_takeover_without_garp_is_found_even_when_the_old_master_shares_the_mac() {
    let (a, b) = pair_sharing_vmac();
    let mut s = Scene::default();
    s.adverts(&a, MS, 3 * SEC + 2 * MS)
        .garp(2 * MS, a.mac, v4(100));
    let t_b = 3 * SEC + MS + 3_609_375_000;
    s.adverts(&b, t_b, t_b + 4 * SEC);
    // A GARP 2 s after B's takeover, from the shared MAC: B's (A has been silent for 5 s), but too late.
    s.garp(t_b + 2 * SEC + 5 * MS, b.mac, v4(100));
    let r = s.check_profile(Profile::Rfc5798);
    let ms = &r.routers[0].masters;
    assert_eq!((ms[0].garps, ms[1].garps), (1, 1), "{}", r.to_json());
    assert_eq!(
        severities(
            &r,
            "V3-SEQ-12",
            "192.0.2.2 became master but sent no gratuitous ARP"
        ),
        [Severity::Error]
    );
}
