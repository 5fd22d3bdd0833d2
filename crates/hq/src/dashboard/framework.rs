//! The performance framework: targets per team (and defaults per team type), measures computed
//! from the synced records per team or area and period, red/amber/green against target, the
//! records behind a cell, and a CSV board pack for the committee.
//!
//! A record counts for every team (or area) one of its areas belongs to, so an item in the
//! overlap of a town centre and a ward counts for both teams, as it is shared by both.
//! Times are kept in UTC; the peak-hours window follows London time (GMT or BST).

use super::auth::Staff;
use super::facts::Snapshot;
use super::records;
use super::review::HQ_REVIEW_DEVICE;
use crate::error::ApiError;
use crate::HqState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::area::{Area, AreaKind};
use beatbook_domain::concern::ConcernStatus;
use beatbook_domain::meeting::PriorityStatus;
use beatbook_domain::patrol::MAX_PATROL_HOURS;
use beatbook_domain::people::{Team, TeamKind};
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::views::RecordSummary;
use beatbook_domain::Stamp;
use beatbook_domain::{AreaId, RecordId, RecordKind};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

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

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.id() == s)
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

fn kind_scope(kind: TeamKind) -> &'static str {
    match kind {
        TeamKind::Tct => "kind:tct",
        TeamKind::Snt => "kind:snt",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
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

    fn as_str(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
            Rag::None => "none",
        }
    }
}

/// What a record contributes to the framework, read once from its state.
#[derive(Clone, Debug)]
pub enum Fact {
    Concern {
        reported_at: DateTime<Utc>,
        answered_at: Option<DateTime<Utc>>,
        closed: bool,
    },
    Priority {
        active: bool,
        last_reviewed: NaiveDate,
        title: String,
    },
    Patrol {
        hotspot: bool,
        started_at: DateTime<Utc>,
        ended_at: Option<DateTime<Utc>>,
    },
    Engagement {
        at: DateTime<Utc>,
    },
    Intel {
        submitted_at: DateTime<Utc>,
        made_at_hq: bool,
    },
    /// Meetings count only as records shared on the overlaps page.
    Meeting,
}

/// A record for the framework: its id, areas and what it contributes.
#[derive(Clone, Debug)]
pub struct Item {
    pub id: RecordId,
    pub areas: Vec<AreaId>,
    /// When the record happened (see [`StateView::occurred_at`]).
    pub at: Option<DateTime<Utc>>,
    pub fact: Fact,
}

fn ms_time(ms: u64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(i64::try_from(ms).ok()?)
}

/// The parts of a stored record state the framework reads: plain fields, the keys of appended
/// entries, the creator's stamp and the tombstone. Narrative text (the bulk of a record) is
/// skipped unread, which is most of the cost of a force-sized board.
#[derive(Deserialize)]
pub struct StateView {
    pub id: RecordId,
    pub kind: RecordKind,
    pub created: Stamp,
    #[serde(default)]
    fields: HashMap<String, FieldView>,
    #[serde(default)]
    log: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default)]
    tombstone: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct FieldView {
    value: beatbook_domain::Json,
    /// Left out when it is the record's `created` stamp (see `RecordState`).
    stamp: Option<Stamp>,
}

impl StateView {
    pub fn parse(state_json: &str) -> Option<StateView> {
        serde_json::from_str(state_json).ok()
    }

    pub fn get<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        self.fields.get(name)?.value.parse().ok()
    }

    pub fn is_deleted(&self) -> bool {
        self.tombstone.is_some()
    }

    /// When the record happened, for the kinds the framework reads (meetings and priorities at
    /// midday of their day).
    pub fn occurred_at(&self) -> Option<DateTime<Utc>> {
        let day = |f: &str| {
            self.get::<NaiveDate>(f).map(|d| {
                d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default())
                    .and_utc()
            })
        };
        match self.kind {
            RecordKind::Concern => self.get("reported_at"),
            RecordKind::PatrolLog => self.get("started_at"),
            RecordKind::Engagement => self.get("held_at"),
            RecordKind::IntelReport => self.get("submitted_at"),
            RecordKind::Meeting => day("held_on"),
            RecordKind::Priority => day("agreed_on"),
            RecordKind::IntelSource => self.get("recorded_at"),
        }
    }
}

