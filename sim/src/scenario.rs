//! Scenario files: RON text → typed [`Scenario`], with every error located as file:line:col.
//!
//! The types here are the file format: each struct and enum deserializes one construct of the file, and
//! docs/scenario-format.md documents every field. Loading also resolves what the file refers to (keepalived
//! configs relative to the scenario file, node and segment names), so a run never starts from a bad scenario.

pub use crate::host::nginx::NginxSpec;
pub use crate::host::realserver::HttpBehaviour;
pub use crate::host::tls_smtp_dns::{DnsService, HttpsService, ServiceChange, SmtpService};
use crate::net::{LinkOptions, SegmentOptions};
use crate::time::{serde_dur, Duration};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// A whole scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name for reports (defaults to the file stem).
    #[serde(default)]
    pub name: Option<String>,
    /// What the scenario shows, one paragraph.
    #[serde(default)]
    pub description: String,
    /// How much virtual time the run covers.
    #[serde(with = "serde_dur")]
    pub duration: Duration,
    /// Seed used when the command line gives none.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// L2 segments.
    pub segments: Vec<SegmentSpec>,
    /// Hosts.
    pub nodes: Vec<NodeSpec>,
    /// The fault timeline.
    #[serde(default)]
    pub faults: Vec<TimedFault>,
    /// What must hold.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

fn default_true() -> bool {
    true
}

fn default_seed() -> u64 {
    1
}

/// One L2 segment (a learning switch).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentSpec {
    /// Name, unique among segments; also the capture interface name.
    pub name: String,
    /// Link settings every port on this segment starts with.
    #[serde(default)]
    pub link: LinkOptions,
    /// Switch settings.
    #[serde(default)]
    pub switch: SegmentOptions,
}

/// Where a router's keepalived.conf comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ConfigSource {
    /// A file, relative to the scenario file.
    File(String),
    /// The config text itself.
    Inline(String),
}

/// What a scenario overrides in a router's keepalived config, per node (what a second config file would
/// change), applied to every vrrp_instance of the node unless `instance` is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Overrides {
    /// Only this vrrp_instance (by name); all instances when unset.
    pub instance: Option<String>,
    /// `state MASTER` / `state BACKUP`.
    pub state: Option<InitialState>,
    /// `priority`.
    pub priority: Option<u8>,
    /// `advert_int` in the config's units (seconds).
    pub advert_int: Option<String>,
    /// `nopreempt` when false.
    pub preempt: Option<bool>,
    /// `interface`: which NIC name the instance binds to (informational: every node has one NIC).
    pub interface: Option<String>,
}

/// A configured start state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InitialState {
    /// `state MASTER`.
    Master,
    /// `state BACKUP`.
    Backup,
}

/// The router behaviour mode (DESIGN's names).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModeName {
    /// keepalived 2.2 behaviour (default for configs read from keepalived.conf).
    #[default]
    Keepalived,
    /// Strict RFC 3768.
    Rfc3768,
    /// Strict RFC 5798.
    Rfc5798,
    /// RFC 9568.
    Rfc9568,
}

/// One host.
// A scenario has a handful of nodes, so the size of the Router variant does not matter; boxing it would only make
// every construction site noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NodeSpec {
    /// A keepalived router.
    Router(RouterSpec),
    /// A client measuring a VIP.
    Client(ClientSpec),
    /// A plain host with an HTTP responder (e.g. a real server).
    Host(HostSpec),
}

/// Fields every node has.
pub trait NodeCommon {
    /// Node name.
    fn name(&self) -> &str;
    /// Segment name.
    fn segment(&self) -> &str;
}

/// A keepalived router.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterSpec {
    /// Unique node name.
    pub name: String,
    /// Segment its NIC plugs into.
    pub segment: String,
    /// The NIC's address with prefix, e.g. "192.0.2.11/24".
    pub ip: String,
    /// The NIC's MAC, "02:00:00:00:00:11"; default 02:00:00:00:<node index, 2 bytes>.
    #[serde(default)]
    pub mac: Option<String>,
    /// A global IPv6 address with prefix, "2001:db8::11/64" (the NIC also gets its EUI-64 link-local address).
    #[serde(default)]
    pub ip6: Option<String>,
    /// keepalived.conf.
    pub config: ConfigSource,
    /// Per-node changes to that config.
    #[serde(default)]
    pub overrides: Overrides,
    /// Behaviour mode.
    #[serde(default)]
    pub mode: ModeName,
    /// Initial result of each vrrp_script by name (default: success, i.e. true).
    #[serde(default)]
    pub track_scripts: BTreeMap<String, bool>,
    /// Initial value of each vrrp_track_file by name (default 0); FILE_CHECKs read it too.
    #[serde(default)]
    pub track_files: BTreeMap<String, i64>,
    /// What each MISC_CHECK script does, by its `misc_path` command line (default: exits 0 at once).
    #[serde(default)]
    pub misc_scripts: BTreeMap<String, crate::host::services::MiscScript>,
    /// When keepalived starts on this node (default 0s); `never` keeps it stopped until a `Start` fault.
    #[serde(default, with = "serde_dur::option")]
    pub start: Option<Duration>,
    /// keepalived is not started at all until a `Start`/`Restart` fault.
    #[serde(default)]
    pub stopped: bool,
    /// TCP port of the HTTP responder served on whatever addresses the node holds (VIPs while master).
    #[serde(default = "default_http_port")]
    pub http_port: Option<u16>,
    /// Test double, not a keepalived behaviour: while MASTER this router ignores every advert that should make
    /// it step down (a higher priority, or an equal priority from a higher address). `sim explore` plants it
    /// (`--plant-bug never-step-down`) to prove it finds and shrinks such a bug; never set it otherwise.
    #[serde(default, skip_serializing_if = "is_false")]
    pub test_double_never_step_down: bool,
    /// The keepalived version the router runs, "2.2.7" (default, the version vrrpsim models) or later: keywords
    /// of later versions that vrrpsim records (`v3_checksum_as_v2`, 2.2.8) apply only when it is new enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keepalived_version: Option<String>,
    /// How long notify scripts and the notify FIFO's reader take; when set, every notify's completion is recorded
    /// (`notify done` in the timeline) and `NotifyState` can check what the outside world was last told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<NotifyOptions>,
    /// nginx on this node (the seed's nginx pair): it takes the HTTP port instead of the plain responder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nginx: Option<NginxSpec>,
}

