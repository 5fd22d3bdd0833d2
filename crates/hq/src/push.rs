//! The push logic shared by both storage backends: dedupe, gap detection, checks, merge, and the
//! per-device hash chain of the op log. Pure: a backend loads [`Loaded`], calls [`plan`], and
//! writes the [`Plan`] in the same transaction.
//!
//! The chain covers each op's SHA-256, not its text: `hash = sha256(prev \n op_sha256 \n
//! outcome)`. The text sits beside it in a column that disposal (and the log's own retention)
//! clears, so a record can be erased and the chain still verifies. Logs written under the first
//! formula, which covered the text itself ([`chain_hash_v1`]), are re-chained once by migration
//! 0007. The records manager's decisions log is chained the same way ([`decision_hash`]).

use crate::storage::{DecisionEntry, LoggedOp};
use beatbook_domain::access::{device_may_see, AccessFacts, Viewer};
use beatbook_domain::area::Area;
use beatbook_domain::hlc::MAX_DRIFT_MS;
use beatbook_domain::improvement;
use beatbook_domain::integrity::{self, Areas, Refusal};
use beatbook_domain::merge::RecordState;
use beatbook_domain::protocol::{OpOutcome, OpResult, PushResponse};
use beatbook_domain::record::check_state;
use beatbook_domain::{DeviceId, Op, OpAction, RecordId, RecordKind};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The hash a device's chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who is pushing, as HQ knows them from their token.
#[derive(Clone, Debug)]
pub struct PushContext {
    pub device: DeviceId,
    pub viewer: Viewer,
    pub now: DateTime<Utc>,
    /// What HQ checks beyond a record being valid (see [`PushRules`]).
    pub rules: PushRules,
}

/// What HQ holds a push to besides the records' own rules (see
/// `beatbook_domain::integrity`): its reference areas, from which it works out each located
/// record's areas, and how far ahead of its clock an op may be stamped.
#[derive(Clone, Debug)]
pub struct PushRules {
    /// HQ's reference areas. None (a bare database): areas are not worked out.
    pub areas: Arc<Vec<Area>>,
    /// Milliseconds an op may be stamped ahead of HQ's clock.
    pub max_ahead_ms: u64,
}

impl Default for PushRules {
    /// No areas; the default bound on the clock.
    fn default() -> Self {
        Self {
            areas: Arc::default(),
            max_ahead_ms: u64::from(integrity::DEFAULT_MAX_AHEAD_MINUTES) * 60_000,
        }
    }
}

impl PushRules {
    /// The rules for `areas`, bounding the clock at `max_ahead_minutes`.
    pub fn new(areas: Vec<Area>, max_ahead_minutes: u32) -> Self {
        Self {
            areas: Arc::new(areas),
            max_ahead_ms: u64::from(max_ahead_minutes) * 60_000,
        }
    }
}

/// What a backend loads, inside its transaction, before planning a batch.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The next device_seq expected from this device (1 for a new device).
    pub next_seq: u64,
    pub chain_head: String,
    /// Outcomes already logged for ops of this batch below `next_seq` (retries).
    pub logged: HashMap<u64, String>,
    /// Current states of the records the batch touches.
    pub states: HashMap<RecordId, RecordState>,
    /// The highest server sequence handed out so far.
    pub server_head: u64,
    /// Records of the batch that were disposed of at HQ (the disposal's sequence), or are
    /// waiting to be erased (0): their ops are refused and their text is not kept.
    pub disposed: HashMap<RecordId, u64>,
}

/// One op-log row: what identifies the op, its text as hashed, and what HQ did with it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    pub device_seq: u64,
    pub record_id: RecordId,
    pub kind: beatbook_domain::RecordKind,
    pub author: beatbook_domain::OfficerId,
    /// The op as sent; `None` when it is not kept (an op on a record disposed of).
    pub op_json: Option<String>,
    /// SHA-256 (hex) of the op as sent: what the chain covers.
    pub op_sha256: String,
    /// Set when the text is not kept: the disposal's sequence (0 while the record waits to be
    /// erased).
    pub disposed: Option<u64>,
    pub outcome_json: String,
    pub prev_hash: String,
    pub hash: String,
    pub server_seq: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordRow {
    pub state: RecordState,
    pub state_json: String,
    pub facts: AccessFacts,
    pub server_seq: u64,
    /// Its retention review date, from the state's `retention_review` field (`None` if it has
    /// none or it does not read as a date).
    pub review_on: Option<chrono::NaiveDate>,
    /// For a concern: the earliest time (the op's clock, ms) this batch answered it, by an
    /// update appended or the status moved on from open. Kept as the minimum ever seen, so a
    /// concern answered and later closed still counts from its first answer.
    pub answered_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub response: PushResponse,
    pub log: Vec<LogRow>,
    pub records: Vec<RecordRow>,
    pub next_seq: u64,
    pub chain_head: String,
    pub server_head: u64,
}

