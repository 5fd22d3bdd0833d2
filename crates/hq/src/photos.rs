//! The photo endpoints, `/api/v1/photos/{sha256}`: `HEAD` says how many bytes of this device's
//! upload HQ holds (or that the photo is there, to whoever may see it), `PUT` appends a chunk at
//! exactly that offset, `GET` reads a photo back. Whoever may not see a photo gets the same 404
//! as for a photo HQ does not hold. The work, and who may, is in [`crate::photo_files`].

use crate::extract::{Path, Query};
use crate::photo_files::{self, Chunk};
use crate::routes::Authed;
use crate::HqState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::photo::wire::{
    PhotoUploadStatus, HASH_MISMATCH, OFFSET_HEADER, OFFSET_MISMATCH, RECORD_HEADER, SIZE_HEADER,
    TOO_LARGE, VERIFIED_HEADER,
};
use beatbook_domain::protocol::ApiErrorBody;
use serde::Deserialize;

pub use crate::photo_files::PhotoError;

impl IntoResponse for PhotoError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        let (status, code, offset) = match self {
            PhotoError::Api(e) => return e.into_response(),
            PhotoError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE, None),
            PhotoError::OffsetMismatch { held } => {
                (StatusCode::CONFLICT, OFFSET_MISMATCH, Some(held))
            }
            PhotoError::HashMismatch => (StatusCode::UNPROCESSABLE_ENTITY, HASH_MISMATCH, Some(0)),
        };
        let body = ApiErrorBody {
            code: code.to_owned(),
            message,
        };
        let mut resp = (status, Json(body)).into_response();
        if let Some(o) = offset {
            resp.headers_mut()
                .insert(OFFSET_HEADER, HeaderValue::from(o));
        }
        resp
    }
}

#[derive(Debug, Deserialize)]
pub struct PutQuery {
    pub offset: u64,
}

#[utoipa::path(head, path = "/api/v1/photos/{sha256}", tag = "photos",
    params(("sha256" = String, Path, pattern = "^[0-9a-f]{64}$", description = "SHA-256 of the photo, lower-case hex"),
           ("photo-record" = Option<uuid::Uuid>, Header, description = "The record the device uploads the photo for: `photo-verified` is `true` only when HQ holds the photo for that record")),
    security(("bearer" = [])),
    responses((status = 200, description = "`upload-offset`: bytes of this device's upload HQ holds (the whole photo when verified); `photo-verified`: whole, hash checked, and the officer may see it"),
              (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 404, description = "No upload under way from this device, and no photo by this name that the officer may see (the same answer either way): upload from offset 0")))]
pub async fn head(
    auth: Authed,
    State(state): State<HqState>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PhotoError> {
    let record = headers
        .get(RECORD_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let Some((offset, verified)) = photo_files::held(&state, &auth, &sha256, record).await? else {
        return Err(photo_files::not_found());
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
    params(("sha256" = String, Path, pattern = "^[0-9a-f]{64}$", description = "SHA-256 of the photo, lower-case hex"),
           ("offset" = u64, Query, description = "Where this chunk starts: must equal the bytes HQ holds"),
           ("photo-size" = u64, Header, minimum = 1, maximum = 15728640, description = "The whole photo's size in bytes (at most 15 MiB)"),
           ("photo-record" = uuid::Uuid, Header, description = "The record that lists the photo; HQ must have it, and the officer must be able to see it")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    responses((status = 200, body = PhotoUploadStatus),
              (status = 400, description = "Not a SHA-256 in lower-case hex, or a size or record header missing or not valid", body = ApiErrorBody),
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
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let chunk = Chunk {
        offset: q.offset,
        size: header(SIZE_HEADER).and_then(|v| v.parse().ok()),
        record: header(RECORD_HEADER).and_then(|v| v.parse().ok()),
        mime: header(axum::http::header::CONTENT_TYPE.as_str()).map(str::to_owned),
        bytes: &body,
    };
    Ok(Json(
        photo_files::append(&state, &auth, &sha256, chunk).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/photos/{sha256}", tag = "photos",
    params(("sha256" = String, Path, pattern = "^[0-9a-f]{64}$", description = "SHA-256 of the photo, lower-case hex")),
    security(("bearer" = [])),
    responses((status = 200, description = "The photo's bytes", content_type = "image/*"),
              (status = 404, description = "No photo by this name that the officer may see now (the same answer for a photo HQ does not hold)", body = ApiErrorBody),
              (status = 400, description = "Not a SHA-256 in lower-case hex", body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
pub async fn get(
    auth: Authed,
    State(state): State<HqState>,
    Path(sha256): Path<String>,
) -> Result<Response, PhotoError> {
    let (mime, bytes) = photo_files::read(&state, &auth, &sha256).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, mime)], bytes).into_response())
}
