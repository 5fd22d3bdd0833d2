//! Subject access requests and the intelligence unit's redaction decisions.

use super::{parse_t, record_id, t, SqliteStorage};
use crate::storage::{
    RedactionRow, Result, StorageError, SubjectAccessRequests, SubjectRequestRow,
};
use async_trait::async_trait;
use beatbook_domain::OfficerId;
use rusqlite::OptionalExtension;
use uuid::Uuid;

const REQUEST: &str =
    "SELECT id, reference, asked, query_json, items_json, purpose, created_by, created_at
     FROM subject_requests";

type RawRequest = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn raw(r: &rusqlite::Row) -> rusqlite::Result<RawRequest> {
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
}

fn uuid(s: &str) -> Result<Uuid> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("request id {s}")))
}

fn request(r: RawRequest) -> Result<SubjectRequestRow> {
    let (id, reference, asked, query_json, items_json, purpose, by, at) = r;
    Ok(SubjectRequestRow {
        id: uuid(&id)?,
        reference,
        asked,
        query_json,
        items_json,
        purpose,
        created_by: OfficerId::new(by),
        created_at: parse_t(&at)?,
    })
}

#[async_trait]
impl SubjectAccessRequests for SqliteStorage {
    async fn put_subject_request(&self, row: &SubjectRequestRow) -> Result<()> {
        let r = row.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO subject_requests (id, reference, asked, query_json, items_json, purpose, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                (
                    r.id.to_string(),
                    &r.reference,
                    &r.asked,
                    &r.query_json,
                    &r.items_json,
                    &r.purpose,
                    r.created_by.as_str(),
                    t(r.created_at),
                ),
            )?;
            Ok(())
        })
        .await
    }

    async fn subject_request(&self, id: Uuid) -> Result<Option<SubjectRequestRow>> {
        self.call(move |c| {
            c.query_row(&format!("{REQUEST} WHERE id = ?1"), [id.to_string()], raw)
                .optional()?
                .map(request)
                .transpose()
        })
        .await
    }

    async fn subject_requests(&self, limit: u32) -> Result<Vec<SubjectRequestRow>> {
        self.call(move |c| {
            let mut stmt = c.prepare(&format!(
                "{REQUEST} ORDER BY created_at DESC, id DESC LIMIT ?1"
            ))?;
            let rows = stmt.query_map([i64::from(limit)], raw)?;
            rows.map(|r| request(r?)).collect()
        })
        .await
    }

    async fn add_redaction(&self, row: &RedactionRow) -> Result<()> {
        let r = row.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO subject_redactions (request_id, record_id, decision, text, exemption, reason, decided_by, decided_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                (
                    r.request_id.to_string(),
                    r.record_id.to_string(),
                    &r.decision,
                    &r.text,
                    &r.exemption,
                    &r.reason,
                    r.decided_by.as_str(),
                    t(r.decided_at),
                ),
            )?;
            Ok(())
        })
        .await
    }

    async fn redactions(&self, request: Option<Uuid>) -> Result<Vec<RedactionRow>> {
        self.call(move |c| {
            let mut stmt = c.prepare(
                "SELECT request_id, record_id, decision, text, exemption, reason, decided_by, decided_at
                 FROM subject_redactions WHERE (?1 IS NULL OR request_id = ?1) ORDER BY id",
            )?;
            let rows = stmt.query_map([request.map(|r| r.to_string())], raw)?;
            rows.map(|r| {
                let (req, rec, decision, text, exemption, reason, by, at) = r?;
                Ok(RedactionRow {
                    request_id: uuid(&req)?,
                    record_id: record_id(&rec)?,
                    decision,
                    text,
                    exemption,
                    reason,
                    decided_by: OfficerId::new(by),
                    decided_at: parse_t(&at)?,
                })
            })
            .collect()
        })
        .await
    }
}
