//! Pushes from one device, applied in the order of their ops.
//!
//! A device keeps a second push on its way while HQ writes the first (see the sync engine), so
//! two pushes from one device can be in this process at once, and the second may reach the
//! database first. It would then be answered "gap" and sent again: correct, only slower. So a
//! push waits here, before it takes the database, while a push of earlier ops from the same
//! device is still in this process, or while the ops before its own have not yet arrived from
//! the push before. It waits at most [`MAX_WAIT`]; then it goes ahead and the push's own gap
//! detection decides, as it always does (and as it does across several HQ processes, which this
//! does not order).

use beatbook_domain::DeviceId;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

pub const MAX_WAIT: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Device {
    /// First device_seq of each push in this process, with how many are in at that seq.
    in_flight: BTreeMap<u64, u32>,
    /// The next device_seq HQ expected after the last push that finished here.
    next_seq: Option<u64>,
}

#[derive(Default)]
pub struct PushOrder {
    devices: Mutex<HashMap<DeviceId, Device>>,
    changed: Notify,
}

/// A push's place in the order; leaving it lets the next push of the device go.
pub struct Turn<'a> {
    order: &'a PushOrder,
    device: DeviceId,
    first: u64,
    next_seq: Option<u64>,
}

impl PushOrder {
    /// Wait until a push whose ops start at `first` is next for `device` (or [`MAX_WAIT`]).
    /// `stored_next` is what the database said HQ expects from the device when the request
    /// came in: it orders a device's first pushes since this process started.
    pub async fn turn(&self, device: DeviceId, first: u64, stored_next: u64) -> Turn<'_> {
        self.with(device, |d| {
            *d.in_flight.entry(first).or_default() += 1;
            d.next_seq = Some(d.next_seq.map_or(stored_next, |n| n.max(stored_next)));
        });
        let deadline = tokio::time::Instant::now() + MAX_WAIT;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let ready = self.with(device, |d| {
                let earlier = d.in_flight.range(..first).next().is_some();
                let behind = d.next_seq.is_some_and(|n| first > n);
                !earlier && !behind
            });
            if ready {
                break;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                tracing::debug!(%device, first, "push went ahead without the one before it");
                break;
            }
        }
        Turn {
            order: self,
            device,
            first,
            next_seq: None,
        }
    }

    fn with<T>(&self, device: DeviceId, f: impl FnOnce(&mut Device) -> T) -> T {
        let mut devices = self
            .devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(devices.entry(device).or_default())
    }
}

impl Turn<'_> {
    /// The push finished and HQ now expects `next_seq` from the device.
    pub fn finished(&mut self, next_seq: u64) {
        self.next_seq = Some(next_seq);
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let (first, next_seq) = (self.first, self.next_seq);
        let mut devices = self
            .order
            .devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(d) = devices.get_mut(&self.device) {
            if let Some(n) = d.in_flight.get_mut(&first) {
                *n -= 1;
                if *n == 0 {
                    d.in_flight.remove(&first);
                }
            }
            match next_seq {
                Some(n) => d.next_seq = Some(n),
                // Failed: what HQ expects is not known here any more.
                None => d.next_seq = None,
            }
            if d.in_flight.is_empty() && d.next_seq.is_none() {
                devices.remove(&self.device);
            }
        }
        drop(devices);
        self.order.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn device() -> DeviceId {
        DeviceId(uuid::Uuid::from_u128(1))
    }

    #[tokio::test]
    async fn a_later_push_waits_for_the_earlier_one_in_this_process() {
        let order = Arc::new(PushOrder::default());
        let mut first = order.turn(device(), 1, 1).await;
        let log = Arc::new(Mutex::new(Vec::new()));
        let (o, l) = (order.clone(), log.clone());
        let second = tokio::spawn(async move {
            let mut t = o.turn(device(), 2001, 1).await;
            l.lock().unwrap().push("second");
            t.finished(4001);
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        log.lock().unwrap().push("first");
        first.finished(2001);
        drop(first);
        second.await.unwrap();
        assert_eq!(*log.lock().unwrap(), vec!["first", "second"]);
    }

    #[tokio::test]
    async fn a_push_waits_for_the_ops_before_it_to_arrive() {
        let order = Arc::new(PushOrder::default());
        let mut t = order.turn(device(), 1, 1).await;
        t.finished(2001);
        drop(t);
        let o = order.clone();
        // Ops from 4001 while HQ expects 2001: the push of 2001.. is still on its way.
        let late = tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            drop(o.turn(device(), 4001, 2001).await);
            started.elapsed()
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut middle = order.turn(device(), 2001, 2001).await;
        middle.finished(4001);
        drop(middle);
        let waited = late.await.unwrap();
        assert!(waited >= Duration::from_millis(50), "{waited:?}");
        assert!(waited < MAX_WAIT);
    }

    #[tokio::test]
    async fn the_second_push_waits_even_when_it_arrives_before_the_first() {
        // HQ has just started: nothing in memory, the database expects op 1.
        let order = Arc::new(PushOrder::default());
        let log = Arc::new(Mutex::new(Vec::new()));
        let (o, l) = (order.clone(), log.clone());
        let second = tokio::spawn(async move {
            let mut t = o.turn(device(), 2001, 1).await;
            l.lock().unwrap().push("second");
            t.finished(4001);
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut first = order.turn(device(), 1, 1).await;
        log.lock().unwrap().push("first");
        first.finished(2001);
        drop(first);
        second.await.unwrap();
        assert_eq!(*log.lock().unwrap(), vec!["first", "second"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_push_goes_ahead_when_the_one_before_never_comes() {
        let order = PushOrder::default();
        let mut t = order.turn(device(), 1, 1).await;
        t.finished(2001);
        drop(t);
        let started = tokio::time::Instant::now();
        drop(order.turn(device(), 4001, 2001).await);
        assert!(started.elapsed() >= MAX_WAIT);
        // A retry of earlier ops never waits.
        let started = tokio::time::Instant::now();
        drop(order.turn(device(), 1, 1).await);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
