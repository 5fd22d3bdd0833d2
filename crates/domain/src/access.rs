//! Who may see what. Decided on HQ from the officer's identity, never from what a device claims.
//!
//! - Source details of intelligence never go to devices.
//! - Raw intelligence goes to its author's tablet only (the intelligence unit reviews it at HQ),
//!   until disseminated; then to the teams it was disseminated to (as its handling code allows).
//! - Everything else goes to officers whose teams cover one of the record's areas (so an item in
//!   the overlap of a town centre and a ward reaches both teams) and to its author. Whatever the
//!   role of the person signed in, a tablet holds only that: no tablet is a force-wide copy.
//!
//! At HQ, on the dashboard, each role may do what its purpose needs ([`HqAction::roles`]) and see
//! the records that purpose needs ([`hq_may_see`]): the intelligence unit reviews intelligence,
//! supervisors oversee their own teams' areas, analysts and force-wide readers (a superintendent,
//! say) read the whole force, and administrators run the directory and the devices but read no
//! records.

use crate::intel::ReviewState;
use crate::merge::RecordState;
use crate::people::Role;
use crate::{AreaId, OfficerId, RecordKind, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The person asking, as HQ knows them. HQ also tells a device its viewer on every pull, so the
/// device can let go of what its officer may no longer see when their teams change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub officer: OfficerId,
    pub role: Role,
    pub teams: BTreeSet<TeamId>,
    /// The union of their teams' areas.
    pub areas: BTreeSet<AreaId>,
}

/// What the access rules need to know about a record. HQ keeps it beside the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessFacts {
    pub kind: Option<RecordKind>,
    pub created_by: OfficerId,
    pub areas: Vec<AreaId>,
    pub review_state: Option<ReviewState>,
    pub disseminated_to: Vec<TeamId>,
    /// Processing restricted by the data protection officer (`merge::RESTRICTED_FIELD`): the
    /// record is kept but leaves every list, search, drill-down, figure and tablet until lifted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
}

impl AccessFacts {
    pub fn from_state(state: &RecordState) -> Self {
        // The fields read here are plain (last-writer-wins) fields, never narrative text: read
        // them where they are, without copying the record (this runs for every op HQ applies).
        fn parse<T: serde::de::DeserializeOwned>(state: &RecordState, key: &str) -> Option<T> {
            state.fields.get(key)?.value.parse().ok()
        }
        let mut areas: Vec<AreaId> = parse(state, "areas").unwrap_or_default();
        if let Some(a) = parse(state, "area_id") {
            areas.push(a);
        }
        AccessFacts {
            kind: Some(state.kind),
            created_by: state.created_by.clone(),
            areas,
            review_state: parse(state, "review_state"),
            disseminated_to: parse(state, "disseminated_to").unwrap_or_default(),
            restricted: state
                .fields
                .get(crate::merge::RESTRICTED_FIELD)
                .is_some_and(|v| v.value.get() != "null"),
        }
    }
}

/// Whether `viewer`'s device may hold the record.
///
/// The same for every role: a tablet holds what an officer of the viewer's teams needs on patrol
/// (their own records, their teams' areas, intelligence disseminated to their teams). Staff
/// roles read force-wide on the dashboard only, where every look is logged with its purpose; a
/// tablet signed in by an analyst, an administrator or the intelligence unit is not a force-wide
/// copy. The intelligence unit reviews raw intelligence at HQ, so its tablet gets raw reports
/// only of its own.
pub fn device_may_see(viewer: &Viewer, facts: &AccessFacts) -> bool {
    if facts.restricted {
        // Restricted: no tablet holds it (a pull tells the ones that did to let it go).
        return false;
    }
    let own = facts.created_by == viewer.officer;
    match facts.kind {
        None | Some(RecordKind::IntelSource) => false,
        Some(RecordKind::IntelReport) => {
            own || (facts.review_state == Some(ReviewState::Disseminated)
                && facts
                    .disseminated_to
                    .iter()
                    .any(|t| viewer.teams.contains(t)))
        }
        Some(_) => own || facts.areas.iter().any(|a| viewer.areas.contains(a)),
    }
}

