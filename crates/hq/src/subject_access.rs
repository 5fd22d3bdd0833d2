//! Subject access (DPA 2018 s.45), for the data protection officer: find every record about a
//! person (`beatbook_domain::subject` decides what matches), keep a request, and export the
//! answer as a pack with each record's disclosure history. Source records and raw intelligence
//! are never shown to the data protection officer (`access::data_protection_view`): they go to
//! the intelligence unit, who decides for each what is disclosed, disclosed redacted, or withheld
//! under an exemption. Every step is written to the access log with its purpose.

use crate::admin::{action_words, kind_words};
use crate::dashboard::refusals::REFUSED;
use crate::error::ApiError;
use crate::records::{load, log_disclosure_for, scan, Loaded, OfficerNames};
use crate::storage::{AccessQuery, RedactionRow, SubjectRequestRow};
use crate::HqState;
use beatbook_domain::access::{data_protection_view, AccessFacts, DataProtectionView};
use beatbook_domain::people::Officer;
use beatbook_domain::subject::{
    passages, Hit, Passage, RedactionDecision, RedactionInput, SubjectQuery, SubjectSearch,
};
use beatbook_domain::validation::ValidationErrors;
use beatbook_domain::RecordId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// The most records one search or request lists: beyond it the officer is asked to narrow the
/// search (a request is refused rather than kept incomplete).
pub const CAP: usize = 500;
/// Results on a page of a search, unless asked for fewer (at most [`MAX_PAGE`]).
pub const PAGE: u32 = 25;
pub const MAX_PAGE: u32 = 100;
/// The latest disclosures a record's history lists in a pack.
pub const HISTORY: u32 = 500;

const WITHHELD_NOTE: &str = "Withheld for the intelligence unit's review";

/// A search as the page sends it: what to look for, and which page.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams, ts_rs::TS)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SubjectSearchParams {
    #[ts(optional)]
    pub name: Option<String>,
    #[ts(optional)]
    pub phone: Option<String>,
    #[ts(optional)]
    pub email: Option<String>,
    /// `YYYY-MM-DD`.
    #[ts(optional)]
    #[param(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<NaiveDate>,
    #[ts(optional)]
    pub description: Option<String>,
    /// 1, 2, ...
    #[ts(optional)]
    #[param(minimum = 1)]
    #[serde(
        default,
        deserialize_with = "crate::extract::ranged::<_, 1, 4294967295>"
    )]
    pub page: Option<u32>,
    #[ts(optional)]
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, deserialize_with = "crate::extract::ranged::<_, 1, 100>")]
    pub per_page: Option<u32>,
}

impl SubjectSearchParams {
    pub fn query(&self) -> SubjectQuery {
        SubjectQuery {
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            date_of_birth: self.date_of_birth,
            description: self.description.clone(),
        }
    }
}

/// One record a search found, as the data protection officer sees it.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SubjectResult {
    /// The record, when shown (for its page); `None` when withheld.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Option<RecordId>,
    pub withheld: bool,
    /// "Concern", "Patrol log"...; "Intelligence" when withheld (what kind is not said).
    pub kind: String,
    pub title: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    /// What matched, where, and the text around it (none when withheld).
    pub hits: Vec<Hit>,
    /// "Withheld for the intelligence unit's review", or what was decided.
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SubjectResults {
    /// What was looked for, in words.
    pub asked: String,
    pub results: Vec<SubjectResult>,
    /// Records found (at most [`CAP`]).
    pub total: u32,
    pub shown: u32,
    pub withheld: u32,
    pub page: u32,
    pub pages: u32,
    /// More than [`CAP`] records matched: only the newest [`CAP`] are listed.
    pub capped: bool,
    pub cap: u32,
}

/// A record found, with what matched.
struct Found {
    loaded: Loaded,
    hits: Vec<Hit>,
    withheld: bool,
}

fn checked(q: &SubjectQuery) -> Result<SubjectSearch, ApiError> {
    q.search().map_err(ApiError::Invalid)
}

