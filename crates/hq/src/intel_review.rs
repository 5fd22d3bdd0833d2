//! Intelligence review, for the intelligence unit: the queue of submitted reports, a report with
//! its source details, re-grading (3x5x2), sanitising, handling conditions and dissemination.
//!
//! Review writes go through the same path as a device's: ops, merged into the record, appended to
//! the op log with its hash chain and given server sequences in commit order. They come from one
//! HQ "device" ([`HQ_REVIEW_DEVICE`]), authored by the reviewer, so the audit trail shows who
//! did what, and disseminated intelligence reaches team devices on their next pull. The same
//! writer ([`write`]) carries every change HQ makes to a record under its own identity:
//! improvement actions too ([`crate::actions`]).
//!
//! Sanitising makes a **new** report: the sanitised text, graded, with no source link, marked
//! disseminated to the chosen teams. The raw report is marked `sanitised` and stays with its
//! author and the unit; its earlier text versions (which a merged state keeps) never leave.
//! Source records stay with the unit: they are never listed outside it nor sent to a device.

use crate::auth::{new_secret, sha256_hex};
use crate::error::ApiError;
use crate::push::{record_rows, Loaded, LogRow, Plan};
use crate::records;
use crate::storage::DeviceRow;
use crate::HqState;
use beatbook_domain::access::{hq_may_see, Viewer};
use beatbook_domain::intel::{Grade, HandlingCode, IntelReport, IntelSource, ReviewState};
use beatbook_domain::merge::RecordState;
use beatbook_domain::people::{Officer, Team};
use beatbook_domain::protocol::{OpOutcome, OpResult, PushResponse};
use beatbook_domain::record::check_state;
use beatbook_domain::sanitise::{self, Dissemination, SanitiseCheck};
use beatbook_domain::validation::ValidationErrors;
use beatbook_domain::views::RecordSummary;
use beatbook_domain::{
    DeviceId, FieldWrite, Hlc, OfficerId, Op, OpAction, Record, RecordId, RecordKind, TeamId,
};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// The HQ identity review ops (and every other change HQ makes to records: improvement actions)
/// are written under (a device in the op log, never signed in).
pub const HQ_REVIEW_DEVICE: DeviceId = DeviceId(uuid::Uuid::from_u128(
    0x0000_0000_0000_7000_8000_0000_0000_0001,
));

/// Make sure the review device is registered, so its ops have a hash chain to join.
pub async fn ensure_review_device(state: &HqState) -> Result<(), ApiError> {
    if state.storage.device(HQ_REVIEW_DEVICE).await?.is_some() {
        return Ok(());
    }
    let code_hash = sha256_hex(&new_secret());
    let now = Utc::now();
    state
        .storage
        .add_enrolment_code(&code_hash, now + Duration::minutes(5))
        .await?;
    let row = DeviceRow {
        id: HQ_REVIEW_DEVICE,
        name: "HQ (intelligence review, improvement actions)".into(),
        // Nobody holds the secret: this device can never sign in.
        secret_hash: sha256_hex(&new_secret()),
        app_version: format!("hq {}", env!("CARGO_PKG_VERSION")),
        enrolled_at: now,
        revoked_at: None,
        last_seen_at: None,
        next_seq: 1,
    };
    // Another HQ process may register it at the same moment: then it is there all the same.
    let _ = state.storage.enrol_device(&code_hash, &row, now).await;
    if state.storage.device(HQ_REVIEW_DEVICE).await?.is_none() {
        return Err(ApiError::Internal(
            "could not register the HQ review device".into(),
        ));
    }
    Ok(())
}

/// A check on a record as it stands when a change is applied, inside the transaction (so two
/// people cannot both do what only one may): `Err((code, reason))` refuses the change, and the
/// rest written with it; [`write`] answers it as a conflict.
pub type Guard = fn(Option<&RecordState>) -> Result<(), (String, String)>;

/// What one HQ op does to a record, before it has a sequence and a stamp.
pub struct Change {
    pub record_id: RecordId,
    pub kind: RecordKind,
    pub action: OpAction,
    /// Checked against the record as it is when the change is applied.
    pub guard: Option<Guard>,
}

