//! Subject access (issue 16): the data protection officer's search, requests and packs, and the
//! intelligence unit's review of what they withheld. The work is in [`crate::subject_access`].
//!
//! The role is checked before the purpose, so a role that may not do it is refused `403` (and the
//! refusal logged) whether or not it gave a purpose.

use super::auth::Staff;
use super::purpose::Purposed;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::subject_access::{
    self as sar, NewSubjectRequest, RedactionQueue, RedactionRequest, SubjectAccessPack,
    SubjectRequestSummary, SubjectRequestView, SubjectResults, SubjectSearchParams,
};
use crate::HqState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use beatbook_domain::access::HqAction;
use beatbook_domain::protocol::ApiErrorBody;
use uuid::Uuid;

/// `GET /api/v1/hq/subject-access`: a page of the records about a person. Data protection only,
/// with a purpose; logged.
#[utoipa::path(get, path = "/api/v1/hq/subject-access", tag = "hq", operation_id = "hq_subject_access",
    params(SubjectSearchParams, super::records::PurposeHeader),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = SubjectResults), (status = 400, description = "Nothing to look for, a name part too short, a phone number too short, or no purpose (`purpose_required`)", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer", body = ApiErrorBody)))]
pub async fn search(
    State(state): State<HqState>,
    staff: Staff,
    purposed: Result<Purposed, ApiError>,
    Query(q): Query<SubjectSearchParams>,
) -> Result<Json<SubjectResults>, ApiError> {
    staff.require(HqAction::SubjectAccess)?;
    let words = purposed?.words(&state);
    Ok(Json(sar::search(&state, &staff.officer, &q, words).await?))
}

/// `GET /api/v1/hq/subject-access/requests`: the requests, newest first. Data protection only.
#[utoipa::path(get, path = "/api/v1/hq/subject-access/requests", tag = "hq", operation_id = "hq_subject_requests",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<SubjectRequestSummary>), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer", body = ApiErrorBody)))]
pub async fn requests(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<Vec<SubjectRequestSummary>>, ApiError> {
    staff.require(HqAction::SubjectAccess)?;
    Ok(Json(sar::list(&state).await?))
}

/// `POST /api/v1/hq/subject-access/requests`: make a request (its reference and what to look
/// for); the withheld records go to the intelligence unit. Data protection only, with a purpose.
#[utoipa::path(post, path = "/api/v1/hq/subject-access/requests", tag = "hq", operation_id = "hq_subject_request_new",
    request_body = NewSubjectRequest,
    params(super::records::PurposeHeader),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = SubjectRequestView), (status = 400, description = "Not valid (field errors), too many records, or no purpose", body = ApiErrorBody), (status = 415, description = "The body is not sent as JSON", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer", body = ApiErrorBody)))]
pub async fn create(
    State(state): State<HqState>,
    staff: Staff,
    purposed: Result<Purposed, ApiError>,
    Json(new): Json<NewSubjectRequest>,
) -> Result<Json<SubjectRequestView>, ApiError> {
    staff.require(HqAction::SubjectAccess)?;
    let words = purposed?.words(&state);
    Ok(Json(
        sar::create(&state, &staff.officer, &new, words).await?,
    ))
}

/// `GET /api/v1/hq/subject-access/requests/{id}`: a request with its records as they stand.
#[utoipa::path(get, path = "/api/v1/hq/subject-access/requests/{id}", tag = "hq", operation_id = "hq_subject_request",
    params(("id" = uuid::Uuid, Path, description = "The request"), super::records::PurposeHeader),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = SubjectRequestView), (status = 400, description = "No purpose", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer", body = ApiErrorBody), (status = 404, description = "No such request", body = ApiErrorBody)))]
pub async fn request(
    State(state): State<HqState>,
    staff: Staff,
    purposed: Result<Purposed, ApiError>,
    Path(id): Path<Uuid>,
) -> Result<Json<SubjectRequestView>, ApiError> {
    staff.require(HqAction::SubjectAccess)?;
    let words = purposed?.words(&state);
    Ok(Json(sar::view(&state, &staff.officer, id, words).await?))
}

/// `GET /api/v1/hq/subject-access/requests/{id}/pack.json`: the pack. Logged as an export with
/// the request's reference as its purpose.
#[utoipa::path(get, path = "/api/v1/hq/subject-access/requests/{id}/pack.json", tag = "hq", operation_id = "hq_subject_pack_json",
    params(("id" = uuid::Uuid, Path, description = "The request")),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = SubjectAccessPack), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer", body = ApiErrorBody), (status = 404, description = "No such request", body = ApiErrorBody)))]
pub async fn pack_json(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    staff.require(HqAction::SubjectAccess)?;
    let pack = sar::pack(&state, &staff.officer, id).await?;
    let name = format!(
        "attachment; filename=\"subject-access-{}.json\"",
        file_safe(&pack.reference)
    );
    Ok(([(header::CONTENT_DISPOSITION, name)], Json(pack)).into_response())
}

/// `GET /api/v1/hq/subject-access/requests/{id}/pack.html`: the pack as a printable page.
#[utoipa::path(get, path = "/api/v1/hq/subject-access/requests/{id}/pack.html", tag = "hq", operation_id = "hq_subject_pack_html",
    params(("id" = uuid::Uuid, Path, description = "The request")),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The printable pack", content_type = "text/html"), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer", body = ApiErrorBody), (status = 404, description = "No such request", body = ApiErrorBody)))]
pub async fn pack_html(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    staff.require(HqAction::SubjectAccess)?;
    let pack = sar::pack(&state, &staff.officer, id).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The page carries its own style and no script.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        sar::pack_html(&pack),
    )
        .into_response())
}

fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `GET /api/v1/hq/subject-access/redactions`: the records subject access requests withheld,
/// waiting and decided. The intelligence unit only; logged.
#[utoipa::path(get, path = "/api/v1/hq/subject-access/redactions", tag = "hq", operation_id = "hq_subject_redactions",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = RedactionQueue), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the intelligence unit", body = ApiErrorBody)))]
pub async fn redactions(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<RedactionQueue>, ApiError> {
    staff.require(HqAction::RedactForSubjectAccess)?;
    Ok(Json(sar::queue(&state, &staff.officer).await?))
}

/// `POST /api/v1/hq/subject-access/redactions`: decide on a withheld record: disclose, disclose
/// redacted (with the text), or withhold (with the exemption), with a reason. Logged.
#[utoipa::path(post, path = "/api/v1/hq/subject-access/redactions", tag = "hq", operation_id = "hq_subject_redaction",
    request_body = RedactionRequest,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 204, description = "Decided"), (status = 400, description = "Not valid (field errors)", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such request, or a record it did not withhold", body = ApiErrorBody), (status = 415, description = "The body is not sent as JSON", body = ApiErrorBody)))]
pub async fn decide(
    State(state): State<HqState>,
    staff: Staff,
    Json(r): Json<RedactionRequest>,
) -> Result<StatusCode, ApiError> {
    staff.require(HqAction::RedactForSubjectAccess)?;
    sar::decide(&state, &staff.officer, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}
