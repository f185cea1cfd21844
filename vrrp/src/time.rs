//! Time for the sans-IO core: an [`Instant`] on an abstract clock and a [`Duration`], both
//! nanoseconds in a `u64`.
//!
//! The crate never reads a clock. Callers (the simulator, tests, a future daemon) pass `now` in.
//! Arithmetic saturates instead of panicking, so hostile or buggy inputs cannot crash a router;
//! `u64` nanoseconds cover 584 years, far beyond any run.

use core::fmt;
use core::ops::{Add, AddAssign, Div, Mul, Sub, SubAssign};

const NANOS_PER_MICRO: u64 = 1_000;
const NANOS_PER_MILLI: u64 = 1_000_000;
const NANOS_PER_CENTI: u64 = 10_000_000;
const NANOS_PER_SEC: u64 = 1_000_000_000;

/// A point on the caller's clock, in nanoseconds since an arbitrary epoch (the simulator uses
/// the start of the run).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    nanos: u64,
}

/// A span of time in nanoseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: u64,
}

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant { nanos: 0 };
    /// The latest representable instant.
    pub const MAX: Instant = Instant { nanos: u64::MAX };

    /// `nanos` nanoseconds after the epoch.
    pub const fn from_nanos(nanos: u64) -> Instant {
        Instant { nanos }
    }
    /// `micros` microseconds after the epoch (saturating).
    pub const fn from_micros(micros: u64) -> Instant {
        Instant {
            nanos: micros.saturating_mul(NANOS_PER_MICRO),
        }
    }
    /// `millis` milliseconds after the epoch (saturating).
    pub const fn from_millis(millis: u64) -> Instant {
        Instant {
            nanos: millis.saturating_mul(NANOS_PER_MILLI),
        }
    }
    /// `secs` seconds after the epoch (saturating).
    pub const fn from_secs(secs: u64) -> Instant {
        Instant {
            nanos: secs.saturating_mul(NANOS_PER_SEC),
        }
    }
    /// Nanoseconds since the epoch.
    pub const fn as_nanos(self) -> u64 {
        self.nanos
    }
    /// Whole microseconds since the epoch (smoltcp's unit).
    pub const fn as_micros(self) -> u64 {
        self.nanos / NANOS_PER_MICRO
    }
    /// Whole milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.nanos / NANOS_PER_MILLI
    }
    /// Seconds since the epoch as a float (for reports).
    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / NANOS_PER_SEC as f64
    }
    /// Time since the epoch as a [`Duration`].
    pub const fn since_epoch(self) -> Duration {
        Duration { nanos: self.nanos }
    }
    /// `self - earlier`, or zero when `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration {
            nanos: self.nanos.saturating_sub(earlier.nanos),
        }
    }
    /// `self - earlier`, or `None` when `earlier` is later.
    pub const fn checked_duration_since(self, earlier: Instant) -> Option<Duration> {
        match self.nanos.checked_sub(earlier.nanos) {
            Some(nanos) => Some(Duration { nanos }),
            None => None,
        }
    }
    /// `self + d`, or `None` on overflow.
    pub const fn checked_add(self, d: Duration) -> Option<Instant> {
        match self.nanos.checked_add(d.nanos) {
            Some(nanos) => Some(Instant { nanos }),
            None => None,
        }
    }
}

impl Duration {
    /// No time.
    pub const ZERO: Duration = Duration { nanos: 0 };
    /// The longest representable duration.
    pub const MAX: Duration = Duration { nanos: u64::MAX };

