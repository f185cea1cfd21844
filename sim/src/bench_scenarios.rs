//! The scenarios the benchmarks run, built in code so that `cargo bench` and the throughput example measure
//! exactly the same thing: a 2-router keepalived cluster (the real-capture configs) and 200 VRIDs on 3 routers.

use crate::scenario::{self, Loaded, ScenarioError};
use std::fmt::Write as _;
use std::path::Path;

/// The 2-router cluster of pcaps/keepalived/ (VRRPv2, advert_int 1, PASS auth), no clients, for `secs`
/// simulated seconds.
pub fn two_routers(repo: &Path, secs: u64) -> Result<Loaded, ScenarioError> {
    let text = format!(
        r#"Scenario(
    name: "bench/two_routers",
    duration: "{secs}s",
    segments: [(name: "br0")],
    nodes: [
        Router(name: "r1", segment: "br0", ip: "192.0.2.11/24", http_port: None,
               config: File("pcaps/keepalived/configs/keepalived-vrrpv2-crash-failover/r1.conf")),
        Router(name: "r2", segment: "br0", ip: "192.0.2.12/24", http_port: None,
               config: File("pcaps/keepalived/configs/keepalived-vrrpv2-crash-failover/r2.conf")),
    ],
)"#
    );
    scenario::parse_str(&repo.join("bench_two_routers.ron"), &text)
}

/// One keepalived.conf with `vrids` instances (VRID 1..=vrids, one VIP each in 198.51.100.0/24 and
/// 203.0.113.0/24), used by every router with a per-node priority override.
pub fn many_vrids_config(vrids: u8) -> String {
    let mut c = String::from("global_defs {\n    vrrp_version 2\n}\n");
    for v in 1..=vrids {
        let _ = write!(
            c,
            "vrrp_instance VI_{v} {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {v}\n    priority 100\n    advert_int 1\n    virtual_ipaddress {{\n        {}.{}/24\n    }}\n}}\n",
            if v <= 127 { "198.51.100" } else { "203.0.113" },
            v
        );
    }
    c
}

/// 200 VRIDs (or `vrids`) × 3 routers on one segment for `secs` simulated seconds.
pub fn many_vrids(repo: &Path, vrids: u8, secs: u64) -> Result<Loaded, ScenarioError> {
    let conf = many_vrids_config(vrids)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    let mut nodes = String::new();
    for (i, prio) in [(1, 150), (2, 100), (3, 50)] {
        let _ = writeln!(
            nodes,
            "Router(name: \"r{i}\", segment: \"lan\", ip: \"192.0.2.{i}/24\", http_port: None, overrides: (priority: {prio}), config: Inline(\"{conf}\")),"
        );
    }
    let text = format!("Scenario(name: \"bench/many_vrids\", duration: \"{secs}s\", segments: [(name: \"lan\")], nodes: [{nodes}])");
    scenario::parse_str(&repo.join("bench_many_vrids.ron"), &text)
}