/// The notify vocabulary of a router: how long each notify takes to complete, by the state it reports. keepalived
/// forks one process per notify script and per transition and never waits for it, so scripts run concurrently and
/// finish in the order of their durations; a `notify_fifo` gets the same events in order and its reader
/// (`notify_fifo_script`, or any program reading the FIFO) handles one at a time, taking the same durations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyOptions {
    /// Run time for a MASTER notification (`notify_master`, `notify ... MASTER`, the FIFO's MASTER line).
    #[serde(with = "serde_dur")]
    pub master: Duration,
    /// Run time for a BACKUP notification.
    #[serde(with = "serde_dur")]
    pub backup: Duration,
    /// Run time for a FAULT notification.
    #[serde(with = "serde_dur")]
    pub fault: Duration,
    /// Run time for a STOP notification.
    #[serde(with = "serde_dur")]
    pub stop: Duration,
}

impl NotifyOptions {
    /// The run time for a notification of `state` ("MASTER", "BACKUP", "FAULT", "STOP").
    pub fn duration(&self, state: &str) -> Duration {
        match state {
            "MASTER" => self.master,
            "BACKUP" => self.backup,
            "FAULT" => self.fault,
            _ => self.stop,
        }
    }
}

/// A keepalived version "MAJOR.MINOR.PATCH", comparable.
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut it = text.trim().split('.').map(|p| p.parse::<u32>().ok());
    let v = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(v)
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_http_port() -> Option<u16> {
    Some(80)
}

/// A client that requests a VIP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// Unique node name.
    pub name: String,
    /// Segment its NIC plugs into.
    pub segment: String,
    /// Address with prefix.
    pub ip: String,
    /// MAC (optional, as for routers).
    #[serde(default)]
    pub mac: Option<String>,
    /// Global IPv6 address with prefix (optional).
    #[serde(default)]
    pub ip6: Option<String>,
    /// "VIP:port" to request.
    pub target: String,
    /// One new request every `interval`.
    #[serde(with = "serde_dur", default = "default_interval")]
    pub interval: Duration,
    /// A request without a complete answer after `timeout` failed.
    #[serde(with = "serde_dur", default = "default_timeout")]
    pub timeout: Duration,
    /// First request no earlier than this.
    #[serde(with = "serde_dur", default = "default_client_start")]
    pub start: Duration,
    /// Default gateway for off-link destinations (may lie outside the node's subnet: an `onlink` route).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
}

fn default_interval() -> Duration {
    Duration::from_millis(100)
}
fn default_timeout() -> Duration {
    Duration::from_secs(1)
}
fn default_client_start() -> Duration {
    Duration::from_secs(1)
}

/// A plain host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSpec {
    /// Unique node name.
    pub name: String,
    /// Segment its NIC plugs into.
    pub segment: String,
    /// Address with prefix.
    pub ip: String,
    /// MAC (optional).
    #[serde(default)]
    pub mac: Option<String>,
    /// Global IPv6 address with prefix (optional).
    #[serde(default)]
    pub ip6: Option<String>,
    /// Addresses held on loopback (accepted, never ARPed for: LVS-DR real server, `arp_ignore=1`).
    #[serde(default)]
    pub loopback: Vec<String>,
    /// HTTP responder port.
    #[serde(default = "default_http_port")]
    pub http_port: Option<u16>,
    /// How the HTTP responder behaves at the start (default: healthy); `SetHttp` faults change it.
    #[serde(default)]
    pub http: HttpBehaviour,
    /// A UDP service (UDP_CHECK's target); none by default, so datagrams get ICMP port unreachable.
    /// `SetUdp` faults change it.
    #[serde(default)]
    pub udp: Option<crate::host::services::UdpBehaviour>,
    /// A BFD peer on UDP 3784 (BFD_CHECK's target); none by default. `SetBfd` faults change it.
    #[serde(default)]
    pub bfd: Option<crate::host::services::BfdPeerBehaviour>,
    /// Default gateway for off-link destinations (an LVS-NAT real server's is the director's VIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// Decapsulates IP-in-IP sent to its address (Linux `ipip` module with `tunl0` up: an LVS-TUN real server).
    #[serde(default, skip_serializing_if = "is_false")]
    pub ipip: bool,
    /// An HTTPS service (for SSL_GET), with a certificate from the run's test CA; `SetService` changes it.
    #[serde(default)]
    pub https: Option<HttpsService>,
    /// An SMTP service (for SMTP_CHECK); `SetService` changes it.
    #[serde(default)]
    pub smtp: Option<SmtpService>,
    /// A DNS service on UDP (for DNS_CHECK); `SetService` changes it.
    #[serde(default)]
    pub dns: Option<DnsService>,
}

