//! The VRRP message on the wire: a zero-copy [`VrrpPacket`] view and an owned [`VrrpRepr`].
//!
//! This module owns the byte layout of VRRPv2 (RFC 3768 §5) and VRRPv3 (RFC 5798 §5.2) and both
//! checksum computations. It knows nothing about IP or Ethernet headers ([`crate::frame`] does)
//! or about protocol state ([`crate::router`] does).
//!
//! Contract, as in smoltcp's `wire`:
//! - [`VrrpPacket::new_checked`] guarantees that no accessor panics on the buffer it wraps;
//!   setters exist only when the buffer is `AsMut<[u8]>`.
//! - [`VrrpRepr::parse`] checks the version, type and that the length matches the address
//!   count, and keeps unknown values it can represent ([`Auth::Unknown`]). It does **not**
//!   verify the checksum: that needs the IP addresses and a [`ChecksumForm`], so it is the
//!   separate call [`VrrpPacket::verify_checksum`].
//! - [`VrrpRepr::emit`] writes exactly [`VrrpRepr::buffer_len`] bytes including the checksum.
//!
//! Interval representation: [`VrrpRepr::max_adver_int_cs`] is always in **centiseconds**. A v2
//! packet's 8-bit seconds field `s` parses to `s * 100`; emitting v2 writes `cs / 100` (clamped
//! to 255), so v2 intervals that are not whole seconds cannot be represented, exactly as on the
//! wire. v3 keeps the 12-bit value (emit clamps to 4095).

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IP protocol number / IPv6 Next Header of VRRP (RFC 5798 §5.1.1.4).
pub const IP_PROTOCOL: u8 = 112;
/// IPv4 multicast group for adverts, 224.0.0.18 (RFC 5798 §5.1.1.2).
pub const MULTICAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// IPv6 multicast group for adverts, ff02::12 (RFC 5798 §5.1.2.2).
pub const MULTICAST_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// TTL / hop limit every advert carries and every receiver checks (RFC 5798 §5.1.1.3).
pub const TTL: u8 = 255;
/// Fixed header length common to v2 and v3.
pub const HEADER_LEN: usize = 8;
/// Length of the v2 Authentication Data trailer (RFC 3768 §5.3.10).
pub const V2_AUTH_DATA_LEN: usize = 8;
/// The only defined message type, ADVERTISEMENT.
pub const TYPE_ADVERTISEMENT: u8 = 1;

/// Byte offsets of the fields, relative to the start of the VRRP message.
pub mod field {
    /// A byte range.
    pub type Field = core::ops::Range<usize>;
    /// Version (high nibble) and Type (low nibble).
    pub const VER_TYPE: usize = 0;
    /// Virtual Rtr ID.
    pub const VRID: usize = 1;
    /// Priority.
    pub const PRIORITY: usize = 2;
    /// Count IP Addrs / Count IPvX Addr.
    pub const COUNT: usize = 3;
    /// v2: Auth Type.
    pub const AUTH_TYPE: usize = 4;
    /// v2: Adver Int in seconds.
    pub const ADVER_INT: usize = 5;
    /// v3: 4 reserved bits and the 12-bit Max Adver Int in centiseconds.
    pub const RSVD_MAX_ADVER_INT: Field = 4..6;
    /// Checksum.
    pub const CHECKSUM: Field = 6..8;
    /// Start of the address list.
    pub const ADDRESSES: usize = 8;
}

/// What went wrong while reading a VRRP message. Every malformed input maps to one of these;
/// nothing in this module panics on untrusted bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The buffer is shorter than the fixed header or than the length the header implies.
    #[error("truncated VRRP message: {len} bytes, need {needed}")]
    Truncated {
        /// Bytes available.
        len: usize,
        /// Bytes the header requires.
        needed: usize,
    },
    /// The version nibble is neither 2 nor 3 (RFC 5798 §7.1).
    #[error("unsupported VRRP version {0}")]
    BadVersion(u8),
    /// The type nibble is not 1 = ADVERTISEMENT (RFC 5798 §5.2.2).
    #[error("unknown VRRP message type {0}")]
    BadType(u8),
    /// The message length does not equal the length that Count IP Addrs implies
    /// (RFC 3768 §5.3.5, RFC 5798 §5.2.5).
    #[error("address count {count} implies {expected} bytes, message has {len}")]
    LengthMismatch {
        /// Count field.
        count: u8,
        /// Length the count implies.
        expected: usize,
        /// Actual message length.
        len: usize,
    },
    /// The checksum does not verify under the requested form (RFC 5798 §5.2.8).
    #[error("bad VRRP checksum: field {got:#06x}, computed {expected:#06x}")]
    BadChecksum {
        /// The value in the packet.
        got: u16,
        /// The value the sender should have written.
        expected: u16,
    },
}

