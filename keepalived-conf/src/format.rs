//! The formatter: prints a [`Config`] back as canonical keepalived.conf (blocks in a fixed
//! order, 4-space indentation, one keyword per line, typed fields first, then the other
//! keywords as written). Parsing its output gives the same model. The repair mode for pasted
//! invisible characters works on the text: [`repair_text`].

use crate::model::*;
use std::fmt::Write as _;
use std::time::Duration;

/// Seconds as keepalived reads them: an integer, or a decimal without trailing zeros.
pub fn secs(d: Duration) -> String {
    let us = d.as_micros();
    if us.is_multiple_of(1_000_000) {
        (us / 1_000_000).to_string()
    } else {
        let s = format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
        s.trim_end_matches('0').to_string()
    }
}

/// A word, quoted when keepalived would otherwise split or misread it.
fn word(s: &str) -> String {
    let needs = s.is_empty()
        || s.chars()
            .any(|c| c.is_ascii_whitespace() || matches!(c, '{' | '}' | '!' | '#' | '\'' | '\\'))
        || s.starts_with('@')
        || s.starts_with('$')
        || s.starts_with('~')
        || s == "include";
    if needs && !s.contains('"') {
        format!("\"{s}\"")
    } else {
        s.to_string()
    }
}

struct W {
    out: String,
    depth: usize,
}

impl W {
    fn line(&mut self, s: impl AsRef<str>) {
        let s = s.as_ref();
        let _ = writeln!(self.out, "{}{}", "    ".repeat(self.depth), s);
    }
    fn kv(&mut self, k: &str, v: impl AsRef<str>) {
        self.line(format!("{k} {}", v.as_ref()));
    }
    fn open(&mut self, head: &str) {
        self.line(format!("{head} {{"));
        self.depth += 1;
    }
    fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.line("}");
    }
    fn opt<T: ToString>(&mut self, k: &str, v: &Option<T>) {
        if let Some(v) = v {
            self.kv(k, word(&v.to_string()));
        }
    }
    fn dur(&mut self, k: &str, v: &Option<Duration>) {
        if let Some(v) = v {
            self.kv(k, secs(*v));
        }
    }
    fn flag(&mut self, k: &str, v: bool) {
        if v {
            self.line(k);
        }
    }
    fn tri(&mut self, k: &str, v: &Option<bool>) {
        if let Some(b) = v {
            self.kv(k, if *b { "true" } else { "false" });
        }
    }
    fn script(&mut self, k: &str, v: &Option<Script>) {
        if let Some(s) = v {
            self.kv(k, format!("\"{}\"", s.command.replace('"', "'")));
        }
    }
    fn extra(&mut self, extra: &[Setting]) {
        for s in extra {
            let mut l = word(&s.keyword);
            for a in &s.args {
                l.push(' ');
                l.push_str(&word(a));
            }
            match &s.block {
                Some(b) => {
                    self.open(&l);
                    self.extra(b);
                    self.close();
                }
                None => self.line(&l),
            }
        }
    }
    fn vips(&mut self, k: &str, vips: &[VirtualIp]) {
        if vips.is_empty() {
            return;
        }
        self.open(k);
        for v in vips {
            let mut l = v.addr.to_string();
            if let Some(p) = v.prefix_len {
                let _ = write!(l, "/{p}");
            }
            if let Some(b) = &v.broadcast {
                let _ = write!(l, " brd {}", word(b));
            }
            if let Some(d) = &v.dev {
                let _ = write!(l, " dev {}", word(d));
            }
            if let Some(s) = &v.scope {
                let _ = write!(l, " scope {}", word(s));
            }
            if let Some(s) = &v.label {
                let _ = write!(l, " label {}", word(s));
            }
            if v.no_track {
                l.push_str(" no_track");
            }
            for o in &v.options {
                l.push(' ');
                l.push_str(&word(o));
            }
            self.line(&l);
        }
        self.close();
    }
    fn words_block(&mut self, k: &str, lines: &[Vec<String>]) {
        if lines.is_empty() {
            return;
        }
        self.open(k);
        for l in lines {
            let s: Vec<String> = l.iter().map(|w| word(w)).collect();
            self.line(s.join(" "));
        }
        self.close();
    }
    fn tracks(&mut self, k: &str, refs: &[TrackRef]) {
        if refs.is_empty() {
            return;
        }
        self.open(k);
        for r in refs {
            let mut l = word(&r.name);
            if let Some(w) = r.weight {
                let _ = write!(l, " weight {w}");
                if r.reverse {
                    l.push_str(" reverse");
                }
            }
            self.line(&l);
        }
        self.close();
    }
}

