//! FILE_CHECK (check_file.c, trackers/track_file.c): a real server follows the number written in a
//! `track_file`. There is no polling: keepalived watches the file with inotify and acts on every
//! write, at once.
//!
//! The file's value `v` (strtol base 0 of its first 127 bytes; a missing or empty file counts as 0)
//! becomes the checker's status:
//! - with weight 0: FAULT when `v != 0` (with `reverse`: when `v == 0`), otherwise 0;
//! - otherwise `v × weight` (× −1 with `reverse`), clamped to the i32 range; FAULT when that is
//!   `i32::MIN` (keepalived's `IPVS_WEIGHT_FAULT`).
//!
//! FAULT marks the checker down (and drops its weight contribution); any other status keeps it up
//! and adds the status to the server's effective weight (`process_update_checker_track_file_status`).
//! The checker has no alpha mode and counts as having run from the start.

/// keepalived's `IPVS_WEIGHT_FAULT`.
pub const WEIGHT_FAULT: i64 = i32::MIN as i64;

/// A `FILE_CHECK` block, resolved against its `track_file`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileCheck {
    /// The `track_file` name.
    pub track_file: String,
    /// Its `file` path (for reports).
    pub path: Option<String>,
    /// `weight` (default: the track_file's weight, itself default 1).
    pub weight: i32,
    /// `weight ... reverse`.
    pub reverse: bool,
}

impl FileCheck {
    /// The status of a file value (`update_track_file_status`): [`WEIGHT_FAULT`] or a weight
    /// contribution.
    pub fn status(&self, value: i64) -> i64 {
        if self.weight == 0 {
            // `!new_status != (weight_multiplier == 1)`
            let fault = (value == 0) == self.reverse;
            return if fault { WEIGHT_FAULT } else { 0 };
        }
        let mult: i64 = if self.reverse { -1 } else { 1 };
        let raw = i128::from(value) * i128::from(self.weight) * i128::from(mult);
        raw.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i64
    }
}

/// track_file.c `process_track_file`: `strtol(buf, NULL, 0)` of the file's content. Leading blanks
/// and a sign are accepted, then `0x` (hex), a leading `0` (octal) or decimal digits; parsing stops at
/// the first other character, and no digit at all is 0. None when the number is out of keepalived's
/// range (`INT32_MIN..=INT32_MAX + 1`), which keepalived logs and ignores.
pub fn parse_track_file_value(content: &str) -> Option<i64> {
    let head: String = content.chars().take(127).collect();
    let s = head.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(r) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if r.chars().next().is_some_and(|c| c.is_ascii_hexdigit()) {
            (16, r)
        } else {
            (10, "0")
        }
    } else if s.starts_with('0') {
        (8, s)
    } else {
        (10, s)
    };
    let mut v: i128 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else { break };
        v = v * i128::from(radix) + i128::from(d);
        if v > i128::from(i64::MAX) + 1 {
            // strtol saturates with ERANGE, which keepalived rejects.
            return None;
        }
    }
    let v = if neg { -v } else { v };
    (i128::from(i32::MIN)..=i128::from(i32::MAX) + 1)
        .contains(&v)
        .then_some(v as i64)
}
