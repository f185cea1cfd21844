//! `vrrpd` runs the `vrrp` crate's sans-IO router on a real Linux network, configured by the
//! VRRP part of a keepalived.conf: raw `IPPROTO_VRRP` sockets, `AF_PACKET` for receiving and for
//! gratuitous ARP / unsolicited NA, rtnetlink for the VIPs, an optional macvlan VMAC,
//! `vrrp_script` processes and notify scripts, all on a tokio event loop.
//!
//! It never implements protocol logic of its own (every decision is `vrrp::router`'s), never
//! touches LVS / `virtual_server` blocks, and never reads a clock other than tokio's, so the
//! same event loop runs on turmoil's simulated time in tests.
//!
//! Modules: [`config`] (keepalived.conf → instances), [`io`] (the I/O trait), [`linux`] (the
//! production I/O), [`sys`] (system calls), [`daemon`] (the event loop), [`scripts`]
//! (`vrrp_script` scheduling), [`log`].
#![warn(missing_docs, unreachable_pub)]

pub mod config;
pub mod daemon;
pub mod io;
pub mod linux;
pub mod log;
pub mod scripts;
pub mod sys;
