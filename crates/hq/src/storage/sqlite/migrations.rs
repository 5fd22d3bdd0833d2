//! The embedded backend's schema: append-only migrations, embedded at compile time and applied
//! when the storage opens, each in its own transaction. `PRAGMA user_version` counts those
//! applied. A shipped migration is never edited; a change is a new file.
//!
//! A migration may need work SQL cannot do (0007 re-chains the op log with the new hash
//! formula, 0010 chains the access log): its file then holds a step line, `-- step: NAME --`
//! (0007's `-- rechain --` is the step `rechain`), and HQ's own step of that name runs there,
//! between the two halves, in the same transaction (see [`crate::storage::split_step`]).

use super::to_i64;
use crate::push::{chain_hash, chain_hash_v1, op_sha256, review_on, GENESIS};
use crate::storage::{Result, StorageError};
use beatbook_domain::merge::RecordState;
use rusqlite::{Connection, Transaction};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_init.sql"),
    include_str!("../../../migrations/sqlite/0002_change_feed.sql"),
    include_str!("../../../migrations/sqlite/0003_access_log.sql"),
    include_str!("../../../migrations/sqlite/0004_dashboard.sql"),
    include_str!("../../../migrations/sqlite/0005_framework.sql"),
    include_str!("../../../migrations/sqlite/0006_sign_in_throttle.sql"),
    include_str!("../../../migrations/sqlite/0007_lifecycle.sql"),
    include_str!("../../../migrations/sqlite/0008_outcomes.sql"),
    include_str!("../../../migrations/sqlite/0009_purposes.sql"),
    include_str!("../../../migrations/sqlite/0010_chains.sql"),
    include_str!("../../../migrations/sqlite/0011_device_reads.sql"),
    include_str!("../../../migrations/sqlite/0012_subject_access.sql"),
    include_str!("../../../migrations/sqlite/0013_sessions.sql"),
    include_str!("../../../migrations/sqlite/0014_enrolment.sql"),
];

/// Rows read at a time by the migration's own step.
const PAGE: i64 = 5_000;

