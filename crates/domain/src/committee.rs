//! The committee's view: the police authority committee that oversees the teams judges them over
//! time, on aggregates only — no officer's name, no record's text, no intelligence. Its report
//! for a quarter: each team's red/amber/green over the last four quarters, the failures and what
//! is being done about them, the areas for improvement, the outcomes against their targets, and
//! notes from partnership meetings; every measure quarter on quarter and year on year.

use crate::framework::{Change, Measure, Rag};
use crate::improvement::ActionStatus;
use crate::outcomes::{OutcomeFigure, PartnershipMeeting, Quarter};
use crate::people::TeamKind;
use crate::{AreaId, RecordId, TeamId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The committee report for one quarter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CommitteeReport {
    pub force: String,
    pub quarter: Quarter,
    /// The last four quarters, oldest first, ending with `quarter`.
    pub quarters: Vec<Quarter>,
    pub generated_at: DateTime<Utc>,
    pub teams: Vec<TeamReport>,
    /// Notes from partnership meetings in the quarter, for a team, an area, or the force.
    pub notes: Vec<PartnershipNoteView>,
}

/// One team in the committee report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct TeamReport {
    #[ts(type = "string")]
    #[schema(value_type = String)]
    pub id: TeamId,
    pub name: String,
    pub kind: TeamKind,
    /// Every activity measure, quarter by quarter.
    pub measures: Vec<MeasureHistory>,
    /// The outcomes in the report's quarter, with their comparisons.
    pub outcomes: Vec<OutcomeFigure>,
    /// Its improvement actions open in the quarter or closed during it.
    pub actions: Vec<ActionLine>,
    /// Measures red or amber in the latest quarter, or down both quarter on quarter and year on
    /// year: in words ("Concerns answered within 72 hours (%): below target for 2 quarters").
    pub areas_for_improvement: Vec<String>,
    /// Red cells of the latest quarter with no action open.
    pub unaddressed: Vec<Measure>,
}

/// One activity measure of one team, over the report's quarters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct MeasureHistory {
    pub measure: Measure,
    pub label: String,
    pub unit: String,
    /// One per report quarter, oldest first.
    pub quarters: Vec<QuarterFigure>,
    /// The same quarter a year before the report's.
    pub year_before: Option<f64>,
    pub quarter_on_quarter: Change,
    pub year_on_year: Change,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct QuarterFigure {
    pub quarter: Quarter,
    pub value: Option<f64>,
    pub target: f64,
    pub rag: Rag,
}

/// An improvement action as the committee reads it: what, for which measure, where it stands.
/// No names: the owner is not named, updates are counted, not quoted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ActionLine {
    #[ts(type = "string")]
    #[schema(value_type = String)]
    pub id: RecordId,
    pub measure: Measure,
    pub what: String,
    pub status: ActionStatus,
    #[ts(type = "string")]
    pub opened_on: NaiveDate,
    #[ts(type = "string")]
    pub due_on: NaiveDate,
    #[ts(type = "string")]
    pub review_on: NaiveDate,
    pub overdue: bool,
    pub review_overdue: bool,
    pub updates: u32,
    #[ts(type = "string | null")]
    pub last_update_on: Option<NaiveDate>,
    /// How it was closed, in words ("Back on target for 2 months", or the reason).
    pub closed: Option<String>,
}

/// A partnership meeting's note as the report shows it: the author is named by role only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct PartnershipNoteView {
    pub id: i64,
    pub meeting: PartnershipMeeting,
    #[ts(type = "string | null")]
    pub met_on: Option<NaiveDate>,
    #[ts(type = "string | null")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    #[ts(type = "string | null")]
    #[schema(value_type = Option<String>)]
    pub area_id: Option<AreaId>,
    pub area_name: Option<String>,
    pub quarter: Quarter,
    pub text: String,
    pub written_at: DateTime<Utc>,
}
