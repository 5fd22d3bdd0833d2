//! An area's boundary from GeoJSON, as an administrator pastes or uploads it: a `Polygon`, or a
//! `Feature` or `FeatureCollection` holding exactly one polygon (a `MultiPolygon` of one part is
//! taken too). Anything else is refused with what is wrong and how to put it right, so nothing is
//! saved that routes records to the wrong area.

use serde_json::Value;

/// Why a boundary is refused; its text is what the administrator reads.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundaryError {
    #[error("The boundary is empty: paste or upload a GeoJSON polygon.")]
    Empty,
    #[error("This is not GeoJSON: it is not valid JSON ({0}).")]
    NotJson(String),
    #[error("This is not GeoJSON: it has no \"type\" (such as \"Polygon\" or \"Feature\").")]
    NotGeoJson,
    #[error("The boundary must be a polygon; this GeoJSON is a {0}.")]
    NotPolygon(String),
    #[error("The GeoJSON holds no polygon: the feature collection is empty or the feature has no geometry.")]
    NoPolygon,
    #[error(
        "The GeoJSON holds {0} polygons: an area has one boundary, so upload one area at a time."
    )]
    SeveralPolygons(usize),
    #[error("The polygon has a hole (an inner ring): an area's boundary is one outer ring.")]
    Holes,
    #[error("The polygon's coordinates are not a ring of [longitude, latitude] points.")]
    NotARing,
    #[error("Point {0} of the boundary is not a pair of numbers [longitude, latitude].")]
    NotAPoint(usize),
    #[error("Point {0} of the boundary is off the map: longitude must be between -180 and 180 and latitude between -90 and 90.")]
    OffTheMap(usize),
    #[error("The boundary is not closed: GeoJSON repeats the first point as the last one.")]
    Unclosed,
    #[error("The boundary has {0} different points: a polygon needs at least 3.")]
    TooFewPoints(usize),
}

/// The outer ring of the one polygon in `text`, as `[lon, lat]` pairs without the repeated
/// closing point (as [`beatbook_domain::area::Area::boundary`] holds it).
pub fn parse(text: &str) -> Result<Vec<[f64; 2]>, BoundaryError> {
    if text.trim().is_empty() {
        return Err(BoundaryError::Empty);
    }
    let v: Value = serde_json::from_str(text)
        .map_err(|e| BoundaryError::NotJson(format!("line {}, column {}", e.line(), e.column())))?;
    ring(polygon(&v)?)
}

/// The coordinates of the one polygon in a GeoJSON object.
fn polygon(v: &Value) -> Result<&Value, BoundaryError> {
    let kind = v
        .get("type")
        .and_then(Value::as_str)
        .ok_or(BoundaryError::NotGeoJson)?;
    match kind {
        "Polygon" => v.get("coordinates").ok_or(BoundaryError::NotARing),
        "MultiPolygon" => match v.get("coordinates").and_then(Value::as_array) {
            Some(parts) if parts.len() == 1 => Ok(&parts[0]),
            Some(parts) if parts.is_empty() => Err(BoundaryError::NoPolygon),
            Some(parts) => Err(BoundaryError::SeveralPolygons(parts.len())),
            None => Err(BoundaryError::NotARing),
        },
        "Feature" => match v.get("geometry") {
            Some(g) if !g.is_null() => polygon(g),
            _ => Err(BoundaryError::NoPolygon),
        },
        "FeatureCollection" => {
            let features = v
                .get("features")
                .and_then(Value::as_array)
                .ok_or(BoundaryError::NoPolygon)?;
            match features.as_slice() {
                [] => Err(BoundaryError::NoPolygon),
                [one] => polygon(one),
                many => Err(BoundaryError::SeveralPolygons(many.len())),
            }
        }
        "Point" | "MultiPoint" => Err(BoundaryError::NotPolygon("point".into())),
        "LineString" | "MultiLineString" => Err(BoundaryError::NotPolygon("line".into())),
        "GeometryCollection" => Err(BoundaryError::NotPolygon("geometry collection".into())),
        _ => Err(BoundaryError::NotGeoJson),
    }
}

