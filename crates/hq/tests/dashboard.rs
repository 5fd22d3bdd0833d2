//! The HQ dashboard API, driven over HTTP (the real router, in process) against SQLite always and
//! PostgreSQL (`BEATBOOK_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`, each
//! test in its own schema; `BEATBOOK_SKIP_POSTGRES=1` skips it). Devices here are headless: they
//! enrol, sign in, push and pull through the same `/api/v1` endpoints as the tablet.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::intel::{
    Grade, HandlingCode, IntelAssessment, IntelReport, IntelSource, ReviewState, SecurityMarking,
    SourceEvaluation, SourceType,
};
use beatbook_domain::record::review_after;
use beatbook_domain::{AreaId, DeviceId, Hlc, OfficerId, Op, OpAction, Record, RecordId};
use beatbook_hq::{admin, HqState};
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;
use support::http::{Device, Hq, PASSWORD};
use support::{story, Db, FromDb};

mod support;

// ---------------------------------------------------------------------------------------------
// HTTP

impl FromDb for Hq {
    /// HQ on the story's database, with the demo areas, teams and officers.
    async fn from_db(db: Db) -> Self {
        Hq::demo(db).await
    }
}

impl Device {
    /// Set plain fields of a record this officer may change.
    async fn set(
        &mut self,
        hq: &Hq,
        id: RecordId,
        kind: beatbook_domain::RecordKind,
        fields: Value,
    ) {
        self.set_at(hq, id, kind, fields, Utc::now()).await;
    }

    /// Push a new record made with the device's clock at `at` (made offline earlier); its id.
    async fn create_at<R: Record>(
        &mut self,
        hq: &Hq,
        record: &R,
        at: chrono::DateTime<Utc>,
    ) -> RecordId {
        let id = RecordId::new();
        let op = self.next_op(
            id,
            R::KIND,
            Hlc::new(u64::try_from(at.timestamp_millis()).unwrap(), 0),
            OpAction::Put {
                fields: record.writes_from(None).unwrap(),
            },
        );
        let a = hq
            .post("/api/v1/sync/push", &self.token, json!({"ops": [op]}))
            .await;
        assert_eq!(a.body["results"][0]["outcome"], "applied", "{}", a.text);
        id
    }

    /// Set plain fields with the device's clock at `at` (an edit made offline earlier).
    async fn set_at(
        &mut self,
        hq: &Hq,
        id: RecordId,
        kind: beatbook_domain::RecordKind,
        fields: Value,
        at: chrono::DateTime<Utc>,
    ) {
        let fields = fields
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), beatbook_domain::FieldWrite::Set(v.into())))
            .collect();
        let op = self.next_op(
            id,
            kind,
            Hlc::new(u64::try_from(at.timestamp_millis()).unwrap(), 1),
            OpAction::Put { fields },
        );
        let a = hq
            .post("/api/v1/sync/push", &self.token, json!({"ops": [op]}))
            .await;
        assert_eq!(a.body["results"][0]["outcome"], "applied", "{}", a.text);
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

fn concern(description: &str, area: &str, person: Option<&str>) -> Concern {
    // HQ puts a concern in the areas of its location: it is placed at a demo place in `area`
    // (a ward's places are outside the town centres; a town centre's are in a ward too).
    let location = beatbook_hq::demo::places::PLACES
        .iter()
        .find(|p| p.area == area)
        .map_or_else(
            || json!({"lat": 51.539, "lon": -0.1426, "place": "Camden Town station"}),
            |p| json!({"lat": p.lat, "lon": p.lon, "place": p.name}),
        );
    let mut v = json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": location,
    });
    if let Some(name) = person {
        v["people"] = json!([{"role": "suspect", "name": name}]);
    }
    let new: NewConcern = serde_json::from_value(v).unwrap();
    new.into_concern(Utc::now(), vec![AreaId::new(area)]).1
}

fn intel(content: &str, area: &str, source_id: Option<RecordId>) -> IntelReport {
    let now = Utc::now();
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
        location: None,
        areas: vec![AreaId::new(area)],
        source_id,
        review_state: ReviewState::Submitted,
        disseminated_to: vec![],
        legacy_grade: None,
        submitted_at: now,
        retention_review: review_after(now.date_naive(), 72),
    }
}

fn source(report: RecordId, name: &str) -> IntelSource {
    let now = Utc::now();
    IntelSource {
        report_id: report,
        source_type: SourceType::MemberOfPublic,
        name: Some(name.into()),
        contact: Some("07700 900123".into()),
        relationship: None,
        notes: "Shop owner on Kingsland Road".into(),
        recorded_at: now,
        retention_review: review_after(now.date_naive(), 72),
    }
}

/// Every check of the dissemination form, confirmed.
const ALL_CHECKS: [&str; 5] = [
    "source_not_identifiable",
    "no_contact_details",
    "no_detail_only_the_source_knows",
    "location_coarsened",
    "handling_code_checked",
];

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Sign-in and roles