/// Every record the search finds, newest first, at most [`CAP`] (and whether there were more).
async fn find(state: &HqState, search: &SubjectSearch) -> Result<(Vec<Found>, bool), ApiError> {
    let mut found: Vec<Found> = scan(state, &[])
        .await?
        .into_iter()
        .filter_map(|loaded| {
            let hits = search.find(&passages(&loaded.state));
            if hits.is_empty() {
                return None;
            }
            let withheld = data_protection_view(&AccessFacts::from_state(&loaded.state))
                == DataProtectionView::WithheldForReview;
            Some(Found {
                loaded,
                hits,
                withheld,
            })
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.loaded.summary.occurred_at));
    let capped = found.len() > CAP;
    found.truncate(CAP);
    Ok((found, capped))
}

fn shown(f: &Found) -> SubjectResult {
    let s = &f.loaded.summary;
    SubjectResult {
        id: Some(s.id),
        withheld: false,
        kind: kind_words(s.kind).to_owned(),
        title: Some(s.title.clone()),
        occurred_at: Some(s.occurred_at),
        hits: f.hits.clone(),
        note: None,
    }
}

fn withheld(note: String) -> SubjectResult {
    SubjectResult {
        id: None,
        withheld: true,
        kind: "Intelligence".to_owned(),
        title: None,
        occurred_at: None,
        hits: Vec::new(),
        note: Some(note),
    }
}

/// A page of what a search finds; logged (the records shown on it) with the purpose.
pub async fn search(
    state: &HqState,
    by: &Officer,
    params: &SubjectSearchParams,
    purpose: String,
) -> Result<SubjectResults, ApiError> {
    let q = params.query();
    let search = checked(&q)?;
    let (found, capped) = find(state, &search).await?;
    let per_page = params.per_page.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let total = found.len() as u32;
    let pages = total.div_ceil(per_page).max(1);
    let page = params.page.unwrap_or(1).clamp(1, pages);
    let withheld_n = found.iter().filter(|f| f.withheld).count() as u32;
    let results: Vec<SubjectResult> = found
        .iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
        .map(|f| {
            if f.withheld {
                withheld(WITHHELD_NOTE.to_owned())
            } else {
                shown(f)
            }
        })
        .collect();
    let ids: Vec<RecordId> = results.iter().filter_map(|r| r.id).collect();
    let asked = q.words();
    log_disclosure_for(
        state,
        &by.id,
        "subject_access",
        ids.clone(),
        format!(
            "Subject access search for {asked}: page {page} of {pages}, {} shown, {} withheld for the intelligence unit's review",
            ids.len(),
            results.len() - ids.len()
        ),
        purpose,
    )
    .await?;
    Ok(SubjectResults {
        asked,
        results,
        total,
        shown: total - withheld_n,
        withheld: withheld_n,
        page,
        pages,
        capped,
        cap: CAP as u32,
    })
}

// ---------------------------------------------------------------------------------------------
// Requests

/// A new request: its reference (the force's, e.g. `SAR-2026-0142`) and what to look for.
#[derive(Debug, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct NewSubjectRequest {
    pub reference: String,
    pub query: SubjectQuery,
}

/// The records a request found, as kept: ids only.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Item {
    record_id: RecordId,
    withheld: bool,
}

/// A request in a list.
#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SubjectRequestSummary {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub reference: String,
    pub asked: String,
    /// Who made it, e.g. `Fiona Mensah (DP0001)`.
    pub made_by: String,
    pub made_at: DateTime<Utc>,
    pub shown: u32,
    pub withheld: u32,
    /// Withheld records the intelligence unit has not yet decided.
    pub waiting: u32,
}

/// A withheld record of a request as the data protection officer sees it: only the decision.
#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct WithheldItem {
    /// 1, 2, ... within the request.
    pub item: u32,
    /// "Waiting for the intelligence unit's review", "Disclose", "Disclose redacted", "Withhold".
    pub decision: String,
    pub decided: bool,
    /// What may be disclosed (disclose: the texts that mention the person; disclose redacted:
    /// the intelligence unit's text).
    pub disclosed_text: Option<String>,
    pub exemption: Option<String>,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SubjectRequestView {
    #[serde(flatten)]
    pub summary: SubjectRequestSummary,
    pub purpose: String,
    pub records: Vec<SubjectResult>,
    pub withheld_items: Vec<WithheldItem>,
    /// Records found when the request was made that HQ no longer holds (disposed of).
    pub no_longer_held: u32,
}

