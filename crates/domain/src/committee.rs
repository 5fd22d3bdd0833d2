//! The committee's view: the police authority committee that oversees the teams judges them over
//! time, on aggregates only — no officer's name, no record's text, no intelligence. Its report
//! for a quarter: each team's red/amber/green over the last four quarters, the failures and what
//! is being done about them, the areas for improvement, the outcomes against their targets, and
//! notes from partnership meetings; every measure quarter on quarter and year on year.

use crate::framework::{Change, Measure, Rag};
use crate::improvement::{self, ActionStatus, ActionUpdate, Evidence, ImprovementAction};
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

// ---------------------------------------------------------------------------------------------
// The rules the report is assembled by (HQ gathers the figures, actions, outcomes and notes).

/// The quarter a report is for when none is asked for: the last complete one as of `today`.
pub fn last_complete_quarter(today: NaiveDate) -> Quarter {
    Quarter::of_day(today).previous()
}

/// The report's quarters: the four ending with `quarter`, oldest first.
pub fn report_quarters(quarter: Quarter) -> Vec<Quarter> {
    (-3..=0).map(|n| quarter.plus(n)).collect()
}

/// Check a quarter asked for as of `today`: it must have begun (the current quarter is reported
/// up to today). The refusal is in words.
pub fn check_quarter(quarter: Quarter, today: NaiveDate) -> Result<Quarter, String> {
    let current = Quarter::of_day(today);
    if quarter > current {
        return Err(format!(
            "{} has not begun: choose a quarter up to {}",
            quarter.words(),
            current.words()
        ));
    }
    Ok(quarter)
}

/// One measure's history over the report's quarters: `figures` are the report's quarters'
/// (oldest first, the report's quarter last) as `(quarter, value, target)`; `year_before` the
/// figure of the same quarter a year before the report's.
pub fn measure_history(
    measure: Measure,
    figures: &[(Quarter, Option<f64>, f64)],
    year_before: Option<f64>,
) -> MeasureHistory {
    let quarters: Vec<QuarterFigure> = figures
        .iter()
        .map(|&(quarter, value, target)| QuarterFigure {
            quarter,
            value,
            target,
            rag: Rag::of(value, target),
        })
        .collect();
    let latest = quarters.last().and_then(|q| q.value);
    let before = quarters
        .len()
        .checked_sub(2)
        .and_then(|i| quarters[i].value);
    MeasureHistory {
        measure,
        label: measure.label().to_owned(),
        unit: measure.unit().to_owned(),
        quarters,
        year_before,
        quarter_on_quarter: Change::of(latest, before),
        year_on_year: Change::of(latest, year_before),
    }
}

/// A measure's figure in words with its unit: `62.5%`, `3.2 events a month`.
pub fn figure_words(measure: Measure, value: Option<f64>) -> String {
    match value {
        None => "no figure".to_owned(),
        Some(v) => {
            let n = number_words(v);
            match measure.unit() {
                "%" => format!("{n}%"),
                unit => format!("{n} {unit}"),
            }
        }
    }
}

