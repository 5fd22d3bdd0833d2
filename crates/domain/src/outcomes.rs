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

/// A month and a quarter travel as strings (`2026-11`, `2026-Q4`): read with `FromStr`, written
/// with `Display`, and strings in the API's schema.
macro_rules! string_form {
    ($t:ty, $example:literal) => {
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.to_string()
            }
        }
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
string_form!(Month, "2026-11");
string_form!(Quarter, "2026-Q4");

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

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
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

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.quarter)
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

/// One CSV record: its fields and the line of the file it starts on (the first line is 1).
#[derive(Debug)]
struct CsvRecord {
    line: u32,
    fields: Vec<String>,
}

/// Split CSV text into records as RFC 4180 writes them: fields separated by commas, a field in
/// double quotes may hold commas, line breaks and doubled quotes (`""`); lines end in LF or CRLF.
/// A leading byte order mark is skipped. Blank lines are left out. An unclosed quote runs to the
/// end of the file (its record is then reported by the caller as it reads it).
fn csv_records(text: &str) -> Vec<CsvRecord> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    // Whether anything (a character, a comma, quotes) was seen on the current record.
    let mut started = false;
    let mut line: u32 = 1;
    let mut record_line: u32 = 1;
    let mut chars = text.chars().peekable();
    let mut end_record =
        |fields: &mut Vec<String>, field: &mut String, started: &mut bool, at: u32| {
            if *started {
                fields.push(std::mem::take(field));
                out.push(CsvRecord {
                    line: at,
                    fields: std::mem::take(fields),
                });
            }
            field.clear();
            *started = false;
        };
    while let Some(c) = chars.next() {
        if !started {
            record_line = line;
        }
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) => {
                quoted = true;
                started = true;
            }
            ('\n', true) => {
                line += 1;
                field.push('\n');
            }
            ('\r', true) => {}
            (',', false) => {
                started = true;
                fields.push(std::mem::take(&mut field));
            }
            ('\r', false) if chars.peek() == Some(&'\n') => {}
            ('\n' | '\r', false) => {
                end_record(&mut fields, &mut field, &mut started, record_line);
                line += 1;
            }
            (c, _) => {
                started = true;
                field.push(c);
            }
        }
    }
    end_record(&mut fields, &mut field, &mut started, record_line);
    out
}

/// A file's header: where each named column is (names compared trimmed, without regard to case).
struct Header {
    names: Vec<String>,
}

impl Header {
    fn of(record: &CsvRecord) -> Header {
        Header {
            names: record
                .fields
                .iter()
                .map(|n| n.trim().to_lowercase())
                .collect(),
        }
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == &name.to_lowercase())
    }

    /// The columns' positions, or a [`FileError`] naming those missing.
    fn require<const N: usize>(
        &self,
        names: [&str; N],
        what: &str,
    ) -> Result<[usize; N], FileError> {
        let found = names.map(|n| self.find(n));
        let missing: Vec<String> = names
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(n, _)| format!("\"{n}\""))
            .collect();
        if !missing.is_empty() {
            return Err(FileError(format!(
                "this is not {what}: it has no {} column{} in its first line",
                words_list(&missing),
                if missing.len() == 1 { "" } else { "s" }
            )));
        }
        Ok(found.map(|f| f.unwrap_or_default()))
    }
}

/// `a`, `a and b`, `a, b and c`.
fn words_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The field at `i` of a record, trimmed ("" when the record is short).
fn field(r: &CsvRecord, i: usize) -> &str {
    r.fields.get(i).map_or("", |f| f.trim())
}

/// The record's problems as one message (`None`: it has none).
fn problems(list: Vec<String>) -> Option<String> {
    (!list.is_empty()).then(|| list.join("; "))
}

