//! From a parsed keepalived.conf (`keepalived_conf::Config`) to what this crate runs: IPVS services
//! and destinations, and one checker per `HTTP_GET` / `TCP_CHECK` block, with every default resolved
//! the way keepalived 2.2.7 resolves it (check_data.c `validate_check_config`: checker ← real_server ←
//! virtual_server ← built-in).
//!
//! Built-in defaults: `lb_algo wlc`, `lb_kind NAT` (keepalived logs "no forwarding method set"),
//! `delay_loop 60`, `connect_timeout 5`, `weight 1`, `retry 1`, `delay_before_retry` 3 s for HTTP_GET
//! and 1 s for TCP_CHECK/MISC_CHECK, `warmup` = the checker's `delay_loop`, status codes 200-299,
//! MISC_CHECK `retry 0` and `misc_timeout` = the virtual server's `delay_loop`.
//!
//! SSL_GET is HTTP_GET over TLS (same defaults); SMTP_CHECK defaults to `helo_name
//! smtpchecker.keepalived.org`, `retry 1`, `delay_before_retry 1`; DNS_CHECK to `type SOA`, the root
//! name, `retry 3` and `delay_before_retry` = its `delay_loop`.
//! UDP_CHECK and PING_CHECK take TCP_CHECK's defaults; FILE_CHECK resolves its `track_file` (weight
//! and `reverse` from the FILE_CHECK, else from the track_file, default 1); BFD_CHECK names a
//! `bfd_instance`, and every `bfd_instance` becomes a [`BfdInstancePlan`] (keepalived's BFD process
//! runs them all). Every checker keyword is modelled; `regex` URL checks and SMTP_CHECK `host`
//! sub-blocks are left out with a [`Note`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use keepalived_conf as kc;

use crate::check::{
    parse_digest, read_hex_str, BfdCheck, BfdConfig, CheckKind, CheckerSettings, DnsCheck,
    FileCheck, HttpGet, HttpProtocol, MiscCheck, PingCheck, SmtpCheck, SslOptions, StatusCodes,
    UdpCheck, UrlCheck, SMTP_DEFAULT_HELO,
};
use crate::sched::Scheduler;
use crate::service::{DestConfig, FwdMethod, Protocol, SchedFlags, ServiceConfig, ServiceKey};
use crate::time::Duration;

/// Something of the configuration that the model leaves out or had to default, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// `file:line:col` of the block concerned.
    pub at: String,
    /// What happened.
    pub message: String,
}

/// One checker of a real server, ready to build a [`crate::check::Checker`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckerPlan {
    /// Resolved timing.
    pub settings: CheckerSettings,
    /// TCP or HTTP.
    pub kind: CheckKind,
    /// `connect_ip`:`connect_port`, default the real server.
    pub target: SocketAddr,
}

/// A `real_server` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealServerPlan {
    /// The IPVS destination (weight, method, thresholds).
    pub dest: DestConfig,
    /// `inhibit_on_failure` (own or inherited from the virtual server).
    pub inhibit_on_failure: bool,
    /// `notify_up` command line.
    pub notify_up: Option<String>,
    /// `notify_down` command line.
    pub notify_down: Option<String>,
    /// Its checkers, in file order.
    pub checkers: Vec<CheckerPlan>,
}

impl RealServerPlan {
    /// Address and port.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.dest.addr, self.dest.port)
    }

    /// Checkers starting in alpha mode (counted failed until they pass).
    pub fn alpha_checkers(&self) -> u32 {
        self.checkers.iter().filter(|c| c.settings.alpha).count() as u32
    }
}

/// A `virtual_server` block: one IPVS service per address of its group (one for a plain VIP or fwmark),
/// all sharing the real servers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualServerPlan {
    /// A name for reports: `192.168.145.200:80/TCP`, `fwmark 7`, `group web`.
    pub name: String,
    /// The IPVS services.
    pub services: Vec<ServiceConfig>,
    /// Real servers, in file order.
    pub real_servers: Vec<RealServerPlan>,
    /// `quorum` (default 1).
    pub quorum: u32,
    /// `hysteresis` (default 0).
    pub hysteresis: u32,
    /// `omega`.
    pub omega: bool,
    /// `sorry_server`, as a destination with the virtual server's method.
    pub sorry_server: Option<DestConfig>,
    /// `sorry_server_inhibit`: the sorry server stays in the table at weight 0 while quorum holds.
    pub sorry_server_inhibit: bool,
    /// `quorum_up` command line.
    pub quorum_up: Option<String>,
    /// `quorum_down` command line.
    pub quorum_down: Option<String>,
}

