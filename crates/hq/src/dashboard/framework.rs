//! The performance framework's endpoints and the types they answer: the board per team (or
//! area) and period, a cell's trend week by week and the records behind it, the targets, and a
//! CSV board pack for the committee. The work is in [`crate::performance`]; the rules are the
//! domain's ([`beatbook_domain::framework`]).

use super::auth::Staff;
use crate::error::ApiError;
use crate::extract::Query;
use crate::{performance, HqState};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::access::HqAction;
pub use beatbook_domain::framework::{Change, Fact, Item, Measure, Period, Preset, Rag};
use beatbook_domain::people::TeamKind;
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::views::RecordSummary;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One cell of the board.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Cell {
    pub measure: Measure,
    pub value: Option<f64>,
    pub target: f64,
    pub rag: Rag,
    /// How many records are behind it.
    #[ts(type = "number")]
    pub records: u64,
    /// The figure in the previous period (as long, just before).
    pub previous: Option<f64>,
    /// How the figure moved since the previous period.
    pub change: Change,
    /// The open improvement action on this team and measure (team rows only).
    pub action: Option<super::actions::CellAction>,
    /// Red with no open action: a failure not yet addressed (team rows only).
    pub unaddressed: bool,
}

/// One row: a team (or an area).
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/", rename = "BoardRow")]
#[schema(as = BoardRow)]
pub struct Row {
    pub id: String,
    pub name: String,
    /// `tct` or `snt` (an area's row: the kind of team it belongs to).
    #[schema(value_type = String)]
    pub kind: TeamKind,
    pub cells: Vec<Cell>,
    /// Whether the person asking may see this team's figures officer by officer.
    pub officers: bool,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Board {
    /// The force's name (HQ's `force_name` setting), as the board pack is headed.
    pub force: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The first and last days the board covers, for the period's boxes.
    #[ts(type = "string")]
    pub first_day: NaiveDate,
    #[ts(type = "string")]
    pub last_day: NaiveDate,
    /// The period it is compared with: as long, just before.
    #[ts(type = "string")]
    pub previous_first_day: NaiveDate,
    #[ts(type = "string")]
    pub previous_last_day: NaiveDate,
    /// `team` or `area`: what the rows are.
    #[ts(type = "\"team\" | \"area\"")]
    pub by: String,
    pub measures: Vec<MeasureInfo>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct MeasureInfo {
    pub id: Measure,
    pub label: &'static str,
    /// What its figures are counted in: `%`, `hours a week`, ...
    pub unit: &'static str,
}

#[derive(Deserialize, Default, Debug, ts_rs::TS, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct BoardQuery {
    /// A period by name (a calendar month or quarter, or the last 28 days): `from` and `to` are
    /// then not read.
    #[ts(optional)]
    #[param(value_type = Option<String>, pattern = "^(last_28_days|this_month|last_month|this_quarter|last_quarter)$")]
    pub period: Option<Preset>,
    /// The first day included (default 28 days before `to`).
    #[ts(optional)]
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<NaiveDate>,
    /// The last day included (default today).
    #[ts(optional)]
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<NaiveDate>,
    /// `team` (default) or `area`.
    #[ts(optional, type = "\"team\" | \"area\"")]
    #[param(pattern = "^(team|area)$")]
    pub by: Option<String>,
}

impl BoardQuery {
    pub(crate) fn period(&self) -> Result<Period, ApiError> {
        let now = Utc::now();
        for day in [self.from, self.to].into_iter().flatten() {
            beatbook_domain::framework::check_day(day).map_err(ApiError::BadRequest)?;
        }
        match self.period {
            Some(p) => Period::preset(p, now),
            None => Period::days(self.from, self.to, now),
        }
        .ok_or_else(|| ApiError::BadRequest("the period must start before it ends".into()))
    }

    pub(crate) fn by_area(&self) -> Result<bool, ApiError> {
        match self.by.as_deref() {
            None | Some("team") => Ok(false),
            Some("area") => Ok(true),
            Some(other) => Err(ApiError::BadRequest(format!(
                "by={other:?}: use team or area"
            ))),
        }
    }
}

/// `GET /api/v1/hq/framework`: the board, per team (or `by=area`) for a period (default the last
/// 28 days). Figures only, no personal data.
#[utoipa::path(get, path = "/api/v1/hq/framework", tag = "hq", operation_id = "hq_framework_board",
    params(BoardQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Board), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<BoardQuery>,
) -> Result<Json<Board>, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    Ok(Json(performance::board(&state, &staff.officer, &q).await?))
}

