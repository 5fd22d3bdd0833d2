//! The merge rules. A record's state is a join-semilattice: merging is commutative, associative
//! and idempotent, so replicas that have seen the same ops hold the same state whatever the order,
//! grouping or repetition in which the ops arrived.
//!
//! - Plain fields: last writer wins by `(hlc, device)`.
//! - Narrative text: every version is kept with the versions it replaced; the live versions are
//!   those nobody replaced. Two live versions mean a concurrent edit: the record is flagged and
//!   both are shown to a person, who merges them with a write whose bases name both.
//! - Append entries: a grow-only set keyed by stamp; they never conflict.
//! - Delete: a tombstone, which wins over any write.

use crate::op::{FieldWrite, Op, OpAction, Stamp};
use crate::{OfficerId, RecordId, RecordKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct LwwValue {
    #[ts(type = "unknown")]
    pub value: serde_json::Value,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TextVersion {
    pub value: String,
    pub stamp: Stamp,
    pub bases: BTreeSet<Stamp>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct LogEntry {
    #[ts(type = "unknown")]
    pub entry: serde_json::Value,
    pub author: OfficerId,
}

/// The merged state of one record: everything needed to merge further and to show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct RecordState {
    pub id: RecordId,
    pub kind: RecordKind,
    /// The earliest op seen, and who made it: the record's creation.
    pub created: Stamp,
    pub created_by: OfficerId,
    /// The latest op seen.
    pub updated: Stamp,
    pub fields: BTreeMap<String, LwwValue>,
    pub texts: BTreeMap<String, BTreeMap<String, TextVersion>>,
    pub log: BTreeMap<String, LogEntry>,
    pub tombstone: Option<Stamp>,
}

/// Key for maps keyed by stamp. JSON object keys must be strings; this one sorts like the stamp.
fn stamp_key(s: &Stamp) -> String {
    format!("{:020}.{:010}.{}", s.hlc.wall_ms, s.hlc.counter, s.device)
}

impl RecordState {
    /// The state made by one op alone.
    pub fn from_op(op: &Op) -> Self {
        let stamp = op.stamp();
        let mut state = RecordState {
            id: op.record_id,
            kind: op.kind,
            created: stamp,
            created_by: op.author.clone(),
            updated: stamp,
            fields: BTreeMap::new(),
            texts: BTreeMap::new(),
            log: BTreeMap::new(),
            tombstone: None,
        };
        match &op.action {
            OpAction::Put { fields } => {
                for (name, write) in fields {
                    match write {
                        FieldWrite::Set(value) => {
                            state.fields.insert(
                                name.clone(),
                                LwwValue {
                                    value: value.clone(),
                                    stamp,
                                },
                            );
                        }
                        FieldWrite::Text { value, bases } => {
                            let version = TextVersion {
                                value: value.clone(),
                                stamp,
                                bases: bases.iter().copied().collect(),
                            };
                            state
                                .texts
                                .entry(name.clone())
                                .or_default()
                                .insert(stamp_key(&stamp), version);
                        }
                    }
                }
            }
            OpAction::Append { entry } => {
                state.log.insert(
                    stamp_key(&stamp),
                    LogEntry {
                        entry: entry.clone(),
                        author: op.author.clone(),
                    },
                );
            }
            OpAction::Delete => state.tombstone = Some(stamp),
        }
        state
    }

    /// Merge one op into this state.
    pub fn apply(&mut self, op: &Op) {
        self.merge(&Self::from_op(op));
    }

    /// Merge another replica's state of the same record into this one.
    pub fn merge(&mut self, other: &RecordState) {
        debug_assert_eq!(self.id, other.id, "merging states of different records");
        // Kinds never differ for one id in practice (HQ refuses such ops); pick one
        // deterministically so the merge stays commutative regardless.
        self.kind = self.kind.max(other.kind);
        if other.created < self.created {
            self.created = other.created;
            self.created_by = other.created_by.clone();
        }
        self.updated = self.updated.max(other.updated);
        for (name, theirs) in &other.fields {
            match self.fields.get_mut(name) {
                Some(ours) if !lww_wins(theirs, ours) => {}
                Some(ours) => *ours = theirs.clone(),
                None => {
                    self.fields.insert(name.clone(), theirs.clone());
                }
            }
        }
        for (name, versions) in &other.texts {
            let ours = self.texts.entry(name.clone()).or_default();
            for (key, v) in versions {
                match ours.get_mut(key) {
                    // The same stamp is the same op; differing content would be a forged or
                    // corrupt op. Keep the greater so every replica agrees.
                    Some(mine) if text_tiebreak(v) > text_tiebreak(mine) => *mine = v.clone(),
                    Some(_) => {}
                    None => {
                        ours.insert(key.clone(), v.clone());
                    }
                }
            }
        }
        for (key, entry) in &other.log {
            match self.log.get_mut(key) {
                Some(mine) if log_tiebreak(entry) > log_tiebreak(mine) => *mine = entry.clone(),
                Some(_) => {}
                None => {
                    self.log.insert(key.clone(), entry.clone());
                }
            }
        }
        self.tombstone = match (self.tombstone, other.tombstone) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    pub fn is_deleted(&self) -> bool {
        self.tombstone.is_some()
    }

    /// The versions of a narrative field that no other version replaced, newest first.
    pub fn live_versions(&self, field: &str) -> Vec<&TextVersion> {
        let Some(versions) = self.texts.get(field) else {
            return Vec::new();
        };
        let replaced: BTreeSet<&Stamp> = versions.values().flat_map(|v| v.bases.iter()).collect();
        let mut live: Vec<&TextVersion> = versions
            .values()
            .filter(|v| !replaced.contains(&v.stamp))
            .collect();
        live.sort_by_key(|v| std::cmp::Reverse(v.stamp));
        live
    }

    /// Narrative fields edited concurrently, waiting for a person to merge them.
    pub fn conflicts(&self) -> Vec<String> {
        self.texts
            .keys()
            .filter(|f| self.live_versions(f).len() > 1)
            .cloned()
            .collect()
    }

    /// The record as one JSON object: each plain field's winning value and, for narrative text,
    /// the newest live version (the others stay available through [`Self::live_versions`]).
    pub fn to_object(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut obj: serde_json::Map<String, serde_json::Value> = self
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        for field in self.texts.keys() {
            if let Some(v) = self.live_versions(field).first() {
                obj.insert(field.clone(), serde_json::Value::String(v.value.clone()));
            }
        }
        obj
    }

    /// Append-only entries in the order they were made.
    pub fn log_entries(&self) -> impl Iterator<Item = &LogEntry> {
        self.log.values()
    }
}

fn lww_wins(candidate: &LwwValue, current: &LwwValue) -> bool {
    (candidate.stamp, candidate.value.to_string()) > (current.stamp, current.value.to_string())
}

fn text_tiebreak(v: &TextVersion) -> (&str, &BTreeSet<Stamp>) {
    (&v.value, &v.bases)
}

fn log_tiebreak(e: &LogEntry) -> (String, &OfficerId) {
    (e.entry.to_string(), &e.author)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DeviceId, Hlc};
    use serde_json::json;
    use uuid::Uuid;

    fn device(n: u128) -> DeviceId {
        DeviceId(Uuid::from_u128(n))
    }

    fn op(dev: u128, ms: u64, action: OpAction) -> Op {
        Op {
            device_id: device(dev),
            device_seq: ms,
            record_id: RecordId(Uuid::from_u128(42)),
            kind: RecordKind::Concern,
            author: OfficerId::new(format!("PC{dev}")),
            hlc: Hlc::new(ms, 0),
            action,
        }
    }

    fn set(field: &str, v: serde_json::Value) -> OpAction {
        OpAction::Put {
            fields: [(field.to_owned(), FieldWrite::Set(v))].into(),
        }
    }

    fn text(field: &str, v: &str, bases: Vec<Stamp>) -> OpAction {
        OpAction::Put {
            fields: [(
                field.to_owned(),
                FieldWrite::Text {
                    value: v.to_owned(),
                    bases,
                },
            )]
            .into(),
        }
    }

    #[test]
    fn the_later_write_wins_whatever_the_arrival_order() {
        let a = op(1, 10, set("status", json!("open")));
        let b = op(2, 20, set("status", json!("closed")));
        let mut x = RecordState::from_op(&a);
        x.apply(&b);
        let mut y = RecordState::from_op(&b);
        y.apply(&a);
        assert_eq!(x, y);
        assert_eq!(x.to_object()["status"], json!("closed"));
        assert_eq!(x.created_by, OfficerId::new("PC1"));
    }

    #[test]
    fn concurrent_text_edits_keep_both_versions_until_a_person_merges_them() {
        let v1 = op(1, 10, text("description", "Youths gather", vec![]));
        let mut s = RecordState::from_op(&v1);
        let a = op(
            1,
            20,
            text("description", "Youths gather nightly", vec![v1.stamp()]),
        );
        let b = op(
            2,
            21,
            text("description", "Youths gather by the shop", vec![v1.stamp()]),
        );
        s.apply(&a);
        s.apply(&b);
        assert_eq!(s.conflicts(), vec!["description".to_owned()]);
        let live: Vec<&str> = s
            .live_versions("description")
            .iter()
            .map(|v| v.value.as_str())
            .collect();
        assert_eq!(
            live,
            vec!["Youths gather by the shop", "Youths gather nightly"]
        );

        let merged = op(
            1,
            30,
            text(
                "description",
                "Youths gather nightly by the shop",
                vec![a.stamp(), b.stamp()],
            ),
        );
        s.apply(&merged);
        assert!(s.conflicts().is_empty());
        assert_eq!(
            s.to_object()["description"],
            json!("Youths gather nightly by the shop")
        );
    }

    #[test]
    fn sequential_text_edits_are_not_a_conflict() {
        let v1 = op(1, 10, text("notes", "a", vec![]));
        let v2 = op(2, 20, text("notes", "ab", vec![v1.stamp()]));
        let v3 = op(1, 30, text("notes", "abc", vec![v2.stamp()]));
        let mut s = RecordState::from_op(&v3);
        s.apply(&v1);
        s.apply(&v2);
        assert!(s.conflicts().is_empty());
        assert_eq!(s.to_object()["notes"], json!("abc"));
    }

    #[test]
    fn a_tombstone_wins_over_a_later_write() {
        let del = op(1, 10, OpAction::Delete);
        let late = op(2, 99, set("status", json!("open")));
        let mut s = RecordState::from_op(&late);
        s.apply(&del);
        assert!(s.is_deleted());
    }

    #[test]
    fn appended_entries_from_two_devices_are_all_kept_in_order() {
        let a = op(
            2,
            20,
            OpAction::Append {
                entry: json!({"we_did": "extra patrols"}),
            },
        );
        let b = op(
            1,
            10,
            OpAction::Append {
                entry: json!({"we_did": "street briefing"}),
            },
        );
        let mut s = RecordState::from_op(&a);
        s.apply(&b);
        s.apply(&a);
        let entries: Vec<_> = s.log_entries().map(|e| e.entry["we_did"].clone()).collect();
        assert_eq!(
            entries,
            vec![json!("street briefing"), json!("extra patrols")]
        );
    }
}
