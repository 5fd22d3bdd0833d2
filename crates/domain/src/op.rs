//! Ops: every change to a record is one op, identified by `(device_id, device_seq)`.

use crate::json::Json;
use crate::{DeviceId, Hlc, OfficerId, RecordId, RecordKind};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// Who wrote a value, and when: the LWW order is `(hlc, device)`, so two ops never tie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub struct Stamp {
    pub hlc: Hlc,
    pub device: DeviceId,
}

/// A write to one field of a record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldWrite {
    /// Last writer wins.
    Set(#[ts(type = "unknown")] Json),
    /// Narrative text. `bases` are the versions the writer saw (and replaces); a version that no
    /// other version names as a base is live, and two live versions are a conflict for a person.
    Text { value: String, bases: Vec<Stamp> },
    /// Rectification at HQ (the data protection officer): these superseded versions of a
    /// narrative field lose their text everywhere. Each keeps its stamp and bases (so the
    /// versions it replaced stay replaced) as an erased shell; erasure wins over the text in
    /// every merge. Only HQ writes it, and only for versions another version replaced.
    Erase { versions: Vec<ErasedVersion> },
}

/// A text version named by [`FieldWrite::Erase`]: its stamp and the bases it had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErasedVersion {
    pub stamp: Stamp,
    pub bases: Vec<Stamp>,
}

impl FieldWrite {
    /// A last-writer-wins write of `value`.
    pub fn set(value: impl Into<serde_json::Value>) -> Self {
        FieldWrite::Set(Json::from(value.into()))
    }
}

/// The fields only HQ writes to a record: the restriction of processing (see
/// [`crate::merge::RESTRICTED_FIELD`]).
pub const HQ_ONLY_FIELDS: &[&str] = &[crate::merge::RESTRICTED_FIELD];

impl Op {
    /// Why a device may not send this op, if it may not: erasing text versions and restricting
    /// records are HQ's (the data protection officer's), never a tablet's.
    pub fn hq_only(&self) -> Option<&'static str> {
        let OpAction::Put { fields } = &self.action else {
            return None;
        };
        if fields
            .values()
            .any(|w| matches!(w, FieldWrite::Erase { .. }))
        {
            return Some("only HQ's data protection officer may remove earlier versions of a text");
        }
        if fields.keys().any(|k| HQ_ONLY_FIELDS.contains(&k.as_str())) {
            return Some(
                "only HQ's data protection officer may restrict a record or lift a restriction",
            );
        }
        None
    }
}

/// What an op does. On the wire it sits in the op itself, tagged by `action` (see [`Op`]).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OpAction {
    /// Create or update fields.
    Put {
        fields: BTreeMap<String, FieldWrite>,
    },
    /// Add an entry to the record's append-only log (e.g. a "You said, we did" update).
    Append {
        #[ts(type = "unknown")]
        entry: Json,
    },
    /// Tombstone: the record is deleted, and stays deleted whatever arrives later.
    Delete,
}

/// One change, as made on a device and as kept forever in HQ's op log.
///
/// On the wire: `{"device_id", "device_seq", "record_id", "kind", "author", "hlc", "action",
/// and "fields" (put) or "entry" (append)}`. It is read by hand rather than derived, so that field
/// values are taken as their text (see [`Json`]) without buffering the whole op first.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Op {
    pub device_id: DeviceId,
    /// 1, 2, 3, ... per device, with no gaps: HQ notices a missing op.
    #[ts(type = "number")]
    pub device_seq: u64,
    pub record_id: RecordId,
    pub kind: RecordKind,
    pub author: OfficerId,
    pub hlc: Hlc,
    #[serde(flatten)]
    pub action: OpAction,
}

