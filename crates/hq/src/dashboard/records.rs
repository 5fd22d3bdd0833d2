//! Records for HQ staff: list and filter, one record, and the subject access search. What each
//! role may see is decided here, on the server; every list, view and search is written to the
//! access log (before the answer is sent) with the ids of the records disclosed.

use super::audit::AccessEntry;
use super::auth::Staff;
use crate::error::ApiError;
use crate::storage::{Change, RecordOp, RecordPage, RecordQuery};
use crate::HqState;
use axum::extract::{Path, Query, State};
use axum::Json;
use beatbook_domain::access::AccessFacts;
use beatbook_domain::intel::ReviewState;
use beatbook_domain::merge::RecordState;
use beatbook_domain::people::Role;
use beatbook_domain::protocol::{ApiErrorBody, OpOutcome};
use beatbook_domain::views::RecordSummary;
use beatbook_domain::{concern, intel, meeting, patrol};
use beatbook_domain::{AreaId, OfficerId, Op, OpAction, Record, RecordId, RecordKind, TeamId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Storage pages read at a time when scanning records.
const PAGE: u32 = 5_000;

/// Whether an HQ role may see a record on the dashboard.
///
/// - Source details: the intelligence unit only.
/// - Intelligence reports: the intelligence unit; supervisors and analysts only once disseminated
///   (the sanitised product, never the raw report).
/// - Everything else: supervisors, analysts and the intelligence unit, force-wide.
/// - Administrators see records only through the subject access search.
pub fn hq_may_see(role: Role, facts: &AccessFacts) -> bool {
    match facts.kind {
        None => false,
        Some(RecordKind::IntelSource) => role == Role::IntelligenceUnit,
        Some(RecordKind::IntelReport) => {
            role == Role::IntelligenceUnit
                || (matches!(role, Role::Supervisor | Role::Analyst)
                    && facts.review_state == Some(ReviewState::Disseminated))
        }
        Some(_) => matches!(
            role,
            Role::Supervisor | Role::Analyst | Role::IntelligenceUnit
        ),
    }
}

/// A record as HQ pages handle it: the merged state, read as its kind.
pub struct Loaded {
    pub change: Change,
    pub state: RecordState,
    pub summary: RecordSummary,
    pub search_text: String,
    pub created_by: OfficerId,
}

fn summarise<R: Record>(state: &RecordState) -> Option<(RecordSummary, String)> {
    let r = R::from_state(state).ok()?;
    let body = serde_json::to_value(&r).ok()?;
    Some((
        RecordSummary {
            id: state.id,
            kind: state.kind,
            title: r.title(),
            status: r.status(),
            occurred_at: r.occurred_at(),
            areas: r.areas(),
            conflicts: state.conflicts(),
            pending_ops: 0,
            body,
        },
        r.search_text(),
    ))
}

/// Read a stored change as a record of its kind. `None` for a deleted or unreadable record.
pub fn load(change: Change) -> Option<Loaded> {
    let state: RecordState = serde_json::from_str(&change.state_json).ok()?;
    if state.is_deleted() {
        return None;
    }
    let (summary, search_text) = match state.kind {
        RecordKind::Concern => summarise::<concern::Concern>(&state),
        RecordKind::IntelReport => summarise::<intel::IntelReport>(&state),
        RecordKind::IntelSource => summarise::<intel::IntelSource>(&state),
        RecordKind::Meeting => summarise::<meeting::Meeting>(&state),
        RecordKind::Priority => summarise::<meeting::Priority>(&state),
        RecordKind::PatrolLog => summarise::<patrol::PatrolLog>(&state),
        RecordKind::Engagement => summarise::<patrol::Engagement>(&state),
    }?;
    Some(Loaded {
        created_by: state.created_by.clone(),
        change,
        state,
        summary,
        search_text,
    })
}

/// Every current record of `kinds` (all if empty), read as its kind.
pub async fn scan(state: &HqState, kinds: &[RecordKind]) -> Result<Vec<Loaded>, ApiError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = state
            .storage
            .records(&RecordQuery {
                kinds: kinds.to_vec(),
                after,
                limit: PAGE,
            })
            .await?;
        let n = page.len();
        after = page.last().map_or(after, |c| c.server_seq);
        out.extend(page.into_iter().filter_map(load));
        if n < PAGE as usize {
            return Ok(out);
        }
    }
}