/// A figure to one decimal place, without a trailing `.0`.
pub fn number_words(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The areas for improvement, in words, one per measure that needs it: red or amber in the
/// latest quarter (saying for how many quarters in a row it has been off target, with the figure
/// and the target), or on target but down both on the quarter before and on the year before.
pub fn areas_for_improvement(measures: &[MeasureHistory]) -> Vec<String> {
    let mut out = Vec::new();
    for m in measures {
        let Some(latest) = m.quarters.last() else {
            continue;
        };
        let against = format!(
            "{} against a target of {}",
            figure_words(m.measure, latest.value),
            figure_words(m.measure, Some(latest.target))
        );
        match latest.rag {
            Rag::Red | Rag::Amber => {
                let run = m
                    .quarters
                    .iter()
                    .rev()
                    .take_while(|q| matches!(q.rag, Rag::Red | Rag::Amber))
                    .count();
                let how = if latest.rag == Rag::Red {
                    "below target"
                } else {
                    "near target but below it"
                };
                let when = if run > 1 {
                    format!("for {run} quarters in a row")
                } else {
                    "this quarter".to_owned()
                };
                out.push(format!("{}: {how} {when} ({against})", m.label));
            }
            Rag::Green
                if m.quarter_on_quarter == Change::Down && m.year_on_year == Change::Down =>
            {
                out.push(format!(
                    "{}: on target, but down on the quarter before and on a year before ({against})",
                    m.label
                ));
            }
            _ => {}
        }
    }
    out
}

/// Whether an action belongs in the report for `quarter`: open at some time during it, or opened
/// (later) from a cell of the board whose period falls in it.
pub fn action_in_quarter(action: &ImprovementAction, quarter: Quarter) -> bool {
    let (first, last) = (quarter.first_day(), quarter.last_day());
    let open_during =
        action.opened_on <= last && action.closure.as_ref().is_none_or(|c| c.closed_on >= first);
    let about_it = action.period_first_day <= last && action.period_last_day >= first;
    open_during || about_it
}

/// Whether an action answers a failure of `measure` in `quarter`: on that measure, and still open
/// when the quarter ended (or now).
pub fn addresses(action: &ImprovementAction, measure: Measure, quarter: Quarter) -> bool {
    action.measure == measure
        && action
            .closure
            .as_ref()
            .is_none_or(|c| c.closed_on > quarter.last_day())
}

/// The red cells of the latest quarter that no action of the team addresses (see [`addresses`]):
/// failures not yet addressed.
pub fn unaddressed(
    measures: &[MeasureHistory],
    actions: &[&ImprovementAction],
    quarter: Quarter,
) -> Vec<Measure> {
    measures
        .iter()
        .filter(|m| m.quarters.last().is_some_and(|q| q.rag == Rag::Red))
        .filter(|m| !actions.iter().any(|a| addresses(a, m.measure, quarter)))
        .map(|m| m.measure)
        .collect()
}

/// How an action was closed, in words: "Back on target for 2 months", or the reason given.
pub fn closed_words(evidence: &Evidence) -> String {
    match evidence {
        Evidence::BackOnTarget { periods } => match periods.len() {
            1 => "Back on target for 1 month".to_owned(),
            n => format!("Back on target for {n} months"),
        },
        Evidence::Reason { reason } => format!("Closed for a reason: {}", reason.trim()),
    }
}

/// An action as the committee reads it, as of `today`: no owner, no opener, no update's text;
/// the updates counted, and the day of the latest.
pub fn action_line(
    id: RecordId,
    action: &ImprovementAction,
    updates: &[ActionUpdate],
    status: ActionStatus,
    today: NaiveDate,
) -> ActionLine {
    ActionLine {
        id,
        measure: action.measure,
        what: action.what.clone(),
        status,
        opened_on: action.opened_on,
        due_on: action.due_on,
        review_on: action.review_on,
        overdue: improvement::overdue(action, today),
        review_overdue: improvement::review_overdue(action, today),
        updates: u32::try_from(updates.len()).unwrap_or(u32::MAX),
        last_update_on: updates.iter().map(|u| u.at.date_naive()).max(),
        closed: action.closure.as_ref().map(|c| closed_words(&c.evidence)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::improvement::{Closure, Progress};
    use crate::OfficerId;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn q(s: &str) -> Quarter {
        s.parse().unwrap()
    }

    fn action(measure: Measure, opened: &str, period: (&str, &str)) -> ImprovementAction {
        ImprovementAction {
            team_id: TeamId::new("camden-tct"),
            areas: vec![AreaId::new("tc-camden-town")],
            measure,
            target: 90.0,
            value: Some(50.0),
            rag: Rag::Red,
            period_first_day: d(period.0),
            period_last_day: d(period.1),
            what: "Answer every concern by the next shift".into(),
            owner: OfficerId::new("PS1102"),
            owner_name: "PS Helen Doyle".into(),
            opened_by: OfficerId::new("IN0042"),
            opened_by_name: "Insp Raj Patel".into(),
            opened_on: d(opened),
            due_on: d("2027-01-31"),
            review_on: d("2026-12-20"),
            closure: None,
            retention_review: d("2029-12-01"),
        }
    }

    fn closed(mut a: ImprovementAction, on: &str, evidence: Evidence) -> ImprovementAction {
        a.closure = Some(Closure {
            evidence,
            closed_on: d(on),
            closed_by: OfficerId::new("IN0042"),
            closed_by_name: "Insp Raj Patel".into(),
        });
        a
    }

    fn history(m: Measure, values: [Option<f64>; 4], target: f64) -> MeasureHistory {
        let quarters = report_quarters(q("2026-Q4"));
        let figures: Vec<_> = quarters
            .iter()
            .zip(values)
            .map(|(q, v)| (*q, v, target))
            .collect();
        measure_history(m, &figures, None)
    }

    #[test]
    fn the_default_quarter_is_the_last_complete_one_and_the_report_covers_four() {
        assert_eq!(last_complete_quarter(d("2026-12-07")), q("2026-Q3"));
        assert_eq!(last_complete_quarter(d("2027-01-01")), q("2026-Q4"));
        assert_eq!(
            report_quarters(q("2026-Q2")),
            vec![q("2025-Q3"), q("2025-Q4"), q("2026-Q1"), q("2026-Q2")]
        );
        assert_eq!(
            check_quarter(q("2026-Q4"), d("2026-12-07")),
            Ok(q("2026-Q4"))
        );
        assert_eq!(
            check_quarter(q("2027-Q1"), d("2026-12-07")),
            Err("Jan to Mar 2027 has not begun: choose a quarter up to Oct to Dec 2026".into())
        );
    }

    #[test]
    fn a_history_compares_the_latest_quarter_with_the_one_before_and_a_year_before() {
        let quarters = report_quarters(q("2026-Q4"));
        let figures: Vec<_> = quarters
            .iter()
            .zip([Some(70.0), None, Some(80.0), Some(75.0)])
            .map(|(q, v)| (*q, v, 90.0))
            .collect();
        let h = measure_history(Measure::ConcernsAnswered72h, &figures, Some(60.0));
        assert_eq!(h.label, "Concerns answered within 72 hours (%)");
        assert_eq!(h.quarters.len(), 4);
        assert_eq!(h.quarters[1].rag, Rag::None);
        assert_eq!(h.quarters[3].rag, Rag::Red);
        assert_eq!(h.quarter_on_quarter, Change::Down);
        assert_eq!(h.year_on_year, Change::Up);
        let none = measure_history(Measure::ConcernsClosed, &figures[..1], None);
        assert_eq!(none.quarter_on_quarter, Change::NotComparable);
        assert_eq!(none.year_on_year, Change::NotComparable);
    }

    #[test]
    fn areas_for_improvement_say_what_is_off_target_for_how_long_or_falling() {
        let measures = vec![
            history(
                Measure::ConcernsAnswered72h,
                [Some(95.0), Some(92.0), Some(70.0), Some(62.5)],
                90.0,
            ),
            history(
                Measure::EngagementsPerMonth,
                [Some(3.0), Some(4.0), Some(5.0), Some(3.7)],
                4.0,
            ),
            history(
                Measure::PatrolHoursPeak,
                [Some(30.0), Some(28.0), Some(26.0), Some(21.0)],
                20.0,
            ),
            history(
                Measure::ConcernsClosed,
                [Some(50.0), Some(70.0), Some(80.0), Some(90.0)],
                60.0,
            ),
            history(Measure::IntelPerMonth, [None, None, None, None], 8.0),
        ];
        // A year before, for the falling one.
        let mut measures = measures;
        measures[2].year_before = Some(25.0);
        measures[2].year_on_year = Change::Down;
        let words = areas_for_improvement(&measures);
        assert_eq!(
            words,
            vec![
                "Concerns answered within 72 hours (%): below target for 2 quarters in a row (62.5% against a target of 90%)",
                "Engagement events per month: near target but below it this quarter (3.7 events a month against a target of 4 events a month)",
                "Hotspot patrol hours per week at peak times: on target, but down on the quarter before and on a year before (21 hours a week against a target of 20 hours a week)",
            ]
        );
    }

    #[test]
    fn an_action_is_in_the_quarter_it_was_open_in_or_the_one_it_was_opened_about() {
        let m = Measure::ConcernsAnswered72h;
        let q4 = q("2026-Q4");
        // Opened in the quarter.
        assert!(action_in_quarter(
            &action(m, "2026-11-02", ("2026-10-01", "2026-10-31")),
            q4
        ));
        // Opened in January from the board of December.
        let later = action(m, "2027-01-05", ("2026-12-01", "2026-12-31"));
        assert!(action_in_quarter(&later, q4));
        assert!(!action_in_quarter(&later, q("2026-Q3")));
        // Opened in the summer, still open: open during the quarter.
        let summer = action(m, "2026-07-02", ("2026-06-01", "2026-06-30"));
        assert!(action_in_quarter(&summer, q4));
        // Closed in September: not in the last quarter.
        let done = closed(
            summer.clone(),
            "2026-09-30",
            Evidence::Reason {
                reason: "The team was reorganised".into(),
            },
        );
        assert!(!action_in_quarter(&done, q4));
        assert!(action_in_quarter(&done, q("2026-Q3")));
    }

    #[test]
    fn a_red_with_no_action_still_open_at_the_quarters_end_is_unaddressed() {
        let q4 = q("2026-Q4");
        let measures = vec![
            history(
                Measure::ConcernsAnswered72h,
                [None, None, None, Some(50.0)],
                90.0,
            ),
            history(
                Measure::ConcernsClosed,
                [None, None, None, Some(10.0)],
                60.0,
            ),
            history(
                Measure::EngagementsPerMonth,
                [None, None, None, Some(3.7)],
                4.0,
            ),
        ];
        let open = action(
            Measure::ConcernsAnswered72h,
            "2026-11-02",
            ("2026-10-01", "2026-10-31"),
        );
        // Closed during the quarter while still red: that red is not addressed.
        let closed_early = closed(
            action(
                Measure::ConcernsClosed,
                "2026-10-02",
                ("2026-09-01", "2026-09-30"),
            ),
            "2026-11-15",
            Evidence::BackOnTarget { periods: vec![] },
        );
        assert_eq!(
            unaddressed(&measures, &[&open, &closed_early], q4),
            vec![Measure::ConcernsClosed],
            "amber is not a failure to address; the open action addresses its red"
        );
        // Closed after the quarter ended: it was open over the red.
        let closed_after = closed(
            action(
                Measure::ConcernsClosed,
                "2026-10-02",
                ("2026-09-01", "2026-09-30"),
            ),
            "2027-01-15",
            Evidence::BackOnTarget { periods: vec![] },
        );
        assert!(unaddressed(&measures, &[&open, &closed_after], q4).is_empty());
    }

    #[test]
    fn an_action_line_names_nobody_and_counts_the_updates() {
        let mut a = action(
            Measure::ConcernsAnswered72h,
            "2026-11-02",
            ("2026-10-01", "2026-10-31"),
        );
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let updates = vec![
            ActionUpdate {
                note: "PC Khan has started the evening calls".into(),
                progress: Some(Progress::OnTrack),
                at: at("2026-11-10T18:00:00Z"),
            },
            ActionUpdate {
                note: "Two of three done".into(),
                progress: None,
                at: at("2026-12-01T09:30:00Z"),
            },
        ];
        let id = RecordId::new();
        let line = action_line(
            id,
            &a,
            &updates,
            improvement::status(&a, &updates),
            d("2026-12-21"),
        );
        assert_eq!(line.status, ActionStatus::OnTrack);
        assert_eq!(line.updates, 2);
        assert_eq!(line.last_update_on, Some(d("2026-12-01")));
        assert!(line.review_overdue && !line.overdue);
        assert_eq!(line.closed, None);
        let json = serde_json::to_string(&line).unwrap();
        for name in [
            "Doyle",
            "Patel",
            "Khan",
            "PS1102",
            "IN0042",
            "evening calls",
        ] {
            assert!(!json.contains(name), "{name} in {json}");
        }
        a = closed(
            a,
            "2027-01-20",
            Evidence::BackOnTarget {
                periods: vec![
                    improvement::PeriodFigure {
                        first_day: d("2026-11-01"),
                        last_day: d("2026-11-30"),
                        value: Some(95.0),
                        target: 90.0,
                        rag: Rag::Green,
                    };
                    2
                ],
            },
        );
        let line = action_line(id, &a, &[], ActionStatus::Done, d("2027-02-01"));
        assert_eq!(line.closed.as_deref(), Some("Back on target for 2 months"));
        assert!(!line.overdue && !line.review_overdue);
        assert_eq!(line.last_update_on, None);
        assert_eq!(
            closed_words(&Evidence::Reason {
                reason: " The measure no longer applies ".into()
            }),
            "Closed for a reason: The measure no longer applies"
        );
    }
}
