//! Photos, content-addressed and uploaded resumably: `HEAD` says how many bytes HQ holds, `PUT`
//! appends a chunk at exactly that offset, and when the last byte arrives HQ hashes the file:
//! only bytes whose SHA-256 matches their name become the photo (an atomic rename); anything
//! else is discarded with `photo_hash_mismatch`, and the device, which still holds the photo,
//! sends it again.
//!
//! Who may: a chunk names the record it belongs to (`photo-record`), and HQ accepts it only from
//! an officer who may see that record, which must already list the photo (records go first).
//! A photo is read back by its uploader, or by an officer who may see a record that lists it;
//! every read is in the access log.
//!
//! Files live in `photos_dir`: `<sha256>` (verified), `<sha256>.json` (type, size, uploaders,
//! records), and `partial/<sha256>` while an upload is under way. Chunks of one photo are appended one
//! at a time within this process; HQ processes sharing a volume should route a device to one
//! process per upload (or a later version should take a file lock).

use crate::error::ApiError;
use crate::routes::Authed;
use crate::HqState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::access::{device_may_see, Viewer};
use beatbook_domain::merge::RecordState;
use beatbook_domain::photo::wire::{
    PhotoUploadStatus, HASH_MISMATCH, OFFSET_HEADER, OFFSET_MISMATCH, RECORD_HEADER, SIZE_HEADER,
    TOO_LARGE, VERIFIED_HEADER,
};
use beatbook_domain::photo::{is_sha256_hex, PhotoRef, MAX_PHOTO_BYTES};
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::RecordId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// What HQ keeps beside a verified photo.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct PhotoMeta {
    mime: String,
    size: u64,
    /// Officers who uploaded it (they may read it back).
    uploaded_by: Vec<String>,
    /// Records that list it: whoever may see one of them may read it.
    #[serde(default)]
    records: Vec<RecordId>,
}

/// Whether `viewer` may see record `id` at HQ, and it lists photo `sha256`.
async fn record_lists_photo(
    state: &HqState,
    viewer: &Viewer,
    id: RecordId,
    sha256: &str,
) -> Result<bool, PhotoError> {
    let Some(change) = state.storage.record(id).await.map_err(ApiError::from)? else {
        return Ok(false);
    };
    if !device_may_see(viewer, &change.facts) {
        return Ok(false);
    }
    let record: RecordState = serde_json::from_str(&change.state_json)
        .map_err(|e| ApiError::Internal(format!("record {id}: {e}")))?;
    let photos: Vec<PhotoRef> = record
        .to_object()
        .get("photos")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(photos.iter().any(|p| p.sha256 == sha256))
}

/// A photo endpoint's error: the shared ones, plus the photo codes a device acts on.
pub enum PhotoError {
    Api(ApiError),
    Photo {
        status: StatusCode,
        code: &'static str,
        message: String,
        offset: Option<u64>,
    },
}

impl From<ApiError> for PhotoError {
    fn from(e: ApiError) -> Self {
        PhotoError::Api(e)
    }
}

impl From<std::io::Error> for PhotoError {
    fn from(e: std::io::Error) -> Self {
        PhotoError::Api(ApiError::Internal(format!("photo file: {e}")))
    }
}

impl IntoResponse for PhotoError {
    fn into_response(self) -> Response {
        match self {
            PhotoError::Api(e) => e.into_response(),
            PhotoError::Photo {
                status,
                code,
                message,
                offset,
            } => {
                let mut resp = (
                    status,
                    Json(ApiErrorBody {
                        code: code.to_owned(),
                        message,
                    }),
                )
                    .into_response();
                if let Some(o) = offset {
                    resp.headers_mut()
                        .insert(OFFSET_HEADER, HeaderValue::from(o));
                }
                resp
            }
        }
    }
}

struct Paths {
    done: PathBuf,
    meta: PathBuf,
    partial: PathBuf,
    partial_meta: PathBuf,
}

fn paths(state: &HqState, sha256: &str) -> Result<Paths, PhotoError> {
    if !is_sha256_hex(sha256) {
        return Err(ApiError::BadRequest(
            "a photo is named by its SHA-256 in lower-case hex".into(),
        )
        .into());
    }
    let dir = state.settings.photos_dir();
    Ok(Paths {
        done: dir.join(sha256),
        meta: dir.join(format!("{sha256}.json")),
        partial: dir.join("partial").join(sha256),
        partial_meta: dir.join("partial").join(format!("{sha256}.json")),
    })
}

