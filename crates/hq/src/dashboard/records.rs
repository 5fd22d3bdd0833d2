//! Records for HQ staff: list and filter, and one record. The work is in [`crate::records`]; who
//! may see what is decided in `domain::access`. (The subject access search is the data protection
//! officer's: [`super::subject_access`].)

use super::auth::Staff;
use super::purpose::Purposed;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::HqState;
use axum::extract::State;
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::RecordId;

pub use crate::records::{
    load, scan, HistoryItem, ListQuery, Loaded, Look, RecordDetail, RecordList, SCAN_LIMIT,
};
pub use beatbook_domain::access::hq_may_see;

/// Write one disclosure to the access log. Called before the records are sent.
pub async fn log(
    state: &HqState,
    staff: &Staff,
    action: &str,
    record_ids: Vec<RecordId>,
    detail: String,
) -> Result<(), ApiError> {
    crate::records::log_disclosure(state, &staff.officer.id, action, record_ids, detail).await
}

/// `GET /api/v1/hq/records`: newest first, a page at a time. Supervisors, analysts, force-wide
/// readers and the intelligence unit, with a purpose (`beatbook-purpose`), logged with it; an
/// analyst reads names and contact details masked unless the purpose unmasks.
#[utoipa::path(get, path = "/api/v1/hq/records", tag = "hq", operation_id = "hq_records",
    params(ListQuery, PurposeHeader),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = RecordList), (status = 400, description = "Not valid, or `purpose_required`: no purpose given, or not one of the force's", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor, analyst or the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such team", body = ApiErrorBody)))]
pub async fn list(
    State(state): State<HqState>,
    staff: Staff,
    purposed: Result<Purposed, ApiError>,
    Query(q): Query<ListQuery>,
) -> Result<Json<RecordList>, ApiError> {
    staff.require(HqAction::ReadRecords)?;
    let look = Look::new(&state, &staff.officer, &purposed?);
    Ok(Json(
        crate::records::list(&state, &staff.officer, &q, &look).await?,
    ))
}

/// `GET /api/v1/hq/records/{id}`: one record with its history, if the role may see it, with a
/// purpose; logged with it, masked for an analyst unless the purpose unmasks.
#[utoipa::path(get, path = "/api/v1/hq/records/{id}", tag = "hq", operation_id = "hq_record",
    params(("id" = uuid::Uuid, Path, description = "The record"), PurposeHeader),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = RecordDetail), (status = 400, description = "`purpose_required`: no purpose given, or not one of the force's", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor, analyst or the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such record, or not one this role may see", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    purposed: Result<Purposed, ApiError>,
    Path(id): Path<RecordId>,
) -> Result<Json<RecordDetail>, ApiError> {
    staff.require(HqAction::ReadRecords)?;
    let look = Look::new(&state, &staff.officer, &purposed?);
    Ok(Json(
        crate::records::detail(&state, &staff.officer, id, &look).await?,
    ))
}

/// The purpose of a read of personal data, as a request header (OpenAPI only: the handlers read
/// it with [`Purposed`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct PurposeHeader {
    /// Why: form-encoded `code=...&reference=...&note=...`, `code` one of
    /// `GET /api/v1/hq/purposes` (e.g. `code=investigation&reference=CAD+1234`). Without it, or
    /// with one the force does not allow, the answer is `400 purpose_required`. The pattern is
    /// the default list's (`[access] purposes` may change it): investigation, safeguarding,
    /// subject access and audit need a reference (at most 60 characters).
    #[param(
        rename = "beatbook-purpose",
        pattern = "^code=(performance_review|supervision)$|^code=(investigation|safeguarding|subject_access|audit)&reference=[A-Za-z0-9]{1,60}$"
    )]
    pub purpose: String,
}
