//! Community concerns: ASB (personal / nuisance / environmental), VAWG safety concerns and others.
//! Crimes are referred to the force's crime system with a police.uk category, not recorded here.

use crate::area::Location;
use crate::people::{validate_people, PersonInvolved};
use crate::photo::PhotoRef;
use crate::record::{check_retention, review_after, Record, RecordKind};
use crate::validation::ValidationErrors;
use crate::{AreaId, RecordId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// ASB that targets a person or group rather than the community at large.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AsbPersonal {
    IntimidationOrHarassment,
    TargetedAbuse,
    NeighbourDispute,
    HateRelated,
}

/// ASB that causes trouble, annoyance or suffering to a community.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AsbNuisance {
    RowdyBehaviour,
    Noise,
    StreetDrinking,
    Begging,
    DrugUse,
    VehicleNuisance,
    Fireworks,
}

/// ASB that affects the surroundings rather than people directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AsbEnvironmental {
    Graffiti,
    FlyTipping,
    Litter,
    AbandonedVehicle,
    DrugLitter,
    DamagedProperty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "heading", rename_all = "snake_case")]
pub enum AsbCategory {
    Personal(AsbPersonal),
    Nuisance(AsbNuisance),
    Environmental(AsbEnvironmental),
}

/// Places where women and girls feel unsafe because of the place itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VawgEnvironmental {
    BadlyLit,
    NoCctv,
    IsolatedPlace,
    OvergrownVegetation,
    UnsafeTransportStop,
}

/// Behaviour that makes women and girls feel unsafe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VawgBehavioural {
    FeelingFollowed,
    VerbalHarassment,
    IntimidatingGroup,
    UnwantedAttention,
    SpikingConcern,
    IndecentExposure,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "heading", rename_all = "snake_case")]
pub enum VawgCategory {
    Environmental(VawgEnvironmental),
    Behavioural(VawgBehavioural),
}

/// What a concern is about. In JSON: `{"kind":"asb","type":"nuisance","heading":"noise"}`,
/// `{"kind":"vawg","type":"environmental","heading":"badly_lit"}`, `{"kind":"other","label":"..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConcernCategory {
    Asb(AsbCategory),
    Vawg(VawgCategory),
    Other { label: String },
}

/// Street-level crime categories as police.uk names them (the slugs of its data API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum CrimeCategory {
    AntiSocialBehaviour,
    BicycleTheft,
    Burglary,
    CriminalDamageArson,
    Drugs,
    OtherTheft,
    PossessionOfWeapons,
    PublicOrder,
    Robbery,
    Shoplifting,
    TheftFromThePerson,
    VehicleCrime,
    ViolentCrime,
    OtherCrime,
}

/// A crime reported alongside a concern, referred to the force's crime system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CrimeReferral {
    pub category: CrimeCategory,
    /// The crime system's reference, once known.
    #[serde(default)]
    pub reference: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConcernPriority {
    Low,
    Medium,
    High,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConcernStatus {
    Open,
    InProgress,
    Resolved,
    Closed,
}

impl ConcernStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConcernStatus::Open => "open",
            ConcernStatus::InProgress => "in_progress",
            ConcernStatus::Resolved => "resolved",
            ConcernStatus::Closed => "closed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Concern {
    pub category: ConcernCategory,
    pub description: String,
    pub location: Location,
    /// Worked out from the location: every ward and town centre it falls in.
    pub areas: Vec<AreaId>,
    pub people: Vec<PersonInvolved>,
    pub consent_to_contact: bool,
    /// How to reach the person who raised it; kept only with their consent.
    pub contact: Option<String>,
    pub priority: ConcernPriority,
    pub status: ConcernStatus,
    pub crime_referral: Option<CrimeReferral>,
    pub reported_at: DateTime<Utc>,
    pub retention_review: NaiveDate,
    /// Photos taken with the concern; their bytes go to HQ after the record.
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
}

/// Default retention review for a concern: two years after it was reported.
pub const CONCERN_RETENTION_MONTHS: u32 = 24;

