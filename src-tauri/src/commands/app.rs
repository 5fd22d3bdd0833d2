//! The app itself: its name, version and where it keeps its data.

use std::path::Path;

use serde::Serialize;
use tauri::{AppHandle, PackageInfo, Runtime, State};

use super::{CommandError, ErrorCode};
use crate::AppState;

/// Answer of `app_info`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    /// Absolute path of the data directory on this device.
    pub data_dir: String,
}

#[tauri::command]
pub fn app_info<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<AppInfo, CommandError> {
    describe(app.package_info(), state.data_dir())
}

/// Environment variable naming a file where the app writes how long start-up took, in
/// milliseconds, when the UI's first screen is interactive (`beatbook`'s app benchmark).
pub const STARTUP_PROBE_ENV: &str = "BEATBOOK_STARTUP_PROBE";

/// The UI calls this once its first screen is drawn and answers input: the cold start, in
/// milliseconds since the app's state was made at start-up.
#[tauri::command]
pub fn app_ready(state: State<'_, AppState>) -> u64 {
    let (elapsed, first) = state.since_start();
    let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    if first {
        if let Some(path) = std::env::var_os(STARTUP_PROBE_ENV).filter(|p| !p.is_empty()) {
            if let Err(e) = std::fs::write(&path, ms.to_string()) {
                eprintln!("beatbook: could not write the start-up probe: {e}");
            }
        }
    }
    ms
}

fn describe(package: &PackageInfo, data_dir: &Path) -> Result<AppInfo, CommandError> {
    let data_dir = data_dir.to_str().ok_or_else(|| {
        CommandError::new(
            ErrorCode::DataDirNotUtf8,
            format!(
                "The data folder's name cannot be shown ({}). Ask IT support to move it to a plain path.",
                data_dir.display()
            ),
        )
    })?;
    Ok(AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
        data_dir: data_dir.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> PackageInfo {
        PackageInfo {
            name: "Beatbook".into(),
            version: "1.2.3".parse().unwrap(),
            authors: "",
            description: "",
            crate_name: "beatbook-app",
        }
    }

    #[test]
    fn only_the_first_ready_signal_counts_as_the_cold_start() {
        let state = AppState::new(std::env::temp_dir());
        let (first_at, first) = state.since_start();
        let (later_at, again) = state.since_start();
        assert!(first && !again);
        assert!(later_at >= first_at);
    }

    #[test]
    fn describes_name_version_and_data_dir() {
        let info = describe(&package(), Path::new("/data/beatbook")).unwrap();
        assert_eq!(
            info,
            AppInfo {
                name: "Beatbook".into(),
                version: "1.2.3".into(),
                data_dir: "/data/beatbook".into(),
            }
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_data_dir_that_is_not_utf8_is_a_coded_error() {
        use std::os::unix::ffi::OsStrExt;
        let dir = Path::new(std::ffi::OsStr::from_bytes(b"/data/\xff"));

        let error = describe(&package(), dir).unwrap_err();

        assert_eq!(error.code, ErrorCode::DataDirNotUtf8);
        assert_eq!(
            serde_json::to_value(&error).unwrap()["code"],
            "data_dir_not_utf8"
        );
    }
}
