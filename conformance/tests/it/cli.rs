//! The binary: exit codes 0/1/2 and output formats.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .output();
    match out {
        Ok(o) => (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        ),
        Err(e) => panic!("cannot run the binary: {e}"),
    }
}

fn p(rel: &str) -> String {
    crate::pcaps().join(rel).display().to_string()
}

#[test]
fn exit_0_for_clean_keepalived_capture() {
    let (code, out) = run(&[
        "check",
        &p("keepalived/keepalived-vrrpv2-crash-failover.pcap"),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("gap 3614.1 ms"), "{out}");
}

#[test]
fn exit_1_for_errors_and_json_array_for_several_files() {
    let (code, out) = run(&[
        "check",
        "--format",
        "json",
        &p("bad/wrong-ttl.pcap"),
        &p("bad/vrid-0.pcap"),
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    assert_eq!(v.as_array().map(|a| a.len()), Some(2));
    assert_eq!(v[0]["findings"][0]["rule"], "V2-PKT-04");
    assert_eq!(v[1]["summary"]["errors"], 1);
}

#[test]
fn exit_2_for_unreadable_input_and_bad_flags() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    assert_eq!(run(&["check", manifest]).0, 2);
    assert_eq!(run(&["check", "/nonexistent/file.pcap"]).0, 2);
    assert_eq!(
        run(&["check", "--profile", "rfc1234", &p("bad/vrid-0.pcap")]).0,
        2
    );
}

#[test]
fn junit_and_markdown_formats() {
    let (code, out) = run(&["check", "--format", "junit", &p("bad/bad-checksum.pcap")]);
    assert_eq!(code, 1);
    assert!(out.contains("<failure type=\"error\""), "{out}");
    let (_, md) = run(&[
        "check",
        "--format",
        "markdown",
        &p("keepalived/keepalived-vrrpv2-preemption.pcap"),
    ]);
    assert!(
        md.contains("| 12.324 | 24 | 51 | 192.0.2.12 | 192.0.2.11 | 718.5 |"),
        "{md}"
    );
}

#[test]
fn config_flag_runs_the_cfg_items_and_rejects_bad_values() {
    let k = "keepalived/configs/keepalived-vrrpv2-graceful-stop";
    let r1 = format!("192.0.2.11={}", p(&format!("{k}/r1.conf")));
    let r2 = format!("192.0.2.12={}", p(&format!("{k}/r2.conf")));
    let cap = p("keepalived/keepalived-vrrpv2-graceful-stop.pcap");
    let (code, out) = run(&[
        "check", "--format", "json", "--config", &r1, "--config", &r2, &cap,
    ]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    let not_checked = v[0]["not_checked"].as_array().map(|a| a.len()).unwrap_or(0);
    // The 14 configuration rules ran; the event parts (12 rules) and simulator-only rules (15) remain.
    assert_eq!(not_checked, 27);
    assert_eq!(run(&["check", "--config", "not-an-ip=/x.conf", &cap]).0, 2);
    assert_eq!(run(&["check", "--config", "192.0.2.11", &cap]).0, 2);
}

#[test]
fn a_closed_stdout_pipe_ends_quietly_with_the_checks_exit_code() {
    // `conformance check F | head -1`: the reader goes away; the binary must not panic.
    use std::process::Stdio;
    let cap = p("own/keepalived-split-brain.pcap");
    let child = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["check", "--format", "json", &cap])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => panic!("cannot run the binary: {e}"),
    };
    drop(child.stdout.take());
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    // The split-brain capture has errors: exit code 1 whether or not the report could be written.
    assert_eq!(out.status.code(), Some(1), "{err}");
}
