//! The board's figures: every measure for every team (or area), over the records' items.

use super::fact::{contribution, Item};
use super::measure::Measure;
use super::period::Period;
use crate::area::{Area, AreaKind};
use crate::people::{Team, TeamKind};
use crate::{AreaId, OfficerId};
use std::collections::{HashMap, HashSet};

/// A unit the board has a row for: a team, or an area.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    pub id: String,
    pub name: String,
    /// An area's: the kind of team that polices that kind of area.
    pub kind: TeamKind,
    pub areas: Vec<AreaId>,
}

/// The board's units: every team, or (`by_area`) every area.
pub fn units(by_area: bool, teams: &[Team], areas: &[Area]) -> Vec<Unit> {
    if by_area {
        areas
            .iter()
            .map(|a| Unit {
                id: a.id.to_string(),
                name: a.name.clone(),
                kind: match a.kind {
                    AreaKind::TownCentre => TeamKind::Tct,
                    AreaKind::Ward => TeamKind::Snt,
                },
                areas: vec![a.id.clone()],
            })
            .collect()
    } else {
        teams
            .iter()
            .map(|t| Unit {
                id: t.id.to_string(),
                name: t.name.clone(),
                kind: t.kind,
                areas: t.areas.clone(),
            })
            .collect()
    }
}

/// What the records behind one cell add up to.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    sum: f64,
    n: u64,
}

impl Tally {
    /// How many records are behind it.
    pub fn records(&self) -> u64 {
        self.n
    }

    /// The figure, to one decimal place: for a share, the percentage of its records that met
    /// the measure (`None` without any); for patrol hours, per week; for other rates, per month.
    pub fn value(&self, m: Measure, p: &Period) -> Option<f64> {
        let v = match m {
            _ if m.is_share() => {
                if self.n == 0 {
                    return None;
                }
                100.0 * self.sum / self.n as f64
            }
            Measure::PatrolHoursPeak => self.sum / p.weeks(),
            _ => self.sum / p.months(),
        };
        Some((v * 10.0).round() / 10.0)
    }
}

/// Every unit's tally of every measure (in the order of [`Measure::ALL`]) over the items in the
/// period. Cost: one pass over the items, times the units each item's areas belong to.
pub fn tally<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    units: &[Unit],
    period: &Period,
) -> Vec<[Tally; Measure::ALL.len()]> {
    let mut by_area_units: HashMap<&AreaId, Vec<usize>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        for a in &u.areas {
            by_area_units.entry(a).or_default().push(i);
        }
    }
    let mut acc: Vec<[Tally; Measure::ALL.len()]> = vec![Default::default(); units.len()];
    let mut mine: Vec<usize> = Vec::new();
    for item in items {
        let contributions = Measure::ALL.map(|m| contribution(m, &item.fact, period));
        if contributions.iter().all(Option::is_none) {
            continue;
        }
        mine.clear();
        mine.extend(
            item.areas
                .iter()
                .filter_map(|a| by_area_units.get(a))
                .flatten()
                .copied(),
        );
        mine.sort_unstable();
        mine.dedup();
        for &u in &mine {
            add(&mut acc[u], contributions);
        }
    }
    acc
}

fn add(row: &mut [Tally; Measure::ALL.len()], contributions: [Option<f64>; Measure::ALL.len()]) {
    for (a, c) in row.iter_mut().zip(contributions) {
        if let Some(c) = c {
            a.sum += c;
            a.n += 1;
        }
    }
}

