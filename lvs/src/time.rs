//! Time types for the sans-IO cores: an [`Instant`] on the caller's clock and a [`Duration`], both in
//! nanoseconds. Nothing in this crate reads a clock; every method that needs "now" takes it as an argument.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A point on the caller's monotonic clock, in nanoseconds since an arbitrary origin (the simulator uses
/// the start of the run).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    nanos: u64,
}

/// A span of time in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: u64,
}

impl Instant {
    /// The origin of the clock.
    pub const ZERO: Instant = Instant { nanos: 0 };

    /// An instant `nanos` nanoseconds after the origin.
    pub const fn from_nanos(nanos: u64) -> Self {
        Instant { nanos }
    }
    /// An instant `micros` microseconds after the origin.
    pub const fn from_micros(micros: u64) -> Self {
        Instant {
            nanos: micros.saturating_mul(1_000),
        }
    }
    /// An instant `millis` milliseconds after the origin.
    pub const fn from_millis(millis: u64) -> Self {
        Instant {
            nanos: millis.saturating_mul(1_000_000),
        }
    }
    /// An instant `secs` seconds after the origin.
    pub const fn from_secs(secs: u64) -> Self {
        Instant {
            nanos: secs.saturating_mul(1_000_000_000),
        }
    }
    /// Nanoseconds since the origin.
    pub const fn as_nanos(self) -> u64 {
        self.nanos
    }
    /// Seconds since the origin, as a float (for reports).
    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / 1e9
    }
    /// The time from `earlier` to `self`, zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration {
            nanos: self.nanos.saturating_sub(earlier.nanos),
        }
    }
}

impl Duration {
    /// Zero length.
    pub const ZERO: Duration = Duration { nanos: 0 };

    /// `nanos` nanoseconds.
    pub const fn from_nanos(nanos: u64) -> Self {
        Duration { nanos }
    }
    /// `micros` microseconds.
    pub const fn from_micros(micros: u64) -> Self {
        Duration {
            nanos: micros.saturating_mul(1_000),
        }
    }
    /// `millis` milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        Duration {
            nanos: millis.saturating_mul(1_000_000),
        }
    }
    /// `secs` seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Duration {
            nanos: secs.saturating_mul(1_000_000_000),
        }
    }
    /// Length in nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.nanos
    }
    /// Length in whole milliseconds (rounded down).
    pub const fn as_millis(self) -> u64 {
        self.nanos / 1_000_000
    }
    /// Length in seconds, as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / 1e9
    }
    /// `self * n`, saturating.
    pub const fn saturating_mul(self, n: u64) -> Duration {
        Duration {
            nanos: self.nanos.saturating_mul(n),
        }
    }
    /// `self + other`, saturating.
    pub const fn saturating_add(self, other: Duration) -> Duration {
        Duration {
            nanos: self.nanos.saturating_add(other.nanos),
        }
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant {
            nanos: self.nanos.saturating_add(d.nanos),
        }
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        self.nanos = self.nanos.saturating_add(d.nanos);
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, o: Duration) -> Duration {
        self.saturating_add(o)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:06}",
            self.nanos / 1_000_000_000,
            (self.nanos % 1_000_000_000) / 1_000
        )
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.nanos as f64 / 1e6)
    }
}
