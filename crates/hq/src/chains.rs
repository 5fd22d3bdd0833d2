//! The hash chains of the access log and the admin log, and verifying every chain HQ keeps (the
//! devices' op logs, the retention decisions, the access log, the admin log) with the answer in
//! words.
//!
//! An access-log entry's hash covers its time, officer, device, action and purpose, and the
//! SHA-256 of its records and detail ([`access_text_sha256`]): the log's own retention clears
//! those two, and the chain stays whole, as the op log's chain covers each op's hash rather than
//! its text. Each log's head (its last position and hash) is kept apart (`chain_heads`), so an
//! entry cut off the end no longer matches it.

use crate::dashboard::audit::AccessEntry;
use crate::push::{verify_chain, verify_decisions, ChainReport, GENESIS};
use crate::storage::{Storage, StorageError};
use beatbook_domain::{DeviceId, OfficerId, RecordId};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The access log's name in `chain_heads`.
pub const ACCESS_LOG: &str = "access_log";
/// The admin log's name in `chain_heads`.
pub const ADMIN_LOG: &str = "admin_log";

/// An access-log entry with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainedAccess {
    pub seq: u64,
    pub entry: AccessEntry,
    pub text_sha256: String,
    pub prev_hash: String,
    pub hash: String,
}

/// One admin-log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct AdminLogEntry {
    #[ts(type = "number")]
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// Who did it; `None` for HQ itself or nobody known (a failed sign-in).
    #[schema(value_type = Option<String>)]
    pub officer_id: Option<OfficerId>,
    /// What kind of event (`sign_in`, `officer_saved`, ...).
    pub action: String,
    /// What happened, in words.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Times as the chains hash them: to the millisecond, in UTC (what both backends keep).
pub fn chain_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The SHA-256 of an access-log entry's records and detail.
pub fn access_text_sha256(record_ids: &[RecordId], detail: &str) -> String {
    let ids: Vec<String> = record_ids.iter().map(ToString::to_string).collect();
    let text = serde_json::to_string(&(ids, detail)).unwrap_or_default();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// An access-log entry's hash: the previous hash, its position, what stays of it for ever, and
/// its records' and detail's SHA-256.
pub fn access_hash(prev: &str, seq: u64, e: &AccessEntry, text_sha256: &str) -> String {
    let kept = serde_json::to_string(&(
        chain_time(e.at),
        e.officer_id.as_str(),
        e.device_id.map(|d| d.to_string()),
        &e.action,
        &e.purpose,
    ))
    .unwrap_or_default();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(seq.to_string().as_bytes());
    h.update(b"\n");
    h.update(kept.as_bytes());
    h.update(b"\n");
    h.update(text_sha256.as_bytes());
    hex::encode(h.finalize())
}

/// Chain the next access-log entry after `(head_seq, head_hash)`: its position, text hash and
/// hash. `entry.at` is taken to the millisecond first.
pub fn chain_access(head_seq: u64, head_hash: &str, entry: &AccessEntry) -> ChainedAccess {
    let mut entry = entry.clone();
    entry.at = millis(entry.at);
    let seq = head_seq + 1;
    let text_sha256 = access_text_sha256(&entry.record_ids, &entry.detail);
    let hash = access_hash(head_hash, seq, &entry, &text_sha256);
    ChainedAccess {
        seq,
        entry,
        text_sha256,
        prev_hash: head_hash.to_owned(),
        hash,
    }
}

/// An admin-log entry's hash: the previous hash and the entry.
pub fn admin_hash(prev: &str, e: &AdminLogEntry) -> String {
    let content = serde_json::to_string(&(
        e.seq,
        chain_time(e.at),
        e.officer_id.as_ref().map(OfficerId::as_str),
        &e.action,
        &e.detail,
    ))
    .unwrap_or_default();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(content.as_bytes());
    hex::encode(h.finalize())
}

/// Chain the next admin-log entry after `(head_seq, head_hash)`.
pub fn chain_admin(
    head_seq: u64,
    head_hash: &str,
    at: DateTime<Utc>,
    by: Option<&OfficerId>,
    action: &str,
    detail: &str,
) -> AdminLogEntry {
    let mut e = AdminLogEntry {
        seq: head_seq + 1,
        at: millis(at),
        officer_id: by.cloned(),
        action: action.to_owned(),
        detail: detail.to_owned(),
        prev_hash: head_hash.to_owned(),
        hash: String::new(),
    };
    e.hash = admin_hash(head_hash, &e);
    e
}

fn millis(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    at.duration_trunc(chrono::Duration::milliseconds(1))
        .unwrap_or(at)
}

/// Why a chain breaks where it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    /// A position is missing: an entry was taken out.
    Missing,
    /// The entry does not follow the one before it: one before it was changed or taken out.
    Link,
    /// The entry's hash does not match what it says: it was changed after it was written.
    Changed,
    /// The records or detail do not match their hash: they were changed after it was written.
    TextChanged,
    /// The chain ends before its head: its newest entries were taken out.
    Truncated,
}