/// The keys of HQ's change feed under which a record's changes are filed: its author, its areas,
/// and for intelligence the intelligence unit and the teams it was disseminated to. A pull reads
/// only the keys of the viewer ([`viewer_keys`]), so its cost follows what the officer may see,
/// not the size of HQ. The feed is an index only: [`device_may_see`] still decides each record.
pub fn audience(facts: &AccessFacts) -> Vec<String> {
    let mut keys = Vec::new();
    match facts.kind {
        // Never sent to a device: not in the feed at all.
        None | Some(RecordKind::IntelSource) => {}
        Some(RecordKind::IntelReport) => {
            keys.push(officer_key(&facts.created_by));
            keys.extend(facts.disseminated_to.iter().map(|t| format!("team:{t}")));
        }
        Some(_) => {
            keys.push(officer_key(&facts.created_by));
            keys.extend(facts.areas.iter().map(|a| format!("area:{a}")));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The feed keys a viewer reads, or `None` for a viewer that reads every change. No role does
/// now: a tablet holds what its officer's teams need, whatever the role ([`device_may_see`]).
pub fn viewer_keys(viewer: &Viewer) -> Option<Vec<String>> {
    let mut keys = vec![officer_key(&viewer.officer)];
    keys.extend(viewer.areas.iter().map(|a| format!("area:{a}")));
    keys.extend(viewer.teams.iter().map(|t| format!("team:{t}")));
    Some(keys)
}

/// What HQ staff do on the dashboard. Each is allowed to the roles [`HqAction::roles`] names;
/// which records they then see is [`hq_may_see`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HqAction {
    /// Sign in to the dashboard at all. Officers use the tablet.
    SignIn,
    /// Read the areas and teams: reference data every dashboard page needs.
    ReadReference,
    /// List, search and open records (each as [`hq_may_see`] allows).
    ReadRecords,
    /// Search every record of every kind for a person, for a subject access request.
    SubjectAccess,
    /// The intelligence review queue, a report with its source details, re-grading, sanitising
    /// and dissemination.
    ReviewIntel,
    /// The performance framework: the board, the board pack, trends, targets and overlaps.
    /// Figures only.
    ViewFramework,
    /// The records behind a cell of the framework.
    DrillDown,
    /// A team's figures officer by officer (each team as [`may_see_officer_breakdown`] allows).
    OfficerBreakdown,
    /// The directory: areas, teams, officers and their roles.
    ManageDirectory,
    /// Devices: enrolment codes, the device list, revocation.
    ManageDevices,
    /// The framework's targets.
    SetTargets,
    /// The audit trail: the op log and the access log, and the op log's hash chains.
    Audit,
    /// The retention review queue and its decisions: retain, dispose of, hold, release.
    ReviewRetention,
    /// Open an improvement action from a cell of the board, add progress, close it with its
    /// evidence (and read the actions with their owners and updates).
    ManageActions,
    /// Import recorded crime and survey results, and enter the teams' monthly costs.
    ManageOutcomes,
    /// Write notes from partnership meetings for the committee.
    WritePartnershipNotes,
    /// Read the committee report (aggregates only) and download it as a PDF.
    CommitteeReport,
    /// Correct a field of a record, or remove its superseded text versions (DPA s.46).
    Rectify,
    /// Restrict a record's processing, and lift the restriction (DPA s.47).
    Restrict,
    /// Review the source records and raw intelligence a subject access search found, and decide
    /// what of them is disclosed or redacted (the data protection officer never sees them).
    RedactForSubjectAccess,
}

impl HqAction {
    pub const ALL: [HqAction; 20] = [
        HqAction::SignIn,
        HqAction::ReadReference,
        HqAction::ReadRecords,
        HqAction::SubjectAccess,
        HqAction::ReviewIntel,
        HqAction::ViewFramework,
        HqAction::DrillDown,
        HqAction::OfficerBreakdown,
        HqAction::ManageDirectory,
        HqAction::ManageDevices,
        HqAction::SetTargets,
        HqAction::Audit,
        HqAction::ReviewRetention,
        HqAction::ManageActions,
        HqAction::ManageOutcomes,
        HqAction::WritePartnershipNotes,
        HqAction::CommitteeReport,
        HqAction::Rectify,
        HqAction::Restrict,
        HqAction::RedactForSubjectAccess,
    ];

    /// The roles that may do it, in the order a refusal names them.
    pub fn roles(self) -> &'static [Role] {
        const STAFF: &[Role] = &[
            Role::Supervisor,
            Role::IntelligenceUnit,
            Role::Analyst,
            Role::Admin,
            Role::RecordsManager,
            Role::CommitteeMember,
            Role::DataProtection,
            Role::ForceReader,
        ];
        match self {
            HqAction::SignIn | HqAction::ReadReference => STAFF,
            HqAction::ReadRecords => &[
                Role::Supervisor,
                Role::ForceReader,
                Role::Analyst,
                Role::IntelligenceUnit,
            ],
            HqAction::ReviewIntel => &[Role::IntelligenceUnit],
            HqAction::ViewFramework => &[
                Role::Supervisor,
                Role::ForceReader,
                Role::Analyst,
                Role::Admin,
            ],
            // It lists records, which administrators do not read.
            HqAction::DrillDown => &[Role::Supervisor, Role::ForceReader, Role::Analyst],
            // Line management: how each officer is doing is for those who supervise them.
            HqAction::OfficerBreakdown => &[Role::Supervisor],
            HqAction::SubjectAccess | HqAction::Rectify | HqAction::Restrict => {
                &[Role::DataProtection]
            }
            HqAction::RedactForSubjectAccess => &[Role::IntelligenceUnit],
            HqAction::ManageDirectory
            | HqAction::ManageDevices
            | HqAction::SetTargets
            | HqAction::Audit => &[Role::Admin],
            HqAction::ReviewRetention => &[Role::RecordsManager],
            // Supervisors (sergeants and inspectors) own the failures of their teams.
            HqAction::ManageActions => &[Role::Supervisor],
            HqAction::ManageOutcomes => &[Role::Analyst, Role::Admin],
            HqAction::WritePartnershipNotes => &[Role::Supervisor, Role::Analyst, Role::Admin],
            HqAction::CommitteeReport => &[
                Role::CommitteeMember,
                Role::Supervisor,
                Role::ForceReader,
                Role::Analyst,
                Role::Admin,
            ],
        }
    }
}

/// Whether an HQ role may do `action` on the dashboard.
pub fn hq_may(role: Role, action: HqAction) -> bool {
    action.roles().contains(&role)
}

/// Whether a person at HQ (`role`, member of `teams`) may see `team`'s figures officer by
/// officer: supervisors, for the teams they supervise. A sergeant supervises their own team; an
/// inspector (or above) supervises every team of their neighbourhood (or borough), so sees more.
/// Analysts and administrators see the teams' figures, not officers'.
pub fn may_see_officer_breakdown(role: Role, teams: &[TeamId], team: &TeamId) -> bool {
    hq_may(role, HqAction::OfficerBreakdown) && teams.contains(team)
}

/// Whether `viewer` may see a record on the dashboard: need to know.
///
/// - Source details: the intelligence unit only.
/// - Intelligence reports: the intelligence unit; once disseminated (the sanitised product, never
///   the raw report), analysts and force-wide readers, and supervisors when it was disseminated
///   to one of their teams.
/// - Everything else: supervisors for their own teams' areas (and what they wrote themselves);
///   analysts, force-wide readers and the intelligence unit force-wide.
/// - Administrators (and every other role) see records only through their own pages (subject
///   access for the data protection officer), never here.
pub fn hq_may_see(viewer: &Viewer, facts: &AccessFacts) -> bool {
    if facts.restricted {
        // Restricted: only the data protection officer opens it (`data_protection_may_open`).
        return false;
    }
    let role = viewer.role;
    match facts.kind {
        None => false,
        Some(RecordKind::IntelSource) => role == Role::IntelligenceUnit,
        Some(RecordKind::IntelReport) => {
            role == Role::IntelligenceUnit
                || (facts.review_state == Some(ReviewState::Disseminated)
                    && match role {
                        Role::ForceReader | Role::Analyst => true,
                        Role::Supervisor => facts
                            .disseminated_to
                            .iter()
                            .any(|t| viewer.teams.contains(t)),
                        _ => false,
                    })
        }
        Some(_) => match role {
            Role::ForceReader | Role::Analyst | Role::IntelligenceUnit => true,
            Role::Supervisor => {
                facts.created_by == viewer.officer
                    || facts.areas.iter().any(|a| viewer.areas.contains(a))
            }
            _ => false,
        },
    }
}

/// What the data protection officer may see of a record a subject access search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataProtectionView {
    /// Shown to the data protection officer in full.
    Shown,
    /// Listed only (kind and reference): the intelligence unit reviews it and decides what is
    /// disclosed or redacted. Source records and intelligence not yet disseminated.
    WithheldForReview,
}