/// Read a police.uk street-level crime CSV (`Crime ID,Month,Reported by,Falls within,Longitude,
/// Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context`): the rows
/// read, and each row that could not be (a bad month, a missing or impossible location, no crime
/// type), by line. Columns are found by their header, in any order; quoted fields are read as
/// CSV quotes them. Only `Month`, `Longitude`, `Latitude` and `Crime type` are needed: a file
/// without one of them is not a street-level crime file ([`FileError`]). A row police.uk could not
/// place (no longitude or latitude, as it publishes some) is an error of its row: it cannot be
/// counted in an area.
pub fn read_crime_csv(text: &str) -> Result<(Vec<CrimeRow>, Vec<RowError>), FileError> {
    let records = csv_records(text);
    let Some((head, rows)) = records.split_first() else {
        return Err(FileError(
            "the file is empty: a police.uk street-level crime file starts with its header line"
                .into(),
        ));
    };
    let [month_at, lon_at, lat_at, type_at] = Header::of(head).require(
        ["Month", "Longitude", "Latitude", "Crime type"],
        "a police.uk street-level crime file",
    )?;
    let width = head.fields.len();
    let mut read = Vec::new();
    let mut errors = Vec::new();
    for r in rows {
        let mut wrong = Vec::new();
        if r.fields.len() < width {
            wrong.push(format!(
                "it has {} fields where the header has {width}",
                r.fields.len()
            ));
        }
        let month = match field(r, month_at) {
            "" => {
                wrong.push("no month".to_owned());
                None
            }
            m => m.parse::<Month>().map_err(|e| wrong.push(e)).ok(),
        };
        let coordinate = |name: &str, at: usize, range: f64, wrong: &mut Vec<String>| match field(
            r, at,
        ) {
            "" => {
                wrong.push(format!("no {name}: the crime has no location"));
                None
            }
            v => match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x.abs() <= range => Some(x),
                _ => {
                    wrong.push(format!(
                            "the {name} {v:?} is not a place on Earth (a number from -{range} to {range})"
                        ));
                    None
                }
            },
        };
        let longitude = coordinate("longitude", lon_at, 180.0, &mut wrong);
        let latitude = coordinate("latitude", lat_at, 90.0, &mut wrong);
        let crime_type = field(r, type_at).to_owned();
        if crime_type.is_empty() {
            wrong.push("no crime type".to_owned());
        }
        match (problems(wrong), month, longitude, latitude) {
            (None, Some(month), Some(longitude), Some(latitude)) => read.push(CrimeRow {
                month,
                longitude,
                latitude,
                crime_type,
            }),
            (message, ..) => errors.push(RowError {
                line: r.line,
                message: message.unwrap_or_else(|| "the row could not be read".into()),
            }),
        }
    }
    Ok((read, errors))
}