impl Op {
    pub fn stamp(&self) -> Stamp {
        Stamp {
            hlc: self.hlc,
            device: self.device_id,
        }
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum OpKey {
    DeviceId,
    DeviceSeq,
    RecordId,
    Kind,
    Author,
    Hlc,
    Action,
    Fields,
    Entry,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ActionName {
    Put,
    Append,
    Delete,
}

struct OpVisitor;

impl<'de> Visitor<'de> for OpVisitor {
    type Value = Op;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an op")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Op, A::Error> {
        fn once<T, E: de::Error>(slot: &mut Option<T>, name: &'static str, v: T) -> Result<(), E> {
            if slot.is_some() {
                return Err(E::duplicate_field(name));
            }
            *slot = Some(v);
            Ok(())
        }
        let (mut device_id, mut device_seq, mut record_id, mut kind) = (None, None, None, None);
        let (mut author, mut hlc, mut action, mut fields, mut entry) =
            (None, None, None, None, None);
        while let Some(key) = map.next_key::<OpKey>()? {
            match key {
                OpKey::DeviceId => once(&mut device_id, "device_id", map.next_value()?)?,
                OpKey::DeviceSeq => once(&mut device_seq, "device_seq", map.next_value()?)?,
                OpKey::RecordId => once(&mut record_id, "record_id", map.next_value()?)?,
                OpKey::Kind => once(&mut kind, "kind", map.next_value()?)?,
                OpKey::Author => once(&mut author, "author", map.next_value()?)?,
                OpKey::Hlc => once(&mut hlc, "hlc", map.next_value()?)?,
                OpKey::Action => once(&mut action, "action", map.next_value::<ActionName>()?)?,
                OpKey::Fields => once(&mut fields, "fields", map.next_value()?)?,
                OpKey::Entry => once(&mut entry, "entry", map.next_value::<Json>()?)?,
                OpKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let action = match action.ok_or_else(|| de::Error::missing_field("action"))? {
            ActionName::Put => OpAction::Put {
                fields: fields.ok_or_else(|| de::Error::missing_field("fields"))?,
            },
            ActionName::Append => OpAction::Append {
                entry: entry.ok_or_else(|| de::Error::missing_field("entry"))?,
            },
            ActionName::Delete => OpAction::Delete,
        };
        Ok(Op {
            device_id: device_id.ok_or_else(|| de::Error::missing_field("device_id"))?,
            device_seq: device_seq.ok_or_else(|| de::Error::missing_field("device_seq"))?,
            record_id: record_id.ok_or_else(|| de::Error::missing_field("record_id"))?,
            kind: kind.ok_or_else(|| de::Error::missing_field("kind"))?,
            author: author.ok_or_else(|| de::Error::missing_field("author"))?,
            hlc: hlc.ok_or_else(|| de::Error::missing_field("hlc"))?,
            action,
        })
    }
}

impl<'de> Deserialize<'de> for Op {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(OpVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(action: OpAction) -> Op {
        Op {
            device_id: DeviceId(uuid::Uuid::from_u128(7)),
            device_seq: 3,
            record_id: RecordId(uuid::Uuid::from_u128(9)),
            kind: RecordKind::Priority,
            author: OfficerId::new("PC1"),
            hlc: Hlc::new(1_700_000_000_000, 2),
            action,
        }
    }

    #[test]
    fn every_action_goes_over_the_wire_and_back() {
        let ops = [
            op(OpAction::Put {
                fields: [
                    ("status".to_owned(), FieldWrite::set("open")),
                    (
                        "notes".to_owned(),
                        FieldWrite::Text {
                            value: "a \"quoted\" note".into(),
                            bases: vec![],
                        },
                    ),
                    (
                        "description".to_owned(),
                        FieldWrite::Erase {
                            versions: vec![ErasedVersion {
                                stamp: Stamp {
                                    hlc: Hlc::new(5, 0),
                                    device: DeviceId(uuid::Uuid::from_u128(8)),
                                },
                                bases: vec![],
                            }],
                        },
                    ),
                ]
                .into(),
            }),
            op(OpAction::Append {
                entry: Json::from(json!({"we_did": "extra patrols"})),
            }),
            op(OpAction::Delete),
        ];
        for o in ops {
            let text = serde_json::to_string(&o).unwrap();
            let back: Op = serde_json::from_str(&text).unwrap();
            assert_eq!(back, o, "{text}");
            assert_eq!(serde_json::to_string(&back).unwrap(), text);
            let from_value: Op = serde_json::from_value(serde_json::from_str(&text).unwrap())
                .unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(from_value, o);
        }
    }

    #[test]
    fn only_hq_erases_versions_or_restricts() {
        let erase = op(OpAction::Put {
            fields: [("notes".to_owned(), FieldWrite::Erase { versions: vec![] })].into(),
        });
        assert!(erase.hq_only().unwrap().contains("earlier versions"));
        let restrict = op(OpAction::Put {
            fields: [(
                "restricted".to_owned(),
                FieldWrite::set(serde_json::Value::Null),
            )]
            .into(),
        });
        assert!(restrict.hq_only().unwrap().contains("restrict"));
        let ordinary = op(OpAction::Put {
            fields: [("status".to_owned(), FieldWrite::set("open"))].into(),
        });
        assert_eq!(ordinary.hq_only(), None);
        assert_eq!(op(OpAction::Delete).hq_only(), None);
    }

    #[test]
    fn the_wire_shape_is_flat_and_tagged_by_action() {
        let o = op(OpAction::Append {
            entry: Json::from(json!({"we_did": "x"})),
        });
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["action"], "append");
        assert_eq!(v["entry"], json!({"we_did": "x"}));
        assert_eq!(v["device_seq"], 3);
        assert_eq!(
            v["hlc"],
            json!({"wall_ms": 1_700_000_000_000u64, "counter": 2})
        );
    }

    #[test]
    fn a_malformed_op_is_refused_with_the_reason() {
        let good = serde_json::to_value(op(OpAction::Delete)).unwrap();
        let refuse = |v: serde_json::Value| {
            serde_json::from_str::<Op>(&v.to_string())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let mut no_seq = good.clone();
        no_seq.as_object_mut().unwrap().remove("device_seq");
        assert!(refuse(no_seq).contains("missing field `device_seq`"));
        let mut put_without_fields = good.clone();
        put_without_fields["action"] = json!("put");
        assert!(refuse(put_without_fields).contains("missing field `fields`"));
        let mut bad_action = good.clone();
        bad_action["action"] = json!("explode");
        assert!(refuse(bad_action).contains("unknown variant"));
        let dup = r#"{"action":"delete","action":"delete"}"#;
        assert!(serde_json::from_str::<Op>(dup)
            .unwrap_err()
            .to_string()
            .contains("duplicate field `action`"));
        let mut bad_value = good;
        bad_value["device_seq"] = json!("three");
        assert!(!refuse(bad_value).is_empty());
        // An unknown key is ignored, as before: a newer device may send more.
        let mut extra = serde_json::to_value(op(OpAction::Delete)).unwrap();
        extra["future"] = json!({"x": 1});
        assert_eq!(
            serde_json::from_value::<Op>(extra).unwrap(),
            op(OpAction::Delete)
        );
    }
}
