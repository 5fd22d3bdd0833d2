//! The PostgreSQL backend's schema: append-only migrations, embedded at compile time and applied
//! when HQ connects, all in one transaction under an advisory lock, so HQ processes starting
//! together do not race. `schema_migrations` lists those applied. A shipped migration is never
//! edited; a change is a new file.
//!
//! A migration may need work SQL cannot do (0007 re-chains the op log with the new hash
//! formula): its file then holds a `-- rechain --` line, and HQ's own step runs there, between
//! the two halves, in the same transaction.

use super::to_i64;
use crate::push::{chain_hash, chain_hash_v1, op_sha256, review_on, GENESIS};
use crate::storage::{Result, StorageError};
use beatbook_domain::merge::RecordState;
use chrono::NaiveDate;
use deadpool_postgres::Transaction;
use uuid::Uuid;

/// Where a migration hands over to HQ's own step.
const STEP: &str = "-- rechain --";

/// Rows read at a time by the migration's own step.
const PAGE: i64 = 5_000;

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../migrations/postgres/0002_change_feed.sql"),
    include_str!("../../../migrations/postgres/0003_access_log.sql"),
    include_str!("../../../migrations/postgres/0004_dashboard.sql"),
    include_str!("../../../migrations/postgres/0005_framework.sql"),
    include_str!("../../../migrations/postgres/0006_sign_in_throttle.sql"),
    include_str!("../../../migrations/postgres/0007_lifecycle.sql"),
    include_str!("../../../migrations/postgres/0008_outcomes.sql"),
    include_str!("../../../migrations/postgres/0009_purposes.sql"),
    include_str!("../../../migrations/postgres/0011_device_reads.sql"),
];

/// The advisory lock migrations take: one for the whole database.
const MIGRATION_LOCK: i64 = 0x6265_6174_626f_6f6b; // "beatbook"

/// Create the schema if asked for and apply the migrations it has not had; refuse a database
/// migrated by a newer HQ.
pub(super) async fn run(
    client: &mut deadpool_postgres::Object,
    schema: Option<&str>,
) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    if let Some(name) = schema {
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS \"{name}\"; SET search_path TO \"{name}\";"
        ))
        .await?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    BIGINT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let found: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .get(0);
    let supported = MIGRATIONS.len() as i64;
    if found > supported {
        return Err(StorageError::NewerSchema { found, supported });
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or_default())
    {
        match sql.split_once(STEP) {
            Some((before, after)) => {
                tx.batch_execute(before).await?;
                lifecycle_step(&tx).await?;
                tx.batch_execute(after).await?;
            }
            None => tx.batch_execute(sql).await?,
        }
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .await?;
    }
    Ok(tx.commit().await?)
}

/// Migration 0007's own step: re-chain every device's op log with the new formula (each op's
/// SHA-256 in place of its text), and fill each record's review date and creation time.
async fn lifecycle_step(tx: &Transaction<'_>) -> Result<()> {
    let devices: Vec<Uuid> = tx
        .query("SELECT DISTINCT device_id FROM op_log", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for device in devices {
        rechain_device(tx, device).await?;
    }
    let mut after = i64::MIN;
    loop {
        let page = tx
            .query(
                "SELECT server_seq, id, state FROM records WHERE server_seq > $1 ORDER BY server_seq LIMIT $2",
                &[&after, &PAGE],
            )
            .await?;
        let Some(last) = page.last() else { break };
        after = last.get(0);
        let mut ids: Vec<Uuid> = Vec::with_capacity(page.len());
        let mut reviews: Vec<Option<NaiveDate>> = Vec::with_capacity(page.len());
        let mut created: Vec<i64> = Vec::with_capacity(page.len());
        for r in &page {
            let state: RecordState = serde_json::from_str(r.get(2))?;
            ids.push(r.get(1));
            reviews.push(review_on(&state));
            created.push(to_i64(state.created.hlc.wall_ms));
        }
        tx.execute(
            "UPDATE records AS r SET review_on = t.review_on, created_ms = t.created_ms
             FROM UNNEST($1::uuid[], $2::date[], $3::bigint[]) AS t(id, review_on, created_ms)
             WHERE r.id = t.id",
            &[&ids, &reviews, &created],
        )
        .await?;
    }
    Ok(())
}

/// Re-chain one device's op log. Where the old chain was already broken, the rows from the break
/// on keep their old links, so the new chain breaks at the same op: migrating never mends a log
/// that was tampered with.
async fn rechain_device(tx: &Transaction<'_>, device: Uuid) -> Result<()> {
    let mut old_prev = GENESIS.to_owned();
    let mut new_prev = GENESIS.to_owned();
    let mut intact = true;
    let mut after = i64::MIN;
    loop {
        let page = tx
            .query(
                "SELECT device_seq, op, outcome, prev_hash, hash FROM op_log
                 WHERE device_id = $1 AND device_seq > $2 ORDER BY device_seq LIMIT $3",
                &[&device, &after, &PAGE],
            )
            .await?;
        let Some(last) = page.last() else { break };
        after = last.get(0);
        let (mut seqs, mut shas, mut prevs, mut hashes) = (vec![], vec![], vec![], vec![]);
        for r in &page {
            let op: String = r.get(1);
            let outcome: String = r.get(2);
            let prev_hash: String = r.get(3);
            let hash: String = r.get(4);
            let sha = op_sha256(&op);
            intact =
                intact && prev_hash == old_prev && hash == chain_hash_v1(&old_prev, &op, &outcome);
            seqs.push(r.get::<_, i64>(0));
            if intact {
                old_prev = hash;
                let new_hash = chain_hash(&new_prev, &sha, &outcome);
                prevs.push(std::mem::replace(&mut new_prev, new_hash.clone()));
                hashes.push(new_hash);
            } else {
                // Only the op's hash is filled in; the link stays as it was (and fails).
                prevs.push(prev_hash);
                hashes.push(hash);
            }
            shas.push(sha);
        }
        tx.execute(
            "UPDATE op_log AS l SET op_sha256 = t.sha, prev_hash = t.prev, hash = t.hash
             FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[]) AS t(seq, sha, prev, hash)
             WHERE l.device_id = $1 AND l.device_seq = t.seq",
            &[&device, &seqs, &shas, &prevs, &hashes],
        )
        .await?;
    }
    if intact {
        tx.execute(
            "UPDATE devices SET chain_head = $2 WHERE id = $1",
            &[&device, &new_prev],
        )
        .await?;
    } else {
        tracing::warn!(%device, "op log chain was already broken before migration 0007; left broken");
    }
    Ok(())
}