/// Length of the Authentication Data trailer: 8 bytes for VRRPv2 over IPv4 (RFC 3768 §5.1),
/// none for v3 and none for keepalived's VRRPv2-over-IPv6 (keepalived `vrrp_pkt_len`: "Our
/// implementation of IPv6 with VRRP version 2 doesn't include the 8 byte auth field"), which is
/// outside RFC 3768 but seen in the field.
pub const fn v2_trailer_len(version: Version, family: Family) -> usize {
    match (version, family) {
        (Version::V2, Family::V4) => V2_AUTH_DATA_LEN,
        _ => 0,
    }
}

/// VRRP version. Only the two versions this crate speaks can be represented; any other nibble
/// is [`WireError::BadVersion`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// VRRPv2, RFC 3768.
    V2,
    /// VRRPv3, RFC 5798.
    V3,
}

impl Version {
    /// The version number on the wire.
    pub const fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.number())
    }
}

/// Address family of the IP header carrying the message; decides the size of each address.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// IPv4: 4-byte addresses.
    V4,
    /// IPv6: 16-byte addresses.
    V6,
}

impl Family {
    /// Bytes per address.
    pub const fn addr_len(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }
    /// The family of `addr`.
    pub const fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
}

/// VRRPv2 authentication (RFC 3768 §5.3.6; types 1 and 2 come from RFC 2338 and are kept only
/// for compatibility with keepalived's `authentication` block). v3 messages always carry
/// [`Auth::None`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Auth {
    /// Type 0. The 8 data bytes are emitted as zero (RFC 3768 §5.3.10 SHOULD). A received
    /// packet's non-zero bytes are visible through [`VrrpPacket::auth_data`].
    None,
    /// Type 1: clear-text password, padded with zeros to 8 bytes (keepalived `auth_type PASS`).
    SimpleText([u8; 8]),
    /// Type 2: IP Authentication Header (keepalived `auth_type AH`); the VRRP trailer is zero.
    IpAh,
    /// Any other type value, kept as received; the trailer is emitted as zero.
    Unknown(u8),
}

impl Auth {
    /// The Auth Type byte.
    pub const fn type_number(&self) -> u8 {
        match self {
            Auth::None => 0,
            Auth::SimpleText(_) => 1,
            Auth::IpAh => 2,
            Auth::Unknown(t) => *t,
        }
    }
    /// A simple-text password from a keepalived `auth_pass` (truncated to 8 bytes, zero
    /// padded, as keepalived does).
    pub fn simple_text(pass: &str) -> Auth {
        let mut data = [0u8; 8];
        for (d, b) in data.iter_mut().zip(pass.as_bytes()) {
            *d = *b;
        }
        Auth::SimpleText(data)
    }
}

/// Whether the checksum covers a pseudo-header where that is open to choice. Two cases are:
///
/// | form | v2 / IPv4 | v2 / IPv6 | v3 / IPv4 | v3 / IPv6 |
/// |---|---|---|---|---|
/// | [`ChecksumForm::Rfc5798`] | message | pseudo-header | pseudo-header | pseudo-header |
/// | [`ChecksumForm::Rfc9568`] | message | message | message | pseudo-header |
///
/// VRRPv3 over IPv4 is RFC 5798 §5.2.8 versus RFC 9568. VRRPv2 over IPv6 is outside every RFC
/// (RFC 3768 is IPv4 only, and its §5.3.8 sums the message alone); keepalived 2.2.7 sends it with
/// the kernel computing the checksum (`IPV6_CHECKSUM` at offset 6 on its raw socket), which adds
/// the IPv6 pseudo-header (RFC 8200 §8.1), and the same kernel option drops received adverts
/// whose checksum lacks it. See `pcaps/own/keepalived-vrrpv2-ipv6.pcap`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum ChecksumForm {
    /// Pseudo-header included: RFC 5798's literal reading for v3 over IPv4 (keepalived 2.2.7, FRR
    /// and Wireshark's default), and keepalived's kernel-computed v2-over-IPv6 checksum.
    #[default]
    Rfc5798,
    /// RFC 9568 §5.2.8 / keepalived ≥ 2.2.8 `v3_checksum_as_v2` / Cisco: for IPv4 the sum covers
    /// the VRRP message only; v2 over IPv6 likewise sums the message alone, as RFC 3768 §5.3.8
    /// does for every v2 message.
    Rfc9568,
}

