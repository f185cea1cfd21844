//! Side by side: the same crash-failover and graceful-stop experiment, repeated, with
//! keepalived or vrrpd as master and keepalived or vrrpd as the backup that takes over. Prints
//! the gap distribution (from the tcpdump captures, through the conformance timeline) next to
//! the simulator's prediction for the same lab, and how many runs agree with it within 5 ms.
//!
//! Slow, so gated: it runs only when `VRRPD_SIDE_BY_SIDE=N` is set (N runs per pairing); use
//! `vrrpd/scripts/side-by-side.sh` (see docs/interop.md). Needs what the interop tests need.
//! Runs are not asserted one by one (the table is the result), but every capture must still
//! check clean and every run must fail over, as in the interop tests.

use crate::interop::{run_pair, Imp, Pair, AGREEMENT_MS};
use crate::lab::gate;

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    // Nearest-rank percentile.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn row(label: &str, what: &str, mut v: Vec<f64>, predicted: f64) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    let agree = v
        .iter()
        .filter(|g| (*g - predicted).abs() <= AGREEMENT_MS)
        .count();
    format!(
        "| {label} | {what} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {predicted:.1} | {agree}/{} |",
        v.len(),
        pct(&v, 50.0),
        pct(&v, 99.0),
        v.first().copied().unwrap_or(f64::NAN),
        v.last().copied().unwrap_or(f64::NAN),
        v.len(),
    )
}

#[test]
fn side_by_side_failover_gaps() {
    let Some(n) = std::env::var("VRRPD_SIDE_BY_SIDE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
    else {
        return;
    };
    if !gate(&["ip", "keepalived", "tcpdump", "chrt"]) {
        return;
    }
    let pairings = [
        ("keepalived → keepalived", Imp::Keepalived, Imp::Keepalived),
        ("keepalived → vrrpd", Imp::Keepalived, Imp::Vrrpd),
        ("vrrpd → keepalived", Imp::Vrrpd, Imp::Keepalived),
    ];
    let mut lines = vec![
        "| master → backup | experiment | N | median ms | p99 ms | min ms | max ms | simulator ms | within 5 ms |".to_string(),
        "|---|---|---|---|---|---|---|---|---|".to_string(),
    ];
    for (label, high, low) in pairings {
        let p = Pair {
            version: 2,
            ipv6: false,
            advert_int: "1",
            high,
            low,
        };
        let mut crash = Vec::new();
        let mut graceful = Vec::new();
        let mut predicted = None;
        for i in 0..n {
            // One graceful stop per run: the table shows single gaps, not medians.
            let m = run_pair(&format!("sbs-{i}"), p, 1);
            eprintln!(
                "side-by-side {label} run {}/{n}: crash {:.2} ms, graceful {:.2} ms",
                i + 1,
                m.crash_gap_ms,
                m.graceful_gap_ms
            );
            crash.push(m.crash_gap_ms);
            graceful.push(m.graceful_gap_ms);
            predicted = Some(m.predicted);
        }
        let Some(predicted) = predicted else { return };
        lines.push(row(label, "crash (kill -9)", crash, predicted.crash_gap_ms));
        lines.push(row(
            label,
            "graceful (SIGTERM)",
            graceful,
            predicted.graceful_gap_ms,
        ));
    }
    println!(
        "\nSIDE-BY-SIDE VRRPv2, advert_int 1, priorities 200/100, {n} runs each\n{}\n",
        lines.join("\n")
    );
}
