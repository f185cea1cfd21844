//! Prints simulated seconds per wall-clock second for the benchmark scenarios over one simulated hour:
//!
//!     cargo run --release -p sim --example throughput
//!
//! (the criterion bench `cargo bench -p sim` measures the same scenarios over shorter spans).

use sim::bench_scenarios;
use sim::runner;
use std::path::Path;
use std::time::Instant;

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let hour = 3600;
    let cases = [
        (
            "2 routers, 1 VRID",
            bench_scenarios::two_routers(&repo, hour),
        ),
        (
            "3 routers, 200 VRIDs",
            bench_scenarios::many_vrids(&repo, 200, hour),
        ),
    ];
    for (name, loaded) in cases {
        let loaded = match loaded {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{name}: {e}");
                std::process::exit(2);
            }
        };
        let start = Instant::now();
        let r = match runner::run(&loaded, 1) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{name}: {e}");
                std::process::exit(2);
            }
        };
        let wall = start.elapsed().as_secs_f64();
        println!(
            "{name}: {hour} simulated s in {wall:.3} wall s = {:.0}x real time ({} events, {} frames, {} MB capture)",
            hour as f64 / wall,
            r.report.stats.events,
            r.report.stats.frames,
            r.capture.len() / 1_000_000
        );
    }
}
