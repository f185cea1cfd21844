//! Seeded randomness: one ChaCha generator per component, split from the run's seed in a fixed way.
//!
//! A component (a link direction, a host's TCP stack, a client) gets its own stream, so adding traffic on one
//! link never changes the random draws of another. Nothing else in a run is random.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// Which kind of component a stream belongs to; part of the stream id so kinds never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stream {
    /// The host-to-switch direction of a link (index = port).
    LinkEgress,
    /// The switch-to-host direction of a link (index = port).
    LinkIngress,
    /// A host's TCP/IP stack (index = node).
    Stack,
    /// A client application (index = node).
    Client,
    /// A VRRP router host (index = node).
    Router,
    /// An LVS director on a router host (index = node).
    Lvs,
}

/// The generator of one component.
#[derive(Clone, Debug)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl SimRng {
    /// The stream for component `index` of `kind`, under the run's `seed`.
    pub fn split(seed: u64, kind: Stream, index: u32) -> SimRng {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(((kind as u64) << 32) | u64::from(index));
        SimRng { inner }
    }

    /// A uniformly random u64.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// True with probability `p` (clamped to 0..=1). Draws nothing when `p` is 0, so a fault-free link does not
    /// consume randomness.
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        // 53 random bits give a uniform float in [0, 1).
        let x = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        x < p
    }

    /// Uniform in `0..=max`. Draws nothing when `max` is 0.
    pub fn upto(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        if max == u64::MAX {
            return self.next_u64();
        }
        // Modulo bias is below 2^-40 for the nanosecond ranges used here; acceptable for jitter.
        self.next_u64() % (max + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = SimRng::split(7, Stream::LinkEgress, 1);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = SimRng::split(7, Stream::LinkEgress, 1);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut r = SimRng::split(7, Stream::LinkEgress, 2);
                move |_| r.next_u64()
            })
            .collect();
        let d: Vec<u64> = (0..4)
            .map({
                let mut r = SimRng::split(8, Stream::LinkEgress, 1);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn zero_probability_draws_nothing() {
        let mut r = SimRng::split(1, Stream::Client, 0);
        let mut fresh = r.clone();
        assert!(!r.chance(0.0));
        assert_eq!(r.upto(0), 0);
        assert_eq!(r.next_u64(), fresh.next_u64());
    }
}
