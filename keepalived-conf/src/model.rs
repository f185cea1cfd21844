//! The typed model of a keepalived.conf: one struct per block, one field per keyword that the
//! simulator or a lint needs, `Option` for every keyword that may be left unset (so callers can
//! apply keepalived's defaults; helper methods give those defaults), and an `extra` list per
//! block that keeps every other recognised keyword with its words, so nothing is lost.
//!
//! Times are `std::time::Duration` (exact: `advert_int 0.1` is 100 ms). Scripts are kept as
//! the command line keepalived would run.

use crate::diag::Span;
use serde::Serialize;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

/// A recognised keyword that has no typed field: its name and words, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The keyword.
    pub keyword: String,
    /// Its words after the keyword.
    pub args: Vec<String>,
    /// For a keyword that opens a block: the block's keywords (or, for a value block, one
    /// entry per line: first word as `keyword`, the rest as `args`).
    pub block: Option<Vec<Setting>>,
    /// Where it was written.
    #[serde(skip)]
    pub span: Span,
}

/// A whole configuration (all files, includes resolved).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Config {
    /// `global_defs`.
    pub global_defs: GlobalDefs,
    /// `vrrp_script` blocks, in file order.
    pub vrrp_scripts: Vec<VrrpScript>,
    /// `track_file` and its deprecated alias `vrrp_track_file`.
    pub vrrp_track_files: Vec<TrackFile>,
    /// `vrrp_track_process` blocks.
    pub vrrp_track_processes: Vec<TrackProcess>,
    /// `vrrp_instance` blocks, in file order.
    pub vrrp_instances: Vec<VrrpInstance>,
    /// `vrrp_sync_group` blocks.
    pub sync_groups: Vec<SyncGroup>,
    /// `garp_group` blocks.
    pub garp_groups: Vec<Setting>,
    /// `track_group` blocks (name and member instances).
    pub track_groups: Vec<Setting>,
    /// `static_ipaddress` entries.
    pub static_ipaddresses: Vec<VirtualIp>,
    /// `static_routes` entries (words of each line).
    pub static_routes: Vec<IpRoute>,
    /// `static_rules` entries.
    pub static_rules: Vec<IpRule>,
    /// `linkbeat_interfaces` names.
    pub linkbeat_interfaces: Vec<String>,
    /// `virtual_server_group` blocks.
    pub virtual_server_groups: Vec<VirtualServerGroup>,
    /// `virtual_server` blocks.
    pub virtual_servers: Vec<VirtualServer>,
    /// `bfd_instance` blocks.
    pub bfd_instances: Vec<BfdInstance>,
    /// The top-level `SSL` block (for SSL_GET).
    pub ssl: Option<Vec<Setting>>,
    /// Other top-level keywords (`interface_up_down_delays`, `net_namespace`, ...).
    pub extra: Vec<Setting>,
}

/// `global_defs`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct GlobalDefs {
    /// `router_id`.
    pub router_id: Option<String>,
    /// `notification_email { ... }` addresses.
    pub notification_email: Vec<String>,
    /// `notification_email_from`.
    pub notification_email_from: Option<String>,
    /// `smtp_server` (address, optional port).
    pub smtp_server: Option<(IpAddr, Option<u16>)>,
    /// `smtp_connect_timeout`.
    pub smtp_connect_timeout: Option<Duration>,
    /// `vrrp_version` (2 or 3): the default version of every instance.
    pub vrrp_version: Option<u8>,
    /// `vrrp_strict`.
    pub vrrp_strict: bool,
    /// `vrrp_mcast_group4`.
    pub vrrp_mcast_group4: Option<IpAddr>,
    /// `vrrp_mcast_group6`.
    pub vrrp_mcast_group6: Option<IpAddr>,
    /// `vrrp_garp_master_delay` (seconds).
    pub vrrp_garp_master_delay: Option<Duration>,
    /// `vrrp_garp_master_repeat`.
    pub vrrp_garp_master_repeat: Option<u32>,
    /// `vrrp_startup_delay` (seconds, up to 6 decimals): after keepalived starts (not on reload), no
    /// instance becomes master before the delay ends; a backup's Master_Down_Timer runs from its end.
    pub vrrp_startup_delay: Option<Duration>,
    /// `vrrp_garp_master_refresh`.
    pub vrrp_garp_master_refresh: Option<Duration>,
    /// `vrrp_garp_master_refresh_repeat`.
    pub vrrp_garp_master_refresh_repeat: Option<u32>,
    /// `vrrp_garp_interval`.
    pub vrrp_garp_interval: Option<Duration>,
    /// `vrrp_gna_interval`.
    pub vrrp_gna_interval: Option<Duration>,
    /// `vrrp_skip_check_adv_addr`.
    pub vrrp_skip_check_adv_addr: bool,
    /// `v3_checksum_as_v2` (keepalived ≥ 2.2.8; 2.2.7 ignores it with "Unknown keyword", reported as
    /// `keyword-too-new`): VRRPv3 over IPv4 checksums without the pseudo-header, for every instance.
    /// Serialized only when set (a 2.2.8 keyword: configs for 2.2.7 never have it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub v3_checksum_as_v2: bool,
    /// `vrrp_check_unicast_src`.
    pub vrrp_check_unicast_src: bool,
    /// `vrrp_lower_prio_no_advert`.
    pub vrrp_lower_prio_no_advert: Option<bool>,
    /// `vrrp_higher_prio_send_advert`.
    pub vrrp_higher_prio_send_advert: Option<bool>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `script_user` (user, optional group).
    pub script_user: Option<(String, Option<String>)>,
    /// `lvs_sync_daemon` words.
    pub lvs_sync_daemon: Option<Vec<String>>,
    /// `dynamic_interfaces`.
    pub dynamic_interfaces: bool,
    /// `max_auto_priority`.
    pub max_auto_priority: Option<i32>,
    /// Every other global keyword with its words.
    pub extra: Vec<Setting>,
}

