//! The protocol's timer formulas as pure functions, shared by the router, the simulator's
//! expectations and the conformance checker so that all three agree to the nanosecond.
//!
//! - RFC 3768 §6.1 (v2): `Skew_Time = (256 − Priority) / 256` seconds, independent of the
//!   interval; `Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time`.
//! - RFC 5798 §6.1 (v3): `Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256`
//!   centiseconds; `Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time`.
//!
//! The RFCs do not say how to round; these functions compute in nanoseconds and round down
//! (v2 is exact: 1 s / 256 = 3 906 250 ns). keepalived computes in microseconds; the difference
//! is below 1 µs.

use crate::time::Duration;
use crate::wire::Version;

/// Skew_Time for a router of `priority` (RFC 3768 §6.1 / RFC 5798 §6.1). `adver_int` is the
/// Master_Adver_Interval for v3 and is ignored for v2.
pub fn skew_time(version: Version, priority: u8, adver_int: Duration) -> Duration {
    let k = 256 - u64::from(priority);
    match version {
        Version::V2 => Duration::from_nanos(k * 1_000_000_000 / 256),
        Version::V3 => {
            let n = u128::from(k) * u128::from(adver_int.as_nanos()) / 256;
            Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
        }
    }
}

/// Master_Down_Interval = 3 × interval + Skew_Time (RFC 3768 §6.1 / RFC 5798 §6.1). For v2
/// `adver_int` is the router's own Advertisement_Interval, for v3 the learned
/// Master_Adver_Interval.
pub fn master_down_interval(version: Version, priority: u8, adver_int: Duration) -> Duration {
    master_down_interval_with(version, priority, adver_int, 3)
}

/// As [`master_down_interval`] with keepalived's `down_timer_adverts` replacing the 3
/// (keepalived ≥ 2.2; values other than 3 deviate from the RFCs).
pub fn master_down_interval_with(
    version: Version,
    priority: u8,
    adver_int: Duration,
    adverts: u32,
) -> Duration {
    adver_int * u64::from(adverts) + skew_time(version, priority, adver_int)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5798_6_1_master_down_interval_priority_99_100cs() {
        // 300 + (256 − 99) · 100 / 256 cs = 361.328125 cs.
        let mdi = master_down_interval(Version::V3, 99, Duration::from_centis(100));
        assert_eq!(mdi, Duration::from_nanos(3_613_281_250));
        assert_eq!(
            skew_time(Version::V3, 99, Duration::from_centis(100)),
            Duration::from_nanos(613_281_250)
        );
    }

    #[test]
    fn rfc3768_6_1_skew_is_independent_of_interval() {
        assert_eq!(
            skew_time(Version::V2, 100, Duration::from_secs(5)),
            Duration::from_micros(609_375)
        );
        assert_eq!(
            master_down_interval(Version::V2, 100, Duration::from_secs(1)),
            Duration::from_micros(3_609_375)
        );
        assert_eq!(
            skew_time(Version::V2, 254, Duration::from_secs(1)),
            Duration::from_nanos(7_812_500)
        );
        assert_eq!(
            skew_time(Version::V2, 255, Duration::from_secs(1)),
            Duration::from_nanos(3_906_250)
        );
    }

    #[test]
    fn rfc5798_6_1_skew_scales_with_interval() {
        // 1 cs interval, priority 200: (56 · 10 ms) / 256 = 2.1875 ms.
        assert_eq!(
            skew_time(Version::V3, 200, Duration::from_centis(1)),
            Duration::from_nanos(2_187_500)
        );
        assert_eq!(
            master_down_interval_with(Version::V3, 200, Duration::from_centis(1), 5),
            Duration::from_nanos(52_187_500)
        );
    }
}
