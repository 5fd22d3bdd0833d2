//! Areas (wards and town centres), locations, and point-in-polygon routing.

use crate::validation::ValidationErrors;
use crate::AreaId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// WGS84 coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    pub fn validate(&self) -> ValidationErrors {
        let mut errs = ValidationErrors::new();
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            errs.add("lat", "out_of_range", "latitude must be between -90 and 90");
        }
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            errs.add(
                "lon",
                "out_of_range",
                "longitude must be between -180 and 180",
            );
        }
        errs
    }
}

/// Where something happened: a point, and optionally the place as a person would say it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub place: Option<String>,
}

impl Location {
    pub fn point(&self) -> GeoPoint {
        GeoPoint {
            lat: self.lat,
            lon: self.lon,
        }
    }

    pub fn validate(&self) -> ValidationErrors {
        let mut errs = self.point().validate();
        if let Some(place) = &self.place {
            errs.max_len("place", place, 200);
        }
        errs
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    /// A ward, policed by a Safer Neighbourhoods Team.
    Ward,
    /// A town centre, policed by a Town Centre Team.
    TownCentre,
}

/// Town centre classification in the London Plan's network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TownCentreClass {
    International,
    Metropolitan,
    Major,
    District,
    Neighbourhood,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Area {
    pub id: AreaId,
    pub name: String,
    pub kind: AreaKind,
    pub borough: String,
    /// ONS GSS code for wards (E05...).
    pub ons_code: Option<String>,
    pub town_centre_class: Option<TownCentreClass>,
    /// Outer ring, `[lon, lat]` pairs (GeoJSON order); first and last need not repeat.
    pub boundary: Vec<[f64; 2]>,
    /// True where the boundary is a simplification, not the legal one.
    pub boundary_approximate: bool,
    /// The area's gazetteer: streets and landmarks inside it, so that typing a place can set a
    /// location (see [`crate::gazetteer`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<Place>>", optional)]
    pub places: Vec<Place>,
}

/// A named point: a street or landmark, as an officer would type it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Place {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

impl Place {
    pub fn point(&self) -> GeoPoint {
        GeoPoint {
            lat: self.lat,
            lon: self.lon,
        }
    }

    /// The location an officer gets by choosing this place.
    pub fn location(&self) -> Location {
        Location {
            lat: self.lat,
            lon: self.lon,
            place: Some(self.name.clone()),
        }
    }
}

impl Area {
    /// Whether `p` lies inside the boundary (even-odd rule; points exactly on an edge may fall
    /// either side, which is acceptable at the precision of a tablet's GPS).
    pub fn contains(&self, p: GeoPoint) -> bool {
        let ring = &self.boundary;
        if ring.len() < 3 {
            return false;
        }
        let mut inside = false;
        let mut j = ring.len() - 1;
        for i in 0..ring.len() {
            let [xi, yi] = ring[i];
            let [xj, yj] = ring[j];
            if (yi > p.lat) != (yj > p.lat) && p.lon < (xj - xi) * (p.lat - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }

    pub fn validate(&self) -> ValidationErrors {
        let mut errs = ValidationErrors::new();
        errs.require_text("id", self.id.as_str(), "Area id");
        errs.require_text("name", &self.name, "Name");
        if self.boundary.len() < 3 {
            errs.add(
                "boundary",
                "too_few_points",
                "a boundary needs at least 3 points",
            );
        }
        for (i, [lon, lat]) in self.boundary.iter().enumerate() {
            let e = GeoPoint {
                lat: *lat,
                lon: *lon,
            }
            .validate();
            errs.nest(&format!("boundary[{i}]"), e);
        }
        for (i, place) in self.places.iter().enumerate() {
            let mut e = place.point().validate();
            e.require_text("name", &place.name, "Place name");
            e.max_len("name", &place.name, 200);
            errs.nest(&format!("places[{i}]"), e);
        }
        errs
    }
}

/// Every area the point falls in. Town centres overlap wards, so this is often more than one.
pub fn areas_containing(p: GeoPoint, areas: &[Area]) -> Vec<crate::AreaId> {
    areas
        .iter()
        .filter(|a| a.contains(p))
        .map(|a| a.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(id: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> Area {
        Area {
            id: AreaId::new(id),
            name: id.to_owned(),
            kind: AreaKind::Ward,
            borough: "Test".into(),
            ons_code: None,
            town_centre_class: None,
            boundary: vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
            boundary_approximate: true,
            places: Vec::new(),
        }
    }

    #[test]
    fn a_point_in_an_overlap_is_in_both_areas() {
        let areas = [
            square("a", 0.0, 0.0, 2.0, 2.0),
            square("b", 1.0, 1.0, 3.0, 3.0),
        ];
        let got = areas_containing(GeoPoint { lat: 1.5, lon: 1.5 }, &areas);
        assert_eq!(got, vec![AreaId::new("a"), AreaId::new("b")]);
        assert_eq!(
            areas_containing(GeoPoint { lat: 0.5, lon: 0.5 }, &areas),
            vec![AreaId::new("a")]
        );
        assert!(areas_containing(GeoPoint { lat: 5.0, lon: 5.0 }, &areas).is_empty());
    }

    #[test]
    fn concave_polygons_route_correctly() {
        // An L shape: the notch at top right is outside.
        let mut l = square("l", 0.0, 0.0, 2.0, 2.0);
        l.boundary = vec![
            [0.0, 0.0],
            [2.0, 0.0],
            [2.0, 1.0],
            [1.0, 1.0],
            [1.0, 2.0],
            [0.0, 2.0],
        ];
        assert!(l.contains(GeoPoint { lat: 0.5, lon: 1.5 }));
        assert!(!l.contains(GeoPoint { lat: 1.5, lon: 1.5 }));
        assert!(l.contains(GeoPoint { lat: 1.5, lon: 0.5 }));
    }

    #[test]
    fn out_of_range_coordinates_are_field_errors() {
        let errs = GeoPoint {
            lat: 91.0,
            lon: f64::NAN,
        }
        .validate();
        assert!(errs.has("lat") && errs.has("lon"), "{errs}");
    }

    #[test]
    fn places_are_validated_and_left_out_of_the_json_when_there_are_none() {
        let mut a = square("a", 0.0, 0.0, 2.0, 2.0);
        let json = serde_json::to_value(&a).unwrap();
        assert!(json.get("places").is_none(), "{json}");
        let back: Area = serde_json::from_value(json).unwrap();
        assert!(back.places.is_empty());
        a.places = vec![
            Place {
                name: "High Street".into(),
                lat: 1.0,
                lon: 1.0,
            },
            Place {
                name: " ".into(),
                lat: 91.0,
                lon: 1.0,
            },
        ];
        let errs = a.validate();
        assert!(
            errs.has("places[1].name") && errs.has("places[1].lat"),
            "{errs}"
        );
        assert!(!errs.has("places[0].name"), "{errs}");
        let back: Area = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }
}
