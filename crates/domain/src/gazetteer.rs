//! Typing a place sets the location: what an officer types matched against the areas' gazetteer
//! (the streets and landmarks HQ holds on each area, see [`Area::places`]).
//!
//! The rule, which the tablet's screens follow too (`ui/src/lib/gazetteer.ts`): case does not
//! matter, apostrophes are ignored (`kings` finds King's Cross), and the words typed may come in
//! any order. A place matches when every word typed is in its name; places where every word
//! typed starts a word of the name come first, then those that only contain them, each group in
//! alphabetical order. A place listed under several areas (a town-centre street is in a ward
//! too) is offered once, under the first of them.

use crate::area::{Area, Place};

/// Lower case, apostrophes dropped.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The places whose names match `text`, best first, at most `limit` of them, each with the area
/// it is listed under.
pub fn search<'a>(areas: &'a [Area], text: &str, limit: usize) -> Vec<(&'a Place, &'a Area)> {
    let query = normalise(text);
    let typed = words(&query);
    if typed.is_empty() || limit == 0 {
        return Vec::new();
    }
    let mut found: Vec<(bool, String, &Place, &Area)> = Vec::new();
    for area in areas {
        for place in &area.places {
            let name = normalise(&place.name);
            if !typed.iter().all(|w| name.contains(w)) {
                continue;
            }
            if found.iter().any(|(_, _, p, _)| {
                p.name == place.name && p.lat == place.lat && p.lon == place.lon
            }) {
                continue;
            }
            let name_words = words(&name);
            let prefix = typed
                .iter()
                .all(|w| name_words.iter().any(|n| n.starts_with(w)));
            found.push((!prefix, name, place, area));
        }
    }
    found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    found
        .into_iter()
        .take(limit)
        .map(|(_, _, p, a)| (p, a))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::area::AreaKind;
    use crate::AreaId;

    fn area(id: &str, places: &[&str]) -> Area {
        Area {
            id: AreaId::new(id),
            name: id.to_owned(),
            kind: AreaKind::Ward,
            borough: "Test".into(),
            ons_code: None,
            town_centre_class: None,
            boundary: vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]],
            boundary_approximate: true,
            places: places
                .iter()
                .enumerate()
                .map(|(i, n)| Place {
                    name: (*n).to_owned(),
                    lat: i as f64 / 10.0,
                    lon: 0.5,
                })
                .collect(),
        }
    }

    fn names(found: &[(&Place, &Area)]) -> Vec<String> {
        found
            .iter()
            .map(|(p, a)| format!("{} @ {}", p.name, a.id))
            .collect()
    }

    fn demo() -> Vec<Area> {
        vec![
            area(
                "a",
                &[
                    "Camden High Street, by Camden Town station",
                    "Camden Lock Market",
                    "Kentish Town Road",
                ],
            ),
            area("b", &["Parkway, by the Jazz Café", "King's Cross station"]),
        ]
    }

    #[test]
    fn case_and_word_order_do_not_matter() {
        let areas = demo();
        assert_eq!(
            names(&search(&areas, "HIGH camden", 6)),
            ["Camden High Street, by Camden Town station @ a"]
        );
        assert_eq!(
            names(&search(&areas, "jazz CAFÉ", 6)),
            ["Parkway, by the Jazz Café @ b"]
        );
        assert_eq!(
            names(&search(&areas, "kings cross", 6)),
            ["King's Cross station @ b"]
        );
    }

    #[test]
    fn word_starts_come_before_words_found_inside() {
        let mut areas = demo();
        areas[0].places.push(Place {
            name: "Wayland Avenue".into(),
            lat: 0.9,
            lon: 0.9,
        });
        // "way" starts a word of Wayland Avenue but is only inside Parkway: Wayland comes first,
        // whatever the alphabet says.
        assert_eq!(
            names(&search(&areas, "way", 6)),
            ["Wayland Avenue @ a", "Parkway, by the Jazz Café @ b"]
        );
        // Within each group, alphabetical order.
        assert_eq!(
            names(&search(&areas, "town", 6)),
            [
                "Camden High Street, by Camden Town station @ a",
                "Kentish Town Road @ a"
            ]
        );
    }

    #[test]
    fn every_word_must_match_and_the_limit_holds() {
        let areas = demo();
        assert!(search(&areas, "camden zebra", 6).is_empty());
        assert!(search(&areas, "  ", 6).is_empty());
        assert!(search(&areas, ",", 6).is_empty());
        assert_eq!(search(&areas, "a", 2).len(), 2);
        assert!(search(&areas, "camden", 0).is_empty());
    }

    #[test]
    fn a_place_in_two_areas_is_offered_once() {
        let mut areas = demo();
        let shared = areas[0].places[1].clone();
        areas[1].places.push(shared);
        assert_eq!(
            names(&search(&areas, "lock", 6)),
            ["Camden Lock Market @ a"]
        );
    }
}