/// The guard of review changes: the record must be a report still open for review (submitted or
/// reviewed), so two reviewers cannot both share it.
fn open_for_review(current: Option<&RecordState>) -> Result<(), (String, String)> {
    let open = current
        .and_then(|s| IntelReport::from_state(s).ok())
        .is_some_and(|r| open(r.review_state));
    if open {
        Ok(())
    } else {
        Err((
            "already_reviewed".to_owned(),
            "this report has already been sanitised and shared".to_owned(),
        ))
    }
}

/// Write `changes` as ops of HQ's device, authored by `author`, in one transaction, through the
/// shared storage push: sequences, stamps and the hash chain are assigned inside it, against the
/// records as they are at that moment. All or nothing: a change its guard refuses is a
/// [`ApiError::Conflict`], one that would leave a record invalid a [`ApiError::BadRequest`].
pub async fn write(
    state: &HqState,
    author: &OfficerId,
    changes: Vec<Change>,
) -> Result<(), ApiError> {
    ensure_review_device(state).await?;
    let placeholder: Vec<Op> = changes
        .iter()
        .map(|c| Op {
            device_id: HQ_REVIEW_DEVICE,
            device_seq: 0,
            record_id: c.record_id,
            kind: c.kind,
            author: author.clone(),
            hlc: Hlc::default(),
            action: c.action.clone(),
        })
        .collect();
    let guards: Arc<Vec<Option<Guard>>> = Arc::new(changes.iter().map(|c| c.guard).collect());
    let ops = Arc::new(placeholder.clone());
    let plan = state
        .storage
        .push(
            HQ_REVIEW_DEVICE,
            &placeholder,
            Box::new(move |loaded| plan_review(&ops, &guards, loaded)),
        )
        .await?;
    match plan.response.results.iter().find_map(|r| match &r.outcome {
        OpOutcome::Rejected { code, reason } => Some((code.clone(), reason.clone())),
        _ => None,
    }) {
        Some((code, reason)) if code == "invalid" => Err(ApiError::BadRequest(format!(
            "the change could not be saved: {reason}"
        ))),
        // A guard's refusal: the record moved on meanwhile.
        Some((_, reason)) => Err(ApiError::Conflict(reason)),
        None => Ok(()),
    }
}

/// HQ's device's counterpart of [`crate::push::plan`]: its ops may change intelligence and
/// improvement actions (which devices may not), and get their sequence numbers and clock stamps
/// here. A write is all or nothing: once one of its ops is refused, the rest are refused too
/// (and logged as such).
fn plan_review(ops: &[Op], guards: &[Option<Guard>], mut loaded: Loaded) -> Plan {
    let mut refused = false;
    let mut next_seq = loaded.next_seq.max(1);
    let mut head = loaded.chain_head.clone();
    let mut server_head = loaded.server_head;
    let mut results = Vec::new();
    let mut log = Vec::new();
    let mut changed: BTreeMap<RecordId, u64> = BTreeMap::new();
    let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap_or_default();
    for (i, template) in ops.iter().enumerate() {
        let current = loaded.states.get(&template.record_id);
        // A stamp after everything the record has seen, so the review wins last-writer-wins.
        let after = current.map_or(0, |s| s.updated.hlc.wall_ms + 1);
        let mut op = template.clone();
        op.device_seq = next_seq;
        op.hlc = Hlc::new(now_ms.max(after), u32::try_from(i).unwrap_or(u32::MAX));
        let guard = guards.get(i).copied().flatten();
        let merged = if refused {
            Err((
                "refused".to_owned(),
                "refused with the rest of this change".to_owned(),
            ))
        } else if let Some(Err(refusal)) = guard.map(|g| g(current)) {
            Err(refusal)
        } else {
            match current {
                Some(s) if s.kind != op.kind => Err((
                    "invalid".to_owned(),
                    "the record is of another kind".to_owned(),
                )),
                Some(s) => {
                    let mut m = s.clone();
                    m.apply(&op);
                    Ok(m)
                }
                None => Ok(RecordState::from_op(&op)),
            }
        }
        .and_then(|m| {
            check_state(&m, false)
                .map(|()| m)
                .map_err(|e| ("invalid".to_owned(), e.to_string()))
        });
        let outcome = match merged {
            Ok(m) => {
                server_head += 1;
                loaded.states.insert(op.record_id, m);
                changed.insert(op.record_id, server_head);
                OpOutcome::Applied {
                    server_seq: server_head,
                }
            }
            Err((code, reason)) => {
                refused = true;
                OpOutcome::Rejected { code, reason }
            }
        };
        let op_json = serde_json::to_string(&op).unwrap_or_default();
        let row = LogRow::chained(&op, op_json, &outcome, std::mem::take(&mut head));
        head.clone_from(&row.hash);
        log.push(row);
        results.push(OpResult {
            device_seq: next_seq,
            outcome,
        });
        next_seq += 1;
    }
    // HQ's ops change intelligence and improvement actions, never answer a concern.
    let records = record_rows(
        changed,
        &mut loaded.states,
        &std::collections::HashMap::new(),
        std::collections::HashMap::new(),
    );
    Plan {
        response: PushResponse {
            results,
            expected_seq: next_seq,
        },
        log,
        records,
        next_seq,
        chain_head: head,
        server_head,
    }
}