impl NodeSpec {
    /// The node's name.
    pub fn name(&self) -> &str {
        match self {
            NodeSpec::Router(r) => &r.name,
            NodeSpec::Client(c) => &c.name,
            NodeSpec::Host(h) => &h.name,
        }
    }
    /// Its segment's name.
    pub fn segment(&self) -> &str {
        match self {
            NodeSpec::Router(r) => &r.segment,
            NodeSpec::Client(c) => &c.segment,
            NodeSpec::Host(h) => &h.segment,
        }
    }
    /// Its address text.
    pub fn ip(&self) -> &str {
        match self {
            NodeSpec::Router(r) => &r.ip,
            NodeSpec::Client(c) => &c.ip,
            NodeSpec::Host(h) => &h.ip,
        }
    }
    /// Its IPv6 address text, if given.
    pub fn ip6(&self) -> Option<&str> {
        match self {
            NodeSpec::Router(r) => r.ip6.as_deref(),
            NodeSpec::Client(c) => c.ip6.as_deref(),
            NodeSpec::Host(h) => h.ip6.as_deref(),
        }
    }
    /// Its MAC text, if given.
    pub fn mac(&self) -> Option<&str> {
        match self {
            NodeSpec::Router(r) => r.mac.as_deref(),
            NodeSpec::Client(c) => c.mac.as_deref(),
            NodeSpec::Host(h) => h.mac.as_deref(),
        }
    }
}

/// A fault and when it happens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedFault {
    /// Time since the start of the run.
    #[serde(with = "serde_dur")]
    pub at: Duration,
    /// What happens.
    pub fault: Fault,
}

/// The fault vocabulary. Link impairments go through [`Fault::SetLink`] with the one [`LinkOptions`] struct.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Fault {
    /// Replace a node's link settings (fields not given take their defaults, not the old values).
    SetLink {
        /// Node.
        node: String,
        /// New settings.
        link: LinkOptions,
    },
    /// Carrier loss on a node's link (both directions).
    LinkDown {
        /// Node.
        node: String,
    },
    /// Carrier back.
    LinkUp {
        /// Node.
        node: String,
    },
    /// The node's interface goes down as seen by the node itself (keepalived enters FAULT), and passes nothing.
    InterfaceDown {
        /// Node.
        node: String,
    },
    /// The node's interface comes back up.
    InterfaceUp {
        /// Node.
        node: String,
    },
    /// A second interface of the node, one that carries no simulated traffic (an uplink such as `eth1`),
    /// changes link state: only keepalived's `track_interface` sees it. Every such interface is up at start.
    OtherInterface {
        /// Node.
        node: String,
        /// Interface name as the keepalived.conf's `track_interface` spells it.
        interface: String,
        /// New link state.
        up: bool,
    },
    /// A firewall on each listed node starts dropping incoming VRRP (IP protocol 112).
    BlockVrrp {
        /// Nodes.
        nodes: Vec<String>,
    },
    /// The firewall rule is removed again.
    UnblockVrrp {
        /// Nodes.
        nodes: Vec<String>,
    },
    /// Split a segment into groups that cannot reach each other; nodes not listed form one more group.
    Partition {
        /// Segment.
        segment: String,
        /// Groups of node names.
        groups: Vec<Vec<String>>,
    },
    /// Undo a partition.
    Heal {
        /// Segment.
        segment: String,
    },
    /// The segment's switch starts (true) or stops (false) dropping multicast.
    DropMulticast {
        /// Segment.
        segment: String,
        /// On or off.
        on: bool,
    },
    /// Gratuitous ARPs from a node are lost (true) or pass again (false).
    DropGarp {
        /// Node.
        node: String,
        /// On or off.
        on: bool,
    },
    /// The node dies at once: no priority-0 advert, all state lost.
    Crash {
        /// Node.
        node: String,
    },
    /// keepalived is killed with SIGKILL: no priority-0 advert, its VIPs stay configured on the interface, the
    /// host itself keeps running (answers ARP, sends ICMP errors for unicast VRRP nobody listens to).
    Kill {
        /// Node.
        node: String,
    },
    /// A crashed or stopped node boots and starts keepalived from its config.
    Restart {
        /// Node.
        node: String,
    },
    /// keepalived stops gracefully: priority-0 adverts, VIPs released (RFC 5798 §6.4.3 shutdown).
    Stop {
        /// Node.
        node: String,
    },
    /// keepalived starts (same as Restart for a stopped node).
    Start {
        /// Node.
        node: String,
    },
    /// The node freezes for `duration`: it processes nothing, and its timers fire late when it thaws.
    Stall {
        /// Node.
        node: String,
        /// How long.
        #[serde(with = "serde_dur")]
        duration: Duration,
    },
    /// Change a router's configured priority (as a config edit + reload would).
    SetPriority {
        /// Node.
        node: String,
        /// Only this instance; all when unset.
        #[serde(default)]
        instance: Option<String>,
        /// New priority.
        priority: u8,
    },
    /// A vrrp_script's result changes.
    TrackScript {
        /// Node.
        node: String,
        /// vrrp_script name.
        script: String,
        /// true = exit 0 (success).
        ok: bool,
    },
    /// A vrrp_track_file's value changes.
    TrackFile {
        /// Node.
        node: String,
        /// vrrp_track_file name.
        file: String,
        /// New value written to the file.
        value: i64,
    },
    /// keepalived reloads its config (SIGHUP), optionally with different overrides and/or a different
    /// keepalived.conf (the file the administrator edited).
    Reload {
        /// Node.
        node: String,
        /// New overrides, if they change.
        #[serde(default)]
        overrides: Option<Overrides>,
        /// The new keepalived.conf, if it changes (a path is relative to the scenario file).
        #[serde(default)]
        config: Option<ConfigSource>,
    },
    /// A host's HTTP responder changes behaviour (a real server starts refusing, hanging, answering 500, slowly, or
    /// with a wrong body; fields not given take their defaults, so `SetHttp(node: "rs1")` makes it healthy again).
    /// A real server that crashes is `Crash`.
    SetHttp {
        /// Host node.
        node: String,
        /// New behaviour.
        #[serde(default)]
        http: HttpBehaviour,
    },
    /// A host's HTTPS, SMTP or DNS service gets a new configuration (`SetService(node: "rs1", service:
    /// Smtp(banner: 554))`); fields not given take their defaults, so `Smtp()` is a healthy SMTP service.
    SetService {
        /// Host node.
        node: String,
        /// The service and its new configuration.
        service: ServiceChange,
    },
    /// An address is deleted from the node's interface behind keepalived's back (`ip addr del`).
    RemoveAddress {
        /// Node.
        node: String,
        /// Address.
        address: String,
    },
    /// An address is added to the node's interface (`ip addr add`), e.g. the primary address that a
    /// `RemoveAddress` deleted: keepalived instances that lost their source address with it leave FAULT.
    AddAddress {
        /// Node.
        node: String,
        /// Address.
        address: String,
    },
    /// A host's UDP service changes (starts answering something else, goes silent, or closes its port;
    /// fields not given take their defaults).
    SetUdp {
        /// Host node.
        node: String,
        /// New behaviour.
        #[serde(default)]
        udp: crate::host::services::UdpBehaviour,
    },
    /// A host's BFD peer changes: `stopped: true` kills the daemon, `admin_down: true` disables its
    /// sessions, `SetBfd(node: "rs4")` restarts it with keepalived's default timers.
    SetBfd {
        /// Host node.
        node: String,
        /// New behaviour.
        #[serde(default)]
        bfd: crate::host::services::BfdPeerBehaviour,
    },
    /// A director's MISC_CHECK script (by its `misc_path` command line) changes outcome from its next
    /// run: another exit status, a run time, or a hang.
    SetMiscScript {
        /// Router node.
        node: String,
        /// The `misc_path` command line.
        script: String,
        /// New behaviour.
        #[serde(default)]
        result: crate::host::services::MiscScript,
    },
    /// The nginx process of a router node dies (`kill -9`). With `can_restart: false`, `/usr/sbin/nginx` fails
    /// from then on (a broken config, the port taken), so chk_nginx.sh cannot bring it back.
    KillNginx {
        /// Router node with `nginx`.
        node: String,
        /// Whether a later start succeeds (default true).
        #[serde(default = "yes")]
        can_restart: bool,
    },
    /// An operator starts nginx again (and whatever stopped it from starting is fixed).
    StartNginx {
        /// Router node with `nginx`.
        node: String,
    },
}

