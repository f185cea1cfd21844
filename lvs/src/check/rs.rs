//! What a real server's checkers do to IPVS and to the notify scripts (ipwrapper.c:
//! `init_service_rs`, `update_svr_checker_state`, `perform_svr_state`, `clear_service_rs`).

use super::CheckEvent;
use crate::time::Instant;

/// One consequence of a checker verdict, for the caller to apply (IPVS command or notify script),
/// stamped with the time it happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RsAction {
    /// Add the server to the virtual service with this weight (`LVS_CMD_ADD_DEST`).
    Add {
        /// When.
        at: Instant,
        /// Weight (0 for a failed server kept in the table by `inhibit_on_failure`).
        weight: u32,
    },
    /// Remove the server from the virtual service (`LVS_CMD_DEL_DEST`).
    Remove {
        /// When.
        at: Instant,
    },
    /// Change the weight: `inhibit_on_failure` "disables" with 0 and "enables" with the configured one.
    SetWeight {
        /// When.
        at: Instant,
        /// New weight.
        weight: u32,
    },
    /// Run `notify_up` (and the notify FIFO / SNMP trap).
    NotifyUp {
        /// When.
        at: Instant,
    },
    /// Run `notify_down`.
    NotifyDown {
        /// When.
        at: Instant,
    },
}

/// The health of one real server over all its checkers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealServerHealth {
    weight: u32,
    effective: u32,
    /// The weight before FILE_CHECK contributions: the configured one or MISC_CHECK's dynamic one.
    base: u32,
    /// Sum of the FILE_CHECK contributions (keepalived keeps `effective_weight` as this sum).
    offset: i64,
    inhibit: bool,
    alive: bool,
    set: bool,
    failed_checkers: u32,
}

impl RealServerHealth {
    /// A server with `checkers` checkers of which `alpha_checkers` start in alpha mode (counted as
    /// failed until they pass), `weight` and `inhibit_on_failure`.
    pub fn new(weight: u32, inhibit: bool, alpha_checkers: u32) -> Self {
        RealServerHealth {
            weight,
            effective: weight,
            base: weight,
            offset: 0,
            inhibit,
            alive: false,
            set: false,
            failed_checkers: alpha_checkers,
        }
    }

    /// `inhibit_on_failure`: a failed server stays in the table at weight 0.
    pub fn inhibit(&self) -> bool {
        self.inhibit
    }

    /// Whether keepalived considers the server alive (in the pool).
    pub fn is_alive(&self) -> bool {
        self.alive
    }

    /// Effective weight: the configured one, or the last MISC_CHECK `misc_dynamic` one.
    pub fn effective_weight(&self) -> u32 {
        self.effective
    }

    /// The configured weight.
    pub fn configured_weight(&self) -> u32 {
        self.weight
    }

    /// Checkers currently failed.
    pub fn failed_checkers(&self) -> u32 {
        self.failed_checkers
    }

    /// Checkers that start failed or with a weight contribution regardless of alpha (FILE_CHECK reads
    /// its file before the first pass): `failed` more failed checkers, `offset` added to the weight.
    /// Call before [`init`](Self::init).
    pub fn preset(&mut self, failed: u32, offset: i64) {
        self.failed_checkers += failed;
        self.offset += offset;
        self.effective = self.real_weight();
    }

    /// ipwrapper.h `real_weight`: the effective weight IPVS gets, clamped to 0..=i32::MAX.
    fn real_weight(&self) -> u32 {
        (i64::from(self.base) + self.offset).clamp(0, i64::from(i32::MAX)) as u32
    }

    /// `init_service_rs`: at startup a server with no failed checker is added and alive; a failed one
    /// is added with weight 0 only under `inhibit_on_failure`.
    pub fn init(&mut self, now: Instant) -> Vec<RsAction> {
        let mut out = Vec::new();
        if (self.failed_checkers == 0 && !self.alive) || (self.inhibit && !self.set) {
            let weight = if self.failed_checkers == 0 {
                self.effective
            } else {
                0
            };
            out.push(RsAction::Add { at: now, weight });
            self.set = true;
            if self.failed_checkers == 0 {
                self.alive = true;
            }
        }
        out
    }

    fn perform(&mut self, now: Instant, alive: bool, out: &mut Vec<RsAction>) {
        if self.alive == alive {
            return;
        }
        out.push(match (alive, self.inhibit) {
            (true, true) => RsAction::SetWeight {
                at: now,
                weight: self.effective,
            },
            (true, false) => RsAction::Add {
                at: now,
                weight: self.effective,
            },
            (false, true) => RsAction::SetWeight { at: now, weight: 0 },
            (false, false) => RsAction::Remove { at: now },
        });
        self.set = alive || self.inhibit;
        self.alive = alive;
        out.push(if alive {
            RsAction::NotifyUp { at: now }
        } else {
            RsAction::NotifyDown { at: now }
        });
    }

    /// `update_svr_checker_state` for one checker's event.
    pub fn on_check_event(&mut self, ev: &CheckEvent) -> Vec<RsAction> {
        let mut out = Vec::new();
        match *ev {
            CheckEvent::Up { at } => {
                // Up only when this was the last failed checker.
                if self.failed_checkers <= 1 {
                    self.perform(at, true, &mut out);
                }
                self.failed_checkers = self.failed_checkers.saturating_sub(1);
            }
            CheckEvent::Down {
                at, initial: true, ..
            } => {
                // Alpha mode's first failure: notifiers only (do_rs_notifies with the current state).
                out.push(if self.alive {
                    RsAction::NotifyUp { at }
                } else {
                    RsAction::NotifyDown { at }
                });
            }
            CheckEvent::Down { at, .. } => {
                if self.failed_checkers == 0 {
                    self.perform(at, false, &mut out);
                }
                self.failed_checkers += 1;
            }
            CheckEvent::Weight { at, weight } => {
                // update_svr_wgt: takes effect in IPVS only while the server is in the pool.
                self.base = weight.unwrap_or(self.weight);
                let w = self.real_weight();
                if w != self.effective {
                    self.effective = w;
                    if self.set && self.alive {
                        out.push(RsAction::SetWeight { at, weight: w });
                    }
                }
            }
            CheckEvent::WeightDelta { at, delta } => {
                self.offset += delta;
                let w = self.real_weight();
                if w != self.effective {
                    self.effective = w;
                    if self.set && self.alive {
                        out.push(RsAction::SetWeight { at, weight: w });
                    }
                }
            }
        }
        out
    }

    /// `clear_service_rs` at shutdown: the server is removed (even with inhibit), and notify_down runs
    /// for an alive server only in `omega` mode.
    pub fn shutdown(&mut self, now: Instant, omega: bool) -> Vec<RsAction> {
        let mut out = Vec::new();
        if !self.set {
            return out;
        }
        out.push(RsAction::Remove { at: now });
        self.set = false;
        if self.alive {
            self.alive = false;
            if omega {
                out.push(RsAction::NotifyDown { at: now });
            }
        }
        out
    }
}
