//! Outcomes beside activity: the endpoints and the types they answer. Recorded crime and survey
//! imports (CSV in the body), every team's outcome figures for a quarter, the crime and
//! confidence trends of a team or an area, the teams' monthly costs and value for money, and
//! partnership notes. The work is in [`crate::outcomes`]; the rules are the domain's
//! ([`beatbook_domain::outcomes`]). Figures only: nothing here names an officer or holds a
//! record's text.

use super::auth::Staff;
use crate::error::ApiError;
use crate::{outcomes, HqState};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::committee::PartnershipNoteView;
use beatbook_domain::outcomes::{
    Month, NewPartnershipNote, OutcomeFigure, OutcomeMeasure, Quarter, RowError,
};
use beatbook_domain::people::TeamKind;
use beatbook_domain::protocol::ApiErrorBody;
use serde::{Deserialize, Serialize};

/// What came of importing a crime or survey file. Every data row is one of: imported, outside
/// every area (crime only: counted, not an error), or refused (in `errors`, by line).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ImportReport {
    /// Data rows in the file (the header not counted).
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub imported: u64,
    /// Crimes placed in none of HQ's areas.
    #[ts(type = "number")]
    pub outside_areas: u64,
    /// The months a crime file held: their counts were replaced.
    pub months: Vec<Month>,
    /// The quarters a survey file held.
    pub quarters: Vec<Quarter>,
    /// Each row refused, by its line in the file (the header is line 1), and why.
    pub errors: Vec<RowError>,
}

impl ImportReport {
    /// The report in words, a line each: what was imported, then each row refused.
    pub fn describe(&self) -> Vec<String> {
        let n = |k: u64, one: &str, many: &str| {
            if k == 1 {
                format!("1 {one}")
            } else {
                format!("{k} {many}")
            }
        };
        let mut out = vec![format!(
            "{} read: {} imported, {} refused{}.",
            n(self.rows, "row", "rows"),
            self.imported,
            self.errors.len(),
            if self.outside_areas > 0 {
                format!(
                    ", {} outside every area (not counted in any)",
                    self.outside_areas
                )
            } else {
                String::new()
            }
        )];
        if !self.months.is_empty() {
            out.push(format!(
                "Recorded crime replaced for {}.",
                self.months
                    .iter()
                    .map(|m| m.words())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !self.quarters.is_empty() {
            out.push(format!(
                "Survey results for {}.",
                self.quarters
                    .iter()
                    .map(|q| q.words())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for e in &self.errors {
            out.push(format!("Line {}: {}.", e.line, e.message));
        }
        out
    }
}

/// An outcome measure's words, for headings.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct OutcomeInfo {
    pub id: OutcomeMeasure,
    pub label: &'static str,
    /// `%` or `£`.
    pub unit: &'static str,
    /// Recorded crime and costs: down is better.
    pub lower_is_better: bool,
}

/// One team's outcome figures.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct TeamOutcomes {
    pub id: String,
    pub name: String,
    #[schema(value_type = String)]
    pub kind: TeamKind,
    /// One per outcome measure, in the order of `measures`.
    pub figures: Vec<OutcomeFigure>,
}

/// Every team's outcomes for a quarter.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct OutcomesBoard {
    pub quarter: Quarter,
    /// "Oct to Dec 2026".
    pub quarter_words: String,
    pub measures: Vec<OutcomeInfo>,
    pub teams: Vec<TeamOutcomes>,
}

#[derive(Deserialize, Default, Debug, ts_rs::TS, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct QuarterQuery {
    /// `2026-Q4` (default: the last complete quarter).
    #[ts(optional)]
    #[param(pattern = r"^\s*(\+?(19|[2-9][0-9])[0-9]{2}-[Qq][1-4])?\s*$")]
    pub quarter: Option<String>,
}

/// A team or an area: one of them.
#[derive(Deserialize, Default, Debug, ts_rs::TS, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct UnitQuery {
    /// A team id.
    #[ts(optional)]
    pub team: Option<String>,
    /// An area id (a ward or a town centre).
    #[ts(optional)]
    pub area: Option<String>,
}

/// Recorded crime in one month, beside the same month a year before.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CrimeMonth {
    pub month: Month,
    /// "Nov 2026".
    pub month_words: String,
    /// `None`: no figures imported for the month.
    #[ts(type = "number | null")]
    pub count: Option<u64>,
    #[ts(type = "number | null")]
    pub year_before: Option<u64>,
    /// The change (%) on a year before.
    pub change: Option<f64>,
}