async fn file_len(path: &std::path::Path) -> Result<Option<u64>, PhotoError> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn read_meta(path: &std::path::Path) -> Result<Option<PhotoMeta>, PhotoError> {
    match tokio::fs::read(path).await {
        Ok(b) => Ok(serde_json::from_slice(&b).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Chunks of one photo are appended one at a time (striped by the name's first byte).
fn lock_for(sha256: &str) -> &'static tokio::sync::Mutex<()> {
    static STRIPES: [tokio::sync::Mutex<()>; 64] =
        [const { tokio::sync::Mutex::const_new(()) }; 64];
    let i = sha256.as_bytes().first().copied().unwrap_or_default() as usize % STRIPES.len();
    &STRIPES[i]
}

#[derive(Debug, Deserialize)]
pub struct PutQuery {
    pub offset: u64,
}

#[utoipa::path(head, path = "/api/v1/photos/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the photo, lower-case hex")),
    security(("bearer" = [])),
    responses((status = 200, description = "`upload-offset`: bytes HQ holds; `photo-verified`: whole and hash checked"), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
pub async fn head(
    _auth: Authed,
    State(state): State<HqState>,
    Path(sha256): Path<String>,
) -> Result<Response, PhotoError> {
    let p = paths(&state, &sha256)?;
    let (offset, verified) = match file_len(&p.done).await? {
        Some(n) => (n, true),
        None => (file_len(&p.partial).await?.unwrap_or(0), false),
    };
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut()
        .insert(OFFSET_HEADER, HeaderValue::from(offset));
    resp.headers_mut().insert(
        VERIFIED_HEADER,
        HeaderValue::from_static(if verified { "true" } else { "false" }),
    );
    Ok(resp)
}

#[utoipa::path(put, path = "/api/v1/photos/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the photo, lower-case hex"),
           ("offset" = u64, Query, description = "Where this chunk starts: must equal the bytes HQ holds"),
           ("photo-size" = u64, Header, description = "The whole photo's size in bytes"),
           ("photo-record" = String, Header, description = "The record that lists the photo; HQ must have it, and the officer must be able to see it")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    responses((status = 200, body = PhotoUploadStatus),
              (status = 409, description = "`photo_offset_mismatch`: the chunk does not start where HQ's copy ends (see `upload-offset`)", body = ApiErrorBody),
              (status = 422, description = "`photo_hash_mismatch`: the bytes do not hash to the name; HQ discarded them", body = ApiErrorBody),
              (status = 413, description = "`photo_too_large`", body = ApiErrorBody),
              (status = 403, description = "No record the officer may see lists this photo", body = ApiErrorBody),
              (status = 401, body = ApiErrorBody)))]
pub async fn put(
    auth: Authed,
    State(state): State<HqState>,
    Path(sha256): Path<String>,
    Query(q): Query<PutQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PhotoUploadStatus>, PhotoError> {
    let p = paths(&state, &sha256)?;
    let size: u64 = headers
        .get(SIZE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::BadRequest(format!("send the photo's size in {SIZE_HEADER}")))?;
    if size == 0 || size > MAX_PHOTO_BYTES {
        return Err(PhotoError::Photo {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: TOO_LARGE,
            message: format!("a photo may be at most {} MB", MAX_PHOTO_BYTES / 1_048_576),
            offset: None,
        });
    }
    let record: RecordId = headers
        .get(RECORD_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "send the id of the record the photo belongs to in {RECORD_HEADER}"
            ))
        })?;
    if !record_lists_photo(&state, &auth.viewer, record, &sha256).await? {
        return Err(ApiError::Forbidden(
            "HQ has no record you may see that lists this photo: sync the record first".into(),
        )
        .into());
    }
    let _one_at_a_time = lock_for(&sha256).lock().await;
    if let Some(n) = file_len(&p.done).await? {
        // Already here (another device, or an answer lost on the way back): note this record too.
        if let Some(mut meta) = read_meta(&p.meta).await? {
            if !meta.records.contains(&record) {
                meta.records.push(record);
                tokio::fs::write(&p.meta, serde_json::to_vec(&meta).unwrap_or_default()).await?;
            }
        }
        return Ok(Json(PhotoUploadStatus {
            offset: n,
            size: n,
            verified: true,
        }));
    }
    let held = file_len(&p.partial).await?.unwrap_or(0);
    if q.offset != held {
        return Err(PhotoError::Photo {
            status: StatusCode::CONFLICT,
            code: OFFSET_MISMATCH,
            message: format!("HQ holds {held} bytes of this photo: send from there"),
            offset: Some(held),
        });
    }
    let end = held + body.len() as u64;
    if end > size {
        return Err(ApiError::BadRequest(format!(
            "the chunk runs past the photo's size ({end} > {size})"
        ))
        .into());
    }
    if held == 0 {
        tokio::fs::create_dir_all(p.partial.parent().unwrap_or(&p.partial)).await?;
        let mime = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|m| m.starts_with("image/"))
            .unwrap_or("application/octet-stream")
            .to_owned();
        let meta = PhotoMeta {
            mime,
            size,
            uploaded_by: vec![auth.officer.id.as_str().to_owned()],
            records: vec![record],
        };
        tokio::fs::write(
            &p.partial_meta,
            serde_json::to_vec(&meta).unwrap_or_default(),
        )
        .await?;
    }
    let mut f = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p.partial)
        .await?;
    f.write_all(&body).await?;
    f.sync_data().await?;
    drop(f);
    if end < size {
        return Ok(Json(PhotoUploadStatus {
            offset: end,
            size,
            verified: false,
        }));
    }
    let partial = p.partial.clone();
    let digest = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut hasher = Sha256::new();
        std::io::copy(&mut std::fs::File::open(partial)?, &mut hasher)?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("hashing task: {e}")))??;
    if digest != sha256 {
        let _ = tokio::fs::remove_file(&p.partial).await;
        let _ = tokio::fs::remove_file(&p.partial_meta).await;
        tracing::warn!(photo = %sha256, device = %auth.device, "photo hash mismatch; discarded");
        return Err(PhotoError::Photo {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: HASH_MISMATCH,
            message: "the photo HQ received does not match its SHA-256: HQ discarded it; the device keeps it and sends it again".into(),
            offset: Some(0),
        });
    }
    // The metadata first, then the photo: a photo never exists without knowing who may read it.
    let meta = read_meta(&p.partial_meta).await?.unwrap_or(PhotoMeta {
        mime: "application/octet-stream".into(),
        size,
        uploaded_by: vec![auth.officer.id.as_str().to_owned()],
        records: vec![record],
    });
    tokio::fs::write(&p.meta, serde_json::to_vec(&meta).unwrap_or_default()).await?;
    tokio::fs::rename(&p.partial, &p.done).await?;
    let _ = tokio::fs::remove_file(&p.partial_meta).await;
    tracing::info!(photo = %sha256, bytes = size, device = %auth.device, "photo verified");
    Ok(Json(PhotoUploadStatus {
        offset: size,
        size,
        verified: true,
    }))
}