fn items(row: &SubjectRequestRow) -> Result<Vec<Item>, ApiError> {
    serde_json::from_str(&row.items_json)
        .map_err(|e| ApiError::Internal(format!("a subject access request's records: {e}")))
}

fn query_of(row: &SubjectRequestRow) -> Result<SubjectQuery, ApiError> {
    serde_json::from_str(&row.query_json)
        .map_err(|e| ApiError::Internal(format!("a subject access request's query: {e}")))
}

/// The latest decision on each record of each request.
fn latest(decisions: Vec<RedactionRow>) -> HashMap<(Uuid, RecordId), RedactionRow> {
    decisions
        .into_iter()
        .map(|d| ((d.request_id, d.record_id), d))
        .collect()
}

fn summary(
    row: &SubjectRequestRow,
    items: &[Item],
    decided: &HashMap<(Uuid, RecordId), RedactionRow>,
    names: &OfficerNames,
) -> SubjectRequestSummary {
    let withheld = items.iter().filter(|i| i.withheld).count() as u32;
    SubjectRequestSummary {
        id: row.id,
        reference: row.reference.clone(),
        asked: row.asked.clone(),
        made_by: names.get(&row.created_by),
        made_at: row.created_at,
        shown: items.len() as u32 - withheld,
        withheld,
        waiting: items
            .iter()
            .filter(|i| i.withheld && !decided.contains_key(&(row.id, i.record_id)))
            .count() as u32,
    }
}

/// Make a request: search, keep what was found (ids), log it. Refused when more than [`CAP`]
/// records match.
pub async fn create(
    state: &HqState,
    by: &Officer,
    new: &NewSubjectRequest,
    purpose: String,
) -> Result<SubjectRequestView, ApiError> {
    let mut errs = ValidationErrors::new();
    errs.require_text("reference", &new.reference, "The request's reference");
    errs.max_len("reference", &new.reference, 100);
    let search = match new.query.search() {
        Ok(s) => Some(s),
        Err(e) => {
            errs.nest("query", e);
            None
        }
    };
    errs.into_result().map_err(ApiError::Invalid)?;
    let search = search.unwrap_or_default();
    let (found, capped) = find(state, &search).await?;
    if capped {
        let mut errs = ValidationErrors::new();
        errs.add(
            "query",
            "too_many",
            format!("more than {CAP} records match: narrow the search before making the request"),
        );
        return Err(ApiError::Invalid(errs));
    }
    let items: Vec<Item> = found
        .iter()
        .map(|f| Item {
            record_id: f.loaded.summary.id,
            withheld: f.withheld,
        })
        .collect();
    let row = SubjectRequestRow {
        id: Uuid::now_v7(),
        reference: new.reference.trim().to_owned(),
        asked: new.query.words(),
        query_json: serde_json::to_string(&new.query)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
        items_json: serde_json::to_string(&items).map_err(|e| ApiError::Internal(e.to_string()))?,
        purpose: purpose.clone(),
        created_by: by.id.clone(),
        created_at: Utc::now(),
    };
    state.storage.put_subject_request(&row).await?;
    log_disclosure_for(
        state,
        &by.id,
        "subject_access_request",
        Vec::new(),
        format!(
            "Subject access request {} made for {}: {} records found, {} withheld for the intelligence unit's review",
            row.reference,
            row.asked,
            items.len(),
            items.iter().filter(|i| i.withheld).count()
        ),
        purpose.clone(),
    )
    .await?;
    view(state, by, row.id, purpose).await
}

/// Every request, newest first (the latest 200).
pub async fn list(state: &HqState) -> Result<Vec<SubjectRequestSummary>, ApiError> {
    let rows = state.storage.subject_requests(200).await?;
    let decided = latest(state.storage.redactions(None).await?);
    let names = OfficerNames::load(state.storage.as_ref()).await?;
    rows.iter()
        .map(|r| Ok(summary(r, &items(r)?, &decided, &names)))
        .collect()
}