/// Read a survey results CSV with the header `area,quarter,community,respondents,confident`
/// (area: an area id; quarter: `2026-Q3`; community: `public` or `business`; confident no more
/// than respondents). Unknown areas are errors of their row (`known_areas`); so are a second row
/// for the same area, quarter and community, and a row with no respondents. Columns are found by
/// their header, in any order.
pub fn read_survey_csv(
    text: &str,
    known_areas: &[AreaId],
) -> Result<(Vec<SurveyRow>, Vec<RowError>), FileError> {
    let records = csv_records(text);
    let Some((head, rows)) = records.split_first() else {
        return Err(FileError(
            "the file is empty: a survey results file starts with the header line \
             area,quarter,community,respondents,confident"
                .into(),
        ));
    };
    let [area_at, quarter_at, community_at, respondents_at, confident_at] = Header::of(head)
        .require(
            ["area", "quarter", "community", "respondents", "confident"],
            "a survey results file (area,quarter,community,respondents,confident)",
        )?;
    let mut read: Vec<SurveyRow> = Vec::new();
    let mut lines: Vec<u32> = Vec::new();
    let mut errors = Vec::new();
    for r in rows {
        let mut wrong = Vec::new();
        let area = match field(r, area_at) {
            "" => {
                wrong.push("no area".to_owned());
                None
            }
            a if known_areas.iter().any(|k| k.as_str() == a) => Some(AreaId::new(a)),
            a => {
                wrong.push(format!("there is no area {a:?} at HQ"));
                None
            }
        };
        let quarter = match field(r, quarter_at) {
            "" => {
                wrong.push("no quarter".to_owned());
                None
            }
            q => q.parse::<Quarter>().map_err(|e| wrong.push(e)).ok(),
        };
        let community = match field(r, community_at).to_lowercase().as_str() {
            "public" => Some(Community::Public),
            "business" => Some(Community::Business),
            other => {
                wrong.push(format!(
                    "the community {other:?} is neither public nor business"
                ));
                None
            }
        };
        let count = |name: &str, at: usize, wrong: &mut Vec<String>| match field(r, at) {
            "" => {
                wrong.push(format!("no number of {name}"));
                None
            }
            v => v
                .parse::<u32>()
                .map_err(|_| wrong.push(format!("{name} {v:?} is not a whole number")))
                .ok(),
        };
        let respondents = count("respondents", respondents_at, &mut wrong);
        let confident = count("confident", confident_at, &mut wrong);
        if respondents == Some(0) {
            wrong.push("no one answered (respondents is 0)".into());
        }
        if let (Some(n), Some(c)) = (respondents, confident) {
            if c > n {
                wrong.push(format!(
                    "more said they were confident ({c}) than answered ({n})"
                ));
            }
        }
        if let (Some(a), Some(q), Some(c)) = (&area, quarter, community) {
            if let Some(i) = read
                .iter()
                .position(|s| &s.area == a && s.quarter == q && s.community == c)
            {
                wrong.push(format!(
                    "line {} has the same area, quarter and community",
                    lines[i]
                ));
            }
        }
        match (
            problems(wrong),
            area,
            quarter,
            community,
            respondents,
            confident,
        ) {
            (
                None,
                Some(area),
                Some(quarter),
                Some(community),
                Some(respondents),
                Some(confident),
            ) => {
                lines.push(r.line);
                read.push(SurveyRow {
                    area,
                    quarter,
                    community,
                    respondents,
                    confident,
                });
            }
            (message, ..) => errors.push(RowError {
                line: r.line,
                message: message.unwrap_or_else(|| "the row could not be read".into()),
            }),
        }
    }
    Ok((read, errors))
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

impl OutcomeMeasure {
    pub const ALL: [OutcomeMeasure; 6] = [
        OutcomeMeasure::CrimeChangeYoy,
        OutcomeMeasure::ConfidencePublic,
        OutcomeMeasure::ConfidenceBusiness,
        OutcomeMeasure::CostPerPatrolHour,
        OutcomeMeasure::CostPerEngagement,
        OutcomeMeasure::CostPerConcernAnswered,
    ];

    /// Its id: the serde name, and the `measure` of its targets in HQ's targets table.
    pub fn id(self) -> &'static str {
        match self {
            OutcomeMeasure::CrimeChangeYoy => "crime_change_yoy",
            OutcomeMeasure::ConfidencePublic => "confidence_public",
            OutcomeMeasure::ConfidenceBusiness => "confidence_business",
            OutcomeMeasure::CostPerPatrolHour => "cost_per_patrol_hour",
            OutcomeMeasure::CostPerEngagement => "cost_per_engagement",
            OutcomeMeasure::CostPerConcernAnswered => "cost_per_concern_answered",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OutcomeMeasure::CrimeChangeYoy => "Recorded crime, change on a year before (%)",
            OutcomeMeasure::ConfidencePublic => "Public confident in the police (%)",
            OutcomeMeasure::ConfidenceBusiness => "Businesses confident in the police (%)",
            OutcomeMeasure::CostPerPatrolHour => "Cost per hour of hotspot patrol (£)",
            OutcomeMeasure::CostPerEngagement => "Cost per engagement event (£)",
            OutcomeMeasure::CostPerConcernAnswered => "Cost per concern answered (£)",
        }
    }

    /// What its figures are counted in.
    pub fn unit(self) -> &'static str {
        match self {
            OutcomeMeasure::CrimeChangeYoy
            | OutcomeMeasure::ConfidencePublic
            | OutcomeMeasure::ConfidenceBusiness => "%",
            OutcomeMeasure::CostPerPatrolHour
            | OutcomeMeasure::CostPerEngagement
            | OutcomeMeasure::CostPerConcernAnswered => "£",
        }
    }

    pub fn parse(s: &str) -> Option<OutcomeMeasure> {
        OutcomeMeasure::ALL.into_iter().find(|m| m.id() == s)
    }

    /// Recorded crime and costs: down is better. Confidence: up is better.
    pub fn lower_is_better(self) -> bool {
        !matches!(
            self,
            OutcomeMeasure::ConfidencePublic | OutcomeMeasure::ConfidenceBusiness
        )
    }

    /// The target when none is set: recorded crime down 5% on a year before, 75% of the public
    /// and 70% of businesses confident; none for costs (a force sets its own).
    pub fn default_target(self, kind: TeamKind) -> Option<f64> {
        let _ = kind; // the same for both kinds of team, for now
        match self {
            OutcomeMeasure::CrimeChangeYoy => Some(-5.0),
            OutcomeMeasure::ConfidencePublic => Some(75.0),
            OutcomeMeasure::ConfidenceBusiness => Some(70.0),
            OutcomeMeasure::CostPerPatrolHour
            | OutcomeMeasure::CostPerEngagement
            | OutcomeMeasure::CostPerConcernAnswered => None,
        }
    }

    /// The lowest target that can be set: recorded crime may be set to fall (a negative
    /// change, down to -100%), everything else is 0 or more.
    pub fn lowest_target(self) -> f64 {
        match self {
            OutcomeMeasure::CrimeChangeYoy => -100.0,
            _ => 0.0,
        }
    }

    /// Red, amber or green against `target`. Higher-is-better measures (confidence) as
    /// [`Rag::of`]: green at or above target, amber within 10% below it. Lower-is-better
    /// measures: green at or below target; amber within a band above it, red beyond. The band:
    /// for recorded crime 5 percentage points (a target of -5% is amber from -5% up to no change,
    /// red once crime is up); for costs 10% of the target. No target, or no figure: `Rag::None`.
    pub fn rag(self, value: Option<f64>, target: Option<f64>) -> Rag {
        let Some(target) = target else {
            return Rag::None;
        };
        if !self.lower_is_better() {
            return Rag::of(value, target);
        }
        let band = match self {
            OutcomeMeasure::CrimeChangeYoy => 5.0,
            _ => target.abs() * 0.1,
        };
        match value {
            None => Rag::None,
            Some(v) if v <= target => Rag::Green,
            Some(v) if v <= target + band => Rag::Amber,
            Some(_) => Rag::Red,
        }
    }
}

