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
use crate::outcomes::Month;
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
    #[schema(min_length = 1, max_length = 5000, pattern = r"\S")]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImprovementAction {
    #[schema(value_type = String)]
    pub team_id: TeamId,
    /// The team's areas when it was opened: the tablets that receive it.
    #[schema(value_type = Vec<String>)]
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
    #[schema(value_type = String)]
    pub owner: OfficerId,
    pub owner_name: String,
    #[schema(value_type = String)]
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
// Two attributes: ts-rs reads `tag` and `rename_all` only when `deny_unknown_fields` is apart.
#[serde(tag = "kind", rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
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
    let mut errs = ValidationErrors::new();
    if new
        .team_id
        .as_ref()
        .is_none_or(|t| t.as_str().trim().is_empty())
    {
        errs.add("team_id", "required", "The team is required");
    }
    match new.measure.as_deref().map(str::trim) {
        None | Some("") => errs.add("measure", "required", "The measure is required"),
        Some(m) if Measure::parse(m).is_none() => errs.add(
            "measure",
            "unknown",
            format!("{m:?} is not a measure of the board"),
        ),
        Some(_) => {}
    }
    errs.require_text("what", &new.what, "What will be done");
    errs.max_len("what", &new.what, 5_000);
    if new.owner.as_deref().is_none_or(|o| o.trim().is_empty()) {
        errs.add("owner", "required", "An owner is required");
    }
    if let (Some(first), Some(last)) = (new.period_first_day, new.period_last_day) {
        if last < first {
            errs.add(
                "period_last_day",
                "before_first",
                "the period cannot end before it starts",
            );
        }
    }
    match new.due_on {
        None => errs.add("due_on", "required", "A due date is required"),
        Some(d) if d < today => errs.add("due_on", "in_past", "the due date is in the past"),
        Some(_) => {}
    }
    match new.review_on {
        None => errs.add("review_on", "required", "A review date is required"),
        Some(r) if r < today => errs.add("review_on", "in_past", "the review date is in the past"),
        Some(r) if new.due_on.is_some_and(|d| r > d) => errs.add(
            "review_on",
            "after_due",
            "the review date must come before the action is due (or on the day)",
        ),
        Some(_) => {}
    }
    errs.into_result()
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
    let mut errs = ValidationErrors::new();
    if let Some(c) = &action.closure {
        errs.add(
            "closure",
            "already_closed",
            format!(
                "this action was closed on {} by {}",
                day_words(c.closed_on),
                c.closed_by_name
            ),
        );
        return Err(errs);
    }
    match req {
        CloseRequest::Reason { reason } => {
            let reason = reason.trim();
            if reason.chars().count() < MIN_REASON_CHARS {
                errs.add(
                    "reason",
                    "too_short",
                    format!(
                        "give a reason of at least {MIN_REASON_CHARS} characters for closing it"
                    ),
                );
                return Err(errs);
            }
            Ok(Evidence::Reason {
                reason: reason.to_owned(),
            })
        }
        CloseRequest::BackOnTarget => {
            let needed = needed.max(1) as usize;
            let months = if needed == 1 {
                "month".to_owned()
            } else {
                format!("{needed} months in a row")
            };
            if figures.len() < needed {
                errs.add(
                    "evidence",
                    "not_enough_periods",
                    format!(
                        "the measure must be on target for {months}: there are only {} to go on",
                        figures.len()
                    ),
                );
                return Err(errs);
            }
            let last = &figures[figures.len() - needed..];
            let missed: Vec<String> = last
                .iter()
                .filter(|f| f.rag != Rag::Green)
                .map(|f| {
                    let month = Month::of(f.first_day).words();
                    match f.value {
                        Some(v) => {
                            format!("{month} ({} against a target of {})", num(v), num(f.target))
                        }
                        None => format!("{month} (no figure)"),
                    }
                })
                .collect();
            if !missed.is_empty() {
                errs.add(
                    "evidence",
                    "not_on_target",
                    format!(
                        "not on target in {}: it must be on target for {months} to close on the figures, or give a reason",
                        missed.join(", ")
                    ),
                );
                return Err(errs);
            }
            if let Some(early) = last.iter().find(|f| f.last_day < action.opened_on) {
                errs.add(
                    "evidence",
                    "before_opened",
                    format!(
                        "{} ended before the action was opened on {}: the figures must show the measure back on target for {months} since",
                        Month::of(early.first_day).words(),
                        day_words(action.opened_on)
                    ),
                );
                return Err(errs);
            }
            Ok(Evidence::BackOnTarget {
                periods: last.to_vec(),
            })
        }
    }
}

