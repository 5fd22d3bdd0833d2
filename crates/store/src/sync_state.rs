//! What the sync engine keeps in the store: HQ's address and this device's credentials, the pull
//! cursor, outbox outcomes, and the last sync's result. All inside the encrypted database.

use crate::{Store, StoreError};
use beatbook_domain::access::{device_may_see, AccessFacts, Viewer};
use beatbook_domain::merge::RecordState;
use beatbook_domain::protocol::{OpOutcome, OpResult};
use beatbook_domain::{OfficerId, RecordId, RecordKind};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

/// The officer id a store has before anyone has signed in to HQ on it.
pub const UNENROLLED: &str = "UNENROLLED";

/// Credentials and sync bookkeeping.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMeta {
    pub hq_url: Option<String>,
    pub device_secret: Option<String>,
    pub access_token: Option<String>,
    pub access_expires_at: Option<String>,
    pub refresh_token: Option<String>,
    pub pull_cursor: u64,
    /// Where HQ's disposals feed is read from next (`GET /api/v1/sync/disposals?after=`).
    #[serde(default)]
    pub disposal_cursor: u64,
    /// HQ's fingerprint of what this officer may see, as of the last pull.
    #[serde(default)]
    pub access: Option<String>,
    /// RFC 3339 time of the last sync that completed.
    pub last_success: Option<String>,
    /// The last sync's error, in words, if it failed.
    pub last_error: Option<String>,
    /// HQ's certificate authority, pinned at enrolment when the code carried it: every
    /// connection to HQ (sign-in, refresh, sync, photos) trusts that authority and no other.
    /// `None`: the public authorities (an HQ behind a proxy with a public certificate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hq_ca_pin: Option<beatbook_domain::enrolment_code::CaPin>,
}

impl std::fmt::Debug for SyncMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncMeta")
            .field("hq_url", &self.hq_url)
            .field("enrolled", &self.device_secret.is_some())
            .field("signed_in", &self.access_token.is_some())
            .field("pull_cursor", &self.pull_cursor)
            .field("disposal_cursor", &self.disposal_cursor)
            .field("last_success", &self.last_success)
            .field("last_error", &self.last_error)
            .field("hq_ca_pin", &self.hq_ca_pin)
            .finish()
    }
}

/// An op HQ refused, kept on the device and shown to the officer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedOp {
    pub device_seq: u64,
    pub record_id: RecordId,
    pub reason: String,
}

/// What applying push results did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushApplied {
    pub acked: u32,
    pub rejected: u32,
    /// Ops HQ asked for again (it is missing them), now pending.
    pub resent: u32,
    /// Intelligence source records removed from the device now that HQ holds them.
    pub sources_removed: u32,
    /// Ops whose record was disposed of at HQ before they went (sent without content, see
    /// `lifecycle`), now answered and gone.
    #[serde(default)]
    pub disposed: u32,
}

const SYNC_META_KEY: &str = "sync";

impl Store {
    pub fn sync_meta(&self) -> Result<SyncMeta, StoreError> {
        meta_in(&self.conn)
    }

    pub fn set_sync_meta(&mut self, meta: &SyncMeta) -> Result<(), StoreError> {
        set_meta_in(&self.conn, meta)
    }

