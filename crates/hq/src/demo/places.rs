//! Where the demo story happens: real streets, stations and landmarks in the demo wards and town
//! centres (see [`beatbook_domain::reference::demo_areas`]), each at a point inside the area it is
//! listed under. Town-centre places also lie in a ward, as they do on the ground; ward places
//! are outside the town centres, so a neighbourhood team's own work stays its own.

use beatbook_domain::area::{areas_containing, Area, Location};
use beatbook_domain::AreaId;

#[derive(Clone, Copy, Debug)]
pub struct Place {
    /// The area it is listed under (a ward's ONS code or a town centre's id).
    pub area: &'static str,
    pub name: &'static str,
    pub lat: f64,
    pub lon: f64,
}

impl Place {
    pub fn location(&self) -> Location {
        Location {
            lat: self.lat,
            lon: self.lon,
            place: Some(self.name.to_owned()),
        }
    }

    /// Every demo area the place falls in, as a device works them out from the location.
    pub fn areas(&self, areas: &[Area]) -> Vec<AreaId> {
        areas_containing(self.location().point(), areas)
    }
}

const fn p(area: &'static str, name: &'static str, lat: f64, lon: f64) -> Place {
    Place {
        area,
        name,
        lat,
        lon,
    }
}

pub const PLACES: &[Place] = &[
    // Camden Town (town centre)
    p(
        "tc-camden-town",
        "Camden High Street, by Camden Town station",
        51.5392,
        -0.1426,
    ),
    p("tc-camden-town", "Camden Lock Market", 51.5413, -0.1462),
    p(
        "tc-camden-town",
        "Inverness Street market",
        51.5398,
        -0.1437,
    ),
    p(
        "tc-camden-town",
        "Parkway, by the Jazz Café",
        51.5380,
        -0.1448,
    ),
    p(
        "tc-camden-town",
        "Camden Road, by Sainsbury's",
        51.5410,
        -0.1400,
    ),
    p("tc-camden-town", "Buck Street", 51.5400, -0.1430),
    p(
        "tc-camden-town",
        "Kentish Town Road, by the canal bridge",
        51.5405,
        -0.1415,
    ),
    // Kentish Town (town centre)
    p("tc-kentish-town", "Kentish Town station", 51.5503, -0.1405),
    p(
        "tc-kentish-town",
        "Kentish Town Road, by the Forum",
        51.5518,
        -0.1420,
    ),
    p("tc-kentish-town", "Fortess Road", 51.5530, -0.1395),
    // Camden Town ward
    p("E05013655", "Mornington Crescent station", 51.5343, -0.1387),
    p("E05013655", "Harrington Square", 51.5340, -0.1370),
    p(
        "E05013655",
        "Camden Street, by Richard Cobden school",
        51.5370,
        -0.1365,
    ),
    p("E05013655", "Plender Street", 51.5360, -0.1362),
    // Camden Square ward
    p("E05013654", "Camden Square", 51.5440, -0.1305),
    p("E05013654", "Agar Grove", 51.5425, -0.1275),
    p(
        "E05013654",
        "York Way, by the Maiden Lane estate",
        51.5410,
        -0.1245,
    ),
    p("E05013654", "Murray Street", 51.5410, -0.1330),
    p("E05013654", "Rochester Square", 51.5455, -0.1340),
    // Kentish Town South ward
    p("E05013664", "Castle Road", 51.5460, -0.1465),
    p("E05013664", "Kentish Town West station", 51.5466, -0.1470),
    p("E05013664", "Prince of Wales Road", 51.5478, -0.1480),
    p("E05013664", "Hawley Road", 51.5456, -0.1455),
    // Kentish Town North ward
    p("E05013663", "Leighton Road", 51.5515, -0.1365),
    p("E05013663", "Falkland Road", 51.5535, -0.1368),
    p(
        "E05013663",
        "Highgate Road, by Parliament Hill",
        51.5560,
        -0.1460,
    ),
    p("E05013663", "Lady Margaret Road", 51.5545, -0.1370),
    // Haverstock ward
    p("E05013660", "Chalk Farm station", 51.5442, -0.1535),
    p("E05013660", "Queen's Crescent market", 51.5485, -0.1530),
    p("E05013660", "Maitland Park estate", 51.5475, -0.1585),
    p("E05013660", "Haverstock Hill", 51.5460, -0.1575),
    p("E05013660", "Malden Road", 51.5495, -0.1540),
    // Dalston (town centre)
    p(
        "tc-dalston",
        "Kingsland High Street, north end",
        51.5505,
        -0.0752,
    ),
    p("tc-dalston", "Ridley Road Market", 51.5478, -0.0725),
    p("tc-dalston", "Dalston Junction station", 51.5462, -0.0752),
    p("tc-dalston", "Gillett Square", 51.5488, -0.0745),
    p("tc-dalston", "Dalston Kingsland station", 51.5483, -0.0757),
    p("tc-dalston", "Kingsland Shopping Centre", 51.5470, -0.0760),
    // Hackney Central (town centre)
    p(
        "tc-hackney-central",
        "Mare Street, by the Hackney Empire",
        51.5455,
        -0.0555,
    ),
    p("tc-hackney-central", "The Narrow Way", 51.5478, -0.0565),
    p(
        "tc-hackney-central",
        "Hackney Central station",
        51.5470,
        -0.0560,
    ),
    p("tc-hackney-central", "Bohemia Place", 51.5440, -0.0545),
    p("tc-hackney-central", "Morning Lane", 51.5460, -0.0530),
    // Dalston ward
    p("E05009370", "Sandringham Road", 51.5500, -0.0680),
    p(
        "E05009370",
        "Dalston Lane, by the Peace Mural",
        51.5465,
        -0.0690,
    ),
    p("E05009370", "Navarino Road", 51.5475, -0.0675),
    p("E05009370", "Cecilia Road", 51.5510, -0.0690),
    // De Beauvoir ward
    p("E05009371", "De Beauvoir Square", 51.5410, -0.0812),
    p("E05009371", "Kingsland Basin", 51.5370, -0.0825),
    p("E05009371", "Balls Pond Road", 51.5475, -0.0860),
    p("E05009371", "Southgate Road", 51.5430, -0.0880),
    p("E05009371", "Englefield Road", 51.5445, -0.0850),
    // Shacklewell ward
    p("E05009382", "Shacklewell Lane", 51.5570, -0.0720),
    p("E05009382", "Stoke Newington Road", 51.5585, -0.0752),
    p("E05009382", "Shacklewell Green", 51.5565, -0.0685),
    p("E05009382", "Arcola Street", 51.5530, -0.0680),
    // Hackney Central ward
    p("E05009372", "Clarence Road", 51.5515, -0.0560),
    p("E05009372", "Hackney Downs park", 51.5525, -0.0625),
    p("E05009372", "Amhurst Road", 51.5500, -0.0630),
    p("E05009372", "Mehetabel Road", 51.5470, -0.0510),
    // London Fields ward
    p("E05009381", "Broadway Market", 51.5365, -0.0615),
    p("E05009381", "London Fields Lido", 51.5415, -0.0610),
    p("E05009381", "Martello Street", 51.5405, -0.0620),
    p(
        "E05009381",
        "Regent's Canal towpath, by Broadway Market",
        51.5355,
        -0.0625,
    ),
    p("E05009381", "Mentmore Terrace", 51.5390, -0.0570),
];

