//! The syntax features of keepalived.conf(5), one test each: comments, quoting, one-line
//! blocks, `@` conditional lines, `$NAME` parameters, includes, the keepalived defaults the
//! model exposes, and the cross-node lint.

use keepalived_conf::{
    lint_cluster, parse_file, parse_str, InitialState, ParseOptions, Severity, Source,
};
use std::path::Path;
use std::time::Duration;

fn opts() -> ParseOptions {
    ParseOptions {
        check_scripts: false,
        ..ParseOptions::default()
    }
}

fn parse(text: &str) -> keepalived_conf::Parsed {
    parse_str(text, Path::new("t.conf"), &opts())
}

const VI: &str = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n";

#[test]
fn comments_bang_and_hash_whole_line_and_trailing_with_escapes() {
    let p = parse("! c\n# c\nglobal_defs { # trailing\n router_id a\\#b ! trailing\n}\n");
    assert_eq!(p.config.global_defs.router_id.as_deref(), Some("a#b"));
    assert!(p.diagnostics.is_empty(), "{}", p.render_diagnostics());
}

#[test]
fn quoted_strings_keep_spaces_braces_and_comment_chars() {
    let p = parse("vrrp_script s {\n script \"/bin/echo {a} # b\"\n}\n");
    assert_eq!(
        p.config.vrrp_scripts[0].script.as_ref().unwrap().command,
        "/bin/echo {a} # b"
    );
}

#[test]
fn whole_block_on_one_line() {
    let p = parse("vrrp_instance VI_1 { interface eth0\n virtual_router_id 51 virtual_ipaddress { 192.0.2.1 } }\n");
    // keepalived splits at braces only, so `virtual_router_id 51 virtual_ipaddress` is one line
    // whose extra words are ignored, and the address block is unexpected.
    assert_eq!(p.config.vrrp_instances[0].virtual_router_id, Some(51));
    let p = parse("vrrp_instance VI_1 { interface eth0\n virtual_router_id 51\n virtual_ipaddress { 192.0.2.1 } }\n");
    assert_eq!(p.config.vrrp_instances[0].virtual_ipaddress.len(), 1);
    assert!(!p.has_errors(), "{}", p.render_diagnostics());
}

#[test]
fn utf8_in_comments_and_values_is_kept() {
    let p = parse("global_defs {\n router_id nœud-é  # 备注\n}\n");
    assert_eq!(p.config.global_defs.router_id.as_deref(), Some("nœud-é"));
    assert!(p.diagnostics.is_empty());
}

#[test]
fn conditional_lines_follow_config_id() {
    let text = "vrrp_instance VI_1 {\n interface eth0\n@high priority 200\n@low priority 50\n@^high state BACKUP\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";
    let high = parse_str(
        text,
        Path::new("t.conf"),
        &ParseOptions {
            config_id: Some("high".into()),
            ..opts()
        },
    );
    let v = &high.config.vrrp_instances[0];
    assert_eq!((v.priority, v.state), (Some(200), None));
    let none = parse(text);
    let v = &none.config.vrrp_instances[0];
    assert_eq!((v.priority, v.state), (None, Some(InitialState::Backup)));
}

#[test]
fn parameters_substitute_plain_braced_and_multiline() {
    let text = "$IF=eth1\n$VIPS=192.0.2.1 \\\n192.0.2.2\nvrrp_instance VI_1 {\n interface $IF\n virtual_router_id ${ID}\n virtual_ipaddress {\n$VIPS\n }\n}\n";
    let text = format!("$ID=9\n{text}");
    let p = parse(&text);
    let v = &p.config.vrrp_instances[0];
    assert_eq!(v.interface.as_deref(), Some("eth1"));
    assert_eq!(v.virtual_router_id, Some(9));
    assert_eq!(v.virtual_ipaddress.len(), 2, "{}", p.render_diagnostics());
}

#[test]
fn include_with_glob_relative_to_the_including_file() {
    let p = parse_file(Path::new("tests/fixtures/include/keepalived.conf"), &opts());
    assert!(
        p.diagnostics.iter().all(|d| d.severity == Severity::Note),
        "{}",
        p.render_diagnostics()
    );
    assert_eq!(p.config.global_defs.router_id.as_deref(), Some("node1"));
    assert_eq!(
        p.config.vrrp_instances[0].track_script[0].name,
        "chk_haproxy"
    );
    assert_eq!(p.sources.len(), 3);
    let d = parse_str(
        "include nothing-*.conf\n",
        Path::new("tests/fixtures/include/x.conf"),
        &opts(),
    );
    assert_eq!(d.diagnostics[0].code, "include-no-match");
}

