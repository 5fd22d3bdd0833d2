//! What the framework measures, the targets, and red/amber/green.

use super::tally::Unit;
use crate::people::TeamKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What the framework measures. Every measure is "higher is better".
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ts_rs::TS,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum Measure {
    /// Hours of hotspot patrol per week at peak times (18:00 to 02:00).
    PatrolHoursPeak,
    /// Share (%) of concerns reported in the period answered within 72 hours.
    #[serde(rename = "concerns_answered_72h")]
    ConcernsAnswered72h,
    /// Share (%) of active priorities reviewed within the last three months.
    PrioritiesReviewed,
    /// Engagement events per month.
    EngagementsPerMonth,
    /// Intelligence reports submitted per month (sanitised copies made at HQ not counted).
    IntelPerMonth,
    /// Share (%) of concerns reported in the period now resolved or closed.
    ConcernsClosed,
}

impl Measure {
    pub const ALL: [Measure; 6] = [
        Measure::PatrolHoursPeak,
        Measure::ConcernsAnswered72h,
        Measure::PrioritiesReviewed,
        Measure::EngagementsPerMonth,
        Measure::IntelPerMonth,
        Measure::ConcernsClosed,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Measure::PatrolHoursPeak => "patrol_hours_peak",
            Measure::ConcernsAnswered72h => "concerns_answered_72h",
            Measure::PrioritiesReviewed => "priorities_reviewed",
            Measure::EngagementsPerMonth => "engagements_per_month",
            Measure::IntelPerMonth => "intel_per_month",
            Measure::ConcernsClosed => "concerns_closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Measure::PatrolHoursPeak => "Hotspot patrol hours per week at peak times",
            Measure::ConcernsAnswered72h => "Concerns answered within 72 hours (%)",
            Measure::PrioritiesReviewed => "Priorities reviewed within 3 months (%)",
            Measure::EngagementsPerMonth => "Engagement events per month",
            Measure::IntelPerMonth => "Intelligence submissions per month",
            Measure::ConcernsClosed => "Concerns closed (%)",
        }
    }

    /// What its figures are counted in, for a chart's value axis.
    pub fn unit(self) -> &'static str {
        match self {
            Measure::PatrolHoursPeak => "hours a week",
            Measure::EngagementsPerMonth => "events a month",
            Measure::IntelPerMonth => "submissions a month",
            Measure::ConcernsAnswered72h
            | Measure::PrioritiesReviewed
            | Measure::ConcernsClosed => "%",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.id() == s)
    }

    /// A share of the records behind it (as opposed to a rate over the period): each record
    /// either met it or did not.
    pub fn is_share(self) -> bool {
        matches!(
            self,
            Measure::ConcernsAnswered72h | Measure::ConcernsClosed | Measure::PrioritiesReviewed
        )
    }

    /// The target when none is set, per team type.
    pub fn default_target(self, kind: TeamKind) -> f64 {
        match (self, kind) {
            (Measure::PatrolHoursPeak, TeamKind::Tct) => 20.0,
            (Measure::PatrolHoursPeak, TeamKind::Snt) => 6.0,
            (Measure::ConcernsAnswered72h, _) => 90.0,
            (Measure::PrioritiesReviewed, _) => 100.0,
            (Measure::EngagementsPerMonth, TeamKind::Tct) => 4.0,
            (Measure::EngagementsPerMonth, TeamKind::Snt) => 6.0,
            (Measure::IntelPerMonth, TeamKind::Tct) => 8.0,
            (Measure::IntelPerMonth, TeamKind::Snt) => 4.0,
            (Measure::ConcernsClosed, _) => 60.0,
        }
    }
}

/// The scope of the targets for every team of a type: `kind:tct` or `kind:snt`.
pub fn kind_scope(kind: TeamKind) -> &'static str {
    match kind {
        TeamKind::Tct => "kind:tct",
        TeamKind::Snt => "kind:snt",
    }
}

/// The built-in targets, by scope (`kind:tct`, `kind:snt`), then by measure.
pub fn default_targets() -> BTreeMap<String, BTreeMap<Measure, f64>> {
    [TeamKind::Tct, TeamKind::Snt]
        .into_iter()
        .map(|k| {
            (
                kind_scope(k).to_owned(),
                Measure::ALL
                    .into_iter()
                    .map(|m| (m, m.default_target(k)))
                    .collect(),
            )
        })
        .collect()
}

/// The targets set at HQ, by scope (`team:<id>`, `kind:tct`, `kind:snt`) and measure id.
#[derive(Clone, Debug, Default)]
pub struct TargetTable(HashMap<(String, String), f64>);

