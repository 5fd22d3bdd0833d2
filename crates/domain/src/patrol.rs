//! Hotspot patrols and community engagement.

use crate::area::Location;
use crate::record::{check_retention, review_after, Record, RecordKind};
use crate::validation::ValidationErrors;
use crate::AreaId;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct PatrolLog {
    pub area_id: AreaId,
    /// The hotspot patrolled, where it was one ("Kingsland High St, north end").
    pub hotspot: Option<String>,
    pub started_at: DateTime<Utc>,
    /// Empty while the patrol is under way.
    pub ended_at: Option<DateTime<Utc>>,
    pub notes: String,
    pub retention_review: NaiveDate,
}

/// Longest believable patrol; anything longer is a forgotten stop.
pub const MAX_PATROL_HOURS: i64 = 16;
/// Default retention review for a patrol log: two years after it started.
pub const PATROL_RETENTION_MONTHS: u32 = 24;
/// Default retention review for an engagement: two years after it was held.
pub const ENGAGEMENT_RETENTION_MONTHS: u32 = 24;

/// A patrol log as the app starts it: the retention review date may be left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct NewPatrolLog {
    pub area_id: AreaId,
    pub hotspot: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub notes: String,
    /// When left out: [`PATROL_RETENTION_MONTHS`] after the day it started.
    #[serde(default)]
    #[ts(optional)]
    pub retention_review: Option<NaiveDate>,
}

impl NewPatrolLog {
    /// The patrol log, with its retention review date filled in. Validate it before saving.
    pub fn into_patrol_log(self) -> PatrolLog {
        PatrolLog {
            retention_review: self.retention_review.unwrap_or_else(|| {
                review_after(self.started_at.date_naive(), PATROL_RETENTION_MONTHS)
            }),
            area_id: self.area_id,
            hotspot: self.hotspot,
            started_at: self.started_at,
            ended_at: self.ended_at,
            notes: self.notes,
        }
    }
}

/// Why a patrol with no place is refused: it would count for no team.
pub const NO_PLACE: &str = "a patrol needs the hotspot or area patrolled: choose one from the list";

impl PatrolLog {
    /// Patrolled a hotspot or an area: what makes a patrol count towards a team's patrol hours.
    /// Every valid patrol is (see [`NO_PLACE`]).
    pub fn placed(&self) -> bool {
        self.hotspot
            .as_deref()
            .is_some_and(|h| !h.trim().is_empty())
            || !self.area_id.as_str().trim().is_empty()
    }

    /// Time spent in the area; `None` while the patrol is under way.
    pub fn time_in_area(&self) -> Option<Duration> {
        self.ended_at.map(|end| end - self.started_at)
    }
}

