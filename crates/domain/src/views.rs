//! What a device shows of its records: list rows, filters, import results. Shared with the UI
//! through the generated TypeScript types.

use crate::validation::FieldError;
use crate::{AreaId, RecordId, RecordKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One row of a record list or search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct RecordSummary {
    pub id: RecordId,
    pub kind: RecordKind,
    pub title: String,
    pub status: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub areas: Vec<AreaId>,
    /// Narrative fields edited concurrently, waiting for a person to merge them.
    pub conflicts: Vec<String>,
    /// Changes to this record not yet on HQ.
    pub pending_ops: u32,
    /// The record itself, as its kind's JSON.
    #[ts(type = "unknown")]
    pub body: serde_json::Value,
}

/// Which records to list. Every part is optional; all given parts must match.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ListFilter {
    pub kind: Option<RecordKind>,
    pub area: Option<AreaId>,
    pub status: Option<String>,
    /// Records that happened at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Records that happened before this time.
    pub until: Option<DateTime<Utc>>,
    /// At most this many rows (default 200).
    pub limit: Option<u32>,
}

/// A line of an import file that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct LineError {
    /// 1-based line number in the file.
    pub line: u32,
    pub message: String,
    pub field_errors: Vec<FieldError>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    pub imported: u32,
    /// Lines naming a record id this device already holds (a file imported twice).
    pub skipped: u32,
    pub failed: Vec<LineError>,
}