/// The change (%) from `before` to `now`, to one decimal place: `None` without a figure before
/// (nothing recorded a year before cannot be compared as a share).
pub fn percent_change(now: u64, before: u64) -> Option<f64> {
    (before > 0).then(|| round1(100.0 * (now as f64 - before as f64) / before as f64))
}

/// The share (%) of respondents confident, to one decimal place (`None` when no one answered).
pub fn confidence(confident: u64, respondents: u64) -> Option<f64> {
    (respondents > 0).then(|| round1(100.0 * confident as f64 / respondents as f64))
}

/// To one decimal place, as the board shows figures.
pub fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A cost in pounds as whole pence: refused (in words) when negative, not a number, or more
/// than £100m for a month.
pub fn pence_of(pounds: f64) -> Result<i64, String> {
    if !pounds.is_finite() || pounds < 0.0 {
        return Err("a cost is an amount in pounds, 0 or more".into());
    }
    if pounds > 100_000_000.0 {
        return Err("a team's cost for a month is less than £100,000,000".into());
    }
    Ok((pounds * 100.0).round() as i64)
}

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
    OutcomeMeasure::ALL
        .into_iter()
        .map(|m| (m, m.default_target(kind)))
        .collect()
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

impl NewPartnershipNote {
    /// The longest note, in characters.
    pub const MAX_TEXT: usize = 4000;

    /// Its field errors: no text (or too long), neither a team nor an area, a team or area HQ
    /// does not have, a meeting after `today`.
    pub fn check(
        &self,
        teams: &[crate::TeamId],
        areas: &[AreaId],
        today: NaiveDate,
    ) -> Result<(), crate::validation::ValidationErrors> {
        let mut errs = crate::validation::ValidationErrors::new();
        errs.require_text("text", &self.text, "What the meeting said");
        errs.max_len("text", &self.text, Self::MAX_TEXT);
        if self.team_id.is_none() && self.area_id.is_none() {
            for field in ["team_id", "area_id"] {
                errs.add(
                    field,
                    "required",
                    "say which team or area the note is about",
                );
            }
        }
        if let Some(t) = self.team_id.as_ref().filter(|t| !teams.contains(t)) {
            errs.add("team_id", "unknown", format!("there is no team {t}"));
        }
        if let Some(a) = self.area_id.as_ref().filter(|a| !areas.contains(a)) {
            errs.add("area_id", "unknown", format!("there is no area {a}"));
        }
        if self.met_on.is_some_and(|d| d > today) {
            errs.add(
                "met_on",
                "future",
                "the meeting's date is after today: note a meeting once it has met",
            );
        }
        errs.into_result()
    }