/// The places listed under one of `areas`.
pub fn places_in(areas: &[AreaId]) -> Vec<Place> {
    PLACES
        .iter()
        .filter(|p| areas.iter().any(|a| a.as_str() == p.area))
        .copied()
        .collect()
}

/// The demo areas with their gazetteer: every place on each area it lies in (a town-centre place
/// is on its ward too), so that typing a place on a tablet can set the location.
pub fn with_gazetteer(mut areas: Vec<Area>) -> Vec<Area> {
    for place in PLACES {
        let at = place.location().point();
        for area in areas.iter_mut().filter(|a| a.contains(at)) {
            area.places.push(beatbook_domain::area::Place {
                name: place.name.to_owned(),
                lat: place.lat,
                lon: place.lon,
            });
        }
    }
    areas
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_domain::area::AreaKind;
    use beatbook_domain::reference::demo_areas;

    #[test]
    fn every_place_lies_in_its_area_and_ward_places_outside_the_town_centres() {
        let areas = demo_areas();
        for place in PLACES {
            let inside = place.areas(&areas);
            assert!(
                inside.iter().any(|a| a.as_str() == place.area),
                "{} is not in {}: {inside:?}",
                place.name,
                place.area
            );
            let listed = areas.iter().find(|a| a.id.as_str() == place.area).unwrap();
            if listed.kind == AreaKind::Ward {
                assert_eq!(inside.len(), 1, "{} is also in {inside:?}", place.name);
            }
        }
        for area in &areas {
            assert!(
                places_in(std::slice::from_ref(&area.id)).len() >= 3,
                "{} has too few places",
                area.name
            );
        }
    }

    #[test]
    fn the_gazetteer_puts_each_place_on_every_area_it_lies_in() {
        let areas = with_gazetteer(demo_areas());
        for place in PLACES {
            for id in place.areas(&areas) {
                let area = areas.iter().find(|a| a.id == id).unwrap();
                assert!(
                    area.places.iter().any(|p| p.name == place.name),
                    "{} is not on {}",
                    place.name,
                    area.name
                );
            }
        }
        for area in &areas {
            assert!(area.validate().is_empty(), "{}", area.validate());
            assert!(area.places.len() >= 3, "{} has too few places", area.name);
        }
        let found = beatbook_domain::gazetteer::search(&areas, "camden high", 6);
        assert_eq!(
            found.first().map(|(p, _)| p.name.as_str()),
            Some("Camden High Street, by Camden Town station")
        );
    }
}
