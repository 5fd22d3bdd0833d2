//! The records lifecycle (DPA 2018 Part 3; the Police Information and Records Management Code of
//! Practice): every record comes up for review on its retention review date, and a records
//! manager then **retains** it until a new date with a reason, **disposes** of it, or puts it on
//! **hold** (legal hold, complaint, litigation) until the hold is **released**. Nothing on hold is
//! disposed of. What a tablet keeps is decided here too ([`tablet_keeps`]).
//!
//! Pure rules: HQ's storage applies them, the dashboard and `beatbook hq admin retention` call them.

use crate::merge::RecordState;
use crate::record::{review_after, RecordKind};
use crate::validation::ValidationErrors;
use crate::OfficerId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The furthest a decision may push a record's next review, in months from the decision: a
/// record must come back for review within this. Intelligence follows the MoPI group 2 review
/// period (ten years); the rest are reviewed at least every six years (patrols and engagements,
/// which are activity rather than information about people, every three).
pub fn max_retain_months(kind: RecordKind) -> u32 {
    match kind {
        RecordKind::IntelReport | RecordKind::IntelSource => 120,
        RecordKind::Concern | RecordKind::Meeting | RecordKind::Priority | RecordKind::Action => 72,
        RecordKind::PatrolLog | RecordKind::Engagement => 36,
    }
}

/// The latest date a record of `kind` may be retained until, decided on `today`.
pub fn latest_retain_until(kind: RecordKind, today: NaiveDate) -> NaiveDate {
    review_after(today, max_retain_months(kind))
}

/// The shortest reason a decision is taken with: a word or two is not a reason.
pub const MIN_REASON_CHARS: usize = 5;
pub const MAX_REASON_CHARS: usize = 2000;

/// A records manager's decision on one record (or on each of a filtered set, with one reason).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum Decision {
    /// Keep it, and review it again on `until`.
    Retain { until: NaiveDate },
    /// Erase it everywhere: HQ, every tablet, the op log's text, its photos.
    Dispose,
    /// Legal hold, complaint or litigation: never disposed of (by hand or by the sweep) until
    /// released.
    Hold,
    /// Lift a hold; the record is reviewed again on its review date as before.
    Release,
}

impl Decision {
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Retain { .. } => "retain",
            Decision::Dispose => "dispose",
            Decision::Hold => "hold",
            Decision::Release => "release",
        }
    }

    /// In words, for the decisions log: "retained until 6 Dec 2030", "disposed of", ...
    pub fn words(&self) -> String {
        match self {
            Decision::Retain { until } => format!("retained until {}", until.format("%-d %b %Y")),
            Decision::Dispose => "disposed of".into(),
            Decision::Hold => "put on hold".into(),
            Decision::Release => "released from hold".into(),
        }
    }
}

/// Where a record stands in its lifecycle at HQ, as far as a decision needs to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Lifecycle {
    pub kind: RecordKind,
    /// Its retention review date: the record's own, or the last retain decision's.
    pub review_on: NaiveDate,
    /// The reason it is on hold, if it is.
    pub hold: Option<String>,
}

/// Check a decision's reason: every decision needs one.
pub fn check_reason(reason: &str) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    let n = reason.trim().chars().count();
    if n == 0 {
        errs.add("reason", "required", "give the reason for this decision");
    } else if n < MIN_REASON_CHARS {
        errs.add(
            "reason",
            "too_short",
            format!("a reason needs at least {MIN_REASON_CHARS} characters"),
        );
    } else if n > MAX_REASON_CHARS {
        errs.add(
            "reason",
            "too_long",
            format!("a reason may be at most {MAX_REASON_CHARS} characters"),
        );
    }
    errs.into_result()
}

/// Check a decision on one record, decided on `today`. A bulk decision checks every record first
/// and changes nothing if any is refused.
pub fn check_decision(
    decision: &Decision,
    reason: &str,
    record: &Lifecycle,
    today: NaiveDate,
) -> Result<(), ValidationErrors> {
    check_reason(reason)?;
    let mut errs = ValidationErrors::new();
    match decision {
        Decision::Retain { until } => {
            if *until <= today {
                errs.add(
                    "until",
                    "not_future",
                    "a record is retained until a date after today",
                );
            } else if *until > latest_retain_until(record.kind, today) {
                errs.add(
                    "until",
                    "too_late",
                    format!(
                        "{} records must be reviewed again within {} years: the latest date is {}",
                        kind_words(record.kind),
                        max_retain_months(record.kind) / 12,
                        latest_retain_until(record.kind, today).format("%-d %b %Y")
                    ),
                );
            }
        }
        Decision::Dispose => {
            if let Some(why) = &record.hold {
                errs.add(
                    "decision",
                    "on_hold",
                    format!(
                        "this record is on hold ({why}): release the hold before disposing of it"
                    ),
                );
            }
        }
        Decision::Hold => {
            if record.hold.is_some() {
                errs.add(
                    "decision",
                    "already_on_hold",
                    "this record is already on hold",
                );
            }
        }
        Decision::Release => {
            if record.hold.is_none() {
                errs.add("decision", "not_on_hold", "this record is not on hold");
            }
        }
    }
    errs.into_result()
}

