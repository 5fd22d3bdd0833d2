//! The officer's reads, logged (see `beatbook_domain::device_reads`): opening a record, a search,
//! a list beyond the shift's briefing. The app and the headless device read records through
//! [`Store::open_record`], [`Store::search_logged`] and [`Store::list_logged`], which log the
//! read in the store's append-only `read_log` before answering; the sync engine sends the log
//! ([`Store::pending_reads`]) and deletes what HQ acknowledged ([`Store::reads_acknowledged`]).

use crate::{now_ms, Store, StoreError};
use beatbook_domain::device_reads::{
    beyond_briefing, filter_words, truncate_chars, DeviceRead, ReadAction, Shift, MAX_READ_DETAIL,
    MAX_READ_RECORDS, SAME_LOOK_MINUTES,
};
use beatbook_domain::tablet::RecordDetail;
use beatbook_domain::views::{ListFilter, RecordSummary};
use beatbook_domain::{AreaId, RecordId};
use chrono::DateTime;
use std::collections::HashMap;
use std::sync::Mutex;

/// When each record was last logged as opened, in ms (see [`Store::open_record`]).
pub(crate) type RecentViews = Mutex<HashMap<RecordId, u64>>;

impl Store {
    /// The shift the signed-in officer is on, by name (their teams and those teams' areas), and
    /// the areas' ids (none known before sign-in).
    pub fn shift(&self) -> Result<(Shift, Vec<AreaId>), StoreError> {
        let Some(profile) = self.profile()? else {
            return Ok((Shift::default(), Vec::new()));
        };
        let mut ids: Vec<AreaId> = Vec::new();
        for a in profile.teams.iter().flat_map(|t| &t.areas) {
            if !ids.contains(a) {
                ids.push(a.clone());
            }
        }
        let shift = Shift {
            teams: profile.teams.iter().map(|t| t.name.clone()).collect(),
            areas: self.area_refs(&ids).into_iter().map(|a| a.name).collect(),
        };
        Ok((shift, ids))
    }

    /// Append one read to the log, with the shift the officer is on now.
    pub fn log_read(
        &self,
        action: ReadAction,
        record_ids: &[RecordId],
        detail: &str,
    ) -> Result<(), StoreError> {
        let (shift, _) = self.shift()?;
        self.append_read(action, record_ids, detail, &shift)
    }

    fn append_read(
        &self,
        action: ReadAction,
        record_ids: &[RecordId],
        detail: &str,
        shift: &Shift,
    ) -> Result<(), StoreError> {
        let mut detail = detail.trim().to_owned();
        truncate_chars(&mut detail, MAX_READ_DETAIL);
        let shift = serde_json::to_string(shift)?;
        let at = i64::try_from(now_ms()).unwrap_or(i64::MAX);
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO read_log (at_ms, action, record_ids, detail, shift) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        // A read naming more records than HQ takes in one entry (a long list) is logged as
        // several entries, each with its part of the records.
        let parts: Vec<&[RecordId]> = if record_ids.is_empty() {
            vec![record_ids]
        } else {
            record_ids.chunks(MAX_READ_RECORDS).collect()
        };
        for ids in parts {
            insert.execute((
                at,
                action.as_str(),
                serde_json::to_string(ids)?,
                &detail,
                &shift,
            ))?;
        }
        Ok(())
    }

    /// Open a record to read it: [`Store::record_detail`], logged as a `view`. A record that
    /// cannot be opened (not on the tablet, deleted) logs nothing. The same record again within
    /// [`SAME_LOOK_MINUTES`] of its last logged opening, on this unlocked store, is the same look
    /// (the app reloads an open record as syncs land) and is not logged again.
    pub fn open_record(&self, id: RecordId) -> Result<RecordDetail, StoreError> {
        let detail = self.record_detail(id)?;
        let now = now_ms();
        let window = u64::try_from(SAME_LOOK_MINUTES).unwrap_or_default() * 60_000;
        let mut recent = self
            .recent_views
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let same_look = recent
            .get(&id)
            .is_some_and(|&at| now >= at && now - at < window);
        if !same_look {
            self.log_read(ReadAction::View, &[id], "")?;
            recent.retain(|_, &mut at| now.saturating_sub(at) < window);
            recent.insert(id, now);
        }
        Ok(detail)
    }

    /// A search by the officer: [`Store::search`], logged with its words and what it found.
    pub fn search_logged(
        &self,
        text: &str,
        filter: &ListFilter,
    ) -> Result<Vec<RecordSummary>, StoreError> {
        let rows = self.search(text, filter)?;
        let ids: Vec<RecordId> = rows.iter().map(|r| r.id).collect();
        self.log_read(ReadAction::Search, &ids, text)?;
        Ok(rows)
    }

    /// A list asked for by the officer: [`Store::list`], logged as a `list` of the records it
    /// shows beyond the shift's briefing (`beatbook_domain::device_reads::within_briefing`);
    /// a list within the briefing logs nothing.
    pub fn list_logged(&self, filter: &ListFilter) -> Result<Vec<RecordSummary>, StoreError> {
        let rows = self.list(filter)?;
        let (shift, areas) = self.shift()?;
        let beyond = beyond_briefing(&rows, &areas);
        if !beyond.is_empty() {
            let words = filter_words(filter, |a| {
                self.area_refs(std::slice::from_ref(a))
                    .pop()
                    .map_or_else(|| a.to_string(), |r| r.name)
            });
            self.append_read(ReadAction::List, &beyond, &words, &shift)?;
        }
        Ok(rows)
    }

    /// How many reads wait to go to HQ.
    pub fn pending_read_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM read_log", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// The oldest `limit` reads waiting to go to HQ, oldest first.
    pub fn pending_reads(&self, limit: usize) -> Result<Vec<DeviceRead>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at_ms, action, record_ids, detail, shift FROM read_log ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (seq, at_ms, action, ids, detail, shift) = row?;
            Ok(DeviceRead {
                seq: u64::try_from(seq).unwrap_or_default(),
                at: DateTime::from_timestamp_millis(at_ms)
                    .ok_or_else(|| StoreError::Corrupt(format!("read {seq} has no valid time")))?,
                action: serde_json::from_value(serde_json::Value::String(action))?,
                record_ids: serde_json::from_str(&ids)?,
                detail,
                shift: serde_json::from_str(&shift)?,
            })
        })
        .collect()
    }

    /// HQ has logged these reads: they leave the tablet (marked, then deleted, in one
    /// transaction: the log's triggers allow nothing else). Answers how many went.
    pub fn reads_acknowledged(&mut self, seqs: &[u64]) -> Result<u32, StoreError> {
        let tx = self.conn.transaction()?;
        let mut gone = 0;
        {
            let mut mark = tx.prepare_cached("UPDATE read_log SET acked = 1 WHERE seq = ?1")?;
            for seq in seqs {
                gone += mark.execute([i64::try_from(*seq).unwrap_or(i64::MAX)])?;
            }
            tx.execute("DELETE FROM read_log WHERE acked = 1", [])?;
        }
        tx.commit()?;
        Ok(u32::try_from(gone).unwrap_or(u32::MAX))
    }
}
