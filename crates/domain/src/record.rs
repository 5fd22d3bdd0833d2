//! What every record kind has in common, and how a record becomes the fields an op carries.

use crate::merge::RecordState;
use crate::op::{FieldWrite, Stamp};
use crate::validation::ValidationErrors;
use crate::AreaId;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Concern,
    IntelReport,
    /// Source details of an intelligence report: held apart, with tighter access.
    IntelSource,
    Meeting,
    Priority,
    PatrolLog,
    Engagement,
    /// An improvement action on a failure the performance framework shows: opened and closed at
    /// HQ; officers add progress updates from their tablets.
    Action,
}

impl RecordKind {
    pub const ALL: [RecordKind; 8] = [
        RecordKind::Concern,
        RecordKind::IntelReport,
        RecordKind::IntelSource,
        RecordKind::Meeting,
        RecordKind::Priority,
        RecordKind::PatrolLog,
        RecordKind::Engagement,
        RecordKind::Action,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Concern => "concern",
            RecordKind::IntelReport => "intel_report",
            RecordKind::IntelSource => "intel_source",
            RecordKind::Meeting => "meeting",
            RecordKind::Priority => "priority",
            RecordKind::PatrolLog => "patrol_log",
            RecordKind::Engagement => "engagement",
            RecordKind::Action => "action",
        }
    }

    /// Intelligence submissions are append-only on the device: once submitted, an officer's
    /// report changes only through review at HQ.
    pub fn editable_on_device(self) -> bool {
        !matches!(
            self,
            RecordKind::IntelReport | RecordKind::IntelSource | RecordKind::Action
        )
    }

    /// Whether a device may create a record of this kind: improvement actions are opened at HQ.
    pub fn created_on_device(self) -> bool {
        self != RecordKind::Action
    }

    /// Whether a device may add to the record's append-only log (an update) even where it may
    /// not edit its fields: improvement actions are opened and closed at HQ, and officers add
    /// progress updates from the street.
    pub fn appendable_on_device(self) -> bool {
        self.editable_on_device() || self == RecordKind::Action
    }
}

impl std::str::FromStr for RecordKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown record kind {s:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record kind: validation, what it says for search and listing, and which of its top-level
/// fields hold narrative text (merged as versions rather than last-writer-wins).
pub trait Record: Serialize + DeserializeOwned + Clone {
    const KIND: RecordKind;
    /// Top-level string fields edited as free text.
    const NARRATIVE: &'static [&'static str];

    fn validate(&self) -> Result<(), ValidationErrors>;
    /// Extra checks for a record made on a device (as opposed to one changed by review at HQ).
    fn validate_new_on_device(&self) -> Result<(), ValidationErrors> {
        Ok(())
    }
    /// The text full-text search should find this record by.
    fn search_text(&self) -> String;
    /// Every area the record belongs to (a point in an overlap belongs to several).
    fn areas(&self) -> Vec<AreaId>;
    /// When it happened, for listing and date filters.
    fn occurred_at(&self) -> DateTime<Utc>;
    /// A one-line summary for lists.
    fn title(&self) -> String;
    fn status(&self) -> Option<String> {
        None
    }
    fn retention_review(&self) -> NaiveDate;

    /// The field writes that turn `current` (if any) into `self`: only fields that changed.
    /// Narrative fields name as bases every live version, so writing one resolves a conflict.
    fn writes_from(
        &self,
        current: Option<&RecordState>,
    ) -> Result<BTreeMap<String, FieldWrite>, serde_json::Error> {
        let serde_json::Value::Object(obj) = serde_json::to_value(self)? else {
            return Err(serde::ser::Error::custom(
                "a record must serialise to an object",
            ));
        };
        let mut writes = BTreeMap::new();
        for (name, value) in obj {
            if Self::NARRATIVE.contains(&name.as_str()) {
                let text = value.as_str().unwrap_or_default().to_owned();
                let live = current.map(|s| s.live_versions(&name)).unwrap_or_default();
                // Text equal to a live version is not an edit: in particular, saving another field
                // of a record whose text is in conflict must not settle the conflict for a person.
                // Settling it is an explicit choice (`Store::resolve_text`).
                let unchanged = live.iter().any(|v| v.value == text);
                // On creation every field is written, so the state always holds the whole record.
                let nothing_to_write = current.is_some() && live.is_empty() && text.is_empty();
                if !unchanged && !nothing_to_write {
                    let bases: Vec<Stamp> = live.iter().map(|v| v.stamp).collect();
                    writes.insert(name, FieldWrite::Text { value: text, bases });
                }
            } else {
                let value = crate::Json::from(&value);
                let old = current.and_then(|s| s.fields.get(&name)).map(|v| &v.value);
                if old != Some(&value) {
                    writes.insert(name, FieldWrite::Set(value));
                }
            }
        }
        Ok(writes)
    }

    /// The record as the merged state shows it.
    fn from_state(state: &RecordState) -> Result<Self, serde_json::Error> {
        serde_json::from_str(&state.object_text())
    }
}

/// The default retention review date: `months` after `from`.
pub fn review_after(from: NaiveDate, months: u32) -> NaiveDate {
    from.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Shared check: a retention review date must not fall before the record's own date.
/// Latest retention review allowed: a record must come up for review within ten years.
pub const MAX_RETENTION_MONTHS: u32 = 120;

pub(crate) fn check_retention(errs: &mut ValidationErrors, review: NaiveDate, from: NaiveDate) {
    if review < from {
        errs.add(
            "retention_review",
            "before_record",
            "the retention review date cannot be before the record's date",
        );
    } else if review > review_after(from, MAX_RETENTION_MONTHS) {
        errs.add(
            "retention_review",
            "too_late",
            "the retention review date must be within ten years of the record's date",
        );
    }
}

/// Check a merged state as a whole record of its kind: that it reads as one, and is valid.
/// `new_on_device` adds the checks for a record an officer creates (e.g. intelligence starts in
/// review). HQ runs this on every op it merges; the device store runs it before saving.
pub fn check_state(state: &RecordState, new_on_device: bool) -> Result<(), ValidationErrors> {
    fn check<R: Record>(state: &RecordState, new_on_device: bool) -> Result<(), ValidationErrors> {
        let r = R::from_state(state).map_err(|e| {
            let mut errs = ValidationErrors::new();
            errs.add("", "unreadable", format!("not a complete {}: {e}", R::KIND));
            errs
        })?;
        r.validate()?;
        if new_on_device {
            r.validate_new_on_device()?;
        }
        Ok(())
    }
    use crate::{concern, improvement, intel, meeting, patrol};
    match state.kind {
        RecordKind::Concern => check::<concern::Concern>(state, new_on_device),
        RecordKind::IntelReport => check::<intel::IntelReport>(state, new_on_device),
        RecordKind::IntelSource => check::<intel::IntelSource>(state, new_on_device),
        RecordKind::Meeting => check::<meeting::Meeting>(state, new_on_device),
        RecordKind::Priority => check::<meeting::Priority>(state, new_on_device),
        RecordKind::PatrolLog => check::<patrol::PatrolLog>(state, new_on_device),
        RecordKind::Engagement => check::<patrol::Engagement>(state, new_on_device),
        RecordKind::Action => check::<improvement::ImprovementAction>(state, new_on_device),
    }
}
