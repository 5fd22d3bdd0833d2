//! Subject access requests and the intelligence unit's redaction decisions (see
//! [`crate::subject_access`]).

use super::Result;
use async_trait::async_trait;
use beatbook_domain::{OfficerId, RecordId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A subject access request as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectRequestRow {
    pub id: Uuid,
    pub reference: String,
    /// What was looked for, in words.
    pub asked: String,
    /// The `SubjectQuery` as JSON.
    pub query_json: String,
    /// The records found: `[{record_id, withheld}]`.
    pub items_json: String,
    /// The purpose given, in words.
    pub purpose: String,
    pub created_by: OfficerId,
    pub created_at: DateTime<Utc>,
}

/// One decision of the intelligence unit on a record a request found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedactionRow {
    pub request_id: Uuid,
    pub record_id: RecordId,
    /// `disclose`, `disclose_redacted` or `withhold`.
    pub decision: String,
    /// The text to disclose (`disclose_redacted`), else empty.
    pub text: String,
    /// The exemption (`withhold`), else empty.
    pub exemption: String,
    pub reason: String,
    pub decided_by: OfficerId,
    pub decided_at: DateTime<Utc>,
}

#[async_trait]
pub trait SubjectAccessRequests: Send + Sync {
    async fn put_subject_request(&self, row: &SubjectRequestRow) -> Result<()>;
    async fn subject_request(&self, id: Uuid) -> Result<Option<SubjectRequestRow>>;
    /// The latest `limit` requests, newest first.
    async fn subject_requests(&self, limit: u32) -> Result<Vec<SubjectRequestRow>>;
    /// Append a decision (decisions are never changed: a later one supersedes).
    async fn add_redaction(&self, row: &RedactionRow) -> Result<()>;
    /// The decisions on a request, or on every request, oldest first.
    async fn redactions(&self, request: Option<Uuid>) -> Result<Vec<RedactionRow>>;
}