async fn request_row(state: &HqState, id: Uuid) -> Result<SubjectRequestRow, ApiError> {
    state
        .storage
        .subject_request(id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such subject access request".into()))
}

/// The texts of a record that mention the person, for a "disclose" decision.
fn mentioning(passages: &[Passage], hits: &[Hit]) -> String {
    let mut out: Vec<String> = Vec::new();
    for p in passages {
        if hits.iter().any(|h| h.place == p.place) {
            let line = format!("{}: {}", p.place, p.text);
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out.join("\n")
}

/// A request's records read now: shown ones with their matches, withheld ones with their
/// decision only.
struct Read {
    row: SubjectRequestRow,
    summary: SubjectRequestSummary,
    shown: Vec<(Found, Vec<Passage>)>,
    withheld: Vec<WithheldItem>,
    /// Withheld records decided "disclose" or "disclose redacted".
    disclosed: Vec<RecordId>,
    no_longer_held: u32,
}

async fn read(state: &HqState, id: Uuid) -> Result<Read, ApiError> {
    let row = request_row(state, id).await?;
    let items = items(&row)?;
    let search = query_of(&row)?.search().unwrap_or_default();
    let decided = latest(state.storage.redactions(Some(id)).await?);
    let names = OfficerNames::load(state.storage.as_ref()).await?;
    let summary = summary(&row, &items, &decided, &names);
    let (mut shown, mut withheld, mut disclosed, mut gone) =
        (Vec::new(), Vec::new(), Vec::new(), 0);
    for (n, item) in items.iter().enumerate() {
        let loaded = match state.storage.record(item.record_id).await? {
            Some(change) => load(change),
            None => None,
        };
        let Some(loaded) = loaded else {
            gone += 1;
            continue;
        };
        let texts = passages(&loaded.state);
        let hits = search.find(&texts);
        if !item.withheld {
            shown.push((
                Found {
                    loaded,
                    hits,
                    withheld: false,
                },
                texts,
            ));
            continue;
        }
        let d = decided.get(&(id, item.record_id));
        let decision = d.and_then(|d| RedactionDecision::parse(&d.decision));
        let disclosed_text = match decision {
            Some(RedactionDecision::Disclose) => Some(mentioning(&texts, &hits)),
            Some(RedactionDecision::DiscloseRedacted) => d.map(|d| d.text.clone()),
            _ => None,
        };
        if matches!(
            decision,
            Some(RedactionDecision::Disclose | RedactionDecision::DiscloseRedacted)
        ) {
            disclosed.push(item.record_id);
        }
        withheld.push(WithheldItem {
            item: n as u32 + 1,
            decision: decision
                .map_or("Waiting for the intelligence unit's review", |d| d.words())
                .to_owned(),
            decided: decision.is_some(),
            disclosed_text,
            exemption: d.map(|d| d.exemption.clone()).filter(|e| !e.is_empty()),
            reason: d.map(|d| d.reason.clone()),
            decided_by: d.map(|d| names.get(&d.decided_by)),
            decided_at: d.map(|d| d.decided_at),
        });
    }
    Ok(Read {
        row,
        summary,
        shown,
        withheld,
        disclosed,
        no_longer_held: gone,
    })
}

/// A request with its records as they stand; logged (the records shown) with the purpose.
pub async fn view(
    state: &HqState,
    by: &Officer,
    id: Uuid,
    purpose: String,
) -> Result<SubjectRequestView, ApiError> {
    let r = read(state, id).await?;
    let records: Vec<SubjectResult> = r.shown.iter().map(|(f, _)| shown(f)).collect();
    let mut ids: Vec<RecordId> = records.iter().filter_map(|x| x.id).collect();
    ids.extend(&r.disclosed);
    log_disclosure_for(
        state,
        &by.id,
        "subject_access_request",
        ids,
        format!("Opened subject access request {}", r.row.reference),
        purpose.clone(),
    )
    .await?;
    Ok(SubjectRequestView {
        summary: r.summary,
        purpose: r.row.purpose,
        records,
        withheld_items: r.withheld,
        no_longer_held: r.no_longer_held,
    })
}

// ---------------------------------------------------------------------------------------------
// The intelligence unit's review

/// A withheld record waiting for (or given) the intelligence unit's decision, in full.
#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RedactionItem {
    #[schema(value_type = String, format = Uuid)]
    pub request_id: Uuid,
    pub reference: String,
    /// What the data protection officer looked for.
    pub asked: String,
    #[schema(value_type = String, format = Uuid)]
    pub record_id: RecordId,
    pub kind: String,
    pub title: String,
    pub occurred_at: DateTime<Utc>,
    pub hits: Vec<Hit>,
    /// Every text of the record, where it is ("Notes", "Name"...).
    pub texts: Vec<RecordText>,
    /// The latest decision, if any.
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub exemption: Option<String>,
    pub reason: Option<String>,
    pub redacted_text: Option<String>,
}

#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RecordText {
    pub place: String,
    pub text: String,
}

#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RedactionQueue {
    /// Waiting for a decision, oldest request first.
    pub waiting: Vec<RedactionItem>,
    /// Decided, newest request first.
    pub decided: Vec<RedactionItem>,
    /// The exemptions a record may be withheld under.
    pub exemptions: Vec<String>,
}

