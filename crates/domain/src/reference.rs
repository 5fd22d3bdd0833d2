//! Demo reference data shipped with the code: real London wards (names and ONS codes) and town
//! centres from the London Plan network in Camden and Hackney.
//!
//! The boundaries are **approximate**: rough polygons around each place, good enough to show
//! routing and overlaps in a demo, not the legal boundaries (`boundary_approximate` is set).
//! A force loads its real boundaries at HQ.

use crate::area::{Area, AreaKind, TownCentreClass};
use crate::people::{Officer, Role, Team, TeamKind};
use crate::{AreaId, OfficerId, TeamId};

fn rect(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Vec<[f64; 2]> {
    vec![[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1]]
}

fn ward(code: &str, name: &str, borough: &str, boundary: Vec<[f64; 2]>) -> Area {
    Area {
        id: AreaId::new(code),
        name: name.to_owned(),
        kind: AreaKind::Ward,
        borough: borough.to_owned(),
        ons_code: Some(code.to_owned()),
        town_centre_class: None,
        boundary,
        boundary_approximate: true,
        places: Vec::new(),
    }
}

fn town_centre(
    id: &str,
    name: &str,
    borough: &str,
    class: TownCentreClass,
    boundary: Vec<[f64; 2]>,
) -> Area {
    Area {
        id: AreaId::new(id),
        name: name.to_owned(),
        kind: AreaKind::TownCentre,
        borough: borough.to_owned(),
        ons_code: None,
        town_centre_class: Some(class),
        boundary,
        boundary_approximate: true,
        places: Vec::new(),
    }
}

/// Wards and town centres; each town centre overlaps two or three of the wards.
pub fn demo_areas() -> Vec<Area> {
    use TownCentreClass::*;
    vec![
        // Camden (2022 wards)
        ward(
            "E05013655",
            "Camden Town",
            "Camden",
            rect(-0.150, 51.533, -0.135, 51.542),
        ),
        ward(
            "E05013654",
            "Camden Square",
            "Camden",
            rect(-0.135, 51.538, -0.120, 51.548),
        ),
        ward(
            "E05013664",
            "Kentish Town South",
            "Camden",
            rect(-0.150, 51.542, -0.135, 51.550),
        ),
        ward(
            "E05013663",
            "Kentish Town North",
            "Camden",
            rect(-0.150, 51.550, -0.135, 51.558),
        ),
        ward(
            "E05013660",
            "Haverstock",
            "Camden",
            rect(-0.165, 51.540, -0.150, 51.552),
        ),
        town_centre(
            "tc-camden-town",
            "Camden Town",
            "Camden",
            Major,
            vec![
                [-0.1555, 51.5350],
                [-0.1380, 51.5350],
                [-0.1380, 51.5440],
                [-0.1480, 51.5445],
                [-0.1555, 51.5420],
            ],
        ),
        town_centre(
            "tc-kentish-town",
            "Kentish Town",
            "Camden",
            District,
            rect(-0.1450, 51.5460, -0.1380, 51.5540),
        ),
        // Hackney (2014 wards)
        ward(
            "E05009370",
            "Dalston",
            "Hackney",
            rect(-0.080, 51.543, -0.066, 51.552),
        ),
        ward(
            "E05009371",
            "De Beauvoir",
            "Hackney",
            rect(-0.094, 51.536, -0.080, 51.548),
        ),
        ward(
            "E05009382",
            "Shacklewell",
            "Hackney",
            rect(-0.080, 51.552, -0.066, 51.560),
        ),
        ward(
            "E05009372",
            "Hackney Central",
            "Hackney",
            rect(-0.066, 51.543, -0.050, 51.553),
        ),
        ward(
            "E05009381",
            "London Fields",
            "Hackney",
            rect(-0.066, 51.535, -0.050, 51.543),
        ),
        town_centre(
            "tc-dalston",
            "Dalston",
            "Hackney",
            Major,
            vec![
                [-0.0820, 51.5440],
                [-0.0700, 51.5440],
                [-0.0700, 51.5550],
                [-0.0760, 51.5555],
                [-0.0820, 51.5500],
            ],
        ),
        town_centre(
            "tc-hackney-central",
            "Hackney Central",
            "Hackney",
            Major,
            rect(-0.0600, 51.5400, -0.0520, 51.5500),
        ),
    ]
}

pub fn demo_teams() -> Vec<Team> {
    let team = |id: &str, name: &str, kind, areas: &[&str]| Team {
        id: TeamId::new(id),
        name: name.to_owned(),
        kind,
        areas: areas.iter().map(|a| AreaId::new(*a)).collect(),
    };
    vec![
        team(
            "camden-tct",
            "Camden Town Centre Team",
            TeamKind::Tct,
            &["tc-camden-town", "tc-kentish-town"],
        ),
        team(
            "camden-town-snt",
            "Camden Town SNT",
            TeamKind::Snt,
            &["E05013655", "E05013654"],
        ),
        team(
            "kentish-town-snt",
            "Kentish Town SNT",
            TeamKind::Snt,
            &["E05013664", "E05013663", "E05013660"],
        ),
        team(
            "hackney-tct",
            "Hackney Town Centre Team",
            TeamKind::Tct,
            &["tc-dalston", "tc-hackney-central"],
        ),
        team(
            "dalston-snt",
            "Dalston SNT",
            TeamKind::Snt,
            &["E05009370", "E05009371", "E05009382"],
        ),
        team(
            "hackney-central-snt",
            "Hackney Central SNT",
            TeamKind::Snt,
            &["E05009372", "E05009381"],
        ),
    ]
}

pub fn demo_officers() -> Vec<Officer> {
    let officer = |collar: &str, name: &str, role, teams: &[&str]| Officer {
        id: OfficerId::new(collar),
        collar_number: collar.to_owned(),
        name: name.to_owned(),
        role,
        teams: teams.iter().map(|t| TeamId::new(*t)).collect(),
    };
    vec![
        officer("PC4127", "PC Amira Khan", Role::Officer, &["camden-tct"]),
        officer(
            "PC2290",
            "PC Tom Walsh",
            Role::Officer,
            &["camden-town-snt"],
        ),
        officer(
            "PC3318",
            "PC Grace Adeyemi",
            Role::Officer,
            &["dalston-snt"],
        ),
        officer(
            "PC5071",
            "PC Luis Ferreira",
            Role::Officer,
            &["hackney-tct"],
        ),
        officer(
            "PS1102",
            "PS Helen Doyle",
            Role::Supervisor,
            &["camden-tct", "camden-town-snt", "kentish-town-snt"],
        ),
        officer("DC7740", "DC Sam Okafor", Role::IntelligenceUnit, &[]),
        officer("AN0815", "Priya Natarajan", Role::Analyst, &[]),
        officer("AD0001", "Admin User", Role::Admin, &[]),
        officer("RM0001", "Grace Whitfield", Role::RecordsManager, &[]),
        officer("CM0001", "Cllr Ayesha Rahman", Role::CommitteeMember, &[]),
        officer("DP0001", "Fiona Mensah", Role::DataProtection, &[]),
        officer("SU0001", "Supt Mark Adeyemi", Role::ForceReader, &[]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::area::{areas_containing, GeoPoint};

    #[test]
    fn demo_areas_are_valid_and_unique() {
        let areas = demo_areas();
        for a in &areas {
            assert!(a.validate().is_empty(), "{}: {}", a.id, a.validate());
            assert!(a.boundary_approximate);
        }
        let mut ids: Vec<_> = areas.iter().map(|a| a.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), areas.len());
    }

    #[test]
    fn camden_town_station_is_in_the_ward_and_the_town_centre() {
        let got = areas_containing(
            GeoPoint {
                lat: 51.5392,
                lon: -0.1426,
            },
            &demo_areas(),
        );
        assert_eq!(
            got,
            vec![AreaId::new("E05013655"), AreaId::new("tc-camden-town")]
        );
    }

    #[test]
    fn every_town_centre_overlaps_at_least_two_wards() {
        let areas = demo_areas();
        for tc in areas.iter().filter(|a| a.kind == AreaKind::TownCentre) {
            // Sample a grid over the town centre and collect the wards hit.
            let mut wards = std::collections::BTreeSet::new();
            let (lons, lats): (Vec<f64>, Vec<f64>) =
                tc.boundary.iter().map(|p| (p[0], p[1])).unzip();
            let (lo0, lo1) = (
                lons.iter().cloned().fold(f64::MAX, f64::min),
                lons.iter().cloned().fold(f64::MIN, f64::max),
            );
            let (la0, la1) = (
                lats.iter().cloned().fold(f64::MAX, f64::min),
                lats.iter().cloned().fold(f64::MIN, f64::max),
            );
            for i in 0..=20 {
                for j in 0..=20 {
                    let p = GeoPoint {
                        lon: lo0 + (lo1 - lo0) * f64::from(i) / 20.0,
                        lat: la0 + (la1 - la0) * f64::from(j) / 20.0,
                    };
                    if tc.contains(p) {
                        wards.extend(
                            areas
                                .iter()
                                .filter(|a| a.kind == AreaKind::Ward && a.contains(p))
                                .map(|a| a.id.clone()),
                        );
                    }
                }
            }
            assert!(wards.len() >= 2, "{} overlaps only {wards:?}", tc.name);
        }
    }

    #[test]
    fn teams_cover_only_known_areas() {
        let ids: Vec<_> = demo_areas().into_iter().map(|a| a.id).collect();
        for t in demo_teams() {
            for a in &t.areas {
                assert!(ids.contains(a), "team {} names unknown area {a}", t.id);
            }
        }
    }
}
