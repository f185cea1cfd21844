//! DNS_CHECK (keepalived 2.2.7 check_dns.c): one query over UDP from a connected socket, and the
//! verdict on the reply.
//!
//! The query is `id = random()`, flags RD, one question `name type IN` (default name the root,
//! default type SOA). The reply is judged on its header alone (`dns_recv_thread`):
//! - fewer than 8 bytes (keepalived compares with `sizeof` of a pointer), another `id`, or QR clear:
//!   ignored, and the read goes on under the same deadline;
//! - RCODE ≠ 0 (NXDOMAIN, SERVFAIL, REFUSED, ...): failure "read error occurred (rcode = N)";
//! - otherwise success, **whether or not the answer section is empty**: keepalived 2.2.7 never looks
//!   at ANCOUNT, so a NOERROR reply without answers (NODATA) passes;
//! - an ICMP error on the connected socket (port unreachable) fails the read at once.
//!
//! The deadline is `connect_timeout` after the send, for the whole exchange. The message format is
//! simple-dns's; only the header bits keepalived reads are taken from the bytes directly, because a
//! reply that simple-dns would reject past the header still counts for keepalived.

use simple_dns::{Name, Packet, PacketFlag, Question, CLASS, QCLASS, QTYPE, TYPE};

/// keepalived's DNS_CHECK `type` keywords and their RR type codes.
pub const DNS_TYPES: &[(&str, u16)] = &[
    ("A", 1),
    ("NS", 2),
    ("CNAME", 5),
    ("SOA", 6),
    ("MX", 15),
    ("TXT", 16),
    ("AAAA", 28),
    ("RRSIG", 46),
    ("DNSKEY", 48),
];

/// A `DNS_CHECK` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsCheck {
    /// `type`: the query type code (default SOA, 6).
    pub qtype: u16,
    /// `name` (default the root, "").
    pub name: String,
}

impl Default for DnsCheck {
    fn default() -> Self {
        DnsCheck {
            qtype: 6,
            name: String::new(),
        }
    }
}

impl DnsCheck {
    /// The type code for a `type` keyword (case-insensitive, like `dns_type_lookup`).
    pub fn type_code(keyword: &str) -> Option<u16> {
        DNS_TYPES
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(keyword))
            .map(|(_, c)| *c)
    }

    /// `dns_make_query`: the query bytes with this `id`. None when simple-dns rejects the name (a
    /// label longer than 63 bytes or a name longer than 255).
    pub fn query(&self, id: u16) -> Option<Vec<u8>> {
        let mut p = Packet::new_query(id);
        p.set_flags(PacketFlag::RECURSION_DESIRED);
        let trimmed = self.name.trim_end_matches('.');
        let name = Name::new(trimmed).ok()?;
        let qtype = QTYPE::TYPE(TYPE::from(self.qtype));
        p.questions
            .push(Question::new(name, qtype, QCLASS::CLASS(CLASS::IN), false));
        p.build_bytes_vec().ok()
    }
}

/// What one received datagram means for the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Not the reply (too short, another id, or a query): keep waiting.
    Ignore,
    /// RCODE 0: the check passes.
    Ok,
    /// A non-zero RCODE: the check fails.
    Rcode(u8),
}

/// `dns_recv_thread`'s verdict on a datagram for the query with `id`.
pub(super) fn judge(datagram: &[u8], id: u16) -> Reply {
    if datagram.len() < 8 {
        return Reply::Ignore;
    }
    let rid = u16::from_be_bytes([datagram[0], datagram[1]]);
    let flags = u16::from_be_bytes([datagram[2], datagram[3]]);
    if rid != id || flags & 0x8000 == 0 {
        return Reply::Ignore;
    }
    match (flags & 0x000f) as u8 {
        0 => Reply::Ok,
        rc => Reply::Rcode(rc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_check_query_matches_keepalived_layout() {
        let q = DnsCheck {
            qtype: 1,
            name: "www.example.com".into(),
        }
        .query(0x1234)
        .unwrap();
        // Header: id, flags RD only, QDCOUNT 1, other counts 0.
        assert_eq!(&q[..12], &[0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
        // Default: root name, SOA.
        let q = DnsCheck::default().query(1).unwrap();
        assert_eq!(&q[12..], b"\x00\x00\x06\x00\x01");
    }

    #[test]
    fn dns_check_reply_needs_same_id_qr_and_rcode_zero_not_answers() {
        let mut reply = Packet::new_reply(7);
        reply.set_flags(PacketFlag::RECURSION_DESIRED);
        let bytes = reply.build_bytes_vec().unwrap();
        assert_eq!(
            judge(&bytes, 7),
            Reply::Ok,
            "NODATA passes in keepalived 2.2.7"
        );
        assert_eq!(judge(&bytes, 8), Reply::Ignore);
        let query = Packet::new_query(7).build_bytes_vec().unwrap();
        assert_eq!(judge(&query, 7), Reply::Ignore);
        let mut nx = bytes.clone();
        nx[3] |= 3;
        assert_eq!(judge(&nx, 7), Reply::Rcode(3));
        assert_eq!(judge(&bytes[..7], 7), Reply::Ignore);
    }
}