impl Record for Concern {
    const KIND: RecordKind = RecordKind::Concern;
    const NARRATIVE: &'static [&'static str] = &["description"];

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        if let ConcernCategory::Other { label } = &self.category {
            errs.require_text("category.label", label, "A label for the category");
            errs.max_len("category.label", label, 100);
        }
        errs.require_text("description", &self.description, "A description");
        errs.max_len("description", &self.description, 10_000);
        errs.nest("location", self.location.validate());
        validate_people(&mut errs, &self.people);
        match (&self.contact, self.consent_to_contact) {
            (Some(c), true) if c.trim().is_empty() => errs.add(
                "contact",
                "required",
                "give contact details, or untick consent to be contacted",
            ),
            (Some(c), true) => errs.max_len("contact", c, 200),
            (Some(c), false) if !c.trim().is_empty() => errs.add(
                "contact",
                "no_consent",
                "contact details may only be kept when the person consents to be contacted",
            ),
            (None, true) => errs.add(
                "contact",
                "required",
                "give contact details, or untick consent to be contacted",
            ),
            _ => {}
        }
        if let Some(r) = self
            .crime_referral
            .as_ref()
            .and_then(|r| r.reference.as_ref())
        {
            errs.max_len("crime_referral.reference", r, 50);
        }
        crate::photo::validate_refs(&mut errs, &self.photos);
        check_retention(
            &mut errs,
            self.retention_review,
            self.reported_at.date_naive(),
        );
        errs.into_result()
    }

    fn search_text(&self) -> String {
        let mut parts = vec![self.description.clone(), self.category_label()];
        parts.extend(self.location.place.clone());
        parts.extend(self.people.iter().map(|p| p.search_text()));
        parts.join(" ")
    }

    fn areas(&self) -> Vec<AreaId> {
        self.areas.clone()
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        self.reported_at
    }

    fn title(&self) -> String {
        let first_line = self.description.lines().next().unwrap_or_default();
        let short: String = first_line.chars().take(80).collect();
        format!("{}: {short}", self.category_label())
    }

    fn status(&self) -> Option<String> {
        Some(self.status.as_str().to_owned())
    }

    fn retention_review(&self) -> NaiveDate {
        self.retention_review
    }
}

impl Concern {
    /// "ASB nuisance: noise", "VAWG environmental: badly lit", or the other label.
    pub fn category_label(&self) -> String {
        fn words<T: Serialize>(t: &T) -> String {
            serde_json::to_value(t)
                .ok()
                .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                .unwrap_or_default()
        }
        match &self.category {
            ConcernCategory::Asb(AsbCategory::Personal(h)) => format!("ASB personal: {}", words(h)),
            ConcernCategory::Asb(AsbCategory::Nuisance(h)) => format!("ASB nuisance: {}", words(h)),
            ConcernCategory::Asb(AsbCategory::Environmental(h)) => {
                format!("ASB environmental: {}", words(h))
            }
            ConcernCategory::Vawg(VawgCategory::Environmental(h)) => {
                format!("VAWG environmental: {}", words(h))
            }
            ConcernCategory::Vawg(VawgCategory::Behavioural(h)) => {
                format!("VAWG behavioural: {}", words(h))
            }
            ConcernCategory::Other { label } => label.clone(),
        }
    }
}

/// An update on a concern (what was done or found), dated: appended to its log, never edited,
/// so the officer adds it without retyping the concern. The first one answers the concern.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ConcernUpdate {
    pub note: String,
    /// When it was written; the device's clock when left out.
    #[serde(default = "Utc::now")]
    #[ts(optional, as = "Option<DateTime<Utc>>")]
    pub at: DateTime<Utc>,
}

impl ConcernUpdate {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        errs.require_text("note", &self.note, "The update");
        errs.max_len("note", &self.note, 5_000);
        errs.into_result()
    }
}

/// A concern as a form or an import line gives it: the areas are worked out from the location,
/// and the id, report time, status and retention review date may be left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewConcern {
    #[serde(default)]
    pub id: Option<RecordId>,
    pub category: ConcernCategory,
    pub description: String,
    pub location: Location,
    #[serde(default)]
    pub people: Vec<PersonInvolved>,
    #[serde(default)]
    pub consent_to_contact: bool,
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default = "default_priority")]
    pub priority: ConcernPriority,
    #[serde(default = "default_status")]
    pub status: ConcernStatus,
    #[serde(default)]
    pub crime_referral: Option<CrimeReferral>,
    #[serde(default)]
    pub reported_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub retention_review: Option<NaiveDate>,
}

fn default_priority() -> ConcernPriority {
    ConcernPriority::Medium
}

fn default_status() -> ConcernStatus {
    ConcernStatus::Open
}

impl NewConcern {
    /// The concern, with its areas and defaults filled in. Validate the result before saving.
    pub fn into_concern(
        self,
        now: DateTime<Utc>,
        areas: Vec<AreaId>,
    ) -> (Option<RecordId>, Concern) {
        let reported_at = self.reported_at.unwrap_or(now);
        let retention_review = self
            .retention_review
            .unwrap_or_else(|| review_after(reported_at.date_naive(), CONCERN_RETENTION_MONTHS));
        let concern = Concern {
            category: self.category,
            description: self.description,
            location: self.location,
            areas,
            people: self.people,
            consent_to_contact: self.consent_to_contact,
            contact: self.contact.filter(|c| !c.trim().is_empty()),
            priority: self.priority,
            status: self.status,
            crime_referral: self.crime_referral,
            reported_at,
            retention_review,
            photos: Vec::new(),
        };
        (self.id, concern)
    }
}

#[cfg(test)]
mod update_tests {
    use super::*;