/// Read a record's contribution (`areas`: the record's areas, as its access facts hold them;
/// `answered_ms`: when HQ saw a concern first answered, see migration 0005). `None` for kinds the
/// framework does not use, and for deleted or unreadable records.
pub fn fact_of(s: &StateView, areas: &[AreaId], answered_ms: Option<u64>) -> Option<Item> {
    if s.tombstone.is_some() {
        return None;
    }
    let fact = match s.kind {
        RecordKind::Concern => {
            let status: ConcernStatus = s.get("status")?;
            // Answered: the first update appended, or the status first moved on from open. HQ
            // keeps the earliest it saw (`answered_ms`); for concerns synced before it did, the
            // state holds the first update and the latest status change.
            let first_update = s
                .log
                .keys()
                .next()
                .and_then(|k| k.split('.').next())
                .and_then(|ms| ms.parse::<u64>().ok())
                .and_then(ms_time);
            let moved_on = (status != ConcernStatus::Open)
                .then(|| s.fields.get("status"))
                .flatten()
                .and_then(|v| ms_time(v.stamp.unwrap_or(s.created).hlc.wall_ms));
            let answered_at = [answered_ms.and_then(ms_time), first_update, moved_on]
                .into_iter()
                .flatten()
                .min();
            Fact::Concern {
                reported_at: s.get("reported_at")?,
                answered_at,
                closed: matches!(status, ConcernStatus::Resolved | ConcernStatus::Closed),
            }
        }
        RecordKind::Priority => {
            let agreed: NaiveDate = s.get("agreed_on")?;
            Fact::Priority {
                active: s.get::<PriorityStatus>("status")? == PriorityStatus::Active,
                last_reviewed: s
                    .get::<Option<NaiveDate>>("last_reviewed_on")
                    .flatten()
                    .unwrap_or(agreed),
                title: s.get("title").unwrap_or_default(),
            }
        }
        RecordKind::PatrolLog => Fact::Patrol {
            hotspot: s.get::<Option<String>>("hotspot").flatten().is_some(),
            started_at: s.get("started_at")?,
            ended_at: s.get::<Option<DateTime<Utc>>>("ended_at").flatten(),
        },
        RecordKind::Engagement => Fact::Engagement {
            at: s.get("held_at")?,
        },
        RecordKind::IntelReport => Fact::Intel {
            submitted_at: s.get("submitted_at")?,
            made_at_hq: s.created.device == HQ_REVIEW_DEVICE,
        },
        RecordKind::Meeting => Fact::Meeting,
        RecordKind::IntelSource => return None,
    };
    Some(Item {
        id: s.id,
        areas: areas.to_vec(),
        at: s.occurred_at(),
        fact,
    })
}

/// Whether UK summer time (BST, UTC+1) is in force at `at`: from 01:00 UTC on the last Sunday of
/// March to 01:00 UTC on the last Sunday of October.
pub fn uk_summer_time(at: DateTime<Utc>) -> bool {
    fn last_sunday(year: i32, month: u32) -> Option<DateTime<Utc>> {
        let last = NaiveDate::from_ymd_opt(year, month + 1, 1)?.pred_opt()?;
        let back = i64::from(last.weekday().num_days_from_sunday());
        Some(
            (last - Duration::days(back))
                .and_time(NaiveTime::from_hms_opt(1, 0, 0)?)
                .and_utc(),
        )
    }
    let year = at.year();
    match (last_sunday(year, 3), last_sunday(year, 10)) {
        (Some(starts), Some(ends)) => at >= starts && at < ends,
        _ => false,
    }
}

