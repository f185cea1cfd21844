//! Streaming readers for classic pcap (µs and ns, both byte orders) and pcapng (several sections and
//! interfaces, any `if_tsresol`).
//!
//! This module owns the byte-level capture formats only: it hands out one [`Record`] at a time that borrows
//! an internal buffer, so memory stays bounded by the largest record whatever the file size. It never looks
//! inside the frames. A record cut short by the end of the file is reported as [`Next::Truncated`] (the
//! checker turns it into a finding), never as an error, so the records before it are still checked.

use std::io::{self, Read};

use thiserror::Error;

/// Largest record (or pcapng block) we accept. Anything bigger is a corrupt length field, and refusing it
/// keeps memory bounded.
const MAX_RECORD_LEN: usize = 16 * 1024 * 1024;
/// Latest timestamp we report (2^62 ns, the year 2116). A pcapng timestamp or `if_tsoffset` beyond the
/// range 1970..2116 is corrupt; clamping it keeps every later `ts + interval` and `ts - other` within `i64`.
const MAX_TS_NS: i64 = 1 << 62;
/// Initial buffer size; records are small, so one buffer serves thousands of them per `read` call.
const BUF_LEN: usize = 1 << 20;

/// Why a capture cannot be read at all (exit code 2). Damage after a valid header is not an error: it ends
/// the stream with [`Next::Truncated`] or [`Next::Corrupt`].
#[derive(Debug, Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The path (or `<memory>` / `<reader>`).
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The first bytes are neither a pcap nor a pcapng magic number.
    #[error("{path}:1:1: not a pcap or pcapng capture (first bytes {magic})")]
    NotACapture {
        /// The path.
        path: String,
        /// The first bytes, in hex.
        magic: String,
    },
    /// The file is shorter than a capture file header.
    #[error("{path}:1:1: file too short for a capture header ({len} bytes)")]
    TooShort {
        /// The path.
        path: String,
        /// How many bytes there were.
        len: usize,
    },
    /// A link type this checker does not decode.
    #[error(
        "{path}: unsupported link type {link_type} (supported: 1 Ethernet, 113 Linux SLL, 276 Linux SLL2, \
         101/12/14 raw IP, 228 raw IPv4, 229 raw IPv6)"
    )]
    UnsupportedLinkType {
        /// The path.
        path: String,
        /// The LINKTYPE_ value.
        link_type: u32,
    },
    /// A pcapng file whose header block is malformed.
    #[error("{path}: byte {offset}: {message}")]
    BadHeader {
        /// The path.
        path: String,
        /// Byte offset of the problem.
        offset: u64,
        /// What is wrong.
        message: String,
    },
}

/// Link types this checker decodes (LINKTYPE_ values from tcpdump.org).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkType {
    /// LINKTYPE_ETHERNET (1).
    Ethernet,
    /// LINKTYPE_LINUX_SLL (113), `tcpdump -i any` before libpcap 1.10.
    LinuxSll,
    /// LINKTYPE_LINUX_SLL2 (276), `tcpdump -i any` since libpcap 1.10.
    LinuxSll2,
    /// LINKTYPE_RAW (101, also DLT 12/14): raw IPv4 or IPv6.
    RawIp,
    /// LINKTYPE_IPV4 (228).
    Ipv4,
    /// LINKTYPE_IPV6 (229).
    Ipv6,
    /// A link type this checker does not decode, on a pcapng interface described after the first one
    /// (for example an nflog or USB interface next to an Ethernet one). Its frames are handed out so that
    /// frame numbers stay Wireshark's, and are not decoded. A file whose first (or only) interface has an
    /// unsupported link type is a [`ReadError::UnsupportedLinkType`] instead.
    Unsupported(u32),
}

impl LinkType {
    /// Maps a LINKTYPE_ value, `None` when unsupported.
    pub fn from_linktype(v: u32) -> Option<LinkType> {
        Some(match v {
            1 => LinkType::Ethernet,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            101 | 12 | 14 => LinkType::RawIp,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            _ => return None,
        })
    }

