//! Records for HQ staff: list and filter, one record, and the subject access search. What each
//! role may see is decided here, on the server; every list, view and search is written to the
//! access log (before the answer is sent) with the ids of the records disclosed.

use super::auth::Staff;
use crate::error::ApiError;
use crate::storage::{AccessEntry, Change, RecordQuery};
use crate::HqState;
use axum::extract::{Path, Query, State};
use axum::Json;
use beatbook_domain::access::AccessFacts;
use beatbook_domain::intel::ReviewState;
use beatbook_domain::merge::RecordState;
use beatbook_domain::people::Role;
use beatbook_domain::views::RecordSummary;
use beatbook_domain::{concern, intel, meeting, patrol};
use beatbook_domain::{AreaId, OfficerId, Record, RecordId, RecordKind, TeamId};
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub kind: Option<RecordKind>,
    pub area: Option<AreaId>,
    pub team: Option<TeamId>,
    pub status: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Words that must all appear in the record's text (case-insensitive).
    pub q: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Serialize)]
pub struct RecordList {
    pub records: Vec<RecordSummary>,
    /// More matched than were sent.
    pub more: bool,
}

/// `GET /api/v1/hq/records`: newest first. Supervisors, analysts and the intelligence unit.
pub async fn list(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Json<RecordList>, ApiError> {
    staff.require(&[Role::Supervisor, Role::Analyst, Role::IntelligenceUnit])?;
    let limit = q.limit.unwrap_or(200).clamp(1, 1_000) as usize;
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
    let kinds: Vec<RecordKind> = q.kind.into_iter().collect();
    let mut found: Vec<RecordSummary> = scan(&state, &kinds)
        .await?
        .into_iter()
        .filter(|r| hq_may_see(staff.role(), &r.change.facts))
        .filter(|r| q.area.as_ref().is_none_or(|a| r.summary.areas.contains(a)))
        .filter(|r| {
            team_areas
                .as_ref()
                .is_none_or(|ta| r.summary.areas.iter().any(|a| ta.contains(a)))
        })
        .filter(|r| {
            q.status
                .as_ref()
                .is_none_or(|s| r.summary.status.as_ref() == Some(s))
        })
        .filter(|r| q.since.is_none_or(|s| r.summary.occurred_at >= s))
        .filter(|r| q.until.is_none_or(|u| r.summary.occurred_at < u))
        .filter(|r| {
            if words.is_empty() {
                return true;
            }
            let text = format!("{} {}", r.summary.title, r.search_text).to_lowercase();
            words.iter().all(|w| text.contains(w))
        })
        .map(|r| r.summary)
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.occurred_at));
    let more = found.len() > limit;
    found.truncate(limit);
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
    }))
}

#[derive(Serialize)]
pub struct RecordDetail {
    pub summary: RecordSummary,
    pub created_by: OfficerId,
    pub server_seq: u64,
}

/// `GET /api/v1/hq/records/{id}`: one record, if the role may see it.
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
    log(&state, &staff, "view", vec![id], "HQ record view".into()).await?;
    Ok(Json(RecordDetail {
        server_seq: r.change.server_seq,
        created_by: r.created_by,
        summary: r.summary,
    }))
}

#[derive(Debug, Deserialize)]
pub struct SubjectQuery {
    pub name: String,
}

#[derive(Serialize)]
pub struct SubjectAccess {
    pub name: String,
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
