//! Hybrid logical clock: wall-clock milliseconds plus a counter, so stamps are close to real time
//! (readable in the audit trail) yet never go backwards and respect causality across devices.

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// A stamp of the hybrid logical clock. Ordered by `(wall_ms, counter)`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS,
)]

pub struct Hlc {
    /// Milliseconds since the Unix epoch (physical part).
    #[ts(type = "number")]
    pub wall_ms: u64,
    /// Logical counter, for events within the same millisecond.
    pub counter: u32,
}

impl Hlc {
    pub const fn new(wall_ms: u64, counter: u32) -> Self {
        Self { wall_ms, counter }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:04}", self.wall_ms, self.counter)
    }
}

/// How far a remote stamp may run ahead of our wall clock before we refuse it. A device with a
/// badly wrong clock must not drag every other clock into the future.
pub const MAX_DRIFT_MS: u64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("clock stamp {remote} is more than 24 hours ahead of this device's clock ({now_ms})")]
pub struct ClockDriftError {
    pub remote: Hlc,
    pub now_ms: u64,
}

/// The clock itself: the last stamp issued or observed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    pub fn starting_at(last: Hlc) -> Self {
        Self { last }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new stamp for a local event, given the physical time now.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        self.last = if now_ms > self.last.wall_ms {
            Hlc::new(now_ms, 0)
        } else if self.last.counter == u32::MAX {
            // Never wrap: borrow the next millisecond instead.
            Hlc::new(self.last.wall_ms + 1, 0)
        } else {
            Hlc::new(self.last.wall_ms, self.last.counter + 1)
        };
        self.last
    }

    /// Move the clock forward to HQ's time (`wall_ms`), never back: a tablet whose clock is
    /// slow then stamps its changes after HQ's now; one whose clock is fast keeps every stamp it
    /// made (its own later changes must still sort after them).
    pub fn advance_to(&mut self, wall_ms: u64) {
        let hq = Hlc::new(wall_ms, 0);
        if hq > self.last {
            self.last = hq;
        }
    }

    /// Take in a stamp received from elsewhere so later local stamps sort after it.
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) -> Result<(), ClockDriftError> {
        if remote.wall_ms > now_ms.saturating_add(MAX_DRIFT_MS) {
            return Err(ClockDriftError { remote, now_ms });
        }
        if remote > self.last {
            self.last = remote;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_strictly_increasing_even_when_the_wall_clock_goes_back() {
        let mut c = HlcClock::default();
        let a = c.tick(1_000);
        let b = c.tick(1_000);
        let d = c.tick(900); // clock stepped backwards
        let e = c.tick(1_001);
        assert!(a < b && b < d && d < e, "{a} {b} {d} {e}");
        assert_eq!(d, Hlc::new(1_000, 2));
        assert_eq!(e, Hlc::new(1_001, 0));
    }

    #[test]
    fn observing_a_later_remote_stamp_moves_the_clock_past_it() {
        let mut c = HlcClock::default();
        c.tick(1_000);
        c.observe(Hlc::new(5_000, 7), 1_100).unwrap();
        assert_eq!(c.tick(1_200), Hlc::new(5_000, 8));
    }

    #[test]
    fn a_full_counter_moves_to_the_next_millisecond_instead_of_wrapping() {
        let mut c = HlcClock::starting_at(Hlc::new(1_000, u32::MAX));
        let next = c.tick(500);
        assert_eq!(next, Hlc::new(1_001, 0));
        assert!(next > Hlc::new(1_000, u32::MAX));
    }

    #[test]
    fn hqs_time_moves_the_clock_forward_and_never_back() {
        let mut c = HlcClock::default();
        c.tick(1_000);
        c.advance_to(9_000);
        assert_eq!(c.tick(1_001), Hlc::new(9_000, 1));
        c.advance_to(5_000);
        assert_eq!(c.last(), Hlc::new(9_000, 1));
        assert_eq!(c.tick(9_500), Hlc::new(9_500, 0));
    }

    #[test]
    fn a_stamp_far_in_the_future_is_refused() {
        let mut c = HlcClock::default();
        let err = c
            .observe(Hlc::new(1_000 + MAX_DRIFT_MS + 1, 0), 1_000)
            .unwrap_err();
        assert_eq!(err.now_ms, 1_000);
        assert_eq!(c.last(), Hlc::default());
    }
}
