//! The tablet's reads (DPA 2018 s.62: consultation is logged): opening a record, a search, and a
//! list that shows more than the shift's own briefing. The tablet keeps each in an append-only
//! log inside its encrypted store and sends them at the next sync; HQ writes each into its
//! access log with the device, the officer, and the shift in words as the purpose.

use crate::views::{ListFilter, RecordSummary};
use crate::{AreaId, RecordId, RecordKind, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use ts_rs::TS;
use utoipa::ToSchema;

/// At most this many reads in one `POST /api/v1/sync/reads`.
pub const MAX_READS_PER_BATCH: usize = 500;
/// At most this many record ids in one read (a map page lists up to a few hundred).
pub const MAX_READ_RECORDS: usize = 2_000;
/// A read's words (search words, a list's filter) are cut to this many characters on the
/// tablet, and longer ones refused by HQ.
pub const MAX_READ_DETAIL: usize = 500;
/// A team's or an area's name in a shift.
const MAX_NAME: usize = 200;
/// A shift names at most this many teams and areas.
const MAX_SHIFT_NAMES: usize = 50;
/// The same record opened again within this many minutes, on the same unlocked tablet, is the
/// same look (the app reloads an open record as syncs land): logged once.
pub const SAME_LOOK_MINUTES: i64 = 10;
/// A read stamped further than this ahead of HQ's clock is logged at the time HQ received it.
pub const MAX_READ_AHEAD_MINUTES: i64 = 10;

/// What the officer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadAction {
    /// Opened one record.
    View,
    /// Searched the tablet's records.
    Search,
    /// Listed records beyond the shift's briefing (a filtered list, the map).
    List,
}

impl ReadAction {
    /// As the access log writes it (`view`, `search`, `list`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReadAction::View => "view",
            ReadAction::Search => "search",
            ReadAction::List => "list",
        }
    }
}

/// The shift the officer was on when they read: their teams and those teams' areas, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Shift {
    #[schema(max_items = 50)]
    pub teams: Vec<String>,
    #[schema(max_items = 50)]
    pub areas: Vec<String>,
}

impl Shift {
    /// The purpose HQ's access log keeps for a read on the tablet:
    /// "On duty: Town Centre Team Camden, Camden Town".
    pub fn words(&self) -> String {
        let names: Vec<&str> = self
            .teams
            .iter()
            .chain(&self.areas)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if names.is_empty() {
            "On duty (no team known on the tablet)".to_owned()
        } else {
            format!("On duty: {}", names.join(", "))
        }
    }

    fn validate(&self, errs: &mut ValidationErrors, prefix: &str) {
        for (list, field) in [(&self.teams, "teams"), (&self.areas, "areas")] {
            if list.len() > MAX_SHIFT_NAMES {
                errs.add(
                    format!("{prefix}.{field}"),
                    "too_many",
                    format!("a shift names at most {MAX_SHIFT_NAMES} {field}"),
                );
            }
            for (i, name) in list.iter().enumerate() {
                errs.max_len(&format!("{prefix}.{field}[{i}]"), name, MAX_NAME);
            }
        }
    }
}

/// One read as the tablet's log keeps it and sends it to HQ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DeviceRead {
    /// This device's sequence of reads, from 1: HQ logs each (device, seq) once.
    #[ts(type = "number")]
    #[schema(minimum = 1)]
    pub seq: u64,
    /// When the officer read, by the tablet's clock.
    pub at: DateTime<Utc>,
    pub action: ReadAction,
    #[schema(value_type = Vec<uuid::Uuid>, max_items = 2000)]
    pub record_ids: Vec<RecordId>,
    /// The search words, or the list's filter in words; empty for a view.
    #[schema(max_length = 500)]
    pub detail: String,
    pub shift: Shift,
}