/// Source records and raw (not disseminated) intelligence are withheld from the data protection
/// officer and go to the intelligence unit for review; everything else is shown.
pub fn data_protection_view(facts: &AccessFacts) -> DataProtectionView {
    match facts.kind {
        None | Some(RecordKind::IntelSource) => DataProtectionView::WithheldForReview,
        Some(RecordKind::IntelReport) if facts.review_state != Some(ReviewState::Disseminated) => {
            DataProtectionView::WithheldForReview
        }
        Some(_) => DataProtectionView::Shown,
    }
}

/// Whether an HQ role may see any record of `kind` on the dashboard ([`hq_may_see`] decides each
/// one): a list of a kind the role never sees need not be read at all.
pub fn hq_may_see_kind(role: Role, kind: RecordKind) -> bool {
    match kind {
        RecordKind::IntelSource => role == Role::IntelligenceUnit,
        _ => matches!(
            role,
            Role::Supervisor | Role::ForceReader | Role::Analyst | Role::IntelligenceUnit
        ),
    }
}

/// Whether an HQ role reads records with people's names and contact details masked: analysts
/// study patterns, not people, so they read them masked unless the purpose they gave allows more
/// (`PurposeKind::unmasks`, e.g. an investigation with its reference).
pub fn masks_personal(role: Role, purpose_unmasks: bool) -> bool {
    role == Role::Analyst && !purpose_unmasks
}

/// What a masked name reads as.
pub const NAME_WITHHELD: &str = "[name withheld]";
/// What a masked description of a person reads as.
pub const DESCRIPTION_WITHHELD: &str = "[description withheld]";
/// What masked contact details read as.
pub const CONTACT_WITHHELD: &str = "[contact details withheld]";
/// What a masked phone number in free text reads as.
pub const PHONE_WITHHELD: &str = "[phone withheld]";
/// What a masked email address in free text reads as.
pub const EMAIL_WITHHELD: &str = "[email withheld]";
/// What a masked address (a concern's place) reads as.
pub const ADDRESS_WITHHELD: &str = "[address withheld]";

/// Keys of a record's JSON that hold free text: phone numbers, email addresses and the names of
/// the people the record lists are masked inside them.
const FREE_TEXT: &[&str] = &[
    "description",
    "notes",
    "note",
    "content",
    "checks_made",
    "text",
    "label",
    "venue",
    "hotspot",
    "issues_raised",
    "agreed_priorities",
    "title",
    "scanning",
    "analysis",
    "assessment",
    "action",
    "owner",
    "you_said",
    "we_did",
    "relationship",
];

/// Mask a record for a reader who may not see names and contact details ([`masks_personal`]):
/// `body` is the record as its kind's JSON, `title` the title shown with it.
///
/// - The people it lists: their names and descriptions are withheld (their role stays).
/// - Its contact details are withheld; a concern's place (it may be someone's home) is withheld
///   and its position coarsened to about 100 m (three decimal places), so it still counts in
///   its area and on a map.
/// - In every free text (description, notes, statements, content, the title...): phone numbers
///   (nine digits or more, whatever their spacing), email addresses, and the names of the people
///   the record lists (whole names and each part of three letters or more, any case).
pub fn mask_personal(kind: RecordKind, body: &mut serde_json::Value, title: &mut String) {
    use serde_json::Value;
    let mut names: Vec<String> = Vec::new();
    if let Some(people) = body.get_mut("people").and_then(Value::as_array_mut) {
        for p in people {
            if let Some(n) = p.get("name").and_then(Value::as_str) {
                names.push(n.to_owned());
            }
            if let Some(o) = p.as_object_mut() {
                for (key, with) in [
                    ("name", NAME_WITHHELD),
                    ("description", DESCRIPTION_WITHHELD),
                ] {
                    if o.get(key).is_some_and(|v| !v.is_null()) {
                        o.insert(key.into(), Value::String(with.into()));
                    }
                }
            }
        }
    }
    if kind == RecordKind::IntelSource {
        if let Some(n) = body.get("name").and_then(Value::as_str) {
            names.push(n.to_owned());
        }
        if let Some(o) = body.as_object_mut() {
            if o.get("name").is_some_and(|v| !v.is_null()) {
                o.insert("name".into(), Value::String(NAME_WITHHELD.into()));
            }
        }
    }
    if let Some(o) = body.as_object_mut() {
        if o.get("contact").is_some_and(|v| !v.is_null()) {
            o.insert("contact".into(), Value::String(CONTACT_WITHHELD.into()));
        }
    }
    if kind == RecordKind::Concern {
        if let Some(loc) = body.get_mut("location").and_then(Value::as_object_mut) {
            if loc.get("place").is_some_and(|v| !v.is_null()) {
                loc.insert("place".into(), Value::String(ADDRESS_WITHHELD.into()));
            }
            for key in ["lat", "lon"] {
                if let Some(x) = loc.get(key).and_then(Value::as_f64) {
                    loc.insert(key.into(), Value::from((x * 1000.0).round() / 1000.0));
                }
            }
        }
    }
    scrub_tree(body, false, &names);
    *title = mask_text(title, &names);
}

