//! The records lifecycle at HQ: the records manager's review queue, decisions (retain, dispose,
//! hold, release) taken all or nothing on one record or a filtered set, the erasure that follows
//! a disposal (the record, its op texts, its photo files), the force's automatic sweep, and the
//! logs' own retention. The dashboard (`dashboard::retention`) and `beatbook hq admin retention`
//! both call these functions, so a rule holds for both. The rules themselves are the domain's
//! (`beatbook_domain::retention`); storage applies a decision in one transaction with its
//! chained log entry (`storage::Retention`).
//!
//! Invariants:
//! - A decision is checked against every record it names before anything changes; one refusal
//!   refuses the whole decision.
//! - Nothing on hold is disposed of, by hand or by the sweep (the domain checks, and storage
//!   refuses a dispose that meets a hold inside its transaction).
//! - Erasure is resumable: a disposed record stays pending until erased, and a disposal's photo
//!   files stay listed until removed; [`erase_now`] finishes whatever a cut left, and runs at
//!   startup ([`resume`]) and after every sweep.
//! - Several HQ processes may sweep and erase at once: storage claims work in write
//!   transactions, and a decision that lost a race to another process is skipped, not retried.

use crate::dashboard::audit::AccessEntry;
use crate::error::ApiError;
use crate::records::OfficerNames;
use crate::storage::{DecisionEntry, NewDecision, RetentionQuery, Storage};
use crate::HqState;
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::photo::is_sha256_hex;
use beatbook_domain::protocol::DisposalsResponse;
use beatbook_domain::retention::{
    check_decision, check_reason, latest_retain_until, sweep_disposes, Decision,
};
use beatbook_domain::validation::ValidationErrors;
use beatbook_domain::{AreaId, OfficerId, RecordId, RecordKind, TeamId};
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Who the automatic sweep decides as, in the decisions log.
pub const SWEEP_OFFICER: &str = "HQ";
/// The reason the sweep gives for every disposal.
pub const SWEEP_REASON: &str = "automatic disposal after review date (force setting)";
/// Records erased per storage transaction.
pub const ERASE_BATCH: u32 = 1_000;
/// The most records one decision may name (or one filter match): a larger set is decided in
/// parts, by narrowing the filter.
pub const MAX_DECISION_RECORDS: u32 = 100_000;
/// Queue rows answered by default, and at most.
pub const DEFAULT_QUEUE_LIMIT: u32 = 100;
pub const MAX_QUEUE_LIMIT: u32 = 1_000;
/// The widest "due within" window: ten years.
pub const MAX_WITHIN_DAYS: u32 = 3_650;

/// Which records the review queue lists (every part that is set must match): due for review
/// within `within_days` of today (0, the default: due today or overdue), of a kind, in a team's
/// areas or one area, created between two days.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ts_rs::TS,
    utoipa::IntoParams,
    utoipa::ToSchema,
)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct QueueQuery {
    /// Due within this many days from today; 0 (the default) lists records due today or overdue.
    #[ts(optional)]
    #[param(minimum = 0, maximum = 3650)]
    pub within_days: Option<u32>,
    #[ts(optional)]
    #[param(value_type = Option<String>, pattern = "^(concern|intel_report|intel_source|meeting|priority|patrol_log|engagement|action)$")]
    #[schema(value_type = Option<String>)]
    pub kind: Option<RecordKind>,
    /// A team: records in any of its areas.
    #[ts(optional)]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub team: Option<TeamId>,
    #[ts(optional)]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub area: Option<AreaId>,
    /// Created on or after this day (`2026-12-06`).
    #[ts(optional)]
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<NaiveDate>,
    /// Created on or before this day.
    #[ts(optional)]
    #[param(pattern = r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<NaiveDate>,
    /// At most this many rows (1 to 1000, default 100); `total` says how many match.
    #[ts(optional)]
    #[param(minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::extract::ranged::<_, 1, 1000>")]
    pub limit: Option<u32>,
}

/// One decision as the decisions log shows it to a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DecisionView {
    #[ts(type = "number")]
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// Who decided, e.g. `Jo Reid (RM0101)`, or `HQ (automatic sweep)`.
    pub by_name: String,
    #[schema(value_type = Object)]
    pub decision: Decision,
    /// The decision in words: `retained until 6 Dec 2030`, `disposed of`, `put on hold`, ...
    pub decision_words: String,
    pub reason: String,
    /// How many records it covered.
    #[ts(type = "number")]
    pub count: u64,
}

