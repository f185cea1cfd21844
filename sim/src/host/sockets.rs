//! Socket chores every application on a host's smoltcp stack repeats: reading all that arrived, and letting
//! finished connections close (FIN handshake) before their sockets are dropped, aborting the ones that hang.

use crate::host::stack::Stack;
use crate::time::{Duration, Instant};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp;

/// How long a finished connection may take to close before it is aborted.
pub const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Appends everything the socket has received to `buf`.
pub fn recv_all(sock: &mut tcp::Socket<'_>, buf: &mut Vec<u8>) {
    let mut chunk = [0u8; 512];
    while sock.can_recv() {
        match sock.recv_slice(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
        }
    }
}

/// How many more listening sockets keep `want` listeners free among `handles`, without exceeding `max` sockets.
pub fn listeners_missing(
    stack: &Stack,
    handles: &[SocketHandle],
    want: usize,
    max: usize,
) -> usize {
    let listening = handles
        .iter()
        .filter(|h| stack.sockets.get::<tcp::Socket>(**h).state() == tcp::State::Listen)
        .count();
    want.saturating_sub(listening)
        .min(max.saturating_sub(handles.len()))
}

/// A socket listening on `port` with the given buffer sizes, added to the stack.
pub fn listen(stack: &mut Stack, port: u16, rx: usize, tx: usize) -> SocketHandle {
    let mut sock = tcp::Socket::new(
        tcp::SocketBuffer::new(vec![0; rx]),
        tcp::SocketBuffer::new(vec![0; tx]),
    );
    let _ = sock.listen(port);
    stack.sockets.add(sock)
}

/// Finished connections still closing, each with the instant after which it is aborted.
#[derive(Default)]
pub struct Closing {
    socks: Vec<(SocketHandle, Instant)>,
}

impl Closing {
    /// Lets `handle` (already closed or aborted by its owner) finish within [`CLOSE_GRACE`] of `now`.
    pub fn push(&mut self, handle: SocketHandle, now: Instant) {
        self.socks.push((handle, now + CLOSE_GRACE));
    }

    /// Drops the sockets that finished closing; aborts (one RST at the next stack poll) those past their grace.
    pub fn reap(&mut self, now: Instant, stack: &mut Stack) {
        self.socks.retain_mut(|(h, deadline)| {
            let sock = stack.sockets.get_mut::<tcp::Socket>(*h);
            if matches!(sock.state(), tcp::State::Closed | tcp::State::TimeWait) {
                stack.sockets.remove(*h);
                return false;
            }
            if now >= *deadline {
                sock.abort();
                *deadline = now + CLOSE_GRACE;
            }
            true
        });
    }

    /// The earliest abort deadline.
    pub fn poll_at(&self) -> Option<Instant> {
        self.socks.iter().map(|s| s.1).min()
    }

    /// Forgets every socket (the stack that held them is gone).
    pub fn clear(&mut self) {
        self.socks.clear();
    }
}

/// A UDP socket with room for `packets` datagrams of `bytes` in all, each way.
pub fn udp_socket(packets: usize, bytes: usize) -> smoltcp::socket::udp::Socket<'static> {
    use smoltcp::socket::udp;
    udp::Socket::new(
        udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; packets], vec![0; bytes]),
        udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; packets], vec![0; bytes]),
    )
}

/// A std address as smoltcp's.
pub fn ip_address(a: std::net::IpAddr) -> smoltcp::wire::IpAddress {
    match a {
        std::net::IpAddr::V4(v) => smoltcp::wire::IpAddress::Ipv4(v),
        std::net::IpAddr::V6(v) => smoltcp::wire::IpAddress::Ipv6(v),
    }
}

/// A smoltcp address as std's.
pub fn std_ip(a: smoltcp::wire::IpAddress) -> std::net::IpAddr {
    match a {
        smoltcp::wire::IpAddress::Ipv4(v) => std::net::IpAddr::V4(v),
        smoltcp::wire::IpAddress::Ipv6(v) => std::net::IpAddr::V6(v),
    }
}
