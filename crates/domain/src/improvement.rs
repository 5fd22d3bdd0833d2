//! Improvement actions: what is being done about a failure the performance framework shows.
//!
//! A supervisor or inspector opens one from a red or amber cell of the board (a team, a measure,
//! a period): what will be done, the measure and the target it addresses, the team and a named
//! owner, a due date and a review date. It is a record like any other ([`RecordKind::Action`]):
//! HQ writes it (under its own identity, as the opener), it reaches the team's tablets through the
//! team's areas, and progress is an append-only log of [`ActionUpdate`]s that officers add from
//! the street, offline, and staff add on the dashboard. Its status follows from that log
//! ([`status`]); it is closed at HQ with its evidence ([`check_close`]): the measure back on target
//! for a set number of periods, or a reason.
//!
//! Actions are opened on the framework's activity measures ([`Measure`]): the cells of the board.

use crate::framework::{Measure, Rag};
use crate::merge::LogEntry;
use crate::record::{review_after, Record, RecordKind};
use crate::validation::ValidationErrors;
use crate::{AreaId, OfficerId, TeamId};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How long an action is kept before its retention review: three years from its opening.
pub const RETENTION_MONTHS: u32 = 36;

/// Periods (calendar months) in a row the measure must be back on target to close an action on
/// that evidence, when the force has not set its own.
pub const DEFAULT_PERIODS_ON_TARGET: u32 = 2;

/// Shortest reason accepted to close an action without the figures.
pub const MIN_REASON_CHARS: usize = 10;

/// Where an action stands: open until its first progress update, then on or off track as the
/// latest update says, done once closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    OnTrack,
    OffTrack,
    Done,
}

impl ActionStatus {
    pub fn words(self) -> &'static str {
        match self {
            ActionStatus::Open => "Open",
            ActionStatus::OnTrack => "On track",
            ActionStatus::OffTrack => "Off track",
            ActionStatus::Done => "Done",
        }
    }
}

/// What a progress update says about the action, if anything: only on or off track (open is
/// where an action starts; done is a closing at HQ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    OnTrack,
    OffTrack,
}

/// A progress update: appended to the action's log, never edited. From a tablet (offline, like a
/// concern's update) or from the dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionUpdate {
    pub note: String,
    /// On or off track; none leaves the status as it was.
    #[serde(default)]
    pub progress: Option<Progress>,
    /// When it was written; the writer's clock when left out.
    #[serde(default = "Utc::now")]
    #[ts(optional, as = "Option<DateTime<Utc>>")]
    pub at: DateTime<Utc>,
}

impl ActionUpdate {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        errs.require_text("note", &self.note, "The update");
        errs.max_len("note", &self.note, 5_000);
        errs.into_result()
    }
}

/// The figure of one period, as the evidence for closing an action shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct PeriodFigure {
    #[ts(type = "string")]
    pub first_day: NaiveDate,
    #[ts(type = "string")]
    pub last_day: NaiveDate,
    pub value: Option<f64>,
    pub target: f64,
    pub rag: Rag,
}

/// Why an action was closed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// The measure was on target (green) in each of these periods, the latest last.
    BackOnTarget { periods: Vec<PeriodFigure> },
    /// Closed for a reason other than the figures (the measure no longer applies, the team was
    /// reorganised, ...).
    Reason { reason: String },
}

/// The closing of an action: its evidence, when and by whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct Closure {
    pub evidence: Evidence,
    #[ts(type = "string")]
    pub closed_on: NaiveDate,
    #[ts(type = "string")]
    #[schema(value_type = String)]
    pub closed_by: OfficerId,
    /// Their name, as the directory had it then.
    pub closed_by_name: String,
}

/// An improvement action, as its record holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ImprovementAction {
    pub team_id: TeamId,
    /// The team's areas when it was opened: the tablets that receive it.
    pub areas: Vec<AreaId>,
    pub measure: Measure,
    /// The target when it was opened.
    pub target: f64,
    /// The cell's figure and colour when it was opened.
    pub value: Option<f64>,
    pub rag: Rag,
    /// The period of the cell it was opened from.
    pub period_first_day: NaiveDate,
    pub period_last_day: NaiveDate,
    /// What will be done (narrative text).
    pub what: String,
    pub owner: OfficerId,
    pub owner_name: String,
    pub opened_by: OfficerId,
    pub opened_by_name: String,
    pub opened_on: NaiveDate,
    pub due_on: NaiveDate,
    pub review_on: NaiveDate,
    #[serde(default)]
    pub closure: Option<Closure>,
    pub retention_review: NaiveDate,
}