impl ChecksumForm {
    /// True when the two forms compute the same checksum for `version` over `family` (only
    /// v3 / IPv4 and v2 / IPv6 tell them apart).
    pub fn same_for(self, other: ChecksumForm, version: Version, family: Family) -> bool {
        self == other
            || matches!(
                (version, family),
                (Version::V2, Family::V4) | (Version::V3, Family::V6)
            )
    }
}

/// One's-complement sum accumulator (RFC 1071).
#[derive(Default)]
struct Sum(u32);

impl Sum {
    fn add_bytes(&mut self, data: &[u8]) {
        let mut chunks = data.chunks_exact(2);
        for c in &mut chunks {
            self.0 += u32::from(u16::from_be_bytes([c[0], c[1]]));
        }
        if let [last] = chunks.remainder() {
            self.0 += u32::from(*last) << 8;
        }
        // Fold early so long inputs cannot overflow.
        self.0 = (self.0 & 0xffff) + (self.0 >> 16);
    }
    fn add_u16(&mut self, v: u16) {
        self.0 += u32::from(v);
        self.0 = (self.0 & 0xffff) + (self.0 >> 16);
    }
    fn finish(mut self) -> u16 {
        while self.0 > 0xffff {
            self.0 = (self.0 & 0xffff) + (self.0 >> 16);
        }
        !(self.0 as u16)
    }
}

/// Computes the checksum of `msg` (with its checksum field treated as zero) for `version`,
/// the IP addresses of the carrying header and `form`. Addresses of mixed families are treated
/// as "no pseudo-header possible" and only the message is summed.
pub fn compute_checksum(
    msg: &[u8],
    version: Version,
    src: IpAddr,
    dst: IpAddr,
    form: ChecksumForm,
) -> u16 {
    let mut sum = Sum::default();
    let len = msg.len();
    match (version, src, dst) {
        // v3 always, v2 in keepalived's kernel-computed form (see [`ChecksumForm`]): the
        // RFC 8200 §8.1 pseudo-header: 32-bit length, 3 zero bytes, next header.
        (_, IpAddr::V6(s), IpAddr::V6(d))
            if version == Version::V3 || form == ChecksumForm::Rfc5798 =>
        {
            sum.add_bytes(&s.octets());
            sum.add_bytes(&d.octets());
            sum.add_u16((len >> 16) as u16);
            sum.add_u16(len as u16);
            sum.add_u16(u16::from(IP_PROTOCOL));
        }
        (Version::V2, _, _) => {}
        (Version::V3, IpAddr::V4(s), IpAddr::V4(d)) => {
            if form == ChecksumForm::Rfc5798 {
                sum.add_bytes(&s.octets());
                sum.add_bytes(&d.octets());
                sum.add_u16(u16::from(IP_PROTOCOL));
                sum.add_u16(len as u16);
            }
        }
        (Version::V3, _, _) => {}
    }
    if len >= field::CHECKSUM.end {
        sum.add_bytes(&msg[..field::CHECKSUM.start]);
        sum.add_bytes(&msg[field::CHECKSUM.end..]);
    } else {
        sum.add_bytes(msg);
    }
    sum.finish()
}

/// A read/write view of a VRRP message in a buffer.
#[derive(Debug, Clone)]
pub struct VrrpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VrrpPacket<T> {
    /// Wraps a buffer without checking it; accessors may panic on a short buffer. Use
    /// [`VrrpPacket::new_checked`] on untrusted data.
    pub const fn new_unchecked(buffer: T) -> VrrpPacket<T> {
        VrrpPacket { buffer }
    }

    /// Wraps a buffer after [`VrrpPacket::check_len`].
    pub fn new_checked(buffer: T) -> Result<VrrpPacket<T>, WireError> {
        let p = VrrpPacket { buffer };
        p.check_len()?;
        Ok(p)
    }

