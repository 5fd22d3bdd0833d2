//! The audit trail: the op log (written by pushes, see [`super::feed`]) and the access log.

use super::{to_i64, to_u64, PostgresStorage};
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
use deadpool_postgres::Transaction;
use tokio_postgres::Row;
use uuid::Uuid;

/// The words in place of a cleared op text, from the columns from `at`: whether it is cleared,
/// then the disposal's time, officer and reason, and the officer's collar number and name.
fn text_gone(r: &Row, at: usize) -> Option<String> {
    if !r.get::<_, bool>(at) {
        return None;
    }
    let disposal = r.get::<_, Option<DateTime<Utc>>>(at + 1).map(|when| {
        let by: String = r.get(at + 2);
        let who = match (
            r.get::<_, Option<String>>(at + 5),
            r.get::<_, Option<String>>(at + 4),
        ) {
            (Some(name), Some(collar)) => format!("{name} ({collar})"),
            _ => by,
        };
        (when, who, r.get::<_, String>(at + 3))
    });
    Some(text_gone_words(disposal.as_ref().map(
        |(when, who, reason)| (*when, who.as_str(), reason.as_str()),
    )))
}

/// Append one entry to the access log, inside the caller's transaction if it has one (the
/// tablets' reads are logged with their ledger rows: see `device_reads`).
/// Append one entry to the access log, chained to the one before, inside `tx` (the chain's head
/// row is locked by [`head`] until it commits, so several HQ processes cannot fork the chain).
pub(super) async fn insert_access(tx: &Transaction<'_>, entry: &AccessEntry) -> Result<()> {
    let (seq, hash) = head(tx, ACCESS_LOG).await?;
    let c = chain_access(seq, &hash, entry);
    let e = &c.entry;
    let ids: Vec<Uuid> = e.record_ids.iter().map(|r| r.0).collect();
    let device: Option<Uuid> = e.device_id.map(|d| d.0);
    tx.execute(
        "INSERT INTO access_log (at, officer_id, device_id, action, record_ids, detail, purpose, seq, text_sha256, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &e.at,
            &e.officer_id.as_str(),
            &device,
            &e.action,
            &ids,
            &e.detail,
            &e.purpose,
            &to_i64(c.seq),
            &c.text_sha256,
            &c.prev_hash,
            &c.hash,
        ],
    )
    .await?;
    move_head(tx, ACCESS_LOG, c.seq, &c.hash).await
}