/// A log's chain checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogCheck {
    pub entries: u64,
    /// Entries whose records and detail the log's retention cleared.
    pub cleared: u64,
    /// Where it breaks: the position, the entry's time when there is one, and why.
    pub broken: Option<(u64, Option<DateTime<Utc>>, Break)>,
}

/// Rows read at a time when checking a log.
const PAGE: u32 = 5_000;

/// Check a chain read page by page: `entries` gives each entry's position, time, previous hash,
/// hash, the hash it should have, and whether its text matches (`None`: cleared by retention).
struct Walker {
    prev: String,
    next: u64,
    cleared: u64,
    broken: Option<(u64, Option<DateTime<Utc>>, Break)>,
}

impl Walker {
    fn new() -> Self {
        Walker {
            prev: GENESIS.to_owned(),
            next: 1,
            cleared: 0,
            broken: None,
        }
    }

    fn step(
        &mut self,
        seq: u64,
        at: DateTime<Utc>,
        prev_hash: &str,
        hash: &str,
        expected: &str,
        text: Option<bool>,
    ) {
        if self.broken.is_some() {
            return;
        }
        let why = if seq != self.next {
            Some(Break::Missing)
        } else if prev_hash != self.prev {
            Some(Break::Link)
        } else if hash != expected {
            Some(Break::Changed)
        } else if text == Some(false) {
            Some(Break::TextChanged)
        } else {
            None
        };
        if let Some(why) = why {
            let at_seq = if why == Break::Missing {
                self.next
            } else {
                seq
            };
            self.broken = Some((at_seq, Some(at), why));
            return;
        }
        if text.is_none() {
            self.cleared += 1;
        }
        self.prev = hash.to_owned();
        self.next += 1;
    }

    fn finish(mut self, head: Option<(u64, String)>) -> LogCheck {
        let entries = self.next - 1;
        if self.broken.is_none() {
            let (head_seq, head_hash) = head.unwrap_or((0, GENESIS.to_owned()));
            if head_seq != entries || head_hash != self.prev {
                self.broken = Some((entries + 1, None, Break::Truncated));
            }
        }
        LogCheck {
            entries,
            cleared: self.cleared,
            broken: self.broken,
        }
    }
}

