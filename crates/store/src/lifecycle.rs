//! The records lifecycle on the tablet: removing what HQ disposed of, forgetting op texts HQ
//! already holds, and keeping only the records the officer needs.
//!
//! What holds:
//! - A record HQ disposed of leaves the tablet at its next sync, before anything is pushed or
//!   pulled: its row, areas, search entry, photos and outbox texts, in one transaction with the
//!   disposals cursor, so a cut applies a page and its cursor or neither ([`Store::apply_disposals`]).
//! - Deleting from the contentless search index leaves the words in the index's own tables until
//!   the index is optimised. Every erasing transaction sets `fts_optimize_pending` in `meta`;
//!   [`Store::finish_erasure`] optimises, clears the flag and checkpoints the WAL (TRUNCATE). The
//!   sync engine runs it after a sync's erasures and the store whenever it is opened, so a cut in
//!   between is finished.
//! - The store runs with `secure_delete`, so a deleted row's bytes are overwritten, not left in
//!   the file's free space.
//! - An op still waiting to go whose record was disposed of keeps its place in the device's
//!   sequence (HQ refuses a push with a gap), with a text that carries none of the record: the same
//!   device, sequence number, record and time, and no fields. HQ refuses it; the row then goes.
//! - A record the tablet need not keep ([`retention::tablet_keeps`]) and that has nothing waiting
//!   to go to HQ is dropped and remembered in `dropped` with its version: that version pulled again
//!   is not stored again; a newer one is.

use crate::sync_state::{meta_in, set_meta_in};
use crate::{Store, StoreError};
use beatbook_domain::merge::RecordState;
use beatbook_domain::retention;
use beatbook_domain::{OfficerId, Op, OpAction, RecordId};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};

/// The `meta` key set while an erasure still needs the search index optimised.
pub(crate) const OPTIMIZE_PENDING: &str = "fts_optimize_pending";

/// What applying a pulled page did beyond merging.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullApplied {
    /// Records removed because this officer may no longer see them.
    pub purged: u32,
    /// Records not kept because the tablet need not keep them (closed and old).
    pub dropped: u32,
}

/// What decides whether the tablet keeps a record: the domain's rule, for this officer, now,
/// with HQ's window.
#[derive(Clone, Debug)]
pub(crate) struct Keep {
    pub officer: OfficerId,
    pub now: DateTime<Utc>,
    pub days: u32,
}

impl Keep {
    pub fn keeps(&self, state: &RecordState) -> bool {
        retention::tablet_keeps(state, &self.officer, self.now, self.days)
    }
}

pub(crate) fn mark_optimize(conn: &Connection) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, '1')
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([OPTIMIZE_PENDING])?;
    Ok(())
}

/// Remove a record and everything made from it: its row, its areas, its search entry (or its
/// place in the queue for the index), its photos. Leaves the search index to be optimised.
/// Answers whether the device held anything of it.
pub(crate) fn erase_record(tx: &Transaction<'_>, id: RecordId) -> Result<bool, StoreError> {
    let key = id.to_string();
    let seq: Option<i64> = tx
        .prepare_cached("SELECT seq FROM records WHERE id = ?1")?
        .query_row([&key], |r| r.get(0))
        .optional()?;
    if let Some(seq) = seq {
        tx.prepare_cached("DELETE FROM records_fts WHERE rowid = ?1")?
            .execute([seq])?;
        tx.prepare_cached("DELETE FROM fts_pending WHERE seq = ?1")?
            .execute([seq])?;
    }
    tx.prepare_cached("DELETE FROM record_areas WHERE record_id = ?1")?
        .execute([&key])?;
    tx.prepare_cached("DELETE FROM records WHERE id = ?1")?
        .execute([&key])?;
    let photos = tx
        .prepare_cached("DELETE FROM photos WHERE record_id = ?1")?
        .execute([&key])?;
    let held = seq.is_some() || photos > 0;
    if held {
        mark_optimize(tx)?;
    }
    Ok(held)
}

