//! What the tablet app reads and writes beyond single records: the signed-in officer's profile,
//! a record with its history, the shift briefing, the priorities board, and submissions that
//! make more than one record in one transaction (a report and its source; a meeting and the
//! priorities it agreed).

use crate::records::create_in;
use crate::{Store, StoreError};
use beatbook_domain::intel::{IntelReport, IntelSource, ReviewState, INTEL_RETENTION_MONTHS};
use beatbook_domain::meeting::{
    Meeting, NewMeeting, Priority, PriorityStatus, SaraPlan, YouSaidWeDid,
};
use beatbook_domain::merge::RecordState;
use beatbook_domain::protocol::TabletPolicy;
use beatbook_domain::record::review_after;
use beatbook_domain::tablet::{
    AreaRef, Briefing, ChangeState, HistoryEntry, Hotspot, IntelSubmission, IntelSubmitted,
    MeetingSaved, OfficerProfile, PriorityCard, RecordDetail, RefusedChange, TextConflict,
    TextVersionView,
};
use beatbook_domain::views::{ListFilter, RecordSummary};
use beatbook_domain::{AreaId, Op, RecordId, RecordKind};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::OptionalExtension;
use std::collections::{BTreeMap, BTreeSet};

const PROFILE_KEY: &str = "profile";
const TABLET_POLICY_KEY: &str = "tablet_policy";
/// Enough rows for a shift's briefing; older ones are a search away.
const BRIEFING_LIMIT: u32 = 1_000;

fn ms_time(ms: u64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(i64::MAX)).unwrap_or_default()
}

