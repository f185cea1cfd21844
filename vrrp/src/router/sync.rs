//! keepalived `vrrp_sync_group`: member instances change state together (keepalived
//! `vrrp_sync.c`). Not in any RFC.
//!
//! The group is a small coordinator over routers the caller owns. After delivering any input
//! to any member, call [`SyncGroup::apply`] with all members (in a fixed order). Rules, in
//! keepalived's precedence:
//! 1. a member in its own FAULT (interface down, failed track) puts every member in FAULT;
//!    when no member has its own fault any more, all leave FAULT for BACKUP;
//! 2. when a Master member is pushed back to Backup, the other Masters follow;
//! 3. a member whose Master_Down_Timer fires only *wants* master; when every member wants
//!    master (or already is master) all become master ("prefer backup to avoid thrashing").

use crate::router::{Router, State};
use crate::time::Instant;

/// Coordinator for one sync group. Marking routers as members makes their Master_Down_Timer
/// produce [`crate::router::Event::WantMaster`] instead of a transition.
#[derive(Clone, Debug)]
pub struct SyncGroup {
    name: String,
    state: State,
}

impl SyncGroup {
    /// A group named `name` (for reports); marks every router in `members` as a member.
    pub fn new(name: &str, members: &mut [&mut Router]) -> SyncGroup {
        for m in members.iter_mut() {
            m.set_sync_member(true);
        }
        SyncGroup {
            name: name.to_string(),
            state: State::Backup,
        }
    }

    /// The group's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The group's state (Backup, Master or Fault).
    pub fn state(&self) -> State {
        self.state
    }

    /// Brings the members into line; see the module docs. Call after every input to a member.
    pub fn apply(&mut self, now: Instant, members: &mut [&mut Router]) {
        // Rule 1: FAULT.
        let any_own_fault = members.iter().any(|m| m.own_fault());
        if any_own_fault {
            for m in members.iter_mut() {
                m.sync_set_fault(now, true);
            }
            self.state = State::Fault;
            return;
        }
        if self.state == State::Fault {
            for m in members.iter_mut() {
                m.sync_set_fault(now, false);
            }
            self.state = State::Backup;
        }
        // Rule 2: a master stepped down.
        if self.state == State::Master && members.iter().any(|m| m.state() == State::Backup) {
            for m in members.iter_mut() {
                m.sync_force_backup(now);
            }
            self.state = State::Backup;
            return;
        }
        // Rule 3: everyone wants master.
        let running = members
            .iter()
            .all(|m| matches!(m.state(), State::Backup | State::Master));
        if running
            && self.state != State::Master
            && members
                .iter()
                .all(|m| m.wants_master() || m.state() == State::Master)
        {
            for m in members.iter_mut() {
                m.sync_force_master(now);
            }
            self.state = State::Master;
        }
    }
}
