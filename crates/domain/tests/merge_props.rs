//! The merge rules form a join-semilattice: merging is commutative, associative and idempotent,
//! and replicas that received the same ops in any order, grouping or repetition agree. The
//! histories include HQ's rectifications (erasing text versions) and restrictions.

use beatbook_domain::merge::RecordState;
use beatbook_domain::op::{ErasedVersion, FieldWrite, Op, OpAction, Stamp};
use beatbook_domain::{DeviceId, Hlc, OfficerId, RecordId, RecordKind};
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

const FIELDS: [&str; 3] = ["status", "priority", "contact"];
const TEXTS: [&str; 2] = ["description", "notes"];

#[derive(Clone, Debug)]
enum Gen {
    Set(usize, i64),
    Text(usize, String, Vec<usize>),
    Append(i64),
    Delete,
    /// HQ erases the text versions written by these earlier ops (by index).
    Erase(usize, Vec<usize>),
    /// HQ restricts the record (true) or lifts the restriction (false).
    Restrict(bool),
}

fn gen_op() -> impl Strategy<Value = (u8, u16, Gen)> {
    let action = prop_oneof![
        4 => (0..FIELDS.len(), 0..4i64).prop_map(|(f, v)| Gen::Set(f, v)),
        4 => (0..TEXTS.len(), "[a-c]{0,3}", proptest::collection::vec(0..12usize, 0..3))
            .prop_map(|(f, t, b)| Gen::Text(f, t, b)),
        2 => (0..5i64).prop_map(Gen::Append),
        1 => Just(Gen::Delete),
        2 => (0..TEXTS.len(), proptest::collection::vec(0..12usize, 1..3))
            .prop_map(|(f, v)| Gen::Erase(f, v)),
        1 => any::<bool>().prop_map(Gen::Restrict),
    ];
    // device 0..3, wall clock 0..8 (so same-millisecond stamps from different devices occur)
    (0..3u8, 0..8u16, action)
}

/// Turn generated descriptions into ops with distinct stamps. Text bases refer to earlier ops'
/// stamps by index, so concurrent and sequential edits both occur.
fn build_ops(gens: Vec<(u8, u16, Gen)>) -> Vec<Op> {
    let mut ops: Vec<Op> = Vec::new();
    let mut seq = [0u64; 3];
    for (i, (dev, ms, g)) in gens.into_iter().enumerate() {
        let d = usize::from(dev);
        seq[d] += 1;
        let device_id = DeviceId(Uuid::from_u128(u128::from(dev) + 1));
        // counter = index keeps every (hlc, device) distinct
        let hlc = Hlc::new(u64::from(ms), u32::try_from(i).unwrap());
        let action = match g {
            Gen::Set(f, v) => OpAction::Put {
                fields: [(FIELDS[f].to_owned(), FieldWrite::set(json!(v)))].into(),
            },
            Gen::Text(f, t, bases) => {
                let bases: Vec<Stamp> = bases
                    .iter()
                    .filter_map(|b| ops.get(*b))
                    .map(Op::stamp)
                    .collect();
                OpAction::Put {
                    fields: [(TEXTS[f].to_owned(), FieldWrite::Text { value: t, bases })].into(),
                }
            }
            Gen::Append(v) => OpAction::Append {
                entry: json!({ "n": v }).into(),
            },
            Gen::Delete => OpAction::Delete,
            Gen::Erase(f, named) => {
                // The versions of field `f` those ops wrote, with the bases they had (as HQ
                // names them); an index past the history names a version nobody holds.
                let versions = named
                    .iter()
                    .map(|n| match ops.get(*n).map(|o| (o.stamp(), &o.action)) {
                        Some((stamp, OpAction::Put { fields })) => ErasedVersion {
                            stamp,
                            bases: match fields.get(TEXTS[f]) {
                                Some(FieldWrite::Text { bases, .. }) => bases.clone(),
                                _ => vec![],
                            },
                        },
                        Some((stamp, _)) => ErasedVersion {
                            stamp,
                            bases: vec![],
                        },
                        None => ErasedVersion {
                            stamp: Stamp {
                                hlc: Hlc::new(99, u32::try_from(*n).unwrap()),
                                device: DeviceId(Uuid::from_u128(9)),
                            },
                            bases: vec![],
                        },
                    })
                    .collect();
                OpAction::Put {
                    fields: [(TEXTS[f].to_owned(), FieldWrite::Erase { versions })].into(),
                }
            }
            Gen::Restrict(on) => OpAction::Put {
                fields: [(
                    beatbook_domain::merge::RESTRICTED_FIELD.to_owned(),
                    FieldWrite::set(if on {
                        json!({"reason": "disputed"})
                    } else {
                        json!(null)
                    }),
                )]
                .into(),
            },
        };
        ops.push(Op {
            device_id,
            device_seq: seq[d],
            record_id: RecordId(Uuid::from_u128(7)),
            kind: RecordKind::Priority,
            author: OfficerId::new(format!("PC{dev}")),
            hlc,
            action,
        });
    }
    ops
}

fn fold(ops: &[Op]) -> Option<RecordState> {
    let (first, rest) = ops.split_first()?;
    let mut s = RecordState::from_op(first);
    for op in rest {
        s.apply(op);
    }
    Some(s)
}