/// Scrub the free text of a JSON tree: strings under a [`FREE_TEXT`] key (at any depth).
fn scrub_tree(v: &mut serde_json::Value, free: bool, names: &[String]) {
    use serde_json::Value;
    match v {
        Value::String(s) if free => *s = mask_text(s, names),
        Value::Array(items) => items.iter_mut().for_each(|i| scrub_tree(i, free, names)),
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                scrub_tree(child, FREE_TEXT.contains(&k.as_str()), names);
            }
        }
        _ => {}
    }
}

/// Free text with phone numbers, email addresses and the given people's names masked.
pub fn mask_text(text: &str, names: &[String]) -> String {
    let mut out = mask_emails(&mask_phones(text));
    let mut whole: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    whole.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    for n in &whole {
        out = replace_words(&out, n, NAME_WITHHELD);
    }
    let mut parts: Vec<&str> = whole
        .iter()
        .flat_map(|n| n.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-'))
        .filter(|p| p.chars().count() >= 3)
        .collect();
    parts.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    parts.dedup();
    for p in parts {
        out = replace_words(&out, p, NAME_WITHHELD);
    }
    out
}

/// Replace every whole-word, case-insensitive occurrence of `word` in `text`.
fn replace_words(text: &str, word: &str, with: &str) -> String {
    let fold = |c: char| c.to_lowercase().next().unwrap_or(c);
    let t: Vec<char> = text.chars().collect();
    let w: Vec<char> = word.chars().map(fold).collect();
    if w.is_empty() || w.len() > t.len() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < t.len() {
        let starts = (i == 0 || !t[i - 1].is_alphanumeric())
            && i + w.len() <= t.len()
            && t[i..i + w.len()]
                .iter()
                .zip(&w)
                .all(|(a, b)| fold(*a) == *b)
            && t.get(i + w.len()).is_none_or(|c| !c.is_alphanumeric());
        if starts {
            out.push_str(with);
            i += w.len();
        } else {
            out.push(t[i]);
            i += 1;
        }
    }
    out
}

/// Phone numbers: a run of digits, spaces, `+`, `-`, `(`, `)` and `.` holding nine digits or
/// more ("020 7946 0123", "+44 (0)7700-900123").
fn mask_phones(text: &str) -> String {
    let t: Vec<char> = text.chars().collect();
    let part = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < t.len() {
        let begins = (t[i].is_ascii_digit() || t[i] == '+' || t[i] == '(')
            && (i == 0 || !t[i - 1].is_alphanumeric());
        if begins {
            let mut j = i;
            while j < t.len() && part(t[j]) {
                j += 1;
            }
            // Give back trailing separators (a sentence's space or full stop).
            while j > i && !t[j - 1].is_ascii_digit() && t[j - 1] != ')' {
                j -= 1;
            }
            let digits = t[i..j].iter().filter(|c| c.is_ascii_digit()).count();
            let glued = t.get(j).is_some_and(|c| c.is_alphanumeric());
            if digits >= 9 && !glued {
                out.push_str(PHONE_WITHHELD);
                i = j;
                continue;
            }
        }
        out.push(t[i]);
        i += 1;
    }
    out
}

/// Email addresses: a word with an `@` and a dot after it.
fn mask_emails(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        let core = word.trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
        let core_start = core.len() - core.trim_start_matches(['(', '<', '"']).len();
        let addr = &core[core_start..];
        let is_email = addr.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.')
        });
        if is_email {
            out.push_str(&core[..core_start]);
            out.push_str(EMAIL_WITHHELD);
            out.push_str(&word[core.len()..]);
        } else {
            out.push_str(word);
        }
        let ws = tail.len() - tail.trim_start().len();
        out.push_str(&tail[..ws]);
        rest = &tail[ws..];
    }
    out
}