impl LogRow {
    /// The row for `op`, chained after `prev_hash`.
    pub fn chained(op: &Op, op_json: String, outcome: &OpOutcome, prev_hash: String) -> LogRow {
        let outcome_json = serde_json::to_string(outcome).unwrap_or_default();
        let op_sha256 = op_sha256(&op_json);
        let hash = chain_hash(&prev_hash, &op_sha256, &outcome_json);
        LogRow {
            device_seq: op.device_seq,
            record_id: op.record_id,
            kind: op.kind,
            author: op.author.clone(),
            op_json: Some(op_json),
            op_sha256,
            disposed: None,
            outcome_json,
            prev_hash,
            hash,
            server_seq: match outcome {
                OpOutcome::Applied { server_seq } => Some(*server_seq),
                _ => None,
            },
        }
    }
}

/// SHA-256 of an op's text, lower-case hex.
pub fn op_sha256(op_json: &str) -> String {
    hex::encode(Sha256::digest(op_json.as_bytes()))
}

/// A link of a device's chain: the previous hash, the op's SHA-256 and what HQ did with it.
pub fn chain_hash(prev: &str, op_sha256: &str, outcome_json: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(op_sha256.as_bytes());
    h.update(b"\n");
    h.update(outcome_json.as_bytes());
    hex::encode(h.finalize())
}

/// The first formula, which covered the op's text itself: what logs written before migration
/// 0007 hold (and what that migration checks before re-chaining them).
pub fn chain_hash_v1(prev: &str, op_json: &str, outcome_json: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(op_json.as_bytes());
    h.update(b"\n");
    h.update(outcome_json.as_bytes());
    hex::encode(h.finalize())
}

/// The code a push answers for an op on a record disposed of at HQ.
pub const DISPOSED: &str = "disposed";

/// A record's retention review date as its state holds it.
pub fn review_on(state: &RecordState) -> Option<chrono::NaiveDate> {
    state.fields.get("retention_review")?.value.parse().ok()
}

fn reject(code: &str, reason: impl Into<String>) -> OpOutcome {
    OpOutcome::Rejected {
        code: code.to_owned(),
        reason: reason.into(),
    }
}

fn refused(r: Refusal) -> OpOutcome {
    reject(r.code, r.reason)
}

/// The merged record, checked as HQ takes it: its areas worked out from its location (or the
/// areas it names checked), then validated as a whole, and the op's fields checked against the
/// kind's.
fn settle(
    ctx: &PushContext,
    op: &Op,
    mut merged: RecordState,
    new_on_device: bool,
) -> Result<RecordState, OpOutcome> {
    match integrity::work_out_areas(&merged, &ctx.rules.areas).map_err(refused)? {
        Areas::Kept => {}
        Areas::FromLocation(found) => integrity::set_areas(&mut merged, found),
    }
    check_state(&merged, new_on_device).map_err(|e| reject("invalid", e.to_string()))?;
    integrity::check_fields(op, &merged).map_err(refused)?;
    Ok(merged)
}

