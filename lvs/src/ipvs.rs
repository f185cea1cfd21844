//! The director's IPVS table: virtual services, their destinations and schedulers, the connection table
//! with the kernel's per-state timeouts, and persistence templates.
//!
//! Read `net/netfilter/ipvs/ip_vs_core.c` (`ip_vs_in`, `ip_vs_schedule`, `ip_vs_sched_persist`),
//! `ip_vs_conn.c` (`ip_vs_bind_dest`, `ip_vs_conn_expire`) and `ip_vs_proto_tcp.c` (`set_tcp_state`) to
//! compare. [`Ipvs`] is sans-IO: the caller hands it packet summaries ([`PacketInfo`]) with the current
//! time and gets back a [`Verdict`]; timers are pulled with [`Ipvs::poll_timeout`] and fired with
//! [`Ipvs::handle_timeout`]. Call order per event: `handle_timeout(now)` for every due timer, then
//! `process_inbound`/`process_outbound` for the packet, then re-read `poll_timeout()`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

use crate::sched::{DestChange, SchedInput, SchedState, MH_DEFAULT_TAB_INDEX};
use crate::service::{Dest, DestConfig, DestId, FwdMethod, Protocol, ServiceConfig, ServiceKey};
use crate::sync::{self, flags as sf, SyncConn, SyncError};
use crate::time::{Duration, Instant};

/// Errors from the management API (what `ipvsadm` would report).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IpvsError {
    /// `ipvsadm -A` of a service that exists.
    #[error("service {0} already exists")]
    ServiceExists(ServiceKey),
    /// The service is not in the table.
    #[error("no such service {0}")]
    NoSuchService(ServiceKey),
    /// `ipvsadm -a` of a destination that exists.
    #[error("destination {0} already exists in service {1}")]
    DestExists(SocketAddr, ServiceKey),
    /// The destination is not in the service.
    #[error("no such destination {0} in service {1}")]
    NoSuchDest(SocketAddr, ServiceKey),
    /// Weight above 65535 (keepalived's limit) or another invalid setting.
    #[error("invalid setting: {0}")]
    Invalid(&'static str),
}

/// IPVS's TCP connection states (`IP_VS_TCP_S_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TcpState {
    /// NONE
    None,
    /// ESTABLISHED
    Established,
    /// SYN_SENT
    SynSent,
    /// SYN_RECV
    SynRecv,
    /// FIN_WAIT
    FinWait,
    /// TIME_WAIT
    TimeWait,
    /// CLOSE
    Close,
    /// CLOSE_WAIT
    CloseWait,
    /// LAST_ACK
    LastAck,
    /// LISTEN
    Listen,
    /// SYNACK
    SynAck,
}

impl TcpState {
    fn index(self) -> usize {
        self as usize
    }

    /// The state with the kernel's number (`IP_VS_TCP_S_*`), if valid.
    pub fn from_index(i: u16) -> Option<TcpState> {
        use TcpState::*;
        [
            None,
            Established,
            SynSent,
            SynRecv,
            FinWait,
            TimeWait,
            Close,
            CloseWait,
            LastAck,
            Listen,
            SynAck,
        ]
        .get(usize::from(i))
        .copied()
    }
}

/// Timeouts of the connection table (`ipvsadm --set tcp tcpfin udp` sets the first three) and the
/// sysctls that change scheduling decisions.
#[derive(Clone, Debug, PartialEq)]
pub struct IpvsSettings {
    /// TCP ESTABLISHED, default 900 s (`--set tcp`).
    pub tcp_established: Duration,
    /// TCP FIN_WAIT, default 120 s (`--set tcpfin`).
    pub tcp_fin_wait: Duration,
    /// UDP, default 300 s (`--set udp`).
    pub udp: Duration,
    /// The other TCP states' timeouts, indexed like [`TcpState`]: the kernel's `tcp_timeouts[]`.
    pub tcp_other: [Duration; 11],
    /// SCTP connections (modelled with one timeout, the kernel's ESTABLISHED 900 s).
    pub sctp: Duration,
    /// sysctl `expire_quiescent_template` (default off): a persistence template pointing at a weight-0
    /// server is dropped instead of being honoured.
    pub expire_quiescent_template: bool,
    /// sysctl `expire_nodest_conn` (default off): packets of a connection whose server was removed are
    /// dropped and the connection expired, instead of still being forwarded there.
    pub expire_nodest_conn: bool,
    /// `CONFIG_IP_VS_MH_TAB_INDEX` (8..=17, default 12 → 4093 slots).
    pub mh_tab_index: u8,
    /// sysctl `lblc_expiration` / `lblcr_expiration` (default 24 h).
    pub lblc_expiration: Duration,
}

impl Default for IpvsSettings {
    fn default() -> Self {
        let s = Duration::from_secs;
        IpvsSettings {
            tcp_established: s(900),
            tcp_fin_wait: s(120),
            udp: s(300),
            // NONE, ES, SYN_SENT, SYN_RECV, FIN_WAIT, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, SYNACK
            tcp_other: [
                s(2),
                s(900),
                s(120),
                s(60),
                s(120),
                s(120),
                s(10),
                s(60),
                s(30),
                s(120),
                s(120),
            ],
            sctp: s(900),
            expire_quiescent_template: false,
            expire_nodest_conn: false,
            mh_tab_index: MH_DEFAULT_TAB_INDEX,
            lblc_expiration: crate::sched::LBLC_DEFAULT_EXPIRATION,
        }
    }
}

impl IpvsSettings {
    fn tcp_timeout(&self, st: TcpState) -> Duration {
        match st {
            TcpState::Established => self.tcp_established,
            TcpState::FinWait => self.tcp_fin_wait,
            other => self.tcp_other[other.index()],
        }
    }
}

/// The TCP flags IPVS's state machine looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags {
    /// SYN
    pub syn: bool,
    /// FIN
    pub fin: bool,
    /// ACK
    pub ack: bool,
    /// RST
    pub rst: bool,
}

/// What IPVS needs from a packet: addresses, protocol, TCP flags and the netfilter mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketInfo {
    /// Transport protocol.
    pub proto: Protocol,
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// Netfilter mark set by the caller's firewall model (0 = none).
    pub fwmark: u32,
    /// TCP flags (all false for UDP/SCTP).
    pub tcp: TcpFlags,
}