/// A put of plain fields.
pub fn set(fields: &[(&str, serde_json::Value)]) -> OpAction {
    OpAction::Put {
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), FieldWrite::Set(v.into())))
            .collect(),
    }
}

pub fn json<T: Serialize>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string()))
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct QueueItem {
    #[schema(value_type = Object)]
    pub summary: RecordSummary,
    #[schema(value_type = String)]
    pub submitted_by: OfficerId,
    /// Who submitted it, e.g. `Sam Patel (PC2290)`.
    pub submitted_by_name: String,
    #[schema(value_type = String)]
    pub review_state: ReviewState,
    /// The grade as text (`2B P`).
    pub grade: String,
    pub threat_to_life: bool,
    pub has_source: bool,
}

/// Whether a report is still open for review: submitted or reviewed, not yet sanitised and
/// shared.
fn open(state: ReviewState) -> bool {
    matches!(state, ReviewState::Submitted | ReviewState::Reviewed)
}

/// Reports waiting for review (submitted or reviewed), threats to life first, then oldest first;
/// logged as a search by `by` with the purpose of `look` (the intelligence unit reads unmasked:
/// `HqAction::ReviewIntel` is theirs alone).
pub async fn queue(
    state: &HqState,
    by: &Officer,
    look: &records::Look,
) -> Result<Vec<QueueItem>, ApiError> {
    let all = records::scan(state, &[RecordKind::IntelReport, RecordKind::IntelSource]).await?;
    let names = records::OfficerNames::load(state.storage.as_ref()).await?;
    let sourced: HashSet<RecordId> = all
        .iter()
        .filter(|r| r.state.kind == RecordKind::IntelSource)
        .filter_map(|r| IntelSource::from_state(&r.state).ok().map(|s| s.report_id))
        .collect();
    let mut items: Vec<QueueItem> = all
        .into_iter()
        .filter(|r| r.state.kind == RecordKind::IntelReport)
        .filter_map(|r| {
            let report = IntelReport::from_state(&r.state).ok()?;
            open(report.review_state).then(|| QueueItem {
                has_source: report.source_id.is_some() || sourced.contains(&r.state.id),
                grade: report.grade.to_string(),
                review_state: report.review_state,
                threat_to_life: report.threat_to_life,
                submitted_by_name: names.get(&r.created_by),
                submitted_by: r.created_by,
                summary: r.summary,
            })
        })
        .collect();
    items.sort_by_key(|i| (!i.threat_to_life, i.summary.occurred_at));
    look.log(
        state,
        &by.id,
        "search",
        items.iter().map(|i| i.summary.id).collect(),
        "intelligence review queue",
    )
    .await?;
    Ok(items)
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ReportDetail {
    #[schema(value_type = Object)]
    pub report: RecordSummary,
    #[schema(value_type = String)]
    pub submitted_by: OfficerId,
    /// Who submitted it, e.g. `Sam Patel (PC2290)`.
    pub submitted_by_name: String,
    /// The source record(s), restricted to the unit.
    #[schema(value_type = Vec<Object>)]
    pub sources: Vec<RecordSummary>,
}

async fn load_report(state: &HqState, id: RecordId) -> Result<records::Loaded, ApiError> {
    let not_found = || ApiError::NotFound(format!("no intelligence report {id}"));
    let change = state.storage.record(id).await?.ok_or_else(not_found)?;
    if change.facts.kind != Some(RecordKind::IntelReport) {
        return Err(not_found());
    }
    records::load(change).ok_or_else(not_found)
}

/// The report as its kind, from a loaded record.
fn as_report(r: &records::Loaded, id: RecordId) -> Result<IntelReport, ApiError> {
    IntelReport::from_state(&r.state).map_err(|e| ApiError::Internal(format!("report {id}: {e}")))
}

/// Report `id` with its source details; logged as a view of both by `by` with the purpose of
/// `look`.
pub async fn report(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    look: &records::Look,
) -> Result<ReportDetail, ApiError> {
    let r = load_report(state, id).await?;
    let viewer = crate::device_sessions::viewer_for(state, by).await?;
    let sources = sources_of(state, &viewer, id).await?;
    let mut disclosed = vec![id];
    disclosed.extend(sources.iter().map(|s| s.id));
    look.log(state, &by.id, "view", disclosed, "intelligence review")
        .await?;
    let names = records::OfficerNames::load(state.storage.as_ref()).await?;
    Ok(ReportDetail {
        report: r.summary,
        submitted_by_name: names.get(&r.created_by),
        submitted_by: r.created_by,
        sources,
    })
}

async fn sources_of(
    state: &HqState,
    viewer: &Viewer,
    report: RecordId,
) -> Result<Vec<RecordSummary>, ApiError> {
    Ok(records::scan(state, &[RecordKind::IntelSource])
        .await?
        .into_iter()
        .filter(|r| {
            IntelSource::from_state(&r.state).is_ok_and(|s| s.report_id == report)
                && hq_may_see(viewer, &r.change.facts)
        })
        .map(|r| r.summary)
        .collect())
}

#[derive(Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Regrade {
    /// A 3x5x2 `Grade` (see the TypeScript bindings).
    #[schema(value_type = Object)]
    pub grade: Grade,
    /// Why the handling code (or its conditions) changes: required when it does. Kept in the
    /// access log and the report's history.
    #[serde(default)]
    pub handling_reason: String,
}

