//! The intelligence review endpoints, for the intelligence unit (`/api/v1/hq/intel/*`). The work
//! is in [`crate::intel_review`].

use super::auth::Staff;
use super::purpose::Purposed;
use crate::error::ApiError;
use crate::extract::Path;
use crate::records::Look;
use crate::HqState;
use axum::extract::State;
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::views::RecordSummary;
use beatbook_domain::RecordId;

pub use crate::intel_review::{
    Disseminate, Disseminated, QueueItem, Regrade, ReportDetail, HQ_REVIEW_DEVICE,
};

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn body<T>(b: Body<T>) -> Result<T, ApiError> {
    b.map(|Json(v)| v)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// `GET /api/v1/hq/intel/queue`: reports waiting for review (submitted or reviewed), oldest
/// first. The intelligence unit only, with a purpose (`beatbook-purpose`); logged with it.
#[utoipa::path(get, path = "/api/v1/hq/intel/queue", tag = "hq", operation_id = "hq_intel_queue",
    params(super::records::PurposeHeader),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<QueueItem>), (status = 400, description = "`purpose_required`: no purpose given, or not one of the force's", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the intelligence unit", body = ApiErrorBody)))]
pub async fn queue(
    State(state): State<HqState>,
    staff: Staff,
    purposed: Result<Purposed, ApiError>,
) -> Result<Json<Vec<QueueItem>>, ApiError> {
    staff.require(HqAction::ReviewIntel)?;
    let look = Look::new(&state, &staff.officer, &purposed?);
    Ok(Json(
        crate::intel_review::queue(&state, &staff.officer, &look).await?,
    ))
}

/// `GET /api/v1/hq/intel/{id}`: a report with its source details. The intelligence unit only;
/// logged with the ids of both and the purpose (`beatbook-purpose`), which it needs.
#[utoipa::path(get, path = "/api/v1/hq/intel/{id}", tag = "hq", operation_id = "hq_intel_report",
    params(("id" = uuid::Uuid, Path, description = "The intelligence report"), super::records::PurposeHeader),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = ReportDetail), (status = 400, description = "`purpose_required`: no purpose given, or not one of the force's", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such intelligence report", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    purposed: Result<Purposed, ApiError>,
    Path(id): Path<RecordId>,
) -> Result<Json<ReportDetail>, ApiError> {
    staff.require(HqAction::ReviewIntel)?;
    let look = Look::new(&state, &staff.officer, &purposed?);
    Ok(Json(
        crate::intel_review::report(&state, &staff.officer, id, &look).await?,
    ))
}

/// `POST /api/v1/hq/intel/{id}/grade`: check and re-grade a report (3x5x2, with handling
/// conditions for code C); it becomes `reviewed`.
#[utoipa::path(post, path = "/api/v1/hq/intel/{id}/grade", tag = "hq", operation_id = "hq_intel_grade",
    params(("id" = uuid::Uuid, Path, description = "The intelligence report")),
    request_body = Regrade,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The report as graded (`RecordSummary` in the TypeScript bindings)", body = Object), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such intelligence report", body = ApiErrorBody), (status = 409, description = "Already sanitised and shared", body = ApiErrorBody)))]
pub async fn grade(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
    b: Body<Regrade>,
) -> Result<Json<RecordSummary>, ApiError> {
    staff.require(HqAction::ReviewIntel)?;
    let req = body(b)?;
    Ok(Json(
        crate::intel_review::grade(&state, &staff.officer, id, req).await?,
    ))
}

/// `POST /api/v1/hq/intel/{id}/disseminate`: sanitise a report and share it with teams. Makes a
/// new sanitised report (no source link), disseminated to `teams`; the raw report becomes
/// `sanitised` and stays restricted. Handling code C limits sharing to teams covering one of the
/// report's areas. Text naming the source (its name or contact) is refused.
#[utoipa::path(post, path = "/api/v1/hq/intel/{id}/disseminate", tag = "hq", operation_id = "hq_intel_disseminate",
    params(("id" = uuid::Uuid, Path, description = "The intelligence report")),
    request_body = Disseminate,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Disseminated), (status = 400, description = "Not valid, a team may not receive it (handling code C), or the text still identifies the source", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such intelligence report", body = ApiErrorBody), (status = 409, description = "Already sanitised and shared", body = ApiErrorBody)))]
pub async fn disseminate(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
    b: Body<Disseminate>,
) -> Result<Json<Disseminated>, ApiError> {
    staff.require(HqAction::ReviewIntel)?;
    let req = body(b)?;
    Ok(Json(
        crate::intel_review::disseminate(&state, &staff.officer, id, req).await?,
    ))
}
