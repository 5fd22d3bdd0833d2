//! The change feed. A push takes the push lock, loads what its batch needs, plans it
//! (`crate::push`, off the async workers) and writes it in a handful of statements whatever its
//! size; changes are read back by server sequence, all of them or under a viewer's keys.

use super::{change_of, ms, to_i64, to_u64, PostgresStorage};
use crate::push::{Loaded, Plan};
use crate::storage::{Change, Feed, PushPlanner, Result, StorageError};
use async_trait::async_trait;
use beatbook_domain::access::{audience, AccessFacts};
use beatbook_domain::merge::RecordState;
use beatbook_domain::{DeviceId, Op, RecordId};
use chrono::Utc;
use std::collections::HashSet;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{Json, Type};
use tokio_postgres::IsolationLevel;
use uuid::Uuid;

/// The advisory lock every push takes (this class, then a hash of the schema the tables live
/// in), so every HQ process writing the same tables queues on the same lock.
pub(super) const PUSH_LOCK_CLASS: i32 = 0x6270_7368; // "bpsh"

const LOAD_OUTCOMES: &str =
    "SELECT device_seq, outcome FROM op_log WHERE device_id = $1 AND device_seq = ANY($2)";
const LOAD_STATES: &str = "SELECT id, state, disposal_pending FROM records WHERE id = ANY($1)";
/// Records of the batch disposed of at HQ: their ops are refused and not kept.
const LOAD_DISPOSED: &str = "SELECT record_id, seq FROM disposals WHERE record_id = ANY($1)";
const COPY_LOG: &str = "COPY op_log (device_id, device_seq, record_id, kind, author, op, outcome,
    received_at, server_seq, prev_hash, hash, op_sha256, disposed) FROM STDIN BINARY";
const LOG_TYPES: &[Type] = &[
    Type::UUID,
    Type::INT8,
    Type::UUID,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT8,
];
const COPY_RECORDS: &str = "COPY records (id, kind, state, facts, server_seq, answered_ms,
    review_on, created_ms) FROM STDIN BINARY";
const RECORD_TYPES: &[Type] = &[
    Type::UUID,
    Type::TEXT,
    Type::TEXT,
    Type::JSONB,
    Type::INT8,
    Type::INT8,
    Type::DATE,
    Type::INT8,
];
/// Re-files records already held at their new sequence under the keys they had (keys stick).
const REFILE_HELD: &str = "WITH old AS (
        DELETE FROM record_audience WHERE record_id = ANY($1::uuid[]) RETURNING key, record_id)
    INSERT INTO record_audience (key, server_seq, record_id)
    SELECT old.key, t.seq, t.id FROM old JOIN UNNEST($1::uuid[], $2::bigint[]) AS t(id, seq)
        ON t.id = old.record_id
    ON CONFLICT DO NOTHING";
const FILE_RECORDS: &str = "INSERT INTO record_audience (key, server_seq, record_id)
    SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::uuid[]) ON CONFLICT DO NOTHING";
/// The first `limit` changes after the cursor under any of the keys: one index range per key,
/// each cut at `limit`, merged.
const CHANGES_FOR: &str = "SELECT r.server_seq, r.id, r.state, r.facts::text FROM records r
    JOIN (SELECT DISTINCT x.s FROM unnest($1::text[]) AS k(key),
            LATERAL (SELECT a.server_seq AS s FROM record_audience a
                     WHERE a.key = k.key AND a.server_seq > $2 ORDER BY a.server_seq LIMIT $3) x
          ORDER BY x.s LIMIT $3) f ON r.server_seq = f.s
    ORDER BY r.server_seq";
/// `LEAST` ignores NULLs, so a concern's first answer is kept.
const UPDATE_RECORDS: &str = "UPDATE records AS r
    SET kind = t.kind, state = t.state, facts = t.facts, server_seq = t.seq,
        answered_ms = LEAST(r.answered_ms, t.answered), review_on = t.review_on
    FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::bigint[], $6::bigint[],
                $7::date[])
        AS t(id, kind, state, facts, seq, answered, review_on)
    WHERE r.id = t.id";

