//! What the storage traits take and answer, resource by resource. API answers that storage reads
//! and writes as they are (`AccessEntry`, `OpLogEntry`, `TargetRow`) live with their endpoints.

use crate::push::{Loaded, Plan};
use beatbook_domain::access::AccessFacts;
use beatbook_domain::people::Officer;
use beatbook_domain::retention::{Decision, Lifecycle};
use beatbook_domain::{AreaId, DeviceId, OfficerId, RecordId, RecordKind};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

/// How much HQ holds (see [`super::Summary::counts`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub records: u64,
    pub ops: u64,
    pub devices: u64,
    pub officers: u64,
}

// Directory

#[derive(Clone, Debug, PartialEq)]
pub struct OfficerRow {
    pub officer: Officer,
    /// Argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
    /// When the officer was disabled (a leaver): sign-in and every request refused. `None`:
    /// active.
    pub disabled_at: Option<DateTime<Utc>>,
}

// Devices

#[derive(Clone, Debug, PartialEq)]
pub struct DeviceRow {
    pub id: DeviceId,
    pub name: String,
    pub secret_hash: String,
    pub app_version: String,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// The next device_seq HQ expects from the device (1 before its first op). Pushes move it;
    /// enrolment ignores it.
    pub next_seq: u64,
}

/// A device enrolled but not yet signed in on (see [`crate::enrolment`]): what HQ needs to give
/// a retry of the same enrolment the same answer, kept until the first sign-in or until it lapses.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingEnrolment {
    pub device_id: DeviceId,
    /// SHA-256 of the code it was enrolled with (normalised).
    pub code_hash: String,
    /// The device secret, sealed under a key only HQ and the code's holder can make (hex).
    pub sealed_secret: String,
    /// When the device row goes if nobody has signed in on it.
    pub lapses_at: DateTime<Utc>,
}

impl std::fmt::Debug for PendingEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingEnrolment")
            .field("device_id", &self.device_id)
            .field("lapses_at", &self.lapses_at)
            .finish_non_exhaustive()
    }
}

/// What [`super::Devices::enrol_pending`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnrolOutcome {
    Enrolled,
    /// The code is unknown, used or expired.
    CodeRefused,
    /// A device with this id is enrolled and has been signed in on (or is HQ's own).
    DeviceTaken,
}

// Sessions

/// A device's sign-in: an officer on a device. Only the tokens' hashes are kept.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionRow {
    pub access_hash: String,
    pub refresh_hash: String,
    pub officer_id: OfficerId,
    pub device_id: DeviceId,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: DateTime<Utc>,
    /// The sign-in this session descends from (every refresh hands it on): a refresh token used
    /// twice ends every session of the line.
    pub line_id: String,
    /// When that sign-in was: the line's absolute lifetime counts from it.
    pub signed_in_at: DateTime<Utc>,
    /// When its refresh token was used (it works once); `None` while unused.
    pub rotated_at: Option<DateTime<Utc>>,
}

/// A signed-in HQ staff member's browser session. Only the token's hash is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HqSessionRow {
    pub token_hash: String,
    pub officer_id: OfficerId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

// Feed and records

/// The shared push logic, handed to a backend (which cannot see the request otherwise).
pub type PushPlanner = Box<dyn FnOnce(Loaded) -> Plan + Send>;

/// One row of the change feed: a record's current state at its latest server sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub server_seq: u64,
    pub record_id: RecordId,
    /// The merged `RecordState`, as JSON text (sent on as it is).
    pub state_json: String,
    pub facts: AccessFacts,
}

/// Which records to list for HQ pages: of these kinds (all if empty), after a server sequence,
/// oldest first. Areas and dates are filtered by the caller, which knows the record's shape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordQuery {
    pub kinds: Vec<beatbook_domain::RecordKind>,
    pub after: u64,
    pub limit: u32,
}

/// A record as the performance framework reads it: the change, and when it was first answered
/// (concerns; see migration 0005).
#[derive(Clone, Debug)]
pub struct FrameworkRow {
    pub change: Change,
    pub answered_ms: Option<u64>,
}

// Audit trail

/// One op as the immutable log holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedOp {
    pub device_seq: u64,
    /// The op exactly as sent; empty once its text is cleared (see `disposed`).
    pub op_json: String,
    /// SHA-256 (hex) of the op as sent: what the chain covers.
    pub op_sha256: String,
    /// Set once the text is cleared: the disposal's sequence, or 0 when the log's own retention
    /// cleared it.
    pub disposed: Option<u64>,
    pub outcome_json: String,
    pub received_at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
}