/// Every withheld record of the latest 200 requests, for the intelligence unit; logged (the
/// records shown) with the requests' references as the purpose.
pub async fn queue(state: &HqState, by: &Officer) -> Result<RedactionQueue, ApiError> {
    let rows = state.storage.subject_requests(200).await?;
    let decided = latest(state.storage.redactions(None).await?);
    let names = OfficerNames::load(state.storage.as_ref()).await?;
    let (mut waiting, mut done) = (Vec::new(), Vec::new());
    for row in &rows {
        let search = query_of(row)?.search().unwrap_or_default();
        for item in items(row)?.into_iter().filter(|i| i.withheld) {
            let Some(loaded) = state.storage.record(item.record_id).await?.and_then(load) else {
                continue;
            };
            let texts = passages(&loaded.state);
            let d = decided.get(&(row.id, item.record_id));
            let entry = RedactionItem {
                request_id: row.id,
                reference: row.reference.clone(),
                asked: row.asked.clone(),
                record_id: item.record_id,
                kind: kind_words(loaded.summary.kind).to_owned(),
                title: loaded.summary.title.clone(),
                occurred_at: loaded.summary.occurred_at,
                hits: search.find(&texts),
                texts: texts
                    .into_iter()
                    .map(|p| RecordText {
                        place: p.place,
                        text: p.text,
                    })
                    .collect(),
                decision: d
                    .and_then(|d| RedactionDecision::parse(&d.decision))
                    .map(|d| d.words().to_owned()),
                decided_by: d.map(|d| names.get(&d.decided_by)),
                decided_at: d.map(|d| d.decided_at),
                exemption: d.map(|d| d.exemption.clone()).filter(|e| !e.is_empty()),
                reason: d.map(|d| d.reason.clone()),
                redacted_text: d.map(|d| d.text.clone()).filter(|t| !t.is_empty()),
            };
            if d.is_some() {
                done.push(entry);
            } else {
                waiting.push(entry);
            }
        }
    }
    waiting.reverse();
    let ids: Vec<RecordId> = waiting.iter().chain(&done).map(|i| i.record_id).collect();
    let mut refs: Vec<&str> = waiting
        .iter()
        .chain(&done)
        .map(|i| i.reference.as_str())
        .collect();
    refs.dedup();
    log_disclosure_for(
        state,
        &by.id,
        "subject_access_review",
        ids,
        format!(
            "Subject access review: {} waiting, {} decided",
            waiting.len(),
            done.len()
        ),
        if refs.is_empty() {
            "Subject access review".to_owned()
        } else {
            format!("Subject access review: {}", refs.join(", "))
        },
    )
    .await?;
    Ok(RedactionQueue {
        waiting,
        decided: done,
        exemptions: beatbook_domain::subject::EXEMPTIONS
            .iter()
            .map(|e| (*e).to_owned())
            .collect(),
    })
}

