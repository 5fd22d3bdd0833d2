//! Ward panels and community meetings, and the priorities they agree, worked with SARA.
//!
//! Residents vote for the issues raised at a ward panel; the issues with the most votes (the top
//! [`PROPOSED_PRIORITIES`]) are proposed as its priorities, and the officer confirms or changes
//! them before saving ([`propose_priorities`]).

use crate::record::{check_retention, review_after, Record, RecordKind};
use crate::validation::ValidationErrors;
use crate::{AreaId, RecordId};
use chrono::{DateTime, Months, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MeetingType {
    WardPanel,
    CommunityMeeting,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AttendeeRole {
    Resident,
    Councillor,
    Business,
    Partner,
    Police,
    Other,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AttendanceCount {
    pub role: AttendeeRole,
    pub count: u32,
}

/// Residents' votes for one of the issues raised (`title` is the issue, as raised).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct PriorityVote {
    pub title: String,
    pub votes: u32,
}

/// How many of the issues with the most votes are proposed as a meeting's priorities: ward
/// panels usually agree three.
pub const PROPOSED_PRIORITIES: usize = 3;

/// The priorities to propose from residents' votes: the issues raised that got at least one
/// vote, most votes first (a tie keeps the order they were raised in), at most
/// [`PROPOSED_PRIORITIES`]. The officer confirms them; nothing is agreed by this alone.
pub fn propose_priorities(issues_raised: &[String], votes: &[PriorityVote]) -> Vec<String> {
    let mut voted: Vec<(u32, usize, &String)> = issues_raised
        .iter()
        .enumerate()
        .map(|(i, issue)| (votes_for(votes, issue), i, issue))
        .filter(|(n, _, _)| *n > 0)
        .collect();
    voted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    voted
        .into_iter()
        .take(PROPOSED_PRIORITIES)
        .map(|(_, _, issue)| issue.clone())
        .collect()
}

/// The votes counted for `issue` (none when it was not voted on).
pub fn votes_for(votes: &[PriorityVote], issue: &str) -> u32 {
    votes
        .iter()
        .filter(|v| same_issue(&v.title, issue))
        .map(|v| v.votes)
        .sum()
}

fn same_issue(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Meeting {
    pub meeting_type: MeetingType,
    pub area_id: AreaId,
    pub held_on: NaiveDate,
    pub venue: Option<String>,
    /// Attendance by role, where it was counted that way.
    pub attendance: Vec<AttendanceCount>,
    /// A head count, where only that was taken (or to include people not counted by role).
    pub total_attendance: Option<u32>,
    pub issues_raised: Vec<String>,
    pub votes: Vec<PriorityVote>,
    /// The priorities agreed, usually three; each becomes a Priority record.
    pub agreed_priorities: Vec<String>,
    pub review_date: NaiveDate,
    pub notes: String,
    pub retention_review: NaiveDate,
}

/// A priority not reviewed within this many months is overdue.
pub const PRIORITY_REVIEW_MONTHS: u32 = 3;
/// Default retention review for meetings and priorities.
pub const MEETING_RETENTION_MONTHS: u32 = 24;

/// When the next review falls due after a review (or agreement, or meeting) on `on`: three
/// months later. A priority's review is overdue the day after.
pub fn review_due(on: NaiveDate) -> NaiveDate {
    review_after(on, PRIORITY_REVIEW_MONTHS)
}

/// Whether a priority last reviewed (or agreed) on `last_reviewed` is overdue for review on
/// `day`: its last review is more than three months before it.
///
/// Counted back from `day`, where [`review_due`] counts forward from the review: the two agree
/// except when a month is too short for the day. Last reviewed on 28 February, on 31 May: due
/// on 28 May by [`review_due`], but not overdue here (31 May less three months is 28 February).
pub fn review_overdue_on(last_reviewed: NaiveDate, day: NaiveDate) -> bool {
    let earliest_in_time = day
        .checked_sub_months(Months::new(PRIORITY_REVIEW_MONTHS))
        .unwrap_or(NaiveDate::MIN);
    last_reviewed < earliest_in_time
}

fn midday(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default())
        .and_utc()
}

impl Record for Meeting {
    const KIND: RecordKind = RecordKind::Meeting;
    const NARRATIVE: &'static [&'static str] = &["notes"];

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        errs.require_text("area_id", self.area_id.as_str(), "The area");
        if let Some(v) = &self.venue {
            errs.max_len("venue", v, 200);
        }
        if self.attendance.is_empty() && self.total_attendance.is_none() {
            errs.add(
                "attendance",
                "required",
                "record attendance by role or as a head count",
            );
        }
        let by_role: u32 = self.attendance.iter().map(|a| a.count).sum();
        if let Some(total) = self.total_attendance {
            if total < by_role {
                errs.add(
                    "total_attendance",
                    "less_than_roles",
                    format!("the head count ({total}) is less than the count by role ({by_role})"),
                );
            }
        }
        for (i, issue) in self.issues_raised.iter().enumerate() {
            errs.require_text(&format!("issues_raised[{i}]"), issue, "An issue");
            errs.max_len(&format!("issues_raised[{i}]"), issue, 500);
        }
        for (i, v) in self.votes.iter().enumerate() {
            let field = format!("votes[{i}].title");
            errs.require_text(&field, &v.title, "The issue voted for");
            errs.max_len(&field, &v.title, 500);
            if v.title.trim().is_empty() {
                continue;
            }
            if !self.issues_raised.iter().any(|x| same_issue(x, &v.title)) {
                errs.add(
                    &field,
                    "not_raised",
                    "votes are for an issue raised: add it to the issues raised",
                );
            } else if self.votes[..i]
                .iter()
                .any(|w| same_issue(&w.title, &v.title))
            {
                errs.add(&field, "duplicate", "this issue's votes are counted once");
            }
        }
        if self.agreed_priorities.len() > 10 {
            errs.add(
                "agreed_priorities",
                "too_many",
                "agree at most 10 priorities",
            );
        }
        for (i, p) in self.agreed_priorities.iter().enumerate() {
            errs.require_text(&format!("agreed_priorities[{i}]"), p, "A priority");
            errs.max_len(&format!("agreed_priorities[{i}]"), p, 200);
        }
        if self.review_date <= self.held_on {
            errs.add(
                "review_date",
                "not_after_meeting",
                "the review date must be after the meeting",
            );
        }
        errs.max_len("notes", &self.notes, 20_000);
        check_retention(&mut errs, self.retention_review, self.held_on);
        errs.into_result()
    }

    fn search_text(&self) -> String {
        let mut parts = vec![self.notes.clone()];
        parts.extend(self.venue.clone());
        parts.extend(self.issues_raised.iter().cloned());
        parts.extend(self.agreed_priorities.iter().cloned());
        parts.join(" ")
    }

    fn areas(&self) -> Vec<AreaId> {
        vec![self.area_id.clone()]
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        midday(self.held_on)
    }

    fn title(&self) -> String {
        let kind = match self.meeting_type {
            MeetingType::WardPanel => "Ward panel",
            MeetingType::CommunityMeeting => "Community meeting",
        };
        // A title is read by people: the date as they write it ("Ward panel, 7 Dec 2026").
        format!("{kind}, {}", self.held_on.format("%-d %b %Y"))
    }

    fn retention_review(&self) -> NaiveDate {
        self.retention_review
    }
}