impl TargetTable {
    /// The table of `(scope, measure id, target)` as set.
    pub fn new<'a>(set: impl IntoIterator<Item = (&'a str, &'a str, f64)>) -> TargetTable {
        TargetTable(
            set.into_iter()
                .map(|(scope, m, target)| ((scope.to_owned(), m.to_owned()), target))
                .collect(),
        )
    }

    /// The target for a unit: its own (teams only, not areas), else its type's, else the
    /// built-in default.
    pub fn target(&self, by_area: bool, unit: &Unit, m: Measure) -> f64 {
        let own = (!by_area)
            .then(|| {
                self.0
                    .get(&(format!("team:{}", unit.id), m.id().to_owned()))
            })
            .flatten();
        own.or_else(|| {
            self.0
                .get(&(kind_scope(unit.kind).to_owned(), m.id().to_owned()))
        })
        .copied()
        .unwrap_or_else(|| m.default_target(unit.kind))
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum Rag {
    Red,
    Amber,
    Green,
    /// Nothing to measure in the period (e.g. no concerns reported).
    None,
}

impl Rag {
    /// Green at or above target, amber within 10% below it, red further below.
    pub fn of(value: Option<f64>, target: f64) -> Rag {
        match value {
            None => Rag::None,
            Some(v) if v >= target => Rag::Green,
            Some(v) if v >= target * 0.9 => Rag::Amber,
            Some(_) => Rag::Red,
        }
    }

    /// In words, as the board says it.
    pub fn words(self) -> &'static str {
        match self {
            Rag::Red => "Below target",
            Rag::Amber => "Near target",
            Rag::Green => "On target",
            Rag::None => "No data",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
            Rag::None => "none",
        }
    }
}

/// How a figure moved since the previous period. Every measure is "higher is better", so up is
/// better.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum Change {
    Up,
    Down,
    Same,
    /// No figure in one of the two periods.
    NotComparable,
}

impl Change {
    /// In words, as the board pack says it.
    pub fn words(self) -> &'static str {
        match self {
            Change::Up => "Up",
            Change::Down => "Down",
            Change::Same => "No change",
            Change::NotComparable => "No figure to compare",
        }
    }

    pub fn of(now: Option<f64>, before: Option<f64>) -> Change {
        match (now, before) {
            (Some(n), Some(b)) if n > b => Change::Up,
            (Some(n), Some(b)) if n < b => Change::Down,
            (Some(_), Some(_)) => Change::Same,
            _ => Change::NotComparable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_serialise_as_their_ids() {
        for m in Measure::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), m.id());
        }
    }

    #[test]
    fn rag_is_green_at_target_amber_within_ten_percent_red_below() {
        assert_eq!(Rag::of(Some(90.0), 90.0), Rag::Green);
        assert_eq!(Rag::of(Some(82.0), 90.0), Rag::Amber);
        assert_eq!(Rag::of(Some(80.0), 90.0), Rag::Red);
        assert_eq!(Rag::of(None, 90.0), Rag::None);
    }

    #[test]
    fn a_change_is_up_down_or_the_same_and_needs_both_figures() {
        assert_eq!(Change::of(Some(80.0), Some(75.5)), Change::Up);
        assert_eq!(Change::of(Some(70.0), Some(75.5)), Change::Down);
        assert_eq!(Change::of(Some(0.0), Some(0.0)), Change::Same);
        assert_eq!(Change::of(Some(10.0), None), Change::NotComparable);
        assert_eq!(Change::of(None, Some(10.0)), Change::NotComparable);
    }

    #[test]
    fn a_teams_own_target_beats_its_types_which_beats_the_default() {
        let unit = Unit {
            id: "camden-tct".into(),
            name: "Camden TCT".into(),
            kind: TeamKind::Tct,
            areas: vec![],
        };
        let m = Measure::ConcernsAnswered72h;
        assert_eq!(TargetTable::default().target(false, &unit, m), 90.0);
        let kind = TargetTable::new([("kind:tct", "concerns_answered_72h", 50.0)]);
        assert_eq!(kind.target(false, &unit, m), 50.0);
        let own = TargetTable::new([
            ("kind:tct", "concerns_answered_72h", 50.0),
            ("team:camden-tct", "concerns_answered_72h", 30.0),
        ]);
        assert_eq!(own.target(false, &unit, m), 30.0);
        // An area's row has no target of its own.
        assert_eq!(own.target(true, &unit, m), 50.0);
        assert_eq!(
            default_targets()["kind:snt"][&Measure::PatrolHoursPeak],
            6.0
        );
    }
}
