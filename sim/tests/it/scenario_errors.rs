//! A bad scenario file gets file:line:col and exit code 2, never a panic.

use crate::util;
use sim::scenario;
use std::path::Path;

fn err(text: &str) -> String {
    match scenario::parse_str(&util::repo().join("scenarios/bad.ron"), text) {
        Ok(_) => panic!("should not parse:\n{text}"),
        Err(e) => e.to_string().replace(
            &util::repo().join("scenarios").display().to_string(),
            "scenarios",
        ),
    }
}

const GOOD_HEAD: &str = r#"Scenario(
    duration: "10s",
    segments: [(name: "lan")],
    nodes: [
        Client(name: "c", segment: "lan", ip: "192.0.2.50/24", target: "192.0.2.100:80"),
"#;

#[test]
fn syntax_error_is_located() {
    assert_eq!(
        err("Scenario(\n  duration: \"10s\",\n  segments: [(name: \"lan\"]\n)"),
        "scenarios/bad.ron:3:26: Expected comma"
    );
}

#[test]
fn unknown_field_is_located() {
    let e = err(&format!("{GOOD_HEAD}    ],\n    colour: \"blue\",\n)"));
    assert!(e.starts_with("scenarios/bad.ron:7:5: "), "{e}");
    assert!(e.contains("colour"), "{e}");
}

#[test]
fn bad_duration_is_located_and_explained() {
    let e = err("Scenario(\n    duration: \"10 parsecs\",\n    segments: [],\n    nodes: [],\n)");
    assert!(e.starts_with("scenarios/bad.ron:2:"), "{e}");
    assert!(e.contains("invalid duration \"10 parsecs\""), "{e}");
}

#[test]
fn unknown_node_in_fault_points_at_the_name() {
    let e = err(&format!(
        "{GOOD_HEAD}    ],\n    faults: [(at: \"1s\", fault: Crash(node: \"ghost\"))],\n)"
    ));
    assert_eq!(e, "scenarios/bad.ron:7:44: unknown node \"ghost\"");
}

#[test]
fn unknown_segment_bad_address_and_missing_config_are_located() {
    let e = err(
        r#"Scenario(duration: "1s", segments: [(name: "lan")], nodes: [Host(name: "h", segment: "wan", ip: "192.0.2.1/24")])"#,
    );
    assert_eq!(
        e,
        "scenarios/bad.ron:1:86: node \"h\": unknown segment \"wan\""
    );
    let e = err(
        r#"Scenario(duration: "1s", segments: [(name: "lan")], nodes: [Host(name: "h", segment: "lan", ip: "192.0.2.300/24")])"#,
    );
    assert!(e.contains("invalid address \"192.0.2.300/24\""), "{e}");
    let e = err(
        r#"Scenario(duration: "1s", segments: [(name: "lan")], nodes: [Router(name: "r", segment: "lan", ip: "192.0.2.1/24", config: File("nope.conf"))])"#,
    );
    assert!(e.starts_with("scenarios/bad.ron:1:"), "{e}");
    assert!(
        e.contains("config file") && e.contains("nope.conf not found"),
        "{e}"
    );
}

#[test]
fn bad_probability_is_rejected() {
    let e =
        err(r#"Scenario(duration: "1s", segments: [(name: "lan", link: (loss: 1.5))], nodes: [])"#);
    assert!(e.contains("link loss = 1.5 is not a probability"), "{e}");
}

#[test]
fn keepalived_config_errors_are_reported_with_their_location() {
    let text = r#"Scenario(duration: "1s", segments: [(name: "lan")], nodes: [
        Router(name: "r", segment: "lan", ip: "192.0.2.1/24", config: Inline("vrrp_instance VI_1 {\n  virtual_router_id 300\n}\n")),
    ])"#;
    let l = scenario::parse_str(&util::repo().join("scenarios/bad.ron"), text).unwrap();
    let e = match sim::world::World::build(&l, 1) {
        Ok(_) => panic!("VRID 300 must be rejected"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("keepalived.conf has errors"), "{e}");
    assert!(e.contains(":2:"), "the config error carries its line: {e}");
}

#[test]
fn binary_exits_2_on_bad_input_and_never_panics() {
    let dir = util::tempdir("bad-input");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage.ron", b"\xff\xfe not ron at all".to_vec()),
        ("empty.ron", vec![]),
        (
            "truncated.ron",
            b"Scenario(duration: \"1s\", segments: [(name: \"lan\"".to_vec(),
        ),
    ];
    for (name, bytes) in cases {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&p.display().to_string()), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
        .arg(Path::new("/nonexistent/x.ron"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
        .arg(util::repo().join("scenarios/split_brain.ron"))
        .args(["--seeds", "9..3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn client_outage_with_min_above_max_is_located() {
    let e = err(&format!(
        "{GOOD_HEAD}    ],\n    expect: [ClientOutage(min: \"5s\", max: \"1s\")],\n)"
    ));
    assert_eq!(
        e,
        "scenarios/bad.ron:7:14: ClientOutage: min 5s is larger than max 1s"
    );
}

/// Two routers from the library configs, for the field vocabulary's errors.
fn routers(extra_r1: &str, tail: &str) -> String {
    format!(
        r#"Scenario(
    duration: "10s",
    segments: [(name: "lan")],
    nodes: [
        Router(name: "r1", segment: "lan", ip: "192.0.2.11/24", config: File("configs/library/v2_master.conf"){extra_r1}),
        Router(name: "r2", segment: "lan", ip: "192.0.2.12/24", config: File("configs/library/v2_backup.conf")),
    ],
{tail}
)"#
    )
}

#[test]
fn state_is_with_an_unknown_state_names_the_states() {
    let e = err(&routers(
        "",
        r#"    expect: [StateIs(node: "r1", at: "5s", state: "STANDBY")],"#,
    ));
    assert_eq!(
        e,
        "scenarios/bad.ron:8:51: unknown state \"STANDBY\" (one of MASTER, BACKUP, FAULT, INIT, DOWN)"
    );
}

#[test]
fn notify_state_needs_notify_durations_and_a_known_via() {
    let e = err(&routers(
        "",
        r#"    expect: [NotifyState(node: "r1", at: "5s", state: "MASTER")],"#,
    ));
    assert!(
        e.contains("NotifyState: router \"r1\" needs `notify: (...)` durations"),
        "{e}"
    );
    let e = err(&routers(
        r#", notify: (master: "1s")"#,
        r#"    expect: [NotifyState(node: "r1", at: "5s", state: "MASTER", via: "pipe")],"#,
    ));
    assert_eq!(
        e,
        "scenarios/bad.ron:8:70: via \"pipe\": write \"script\" or \"fifo\""
    );
}

#[test]
fn keepalived_version_older_than_227_and_a_missing_reload_config_are_located() {
    let e = err(&routers(r#", keepalived_version: "2.1.5""#, ""));
    assert!(e.starts_with("scenarios/bad.ron:5:"), "{e}");
    assert!(e.contains("keepalived_version \"2.1.5\""), "{e}");
    let e = err(&routers(
        "",
        r#"    faults: [(at: "5s", fault: Reload(node: "r1", config: File("configs/library/nowhere.conf")))],"#,
    ));
    assert_eq!(
        e,
        "scenarios/bad.ron:8:64: Reload of \"r1\": config file scenarios/configs/library/nowhere.conf not found"
    );
}