/// Check one op against the record as HQ holds it, and merge it if it is acceptable.
fn check_and_merge(
    ctx: &PushContext,
    op: &Op,
    current: Option<&RecordState>,
) -> Result<RecordState, OpOutcome> {
    if op.author != ctx.viewer.officer {
        return Err(reject(
            "wrong_author",
            "the op names another officer as its author",
        ));
    }
    if let Some(reason) = op.hq_only() {
        return Err(reject("hq_only", reason));
    }
    integrity::check_clock(op, ctx.now, ctx.rules.max_ahead_ms).map_err(refused)?;
    integrity::check_nesting(op).map_err(refused)?;
    match current {
        Some(state) => {
            if state.kind != op.kind {
                return Err(reject(
                    "kind_mismatch",
                    format!(
                        "record {} is a {}, not a {}",
                        op.record_id, state.kind, op.kind
                    ),
                ));
            }
            let appending = matches!(op.action, OpAction::Append { .. });
            if op.kind == RecordKind::Action && !appending {
                return Err(reject(
                    "not_editable",
                    "an improvement action is changed and closed at HQ: a device may only add a progress update to it",
                ));
            }
            let may_change =
                op.kind.editable_on_device() || (appending && op.kind.appendable_on_device());
            if !may_change {
                return Err(reject(
                    "not_editable",
                    format!(
                        "a {} cannot be changed from a device once submitted",
                        op.kind
                    ),
                ));
            }
            let facts = AccessFacts::from_state(state);
            if !device_may_see(&ctx.viewer, &facts) {
                return Err(reject(
                    "forbidden",
                    "this officer may not change this record",
                ));
            }
            // The record's author is fixed by its first op: nothing stamped before it is taken.
            integrity::check_after_creation(op, state).map_err(refused)?;
            integrity::check_delete(op, &ctx.viewer, &facts).map_err(refused)?;
            if let (RecordKind::Action, OpAction::Append { entry }) = (op.kind, &op.action) {
                let update = improvement::read_update(entry)
                    .map_err(|e| reject("invalid", format!("not a valid progress update: {e}")))?;
                let drift =
                    chrono::Duration::milliseconds(i64::try_from(MAX_DRIFT_MS).unwrap_or(0));
                if update.at > ctx.now + drift {
                    return Err(reject(
                        "clock_ahead",
                        "the update is dated more than a day ahead: correct the device's date and time",
                    ));
                }
            }
            let mut merged = state.clone();
            merged.apply(op);
            if merged.created_by != state.created_by {
                return Err(reject(
                    "wrong_author",
                    "a record's author is the officer who made it: it cannot change",
                ));
            }
            settle(ctx, op, merged, false)
        }
        None => {
            if !op.kind.created_on_device() {
                return Err(reject(
                    "not_editable",
                    "an improvement action is opened at HQ: a device may only add a progress update to one",
                ));
            }
            if !matches!(op.action, OpAction::Put { .. }) {
                return Err(reject(
                    "unknown_record",
                    format!("no record {} to change", op.record_id),
                ));
            }
            settle(ctx, op, RecordState::from_op(op), true)
        }
    }
}

/// The rows to write for the records a batch changed: each one's merged state at the server
/// sequence of its last change, with the facts the access rules read.
/// `encoded` holds the text and facts of states already worked out (see [`prepare`]); the
/// others are encoded here.
pub fn record_rows(
    changed: BTreeMap<RecordId, u64>,
    states: &mut HashMap<RecordId, RecordState>,
    answered: &HashMap<RecordId, u64>,
    mut encoded: HashMap<RecordId, (String, AccessFacts)>,
) -> Vec<RecordRow> {
    changed
        .into_iter()
        .filter_map(|(id, server_seq)| {
            let state = states.remove(&id)?;
            let (state_json, facts) = encoded
                .remove(&id)
                .unwrap_or_else(|| (state.to_json(), AccessFacts::from_state(&state)));
            Some(RecordRow {
                state_json,
                facts,
                review_on: review_on(&state),
                state,
                server_seq,
                answered_ms: answered.get(&id).copied(),
            })
        })
        .collect()
}

/// When an applied op answers a concern: an update appended to it, or its status set to
/// anything but open (including a concern resolved on the spot).
pub fn answers_concern(op: &Op) -> Option<u64> {
    if op.kind != beatbook_domain::RecordKind::Concern {
        return None;
    }
    let answers = match &op.action {
        OpAction::Append { .. } => true,
        OpAction::Put { fields } => matches!(
            fields.get("status"),
            Some(beatbook_domain::op::FieldWrite::Set(v)) if v.as_string().as_deref() != Some("open")
        ),
        OpAction::Delete => false,
    };
    answers.then_some(op.hlc.wall_ms)
}

/// A new record's state as one op makes it, checked and encoded (see [`prepare`]).
#[derive(Clone, Debug)]
pub struct Fresh {
    state: RecordState,
    state_json: String,
    facts: AccessFacts,
}

/// The work on a batch that does not depend on what HQ holds, done before the push takes the
/// database's write lock, so that it overlaps the write of the batch before: each op's JSON
/// text as received, and, for each op that would create a record (the batch's first op on a
/// record, a put), the record it makes, checked and encoded. Whether the record really is new
/// is only known inside the transaction; [`plan_prepared`] uses this work only then.
#[derive(Debug, Default)]
pub struct Prepared {
    texts: Option<Vec<String>>,
    fresh: Vec<Option<Result<Fresh, OpOutcome>>>,
}

