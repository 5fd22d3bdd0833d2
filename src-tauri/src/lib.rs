//! Beatbook's tablet app: a thin Tauri 2 shell. This file only wires: state, commands, start-up.
//! Commands live in [`commands`], one module per domain; logic lives in the workspace crates.

#[cfg(test)]
mod command_tests;
mod commands;
mod state;

pub use commands::{CommandError, ErrorCode};
pub use state::{AppSettings, AppState, DATA_DIR_ENV};

use tauri::{App, Builder, Manager, Runtime};

/// The handlers of the commands listed in `commands/list.rs`.
macro_rules! app_commands {
    ($($module:ident::$command:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$command),*]
    };
}

/// Builds the app on `builder`: `run` passes `tauri::Builder::default()`, tests pass
/// `tauri::test::mock_builder()` and their own data directory, so they can run in parallel.
///
/// State is managed here rather than in a setup hook: setup only runs once the event loop
/// starts, which mock apps never do.
pub fn run_app<R: Runtime>(builder: Builder<R>, settings: AppSettings) -> tauri::Result<App<R>> {
    let app = builder
        .invoke_handler(include!("commands/list.rs"))
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

    /// The command names in `commands/list.rs`.
    fn listed() -> Vec<&'static str> {
        macro_rules! app_commands {
            ($($module:ident::$command:ident),* $(,)?) => {
                vec![$(stringify!($command)),*]
            };
        }
        include!("commands/list.rs")
    }

    /// Sorted, with the names in one and not the other shown by the assertion.
    fn sorted(names: impl IntoIterator<Item = String>) -> Vec<String> {
        let mut names: Vec<String> = names.into_iter().collect();
        names.sort();
        names
    }

    #[test]
    fn every_listed_command_is_registered_and_granted_to_the_main_window() {
        let (_app, webview, _dir) = app_with_window("main");
        let names = listed();
        assert!(names.len() > 20, "{names:?}");
        for name in names {
            // Most fail for want of arguments or of a store; none may be unknown or refused.
            if let Err(e) = invoke(&webview, name) {
                let e = e.to_string();
                assert!(
                    !e.contains("not found") && !e.contains("not allowed"),
                    "{name}: {e}"
                );
            }
        }
    }

    #[test]
    fn the_capability_grants_exactly_the_listed_commands() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/default.json");
        let capability: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let granted = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned());
        let expected = listed()
            .into_iter()
            .map(|name| format!("allow-{}", name.replace('_', "-")));
        assert_eq!(
            sorted(granted),
            sorted(expected),
            "capabilities/default.json and commands/list.rs disagree"
        );
    }

    #[test]
    fn the_ui_invokes_exactly_the_listed_commands() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../ui/src/lib/backend/tauri.ts"
        );
        let source = std::fs::read_to_string(path).unwrap();
        let invoked = invoked_commands(&source);
        let expected = listed().into_iter().map(str::to_owned);
        assert_eq!(
            sorted(invoked),
            sorted(expected),
            "ui/src/lib/backend/tauri.ts and commands/list.rs disagree"
        );
    }

    /// The names in `call('name'`, `call<T>('name'` and `invoke('name'` (each once).
    fn invoked_commands(source: &str) -> Vec<String> {
        let mut names = std::collections::BTreeSet::new();
        for call in ["call", "invoke"] {
            for (at, _) in source.match_indices(call) {
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let mut rest = &source[at + call.len()..];
                if let Some(generic) = rest.strip_prefix('<') {
                    match generic.find('>') {
                        Some(end) => rest = &generic[end + 1..],
                        None => continue,
                    }
                }
                let Some(quoted) = rest.strip_prefix("('") else {
                    continue;
                };
                if let Some(end) = quoted.find('\'') {
                    names.insert(quoted[..end].to_owned());
                }
            }
        }
        names.into_iter().collect()
    }

    #[test]
    fn the_ui_commands_are_read_from_calls_and_invokes() {
        let source = "call<AppInfo>('app_info'); call('lock'); invoke('unlock', { pin }); \
                      invoke<T>(command, args); recall('x'); backend.call('y');";
        assert_eq!(invoked_commands(source), ["app_info", "lock", "unlock"]);
    }
}
