//! HQ storage, by resource: one small trait each for the directory, devices, sessions, the change
//! feed, records, the audit trail, framework targets, the sign-in throttle, retention and
//! outcomes (crime, surveys, costs, partnership notes), and [`Storage`],
//! their sum, which [`crate::HqState`] holds as one handle. Two backends implement every part, one
//! file per resource: SQLite ([`sqlite`], embedded) and PostgreSQL ([`postgres`], for a force).
//! Both pass the same storage story (`tests/storage.rs`). The push logic itself is shared
//! (`crate::push`): a backend loads what a batch needs, takes the plan, and writes it in one
//! transaction.
//!
//! A `dyn Storage` (or a generic `S: Storage`) has every part's methods at hand; to call them on
//! a concrete backend, bring the parts into scope with `use beatbook_hq::storage::prelude::*`.

mod error;
mod page;
pub mod postgres;
mod rows;
pub mod sqlite;
mod subject_access;

pub use error::{Result, StorageError};
pub use page::RecordPage;
pub(crate) use page::{newest, PageStream};
pub use rows::*;
pub use subject_access::{RedactionRow, SubjectAccessRequests, SubjectRequestRow};

use crate::chains::{AdminLogEntry, ChainedAccess};
use crate::dashboard::audit::{AccessEntry, OpLogEntry};
use crate::dashboard::framework::TargetRow;
use crate::outcomes::{CrimeCount, CrimeImport, NoteRow, SurveyImport, TeamCost};
use crate::push::Plan;
use async_trait::async_trait;
use beatbook_domain::area::Area;
use beatbook_domain::outcomes::{Month, Quarter, SurveyRow};
use beatbook_domain::people::{Officer, Team};
use beatbook_domain::retention::Lifecycle;
use beatbook_domain::{AreaId, DeviceId, OfficerId, Op, RecordId, RecordKind};
use chrono::{DateTime, NaiveDate, Utc};

/// Every part of HQ's storage: what `HqState` holds. Implemented for anything that implements
/// the parts.
pub trait Storage:
    Send
    + Sync
    + Summary
    + Directory
    + Devices
    + Sessions
    + Feed
    + Records
    + AuditTrail
    + FrameworkTargets
    + SignInThrottle
    + Retention
    + Outcomes
    + SubjectAccessRequests
    + DeviceReadLog
    + 'static
{
}

impl<T> Storage for T where
    T: Summary
        + Directory
        + Devices
        + Sessions
        + Feed
        + Records
        + AuditTrail
        + FrameworkTargets
        + SignInThrottle
        + Retention
        + Outcomes
        + SubjectAccessRequests
        + DeviceReadLog
        + ?Sized
        + 'static
{
}

/// The parts of [`Storage`], for calling them on a concrete backend.
pub mod prelude {
    pub use super::DeviceReadLog;
    pub use super::{
        AuditTrail, Devices, Directory, Feed, FrameworkTargets, Outcomes, Records, Retention,
        Sessions, SignInThrottle, Storage, SubjectAccessRequests, Summary,
    };
}

/// Which backend this is and how much it holds: for logs, `/api/v1/health` and benchmarks.
#[async_trait]
pub trait Summary: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn counts(&self) -> Result<Counts>;
}

/// Areas, teams and officers.
#[async_trait]
pub trait Directory: Send + Sync {
    async fn put_area(&self, area: &Area) -> Result<()>;
    async fn put_team(&self, team: &Team) -> Result<()>;
    /// Create or update an officer; a `None` password hash keeps the current one.
    async fn put_officer(&self, officer: &Officer, password_hash: Option<&str>) -> Result<()>;
    async fn areas(&self) -> Result<Vec<Area>>;
    async fn teams(&self) -> Result<Vec<Team>>;
    async fn officer(&self, id: &OfficerId) -> Result<Option<OfficerRow>>;
    async fn officer_by_collar(&self, collar: &str) -> Result<Option<OfficerRow>>;
    /// Every officer, by collar number.
    async fn officers(&self) -> Result<Vec<Officer>>;
    /// Replace an officer's password hash with `new`, only if it is still `old` (a password an
    /// administrator set meanwhile stays). Whether it was replaced.
    async fn upgrade_password_hash(&self, id: &OfficerId, old: &str, new: &str) -> Result<bool>;
    /// Disable an officer from `at` (a leaver), ending every session of theirs (on devices and at
    /// the dashboard) in the same transaction; or, with `None`, enable them again. `false` when
    /// there is no such officer.
    async fn set_officer_disabled(&self, id: &OfficerId, at: Option<DateTime<Utc>>)
        -> Result<bool>;
    /// The disabled officers and since when.
    async fn disabled_officers(&self) -> Result<Vec<(OfficerId, DateTime<Utc>)>>;
}