impl Record for ImprovementAction {
    const KIND: RecordKind = RecordKind::Action;
    const NARRATIVE: &'static [&'static str] = &["what"];

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        errs.require_text("team_id", self.team_id.as_str(), "The team");
        errs.require_text("what", &self.what, "What will be done");
        errs.max_len("what", &self.what, 5_000);
        errs.require_text("owner", self.owner.as_str(), "An owner");
        if self.due_on < self.opened_on {
            errs.add(
                "due_on",
                "before_opened",
                "the due date cannot be before the action was opened",
            );
        }
        if self.review_on < self.opened_on {
            errs.add(
                "review_on",
                "before_opened",
                "the review date cannot be before the action was opened",
            );
        }
        crate::record::check_retention(&mut errs, self.retention_review, self.opened_on);
        errs.into_result()
    }

    fn search_text(&self) -> String {
        format!("{} {} {}", self.measure.label(), self.what, self.owner_name)
    }

    fn areas(&self) -> Vec<AreaId> {
        self.areas.clone()
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        self.opened_on.and_time(NaiveTime::MIN).and_utc()
    }

    fn title(&self) -> String {
        format!("Improvement action: {}", self.measure.label())
    }

    fn status(&self) -> Option<String> {
        Some(
            if self.closure.is_some() {
                "done"
            } else {
                "open"
            }
            .to_owned(),
        )
    }

    fn retention_review(&self) -> NaiveDate {
        self.retention_review
    }
}

/// An action as a supervisor opens it from a cell of the board. Everything but the closing is
/// here; HQ fills in the target, figure, colour and areas from the board and the directory.
/// Fields are optional so that a missing one is a field error, not an unreadable request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    #[serde(default)]
    #[ts(type = "string | null")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<TeamId>,
    /// The measure's id (`patrol_hours_peak`, ...).
    #[serde(default)]
    pub measure: Option<String>,
    /// The period of the cell (as the board shows it).
    #[serde(default)]
    #[ts(type = "string | null")]
    pub period_first_day: Option<NaiveDate>,
    #[serde(default)]
    #[ts(type = "string | null")]
    pub period_last_day: Option<NaiveDate>,
    #[serde(default)]
    pub what: String,
    /// The owner's collar number or officer id.
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    #[ts(type = "string | null")]
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    #[ts(type = "string | null")]
    pub review_on: Option<NaiveDate>,
}

/// How a supervisor asks to close an action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CloseRequest {
    /// Close on the figures: HQ looks up the last periods itself.
    BackOnTarget,
    Reason {
        reason: String,
    },
}

/// Check a new action before HQ fills it in: a team, a measure of the board, what will be done,
/// an owner, a due date and a review date, neither in the past (`today`), the review no later
/// than the due date. Every missing or wrong field is named.
pub fn check_new(new: &NewAction, today: NaiveDate) -> Result<(), ValidationErrors> {
    let _ = (new, today);
    todo!("H1: improvement::check_new")
}

/// The evidence for closing, or why it is refused: `BackOnTarget` needs the last `needed`
/// complete periods (`figures`, oldest first, as HQ computed them for the action's team and
/// measure) all green, and says which period was not; a reason needs at least
/// [`MIN_REASON_CHARS`] characters. An action already closed is refused (`closure` field).
pub fn check_close(
    action: &ImprovementAction,
    req: &CloseRequest,
    figures: &[PeriodFigure],
    needed: u32,
) -> Result<Evidence, ValidationErrors> {
    let _ = (action, req, figures, needed);
    todo!("H1: improvement::check_close")
}

/// Where an action stands: done once closed; otherwise what its latest update (by `at`) with a
/// progress said; open before any.
pub fn status(action: &ImprovementAction, updates: &[ActionUpdate]) -> ActionStatus {
    if action.closure.is_some() {
        return ActionStatus::Done;
    }
    updates
        .iter()
        .filter_map(|u| u.progress.map(|p| (u.at, p)))
        .max_by_key(|(at, _)| *at)
        .map_or(ActionStatus::Open, |(_, p)| match p {
            Progress::OnTrack => ActionStatus::OnTrack,
            Progress::OffTrack => ActionStatus::OffTrack,
        })
}

/// The updates of an action from its record's log (entries that do not read as an update are
/// left out), oldest first.
pub fn updates(log: &[LogEntry]) -> Vec<ActionUpdate> {
    let mut out: Vec<ActionUpdate> = log.iter().filter_map(|e| e.entry.parse().ok()).collect();
    out.sort_by_key(|u| u.at);
    out
}

/// Whether the action's review date has passed and it is still open.
pub fn review_overdue(action: &ImprovementAction, today: NaiveDate) -> bool {
    action.closure.is_none() && action.review_on < today
}

/// Whether its due date has passed and it is still open.
pub fn overdue(action: &ImprovementAction, today: NaiveDate) -> bool {
    action.closure.is_none() && action.due_on < today
}

/// Its retention review date: [`RETENTION_MONTHS`] after it was opened.
pub fn retention_review(opened_on: NaiveDate) -> NaiveDate {
    review_after(opened_on, RETENTION_MONTHS)
}
