//! tshark as the oracle: frames produced by `forward` and sync messages produced by `sync` are written
//! to a pcap and dissected; no malformed packet, every checksum Good, fields as intended.
//! Skipped (with a message) where tshark is not installed, unless `CI` is set, where it must be.

use std::io::Write;
use std::net::SocketAddr;
use std::process::Command;

use etherparse::PacketBuilder;
use lvs::forward;
use lvs::sync::{self, flags, SyncConn};

const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const DIRECTOR_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const RS_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x03];

fn tshark() -> Option<&'static str> {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some("tshark");
    }
    assert!(std::env::var_os("CI").is_none(), "tshark is required in CI");
    eprintln!("tshark not installed: skipped");
    None
}

fn write_pcap(path: &std::path::Path, frames: &[Vec<u8>]) {
    let mut f = std::fs::File::create(path).unwrap();
    // Classic pcap, microsecond timestamps, Ethernet.
    f.write_all(&0xa1b2_c3d4u32.to_le_bytes()).unwrap();
    f.write_all(&2u16.to_le_bytes()).unwrap();
    f.write_all(&4u16.to_le_bytes()).unwrap();
    f.write_all(&[0; 8]).unwrap();
    f.write_all(&65535u32.to_le_bytes()).unwrap();
    f.write_all(&1u32.to_le_bytes()).unwrap();
    for (i, fr) in frames.iter().enumerate() {
        f.write_all(&(i as u32).to_le_bytes()).unwrap();
        f.write_all(&0u32.to_le_bytes()).unwrap();
        f.write_all(&(fr.len() as u32).to_le_bytes()).unwrap();
        f.write_all(&(fr.len() as u32).to_le_bytes()).unwrap();
        f.write_all(fr).unwrap();
    }
}

fn dissect(name: &str, frames: &[Vec<u8>]) -> Option<String> {
    let bin = tshark()?;
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    write_pcap(&path, frames);
    let out = Command::new(bin)
        .args([
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "tcp.check_checksum:TRUE",
        ])
        .args(["-o", "udp.check_checksum:TRUE", "-V", "-r"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn http_syn() -> Vec<u8> {
    let b = PacketBuilder::ethernet2(CLIENT_MAC, DIRECTOR_MAC)
        .ipv4([203, 0, 113, 7], [192, 0, 2, 100], 61)
        .tcp(40000, 80, 12345, 64240)
        .syn();
    let mut v = Vec::new();
    b.write(&mut v, b"").unwrap();
    v
}

#[test]
fn tshark_decodes_dr_nat_tun_frames_with_good_checksums() {
    let f = http_syn();
    let real: SocketAddr = "198.51.100.3:8080".parse().unwrap();
    let frames = vec![
        forward::dr(&f, DIRECTOR_MAC, RS_MAC).unwrap(),
        forward::nat_in(&f, real, DIRECTOR_MAC, RS_MAC).unwrap(),
        forward::tun(
            &f,
            "192.0.2.10".parse().unwrap(),
            real.ip(),
            DIRECTOR_MAC,
            RS_MAC,
        )
        .unwrap(),
    ];
    let Some(text) = dissect("forward.pcap", &frames) else {
        return;
    };
    assert!(!text.contains("Malformed"), "{text}");
    assert!(!text.contains("Status: Bad"), "{text}");
    assert!(
        text.matches("[Header checksum status: Good]").count() >= 4,
        "{text}"
    );
    assert!(
        text.matches("[Checksum Status: Good]").count() >= 3,
        "{text}"
    );
    assert!(
        text.contains("Destination Port: 8080"),
        "NAT rewrote the port"
    );
    assert!(
        text.contains("Protocol: IPIP (4)"),
        "TUN is IP-in-IP: {text}"
    );
}

#[test]
fn tshark_decodes_the_sync_daemon_message() {
    let c = SyncConn {
        protocol: 6,
        flags: flags::DROUTE | flags::NOOUTPUT,
        state: 1,
        cport: 40000,
        vport: 80,
        dport: 80,
        fwmark: 0,
        timeout_s: 900,
        caddr: "203.0.113.7".parse().unwrap(),
        vaddr: "192.0.2.100".parse().unwrap(),
        daddr: "198.51.100.3".parse().unwrap(),
    };
    let msg = sync::encode(5, &[c]);
    let b = PacketBuilder::ethernet2(DIRECTOR_MAC, [0x01, 0, 0x5e, 0, 0, 0x51])
        .ipv4([192, 0, 2, 10], sync::SYNC_GROUP_V4.octets(), 1)
        .udp(sync::SYNC_PORT, sync::SYNC_PORT);
    let mut frame = Vec::new();
    b.write(&mut frame, &msg).unwrap();
    let Some(text) = dissect("sync.pcap", &[frame]) else {
        return;
    };
    assert!(text.contains("IP Virtual Services Sync Daemon"), "{text}");
    assert!(!text.contains("Malformed"), "{text}");
    for want in [
        "Synchronization ID: 5",
        "Connection Count: 1",
        "Version: 1",
        "Client Port: 40000",
        "Timeout: 900",
        "Client Address: 203.0.113.7",
        "Virtual Address: 192.0.2.100",
        "Destination Address: 198.51.100.3",
    ] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }
}