/// Hours of `[start, end)` that fall in the peak window: the 8 hours from 18:00 London time
/// (18:00 UTC in winter, 17:00 UTC in summer) to 02:00.
pub fn peak_hours(start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
    let end = end.min(start + Duration::hours(MAX_PATROL_HOURS));
    if end <= start {
        return 0.0;
    }
    let mut total = Duration::zero();
    // Each evening's window starts at 18:00 on the day before `start` up to the day of `end`.
    let mut day = start.date_naive() - Duration::days(1);
    while day <= end.date_naive() {
        let six_pm_utc = day
            .and_time(NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default())
            .and_utc();
        let from = if uk_summer_time(six_pm_utc) {
            six_pm_utc - Duration::hours(1)
        } else {
            six_pm_utc
        };
        let to = from + Duration::hours(8);
        let (a, b) = (start.max(from), end.min(to));
        if b > a {
            total += b - a;
        }
        day += Duration::days(1);
    }
    total.num_seconds() as f64 / 3600.0
}

/// The period a board covers: `[from, to)`.
#[derive(Clone, Copy, Debug)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.from && t < self.to
    }
    fn weeks(&self) -> f64 {
        ((self.to - self.from).num_seconds() as f64 / (7.0 * 86_400.0)).max(1.0 / 7.0)
    }
    fn months(&self) -> f64 {
        ((self.to - self.from).num_seconds() as f64 / (30.4375 * 86_400.0)).max(1.0 / 30.0)
    }
}

/// Whether an item counts towards a measure in the period, and if it does, whether it met it
/// (for shares) or how much it adds (for rates).
fn contribution(m: Measure, fact: &Fact, p: &Period) -> Option<f64> {
    match (m, fact) {
        (
            Measure::ConcernsAnswered72h,
            Fact::Concern {
                reported_at,
                answered_at,
                ..
            },
        ) if p.contains(*reported_at) => Some(f64::from(u8::from(
            answered_at.is_some_and(|a| a - *reported_at <= Duration::hours(72)),
        ))),
        (
            Measure::ConcernsClosed,
            Fact::Concern {
                reported_at,
                closed,
                ..
            },
        ) if p.contains(*reported_at) => Some(f64::from(u8::from(*closed))),
        (
            Measure::PrioritiesReviewed,
            Fact::Priority {
                active: true,
                last_reviewed,
                ..
            },
        ) => {
            let due =
                p.to.date_naive()
                    .checked_sub_months(chrono::Months::new(3))
                    .unwrap_or(NaiveDate::MIN);
            Some(f64::from(u8::from(*last_reviewed >= due)))
        }
        (
            Measure::PatrolHoursPeak,
            Fact::Patrol {
                hotspot: true,
                started_at,
                ended_at: Some(end),
            },
        ) => {
            let h = peak_hours((*started_at).max(p.from), (*end).min(p.to));
            (h > 0.0).then_some(h)
        }
        (Measure::EngagementsPerMonth, Fact::Engagement { at }) if p.contains(*at) => Some(1.0),
        (
            Measure::IntelPerMonth,
            Fact::Intel {
                submitted_at,
                made_at_hq: false,
            },
        ) if p.contains(*submitted_at) => Some(1.0),
        _ => None,
    }
}

fn is_share(m: Measure) -> bool {
    matches!(
        m,
        Measure::ConcernsAnswered72h | Measure::ConcernsClosed | Measure::PrioritiesReviewed
    )
}

#[derive(Clone, Debug, Default)]
struct Acc {
    sum: f64,
    n: u64,
}

fn value(m: Measure, acc: Option<&Acc>, p: &Period) -> Option<f64> {
    let acc = acc.cloned().unwrap_or_default();
    let v = match m {
        _ if is_share(m) => {
            if acc.n == 0 {
                return None;
            }
            100.0 * acc.sum / acc.n as f64
        }
        Measure::PatrolHoursPeak => acc.sum / p.weeks(),
        _ => acc.sum / p.months(),
    };
    Some((v * 10.0).round() / 10.0)
}

/// One cell of the board.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Cell {
    pub measure: Measure,
    pub value: Option<f64>,
    pub target: f64,
    pub rag: Rag,
    /// How many records are behind it.
    #[ts(type = "number")]
    pub records: u64,
}