#[async_trait]
impl AuditTrail for PostgresStorage {
    async fn op_log(&self, device: DeviceId) -> Result<Vec<LoggedOp>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device_seq, op, outcome, received_at, prev_hash, hash, op_sha256, disposed
                 FROM op_log WHERE device_id = $1 ORDER BY device_seq",
                &[&device.0],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| LoggedOp {
                device_seq: to_u64(r.get(0)),
                op_json: r.get::<_, Option<String>>(1).unwrap_or_default(),
                op_sha256: r.get(6),
                disposed: r.get::<_, Option<i64>>(7).map(to_u64),
                outcome_json: r.get(2),
                received_at: r.get(3),
                prev_hash: r.get(4),
                hash: r.get(5),
            })
            .collect())
    }

    async fn search_op_log(&self, query: &OpLogQuery) -> Result<Vec<OpLogEntry>> {
        let device: Option<Uuid> = query.device_id.map(|d| d.0);
        let record: Option<Uuid> = query.record_id.map(|r| r.0);
        let author = query.author.as_ref().map(|a| a.as_str().to_owned());
        let rows = self
            .client()
            .await?
            .query(
                "SELECT l.device_id, l.device_seq, l.record_id, l.kind, l.author, l.received_at, l.server_seq, l.outcome,
                        l.op IS NULL, d.disposed_at, d.disposed_by, d.reason, o.collar_number, o.body ->> 'name'
                 FROM op_log l LEFT JOIN disposals d ON d.seq = l.disposed LEFT JOIN officers o ON o.id = d.disposed_by
                 WHERE ($1::uuid IS NULL OR l.device_id = $1) AND ($2::uuid IS NULL OR l.record_id = $2)
                   AND ($3::text IS NULL OR l.author = $3)
                   AND ($4::timestamptz IS NULL OR l.received_at >= $4) AND ($5::timestamptz IS NULL OR l.received_at <= $5)
                 ORDER BY l.received_at DESC, l.device_id, l.device_seq DESC LIMIT $6",
                &[&device, &record, &author, &query.from, &query.to, &i64::from(query.limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| OpLogEntry {
                device_id: DeviceId(r.get(0)),
                device_seq: to_u64(r.get(1)),
                record_id: RecordId(r.get(2)),
                kind: r.get(3),
                author: OfficerId::new(r.get::<_, String>(4)),
                received_at: r.get(5),
                server_seq: r.get::<_, Option<i64>>(6).map(to_u64),
                outcome_json: r.get(7),
                text_gone: text_gone(r, 8),
            })
            .collect())
    }

    async fn record_ops(&self, id: RecordId, limit: u32) -> Result<Vec<RecordOp>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT l.device_id, l.op, l.outcome, l.received_at,
                        l.op IS NULL, d.disposed_at, d.disposed_by, d.reason, o.collar_number, o.body ->> 'name'
                 FROM op_log l LEFT JOIN disposals d ON d.seq = l.disposed LEFT JOIN officers o ON o.id = d.disposed_by
                 WHERE l.record_id = $1
                 ORDER BY l.received_at DESC, l.device_id DESC, l.device_seq DESC LIMIT $2",
                &[&id.0, &i64::from(limit)],
            )
            .await?;
        let mut out: Vec<RecordOp> = rows
            .iter()
            .map(|r| RecordOp {
                device_id: DeviceId(r.get(0)),
                op_json: r.get::<_, Option<String>>(1).unwrap_or_default(),
                text_gone: text_gone(r, 4),
                outcome_json: r.get(2),
                received_at: r.get(3),
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    async fn log_access(&self, entry: &AccessEntry) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        insert_access(&tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn access_chain(&self, after: u64, limit: u32) -> Result<Vec<ChainedAccess>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT at, officer_id, device_id, action, record_ids, detail, purpose, seq, text_sha256, prev_hash, hash
                 FROM access_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&to_i64(after), &i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| ChainedAccess {
                entry: access_entry(r),
                seq: to_u64(r.get(7)),
                text_sha256: r.get(8),
                prev_hash: r.get(9),
                hash: r.get(10),
            })
            .collect())
    }

    async fn append_admin_log(
        &self,
        at: DateTime<Utc>,
        by: Option<&OfficerId>,
        action: &str,
        detail: &str,
    ) -> Result<AdminLogEntry> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let (seq, hash) = head(&tx, ADMIN_LOG).await?;
        let e = chain_admin(seq, &hash, at, by, action, detail);
        tx.execute(
            "INSERT INTO admin_log (seq, at, officer_id, action, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &to_i64(e.seq),
                &e.at,
                &e.officer_id.as_ref().map(|o| o.as_str()),
                &e.action,
                &e.detail,
                &e.prev_hash,
                &e.hash,
            ],
        )
        .await?;
        move_head(&tx, ADMIN_LOG, e.seq, &e.hash).await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn admin_log(&self, query: &AdminLogQuery) -> Result<Vec<AdminLogEntry>> {
        let officer = query.officer_id.as_ref().map(|o| o.as_str().to_owned());
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {ADMIN_COLUMNS} FROM admin_log
                     WHERE ($1::text IS NULL OR officer_id = $1) AND ($2::text IS NULL OR action = $2)
                       AND ($3::text IS NULL OR strpos(lower(detail), lower($3)) > 0)
                       AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at <= $5)
                     ORDER BY seq DESC LIMIT $6"
                ),
                &[
                    &officer,
                    &query.action,
                    &query.text,
                    &query.from,
                    &query.to,
                    &i64::from(query.limit),
                ],
            )
            .await?;
        Ok(rows.iter().map(admin_entry).collect())
    }

    async fn admin_chain(&self, after: u64, limit: u32) -> Result<Vec<AdminLogEntry>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {ADMIN_COLUMNS} FROM admin_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                ),
                &[&to_i64(after), &i64::from(limit)],
            )
            .await?;
        Ok(rows.iter().map(admin_entry).collect())
    }

    async fn chain_head(&self, chain: &str) -> Result<Option<(u64, String)>> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT seq, hash FROM chain_heads WHERE chain = $1",
                &[&chain],
            )
            .await?
            .map(|r| (to_u64(r.get(0)), r.get(1))))
    }

    async fn access_log(&self, query: &AccessQuery) -> Result<Vec<AccessEntry>> {
        let officer = query.officer_id.as_ref().map(|o| o.as_str().to_owned());
        let device: Option<Uuid> = query.device_id.map(|d| d.0);
        let record: Option<Vec<Uuid>> = query.record_id.map(|r| vec![r.0]);
        let rows = self
            .client()
            .await?
            .query(
                "SELECT at, officer_id, device_id, action, record_ids, detail, purpose FROM access_log
                 WHERE ($1::text IS NULL OR officer_id = $1) AND ($2::uuid IS NULL OR device_id = $2)
                   AND ($3::uuid[] IS NULL OR record_ids @> $3)
                   AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at <= $5)
                 ORDER BY id DESC LIMIT $6",
                &[&officer, &device, &record, &query.from, &query.to, &i64::from(query.limit)],
            )
            .await?;
        Ok(rows.iter().map(access_entry).collect())
    }
}

