//! The audit trail: the op log (written by pushes, see [`super::feed`]) and the access log.

use super::{device_id, parse_t, record_id, t, to_u64, SqliteStorage};
use crate::dashboard::audit::{AccessEntry, OpLogEntry};
use crate::storage::{
    text_gone_words, AccessQuery, AuditTrail, LoggedOp, OpLogQuery, RecordOp, Result,
};
use async_trait::async_trait;
use beatbook_domain::{DeviceId, OfficerId, RecordId};
use rusqlite::{Connection, OptionalExtension};
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
pub(super) fn insert_access(c: &Connection, e: &AccessEntry) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO access_log (at, officer_id, device_id, action, record_ids, detail, purpose) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute((
        t(e.at),
        e.officer_id.as_str(),
        e.device_id.map(|d| d.to_string()),
        &e.action,
        serde_json::to_string(&e.record_ids)?,
        &e.detail,
        &e.purpose,
    ))?;
    Ok(())
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
        self.call(move |c| insert_access(c, &e)).await
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
            rows.map(|r| {
                let (at, officer, device, action, ids, detail, purpose) = r?;
                Ok(AccessEntry {
                    at: parse_t(&at)?,
                    officer_id: OfficerId::new(officer),
                    device_id: device
                        .map(|d| device_id(&d))
                        .transpose()?,
                    action,
                    record_ids: serde_json::from_str(&ids)?,
                    detail,
                    purpose,
                })
            })
            .collect()
        })
        .await
    }
}