    /// Stable name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            LinkType::Ethernet => "ethernet",
            LinkType::LinuxSll => "linux_sll",
            LinkType::LinuxSll2 => "linux_sll2",
            LinkType::RawIp => "raw",
            LinkType::Ipv4 => "ipv4",
            LinkType::Ipv6 => "ipv6",
            LinkType::Unsupported(_) => "unsupported",
        }
    }
}

/// The container format of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap with microsecond timestamps.
    PcapMicro,
    /// Classic pcap with nanosecond timestamps.
    PcapNano,
    /// pcapng.
    PcapNg,
}

/// One capture interface (a classic pcap file has exactly one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// Link type of every frame on it.
    pub link_type: LinkType,
    /// `if_name` from the pcapng IDB, if any.
    pub name: Option<String>,
    /// Timestamp unit as nanoseconds per tick numerator/denominator (ns = ts * num / den).
    ts_num: u64,
    ts_den: u64,
    /// `if_tsoffset` in seconds.
    ts_offset_s: i64,
    /// Index of the first interface with the same name and link type (a later pcapng section describing
    /// the same interface again), so that it stays one segment.
    canonical: usize,
}

/// One packet record, borrowing the reader's buffer.
#[derive(Debug)]
pub struct Record<'a> {
    /// Index of the interface in [`CaptureReader::interfaces`] (the pcapng interface ID made global across
    /// sections; an interface that a later section describes again under the same name keeps its first index).
    pub interface: usize,
    /// Link type of the interface.
    pub link_type: LinkType,
    /// Absolute timestamp in nanoseconds since the Unix epoch, within 0..=2^62 (pcapng values outside it
    /// are clamped).
    pub ts_ns: i64,
    /// Original length on the wire.
    pub orig_len: u32,
    /// Captured bytes (may be shorter than `orig_len` when a snaplen applied).
    pub data: &'a [u8],
}

/// What the reader returns next.
#[derive(Debug)]
pub enum Next<'a> {
    /// A packet record.
    Record(Record<'a>),
    /// Clean end of file.
    End,
    /// The file ends inside a record: `have` of `need` bytes are present. The stream ends here.
    Truncated {
        /// Byte offset of the record header.
        offset: u64,
        /// Bytes the record needs.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// A record header that makes no sense (length beyond limits, bad pcapng block). The stream ends here.
    Corrupt {
        /// Byte offset of the record.
        offset: u64,
        /// What is wrong.
        message: String,
    },
}

/// A growable window over a `Read`, compacting as it goes.
struct Window<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// File offset of `buf[start]`.
    offset: u64,
    eof: bool,
}

impl<R: Read> Window<R> {
    fn new(inner: R) -> Self {
        Window {
            inner,
            buf: vec![0; BUF_LEN],
            start: 0,
            end: 0,
            offset: 0,
            eof: false,
        }
    }

    fn available(&self) -> usize {
        self.end - self.start
    }

