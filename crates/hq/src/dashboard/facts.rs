//! The framework's facts, kept in memory: what every record contributes to the performance
//! framework and the overlaps page (a few dozen bytes each, see [`Item`]), brought up to date on
//! each request from the records changed since the last look.
//!
//! Reading and parsing a force's million records takes seconds; computing the board from their
//! facts takes tens of milliseconds. So the facts are read once (in the background when HQ
//! starts, see [`Facts::warm`]) and after that only what changed is read: the server sequence of
//! the newest change seen is the cursor, and every push gives each record it touches a new,
//! higher sequence in commit order, on both backends and across HQ processes. A deleted record
//! drops out; a record that moves areas is read again with its new areas.
//!
//! Nothing here is a second source of truth: the records are. A restarted HQ reads them again.

use super::review::HQ_REVIEW_DEVICE;
use crate::error::ApiError;
use crate::storage::{RecordQuery, Storage};
use beatbook_domain::concern::Concern;
use beatbook_domain::framework::{Item, Measured, Seen};
use beatbook_domain::intel::IntelReport;
use beatbook_domain::meeting::{Meeting, Priority};
use beatbook_domain::patrol::{Engagement, PatrolLog};
use beatbook_domain::{AreaId, Record, RecordId, RecordKind, Stamp};
use chrono::{DateTime, Utc};
use serde::de::value::MapDeserializer;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::Mutex;

/// The kinds the framework and the overlaps page read.
pub const KINDS: [RecordKind; 6] = [
    RecordKind::Concern,
    RecordKind::Priority,
    RecordKind::PatrolLog,
    RecordKind::Engagement,
    RecordKind::IntelReport,
    RecordKind::Meeting,
];

/// Records read from storage at a time.
const PAGE: u32 = 20_000;

/// The parts of a stored record state the framework reads, borrowed from its text: its plain
/// fields, the first of its appended entries, the creator's stamp and the tombstone. Narrative
/// text (the bulk of a record) is skipped unread, which is most of the cost of a force-sized
/// board.
#[derive(Deserialize)]
struct StateView<'a> {
    id: RecordId,
    kind: RecordKind,
    created: Stamp,
    #[serde(default, borrow)]
    fields: BTreeMap<Name<'a>, FieldView<'a>>,
    /// The key of the earliest appended entry.
    #[serde(default, borrow, rename = "log", deserialize_with = "first_key")]
    first_log_key: Option<Name<'a>>,
    #[serde(default)]
    tombstone: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct FieldView<'a> {
    #[serde(borrow)]
    value: &'a RawValue,
    /// Left out when it is the record's `created` stamp (see `RecordState`).
    stamp: Option<Stamp>,
}

/// A field name or entry key: borrowed from the state's text unless it holds escapes.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Name<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Name<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}

/// The least key of a map whose values are not read.
fn first_key<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Name<'a>>, D::Error> {
    struct FirstKey;
    impl<'de> Visitor<'de> for FirstKey {
        type Value = Option<Name<'de>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut first: Option<Name<'de>> = None;
            while let Some((key, IgnoredAny)) = map.next_entry::<Name<'de>, IgnoredAny>()? {
                if first.as_ref().is_none_or(|f| key < *f) {
                    first = Some(key);
                }
            }
            Ok(first)
        }
    }
    d.deserialize_map(FirstKey)
}

fn ms_time(ms: u64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(i64::try_from(ms).ok()?)
}

impl StateView<'_> {
    /// The record, read from its plain fields with its narrative text left empty: the framework
    /// reads none of it.
    fn record<R: Record>(&self) -> Option<R> {
        // The empty string, as a JSON value that lives as long as any state.
        let empty: &'static RawValue = serde_json::from_str("\"\"").ok()?;
        let missing = R::NARRATIVE
            .iter()
            .filter(|name| !self.fields.contains_key(&Name(Cow::Borrowed(name))))
            .map(|name| (*name, empty));
        let fields = self
            .fields
            .iter()
            .map(|(name, field)| (name.0.as_ref(), field.value));
        R::deserialize(MapDeserializer::<_, serde_json::Error>::new(
            fields.chain(missing),
        ))
        .ok()
    }

    /// What HQ knows of the record beyond its fields (`answered_ms`: when HQ saw a concern first
    /// answered, see migration 0005).
    fn seen(&self, answered_ms: Option<u64>) -> Seen {
        Seen {
            answered_at: answered_ms.and_then(ms_time),
            // Entry keys are stamp keys: they sort as the stamps do and start with the milliseconds.
            first_update_at: self
                .first_log_key
                .as_ref()
                .and_then(|k| k.0.split('.').next())
                .and_then(|ms| ms.parse::<u64>().ok())
                .and_then(ms_time),
            status_set_at: self
                .fields
                .get(&Name(Cow::Borrowed("status")))
                .and_then(|v| ms_time(v.stamp.unwrap_or(self.created).hlc.wall_ms)),
            made_at_hq: self.created.device == HQ_REVIEW_DEVICE,
        }
    }
}

