//! `lvs` models the load-balancing half of keepalived: the Linux kernel's IPVS (virtual services,
//! the fourteen schedulers keepalived accepts, the connection table with its TCP state machine and
//! timeouts, persistence templates), the DR/NAT/TUN forwarding methods as pure transformations of
//! Ethernet frames, and keepalived's health checkers (`HTTP_GET`, `TCP_CHECK`, `MISC_CHECK`, `UDP_CHECK`,
//! `PING_CHECK`, `FILE_CHECK`, `BFD_CHECK` with its RFC 5880 sessions) as state
//! machines, plus `lvs_sync_daemon` connection synchronisation.
//!
//! Everything is sans-IO: no sockets, no clock, no threads, no global RNG. Time is passed in as
//! [`time::Instant`]; outputs (verdicts, rewritten frames, checker actions and events) are returned or
//! pulled. The only randomness (the `twos` scheduler, checker warmup) comes from a ChaCha generator
//! seeded by the caller, so a simulation run is reproducible. It never opens a socket, never reads the
//! wall clock and never talks to a real kernel.
//!
//! Map: [`service`] and [`sched`] (services, destinations, algorithms), [`ipvs`] (the table and data
//! path), [`forward`] (frame rewriting), [`datapath`] (frame in → frame out on a director), [`check`] (health checkers and real-server state),
//! [`keepalived`] (a parsed keepalived.conf → services and checkers with keepalived's defaults),
//! [`director`] (all of it for one director host), [`sync`] (the `lvs_sync_daemon` wire format),
//! [`siphash`] (the kernel's hsiphash, for `mh`).

#![warn(missing_docs, unreachable_pub)]

pub mod check;
pub mod datapath;
pub mod director;
pub mod forward;
pub mod ipvs;
pub mod keepalived;
pub mod sched;
pub mod service;
pub mod siphash;
pub mod sync;
pub mod time;

pub use director::{BfdTransmit, CheckerRef, Director, DirectorEvent};
pub use ipvs::{
    ConnId, Connection, Forward, Ipvs, IpvsError, IpvsSettings, OutVerdict, PacketInfo, TcpFlags,
    TcpState, Verdict,
};
pub use keepalived::{plan as plan_from_keepalived, LvsPlan};
pub use sched::{SchedInput, Scheduler};
pub use service::{
    Dest, DestConfig, DestId, FwdMethod, Protocol, SchedFlags, ServiceConfig, ServiceKey,
};
pub use time::{Duration, Instant};