fn yes() -> bool {
    true
}

/// A time window "[from, to)".
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window(
    /// From.
    #[serde(with = "serde_dur")]
    pub Duration,
    /// To.
    #[serde(with = "serde_dur")]
    pub Duration,
);

/// What must hold over the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Expectation {
    /// At most one master per VRID at every instant outside the windows.
    SingleMaster {
        /// Only this VRID (all when unset).
        #[serde(default)]
        vrid: Option<u8>,
        /// Windows where more masters are allowed.
        #[serde(default)]
        except: Vec<Window>,
        /// Overlaps shorter than this are a handover in flight, not two masters (the old master hears the new
        /// one's first advert one link delay later).
        #[serde(default = "default_grace", with = "serde_dur")]
        grace: Duration,
    },
    /// `node` is master of the VRID at `at`.
    MasterIs {
        /// Node.
        node: String,
        /// Time.
        #[serde(with = "serde_dur")]
        at: Duration,
        /// VRID (the node's only/first one when unset).
        #[serde(default)]
        vrid: Option<u8>,
    },
    /// After `after`, a different node than the master at `after` becomes master within `within`.
    FailoverWithin {
        /// The fault's time.
        #[serde(with = "serde_dur")]
        after: Duration,
        /// Bound.
        #[serde(with = "serde_dur")]
        within: Duration,
        /// VRID (when unset: the only one).
        #[serde(default)]
        vrid: Option<u8>,
        /// The expected new master, if it matters.
        #[serde(default)]
        to: Option<String>,
    },
    /// After `after`, a different node than the master at `after` becomes master no earlier than `min` and no
    /// later than `max` after `after`: a timer formula checked from both sides.
    FailoverBetween {
        /// The fault's time.
        #[serde(with = "serde_dur")]
        after: Duration,
        /// Lower bound.
        #[serde(with = "serde_dur")]
        min: Duration,
        /// Upper bound.
        #[serde(with = "serde_dur")]
        max: Duration,
        /// VRID (when unset: the only one).
        #[serde(default)]
        vrid: Option<u8>,
        /// The expected new master, if it matters.
        #[serde(default)]
        to: Option<String>,
    },
    /// After `after`, exactly one master (optionally `master`) within `within`, and it stays until the end.
    ConvergeWithin {
        /// Start of the clock (e.g. the repair).
        #[serde(with = "serde_dur")]
        after: Duration,
        /// Bound.
        #[serde(with = "serde_dur")]
        within: Duration,
        /// VRID (when unset: the only one).
        #[serde(default)]
        vrid: Option<u8>,
        /// Who must be that master.
        #[serde(default)]
        master: Option<String>,
    },
    /// At most `max` state transitions into or out of MASTER.
    MaxTransitions {
        /// Bound.
        max: u32,
        /// Only this node.
        #[serde(default)]
        node: Option<String>,
        /// Only this VRID.
        #[serde(default)]
        vrid: Option<u8>,
    },
    /// Two or more masters of the VRID during the whole window.
    SplitBrain {
        /// VRID (when unset: the only one).
        #[serde(default)]
        vrid: Option<u8>,
        /// From.
        #[serde(with = "serde_dur")]
        from: Duration,
        /// To.
        #[serde(with = "serde_dur")]
        to: Duration,
    },
    /// Clients' requests succeed with ratio ≥ `min_ratio`, and no outage (run of failed requests) is longer
    /// than `max_outage`.
    VipReachable {
        /// Only this client.
        #[serde(default)]
        client: Option<String>,
        /// Minimum success ratio in 0..=1.
        min_ratio: f64,
        /// Longest allowed outage.
        #[serde(with = "serde_dur")]
        max_outage: Duration,
    },
    /// The clients' longest outage lies in [`min`, `max`]: asserts the outage users report (stale ARP after a
    /// failover, no master at all), measured as `VipReachable` measures it.
    ClientOutage {
        /// Only this client.
        #[serde(default)]
        client: Option<String>,
        /// Shortest accepted longest outage.
        #[serde(with = "serde_dur")]
        min: Duration,
        /// Longest accepted longest outage.
        #[serde(with = "serde_dur")]
        max: Duration,
    },
    /// LVS: every director (or `director`) that had `server` in its IPVS table at `after` removes it within
    /// `within` (health-check detection time).
    RealServerRemoved {
        /// Real server: node name, "ip" or "ip:port".
        server: String,
        /// The failure's time.
        #[serde(with = "serde_dur")]
        after: Duration,
        /// Bound.
        #[serde(with = "serde_dur")]
        within: Duration,
        /// Only this director node.
        #[serde(default)]
        director: Option<String>,
    },
    /// LVS: once a director removed a real server, it schedules no new connection to it until it adds it back.
    NoConnectionsToRemoved {
        /// Only this real server (node name, "ip" or "ip:port"); all when unset.
        #[serde(default)]
        server: Option<String>,
    },
    /// LVS persistence: on each director, a client's new connections keep going to the same real server while
    /// that server stays in the table and the client's gaps are shorter than `timeout` (persistence_timeout).
    Persistence {
        /// The virtual server's persistence_timeout.
        #[serde(with = "serde_dur")]
        timeout: Duration,
        /// Minimum number of connections that must have reused a template (so the check cannot pass vacuously).
        #[serde(default)]
        min_reused: u32,
    },
    /// nginx: after `after`, `server` (as written in the upstream block) is marked unavailable (`max_fails`
    /// reached) within `within`, after exactly `failures` failed attempts to it since `after` when given.
    UpstreamDisabled {
        /// Upstream server, "ip:port" as in the nginx config.
        server: String,
        /// Failed attempts that must precede the disabling.
        #[serde(default)]
        failures: Option<u32>,
        /// From.
        #[serde(with = "serde_dur")]
        after: Duration,
        /// Bound.
        #[serde(with = "serde_dur")]
        within: Duration,
        /// Only this nginx node.
        #[serde(default)]
        node: Option<String>,
    },
    /// nginx: every time `server` is disabled it gets no attempt for `fail_timeout`, and the first attempt
    /// after that is a probe that comes at most `within` after the window ends; at least `min_probes` probes.
    UpstreamProbed {
        /// Upstream server, "ip:port" as in the nginx config.
        server: String,
        /// The server's `fail_timeout`.
        #[serde(with = "serde_dur")]
        fail_timeout: Duration,
        /// Longest wait for the probe after the window (one second of nginx's clock plus the request gap).
        #[serde(with = "serde_dur")]
        within: Duration,
        /// Minimum number of probes.
        #[serde(default)]
        min_probes: u32,
        /// Only this nginx node.
        #[serde(default)]
        node: Option<String>,
    },
    /// nginx on `node` is listening again within `within` after `after` (restarted by chk_nginx.sh).
    NginxRestarted {
        /// Router node with `nginx`.
        node: String,
        /// From.
        #[serde(with = "serde_dur")]
        after: Duration,
        /// Bound.
        #[serde(with = "serde_dur")]
        within: Duration,
    },
    /// LVS quorum: on each director (or `director`), the first quorum change of this direction (`up`: quorum_up,
    /// else quorum_down) after `after` comes no earlier than `min` and no later than `within` after it.
    QuorumChange {
        /// True for quorum_up, false for quorum_down.
        up: bool,
        /// The cause's time.
        #[serde(with = "serde_dur")]
        after: Duration,
        /// Lower bound (hysteresis: not before the weight sum reaches quorum + hysteresis).
        #[serde(default, with = "serde_dur")]
        min: Duration,
        /// Upper bound.
        #[serde(with = "serde_dur")]
        within: Duration,
        /// Only this director node.
        #[serde(default)]
        director: Option<String>,
        /// Only this virtual server, named as in the timeline ("192.0.2.100:80/TCP", "fwmark 7", "group web").
        #[serde(default)]
        vs: Option<String>,
    },
    /// LVS sorry_server: on each director, every new connection scheduled while its virtual server is without
    /// quorum (from a quorum_down to the next quorum_up) goes to `sorry`, and none does while quorum holds; at
    /// least `min_connections` of each kind.
    SorryServerWhileQuorumDown {
        /// The sorry server: node name, "ip" or "ip:port".
        sorry: String,
        /// Minimum connections to the sorry server and to the real servers.
        #[serde(default)]
        min_connections: u32,
    },
    /// LVS director failover: each client's first new connection through the new master goes to the real server
    /// its last connection through the old master went to (`survives: true`, what `lvs_sync_daemon` gives), or
    /// at least one client lands elsewhere (`survives: false`: the new master's persistence table starts empty).
    PersistenceAcrossFailover {
        /// The failover's cause (the old master's last connections are before it, the new master's after).
        #[serde(with = "serde_dur")]
        after: Duration,
        /// Whether persistence must survive.
        #[serde(default = "default_true")]
        survives: bool,
        /// Minimum number of clients seen on both directors (so the check cannot pass vacuously).
        #[serde(default)]
        min_clients: u32,
    },
    /// The capture passes the conformance checker with zero errors, apart from the listed rule IDs.
    CaptureConforms {
        /// Profile name (`auto`, `keepalived`, `rfc3768`, `rfc5798`, `rfc9568`).
        #[serde(default = "default_profile")]
        profile: String,
        /// Rule IDs whose findings are expected.
        #[serde(default)]
        expected: Vec<String>,
    },
    /// `node`'s instance of the VRID is in `state` ("MASTER", "BACKUP", "FAULT", "INIT" or "DOWN") at `at`:
    /// for states other than MASTER (an instance stuck in FAULT, a router that stayed BACKUP).
    StateIs {
        /// Node.
        node: String,
        /// Time.
        #[serde(with = "serde_dur")]
        at: Duration,
        /// State name as keepalived logs it.
        state: String,
        /// VRID (when unset: the node's only one).
        #[serde(default)]
        vrid: Option<u8>,
    },
    /// What the outside world was last told about `node`'s instance at `at`: the state of the notification that
    /// completed last (needs the router's `notify` options). `via` is `"script"` (notify_master / notify_backup /
    /// ... / notify scripts) or `"fifo"` (the notify FIFO's reader); unset: the FIFO when the config has one.
    NotifyState {
        /// Node.
        node: String,
        /// Time.
        #[serde(with = "serde_dur")]
        at: Duration,
        /// "MASTER", "BACKUP", "FAULT" or "STOP".
        state: String,
        /// Only this vrrp_instance (when unset: the node's only one).
        #[serde(default)]
        instance: Option<String>,
        /// "script" or "fifo".
        #[serde(default)]
        via: Option<String>,
    },
}

