//! Overlaps and sharing: where a Town Centre Team's town centre overlaps wards, which SNTs police
//! those wards, how many records in the period the TCT and each SNT share (an item in the overlap
//! belongs to both), and the joint priorities: active ward priorities in the overlapping wards or
//! the town centre itself, with whether their review is overdue (three months).

use super::auth::Staff;
use super::framework::Fact;
use crate::error::ApiError;
use crate::HqState;
use axum::extract::{Query, State};
use axum::Json;
use beatbook_domain::area::{Area, AreaKind, GeoPoint};
use beatbook_domain::meeting::review_overdue_on;
use beatbook_domain::people::{Role, Team, TeamKind};
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::{AreaId, RecordId};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
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

#[derive(Deserialize, Default, Debug, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct OverlapQuery {
    /// The first day included (default 28 days before `to`).
    pub from: Option<NaiveDate>,
    /// The last day included (default today).
    pub to: Option<NaiveDate>,
}

fn named(id: &str, name: &str) -> Named {
    Named {
        id: id.to_owned(),
        name: name.to_owned(),
    }
}

/// `GET /api/v1/hq/framework/overlaps?from=&to=` (default the last 28 days). Figures and
/// priority titles only.
#[utoipa::path(get, path = "/api/v1/hq/framework/overlaps", tag = "hq", operation_id = "hq_framework_overlaps",
    params(OverlapQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "One per town centre of each Town Centre Team", body = Vec<Overlap>), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<OverlapQuery>,
) -> Result<Json<Vec<Overlap>>, ApiError> {
    staff.require(&[Role::Supervisor, Role::Analyst, Role::Admin])?;
    let today = Utc::now().date_naive();
    let to = q.to.unwrap_or(today) + chrono::Duration::days(1);
    let from = q.from.unwrap_or(to - chrono::Duration::days(28));
    let (from, to): (DateTime<Utc>, DateTime<Utc>) = (
        from.and_time(NaiveTime::MIN).and_utc(),
        to.and_time(NaiveTime::MIN).and_utc(),
    );
    let areas = state.storage.areas().await?;
    let teams = state.storage.teams().await?;
    // (TCT, town centre, wards) for every town centre of every TCT.
    let mut pairs: Vec<(&Team, &Area, Vec<AreaId>)> = Vec::new();
    for t in teams.iter().filter(|t| t.kind == TeamKind::Tct) {
        for tc in areas
            .iter()
            .filter(|a| a.kind == AreaKind::TownCentre && t.areas.contains(&a.id))
        {
            pairs.push((t, tc, overlapping_wards(tc, &areas)));
        }
    }
    // One pass over the records: for each record, the set of areas it is in.
    let mut shared: BTreeMap<(usize, String), u64> = BTreeMap::new();
    let mut joint: BTreeMap<usize, Vec<JointPriority>> = BTreeMap::new();
    let snapshot = super::framework::facts(&state).await?;
    for item in snapshot.items() {
        let record_areas = &item.areas;
        for (i, (_, tc, wards)) in pairs.iter().enumerate() {
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
    let area_name = |id: &AreaId| {
        areas
            .iter()
            .find(|a| &a.id == id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    };
    let out = pairs
        .iter()
        .enumerate()
        .map(|(i, (t, tc, wards))| Overlap {
            tct: named(t.id.as_str(), &t.name),
            town_centre: named(tc.id.as_str(), &tc.name),
            snts: teams
                .iter()
                .filter(|s| s.kind == TeamKind::Snt && s.areas.iter().any(|a| wards.contains(a)))
                .map(|s| SharedWith {
                    team: named(s.id.as_str(), &s.name),
                    wards: wards
                        .iter()
                        .filter(|w| s.areas.contains(w))
                        .map(|w| named(w.as_str(), &area_name(w)))
                        .collect(),
                    shared_records: shared.get(&(i, s.id.to_string())).copied().unwrap_or(0),
                })
                .collect(),
            joint_priorities: joint.remove(&i).unwrap_or_default(),
        })
        .collect();
    Ok(Json(out))
}
