//! The shift briefing (open concerns and active priorities of the officer's team areas, and the
//! hotspots) and the priorities board.

use beatbook_domain::tablet::{Briefing, PriorityCard};
use beatbook_domain::AreaId;
use tauri::State;

use super::CommandError;
use crate::AppState;

/// Open concerns and active priorities in the areas of the signed-in officer's teams (every
/// area on the device when the teams' areas are not known), with the busiest areas first.
#[tauri::command]
pub async fn briefing(state: State<'_, AppState>) -> Result<Briefing, CommandError> {
    Ok(state.tablet().require_session()?.briefing().await?)
}

/// Priorities with their SARA plans and "You said, we did" updates, overdue reviews first.
#[tauri::command]
pub async fn priorities_board(
    state: State<'_, AppState>,
    area: Option<AreaId>,
) -> Result<Vec<PriorityCard>, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.priorities_board(area).await?)
}