/// Whether a record is due for review on `today`, or within `window_days` of it.
pub fn due(record: &Lifecycle, today: NaiveDate, window_days: u32) -> bool {
    record.review_on <= today + chrono::Days::new(u64::from(window_days))
}

/// Whether the automatic sweep may dispose of this record on `today`: past its review date and
/// not on hold (the force chooses per kind whether the sweep runs at all).
pub fn sweep_disposes(record: &Lifecycle, today: NaiveDate) -> bool {
    record.hold.is_none() && record.review_on < today
}

/// What the force does with records of a kind whose review date has passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum PastReview {
    /// They wait in the records manager's queue for a decision (the default).
    #[default]
    Queue,
    /// HQ's sweep disposes of them, unless on hold.
    Dispose,
}

/// "Concerns", "Intelligence reports", ... for messages.
pub fn kind_words(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Concern => "Concern",
        RecordKind::IntelReport => "Intelligence report",
        RecordKind::IntelSource => "Intelligence source",
        RecordKind::Meeting => "Meeting",
        RecordKind::Priority => "Priority",
        RecordKind::PatrolLog => "Patrol",
        RecordKind::Engagement => "Engagement",
        RecordKind::Action => "Improvement action",
    }
}

/// How long a tablet keeps a closed record it pulled, unless HQ sets otherwise.
pub const DEFAULT_TABLET_KEEP_DAYS: u32 = 90;

/// Whether a record's work is finished: a concern resolved or closed, a patrol ended, a priority
/// achieved or closed, an intelligence report past review, a meeting or engagement once recorded.
/// An unknown or unreadable status counts as open (kept).
pub fn is_closed(state: &RecordState) -> bool {
    fn text(state: &RecordState, key: &str) -> Option<String> {
        state
            .fields
            .get(key)?
            .value
            .parse::<serde_json::Value>()
            .ok()
            .map(|v| match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            })
    }
    match state.kind {
        RecordKind::Concern => matches!(
            text(state, "status").as_deref(),
            Some("resolved" | "closed")
        ),
        RecordKind::PatrolLog => text(state, "ended_at").is_some_and(|s| !s.is_empty()),
        RecordKind::Priority => matches!(
            text(state, "status").as_deref(),
            Some("achieved" | "closed")
        ),
        RecordKind::IntelReport => {
            text(state, "review_state").is_some_and(|s| !s.is_empty() && s != "submitted")
        }
        RecordKind::IntelSource => true,
        RecordKind::Meeting | RecordKind::Engagement => true,
        RecordKind::Action => text(state, "closure").is_some_and(|s| !s.is_empty() && s != "null"),
    }
}

