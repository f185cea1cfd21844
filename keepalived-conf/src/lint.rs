//! Whole-configuration checks that run after the model is built: keepalived's start-up checks
//! (vrrp_complete_instance, sync groups, duplicate VRIDs, script security) and vrrpsim's own
//! lints for the silent traps (invisible characters, scripts that need a shell, nopreempt with
//! state MASTER, IPv6 VIPs without a link-local first address, weights that cannot move the
//! master).

use crate::diag::{Diagnostic, Severity, Span};
use crate::model::*;
use crate::ParseOptions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// keepalived's default PATH for scripts given by a bare name.
const DEFAULT_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

pub(crate) fn run(
    cfg: &Config,
    sources: &BTreeMap<PathBuf, String>,
    opts: &ParseOptions,
    out: &mut Vec<Diagnostic>,
) {
    invisible_chars(sources, out);
    instances(cfg, out);
    sync_groups(cfg, out);
    duplicate_vrids(cfg, out);
    scripts(cfg, opts, out);
}

fn invisible_chars(sources: &BTreeMap<PathBuf, String>, out: &mut Vec<Diagnostic>) {
    for (file, text) in sources {
        let findings = crate::invisible::scan(text);
        let mut by_line: BTreeMap<u32, Vec<&crate::invisible::Finding>> = BTreeMap::new();
        for f in &findings {
            by_line.entry(f.line).or_default().push(f);
        }
        for (line, fs) in by_line {
            let first = fs[0];
            let mut names: Vec<&str> = fs.iter().map(|f| f.name).collect();
            names.dedup();
            let cols: Vec<String> = fs.iter().map(|f| f.col.to_string()).collect();
            let what = if fs.len() == 1 {
                format!("{} at column {}", first.name, first.col)
            } else {
                format!(
                    "{} invisible or look-alike characters ({}) at columns {}",
                    fs.len(),
                    names.join(", "),
                    cols.join(", ")
                )
            };
            let repl = crate::invisible::replacement(first.ch).unwrap_or(" ");
            let repl_desc = match repl {
                "" => "delete it".to_string(),
                " " => "replace it by an ASCII space".to_string(),
                r => format!("replace it by '{r}'"),
            };
            out.push(
                Diagnostic::vrrpsim(
                    Severity::Warning,
                    "invisible-character",
                    Span::new(file, line, first.col, 1),
                    format!("line {line} contains {what}, typically pasted from a web page"),
                    "does not treat it as white space: it becomes part of a word (\"Unknown keyword ' '\", wrong values)",
                )
                .with_help(format!(
                    "{repl_desc} (repair the whole file with `sim check-config --fix-invisible FILE` or keepalived_conf::invisible::repair)"
                )),
            );
        }
    }
}

fn script_span(s: &Option<Script>, fallback: &Span) -> Span {
    s.as_ref()
        .map(|s| s.span.clone())
        .unwrap_or_else(|| fallback.clone())
}

