//! Map tiles from the tile server set in Settings, fetched and kept by the device (see
//! `beatbook_device::tiles`).

use tauri::State;

use super::CommandError;
use crate::AppState;

/// One map tile as a `data:` URL, from the tablet's copy or else from the tile server.
#[tauri::command]
pub async fn map_tile(
    state: State<'_, AppState>,
    z: u8,
    x: u32,
    y: u32,
) -> Result<String, CommandError> {
    Ok(state.tablet().map_tile(z, x, y).await?)
}