    /// Bind the store to the officer who signed in. A store set up before enrolment takes the
    /// officer's id if it has made no changes yet; otherwise it must be the same officer, since
    /// its changes already name them as author.
    pub fn adopt_officer(&mut self, officer: &OfficerId) -> Result<(), StoreError> {
        if &self.device.officer == officer {
            return Ok(());
        }
        let made_changes: i64 = self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        if self.device.officer.as_str() != UNENROLLED || made_changes > 0 {
            return Err(StoreError::OtherOfficer {
                store: self.device.officer.clone(),
                signed_in: officer.clone(),
            });
        }
        self.conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'officer'",
            [officer.as_str()],
        )?;
        self.device.officer = officer.clone();
        Ok(())
    }

    /// Record what HQ did with pushed ops, in one transaction. An op HQ has acknowledged loses
    /// its text at once (HQ holds it; the outbox row keeps what the change was, in words), and an
    /// intelligence source record goes as soon as all its ops are acknowledged. Call
    /// [`Store::finish_erasure`] after the push.
    pub fn apply_push_results(
        &mut self,
        results: &[OpResult],
        expected_seq: u64,
    ) -> Result<PushApplied, StoreError> {
        let mut applied = PushApplied::default();
        let (device_id, officer) = (self.device.device_id, self.device.officer.clone());
        let tx = self.conn.transaction()?;
        {
            // Ops sent without content because their record was disposed of: whatever HQ
            // answers (it refuses them), they are settled, and go.
            let disposed: std::collections::HashSet<i64> = tx
                .prepare_cached(
                    "SELECT device_seq FROM outbox WHERE disposed = 1 AND state = 'pending'",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut settle_disposed =
                tx.prepare_cached("DELETE FROM outbox WHERE device_seq = ?1 AND disposed = 1")?;
            // Runs of consecutive ops on HQ are acknowledged with one statement each, and their
            // texts deleted with another.
            let mut ack = tx.prepare_cached(
                "UPDATE outbox SET state = 'acked', reject_reason = NULL
                 WHERE device_seq BETWEEN ?1 AND ?2",
            )?;
            let mut forget =
                tx.prepare_cached("DELETE FROM outbox_ops WHERE device_seq BETWEEN ?1 AND ?2")?;
            let mut reject = tx.prepare_cached(
                "UPDATE outbox SET state = 'rejected', reject_reason = ?2 WHERE device_seq = ?1",
            )?;
            let mut run: Option<(i64, i64)> = None;
            let mut ack_run = |run: &mut Option<(i64, i64)>| -> Result<u32, StoreError> {
                Ok(match run.take() {
                    Some((from, to)) => {
                        let n = ack.execute((from, to))?;
                        forget.execute((from, to))?;
                        u32::try_from(n).unwrap_or(0)
                    }
                    None => 0,
                })
            };
            let mut gone = Vec::new();
            for r in results {
                let seq = i64::try_from(r.device_seq).unwrap_or(i64::MAX);
                match &r.outcome {
                    // Past a gap: stays pending and goes again after the missing ops.
                    OpOutcome::Rejected { code, .. } if code == "gap" => {}
                    _ if disposed.contains(&seq) => {
                        applied.acked += ack_run(&mut run)?;
                        gone.push(seq);
                    }
                    OpOutcome::Applied { .. } | OpOutcome::Duplicate => match &mut run {
                        Some((_, to)) if *to + 1 == seq => *to = seq,
                        _ => {
                            applied.acked += ack_run(&mut run)?;
                            run = Some((seq, seq));
                        }
                    },
                    OpOutcome::Rejected { code, reason } => {
                        applied.rejected +=
                            u32::try_from(reject.execute((seq, format!("{code}: {reason}")))?)
                                .unwrap_or(0);
                    }
                }
            }
            applied.acked += ack_run(&mut run)?;
            for seq in gone {
                applied.disposed += u32::try_from(settle_disposed.execute([seq])?).unwrap_or(0);
                tx.prepare_cached("DELETE FROM outbox_ops WHERE device_seq = ?1")?
                    .execute([seq])?;
            }
            // HQ is missing ops it had answered (restored from a backup): every op from
            // `expected_seq` on goes again, so that HQ's numbering of this device has no gap.
            // One it refused still has its text and goes as it was. One it acknowledged has lost
            // its text (it leaves the device once HQ has it), so it goes without content, as
            // a disposed record's op does, and is settled by whatever HQ answers: HQ's log then
            // shows the op came and went, and the record itself stays on this tablet as it stands.
            let expected = i64::try_from(expected_seq).unwrap_or(i64::MAX);
            let lost: Vec<(i64, String, i64)> = tx
                .prepare(
                    "SELECT o.device_seq, o.record_id, o.created_ms FROM outbox o
                     WHERE o.state = 'acked' AND o.device_seq >= ?1
                       AND NOT EXISTS (SELECT 1 FROM outbox_ops p WHERE p.device_seq = o.device_seq)",
                )?
                .query_map([expected], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            for (seq, record, created_ms) in lost {
                let record_id: RecordId = record
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("record id {record}")))?;
                let kind: Option<String> = tx
                    .prepare_cached("SELECT kind FROM records WHERE id = ?1")?
                    .query_row([&record], |r| r.get(0))
                    .optional()?;
                let empty = beatbook_domain::Op {
                    device_id,
                    device_seq: u64::try_from(seq).unwrap_or_default(),
                    record_id,
                    kind: kind
                        .and_then(|k| k.parse().ok())
                        .unwrap_or(RecordKind::Concern),
                    author: officer.clone(),
                    hlc: beatbook_domain::Hlc::new(
                        u64::try_from(created_ms).unwrap_or_default(),
                        0,
                    ),
                    action: beatbook_domain::OpAction::Put {
                        fields: Default::default(),
                    },
                };
                tx.prepare_cached("INSERT INTO outbox_ops (device_seq, op) VALUES (?1, ?2)")?
                    .execute((seq, serde_json::to_string(&empty)?))?;
                tx.prepare_cached("UPDATE outbox SET disposed = 1 WHERE device_seq = ?1")?
                    .execute([seq])?;
            }
            applied.resent = u32::try_from(tx.execute(
                "UPDATE outbox SET state = 'pending', reject_reason = NULL
                 WHERE state IN ('acked', 'rejected') AND device_seq >= ?1
                   AND device_seq IN (SELECT device_seq FROM outbox_ops)",
                [expected],
            )?)
            .unwrap_or(0);
            // Source details are kept on the device only until HQ has them.
            let on_hq: Vec<String> = tx
                .prepare(
                    "SELECT id FROM records r WHERE r.kind = ?1 AND NOT EXISTS
                       (SELECT 1 FROM outbox o WHERE o.record_id = r.id AND o.state <> 'acked')",
                )?
                .query_map([RecordKind::IntelSource.as_str()], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for id in on_hq {
                let id: RecordId = id
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("record id {id}")))?;
                applied.sources_removed += crate::records::purge(&tx, id)?;
            }
        }
        tx.commit()?;
        Ok(applied)
    }

    /// Every op this device has made (pending, acknowledged or refused).
    pub fn op_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Ops HQ refused, with the reasons.
    pub fn rejected_ops(&self) -> Result<Vec<RejectedOp>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT device_seq, record_id, coalesce(reject_reason, '') FROM outbox WHERE state = 'rejected' ORDER BY device_seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|r| {
            let (seq, id, reason) = r?;
            Ok(RejectedOp {
                device_seq: u64::try_from(seq).unwrap_or_default(),
                record_id: id
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("record id {id}")))?,
                reason,
            })
        })
        .collect()
    }

    /// What this officer may see changed at HQ (`access` is HQ's new fingerprint of `viewer`): in
    /// one transaction, drop every record the new viewer may not see (unless it holds changes not
    /// yet on HQ) and start pulling again from the beginning, so new grants back-fill. Returns how
    /// many records were dropped.
    pub fn reset_access(&mut self, viewer: &Viewer, access: &str) -> Result<u32, StoreError> {
        let mut purged = 0;
        self.write(|tx, _, _| {
            let held: Vec<(String, String)> = tx
                .prepare("SELECT id, state FROM records")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (id, state) in held {
                let state: RecordState = serde_json::from_str(&state)?;
                if !device_may_see(viewer, &AccessFacts::from_state(&state)) {
                    let id: RecordId = id
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("record id {id}")))?;
                    purged += crate::records::purge(tx, id)?;
                }
            }
            let mut meta = meta_in(tx)?;
            meta.pull_cursor = 0;
            meta.access = Some(access.to_owned());
            set_meta_in(tx, &meta)
        })?;
        Ok(purged)
    }

    /// Apply a page pulled from HQ in one transaction: merge the records, drop the ones this
    /// officer may no longer see (unless they hold changes not yet on HQ), and move the cursor.
    /// An interrupted pull resumes from the last cursor; repeating a page is harmless.
    ///
    /// A record new to the device that the tablet need not keep (closed and old, see
    /// `retention::tablet_keeps`) is not stored but remembered as dropped, and a version dropped
    /// before is not stored again.
    pub fn apply_pull(
        &mut self,
        records: &[crate::Pulled],
        purge: &[RecordId],
        cursor: u64,
        access: &str,
    ) -> Result<crate::PullApplied, StoreError> {
        let mut applied = crate::PullApplied::default();
        let keep = self.keep_rule()?;
        self.write(|tx, device, _| {
            applied.dropped = crate::records::merge_states(tx, device, records, &keep)?;
            for id in purge {
                applied.purged += crate::records::purge(tx, *id)?;
            }
            let mut meta = meta_in(tx)?;
            meta.pull_cursor = cursor;
            meta.access = Some(access.to_owned());
            set_meta_in(tx, &meta)
        })?;
        Ok(applied)
    }
}

pub(crate) fn meta_in(conn: &rusqlite::Connection) -> Result<SyncMeta, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [SYNC_META_KEY],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .map(|v| serde_json::from_str(&v))
        .transpose()?
        .unwrap_or_default())
}

pub(crate) fn set_meta_in(conn: &rusqlite::Connection, meta: &SyncMeta) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (SYNC_META_KEY, serde_json::to_string(meta)?),
    )?;
    Ok(())
}