    /// Makes at least `need` bytes available unless the input ends first.
    fn fill(&mut self, need: usize) -> io::Result<bool> {
        if self.available() >= need {
            return Ok(true);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < need {
            self.buf.resize(need.max(self.buf.len() * 2), 0);
        }
        while self.end < need && !self.eof {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.end >= need)
    }

    fn peek(&self, len: usize) -> &[u8] {
        &self.buf[self.start..self.start + len.min(self.available())]
    }

    fn consume(&mut self, len: usize) {
        let len = len.min(self.available());
        self.start += len;
        self.offset += len as u64;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endian {
    Little,
    Big,
}

impl Endian {
    fn u16(self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        match self {
            Endian::Little => u16::from_le_bytes(a),
            Endian::Big => u16::from_be_bytes(a),
        }
    }
    fn u32(self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        match self {
            Endian::Little => u32::from_le_bytes(a),
            Endian::Big => u32::from_be_bytes(a),
        }
    }
    fn u64(self, b: &[u8]) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[..8]);
        match self {
            Endian::Little => u64::from_le_bytes(a),
            Endian::Big => u64::from_be_bytes(a),
        }
    }
}

/// Reads pcap or pcapng records one at a time.
pub struct CaptureReader<R> {
    win: Window<R>,
    path: String,
    format: Format,
    endian: Endian,
    interfaces: Vec<Interface>,
    /// Index in `interfaces` where the current pcapng section's interfaces start.
    section_base: usize,
    done: bool,
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header. `path` only labels error messages.
    pub fn new(inner: R, path: &str) -> Result<Self, ReadError> {
        let mut win = Window::new(inner);
        let io_err = |source| ReadError::Io {
            path: path.to_string(),
            source,
        };
        let have4 = win.fill(4).map_err(io_err)?;
        if !have4 {
            return Err(ReadError::TooShort {
                path: path.to_string(),
                len: win.available(),
            });
        }
        let m = win.peek(4);
        let magic = [m[0], m[1], m[2], m[3]];
        let mut rd = CaptureReader {
            win,
            path: path.to_string(),
            format: Format::PcapMicro,
            endian: Endian::Little,
            interfaces: Vec::new(),
            section_base: 0,
            done: false,
        };
        match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] => rd.pcap_header(Format::PcapMicro, Endian::Little)?,
            [0xa1, 0xb2, 0xc3, 0xd4] => rd.pcap_header(Format::PcapMicro, Endian::Big)?,
            [0x4d, 0x3c, 0xb2, 0xa1] => rd.pcap_header(Format::PcapNano, Endian::Little)?,
            [0xa1, 0xb2, 0x3c, 0x4d] => rd.pcap_header(Format::PcapNano, Endian::Big)?,
            [0x0a, 0x0d, 0x0d, 0x0a] => {
                rd.format = Format::PcapNg;
                // The first block must be a section header; reading it sets the byte order.
                match rd.pcapng_block()? {
                    Some(BlockOutcome::Section) => {}
                    _ => {
                        return Err(ReadError::BadHeader {
                            path: path.to_string(),
                            offset: 0,
                            message: "pcapng section header block is malformed".into(),
                        })
                    }
                }
            }
            _ => {
                return Err(ReadError::NotACapture {
                    path: path.to_string(),
                    magic: magic.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                })
            }
        }
        Ok(rd)
    }

    /// The container format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Interfaces seen so far (pcapng interfaces appear as their blocks are read).
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    fn pcap_header(&mut self, format: Format, endian: Endian) -> Result<(), ReadError> {
        self.format = format;
        self.endian = endian;
        let ok = self.win.fill(24).map_err(|source| ReadError::Io {
            path: self.path.clone(),
            source,
        })?;
        if !ok {
            return Err(ReadError::TooShort {
                path: self.path.clone(),
                len: self.win.available(),
            });
        }
        let h = self.win.peek(24);
        // The upper bits of the link-type field carry FCS flags (pcap-savefile §"LinkType and additional
        // information"); only the low 16 bits name the link type.
        let link = endian.u32(&h[20..24]) & 0xffff;
        let link_type = LinkType::from_linktype(link).ok_or(ReadError::UnsupportedLinkType {
            path: self.path.clone(),
            link_type: link,
        })?;
        let (num, den) = match format {
            Format::PcapNano => (1, 1),
            _ => (1000, 1),
        };
        self.interfaces.push(Interface {
            link_type,
            name: None,
            ts_num: num,
            ts_den: den,
            ts_offset_s: 0,
            canonical: 0,
        });
        self.win.consume(24);
        Ok(())
    }

    /// Returns the next record, end of file, or where the file is damaged.
    ///
    /// Errors are I/O failures and one more case: a pcapng file whose *first* interface description block
    /// names an unsupported link type ([`ReadError::UnsupportedLinkType`], before any record is returned:
    /// the file is unreadable, as a classic pcap whose header names one is refused by
    /// [`CaptureReader::new`]). An interface with an unsupported link type described after a first one
    /// (mid-file, or a later interface of the same section) is not an error: its frames come back as
    /// records with [`LinkType::Unsupported`], so the records before and after them are still read and
    /// frame numbers stay Wireshark's.
    pub fn next_record(&mut self) -> Result<Next<'_>, ReadError> {
        if self.done {
            return Ok(Next::End);
        }
        match self.format {
            Format::PcapMicro | Format::PcapNano => self.next_pcap(),
            Format::PcapNg => self.next_pcapng(),
        }
    }

    fn io(&self, source: io::Error) -> ReadError {
        ReadError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn next_pcap(&mut self) -> Result<Next<'_>, ReadError> {
        let offset = self.win.offset;
        let ok = self.win.fill(16).map_err(|e| self.io(e))?;
        if !ok {
            self.done = true;
            let have = self.win.available();
            return Ok(if have == 0 {
                Next::End
            } else {
                Next::Truncated {
                    offset,
                    need: 16,
                    have,
                }
            });
        }
        let h = self.win.peek(16);
        let e = self.endian;
        let sec = e.u32(&h[0..4]) as i64;
        let frac = e.u32(&h[4..8]) as i64;
        let incl = e.u32(&h[8..12]) as usize;
        let orig = e.u32(&h[12..16]);
        if incl > MAX_RECORD_LEN {
            self.done = true;
            return Ok(Next::Corrupt {
                offset,
                message: format!("record length {incl} exceeds {MAX_RECORD_LEN} bytes"),
            });
        }
        let ok = self.win.fill(16 + incl).map_err(|e| self.io(e))?;
        if !ok {
            self.done = true;
            return Ok(Next::Truncated {
                offset,
                need: 16 + incl,
                have: self.win.available(),
            });
        }
        let frac_ns = if self.format == Format::PcapNano {
            frac
        } else {
            frac * 1000
        };
        let ts_ns = sec.saturating_mul(1_000_000_000).saturating_add(frac_ns);
        let link_type = self
            .interfaces
            .first()
            .map(|i| i.link_type)
            .unwrap_or(LinkType::Ethernet);
        self.win.consume(16);
        let start = self.win.start;
        self.win.consume(incl);
        Ok(Next::Record(Record {
            interface: 0,
            link_type,
            ts_ns,
            orig_len: orig,
            data: &self.win.buf[start..start + incl],
        }))
    }

    fn next_pcapng(&mut self) -> Result<Next<'_>, ReadError> {
        loop {
            let offset = self.win.offset;
            match self.pcapng_block() {
                Ok(None) => {
                    self.done = true;
                    return Ok(Next::End);
                }
                Ok(Some(BlockOutcome::Packet {
                    interface,
                    ts,
                    orig_len,
                    data_start,
                    data_len,
                })) => {
                    let Some(ifc) = self.interfaces.get(interface) else {
                        self.done = true;
                        return Ok(Next::Corrupt {
                            offset,
                            message: format!(
                                "packet refers to interface {} that no interface description block defines",
                                interface - self.section_base
                            ),
                        });
                    };
                    let ns = (ts as u128 * ifc.ts_num as u128 / ifc.ts_den as u128) as i128
                        + ifc.ts_offset_s as i128 * 1_000_000_000;
                    let ts_ns = ns.clamp(0, i128::from(MAX_TS_NS)) as i64;
                    let link_type = ifc.link_type;
                    return Ok(Next::Record(Record {
                        interface: ifc.canonical,
                        link_type,
                        ts_ns,
                        orig_len,
                        data: &self.win.buf[data_start..data_start + data_len],
                    }));
                }
                Ok(Some(BlockOutcome::Skipped | BlockOutcome::Section)) => continue,
                Ok(Some(BlockOutcome::Truncated { need, have })) => {
                    self.done = true;
                    return Ok(Next::Truncated { offset, need, have });
                }
                Ok(Some(BlockOutcome::Corrupt(message))) => {
                    self.done = true;
                    return Ok(Next::Corrupt { offset, message });
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads one pcapng block. Packet data stays in the window (consumed already; valid until the next
    /// fill, which only happens on the next call).
    fn pcapng_block(&mut self) -> Result<Option<BlockOutcome>, ReadError> {
        let ok = self.win.fill(12).map_err(|e| self.io(e))?;
        if !ok {
            let have = self.win.available();
            return Ok(if have == 0 {
                None
            } else {
                Some(BlockOutcome::Truncated { need: 12, have })
            });
        }
        let h = self.win.peek(12);
        let btype_raw = [h[0], h[1], h[2], h[3]];
        if btype_raw == [0x0a, 0x0d, 0x0d, 0x0a] {
            // Section header: byte-order magic decides the endianness of this section.
            let bom = [h[8], h[9], h[10], h[11]];
            let endian = match bom {
                [0x4d, 0x3c, 0x2b, 0x1a] => Endian::Little,
                [0x1a, 0x2b, 0x3c, 0x4d] => Endian::Big,
                _ => {
                    return Ok(Some(BlockOutcome::Corrupt(
                        "pcapng section header with unknown byte-order magic".into(),
                    )))
                }
            };
            self.endian = endian;
            self.section_base = self.interfaces.len();
        }
        let e = self.endian;
        let btype = e.u32(&h[0..4]);
        let blen = e.u32(&h[4..8]) as usize;
        if blen < 12 || !blen.is_multiple_of(4) || blen > MAX_RECORD_LEN {
            return Ok(Some(BlockOutcome::Corrupt(format!(
                "pcapng block type {btype:#x} has invalid length {blen}"
            ))));
        }
        let ok = self.win.fill(blen).map_err(|e| self.io(e))?;
        if !ok {
            return Ok(Some(BlockOutcome::Truncated {
                need: blen,
                have: self.win.available(),
            }));
        }
        let start = self.win.start;
        self.win.consume(blen);
        let block = &self.win.buf[start..start + blen];
        let body = &block[8..blen - 4];
        let trailer = e.u32(&block[blen - 4..]) as usize;
        if trailer != blen {
            return Ok(Some(BlockOutcome::Corrupt(format!(
                "pcapng block type {btype:#x}: trailing length {trailer} differs from leading length {blen}"
            ))));
        }
        match btype {
            0x0A0D0D0A => Ok(Some(BlockOutcome::Section)),
            // Interface description block.
            1 => {
                if body.len() < 8 {
                    return Ok(Some(BlockOutcome::Corrupt(
                        "interface description block too short".into(),
                    )));
                }
                let link = e.u16(&body[0..2]) as u32;
                let link_type = match LinkType::from_linktype(link) {
                    Some(l) => l,
                    // Nothing could be checked if the first interface is undecodable: refuse the file.
                    None if self.interfaces.is_empty() => {
                        return Err(ReadError::UnsupportedLinkType {
                            path: self.path.clone(),
                            link_type: link,
                        })
                    }
                    None => LinkType::Unsupported(link),
                };
                let mut ifc = Interface {
                    link_type,
                    name: None,
                    ts_num: 1000,
                    ts_den: 1,
                    ts_offset_s: 0,
                    canonical: self.interfaces.len(),
                };
                let mut opts = &body[8..];
                while opts.len() >= 4 {
                    let code = e.u16(&opts[0..2]);
                    let len = e.u16(&opts[2..4]) as usize;
                    let padded = (len + 3) & !3;
                    if opts.len() < 4 + len {
                        break;
                    }
                    let val = &opts[4..4 + len];
                    match code {
                        0 => break,
                        2 => ifc.name = Some(String::from_utf8_lossy(val).into_owned()),
                        9 if len >= 1 => {
                            let r = val[0];
                            let (num, den) = tsresol(r);
                            ifc.ts_num = num;
                            ifc.ts_den = den;
                        }
                        14 if len >= 8 => ifc.ts_offset_s = e.u64(val) as i64,
                        _ => {}
                    }
                    opts = opts.get(4 + padded..).unwrap_or(&[]);
                }
                if ifc.name.is_some() {
                    if let Some(same) = self
                        .interfaces
                        .iter()
                        .position(|i| i.name == ifc.name && i.link_type == ifc.link_type)
                    {
                        ifc.canonical = same;
                    }
                }
                self.interfaces.push(ifc);
                Ok(Some(BlockOutcome::Skipped))
            }
            // Enhanced packet block.
            6 => {
                if body.len() < 20 {
                    return Ok(Some(BlockOutcome::Corrupt(
                        "enhanced packet block too short".into(),
                    )));
                }
                let ifid = e.u32(&body[0..4]) as usize;
                let ts = ((e.u32(&body[4..8]) as u64) << 32) | e.u32(&body[8..12]) as u64;
                let caplen = e.u32(&body[12..16]) as usize;
                let orig_len = e.u32(&body[16..20]);
                if 20 + caplen > body.len() {
                    return Ok(Some(BlockOutcome::Corrupt(format!(
                        "enhanced packet block captured length {caplen} exceeds the block"
                    ))));
                }
                Ok(Some(BlockOutcome::Packet {
                    interface: self.section_base + ifid,
                    ts,
                    orig_len,
                    data_start: start + 8 + 20,
                    data_len: caplen,
                }))
            }
            // Simple packet block: interface 0, no timestamp.
            3 => {
                if body.len() < 4 {
                    return Ok(Some(BlockOutcome::Corrupt(
                        "simple packet block too short".into(),
                    )));
                }
                let orig_len = e.u32(&body[0..4]);
                let data_len = (orig_len as usize).min(body.len() - 4);
                Ok(Some(BlockOutcome::Packet {
                    interface: self.section_base,
                    ts: 0,
                    orig_len,
                    data_start: start + 8 + 4,
                    data_len,
                }))
            }
            // Obsolete packet block.
            2 => {
                if body.len() < 20 {
                    return Ok(Some(BlockOutcome::Corrupt("packet block too short".into())));
                }
                let ifid = e.u16(&body[0..2]) as usize;
                let ts = ((e.u32(&body[4..8]) as u64) << 32) | e.u32(&body[8..12]) as u64;
                let caplen = e.u32(&body[12..16]) as usize;
                let orig_len = e.u32(&body[16..20]);
                if 20 + caplen > body.len() {
                    return Ok(Some(BlockOutcome::Corrupt(format!(
                        "packet block captured length {caplen} exceeds the block"
                    ))));
                }
                Ok(Some(BlockOutcome::Packet {
                    interface: self.section_base + ifid,
                    ts,
                    orig_len,
                    data_start: start + 8 + 20,
                    data_len: caplen,
                }))
            }
            _ => Ok(Some(BlockOutcome::Skipped)),
        }
    }
}

/// `if_tsresol`: high bit clear = 10^-n s, set = 2^-n s. Returns ns = ticks * num / den.
fn tsresol(r: u8) -> (u64, u64) {
    let n = (r & 0x7f) as u32;
    if r & 0x80 == 0 {
        if n <= 9 {
            (10u64.pow(9 - n), 1)
        } else {
            (1, 10u64.saturating_pow(n - 9))
        }
    } else if n < 64 {
        (1_000_000_000, 1u64 << n)
    } else {
        (1, u64::MAX)
    }
}

enum BlockOutcome {
    Section,
    Skipped,
    Packet {
        interface: usize,
        ts: u64,
        orig_len: u32,
        data_start: usize,
        data_len: usize,
    },
    Truncated {
        need: usize,
        have: usize,
    },
    Corrupt(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcapng_tsresol_decimal_and_binary() {
        assert_eq!(tsresol(6), (1000, 1));
        assert_eq!(tsresol(9), (1, 1));
        assert_eq!(tsresol(12), (1, 1000));
        assert_eq!(tsresol(0x80 | 10), (1_000_000_000, 1024));
    }

    #[test]
    fn not_a_capture_is_an_error() {
        let r = CaptureReader::new(&b"hello world, not a pcap"[..], "x");
        assert!(matches!(r, Err(ReadError::NotACapture { .. })));
        let r = CaptureReader::new(&b"ab"[..], "x");
        assert!(matches!(r, Err(ReadError::TooShort { len: 2, .. })));
    }
}