/// One record in the review queue. Intelligence is named by its kind only: a records manager
/// decides on it without reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RetentionItem {
    #[schema(value_type = String, format = Uuid)]
    pub id: RecordId,
    /// The record's reference, e.g. `4D2P-F2DB`.
    pub reference: String,
    #[schema(value_type = String)]
    pub kind: RecordKind,
    /// The kind in words (`Concern`, `Patrol log`).
    pub kind_label: String,
    pub title: String,
    pub occurred_at: DateTime<Utc>,
    /// When it is (or was) due for review.
    pub review_on: NaiveDate,
    /// The latest date it may be retained until, decided today (the kind's maximum).
    pub latest_retain_until: NaiveDate,
    /// Its areas, by name.
    pub areas: Vec<String>,
    /// Why it is on hold, if it is.
    pub hold: Option<String>,
    /// The last decision taken on it.
    pub last: Option<DecisionView>,
}

/// The review queue: a page of records, how many match in all, and the latest decisions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RetentionQueue {
    /// Oldest review date first.
    pub items: Vec<RetentionItem>,
    #[ts(type = "number")]
    pub total: u64,
    /// The latest decisions, newest first.
    pub latest: Vec<DecisionView>,
}

/// A records manager's decision: on the records named, or on every record a queue filter
/// matches, with one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DecisionRequest {
    /// The records, by id; or leave out and give `filter`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub records: Option<Vec<RecordId>>,
    /// Every record the queue lists for this filter ("all N matching").
    #[serde(default)]
    pub filter: Option<QueueQuery>,
    /// `{"decision": "retain", "until": "2030-12-06"}`, `{"decision": "dispose"}`,
    /// `{"decision": "hold"}` or `{"decision": "release"}`.
    #[schema(value_type = Object)]
    pub decision: Decision,
    pub reason: String,
}

/// What erasure did: records erased, photos whose files were removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Erasure {
    pub records: u64,
    pub photos: u64,
}

/// What a sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Records the sweep decided to dispose of.
    pub disposed: u64,
    pub erased: Erasure,
    /// Log rows whose text or detail was cleared under the logs' retention.
    pub log_rows_cleared: u64,
    /// Expired sessions removed (devices' and the dashboard's; see `crate::device_sessions`).
    pub sessions_removed: u64,
}

impl SweepReport {
    /// In words, for the CLI and the log.
    pub fn describe(&self) -> String {
        format!(
            "Disposed of {} past review; erased {} record(s) and {} photo(s); cleared the detail of {} old log row(s).",
            count(self.disposed, "record"),
            self.erased.records,
            self.erased.photos,
            self.log_rows_cleared
        )
    }
}

fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A date as a person reads it: `6 Dec 2026`.
pub fn day_words(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// Refuse unless `officer` is a records manager (for the CLI, which has no session; the
/// dashboard asks `HqAction::ReviewRetention`).
pub fn require_records_manager(officer: &Officer) -> Result<(), ApiError> {
    if officer.role == Role::RecordsManager {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "{} is not a records manager: only a records manager reviews retention",
            officer.id
        )))
    }
}

fn by_name(names: &OfficerNames, id: &OfficerId) -> String {
    if id.as_str() == SWEEP_OFFICER {
        "HQ (automatic sweep)".into()
    } else {
        names.get(id)
    }
}

fn view(names: &OfficerNames, e: &DecisionEntry) -> DecisionView {
    DecisionView {
        seq: e.seq,
        at: e.at,
        by_name: by_name(names, &e.officer_id),
        decision: e.decision.clone(),
        decision_words: e.decision.words(),
        reason: e.reason.clone(),
        count: e.record_ids.len() as u64,
    }
}

/// The storage query a queue filter means, or why it is not valid. `None` when it can match
/// nothing (a team and an area that share none).
async fn storage_query(
    storage: &dyn Storage,
    q: &QueueQuery,
    today: NaiveDate,
    limit: u32,
) -> Result<Option<RetentionQuery>, ApiError> {
    let mut errs = ValidationErrors::new();
    let within = q.within_days.unwrap_or(0);
    if within > MAX_WITHIN_DAYS {
        errs.add(
            "within_days",
            "too_large",
            format!("choose a window of at most {MAX_WITHIN_DAYS} days"),
        );
    }
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from > to {
            errs.add("to", "before_from", "the last day is before the first");
        }
    }
    let mut areas: Vec<AreaId> = Vec::new();
    if let Some(team) = &q.team {
        match storage.teams().await?.into_iter().find(|t| &t.id == team) {
            Some(t) => areas = t.areas,
            None => errs.add("team", "unknown", format!("there is no team {team}")),
        }
    }
    if let Some(area) = &q.area {
        if !storage.areas().await?.iter().any(|a| &a.id == area) {
            errs.add("area", "unknown", format!("there is no area {area}"));
        } else if q.team.is_some() {
            if !areas.contains(area) {
                return Ok(None);
            }
            areas = vec![area.clone()];
        } else {
            areas = vec![area.clone()];
        }
    }
    errs.into_result()?;
    if q.team.is_some() && areas.is_empty() {
        // A team with no areas covers no records.
        return Ok(None);
    }
    Ok(Some(RetentionQuery {
        due_by: today + chrono::Days::new(u64::from(within)),
        kinds: q.kind.into_iter().collect(),
        areas,
        from: q.from,
        to: q.to,
        limit,
    }))
}