/// An access-log row from its first seven columns: at, officer, device, action, records, detail,
/// purpose.
fn access_entry(r: &Row) -> AccessEntry {
    AccessEntry {
        at: r.get(0),
        officer_id: OfficerId::new(r.get::<_, String>(1)),
        device_id: r.get::<_, Option<Uuid>>(2).map(DeviceId),
        action: r.get(3),
        record_ids: r.get::<_, Vec<Uuid>>(4).into_iter().map(RecordId).collect(),
        detail: r.get(5),
        purpose: r.get(6),
    }
}

const ADMIN_COLUMNS: &str = "seq, at, officer_id, action, detail, prev_hash, hash";

fn admin_entry(r: &Row) -> AdminLogEntry {
    AdminLogEntry {
        seq: to_u64(r.get(0)),
        at: r.get(1),
        officer_id: r.get::<_, Option<String>>(2).map(OfficerId::new),
        action: r.get(3),
        detail: r.get(4),
        prev_hash: r.get(5),
        hash: r.get(6),
    }
}

/// A chain's head, locked (`FOR UPDATE`) until the transaction that appends to it ends: another
/// HQ process appending waits for it, so the chain cannot fork.
async fn head(tx: &Transaction<'_>, chain: &str) -> Result<(u64, String)> {
    tx.execute(
        "INSERT INTO chain_heads (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
        &[&chain, &crate::push::GENESIS],
    )
    .await?;
    let r = tx
        .query_one(
            "SELECT seq, hash FROM chain_heads WHERE chain = $1 FOR UPDATE",
            &[&chain],
        )
        .await?;
    Ok((to_u64(r.get(0)), r.get(1)))
}

/// Move a chain's head to its new last entry.
async fn move_head(tx: &Transaction<'_>, chain: &str, seq: u64, hash: &str) -> Result<()> {
    tx.execute(
        "UPDATE chain_heads SET seq = $2, hash = $3 WHERE chain = $1",
        &[&chain, &to_i64(seq), &hash],
    )
    .await?;
    Ok(())
}
