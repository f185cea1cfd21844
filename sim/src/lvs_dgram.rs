//! The datagram half of a director's checker I/O: UDP_CHECK datagrams, PING_CHECK echo requests and
//! the BFD sessions' control packets, each through a real smoltcp socket on the director's stack, so
//! all of it is in the capture.
//!
//! What this module owns, for [`crate::lvs_host::DirectorHost`]:
//! - a UDP_CHECK attempt is a UDP socket on a fresh ephemeral port plus an ICMP socket bound to that
//!   port's errors (Linux's `IP_RECVERR`): the first datagram back, or an ICMP destination unreachable
//!   quoting ours, is the attempt's result;
//! - a PING_CHECK attempt is an ICMP socket bound to a fresh identifier (the kernel's ping socket);
//!   the echo sequence number is one counter for the whole checker process, as `seq_no` in
//!   check_ping.c;
//! - BFD: one UDP socket on port 3784 receives every session's packets while keepalived runs, and each
//!   session sends from its own source port with the configured TTL (RFC 5881 §4, §5).

use crate::host::sockets::{ip_address, std_ip, udp_socket};
use crate::host::stack::Stack;
use lvs::check::{AttemptId, CheckIo, BFD_CONTROL_PORT};
use lvs::{BfdTransmit, CheckerRef};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::{icmp, udp};
use smoltcp::wire::{IpEndpoint, IpListenEndpoint};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

/// First ephemeral port of UDP_CHECK sockets (Linux's `ip_local_port_range` starts here).
const UDP_PORT_BASE: u16 = 32768;
/// First identifier of PING_CHECK sockets.
const ICMP_IDENT_BASE: u16 = 0x4b00;

/// What came back for a datagram attempt.
pub enum DgramResult {
    /// A UDP datagram.
    Data(Vec<u8>),
    /// An echo reply or an ICMP error, as the checker sees it.
    Io(CheckIo<'static>),
}

struct Attempt {
    checker: CheckerRef,
    udp: Option<SocketHandle>,
    icmp: SocketHandle,
    ident: Option<u16>,
    v6: bool,
    done: bool,
}

/// The datagram sockets of one director.
#[derive(Default)]
pub struct DatagramIo {
    /// Attempt ids are numbered per checker, so the checker is part of the key.
    attempts: BTreeMap<(CheckerRef, AttemptId), Attempt>,
    next_port: u16,
    next_ident: u16,
    seq: u16,
    bfd_rx: Option<SocketHandle>,
    bfd_tx: BTreeMap<u16, SocketHandle>,
}

fn icmp_socket() -> icmp::Socket<'static> {
    icmp::Socket::new(
        icmp::PacketBuffer::new(vec![icmp::PacketMetadata::EMPTY; 4], vec![0; 2048]),
        icmp::PacketBuffer::new(vec![icmp::PacketMetadata::EMPTY; 4], vec![0; 2048]),
    )
}