/// A record's item, from its stored state (`areas`: the record's areas, as its access facts
/// hold them). `None` for kinds the framework does not use, and for deleted or unreadable
/// records.
pub fn item_of(state_json: &str, areas: &[AreaId], answered_ms: Option<u64>) -> Option<Item> {
    fn read<R: Measured>(s: &StateView, areas: &[AreaId], seen: &Seen) -> Option<Item> {
        Some(Item::of(s.id, areas, s.record::<R>()?, seen))
    }
    let s: StateView = serde_json::from_str(state_json).ok()?;
    if s.tombstone.is_some() {
        return None;
    }
    let seen = s.seen(answered_ms);
    match s.kind {
        RecordKind::Concern => read::<Concern>(&s, areas, &seen),
        RecordKind::Priority => read::<Priority>(&s, areas, &seen),
        RecordKind::PatrolLog => read::<PatrolLog>(&s, areas, &seen),
        RecordKind::Engagement => read::<Engagement>(&s, areas, &seen),
        RecordKind::IntelReport => read::<IntelReport>(&s, areas, &seen),
        RecordKind::Meeting => read::<Meeting>(&s, areas, &seen),
        // Not activity: what is being done about the figures.
        RecordKind::IntelSource | RecordKind::Action => None,
    }
}

/// The facts as of one server sequence.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Every change up to this server sequence is in `items`.
    pub cursor: u64,
    pub items: HashMap<RecordId, Item>,
}

impl Snapshot {
    pub fn items(&self) -> impl Iterator<Item = &Item> + Clone {
        self.items.values()
    }
}

