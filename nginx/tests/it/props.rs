//! Properties: smooth weighted round robin is exactly fair per cycle, ip_hash is stable, and no input makes
//! the parser or the proxy panic.

use crate::util::{get, pick_ok, proxy};
use nginx::proxy::{AttemptResult, Decision};
use proptest::prelude::*;

fn upstream_text(weights: &[u32], method: &str) -> String {
    let servers: String = weights
        .iter()
        .enumerate()
        .map(|(i, w)| format!("server 192.0.2.{} weight={w};", i + 1))
        .collect();
    format!("upstream u {{ {method} {servers} }}")
}

proptest! {
    #[test]
    fn smooth_wrr_gives_each_server_exactly_its_weight_per_cycle(weights in proptest::collection::vec(1u32..8, 1..6), cycles in 1usize..4) {
        let mut p = proxy(&upstream_text(&weights, ""));
        let total: u32 = weights.iter().sum();
        let mut counts = vec![0u32; weights.len()];
        for _ in 0..(total as usize * cycles) {
            counts[pick_ok(&mut p, 0, get("192.0.2.50:1"))] += 1;
        }
        let want: Vec<u32> = weights.iter().map(|w| w * cycles as u32).collect();
        prop_assert_eq!(counts, want);
    }

    #[test]
    fn smooth_wrr_never_picks_a_server_more_than_its_share_plus_one_in_any_prefix(weights in proptest::collection::vec(1u32..8, 2..6)) {
        let mut p = proxy(&upstream_text(&weights, ""));
        let total: u32 = weights.iter().sum();
        let mut counts = vec![0f64; weights.len()];
        for n in 1..=total {
            counts[pick_ok(&mut p, 0, get("192.0.2.50:1"))] += 1.0;
            for (i, w) in weights.iter().enumerate() {
                let share = f64::from(*w) * f64::from(n) / f64::from(total);
                prop_assert!(counts[i] <= share + 1.0, "server {} picked {} times after {} picks (share {})", i, counts[i], n, share);
            }
        }
    }

    #[test]
    fn least_conn_without_concurrency_is_weighted_round_robin(weights in proptest::collection::vec(1u32..6, 2..5)) {
        let mut p = proxy(&upstream_text(&weights, "least_conn;"));
        let total: u32 = weights.iter().sum();
        let mut counts = vec![0u32; weights.len()];
        for _ in 0..total {
            counts[pick_ok(&mut p, 0, get("192.0.2.50:1"))] += 1;
        }
        prop_assert_eq!(counts, weights);
    }

    #[test]
    fn ip_hash_sends_a_client_to_the_same_server_every_time(a in 1u8..255, b in 0u8..255, c in 0u8..255, d in 1u8..255, n in 2usize..6) {
        let mut p = proxy(&upstream_text(&vec![1; n], "ip_hash;"));
        let client = format!("{a}.{b}.{c}.{d}:1234");
        let first = pick_ok(&mut p, 0, get(&client));
        for _ in 0..5 {
            prop_assert_eq!(pick_ok(&mut p, 0, get(&client)), first);
        }
        // Another host of the same /24 lands on the same server too.
        let other = format!("{a}.{b}.{c}.{}:1234", d.wrapping_add(1).max(1));
        prop_assert_eq!(pick_ok(&mut p, 0, get(&other)), first);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = nginx::parse("fuzz.conf", &text);
    }

    #[test]
    fn parser_never_panics_on_mutated_seed(cut in 0usize..400, insert in "[ {};#\"'$a-z0-9=.:\\\\\n]{0,6}") {
        let seed = crate::util::seed_text();
        let mut cut = cut.min(seed.len());
        while !seed.is_char_boundary(cut) {
            cut -= 1;
        }
        let text = format!("{}{}{}", &seed[..cut], insert, &seed[cut..]);
        if let Err(e) = nginx::parse("seed.conf", &text) {
            prop_assert!(e.line >= 1 && e.col >= 1);
        }
    }

    #[test]
    fn proxy_never_panics_and_makes_at_most_tries_attempts(
        weights in proptest::collection::vec(1u32..4, 1..5),
        method in prop_oneof![Just(""), Just("ip_hash;"), Just("least_conn;"), Just("hash $request_uri;"), Just("hash $remote_addr consistent;")],
        outcomes in proptest::collection::vec(0u8..6, 1..40),
    ) {
        let mut p = proxy(&upstream_text(&weights, method));
        let mut k = 0;
        for (i, step) in outcomes.chunks(4).enumerate() {
            let now = i as u64 * 700;
            let (mut req, mut d) = p.start(now, get(&format!("192.0.2.{}:{}", 1 + i % 200, 1000 + i)));
            let mut attempts = 0;
            while let Decision::Connect(_) = d {
                attempts += 1;
                prop_assert!(attempts <= weights.len());
                let r = match step.get(k % step.len()).copied().unwrap_or(0) {
                    0 => AttemptResult::Status(200),
                    1 => AttemptResult::Error { sent: false },
                    2 => AttemptResult::Timeout { sent: true },
                    3 => AttemptResult::Status(502),
                    4 => AttemptResult::InvalidHeader,
                    _ => AttemptResult::Status(404),
                };
                k += 1;
                d = p.finish(&mut req, now, r);
            }
        }
        // Every attempt was released.
        for (_, peer) in p.upstream.peers() {
            prop_assert_eq!(peer.conns, 0);
        }
    }
}
