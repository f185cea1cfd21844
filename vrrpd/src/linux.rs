//! [`LinuxIo`]: the production [`VrrpIo`].
//!
//! - Adverts leave through raw `IPPROTO_VRRP` (112) sockets, one per (interface, family),
//!   bound to the interface (`SO_BINDTODEVICE`) and to the advert source address, joined to
//!   224.0.0.18 / ff02::12 on it, TTL / hop limit 255 for multicast and unicast (RFC 5798
//!   §5.1.1.3 / §5.1.2.3), multicast loop off. The kernel builds the IP header; the VRRP
//!   message and its checksum come from `vrrp::wire`.
//! - Adverts are received on an `AF_PACKET` socket per interface, so the whole frame (TTL,
//!   destination, source MAC) reaches `vrrp::frame::parse` exactly as it was on the wire;
//!   the frames this host sent are skipped.
//! - Gratuitous ARP and unsolicited NA are built by `vrrp::frame` and sent on the same
//!   `AF_PACKET` socket.
//! - VIPs are added and removed with rtnetlink ([`crate::sys::netlink_addr`]).
//! - `use_vmac` creates a macvlan interface with the virtual MAC (RFC 5798 §7.3) through
//!   `ip link` at start-up and deletes it at exit; adverts then leave from it.
//! - Notify scripts are spawned as processes and not waited for (keepalived does the same).
//! - `track_interface`: [`watch_links`] reports each tracked interface's state (up with
//!   carrier) at start and on every rtnetlink link change.
//! - [`PreciseTimer`] wakes the event loop on a timerfd, to the microsecond, where tokio's
//!   timer wheel would round up to the next millisecond (keepalived also waits on a timerfd).

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::OwnedFd;
use std::process::Command;

