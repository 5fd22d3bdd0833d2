//! The demo's outcomes: two years of recorded crime in the demo areas, sent through the same
//! import as a force's police.uk files (a file the demo writes in that format), four quarters of
//! public and business surveys, every team's monthly cost, an outcome target, and two notes from
//! partnership meetings. The pattern reads as a story beside the board's: crime is falling
//! year on year in Camden's town centre and in Hackney Central, and rising in Kentish Town (a PC
//! short) and a little in Hackney's town centres; summers are busier.

use crate::admin::AdminError;
use crate::dashboard::framework::TargetRow;
use crate::outcomes::{self, TeamCost};
use crate::{performance, HqState};
use beatbook_domain::area::{Area, AreaKind};
use beatbook_domain::outcomes::{
    Month, NewPartnershipNote, OutcomeMeasure, PartnershipMeeting, Quarter,
};
use beatbook_domain::people::{Team, TeamKind};
use beatbook_domain::{AreaId, OfficerId, TeamId};
use chrono::{DateTime, Datelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How crime moves in a team's areas: the change over a year (-0.10: down 10%).
fn yearly_trend(team: &str) -> f64 {
    match team {
        "camden-tct" => -0.12,
        "camden-town-snt" => -0.06,
        "kentish-town-snt" => 0.10,
        "hackney-tct" => 0.04,
        "dalston-snt" => -0.03,
        "hackney-central-snt" => -0.09,
        _ => 0.0,
    }
}

/// What police.uk records in a town centre and in a ward, by crime type: (type, share).
const TOWN_CENTRE: [(&str, f64); 10] = [
    ("Anti-social behaviour", 0.22),
    ("Shoplifting", 0.16),
    ("Theft from the person", 0.12),
    ("Violence and sexual offences", 0.16),
    ("Other theft", 0.10),
    ("Public order", 0.07),
    ("Drugs", 0.06),
    ("Bicycle theft", 0.04),
    ("Robbery", 0.04),
    ("Criminal damage and arson", 0.03),
];
const WARD: [(&str, f64); 10] = [
    ("Anti-social behaviour", 0.24),
    ("Violence and sexual offences", 0.22),
    ("Burglary", 0.09),
    ("Vehicle crime", 0.09),
    ("Criminal damage and arson", 0.08),
    ("Other theft", 0.08),
    ("Public order", 0.07),
    ("Drugs", 0.05),
    ("Bicycle theft", 0.04),
    ("Possession of weapons", 0.04),
];

/// A point inside the area and outside every area of `avoid` (tried from its bounding box).
fn point_in(area: &Area, avoid: &[&Area], rng: &mut StdRng) -> Option<(f64, f64)> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for [x, y] in &area.boundary {
        (x0, y0, x1, y1) = (x0.min(*x), y0.min(*y), x1.max(*x), y1.max(*y));
    }
    (0..50).find_map(|_| {
        // To the six places the file writes, so the point read back is the point tried.
        let six = |v: f64| (v * 1e6).round() / 1e6;
        let p = beatbook_domain::area::GeoPoint {
            lon: six(rng.gen_range(x0..x1)),
            lat: six(rng.gen_range(y0..y1)),
        };
        (area.contains(p) && !avoid.iter().any(|a| a.contains(p))).then_some((p.lon, p.lat))
    })
}