fn instances(cfg: &Config, out: &mut Vec<Diagnostic>) {
    let g = &cfg.global_defs;
    for v in &cfg.vrrp_instances {
        let name = &v.name;
        let unicast_configured = v.unicast_src_ip.is_some()
            || v.check_unicast_src
            || v.unicast_fault_no_peer
            || !v.unicast_peer.is_empty()
            || v.extra.iter().any(|s| s.keyword == "old_unicast_checksum");
        if !v.unicast_peer.is_empty() && v.effective_strict(g) {
            out.push(Diagnostic::keepalived(
                Severity::Error,
                "unicast-strict",
                v.span.clone(),
                format!("({name}) Unicast peers are not supported in strict mode"),
                "refuses the configuration (RFC strict mode is multicast only)",
            ));
        }
        if unicast_configured && v.unicast_peer.is_empty() && !v.unicast_fault_no_peer {
            out.push(Diagnostic::keepalived(
                Severity::Warning,
                "unicast-no-peers",
                v.span.clone(),
                format!("({name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast."),
                "logs the deprecation and uses multicast",
            ));
        }
        if v.unicast_ttl.is_some() && v.unicast_peer.is_empty() {
            out.push(Diagnostic::keepalived(
                Severity::Error,
                "unicast-ttl",
                v.span_end.clone(),
                format!("({name}): Cannot use unicast_ttl without unicast peers - resetting"),
                "ignores unicast_ttl",
            ));
        }
        if v.use_vmac.is_some()
            && !v.unicast_peer.is_empty()
            && v.interface.is_some()
            && !v.vmac_xmit_base
        {
            out.push(Diagnostic::keepalived(
                Severity::Warning,
                "vmac-unicast",
                v.span_end.clone(),
                format!("({name}) unicast with use_vmac requires vmac_xmit_base - setting"),
                "turns vmac_xmit_base on",
            ));
        }
        if v.virtual_router_id.is_none() {
            // Already reported where the VRID is (or is missing) by the builder.
        } else if v.interface.is_none() && !v.unicast_peer.is_empty() && v.unicast_src_ip.is_none()
        {
            out.push(Diagnostic::keepalived(
                Severity::Error,
                "interface-missing",
                v.span.clone(),
                format!("({name}): Unicast instances must have unicast_src_ip or interface"),
                "refuses the configuration",
            ));
        } else if v.interface.is_none() && v.unicast_peer.is_empty() {
            out.push(Diagnostic::keepalived(
                Severity::Error,
                "interface-missing",
                v.span.clone(),
                format!("({name}) has no interface and no unicast peers"),
                "reports \"Unknown interface!\" and refuses the configuration",
            ));
        }
        let version = v.effective_version(g);
        let strict = v.effective_strict(g);
        let prio = v.effective_priority();
        let state = v.effective_state();
        if v.virtual_ipaddress.is_empty() {
            if version == 3 || strict {
                out.push(Diagnostic::keepalived(
                    Severity::Error,
                    "no-vip",
                    v.span.clone(),
                    format!("({name}) No VIP specified; at least one is required"),
                    "refuses the instance (VRRPv3 and strict mode need a virtual address)",
                ));
            } else {
                out.push(Diagnostic::keepalived(
                    Severity::Warning,
                    "no-vip",
                    v.span.clone(),
                    format!("({name}) No VIP specified; at least one is sensible"),
                    "logs it and runs the instance without addresses",
                ));
            }
        }
        if let Some(a) = &v.authentication {
            let span = v.span.clone();
            if a.auth_type.is_some() {
                if strict {
                    out.push(Diagnostic::keepalived(
                        Severity::Error,
                        "auth-strict",
                        span,
                        format!("({name}) Strict mode does not support authentication. Ignoring."),
                        "drops the authentication",
                    ));
                } else if version == 3 {
                    out.push(Diagnostic::keepalived(
                        Severity::Error,
                        "auth-v3",
                        span,
                        format!(
                            "({name}) VRRP version 3 does not support authentication. Ignoring."
                        ),
                        "drops the authentication (RFC 5798 removed it)",
                    ));
                } else if a.auth_pass.as_deref().is_none_or(str::is_empty) {
                    out.push(Diagnostic::keepalived(
                        Severity::Error,
                        "auth-no-pass",
                        span,
                        format!(
                            "({name}) Authentication specified but no password given. Ignoring"
                        ),
                        "drops the authentication",
                    ));
                } else if v.is_ipv6() && a.auth_type == Some(AuthType::Ah) {
                    out.push(Diagnostic::keepalived(
                        Severity::Error,
                        "auth-ah-ipv6",
                        span,
                        format!("({name}) Cannot use AH authentication with IPv6. ignoring"),
                        "drops the authentication",
                    ));
                } else if a.auth_type == Some(AuthType::Ah)
                    && state == InitialState::Master
                    && prio != 255
                {
                    out.push(Diagnostic::keepalived(
                        Severity::Error,
                        "auth-ah-master",
                        span,
                        format!("({name}) Initial state master is incompatible with AH authentication - clearing"),
                        "starts the instance as BACKUP (it needs an advert's AH sequence number before taking over)",
                    ));
                }
            }
        }
        if v.is_ipv6() && v.unicast_peer.is_empty() {
            if let Some(first) = v.virtual_ipaddress.first() {
                let ll = matches!(first.addr, std::net::IpAddr::V6(a) if (a.segments()[0] & 0xffc0) == 0xfe80);
                if !ll {
                    if strict {
                        out.push(Diagnostic::keepalived(
                            Severity::Error,
                            "ipv6-first-vip",
                            first.span.clone(),
                            format!("({name}) the first IPv6 VIP address must be link local"),
                            "reports it (strict mode)",
                        ));
                    } else {
                        out.push(
                            Diagnostic::vrrpsim(
                                Severity::Warning,
                                "ipv6-first-vip",
                                first.span.clone(),
                                format!("({name}) the first IPv6 VIP address {} is not link-local", first.addr),
                                "only logs \"the first IPv6 VIP address should be link local\" and sends it as the advert's first address; RFC 5798 §5.2.9 requires a link-local address first, and other implementations discard such adverts",
                            )
                            .with_help("put a link-local address (fe80::...) first in virtual_ipaddress"),
                        );
                    }
                }
            }
        }
        if prio == 255 && v.nopreempt {
            out.push(Diagnostic::keepalived(
                Severity::Error,
                "nopreempt-owner",
                v.span.clone(),
                format!(
                    "({name}) nopreempt is incompatible with priority 255. resetting nopreempt"
                ),
                "clears nopreempt: the address owner always preempts",
            ));
        } else if state == InitialState::Master && v.nopreempt {
            out.push(
                Diagnostic::keepalived(
                    Severity::Error,
                    "nopreempt-master",
                    v.span.clone(),
                    format!("({name}) nopreempt will not work with initial state MASTER"),
                    "logs \"Warning - nopreempt will not work with initial state MASTER - clearing\": nopreempt is cleared and this node preempts",
                )
                .with_help("use `state BACKUP` on every node together with nopreempt"),
            );
        }
        if state == InitialState::Master && v.preempt_delay.is_some_and(|d| !d.is_zero()) {
            out.push(Diagnostic::keepalived(
                Severity::Error,
                "preempt-delay-master",
                v.span.clone(),
                format!("({name}) preempt delay will not work with initial state MASTER"),
                "logs \"Warning - preempt delay will not work with initial state MASTER - clearing\"",
            ));
        }
        if let Some(ai) = v.advert_int {
            let us = ai.as_micros();
            if version == 2 && us % 1_000_000 != 0 && us < 256_000_000 {
                out.push(Diagnostic::keepalived(
                    Severity::Warning,
                    "advert-int-v2",
                    v.span.clone(),
                    format!(
                        "({name}) VRRPv2 advertisement interval {}s must be an integer. rounding",
                        ai.as_secs_f64()
                    ),
                    format!(
                        "rounds it to {} s (VRRPv2 counts whole seconds)",
                        v.effective_advert_int(g).as_secs()
                    ),
                ));
            } else if version == 3 && us >= 4096 * 10_000 {
                out.push(Diagnostic::keepalived(
                    Severity::Warning,
                    "advert-int-v3",
                    v.span.clone(),
                    format!("({name}) VRRPv3 advertisement interval {:.2}s is out of range. Must be less than 40.96s. Setting to 40.95s", ai.as_secs_f64()),
                    "uses 40.95 s (the 12-bit centisecond field of RFC 5798 §5.2.7)",
                ));
            } else if version == 3 && us % 10_000 != 0 {
                out.push(Diagnostic::keepalived(
                    Severity::Warning,
                    "advert-int-v3",
                    v.span.clone(),
                    format!("({name}) VRRPv3 advertisement interval {}s must be in units of 10ms - rounding", ai.as_secs_f64()),
                    "rounds it to centiseconds",
                ));
            }
        }
        // keepalived drops weighted tracking for the address owner, and for members of a
        // sync group without sync_group_tracking_weight (vrrp_complete_instance).
        let group = cfg
            .sync_groups
            .iter()
            .find(|gr| gr.group.iter().any(|m| m == name));
        let sync_no_weight = group.is_some_and(|gr| {
            !gr.extra
                .iter()
                .any(|s| s.keyword == "sync_group_tracking_weight")
        });
        if prio == 255 || sync_no_weight {
            let why = if sync_no_weight {
                "SYNC group"
            } else {
                "address_owner"
            };
            let would = if sync_no_weight {
                "drops the tracking: members of a sync group ignore weights unless the group sets sync_group_tracking_weight"
            } else {
                "drops the tracking: the address owner's priority (255) never changes"
            };
            for t in &v.track_script {
                let w = t
                    .weight
                    .or_else(|| cfg.script(&t.name).and_then(|s| s.weight))
                    .unwrap_or(0);
                if w != 0 {
                    out.push(Diagnostic::keepalived(
                        Severity::Error,
                        "weight-ignored",
                        t.span.clone(),
                        format!(
                            "({name}) ignoring tracked script {} with weights due to {why}",
                            t.name
                        ),
                        would,
                    ));
                }
            }
            for t in &v.track_interface {
                if t.weight.is_some_and(|w| w != 0) {
                    out.push(Diagnostic::keepalived(
                        Severity::Error,
                        "weight-ignored",
                        t.span.clone(),
                        format!(
                            "({name}) ignoring {} tracked interface {}due to {}",
                            t.name,
                            if sync_no_weight { "weight " } else { "" },
                            if sync_no_weight {
                                "SYNC group"
                            } else {
                                "address owner"
                            }
                        ),
                        would,
                    ));
                }
            }
        }
        // A weight of 0 can only put the instance into FAULT; a weighted script whose weight
        // is so small that it can never drop a MASTER below a BACKUP at priority - 1 is a
        // classic mistake. Without the peer's config, the sharpest single-file check is: a
        // MASTER's negative weights sum to less than what separates it from the default backup
        // priority (priority - 1 is the minimum a peer would be configured with).
    }
}