/// Prints `cfg` as canonical keepalived.conf text.
pub fn format_config(cfg: &Config) -> String {
    let mut w = W {
        out: String::new(),
        depth: 0,
    };
    global_defs(&mut w, &cfg.global_defs);
    for s in &cfg.vrrp_scripts {
        w.open(&format!("vrrp_script {}", word(&s.name)));
        w.script("script", &s.script);
        w.dur("interval", &s.interval);
        w.dur("timeout", &s.timeout);
        if let Some(x) = s.weight {
            w.kv(
                "weight",
                if s.weight_reverse {
                    format!("{x} reverse")
                } else {
                    x.to_string()
                },
            );
        }
        w.opt("rise", &s.rise);
        w.opt("fall", &s.fall);
        if let Some((u, g)) = &s.user {
            w.kv(
                "user",
                match g {
                    Some(g) => format!("{} {}", word(u), word(g)),
                    None => word(u),
                },
            );
        }
        w.flag("init_fail", s.init_fail);
        w.close();
    }
    for f in &cfg.vrrp_track_files {
        // Printed as written: the model keeps whether the deprecated alias was used.
        let kw = if f.deprecated_alias {
            "vrrp_track_file"
        } else {
            "track_file"
        };
        w.open(&format!("{kw} {}", word(&f.name)));
        w.opt("file", &f.file);
        if let Some(x) = f.weight {
            w.kv(
                "weight",
                if f.weight_reverse {
                    format!("{x} reverse")
                } else {
                    x.to_string()
                },
            );
        }
        if let Some(i) = &f.init_file {
            let s: Vec<String> = i.iter().map(|x| word(x)).collect();
            w.line(format!("init_file {}", s.join(" ")).trim_end());
        }
        w.close();
    }
    for p in &cfg.vrrp_track_processes {
        w.open(&format!("vrrp_track_process {}", word(&p.name)));
        if let Some(pr) = &p.process {
            let s: Vec<String> = pr.iter().map(|x| word(x)).collect();
            w.kv("process", s.join(" "));
        }
        w.opt("weight", &p.weight);
        w.opt("quorum", &p.quorum);
        w.extra(&p.extra);
        w.close();
    }
    if !cfg.static_ipaddresses.is_empty() {
        w.vips("static_ipaddress", &cfg.static_ipaddresses);
    }
    w.words_block(
        "static_routes",
        &cfg.static_routes
            .iter()
            .map(|r| r.words.clone())
            .collect::<Vec<_>>(),
    );
    w.words_block(
        "static_rules",
        &cfg.static_rules
            .iter()
            .map(|r| r.words.clone())
            .collect::<Vec<_>>(),
    );
    w.words_block(
        "linkbeat_interfaces",
        &cfg.linkbeat_interfaces
            .iter()
            .map(|r| vec![r.clone()])
            .collect::<Vec<_>>(),
    );
    for s in cfg.garp_groups.iter().chain(&cfg.track_groups) {
        w.extra(std::slice::from_ref(s));
    }
    for b in &cfg.bfd_instances {
        w.open(&format!("bfd_instance {}", word(&b.name)));
        w.opt("neighbor_ip", &b.neighbor_ip);
        w.opt("source_ip", &b.source_ip);
        w.opt("min_rx", &b.min_rx_ms);
        w.opt("min_tx", &b.min_tx_ms);
        w.opt("idle_tx", &b.idle_tx_ms);
        w.opt("multiplier", &b.multiplier);
        w.flag("passive", b.passive);
        w.opt("ttl", &b.ttl);
        w.opt("weight", &b.weight);
        w.extra(&b.extra);
        w.close();
    }
    for v in &cfg.vrrp_instances {
        instance(&mut w, v);
    }
    for g in &cfg.sync_groups {
        w.open(&format!("vrrp_sync_group {}", word(&g.name)));
        w.words_block(
            "group",
            &g.group.iter().map(|x| vec![x.clone()]).collect::<Vec<_>>(),
        );
        w.tracks("track_script", &g.track_script);
        w.tracks("track_interface", &g.track_interface);
        w.tracks("track_file", &g.track_file);
        w.script("notify_master", &g.notify_master);
        w.script("notify_backup", &g.notify_backup);
        w.script("notify_fault", &g.notify_fault);
        w.script("notify", &g.notify);
        w.script("notify_stop", &g.notify_stop);
        w.tri("smtp_alert", &g.smtp_alert);
        w.tracks("track_process", &g.track_process);
        w.tracks("track_bfd", &g.track_bfd);
        w.flag("sync_group_tracking_weight", g.sync_group_tracking_weight);
        w.extra(&g.extra);
        w.close();
    }
    if let Some(ssl) = &cfg.ssl {
        w.open("SSL");
        w.extra(ssl);
        w.close();
    }
    for g in &cfg.virtual_server_groups {
        w.open(&format!("virtual_server_group {}", word(&g.name)));
        for e in &g.entries {
            match e {
                VsgEntry::Fwmark(m) => w.kv("fwmark", m.to_string()),
                VsgEntry::Range { ip, last, port } => {
                    let head = if last == ip {
                        ip.to_string()
                    } else {
                        match last {
                            std::net::IpAddr::V4(l) => format!("{ip}-{}", l.octets()[3]),
                            std::net::IpAddr::V6(l) => format!("{ip}-{:x}", l.segments()[7]),
                        }
                    };
                    w.line(format!("{head} {port}"));
                }
            }
        }
        w.close();
    }
    for vs in &cfg.virtual_servers {
        virtual_server(&mut w, vs);
    }
    w.extra(&cfg.extra);
    w.out
}