/// One crime type over the last 12 months beside the 12 before.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CrimeTypeFigure {
    /// As police.uk writes it.
    pub crime_type: String,
    #[ts(type = "number")]
    pub last_12_months: u64,
    #[ts(type = "number")]
    pub previous_12_months: u64,
    pub change: Option<f64>,
}

/// Recorded crime of a team (its areas) or an area, month by month, year on year.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CrimeTrend {
    pub unit: String,
    pub name: String,
    #[ts(type = "\"team\" | \"area\"")]
    pub by: String,
    /// The 24 months up to the latest with figures, oldest first.
    pub months: Vec<CrimeMonth>,
    /// Each crime type, most recorded in the last 12 months first.
    pub types: Vec<CrimeTypeFigure>,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ConfidenceFigure {
    #[ts(type = "number")]
    pub respondents: u64,
    #[ts(type = "number")]
    pub confident: u64,
    /// The share (%) confident.
    pub percent: Option<f64>,
}

/// Public and business confidence in one quarter (`None`: no survey).
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ConfidenceQuarter {
    pub quarter: Quarter,
    pub quarter_words: String,
    pub public: Option<ConfidenceFigure>,
    pub business: Option<ConfidenceFigure>,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ConfidenceTrend {
    pub unit: String,
    pub name: String,
    #[ts(type = "\"team\" | \"area\"")]
    pub by: String,
    /// The eight quarters up to the latest with results, oldest first.
    pub quarters: Vec<ConfidenceQuarter>,
}

/// One team's costs in a quarter and what they bought.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct TeamCosts {
    pub team_id: String,
    pub team_name: String,
    /// Pounds, month by month (`None`: not entered).
    pub months: Vec<Option<f64>>,
    /// The quarter's cost, once all three months are entered.
    pub cost_pounds: Option<f64>,
    /// Hours of hotspot patrol in the quarter.
    pub patrol_hours: f64,
    #[ts(type = "number")]
    pub engagements: u64,
    #[ts(type = "number")]
    pub concerns_answered: u64,
    /// Pounds per hour of hotspot patrol, per engagement, per concern answered.
    pub per_patrol_hour: Option<f64>,
    pub per_engagement: Option<f64>,
    pub per_concern_answered: Option<f64>,
}

/// Every team's costs for a quarter: value for money.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Costs {
    pub quarter: Quarter,
    pub quarter_words: String,
    pub months: Vec<Month>,
    /// "Oct 2026", ...
    pub month_words: Vec<String>,
    pub teams: Vec<TeamCosts>,
}

/// A team's cost for a month, as entered.
#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export_to = "../../hq/bindings/")]
pub struct NewCost {
    pub team_id: String,
    /// `2026-11`.
    pub month: String,
    pub cost_pounds: f64,
}

/// A team's cost for a month, as kept.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CostEntry {
    pub team_id: String,
    pub team_name: String,
    pub month: Month,
    pub month_words: String,
    pub cost_pounds: f64,
}

#[derive(Deserialize, Default, Debug, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// The file's name, for the import log.
    pub file: Option<String>,
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

fn text(body: Result<Bytes, BytesRejection>) -> Result<String, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadRequest(e.body_text())
        }
    })?;
    String::from_utf8(Vec::from(bytes)).map_err(|_| {
        ApiError::BadRequest("the file is not text: save it as CSV (UTF-8) and try again".into())
    })
}

