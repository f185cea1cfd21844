//! The simulator's RON scenario loader (`sim::scenario::parse_str`) on arbitrary text, and, for
//! a scenario it accepts, the world construction that follows it in every run
//! (`sim::world::World::build`: addresses, MACs, keepalived configs, fault targets).
//!
//! The scenario "lives" in a private temporary directory holding one keepalived.conf, so
//! `File("r1.conf")` configs resolve against a fixed, tiny file tree. A scenario that could
//! name a path outside it (any `/`, or a `\` escape that could spell one) is only parsed,
//! never built. Nothing is simulated: the run itself is not the loader's business.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim::scenario::parse_str;
use sim::world::World;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The private directory the fuzzed scenario is "in".
fn home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("vrrpsim-fuzz-sc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz directory");
        std::fs::write(
            dir.join("r1.conf"),
            "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  192.0.2.100\n }\n}\n",
        )
        .expect("write r1.conf");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = home().join("fuzz.ron");
    let Ok(loaded) = parse_str(&path, text) else {
        return;
    };
    let _ = loaded.name();
    if text.contains(['/', '\\']) {
        return;
    }
    let _ = World::build(&loaded, loaded.scenario.seed);
});