fn officer_key(officer: &OfficerId) -> String {
    format!("officer:{officer}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn viewer(role: Role, teams: &[&str], areas: &[&str]) -> Viewer {
        Viewer {
            officer: OfficerId::new("PC1"),
            role,
            teams: teams.iter().map(|t| TeamId::new(*t)).collect(),
            areas: areas.iter().map(|a| AreaId::new(*a)).collect(),
        }
    }

    fn facts(kind: RecordKind, by: &str, areas: &[&str]) -> AccessFacts {
        AccessFacts {
            kind: Some(kind),
            created_by: OfficerId::new(by),
            areas: areas.iter().map(|a| AreaId::new(*a)).collect(),
            review_state: None,
            disseminated_to: vec![],
            restricted: false,
        }
    }

    #[test]
    fn a_restricted_record_is_seen_by_no_role_and_held_by_no_tablet() {
        let mut c = facts(RecordKind::Concern, "PC1", &["tc-camden-town"]);
        let officer = viewer(Role::Officer, &["tct"], &["tc-camden-town"]);
        assert!(device_may_see(&officer, &c));
        assert!(hq_may_see(
            &viewer(Role::Supervisor, &["tct"], &["tc-camden-town"]),
            &c
        ));
        c.restricted = true;
        for role in ROLES {
            assert!(
                !hq_may_see(&viewer(role, &["tct"], &["tc-camden-town"]), &c),
                "{role:?}"
            );
            assert!(!device_may_see(
                &viewer(role, &["tct"], &["tc-camden-town"]),
                &c
            ));
        }
        // Even its author's tablet lets it go.
        assert!(!device_may_see(&officer, &c));
        // What HQ keeps beside a record reads as before when it is not restricted.
        let plain = facts(RecordKind::Concern, "PC1", &["a"]);
        let text = serde_json::to_string(&plain).unwrap();
        assert!(!text.contains("restricted"));
        assert_eq!(serde_json::from_str::<AccessFacts>(&text).unwrap(), plain);
    }

    #[test]
    fn an_item_in_an_overlap_reaches_both_teams() {
        let c = facts(RecordKind::Concern, "PC9", &["E05013655", "tc-camden-town"]);
        assert!(device_may_see(
            &viewer(Role::Officer, &["tct"], &["tc-camden-town"]),
            &c
        ));
        assert!(device_may_see(
            &viewer(Role::Officer, &["snt"], &["E05013655"]),
            &c
        ));
        assert!(!device_may_see(
            &viewer(Role::Officer, &["dalston"], &["E05009370"]),
            &c
        ));
    }

    #[test]
    fn raw_intelligence_stays_with_its_author_on_a_tablet() {
        let mut r = facts(RecordKind::IntelReport, "PC9", &["tc-dalston"]);
        r.review_state = Some(ReviewState::Sanitised);
        r.disseminated_to = vec![TeamId::new("hackney-tct")];
        let team = viewer(Role::Officer, &["hackney-tct"], &["tc-dalston"]);
        assert!(!device_may_see(&team, &r), "not yet disseminated");
        assert!(
            !device_may_see(&viewer(Role::IntelligenceUnit, &[], &[]), &r),
            "the intelligence unit reviews raw reports at HQ, not on a tablet"
        );
        assert!(hq_may_see(&viewer(Role::IntelligenceUnit, &[], &[]), &r));
        let author = Viewer {
            officer: OfficerId::new("PC9"),
            ..viewer(Role::Officer, &[], &[])
        };
        assert!(device_may_see(&author, &r));
        r.review_state = Some(ReviewState::Disseminated);
        assert!(device_may_see(&team, &r));
        assert!(
            !device_may_see(
                &viewer(Role::Officer, &["dalston-snt"], &["tc-dalston"]),
                &r
            ),
            "not a team it was disseminated to"
        );
    }

    const ROLES: [Role; 9] = [
        Role::Officer,
        Role::Supervisor,
        Role::IntelligenceUnit,
        Role::Analyst,
        Role::Admin,
        Role::RecordsManager,
        Role::CommitteeMember,
        Role::DataProtection,
        Role::ForceReader,
    ];

    fn any_role() -> impl Strategy<Value = Role> {
        proptest::sample::select(ROLES.to_vec())
    }

    fn any_action() -> impl Strategy<Value = HqAction> {
        proptest::sample::select(HqAction::ALL.to_vec())
    }

    /// Any record's facts as far as the dashboard's rules read them.
    fn any_facts() -> impl Strategy<Value = AccessFacts> {
        (
            proptest::option::of(proptest::sample::select(RecordKind::ALL.to_vec())),
            proptest::option::of(proptest::sample::select(vec![
                ReviewState::Submitted,
                ReviewState::Reviewed,
                ReviewState::Sanitised,
                ReviewState::Disseminated,
            ])),
        )
            .prop_map(|(kind, review_state)| AccessFacts {
                kind,
                review_state,
                ..facts(RecordKind::Concern, "PC2", &["a"])
            })
    }

    /// The dashboard's roles, action by action: the whole table, as HQ has always allowed it.
    #[test]
    fn each_hq_role_may_do_exactly_what_its_purpose_needs() {
        use HqAction as A;
        let allowed = |action: HqAction| -> Vec<Role> {
            ROLES.into_iter().filter(|r| hq_may(*r, action)).collect()
        };
        let staff = vec![
            Role::Supervisor,
            Role::IntelligenceUnit,
            Role::Analyst,
            Role::Admin,
            Role::RecordsManager,
            Role::CommitteeMember,
            Role::DataProtection,
            Role::ForceReader,
        ];
        assert_eq!(allowed(A::SignIn), staff);
        assert_eq!(allowed(A::ReadReference), staff);
        assert_eq!(
            allowed(A::ReadRecords),
            [
                Role::Supervisor,
                Role::IntelligenceUnit,
                Role::Analyst,
                Role::ForceReader
            ]
        );
        for a in [A::SubjectAccess, A::Rectify, A::Restrict] {
            assert_eq!(allowed(a), [Role::DataProtection], "{a:?}");
        }
        assert_eq!(allowed(A::ReviewIntel), [Role::IntelligenceUnit]);
        assert_eq!(allowed(A::RedactForSubjectAccess), [Role::IntelligenceUnit]);
        assert_eq!(
            allowed(A::ViewFramework),
            [
                Role::Supervisor,
                Role::Analyst,
                Role::Admin,
                Role::ForceReader
            ]
        );
        assert_eq!(
            allowed(A::DrillDown),
            [Role::Supervisor, Role::Analyst, Role::ForceReader]
        );
        for a in [
            A::ManageDirectory,
            A::ManageDevices,
            A::SetTargets,
            A::Audit,
        ] {
            assert_eq!(allowed(a), [Role::Admin], "{a:?}");
        }
        assert_eq!(allowed(A::ReviewRetention), [Role::RecordsManager]);
    }

    #[test]
    fn the_data_protection_officer_is_never_shown_sources_or_raw_intelligence() {
        use DataProtectionView::{Shown, WithheldForReview};
        let mut r = facts(RecordKind::IntelReport, "PC9", &["a"]);
        assert_eq!(data_protection_view(&r), WithheldForReview);
        r.review_state = Some(ReviewState::Sanitised);
        assert_eq!(data_protection_view(&r), WithheldForReview);
        r.review_state = Some(ReviewState::Disseminated);
        assert_eq!(data_protection_view(&r), Shown);
        let s = facts(RecordKind::IntelSource, "PC9", &["a"]);
        assert_eq!(data_protection_view(&s), WithheldForReview);
        let c = facts(RecordKind::Concern, "PC9", &["a"]);
        assert_eq!(data_protection_view(&c), Shown);
    }

    proptest! {
        #[test]
        fn officers_may_do_and_see_nothing_on_the_dashboard(action in any_action(), f in any_facts()) {
            prop_assert!(!hq_may(Role::Officer, action));
            prop_assert!(!hq_may_see(&viewer(Role::Officer, &["t"], &["a"]), &f));
        }

        /// Whoever may do anything on the dashboard may sign in to it.
        #[test]
        fn every_dashboard_action_needs_a_role_that_may_sign_in(role in any_role(), action in any_action()) {
            prop_assert!(!hq_may(role, action) || hq_may(role, HqAction::SignIn));
        }

        /// Records are seen on the dashboard only by roles that may read records: administrators
        /// never (they search for a person, for a subject access request, and nothing else).
        #[test]
        fn only_roles_that_read_records_see_any_on_the_dashboard(role in any_role(), f in any_facts()) {
            if hq_may_see(&viewer(role, &["t"], &["a"]), &f) {
                prop_assert!(hq_may(role, HqAction::ReadRecords));
                prop_assert!(f.kind.is_some_and(|k| hq_may_see_kind(role, k)));
            }
            prop_assert!(!hq_may_see(&viewer(Role::Admin, &["t"], &["a"]), &f));
        }

        #[test]
        fn source_details_stay_with_the_intelligence_unit_at_hq(role in any_role(), mut f in any_facts()) {
            f.kind = Some(RecordKind::IntelSource);
            prop_assert_eq!(hq_may_see(&viewer(role, &["t"], &["a"]), &f), role == Role::IntelligenceUnit);
            prop_assert_eq!(hq_may_see_kind(role, RecordKind::IntelSource), role == Role::IntelligenceUnit);
        }

        /// Supervisors and analysts see the sanitised product, never a raw report.
        #[test]
        fn raw_intelligence_stays_with_the_intelligence_unit_at_hq(role in any_role(), mut f in any_facts()) {
            f.kind = Some(RecordKind::IntelReport);
            f.disseminated_to = vec![TeamId::new("t")];
            let expect = role == Role::IntelligenceUnit
                || (matches!(role, Role::Supervisor | Role::Analyst | Role::ForceReader)
                    && f.review_state == Some(ReviewState::Disseminated));
            prop_assert_eq!(hq_may_see(&viewer(role, &["t"], &["a"]), &f), expect);
        }

        /// Managing people, devices, targets and the audit trail is for administrators alone, and
        /// the intelligence review for the intelligence unit alone.
        #[test]
        fn administration_and_review_each_belong_to_one_role(role in any_role()) {
            for action in [HqAction::ManageDirectory, HqAction::ManageDevices, HqAction::SetTargets, HqAction::Audit] {
                prop_assert_eq!(hq_may(role, action), role == Role::Admin);
            }
            for action in [HqAction::SubjectAccess, HqAction::Rectify, HqAction::Restrict] {
                prop_assert_eq!(hq_may(role, action), role == Role::DataProtection);
            }
            prop_assert_eq!(hq_may(role, HqAction::ReviewIntel), role == Role::IntelligenceUnit);
            prop_assert_eq!(hq_may(role, HqAction::ReviewRetention), role == Role::RecordsManager);
        }

        #[test]
        fn source_details_never_reach_a_device(
            role in prop_oneof![Just(Role::Officer), Just(Role::Supervisor), Just(Role::IntelligenceUnit), Just(Role::Analyst), Just(Role::Admin)],
            own in any::<bool>(),
        ) {
            let f = facts(RecordKind::IntelSource, if own { "PC1" } else { "PC2" }, &["a"]);
            prop_assert!(!device_may_see(&viewer(role, &["t"], &["a"]), &f));
        }

        #[test]
        fn officers_see_non_intel_records_only_in_their_areas_or_their_own(
            kind in prop_oneof![Just(RecordKind::Concern), Just(RecordKind::Meeting), Just(RecordKind::Priority), Just(RecordKind::PatrolLog), Just(RecordKind::Engagement)],
            record_areas in proptest::collection::btree_set("[a-d]", 0..3),
            my_areas in proptest::collection::btree_set("[a-d]", 0..3),
            own in any::<bool>(),
        ) {
            let ra: Vec<&str> = record_areas.iter().map(String::as_str).collect();
            let ma: Vec<&str> = my_areas.iter().map(String::as_str).collect();
            let f = facts(kind, if own { "PC1" } else { "PC2" }, &ra);
            let expect = own || !record_areas.is_disjoint(&my_areas);
            prop_assert_eq!(device_may_see(&viewer(Role::Officer, &["t"], &ma), &f), expect);
        }

        /// Need to know on the dashboard: a supervisor sees the records of their own teams' areas
        /// (and their own), and intelligence disseminated to one of their teams; force-wide
        /// readers and analysts see the whole force.
        #[test]
        fn supervisors_see_their_own_teams_areas_and_force_readers_the_force(
            kind in prop_oneof![Just(RecordKind::Concern), Just(RecordKind::Meeting), Just(RecordKind::Priority), Just(RecordKind::PatrolLog), Just(RecordKind::Engagement), Just(RecordKind::Action), Just(RecordKind::IntelReport)],
            record_areas in proptest::collection::btree_set("[a-d]", 0..3),
            my_areas in proptest::collection::btree_set("[a-d]", 0..3),
            my_teams in proptest::collection::btree_set("[t-v]", 0..3),
            disseminated in proptest::collection::btree_set("[t-v]", 0..3),
            shared in any::<bool>(),
            own in any::<bool>(),
        ) {
            let ra: Vec<&str> = record_areas.iter().map(String::as_str).collect();
            let ma: Vec<&str> = my_areas.iter().map(String::as_str).collect();
            let mt: Vec<&str> = my_teams.iter().map(String::as_str).collect();
            let mut f = facts(kind, if own { "PC1" } else { "PC2" }, &ra);
            f.disseminated_to = disseminated.iter().map(|t| TeamId::new(t.as_str())).collect();
            if shared {
                f.review_state = Some(ReviewState::Disseminated);
            }
            let supervisor = hq_may_see(&viewer(Role::Supervisor, &mt, &ma), &f);
            let expect = if kind == RecordKind::IntelReport {
                shared && !disseminated.is_disjoint(&my_teams)
            } else {
                own || !record_areas.is_disjoint(&my_areas)
            };
            prop_assert_eq!(supervisor, expect);
            for role in [Role::ForceReader, Role::Analyst] {
                let v = viewer(role, &mt, &ma);
                prop_assert_eq!(hq_may_see(&v, &f), kind != RecordKind::IntelReport || shared);
            }
        }

        /// No role makes a tablet a force-wide copy: whoever signs in, it holds what an officer
        /// of the same teams would hold, and reads the change feed by their keys.
        #[test]
        fn every_role_on_a_tablet_gets_what_an_officer_of_its_teams_gets(
            role in any_role(),
            kind in proptest::sample::select(RecordKind::ALL.to_vec()),
            record_areas in proptest::collection::btree_set("[a-d]", 0..3),
            my_areas in proptest::collection::btree_set("[a-d]", 0..3),
            my_teams in proptest::collection::btree_set("[t-v]", 0..3),
            disseminated in proptest::collection::btree_set("[t-v]", 0..3),
            shared in any::<bool>(),
            own in any::<bool>(),
        ) {
            let ra: Vec<&str> = record_areas.iter().map(String::as_str).collect();
            let ma: Vec<&str> = my_areas.iter().map(String::as_str).collect();
            let mt: Vec<&str> = my_teams.iter().map(String::as_str).collect();
            let mut f = facts(kind, if own { "PC1" } else { "PC2" }, &ra);
            f.disseminated_to = disseminated.iter().map(|t| TeamId::new(t.as_str())).collect();
            if shared {
                f.review_state = Some(ReviewState::Disseminated);
            }
            let v = viewer(role, &mt, &ma);
            prop_assert_eq!(device_may_see(&v, &f), device_may_see(&viewer(Role::Officer, &mt, &ma), &f));
            prop_assert!(viewer_keys(&v).is_some());
        }

        /// The change feed is complete: whatever a viewer may see is filed under one of its keys
        /// (or the viewer reads every change).
        #[test]
        fn the_change_feed_files_every_visible_record_under_a_key_of_its_viewer(
            kind in prop_oneof![Just(RecordKind::Concern), Just(RecordKind::Meeting), Just(RecordKind::Priority), Just(RecordKind::PatrolLog), Just(RecordKind::Engagement), Just(RecordKind::IntelReport), Just(RecordKind::IntelSource)],
            role in any_role(),
            record_areas in proptest::collection::btree_set("[a-d]", 0..3),
            my_areas in proptest::collection::btree_set("[a-d]", 0..3),
            my_teams in proptest::collection::btree_set("[t-v]", 0..3),
            disseminated in proptest::collection::btree_set("[t-v]", 0..3),
            reviewed in any::<bool>(),
            own in any::<bool>(),
        ) {
            let ra: Vec<&str> = record_areas.iter().map(String::as_str).collect();
            let ma: Vec<&str> = my_areas.iter().map(String::as_str).collect();
            let mt: Vec<&str> = my_teams.iter().map(String::as_str).collect();
            let mut f = facts(kind, if own { "PC1" } else { "PC2" }, &ra);
            f.disseminated_to = disseminated.iter().map(|t| TeamId::new(t.as_str())).collect();
            if reviewed {
                f.review_state = Some(ReviewState::Disseminated);
            }
            let v = viewer(role, &mt, &ma);
            if device_may_see(&v, &f) {
                match viewer_keys(&v) {
                    None => {}
                    Some(keys) => {
                        let filed = audience(&f);
                        prop_assert!(keys.iter().any(|k| filed.contains(k)), "{:?} not under any of {:?}", filed, keys);
                    }
                }
            }
        }
    }

    /// The demo's sergeant for Camden (PS1102) does not see a Dalston concern; the
    /// superintendent (SU0001, force-wide reader) and the analyst do; the administrator does not.
    #[test]
    fn a_camden_sergeant_does_not_read_dalston() {
        let dalston = facts(RecordKind::Concern, "PC3318", &["tc-dalston"]);
        let camden = facts(RecordKind::Concern, "PC4127", &["tc-camden-town"]);
        let sergeant = viewer(
            Role::Supervisor,
            &["camden-tct", "camden-town-snt"],
            &["tc-camden-town", "E05013655"],
        );
        assert!(hq_may_see(&sergeant, &camden));
        assert!(!hq_may_see(&sergeant, &dalston));
        let mut own = dalston.clone();
        own.created_by = sergeant.officer.clone();
        assert!(hq_may_see(&sergeant, &own), "what they wrote themselves");
        assert!(hq_may_see(&viewer(Role::ForceReader, &[], &[]), &dalston));
        assert!(hq_may_see(&viewer(Role::Analyst, &[], &[]), &dalston));
        assert!(!hq_may_see(&viewer(Role::Admin, &[], &[]), &dalston));
        assert!(!hq_may_see(
            &viewer(Role::DataProtection, &[], &[]),
            &dalston
        ));
        let mut shared = facts(RecordKind::IntelReport, "DC7740", &["tc-dalston"]);
        shared.review_state = Some(ReviewState::Disseminated);
        shared.disseminated_to = vec![TeamId::new("hackney-tct")];
        assert!(
            !hq_may_see(&sergeant, &shared),
            "shared with Hackney, not Camden"
        );
        shared.disseminated_to.push(TeamId::new("camden-tct"));
        assert!(hq_may_see(&sergeant, &shared));
    }

    #[test]
    fn analysts_read_names_and_contact_details_masked_unless_the_purpose_allows() {
        assert!(masks_personal(Role::Analyst, false));
        assert!(!masks_personal(Role::Analyst, true));
        for role in [
            Role::Supervisor,
            Role::ForceReader,
            Role::IntelligenceUnit,
            Role::DataProtection,
        ] {
            assert!(!masks_personal(role, false), "{role:?}");
        }
        let mut body = serde_json::json!({
            "description": "Jordan Marsh (call 020 7946 0123, or jordan.marsh@example.org) says MARSH's dog bites",
            "people": [
                {"role": "victim", "name": "Jordan Marsh", "description": "Tall, red coat", "statements": [{"text": "Marsh said: ring +44 7700-900123."}]},
                {"role": "witness", "name": null, "description": null, "statements": []}
            ],
            "consent_to_contact": true,
            "contact": "07700 900123",
            "location": {"lat": 51.539_123_4, "lon": -0.142_987, "place": "12 Arlington Road"},
            "reported_at": "2026-12-06T21:44:00Z",
            "retention_review": "2028-12-06"
        });
        let mut title = "ASB personal: Jordan Marsh (call 020 7946 0123".to_owned();
        mask_personal(RecordKind::Concern, &mut body, &mut title);
        assert_eq!(
            body["description"],
            "[name withheld] (call [phone withheld], or [email withheld]) says [name withheld]'s dog bites"
        );
        assert_eq!(
            title,
            "ASB personal: [name withheld] (call [phone withheld]"
        );
        assert_eq!(body["people"][0]["name"], NAME_WITHHELD);
        assert_eq!(body["people"][0]["description"], DESCRIPTION_WITHHELD);
        assert_eq!(body["people"][0]["role"], "victim");
        assert_eq!(
            body["people"][0]["statements"][0]["text"],
            "[name withheld] said: ring [phone withheld]."
        );
        assert!(body["people"][1]["name"].is_null(), "nothing to mask");
        assert_eq!(body["contact"], CONTACT_WITHHELD);
        assert_eq!(body["location"]["place"], ADDRESS_WITHHELD);
        assert_eq!(body["location"]["lat"], 51.539);
        assert_eq!(body["location"]["lon"], -0.143);
        // Dates, times and short numbers are not phone numbers; names are whole words only.
        assert_eq!(
            mask_text(
                "Seen 6 Dec 2026 at 21:44, 3 times; Marshall Street",
                &["Jo Marsh".into()]
            ),
            "Seen 6 Dec 2026 at 21:44, 3 times; Marshall Street"
        );
        let text = mask_text("Ref 2026/12345 with JO MARSH", &["Jo Marsh".into()]);
        assert_eq!(text, "Ref 2026/12345 with [name withheld]");
    }

    #[test]
    fn a_supervisor_sees_officers_figures_for_the_teams_they_supervise_only() {
        let camden = TeamId::new("camden-tct");
        let kentish = TeamId::new("kentish-town-snt");
        let dalston = TeamId::new("dalston-snt");
        let sergeant = [camden.clone()];
        let inspector = [camden.clone(), kentish.clone()];
        assert!(may_see_officer_breakdown(
            Role::Supervisor,
            &sergeant,
            &camden
        ));
        assert!(!may_see_officer_breakdown(
            Role::Supervisor,
            &sergeant,
            &kentish
        ));
        assert!(may_see_officer_breakdown(
            Role::Supervisor,
            &inspector,
            &kentish
        ));
        assert!(!may_see_officer_breakdown(
            Role::Supervisor,
            &inspector,
            &dalston
        ));
        for role in [
            Role::Officer,
            Role::Analyst,
            Role::Admin,
            Role::IntelligenceUnit,
        ] {
            assert!(
                !may_see_officer_breakdown(role, &inspector, &camden),
                "{role:?}"
            );
        }
    }
}
