//! `vrrpd -f keepalived.conf`: the VRRP instances of a keepalived configuration on this host.
//! Exit codes: 0 after a clean stop, 1 on a runtime failure, 2 for a bad configuration or flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use keepalived_conf::{ParseOptions, Severity};
use tokio::sync::mpsc;
use vrrpd::config;
use vrrpd::daemon::{Control, Daemon};
use vrrpd::linux::LinuxIo;
use vrrpd::log::{self, Level};
use vrrpd::scripts::{run_script, ProcessExec};

#[derive(Parser, Debug)]
#[command(
    name = "vrrpd",
    version,
    about = "VRRP daemon for keepalived.conf (vrrp_instance blocks)"
)]
struct Args {
    /// keepalived configuration file.
    #[arg(
        short = 'f',
        long = "use-file",
        default_value = "/etc/keepalived/keepalived.conf"
    )]
    file: PathBuf,
    /// keepalived's --config-id: keeps `@ID` lines.
    #[arg(short = 'i', long = "config-id")]
    config_id: Option<String>,
    /// Most verbose level printed.
    #[arg(long, value_enum, default_value_t = Level::Info)]
    log_level: Level,
    /// Router behaviour where specifications differ: keepalived, rfc3768, rfc5798, rfc9568.
    #[arg(long, default_value = "keepalived")]
    mode: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    log::set_level(args.log_level);
    let Some(mode) = vrrp::router::Mode::from_name(&args.mode) else {
        eprintln!("vrrpd: unknown --mode {}", args.mode);
        return ExitCode::from(2);
    };
    let opts = ParseOptions {
        config_id: args.config_id.clone(),
        ..ParseOptions::default()
    };
    let parsed = keepalived_conf::parse_file(&args.file, &opts);
    let mut bad = false;
    for d in &parsed.diagnostics {
        if d.severity == Severity::Error {
            bad = true;
            eprintln!("{}", d.render(&parsed.sources));
        }
    }
    if bad {
        return ExitCode::from(2);
    }
    let ifs = match vrrpd::sys::KernelInterfaces::load() {
        Ok(i) => i,
        Err(e) => {
            eprintln!("vrrpd: getifaddrs: {e}");
            return ExitCode::from(1);
        }
    };
    let dc = match config::build(&parsed.config, mode, &ifs) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vrrpd: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vrrpd: tokio: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(dc)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::log(Level::Error, &format!("{e:#}"));
            ExitCode::from(1)
        }
    }
}

async fn run(dc: config::DaemonConfig) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let io = LinuxIo::open(&dc.instances)?;
    let (tx, rx) = mpsc::channel(64);
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let sig_tx = tx.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => log::log(Level::Info, "SIGTERM: stopping"),
            _ = int.recv() => log::log(Level::Info, "SIGINT: stopping"),
        }
        let _ = sig_tx.send(Control::Shutdown).await;
    });
    for s in dc.scripts {
        tokio::spawn(run_script(ProcessExec, s, tx.clone()));
    }
    if !dc.interfaces.is_empty() {
        let (names, link_tx) = (dc.interfaces.clone(), tx.clone());
        tokio::spawn(async move {
            if let Err(e) = vrrpd::linux::watch_links(names, link_tx).await {
                log::log(Level::Error, &format!("track_interface: rtnetlink: {e}"));
            }
        });
    }
    drop(tx);
    let mut daemon = Daemon::new(io, dc.instances);
    match vrrpd::linux::PreciseTimer::new() {
        Ok(t) => daemon = daemon.with_precise_timer(t),
        Err(e) => log::log(
            Level::Warn,
            &format!("timerfd: {e}; using tokio's millisecond timer"),
        ),
    }
    daemon.run(rx).await?;
    Ok(())
}
