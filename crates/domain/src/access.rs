//! Who may see what. Decided on HQ from the officer's identity, never from what a device claims.
//!
//! - Source details of intelligence never go to devices.
//! - Raw intelligence goes to its author and the intelligence unit only, until disseminated; then
//!   to the teams it was disseminated to (as its handling code allows).
//! - Everything else goes to officers whose teams cover one of the record's areas (so an item in
//!   the overlap of a town centre and a ward reaches both teams), to its author, and to the HQ
//!   roles that oversee the whole force.

use crate::intel::ReviewState;
use crate::merge::RecordState;
use crate::people::Role;
use crate::{AreaId, OfficerId, RecordKind, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The person asking, as HQ knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
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
}

impl AccessFacts {
    pub fn from_state(state: &RecordState) -> Self {
        let obj = state.to_object();
        fn parse<T: serde::de::DeserializeOwned>(
            obj: &serde_json::Map<String, serde_json::Value>,
            key: &str,
        ) -> Option<T> {
            obj.get(key)
                .cloned()
                .and_then(|v| serde_json::from_value(v).ok())
        }
        let mut areas: Vec<AreaId> = parse(&obj, "areas").unwrap_or_default();
        if let Some(a) = parse(&obj, "area_id") {
            areas.push(a);
        }
        AccessFacts {
            kind: Some(state.kind),
            created_by: state.created_by.clone(),
            areas,
            review_state: parse(&obj, "review_state"),
            disseminated_to: parse(&obj, "disseminated_to").unwrap_or_default(),
        }
    }
}

/// Whether `viewer`'s device may hold the record.
pub fn device_may_see(viewer: &Viewer, facts: &AccessFacts) -> bool {
    let own = facts.created_by == viewer.officer;
    match facts.kind {
        None | Some(RecordKind::IntelSource) => false,
        Some(RecordKind::IntelReport) => {
            own || viewer.role == Role::IntelligenceUnit
                || (facts.review_state == Some(ReviewState::Disseminated)
                    && facts
                        .disseminated_to
                        .iter()
                        .any(|t| viewer.teams.contains(t)))
        }
        Some(_) => {
            own || matches!(
                viewer.role,
                Role::IntelligenceUnit | Role::Analyst | Role::Admin
            ) || facts.areas.iter().any(|a| viewer.areas.contains(a))
        }
    }
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
        }
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
    fn raw_intelligence_stays_with_its_author_and_the_intelligence_unit() {
        let mut r = facts(RecordKind::IntelReport, "PC9", &["tc-dalston"]);
        r.review_state = Some(ReviewState::Sanitised);
        r.disseminated_to = vec![TeamId::new("hackney-tct")];
        let team = viewer(Role::Officer, &["hackney-tct"], &["tc-dalston"]);
        assert!(!device_may_see(&team, &r), "not yet disseminated");
        assert!(device_may_see(
            &viewer(Role::IntelligenceUnit, &[], &[]),
            &r
        ));
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

    proptest! {
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
    }
}