/// Identity of a connection in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// A connection entry (`ip_vs_conn`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Its id.
    pub id: ConnId,
    /// Protocol.
    pub proto: Protocol,
    /// Client address and port.
    pub client: SocketAddr,
    /// Virtual address and port the client talks to.
    pub virt: SocketAddr,
    /// Real server address and port.
    pub real: SocketAddr,
    /// Forwarding method.
    pub fwd: FwdMethod,
    /// TCP state (None for UDP/SCTP).
    pub tcp_state: Option<TcpState>,
    /// When the entry expires unless another packet refreshes it.
    pub expires: Instant,
    /// Service it was scheduled by.
    pub service: ServiceKey,
    dest: DestId,
    inactive: bool,
    no_output: bool,
    template: Option<u64>,
    /// Inbound packets seen (`in_pkts`), for the sync rate rule.
    in_pkts: u32,
    /// State at the last sync (`old_state`).
    old_state: TcpState,
    /// Packet mark of a fwmark service.
    fwmark: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct TemplateKey {
    service: ServiceKey,
    client_net: IpAddr,
}

/// A persistence template: client network → real server, for `persistence_timeout`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    key_client_net: IpAddr,
    service: ServiceKey,
    dest: DestId,
    /// Real server the client network sticks to.
    pub real: SocketAddr,
    /// Expiry (re-armed while connections it controls are alive).
    pub expires: Instant,
    timeout: Duration,
    n_control: u32,
    hashed: bool,
    proto: Protocol,
    virt: SocketAddr,
    fwmark: u32,
}

/// The result of [`Ipvs::process_inbound`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Forward to a real server with the given method.
    Forward(Forward),
    /// Not IPVS traffic (no service, or a non-SYN TCP segment without a connection): deliver locally.
    NotIpvs,
    /// A service matched but no destination is available: the kernel drops the packet and answers ICMP
    /// port unreachable (`ip_vs_leave`).
    Unreachable,
    /// Dropped (connection to a removed server with `expire_nodest_conn`).
    Drop,
}

/// Where and how to forward one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Forward {
    /// The connection entry (for one-packet UDP scheduling, an id that is not kept in the table).
    pub conn: ConnId,
    /// True when this packet created the connection.
    pub new_conn: bool,
    /// Forwarding method.
    pub fwd: FwdMethod,
    /// Real server address and port.
    pub real: SocketAddr,
    /// Virtual address and port.
    pub virt: SocketAddr,
    /// The service.
    pub service: ServiceKey,
}

/// The result of [`Ipvs::process_outbound`] (packets from a real server, for NAT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutVerdict {
    /// A NAT connection's reply: rewrite the source to `virt`.
    Masquerade {
        /// Connection.
        conn: ConnId,
        /// The virtual address and port to put in the source.
        virt: SocketAddr,
    },
    /// Not a reply of an IPVS NAT connection.
    NotIpvs,
}

/// One virtual service with its destinations, as listed by `ipvsadm -L`.
#[derive(Clone, Debug)]
pub struct Service {
    /// Settings.
    pub cfg: ServiceConfig,
    dests: Vec<Dest>,
    trash: Vec<Dest>,
    sched: SchedState,
    next_dest: u32,
}

impl Service {
    /// Destinations in list order (newest first, like `ipvsadm -L`).
    pub fn dests(&self) -> &[Dest] {
        &self.dests
    }

    /// A destination by address and port.
    pub fn dest(&self, addr: SocketAddr) -> Option<&Dest> {
        self.dests
            .iter()
            .find(|d| d.cfg.addr == addr.ip() && d.cfg.port == addr.port())
    }

    /// The mh lookup table (`None` for other schedulers).
    pub fn mh_table(&self) -> Option<Vec<Option<SocketAddr>>> {
        let t = self.sched.mh_table()?;
        Some(
            t.iter()
                .map(|slot| {
                    slot.and_then(|id| self.dests.iter().find(|d| d.id == id))
                        .map(|d| SocketAddr::new(d.cfg.addr, d.cfg.port))
                })
                .collect(),
        )
    }

    fn dest_by_id_mut(&mut self, id: DestId) -> Option<&mut Dest> {
        if let Some(i) = self.dests.iter().position(|d| d.id == id) {
            return self.dests.get_mut(i);
        }
        self.trash.iter_mut().find(|d| d.id == id)
    }

    fn dest_by_id(&self, id: DestId) -> Option<&Dest> {
        self.dests.iter().find(|d| d.id == id)
    }

    fn drop_unreferenced_trash(&mut self) {
        self.trash
            .retain(|d| d.total_conns() > 0 || d.persist_conns > 0);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    Conn,
    Template,
}

/// The IPVS table of one director.
#[derive(Clone, Debug)]
pub struct Ipvs {
    settings: IpvsSettings,
    services: BTreeMap<ServiceKey, Service>,
    conns: BTreeMap<ConnId, Connection>,
    // Lookup-only indexes (never iterated, so hashing cannot leak into the run's order).
    in_index: HashMap<(Protocol, SocketAddr, SocketAddr), ConnId>,
    out_index: HashMap<(Protocol, SocketAddr, SocketAddr), ConnId>,
    templates: BTreeMap<u64, Template>,
    template_index: BTreeMap<TemplateKey, u64>,
    timers: BTreeSet<(Instant, TimerKind, u64)>,
    next_id: u64,
    rng: ChaCha8Rng,
    sync_master: Option<SyncMaster>,
}

/// The master side of `lvs_sync_daemon`: entries waiting to be sent, and finished messages.
#[derive(Clone, Debug)]
struct SyncMaster {
    syncid: u8,
    maxlen: usize,
    buf: Vec<SyncConn>,
    buf_len: usize,
    first: Option<Instant>,
    ready: VecDeque<Vec<u8>>,
}

/// sysctl `sync_threshold` default: a connection is synced at its 3rd packet ...
const SYNC_THRESHOLD: u32 = 3;
/// ... and then every `sync_period` (50) packets.
const SYNC_PERIOD: u32 = 50;

fn mask_addr(addr: IpAddr, mask: IpAddr) -> IpAddr {
    match (addr, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & u32::from(m))),
        (IpAddr::V6(a), IpAddr::V6(m)) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & u128::from(m))),
        (a, _) => a,
    }
}

