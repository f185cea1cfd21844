//! `vrrp` implements the Virtual Router Redundancy Protocol — VRRPv2 (RFC 3768), VRRPv3 for
//! IPv4 and IPv6 (RFC 5798, with RFC 9568's changes selectable) and keepalived 2.2's
//! deviations — as a wire codec plus a sans-IO router state machine.
//!
//! It never does I/O: no sockets, no clock, no threads, no RNG. Time enters as an argument
//! ([`time::Instant`]), frames enter and leave as bytes or [`wire::VrrpRepr`]s, and everything a
//! router wants done is pulled out of it as actions. The same code runs in the simulator, in
//! tests and (later) in a real daemon.
//!
//! Modules:
//! - [`time`]: nanosecond `Instant` / `Duration`.
//! - [`wire`]: the VRRP message (`VrrpPacket` view, `VrrpRepr`, checksums, `WireError`).
//! - [`frame`]: Ethernet + IP + VRRP frames, gratuitous ARP, unsolicited NA, and `frame::parse`.
//! - [`router`]: the sans-IO `Router` state machine, `RouterConfig`, `Mode`, `SyncGroup`, and
//!   the keepalived exceptions list (`router::keepalived`).
//! - [`timing`]: `skew_time` / `master_down_interval` per version (RFC 3768 §6.1, RFC 5798 §6.1).
//!
//! ```
//! use vrrp::router::{Event, Mode, Router, RouterConfig, State};
//! use vrrp::time::Instant;
//!
//! // keepalived's defaults: VRRPv2, interface MAC, 5 + 5 gratuitous ARPs.
//! let vip = "192.0.2.100".parse().unwrap();
//! let mut cfg = RouterConfig::new(Mode::Keepalived, 51, "192.0.2.12".parse().unwrap(), vec![vip]);
//! cfg.priority = 99;
//! let mut r = Router::new(cfg);
//! r.start(Instant::ZERO);
//! assert_eq!(r.state(), State::Backup);
//!
//! // No master is heard: Master_Down_Timer fires after 3 s + (256 - 99)/256 s.
//! let t = r.poll_timeout().unwrap();
//! assert_eq!(t, Instant::from_micros(3_613_281));
//! r.handle_timeout(t);
//! assert_eq!(r.state(), State::Master);
//!
//! let mut frames = Vec::new();
//! while let Some(tx) = r.poll_transmit() {
//!     frames.push(tx.build_frame([2, 0, 0, 0, 0, 0x12], None).unwrap());
//! }
//! assert_eq!(frames.len(), 1 + 5); // the advert, then 5 gratuitous ARPs
//! let vrrp = vrrp::frame::parse(&frames[0]).unwrap();
//! assert_eq!((vrrp.repr.priority, vrrp.ttl), (99, 255));
//! assert!(std::iter::from_fn(|| r.poll_event()).any(|e| matches!(e, Event::AddAddresses(_))));
//! ```
#![warn(missing_docs, unreachable_pub)]
#![forbid(unsafe_code)]

pub mod frame;
pub mod router;
pub mod time;
pub mod timing;
pub mod wire;

pub use timing::{master_down_interval, skew_time};