/// Enrolled devices, and the one-time codes that enrol them.
#[async_trait]
pub trait Devices: Send + Sync {
    async fn add_enrolment_code(&self, code_hash: &str, expires_at: DateTime<Utc>) -> Result<()>;
    /// Use up an enrolment code and register the device, atomically. `false` when the code is
    /// unknown, used or expired.
    async fn enrol_device(
        &self,
        code_hash: &str,
        device: &DeviceRow,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    async fn device(&self, id: DeviceId) -> Result<Option<DeviceRow>>;
    async fn devices(&self) -> Result<Vec<DeviceRow>>;
    /// Revoke a device. Its sessions are kept so that its next request is answered
    /// `device_revoked` (and the device wipes itself). `false` when there is no such device.
    async fn revoke_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<bool>;
    async fn touch_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<()>;
    /// Use up an enrolment code and register the device, keeping `pending` (its sealed secret)
    /// until the first sign-in, atomically. An earlier enrolment of the same device id that was
    /// never signed in on is replaced (its answer never arrived, or this is a new code for it).
    async fn enrol_pending(
        &self,
        code_hash: &str,
        device: &DeviceRow,
        pending: &PendingEnrolment,
        now: DateTime<Utc>,
    ) -> Result<EnrolOutcome>;
    /// The enrolment of this device, while nobody has signed in on it.
    async fn pending_enrolment(&self, id: DeviceId) -> Result<Option<PendingEnrolment>>;
    /// Someone signed in on the device: its sealed secret is dropped, it no longer lapses.
    async fn confirm_enrolment(&self, id: DeviceId) -> Result<()>;
    /// Remove the devices whose enrolment lapsed at `now` (never signed in on), and answer them.
    async fn lapse_enrolments(&self, now: DateTime<Utc>) -> Result<Vec<DeviceRow>>;
}

/// Sign-in sessions: an officer on a device (access and refresh tokens), and HQ staff in a
/// browser. Only the tokens' hashes are kept.
#[async_trait]
pub trait Sessions: Send + Sync {
    async fn put_session(&self, session: &SessionRow) -> Result<()>;
    async fn session_by_access(&self, access_hash: &str) -> Result<Option<SessionRow>>;
    async fn session_by_refresh(&self, refresh_hash: &str) -> Result<Option<SessionRow>>;
    async fn delete_session(&self, access_hash: &str) -> Result<()>;
    /// Use the refresh token of the session `refresh_hash` (it works once) and add `next`, in one
    /// transaction. `false`, with nothing written, when the token was already used: two refreshes
    /// with one token at once cannot both succeed.
    async fn rotate_session(
        &self,
        refresh_hash: &str,
        at: DateTime<Utc>,
        next: &SessionRow,
    ) -> Result<bool>;
    /// End every session of one sign-in's line; how many.
    async fn end_session_line(&self, line_id: &str) -> Result<u64>;
    /// End every session of a device (sign-out); how many.
    async fn end_device_sessions(&self, device: DeviceId) -> Result<u64>;
    /// Remove device sessions whose refresh token has expired and dashboard sessions that have
    /// ended, as of `now`; how many.
    async fn forget_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64>;
    async fn put_hq_session(&self, session: &HqSessionRow) -> Result<()>;
    async fn hq_session(&self, token_hash: &str) -> Result<Option<HqSessionRow>>;
    async fn delete_hq_session(&self, token_hash: &str) -> Result<()>;
}

/// The change feed: devices' pushes in, records' changes out, in server sequence order.
#[async_trait]
pub trait Feed: Send + Sync {
    /// Apply a batch of ops from one device in one transaction, serialised with every other push
    /// so server sequence numbers are handed out in commit order (even across HQ processes).
    async fn push(&self, device: DeviceId, ops: &[Op], plan: PushPlanner) -> Result<Plan>;
    /// Changes with a server sequence after `after`, oldest first.
    async fn changes_after(&self, after: u64, limit: u32) -> Result<Vec<Change>>;
    /// Changes filed under any of `keys` in the change feed (see
    /// `beatbook_domain::access::audience`) with a server sequence after `after`, oldest first.
    /// Its cost follows the changes under those keys, not the size of HQ.
    async fn changes_for(&self, keys: &[String], after: u64, limit: u32) -> Result<Vec<Change>>;
    /// The highest server sequence handed out.
    async fn head(&self) -> Result<u64>;
}

/// Current records for HQ's pages, intelligence sources included: the caller decides who may see
/// what.
#[async_trait]
pub trait Records: Send + Sync {
    async fn record(&self, id: RecordId) -> Result<Option<Change>>;
    /// Current records, oldest change first (see [`RecordQuery`]).
    async fn records(&self, query: &RecordQuery) -> Result<Vec<Change>> {
        Ok(self
            .framework_rows(query)
            .await?
            .into_iter()
            .map(|r| r.change)
            .collect())
    }
    /// [`Records::records`] with the time each concern was first answered.
    async fn framework_rows(&self, query: &RecordQuery) -> Result<Vec<FrameworkRow>>;
    /// Current records for an HQ records page, newest first (see [`RecordPage`]): at most
    /// `limit`, fewer only when nothing older matches. Reads index ranges from the cursor down
    /// and stops at `limit`, so its cost follows the page, not the size of HQ (intelligence
    /// filtered by area excepted: see [`RecordPage::areas`]).
    async fn records_before(&self, query: &RecordPage) -> Result<Vec<Change>>;
}

/// The audit trail: the op log (every write, hash-chained per device) and the access log (every
/// disclosure of records to a person). Both are append-only.
#[async_trait]
pub trait AuditTrail: Send + Sync {
    /// A device's op log in device_seq order, for verifying its hash chain.
    async fn op_log(&self, device: DeviceId) -> Result<Vec<LoggedOp>>;
    /// Search the op log (the audit trail of writes).
    async fn search_op_log(&self, query: &OpLogQuery) -> Result<Vec<OpLogEntry>>;
    /// The latest `limit` ops on one record as the op log holds them, oldest first: its history.
    async fn record_ops(&self, id: RecordId, limit: u32) -> Result<Vec<RecordOp>>;
    /// Append to the access log (before the records are sent).
    async fn log_access(&self, entry: &AccessEntry) -> Result<()>;
    async fn access_log(&self, query: &AccessQuery) -> Result<Vec<AccessEntry>>;
    /// The access log's chain after position `after`, oldest first, at most `limit` entries.
    async fn access_chain(&self, after: u64, limit: u32) -> Result<Vec<ChainedAccess>>;
    /// Append to the admin log, chained to its head (serialised with every other append, even
    /// across HQ processes). The entry as written.
    async fn append_admin_log(
        &self,
        at: DateTime<Utc>,
        by: Option<&OfficerId>,
        action: &str,
        detail: &str,
    ) -> Result<AdminLogEntry>;
    /// Search the admin log, newest first.
    async fn admin_log(&self, query: &AdminLogQuery) -> Result<Vec<AdminLogEntry>>;
    /// The admin log's chain after position `after`, oldest first, at most `limit` entries.
    async fn admin_chain(&self, after: u64, limit: u32) -> Result<Vec<AdminLogEntry>>;
    /// A chained log's head (`crate::chains::ACCESS_LOG`, `ADMIN_LOG`): its last position and
    /// hash; `None` before its first entry.
    async fn chain_head(&self, chain: &str) -> Result<Option<(u64, String)>>;
}

/// A search of the admin log: by who did it, its kind, words in it, and date.
#[derive(Clone, Debug, Default)]
pub struct AdminLogQuery {
    pub officer_id: Option<OfficerId>,
    pub action: Option<String>,
    /// Words the detail contains (case-insensitive).
    pub text: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
}

/// The tablets' reads (see `crate::device_reads`): each (device, read number) goes into the
/// access log once.
#[async_trait]
pub trait DeviceReadLog: Send + Sync {
    /// In one transaction: for each `(seq, entry)` whose `(device, seq)` is not in the ledger yet,
    /// append `entry` to the access log and note it in the ledger. A batch sent again logs
    /// nothing twice. Answers how many entries were new.
    async fn log_device_reads(&self, device: DeviceId, reads: &[(u64, AccessEntry)])
        -> Result<u32>;
}

/// The performance framework's targets.
#[async_trait]
pub trait FrameworkTargets: Send + Sync {
    /// Set (or replace) a performance framework target.
    async fn put_target(&self, target: &TargetRow) -> Result<()>;
    async fn delete_target(&self, scope: &str, measure: &str) -> Result<()>;
    async fn targets(&self) -> Result<Vec<TargetRow>>;
}

/// Failed sign-ins by key (see `crate::throttle`).
#[async_trait]
pub trait SignInThrottle: Send + Sync {
    /// The sign-in throttle rows under these keys; absent keys are left out.
    async fn throttles(&self, keys: &[String]) -> Result<Vec<ThrottleRow>>;
    /// Change one throttle row atomically, even against other HQ processes: `step` gets the row
    /// (`None` if there is none) and answers the new row, or `None` to delete it. The answer is
    /// what was written.
    async fn update_throttle(&self, key: &str, step: ThrottleStep) -> Result<Option<ThrottleRow>>;
    /// Delete throttle rows untouched since `before` and not locked past it; how many went.
    async fn forget_throttles(&self, before: DateTime<Utc>) -> Result<u64>;
}

/// The records lifecycle at HQ: the review queue, decisions (with their hash-chained log), the
/// erasure of records disposed of, the disposals feed tablets read, and the log's own retention.
/// The rules are the domain's (`beatbook_domain::retention`); the caller checks a decision
/// before it reaches [`Retention::decide`].
#[async_trait]
pub trait Retention: Send + Sync {
    /// Records due for review (`COALESCE(retained_until, review_on) <= due_by`), filtered by
    /// kind, area (in the record's facts), and created date; records on hold included (flagged);
    /// none disposed of or waiting to be; oldest review date first, at most `limit`, and how
    /// many match in all.
    async fn retention_queue(&self, q: &RetentionQuery) -> Result<RetentionPage>;
    /// Where each of these records stands; records HQ does not hold (or is erasing) are left out.
    async fn lifecycles(&self, ids: &[RecordId]) -> Result<Vec<(RecordId, Lifecycle)>>;
    /// Apply one decision to these records in one transaction with its chained log entry:
    /// retain sets `retained_until`; hold and release set and clear the hold; dispose marks them
    /// pending erasure (see [`Retention::erase_pending`]). Refused with nothing changed if any
    /// record is missing ([`StorageError::NotFound`]) or a dispose meets one on hold
    /// ([`StorageError::Conflict`]).
    async fn decide(&self, entry: &NewDecision) -> Result<DecisionEntry>;
    /// Erase up to `limit` records pending disposal, each batch one transaction: the record's
    /// row and its change-feed rows deleted, the text of its ops in the op log cleared (the chain
    /// stays whole: it covers each op's hash), and a disposals row written (with the photos its
    /// state listed). Answers what was erased. Resumable: a cut leaves the rest pending, so the
    /// next call finishes. Safe with several HQ processes (claiming is a write transaction).
    async fn erase_pending(&self, limit: u32) -> Result<Vec<Erased>>;
    /// Disposals whose photo files are not yet removed (oldest first).
    async fn disposals_with_files(&self, limit: u32) -> Result<Vec<Erased>>;
    /// Their photo files are removed.
    async fn files_removed(&self, seqs: &[u64]) -> Result<()>;
    /// The disposals feed tablets read: disposals after the cursor, oldest first.
    async fn disposals_after(&self, after: u64, limit: u32) -> Result<Vec<(u64, RecordId)>>;
    async fn disposal(&self, id: RecordId) -> Result<Option<DisposalRow>>;
    /// The latest `limit` decisions, newest first.
    async fn decisions(&self, limit: u32) -> Result<Vec<DecisionEntry>>;
    /// The whole decisions log, oldest first, for verifying its chain.
    async fn decision_log(&self) -> Result<Vec<DecisionEntry>>;
    /// Records of `kinds` whose review date is before `today`, not on hold and not already
    /// pending erasure: what the sweep disposes of. Oldest review date first.
    async fn past_review(
        &self,
        kinds: &[RecordKind],
        today: NaiveDate,
        limit: u32,
    ) -> Result<Vec<RecordId>>;
    /// The logs' own retention: clear the text of ops received before `op_before` (the chain
    /// stays whole) and the records and detail of access-log rows before `access_before` (when,
    /// who and what they did stay). How many rows changed.
    async fn forget_old_log_text(
        &self,
        op_before: DateTime<Utc>,
        access_before: DateTime<Utc>,
    ) -> Result<u64>;
    /// After erasure: SQLite copies the WAL back and truncates it (`secure_delete` has zeroed
    /// the freed space); PostgreSQL vacuums the tables erasure touched, so dead rows holding the
    /// erased text are reclaimed.
    async fn compact_after_disposal(&self) -> Result<()>;
}

/// Outcomes beside activity (see [`crate::outcomes`]): recorded crime per area, month and crime
/// type; survey results per area, quarter and community; each team's monthly cost; notes from
/// partnership meetings.
#[async_trait]
pub trait Outcomes: Send + Sync {
    /// In one transaction: the crime counts of every month in `import.months` deleted (police.uk
    /// publishes whole months, so a file replaces the months it holds), `import.counts` written,
    /// and the import logged. The log entry's id.
    async fn import_crime(&self, import: &CrimeImport) -> Result<i64>;
    /// Crime counts from `from` to `to` (both included) in these areas.
    async fn crime_counts(
        &self,
        areas: &[AreaId],
        from: Month,
        to: Month,
    ) -> Result<Vec<CrimeCount>>;
    /// Every month that has any crime counted, oldest first.
    async fn crime_months(&self) -> Result<Vec<Month>>;
    /// In one transaction: every result written (replacing one for the same area, quarter and
    /// community) and the import logged. The log entry's id.
    async fn import_survey(&self, import: &SurveyImport) -> Result<i64>;
    /// Survey results from `from` to `to` (both included) in these areas.
    async fn survey_results(
        &self,
        areas: &[AreaId],
        from: Quarter,
        to: Quarter,
    ) -> Result<Vec<SurveyRow>>;
    /// Set (or replace) a team's cost for a month.
    async fn put_team_cost(&self, cost: &TeamCost) -> Result<()>;
    /// Every team's costs from `from` to `to` (both included).
    async fn team_costs(&self, from: Month, to: Month) -> Result<Vec<TeamCost>>;
    /// Keep a partnership note (its `id` is ignored); its id.
    async fn add_partnership_note(&self, note: &NoteRow) -> Result<i64>;
    /// The notes for a quarter, in the order they were written.
    async fn partnership_notes(&self, quarter: Quarter) -> Result<Vec<NoteRow>>;
}

/// A migration's own step: the SQL before the step line, the step's name, and the SQL after.
/// The line is `-- step: NAME --`; migration 0007's `-- rechain --` is the step `rechain`.
pub(crate) fn split_step(sql: &str) -> Option<(&str, &str, &str)> {
    if let Some((before, after)) = sql.split_once("-- rechain --") {
        return Some((before, "rechain", after));
    }
    let (before, rest) = sql.split_once("-- step: ")?;
    let (name, after) = rest.split_once(" --")?;
    Some((before, name.trim(), after))
}

/// The photos a record's state lists (SHA-256 of each).
pub(crate) fn photos_of(state_json: &str) -> Vec<String> {
    let Ok(state) = serde_json::from_str::<beatbook_domain::merge::RecordState>(state_json) else {
        return Vec::new();
    };
    state
        .to_object()
        .get("photos")
        .cloned()
        .and_then(|v| serde_json::from_value::<Vec<beatbook_domain::photo::PhotoRef>>(v).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.sha256)
        .collect()
}
