//! HTTP_GET: the request keepalived sends, and how it judges the response (check_http.c, lib/html.c).

use std::net::SocketAddr;

use md5::{Digest, Md5};

use super::ssl::SslOptions;
use super::FailReason;

/// `http_protocol`: the request line version and whether `Connection: close` is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpProtocol {
    /// `1.0` (default): `HTTP/1.0`, no Connection header.
    #[default]
    Http10,
    /// `1.0C`: `HTTP/1.0` with `Connection: close`.
    Http10Close,
    /// `1.1`: `HTTP/1.1` with `Connection: close`.
    Http11,
}

/// The set of accepted status codes, 100..=599 (keepalived's bit array). Default 200-299.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StatusCodes {
    bits: [u64; 8],
}

impl core::fmt::Debug for StatusCodes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let codes: Vec<u16> = (100..=599).filter(|c| self.contains(*c)).collect();
        write!(
            f,
            "StatusCodes({} codes: {:?}..)",
            codes.len(),
            codes.first()
        )
    }
}

impl Default for StatusCodes {
    fn default() -> Self {
        let mut s = StatusCodes::empty();
        s.insert_range(200, 299);
        s
    }
}

impl StatusCodes {
    /// No code accepted.
    pub fn empty() -> Self {
        StatusCodes { bits: [0; 8] }
    }

    /// Accept `min..=max`; codes outside 100..=599 are ignored.
    pub fn insert_range(&mut self, min: u16, max: u16) {
        for c in min.max(100)..=max.min(599) {
            let i = usize::from(c - 100);
            self.bits[i / 64] |= 1 << (i % 64);
        }
    }

    /// Whether `code` is accepted.
    pub fn contains(&self, code: u16) -> bool {
        if !(100..=599).contains(&code) {
            return false;
        }
        let i = usize::from(code - 100);
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    /// Whether no code is accepted (keepalived then falls back to the 200-299 default).
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|b| *b == 0)
    }

    /// Parse keepalived's `status_code` arguments: `200`, `200-299`, several separated by spaces.
    /// Invalid tokens are returned as errors (keepalived reports and skips them).
    pub fn parse(args: &str) -> Result<StatusCodes, String> {
        let mut s = StatusCodes::empty();
        for tok in args.split_whitespace() {
            let (a, b) = match tok.split_once('-') {
                Some((a, b)) => (a, b),
                None => (tok, tok),
            };
            let (Ok(min), Ok(max)) = (a.parse::<u16>(), b.parse::<u16>()) else {
                return Err(format!("Invalid HTTP_GET status code '{tok}'"));
            };
            if !(100..=599).contains(&min) || !(100..=599).contains(&max) || min > max {
                return Err(format!("Invalid HTTP_GET status code '{tok}'"));
            }
            s.insert_range(min, max);
        }
        Ok(s)
    }
}

/// One `url { }` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlCheck {
    /// `path`, sent verbatim in the request line.
    pub path: String,
    /// `status_code`.
    pub status: StatusCodes,
    /// `digest`: MD5 of the body as 16 bytes (genhash prints it as 32 lowercase hex digits).
    pub digest: Option<[u8; 16]>,
    /// `virtualhost` for this URL (overrides the checker's).
    pub virtualhost: Option<String>,
}

impl UrlCheck {
    /// A URL accepting 2xx, no digest.
    pub fn new(path: &str) -> Self {
        UrlCheck {
            path: path.to_string(),
            status: StatusCodes::default(),
            digest: None,
            virtualhost: None,
        }
    }
}