/// The states a notify reports, as `NotifyState` names them.
pub const NOTIFY_STATES: [&str; 4] = ["MASTER", "BACKUP", "FAULT", "STOP"];

/// The state names a `StateIs` expectation accepts.
pub const STATE_NAMES: [&str; 5] = ["MASTER", "BACKUP", "FAULT", "INIT", "DOWN"];

fn default_grace() -> Duration {
    Duration::from_millis(10)
}

fn default_profile() -> String {
    "auto".into()
}

/// A scenario problem, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 when the file could not be read).
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.col,
                self.message
            )
        }
    }
}

/// A scenario read from a file, with its origin.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// Where it came from.
    pub path: PathBuf,
    /// Its text (for locating later errors).
    pub text: String,
    /// The parsed scenario.
    pub scenario: Scenario,
}

impl Loaded {
    /// The scenario's name: its `name` field, or the file stem.
    pub fn name(&self) -> String {
        self.scenario.name.clone().unwrap_or_else(|| {
            self.path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
    }

    /// A located error about the first occurrence of `needle` (quoted) in the file, or the file start.
    pub fn error_at(&self, needle: &str, message: String) -> ScenarioError {
        let quoted = format!("\"{needle}\"");
        let (line, col) = match self.text.find(&quoted) {
            Some(off) => line_col(&self.text, off),
            None => (1, 1),
        };
        ScenarioError {
            file: self.path.clone(),
            line,
            col,
            message,
        }
    }

    /// Resolves a config path relative to the scenario file.
    pub fn resolve(&self, rel: &str) -> PathBuf {
        let base = self.path.parent().unwrap_or(Path::new("."));
        base.join(rel)
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Parses scenario text; `path` is used for error locations and relative config paths.
pub fn parse_str(path: &Path, text: &str) -> Result<Loaded, ScenarioError> {
    let options = ron::Options::default().with_default_extension(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    );
    let scenario: Scenario = options.from_str(text).map_err(|e| ScenarioError {
        file: path.to_path_buf(),
        line: e.span.start.line.max(1),
        col: e.span.start.col.max(1),
        message: e.code.to_string(),
    })?;
    let loaded = Loaded {
        path: path.to_path_buf(),
        text: text.to_string(),
        scenario,
    };
    validate(&loaded)?;
    Ok(loaded)
}

/// Reads and parses a scenario file.
pub fn load(path: &Path) -> Result<Loaded, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.to_path_buf(),
        line: 0,
        col: 0,
        message: format!("cannot read: {e}"),
    })?;
    parse_str(path, &text)
}

/// Parses "a.b.c.d/len".
pub fn parse_cidr(text: &str) -> Option<(Ipv4Addr, u8)> {
    let (ip, len) = text.split_once('/').unwrap_or((text, "24"));
    let ip: Ipv4Addr = ip.trim().parse().ok()?;
    let len: u8 = len.trim().parse().ok()?;
    (len <= 32).then_some((ip, len))
}

/// Parses "aa:bb:cc:dd:ee:ff".
pub fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for b in &mut mac {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

/// Parses "a.b.c.d:port" or "[v6]:port".
pub fn parse_target(text: &str) -> Option<(std::net::IpAddr, u16)> {
    text.parse::<std::net::SocketAddr>()
        .ok()
        .map(|a| (a.ip(), a.port()))
}

/// Parses "2001:db8::1/64".
pub fn parse_cidr6(text: &str) -> Option<(std::net::Ipv6Addr, u8)> {
    let (ip, len) = text.split_once('/').unwrap_or((text, "64"));
    let ip: std::net::Ipv6Addr = ip.trim().parse().ok()?;
    let len: u8 = len.trim().parse().ok()?;
    (len <= 128).then_some((ip, len))
}

fn validate(l: &Loaded) -> Result<(), ScenarioError> {
    let s = &l.scenario;
    let mut segs = BTreeMap::new();
    for seg in &s.segments {
        if segs.insert(seg.name.as_str(), ()).is_some() {
            return Err(l.error_at(&seg.name, format!("segment {:?} defined twice", seg.name)));
        }
        check_link(l, &seg.name, &seg.link)?;
    }
    let mut nodes = BTreeMap::new();
    for n in &s.nodes {
        if nodes.insert(n.name(), ()).is_some() {
            return Err(l.error_at(n.name(), format!("node {:?} defined twice", n.name())));
        }
        if !segs.contains_key(n.segment()) {
            return Err(l.error_at(
                n.segment(),
                format!("node {:?}: unknown segment {:?}", n.name(), n.segment()),
            ));
        }
        if parse_cidr(n.ip()).is_none() {
            return Err(l.error_at(
                n.ip(),
                format!(
                    "node {:?}: invalid address {:?} (write \"192.0.2.11/24\")",
                    n.name(),
                    n.ip()
                ),
            ));
        }
        let gateway = match n {
            NodeSpec::Client(c) => c.gateway.as_deref(),
            NodeSpec::Host(h) => h.gateway.as_deref(),
            NodeSpec::Router(_) => None,
        };
        if let Some(g) = gateway {
            if g.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(l.error_at(
                    g,
                    format!(
                        "node {:?}: invalid gateway {g:?} (write \"192.0.2.1\")",
                        n.name()
                    ),
                ));
            }
        }
        if let Some(a) = n.ip6() {
            if parse_cidr6(a).is_none() {
                return Err(l.error_at(
                    a,
                    format!(
                        "node {:?}: invalid IPv6 address {a:?} (write \"2001:db8::11/64\")",
                        n.name()
                    ),
                ));
            }
        }
        if let Some(mac) = n.mac() {
            if parse_mac(mac).is_none() {
                return Err(l.error_at(mac, format!("node {:?}: invalid MAC {mac:?}", n.name())));
            }
        }
        match n {
            NodeSpec::Client(c) if parse_target(&c.target).is_none() => {
                return Err(l.error_at(
                    &c.target,
                    format!(
                        "client {:?}: invalid target {:?} (write \"192.0.2.100:80\" or \"[2001:db8::100]:80\")",
                        c.name, c.target
                    ),
                ));
            }
            NodeSpec::Host(h) => {
                for a in &h.loopback {
                    if a.parse::<Ipv4Addr>().is_err() {
                        return Err(l.error_at(
                            a,
                            format!("host {:?}: invalid loopback address {a:?}", h.name),
                        ));
                    }
                }
            }
            NodeSpec::Router(r) => {
                if let Some(v) = &r.keepalived_version {
                    if parse_version(v).is_none_or(|v| v < (2, 2, 7)) {
                        return Err(l.error_at(
                            v,
                            format!(
                                "router {:?}: keepalived_version {v:?} is not a version from \"2.2.7\" on (write \"2.2.8\")",
                                r.name
                            ),
                        ));
                    }
                }
                if let Some(NginxSpec {
                    config: ConfigSource::File(f),
                    ..
                }) = &r.nginx
                {
                    if !l.resolve(f).is_file() {
                        return Err(l.error_at(
                            f,
                            format!(
                                "router {:?}: nginx config {} not found",
                                r.name,
                                l.resolve(f).display()
                            ),
                        ));
                    }
                }
                if let ConfigSource::File(f) = &r.config {
                    let p = l.resolve(f);
                    if !p.is_file() {
                        return Err(l.error_at(
                            f,
                            format!("router {:?}: config file {} not found", r.name, p.display()),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    let node = |name: &str| -> Result<(), ScenarioError> {
        if nodes.contains_key(name) {
            Ok(())
        } else {
            Err(l.error_at(name, format!("unknown node {name:?}")))
        }
    };
    let seg = |name: &str| -> Result<(), ScenarioError> {
        if segs.contains_key(name) {
            Ok(())
        } else {
            Err(l.error_at(name, format!("unknown segment {name:?}")))
        }
    };
    for f in &s.faults {
        if f.at > s.duration {
            return Err(l.error_at(
                "",
                format!(
                    "fault at {} is after the end of the run",
                    crate::time::format_duration(f.at)
                ),
            ));
        }
        match &f.fault {
            Fault::SetLink { node: n, link } => {
                node(n)?;
                check_link(l, n, link)?;
            }
            Fault::LinkDown { node: n }
            | Fault::LinkUp { node: n }
            | Fault::InterfaceDown { node: n }
            | Fault::InterfaceUp { node: n }
            | Fault::OtherInterface { node: n, .. }
            | Fault::DropGarp { node: n, .. }
            | Fault::Crash { node: n }
            | Fault::Kill { node: n }
            | Fault::Restart { node: n }
            | Fault::Stop { node: n }
            | Fault::Start { node: n }
            | Fault::Stall { node: n, .. }
            | Fault::SetPriority { node: n, .. }
            | Fault::TrackScript { node: n, .. }
            | Fault::TrackFile { node: n, .. }
            | Fault::SetMiscScript { node: n, .. } => node(n)?,
            Fault::Reload {
                node: n, config, ..
            } => {
                node(n)?;
                if !s
                    .nodes
                    .iter()
                    .any(|x| matches!(x, NodeSpec::Router(r) if r.name == *n))
                {
                    return Err(l.error_at(n, format!("Reload: {n:?} is not a Router node")));
                }
                if let Some(ConfigSource::File(f)) = config {
                    let p = l.resolve(f);
                    if !p.is_file() {
                        return Err(l.error_at(
                            f,
                            format!("Reload of {n:?}: config file {} not found", p.display()),
                        ));
                    }
                }
            }
            Fault::SetUdp { node: n, .. }
            | Fault::SetBfd { node: n, .. }
            | Fault::SetService { node: n, .. } => {
                node(n)?;
                if !s
                    .nodes
                    .iter()
                    .any(|x| matches!(x, NodeSpec::Host(h) if h.name == *n))
                {
                    return Err(l.error_at(n, format!("{n:?} is not a Host node")));
                }
            }
            Fault::SetHttp { node: n, .. } => {
                node(n)?;
                if !s
                    .nodes
                    .iter()
                    .any(|x| matches!(x, NodeSpec::Host(h) if h.name == *n))
                {
                    return Err(l.error_at(n, format!("SetHttp: {n:?} is not a Host node")));
                }
            }
            Fault::KillNginx { node: n, .. } | Fault::StartNginx { node: n } => {
                node(n)?;
                if !s
                    .nodes
                    .iter()
                    .any(|x| matches!(x, NodeSpec::Router(r) if r.name == *n && r.nginx.is_some()))
                {
                    return Err(l.error_at(n, format!("{n:?} is not a Router node with nginx")));
                }
            }
            Fault::RemoveAddress { node: n, address } | Fault::AddAddress { node: n, address } => {
                node(n)?;
                if address.parse::<Ipv4Addr>().is_err() {
                    return Err(l.error_at(address, format!("invalid address {address:?}")));
                }
            }
            Fault::BlockVrrp { nodes: ns } | Fault::UnblockVrrp { nodes: ns } => {
                for n in ns {
                    node(n)?;
                }
            }
            Fault::Partition { segment, groups } => {
                seg(segment)?;
                for n in groups.iter().flatten() {
                    node(n)?;
                }
            }
            Fault::Heal { segment } | Fault::DropMulticast { segment, .. } => seg(segment)?,
        }
    }
    for e in &s.expect {
        match e {
            Expectation::MasterIs { node: n, .. } => node(n)?,
            Expectation::NotifyState {
                node: n,
                state,
                via,
                ..
            } => {
                node(n)?;
                if !NOTIFY_STATES.contains(&state.as_str()) {
                    return Err(l.error_at(
                        state,
                        format!(
                            "unknown notify state {state:?} (one of {})",
                            NOTIFY_STATES.join(", ")
                        ),
                    ));
                }
                if let Some(v) = via {
                    if v != "script" && v != "fifo" {
                        return Err(
                            l.error_at(v, format!("via {v:?}: write \"script\" or \"fifo\""))
                        );
                    }
                }
                let has_notify = s.nodes.iter().any(
                    |x| matches!(x, NodeSpec::Router(r) if r.name == *n && r.notify.is_some()),
                );
                if !has_notify {
                    return Err(l.error_at(
                        n,
                        format!("NotifyState: router {n:?} needs `notify: (...)` durations"),
                    ));
                }
            }
            Expectation::StateIs { node: n, state, .. } => {
                node(n)?;
                if !STATE_NAMES.contains(&state.as_str()) {
                    return Err(l.error_at(
                        state,
                        format!(
                            "unknown state {state:?} (one of {})",
                            STATE_NAMES.join(", ")
                        ),
                    ));
                }
            }
            Expectation::FailoverWithin { to: Some(n), .. }
            | Expectation::FailoverBetween { to: Some(n), .. }
            | Expectation::ConvergeWithin {
                master: Some(n), ..
            } => node(n)?,
            Expectation::MaxTransitions { node: Some(n), .. } => node(n)?,
            Expectation::UpstreamDisabled { node: Some(n), .. }
            | Expectation::UpstreamProbed { node: Some(n), .. }
            | Expectation::NginxRestarted { node: n, .. } => node(n)?,
            Expectation::RealServerRemoved {
                director: Some(n), ..
            } => node(n)?,
            Expectation::QuorumChange {
                director: Some(n), ..
            } => node(n)?,
            Expectation::VipReachable {
                client: Some(n),
                min_ratio,
                ..
            } => {
                node(n)?;
                check_ratio(l, *min_ratio)?;
            }
            Expectation::VipReachable { min_ratio, .. } => check_ratio(l, *min_ratio)?,
            Expectation::ClientOutage { client, min, max } => {
                if let Some(n) = client {
                    node(n)?;
                }
                if min > max {
                    let (line, col) = l
                        .text
                        .find("ClientOutage")
                        .map_or((1, 1), |off| line_col(&l.text, off));
                    return Err(ScenarioError {
                        file: l.path.clone(),
                        line,
                        col,
                        message: format!(
                            "ClientOutage: min {} is larger than max {}",
                            crate::time::format_duration(*min),
                            crate::time::format_duration(*max)
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    validate_services(l)?;
    Ok(())
}

/// The UDP / BFD services of hosts, initial and in faults: a reply must be hex (keepalived's notation), BFD
/// timers within keepalived's `bfd_instance` ranges (min_rx and min_tx at least 1 ms, idle_tx at least 1 s,
/// multiplier at least 1).
fn validate_services(l: &Loaded) -> Result<(), ScenarioError> {
    use crate::host::services::{BfdPeerBehaviour, UdpBehaviour};
    let s = &l.scenario;
    let udp = |owner: &str, u: &UdpBehaviour| match &u.reply {
        Some(r) if lvs::check::read_hex_str(r, false).is_none() => Err(l.error_at(
            r,
            format!("{owner}: UDP reply {r:?} is not hex (write \"4f4b\")"),
        )),
        _ if u.port == 0 => Err(l.error_at(owner, format!("{owner}: UDP port 0"))),
        _ => Ok(()),
    };
    let bfd = |owner: &str, b: &BfdPeerBehaviour| {
        let ms = Duration::from_millis(1);
        if b.min_rx < ms || b.min_tx < ms || b.idle_tx < Duration::from_secs(1) || b.multiplier == 0
        {
            Err(l.error_at(
                owner,
                format!("{owner}: BFD timers need min_rx, min_tx >= 1ms, idle_tx >= 1s, multiplier >= 1"),
            ))
        } else {
            Ok(())
        }
    };
    for n in &s.nodes {
        if let NodeSpec::Host(h) = n {
            if let Some(u) = &h.udp {
                udp(&h.name, u)?;
            }
            if let Some(b) = &h.bfd {
                bfd(&h.name, b)?;
            }
        }
    }
    for f in &s.faults {
        match &f.fault {
            Fault::SetUdp { node, udp: u } => udp(node, u)?,
            Fault::SetBfd { node, bfd: b } => bfd(node, b)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_ratio(l: &Loaded, p: f64) -> Result<(), ScenarioError> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(l.error_at("min_ratio", format!("min_ratio {p} is not in 0..=1")))
    }
}

fn check_link(l: &Loaded, owner: &str, o: &LinkOptions) -> Result<(), ScenarioError> {
    for (name, p) in [
        ("loss", o.loss),
        ("loss_in", o.loss_in),
        ("loss_out", o.loss_out),
        ("duplicate", o.duplicate),
        ("reorder", o.reorder),
    ] {
        if !(0.0..=1.0).contains(&p) {
            return Err(l.error_at(
                owner,
                format!("{owner}: link {name} = {p} is not a probability in 0..=1"),
            ));
        }
    }
    Ok(())
}