/// How a vrrp_script or notify script is run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Script {
    /// The command line as written (quotes removed by the lexer).
    pub command: String,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

impl Script {
    /// The words keepalived 2.x execs (no shell): split on white space, honouring `'...'` and
    /// `"..."` quoting inside the command string.
    pub fn argv(&self) -> Vec<String> {
        split_command(&self.command)
    }

    /// Shell syntax that only a shell understands and that keepalived 2.x (which execs the
    /// program directly) passes as plain arguments: `[[`, `&&`, `||`, `|`, `;`, `>`, `<`, `$(`,
    /// backquotes, `*`. Returns the first one found.
    pub fn shell_syntax(&self) -> Option<&'static str> {
        const TOKENS: &[&str] = &[
            "[[", "&&", "||", "$(", "`", ">>", "2>", ">", "<", "|", ";", "*",
        ];
        let argv = self.argv();
        // Only unquoted words count: keepalived passes quoted words verbatim as arguments,
        // which `sh -c '...'` legitimately relies on.
        let is_sh_c = argv.len() >= 3
            && argv.first().is_some_and(|p| p.ends_with("sh"))
            && argv.get(1).is_some_and(|a| a == "-c");
        if is_sh_c {
            return None;
        }
        for w in &argv {
            for t in TOKENS {
                if w.contains(t) {
                    return Some(t);
                }
            }
        }
        None
    }
}

/// Whether a script's first word is shell syntax rather than a program name (`[[`, `&&`,
/// `a|b`, `x>y`, `$(...)`, `(`, `{`, `!`, ...): keepalived 2.x execs that word and fails.
pub fn is_shell_word(prog: &str) -> bool {
    prog.starts_with("[[")
        || prog.starts_with(['(', '{', '!'])
        || ["&&", "||", "|", ";", ">", "$(", "`", "="]
            .iter()
            .any(|t| prog.contains(t))
        || (prog.starts_with('<') && !prog[1..].trim_start().starts_with('/'))
}

/// Splits a keepalived script command line into argv (keepalived's `'`/`"` quoting, `\` escape).
pub fn split_command(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, ' ' | '\t') => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (_, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// `vrrp_script NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VrrpScript {
    /// The script's name (what `track_script` refers to).
    pub name: String,
    /// `script` (None: keepalived removes the vrrp_script).
    pub script: Option<Script>,
    /// `interval` (default 1 s).
    pub interval: Option<Duration>,
    /// `timeout` (default: the interval).
    pub timeout: Option<Duration>,
    /// `weight` (-253..253; default 0), and whether `reverse` was given.
    pub weight: Option<i32>,
    /// `weight ... reverse`.
    pub weight_reverse: bool,
    /// `rise` (default 1).
    pub rise: Option<u32>,
    /// `fall` (default 1).
    pub fall: Option<u32>,
    /// `user USER [GROUP]`.
    pub user: Option<(String, Option<String>)>,
    /// `init_fail`.
    pub init_fail: bool,
    /// Where the block starts.
    #[serde(skip)]
    pub span: Span,
}

impl VrrpScript {
    /// keepalived's effective interval (default 1 s).
    pub fn effective_interval(&self) -> Duration {
        self.interval.unwrap_or(Duration::from_secs(1))
    }

    /// keepalived's effective weight (default 0).
    pub fn effective_weight(&self) -> i32 {
        self.weight.unwrap_or(0)
    }