#[async_trait]
impl Feed for PostgresStorage {
    async fn push(&self, device: DeviceId, ops: &[Op], planner: PushPlanner) -> Result<Plan> {
        let mut client = self.client().await?;
        // READ COMMITTED: each statement sees what committed before it started, so once the lock
        // is held, the head read next is the one the previous push committed.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await?;
        // First, before reading anything: every push on these tables queues here until the one
        // before it has committed, so server sequences are handed out in commit order.
        tx.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock({PUSH_LOCK_CLASS}, hashtext(coalesce(current_schema(), '')))"
        ))
        .await?;

        let dev = device.0;
        let row = tx
            .query_opt(
                "SELECT next_seq, chain_head FROM devices WHERE id = $1",
                &[&dev],
            )
            .await?
            .ok_or(StorageError::NoDevice(device))?;
        let next_seq = to_u64(row.get(0));
        let mut loaded = Loaded {
            next_seq,
            chain_head: row.get(1),
            ..Loaded::default()
        };
        let retried: Vec<i64> = ops
            .iter()
            .filter(|o| o.device_seq < next_seq)
            .map(|o| to_i64(o.device_seq))
            .collect();
        let ids: Vec<Uuid> = ops
            .iter()
            .map(|o| o.record_id.0)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // Independent reads, pipelined on the one connection.
        let (outcomes, states, disposed, head) = tokio::try_join!(
            async {
                if retried.is_empty() {
                    return Ok(Vec::new());
                }
                let stmt = tx.prepare_cached(LOAD_OUTCOMES).await?;
                tx.query(&stmt, &[&dev, &retried]).await
            },
            async {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let stmt = tx.prepare_cached(LOAD_STATES).await?;
                tx.query(&stmt, &[&ids]).await
            },
            async {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let stmt = tx.prepare_cached(LOAD_DISPOSED).await?;
                tx.query(&stmt, &[&ids]).await
            },
            tx.query_one("SELECT value FROM meta WHERE key = 'server_head'", &[]),
        )?;
        for r in &outcomes {
            loaded.logged.insert(to_u64(r.get(0)), r.get(1));
        }
        let mut existing = HashSet::with_capacity(states.len());
        for r in &states {
            existing.insert(r.get::<_, Uuid>(0));
            let id = RecordId(r.get(0));
            if r.get::<_, i64>(2) != 0 {
                // Waiting to be erased: as good as disposed of.
                loaded.disposed.insert(id, 0);
                continue;
            }
            loaded
                .states
                .insert(id, serde_json::from_str::<RecordState>(r.get(1))?);
        }
        for r in &disposed {
            loaded.disposed.insert(RecordId(r.get(0)), to_u64(r.get(1)));
        }
        loaded.server_head = to_u64(head.get(0));

        // Planning is CPU work (merging, checking, hashing): keep it off the async workers.
        let plan = tokio::task::spawn_blocking(move || planner(loaded)).await?;
        let now = ms(Utc::now());

        // Each part of the batch is one statement however many ops it holds: the op log and new
        // records stream in by binary COPY; records already held are updated from arrays.
        if !plan.log.is_empty() {
            let sink = tx.copy_in(COPY_LOG).await?;
            let writer = BinaryCopyInWriter::new(sink, LOG_TYPES);
            tokio::pin!(writer);
            for row in &plan.log {
                writer
                    .as_mut()
                    .write(&[
                        &dev,
                        &to_i64(row.device_seq),
                        &row.record_id.0,
                        &row.kind.as_str(),
                        &row.author.as_str(),
                        &row.op_json,
                        &row.outcome_json,
                        &now,
                        &row.server_seq.map(to_i64),
                        &row.prev_hash,
                        &row.hash,
                        &row.op_sha256,
                        &row.disposed.map(to_i64),
                    ])
                    .await?;
            }
            writer.finish().await?;
        }
        // Under the lock no other push can create these records meanwhile, so what was loaded
        // tells new records from held ones.
        let (held, new): (Vec<_>, Vec<_>) = plan
            .records
            .iter()
            .partition(|r| existing.contains(&r.state.id.0));
        if !new.is_empty() {
            let sink = tx.copy_in(COPY_RECORDS).await?;
            let writer = BinaryCopyInWriter::new(sink, RECORD_TYPES);
            tokio::pin!(writer);
            for r in &new {
                writer
                    .as_mut()
                    .write(&[
                        &r.state.id.0,
                        &r.state.kind.as_str(),
                        &r.state_json,
                        &Json(&r.facts),
                        &to_i64(r.server_seq),
                        &r.answered_ms.map(to_i64),
                        &r.review_on,
                        &to_i64(r.state.created.hlc.wall_ms),
                    ])
                    .await?;
            }
            writer.finish().await?;
        }
        let ids: Vec<Uuid> = held.iter().map(|r| r.state.id.0).collect();
        let kinds: Vec<&str> = held.iter().map(|r| r.state.kind.as_str()).collect();
        let states: Vec<&str> = held.iter().map(|r| r.state_json.as_str()).collect();
        let facts: Vec<Json<&AccessFacts>> = held.iter().map(|r| Json(&r.facts)).collect();
        let seqs: Vec<i64> = held.iter().map(|r| to_i64(r.server_seq)).collect();
        let answered: Vec<Option<i64>> = held.iter().map(|r| r.answered_ms.map(to_i64)).collect();
        let reviews: Vec<Option<chrono::NaiveDate>> = held.iter().map(|r| r.review_on).collect();
        let next = to_i64(plan.next_seq);
        let server_head = to_i64(plan.server_head);
        let (mut file_keys, mut file_seqs, mut file_ids) = (Vec::new(), Vec::new(), Vec::new());
        for r in &plan.records {
            for key in audience(&r.facts) {
                file_keys.push(key);
                file_seqs.push(to_i64(r.server_seq));
                file_ids.push(r.state.id.0);
            }
        }
        // Held records first: their old rows go, their sticky keys come back at the new sequence.
        if !held.is_empty() {
            let stmt = tx.prepare_cached(REFILE_HELD).await?;
            tx.execute(&stmt, &[&ids, &seqs]).await?;
        }
        tokio::try_join!(
            async {
                if file_keys.is_empty() {
                    return Ok(0);
                }
                let stmt = tx.prepare_cached(FILE_RECORDS).await?;
                tx.execute(&stmt, &[&file_keys, &file_seqs, &file_ids])
                    .await
            },
            async {
                if held.is_empty() {
                    return Ok(0);
                }
                let stmt = tx.prepare_cached(UPDATE_RECORDS).await?;
                tx.execute(
                    &stmt,
                    &[&ids, &kinds, &states, &facts, &seqs, &answered, &reviews],
                )
                .await
            },
            async {
                tx.execute(
                    "UPDATE devices SET next_seq = $2, chain_head = $3, last_seen_at = $4 WHERE id = $1",
                    &[&dev, &next, &plan.chain_head, &now],
                )
                .await
            },
            async {
                tx.execute(
                    "UPDATE meta SET value = $1 WHERE key = 'server_head'",
                    &[&server_head],
                )
                .await
            },
        )?;
        tx.commit().await?;
        Ok(plan)
    }

    async fn changes_after(&self, after: u64, limit: u32) -> Result<Vec<Change>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT server_seq, id, state, facts::text FROM records
                 WHERE server_seq > $1 ORDER BY server_seq LIMIT $2",
            )
            .await?;
        let rows = client
            .query(&stmt, &[&to_i64(after), &i64::from(limit)])
            .await?;
        rows.iter().map(change_of).collect()
    }

    async fn changes_for(&self, keys: &[String], after: u64, limit: u32) -> Result<Vec<Change>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(CHANGES_FOR).await?;
        let rows = client
            .query(&stmt, &[&keys, &to_i64(after), &i64::from(limit)])
            .await?;
        rows.iter().map(change_of).collect()
    }

    async fn head(&self) -> Result<u64> {
        let row = self
            .client()
            .await?
            .query_one("SELECT value FROM meta WHERE key = 'server_head'", &[])
            .await?;
        Ok(to_u64(row.get(0)))
    }
}