impl DeviceRead {
    /// Whether HQ can log this read, field by field under `reads[i]`.
    pub fn validate(&self, errs: &mut ValidationErrors, i: usize) {
        let p = format!("reads[{i}]");
        if self.seq == 0 {
            errs.add(format!("{p}.seq"), "invalid", "a read's number starts at 1");
        }
        if self.action == ReadAction::View && self.record_ids.len() != 1 {
            errs.add(
                format!("{p}.record_ids"),
                "invalid",
                "opening a record names exactly one record",
            );
        }
        if self.record_ids.len() > MAX_READ_RECORDS {
            errs.add(
                format!("{p}.record_ids"),
                "too_many",
                format!("a read names at most {MAX_READ_RECORDS} records"),
            );
        }
        errs.max_len(&format!("{p}.detail"), &self.detail, MAX_READ_DETAIL);
        self.shift.validate(errs, &format!("{p}.shift"));
    }
}

/// When HQ's access log says a read happened: the tablet's time, unless its clock was plainly
/// wrong (before 2020, or ahead of HQ's by more than a few minutes); then the time HQ received
/// it. A wrong clock must not keep a read out of the log (it would stay on the tablet for ever).
pub fn logged_at(at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let earliest = DateTime::from_timestamp(1_577_836_800, 0).unwrap_or_default(); // 2020-01-01
    if at < earliest || at > now + chrono::Duration::minutes(MAX_READ_AHEAD_MINUTES) {
        now
    } else {
        at
    }
}

/// Check a batch of reads: its size, each read, and no number twice.
pub fn validate_batch(reads: &[DeviceRead]) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    if reads.len() > MAX_READS_PER_BATCH {
        errs.add(
            "reads",
            "too_many",
            format!("send at most {MAX_READS_PER_BATCH} reads at a time"),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, r) in reads.iter().enumerate() {
        r.validate(&mut errs, i);
        if !seen.insert(r.seq) {
            errs.add(
                format!("reads[{i}].seq"),
                "duplicate",
                format!("read number {} is in the batch twice", r.seq),
            );
        }
    }
    errs.into_result()
}

/// Whether a listed record is one the shift's briefing shows anyway (so listing it is not
/// logged): the work of the officer's teams (priorities, meetings, patrols, improvement actions,
/// which name no member of the public), and the open concerns of the shift's areas. Everything
/// else — closed concerns, concerns elsewhere, engagements, intelligence — is beyond it.
/// `shift_areas` empty: the tablet knows no team, so every area is the shift's.
pub fn within_briefing(row: &RecordSummary, shift_areas: &[AreaId]) -> bool {
    match row.kind {
        RecordKind::Priority | RecordKind::Meeting | RecordKind::PatrolLog | RecordKind::Action => {
            true
        }
        RecordKind::Concern => {
            matches!(row.status.as_deref(), Some("open" | "in_progress"))
                && (shift_areas.is_empty() || row.areas.iter().any(|a| shift_areas.contains(a)))
        }
        RecordKind::Engagement | RecordKind::IntelReport | RecordKind::IntelSource => false,
    }
}

/// The records of a list that go beyond the shift's briefing: what a `list` read names.
pub fn beyond_briefing(rows: &[RecordSummary], shift_areas: &[AreaId]) -> Vec<RecordId> {
    rows.iter()
        .filter(|r| !within_briefing(r, shift_areas))
        .map(|r| r.id)
        .collect()
}

/// A list's filter in words, for the access log: "concern, status open, area camden-town,
/// since 1 Dec 2026". Area ids are given as the tablet names them.
pub fn filter_words(filter: &ListFilter, area_name: impl Fn(&AreaId) -> String) -> String {
    let mut parts = Vec::new();
    parts.push(match filter.kind {
        Some(k) => k.as_str().replace('_', " "),
        None => "all kinds".to_owned(),
    });
    if let Some(s) = &filter.status {
        parts.push(format!("status {}", s.replace('_', " ")));
    }
    if let Some(a) = &filter.area {
        parts.push(format!("in {}", area_name(a)));
    }
    if let Some(t) = filter.since {
        parts.push(format!("since {}", t.format("%-d %b %Y")));
    }
    if let Some(t) = filter.until {
        parts.push(format!("before {}", t.format("%-d %b %Y")));
    }
    let mut words = parts.join(", ");
    truncate_chars(&mut words, MAX_READ_DETAIL);
    words
}

