//! Subject access requests and the intelligence unit's redaction decisions.

use super::PostgresStorage;
use crate::storage::{RedactionRow, Result, SubjectAccessRequests, SubjectRequestRow};
use async_trait::async_trait;
use beatbook_domain::{OfficerId, RecordId};
use tokio_postgres::Row;
use uuid::Uuid;

const REQUEST: &str =
    "SELECT id, reference, asked, query_json, items_json, purpose, created_by, created_at
     FROM subject_requests";

fn request(r: &Row) -> SubjectRequestRow {
    SubjectRequestRow {
        id: r.get(0),
        reference: r.get(1),
        asked: r.get(2),
        query_json: r.get(3),
        items_json: r.get(4),
        purpose: r.get(5),
        created_by: OfficerId::new(r.get::<_, String>(6)),
        created_at: r.get(7),
    }
}

#[async_trait]
impl SubjectAccessRequests for PostgresStorage {
    async fn put_subject_request(&self, row: &SubjectRequestRow) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO subject_requests (id, reference, asked, query_json, items_json, purpose, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &row.id,
                    &row.reference,
                    &row.asked,
                    &row.query_json,
                    &row.items_json,
                    &row.purpose,
                    &row.created_by.as_str(),
                    &row.created_at,
                ],
            )
            .await?;
        Ok(())
    }

    async fn subject_request(&self, id: Uuid) -> Result<Option<SubjectRequestRow>> {
        Ok(self
            .client()
            .await?
            .query_opt(&format!("{REQUEST} WHERE id = $1"), &[&id])
            .await?
            .as_ref()
            .map(request))
    }

    async fn subject_requests(&self, limit: u32) -> Result<Vec<SubjectRequestRow>> {
        Ok(self
            .client()
            .await?
            .query(
                &format!("{REQUEST} ORDER BY created_at DESC, id DESC LIMIT $1"),
                &[&i64::from(limit)],
            )
            .await?
            .iter()
            .map(request)
            .collect())
    }

    async fn add_redaction(&self, row: &RedactionRow) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO subject_redactions (request_id, record_id, decision, text, exemption, reason, decided_by, decided_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &row.request_id,
                    &row.record_id.0,
                    &row.decision,
                    &row.text,
                    &row.exemption,
                    &row.reason,
                    &row.decided_by.as_str(),
                    &row.decided_at,
                ],
            )
            .await?;
        Ok(())
    }

    async fn redactions(&self, request: Option<Uuid>) -> Result<Vec<RedactionRow>> {
        Ok(self
            .client()
            .await?
            .query(
                "SELECT request_id, record_id, decision, text, exemption, reason, decided_by, decided_at
                 FROM subject_redactions WHERE ($1::uuid IS NULL OR request_id = $1) ORDER BY id",
                &[&request],
            )
            .await?
            .iter()
            .map(|r| RedactionRow {
                request_id: r.get(0),
                record_id: RecordId(r.get(1)),
                decision: r.get(2),
                text: r.get(3),
                exemption: r.get(4),
                reason: r.get(5),
                decided_by: OfficerId::new(r.get::<_, String>(6)),
                decided_at: r.get(7),
            })
            .collect())
    }
}
