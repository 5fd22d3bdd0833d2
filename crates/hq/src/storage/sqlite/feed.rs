//! The change feed: a push is loaded, planned (`crate::push`) and written in one immediate
//! transaction, and read back by server sequence, all of it or under a viewer's keys.

use super::records::{change_columns, to_change};
use super::{record_id, t, to_i64, to_u64, SqliteStorage};
use crate::push::{Loaded, Plan};
use crate::storage::{Change, Feed, PushPlanner, Result, StorageError};
use async_trait::async_trait;
use beatbook_domain::access::{audience, AccessFacts};
use beatbook_domain::merge::RecordState;
use beatbook_domain::{DeviceId, Op, RecordId};
use chrono::Utc;
use rusqlite::{OptionalExtension, TransactionBehavior};

#[async_trait]
impl Feed for SqliteStorage {
    async fn push(&self, device: DeviceId, ops: &[Op], planner: PushPlanner) -> Result<Plan> {
        let ops: Vec<(u64, RecordId)> = ops.iter().map(|o| (o.device_seq, o.record_id)).collect();
        let checkpoint = self.checkpoint.clone();
        self.call(move |c| {
            let started = std::time::Instant::now();
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let dev = device.to_string();
            let (next_seq, chain_head): (i64, String) =
                tx.query_row("SELECT next_seq, chain_head FROM devices WHERE id = ?1", [&dev], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let mut loaded = Loaded { next_seq: to_u64(next_seq), chain_head, ..Loaded::default() };
            {
                let mut outcome = tx.prepare_cached("SELECT outcome FROM op_log WHERE device_id = ?1 AND device_seq = ?2")?;
                let mut state = tx.prepare_cached("SELECT state, disposal_pending FROM records WHERE id = ?1")?;
                let mut disposal = tx.prepare_cached("SELECT seq FROM disposals WHERE record_id = ?1")?;
                for &(device_seq, record_id) in &ops {
                    if device_seq < loaded.next_seq {
                        if let Some(o) = outcome.query_row((&dev, to_i64(device_seq)), |r| r.get::<_, String>(0)).optional()? {
                            loaded.logged.insert(device_seq, o);
                        }
                    }
                    if loaded.states.contains_key(&record_id) || loaded.disposed.contains_key(&record_id) {
                        continue;
                    }
                    let id = record_id.to_string();
                    match state.query_row([&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).optional()? {
                        // Waiting to be erased: as good as disposed of.
                        Some((_, pending)) if pending != 0 => {
                            loaded.disposed.insert(record_id, 0);
                        }
                        Some((s, _)) => {
                            loaded.states.insert(record_id, serde_json::from_str::<RecordState>(&s)?);
                        }
                        None => {
                            if let Some(seq) = disposal.query_row([&id], |r| r.get::<_, i64>(0)).optional()? {
                                loaded.disposed.insert(record_id, to_u64(seq));
                            }
                        }
                    }
                }
            }
            let existed: std::collections::HashSet<RecordId> = loaded.states.keys().copied().collect();
            let head: String = tx.query_row("SELECT value FROM meta WHERE key = 'server_head'", [], |r| r.get(0))?;
            loaded.server_head = head.parse().map_err(|_| StorageError::Corrupt("server_head".into()))?;

            let loaded_at = started.elapsed();
            let plan = planner(loaded);
            let planned_at = started.elapsed();
            let now = t(Utc::now());
            {
                let mut log = tx.prepare_cached(
                    "INSERT INTO op_log (device_id, device_seq, record_id, kind, author, op, outcome, received_at, server_seq, prev_hash, hash, op_sha256, disposed)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )?;
                for row in &plan.log {
                    log.execute(rusqlite::params![
                        dev,
                        to_i64(row.device_seq),
                        row.record_id.to_string(),
                        row.kind.as_str(),
                        row.author.as_str(),
                        row.op_json,
                        row.outcome_json,
                        now,
                        row.server_seq.map(to_i64),
                        row.prev_hash,
                        row.hash,
                        row.op_sha256,
                        row.disposed.map(to_i64),
                    ])?;
                }
                let mut rec = tx.prepare_cached(
                    "INSERT INTO records (id, kind, state, facts, server_seq, answered_ms, review_on, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, state = excluded.state, facts = excluded.facts, server_seq = excluded.server_seq,
                       answered_ms = COALESCE(MIN(records.answered_ms, excluded.answered_ms), records.answered_ms, excluded.answered_ms),
                       review_on = excluded.review_on, created_ms = excluded.created_ms",
                )?;
                let mut old_keys = tx.prepare_cached("DELETE FROM record_audience WHERE record_id = ?1 RETURNING key")?;
                let mut file = tx.prepare_cached("INSERT INTO record_audience (key, server_seq, record_id) VALUES (?1, ?2, ?3)")?;
                for r in &plan.records {
                    let id = r.state.id.to_string();
                    rec.execute(rusqlite::params![
                        &id,
                        r.state.kind.as_str(),
                        &r.state_json,
                        serde_json::to_string(&r.facts)?,
                        to_i64(r.server_seq),
                        r.answered_ms.map(to_i64),
                        r.review_on.map(|d| d.to_string()),
                        to_i64(r.state.created.hlc.wall_ms),
                    ])?;
                    let mut keys = audience(&r.facts);
                    if existed.contains(&r.state.id) {
                        // Keys stick, so whoever could see an earlier version hears of this one.
                        for key in old_keys.query_map([&id], |row| row.get::<_, String>(0))? {
                            keys.push(key?);
                        }
                        keys.sort();
                        keys.dedup();
                    }
                    for key in &keys {
                        file.execute((key, to_i64(r.server_seq), &id))?;
                    }
                }
            }
            tx.execute(
                "UPDATE devices SET next_seq = ?2, chain_head = ?3, last_seen_at = ?4 WHERE id = ?1",
                (&dev, to_i64(plan.next_seq), &plan.chain_head, &now),
            )?;
            tx.execute("UPDATE meta SET value = ?1 WHERE key = 'server_head'", [plan.server_head.to_string()])?;
            let written_at = started.elapsed();
            tx.commit()?;
            checkpoint.written();
            let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
            tracing::debug!(
                ops = ops.len(),
                load_ms = ms(loaded_at),
                plan_ms = ms(planned_at - loaded_at),
                write_ms = ms(written_at - planned_at),
                commit_ms = ms(started.elapsed() - written_at),
                "sqlite push"
            );
            Ok(plan)
        })
        .await
    }

    async fn changes_after(&self, after: u64, limit: u32) -> Result<Vec<Change>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached("SELECT server_seq, id, state, facts FROM records WHERE server_seq > ?1 ORDER BY server_seq LIMIT ?2")?;
            let rows = stmt.query_map((to_i64(after), i64::from(limit)), change_columns)?;
            rows.map(|r| to_change(r?)).collect()
        })
        .await
    }