use socket2::{Domain, InterfaceIndexOrAddress, Protocol, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc;
use vrrp::frame::{self, MacAddr};
use vrrp::router::{State, Transmit};
use vrrp::wire::{self, Family};

use crate::config::{InstanceSpec, Notify};
use crate::daemon::Control;
use crate::io::{Inbound, VrrpIo};
use crate::log::{self, Level};
use crate::sys;

struct Link {
    ifindex: u32,
    mac: MacAddr,
    packet: std::sync::Arc<AsyncFd<OwnedFd>>,
}

/// Raw sockets, packet sockets and netlink on a real Linux host.
pub struct LinuxIo {
    links: BTreeMap<String, Link>,
    raw: BTreeMap<(String, Family), Socket>,
    rx: mpsc::Receiver<Inbound>,
    vmacs: Vec<String>,
}

fn raw_socket(inst: &InstanceSpec, ifindex: u32) -> io::Result<Socket> {
    let dev = inst.tx_interface();
    let src = inst.router.primary_ip;
    let proto = Protocol::from(i32::from(wire::IP_PROTOCOL));
    let s = match src {
        IpAddr::V4(a) => {
            let s = Socket::new(Domain::IPV4, Type::RAW, Some(proto))?;
            s.bind_device(Some(dev.as_bytes()))?;
            s.bind(&SocketAddr::V4(SocketAddrV4::new(a, 0)).into())?;
            // With a VMAC the socket is bound to the macvlan, which has no IPv4 address of its
            // own: IP_MULTICAST_IF by address would name the parent and the kernel refuses a
            // mismatch with SO_BINDTODEVICE. The bound device already picks the output.
            if inst.vmac.is_none() {
                s.set_multicast_if_v4(&a)?;
            }
            // RFC 3768 §7.1 / RFC 5798 §5.1.1.3: TTL 255, multicast or unicast.
            s.set_multicast_ttl_v4(u32::from(wire::TTL))?;
            s.set_ttl_v4(u32::from(wire::TTL))?;
            s.set_multicast_loop_v4(false)?;
            let group = match inst.router.mcast_dst {
                Some(IpAddr::V4(g)) => g,
                _ => wire::MULTICAST_V4,
            };
            s.join_multicast_v4_n(&group, &InterfaceIndexOrAddress::Index(ifindex))?;
            s
        }
        IpAddr::V6(a) => {
            let s = Socket::new(Domain::IPV6, Type::RAW, Some(proto))?;
            s.bind_device(Some(dev.as_bytes()))?;
            let scope = if is_link_local(&a) { ifindex } else { 0 };
            s.bind(&SocketAddr::V6(SocketAddrV6::new(a, 0, 0, scope)).into())?;
            s.set_multicast_if_v6(ifindex)?;
            // RFC 5798 §5.1.2.3: Hop Limit 255.
            s.set_multicast_hops_v6(u32::from(wire::TTL))?;
            s.set_unicast_hops_v6(u32::from(wire::TTL))?;
            s.set_multicast_loop_v6(false)?;
            let group = match inst.router.mcast_dst {
                Some(IpAddr::V6(g)) => g,
                _ => wire::MULTICAST_V6,
            };
            s.join_multicast_v6(&group, ifindex)?;
            s
        }
    };
    // Adverts are read from the packet socket; keep this socket's queue small.
    s.set_recv_buffer_size(1)?;
    s.set_nonblocking(true)?;
    Ok(s)
}

fn is_link_local(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

fn ip_cmd(args: &[&str]) -> io::Result<()> {
    let out = Command::new("ip").args(args).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

impl LinuxIo {
    /// Opens every socket the instances need and starts one receive task per interface. Must
    /// run inside a tokio runtime.
    pub fn open(instances: &[InstanceSpec]) -> io::Result<LinuxIo> {
        let (tx, rx) = mpsc::channel(256);
        let mut io = LinuxIo {
            links: BTreeMap::new(),
            raw: BTreeMap::new(),
            rx,
            vmacs: Vec::new(),
        };
        for inst in instances {
            if let Some(vmac) = &inst.vmac {
                io.create_vmac(inst, vmac)?;
            }
            for ifname in [inst.interface.as_str(), inst.tx_interface()] {
                if io.links.contains_key(ifname) {
                    continue;
                }
                let ifindex = sys::ifindex(ifname)?;
                let mac = sys::mac(ifname)?;
                let fd = sys::packet_socket(ifindex)?;
                // SAFETY: the OwnedFd is moved into the AsyncFd, which alone owns and closes it
                // after deregistering it, so the registration never outlives the descriptor.
                let afd = unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)?;
                let packet = std::sync::Arc::new(afd);
                if ifname == inst.interface {
                    tokio::spawn(receive(ifname.to_string(), packet.clone(), tx.clone()));
                }
                io.links.insert(
                    ifname.to_string(),
                    Link {
                        ifindex,
                        mac,
                        packet,
                    },
                );
            }
            let key = (inst.tx_interface().to_string(), inst.family());
            if !io.raw.contains_key(&key) {
                let ifindex = io.links.get(inst.tx_interface()).map_or(0, |l| l.ifindex);
                let s = raw_socket(inst, ifindex).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("raw VRRP socket on {}: {e}", inst.tx_interface()),
                    )
                })?;
                io.raw.insert(key, s);
            }
        }
        Ok(io)
    }

    fn create_vmac(&mut self, inst: &InstanceSpec, name: &str) -> io::Result<()> {
        let m = frame::virtual_mac(inst.family(), inst.router.vrid);
        let mac = format!(
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        );
        // A leftover from a crashed run would make `add` fail; start clean.
        let _ = ip_cmd(&["link", "del", name]);
        ip_cmd(&[
            "link",
            "add",
            "link",
            &inst.interface,
            "name",
            name,
            "address",
            &mac,
            "type",
            "macvlan",
            "mode",
            "private",
        ])?;
        ip_cmd(&["link", "set", name, "up"])?;
        log::log(
            Level::Info,
            &format!("{}: created VMAC interface {name} ({mac})", inst.name),
        );
        self.vmacs.push(name.to_string());
        Ok(())
    }
}