/// `global_defs { lvs_sync_daemon INTERFACE VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N]
/// [group IP] }`: keepalived runs the kernel's sync daemon as master while the named VRRP instance is
/// MASTER and as backup otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncDaemonPlan {
    /// Interface the sync messages use.
    pub interface: String,
    /// The VRRP instance whose state selects master or backup.
    pub vrrp_instance: String,
    /// `id`: the sync id. Not given (`None`), keepalived uses the VRRP instance's virtual_router_id.
    pub syncid: Option<u8>,
    /// `maxlen`: largest sync message (default: interface MTU − 28).
    pub maxlen: Option<usize>,
    /// `port` (default 8848).
    pub port: u16,
    /// `ttl` (default 1).
    pub ttl: u8,
    /// `group` (default 224.0.0.81).
    pub group: IpAddr,
}

/// A `bfd_instance` block, with keepalived's defaults resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BfdInstancePlan {
    /// Name (what `BFD_CHECK { name ... }` refers to).
    pub name: String,
    /// `neighbor_ip`.
    pub neighbor: IpAddr,
    /// `source_ip`, if given.
    pub source: Option<IpAddr>,
    /// Timers, multiplier, passive, ttl.
    pub config: BfdConfig,
    /// `weight` (only `track_bfd` in a vrrp_instance uses it; BFD_CHECK ignores it).
    pub weight: i32,
}

/// The LVS half of a keepalived configuration.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LvsPlan {
    /// `bfd_instance`s with a neighbour, in file order.
    pub bfd_instances: Vec<BfdInstancePlan>,
    /// `lvs_sync_daemon`, when configured.
    pub sync_daemon: Option<SyncDaemonPlan>,
    /// Virtual servers, in file order.
    pub virtual_servers: Vec<VirtualServerPlan>,
    /// What was left out or defaulted.
    pub notes: Vec<Note>,
}

fn at(span: &kc::Span) -> String {
    format!("{}:{}:{}", span.file.display(), span.line, span.col)
}

