//! The Linux system calls the daemon needs that `socket2` does not cover: interface lookup
//! (`getifaddrs`, `if_nametoindex`, sysfs), `AF_PACKET` sockets for receiving whole frames and
//! sending gratuitous ARP / unsolicited NA, a timerfd for the event loop, and a minimal rtnetlink client for adding and
//! removing addresses (`RTM_NEWADDR` / `RTM_DELADDR`).
//!
//! Every `unsafe` block of the crate lives here, each with the reason it is sound, except the
//! registrations of the packet sockets and the timerfd with tokio's reactor in `linux.rs`.

use std::ffi::CString;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::config::InterfaceInfo;

/// `if_nametoindex`.
pub fn ifindex(ifname: &str) -> io::Result<u32> {
    let c = CString::new(ifname).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let idx = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if idx == 0 {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no interface {ifname}"),
        ))
    } else {
        Ok(idx)
    }
}

/// The interface MAC from sysfs.
pub fn mac(ifname: &str) -> io::Result<[u8; 6]> {
    let s = std::fs::read_to_string(format!("/sys/class/net/{ifname}/address"))?;
    let mut out = [0u8; 6];
    let mut parts = s.trim().split(':');
    for b in out.iter_mut() {
        let p = parts
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad MAC in sysfs"))?;
        *b = u8::from_str_radix(p, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad MAC in sysfs"))?;
    }
    Ok(out)
}

/// Interface addresses as the kernel reports them right now.
#[derive(Debug, Default, Clone)]
pub struct KernelInterfaces {
    addrs: Vec<(String, IpAddr)>,
}

impl KernelInterfaces {
    /// Snapshot of `getifaddrs`.
    pub fn load() -> io::Result<KernelInterfaces> {
        let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
        // SAFETY: getifaddrs writes a list head we free below with freeifaddrs.
        if unsafe { libc::getifaddrs(&mut head) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut addrs = Vec::new();
        let mut cur = head;
        while !cur.is_null() {
            // SAFETY: `cur` is a node of the list getifaddrs returned, not yet freed.
            let ifa = unsafe { &*cur };
            cur = ifa.ifa_next;
            if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
                continue;
            }
            // SAFETY: ifa_name is a NUL-terminated string owned by the list.
            let name = unsafe { std::ffi::CStr::from_ptr(ifa.ifa_name) }
                .to_string_lossy()
                .into_owned();
            // SAFETY: ifa_addr is non-null and points to a sockaddr whose family says its type.
            let family = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
            if family == libc::AF_INET {
                // SAFETY: family AF_INET means the storage is a sockaddr_in.
                let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
                let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                addrs.push((name, IpAddr::V4(ip)));
            } else if family == libc::AF_INET6 {
                // SAFETY: family AF_INET6 means the storage is a sockaddr_in6.
                let sin6 = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
                addrs.push((name, IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr))));
            }
        }
        // SAFETY: `head` came from getifaddrs and is freed once.
        unsafe { libc::freeifaddrs(head) };
        Ok(KernelInterfaces { addrs })
    }

    /// Every address of `ifname`.
    pub fn addresses(&self, ifname: &str) -> impl Iterator<Item = IpAddr> + '_ {
        let ifname = ifname.to_string();
        self.addrs
            .iter()
            .filter(move |(n, _)| *n == ifname)
            .map(|(_, a)| *a)
    }
}

impl InterfaceInfo for KernelInterfaces {
    fn primary_v4(&self, ifname: &str) -> Option<Ipv4Addr> {
        self.addresses(ifname).find_map(|a| match a {
            IpAddr::V4(v) => Some(v),
            IpAddr::V6(_) => None,
        })
    }
    fn link_local_v6(&self, ifname: &str) -> Option<Ipv6Addr> {
        self.addresses(ifname).find_map(|a| match a {
            IpAddr::V6(v) if v.segments()[0] & 0xffc0 == 0xfe80 => Some(v),
            _ => None,
        })
    }
}

const ETH_P_ALL: u16 = 0x0003;

