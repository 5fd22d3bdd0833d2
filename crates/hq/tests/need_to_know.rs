//! Need to know, and the sanitisation checks before dissemination, driven over HTTP (the real
//! router, in process) against SQLite always and PostgreSQL (see `support`):
//!
//! - a supervisor reads the records of their own teams' areas (list, search, drill-down, record
//!   view) and intelligence disseminated to their teams; the force-wide reader (SU0001) reads the
//!   force;
//! - no staff role makes a tablet a force-wide copy: an analyst's, the intelligence unit's, an
//!   administrator's or the superintendent's tablet pulls what an officer of their teams would;
//! - dissemination is refused, field by field and in words, while the text carries a source's
//!   name parts, initials, phone (however spaced), email (however disguised) or address; without
//!   every check confirmed; or with a change of handling code and no reason. What is shared has
//!   its location coarsened; the checks and the reason are in the access log and the report's
//!   history.

use axum::http::StatusCode;
use beatbook_domain::area::{areas_containing, GeoPoint, Location};
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::intel::{
    Grade, HandlingCode, IntelAssessment, IntelReport, IntelSource, ReviewState, SecurityMarking,
    SourceEvaluation, SourceType,
};
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::record::review_after;
use beatbook_domain::reference::demo_areas;
use beatbook_domain::sanitise::coarsen;
use beatbook_domain::{AreaId, OfficerId, RecordId, TeamId};
use beatbook_hq::HqSettings;
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use support::http::{Device, Hq};
use support::{story, Db, FromDb};

mod support;

story!(a_supervisor_reads_their_own_teams_areas_and_the_force_reader_the_force);
story!(no_staff_role_makes_a_tablet_a_force_wide_copy);
story!(dissemination_checks_every_source_field_and_logs_the_checks_and_the_reason);

impl FromDb for Hq {
    /// HQ with the demo areas, teams and officers, and a sergeant for the Hackney town centre
    /// team (PS2214), and an analyst who also belongs to a team.
    async fn from_db(db: Db) -> Self {
        let officer = |id: &str, name: &str, role, teams: &[&str]| Officer {
            id: OfficerId::new(id),
            collar_number: id.into(),
            name: name.into(),
            role,
            teams: teams.iter().map(|t| TeamId::new(*t)).collect(),
        };
        let extra = [
            officer(
                "PS2214",
                "PS Mark Ellison",
                Role::Supervisor,
                &["hackney-tct"],
            ),
            officer("AN0900", "Tom Reyes", Role::Analyst, &["dalston-snt"]),
        ];
        Hq::new(Hq::seed(&db, &extra).await, HqSettings::default())
    }
}

/// A point in demo area `area` (outside every town centre, unless it is one), with place words,
/// and every area it lies in: what HQ works out from the point.
fn at(area: &str) -> (Location, Vec<AreaId>) {
    let areas = demo_areas();
    let a = areas.iter().find(|a| a.id.as_str() == area).unwrap();
    let (lons, lats): (Vec<f64>, Vec<f64>) = a.boundary.iter().map(|[x, y]| (*x, *y)).unzip();
    let min = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
    let (lat0, lat1, lon0, lon1) = (min(&lats), max(&lats), min(&lons), max(&lons));
    (1..20)
        .flat_map(|i| (1..20).map(move |j| (i, j)))
        .map(|(i, j)| GeoPoint {
            lat: lat0 + (lat1 - lat0) * f64::from(i) / 20.0,
            lon: lon0 + (lon1 - lon0) * f64::from(j) / 20.0,
        })
        .map(|p| (p, areas_containing(p, &areas)))
        .find(|(_, ids)| {
            ids.iter().any(|i| i.as_str() == area)
                && (area.starts_with("tc-") || ids.iter().all(|i| !i.as_str().starts_with("tc-")))
        })
        .map(|(p, ids)| {
            let place = Some(format!("Outside number 14, {}", a.name));
            (
                Location {
                    lat: p.lat,
                    lon: p.lon,
                    place,
                },
                ids,
            )
        })
        .unwrap_or_else(|| panic!("no point of {area} on its own"))
}

fn concern(description: &str, area: &str, days_ago: i64) -> Concern {
    let (location, areas) = at(area);
    let v = json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": location,
    });
    let new: NewConcern = serde_json::from_value(v).unwrap();
    let mut c = new.into_concern(Utc::now(), areas).1;
    c.reported_at = Utc::now() - Duration::days(days_ago);
    c
}

