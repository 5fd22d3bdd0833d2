//! Improvement actions' endpoints (`/api/v1/hq/actions*`) and the types they answer: open an
//! action from a cell of the board, list and read them, add progress, close with evidence. The
//! work is in [`crate::actions`]; the rules are the domain's
//! ([`beatbook_domain::improvement`]).

use super::auth::Staff;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::HqState;
use axum::extract::State;
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::improvement::{
    ActionStatus, ActionUpdate, CloseRequest, ImprovementAction, NewAction, Progress,
};
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::{RecordId, TeamId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A progress update as the dashboard shows it: who wrote it, by name.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct UpdateView {
    pub note: String,
    /// On or off track, if the update said.
    pub progress: Option<Progress>,
    pub at: DateTime<Utc>,
    /// Who wrote it, e.g. `PC Amira Khan (PC4127)`.
    pub author_name: String,
}

/// An improvement action as the dashboard shows it: the record's fields, with the team and
/// measure in words, its status, whether it is overdue, and its updates.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ActionView {
    #[schema(value_type = String, format = Uuid)]
    pub id: RecordId,
    #[serde(flatten)]
    pub action: ImprovementAction,
    pub team_name: String,
    /// The measure in words: `Hotspot patrol hours per week at peak times`.
    pub measure_label: String,
    pub status: ActionStatus,
    /// Its due date has passed and it is still open.
    pub overdue: bool,
    /// Its review date has passed and it is still open.
    pub review_overdue: bool,
    /// Oldest first.
    pub updates: Vec<UpdateView>,
    /// Months in a row the measure must be on target to close it on the figures (HQ's
    /// `[framework] periods_on_target`).
    pub periods_on_target: u32,
}

/// The open action on a cell of the board (a team and a measure).
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CellAction {
    #[schema(value_type = String, format = Uuid)]
    pub id: RecordId,
    pub status: ActionStatus,
    #[ts(type = "string")]
    pub due_on: NaiveDate,
    #[ts(type = "string")]
    pub review_on: NaiveDate,
    pub overdue: bool,
    pub review_overdue: bool,
}

#[derive(Deserialize, Default, Debug, ts_rs::TS, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ActionsQuery {
    /// Only this team's actions.
    #[ts(optional, type = "string")]
    #[param(value_type = Option<String>)]
    pub team: Option<TeamId>,
    /// `open`, `closed` or `all` (the default).
    #[ts(optional, type = "\"open\" | \"closed\" | \"all\"")]
    #[param(pattern = "^(open|closed|all)$")]
    pub state: Option<String>,
}

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn body<T>(b: Body<T>) -> Result<T, ApiError> {
    b.map(|Json(v)| v)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// `POST /api/v1/hq/actions`: open an improvement action from a cell of the board. Supervisors,
/// for the teams they supervise.
#[utoipa::path(post, path = "/api/v1/hq/actions", tag = "hq", operation_id = "hq_actions_open",
    request_body = NewAction,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The action as opened", body = ActionView), (status = 400, description = "A field missing or wrong (`fields`: owner, due date, measure, ...)", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor of the team", body = ApiErrorBody), (status = 409, description = "The team already has an open action on the measure", body = ApiErrorBody)))]
pub async fn open(
    State(state): State<HqState>,
    staff: Staff,
    b: Body<NewAction>,
) -> Result<Json<ActionView>, ApiError> {
    staff.require(HqAction::ManageActions)?;
    let new = body(b)?;
    Ok(Json(
        crate::actions::open(&state, &staff.officer, new).await?,
    ))
}

/// `GET /api/v1/hq/actions?team=&state=`: improvement actions, open ones first by due date.
/// Supervisors, analysts and administrators; logged (they name owners).
#[utoipa::path(get, path = "/api/v1/hq/actions", tag = "hq", operation_id = "hq_actions_list",
    params(ActionsQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<ActionView>), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn list(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<ActionsQuery>,
) -> Result<Json<Vec<ActionView>>, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    Ok(Json(
        crate::actions::list(&state, &staff.officer, &q).await?,
    ))
}

/// `GET /api/v1/hq/actions/{id}`: one improvement action with its updates; logged.
#[utoipa::path(get, path = "/api/v1/hq/actions/{id}", tag = "hq", operation_id = "hq_actions_get",
    params(("id" = uuid::Uuid, Path, description = "The improvement action")),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = ActionView), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody), (status = 404, description = "No such improvement action", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
) -> Result<Json<ActionView>, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    Ok(Json(crate::actions::get(&state, &staff.officer, id).await?))
}

/// `POST /api/v1/hq/actions/{id}/updates`: add a progress update (a note, on or off track).
/// Supervisors of the action's team.
#[utoipa::path(post, path = "/api/v1/hq/actions/{id}/updates", tag = "hq", operation_id = "hq_actions_update",
    params(("id" = uuid::Uuid, Path, description = "The improvement action")),
    request_body = ActionUpdate,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The action with the update", body = ActionView), (status = 400, description = "Not valid (`fields`: note)", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor of the team", body = ApiErrorBody), (status = 404, description = "No such improvement action", body = ApiErrorBody), (status = 409, description = "The action is closed", body = ApiErrorBody)))]
pub async fn add_update(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
    b: Body<ActionUpdate>,
) -> Result<Json<ActionView>, ApiError> {
    staff.require(HqAction::ManageActions)?;
    let update = body(b)?;
    Ok(Json(
        crate::actions::add_update(&state, &staff.officer, id, update).await?,
    ))
}

/// `POST /api/v1/hq/actions/{id}/close`: close an action on the figures (the measure on target
/// in each of the last `periods_on_target` complete months) or for a reason. Supervisors of the
/// action's team.
#[utoipa::path(post, path = "/api/v1/hq/actions/{id}/close", tag = "hq", operation_id = "hq_actions_close",
    params(("id" = uuid::Uuid, Path, description = "The improvement action")),
    request_body = CloseRequest,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The action as closed", body = ActionView), (status = 400, description = "Not on target (`fields`: evidence, naming each month that was not), a reason too short (`reason`), or already closed (`closure`)", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor of the team", body = ApiErrorBody), (status = 404, description = "No such improvement action", body = ApiErrorBody), (status = 409, description = "Closed meanwhile", body = ApiErrorBody)))]
pub async fn close(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
    b: Body<CloseRequest>,
) -> Result<Json<ActionView>, ApiError> {
    staff.require(HqAction::ManageActions)?;
    let req = body(b)?;
    Ok(Json(
        crate::actions::close(&state, &staff.officer, id, req).await?,
    ))
}