/// An `AF_PACKET` / `SOCK_RAW` socket bound to one interface, non-blocking.
pub fn packet_socket(ifindex: u32) -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the result is checked before use.
    let fd = unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            i32::from(ETH_P_ALL.to_be()),
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh, valid descriptor that nothing else owns.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ETH_P_ALL.to_be();
    sll.sll_ifindex = i32::try_from(ifindex).unwrap_or(0);
    // SAFETY: sll is a valid sockaddr_ll and the length matches it.
    let r = unsafe {
        libc::bind(
            owned.as_raw_fd(),
            &sll as *const libc::sockaddr_ll as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(owned)
}

/// Receives one frame; `Ok(None)` for frames this host sent (`PACKET_OUTGOING`).
pub fn packet_recv(fd: &OwnedFd, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: buf and sll are valid for writes of the lengths passed.
    let n = unsafe {
        libc::recvfrom(
            fd.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            0,
            &mut sll as *mut libc::sockaddr_ll as *mut libc::sockaddr,
            &mut len,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    if sll.sll_pkttype == libc::PACKET_OUTGOING {
        return Ok(None);
    }
    Ok(Some(n as usize))
}

/// Sends one whole Ethernet frame on the bound interface.
pub fn packet_send(fd: &OwnedFd, frame: &[u8]) -> io::Result<()> {
    // SAFETY: frame is valid for reads of its length.
    let n = unsafe { libc::send(fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Adds (`add`) or removes an address through rtnetlink, like `ip addr add/del ADDR/LEN dev
/// IF` (IPv6 addresses are added with `nodad`, as keepalived does, so they are usable at
/// once). Adding an address that exists and removing one that does not are not errors.
pub fn netlink_addr(add: bool, ifindex: u32, addr: IpAddr, prefix_len: u8) -> io::Result<()> {
    // SAFETY: plain socket(2) call; the result is checked before use.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_ROUTE,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh, valid descriptor that nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let (family, bytes): (u8, Vec<u8>) = match addr {
        IpAddr::V4(a) => (libc::AF_INET as u8, a.octets().to_vec()),
        IpAddr::V6(a) => (libc::AF_INET6 as u8, a.octets().to_vec()),
    };
    let msg_type = if add {
        libc::RTM_NEWADDR
    } else {
        libc::RTM_DELADDR
    };
    let mut flags = (libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16;
    if add {
        flags |= (libc::NLM_F_CREATE | libc::NLM_F_REPLACE) as u16;
    }
    let mut msg = Vec::with_capacity(64);
    // nlmsghdr: len (patched below), type, flags, seq, pid.
    msg.extend_from_slice(&0u32.to_ne_bytes());
    msg.extend_from_slice(&msg_type.to_ne_bytes());
    msg.extend_from_slice(&flags.to_ne_bytes());
    msg.extend_from_slice(&1u32.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    // ifaddrmsg: family, prefixlen, flags, scope, index.
    let ifa_flags = if family == libc::AF_INET6 as u8 {
        libc::IFA_F_NODAD as u8
    } else {
        0
    };
    msg.extend_from_slice(&[family, prefix_len, ifa_flags, 0]);
    msg.extend_from_slice(&ifindex.to_ne_bytes());
    for attr in [libc::IFA_LOCAL, libc::IFA_ADDRESS] {
        let len = (4 + bytes.len()) as u16;
        msg.extend_from_slice(&len.to_ne_bytes());
        msg.extend_from_slice(&attr.to_ne_bytes());
        msg.extend_from_slice(&bytes);
        while msg.len() % 4 != 0 {
            msg.push(0);
        }
    }
    let total = msg.len() as u32;
    msg[0..4].copy_from_slice(&total.to_ne_bytes());
    // SAFETY: sockaddr_nl is plain old data; all-zero (pid 0 = the kernel) is valid.
    let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    kernel.nl_family = libc::AF_NETLINK as u16;
    // SAFETY: msg and kernel are valid for the lengths passed.
    let n = unsafe {
        libc::sendto(
            sock.as_raw_fd(),
            msg.as_ptr().cast(),
            msg.len(),
            0,
            &kernel as *const libc::sockaddr_nl as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut buf = [0u8; 512];
    // SAFETY: buf is valid for writes of its length.
    let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let reply = buf.get(..n as usize).unwrap_or(&[]);
    // nlmsghdr (16 bytes) then, for NLMSG_ERROR, a negative errno (0 = ACK).
    let ty = reply
        .get(4..6)
        .map(|b| u16::from_ne_bytes([b[0], b[1]]))
        .unwrap_or(0);
    if i32::from(ty) == libc::NLMSG_ERROR {
        let err = reply
            .get(16..20)
            .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0);
        let ok = err == 0 || (add && -err == libc::EEXIST) || (!add && -err == libc::EADDRNOTAVAIL);
        if !ok {
            return Err(io::Error::from_raw_os_error(-err));
        }
    }
    Ok(())
}

/// A non-blocking `CLOCK_MONOTONIC` timerfd (the daemon's precise timer; see
/// `linux::PreciseTimer`).
pub fn timerfd() -> io::Result<OwnedFd> {
    // SAFETY: plain timerfd_create(2) call; the result is checked before use.
    let fd = unsafe {
        libc::timerfd_create(
            libc::CLOCK_MONOTONIC,
            libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh, valid descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Arms `fd` to expire once, `after` from now (at least 1 ns: zero would disarm it). Re-arming
/// also resets the expiry count, so an expiry nobody read does not leak into the next wait.
pub fn timerfd_arm(fd: &OwnedFd, after: std::time::Duration) -> io::Result<()> {
    let after = after.max(std::time::Duration::from_nanos(1));
    let spec = libc::itimerspec {
        it_interval: libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: libc::timespec {
            tv_sec: libc::time_t::try_from(after.as_secs()).unwrap_or(libc::time_t::MAX),
            tv_nsec: libc::c_long::from(after.subsec_nanos()),
        },
    };
    // SAFETY: spec is a valid itimerspec; the old value is not asked for (null).
    let r = unsafe { libc::timerfd_settime(fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Reads the expiry count; `WouldBlock` while the timer has not expired.
pub fn timerfd_read(fd: &OwnedFd) -> io::Result<u64> {
    let mut n = [0u8; 8];
    // SAFETY: n is valid for writes of 8 bytes, the size a timerfd read needs.
    let r = unsafe { libc::read(fd.as_raw_fd(), n.as_mut_ptr().cast(), n.len()) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(u64::from_ne_bytes(n))
}

/// Is `ifname` up with carrier (`IFF_UP` in sysfs `flags` and `carrier` = 1)? keepalived's
/// `track_interface` test. A missing interface is down.
pub fn link_up(ifname: &str) -> bool {
    let base = std::path::Path::new("/sys/class/net").join(ifname);
    let flags = std::fs::read_to_string(base.join("flags"))
        .ok()
        .and_then(|s| u32::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok())
        .unwrap_or(0);
    // `carrier` cannot be read (EINVAL) while the interface is administratively down.
    let carrier = std::fs::read_to_string(base.join("carrier"))
        .map(|s| s.trim() == "1")
        .unwrap_or(false);
    flags & (libc::IFF_UP as u32) != 0 && carrier
}

/// A non-blocking rtnetlink socket subscribed to link changes (`RTMGRP_LINK`).
pub fn netlink_link_monitor() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the result is checked before use.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            libc::NETLINK_ROUTE,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh, valid descriptor that nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: sockaddr_nl is plain old data; all-zero is a valid value.
    let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    sa.nl_family = libc::AF_NETLINK as u16;
    sa.nl_groups = libc::RTMGRP_LINK as u32;
    // SAFETY: sa is a valid sockaddr_nl and the length matches it.
    let r = unsafe {
        libc::bind(
            sock.as_raw_fd(),
            &sa as *const libc::sockaddr_nl as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sock)
}

/// Reads one batch of link messages from [`netlink_link_monitor`]'s socket: the interface
/// indexes that changed (`RTM_NEWLINK` / `RTM_DELLINK`). `WouldBlock` when none is queued.
pub fn netlink_link_changes(fd: &OwnedFd) -> io::Result<Vec<u32>> {
    let mut buf = vec![0u8; 16384];
    // SAFETY: buf is valid for writes of its length.
    let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(link_indexes(buf.get(..n as usize).unwrap_or(&[])))
}

/// The `ifi_index` of every RTM_NEWLINK / RTM_DELLINK message in a netlink datagram.
fn link_indexes(mut b: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
    // nlmsghdr is 16 bytes; ifinfomsg follows (family, pad, type: u16, index: i32, ...).
    while b.len() >= 16 {
        let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let ty = u16::from_ne_bytes([b[4], b[5]]);
        if len < 16 || len > b.len() {
            break;
        }
        if (ty == libc::RTM_NEWLINK || ty == libc::RTM_DELLINK) && len >= 16 + 8 {
            out.push(u32::from_ne_bytes([b[20], b[21], b[22], b[23]]));
        }
        let next = (len + 3) & !3;
        b = b.get(next..).unwrap_or(&[]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::link_indexes;

    fn msg(ty: u16, index: u32) -> Vec<u8> {
        // nlmsghdr (16) + ifinfomsg (16), no attributes.
        let mut m = Vec::new();
        m.extend_from_slice(&32u32.to_ne_bytes());
        m.extend_from_slice(&ty.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(&[0, 0, 0, 0]);
        m.extend_from_slice(&index.to_ne_bytes());
        m.extend_from_slice(&[0; 8]);
        m
    }

    #[test]
    fn keepalived_track_interface_link_messages_name_their_interface() {
        let mut d = msg(libc::RTM_NEWLINK, 7);
        d.extend(msg(libc::RTM_NEWADDR, 9));
        d.extend(msg(libc::RTM_DELLINK, 3));
        assert_eq!(link_indexes(&d), vec![7, 3]);
        // Truncated or garbage datagrams yield what is whole, never a panic.
        assert_eq!(link_indexes(&d[..40]), vec![7]);
        assert_eq!(link_indexes(&[0xff; 7]), Vec::<u32>::new());
        assert_eq!(link_indexes(&[0xff; 64]), Vec::<u32>::new());
    }
}
