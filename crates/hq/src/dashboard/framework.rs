//! The performance framework's endpoints: the board per team (or area) and period, a cell's
//! trend week by week and the records behind it, the targets, and a CSV board pack for the
//! committee. The rules (measures, targets, red/amber/green, peak hours) are the domain's
//! ([`beatbook_domain::framework`]); the records' facts are kept in memory ([`super::facts`]).

use super::auth::Staff;
use super::facts::Snapshot;
use super::records;
use crate::error::ApiError;
use crate::HqState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::area::Area;
use beatbook_domain::framework::{self, TargetTable};
pub use beatbook_domain::framework::{Fact, Item, Measure, Period, Rag};
use beatbook_domain::people::{Team, TeamKind};
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::views::RecordSummary;
use beatbook_domain::{AreaId, RecordId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

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
}

#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Board {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
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
}

/// Compute the board: every unit, every measure (see [`framework::tally`]).
pub fn compute<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    teams: &[Team],
    areas: &[Area],
    targets: &[TargetRow],
    period: Period,
    by_area: bool,
) -> Board {
    let units = framework::units(by_area, teams, areas);
    let tallies = framework::tally(items, &units, &period);
    let targets = TargetTable::new(
        targets
            .iter()
            .map(|t| (t.scope.as_str(), t.measure.as_str(), t.target)),
    );
    let rows = units
        .iter()
        .zip(&tallies)
        .map(|(u, row)| Row {
            id: u.id.clone(),
            name: u.name.clone(),
            kind: u.kind,
            cells: Measure::ALL
                .into_iter()
                .zip(row)
                .map(|(m, t)| {
                    let v = t.value(m, &period);
                    let target = targets.target(by_area, u, m);
                    Cell {
                        measure: m,
                        value: v,
                        target,
                        rag: Rag::of(v, target),
                        records: t.records(),
                    }
                })
                .collect(),
        })
        .collect();
    Board {
        from: period.from,
        to: period.to,
        by: if by_area { "area" } else { "team" }.into(),
        measures: Measure::ALL
            .into_iter()
            .map(|m| MeasureInfo {
                id: m,
                label: m.label(),
            })
            .collect(),
        rows,
    }
}

#[derive(Deserialize, Default, Debug, ts_rs::TS, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct BoardQuery {
    /// The first day included (default 28 days before `to`).
    #[ts(optional)]
    pub from: Option<NaiveDate>,
    /// The last day included (default today).
    #[ts(optional)]
    pub to: Option<NaiveDate>,
    /// `team` (default) or `area`.
    #[ts(optional, type = "\"team\" | \"area\"")]
    pub by: Option<String>,
}

impl BoardQuery {
    fn period(&self) -> Result<Period, ApiError> {
        Period::days(self.from, self.to, Utc::now().date_naive())
            .ok_or_else(|| ApiError::BadRequest("the period must start before it ends".into()))
    }

    fn by_area(&self) -> Result<bool, ApiError> {
        match self.by.as_deref() {
            None | Some("team") => Ok(false),
            Some("area") => Ok(true),
            Some(other) => Err(ApiError::BadRequest(format!(
                "by={other:?}: use team or area"
            ))),
        }
    }
}

/// The framework's facts, up to date (see [`super::facts`]).
pub async fn facts(state: &HqState) -> Result<Arc<Snapshot>, ApiError> {
    state.facts.current(state.storage.as_ref()).await
}

/// Run a computation over the facts off the async workers: at force scale it takes tens of
/// milliseconds.
async fn off_workers<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The board, as `GET /api/v1/hq/framework` answers it.
pub async fn board(state: &HqState, q: &BoardQuery) -> Result<Board, ApiError> {
    let period = q.period()?;
    let by_area = q.by_area()?;
    let snapshot = facts(state).await?;
    let (teams, areas, targets) = (
        state.storage.teams().await?,
        state.storage.areas().await?,
        state.storage.targets().await?,
    );
    off_workers(move || compute(snapshot.items(), &teams, &areas, &targets, period, by_area)).await
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
    Ok(Json(board(&state, &q).await?))
}