/// A decision as the page sends it: which record of which request, and the decision.
#[derive(Debug, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RedactionRequest {
    #[schema(value_type = String, format = Uuid)]
    pub request_id: Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub record_id: RecordId,
    #[serde(flatten)]
    pub input: RedactionInput,
}

/// Record the intelligence unit's decision on a withheld record; logged.
pub async fn decide(state: &HqState, by: &Officer, r: &RedactionRequest) -> Result<(), ApiError> {
    let row = request_row(state, r.request_id).await?;
    if !items(&row)?
        .iter()
        .any(|i| i.withheld && i.record_id == r.record_id)
    {
        return Err(ApiError::NotFound(
            "that record is not one this subject access request withheld".into(),
        ));
    }
    let loaded = state
        .storage
        .record(r.record_id)
        .await?
        .and_then(load)
        .ok_or_else(|| ApiError::NotFound("HQ no longer holds that record".into()))?;
    let originals: Vec<String> = passages(&loaded.state)
        .into_iter()
        .map(|p| p.text)
        .collect();
    r.input.validate(&originals).map_err(ApiError::Invalid)?;
    let i = &r.input;
    state
        .storage
        .add_redaction(&RedactionRow {
            request_id: r.request_id,
            record_id: r.record_id,
            decision: i.decision.as_str().to_owned(),
            text: match i.decision {
                RedactionDecision::DiscloseRedacted => {
                    i.text.as_deref().unwrap_or_default().trim().to_owned()
                }
                _ => String::new(),
            },
            exemption: match i.decision {
                RedactionDecision::Withhold => i.exemption.clone().unwrap_or_default(),
                _ => String::new(),
            },
            reason: i.reason.trim().to_owned(),
            decided_by: by.id.clone(),
            decided_at: Utc::now(),
        })
        .await?;
    let exemption = match i.decision {
        RedactionDecision::Withhold => format!(" under {}", i.exemption.as_deref().unwrap_or("")),
        _ => String::new(),
    };
    log_disclosure_for(
        state,
        &by.id,
        "subject_access_redaction",
        vec![r.record_id],
        format!(
            "Decision for subject access request {}: {}{exemption}",
            row.reference,
            i.decision.words()
        ),
        format!("Subject access review: {}", row.reference),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// The pack

/// One disclosure of a record: who received it, when, how, and why.
#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Disclosure {
    pub at: DateTime<Utc>,
    /// The officer, e.g. `Sam Patel (PC2290)`.
    pub to: String,
    /// "Sent to a device", "Opened", "Searched", "Subject access search"...
    pub how: String,
    pub purpose: String,
}

#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct PackRecord {
    pub kind: String,
    pub title: String,
    pub occurred_at: DateTime<Utc>,
    pub matched: Vec<Hit>,
    /// Every text the record holds (every version and update).
    pub content: Vec<RecordText>,
    pub disclosures: Vec<Disclosure>,
}

#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct PackWithheld {
    pub item: u32,
    pub decision: String,
    pub disclosed_text: Option<String>,
    pub exemption: Option<String>,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SubjectAccessPack {
    pub reference: String,
    pub asked: String,
    pub made_by: String,
    pub made_at: DateTime<Utc>,
    pub exported_by: String,
    pub exported_at: DateTime<Utc>,
    pub records: Vec<PackRecord>,
    /// The intelligence unit's decision on each record withheld for its review.
    pub withheld: Vec<PackWithheld>,
    /// Withheld records not yet decided.
    pub waiting: u32,
    pub no_longer_held: u32,
}