fn dur(d: std::time::Duration) -> Duration {
    Duration::from_nanos(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn fwd(k: kc::LbKind) -> FwdMethod {
    match k {
        kc::LbKind::Dr => FwdMethod::Dr,
        kc::LbKind::Nat => FwdMethod::Nat,
        kc::LbKind::Tun => FwdMethod::Tun,
    }
}

fn proto(p: Option<kc::Protocol>) -> Protocol {
    match p {
        Some(kc::Protocol::Udp) => Protocol::Udp,
        Some(kc::Protocol::Sctp) => Protocol::Sctp,
        _ => Protocol::Tcp,
    }
}

/// Expand `IP-LAST` of a virtual_server_group: the last octet (IPv4) or hextet (IPv6) ranges.
fn expand_range(ip: IpAddr, last: IpAddr) -> Vec<IpAddr> {
    match (ip, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let (a, b) = (u32::from(a), u32::from(b));
            (a..=b.max(a))
                .take(256)
                .map(|x| IpAddr::V4(Ipv4Addr::from(x)))
                .collect()
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let (a, b) = (u128::from(a), u128::from(b));
            (a..=b.max(a))
                .take(65536)
                .map(|x| IpAddr::V6(Ipv6Addr::from(x)))
                .collect()
        }
        (a, _) => vec![a],
    }
}

/// `persistence_granularity`: a dotted IPv4 netmask, or a prefix length.
fn granularity(s: &str, ipv6: bool) -> Option<IpAddr> {
    if let Ok(IpAddr::V4(m)) = s.parse::<IpAddr>() {
        return (!ipv6).then_some(IpAddr::V4(m));
    }
    let len: u32 = s.parse().ok()?;
    if ipv6 {
        (len <= 128).then(|| {
            IpAddr::V6(Ipv6Addr::from(
                u128::MAX.checked_shl(128 - len).unwrap_or(0),
            ))
        })
    } else {
        (len <= 32).then(|| IpAddr::V4(Ipv4Addr::from(u32::MAX.checked_shl(32 - len).unwrap_or(0))))
    }
}

/// Convert every `virtual_server` of `config`.
pub fn plan(config: &kc::Config) -> LvsPlan {
    let mut out = LvsPlan::default();
    if let Some(words) = &config.global_defs.lvs_sync_daemon {
        out.sync_daemon = sync_daemon(words, &mut out.notes);
    }
    for b in &config.bfd_instances {
        let Some(neighbor) = b.neighbor_ip else {
            continue;
        };
        let d = BfdConfig::default();
        let ms = |x: Option<u32>, dflt: Duration| {
            x.map_or(dflt, |v| Duration::from_millis(u64::from(v)))
        };
        out.bfd_instances.push(BfdInstancePlan {
            name: b.name.clone(),
            neighbor,
            source: b.source_ip,
            config: BfdConfig {
                min_rx: ms(b.min_rx_ms, d.min_rx),
                min_tx: ms(b.min_tx_ms, d.min_tx),
                idle_tx: ms(b.idle_tx_ms, d.idle_tx),
                multiplier: b
                    .multiplier
                    .and_then(|m| u8::try_from(m).ok())
                    .unwrap_or(d.multiplier),
                passive: b.passive,
                ttl: b.ttl.unwrap_or(d.ttl),
            },
            weight: b.weight.unwrap_or(0),
        });
    }
    for vs in &config.virtual_servers {
        if let Some(p) = plan_vs(config, vs, &mut out.notes) {
            out.virtual_servers.push(p);
        }
    }
    out
}

fn sync_daemon(words: &[String], notes: &mut Vec<Note>) -> Option<SyncDaemonPlan> {
    let note = |notes: &mut Vec<Note>, m: String| {
        notes.push(Note {
            at: "global_defs".into(),
            message: m,
        })
    };
    let (Some(interface), Some(instance)) = (words.first(), words.get(1)) else {
        note(
            notes,
            "lvs_sync_daemon needs an interface and a vrrp_instance".into(),
        );
        return None;
    };
    let mut p = SyncDaemonPlan {
        interface: interface.clone(),
        vrrp_instance: instance.clone(),
        syncid: None,
        maxlen: None,
        port: crate::sync::SYNC_PORT,
        ttl: 1,
        group: IpAddr::V4(crate::sync::SYNC_GROUP_V4),
    };
    let mut it = words[2..].iter();
    while let Some(k) = it.next() {
        let v = it.next();
        let bad =
            |notes: &mut Vec<Note>| note(notes, format!("lvs_sync_daemon: bad value for {k}"));
        match (k.as_str(), v) {
            ("id", Some(v)) => match v.parse() {
                Ok(x) => p.syncid = Some(x),
                Err(_) => bad(notes),
            },
            ("maxlen", Some(v)) => match v.parse() {
                Ok(x) => p.maxlen = Some(x),
                Err(_) => bad(notes),
            },
            ("port", Some(v)) => match v.parse() {
                Ok(x) => p.port = x,
                Err(_) => bad(notes),
            },
            ("ttl", Some(v)) => match v.parse() {
                Ok(x) => p.ttl = x,
                Err(_) => bad(notes),
            },
            ("group", Some(v)) => match v.parse() {
                Ok(x) => p.group = x,
                Err(_) => bad(notes),
            },
            _ => note(notes, format!("lvs_sync_daemon: unknown option {k}")),
        }
    }
    Some(p)
}

fn plan_vs(
    config: &kc::Config,
    vs: &kc::VirtualServer,
    notes: &mut Vec<Note>,
) -> Option<VirtualServerPlan> {
    let note = |notes: &mut Vec<Note>, m: String| {
        notes.push(Note {
            at: at(&vs.span),
            message: m,
        })
    };
    let ipv6_family = vs.ip_family.as_deref() == Some("inet6");
    let p = proto(vs.protocol);
    let mut keys = Vec::new();
    let name = match &vs.key {
        kc::VsKey::Addr { ip, port } => {
            keys.push(ServiceKey::Addr {
                proto: p,
                addr: *ip,
                port: *port,
            });
            match ip {
                IpAddr::V6(a) => format!("[{a}]:{port}/{p}"),
                IpAddr::V4(a) => format!("{a}:{port}/{p}"),
            }
        }
        kc::VsKey::Fwmark(m) => {
            keys.push(ServiceKey::Fwmark {
                mark: *m,
                ipv6: ipv6_family,
            });
            format!("fwmark {m}")
        }
        kc::VsKey::Group(g) => {
            let Some(group) = config.virtual_server_groups.iter().find(|x| &x.name == g) else {
                note(
                    notes,
                    format!("virtual_server group {g}: no such virtual_server_group, skipped"),
                );
                return None;
            };
            for e in &group.entries {
                match e {
                    kc::VsgEntry::Range { ip, last, port } => {
                        for a in expand_range(*ip, *last) {
                            keys.push(ServiceKey::Addr {
                                proto: p,
                                addr: a,
                                port: *port,
                            });
                        }
                    }
                    kc::VsgEntry::Fwmark(m) => keys.push(ServiceKey::Fwmark {
                        mark: *m,
                        ipv6: ipv6_family,
                    }),
                }
            }
            format!("group {g}")
        }
    };
    let scheduler = match vs.lb_algo.as_deref() {
        None => {
            note(notes, "no scheduler set, keepalived defaults to wlc".into());
            Scheduler::Wlc
        }
        Some(s) => match s.parse() {
            Ok(s) => s,
            Err(e) => {
                note(notes, format!("{e}; virtual server skipped"));
                return None;
            }
        },
    };
    let method = match vs.lb_kind {
        Some(k) => fwd(k),
        None => {
            note(
                notes,
                "no forwarding method set, keepalived defaults to NAT".into(),
            );
            FwdMethod::Nat
        }
    };
    let mut flags = SchedFlags::default();
    for f in &vs.sched_flags {
        match f.as_str() {
            "sh-port" | "mh-port" | "flag-2" => flags.port = true,
            "sh-fallback" | "mh-fallback" | "flag-1" => flags.fallback = true,
            other => note(
                notes,
                format!("scheduler flag {other} has no effect in this model"),
            ),
        }
    }
    let mut services = Vec::new();
    for key in keys {
        let mut cfg = ServiceConfig::new(key, scheduler).with_flags(flags);
        cfg.one_packet = vs.ops;
        if let Some(t) = vs.persistence_timeout {
            cfg = cfg.persistent(dur(t));
        }
        let is6 = match key {
            ServiceKey::Addr { addr, .. } => addr.is_ipv6(),
            ServiceKey::Fwmark { ipv6, .. } => ipv6,
        };
        if let Some(g) = &vs.persistence_granularity {
            match granularity(g, is6) {
                Some(m) => cfg.persistence_netmask = m,
                None => note(
                    notes,
                    format!("invalid persistence_granularity {g}, ignored"),
                ),
            }
        }
        services.push(cfg);
    }

    let vs_connect = vs
        .connect_timeout
        .map(dur)
        .unwrap_or(Duration::from_secs(5));
    let vs_delay_loop = vs.delay_loop.map(dur).unwrap_or(Duration::from_secs(60));
    let mut real_servers = Vec::new();
    for rs in &vs.real_servers {
        let weight = rs.weight.or(vs.weight).unwrap_or(1).clamp(0, 65535) as u32;
        let mut dest = DestConfig::new(
            rs.ip,
            rs.port,
            weight,
            rs.lb_kind.map(fwd).unwrap_or(method),
        );
        dest.u_threshold = rs.uthreshold.unwrap_or(0);
        dest.l_threshold = rs.lthreshold.unwrap_or(0);
        let rs_alpha = rs.alpha || vs.alpha;
        let rs_retry = rs.retry.or(vs.retry);
        let rs_connect = rs.connect_timeout.map(dur).unwrap_or(vs_connect);
        let rs_delay_loop = rs.delay_loop.map(dur).unwrap_or(vs_delay_loop);
        let rs_warmup = rs.warmup.or(vs.warmup).map(dur);
        let rs_dbr = rs.delay_before_retry.or(vs.delay_before_retry).map(dur);
        let vhost = rs.virtualhost.clone().or_else(|| vs.virtualhost.clone());
        let mut checkers = Vec::new();
        for c in &rs.checkers {
            let where_ = at(&c.span);
            let mut default_retry = 1;
            let mut dns_dbr_is_delay_loop = false;
            let (kind, default_dbr) = match c.kind {
                kc::CheckerKind::TcpCheck => (CheckKind::Tcp, Duration::from_secs(1)),
                kc::CheckerKind::MiscCheck => {
                    let Some(script) = &c.misc_path else {
                        notes.push(Note {
                            at: where_.clone(),
                            message: "MISC_CHECK has no misc_path - ignoring".into(),
                        });
                        continue;
                    };
                    // check_misc.c: default retry 0; the timeout defaults to the virtual server's
                    // delay_loop.
                    default_retry = 0;
                    let misc = MiscCheck {
                        script: script.command.clone(),
                        timeout: c.misc_timeout.map(dur).unwrap_or(vs_delay_loop),
                        dynamic: c.misc_dynamic,
                    };
                    (CheckKind::Misc(misc), Duration::from_secs(1))
                }
                kc::CheckerKind::HttpGet | kc::CheckerKind::SslGet => {
                    let mut urls = Vec::new();
                    for u in &c.urls {
                        let Some(path) = &u.path else {
                            notes.push(Note {
                                at: where_.clone(),
                                message: "HTTP_GET url has no path - ignoring".into(),
                            });
                            continue;
                        };
                        let mut url = UrlCheck::new(path);
                        if !u.status_code.is_empty() {
                            match StatusCodes::parse(&u.status_code.join(" ")) {
                                Ok(s) if !s.is_empty() => url.status = s,
                                Ok(_) => {}
                                Err(e) => notes.push(Note {
                                    at: where_.clone(),
                                    message: e,
                                }),
                            }
                        }
                        if let Some(d) = &u.digest {
                            match parse_digest(d) {
                                Some(d) => url.digest = Some(d),
                                None => notes.push(Note {
                                    at: where_.clone(),
                                    message: format!("invalid digest {d}, ignored"),
                                }),
                            }
                        }
                        if u.regex.is_some() {
                            notes.push(Note {
                                at: where_.clone(),
                                message:
                                    "url regex is not modelled; only status and digest are checked"
                                        .into(),
                            });
                        }
                        url.virtualhost = u.virtualhost.clone();
                        urls.push(url);
                    }
                    if urls.is_empty() {
                        notes.push(Note {
                            at: where_.clone(),
                            message: "HTTP_GET checker has no urls specified - ignoring".into(),
                        });
                        continue;
                    }
                    let mut get = HttpGet::new(urls);
                    get.virtualhost = c.virtualhost.clone().or_else(|| vhost.clone());
                    get.fast_recovery = c.fast_recovery;
                    if c.kind == kc::CheckerKind::SslGet {
                        // SSL_GET is HTTP_GET with proto = PROTO_SSL (check_http.c alloc_http_get).
                        get.ssl = Some(SslOptions {
                            enable_sni: c.enable_sni,
                        });
                    }
                    get.protocol = match c.http_protocol.as_deref() {
                        None | Some("1.0") => HttpProtocol::Http10,
                        Some("1.1") => HttpProtocol::Http11,
                        Some("1.0C") | Some("1.0c") => HttpProtocol::Http10Close,
                        Some(other) => {
                            notes.push(Note {
                                at: where_.clone(),
                                message: format!("http_protocol {other} not modelled, using 1.0"),
                            });
                            HttpProtocol::Http10
                        }
                    };
                    (CheckKind::Http(get), Duration::from_secs(3))
                }
                kc::CheckerKind::SmtpCheck => {
                    if !c.hosts.is_empty() {
                        notes.push(Note {
                            at: where_.clone(),
                            message: "SMTP_CHECK host blocks (deprecated by keepalived) are not \
                                      modelled; only the checker's own connection is checked"
                                .into(),
                        });
                    }
                    let smtp = SmtpCheck {
                        helo_name: c
                            .helo_name
                            .clone()
                            .unwrap_or_else(|| SMTP_DEFAULT_HELO.to_string()),
                    };
                    (CheckKind::Smtp(smtp), Duration::from_secs(1))
                }
                kc::CheckerKind::DnsCheck => {
                    // check_dns.c: default retry 3, delay_before_retry defaults to delay_loop.
                    default_retry = 3;
                    let mut dns = DnsCheck::default();
                    if let Some(t) = c.dns_type.as_deref().and_then(DnsCheck::type_code) {
                        dns.qtype = t;
                    }
                    if let Some(n) = &c.name {
                        dns.name = n.clone();
                    }
                    dns_dbr_is_delay_loop = true;
                    (CheckKind::Dns(dns), Duration::ZERO)
                }
                kc::CheckerKind::UdpCheck => {
                    let mut u = UdpCheck::default();
                    if let Some(p) = &c.payload {
                        match read_hex_str(p, false) {
                            Some((data, _)) => u.payload = Some(data),
                            None => notes.push(Note {
                                at: where_.clone(),
                                message: "Invalid hex string for UDP_CHECK payload".into(),
                            }),
                        }
                    }
                    if let Some(reply) = &c.require_reply {
                        u.require_reply = true;
                        if let Some(hex) = reply {
                            match read_hex_str(hex, true) {
                                Some((data, mask)) => {
                                    u.reply_data = Some(data);
                                    u.reply_mask = mask;
                                }
                                None => notes.push(Note {
                                    at: where_.clone(),
                                    message: "Invalid hex string for UDP_CHECK reply".into(),
                                }),
                            }
                        }
                    }
                    u.min_reply_len = c.min_reply_length.unwrap_or(u.min_reply_len);
                    u.max_reply_len = c.max_reply_length.unwrap_or(u.max_reply_len);
                    if u.min_reply_len > u.max_reply_len {
                        notes.push(Note {
                            at: where_.clone(),
                            message: format!(
                                "UDP_CHECK min_reply length {} > max_reply_length {} - will always fail",
                                u.min_reply_len, u.max_reply_len
                            ),
                        });
                    }
                    (CheckKind::Udp(u), Duration::from_secs(1))
                }
                kc::CheckerKind::PingCheck => (CheckKind::Ping(PingCheck), Duration::from_secs(1)),
                kc::CheckerKind::FileCheck => {
                    let Some(name) = &c.track_file else {
                        notes.push(Note {
                            at: where_.clone(),
                            message: "FILE_CHECK has no track_file specified - ignoring".into(),
                        });
                        continue;
                    };
                    let Some(tf) = config.vrrp_track_files.iter().find(|f| &f.name == name) else {
                        notes.push(Note {
                            at: where_.clone(),
                            message: format!("track_file {name} not found"),
                        });
                        continue;
                    };
                    let (weight, reverse) = match c.weight {
                        Some(w) => (w, c.weight_reverse),
                        None => (tf.weight.unwrap_or(1), tf.weight_reverse),
                    };
                    let f = FileCheck {
                        track_file: name.clone(),
                        path: tf.file.clone(),
                        weight,
                        reverse,
                    };
                    (CheckKind::File(f), Duration::from_secs(1))
                }
                kc::CheckerKind::BfdCheck => {
                    let Some(name) = &c.name else {
                        notes.push(Note {
                            at: where_.clone(),
                            message: "No name has been specified for BFD_CHECKER - skipping".into(),
                        });
                        continue;
                    };
                    if !config
                        .bfd_instances
                        .iter()
                        .any(|b| &b.name == name && b.neighbor_ip.is_some())
                    {
                        notes.push(Note {
                            at: where_.clone(),
                            message: format!("BFD_CHECK - BFD {name} not configured"),
                        });
                        continue;
                    }
                    let b = BfdCheck {
                        instance: name.clone(),
                    };
                    (CheckKind::Bfd(b), Duration::from_secs(1))
                }
            };
            let delay_loop = c.delay_loop.map(dur).unwrap_or(rs_delay_loop);
            let settings = CheckerSettings {
                connect_timeout: c.connect_timeout.map(dur).unwrap_or(rs_connect),
                retry: c.retry.or(rs_retry).unwrap_or(default_retry),
                delay_before_retry: c.delay_before_retry.map(dur).or(rs_dbr).unwrap_or(
                    if dns_dbr_is_delay_loop {
                        delay_loop
                    } else {
                        default_dbr
                    },
                ),
                delay_loop,
                warmup: c.warmup.map(dur).or(rs_warmup).unwrap_or(delay_loop),
                // check_file.c: "Clear Alpha mode - we know the state of the checker immediately".
                alpha: (c.alpha || rs_alpha) && !matches!(kind, CheckKind::File(_)),
            };
            let target = SocketAddr::new(
                c.connect_ip.unwrap_or(rs.ip),
                c.connect_port.unwrap_or(rs.port),
            );
            checkers.push(CheckerPlan {
                settings,
                kind,
                target,
            });
        }
        real_servers.push(RealServerPlan {
            dest,
            inhibit_on_failure: rs.inhibit_on_failure || vs.inhibit_on_failure,
            notify_up: rs.notify_up.as_ref().map(|s| s.command.clone()),
            notify_down: rs.notify_down.as_ref().map(|s| s.command.clone()),
            checkers,
        });
    }
    let sorry_server = vs.sorry_server.map(|(ip, port)| {
        DestConfig::new(
            ip,
            port,
            1,
            vs.sorry_server_lb_kind.map(fwd).unwrap_or(method),
        )
    });
    Some(VirtualServerPlan {
        name,
        services,
        real_servers,
        quorum: vs.quorum.unwrap_or(1),
        hysteresis: vs.hysteresis.unwrap_or(0),
        omega: vs.omega,
        sorry_server,
        sorry_server_inhibit: vs.sorry_server_inhibit,
        quorum_up: vs.quorum_up.as_ref().map(|s| s.command.clone()),
        quorum_down: vs.quorum_down.as_ref().map(|s| s.command.clone()),
    })
}
