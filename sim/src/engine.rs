//! The discrete-event core: an event queue ordered by (time, insertion sequence) and a bounded driver.
//!
//! Only this module knows how events are ordered. Two events at the same nanosecond run in the order they were
//! scheduled, which makes every run reproducible. The driver refuses to spin: if the clock stops advancing for
//! too many events in a row it reports a livelock instead of hanging.

use crate::time::Instant;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    at: Instant,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so the earliest (time, seq) pops first.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A queue of future events. Popping returns the earliest; ties pop in insertion order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: Instant,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: Instant::ZERO,
        }
    }

    /// The time of the event popped last.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Schedules `event` at `at`. An event in the past is clamped to now: time never runs backwards.
    pub fn schedule(&mut self, at: Instant, event: E) {
        let at = at.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, event });
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.at)
    }

    /// Removes the next event if it is due at or before `until`, advancing the clock to it.
    pub fn pop_until(&mut self, until: Instant) -> Option<(Instant, E)> {
        if self.heap.peek()?.at > until {
            return None;
        }
        let e = self.heap.pop()?;
        self.now = e.at;
        Some((e.at, e.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// The run made no progress in virtual time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("livelock at t={at_ns} ns: {events} events ran without the clock advancing")]
pub struct Livelock {
    /// When the clock stopped.
    pub at_ns: u64,
    /// How many events ran at that instant before the driver gave up.
    pub events: u64,
}

/// Counts events per instant and reports a livelock when one instant takes too many.
#[derive(Debug, Clone)]
pub struct LivelockGuard {
    limit: u64,
    at: Instant,
    count: u64,
}

impl LivelockGuard {
    /// A guard allowing at most `limit` events at one instant.
    pub fn new(limit: u64) -> Self {
        LivelockGuard {
            limit,
            at: Instant::ZERO,
            count: 0,
        }
    }

    /// Call once per event, with its time.
    pub fn step(&mut self, at: Instant) -> Result<(), Livelock> {
        if at != self.at {
            self.at = at;
            self.count = 0;
        }
        self.count += 1;
        if self.count > self.limit {
            return Err(Livelock {
                at_ns: at.as_nanos(),
                events: self.count,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    #[test]
    fn events_pop_by_time_then_insertion_order() {
        let mut q = EventQueue::new();
        let t = |ms| Instant::ZERO + Duration::from_millis(ms);
        q.schedule(t(5), "c");
        q.schedule(t(1), "a");
        q.schedule(t(5), "d");
        q.schedule(t(1), "b");
        q.schedule(t(9), "late");
        let mut out = vec![];
        while let Some((at, e)) = q.pop_until(t(6)) {
            out.push((at.as_nanos() / 1_000_000, e));
        }
        assert_eq!(out, vec![(1, "a"), (1, "b"), (5, "c"), (5, "d")]);
        assert_eq!(q.len(), 1);
        assert_eq!(q.now(), t(5));
        // Scheduling in the past clamps to now.
        q.schedule(t(0), "past");
        assert_eq!(q.pop_until(t(100)), Some((t(5), "past")));
    }

    #[test]
    fn guard_reports_livelock_when_clock_stops() {
        let mut g = LivelockGuard::new(3);
        let t0 = Instant::ZERO;
        assert!(g.step(t0).is_ok());
        assert!(g.step(t0).is_ok());
        assert!(g.step(t0).is_ok());
        assert_eq!(
            g.step(t0),
            Err(Livelock {
                at_ns: 0,
                events: 4
            })
        );
        assert!(g.step(t0 + Duration::from_nanos(1)).is_ok());
    }
}
