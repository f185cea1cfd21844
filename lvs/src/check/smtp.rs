//! SMTP_CHECK's dialogue (keepalived 2.2.7 check_smtp.c `smtp_engine_thread`): read the banner, which
//! must be `220`; send `HELO helo_name`; the reply must be `250`; send `QUIT` and read one more line
//! (any status). Each line is read with `connect_timeout` re-armed after every read.
//!
//! keepalived's status parser (`smtp_get_status`) is `strtoul` on the line: exactly three characters
//! consumed and then a space or the end of the buffer. So `220 ready` and `220` at the very end of
//! the data pass, but `220-multi` (a continuation line) and `220\r\n` do not: the `\r` follows the
//! digits. Bytes after the first line of a read are dropped (the buffer restarts for every line).

/// An `SMTP_CHECK` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpCheck {
    /// `helo_name` (default `smtpchecker.keepalived.org`).
    pub helo_name: String,
}

/// keepalived's `SMTP_DEFAULT_HELO`.
pub const DEFAULT_HELO: &str = "smtpchecker.keepalived.org";

impl Default for SmtpCheck {
    fn default() -> Self {
        SmtpCheck {
            helo_name: DEFAULT_HELO.to_string(),
        }
    }
}

/// keepalived's `SMTP_BUFF_MAX`: a line longer than this is cut (the buffer restarts).
const BUFF_MAX: usize = 512;

/// Where the dialogue is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Stage {
    /// Waiting for the banner.
    #[default]
    Banner,
    /// HELO sent, waiting for its reply.
    Helo,
    /// QUIT sent, waiting for its reply.
    Quit,
}

/// What a complete line means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Send these bytes and read the next line.
    Send(Vec<u8>),
    /// The dialogue ended well.
    Done,
    /// The banner was not 220.
    BadBanner,
    /// The HELO reply was not 250.
    BadHelo,
}

#[derive(Clone, Debug, Default)]
pub(super) struct SmtpState {
    pub(super) stage: Stage,
    buf: Vec<u8>,
}

/// `smtp_get_status`: `strtoul(buff, &end, 10)`, valid when it consumed exactly 3 characters and
/// stopped at a space or the end of the buffer.
pub(super) fn get_status(buf: &[u8]) -> Option<u32> {
    // strtoul skips leading white space and takes an optional sign; all of it counts in `end - buff`.
    let mut i = 0;
    while buf.get(i).is_some_and(|b| b" \t\n\r\x0b\x0c".contains(b)) {
        i += 1;
    }
    if matches!(buf.get(i), Some(b'+') | Some(b'-')) {
        i += 1;
    }
    let start = i;
    let mut v: u32 = 0;
    while let Some(d) = buf.get(i).filter(|b| b.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(u32::from(d - b'0'));
        i += 1;
    }
    if i == start || i != 3 {
        return None;
    }
    match buf.get(i) {
        None | Some(b' ') | Some(0) => Some(v),
        Some(_) => None,
    }
}

impl SmtpState {
    /// A new dialogue (after the TCP connect).
    pub(super) fn begin(&mut self) {
        self.stage = Stage::Banner;
        self.buf.clear();
    }

    /// Bytes received. Returns the step once a line is complete.
    pub(super) fn push(&mut self, data: &[u8], helo_name: &str) -> Option<Step> {
        if self.buf.len() >= BUFF_MAX - 1 {
            // keepalived logs "Increase SMTP_BUFF_MAX" and starts the buffer over.
            self.buf.clear();
        }
        let room = BUFF_MAX - 1 - self.buf.len();
        self.buf
            .extend_from_slice(data.get(..data.len().min(room)).unwrap_or(data));
        // The buffer is a C string: it ends at the first NUL.
        if !self
            .buf
            .iter()
            .take_while(|b| **b != 0)
            .any(|b| *b == b'\n')
        {
            return None;
        }
        let text: Vec<u8> = self.buf.iter().take_while(|b| **b != 0).copied().collect();
        self.buf.clear();
        let status = get_status(&text);
        Some(match self.stage {
            Stage::Banner if status == Some(220) => {
                self.stage = Stage::Helo;
                Step::Send(format!("HELO {helo_name}\r\n").into_bytes())
            }
            Stage::Banner => Step::BadBanner,
            Stage::Helo if status == Some(250) => {
                self.stage = Stage::Quit;
                Step::Send(b"QUIT\r\n".to_vec())
            }
            Stage::Helo => Step::BadHelo,
            Stage::Quit => Step::Done,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalived_smtp_status_parser_needs_three_digits_then_space_or_end() {
        assert_eq!(get_status(b"220 mail ESMTP\r\n"), Some(220));
        assert_eq!(get_status(b"250"), Some(250));
        assert_eq!(get_status(b"220-first line\r\n"), None);
        assert_eq!(get_status(b"220\r\n"), None);
        assert_eq!(get_status(b"2200 x"), None);
        // Leading white space counts among the three characters, as with strtoul.
        assert_eq!(get_status(b" 22 x"), Some(22));
        assert_eq!(get_status(b"abc"), None);
        assert_eq!(get_status(b""), None);
    }

    #[test]
    fn dialogue_banner_helo_quit() {
        let mut s = SmtpState::default();
        s.begin();
        assert_eq!(s.push(b"220 mx", "h"), None);
        assert_eq!(
            s.push(b" ready\r\n", "h"),
            Some(Step::Send(b"HELO h\r\n".to_vec()))
        );
        assert_eq!(
            s.push(b"250 hi\r\n", "h"),
            Some(Step::Send(b"QUIT\r\n".to_vec()))
        );
        assert_eq!(s.push(b"221 bye\r\n", "h"), Some(Step::Done));
        s.begin();
        assert_eq!(s.push(b"554 no\r\n", "h"), Some(Step::BadBanner));
    }
}
