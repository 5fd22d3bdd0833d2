//! What HQ accepts from a tablet, beyond a record being valid: the op's clock (not far ahead of
//! HQ's, not before 2020, not before the record it changes was made), who may delete a record,
//! the record's areas (worked out from its location, never taken from the tablet), fields the
//! record's kind does not have, and absurdly nested values. HQ's push runs these (see
//! `beatbook_hq::push`); each refusal is a [`Refusal`] whose reason the officer reads.

use crate::access::{AccessFacts, Viewer};
use crate::area::{areas_containing, Area, Location};
use crate::merge::RecordState;
use crate::op::{FieldWrite, Op, OpAction};
use crate::people::Role;
use crate::{AreaId, RecordKind};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// No op may be stamped before 1 January 2020 (ms since the epoch): a stamp of 0 (1970) is a
/// tablet whose clock was never set.
pub const EARLIEST_STAMP_MS: u64 = 1_577_836_800_000;

/// How far ahead of HQ's clock an op may be stamped unless the force sets otherwise (minutes).
pub const DEFAULT_MAX_AHEAD_MINUTES: u32 = 5;

/// The deepest nesting of arrays and objects a field value or an appended entry may have.
/// Records nest two or three levels; anything near this is not a record.
pub const MAX_NESTING: usize = 32;

/// Why HQ refused an op: a stable code, and the reason in words for the officer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub reason: String,
}

fn refuse(code: &'static str, reason: impl Into<String>) -> Refusal {
    Refusal {
        code,
        reason: reason.into(),
    }
}