/// A figure as a person reads it: `4`, `3.5`.
fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A day as the dashboard says it: `7 Dec 2026`.
fn day_words(d: NaiveDate) -> String {
    use chrono::Datelike;
    let month = Month::of(d).words();
    format!("{} {month}", d.day())
}

/// An entry appended to an action's log, read and checked as a progress update: what HQ asks of
/// an update a device sends.
pub fn read_update(entry: &crate::Json) -> Result<ActionUpdate, ValidationErrors> {
    let update: ActionUpdate = entry.parse().map_err(|e| {
        let mut errs = ValidationErrors::new();
        errs.add(
            "entry",
            "unreadable",
            format!("not a progress update (a note, and on or off track): {e}"),
        );
        errs
    })?;
    update.validate()?;
    Ok(update)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn new_action() -> NewAction {
        NewAction {
            team_id: Some(TeamId::new("camden-tct")),
            measure: Some("patrol_hours_peak".into()),
            period_first_day: Some(d("2026-11-01")),
            period_last_day: Some(d("2026-11-30")),
            what: "Two extra hotspot patrols on Friday and Saturday nights".into(),
            owner: Some("PS1102".into()),
            due_on: Some(d("2027-02-28")),
            review_on: Some(d("2027-01-15")),
        }
    }

    fn action() -> ImprovementAction {
        ImprovementAction {
            team_id: TeamId::new("camden-tct"),
            areas: vec![AreaId::new("tc-camden-town")],
            measure: Measure::PatrolHoursPeak,
            target: 20.0,
            value: Some(12.5),
            rag: Rag::Red,
            period_first_day: d("2026-08-01"),
            period_last_day: d("2026-08-31"),
            what: "Two extra hotspot patrols on Friday and Saturday nights".into(),
            owner: OfficerId::new("PS1102"),
            owner_name: "PS Helen Doyle".into(),
            opened_by: OfficerId::new("PS1102"),
            opened_by_name: "PS Helen Doyle".into(),
            opened_on: d("2026-09-07"),
            due_on: d("2026-12-31"),
            review_on: d("2026-10-15"),
            closure: None,
            retention_review: retention_review(d("2026-09-07")),
        }
    }

    fn month(first: &str, value: Option<f64>) -> PeriodFigure {
        let first = d(first);
        PeriodFigure {
            first_day: first,
            last_day: Month::of(first).last_day(),
            value,
            target: 20.0,
            rag: Rag::of(value, 20.0),
        }
    }

    fn fields(e: &ValidationErrors) -> Vec<(&str, &str)> {
        e.errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn a_new_action_with_every_field_is_accepted() {
        assert_eq!(check_new(&new_action(), d("2026-12-07")), Ok(()));
        // Review and due on the same day, both today.
        let today = NewAction {
            due_on: Some(d("2026-12-07")),
            review_on: Some(d("2026-12-07")),
            ..new_action()
        };
        assert_eq!(check_new(&today, d("2026-12-07")), Ok(()));
    }

    #[test]
    fn a_new_action_without_owner_due_date_measure_or_team_names_each_field() {
        let e = check_new(&NewAction::default(), d("2026-12-07")).unwrap_err();
        assert_eq!(
            fields(&e),
            [
                ("team_id", "required"),
                ("measure", "required"),
                ("what", "required"),
                ("owner", "required"),
                ("due_on", "required"),
                ("review_on", "required"),
            ]
        );
        let blank = NewAction {
            owner: Some("  ".into()),
            measure: Some("arrests".into()),
            what: "   ".into(),
            ..new_action()
        };
        let e = check_new(&blank, d("2026-12-07")).unwrap_err();
        assert_eq!(
            fields(&e),
            [
                ("measure", "unknown"),
                ("what", "required"),
                ("owner", "required")
            ]
        );
        assert!(e.errors[0].message.contains("arrests"), "{e}");
    }

    #[test]
    fn dates_in_the_past_and_a_review_after_the_due_date_are_refused() {
        let past = NewAction {
            due_on: Some(d("2026-12-06")),
            review_on: Some(d("2026-12-01")),
            ..new_action()
        };
        let e = check_new(&past, d("2026-12-07")).unwrap_err();
        assert_eq!(
            fields(&e),
            [("due_on", "in_past"), ("review_on", "in_past")]
        );
        let late_review = NewAction {
            due_on: Some(d("2027-01-31")),
            review_on: Some(d("2027-02-01")),
            ..new_action()
        };
        let e = check_new(&late_review, d("2026-12-07")).unwrap_err();
        assert_eq!(fields(&e), [("review_on", "after_due")]);
        let backwards = NewAction {
            period_first_day: Some(d("2026-11-30")),
            period_last_day: Some(d("2026-11-01")),
            ..new_action()
        };
        let e = check_new(&backwards, d("2026-12-07")).unwrap_err();
        assert_eq!(fields(&e), [("period_last_day", "before_first")]);
    }

    #[test]
    fn status_goes_from_open_to_on_or_off_track_as_the_latest_update_says_then_done() {
        let mut a = action();
        let update = |at: &str, progress| ActionUpdate {
            note: "Patrols done".into(),
            progress,
            at: t(at),
        };
        assert_eq!(status(&a, &[]), ActionStatus::Open);
        let mut log = vec![update("2026-09-10T20:00:00Z", None)];
        assert_eq!(status(&a, &log), ActionStatus::Open, "a note alone");
        log.push(update("2026-09-20T20:00:00Z", Some(Progress::OffTrack)));
        assert_eq!(status(&a, &log), ActionStatus::OffTrack);
        log.push(update("2026-10-01T20:00:00Z", Some(Progress::OnTrack)));
        assert_eq!(status(&a, &log), ActionStatus::OnTrack);
        // An update written earlier offline and synced later does not override a later one.
        log.push(update("2026-09-25T20:00:00Z", Some(Progress::OffTrack)));
        assert_eq!(status(&a, &log), ActionStatus::OnTrack);
        log.push(update("2026-10-02T20:00:00Z", None));
        assert_eq!(status(&a, &log), ActionStatus::OnTrack);
        assert!(overdue(&a, d("2027-01-01")) && review_overdue(&a, d("2026-10-16")));
        assert!(!review_overdue(&a, d("2026-10-15")));

        let closing = check_close(
            &a,
            &CloseRequest::BackOnTarget,
            &[
                month("2026-10-01", Some(21.0)),
                month("2026-11-01", Some(20.0)),
            ],
            2,
        )
        .unwrap();
        a.closure = Some(Closure {
            evidence: closing,
            closed_on: d("2026-12-07"),
            closed_by: OfficerId::new("PS1102"),
            closed_by_name: "PS Helen Doyle".into(),
        });
        assert_eq!(status(&a, &log), ActionStatus::Done);
        assert!(!overdue(&a, d("2027-01-01")) && !review_overdue(&a, d("2027-01-01")));
        assert_eq!(a.validate(), Ok(()));
        assert_eq!(ActionStatus::OffTrack.words(), "Off track");
    }

    #[test]
    fn updates_are_read_from_the_log_oldest_first_and_other_entries_left_out() {
        use crate::Json;
        let entry = |v: serde_json::Value| LogEntry {
            entry: Json::from(&v),
            author: OfficerId::new("PC4127"),
        };
        let log = [
            entry(
                serde_json::json!({"note": "later", "progress": "on_track", "at": "2026-10-02T10:00:00Z"}),
            ),
            entry(serde_json::json!({"something": "else"})),
            entry(serde_json::json!({"note": "first", "at": "2026-10-01T10:00:00Z"})),
        ];
        let u = updates(&log);
        assert_eq!(u.len(), 2);
        assert_eq!(
            (u[0].note.as_str(), u[1].progress),
            ("first", Some(Progress::OnTrack))
        );
        assert!(ActionUpdate {
            note: " ".into(),
            progress: None,
            at: t("2026-10-01T10:00:00Z")
        }
        .validate()
        .unwrap_err()
        .has("note"));
    }

    #[test]
    fn closing_on_the_figures_needs_the_last_months_green() {
        let a = action();
        let figures = [
            month("2026-09-01", Some(10.0)),
            month("2026-10-01", Some(20.5)),
            month("2026-11-01", Some(22.0)),
        ];
        let evidence = check_close(&a, &CloseRequest::BackOnTarget, &figures, 2).unwrap();
        assert_eq!(
            evidence,
            Evidence::BackOnTarget {
                periods: figures[1..].to_vec()
            }
        );
        // Three months needed: September was not on target, and is named.
        let e = check_close(&a, &CloseRequest::BackOnTarget, &figures, 3).unwrap_err();
        assert_eq!(fields(&e), [("evidence", "not_on_target")]);
        assert!(
            e.errors[0]
                .message
                .contains("Sept 2026 (10 against a target of 20)"),
            "{e}"
        );
        // Amber is not on target, and a month with no figure is not either.
        let amber = [month("2026-10-01", Some(19.0)), month("2026-11-01", None)];
        let e = check_close(&a, &CloseRequest::BackOnTarget, &amber, 2).unwrap_err();
        let m = &e.errors[0].message;
        assert!(m.contains("Oct 2026 (19 against a target of 20)"), "{m}");
        assert!(m.contains("Nov 2026 (no figure)"), "{m}");
        // Too few months to go on.
        let e = check_close(&a, &CloseRequest::BackOnTarget, &figures[2..], 2).unwrap_err();
        assert_eq!(fields(&e), [("evidence", "not_enough_periods")]);
    }

    #[test]
    fn green_months_before_the_action_was_opened_do_not_show_it_back_on_target() {
        let a = ImprovementAction {
            opened_on: d("2026-11-03"),
            ..action()
        };
        let figures = [
            month("2026-10-01", Some(21.0)),
            month("2026-11-01", Some(22.0)),
        ];
        let e = check_close(&a, &CloseRequest::BackOnTarget, &figures, 2).unwrap_err();
        assert_eq!(fields(&e), [("evidence", "before_opened")]);
        assert!(e.errors[0].message.contains("Oct 2026"), "{e}");
        // Opened during October: October counts.
        let a = ImprovementAction {
            opened_on: d("2026-10-31"),
            ..action()
        };
        assert!(check_close(&a, &CloseRequest::BackOnTarget, &figures, 2).is_ok());
    }

    #[test]
    fn closing_for_a_reason_needs_a_real_reason_and_a_closed_action_stays_closed() {
        let mut a = action();
        let short = CloseRequest::Reason {
            reason: " merged  ".into(),
        };
        let e = check_close(&a, &short, &[], 2).unwrap_err();
        assert_eq!(fields(&e), [("reason", "too_short")]);
        let good = CloseRequest::Reason {
            reason: "  The team was merged into Camden SNT  ".into(),
        };
        let evidence = check_close(&a, &good, &[], 2).unwrap();
        assert_eq!(
            evidence,
            Evidence::Reason {
                reason: "The team was merged into Camden SNT".into()
            }
        );
        a.closure = Some(Closure {
            evidence,
            closed_on: d("2026-12-07"),
            closed_by: OfficerId::new("PS1102"),
            closed_by_name: "PS Helen Doyle".into(),
        });
        let e = check_close(&a, &good, &[], 2).unwrap_err();
        assert_eq!(fields(&e), [("closure", "already_closed")]);
        assert!(
            e.errors[0].message.contains("7 Dec 2026 by PS Helen Doyle"),
            "{e}"
        );
    }

    #[test]
    fn an_actions_record_is_checked_and_kept_for_three_years() {
        let a = action();
        assert_eq!(a.retention_review, d("2029-09-07"));
        let bad = ImprovementAction {
            owner: OfficerId::new(""),
            due_on: d("2026-09-01"),
            ..action()
        };
        let e = bad.validate().unwrap_err();
        assert!(e.has("owner") && e.has("due_on"), "{e}");
    }
}
