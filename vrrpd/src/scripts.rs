//! `vrrp_script` scheduling: each script runs every `interval`; a run that exits non-zero,
//! cannot start or outlives `timeout` is a failure; `rise` successes in a row make it up,
//! `fall` failures in a row make it down (keepalived's semantics). Each change is sent to the
//! event loop as a [`Control::Track`], which hands it to the router (`Router::set_track`),
//! where the weight applies.
//!
//! How a script is executed is behind [`ScriptExec`]: [`ProcessExec`] runs the real program
//! (no shell, as keepalived 2.x); the turmoil tests use a deterministic program model.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::config::ScriptSpec;
use crate::daemon::Control;
use crate::log::{self, Level};

/// Runs one check of a script.
#[allow(async_fn_in_trait)]
pub trait ScriptExec {
    /// Runs `spec` once; true when it succeeded (exit status 0). The caller enforces the
    /// timeout by dropping the future.
    async fn run(&self, spec: &ScriptSpec) -> bool;
}

/// Runs the script as a child process, killed when its timeout expires.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessExec;

impl ScriptExec for ProcessExec {
    async fn run(&self, spec: &ScriptSpec) -> bool {
        let Some((prog, args)) = spec.argv.split_first() else {
            return false;
        };
        let child = tokio::process::Command::new(prog)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn();
        match child {
            Ok(mut c) => c.wait().await.map(|s| s.success()).unwrap_or(false),
            Err(e) => {
                log::log(
                    Level::Warn,
                    &format!("vrrp_script {}: cannot run {prog}: {e}", spec.name),
                );
                false
            }
        }
    }
}

/// Rise/fall bookkeeping of one script, separate from the clock so it can be tested alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiseFall {
    rise: u32,
    fall: u32,
    up: bool,
    streak: u32,
}

impl RiseFall {
    /// Starts up, or down with `init_fail`.
    pub fn new(spec: &ScriptSpec) -> RiseFall {
        RiseFall {
            rise: spec.rise.max(1),
            fall: spec.fall.max(1),
            up: !spec.init_fail,
            streak: 0,
        }
    }
    /// Current status.
    pub fn is_up(&self) -> bool {
        self.up
    }
    /// Records one result; returns the new status when it changed.
    pub fn record(&mut self, ok: bool) -> Option<bool> {
        if ok == self.up {
            self.streak = 0;
            return None;
        }
        self.streak += 1;
        let needed = if ok { self.rise } else { self.fall };
        if self.streak >= needed {
            self.up = ok;
            self.streak = 0;
            Some(ok)
        } else {
            None
        }
    }
}

/// Runs `spec` forever with `exec`, reporting its initial status at once and every change
/// after that. Returns when the event loop has gone.
pub async fn run_script<E: ScriptExec>(exec: E, spec: ScriptSpec, tx: mpsc::Sender<Control>) {
    let mut rf = RiseFall::new(&spec);
    if tx
        .send(Control::Track {
            script: spec.name.clone(),
            up: rf.is_up(),
        })
        .await
        .is_err()
    {
        return;
    }
    let mut tick = tokio::time::interval(spec.interval.max(Duration::from_millis(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let ok = tokio::time::timeout(spec.timeout, exec.run(&spec))
            .await
            .unwrap_or(false);
        log::log(
            Level::Debug,
            &format!(
                "vrrp_script {}: {}",
                spec.name,
                if ok { "succeeded" } else { "failed" }
            ),
        );
        if let Some(up) = rf.record(ok) {
            log::log(
                Level::Info,
                &format!(
                    "vrrp_script {} now {}",
                    spec.name,
                    if up { "succeeds" } else { "fails" }
                ),
            );
            let msg = Control::Track {
                script: spec.name.clone(),
                up,
            };
            if tx.send(msg).await.is_err() {
                return;
            }
        }
    }
}