/// One row: a team (or an area).
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/", rename = "BoardRow")]
#[schema(as = BoardRow)]
pub struct Row {
    pub id: String,
    pub name: String,
    /// `tct` or `snt` (an area's row: the kind of team it belongs to).
    #[schema(value_type = String)]
    pub kind: TeamKind,
    pub cells: Vec<Cell>,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Board {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `team` or `area`: what the rows are.
    #[ts(type = "\"team\" | \"area\"")]
    pub by: String,
    pub measures: Vec<MeasureInfo>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct MeasureInfo {
    pub id: Measure,
    pub label: &'static str,
}

/// A unit the board has a row for: a team, or an area.
struct Unit {
    id: String,
    name: String,
    kind: TeamKind,
    areas: Vec<AreaId>,
}

fn units(by_area: bool, teams: &[Team], areas: &[Area]) -> Vec<Unit> {
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

/// The target for a unit: its own (teams only), else its type's, else the built-in default.
fn target_for(
    targets: &HashMap<(String, String), f64>,
    by_area: bool,
    unit: &Unit,
    m: Measure,
) -> f64 {
    let own = (!by_area)
        .then(|| targets.get(&(format!("team:{}", unit.id), m.id().to_owned())))
        .flatten();
    own.or_else(|| targets.get(&(kind_scope(unit.kind).to_owned(), m.id().to_owned())))
        .copied()
        .unwrap_or_else(|| m.default_target(unit.kind))
}

/// Compute the board: every unit, every measure. Cost: one pass over the items, times the units
/// each item's areas belong to.
pub fn compute<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    teams: &[Team],
    areas: &[Area],
    targets: &[TargetRow],
    period: Period,
    by_area: bool,
) -> Board {
    let units = units(by_area, teams, areas);
    let mut by_area_units: HashMap<&AreaId, Vec<usize>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        for a in &u.areas {
            by_area_units.entry(a).or_default().push(i);
        }
    }
    let mut acc: Vec<[Acc; Measure::ALL.len()]> = vec![Default::default(); units.len()];
    let mut mine: Vec<usize> = Vec::new();
    for item in items {
        let contributions = Measure::ALL.map(|m| contribution(m, &item.fact, &period));
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
            for (a, c) in acc[u].iter_mut().zip(contributions) {
                if let Some(c) = c {
                    a.sum += c;
                    a.n += 1;
                }
            }
        }
    }
    let targets: HashMap<(String, String), f64> = targets
        .iter()
        .map(|t| ((t.scope.clone(), t.measure.clone()), t.target))
        .collect();
    let rows = units
        .iter()
        .enumerate()
        .map(|(i, u)| Row {
            id: u.id.clone(),
            name: u.name.clone(),
            kind: u.kind,
            cells: Measure::ALL
                .into_iter()
                .enumerate()
                .map(|(k, m)| {
                    let a = acc.get(i).map(|row| &row[k]);
                    let v = value(m, a, &period);
                    let target = target_for(&targets, by_area, u, m);
                    Cell {
                        measure: m,
                        value: v,
                        target,
                        rag: Rag::of(v, target),
                        records: a.map_or(0, |a| a.n),
                    }
                })
                .collect(),
        })
        .collect();
    Board {
        from: period.from,
        to: period.to,
        by: if by_area { "area" } else { "team" }.into(),
        measures: Measure::ALL
            .into_iter()
            .map(|m| MeasureInfo {
                id: m,
                label: m.label(),
            })
            .collect(),
        rows,
    }
}

#[derive(Deserialize, Default, Debug, ts_rs::TS, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct BoardQuery {
    /// The first day included (default 28 days before `to`).
    #[ts(optional)]
    pub from: Option<NaiveDate>,
    /// The last day included (default today).
    #[ts(optional)]
    pub to: Option<NaiveDate>,
    /// `team` (default) or `area`.
    #[ts(optional, type = "\"team\" | \"area\"")]
    pub by: Option<String>,
}