#[utoipa::path(get, path = "/api/v1/photos/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the photo, lower-case hex")),
    security(("bearer" = [])),
    responses((status = 200, description = "The photo's bytes", content_type = "image/*"),
              (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
pub async fn get(
    auth: Authed,
    State(state): State<HqState>,
    Path(sha256): Path<String>,
) -> Result<Response, PhotoError> {
    let p = paths(&state, &sha256)?;
    let meta = read_meta(&p.meta).await?;
    let Some(meta) = meta.filter(|_| p.done.exists()) else {
        return Err(ApiError::NotFound("HQ does not hold this photo (yet)".into()).into());
    };
    let mut via = Vec::new();
    for id in &meta.records {
        if record_lists_photo(&state, &auth.viewer, *id, &sha256).await? {
            via.push(*id);
        }
    }
    let uploader = meta
        .uploaded_by
        .iter()
        .any(|o| o == auth.officer.id.as_str());
    if via.is_empty() && !uploader {
        return Err(ApiError::Forbidden("you may not see this photo".into()).into());
    }
    let bytes = tokio::fs::read(&p.done).await?;
    state
        .storage
        .log_access(&crate::dashboard::audit::AccessEntry {
            at: chrono::Utc::now(),
            officer_id: auth.officer.id.clone(),
            device_id: Some(auth.device),
            action: "view".into(),
            record_ids: if via.is_empty() {
                meta.records.clone()
            } else {
                via
            },
            detail: format!("photo {sha256}"),
        })
        .await
        .map_err(ApiError::from)?;
    Ok(([(axum::http::header::CONTENT_TYPE, meta.mime)], bytes).into_response())
}
