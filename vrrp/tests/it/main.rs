//! Integration tests of the `vrrp` crate (one binary; see each module).

mod golden;
mod replay;
mod rig;
mod router_keepalived;
mod router_props;
mod router_rfc;
mod tshark;
mod util;
mod wire_props;