impl BoardQuery {
    fn period(&self) -> Result<Period, ApiError> {
        let today = Utc::now().date_naive();
        let to = self.to.unwrap_or(today) + Duration::days(1);
        let from = self.from.unwrap_or(to - Duration::days(28));
        if from >= to {
            return Err(ApiError::BadRequest(
                "the period must start before it ends".into(),
            ));
        }
        Ok(Period {
            from: from.and_time(NaiveTime::MIN).and_utc(),
            to: to.and_time(NaiveTime::MIN).and_utc(),
        })
    }

    fn by_area(&self) -> Result<bool, ApiError> {
        match self.by.as_deref() {
            None | Some("team") => Ok(false),
            Some("area") => Ok(true),
            Some(other) => Err(ApiError::BadRequest(format!(
                "by={other:?}: use team or area"
            ))),
        }
    }
}

/// The framework's facts, up to date (see [`super::facts`]).
pub async fn facts(state: &HqState) -> Result<Arc<Snapshot>, ApiError> {
    state.facts.current(state.storage.as_ref()).await
}

/// Run a computation over the facts off the async workers: at force scale it takes tens of
/// milliseconds.
async fn off_workers<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The board, as `GET /api/v1/hq/framework` answers it.
pub async fn board(state: &HqState, q: &BoardQuery) -> Result<Board, ApiError> {
    let period = q.period()?;
    let by_area = q.by_area()?;
    let snapshot = facts(state).await?;
    let (teams, areas, targets) = (
        state.storage.teams().await?,
        state.storage.areas().await?,
        state.storage.targets().await?,
    );
    off_workers(move || compute(snapshot.items(), &teams, &areas, &targets, period, by_area)).await
}

/// `GET /api/v1/hq/framework`: the board, per team (or `by=area`) for a period (default the last
/// 28 days). Figures only, no personal data.
#[utoipa::path(get, path = "/api/v1/hq/framework", tag = "hq", operation_id = "hq_framework_board",
    params(BoardQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Board), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<BoardQuery>,
) -> Result<Json<Board>, ApiError> {
    staff.require(beatbook_domain::access::HqAction::ViewFramework)?;
    Ok(Json(board(&state, &q).await?))
}

/// `GET /api/v1/hq/framework.csv`: the board pack, one line per unit and measure.
#[utoipa::path(get, path = "/api/v1/hq/framework.csv", tag = "hq", operation_id = "hq_framework_csv",
    params(BoardQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The board pack: `unit,name,type,measure,value,target,rag,records,from,to`", content_type = "text/csv", body = String), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn csv(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<BoardQuery>,
) -> Result<Response, ApiError> {
    staff.require(beatbook_domain::access::HqAction::ViewFramework)?;
    let b = board(&state, &q).await?;
    let mut out = String::from("unit,name,type,measure,value,target,rag,records,from,to\n");
    let esc = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for row in &b.rows {
        for c in &row.cells {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                esc(&row.id),
                esc(&row.name),
                match row.kind {
                    TeamKind::Tct => "TCT",
                    TeamKind::Snt => "SNT",
                },
                c.measure.id(),
                c.value.map(|v| v.to_string()).unwrap_or_default(),
                c.target,
                c.rag.as_str(),
                c.records,
                b.from.date_naive(),
                (b.to - Duration::days(1)).date_naive(),
            ));
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"board-pack-{}-{}.csv\"",
                    b.from.date_naive(),
                    (b.to - Duration::days(1)).date_naive()
                ),
            ),
        ],
        out,
    )
        .into_response())
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CellQuery {
    /// The row: a team id, or an area id with `by=area`.
    pub unit: String,
    /// A measure id.
    pub measure: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// `team` (default) or `area`.
    pub by: Option<String>,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CellRecord {
    #[schema(value_type = Object)]
    pub record: RecordSummary,
    /// For a share: whether this record met the measure. For a rate: what it adds.
    pub contribution: f64,
    pub met: bool,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct CellDetail {
    pub unit: String,
    pub measure: Measure,
    pub label: &'static str,
    pub records: Vec<CellRecord>,
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// The row: a team id, or an area id with `by=area`.
    pub unit: String,
    /// A measure id.
    pub measure: String,
    /// How many weeks back from today (default 12, at most 104).
    pub weeks: Option<u32>,
    /// `team` (default) or `area`.
    pub by: Option<String>,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct TrendPoint {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub value: Option<f64>,
    pub target: f64,
    pub rag: Rag,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Trend {
    pub unit: String,
    pub measure: Measure,
    pub label: &'static str,
    pub points: Vec<TrendPoint>,
}

/// `GET /api/v1/hq/framework/trend?unit=&measure=&weeks=`: one cell week by week, oldest first.
/// Figures only.
#[utoipa::path(get, path = "/api/v1/hq/framework/trend", tag = "hq", operation_id = "hq_framework_trend",
    params(TrendQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Trend), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody), (status = 404, description = "No such team or area", body = ApiErrorBody)))]