fn merged(a: &RecordState, b: &RecordState) -> RecordState {
    let mut m = a.clone();
    m.merge(b);
    m
}

fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(gen_op(), 1..14).prop_map(build_ops)
}

/// Three non-empty replicas drawn from one history (overlapping subsets).
fn three_replicas() -> impl Strategy<Value = (RecordState, RecordState, RecordState)> {
    ops_strategy().prop_flat_map(|ops| {
        let n = ops.len();
        let pick = proptest::collection::vec(any::<bool>(), n);
        (Just(ops), pick.clone(), pick.clone(), pick).prop_map(|(ops, a, b, c)| {
            let subset = |mask: &[bool]| {
                let mut chosen: Vec<Op> = ops
                    .iter()
                    .zip(mask)
                    .filter(|(_, m)| **m)
                    .map(|(o, _)| o.clone())
                    .collect();
                if chosen.is_empty() {
                    chosen.push(ops[0].clone());
                }
                fold(&chosen).unwrap()
            };
            (subset(&a), subset(&b), subset(&c))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn merge_is_commutative((a, b, _c) in three_replicas()) {
        prop_assert_eq!(merged(&a, &b), merged(&b, &a));
    }

    #[test]
    fn merge_is_associative((a, b, c) in three_replicas()) {
        prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
    }

    #[test]
    fn merge_is_idempotent((a, b, _c) in three_replicas()) {
        prop_assert_eq!(merged(&a, &a), a.clone());
        let ab = merged(&a, &b);
        prop_assert_eq!(merged(&ab, &b), ab);
    }

    #[test]
    fn order_and_repetition_of_delivery_do_not_matter(
        ops in ops_strategy(),
        seed in any::<u64>(),
        dup in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut shuffled = ops.clone();
        shuffled.extend(dup.iter().map(|i| ops[i.index(ops.len())].clone()));
        // Deterministic shuffle from the seed (Fisher-Yates with an LCG).
        let mut x = seed;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = usize::try_from(x >> 33).unwrap() % (i + 1);
            shuffled.swap(i, j);
        }
        prop_assert_eq!(fold(&shuffled), fold(&ops));
    }

    #[test]
    fn the_newest_write_of_a_plain_field_wins(ops in ops_strategy()) {
        let state = fold(&ops).unwrap();
        for f in FIELDS {
            let newest = ops.iter()
                .filter_map(|o| match &o.action {
                    OpAction::Put { fields } => fields.get(f).map(|w| (o.stamp(), w)),
                    _ => None,
                })
                .max_by_key(|(s, _)| *s);
            let expect = newest.map(|(_, w)| match w { FieldWrite::Set(v) => v.to_value(), FieldWrite::Text { .. } | FieldWrite::Erase { .. } => unreachable!() });
            prop_assert_eq!(state.to_object().get(f).cloned(), expect);
        }
    }

    /// An erased version's text is gone from the state whatever else arrived, in whatever
    /// order, and it is never live (so never shown and never a conflict).
    #[test]
    fn an_erased_version_s_text_is_gone_and_never_live(ops in ops_strategy(), seed in any::<u64>()) {
        let mut shuffled = ops.clone();
        let mut x = seed;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = usize::try_from(x >> 33).unwrap() % (i + 1);
            shuffled.swap(i, j);
        }
        let state = fold(&shuffled).unwrap();
        for op in &ops {
            let OpAction::Put { fields } = &op.action else { continue };
            for (field, write) in fields {
                let FieldWrite::Erase { versions } = write else { continue };
                for erased in versions {
                    let kept = state.texts.get(field).into_iter().flat_map(|v| v.values())
                        .find(|v| v.stamp == erased.stamp);
                    prop_assert!(kept.is_some_and(|v| v.erased && v.value.is_empty()));
                    prop_assert!(state.live_versions(field).iter().all(|v| v.stamp != erased.stamp));
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A state is stored and sent compactly (stamps equal to `created` left out); it must read
    /// back as itself, and a state written in full (as earlier versions stored them) must read
    /// the same.
    #[test]
    fn a_state_reads_back_from_its_compact_and_its_full_form((a, b, _c) in three_replicas()) {
        for state in [a.clone(), merged(&a, &b)] {
            let compact = serde_json::to_string(&state).unwrap();
            prop_assert_eq!(&state.to_json(), &compact, "the hand-written encoding is serde's");
            prop_assert_eq!(&serde_json::from_str::<RecordState>(&compact).unwrap(), &state);
            let full = serde_json::json!({
                "id": state.id, "kind": state.kind, "created": state.created,
                "created_by": state.created_by, "updated": state.updated,
                "fields": state.fields, "texts": state.texts, "log": state.log,
                "tombstone": state.tombstone,
            });
            prop_assert!(full.to_string().len() >= compact.len());
            prop_assert_eq!(serde_json::from_value::<RecordState>(full).unwrap(), state.clone());
            // The object text a record kind is read from says what `to_object` says.
            let text: serde_json::Value = serde_json::from_str(&state.object_text()).unwrap();
            prop_assert_eq!(text, serde_json::Value::Object(state.to_object()));
        }
    }
}