    async fn changes_for(&self, keys: &[String], after: u64, limit: u32) -> Result<Vec<Change>> {
        let keys = keys.to_vec();
        self.call(move |c| {
            // One index range per key, merged: the first `limit` distinct sequences after the cursor.
            let tx = c.transaction()?;
            let mut seqs = Vec::new();
            {
                let mut stmt = tx.prepare_cached(
                    "SELECT server_seq FROM record_audience WHERE key = ?1 AND server_seq > ?2 ORDER BY server_seq LIMIT ?3",
                )?;
                for key in &keys {
                    for seq in stmt.query_map((key, to_i64(after), i64::from(limit)), |r| r.get::<_, i64>(0))? {
                        seqs.push(seq?);
                    }
                }
            }
            seqs.sort_unstable();
            seqs.dedup();
            seqs.truncate(limit as usize);
            let mut changes = Vec::with_capacity(seqs.len());
            {
                let mut stmt = tx.prepare_cached("SELECT id, state, facts FROM records WHERE server_seq = ?1")?;
                for seq in seqs {
                    // Every filed sequence is a record's latest: stale rows go when it changes.
                    let (id, state_json, facts) = stmt.query_row([seq], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                    })?;
                    changes.push(Change {
                        server_seq: to_u64(seq),
                        record_id: record_id(&id)?,
                        state_json,
                        facts: serde_json::from_str::<AccessFacts>(&facts)?,
                    });
                }
            }
            tx.commit()?;
            Ok(changes)
        })
        .await
    }

    async fn head(&self) -> Result<u64> {
        self.call(|c| {
            let v: String = c.query_row(
                "SELECT value FROM meta WHERE key = 'server_head'",
                [],
                |r| r.get(0),
            )?;
            v.parse()
                .map_err(|_| StorageError::Corrupt("server_head".into()))
        })
        .await
    }
}