/// What to find in the op log; every part that is set must match. Newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpLogQuery {
    pub device_id: Option<DeviceId>,
    pub record_id: Option<RecordId>,
    pub author: Option<OfficerId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
}

/// One op on a record, as the op log holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordOp {
    pub device_id: DeviceId,
    /// The op exactly as sent (author, time, what it wrote); empty once its text is cleared.
    pub op_json: String,
    /// In place of a cleared text, what happened to it: "disposed of on 6 Dec 2026 by NAME:
    /// REASON".
    pub text_gone: Option<String>,
    /// What HQ did with it (`applied`, `duplicate`, `rejected`).
    pub outcome_json: String,
    pub received_at: DateTime<Utc>,
}

/// What to find in the access log; every part that is set must match. Newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessQuery {
    pub officer_id: Option<OfficerId>,
    pub device_id: Option<DeviceId>,
    pub record_id: Option<RecordId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
}

// Sign-in throttle

/// Failed sign-ins counted under one key: a collar number (as a hash), a device or a network
/// address. See `crate::throttle` for what the numbers mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleRow {
    pub key: String,
    /// Attempts counted in the current run (an attempt counts until its password proves right).
    pub failures: u32,
    /// When the current run began.
    pub since: DateTime<Utc>,
    /// Lock-outs in a row: each one is twice as long as the one before.
    pub lockouts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// How a throttle row changes (see [`super::SignInThrottle::update_throttle`]).
pub type ThrottleStep = Arc<dyn Fn(Option<ThrottleRow>) -> Option<ThrottleRow> + Send + Sync>;

// Retention (the records lifecycle; see `beatbook_domain::retention`)

/// Which records the review queue lists: due for review on or before `due_by` (the record's own
/// review date, or the date a records manager retained it until, whichever a decision set
/// last), of these kinds (all if empty), filed under any of these areas (all if empty), created
/// within `from..=to` (days, UTC). Records on hold are listed (flagged); records disposed of or
/// waiting to be erased are not. Oldest review date first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionQuery {
    pub due_by: NaiveDate,
    pub kinds: Vec<RecordKind>,
    pub areas: Vec<AreaId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub limit: u32,
}

/// One record in the review queue.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueRow {
    pub change: Change,
    pub lifecycle: Lifecycle,
    /// The last decision taken on it, if any.
    pub last: Option<DecisionEntry>,
}

/// A page of the review queue, and how many records match in all.
#[derive(Clone, Debug, PartialEq)]
pub struct RetentionPage {
    pub items: Vec<QueueRow>,
    pub total: u64,
}

/// A decision to log and apply (see [`super::Retention::decide`]). The caller has checked it
/// against the domain's rules for every record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDecision {
    pub at: DateTime<Utc>,
    /// Who took it: a records manager, or `HQ` for the automatic sweep.
    pub officer_id: OfficerId,
    pub decision: Decision,
    pub reason: String,
    pub record_ids: Vec<RecordId>,
}

/// One entry of the decisions log, as it is chained: `hash` is SHA-256 of `prev_hash`, a newline
/// and the canonical JSON of the entry's content (see `crate::push::decision_hash`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub officer_id: OfficerId,
    pub decision: Decision,
    pub reason: String,
    pub record_ids: Vec<RecordId>,
    pub prev_hash: String,
    pub hash: String,
}

/// A record erased at HQ: its disposal's sequence (the tablets' feed), and the photos its state
/// listed, whose files are removed next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erased {
    pub seq: u64,
    pub record_id: RecordId,
    /// SHA-256 (hex) of each photo the record listed.
    pub photos: Vec<String>,
}

/// What HQ keeps of a record it disposed of: that it existed, when, by whom and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisposalRow {
    pub seq: u64,
    pub record_id: RecordId,
    pub kind: RecordKind,
    pub disposed_at: DateTime<Utc>,
    pub disposed_by: OfficerId,
    pub reason: String,
    pub photos: Vec<String>,
    /// Its photo files are removed.
    pub files_done: bool,
}

/// What the op log shows in place of an op's text once it is gone: "disposed of on 6 Dec 2026 by
/// Sam Patel (PC2290): REASON", or, with no disposal (`None`), that the log's own retention
/// period cleared it.
pub fn text_gone_words(disposal: Option<(DateTime<Utc>, &str, &str)>) -> String {
    match disposal {
        Some((at, by, reason)) => {
            format!(
                "disposed of on {} by {by}: {reason}",
                at.format("%-d %b %Y")
            )
        }
        None => "text removed at the end of the op log's retention period".into(),
    }
}
