//! Records for HQ staff: list and filter, and one record. The work is in [`crate::records`]; who
//! may see what is decided in `domain::access`. (The subject access search is the data protection
//! officer's: [`super::subject_access`].)

use super::auth::Staff;
use crate::error::ApiError;
use crate::HqState;
use axum::extract::{Path, Query, State};
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::RecordId;

pub use crate::records::{
    load, scan, HistoryItem, ListQuery, Loaded, RecordDetail, RecordList, SCAN_LIMIT,
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

/// `GET /api/v1/hq/records`: newest first, a page at a time. Supervisors, analysts and the
/// intelligence unit.
#[utoipa::path(get, path = "/api/v1/hq/records", tag = "hq", operation_id = "hq_records",
    params(ListQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = RecordList), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor, analyst or the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such team", body = ApiErrorBody)))]
pub async fn list(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Json<RecordList>, ApiError> {
    staff.require(HqAction::ReadRecords)?;
    Ok(Json(
        crate::records::list(&state, &staff.officer, &q).await?,
    ))
}

/// `GET /api/v1/hq/records/{id}`: one record with its history, if the role may see it.
#[utoipa::path(get, path = "/api/v1/hq/records/{id}", tag = "hq", operation_id = "hq_record",
    params(("id" = uuid::Uuid, Path, description = "The record")),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = RecordDetail), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor, analyst or the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such record, or not one this role may see", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
) -> Result<Json<RecordDetail>, ApiError> {
    staff.require(HqAction::ReadRecords)?;
    Ok(Json(
        crate::records::detail(&state, &staff.officer, id).await?,
    ))
}
