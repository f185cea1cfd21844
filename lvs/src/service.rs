//! Virtual services and their destinations (real servers), as the kernel's `ip_vs_service` /
//! `ip_vs_dest` hold them: identity (VIP+port+protocol or fwmark), flags, persistence settings, and per
//! destination the weight, thresholds and the active/inactive/persistent connection counters that the
//! schedulers read.

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::sched::Scheduler;
use crate::time::Duration;

/// Transport protocol of a virtual service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP (IP protocol 6).
    Tcp,
    /// UDP (IP protocol 17).
    Udp,
    /// SCTP (IP protocol 132).
    Sctp,
}

impl Protocol {
    /// The IP protocol number.
    pub fn number(self) -> u8 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
        }
    }
    /// The protocol for an IP protocol number, if IPVS handles it.
    pub fn from_number(n: u8) -> Option<Self> {
        match n {
            6 => Some(Protocol::Tcp),
            17 => Some(Protocol::Udp),
            132 => Some(Protocol::Sctp),
            _ => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        })
    }
}

/// How a virtual service is identified (ipvsadm `-t/-u/--sctp-service` or `-f`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceKey {
    /// VIP, port and protocol. Port 0 is the "all ports" service, only usable with persistence.
    Addr {
        /// Transport protocol.
        proto: Protocol,
        /// Virtual IP address.
        addr: IpAddr,
        /// Virtual port (0 = every port).
        port: u16,
    },
    /// A firewall-mark service: every packet whose netfilter mark equals `mark` (and whose family
    /// matches) belongs to it, whatever its address, port and protocol.
    Fwmark {
        /// The mark, non-zero.
        mark: u32,
        /// Address family of the service: true for IPv6.
        ipv6: bool,
    },
}

impl fmt::Display for ServiceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceKey::Addr {
                proto,
                addr: IpAddr::V6(a),
                port,
            } => write!(f, "{proto} [{a}]:{port}"),
            ServiceKey::Addr { proto, addr, port } => write!(f, "{proto} {addr}:{port}"),
            ServiceKey::Fwmark { mark, ipv6 } => {
                write!(f, "FWM {mark}{}", if *ipv6 { " IPv6" } else { "" })
            }
        }
    }
}

/// Packet forwarding method of a destination (ipvsadm `-g`, `-m`, `-i`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FwdMethod {
    /// Direct routing ("gatewaying"): only the destination MAC changes.
    Dr,
    /// Masquerading: destination address/port rewritten on the way in, source on the way out.
    Nat,
    /// IP-in-IP tunnelling.
    Tun,
}

impl fmt::Display for FwdMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FwdMethod::Dr => "Route",
            FwdMethod::Nat => "Masq",
            FwdMethod::Tun => "Tunnel",
        })
    }
}

/// Scheduler flags (ipvsadm `-b`): `sh-fallback`, `sh-port` and their `mh-` twins share the kernel's
/// `IP_VS_SVC_F_SCHED1..3` bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SchedFlags {
    /// `sh-fallback` / `mh-fallback` (`IP_VS_SVC_F_SCHED1`): when the hashed server is unavailable, walk
    /// the table for another one instead of failing.
    pub fallback: bool,
    /// `sh-port` / `mh-port` (`IP_VS_SVC_F_SCHED2`): hash the source port as well as the address.
    pub port: bool,
}

/// The settings of one virtual service (ipvsadm `-A`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Identity of the service.
    pub key: ServiceKey,
    /// Scheduling algorithm.
    pub scheduler: Scheduler,
    /// Scheduler flags (`-b`).
    pub flags: SchedFlags,
    /// `persistence_timeout` (`-p`): `None` = not persistent. ipvsadm's default when `-p` is given without
    /// a value is 300 s.
    pub persistence_timeout: Option<Duration>,
    /// `persistence_granularity` (`-M`): the netmask applied to the client address to build the
    /// persistence template key. IPv4 default 255.255.255.255, IPv6 prefix default 128.
    pub persistence_netmask: IpAddr,
    /// The `ops` flag (one-packet scheduling for UDP): every datagram is scheduled on its own.
    pub one_packet: bool,
}

impl ServiceConfig {
    /// A non-persistent service with default flags.
    pub fn new(key: ServiceKey, scheduler: Scheduler) -> Self {
        let ipv6 = match key {
            ServiceKey::Addr { addr, .. } => addr.is_ipv6(),
            ServiceKey::Fwmark { ipv6, .. } => ipv6,
        };
        ServiceConfig {
            key,
            scheduler,
            flags: SchedFlags::default(),
            persistence_timeout: None,
            persistence_netmask: if ipv6 {
                IpAddr::V6(Ipv6Addr::from(u128::MAX))
            } else {
                IpAddr::V4(Ipv4Addr::BROADCAST)
            },
            one_packet: false,
        }
    }