/// Check and re-grade report `id` (3x5x2, with handling conditions for code C), as `by`; it
/// becomes `reviewed`. Refused once it has been sanitised and shared. A change of handling code
/// needs a reason (`handling_reason`, a field error without one), logged in the access log and
/// the report's history.
pub async fn grade(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    req: Regrade,
) -> Result<RecordSummary, ApiError> {
    let Regrade {
        grade,
        handling_reason,
    } = req;
    let report = as_report(&load_report(state, id).await?, id)?;
    if !open(report.review_state) {
        return Err(ApiError::Conflict(
            "this report has already been sanitised and shared: grade the sanitised one".into(),
        ));
    }
    if let Err(change) =
        sanitise::check_handling(&report.grade.handling, &grade.handling, &handling_reason)
    {
        let mut errs = ValidationErrors::new();
        errs.add(
            "handling_reason",
            "reason_required",
            format!("Give the reason the handling code changes ({change})"),
        );
        return Err(ApiError::Invalid(errs));
    }
    let note = sanitise::handling_note(&report.grade.handling, &grade.handling, &handling_reason);
    let mut fields = vec![("grade", json(&grade)?)];
    if report.review_state == ReviewState::Submitted {
        fields.push(("review_state", json(&ReviewState::Reviewed)?));
    }
    let note = format!("Graded {grade}.{note}");
    fields.push((REVIEW_NOTE, json(&note)?));
    write(
        state,
        &by.id,
        vec![Change {
            record_id: id,
            kind: RecordKind::IntelReport,
            action: set(&fields),
            guard: Some(open_for_review),
        }],
    )
    .await?;
    records::log_disclosure(state, &by.id, "graded", vec![id], note).await?;
    Ok(load_report(state, id).await?.summary)
}