fn global_defs(w: &mut W, g: &GlobalDefs) {
    if *g == GlobalDefs::default() {
        return;
    }
    w.open("global_defs");
    w.opt("router_id", &g.router_id);
    w.words_block(
        "notification_email",
        &g.notification_email
            .iter()
            .map(|x| vec![x.clone()])
            .collect::<Vec<_>>(),
    );
    w.opt("notification_email_from", &g.notification_email_from);
    if let Some((ip, port)) = &g.smtp_server {
        w.kv(
            "smtp_server",
            match port {
                Some(p) => format!("{ip} {p}"),
                None => ip.to_string(),
            },
        );
    }
    if let Some(d) = g.smtp_connect_timeout {
        w.kv("smtp_connect_timeout", d.as_secs().to_string());
    }
    w.opt("vrrp_version", &g.vrrp_version);
    w.flag("vrrp_strict", g.vrrp_strict);
    w.opt("vrrp_mcast_group4", &g.vrrp_mcast_group4);
    w.opt("vrrp_mcast_group6", &g.vrrp_mcast_group6);
    w.dur("vrrp_garp_master_delay", &g.vrrp_garp_master_delay);
    w.opt("vrrp_garp_master_repeat", &g.vrrp_garp_master_repeat);
    w.dur("vrrp_startup_delay", &g.vrrp_startup_delay);
    w.dur("vrrp_garp_master_refresh", &g.vrrp_garp_master_refresh);
    w.opt(
        "vrrp_garp_master_refresh_repeat",
        &g.vrrp_garp_master_refresh_repeat,
    );
    w.dur("vrrp_garp_interval", &g.vrrp_garp_interval);
    w.dur("vrrp_gna_interval", &g.vrrp_gna_interval);
    w.flag("vrrp_skip_check_adv_addr", g.vrrp_skip_check_adv_addr);
    w.flag("v3_checksum_as_v2", g.v3_checksum_as_v2);
    w.flag("vrrp_check_unicast_src", g.vrrp_check_unicast_src);
    w.tri("vrrp_lower_prio_no_advert", &g.vrrp_lower_prio_no_advert);
    w.tri(
        "vrrp_higher_prio_send_advert",
        &g.vrrp_higher_prio_send_advert,
    );
    w.flag("enable_script_security", g.enable_script_security);
    if let Some((u, gr)) = &g.script_user {
        w.kv(
            "script_user",
            match gr {
                Some(gr) => format!("{} {}", word(u), word(gr)),
                None => word(u),
            },
        );
    }
    if let Some(l) = &g.lvs_sync_daemon {
        let s: Vec<String> = l.iter().map(|x| word(x)).collect();
        w.kv("lvs_sync_daemon", s.join(" "));
    }
    w.flag("dynamic_interfaces", g.dynamic_interfaces);
    w.opt("max_auto_priority", &g.max_auto_priority);
    w.extra(&g.extra);
    w.close();
}

