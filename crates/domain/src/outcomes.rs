//! Outcomes beside activity: recorded crime (imported from police.uk's street-level CSV),
//! public and business confidence (imported survey results), and value for money (each team's
//! monthly cost against what it did). The rules are here: reading the files row by row, the
//! outcome measures, their targets and red/amber/green. HQ stores and serves them.

use crate::framework::{Change, Rag};
use crate::people::TeamKind;
use crate::AreaId;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A calendar month, `2026-11`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
#[ts(export_to = "../../hq/bindings/")]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

/// A calendar quarter, `2026-Q4` (October to December).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
#[ts(export_to = "../../hq/bindings/")]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub quarter: u32,
}

/// In the API's schema, a month and a quarter are strings (`2026-11`, `2026-Q4`).
macro_rules! string_schema {
    ($t:ty, $example:literal) => {
        impl utoipa::PartialSchema for $t {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .examples([$example])
                    .into()
            }
        }
        impl utoipa::ToSchema for $t {}
    };
}
string_schema!(Month, "2026-11");
string_schema!(Quarter, "2026-Q4");

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year))
            .then_some(Month { year, month })
    }

    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    /// `months` later (negative: earlier).
    pub fn plus(self, months: i32) -> Month {
        let index = self.year * 12 + self.month as i32 - 1 + months;
        Month {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    pub fn next(self) -> Month {
        self.plus(1)
    }

    /// "Nov 2026".
    pub fn words(self) -> String {
        format!("{} {}", MONTHS[(self.month - 1) as usize], self.year)
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec",
];

impl std::str::FromStr for Month {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a month: write it as 2026-11");
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        let (y, m) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        Month::new(y, m).ok_or_else(bad)
    }
}

impl TryFrom<String> for Month {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

impl Quarter {
    pub fn new(year: i32, quarter: u32) -> Option<Quarter> {
        ((1..=4).contains(&quarter) && (1900..=9999).contains(&year))
            .then_some(Quarter { year, quarter })
    }

    pub fn of(month: Month) -> Quarter {
        Quarter {
            year: month.year,
            quarter: (month.month - 1) / 3 + 1,
        }
    }

    pub fn of_day(day: NaiveDate) -> Quarter {
        Quarter::of(Month::of(day))
    }

    /// Its three months, in order.
    pub fn months(self) -> [Month; 3] {
        let first = Month {
            year: self.year,
            month: (self.quarter - 1) * 3 + 1,
        };
        [first, first.plus(1), first.plus(2)]
    }

    pub fn first_day(self) -> NaiveDate {
        self.months()[0].first_day()
    }

    pub fn last_day(self) -> NaiveDate {
        self.months()[2].last_day()
    }

    /// `quarters` later (negative: earlier).
    pub fn plus(self, quarters: i32) -> Quarter {
        let index = self.year * 4 + self.quarter as i32 - 1 + quarters;
        Quarter {
            year: index.div_euclid(4),
            quarter: index.rem_euclid(4) as u32 + 1,
        }
    }

    pub fn previous(self) -> Quarter {
        self.plus(-1)
    }

    pub fn year_before(self) -> Quarter {
        self.plus(-4)
    }

    /// "Oct to Dec 2026".
    pub fn words(self) -> String {
        let [a, _, c] = self.months();
        format!(
            "{} to {} {}",
            MONTHS[(a.month - 1) as usize],
            MONTHS[(c.month - 1) as usize],
            self.year
        )
    }
}

impl std::str::FromStr for Quarter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a quarter: write it as 2026-Q4");
        let (y, q) = s
            .trim()
            .split_once("-Q")
            .or_else(|| s.trim().split_once("-q"))
            .ok_or_else(bad)?;
        let (y, q) = (y.parse().map_err(|_| bad())?, q.parse().map_err(|_| bad())?);
        Quarter::new(y, q).ok_or_else(bad)
    }
}

impl TryFrom<String> for Quarter {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.quarter)
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> String {
        q.to_string()
    }
}

/// Whose confidence a survey measured.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    TS,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum Community {
    /// Residents and the public.
    Public,
    /// The business community (town centre traders).
    Business,
}

/// One row of a police.uk street-level crime file that was read: the month, where, what.
#[derive(Clone, Debug, PartialEq)]
pub struct CrimeRow {
    pub month: Month,
    pub longitude: f64,
    pub latitude: f64,
    /// As police.uk writes it: "Anti-social behaviour", "Burglary", ...
    pub crime_type: String,
}