/// keepalived's `track_interface`: sends every tracked interface's state at start, then a
/// [`Control::Link`] whenever it changes (rtnetlink `RTMGRP_LINK` tells that something
/// changed; sysfs says what). Ends when the event loop has gone.
pub async fn watch_links(names: Vec<String>, tx: mpsc::Sender<Control>) -> io::Result<()> {
    let fd = sys::netlink_link_monitor()?;
    // SAFETY: as for the packet sockets: the AsyncFd alone owns the descriptor and
    // deregisters it before closing it.
    let fd = unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)?;
    let mut state: BTreeMap<String, bool> = BTreeMap::new();
    loop {
        for name in &names {
            let up = sys::link_up(name);
            if state.get(name) != Some(&up) {
                state.insert(name.clone(), up);
                log::log(
                    Level::Info,
                    &format!("track_interface {name}: {}", if up { "up" } else { "down" }),
                );
                let msg = Control::Link {
                    interface: name.clone(),
                    up,
                };
                if tx.send(msg).await.is_err() {
                    return Ok(());
                }
            }
        }
        // Wait for the next batch of link messages; which interface changed is re-read above.
        loop {
            let mut guard = fd.readable().await?;
            match guard.try_io(|inner| sys::netlink_link_changes(inner.get_ref())) {
                Ok(Ok(_)) => break,
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }
}

/// The event loop's timer on Linux: one timerfd, re-armed for each wait. tokio's own sleep
/// has a 1 ms wheel and wakes up to ~2 ms late; a backup's takeover is then that much later
/// than Master_Down_Interval, which shows in the wire gaps compared with keepalived and the
/// simulator (docs/interop.md).
pub struct PreciseTimer {
    fd: AsyncFd<OwnedFd>,
}

impl PreciseTimer {
    /// A fresh timerfd registered with tokio's reactor (needs a running runtime).
    pub fn new() -> io::Result<PreciseTimer> {
        let fd = sys::timerfd()?;
        // SAFETY: as for the packet sockets: the AsyncFd alone owns the descriptor and
        // deregisters it before closing it.
        let fd = unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)?;
        Ok(PreciseTimer { fd })
    }

    /// Waits until `deadline`. Cancel safe: a dropped wait leaves at most an unread expiry,
    /// which the next wait's re-arming clears.
    pub async fn sleep_until(&self, deadline: tokio::time::Instant) -> io::Result<()> {
        let after = deadline.saturating_duration_since(tokio::time::Instant::now());
        sys::timerfd_arm(self.fd.get_ref(), after)?;
        loop {
            let mut guard = self.fd.readable().await?;
            match guard.try_io(|inner| sys::timerfd_read(inner.get_ref())) {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }
}

impl Drop for LinuxIo {
    fn drop(&mut self) {
        for v in &self.vmacs {
            let _ = ip_cmd(&["link", "del", v]);
        }
    }
}

async fn receive(ifname: String, fd: std::sync::Arc<AsyncFd<OwnedFd>>, tx: mpsc::Sender<Inbound>) {
    let mut buf = vec![0u8; 65536];
    loop {
        let mut guard = match fd.readable().await {
            Ok(g) => g,
            Err(e) => {
                log::log(Level::Error, &format!("{ifname}: packet socket: {e}"));
                return;
            }
        };
        let n = match guard.try_io(|inner| sys::packet_recv(inner.get_ref(), &mut buf)) {
            Ok(Ok(Some(n))) => n,
            Ok(Ok(None)) => continue,
            Ok(Err(e)) => {
                log::log(Level::Error, &format!("{ifname}: packet socket: {e}"));
                return;
            }
            Err(_would_block) => continue,
        };
        let Some(bytes) = buf.get(..n) else { continue };
        // Everything that is not a VRRP advert (ARP, other protocols) is not ours to look at.
        if let Ok(advert) = frame::parse(bytes) {
            let inbound = Inbound {
                interface: ifname.clone(),
                advert,
            };
            if tx.send(inbound).await.is_err() {
                return;
            }
        }
    }
}

impl VrrpIo for LinuxIo {
    async fn recv(&mut self) -> io::Result<Inbound> {
        self.rx
            .recv()
            .await
            .ok_or_else(|| io::Error::other("all receive tasks ended"))
    }

    fn transmit(&mut self, inst: &InstanceSpec, tx: &Transmit) -> io::Result<()> {
        match tx {
            Transmit::Advert(a) => {
                let bytes = a.repr.to_bytes(a.src_ip, a.dst_ip, a.checksum_form);
                let key = (inst.tx_interface().to_string(), inst.family());
                let sock = self
                    .raw
                    .get(&key)
                    .ok_or_else(|| io::Error::other("no raw socket"))?;
                let ifindex = self.links.get(inst.tx_interface()).map_or(0, |l| l.ifindex);
                let dst = match a.dst_ip {
                    IpAddr::V4(d) => SocketAddr::V4(SocketAddrV4::new(d, 0)),
                    IpAddr::V6(d) => {
                        let scope = if is_link_local(&d) || d.is_multicast() {
                            ifindex
                        } else {
                            0
                        };
                        SocketAddr::V6(SocketAddrV6::new(d, 0, 0, scope))
                    }
                };
                sock.send_to(&bytes, &dst.into())?;
                Ok(())
            }
            Transmit::GratuitousArp { .. } | Transmit::UnsolicitedNa { .. } => {
                let link = self
                    .links
                    .get(&inst.interface)
                    .ok_or_else(|| io::Error::other("no packet socket"))?;
                let frame = tx
                    .build_frame(link.mac, None)
                    .map_err(|e| io::Error::other(e.to_string()))?;
                sys::packet_send(link.packet.get_ref(), &frame)
            }
        }
    }

    fn set_addresses(
        &mut self,
        inst: &InstanceSpec,
        add: bool,
        addrs: &[IpAddr],
    ) -> io::Result<()> {
        for a in addrs {
            let vip = inst.vips.iter().find(|v| v.addr == *a);
            let prefix = vip.map_or(if a.is_ipv6() { 128 } else { 32 }, |v| v.prefix_len);
            // keepalived installs VIPs on the VMAC interface when there is one.
            let dev = vip
                .and_then(|v| v.dev.clone())
                .unwrap_or_else(|| inst.tx_interface().to_string());
            let ifindex = match self.links.get(&dev) {
                Some(l) => l.ifindex,
                None => sys::ifindex(&dev)?,
            };
            sys::netlink_addr(add, ifindex, *a, prefix).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "{} {a}/{prefix} on {dev}: {e}",
                        if add { "add" } else { "del" }
                    ),
                )
            })?;
        }
        Ok(())
    }

    fn notify(&mut self, inst: &InstanceSpec, state: State, priority: u8) {
        run_notify(&inst.notify, &inst.name, state, priority);
    }
}

