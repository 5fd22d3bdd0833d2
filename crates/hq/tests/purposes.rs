//! A purpose for every look (issue 16, DPA 2018 s.62): every read of records on the dashboard
//! carries the purpose staff gave (`beatbook-purpose`), is refused `purpose_required` in words
//! without one, and is written to the access log with it; the force's purposes are listed for the
//! dashboard's dialog; analysts read people's names and contact details masked unless the purpose
//! unmasks. Over HTTP (the real router, in process) on SQLite and PostgreSQL.

use axum::http::{Method, StatusCode};
use beatbook_domain::access::{CONTACT_WITHHELD, NAME_WITHHELD};
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::intel::{
    Grade, HandlingCode, IntelAssessment, IntelReport, ReviewState, SecurityMarking,
    SourceEvaluation,
};
use beatbook_domain::purpose::PurposeKind;
use beatbook_domain::record::review_after;
use beatbook_domain::{AreaId, RecordId};
use chrono::Utc;
use serde_json::{json, Value};
use support::http::{Device, Hq, PURPOSE, PURPOSE_WORDS};
use support::{story, Db, FromDb};

mod support;

impl FromDb for Hq {
    async fn from_db(db: Db) -> Self {
        Hq::demo(db).await
    }
}

/// A concern naming a person, with their contact details, in Camden Town.
fn named_concern() -> Concern {
    let new: NewConcern = serde_json::from_value(json!({
        "category": {"kind": "asb", "type": "personal", "heading": "intimidation_or_harassment"},
        "description": "Jordan Marsh is followed home nightly; call Jordan on 020 7946 0123",
        "location": {"lat": 51.539_42, "lon": -0.142_61, "place": "14 Pratt Street"},
        "people": [{"role": "victim", "name": "Jordan Marsh", "description": "Tall, red coat"}],
        "consent_to_contact": true,
        "contact": "jordan.marsh@example.org",
    }))
    .unwrap();
    new.into_concern(Utc::now(), vec![AreaId::new("tc-camden-town")])
        .1
}

fn raw_intel() -> IntelReport {
    let now = Utc::now();
    IntelReport {
        grade: Grade {
            source: SourceEvaluation::Untested,
            intelligence: IntelAssessment::C,
            handling: HandlingCode::P,
        },
        security: SecurityMarking::Official,
        content: "Dealing from the car park behind the market".into(),
        checks_made: "PNC checked".into(),
        threat_to_life: false,
        location: None,
        areas: vec![AreaId::new("tc-camden-town")],
        source_id: None,
        review_state: ReviewState::Submitted,
        disseminated_to: vec![],
        legacy_grade: None,
        submitted_at: now,
        retention_review: review_after(now.date_naive(), 72),
    }
}

const CELL: &str = "/api/v1/hq/framework/cell?unit=camden-tct&measure=concerns_closed";

/// Each read of records, with a collar number that may make it.
fn reads(concern: RecordId, raw: RecordId) -> Vec<(String, &'static str)> {
    vec![
        ("/api/v1/hq/records".into(), "PS1102"),
        ("/api/v1/hq/records?q=followed".into(), "AN0815"),
        (format!("/api/v1/hq/records/{concern}"), "SU0001"),
        (CELL.into(), "PS1102"),
        ("/api/v1/hq/intel/queue".into(), "DC7740"),
        (format!("/api/v1/hq/intel/{raw}"), "DC7740"),
    ]
}

async fn seed(hq: &Hq) -> (RecordId, RecordId) {
    let mut tablet = Device::enrol(hq, "PC4127").await;
    let concern = tablet.create(hq, &named_concern()).await;
    let raw = tablet.create(hq, &raw_intel()).await;
    (concern, raw)
}

story!(a_read_of_records_without_a_purpose_is_refused_in_words_and_not_answered);
async fn a_read_of_records_without_a_purpose_is_refused_in_words_and_not_answered(hq: Hq) {
    let (concern, raw) = seed(&hq).await;
    for (path, collar) in reads(concern, raw) {
        let token = hq.sign_in(collar).await;
        let before = hq.access_log_for(collar).await.len();

        let a = hq.get(&path, &token).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}: {}", a.text);
        assert_eq!(a.body["code"], "purpose_required", "{path}");
        let message = a.body["message"].as_str().unwrap();
        assert!(message.contains("purpose"), "{path}: {message}");
        assert!(a.body.get("records").is_none() && a.body.get("report").is_none());
        assert!(!a.text.contains("Jordan"), "{path}: nothing of the records");

        for (purpose, words) in [
            ("code=curiosity", "is not one of this force's purposes"),
            ("code=investigation", "give the reference for investigation"),
            ("code=audit&reference=%ZZ", "could not be read"),
            ("", "give the purpose"),
        ] {
            let a = hq.get_for(&path, &token, purpose).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path} {purpose}");
            assert_eq!(a.body["code"], "purpose_required", "{path} {purpose}");
            let message = a.body["message"].as_str().unwrap();
            assert!(message.contains(words), "{path} {purpose}: {message}");
        }
        assert_eq!(
            hq.access_log_for(collar).await.len(),
            before,
            "{path}: a refused read discloses nothing, so nothing is logged as read"
        );
    }
}