/// One row of a survey file: per area and quarter, how many answered and how many said they
/// were confident in the police.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyRow {
    pub area: AreaId,
    pub quarter: Quarter,
    pub community: Community,
    pub respondents: u32,
    pub confident: u32,
}

/// A row of a file that could not be read, by its line number in the file (the header is line
/// 1), and why, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RowError {
    pub line: u32,
    pub message: String,
}

/// A file that cannot be read at all (not CSV, a required column missing, empty), in words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileError(pub String);

/// Read a police.uk street-level crime CSV (`Crime ID,Month,Reported by,Falls within,Longitude,
/// Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context`): the rows
/// read, and each row that could not be (a bad month, a missing or impossible location, no crime
/// type), by line. Columns are found by their header, in any order; quoted fields are read as
/// CSV quotes them.
pub fn read_crime_csv(text: &str) -> Result<(Vec<CrimeRow>, Vec<RowError>), FileError> {
    let _ = text;
    todo!("H2: outcomes::read_crime_csv")
}

/// Read a survey results CSV with the header `area,quarter,community,respondents,confident`
/// (area: an area id; quarter: `2026-Q3`; community: `public` or `business`; confident no more
/// than respondents). Unknown areas are errors of their row (`known_areas`).
pub fn read_survey_csv(
    text: &str,
    known_areas: &[AreaId],
) -> Result<(Vec<SurveyRow>, Vec<RowError>), FileError> {
    let _ = (text, known_areas);
    todo!("H2: outcomes::read_survey_csv")
}

/// The outcome measures: what the framework's activity is for.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    TS,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum OutcomeMeasure {
    /// Recorded crime: the change (%) on the same period a year before. Lower is better.
    CrimeChangeYoy,
    /// Share (%) of the public surveyed who are confident in the police. Higher is better.
    ConfidencePublic,
    /// Share (%) of the business community surveyed who are confident. Higher is better.
    ConfidenceBusiness,
    /// The team's cost per hour of hotspot patrol (£). Lower is better.
    CostPerPatrolHour,
    /// Cost per engagement event (£). Lower is better.
    CostPerEngagement,
    /// Cost per concern answered (£). Lower is better.
    CostPerConcernAnswered,
}

// H2: implement OutcomeMeasure: ALL, id() (the serde names), label(), unit(), parse(),
// lower_is_better(), default_target(TeamKind) -> Option<f64> (crime -5.0, confidence 75/70, costs
// none), and `rag(value, target)`: for higher-is-better as Rag::of; for lower-is-better green at
// or below target, amber within a band above it (say so in its doc), red beyond.
// Targets are kept in HQ's targets table beside the activity measures' (scope `team:<id>`,
// `kind:tct`, `kind:snt`; measure the outcome's id).

/// A team's figures for value for money in one period.
pub fn cost_per(cost_pence: i64, units: f64) -> Option<f64> {
    (units > 0.0).then(|| cost_pence as f64 / 100.0 / units)
}

/// An outcome figure for one unit (team or area) and period, beside the period before and the
/// same period a year before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct OutcomeFigure {
    pub measure: OutcomeMeasure,
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub rag: Rag,
    pub previous: Option<f64>,
    pub year_before: Option<f64>,
    /// Better or worse is the measure's (for crime and cost, down is better).
    pub quarter_on_quarter: Change,
    pub year_on_year: Change,
}

/// What the default `kind` team's targets are for the outcomes, by outcome (none: no target).
pub fn default_targets(kind: TeamKind) -> Vec<(OutcomeMeasure, Option<f64>)> {
    let _ = kind;
    todo!("H2: outcomes::default_targets")
}

/// A partnership meeting a note comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum PartnershipMeeting {
    /// Crime and disorder reduction partnership.
    Cdrp,
    /// Community and police engagement group.
    EngagementGroup,
    Other,
}

/// A note from a partnership meeting, for the committee: attached to a team or an area and a
/// period, entered by staff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export_to = "../../hq/bindings/")]
pub struct NewPartnershipNote {
    pub meeting: PartnershipMeeting,
    #[ts(type = "string | null")]
    #[serde(default)]
    pub met_on: Option<NaiveDate>,
    /// One of team or area.
    #[serde(default)]
    #[ts(type = "string | null")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<crate::TeamId>,
    #[serde(default)]
    #[ts(type = "string | null")]
    #[schema(value_type = Option<String>)]
    pub area_id: Option<AreaId>,
    /// The quarter it speaks to.
    #[serde(default)]
    pub quarter: Option<Quarter>,
    #[serde(default)]
    pub text: String,
}
