//! Malformed configs (tests/fixtures/bad/): each gives its diagnostic, at its line, with
//! keepalived's verdict. The rendered diagnostics are snapshotted; the key facts are asserted.

use crate::util::{bad, parse, snap_name};
use keepalived_conf::{Severity, Source};
use std::path::Path;

#[test]
fn bad_configs_snapshot() {
    let files = bad();
    assert!(
        files.len() >= 25,
        "at least 25 malformed configs, found {}",
        files.len()
    );
    for f in files {
        let p = parse(&f);
        insta::assert_snapshot!(format!("bad__{}", snap_name(&f)), p.render_diagnostics());
    }
}

/// (file, code, severity, line, col) that must be among the file's diagnostics.
fn check(file: &str, code: &str, sev: Severity, line: u32, col: u32) {
    let path = format!("tests/fixtures/bad/{file}");
    let p = parse(Path::new(&path));
    let hit = p
        .diagnostics
        .iter()
        .find(|d| d.code == code && d.span.line == line)
        .unwrap_or_else(|| {
            panic!(
                "{file}: no {code} at line {line}; got:\n{}",
                p.render_diagnostics()
            )
        });
    assert_eq!((hit.severity, hit.span.col), (sev, col), "{file}: {code}");
}

#[test]
fn unbalanced_open_brace_is_refused() {
    check(
        "01_unbalanced_open.conf",
        "missing-close-brace",
        Severity::Error,
        1,
        1,
    );
}

#[test]
fn stray_close_brace_is_extra() {
    check(
        "02_stray_close.conf",
        "extra-close-brace",
        Severity::Warning,
        9,
        1,
    );
    check(
        "02_stray_close.conf",
        "unknown-keyword",
        Severity::Warning,
        9,
        1,
    );
}

#[test]
fn unknown_block_is_an_unknown_keyword_and_its_brace_unexpected() {
    check(
        "03_unknown_block.conf",
        "unknown-keyword",
        Severity::Warning,
        1,
        1,
    );
    check(
        "03_unknown_block.conf",
        "unexpected-open-brace",
        Severity::Warning,
        1,
        20,
    );
    let p = parse(Path::new("tests/fixtures/bad/03_unknown_block.conf"));
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.span.line == 1 && d.code == "unknown-keyword")
        .unwrap();
    assert_eq!(d.help.as_deref(), Some("did you mean 'vrrp_instance'?"));
}

#[test]
fn bad_ip_is_dropped() {
    check("04_bad_ip.conf", "invalid-address", Severity::Error, 6, 9);
    let p = parse(Path::new("tests/fixtures/bad/04_bad_ip.conf"));
    assert_eq!(
        p.config.vrrp_instances[0].virtual_ipaddress.len(),
        1,
        "the valid VIP stays"
    );
}

#[test]
fn rfc3768_5_3_3_vrid_0_and_256_are_refused() {
    check("05_vrid_zero.conf", "vrid-range", Severity::Error, 4, 23);
    check("05_vrid_zero.conf", "vrid-missing", Severity::Error, 4, 23);
    check("06_vrid_256.conf", "vrid-range", Severity::Error, 4, 23);
    check(
        "07_vrid_not_number.conf",
        "vrid-range",
        Severity::Error,
        4,
        23,
    );
}

#[test]
fn rfc3768_5_3_4_priority_out_of_range_falls_back_to_100() {
    check(
        "08_priority_300.conf",
        "priority-range",
        Severity::Error,
        5,
        14,
    );
    check(
        "09_priority_zero.conf",
        "priority-range",
        Severity::Error,
        5,
        14,
    );
    let p = parse(Path::new("tests/fixtures/bad/08_priority_300.conf"));
    assert_eq!(p.config.vrrp_instances[0].priority, Some(100));
}

#[test]
fn advert_int_zero_is_ignored_and_v2_fraction_rounded() {
    check(
        "10_advert_int_zero.conf",
        "advert-int",
        Severity::Error,
        6,
        16,
    );
    check(
        "11_advert_int_fraction_v2.conf",
        "advert-int-v2",
        Severity::Warning,
        1,
        1,
    );
    let p = parse(Path::new(
        "tests/fixtures/bad/11_advert_int_fraction_v2.conf",
    ));
    let v = &p.config.vrrp_instances[0];
    assert_eq!(v.advert_int, Some(std::time::Duration::from_millis(1500)));
    assert_eq!(
        v.effective_advert_int(&p.config.global_defs),
        std::time::Duration::from_secs(2)
    );
}

#[test]
fn port_above_65535_skips_the_virtual_server() {
    check(
        "12_port_too_big.conf",
        "number-range",
        Severity::Error,
        1,
        28,
    );
    assert!(parse(Path::new("tests/fixtures/bad/12_port_too_big.conf"))
        .config
        .virtual_servers
        .is_empty());
}

