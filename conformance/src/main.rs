//! `conformance check FILE... [--format text|json|junit|markdown] [--profile ...] [--config SRC_IP=FILE]...`
//!
//! Exit codes (DESIGN): 0 no errors, 1 errors found, 2 unreadable input or bad flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use conformance::{check_path, CheckOptions, Profile, Report};

#[derive(Parser)]
#[command(
    name = "conformance",
    version,
    about = "Check VRRP captures against RFC 3768 / 5798 / 9568"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Junit,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProfileArg {
    Auto,
    Rfc3768,
    Rfc5798,
    Rfc9568,
    Keepalived,
}

#[derive(Subcommand)]
enum Cmd {
    /// Check one or more pcap/pcapng files.
    Check {
        /// Capture files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Profile; `auto` chooses per virtual router and says why.
        #[arg(long, value_enum, default_value = "auto")]
        profile: ProfileArg,
        /// `SRC_IP=keepalived.conf`: the config of the router sending adverts from SRC_IP (repeatable).
        #[arg(long = "config", value_name = "SRC_IP=FILE")]
        configs: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.cmd {
        Cmd::Check {
            files,
            format,
            profile,
            configs,
        } => {
            let profile = match profile {
                ProfileArg::Auto => Profile::Auto,
                ProfileArg::Rfc3768 => Profile::Rfc3768,
                ProfileArg::Rfc5798 => Profile::Rfc5798,
                ProfileArg::Rfc9568 => Profile::Rfc9568,
                ProfileArg::Keepalived => Profile::Keepalived,
            };
            let mut parsed = Vec::new();
            for c in &configs {
                let Some((ip, path)) = c.split_once('=') else {
                    eprintln!("error: --config {c}: expected SRC_IP=FILE");
                    return ExitCode::from(2);
                };
                let Ok(ip) = ip.trim().parse::<std::net::IpAddr>() else {
                    eprintln!("error: --config {c}: {ip} is not an IP address");
                    return ExitCode::from(2);
                };
                let p = keepalived_conf::parse_file(
                    std::path::Path::new(path),
                    &keepalived_conf::ParseOptions::default(),
                );
                if p.has_errors() {
                    // The config is still used for what it does say; keepalived would refuse the errors.
                    eprintln!("warning: {path} has errors:\n{}", p.render_diagnostics());
                }
                if p.config.vrrp_instances.is_empty() {
                    eprintln!("error: --config {c}: {path} has no vrrp_instance");
                    return ExitCode::from(2);
                }
                parsed.push((ip, p.config));
            }
            let opts = CheckOptions {
                profile,
                configs: parsed,
                ..CheckOptions::default()
            };
            let mut reports: Vec<Report> = Vec::new();
            let mut unreadable = false;
            for f in &files {
                match check_path(f, &opts) {
                    Ok(r) => reports.push(r),
                    Err(e) => {
                        eprintln!("error: {e}");
                        unreadable = true;
                    }
                }
            }
            let out = match format {
                Format::Text => reports.iter().map(Report::to_text).collect::<String>(),
                Format::Markdown => reports.iter().map(Report::to_markdown).collect::<String>(),
                Format::Json => match serde_json::to_string_pretty(&reports) {
                    Ok(s) => s + "\n",
                    Err(e) => {
                        eprintln!("error: cannot serialise the report: {e}");
                        return ExitCode::from(2);
                    }
                },
                Format::Junit => conformance::report::to_junit(&reports),
            };
            // A reader that goes away (`| head`) is not an error of the check: stop writing, keep the
            // exit code. print! would panic on the closed pipe.
            {
                use std::io::Write;
                let mut stdout = std::io::stdout().lock();
                if let Err(e) = stdout
                    .write_all(out.as_bytes())
                    .and_then(|()| stdout.flush())
                {
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        eprintln!("error: cannot write the report: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            if unreadable {
                ExitCode::from(2)
            } else if reports.iter().any(Report::has_errors) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
