//! Current records for HQ's pages: one record, every record in server sequence order (with when
//! each concern was first answered), and a records page read newest first.

use super::{change_of, to_i64, to_u64, PostgresStorage};
use crate::storage::Result;
use crate::storage::{newest, Change, FrameworkRow, PageStream, RecordPage, RecordQuery, Records};
use async_trait::async_trait;
use beatbook_domain::RecordId;
use tokio_postgres::IsolationLevel;

#[async_trait]
impl Records for PostgresStorage {
    async fn record(&self, id: RecordId) -> Result<Option<Change>> {
        self.client()
            .await?
            .query_opt(
                "SELECT server_seq, id, state, facts::text FROM records WHERE id = $1",
                &[&id.0],
            )
            .await?
            .as_ref()
            .map(change_of)
            .transpose()
    }

    async fn framework_rows(&self, query: &RecordQuery) -> Result<Vec<FrameworkRow>> {
        let kinds: Vec<String> = query.kinds.iter().map(|k| k.as_str().to_owned()).collect();
        let rows = self
            .client()
            .await?
            .query(
                "SELECT server_seq, id, state, facts::text, answered_ms FROM records
                 WHERE server_seq > $1 AND (cardinality($2::text[]) = 0 OR kind = ANY($2))
                 ORDER BY server_seq LIMIT $3",
                &[&to_i64(query.after), &kinds, &i64::from(query.limit)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(FrameworkRow {
                    change: change_of(r)?,
                    answered_ms: r.get::<_, Option<i64>>(4).map(to_u64),
                })
            })
            .collect()
    }

    async fn records_before(&self, query: &RecordPage) -> Result<Vec<Change>> {
        let streams = query.streams();
        let before = query.before.map_or(i64::MAX, to_i64);
        let limit = i64::from(query.limit);
        let mut client = self.client().await?;
        // One snapshot: every stream and the rows agree, so a page is short only at the end.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let mut seqs: Vec<i64> = Vec::new();
        for stream in &streams {
            let rows = match stream {
                PageStream::All => {
                    tx.query(
                        "SELECT server_seq FROM records WHERE server_seq < $1 ORDER BY server_seq DESC LIMIT $2",
                        &[&before, &limit],
                    )
                    .await
                }
                PageStream::Kind(kind) => {
                    tx.query(
                        "SELECT server_seq FROM records WHERE kind = $1 AND server_seq < $2 ORDER BY server_seq DESC LIMIT $3",
                        &[kind, &before, &limit],
                    )
                    .await
                }
                PageStream::Filed { key, kinds } if kinds.is_empty() => {
                    tx.query(
                        "SELECT server_seq FROM record_audience WHERE key = $1 AND server_seq < $2 ORDER BY server_seq DESC LIMIT $3",
                        &[key, &before, &limit],
                    )
                    .await
                }
                PageStream::Filed { key, kinds } => {
                    tx.query(
                        "SELECT a.server_seq FROM record_audience a JOIN records r ON r.server_seq = a.server_seq
                         WHERE a.key = $1 AND a.server_seq < $2 AND r.kind = ANY($3)
                         ORDER BY a.server_seq DESC LIMIT $4",
                        &[key, &before, kinds, &limit],
                    )
                    .await
                }
                PageStream::KindInAreas { kind, areas } => {
                    tx.query(
                        "SELECT server_seq FROM records
                         WHERE kind = $1 AND server_seq < $2 AND (facts -> 'areas') ?| $3::text[]
                         ORDER BY server_seq DESC LIMIT $4",
                        &[kind, &before, areas, &limit],
                    )
                    .await
                }
            }?;
            seqs.extend(rows.iter().map(|r| r.get::<_, i64>(0)));
        }
        let seqs = newest(seqs, query.limit);
        let rows = tx
            .query(
                "SELECT server_seq, id, state, facts::text FROM records WHERE server_seq = ANY($1)
                 ORDER BY server_seq DESC",
                &[&seqs],
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(change_of).collect()
    }
}