/// Write one disclosure to the access log. Called before the records are sent.
pub async fn log(
    state: &HqState,
    staff: &Staff,
    action: &str,
    record_ids: Vec<RecordId>,
    detail: String,
) -> Result<(), ApiError> {
    state
        .storage
        .log_access(&AccessEntry {
            at: Utc::now(),
            officer_id: staff.officer.id.clone(),
            device_id: None,
            action: action.to_owned(),
            record_ids,
            detail,
        })
        .await?;
    Ok(())
}

#[derive(Debug, Default, Deserialize, ts_rs::TS, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ListQuery {
    #[ts(optional)]
    #[param(value_type = Option<String>)]
    pub kind: Option<RecordKind>,
    #[ts(optional)]
    #[param(value_type = Option<String>)]
    pub area: Option<AreaId>,
    #[ts(optional)]
    #[param(value_type = Option<String>)]
    pub team: Option<TeamId>,
    #[ts(optional)]
    pub status: Option<String>,
    #[ts(optional)]
    pub since: Option<DateTime<Utc>>,
    #[ts(optional)]
    pub until: Option<DateTime<Utc>>,
    /// Words that must all appear in the record's text (case-insensitive).
    #[ts(optional)]
    pub q: Option<String>,
    #[ts(optional)]
    pub limit: Option<u32>,
    /// Only records older than this: the `next_before` of the page before ("load more").
    #[ts(optional, type = "number")]
    pub before: Option<u64>,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RecordList {
    /// Newest first: the most recently created or changed first (HQ's server sequence).
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<RecordSummary>,
    /// More may match: ask again with `before` set to `next_before`.
    pub more: bool,
    /// Where the next page starts, when `more`.
    #[ts(type = "number | null")]
    pub next_before: Option<u64>,
    /// How many records were read to answer.
    pub scanned: u32,
    /// The search reached the most records one answer reads ([`SCAN_LIMIT`]) before the page was
    /// full: older records were not searched yet, and `next_before` goes on from there.
    pub scan_stopped: bool,
}

/// The most records one list reads. Kind and area (or team) are read through indexes, newest
/// first, and cost only the page; words, status and dates are checked record by record, so a
/// search for something rare stops here and says so, rather than reading all of HQ.
pub const SCAN_LIMIT: u32 = 10_000;

/// Records read from storage at a time when listing: the first read is the page itself (with one
/// more to tell whether there is more), later ones grow while the filters keep rejecting.
const FIRST_READ: u32 = 50;
const MAX_READ: u32 = 2_000;

/// `GET /api/v1/hq/records`: newest first, a page at a time. Supervisors, analysts and the
/// intelligence unit.
#[utoipa::path(get, path = "/api/v1/hq/records", tag = "hq", operation_id = "hq_records",
    params(ListQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = RecordList), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor, analyst or the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such team", body = ApiErrorBody)))]