/// Remove a disposed record's ops: the texts and rows of those HQ has answered, and, for those
/// still waiting, the text in favour of one without content (see the module's notes).
/// Answers how many ops there were.
fn forget_ops(tx: &Transaction<'_>, id: RecordId) -> Result<usize, StoreError> {
    let key = id.to_string();
    tx.prepare_cached(
        "DELETE FROM outbox_ops WHERE device_seq IN
           (SELECT device_seq FROM outbox WHERE record_id = ?1 AND state <> 'pending')",
    )?
    .execute([&key])?;
    let mut n = tx
        .prepare_cached("DELETE FROM outbox WHERE record_id = ?1 AND state <> 'pending'")?
        .execute([&key])?;
    let waiting: Vec<(i64, Option<String>)> = tx
        .prepare_cached(
            "SELECT o.device_seq, p.op FROM outbox o
             LEFT JOIN outbox_ops p ON p.device_seq = o.device_seq
             WHERE o.record_id = ?1 AND o.state = 'pending' AND o.disposed = 0",
        )?
        .query_map([&key], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (seq, text) in waiting {
        n += 1;
        let Some(text) = text else { continue };
        let op: Op = serde_json::from_str(&text)?;
        let empty = Op {
            action: OpAction::Put {
                fields: Default::default(),
            },
            ..op
        };
        tx.prepare_cached("UPDATE outbox_ops SET op = ?2 WHERE device_seq = ?1")?
            .execute((seq, serde_json::to_string(&empty)?))?;
        tx.prepare_cached("UPDATE outbox SET disposed = 1, what = NULL WHERE device_seq = ?1")?
            .execute([seq])?;
    }
    Ok(n)
}

/// Whether a record not on the device may be stored from a pull: not when the same or an older
/// version was dropped (an access reset sends it again), nor when the tablet need not keep it
/// (then it is remembered as dropped). Answers `None` to store it, or why not.
pub(crate) fn refuse_new(
    tx: &Transaction<'_>,
    state: &RecordState,
    keep: &Keep,
) -> Result<Option<NotStored>, StoreError> {
    let key = state.id.to_string();
    let updated_ms = i64::try_from(state.updated.hlc.wall_ms).unwrap_or(i64::MAX);
    let dropped: Option<i64> = tx
        .prepare_cached("SELECT updated_ms FROM dropped WHERE record_id = ?1")?
        .query_row([&key], |r| r.get(0))
        .optional()?;
    if let Some(dropped_ms) = dropped {
        if updated_ms <= dropped_ms {
            return Ok(Some(NotStored::AlreadyDropped));
        }
        // It changed since: it comes back (unless the rule still says not to keep it).
        tx.prepare_cached("DELETE FROM dropped WHERE record_id = ?1")?
            .execute([&key])?;
    }
    if keep.keeps(state) {
        return Ok(None);
    }
    remember_dropped(tx, &key, updated_ms)?;
    Ok(Some(NotStored::Dropped))
}

/// Why a pulled record was not stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotStored {
    /// This version, or a newer one, was dropped before.
    AlreadyDropped,
    /// The tablet need not keep it: dropped now.
    Dropped,
}

fn remember_dropped(tx: &Transaction<'_>, key: &str, updated_ms: i64) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO dropped (record_id, updated_ms) VALUES (?1, ?2)
         ON CONFLICT (record_id) DO UPDATE SET updated_ms = max(updated_ms, excluded.updated_ms)",
    )?
    .execute((key, updated_ms))?;
    Ok(())
}

impl Store {
    /// What decides, now, whether this tablet keeps a record.
    pub(crate) fn keep_rule(&self) -> Result<Keep, StoreError> {
        Ok(Keep {
            officer: self.device.officer.clone(),
            now: Utc::now(),
            days: self.tablet_policy()?.keep_closed_days,
        })
    }