/// `GET /api/v1/hq/framework.csv`: the board pack, one line per unit and measure.
#[utoipa::path(get, path = "/api/v1/hq/framework.csv", tag = "hq", operation_id = "hq_framework_csv",
    params(BoardQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The board pack: `Team` (or `Area`), `Type`, `Measure`, `Value`, `Unit`, `Target`, `Status`, `Records`, `Previous period`, `Change`, `From`, `To`; dates as `1 Nov 2026`", content_type = "text/csv", body = String), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn csv(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<BoardQuery>,
) -> Result<Response, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    let (name, text) = performance::board_pack_csv(&state, &staff.officer, &q).await?;
    crate::admin_log::record(
        &state,
        crate::admin_log::AdminEvent::new(
            Some(&staff.officer.id),
            "export_board_pack",
            format!("Exported the board pack as a spreadsheet ({name})."),
        ),
    )
    .await?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
    ];
    Ok((headers, text).into_response())
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CellQuery {
    /// The row: a team id, or an area id with `by=area`.
    pub unit: String,
    /// A measure id.
    #[param(
        pattern = "^(patrol_hours_peak|concerns_answered_72h|priorities_reviewed|engagements_per_month|intel_per_month|concerns_closed)$"
    )]
    pub measure: String,
    /// A period by name (see [`BoardQuery::period`]).
    #[param(value_type = Option<String>, pattern = "^(last_28_days|this_month|last_month|this_quarter|last_quarter)$")]
    pub period: Option<Preset>,
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<NaiveDate>,
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<NaiveDate>,
    /// `team` (default) or `area`.
    #[param(pattern = "^(team|area)$")]
    pub by: Option<String>,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CellRecord {
    #[schema(value_type = Object)]
    pub record: RecordSummary,
    /// For a share: whether this record met the measure. For a rate: what it adds.
    pub contribution: f64,
    pub met: bool,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CellDetail {
    pub unit: String,
    pub measure: Measure,
    pub label: &'static str,
    pub records: Vec<CellRecord>,
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// The row: a team id, or an area id with `by=area`.
    pub unit: String,
    /// A measure id.
    #[param(
        pattern = "^(patrol_hours_peak|concerns_answered_72h|priorities_reviewed|engagements_per_month|intel_per_month|concerns_closed)$"
    )]
    pub measure: String,
    /// How many weeks back from today (default 12, at most 104).
    #[param(minimum = 1, maximum = 104)]
    #[serde(default, deserialize_with = "crate::extract::ranged::<_, 1, 104>")]
    pub weeks: Option<u32>,
    /// `team` (default) or `area`.
    #[param(pattern = "^(team|area)$")]
    pub by: Option<String>,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct TrendPoint {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub value: Option<f64>,
    pub target: f64,
    pub rag: Rag,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Trend {
    pub unit: String,
    pub measure: Measure,
    pub label: &'static str,
    /// What its figures are counted in (see [`MeasureInfo::unit`]).
    pub measure_unit: &'static str,
    pub points: Vec<TrendPoint>,
}

/// `GET /api/v1/hq/framework/trend?unit=&measure=&weeks=`: one cell week by week, oldest first.
/// Figures only.
#[utoipa::path(get, path = "/api/v1/hq/framework/trend", tag = "hq", operation_id = "hq_framework_trend",
    params(TrendQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Trend), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody), (status = 404, description = "No such team or area", body = ApiErrorBody)))]
pub async fn trend(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<TrendQuery>,
) -> Result<Json<Trend>, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    Ok(Json(performance::trend(&state, &q).await?))
}

