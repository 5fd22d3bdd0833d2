//! Photos: log a concern with its photos in one save, list a record's photos with where each is
//! (waiting / on HQ), and read one back for display. Photos cross IPC as base64 going in (one
//! JSON call saves the concern and its photos together) and as raw bytes coming out.

use base64::Engine as _;
use beatbook_domain::concern::NewConcern;
use beatbook_domain::photo::PhotoView;
use beatbook_domain::{FieldError, RecordId};
use tauri::ipc::Response;
use tauri::State;

use super::{CommandError, ErrorCode};
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
    let u = state.require_unlocked()?;
    let mut bytes = Vec::with_capacity(photos.len());
    for (i, p) in photos.iter().enumerate() {
        // A data: URL's prefix is accepted too.
        let b64 = p.split_once(',').map_or(p.as_str(), |(_, rest)| rest);
        bytes.push(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| CommandError {
                    fields: vec![FieldError {
                        field: format!("photos[{i}]"),
                        code: "unreadable".into(),
                        message: "the photo could not be read: take it again".into(),
                    }],
                    ..CommandError::new(
                        ErrorCode::Invalid,
                        "Some fields need attention before this can be saved.",
                    )
                })?,
        );
    }
    let id = u
        .with_store(move |s| s.add_concern_with_photos(concern, bytes))
        .await?;
    u.wake.notify_one();
    Ok(id)
}

/// A record's photos, each `waiting` (only on this device), `on_hq`, or `not_on_device`.
#[tauri::command]
pub async fn record_photos(
    state: State<'_, AppState>,
    id: RecordId,
) -> Result<Vec<PhotoView>, CommandError> {
    let u = state.require_unlocked()?;
    u.with_store(move |s| s.record_photos(id)).await
}

/// A photo's bytes (an `ArrayBuffer` in the UI), when this device holds them.
#[tauri::command]
pub async fn photo_get(
    state: State<'_, AppState>,
    sha256: String,
) -> Result<Response, CommandError> {
    let u = state.require_unlocked()?;
    let photo = u.with_store(move |s| s.photo(&sha256)).await?;
    match photo {
        Some((_, bytes)) => Ok(Response::new(bytes)),
        None => Err(CommandError::new(
            ErrorCode::NotFound,
            "This photo is on HQ, not on this tablet.",
        )),
    }
}