pub async fn list(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Json<RecordList>, ApiError> {
    staff.require(&[Role::Supervisor, Role::Analyst, Role::IntelligenceUnit])?;
    let role = staff.role();
    let limit = q.limit.unwrap_or(200).clamp(1, 1_000);
    let team_areas: Option<Vec<AreaId>> = match &q.team {
        Some(t) => Some(
            state
                .storage
                .teams()
                .await?
                .into_iter()
                .find(|k| &k.id == t)
                .ok_or_else(|| ApiError::NotFound(format!("no team {t}")))?
                .areas,
        ),
        None => None,
    };
    let words: Vec<String> =
        q.q.as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
    let matches = |r: &Loaded| {
        q.area.as_ref().is_none_or(|a| r.summary.areas.contains(a))
            && team_areas
                .as_ref()
                .is_none_or(|ta| r.summary.areas.iter().any(|a| ta.contains(a)))
            && q.status
                .as_ref()
                .is_none_or(|s| r.summary.status.as_ref() == Some(s))
            && q.since.is_none_or(|s| r.summary.occurred_at >= s)
            && q.until.is_none_or(|u| r.summary.occurred_at < u)
            && (words.is_empty() || {
                let text = format!("{} {}", r.summary.title, r.search_text).to_lowercase();
                words.iter().all(|w| text.contains(w))
            })
    };
    // Read through the narrowest index the filters give: the area, else the team's areas.
    let page = RecordPage {
        kinds: q.kind.into_iter().collect(),
        areas: match (&q.area, &team_areas) {
            (Some(a), _) => vec![a.clone()],
            (None, Some(ta)) => ta.clone(),
            (None, None) => Vec::new(),
        },
        before: q.before,
        limit: 0,
    };
    // Nothing to read: a team without areas, or a kind this role never sees.
    let nothing = team_areas.as_ref().is_some_and(Vec::is_empty)
        || (q.kind == Some(RecordKind::IntelSource) && role != Role::IntelligenceUnit);

    let mut found: Vec<RecordSummary> = Vec::new();
    let (mut more, mut scan_stopped, mut scanned) = (false, false, 0u32);
    let (mut cursor, mut last_match) = (q.before, None);
    let mut read = (limit + 1).clamp(FIRST_READ, MAX_READ);
    // Read until the page is full, the records run out (a short read), or the scan limit.
    let mut end = nothing;
    'pages: while !end {
        let want = read.min(SCAN_LIMIT - scanned + 1);
        let changes = state
            .storage
            .records_before(&RecordPage {
                before: cursor,
                limit: want,
                ..page.clone()
            })
            .await?;
        end = changes.len() < want as usize;
        for change in changes {
            if scanned == SCAN_LIMIT {
                (more, scan_stopped) = (true, true);
                break 'pages;
            }
            scanned += 1;
            cursor = Some(change.server_seq);
            if !hq_may_see(role, &change.facts) {
                continue;
            }
            let Some(r) = load(change).filter(&matches) else {
                continue;
            };
            if found.len() == limit as usize {
                more = true;
                break 'pages;
            }
            last_match = Some(r.change.server_seq);
            found.push(r.summary);
        }
        read = (read * 4).min(MAX_READ);
    }
    let next_before = match (more, scan_stopped) {
        (false, _) => None,
        // Everything read after the last match missed, so the stop is where to go on from.
        (true, true) => cursor,
        (true, false) => last_match,
    };
    log(
        &state,
        &staff,
        "search",
        found.iter().map(|r| r.id).collect(),
        format!("HQ record list {q:?}"),
    )
    .await?;
    Ok(Json(RecordList {
        records: found,
        more,
        next_before,
        scanned,
        scan_stopped,
    }))
}

/// One change to a record, as HQ received it.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct HistoryItem {
    /// When it was made (the device's clock).
    pub at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub by: OfficerId,
    /// "Created", "Changed description, status", "Added an update", "Deleted", or
    /// "Refused: ..." when HQ refused it.
    pub what: String,
}

/// The most changes a record's history shows (the latest).
const HISTORY: u32 = 200;

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RecordDetail {
    #[schema(value_type = Object)]
    pub summary: RecordSummary,
    #[schema(value_type = String)]
    pub created_by: OfficerId,
    #[ts(type = "number")]
    pub server_seq: u64,
    /// When it was created and last changed (device clocks).
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its latest changes as HQ received them, oldest first; retries HQ already had are left out.
    pub history: Vec<HistoryItem>,
}

fn ms_time(ms: u64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(i64::MAX)).unwrap_or_default()
}

