//! `sim check-config FILE... [--strict] [--config-id ID] [--format text|json] [--fix-invisible]
//! [--print-canonical]`: parse keepalived.conf files, print a summary and the diagnostics.
//!
//! Exit codes (DESIGN.md): 0 no errors (warnings allowed), 1 warnings under `--strict`,
//! 2 errors in a config (or an unreadable file / bad flags).

use keepalived_conf::{
    format, lint_cluster, parse_file, Config, Diagnostic, ParseOptions, Parsed, Severity, Source,
    VsKey,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `sim check-config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// keepalived.conf files. Several files are checked together as the nodes of one cluster
    /// (cross-node lints such as weights that can never move the master).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Treat warnings as errors for the exit code (exit 1 when there are warnings only).
    #[arg(long)]
    pub strict: bool,
    /// keepalived's -i/--config-id: keep `@ID` lines for this ID.
    #[arg(long, value_name = "ID")]
    pub config_id: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutFormat,
    /// Do not look at this machine's file system for vrrp_script programs.
    #[arg(long)]
    pub no_script_check: bool,
    /// Write a repaired copy of each file, FILE.fixed, with invisible/look-alike characters replaced
    /// (U+00A0 -> space, ...). The original is never touched, and an existing FILE.fixed is never overwritten.
    #[arg(long)]
    pub fix_invisible: bool,
    /// Print each config in canonical form (the formatter) instead of the diagnostics.
    #[arg(long)]
    pub print_canonical: bool,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// Human-readable with caret excerpts.
    Text,
    /// One JSON document.
    Json,
}

/// Counts for the summary line.
#[derive(Debug, Serialize, Default, PartialEq, Eq)]
pub struct Summary {
    /// vrrp_instance blocks.
    pub instances: usize,
    /// Distinct VRIDs.
    pub vrids: Vec<u8>,
    /// Virtual IP addresses (virtual_ipaddress + excluded).
    pub vips: usize,
    /// virtual_server blocks.
    pub virtual_servers: usize,
    /// real_server blocks.
    pub real_servers: usize,
    /// Health checkers.
    pub checkers: usize,
    /// vrrp_script blocks.
    pub scripts: usize,
}

/// The summary of one config.
pub fn summarize(c: &Config) -> Summary {
    let mut vrids: Vec<u8> = c
        .vrrp_instances
        .iter()
        .filter_map(|v| v.virtual_router_id)
        .collect();
    vrids.sort_unstable();
    vrids.dedup();
    Summary {
        instances: c.vrrp_instances.len(),
        vrids,
        vips: c
            .vrrp_instances
            .iter()
            .map(|v| v.virtual_ipaddress.len() + v.virtual_ipaddress_excluded.len())
            .sum(),
        virtual_servers: c.virtual_servers.len(),
        real_servers: c.virtual_servers.iter().map(|v| v.real_servers.len()).sum(),
        checkers: c
            .virtual_servers
            .iter()
            .flat_map(|v| v.real_servers.iter())
            .map(|r| r.checkers.len())
            .sum(),
        scripts: c.vrrp_scripts.len(),
    }
}

#[derive(Serialize)]
struct FileReport<'a> {
    file: &'a Path,
    summary: Summary,
    errors: usize,
    warnings: usize,
    diagnostics: &'a [Diagnostic],
}

fn counts(d: &[Diagnostic]) -> (usize, usize) {
    (
        d.iter().filter(|d| d.severity == Severity::Error).count(),
        d.iter().filter(|d| d.severity == Severity::Warning).count(),
    )
}

fn vs_list(c: &Config) -> String {
    c.virtual_servers
        .iter()
        .map(|v| match &v.key {
            VsKey::Addr { ip, port } => format!("{ip}:{port}"),
            VsKey::Fwmark(m) => format!("fwmark {m}"),
            VsKey::Group(g) => format!("group {g}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    // Everything goes to one buffer, written once: a closed pipe (`| head`) is not an error.
    let mut out = String::new();
    macro_rules! println {
        () => { out.push('\n') };
        ($($t:tt)*) => {{ out.push_str(&format!($($t)*)); out.push('\n'); }};
    }
    macro_rules! print {
        ($($t:tt)*) => { out.push_str(&format!($($t)*)) };
    }
    let opts = ParseOptions {
        config_id: args.config_id.clone(),
        check_scripts: !args.no_script_check,
        ..ParseOptions::default()
    };
    if args.fix_invisible {
        return fix_invisible(&args.files);
    }
    let mut parsed: Vec<(PathBuf, Parsed)> = args
        .files
        .iter()
        .map(|f| (f.clone(), parse_file(f, &opts)))
        .collect();
    if args.print_canonical {
        for (f, p) in &parsed {
            if args.files.len() > 1 {
                println!("# {}", f.display());
            }
            print!("{}", format::format_config(&p.config));
        }
        emit(&out);
        return if parsed.iter().any(|(_, p)| p.has_errors()) {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    if parsed.len() > 1 {
        let cluster: Vec<(&Path, &Config)> = parsed
            .iter()
            .map(|(f, p)| (f.as_path(), &p.config))
            .collect();
        let extra = lint_cluster(&cluster);
        for d in extra {
            if let Some((_, p)) = parsed
                .iter_mut()
                .find(|(_, p)| p.sources.contains_key(&d.span.file))
            {
                p.diagnostics.push(d);
            }
        }
    }
    let (mut errors, mut warnings) = (0, 0);
    match args.format {
        OutFormat::Text => {
            for (f, p) in &parsed {
                let s = summarize(&p.config);
                let (e, w) = counts(&p.diagnostics);
                errors += e;
                warnings += w;
                for d in &p.diagnostics {
                    print!("{}", d.render(&p.sources));
                    println!();
                }
                let vrids: Vec<String> = s.vrids.iter().map(|v| v.to_string()).collect();
                println!(
                    "{}: {} vrrp_instance(s) (VRIDs {}), {} VIP(s), {} vrrp_script(s), {} virtual_server(s){}, {} real_server(s), {} checker(s)",
                    f.display(),
                    s.instances,
                    if vrids.is_empty() { "-".to_string() } else { vrids.join(",") },
                    s.vips,
                    s.scripts,
                    s.virtual_servers,
                    if s.virtual_servers > 0 { format!(" ({})", vs_list(&p.config)) } else { String::new() },
                    s.real_servers,
                    s.checkers
                );
                let own = p
                    .diagnostics
                    .iter()
                    .filter(|d| d.source == Source::Vrrpsim)
                    .count();
                println!("  {e} error(s), {w} warning(s) ({own} of them vrrpsim lints)");
            }
        }
        OutFormat::Json => {
            let reports: Vec<FileReport<'_>> = parsed
                .iter()
                .map(|(f, p)| {
                    let (e, w) = counts(&p.diagnostics);
                    errors += e;
                    warnings += w;
                    FileReport {
                        file: f,
                        summary: summarize(&p.config),
                        errors: e,
                        warnings: w,
                        diagnostics: &p.diagnostics,
                    }
                })
                .collect();
            match serde_json::to_string_pretty(&reports) {
                Ok(s) => println!("{s}"),
                Err(e) => {
                    eprintln!("error: cannot serialise the report: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    emit(&out);
    exit_code(errors, warnings, args.strict)
}

/// Writes the report; a reader that went away (`| head`) is not an error.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// DESIGN.md's exit codes for check-config.
pub fn exit_code(errors: usize, warnings: usize, strict: bool) -> ExitCode {
    if errors > 0 {
        ExitCode::from(2)
    } else if strict && warnings > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn fix_invisible(files: &[PathBuf]) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(text) => {
                let fixed = format::repair_text(&text);
                let n = keepalived_conf::invisible::scan(&text).len();
                if n == 0 {
                    println!("{}: nothing to repair", f.display());
                    continue;
                }
                let mut out_name = f.clone().into_os_string();
                out_name.push(".fixed");
                let out = PathBuf::from(out_name);
                // create_new: nothing the user has is ever overwritten.
                let written = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&out)
                    .and_then(|mut w| std::io::Write::write_all(&mut w, fixed.as_bytes()));
                match written {
                    Ok(()) => println!(
                        "{}: repaired {n} invisible or look-alike character(s) -> {}",
                        f.display(),
                        out.display()
                    ),
                    Err(e) => {
                        eprintln!("error: cannot write {}: {e}", out.display());
                        code = ExitCode::from(2);
                    }
                }
            }
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                code = ExitCode::from(2);
            }
        }
    }
    code
}
