//! Intelligence reports, graded 3x5x2, with source details held as a separate restricted record.

use crate::area::Location;
use crate::record::{check_retention, Record, RecordKind};
use crate::validation::ValidationErrors;
use crate::{AreaId, RecordId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// 3x5x2 source evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub enum SourceEvaluation {
    /// 1: Reliable.
    #[serde(rename = "1")]
    Reliable,
    /// 2: Untested.
    #[serde(rename = "2")]
    Untested,
    /// 3: Not reliable.
    #[serde(rename = "3")]
    NotReliable,
}

impl SourceEvaluation {
    pub fn code(self) -> char {
        match self {
            SourceEvaluation::Reliable => '1',
            SourceEvaluation::Untested => '2',
            SourceEvaluation::NotReliable => '3',
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            SourceEvaluation::Reliable => "Reliable",
            SourceEvaluation::Untested => "Untested",
            SourceEvaluation::NotReliable => "Not reliable",
        }
    }
}

/// 3x5x2 intelligence assessment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub enum IntelAssessment {
    /// Known directly to the source.
    A,
    /// Known indirectly to the source but corroborated.
    B,
    /// Known indirectly to the source.
    C,
    /// Not known.
    D,
    /// Suspected to be false.
    E,
}

impl IntelAssessment {
    pub fn meaning(self) -> &'static str {
        match self {
            IntelAssessment::A => "Known directly",
            IntelAssessment::B => "Known indirectly, corroborated",
            IntelAssessment::C => "Known indirectly",
            IntelAssessment::D => "Not known",
            IntelAssessment::E => "Suspected false",
        }
    }
}

/// Conditions attached to handling code C. Never empty: the type cannot hold blank text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct HandlingConditions(String);

impl HandlingConditions {
    pub fn new(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        if text.trim().is_empty() {
            Err("handling code C needs the conditions written down".to_owned())
        } else if text.chars().count() > 2_000 {
            Err("handling conditions must be at most 2000 characters".to_owned())
        } else {
            Ok(Self(text))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HandlingConditions {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::new(s)
    }
}

impl From<HandlingConditions> for String {
    fn from(c: HandlingConditions) -> String {
        c.0
    }
}

/// 3x5x2 handling code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "code")]
pub enum HandlingCode {
    /// Lawful sharing permitted.
    P,
    /// Lawful sharing permitted with conditions.
    C { conditions: HandlingConditions },
}

/// A full 3x5x2 grade, e.g. `2B C`. Every value of this type is a valid grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Grade {
    pub source: SourceEvaluation,
    pub intelligence: IntelAssessment,
    pub handling: HandlingCode,
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = match self.handling {
            HandlingCode::P => 'P',
            HandlingCode::C { .. } => 'C',
        };
        write!(f, "{}{:?} {h}", self.source.code(), self.intelligence)
    }
}

/// A grade under the older 5x5x5 system, e.g. `B2 4`. Read only: historic reports carry it,
/// nothing new is graded with it. Written and read as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct Legacy5x5x5 {
    source: char,
    intelligence: u8,
    handling: u8,
}

impl Legacy5x5x5 {
    pub fn parse(s: &str) -> Result<Self, String> {
        let compact: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = || format!("{s:?} is not a 5x5x5 grade (like \"B2 4\")");
        let [source, intel, handling] = compact[..] else {
            return Err(bad());
        };
        let source = source.to_ascii_uppercase();
        if !('A'..='E').contains(&source) {
            return Err(bad());
        }
        let digit = |c: char| {
            c.to_digit(10)
                .filter(|d| (1..=5).contains(d))
                .map(|d| d as u8)
        };
        match (digit(intel), digit(handling)) {
            (Some(intelligence), Some(handling)) => Ok(Self {
                source,
                intelligence,
                handling,
            }),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Legacy5x5x5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{} {}", self.source, self.intelligence, self.handling)
    }
}

impl TryFrom<String> for Legacy5x5x5 {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<Legacy5x5x5> for String {
    fn from(g: Legacy5x5x5) -> String {
        g.to_string()
    }
}

/// Government Security Classification marking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SecurityMarking {
    Official,
    OfficialSensitive,
    Secret,
}

/// The markings a tablet may hold: it is accredited for the OFFICIAL tier (Official and
/// Official-Sensitive). Secret material never goes on a tablet; it goes by the secure route.
/// The tablet's form offers exactly these (its list is typed from this enum's binding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TabletMarking {
    Official,
    OfficialSensitive,
}

