//! The overlaps endpoint (`/api/v1/hq/framework/overlaps`). The work is in [`crate::overlaps`].

use super::auth::Staff;
use crate::error::ApiError;
use crate::extract::Query;
use crate::HqState;
use axum::extract::State;
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::protocol::ApiErrorBody;
use chrono::NaiveDate;
use serde::Deserialize;

pub use crate::overlaps::Overlap;

#[derive(Deserialize, Default, Debug, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct OverlapQuery {
    /// The first day included (default 28 days before `to`).
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<NaiveDate>,
    /// The last day included (default today).
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<NaiveDate>,
}

/// `GET /api/v1/hq/framework/overlaps?from=&to=` (default the last 28 days). Figures and
/// priority titles only.
#[utoipa::path(get, path = "/api/v1/hq/framework/overlaps", tag = "hq", operation_id = "hq_framework_overlaps",
    params(OverlapQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "One per town centre of each Town Centre Team", body = Vec<Overlap>), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<OverlapQuery>,
) -> Result<Json<Vec<Overlap>>, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    Ok(Json(crate::overlaps::list(&state, q.from, q.to).await?))
}
