//! Logging to stderr with a UTC timestamp and a level, filtered by `--log-level`. Every state
//! change is logged at `info` (see [`crate::daemon`]); adverts and discards at `debug`.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Log levels, most severe first.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Level {
    /// Failures.
    Error = 0,
    /// Things that are wrong but survivable.
    Warn = 1,
    /// State changes, VIP changes, start and stop.
    Info = 2,
    /// Every advert sent or discarded.
    Debug = 3,
}

static MAX: AtomicU8 = AtomicU8::new(Level::Info as u8);

/// Sets the most verbose level that is printed.
pub fn set_level(l: Level) {
    MAX.store(l as u8, Ordering::Relaxed);
}

/// Would a message at `l` be printed?
pub fn enabled(l: Level) -> bool {
    l as u8 <= MAX.load(Ordering::Relaxed)
}

/// Prints `msg` at `l`.
pub fn log(l: Level, msg: &str) {
    if !enabled(l) {
        return;
    }
    let name = match l {
        Level::Error => "ERROR",
        Level::Warn => "WARN ",
        Level::Info => "INFO ",
        Level::Debug => "DEBUG",
    };
    eprintln!("{} vrrpd[{}] {name} {msg}", timestamp(), std::process::id());
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of the wall clock.
fn timestamp() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_millis()
    )
}
