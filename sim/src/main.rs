//! `sim`: vrrpsim's command line. This file only parses argv and dispatches; each subcommand
//! lives in its own module.

mod check_config;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// vrrpsim: VRRP and keepalived, simulated and checked.
#[derive(Debug, Parser)]
#[command(name = "sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check keepalived.conf files the way keepalived 2.2.7 would, plus vrrpsim's lints.
    CheckConfig(check_config::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::CheckConfig(args) => check_config::run(args),
    }
}
