//! The records lifecycle endpoints, for the records manager (`/api/v1/hq/retention/*`): the
//! review queue, decisions, and the decisions log. The work is in [`crate::retention`]; every
//! other role is refused.

use super::auth::Staff;
use crate::error::ApiError;
use crate::HqState;
use axum::extract::{Query, State};
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::protocol::ApiErrorBody;
use serde::Deserialize;

pub use crate::retention::{
    DecisionRequest, DecisionView, QueueQuery, RetentionItem, RetentionQueue,
};

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

/// `GET /api/v1/hq/retention/queue`: records due for review (overdue, or within a window),
/// filtered by kind, team, area and created date, oldest review date first, with the latest
/// decisions. The records manager only; logged.
#[utoipa::path(get, path = "/api/v1/hq/retention/queue", tag = "hq", operation_id = "hq_retention_queue",
    params(QueueQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = RetentionQueue), (status = 400, description = "Not valid (an unknown team or area, a window too wide); `fields` says which", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a records manager", body = ApiErrorBody)))]
pub async fn queue(
    State(state): State<HqState>,
    staff: Staff,
    q: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<RetentionQueue>, ApiError> {
    staff.require(HqAction::ReviewRetention)?;
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok(Json(
        crate::retention::queue(&state, &staff.officer.id, &q).await?,
    ))
}

/// `POST /api/v1/hq/retention/decisions`: retain (until a date no later than the kind's
/// maximum), dispose of, hold or release the records named or every record a filter matches,
/// with one reason. All or nothing: one record refused refuses the decision, nothing changed.
/// A disposal erases the records at once, and tablets remove them at their next sync.
#[utoipa::path(post, path = "/api/v1/hq/retention/decisions", tag = "hq", operation_id = "hq_retention_decide",
    request_body = DecisionRequest,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The decision as logged", body = DecisionView), (status = 400, description = "Not valid (no reason, a date past the kind's maximum, ...): `fields` says which", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a records manager", body = ApiErrorBody), (status = 404, description = "A record HQ does not hold", body = ApiErrorBody), (status = 409, description = "A record is on hold", body = ApiErrorBody)))]
pub async fn decide(
    State(state): State<HqState>,
    staff: Staff,
    b: Body<DecisionRequest>,
) -> Result<Json<DecisionView>, ApiError> {
    staff.require(HqAction::ReviewRetention)?;
    let Json(req) = b.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let view = crate::retention::decide(&state, &staff.officer.id, &req).await?;
    crate::admin_log::record(
        &state,
        crate::admin_log::AdminEvent::new(
            Some(&staff.officer.id),
            "retention_decision",
            format!(
                "Retention decision {}: {} record{} {}. Reason: {}",
                view.seq,
                view.count,
                if view.count == 1 { "" } else { "s" },
                view.decision_words,
                view.reason
            ),
        ),
    )
    .await?;
    Ok(Json(view))
}

#[derive(Deserialize, Default, Debug, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct DecisionsQuery {
    /// At most this many (1 to 1000, default 50).
    #[param(minimum = 1, maximum = 1000)]
    #[serde(deserialize_with = "crate::extract::ranged::<_, 1, 1000>")]
    pub limit: Option<u32>,
}

/// `GET /api/v1/hq/retention/decisions`: the decisions log, newest first.
#[utoipa::path(get, path = "/api/v1/hq/retention/decisions", tag = "hq", operation_id = "hq_retention_decisions",
    params(DecisionsQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<DecisionView>), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a records manager", body = ApiErrorBody)))]
pub async fn decisions(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<DecisionsQuery>,
) -> Result<Json<Vec<DecisionView>>, ApiError> {
    staff.require(HqAction::ReviewRetention)?;
    Ok(Json(crate::retention::decisions(&state, q.limit).await?))
}