/// The field of an intelligence report HQ's review writes its words to (the checks confirmed, a
/// change of handling code and its reason): the report's history shows them.
pub const REVIEW_NOTE: &str = "review_note";

#[derive(Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Disseminate {
    /// The report as it may be shared: the source cannot be identified from it.
    pub content: String,
    #[serde(default)]
    pub checks_made: String,
    /// The grade of the sanitised report (its handling code governs the sharing).
    #[schema(value_type = Object)]
    pub grade: Grade,
    #[schema(value_type = Vec<String>)]
    pub teams: Vec<TeamId>,
    /// The checks the reviewer confirms having made: every one of them is required
    /// (`source_not_identifiable`, `no_contact_details`, `no_detail_only_the_source_knows`,
    /// `location_coarsened`, `handling_code_checked`).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub confirmed: Vec<SanitiseCheck>,
    /// Why the handling code (or its conditions) differs from the report's: required when it does.
    #[serde(default)]
    pub handling_reason: String,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Disseminated {
    /// The new, sanitised report the teams receive.
    #[schema(value_type = String, format = Uuid)]
    pub sanitised_id: RecordId,
    #[schema(value_type = Vec<String>)]
    pub teams: Vec<TeamId>,
}

/// Sanitise report `id` and share it with teams, as `by`. Makes a new sanitised report (no source
/// link, its location coarsened), disseminated to `req.teams`; the raw report becomes `sanitised`
/// and stays restricted. Handling code C limits sharing to teams covering one of the report's
/// areas. Refused, field by field ([`sanitise::check_dissemination`]), when the text still
/// carries anything of a source record, a check is not confirmed, or the handling code changes
/// without a reason. The checks and the reason go to the access log and the raw report's history.
pub async fn disseminate(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    req: Disseminate,
) -> Result<Disseminated, ApiError> {
    let raw = as_report(&load_report(state, id).await?, id)?;
    if !open(raw.review_state) {
        return Err(ApiError::Conflict(
            "this report has already been sanitised and shared".into(),
        ));
    }
    if req.teams.is_empty() {
        return Err(ApiError::BadRequest(
            "choose at least one team to share it with".into(),
        ));
    }
    let all_teams = state.storage.teams().await?;
    check_teams(&all_teams, &req, &raw)?;
    check_sanitised(state, id, &raw, &req).await?;
    let teams = req.teams.clone();
    let shared_with: Vec<&str> = all_teams
        .iter()
        .filter(|t| teams.contains(&t.id))
        .map(|t| t.name.as_str())
        .collect();
    let note = format!(
        "Sanitised and shared with {}. {}",
        shared_with.join(", "),
        sanitise::describe(
            &req.confirmed,
            &raw.grade.handling,
            &req.grade.handling,
            &req.handling_reason
        )
    );
    let fields = sanitised(&raw, req)?
        .writes_from(None)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let sanitised_id = RecordId::new();
    write(
        state,
        &by.id,
        // The raw report first: if another reviewer shared it meanwhile, nothing is written.
        vec![
            Change {
                record_id: id,
                kind: RecordKind::IntelReport,
                action: set(&[
                    ("review_state", json(&ReviewState::Sanitised)?),
                    ("sanitised_as", json(&sanitised_id)?),
                    (REVIEW_NOTE, json(&note)?),
                ]),
                guard: Some(open_for_review),
            },
            Change {
                record_id: sanitised_id,
                kind: RecordKind::IntelReport,
                action: OpAction::Put { fields },
                guard: None,
            },
        ],
    )
    .await?;
    records::log_disclosure(state, &by.id, "disseminated", vec![id, sanitised_id], note).await?;
    tracing::info!(report = %id, sanitised = %sanitised_id, by = %by.id, "intelligence disseminated");
    Ok(Disseminated {
        sanitised_id,
        teams,
    })
}