    /// Would keepalived 2.2.7 disable this script at start-up, and why? keepalived execs the
    /// first word of `script` directly (no shell); when that file does not exist or is not
    /// executable it logs "Disabling track script NAME since not found/accessible" and the
    /// script's weight never applies. `exists` is the caller's notion of which files exist and
    /// are executable (the simulator passes its own).
    pub fn keepalived_disables(&self, exists: impl Fn(&Path) -> bool) -> Option<String> {
        let Some(script) = &self.script else {
            return Some(format!(
                "No script set for vrrp_script {} - removing",
                self.name
            ));
        };
        let argv = script.argv();
        let Some(prog) = argv.first() else {
            return Some(format!(
                "No script set for vrrp_script {} - removing",
                self.name
            ));
        };
        // "</path": keepalived only tests that the file can be opened; it never disables it.
        if prog.starts_with('<') && prog[1..].trim_start().starts_with('/') {
            return None;
        }
        // Shell syntax is never a program, whatever the file system holds.
        if is_shell_word(prog) {
            return Some(format!(
                "Disabling track script {} since not found/accessible",
                self.name
            ));
        }
        // A bare name is looked up in keepalived's default PATH.
        let found = if prog.contains('/') {
            exists(Path::new(prog))
        } else {
            [
                "/usr/local/sbin",
                "/usr/local/bin",
                "/usr/sbin",
                "/usr/bin",
                "/sbin",
                "/bin",
            ]
            .iter()
            .any(|d| exists(&Path::new(d).join(prog)))
        };
        if found {
            None
        } else {
            Some(format!(
                "Disabling track script {} since not found/accessible",
                self.name
            ))
        }
    }
}

/// `track_file NAME { ... }` (or the deprecated `vrrp_track_file`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackFile {
    /// Name.
    pub name: String,
    /// `file PATH`.
    pub file: Option<String>,
    /// `weight W [reverse]` (default 1).
    pub weight: Option<i32>,
    /// `weight ... reverse`.
    pub weight_reverse: bool,
    /// `init_file [VALUE] [overwrite]` words.
    pub init_file: Option<Vec<String>>,
    /// Written as the deprecated `vrrp_track_file`.
    pub deprecated_alias: bool,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// `vrrp_track_process NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackProcess {
    /// Name.
    pub name: String,
    /// `process` words.
    pub process: Option<Vec<String>>,
    /// `weight`.
    pub weight: Option<i32>,
    /// `quorum`.
    pub quorum: Option<u32>,
    /// Other keywords.
    pub extra: Vec<Setting>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InitialState {
    /// `MASTER`.
    Master,
    /// `BACKUP` (or anything keepalived does not know, which it turns into BACKUP).
    Backup,
}

/// `auth_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuthType {
    /// `PASS` (RFC 2338 simple text password).
    Pass,
    /// `AH` (IPsec AH).
    Ah,
}

/// `authentication { ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Authentication {
    /// `auth_type`.
    pub auth_type: Option<AuthType>,
    /// `auth_pass`, truncated to 8 bytes as keepalived does.
    pub auth_pass: Option<String>,
}

/// One address of `virtual_ipaddress`, `virtual_ipaddress_excluded` or `static_ipaddress`:
/// `ADDR[/LEN] [brd X] [dev IF] [scope S] [label L] [no_track] ...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VirtualIp {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (keepalived's default: 32 / 128).
    pub prefix_len: Option<u8>,
    /// `brd`.
    pub broadcast: Option<String>,
    /// `dev` (default: the instance's interface).
    pub dev: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `label`.
    pub label: Option<String>,
    /// `no_track`.
    pub no_track: bool,
    /// Remaining words (`preferred_lft`, `home`, `use_vmac`, ...).
    pub options: Vec<String>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// A `virtual_routes` / `static_routes` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpRoute {
    /// Destination (`src X` forms and `blackhole`/`unreachable` keep it here too).
    pub to: Option<String>,
    /// `via`/`gw`.
    pub via: Option<IpAddr>,
    /// `dev`.
    pub dev: Option<String>,
    /// All words as written.
    pub words: Vec<String>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// A `virtual_rules` / `static_rules` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpRule {
    /// All words as written.
    pub words: Vec<String>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// A `track_script` / `track_file` / `track_process` / `track_bfd` / `track_interface` entry:
