//! HQ storage: one trait, two backends (SQLite embedded, PostgreSQL for a force). Both pass the
//! same storage story (`tests/storage.rs`). The push logic itself is shared (`crate::push`): a
//! backend loads what a batch needs, takes the plan, and writes it in one transaction.

mod checkpoint;
pub mod postgres;
pub mod sqlite;

use crate::dashboard::audit::{AccessEntry, OpLogEntry};
use crate::dashboard::framework::TargetRow;
use crate::push::{Loaded, Plan};
use async_trait::async_trait;
use beatbook_domain::access::AccessFacts;
use beatbook_domain::area::Area;
use beatbook_domain::people::{Officer, Team};
use beatbook_domain::{DeviceId, OfficerId, Op, RecordId};
use chrono::{DateTime, Utc};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("the database schema is newer ({found}) than this HQ knows ({supported}): upgrade HQ")]
    NewerSchema { found: i64, supported: i64 },
    #[error("{0}")]
    Conflict(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Database(e.to_string())
    }
}

impl From<serde_json::Error> for StorageError {
    fn from(e: serde_json::Error) -> Self {
        StorageError::Corrupt(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;

#[derive(Clone, Debug, PartialEq)]
pub struct OfficerRow {
    pub officer: Officer,
    /// Argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
}

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

#[derive(Clone, Debug, PartialEq)]
pub struct SessionRow {
    pub access_hash: String,
    pub refresh_hash: String,
    pub officer_id: OfficerId,
    pub device_id: DeviceId,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: DateTime<Utc>,
}

/// One row of the change feed: a record's current state at its latest server sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub server_seq: u64,
    pub record_id: RecordId,
    /// The merged `RecordState`, as JSON text (sent on as it is).
    pub state_json: String,
    pub facts: AccessFacts,
}

/// One op as the immutable log holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedOp {
    pub device_seq: u64,
    /// The op exactly as hashed.
    pub op_json: String,
    pub outcome_json: String,
    pub received_at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
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

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub records: u64,
    pub ops: u64,
    pub devices: u64,
    pub officers: u64,
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

/// A signed-in HQ staff member's browser session. Only the token's hash is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HqSessionRow {
    pub token_hash: String,
    pub officer_id: OfficerId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Which backend, for logs and `/api/v1/health`.
    fn backend(&self) -> &'static str;

    async fn put_area(&self, area: &Area) -> Result<()>;
    async fn put_team(&self, team: &Team) -> Result<()>;
    /// Create or update an officer; a `None` password hash keeps the current one.
    async fn put_officer(&self, officer: &Officer, password_hash: Option<&str>) -> Result<()>;
    async fn areas(&self) -> Result<Vec<Area>>;
    async fn teams(&self) -> Result<Vec<Team>>;
    async fn officer(&self, id: &OfficerId) -> Result<Option<OfficerRow>>;
    async fn officer_by_collar(&self, collar: &str) -> Result<Option<OfficerRow>>;

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

    async fn put_session(&self, session: &SessionRow) -> Result<()>;
    async fn session_by_access(&self, access_hash: &str) -> Result<Option<SessionRow>>;
    async fn session_by_refresh(&self, refresh_hash: &str) -> Result<Option<SessionRow>>;
    async fn delete_session(&self, access_hash: &str) -> Result<()>;

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
    /// A device's op log in device_seq order, for verifying its hash chain.
    async fn op_log(&self, device: DeviceId) -> Result<Vec<LoggedOp>>;
    async fn counts(&self) -> Result<Counts>;

    /// Append to the access log (before the records are sent).
    async fn log_access(&self, entry: &AccessEntry) -> Result<()>;
    async fn access_log(&self, query: &AccessQuery) -> Result<Vec<AccessEntry>>;

    /// Current records for HQ pages (see [`RecordQuery`]), intelligence sources included: the
    /// caller decides who may see what.
    /// Every officer, by collar number.
    async fn officers(&self) -> Result<Vec<Officer>>;
    /// Current records, oldest change first (see [`RecordQuery`]).
    async fn records(&self, query: &RecordQuery) -> Result<Vec<Change>> {
        Ok(self
            .framework_rows(query)
            .await?
            .into_iter()
            .map(|r| r.change)
            .collect())
    }
    /// [`Storage::records`] with the time each concern was first answered.
    async fn framework_rows(&self, query: &RecordQuery) -> Result<Vec<FrameworkRow>>;
    async fn record(&self, id: RecordId) -> Result<Option<Change>>;
    /// Search the op log (the audit trail of writes).
    async fn search_op_log(&self, query: &OpLogQuery) -> Result<Vec<OpLogEntry>>;

    async fn put_hq_session(&self, session: &HqSessionRow) -> Result<()>;
    async fn hq_session(&self, token_hash: &str) -> Result<Option<HqSessionRow>>;
    async fn delete_hq_session(&self, token_hash: &str) -> Result<()>;

    /// Set (or replace) a performance framework target.
    async fn put_target(&self, target: &TargetRow) -> Result<()>;
    async fn delete_target(&self, scope: &str, measure: &str) -> Result<()>;
    async fn targets(&self) -> Result<Vec<TargetRow>>;

    /// The sign-in throttle rows under these keys (see `crate::throttle`); absent keys are left out.
    async fn throttles(&self, keys: &[String]) -> Result<Vec<ThrottleRow>>;
    /// Change one throttle row atomically, even against other HQ processes: `step` gets the row
    /// (`None` if there is none) and answers the new row, or `None` to delete it. The answer is
    /// what was written.
    async fn update_throttle(&self, key: &str, step: ThrottleStep) -> Result<Option<ThrottleRow>>;
    /// Delete throttle rows untouched since `before` and not locked past it; how many went.
    async fn forget_throttles(&self, before: DateTime<Utc>) -> Result<u64>;

    /// Current records for an HQ records page, newest first (see [`RecordPage`]): at most
    /// `limit`, fewer only when nothing older matches. Reads index ranges from the cursor down
    /// and stops at `limit`, so its cost follows the page, not the size of HQ (intelligence
    /// filtered by area excepted: see [`RecordPage::areas`]).
    async fn records_before(&self, query: &RecordPage) -> Result<Vec<Change>>;
    /// The latest `limit` ops on one record as the op log holds them, oldest first: its history.
    async fn record_ops(&self, id: RecordId, limit: u32) -> Result<Vec<RecordOp>>;
}

/// The shared push logic, handed to a backend (which cannot see the request otherwise).
pub type PushPlanner = Box<dyn FnOnce(Loaded) -> Plan + Send>;

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

/// How a throttle row changes (see [`Storage::update_throttle`]).
pub type ThrottleStep = Arc<dyn Fn(Option<ThrottleRow>) -> Option<ThrottleRow> + Send + Sync>;

/// Which records an HQ records page reads: of these kinds (all if empty), filed under any of
/// these areas (all if empty), with a server sequence below `before` (from the newest if `None`).
/// Newest first by server sequence, so a cursor stays put while new records arrive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordPage {
    pub kinds: Vec<beatbook_domain::RecordKind>,
    /// Read through the change feed's `area:` keys, which are an index, not the answer: a record
    /// stays filed under an area it has left (keys stick), so the caller checks its current
    /// areas. Intelligence is not filed by area (it reaches teams by dissemination): for those
    /// kinds the records of the kind are read newest first and their areas checked, so that
    /// part's cost follows the amount of intelligence held.
    pub areas: Vec<beatbook_domain::AreaId>,
    pub before: Option<u64>,
    pub limit: u32,
}

