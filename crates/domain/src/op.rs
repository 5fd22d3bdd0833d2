//! Ops: every change to a record is one op, identified by `(device_id, device_seq)`.

use crate::{DeviceId, Hlc, OfficerId, RecordId, RecordKind};
use serde::{Deserialize, Serialize};
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
    Set(#[ts(type = "unknown")] serde_json::Value),
    /// Narrative text. `bases` are the versions the writer saw (and replaces); a version that no
    /// other version names as a base is live, and two live versions are a conflict for a person.
    Text { value: String, bases: Vec<Stamp> },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OpAction {
    /// Create or update fields.
    Put {
        fields: BTreeMap<String, FieldWrite>,
    },
    /// Add an entry to the record's append-only log (e.g. a "You said, we did" update).
    Append {
        #[ts(type = "unknown")]
        entry: serde_json::Value,
    },
    /// Tombstone: the record is deleted, and stays deleted whatever arrives later.
    Delete,
}

/// One change, as made on a device and as kept forever in HQ's op log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
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
