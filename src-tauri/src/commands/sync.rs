//! Sync with HQ: "Sync now" with progress, the status the badge shows, the end-of-shift sync
//! that says what is left and why, and the background loop that runs while the app is unlocked.

use std::sync::Arc;
use std::time::Duration;

use beatbook_domain::tablet::{SyncOutcome, SyncProgress, SyncState, SyncView};
use beatbook_sync::{wait_after, Progress, SyncError, SyncReport};
use tauri::ipc::Channel;
use tauri::State;

use super::{CommandError, ErrorCode};
use crate::state::Unlocked;
use crate::AppState;

fn progress_view(p: &Progress) -> SyncProgress {
    match *p {
        Progress::Pushing { sent, total } => SyncProgress::Pushing { sent, total },
        Progress::Pulling { received } => SyncProgress::Pulling { received },
        Progress::Photos { uploaded, total } => SyncProgress::Photos { uploaded, total },
    }
}

/// One sync, taking turns with any other; `on_progress` hears each batch.
pub(crate) async fn sync_with(
    u: &Unlocked,
    on_progress: impl Fn(SyncProgress) + Send + Sync,
) -> Result<SyncReport, SyncError> {
    let _turn = u.sync_gate.lock().await;
    {
        let mut live = u.live();
        live.syncing = true;
        live.progress = None;
    }
    let report = u
        .engine
        .sync_once(&|p| {
            let view = progress_view(&p);
            u.live().progress = Some(view.clone());
            on_progress(view);
        })
        .await;
    let mut live = u.live();
    live.syncing = false;
    live.progress = None;
    live.last_error_code = report.as_ref().err().map(|e| e.code().to_owned());
    report
}

/// Sync in the background every `interval` while unlocked; sooner after a save (`wake`); with
/// backoff and jitter while HQ cannot be reached. Stops when the app locks.
pub(crate) fn spawn_background(u: Arc<Unlocked>, interval: Duration) {
    let mut stop = u.stop.subscribe();
    tauri::async_runtime::spawn(async move {
        let mut attempt: u32 = 0;
        while !*stop.borrow() {
            let result = sync_with(&u, |_| {}).await;
            let Some(wait) = wait_after(&result, &mut attempt, interval) else {
                return;
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = u.wake.notified() => {}
                _ = stop.changed() => {}
            }
        }
    });
}

/// "N changes" in words.
fn changes(n: u64) -> String {
    match n {
        1 => "1 change".to_owned(),
        n => format!("{n} changes"),
    }
}

/// The HH:MM part of an RFC 3339 time, for "last sync 14:32".
fn clock(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time)
        .map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
        .unwrap_or_else(|_| time.to_owned())
}

pub(crate) async fn view(u: &Unlocked) -> Result<SyncView, CommandError> {
    let status = u.engine.status().await?;
    let live = u.live().clone();
    let last = status
        .last_success
        .as_deref()
        .map(|t| format!(" Last sync {}.", clock(t)))
        .unwrap_or_default();
    let (state, words) = if !status.signed_in {
        (
            SyncState::NotSignedIn,
            "Not signed in to HQ: records stay on this device.".to_owned(),
        )
    } else if live.syncing {
        let words = match &live.progress {
            Some(SyncProgress::Pushing { sent, total }) => {
                format!("Syncing: sent {sent} of {total}.")
            }
            Some(SyncProgress::Pulling { received }) => format!("Syncing: received {received}."),
            Some(SyncProgress::Photos { uploaded, total }) => {
                format!("Syncing: sent {uploaded} of {total} photos.")
            }
            None => "Syncing with HQ…".to_owned(),
        };
        (SyncState::Syncing, words)
    } else if status.rejected > 0 {
        (
            SyncState::Error,
            format!(
                "HQ refused {}: see End of shift for why. They stay on this device.",
                changes(status.rejected)
            ),
        )
    } else if live.last_error_code.as_deref() == Some("offline") {
        (
            SyncState::Offline,
            if status.pending == 0 {
                format!("No signal. Nothing waiting.{last}")
            } else {
                format!(
                    "No signal: {} waiting; they will upload automatically.",
                    changes(status.pending)
                )
            },
        )
    } else if let (Some(_), Some(err)) = (&live.last_error_code, &status.last_error) {
        (
            SyncState::Error,
            format!("Sync failed: {err} {} waiting.", changes(status.pending)),
        )
    } else if status.pending > 0 {
        (
            SyncState::Waiting,
            format!("{} waiting to upload.{last}", changes(status.pending)),
        )
    } else if status.pending_photos > 0 {
        // Never "all uploaded" while a photo is only on this device.
        (
            SyncState::Waiting,
            format!(
                "Records on HQ; {} waiting to upload.{last}",
                match status.pending_photos {
                    1 => "1 photo".to_owned(),
                    n => format!("{n} photos"),
                }
            ),
        )
    } else {
        (SyncState::AllUploaded, format!("All uploaded.{last}"))
    };
    Ok(SyncView {
        state,
        pending: status.pending,
        rejected: status.rejected,
        pending_photos: status.pending_photos,
        last_success: status.last_success,
        last_error: status.last_error,
        last_error_code: live.last_error_code,
        progress: live.progress,
        hq_url: status.hq_url,
        words,
    })
}