impl Record for PatrolLog {
    const KIND: RecordKind = RecordKind::PatrolLog;
    const NARRATIVE: &'static [&'static str] = &["notes"];

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        if self.area_id.as_str().trim().is_empty() {
            errs.add("area_id", "no_place", NO_PLACE);
        }
        if let Some(h) = &self.hotspot {
            errs.max_len("hotspot", h, 200);
        }
        if let Some(end) = self.ended_at {
            if end < self.started_at {
                errs.add(
                    "ended_at",
                    "before_start",
                    "a patrol cannot end before it starts",
                );
            } else if end - self.started_at > Duration::hours(MAX_PATROL_HOURS) {
                errs.add(
                    "ended_at",
                    "too_long",
                    format!("a patrol cannot last more than {MAX_PATROL_HOURS} hours"),
                );
            }
        }
        errs.max_len("notes", &self.notes, 10_000);
        check_retention(
            &mut errs,
            self.retention_review,
            self.started_at.date_naive(),
        );
        errs.into_result()
    }

    fn search_text(&self) -> String {
        format!(
            "{} {}",
            self.hotspot.clone().unwrap_or_default(),
            self.notes
        )
    }

    fn areas(&self) -> Vec<AreaId> {
        vec![self.area_id.clone()]
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    fn title(&self) -> String {
        match &self.hotspot {
            Some(h) => format!("Hotspot patrol: {h}"),
            None => "Patrol".to_owned(),
        }
    }

    fn status(&self) -> Option<String> {
        Some(
            if self.ended_at.is_some() {
                "ended"
            } else {
                "under_way"
            }
            .to_owned(),
        )
    }

    fn retention_review(&self) -> NaiveDate {
        self.retention_review
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EngagementType {
    StreetBriefing,
    Surgery,
    Event,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Engagement {
    pub engagement_type: EngagementType,
    pub area_id: AreaId,
    pub held_at: DateTime<Utc>,
    pub location: Option<Location>,
    pub attendees: u32,
    pub notes: String,
    pub retention_review: NaiveDate,
}

/// An engagement as the form gives it: the retention review date may be left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct NewEngagement {
    pub engagement_type: EngagementType,
    pub area_id: AreaId,
    pub held_at: DateTime<Utc>,
    pub location: Option<Location>,
    pub attendees: u32,
    pub notes: String,
    /// When left out: [`ENGAGEMENT_RETENTION_MONTHS`] after the day it was held.
    #[serde(default)]
    #[ts(optional)]
    pub retention_review: Option<NaiveDate>,
}

impl NewEngagement {
    /// The engagement, with its retention review date filled in. Validate it before saving.
    pub fn into_engagement(self) -> Engagement {
        Engagement {
            retention_review: self.retention_review.unwrap_or_else(|| {
                review_after(self.held_at.date_naive(), ENGAGEMENT_RETENTION_MONTHS)
            }),
            engagement_type: self.engagement_type,
            area_id: self.area_id,
            held_at: self.held_at,
            location: self.location,
            attendees: self.attendees,
            notes: self.notes,
        }
    }
}

impl Record for Engagement {
    const KIND: RecordKind = RecordKind::Engagement;
    const NARRATIVE: &'static [&'static str] = &["notes"];

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        errs.require_text("area_id", self.area_id.as_str(), "The area");
        if let Some(l) = &self.location {
            errs.nest("location", l.validate());
        }
        errs.max_len("notes", &self.notes, 10_000);
        check_retention(&mut errs, self.retention_review, self.held_at.date_naive());
        errs.into_result()
    }

    fn search_text(&self) -> String {
        let place = self.location.as_ref().and_then(|l| l.place.clone());
        format!("{} {}", place.unwrap_or_default(), self.notes)
    }

    fn areas(&self) -> Vec<AreaId> {
        vec![self.area_id.clone()]
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        self.held_at
    }

    fn title(&self) -> String {
        let kind = match self.engagement_type {
            EngagementType::StreetBriefing => "Street briefing",
            EngagementType::Surgery => "Surgery",
            EngagementType::Event => "Engagement event",
        };
        format!("{kind}, {} attending", self.attendees)
    }

    fn retention_review(&self) -> NaiveDate {
        self.retention_review
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_in_area_and_its_limits() {
        let start: DateTime<Utc> = "2026-11-20T20:00:00Z".parse().unwrap();
        let mut p = PatrolLog {
            area_id: AreaId::new("tc-camden-town"),
            hotspot: Some("Camden High St by the station".into()),
            started_at: start,
            ended_at: None,
            notes: String::new(),
            retention_review: "2028-11-20".parse().unwrap(),
        };
        assert_eq!(p.time_in_area(), None);
        p.ended_at = Some(start + Duration::minutes(95));
        assert_eq!(p.time_in_area(), Some(Duration::minutes(95)));
        p.validate().unwrap();
        p.ended_at = Some(start - Duration::minutes(1));
        assert_eq!(p.validate().unwrap_err().errors[0].code, "before_start");
        p.ended_at = Some(start + Duration::hours(17));
        assert_eq!(p.validate().unwrap_err().errors[0].code, "too_long");
    }

    #[test]
    fn a_patrol_needs_a_hotspot_or_an_area() {
        let start: DateTime<Utc> = "2026-11-20T20:00:00Z".parse().unwrap();
        let mut p = PatrolLog {
            area_id: AreaId::new(""),
            hotspot: None,
            started_at: start,
            ended_at: None,
            notes: String::new(),
            retention_review: "2028-11-20".parse().unwrap(),
        };
        assert!(!p.placed());
        let err = p.validate().unwrap_err();
        assert_eq!(
            (err.errors[0].field.as_str(), err.errors[0].code.as_str()),
            ("area_id", "no_place")
        );
        assert!(
            err.to_string().contains("choose one from the list"),
            "{err}"
        );
        p.area_id = AreaId::new("tc-camden-town");
        assert!(p.placed(), "an area without a hotspot is a place");
        p.validate().unwrap();
    }

    #[test]
    fn new_patrols_and_engagements_are_kept_for_two_years_from_their_day() {
        let p: NewPatrolLog = serde_json::from_value(serde_json::json!({
            "area_id": "tc-camden-town", "hotspot": null,
            "started_at": "2026-11-20T23:30:00Z", "ended_at": null, "notes": "",
        }))
        .unwrap();
        let p = p.into_patrol_log();
        assert_eq!(p.retention_review, "2028-11-20".parse().unwrap());
        p.validate().unwrap();
        let e: NewEngagement = serde_json::from_value(serde_json::json!({
            "engagement_type": "surgery", "area_id": "E05013655",
            "held_at": "2026-11-21T10:00:00Z", "location": null, "attendees": 8, "notes": "",
            "retention_review": "2029-01-01",
        }))
        .unwrap();
        assert_eq!(
            e.clone().into_engagement().retention_review,
            "2029-01-01".parse().unwrap()
        );
        let e = NewEngagement {
            retention_review: None,
            ..e
        }
        .into_engagement();
        assert_eq!(e.retention_review, "2028-11-21".parse().unwrap());
        e.validate().unwrap();
    }
}