fn intel(content: &str, area: &str) -> IntelReport {
    let now = Utc::now();
    let (location, areas) = at(area);
    IntelReport {
        grade: Grade {
            source: SourceEvaluation::Untested,
            intelligence: IntelAssessment::C,
            handling: HandlingCode::P,
        },
        security: SecurityMarking::Official,
        content: content.into(),
        checks_made: "PNC checked".into(),
        threat_to_life: false,
        location: Some(location),
        areas,
        source_id: None,
        review_state: ReviewState::Submitted,
        disseminated_to: vec![],
        legacy_grade: None,
        submitted_at: now,
        retention_review: review_after(now.date_naive(), 72),
    }
}

fn source(report: RecordId) -> IntelSource {
    let now = Utc::now();
    IntelSource {
        report_id: report,
        source_type: SourceType::MemberOfPublic,
        name: Some("Jordan Marsh".into()),
        contact: Some("07700 900123 or jordan.marsh77@example.com".into()),
        relationship: Some("Works nights at the kebab shop opposite".into()),
        notes: "Meets the handler behind the launderette on Tuesdays".into(),
        recorded_at: now,
        retention_review: review_after(now.date_naive(), 72),
    }
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

const ALL_CHECKS: [&str; 5] = [
    "source_not_identifiable",
    "no_contact_details",
    "no_detail_only_the_source_knows",
    "location_coarsened",
    "handling_code_checked",
];

/// Disseminate `raw` with this text, grade, checks and reason, as the unit.
async fn share(hq: &Hq, unit: &str, raw: RecordId, body: Value) -> support::http::Answer {
    hq.post(&format!("/api/v1/hq/intel/{raw}/disseminate"), unit, body)
        .await
}

async fn a_supervisor_reads_their_own_teams_areas_and_the_force_reader_the_force(hq: Hq) {
    let mut camden = Device::enrol(&hq, "PC4127").await; // Camden TCT
    let mut dalston = Device::enrol(&hq, "PC3318").await; // Dalston SNT
    let c = camden
        .create(
            &hq,
            &concern("Drinkers by the station", "tc-camden-town", 4),
        )
        .await;
    let d = dalston
        .create(&hq, &concern("Drinkers by the market", "E05009370", 4))
        .await;

    let sergeant = hq.sign_in("PS1102").await; // Camden's teams
    let hackney = hq.sign_in("PS2214").await; // Hackney TCT
    let force = hq.sign_in("SU0001").await;

    // Lists and search.
    let a = hq.read("/api/v1/hq/records", &sergeant).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(ids(&a.body["records"]), vec![c.to_string()]);
    let a = hq.read("/api/v1/hq/records?q=drinkers", &sergeant).await;
    assert_eq!(ids(&a.body["records"]), vec![c.to_string()]);
    let a = hq.read("/api/v1/hq/records?q=drinkers", &force).await;
    let mut all = ids(&a.body["records"]);
    all.sort();
    let mut both = vec![c.to_string(), d.to_string()];
    both.sort();
    assert_eq!(all, both);
    // Hackney's town centre team covers the town centres, not Dalston's ward.
    let a = hq.read("/api/v1/hq/records", &hackney).await;
    assert!(ids(&a.body["records"]).is_empty(), "{}", a.text);

    // Record view: another team's record is answered as missing, and not logged as a view.
    assert_eq!(
        hq.read(&format!("/api/v1/hq/records/{d}"), &sergeant)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hq.read(&format!("/api/v1/hq/records/{d}"), &force)
            .await
            .status,
        StatusCode::OK
    );
    let log = hq.access_log_for("PS1102").await;
    assert!(log.iter().all(|e| !e.record_ids.contains(&d)), "{log:?}");

    // Drill-down: the figures are force-wide, the records behind them need to know.
    let cell = "/api/v1/hq/framework/cell?unit=dalston-snt&measure=concerns_answered_72h";
    let a = hq.read(cell, &sergeant).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(
        a.body["records"].as_array().unwrap().is_empty(),
        "{}",
        a.text
    );
    let a = hq.read(cell, &force).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let behind: Vec<&str> = a.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(behind, vec![d.to_string().as_str()]);
    let log = hq.access_log_for("SU0001").await;
    assert_eq!(log[0].record_ids, vec![d]);

    // Intelligence disseminated to Hackney's town centre team: its sergeant reads it, Camden's
    // does not, the force-wide reader does.
    let raw = dalston
        .create(&hq, &intel("Crack sold from a blue car", "tc-dalston"))
        .await;
    let unit = hq.sign_in("DC7740").await;
    let a = share(
        &hq,
        &unit,
        raw,
        json!({"content": "Crack is sold from a blue car in Dalston", "grade": {"source": "2", "intelligence": "C", "handling": {"code": "P"}}, "teams": ["hackney-tct"], "confirmed": ALL_CHECKS}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let product = a.body["sanitised_id"].as_str().unwrap().to_owned();
    let kind = "/api/v1/hq/records?kind=intel_report";
    assert_eq!(
        ids(&hq.read(kind, &hackney).await.body["records"]),
        vec![product.clone()]
    );
    assert!(ids(&hq.read(kind, &sergeant).await.body["records"]).is_empty());
    assert_eq!(
        ids(&hq.read(kind, &force).await.body["records"]),
        vec![product.clone()]
    );
    assert_eq!(
        hq.read(&format!("/api/v1/hq/records/{product}"), &sergeant)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Nobody but the unit reads the raw report.
    for t in [&hackney, &force] {
        assert_eq!(
            hq.read(&format!("/api/v1/hq/records/{raw}"), t)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

async fn no_staff_role_makes_a_tablet_a_force_wide_copy(hq: Hq) {
    let mut camden = Device::enrol(&hq, "PC4127").await;
    let mut dalston = Device::enrol(&hq, "PC3318").await;
    let c = camden
        .create(
            &hq,
            &concern("Drinkers by the station", "tc-camden-town", 1),
        )
        .await;
    let d = dalston
        .create(&hq, &concern("Drinkers by the market", "E05009370", 1))
        .await;
    let raw = dalston
        .create(&hq, &intel("Crack sold from a blue car", "tc-dalston"))
        .await;
    let src = dalston.create(&hq, &source(raw)).await;

    // Staff without a team: nothing of anyone else's on their tablet.
    for collar in ["AN0815", "DC7740", "AD0001", "SU0001", "DP0001"] {
        let tablet = Device::enrol(&hq, collar).await;
        let got = tablet.pull(&hq).await;
        assert!(got.is_empty(), "{collar}: {got:?}");
    }
    // An analyst of Dalston's team gets what Dalston's officers get: Dalston's concern, not
    // Camden's, never raw intelligence or its source.
    let analyst = Device::enrol(&hq, "AN0900").await;
    let got: Vec<String> = analyst
        .pull(&hq)
        .await
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, vec![d.to_string()]);
    let officer: Vec<String> = dalston
        .pull(&hq)
        .await
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .filter(|id| *id != raw.to_string())
        .collect();
    assert_eq!(officer, got, "the same as an officer of the team");
    for id in [c, raw, src] {
        assert!(!got.contains(&id.to_string()));
    }
}

async fn dissemination_checks_every_source_field_and_logs_the_checks_and_the_reason(hq: Hq) {
    let mut dalston = Device::enrol(&hq, "PC3318").await;
    let raw = dalston
        .create(
            &hq,
            &intel(
                "Jordan Marsh (07700 900123) says crack is sold from the blue car",
                "tc-dalston",
            ),
        )
        .await;
    dalston.create(&hq, &source(raw)).await;
    let unit = hq.sign_in("DC7740").await;
    let p = json!({"source": "2", "intelligence": "C", "handling": {"code": "P"}});
    let c = json!({"source": "2", "intelligence": "C", "handling": {"code": "C", "conditions": "Police only"}});

    // Each text still carrying something of the source is refused on `content`, in words.
    for (text, words) in [
        (
            "J. Marsh says crack is sold",
            "“Marsh” is part of the source's name",
        ),
        ("JM says crack is sold", "“JM” are the source's initials"),
        (
            "Ring 077 009 001 23 for crack",
            "is the source's phone number",
        ),
        (
            "Ring +44 7700-900-123 for crack",
            "is the source's phone number",
        ),
        (
            "Mail jordan dot marsh77 at example dot com",
            "the source's email address",
        ),
        (
            "Seen from the kebab shop opposite",
            "is copied from the source's relationship",
        ),
        (
            "Crack sold behind the launderette on Tuesdays",
            "is copied from the source's handler notes",
        ),
    ] {
        let a = share(
            &hq,
            &unit,
            raw,
            json!({"content": text, "grade": p, "teams": ["hackney-tct"], "confirmed": ALL_CHECKS}),
        )
        .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{text}: {}", a.text);
        let fields = a.body["fields"].as_array().unwrap();
        assert!(
            fields
                .iter()
                .any(|f| f["field"] == "content" && f["message"].as_str().unwrap().contains(words)),
            "{text}: {}",
            a.text
        );
    }
    // The checks-made note is shared too, so it is checked as well.
    let a = share(&hq, &unit, raw, json!({"content": "Crack is sold from a blue car", "checks_made": "Confirmed with 07700900123", "grade": p, "teams": ["hackney-tct"], "confirmed": ALL_CHECKS})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);

    // Every check must be confirmed; a change of handling code needs a reason.
    let clean = "Crack is sold from a blue car in Dalston in the evenings";
    let a = share(&hq, &unit, raw, json!({"content": clean, "grade": p, "teams": ["hackney-tct"], "confirmed": &ALL_CHECKS[..4]})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(a.body["fields"][0]["field"], "checks", "{}", a.text);
    assert!(
        a.text.contains("The handling code and its conditions fit"),
        "{}",
        a.text
    );
    let a = share(&hq, &unit, raw, json!({"content": clean, "grade": c, "teams": ["hackney-tct"], "confirmed": ALL_CHECKS, "handling_reason": "  "})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(
        a.body["fields"][0]["field"], "handling_reason",
        "{}",
        a.text
    );
    assert!(
        a.text.contains("from P (lawful sharing permitted) to C"),
        "{}",
        a.text
    );
    // Nothing was written by the refusals.
    let unit_view = hq.read(&format!("/api/v1/hq/records/{raw}"), &unit).await;
    assert_eq!(unit_view.body["summary"]["status"], "submitted");

    let reason = "Partners must not receive it: the source would be exposed";
    let a = share(&hq, &unit, raw, json!({"content": clean, "grade": c, "teams": ["hackney-tct"], "confirmed": ALL_CHECKS, "handling_reason": reason})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let product: RecordId = a.body["sanitised_id"].as_str().unwrap().parse().unwrap();

    // What the team receives: the coarsened point, without the place words.
    let state = hq.state.storage.record(product).await.unwrap().unwrap();
    let shared: Value = serde_json::from_str(&state.state_json).unwrap();
    let loc: Location = serde_json::from_value(shared["fields"]["location"]["value"].clone())
        .unwrap_or_else(|e| panic!("{e}: {shared}"));
    let (door, _) = at("tc-dalston");
    assert_eq!(loc.place, None);
    assert_eq!(loc, coarsen(&door));
    assert!((loc.lat - door.lat).abs() > 1e-6 || (loc.lon - door.lon).abs() > 1e-6);
    assert!((loc.lat - door.lat).abs() < 0.003 && (loc.lon - door.lon).abs() < 0.005);
    let place = door.place.unwrap();
    assert!(!state.state_json.contains(&place) && !state.state_json.contains("Jordan"));

    // The access log and the raw report's history keep the checks and the reason, in words.
    let log = hq.access_log_for("DC7740").await;
    let entry = log
        .iter()
        .find(|e| e.action == "disseminated")
        .expect("the dissemination is logged");
    assert_eq!(entry.record_ids, vec![raw, product]);
    for words in [
        "Sanitised and shared with Hackney Town Centre Team.",
        "Checks confirmed: The source cannot be identified",
        "The handling code and its conditions fit the teams receiving it",
        "Location shared to within 500 m",
        &format!("Handling code changed from P (lawful sharing permitted) to C (with conditions: Police only): {reason}."),
    ] {
        assert!(entry.detail.contains(words), "{words}: {}", entry.detail);
    }
    let view = hq.read(&format!("/api/v1/hq/records/{raw}"), &unit).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    let history: Vec<&str> = view.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["what"].as_str().unwrap())
        .collect();
    let last = history.last().unwrap();
    assert!(
        last.starts_with("Changed review state, sanitised as: Sanitised and shared with Hackney Town Centre Team.")
            && last.contains(reason),
        "{history:?}"
    );

    // A re-grade that changes the handling code needs a reason too, and keeps it.
    let raw2 = dalston
        .create(&hq, &intel("Cannabis grown at a flat", "tc-dalston"))
        .await;
    let path = format!("/api/v1/hq/intel/{raw2}/grade");
    let a = hq.post(&path, &unit, json!({"grade": c})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(
        a.body["fields"][0]["field"], "handling_reason",
        "{}",
        a.text
    );
    let a = hq
        .post(
            &path,
            &unit,
            json!({"grade": c, "handling_reason": "Partner agencies excluded"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let log = hq.access_log_for("DC7740").await;
    assert_eq!(log[0].action, "graded");
    assert_eq!(log[0].record_ids, vec![raw2]);
    assert!(
        log[0].detail.contains("Partner agencies excluded"),
        "{}",
        log[0].detail
    );
    // The same code again: no reason needed.
    let a = hq.post(&path, &unit, json!({"grade": c})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}
