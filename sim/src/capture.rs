//! Capture of every frame on every segment into one pcapng file.
//!
//! Each segment is one pcapng interface (named after the segment, nanosecond timestamps), so Wireshark shows
//! which wire a frame crossed. Frames are captured where a bridge would see them: when they reach the switch.
//! The file is built in memory and written once, so a run never depends on the file system while it runs.

use crate::time::Instant;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::SectionHeaderBlock;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::{DataLink, Endianness};
use std::borrow::Cow;

/// Why a capture could not be built.
#[derive(Debug, thiserror::Error)]
#[error("capture: {0}")]
pub struct CaptureError(String);

/// An in-memory pcapng file with one interface per segment.
pub struct Capture {
    writer: PcapNgWriter<Vec<u8>>,
    frames: u64,
    error: Option<String>,
}

impl Capture {
    /// A capture with one Ethernet interface per name in `segments`, in that order.
    pub fn new(segments: &[String]) -> Result<Capture, CaptureError> {
        let section = SectionHeaderBlock {
            endianness: Endianness::Little,
            major_version: 1,
            minor_version: 0,
            section_length: -1,
            options: vec![],
        };
        let mut writer = PcapNgWriter::with_section_header(Vec::new(), section)
            .map_err(|e| CaptureError(e.to_string()))?;
        for name in segments {
            let idb = InterfaceDescriptionBlock {
                linktype: DataLink::ETHERNET,
                snaplen: 0xFFFF,
                options: vec![
                    InterfaceDescriptionOption::IfName(Cow::Owned(name.clone())),
                    // 10^-9 s: the simulator's own resolution.
                    InterfaceDescriptionOption::IfTsResol(9),
                ],
            };
            writer
                .write_pcapng_block(idb)
                .map_err(|e| CaptureError(e.to_string()))?;
        }
        Ok(Capture {
            writer,
            frames: 0,
            error: None,
        })
    }

    /// Records `frame` seen on segment `segment` at `at`.
    pub fn record(&mut self, segment: usize, at: Instant, frame: &[u8]) {
        let epb = EnhancedPacketBlock {
            interface_id: segment as u32,
            timestamp: std::time::Duration::from_nanos(at.as_nanos()),
            original_len: frame.len() as u32,
            data: Cow::Borrowed(frame),
            options: vec![],
        };
        match self.writer.write_pcapng_block(epb) {
            Ok(_) => self.frames += 1,
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(e.to_string());
                }
            }
        }
    }

    /// Number of frames recorded.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The finished file's bytes, or the first write error.
    pub fn into_bytes(self) -> Result<Vec<u8>, CaptureError> {
        match self.error {
            Some(e) => Err(CaptureError(e)),
            None => Ok(self.writer.into_inner()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;
    use pcap_file::pcapng::{Block, PcapNgReader};

    #[test]
    fn frames_round_trip_with_interface_and_nanosecond_time() {
        let mut c = Capture::new(&["lan".into(), "wan".into()]).unwrap();
        c.record(
            1,
            Instant::ZERO + Duration::from_nanos(1_234_567_891),
            &[0xff; 60],
        );
        c.record(0, Instant::ZERO + Duration::from_secs(2), &[0x01; 42]);
        assert_eq!(c.frames(), 2);
        let bytes = c.into_bytes().unwrap();
        let mut r = PcapNgReader::new(&bytes[..]).unwrap();
        let mut seen = vec![];
        while let Some(b) = r.next_block() {
            if let Block::EnhancedPacket(p) = b.unwrap() {
                seen.push((p.interface_id, p.timestamp.as_nanos(), p.data.len()));
            }
        }
        assert_eq!(seen, vec![(1, 1_234_567_891, 60), (0, 2_000_000_000, 42)]);
        assert_eq!(r.interfaces().len(), 2);
    }
}