/// Whether a tablet keeps a record it pulled: everything open, and anything changed within the
/// last `keep_days`. A closed record untouched for longer is dropped from the tablet (never from
/// HQ) and comes back only if it changes again. The officer's own open work is open, so kept.
/// (The store also keeps anything with changes or photos still waiting to go to HQ.)
pub fn tablet_keeps(
    state: &RecordState,
    _officer: &OfficerId,
    now: DateTime<Utc>,
    keep_days: u32,
) -> bool {
    if !is_closed(state) {
        return true;
    }
    let cutoff = now.timestamp_millis() - i64::from(keep_days) * 86_400_000;
    i64::try_from(state.updated.hlc.wall_ms).unwrap_or(i64::MAX) >= cutoff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn lifecycle(kind: RecordKind, hold: Option<&str>) -> Lifecycle {
        Lifecycle {
            kind,
            review_on: d("2026-12-01"),
            hold: hold.map(str::to_owned),
        }
    }

    #[test]
    fn every_decision_needs_a_reason() {
        let r = lifecycle(RecordKind::Concern, None);
        for reason in ["", "   ", "ok"] {
            let e = check_decision(&Decision::Dispose, reason, &r, d("2026-12-07")).unwrap_err();
            assert_eq!(e.errors[0].field, "reason", "{reason:?}");
        }
        assert!(
            check_decision(&Decision::Dispose, "No longer needed", &r, d("2026-12-07")).is_ok()
        );
    }

    #[test]
    fn retain_is_to_a_future_date_no_later_than_the_kinds_maximum() {
        let today = d("2026-12-07");
        let concern = lifecycle(RecordKind::Concern, None);
        let retain = |until: &str| Decision::Retain { until: d(until) };
        assert!(check_decision(&retain("2032-12-07"), "Ongoing problem", &concern, today).is_ok());
        let late =
            check_decision(&retain("2032-12-08"), "Ongoing problem", &concern, today).unwrap_err();
        assert_eq!(late.errors[0].code, "too_late");
        assert!(late.errors[0].message.contains("7 Dec 2032"), "{late}");
        assert_eq!(
            check_decision(&retain("2026-12-07"), "Ongoing problem", &concern, today)
                .unwrap_err()
                .errors[0]
                .code,
            "not_future"
        );
        // Intelligence may be retained for longer, patrols for less.
        let intel = lifecycle(RecordKind::IntelReport, None);
        assert!(check_decision(&retain("2036-12-07"), "MoPI group 2", &intel, today).is_ok());
        let patrol = lifecycle(RecordKind::PatrolLog, None);
        assert!(check_decision(&retain("2030-01-01"), "Inquiry pending", &patrol, today).is_err());
    }

    #[test]
    fn nothing_on_hold_is_disposed_of_by_hand_or_by_the_sweep() {
        let today = d("2026-12-07");
        let held = lifecycle(RecordKind::Concern, Some("Complaint 2026/114"));
        let e = check_decision(&Decision::Dispose, "Past review", &held, today).unwrap_err();
        assert_eq!(e.errors[0].code, "on_hold");
        assert!(e.errors[0].message.contains("Complaint 2026/114"));
        assert!(!sweep_disposes(&held, today));
        assert!(sweep_disposes(&lifecycle(RecordKind::Concern, None), today));
        // Hold and release go one way each.
        assert!(check_decision(&Decision::Hold, "Litigation", &held, today).is_err());
        assert!(check_decision(&Decision::Release, "Settled", &held, today).is_ok());
        let free = lifecycle(RecordKind::Concern, None);
        assert!(check_decision(&Decision::Release, "Settled", &free, today).is_err());
    }

    fn state(kind: RecordKind, fields: serde_json::Value, updated: DateTime<Utc>) -> RecordState {
        use crate::op::{FieldWrite, Op, OpAction};
        let serde_json::Value::Object(map) = fields else {
            panic!("fields are an object")
        };
        RecordState::from_op(&Op {
            device_id: crate::DeviceId(uuid::Uuid::from_u128(7)),
            device_seq: 1,
            record_id: crate::RecordId(uuid::Uuid::from_u128(42)),
            kind,
            author: OfficerId::new("PC1"),
            hlc: crate::Hlc::new(u64::try_from(updated.timestamp_millis()).unwrap(), 0),
            action: OpAction::Put {
                fields: map
                    .into_iter()
                    .map(|(k, v)| (k, FieldWrite::set(v)))
                    .collect(),
            },
        })
    }

    #[test]
    fn a_tablet_drops_closed_records_untouched_for_longer_than_its_window() {
        let now: DateTime<Utc> = "2026-12-07T12:00:00Z".parse().unwrap();
        let long_ago = now - chrono::Duration::days(91);
        let lately = now - chrono::Duration::days(89);
        let me = OfficerId::new("PC1");
        let concern = |status: &str, at| {
            state(
                RecordKind::Concern,
                serde_json::json!({"status": status}),
                at,
            )
        };
        assert!(!tablet_keeps(&concern("closed", long_ago), &me, now, 90));
        assert!(!tablet_keeps(&concern("resolved", long_ago), &me, now, 90));
        assert!(
            tablet_keeps(&concern("closed", lately), &me, now, 90),
            "within the window"
        );
        assert!(
            tablet_keeps(&concern("open", long_ago), &me, now, 90),
            "open work stays"
        );
        assert!(tablet_keeps(
            &concern("in_progress", long_ago),
            &me,
            now,
            90
        ));
        // A force may keep closed records for less.
        assert!(!tablet_keeps(&concern("closed", lately), &me, now, 30));

        let patrol = |ended: serde_json::Value| {
            state(
                RecordKind::PatrolLog,
                serde_json::json!({"ended_at": ended}),
                long_ago,
            )
        };
        assert!(
            tablet_keeps(&patrol(serde_json::Value::Null), &me, now, 90),
            "under way"
        );
        assert!(!tablet_keeps(
            &patrol(serde_json::json!("2026-09-01T22:00:00Z")),
            &me,
            now,
            90
        ));

        let report = |review: &str| {
            state(
                RecordKind::IntelReport,
                serde_json::json!({"review_state": review}),
                long_ago,
            )
        };
        assert!(
            tablet_keeps(&report("submitted"), &me, now, 90),
            "awaiting review"
        );
        assert!(!tablet_keeps(&report("disseminated"), &me, now, 90));

        let priority = |status: &str| {
            state(
                RecordKind::Priority,
                serde_json::json!({"status": status}),
                long_ago,
            )
        };
        assert!(tablet_keeps(&priority("active"), &me, now, 90));
        assert!(!tablet_keeps(&priority("achieved"), &me, now, 90));
        // A status the tablet cannot read counts as open.
        assert!(tablet_keeps(
            &state(RecordKind::Concern, serde_json::json!({}), long_ago),
            &me,
            now,
            90
        ));
    }

    #[test]
    fn due_means_on_or_before_today_plus_the_window() {
        let r = lifecycle(RecordKind::Concern, None);
        assert!(due(&r, d("2026-12-01"), 0));
        assert!(!due(&r, d("2026-11-30"), 0));
        assert!(due(&r, d("2026-11-01"), 30));
    }
}