/// The facts, shared by every request of one HQ process.
#[derive(Default)]
pub struct Facts {
    /// Held while bringing the facts up to date, so one request reads each change once and the
    /// others wait for it rather than read it again.
    current: Mutex<Arc<Snapshot>>,
}

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    /// The facts, up to date with every change committed before the call.
    ///
    /// A request still computing from an older snapshot keeps it; the update then copies the
    /// facts rather than change them under it.
    pub async fn current(&self, storage: &dyn Storage) -> Result<Arc<Snapshot>, ApiError> {
        let mut current = self.current.lock().await;
        loop {
            let page = storage
                .framework_rows(&RecordQuery {
                    kinds: KINDS.to_vec(),
                    after: current.cursor,
                    limit: PAGE,
                })
                .await?;
            let Some(last) = page.last().map(|r| r.change.server_seq) else {
                break;
            };
            let full = page.len() >= PAGE as usize;
            // Parsing is the cost: keep it off the async workers.
            let parsed: Vec<(RecordId, Option<Item>)> = tokio::task::spawn_blocking(move || {
                page.iter()
                    .map(|r| {
                        // A restricted record leaves the figures until it is lifted.
                        let item = (!r.change.facts.restricted)
                            .then(|| {
                                item_of(&r.change.state_json, &r.change.facts.areas, r.answered_ms)
                            })
                            .flatten()
                            .map(|i| i.made_by(r.change.facts.created_by.clone()));
                        (r.change.record_id, item)
                    })
                    .collect()
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
            let snapshot = Arc::make_mut(&mut current);
            for (id, item) in parsed {
                match item {
                    Some(item) => snapshot.items.insert(id, item),
                    None => snapshot.items.remove(&id),
                };
            }
            snapshot.cursor = last;
            if !full {
                break;
            }
        }
        Ok(current.clone())
    }

    /// Read the facts in the background, so the first page after HQ starts does not wait for a
    /// force's records to be read. Errors are logged; the next request tries again.
    pub fn warm(self: &Arc<Self>, storage: Arc<dyn Storage>) {
        let facts = self.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match facts.current(storage.as_ref()).await {
                Ok(s) => tracing::info!(
                    records = s.items.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "framework facts read"
                ),
                Err(e) => tracing::warn!(error = %e, "framework facts not read yet"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_domain::concern::NewConcern;
    use beatbook_domain::framework::Fact;
    use beatbook_domain::merge::RecordState;
    use beatbook_domain::{DeviceId, FieldWrite, Hlc, Json, OfficerId, Op, OpAction};

    const T0: u64 = 1_795_000_000_000;

    fn op(id: RecordId, kind: RecordKind, device: DeviceId, at: u64, action: OpAction) -> Op {
        Op {
            device_id: device,
            device_seq: at,
            record_id: id,
            kind,
            author: OfficerId::new("PC4127"),
            hlc: Hlc::new(at, 0),
            action,
        }
    }

    fn put<R: Record>(r: &R) -> OpAction {
        OpAction::Put {
            fields: r.writes_from(None).unwrap(),
        }
    }

    fn set(name: &str, value: serde_json::Value) -> OpAction {
        OpAction::Put {
            fields: [(name.to_owned(), FieldWrite::set(value))].into(),
        }
    }

    fn concern() -> Concern {
        let new: NewConcern = serde_json::from_value(serde_json::json!({
            "category": {"kind": "vawg", "type": "environmental", "heading": "badly_lit"},
            "description": "The \"passage\" by the canal\nis dark",
            "location": {"lat": 51.539, "lon": -0.1426, "place": "Canal"},
        }))
        .unwrap();
        let now = ms_time(T0).unwrap();
        new.into_concern(now, vec![AreaId::new("tc")]).1
    }

    #[test]
    fn a_concern_is_read_from_its_state_answered_when_its_status_first_moved_on() {
        let (id, device) = (RecordId::new(), DeviceId::new());
        let kind = RecordKind::Concern;
        let mut s = RecordState::from_op(&op(id, kind, device, T0, put(&concern())));
        let hour = 3_600_000;
        s.apply(&op(
            id,
            kind,
            device,
            T0 + hour,
            set("status", "in_progress".into()),
        ));
        s.apply(&op(
            id,
            kind,
            device,
            T0 + 2 * hour,
            OpAction::Append {
                entry: Json::from(serde_json::json!({"note": "Lights reported"})),
            },
        ));
        // A field this version does not know, with a name that needs escaping, is passed over.
        s.apply(&op(
            id,
            kind,
            device,
            T0 + 3 * hour,
            set("a \"new\" field", 1.into()),
        ));
        let areas = [AreaId::new("tc"), AreaId::new("ward")];
        let item = item_of(&s.to_json(), &areas, None).unwrap();
        assert_eq!((item.id, item.areas.as_slice()), (id, &areas[..]));
        assert_eq!(item.at, ms_time(T0));
        let Fact::Concern {
            reported_at,
            answered_at,
            closed,
        } = item.fact
        else {
            panic!("{:?}", item.fact)
        };
        assert_eq!(
            (reported_at, answered_at, closed),
            (ms_time(T0).unwrap(), ms_time(T0 + hour), false)
        );
        // HQ's earlier sight of an answer wins.
        let item = item_of(&s.to_json(), &areas, Some(T0 + 1)).unwrap();
        assert!(
            matches!(item.fact, Fact::Concern { answered_at, .. } if answered_at == ms_time(T0 + 1))
        );

        s.apply(&op(id, kind, device, T0 + 4 * hour, OpAction::Delete));
        assert!(item_of(&s.to_json(), &areas, None).is_none());
        assert!(item_of("not a state", &areas, None).is_none());
    }

    #[test]
    fn intelligence_made_at_hq_is_marked_and_source_details_are_not_read() {
        let report: IntelReport = serde_json::from_value(serde_json::json!({
            "grade": {"source": "2", "intelligence": "B", "handling": {"code": "P"}},
            "security": "official_sensitive", "content": "Dealing from the flats",
            "checks_made": "", "threat_to_life": false, "location": null, "areas": ["tc"],
            "source_id": null, "review_state": "sanitised", "disseminated_to": [],
            "legacy_grade": null, "submitted_at": ms_time(T0), "retention_review": "2032-11-20",
        }))
        .unwrap();
        let made_at = |device| {
            let s = RecordState::from_op(&op(
                RecordId::new(),
                RecordKind::IntelReport,
                device,
                T0,
                put(&report),
            ));
            match item_of(&s.to_json(), &[], None).unwrap().fact {
                Fact::Intel { made_at_hq, .. } => made_at_hq,
                other => panic!("{other:?}"),
            }
        };
        assert!(made_at(HQ_REVIEW_DEVICE));
        assert!(!made_at(DeviceId::new()));

        let source: beatbook_domain::intel::IntelSource =
            serde_json::from_value(serde_json::json!({
                "report_id": RecordId::new(), "source_type": "anonymous", "name": null,
                "contact": null, "relationship": null, "notes": "", "recorded_at": ms_time(T0),
                "retention_review": "2032-11-20",
            }))
            .unwrap();
        let s = RecordState::from_op(&op(
            RecordId::new(),
            RecordKind::IntelSource,
            DeviceId::new(),
            T0,
            put(&source),
        ));
        assert!(item_of(&s.to_json(), &[], None).is_none());
    }
}