// set_tcp_state tables (ip_vs_proto_tcp.c `tcp_states`), rows syn/fin/ack/rst, columns by current state.
use TcpState::{
    Close as CL, CloseWait as CW, Established as ES, FinWait as FW, LastAck as LA, Listen as LI,
    SynRecv as SR, SynSent as SS, TimeWait as TW,
};
const TCP_INPUT: [[TcpState; 11]; 4] = [
    [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
    [CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW],
    [CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
    [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR],
];
const TCP_OUTPUT: [[TcpState; 11]; 4] = [
    [SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR],
    [TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES],
    [CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL],
];
const TCP_INPUT_ONLY: [[TcpState; 11]; 4] = [
    [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
    [CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW],
    [CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
    [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL],
];

/// tcp_state_idx: RST beats SYN beats FIN beats ACK; none of them → no transition.
fn tcp_state_idx(f: TcpFlags) -> Option<usize> {
    if f.rst {
        Some(3)
    } else if f.syn {
        Some(0)
    } else if f.fin {
        Some(1)
    } else if f.ack {
        Some(2)
    } else {
        None
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Input,
    Output,
}

impl Ipvs {
    /// An empty table; `seed` feeds the ChaCha generator used by `twos`.
    pub fn new(settings: IpvsSettings, seed: u64) -> Self {
        Ipvs {
            settings,
            services: BTreeMap::new(),
            conns: BTreeMap::new(),
            in_index: HashMap::new(),
            out_index: HashMap::new(),
            templates: BTreeMap::new(),
            template_index: BTreeMap::new(),
            timers: BTreeSet::new(),
            next_id: 1,
            rng: ChaCha8Rng::seed_from_u64(seed),
            sync_master: None,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &IpvsSettings {
        &self.settings
    }

    // ----- management (ipvsadm) -----

    /// `ipvsadm -A`.
    pub fn add_service(&mut self, cfg: ServiceConfig) -> Result<(), IpvsError> {
        if self.services.contains_key(&cfg.key) {
            return Err(IpvsError::ServiceExists(cfg.key));
        }
        if let ServiceKey::Fwmark { mark: 0, .. } = cfg.key {
            return Err(IpvsError::Invalid("fwmark 0 cannot identify a service"));
        }
        let mut sched = SchedState::new(cfg.scheduler, &[], self.settings.mh_tab_index);
        sched.set_lblc_expiration(self.settings.lblc_expiration);
        self.services.insert(
            cfg.key,
            Service {
                cfg,
                dests: Vec::new(),
                trash: Vec::new(),
                sched,
                next_dest: 1,
            },
        );
        Ok(())
    }

    /// `ipvsadm -E`: change scheduler, flags or persistence. Changing the scheduler resets its state,
    /// as the kernel's `ip_vs_bind_scheduler` does.
    pub fn edit_service(&mut self, cfg: ServiceConfig) -> Result<(), IpvsError> {
        let mh = self.settings.mh_tab_index;
        let exp = self.settings.lblc_expiration;
        let svc = self
            .services
            .get_mut(&cfg.key)
            .ok_or(IpvsError::NoSuchService(cfg.key))?;
        if svc.cfg.scheduler != cfg.scheduler {
            svc.sched = SchedState::new(cfg.scheduler, &svc.dests, mh);
            svc.sched.set_lblc_expiration(exp);
        }
        svc.cfg = cfg;
        Ok(())
    }

    /// `ipvsadm -D`. Deviation: the kernel keeps existing connections alive on trashed destinations;
    /// here the service's connections and templates are dropped with it.
    pub fn del_service(&mut self, key: &ServiceKey) -> Result<(), IpvsError> {
        self.services
            .remove(key)
            .ok_or(IpvsError::NoSuchService(*key))?;
        let ids: Vec<ConnId> = self
            .conns
            .values()
            .filter(|c| c.service == *key)
            .map(|c| c.id)
            .collect();
        for id in ids {
            self.remove_conn(id, false);
        }
        let tids: Vec<u64> = self
            .templates
            .iter()
            .filter(|(_, t)| t.service == *key)
            .map(|(id, _)| *id)
            .collect();
        for id in tids {
            if let Some(t) = self.templates.remove(&id) {
                self.timers.remove(&(t.expires, TimerKind::Template, id));
                let k = TemplateKey {
                    service: t.service,
                    client_net: t.key_client_net,
                };
                if self.template_index.get(&k) == Some(&id) {
                    self.template_index.remove(&k);
                }
            }
        }
        Ok(())
    }

    /// A service by key.
    pub fn service(&self, key: &ServiceKey) -> Option<&Service> {
        self.services.get(key)
    }

    /// Every service, ordered by key.
    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.services.values()
    }

    /// The table as `ipvsadm -Ln` prints it (services ordered by key, destinations in list order).
    pub fn list_numeric(&self) -> String {
        let mut out = String::from(
            "IP Virtual Server version 1.2.1 (size=4096)\n\
             Prot LocalAddress:Port Scheduler Flags\n  \
             -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
        );
        for svc in self.services.values() {
            let c = &svc.cfg;
            match c.key {
                ServiceKey::Addr { proto, addr, port } => {
                    let a = SocketAddr::new(addr, port);
                    out.push_str(&format!("{:<4} {a} {}", proto.to_string(), c.scheduler));
                }
                ServiceKey::Fwmark { mark, .. } => {
                    out.push_str(&format!("FWM  {mark} {}", c.scheduler));
                }
            }
            let mut flags = Vec::new();
            if c.flags.fallback {
                flags.push(format!("{}-fallback", c.scheduler));
            }
            if c.flags.port {
                flags.push(format!("{}-port", c.scheduler));
            }
            if c.one_packet {
                flags.push("ops".to_string());
            }
            if !flags.is_empty() {
                out.push_str(&format!(" ({})", flags.join(",")));
            }
            if let Some(t) = c.persistence_timeout {
                out.push_str(&format!(" persistent {}", t.as_nanos() / 1_000_000_000));
                let full = match c.persistence_netmask {
                    IpAddr::V4(m) => u32::from(m) == u32::MAX,
                    IpAddr::V6(m) => u128::from(m) == u128::MAX,
                };
                if !full {
                    out.push_str(&format!(" mask {}", c.persistence_netmask));
                }
            }
            out.push('\n');
            for d in &svc.dests {
                let a = SocketAddr::new(d.cfg.addr, d.cfg.port).to_string();
                out.push_str(&format!(
                    "  -> {:<28} {:<7} {:<6} {:<10} {:<10}\n",
                    a,
                    d.cfg.fwd.to_string(),
                    d.cfg.weight,
                    d.active_conns,
                    d.inactive_conns
                ));
            }
        }
        out
    }

    /// `ipvsadm -a`: the destination goes to the head of the list. A destination that was removed while
    /// connections still used it comes back from the trash with its counters.
    pub fn add_dest(&mut self, key: &ServiceKey, cfg: DestConfig) -> Result<(), IpvsError> {
        if cfg.weight > 65535 {
            return Err(IpvsError::Invalid("weight above 65535"));
        }
        let svc = self
            .services
            .get_mut(key)
            .ok_or(IpvsError::NoSuchService(*key))?;
        let sa = SocketAddr::new(cfg.addr, cfg.port);
        if svc.dest(sa).is_some() {
            return Err(IpvsError::DestExists(sa, *key));
        }
        let dest = if let Some(i) = svc
            .trash
            .iter()
            .position(|d| d.cfg.addr == cfg.addr && d.cfg.port == cfg.port)
        {
            let mut d = svc.trash.remove(i);
            apply_dest_update(&mut d, cfg);
            d
        } else {
            let id = DestId(svc.next_dest);
            svc.next_dest += 1;
            Dest::new(id, cfg)
        };
        svc.dests.insert(0, dest);
        svc.sched.dest_changed(&svc.dests, DestChange::Added);
        Ok(())
    }

    /// `ipvsadm -e`: new weight/thresholds/method. Weight 0 quiesces; `last_weight` keeps the last
    /// non-zero weight for mh.
    pub fn edit_dest(&mut self, key: &ServiceKey, cfg: DestConfig) -> Result<(), IpvsError> {
        if cfg.weight > 65535 {
            return Err(IpvsError::Invalid("weight above 65535"));
        }
        let svc = self
            .services
            .get_mut(key)
            .ok_or(IpvsError::NoSuchService(*key))?;
        let sa = SocketAddr::new(cfg.addr, cfg.port);
        let d = svc
            .dests
            .iter_mut()
            .find(|d| d.cfg.addr == cfg.addr && d.cfg.port == cfg.port)
            .ok_or(IpvsError::NoSuchDest(sa, *key))?;
        apply_dest_update(d, cfg);
        svc.sched.dest_changed(&svc.dests, DestChange::Updated);
        Ok(())
    }

    /// Convenience for health checkers: set only the weight (keepalived's `inhibit_on_failure` sets 0).
    pub fn set_weight(
        &mut self,
        key: &ServiceKey,
        real: SocketAddr,
        weight: u32,
    ) -> Result<(), IpvsError> {
        let svc = self
            .services
            .get(key)
            .ok_or(IpvsError::NoSuchService(*key))?;
        let mut cfg = svc.dest(real).ok_or(IpvsError::NoSuchDest(real, *key))?.cfg;
        cfg.weight = weight;
        self.edit_dest(key, cfg)
    }

    /// `ipvsadm -d`. Connections already bound keep going to the server (unless `expire_nodest_conn`);
    /// persistence templates pointing at it are ignored from now on.
    pub fn del_dest(&mut self, key: &ServiceKey, real: SocketAddr) -> Result<(), IpvsError> {
        let svc = self
            .services
            .get_mut(key)
            .ok_or(IpvsError::NoSuchService(*key))?;
        let i = svc
            .dests
            .iter()
            .position(|d| d.cfg.addr == real.ip() && d.cfg.port == real.port())
            .ok_or(IpvsError::NoSuchDest(real, *key))?;
        let d = svc.dests.remove(i);
        let prev = if i == 0 {
            None
        } else {
            svc.dests.get(i - 1).map(|p| p.id)
        };
        let id = d.id;
        svc.trash.push(d);
        svc.drop_unreferenced_trash();
        svc.sched
            .dest_changed(&svc.dests, DestChange::Removed { id, prev });
        Ok(())
    }

    // ----- data path -----

    /// Every connection, ordered by id.
    pub fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.conns.values()
    }

    /// A connection by id.
    pub fn connection(&self, id: ConnId) -> Option<&Connection> {
        self.conns.get(&id)
    }

    /// Persistence templates (ordered by creation).
    pub fn templates(&self) -> impl Iterator<Item = &Template> {
        self.templates.values()
    }

    /// The earliest connection or template expiry.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let flush = self
            .sync_master
            .as_ref()
            .and_then(|m| m.first)
            .map(|t| t + Duration::from_millis(sync::SYNC_FLUSH_TIME_MS));
        let conn = self.timers.first().map(|(t, _, _)| *t);
        match (conn, flush) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Expire every connection and template due at or before `now` (`ip_vs_conn_expire`).
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(m) = self.sync_master.as_mut() {
            if m.first
                .is_some_and(|t| t + Duration::from_millis(sync::SYNC_FLUSH_TIME_MS) <= now)
            {
                m.flush();
            }
        }
        while let Some(&(t, kind, id)) = self.timers.first() {
            if t > now {
                break;
            }
            self.timers.remove(&(t, kind, id));
            match kind {
                TimerKind::Conn => self.remove_conn(ConnId(id), true),
                TimerKind::Template => self.expire_template(id, t),
            }
        }
    }

    fn find_service(&self, pkt: &PacketInfo) -> Option<ServiceKey> {
        // ip_vs_service_find: fwmark first, then VIP:port, then the VIP's port-zero service.
        if pkt.fwmark != 0 {
            let k = ServiceKey::Fwmark {
                mark: pkt.fwmark,
                ipv6: pkt.dst.is_ipv6(),
            };
            if self.services.contains_key(&k) {
                return Some(k);
            }
        }
        let k = ServiceKey::Addr {
            proto: pkt.proto,
            addr: pkt.dst.ip(),
            port: pkt.dst.port(),
        };
        if self.services.contains_key(&k) {
            return Some(k);
        }
        let k0 = ServiceKey::Addr {
            proto: pkt.proto,
            addr: pkt.dst.ip(),
            port: 0,
        };
        self.services.contains_key(&k0).then_some(k0)
    }

    /// A packet from a client towards a virtual service (`ip_vs_in`).
    pub fn process_inbound(&mut self, now: Instant, pkt: &PacketInfo) -> Verdict {
        if let Some(&id) = self.in_index.get(&(pkt.proto, pkt.src, pkt.dst)) {
            // conn_reuse_mode 1 (the default): a fresh SYN for a connection in TIME_WAIT or CLOSE
            // expires the old entry and is scheduled anew (`is_new_conn_expected`).
            let reuse = pkt.proto == Protocol::Tcp
                && pkt.tcp.syn
                && !pkt.tcp.ack
                && !pkt.tcp.rst
                && self.conns.get(&id).is_some_and(|c| {
                    matches!(
                        c.tcp_state,
                        Some(TcpState::TimeWait) | Some(TcpState::Close)
                    )
                });
            if !reuse {
                return self.existing_conn(now, id, pkt, Direction::Input);
            }
            self.remove_conn(id, true);
        }
        let Some(key) = self.find_service(pkt) else {
            return Verdict::NotIpvs;
        };
        // tcp_conn_schedule: only a SYN (without RST) may create a connection.
        if pkt.proto == Protocol::Tcp && (pkt.tcp.rst || !pkt.tcp.syn) {
            return Verdict::NotIpvs;
        }
        self.schedule_new(now, key, pkt)
    }

    fn existing_conn(
        &mut self,
        now: Instant,
        id: ConnId,
        pkt: &PacketInfo,
        dir: Direction,
    ) -> Verdict {
        let Some(c) = self.conns.get(&id) else {
            return Verdict::NotIpvs;
        };
        let (service, dest, template) = (c.service, c.dest, c.template);
        let dest_alive = self
            .services
            .get(&service)
            .and_then(|s| s.dest_by_id(dest))
            .is_some();
        if !dest_alive && self.settings.expire_nodest_conn {
            self.remove_conn(id, true);
            return Verdict::Drop;
        }
        self.transition(now, id, pkt.tcp, dir);
        if let Some(t) = template {
            self.touch_template_noop(t);
        }
        if dir == Direction::Input {
            self.sync_after_packet(now, id);
        }
        match self.conns.get(&id) {
            Some(c) => Verdict::Forward(Forward {
                conn: id,
                new_conn: false,
                fwd: c.fwd,
                real: c.real,
                virt: c.virt,
                service: c.service,
            }),
            None => Verdict::NotIpvs,
        }
    }

    // Templates are not refreshed by packets of existing connections in the kernel either (only new
    // connections through `ip_vs_sched_persist` re-arm them); kept as a named no-op for readers.
    fn touch_template_noop(&self, _t: u64) {}

    /// A packet from a real server (NAT replies; `ip_vs_out`).
    pub fn process_outbound(&mut self, now: Instant, pkt: &PacketInfo) -> OutVerdict {
        let Some(&id) = self.out_index.get(&(pkt.proto, pkt.src, pkt.dst)) else {
            return OutVerdict::NotIpvs;
        };
        match self.conns.get(&id) {
            Some(c) if c.fwd == FwdMethod::Nat => {}
            _ => return OutVerdict::NotIpvs,
        }
        self.transition(now, id, pkt.tcp, Direction::Output);
        match self.conns.get(&id) {
            Some(c) => OutVerdict::Masquerade {
                conn: id,
                virt: c.virt,
            },
            None => OutVerdict::NotIpvs,
        }
    }

    fn set_conn_timer(&mut self, id: ConnId, expires: Instant) {
        if let Some(c) = self.conns.get_mut(&id) {
            self.timers.remove(&(c.expires, TimerKind::Conn, id.0));
            c.expires = expires;
            self.timers.insert((expires, TimerKind::Conn, id.0));
        }
    }

    /// set_tcp_state + the per-packet timer refresh of `ip_vs_conn_put`.
    fn transition(&mut self, now: Instant, id: ConnId, flags: TcpFlags, dir: Direction) {
        // Disjoint field borrows: the settings are read while a connection and a destination change.
        let Ipvs {
            settings,
            conns,
            services,
            ..
        } = self;
        let Some(c) = conns.get_mut(&id) else {
            return;
        };
        let timeout = match c.proto {
            Protocol::Udp => settings.udp,
            Protocol::Sctp => settings.sctp,
            Protocol::Tcp => {
                let cur = c.tcp_state.unwrap_or(TcpState::None);
                let table = if c.no_output {
                    if dir == Direction::Output {
                        c.no_output = false;
                        &TCP_OUTPUT
                    } else {
                        &TCP_INPUT_ONLY
                    }
                } else if dir == Direction::Output {
                    &TCP_OUTPUT
                } else {
                    &TCP_INPUT
                };
                // No flag at all: the kernel moves to CLOSE.
                let new = tcp_state_idx(flags).map_or(TcpState::Close, |i| table[i][cur.index()]);
                if new != cur {
                    let becomes_inactive = !c.inactive && new != TcpState::Established;
                    let becomes_active = c.inactive && new == TcpState::Established;
                    if becomes_inactive || becomes_active {
                        c.inactive = becomes_inactive;
                        if let Some(d) = services
                            .get_mut(&c.service)
                            .and_then(|s| s.dest_by_id_mut(c.dest))
                        {
                            if becomes_inactive {
                                d.active_conns = d.active_conns.saturating_sub(1);
                                d.inactive_conns += 1;
                            } else {
                                d.inactive_conns = d.inactive_conns.saturating_sub(1);
                                d.active_conns += 1;
                            }
                        }
                    }
                }
                c.tcp_state = Some(new);
                settings.tcp_timeout(new)
            }
        };
        self.set_conn_timer(id, now + timeout);
    }

    fn schedule_new(&mut self, now: Instant, key: ServiceKey, pkt: &PacketInfo) -> Verdict {
        let input = SchedInput {
            saddr: pkt.src.ip(),
            sport: pkt.src.port(),
            daddr: pkt.dst.ip(),
            dport: pkt.dst.port(),
        };
        let Some(svc) = self.services.get_mut(&key) else {
            return Verdict::NotIpvs;
        };
        let persistent = svc.cfg.persistence_timeout;
        let mut template_id = None;
        let dest_id = if let Some(timeout) = persistent {
            // ip_vs_sched_persist
            let tkey = TemplateKey {
                service: key,
                client_net: mask_addr(pkt.src.ip(), svc.cfg.persistence_netmask),
            };
            let existing = self.template_index.get(&tkey).copied();
            let mut valid = None;
            if let Some(tid) = existing {
                if let Some(t) = self.templates.get(&tid) {
                    // ip_vs_check_template: the server must still be in the service, and with
                    // expire_quiescent_template also have a non-zero weight.
                    let ok = svc.dest_by_id(t.dest).is_some_and(|d| {
                        !(self.settings.expire_quiescent_template && d.cfg.weight == 0)
                    });
                    if ok {
                        valid = Some((tid, t.dest));
                    }
                }
                if valid.is_none() {
                    self.template_index.remove(&tkey);
                    if let Some(t) = self.templates.get_mut(&tid) {
                        t.hashed = false;
                    }
                }
            }
            match valid {
                Some((tid, did)) => {
                    template_id = Some(tid);
                    did
                }
                None => {
                    let Some(did) =
                        svc.sched
                            .schedule(&svc.dests, &input, svc.cfg.flags, now, &mut self.rng)
                    else {
                        return Verdict::Unreachable;
                    };
                    let Some(d) = svc.dest_by_id_mut(did) else {
                        return Verdict::Unreachable;
                    };
                    d.persist_conns += 1;
                    let real = SocketAddr::new(d.cfg.addr, d.cfg.port);
                    let tid = self.next_id;
                    self.next_id += 1;
                    self.templates.insert(
                        tid,
                        Template {
                            key_client_net: tkey.client_net,
                            service: key,
                            dest: did,
                            real,
                            expires: now,
                            timeout,
                            n_control: 0,
                            hashed: true,
                            proto: pkt.proto,
                            virt: pkt.dst,
                            fwmark: pkt.fwmark,
                        },
                    );
                    self.template_index.insert(tkey, tid);
                    template_id = Some(tid);
                    did
                }
            }
        } else {
            // Non-persistent port-zero services cannot schedule (kernel logs "port zero only supported
            // in persistent services").
            if let ServiceKey::Addr { port: 0, .. } = key {
                return Verdict::Unreachable;
            }
            match svc
                .sched
                .schedule(&svc.dests, &input, svc.cfg.flags, now, &mut self.rng)
            {
                Some(d) => d,
                None => return Verdict::Unreachable,
            }
        };
        let one_packet = svc.cfg.one_packet && pkt.proto == Protocol::Udp;
        let Some(d) = svc.dest_by_id_mut(dest_id) else {
            return Verdict::Unreachable;
        };
        let real_port = if d.cfg.port == 0 {
            pkt.dst.port()
        } else {
            d.cfg.port
        };
        let real = SocketAddr::new(d.cfg.addr, real_port);
        let fwd = d.cfg.fwd;
        let id = ConnId(self.next_id);
        self.next_id += 1;
        if let Some(tid) = template_id {
            if let Some(t) = self.templates.get_mut(&tid) {
                // The template is re-armed for its full timeout from now (ip_vs_conn_put(ct)).
                self.timers.remove(&(t.expires, TimerKind::Template, tid));
                t.expires = now + t.timeout;
                self.timers.insert((t.expires, TimerKind::Template, tid));
                if !one_packet {
                    t.n_control += 1;
                }
            }
        }
        if one_packet {
            return Verdict::Forward(Forward {
                conn: id,
                new_conn: true,
                fwd,
                real,
                virt: pkt.dst,
                service: key,
            });
        }
        // ip_vs_bind_dest: new connections start inactive; TCP becomes active on ESTABLISHED.
        d.inactive_conns += 1;
        d.update_overload_on_bind();
        let conn = Connection {
            id,
            proto: pkt.proto,
            client: pkt.src,
            virt: pkt.dst,
            real,
            fwd,
            tcp_state: (pkt.proto == Protocol::Tcp).then_some(TcpState::None),
            expires: now,
            service: key,
            dest: dest_id,
            inactive: true,
            no_output: fwd != FwdMethod::Nat,
            template: template_id,
            in_pkts: 0,
            old_state: TcpState::None,
            fwmark: if matches!(key, ServiceKey::Fwmark { .. }) {
                pkt.fwmark
            } else {
                0
            },
        };
        self.in_index.insert((pkt.proto, pkt.src, pkt.dst), id);
        self.out_index.insert((pkt.proto, real, pkt.src), id);
        self.timers.insert((now, TimerKind::Conn, id.0));
        self.conns.insert(id, conn);
        self.transition(now, id, pkt.tcp, Direction::Input);
        self.sync_after_packet(now, id);
        Verdict::Forward(Forward {
            conn: id,
            new_conn: true,
            fwd,
            real,
            virt: pkt.dst,
            service: key,
        })
    }

    fn remove_conn(&mut self, id: ConnId, unbind: bool) {
        let Some(c) = self.conns.remove(&id) else {
            return;
        };
        self.timers.remove(&(c.expires, TimerKind::Conn, id.0));
        self.in_index.remove(&(c.proto, c.client, c.virt));
        self.out_index.remove(&(c.proto, c.real, c.client));
        if let Some(tid) = c.template {
            if let Some(t) = self.templates.get_mut(&tid) {
                t.n_control = t.n_control.saturating_sub(1);
            }
        }
        if unbind {
            if let Some(svc) = self.services.get_mut(&c.service) {
                if let Some(d) = svc.dest_by_id_mut(c.dest) {
                    if c.inactive {
                        d.inactive_conns = d.inactive_conns.saturating_sub(1);
                    } else {
                        d.active_conns = d.active_conns.saturating_sub(1);
                    }
                    d.update_overload_on_unbind();
                }
                svc.drop_unreferenced_trash();
            }
        }
    }

    fn expire_template(&mut self, tid: u64, at: Instant) {
        let Some(t) = self.templates.get_mut(&tid) else {
            return;
        };
        if t.n_control > 0 {
            // ip_vs_conn_expire: a template with controlled connections expires later.
            t.expires = at + t.timeout;
            self.timers.insert((t.expires, TimerKind::Template, tid));
            return;
        }
        let Some(t) = self.templates.remove(&tid) else {
            return;
        };
        if t.hashed {
            let k = TemplateKey {
                service: t.service,
                client_net: t.key_client_net,
            };
            if self.template_index.get(&k) == Some(&tid) {
                self.template_index.remove(&k);
            }
        }
        if let Some(svc) = self.services.get_mut(&t.service) {
            if let Some(d) = svc.dest_by_id_mut(t.dest) {
                d.persist_conns = d.persist_conns.saturating_sub(1);
            }
            svc.drop_unreferenced_trash();
        }
    }
}

impl SyncMaster {
    fn flush(&mut self) {
        if !self.buf.is_empty() {
            self.ready.push_back(sync::encode(self.syncid, &self.buf));
            self.buf.clear();
        }
        self.buf_len = 8;
        self.first = None;
    }

    fn push(&mut self, now: Instant, c: SyncConn) {
        // A full buffer is queued for sending first (sb_queue_tail); 255 entries at most.
        if self.buf_len + c.wire_len() > self.maxlen || self.buf.len() == 255 {
            self.flush();
        }
        if self.buf.is_empty() {
            self.first = Some(now);
        }
        self.buf_len += c.wire_len();
        self.buf.push(c);
    }
}

fn fwd_flags(fwd: FwdMethod) -> u32 {
    match fwd {
        FwdMethod::Nat => sf::MASQ,
        FwdMethod::Dr => sf::DROUTE | sf::NOOUTPUT,
        FwdMethod::Tun => sf::TUNNEL | sf::NOOUTPUT,
    }
}

impl Ipvs {
    /// Start the master sync daemon (keepalived's `lvs_sync_daemon` when its VRRP instance becomes
    /// MASTER): from now on connections are queued for synchronisation by the kernel's rules.
    /// `maxlen` is the largest UDP payload (interface MTU − 28, i.e. 1472 on Ethernet).
    pub fn enable_sync_master(&mut self, syncid: u8, maxlen: usize) {
        self.sync_master = Some(SyncMaster {
            syncid,
            maxlen: maxlen.max(8 + 72),
            buf: Vec::new(),
            buf_len: 8,
            first: None,
            ready: VecDeque::new(),
        });
    }

    /// Stop the master sync daemon (the instance left MASTER); unsent entries are dropped.
    pub fn disable_sync_master(&mut self) {
        self.sync_master = None;
    }

    /// The next sync message (UDP payload for 224.0.0.81:8848) ready to send: a buffer that filled
    /// up, or one whose first entry is `IPVS_SYNC_FLUSH_TIME` (2 s) old at [`Self::handle_timeout`].
    pub fn poll_sync_message(&mut self) -> Option<Vec<u8>> {
        self.sync_master.as_mut()?.ready.pop_front()
    }

    /// ip_vs_sync_conn_needed with the default sysctls (sync_threshold 3, sync_period 50,
    /// sync_refresh_period 0): TCP in ESTABLISHED/FIN_WAIT/CLOSE/CLOSE_WAIT/TIME_WAIT, immediately on a
    /// change to a state other than ESTABLISHED, else at packet 3, 53, 103...; UDP at 3, 53, ...;
    /// the connection's template each time.
    fn sync_after_packet(&mut self, now: Instant, id: ConnId) {
        if self.sync_master.is_none() {
            return;
        }
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        c.in_pkts = c.in_pkts.wrapping_add(1);
        let pkts = c.in_pkts;
        let mut needed = true;
        if let Some(st) = c.tcp_state {
            use TcpState::*;
            if !matches!(st, Established | FinWait | Close | CloseWait | TimeWait) {
                needed = false;
            } else {
                let force = st != c.old_state;
                if !(force && st != Established) && pkts % SYNC_PERIOD != SYNC_THRESHOLD {
                    needed = false;
                }
            }
        } else if pkts % SYNC_PERIOD != SYNC_THRESHOLD {
            needed = false;
        }
        let settings_timeout = match (c.proto, c.tcp_state) {
            (Protocol::Tcp, Some(st)) => self.settings.tcp_timeout(st),
            (Protocol::Udp, _) => self.settings.udp,
            _ => self.settings.sctp,
        };
        let mut out = Vec::new();
        if needed {
            if let Some(st) = c.tcp_state {
                c.old_state = st;
            }
            let mut f = fwd_flags(c.fwd);
            if !c.no_output {
                f &= !sf::NOOUTPUT;
            }
            if c.inactive {
                f |= sf::INACTIVE;
            }
            out.push(SyncConn {
                protocol: c.proto.number(),
                flags: f,
                state: c.tcp_state.map_or(0, |s| s.index() as u16),
                cport: c.client.port(),
                vport: c.virt.port(),
                dport: c.real.port(),
                fwmark: c.fwmark,
                timeout_s: (settings_timeout.as_nanos() / 1_000_000_000) as u32,
                caddr: c.client.ip(),
                vaddr: c.virt.ip(),
                daddr: c.real.ip(),
            });
        }
        if let Some(tid) = c.template {
            if let Some(t) = self.templates.get_mut(&tid) {
                out.push(SyncConn {
                    protocol: t.proto.number(),
                    flags: sf::TEMPLATE | sf::NO_CPORT | sf::INACTIVE | fwd_flags(c.fwd),
                    state: 0,
                    cport: 0,
                    vport: t.virt.port(),
                    dport: t.real.port(),
                    fwmark: t.fwmark,
                    timeout_s: (t.timeout.as_nanos() / 1_000_000_000) as u32,
                    caddr: t.key_client_net,
                    vaddr: t.virt.ip(),
                    daddr: t.real.ip(),
                });
            }
        }
        if let Some(m) = self.sync_master.as_mut() {
            for e in out {
                m.push(now, e);
            }
        }
    }

    /// The backup side (`ip_vs_process_message` + `ip_vs_proc_conn`): create or refresh the
    /// connections and templates of a sync message received from the master. Messages whose sync id
    /// differs from `syncid` (when non-zero) are ignored. Entries for services or real servers this
    /// table does not have are skipped (the kernel would keep them unbound). Returns how many entries
    /// were applied.
    pub fn process_sync_message(
        &mut self,
        now: Instant,
        msg: &[u8],
        syncid: u8,
    ) -> Result<usize, SyncError> {
        let (id, entries) = sync::decode(msg)?;
        if syncid != 0 && id != syncid {
            return Ok(0);
        }
        let mut applied = 0;
        for e in entries {
            if self.apply_sync_entry(now, &e) {
                applied += 1;
            }
        }
        Ok(applied)
    }

    fn apply_sync_entry(&mut self, now: Instant, e: &SyncConn) -> bool {
        let Some(proto) = Protocol::from_number(e.protocol) else {
            return false;
        };
        let key = if e.fwmark != 0 {
            ServiceKey::Fwmark {
                mark: e.fwmark,
                ipv6: e.vaddr.is_ipv6(),
            }
        } else {
            let k = ServiceKey::Addr {
                proto,
                addr: e.vaddr,
                port: e.vport,
            };
            if self.services.contains_key(&k) {
                k
            } else {
                ServiceKey::Addr {
                    proto,
                    addr: e.vaddr,
                    port: 0,
                }
            }
        };
        let Some(svc) = self.services.get_mut(&key) else {
            return false;
        };
        let Some(d) = svc
            .dests
            .iter_mut()
            .find(|d| d.cfg.addr == e.daddr && (d.cfg.port == e.dport || d.cfg.port == 0))
        else {
            return false;
        };
        let dest = d.id;
        let real = SocketAddr::new(e.daddr, e.dport);
        let virt = SocketAddr::new(e.vaddr, e.vport);
        let inactive = e.flags & sf::INACTIVE != 0;
        let state = TcpState::from_index(e.state);
        let timeout = if e.timeout_s > 0 {
            Duration::from_secs(u64::from(e.timeout_s))
        } else {
            match (proto, state) {
                (Protocol::Tcp, Some(st)) if e.flags & sf::TEMPLATE == 0 => {
                    self.settings.tcp_timeout(st)
                }
                (Protocol::Udp, _) if e.flags & sf::TEMPLATE == 0 => self.settings.udp,
                _ => Duration::from_secs(180),
            }
        };
        if e.flags & sf::TEMPLATE != 0 {
            let tkey = TemplateKey {
                service: key,
                client_net: e.caddr,
            };
            if let Some(&tid) = self.template_index.get(&tkey) {
                if let Some(t) = self.templates.get_mut(&tid) {
                    if t.dest == dest {
                        self.timers.remove(&(t.expires, TimerKind::Template, tid));
                        t.expires = now + timeout;
                        self.timers.insert((t.expires, TimerKind::Template, tid));
                        return true;
                    }
                    t.hashed = false;
                }
                self.template_index.remove(&tkey);
            }
            d.persist_conns += 1;
            let tid = self.next_id;
            self.next_id += 1;
            self.templates.insert(
                tid,
                Template {
                    key_client_net: e.caddr,
                    service: key,
                    dest,
                    real,
                    expires: now + timeout,
                    timeout,
                    n_control: 0,
                    hashed: true,
                    proto,
                    virt,
                    fwmark: e.fwmark,
                },
            );
            self.template_index.insert(tkey, tid);
            self.timers
                .insert((now + timeout, TimerKind::Template, tid));
            return true;
        }
        let client = SocketAddr::new(e.caddr, e.cport);
        if let Some(&cid) = self.in_index.get(&(proto, client, virt)) {
            let same = self.conns.get(&cid).is_some_and(|c| c.real == real);
            if !same {
                if inactive {
                    // "the expiration message for the connection that was already replaced"
                    return false;
                }
                self.remove_conn(cid, true);
            } else {
                let Some(c) = self.conns.get_mut(&cid) else {
                    return false;
                };
                if c.inactive != inactive {
                    if let Some(d) = self
                        .services
                        .get_mut(&c.service)
                        .and_then(|s| s.dest_by_id_mut(c.dest))
                    {
                        if inactive {
                            d.active_conns = d.active_conns.saturating_sub(1);
                            d.inactive_conns += 1;
                        } else {
                            d.inactive_conns = d.inactive_conns.saturating_sub(1);
                            d.active_conns += 1;
                        }
                    }
                    c.inactive = inactive;
                }
                if proto == Protocol::Tcp {
                    c.tcp_state = state;
                    c.old_state = state.unwrap_or(TcpState::None);
                }
                self.set_conn_timer(cid, now + timeout);
                return true;
            }
        }
        let Some(svc) = self.services.get_mut(&key) else {
            return false;
        };
        let Some(d) = svc.dest_by_id_mut(dest) else {
            return false;
        };
        if inactive {
            d.inactive_conns += 1;
        } else {
            d.active_conns += 1;
        }
        d.update_overload_on_bind();
        let fwd = d.cfg.fwd;
        let id = ConnId(self.next_id);
        self.next_id += 1;
        self.conns.insert(
            id,
            Connection {
                id,
                proto,
                client,
                virt,
                real,
                fwd,
                tcp_state: if proto == Protocol::Tcp { state } else { None },
                expires: now + timeout,
                service: key,
                dest,
                inactive,
                no_output: e.flags & sf::NOOUTPUT != 0,
                template: None,
                in_pkts: SYNC_THRESHOLD,
                old_state: state.unwrap_or(TcpState::None),
                fwmark: e.fwmark,
            },
        );
        self.in_index.insert((proto, client, virt), id);
        self.out_index.insert((proto, real, client), id);
        self.timers.insert((now + timeout, TimerKind::Conn, id.0));
        true
    }
}

fn apply_dest_update(d: &mut Dest, cfg: DestConfig) {
    // __ip_vs_update_dest
    if cfg.weight != 0 {
        d.last_weight = cfg.weight;
    }
    if cfg.u_threshold == 0 || cfg.u_threshold > d.cfg.u_threshold {
        d.overloaded = false;
    }
    d.cfg = cfg;
}
