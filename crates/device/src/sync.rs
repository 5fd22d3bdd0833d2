//! Sync with HQ through the session: one sync at a time (the gate), the background loop, the
//! status the badge shows, "Sync now", and the end-of-shift sync that says what is left and why.
//!
//! The status and the outcome are facts (state, counts, last success, error code and message,
//! progress); the UI puts them into words.

use std::sync::Arc;
use std::time::Duration;

use beatbook_domain::tablet::{SyncOutcome, SyncProgress, SyncState, SyncView};
use beatbook_sync::{wait_after, Progress, SyncError, SyncReport, SyncStatus};

use crate::session::{Session, SyncLive};
use crate::DeviceError;

/// How many more syncs end of shift runs while changes keep arriving.
const END_OF_SHIFT_RETRIES: usize = 3;

fn progress_view(p: &Progress) -> SyncProgress {
    match *p {
        Progress::Pushing { sent, total } => SyncProgress::Pushing { sent, total },
        Progress::Pulling { received } => SyncProgress::Pulling { received },
        Progress::Photos { uploaded, total } => SyncProgress::Photos { uploaded, total },
    }
}

/// Where sync stands, from the engine's status and the live facts: the badge's state machine.
pub(crate) fn state_of(status: &SyncStatus, live: &SyncLive) -> SyncState {
    if !status.signed_in {
        SyncState::NotSignedIn
    } else if live.syncing {
        SyncState::Syncing
    } else if status.rejected > 0 {
        SyncState::Error
    } else if live.last_error_code.as_deref() == Some("offline") {
        SyncState::Offline
    } else if live.last_error_code.as_deref() == Some("hq_unreachable") {
        // The network is up: say HQ cannot be reached, never "no signal".
        SyncState::HqUnreachable
    } else if live.last_error_code.is_some() && status.last_error.is_some() {
        SyncState::Error
    } else if status.pending > 0 || status.pending_photos > 0 {
        // Never "all uploaded" while a photo is only on this device.
        SyncState::Waiting
    } else {
        SyncState::AllUploaded
    }
}

/// Whether every change made on this device is on HQ after a sync.
fn is_complete(error: bool, pending: u64, refused: usize, photos: u64) -> bool {
    !error && pending == 0 && refused == 0 && photos == 0
}

impl Session {
    /// One sync, taking turns with any other; `on_progress` hears each batch.
    pub async fn sync(
        &self,
        on_progress: &(dyn Fn(SyncProgress) + Send + Sync),
    ) -> Result<SyncReport, SyncError> {
        let _turn = self.sync_gate.lock().await;
        {
            let mut live = self.live();
            live.syncing = true;
            live.progress = None;
        }
        let report = self
            .engine()
            .sync_once(&|p| {
                let view = progress_view(&p);
                self.live().progress = Some(view.clone());
                on_progress(view);
            })
            .await;
        let mut live = self.live();
        live.syncing = false;
        live.progress = None;
        live.last_error_code = report.as_ref().err().map(|e| e.code().to_owned());
        report
    }

    /// Sync in the background every `interval` until [`Session::close`]; sooner after a save
    /// ([`Session::saved`]); with backoff and jitter while HQ cannot be reached. Needs a Tokio
    /// runtime.
    pub fn spawn_background(self: &Arc<Self>, interval: Duration) {
        let session = self.clone();
        let mut stop = self.stop.subscribe();
        tokio::spawn(async move {
            let mut attempt: u32 = 0;
            while !*stop.borrow() {
                let result = session.sync(&|_| {}).await;
                let Some(wait) = wait_after(&result, &mut attempt, interval) else {
                    return;
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = session.wake.notified() => {}
                    _ = stop.changed() => {}
                }
            }
        });
    }

    /// What the sync badge shows. Cheap: the UI polls it.
    pub async fn sync_view(&self) -> Result<SyncView, DeviceError> {
        let status = self.engine().status().await?;
        let live = self.live().clone();
        Ok(SyncView {
            state: state_of(&status, &live),
            pending: status.pending,
            rejected: status.rejected,
            pending_photos: status.pending_photos,
            last_success: status.last_success,
            last_error: status.last_error,
            last_error_code: live.last_error_code,
            progress: live.progress,
            hq_url: status.hq_url,
            clock_ahead_ms: status.clock_ahead_ms,
        })
    }

    /// Sync now: push what is waiting, pull what is new. A failed sync is an answer (what is left
    /// and why), not an error; only a revoked device is an error.
    pub async fn sync_now(
        &self,
        on_progress: &(dyn Fn(SyncProgress) + Send + Sync),
    ) -> Result<SyncOutcome, DeviceError> {
        let result = self.sync(on_progress).await;
        self.outcome(result).await
    }

