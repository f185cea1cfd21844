//! Shared helpers: reading the repository's real captures.

use std::path::PathBuf;

/// One frame of a capture with its timestamp in nanoseconds since the capture's first frame.
pub struct Frame {
    #[allow(dead_code)] // used by the replay tests
    pub t_ns: u64,
    pub data: Vec<u8>,
}

pub fn pcap_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../pcaps/keepalived")
}

pub const CAPTURES: [&str; 4] = [
    "keepalived-vrrpv2-crash-failover",
    "keepalived-vrrpv2-graceful-stop",
    "keepalived-vrrpv2-preemption",
    "keepalived-vrrpv2-unicast-crash-failover",
];

pub fn read_pcap(name: &str) -> Vec<Frame> {
    read_pcap_path(&pcap_dir().join(format!("{name}.pcap")))
}

pub fn read_pcap_path(path: &std::path::Path) -> Vec<Frame> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = pcap_file::pcap::PcapReader::new(file).expect("pcap header");
    let mut out = Vec::new();
    let mut first = None;
    while let Some(pkt) = reader.next_packet() {
        let pkt = pkt.expect("pcap record");
        let ns = pkt.timestamp.as_nanos() as u64;
        let base = *first.get_or_insert(ns);
        out.push(Frame {
            t_ns: ns - base,
            data: pkt.data.into_owned(),
        });
    }
    out
}
