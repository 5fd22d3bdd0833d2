//! The audit trail: the op log (written by pushes, see [`super::feed`]) and the access log.

use super::{device_id, parse_t, record_id, t, to_i64, to_u64, SqliteStorage};
use crate::chains::{
    chain_access, chain_admin, AdminLogEntry, ChainedAccess, ACCESS_LOG, ADMIN_LOG,
};
use crate::dashboard::audit::{AccessEntry, OpLogEntry};
use crate::storage::{
    text_gone_words, AccessQuery, AdminLogQuery, AuditTrail, LoggedOp, OpLogQuery, RecordOp, Result,
};
use async_trait::async_trait;
use beatbook_domain::{DeviceId, OfficerId, RecordId};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::HashMap;

/// The words shown in place of cleared op texts, each disposal looked up once.
#[derive(Default)]
struct TextGone(HashMap<i64, String>);

impl TextGone {
    fn words(&mut self, c: &Connection, disposed: Option<i64>) -> Result<String> {
        let seq = disposed.unwrap_or_default();
        if let Some(w) = self.0.get(&seq) {
            return Ok(w.clone());
        }
        let found = if seq > 0 {
            c.prepare_cached(
                "SELECT d.disposed_at, d.disposed_by, d.reason, o.collar_number, json_extract(o.body, '$.name')
                 FROM disposals d LEFT JOIN officers o ON o.id = d.disposed_by WHERE d.seq = ?1",
            )?
            .query_row([seq], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .optional()?
        } else {
            None
        };
        let words = match found {
            Some((at, by, reason, collar, name)) => {
                let who = officer_name(&by, collar, name);
                text_gone_words(Some((parse_t(&at)?, &who, &reason)))
            }
            None => text_gone_words(None),
        };
        self.0.insert(seq, words.clone());
        Ok(words)
    }
}

/// "Sam Patel (PC2290)", or the id when HQ does not list the officer (`HQ` for the sweep).
fn officer_name(id: &str, collar: Option<String>, name: Option<String>) -> String {
    match (name, collar) {
        (Some(n), Some(c)) => format!("{n} ({c})"),
        _ => id.to_owned(),
    }
}

/// Append one entry to the access log, inside the caller's transaction if it has one (the
/// tablets' reads are logged with their ledger rows: see `device_reads`).
/// Append one entry to the access log, chained to the one before, inside `tx` (a write
/// transaction: the chain's head is read and moved in it, so appends cannot fork the chain).
pub(super) fn insert_access(tx: &Transaction<'_>, entry: &AccessEntry) -> Result<()> {
    let (seq, hash) = head(tx, ACCESS_LOG)?;
    let ch = chain_access(seq, &hash, entry);
    let e = &ch.entry;
    tx.prepare_cached(
        "INSERT INTO access_log (at, officer_id, device_id, action, record_ids, detail, purpose, seq, text_sha256, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(rusqlite::params![
        t(e.at),
        e.officer_id.as_str(),
        e.device_id.map(|d| d.to_string()),
        &e.action,
        serde_json::to_string(&e.record_ids)?,
        &e.detail,
        &e.purpose,
        to_i64(ch.seq),
        &ch.text_sha256,
        &ch.prev_hash,
        &ch.hash,
    ])?;
    move_head(tx, ACCESS_LOG, ch.seq, &ch.hash)
}