impl Prepared {
    /// Nothing worked out ahead: ops are encoded and checked while planning.
    pub fn none() -> Self {
        Self::default()
    }
}

/// See [`Prepared`]. `texts[i]`, when given, is `ops[i]` as the device sent it: what the op log
/// keeps and the hash chain covers.
pub fn prepare(ctx: &PushContext, ops: &[Op], texts: Option<Vec<String>>) -> Prepared {
    let mut seen = std::collections::HashSet::with_capacity(ops.len());
    let mut order: Vec<usize> = (0..ops.len()).collect();
    order.sort_by_key(|&i| ops[i].device_seq);
    let mut fresh: Vec<Option<Result<Fresh, OpOutcome>>> = vec![None; ops.len()];
    for i in order {
        let op = &ops[i];
        let first = seen.insert(op.record_id);
        if !first || op.device_id != ctx.device || !matches!(op.action, OpAction::Put { .. }) {
            continue;
        }
        fresh[i] = Some(check_and_merge(ctx, op, None).map(|state| Fresh {
            state_json: state.to_json(),
            facts: AccessFacts::from_state(&state),
            state,
        }));
    }
    Prepared { texts, fresh }
}

/// Plan a batch. Ops are taken in device_seq order; each is a duplicate (already on HQ), the next
/// one expected (checked, merged, logged), or past a gap (refused, to be sent again in order).
pub fn plan(ctx: &PushContext, ops: &[Op], loaded: Loaded) -> Plan {
    plan_prepared(ctx, ops, Prepared::none(), loaded)
}

/// [`plan`], with the work of [`prepare`] done ahead.
pub fn plan_prepared(
    ctx: &PushContext,
    ops: &[Op],
    mut prepared: Prepared,
    mut loaded: Loaded,
) -> Plan {
    let mut sorted: Vec<usize> = (0..ops.len()).collect();
    sorted.sort_by_key(|&i| ops[i].device_seq);
    let mut results = Vec::with_capacity(sorted.len());
    let mut log = Vec::new();
    let mut changed: BTreeMap<RecordId, u64> = BTreeMap::new();
    let mut answered: HashMap<RecordId, u64> = HashMap::new();
    let mut encoded: HashMap<RecordId, (String, AccessFacts)> = HashMap::new();
    let mut next_seq = loaded.next_seq.max(1);
    let mut head = loaded.chain_head.clone();
    let mut server_head = loaded.server_head;

    for i in sorted {
        let op = &ops[i];
        let seq = op.device_seq;
        let outcome = if op.device_id != ctx.device {
            reject(
                "wrong_device",
                "the op comes from another device than the one signed in",
            )
        } else if seq < next_seq {
            // A retry. Answer as the first time, so a rejected op stays rejected.
            match loaded
                .logged
                .get(&seq)
                .map(|o| serde_json::from_str::<OpOutcome>(o))
            {
                Some(Ok(OpOutcome::Rejected { code, reason })) => {
                    OpOutcome::Rejected { code, reason }
                }
                _ => OpOutcome::Duplicate,
            }
        } else if seq > next_seq {
            reject(
                "gap",
                format!("ops from {next_seq} are missing: send them first"),
            )
        } else if let Some(&disposal) = loaded.disposed.get(&op.record_id) {
            // The record was disposed of: refuse the op, and keep only that it was sent (its
            // hash), never what it said.
            let outcome = reject(DISPOSED, "this record was disposed of at HQ");
            let text = prepared
                .texts
                .as_mut()
                .and_then(|t| t.get_mut(i))
                .map(std::mem::take);
            let op_json = text.unwrap_or_else(|| serde_json::to_string(op).unwrap_or_default());
            let mut row = LogRow::chained(op, op_json, &outcome, std::mem::take(&mut head));
            row.op_json = None;
            row.disposed = Some(disposal);
            head.clone_from(&row.hash);
            loaded.logged.insert(seq, row.outcome_json.clone());
            log.push(row);
            next_seq += 1;
            outcome
        } else {
            let current = loaded.states.get(&op.record_id);
            let fresh = match current {
                None => prepared.fresh.get_mut(i).and_then(Option::take),
                Some(_) => None,
            };
            let merged = match fresh {
                Some(Ok(f)) => {
                    encoded.insert(op.record_id, (f.state_json, f.facts));
                    Ok(f.state)
                }
                Some(Err(rejected)) => Err(rejected),
                None => {
                    encoded.remove(&op.record_id);
                    check_and_merge(ctx, op, current)
                }
            };
            let outcome = match merged {
                Ok(state) => {
                    server_head += 1;
                    loaded.states.insert(op.record_id, state);
                    changed.insert(op.record_id, server_head);
                    if let Some(at) = answers_concern(op) {
                        answered
                            .entry(op.record_id)
                            .and_modify(|a| *a = (*a).min(at))
                            .or_insert(at);
                    }
                    OpOutcome::Applied {
                        server_seq: server_head,
                    }
                }
                Err(rejected) => rejected,
            };
            let text = prepared
                .texts
                .as_mut()
                .and_then(|t| t.get_mut(i))
                .map(std::mem::take);
            let op_json = text.unwrap_or_else(|| serde_json::to_string(op).unwrap_or_default());
            let row = LogRow::chained(op, op_json, &outcome, std::mem::take(&mut head));
            head.clone_from(&row.hash);
            loaded.logged.insert(seq, row.outcome_json.clone());
            log.push(row);
            next_seq += 1;
            outcome
        };
        results.push(OpResult {
            device_seq: seq,
            outcome,
        });
    }

    let records = record_rows(changed, &mut loaded.states, &answered, encoded);
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

/// Where a device's hash chain breaks, if it does.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ChainReport {
    #[ts(type = "number")]
    pub ops: u64,
    pub ok: bool,
    /// The first op whose hash or link does not match, or whose sequence skips.
    #[ts(type = "number | null")]
    pub broken_at: Option<u64>,
}

