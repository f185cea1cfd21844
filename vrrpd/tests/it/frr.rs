//! The daemon against FRR's vrrpd (8.4, VRRPv3, RFC mode with the virtual MAC on both sides):
//! election both ways and a graceful stop honoured both ways, each captured and checked
//! clean under the `rfc5798` profile.
//!
//! FRR needs zebra running in the namespace and a macvlan interface with the virtual MAC that
//! holds the VIP (FRR's documented setup); both are created here. Crash failover against FRR
//! is not run: see docs/interop.md (two routers sending from the same virtual MAC make the
//! conformance checker credit the new master's gratuitous ARP to the old one).

use std::time::Duration;

use conformance::{CheckOptions, Profile};

use crate::interop::{conf, hard_errors, Imp, Pair, HIGH_PRIO, LOW_PRIO};
use crate::lab::{gate, Lab};

const ZEBRA: &str = "/usr/lib/frr/zebra";
const FRR_VRRPD: &str = "/usr/lib/frr/vrrpd";
const VIP: &str = "192.0.2.100";

fn frr_conf(prio: u8) -> String {
    format!(
        "hostname frr\nlog stdout debugging\n!\ninterface eth0\n vrrp 51 version 3\n vrrp 51 priority {prio}\n vrrp 51 advertisement-interval 1000\n vrrp 51 ip {VIP}\n!\n"
    )
}

/// Starts zebra and vrrpd on node `i`; returns vrrpd's PID.
fn start_frr(lab: &mut Lab, i: usize, prio: u8) -> u32 {
    let ns = lab.nodes[i].ns.clone();
    for args in [
        vec![
            "ip", "-n", &ns, "link", "add", "vrrp4-51", "link", "eth0", "type", "macvlan", "mode",
            "bridge",
        ],
        vec![
            "ip",
            "-n",
            &ns,
            "link",
            "set",
            "dev",
            "vrrp4-51",
            "address",
            "00:00:5e:00:01:33",
        ],
        vec![
            "ip",
            "-n",
            &ns,
            "addr",
            "add",
            "192.0.2.100/24",
            "dev",
            "vrrp4-51",
        ],
        vec!["ip", "-n", &ns, "link", "set", "dev", "vrrp4-51", "up"],
    ] {
        let st = std::process::Command::new(args[0])
            .args(&args[1..])
            .status()
            .expect("ip");
        assert!(st.success(), "{args:?}");
    }
    let dir = lab.dir.to_string_lossy().to_string();
    // FRR drops privileges to user frr, which writes its PID files and sockets here.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&lab.dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let zconf = lab.write("zebra.conf", "hostname frr\n");
    let vconf = lab.write("frr.conf", &frr_conf(prio));
    let zsock = format!("{dir}/zserv.api");
    let space = ns.clone();
    lab.spawn(
        i,
        "frr-zebra",
        &[
            ZEBRA,
            "-N",
            &space,
            "-f",
            &zconf.to_string_lossy(),
            "-i",
            &format!("{dir}/zebra.pid"),
            "-z",
            &zsock,
            "--vty_socket",
            &dir,
            "--log",
            "stdout",
        ],
    );
    let ready = lab.wait_until(Duration::from_secs(10), |_| {
        std::path::Path::new(&zsock).exists()
    });
    assert!(
        ready.is_some(),
        "zebra did not open its socket:\n{}",
        lab.log("frr-zebra")
    );
    lab.spawn(
        i,
        "frr-vrrpd",
        &[
            FRR_VRRPD,
            "-N",
            &space,
            "-f",
            &vconf.to_string_lossy(),
            "-i",
            &format!("{dir}/vrrpd.pid"),
            "-z",
            &zsock,
            "--vty_socket",
            &dir,
            "--log",
            "stdout",
            "--log-level",
            "debug",
        ],
    )
}

fn frr_is_master(lab: &Lab) -> bool {
    let log = lab.log("frr-vrrpd");
    let last = log
        .lines()
        .rev()
        .find(|l| l.contains("[VRID 51] [IPv4]") && l.contains(" -> "))
        .unwrap_or("");
    last.ends_with("-> Master")
}

fn rfc_conf(prio: u8) -> String {
    // RFC behaviour on our side: VRRPv3, virtual MAC (RFC 5798 §7.3), run with --mode rfc5798.
    let p = Pair {
        version: 3,
        ipv6: false,
        advert_int: "1",
        high: Imp::Vrrpd,
        low: Imp::Vrrpd,
    };
    conf(&p, "vrrpd", prio).replace(
        "    virtual_ipaddress",
        "    use_vmac\n    virtual_ipaddress",
    )
}