#[async_trait]
impl AuditTrail for SqliteStorage {
    async fn op_log(&self, device: DeviceId) -> Result<Vec<LoggedOp>> {
        self.call(move |c| {
            let mut stmt = c.prepare(
                "SELECT device_seq, op, outcome, received_at, prev_hash, hash, op_sha256, disposed FROM op_log WHERE device_id = ?1 ORDER BY device_seq",
            )?;
            let rows = stmt.query_map([device.to_string()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get(2)?,
                    r.get::<_, String>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get::<_, Option<i64>>(7)?,
                ))
            })?;
            rows.map(|r| {
                let (seq, op_json, outcome_json, at, prev_hash, hash, op_sha256, disposed) = r?;
                Ok(LoggedOp {
                    device_seq: to_u64(seq),
                    op_json: op_json.unwrap_or_default(),
                    op_sha256,
                    disposed: disposed.map(to_u64),
                    outcome_json,
                    received_at: parse_t(&at)?,
                    prev_hash,
                    hash,
                })
            })
            .collect()
        })
        .await
    }

    async fn search_op_log(&self, query: &OpLogQuery) -> Result<Vec<OpLogEntry>> {
        let q = query.clone();
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT device_id, device_seq, record_id, kind, author, received_at, server_seq, outcome, op IS NULL, disposed FROM op_log
                 WHERE (?1 IS NULL OR device_id = ?1) AND (?2 IS NULL OR record_id = ?2) AND (?3 IS NULL OR author = ?3)
                   AND (?4 IS NULL OR received_at >= ?4) AND (?5 IS NULL OR received_at <= ?5)
                 ORDER BY received_at DESC, device_id, device_seq DESC LIMIT ?6",
            )?;
            let rows = stmt.query_map(
                rusqlite::params![
                    q.device_id.map(|d| d.to_string()),
                    q.record_id.map(|r| r.to_string()),
                    q.author.as_ref().map(|a| a.as_str().to_owned()),
                    q.from.map(t),
                    q.to.map(t),
                    i64::from(q.limit),
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, bool>(8)?,
                        r.get::<_, Option<i64>>(9)?,
                    ))
                },
            )?;
            let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            let mut gone = TextGone::default();
            rows.into_iter().map(|row| {
                let (device, seq, record, kind, author, at, server_seq, outcome_json, cleared, disposed) = row;
                Ok(OpLogEntry {
                    text_gone: if cleared { Some(gone.words(&*c, disposed)?) } else { None },
                    device_id: device_id(&device)?,
                    device_seq: to_u64(seq),
                    record_id: record_id(&record)?,
                    kind,
                    author: OfficerId::new(author),
                    received_at: parse_t(&at)?,
                    server_seq: server_seq.map(to_u64),
                    outcome_json,
                })
            })
            .collect()
        })
        .await
    }

    async fn record_ops(&self, id: RecordId, limit: u32) -> Result<Vec<RecordOp>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT device_id, op, outcome, received_at, disposed FROM op_log WHERE record_id = ?1
                 ORDER BY received_at DESC, rowid DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map((id.to_string(), i64::from(limit)), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })?;
            let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            let mut gone = TextGone::default();
            let mut out = rows
                .into_iter()
                .map(|(device, op_json, outcome_json, at, disposed)| {
                    Ok(RecordOp {
                        device_id: device_id(&device)?,
                        text_gone: match op_json {
                            Some(_) => None,
                            None => Some(gone.words(&*c, disposed)?),
                        },
                        op_json: op_json.unwrap_or_default(),
                        outcome_json,
                        received_at: parse_t(&at)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            out.reverse();
            Ok(out)
        })
        .await
    }

    async fn log_access(&self, entry: &AccessEntry) -> Result<()> {
        let e = entry.clone();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            insert_access(&tx, &e)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn access_chain(&self, after: u64, limit: u32) -> Result<Vec<ChainedAccess>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT at, officer_id, device_id, action, record_ids, detail, purpose, seq, text_sha256, prev_hash, hash
                 FROM access_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map((to_i64(after), i64::from(limit)), |r| {
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ),
                    r.get::<_, i64>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                ))
            })?;
            rows.map(|r| {
                let (row, seq, text_sha256, prev_hash, hash) = r?;
                Ok(ChainedAccess {
                    seq: to_u64(seq),
                    entry: access_entry(row)?,
                    text_sha256,
                    prev_hash,
                    hash,
                })
            })
            .collect()
        })
        .await
    }

    async fn append_admin_log(
        &self,
        at: DateTime<Utc>,
        by: Option<&OfficerId>,
        action: &str,
        detail: &str,
    ) -> Result<AdminLogEntry> {
        let (by, action, detail) = (by.cloned(), action.to_owned(), detail.to_owned());
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (seq, hash) = head(&tx, ADMIN_LOG)?;
            let e = chain_admin(seq, &hash, at, by.as_ref(), &action, &detail);
            tx.prepare_cached(
                "INSERT INTO admin_log (seq, at, officer_id, action, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(rusqlite::params![
                to_i64(e.seq),
                t(e.at),
                e.officer_id.as_ref().map(|o| o.as_str().to_owned()),
                &e.action,
                &e.detail,
                &e.prev_hash,
                &e.hash,
            ])?;
            move_head(&tx, ADMIN_LOG, e.seq, &e.hash)?;
            tx.commit()?;
            Ok(e)
        })
        .await
    }

    async fn admin_log(&self, query: &AdminLogQuery) -> Result<Vec<AdminLogEntry>> {
        let q = query.clone();
        self.call(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ADMIN_COLUMNS} FROM admin_log
                 WHERE (?1 IS NULL OR officer_id = ?1) AND (?2 IS NULL OR action = ?2)
                   AND (?3 IS NULL OR instr(lower(detail), lower(?3)) > 0)
                   AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at <= ?5)
                 ORDER BY seq DESC LIMIT ?6"
            ))?;
            let rows = stmt.query_map(
                rusqlite::params![
                    q.officer_id.as_ref().map(|o| o.as_str().to_owned()),
                    q.action,
                    q.text,
                    q.from.map(t),
                    q.to.map(t),
                    i64::from(q.limit),
                ],
                admin_row,
            )?;
            rows.map(|r| admin_entry(r?)).collect()
        })
        .await
    }

    async fn admin_chain(&self, after: u64, limit: u32) -> Result<Vec<AdminLogEntry>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ADMIN_COLUMNS} FROM admin_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))?;
            let rows = stmt.query_map((to_i64(after), i64::from(limit)), admin_row)?;
            rows.map(|r| admin_entry(r?)).collect()
        })
        .await
    }

    async fn chain_head(&self, chain: &str) -> Result<Option<(u64, String)>> {
        let chain = chain.to_owned();
        self.call(move |c| {
            Ok(
                c.prepare_cached("SELECT seq, hash FROM chain_heads WHERE chain = ?1")?
                    .query_row([chain], |r| Ok((to_u64(r.get(0)?), r.get(1)?)))
                    .optional()?,
            )
        })
        .await
    }

    async fn access_log(&self, query: &AccessQuery) -> Result<Vec<AccessEntry>> {
        let q = query.clone();
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT at, officer_id, device_id, action, record_ids, detail, purpose FROM access_log
                 WHERE (?1 IS NULL OR officer_id = ?1) AND (?2 IS NULL OR device_id = ?2)
                   AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(access_log.record_ids) j WHERE j.value = ?3))
                   AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at <= ?5)
                 ORDER BY id DESC LIMIT ?6",
            )?;
            let rows = stmt.query_map(
                rusqlite::params![
                    q.officer_id.as_ref().map(|o| o.as_str().to_owned()),
                    q.device_id.map(|d| d.to_string()),
                    q.record_id.map(|r| r.to_string()),
                    q.from.map(t),
                    q.to.map(t),
                    i64::from(q.limit),
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )?;
            rows.map(|r| access_entry(r?))
            .collect()
        })
        .await
    }
}