fn instance(w: &mut W, v: &VrrpInstance) {
    w.open(&format!("vrrp_instance {}", word(&v.name)));
    if let Some(s) = v.state {
        w.kv(
            "state",
            match s {
                InitialState::Master => "MASTER",
                InitialState::Backup => "BACKUP",
            },
        );
    }
    w.opt("interface", &v.interface);
    w.opt("virtual_router_id", &v.virtual_router_id);
    w.opt("priority", &v.priority);
    w.dur("advert_int", &v.advert_int);
    w.opt("version", &v.version);
    w.flag("native_ipv6", v.native_ipv6);
    if let Some(a) = &v.authentication {
        w.open("authentication");
        if let Some(t) = a.auth_type {
            w.kv(
                "auth_type",
                match t {
                    AuthType::Pass => "PASS",
                    AuthType::Ah => "AH",
                },
            );
        }
        w.opt("auth_pass", &a.auth_pass);
        w.close();
    }
    w.vips("virtual_ipaddress", &v.virtual_ipaddress);
    w.vips("virtual_ipaddress_excluded", &v.virtual_ipaddress_excluded);
    w.words_block(
        "virtual_routes",
        &v.virtual_routes
            .iter()
            .map(|r| r.words.clone())
            .collect::<Vec<_>>(),
    );
    w.words_block(
        "virtual_rules",
        &v.virtual_rules
            .iter()
            .map(|r| r.words.clone())
            .collect::<Vec<_>>(),
    );
    w.tracks("track_interface", &v.track_interface);
    w.tracks("track_script", &v.track_script);
    w.tracks("track_file", &v.track_file);
    w.tracks("track_process", &v.track_process);
    w.tracks("track_bfd", &v.track_bfd);
    w.script("notify_master", &v.notify_master);
    w.script("notify_backup", &v.notify_backup);
    w.script("notify_fault", &v.notify_fault);
    w.script("notify_stop", &v.notify_stop);
    w.script("notify", &v.notify);
    w.tri("smtp_alert", &v.smtp_alert);
    if let Some(name) = &v.use_vmac {
        match name {
            Some(n) => w.kv("use_vmac", word(n)),
            None => w.line("use_vmac"),
        }
    }
    w.flag("vmac_xmit_base", v.vmac_xmit_base);
    w.dur("garp_master_delay", &v.garp_master_delay);
    w.opt("garp_master_repeat", &v.garp_master_repeat);
    w.dur("garp_master_refresh", &v.garp_master_refresh);
    w.opt("garp_master_refresh_repeat", &v.garp_master_refresh_repeat);
    w.dur("garp_lower_prio_delay", &v.garp_lower_prio_delay);
    w.opt("garp_lower_prio_repeat", &v.garp_lower_prio_repeat);
    w.flag("nopreempt", v.nopreempt);
    w.dur("preempt_delay", &v.preempt_delay);
    match v.accept {
        Some(true) => w.line("accept"),
        Some(false) => w.line("no_accept"),
        None => {}
    }
    w.opt("unicast_src_ip", &v.unicast_src_ip);
    w.opt("mcast_src_ip", &v.mcast_src_ip);
    if !v.unicast_peer.is_empty() {
        w.open("unicast_peer");
        for p in &v.unicast_peer {
            let mut l = p.addr.to_string();
            for o in &p.options {
                l.push(' ');
                l.push_str(&word(o));
            }
            w.line(&l);
        }
        w.close();
    }
    w.opt("unicast_ttl", &v.unicast_ttl);
    w.flag("dont_track_primary", v.dont_track_primary);
    w.tri("strict_mode", &v.strict_mode);
    w.tri("skip_check_adv_addr", &v.skip_check_adv_addr);
    w.tri("v3_checksum_as_v2", &v.v3_checksum_as_v2);
    w.tri("lower_prio_no_advert", &v.lower_prio_no_advert);
    w.tri("higher_prio_send_advert", &v.higher_prio_send_advert);
    w.flag("promote_secondaries", v.promote_secondaries);
    w.opt("down_timer_adverts", &v.down_timer_adverts);
    w.script("notify_deleted", &v.notify_deleted);
    w.script("notify_master_rx_lower_pri", &v.notify_master_rx_lower_pri);
    w.opt("mcast_dst_ip", &v.mcast_dst_ip);
    w.flag("track_src_ip", v.track_src_ip);
    w.flag("check_unicast_src", v.check_unicast_src);
    w.flag("unicast_fault_no_peer", v.unicast_fault_no_peer);
    w.flag("use_vmac_addr", v.use_vmac_addr);
    if let Some(g) = &v.garp_extra_if {
        let s: Vec<String> = g.iter().map(|x| word(x)).collect();
        w.line(format!("garp_extra_if {}", s.join(" ")).trim_end());
    }
    w.opt("vrf", &v.vrf);
    w.opt("debug", &v.debug);
    w.extra(&v.extra);
    w.close();
}

