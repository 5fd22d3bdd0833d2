//! Records: create each kind, list and filter, search, open with sync state and history, edit
//! where the kind allows, add a "You said, we did" update or a concern's update, and settle a concurrent-edit conflict.

use beatbook_domain::concern::ConcernUpdate;
use beatbook_domain::meeting::YouSaidWeDid;
use beatbook_domain::tablet::{
    IntelSubmission, IntelSubmitted, RecordDetail, RecordInput, RecordUpdate,
};
use beatbook_domain::views::{ListFilter, RecordSummary};
use beatbook_domain::RecordId;
use tauri::State;

use super::CommandError;
use crate::AppState;

/// Save a new record; answers its id. Saved at once, offline; it waits for the next sync.
/// A meeting also makes a priority record for each priority it agreed.
#[tauri::command]
pub async fn records_create(
    state: State<'_, AppState>,
    input: RecordInput,
) -> Result<RecordId, CommandError> {
    Ok(state.tablet().require_session()?.create(input).await?)
}

/// Submit an intelligence report, with its source details (if any) as a separate restricted
/// record. Reports cannot be changed on the device once submitted.
#[tauri::command]
pub async fn intel_submit(
    state: State<'_, AppState>,
    submission: IntelSubmission,
) -> Result<IntelSubmitted, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.submit_intel(submission).await?)
}

/// Save an edited record; answers false when nothing changed. A concern's areas are worked out
/// again from its location.
#[tauri::command]
pub async fn records_update(
    state: State<'_, AppState>,
    id: RecordId,
    update: RecordUpdate,
) -> Result<bool, CommandError> {
    Ok(state.tablet().require_session()?.update(id, update).await?)
}

/// Add a "You said, we did" update to a priority (append-only).
#[tauri::command]
pub async fn priority_add_update(
    state: State<'_, AppState>,
    id: RecordId,
    update: YouSaidWeDid,
) -> Result<(), CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.add_priority_update(id, update).await?)
}

/// Add a dated update to a concern (append-only), without retyping the concern.
#[tauri::command]
pub async fn concern_add_update(
    state: State<'_, AppState>,
    id: RecordId,
    update: ConcernUpdate,
) -> Result<(), CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.add_concern_update(id, update).await?)
}

/// Records matching `filter`, newest first. A list beyond the shift's briefing is logged (it
/// reaches HQ's access log at the next sync).
#[tauri::command]
pub async fn records_list(
    state: State<'_, AppState>,
    filter: ListFilter,
) -> Result<Vec<RecordSummary>, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.list(filter).await?)
}

/// Full-text search (every word, as a prefix), best match first, narrowed by `filter`. Logged,
/// with its words.
#[tauri::command]
pub async fn records_search(
    state: State<'_, AppState>,
    text: String,
    filter: ListFilter,
) -> Result<Vec<RecordSummary>, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.search(text, filter).await?)
}

/// A record in full, with its sync state, history and any conflicting versions. Opening it is
/// logged.
#[tauri::command]
pub async fn records_get(
    state: State<'_, AppState>,
    id: RecordId,
) -> Result<RecordDetail, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.open_record(id).await?)
}

/// Settle a concurrent-edit conflict: `text` (one version, or a merge the officer wrote)
/// replaces every live version of `field`.
#[tauri::command]
pub async fn records_resolve(
    state: State<'_, AppState>,
    id: RecordId,
    field: String,
    text: String,
) -> Result<RecordDetail, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.resolve(id, field, text).await?)
}