fn start_ours(lab: &mut Lab, i: usize, prio: u8) -> u32 {
    let c = lab.write("vrrpd.conf", &rfc_conf(prio));
    lab.spawn(
        i,
        "vrrpd",
        &[
            env!("CARGO_BIN_EXE_vrrpd"),
            "-f",
            &c.to_string_lossy(),
            "--mode",
            "rfc5798",
            "--log-level",
            "debug",
        ],
    )
}

fn check(lab: &mut Lab, cap: &std::path::Path, case: &str) {
    lab.stop_capture();
    let report = conformance::check_path(
        cap,
        &CheckOptions {
            profile: Profile::Rfc5798,
            ..CheckOptions::default()
        },
    )
    .expect("capture readable");
    let errors = hard_errors(&report, &["192.0.2.11"]);
    assert!(
        errors.is_empty(),
        "{case}: conformance errors: {errors:?}\n{}",
        report.to_text()
    );
    let resigned = report.failovers.iter().filter(|f| f.resigned).count();
    assert_eq!(
        resigned,
        1,
        "{case}: expected one graceful failover:\n{}",
        report.to_text()
    );
    eprintln!(
        "{case}: graceful gap {:.1} ms",
        report
            .failovers
            .iter()
            .find(|f| f.resigned)
            .map_or(0.0, |f| f.gap_ms)
    );
}

fn frr_ready() -> bool {
    gate(&["ip", "tcpdump", ZEBRA, FRR_VRRPD])
}

const MDI_HIGH_MS: u64 = 3220;
const SKEW_LOW_MS: u64 = 610;

#[test]
fn rfc5798_interop_frr_vrrpd_higher_than_vrrpd() {
    if !frr_ready() {
        return;
    }
    let case = "frr-higher";
    let mut lab = Lab::new(case, 2);
    let cap = lab.start_capture();
    let frr = start_frr(&mut lab, 1, HIGH_PRIO);
    let up = lab.wait_until(Duration::from_millis(MDI_HIGH_MS + 5000), frr_is_master);
    assert!(
        up.is_some(),
        "FRR never became master:\n{}",
        lab.log("frr-vrrpd")
    );
    let ours = start_ours(&mut lab, 0, LOW_PRIO);
    // RFC 5798 §6.4.2: a lower-priority backup stays backup.
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        frr_is_master(&lab),
        "FRR lost mastership:\n{}",
        lab.log("frr-vrrpd")
    );
    assert!(
        !lab.has_addr(0, VIP),
        "vrrpd took the VIP from a higher priority FRR:\n{}",
        lab.log("vrrpd")
    );
    // Graceful stop of FRR: priority 0, we take over after Skew_Time (RFC 5798 §6.4.2).
    lab.term(frr);
    let took = lab.wait_until(Duration::from_millis(SKEW_LOW_MS + 2000), |l| {
        l.has_addr(0, VIP)
    });
    assert!(
        took.is_some(),
        "vrrpd did not take over after FRR stopped:\n{}",
        lab.log("vrrpd")
    );
    std::thread::sleep(Duration::from_secs(2));
    lab.term(ours);
    check(&mut lab, &cap, case);
}

#[test]
fn rfc5798_interop_vrrpd_higher_than_frr_vrrpd() {
    if !frr_ready() {
        return;
    }
    let case = "frr-lower";
    let mut lab = Lab::new(case, 2);
    let cap = lab.start_capture();
    let ours = start_ours(&mut lab, 0, HIGH_PRIO);
    let up = lab.wait_until(Duration::from_millis(MDI_HIGH_MS + 3000), |l| {
        l.has_addr(0, VIP)
    });
    assert!(
        up.is_some(),
        "vrrpd never became master:\n{}",
        lab.log("vrrpd")
    );
    start_frr(&mut lab, 1, LOW_PRIO);
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        !frr_is_master(&lab),
        "FRR took over from a higher priority vrrpd:\n{}",
        lab.log("frr-vrrpd")
    );
    assert!(lab.has_addr(0, VIP), "vrrpd lost its VIP");
    // Graceful stop of ours: FRR honours the priority-0 advert.
    lab.term(ours);
    let took = lab.wait_until(Duration::from_millis(SKEW_LOW_MS + 2000), frr_is_master);
    assert!(
        took.is_some(),
        "FRR did not take over after vrrpd stopped:\n{}",
        lab.log("frr-vrrpd")
    );
    assert!(!lab.has_addr(0, VIP), "vrrpd left its VIP behind");
    std::thread::sleep(Duration::from_secs(2));
    check(&mut lab, &cap, case);
}