fn sync_groups(cfg: &Config, out: &mut Vec<Diagnostic>) {
    let mut member_of: BTreeMap<&str, &str> = BTreeMap::new();
    for g in &cfg.sync_groups {
        if g.group.is_empty() {
            out.push(Diagnostic::keepalived(
                Severity::Error,
                "sync-group-empty",
                g.span.clone(),
                format!("Sync group {} has no virtual router(s)", g.name),
                "logs \"Sync group ... has no virtual router(s). removing\" and drops the sync group",
            ));
            continue;
        }
        let mut found = 0;
        for m in &g.group {
            if cfg.instance(m).is_none() {
                out.push(Diagnostic::keepalived(
                    Severity::Error,
                    "unknown-reference",
                    g.span.clone(),
                    format!(
                        "Virtual router {m} specified in sync group {} doesn't exist",
                        g.name
                    ),
                    "ignores the member",
                ));
                continue;
            }
            if let Some(other) = member_of.get(m.as_str()) {
                out.push(Diagnostic::keepalived(
                    Severity::Error,
                    "sync-group-member",
                    g.span.clone(),
                    format!("Virtual router {m} cannot exist in more than one sync group ({other}); ignoring {}", g.name),
                    "ignores the member in this group",
                ));
                continue;
            }
            member_of.insert(m, &g.name);
            found += 1;
        }
        if found == 0 {
            out.push(Diagnostic::keepalived(
                Severity::Error,
                "sync-group-empty",
                g.span.clone(),
                format!(
                    "Sync group {}, no matching virtual router found in group declaration",
                    g.name
                ),
                "removes the sync group",
            ));
        } else if found == 1 {
            out.push(Diagnostic::keepalived(
                Severity::Warning,
                "sync-group-single",
                g.span.clone(),
                format!("Sync group {} has only 1 virtual router(s) - this probably isn't what you want", g.name),
                "logs it and goes on",
            ));
        }
    }
}