impl Store {
    /// The officer signed in on this device, as HQ named them at sign-in.
    pub fn profile(&self) -> Result<Option<OfficerProfile>, StoreError> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [PROFILE_KEY],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.map(|v| serde_json::from_str(&v)).transpose()?)
    }

    pub fn set_profile(&mut self, profile: &OfficerProfile) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (PROFILE_KEY, serde_json::to_string(profile)?),
        )?;
        Ok(())
    }

    /// What HQ set for tablets at the last sign-in or token refresh (the defaults before any).
    pub fn tablet_policy(&self) -> Result<TabletPolicy, StoreError> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [TABLET_POLICY_KEY],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.map(|v| serde_json::from_str(&v))
            .transpose()?
            .unwrap_or_default())
    }

    pub fn set_tablet_policy(&mut self, policy: &TabletPolicy) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (TABLET_POLICY_KEY, serde_json::to_string(policy)?),
        )?;
        Ok(())
    }

    /// Area ids as one-line references; ids this device has no area for are shown as the id.
    pub fn area_refs(&self, ids: &[AreaId]) -> Vec<AreaRef> {
        ids.iter()
            .map(|id| match self.areas.iter().find(|a| &a.id == id) {
                Some(a) => AreaRef::from(a),
                None => AreaRef {
                    id: id.clone(),
                    name: id.to_string(),
                    kind: beatbook_domain::area::AreaKind::Ward,
                },
            })
            .collect()
    }

    /// A record in full: its body, where each of its changes stands with HQ, and any text
    /// edited on two devices at once, version by version.
    pub fn record_detail(&self, id: RecordId) -> Result<RecordDetail, StoreError> {
        let state = self.state(id)?;
        if state.is_deleted() {
            return Err(StoreError::Deleted(id));
        }
        let title: String = self
            .conn
            .query_row(
                "SELECT title FROM records WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NotFound(id))?;
        let body = crate::records::body(&state)?;
        let history = self.history(&state)?;
        let pending = history
            .iter()
            .filter(|h| h.state == ChangeState::Waiting)
            .count();
        let sync_state = if history.iter().any(|h| h.state == ChangeState::Refused) {
            ChangeState::Refused
        } else if pending > 0 {
            ChangeState::Waiting
        } else {
            ChangeState::OnHq
        };
        let conflicts = state
            .conflicts()
            .into_iter()
            .map(|field| TextConflict {
                versions: state
                    .live_versions(&field)
                    .into_iter()
                    .map(|v| TextVersionView {
                        value: v.value.clone(),
                        at: ms_time(v.stamp.hlc.wall_ms),
                        device: v.stamp.device.to_string(),
                    })
                    .collect(),
                field,
            })
            .collect();
        let area_ids: Vec<AreaId> = self
            .conn
            .prepare_cached(
                "SELECT area_id FROM record_areas WHERE record_id = ?1 ORDER BY area_id",
            )?
            .query_map([id.to_string()], |r| r.get::<_, String>(0))?
            .map(|r| r.map(AreaId::new))
            .collect::<Result<_, _>>()?;
        Ok(RecordDetail {
            id,
            kind: state.kind,
            title,
            body,
            areas: self.area_refs(&area_ids),
            created_by: state.created_by.clone(),
            created_at: ms_time(state.created.hlc.wall_ms),
            updated_at: ms_time(state.updated.hlc.wall_ms),
            pending_ops: u32::try_from(pending).unwrap_or(u32::MAX),
            sync_state,
            editable: state.kind.editable_on_device(),
            conflicts,
            log: state.log_entries().cloned().collect(),
            history,
        })
    }

    /// This device's changes to a record, oldest first; a record that came from HQ starts with
    /// its creation there.
    fn history(&self, state: &RecordState) -> Result<Vec<HistoryEntry>, StoreError> {
        // An op's text leaves the device once HQ has it: the history reads the outbox row (its
        // time, and what it did in words), and the op's text only for a row from before the
        // words were kept.
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.created_ms, o.what, p.op, o.state, o.reject_reason FROM outbox o
             LEFT JOIN outbox_ops p ON p.device_seq = o.device_seq
             WHERE o.record_id = ?1 AND o.disposed = 0 ORDER BY o.device_seq",
        )?;
        let rows = stmt.query_map([state.id.to_string()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (created_ms, what, op, st, reason) = row?;
            let what = match (what, op) {
                (Some(what), _) => what,
                (None, Some(op)) => {
                    let op: Op = serde_json::from_str(&op)?;
                    crate::records::change_words(&op.action, op.stamp() == state.created)
                }
                (None, None) => "Changed".to_owned(),
            };
            out.push(HistoryEntry {
                at: ms_time(u64::try_from(created_ms).unwrap_or_default()),
                // Every op in this outbox is the device's officer's (see `adopt_officer`).
                by: self.device.officer.clone(),
                what,
                state: match st.as_str() {
                    "acked" => ChangeState::OnHq,
                    "rejected" => ChangeState::Refused,
                    _ => ChangeState::Waiting,
                },
                reason,
            });
        }
        if state.created.device != self.device.device_id {
            out.insert(
                0,
                HistoryEntry {
                    at: ms_time(state.created.hlc.wall_ms),
                    by: state.created_by.clone(),
                    what: "Created on another device".to_owned(),
                    state: ChangeState::OnHq,
                    reason: None,
                },
            );
        }
        Ok(out)
    }

    /// Changes HQ refused, with the title of the record each belongs to.
    pub fn refused_changes(&self) -> Result<Vec<RefusedChange>, StoreError> {
        self.rejected_ops()?
            .into_iter()
            .map(|r| {
                let title: Option<String> = self
                    .conn
                    .query_row(
                        "SELECT title FROM records WHERE id = ?1",
                        [r.record_id.to_string()],
                        |row| row.get(0),
                    )
                    .optional()?;
                Ok(RefusedChange {
                    record_id: r.record_id,
                    title: title.unwrap_or_else(|| "A record no longer on this device".into()),
                    reason: r.reason,
                })
            })
            .collect()
    }

    /// Submit an intelligence report and, on its own restricted record, its source: both in one
    /// transaction, each naming the other.
    pub fn submit_intel(&mut self, s: IntelSubmission) -> Result<IntelSubmitted, StoreError> {
        let now = Utc::now();
        let report_id = RecordId::new();
        let source_id = s.source.as_ref().map(|_| RecordId::new());
        let areas = s
            .location
            .as_ref()
            .map(|l| self.areas_at(l.point()))
            .unwrap_or_default();
        let retention_review = review_after(now.date_naive(), INTEL_RETENTION_MONTHS);
        let report = IntelReport {
            grade: s.grade,
            security: s.security,
            content: s.content,
            checks_made: s.checks_made,
            threat_to_life: s.threat_to_life,
            location: s.location,
            areas,
            source_id,
            review_state: ReviewState::Submitted,
            disseminated_to: Vec::new(),
            legacy_grade: None,
            submitted_at: now,
            retention_review,
        };
        let source = s.source.map(|src| IntelSource {
            report_id,
            source_type: src.source_type,
            name: src.name.filter(|t| !t.trim().is_empty()),
            contact: src.contact.filter(|t| !t.trim().is_empty()),
            relationship: src.relationship.filter(|t| !t.trim().is_empty()),
            notes: src.notes,
            recorded_at: now,
            retention_review,
        });
        // Check both before writing either, so the officer sees every problem at once.
        let mut errs = report.validate_all();
        if let Some(src) = &source {
            if let Err(e) = beatbook_domain::Record::validate(src) {
                errs.nest("source", e);
            }
        }
        if !errs.is_empty() {
            return Err(StoreError::Invalid(errs));
        }
        self.write(|tx, device, _| {
            create_in(tx, device, report_id, &report)?;
            if let (Some(id), Some(src)) = (source_id, &source) {
                create_in(tx, device, id, src)?;
            }
            Ok(())
        })?;
        Ok(IntelSubmitted {
            report_id,
            source_id,
        })
    }

    /// Save a meeting and make a priority record for each priority it agreed, in one transaction.
    /// Dates left out are the domain's defaults; the priorities are kept as long as the meeting.
    ///
    /// Idempotent on the meeting's id (made once per form): a save sent again answers the
    /// meeting already saved under it and its priorities, and writes nothing.
    pub fn add_meeting(&mut self, new: NewMeeting) -> Result<MeetingSaved, StoreError> {
        let meeting_id = new.id.unwrap_or_default();
        if let Some(saved) = self.meeting_saved(meeting_id)? {
            return Ok(saved);
        }
        let meeting = &new.into_meeting();
        let priorities: Vec<(RecordId, Priority)> = meeting
            .agreed_priorities
            .iter()
            .map(|title| {
                (
                    RecordId::new(),
                    Priority {
                        area_id: meeting.area_id.clone(),
                        title: title.clone(),
                        description: String::new(),
                        meeting_id: Some(meeting_id),
                        agreed_on: meeting.held_on,
                        last_reviewed_on: None,
                        status: PriorityStatus::Active,
                        sara: SaraPlan::default(),
                        retention_review: meeting.retention_review,
                    },
                )
            })
            .collect();
        self.write(|tx, device, _| {
            create_in(tx, device, meeting_id, meeting)?;
            for (id, p) in &priorities {
                create_in(tx, device, *id, p)?;
            }
            Ok(())
        })?;
        Ok(MeetingSaved {
            meeting_id,
            priority_ids: priorities.into_iter().map(|(id, _)| id).collect(),
        })
    }

    /// The meeting saved under `id` and the priorities it made, if it is on this device; an id
    /// taken by another kind of record is refused.
    fn meeting_saved(&self, id: RecordId) -> Result<Option<MeetingSaved>, StoreError> {
        let Some(state) = crate::records::load_state(&self.conn, id)? else {
            return Ok(None);
        };
        if state.kind != RecordKind::Meeting {
            return Err(StoreError::AlreadyExists(id));
        }
        // In the order the meeting agreed them, as when it was first saved.
        let meeting = self.get::<Meeting>(id)?.record;
        let agreed = meeting.agreed_priorities;
        let mut made = Vec::new();
        for row in self.list(&ListFilter {
            kind: Some(RecordKind::Priority),
            area: Some(meeting.area_id),
            limit: Some(u32::MAX),
            ..ListFilter::default()
        })? {
            let p = self.get::<Priority>(row.id)?.record;
            if p.meeting_id == Some(id) {
                let at = agreed.iter().position(|t| *t == p.title);
                made.push((at, row.id));
            }
        }
        made.sort();
        Ok(Some(MeetingSaved {
            meeting_id: id,
            priority_ids: made.into_iter().map(|(_, id)| id).collect(),
        }))
    }

    fn priority_card(
        &self,
        row: &RecordSummary,
        today: NaiveDate,
    ) -> Result<PriorityCard, StoreError> {
        let stored = self.get::<Priority>(row.id)?;
        let updates = stored
            .log
            .iter()
            .filter_map(|e| e.entry.parse::<YouSaidWeDid>().ok())
            .collect();
        Ok(PriorityCard {
            id: row.id,
            review_due: stored.record.review_due(),
            overdue: stored.record.is_review_overdue(today),
            priority: stored.record,
            updates,
            pending_ops: row.pending_ops,
        })
    }

    /// Priorities, overdue reviews first, then by when the review is due. `area` narrows to one area.
    pub fn priority_board(
        &self,
        area: Option<AreaId>,
        today: NaiveDate,
    ) -> Result<Vec<PriorityCard>, StoreError> {
        let rows = self.list(&ListFilter {
            kind: Some(RecordKind::Priority),
            area,
            limit: Some(BRIEFING_LIMIT),
            ..ListFilter::default()
        })?;
        let mut cards = rows
            .iter()
            .map(|r| self.priority_card(r, today))
            .collect::<Result<Vec<_>, _>>()?;
        cards.sort_by_key(|c| {
            (
                !c.overdue,
                c.priority.status != PriorityStatus::Active,
                c.review_due,
            )
        });
        Ok(cards)
    }

    /// The shift briefing: open concerns and active priorities in `team_areas` (every area this
    /// device holds records for when empty), the areas with the most open concerns, and the open
    /// improvement actions of the signed-in officer's teams ([`Store::team_actions`]).
    pub fn briefing(
        &self,
        team_areas: &[AreaId],
        today: NaiveDate,
    ) -> Result<Briefing, StoreError> {
        let wanted: BTreeSet<&AreaId> = team_areas.iter().collect();
        let in_scope =
            |r: &RecordSummary| wanted.is_empty() || r.areas.iter().any(|a| wanted.contains(a));
        let mut concerns = Vec::new();
        for status in ["open", "in_progress"] {
            concerns.extend(
                self.list(&ListFilter {
                    kind: Some(RecordKind::Concern),
                    status: Some(status.into()),
                    limit: Some(BRIEFING_LIMIT),
                    ..ListFilter::default()
                })?
                .into_iter()
                .filter(|r| in_scope(r)),
            );
        }
        concerns.sort_by_key(|c| std::cmp::Reverse(c.occurred_at));
        let mut priorities = Vec::new();
        for row in self.list(&ListFilter {
            kind: Some(RecordKind::Priority),
            status: Some("active".into()),
            limit: Some(BRIEFING_LIMIT),
            ..ListFilter::default()
        })? {
            if in_scope(&row) {
                priorities.push(self.priority_card(&row, today)?);
            }
        }
        priorities.sort_by_key(|c| (!c.overdue, c.review_due));
        let mut counts: BTreeMap<AreaId, u32> = BTreeMap::new();
        for c in &concerns {
            for a in &c.areas {
                if wanted.is_empty() || wanted.contains(a) {
                    *counts.entry(a.clone()).or_default() += 1;
                }
            }
        }
        let mut hotspots: Vec<(AreaId, u32)> = counts.into_iter().collect();
        hotspots.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let hotspot_ids: Vec<AreaId> = hotspots.iter().take(5).map(|h| h.0.clone()).collect();
        let hotspots = self
            .area_refs(&hotspot_ids)
            .into_iter()
            .zip(hotspots)
            .map(|(area, (_, n))| Hotspot {
                area,
                open_concerns: n,
            })
            .collect();
        let area_ids: Vec<AreaId> = if team_areas.is_empty() {
            self.areas.iter().map(|a| a.id.clone()).collect()
        } else {
            team_areas.to_vec()
        };
        Ok(Briefing {
            areas: self.area_refs(&area_ids),
            concerns,
            priorities,
            actions: self.team_actions(today)?,
            hotspots,
            generated_at: Utc::now(),
        })
    }
}

/// Every problem with a new report: its own checks and the device-only ones together.
trait ValidateAll {
    fn validate_all(&self) -> beatbook_domain::ValidationErrors;
}

impl ValidateAll for IntelReport {
    fn validate_all(&self) -> beatbook_domain::ValidationErrors {
        use beatbook_domain::Record;
        let mut errs = beatbook_domain::ValidationErrors::new();
        if let Err(e) = self.validate() {
            errs.errors.extend(e.errors);
        }
        if let Err(e) = self.validate_new_on_device() {
            errs.errors.extend(e.errors);
        }
        errs
    }
}