/// Spawns the notify scripts for a state change (keepalived: the specific script, then the
/// generic `notify` with `INSTANCE NAME STATE PRIORITY`).
pub fn run_notify(n: &Notify, name: &str, state: State, priority: u8) {
    let specific = match state {
        State::Master => &n.master,
        State::Backup => &n.backup,
        State::Fault => &n.fault,
        State::Initialize => &n.stop,
    };
    let word = match state {
        State::Initialize => "STOP",
        s => s.name(),
    };
    let mut cmds: Vec<Vec<String>> = Vec::new();
    if let Some(a) = specific {
        cmds.push(a.clone());
    }
    if let Some(g) = &n.generic {
        let mut a = g.clone();
        a.extend([
            "INSTANCE".to_string(),
            name.to_string(),
            word.to_string(),
            priority.to_string(),
        ]);
        cmds.push(a);
    }
    for argv in cmds {
        let Some((prog, args)) = argv.split_first() else {
            continue;
        };
        match tokio::process::Command::new(prog).args(args).spawn() {
            Ok(mut child) => {
                // Reap it in the background so no zombie is left behind.
                tokio::spawn(async move {
                    let _ = child.wait().await;
                });
                log::log(Level::Info, &format!("{name}: notify {}", argv.join(" ")));
            }
            Err(e) => log::log(
                Level::Warn,
                &format!("{name}: notify {} failed to start: {e}", argv.join(" ")),
            ),
        }
    }
}
