//! Photos: log a concern with its photos in one save, list a record's photos with where each is
//! (waiting / on HQ), and read one back for display. Photos cross IPC as base64 going in (one
//! JSON call saves the concern and its photos together) and as raw bytes coming out.

use base64::Engine as _;
use beatbook_domain::concern::NewConcern;
use beatbook_domain::photo::PhotoView;
use beatbook_domain::RecordId;
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
    let session = state.tablet().require_session()?;
    let bytes = decode(&photos, 0)?;
    let id = session
        .with_store(move |s| s.add_concern_with_photos(concern, bytes))
        .await?;
    session.saved();
    Ok(id)
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
    let views = session
        .with_store(move |s| {
            let first = s.record_photos(id)?.len();
            let bytes = decode(&photos, first).map_err(|e| e.into_store())?;
            s.attach_photos(id, bytes)?;
            s.record_photos(id)
        })
        .await?;
    session.saved();
    Ok(views)
}

/// The bytes of each photo (base64, or a data: URL). Field errors count from `first`.
fn decode(photos: &[String], first: usize) -> Result<Vec<Vec<u8>>, Undecodable> {
    photos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let b64 = p.split_once(',').map_or(p.as_str(), |(_, rest)| rest);
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| Undecodable(first + i))
        })
        .collect()
}

/// Photo `.0` could not be decoded.
struct Undecodable(usize);

impl Undecodable {
    fn errors(&self) -> beatbook_domain::ValidationErrors {
        let mut errs = beatbook_domain::ValidationErrors::new();
        errs.add(
            format!("photos[{}]", self.0),
            "unreadable",
            "the photo could not be read: take it again",
        );
        errs
    }

    fn into_store(self) -> beatbook_store::StoreError {
        beatbook_store::StoreError::Invalid(self.errors())
    }
}

impl From<Undecodable> for CommandError {
    fn from(e: Undecodable) -> Self {
        CommandError {
            fields: e.errors().errors,
            ..CommandError::new(
                ErrorCode::Invalid,
                "Some fields need attention before this can be saved.",
            )
        }
    }
}

/// A record's photos, each `waiting` (only on this device), `on_hq`, or `not_on_device`.
#[tauri::command]
pub async fn record_photos(
    state: State<'_, AppState>,
    id: RecordId,
) -> Result<Vec<PhotoView>, CommandError> {
    let session = state.tablet().require_session()?;
    Ok(session.with_store(move |s| s.record_photos(id)).await?)
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
    let sha = sha256.clone();
    if let Some((_, bytes)) = session.with_store(move |s| s.photo(&sha)).await? {
        return Ok(Response::new(bytes));
    }
    let Some(record) = record else {
        return Err(CommandError::new(
            ErrorCode::NotFound,
            "This photo is on HQ, not on this tablet.",
        ));
    };
    Ok(Response::new(
        session.engine().fetch_photo(record, &sha256).await?,
    ))
}