    /// The quarter it speaks to: as given, else the meeting's, else `today`'s.
    pub fn quarter_or(&self, today: NaiveDate) -> Quarter {
        self.quarter
            .unwrap_or_else(|| Quarter::of_day(self.met_on.unwrap_or(today)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICE_UK_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

    #[test]
    fn months_and_quarters_read_and_write_as_2026_11_and_2026_q4() {
        let m: Month = "2026-11".parse().unwrap();
        assert_eq!((m.year, m.month), (2026, 11));
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(m.plus(2).to_string(), "2027-01");
        assert_eq!(m.plus(-11).to_string(), "2025-12");
        assert!("2026-13".parse::<Month>().is_err());
        let q: Quarter = "2026-Q4".parse().unwrap();
        assert_eq!(Quarter::of(m), q);
        assert_eq!(
            q.months().map(|m| m.to_string()),
            ["2026-10", "2026-11", "2026-12"]
        );
        assert_eq!(q.year_before().to_string(), "2025-Q4");
        assert_eq!(q.previous().to_string(), "2026-Q3");
        assert_eq!(q.words(), "Oct to Dec 2026");
        assert_eq!(serde_json::to_value(q).unwrap(), "2026-Q4");
    }

    #[test]
    fn a_police_uk_file_is_read_row_by_row_and_each_bad_row_is_reported_by_its_line() {
        let file = format!(
            "{POLICE_UK_HEADER}\r\n\
             ,2026-10,Metropolitan Police Service,Metropolitan Police Service,-0.142600,51.539000,On or near Parkway,E01000001,Camden 001A,Anti-social behaviour,,\r\n\
             a1b2c3,2026-10,Metropolitan Police Service,Metropolitan Police Service,-0.142600,51.539000,\"On or near Camden High Street, NW1\",E01000001,Camden 001A,Burglary,Under investigation,\r\n\
             d4e5f6,2026-10,Metropolitan Police Service,Metropolitan Police Service,,,No Location,,,Drugs,Under investigation,\r\n\
             g7h8i9,2026-13,Metropolitan Police Service,Metropolitan Police Service,-0.1426,51.539,On or near Parkway,E01000001,Camden 001A,Robbery,,\r\n\
             j1k2l3,2026-10,Metropolitan Police Service,Metropolitan Police Service,-0.1426,951.5,On or near Parkway,E01000001,Camden 001A,,,\r\n\
             \r\n\
             m4n5o6,2026-11,Metropolitan Police Service,Metropolitan Police Service,-0.0750,51.5460,\"On or near \"\"The Mall\"\"\",E01000002,Hackney 001A,Shoplifting,Court result unavailable,\"A note\nover two lines\"\r\n\
             p7q8r9,2026-11,Metropolitan Police Service,Metropolitan Police Service,-0.0750,51.5460,On or near Kingsland Road,E01000002,Hackney 001A,Vehicle crime,,\r\n"
        );
        let (rows, errors) = read_crime_csv(&file).unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| r.crime_type.as_str())
                .collect::<Vec<_>>(),
            [
                "Anti-social behaviour",
                "Burglary",
                "Shoplifting",
                "Vehicle crime"
            ]
        );
        assert_eq!(rows[0].month.to_string(), "2026-10");
        assert_eq!((rows[1].longitude, rows[1].latitude), (-0.1426, 51.539));
        let lines: Vec<u32> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [4, 5, 6], "{errors:?}");
        assert!(errors[0].message.contains("no longitude"), "{errors:?}");
        assert!(errors[1].message.contains("is not a month"), "{errors:?}");
        assert!(
            errors[2]
                .message
                .contains("latitude \"951.5\" is not a place")
                && errors[2].message.contains("no crime type"),
            "{errors:?}"
        );
        // The quoted field over two lines: the row after it is on line 10.
        let (_, errors) = read_crime_csv(&format!(
            "{POLICE_UK_HEADER}\nx,2026-11,M,M,-0.07,51.54,\"On or\nnear\",E1,H,Burglary,,\nx,2026-11,M,M,-0.07,51.54,Here,E1,H,,,\n"
        ))
        .unwrap();
        assert_eq!(errors[0].line, 4, "{errors:?}");
    }