    /// End of shift: sync until nothing is waiting (changes made meanwhile go too), then say
    /// whether every record is on HQ, or what is left and why.
    pub async fn end_of_shift(
        &self,
        on_progress: &(dyn Fn(SyncProgress) + Send + Sync),
    ) -> Result<SyncOutcome, DeviceError> {
        let mut result = self.sync(on_progress).await;
        for _ in 0..END_OF_SHIFT_RETRIES {
            let pending = self.with_store(|s| s.pending_count()).await?;
            if result.is_err() || pending == 0 {
                break;
            }
            result = self.sync(on_progress).await;
        }
        self.outcome(result).await
    }

    async fn outcome(
        &self,
        result: Result<SyncReport, SyncError>,
    ) -> Result<SyncOutcome, DeviceError> {
        let refused = self.with_store(|s| s.refused_changes()).await?;
        let pending = self.with_store(|s| s.pending_count()).await?;
        let (report, error) = match result {
            Ok(r) => (r, None),
            Err(SyncError::Revoked) => return Err(SyncError::Revoked.into()),
            Err(e) => (SyncReport::default(), Some(DeviceError::from(e))),
        };
        let pending_photos = self.with_store(|s| s.pending_photo_count()).await?;
        Ok(SyncOutcome {
            pushed: report.pushed,
            acked: report.acked,
            pulled: report.pulled,
            pending,
            complete: is_complete(error.is_some(), pending, refused.len(), pending_photos),
            refused,
            pending_photos,
            photo_error: report.photos.error,
            error_code: error.as_ref().map(DeviceError::code),
            error_message: error.as_ref().map(DeviceError::message),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_in() -> SyncStatus {
        SyncStatus {
            enrolled: true,
            signed_in: true,
            ..SyncStatus::default()
        }
    }

    fn failed(code: &str) -> SyncLive {
        SyncLive {
            last_error_code: Some(code.into()),
            ..SyncLive::default()
        }
    }

    #[test]
    fn the_badge_state_follows_the_facts_in_order() {
        let idle = SyncLive::default();
        let syncing = SyncLive {
            syncing: true,
            ..SyncLive::default()
        };
        let s = SyncStatus {
            signed_in: false,
            pending: 3,
            ..signed_in()
        };
        assert_eq!(state_of(&s, &syncing), SyncState::NotSignedIn);

        let s = SyncStatus {
            rejected: 1,
            ..signed_in()
        };
        assert_eq!(state_of(&s, &syncing), SyncState::Syncing);
        assert_eq!(
            state_of(&s, &failed("offline")),
            SyncState::Error,
            "refused changes outrank no signal"
        );

        let s = SyncStatus {
            pending: 2,
            last_error: Some("no connection to HQ".into()),
            ..signed_in()
        };
        assert_eq!(state_of(&s, &failed("offline")), SyncState::Offline);
        assert_eq!(
            state_of(&s, &failed("hq_unreachable")),
            SyncState::HqUnreachable,
            "network up, HQ down: not no signal"
        );
        assert_eq!(state_of(&s, &failed("sign_in_needed")), SyncState::Error);
        assert_eq!(state_of(&s, &idle), SyncState::Waiting);

        let s = SyncStatus {
            pending: 2,
            ..signed_in()
        };
        assert_eq!(
            state_of(&s, &failed("protocol")),
            SyncState::Waiting,
            "an error code with no error kept is not an error"
        );

        let s = SyncStatus {
            pending_photos: 1,
            ..signed_in()
        };
        assert_eq!(state_of(&s, &idle), SyncState::Waiting);
        assert_eq!(state_of(&signed_in(), &idle), SyncState::AllUploaded);
    }

    #[tokio::test]
    async fn syncs_take_turns_through_the_gate() {
        use beatbook_store::{InitSettings, KdfSettings, Store, UNENROLLED};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::init(
            dir.path(),
            "246810",
            InitSettings {
                officer: UNENROLLED.into(),
                kdf: KdfSettings::INSECURE_FAST,
                areas: vec![],
            },
        )
        .unwrap();
        let session = Session::new(store);
        let turn = session.sync_gate.lock().await;
        let waiting = tokio::spawn({
            let session = session.clone();
            async move { session.sync(&|_| {}).await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "a sync waits for the one running");
        assert!(!session.live().syncing);
        drop(turn);
        let result = waiting.await.unwrap();
        assert!(result.is_err(), "not enrolled: {result:?}");
        let live = session.live().clone();
        assert!(!live.syncing && live.last_error_code.is_some(), "{live:?}");
    }

    #[test]
    fn complete_means_nothing_left_at_all() {
        assert!(is_complete(false, 0, 0, 0));
        assert!(!is_complete(true, 0, 0, 0));
        assert!(!is_complete(false, 1, 0, 0));
        assert!(!is_complete(false, 0, 1, 0));
        assert!(!is_complete(false, 0, 0, 1));
    }
}
