//! Areas: which wards and town centres a point falls in, and every area with its boundary for
//! the map. Worked out on the device from the reference areas HQ sent at sign-in.

use beatbook_domain::area::{Area, GeoPoint};
use beatbook_domain::tablet::AreaRef;
use tauri::State;

use super::{CommandError, ErrorCode};
use crate::AppState;

/// Every area the point falls in (a point in an overlap is in several).
#[tauri::command]
pub async fn areas_at(
    state: State<'_, AppState>,
    lat: f64,
    lon: f64,
) -> Result<Vec<AreaRef>, CommandError> {
    let point = GeoPoint { lat, lon };
    if !point.validate().is_empty() {
        return Err(CommandError::new(
            ErrorCode::BadInput,
            "That position is not on the map: latitude -90 to 90, longitude -180 to 180.",
        ));
    }
    let session = state.tablet().require_session()?;
    Ok(session
        .with_store(move |s| {
            let ids = s.areas_at(point);
            Ok(s.area_refs(&ids))
        })
        .await?)
}

/// Every area with its boundary, for the map.
#[tauri::command]
pub async fn areas_all(state: State<'_, AppState>) -> Result<Vec<Area>, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.with_store(|s| Ok(s.areas().to_vec())).await?)
}
