//! The records lifecycle: the review queue, decisions and their chained log, erasure, the
//! disposals feed, and the logs' own retention. Every write is one immediate transaction, so
//! decisions and erasures queue behind pushes (and each other) on SQLite's one writer.

use super::records::{change_columns, to_change};
use super::{parse_t, record_id, t, to_i64, to_u64, SqliteStorage};
use crate::push::{decision_hash, GENESIS};
use crate::storage::{
    photos_of, DecisionEntry, DisposalRow, Erased, NewDecision, QueueRow, Result, Retention,
    RetentionPage, RetentionQuery, StorageError,
};
use async_trait::async_trait;
use beatbook_domain::retention::{Decision, Lifecycle};
use beatbook_domain::{OfficerId, RecordId, RecordKind};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::collections::HashMap;

fn date(s: &str) -> Result<NaiveDate> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("date {s:?}")))
}

fn kind(s: &str) -> Result<RecordKind> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("record kind {s:?}")))
}

fn ids_json(ids: &[RecordId]) -> Result<String> {
    Ok(serde_json::to_string(
        &ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
    )?)
}

/// The start of a day (UTC), in ms: a creation-time bound.
fn day_ms(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

/// A record's review date: the retained-until or review date column, or, for a state that has
/// no review date, the day it was created (so it comes up for review rather than never).
fn review_date(due: Option<String>, created_ms: Option<i64>) -> Result<NaiveDate> {
    match due {
        Some(d) => date(&d),
        None => Ok(created_ms
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .map_or(NaiveDate::MIN, |t| t.date_naive())),
    }
}

const DECISION_COLUMNS: &str =
    "seq, at, officer_id, decision, until, reason, record_ids, prev_hash, hash";

type DecisionColumns = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
);

fn decision_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<DecisionColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn to_decision(row: DecisionColumns) -> Result<DecisionEntry> {
    let (seq, at, officer, decision, until, reason, ids, prev_hash, hash) = row;
    let decision = match (decision.as_str(), until) {
        ("retain", Some(u)) => Decision::Retain { until: date(&u)? },
        ("dispose", _) => Decision::Dispose,
        ("hold", _) => Decision::Hold,
        ("release", _) => Decision::Release,
        (other, _) => return Err(StorageError::Corrupt(format!("decision {other:?}"))),
    };
    let ids: Vec<String> = serde_json::from_str(&ids)?;
    Ok(DecisionEntry {
        seq: to_u64(seq),
        at: parse_t(&at)?,
        officer_id: OfficerId::new(officer),
        decision,
        reason,
        record_ids: ids.iter().map(|i| record_id(i)).collect::<Result<_>>()?,
        prev_hash,
        hash,
    })
}

fn decision_by_seq(c: &Connection, seq: i64) -> Result<Option<DecisionEntry>> {
    let row = c
        .prepare_cached(&format!(
            "SELECT {DECISION_COLUMNS} FROM retention_decisions WHERE seq = ?1"
        ))?
        .query_row([seq], decision_columns)
        .optional()?;
    row.map(to_decision).transpose()
}

/// The queue's conditions: `?1` due by, `?2` kinds (JSON), `?3` areas (JSON), `?4`/`?5`
/// creation-time bounds (ms).
const QUEUE_WHERE: &str = "disposal_pending = 0 AND coalesce(retained_until, review_on) <= ?1
    AND (json_array_length(?2) = 0 OR kind IN (SELECT value FROM json_each(?2)))
    AND (json_array_length(?3) = 0 OR EXISTS (SELECT 1 FROM json_each(records.facts, '$.areas') j
                                             WHERE j.value IN (SELECT value FROM json_each(?3))))
    AND (?4 IS NULL OR created_ms >= ?4) AND (?5 IS NULL OR created_ms < ?5)";

