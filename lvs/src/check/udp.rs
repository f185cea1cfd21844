//! UDP_CHECK (check_udp.c, layer4.c `udp_bind_connect` / `udp_socket_state` / `udp_socket_error`):
//! what datagram keepalived sends and how it judges what comes back.
//!
//! One attempt: a connected UDP socket sends the payload (or 32 bytes of keepalived's filler,
//! `set_buf`), then waits `connect_timeout` for a readable or error event:
//! - a datagram: success, unless `require_reply` gave reply data and the datagram does not match it
//!   (`check_udp_reply`: length within `min_reply_length..=max_reply_length`, then the first
//!   min(len, reply length) octets equal, hex `X` nibbles matching anything);
//! - an ICMP destination unreachable (port unreachable from a host without the service): failure;
//! - nothing before the timeout: failure with `require_reply`, success without it.
//!
//! The verdict then goes through the same epilog as TCP_CHECK (`udp_epilog` is `tcp_epilog`).

/// keepalived's `UDP_BUFSIZE`: the length of the default payload.
pub const UDP_DEFAULT_PAYLOAD_LEN: usize = 32;

/// layer4.c `set_buf`: "keepalived check - " repeated over `len` bytes (keepalived fills its send
/// buffers with it so as not to leak stack memory).
pub fn set_buf(len: usize) -> Vec<u8> {
    b"keepalived check - "
        .iter()
        .copied()
        .cycle()
        .take(len)
        .collect()
}

/// parser.c `read_hex_str`: hex octets, spaces between octets allowed, a lone digit before a space
/// is one octet. With `wildcards`, an `X` nibble matches anything and sets that nibble of the mask.
/// Returns the octets and the mask (only when a wildcard was used), or None for an invalid or empty
/// string.
pub fn read_hex_str(s: &str, wildcards: bool) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    fn hex_val(c: u8, wild: bool) -> Option<Option<u8>> {
        match c {
            b'0'..=b'9' => Some(Some(c - b'0')),
            b'a'..=b'f' => Some(Some(c - b'a' + 10)),
            b'A'..=b'F' => Some(Some(c - b'A' + 10)),
            b'X' | b'x' if wild => Some(None),
            _ => None,
        }
    }
    let b = s.as_bytes();
    let (mut data, mut mask, mut masked) = (Vec::new(), Vec::new(), false);
    let mut i = 0;
    loop {
        while b.get(i).is_some_and(|c| *c == b' ' || *c == b'\t') {
            i += 1;
        }
        let Some(&c) = b.get(i) else { break };
        i += 1;
        let first = hex_val(c, wildcards)?;
        let (mut val, mut m) = (first.unwrap_or(0), if first.is_none() { 0x0f } else { 0 });
        masked |= first.is_none();
        if let Some(&c2) = b.get(i).filter(|c| **c != b' ') {
            i += 1;
            let second = hex_val(c2, wildcards)?;
            masked |= second.is_none();
            val = (val << 4) | second.unwrap_or(0);
            m = (m << 4) | if second.is_none() { 0x0f } else { 0 };
        }
        data.push(val);
        mask.push(m);
    }
    if data.is_empty() {
        return None;
    }
    Some((data, masked.then_some(mask)))
}

/// A `UDP_CHECK` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdpCheck {
    /// `payload`: the datagram; None sends [`set_buf`]`(32)`.
    pub payload: Option<Vec<u8>>,
    /// `require_reply`: no answer within `connect_timeout` is a failure.
    pub require_reply: bool,
    /// `require_reply HEX`: the expected start of the answer.
    pub reply_data: Option<Vec<u8>>,
    /// Wildcard nibbles of `reply_data` (set bits are not compared).
    pub reply_mask: Option<Vec<u8>>,
    /// `min_reply_length` (default 0).
    pub min_reply_len: u32,
    /// `max_reply_length` (default 255).
    pub max_reply_len: u32,
}

impl Default for UdpCheck {
    fn default() -> Self {
        UdpCheck {
            payload: None,
            require_reply: false,
            reply_data: None,
            reply_mask: None,
            min_reply_len: 0,
            max_reply_len: u32::from(u8::MAX),
        }
    }
}

impl UdpCheck {
    /// The datagram each attempt sends.
    pub fn datagram(&self) -> Vec<u8> {
        self.payload
            .clone()
            .unwrap_or_else(|| set_buf(UDP_DEFAULT_PAYLOAD_LEN))
    }

    /// Whether a received datagram passes: always without reply data (the length limits are only
    /// checked together with it, as in `udp_check_thread`). keepalived reads at most
    /// `max_reply_length + 1` octets, so a longer datagram is seen as that long and fails.
    pub fn reply_ok(&self, data: &[u8]) -> bool {
        let Some(want) = &self.reply_data else {
            return true;
        };
        let cap = usize::try_from(self.max_reply_len)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let data = data.get(..data.len().min(cap)).unwrap_or(data);
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        if len < self.min_reply_len || len > self.max_reply_len {
            return false;
        }
        data.iter()
            .zip(want.iter())
            .enumerate()
            .all(|(i, (got, exp))| {
                let m = self
                    .reply_mask
                    .as_ref()
                    .and_then(|m| m.get(i))
                    .copied()
                    .unwrap_or(0);
                (got ^ exp) & !m == 0
            })
    }
}