/// Apply the migrations this database has not had; refuse one migrated by a newer HQ.
pub(super) fn run(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if found > supported {
        return Err(StorageError::NewerSchema { found, supported });
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or_default())
    {
        let tx = conn.transaction()?;
        match crate::storage::split_step(sql) {
            Some((before, step, after)) => {
                tx.execute_batch(before)?;
                match step {
                    "rechain" => lifecycle_step(&tx)?,
                    "access_chain" => access_chain_step(&tx)?,
                    other => {
                        return Err(StorageError::Corrupt(format!("no migration step {other}")))
                    }
                }
                tx.execute_batch(after)?;
            }
            None => tx.execute_batch(sql)?,
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Migration 0007's own step: re-chain every device's op log with the new formula (each op's
/// SHA-256 in place of its text), and fill each record's review date and creation time.
fn lifecycle_step(tx: &Transaction<'_>) -> Result<()> {
    let devices: Vec<String> = {
        let mut stmt = tx.prepare("SELECT DISTINCT device_id FROM op_log")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for device in devices {
        rechain_device(tx, &device)?;
    }
    let mut after = i64::MIN;
    loop {
        let page: Vec<(i64, String, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT server_seq, id, state FROM records WHERE server_seq > ?1 ORDER BY server_seq LIMIT ?2",
            )?;
            let rows = stmt.query_map((after, PAGE), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let Some(last) = page.last() else { break };
        after = last.0;
        let mut update =
            tx.prepare_cached("UPDATE records SET review_on = ?2, created_ms = ?3 WHERE id = ?1")?;
        for (_, id, state) in &page {
            let state: RecordState = serde_json::from_str(state)?;
            update.execute((
                id,
                review_on(&state).map(|d| d.to_string()),
                to_i64(state.created.hlc.wall_ms),
            ))?;
        }
    }
    Ok(())
}

/// Re-chain one device's op log. Where the old chain was already broken, the rows from the break
/// on are left as they were, so the new chain breaks at the same op: migrating never mends a log
/// that was tampered with.
fn rechain_device(tx: &Transaction<'_>, device: &str) -> Result<()> {
    let mut old_prev = GENESIS.to_owned();
    let mut new_prev = GENESIS.to_owned();
    let mut intact = true;
    let mut after = i64::MIN;
    loop {
        let page: Vec<(i64, String, String, String, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT device_seq, op, outcome, prev_hash, hash FROM op_log
                 WHERE device_id = ?1 AND device_seq > ?2 ORDER BY device_seq LIMIT ?3",
            )?;
            let rows = stmt.query_map((device, after, PAGE), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let Some(last) = page.last() else { break };
        after = last.0;
        let mut update = tx.prepare_cached(
            "UPDATE op_log SET op_sha256 = ?3, prev_hash = ?4, hash = ?5 WHERE device_id = ?1 AND device_seq = ?2",
        )?;
        for (seq, op, outcome, prev_hash, hash) in page {
            let sha = op_sha256(&op);
            intact =
                intact && prev_hash == old_prev && hash == chain_hash_v1(&old_prev, &op, &outcome);
            if intact {
                old_prev = hash;
                let new_hash = chain_hash(&new_prev, &sha, &outcome);
                update.execute((device, seq, &sha, &new_prev, &new_hash))?;
                new_prev = new_hash;
            } else {
                // Only the op's hash is filled in; the link stays as it was (and fails).
                update.execute((device, seq, &sha, &prev_hash, &hash))?;
            }
        }
    }
    if !intact {
        tracing::warn!(
            device,
            "op log chain was already broken before migration 0007; left broken"
        );
    }
    tx.execute(
        "UPDATE devices SET chain_head = ?2 WHERE id = ?1 AND ?3",
        (device, &new_prev, intact),
    )?;
    Ok(())
}

/// Migration 0010's own step: chain the access log's existing rows, oldest first, and set its
/// head. The log had no chain before, so there is nothing older to check.
fn access_chain_step(tx: &Transaction<'_>) -> Result<()> {
    use crate::chains::{chain_access, ACCESS_LOG};
    use crate::dashboard::audit::AccessEntry;
    let mut seq = 0u64;
    let mut prev = GENESIS.to_owned();
    let mut after = i64::MIN;
    loop {
        type Row = (
            i64,
            String,
            String,
            Option<String>,
            String,
            String,
            String,
            String,
        );
        let page: Vec<Row> = {
            let mut stmt = tx.prepare_cached(
                "SELECT id, at, officer_id, device_id, action, record_ids, detail, purpose FROM access_log
                 WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map((after, PAGE), |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let Some(last) = page.last() else { break };
        after = last.0;
        let mut update = tx.prepare_cached(
            "UPDATE access_log SET seq = ?2, text_sha256 = ?3, prev_hash = ?4, hash = ?5 WHERE id = ?1",
        )?;
        for (id, at, officer, device, action, ids, detail, purpose) in page {
            let entry = AccessEntry {
                at: super::parse_t(&at)?,
                officer_id: beatbook_domain::OfficerId::new(officer),
                device_id: device.map(|d| super::device_id(&d)).transpose()?,
                action,
                record_ids: serde_json::from_str(&ids)?,
                detail,
                purpose,
            };
            let c = chain_access(seq, &prev, &entry);
            update.execute((id, to_i64(c.seq), &c.text_sha256, &c.prev_hash, &c.hash))?;
            seq = c.seq;
            prev = c.hash;
        }
    }
    tx.execute(
        "INSERT INTO chain_heads (chain, seq, hash) VALUES (?1, ?2, ?3)",
        (ACCESS_LOG, to_i64(seq), &prev),
    )?;
    Ok(())
}