fn duplicate_vrids(cfg: &Config, out: &mut Vec<Diagnostic>) {
    let valid: Vec<&VrrpInstance> = cfg
        .vrrp_instances
        .iter()
        .filter(|v| v.virtual_router_id.is_some() && v.interface.is_some())
        .collect();
    for (i, a) in valid.iter().enumerate() {
        for b in valid.iter().skip(i + 1) {
            if a.virtual_router_id != b.virtual_router_id
                || a.interface != b.interface
                || a.is_ipv6() != b.is_ipv6()
            {
                continue;
            }
            let unicast = !a.unicast_peer.is_empty() || !b.unicast_peer.is_empty();
            if unicast {
                let shared = a
                    .unicast_peer
                    .iter()
                    .any(|p| b.unicast_peer.iter().any(|q| q.addr == p.addr));
                if !shared {
                    continue;
                }
            }
            let vrid = a.virtual_router_id.unwrap_or(0);
            let iface = a.interface.clone().unwrap_or_default();
            out.push(
                Diagnostic::keepalived(
                    Severity::Error,
                    "vrid-reuse",
                    b.span.clone(),
                    format!(
                        "{} and {} both use VRID {vrid} with IPv{} on interface {iface}",
                        a.name,
                        b.name,
                        if a.is_ipv6() { 6 } else { 4 }
                    ),
                    "refuses the configuration: both instances would send adverts for the same virtual router",
                )
                .with_help("give each vrrp_instance on an interface its own virtual_router_id"),
            );
        }
    }
}

