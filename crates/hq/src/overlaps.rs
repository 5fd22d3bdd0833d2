//! Overlaps and sharing: where a Town Centre Team's town centre overlaps wards, which SNTs police
//! those wards, how many records in the period the TCT and each SNT share (an item in the overlap
//! belongs to both), and the joint priorities: active ward priorities in the overlapping wards or
//! the town centre itself, with whether their review is overdue (three months).

use crate::dashboard::framework::Fact;
use crate::error::ApiError;
use crate::HqState;
use beatbook_domain::area::{Area, AreaKind, GeoPoint};
use beatbook_domain::meeting::review_overdue_on;
use beatbook_domain::people::{Team, TeamKind};
use beatbook_domain::{AreaId, RecordId};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Wards a town centre overlaps, found by sampling a grid over its bounding box.
pub fn overlapping_wards(town_centre: &Area, areas: &[Area]) -> Vec<AreaId> {
    let (mut lo0, mut lo1, mut la0, mut la1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for [lon, lat] in &town_centre.boundary {
        (lo0, lo1, la0, la1) = (lo0.min(*lon), lo1.max(*lon), la0.min(*lat), la1.max(*lat));
    }
    let mut found = BTreeSet::new();
    for i in 0..=20 {
        for j in 0..=20 {
            let p = GeoPoint {
                lon: lo0 + (lo1 - lo0) * f64::from(i) / 20.0,
                lat: la0 + (la1 - la0) * f64::from(j) / 20.0,
            };
            if !town_centre.contains(p) {
                continue;
            }
            found.extend(
                areas
                    .iter()
                    .filter(|a| a.kind == AreaKind::Ward && a.contains(p))
                    .map(|a| a.id.clone()),
            );
        }
    }
    found.into_iter().collect()
}

#[derive(Serialize, Clone, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct JointPriority {
    #[schema(value_type = String, format = Uuid)]
    pub id: RecordId,
    pub title: String,
    #[schema(value_type = String)]
    pub area_id: AreaId,
    pub last_reviewed_on: NaiveDate,
    pub overdue: bool,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SharedWith {
    pub team: Named,
    pub wards: Vec<Named>,
    /// Records in the period that belong to both teams' areas.
    #[ts(type = "number")]
    pub shared_records: u64,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Overlap {
    pub tct: Named,
    pub town_centre: Named,
    pub snts: Vec<SharedWith>,
    pub joint_priorities: Vec<JointPriority>,
}

fn named(id: &str, name: &str) -> Named {
    Named {
        id: id.to_owned(),
        name: name.to_owned(),
    }
}

/// A town centre of a Town Centre Team, and the wards it overlaps.
struct Pair<'a> {
    tct: &'a Team,
    town_centre: &'a Area,
    wards: Vec<AreaId>,
}

/// Records in the period shared by a pair's TCT and an SNT (by pair and SNT id), and each pair's
/// joint priorities.
type Tally = (
    BTreeMap<(usize, String), u64>,
    BTreeMap<usize, Vec<JointPriority>>,
);

/// Every town centre of every TCT with its overlaps, counting records from the start of `from`
/// to the end of `to` (default the last 28 days). Figures and priority titles only.
pub async fn list(
    state: &HqState,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<Overlap>, ApiError> {
    let today = Utc::now().date_naive();
    for day in [from, to].into_iter().flatten() {
        beatbook_domain::framework::check_day(day).map_err(ApiError::BadRequest)?;
    }
    let to = to.unwrap_or(today) + chrono::Duration::days(1);
    let from = from.unwrap_or(to - chrono::Duration::days(28));
    let period: (DateTime<Utc>, DateTime<Utc>) = (
        from.and_time(NaiveTime::MIN).and_utc(),
        to.and_time(NaiveTime::MIN).and_utc(),
    );
    let areas = state.storage.areas().await?;
    let teams = state.storage.teams().await?;
    let pairs = pairs(&teams, &areas);
    let snapshot = crate::performance::facts(state).await?;
    let tally = tally(snapshot.items(), &pairs, &teams, period, today);
    Ok(assemble(&pairs, &teams, &areas, tally))
}

/// (TCT, town centre, wards) for every town centre of every TCT.
fn pairs<'a>(teams: &'a [Team], areas: &'a [Area]) -> Vec<Pair<'a>> {
    let mut pairs = Vec::new();
    for t in teams.iter().filter(|t| t.kind == TeamKind::Tct) {
        for tc in areas
            .iter()
            .filter(|a| a.kind == AreaKind::TownCentre && t.areas.contains(&a.id))
        {
            pairs.push(Pair {
                tct: t,
                town_centre: tc,
                wards: overlapping_wards(tc, areas),
            });
        }
    }
    pairs
}

/// One pass over the records: for each record, the set of areas it is in.
fn tally<'a>(
    items: impl Iterator<Item = &'a crate::dashboard::framework::Item>,
    pairs: &[Pair<'_>],
    teams: &[Team],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    today: NaiveDate,
) -> Tally {
    let mut shared: BTreeMap<(usize, String), u64> = BTreeMap::new();
    let mut joint: BTreeMap<usize, Vec<JointPriority>> = BTreeMap::new();
    for item in items {
        let record_areas = &item.areas;
        for (i, pair) in pairs.iter().enumerate() {
            let (tc, wards) = (pair.town_centre, &pair.wards);
            if let Fact::Priority {
                active: true,
                last_reviewed,
                title,
            } = &item.fact
            {
                if record_areas
                    .iter()
                    .any(|a| a == &tc.id || wards.contains(a))
                {
                    joint.entry(i).or_default().push(JointPriority {
                        id: item.id,
                        title: title.clone(),
                        area_id: record_areas
                            .first()
                            .cloned()
                            .unwrap_or_else(|| AreaId::new("")),
                        last_reviewed_on: *last_reviewed,
                        overdue: review_overdue_on(*last_reviewed, today),
                    });
                }
            }
            // Intelligence is not counted: who may see it is decided per report.
            if matches!(item.fact, Fact::Intel { .. })
                || !record_areas.contains(&tc.id)
                || !item.at.is_some_and(|w| w >= from && w < to)
            {
                continue;
            }
            for snt in teams.iter().filter(|t| t.kind == TeamKind::Snt) {
                if record_areas
                    .iter()
                    .any(|a| wards.contains(a) && snt.areas.contains(a))
                {
                    *shared.entry((i, snt.id.to_string())).or_default() += 1;
                }
            }
        }
    }
    for list in joint.values_mut() {
        // Most overdue first.
        list.sort_by_key(|p| (p.last_reviewed_on, p.id));
    }
    (shared, joint)
}

/// The answer: one [`Overlap`] per pair.
fn assemble(pairs: &[Pair<'_>], teams: &[Team], areas: &[Area], tally: Tally) -> Vec<Overlap> {
    let (shared, mut joint) = tally;
    let area_name = |id: &AreaId| {
        areas
            .iter()
            .find(|a| &a.id == id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    };
    pairs
        .iter()
        .enumerate()
        .map(|(i, p)| Overlap {
            tct: named(p.tct.id.as_str(), &p.tct.name),
            town_centre: named(p.town_centre.id.as_str(), &p.town_centre.name),
            snts: teams
                .iter()
                .filter(|s| s.kind == TeamKind::Snt && s.areas.iter().any(|a| p.wards.contains(a)))
                .map(|s| SharedWith {
                    team: named(s.id.as_str(), &s.name),
                    wards: p
                        .wards
                        .iter()
                        .filter(|w| s.areas.contains(w))
                        .map(|w| named(w.as_str(), &area_name(w)))
                        .collect(),
                    shared_records: shared.get(&(i, s.id.to_string())).copied().unwrap_or(0),
                })
                .collect(),
            joint_priorities: joint.remove(&i).unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{concern, hq, Device};
    use beatbook_domain::meeting::{Priority, PriorityStatus};
    use beatbook_domain::record::review_after;

    #[tokio::test]
    async fn a_town_centre_shows_what_its_tct_shares_with_each_snt_and_their_joint_priorities() {
        let hq = hq().await;
        let mut snt = Device::enrol(&hq.state, "PC2290").await; // Camden Town SNT
        let today = Utc::now().date_naive();
        let mut both = concern("In the overlap", "E05013655", None);
        both.areas.push(AreaId::new("tc-camden-town"));
        // At Camden Town station: in the ward and the town centre.
        both.location = beatbook_domain::area::Location {
            lat: 51.539,
            lon: -0.1426,
            place: Some("Camden Town station".into()),
        };
        snt.create(&hq.state, &both).await;
        // In Camden Square ward, away from the town centre: HQ puts a record where its
        // location is.
        let mut ward_only = concern("Ward only", "E05013654", None);
        ward_only.location = beatbook_domain::area::Location {
            lat: 51.5440,
            lon: -0.1305,
            place: Some("Camden Square".into()),
        };
        snt.create(&hq.state, &ward_only).await;
        let agreed = today - chrono::Duration::days(150);
        let priority: Priority = serde_json::from_value(serde_json::json!({
            "area_id": "E05013655",
            "title": "Street drinking by the station",
            "description": "Residents voted it first",
            "meeting_id": null,
            "agreed_on": agreed,
            "last_reviewed_on": today - chrono::Duration::days(120),
            "status": PriorityStatus::Active,
            "scanning": "", "analysis": "", "responses": [], "assessment": "",
            "retention_review": review_after(agreed, 24),
        }))
        .unwrap();
        let p = snt.create(&hq.state, &priority).await;

        let overlaps = list(&hq.state, None, None).await.unwrap();
        let camden = overlaps
            .iter()
            .find(|o| o.town_centre.id == "tc-camden-town")
            .unwrap();
        assert_eq!(camden.tct.id, "camden-tct");
        let shared = camden
            .snts
            .iter()
            .find(|s| s.team.id == "camden-town-snt")
            .unwrap();
        assert_eq!(shared.shared_records, 1);
        assert!(shared.wards.iter().any(|w| w.id == "E05013655"));
        assert_eq!(camden.joint_priorities[0].id, p);
        assert!(camden.joint_priorities[0].overdue);

        // A period before anything happened shares nothing; the priorities stay.
        let long_ago = NaiveDate::from_ymd_opt(2001, 1, 1);
        let overlaps = list(&hq.state, long_ago, long_ago).await.unwrap();
        let camden = overlaps
            .iter()
            .find(|o| o.town_centre.id == "tc-camden-town")
            .unwrap();
        assert!(camden.snts.iter().all(|s| s.shared_records == 0));
        assert_eq!(camden.joint_priorities.len(), 1);
    }
}