/// The review queue for `q`, as `by` (a records manager) sees it; the records listed are
/// written to the access log first.
pub async fn queue(
    state: &HqState,
    by: &OfficerId,
    q: &QueueQuery,
) -> Result<RetentionQueue, ApiError> {
    let storage = state.storage.as_ref();
    let today = Utc::now().date_naive();
    let limit = q
        .limit
        .unwrap_or(DEFAULT_QUEUE_LIMIT)
        .clamp(1, MAX_QUEUE_LIMIT);
    let names = OfficerNames::load(storage).await?;
    let latest: Vec<DecisionView> = storage
        .decisions(10)
        .await?
        .iter()
        .map(|e| view(&names, e))
        .collect();
    let Some(query) = storage_query(storage, q, today, limit).await? else {
        return Ok(RetentionQueue {
            items: Vec::new(),
            total: 0,
            latest,
        });
    };
    let page = storage.retention_queue(&query).await?;
    let area_names: HashMap<AreaId, String> = storage
        .areas()
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let kind = row.lifecycle.kind;
        let kind_label = crate::admin::kind_words(kind).to_owned();
        let id = row.change.record_id;
        let areas = row
            .change
            .facts
            .areas
            .iter()
            .map(|a| area_names.get(a).cloned().unwrap_or_else(|| a.to_string()))
            .collect();
        let loaded = crate::records::load(row.change);
        let intelligence = matches!(kind, RecordKind::IntelReport | RecordKind::IntelSource);
        let title = match &loaded {
            Some(_) if intelligence => kind_label.clone(),
            Some(l) => l.summary.title.clone(),
            None => format!("{kind_label} (not readable)"),
        };
        items.push(RetentionItem {
            id,
            reference: id.reference(),
            kind,
            kind_label,
            title,
            occurred_at: loaded
                .as_ref()
                .map_or_else(Utc::now, |l| l.summary.occurred_at),
            review_on: row.lifecycle.review_on,
            latest_retain_until: latest_retain_until(kind, today),
            areas,
            hold: row.lifecycle.hold,
            last: row.last.as_ref().map(|e| view(&names, e)),
        });
    }
    storage
        .log_access(&AccessEntry {
            at: Utc::now(),
            officer_id: by.clone(),
            device_id: None,
            action: "search".into(),
            record_ids: items.iter().map(|i| i.id).collect(),
            detail: "retention review queue".into(),
            purpose: String::new(),
        })
        .await?;
    Ok(RetentionQueue {
        items,
        total: page.total,
        latest,
    })
}

/// The ids a decision names: its records, or every record its filter matches.
async fn decision_ids(
    storage: &dyn Storage,
    req: &DecisionRequest,
    today: NaiveDate,
) -> Result<Vec<RecordId>, ApiError> {
    let mut ids = match (&req.records, &req.filter) {
        (Some(ids), None) => ids.clone(),
        (None, Some(filter)) => {
            let Some(query) = storage_query(storage, filter, today, MAX_DECISION_RECORDS).await?
            else {
                return Ok(Vec::new());
            };
            let page = storage.retention_queue(&query).await?;
            if page.total > u64::from(MAX_DECISION_RECORDS) {
                return Err(ApiError::BadRequest(format!(
                    "{} records match: one decision covers at most {MAX_DECISION_RECORDS}; narrow the filter",
                    page.total
                )));
            }
            page.items.iter().map(|r| r.change.record_id).collect()
        }
        _ => {
            return Err(ApiError::BadRequest(
                "name the records, or give the filter they match: one or the other".into(),
            ))
        }
    };
    ids.sort();
    ids.dedup();
    if ids.len() > MAX_DECISION_RECORDS as usize {
        return Err(ApiError::BadRequest(format!(
            "one decision covers at most {MAX_DECISION_RECORDS} records"
        )));
    }
    Ok(ids)
}

