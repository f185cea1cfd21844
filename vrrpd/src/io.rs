//! The daemon's I/O boundary: [`VrrpIo`] is everything the event loop asks of the outside
//! world (receive an advert, send a frame, install or remove VIPs, tell the operator's notify
//! scripts). Production uses [`crate::linux::LinuxIo`] (raw sockets, `AF_PACKET`, rtnetlink,
//! processes); the turmoil tests carry adverts over turmoil's UDP multicast with the same
//! event loop.

use std::io;
use std::net::IpAddr;

use vrrp::frame::ParsedAdvert;
use vrrp::router::{State, Transmit};

use crate::config::InstanceSpec;

/// One advert as it arrived.
#[derive(Clone, Debug)]
pub struct Inbound {
    /// The interface it arrived on (an instance's `interface`).
    pub interface: String,
    /// The parsed frame (IP header fields, checksum form, the VRRP message).
    pub advert: ParsedAdvert,
}

/// What the event loop needs from the world.
#[allow(async_fn_in_trait)]
pub trait VrrpIo {
    /// The next advert on any interface. Must be cancel safe: the event loop drops the future
    /// when a timer or a control message wins the race.
    async fn recv(&mut self) -> io::Result<Inbound>;
    /// Sends an advert, a gratuitous ARP or an unsolicited NA for `inst`.
    fn transmit(&mut self, inst: &InstanceSpec, tx: &Transmit) -> io::Result<()>;
    /// Installs (`add`) or removes `addrs`, which are some of `inst`'s VIPs.
    fn set_addresses(&mut self, inst: &InstanceSpec, add: bool, addrs: &[IpAddr])
        -> io::Result<()>;
    /// `inst` entered `state` (run the notify scripts). `Initialize` after a shutdown means
    /// "stopped".
    fn notify(&mut self, inst: &InstanceSpec, state: State, priority: u8);
}
