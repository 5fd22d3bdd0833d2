//! Ops made the way a device makes them, for the storage stories: real concerns, field writes
//! worked out from the current state.

use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::merge::RecordState;
use beatbook_domain::{AreaId, DeviceId, Hlc, OfficerId, Op, OpAction, Record, RecordId};
use chrono::Utc;
use std::collections::HashMap;

/// A concern in Camden Town (ward E05013655).
pub fn concern(description: &str) -> Concern {
    let new: NewConcern = serde_json::from_value(serde_json::json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": {"lat": 51.539, "lon": -0.1426, "place": "Camden Town station"},
    }))
    .unwrap();
    new.into_concern(Utc::now(), vec![AreaId::new("E05013655")])
        .1
}

/// Builds ops the way a device does: real records, field writes worked out from the current state.
pub struct Device {
    pub id: DeviceId,
    pub author: OfficerId,
    pub seq: u64,
    pub counter: u32,
    pub states: HashMap<RecordId, RecordState>,
}

impl Device {
    pub fn new(id: DeviceId, author: &str) -> Self {
        Self {
            id,
            author: OfficerId::new(author),
            seq: 0,
            counter: 0,
            states: HashMap::new(),
        }
    }

    pub fn op(&mut self, record_id: RecordId, action: OpAction) -> Op {
        self.seq += 1;
        self.counter += 1;
        let wall_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap();
        let op = Op {
            device_id: self.id,
            device_seq: self.seq,
            record_id,
            kind: Concern::KIND,
            author: self.author.clone(),
            hlc: Hlc::new(wall_ms, self.counter),
            action,
        };
        let state = match self.states.remove(&record_id) {
            Some(mut s) => {
                s.apply(&op);
                s
            }
            None => RecordState::from_op(&op),
        };
        self.states.insert(record_id, state);
        op
    }

    /// A new concern.
    pub fn create(&mut self, description: &str) -> Op {
        let fields = concern(description).writes_from(None).unwrap();
        self.op(RecordId::new(), OpAction::Put { fields })
    }

    /// Move a concern this device holds to other areas.
    pub fn move_to(&mut self, id: RecordId, areas: &[&str]) -> Op {
        let state = self.states[&id].clone();
        let mut c = Concern::from_state(&state).unwrap();
        c.areas = areas.iter().map(|a| AreaId::new(*a)).collect();
        let fields = c.writes_from(Some(&state)).unwrap();
        assert!(!fields.is_empty());
        self.op(id, OpAction::Put { fields })
    }

    /// An edit of a concern this device holds.
    pub fn edit(&mut self, id: RecordId, description: &str) -> Op {
        let state = self.states[&id].clone();
        let mut c = Concern::from_state(&state).unwrap();
        c.description = description.into();
        let fields = c.writes_from(Some(&state)).unwrap();
        assert!(!fields.is_empty());
        self.op(id, OpAction::Put { fields })
    }
}
