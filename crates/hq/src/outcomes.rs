//! Outcomes at HQ: recorded crime imported from police.uk's street-level files and
//! counted per area and month, survey results (public and business confidence) per area and
//! quarter, each team's monthly cost and value for money, outcome figures against their targets,
//! and notes from partnership meetings. The rules (reading the files, the measures, targets and
//! red/amber/green) are the domain's ([`beatbook_domain::outcomes`]); the answers' types live
//! with their endpoints ([`crate::dashboard::outcomes`]).
//!
//! - A crime counts for every area its point falls in
//!   ([`beatbook_domain::area::areas_containing`]); a team's crime is the sum over its areas. A
//!   row that falls in no area is counted and reported, not an error. An import replaces the
//!   counts of the months its file holds (police.uk publishes whole months), in one transaction
//!   with the import's log entry. A month "has figures" once any crime is counted in it.
//! - Confidence: the share of respondents confident, over the team's areas.
//! - Value for money: a quarter's cost (all three months entered) over what the team did in the
//!   quarter, from the framework's facts: hours of hotspot patrol (whole patrols, clipped to the
//!   quarter), engagement events held, and concerns answered (first answered in the quarter).
//! - Outcome targets live in the framework's targets table (scope `team:<id>`, `kind:tct`,
//!   `kind:snt`; measure the outcome's id), a team's own first, then its kind's, then the
//!   built-in default.

use crate::dashboard::framework::TargetRow;
use crate::dashboard::outcomes::{
    ConfidenceFigure, ConfidenceQuarter, ConfidenceTrend, CostEntry, Costs, CrimeMonth, CrimeTrend,
    CrimeTypeFigure, ImportReport, NewCost, OutcomeInfo, OutcomesBoard, TeamCosts, TeamOutcomes,
    UnitQuery,
};
use crate::error::ApiError;
use crate::{performance, HqState};
use beatbook_domain::area::{areas_containing, Area, GeoPoint};
use beatbook_domain::committee::PartnershipNoteView;
use beatbook_domain::framework::{kind_scope, Change, Fact, Item};
use beatbook_domain::outcomes::{
    confidence, cost_per, pence_of, percent_change, read_crime_csv, read_survey_csv, round1,
    Community, Month, NewPartnershipNote, OutcomeFigure, OutcomeMeasure, PartnershipMeeting,
    Quarter, SurveyRow,
};
use beatbook_domain::people::{Officer, Team};
use beatbook_domain::validation::ValidationErrors;
use beatbook_domain::{AreaId, TeamId};
use chrono::{DateTime, NaiveDate, NaiveTime, SubsecRound, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

// ---------------------------------------------------------------------------------------------
// What storage keeps

/// Recorded crime in one area, month and crime type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrimeCount {
    pub area_id: AreaId,
    pub month: Month,
    /// As police.uk writes it: "Anti-social behaviour", "Burglary", ...
    pub crime_type: String,
    pub count: u64,
}

/// The log entry of one imported file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportLog {
    pub file_name: String,
    pub at: DateTime<Utc>,
    /// Who imported it: a staff member's id, or `command line`.
    pub by: String,
    /// Data rows in the file.
    pub rows: u64,
    pub imported: u64,
    pub outside_areas: u64,
    pub refused: u64,
}

/// A crime file, ready to apply: the months it replaces and their counts.
#[derive(Clone, Debug)]
pub struct CrimeImport {
    pub log: ImportLog,
    pub months: Vec<Month>,
    pub counts: Vec<CrimeCount>,
}

/// A survey file, ready to apply.
#[derive(Clone, Debug)]
pub struct SurveyImport {
    pub log: ImportLog,
    pub results: Vec<SurveyRow>,
}

/// A team's cost for one month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamCost {
    pub team_id: TeamId,
    pub month: Month,
    pub cost_pence: i64,
    pub set_at: DateTime<Utc>,
    /// Who set it: a staff member's id, or `demo`.
    pub set_by: String,
}

/// A partnership note as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct NoteRow {
    pub id: i64,
    pub meeting: PartnershipMeeting,
    pub met_on: Option<NaiveDate>,
    pub team_id: Option<TeamId>,
    pub area_id: Option<AreaId>,
    pub quarter: Quarter,
    pub text: String,
    pub written_at: DateTime<Utc>,
    pub written_by: String,
}

