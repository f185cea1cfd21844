//! From the keyword tree to the typed [`Config`], validating each keyword the way keepalived's
//! handler for it does (ranges, addresses, references), with keepalived's message and verdict.
//!
//! References (`track_script NAME`, ...) are resolved in file order, as keepalived resolves them
//! while it reads: a `vrrp_script` defined after the instance that tracks it is "not found".

use crate::diag::{Diagnostic, Severity, Span};
use crate::lexer::Tok;
use crate::model::*;
use crate::tree::Node;
use std::net::IpAddr;
use std::time::Duration;

pub(crate) struct Builder {
    pub diags: Vec<Diagnostic>,
    pub cfg: Config,
}

const DROP_KW: &str = "ignores the keyword (its default applies)";

fn setting(n: &Node) -> Setting {
    let args: Vec<String> = n.args.iter().map(|t| t.text.clone()).collect();
    let block = n.is_block.then(|| {
        let mut b: Vec<Setting> = n.children.iter().map(setting).collect();
        for line in &n.values {
            let Some(first) = line.first() else { continue };
            b.push(Setting {
                keyword: first.text.clone(),
                args: line[1..].iter().map(|t| t.text.clone()).collect(),
                block: None,
                span: first.span.clone(),
            });
        }
        b
    });
    Setting {
        keyword: n.kw.text.clone(),
        args,
        block,
        span: n.kw.span.clone(),
    }
}