fn pick<'a>(types: &'a [(&'a str, f64)], rng: &mut StdRng) -> &'a str {
    let mut r: f64 = rng.gen_range(0.0..types.iter().map(|t| t.1).sum::<f64>());
    for (t, share) in types {
        if r < *share {
            return t;
        }
        r -= share;
    }
    types[0].0
}

/// The demo's crime file: the 24 months up to `last`, police.uk's columns and words.
pub fn crime_file(seed: u64, last: Month, teams: &[Team], areas: &[Area]) -> String {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = String::from("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n");
    let force = "Metropolitan Police Service";
    // A ward's own crimes are outside the town centres: a town centre's crimes (in the ward too)
    // follow its own team's trend.
    let town_centres: Vec<&Area> = areas
        .iter()
        .filter(|a| a.kind == AreaKind::TownCentre)
        .collect();
    for area in areas {
        let team = teams
            .iter()
            .find(|t| t.areas.contains(&area.id))
            .map_or("", |t| t.id.as_str());
        let (base, types, avoid) = match area.kind {
            AreaKind::TownCentre => (34.0, &TOWN_CENTRE[..], &[][..]),
            AreaKind::Ward => (26.0, &WARD[..], &town_centres[..]),
        };
        for back in (0..24).rev() {
            let m = last.plus(-back);
            let years = f64::from(23 - back) / 12.0;
            let season =
                1.0 + 0.12 * (2.0 * std::f64::consts::PI * (f64::from(m.month) - 7.0) / 12.0).cos();
            let mean = base * (1.0 + yearly_trend(team)).powf(years) * season;
            let n = (mean * rng.gen_range(0.92..1.08)).round() as usize;
            for _ in 0..n {
                let Some((lon, lat)) = point_in(area, avoid, &mut rng) else {
                    continue;
                };
                let kind = pick(types, &mut rng);
                let id = if kind == "Anti-social behaviour" {
                    String::new() // police.uk gives anti-social behaviour no crime id
                } else {
                    format!("{:016x}", rng.gen::<u64>())
                };
                let outcome = if kind == "Anti-social behaviour" {
                    ""
                } else {
                    "Investigation complete; no suspect identified"
                };
                out.push_str(&format!(
                    "{id},{m},{force},{force},{lon:.6},{lat:.6},\"On or near {}, {}\",,,{kind},{outcome},\n",
                    area.name, area.borough
                ));
            }
        }
    }
    // A few crimes elsewhere in London: outside every demo area, counted but placed nowhere.
    for back in 0..3 {
        out.push_str(&format!(
            ",{},{force},{force},-0.127700,51.507400,On or near Trafalgar Square,,,Anti-social behaviour,,\n",
            last.plus(-back)
        ));
    }
    out
}

/// The demo's survey file: four quarters up to `last`, public in every area, business too.
pub fn survey_file(seed: u64, last: Quarter, teams: &[Team], areas: &[Area]) -> String {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let mut out = String::from("area,quarter,community,respondents,confident\n");
    for area in areas {
        let team = teams
            .iter()
            .find(|t| t.areas.contains(&area.id))
            .map_or("", |t| t.id.as_str());
        // Confidence follows crime, the other way.
        let drift = -yearly_trend(team) * 40.0;
        let town_centre = area.kind == AreaKind::TownCentre;
        for back in (0..4).rev() {
            let q = last.plus(-back);
            let step = f64::from(3 - back) / 4.0;
            for (community, start, respondents) in [
                ("public", 74.0, rng.gen_range(90..150)),
                (
                    "business",
                    68.0,
                    if town_centre {
                        rng.gen_range(40..70)
                    } else {
                        rng.gen_range(15..30)
                    },
                ),
            ] {
                let share = (start + drift * step + rng.gen_range(-2.5..2.5)).clamp(30.0, 95.0);
                let confident = (f64::from(respondents) * share / 100.0).round() as u32;
                out.push_str(&format!(
                    "{},{q},{community},{respondents},{confident}\n",
                    area.id
                ));
            }
        }
    }
    out
}

/// Load the demo's outcomes, ending with the month before `now`. What it did, in words.
pub async fn seed(state: &HqState, seed: u64, now: DateTime<Utc>) -> Result<String, AdminError> {
    let storage = state.storage.as_ref();
    let (teams, areas) = (storage.teams().await?, storage.areas().await?);
    let last_month = Month::of(now.date_naive()).plus(-1);
    let invalid = |e: crate::error::ApiError| AdminError::Invalid(format!("demo outcomes: {e}"));
    let crime = outcomes::import_crime(
        state,
        "demo",
        "demo-street.csv",
        &crime_file(seed, last_month, &teams, &areas),
    )
    .await
    .map_err(invalid)?;
    let last_quarter = Quarter::of_day(now.date_naive()).previous();
    let survey = outcomes::import_survey(
        state,
        "demo",
        "demo-survey.csv",
        &survey_file(seed, last_quarter, &teams, &areas),
    )
    .await
    .map_err(invalid)?;
    // Monthly costs (officers' pay and overheads, up 2.5% each September) for the 24 months up to
    // this one: a month's cost is its budget, known when it starts, so the current quarter has
    // value for money from the story's activity.
    let mut rng = StdRng::seed_from_u64(seed ^ 0xc057);
    let mut costs = 0;
    for team in &teams {
        let base = match team.kind {
            TeamKind::Tct => 52_000.0,
            TeamKind::Snt => 38_500.0,
        };
        for back in (0..24).rev() {
            let m = last_month.plus(1 - back);
            let rises = (1..=back).filter(|b| m.plus(*b).month == 9).count();
            let pounds = base / 1.025f64.powi(rises as i32) * rng.gen_range(0.97..1.03);
            storage
                .put_team_cost(&TeamCost {
                    team_id: team.id.clone(),
                    month: m,
                    cost_pence: (pounds * 100.0).round() as i64,
                    set_at: now,
                    set_by: "demo".into(),
                })
                .await?;
            costs += 1;
        }
    }
    // Camden's town centre team aims higher on crime than the force's 5%.
    if let Some(admin) = storage.officer(&OfficerId::new("AD0001")).await? {
        let row = TargetRow {
            scope: "team:camden-tct".into(),
            measure: OutcomeMeasure::CrimeChangeYoy.id().into(),
            target: -10.0,
        };
        performance::set_target(state, &admin.officer, row)
            .await
            .map_err(invalid)?;
    }
    // Two partnership notes for the last quarter.
    let met = |day: u32| {
        let first = last_quarter.first_day();
        first.with_day(day).or(Some(first))
    };
    let notes = [
        (
            "PS1102",
            NewPartnershipNote {
                meeting: PartnershipMeeting::Cdrp,
                met_on: met(14).map(|d| d + chrono::Months::new(1)),
                team_id: Some(TeamId::new("camden-tct")),
                area_id: None,
                quarter: Some(last_quarter),
                text: "Camden CDRP: partners welcomed the fall in shoplifting around the market. \
                       The council will fund extra CCTV at the station entrance; the team will \
                       patrol the canal towpath on Friday and Saturday evenings."
                    .into(),
            },
        ),
        (
            "AN0815",
            NewPartnershipNote {
                meeting: PartnershipMeeting::EngagementGroup,
                met_on: met(9).map(|d| d + chrono::Months::new(2)),
                team_id: None,
                area_id: Some(AreaId::new("E05009370")),
                quarter: Some(last_quarter),
                text: "Dalston community and police engagement group: traders on Kingsland Road \
                       said they feel less confident after evening robberies; the group asked \
                       for more visible patrols and a business watch scheme."
                    .into(),
            },
        ),
    ];
    for (by, note) in &notes {
        if let Some(o) = storage.officer(&OfficerId::new(*by)).await? {
            outcomes::add_note(state, &o.officer, note)
                .await
                .map_err(invalid)?;
        }
    }
    Ok(format!(
        "Outcomes: {} crimes over 24 months ({} outside the demo areas), {} survey results over four quarters, {costs} monthly team costs, two partnership notes.",
        crime.imported + crime.outside_areas,
        crime.outside_areas,
        survey.imported
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hq;
    use chrono::TimeZone;

    #[tokio::test]
    async fn the_demo_outcomes_tell_of_crime_down_in_camden_and_up_in_kentish_town() {
        let hq = hq().await;
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 21, 44, 0).unwrap();
        let said = seed(&hq.state, crate::demo::SEED, now).await.unwrap();
        assert!(said.starts_with("Outcomes: "), "{said}");
        assert!(said.contains("(3 outside the demo areas)"), "{said}");
        let q: Quarter = "2026-Q3".parse().unwrap();
        let board = outcomes::board(&hq.state, q).await.unwrap();
        let figure = |team: &str, m: OutcomeMeasure| {
            board
                .teams
                .iter()
                .find(|t| t.id == team)
                .unwrap()
                .figures
                .iter()
                .find(|f| f.measure == m)
                .unwrap()
                .clone()
        };
        let camden = figure("camden-tct", OutcomeMeasure::CrimeChangeYoy);
        assert!(camden.value.unwrap() < -5.0, "{camden:?}");
        assert_eq!(camden.target, Some(-10.0));
        let kentish = figure("kentish-town-snt", OutcomeMeasure::CrimeChangeYoy);
        assert!(kentish.value.unwrap() > 0.0, "{kentish:?}");
        assert_eq!(kentish.rag, beatbook_domain::framework::Rag::Red);
        for team in ["camden-tct", "dalston-snt"] {
            for m in [
                OutcomeMeasure::ConfidencePublic,
                OutcomeMeasure::ConfidenceBusiness,
            ] {
                let f = figure(team, m);
                assert!(f.value.is_some() && f.previous.is_some(), "{team} {f:?}");
            }
        }
        let costs = outcomes::costs(&hq.state, q).await.unwrap();
        assert!(costs.teams.iter().all(|t| t.cost_pounds.is_some()));
        let camden_cost = costs
            .teams
            .iter()
            .find(|t| t.team_id == "camden-tct")
            .unwrap();
        assert!(
            (150_000.0..165_000.0).contains(&camden_cost.cost_pounds.unwrap()),
            "{camden_cost:?}"
        );
        let notes = outcomes::notes(&hq.state, q).await.unwrap();
        assert_eq!(notes.len(), 2);
        assert_eq!(
            notes[0].team_name.as_deref(),
            Some("Camden Town Centre Team")
        );
        assert_eq!(notes[1].area_name.as_deref(), Some("Dalston"));
    }
}