impl Meeting {
    /// The priorities residents' votes propose ([`propose_priorities`]).
    pub fn proposed_priorities(&self) -> Vec<String> {
        propose_priorities(&self.issues_raised, &self.votes)
    }
}

/// A meeting as the form gives it: the review date and the retention review date may be left
/// out, and are worked out from the day it was held.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct NewMeeting {
    /// The record id, made once per form, so that a save sent twice makes one meeting: the
    /// store answers the meeting already saved under it. A new one when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<RecordId>,
    pub meeting_type: MeetingType,
    pub area_id: AreaId,
    pub held_on: NaiveDate,
    pub venue: Option<String>,
    pub attendance: Vec<AttendanceCount>,
    pub total_attendance: Option<u32>,
    pub issues_raised: Vec<String>,
    pub votes: Vec<PriorityVote>,
    pub agreed_priorities: Vec<String>,
    /// When left out: the day the review of the priorities it agreed falls due ([`review_due`]).
    #[serde(default)]
    pub review_date: Option<NaiveDate>,
    pub notes: String,
    /// When left out: [`MEETING_RETENTION_MONTHS`] after the meeting.
    #[serde(default)]
    #[ts(optional)]
    pub retention_review: Option<NaiveDate>,
}

impl NewMeeting {
    /// The meeting, with its dates filled in. An issue voted for but not listed as raised was
    /// raised: it is added to the issues raised. Validate the result before saving.
    pub fn into_meeting(self) -> Meeting {
        let mut issues_raised = self.issues_raised;
        for v in &self.votes {
            if !v.title.trim().is_empty() && !issues_raised.iter().any(|x| same_issue(x, &v.title))
            {
                issues_raised.push(v.title.trim().to_owned());
            }
        }
        Meeting {
            review_date: self.review_date.unwrap_or_else(|| review_due(self.held_on)),
            retention_review: self
                .retention_review
                .unwrap_or_else(|| review_after(self.held_on, MEETING_RETENTION_MONTHS)),
            meeting_type: self.meeting_type,
            area_id: self.area_id,
            held_on: self.held_on,
            venue: self.venue,
            attendance: self.attendance,
            total_attendance: self.total_attendance,
            issues_raised,
            votes: self.votes,
            agreed_priorities: self.agreed_priorities,
            notes: self.notes,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PriorityStatus {
    Active,
    Achieved,
    Closed,
}

/// A response action in a SARA plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ResponseAction {
    pub action: String,
    /// Who owns it: an officer, or a partner ("Council ASB team").
    pub owner: String,
    pub due_on: NaiveDate,
    pub done: bool,
}

/// Problem solving: Scanning, Analysis, Response, Assessment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SaraPlan {
    /// Scanning: the evidence that there is a problem.
    pub scanning: String,
    pub analysis: String,
    pub responses: Vec<ResponseAction>,
    pub assessment: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Priority {
    pub area_id: AreaId,
    pub title: String,
    pub description: String,
    /// The meeting that agreed it.
    pub meeting_id: Option<RecordId>,
    pub agreed_on: NaiveDate,
    pub last_reviewed_on: Option<NaiveDate>,
    pub status: PriorityStatus,
    #[serde(flatten)]
    pub sara: SaraPlan,
    pub retention_review: NaiveDate,
}

/// A "You said, we did" update: appended to a priority, never edited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct YouSaidWeDid {
    pub you_said: String,
    pub we_did: String,
    pub on: NaiveDate,
}

impl YouSaidWeDid {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        errs.require_text("you_said", &self.you_said, "What residents said");
        errs.require_text("we_did", &self.we_did, "What was done");
        errs.max_len("you_said", &self.you_said, 2_000);
        errs.max_len("we_did", &self.we_did, 2_000);
        errs.into_result()
    }
}