fn join(toks: &[Tok]) -> String {
    toks.iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// keepalived's check_true_false().
fn true_false(s: &str) -> Option<bool> {
    match s {
        "true" | "on" | "yes" => Some(true),
        "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// strtol/strtoul-like parse: optional sign, decimal digits (keepalived uses base 10 here).
fn parse_i64(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t']);
    if t.is_empty() {
        return None;
    }
    t.parse::<i64>().ok()
}

/// keepalived's read_decimal_unsigned: a decimal with at most `digits` fractional digits,
/// in units of 10^-digits.
fn parse_decimal(s: &str, digits: u32) -> Option<u64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = 10u64.checked_pow(digits)?;
    let iv: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut fv: u64 = 0;
    let mut round = false;
    for (k, b) in frac.bytes().enumerate() {
        if (k as u32) < digits {
            fv = fv * 10 + u64::from(b - b'0');
        } else if k as u32 == digits {
            round = b >= b'5';
        }
    }
    let shown = frac.len().min(digits as usize) as u32;
    fv *= 10u64.pow(digits - shown);
    iv.checked_mul(scale)?.checked_add(fv + u64::from(round))
}

/// A parsed address the way keepalived's inet_pton sees it (IPv6 when it contains ':').
fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok()
}

impl Builder {
    pub(crate) fn new() -> Builder {
        Builder {
            diags: Vec::new(),
            cfg: Config::default(),
        }
    }

    fn err(&mut self, code: &'static str, span: &Span, msg: String, would: impl Into<String>) {
        self.diags.push(Diagnostic::keepalived(
            Severity::Error,
            code,
            span.clone(),
            msg,
            would,
        ));
    }

    fn warn(&mut self, code: &'static str, span: &Span, msg: String, would: impl Into<String>) {
        self.diags.push(Diagnostic::keepalived(
            Severity::Warning,
            code,
            span.clone(),
            msg,
            would,
        ));
    }

    /// The word at `i` (1 = first after the keyword); keepalived exits when it is missing.
    fn need<'n>(&mut self, n: &'n Node, i: usize) -> Option<&'n Tok> {
        match n.args.get(i - 1) {
            Some(t) => Some(t),
            None => {
                self.err(
                    "missing-parameter",
                    &n.kw.span,
                    format!("'{}' is missing a parameter at word position {}", n.kw.text, i + 1),
                    "reports \"Configuration line starting ... is missing a parameter\" and exits: the configuration is refused",
                );
                None
            }
        }
    }

    /// An unsigned number in [min, max] (keepalived's read_unsigned_strvec).
    fn uint(&mut self, t: &Tok, min: u64, max: u64, what: &str, would: &str) -> Option<u64> {
        let s = t.text.trim_start_matches([' ', '\t']);
        let bad = if s.starts_with('-') {
            Some(format!("negative number '{}'", t.text))
        } else {
            match s.parse::<u64>() {
                Err(_) => Some(format!("invalid number '{}'", t.text)),
                Ok(v) if v < min || v > max => {
                    Some(format!("number '{}' outside range [{min}, {max}]", t.text))
                }
                Ok(v) => return Some(v),
            }
        };
        let code = if bad.as_deref().is_some_and(|b| b.starts_with("invalid")) {
            "invalid-number"
        } else {
            "number-range"
        };
        self.err(
            code,
            &t.span,
            format!("{what}: {}", bad.unwrap_or_default()),
            would.to_string(),
        );
        None
    }

    /// A signed number in [min, max] (keepalived's read_int_strvec).
    fn int(&mut self, t: &Tok, min: i64, max: i64, what: &str, would: &str) -> Option<i64> {
        match parse_i64(&t.text) {
            None => {
                self.err(
                    "invalid-number",
                    &t.span,
                    format!("{what}: invalid number '{}'", t.text),
                    would.to_string(),
                );
                None
            }
            Some(v) if v < min || v > max => {
                self.err(
                    "number-range",
                    &t.span,
                    format!("{what}: number '{}' outside range [{min}, {max}]", t.text),
                    would.to_string(),
                );
                None
            }
            Some(v) => Some(v),
        }
    }

    /// A time in seconds with up to 6 decimals (keepalived's read_timer / decimal reader).
    fn secs(
        &mut self,
        t: &Tok,
        min_us: u64,
        max_us: u64,
        what: &str,
        would: &str,
    ) -> Option<Duration> {
        match parse_decimal(&t.text, 6) {
            None => {
                self.err(
                    "invalid-number",
                    &t.span,
                    format!("{what}: invalid number '{}'", t.text),
                    would.to_string(),
                );
                None
            }
            Some(v) if v < min_us || v > max_us => {
                self.err(
                    "number-range",
                    &t.span,
                    format!(
                        "{what}: '{}' outside range [{}, {}] seconds",
                        t.text,
                        min_us as f64 / 1e6,
                        max_us as f64 / 1e6
                    ),
                    would.to_string(),
                );
                None
            }
            Some(v) => Some(Duration::from_micros(v)),
        }
    }

    /// Whole seconds (keepalived's read_unsigned for delay-type keywords).
    fn whole_secs(
        &mut self,
        t: &Tok,
        min: u64,
        max: u64,
        what: &str,
        would: &str,
    ) -> Option<Duration> {
        self.uint(t, min, max, what, would).map(Duration::from_secs)
    }

    fn ip(&mut self, t: &Tok, what: &str, would: &str) -> Option<IpAddr> {
        match parse_ip(&t.text) {
            Some(a) => Some(a),
            None => {
                self.err(
                    "invalid-address",
                    &t.span,
                    format!("{what}: invalid IP address '{}'", t.text),
                    would.to_string(),
                );
                None
            }
        }
    }

    fn port(&mut self, t: &Tok, what: &str, would: &str) -> Option<u16> {
        self.uint(t, 0, 65535, what, would).map(|v| v as u16)
    }

    fn script_of(&mut self, n: &Node) -> Option<Script> {
        let t = self.need(n, 1)?;
        // keepalived joins nothing: the script is the first word (quotes make it one word);
        // extra words are handled by its script parser as part of the command.
        let command = if n.args.len() > 1 {
            join(&n.args)
        } else {
            t.text.clone()
        };
        Some(Script {
            command,
            span: t.span.clone(),
        })
    }

    fn flag_bool(&mut self, n: &Node, ctx: &str) -> Option<bool> {
        match n.args.first() {
            None => Some(true),
            Some(t) => match true_false(&t.text) {
                Some(b) => Some(b),
                None => {
                    self.err(
                        "invalid-boolean",
                        &t.span,
                        format!("({ctx}) invalid {} {} specified", n.kw.text, t.text),
                        DROP_KW,
                    );
                    None
                }
            },
        }
    }

    // ------------------------------------------------------------------------------------------
    // top level

    pub(crate) fn top(&mut self, nodes: &[Node]) {
        for n in nodes {
            match n.name() {
                "global_defs" => self.global_defs(n),
                "vrrp_script" => self.vrrp_script(n),
                "track_file" => self.track_file(n, false),
                "vrrp_track_file" => self.track_file(n, true),
                "vrrp_track_process" => self.track_process(n),
                "vrrp_instance" => self.vrrp_instance(n),
                "vrrp_sync_group" => self.sync_group(n),
                "static_ipaddress" => {
                    for line in &n.values {
                        if let Some(v) = self.vip(line, "static_ipaddress", None) {
                            self.cfg.static_ipaddresses.push(v);
                        }
                    }
                }
                "static_routes" => {
                    for line in &n.values {
                        let r = self.route(line);
                        self.cfg.static_routes.push(r);
                    }
                }
                "static_rules" => {
                    for line in &n.values {
                        let r = self.rule(line);
                        self.cfg.static_rules.push(r);
                    }
                }
                "linkbeat_interfaces" => {
                    for line in &n.values {
                        if let Some(t) = line.first() {
                            self.cfg.linkbeat_interfaces.push(t.text.clone());
                        }
                    }
                }
                "garp_group" => self.cfg.garp_groups.push(block_setting(n)),
                "track_group" => self.cfg.track_groups.push(block_setting(n)),
                "virtual_server_group" => self.vsg(n),
                "virtual_server" => self.virtual_server(n),
                "bfd_instance" => self.bfd_instance(n),
                "SSL" => {
                    self.cfg.ssl = Some(n.children.iter().map(setting).collect());
                }
                _ => {
                    let s = block_setting(n);
                    self.cfg.extra.push(s);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // global_defs

    fn global_defs(&mut self, n: &Node) {
        for c in &n.children {
            let g = &mut self.cfg.global_defs;
            match c.name() {
                "router_id" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.router_id = Some(t.text.clone());
                    }
                }
                "notification_email" => {
                    for line in &c.values {
                        for t in line {
                            g.notification_email.push(t.text.clone());
                        }
                    }
                }
                "notification_email_from" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.notification_email_from = Some(t.text.clone());
                    }
                }
                "smtp_server" => {
                    if let Some(t) = self.need(c, 1) {
                        if let Some(ip) = self.ip(t, "smtp_server", "ignores the smtp_server") {
                            let port = match c.args.get(1) {
                                Some(p) => self.port(p, "smtp_server port", "uses port 25"),
                                None => None,
                            };
                            self.cfg.global_defs.smtp_server = Some((ip, port));
                        }
                    }
                }
                "smtp_connect_timeout" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.smtp_connect_timeout = self.whole_secs(
                            t,
                            1,
                            u64::from(u32::MAX) / 1_000_000,
                            "smtp_connect_timeout",
                            DROP_KW,
                        );
                    }
                }
                "vrrp_version" => {
                    if let Some(t) = self.need(c, 1) {
                        if let Some(v) =
                            self.int(t, 2, 3, "vrrp_version", "ignores it (version 2 applies)")
                        {
                            self.cfg.global_defs.vrrp_version = Some(v as u8);
                        }
                    }
                }
                "vrrp_strict" => g.vrrp_strict = true,
                "vrrp_mcast_group4" | "vrrp_mcast_group6" => {
                    if let Some(t) = self.need(c, 1) {
                        let v4 = c.name() == "vrrp_mcast_group4";
                        match parse_ip(&t.text) {
                            Some(a) if a.is_multicast() && a.is_ipv4() == v4 => {
                                if v4 {
                                    self.cfg.global_defs.vrrp_mcast_group4 = Some(a);
                                } else {
                                    self.cfg.global_defs.vrrp_mcast_group6 = Some(a);
                                }
                            }
                            _ => self.err(
                                "invalid-address",
                                &t.span,
                                format!(
                                    "{} '{}' is not a valid multicast address",
                                    c.name(),
                                    t.text
                                ),
                                "ignores it (224.0.0.18 / ff02::12 apply)",
                            ),
                        }
                    }
                }
                "vrrp_garp_master_delay" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.vrrp_garp_master_delay =
                            self.whole_secs(t, 0, 4294, "vrrp_garp_master_delay", DROP_KW);
                    }
                }
                "vrrp_garp_master_repeat" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.vrrp_garp_master_repeat = self
                            .uint(
                                t,
                                0,
                                u64::from(u32::MAX),
                                "vrrp_garp_master_repeat",
                                DROP_KW,
                            )
                            .map(|v| v as u32);
                    }
                }
                "vrrp_startup_delay" => {
                    if let Some(t) = self.need(c, 1) {
                        // keepalived vrrp_startup_delay_handler: a positive decimal up to UINT_MAX µs.
                        self.cfg.global_defs.vrrp_startup_delay =
                            self.secs(t, 1, u64::from(u32::MAX), "vrrp_startup_delay", DROP_KW);
                    }
                }
                "vrrp_garp_master_refresh" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.vrrp_garp_master_refresh =
                            self.whole_secs(t, 0, 4294, "vrrp_garp_master_refresh", DROP_KW);
                    }
                }
                "vrrp_garp_master_refresh_repeat" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.vrrp_garp_master_refresh_repeat = self
                            .uint(
                                t,
                                0,
                                u64::from(u32::MAX),
                                "vrrp_garp_master_refresh_repeat",
                                DROP_KW,
                            )
                            .map(|v| v as u32);
                    }
                }
                "vrrp_garp_interval" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.vrrp_garp_interval =
                            self.secs(t, 0, 1_000_000_000, "vrrp_garp_interval", DROP_KW);
                    }
                }
                "vrrp_gna_interval" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.vrrp_gna_interval =
                            self.secs(t, 0, 1_000_000_000, "vrrp_gna_interval", DROP_KW);
                    }
                }
                "vrrp_skip_check_adv_addr" => g.vrrp_skip_check_adv_addr = true,
                // keepalived ≥ 2.2.8 (tree.rs keeps it after its keyword-too-new warning): takes no value.
                "v3_checksum_as_v2" => g.v3_checksum_as_v2 = true,
                "vrrp_check_unicast_src" => g.vrrp_check_unicast_src = true,
                "vrrp_lower_prio_no_advert" => {
                    let b = self.flag_bool(c, "global_defs");
                    self.cfg.global_defs.vrrp_lower_prio_no_advert = b;
                }
                "vrrp_higher_prio_send_advert" => {
                    let b = self.flag_bool(c, "global_defs");
                    self.cfg.global_defs.vrrp_higher_prio_send_advert = b;
                }
                "enable_script_security" => g.enable_script_security = true,
                "script_user" => {
                    if let Some(t) = self.need(c, 1) {
                        self.cfg.global_defs.script_user =
                            Some((t.text.clone(), c.args.get(1).map(|g| g.text.clone())));
                    }
                }
                "lvs_sync_daemon" => {
                    g.lvs_sync_daemon = Some(c.args.iter().map(|t| t.text.clone()).collect());
                }
                "dynamic_interfaces" => g.dynamic_interfaces = true,
                "max_auto_priority" => {
                    let v = match c.args.first() {
                        Some(t) => self
                            .int(t, -1, 99, "max_auto_priority", DROP_KW)
                            .map(|v| v as i32),
                        None => Some(99),
                    };
                    self.cfg.global_defs.max_auto_priority = v;
                }
                "vrrp_vmac_garp_intvl" => {
                    self.warn(
                        "deprecated-keyword",
                        &c.kw.span,
                        "keyword \"vrrp_vmac_garp_intvl\" is deprecated - please use \"vrrp_garp_extra_if\"".into(),
                        "logs the deprecation and applies it as vrrp_garp_extra_if",
                    );
                    self.cfg.global_defs.extra.push(setting(c));
                }
                "lvs_process_name" => {
                    self.cfg.global_defs.extra.push(setting(c));
                }
                _ => g.extra.push(setting(c)),
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // vrrp_script, track_file, track_process

    fn vrrp_script(&mut self, n: &Node) {
        let Some(name) = self.need(n, 1).map(|t| t.text.clone()) else {
            return;
        };
        let mut s = VrrpScript {
            name: name.clone(),
            script: None,
            interval: None,
            timeout: None,
            weight: None,
            weight_reverse: false,
            rise: None,
            fall: None,
            user: None,
            init_fail: false,
            span: n.kw.span.clone(),
        };
        for c in &n.children {
            match c.name() {
                "script" => s.script = self.script_of(c),
                "interval" | "timeout" => {
                    if let Some(t) = self.need(c, 1) {
                        let what = c.name();
                        let v = self.uint(
                            t,
                            0,
                            4294,
                            &format!(
                                "({name}): vrrp script {what} '{}' must be between 1 and 4294",
                                t.text
                            ),
                            if what == "interval" {
                                "ignores it (interval 1 s applies)"
                            } else {
                                "ignores it (the timeout defaults to the interval)"
                            },
                        );
                        let v = match v {
                            Some(0) => {
                                self.warn(
                                    "number-range",
                                    &t.span,
                                    format!("({name}): vrrp script {what} must be greater than 0, setting to 1"),
                                    "uses 1 s",
                                );
                                Some(1)
                            }
                            other => other,
                        };
                        let d = v.map(Duration::from_secs);
                        if what == "interval" {
                            s.interval = d;
                        } else {
                            s.timeout = d;
                        }
                    }
                }
                "weight" => {
                    if let Some(t) = self.need(c, 1) {
                        s.weight = self
                            .int(
                                t,
                                -253,
                                253,
                                &format!("vrrp_script {name} weight must be in [-253, 253]"),
                                "ignores the weight (0 applies: the script can only put the instance in FAULT)",
                            )
                            .map(|v| v as i32);
                        if let Some(r) = c.args.get(1) {
                            if r.text == "reverse" {
                                s.weight_reverse = true;
                            } else {
                                self.err(
                                    "unknown-option",
                                    &r.span,
                                    format!("vrrp_script {name} unknown weight option {}", r.text),
                                    "ignores the option",
                                );
                            }
                        }
                    }
                }
                "rise" => {
                    if let Some(t) = self.need(c, 1) {
                        s.rise = self
                            .uint(
                                t,
                                1,
                                u64::from(u32::MAX),
                                &format!("({name}) vrrp script rise value"),
                                "defaults to 1",
                            )
                            .map(|v| v as u32);
                    }
                }
                "fall" => {
                    if let Some(t) = self.need(c, 1) {
                        s.fall = self
                            .uint(
                                t,
                                1,
                                u64::from(u32::MAX),
                                &format!("({name}) vrrp script fall value"),
                                "defaults to 1",
                            )
                            .map(|v| v as u32);
                    }
                }
                "user" => {
                    if let Some(t) = self.need(c, 1) {
                        s.user = Some((t.text.clone(), c.args.get(1).map(|g| g.text.clone())));
                    }
                }
                "init_fail" => s.init_fail = true,
                _ => {}
            }
        }
        if s.script.is_none() {
            let at = n.close.clone().unwrap_or_else(|| n.kw.span.clone());
            self.err(
                "script-missing",
                &at,
                format!("no script set for vrrp_script {name}"),
                format!("logs \"No script set for vrrp_script {name} - removing\": the script does not exist and every track_script naming it is ignored"),
            );
            return;
        }
        self.cfg.vrrp_scripts.push(s);
    }

    fn track_file(&mut self, n: &Node, deprecated: bool) {
        let Some(name) = self.need(n, 1).map(|t| t.text.clone()) else {
            return;
        };
        if deprecated {
            self.diags.push(Diagnostic::keepalived(
                Severity::Warning,
                "deprecated-keyword",
                n.kw.span.clone(),
                "\"vrrp_track_file\" is deprecated, please use \"track_file\"",
                "accepts it as track_file",
            ));
        }
        let mut f = TrackFile {
            name,
            file: None,
            weight: None,
            weight_reverse: false,
            init_file: None,
            deprecated_alias: deprecated,
            span: n.kw.span.clone(),
        };
        for c in &n.children {
            match c.name() {
                "file" => f.file = self.need(c, 1).map(|t| t.text.clone()),
                "weight" => {
                    if let Some(t) = self.need(c, 1) {
                        f.weight = self
                            .int(
                                t,
                                -254,
                                254,
                                &format!("track_file {} weight", f.name),
                                "ignores the weight",
                            )
                            .map(|v| v as i32);
                        f.weight_reverse = c.args.get(1).is_some_and(|r| r.text == "reverse");
                    }
                }
                "init_file" => f.init_file = Some(c.args.iter().map(|t| t.text.clone()).collect()),
                _ => {}
            }
        }
        if f.file.is_none() {
            let at = n.close.clone().unwrap_or_else(|| n.kw.span.clone());
            self.err(
                "track-file-missing",
                &at,
                format!("no file set for track file {}", f.name),
                "removes the track_file",
            );
            return;
        }
        self.cfg.vrrp_track_files.push(f);
    }

    fn track_process(&mut self, n: &Node) {
        let Some(name) = self.need(n, 1).map(|t| t.text.clone()) else {
            return;
        };
        let mut p = TrackProcess {
            name,
            process: None,
            weight: None,
            quorum: None,
            extra: Vec::new(),
            span: n.kw.span.clone(),
        };
        for c in &n.children {
            match c.name() {
                "process" => p.process = Some(c.args.iter().map(|t| t.text.clone()).collect()),
                "weight" => {
                    if let Some(t) = self.need(c, 1) {
                        p.weight = self
                            .int(t, -254, 254, "track process weight", "ignores the weight")
                            .map(|v| v as i32);
                    }
                }
                "quorum" => {
                    if let Some(t) = self.need(c, 1) {
                        p.quorum = self
                            .uint(t, 1, 65535, "track process quorum", "ignores the quorum")
                            .map(|v| v as u32);
                    }
                }
                _ => p.extra.push(setting(c)),
            }
        }
        self.cfg.vrrp_track_processes.push(p);
    }

    // ------------------------------------------------------------------------------------------
    // addresses, routes, rules

    /// One line of virtual_ipaddress & co. (keepalived's alloc_ipaddress).
    fn vip(&mut self, line: &[Tok], ctx: &str, family: Option<bool>) -> Option<VirtualIp> {
        let first = line.first()?;
        let text = &first.text;
        let (addr_s, pfx_s) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.as_str(), None),
        };
        let v6 = addr_s.contains(':');
        let max = if v6 { 128 } else { 32 };
        let addr: Option<IpAddr> = if v6 {
            addr_s.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
        } else {
            addr_s.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
        };
        let mut prefix_len = None;
        if let Some(p) = pfx_s {
            match p.parse::<u8>() {
                Ok(v) if v <= max => prefix_len = Some(v),
                _ => {
                    self.warn(
                        "prefix-len",
                        &first.span,
                        format!("invalid address prefix len {p} for address {text} - using {max}"),
                        format!("logs it and uses /{max}"),
                    );
                    prefix_len = Some(max);
                }
            }
        }
        let Some(addr) = addr else {
            let mut d = Diagnostic::keepalived(
                Severity::Error,
                "invalid-address",
                first.span.clone(),
                format!("invalid IP address '{text}' in {ctx}"),
                format!("logs \"VRRP parsed invalid IP {text}. skipping IP...\": the address is dropped"),
            );
            if text
                .chars()
                .any(|c| crate::invisible::describe(c).is_some())
            {
                d.help = Some("the address contains an invisible character; retype it".into());
            }
            self.diags.push(d);
            return None;
        };
        if let Some(fam6) = family {
            if fam6 != addr.is_ipv6() {
                self.err(
                    "address-family",
                    &first.span,
                    format!("({ctx}) address family of {text} must match the VRRP instance's first address"),
                    "logs \"address family must match VRRP instance\" and ignores the address",
                );
                return None;
            }
        }
        let mut v = VirtualIp {
            addr,
            prefix_len,
            broadcast: None,
            dev: None,
            scope: None,
            label: None,
            no_track: false,
            options: Vec::new(),
            span: first.span.clone(),
        };
        let mut i = 1;
        while i < line.len() {
            let w = line[i].text.as_str();
            let val = line.get(i + 1).map(|t| t.text.clone());
            let takes = matches!(
                w,
                "dev"
                    | "scope"
                    | "broadcast"
                    | "brd"
                    | "label"
                    | "peer"
                    | "preferred_lft"
                    | "track_group"
            );
            if takes && val.is_none() {
                self.err(
                    "missing-parameter",
                    &line[i].span,
                    format!("no {w} parameter specified for {text}"),
                    "ignores the address option",
                );
                break;
            }
            match w {
                "dev" => v.dev = val,
                "scope" => {
                    let s = val.unwrap_or_default();
                    if !matches!(s.as_str(), "site" | "link" | "host" | "nowhere" | "global")
                        && s.parse::<u8>().is_err()
                    {
                        self.err(
                            "invalid-scope",
                            &line[i + 1].span,
                            format!("invalid scope '{s}' specified for {text} - ignoring"),
                            "ignores the scope",
                        );
                    } else {
                        v.scope = Some(s);
                    }
                }
                "broadcast" | "brd" => v.broadcast = val,
                "label" => v.label = val,
                "no_track" => v.no_track = true,
                "peer" | "preferred_lft" | "track_group" => {
                    v.options.push(w.to_string());
                    v.options.push(val.unwrap_or_default());
                }
                "home" | "-nodad" | "nodad" | "mngtmpaddr" | "noprefixroute" | "autojoin"
                | "use_vmac" => v.options.push(w.to_string()),
                _ => {
                    self.err(
                        "unknown-option",
                        &line[i].span,
                        format!("unknown configuration entry '{w}' for ip address - ignoring"),
                        "ignores the word",
                    );
                    i += 1;
                    continue;
                }
            }
            i += if takes { 2 } else { 1 };
        }
        Some(v)
    }

    fn route(&mut self, line: &[Tok]) -> IpRoute {
        let span = line.first().map(|t| t.span.clone()).unwrap_or_default();
        let words: Vec<String> = line.iter().map(|t| t.text.clone()).collect();
        let mut r = IpRoute {
            to: None,
            via: None,
            dev: None,
            words,
            span,
        };
        let mut i = 0;
        while i < line.len() {
            let w = line[i].text.as_str();
            match w {
                "src" | "table" | "metric" | "proto" | "scope" | "realms" | "mtu" | "advmss"
                | "rtt" | "rttvar" | "reordering" | "window" | "cwnd" | "ssthresh" | "rto_min"
                | "initcwnd" | "initrwnd" | "features" | "quickack" | "congctl" | "pref"
                | "fastopen_no_cookie" | "ttl-propagate" | "encap" | "expires" | "preference"
                | "tos" | "dsfield" | "nexthop" | "weight" | "onlink" | "track_group" => {
                    i += 2;
                }
                "via" | "gw" => {
                    if w == "gw" {
                        self.warn(
                            "deprecated-keyword",
                            &line[i].span,
                            "\"gw\" for routes is deprecated. Please use \"via\"".into(),
                            "accepts it as via",
                        );
                    }
                    if let Some(t) = line.get(i + 1) {
                        match parse_ip(&t.text) {
                            Some(a) => r.via = Some(a),
                            None => self.err(
                                "invalid-address",
                                &t.span,
                                format!("invalid route gateway '{}'", t.text),
                                "drops the route",
                            ),
                        }
                    }
                    i += 2;
                }
                "or" => {
                    self.warn(
                        "deprecated-keyword",
                        &line[i].span,
                        "\"or\" for routes is deprecated. Please use \"nexthop\"".into(),
                        "accepts it as nexthop",
                    );
                    i += 2;
                }
                "dev" | "oif" => {
                    r.dev = line.get(i + 1).map(|t| t.text.clone());
                    i += 2;
                }
                "to" => {
                    r.to = line.get(i + 1).map(|t| t.text.clone());
                    i += 2;
                }
                "blackhole" | "unreachable" | "prohibit" | "throw" | "local" | "broadcast"
                | "unicast" | "anycast" | "multicast" | "nat" | "no_track" | "lock" => i += 1,
                _ => {
                    if r.to.is_none() {
                        let (a, _) = w.split_once('/').unwrap_or((w, ""));
                        if w != "default" && parse_ip(a).is_none() {
                            self.err(
                                "invalid-address",
                                &line[i].span,
                                format!("invalid route destination '{w}'"),
                                "drops the route",
                            );
                        }
                        r.to = Some(w.to_string());
                    }
                    i += 1;
                }
            }
        }
        if r.dev.is_none() {
            if let Some(to) = &r.to {
                self.warn(
                    "route-no-interface",
                    &r.span,
                    format!("cannot track route {to} with no interface specified, not tracking"),
                    "logs \"Warning - cannot track route ... with no interface specified, not tracking\" and installs the route untracked",
                );
            }
        }
        r
    }

    fn rule(&mut self, line: &[Tok]) -> IpRule {
        let span = line.first().map(|t| t.span.clone()).unwrap_or_default();
        let words: Vec<String> = line.iter().map(|t| t.text.clone()).collect();
        let mut has_pref = false;
        let mut dropped = false;
        let mut i = 0;
        while i < line.len() {
            let w = line[i].text.as_str();
            match w {
                "from" | "to" => {
                    if let Some(t) = line.get(i + 1) {
                        let a = t.text.split_once('/').map_or(t.text.as_str(), |(a, _)| a);
                        if t.text != "all" && parse_ip(a).is_none() {
                            dropped = true;
                            self.err(
                                "invalid-address",
                                &t.span,
                                format!("invalid rule {w} address {}", t.text),
                                format!("logs \"VRRP parsed invalid IP {}. skipping IP...\" and \"Invalid rule {w} address\": the rule is dropped", t.text),
                            );
                        }
                    }
                    i += 2;
                }
                "preference" | "pref" | "priority" => {
                    has_pref = true;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        if !has_pref && !dropped {
            self.warn(
                "rule-no-preference",
                &span,
                "rule has no preference specified".into(),
                "logs \"Rule has no preference specified - setting to 16384 (decreasing)\" and goes on",
            );
        }
        IpRule { words, span }
    }

    // ------------------------------------------------------------------------------------------
    // vrrp_instance

    fn track_refs(
        &mut self,
        n: &Node,
        iname: &str,
        what: &str,
        known: &[String],
        check: bool,
    ) -> Vec<TrackRef> {
        let mut out: Vec<TrackRef> = Vec::new();
        for line in &n.values {
            let Some(first) = line.first() else { continue };
            let name = first.text.clone();
            if check && !known.contains(&name) {
                let mut d = Diagnostic::keepalived(
                    Severity::Error,
                    "unknown-reference",
                    first.span.clone(),
                    format!("({iname}) {what} {name} not found"),
                    format!("logs \"({iname}) {what} {name} not found, ignoring...\": the instance does not track it"),
                );
                if what == "track script" {
                    d.help = Some("define the vrrp_script before the vrrp_instance that tracks it (keepalived resolves names while reading)".into());
                }
                self.diags.push(d);
                continue;
            }
            if out.iter().any(|r| r.name == name) {
                self.err(
                    "duplicate-reference",
                    &first.span,
                    format!("({iname}) duplicate {what} {name} - ignoring"),
                    "ignores the duplicate",
                );
                continue;
            }
            let mut r = TrackRef {
                name,
                weight: None,
                reverse: false,
                span: first.span.clone(),
            };
            if let Some(opt) = line.get(1) {
                if opt.text != "weight" {
                    self.err(
                        "unknown-option",
                        &opt.span,
                        format!("({iname}) unknown {what} option {} - ignoring", opt.text),
                        format!("ignores the {what} entry"),
                    );
                    continue;
                }
                match line.get(2) {
                    None => {
                        self.err(
                            "missing-parameter",
                            &opt.span,
                            format!(
                                "({iname}) weight without value specified for {what} {}",
                                r.name
                            ),
                            format!("ignores the {what} entry"),
                        );
                        continue;
                    }
                    Some(w) => {
                        r.weight = self
                            .int(
                                w,
                                -253,
                                253,
                                &format!("({iname}) {what} {} weight", r.name),
                                "ignores the weight override",
                            )
                            .map(|v| v as i32);
                    }
                }
                if let Some(rev) = line.get(3) {
                    if rev.text == "reverse" {
                        r.reverse = true;
                    } else {
                        self.err(
                            "unknown-option",
                            &rev.span,
                            format!("({iname}) unknown {what} weight option {}", rev.text),
                            "ignores the option",
                        );
                    }
                }
            }
            out.push(r);
        }
        out
    }

    fn vrrp_instance(&mut self, n: &Node) {
        let Some(name_t) = self.need(n, 1) else {
            return;
        };
        let name = name_t.text.clone();
        if self.cfg.vrrp_instances.iter().any(|v| v.name == name) {
            self.err(
                "duplicate-instance",
                &name_t.span,
                format!("vrrp instance {name} already defined"),
                "logs \"vrrp instance ... already defined\" and skips the whole block",
            );
            return;
        }
        let mut v = VrrpInstance::new(name.clone(), n.kw.span.clone());
        if let Some(close) = &n.close {
            v.span_end = close.clone();
        }
        let mut family6: Option<bool> = None;
        let mut vrid_span: Option<Span> = None;
        let script_names: Vec<String> = self
            .cfg
            .vrrp_scripts
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let file_names: Vec<String> = self
            .cfg
            .vrrp_track_files
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let proc_names: Vec<String> = self
            .cfg
            .vrrp_track_processes
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let bfd_names: Vec<String> = self
            .cfg
            .bfd_instances
            .iter()
            .map(|s| s.name.clone())
            .collect();
        for c in &n.children {
            match c.name() {
                "state" => {
                    if let Some(t) = self.need(c, 1) {
                        match t.text.as_str() {
                            "MASTER" => v.state = Some(InitialState::Master),
                            "BACKUP" => {
                                if v.state == Some(InitialState::Master) {
                                    self.err(
                                        "state-conflict",
                                        &t.span,
                                        format!("({name}) state previously set as MASTER - ignoring BACKUP"),
                                        "keeps MASTER",
                                    );
                                } else {
                                    v.state = Some(InitialState::Backup);
                                }
                            }
                            other => {
                                self.err(
                                    "invalid-state",
                                    &t.span,
                                    format!(
                                        "({name}) unknown state '{other}', defaulting to BACKUP"
                                    ),
                                    "starts the instance as BACKUP",
                                );
                                v.state = Some(InitialState::Backup);
                            }
                        }
                    }
                }
                "interface" => {
                    if let Some(t) = self.need(c, 1) {
                        if t.text.len() > 15 {
                            self.err(
                                "interface-name",
                                &t.span,
                                format!("interface name '{}' too long - ignoring", t.text),
                                "ignores the interface",
                            );
                        } else {
                            v.interface = Some(t.text.clone());
                        }
                    }
                }
                "virtual_router_id" => {
                    if let Some(t) = self.need(c, 1) {
                        vrid_span = Some(t.span.clone());
                        v.virtual_router_id = self
                            .uint(
                                t,
                                1,
                                255,
                                &format!("({name}) VRID '{}' not valid - must be between 1 & 255", t.text),
                                "leaves the VRID unset and then refuses the instance (\"the virtual router id must be set\"): keepalived does not start",
                            )
                            .map(|x| x as u8);
                        if let Some(d) = self.diags.last_mut() {
                            if d.span == t.span && d.severity == Severity::Error {
                                d.code = "vrid-range";
                            }
                        }
                    }
                }
                "priority" => {
                    if let Some(t) = self.need(c, 1) {
                        let p = self.uint(
                            t,
                            1,
                            255,
                            &format!("({name}) Priority not valid! must be between 1 & 255"),
                            "uses the default priority 100",
                        );
                        if p.is_none() {
                            if let Some(d) = self.diags.last_mut() {
                                d.code = "priority-range";
                            }
                        }
                        v.priority = Some(p.map_or(100, |x| x as u8));
                    }
                }
                "advert_int" => {
                    if let Some(t) = self.need(c, 1) {
                        match parse_decimal(&t.text, 6) {
                            Some(us) if (10_000..=255_000_000).contains(&us) => {
                                v.advert_int = Some(Duration::from_micros(us))
                            }
                            _ => self.err(
                                "advert-int",
                                &t.span,
                                format!("({name}) advert interval ({}) not valid! Must be > 0 (0.01 .. 255 s)", t.text),
                                "ignores it (advert_int 1 applies)",
                            ),
                        }
                    }
                }
                "version" => {
                    if let Some(t) = self.need(c, 1) {
                        match parse_i64(&t.text) {
                            Some(x @ 2..=3) => {
                                if x == 2 && family6 == Some(true) {
                                    self.err(
                                        "version-conflict",
                                        &t.span,
                                        format!("({name}) vrrp_version 2 conflicts with configured or deduced version 3; ignoring."),
                                        "keeps version 3 (IPv6 needs VRRPv3)",
                                    );
                                } else {
                                    v.version = Some(x as u8);
                                }
                            }
                            _ => self.err(
                                "version",
                                &t.span,
                                format!("({name}): Version must be either 2 or 3"),
                                "ignores it",
                            ),
                        }
                    }
                }
                "authentication" => {
                    let mut a = Authentication::default();
                    for k in &c.children {
                        match k.name() {
                            "auth_type" => {
                                if let Some(t) = self.need(k, 1) {
                                    match t.text.as_str() {
                                        "PASS" => a.auth_type = Some(AuthType::Pass),
                                        "AH" => a.auth_type = Some(AuthType::Ah),
                                        other => self.err(
                                            "auth-type",
                                            &t.span,
                                            format!(
                                                "({name}) unknown authentication type '{other}'"
                                            ),
                                            "ignores it: no authentication",
                                        ),
                                    }
                                }
                            }
                            "auth_pass" => {
                                if let Some(t) = self.need(k, 1) {
                                    let mut p = t.text.clone();
                                    if p.len() > 8 {
                                        self.warn(
                                            "auth-pass-length",
                                            &t.span,
                                            format!("auth_pass is {} bytes long; it is truncated to 8 characters", p.len()),
                                            "logs \"Truncating auth_pass to 8 characters\" and uses the first 8 bytes (peers must match those)",
                                        );
                                        let mut cut = 8;
                                        while !p.is_char_boundary(cut) {
                                            cut -= 1;
                                        }
                                        p.truncate(cut);
                                    }
                                    a.auth_pass = Some(p);
                                }
                            }
                            _ => {}
                        }
                    }
                    v.authentication = Some(a);
                }
                "virtual_ipaddress" | "virtual_ipaddress_excluded" => {
                    let excluded = c.name() == "virtual_ipaddress_excluded";
                    for line in &c.values {
                        if let Some(ip) = self.vip(line, &name, family6) {
                            if family6.is_none() {
                                family6 = Some(ip.addr.is_ipv6());
                                if ip.addr.is_ipv6() && v.version == Some(2) {
                                    // keepalived keeps v2 here and complains later only in strict mode.
                                }
                            }
                            if excluded {
                                v.virtual_ipaddress_excluded.push(ip);
                            } else {
                                v.virtual_ipaddress.push(ip);
                            }
                        }
                    }
                }
                "virtual_routes" => {
                    for line in &c.values {
                        let r = self.route(line);
                        v.virtual_routes.push(r);
                    }
                }
                "virtual_rules" => {
                    for line in &c.values {
                        let r = self.rule(line);
                        v.virtual_rules.push(r);
                    }
                }
                "track_interface" => {
                    v.track_interface = self.track_refs(c, &name, "track interface", &[], false)
                }
                "track_script" => {
                    v.track_script = self.track_refs(c, &name, "track script", &script_names, true)
                }
                "track_file" => {
                    v.track_file = self.track_refs(c, &name, "track file", &file_names, true)
                }
                "track_process" => {
                    v.track_process = self.track_refs(c, &name, "track process", &proc_names, true)
                }
                "track_bfd" => {
                    v.track_bfd = self.track_refs(c, &name, "track bfd", &bfd_names, true)
                }
                "notify_master" => v.notify_master = self.script_of(c),
                "notify_backup" => v.notify_backup = self.script_of(c),
                "notify_fault" => v.notify_fault = self.script_of(c),
                "notify_stop" => v.notify_stop = self.script_of(c),
                "notify" => v.notify = self.script_of(c),
                "smtp_alert" => v.smtp_alert = self.flag_bool(c, &name),
                "use_vmac" => v.use_vmac = Some(c.args.first().map(|t| t.text.clone())),
                "vmac_xmit_base" => v.vmac_xmit_base = true,
                "garp_master_delay" => {
                    if let Some(t) = self.need(c, 1) {
                        v.garp_master_delay = self.whole_secs(
                            t,
                            0,
                            4294,
                            &format!("({name}): garp_master_delay"),
                            DROP_KW,
                        );
                    }
                }
                "garp_master_repeat" => {
                    if let Some(t) = self.need(c, 1) {
                        v.garp_master_repeat = self
                            .uint(
                                t,
                                0,
                                u64::from(u32::MAX),
                                &format!("({name}): garp_master_repeat"),
                                DROP_KW,
                            )
                            .map(|x| x as u32);
                    }
                }
                "garp_master_refresh" => {
                    if let Some(t) = self.need(c, 1) {
                        v.garp_master_refresh = self.whole_secs(
                            t,
                            0,
                            4294,
                            &format!("({name}): garp_master_refresh"),
                            DROP_KW,
                        );
                    }
                }
                "garp_master_refresh_repeat" => {
                    if let Some(t) = self.need(c, 1) {
                        v.garp_master_refresh_repeat = self
                            .uint(
                                t,
                                0,
                                u64::from(u32::MAX),
                                &format!("({name}): garp_master_refresh_repeat"),
                                DROP_KW,
                            )
                            .map(|x| x as u32);
                    }
                }
                "garp_lower_prio_delay" => {
                    if let Some(t) = self.need(c, 1) {
                        v.garp_lower_prio_delay = self.whole_secs(
                            t,
                            0,
                            4294,
                            &format!("({name}): garp_lower_prio_delay"),
                            DROP_KW,
                        );
                    }
                }
                "garp_lower_prio_repeat" => {
                    if let Some(t) = self.need(c, 1) {
                        v.garp_lower_prio_repeat = self
                            .uint(
                                t,
                                0,
                                u64::from(u32::MAX),
                                &format!("({name}): garp_lower_prio_repeat"),
                                DROP_KW,
                            )
                            .map(|x| x as u32);
                    }
                }
                "nopreempt" => v.nopreempt = true,
                "preempt" => v.nopreempt = false,
                "preempt_delay" => {
                    if let Some(t) = self.need(c, 1) {
                        v.preempt_delay = self.secs(
                            t,
                            0,
                            1_000_000_000,
                            &format!("({name}) Preempt_delay not valid! must be between 0-1000"),
                            "ignores it (no preempt delay)",
                        );
                    }
                }
                "accept" => v.accept = Some(true),
                "no_accept" => v.accept = Some(false),
                "unicast_src_ip" | "mcast_src_ip" => {
                    if let Some(t) = self.need(c, 1) {
                        let what = format!("({name}) {}", c.name());
                        if let Some(a) = self.ip(
                            t,
                            &what,
                            "ignores it (the interface's primary address is used)",
                        ) {
                            if c.name() == "unicast_src_ip" {
                                v.unicast_src_ip = Some(a);
                            } else {
                                v.mcast_src_ip = Some(a);
                            }
                        }
                    }
                }
                "unicast_peer" => {
                    for line in &c.values {
                        let Some(t) = line.first() else { continue };
                        match parse_ip(&t.text) {
                            Some(a) => v.unicast_peer.push(UnicastPeer {
                                addr: a,
                                options: line[1..].iter().map(|t| t.text.clone()).collect(),
                                span: t.span.clone(),
                            }),
                            None => self.err(
                                "invalid-address",
                                &t.span,
                                format!("({name}) invalid unicast_peer address '{}'", t.text),
                                "logs \"VRRP parsed invalid IP\" and drops the peer",
                            ),
                        }
                    }
                }
                "unicast_ttl" => {
                    if let Some(t) = self.need(c, 1) {
                        v.unicast_ttl = self
                            .uint(
                                t,
                                0,
                                255,
                                &format!(
                                    "({name}): TTL '{}' not valid - must be between 0 & 255",
                                    t.text
                                ),
                                DROP_KW,
                            )
                            .map(|x| x as u8);
                    }
                }
                "dont_track_primary" => v.dont_track_primary = true,
                "strict_mode" => v.strict_mode = self.flag_bool(c, &name),
                "native_ipv6" => {
                    if family6 == Some(false) {
                        self.err(
                            "native-ipv6",
                            &c.kw.span,
                            format!("({name}) Cannot specify native_ipv6 with IPv4 addresses"),
                            "ignores native_ipv6",
                        );
                    } else {
                        v.native_ipv6 = true;
                        family6 = Some(true);
                    }
                }
                "skip_check_adv_addr" => v.skip_check_adv_addr = self.flag_bool(c, &name),
                // keepalived ≥ 2.2.8 (tree.rs keeps it after its keyword-too-new warning). 2.2.7 ignores the
                // whole line, so a bad value is not an error here: it is simply not recorded.
                "v3_checksum_as_v2" => {
                    v.v3_checksum_as_v2 = match c.args.first() {
                        None => Some(true),
                        Some(t) => true_false(&t.text),
                    }
                }
                "lower_prio_no_advert" => v.lower_prio_no_advert = self.flag_bool(c, &name),
                "higher_prio_send_advert" => v.higher_prio_send_advert = self.flag_bool(c, &name),
                "promote_secondaries" => v.promote_secondaries = true,
                "down_timer_adverts" => {
                    if let Some(t) = self.need(c, 1) {
                        v.down_timer_adverts = self
                            .uint(
                                t,
                                1,
                                100,
                                &format!(
                                    "({name}): Invalid down_timer_adverts [1:100] '{}'",
                                    t.text
                                ),
                                DROP_KW,
                            )
                            .map(|x| x as u32);
                    }
                }
                "notify_deleted" => {
                    v.notify_deleted = if c.args.is_empty() {
                        Some(Script {
                            command: String::new(),
                            span: c.kw.span.clone(),
                        })
                    } else {
                        self.script_of(c)
                    }
                }
                "notify_master_rx_lower_pri" => v.notify_master_rx_lower_pri = self.script_of(c),
                "mcast_dst_ip" => {
                    if let Some(t) = self.need(c, 1) {
                        match parse_ip(&t.text) {
                            Some(a) if a.is_multicast() => v.mcast_dst_ip = Some(a),
                            _ => self.err(
                                "invalid-address",
                                &t.span,
                                format!("({name}) mcast_dst_ip {} not multicast", t.text),
                                "logs \"mcast_dst_ip ... not multicast. Skipping...\" and uses the default group",
                            ),
                        }
                    }
                }
                "track_src_ip" => v.track_src_ip = true,
                "check_unicast_src" => v.check_unicast_src = true,
                "unicast_fault_no_peer" => v.unicast_fault_no_peer = true,
                "use_vmac_addr" => v.use_vmac_addr = true,
                "garp_extra_if" => {
                    v.garp_extra_if = Some(c.args.iter().map(|t| t.text.clone()).collect())
                }
                "vrf" => v.vrf = c.args.first().map(|t| t.text.clone()),
                "debug" => {
                    v.debug = match c.args.first() {
                        Some(t) => self
                            .uint(
                                t,
                                0,
                                4,
                                &format!(
                                    "({name}) Debug value '{}' not valid; must be between 0-4",
                                    t.text
                                ),
                                DROP_KW,
                            )
                            .map(|x| x as u32),
                        None => Some(0),
                    }
                }
                "lvs_sync_daemon_interface" => {
                    self.warn(
                        "deprecated-keyword",
                        &c.kw.span,
                        format!("({name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon"),
                        "logs the deprecation and applies it",
                    );
                    v.extra.push(setting(c));
                }
                "linkbeat_use_polling" => {
                    self.warn(
                        "deprecated-keyword",
                        &c.kw.span,
                        format!("({name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block"),
                        "logs the deprecation and applies it",
                    );
                    v.extra.push(setting(c));
                }
                "vmac_garp_intvl" => {
                    self.warn(
                        "deprecated-keyword",
                        &c.kw.span,
                        "keyword \"vmac_garp_intvl\" is deprecated - please use \"garp_extra_if\""
                            .into(),
                        "applies it as garp_extra_if",
                    );
                    v.extra.push(setting(c));
                }
                _ => v.extra.push(setting(c)),
            }
        }
        // keepalived's end-of-block and start-up checks (vrrp_complete_instance).
        if v.virtual_router_id.is_none() {
            let at = vrid_span.unwrap_or_else(|| n.kw.span.clone());
            self.err(
                "vrid-missing",
                &at,
                format!("({name}) the virtual router id must be set"),
                "reports \"the virtual router id must be set\" and refuses the configuration: keepalived does not start",
            );
        }
        self.cfg.vrrp_instances.push(v);
    }

    // ------------------------------------------------------------------------------------------
    // vrrp_sync_group

    fn sync_group(&mut self, n: &Node) {
        let Some(name) = self.need(n, 1).map(|t| t.text.clone()) else {
            return;
        };
        let mut g = SyncGroup {
            name: name.clone(),
            group: Vec::new(),
            track_script: Vec::new(),
            track_interface: Vec::new(),
            track_file: Vec::new(),
            notify_master: None,
            notify_backup: None,
            notify_fault: None,
            notify: None,
            notify_stop: None,
            smtp_alert: None,
            track_process: Vec::new(),
            track_bfd: Vec::new(),
            sync_group_tracking_weight: false,
            extra: Vec::new(),
            span: n.kw.span.clone(),
        };
        let proc_names: Vec<String> = self
            .cfg
            .vrrp_track_processes
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let bfd_names: Vec<String> = self
            .cfg
            .bfd_instances
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let script_names: Vec<String> = self
            .cfg
            .vrrp_scripts
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let file_names: Vec<String> = self
            .cfg
            .vrrp_track_files
            .iter()
            .map(|s| s.name.clone())
            .collect();
        for c in &n.children {
            match c.name() {
                "group" => {
                    for line in &c.values {
                        for t in line {
                            g.group.push(t.text.clone());
                        }
                    }
                    if c.values.is_empty() {
                        self.warn(
                            "empty-block",
                            &c.kw.span,
                            format!("sync group {name} has empty group block"),
                            "logs it; the sync group is then removed",
                        );
                    }
                }
                "track_script" => {
                    g.track_script = self.track_refs(c, &name, "track script", &script_names, true)
                }
                "track_interface" => {
                    g.track_interface = self.track_refs(c, &name, "track interface", &[], false)
                }
                "track_file" => {
                    g.track_file = self.track_refs(c, &name, "track file", &file_names, true)
                }
                "notify_master" => g.notify_master = self.script_of(c),
                "notify_backup" => g.notify_backup = self.script_of(c),
                "notify_fault" => g.notify_fault = self.script_of(c),
                "notify" => g.notify = self.script_of(c),
                "notify_stop" => g.notify_stop = self.script_of(c),
                "smtp_alert" => g.smtp_alert = self.flag_bool(c, &name),
                "track_process" => {
                    g.track_process = self.track_refs(c, &name, "track process", &proc_names, true)
                }
                "track_bfd" => {
                    g.track_bfd = self.track_refs(c, &name, "track bfd", &bfd_names, true)
                }
                "sync_group_tracking_weight" => g.sync_group_tracking_weight = true,
                "global_tracking" => {
                    self.warn(
                        "deprecated-keyword",
                        &c.kw.span,
                        format!("({name}) global_tracking is deprecated. Use track_interface/script/file on the sync group"),
                        "logs the deprecation and applies it",
                    );
                    g.extra.push(setting(c));
                }
                _ => g.extra.push(setting(c)),
            }
        }
        self.cfg.sync_groups.push(g);
    }

    // ------------------------------------------------------------------------------------------
    // LVS

    fn vsg(&mut self, n: &Node) {
        let Some(name) = self.need(n, 1).map(|t| t.text.clone()) else {
            return;
        };
        let mut g = VirtualServerGroup {
            name,
            entries: Vec::new(),
            span: n.kw.span.clone(),
        };
        for line in &n.values {
            let Some(first) = line.first() else { continue };
            if first.text == "fwmark" {
                if let Some(t) = line.get(1) {
                    if let Some(m) = self.uint(
                        t,
                        1,
                        u64::from(u32::MAX),
                        "virtual_server_group fwmark",
                        "drops the entry",
                    ) {
                        g.entries.push(VsgEntry::Fwmark(m as u32));
                    }
                }
                continue;
            }
            let (a, range) = match first.text.split_once('-') {
                Some((a, r)) => (a.to_string(), Some(r.to_string())),
                None => (first.text.clone(), None),
            };
            let Some(ip) = parse_ip(&a) else {
                self.err(
                    "invalid-address",
                    &first.span,
                    format!(
                        "virtual_server_group {}: invalid IP address '{}'",
                        g.name, first.text
                    ),
                    "drops the entry",
                );
                continue;
            };
            let last = match (&range, ip) {
                (Some(r), IpAddr::V4(v4)) => match r.parse::<u8>() {
                    Ok(l) => {
                        let o = v4.octets();
                        IpAddr::V4(std::net::Ipv4Addr::new(o[0], o[1], o[2], l))
                    }
                    Err(_) => ip,
                },
                (Some(r), IpAddr::V6(v6)) => match u16::from_str_radix(r, 16) {
                    Ok(l) => {
                        let mut s = v6.segments();
                        s[7] = l;
                        IpAddr::V6(std::net::Ipv6Addr::from(s))
                    }
                    Err(_) => ip,
                },
                (None, _) => ip,
            };
            let port = match line.get(1) {
                Some(p) => match self.port(p, "virtual_server_group port", "drops the entry") {
                    Some(p) => p,
                    None => continue,
                },
                None => 0,
            };
            g.entries.push(VsgEntry::Range { ip, last, port });
        }
        self.cfg.virtual_server_groups.push(g);
    }

    fn virtual_server(&mut self, n: &Node) {
        let Some(first) = self.need(n, 1) else { return };
        let key = match first.text.as_str() {
            "fwmark" => {
                let Some(t) = self.need(n, 2) else { return };
                match self.uint(
                    t,
                    1,
                    u64::from(u32::MAX),
                    "virtual server fwmark",
                    "skips the virtual server",
                ) {
                    Some(m) => VsKey::Fwmark(m as u32),
                    None => return,
                }
            }
            "group" => {
                let Some(t) = self.need(n, 2) else { return };
                let g = t.text.clone();
                if !self.cfg.virtual_server_groups.iter().any(|x| x.name == g) {
                    self.err(
                        "unknown-reference",
                        &t.span,
                        format!("virtual_server_group {g} not found"),
                        "skips the virtual server",
                    );
                }
                VsKey::Group(g)
            }
            _ => {
                let Some(ip) = self.ip(
                    first,
                    "virtual server",
                    "skips the virtual server and its real servers",
                ) else {
                    return;
                };
                let port = match n.args.get(1) {
                    Some(p) => {
                        match self.port(p, "virtual server port", "skips the virtual server") {
                            Some(p) => p,
                            None => return,
                        }
                    }
                    None => 0,
                };
                VsKey::Addr { ip, port }
            }
        };
        let mut vs = VirtualServer {
            key,
            delay_loop: None,
            lb_algo: None,
            lb_kind: None,
            persistence_timeout: None,
            persistence_granularity: None,
            protocol: None,
            sorry_server: None,
            virtualhost: None,
            alpha: false,
            omega: false,
            quorum: None,
            hysteresis: None,
            quorum_up: None,
            quorum_down: None,
            ha_suspend: false,
            inhibit_on_failure: false,
            ip_family: None,
            persistence_engine: None,
            ops: false,
            sched_flags: Vec::new(),
            sorry_server_inhibit: false,
            sorry_server_lb_kind: None,
            smtp_alert: None,
            retry: None,
            delay_before_retry: None,
            connect_timeout: None,
            warmup: None,
            weight: None,
            real_servers: Vec::new(),
            extra: Vec::new(),
            span: n.kw.span.clone(),
        };
        let mut protocol_span = None;
        for c in &n.children {
            match c.name() {
                "delay_loop" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.delay_loop = self.secs(
                            t,
                            1,
                            u64::from(u32::MAX),
                            "virtual server delay_loop",
                            DROP_KW,
                        );
                    }
                }
                "lb_algo" | "lvs_sched" => {
                    if let Some(t) = self.need(c, 1) {
                        const ALGOS: &[&str] = &[
                            "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq",
                            "fo", "ovf", "mh", "twos",
                        ];
                        if !ALGOS.contains(&t.text.as_str()) {
                            self.warn(
                                "lb-algo",
                                &t.span,
                                format!("unknown scheduler '{}'", t.text),
                                "passes it to IPVS, which refuses the service if the scheduler module does not exist",
                            );
                        }
                        vs.lb_algo = Some(t.text.clone());
                    }
                }
                "lb_kind" | "lvs_method" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.lb_kind = self.lb_kind(t);
                    }
                }
                "persistence_timeout" => {
                    vs.persistence_timeout = match c.args.first() {
                        None => Some(Duration::from_secs(360)),
                        Some(t) => self.whole_secs(
                            t,
                            1,
                            u64::from(u32::MAX),
                            "persistence_timeout",
                            DROP_KW,
                        ),
                    };
                }
                "persistence_granularity" => {
                    vs.persistence_granularity = c.args.first().map(|t| t.text.clone())
                }
                "protocol" => {
                    if let Some(t) = self.need(c, 1) {
                        protocol_span = Some(t.span.clone());
                        vs.protocol = match t.text.as_str() {
                            "TCP" => Some(Protocol::Tcp),
                            "UDP" => Some(Protocol::Udp),
                            "SCTP" => Some(Protocol::Sctp),
                            other => {
                                self.err(
                                    "protocol",
                                    &t.span,
                                    format!("unknown protocol {other} - ignoring"),
                                    "ignores it (TCP applies)",
                                );
                                None
                            }
                        };
                    }
                }
                "sorry_server" => {
                    if let (Some(a), Some(p)) = (c.args.first(), c.args.get(1)) {
                        if let (Some(ip), Some(port)) = (
                            self.ip(a, "sorry_server", "ignores the sorry server"),
                            self.port(p, "sorry_server port", "ignores the sorry server"),
                        ) {
                            vs.sorry_server = Some((ip, port));
                        }
                    } else {
                        self.need(c, 2);
                    }
                }
                "virtualhost" => vs.virtualhost = c.args.first().map(|t| t.text.clone()),
                "alpha" => vs.alpha = true,
                "omega" => vs.omega = true,
                "quorum" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.quorum = self
                            .uint(t, 1, u64::from(u32::MAX), "quorum", "ignores it (quorum 1)")
                            .map(|x| x as u32);
                    }
                }
                "hysteresis" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.hysteresis = self
                            .uint(t, 0, u64::from(u32::MAX), "hysteresis", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "quorum_up" => vs.quorum_up = self.script_of(c),
                "quorum_down" => vs.quorum_down = self.script_of(c),
                "ha_suspend" => vs.ha_suspend = true,
                "inhibit_on_failure" => vs.inhibit_on_failure = true,
                "ip_family" => {
                    if let Some(t) = self.need(c, 1) {
                        if t.text == "inet" || t.text == "inet6" {
                            vs.ip_family = Some(t.text.clone());
                        } else {
                            self.err(
                                "ip-family",
                                &t.span,
                                format!("unknown ip_family {}", t.text),
                                "ignores it",
                            );
                        }
                    }
                }
                "persistence_engine" => {
                    vs.persistence_engine = self.need(c, 1).map(|t| t.text.clone())
                }
                "ops" => vs.ops = true,
                "hashed" | "flag-1" | "flag-2" | "flag-3" | "sh-port" | "sh-fallback"
                | "mh-port" | "mh-fallback" => vs.sched_flags.push(c.name().to_string()),
                "sorry_server_inhibit" => vs.sorry_server_inhibit = true,
                "sorry_server_lvs_method" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.sorry_server_lb_kind = self.lb_kind(t);
                    }
                }
                "smtp_alert" => vs.smtp_alert = self.flag_bool(c, "virtual_server"),
                "retry" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.retry = self
                            .uint(t, 0, u64::from(u32::MAX), "retry", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "delay_before_retry" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.delay_before_retry =
                            self.secs(t, 0, u64::from(u32::MAX), "delay_before_retry", DROP_KW);
                    }
                }
                "connect_timeout" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.connect_timeout =
                            self.secs(t, 1, u64::from(u32::MAX), "connect_timeout", DROP_KW);
                    }
                }
                "warmup" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.warmup = self.secs(t, 0, u64::from(u32::MAX), "warmup", DROP_KW);
                    }
                }
                "weight" => {
                    if let Some(t) = self.need(c, 1) {
                        vs.weight = self
                            .int(t, 0, 65535, "virtual server weight", DROP_KW)
                            .map(|x| x as i32);
                    }
                }
                "real_server" => {
                    if let Some(rs) = self.real_server(c) {
                        vs.real_servers.push(rs);
                    }
                }
                _ => vs.extra.push(setting(c)),
            }
        }
        if let (VsKey::Fwmark(m), Some(span)) = (&vs.key, &protocol_span) {
            self.warn(
                "fwmark-protocol",
                span,
                format!("virtual server FWM {m}: protocol specified for fwmark - protocol will be ignored"),
                "logs the warning and ignores the protocol",
            );
        }
        let by_addr = match &vs.key {
            VsKey::Addr { .. } => true,
            VsKey::Fwmark(_) => false,
            VsKey::Group(g) => self
                .cfg
                .virtual_server_groups
                .iter()
                .find(|x| &x.name == g)
                .is_some_and(|x| {
                    x.entries
                        .iter()
                        .any(|e| matches!(e, VsgEntry::Range { .. }))
                }),
        };
        if !vs.real_servers.is_empty() && by_addr && vs.protocol.is_none() {
            self.warn(
                "no-protocol",
                &n.kw.span,
                format!("virtual server {}: no protocol set - defaulting to UDP", describe_vs(&vs.key)),
                "logs it and creates a UDP service: TCP clients and TCP health checks of this service get nothing",
            );
            if let Some(d) = self.diags.last_mut() {
                d.help = Some("add `protocol TCP`".into());
            }
        }
        if vs.lb_kind.is_none() && vs.real_servers.iter().any(|r| r.lb_kind.is_none()) {
            self.warn(
                "no-lb-kind",
                &n.kw.span,
                format!(
                    "virtual server {}: no forwarding method set, setting default NAT",
                    describe_vs(&vs.key)
                ),
                "logs it and uses NAT",
            );
        }
        if vs.real_servers.is_empty() && vs.sorry_server.is_none() {
            self.err(
                "no-real-servers",
                &n.kw.span,
                format!("virtual server {} has no real servers", describe_vs(&vs.key)),
                "logs \"Virtual server ... has no real servers - ignoring\" and drops the virtual server",
            );
        }
        self.cfg.virtual_servers.push(vs);
    }

    fn lb_kind(&mut self, t: &Tok) -> Option<LbKind> {
        match t.text.as_str() {
            "NAT" => Some(LbKind::Nat),
            "DR" => Some(LbKind::Dr),
            "TUN" => Some(LbKind::Tun),
            other => {
                self.err(
                    "lb-kind",
                    &t.span,
                    format!("unknown [{other}] routing method (NAT, DR or TUN)"),
                    "logs \"PARSER : unknown [...] routing method\" and ignores it (NAT applies)",
                );
                None
            }
        }
    }

    fn real_server(&mut self, n: &Node) -> Option<RealServer> {
        let a = self.need(n, 1)?;
        let ip = self.ip(a, "real server", "skips the real server")?;
        let port = match n.args.get(1) {
            Some(p) => self.port(p, "real server port", "skips the real server")?,
            None => 0,
        };
        let mut rs = RealServer {
            ip,
            port,
            weight: None,
            lb_kind: None,
            inhibit_on_failure: false,
            notify_up: None,
            notify_down: None,
            uthreshold: None,
            lthreshold: None,
            alpha: false,
            retry: None,
            delay_before_retry: None,
            connect_timeout: None,
            delay_loop: None,
            warmup: None,
            virtualhost: None,
            smtp_alert: None,
            checkers: Vec::new(),
            extra: Vec::new(),
            span: n.kw.span.clone(),
        };
        for c in &n.children {
            if let Some(kind) = CheckerKind::from_keyword(c.name()) {
                let ch = self.checker(kind, c);
                rs.checkers.push(ch);
                continue;
            }
            match c.name() {
                "weight" => {
                    if let Some(t) = self.need(c, 1) {
                        rs.weight = self
                            .int(t, 0, 65535, "real server weight", "ignores it (weight 1)")
                            .map(|x| x as i32);
                    }
                }
                "lvs_method" => {
                    if let Some(t) = self.need(c, 1) {
                        rs.lb_kind = self.lb_kind(t);
                    }
                }
                "inhibit_on_failure" => rs.inhibit_on_failure = true,
                "notify_up" => rs.notify_up = self.script_of(c),
                "notify_down" => rs.notify_down = self.script_of(c),
                "uthreshold" => {
                    if let Some(t) = self.need(c, 1) {
                        rs.uthreshold = self
                            .uint(t, 0, u64::from(u32::MAX), "uthreshold", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "lthreshold" => {
                    if let Some(t) = self.need(c, 1) {
                        rs.lthreshold = self
                            .uint(t, 0, u64::from(u32::MAX), "lthreshold", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                _ => rs.extra.push(setting(c)),
            }
        }
        Some(rs)
    }

    fn checker(&mut self, kind: CheckerKind, n: &Node) -> Checker {
        let mut ch = Checker::new(kind, n.kw.span.clone());
        for c in &n.children {
            match c.name() {
                "connect_ip" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.connect_ip = self.ip(
                            t,
                            "connect_ip",
                            "ignores it (the real server's address applies)",
                        );
                    }
                }
                "connect_port" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.connect_port = self.port(
                            t,
                            "connect_port",
                            "ignores it (the real server's port applies)",
                        );
                    }
                }
                "bindto" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.bindto = self.ip(t, "bindto", DROP_KW);
                    }
                }
                "bind_port" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.bind_port = self.port(t, "bind_port", DROP_KW);
                    }
                }
                "connect_timeout" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.connect_timeout =
                            self.secs(t, 1, u64::from(u32::MAX), "connect_timeout", DROP_KW);
                    }
                }
                "retry" | "nb_get_retry" => {
                    if c.name() == "nb_get_retry" {
                        self.warn(
                            "deprecated-keyword",
                            &c.kw.span,
                            "nb_get_retry is deprecated - please use 'retry'".into(),
                            "logs \"nb_get_retry is deprecated - please use 'retry'\" and applies it as retry",
                        );
                    }
                    if let Some(t) = self.need(c, 1) {
                        ch.retry = self
                            .uint(t, 0, u64::from(u32::MAX), "retry", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "delay_before_retry" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.delay_before_retry =
                            self.secs(t, 0, u64::from(u32::MAX), "delay_before_retry", DROP_KW);
                    }
                }
                "delay_loop" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.delay_loop = self.secs(t, 1, u64::from(u32::MAX), "delay_loop", DROP_KW);
                    }
                }
                "warmup" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.warmup = self.secs(t, 0, u64::from(u32::MAX), "warmup", DROP_KW);
                    }
                }
                "url" => {
                    let mut u = Url::default();
                    for k in &c.children {
                        match k.name() {
                            "path" => u.path = k.args.first().map(|t| t.text.clone()),
                            "digest" => u.digest = k.args.first().map(|t| t.text.clone()),
                            "status_code" => {
                                for t in &k.args {
                                    let ok = t.text.split('-').all(|p| {
                                        p.parse::<u16>().is_ok_and(|v| (100..=599).contains(&v))
                                    });
                                    if !ok {
                                        self.err(
                                            "status-code",
                                            &t.span,
                                            format!("invalid HTTP_GET status code '{}'", t.text),
                                            "ignores the status code",
                                        );
                                    }
                                    u.status_code.push(t.text.clone());
                                }
                            }
                            "virtualhost" => u.virtualhost = k.args.first().map(|t| t.text.clone()),
                            "regex" => u.regex = k.args.first().map(|t| t.text.clone()),
                            "regex_no_match" => u.regex_no_match = true,
                            _ => u.extra.push(setting(k)),
                        }
                    }
                    ch.urls.push(u);
                }
                "misc_path" => ch.misc_path = self.script_of(c),
                "misc_timeout" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.misc_timeout =
                            self.whole_secs(t, 1, u64::from(u32::MAX), "misc_timeout", DROP_KW);
                    }
                }
                "misc_dynamic" => ch.misc_dynamic = true,
                "user" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.user = Some((t.text.clone(), c.args.get(1).map(|g| g.text.clone())));
                    }
                }
                "alpha" => ch.alpha = true,
                "fwmark" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.fwmark = self
                            .uint(t, 0, u64::from(u32::MAX), "checker fwmark", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "bind_if" => ch.bind_if = self.need(c, 1).map(|t| t.text.clone()),
                "log_all_failures" => {
                    ch.log_all_failures = c
                        .args
                        .first()
                        .is_none_or(|t| true_false(&t.text).unwrap_or(true))
                }
                "virtualhost" => ch.virtualhost = self.need(c, 1).map(|t| t.text.clone()),
                "http_protocol" => {
                    if let Some(t) = self.need(c, 1) {
                        if ["1.0", "1.1", "1.0C", "1.0K"].contains(&t.text.as_str()) {
                            ch.http_protocol = Some(t.text.clone());
                        } else {
                            self.err(
                                "http-protocol",
                                &t.span,
                                format!("invalid http_protocol {}", t.text),
                                "ignores it (HTTP/1.0)",
                            );
                        }
                    }
                }
                "enable_sni" => ch.enable_sni = true,
                "fast_recovery" => ch.fast_recovery = true,
                "helo_name" => ch.helo_name = self.need(c, 1).map(|t| t.text.clone()),
                "host" => {
                    let h = self.checker(kind, c);
                    ch.hosts.push(h);
                }
                "type" => {
                    if let Some(t) = self.need(c, 1) {
                        // check_dns.c DNS_TYPE[] and dns_type_lookup: strcasecmp, RRSIG and DNSKEY included.
                        const TYPES: &[&str] = &[
                            "A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA", "RRSIG", "DNSKEY",
                        ];
                        if TYPES.iter().any(|k| k.eq_ignore_ascii_case(&t.text)) {
                            ch.dns_type = Some(t.text.clone());
                        } else {
                            self.err(
                                "dns-type",
                                &t.span,
                                format!("unknown DNS check type {}", t.text),
                                "ignores it (SOA applies)",
                            );
                        }
                    }
                }
                "name" => ch.name = self.need(c, 1).map(|t| t.text.clone()),
                "payload" => ch.payload = self.need(c, 1).map(|t| t.text.clone()),
                "require_reply" => ch.require_reply = Some(c.args.first().map(|t| t.text.clone())),
                "min_reply_length" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.min_reply_length = self
                            .uint(t, 0, 65535, "min_reply_length", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "max_reply_length" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.max_reply_length = self
                            .uint(t, 0, 65535, "max_reply_length", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "track_file" => ch.track_file = self.need(c, 1).map(|t| t.text.clone()),
                "weight" => {
                    if let Some(t) = self.need(c, 1) {
                        ch.weight = self
                            .int(t, -254, 254, "FILE_CHECK weight", DROP_KW)
                            .map(|x| x as i32);
                        ch.weight_reverse = c.args.get(1).is_some_and(|r| r.text == "reverse");
                    }
                }
                _ => ch.extra.push(block_setting(c)),
            }
        }
        ch
    }

    // ------------------------------------------------------------------------------------------
    // BFD

    fn bfd_instance(&mut self, n: &Node) {
        let Some(name) = self.need(n, 1).map(|t| t.text.clone()) else {
            return;
        };
        let mut b = BfdInstance {
            name,
            neighbor_ip: None,
            source_ip: None,
            min_rx_ms: None,
            min_tx_ms: None,
            idle_tx_ms: None,
            multiplier: None,
            passive: false,
            ttl: None,
            weight: None,
            extra: Vec::new(),
            span: n.kw.span.clone(),
        };
        for c in &n.children {
            match c.name() {
                "neighbor_ip" | "neighbour_ip" => {
                    if let Some(t) = self.need(c, 1) {
                        b.neighbor_ip = self.ip(t, "bfd neighbor_ip", "drops the bfd_instance");
                    }
                }
                "source_ip" => {
                    if let Some(t) = self.need(c, 1) {
                        b.source_ip = self.ip(t, "bfd source_ip", DROP_KW);
                    }
                }
                "min_rx" => {
                    if let Some(t) = self.need(c, 1) {
                        b.min_rx_ms = self
                            .uint(t, 1, 1000, "bfd min_rx", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "min_tx" => {
                    if let Some(t) = self.need(c, 1) {
                        b.min_tx_ms = self
                            .uint(t, 1, 1000, "bfd min_tx", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "idle_tx" => {
                    if let Some(t) = self.need(c, 1) {
                        b.idle_tx_ms = self
                            .uint(t, 1000, 10000, "bfd idle_tx", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "multiplier" => {
                    if let Some(t) = self.need(c, 1) {
                        b.multiplier = self
                            .uint(t, 1, 10, "bfd multiplier", DROP_KW)
                            .map(|x| x as u32);
                    }
                }
                "passive" => b.passive = true,
                "ttl" | "hoplimit" | "max_hops" => {
                    if let Some(t) = self.need(c, 1) {
                        b.ttl = self.uint(t, 1, 255, "bfd ttl", DROP_KW).map(|x| x as u8);
                    }
                }
                "weight" => {
                    if let Some(t) = self.need(c, 1) {
                        b.weight = self
                            .int(t, -253, 253, "bfd weight", DROP_KW)
                            .map(|x| x as i32);
                    }
                }
                _ => b.extra.push(setting(c)),
            }
        }
        if b.neighbor_ip.is_none() {
            self.err(
                "bfd-no-neighbor",
                &n.kw.span,
                format!("bfd_instance {} has no neighbor_ip", b.name),
                "removes the bfd_instance",
            );
            return;
        }
        self.cfg.bfd_instances.push(b);
    }
}

/// A keyword kept whole, block included.
fn block_setting(n: &Node) -> Setting {
    setting(n)
}

pub(crate) fn describe_vs(k: &VsKey) -> String {
    match k {
        VsKey::Addr {
            ip: IpAddr::V6(a),
            port,
        } => format!("[{a}]:{port}"),
        VsKey::Addr { ip, port } => format!("{ip}:{port}"),
        VsKey::Fwmark(m) => format!("FWM {m}"),
        VsKey::Group(g) => format!("group {g}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_seconds_are_exact() {
        assert_eq!(parse_decimal("0.1", 6), Some(100_000));
        assert_eq!(parse_decimal("1", 6), Some(1_000_000));
        assert_eq!(parse_decimal("2.5", 6), Some(2_500_000));
        assert_eq!(parse_decimal("abc", 6), None);
        assert_eq!(parse_decimal("1.2.3", 6), None);
    }
}
