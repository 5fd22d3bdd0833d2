//! Declares the app's own commands, so each one gets an `allow-*` / `deny-*` permission and is
//! callable only where a capability (capabilities/*.json) grants it.

const COMMANDS: &[&str] = &["app_info"];

fn main() {
    if let Err(error) = tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    ) {
        // Build scripts report through panics; say what went wrong rather than unwrap's Debug.
        panic!("tauri-build failed: {error:#}");
    }
}