/// Take a decision as `by` (a records manager: the caller has checked): every record is checked
/// against the domain's rules first, and one refusal refuses the whole decision with nothing
/// changed (on hold: a conflict; anything else: field errors). A disposal is then erased at once
/// (what a cut leaves is finished by [`resume`]).
pub async fn decide(
    state: &HqState,
    by: &OfficerId,
    req: &DecisionRequest,
) -> Result<DecisionView, ApiError> {
    check_reason(&req.reason)?;
    let storage = state.storage.as_ref();
    let today = Utc::now().date_naive();
    let ids = decision_ids(storage, req, today).await?;
    if ids.is_empty() {
        return Err(ApiError::BadRequest(
            "no records to decide on: choose at least one".into(),
        ));
    }
    let found: HashMap<RecordId, _> = storage.lifecycles(&ids).await?.into_iter().collect();
    if let Some(missing) = ids.iter().find(|id| !found.contains_key(id)) {
        return Err(ApiError::NotFound(format!(
            "HQ holds no record {} (it may have been disposed of)",
            missing.reference()
        )));
    }
    let mut errs = ValidationErrors::new();
    for id in &ids {
        if let Err(e) = check_decision(&req.decision, &req.reason, &found[id], today) {
            if let Some(held) = e.errors.iter().find(|f| f.code == "on_hold") {
                let message = if ids.len() == 1 {
                    held.message.clone()
                } else {
                    format!("record {}: {}", id.reference(), held.message)
                };
                return Err(ApiError::Conflict(message));
            }
            for f in e.errors {
                if !errs.errors.iter().any(|x| x.message == f.message) {
                    errs.errors.push(f);
                }
            }
        }
    }
    errs.into_result()?;
    let entry = storage
        .decide(&NewDecision {
            at: Utc::now(),
            officer_id: by.clone(),
            decision: req.decision.clone(),
            reason: req.reason.trim().to_owned(),
            record_ids: ids,
        })
        .await?;
    if entry.decision == Decision::Dispose {
        if let Err(e) = erase_now(state).await {
            // The disposal stands; the erasure is finished by the next resume or sweep.
            tracing::warn!(error = %e, "erasure after a disposal did not finish; it will resume");
        }
    }
    let names = OfficerNames::load(storage).await?;
    Ok(view(&names, &entry))
}

/// The latest `limit` decisions (1 to 1000, default 50), newest first.
pub async fn decisions(state: &HqState, limit: Option<u32>) -> Result<Vec<DecisionView>, ApiError> {
    let storage = state.storage.as_ref();
    let names = OfficerNames::load(storage).await?;
    Ok(storage
        .decisions(limit.unwrap_or(50).clamp(1, 1_000))
        .await?
        .iter()
        .map(|e| view(&names, e))
        .collect())
}

/// Erase everything waiting: records pending disposal (in batches, one transaction each), then
/// the photo files of disposals not yet done, then compact the database. Safe to run again at
/// any point, and from several processes.
pub async fn erase_now(state: &HqState) -> Result<Erasure, ApiError> {
    let storage = state.storage.as_ref();
    let mut done = Erasure::default();
    loop {
        let erased = storage.erase_pending(ERASE_BATCH).await?;
        if erased.is_empty() {
            break;
        }
        done.records += erased.len() as u64;
    }
    let mut files_touched = false;
    loop {
        let pending = storage.disposals_with_files(ERASE_BATCH).await?;
        if pending.is_empty() {
            break;
        }
        let mut removed = Vec::new();
        let mut failed = false;
        for d in &pending {
            let mut ok = true;
            for sha in d.photos.iter().filter(|s| is_sha256_hex(s)) {
                match crate::photo_files::erase(state, sha, d.record_id).await {
                    Ok(gone) => done.photos += u64::from(gone),
                    Err(e) => {
                        tracing::warn!(error = %e, photo = %sha, "could not remove a disposed photo; will try again");
                        ok = false;
                    }
                }
            }
            if ok {
                removed.push(d.seq);
            } else {
                failed = true;
            }
        }
        if !removed.is_empty() {
            storage.files_removed(&removed).await?;
            files_touched = true;
        }
        if failed {
            // What failed stays listed for the next run; going round again now would spin.
            break;
        }
    }
    if done.records > 0 || files_touched {
        storage.compact_after_disposal().await?;
    }
    Ok(done)
}

/// At startup: finish whatever a cut left (records pending erasure, photo files not removed).
pub async fn resume(state: &HqState) -> Result<Erasure, ApiError> {
    erase_now(state).await
}

