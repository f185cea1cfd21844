//! vrrpd integration tests: config mapping, script scheduling, the event loop on turmoil, and
//! interop with keepalived / FRR in network namespaces (root only; required under CI=true).

mod frr;
mod interop;
mod lab;
mod side_by_side;
mod sim_loop;
mod sim_predict;
mod units;
