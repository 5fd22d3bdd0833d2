//! Improvement actions: one action with its progress updates, and adding an update offline. The
//! team's open actions come with the briefing.

use beatbook_domain::improvement::ActionUpdate;
use beatbook_domain::tablet::ActionCard;
use beatbook_domain::RecordId;
use tauri::State;

use super::CommandError;
use crate::AppState;

/// One improvement action with every progress update, its status in words and its dates.
#[tauri::command]
pub async fn action_get(
    state: State<'_, AppState>,
    id: RecordId,
) -> Result<ActionCard, CommandError> {
    Ok(state.tablet().require_session()?.action(id).await?)
}

/// Add a progress update (a note; on or off track) to an improvement action: saved at once,
/// offline, and sent at the next sync. Answers the action as it now stands.
#[tauri::command]
pub async fn action_add_update(
    state: State<'_, AppState>,
    id: RecordId,
    update: ActionUpdate,
) -> Result<ActionCard, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.add_action_update(id, update).await?)
}