impl Priority {
    /// When the next review is due: three months after the last review (or agreement).
    pub fn review_due(&self) -> NaiveDate {
        review_due(self.last_reviewed_on.unwrap_or(self.agreed_on))
    }

    pub fn is_review_overdue(&self, today: NaiveDate) -> bool {
        self.status == PriorityStatus::Active && today > self.review_due()
    }
}

impl Record for Priority {
    const KIND: RecordKind = RecordKind::Priority;
    const NARRATIVE: &'static [&'static str] =
        &["description", "scanning", "analysis", "assessment"];

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        errs.require_text("area_id", self.area_id.as_str(), "The area");
        errs.require_text("title", &self.title, "A title");
        errs.max_len("title", &self.title, 200);
        for (field, text) in [
            ("description", &self.description),
            ("scanning", &self.sara.scanning),
            ("analysis", &self.sara.analysis),
            ("assessment", &self.sara.assessment),
        ] {
            errs.max_len(field, text, 20_000);
        }
        for (i, r) in self.sara.responses.iter().enumerate() {
            errs.require_text(&format!("responses[{i}].action"), &r.action, "An action");
            errs.require_text(&format!("responses[{i}].owner"), &r.owner, "An owner");
            errs.max_len(&format!("responses[{i}].action"), &r.action, 2_000);
            errs.max_len(&format!("responses[{i}].owner"), &r.owner, 200);
        }
        if let Some(r) = self.last_reviewed_on {
            if r < self.agreed_on {
                errs.add(
                    "last_reviewed_on",
                    "before_agreed",
                    "a review cannot be before the priority was agreed",
                );
            }
        }
        check_retention(&mut errs, self.retention_review, self.agreed_on);
        errs.into_result()
    }

    fn search_text(&self) -> String {
        let mut parts = vec![
            self.title.clone(),
            self.description.clone(),
            self.sara.scanning.clone(),
            self.sara.analysis.clone(),
            self.sara.assessment.clone(),
        ];
        parts.extend(
            self.sara
                .responses
                .iter()
                .map(|r| format!("{} {}", r.action, r.owner)),
        );
        parts.join(" ")
    }

    fn areas(&self) -> Vec<AreaId> {
        vec![self.area_id.clone()]
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        midday(self.agreed_on)
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn status(&self) -> Option<String> {
        Some(
            match self.status {
                PriorityStatus::Active => "active",
                PriorityStatus::Achieved => "achieved",
                PriorityStatus::Closed => "closed",
            }
            .to_owned(),
        )
    }

    fn retention_review(&self) -> NaiveDate {
        self.retention_review
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn priority() -> Priority {
        Priority {
            area_id: AreaId::new("E05013655"),
            title: "Street drinking on the High Street".into(),
            description: String::new(),
            meeting_id: None,
            agreed_on: d("2026-06-10"),
            last_reviewed_on: None,
            status: PriorityStatus::Active,
            sara: SaraPlan::default(),
            retention_review: d("2028-06-10"),
        }
    }

    #[test]
    fn a_priority_not_reviewed_in_three_months_is_overdue() {
        let mut p = priority();
        assert_eq!(p.review_due(), d("2026-09-10"));
        assert!(!p.is_review_overdue(d("2026-09-10")));
        assert!(p.is_review_overdue(d("2026-09-11")));
        p.last_reviewed_on = Some(d("2026-09-01"));
        assert!(!p.is_review_overdue(d("2026-11-30")));
        p.status = PriorityStatus::Achieved;
        assert!(!p.is_review_overdue(d("2027-11-30")));
    }

    #[test]
    fn a_review_older_than_three_months_before_the_day_is_overdue() {
        assert!(!review_overdue_on(d("2026-06-10"), d("2026-09-10")));
        assert!(review_overdue_on(d("2026-06-09"), d("2026-09-10")));
        // Counted back from a day the month before has no match for: the last day of that month.
        assert!(!review_overdue_on(d("2026-02-28"), d("2026-05-31")));
        assert!(review_overdue_on(d("2026-02-27"), d("2026-05-31")));
        assert_eq!(review_due(d("2026-02-28")), d("2026-05-28"));
    }

    #[test]
    fn a_new_meeting_is_due_for_review_in_three_months_and_kept_for_two_years() {
        let new: NewMeeting = serde_json::from_value(serde_json::json!({
            "meeting_type": "ward_panel", "area_id": "E05013655", "held_on": "2026-11-30",
            "venue": null, "attendance": [{"role": "resident", "count": 12}],
            "total_attendance": null, "issues_raised": [], "votes": [],
            "agreed_priorities": ["Street drinking"], "review_date": null, "notes": "",
        }))
        .unwrap();
        let m = new.clone().into_meeting();
        assert_eq!(m.review_date, d("2027-02-28"));
        assert_eq!(m.retention_review, d("2028-11-30"));
        m.validate().unwrap();
        let chosen = NewMeeting {
            review_date: Some(d("2027-01-15")),
            retention_review: Some(d("2029-01-01")),
            ..new
        }
        .into_meeting();
        assert_eq!(
            (chosen.review_date, chosen.retention_review),
            (d("2027-01-15"), d("2029-01-01"))
        );
    }

    #[test]
    fn sara_fields_sit_at_the_top_level_so_each_merges_on_its_own() {
        let v = serde_json::to_value(priority()).unwrap();
        assert!(
            v.get("scanning").is_some() && v.get("sara").is_none(),
            "{v}"
        );
    }

    #[test]
    fn a_meeting_needs_attendance_and_a_later_review_date() {
        let m = Meeting {
            meeting_type: MeetingType::WardPanel,
            area_id: AreaId::new("E05013655"),
            held_on: d("2026-10-01"),
            venue: Some("Camden Town Library".into()),
            attendance: vec![],
            total_attendance: None,
            issues_raised: vec!["Noise from late venues".into()],
            votes: vec![],
            agreed_priorities: vec![],
            review_date: d("2026-10-01"),
            notes: String::new(),
            retention_review: d("2028-10-01"),
        };
        let errs = m.validate().unwrap_err();
        assert!(errs.has("attendance") && errs.has("review_date"), "{errs}");
        let ok = Meeting {
            attendance: vec![AttendanceCount {
                role: AttendeeRole::Resident,
                count: 14,
            }],
            total_attendance: Some(17),
            review_date: d("2027-01-01"),
            ..m
        };
        ok.validate().unwrap();
        assert_eq!(
            ok.title(),
            "Ward panel, 1 Oct 2026",
            "a title writes its date for people"
        );
    }

    fn vote(title: &str, votes: u32) -> PriorityVote {
        PriorityVote {
            title: title.into(),
            votes,
        }
    }

    fn issues(titles: &[&str]) -> Vec<String> {
        titles.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn the_three_issues_with_most_votes_are_proposed_ties_in_the_order_raised() {
        let raised = issues(&[
            "Noise",
            "Cycle theft",
            "Street drinking",
            "Litter",
            "Parking",
        ]);
        let votes = [
            vote("Noise", 4),
            vote("Street drinking", 9),
            vote("Litter", 4),
            vote("Parking", 1),
            vote("Cycle theft", 0),
        ];
        assert_eq!(PROPOSED_PRIORITIES, 3);
        assert_eq!(
            propose_priorities(&raised, &votes),
            issues(&["Street drinking", "Noise", "Litter"])
        );
        // Issues nobody voted for are never proposed; fewer than three voted, fewer proposed.
        assert_eq!(
            propose_priorities(&raised, &[vote("Parking", 2)]),
            issues(&["Parking"])
        );
        assert!(propose_priorities(&raised, &[]).is_empty());
        assert_eq!(votes_for(&votes, " Street drinking "), 9);
    }

    fn new_meeting(raised: &[&str], votes: Vec<PriorityVote>) -> NewMeeting {
        NewMeeting {
            id: None,
            meeting_type: MeetingType::WardPanel,
            area_id: AreaId::new("E05013655"),
            held_on: d("2026-10-01"),
            venue: None,
            attendance: vec![],
            total_attendance: Some(20),
            issues_raised: issues(raised),
            votes,
            agreed_priorities: vec![],
            review_date: None,
            notes: String::new(),
            retention_review: None,
        }
    }

    #[test]
    fn votes_are_for_the_issues_raised_once_each() {
        // From a form: an issue voted for but not listed was raised, and is added.
        let m = new_meeting(&["Noise"], vec![vote("Noise", 3), vote("Litter", 5)]).into_meeting();
        assert_eq!(m.issues_raised, issues(&["Noise", "Litter"]));
        m.validate().unwrap();
        assert_eq!(m.proposed_priorities(), issues(&["Litter", "Noise"]));
        // An edited meeting must keep them together, and count an issue's votes once.
        let stray = Meeting {
            votes: vec![vote("Noise", 3), vote("Parking", 2), vote("Noise", 1)],
            ..m
        };
        let errs = stray.validate().unwrap_err();
        assert!(
            errs.has("votes[1].title") && errs.has("votes[2].title") && !errs.has("votes[0].title"),
            "{errs}"
        );
    }

    #[test]
    fn a_new_meeting_keeps_the_id_its_form_made() {
        let id = RecordId::new();
        let v = serde_json::to_value(NewMeeting {
            id: Some(id),
            ..new_meeting(&[], vec![])
        })
        .unwrap();
        let back: NewMeeting = serde_json::from_value(v).unwrap();
        assert_eq!(back.id, Some(id));
    }
}
