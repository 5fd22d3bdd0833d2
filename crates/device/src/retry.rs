//! Trying a request to HQ again when it failed for a reason that may pass by itself (no signal, HQ
//! restarting, a server error, an answer cut off): a few tries, waiting longer each time with a
//! random part, so tablets that lost HQ together do not all come back at the same instant.
//! Anything a person must act on (a wrong password, a refused code, a revoked device) is
//! answered at once.

use beatbook_sync::SyncError;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How many tries, and the waits between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included (at least 1).
    pub tries: u32,
    /// The longest wait before the second try; each later wait may be twice the one before.
    pub first_wait: Duration,
    /// No wait is longer than this.
    pub max_wait: Duration,
}

impl Retry {
    /// For a command a person is waiting on (`beatbook device sync`, enrolment): 5 tries within
    /// about half a minute at most.
    pub const COMMAND: Retry = Retry {
        tries: 5,
        first_wait: Duration::from_millis(500),
        max_wait: Duration::from_secs(8),
    };

    /// The wait before try `next` (2, 3, ...): a random time up to the doubled ceiling, never
    /// less than a tenth of it ("full jitter" with a floor).
    pub fn wait_before(&self, next: u32) -> Duration {
        let doublings = next.saturating_sub(2).min(16);
        let ceiling = self
            .first_wait
            .saturating_mul(1u32 << doublings)
            .min(self.max_wait);
        let ceiling_ms = u64::try_from(ceiling.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let floor = ceiling_ms / 10;
        Duration::from_millis(floor + random() % (ceiling_ms - floor + 1))
    }
}

/// A random number, from the standard library's randomly keyed hasher (no RNG crate needed for
/// jitter).
fn random() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x5eed);
    h.finish()
}

/// Why a try failed, in a few words for a "trying again" line (the error's own words may say
/// that changes wait, which is untrue while enrolling).
pub fn reason(e: &SyncError) -> &'static str {
    match e {
        SyncError::Offline(_) => "no connection to HQ",
        SyncError::HqUnreachable(_) => "HQ is not answering",
        SyncError::Protocol(_) => "HQ's answer did not arrive whole",
        _ => "HQ refused",
    }
}

/// What [`transient`] did: the last answer and how many tries it took.
#[derive(Debug)]
pub struct Tried<T> {
    pub result: Result<T, SyncError>,
    pub tries: u32,
}

/// Run `attempt` until it succeeds, fails for a reason that will not pass by itself
/// ([`SyncError::is_transient`] false), or `retry.tries` are spent. `on_retry(next_try, error,
/// wait)` is told before each wait.
pub async fn transient<T, F, Fut>(
    retry: Retry,
    mut attempt: F,
    on_retry: impl Fn(u32, &SyncError, Duration),
) -> Tried<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SyncError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        let result = attempt().await;
        match &result {
            Err(e) if e.is_transient() && tries < retry.tries.max(1) => {
                let wait = retry.wait_before(tries + 1);
                on_retry(tries + 1, e, wait);
                tokio::time::sleep(wait).await;
            }
            _ => return Tried { result, tries },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const FAST: Retry = Retry {
        tries: 5,
        first_wait: Duration::from_millis(1),
        max_wait: Duration::from_millis(4),
    };

    #[test]
    fn waits_grow_with_a_random_part_and_a_cap() {
        let r = Retry::COMMAND;
        for _ in 0..100 {
            let w2 = r.wait_before(2);
            assert!(w2 >= Duration::from_millis(50) && w2 <= Duration::from_millis(500));
            let w5 = r.wait_before(5);
            assert!(w5 >= Duration::from_millis(400) && w5 <= Duration::from_secs(4));
            assert!(r.wait_before(30) <= Duration::from_secs(8));
        }
        let waits: std::collections::BTreeSet<_> = (0..50).map(|_| r.wait_before(3)).collect();
        assert!(waits.len() > 1, "jitter: the waits differ");
    }

    #[tokio::test]
    async fn transient_failures_are_tried_again_up_to_the_limit() {
        let calls = AtomicU32::new(0);
        let tried = transient(
            FAST,
            || async {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                if n < 3 {
                    Err(SyncError::HqUnreachable("HTTP 503".into()))
                } else {
                    Ok(n)
                }
            },
            |_, _, _| {},
        )
        .await;
        assert_eq!(tried.result.unwrap(), 3);
        assert_eq!(tried.tries, 3);

        let tried: Tried<()> = transient(
            FAST,
            || async { Err(SyncError::Offline("no route".into())) },
            |_, _, _| {},
        )
        .await;
        assert!(tried.result.is_err());
        assert_eq!(tried.tries, 5);
    }

    #[tokio::test]
    async fn what_a_person_must_act_on_is_not_tried_again() {
        let tried: Tried<()> = transient(
            FAST,
            || async { Err(SyncError::Refused("the code is used".into())) },
            |_, _, _| panic!("no retry"),
        )
        .await;
        assert_eq!(tried.tries, 1);
    }
}