#[test]
fn effective_defaults_follow_keepalived() {
    let p = parse(&format!("global_defs {{\n vrrp_version 3\n}}\n{VI}"));
    let (g, v) = (&p.config.global_defs, &p.config.vrrp_instances[0]);
    assert_eq!(v.effective_version(g), 3);
    assert_eq!(v.effective_priority(), 100);
    assert_eq!(v.effective_state(), InitialState::Backup);
    assert_eq!(v.effective_advert_int(g), Duration::from_secs(1));
    assert!(v.effective_accept(g));
    let p = parse("vrrp_instance V {\n state MASTER\n interface eth0\n virtual_router_id 1\n advert_int 0.125\n version 3\n virtual_ipaddress {\n fe80::1\n 2001:db8::1\n }\n}\n");
    let (g, v) = (&p.config.global_defs, &p.config.vrrp_instances[0]);
    assert_eq!(
        v.effective_priority(),
        255,
        "state MASTER without priority is the owner"
    );
    assert_eq!(v.advert_int, Some(Duration::from_millis(125)));
    assert_eq!(
        v.effective_advert_int(g),
        Duration::from_millis(130),
        "v3 rounds to centiseconds"
    );
    assert!(v.is_ipv6());
}

#[test]
fn rfc3768_advert_interval_v2_uses_whole_seconds() {
    let p = parse("vrrp_instance V {\n interface eth0\n virtual_router_id 1\n advert_int 0.1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n");
    let (g, v) = (&p.config.global_defs, &p.config.vrrp_instances[0]);
    assert_eq!(v.effective_advert_int(g), Duration::from_secs(1));
    assert!(p.diagnostics.iter().any(|d| d.code == "advert-int-v2"));
}

#[test]
fn weights_that_cannot_cross_the_peer_are_flagged_across_files() {
    let master = parse("vrrp_script c {\n script \"/bin/true\"\n weight -5\n}\nvrrp_instance V {\n state MASTER\n interface eth0\n virtual_router_id 9\n priority 120\n virtual_ipaddress {\n 192.0.2.1\n }\n track_script {\n c\n }\n}\n");
    let backup = parse("vrrp_instance V {\n interface eth0\n virtual_router_id 9\n priority 100\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n");
    let d = lint_cluster(&[
        (Path::new("a"), &master.config),
        (Path::new("b"), &backup.config),
    ]);
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].code, d[0].source, d[0].span.line),
        ("weight-cannot-cross", Source::Vrrpsim, 14)
    );
    let backup99 = parse("vrrp_instance V {\n interface eth0\n virtual_router_id 9\n priority 116\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n");
    assert!(lint_cluster(&[
        (Path::new("a"), &master.config),
        (Path::new("b"), &backup99.config)
    ])
    .is_empty());
}

#[test]
fn render_shows_file_line_col_caret_and_keepalived_verdict() {
    let p = parse("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 300\n}\n");
    let r = p
        .diagnostics
        .iter()
        .find(|d| d.code == "vrid-range")
        .unwrap()
        .render(&p.sources);
    assert_eq!(
        r,
        "error[vrid-range]: (VI_1) VRID '300' not valid - must be between 1 & 255: number '300' outside range [1, 255]\n  --> t.conf:3:20\n   |\n 3 |  virtual_router_id 300\n   |                    ^^^\n   = keepalived: leaves the VRID unset and then refuses the instance (\"the virtual router id must be set\"): keepalived does not start\n"
    );
}

#[test]
fn never_panics_on_hostile_fragments() {
    for t in [
        "{",
        "}",
        "}}}{{{",
        "\"",
        "@",
        "@^",
        "$",
        "$=",
        "$A=$A\n$A",
        "${",
        "~SEQ(",
        "include",
        "vrrp_instance",
        "vrrp_instance {",
        "\\",
        "virtual_server",
        "virtual_server fwmark",
        "real_server",
        "\u{a0}{\u{a0}}",
        "vrrp_instance V {\n virtual_ipaddress {\n 1.2.3.4/99 dev\n",
        "\0\u{feff}",
    ] {
        let _ = parse(t);
    }
}