story!(staff_sign_in_sets_a_strict_cookie_and_officers_are_refused);
async fn staff_sign_in_sets_a_strict_cookie_and_officers_are_refused(hq: Hq) {
    // An officer's password is right, but the dashboard is not for officers.
    let a = hq
        .call(
            Method::POST,
            "/api/v1/hq/login",
            None,
            Some(json!({"collar_number": "PC4127", "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    assert_eq!(a.body["code"], "forbidden");
    let a = hq
        .call(
            Method::POST,
            "/api/v1/hq/login",
            None,
            Some(json!({"collar_number": "PS1102", "password": "wrong-password"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    let a = hq
        .call(
            Method::POST,
            "/api/v1/hq/login",
            None,
            Some(json!({"collar_number": "PS1102", "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let cookie = a.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();

    // The cookie alone signs the page in.
    let me = hq
        .send(
            Request::get("/api/v1/hq/me")
                .header(header::COOKIE, &pair)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["officer"]["role"], "supervisor");

    // Nothing without a session; and a signed-out session no longer works.
    assert_eq!(
        hq.call(Method::GET, "/api/v1/hq/me", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let out = hq
        .send(
            Request::post("/api/v1/hq/logout")
                .header(header::COOKIE, &pair)
                // From the dashboard's own page, as a browser says (see `limits`).
                .header(header::HOST, "hq.test")
                .header(header::ORIGIN, "https://hq.test")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let me = hq
        .send(
            Request::get("/api/v1/hq/me")
                .header(header::COOKIE, &pair)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

story!(each_role_is_refused_what_it_may_not_do);
async fn each_role_is_refused_what_it_may_not_do(hq: Hq) {
    let supervisor = hq.sign_in("PS1102").await;
    let analyst = hq.sign_in("AN0815").await;
    let unit = hq.sign_in("DC7740").await;
    let admin = hq.sign_in("AD0001").await;
    // Records: not for the administrator (who uses the subject access search).
    assert_eq!(
        hq.read("/api/v1/hq/records", &admin).await.status,
        StatusCode::FORBIDDEN
    );
    for t in [&supervisor, &analyst, &unit] {
        assert_eq!(
            hq.read("/api/v1/hq/records", t).await.status,
            StatusCode::OK
        );
    }
    // Subject access: the data protection officer only (`tests/subject_access.rs`): the
    // administrator no longer searches records for a person.
    let dpo = hq.sign_in("DP0001").await;
    for t in [&supervisor, &analyst, &unit, &admin] {
        assert_eq!(
            hq.get("/api/v1/hq/subject-access?name=Smith", t)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    let a = hq
        .send(
            Request::get("/api/v1/hq/subject-access?name=Smith")
                .header(header::AUTHORIZATION, format!("Bearer {dpo}"))
                .header("beatbook-purpose", "code=subject_access&reference=SAR-1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // Officers' figures: a team's supervisors only, for their own teams.
    let officers = "/api/v1/hq/framework/officers?team=camden-tct&period=last_month";
    for t in [&analyst, &unit, &admin] {
        assert_eq!(hq.get(officers, t).await.status, StatusCode::FORBIDDEN);
    }
    let b = hq.get(officers, &supervisor).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    assert_eq!(b.body["team_name"], "Camden Town Centre Team");
    assert_eq!(
        hq.get(
            "/api/v1/hq/framework/officers?team=dalston-snt",
            &supervisor
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

// ---------------------------------------------------------------------------------------------
// Records

story!(supervisors_see_their_teams_areas_a_force_reader_the_force_neither_raw_intelligence_and_every_view_is_logged);
async fn supervisors_see_their_teams_areas_a_force_reader_the_force_neither_raw_intelligence_and_every_view_is_logged(
    hq: Hq,
) {
    let mut camden = Device::enrol(&hq, "PC4127").await;
    let mut dalston = Device::enrol(&hq, "PC3318").await;
    let c1 = camden
        .create(
            &hq,
            &concern(
                "Street drinking outside the station",
                "tc-camden-town",
                None,
            ),
        )
        .await;
    let c2 = dalston
        .create(&hq, &concern("Drinking by the market", "E05009370", None))
        .await;
    let raw = dalston
        .create(
            &hq,
            &intel("Dealing from a car on Kingsland Road", "tc-dalston", None),
        )
        .await;

    // Camden's sergeant (PS1102: Camden's town centre team and two Camden wards) sees Camden,
    // not Dalston.
    let supervisor = hq.sign_in("PS1102").await;
    let a = hq.read("/api/v1/hq/records", &supervisor).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let seen = ids(&a.body["records"]);
    assert_eq!(seen, vec![c1.to_string()], "their own teams' areas only");
    // Filter by area (not theirs: nothing) and by words.
    let a = hq
        .read("/api/v1/hq/records?area=E05009370", &supervisor)
        .await;
    assert!(ids(&a.body["records"]).is_empty(), "{}", a.text);
    let a = hq
        .read("/api/v1/hq/records?q=outside%20STATION", &supervisor)
        .await;
    assert_eq!(ids(&a.body["records"]), vec![c1.to_string()]);
    // One record; raw intelligence is answered as missing.
    assert_eq!(
        hq.read(&format!("/api/v1/hq/records/{c1}"), &supervisor)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        hq.read(&format!("/api/v1/hq/records/{raw}"), &supervisor)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Dalston's concern is answered as missing to Camden's sergeant.
    assert_eq!(
        hq.read(&format!("/api/v1/hq/records/{c2}"), &supervisor)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Every list and view is in the access log, with the records disclosed.
    let log = hq.access_log_for("PS1102").await;
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(log.iter().all(|e| e.device_id.is_none()));
    assert_eq!(log[0].action, "view");
    assert_eq!(log[0].record_ids, vec![c1]);
    assert_eq!(log[1].action, "search");
    assert_eq!(log[1].record_ids, vec![c1]);
    assert!(log[2].record_ids.is_empty());
    assert_eq!(log[3].record_ids, vec![c1]);

    // The superintendent (SU0001, force-wide reader) reads the whole force, still not raw
    // intelligence.
    let force = hq.sign_in("SU0001").await;
    let a = hq.read("/api/v1/hq/records", &force).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let seen = ids(&a.body["records"]);
    assert!(
        seen.contains(&c1.to_string()) && seen.contains(&c2.to_string()),
        "force-wide: {seen:?}"
    );
    assert!(
        !seen.contains(&raw.to_string()),
        "raw intelligence is for the intelligence unit"
    );
    let a = hq.read("/api/v1/hq/records?area=E05009370", &force).await;
    assert_eq!(ids(&a.body["records"]), vec![c2.to_string()]);
    assert_eq!(
        hq.read(&format!("/api/v1/hq/records/{c2}"), &force)
            .await
            .status,
        StatusCode::OK
    );
    let log = hq.access_log_for("SU0001").await;
    assert_eq!(log[0].action, "view");
    assert_eq!(log[0].record_ids, vec![c2]);

    // The intelligence unit sees the raw report.
    let unit = hq.sign_in("DC7740").await;
    let a = hq.read("/api/v1/hq/records?kind=intel_report", &unit).await;
    assert_eq!(ids(&a.body["records"]), vec![raw.to_string()]);
    assert_eq!(hq.access_log_for("DC7740").await[0].record_ids, vec![raw]);
}

story!(subject_access_finds_every_record_naming_a_person_and_is_logged);
async fn subject_access_finds_every_record_naming_a_person_and_is_logged(hq: Hq) {
    let mut dev = Device::enrol(&hq, "PC3318").await;
    let named = dev
        .create(
            &hq,
            &concern("Shouting at shoppers", "E05009370", Some("Jordan Marsh")),
        )
        .await;
    let mentioned = dev
        .create(
            &hq,
            &concern("Jordan Marsh seen drinking again", "E05009370", None),
        )
        .await;
    let other = dev
        .create(&hq, &concern("Broken street light", "E05009370", None))
        .await;
    let report = dev
        .create(&hq, &intel("A man supplying cannabis", "tc-dalston", None))
        .await;
    let src = dev.create(&hq, &source(report, "Jordan Marsh")).await;

    // The data protection officer's now (the administrator's before issue 16), with a purpose.
    let dpo = hq.sign_in("DP0001").await;
    let sar = |path: &str| {
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {dpo}"))
            .header("beatbook-purpose", "code=subject_access&reference=SAR-1")
            .body(Body::empty())
            .unwrap()
    };
    let a = hq
        .send(sar("/api/v1/hq/subject-access?name=jordan%20marsh"))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let results = a.body["results"].as_array().unwrap();
    let mut found: Vec<String> = results
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    found.sort();
    let mut expect = vec![named.to_string(), mentioned.to_string()];
    expect.sort();
    assert_eq!(found, expect);
    assert!(!found.contains(&other.to_string()));
    // The source names him: found, but withheld for the intelligence unit, never shown.
    assert_eq!(results.len(), 3);
    assert!(!a.text.contains(&src.to_string()));
    assert!(!a.text.contains("Kingsland"));
    let log = hq.access_log_for("DP0001").await;
    assert_eq!(log[0].action, "subject_access");
    assert_eq!(log[0].record_ids.len(), 2);
    assert!(log[0].detail.to_lowercase().contains("jordan marsh"));
    // A fragment shorter than a name part is refused rather than listing everyone.
    assert_eq!(
        hq.send(sar("/api/v1/hq/subject-access?name=J"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

// ---------------------------------------------------------------------------------------------
// Intelligence review

fn field<'a>(state: &'a Value, name: &str) -> &'a Value {
    &state["fields"][name]["value"]
}

fn text_versions(state: &Value, name: &str) -> Vec<String> {
    state["texts"][name]
        .as_object()
        .map(|m| {
            m.values()
                .map(|v| v["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

story!(
    a_disseminated_report_reaches_the_team_on_its_next_pull_and_the_source_never_leaves_the_unit
);
async fn a_disseminated_report_reaches_the_team_on_its_next_pull_and_the_source_never_leaves_the_unit(
    hq: Hq,
) {
    let mut author = Device::enrol(&hq, "PC3318").await; // Dalston SNT
    let hackney_tct = Device::enrol(&hq, "PC5071").await;
    let camden_tct = Device::enrol(&hq, "PC4127").await;
    let raw = author
        .create(&hq, &intel("Jordan Marsh (source, 07700 900123) says crack is sold from the blue car on Kingsland Road", "tc-dalston", None))
        .await;
    let src = author.create(&hq, &source(raw, "Jordan Marsh")).await;

    // Before review, the raw report stays with its author.
    assert!(hackney_tct.pull(&hq).await.is_empty());

    let unit = hq.sign_in("DC7740").await;
    let supervisor = hq.sign_in("PS1102").await;
    // Only the unit reviews.
    assert_eq!(
        hq.read("/api/v1/hq/intel/queue", &supervisor).await.status,
        StatusCode::FORBIDDEN
    );
    let q = hq.read("/api/v1/hq/intel/queue", &unit).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    assert_eq!(q.body.as_array().unwrap().len(), 1);
    assert_eq!(q.body[0]["summary"]["id"], raw.to_string());
    assert_eq!(q.body[0]["has_source"], true);
    let d = hq.read(&format!("/api/v1/hq/intel/{raw}"), &unit).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(d.body["sources"][0]["id"], src.to_string());
    let log = hq.access_log_for("DC7740").await;
    assert_eq!(log[0].action, "view");
    assert_eq!(log[0].record_ids, vec![raw, src]);

    // Re-grade: 1B, with conditions.
    let grade = json!({"source": "1", "intelligence": "B", "handling": {"code": "C", "conditions": "Not to be shared outside the Metropolitan Police"}});
    let g = hq
        .post(
            &format!("/api/v1/hq/intel/{raw}/grade"),
            &unit,
            json!({"grade": grade, "handling_reason": "Shared outside the Met it would expose the source"}),
        )
        .await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.text);
    assert_eq!(g.body["status"], "reviewed");
    let bad =
        json!({"source": "1", "intelligence": "B", "handling": {"code": "C", "conditions": " "}});
    assert_eq!(
        hq.post(
            &format!("/api/v1/hq/intel/{raw}/grade"),
            &unit,
            json!({"grade": bad, "handling_reason": "Conditions needed"})
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    // Sanitising text that still names the source is refused; so is a team outside the areas (code C).
    let leaky = hq
        .post(&format!("/api/v1/hq/intel/{raw}/disseminate"), &unit, json!({"content": "Jordan Marsh reports crack sold from a car", "grade": grade, "teams": ["hackney-tct"], "confirmed": ALL_CHECKS}))
        .await;
    assert_eq!(leaky.status, StatusCode::BAD_REQUEST, "{}", leaky.text);
    assert_eq!(
        leaky.body["fields"][0]["field"], "content",
        "{}",
        leaky.text
    );
    let far = hq
        .post(&format!("/api/v1/hq/intel/{raw}/disseminate"), &unit, json!({"content": "Crack cocaine is sold from a blue car on Kingsland Road", "grade": grade, "teams": ["camden-tct"], "confirmed": ALL_CHECKS}))
        .await;
    assert_eq!(far.status, StatusCode::BAD_REQUEST, "{}", far.text);
    assert!(hq
        .read("/api/v1/hq/intel/queue", &supervisor)
        .await
        .text
        .contains("forbidden"));

    let ok = hq
        .post(&format!("/api/v1/hq/intel/{raw}/disseminate"), &unit, json!({"content": "Crack cocaine is sold from a blue car on Kingsland Road", "grade": grade, "teams": ["hackney-tct"], "confirmed": ALL_CHECKS}))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let sanitised = ok.body["sanitised_id"].as_str().unwrap().to_owned();
    // Once shared, it leaves the queue; a second dissemination is refused.
    assert!(hq
        .read("/api/v1/hq/intel/queue", &unit)
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        hq.post(
            &format!("/api/v1/hq/intel/{raw}/disseminate"),
            &unit,
            json!({"content": "x", "grade": grade, "teams": ["hackney-tct"]})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );

    // The Hackney TCT device receives the sanitised report, and only that: no raw text, no source.
    let got = hackney_tct.pull(&hq).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["id"], sanitised);
    assert_eq!(field(&got[0], "review_state"), "disseminated");
    assert_eq!(field(&got[0], "source_id"), &Value::Null);
    assert_eq!(field(&got[0], "grade")["handling"]["code"], "C");
    let all = serde_json::to_string(&got).unwrap();
    assert!(!all.contains("Jordan") && !all.contains("07700"), "{all}");
    assert_eq!(
        text_versions(&got[0], "content"),
        vec!["Crack cocaine is sold from a blue car on Kingsland Road"]
    );
    // Another team does not; the author sees their raw report marked sanitised.
    assert!(camden_tct.pull(&hq).await.is_empty());
    let mine = author.pull(&hq).await;
    let raw_state = mine.iter().find(|r| r["id"] == raw.to_string()).unwrap();
    assert_eq!(field(raw_state, "review_state"), "sanitised");
    assert!(mine.iter().all(|r| r["kind"] != "intel_source"));

    // A force-wide reader sees the sanitised product on the dashboard, never the raw report or
    // the source; Camden's sergeant not even that (it was shared with Hackney, not Camden).
    let force = hq.sign_in("SU0001").await;
    let list = hq
        .read("/api/v1/hq/records?kind=intel_report", &force)
        .await;
    assert_eq!(ids(&list.body["records"]), vec![sanitised.clone()]);
    assert_eq!(
        hq.read(&format!("/api/v1/hq/records/{src}"), &force)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let list = hq
        .read("/api/v1/hq/records?kind=intel_report", &supervisor)
        .await;
    assert!(ids(&list.body["records"]).is_empty(), "{}", list.text);

    // The review is in the op log under the HQ review device, authored by the reviewer, and every
    // chain verifies.
    let reports = admin::verify_chains(hq.state.storage.as_ref())
        .await
        .unwrap();
    assert!(reports.iter().all(|(_, r)| r.ok), "{reports:?}");
    let review = reports
        .iter()
        .find(|(d, _)| *d == beatbook_hq::dashboard::review::HQ_REVIEW_DEVICE)
        .expect("the review device has a chain");
    assert_eq!(
        review.1.ops, 3,
        "grade, sanitised report, raw marked sanitised"
    );
    let ops = hq.state.storage.op_log(review.0).await.unwrap();
    assert!(ops
        .iter()
        .all(|o| o.op_json.contains("\"author\":\"DC7740\"")));
}

// ---------------------------------------------------------------------------------------------
// Administration

story!(administrators_manage_people_devices_and_the_audit_trail_and_nobody_else_can);
async fn administrators_manage_people_devices_and_the_audit_trail_and_nobody_else_can(hq: Hq) {
    let admin = hq.sign_in("AD0001").await;
    let supervisor = hq.sign_in("PS1102").await;
    for (m, path) in [
        (Method::GET, "/api/v1/hq/admin/officers"),
        (Method::GET, "/api/v1/hq/admin/devices"),
        (Method::GET, "/api/v1/hq/admin/audit"),
        (Method::POST, "/api/v1/hq/admin/verify-chains"),
        (Method::POST, "/api/v1/hq/admin/enrolment-codes"),
    ] {
        let body = (m == Method::POST).then(|| json!({}));
        let a = hq.call(m, path, Some(&supervisor), body).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}: {}", a.text);
    }

    // An enrolment code, as text and QR; a tablet enrols with it.
    let code = hq
        .post(
            "/api/v1/hq/admin/enrolment-codes",
            &admin,
            json!({"hours": 2}),
        )
        .await;
    assert_eq!(code.status, StatusCode::OK, "{}", code.text);
    assert!(code.body["qr_svg"].as_str().unwrap().contains("<svg"));
    let code = code.body["code"].as_str().unwrap().to_owned();
    let id = DeviceId::new();
    let e = hq
        .call(Method::POST, "/api/v1/enrol", None, Some(json!({"code": code, "device_id": id, "device_name": "Tablet 14, Camden", "app_version": "0.3.1"})))
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text);
    let secret = e.body["device_secret"].as_str().unwrap();
    let l = hq
        .call(Method::POST, "/api/v1/login", None, Some(json!({"device_id": id, "device_secret": secret, "collar_number": "PC2290", "password": PASSWORD})))
        .await;
    let mut tablet = Device {
        id,
        officer: OfficerId::new("PC2290"),
        token: l.body["access_token"].as_str().unwrap().to_owned(),
        seq: 0,
    };
    let c = tablet
        .create(
            &hq,
            &concern("Bins set alight behind the flats", "E05013655", None),
        )
        .await;
    tablet.pull(&hq).await;

    // Devices with their last sync and app version.
    let d = hq.get("/api/v1/hq/admin/devices", &admin).await;
    let row = d
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id.to_string())
        .unwrap()
        .clone();
    assert_eq!(row["app_version"], "0.3.1");
    assert_eq!(row["name"], "Tablet 14, Camden");
    assert!(row["last_seen_at"].is_string(), "{row}");
    assert!(row["revoked_at"].is_null());

    // The audit trail: by officer (writes and reads), by record, by device, by date.
    let a = hq
        .get("/api/v1/hq/admin/audit?officer=PC2290", &admin)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["ops"].as_array().unwrap().len(), 1);
    assert_eq!(a.body["ops"][0]["record_id"], c.to_string());
    assert_eq!(a.body["access"][0]["action"], "pull");
    let a = hq
        .get(&format!("/api/v1/hq/admin/audit?record={c}"), &admin)
        .await;
    assert_eq!(a.body["ops"][0]["device_id"], id.to_string());
    let a = hq
        .get(&format!("/api/v1/hq/admin/audit?device={id}"), &admin)
        .await;
    assert_eq!(a.body["ops"].as_array().unwrap().len(), 1);
    let a = hq
        .get("/api/v1/hq/admin/audit?to=2001-01-01T00:00:00Z", &admin)
        .await;
    assert!(
        a.body["ops"].as_array().unwrap().is_empty()
            && a.body["access"].as_array().unwrap().is_empty()
    );
    let v = hq
        .post("/api/v1/hq/admin/verify-chains", &admin, json!({}))
        .await;
    assert!(
        v.body.as_array().unwrap().iter().all(|c| c["ok"] == true),
        "{}",
        v.text
    );

    // Revoke: the next sync is refused with the code that makes the device wipe.
    let r = hq
        .post(
            &format!("/api/v1/hq/admin/devices/{id}/revoke"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let p = hq.get("/api/v1/sync/pull?after=0", &tablet.token).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(p.body["code"], "device_revoked");

    // Officers and roles: PC2290 becomes a supervisor and may then use the dashboard.
    let list = hq.get("/api/v1/hq/admin/officers", &admin).await;
    let mut pc = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "PC2290")
        .unwrap()
        .clone();
    pc["role"] = json!("supervisor");
    let put = hq
        .post("/api/v1/hq/admin/officers", &admin, json!({"officer": pc}))
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    hq.sign_in("PC2290").await;
    // A team must name known areas; an admin cannot demote themselves.
    let bad = hq
        .post(
            "/api/v1/hq/admin/teams",
            &admin,
            json!({"id": "x-snt", "name": "X", "kind": "snt", "areas": ["nowhere"]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let me = hq.get("/api/v1/hq/me", &admin).await.body["officer"].clone();
    let mut demoted = me.clone();
    demoted["role"] = json!("analyst");
    assert_eq!(
        hq.post(
            "/api/v1/hq/admin/officers",
            &admin,
            json!({"officer": demoted})
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    let ok = hq
        .post(
            "/api/v1/hq/admin/teams",
            &admin,
            json!({"id": "x-snt", "name": "X SNT", "kind": "snt", "areas": ["E05013655"]}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(hq
        .get("/api/v1/hq/admin/teams", &supervisor)
        .await
        .text
        .contains("x-snt"));
}

// ---------------------------------------------------------------------------------------------
// Performance framework

fn concern_at(description: &str, area: &str, reported_at: chrono::DateTime<Utc>) -> Concern {
    let mut c = concern(description, area, None);
    c.reported_at = reported_at;
    c
}

story!(the_framework_shows_a_red_target_drills_down_to_the_records_and_exports_a_board_pack);
async fn the_framework_shows_a_red_target_drills_down_to_the_records_and_exports_a_board_pack(
    hq: Hq,
) {
    let mut tablet = Device::enrol(&hq, "PC4127").await; // Camden TCT
    let now = Utc::now();
    let quick = tablet
        .create(
            &hq,
            &concern_at(
                "Answered the same day",
                "tc-camden-town",
                now - chrono::Duration::hours(2),
            ),
        )
        .await;
    let late = tablet
        .create(
            &hq,
            &concern_at(
                "Answered after five days",
                "tc-camden-town",
                now - chrono::Duration::days(5),
            ),
        )
        .await;
    let waiting = tablet
        .create(
            &hq,
            &concern_at(
                "Not answered yet",
                "tc-camden-town",
                now - chrono::Duration::days(4),
            ),
        )
        .await;
    // Logged a minute ago: its 72 hours are still running, so it is neither met nor missed.
    let just_now = tablet
        .create(
            &hq,
            &concern_at(
                "Logged a minute ago",
                "tc-camden-town",
                now - chrono::Duration::minutes(1),
            ),
        )
        .await;
    let elsewhere = tablet
        .create(
            &hq,
            &concern_at("In Dalston", "E05009370", now - chrono::Duration::days(4)),
        )
        .await;
    let kind = beatbook_domain::RecordKind::Concern;
    tablet
        .set(&hq, quick, kind, json!({"status": "closed"}))
        .await;
    tablet
        .set(&hq, late, kind, json!({"status": "in_progress"}))
        .await;

    let supervisor = hq.sign_in("PS1102").await;
    let b = hq.get("/api/v1/hq/framework", &supervisor).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    let row = |b: &Value, id: &str| {
        b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    let cell = |row: &Value, m: &str| {
        row["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["measure"] == m)
            .unwrap()
            .clone()
    };
    let tct = row(&b.body, "camden-tct");
    let answered = cell(&tct, "concerns_answered_72h");
    assert_eq!(answered["value"], 33.3);
    assert_eq!(answered["target"], 90.0);
    assert_eq!(answered["rag"], "red");
    assert_eq!(answered["records"], 3);
    // It still counts as reported and not closed.
    assert_eq!(cell(&tct, "concerns_closed")["value"], 25.0);
    assert_eq!(
        cell(&row(&b.body, "dalston-snt"), "concerns_answered_72h")["value"],
        0.0
    );
    assert_eq!(
        cell(&row(&b.body, "hackney-tct"), "concerns_answered_72h")["rag"],
        "none"
    );

    // Drill down from the red cell: the two that missed first, then the one that met it.
    let d = hq
        .read(
            "/api/v1/hq/framework/cell?unit=camden-tct&measure=concerns_answered_72h",
            &supervisor,
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    let recs = d.body["records"].as_array().unwrap();
    let missed: Vec<&str> = recs
        .iter()
        .filter(|r| r["met"] == false)
        .map(|r| r["record"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(missed.len(), 2);
    assert!(
        missed.contains(&late.to_string().as_str())
            && missed.contains(&waiting.to_string().as_str())
    );
    assert_eq!(recs[2]["record"]["id"], quick.to_string());
    assert!(!d.text.contains(&elsewhere.to_string()));
    assert!(!d.text.contains(&just_now.to_string()));
    let log = hq.access_log_for("PS1102").await;
    assert_eq!(log[0].action, "view");
    assert_eq!(log[0].record_ids.len(), 3);

    // Week by week: this week's figure is the last point.
    let t = hq
        .get(
            "/api/v1/hq/framework/trend?unit=camden-tct&measure=concerns_answered_72h&weeks=4",
            &supervisor,
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    let points = t.body["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    assert_eq!(points[3]["value"], 33.3);
    assert_eq!(points[3]["rag"], "red");
    assert!(points[..3]
        .iter()
        .all(|p| p["value"].is_null() && p["rag"] == "none"));

    // By area too.
    let a = hq.get("/api/v1/hq/framework?by=area", &supervisor).await;
    assert_eq!(
        cell(&row(&a.body, "tc-camden-town"), "concerns_answered_72h")["value"],
        33.3
    );

    // Targets: set by an administrator only; a team's own target beats its type's default.
    let admin = hq.sign_in("AD0001").await;
    let t = json!({"scope": "team:camden-tct", "measure": "concerns_answered_72h", "target": 30.0});
    assert_eq!(
        hq.post("/api/v1/hq/framework/targets", &supervisor, t.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        hq.post("/api/v1/hq/framework/targets", &admin, t)
            .await
            .status,
        StatusCode::OK
    );
    let k = json!({"scope": "kind:snt", "measure": "concerns_answered_72h", "target": 0.0});
    assert_eq!(
        hq.post("/api/v1/hq/framework/targets", &admin, k)
            .await
            .status,
        StatusCode::OK
    );
    let bad = json!({"scope": "team:nope", "measure": "concerns_answered_72h", "target": 1.0});
    assert_eq!(
        hq.post("/api/v1/hq/framework/targets", &admin, bad)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let b = hq.get("/api/v1/hq/framework", &admin).await;
    assert_eq!(
        cell(&row(&b.body, "camden-tct"), "concerns_answered_72h")["rag"],
        "green"
    );
    assert_eq!(
        cell(&row(&b.body, "dalston-snt"), "concerns_answered_72h")["target"],
        0.0
    );
    assert_eq!(
        cell(&row(&b.body, "dalston-snt"), "concerns_answered_72h")["rag"],
        "green"
    );
    // The administrator sees figures, but the records behind them are for supervisors and analysts.
    assert_eq!(
        hq.read(
            "/api/v1/hq/framework/cell?unit=camden-tct&measure=concerns_answered_72h",
            &admin
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let unit = hq.sign_in("DC7740").await;
    assert_eq!(
        hq.get("/api/v1/hq/framework", &unit).await.status,
        StatusCode::FORBIDDEN
    );

    // The board pack.
    let csv = hq.get("/api/v1/hq/framework.csv", &supervisor).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.text.starts_with(
        "Team,Type,Measure,Value,Unit,Target,Status,Records,Previous period,Change,Improvement action,From,To\n"
    ));
    assert!(
        csv.text.contains(
            "\"Camden Town Centre Team\",Town Centre Team,\"Concerns answered within 72 hours (%)\",33.3,\"%\",30,On target,3,,No figure to compare,"
        ),
        "{}",
        csv.text
    );
}

story!(the_framework_keeps_up_with_every_change_and_counts_a_concern_from_its_first_answer);
async fn the_framework_keeps_up_with_every_change_and_counts_a_concern_from_its_first_answer(
    hq: Hq,
) {
    let mut tablet = Device::enrol(&hq, "PC4127").await; // Camden TCT
    let supervisor = hq.sign_in("PS1102").await;
    let kind = beatbook_domain::RecordKind::Concern;
    let answered = |b: &Value, unit: &str| -> (Value, Value) {
        let row = b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == unit)
            .unwrap()
            .clone();
        let c = row["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["measure"] == "concerns_answered_72h")
            .unwrap()
            .clone();
        (c["value"].clone(), c["records"].clone())
    };
    // The first board reads every record; nothing is there yet.
    let b = hq.get("/api/v1/hq/framework", &supervisor).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    assert_eq!(answered(&b.body, "camden-tct"), (Value::Null, json!(0)));

    // Reported six days ago, answered the next day, closed today: answered within 72 hours,
    // although its status last changed six days after it was reported.
    let now = Utc::now();
    // Made on the tablet when it was reported: the answer a day later is stamped after it.
    let id = tablet
        .create_at(
            &hq,
            &concern_at(
                "Answered, then closed",
                "tc-camden-town",
                now - chrono::Duration::days(6),
            ),
            now - chrono::Duration::days(6),
        )
        .await;
    tablet
        .set_at(
            &hq,
            id,
            kind,
            json!({"status": "in_progress"}),
            now - chrono::Duration::days(5),
        )
        .await;
    tablet.set(&hq, id, kind, json!({"status": "closed"})).await;
    // Reported five days ago and only closed today: late.
    let late = tablet
        .create(
            &hq,
            &concern_at(
                "Closed late",
                "tc-camden-town",
                now - chrono::Duration::days(5),
            ),
        )
        .await;
    tablet
        .set(&hq, late, kind, json!({"status": "closed"}))
        .await;

    // The board has caught up with the records pushed since it was last shown.
    let b = hq.get("/api/v1/hq/framework", &supervisor).await;
    assert_eq!(answered(&b.body, "camden-tct"), (json!(50.0), json!(2)));
    assert_eq!(answered(&b.body, "dalston-snt"), (Value::Null, json!(0)));

    // A record moved to another area counts there, and no longer here (moved by its location:
    // HQ puts it in the areas of its location).
    tablet
        .set(
            &hq,
            late,
            kind,
            json!({
                "areas": ["E05009370"],
                "location": {"lat": 51.5500, "lon": -0.0680, "place": "Sandringham Road"},
            }),
        )
        .await;
    let b = hq.get("/api/v1/hq/framework", &supervisor).await;
    assert_eq!(answered(&b.body, "camden-tct"), (json!(100.0), json!(1)));
    assert_eq!(answered(&b.body, "dalston-snt"), (json!(0.0), json!(1)));

    // A restarted HQ (new state over the same storage) reads the same figures from the records,
    // including the first answer it kept.
    let restarted = HqState::new(hq.state.storage.clone(), hq.state.settings.clone());
    let restarted = Hq {
        router: beatbook_hq::router(restarted.clone()),
        state: restarted,
        dir: None,
    };
    let b2 = restarted.get("/api/v1/hq/framework", &supervisor).await;
    assert_eq!(b2.status, StatusCode::OK, "{}", b2.text);
    assert_eq!(b2.body["rows"], b.body["rows"]);
}

story!(overlaps_show_what_a_tct_and_its_snts_share_and_their_joint_priorities);
async fn overlaps_show_what_a_tct_and_its_snts_share_and_their_joint_priorities(hq: Hq) {
    let mut snt = Device::enrol(&hq, "PC2290").await; // Camden Town SNT
    let now = Utc::now();
    let mut both = concern("In the overlap", "E05013655", None);
    both.areas.push(AreaId::new("tc-camden-town"));
    // At Camden Town station: in the ward and the town centre.
    both.location = beatbook_domain::area::Location {
        lat: 51.539,
        lon: -0.1426,
        place: Some("Camden Town station".into()),
    };
    snt.create(&hq, &both).await;
    snt.create(&hq, &concern("Ward only", "E05013654", None))
        .await;
    let agreed = (now - chrono::Duration::days(150)).date_naive();
    let priority: beatbook_domain::meeting::Priority = serde_json::from_value(json!({
        "area_id": "E05013655",
        "title": "Street drinking by the station",
        "description": "Residents voted it first",
        "meeting_id": null,
        "agreed_on": agreed,
        "last_reviewed_on": (now - chrono::Duration::days(120)).date_naive(),
        "status": "active",
        "scanning": "", "analysis": "", "responses": [], "assessment": "",
        "retention_review": review_after(agreed, 24),
    }))
    .unwrap();
    let p = snt.create(&hq, &priority).await;

    let analyst = hq.sign_in("AN0815").await;
    let o = hq.get("/api/v1/hq/framework/overlaps", &analyst).await;
    assert_eq!(o.status, StatusCode::OK, "{}", o.text);
    let camden = o
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["town_centre"]["id"] == "tc-camden-town")
        .unwrap()
        .clone();
    assert_eq!(camden["tct"]["id"], "camden-tct");
    let shared = camden["snts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["team"]["id"] == "camden-town-snt")
        .unwrap()
        .clone();
    assert_eq!(shared["shared_records"], 1);
    assert!(shared["wards"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["id"] == "E05013655"));
    assert_eq!(camden["joint_priorities"][0]["id"], p.to_string());
    assert_eq!(camden["joint_priorities"][0]["overdue"], true);
    let unit = hq.sign_in("DC7740").await;
    assert_eq!(
        hq.get("/api/v1/hq/framework/overlaps", &unit).await.status,
        StatusCode::FORBIDDEN
    );
}

story!(two_reviewers_sharing_one_report_at_once_make_one_sanitised_report);
async fn two_reviewers_sharing_one_report_at_once_make_one_sanitised_report(hq: Hq) {
    let mut author = Device::enrol(&hq, "PC3318").await;
    let raw = author
        .create(
            &hq,
            &intel(
                "Cannabis grown at a flat on Dalston Lane",
                "tc-dalston",
                None,
            ),
        )
        .await;
    let unit = hq.sign_in("DC7740").await;
    let body = json!({"content": "Cannabis is reported to be grown at a flat on Dalston Lane", "grade": {"source": "2", "intelligence": "C", "handling": {"code": "P"}}, "teams": ["hackney-tct"], "confirmed": ALL_CHECKS});
    let path = format!("/api/v1/hq/intel/{raw}/disseminate");
    let (a, b) = tokio::join!(
        hq.post(&path, &unit, body.clone()),
        hq.post(&path, &unit, body.clone())
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.text,
        b.text
    );
    let reports = hq
        .state
        .storage
        .records(&beatbook_hq::storage::RecordQuery {
            kinds: vec![beatbook_domain::RecordKind::IntelReport],
            after: 0,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(reports.len(), 2, "the raw report and one sanitised report");
    let chains = admin::verify_chains(hq.state.storage.as_ref())
        .await
        .unwrap();
    assert!(chains.iter().all(|(_, r)| r.ok), "{chains:?}");
    // Re-grading a shared report is refused too.
    let g = hq
        .post(
            &format!("/api/v1/hq/intel/{raw}/grade"),
            &unit,
            json!({"grade": {"source": "1", "intelligence": "A", "handling": {"code": "P"}}}),
        )
        .await;
    assert_eq!(g.status, StatusCode::CONFLICT);
}

// ---------------------------------------------------------------------------------------------
// Records, a page at a time

/// One page of `GET /api/v1/hq/records`: the ids, and the answer.
async fn records_page(hq: &Hq, token: &str, query: &str) -> (Vec<String>, Value) {
    let a = hq.read(&format!("/api/v1/hq/records?{query}"), token).await;
    assert_eq!(a.status, StatusCode::OK, "{query}: {}", a.text);
    (ids(&a.body["records"]), a.body)
}

/// Every page of a list, following `next_before`: the ids in order, and how many pages.
async fn every_page(hq: &Hq, token: &str, query: &str) -> (Vec<String>, usize) {
    let (mut all, mut pages, mut before) = (Vec::new(), 0, None::<u64>);
    loop {
        let q = match before {
            Some(b) => format!("{query}&before={b}"),
            None => query.to_owned(),
        };
        let (got, body) = records_page(hq, token, &q).await;
        pages += 1;
        all.extend(got);
        if body["more"] != true {
            assert_eq!(body["next_before"], Value::Null, "{body}");
            return (all, pages);
        }
        before = Some(
            body["next_before"]
                .as_u64()
                .expect("a cursor when there is more"),
        );
        assert!(pages < 50, "paging does not end");
    }
}

story!(records_are_listed_newest_first_a_page_at_a_time_filtered_by_what_the_role_may_see);
async fn records_are_listed_newest_first_a_page_at_a_time_filtered_by_what_the_role_may_see(
    hq: Hq,
) {
    let mut camden = Device::enrol(&hq, "PC4127").await; // Camden TCT
    let mut dalston = Device::enrol(&hq, "PC3318").await; // Dalston SNT
    let mut created = Vec::new();
    let mut in_camden = Vec::new();
    for i in 0..5 {
        let id = camden
            .create(
                &hq,
                &concern(&format!("Camden concern {i}"), "tc-camden-town", None),
            )
            .await;
        created.push(id.to_string());
        in_camden.push(id.to_string());
    }
    let mut in_dalston = Vec::new();
    for i in 0..3 {
        let id = dalston
            .create(
                &hq,
                &concern(&format!("Drinking by the market {i}"), "E05009370", None),
            )
            .await;
        created.push(id.to_string());
        in_dalston.push(id.to_string());
    }
    let raw = dalston
        .create(
            &hq,
            &intel("Dealing from a car on Kingsland Road", "tc-dalston", None),
        )
        .await;
    let src = dalston.create(&hq, &source(raw, "Jordan Marsh")).await;
    let newest_first = |v: &[String]| v.iter().rev().cloned().collect::<Vec<_>>();

    // Pages of two, newest first, without gaps or repeats; never raw intelligence or a source.
    // The superintendent reads force-wide (a sergeant reads their own teams' areas: below).
    let reader = hq.sign_in("SU0001").await;
    let (first, body) = records_page(&hq, &reader, "limit=2").await;
    assert_eq!(first, newest_first(&created)[..2].to_vec());
    assert_eq!(body["more"], true);
    assert_eq!(body["scan_stopped"], false);
    let (all, pages) = every_page(&hq, &reader, "limit=2").await;
    assert_eq!(
        all,
        newest_first(&created),
        "every visible record once, newest first"
    );
    assert_eq!(pages, 4);
    // A page exactly full says there is no more only when nothing else matches.
    let (_, body) = records_page(&hq, &reader, "limit=8").await;
    assert_eq!(body["more"], false, "{body}");

    // Filters: kind, area, team (its areas), both, words; a page of each is the same as one list.
    let area = every_page(&hq, &reader, "area=E05009370&limit=2").await.0;
    assert_eq!(area, newest_first(&in_dalston));
    let team = every_page(&hq, &reader, "team=dalston-snt&limit=1").await.0;
    assert_eq!(team, newest_first(&in_dalston));
    let team = every_page(&hq, &reader, "team=camden-tct&kind=concern&limit=3")
        .await
        .0;
    assert_eq!(team, newest_first(&in_camden));
    assert!(records_page(&hq, &reader, "team=camden-tct&area=E05009370")
        .await
        .0
        .is_empty());
    assert!(records_page(&hq, &reader, "kind=meeting")
        .await
        .0
        .is_empty());
    let words = every_page(&hq, &reader, "q=MARKET%202&limit=1").await.0;
    assert_eq!(words, vec![in_dalston[2].clone()]);
    assert_eq!(
        hq.read("/api/v1/hq/records?team=nowhere", &reader)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A record that moves area leaves the old area's list (though the change feed keeps it filed
    // there) and tops the new one's, as the most recently changed; status and dates filter too.
    let moved: RecordId = in_camden[0].parse().unwrap();
    camden
        .set(
            &hq,
            moved,
            beatbook_domain::RecordKind::Concern,
            // Moved to Sandringham Road, in Dalston ward: HQ puts it in the areas of its location.
            json!({
                "areas": ["E05009370"],
                "location": {"lat": 51.5500, "lon": -0.0680, "place": "Sandringham Road"},
                "status": "closed",
            }),
        )
        .await;
    let area = records_page(&hq, &reader, "area=tc-camden-town").await.0;
    assert_eq!(area, newest_first(&in_camden[1..]));
    let area = records_page(&hq, &reader, "area=E05009370").await.0;
    assert_eq!(area[0], moved.to_string());
    assert_eq!(area.len(), 4);
    let (closed, _) = records_page(&hq, &reader, "status=closed").await;
    assert_eq!(closed, vec![moved.to_string()]);
    let hour = chrono::Duration::hours(1);
    let since = (Utc::now() + hour).format("%Y-%m-%dT%H:%M:%SZ");
    let until = (Utc::now() - hour).format("%Y-%m-%dT%H:%M:%SZ");
    assert!(records_page(&hq, &reader, &format!("since={since}"))
        .await
        .0
        .is_empty());
    assert!(records_page(&hq, &reader, &format!("until={until}"))
        .await
        .0
        .is_empty());
    let since = (Utc::now() - hour).format("%Y-%m-%dT%H:%M:%SZ");
    assert_eq!(
        records_page(&hq, &reader, &format!("since={since}&limit=100"))
            .await
            .0
            .len(),
        8
    );

    // The intelligence unit finds the raw report by its area (intelligence is not filed by area
    // in the change feed) and the source; a force-wide reader finds neither.
    let unit = hq.sign_in("DC7740").await;
    let (got, _) = records_page(&hq, &unit, "area=tc-dalston").await;
    assert_eq!(got, vec![raw.to_string()]);
    let (got, _) = records_page(&hq, &unit, "team=hackney-tct").await;
    assert_eq!(got, vec![raw.to_string()]);
    let (got, _) = records_page(&hq, &unit, "kind=intel_source").await;
    assert_eq!(got, vec![src.to_string()]);
    assert!(records_page(&hq, &reader, "area=tc-dalston")
        .await
        .0
        .is_empty());
    assert!(records_page(&hq, &reader, "kind=intel_source")
        .await
        .0
        .is_empty());
    let analyst = hq.sign_in("AN0815").await;
    let (all, _) = records_page(&hq, &analyst, "limit=100").await;
    assert_eq!(all.len(), 8);
    assert!(!all.contains(&raw.to_string()) && !all.contains(&src.to_string()));
    // Camden's sergeant pages through Camden's records only: the one moved to Dalston is gone.
    let sergeant = hq.sign_in("PS1102").await;
    let (mine, _) = every_page(&hq, &sergeant, "limit=2").await;
    assert_eq!(mine, newest_first(&in_camden[1..]));
    assert!(records_page(&hq, &sergeant, "team=dalston-snt")
        .await
        .0
        .is_empty());
    assert_eq!(
        hq.read(&format!("/api/v1/hq/records/{moved}"), &sergeant)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Every page is in the access log with exactly the records it disclosed.
    let log = hq.access_log_for("SU0001").await;
    assert!(log
        .iter()
        .all(|e| e.action == "search" && e.device_id.is_none()));
    let disclosed: Vec<String> = log
        .iter()
        .flat_map(|e| e.record_ids.iter().map(ToString::to_string))
        .collect();
    assert!(!disclosed.contains(&raw.to_string()) && !disclosed.contains(&src.to_string()));
    assert_eq!(
        log[0].record_ids,
        Vec::<RecordId>::new(),
        "the last list found nothing"
    );
    assert!(
        log[0].detail == "The records list: kind Source details",
        "{}",
        log[0].detail
    );
    let (page, _) = records_page(&hq, &reader, "limit=2").await;
    let log = hq.access_log_for("SU0001").await;
    assert_eq!(
        log[0]
            .record_ids
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        page
    );
    assert_eq!(hq.access_log_for("DC7740").await.len(), 3);

    // One record with its history, in plain words.
    let a = hq
        .read(&format!("/api/v1/hq/records/{moved}"), &reader)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let history: Vec<&str> = a.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["what"].as_str().unwrap())
        .collect();
    assert_eq!(history, vec!["Created", "Changed areas, location, status"]);
    assert_eq!(a.body["history"][1]["by"], "PC4127");
    assert_eq!(a.body["summary"]["status"], "closed");
    assert_eq!(hq.access_log_for("SU0001").await[0].action, "view");
}

story!(a_search_for_something_rare_stops_at_the_scan_limit_says_so_and_goes_on_from_there);
async fn a_search_for_something_rare_stops_at_the_scan_limit_says_so_and_goes_on_from_there(
    hq: Hq,
) {
    use beatbook_hq::dashboard::records::SCAN_LIMIT;
    use beatbook_hq::push::{plan, PushContext};
    // The rare record first (oldest), then more than a scan's worth of others after it, pushed
    // straight to storage as one batch (over HTTP this would take minutes in a debug build).
    let mut dev = Device::enrol(&hq, "PC3318").await;
    let needle = dev
        .create(
            &hq,
            &concern("A needle left in the playground", "E05009370", None),
        )
        .await;
    let n = SCAN_LIMIT as usize + 50;
    let now = Utc::now();
    let ops: Vec<Op> = (0..n)
        .map(|i| Op {
            device_id: dev.id,
            device_seq: dev.seq + 1 + i as u64,
            record_id: RecordId::new(),
            kind: beatbook_domain::RecordKind::Concern,
            author: dev.officer.clone(),
            hlc: Hlc::new(u64::try_from(now.timestamp_millis()).unwrap(), i as u32),
            action: OpAction::Put {
                fields: concern("Street drinking again", "E05009370", None)
                    .writes_from(None)
                    .unwrap(),
            },
        })
        .collect();
    let ctx = PushContext {
        device: dev.id,
        viewer: beatbook_domain::access::Viewer {
            officer: dev.officer.clone(),
            role: beatbook_domain::people::Role::Officer,
            teams: Default::default(),
            areas: Default::default(),
        },
        now,
        rules: beatbook_hq::push::PushRules::default(),
    };
    let shared = Arc::new(ops.clone());
    hq.state
        .storage
        .push(dev.id, &ops, Box::new(move |l| plan(&ctx, &shared, l)))
        .await
        .unwrap();

    let analyst = hq.sign_in("AN0815").await;
    let (got, body) = records_page(&hq, &analyst, "q=needle").await;
    assert!(got.is_empty(), "{got:?}");
    assert_eq!(body["scan_stopped"], true, "{body}");
    assert_eq!(body["more"], true);
    assert_eq!(body["scanned"], SCAN_LIMIT);
    let before = body["next_before"].as_u64().unwrap();
    let (got, body) = records_page(&hq, &analyst, &format!("q=needle&before={before}")).await;
    assert_eq!(got, vec![needle.to_string()]);
    assert_eq!(body["scan_stopped"], false, "{body}");
    assert_eq!(body["more"], false);
    assert_eq!(body["scanned"], 51, "the rest of the records, and no more");
    // Without words, the same list is a page at once: the indexes do the work.
    let (got, body) = records_page(&hq, &analyst, "area=E05009370&limit=10").await;
    assert_eq!(got.len(), 10);
    assert_eq!(
        body["scanned"], 11,
        "the page and one more to tell there is more"
    );
    let log = hq.access_log_for("AN0815").await;
    assert_eq!(log[1].record_ids, vec![needle]);
    assert!(log[2].record_ids.is_empty());
}
