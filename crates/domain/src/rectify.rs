//! Rectification and restriction (DPA 2018 s.46 and s.47), by a force's data protection officer
//! at HQ. A correction is an ordinary write (a plain field set, or a narrative field's new version
//! replacing every live one); removing superseded versions is a [`FieldWrite::Erase`] of every
//! version another one replaced. Restriction is the plain field [`RESTRICTED_FIELD`]: while it
//! holds a [`Restriction`], the record leaves every list and tablet (`access::AccessFacts`).
//! HQ writes these as ops, so the merge rules carry them to every replica.

use crate::merge::{RecordState, RESTRICTED_FIELD};
use crate::op::{ErasedVersion, FieldWrite, OpAction, Stamp};
use crate::validation::ValidationErrors;
use crate::{OfficerId, RecordKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest note or reason kept.
pub const MAX_NOTE: usize = 2_000;

/// Why a record is restricted, who restricted it and when: the value of [`RESTRICTED_FIELD`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restriction {
    pub reason: String,
    pub by: OfficerId,
    pub at: DateTime<Utc>,
}

/// The restriction a record is under, if any.
pub fn restriction_of(state: &RecordState) -> Option<Restriction> {
    state.fields.get(RESTRICTED_FIELD)?.value.parse().ok()
}

/// Fields the data protection officer does not correct: they are worked out or kept by the
/// system (the record's areas come from its location; review and retention have their own
/// paths; the restriction has its own action).
pub const NOT_RECTIFIED: &[&str] = &[
    RESTRICTED_FIELD,
    "areas",
    "area_id",
    "review_state",
    "disseminated_to",
    "retention_review",
    "photos",
    "source_id",
    "report_id",
];

/// A correction asked for: one field, a new value and/or removing its superseded versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rectification {
    pub field: String,
    /// The corrected value: the text of a narrative field, the value of a plain one. Left out
    /// to remove superseded versions only.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// Remove the narrative field's superseded versions (with a correction, the text it
    /// replaces too).
    #[serde(default)]
    pub remove_superseded: bool,
    /// Why (required): kept in the access log with the change.
    pub note: String,
}

fn require_note(errs: &mut ValidationErrors, field: &str, note: &str, what: &str) {
    errs.require_text(field, note, what);
    errs.max_len(field, note, MAX_NOTE);
}

/// Whether records of `kind` can be rectified or restricted at all: an improvement action holds
/// nobody's personal data (and is changed through its own page).
pub fn applies_to(kind: RecordKind) -> bool {
    kind != RecordKind::Action
}

/// The writes that make `req` on `state`, in order (a correction, then an erasure), with the
/// old values they replace or remove (for the log's hash of them). Field errors for a form.
pub fn plan(
    state: &RecordState,
    req: &Rectification,
) -> Result<(Vec<OpAction>, Vec<String>), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    require_note(&mut errs, "note", &req.note, "A note saying why");
    let field = req.field.as_str();
    let narrative = state.texts.contains_key(field);
    if !applies_to(state.kind) {
        errs.add(
            "field",
            "not_rectified",
            "an improvement action is corrected on its own page",
        );
    } else if NOT_RECTIFIED.contains(&field) {
        errs.add(
            "field",
            "not_rectified",
            format!(
                "{} is kept by the system and is not corrected here",
                field.replace('_', " ")
            ),
        );
    } else if !narrative && !state.fields.contains_key(field) {
        errs.add(
            "field",
            "unknown",
            format!("this record has no {}", field.replace('_', " ")),
        );
    }
    if req.value.is_none() && !req.remove_superseded {
        errs.add(
            "value",
            "required",
            "give the corrected value, or choose to remove the earlier versions",
        );
    }
    if req.remove_superseded && !narrative && errs.is_empty() {
        errs.add(
            "remove_superseded",
            "not_text",
            format!(
                "{} keeps no earlier versions: only a text keeps them",
                field.replace('_', " ")
            ),
        );
    }
    let text = match (&req.value, narrative) {
        (Some(serde_json::Value::String(t)), true) => {
            errs.require_text("value", t, "The corrected text");
            errs.max_len("value", t, 10_000);
            Some(t.clone())
        }
        (Some(_), true) => {
            errs.add("value", "not_text", "the correction of a text is text");
            None
        }
        _ => None,
    };
    errs.into_result()?;

    let mut actions = Vec::new();
    let mut old = Vec::new();
    let live: Vec<Stamp> = state.live_versions(field).iter().map(|v| v.stamp).collect();
    match (&req.value, text) {
        (_, Some(text)) => {
            old.extend(state.live_versions(field).iter().map(|v| v.value.clone()));
            actions.push(OpAction::Put {
                fields: [(
                    field.to_owned(),
                    FieldWrite::Text {
                        value: text,
                        bases: live.clone(),
                    },
                )]
                .into(),
            });
        }
        (Some(value), None) => {
            if let Some(v) = state.fields.get(field) {
                old.push(v.value.get().to_owned());
            }
            actions.push(OpAction::Put {
                fields: [(field.to_owned(), FieldWrite::set(value.clone()))].into(),
            });
        }
        (None, None) => {}
    }
    if req.remove_superseded {
        // Every version another one replaced; with a correction, the live ones too (the new
        // text, written first in the same change, replaces them).
        let corrected = !actions.is_empty();
        let versions: Vec<ErasedVersion> = state
            .texts
            .get(field)
            .into_iter()
            .flat_map(|v| v.values())
            .filter(|v| !v.erased && (corrected || !live.contains(&v.stamp)))
            .map(|v| {
                if !live.contains(&v.stamp) {
                    old.push(v.value.clone());
                }
                ErasedVersion {
                    stamp: v.stamp,
                    bases: v.bases.iter().copied().collect(),
                }
            })
            .collect();
        if versions.is_empty() && !corrected {
            let mut errs = ValidationErrors::new();
            errs.add(
                "remove_superseded",
                "none",
                format!(
                    "{} has no earlier versions to remove",
                    field.replace('_', " ")
                ),
            );
            return Err(errs);
        }
        if !versions.is_empty() {
            actions.push(OpAction::Put {
                fields: [(field.to_owned(), FieldWrite::Erase { versions })].into(),
            });
        }
    }
    Ok((actions, old))
}