#[test]
fn missing_include_is_a_warning() {
    check(
        "13_missing_include.conf",
        "include-missing",
        Severity::Warning,
        1,
        9,
    );
}

#[test]
fn include_cycle_is_reported_at_each_include_of_the_loop() {
    let p = parse(Path::new("tests/fixtures/bad/14_include_cycle.conf"));
    let sites: Vec<(String, u32)> = p
        .diagnostics
        .iter()
        .filter(|d| d.code == "include-cycle")
        .map(|d| {
            (
                d.span
                    .file
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                d.span.line,
            )
        })
        .collect();
    assert_eq!(
        sites,
        vec![("a.conf".to_string(), 8), ("b.conf".to_string(), 1)]
    );
    assert!(p.diagnostics.iter().any(|d| d.code == "duplicate-instance"));
    assert_eq!(p.config.vrrp_instances.len(), 1);
}

#[test]
fn weights_outside_253_are_refused() {
    check("15_bad_weight.conf", "number-range", Severity::Error, 3, 12);
    check(
        "15_bad_weight.conf",
        "number-range",
        Severity::Error,
        13,
        20,
    );
}

#[test]
fn script_with_shell_syntax_is_flagged_as_vrrpsim_lint_when_the_program_exists() {
    let p = parse(Path::new("tests/fixtures/bad/16_script_needs_shell.conf"));
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "script-shell-syntax")
        .unwrap();
    assert_eq!(
        (d.source, d.severity, d.span.line),
        (Source::Vrrpsim, Severity::Warning, 2)
    );
}

#[test]
fn script_naming_a_missing_program_is_disabled() {
    check(
        "17_script_missing_program.conf",
        "script-disabled",
        Severity::Error,
        2,
        12,
    );
}

#[test]
fn nopreempt_with_state_master_is_cleared() {
    check(
        "18_nopreempt_master.conf",
        "nopreempt-master",
        Severity::Error,
        1,
        1,
    );
}

#[test]
fn rfc5798_5_2_9_ipv6_first_vip_not_link_local_is_a_lint() {
    let p = parse(Path::new("tests/fixtures/bad/19_ipv6_no_link_local.conf"));
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "ipv6-first-vip")
        .unwrap();
    assert_eq!(
        (d.source, d.severity, d.span.line),
        (Source::Vrrpsim, Severity::Warning, 6)
    );
    assert!(!p.has_errors());
}

#[test]
fn vrid_reuse_on_an_interface_is_refused() {
    check("20_vrid_reuse.conf", "vrid-reuse", Severity::Error, 9, 1);
}

#[test]
fn nbsp_indentation_hides_the_interface() {
    check(
        "21_nbsp_indent.conf",
        "invisible-character",
        Severity::Warning,
        2,
        1,
    );
    check(
        "21_nbsp_indent.conf",
        "interface-missing",
        Severity::Error,
        1,
        1,
    );
}

#[test]
fn zero_width_space_is_named_with_its_column() {
    check(
        "22_zero_width_space.conf",
        "invisible-character",
        Severity::Warning,
        3,
        22,
    );
    let p = parse(Path::new("tests/fixtures/bad/22_zero_width_space.conf"));
    assert!(p
        .diagnostics
        .iter()
        .any(|d| d.message.contains("U+200B ZERO WIDTH SPACE")));
}

#[test]
fn missing_parameter_is_fatal() {
    check(
        "23_missing_parameter.conf",
        "missing-parameter",
        Severity::Error,
        3,
        5,
    );
}

#[test]
fn track_script_defined_later_is_not_found() {
    check(
        "24_unknown_track_script.conf",
        "unknown-reference",
        Severity::Error,
        8,
        9,
    );
}

#[test]
fn rfc2338_auth_pass_longer_than_8_is_truncated() {
    check(
        "25_auth_pass_too_long.conf",
        "auth-pass-length",
        Severity::Warning,
        6,
        19,
    );
    let p = parse(Path::new("tests/fixtures/bad/25_auth_pass_too_long.conf"));
    let a = p.config.vrrp_instances[0].authentication.as_ref().unwrap();
    assert_eq!(a.auth_pass.as_deref(), Some("secret-p"));
}

#[test]
fn rfc5798_authentication_is_dropped_in_v3() {
    check("26_v3_with_auth.conf", "auth-v3", Severity::Error, 1, 1);
}

#[test]
fn lower_case_state_defaults_to_backup() {
    check("27_bad_state.conf", "invalid-state", Severity::Error, 2, 11);
}

#[test]
fn unterminated_quote_is_reported() {
    check(
        "28_unterminated_quote.conf",
        "unterminated-quote",
        Severity::Warning,
        2,
        12,
    );
}

