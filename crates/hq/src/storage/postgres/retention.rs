//! The records lifecycle: the review queue, decisions and their chained log, erasure, the
//! disposals feed, and the logs' own retention. Decisions and erasures take the push lock (see
//! [`super::feed`]), so they are serialised with every push and with each other across HQ
//! processes: a push sees a record's disposal either wholly or not at all, and the decisions log
//! is chained in one line.

use super::feed::PUSH_LOCK_CLASS;
use super::{change_of, to_i64, to_u64, PostgresStorage};
use crate::push::{decision_hash, GENESIS};
use crate::storage::{
    photos_of, DecisionEntry, DisposalRow, Erased, NewDecision, QueueRow, Result, Retention,
    RetentionPage, RetentionQuery, StorageError,
};
use async_trait::async_trait;
use beatbook_domain::retention::{Decision, Lifecycle};
use beatbook_domain::{OfficerId, RecordId, RecordKind};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use tokio_postgres::Row;
use uuid::Uuid;

fn kind(s: &str) -> Result<RecordKind> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("record kind {s:?}")))
}

/// The start of a day (UTC), in ms: a creation-time bound.
fn day_ms(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

/// A record's review date, or, for a state that has none, the day it was created.
fn review_date(due: Option<NaiveDate>, created_ms: Option<i64>) -> NaiveDate {
    due.unwrap_or_else(|| {
        created_ms
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .map_or(NaiveDate::MIN, |t| t.date_naive())
    })
}

const DECISION_COLUMNS: &str =
    "seq, at, officer_id, decision, until, reason, record_ids, prev_hash, hash";

fn to_decision(r: &Row) -> Result<DecisionEntry> {
    let name: String = r.get(3);
    let decision = match (name.as_str(), r.get::<_, Option<NaiveDate>>(4)) {
        ("retain", Some(until)) => Decision::Retain { until },
        ("dispose", _) => Decision::Dispose,
        ("hold", _) => Decision::Hold,
        ("release", _) => Decision::Release,
        (other, _) => return Err(StorageError::Corrupt(format!("decision {other:?}"))),
    };
    Ok(DecisionEntry {
        seq: to_u64(r.get(0)),
        at: r.get(1),
        officer_id: OfficerId::new(r.get::<_, String>(2)),
        decision,
        reason: r.get(5),
        record_ids: r.get::<_, Vec<Uuid>>(6).into_iter().map(RecordId).collect(),
        prev_hash: r.get(7),
        hash: r.get(8),
    })
}

async fn decisions_by_seq(
    c: &deadpool_postgres::Transaction<'_>,
    seqs: &[i64],
) -> Result<HashMap<i64, DecisionEntry>> {
    if seqs.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = c
        .query(
            &format!("SELECT {DECISION_COLUMNS} FROM retention_decisions WHERE seq = ANY($1)"),
            &[&seqs],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((r.get::<_, i64>(0), to_decision(r)?)))
        .collect()
}

async fn push_lock(tx: &deadpool_postgres::Transaction<'_>) -> Result<()> {
    tx.batch_execute(&format!(
        "SELECT pg_advisory_xact_lock({PUSH_LOCK_CLASS}, hashtext(coalesce(current_schema(), '')))"
    ))
    .await?;
    Ok(())
}

/// The queue's conditions: `$1` due by, `$2` kinds, `$3` areas, `$4`/`$5` creation-time bounds.
const QUEUE_WHERE: &str = "disposal_pending = 0 AND coalesce(retained_until, review_on) <= $1
    AND (cardinality($2::text[]) = 0 OR kind = ANY($2))
    AND (cardinality($3::text[]) = 0 OR (facts -> 'areas') ?| $3)
    AND ($4::bigint IS NULL OR created_ms >= $4) AND ($5::bigint IS NULL OR created_ms < $5)";

#[async_trait]
impl Retention for PostgresStorage {
    async fn retention_queue(&self, q: &RetentionQuery) -> Result<RetentionPage> {
        let kinds: Vec<String> = q.kinds.iter().map(|k| k.as_str().to_owned()).collect();
        let areas: Vec<String> = q.areas.iter().map(|a| a.to_string()).collect();
        let from = q.from.map(day_ms);
        let to = q.to.and_then(|d| d.succ_opt()).map(day_ms);
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let total: i64 = tx
            .query_one(
                &format!("SELECT count(*) FROM records WHERE {QUEUE_WHERE}"),
                &[&q.due_by, &kinds, &areas, &from, &to],
            )
            .await?
            .get(0);
        let rows = tx
            .query(
                &format!(
                    "SELECT server_seq, id, state, facts::text, kind, coalesce(retained_until, review_on),
                            hold, created_ms, last_decision
                     FROM records WHERE {QUEUE_WHERE}
                     ORDER BY coalesce(retained_until, review_on), server_seq LIMIT $6"
                ),
                &[&q.due_by, &kinds, &areas, &from, &to, &i64::from(q.limit)],
            )
            .await?;
        let mut seqs: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.get::<_, Option<i64>>(8))
            .collect();
        seqs.sort_unstable();
        seqs.dedup();
        let decisions = decisions_by_seq(&tx, &seqs).await?;
        tx.commit().await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(QueueRow {
                    change: change_of(r)?,
                    lifecycle: Lifecycle {
                        kind: kind(r.get(4))?,
                        review_on: review_date(r.get(5), r.get(7)),
                        hold: r.get(6),
                    },
                    last: r
                        .get::<_, Option<i64>>(8)
                        .and_then(|s| decisions.get(&s).cloned()),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RetentionPage {
            items,
            total: to_u64(total),
        })
    }

    async fn lifecycles(&self, ids: &[RecordId]) -> Result<Vec<(RecordId, Lifecycle)>> {
        let ids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, kind, coalesce(retained_until, review_on), hold, created_ms FROM records
                 WHERE id = ANY($1) AND disposal_pending = 0",
                &[&ids],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    RecordId(r.get(0)),
                    Lifecycle {
                        kind: kind(r.get(1))?,
                        review_on: review_date(r.get(2), r.get(4)),
                        hold: r.get(3),
                    },
                ))
            })
            .collect()
    }

    async fn decide(&self, entry: &NewDecision) -> Result<DecisionEntry> {
        let mut ids = entry.record_ids.clone();
        ids.sort();
        ids.dedup();
        let uuids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        push_lock(&tx).await?;
        let held: HashMap<Uuid, Option<String>> = tx
            .query(
                "SELECT id, hold FROM records WHERE id = ANY($1) AND disposal_pending = 0",
                &[&uuids],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        if let Some(missing) = ids.iter().find(|i| !held.contains_key(&i.0)) {
            return Err(StorageError::NotFound(format!(
                "no record {} at HQ (or it is already disposed of)",
                missing.reference()
            )));
        }
        if entry.decision == Decision::Dispose {
            if let Some(on_hold) = ids
                .iter()
                .find(|i| held.get(&i.0).is_some_and(Option::is_some))
            {
                let why = held.get(&on_hold.0).cloned().flatten().unwrap_or_default();
                return Err(StorageError::Conflict(format!(
                    "record {} is on hold ({why}): release the hold before disposing of it",
                    on_hold.reference()
                )));
            }
        }
        let last = tx
            .query_opt(
                "SELECT seq, hash FROM retention_decisions ORDER BY seq DESC LIMIT 1",
                &[],
            )
            .await?;
        let (last_seq, prev) = last.map_or((0, GENESIS.to_owned()), |r| (r.get(0), r.get(1)));
        let mut out = DecisionEntry {
            seq: to_u64(last_seq) + 1,
            at: super::ms(entry.at),
            officer_id: entry.officer_id.clone(),
            decision: entry.decision.clone(),
            reason: entry.reason.clone(),
            record_ids: ids,
            prev_hash: prev,
            hash: String::new(),
        };
        out.hash = decision_hash(&out.prev_hash, &out);
        let seq = to_i64(out.seq);
        let until = match &out.decision {
            Decision::Retain { until } => Some(*until),
            _ => None,
        };
        tx.execute(
            &format!(
                "INSERT INTO retention_decisions ({DECISION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ),
            &[
                &seq,
                &out.at,
                &out.officer_id.as_str(),
                &out.decision.as_str(),
                &until,
                &out.reason,
                &uuids,
                &out.prev_hash,
                &out.hash,
            ],
        )
        .await?;
        match &out.decision {
            Decision::Retain { .. } => {
                tx.execute(
                    "UPDATE records SET retained_until = $3, last_decision = $2 WHERE id = ANY($1)",
                    &[&uuids, &seq, &until],
                )
                .await?
            }
            Decision::Hold => {
                tx.execute(
                    "UPDATE records SET hold = $3, last_decision = $2 WHERE id = ANY($1)",
                    &[&uuids, &seq, &out.reason],
                )
                .await?
            }
            Decision::Release => {
                tx.execute(
                    "UPDATE records SET hold = NULL, last_decision = $2 WHERE id = ANY($1)",
                    &[&uuids, &seq],
                )
                .await?
            }
            Decision::Dispose => {
                tx.execute(
                    "UPDATE records SET disposal_pending = $2, last_decision = $2 WHERE id = ANY($1)",
                    &[&uuids, &seq],
                )
                .await?
            }
        };
        tx.commit().await?;
        Ok(out)
    }

    async fn erase_pending(&self, limit: u32) -> Result<Vec<Erased>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        push_lock(&tx).await?;
        let pending = tx
            .query(
                "SELECT id, kind, state, disposal_pending FROM records
                 WHERE disposal_pending <> 0 ORDER BY disposal_pending LIMIT $1",
                &[&i64::from(limit)],
            )
            .await?;
        if pending.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let mut seqs: Vec<i64> = pending.iter().map(|r| r.get(3)).collect();
        seqs.sort_unstable();
        seqs.dedup();
        let decisions = decisions_by_seq(&tx, &seqs).await?;
        let (mut ids, mut kinds, mut ats, mut bys, mut reasons, mut decs, mut photos_text) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        let mut photos: HashMap<Uuid, Vec<String>> = HashMap::new();
        for r in &pending {
            let id: Uuid = r.get(0);
            let seq: i64 = r.get(3);
            let d = decisions.get(&seq).ok_or_else(|| {
                StorageError::Corrupt(format!(
                    "record {id} waits on decision {seq}, which the log does not hold"
                ))
            })?;
            let listed = photos_of(r.get(2));
            ids.push(id);
            kinds.push(r.get::<_, String>(1));
            ats.push(d.at);
            bys.push(d.officer_id.as_str().to_owned());
            reasons.push(d.reason.clone());
            decs.push(seq);
            photos_text.push(serde_json::to_string(&listed)?);
            photos.insert(id, listed);
        }
        let inserted = tx
            .query(
                "INSERT INTO disposals (record_id, kind, disposed_at, disposed_by, reason, decision, photos)
                 SELECT t.id, t.kind, t.at, t.by, t.reason, t.decision,
                        ARRAY(SELECT jsonb_array_elements_text(t.photos::jsonb))
                 FROM UNNEST($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::bigint[], $7::text[])
                     AS t(id, kind, at, by, reason, decision, photos)
                 ORDER BY t.decision, t.id
                 RETURNING seq, record_id",
                &[&ids, &kinds, &ats, &bys, &reasons, &decs, &photos_text],
            )
            .await?;
        let (mut erased_ids, mut erased_seqs) = (Vec::new(), Vec::new());
        for r in &inserted {
            erased_seqs.push(r.get::<_, i64>(0));
            erased_ids.push(r.get::<_, Uuid>(1));
        }
        tx.execute(
            "DELETE FROM record_audience WHERE record_id = ANY($1)",
            &[&erased_ids],
        )
        .await?;
        tx.execute("DELETE FROM records WHERE id = ANY($1)", &[&erased_ids])
            .await?;
        // As the owner (HQ's app role may not change the op log): only the text, only of records
        // whose disposal is on record (see migration 0016).
        tx.query_one(
            "SELECT beatbook_clear_disposed_ops($1::uuid[])",
            &[&erased_ids],
        )
        .await?;
        tx.commit().await?;
        let mut out: Vec<Erased> = erased_ids
            .iter()
            .zip(&erased_seqs)
            .map(|(id, seq)| Erased {
                seq: to_u64(*seq),
                record_id: RecordId(*id),
                photos: photos.remove(id).unwrap_or_default(),
            })
            .collect();
        out.sort_by_key(|e| e.seq);
        Ok(out)
    }

    async fn disposals_with_files(&self, limit: u32) -> Result<Vec<Erased>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT seq, record_id, photos FROM disposals WHERE NOT files_done ORDER BY seq LIMIT $1",
                &[&i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Erased {
                seq: to_u64(r.get(0)),
                record_id: RecordId(r.get(1)),
                photos: r.get(2),
            })
            .collect())
    }

    async fn files_removed(&self, seqs: &[u64]) -> Result<()> {
        let seqs: Vec<i64> = seqs.iter().map(|s| to_i64(*s)).collect();
        self.client()
            .await?
            .execute(
                "UPDATE disposals SET files_done = TRUE WHERE seq = ANY($1)",
                &[&seqs],
            )
            .await?;
        Ok(())
    }

    async fn disposals_after(&self, after: u64, limit: u32) -> Result<Vec<(u64, RecordId)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT seq, record_id FROM disposals WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&to_i64(after), &i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (to_u64(r.get(0)), RecordId(r.get(1))))
            .collect())
    }

    async fn disposal(&self, id: RecordId) -> Result<Option<DisposalRow>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT seq, kind, disposed_at, disposed_by, reason, photos, files_done
                 FROM disposals WHERE record_id = $1",
                &[&id.0],
            )
            .await?;
        row.map(|r| {
            Ok(DisposalRow {
                seq: to_u64(r.get(0)),
                record_id: id,
                kind: kind(r.get(1))?,
                disposed_at: r.get(2),
                disposed_by: OfficerId::new(r.get::<_, String>(3)),
                reason: r.get(4),
                photos: r.get(5),
                files_done: r.get(6),
            })
        })
        .transpose()
    }

    async fn decisions(&self, limit: u32) -> Result<Vec<DecisionEntry>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {DECISION_COLUMNS} FROM retention_decisions ORDER BY seq DESC LIMIT $1"
                ),
                &[&i64::from(limit)],
            )
            .await?;
        rows.iter().map(to_decision).collect()
    }

    async fn decision_log(&self) -> Result<Vec<DecisionEntry>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!("SELECT {DECISION_COLUMNS} FROM retention_decisions ORDER BY seq"),
                &[],
            )
            .await?;
        rows.iter().map(to_decision).collect()
    }

    async fn past_review(
        &self,
        kinds: &[RecordKind],
        today: NaiveDate,
        limit: u32,
    ) -> Result<Vec<RecordId>> {
        let kinds: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id FROM records WHERE disposal_pending = 0 AND hold IS NULL
                   AND coalesce(retained_until, review_on) < $1 AND kind = ANY($2)
                 ORDER BY coalesce(retained_until, review_on), server_seq LIMIT $3",
                &[&today, &kinds, &i64::from(limit)],
            )
            .await?;
        Ok(rows.iter().map(|r| RecordId(r.get(0))).collect())
    }

    async fn forget_old_log_text(
        &self,
        op_before: DateTime<Utc>,
        access_before: DateTime<Utc>,
    ) -> Result<u64> {
        // As the owner, only clearing (see migration 0016).
        let cleared: i64 = self
            .client()
            .await?
            .query_one(
                "SELECT beatbook_forget_old_log_text($1, $2)",
                &[&op_before, &access_before],
            )
            .await?
            .get(0);
        Ok(to_u64(cleared))
    }

    async fn compact_after_disposal(&self) -> Result<()> {
        // VACUUM cannot run in a transaction: each on its own. It marks the dead row versions
        // erasure left (the records, their change-feed rows, the op texts) as free space to be
        // written over; it does not overwrite them on disk (see the README).
        let client = self.client().await?;
        for table in ["records", "record_audience", "op_log", "access_log"] {
            client.batch_execute(&format!("VACUUM {table}")).await?;
        }
        Ok(())
    }
}