/// `NAME [weight W [reverse]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackRef {
    /// The referenced name (script, file, process, bfd, interface).
    pub name: String,
    /// The weight override, if given.
    pub weight: Option<i32>,
    /// `reverse`.
    pub reverse: bool,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// `unicast_peer { ADDR [min_ttl N] [max_ttl N] }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnicastPeer {
    /// Peer address.
    pub addr: IpAddr,
    /// Other words.
    pub options: Vec<String>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// `vrrp_instance NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VrrpInstance {
    /// The instance name.
    pub name: String,
    /// `state MASTER|BACKUP`.
    pub state: Option<InitialState>,
    /// `interface`.
    pub interface: Option<String>,
    /// `virtual_router_id` (1..255). None when unset or invalid (keepalived then refuses the
    /// instance: "the virtual router id must be set").
    pub virtual_router_id: Option<u8>,
    /// `priority` (1..255).
    pub priority: Option<u8>,
    /// `advert_int` as written (v3 allows fractions such as 0.1).
    pub advert_int: Option<Duration>,
    /// `version` (2 or 3).
    pub version: Option<u8>,
    /// `authentication { ... }`.
    pub authentication: Option<Authentication>,
    /// `virtual_ipaddress`.
    pub virtual_ipaddress: Vec<VirtualIp>,
    /// `virtual_ipaddress_excluded`.
    pub virtual_ipaddress_excluded: Vec<VirtualIp>,
    /// `virtual_routes`.
    pub virtual_routes: Vec<IpRoute>,
    /// `virtual_rules`.
    pub virtual_rules: Vec<IpRule>,
    /// `track_interface`.
    pub track_interface: Vec<TrackRef>,
    /// `track_script`.
    pub track_script: Vec<TrackRef>,
    /// `track_file`.
    pub track_file: Vec<TrackRef>,
    /// `track_process`.
    pub track_process: Vec<TrackRef>,
    /// `track_bfd`.
    pub track_bfd: Vec<TrackRef>,
    /// `notify_master`.
    pub notify_master: Option<Script>,
    /// `notify_backup`.
    pub notify_backup: Option<Script>,
    /// `notify_fault`.
    pub notify_fault: Option<Script>,
    /// `notify_stop`.
    pub notify_stop: Option<Script>,
    /// `notify`.
    pub notify: Option<Script>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `use_vmac [NAME]`: Some(None) when given without a name.
    pub use_vmac: Option<Option<String>>,
    /// `vmac_xmit_base`.
    pub vmac_xmit_base: bool,
    /// `garp_master_delay` (default 5 s).
    pub garp_master_delay: Option<Duration>,
    /// `garp_master_repeat` (default 5).
    pub garp_master_repeat: Option<u32>,
    /// `garp_master_refresh`.
    pub garp_master_refresh: Option<Duration>,
    /// `garp_master_refresh_repeat`.
    pub garp_master_refresh_repeat: Option<u32>,
    /// `garp_lower_prio_delay`.
    pub garp_lower_prio_delay: Option<Duration>,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_repeat: Option<u32>,
    /// `nopreempt` (`preempt` clears it).
    pub nopreempt: bool,
    /// `preempt_delay` (0..1000 s).
    pub preempt_delay: Option<Duration>,
    /// `accept` (Some(true)) / `no_accept` (Some(false)).
    pub accept: Option<bool>,
    /// `unicast_src_ip`.
    pub unicast_src_ip: Option<IpAddr>,
    /// `mcast_src_ip`.
    pub mcast_src_ip: Option<IpAddr>,
    /// `unicast_peer { ... }`.
    pub unicast_peer: Vec<UnicastPeer>,
    /// `unicast_ttl`.
    pub unicast_ttl: Option<u8>,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `strict_mode` (None: the global `vrrp_strict`).
    pub strict_mode: Option<bool>,
    /// `native_ipv6`.
    pub native_ipv6: bool,
    /// `skip_check_adv_addr`.
    pub skip_check_adv_addr: Option<bool>,
    /// `v3_checksum_as_v2 [BOOL]` (keepalived ≥ 2.2.8; 2.2.7 ignores it, reported as `keyword-too-new`).
    /// Serialized only when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v3_checksum_as_v2: Option<bool>,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: Option<bool>,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: Option<bool>,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// `down_timer_adverts`.
    pub down_timer_adverts: Option<u32>,
    /// `notify_deleted`.
    pub notify_deleted: Option<Script>,
    /// `notify_master_rx_lower_pri`.
    pub notify_master_rx_lower_pri: Option<Script>,
    /// `mcast_dst_ip` (instead of 224.0.0.18 / ff02::12).
    pub mcast_dst_ip: Option<IpAddr>,
    /// `track_src_ip`.
    pub track_src_ip: bool,
    /// `check_unicast_src`.
    pub check_unicast_src: bool,
    /// `unicast_fault_no_peer`.
    pub unicast_fault_no_peer: bool,
    /// `use_vmac_addr`.
    pub use_vmac_addr: bool,
    /// `garp_extra_if` / `vmac_garp_intvl` words.
    pub garp_extra_if: Option<Vec<String>>,
    /// `vrf`.
    pub vrf: Option<String>,
    /// `debug` level.
    pub debug: Option<u32>,
    /// Other keywords of the block.
    pub extra: Vec<Setting>,
    /// Where the block starts.
    #[serde(skip)]
    pub span: Span,
    /// Its closing `}` (where keepalived's end-of-block checks report).
    #[serde(skip)]
    pub span_end: Span,
}

impl VrrpInstance {
    /// An instance with every keyword unset (what an empty `vrrp_instance NAME {}` block gives).
    pub fn named(name: String) -> VrrpInstance {
        VrrpInstance::new(name, Span::default())
    }