/// The write that restricts a record, with the reason (required).
pub fn restrict(
    state: &RecordState,
    reason: &str,
    by: &OfficerId,
    at: DateTime<Utc>,
) -> Result<OpAction, ValidationErrors> {
    let mut errs = ValidationErrors::new();
    require_note(
        &mut errs,
        "reason",
        reason,
        "The reason for the restriction",
    );
    if !applies_to(state.kind) {
        errs.add(
            "reason",
            "not_restricted",
            "an improvement action holds nobody's personal data: it is not restricted",
        );
    } else if restriction_of(state).is_some() {
        errs.add("reason", "restricted", "this record is already restricted");
    }
    errs.into_result()?;
    let r = Restriction {
        reason: reason.trim().to_owned(),
        by: by.clone(),
        at,
    };
    Ok(OpAction::Put {
        fields: [(
            RESTRICTED_FIELD.to_owned(),
            FieldWrite::set(serde_json::to_value(r).unwrap_or_default()),
        )]
        .into(),
    })
}

/// The write that lifts a record's restriction, with a note (required).
pub fn lift(state: &RecordState, note: &str) -> Result<OpAction, ValidationErrors> {
    let mut errs = ValidationErrors::new();
    require_note(&mut errs, "note", note, "A note saying why it is lifted");
    if restriction_of(state).is_none() {
        errs.add("note", "not_restricted", "this record is not restricted");
    }
    errs.into_result()?;
    Ok(OpAction::Put {
        fields: [(
            RESTRICTED_FIELD.to_owned(),
            FieldWrite::set(serde_json::Value::Null),
        )]
        .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AccessFacts;
    use crate::{DeviceId, Hlc, Op, RecordId};
    use serde_json::json;
    use uuid::Uuid;

    fn op(ms: u64, action: OpAction) -> Op {
        Op {
            device_id: DeviceId(Uuid::from_u128(1)),
            device_seq: ms,
            record_id: RecordId(Uuid::from_u128(5)),
            kind: RecordKind::Concern,
            author: OfficerId::new("PC1"),
            hlc: Hlc::new(ms, 0),
            action,
        }
    }

    fn text(v: &str, bases: Vec<Stamp>) -> OpAction {
        OpAction::Put {
            fields: [(
                "description".to_owned(),
                FieldWrite::Text {
                    value: v.into(),
                    bases,
                },
            )]
            .into(),
        }
    }

    /// A concern whose description was edited twice (two superseded versions), with a contact.
    fn history() -> RecordState {
        let v1 = op(10, text("John Smyth shouts", vec![]));
        let mut s = RecordState::from_op(&v1);
        s.apply(&op(
            11,
            OpAction::Put {
                fields: [("contact".to_owned(), FieldWrite::set("07700 900123"))].into(),
            },
        ));
        let v2 = op(20, text("John Smyth shouts at night", vec![v1.stamp()]));
        s.apply(&v2);
        s.apply(&op(30, text("J. Smyth shouts at night", vec![v2.stamp()])));
        s
    }

    fn apply_all(s: &mut RecordState, actions: Vec<OpAction>, from_ms: u64) {
        for (i, a) in actions.into_iter().enumerate() {
            s.apply(&op(from_ms + i as u64, a));
        }
    }

    fn req(field: &str, value: Option<serde_json::Value>, remove: bool) -> Rectification {
        Rectification {
            field: field.into(),
            value,
            remove_superseded: remove,
            note: "Subject showed the name is wrong".into(),
        }
    }

    #[test]
    fn removing_superseded_versions_keeps_the_current_text_only() {
        let mut s = history();
        let (actions, old) = plan(&s, &req("description", None, true)).unwrap();
        assert_eq!(old, ["John Smyth shouts", "John Smyth shouts at night"]);
        apply_all(&mut s, actions, 40);
        let texts: Vec<&str> = s.texts["description"]
            .values()
            .map(|v| v.value.as_str())
            .filter(|v| !v.is_empty())
            .collect();
        assert_eq!(texts, ["J. Smyth shouts at night"]);
        assert!(s.conflicts().is_empty());
        assert_eq!(s.to_object()["description"], "J. Smyth shouts at night");
        // Nothing left to remove: said in words.
        let e = plan(&s, &req("description", None, true)).unwrap_err();
        assert!(e.has("remove_superseded"));
    }

    #[test]
    fn a_corrected_text_replaces_the_live_one_and_can_take_every_earlier_version_with_it() {
        let mut s = history();
        let (actions, old) = plan(
            &s,
            &req("description", Some(json!("J. Smith shouts at night")), true),
        )
        .unwrap();
        assert_eq!(
            old,
            [
                "J. Smyth shouts at night",
                "John Smyth shouts",
                "John Smyth shouts at night"
            ]
        );
        apply_all(&mut s, actions, 40);
        assert_eq!(s.to_object()["description"], "J. Smith shouts at night");
        assert!(!s.to_json().contains("Smyth"), "{}", s.to_json());
    }

    #[test]
    fn a_plain_field_is_set_and_bad_requests_are_refused_field_by_field() {
        let mut s = history();
        let (actions, old) = plan(&s, &req("contact", Some(json!("07700 900456")), false)).unwrap();
        assert_eq!(old, ["\"07700 900123\""]);
        apply_all(&mut s, actions, 40);
        assert_eq!(s.to_object()["contact"], "07700 900456");

        let mut no_note = req("contact", Some(json!("x")), false);
        no_note.note = "  ".into();
        assert!(plan(&s, &no_note).unwrap_err().has("note"));
        assert!(plan(&s, &req("nickname", Some(json!("x")), false))
            .unwrap_err()
            .has("field"));
        assert!(plan(&s, &req("areas", Some(json!([])), false))
            .unwrap_err()
            .has("field"));
        assert!(plan(&s, &req("contact", None, false))
            .unwrap_err()
            .has("value"));
        assert!(plan(&s, &req("contact", None, true))
            .unwrap_err()
            .has("remove_superseded"));
        assert!(plan(&s, &req("description", Some(json!(3)), false))
            .unwrap_err()
            .has("value"));
    }

    #[test]
    fn a_restriction_hides_the_record_until_lifted() {
        let mut s = history();
        let by = OfficerId::new("DP0001");
        assert!(restrict(&s, "", &by, Utc::now()).unwrap_err().has("reason"));
        let r = restrict(&s, "Accuracy contested", &by, Utc::now()).unwrap();
        s.apply(&op(40, r));
        assert_eq!(restriction_of(&s).unwrap().reason, "Accuracy contested");
        assert!(AccessFacts::from_state(&s).restricted);
        assert!(restrict(&s, "again", &by, Utc::now())
            .unwrap_err()
            .has("reason"));
        assert!(lift(&s, "").unwrap_err().has("note"));
        s.apply(&op(41, lift(&s, "Accuracy confirmed").unwrap()));
        assert_eq!(restriction_of(&s), None);
        assert!(!AccessFacts::from_state(&s).restricted);
        assert!(lift(&s, "again").unwrap_err().has("note"));
    }
}