/// `GET /api/v1/hq/framework/cell?unit=&measure=`: the records behind one cell, those that
/// missed first. Supervisors, force-wide readers and analysts (it lists records), with a purpose
/// (`beatbook-purpose`); logged with it, masked for an analyst unless the purpose unmasks.
#[utoipa::path(get, path = "/api/v1/hq/framework/cell", tag = "hq", operation_id = "hq_framework_cell",
    params(CellQuery, super::records::PurposeHeader),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = CellDetail), (status = 400, description = "Not valid, or `purpose_required`: no purpose given, or not one of the force's", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor or analyst", body = ApiErrorBody), (status = 404, description = "No such team or area", body = ApiErrorBody)))]
pub async fn cell(
    State(state): State<HqState>,
    staff: Staff,
    purposed: Result<super::purpose::Purposed, ApiError>,
    Query(q): Query<CellQuery>,
) -> Result<Json<CellDetail>, ApiError> {
    staff.require(HqAction::DrillDown)?;
    let look = crate::records::Look::new(&state, &staff.officer, &purposed?);
    Ok(Json(
        performance::cell(&state, &staff.officer, &q, &look).await?,
    ))
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfficersQuery {
    /// A team id.
    pub team: String,
    /// A period by name (see [`BoardQuery::period`]).
    #[param(value_type = Option<String>, pattern = "^(last_28_days|this_month|last_month|this_quarter|last_quarter)$")]
    pub period: Option<Preset>,
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<NaiveDate>,
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<NaiveDate>,
}

/// One officer's figures for their team.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct OfficerFigures {
    pub name: String,
    pub collar_number: String,
    pub cells: Vec<OfficerCell>,
}

/// One officer's figure for one measure.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct OfficerCell {
    pub measure: Measure,
    pub value: Option<f64>,
    /// How many of their records are behind it.
    #[ts(type = "number")]
    pub records: u64,
    /// For a share (%), against the team's target; a rate is the team's to meet, not one
    /// officer's, so it has none.
    pub rag: Option<Rag>,
}

/// A team's figures officer by officer: each record counts for the officer who made it.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct OfficerBreakdown {
    pub team: String,
    pub team_name: String,
    #[ts(type = "string")]
    pub first_day: NaiveDate,
    #[ts(type = "string")]
    pub last_day: NaiveDate,
    pub measures: Vec<MeasureInfo>,
    pub officers: Vec<OfficerFigures>,
}

/// `GET /api/v1/hq/framework/officers?team=`: a team's figures officer by officer, for a
/// supervisor of that team. Figures only.
#[utoipa::path(get, path = "/api/v1/hq/framework/officers", tag = "hq", operation_id = "hq_framework_officers",
    params(OfficersQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = OfficerBreakdown), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor of the team", body = ApiErrorBody), (status = 404, description = "No such team", body = ApiErrorBody)))]
pub async fn officers(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<OfficersQuery>,
) -> Result<Json<OfficerBreakdown>, ApiError> {
    staff.require(HqAction::OfficerBreakdown)?;
    Ok(Json(
        performance::officers(&state, &staff.officer, &q).await?,
    ))
}

/// A performance framework target: for one measure, for `team:<id>` or `kind:tct`/`kind:snt`.
#[derive(
    Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[ts(export_to = "../../hq/bindings/")]
pub struct TargetRow {
    pub scope: String,
    pub measure: String,
    pub target: f64,
}

/// The targets set, and the built-in defaults they override.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Targets {
    pub targets: Vec<TargetRow>,
    /// By scope (`kind:tct`, `kind:snt`), then by measure.
    #[schema(value_type = BTreeMap<String, BTreeMap<String, f64>>)]
    pub defaults: BTreeMap<String, BTreeMap<Measure, f64>>,
}

/// `GET /api/v1/hq/framework/targets`: the targets set (scope `team:<id>` or `kind:tct`/`kind:snt`)
/// and the built-in defaults.
#[utoipa::path(get, path = "/api/v1/hq/framework/targets", tag = "hq", operation_id = "hq_framework_targets",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Targets), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn targets(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<Targets>, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    Ok(Json(performance::targets(&state).await?))
}

/// `POST /api/v1/hq/framework/targets`: set a target (admin). A negative target is refused.
#[utoipa::path(post, path = "/api/v1/hq/framework/targets", tag = "hq", operation_id = "hq_framework_put_target",
    request_body = TargetRow,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The target as saved", body = TargetRow), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn put_target(
    State(state): State<HqState>,
    staff: Staff,
    body: Result<Json<TargetRow>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TargetRow>, ApiError> {
    staff.require(HqAction::SetTargets)?;
    let Json(t) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok(Json(
        performance::set_target(&state, &staff.officer, t).await?,
    ))
}
