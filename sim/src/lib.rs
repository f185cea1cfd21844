//! `sim`: a deterministic discrete-event network simulator that runs real keepalived configurations.
//!
//! A run builds a world of hosts on L2 segments from a RON scenario file, lets VRRP routers (the `vrrp` crate's
//! sans-IO `Router`, configured through `keepalived-conf`), clients and HTTP responders exchange real Ethernet
//! frames, injects the scenario's faults at their times, and records every frame into one pcapng file plus a
//! timeline of state changes, faults and client requests. Expectations are then evaluated over that timeline.
//!
//! Inside a run there is no wall clock, no thread, no iteration over unordered maps and no randomness except
//! the seeded ChaCha streams of [`rng`]: the same scenario and seed give byte-identical output. This crate never
//! touches real network interfaces.
#![warn(missing_docs, unreachable_pub)]

pub mod bench_scenarios;
pub mod capture;
pub mod engine;
pub mod expect;
pub mod explore;
pub mod host;
pub mod html;
pub mod init;
pub mod lvs_dgram;
pub mod lvs_expect;
pub mod lvs_host;
pub mod lvs_sync;
pub mod net;
pub mod nginx_expect;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod time;

pub mod router_host;
pub mod runner;
pub mod timeline;
pub mod world;
