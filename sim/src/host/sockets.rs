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