/// A team's figures officer by officer: each officer's tally (in the order of `officers`) of the
/// records they made in the team's areas in the period.
pub fn tally_by_author<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    team: &Unit,
    officers: &[OfficerId],
    period: &Period,
) -> Vec<[Tally; Measure::ALL.len()]> {
    let areas: HashSet<&AreaId> = team.areas.iter().collect();
    let index: HashMap<&OfficerId, usize> =
        officers.iter().enumerate().map(|(i, o)| (o, i)).collect();
    let mut acc: Vec<[Tally; Measure::ALL.len()]> = vec![Default::default(); officers.len()];
    for item in items {
        let Some(&i) = item.by.as_ref().and_then(|b| index.get(b)) else {
            continue;
        };
        if item.areas.iter().any(|a| areas.contains(a)) {
            add(
                &mut acc[i],
                Measure::ALL.map(|m| contribution(m, &item.fact, period)),
            );
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{Fact, Rag};
    use crate::RecordId;
    use chrono::{DateTime, Utc};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn an_item_in_an_overlap_counts_for_both_teams() {
        let team = |id: &str, kind, areas: &[&str]| Team {
            id: crate::TeamId::new(id),
            name: id.into(),
            kind,
            areas: areas.iter().map(|a| AreaId::new(*a)).collect(),
        };
        let teams = vec![
            team("tct", TeamKind::Tct, &["tc"]),
            team("snt", TeamKind::Snt, &["ward"]),
            team("other", TeamKind::Snt, &["far"]),
        ];
        let p = Period {
            from: t("2026-11-01T00:00:00Z"),
            to: t("2026-11-29T00:00:00Z"),
            as_of: t("2026-12-07T00:00:00Z"),
        };
        let items = vec![Item {
            id: RecordId::new(),
            areas: vec![AreaId::new("tc"), AreaId::new("ward")],
            at: Some(t("2026-11-10T12:00:00Z")),
            by: None,
            fact: Fact::Concern {
                reported_at: t("2026-11-10T12:00:00Z"),
                answered_at: Some(t("2026-11-11T12:00:00Z")),
                closed: false,
            },
        }];
        let units = units(false, &teams, &[]);
        let b = tally(&items, &units, &p);
        let k = |m: Measure| Measure::ALL.iter().position(|x| *x == m).unwrap();
        let value = |row: usize, m: Measure| b[row][k(m)].value(m, &p);
        assert_eq!(value(0, Measure::ConcernsAnswered72h), Some(100.0));
        assert_eq!(value(1, Measure::ConcernsAnswered72h), Some(100.0));
        assert_eq!(value(2, Measure::ConcernsAnswered72h), None);
        let closed = Measure::ConcernsClosed;
        assert_eq!(
            Rag::of(value(0, closed), closed.default_target(units[0].kind)),
            Rag::Red
        );
    }

    #[test]
    fn an_officer_counts_the_records_they_made_in_the_teams_areas() {
        let p = Period {
            from: t("2026-11-01T00:00:00Z"),
            to: t("2026-11-29T00:00:00Z"),
            as_of: t("2026-12-07T00:00:00Z"),
        };
        let team = Unit {
            id: "tct".into(),
            name: "TCT".into(),
            kind: TeamKind::Tct,
            areas: vec![AreaId::new("tc")],
        };
        let engagement = |by: &str, area: &str| Item {
            id: RecordId::new(),
            areas: vec![AreaId::new(area)],
            at: None,
            by: Some(OfficerId::new(by)),
            fact: Fact::Engagement {
                at: t("2026-11-10T12:00:00Z"),
            },
        };
        let items = [
            engagement("PC1", "tc"),
            engagement("PC1", "tc"),
            engagement("PC2", "tc"),
            engagement("PC2", "elsewhere"),
            engagement("PC9", "tc"),
        ];
        let officers = [
            OfficerId::new("PC1"),
            OfficerId::new("PC2"),
            OfficerId::new("PC3"),
        ];
        let rows = tally_by_author(&items, &team, &officers, &p);
        let k = Measure::ALL
            .iter()
            .position(|m| *m == Measure::EngagementsPerMonth)
            .unwrap();
        let counts: Vec<u64> = rows.iter().map(|r| r[k].records()).collect();
        assert_eq!(counts, vec![2, 1, 0]);
    }
}