    /// Builder: persistent with `timeout`.
    pub fn persistent(mut self, timeout: Duration) -> Self {
        self.persistence_timeout = Some(timeout);
        self
    }

    /// Builder: scheduler flags.
    pub fn with_flags(mut self, flags: SchedFlags) -> Self {
        self.flags = flags;
        self
    }
}

/// Identity of a destination within its service, stable across list reordering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DestId(pub(crate) u32);

/// Settings of one destination (ipvsadm `-a`): what keepalived's `real_server` block becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DestConfig {
    /// Real server address.
    pub addr: IpAddr,
    /// Real server port (0 with a port-0 or fwmark service: use the packet's destination port).
    pub port: u16,
    /// Weight, 0..=65535 in keepalived. Weight 0 quiesces the server: no new connections.
    pub weight: u32,
    /// Forwarding method.
    pub fwd: FwdMethod,
    /// Upper connection threshold (`-x`, keepalived `uthreshold`), 0 = none.
    pub u_threshold: u32,
    /// Lower connection threshold (`-y`, keepalived `lthreshold`), 0 = none.
    pub l_threshold: u32,
}

impl DestConfig {
    /// A destination with no thresholds.
    pub fn new(addr: IpAddr, port: u16, weight: u32, fwd: FwdMethod) -> Self {
        DestConfig {
            addr,
            port,
            weight,
            fwd,
            u_threshold: 0,
            l_threshold: 0,
        }
    }
}

/// A destination's live state: its settings plus the counters the schedulers read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dest {
    pub(crate) id: DestId,
    /// Current settings.
    pub cfg: DestConfig,
    /// The last non-zero weight (the kernel's `last_weight`): `mh` builds its table from it, so that
    /// quiescing a server (weight 0) does not reshuffle everyone else.
    pub last_weight: u32,
    /// Connections in TCP ESTABLISHED (the kernel's `activeconns`).
    pub active_conns: u32,
    /// Other connections: TCP handshakes and closes, and every UDP "connection" (`inactconns`).
    pub inactive_conns: u32,
    /// Persistence templates pointing at this destination (`persistconns`).
    pub persist_conns: u32,
    /// `IP_VS_DEST_F_OVERLOAD`: set when active+inactive reaches `u_threshold`.
    pub overloaded: bool,
}

impl Dest {
    pub(crate) fn new(id: DestId, cfg: DestConfig) -> Self {
        Dest {
            id,
            cfg,
            last_weight: cfg.weight,
            active_conns: 0,
            inactive_conns: 0,
            persist_conns: 0,
            overloaded: false,
        }
    }

    /// The destination's id within its service.
    pub fn id(&self) -> DestId {
        self.id
    }

    /// Current weight.
    pub fn weight(&self) -> u32 {
        self.cfg.weight
    }

    /// `ip_vs_dest_conn_overhead()`: active connections cost 256 times an inactive one.
    pub fn conn_overhead(&self) -> i64 {
        (i64::from(self.active_conns) << 8) + i64::from(self.inactive_conns)
    }

    /// Active plus inactive connections (`ip_vs_dest_totalconns()`).
    pub fn total_conns(&self) -> u32 {
        self.active_conns.saturating_add(self.inactive_conns)
    }

    /// Called after a connection is bound (`ip_vs_bind_dest`).
    pub(crate) fn update_overload_on_bind(&mut self) {
        if self.cfg.u_threshold != 0 && self.total_conns() >= self.cfg.u_threshold {
            self.overloaded = true;
        }
    }

    /// Called after a connection is unbound (`ip_vs_unbind_dest`): hysteresis between the thresholds,
    /// 3/4 of the upper one when no lower one is set.
    pub(crate) fn update_overload_on_unbind(&mut self) {
        let total = u64::from(self.total_conns());
        if self.cfg.l_threshold != 0 {
            if total < u64::from(self.cfg.l_threshold) {
                self.overloaded = false;
            }
        } else if self.cfg.u_threshold != 0 {
            if total * 4 < u64::from(self.cfg.u_threshold) * 3 {
                self.overloaded = false;
            }
        } else {
            self.overloaded = false;
        }
    }
}