#[async_trait]
impl Retention for SqliteStorage {
    async fn retention_queue(&self, q: &RetentionQuery) -> Result<RetentionPage> {
        let q = q.clone();
        self.call(move |c| {
            let tx = c.transaction()?;
            let kinds: Vec<&str> = q.kinds.iter().map(|k| k.as_str()).collect();
            let kinds = serde_json::to_string(&kinds)?;
            let areas: Vec<String> = q.areas.iter().map(|a| a.to_string()).collect();
            let areas = serde_json::to_string(&areas)?;
            let due = q.due_by.to_string();
            let from = q.from.map(day_ms);
            let to = q.to.and_then(|d| d.succ_opt()).map(day_ms);
            let params = rusqlite::params![due, kinds, areas, from, to];
            let total: i64 = tx.query_row(
                &format!("SELECT count(*) FROM records WHERE {QUEUE_WHERE}"),
                params,
                |r| r.get(0),
            )?;
            let rows = {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT server_seq, id, state, facts, kind, coalesce(retained_until, review_on), hold, created_ms, last_decision
                     FROM records WHERE {QUEUE_WHERE}
                     ORDER BY coalesce(retained_until, review_on), server_seq LIMIT ?6"
                ))?;
                let rows = stmt.query_map(
                    rusqlite::params![due, kinds, areas, from, to, i64::from(q.limit)],
                    |r| {
                        Ok((
                            change_columns(r)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, Option<String>>(5)?,
                            r.get::<_, Option<String>>(6)?,
                            r.get::<_, Option<i64>>(7)?,
                            r.get::<_, Option<i64>>(8)?,
                        ))
                    },
                )?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            let mut decisions: HashMap<i64, Option<DecisionEntry>> = HashMap::new();
            let mut items = Vec::with_capacity(rows.len());
            for (cols, k, due, hold, created, last) in rows {
                let last = match last {
                    Some(seq) => match decisions.get(&seq) {
                        Some(d) => d.clone(),
                        None => {
                            let d = decision_by_seq(&tx, seq)?;
                            decisions.insert(seq, d.clone());
                            d
                        }
                    },
                    None => None,
                };
                items.push(QueueRow {
                    change: to_change(cols)?,
                    lifecycle: Lifecycle {
                        kind: kind(&k)?,
                        review_on: review_date(due, created)?,
                        hold,
                    },
                    last,
                });
            }
            tx.commit()?;
            Ok(RetentionPage {
                items,
                total: to_u64(total),
            })
        })
        .await
    }

    async fn lifecycles(&self, ids: &[RecordId]) -> Result<Vec<(RecordId, Lifecycle)>> {
        let ids = ids_json(ids)?;
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, kind, coalesce(retained_until, review_on), hold, created_ms FROM records
                 WHERE id IN (SELECT value FROM json_each(?1)) AND disposal_pending = 0",
            )?;
            let rows = stmt.query_map([ids], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })?;
            rows.map(|r| {
                let (id, k, due, hold, created) = r?;
                Ok((
                    record_id(&id)?,
                    Lifecycle {
                        kind: kind(&k)?,
                        review_on: review_date(due, created)?,
                        hold,
                    },
                ))
            })
            .collect()
        })
        .await
    }

    async fn decide(&self, entry: &NewDecision) -> Result<DecisionEntry> {
        let e = entry.clone();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut ids = e.record_ids.clone();
            ids.sort();
            ids.dedup();
            let ids_text = ids_json(&ids)?;
            // Every record must be held (and not already on its way out); a dispose meets no hold.
            let held: HashMap<String, Option<String>> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT id, hold FROM records WHERE id IN (SELECT value FROM json_each(?1)) AND disposal_pending = 0",
                )?;
                let rows = stmt.query_map([&ids_text], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            if let Some(missing) = ids.iter().find(|i| !held.contains_key(&i.to_string())) {
                return Err(StorageError::NotFound(format!(
                    "no record {} at HQ (or it is already disposed of)",
                    missing.reference()
                )));
            }
            if e.decision == Decision::Dispose {
                if let Some(on_hold) = ids.iter().find(|i| held.get(&i.to_string()).is_some_and(Option::is_some)) {
                    let why = held.get(&on_hold.to_string()).cloned().flatten().unwrap_or_default();
                    return Err(StorageError::Conflict(format!(
                        "record {} is on hold ({why}): release the hold before disposing of it",
                        on_hold.reference()
                    )));
                }
            }
            let (last_seq, prev): (i64, String) = tx
                .query_row(
                    "SELECT seq, hash FROM retention_decisions ORDER BY seq DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .unwrap_or((0, GENESIS.to_owned()));
            let mut out = DecisionEntry {
                seq: to_u64(last_seq) + 1,
                at: e.at.trunc_subsecs(3),
                officer_id: e.officer_id.clone(),
                decision: e.decision.clone(),
                reason: e.reason.clone(),
                record_ids: ids,
                prev_hash: prev,
                hash: String::new(),
            };
            out.hash = decision_hash(&out.prev_hash, &out);
            let seq = to_i64(out.seq);
            let until = match &out.decision {
                Decision::Retain { until } => Some(until.to_string()),
                _ => None,
            };
            tx.execute(
                &format!("INSERT INTO retention_decisions ({DECISION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                rusqlite::params![
                    seq,
                    t(out.at),
                    out.officer_id.as_str(),
                    out.decision.as_str(),
                    until,
                    out.reason,
                    ids_text,
                    out.prev_hash,
                    out.hash,
                ],
            )?;
            let chosen = "id IN (SELECT value FROM json_each(?1))";
            match &out.decision {
                Decision::Retain { .. } => tx.execute(
                    &format!("UPDATE records SET retained_until = ?3, last_decision = ?2 WHERE {chosen}"),
                    rusqlite::params![ids_text, seq, until],
                )?,
                Decision::Hold => tx.execute(
                    &format!("UPDATE records SET hold = ?3, last_decision = ?2 WHERE {chosen}"),
                    rusqlite::params![ids_text, seq, out.reason],
                )?,
                Decision::Release => tx.execute(
                    &format!("UPDATE records SET hold = NULL, last_decision = ?2 WHERE {chosen}"),
                    rusqlite::params![ids_text, seq],
                )?,
                Decision::Dispose => tx.execute(
                    &format!("UPDATE records SET disposal_pending = ?2, last_decision = ?2 WHERE {chosen}"),
                    rusqlite::params![ids_text, seq],
                )?,
            };
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    async fn erase_pending(&self, limit: u32) -> Result<Vec<Erased>> {
        let checkpoint = self.checkpoint.clone();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let pending: Vec<(String, String, String, i64)> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT id, kind, state, disposal_pending FROM records
                     WHERE disposal_pending <> 0 ORDER BY disposal_pending LIMIT ?1",
                )?;
                let rows = stmt.query_map([i64::from(limit)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut decisions: HashMap<i64, DecisionEntry> = HashMap::new();
            let mut erased = Vec::with_capacity(pending.len());
            for (id, k, state, decision) in pending {
                if let std::collections::hash_map::Entry::Vacant(v) = decisions.entry(decision) {
                    let d = decision_by_seq(&tx, decision)?.ok_or_else(|| {
                        StorageError::Corrupt(format!("record {id} waits on decision {decision}, which the log does not hold"))
                    })?;
                    v.insert(d);
                }
                let d = &decisions[&decision];
                let photos = photos_of(&state);
                let seq: i64 = tx
                    .prepare_cached(
                        "INSERT INTO disposals (record_id, kind, disposed_at, disposed_by, reason, decision, photos)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING seq",
                    )?
                    .query_row(
                        rusqlite::params![id, k, t(d.at), d.officer_id.as_str(), d.reason, decision, serde_json::to_string(&photos)?],
                        |r| r.get(0),
                    )?;
                tx.prepare_cached("DELETE FROM record_audience WHERE record_id = ?1")?
                    .execute([&id])?;
                tx.prepare_cached("DELETE FROM records WHERE id = ?1")?
                    .execute([&id])?;
                tx.prepare_cached(
                    "UPDATE op_log SET op = NULL, disposed = ?2 WHERE record_id = ?1 AND (op IS NOT NULL OR disposed = 0)",
                )?
                .execute(rusqlite::params![id, seq])?;
                erased.push(Erased {
                    seq: to_u64(seq),
                    record_id: record_id(&id)?,
                    photos,
                });
            }
            tx.commit()?;
            checkpoint.written();
            Ok(erased)
        })
        .await
    }

    async fn disposals_with_files(&self, limit: u32) -> Result<Vec<Erased>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT seq, record_id, photos FROM disposals WHERE files_done = 0 ORDER BY seq LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::from(limit)], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })?;
            rows.map(|r| {
                let (seq, id, photos) = r?;
                Ok(Erased {
                    seq: to_u64(seq),
                    record_id: record_id(&id)?,
                    photos: serde_json::from_str(&photos)?,
                })
            })
            .collect()
        })
        .await
    }

    async fn files_removed(&self, seqs: &[u64]) -> Result<()> {
        let seqs = serde_json::to_string(seqs)?;
        self.call(move |c| {
            c.execute(
                "UPDATE disposals SET files_done = 1 WHERE seq IN (SELECT value FROM json_each(?1))",
                [seqs],
            )?;
            Ok(())
        })
        .await
    }

    async fn disposals_after(&self, after: u64, limit: u32) -> Result<Vec<(u64, RecordId)>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT seq, record_id FROM disposals WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map((to_i64(after), i64::from(limit)), |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?;
            rows.map(|r| {
                let (seq, id) = r?;
                Ok((to_u64(seq), record_id(&id)?))
            })
            .collect()
        })
        .await
    }

    async fn disposal(&self, id: RecordId) -> Result<Option<DisposalRow>> {
        self.call(move |c| {
            let row = c
                .query_row(
                    "SELECT seq, kind, disposed_at, disposed_by, reason, photos, files_done FROM disposals WHERE record_id = ?1",
                    [id.to_string()],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, bool>(6)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(seq, k, at, by, reason, photos, files_done)| -> Result<DisposalRow> {
                Ok(DisposalRow {
                    seq: to_u64(seq),
                    record_id: id,
                    kind: kind(&k)?,
                    disposed_at: parse_t(&at)?,
                    disposed_by: OfficerId::new(by),
                    reason,
                    photos: serde_json::from_str(&photos)?,
                    files_done,
                })
            })
            .transpose()
        })
        .await
    }

    async fn decisions(&self, limit: u32) -> Result<Vec<DecisionEntry>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {DECISION_COLUMNS} FROM retention_decisions ORDER BY seq DESC LIMIT ?1"
            ))?;
            let rows = stmt.query_map([i64::from(limit)], decision_columns)?;
            rows.map(|r| to_decision(r?)).collect()
        })
        .await
    }

    async fn decision_log(&self) -> Result<Vec<DecisionEntry>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {DECISION_COLUMNS} FROM retention_decisions ORDER BY seq"
            ))?;
            let rows = stmt.query_map([], decision_columns)?;
            rows.map(|r| to_decision(r?)).collect()
        })
        .await
    }

    async fn past_review(
        &self,
        kinds: &[RecordKind],
        today: NaiveDate,
        limit: u32,
    ) -> Result<Vec<RecordId>> {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let kinds = serde_json::to_string(&kinds)?;
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id FROM records WHERE disposal_pending = 0 AND hold IS NULL
                   AND coalesce(retained_until, review_on) < ?1
                   AND kind IN (SELECT value FROM json_each(?2))
                 ORDER BY coalesce(retained_until, review_on), server_seq LIMIT ?3",
            )?;
            let rows = stmt.query_map((today.to_string(), kinds, i64::from(limit)), |r| {
                r.get::<_, String>(0)
            })?;
            rows.map(|r| record_id(&r?)).collect()
        })
        .await
    }

    async fn forget_old_log_text(
        &self,
        op_before: DateTime<Utc>,
        access_before: DateTime<Utc>,
    ) -> Result<u64> {
        let checkpoint = self.checkpoint.clone();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let ops = tx.execute(
                "UPDATE op_log SET op = NULL, disposed = 0 WHERE received_at < ?1 AND op IS NOT NULL",
                [t(op_before)],
            )?;
            let reads = tx.execute(
                "UPDATE access_log SET record_ids = '[]', detail = ''
                 WHERE at < ?1 AND (record_ids <> '[]' OR detail <> '')",
                [t(access_before)],
            )?;
            tx.commit()?;
            checkpoint.written();
            Ok(u64::try_from(ops + reads).unwrap_or(u64::MAX))
        })
        .await
    }

    async fn compact_after_disposal(&self) -> Result<()> {
        self.call(|c| {
            // secure_delete has zeroed what erasure freed in the pages; the WAL still holds
            // earlier images of those pages until it is copied back and truncated. A reader
            // holding an old snapshot makes the checkpoint give up (busy): try again briefly.
            for _ in 0..50 {
                let busy: i64 = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
                if busy == 0 {
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(StorageError::Conflict(
                "the database is busy: its write-ahead log could not be emptied after disposal; it will be on the next run".into(),
            ))
        })
        .await
    }
}