story!(a_role_that_may_not_read_is_refused_before_it_is_asked_for_a_purpose);
async fn a_role_that_may_not_read_is_refused_before_it_is_asked_for_a_purpose(hq: Hq) {
    let (concern, raw) = seed(&hq).await;
    let member = hq.sign_in("CM0001").await;
    for (path, _) in reads(concern, raw) {
        for a in [hq.get(&path, &member).await, hq.read(&path, &member).await] {
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}: {}", a.text);
        }
    }
    let a = hq.call(Method::GET, "/api/v1/hq/records", None, None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

story!(every_read_of_records_is_logged_with_its_purpose_in_words);
async fn every_read_of_records_is_logged_with_its_purpose_in_words(hq: Hq) {
    let (concern, raw) = seed(&hq).await;
    let expect: Vec<(&str, Vec<RecordId>, &str)> = vec![
        ("search", vec![concern], "The records list"),
        (
            "search",
            vec![concern],
            "The records list: words “followed”",
        ),
        ("view", vec![concern], "HQ record view"),
        ("view", vec![concern], "framework drill-down camden-tct"),
        ("search", vec![raw], "intelligence review queue"),
        ("view", vec![raw], "intelligence review"),
    ];
    for ((path, collar), (action, ids, detail)) in reads(concern, raw).into_iter().zip(expect) {
        let token = hq.sign_in(collar).await;
        let a = hq.read(&path, &token).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        let logged = hq.access_log_for(collar).await.remove(0);
        assert_eq!(logged.purpose, PURPOSE_WORDS, "{path}");
        assert_eq!(logged.action, action, "{path}");
        assert_eq!(logged.record_ids, ids, "{path}");
        assert!(
            logged.detail.starts_with(detail),
            "{path}: {}",
            logged.detail
        );
        assert!(logged.device_id.is_none());
    }

    // The purpose's note, in any language, is kept as given.
    let token = hq.sign_in("PS1102").await;
    let a = hq
        .get_for(
            "/api/v1/hq/records",
            &token,
            "code=supervision&note=Z%C3%B6e%27s+monthly+check+%26+follow-up",
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        hq.access_log_for("PS1102").await[0].purpose,
        "Supervision of my team: Zöe's monthly check & follow-up"
    );
}

story!(the_force_s_purposes_are_listed_for_any_staff_with_the_time_they_hold);
async fn the_force_s_purposes_are_listed_for_any_staff_with_the_time_they_hold(hq: Hq) {
    for collar in ["CM0001", "DP0001", "AN0815", "AD0001"] {
        let token = hq.sign_in(collar).await;
        let a = hq.get("/api/v1/hq/purposes", &token).await;
        assert_eq!(a.status, StatusCode::OK, "{collar}: {}", a.text);
        assert_eq!(a.body["hold_minutes"], 60);
        let kinds: Vec<PurposeKind> = serde_json::from_value(a.body["kinds"].clone()).unwrap();
        assert_eq!(kinds, beatbook_domain::purpose::default_purposes());
    }
    let a = hq
        .call(Method::GET, "/api/v1/hq/purposes", None, None)
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    // A force's own list: listed, its purposes accepted, the defaults it left out refused.
    let own = hq.with_settings(|s| {
        s.access.purposes = vec![PurposeKind {
            code: "problem_solving".into(),
            label: "Problem-solving plan".into(),
            needs_reference: false,
            unmasks: false,
        }];
        s.access.purpose_minutes = 15;
    });
    let token = own.sign_in("PS1102").await;
    let a = own.get("/api/v1/hq/purposes", &token).await;
    assert_eq!(a.body["hold_minutes"], 15);
    assert_eq!(a.body["kinds"][0]["label"], "Problem-solving plan");
    let a = own
        .get_for("/api/v1/hq/records", &token, "code=problem_solving")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        own.access_log_for("PS1102").await[0].purpose,
        "Problem-solving plan"
    );
    let a = own.read("/api/v1/hq/records", &token).await;
    assert_eq!(a.body["code"], "purpose_required", "{}", a.text);
}

/// Every string of a JSON answer, joined: what a person could read in it.
fn text(v: &Value) -> String {
    v.to_string()
}

