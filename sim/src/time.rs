//! Virtual time of the simulator: nanoseconds since the start of a run.
//!
//! The simulator never reads a wall clock. Durations in scenario files ("12.5s", "300ms") are parsed here.
//! smoltcp counts microseconds; [`to_smoltcp`] converts at that boundary.

use std::fmt;

pub use vrrp::time::{Duration, Instant};

/// Nanoseconds of an instant.
pub fn nanos(t: Instant) -> u64 {
    t.as_nanos()
}

/// Nanoseconds of a duration.
pub fn dur_nanos(d: Duration) -> u64 {
    d.as_nanos()
}

/// Seconds (float) since the start of the run, as reports print them.
pub fn secs_f64(t: Instant) -> f64 {
    nanos(t) as f64 / 1e9
}

/// Milliseconds (float) of a duration, as reports print them.
pub fn millis_f64(d: Duration) -> f64 {
    dur_nanos(d) as f64 / 1e6
}

/// Converts to smoltcp's microsecond clock, rounding down.
pub fn to_smoltcp(t: Instant) -> smoltcp::time::Instant {
    smoltcp::time::Instant::from_micros((nanos(t) / 1_000) as i64)
}

/// Converts from smoltcp's microsecond clock, rounding up so a deadline is never early.
pub fn from_smoltcp(t: smoltcp::time::Instant) -> Instant {
    Instant::from_nanos((t.total_micros().max(0) as u64).saturating_mul(1_000))
}

/// Why a human duration did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {text:?}: {reason} (write e.g. \"12.5s\", \"300ms\", \"250us\", \"10ns\", \"2m\")")]
pub struct DurationError {
    /// The text that failed.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Parses a human duration: a decimal number followed by `ns`, `us`, `ms`, `s`, `m` or `h`.
///
/// Decimal arithmetic is exact (no float), so "0.1s" is exactly 100 ms.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let err = |reason| DurationError {
        text: text.to_string(),
        reason,
    };
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| err("missing unit"))?;
    let (num, unit) = t.split_at(split);
    let unit_ns: u128 = match unit.trim() {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return Err(err("unknown unit")),
    };
    if num.is_empty() {
        return Err(err("missing number"));
    }
    let (int_part, frac_part) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
        return Err(err("malformed number"));
    }
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| err("number too large"))?
    };
    let mut total = int
        .checked_mul(unit_ns)
        .ok_or_else(|| err("number too large"))?;
    let mut scale = unit_ns;
    for c in frac_part.chars() {
        scale /= 10;
        let digit = c.to_digit(10).ok_or_else(|| err("malformed number"))? as u128;
        if scale == 0 {
            if digit != 0 {
                return Err(err("finer than 1 ns"));
            }
            continue;
        }
        total += digit * scale;
    }
    let total = u64::try_from(total).map_err(|_| err("number too large"))?;
    Ok(Duration::from_nanos(total))
}

/// Formats a duration the way scenario files write it (shortest exact unit).
pub fn format_duration(d: Duration) -> String {
    let n = dur_nanos(d);
    for (unit, scale) in [("s", 1_000_000_000u64), ("ms", 1_000_000), ("us", 1_000)] {
        if n >= scale || n == 0 {
            if n.is_multiple_of(scale) {
                return format!("{}{unit}", n / scale);
            }
            let whole = n / scale;
            let frac = format!("{:0width$}", n % scale, width = scale.ilog10() as usize);
            return format!("{whole}.{}{unit}", frac.trim_end_matches('0'));
        }
    }
    format!("{n}ns")
}

/// Displays an instant as seconds with microsecond precision, as the timeline prints it.
pub struct Secs(pub Instant);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = nanos(self.0);
        write!(
            f,
            "{}.{:06}",
            n / 1_000_000_000,
            (n % 1_000_000_000) / 1_000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_parse_exactly() {
        assert_eq!(
            parse_duration("12.5s").unwrap(),
            Duration::from_millis(12_500)
        );
        assert_eq!(parse_duration("300ms").unwrap(), Duration::from_millis(300));
        assert_eq!(parse_duration("0.1s").unwrap(), Duration::from_millis(100));
        assert_eq!(
            parse_duration("3.613281250s").unwrap(),
            Duration::from_nanos(3_613_281_250)
        );
        assert_eq!(parse_duration("250us").unwrap(), Duration::from_micros(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("7ns").unwrap(), Duration::from_nanos(7));
    }

    #[test]
    fn bad_durations_are_errors_not_panics() {
        for bad in [
            "",
            "s",
            "12",
            "1.2.3s",
            "5 parsecs",
            "0.5ns",
            "99999999999999999999999s",
            "-1s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn durations_format_back_to_the_shortest_exact_unit() {
        assert_eq!(format_duration(Duration::from_millis(12_500)), "12.5s");
        assert_eq!(format_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(
            format_duration(Duration::from_nanos(3_613_281_250)),
            "3.61328125s"
        );
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_nanos(42)), "42ns");
    }
}

/// serde support: durations are written as human strings ("12.5s") in scenario files and reports.
pub mod serde_dur {
    use super::{format_duration, parse_duration, Duration};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as a human string.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(*d))
    }

    /// Deserializes from a human string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text).map_err(serde::de::Error::custom)
    }

    /// The same for `Option<Duration>`.
    pub mod option {
        use super::*;

        /// Serializes as an optional human string.
        pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_some(&format_duration(*d)),
                None => s.serialize_none(),
            }
        }

        /// Deserializes from an optional human string.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
            match Option::<String>::deserialize(d)? {
                Some(text) => parse_duration(&text)
                    .map(Some)
                    .map_err(serde::de::Error::custom),
                None => Ok(None),
            }
        }
    }
}
