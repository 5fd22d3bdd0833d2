//! Sync with HQ: "Sync now" with progress, the status the badge shows, and the end-of-shift sync
//! that says what is left and why. The background loop runs in the session while unlocked.

use beatbook_domain::tablet::{SyncOutcome, SyncProgress, SyncView};
use tauri::ipc::Channel;
use tauri::State;

use super::CommandError;
use crate::AppState;

/// What the sync badge shows, as facts (the UI words them). Cheap: the UI polls it. Polling is
/// not activity, and a locked app answers `locked`, so the UI shows the PIN pad.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncView, CommandError> {
    Ok(state.tablet().sync_view().await?)
}

/// Sync now: push what is waiting, pull what is new. Progress goes to `on_progress`; a failed
/// sync is an answer (what is left and why), not an error.
#[tauri::command]
pub async fn sync_now(
    state: State<'_, AppState>,
    on_progress: Channel<SyncProgress>,
) -> Result<SyncOutcome, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session
        .sync_now(&|p| {
            let _ = on_progress.send(p);
        })
        .await?)
}

/// End of shift: sync until nothing is waiting (changes made meanwhile go too), then say
/// whether every record is on HQ, or what is left and why.
#[tauri::command]
pub async fn end_of_shift(
    state: State<'_, AppState>,
    on_progress: Channel<SyncProgress>,
) -> Result<SyncOutcome, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session
        .end_of_shift(&|p| {
            let _ = on_progress.send(p);
        })
        .await?)
}