    pub(crate) fn new(name: String, span: Span) -> VrrpInstance {
        VrrpInstance {
            name,
            state: None,
            interface: None,
            virtual_router_id: None,
            priority: None,
            advert_int: None,
            version: None,
            authentication: None,
            virtual_ipaddress: Vec::new(),
            virtual_ipaddress_excluded: Vec::new(),
            virtual_routes: Vec::new(),
            virtual_rules: Vec::new(),
            track_interface: Vec::new(),
            track_script: Vec::new(),
            track_file: Vec::new(),
            track_process: Vec::new(),
            track_bfd: Vec::new(),
            notify_master: None,
            notify_backup: None,
            notify_fault: None,
            notify_stop: None,
            notify: None,
            smtp_alert: None,
            use_vmac: None,
            vmac_xmit_base: false,
            garp_master_delay: None,
            garp_master_repeat: None,
            garp_master_refresh: None,
            garp_master_refresh_repeat: None,
            garp_lower_prio_delay: None,
            garp_lower_prio_repeat: None,
            nopreempt: false,
            preempt_delay: None,
            accept: None,
            unicast_src_ip: None,
            mcast_src_ip: None,
            unicast_peer: Vec::new(),
            unicast_ttl: None,
            dont_track_primary: false,
            strict_mode: None,
            native_ipv6: false,
            skip_check_adv_addr: None,
            v3_checksum_as_v2: None,
            lower_prio_no_advert: None,
            higher_prio_send_advert: None,
            promote_secondaries: false,
            down_timer_adverts: None,
            notify_deleted: None,
            notify_master_rx_lower_pri: None,
            mcast_dst_ip: None,
            track_src_ip: false,
            check_unicast_src: false,
            unicast_fault_no_peer: false,
            use_vmac_addr: false,
            garp_extra_if: None,
            vrf: None,
            debug: None,
            extra: Vec::new(),
            span_end: span.clone(),
            span,
        }
    }

    /// Whether the instance is IPv6 (its first VIP, or `native_ipv6`).
    pub fn is_ipv6(&self) -> bool {
        self.native_ipv6
            || self
                .virtual_ipaddress
                .first()
                .or(self.virtual_ipaddress_excluded.first())
                .is_some_and(|v| v.addr.is_ipv6())
    }

    /// keepalived's effective VRRP version: `version`, else 3 for IPv6, else the global
    /// `vrrp_version`, else 2.
    pub fn effective_version(&self, global: &GlobalDefs) -> u8 {
        match self.version {
            Some(v) => v,
            None if self.is_ipv6() => 3,
            None => global.vrrp_version.unwrap_or(2),
        }
    }

    /// keepalived's effective base priority: `priority`, else 255 for `state MASTER`, else 100.
    pub fn effective_priority(&self) -> u8 {
        match (self.priority, self.state) {
            (Some(p), _) => p,
            (None, Some(InitialState::Master)) => 255,
            (None, _) => 100,
        }
    }

    /// keepalived's effective initial state: `state`, else MASTER when priority is 255.
    pub fn effective_state(&self) -> InitialState {
        match self.state {
            Some(s) => s,
            None if self.effective_priority() == 255 => InitialState::Master,
            None => InitialState::Backup,
        }
    }

    /// keepalived's effective advertisement interval (default 1 s), rounded as keepalived
    /// rounds it: to whole seconds for v2 (min 1 s, max 255 s), to centiseconds for v3
    /// (max 40.95 s).
    pub fn effective_advert_int(&self, global: &GlobalDefs) -> Duration {
        let raw = self.advert_int.unwrap_or(Duration::from_secs(1));
        let us = raw.as_micros() as u64;
        let us = if self.effective_version(global) == 2 {
            if us >= 256 * 1_000_000 {
                255 * 1_000_000
            } else {
                (((us + 500_000) / 1_000_000) * 1_000_000).max(1_000_000)
            }
        } else if us >= 4096 * 10_000 {
            4095 * 10_000
        } else {
            ((us + 5_000) / 10_000) * 10_000
        };
        Duration::from_micros(us)
    }

    /// keepalived's effective accept mode: `accept`/`no_accept`, else on unless strict mode
    /// (the address owner always accepts).
    pub fn effective_accept(&self, global: &GlobalDefs) -> bool {
        if let Some(a) = self.accept {
            return a;
        }
        self.effective_priority() == 255 || !self.effective_strict(global)
    }

    /// keepalived ≥ 2.2.8's `v3_checksum_as_v2`: the instance's own setting, else the global one. keepalived
    /// 2.2.7 knows neither: callers modelling 2.2.7 must not apply it.
    pub fn effective_v3_checksum_as_v2(&self, global: &GlobalDefs) -> bool {
        self.v3_checksum_as_v2.unwrap_or(global.v3_checksum_as_v2)
    }