/// `GET /api/v1/hq/framework.csv`: the board pack, one line per unit and measure.
#[utoipa::path(get, path = "/api/v1/hq/framework.csv", tag = "hq", operation_id = "hq_framework_csv",
    params(BoardQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The board pack: `unit,name,type,measure,value,target,rag,records,from,to`", content_type = "text/csv", body = String), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn csv(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<BoardQuery>,
) -> Result<Response, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    let b = board(&state, &q).await?;
    let mut out = String::from("unit,name,type,measure,value,target,rag,records,from,to\n");
    let esc = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for row in &b.rows {
        for c in &row.cells {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                esc(&row.id),
                esc(&row.name),
                match row.kind {
                    TeamKind::Tct => "TCT",
                    TeamKind::Snt => "SNT",
                },
                c.measure.id(),
                c.value.map(|v| v.to_string()).unwrap_or_default(),
                c.target,
                c.rag.as_str(),
                c.records,
                b.from.date_naive(),
                (b.to - Duration::days(1)).date_naive(),
            ));
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"board-pack-{}-{}.csv\"",
                    b.from.date_naive(),
                    (b.to - Duration::days(1)).date_naive()
                ),
            ),
        ],
        out,
    )
        .into_response())
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CellQuery {
    /// The row: a team id, or an area id with `by=area`.
    pub unit: String,
    /// A measure id.
    pub measure: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// `team` (default) or `area`.
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
    pub measure: String,
    /// How many weeks back from today (default 12, at most 104).
    pub weeks: Option<u32>,
    /// `team` (default) or `area`.
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
    let m = Measure::parse(&q.measure)
        .ok_or_else(|| ApiError::BadRequest(format!("no measure {:?}", q.measure)))?;
    let by_area = BoardQuery {
        by: q.by.clone(),
        ..Default::default()
    }
    .by_area()?;
    let weeks = i64::from(q.weeks.unwrap_or(12).clamp(1, 104));
    let snapshot = facts(&state).await?;
    let (teams, areas, targets) = (
        state.storage.teams().await?,
        state.storage.areas().await?,
        state.storage.targets().await?,
    );
    let today = Utc::now().date_naive();
    let unit = q.unit.clone();
    let points = off_workers(move || -> Result<Vec<TrendPoint>, ApiError> {
        // Only the unit's own records matter: pick them once, then compute each week from them.
        let unit_areas: Vec<AreaId> = framework::units(by_area, &teams, &areas)
            .into_iter()
            .find(|u| u.id == unit)
            .map(|u| u.areas)
            .ok_or_else(|| ApiError::NotFound(format!("no such unit {unit}")))?;
        let unit_areas: HashSet<&AreaId> = unit_areas.iter().collect();
        let mine: Vec<&Item> = snapshot
            .items()
            .filter(|i| i.areas.iter().any(|a| unit_areas.contains(a)))
            .collect();
        let mut points = Vec::new();
        for period in Period::weeks_to(today, weeks) {
            let board = compute(
                mine.iter().copied(),
                &teams,
                &areas,
                &targets,
                period,
                by_area,
            );
            let row = board
                .rows
                .iter()
                .find(|r| r.id == unit)
                .ok_or_else(|| ApiError::NotFound(format!("no {} {unit}", board.by)))?;
            let cell =
                row.cells.iter().find(|c| c.measure == m).ok_or_else(|| {
                    ApiError::Internal("a measure is missing from the board".into())
                })?;
            points.push(TrendPoint {
                from: period.from,
                to: period.to,
                value: cell.value,
                target: cell.target,
                rag: cell.rag,
            });
        }
        Ok(points)
    })
    .await??;
    Ok(Json(Trend {
        unit: q.unit,
        measure: m,
        label: m.label(),
        points,
    }))
}