/// A record's history from the op log, for the roles that may see the record.
fn history(state: &RecordState, ops: Vec<RecordOp>) -> Vec<HistoryItem> {
    ops.into_iter()
        .filter_map(|o| {
            let op: Op = serde_json::from_str(&o.op_json).ok()?;
            let outcome: OpOutcome = serde_json::from_str(&o.outcome_json).ok()?;
            let what = match (&outcome, &op.action) {
                (OpOutcome::Duplicate, _) => return None,
                (OpOutcome::Rejected { reason, .. }, _) => format!("Refused: {reason}"),
                (_, OpAction::Put { .. }) if op.stamp() == state.created => "Created".to_owned(),
                (_, OpAction::Put { fields }) => {
                    let names: Vec<String> = fields.keys().map(|f| f.replace('_', " ")).collect();
                    format!("Changed {}", names.join(", "))
                }
                (_, OpAction::Append { .. }) => "Added an update".to_owned(),
                (_, OpAction::Delete) => "Deleted".to_owned(),
            };
            Some(HistoryItem {
                at: ms_time(op.hlc.wall_ms),
                received_at: o.received_at,
                by: op.author,
                what,
            })
        })
        .collect()
}

/// `GET /api/v1/hq/records/{id}`: one record with its history, if the role may see it.
#[utoipa::path(get, path = "/api/v1/hq/records/{id}", tag = "hq", operation_id = "hq_record",
    params(("id" = uuid::Uuid, Path, description = "The record")),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = RecordDetail), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a supervisor, analyst or the intelligence unit", body = ApiErrorBody), (status = 404, description = "No such record, or not one this role may see", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<RecordId>,
) -> Result<Json<RecordDetail>, ApiError> {
    staff.require(&[Role::Supervisor, Role::Analyst, Role::IntelligenceUnit])?;
    let not_found = || ApiError::NotFound(format!("no record {id}"));
    let change = state.storage.record(id).await?.ok_or_else(not_found)?;
    // A record the role may not see is answered as missing, so its existence is not disclosed.
    if !hq_may_see(staff.role(), &change.facts) {
        return Err(not_found());
    }
    let r = load(change).ok_or_else(not_found)?;
    let history = history(&r.state, state.storage.record_ops(id, HISTORY).await?);
    log(&state, &staff, "view", vec![id], "HQ record view".into()).await?;
    Ok(Json(RecordDetail {
        server_seq: r.change.server_seq,
        created_by: r.created_by,
        created_at: ms_time(r.state.created.hlc.wall_ms),
        updated_at: ms_time(r.state.updated.hlc.wall_ms),
        history,
        summary: r.summary,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubjectQuery {
    /// At least three letters of the person's name.
    pub name: String,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SubjectAccess {
    pub name: String,
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<RecordSummary>,
}

/// Names of people a record holds: people involved, a source's name.
fn names_in(r: &Loaded) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(people) = r.summary.body.get("people").and_then(|p| p.as_array()) {
        names.extend(
            people
                .iter()
                .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
                .map(str::to_owned),
        );
    }
    if r.state.kind == RecordKind::IntelSource {
        if let Some(n) = r.summary.body.get("name").and_then(|n| n.as_str()) {
            names.push(n.to_owned());
        }
    }
    names
}

/// `GET /api/v1/hq/subject-access?name=...`: every record that names or mentions a person, of
/// every kind (source details included), for a subject access request. Admin only; logged.
#[utoipa::path(get, path = "/api/v1/hq/subject-access", tag = "hq", operation_id = "hq_subject_access",
    params(SubjectQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = SubjectAccess), (status = 400, description = "Fewer than three letters", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn subject_access(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<SubjectQuery>,
) -> Result<Json<SubjectAccess>, ApiError> {
    staff.require(&[Role::Admin])?;
    let name = q.name.trim().to_lowercase();
    if name.chars().count() < 3 {
        return Err(ApiError::BadRequest(
            "give at least three letters of the person's name".into(),
        ));
    }
    let mut found: Vec<RecordSummary> = scan(&state, &[])
        .await?
        .into_iter()
        .filter(|r| {
            names_in(r).iter().any(|n| n.to_lowercase().contains(&name))
                || r.search_text.to_lowercase().contains(&name)
                || r.summary.body.to_string().to_lowercase().contains(&name)
        })
        .map(|r| r.summary)
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.occurred_at));
    log(
        &state,
        &staff,
        "subject_access",
        found.iter().map(|r| r.id).collect(),
        format!("subject access search for {:?}", q.name.trim()),
    )
    .await?;
    Ok(Json(SubjectAccess {
        name: q.name.trim().to_owned(),
        records: found,
    }))
}
