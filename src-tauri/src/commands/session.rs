//! The device and its session: enrol with HQ and sign in (first run), unlock with the PIN,
//! lock, auto-lock after inactivity, and the device settings.

use std::sync::Arc;

use beatbook_domain::people::{Officer, Role};
use beatbook_domain::reference::{demo_officers, demo_teams};
use beatbook_domain::tablet::{
    DeviceSettings, EnrolInput, LockState, OfficerProfile, SessionStatus,
};
use beatbook_store::{InitSettings, Store, MAX_PIN_ATTEMPTS, UNENROLLED};
use tauri::State;

use super::{CommandError, ErrorCode};
use crate::state::Unlocked;
use crate::AppState;

/// Where the app stands, and who is signed in once it is unlocked.
#[tauri::command]
pub async fn session_status(state: State<'_, AppState>) -> Result<SessionStatus, CommandError> {
    status(&state).await
}

pub(crate) async fn status(state: &AppState) -> Result<SessionStatus, CommandError> {
    let (lock_state, profile) = match state.unlocked() {
        Some(u) => (
            LockState::Unlocked,
            Some(u.with_store(|s| profile_of(s)).await?),
        ),
        None if Store::exists(&state.store_dir()) => (LockState::Locked, None),
        None => (LockState::NotEnrolled, None),
    };
    Ok(SessionStatus {
        state: lock_state,
        profile,
        auto_lock_minutes: state.device_settings().auto_lock_minutes,
        max_pin_attempts: MAX_PIN_ATTEMPTS,
    })
}

/// The profile kept at sign-in; a store set up by the headless device CLI has none, so it is
/// worked out from the store's officer id and the reference data.
pub(crate) fn profile_of(store: &Store) -> Result<OfficerProfile, beatbook_store::StoreError> {
    if let Some(p) = store.profile()? {
        return Ok(p);
    }
    let id = store.officer().clone();
    let officer = demo_officers()
        .into_iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| Officer {
            collar_number: id.to_string(),
            name: id.to_string(),
            id,
            role: Role::Officer,
            teams: Vec::new(),
        });
    Ok(profile_for(officer))
}

/// For a store signed in before profiles were kept: the teams' names and areas from the
/// reference data.
fn profile_for(officer: Officer) -> OfficerProfile {
    let teams = demo_teams()
        .into_iter()
        .filter(|t| officer.teams.contains(&t.id))
        .collect();
    OfficerProfile { officer, teams }
}

/// First run: set up the encrypted store under the new PIN, enrol it with HQ using the one-time
/// code, and sign the officer in. If any step fails nothing is left behind, so it can be retried.
#[tauri::command]
pub async fn enrol(
    state: State<'_, AppState>,
    input: EnrolInput,
) -> Result<SessionStatus, CommandError> {
    let dir = state.store_dir();
    if Store::exists(&dir) {
        return Err(CommandError::new(
            ErrorCode::AlreadyEnrolled,
            "This device is already enrolled. Unlock it with your PIN.",
        ));
    }
    let hq_url = input.hq_url.trim().to_owned();
    let missing: Vec<(&str, &str)> = [
        ("hq_url", hq_url.as_str(), "HQ address"),
        ("code", input.code.trim(), "Enrolment code"),
        ("collar_number", input.collar_number.trim(), "Collar number"),
        ("password", input.password.as_str(), "Password"),
    ]
    .into_iter()
    .filter(|(_, v, _)| v.is_empty())
    .map(|(f, _, l)| (f, l))
    .collect();
    if !missing.is_empty() {
        let mut e = CommandError::new(ErrorCode::Invalid, "Fill in every field to enrol.");
        e.fields = missing
            .into_iter()
            .map(|(f, l)| beatbook_domain::FieldError {
                field: f.into(),
                code: "required".into(),
                message: format!("{l} is required"),
            })
            .collect();
        return Err(e);
    }
    let kdf = state.kdf();
    let pin = zeroize::Zeroizing::new(input.pin.clone());
    let init_dir = dir.clone();
    let store = tauri::async_runtime::spawn_blocking(move || {
        Store::init(
            &init_dir,
            &pin,
            InitSettings {
                officer: UNENROLLED.into(),
                kdf,
                areas: beatbook_domain::reference::demo_areas(),
            },
        )
    })
    .await
    .map_err(|e| {
        CommandError::new(
            ErrorCode::Storage,
            format!("Setting up failed ({e}). Try again."),
        )
    })??;
    let unlocked = Unlocked::new(store);
    let device_name = input
        .device_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Beatbook tablet".to_owned());
    let signed_in = async {
        unlocked
            .engine
            .enrol(&hq_url, input.code.trim(), &device_name)
            .await?;
        unlocked
            .engine
            .login(input.collar_number.trim(), &input.password)
            .await
    }
    .await;
    // Signing in keeps the officer and their teams as HQ names them (the store's profile).
    if let Err(e) = signed_in {
        drop(unlocked);
        let _ = Store::wipe(&dir);
        return Err(e.into());
    }
    start(&state, unlocked);
    status(&state).await
}

