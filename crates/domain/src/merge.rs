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
//! - Erasure (rectification at HQ): a superseded text version named by a
//!   [`FieldWrite::Erase`] becomes an erased shell (its stamp and bases, no text), which wins
//!   over the version's text in every merge, so the text is gone from every replica that merges
//!   it. A shell is never live.

use crate::json::Json;
use crate::op::{ErasedVersion, FieldWrite, Op, OpAction, Stamp};
use crate::{OfficerId, RecordId, RecordKind};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct LwwValue {
    #[ts(type = "unknown")]
    pub value: Json,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TextVersion {
    pub value: String,
    pub stamp: Stamp,
    pub bases: BTreeSet<Stamp>,
    /// Erased by rectification: `value` is empty and the version is never live. Left out of
    /// the stored form when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(optional, as = "Option<bool>")]
    pub erased: bool,
}

impl TextVersion {
    /// The shell an erasure leaves of a version: its stamp and bases, no text.
    pub fn erased(v: &ErasedVersion) -> Self {
        TextVersion {
            value: String::new(),
            stamp: v.stamp,
            bases: v.bases.iter().copied().collect(),
            erased: true,
        }
    }
}

/// The plain field that restricts processing of a record (UK GDPR art. 18, DPA 2018 s.47): set
/// by HQ's data protection officer to `{reason, by, at}`, and to `null` when lifted. Only HQ
/// writes it ([`Op::hq_only`]); a restricted record is kept but nobody but the data protection
/// officer sees it and no tablet holds it (`access::AccessFacts::restricted`).
pub const RESTRICTED_FIELD: &str = "restricted";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct LogEntry {
    #[ts(type = "unknown")]
    pub entry: Json,
    pub author: OfficerId,
}

/// The merged state of one record: everything needed to merge further and to show it.
///
/// Stored and sent compactly: a field's or text version's stamp is left out when it is the
/// record's `created` stamp (true of every field of a record changed once), and read back as
/// that. States written in full, as earlier versions did, read the same.
#[derive(Clone, Debug, PartialEq, TS)]
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

/// Key for maps keyed by stamp. JSON object keys must be strings; this one sorts like the stamp:
/// `{wall_ms:020}.{counter:010}.{device}`. Written by hand: it is made for every op merged.
fn stamp_key(s: &Stamp) -> String {
    fn push_padded(out: &mut String, n: u64, width: usize) {
        let digits = n.checked_ilog10().map_or(1, |d| d as usize + 1);
        out.extend(std::iter::repeat_n('0', width.saturating_sub(digits)));
        push_number(out, n);
    }
    let mut key = String::with_capacity(20 + 1 + 10 + 1 + 36);
    push_padded(&mut key, s.hlc.wall_ms, 20);
    key.push('.');
    push_padded(&mut key, u64::from(s.hlc.counter), 10);
    key.push('.');
    let mut uuid = [0u8; uuid::fmt::Hyphenated::LENGTH];
    key.push_str(s.device.0.hyphenated().encode_lower(&mut uuid));
    key
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
                // The op's fields are in order: the map is built in one go, not key by key.
                state.fields = fields
                    .iter()
                    .filter_map(|(name, write)| match write {
                        FieldWrite::Set(value) => Some((
                            name.clone(),
                            LwwValue {
                                value: value.clone(),
                                stamp,
                            },
                        )),
                        FieldWrite::Text { .. } | FieldWrite::Erase { .. } => None,
                    })
                    .collect();
                for (name, write) in fields {
                    match write {
                        FieldWrite::Set(_) => {}
                        FieldWrite::Text { value, bases } => {
                            let version = TextVersion {
                                value: value.clone(),
                                stamp,
                                bases: bases.iter().copied().collect(),
                                erased: false,
                            };
                            state
                                .texts
                                .entry(name.clone())
                                .or_default()
                                .insert(stamp_key(&stamp), version);
                        }
                        FieldWrite::Erase { versions } => {
                            let shells = state.texts.entry(name.clone()).or_default();
                            for v in versions {
                                let shell = TextVersion::erased(v);
                                match shells.get_mut(&stamp_key(&v.stamp)) {
                                    Some(mine) if !version_wins(&shell, mine) => {}
                                    Some(mine) => *mine = shell,
                                    None => {
                                        shells.insert(stamp_key(&v.stamp), shell);
                                    }
                                }
                            }
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
                    // The same stamp is the same op, or its erasure (which wins); differing
                    // content would be a forged or corrupt op. Keep the greater so every replica
                    // agrees.
                    Some(mine) if version_wins(v, mine) => *mine = v.clone(),
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
            .filter(|v| !v.erased && !replaced.contains(&v.stamp))
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
            .map(|(k, v)| (k.clone(), v.value.to_value()))
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

    /// The record as the text of one JSON object, like [`Self::to_object`] but without taking
    /// the values apart: what a record kind is read from (see `Record::from_state`).
    pub fn object_text(&self) -> String {
        let size: usize = self
            .fields
            .iter()
            .map(|(k, v)| k.len() + v.value.get().len() + 4)
            .sum();
        let mut out = String::with_capacity(size + 256);
        out.push('{');
        let mut first = true;
        let mut key = |out: &mut String, name: &str| {
            if !std::mem::take(&mut first) {
                out.push(',');
            }
            push_json_string(out, name);
            out.push(':');
        };
        for (name, v) in &self.fields {
            if self.texts.contains_key(name) {
                continue;
            }
            key(&mut out, name);
            out.push_str(v.value.get());
        }
        for field in self.texts.keys() {
            if let Some(v) = self.live_versions(field).first() {
                key(&mut out, field);
                push_json_string(&mut out, &v.value);
            } else if let Some(v) = self.fields.get(field) {
                key(&mut out, field);
                out.push_str(v.value.get());
            }
        }
        out.push('}');
        out
    }
}

use crate::json::push_string as push_json_string;

fn push_number(out: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&b| char::from(b)));
}

fn push_uuid(out: &mut String, id: &uuid::Uuid) {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    out.push('"');
    out.push_str(id.hyphenated().encode_lower(&mut buf));
    out.push('"');
}

fn push_stamp(out: &mut String, s: &Stamp) {
    out.push_str("{\"hlc\":{\"wall_ms\":");
    push_number(out, s.hlc.wall_ms);
    out.push_str(",\"counter\":");
    push_number(out, u64::from(s.hlc.counter));
    out.push_str("},\"device\":");
    push_uuid(out, &s.device.0);
    out.push('}');
}

impl RecordState {
    /// The state as JSON text: exactly what `serde_json::to_string` writes for it (see the
    /// compact form on [`RecordState`]), written by hand because HQ and devices write one for
    /// every record they store, and the generic path spends most of its time on the texts.
    pub fn to_json(&self) -> String {
        let size: usize = self
            .fields
            .iter()
            .map(|(k, v)| k.len() + v.value.get().len() + 16)
            .sum::<usize>()
            + self
                .texts
                .values()
                .flat_map(|v| v.values())
                .map(|t| t.value.len() + 200)
                .sum::<usize>()
            + self
                .log
                .values()
                .map(|e| e.entry.get().len() + 120)
                .sum::<usize>()
            + 400;
        let mut out = String::with_capacity(size);
        out.push_str("{\"id\":");
        push_uuid(&mut out, &self.id.0);
        out.push_str(",\"kind\":\"");
        out.push_str(self.kind.as_str());
        out.push_str("\",\"created\":");
        push_stamp(&mut out, &self.created);
        out.push_str(",\"created_by\":");
        push_json_string(&mut out, self.created_by.as_str());
        out.push_str(",\"updated\":");
        push_stamp(&mut out, &self.updated);
        out.push_str(",\"fields\":{");
        for (i, (name, v)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, name);
            out.push_str(":{\"value\":");
            out.push_str(v.value.get());
            if let Some(stamp) = unless_created(&v.stamp, &self.created) {
                out.push_str(",\"stamp\":");
                push_stamp(&mut out, stamp);
            }
            out.push('}');
        }
        out.push_str("},\"texts\":{");
        for (i, (name, versions)) in self.texts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, name);
            out.push_str(":{");
            for (j, (key, v)) in versions.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                push_json_string(&mut out, key);
                out.push_str(":{\"value\":");
                push_json_string(&mut out, &v.value);
                if let Some(stamp) = unless_created(&v.stamp, &self.created) {
                    out.push_str(",\"stamp\":");
                    push_stamp(&mut out, stamp);
                }
                out.push_str(",\"bases\":[");
                for (k, base) in v.bases.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    push_stamp(&mut out, base);
                }
                out.push(']');
                if v.erased {
                    out.push_str(",\"erased\":true");
                }
                out.push('}');
            }
            out.push('}');
        }
        out.push_str("},\"log\":{");
        for (i, (key, e)) in self.log.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, key);
            out.push_str(":{\"entry\":");
            out.push_str(e.entry.get());
            out.push_str(",\"author\":");
            push_json_string(&mut out, e.author.as_str());
            out.push('}');
        }
        out.push_str("},\"tombstone\":");
        match &self.tombstone {
            Some(s) => push_stamp(&mut out, s),
            None => out.push_str("null"),
        }
        out.push('}');
        out
    }
}

