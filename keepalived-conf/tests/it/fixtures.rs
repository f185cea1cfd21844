//! Every shared fixture (seed, seed as published, keepalived's samples): snapshots of the
//! typed model and of the rendered diagnostics, plus the verdicts the seed's README states.

use crate::util::{fixtures, good, parse, snap_name};
use keepalived_conf::{Severity, Source};
use std::path::Path;

#[test]
fn fixture_models_and_diagnostics_snapshot() {
    let files = fixtures();
    assert!(
        files.len() >= 30,
        "expected the shared fixtures, found {}",
        files.len()
    );
    for f in files {
        let p = parse(&f);
        let name = snap_name(&f);
        insta::assert_json_snapshot!(format!("model__{name}"), p.config);
        insta::assert_snapshot!(format!("diag__{name}"), p.render_diagnostics());
    }
}

#[test]
fn feature_fixtures_snapshot_and_have_no_errors() {
    for f in good() {
        let p = parse(&f);
        let name = snap_name(&f);
        assert!(!p.has_errors(), "{}", p.render_diagnostics());
        insta::assert_json_snapshot!(format!("model__{name}"), p.config);
        insta::assert_snapshot!(format!("diag__{name}"), p.render_diagnostics());
    }
}

#[test]
fn seq_and_parameters_expand_like_keepalived() {
    let p = parse(Path::new("tests/fixtures/good/seq_params_conditional.conf"));
    let seq: Vec<String> = p.config.vrrp_instances[0]
        .virtual_ipaddress
        .iter()
        .map(|v| v.addr.to_string())
        .collect();
    assert_eq!(
        seq,
        ["fe80::42", "2001:db8::10", "2001:db8::20", "2001:db8::30"]
    );
    let list = &p.config.vrrp_instances[1];
    assert_eq!(list.virtual_ipaddress.len(), 5);
    assert_eq!(list.virtual_ipaddress[4].dev.as_deref(), Some("eth1"));
    assert_eq!(p.config.global_defs.router_id.as_deref(), Some("lb-eth1"));
    assert_eq!(
        p.config.vrrp_instances[0].priority,
        Some(100),
        "@^node1 applies without --config-id"
    );
}

#[test]
fn seed_lvs_dr_chk_schedown_is_disabled_because_keepalived_runs_no_shell() {
    let p = parse(Path::new(
        "../scenarios/configs/seed/lvs_dr_director.keepalived.conf",
    ));
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "script-disabled")
        .expect("chk_schedown must be reported");
    assert_eq!(
        (d.severity, d.source, d.span.line, d.span.col),
        (Severity::Error, Source::Keepalived, 12, 11)
    );
    assert!(d
        .keepalived_would
        .contains("Disabling track script chk_schedown since not found/accessible"));
    assert!(d
        .help
        .as_deref()
        .unwrap_or("")
        .contains("/bin/bash -c '[[ -f /etc/keepalived/down ]] && exit 1 || exit 0'"));
    let s = p.config.script("chk_schedown").expect("modelled");
    assert_eq!(s.weight, Some(-2));
    let only_sh = |p: &Path| p == Path::new("/bin/sh") || p == Path::new("/bin/bash");
    assert_eq!(
        s.keepalived_disables(only_sh).as_deref(),
        Some("Disabling track script chk_schedown since not found/accessible")
    );
}

#[test]
fn seed_lvs_dr_keepalived_warnings_are_reported_at_their_lines() {
    let p = parse(Path::new(
        "../scenarios/configs/seed/lvs_dr_director.keepalived.conf",
    ));
    let got: Vec<(u32, &str)> = p
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| (d.span.line, d.code))
        .collect();
    assert_eq!(
        got,
        vec![
            (41, "unknown-keyword"),
            (53, "deprecated-keyword"),
            (65, "deprecated-keyword")
        ]
    );
    let vs = &p.config.virtual_servers[0];
    assert_eq!(vs.real_servers.len(), 2);
    assert_eq!(vs.real_servers[0].checkers[0].retry, Some(3));
}

#[test]
fn seed_as_published_names_every_nbsp_and_keepalived_refuses_it() {
    let p = parse(Path::new(
        "../scenarios/configs/seed/as-published/nginx_lb.keepalived.conf",
    ));
    let nbsp = p
        .diagnostics
        .iter()
        .filter(|d| d.code == "invisible-character")
        .count();
    assert!(nbsp >= 20, "every indented line carries U+00A0, got {nbsp}");
    let first = p
        .diagnostics
        .iter()
        .find(|d| d.code == "invisible-character")
        .unwrap();
    assert_eq!((first.span.line, first.span.col), (2, 1));
    assert!(first.message.contains("U+00A0 NO-BREAK SPACE"));
    assert!(p
        .diagnostics
        .iter()
        .any(|d| d.code == "vrid-missing" && d.severity == Severity::Error));
    let repaired = keepalived_conf::format::repair_text(
        &p.sources[Path::new("../scenarios/configs/seed/as-published/nginx_lb.keepalived.conf")],
    );
    let clean =
        std::fs::read_to_string("../scenarios/configs/seed/nginx_lb.keepalived.conf").unwrap();
    assert_eq!(
        repaired, clean,
        "repairing U+00A0 gives the cleaned seed file byte for byte"
    );
}

#[test]
fn seed_nginx_chk_nginx_runs_only_where_the_script_file_exists() {
    let p = parse(Path::new(
        "../scenarios/configs/seed/nginx_lb.keepalived.conf",
    ));
    let s = p.config.script("chk_nginx").expect("modelled");
    let with_file = |p: &Path| p == Path::new("/etc/keepalived/chk_nginx.sh");
    assert_eq!(s.keepalived_disables(with_file), None);
    assert!(s.keepalived_disables(|_| false).is_some());
    assert_eq!(p.config.vrrp_instances[0].track_script[0].name, "chk_nginx");
}