/// Where a script's program would be found: a path, or a bare name looked up in PATH.
fn resolve(prog: &str, exists: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    if prog.contains('/') {
        let p = PathBuf::from(prog);
        return exists(&p).then_some(p);
    }
    DEFAULT_PATH
        .iter()
        .map(|d| Path::new(d).join(prog))
        .find(|p| exists(p))
}

fn host_exists(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// The fix for a command line that needs a shell.
fn sh_fix(cmd: &str) -> String {
    format!(
        "script \"{} -c '{}'\"",
        if cmd.contains("[[") {
            "/bin/bash"
        } else {
            "/bin/sh"
        },
        cmd.replace('\'', "'\\''")
    )
}

fn scripts(cfg: &Config, opts: &ParseOptions, out: &mut Vec<Diagnostic>) {
    let listed = |p: &Path| {
        opts.script_files
            .as_ref()
            .is_some_and(|set| set.contains(p))
    };
    let exists: &dyn Fn(&Path) -> bool = if opts.script_files.is_some() {
        &listed
    } else {
        &host_exists
    };
    let mut any_found: Option<Span> = None;
    let tracked: Vec<&str> = cfg
        .vrrp_instances
        .iter()
        .flat_map(|v| v.track_script.iter().map(|t| t.name.as_str()))
        .chain(
            cfg.sync_groups
                .iter()
                .flat_map(|g| g.track_script.iter().map(|t| t.name.as_str())),
        )
        .collect();
    for s in &cfg.vrrp_scripts {
        let Some(script) = &s.script else { continue };
        if !tracked.contains(&s.name.as_str()) {
            out.push(Diagnostic::keepalived(
                Severity::Warning,
                "script-unused",
                s.span.clone(),
                format!(
                    "vrrp_script {} is not tracked by any vrrp_instance or sync group",
                    s.name
                ),
                "logs \"Warning - script ... is not used\" when it starts and removes it (after its start-up checks)",
            ));
        }
        let argv = script.argv();
        let Some(prog) = argv.first() else { continue };
        // keepalived: a command starting "</path" only tests that the file can be opened.
        if let Some(rest) = prog.strip_prefix('<') {
            let path = rest.trim_start();
            if path.starts_with("/dev/tcp/") || path.starts_with("/dev/udp/") {
                out.push(
                    Diagnostic::vrrpsim(
                        Severity::Warning,
                        "bash-dev-tcp",
                        script.span.clone(),
                        format!("vrrp_script {}: {path} is a bash feature, not a file", s.name),
                        "tests whether the file can be opened; /dev/tcp/... does not exist, so the check always fails",
                    )
                    .with_help(sh_fix(&format!("</{}", path.trim_start_matches('/')))
                        .replace("/bin/sh -c", "/bin/bash -c")),
                );
            }
            continue;
        }
        let shell = script.shell_syntax();
        let found = if opts.check_scripts {
            resolve(prog, exists)
        } else {
            None
        };
        let needs_shell_prog = crate::model::is_shell_word(prog);
        if needs_shell_prog || (opts.check_scripts && found.is_none()) {
            let why = match shell {
                Some(tok) => format!(
                    "keepalived 2.x runs vrrp_script without a shell: '{prog}' is taken as the program to exec, and `{tok}` is shell syntax"
                ),
                None if opts.check_scripts => format!("the program '{prog}' does not exist or is not executable on this machine"),
                None => format!("'{prog}' is not a program"),
            };
            let help = match shell {
                Some(_) => format!(
                    "run it through a shell: {} (or put it in an executable script file)",
                    sh_fix(&script.command)
                ),
                None => format!("install {prog} (executable) on every node, or fix the path"),
            };
            out.push(
                Diagnostic::keepalived(
                    Severity::Error,
                    "script-disabled",
                    script.span.clone(),
                    format!("vrrp_script {} will be disabled: {why}", s.name),
                    format!(
                        "logs \"Disabling track script {} since not found/accessible\" at start-up: the script never runs and its weight never applies",
                        s.name
                    ),
                )
                .with_help(help),
            );
            continue;
        }
        if let Some(tok) = shell {
            out.push(
                Diagnostic::vrrpsim(
                    Severity::Warning,
                    "script-shell-syntax",
                    script.span.clone(),
                    format!("vrrp_script {}: `{tok}` is shell syntax, but keepalived 2.x execs '{prog}' directly without a shell", s.name),
                    format!("passes `{tok}` to {prog} as a plain argument"),
                )
                .with_help(sh_fix(&script.command)),
            );
        }
        if found.is_some() && any_found.is_none() {
            any_found = Some(script.span.clone());
        }
    }
    if opts.check_scripts && !cfg.vrrp_instances.is_empty() {
        for v in &cfg.vrrp_instances {
            for n in [
                &v.notify_master,
                &v.notify_backup,
                &v.notify_fault,
                &v.notify_stop,
                &v.notify,
            ] {
                if let Some(sc) = n {
                    if let Some(prog) = sc.argv().first() {
                        if resolve(prog, exists).is_some() && any_found.is_none() {
                            any_found = Some(script_span(n, &v.span));
                        }
                    }
                }
            }
        }
        if let (Some(span), false) = (any_found, cfg.global_defs.enable_script_security) {
            out.push(
                Diagnostic::keepalived(
                    Severity::Warning,
                    "script-security",
                    span,
                    "scripts are being executed but script_security is not enabled",
                    "logs \"SECURITY VIOLATION - scripts are being executed but script_security not enabled.\" and runs them as root",
                )
                .with_help("add `enable_script_security` (and `script_user`) to global_defs"),
            );
        }
    }
}

/// Cross-file lints for the configs of one cluster (several nodes): weights that can never
/// move the master. Instances are paired by VRID and interface-independent VIP set.
pub fn cluster(configs: &[(&Path, &Config)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, (_, ca)) in configs.iter().enumerate() {
        for (j, (_, cb)) in configs.iter().enumerate() {
            if i == j {
                continue;
            }
            for a in &ca.vrrp_instances {
                for b in &cb.vrrp_instances {
                    if a.virtual_router_id.is_none() || a.virtual_router_id != b.virtual_router_id {
                        continue;
                    }
                    if a.is_ipv6() == b.is_ipv6() {
                        out.extend(unicast_mismatch(a, b));
                    }
                    let pa = i32::from(a.effective_priority());
                    let pb = i32::from(b.effective_priority());
                    if pa <= pb || pa == 255 {
                        continue;
                    }
                    // The lowest a can go and the highest b can go through weighted tracking.
                    let down_a: i32 = tracking_weights(ca, a).iter().filter(|w| **w < 0).sum();
                    let up_b: i32 = tracking_weights(cb, b).iter().filter(|w| **w > 0).sum();
                    let weights_a = tracking_weights(ca, a);
                    if weights_a.is_empty() && up_b == 0 {
                        continue;
                    }
                    if pa + down_a >= pb + up_b {
                        let span = a
                            .track_script
                            .first()
                            .map(|t| t.span.clone())
                            .unwrap_or_else(|| a.span.clone());
                        out.push(
                            Diagnostic::vrrpsim(
                                Severity::Warning,
                                "weight-cannot-cross",
                                span,
                                format!(
                                    "({}) priority {pa} with tracking weights {down_a:+} can fall at most to {}, never below the peer {}'s {} (+{up_b}): a failing check never moves the master",
                                    a.name,
                                    pa + down_a,
                                    b.name,
                                    pb + up_b
                                ),
                                "keeps this node MASTER while its checks fail (equal priorities are won by the higher IP address)",
                            )
                            .with_help(format!(
                                "make the weights' magnitude larger than {} (the priority gap)",
                                pa - pb
                            )),
                        );
                    }
                }
            }
        }
    }
    out
}

/// `a` sends unicast adverts that the same virtual router on another node cannot receive: the other node uses
/// multicast (keepalived discards adverts of the other mode), or `a`'s unicast_peer list lacks the other node's
/// `unicast_src_ip`. Either way that node hears nothing and becomes MASTER too.
fn unicast_mismatch(a: &VrrpInstance, b: &VrrpInstance) -> Option<Diagnostic> {
    if a.unicast_peer.is_empty() {
        return None;
    }
    if b.unicast_peer.is_empty() {
        return Some(
            Diagnostic::vrrpsim(
                Severity::Warning,
                "unicast-multicast-mismatch",
                a.span.clone(),
                format!(
                    "({}) sends its adverts to its unicast_peer list, but the peer's {} (same VRID) uses multicast: keepalived discards adverts of the other mode, so neither hears the other",
                    a.name, b.name
                ),
                "both instances become MASTER and stay MASTER (split brain)",
            )
            .with_help("give every node a unicast_peer block listing all the other nodes"),
        );
    }
    let src = b.unicast_src_ip?;
    if a.unicast_peer.iter().any(|p| p.addr == src) {
        return None;
    }
    Some(
        Diagnostic::vrrpsim(
            Severity::Warning,
            "unicast-peer-missing",
            a.span.clone(),
            format!(
                "({}) unicast_peer does not list {src}, the unicast_src_ip of the peer's {}: that node never hears this one's adverts",
                a.name, b.name
            ),
            "the peer becomes MASTER as well and stays MASTER (split brain)",
        )
        .with_help(format!("add {src} to unicast_peer")),
    )
}

fn tracking_weights(cfg: &Config, v: &VrrpInstance) -> Vec<i32> {
    let mut w = Vec::new();
    for t in &v.track_script {
        let Some(s) = cfg.script(&t.name) else {
            continue;
        };
        let weight = t.weight.unwrap_or(s.effective_weight());
        // A script keepalived disables never changes anything.
        if s.script.as_ref().is_some_and(|sc| {
            sc.argv()
                .first()
                .is_some_and(|p| crate::model::is_shell_word(p))
        }) {
            continue;
        }
        if weight != 0 {
            w.push(if t.reverse { -weight } else { weight });
        }
    }
    for t in &v.track_interface {
        if let Some(x) = t.weight {
            w.push(x);
        }
    }
    for t in &v.track_file {
        let base = cfg
            .vrrp_track_files
            .iter()
            .find(|f| f.name == t.name)
            .and_then(|f| f.weight)
            .unwrap_or(1);
        let weight = t.weight.unwrap_or(base);
        if weight != 0 {
            // A track file's value is multiplied by the weight; its sign matters, not its size.
            w.push(weight.signum() * 253);
        }
    }
    w
}
