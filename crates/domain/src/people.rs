//! Officers, teams and roles; and the people a record mentions.

use crate::validation::ValidationErrors;
use crate::{AreaId, OfficerId, TeamId};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Officer,
    Supervisor,
    IntelligenceUnit,
    Analyst,
    Admin,
    /// Reviews records at their retention review date: retain, dispose of, or hold.
    RecordsManager,
    /// A member of the police authority's committee that oversees the teams: reads the
    /// committee report (aggregates only: no names, no record text, no intelligence).
    CommitteeMember,
    /// The force's data protection officer: answers subject access requests, rectifies and
    /// restricts records. Never sees intelligence sources or raw intelligence.
    DataProtection,
    /// Reads records force-wide at HQ (senior leadership): supervisors see only their own teams'
    /// areas.
    ForceReader,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    /// Town Centre Team.
    Tct,
    /// Safer Neighbourhoods Team.
    Snt,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub kind: TeamKind,
    pub areas: Vec<AreaId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Officer {
    pub id: OfficerId,
    pub collar_number: String,
    pub name: String,
    pub role: Role,
    pub teams: Vec<TeamId>,
}

impl Officer {
    pub fn validate(&self) -> ValidationErrors {
        let mut errs = ValidationErrors::new();
        errs.require_text("collar_number", &self.collar_number, "Collar number");
        errs.max_len("collar_number", &self.collar_number, 20);
        errs.require_text("name", &self.name, "Name");
        errs.max_len("name", &self.name, 100);
        errs
    }
}

/// The part a person plays in what a record describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    Victim,
    Witness,
    Suspect,
    Other,
}

/// Whether a statement is something the person saw or knows, or their view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Fact,
    Opinion,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub text: String,
    pub basis: Basis,
}

/// A person a record is about. Capture only what is needed: every field but the role is optional.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PersonInvolved {
    pub role: PersonRole,
    #[serde(default)]
    pub name: Option<String>,
    /// Appearance, age range, or how to recognise them, when no name is known.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub statements: Vec<Statement>,
}

impl PersonInvolved {
    pub fn validate(&self) -> ValidationErrors {
        let mut errs = ValidationErrors::new();
        if let Some(name) = &self.name {
            errs.max_len("name", name, 100);
        }
        if let Some(d) = &self.description {
            errs.max_len("description", d, 1_000);
        }
        for (i, s) in self.statements.iter().enumerate() {
            errs.require_text(&format!("statements[{i}].text"), &s.text, "Statement text");
            errs.max_len(&format!("statements[{i}].text"), &s.text, 5_000);
        }
        errs
    }

    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        parts.extend(self.name.as_deref());
        parts.extend(self.description.as_deref());
        parts.extend(self.statements.iter().map(|s| s.text.as_str()));
        parts.join(" ")
    }
}

pub(crate) fn validate_people(errs: &mut ValidationErrors, people: &[PersonInvolved]) {
    for (i, p) in people.iter().enumerate() {
        errs.nest(&format!("people[{i}]"), p.validate());
    }
}