story!(analysts_read_names_and_contact_details_masked_unless_the_purpose_unmasks);
async fn analysts_read_names_and_contact_details_masked_unless_the_purpose_unmasks(hq: Hq) {
    let (concern, _) = seed(&hq).await;
    let analyst = hq.sign_in("AN0815").await;
    let review = "code=performance_review";
    let one = format!("/api/v1/hq/records/{concern}");

    // Performance review: the record is there, its people and contact details are not.
    let list = hq.get_for("/api/v1/hq/records", &analyst, review).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let row = list.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == concern.to_string())
        .expect("the concern is listed")
        .clone();
    let detail = hq.get_for(&one, &analyst, review).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    let cell = hq.get_for(CELL, &analyst, review).await;
    assert_eq!(cell.status, StatusCode::OK, "{}", cell.text);
    assert_eq!(cell.body["records"][0]["record"]["id"], concern.to_string());
    for (what, body, title) in [
        ("list", &row["body"], &row["title"]),
        (
            "view",
            &detail.body["summary"]["body"],
            &detail.body["summary"]["title"],
        ),
        (
            "drill-down",
            &cell.body["records"][0]["record"]["body"],
            &cell.body["records"][0]["record"]["title"],
        ),
    ] {
        let all = format!("{} {}", text(body), text(title));
        for secret in [
            "Jordan",
            "Marsh",
            "7946",
            "example.org",
            "14 Pratt Street",
            "red coat",
        ] {
            assert!(!all.contains(secret), "{what} shows {secret:?}: {all}");
        }
        assert_eq!(body["people"][0]["name"], NAME_WITHHELD, "{what}");
        assert_eq!(body["people"][0]["role"], "victim", "{what}");
        assert_eq!(body["contact"], CONTACT_WITHHELD, "{what}");
        assert_eq!(
            body["description"],
            "[name withheld] is followed home nightly; call [name withheld] on [phone withheld]",
            "{what}"
        );
    }
    // A search for the name finds nothing the analyst may not read; the rest still searches.
    let by_name = hq
        .get_for("/api/v1/hq/records?q=marsh", &analyst, review)
        .await;
    assert_eq!(by_name.body["records"], json!([]), "{}", by_name.text);
    let by_words = hq
        .get_for("/api/v1/hq/records?q=followed%20nightly", &analyst, review)
        .await;
    assert_eq!(by_words.body["records"][0]["id"], concern.to_string());
    let logged = hq.access_log_for("AN0815").await;
    assert_eq!(
        logged[0].detail,
        "The records list: words “followed nightly” (names and contact details masked)"
    );
    assert_eq!(logged[0].purpose, "Performance review");

    // An investigation with its reference unmasks, and the log says so by saying nothing of masks.
    let detail = hq.read(&one, &analyst).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    let body = &detail.body["summary"]["body"];
    assert_eq!(body["people"][0]["name"], "Jordan Marsh");
    assert_eq!(body["contact"], "jordan.marsh@example.org");
    assert_eq!(body["location"]["place"], "14 Pratt Street");
    let found = hq.read("/api/v1/hq/records?q=marsh", &analyst).await;
    assert_eq!(found.body["records"][0]["id"], concern.to_string());
    let logged = hq.access_log_for("AN0815").await;
    assert_eq!(logged[0].detail, "The records list: words “marsh”");
    assert_eq!(logged[0].purpose, PURPOSE_WORDS);
    assert_eq!(logged[1].detail, "HQ record view");

    // Supervisors and force-wide readers are not masked, whatever their purpose.
    for collar in ["PS1102", "SU0001"] {
        let token = hq.sign_in(collar).await;
        let a = hq.get_for(&one, &token, "code=supervision").await;
        assert_eq!(a.status, StatusCode::OK, "{collar}: {}", a.text);
        assert_eq!(
            a.body["summary"]["body"]["people"][0]["name"],
            "Jordan Marsh"
        );
    }
    // The stories' usual purpose is an investigation, which unmasks.
    assert!(PURPOSE.starts_with("code=investigation"));
}

/// The OpenAPI document tells a script writer each read needs the header, and what a refusal is.
#[test]
fn the_openapi_document_names_the_purpose_header_and_the_refusal() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(beatbook_hq::routes::ApiDoc::openapi()).unwrap();
    for path in [
        "/api/v1/hq/records",
        "/api/v1/hq/records/{id}",
        "/api/v1/hq/framework/cell",
        "/api/v1/hq/intel/queue",
        "/api/v1/hq/intel/{id}",
    ] {
        let get = &doc["paths"][path]["get"];
        let header = get["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == beatbook_domain::purpose::HEADER)
            .unwrap_or_else(|| panic!("{path}: no purpose header"));
        assert_eq!(header["in"], "header", "{path}");
        assert_eq!(header["required"], true, "{path}");
        let refusal = get["responses"]["400"]["description"].as_str().unwrap();
        assert!(refusal.contains("purpose_required"), "{path}: {refusal}");
    }
    assert!(doc["paths"]["/api/v1/hq/purposes"]["get"].is_object());
}