/// How storage writes a community: `public`, `business`.
pub fn community_str(c: Community) -> &'static str {
    match c {
        Community::Public => "public",
        Community::Business => "business",
    }
}

pub fn community_of(s: &str) -> Option<Community> {
    match s {
        "public" => Some(Community::Public),
        "business" => Some(Community::Business),
        _ => None,
    }
}

/// How storage writes a meeting: `cdrp`, `engagement_group`, `other`.
pub fn meeting_str(m: PartnershipMeeting) -> &'static str {
    match m {
        PartnershipMeeting::Cdrp => "cdrp",
        PartnershipMeeting::EngagementGroup => "engagement_group",
        PartnershipMeeting::Other => "other",
    }
}

pub fn meeting_of(s: &str) -> Option<PartnershipMeeting> {
    match s {
        "cdrp" => Some(PartnershipMeeting::Cdrp),
        "engagement_group" => Some(PartnershipMeeting::EngagementGroup),
        "other" => Some(PartnershipMeeting::Other),
        _ => None,
    }
}

/// A meeting in words, as the committee reads it.
pub fn meeting_words(m: PartnershipMeeting) -> &'static str {
    match m {
        PartnershipMeeting::Cdrp => "Crime and disorder reduction partnership",
        PartnershipMeeting::EngagementGroup => "Community and police engagement group",
        PartnershipMeeting::Other => "Other partnership meeting",
    }
}

// ---------------------------------------------------------------------------------------------
// Imports