#[test]
fn keyword_from_a_later_keepalived_is_tagged_with_its_version() {
    let p = parse(Path::new("tests/fixtures/bad/29_newer_keyword.conf"));
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "keyword-too-new")
        .unwrap();
    assert!(d.message.contains("2.2.8"));
}

#[test]
fn v3_checksum_as_v2_is_warned_for_227_and_recorded_for_a_228_caller() {
    // keepalived 2.2.7 ignores the line (the warning); keepalived 2.2.8 sets the global default, and an instance's
    // own `v3_checksum_as_v2 BOOL` overrides it (vrrp_parser.c: no value means true).
    let p = parse(Path::new("tests/fixtures/bad/29_newer_keyword.conf"));
    assert_eq!(
        p.diagnostics
            .iter()
            .filter(|d| d.code == "keyword-too-new")
            .count(),
        1
    );
    assert!(p.config.global_defs.v3_checksum_as_v2);
    let inst = &p.config.vrrp_instances[0];
    assert_eq!(inst.v3_checksum_as_v2, None);
    assert!(inst.effective_v3_checksum_as_v2(&p.config.global_defs));
    let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n v3_checksum_as_v2 false\n virtual_ipaddress {\n  192.0.2.10/24\n }\n}\n";
    let p = keepalived_conf::parse_str(
        text,
        Path::new("k.conf"),
        &keepalived_conf::ParseOptions::default(),
    );
    assert_eq!(p.config.vrrp_instances[0].v3_checksum_as_v2, Some(false));
    assert!(p.diagnostics.iter().all(|d| d.severity != Severity::Error));
}

#[test]
fn sync_group_member_that_does_not_exist_is_ignored() {
    check(
        "30_sync_group_unknown_member.conf",
        "unknown-reference",
        Severity::Error,
        1,
        1,
    );
    check(
        "30_sync_group_unknown_member.conf",
        "sync-group-single",
        Severity::Warning,
        1,
        1,
    );
}

#[test]
fn virtual_server_without_real_servers_is_dropped() {
    check(
        "31_no_real_servers.conf",
        "no-real-servers",
        Severity::Error,
        1,
        1,
    );
}

#[test]
fn unknown_lb_kind_and_bad_checker_timeout() {
    check(
        "32_bad_lb_kind_and_checker.conf",
        "lb-kind",
        Severity::Error,
        4,
        13,
    );
    check(
        "32_bad_lb_kind_and_checker.conf",
        "invalid-number",
        Severity::Error,
        12,
        29,
    );
    check(
        "32_bad_lb_kind_and_checker.conf",
        "no-protocol",
        Severity::Warning,
        1,
        1,
    );
}

#[test]
fn address_owner_ignores_weighted_scripts() {
    check(
        "33_priority_255_weighted.conf",
        "weight-ignored",
        Severity::Error,
        14,
        9,
    );
}

#[test]
fn mixed_address_families_drop_the_second() {
    check(
        "34_vip_family_mix.conf",
        "address-family",
        Severity::Error,
        6,
        9,
    );
}

#[test]
fn prefix_too_long_uses_32_and_bad_scope_is_ignored() {
    check(
        "35_prefix_too_long.conf",
        "prefix-len",
        Severity::Warning,
        5,
        9,
    );
    check(
        "35_prefix_too_long.conf",
        "invalid-scope",
        Severity::Error,
        5,
        38,
    );
    let p = parse(Path::new("tests/fixtures/bad/35_prefix_too_long.conf"));
    assert_eq!(
        p.config.vrrp_instances[0].virtual_ipaddress[0].prefix_len,
        Some(32)
    );
}

#[test]
fn escaped_quote_does_not_protect_a_brace() {
    // keepalived's brace search skips "..." without escapes: `\"{` opens a brace.
    check(
        "36_escaped_quote_splits_block.conf",
        "unexpected-open-brace",
        Severity::Warning,
        2,
        32,
    );
    check(
        "36_escaped_quote_splits_block.conf",
        "unknown-keyword",
        Severity::Warning,
        3,
        5,
    );
}

#[test]
fn rfc5798_5_2_7_unicast_and_v3_interval_mistakes() {
    check(
        "37_unicast_mistakes.conf",
        "unicast-no-peers",
        Severity::Warning,
        1,
        1,
    );
    check(
        "37_unicast_mistakes.conf",
        "unicast-ttl",
        Severity::Error,
        9,
        1,
    );
    check(
        "37_unicast_mistakes.conf",
        "vmac-unicast",
        Severity::Warning,
        23,
        1,
    );
    check(
        "37_unicast_mistakes.conf",
        "advert-int-v3",
        Severity::Warning,
        10,
        1,
    );
    let p = parse(Path::new("tests/fixtures/bad/37_unicast_mistakes.conf"));
    let v = &p.config.vrrp_instances[1];
    assert_eq!(
        v.effective_advert_int(&p.config.global_defs),
        std::time::Duration::from_millis(40950)
    );
}
