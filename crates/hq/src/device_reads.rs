//! `POST /api/v1/sync/reads`: the tablet's reads (opening a record, a search, a list beyond the
//! shift's briefing, see `beatbook_domain::device_reads`) into HQ's access log, each with the
//! device, the signed-in officer, and the shift in words as its purpose ("On duty: Camden Town
//! Centre Team, Camden Town"). Idempotent: a read already logged (a batch sent again after its
//! answer was lost) is acknowledged and not logged twice (the `device_reads` ledger). The
//! tablet deletes what HQ acknowledges.

use crate::dashboard::audit::AccessEntry;
use crate::device_sessions::Authed;
use crate::error::ApiError;
use crate::HqState;
use axum::extract::State;
use axum::Json;
use beatbook_domain::device_reads::{logged_at, validate_batch, DeviceRead, ReadAction};
use beatbook_domain::protocol::{ApiErrorBody, ReadsRequest, ReadsResponse};
use chrono::{DateTime, Utc};

/// What the access log's detail says of a read on the tablet, in words.
fn detail(read: &DeviceRead) -> String {
    match read.action {
        ReadAction::View => "Opened on the tablet".to_owned(),
        ReadAction::Search if read.detail.is_empty() => "Searched on the tablet".to_owned(),
        ReadAction::Search => format!("Searched on the tablet for \u{201c}{}\u{201d}", read.detail),
        ReadAction::List if read.detail.is_empty() => "Listed on the tablet".to_owned(),
        ReadAction::List => format!("Listed on the tablet: {}", read.detail),
    }
}

/// The access-log entry HQ writes for one read.
pub fn access_entry(authed: &Authed, read: &DeviceRead, now: DateTime<Utc>) -> AccessEntry {
    AccessEntry {
        at: logged_at(read.at, now),
        officer_id: authed.officer.id.clone(),
        device_id: Some(authed.device),
        action: read.action.as_str().to_owned(),
        record_ids: read.record_ids.clone(),
        detail: detail(read),
        purpose: read.shift.words(),
    }
}

/// Log a batch of reads from the signed-in device: all of it, or (bad input) none of it.
pub async fn log_reads(
    state: &HqState,
    authed: &Authed,
    req: ReadsRequest,
) -> Result<ReadsResponse, ApiError> {
    validate_batch(&req.reads)?;
    let now = Utc::now();
    let entries: Vec<(u64, AccessEntry)> = req
        .reads
        .iter()
        .map(|r| (r.seq, access_entry(authed, r, now)))
        .collect();
    let logged = state
        .storage
        .log_device_reads(authed.device, &entries)
        .await?;
    Ok(ReadsResponse {
        acknowledged: req.reads.iter().map(|r| r.seq).collect(),
        logged,
    })
}

#[utoipa::path(post, path = "/api/v1/sync/reads", tag = "sync",
    request_body = ReadsRequest, security(("bearer" = [])),
    responses((status = 200, description = "Every read of the batch is in HQ's access log (logged now, or by an earlier try): the device deletes them", body = ReadsResponse), (status = 400, description = "A read HQ cannot log (`bad_request`, with `fields`: `reads[2].seq`...): nothing of the batch was logged", body = ApiErrorBody), (status = 401, description = "Token missing, invalid (`unauthorised`) or expired (`token_expired`)", body = ApiErrorBody), (status = 403, description = "Device revoked: wipe", body = ApiErrorBody), (status = 413, description = "Body too large", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn post(
    State(state): State<HqState>,
    authed: Authed,
    body: Result<Json<ReadsRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<ReadsResponse>, ApiError> {
    let Json(req) = body.map_err(crate::routes::bad_json)?;
    Ok(Json(log_reads(&state, &authed, req).await?))
}
