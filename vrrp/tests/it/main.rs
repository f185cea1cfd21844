//! Integration tests of the `vrrp` crate (one binary; see each module).

mod golden;
mod tshark;
mod util;
mod wire_props;
