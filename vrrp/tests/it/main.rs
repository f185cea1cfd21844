//! Integration tests of the `vrrp` crate (one binary; see each module).

mod golden;
mod rig;
mod router_rfc;
mod tshark;
mod util;
mod wire_props;