impl DatagramIo {
    /// A UDP_CHECK attempt: send `payload` to `dst`. Err is the result to report at once (the
    /// destination's family is not configured on this host).
    pub fn send_udp(
        &mut self,
        stack: &mut Stack,
        checker: CheckerRef,
        attempt: AttemptId,
        dst: SocketAddr,
        payload: &[u8],
    ) -> Result<(), CheckIo<'static>> {
        if dst.is_ipv6() && stack.ip6().is_none() {
            return Err(CheckIo::Unreachable);
        }
        let port = UDP_PORT_BASE + self.next_port;
        self.next_port = (self.next_port + 1) % 16384;
        let mut u = udp_socket(2, 2048);
        let mut e = icmp_socket();
        let bound = u.bind(port).is_ok()
            && e.bind(icmp::Endpoint::Udp(IpListenEndpoint { addr: None, port }))
                .is_ok();
        let sent = bound
            && u.send_slice(payload, IpEndpoint::new(ip_address(dst.ip()), dst.port()))
                .is_ok();
        if !sent {
            return Err(CheckIo::Error);
        }
        let udp = stack.sockets.add(u);
        let icmp = stack.sockets.add(e);
        self.attempts.insert(
            (checker, attempt),
            Attempt {
                checker,
                udp: Some(udp),
                icmp,
                ident: None,
                v6: dst.is_ipv6(),
                done: false,
            },
        );
        Ok(())
    }

    /// A PING_CHECK attempt: one echo request with `data` to `dst`.
    pub fn send_echo(
        &mut self,
        stack: &mut Stack,
        checker: CheckerRef,
        attempt: AttemptId,
        dst: IpAddr,
        data: &[u8],
    ) -> Result<(), CheckIo<'static>> {
        let src = match dst {
            IpAddr::V4(_) => IpAddr::V4(stack.ip),
            IpAddr::V6(_) => match stack.ip6() {
                Some(a) => IpAddr::V6(a),
                None => return Err(CheckIo::Unreachable),
            },
        };
        let ident = ICMP_IDENT_BASE.wrapping_add(self.next_ident);
        self.next_ident = self.next_ident.wrapping_add(1);
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        let msg = lvs::check::echo_request(src, dst, ident, seq, data);
        let mut e = icmp_socket();
        let sent = e.bind(icmp::Endpoint::Ident(ident)).is_ok()
            && e.send_slice(&msg, ip_address(dst)).is_ok();
        if !sent {
            return Err(CheckIo::Error);
        }
        let icmp = stack.sockets.add(e);
        self.attempts.insert(
            (checker, attempt),
            Attempt {
                checker,
                udp: None,
                icmp,
                ident: Some(ident),
                v6: dst.is_ipv6(),
                done: false,
            },
        );
        Ok(())
    }

    /// The attempt ended: its sockets go (a datagram socket has nothing to flush).
    pub fn close(&mut self, stack: &mut Stack, checker: CheckerRef, attempt: AttemptId) {
        if let Some(a) = self.attempts.remove(&(checker, attempt)) {
            if let Some(u) = a.udp {
                stack.sockets.remove(u);
            }
            stack.sockets.remove(a.icmp);
        }
    }

    /// The results that arrived since the last call, in attempt order.
    pub fn poll(&mut self, stack: &mut Stack) -> Vec<(CheckerRef, AttemptId, DgramResult)> {
        let mut out = vec![];
        for ((_, id), a) in self.attempts.iter_mut() {
            if a.done {
                continue;
            }
            if let Some(u) = a.udp {
                let sock = stack.sockets.get_mut::<udp::Socket>(u);
                if let Ok((data, _)) = sock.recv() {
                    a.done = true;
                    out.push((a.checker, *id, DgramResult::Data(data.to_vec())));
                    continue;
                }
            }
            let sock = stack.sockets.get_mut::<icmp::Socket>(a.icmp);
            while let Ok((msg, _)) = sock.recv() {
                let verdict = match a.ident {
                    Some(ident) => lvs::check::classify_reply(msg, a.v6, ident),
                    // Bound to our UDP port's errors: every message here is one.
                    None => Some(false),
                };
                match verdict {
                    Some(true) => {
                        a.done = true;
                        out.push((a.checker, *id, DgramResult::Io(CheckIo::EchoReply)));
                        break;
                    }
                    Some(false) => {
                        a.done = true;
                        out.push((a.checker, *id, DgramResult::Io(CheckIo::Unreachable)));
                        break;
                    }
                    None => {}
                }
            }
        }
        out
    }

    /// keepalived's BFD receive socket (any address, port 3784) exists while keepalived runs.
    pub fn open_bfd(&mut self, stack: &mut Stack) {
        if self.bfd_rx.is_some() {
            return;
        }
        let mut s = udp_socket(16, 1024);
        if s.bind(BFD_CONTROL_PORT).is_ok() {
            self.bfd_rx = Some(stack.sockets.add(s));
        }
    }

    /// Sends one BFD control packet from the session's source port.
    pub fn send_bfd(&mut self, stack: &mut Stack, tx: &BfdTransmit) {
        let handle = match self.bfd_tx.get(&tx.src_port) {
            Some(h) => *h,
            None => {
                let mut s = udp_socket(8, 512);
                // Bound to the configured source address when the host holds it.
                let addr = tx
                    .src
                    .filter(|a| {
                        *a == IpAddr::V4(stack.ip) || Some(*a) == stack.ip6().map(IpAddr::V6)
                    })
                    .map(ip_address);
                if s.bind(IpListenEndpoint {
                    addr,
                    port: tx.src_port,
                })
                .is_err()
                {
                    return;
                }
                s.set_hop_limit(Some(tx.ttl.max(1)));
                let h = stack.sockets.add(s);
                self.bfd_tx.insert(tx.src_port, h);
                h
            }
        };
        let sock = stack.sockets.get_mut::<udp::Socket>(handle);
        let _ = sock.send_slice(
            &tx.payload,
            IpEndpoint::new(ip_address(tx.dst.ip()), tx.dst.port()),
        );
    }

    /// BFD packets received since the last call: (source address, payload).
    pub fn recv_bfd(&mut self, stack: &mut Stack) -> Vec<(IpAddr, Vec<u8>)> {
        let Some(h) = self.bfd_rx else {
            return vec![];
        };
        let sock = stack.sockets.get_mut::<udp::Socket>(h);
        let mut out = vec![];
        while let Ok((data, meta)) = sock.recv() {
            out.push((std_ip(meta.endpoint.addr), data.to_vec()));
        }
        out
    }

    /// keepalived stopped: every socket closes (a datagram to port 3784 now gets port unreachable).
    pub fn close_all(&mut self, stack: &mut Stack) {
        for (_, a) in std::mem::take(&mut self.attempts) {
            if let Some(u) = a.udp {
                stack.sockets.remove(u);
            }
            stack.sockets.remove(a.icmp);
        }
        if let Some(h) = self.bfd_rx.take() {
            stack.sockets.remove(h);
        }
        for (_, h) in std::mem::take(&mut self.bfd_tx) {
            stack.sockets.remove(h);
        }
    }

    /// The host crashed: its stack (and every socket) is gone already.
    pub fn forget(&mut self) {
        self.attempts.clear();
        self.bfd_rx = None;
        self.bfd_tx.clear();
    }
}
