// Every command of the app, written once, as `module::command` (the modules of `commands/`).
// `lib.rs` registers these handlers and `build.rs` declares them (one `allow-`/`deny-` permission
// each), both by including this file; tests in `lib.rs` check that
// `capabilities/default.json` grants exactly these and that `ui/src/lib/backend/tauri.ts`
// invokes exactly these.
app_commands! {
    app::app_info,
    app::app_ready,
    map::map_tile,
    session::session_status,
    session::enrol,
    session::unlock,
    session::lock,
    session::session_touch,
    session::settings_get,
    session::settings_set,
    records::records_create,
    records::intel_submit,
    records::records_update,
    records::priority_add_update,
    records::concern_add_update,
    records::records_list,
    records::records_search,
    records::records_get,
    records::records_resolve,
    photos::concern_create_with_photos,
    photos::record_photos,
    photos::record_attach_photos,
    photos::photo_get,
    areas::areas_at,
    areas::areas_all,
    briefing::briefing,
    briefing::priorities_board,
    actions::action_get,
    actions::action_add_update,
    sync::sync_now,
    sync::sync_status,
    sync::end_of_shift,
}