    /// `strict_mode`, else the global `vrrp_strict`.
    pub fn effective_strict(&self, global: &GlobalDefs) -> bool {
        self.strict_mode.unwrap_or(global.vrrp_strict)
    }
}

/// `vrrp_sync_group NAME { group { ... } ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncGroup {
    /// Name.
    pub name: String,
    /// Member instance names.
    pub group: Vec<String>,
    /// `track_interface` / `track_script` / `track_file` of the group.
    pub track_script: Vec<TrackRef>,
    /// `track_interface`.
    pub track_interface: Vec<TrackRef>,
    /// `track_file`.
    pub track_file: Vec<TrackRef>,
    /// `notify_master`.
    pub notify_master: Option<Script>,
    /// `notify_backup`.
    pub notify_backup: Option<Script>,
    /// `notify_fault`.
    pub notify_fault: Option<Script>,
    /// `notify`.
    pub notify: Option<Script>,
    /// `notify_stop`.
    pub notify_stop: Option<Script>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `track_process`.
    pub track_process: Vec<TrackRef>,
    /// `track_bfd`.
    pub track_bfd: Vec<TrackRef>,
    /// `sync_group_tracking_weight`: members keep their tracking weights (without it keepalived
    /// ignores them).
    pub sync_group_tracking_weight: bool,
    /// Other keywords.
    pub extra: Vec<Setting>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// What a virtual server is keyed by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum VsKey {
    /// `virtual_server IP PORT` (port 0 when omitted).
    Addr {
        /// Address.
        ip: IpAddr,
        /// Port.
        port: u16,
    },
    /// `virtual_server fwmark N`.
    Fwmark(u32),
    /// `virtual_server group NAME`.
    Group(String),
}

/// `lb_kind` / `lvs_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LbKind {
    /// Network address translation.
    Nat,
    /// Direct routing.
    Dr,
    /// IP-in-IP tunnelling.
    Tun,
}

/// `protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

/// `virtual_server ... { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VirtualServer {
    /// Address and port, fwmark, or group.
    pub key: VsKey,
    /// `delay_loop` (default 60 s).
    pub delay_loop: Option<Duration>,
    /// `lb_algo` / `lvs_sched` (rr, wrr, lc, wlc, lblc, sh, dh, ...).
    pub lb_algo: Option<String>,
    /// `lb_kind` / `lvs_method`.
    pub lb_kind: Option<LbKind>,
    /// `persistence_timeout` (seconds; given without value: 360).
    pub persistence_timeout: Option<Duration>,
    /// `persistence_granularity` (netmask).
    pub persistence_granularity: Option<String>,
    /// `protocol`.
    pub protocol: Option<Protocol>,
    /// `sorry_server IP PORT`.
    pub sorry_server: Option<(IpAddr, u16)>,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `alpha`.
    pub alpha: bool,
    /// `omega`.
    pub omega: bool,
    /// `quorum` (default 1).
    pub quorum: Option<u32>,
    /// `hysteresis`.
    pub hysteresis: Option<u32>,
    /// `quorum_up` script.
    pub quorum_up: Option<Script>,
    /// `quorum_down` script.
    pub quorum_down: Option<Script>,
    /// `ha_suspend`.
    pub ha_suspend: bool,
    /// `inhibit_on_failure` (default for its real servers).
    pub inhibit_on_failure: bool,
    /// `ip_family inet|inet6`.
    pub ip_family: Option<String>,
    /// `persistence_engine`.
    pub persistence_engine: Option<String>,
    /// `ops` (one-packet scheduling).
    pub ops: bool,
    /// Scheduler flags: `hashed`, `flag-1..3`, `sh-port`, `sh-fallback`, `mh-port`, `mh-fallback`.
    pub sched_flags: Vec<String>,
    /// `sorry_server_inhibit`.
    pub sorry_server_inhibit: bool,
    /// `sorry_server_lvs_method`.
    pub sorry_server_lb_kind: Option<LbKind>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// Checker defaults for the real servers: `retry`.
    pub retry: Option<u32>,
    /// `delay_before_retry` default for the checkers.
    pub delay_before_retry: Option<Duration>,
    /// `connect_timeout` default for the checkers.
    pub connect_timeout: Option<Duration>,
    /// `warmup` default for the checkers.
    pub warmup: Option<Duration>,
    /// `weight` default for the real servers.
    pub weight: Option<i32>,
    /// `real_server` blocks.
    pub real_servers: Vec<RealServer>,
    /// Other keywords.
    pub extra: Vec<Setting>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// `real_server IP PORT { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RealServer {
    /// Address.
    pub ip: IpAddr,
    /// Port (0 when omitted, e.g. under a fwmark service).
    pub port: u16,
    /// `weight` (default 1).
    pub weight: Option<i32>,
    /// `lvs_method` for this server.
    pub lb_kind: Option<LbKind>,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: bool,
    /// `notify_up`.
    pub notify_up: Option<Script>,
    /// `notify_down`.
    pub notify_down: Option<Script>,
    /// `uthreshold`.
    pub uthreshold: Option<u32>,
    /// `lthreshold`.
    pub lthreshold: Option<u32>,
    /// `alpha`: start the server as down until a checker succeeds.
    pub alpha: bool,
    /// Checker defaults of this server: `retry`.
    pub retry: Option<u32>,
    /// `delay_before_retry` default for its checkers.
    pub delay_before_retry: Option<Duration>,
    /// `connect_timeout` default for its checkers.
    pub connect_timeout: Option<Duration>,
    /// `delay_loop` for its checkers.
    pub delay_loop: Option<Duration>,
    /// `warmup` default for its checkers.
    pub warmup: Option<Duration>,
    /// `virtualhost` for its HTTP checkers.
    pub virtualhost: Option<String>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// Health checkers.
    pub checkers: Vec<Checker>,
    /// Other keywords.
    pub extra: Vec<Setting>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// Which health checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CheckerKind {
    /// `HTTP_GET`.
    HttpGet,
    /// `SSL_GET`.
    SslGet,
    /// `TCP_CHECK`.
    TcpCheck,
    /// `MISC_CHECK`.
    MiscCheck,
    /// `SMTP_CHECK`.
    SmtpCheck,
    /// `DNS_CHECK`.
    DnsCheck,
    /// `UDP_CHECK`.
    UdpCheck,
    /// `PING_CHECK`.
    PingCheck,
    /// `FILE_CHECK`.
    FileCheck,
    /// `BFD_CHECK`.
    BfdCheck,
}