impl ChainReport {
    /// A chain of `entries` that verifies.
    fn whole(entries: usize) -> Self {
        ChainReport {
            ops: entries as u64,
            ok: true,
            broken_at: None,
        }
    }

    /// A chain of `entries` that breaks at `at`.
    fn broken(entries: usize, at: u64) -> Self {
        ChainReport {
            ops: entries as u64,
            ok: false,
            broken_at: Some(at),
        }
    }
}

/// Check a device's chain: each link, and, where the op's text is still there, that it is the
/// text the chain covers. An op whose text was disposed of still verifies.
pub fn verify_chain(log: &[LoggedOp]) -> ChainReport {
    let mut prev = GENESIS.to_owned();
    for (i, entry) in log.iter().enumerate() {
        let expected_seq = i as u64 + 1;
        let text_ok = entry.disposed.is_some() || op_sha256(&entry.op_json) == entry.op_sha256;
        let ok = entry.device_seq == expected_seq
            && text_ok
            && entry.prev_hash == prev
            && entry.hash == chain_hash(&prev, &entry.op_sha256, &entry.outcome_json);
        if !ok {
            return ChainReport::broken(log.len(), entry.device_seq);
        }
        prev = entry.hash.clone();
    }
    ChainReport::whole(log.len())
}

/// What a decisions-log entry's hash covers, as canonical JSON (fixed key order, times to the
/// millisecond in UTC).
pub fn decision_content(e: &DecisionEntry) -> String {
    let until = match &e.decision {
        beatbook_domain::retention::Decision::Retain { until } => Some(until.to_string()),
        _ => None,
    };
    // A struct, not a map: its fields serialise in this order whatever serde_json's features.
    #[derive(serde::Serialize)]
    struct Content<'a> {
        seq: u64,
        at: String,
        officer_id: &'a str,
        decision: &'a str,
        until: Option<String>,
        reason: &'a str,
        record_ids: Vec<String>,
    }
    serde_json::to_string(&Content {
        seq: e.seq,
        at: e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        officer_id: e.officer_id.as_str(),
        decision: e.decision.as_str(),
        until,
        reason: &e.reason,
        record_ids: e.record_ids.iter().map(|r| r.to_string()).collect(),
    })
    .unwrap_or_default()
}

/// A link of the decisions log: SHA-256 of the previous hash, a newline, and the entry's content.
pub fn decision_hash(prev: &str, e: &DecisionEntry) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(decision_content(e).as_bytes());
    hex::encode(h.finalize())
}

/// Check the decisions log, oldest first: sequences from 1, each link and each hash.
pub fn verify_decisions(log: &[DecisionEntry]) -> ChainReport {
    let mut prev = GENESIS.to_owned();
    for (i, e) in log.iter().enumerate() {
        let ok = e.seq == i as u64 + 1 && e.prev_hash == prev && e.hash == decision_hash(&prev, e);
        if !ok {
            return ChainReport::broken(log.len(), e.seq);
        }
        prev = e.hash.clone();
    }
    ChainReport::whole(log.len())
}