/// Cut `s` to at most `max` characters (at a character boundary).
pub fn truncate_chars(s: &mut String, max: usize) {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(seq: u64) -> DeviceRead {
        DeviceRead {
            seq,
            at: Utc::now(),
            action: ReadAction::View,
            record_ids: vec![RecordId::new()],
            detail: String::new(),
            shift: Shift {
                teams: vec!["Town Centre Team Camden".into()],
                areas: vec!["Camden Town".into()],
            },
        }
    }

    fn row(kind: RecordKind, status: &str, area: &str) -> RecordSummary {
        RecordSummary {
            id: RecordId::new(),
            kind,
            title: "t".into(),
            status: Some(status.into()),
            occurred_at: Utc::now(),
            areas: vec![AreaId::new(area)],
            conflicts: vec![],
            pending_ops: 0,
            body: serde_json::Value::Null,
        }
    }

    #[test]
    fn the_shift_in_words_is_the_purpose() {
        assert_eq!(
            read(1).shift.words(),
            "On duty: Town Centre Team Camden, Camden Town"
        );
        assert_eq!(
            Shift::default().words(),
            "On duty (no team known on the tablet)"
        );
    }

    #[test]
    fn a_batch_is_refused_field_by_field() {
        assert!(validate_batch(&[read(1), read(2)]).is_ok());
        let mut bad = vec![read(0), read(2), read(2)];
        bad[1].record_ids.clear();
        bad[2].action = ReadAction::Search;
        bad[2].detail = "x".repeat(MAX_READ_DETAIL + 1);
        let errs = validate_batch(&bad).unwrap_err();
        assert!(errs.has("reads[0].seq"), "{errs}");
        assert!(errs.has("reads[1].record_ids"), "{errs}");
        assert!(errs.has("reads[2].detail"), "{errs}");
        assert!(errs.has("reads[2].seq"), "{errs}");
        assert!(!errs.has("reads[0].detail"), "{errs}");
        let too_many: Vec<DeviceRead> = (1..=MAX_READS_PER_BATCH as u64 + 1).map(read).collect();
        assert!(validate_batch(&too_many).unwrap_err().has("reads"));
    }

    #[test]
    fn a_wrong_clock_does_not_keep_a_read_out_of_the_log() {
        let now = Utc::now();
        let a_minute_ago = now - chrono::Duration::minutes(1);
        assert_eq!(logged_at(a_minute_ago, now), a_minute_ago);
        assert_eq!(logged_at(now + chrono::Duration::hours(23), now), now);
        assert_eq!(logged_at(DateTime::from_timestamp(0, 0).unwrap(), now), now);
    }

    #[test]
    fn a_list_is_beyond_the_briefing_only_for_what_the_briefing_does_not_show() {
        let mine = [AreaId::new("camden-town")];
        let open_here = row(RecordKind::Concern, "open", "camden-town");
        let closed_here = row(RecordKind::Concern, "closed", "camden-town");
        let open_elsewhere = row(RecordKind::Concern, "open", "dalston");
        let patrol = row(RecordKind::PatrolLog, "under_way", "dalston");
        let engagement = row(RecordKind::Engagement, "done", "camden-town");
        let rows = vec![
            open_here.clone(),
            closed_here.clone(),
            open_elsewhere.clone(),
            patrol,
            engagement.clone(),
        ];
        assert_eq!(
            beyond_briefing(&rows, &mine),
            vec![closed_here.id, open_elsewhere.id, engagement.id]
        );
        // No team known: every area is the shift's.
        assert_eq!(
            beyond_briefing(&rows, &[]),
            vec![closed_here.id, engagement.id]
        );
    }

    #[test]
    fn a_filter_in_words() {
        let f = ListFilter {
            kind: Some(RecordKind::IntelReport),
            status: Some("in_progress".into()),
            area: Some(AreaId::new("camden-town")),
            ..ListFilter::default()
        };
        assert_eq!(
            filter_words(&f, |_| "Camden Town".into()),
            "intel report, status in progress, in Camden Town"
        );
        let mut s = "é".repeat(10);
        truncate_chars(&mut s, 3);
        assert_eq!(s, "ééé");
    }
}