impl CheckerKind {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            CheckerKind::HttpGet => "HTTP_GET",
            CheckerKind::SslGet => "SSL_GET",
            CheckerKind::TcpCheck => "TCP_CHECK",
            CheckerKind::MiscCheck => "MISC_CHECK",
            CheckerKind::SmtpCheck => "SMTP_CHECK",
            CheckerKind::DnsCheck => "DNS_CHECK",
            CheckerKind::UdpCheck => "UDP_CHECK",
            CheckerKind::PingCheck => "PING_CHECK",
            CheckerKind::FileCheck => "FILE_CHECK",
            CheckerKind::BfdCheck => "BFD_CHECK",
        }
    }

    /// The kind for a keyword.
    pub fn from_keyword(k: &str) -> Option<CheckerKind> {
        Some(match k {
            "HTTP_GET" => CheckerKind::HttpGet,
            "SSL_GET" => CheckerKind::SslGet,
            "TCP_CHECK" => CheckerKind::TcpCheck,
            "MISC_CHECK" => CheckerKind::MiscCheck,
            "SMTP_CHECK" => CheckerKind::SmtpCheck,
            "DNS_CHECK" => CheckerKind::DnsCheck,
            "UDP_CHECK" => CheckerKind::UdpCheck,
            "PING_CHECK" => CheckerKind::PingCheck,
            "FILE_CHECK" => CheckerKind::FileCheck,
            "BFD_CHECK" => CheckerKind::BfdCheck,
            _ => return None,
        })
    }
}

/// `url { path ...; digest ...; status_code ... }` of HTTP_GET / SSL_GET.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Url {
    /// `path`.
    pub path: Option<String>,
    /// `digest`.
    pub digest: Option<String>,
    /// `status_code` words (codes and ranges such as 200-299).
    pub status_code: Vec<String>,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `regex` (matched against the body).
    pub regex: Option<String>,
    /// `regex_no_match`: success when the regex does not match.
    pub regex_no_match: bool,
    /// Other keywords (`regex_options`, `regex_min_offset`, ...).
    pub extra: Vec<Setting>,
}