/// A stamp left out when it is `created` (see [`RecordState`]).
fn unless_created<'a>(stamp: &'a Stamp, created: &Stamp) -> Option<&'a Stamp> {
    (stamp != created).then_some(stamp)
}

#[derive(Serialize)]
struct CompactLww<'a> {
    value: &'a Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    stamp: Option<&'a Stamp>,
}

#[derive(Serialize)]
struct CompactText<'a> {
    value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stamp: Option<&'a Stamp>,
    bases: &'a BTreeSet<Stamp>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    erased: bool,
}

struct CompactFields<'a>(&'a RecordState);
struct CompactTexts<'a>(&'a RecordState);
struct CompactVersions<'a>(&'a BTreeMap<String, TextVersion>, &'a Stamp);

impl Serialize for CompactFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let created = &self.0.created;
        s.collect_map(self.0.fields.iter().map(|(k, v)| {
            let lww = CompactLww {
                value: &v.value,
                stamp: unless_created(&v.stamp, created),
            };
            (k, lww)
        }))
    }
}

impl Serialize for CompactVersions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| {
            let text = CompactText {
                value: &v.value,
                stamp: unless_created(&v.stamp, self.1),
                bases: &v.bases,
                erased: v.erased,
            };
            (k, text)
        }))
    }
}