    #[test]
    fn columns_are_found_by_their_header_in_any_order() {
        let file = "crime type,LATITUDE,Month,Longitude\nBurglary,51.5,2026-09,-0.1\n";
        let (rows, errors) = read_crime_csv(file).unwrap();
        assert!(errors.is_empty());
        assert_eq!(rows[0].crime_type, "Burglary");
        assert_eq!((rows[0].latitude, rows[0].longitude), (51.5, -0.1));
        // With a byte order mark, as spreadsheets write it.
        assert!(read_crime_csv(&format!("\u{feff}{file}")).is_ok());
    }

    #[test]
    fn a_file_that_is_not_a_street_level_crime_file_is_refused_in_words() {
        let e = read_crime_csv("area,quarter\nx,2026-Q1\n").unwrap_err();
        assert_eq!(
            e.0,
            "this is not a police.uk street-level crime file: it has no \"Month\", \"Longitude\", \"Latitude\" and \"Crime type\" columns in its first line"
        );
        let e = read_crime_csv("Month,Longitude,Latitude\n").unwrap_err();
        assert!(e.0.contains("no \"Crime type\" column in"), "{e}");
        assert!(read_crime_csv("").unwrap_err().0.contains("empty"));
        assert!(read_crime_csv("\n\n").is_err());
    }