/// Import a police.uk street-level crime file: every row read is placed in the areas its point
/// falls in and counted per area, month and crime type; the counts of the months the file holds
/// are replaced, in one transaction. Bad rows are reported by line and the rest imported; a file
/// that is not a street-level crime file at all is refused (400).
pub async fn import_crime(
    state: &HqState,
    by: &str,
    file_name: &str,
    text: &str,
) -> Result<ImportReport, ApiError> {
    let (rows, errors) = read_crime_csv(text).map_err(|e| ApiError::BadRequest(e.0))?;
    let areas = state.storage.areas().await?;
    // Placing tens of thousands of points is CPU work: off the async workers. Police.uk snaps
    // each crime to one of a set of points, so each point is placed once.
    let (counts, months, imported, outside) = tokio::task::spawn_blocking(move || {
        let mut placed: HashMap<(u64, u64), Vec<AreaId>> = HashMap::new();
        let mut counts: BTreeMap<(AreaId, Month, String), u64> = BTreeMap::new();
        let mut months = BTreeSet::new();
        let (mut imported, mut outside) = (0u64, 0u64);
        for r in rows {
            months.insert(r.month);
            let inside = placed
                .entry((r.longitude.to_bits(), r.latitude.to_bits()))
                .or_insert_with(|| {
                    areas_containing(
                        GeoPoint {
                            lat: r.latitude,
                            lon: r.longitude,
                        },
                        &areas,
                    )
                });
            if inside.is_empty() {
                outside += 1;
                continue;
            }
            imported += 1;
            for a in inside.iter() {
                *counts
                    .entry((a.clone(), r.month, r.crime_type.clone()))
                    .or_default() += 1;
            }
        }
        (counts, months, imported, outside)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let months: Vec<Month> = months.into_iter().collect();
    let report = ImportReport {
        rows: imported + outside + errors.len() as u64,
        imported,
        outside_areas: outside,
        months: months.clone(),
        quarters: Vec::new(),
        errors,
    };
    let import = CrimeImport {
        log: log_of(file_name, by, &report),
        months,
        counts: counts
            .into_iter()
            .map(|((area_id, month, crime_type), count)| CrimeCount {
                area_id,
                month,
                crime_type,
                count,
            })
            .collect(),
    };
    state.storage.import_crime(&import).await?;
    tracing::info!(
        file = file_name,
        by,
        rows = report.rows,
        imported = report.imported,
        outside = report.outside_areas,
        refused = report.errors.len(),
        "crime file imported"
    );
    Ok(report)
}

fn log_of(file_name: &str, by: &str, report: &ImportReport) -> ImportLog {
    ImportLog {
        file_name: if file_name.trim().is_empty() {
            "(no name)".into()
        } else {
            file_name.trim().chars().take(200).collect()
        },
        at: Utc::now(),
        by: by.to_owned(),
        rows: report.rows,
        imported: report.imported,
        outside_areas: report.outside_areas,
        refused: report.errors.len() as u64,
    }
}

/// Import a survey results file (`area,quarter,community,respondents,confident`): each result
/// replaces any for the same area, quarter and community, in one transaction. Bad rows are
/// reported by line and the rest imported.
pub async fn import_survey(
    state: &HqState,
    by: &str,
    file_name: &str,
    text: &str,
) -> Result<ImportReport, ApiError> {
    let known: Vec<AreaId> = state
        .storage
        .areas()
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let (results, errors) = read_survey_csv(text, &known).map_err(|e| ApiError::BadRequest(e.0))?;
    let quarters: Vec<Quarter> = results
        .iter()
        .map(|r| r.quarter)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let report = ImportReport {
        rows: (results.len() + errors.len()) as u64,
        imported: results.len() as u64,
        outside_areas: 0,
        months: Vec::new(),
        quarters,
        errors,
    };
    let import = SurveyImport {
        log: log_of(file_name, by, &report),
        results,
    };
    state.storage.import_survey(&import).await?;
    tracing::info!(
        file = file_name,
        by,
        imported = report.imported,
        refused = report.errors.len(),
        "survey file imported"
    );
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Figures

/// What a team did in a period that its cost is set against.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Activity {
    /// Hours of hotspot patrol (whole patrols, clipped to the period).
    pub patrol_hours: f64,
    pub engagements: u64,
    /// Concerns first answered in the period.
    pub concerns_answered: u64,
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// A quarter as `[from, to)` in UTC.
fn span(q: Quarter) -> (DateTime<Utc>, DateTime<Utc>) {
    (midnight(q.first_day()), midnight(q.plus(1).first_day()))
}

/// Each team's activity (in the order of `teams`) over the items in `[from, to)`. A record counts
/// for every team one of its areas belongs to, once.
pub fn activity<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    teams: &[Team],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Activity> {
    let mut by_area: HashMap<&AreaId, Vec<usize>> = HashMap::new();
    for (i, t) in teams.iter().enumerate() {
        for a in &t.areas {
            by_area.entry(a).or_default().push(i);
        }
    }
    let inside = |t: DateTime<Utc>| t >= from && t < to;
    let mut out = vec![Activity::default(); teams.len()];
    let mut mine: Vec<usize> = Vec::new();
    for item in items {
        let add = match &item.fact {
            Fact::Patrol {
                hotspot: true,
                started_at,
                ended_at: Some(end),
            } => {
                let (s, e) = ((*started_at).max(from), (*end).min(to));
                if e <= s {
                    continue;
                }
                Activity {
                    patrol_hours: (e - s).num_seconds() as f64 / 3600.0,
                    ..Activity::default()
                }
            }
            Fact::Engagement { at } if inside(*at) => Activity {
                engagements: 1,
                ..Activity::default()
            },
            Fact::Concern {
                answered_at: Some(at),
                ..
            } if inside(*at) => Activity {
                concerns_answered: 1,
                ..Activity::default()
            },
            _ => continue,
        };
        mine.clear();
        mine.extend(
            item.areas
                .iter()
                .filter_map(|a| by_area.get(a))
                .flatten()
                .copied(),
        );
        mine.sort_unstable();
        mine.dedup();
        for &t in &mine {
            let a = &mut out[t];
            a.patrol_hours += add.patrol_hours;
            a.engagements += add.engagements;
            a.concerns_answered += add.concerns_answered;
        }
    }
    out
}

/// Everything the outcome figures of some teams for a quarter are made from: read once.
struct Inputs {
    quarter: Quarter,
    /// Crime per area and month (all types).
    crime: HashMap<(AreaId, Month), u64>,
    /// The months that have figures.
    crime_months: HashSet<Month>,
    survey: Vec<SurveyRow>,
    costs: HashMap<(TeamId, Month), i64>,
    targets: Vec<TargetRow>,
    /// Per team (in the order asked), for the quarter, the one before and the year before.
    activity: HashMap<Quarter, Vec<Activity>>,
}

/// The quarters a figure for `q` is shown beside.
fn compared(q: Quarter) -> [Quarter; 3] {
    [q, q.previous(), q.year_before()]
}

async fn inputs(state: &HqState, teams: &[Team], quarter: Quarter) -> Result<Inputs, ApiError> {
    let areas: Vec<AreaId> = teams
        .iter()
        .flat_map(|t| t.areas.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Crime change for the year before needs crime two years before.
    let first = quarter.plus(-8).months()[0];
    let last = quarter.months()[2];
    let crime_rows = state.storage.crime_counts(&areas, first, last).await?;
    let mut crime: HashMap<(AreaId, Month), u64> = HashMap::new();
    for c in crime_rows {
        *crime.entry((c.area_id, c.month)).or_default() += c.count;
    }
    let crime_months: HashSet<Month> = state.storage.crime_months().await?.into_iter().collect();
    let survey = state
        .storage
        .survey_results(&areas, quarter.year_before(), quarter)
        .await?;
    let costs = state
        .storage
        .team_costs(quarter.year_before().months()[0], last)
        .await?
        .into_iter()
        .map(|c| ((c.team_id, c.month), c.cost_pence))
        .collect();
    let targets = state.storage.targets().await?;
    let snapshot = performance::facts(state).await?;
    let teams_owned = teams.to_vec();
    let activity = tokio::task::spawn_blocking(move || {
        compared(quarter)
            .into_iter()
            .map(|q| {
                let (from, to) = span(q);
                (q, activity(snapshot.items(), &teams_owned, from, to))
            })
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Inputs {
        quarter,
        crime,
        crime_months,
        survey,
        costs,
        targets,
        activity,
    })
}

/// The target of an outcome for a team: its own, else its kind's, else the default.
fn target_of(targets: &[TargetRow], team: &Team, m: OutcomeMeasure) -> Option<f64> {
    let find = |scope: &str| {
        targets
            .iter()
            .find(|t| t.scope == scope && t.measure == m.id())
            .map(|t| t.target)
    };
    find(&format!("team:{}", team.id))
        .or_else(|| find(kind_scope(team.kind)))
        .or_else(|| m.default_target(team.kind))
}

impl Inputs {
    /// Recorded crime in the areas in a quarter: `None` unless every month of it has figures.
    fn crime_in(&self, areas: &[AreaId], q: Quarter) -> Option<u64> {
        let months = q.months();
        months
            .iter()
            .all(|m| self.crime_months.contains(m))
            .then(|| {
                months
                    .iter()
                    .flat_map(|m| {
                        areas
                            .iter()
                            .map(move |a| self.crime.get(&(a.clone(), *m)).copied().unwrap_or(0))
                    })
                    .sum()
            })
    }

    fn cost_in(&self, team: &Team, q: Quarter) -> Option<i64> {
        q.months()
            .iter()
            .map(|m| self.costs.get(&(team.id.clone(), *m)).copied())
            .sum()
    }

    fn value(&self, team: &Team, index: usize, m: OutcomeMeasure, q: Quarter) -> Option<f64> {
        let activity = |q: Quarter| self.activity.get(&q).map(|a| a[index]);
        match m {
            OutcomeMeasure::CrimeChangeYoy => percent_change(
                self.crime_in(&team.areas, q)?,
                self.crime_in(&team.areas, q.year_before())?,
            ),
            OutcomeMeasure::ConfidencePublic | OutcomeMeasure::ConfidenceBusiness => {
                let community = if m == OutcomeMeasure::ConfidencePublic {
                    Community::Public
                } else {
                    Community::Business
                };
                let (c, n) = self
                    .survey
                    .iter()
                    .filter(|s| {
                        s.quarter == q && s.community == community && team.areas.contains(&s.area)
                    })
                    .fold((0u64, 0u64), |(c, n), s| {
                        (c + u64::from(s.confident), n + u64::from(s.respondents))
                    });
                confidence(c, n)
            }
            OutcomeMeasure::CostPerPatrolHour => {
                money(cost_per(self.cost_in(team, q)?, activity(q)?.patrol_hours))
            }
            OutcomeMeasure::CostPerEngagement => money(cost_per(
                self.cost_in(team, q)?,
                activity(q)?.engagements as f64,
            )),
            OutcomeMeasure::CostPerConcernAnswered => money(cost_per(
                self.cost_in(team, q)?,
                activity(q)?.concerns_answered as f64,
            )),
        }
    }

    fn figures(&self, team: &Team, index: usize) -> Vec<OutcomeFigure> {
        let q = self.quarter;
        OutcomeMeasure::ALL
            .into_iter()
            .map(|m| {
                let value = self.value(team, index, m, q);
                let previous = self.value(team, index, m, q.previous());
                let year_before = self.value(team, index, m, q.year_before());
                let target = target_of(&self.targets, team, m);
                OutcomeFigure {
                    measure: m,
                    value,
                    target,
                    rag: m.rag(value, target),
                    previous,
                    year_before,
                    quarter_on_quarter: Change::of(value, previous),
                    year_on_year: Change::of(value, year_before),
                }
            })
            .collect()
    }
}

/// Pounds to the penny.
fn money(v: Option<f64>) -> Option<f64> {
    v.map(|v| (v * 100.0).round() / 100.0)
}

/// A team's outcome figures for `quarter`: every [`beatbook_domain::outcomes::OutcomeMeasure`],
/// with its target, colour, the quarter before and the same quarter a year before.
pub async fn team_outcomes(
    state: &HqState,
    team: &Team,
    quarter: Quarter,
) -> Result<Vec<OutcomeFigure>, ApiError> {
    let teams = std::slice::from_ref(team);
    let inputs = inputs(state, teams, quarter).await?;
    Ok(inputs.figures(team, 0))
}

/// The last complete quarter.
pub fn last_quarter() -> Quarter {
    Quarter::of_day(Utc::now().date_naive()).previous()
}

/// `2026-Q4`, or the last complete quarter when not given; refused in words when not a quarter.
pub fn quarter_or_last(q: Option<&str>) -> Result<Quarter, ApiError> {
    match q.map(str::trim).filter(|q| !q.is_empty()) {
        None => Ok(last_quarter()),
        Some(q) => q.parse().map_err(ApiError::BadRequest),
    }
}

pub fn outcome_infos() -> Vec<OutcomeInfo> {
    OutcomeMeasure::ALL
        .into_iter()
        .map(|m| OutcomeInfo {
            id: m,
            label: m.label(),
            unit: m.unit(),
            lower_is_better: m.lower_is_better(),
        })
        .collect()
}

/// Every team's outcome figures for `quarter`.
pub async fn board(state: &HqState, quarter: Quarter) -> Result<OutcomesBoard, ApiError> {
    let teams = state.storage.teams().await?;
    let inputs = inputs(state, &teams, quarter).await?;
    Ok(OutcomesBoard {
        quarter,
        quarter_words: quarter.words(),
        measures: outcome_infos(),
        teams: teams
            .iter()
            .enumerate()
            .map(|(i, t)| TeamOutcomes {
                id: t.id.to_string(),
                name: t.name.clone(),
                kind: t.kind,
                figures: inputs.figures(t, i),
            })
            .collect(),
    })
}

/// The unit a trend is for: a team's areas, or one area. `(id, name, by, areas)`.
async fn unit(
    state: &HqState,
    q: &UnitQuery,
) -> Result<(String, String, &'static str, Vec<AreaId>), ApiError> {
    match (q.team.as_deref(), q.area.as_deref()) {
        (Some(team), None) => {
            let t = state
                .storage
                .teams()
                .await?
                .into_iter()
                .find(|t| t.id.as_str() == team)
                .ok_or_else(|| ApiError::NotFound(format!("there is no team {team}")))?;
            Ok((t.id.to_string(), t.name, "team", t.areas))
        }
        (None, Some(area)) => {
            let a: Area = state
                .storage
                .areas()
                .await?
                .into_iter()
                .find(|a| a.id.as_str() == area)
                .ok_or_else(|| ApiError::NotFound(format!("there is no area {area}")))?;
            Ok((a.id.to_string(), a.name, "area", vec![a.id]))
        }
        _ => Err(ApiError::BadRequest(
            "say which team (team=) or which area (area=), one of them".into(),
        )),
    }
}

/// Recorded crime in a team's areas (or one area) month by month: the 24 months up to the latest
/// month with figures (or last month, with none), each beside the same month a year before, and
/// each crime type's last 12 months beside the 12 before.
pub async fn crime_trend(state: &HqState, q: &UnitQuery) -> Result<CrimeTrend, ApiError> {
    let (id, name, by, areas) = unit(state, q).await?;
    let months: BTreeSet<Month> = state.storage.crime_months().await?.into_iter().collect();
    let end = months
        .last()
        .copied()
        .unwrap_or_else(|| Month::of(Utc::now().date_naive()).plus(-1));
    let counts = state
        .storage
        .crime_counts(&areas, end.plus(-35), end)
        .await?;
    let mut by_month: HashMap<Month, u64> = HashMap::new();
    let mut by_type: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for c in &counts {
        *by_month.entry(c.month).or_default() += c.count;
        let e = by_type.entry(c.crime_type.clone()).or_default();
        if c.month > end.plus(-12) {
            e.0 += c.count;
        } else if c.month > end.plus(-24) {
            e.1 += c.count;
        }
    }
    let count = |m: Month| {
        months
            .contains(&m)
            .then(|| by_month.get(&m).copied().unwrap_or(0))
    };
    let mut types: Vec<CrimeTypeFigure> = by_type
        .into_iter()
        .filter(|(_, (a, b))| a + b > 0)
        .map(|(crime_type, (last, before))| CrimeTypeFigure {
            crime_type,
            last_12_months: last,
            previous_12_months: before,
            change: percent_change(last, before),
        })
        .collect();
    types.sort_by(|a, b| {
        b.last_12_months
            .cmp(&a.last_12_months)
            .then(a.crime_type.cmp(&b.crime_type))
    });
    Ok(CrimeTrend {
        unit: id,
        name,
        by: by.into(),
        months: (0..24)
            .rev()
            .map(|back| {
                let m = end.plus(-back);
                let (now, before) = (count(m), count(m.plus(-12)));
                CrimeMonth {
                    month: m,
                    month_words: m.words(),
                    count: now,
                    year_before: before,
                    change: now.zip(before).and_then(|(n, b)| percent_change(n, b)),
                }
            })
            .collect(),
        types,
    })
}

/// Confidence in a team's areas (or one area), public and business, quarter by quarter: the
/// eight quarters up to the latest with results (or the last complete quarter, with none).
pub async fn confidence_trend(state: &HqState, q: &UnitQuery) -> Result<ConfidenceTrend, ApiError> {
    let (id, name, by, areas) = unit(state, q).await?;
    let now = Quarter::of_day(Utc::now().date_naive());
    let results = state
        .storage
        .survey_results(&areas, now.plus(-11), now)
        .await?;
    let end = results
        .iter()
        .map(|r| r.quarter)
        .max()
        .unwrap_or_else(last_quarter);
    let figure = |q: Quarter, c: Community| {
        let (confident, respondents) = results
            .iter()
            .filter(|r| r.quarter == q && r.community == c)
            .fold((0u64, 0u64), |(a, b), r| {
                (a + u64::from(r.confident), b + u64::from(r.respondents))
            });
        (respondents > 0).then(|| ConfidenceFigure {
            respondents,
            confident,
            percent: confidence(confident, respondents),
        })
    };
    Ok(ConfidenceTrend {
        unit: id,
        name,
        by: by.into(),
        quarters: (0..8)
            .rev()
            .map(|back| {
                let q = end.plus(-back);
                ConfidenceQuarter {
                    quarter: q,
                    quarter_words: q.words(),
                    public: figure(q, Community::Public),
                    business: figure(q, Community::Business),
                }
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Costs and value for money

/// Every team's costs for a quarter, month by month, and what they bought.
pub async fn costs(state: &HqState, quarter: Quarter) -> Result<Costs, ApiError> {
    let teams = state.storage.teams().await?;
    let months = quarter.months();
    let rows = state.storage.team_costs(months[0], months[2]).await?;
    let cost: HashMap<(&TeamId, Month), i64> = rows
        .iter()
        .map(|c| ((&c.team_id, c.month), c.cost_pence))
        .collect();
    let snapshot = performance::facts(state).await?;
    let (from, to) = span(quarter);
    let teams_owned = teams.clone();
    let activity =
        tokio::task::spawn_blocking(move || activity(snapshot.items(), &teams_owned, from, to))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    let pounds = |p: i64| p as f64 / 100.0;
    Ok(Costs {
        quarter,
        quarter_words: quarter.words(),
        months: months.to_vec(),
        month_words: months.iter().map(|m| m.words()).collect(),
        teams: teams
            .iter()
            .zip(activity)
            .map(|(t, a)| {
                let by_month: Vec<Option<i64>> = months
                    .iter()
                    .map(|m| cost.get(&(&t.id, *m)).copied())
                    .collect();
                let total: Option<i64> = by_month.iter().copied().sum();
                let per = |units: f64| money(total.and_then(|p| cost_per(p, units)));
                TeamCosts {
                    team_id: t.id.to_string(),
                    team_name: t.name.clone(),
                    months: by_month.iter().map(|p| p.map(pounds)).collect(),
                    cost_pounds: total.map(pounds),
                    patrol_hours: round1(a.patrol_hours),
                    engagements: a.engagements,
                    concerns_answered: a.concerns_answered,
                    per_patrol_hour: per(a.patrol_hours),
                    per_engagement: per(a.engagements as f64),
                    per_concern_answered: per(a.concerns_answered as f64),
                }
            })
            .collect(),
    })
}

/// Set (or replace) a team's cost for a month. Field errors: an unknown team, a month that is
/// not one, a cost that is not an amount of 0 or more.
pub async fn set_cost(state: &HqState, by: &str, c: &NewCost) -> Result<CostEntry, ApiError> {
    let mut errs = ValidationErrors::new();
    let team = state
        .storage
        .teams()
        .await?
        .into_iter()
        .find(|t| t.id.as_str() == c.team_id);
    if team.is_none() {
        errs.add(
            "team_id",
            "unknown",
            format!("there is no team {:?}", c.team_id),
        );
    }
    let month = c
        .month
        .parse::<Month>()
        .map_err(|e| errs.add("month", "invalid", e))
        .ok();
    let pence = pence_of(c.cost_pounds)
        .map_err(|e| errs.add("cost_pounds", "invalid", e))
        .ok();
    errs.clone().into_result()?;
    let (Some(team), Some(month), Some(pence)) = (team, month, pence) else {
        return Err(ApiError::Invalid(errs));
    };
    state
        .storage
        .put_team_cost(&TeamCost {
            team_id: team.id.clone(),
            month,
            cost_pence: pence,
            set_at: Utc::now(),
            set_by: by.to_owned(),
        })
        .await?;
    tracing::info!(team = %team.id, %month, pence, by, "team cost set");
    Ok(CostEntry {
        team_id: team.id.to_string(),
        team_name: team.name,
        month,
        month_words: month.words(),
        cost_pounds: pence as f64 / 100.0,
    })
}

// ---------------------------------------------------------------------------------------------
// Partnership notes

/// Keep a note from a partnership meeting. Field errors: no text, neither team nor area, a team
/// or area HQ does not have, a meeting after today.
pub async fn add_note(
    state: &HqState,
    by: &Officer,
    note: &NewPartnershipNote,
) -> Result<PartnershipNoteView, ApiError> {
    let (teams, areas) = (state.storage.teams().await?, state.storage.areas().await?);
    let today = Utc::now().date_naive();
    let team_ids: Vec<TeamId> = teams.iter().map(|t| t.id.clone()).collect();
    let area_ids: Vec<AreaId> = areas.iter().map(|a| a.id.clone()).collect();
    note.check(&team_ids, &area_ids, today)?;
    let mut row = NoteRow {
        id: 0,
        meeting: note.meeting,
        met_on: note.met_on,
        team_id: note.team_id.clone(),
        area_id: note.area_id.clone(),
        quarter: note.quarter_or(today),
        text: note.text.trim().to_owned(),
        written_at: Utc::now().trunc_subsecs(3),
        written_by: by.id.to_string(),
    };
    row.id = state.storage.add_partnership_note(&row).await?;
    Ok(view(row, &teams, &areas))
}

fn view(n: NoteRow, teams: &[Team], areas: &[Area]) -> PartnershipNoteView {
    PartnershipNoteView {
        id: n.id,
        meeting: n.meeting,
        met_on: n.met_on,
        team_name: n
            .team_id
            .as_ref()
            .and_then(|id| teams.iter().find(|t| &t.id == id))
            .map(|t| t.name.clone()),
        team_id: n.team_id,
        area_name: n
            .area_id
            .as_ref()
            .and_then(|id| areas.iter().find(|a| &a.id == id))
            .map(|a| a.name.clone()),
        area_id: n.area_id,
        quarter: n.quarter,
        text: n.text,
        written_at: n.written_at,
    }
}

/// The partnership notes for `quarter`, oldest meeting first, with team and area names.
pub async fn notes(
    state: &HqState,
    quarter: Quarter,
) -> Result<Vec<PartnershipNoteView>, ApiError> {
    let (teams, areas) = (state.storage.teams().await?, state.storage.areas().await?);
    let mut rows = state.storage.partnership_notes(quarter).await?;
    rows.sort_by_key(|n| (n.met_on.unwrap_or(n.written_at.date_naive()), n.id));
    Ok(rows.into_iter().map(|n| view(n, &teams, &areas)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_domain::people::TeamKind;
    use beatbook_domain::RecordId;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn item(areas: &[&str], fact: Fact) -> Item {
        Item {
            id: RecordId::new(),
            areas: areas.iter().map(|a| AreaId::new(*a)).collect(),
            at: None,
            by: None,
            fact,
        }
    }

    #[test]
    fn a_teams_activity_clips_patrols_to_the_quarter_and_counts_a_record_once() {
        let team = |id: &str, areas: &[&str]| Team {
            id: TeamId::new(id),
            name: id.to_owned(),
            kind: TeamKind::Tct,
            areas: areas.iter().map(|a| AreaId::new(*a)).collect(),
        };
        let teams = [team("a", &["tc", "ward"]), team("b", &["other"])];
        let items = [
            // Across midnight at the quarter's end: an hour in Q3, two in Q4.
            item(
                &["tc"],
                Fact::Patrol {
                    hotspot: true,
                    started_at: t("2026-09-30T23:00:00Z"),
                    ended_at: Some(t("2026-10-01T02:00:00Z")),
                },
            ),
            // Not a hotspot patrol, and one still under way: neither counts.
            item(
                &["tc"],
                Fact::Patrol {
                    hotspot: false,
                    started_at: t("2026-10-02T10:00:00Z"),
                    ended_at: Some(t("2026-10-02T12:00:00Z")),
                },
            ),
            item(
                &["tc"],
                Fact::Patrol {
                    hotspot: true,
                    started_at: t("2026-10-03T10:00:00Z"),
                    ended_at: None,
                },
            ),
            // In both of team a's areas: once for a.
            item(
                &["tc", "ward"],
                Fact::Engagement {
                    at: t("2026-11-01T10:00:00Z"),
                },
            ),
            item(
                &["ward", "other"],
                Fact::Concern {
                    reported_at: t("2026-09-29T10:00:00Z"),
                    answered_at: Some(t("2026-10-01T10:00:00Z")),
                    closed: false,
                },
            ),
        ];
        let q4: Quarter = "2026-Q4".parse().unwrap();
        let (from, to) = span(q4);
        let a = activity(&items, &teams, from, to);
        assert_eq!(
            a[0],
            Activity {
                patrol_hours: 2.0,
                engagements: 1,
                concerns_answered: 1,
            }
        );
        assert_eq!(
            a[1],
            Activity {
                patrol_hours: 0.0,
                engagements: 0,
                concerns_answered: 1,
            }
        );
        let (from, to) = span(q4.previous());
        assert_eq!(activity(&items, &teams, from, to)[0].patrol_hours, 1.0);
    }

    #[test]
    fn a_quarter_is_the_last_complete_one_unless_given() {
        assert_eq!(quarter_or_last(None).unwrap(), last_quarter());
        assert_eq!(quarter_or_last(Some(" ")).unwrap(), last_quarter());
        assert_eq!(
            quarter_or_last(Some("2026-Q2")).unwrap().to_string(),
            "2026-Q2"
        );
        assert!(matches!(
            quarter_or_last(Some("2026-Q5")),
            Err(ApiError::BadRequest(_))
        ));
    }
}