/// One health checker of a real server, with the keywords common to all checkers typed and
/// the checker-specific rest in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checker {
    /// Which checker.
    pub kind: CheckerKind,
    /// `connect_ip`.
    pub connect_ip: Option<IpAddr>,
    /// `connect_port`.
    pub connect_port: Option<u16>,
    /// `bindto`.
    pub bindto: Option<IpAddr>,
    /// `bind_port`.
    pub bind_port: Option<u16>,
    /// `connect_timeout` (default 5 s).
    pub connect_timeout: Option<Duration>,
    /// `retry` (or the deprecated `nb_get_retry`); default 1 (HTTP/SSL: 1).
    pub retry: Option<u32>,
    /// `delay_before_retry` (default 1 s).
    pub delay_before_retry: Option<Duration>,
    /// `delay_loop` of this checker.
    pub delay_loop: Option<Duration>,
    /// `warmup`.
    pub warmup: Option<Duration>,
    /// `url` blocks (HTTP_GET / SSL_GET).
    pub urls: Vec<Url>,
    /// `misc_path` (MISC_CHECK).
    pub misc_path: Option<Script>,
    /// `misc_timeout` (MISC_CHECK).
    pub misc_timeout: Option<Duration>,
    /// `misc_dynamic` (MISC_CHECK).
    pub misc_dynamic: bool,
    /// `user USER [GROUP]` (MISC_CHECK).
    pub user: Option<(String, Option<String>)>,
    /// `alpha`: the checker starts failed.
    pub alpha: bool,
    /// `fwmark` set on the checker's packets.
    pub fwmark: Option<u32>,
    /// `bind_if`.
    pub bind_if: Option<String>,
    /// `log_all_failures`.
    pub log_all_failures: bool,
    /// `virtualhost` (HTTP_GET / SSL_GET).
    pub virtualhost: Option<String>,
    /// `http_protocol` (1.0, 1.1, 1.0C, 1.0K).
    pub http_protocol: Option<String>,
    /// `enable_sni` (SSL_GET).
    pub enable_sni: bool,
    /// `fast_recovery`.
    pub fast_recovery: bool,
    /// `helo_name` (SMTP_CHECK).
    pub helo_name: Option<String>,
    /// `host { ... }` sub-checkers (SMTP_CHECK, deprecated by keepalived).
    pub hosts: Vec<Checker>,
    /// `type` (DNS_CHECK, default SOA).
    pub dns_type: Option<String>,
    /// `name` (DNS_CHECK query name / BFD_CHECK bfd_instance name).
    pub name: Option<String>,
    /// `payload` (UDP_CHECK), hex.
    pub payload: Option<String>,
    /// `require_reply [HEX]` (UDP_CHECK).
    pub require_reply: Option<Option<String>>,
    /// `min_reply_length` (UDP_CHECK).
    pub min_reply_length: Option<u32>,
    /// `max_reply_length` (UDP_CHECK).
    pub max_reply_length: Option<u32>,
    /// `track_file` (FILE_CHECK).
    pub track_file: Option<String>,
    /// `weight` (FILE_CHECK).
    pub weight: Option<i32>,
    /// `weight W reverse` (FILE_CHECK).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub weight_reverse: bool,
    /// Other keywords.
    pub extra: Vec<Setting>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

impl Checker {
    pub(crate) fn new(kind: CheckerKind, span: Span) -> Checker {
        Checker {
            kind,
            connect_ip: None,
            connect_port: None,
            bindto: None,
            bind_port: None,
            connect_timeout: None,
            retry: None,
            delay_before_retry: None,
            delay_loop: None,
            warmup: None,
            urls: Vec::new(),
            misc_path: None,
            misc_timeout: None,
            misc_dynamic: false,
            user: None,
            alpha: false,
            fwmark: None,
            bind_if: None,
            log_all_failures: false,
            virtualhost: None,
            http_protocol: None,
            enable_sni: false,
            fast_recovery: false,
            helo_name: None,
            hosts: Vec::new(),
            dns_type: None,
            name: None,
            payload: None,
            require_reply: None,
            min_reply_length: None,
            max_reply_length: None,
            track_file: None,
            weight: None,
            weight_reverse: false,
            extra: Vec::new(),
            span,
        }
    }
}

/// An entry of a `virtual_server_group`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum VsgEntry {
    /// `IP[-LAST_OCTET_OR_HEXTET] PORT`.
    Range {
        /// First address.
        ip: IpAddr,
        /// Last address of the range (same as `ip` for a single address).
        last: IpAddr,
        /// Port.
        port: u16,
    },
    /// `fwmark N`.
    Fwmark(u32),
}

/// `virtual_server_group NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VirtualServerGroup {
    /// Name.
    pub name: String,
    /// Entries.
    pub entries: Vec<VsgEntry>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

/// `bfd_instance NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BfdInstance {
    /// Name.
    pub name: String,
    /// `neighbor_ip`.
    pub neighbor_ip: Option<IpAddr>,
    /// `source_ip`.
    pub source_ip: Option<IpAddr>,
    /// `min_rx` (ms).
    pub min_rx_ms: Option<u32>,
    /// `min_tx` (ms).
    pub min_tx_ms: Option<u32>,
    /// `idle_tx` (ms).
    pub idle_tx_ms: Option<u32>,
    /// `multiplier`.
    pub multiplier: Option<u32>,
    /// `passive`.
    pub passive: bool,
    /// `ttl` / `hoplimit`.
    pub ttl: Option<u8>,
    /// `weight`.
    pub weight: Option<i32>,
    /// Other keywords.
    pub extra: Vec<Setting>,
    /// Where.
    #[serde(skip)]
    pub span: Span,
}

impl Config {
    /// The vrrp_script of that name.
    pub fn script(&self, name: &str) -> Option<&VrrpScript> {
        self.vrrp_scripts.iter().find(|s| s.name == name)
    }

    /// The vrrp_instance of that name.
    pub fn instance(&self, name: &str) -> Option<&VrrpInstance> {
        self.vrrp_instances.iter().find(|s| s.name == name)
    }
}