async fn disclosures(
    state: &HqState,
    id: RecordId,
    names: &OfficerNames,
) -> Result<Vec<Disclosure>, ApiError> {
    Ok(state
        .storage
        .access_log(&AccessQuery {
            record_id: Some(id),
            limit: HISTORY,
            ..AccessQuery::default()
        })
        .await?
        .into_iter()
        .filter(|e| e.action != REFUSED)
        .map(|e| Disclosure {
            at: e.at,
            to: names.get(&e.officer_id),
            how: action_words(&e.action),
            purpose: e.purpose,
        })
        .collect())
}

/// The pack of a request: every shown record in full with its disclosure history, and the
/// intelligence unit's decisions. Logged as an export (the records in it), with the request's
/// reference as the purpose.
pub async fn pack(state: &HqState, by: &Officer, id: Uuid) -> Result<SubjectAccessPack, ApiError> {
    let r = read(state, id).await?;
    let names = OfficerNames::load(state.storage.as_ref()).await?;
    // The history is read before this export is logged: it lists who had the records before.
    let mut records = Vec::with_capacity(r.shown.len());
    for (f, texts) in &r.shown {
        let s = &f.loaded.summary;
        records.push(PackRecord {
            kind: kind_words(s.kind).to_owned(),
            title: s.title.clone(),
            occurred_at: s.occurred_at,
            matched: f.hits.clone(),
            content: texts
                .iter()
                .map(|p| RecordText {
                    place: p.place.clone(),
                    text: p.text.clone(),
                })
                .collect(),
            disclosures: disclosures(state, s.id, &names).await?,
        });
    }
    let mut ids: Vec<RecordId> = r.shown.iter().map(|(f, _)| f.loaded.summary.id).collect();
    ids.extend(&r.disclosed);
    let waiting = r.withheld.iter().filter(|w| !w.decided).count() as u32;
    let words = format!(
        "Subject access pack for request {}: {} records, {} decided by the intelligence unit, {} waiting",
        r.row.reference,
        records.len(),
        r.withheld.len() as u32 - waiting,
        waiting
    );
    log_disclosure_for(
        state,
        &by.id,
        "subject_access_export",
        ids,
        words.clone(),
        format!("Subject access request {}", r.row.reference),
    )
    .await?;
    // An export takes personal data out of HQ: the admin log has it too.
    crate::admin_log::record(
        state,
        crate::admin_log::AdminEvent::new(
            Some(&by.id),
            "subject_access_export",
            format!("{words}; exported by {}", by.name),
        ),
    )
    .await?;
    Ok(SubjectAccessPack {
        reference: r.row.reference,
        asked: r.row.asked,
        made_by: r.summary.made_by,
        made_at: r.summary.made_at,
        exported_by: names.get(&by.id),
        exported_at: Utc::now(),
        records,
        withheld: r
            .withheld
            .into_iter()
            .map(|w| PackWithheld {
                item: w.item,
                decision: w.decision,
                disclosed_text: w.disclosed_text,
                exemption: w.exemption,
                reason: w.reason,
                decided_by: w.decided_by,
                decided_at: w.decided_at,
            })
            .collect(),
        waiting,
        no_longer_held: r.no_longer_held,
    })
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M").to_string()
}

