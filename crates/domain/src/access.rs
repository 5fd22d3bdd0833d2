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
            keys.push(INTEL_UNIT_KEY.to_owned());
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

/// The feed keys a viewer reads, or `None` for the roles that oversee the whole force (they read
/// every change).
pub fn viewer_keys(viewer: &Viewer) -> Option<Vec<String>> {
    if matches!(
        viewer.role,
        Role::IntelligenceUnit | Role::Analyst | Role::Admin
    ) {
        return None;
    }
    let mut keys = vec![officer_key(&viewer.officer)];
    keys.extend(viewer.areas.iter().map(|a| format!("area:{a}")));
    keys.extend(viewer.teams.iter().map(|t| format!("team:{t}")));
    Some(keys)
}

const INTEL_UNIT_KEY: &str = "intel-unit";

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

        /// The change feed is complete: whatever a viewer may see is filed under one of its keys
        /// (or the viewer reads every change).
        #[test]
        fn the_change_feed_files_every_visible_record_under_a_key_of_its_viewer(
            kind in prop_oneof![Just(RecordKind::Concern), Just(RecordKind::Meeting), Just(RecordKind::Priority), Just(RecordKind::PatrolLog), Just(RecordKind::Engagement), Just(RecordKind::IntelReport), Just(RecordKind::IntelSource)],
            role in prop_oneof![Just(Role::Officer), Just(Role::Supervisor), Just(Role::IntelligenceUnit), Just(Role::Analyst), Just(Role::Admin)],
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
}
