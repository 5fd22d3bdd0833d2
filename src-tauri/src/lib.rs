//! Beatbook's tablet app: a thin Tauri 2 shell. This file only wires: state, commands, start-up.
//! Commands live in [`commands`], one module per domain; logic lives in the workspace crates.

#[cfg(test)]
mod command_tests;
mod commands;
mod state;

pub use commands::{CommandError, ErrorCode};
pub use state::{AppSettings, AppState, DATA_DIR_ENV};

use tauri::{App, Builder, Manager, Runtime};

/// Builds the app on `builder`: `run` passes `tauri::Builder::default()`, tests pass
/// `tauri::test::mock_builder()` and their own data directory, so they can run in parallel.
///
/// State is managed here rather than in a setup hook: setup only runs once the event loop
/// starts, which mock apps never do.
pub fn run_app<R: Runtime>(builder: Builder<R>, settings: AppSettings) -> tauri::Result<App<R>> {
    let app = builder
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::app_ready,
            commands::map::map_tile,
            commands::session::session_status,
            commands::session::enrol,
            commands::session::unlock,
            commands::session::lock,
            commands::session::session_touch,
            commands::session::settings_get,
            commands::session::settings_set,
            commands::records::records_create,
            commands::records::intel_submit,
            commands::records::records_update,
            commands::records::priority_add_update,
            commands::records::records_list,
            commands::records::records_search,
            commands::records::records_get,
            commands::records::records_resolve,
            commands::photos::concern_create_with_photos,
            commands::photos::record_photos,
            commands::photos::record_attach_photos,
            commands::photos::photo_get,
            commands::areas::areas_at,
            commands::areas::areas_all,
            commands::briefing::briefing,
            commands::briefing::priorities_board,
            commands::sync::sync_now,
            commands::sync::sync_status,
            commands::sync::end_of_shift,
        ])
        .build(tauri::generate_context!())?;
    let data_dir = match settings.data_dir.clone() {
        Some(dir) => dir,
        None => app.path().app_data_dir()?,
    };
    std::fs::create_dir_all(&data_dir)?;
    app.manage(AppState::with_settings(data_dir, settings));
    spawn_auto_lock(app.handle().clone());
    Ok(app)
}

/// Lock the store after the officer's chosen minutes without a touch.
fn spawn_auto_lock<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move { app.state::<AppState>().tablet().auto_lock().await });
}

/// Starts the app: the desktop `main`, and the Android/iOS entry point.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    match run_app(Builder::default(), AppSettings::from_env()) {
        Ok(app) => app.run(|_, _| {}),
        Err(error) => {
            eprintln!("Beatbook could not start: {error}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{mock_builder, MockRuntime, INVOKE_KEY};
    use tauri::webview::InvokeRequest;
    use tauri::{WebviewWindow, WebviewWindowBuilder};

    /// A mock app with its own data directory, and a webview labelled `label`.
    fn app_with_window(
        label: &str,
    ) -> (
        App<MockRuntime>,
        WebviewWindow<MockRuntime>,
        tempfile::TempDir,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let settings = AppSettings {
            data_dir: Some(dir.path().join("data")),
            ..AppSettings::default()
        };
        let app = run_app(mock_builder(), settings).unwrap();
        let webview = WebviewWindowBuilder::new(&app, label, Default::default())
            .build()
            .unwrap();
        (app, webview, dir)
    }

    fn invoke(webview: &WebviewWindow<MockRuntime>, cmd: &str) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: if cfg!(any(windows, target_os = "android")) {
                "http://tauri.localhost"
            } else {
                "tauri://localhost"
            }
            .parse()
            .unwrap(),
            body: InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        tauri::test::get_ipc_response(webview, request)
            .map(|body| body.deserialize::<Value>().unwrap())
    }

    #[test]
    fn app_info_over_ipc_reports_name_version_and_data_dir() {
        let (_app, webview, dir) = app_with_window("main");
        let data_dir = dir.path().join("data");

        let info = invoke(&webview, "app_info").unwrap();

        assert_eq!(
            info,
            json!({
                "name": "Beatbook",
                "version": env!("CARGO_PKG_VERSION"),
                "data_dir": data_dir.to_str().unwrap(),
            })
        );
    }

    #[test]
    fn start_up_creates_the_data_dir() {
        let (app, _webview, dir) = app_with_window("main");

        assert!(dir.path().join("data").is_dir());
        assert_eq!(app.state::<AppState>().data_dir(), dir.path().join("data"));
    }

    #[test]
    fn the_capability_grants_app_info_to_the_main_window_only() {
        let (_app, webview, _dir) = app_with_window("other");

        let denied = invoke(&webview, "app_info").unwrap_err();

        assert!(
            denied.to_string().contains("not allowed"),
            "expected an ACL refusal, got {denied}"
        );
    }

    #[test]
    fn unknown_commands_are_refused() {
        let (_app, webview, _dir) = app_with_window("main");

        assert!(invoke(&webview, "no_such_command").is_err());
    }
}
