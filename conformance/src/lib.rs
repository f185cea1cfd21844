//! Checks VRRP packet captures against RFC 3768 (VRRPv2), RFC 5798 and RFC 9568 (VRRPv3), with keepalived's
//! known deviations as a profile of their own.
//!
//! It reads pcap (µs/ns) and pcapng (several interfaces) as a stream with bounded memory; decodes Ethernet
//! (802.1Q), Linux SLL/SLL2 and raw IP; identifies each virtual router by (interface, family, VRID); applies
//! per-packet and sequence rules numbered after docs/rfc-checklist.md; and builds a timeline per virtual
//! router (masters, failovers with their gaps, split-brain windows, interval statistics, GARP/NA counts).
//! The simulator calls [`check_bytes`] / [`check_path`] with its configs and events; the `conformance`
//! binary wraps the same calls.
//!
//! It never sends or captures traffic, never reads the wall clock, and never decodes the VRRP header
//! itself: that is `vrrp::wire`'s job. It does not panic on any input: unreadable files are a
//! [`ReadError`], damage inside a readable capture is a finding.

#![warn(missing_docs, unreachable_pub)]

mod advert;
pub mod capture;
mod decode;
mod engine;
pub mod report;
pub mod rules;
pub mod synth;

use std::fs::File;
use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

pub use capture::ReadError;
pub use report::{
    Failover, Finding, IntervalStats, Master, NotChecked, Report, RouterReport, Severity,
    SplitBrain, Summary,
};

/// A checker profile (DESIGN naming).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Profile {
    /// Chosen per virtual router from what the capture shows.
    #[default]
    Auto,
    /// RFC 3768, VRRPv2.
    Rfc3768,
    /// RFC 5798 read literally (IPv4 v3 checksum with pseudo-header).
    Rfc5798,
    /// RFC 9568 (obsoletes 5798: IPv4 v3 checksum without pseudo-header, errata checks).
    Rfc9568,
    /// keepalived 2.2.7: the deviations of docs/rfc-checklist.md §5 become notes.
    Keepalived,
}

impl Profile {
    /// The profile's name (`auto`, `rfc3768`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Profile::Auto => "auto",
            Profile::Rfc3768 => "rfc3768",
            Profile::Rfc5798 => "rfc5798",
            Profile::Rfc9568 => "rfc9568",
            Profile::Keepalived => "keepalived",
        }
    }

    /// Parses a profile name.
    pub fn from_name(s: &str) -> Option<Profile> {
        Some(match s {
            "auto" => Profile::Auto,
            "rfc3768" => Profile::Rfc3768,
            "rfc5798" => Profile::Rfc5798,
            "rfc9568" => Profile::Rfc9568,
            "keepalived" => Profile::Keepalived,
            _ => return None,
        })
    }
}

/// What happened to a node or the network, as the simulator records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The node (its VRRP process) started.
    NodeStart,
    /// The node was stopped gracefully: a master must send a priority-0 advert.
    NodeStop,
    /// The node crashed: no priority-0 advert is expected.
    NodeCrash,
    /// A fault was injected (partition, loss, VRRP filter, stall, ...).
    FaultInjected {
        /// Free text shown in findings, e.g. `partition {r1} {r2,r3}`.
        description: String,
    },
    /// A fault was healed.
    FaultHealed {
        /// Same text as the matching [`EventKind::FaultInjected`].
        description: String,
    },
}

/// One event of the simulator's log.
///
/// `time_ns` is on the **capture's clock**: the same nanosecond timeline as the packet timestamps written
/// into the capture (for the simulator: simulated nanoseconds, as it writes them into its pcapng). Reports
/// convert it like packet times, to seconds since the first packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When, in nanoseconds on the capture's clock.
    pub time_ns: i64,
    /// Node name (empty for network-wide faults).
    pub node: String,
    /// The node's addresses as they appear as VRRP source addresses (primary IPv4, link-local IPv6), so the
    /// checker can tie adverts to the node. Empty for faults.
    pub addresses: Vec<IpAddr>,
    /// What happened.
    pub kind: EventKind,
}

/// Options for one check.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Profile; `Auto` by default.
    pub profile: Profile,
    /// Configs by the source address their router sends adverts from (`--config SRC_IP=FILE`); enables
    /// the checklist's `cfg` items.
    pub configs: Vec<(IpAddr, keepalived_conf::Config)>,
    /// The simulator's event log (empty for a bare capture).
    pub events: Vec<Event>,
}

/// Checks an in-memory capture. `name` labels the report and error messages.
pub fn check_bytes(name: &str, bytes: &[u8], opts: &CheckOptions) -> Result<Report, ReadError> {
    check_reader(name, bytes, opts)
}

/// Checks a capture from any reader, streaming: memory does not grow with its size.
pub fn check_reader<R: Read>(
    name: &str,
    reader: R,
    opts: &CheckOptions,
) -> Result<Report, ReadError> {
    engine::run(name, reader, opts)
}

/// Checks a capture file.
pub fn check_path(path: &Path, opts: &CheckOptions) -> Result<Report, ReadError> {
    let name = path.display().to_string();
    let f = File::open(path).map_err(|source| ReadError::Io {
        path: name.clone(),
        source,
    })?;
    check_reader(&name, f, opts)
}