/// An access-log row's columns: at, officer, device, action, records, detail, purpose.
type AccessRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
);

fn access_entry(row: AccessRow) -> Result<AccessEntry> {
    let (at, officer, device, action, ids, detail, purpose) = row;
    Ok(AccessEntry {
        at: parse_t(&at)?,
        officer_id: OfficerId::new(officer),
        device_id: device.map(|d| device_id(&d)).transpose()?,
        action,
        record_ids: serde_json::from_str(&ids)?,
        detail,
        purpose,
    })
}

const ADMIN_COLUMNS: &str = "seq, at, officer_id, action, detail, prev_hash, hash";

type AdminRow = (i64, String, Option<String>, String, String, String, String);

fn admin_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AdminRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn admin_entry(row: AdminRow) -> Result<AdminLogEntry> {
    let (seq, at, officer, action, detail, prev_hash, hash) = row;
    Ok(AdminLogEntry {
        seq: to_u64(seq),
        at: parse_t(&at)?,
        officer_id: officer.map(OfficerId::new),
        action,
        detail,
        prev_hash,
        hash,
    })
}

/// A chain's head, inside the write transaction that appends to it.
pub(super) fn head(tx: &Transaction<'_>, chain: &str) -> Result<(u64, String)> {
    Ok(tx
        .prepare_cached("SELECT seq, hash FROM chain_heads WHERE chain = ?1")?
        .query_row([chain], |r| Ok((to_u64(r.get(0)?), r.get::<_, String>(1)?)))
        .optional()?
        .unwrap_or((0, crate::push::GENESIS.to_owned())))
}

/// Move a chain's head to its new last entry.
pub(super) fn move_head(tx: &Transaction<'_>, chain: &str, seq: u64, hash: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO chain_heads (chain, seq, hash) VALUES (?1, ?2, ?3)
         ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )?
    .execute((chain, to_i64(seq), hash))?;
    Ok(())
}
