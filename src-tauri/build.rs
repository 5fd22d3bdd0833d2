//! Declares the app's own commands, so each one gets an `allow-*` / `deny-*` permission and is
//! callable only where a capability (capabilities/*.json) grants it.

/// The list in `src/commands/list.rs`, as names.
macro_rules! app_commands {
    ($($module:ident::$command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}

const COMMANDS: &[&str] = include!("src/commands/list.rs");

fn main() {
    if let Err(error) = tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    ) {
        // Build scripts report through panics; say what went wrong rather than unwrap's Debug.
        panic!("tauri-build failed: {error:#}");
    }
}