fn lb_kind(k: LbKind) -> &'static str {
    match k {
        LbKind::Nat => "NAT",
        LbKind::Dr => "DR",
        LbKind::Tun => "TUN",
    }
}

fn virtual_server(w: &mut W, vs: &VirtualServer) {
    let head = match &vs.key {
        VsKey::Addr { ip, port } => format!("virtual_server {ip} {port}"),
        VsKey::Fwmark(m) => format!("virtual_server fwmark {m}"),
        VsKey::Group(g) => format!("virtual_server group {}", word(g)),
    };
    w.open(&head);
    w.dur("delay_loop", &vs.delay_loop);
    w.opt("lb_algo", &vs.lb_algo);
    if let Some(k) = vs.lb_kind {
        w.kv("lb_kind", lb_kind(k));
    }
    if let Some(p) = vs.persistence_timeout {
        w.kv("persistence_timeout", p.as_secs().to_string());
    }
    w.opt("persistence_granularity", &vs.persistence_granularity);
    if let Some(p) = vs.protocol {
        w.kv(
            "protocol",
            match p {
                Protocol::Tcp => "TCP",
                Protocol::Udp => "UDP",
                Protocol::Sctp => "SCTP",
            },
        );
    }
    if let Some((ip, port)) = &vs.sorry_server {
        w.kv("sorry_server", format!("{ip} {port}"));
    }
    w.opt("virtualhost", &vs.virtualhost);
    w.flag("alpha", vs.alpha);
    w.flag("omega", vs.omega);
    w.opt("quorum", &vs.quorum);
    w.opt("hysteresis", &vs.hysteresis);
    w.script("quorum_up", &vs.quorum_up);
    w.script("quorum_down", &vs.quorum_down);
    w.flag("ha_suspend", vs.ha_suspend);
    w.flag("inhibit_on_failure", vs.inhibit_on_failure);
    w.opt("ip_family", &vs.ip_family);
    w.opt("persistence_engine", &vs.persistence_engine);
    w.flag("ops", vs.ops);
    for f in &vs.sched_flags {
        w.line(f);
    }
    w.flag("sorry_server_inhibit", vs.sorry_server_inhibit);
    if let Some(k) = vs.sorry_server_lb_kind {
        w.kv("sorry_server_lvs_method", lb_kind(k));
    }
    w.tri("smtp_alert", &vs.smtp_alert);
    w.opt("retry", &vs.retry);
    w.dur("delay_before_retry", &vs.delay_before_retry);
    w.dur("connect_timeout", &vs.connect_timeout);
    w.dur("warmup", &vs.warmup);
    w.opt("weight", &vs.weight);
    w.extra(&vs.extra);
    for rs in &vs.real_servers {
        w.open(&format!("real_server {} {}", rs.ip, rs.port));
        w.opt("weight", &rs.weight);
        if let Some(k) = rs.lb_kind {
            w.kv("lvs_method", lb_kind(k));
        }
        w.flag("inhibit_on_failure", rs.inhibit_on_failure);
        w.script("notify_up", &rs.notify_up);
        w.script("notify_down", &rs.notify_down);
        w.opt("uthreshold", &rs.uthreshold);
        w.opt("lthreshold", &rs.lthreshold);
        w.flag("alpha", rs.alpha);
        w.opt("retry", &rs.retry);
        w.dur("delay_before_retry", &rs.delay_before_retry);
        w.dur("connect_timeout", &rs.connect_timeout);
        w.dur("delay_loop", &rs.delay_loop);
        w.dur("warmup", &rs.warmup);
        w.opt("virtualhost", &rs.virtualhost);
        w.tri("smtp_alert", &rs.smtp_alert);
        w.extra(&rs.extra);
        for c in &rs.checkers {
            checker(w, c);
        }
        w.close();
    }
    w.close();
}

