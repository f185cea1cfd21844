//! Integration tests of the `lvs` crate: schedulers against the kernel's algorithms, the connection
//! table and persistence, frame forwarding, and keepalived checker timing.

mod bfd_props;
mod check_bytes;
mod check_dns;
mod check_more;
mod check_servers;
mod check_smtp;
mod check_ssl;
mod check_timing;
mod conn_table;
mod forward;
mod keepalived;
mod props;
mod quorum;
mod sched;
mod sync;
mod tshark;
mod util;