pub async fn trend(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<TrendQuery>,
) -> Result<Json<Trend>, ApiError> {
    staff.require(beatbook_domain::access::HqAction::ViewFramework)?;
    let m = Measure::parse(&q.measure)
        .ok_or_else(|| ApiError::BadRequest(format!("no measure {:?}", q.measure)))?;
    let by_area = BoardQuery {
        by: q.by.clone(),
        ..Default::default()
    }
    .by_area()?;
    let weeks = i64::from(q.weeks.unwrap_or(12).clamp(1, 104));
    let snapshot = facts(&state).await?;
    let (teams, areas, targets) = (
        state.storage.teams().await?,
        state.storage.areas().await?,
        state.storage.targets().await?,
    );
    let end = (Utc::now().date_naive() + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    let unit = q.unit.clone();
    let points = off_workers(move || -> Result<Vec<TrendPoint>, ApiError> {
        // Only the unit's own records matter: pick them once, then compute each week from them.
        let unit_areas: Vec<AreaId> = units(by_area, &teams, &areas)
            .into_iter()
            .find(|u| u.id == unit)
            .map(|u| u.areas)
            .ok_or_else(|| ApiError::NotFound(format!("no such unit {unit}")))?;
        let unit_areas: HashSet<&AreaId> = unit_areas.iter().collect();
        let mine: Vec<&Item> = snapshot
            .items()
            .filter(|i| i.areas.iter().any(|a| unit_areas.contains(a)))
            .collect();
        let mut points = Vec::new();
        for w in (0..weeks).rev() {
            let period = Period {
                from: end - Duration::weeks(w + 1),
                to: end - Duration::weeks(w),
            };
            let board = compute(
                mine.iter().copied(),
                &teams,
                &areas,
                &targets,
                period,
                by_area,
            );
            let row = board
                .rows
                .iter()
                .find(|r| r.id == unit)
                .ok_or_else(|| ApiError::NotFound(format!("no {} {unit}", board.by)))?;
            let cell =
                row.cells.iter().find(|c| c.measure == m).ok_or_else(|| {
                    ApiError::Internal("a measure is missing from the board".into())
                })?;
            points.push(TrendPoint {
                from: period.from,
                to: period.to,
                value: cell.value,
                target: cell.target,
                rag: cell.rag,
            });
        }
        Ok(points)
    })
    .await??;
    Ok(Json(Trend {
        unit: q.unit,
        measure: m,
        label: m.label(),
        points,
    }))
}

/// `GET /api/v1/hq/framework/cell?unit=&measure=`: the records behind one cell, those that
/// missed first. Supervisors and analysts (it lists records); logged.
#[utoipa::path(get, path = "/api/v1/hq/framework/cell", tag = "hq", operation_id = "hq_framework_cell",
    params(CellQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = CellDetail), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor or analyst", body = ApiErrorBody), (status = 404, description = "No such team or area", body = ApiErrorBody)))]
pub async fn cell(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<CellQuery>,
) -> Result<Json<CellDetail>, ApiError> {
    staff.require(beatbook_domain::access::HqAction::DrillDown)?;
    let m = Measure::parse(&q.measure)
        .ok_or_else(|| ApiError::BadRequest(format!("no measure {:?}", q.measure)))?;
    let bq = BoardQuery {
        from: q.from,
        to: q.to,
        by: q.by.clone(),
    };
    let period = bq.period()?;
    let unit_areas: Vec<AreaId> = if bq.by_area()? {
        vec![AreaId::new(q.unit.as_str())]
    } else {
        state
            .storage
            .teams()
            .await?
            .into_iter()
            .find(|t| t.id.as_str() == q.unit)
            .ok_or_else(|| ApiError::NotFound(format!("no team {}", q.unit)))?
            .areas
    };
    // The facts say which records are behind the cell; only those are read.
    let snapshot = facts(&state).await?;
    let behind: Vec<(RecordId, f64)> = off_workers(move || {
        snapshot
            .items()
            .filter(|i| i.areas.iter().any(|a| unit_areas.contains(a)))
            .filter_map(|i| Some((i.id, contribution(m, &i.fact, &period)?)))
            .collect()
    })
    .await?;
    let mut out: Vec<CellRecord> = Vec::with_capacity(behind.len());
    for (id, c) in behind {
        let Some(r) = state.storage.record(id).await?.and_then(records::load) else {
            continue;
        };
        if !records::hq_may_see(staff.role(), &r.change.facts) {
            continue;
        }
        out.push(CellRecord {
            record: r.summary,
            contribution: c,
            met: !is_share(m) || c > 0.0,
        });
    }
    out.sort_by(|a, b| {
        (a.met, std::cmp::Reverse(a.record.occurred_at))
            .cmp(&(b.met, std::cmp::Reverse(b.record.occurred_at)))
    });
    records::log(
        &state,
        &staff,
        "view",
        out.iter().map(|r| r.record.id).collect(),
        format!("framework drill-down {} {}", q.unit, m.id()),
    )
    .await?;
    Ok(Json(CellDetail {
        unit: q.unit,
        measure: m,
        label: m.label(),
        records: out,
    }))
}

/// A performance framework target: for one measure, for `team:<id>` or `kind:tct`/`kind:snt`.
#[derive(
    Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[ts(export_to = "../../hq/bindings/")]
pub struct TargetRow {
    pub scope: String,
    pub measure: String,
    pub target: f64,
}

/// The targets set, and the built-in defaults they override.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Targets {
    pub targets: Vec<TargetRow>,
    /// By scope (`kind:tct`, `kind:snt`), then by measure.
    #[schema(value_type = BTreeMap<String, BTreeMap<String, f64>>)]
    pub defaults: BTreeMap<String, BTreeMap<Measure, f64>>,
}