    /// `nanos` nanoseconds.
    pub const fn from_nanos(nanos: u64) -> Duration {
        Duration { nanos }
    }
    /// `micros` microseconds (saturating).
    pub const fn from_micros(micros: u64) -> Duration {
        Duration {
            nanos: micros.saturating_mul(NANOS_PER_MICRO),
        }
    }
    /// `millis` milliseconds (saturating).
    pub const fn from_millis(millis: u64) -> Duration {
        Duration {
            nanos: millis.saturating_mul(NANOS_PER_MILLI),
        }
    }
    /// `centis` centiseconds, the VRRPv3 interval unit (saturating).
    pub const fn from_centis(centis: u64) -> Duration {
        Duration {
            nanos: centis.saturating_mul(NANOS_PER_CENTI),
        }
    }
    /// `secs` seconds, the VRRPv2 interval unit (saturating).
    pub const fn from_secs(secs: u64) -> Duration {
        Duration {
            nanos: secs.saturating_mul(NANOS_PER_SEC),
        }
    }
    /// Nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.nanos
    }
    /// Whole microseconds.
    pub const fn as_micros(self) -> u64 {
        self.nanos / NANOS_PER_MICRO
    }
    /// Whole milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.nanos / NANOS_PER_MILLI
    }
    /// Whole centiseconds.
    pub const fn as_centis(self) -> u64 {
        self.nanos / NANOS_PER_CENTI
    }
    /// Milliseconds as a float (reports give durations in ms).
    pub fn as_millis_f64(self) -> f64 {
        self.nanos as f64 / NANOS_PER_MILLI as f64
    }
    /// Seconds as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / NANOS_PER_SEC as f64
    }
    /// `self + other`, saturating.
    pub const fn saturating_add(self, other: Duration) -> Duration {
        Duration {
            nanos: self.nanos.saturating_add(other.nanos),
        }
    }
    /// `self - other`, or zero.
    pub const fn saturating_sub(self, other: Duration) -> Duration {
        Duration {
            nanos: self.nanos.saturating_sub(other.nanos),
        }
    }
    /// `self * k`, saturating.
    pub const fn saturating_mul(self, k: u64) -> Duration {
        Duration {
            nanos: self.nanos.saturating_mul(k),
        }
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturates at [`Instant::MAX`].
    fn add(self, d: Duration) -> Instant {
        Instant {
            nanos: self.nanos.saturating_add(d.nanos),
        }
    }
}
impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}
impl Sub<Duration> for Instant {
    type Output = Instant;
    /// Saturates at [`Instant::ZERO`].
    fn sub(self, d: Duration) -> Instant {
        Instant {
            nanos: self.nanos.saturating_sub(d.nanos),
        }
    }
}
impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, d: Duration) {
        *self = *self - d;
    }
}
impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturates at [`Duration::ZERO`] when `rhs` is later.
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}
impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        self.saturating_add(rhs)
    }
}
impl AddAssign for Duration {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}
impl Sub for Duration {
    type Output = Duration;
    fn sub(self, rhs: Duration) -> Duration {
        self.saturating_sub(rhs)
    }
}
impl SubAssign for Duration {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}
impl Mul<u64> for Duration {
    type Output = Duration;
    fn mul(self, k: u64) -> Duration {
        self.saturating_mul(k)
    }
}
impl Div<u64> for Duration {
    type Output = Duration;
    /// Division by zero gives [`Duration::MAX`] instead of panicking.
    fn div(self, k: u64) -> Duration {
        match self.nanos.checked_div(k) {
            Some(nanos) => Duration { nanos },
            None => Duration::MAX,
        }
    }
}

/// Seconds with up to nine decimals: `{}` prints all nine, `{:.6}` truncates to six.
fn fmt_secs(nanos: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let secs = nanos / NANOS_PER_SEC;
    let frac = nanos % NANOS_PER_SEC;
    let digits = f.precision().unwrap_or(9).min(9);
    if digits == 0 {
        return write!(f, "{secs}");
    }
    let scaled = frac / 10u64.pow(9 - digits as u32);
    write!(f, "{secs}.{scaled:0width$}", width = digits)
}

impl fmt::Display for Instant {
    /// Seconds since the epoch, e.g. `12.000341000` (`{:.6}` gives `12.000341`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_secs(self.nanos, f)
    }
}

impl fmt::Display for Duration {
    /// Seconds with an `s` suffix, e.g. `3.613281250s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_secs(self.nanos, f)?;
        f.write_str("s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_exactly() {
        assert_eq!(Duration::from_centis(1).as_nanos(), 10_000_000);
        assert_eq!(Duration::from_secs(3).as_millis(), 3_000);
        assert_eq!(Instant::from_micros(5).as_nanos(), 5_000);
        assert_eq!(
            Instant::from_millis(2) - Instant::from_millis(5),
            Duration::ZERO
        );
        assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
        assert_eq!(Duration::from_secs(1) / 0, Duration::MAX);
    }

    #[test]
    fn display_is_seconds() {
        assert_eq!(
            Instant::from_nanos(12_000_341_000).to_string(),
            "12.000341000"
        );
        assert_eq!(
            format!("{:.6}", Instant::from_nanos(12_000_341_999)),
            "12.000341"
        );
        assert_eq!(Duration::from_micros(3_613_281).to_string(), "3.613281000s");
        assert_eq!(format!("{:.0}", Duration::from_millis(2500)), "2s");
    }
}
