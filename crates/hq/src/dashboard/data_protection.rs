//! Rectification and restriction, for the data protection officer
//! (`/api/v1/hq/data-protection/records/{id}`). The work is in [`crate::rectify`]. Every call
//! carries a purpose (the subject's request), logged with it.

use super::auth::Staff;
use super::purpose::Purposed;
use crate::error::ApiError;
use crate::extract::Path;
use crate::HqState;
use axum::extract::State;
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::RecordId;

pub use crate::rectify::{
    DpField, DpLogItem, DpRecord, DpRestriction, DpText, DpVersion, RectifyRequest, RestrictRequest,
};

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn body<T>(b: Body<T>) -> Result<T, ApiError> {
    b.map(|Json(v)| v)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// `GET /api/v1/hq/data-protection/records/{id}`: a record as the data protection officer
/// corrects it, restricted or not, with its earlier text versions. Sources and raw intelligence
/// are refused (`403`, in words). Logged with the purpose.
#[utoipa::path(get, path = "/api/v1/hq/data-protection/records/{id}", tag = "hq", operation_id = "hq_dp_record",
    params(("id" = uuid::Uuid, Path, description = "The record"),
        super::records::PurposeHeader),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = DpRecord), (status = 400, description = "No purpose given (`purpose_required`)", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer, or a source or raw intelligence", body = ApiErrorBody), (status = 404, description = "No such record", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
    purposed: Purposed,
) -> Result<Json<DpRecord>, ApiError> {
    staff.require(HqAction::Rectify)?;
    let words = purposed.words(&state);
    Ok(Json(
        crate::rectify::view(&state, &staff.officer, id, words).await?,
    ))
}

/// `POST /api/v1/hq/data-protection/records/{id}/rectify`: correct a field (a plain value, or
/// a text: its new version replaces the current one) or remove a text's earlier versions, with a
/// note. Written as HQ's op, so it reaches every tablet holding the record. The record as it is
/// then.
#[utoipa::path(post, path = "/api/v1/hq/data-protection/records/{id}/rectify", tag = "hq", operation_id = "hq_dp_rectify",
    params(("id" = uuid::Uuid, Path, description = "The record"),
        super::records::PurposeHeader),
    request_body = RectifyRequest,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = DpRecord), (status = 400, description = "Not valid (field by field), or no purpose", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer, or a source or raw intelligence", body = ApiErrorBody), (status = 404, description = "No such record", body = ApiErrorBody)))]
pub async fn rectify(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
    purposed: Purposed,
    b: Body<RectifyRequest>,
) -> Result<Json<DpRecord>, ApiError> {
    staff.require(HqAction::Rectify)?;
    let req = body(b)?;
    let words = purposed.words(&state);
    Ok(Json(
        crate::rectify::rectify(&state, &staff.officer, id, req, words).await?,
    ))
}

/// `POST /api/v1/hq/data-protection/records/{id}/restrict`: restrict a record with a reason. It
/// is kept, but leaves every list, search, drill-down, framework figure and tablet until lifted.
#[utoipa::path(post, path = "/api/v1/hq/data-protection/records/{id}/restrict", tag = "hq", operation_id = "hq_dp_restrict",
    params(("id" = uuid::Uuid, Path, description = "The record"),
        super::records::PurposeHeader),
    request_body = RestrictRequest,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = DpRecord), (status = 400, description = "No reason, already restricted, or no purpose", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer, or a source or raw intelligence", body = ApiErrorBody), (status = 404, description = "No such record", body = ApiErrorBody)))]
pub async fn restrict(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
    purposed: Purposed,
    b: Body<RestrictRequest>,
) -> Result<Json<DpRecord>, ApiError> {
    staff.require(HqAction::Restrict)?;
    let req = body(b)?;
    let words = purposed.words(&state);
    Ok(Json(
        crate::rectify::restrict(&state, &staff.officer, id, &req.reason, words).await?,
    ))
}

/// `POST /api/v1/hq/data-protection/records/{id}/lift`: lift a restriction, with a note. The
/// record returns to lists, figures and the tablets that may hold it.
#[utoipa::path(post, path = "/api/v1/hq/data-protection/records/{id}/lift", tag = "hq", operation_id = "hq_dp_lift",
    params(("id" = uuid::Uuid, Path, description = "The record"),
        super::records::PurposeHeader),
    request_body = RestrictRequest,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = DpRecord), (status = 400, description = "No note, not restricted, or no purpose", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the data protection officer, or a source or raw intelligence", body = ApiErrorBody), (status = 404, description = "No such record", body = ApiErrorBody)))]
pub async fn lift(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
    purposed: Purposed,
    b: Body<RestrictRequest>,
) -> Result<Json<DpRecord>, ApiError> {
    staff.require(HqAction::Restrict)?;
    let req = body(b)?;
    let words = purposed.words(&state);
    Ok(Json(
        crate::rectify::lift(&state, &staff.officer, id, &req.note, words).await?,
    ))
}