/// `POST /api/v1/hq/outcomes/crime?file=NAME`: import a police.uk street-level crime file (the
/// CSV as the body). Each crime is counted in every area its point falls in, per month and crime
/// type; the months the file holds replace those months' counts. Bad rows are reported by line
/// and the rest imported, in one transaction.
#[utoipa::path(post, path = "/api/v1/hq/outcomes/crime", tag = "hq", operation_id = "hq_outcomes_import_crime",
    params(FileQuery),
    request_body(content = String, content_type = "text/csv", description = "A police.uk street-level crime CSV: `Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context`"),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "What was imported, and each row refused by line", body = ImportReport), (status = 400, description = "Not a street-level crime file (a needed column missing, empty, not text)", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an analyst or administrator", body = ApiErrorBody), (status = 413, description = "Too large", body = ApiErrorBody)))]
pub async fn import_crime(
    State(state): State<HqState>,
    staff: Staff,
    q: Result<Query<FileQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    staff.require(HqAction::ManageOutcomes)?;
    let q = query(q)?;
    let text = text(body)?;
    let name = q.file.unwrap_or_else(|| "crime.csv".into());
    Ok(Json(
        outcomes::import_crime(&state, staff.officer.id.as_str(), &name, &text).await?,
    ))
}

/// `POST /api/v1/hq/outcomes/survey?file=NAME`: import survey results
/// (`area,quarter,community,respondents,confident`, the CSV as the body). Each replaces any for
/// the same area, quarter and community. Bad rows are reported by line and the rest imported,
/// in one transaction.
#[utoipa::path(post, path = "/api/v1/hq/outcomes/survey", tag = "hq", operation_id = "hq_outcomes_import_survey",
    params(FileQuery),
    request_body(content = String, content_type = "text/csv", description = "`area,quarter,community,respondents,confident`: an area id, `2026-Q3`, `public` or `business`, two whole numbers"),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "What was imported, and each row refused by line", body = ImportReport), (status = 400, description = "Not a survey results file", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an analyst or administrator", body = ApiErrorBody), (status = 413, description = "Too large", body = ApiErrorBody)))]
pub async fn import_survey(
    State(state): State<HqState>,
    staff: Staff,
    q: Result<Query<FileQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    staff.require(HqAction::ManageOutcomes)?;
    let q = query(q)?;
    let text = text(body)?;
    let name = q.file.unwrap_or_else(|| "survey.csv".into());
    Ok(Json(
        outcomes::import_survey(&state, staff.officer.id.as_str(), &name, &text).await?,
    ))
}

/// `GET /api/v1/hq/outcomes?quarter=2026-Q4`: every team's outcome figures for a quarter (default
/// the last complete one), each against its target, beside the quarter before and the same
/// quarter a year before.
#[utoipa::path(get, path = "/api/v1/hq/outcomes", tag = "hq", operation_id = "hq_outcomes",
    params(QuarterQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = OutcomesBoard), (status = 400, description = "Not a quarter", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn board(
    State(state): State<HqState>,
    staff: Staff,
    q: Result<Query<QuarterQuery>, QueryRejection>,
) -> Result<Json<OutcomesBoard>, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    let quarter = outcomes::quarter_or_last(query(q)?.quarter.as_deref())?;
    Ok(Json(outcomes::board(&state, quarter).await?))
}

/// `GET /api/v1/hq/outcomes/crime?team=ID` (or `area=ID`): recorded crime month by month for 24
/// months, each beside the same month a year before, and by crime type.
#[utoipa::path(get, path = "/api/v1/hq/outcomes/crime", tag = "hq", operation_id = "hq_outcomes_crime",
    params(UnitQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = CrimeTrend), (status = 400, description = "Neither or both of team and area", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody), (status = 404, description = "No such team or area", body = ApiErrorBody)))]
pub async fn crime(
    State(state): State<HqState>,
    staff: Staff,
    q: Result<Query<UnitQuery>, QueryRejection>,
) -> Result<Json<CrimeTrend>, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    Ok(Json(outcomes::crime_trend(&state, &query(q)?).await?))
}

/// `GET /api/v1/hq/outcomes/confidence?team=ID` (or `area=ID`): public and business confidence
/// quarter by quarter.
#[utoipa::path(get, path = "/api/v1/hq/outcomes/confidence", tag = "hq", operation_id = "hq_outcomes_confidence",
    params(UnitQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = ConfidenceTrend), (status = 400, description = "Neither or both of team and area", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody), (status = 404, description = "No such team or area", body = ApiErrorBody)))]
