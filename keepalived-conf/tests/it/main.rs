//! keepalived-conf integration tests: one binary, one module per area.

mod bad;
mod docs;
mod features;
mod fixtures;
mod fuzz_regressions;
mod parity;
mod roundtrip;
mod router;
mod util;