#[test]
fn vrrp_track_file_is_the_deprecated_alias_of_track_file() {
    let p = parse_file(
        Path::new("tests/fixtures/good/track_file_alias.conf"),
        &opts(),
    );
    let files = &p.config.vrrp_track_files;
    assert_eq!(
        (files[0].deprecated_alias, files[0].weight),
        (true, Some(-10))
    );
    assert_eq!(
        (
            files[1].deprecated_alias,
            files[1].weight,
            files[1].weight_reverse
        ),
        (false, Some(1), true)
    );
    let d = &p.diagnostics[0];
    assert_eq!(
        (d.code, d.severity, d.span.line),
        ("deprecated-keyword", Severity::Warning, 1)
    );
    let refs = &p.config.vrrp_instances[0].track_file;
    assert_eq!((refs[0].name.as_str(), refs[0].weight), ("tf_old", Some(5)));
}

#[test]
fn vrrp_startup_delay_is_decimal_seconds_and_zero_is_rejected() {
    let p = parse(&format!(
        "global_defs {{\n vrrp_startup_delay 12.5\n}}\n{VI}"
    ));
    assert_eq!(
        p.config.global_defs.vrrp_startup_delay,
        Some(Duration::from_millis(12_500))
    );
    assert!(p.diagnostics.is_empty(), "{}", p.render_diagnostics());
    let bad = parse(&format!("global_defs {{\n vrrp_startup_delay 0\n}}\n{VI}"));
    assert_eq!(bad.config.global_defs.vrrp_startup_delay, None);
    assert!(
        bad.render_diagnostics().contains("vrrp_startup_delay"),
        "{}",
        bad.render_diagnostics()
    );
}

#[test]
fn unicast_peer_lists_that_miss_the_peer_or_meet_multicast_are_flagged_across_files() {
    let inst = |src: &str, peers: &str| {
        parse(&format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 9\n{src}{peers} virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
        ))
    };
    let codes = |a: &keepalived_conf::Parsed, b: &keepalived_conf::Parsed| {
        lint_cluster(&[(Path::new("a"), &a.config), (Path::new("b"), &b.config)])
            .iter()
            .map(|d| (d.code, d.span.line))
            .collect::<Vec<_>>()
    };
    let r1 = inst(
        " unicast_src_ip 192.0.2.11\n",
        " unicast_peer {\n 192.0.2.12\n }\n",
    );
    let r2 = inst(
        " unicast_src_ip 192.0.2.12\n",
        " unicast_peer {\n 192.0.2.11\n }\n",
    );
    assert!(codes(&r1, &r2).is_empty());
    // r1 lists the peer's old address: only r1's instance is flagged (r2 lists r1 correctly).
    let stale = inst(
        " unicast_src_ip 192.0.2.11\n",
        " unicast_peer {\n 192.0.2.13\n }\n",
    );
    assert_eq!(codes(&stale, &r2), vec![("unicast-peer-missing", 1)]);
    // A multicast peer: the unicast side is flagged once.
    let multicast = inst("", "");
    assert_eq!(
        codes(&r1, &multicast),
        vec![("unicast-multicast-mismatch", 1)]
    );
}

#[test]
fn keepalived_dns_check_type_is_case_insensitive_and_knows_rrsig_dnskey() {
    // check_dns.c dns_type_lookup uses strcasecmp over A NS CNAME SOA MX TXT AAAA RRSIG DNSKEY;
    // `keepalived -t` accepts `type rrsig` and rejects only unknown names.
    let conf = "virtual_server 192.0.2.100 53 {\n protocol UDP\n real_server 192.0.2.21 53 {\n  DNS_CHECK {\n   type rrsig\n  }\n  DNS_CHECK {\n   type DNSKEY\n  }\n  DNS_CHECK {\n   type BOGUS\n  }\n }\n}\n";
    let p = parse(conf);
    let checkers = &p.config.virtual_servers[0].real_servers[0].checkers;
    assert_eq!(checkers[0].dns_type.as_deref(), Some("rrsig"));
    assert_eq!(checkers[1].dns_type.as_deref(), Some("DNSKEY"));
    assert_eq!(checkers[2].dns_type, None);
    let errors: Vec<_> = p
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{}", p.render_diagnostics());
    assert!(errors[0].message.contains("BOGUS"));
}