pub async fn confidence(
    State(state): State<HqState>,
    staff: Staff,
    q: Result<Query<UnitQuery>, QueryRejection>,
) -> Result<Json<ConfidenceTrend>, ApiError> {
    staff.require(HqAction::ViewFramework)?;
    Ok(Json(outcomes::confidence_trend(&state, &query(q)?).await?))
}

/// `GET /api/v1/hq/outcomes/costs?quarter=2026-Q4`: every team's costs month by month, and the
/// cost per hour of hotspot patrol, per engagement and per concern answered.
#[utoipa::path(get, path = "/api/v1/hq/outcomes/costs", tag = "hq", operation_id = "hq_outcomes_costs",
    params(QuarterQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Costs), (status = 400, description = "Not a quarter", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an analyst or administrator", body = ApiErrorBody)))]
pub async fn costs(
    State(state): State<HqState>,
    staff: Staff,
    q: Result<Query<QuarterQuery>, QueryRejection>,
) -> Result<Json<Costs>, ApiError> {
    staff.require(HqAction::ManageOutcomes)?;
    let quarter = outcomes::quarter_or_last(query(q)?.quarter.as_deref())?;
    Ok(Json(outcomes::costs(&state, quarter).await?))
}

/// `POST /api/v1/hq/outcomes/costs`: set (or replace) a team's cost for a month.
#[utoipa::path(post, path = "/api/v1/hq/outcomes/costs", tag = "hq", operation_id = "hq_outcomes_set_cost",
    request_body = NewCost,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = CostEntry), (status = 400, description = "Not valid (an unknown team, not a month, not an amount): `fields` says which", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an analyst or administrator", body = ApiErrorBody)))]
pub async fn set_cost(
    State(state): State<HqState>,
    staff: Staff,
    b: Result<Json<NewCost>, JsonRejection>,
) -> Result<Json<CostEntry>, ApiError> {
    staff.require(HqAction::ManageOutcomes)?;
    let Json(c) = b.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok(Json(
        outcomes::set_cost(&state, staff.officer.id.as_str(), &c).await?,
    ))
}

/// `POST /api/v1/hq/partnership-notes`: a note from a partnership meeting, for a team or an area
/// and a quarter (default the meeting's).
#[utoipa::path(post, path = "/api/v1/hq/partnership-notes", tag = "hq", operation_id = "hq_partnership_notes_add",
    request_body = NewPartnershipNote,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The note as kept", body = PartnershipNoteView), (status = 400, description = "Not valid (no text, neither team nor area, an unknown team or area, a meeting in the future): `fields` says which", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor, analyst or administrator", body = ApiErrorBody)))]
pub async fn add_note(
    State(state): State<HqState>,
    staff: Staff,
    b: Result<Json<NewPartnershipNote>, JsonRejection>,
) -> Result<Json<PartnershipNoteView>, ApiError> {
    staff.require(HqAction::WritePartnershipNotes)?;
    let Json(note) = b.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok(Json(
        outcomes::add_note(&state, &staff.officer, &note).await?,
    ))
}

/// `GET /api/v1/hq/partnership-notes?quarter=2026-Q4`: the notes for a quarter (default the last
/// complete one), oldest meeting first.
#[utoipa::path(get, path = "/api/v1/hq/partnership-notes", tag = "hq", operation_id = "hq_partnership_notes",
    params(QuarterQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<PartnershipNoteView>), (status = 400, description = "Not a quarter", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that reads the committee report", body = ApiErrorBody)))]
pub async fn notes(
    State(state): State<HqState>,
    staff: Staff,
    q: Result<Query<QuarterQuery>, QueryRejection>,
) -> Result<Json<Vec<PartnershipNoteView>>, ApiError> {
    staff.require(HqAction::CommitteeReport)?;
    let quarter = outcomes::quarter_or_last(query(q)?.quarter.as_deref())?;
    Ok(Json(outcomes::notes(&state, quarter).await?))
}
