//! The audit trail as administrators search it: the op log (every write, as HQ received it) and
//! the access log (every disclosure of records to a person), by person, record, device and date.

use super::auth::Staff;
use crate::error::ApiError;
use crate::extract::Query;
use crate::HqState;
use axum::extract::State;
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::{DeviceId, OfficerId, RecordId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One disclosure of records to a person: who, when, from which device, what they did, which
/// records. The access log is append-only, like the op log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct AccessEntry {
    pub at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub officer_id: OfficerId,
    /// The device the records went to; `None` for a page at HQ.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub device_id: Option<DeviceId>,
    /// `pull` (sent to a device), `view`, `search`, `export`.
    pub action: String,
    #[schema(value_type = Vec<String>)]
    pub record_ids: Vec<RecordId>,
    /// What was asked (search words, an export's name). Never a secret.
    pub detail: String,
    /// Why, in words (`beatbook_domain::purpose::Purpose::describe`): the purpose staff gave, or
    /// the shift for a tablet's reads. Empty for entries logged before purposes were required.
    pub purpose: String,
}

/// One op-log row as the audit search shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct OpLogEntry {
    #[schema(value_type = String, format = Uuid)]
    pub device_id: DeviceId,
    #[ts(type = "number")]
    pub device_seq: u64,
    #[schema(value_type = String, format = Uuid)]
    pub record_id: RecordId,
    pub kind: String,
    #[schema(value_type = String)]
    pub author: OfficerId,
    pub received_at: DateTime<Utc>,
    #[ts(type = "number | null")]
    pub server_seq: Option<u64>,
    /// What HQ did with it, as logged (`applied`, `duplicate`, `rejected`).
    pub outcome_json: String,
    /// Set once the op's text is gone: "disposed of on 6 Dec 2026 by NAME: REASON".
    pub text_gone: Option<String>,
}

#[derive(Deserialize, Default, Debug, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An officer: their writes (op log) and what they were shown (access log).
    #[param(value_type = Option<String>)]
    pub officer: Option<OfficerId>,
    #[param(value_type = Option<String>, format = Uuid)]
    pub device: Option<DeviceId>,
    #[param(value_type = Option<String>, format = Uuid)]
    pub record: Option<RecordId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// At most this many of each log (1 to 5000, default 200).
    #[param(minimum = 1, maximum = 5000)]
    #[serde(deserialize_with = "crate::extract::ranged::<_, 1, 5000>")]
    pub limit: Option<u32>,
    /// Words the admin log's entries contain (the admin log only).
    pub text: Option<String>,
}

/// The audit search's answer, as a person reads it: every row names its people, devices and
/// records (see [`crate::admin::audit`]).
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Audit {
    pub ops: Vec<AuditWrite>,
    pub access: Vec<AuditRead>,
    /// The admin log: sign-ins, changes to officers, areas, teams and devices, retention
    /// decisions, exports (by person and date; not by device or record).
    pub admin: Vec<AuditAdmin>,
}

/// One admin-log entry with the names a person reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct AuditAdmin {
    pub at: DateTime<Utc>,
    #[schema(value_type = Option<String>)]
    pub officer_id: Option<OfficerId>,
    /// Who, e.g. `Sam Patel (PC2290)`, or `HQ` when nobody signed in did it.
    pub officer_name: String,
    /// The event as logged (`sign_in`, `role_changed`, ...).
    pub action: String,
    /// The event in words: `Signed in`, `Role changed`, ...
    pub what: String,
    /// What happened, in words.
    pub detail: String,
}

/// One write (an op-log row) with the names a person reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct AuditWrite {
    pub received_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub author: OfficerId,
    /// The author's name and collar number, e.g. `Sam Patel (PC2290)`.
    pub author_name: String,
    #[schema(value_type = String, format = Uuid)]
    pub device_id: DeviceId,
    pub device_name: String,
    #[ts(type = "number")]
    pub device_seq: u64,
    #[schema(value_type = String, format = Uuid)]
    pub record_id: RecordId,
    /// The record as a person names it: its title, or its kind and reference where its title is
    /// not for the audit page (intelligence) or HQ does not hold it.
    pub record: String,
    /// What kind of record, in words (`Concern`, `Patrol log`).
    pub kind: String,
    /// What HQ did with it, in words: `Saved`, `Already received`, `Refused: ...`.
    pub outcome: String,
}

/// One disclosure (an access-log row) with the names a person reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct AuditRead {
    pub at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub officer_id: OfficerId,
    /// Who, e.g. `Sam Patel (PC2290)`.
    pub officer_name: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub device_id: Option<DeviceId>,
    /// The device's name, or `HQ dashboard`.
    pub device_name: String,
    /// The action as logged (`pull`, `view`, `search`, ...).
    pub action: String,
    /// The action in words: `Sent to a device`, `Opened`, `Searched`, ...
    pub what: String,
    #[schema(value_type = Vec<String>)]
    pub record_ids: Vec<RecordId>,
    /// The records as a person names them, in the order of `record_ids`.
    pub records: Vec<String>,
    pub detail: String,
    /// Why, in words: the purpose given, or the shift for a tablet's reads ("" before purposes
    /// were asked for).
    pub purpose: String,
}

/// `GET /api/v1/hq/admin/audit`: the op log (writes), the access log (reads, with their
/// purpose) and the admin log by person, record, device and date, newest first.
#[utoipa::path(get, path = "/api/v1/hq/admin/audit", tag = "hq", operation_id = "hq_admin_audit",
    params(AuditQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Audit), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn search(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Audit>, ApiError> {
    staff.require(HqAction::Audit)?;
    Ok(Json(crate::admin::audit(state.storage.as_ref(), &q).await?))
}