    /// Ensures the fixed 8-byte header is present, so that every header accessor is safe.
    /// Address and auth accessors check their own bounds.
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated {
                len,
                needed: HEADER_LEN,
            });
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// The whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }
    /// Version nibble.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] >> 4
    }
    /// Type nibble.
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] & 0x0f
    }
    /// Virtual Rtr ID.
    pub fn vrid(&self) -> u8 {
        self.buffer.as_ref()[field::VRID]
    }
    /// Priority.
    pub fn priority(&self) -> u8 {
        self.buffer.as_ref()[field::PRIORITY]
    }
    /// Count IP Addrs.
    pub fn count(&self) -> u8 {
        self.buffer.as_ref()[field::COUNT]
    }
    /// v2 Auth Type byte (meaningless for v3).
    pub fn auth_type(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE]
    }
    /// v2 Adver Int in seconds (meaningless for v3).
    pub fn adver_int_secs(&self) -> u8 {
        self.buffer.as_ref()[field::ADVER_INT]
    }
    /// v3 reserved nibble (RFC 5798 §5.2.6: 0 on transmit, ignored on receive).
    pub fn v3_reserved(&self) -> u8 {
        self.buffer.as_ref()[field::RSVD_MAX_ADVER_INT.start] >> 4
    }
    /// v3 Max Adver Int in centiseconds (12 bits).
    pub fn max_adver_int_cs(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::RSVD_MAX_ADVER_INT];
        u16::from_be_bytes([b[0], b[1]]) & 0x0fff
    }
    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::CHECKSUM];
        u16::from_be_bytes([b[0], b[1]])
    }
    /// The raw address-list bytes for `count()` addresses of `family`, if present.
    pub fn addresses_bytes(&self, family: Family) -> Option<&[u8]> {
        let n = usize::from(self.count()) * family.addr_len();
        self.buffer
            .as_ref()
            .get(field::ADDRESSES..field::ADDRESSES + n)
    }
    /// v2 Authentication Data (the 8 bytes after the address list), if present.
    pub fn auth_data(&self, family: Family) -> Option<[u8; 8]> {
        let start = field::ADDRESSES + usize::from(self.count()) * family.addr_len();
        let s = self.buffer.as_ref().get(start..start + V2_AUTH_DATA_LEN)?;
        let mut out = [0u8; 8];
        out.copy_from_slice(s);
        Some(out)
    }

    /// The checksum this message should carry under `form` with these IP addresses.
    pub fn compute_checksum(&self, src: IpAddr, dst: IpAddr, form: ChecksumForm) -> u16 {
        let version = if self.version() == 3 {
            Version::V3
        } else {
            Version::V2
        };
        compute_checksum(self.buffer.as_ref(), version, src, dst, form)
    }

    /// Verifies the checksum: v2 over IPv4 over the message alone (RFC 3768 §5.3.8); v3 over
    /// IPv6 with the pseudo-header; v3 over IPv4 (RFC 5798 §5.2.8 / RFC 9568) and v2 over IPv6
    /// (keepalived / RFC 3768) with the pseudo-header or not according to `form`.
    pub fn verify_checksum(
        &self,
        src: IpAddr,
        dst: IpAddr,
        form: ChecksumForm,
    ) -> Result<(), WireError> {
        let expected = self.compute_checksum(src, dst, form);
        let got = self.checksum();
        if expected == got {
            Ok(())
        } else {
            Err(WireError::BadChecksum { got, expected })
        }
    }

    /// Which checksum form this message verifies under, trying RFC 5798 first; `None` when
    /// neither does. For v2 over IPv4 and v3 over IPv6 both forms are the same computation, so
    /// the answer is [`ChecksumForm::Rfc5798`] whenever the checksum is good.
    pub fn checksum_form(&self, src: IpAddr, dst: IpAddr) -> Option<ChecksumForm> {
        [ChecksumForm::Rfc5798, ChecksumForm::Rfc9568]
            .into_iter()
            .find(|f| self.verify_checksum(src, dst, *f).is_ok())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VrrpPacket<T> {
    /// Sets version and type.
    pub fn set_version_type(&mut self, version: u8, msg_type: u8) {
        self.buffer.as_mut()[field::VER_TYPE] = (version << 4) | (msg_type & 0x0f);
    }
    /// Sets the VRID.
    pub fn set_vrid(&mut self, v: u8) {
        self.buffer.as_mut()[field::VRID] = v;
    }
    /// Sets the priority.
    pub fn set_priority(&mut self, v: u8) {
        self.buffer.as_mut()[field::PRIORITY] = v;
    }
    /// Sets Count IP Addrs.
    pub fn set_count(&mut self, v: u8) {
        self.buffer.as_mut()[field::COUNT] = v;
    }
    /// Sets the v2 Auth Type.
    pub fn set_auth_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::AUTH_TYPE] = v;
    }
    /// Sets the v2 Adver Int (seconds).
    pub fn set_adver_int_secs(&mut self, v: u8) {
        self.buffer.as_mut()[field::ADVER_INT] = v;
    }
    /// Sets the v3 reserved nibble and 12-bit Max Adver Int (centiseconds).
    pub fn set_v3_rsvd_max_adver_int(&mut self, rsvd: u8, cs: u16) {
        let v = (u16::from(rsvd & 0x0f) << 12) | (cs & 0x0fff);
        self.buffer.as_mut()[field::RSVD_MAX_ADVER_INT].copy_from_slice(&v.to_be_bytes());
    }
    /// Sets the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }
    /// Recomputes and writes the checksum.
    pub fn fill_checksum(&mut self, src: IpAddr, dst: IpAddr, form: ChecksumForm) {
        let c = self.compute_checksum(src, dst, form);
        self.set_checksum(c);
    }
    /// The whole message, writable.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
}

