//! `nginx` models the part of nginx that decides where a proxied request goes and what a failed upstream
//! attempt does: the `upstream` block (servers with `weight`, `max_fails`, `fail_timeout`, `backup`, `down`,
//! `max_conns`), the four balancers of the open-source build (smooth weighted round robin, `ip_hash`,
//! `least_conn`, `hash KEY [consistent]`), and `proxy_next_upstream` with its `_tries` and `_timeout` limits.
//!
//! Everything is sans-IO. No sockets, no clock, no threads, no randomness. Time comes in as milliseconds
//! since the start of a run. Decisions go out as values: which peer to connect to next, or which response
//! the client gets. The simulator (`sim/src/host/nginx.rs`) performs the I/O over real TCP.
//!
//! Map: [`conf`] parses nginx configuration syntax into typed [`conf::NginxConf`] with located errors;
//! [`upstream`] holds the peer state and the balancers, ported in behaviour from nginx's
//! `ngx_http_upstream_round_robin.c`, `ngx_http_upstream_ip_hash_module.c`,
//! `ngx_http_upstream_least_conn_module.c` and `ngx_http_upstream_hash_module.c`; [`proxy`] is the per-request
//! life cycle of `ngx_http_upstream.c` (`ngx_http_upstream_next`, `ngx_http_upstream_test_next`);
//! [`crc32`] is the CRC-32 the hash balancers use. `FIDELITY.md` lists each rule's source and every deviation.

#![warn(missing_docs, unreachable_pub)]

pub mod conf;
pub mod crc32;
pub mod proxy;
pub mod upstream;

pub use conf::{parse, ConfError, NginxConf, ProxySettings, ServerConf, UpstreamConf};
pub use proxy::{AttemptResult, Decision, HttpMethod, Proxy, Request, RequestCtx};
pub use upstream::{Method, PeerId, Upstream, UpstreamEvent, UpstreamEventKind};