/// Unlock with the PIN. A wrong PIN answers `wrong_pin` (or `last_attempt` when one try is
/// left) with `attempts_left`; at the limit the store is wiped and the answer is `wiped`.
#[tauri::command]
pub async fn unlock(
    state: State<'_, AppState>,
    pin: String,
) -> Result<SessionStatus, CommandError> {
    if state.unlocked().is_some() {
        return status(&state).await;
    }
    let dir = state.store_dir();
    if !Store::exists(&dir) {
        return Err(CommandError::new(
            ErrorCode::NotEnrolled,
            "This device is not enrolled yet. Enrol it with a code from HQ.",
        ));
    }
    let pin = zeroize::Zeroizing::new(pin);
    let store = tauri::async_runtime::spawn_blocking(move || Store::open(&dir, &pin))
        .await
        .map_err(|e| {
            CommandError::new(
                ErrorCode::Storage,
                format!("Unlocking failed ({e}). Try again."),
            )
        })??;
    start(&state, Unlocked::new(store));
    status(&state).await
}

fn start(state: &AppState, unlocked: Arc<Unlocked>) {
    state.set_unlocked(unlocked.clone());
    if state.settings.background_sync {
        crate::commands::sync::spawn_background(unlocked, state.settings.sync_interval);
    }
}

/// Lock now: the store closes and background sync stops until the PIN is entered again.
#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> Result<SessionStatus, CommandError> {
    state.lock_now();
    status(&state).await
}

/// The officer touched the screen: put off auto-lock. Answers whether the app is still unlocked
/// (false when it has locked meanwhile, so the UI shows the PIN pad).
#[tauri::command]
pub fn session_touch(state: State<'_, AppState>) -> bool {
    if state.lock_if_idle(std::time::Instant::now()) {
        return false;
    }
    let unlocked = state.unlocked().is_some();
    if unlocked {
        state.touch();
    }
    unlocked
}

#[tauri::command]
pub fn settings_get(state: State<'_, AppState>) -> DeviceSettings {
    state.device_settings()
}

/// Change the device settings (auto-lock minutes, 1 to 60 or 0 for never; a map tile URL).
#[tauri::command]
pub fn settings_set(
    state: State<'_, AppState>,
    settings: DeviceSettings,
) -> Result<DeviceSettings, CommandError> {
    if settings.auto_lock_minutes > 60 {
        return Err(CommandError::new(
            ErrorCode::BadInput,
            "Auto-lock can be at most 60 minutes.",
        ));
    }
    if let Some(url) = &settings.tile_url {
        let usable = url.starts_with("https://") && url.contains("{z}");
        if !url.is_empty() && !usable {
            return Err(CommandError::new(
                ErrorCode::BadInput,
                "A tile URL starts with https:// and contains {z}, {x} and {y}.",
            ));
        }
    }
    state.set_device_settings(settings).map_err(|e| {
        CommandError::new(
            ErrorCode::Storage,
            format!("The settings could not be saved ({e})."),
        )
    })?;
    state.touch();
    Ok(state.device_settings())
}
