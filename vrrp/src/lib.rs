//! `vrrp` implements the Virtual Router Redundancy Protocol — VRRPv2 (RFC 3768), VRRPv3 for
//! IPv4 and IPv6 (RFC 5798, with RFC 9568's changes selectable) and keepalived 2.2's
//! deviations — as a wire codec plus a sans-IO router state machine.
//!
//! It never does I/O: no sockets, no clock, no threads, no RNG. Time enters as an argument
//! ([`time::Instant`]), frames enter and leave as bytes or [`wire::VrrpRepr`]s, and everything a
//! router wants done is pulled out of it as actions. The same code runs in the simulator, in
//! tests and (later) in a real daemon.
//!
//! Modules:
//! - [`time`]: nanosecond `Instant` / `Duration`.
//! - [`wire`]: the VRRP message (`VrrpPacket` view, `VrrpRepr`, checksums, `WireError`).
//! - [`frame`]: Ethernet + IP + VRRP frames, gratuitous ARP, unsolicited NA, and `frame::parse`.
//! - [`router`]: the sans-IO `Router` state machine, `RouterConfig`, `Mode`, `SyncGroup`, and
//!   the keepalived exceptions list (`router::keepalived`).
//! - [`timing`]: `skew_time` / `master_down_interval` per version (RFC 3768 §6.1, RFC 5798 §6.1).
#![warn(missing_docs, unreachable_pub)]
#![forbid(unsafe_code)]

pub mod frame;
pub mod router;
pub mod time;
pub mod timing;
pub mod wire;

pub use timing::{master_down_interval, skew_time};