/// Every team must exist, and under handling code C cover one of the report's areas.
fn check_teams(teams: &[Team], req: &Disseminate, raw: &IntelReport) -> Result<(), ApiError> {
    for t in &req.teams {
        let team = teams
            .iter()
            .find(|k| &k.id == t)
            .ok_or_else(|| ApiError::BadRequest(format!("no team {t}")))?;
        if matches!(req.grade.handling, HandlingCode::C { .. })
            && !team.areas.iter().any(|a| raw.areas.contains(a))
        {
            return Err(ApiError::BadRequest(format!(
                "handling code C: {} does not cover the report's areas, so it may not receive it",
                team.name
            )));
        }
    }
    Ok(())
}

/// The sanitisation checks ([`sanitise::check_dissemination`]) against every source record of
/// the report: field errors (`content`, `checks`, `handling_reason`) when they fail.
async fn check_sanitised(
    state: &HqState,
    id: RecordId,
    raw: &IntelReport,
    req: &Disseminate,
) -> Result<(), ApiError> {
    let sources: Vec<IntelSource> = records::scan(state, &[RecordKind::IntelSource])
        .await?
        .into_iter()
        .filter_map(|s| {
            let src = IntelSource::from_state(&s.state).ok()?;
            (src.report_id == id || raw.source_id == Some(s.state.id)).then_some(src)
        })
        .collect();
    let text = format!("{}\n{}", req.content, req.checks_made);
    sanitise::check_dissemination(&Dissemination {
        text: &text,
        sources: &sources,
        confirmed: &req.confirmed,
        handling_before: &raw.grade.handling,
        handling_after: &req.grade.handling,
        handling_reason: &req.handling_reason,
    })
    .map_err(ApiError::Invalid)
}