impl From<TabletMarking> for SecurityMarking {
    fn from(m: TabletMarking) -> Self {
        match m {
            TabletMarking::Official => SecurityMarking::Official,
            TabletMarking::OfficialSensitive => SecurityMarking::OfficialSensitive,
        }
    }
}

impl SecurityMarking {
    /// Whether a tablet may hold material with this marking (see [`TabletMarking`]).
    pub fn tablet_may_hold(self) -> bool {
        match self {
            SecurityMarking::Official | SecurityMarking::OfficialSensitive => true,
            SecurityMarking::Secret => false,
        }
    }
}

/// Where a report is in review. Raw reports stay with their author and the intelligence unit
/// until disseminated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Submitted,
    Reviewed,
    Sanitised,
    Disseminated,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Submitted => "submitted",
            ReviewState::Reviewed => "reviewed",
            ReviewState::Sanitised => "sanitised",
            ReviewState::Disseminated => "disseminated",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct IntelReport {
    pub grade: Grade,
    pub security: SecurityMarking,
    /// Who, what, when, where, why, how.
    pub content: String,
    /// Checks made before submitting (systems searched, corroboration).
    pub checks_made: String,
    /// When true the officer must escalate by radio now, not wait for sync.
    pub threat_to_life: bool,
    pub location: Option<Location>,
    pub areas: Vec<AreaId>,
    /// The restricted source record, if one was taken.
    pub source_id: Option<RecordId>,
    pub review_state: ReviewState,
    /// Teams it was disseminated to, as its handling code allows (set by the intelligence unit).
    #[serde(default)]
    pub disseminated_to: Vec<crate::TeamId>,
    /// Historic 5x5x5 grade, read only.
    pub legacy_grade: Option<Legacy5x5x5>,
    pub submitted_at: DateTime<Utc>,
    pub retention_review: NaiveDate,
}

/// Default retention review for intelligence: six years (MoPI's minimum review period).
pub const INTEL_RETENTION_MONTHS: u32 = 72;

impl Record for IntelReport {
    const KIND: RecordKind = RecordKind::IntelReport;
    const NARRATIVE: &'static [&'static str] = &["content", "checks_made"];

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        errs.require_text("content", &self.content, "The intelligence");
        errs.max_len("content", &self.content, 20_000);
        errs.max_len("checks_made", &self.checks_made, 5_000);
        if let Some(loc) = &self.location {
            errs.nest("location", loc.validate());
        }
        check_retention(
            &mut errs,
            self.retention_review,
            self.submitted_at.date_naive(),
        );
        errs.into_result()
    }

    /// An officer submits a raw report: it starts in review, with a 3x5x2 grade only.
    fn validate_new_on_device(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        if self.review_state != ReviewState::Submitted {
            errs.add(
                "review_state",
                "not_submitted",
                "a new report starts as submitted: review happens at HQ",
            );
        }
        if self.legacy_grade.is_some() {
            errs.add(
                "legacy_grade",
                "read_only",
                "5x5x5 grades are read only: grade new reports 3x5x2",
            );
        }
        if !self.disseminated_to.is_empty() {
            errs.add(
                "disseminated_to",
                "not_submitted",
                "only the intelligence unit disseminates a report",
            );
        }
        if !self.security.tablet_may_hold() {
            errs.add(
                "security",
                "not_on_tablet",
                "a tablet holds Official and Official-Sensitive material only: send Secret \
                 material by the secure route, not from the tablet",
            );
        }
        errs.into_result()
    }

    fn search_text(&self) -> String {
        let mut parts = vec![self.content.clone(), self.checks_made.clone()];
        parts.extend(self.location.as_ref().and_then(|l| l.place.clone()));
        parts.join(" ")
    }

    fn areas(&self) -> Vec<AreaId> {
        self.areas.clone()
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        self.submitted_at
    }

    fn title(&self) -> String {
        let short: String = self.content.chars().take(80).collect();
        format!("Intelligence {}: {short}", self.grade)
    }

    fn status(&self) -> Option<String> {
        Some(self.review_state.as_str().to_owned())
    }

    fn retention_review(&self) -> NaiveDate {
        self.retention_review
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SourceType {
    MemberOfPublic,
    Officer,
    PartnerAgency,
    Anonymous,
    Other,
}

/// Who gave the intelligence. A separate record with tighter access: never sent to other devices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct IntelSource {
    pub report_id: RecordId,
    pub source_type: SourceType,
    pub name: Option<String>,
    pub contact: Option<String>,
    pub relationship: Option<String>,
    pub notes: String,
    pub recorded_at: DateTime<Utc>,
    pub retention_review: NaiveDate,
}