/// Parse a 32-hex-digit digest as keepalived's `digest` keyword does.
pub fn parse_digest(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The digest as genhash prints it: 32 lowercase hex digits.
pub fn format_digest(d: &[u8; 16]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// MD5 of a body, as `genhash` prints it.
pub fn genhash(body: &[u8]) -> String {
    let d: [u8; 16] = Md5::digest(body).into();
    format_digest(&d)
}

/// An `HTTP_GET` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpGet {
    /// The URLs, checked in order; all must pass.
    pub urls: Vec<UrlCheck>,
    /// The checker's `virtualhost`, already falling back to the real server's and virtual server's.
    pub virtualhost: Option<String>,
    /// `http_protocol`.
    pub protocol: HttpProtocol,
    /// `fast_recovery`: after a success from an unknown or down state, check again at once.
    pub fast_recovery: bool,
    /// `SSL_GET`: the same check over TLS (keepalived's `proto = PROTO_SSL`); None for `HTTP_GET`.
    pub ssl: Option<SslOptions>,
}

impl HttpGet {
    /// One URL, HTTP/1.0, no virtual host.
    pub fn new(urls: Vec<UrlCheck>) -> Self {
        HttpGet {
            urls,
            virtualhost: None,
            protocol: HttpProtocol::default(),
            fast_recovery: false,
            ssl: None,
        }
    }

    /// The TLS server name for URL index `url` (ssl_connect: the URL's virtual host, else the
    /// checker's).
    pub(super) fn sni(&self, url: usize) -> Option<String> {
        self.urls
            .get(url)
            .and_then(|u| u.virtualhost.clone())
            .or_else(|| self.virtualhost.clone())
    }

    /// `http_request_thread`'s request for URL index `url`.
    pub(super) fn request(&self, url: usize, dst: SocketAddr) -> Vec<u8> {
        let Some(u) = self.urls.get(url) else {
            return Vec::new();
        };
        let vhost = u.virtualhost.as_deref().or(self.virtualhost.as_deref());
        let host = match (vhost, dst) {
            (Some(v), _) => v.to_string(),
            (None, SocketAddr::V6(a)) => format!("[{}]:{}", a.ip(), a.port()),
            (None, SocketAddr::V4(a)) => format!("{}:{}", a.ip(), a.port()),
        };
        let (minor, close) = match self.protocol {
            HttpProtocol::Http10 => (0, ""),
            HttpProtocol::Http10Close => (0, "Connection: close\r\n"),
            HttpProtocol::Http11 => (1, "Connection: close\r\n"),
        };
        format!(
            "GET {} HTTP/1.{minor}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {host}\r\n\r\n",
            u.path
        )
        .into_bytes()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Method {
    New,
    Retry,
    Failed,
}

/// Headers larger than this without a blank line count as "no data" (keepalived's buffer is bounded
/// too), which keeps memory bounded whatever a server sends.
const MAX_HEADER: usize = 64 * 1024;

#[derive(Clone, Debug, Default)]
pub(super) struct HttpState {
    /// `url_it`: the URL being checked; None past the last one.
    pub(super) url_it: Option<usize>,
    /// `failed_url`.
    pub(super) failed_url: Option<usize>,
    header: Vec<u8>,
    extracted: bool,
    status: u16,
    content_len: Option<usize>,
    body_len: usize,
    md5: Option<Md5>,
}

/// `extract_status_code()`: the three digits after the first space of the status line.
fn extract_status_code(buf: &[u8]) -> u16 {
    let Some(sp) = buf.iter().position(|b| *b == b' ' || *b == b'\r') else {
        return 0;
    };
    if buf[sp] != b' ' {
        return 0;
    }
    let rest = &buf[sp + 1..];
    if rest.len() <= 3 || rest[0] == b' ' || rest[3] != b' ' {
        return 0;
    }
    if !rest[..3].iter().all(u8::is_ascii_digit) {
        return 0;
    }
    rest[..3]
        .iter()
        .fold(0u16, |a, d| a * 10 + u16::from(d - b'0'))
}

/// `extract_content_length()`: the value after `Content-Length:` (case-sensitive, like keepalived),
/// only if the number ends the line.
fn extract_content_length(header: &[u8]) -> Option<usize> {
    const TAG: &[u8] = b"Content-Length:";
    let at = header.windows(TAG.len()).position(|w| w == TAG)? + TAG.len();
    let rest = &header[at..];
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace() || *b == b'\r' || *b == b'\n')?;
    let digits = rest[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    match rest.get(start + digits) {
        None | Some(b'\r') | Some(b'\n') => {}
        Some(_) => return None,
    }
    std::str::from_utf8(&rest[start..start + digits])
        .ok()?
        .parse()
        .ok()
}

impl HttpState {
    pub(super) fn current_url(&mut self, h: &HttpGet) -> usize {
        let i = *self.url_it.get_or_insert(0);
        i.min(h.urls.len().saturating_sub(1))
    }

    pub(super) fn advance(&mut self, n_urls: usize) {
        let cur = self.url_it.unwrap_or(0);
        self.url_it = if cur + 1 >= n_urls {
            None
        } else {
            Some(cur + 1)
        };
    }

    /// Whether a complete HTTP header was received.
    pub(super) fn extracted(&self) -> bool {
        self.extracted
    }

    pub(super) fn begin_response(&mut self) {
        self.header.clear();
        self.extracted = false;
        self.status = 0;
        self.content_len = None;
        self.body_len = 0;
        self.md5 = Some(Md5::new());
    }

    fn feed_body(&mut self, data: &[u8]) {
        let take = match self.content_len {
            Some(cl) => data.len().min(cl.saturating_sub(self.body_len)),
            None => data.len(),
        };
        if let Some(m) = self.md5.as_mut() {
            m.update(&data[..take]);
        }
        self.body_len += data.len();
    }

    pub(super) fn push(&mut self, data: &[u8]) {
        if self.extracted {
            self.feed_body(data);
            return;
        }
        if self.header.len() >= MAX_HEADER {
            return;
        }
        self.header.extend_from_slice(data);
        if let Some(end) = self.header.windows(4).position(|w| w == b"\r\n\r\n") {
            self.extracted = true;
            let body = self.header.split_off(end + 4);
            self.status = extract_status_code(&self.header);
            self.content_len = extract_content_length(&self.header);
            self.feed_body(&body);
        }
    }

    /// http_handle_response: data present, status accepted, digest equal.
    pub(super) fn verdict(&mut self, h: &HttpGet) -> Result<(), FailReason> {
        if !self.extracted {
            return Err(FailReason::NoData);
        }
        let idx = self.url_it.unwrap_or(0);
        let Some(url) = h.urls.get(idx) else {
            return Ok(());
        };
        if !url.status.contains(self.status) {
            return Err(FailReason::StatusCode(self.status));
        }
        if let Some(want) = url.digest {
            let got: [u8; 16] = self.md5.take().unwrap_or_default().finalize().into();
            if got != want {
                return Err(FailReason::Digest(format_digest(&got)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_parsing_follows_lib_html_c() {
        assert_eq!(extract_status_code(b"HTTP/1.0 200 OK\r\n"), 200);
        assert_eq!(
            extract_status_code(b"HTTP/1.1 503 Service Unavailable\r\n"),
            503
        );
        assert_eq!(extract_status_code(b"HTTP/1.0 20 OK\r\n"), 0);
        assert_eq!(extract_status_code(b"HTTP/1.0\r\n"), 0);
        assert_eq!(extract_status_code(b""), 0);
    }

    #[test]
    fn content_length_must_end_the_line() {
        assert_eq!(
            extract_content_length(b"HTTP/1.0 200 OK\r\nContent-Length: 12\r\n"),
            Some(12)
        );
        assert_eq!(
            extract_content_length(b"HTTP/1.0 200 OK\r\nContent-Length: 12x\r\n"),
            None
        );
        assert_eq!(
            extract_content_length(b"HTTP/1.0 200 OK\r\ncontent-length: 12\r\n"),
            None
        );
    }

    #[test]
    fn status_code_ranges() {
        let s = StatusCodes::parse("200 300-302").unwrap();
        assert!(s.contains(200) && s.contains(301) && !s.contains(201) && !s.contains(303));
        assert!(StatusCodes::parse("99").is_err());
        assert!(StatusCodes::parse("300-200").is_err());
        assert!(StatusCodes::default().contains(204));
    }

    #[test]
    fn genhash_is_md5_hex() {
        // RFC 1321 appendix A.5 test suite.
        assert_eq!(genhash(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(genhash(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            parse_digest("900150983cd24fb0d6963f7d28e17f72").map(|d| format_digest(&d)),
            Some("900150983cd24fb0d6963f7d28e17f72".to_string())
        );
    }
}
