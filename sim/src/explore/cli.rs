//! The `sim explore` command line: flags, the progress bar, the summary, writing a finding and its exit code.
//! Wall-clock time is read here only, for the cases/s figure; it never reaches a run.

use super::{
    found_scenario, replay, shrink, sweep, write_found, Model, PlantedBug, Sweep, MAX_EPISODES,
};
use crate::scenario;
use clap::Args as ClapArgs;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// `sim explore` flags.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Base scenario: its topology and keepalived configs (its own faults and expectations are ignored).
    pub base: PathBuf,
    /// Cases in the sweep (before sharding).
    #[arg(long, default_value_t = 1000)]
    pub cases: u64,
    /// Sweep seed: case k of seed S is the same schedule on any machine, for any --jobs and --shard.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run only shard i of n (1-based): cases k with k mod n = i-1.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<String>,
    /// Parallel runs (default: available cores); each run stays on one thread.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Where findings go (a new file each time, never overwritten).
    #[arg(long, default_value = "reports/found")]
    pub found_dir: PathBuf,
    /// Test double for the explorer's self-test: `never-step-down` makes every master ignore the adverts
    /// that should make it step down.
    #[arg(long, hide = true, value_parser = ["never-step-down"])]
    pub plant_bug: Option<String>,
    /// Replay one scenario file (e.g. a finding) under the explorer's invariants instead of sweeping.
    #[arg(long, conflicts_with_all = ["cases", "shard"])]
    pub replay: bool,
    /// Never draw a progress bar (it is also off when stderr is not a terminal or CI=true).
    #[arg(long)]
    pub no_progress: bool,
}

fn parse_shard(text: &str) -> Option<(u64, u64)> {
    let (i, n) = text.split_once('/')?;
    let i: u64 = i.trim().parse().ok()?;
    let n: u64 = n.trim().parse().ok()?;
    (n >= 1 && (1..=n).contains(&i)).then_some((i, n))
}

fn bad_input(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

/// Runs `sim explore`.
pub fn run(args: Args) -> ExitCode {
    let base = match scenario::load(&args.base) {
        Ok(l) => l,
        Err(e) => return bad_input(e),
    };
    if args.replay {
        return match replay(&base) {
            Err(e) => bad_input(e),
            Ok(o) => match o.failure {
                None => {
                    println!(
                        "replay {}: every invariant held ({} events)",
                        args.base.display(),
                        o.events
                    );
                    ExitCode::SUCCESS
                }
                Some(f) => {
                    println!(
                        "replay {}: {:?} violation: {}",
                        args.base.display(),
                        f.class,
                        f.message
                    );
                    ExitCode::from(f.class.exit_code())
                }
            },
        };
    }
    let shard = match &args.shard {
        None => (1, 1),
        Some(t) => match parse_shard(t) {
            Some(s) => s,
            None => return bad_input(format!("--shard {t:?}: expected i/n with 1 <= i <= n")),
        },
    };
    let plant = match args.plant_bug.as_deref() {
        Some("never-step-down") => Some(PlantedBug::NeverStepDown),
        _ => None,
    };
    let model = match Model::new(&base) {
        Ok(m) => m,
        Err(e) => return bad_input(e),
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let s = Sweep {
        cases: args.cases,
        seed: args.seed,
        shard,
        jobs,
        plant,
    };
    let mine = (0..args.cases)
        .filter(|k| k % shard.1 == shard.0 - 1)
        .count() as u64;
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let show = !args.no_progress && !ci && std::io::stderr().is_terminal();
    let bar = if show {
        let b = indicatif::ProgressBar::new(mine);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {pos}/{len} cases  {per_sec}  eta {eta}",
        ) {
            b.set_style(style);
        }
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    eprintln!(
        "explore {}: {} cases (shard {}/{}, seed {}), {} jobs; faults in [{}, {}], liveness bound {} after the last heal",
        args.base.display(),
        mine,
        shard.0,
        shard.1,
        args.seed,
        jobs,
        crate::time::format_duration(model.warmup),
        crate::time::format_duration(model.fault_end),
        crate::time::format_duration(model.liveness_within),
    );
    // A panicking run is a finding reported below, not noise on stderr from every worker.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let started = std::time::Instant::now();
    let tick = || bar.inc(1);
    let r = sweep(&model, &s, &tick);
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    bar.finish_and_clear();
    let rate = r.ran as f64 / secs;
    println!(
        "explore summary: {} cases in {:.2} s = {:.0} cases/s ({:.0} cases/s per job, {} jobs), {} events, {} episodes max per case",
        r.ran,
        secs,
        rate,
        rate / jobs as f64,
        jobs,
        r.events,
        MAX_EPISODES
    );
    let Some((case, cs)) = r.first_failure else {
        std::panic::set_hook(hook);
        println!("no failure found");
        return ExitCode::SUCCESS;
    };
    let found = shrink(&model, case, cs, plant);
    std::panic::set_hook(hook);
    let Some(found) = found else {
        // The failure did not reproduce when re-run alone: that is itself nondeterminism, a bug.
        println!("case {case} (seed {cs}) failed in the sweep but not when re-run alone");
        return ExitCode::from(4);
    };
    println!(
        "FAILED case {} (case seed {}): {:?}: {}",
        found.case, found.case_seed, found.original.class, found.original.message
    );
    println!(
        "shrunk from {} to {} episodes in {} runs: {}",
        found.original_len,
        found.schedule.len(),
        found.shrink_runs,
        found.failure.message
    );
    let stem = format!(
        "{}-{}",
        crate::runner::output_name(&args.base).replace('/', "-"),
        match found.failure.class {
            super::Class::Safety => "safety",
            super::Class::Liveness => "liveness",
            super::Class::Panic => "panic",
        }
    );
    let sc = found_scenario(&model, &found, plant, &args.found_dir);
    match write_found(&args.found_dir, &stem, &sc) {
        Ok(p) => {
            for f in &sc.faults {
                println!(
                    "  at {}: {}",
                    crate::time::format_duration(f.at),
                    ron::to_string(&f.fault).unwrap_or_else(|e| e.to_string())
                );
            }
            println!("written: {}", p.display());
            println!(
                "reproduce: cargo run -p sim -- explore --replay {}",
                p.display()
            );
            println!("run its expectations: cargo run -p sim -- {}", p.display());
        }
        Err(e) => eprintln!(
            "error: cannot write the finding under {}: {e}",
            args.found_dir.display()
        ),
    }
    ExitCode::from(found.failure.class.exit_code())
}