    /// Apply a page of HQ's disposals feed (`GET /api/v1/sync/disposals`) in one transaction with
    /// its cursor: each record this device holds is removed with its areas, search entry, photos
    /// and ops (see the module's notes for ops still waiting). Ids the device never held are
    /// passed over. Call [`Store::finish_erasure`] after the last page. Answers how many records
    /// were removed.
    pub fn apply_disposals(
        &mut self,
        records: &[RecordId],
        cursor: u64,
    ) -> Result<u32, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut removed = 0u32;
        for &id in records {
            let held = erase_record(&tx, id)?;
            let ops = forget_ops(&tx, id)?;
            tx.prepare_cached("DELETE FROM dropped WHERE record_id = ?1")?
                .execute([id.to_string()])?;
            if held || ops > 0 {
                removed += 1;
                mark_optimize(&tx)?;
            }
        }
        let mut meta = meta_in(&tx)?;
        meta.disposal_cursor = meta.disposal_cursor.max(cursor);
        set_meta_in(&tx, &meta)?;
        tx.commit()?;
        Ok(removed)
    }

    /// Finish what erasing left: optimise the search index so no word of an erased record is left
    /// in its own tables, then copy the WAL into the database and cut it to nothing (TRUNCATE), so
    /// the old pages are not left in it either. Does nothing when no erasure is waiting. Answers
    /// whether it ran.
    pub fn finish_erasure(&self) -> Result<bool, StoreError> {
        let pending: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [OPTIMIZE_PENDING],
                |r| r.get(0),
            )
            .optional()?;
        if pending.is_none() {
            return Ok(false);
        }
        let tx = self.conn.unchecked_transaction()?;
        tx.execute_batch("INSERT INTO records_fts (records_fts) VALUES ('optimize')")?;
        tx.execute("DELETE FROM meta WHERE key = ?1", [OPTIMIZE_PENDING])?;
        tx.commit()?;
        // Never fails the erasure: another handle reading (the app, while the CLI syncs) only
        // delays the truncation to a later checkpoint.
        let _busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(true)
    }

    /// Whether an erasure is waiting for [`Store::finish_erasure`] (a cut after the erasing
    /// transaction).
    pub fn erasure_pending(&self) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM meta WHERE key = ?1",
                [OPTIMIZE_PENDING],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .is_some())
    }

    /// Drop the records this tablet need not keep at `now` ([`retention::tablet_keeps`] with the
    /// window HQ set, `TabletPolicy::keep_closed_days`), unless they have changes or photos still
    /// waiting for HQ; each is remembered in `dropped` with its version. Runs after every pull.
    /// Answers how many were dropped.
    pub fn thin(&mut self, now: DateTime<Utc>) -> Result<u32, StoreError> {
        let keep = Keep {
            now,
            ..self.keep_rule()?
        };
        // A record changed within the window is always kept (see `tablet_keeps`), so only older
        // ones are read and decoded.
        let cutoff = now.timestamp_millis() - i64::from(keep.days) * 86_400_000;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let old: Vec<(String, String)> = tx
            .prepare(
                "SELECT r.id, r.state FROM records r WHERE r.updated_ms < ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = r.id AND o.state <> 'acked')
                   AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.record_id = r.id AND p.state = 'pending')",
            )?
            .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut dropped = 0u32;
        for (id, state) in old {
            let state: RecordState = serde_json::from_str(&state)?;
            if keep.keeps(&state) {
                continue;
            }
            let id: RecordId = id
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("record id {id}")))?;
            erase_record(&tx, id)?;
            remember_dropped(
                &tx,
                &id.to_string(),
                i64::try_from(state.updated.hlc.wall_ms).unwrap_or(i64::MAX),
            )?;
            dropped += 1;
        }
        tx.commit()?;
        Ok(dropped)
    }

    /// Every table of the database (the search index's own tables included), for tests that
    /// prove an erasure. Not for application code.
    #[doc(hidden)]
    pub fn debug_tables(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'
             ORDER BY name",
        )?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(names)
    }

    /// The `table.column`s of the database in which some value holds `needle` (compared as
    /// bytes, so text and blobs alike), read with the store's key: for tests that prove an
    /// erasure. Not for application code.
    #[doc(hidden)]
    pub fn debug_find(&self, needle: &[u8]) -> Result<Vec<String>, StoreError> {
        let mut hits = Vec::new();
        for table in self.debug_tables()? {
            let columns: Vec<String> = self
                .conn
                .prepare("SELECT name FROM pragma_table_info(?1)")?
                .query_map([&table], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for column in columns {
                let found: bool = self.conn.query_row(
                    &format!(
                        "SELECT EXISTS (SELECT 1 FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS BLOB), ?1) > 0)"
                    ),
                    [needle],
                    |r| r.get(0),
                )?;
                if found {
                    hits.push(format!("{table}.{column}"));
                }
            }
        }
        Ok(hits)
    }

    /// How many records this tablet has dropped (and would not store again at the same version).
    pub fn dropped_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM dropped", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or_default())
    }
}