/// The sanitised report made from `raw`: the shared text and grade, no source, disseminated.
fn sanitised(raw: &IntelReport, req: Disseminate) -> Result<IntelReport, ApiError> {
    let now = Utc::now();
    let report = IntelReport {
        grade: req.grade,
        security: raw.security,
        content: req.content,
        checks_made: req.checks_made,
        threat_to_life: raw.threat_to_life,
        // The point coarsened to its grid square, without the place words.
        location: raw.location.as_ref().map(sanitise::coarsen),
        areas: raw.areas.clone(),
        source_id: None,
        review_state: ReviewState::Disseminated,
        disseminated_to: req.teams,
        legacy_grade: None,
        submitted_at: now,
        retention_review: raw.retention_review.max(now.date_naive()),
    };
    report
        .validate()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{hq, intel, look, officer, source, Device};
    use beatbook_domain::intel::{HandlingConditions, IntelAssessment, SourceEvaluation};

    fn graded(handling: HandlingCode) -> Grade {
        Grade {
            source: SourceEvaluation::Reliable,
            intelligence: IntelAssessment::B,
            handling,
        }
    }

    fn share(content: &str, handling: HandlingCode, teams: &[&str]) -> Disseminate {
        Disseminate {
            content: content.into(),
            checks_made: String::new(),
            grade: graded(handling),
            teams: teams.iter().map(|t| TeamId::new(*t)).collect(),
            confirmed: SanitiseCheck::ALL.to_vec(),
            handling_reason: "The source would be at risk if it left the Met".into(),
        }
    }

    fn regrade(handling: HandlingCode, reason: &str) -> Regrade {
        Regrade {
            grade: graded(handling),
            handling_reason: reason.into(),
        }
    }

    #[tokio::test]
    async fn a_report_is_queued_graded_and_shared_once_without_its_source() {
        let hq = hq().await;
        let mut author = Device::enrol(&hq.state, "PC3318").await; // Dalston SNT
        let raw = author
            .create(
                &hq.state,
                &intel(
                    "Jordan Marsh says crack is sold from the blue car on Kingsland Road",
                    "tc-dalston",
                ),
            )
            .await;
        let src = author.create(&hq.state, &source(raw, "Jordan Marsh")).await;
        let unit = officer(&hq.state, "DC7740").await;

        let q = queue(&hq.state, &unit, &look()).await.unwrap();
        assert_eq!(q.len(), 1);
        assert!(q[0].has_source);
        let detail = report(&hq.state, &unit, raw, &look()).await.unwrap();
        assert_eq!(detail.sources[0].id, src);

        let code_c = HandlingCode::C {
            conditions: HandlingConditions::new("Not to be shared outside the Metropolitan Police")
                .unwrap(),
        };
        // From P to C: not without a reason.
        let e = grade(&hq.state, &unit, raw, regrade(code_c.clone(), " "))
            .await
            .err();
        assert!(
            matches!(&e, Some(ApiError::Invalid(errs)) if errs.has("handling_reason")),
            "{e:?}"
        );
        let summary = grade(
            &hq.state,
            &unit,
            raw,
            regrade(
                code_c.clone(),
                "Shared outside the Met it would expose the source",
            ),
        )
        .await
        .unwrap();
        assert_eq!(summary.status.as_deref(), Some("reviewed"));

        let leaky = share(
            "Jordan Marsh reports crack sold from a car",
            code_c.clone(),
            &["hackney-tct"],
        );
        let e = disseminate(&hq.state, &unit, raw, leaky).await.err();
        assert!(
            matches!(&e, Some(ApiError::Invalid(errs)) if errs.has("content") && e.as_ref().unwrap().to_string().contains("“Marsh” is part of the source's name")),
            "{e:?}"
        );
        let far = share(
            "Crack is sold from a blue car",
            code_c.clone(),
            &["camden-tct"],
        );
        let e = disseminate(&hq.state, &unit, raw, far).await.err();
        assert!(
            matches!(&e, Some(ApiError::BadRequest(m)) if m.contains("handling code C")),
            "{e:?}"
        );
        let e = disseminate(
            &hq.state,
            &unit,
            raw,
            share("Crack is sold", code_c.clone(), &[]),
        )
        .await
        .err();
        assert!(matches!(e, Some(ApiError::BadRequest(_))), "{e:?}");

        let ok = share(
            "Crack is sold from a blue car on Kingsland Road",
            code_c.clone(),
            &["hackney-tct"],
        );
        let shared = disseminate(&hq.state, &unit, raw, ok).await.unwrap();
        let product = hq
            .state
            .storage
            .record(shared.sanitised_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(product.facts.review_state, Some(ReviewState::Disseminated));
        assert!(!product.state_json.contains("Jordan"));
        assert!(queue(&hq.state, &unit, &look()).await.unwrap().is_empty());
        let again = share("Crack is sold", code_c.clone(), &["hackney-tct"]);
        let e = disseminate(&hq.state, &unit, raw, again).await.err();
        assert!(matches!(e, Some(ApiError::Conflict(_))), "{e:?}");
        let e = grade(&hq.state, &unit, raw, regrade(HandlingCode::P, "x"))
            .await
            .err();
        assert!(matches!(e, Some(ApiError::Conflict(_))), "{e:?}");

        // Written by HQ's review device, authored by the reviewer, on an unbroken chain.
        let log = hq.state.storage.op_log(HQ_REVIEW_DEVICE).await.unwrap();
        assert_eq!(log.len(), 3);
        assert!(crate::push::verify_chain(&log).ok);
    }

    #[tokio::test]
    async fn only_an_intelligence_report_is_reviewed() {
        let hq = hq().await;
        let unit = officer(&hq.state, "DC7740").await;
        let e = report(&hq.state, &unit, RecordId::new(), &look())
            .await
            .err();
        assert!(matches!(e, Some(ApiError::NotFound(_))), "{e:?}");
        let mut tablet = Device::enrol(&hq.state, "PC4127").await;
        let c = tablet
            .create(
                &hq.state,
                &crate::testing::concern("Bins alight", "tc-camden-town", None),
            )
            .await;
        let e = grade(&hq.state, &unit, c, regrade(HandlingCode::P, ""))
            .await
            .err();
        assert!(matches!(e, Some(ApiError::NotFound(_))), "{e:?}");
    }
}