/// An advertisement in owned, semantic form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VrrpRepr {
    /// VRRP version.
    pub version: Version,
    /// Virtual Rtr ID (0 is representable so that invalid adverts can be built for tests).
    pub vrid: u8,
    /// Priority: 0 = master stopping, 255 = address owner (RFC 5798 §5.2.4).
    pub priority: u8,
    /// Advertisement interval in **centiseconds** for both versions (see module docs).
    pub max_adver_int_cs: u16,
    /// v3 reserved nibble as received (0 on transmit); always 0 for v2.
    pub v3_reserved: u8,
    /// v2 authentication; [`Auth::None`] for v3.
    pub auth: Auth,
    /// The virtual addresses, all of the carrying IP header's family.
    pub addresses: Vec<IpAddr>,
}

impl VrrpRepr {
    /// Parses a message carried in an IP header of `family`. Checks version, type and
    /// count/length agreement; does not check the checksum (see [`VrrpPacket::verify_checksum`])
    /// nor any semantic rule (VRID 0, priority, count 0 in v3 — those are the receiver's
    /// business, RFC 5798 §7.1).
    pub fn parse<T: AsRef<[u8]>>(
        packet: &VrrpPacket<T>,
        family: Family,
    ) -> Result<VrrpRepr, WireError> {
        packet.check_len()?;
        let version = match packet.version() {
            2 => Version::V2,
            3 => Version::V3,
            v => return Err(WireError::BadVersion(v)),
        };
        if packet.msg_type() != TYPE_ADVERTISEMENT {
            return Err(WireError::BadType(packet.msg_type()));
        }
        let count = packet.count();
        let addr_len = family.addr_len();
        let trailer = v2_trailer_len(version, family);
        let expected = HEADER_LEN + usize::from(count) * addr_len + trailer;
        let len = packet.as_bytes().len();
        if len < expected {
            return Err(WireError::Truncated {
                len,
                needed: expected,
            });
        }
        if len != expected {
            return Err(WireError::LengthMismatch {
                count,
                expected,
                len,
            });
        }
        let bytes = packet.addresses_bytes(family).unwrap_or(&[]);
        let addresses = bytes
            .chunks_exact(addr_len)
            .map(|c| match family {
                Family::V4 => IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3])),
                Family::V6 => {
                    let mut o = [0u8; 16];
                    o.copy_from_slice(c);
                    IpAddr::V6(Ipv6Addr::from(o))
                }
            })
            .collect();
        let (max_adver_int_cs, v3_reserved, auth) = match version {
            Version::V2 => {
                let auth = match packet.auth_type() {
                    0 => Auth::None,
                    1 => Auth::SimpleText(packet.auth_data(family).unwrap_or([0; 8])),
                    2 => Auth::IpAh,
                    t => Auth::Unknown(t),
                };
                (u16::from(packet.adver_int_secs()) * 100, 0, auth)
            }
            Version::V3 => (packet.max_adver_int_cs(), packet.v3_reserved(), Auth::None),
        };
        Ok(VrrpRepr {
            version,
            vrid: packet.vrid(),
            priority: packet.priority(),
            max_adver_int_cs,
            v3_reserved,
            auth,
            addresses,
        })
    }

    /// Convenience: [`VrrpPacket::new_checked`] then [`VrrpRepr::parse`].
    pub fn parse_bytes(bytes: &[u8], family: Family) -> Result<VrrpRepr, WireError> {
        VrrpRepr::parse(&VrrpPacket::new_checked(bytes)?, family)
    }

    /// The message length [`VrrpRepr::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        let addrs: usize = self
            .addresses
            .iter()
            .map(|a| Family::of(a).addr_len())
            .sum();
        HEADER_LEN + addrs + v2_trailer_len(self.version, self.family())
    }

    /// The address family of the list (of its first address; IPv4 when empty).
    pub fn family(&self) -> Family {
        self.addresses.first().map(Family::of).unwrap_or(Family::V4)
    }

    /// The advert interval as a [`crate::time::Duration`].
    pub fn adver_int(&self) -> crate::time::Duration {
        crate::time::Duration::from_centis(u64::from(self.max_adver_int_cs))
    }

    /// Writes the message into `packet` (whose buffer must be at least
    /// [`VrrpRepr::buffer_len`] bytes; the caller sizes it) and fills the checksum for the given
    /// IP addresses and form. More than 255 addresses are truncated to 255.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut VrrpPacket<T>,
        src: IpAddr,
        dst: IpAddr,
        form: ChecksumForm,
    ) {
        let count = self.addresses.len().min(255);
        packet.set_version_type(self.version.number(), TYPE_ADVERTISEMENT);
        packet.set_vrid(self.vrid);
        packet.set_priority(self.priority);
        packet.set_count(count as u8);
        match self.version {
            Version::V2 => {
                packet.set_auth_type(self.auth.type_number());
                packet.set_adver_int_secs((self.max_adver_int_cs / 100).min(255) as u8);
            }
            Version::V3 => packet
                .set_v3_rsvd_max_adver_int(self.v3_reserved, self.max_adver_int_cs.min(0x0fff)),
        }
        packet.set_checksum(0);
        let buf = packet.as_bytes_mut();
        let mut off = field::ADDRESSES;
        for a in self.addresses.iter().take(count) {
            match a {
                IpAddr::V4(v4) => {
                    buf[off..off + 4].copy_from_slice(&v4.octets());
                    off += 4;
                }
                IpAddr::V6(v6) => {
                    buf[off..off + 16].copy_from_slice(&v6.octets());
                    off += 16;
                }
            }
        }
        if v2_trailer_len(self.version, self.family()) > 0 {
            let data = match self.auth {
                Auth::SimpleText(d) => d,
                _ => [0; 8],
            };
            buf[off..off + V2_AUTH_DATA_LEN].copy_from_slice(&data);
        }
        packet.fill_checksum(src, dst, form);
    }

    /// Emits into a fresh `Vec` of exactly [`VrrpRepr::buffer_len`] bytes.
    pub fn to_bytes(&self, src: IpAddr, dst: IpAddr, form: ChecksumForm) -> Vec<u8> {
        let mut buf = vec![0u8; self.buffer_len()];
        self.emit(&mut VrrpPacket::new_unchecked(&mut buf[..]), src, dst, form);
        buf
    }
}