/// A length of time in words, to the nearest unit: "1 minute", "23 hours", "3 days".
pub fn duration_words(ms: u64) -> String {
    let minutes = (ms + 30_000) / 60_000;
    let (n, unit) = if minutes < 120 {
        (minutes.max(1), "minute")
    } else if minutes < 48 * 60 {
        ((minutes + 30) / 60, "hour")
    } else {
        ((minutes + 12 * 60) / (24 * 60), "day")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// A stamp as a person reads it: "6 Dec 2026, 21:44 UTC".
pub fn stamp_words(wall_ms: u64) -> String {
    i64::try_from(wall_ms)
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .map_or_else(
            || "a date no clock can show".to_owned(),
            |t| t.format("%-d %b %Y, %H:%M UTC").to_string(),
        )
}

/// The op's clock against HQ's (`now`): refused when stamped before 2020, or more than
/// `max_ahead_ms` ahead of HQ's time.
pub fn check_clock(op: &Op, now: DateTime<Utc>, max_ahead_ms: u64) -> Result<(), Refusal> {
    let wall = op.hlc.wall_ms;
    if wall < EARLIEST_STAMP_MS {
        return Err(refuse(
            "clock_behind",
            format!(
                "this change is dated {}, before 2020: the tablet's clock was wrong when it was made. Correct its date and time, then make the change again",
                stamp_words(wall)
            ),
        ));
    }
    let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or_default();
    if wall > now_ms.saturating_add(max_ahead_ms) {
        return Err(refuse(
            "clock_ahead",
            format!(
                "this change is dated {} ahead of HQ's clock (HQ accepts {} at most): correct the tablet's date and time",
                duration_words(wall - now_ms),
                duration_words(max_ahead_ms)
            ),
        ));
    }
    Ok(())
}

/// An op on an existing record: refused when stamped before the record was made (it would
/// otherwise become the record's creation and change its author).
pub fn check_after_creation(op: &Op, state: &RecordState) -> Result<(), Refusal> {
    if op.stamp() < state.created {
        return Err(refuse(
            "before_creation",
            format!(
                "this change is dated {}, before the record was made ({}): the tablet's clock was wrong. Correct its date and time, then make the change again",
                stamp_words(op.hlc.wall_ms),
                stamp_words(state.created.hlc.wall_ms)
            ),
        ));
    }
    Ok(())
}

/// A delete from a tablet: only the record's author, or a supervisor whose teams cover one of
/// its areas, may delete it.
pub fn check_delete(op: &Op, viewer: &Viewer, facts: &AccessFacts) -> Result<(), Refusal> {
    if !matches!(op.action, OpAction::Delete) {
        return Ok(());
    }
    let author = facts.created_by == viewer.officer;
    let supervisor =
        viewer.role == Role::Supervisor && facts.areas.iter().any(|a| viewer.areas.contains(a));
    if author || supervisor {
        return Ok(());
    }
    Err(refuse(
        "delete_forbidden",
        format!(
            "only the officer who made this record ({}) or a supervisor of its team may delete it",
            facts.created_by
        ),
    ))
}

/// How deeply arrays and objects nest in a JSON text (0 for a string, number, true, false or
/// null). Counted without recursion, so no depth overflows anything.
pub fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Every value the op carries nests at most [`MAX_NESTING`] levels.
pub fn check_nesting(op: &Op) -> Result<(), Refusal> {
    let too_deep = |field: &str, text: &str| {
        let n = nesting(text);
        (n > MAX_NESTING).then(|| {
            refuse(
                "too_deep",
                format!(
                    "{field} nests {n} levels deep: a record's values nest at most {MAX_NESTING}"
                ),
            )
        })
    };
    let found = match &op.action {
        OpAction::Put { fields } => fields.iter().find_map(|(name, write)| match write {
            FieldWrite::Set(v) => too_deep(&format!("the field {name:?}"), v.get()),
            FieldWrite::Text { .. } | FieldWrite::Erase { .. } => None,
        }),
        OpAction::Append { entry } => too_deep("the entry", entry.get()),
        OpAction::Delete => None,
    };
    found.map_or(Ok(()), Err)
}

/// The top-level fields of each kind, learnt from the first record of the kind read whole (a
/// record serialises every field it has, `None` as `null`), then kept.
fn known_fields() -> &'static Mutex<HashMap<RecordKind, Arc<BTreeSet<String>>>> {
    static KNOWN: OnceLock<Mutex<HashMap<RecordKind, Arc<BTreeSet<String>>>>> = OnceLock::new();
    KNOWN.get_or_init(Mutex::default)
}

/// The top-level fields a record of `state`'s kind has, read from `state` as a whole record the
/// first time (`None` when it does not read as one: `check_state` says why).
pub fn fields_of(state: &RecordState) -> Option<Arc<BTreeSet<String>>> {
    if let Some(known) = known_fields()
        .lock()
        .ok()
        .and_then(|k| k.get(&state.kind).cloned())
    {
        return Some(known);
    }
    fn names<R: crate::Record>(state: &RecordState) -> Option<BTreeSet<String>> {
        let record = R::from_state(state).ok()?;
        match serde_json::to_value(&record).ok()? {
            serde_json::Value::Object(obj) => Some(obj.into_iter().map(|(k, _)| k).collect()),
            _ => None,
        }
    }
    use crate::{concern, improvement, intel, meeting, patrol};
    let names = match state.kind {
        RecordKind::Concern => names::<concern::Concern>(state),
        RecordKind::IntelReport => names::<intel::IntelReport>(state),
        RecordKind::IntelSource => names::<intel::IntelSource>(state),
        RecordKind::Meeting => names::<meeting::Meeting>(state),
        RecordKind::Priority => names::<meeting::Priority>(state),
        RecordKind::PatrolLog => names::<patrol::PatrolLog>(state),
        RecordKind::Engagement => names::<patrol::Engagement>(state),
        RecordKind::Action => names::<improvement::ImprovementAction>(state),
    }?;
    let names = Arc::new(names);
    if let Ok(mut k) = known_fields().lock() {
        k.insert(state.kind, names.clone());
    }
    Some(names)
}

/// The op writes only fields its record's kind has (`merged` is the record with the op merged,
/// already checked to read as a whole record).
pub fn check_fields(op: &Op, merged: &RecordState) -> Result<(), Refusal> {
    let OpAction::Put { fields } = &op.action else {
        return Ok(());
    };
    let Some(known) = fields_of(merged) else {
        return Ok(());
    };
    let unknown: Vec<&str> = fields
        .keys()
        .filter(|f| !known.contains(*f))
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(refuse(
        "unknown_field",
        format!(
            "a {} has no field {}",
            op.kind.as_str().replace('_', " "),
            unknown
                .iter()
                .map(|f| format!("{f:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// What HQ does with a record's areas (see [`work_out_areas`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Areas {
    /// The record's areas are what HQ holds: nothing to change.
    Kept,
    /// The record has a location: its areas are these, whatever the tablet said.
    FromLocation(Vec<AreaId>),
}

fn area_names(ids: &[AreaId], areas: &[Area]) -> String {
    ids.iter()
        .map(|id| {
            areas
                .iter()
                .find(|a| &a.id == id)
                .map_or_else(|| id.to_string(), |a| a.name.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A record's areas as HQ works them out from `areas` (HQ's reference areas): a record with a
/// location (a concern, intelligence with a place) is in the areas its location falls in,
/// whatever areas the tablet named, and is refused when that is none of them; a record without
/// one names its areas (a meeting's, a patrol's `area_id`), which must be areas HQ knows, and a
/// concern without a location, or with no area, is refused. HQ with no areas at all (a bare
/// database) works nothing out.
pub fn work_out_areas(state: &RecordState, areas: &[Area]) -> Result<Areas, Refusal> {
    if areas.is_empty() || state.is_deleted() {
        return Ok(Areas::Kept);
    }
    let location: Option<Location> = state
        .fields
        .get("location")
        .and_then(|v| v.value.parse::<Option<Location>>().ok())
        .flatten();
    let has_list = matches!(state.kind, RecordKind::Concern | RecordKind::IntelReport);
    if let (true, Some(loc)) = (has_list, &location) {
        let found = areas_containing(loc.point(), areas);
        if found.is_empty() {
            return Err(refuse(
                "outside_areas",
                format!(
                    "the location ({}) is outside every area HQ knows: place it within the force's areas",
                    loc.place
                        .clone()
                        .unwrap_or_else(|| format!("{:.5}, {:.5}", loc.lat, loc.lon))
                ),
            ));
        }
        return Ok(Areas::FromLocation(found));
    }
    let mut named: Vec<AreaId> = Vec::new();
    if has_list {
        named = state
            .fields
            .get("areas")
            .and_then(|v| v.value.parse().ok())
            .unwrap_or_default();
    }
    if let Some(id) = state
        .fields
        .get("area_id")
        .and_then(|v| v.value.parse::<AreaId>().ok())
    {
        named.push(id);
    }
    let unknown: Vec<AreaId> = named
        .iter()
        .filter(|id| !areas.iter().any(|a| &a.id == *id))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(refuse(
            "unknown_area",
            format!(
                "HQ knows no area {}: choose the area from the list",
                area_names(&unknown, areas)
            ),
        ));
    }
    // Intelligence without a place reaches its author and the intelligence unit, not areas;
    // every other record must be somewhere.
    let needs_area = !matches!(
        state.kind,
        RecordKind::IntelReport | RecordKind::IntelSource | RecordKind::Action
    );
    if needs_area && named.is_empty() {
        return Err(refuse(
            "no_area",
            "the record has no location and no area: give its location, or choose its area",
        ));
    }
    Ok(Areas::Kept)
}

/// Put HQ's areas into the record's state: the `areas` field gets the areas of the location,
/// stamped as the later of its own write and the location's, so every replica agrees.
pub fn set_areas(state: &mut RecordState, found: Vec<AreaId>) {
    let value = crate::Json::to(&found).unwrap_or_else(|_| crate::Json::null());
    let stamp = [state.fields.get("areas"), state.fields.get("location")]
        .into_iter()
        .flatten()
        .map(|v| v.stamp)
        .max()
        .unwrap_or(state.created);
    match state.fields.get_mut("areas") {
        Some(v) if v.value.get() == value.get() => {}
        Some(v) => {
            v.value = value;
            v.stamp = stamp;
        }
        None => {
            state
                .fields
                .insert("areas".into(), crate::merge::LwwValue { value, stamp });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_and_without_recursion() {
        assert_eq!(nesting("\"x\""), 0);
        assert_eq!(nesting(r#"{"a": [1, {"b": "[[[[\"]]"}]}"#), 3);
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(nesting(&deep), 100_000);
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration_words(30_000), "1 minute");
        assert_eq!(duration_words(5 * 60_000), "5 minutes");
        assert_eq!(duration_words(23 * 3_600_000 - 5_000), "23 hours");
        assert_eq!(duration_words(2 * 3_600_000 + 40 * 60_000), "3 hours");
        assert_eq!(duration_words(3 * 86_400_000), "3 days");
        assert_eq!(stamp_words(0), "1 Jan 1970, 00:00 UTC");
    }
}
