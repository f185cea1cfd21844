//! `sim`: vrrpsim's command line. This file only parses argv and dispatches: running scenario files (the
//! main job, `sim SCENARIO.ron...`) is in the library's `runner`; each subcommand lives in its own module.

mod check_config;

use clap::{Parser, Subcommand};
use sim::runner::{self, RunResult};
use sim::scenario::{self, Loaded};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "sim",
    version,
    about = "Deterministic VRRP/keepalived network simulator: run scenario files and check what happened",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Scenario files (RON).
    scenarios: Vec<PathBuf>,
    /// Run with this seed (default: the scenario's `seed`).
    #[arg(long, conflicts_with = "seeds")]
    seed: Option<u64>,
    /// Run every seed of an inclusive range A..B (written to <out>/<scenario>/seed-<N>/).
    #[arg(long, value_name = "A..B")]
    seeds: Option<String>,
    /// Run only shard i of n (1-based) of the seed range, for an external runner.
    #[arg(long, value_name = "i/n")]
    shard: Option<String>,
    /// Output directory.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Terminal output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
    /// Parallel runs for a seed range (default: available cores).
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check keepalived.conf files the way keepalived 2.2.7 would, plus vrrpsim's lints.
    CheckConfig(check_config::Args),
    /// Write a starter scenario for a pair of keepalived.conf files (never overwrites a file).
    Init(InitArgs),
    /// Random fault schedules on a base scenario, invariants at every step, failures shrunk to a scenario.
    Explore(sim::explore::cli::Args),
}

/// Arguments of `sim init`.
#[derive(Debug, clap::Args)]
struct InitArgs {
    /// The first router's keepalived.conf.
    a: PathBuf,
    /// The second router's keepalived.conf.
    b: PathBuf,
    /// Where to write the scenario (default: scenarios/<stem of A>.ron).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn run_init(args: InitArgs) -> ExitCode {
    let out = args.out.unwrap_or_else(|| {
        let stem = args
            .a
            .file_stem()
            .map(|s| s.to_string_lossy().replace(".keepalived", ""))
            .unwrap_or_else(|| "mine".into());
        PathBuf::from("scenarios").join(format!("{stem}.ron"))
    });
    match sim::init::write_new(&args.a, &args.b, &out) {
        Ok(p) => {
            println!(
                "wrote {}; run it with: cargo run -p sim -- {}",
                p.display(),
                p.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => bad_input(e),
    }
}

fn parse_range(text: &str) -> Option<(u64, u64)> {
    let (a, b) = text.split_once("..")?;
    let a: u64 = a.trim().parse().ok()?;
    let b: u64 = b.trim().trim_start_matches('=').parse().ok()?;
    (a <= b).then_some((a, b))
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

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    match cli.command.take() {
        Some(Command::CheckConfig(args)) => check_config::run(args),
        Some(Command::Init(args)) => run_init(args),
        Some(Command::Explore(args)) => sim::explore::cli::run(args),
        None => run_scenarios(cli),
    }
}

fn run_scenarios(cli: Cli) -> ExitCode {
    if cli.scenarios.is_empty() {
        return bad_input(
            "no scenario file given (usage: sim SCENARIO.ron... [--seed N | --seeds A..B])",
        );
    }
    let range = match &cli.seeds {
        Some(t) => match parse_range(t) {
            Some(r) => Some(r),
            None => return bad_input(format!("--seeds {t:?}: expected A..B with A <= B")),
        },
        None => None,
    };
    let shard = match &cli.shard {
        Some(t) => match parse_shard(t) {
            Some(s) => Some(s),
            None => return bad_input(format!("--shard {t:?}: expected i/n with 1 <= i <= n")),
        },
        None => None,
    };
    let mut loaded: Vec<Loaded> = vec![];
    for p in &cli.scenarios {
        match scenario::load(p) {
            Ok(l) => loaded.push(l),
            Err(e) => return bad_input(e),
        }
    }
    // (scenario index, seed, output dir) for every run, in a fixed order.
    let mut jobs: Vec<(usize, u64, PathBuf)> = vec![];
    for (i, l) in loaded.iter().enumerate() {
        let base = cli.out.join(runner::output_name(&l.path));
        match range {
            Some((a, b)) => {
                for (k, seed) in (a..=b).enumerate() {
                    if shard.is_none_or(|(si, n)| (k as u64) % n == si - 1) {
                        jobs.push((i, seed, base.join(format!("seed-{seed}"))));
                    }
                }
            }
            None => jobs.push((i, cli.seed.unwrap_or(l.scenario.seed), base)),
        }
    }
    let threads = cli
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let results = run_parallel(&loaded, &jobs, threads);
    let mut code = 0u8;
    let mut json = vec![];
    let mut index = vec![];
    for ((_, _, dir), r) in jobs.iter().zip(results) {
        match r {
            Err(e) => {
                eprintln!("error: {e}");
                code = 2;
            }
            Ok(r) => {
                if let Err(e) = runner::write_outputs(dir, &r) {
                    eprintln!("error: cannot write {}: {e}", dir.display());
                    code = 2;
                }
                let href = dir
                    .strip_prefix(&cli.out)
                    .unwrap_or(dir)
                    .join("report.html");
                index.push(sim::html::IndexEntry::new(
                    href.to_string_lossy().replace('\\', "/"),
                    &r.report,
                ));
                if cli.format == "json" {
                    json.push(serde_json::to_value(&r.report).unwrap_or_default());
                } else {
                    print!("{}", r.report.render_text(&r.timeline));
                    println!("output: {}/", dir.display());
                }
                if !r.report.passed && code == 0 {
                    code = 1;
                }
                if !r.report.passed {
                    eprintln!(
                        "FAILED: {} seed {}; reproduce: {}",
                        r.report.scenario, r.report.seed, r.report.reproduce
                    );
                }
            }
        }
    }
    if !index.is_empty() {
        let p = cli.out.join("index.html");
        if let Err(e) = std::fs::write(&p, sim::html::render_index(&index)) {
            eprintln!("error: cannot write {}: {e}", p.display());
            code = 2;
        }
    }
    if cli.format == "json" {
        let v = if json.len() == 1 {
            json.pop().unwrap_or_default()
        } else {
            serde_json::Value::Array(json)
        };
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    ExitCode::from(code)
}

/// Runs every job, `threads` at a time; results come back in job order. Each run stays on one thread.
fn run_parallel(
    loaded: &[Loaded],
    jobs: &[(usize, u64, PathBuf)],
    threads: usize,
) -> Vec<Result<RunResult, scenario::ScenarioError>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<RunResult, scenario::ScenarioError>>>> =
        jobs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.min(jobs.len()) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((i, seed, _)) = jobs.get(k) else {
                    break;
                };
                let Some(l) = loaded.get(*i) else { break };
                let r = runner::run(l, *seed);
                if let Some(slot) = slots.get(k) {
                    if let Ok(mut g) = slot.lock() {
                        *g = Some(r);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner().ok().flatten().unwrap_or_else(|| {
                Err(scenario::ScenarioError {
                    file: PathBuf::new(),
                    line: 0,
                    col: 0,
                    message: "run did not complete".into(),
                })
            })
        })
        .collect()
}
