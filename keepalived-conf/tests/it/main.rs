//! keepalived-conf integration tests: one binary, one module per area.

mod bad;
mod features;
mod fixtures;
mod parity;
mod roundtrip;
mod util;