    #[test]
    fn an_update_needs_words_and_is_dated_now_when_left_out() {
        let u: ConcernUpdate =
            serde_json::from_value(serde_json::json!({"note": "Lights fixed by the council"}))
                .unwrap();
        assert!((Utc::now() - u.at).num_seconds().abs() < 5);
        u.validate().unwrap();
        let blank = ConcernUpdate {
            note: "  ".into(),
            at: Utc::now(),
        };
        assert_eq!(blank.validate().unwrap_err().errors[0].field, "note");
        assert!(serde_json::from_value::<ConcernUpdate>(
            serde_json::json!({"note": "x", "colour": "red"})
        )
        .is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::area::GeoPoint;
    use serde_json::json;

    fn sample() -> Concern {
        let line = json!({
            "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
            "description": "Group drinking outside the station every evening",
            "location": {"lat": 51.539, "lon": -0.1426, "place": "Camden Town station"},
        });
        let new: NewConcern = serde_json::from_value(line).unwrap();
        let now = "2026-11-20T21:30:00Z".parse().unwrap();
        new.into_concern(now, vec![AreaId::new("E05013655")]).1
    }

    #[test]
    fn a_minimal_import_line_gets_defaults_and_is_valid() {
        let c = sample();
        assert_eq!(c.priority, ConcernPriority::Medium);
        assert_eq!(c.status, ConcernStatus::Open);
        assert_eq!(
            c.retention_review,
            NaiveDate::from_ymd_opt(2028, 11, 20).unwrap()
        );
        assert_eq!(
            c.location.point(),
            GeoPoint {
                lat: 51.539,
                lon: -0.1426
            }
        );
        c.validate().unwrap();
        assert_eq!(
            c.title(),
            "ASB nuisance: street drinking: Group drinking outside the station every evening"
        );
    }

    #[test]
    fn a_concern_saved_before_photos_existed_still_reads() {
        let mut v = serde_json::to_value(sample()).unwrap();
        v.as_object_mut().unwrap().remove("photos");
        let c: Concern = serde_json::from_value(v).unwrap();
        assert!(c.photos.is_empty());
    }

    #[test]
    fn category_json_has_kind_type_and_heading() {
        let v = serde_json::to_value(sample().category).unwrap();
        assert_eq!(
            v,
            json!({"kind": "asb", "type": "nuisance", "heading": "street_drinking"})
        );
        let vawg: ConcernCategory = serde_json::from_value(
            json!({"kind": "vawg", "type": "behavioural", "heading": "feeling_followed"}),
        )
        .unwrap();
        assert_eq!(
            vawg,
            ConcernCategory::Vawg(VawgCategory::Behavioural(VawgBehavioural::FeelingFollowed))
        );
        // A heading from the wrong type is not a category.
        assert!(serde_json::from_value::<ConcernCategory>(
            json!({"kind": "asb", "type": "personal", "heading": "noise"})
        )
        .is_err());
    }

    #[test]
    fn every_problem_is_reported_against_its_field() {
        let mut c = sample();
        c.description = "  ".into();
        c.location.lat = 123.0;
        c.contact = Some("07700 900123".into());
        c.consent_to_contact = false;
        c.retention_review = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        c.category = ConcernCategory::Other {
            label: String::new(),
        };
        let errs = c.validate().unwrap_err();
        for f in [
            "description",
            "location.lat",
            "contact",
            "retention_review",
            "category.label",
        ] {
            assert!(errs.has(f), "missing error for {f}: {errs}");
        }
        assert_eq!(errs.errors.len(), 5, "{errs}");
    }

    #[test]
    fn consent_without_contact_details_is_an_error() {
        let mut c = sample();
        c.consent_to_contact = true;
        assert_eq!(c.validate().unwrap_err().errors[0].code, "required");
        c.contact = Some("resident@example.org".into());
        c.validate().unwrap();
    }

    #[test]
    fn a_misspelt_key_anywhere_in_an_import_line_is_an_error() {
        for line in [
            json!({"category": {"kind": "other", "label": "x"}, "description": "d", "location": {"lat": 51.5, "lon": -0.1, "plcae": "typo"}}),
            json!({"category": {"kind": "other", "label": "x"}, "description": "d", "location": {"lat": 51.5, "lon": -0.1},
                   "people": [{"role": "witness", "nmae": "typo"}]}),
            json!({"category": {"kind": "other", "label": "x"}, "description": "d", "location": {"lat": 51.5, "lon": -0.1},
                   "crime_referral": {"category": "drugs", "ref": "typo"}}),
            json!({"category": {"kind": "other", "label": "x"}, "description": "d", "location": {"lat": 51.5, "lon": -0.1}, "prority": "high"}),
        ] {
            assert!(
                serde_json::from_value::<NewConcern>(line.clone()).is_err(),
                "{line} was accepted"
            );
        }
    }

    #[test]
    fn crime_slugs_match_police_uk() {
        let v = serde_json::to_value(CrimeCategory::CriminalDamageArson).unwrap();
        assert_eq!(v, json!("criminal-damage-arson"));
        let v = serde_json::to_value(CrimeCategory::AntiSocialBehaviour).unwrap();
        assert_eq!(v, json!("anti-social-behaviour"));
    }
}
