//! Declares the app's own commands, so each one gets an `allow-*` / `deny-*` permission and is
//! callable only where a capability (capabilities/*.json) grants it.

const COMMANDS: &[&str] = &[
    "app_info",
    "app_ready",
    "map_tile",
    "session_status",
    "enrol",
    "unlock",
    "lock",
    "session_touch",
    "settings_get",
    "settings_set",
    "records_create",
    "intel_submit",
    "records_update",
    "priority_add_update",
    "records_list",
    "records_search",
    "records_get",
    "records_resolve",
    "concern_create_with_photos",
    "record_photos",
    "record_attach_photos",
    "photo_get",
    "areas_at",
    "areas_all",
    "briefing",
    "priorities_board",
    "sync_now",
    "sync_status",
    "end_of_shift",
];

fn main() {
    if let Err(error) = tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    ) {
        // Build scripts report through panics; say what went wrong rather than unwrap's Debug.
        panic!("tauri-build failed: {error:#}");
    }
}
