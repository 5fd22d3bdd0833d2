//! Areas: which wards and town centres a point falls in, and every area with its boundary for
//! the map. Worked out on the device from the reference areas HQ sent at sign-in.

use beatbook_domain::area::Area;
use beatbook_domain::tablet::AreaRef;
use tauri::State;

use super::CommandError;
use crate::AppState;

/// Every area the point falls in (a point in an overlap is in several).
#[tauri::command]
pub async fn areas_at(
    state: State<'_, AppState>,
    lat: f64,
    lon: f64,
) -> Result<Vec<AreaRef>, CommandError> {
    Ok(state.tablet().areas_at(lat, lon).await?)
}

/// Every area with its boundary, for the map.
#[tauri::command]
pub async fn areas_all(state: State<'_, AppState>) -> Result<Vec<Area>, CommandError> {
    Ok(state.tablet().require_session()?.areas().await?)
}
