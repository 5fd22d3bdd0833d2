//! Current records for HQ's pages: one record, every record in server sequence order (with when
//! each concern was first answered), and a records page read newest first.

use super::{record_id, to_i64, to_u64, SqliteStorage};
use crate::storage::Result;
use crate::storage::{newest, Change, FrameworkRow, PageStream, RecordPage, RecordQuery, Records};
use async_trait::async_trait;
use beatbook_domain::access::AccessFacts;
use beatbook_domain::RecordId;
use rusqlite::OptionalExtension;

pub(super) type ChangeColumns = (i64, String, String, String);

/// A change feed row: `server_seq, id, state, facts`.
pub(super) fn change_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChangeColumns> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

pub(super) fn to_change((seq, id, state_json, facts): ChangeColumns) -> Result<Change> {
    Ok(Change {
        server_seq: to_u64(seq),
        record_id: record_id(&id)?,
        state_json,
        facts: serde_json::from_str::<AccessFacts>(&facts)?,
    })
}

#[async_trait]
impl Records for SqliteStorage {
    async fn record(&self, id: RecordId) -> Result<Option<Change>> {
        self.call(move |c| {
            let row = c
                .query_row(
                    "SELECT server_seq, id, state, facts FROM records WHERE id = ?1",
                    [id.to_string()],
                    change_columns,
                )
                .optional()?;
            row.map(to_change).transpose()
        })
        .await
    }

    async fn framework_rows(&self, query: &RecordQuery) -> Result<Vec<FrameworkRow>> {
        let q = query.clone();
        self.call(move |c| {
            let kinds: Vec<&str> = q.kinds.iter().map(|k| k.as_str()).collect();
            let kinds = serde_json::to_string(&kinds)?;
            let mut stmt = c.prepare_cached(
                "SELECT server_seq, id, state, facts, answered_ms FROM records
                 WHERE server_seq > ?1 AND (json_array_length(?2) = 0 OR kind IN (SELECT value FROM json_each(?2)))
                 ORDER BY server_seq LIMIT ?3",
            )?;
            let rows = stmt.query_map((to_i64(q.after), kinds, i64::from(q.limit)), |r| {
                Ok((change_columns(r)?, r.get::<_, Option<i64>>(4)?))
            })?;
            rows.map(|r| {
                let (cols, answered) = r?;
                Ok(FrameworkRow { change: to_change(cols)?, answered_ms: answered.map(to_u64) })
            })
            .collect()
        })
        .await
    }

    async fn records_before(&self, query: &RecordPage) -> Result<Vec<Change>> {
        let streams = query.streams();
        let before = query.before.map_or(i64::MAX, to_i64);
        let limit = query.limit;
        self.call(move |c| {
            // One read transaction: every stream and the rows come from the same snapshot.
            let tx = c.transaction()?;
            let lim = i64::from(limit);
            let mut seqs = Vec::new();
            for stream in &streams {
                let mut read = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> Result<()> {
                    let mut stmt = tx.prepare_cached(sql)?;
                    for seq in stmt.query_map(params, |r| r.get::<_, i64>(0))? {
                        seqs.push(seq?);
                    }
                    Ok(())
                };
                match stream {
                    PageStream::All => read(
                        "SELECT server_seq FROM records WHERE server_seq < ?1 ORDER BY server_seq DESC LIMIT ?2",
                        &[&before, &lim],
                    )?,
                    PageStream::Kind(kind) => read(
                        "SELECT server_seq FROM records WHERE kind = ?1 AND server_seq < ?2 ORDER BY server_seq DESC LIMIT ?3",
                        &[kind, &before, &lim],
                    )?,
                    PageStream::Filed { key, kinds } if kinds.is_empty() => read(
                        "SELECT server_seq FROM record_audience WHERE key = ?1 AND server_seq < ?2 ORDER BY server_seq DESC LIMIT ?3",
                        &[key, &before, &lim],
                    )?,
                    // CROSS JOIN keeps the feed's key range as the outer loop (SQLite does not
                    // reorder it), so the walk stops at `limit` whatever the kinds.
                    PageStream::Filed { key, kinds } => read(
                        "SELECT a.server_seq FROM record_audience a CROSS JOIN records r ON r.server_seq = a.server_seq
                         WHERE a.key = ?1 AND a.server_seq < ?2 AND r.kind IN (SELECT value FROM json_each(?3))
                         ORDER BY a.server_seq DESC LIMIT ?4",
                        &[key, &before, &serde_json::to_string(kinds)?, &lim],
                    )?,
                    PageStream::KindInAreas { kind, areas } => read(
                        "SELECT server_seq FROM records INDEXED BY records_by_kind
                         WHERE kind = ?1 AND server_seq < ?2
                           AND EXISTS (SELECT 1 FROM json_each(records.facts, '$.areas') j WHERE j.value IN (SELECT value FROM json_each(?3)))
                         ORDER BY server_seq DESC LIMIT ?4",
                        &[kind, &before, &serde_json::to_string(areas)?, &lim],
                    )?,
                }
            }
            let mut changes = Vec::new();
            {
                let mut stmt = tx.prepare_cached("SELECT server_seq, id, state, facts FROM records WHERE server_seq = ?1")?;
                for seq in newest(seqs, limit) {
                    changes.push(to_change(stmt.query_row([seq], change_columns)?)?);
                }
            }
            tx.commit()?;
            Ok(changes)
        })
        .await
    }
}