/// The pack as a printable page: the same content as the JSON, in words.
pub fn pack_html(p: &SubjectAccessPack) -> String {
    let mut h = String::new();
    h.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str(&format!(
        "<title>Subject access request {}</title>",
        esc(&p.reference)
    ));
    h.push_str("<style>body{font:11pt/1.4 system-ui,sans-serif;margin:2em;max-width:60em}h1{font-size:16pt}h2{font-size:13pt;margin-top:2em;border-bottom:1px solid #999}h3{font-size:11pt}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}p.text{white-space:pre-wrap}section{break-inside:avoid-page}@media print{body{margin:0}}</style></head><body>");
    h.push_str(&format!(
        "<h1>Subject access request {}</h1>",
        esc(&p.reference)
    ));
    h.push_str(&format!(
        "<p>Looked for: {}.<br>Request made by {} on {}.<br>Pack exported by {} on {}.</p>",
        esc(&p.asked),
        esc(&p.made_by),
        day(p.made_at),
        esc(&p.exported_by),
        day(p.exported_at)
    ));
    let records = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 record {one}")
        } else {
            format!("{n} records {many}")
        }
    };
    let reviewed = (p.withheld.len() as u32 - p.waiting) as usize;
    h.push_str(&format!(
        "<p>{} in full below. {} by the intelligence unit{}.{}</p>",
        records(p.records.len(), "is disclosed", "are disclosed"),
        records(reviewed, "was reviewed", "were reviewed"),
        if p.waiting > 0 {
            format!(
                "; {} for its review",
                records(p.waiting as usize, "still waits", "still wait")
            )
        } else {
            String::new()
        },
        if p.no_longer_held > 0 {
            format!(
                " {} when the request was made {} no longer held.",
                records(p.no_longer_held as usize, "found", "found"),
                if p.no_longer_held == 1 { "is" } else { "are" }
            )
        } else {
            String::new()
        }
    ));
    h.push_str("<h2>Records</h2>");
    for (i, r) in p.records.iter().enumerate() {
        h.push_str(&format!(
            "<section><h3>{}. {}: {}</h3><p>{}</p>",
            i + 1,
            esc(&r.kind),
            esc(&r.title),
            day(r.occurred_at)
        ));
        h.push_str("<table><tr><th>Where</th><th>Text</th></tr>");
        for c in &r.content {
            h.push_str(&format!(
                "<tr><td>{}</td><td><p class=\"text\">{}</p></td></tr>",
                esc(&c.place),
                esc(&c.text)
            ));
        }
        h.push_str("</table><h3>Disclosure history</h3>");
        if r.disclosures.is_empty() {
            h.push_str("<p>Not disclosed to anyone before this request.</p>");
        } else {
            h.push_str("<table><tr><th>When</th><th>To</th><th>How</th><th>Why</th></tr>");
            for d in &r.disclosures {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    day(d.at),
                    esc(&d.to),
                    esc(&d.how),
                    esc(if d.purpose.is_empty() {
                        "(not recorded)"
                    } else {
                        &d.purpose
                    })
                ));
            }
            h.push_str("</table>");
        }
        h.push_str("</section>");
    }
    h.push_str("<h2>Reviewed by the intelligence unit</h2>");
    if p.withheld.is_empty() {
        h.push_str("<p>None.</p>");
    }
    for w in &p.withheld {
        h.push_str(&format!(
            "<section><h3>Item {}: {}</h3>",
            w.item,
            esc(&w.decision)
        ));
        if let (Some(by), Some(at)) = (&w.decided_by, w.decided_at) {
            h.push_str(&format!("<p>Decided by {} on {}.</p>", esc(by), day(at)));
        }
        if let Some(e) = &w.exemption {
            h.push_str(&format!("<p>Exemption: {}</p>", esc(e)));
        }
        if let Some(r) = &w.reason {
            h.push_str(&format!("<p>Reason: {}</p>", esc(r)));
        }
        if let Some(t) = &w.disclosed_text {
            h.push_str(&format!(
                "<p>Disclosed:</p><p class=\"text\">{}</p>",
                esc(t)
            ));
        }
        h.push_str("</section>");
    }
    h.push_str("</body></html>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_pack_escapes_what_records_say() {
        let p = SubjectAccessPack {
            reference: "SAR<1>".into(),
            asked: "name “A”".into(),
            made_by: "Fiona Mensah (DP0001)".into(),
            made_at: Utc::now(),
            exported_by: "Fiona Mensah (DP0001)".into(),
            exported_at: Utc::now(),
            records: vec![PackRecord {
                kind: "Concern".into(),
                title: "t".into(),
                occurred_at: Utc::now(),
                matched: vec![],
                content: vec![RecordText {
                    place: "Description".into(),
                    text: "<script>alert(1)</script>".into(),
                }],
                disclosures: vec![],
            }],
            withheld: vec![],
            waiting: 0,
            no_longer_held: 0,
        };
        let h = pack_html(&p);
        assert!(!h.contains("<script>"));
        assert!(h.contains("&lt;script&gt;"));
        assert!(h.contains("SAR&lt;1&gt;"));
        assert!(h.contains("Not disclosed to anyone before this request."));
    }
}