/// What the sync badge shows. Cheap: the UI polls it. Polling is not activity (it must not hold
/// off auto-lock), and a locked app answers `locked`, so the UI shows the PIN pad.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncView, CommandError> {
    let u = state.unlocked().ok_or_else(CommandError::locked)?;
    view(&u).await
}

async fn outcome(
    u: &Unlocked,
    result: Result<SyncReport, SyncError>,
) -> Result<SyncOutcome, CommandError> {
    let refused = u.with_store(|s| s.refused_changes()).await?;
    let pending = u.with_store(|s| s.pending_count()).await?;
    let (report, error) = match result {
        Ok(r) => (r, None),
        Err(SyncError::Revoked) => return Err(SyncError::Revoked.into()),
        Err(e) => (SyncReport::default(), Some(CommandError::from(e))),
    };
    let photos = u.with_store(|s| s.pending_photo_count()).await?;
    let complete = error.is_none() && pending == 0 && refused.is_empty() && photos == 0;
    let words = match (&error, pending, refused.len()) {
        (None, 0, 0) if photos > 0 => format!(
            "Every record is on HQ, but {} not yet{}. They stay on this device: sync again before signing off.",
            match photos {
                1 => "1 photo is".to_owned(),
                n => format!("{n} photos are"),
            },
            report
                .photos
                .error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ),
        (None, 0, 0) => "Every record is on HQ. You can sign off.".to_owned(),
        (Some(e), p, _) if p > 0 && e.code == ErrorCode::Offline => format!(
            "No signal: {} not on HQ yet. They stay on this device and upload as soon as HQ can be reached.",
            changes(p)
        ),
        (Some(e), p, _) if p > 0 => format!(
            "{} not on HQ yet. {} They stay on this device.",
            changes(p),
            e.message
        ),
        (Some(e), _, 0) => format!(
            "Nothing waiting, but the sync did not finish: {}",
            e.message
        ),
        (_, p, r) if r > 0 => format!(
            "HQ refused {}{}. They stay on this device: tell your supervisor.",
            changes(r as u64),
            if p > 0 {
                format!(" and {} still wait", changes(p))
            } else {
                String::new()
            }
        ),
        (_, p, _) => format!("{} still waiting: sync again.", changes(p)),
    };
    Ok(SyncOutcome {
        pushed: report.pushed,
        acked: report.acked,
        pulled: report.pulled,
        pending,
        complete,
        refused,
        error_code: error.map(|e| {
            serde_json::to_value(e.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }),
        words,
    })
}

/// Sync now: push what is waiting, pull what is new. Progress goes to `on_progress`; a failed
/// sync is an answer (what is left and why), not an error.
#[tauri::command]
pub async fn sync_now(
    state: State<'_, AppState>,
    on_progress: Channel<SyncProgress>,
) -> Result<SyncOutcome, CommandError> {
    let u = state.require_unlocked()?;
    let result = sync_with(&u, |p| {
        let _ = on_progress.send(p);
    })
    .await;
    outcome(&u, result).await
}

/// End of shift: sync until nothing is waiting (changes made meanwhile go too), then say
/// plainly whether every record is on HQ, or what is left and why.
#[tauri::command]
pub async fn end_of_shift(
    state: State<'_, AppState>,
    on_progress: Channel<SyncProgress>,
) -> Result<SyncOutcome, CommandError> {
    let u = state.require_unlocked()?;
    let mut result = sync_with(&u, |p| {
        let _ = on_progress.send(p);
    })
    .await;
    for _ in 0..3 {
        let pending = u.with_store(|s| s.pending_count()).await?;
        if result.is_err() || pending == 0 {
            break;
        }
        result = sync_with(&u, |p| {
            let _ = on_progress.send(p);
        })
        .await;
    }
    outcome(&u, result).await
}