/// One op on a record, as the op log holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordOp {
    pub device_id: DeviceId,
    /// The op exactly as sent (author, time, what it wrote).
    pub op_json: String,
    /// What HQ did with it (`applied`, `duplicate`, `rejected`).
    pub outcome_json: String,
    pub received_at: DateTime<Utc>,
}

/// How a backend reads a [`RecordPage`]: one newest-first index range per stream, each cut at
/// `limit`, merged. The first `limit` of the union lie within the first `limit` of each stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PageStream {
    /// Every record (the server sequence index).
    All,
    /// Records of one kind (the kind index).
    Kind(&'static str),
    /// Records filed under a change feed key, of these kinds (any if empty).
    Filed {
        key: String,
        kinds: Vec<&'static str>,
    },
    /// Records of one kind with any of these areas (kind index, areas checked row by row).
    KindInAreas {
        kind: &'static str,
        areas: Vec<String>,
    },
}

impl RecordPage {
    pub(crate) fn streams(&self) -> Vec<PageStream> {
        use beatbook_domain::RecordKind;
        // Kinds the change feed files under `area:` keys (see `beatbook_domain::access::audience`).
        let filed =
            |k: &RecordKind| !matches!(k, RecordKind::IntelReport | RecordKind::IntelSource);
        let kinds: Vec<RecordKind> = if self.kinds.is_empty() {
            RecordKind::ALL.to_vec()
        } else {
            let mut k = self.kinds.clone();
            k.sort_by_key(|k| k.as_str());
            k.dedup();
            k
        };
        if self.areas.is_empty() {
            if self.kinds.is_empty() {
                return vec![PageStream::All];
            }
            return kinds.iter().map(|k| PageStream::Kind(k.as_str())).collect();
        }
        let mut out = Vec::new();
        if kinds.iter().any(filed) {
            // The feed's area keys hold only filed kinds: no kind check unless fewer were asked.
            let only: Vec<&'static str> = if self.kinds.is_empty() {
                Vec::new()
            } else {
                kinds
                    .iter()
                    .filter(|k| filed(k))
                    .map(|k| k.as_str())
                    .collect()
            };
            let mut areas: Vec<String> = self.areas.iter().map(|a| format!("area:{a}")).collect();
            areas.sort();
            areas.dedup();
            out.extend(areas.into_iter().map(|key| PageStream::Filed {
                key,
                kinds: only.clone(),
            }));
        }
        let areas: Vec<String> = self.areas.iter().map(|a| a.to_string()).collect();
        out.extend(
            kinds
                .iter()
                .filter(|k| !filed(k))
                .map(|k| PageStream::KindInAreas {
                    kind: k.as_str(),
                    areas: areas.clone(),
                }),
        );
        out
    }
}

/// The newest `limit` distinct server sequences of several streams.
pub(crate) fn newest(mut seqs: Vec<i64>, limit: u32) -> Vec<i64> {
    seqs.sort_unstable_by(|a, b| b.cmp(a));
    seqs.dedup();
    seqs.truncate(limit as usize);
    seqs
}