fn checker(w: &mut W, c: &Checker) {
    w.open(c.kind.keyword());
    checker_body(w, c);
    w.close();
}

fn checker_body(w: &mut W, c: &Checker) {
    w.opt("connect_ip", &c.connect_ip);
    w.opt("connect_port", &c.connect_port);
    w.opt("bindto", &c.bindto);
    w.opt("bind_port", &c.bind_port);
    w.dur("connect_timeout", &c.connect_timeout);
    w.opt("retry", &c.retry);
    w.dur("delay_before_retry", &c.delay_before_retry);
    w.dur("delay_loop", &c.delay_loop);
    w.dur("warmup", &c.warmup);
    for u in &c.urls {
        w.open("url");
        w.opt("path", &u.path);
        w.opt("digest", &u.digest);
        if !u.status_code.is_empty() {
            w.kv("status_code", u.status_code.join(" "));
        }
        w.opt("virtualhost", &u.virtualhost);
        w.opt("regex", &u.regex);
        w.flag("regex_no_match", u.regex_no_match);
        w.extra(&u.extra);
        w.close();
    }
    w.script("misc_path", &c.misc_path);
    if let Some(d) = c.misc_timeout {
        w.kv("misc_timeout", d.as_secs().to_string());
    }
    w.flag("misc_dynamic", c.misc_dynamic);
    if let Some((u, g)) = &c.user {
        w.kv(
            "user",
            match g {
                Some(g) => format!("{} {}", word(u), word(g)),
                None => word(u),
            },
        );
    }
    w.flag("alpha", c.alpha);
    w.opt("fwmark", &c.fwmark);
    w.opt("bind_if", &c.bind_if);
    w.flag("log_all_failures", c.log_all_failures);
    w.opt("virtualhost", &c.virtualhost);
    w.opt("http_protocol", &c.http_protocol);
    w.flag("enable_sni", c.enable_sni);
    w.flag("fast_recovery", c.fast_recovery);
    w.opt("helo_name", &c.helo_name);
    w.opt("type", &c.dns_type);
    w.opt("name", &c.name);
    w.opt("payload", &c.payload);
    if let Some(r) = &c.require_reply {
        match r {
            Some(x) => w.kv("require_reply", word(x)),
            None => w.line("require_reply"),
        }
    }
    w.opt("min_reply_length", &c.min_reply_length);
    w.opt("max_reply_length", &c.max_reply_length);
    w.opt("track_file", &c.track_file);
    w.opt("weight", &c.weight);
    for h in &c.hosts {
        w.open("host");
        checker_body(w, h);
        w.close();
    }
    w.extra(&c.extra);
}

/// The repair mode: the text with every invisible or look-alike character replaced (U+00A0 by a
/// space, zero-width characters removed, typographic quotes and dashes by ASCII), everything
/// else byte for byte unchanged.
pub fn repair_text(text: &str) -> String {
    crate::invisible::repair(text)
}