/// The force's sweep, as of `now`: records of the kinds the settings say `dispose` whose review
/// date has passed, not on hold, are disposed of (as `HQ`, with [`SWEEP_REASON`]) and erased;
/// then the logs' own retention clears old op texts and access-log detail.
pub async fn sweep(state: &HqState, now: DateTime<Utc>) -> Result<SweepReport, ApiError> {
    let storage = state.storage.as_ref();
    let settings = &state.settings.retention;
    let today = now.date_naive();
    let kinds = settings.swept_kinds();
    let mut report = SweepReport::default();
    while !kinds.is_empty() {
        let ids = storage.past_review(&kinds, today, ERASE_BATCH).await?;
        if ids.is_empty() {
            break;
        }
        let due: Vec<RecordId> = storage
            .lifecycles(&ids)
            .await?
            .into_iter()
            .filter(|(_, l)| kinds.contains(&l.kind) && sweep_disposes(l, today))
            .map(|(id, _)| id)
            .collect();
        let disposed = dispose_as_sweep(storage, due, now).await?;
        report.disposed += disposed;
        let erased = erase_now(state).await?;
        report.erased.records += erased.records;
        report.erased.photos += erased.photos;
        if disposed == 0 {
            // Everything listed was taken by another process or put on hold meanwhile.
            break;
        }
    }
    let erased = erase_now(state).await?;
    report.erased.records += erased.records;
    report.erased.photos += erased.photos;
    let years_back = |years: u32| {
        now.checked_sub_months(Months::new(years.saturating_mul(12)))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    };
    report.log_rows_cleared = storage
        .forget_old_log_text(
            years_back(settings.op_log_text_years),
            years_back(settings.access_log_detail_years),
        )
        .await?;
    report.sessions_removed = storage.forget_expired_sessions(now).await?;
    if report.disposed > 0 || report.erased.records > 0 || report.log_rows_cleared > 0 {
        crate::admin_log::record(
            state,
            crate::admin_log::AdminEvent::new(None, "retention_sweep", report.describe()),
        )
        .await?;
    }
    Ok(report)
}

/// Dispose of `ids` as the sweep: in one decision if possible; if another process (or a hold)
/// got to one first, each on its own, skipping those refused. How many were disposed of.
async fn dispose_as_sweep(
    storage: &dyn Storage,
    ids: Vec<RecordId>,
    now: DateTime<Utc>,
) -> Result<u64, ApiError> {
    use crate::storage::StorageError;
    let decision = |record_ids: Vec<RecordId>| NewDecision {
        at: now,
        officer_id: OfficerId::new(SWEEP_OFFICER),
        decision: Decision::Dispose,
        reason: SWEEP_REASON.into(),
        record_ids,
    };
    if ids.is_empty() {
        return Ok(0);
    }
    match storage.decide(&decision(ids.clone())).await {
        Ok(_) => return Ok(ids.len() as u64),
        Err(StorageError::Conflict(_) | StorageError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let mut n = 0;
    for id in ids {
        match storage.decide(&decision(vec![id])).await {
            Ok(_) => n += 1,
            Err(StorageError::Conflict(_) | StorageError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// The sweep on a schedule, inside `serve`: first finish any erasure a cut left, then sweep
/// every `sweep_minutes`. Failures are logged and tried again next time.
pub fn spawn_schedule(state: HqState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        match resume(&state).await {
            Ok(e) if e.records > 0 || e.photos > 0 => tracing::info!(
                records = e.records,
                photos = e.photos,
                "finished an erasure left from before"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not finish an earlier erasure"),
        }
        // Photos written before photos were sealed at rest are sealed now (and each on its next
        // read); see `photo_files`.
        if let Err(e) = crate::photo_files::seal_plain_photos(&state).await {
            tracing::warn!(error = %e, "could not seal the photos written before sealing; each is sealed when next read");
        }
        let every = std::time::Duration::from_secs(state.settings.retention.sweep_minutes * 60);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep(&state, Utc::now()).await {
                Ok(r) if r.disposed > 0 || r.erased.records > 0 || r.log_rows_cleared > 0 => {
                    tracing::info!(report = %r.describe(), "retention sweep");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention sweep failed; it runs again later"),
            }
        }
    })
}

/// Disposals after a tablet's cursor, for `GET /api/v1/sync/disposals`: ids only, oldest first,
/// at most `limit` (1 to 5000, default 1000).
pub async fn disposals(
    state: &HqState,
    after: u64,
    limit: Option<u32>,
) -> Result<DisposalsResponse, ApiError> {
    let limit = limit.unwrap_or(1_000).clamp(1, 5_000);
    let mut rows = state.storage.disposals_after(after, limit + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok(DisposalsResponse {
        cursor: rows.last().map_or(after, |(seq, _)| *seq),
        records: rows.into_iter().map(|(_, id)| id).collect(),
        more,
    })
}