impl fmt::Display for VrrpRepr {
    /// One line, e.g. `VRRPv2 vrid=51 prio=100 int=100cs auth=PASS addrs=[192.0.2.100]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VRRP{} vrid={} prio={} int={}cs",
            self.version, self.vrid, self.priority, self.max_adver_int_cs
        )?;
        match self.auth {
            Auth::None => {}
            Auth::SimpleText(_) => f.write_str(" auth=PASS")?,
            Auth::IpAh => f.write_str(" auth=AH")?,
            Auth::Unknown(t) => write!(f, " auth={t}")?,
        }
        f.write_str(" addrs=[")?;
        for (i, a) in self.addresses.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{a}")?;
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first advert of `keepalived-vrrpv2-crash-failover.pcap` (r1, VRID 51, prio 100,
    /// PASS "1111", VIP 192.0.2.100).
    const KEEPALIVED_V2: [u8; 20] = [
        0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x55, 0x03, 0xc0, 0x00, 0x02, 0x64, 0x31, 0x31, 0x31,
        0x31, 0x00, 0x00, 0x00, 0x00,
    ];

    fn v4(a: [u8; 4]) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(a))
    }

    #[test]
    fn rfc3768_5_1_parses_keepalived_advert() {
        let repr = VrrpRepr::parse_bytes(&KEEPALIVED_V2, Family::V4).unwrap();
        assert_eq!(
            repr,
            VrrpRepr {
                version: Version::V2,
                vrid: 51,
                priority: 100,
                max_adver_int_cs: 100,
                v3_reserved: 0,
                auth: Auth::simple_text("1111"),
                addresses: vec![v4([192, 0, 2, 100])],
            }
        );
        let p = VrrpPacket::new_checked(&KEEPALIVED_V2[..]).unwrap();
        let (s, d) = (v4([192, 0, 2, 11]), v4([224, 0, 0, 18]));
        assert_eq!(p.verify_checksum(s, d, ChecksumForm::Rfc5798), Ok(()));
        assert_eq!(repr.to_bytes(s, d, ChecksumForm::Rfc5798), KEEPALIVED_V2);
    }

    #[test]
    fn rfc5798_5_2_8_ipv4_forms_differ() {
        let repr = VrrpRepr {
            version: Version::V3,
            vrid: 7,
            priority: 200,
            max_adver_int_cs: 100,
            v3_reserved: 0,
            auth: Auth::None,
            addresses: vec![v4([192, 0, 2, 1])],
        };
        let (s, d) = (v4([192, 0, 2, 2]), IpAddr::V4(MULTICAST_V4));
        let a = repr.to_bytes(s, d, ChecksumForm::Rfc5798);
        let b = repr.to_bytes(s, d, ChecksumForm::Rfc9568);
        assert_ne!(a, b);
        let pa = VrrpPacket::new_checked(&a[..]).unwrap();
        let pb = VrrpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(pa.checksum_form(s, d), Some(ChecksumForm::Rfc5798));
        assert_eq!(pb.checksum_form(s, d), Some(ChecksumForm::Rfc9568));
        assert!(matches!(
            pb.verify_checksum(s, d, ChecksumForm::Rfc5798),
            Err(WireError::BadChecksum { .. })
        ));
    }

    #[test]
    fn keepalived_v2_over_ipv6_has_no_auth_trailer() {
        let repr = VrrpRepr {
            version: Version::V2,
            vrid: 1,
            priority: 100,
            max_adver_int_cs: 100,
            v3_reserved: 0,
            auth: Auth::None,
            addresses: vec!["fe80::1".parse().unwrap()],
        };
        assert_eq!(repr.buffer_len(), 8 + 16);
        let (s, d) = ("fe80::2".parse().unwrap(), IpAddr::V6(MULTICAST_V6));
        let b = repr.to_bytes(s, d, ChecksumForm::Rfc5798);
        assert_eq!(VrrpRepr::parse_bytes(&b, Family::V6), Ok(repr));
    }

    #[test]
    fn rfc5798_7_1_malformed_inputs_are_typed_errors() {
        assert_eq!(
            VrrpRepr::parse_bytes(&[0x21, 1, 2], Family::V4),
            Err(WireError::Truncated { len: 3, needed: 8 })
        );
        let mut b = KEEPALIVED_V2;
        b[0] = 0x41;
        assert_eq!(
            VrrpRepr::parse_bytes(&b, Family::V4),
            Err(WireError::BadVersion(4))
        );
        b[0] = 0x22;
        assert_eq!(
            VrrpRepr::parse_bytes(&b, Family::V4),
            Err(WireError::BadType(2))
        );
        b[0] = 0x21;
        b[3] = 2;
        assert_eq!(
            VrrpRepr::parse_bytes(&b, Family::V4),
            Err(WireError::Truncated {
                len: 20,
                needed: 24
            })
        );
        b[3] = 0;
        assert_eq!(
            VrrpRepr::parse_bytes(&b, Family::V4),
            Err(WireError::LengthMismatch {
                count: 0,
                expected: 16,
                len: 20
            })
        );
    }
}
