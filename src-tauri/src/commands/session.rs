//! The device and its session: enrol with HQ and sign in (first run), unlock with the PIN,
//! lock, auto-lock after inactivity, and the device settings.

use beatbook_domain::tablet::{DeviceSettings, EnrolInput, SessionStatus};
use tauri::State;

use super::CommandError;
use crate::AppState;

/// Where the app stands, and who is signed in once it is unlocked.
#[tauri::command]
pub async fn session_status(state: State<'_, AppState>) -> Result<SessionStatus, CommandError> {
    Ok(state.tablet().status().await?)
}

/// First run: set up the encrypted store under the new PIN, enrol it with HQ using the one-time
/// code, and sign the officer in. If any step fails nothing is left behind, so it can be retried.
#[tauri::command]
pub async fn enrol(
    state: State<'_, AppState>,
    input: EnrolInput,
) -> Result<SessionStatus, CommandError> {
    Ok(state.tablet().enrol(input).await?)
}

/// Unlock with the PIN. A wrong PIN answers `wrong_pin` (or `last_attempt` when one try is
/// left) with `attempts_left`; at the limit the store is wiped and the answer is `wiped`.
#[tauri::command]
pub async fn unlock(
    state: State<'_, AppState>,
    pin: String,
) -> Result<SessionStatus, CommandError> {
    Ok(state.tablet().unlock(pin).await?)
}

/// Lock now: the store closes and background sync stops until the PIN is entered again.
#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> Result<SessionStatus, CommandError> {
    Ok(state.tablet().lock().await?)
}

/// The officer touched the screen: put off auto-lock. Answers whether the app is still unlocked
/// (false when it has locked meanwhile, so the UI shows the PIN pad).
#[tauri::command]
pub fn session_touch(state: State<'_, AppState>) -> bool {
    state.tablet().touch()
}

#[tauri::command]
pub fn settings_get(state: State<'_, AppState>) -> DeviceSettings {
    state.tablet().device_settings()
}

/// Change the auto-lock minutes (1 to the longest HQ allows); the tile server is HQ's.
#[tauri::command]
pub fn settings_set(
    state: State<'_, AppState>,
    settings: DeviceSettings,
) -> Result<DeviceSettings, CommandError> {
    Ok(state.tablet().set_device_settings(settings)?)
}