impl Serialize for CompactTexts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let created = &self.0.created;
        s.collect_map(
            self.0
                .texts
                .iter()
                .map(|(k, v)| (k, CompactVersions(v, created))),
        )
    }
}

#[derive(Serialize)]
struct CompactState<'a> {
    id: &'a RecordId,
    kind: RecordKind,
    created: &'a Stamp,
    created_by: &'a OfficerId,
    updated: &'a Stamp,
    fields: CompactFields<'a>,
    texts: CompactTexts<'a>,
    log: &'a BTreeMap<String, LogEntry>,
    tombstone: &'a Option<Stamp>,
}

impl Serialize for RecordState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        CompactState {
            id: &self.id,
            kind: self.kind,
            created: &self.created,
            created_by: &self.created_by,
            updated: &self.updated,
            fields: CompactFields(self),
            texts: CompactTexts(self),
            log: &self.log,
            tombstone: &self.tombstone,
        }
        .serialize(s)
    }
}

#[derive(Deserialize)]
struct StoredLww {
    value: Json,
    stamp: Option<Stamp>,
}

#[derive(Deserialize)]
struct StoredText {
    value: String,
    stamp: Option<Stamp>,
    bases: BTreeSet<Stamp>,
    #[serde(default)]
    erased: bool,
}

#[derive(Deserialize)]
struct StoredState {
    id: RecordId,
    kind: RecordKind,
    created: Stamp,
    created_by: OfficerId,
    updated: Stamp,
    fields: BTreeMap<String, StoredLww>,
    texts: BTreeMap<String, BTreeMap<String, StoredText>>,
    log: BTreeMap<String, LogEntry>,
    tombstone: Option<Stamp>,
}