/// The outer ring of a polygon's coordinates, checked.
fn ring(coordinates: &Value) -> Result<Vec<[f64; 2]>, BoundaryError> {
    let rings = coordinates.as_array().ok_or(BoundaryError::NotARing)?;
    let outer = match rings.as_slice() {
        [] => return Err(BoundaryError::TooFewPoints(0)),
        [outer] => outer.as_array().ok_or(BoundaryError::NotARing)?,
        _ => return Err(BoundaryError::Holes),
    };
    let mut points = Vec::with_capacity(outer.len());
    for (i, p) in outer.iter().enumerate() {
        let n = i + 1;
        let pair = p.as_array().ok_or(BoundaryError::NotAPoint(n))?;
        let (Some(lon), Some(lat)) = (
            pair.first().and_then(Value::as_f64),
            pair.get(1).and_then(Value::as_f64),
        ) else {
            return Err(BoundaryError::NotAPoint(n));
        };
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(BoundaryError::OffTheMap(n));
        }
        points.push([lon, lat]);
    }
    if points.len() >= 2 && points.first() != points.last() {
        return Err(BoundaryError::Unclosed);
    }
    points.pop();
    let mut distinct = points.clone();
    distinct.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(BoundaryError::TooFewPoints(distinct.len()));
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = "[[-0.15,51.53],[-0.14,51.53],[-0.14,51.54],[-0.15,51.54],[-0.15,51.53]]";

    fn polygon(rings: &str) -> String {
        format!(r#"{{"type":"Polygon","coordinates":[{rings}]}}"#)
    }

    #[test]
    fn a_polygon_a_feature_and_a_collection_of_one_give_the_ring_without_its_closing_point() {
        let want = vec![
            [-0.15, 51.53],
            [-0.14, 51.53],
            [-0.14, 51.54],
            [-0.15, 51.54],
        ];
        let p = polygon(SQUARE);
        let feature = format!(r#"{{"type":"Feature","properties":{{"name":"X"}},"geometry":{p}}}"#);
        let collection = format!(r#"{{"type":"FeatureCollection","features":[{feature}]}}"#);
        let multi = format!(r#"{{"type":"MultiPolygon","coordinates":[[{SQUARE}]]}}"#);
        for text in [p, feature, collection, multi] {
            assert_eq!(parse(&text).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn what_is_wrong_is_said_in_words() {
        let open = "[[-0.15,51.53],[-0.14,51.53],[-0.14,51.54],[-0.15,51.54]]";
        let line = r#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#;
        let two = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","geometry":{p}}},{{"type":"Feature","geometry":{p}}}]}}"#,
            p = polygon(SQUARE)
        );
        let cases = [
            ("  ", BoundaryError::Empty),
            (
                "Camden Town",
                BoundaryError::NotJson("line 1, column 1".into()),
            ),
            (r#"{"coordinates":[]}"#, BoundaryError::NotGeoJson),
            (line, BoundaryError::NotPolygon("line".into())),
            (&two, BoundaryError::SeveralPolygons(2)),
            (&polygon(open), BoundaryError::Unclosed),
            (
                &polygon(&format!("{SQUARE},{SQUARE}")),
                BoundaryError::Holes,
            ),
            (
                &polygon("[[0,0],[1,1],[0,0]]"),
                BoundaryError::TooFewPoints(2),
            ),
            (
                &polygon(r#"[[0,0],["a",1],[1,0],[0,0]]"#),
                BoundaryError::NotAPoint(2),
            ),
            (
                &polygon("[[0,0],[1,1],[1,200],[0,0]]"),
                BoundaryError::OffTheMap(3),
            ),
            (
                r#"{"type":"FeatureCollection","features":[]}"#,
                BoundaryError::NoPolygon,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Err(want), "{text}");
        }
        assert_eq!(
            BoundaryError::Unclosed.to_string(),
            "The boundary is not closed: GeoJSON repeats the first point as the last one."
        );
    }
}