impl Record for IntelSource {
    const KIND: RecordKind = RecordKind::IntelSource;
    const NARRATIVE: &'static [&'static str] = &["notes"];

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        if let Some(n) = &self.name {
            errs.max_len("name", n, 100);
        }
        if let Some(c) = &self.contact {
            errs.max_len("contact", c, 200);
        }
        if let Some(r) = &self.relationship {
            errs.max_len("relationship", r, 200);
        }
        errs.max_len("notes", &self.notes, 5_000);
        check_retention(
            &mut errs,
            self.retention_review,
            self.recorded_at.date_naive(),
        );
        errs.into_result()
    }

    /// Source details are not searchable on the device: they are found through their report.
    fn search_text(&self) -> String {
        String::new()
    }

    fn areas(&self) -> Vec<AreaId> {
        Vec::new()
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        self.recorded_at
    }

    fn title(&self) -> String {
        "Source details (restricted)".to_owned()
    }

    fn retention_review(&self) -> NaiveDate {
        self.retention_review
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grades_read_and_print_as_3x5x2() {
        let g: Grade = serde_json::from_value(json!({
            "source": "2", "intelligence": "B",
            "handling": {"code": "C", "conditions": "Not to be shared outside the partnership"}
        }))
        .unwrap();
        assert_eq!(g.to_string(), "2B C");
        assert_eq!(g.source.meaning(), "Untested");
        assert_eq!(g.intelligence.meaning(), "Known indirectly, corroborated");
    }

    #[test]
    fn an_invalid_grade_cannot_be_built() {
        for bad in [
            json!({"source": "4", "intelligence": "A", "handling": {"code": "P"}}),
            json!({"source": "1", "intelligence": "F", "handling": {"code": "P"}}),
            json!({"source": "1", "intelligence": "A", "handling": {"code": "C"}}),
            json!({"source": "1", "intelligence": "A", "handling": {"code": "C", "conditions": "  "}}),
            json!({"source": "1", "intelligence": "A", "handling": {"code": "X"}}),
        ] {
            assert!(
                serde_json::from_value::<Grade>(bad.clone()).is_err(),
                "{bad} was accepted"
            );
        }
    }

    #[test]
    fn legacy_grades_parse_and_round_trip_as_text() {
        let g = Legacy5x5x5::parse("b2 4").unwrap();
        assert_eq!(g.to_string(), "B2 4");
        assert_eq!(serde_json::to_value(&g).unwrap(), json!("B2 4"));
        for bad in ["F2 4", "B6 4", "B2", "B2 40", ""] {
            assert!(Legacy5x5x5::parse(bad).is_err(), "{bad:?} parsed");
        }
    }
}