/// Check the access log's chain.
pub async fn verify_access_log(storage: &dyn Storage) -> Result<LogCheck, StorageError> {
    let mut w = Walker::new();
    let mut after = 0;
    loop {
        let page = storage.access_chain(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for c in &page {
            let e = &c.entry;
            let text = if access_text_sha256(&e.record_ids, &e.detail) == c.text_sha256 {
                Some(true)
            } else if e.record_ids.is_empty() && e.detail.is_empty() {
                None
            } else {
                Some(false)
            };
            let expected = access_hash(&c.prev_hash, c.seq, e, &c.text_sha256);
            w.step(c.seq, e.at, &c.prev_hash, &c.hash, &expected, text);
        }
        if w.broken.is_some() {
            break;
        }
    }
    let head = storage.chain_head(ACCESS_LOG).await?;
    Ok(w.finish(head))
}

/// Check the admin log's chain.
pub async fn verify_admin_log(storage: &dyn Storage) -> Result<LogCheck, StorageError> {
    let mut w = Walker::new();
    let mut after = 0;
    loop {
        let page = storage.admin_chain(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            let expected = admin_hash(&e.prev_hash, e);
            w.step(e.seq, e.at, &e.prev_hash, &e.hash, &expected, Some(true));
        }
        if w.broken.is_some() {
            break;
        }
    }
    Ok(w.finish(storage.chain_head(ADMIN_LOG).await?))
}

/// `12 Mar 2026, 21:44`.
fn when(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M").to_string()
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A log's check in words: "1,204 entries, intact." or where and why it breaks.
pub fn log_words(check: &LogCheck, one: &str, many: &str) -> String {
    match check.broken {
        None => {
            let cleared = if check.cleared > 0 {
                format!(
                    " ({} with records and detail cleared by the log's retention)",
                    plural(check.cleared, "entry", "entries")
                )
            } else {
                String::new()
            };
            format!("{}{cleared}, intact.", plural(check.entries, one, many))
        }
        Some((seq, at, why)) => {
            let at = at.map(|t| format!(" ({})", when(t))).unwrap_or_default();
            let why = match why {
                Break::Missing => format!("{one} {seq} is missing: it was taken out"),
                Break::Link => format!(
                    "{one} {seq}{at} does not follow the one before it: an earlier {one} was changed or taken out"
                ),
                Break::Changed => {
                    format!("{one} {seq}{at} was changed after it was written")
                }
                Break::TextChanged => format!(
                    "the records or detail of {one} {seq}{at} were changed after it was written"
                ),
                Break::Truncated => format!(
                    "it ends after {} but HQ wrote more: the newest were taken out",
                    plural(seq - 1, one, many)
                ),
            };
            format!("BROKEN: {why}.")
        }
    }
}

/// One chain checked, as the audit page and `beatbook hq admin verify-chains` show it.
#[derive(Clone, Debug, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ChainView {
    /// The chain in words: "Op log of Sam's tablet", "Access log", "Admin log",
    /// "Retention decisions".
    pub chain: String,
    /// The device, for a device's op log.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub device: Option<DeviceId>,
    #[serde(flatten)]
    pub report: ChainReport,
    /// What the check found, in words.
    pub words: String,
}

fn report(check: &LogCheck) -> ChainReport {
    ChainReport {
        ops: check.entries,
        ok: check.broken.is_none(),
        broken_at: check.broken.map(|(seq, _, _)| seq),
    }
}

fn report_words(r: &ChainReport, one: &str, many: &str) -> String {
    match r.broken_at {
        None => format!("{}, intact.", plural(r.ops, one, many)),
        Some(at) => format!(
            "BROKEN at {one} {at}: it, or one before it, was changed or taken out after it was written."
        ),
    }
}

/// Check every chain HQ keeps: each device's op log, the retention decisions, the access log
/// and the admin log.
pub async fn verify_every_chain(storage: &dyn Storage) -> Result<Vec<ChainView>, StorageError> {
    let mut out = Vec::new();
    for d in storage.devices().await? {
        let r = verify_chain(&storage.op_log(d.id).await?);
        let chain = if d.id == crate::intel_review::HQ_REVIEW_DEVICE {
            "Op log of HQ's own review identity".to_owned()
        } else {
            format!("Op log of the tablet “{}”", d.name)
        };
        out.push(ChainView {
            words: report_words(&r, "change", "changes"),
            chain,
            device: Some(d.id),
            report: r,
        });
    }
    let r = verify_decisions(&storage.decision_log().await?);
    out.push(ChainView {
        chain: "Retention decisions".into(),
        device: None,
        words: report_words(&r, "decision", "decisions"),
        report: r,
    });
    let access = verify_access_log(storage).await?;
    out.push(ChainView {
        chain: "Access log".into(),
        device: None,
        report: report(&access),
        words: log_words(&access, "entry", "entries"),
    });
    let admin = verify_admin_log(storage).await?;
    out.push(ChainView {
        chain: "Admin log".into(),
        device: None,
        report: report(&admin),
        words: log_words(&admin, "entry", "entries"),
    });
    Ok(out)
}
