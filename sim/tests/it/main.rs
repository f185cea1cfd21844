//! Integration tests of the simulator: scenario files end to end, determinism, tshark as the capture oracle,
//! host behaviour that smoltcp alone lacks, and fidelity to real keepalived captures.

mod arp_learning;
mod check_config;
mod checkers;
mod conformance_events;
mod determinism;
mod expectations;
mod explore;
mod faults;
mod fidelity;
mod html;
mod ipv6;
mod library;
mod lvs;
mod lvs_checkers;
mod lvs_nat_tun;
mod lvs_quorum;
mod lvs_sync;
mod nginx;
mod properties;
mod scenario_errors;
mod scenario_props;
mod split_brain;
mod tshark;
mod util;