/// `GET /api/v1/hq/framework/targets`: the targets set (scope `team:<id>` or `kind:tct`/`kind:snt`)
/// and the built-in defaults.
#[utoipa::path(get, path = "/api/v1/hq/framework/targets", tag = "hq", operation_id = "hq_framework_targets",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Targets), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that sees the framework", body = ApiErrorBody)))]
pub async fn targets(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<Targets>, ApiError> {
    staff.require(beatbook_domain::access::HqAction::ViewFramework)?;
    let defaults = [TeamKind::Tct, TeamKind::Snt]
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
        .collect();
    Ok(Json(Targets {
        targets: state.storage.targets().await?,
        defaults,
    }))
}

/// `POST /api/v1/hq/framework/targets`: set a target (admin). A negative target is refused.
#[utoipa::path(post, path = "/api/v1/hq/framework/targets", tag = "hq", operation_id = "hq_framework_put_target",
    request_body = TargetRow,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The target as saved", body = TargetRow), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn put_target(
    State(state): State<HqState>,
    staff: Staff,
    body: Result<Json<TargetRow>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TargetRow>, ApiError> {
    staff.require(beatbook_domain::access::HqAction::SetTargets)?;
    let Json(t) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if Measure::parse(&t.measure).is_none() {
        return Err(ApiError::BadRequest(format!("no measure {:?}", t.measure)));
    }
    if !t.target.is_finite() || t.target < 0.0 {
        return Err(ApiError::BadRequest(
            "a target is a number, 0 or more".into(),
        ));
    }
    let scope_ok = match t.scope.split_once(':') {
        Some(("kind", "tct" | "snt")) => true,
        Some(("team", id)) => state
            .storage
            .teams()
            .await?
            .iter()
            .any(|k| k.id.as_str() == id),
        _ => false,
    };
    if !scope_ok {
        return Err(ApiError::BadRequest(format!(
            "scope {:?}: use team:<id> or kind:tct / kind:snt",
            t.scope
        )));
    }
    state.storage.put_target(&t).await?;
    tracing::info!(scope = %t.scope, measure = %t.measure, target = t.target, by = %staff.officer.id, "framework target set");
    Ok(Json(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn peak_hours_count_only_the_evening_window() {
        assert_eq!(
            peak_hours(t("2026-11-20T17:00:00Z"), t("2026-11-20T20:00:00Z")),
            2.0
        );
        assert_eq!(
            peak_hours(t("2026-11-20T10:00:00Z"), t("2026-11-20T12:00:00Z")),
            0.0
        );
        // Across midnight, up to 02:00.
        assert_eq!(
            peak_hours(t("2026-11-20T23:00:00Z"), t("2026-11-21T03:00:00Z")),
            3.0
        );
        assert_eq!(
            peak_hours(t("2026-11-21T01:00:00Z"), t("2026-11-21T01:30:00Z")),
            0.5
        );
        // Summer: the window is 18:00 to 02:00 British Summer Time, 17:00 to 01:00 UTC.
        assert_eq!(
            peak_hours(t("2026-07-01T16:00:00Z"), t("2026-07-01T18:00:00Z")),
            1.0
        );
        assert_eq!(
            peak_hours(t("2026-07-02T00:30:00Z"), t("2026-07-02T01:30:00Z")),
            0.5
        );
    }

    #[test]
    fn uk_summer_time_starts_and_ends_on_the_last_sundays_of_march_and_october() {
        // 2026: 29 March and 25 October, at 01:00 UTC.
        assert!(!uk_summer_time(t("2026-03-29T00:59:00Z")));
        assert!(uk_summer_time(t("2026-03-29T01:00:00Z")));
        assert!(uk_summer_time(t("2026-10-25T00:59:00Z")));
        assert!(!uk_summer_time(t("2026-10-25T01:00:00Z")));
        assert!(!uk_summer_time(t("2026-12-01T12:00:00Z")));
    }

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
    fn an_item_in_an_overlap_counts_for_both_teams() {
        let team = |id: &str, kind, areas: &[&str]| Team {
            id: beatbook_domain::TeamId::new(id),
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
        };
        let items = vec![Item {
            id: RecordId::new(),
            areas: vec![AreaId::new("tc"), AreaId::new("ward")],
            at: Some(t("2026-11-10T12:00:00Z")),
            fact: Fact::Concern {
                reported_at: t("2026-11-10T12:00:00Z"),
                answered_at: Some(t("2026-11-11T12:00:00Z")),
                closed: false,
            },
        }];
        let b = compute(&items, &teams, &[], &[], p, false);
        let cell = |row: usize, m: Measure| {
            b.rows[row]
                .cells
                .iter()
                .find(|c| c.measure == m)
                .unwrap()
                .clone()
        };
        assert_eq!(cell(0, Measure::ConcernsAnswered72h).value, Some(100.0));
        assert_eq!(cell(1, Measure::ConcernsAnswered72h).value, Some(100.0));
        assert_eq!(cell(2, Measure::ConcernsAnswered72h).value, None);
        assert_eq!(cell(0, Measure::ConcernsClosed).rag, Rag::Red);
    }
}
