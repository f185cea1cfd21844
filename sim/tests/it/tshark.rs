//! tshark is the oracle for every capture: no malformed frame, every VRRP checksum Good.
//! Skipped only when tshark is absent and CI is unset.

use crate::util;
use std::path::Path;
use std::process::Command;

pub fn tshark_available() -> bool {
    let found = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but tshark is not installed"
        );
        eprintln!("tshark not installed: skipping");
    }
    found
}

/// The values of `field` in the frames matching `filter`.
pub fn fields(file: &Path, filter: &str, field: &str) -> Vec<String> {
    query(file, &[], filter, &[field])
}

/// One line per frame matching `filter`: the tab-separated values of `fields`, read with tshark
/// preferences `prefs` (`"tcp.check_checksum:TRUE"`, ...).
pub fn query(file: &Path, prefs: &[&str], filter: &str, fields: &[&str]) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(prefs.iter().flat_map(|p| ["-o", p]))
        .args(["-Y", filter, "-T", "fields"])
        .args(fields.iter().flat_map(|f| ["-e", f]))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Checks one capture file with tshark; returns the number of VRRP frames.
pub fn assert_clean(file: &Path) -> usize {
    let malformed = fields(
        file,
        "_ws.malformed || _ws.expert.severity >= error",
        "frame.number",
    );
    assert!(
        malformed.is_empty(),
        "malformed or error frames: {malformed:?}"
    );
    let checksums = fields(file, "vrrp", "vrrp.checksum.status");
    assert!(!checksums.is_empty());
    assert!(
        checksums.iter().all(|s| s == "1"),
        "VRRP checksum not Good in {checksums:?}"
    );
    checksums.len()
}

#[test]
fn split_brain_capture_decodes_cleanly_in_tshark() {
    if !tshark_available() {
        return;
    }
    let l = util::load("split_brain.ron");
    let r = util::run(&l, 1);
    let dir = util::tempdir("tshark-split-brain");
    let file = dir.join("capture.pcapng");
    std::fs::write(&file, &r.capture).unwrap();
    let n = assert_clean(&file);
    assert!(n > 50, "{n} VRRP frames");
    // One pcapng interface per segment, with nanosecond resolution.
    let ifaces = fields(&file, "frame.number == 1", "frame.interface_name");
    assert_eq!(ifaces, vec!["lan".to_string()]);
    let t = fields(
        &file,
        "vrrp && ip.src == 192.168.145.11",
        "frame.time_epoch",
    );
    let first = t.first().unwrap();
    assert_eq!(
        first.split('.').nth(1).map(str::len),
        Some(9),
        "nanosecond timestamps: {first}"
    );
}