impl<'de> Deserialize<'de> for RecordState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = StoredState::deserialize(d)?;
        let created = s.created;
        Ok(RecordState {
            id: s.id,
            kind: s.kind,
            created,
            created_by: s.created_by,
            updated: s.updated,
            fields: s
                .fields
                .into_iter()
                .map(|(k, v)| {
                    let stamp = v.stamp.unwrap_or(created);
                    (
                        k,
                        LwwValue {
                            value: v.value,
                            stamp,
                        },
                    )
                })
                .collect(),
            texts: s
                .texts
                .into_iter()
                .map(|(field, versions)| {
                    let versions = versions
                        .into_iter()
                        .map(|(k, v)| {
                            let stamp = v.stamp.unwrap_or(created);
                            let version = TextVersion {
                                value: v.value,
                                stamp,
                                bases: v.bases,
                                erased: v.erased,
                            };
                            (k, version)
                        })
                        .collect();
                    (field, versions)
                })
                .collect(),
            log: s.log,
            tombstone: s.tombstone,
        })
    }
}

fn lww_wins(candidate: &LwwValue, current: &LwwValue) -> bool {
    (candidate.stamp, &candidate.value) > (current.stamp, &current.value)
}

fn text_tiebreak(v: &TextVersion) -> (bool, &str, &BTreeSet<Stamp>) {
    // An erased shell wins over the version's text (and its value is empty).
    (v.erased, &v.value, &v.bases)
}

/// Whether `candidate` replaces `current` (the same stamp): the greater, erasure first, so the
/// choice is a join whatever the order.
fn version_wins(candidate: &TextVersion, current: &TextVersion) -> bool {
    text_tiebreak(candidate) > text_tiebreak(current)
}

fn log_tiebreak(e: &LogEntry) -> (&Json, &OfficerId) {
    (&e.entry, &e.author)
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
            fields: [(field.to_owned(), FieldWrite::set(v))].into(),
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
    fn the_hand_written_encoding_is_serde_s_for_every_part_of_a_state() {
        let v1 = op(
            1,
            10,
            text(
                "description",
                "Said \"they're back\"\n\tnear 東京 🚓",
                vec![],
            ),
        );
        let mut s = RecordState::from_op(&v1);
        s.apply(&op(
            2,
            20,
            set("people", json!([{"name": "A \"B\"", "n": 1.5}])),
        ));
        s.apply(&op(2, 21, text("description", "edit", vec![v1.stamp()])));
        s.apply(&op(
            3,
            22,
            OpAction::Append {
                entry: json!({"we_did": "extra\u{1} patrols"}).into(),
            },
        ));
        let plain = s.clone();
        s.apply(&op(1, 30, OpAction::Delete));
        for state in [plain, s] {
            let text = state.to_json();
            assert_eq!(text, serde_json::to_string(&state).unwrap());
            assert_eq!(serde_json::from_str::<RecordState>(&text).unwrap(), state);
        }
    }

    #[test]
    fn a_stamp_key_sorts_like_its_stamp_and_reads_as_before() {
        let s = |ms, counter, dev| Stamp {
            hlc: Hlc::new(ms, counter),
            device: device(dev),
        };
        let a = s(1_700_000_000_123, 7, 1);
        assert_eq!(
            stamp_key(&a),
            format!("{:020}.{:010}.{}", 1_700_000_000_123u64, 7, device(1))
        );
        assert_eq!(
            stamp_key(&s(0, 0, 2)),
            format!("{:020}.{:010}.{}", 0, 0, device(2))
        );
        assert_eq!(
            stamp_key(&s(u64::MAX, u32::MAX, 3)),
            format!("{:020}.{:010}.{}", u64::MAX, u32::MAX, device(3))
        );
        let mut stamps = [s(10, 2, 1), s(9, 99, 2), s(10, 1, 3), s(10, 2, 0)];
        let mut keys: Vec<String> = stamps.iter().map(stamp_key).collect();
        stamps.sort();
        keys.sort();
        assert_eq!(keys, stamps.iter().map(stamp_key).collect::<Vec<_>>());
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
                entry: json!({"we_did": "extra patrols"}).into(),
            },
        );
        let b = op(
            1,
            10,
            OpAction::Append {
                entry: json!({"we_did": "street briefing"}).into(),
            },
        );
        let mut s = RecordState::from_op(&a);
        s.apply(&b);
        s.apply(&a);
        let entries: Vec<_> = s
            .log_entries()
            .map(|e| e.entry.to_value()["we_did"].clone())
            .collect();
        assert_eq!(
            entries,
            vec![json!("street briefing"), json!("extra patrols")]
        );
    }
}
