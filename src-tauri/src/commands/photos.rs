//! Photos: log a concern with its photos in one save, list a record's photos with where each is
//! (waiting / on HQ), and read one back for display. Photos cross IPC as base64 going in (one
//! JSON call saves the concern and its photos together) and as raw bytes coming out.

use beatbook_domain::concern::NewConcern;
use beatbook_domain::photo::PhotoView;
use beatbook_domain::RecordId;
use tauri::ipc::Response;
use tauri::State;

use super::CommandError;
use crate::AppState;

/// Log a concern with photos (base64 of each file, as the camera or picker gave it). The
/// concern, its op and every photo are saved in one transaction, offline; the photos go to HQ
/// after the concern. A photo too large or not an image is a field error on `photos[i]`, and
/// nothing is saved.
#[tauri::command]
pub async fn concern_create_with_photos(
    state: State<'_, AppState>,
    concern: NewConcern,
    photos: Vec<String>,
) -> Result<RecordId, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.add_concern_with_photos(concern, photos).await?)
}

/// Add photos to a concern already saved: one change (synced like any edit) and the photos, in
/// one save. Answers the concern's photos.
#[tauri::command]
pub async fn record_attach_photos(
    state: State<'_, AppState>,
    id: RecordId,
    photos: Vec<String>,
) -> Result<Vec<PhotoView>, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.attach_photos(id, photos).await?)
}

/// A record's photos, each `waiting` (only on this device), `on_hq`, or `not_on_device`.
#[tauri::command]
pub async fn record_photos(
    state: State<'_, AppState>,
    id: RecordId,
) -> Result<Vec<PhotoView>, CommandError> {
    Ok(state.tablet().require_session()?.record_photos(id).await?)
}

/// A photo's bytes (an `ArrayBuffer` in the UI). One this device does not hold (taken on
/// another tablet for `record`) is fetched from HQ when it can be reached, and kept.
#[tauri::command]
pub async fn photo_get(
    state: State<'_, AppState>,
    sha256: String,
    record: Option<RecordId>,
) -> Result<Response, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(Response::new(session.photo(sha256, record).await?))
}
