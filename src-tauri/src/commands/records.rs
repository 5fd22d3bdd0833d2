//! Records: create each kind, list and filter, search, open with sync state and history, edit
//! where the kind allows, add a "You said, we did" update, and settle a concurrent-edit conflict.

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
    let u = state.require_unlocked()?;
    let id = u
        .with_store(move |s| match input {
            RecordInput::Concern(c) => s.add_concern(c),
            RecordInput::Meeting(m) => s.add_meeting(m).map(|saved| saved.meeting_id),
            RecordInput::Priority(p) => s.create(&p),
            RecordInput::PatrolLog(p) => s.add_patrol_log(p),
            RecordInput::Engagement(e) => s.add_engagement(e),
        })
        .await?;
    u.wake.notify_one();
    Ok(id)
}

/// Submit an intelligence report, with its source details (if any) as a separate restricted
/// record. Reports cannot be changed on the device once submitted.
#[tauri::command]
pub async fn intel_submit(
    state: State<'_, AppState>,
    submission: IntelSubmission,
) -> Result<IntelSubmitted, CommandError> {
    let u = state.require_unlocked()?;
    let saved = u.with_store(move |s| s.submit_intel(submission)).await?;
    // Threat to life goes by radio; the report itself still goes to HQ as soon as it can.
    u.wake.notify_one();
    Ok(saved)
}

/// Save an edited record; answers false when nothing changed. A concern's areas are worked out
/// again from its location.
#[tauri::command]
pub async fn records_update(
    state: State<'_, AppState>,
    id: RecordId,
    update: RecordUpdate,
) -> Result<bool, CommandError> {
    let u = state.require_unlocked()?;
    let changed = u
        .with_store(move |s| match update {
            RecordUpdate::Concern(c) => s.update_concern(id, c),
            RecordUpdate::Meeting(m) => s.update(id, &m),
            RecordUpdate::Priority(p) => s.update(id, &p),
            RecordUpdate::PatrolLog(p) => s.update(id, &p),
            RecordUpdate::Engagement(e) => s.update(id, &e),
        })
        .await?;
    if changed {
        u.wake.notify_one();
    }
    Ok(changed)
}

/// Add a "You said, we did" update to a priority (append-only).
#[tauri::command]
pub async fn priority_add_update(
    state: State<'_, AppState>,
    id: RecordId,
    update: YouSaidWeDid,
) -> Result<(), CommandError> {
    let u = state.require_unlocked()?;
    u.with_store(move |s| s.add_priority_update(id, &update))
        .await?;
    u.wake.notify_one();
    Ok(())
}

/// Records matching `filter`, newest first.
#[tauri::command]
pub async fn records_list(
    state: State<'_, AppState>,
    filter: ListFilter,
) -> Result<Vec<RecordSummary>, CommandError> {
    let u = state.require_unlocked()?;
    u.with_store(move |s| s.list(&filter)).await
}

/// Full-text search (every word, as a prefix), best match first, narrowed by `filter`.
#[tauri::command]
pub async fn records_search(
    state: State<'_, AppState>,
    text: String,
    filter: ListFilter,
) -> Result<Vec<RecordSummary>, CommandError> {
    let u = state.require_unlocked()?;
    u.with_store(move |s| s.search(&text, &filter)).await
}

/// A record in full, with its sync state, history and any conflicting versions.
#[tauri::command]
pub async fn records_get(
    state: State<'_, AppState>,
    id: RecordId,
) -> Result<RecordDetail, CommandError> {
    let u = state.require_unlocked()?;
    u.with_store(move |s| s.record_detail(id)).await
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
    let u = state.require_unlocked()?;
    let detail = u
        .with_store(move |s| {
            s.resolve_text(id, &field, &text)?;
            s.record_detail(id)
        })
        .await?;
    u.wake.notify_one();
    Ok(detail)
}
