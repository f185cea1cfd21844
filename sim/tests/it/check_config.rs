//! `sim check-config`: summary, diagnostics, JSON, and DESIGN's exit codes (0 no errors,
//! 1 warnings under --strict, 2 errors), run as the real binary on the repo's fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .arg("check-config")
        .args(args)
        .output()
        .expect("sim runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn check_config_seed_with_disabled_script_exits_2_with_summary() {
    let f = repo("scenarios/configs/seed/lvs_dr_director.keepalived.conf");
    let o = sim(&[f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("error[script-disabled]"), "{out}");
    assert!(out.contains("Disabling track script chk_schedown since not found/accessible"));
    assert!(out.contains("1 vrrp_instance(s) (VRIDs 51), 1 VIP(s), 1 vrrp_script(s), 1 virtual_server(s) (192.168.145.200:80), 2 real_server(s), 2 checker(s)"), "{out}");
    assert!(out.contains("1 error(s), 3 warning(s)"), "{out}");
}

#[test]
fn check_config_warnings_only_exit_0_and_1_under_strict() {
    let f = repo("scenarios/configs/keepalived-samples/keepalived.conf.fwmark");
    let f = f.to_str().unwrap();
    assert_eq!(sim(&[f]).status.code(), Some(0));
    assert_eq!(sim(&[f, "--strict"]).status.code(), Some(1));
}

#[test]
fn check_config_clean_file_exits_0_even_strict() {
    let f = repo("scenarios/configs/keepalived-samples/keepalived.conf.HTTP_GET.port");
    let o = sim(&[f.to_str().unwrap(), "--strict"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 error(s), 0 warning(s)"));
}

#[test]
fn check_config_json_lists_diagnostics_with_spans_and_verdicts() {
    let f = repo("scenarios/configs/keepalived-samples/keepalived.conf.vrrp.rules");
    let o = sim(&[f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let file = &v[0];
    assert_eq!(file["errors"], 2);
    let d = file["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "invalid-address")
        .expect("the sample's invalid address");
    assert_eq!(d["span"]["line"], 11);
    assert_eq!(d["severity"], "error");
    assert_eq!(d["source"], "keepalived");
    assert!(d["keepalived_would"]
        .as_str()
        .unwrap()
        .contains("VRRP parsed invalid IP 192.168.100./24"));
}

#[test]
fn check_config_config_id_selects_conditional_lines() {
    let f = repo("scenarios/configs/keepalived-samples/keepalived.conf.conditional_conf");
    let f = f.to_str().unwrap();
    // Without an id no `script` line survives, so keepalived removes the vrrp_script.
    let none = stdout(&sim(&[f, "--no-script-check"]));
    assert!(none.contains("error[script-missing]"), "{none}");
    let high = stdout(&sim(&[f, "--no-script-check", "--config-id", "high"]));
    assert!(!high.contains("script-missing"), "{high}");
}

#[test]
fn check_config_several_files_get_cluster_lints() {
    let dir = std::env::temp_dir().join(format!("vrrpsim-cc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.conf");
    let b = dir.join("b.conf");
    std::fs::write(&a, "vrrp_script c {\n script \"/bin/true\"\n weight -5\n}\nvrrp_instance V {\n state MASTER\n interface eth0\n virtual_router_id 9\n priority 120\n virtual_ipaddress {\n 192.0.2.1\n }\n track_script {\n c\n }\n}\n").unwrap();
    std::fs::write(&b, "vrrp_instance V {\n interface eth0\n virtual_router_id 9\n priority 100\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n").unwrap();
    let o = sim(&[
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--no-script-check",
    ]);
    let out = stdout(&o);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.contains("warning[weight-cannot-cross] (vrrpsim lint)"),
        "{out}"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn check_config_fix_invisible_repairs_the_as_published_seed() {
    let dir = std::env::temp_dir().join(format!("vrrpsim-fix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("nginx_lb.keepalived.conf");
    std::fs::copy(
        repo("scenarios/configs/seed/as-published/nginx_lb.keepalived.conf"),
        &f,
    )
    .unwrap();
    let o = sim(&[f.to_str().unwrap(), "--fix-invisible"]);
    assert_eq!(o.status.code(), Some(0));
    let original = std::fs::read_to_string(&f).unwrap();
    let fixed = std::fs::read_to_string(dir.join("nginx_lb.keepalived.conf.fixed")).unwrap();
    // A second run refuses to overwrite the repaired copy.
    let again = sim(&[f.to_str().unwrap(), "--fix-invisible"]);
    let published = std::fs::read_to_string(repo(
        "scenarios/configs/seed/as-published/nginx_lb.keepalived.conf",
    ))
    .unwrap();
    let clean =
        std::fs::read_to_string(repo("scenarios/configs/seed/nginx_lb.keepalived.conf")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(fixed, clean);
    assert_eq!(original, published, "the user's file is never rewritten");
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn check_config_print_canonical_reparses_cleanly() {
    let f = repo("scenarios/configs/keepalived-samples/keepalived.conf.vrrp");
    let o = sim(&[f.to_str().unwrap(), "--print-canonical"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.contains("vrrp_instance VI_1 {\n    state MASTER\n"),
        "{text}"
    );
}

#[test]
fn check_config_unreadable_file_exits_2() {
    assert_eq!(sim(&["/nonexistent/vrrpsim.conf"]).status.code(), Some(2));
}