    #[test]
    fn a_survey_file_is_read_with_each_bad_row_by_line() {
        let areas = [AreaId::new("tc-camden-town"), AreaId::new("E05013655")];
        let file = "area,quarter,community,respondents,confident\n\
                    tc-camden-town,2026-Q3,business,40,29\n\
                    E05013655,2026-Q3,public,120,95\n\
                    nowhere,2026-Q3,public,10,5\n\
                    E05013655,2026-Q5,Public,10,5\n\
                    E05013655,2026-Q2,residents,10,11\n\
                    tc-camden-town,2026-Q3,Business,10,5\n\
                    E05013655,2026-Q2,public,0,0\n\
                    E05013655,2026-Q2,public,ten,5\n";
        let (rows, errors) = read_survey_csv(file, &areas).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            SurveyRow {
                area: AreaId::new("tc-camden-town"),
                quarter: "2026-Q3".parse().unwrap(),
                community: Community::Business,
                respondents: 40,
                confident: 29,
            }
        );
        let by_line: Vec<(u32, &str)> = errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(by_line[0], (4, "there is no area \"nowhere\" at HQ"));
        assert_eq!(by_line[1].0, 5);
        assert!(by_line[1].1.contains("is not a quarter"));
        assert_eq!(by_line[2].0, 6);
        assert!(by_line[2].1.contains("neither public nor business"));
        assert!(by_line[2]
            .1
            .contains("more said they were confident (11) than answered (10)"));
        assert_eq!(
            by_line[3],
            (7, "line 2 has the same area, quarter and community")
        );
        assert_eq!(by_line[4], (8, "no one answered (respondents is 0)"));
        assert_eq!(by_line[5], (9, "respondents \"ten\" is not a whole number"));
        assert!(read_survey_csv("Crime ID,Month\n", &areas)
            .unwrap_err()
            .0
            .contains(
            "no \"area\", \"quarter\", \"community\", \"respondents\" and \"confident\" columns"
        ));
    }

    #[test]
    fn outcome_measures_serialise_as_their_ids_and_parse_back() {
        for m in OutcomeMeasure::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), m.id());
            assert_eq!(OutcomeMeasure::parse(m.id()), Some(m));
            assert!(!m.label().is_empty() && !m.unit().is_empty());
        }
        assert_eq!(OutcomeMeasure::parse("concerns_closed"), None);
        assert!(OutcomeMeasure::CrimeChangeYoy.lower_is_better());
        assert!(!OutcomeMeasure::ConfidenceBusiness.lower_is_better());
        assert!(OutcomeMeasure::CostPerEngagement.lower_is_better());
    }

    #[test]
    fn default_targets_are_crime_down_5_and_confidence_75_and_70_and_none_for_costs() {
        let t = default_targets(TeamKind::Tct);
        assert_eq!(t.len(), OutcomeMeasure::ALL.len());
        assert!(t.contains(&(OutcomeMeasure::CrimeChangeYoy, Some(-5.0))));
        assert!(t.contains(&(OutcomeMeasure::ConfidencePublic, Some(75.0))));
        assert!(t.contains(&(OutcomeMeasure::ConfidenceBusiness, Some(70.0))));
        assert!(t.contains(&(OutcomeMeasure::CostPerPatrolHour, None)));
        assert_eq!(default_targets(TeamKind::Snt), t);
    }

    #[test]
    fn lower_is_better_is_green_at_or_below_target_amber_in_its_band_red_beyond() {
        let crime = OutcomeMeasure::CrimeChangeYoy;
        assert_eq!(crime.rag(Some(-12.0), Some(-5.0)), Rag::Green);
        assert_eq!(crime.rag(Some(-5.0), Some(-5.0)), Rag::Green);
        assert_eq!(crime.rag(Some(-2.0), Some(-5.0)), Rag::Amber);
        assert_eq!(crime.rag(Some(0.0), Some(-5.0)), Rag::Amber);
        assert_eq!(crime.rag(Some(0.1), Some(-5.0)), Rag::Red);
        assert_eq!(crime.rag(None, Some(-5.0)), Rag::None);
        let cost = OutcomeMeasure::CostPerPatrolHour;
        assert_eq!(cost.rag(Some(100.0), Some(100.0)), Rag::Green);
        assert_eq!(cost.rag(Some(110.0), Some(100.0)), Rag::Amber);
        assert_eq!(cost.rag(Some(110.5), Some(100.0)), Rag::Red);
        assert_eq!(
            cost.rag(Some(50.0), None),
            Rag::None,
            "no target: no colour"
        );
        // Higher is better: as the activity measures.
        let public = OutcomeMeasure::ConfidencePublic;
        assert_eq!(public.rag(Some(75.0), Some(75.0)), Rag::Green);
        assert_eq!(public.rag(Some(70.0), Some(75.0)), Rag::Amber);
        assert_eq!(public.rag(Some(60.0), Some(75.0)), Rag::Red);
    }

    #[test]
    fn changes_shares_costs_and_pence() {
        assert_eq!(percent_change(90, 100), Some(-10.0));
        assert_eq!(percent_change(107, 93), Some(15.1));
        assert_eq!(percent_change(5, 0), None);
        assert_eq!(confidence(2, 3), Some(66.7));
        assert_eq!(confidence(0, 0), None);
        assert_eq!(cost_per(1_000_000, 250.0), Some(40.0));
        assert_eq!(cost_per(1_000_000, 0.0), None);
        assert_eq!(pence_of(41_250.55), Ok(4_125_055));
        assert!(pence_of(-1.0).is_err() && pence_of(f64::NAN).is_err());
    }

    #[test]
    fn a_partnership_note_needs_text_and_a_known_team_or_area() {
        let today: NaiveDate = "2026-12-07".parse().unwrap();
        let teams = [crate::TeamId::new("camden-tct")];
        let areas = [AreaId::new("tc-camden-town")];
        let note = NewPartnershipNote {
            meeting: PartnershipMeeting::Cdrp,
            met_on: Some("2026-11-18".parse().unwrap()),
            team_id: Some(crate::TeamId::new("camden-tct")),
            area_id: None,
            quarter: None,
            text: "Partners agreed a joint operation on the canal towpath.".into(),
        };
        assert!(note.check(&teams, &areas, today).is_ok());
        assert_eq!(note.quarter_or(today).to_string(), "2026-Q4");
        let empty = NewPartnershipNote {
            team_id: None,
            text: "  ".into(),
            ..note.clone()
        };
        let errs = empty.check(&teams, &areas, today).unwrap_err();
        assert!(
            errs.has("text") && errs.has("team_id") && errs.has("area_id"),
            "{errs}"
        );
        let unknown = NewPartnershipNote {
            team_id: Some(crate::TeamId::new("nowhere-tct")),
            area_id: Some(AreaId::new("nowhere")),
            met_on: Some("2026-12-08".parse().unwrap()),
            ..note
        };
        let errs = unknown.check(&teams, &areas, today).unwrap_err();
        assert_eq!(errs.errors.len(), 3, "{errs}");
        assert!(errs.has("team_id") && errs.has("area_id") && errs.has("met_on"));
    }
}