/// `GET /api/v1/hq/framework/cell?unit=&measure=`: the records behind one cell, those that
/// missed first. Supervisors and analysts (it lists records); logged.
#[utoipa::path(get, path = "/api/v1/hq/framework/cell", tag = "hq", operation_id = "hq_framework_cell",
    params(CellQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = CellDetail), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor or analyst", body = ApiErrorBody), (status = 404, description = "No such team or area", body = ApiErrorBody)))]
pub async fn cell(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<CellQuery>,
) -> Result<Json<CellDetail>, ApiError> {
    staff.require(HqAction::DrillDown)?;
    let m = Measure::parse(&q.measure)
        .ok_or_else(|| ApiError::BadRequest(format!("no measure {:?}", q.measure)))?;
    let bq = BoardQuery {
        from: q.from,
        to: q.to,
        by: q.by.clone(),
    };
    let period = bq.period()?;
    let unit_areas: Vec<AreaId> = if bq.by_area()? {
        vec![AreaId::new(q.unit.as_str())]
    } else {
        state
            .storage
            .teams()
            .await?
            .into_iter()
            .find(|t| t.id.as_str() == q.unit)
            .ok_or_else(|| ApiError::NotFound(format!("no team {}", q.unit)))?
            .areas
    };
    // The facts say which records are behind the cell; only those are read.
    let snapshot = facts(&state).await?;
    let behind: Vec<(RecordId, f64)> = off_workers(move || {
        snapshot
            .items()
            .filter(|i| i.areas.iter().any(|a| unit_areas.contains(a)))
            .filter_map(|i| Some((i.id, framework::contribution(m, &i.fact, &period)?)))
            .collect()
    })
    .await?;
    let mut out: Vec<CellRecord> = Vec::with_capacity(behind.len());
    for (id, c) in behind {
        let Some(r) = state.storage.record(id).await?.and_then(records::load) else {
            continue;
        };
        if !records::hq_may_see(staff.role(), &r.change.facts) {
            continue;
        }
        out.push(CellRecord {
            record: r.summary,
            contribution: c,
            met: !m.is_share() || c > 0.0,
        });
    }
    out.sort_by(|a, b| {
        (a.met, std::cmp::Reverse(a.record.occurred_at))
            .cmp(&(b.met, std::cmp::Reverse(b.record.occurred_at)))
    });
    records::log(
        &state,
        &staff,
        "view",
        out.iter().map(|r| r.record.id).collect(),
        format!("framework drill-down {} {}", q.unit, m.id()),
    )
    .await?;
    Ok(Json(CellDetail {
        unit: q.unit,
        measure: m,
        label: m.label(),
        records: out,
    }))
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
    Ok(Json(Targets {
        targets: state.storage.targets().await?,
        defaults: framework::default_targets(),
    }))
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
    if Measure::parse(&t.measure).is_none() {
        return Err(ApiError::BadRequest(format!("no measure {:?}", t.measure)));
    }
    if !t.target.is_finite() || t.target < 0.0 {
        return Err(ApiError::BadRequest(
            "a target is a number, 0 or more".into(),
        ));
    }
    let scope_ok = match t.scope.split_once(':') {
        Some(("kind", "tct" | "snt")) => true,
        Some(("team", id)) => state
            .storage
            .teams()
            .await?
            .iter()
            .any(|k| k.id.as_str() == id),
        _ => false,
    };
    if !scope_ok {
        return Err(ApiError::BadRequest(format!(
            "scope {:?}: use team:<id> or kind:tct / kind:snt",
            t.scope
        )));
    }
    state.storage.put_target(&t).await?;
    tracing::info!(scope = %t.scope, measure = %t.measure, target = t.target, by = %staff.officer.id, "framework target set");
    Ok(Json(t))
}
