//! Administration as the dashboard asks for it, over HTTP (the real router, in process) on
//! SQLite and PostgreSQL: the audit search answers names, devices and record titles rather than
//! ids; areas (boundaries as GeoJSON), teams and officers are added with clear refusals, and what
//! is added is read back by another storage handle.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use beatbook_domain::concern::NewConcern;
use beatbook_domain::{AreaId, DeviceId, Hlc, OfficerId, Op, OpAction, Record, RecordId};
use beatbook_hq::{admin, HqSettings, HqState};
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;
use support::{story, Db, FromDb};
use tower::ServiceExt;

mod support;

const PASSWORD: &str = "demo-password-1";

struct Hq {
    router: axum::Router,
    state: HqState,
    db: Db,
}

impl FromDb for Hq {
    async fn from_db(db: Db) -> Self {
        let storage = db.open().await;
        admin::seed_demo(storage.as_ref(), PASSWORD).await.unwrap();
        let state = HqState::new(storage, Arc::new(HqSettings::default()));
        Hq {
            router: beatbook_hq::router(state.clone()),
            state,
            db,
        }
    }
}

impl Hq {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if path.starts_with("/api/v1/hq/records") {
            // A read of personal data: with its purpose, as the dashboard sends it.
            req = req.header(
                beatbook_domain::purpose::HEADER,
                "code=audit&reference=TEST-1",
            );
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn sign_in(&self, collar: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/hq/login",
                None,
                Some(json!({"collar_number": collar, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{collar}: {body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// A tablet named `name`, signed in as `collar`, pushes one new record; its id.
    async fn push_from_tablet<R: Record>(&self, collar: &str, name: &str, record: &R) -> RecordId {
        let code = admin::enrolment_code(self.state.storage.as_ref(), 1)
            .await
            .unwrap();
        let device = DeviceId::new();
        let (_, e) = self
            .call(Method::POST, "/api/v1/enrol", None, Some(json!({"code": code, "device_id": device, "device_name": name, "app_version": "0.1.0"})))
            .await;
        let (_, l) = self
            .call(Method::POST, "/api/v1/login", None, Some(json!({"device_id": device, "device_secret": e["device_secret"], "collar_number": collar, "password": PASSWORD})))
            .await;
        let token = l["access_token"].as_str().unwrap().to_owned();
        let id = RecordId::new();
        let op = Op {
            device_id: device,
            device_seq: 1,
            record_id: id,
            kind: R::KIND,
            author: OfficerId::new(collar),
            hlc: Hlc::new(u64::try_from(Utc::now().timestamp_millis()).unwrap(), 0),
            action: OpAction::Put {
                fields: record.writes_from(None).unwrap(),
            },
        };
        let (_, r) = self
            .call(
                Method::POST,
                "/api/v1/sync/push",
                Some(&token),
                Some(json!({"ops": [op]})),
            )
            .await;
        assert_eq!(r["results"][0]["outcome"], "applied", "{r}");
        id
    }
}

fn concern(description: &str) -> beatbook_domain::concern::Concern {
    let new: NewConcern = serde_json::from_value(json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": {"lat": 51.539, "lon": -0.1426, "place": "Camden Town station"},
    }))
    .unwrap();
    new.into_concern(Utc::now(), vec![AreaId::new("E05013655")])
        .1
}

fn texts(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

story!(the_audit_names_people_devices_and_records);
async fn the_audit_names_people_devices_and_records(hq: Hq) {
    let id = hq
        .push_from_tablet(
            "PC2290",
            "Camden SNT tablet 3",
            &concern("Bins set alight behind the flats"),
        )
        .await;
    let supervisor = hq.sign_in("PS1102").await;
    let (status, detail) = hq
        .call(
            Method::GET,
            &format!("/api/v1/hq/records/{id}"),
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let title = detail["summary"]["title"].as_str().unwrap().to_owned();
    assert!(title.contains("Bins set alight"), "{title}");
    assert_eq!(detail["created_by_name"], "PC Tom Walsh (PC2290)");
    assert_eq!(detail["history"][0]["by_name"], "PC Tom Walsh (PC2290)");

    let admin = hq.sign_in("AD0001").await;
    let (status, audit) = hq
        .call(
            Method::GET,
            &format!("/api/v1/hq/admin/audit?record={id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let write = &audit["ops"][0];
    assert_eq!(write["author_name"], "PC Tom Walsh (PC2290)");
    assert_eq!(write["device_name"], "Camden SNT tablet 3");
    assert_eq!(write["record"], title.as_str());
    assert_eq!(write["kind"], "Concern");
    assert_eq!(write["outcome"], "Saved");
    let view = audit["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "view")
        .unwrap_or_else(|| panic!("no view in {audit}"));
    assert_eq!(view["officer_name"], "PS Helen Doyle (PS1102)");
    assert_eq!(view["device_name"], "HQ dashboard");
    assert_eq!(view["what"], "Opened");
    assert_eq!(texts(&view["records"]), vec![title.clone()]);
    assert_eq!(texts(&view["record_ids"]), vec![id.to_string()]);

    // Intelligence is named by its kind and reference, never by its raw text.
    let report: beatbook_domain::intel::IntelReport = serde_json::from_value(json!({
        "grade": {"source": "2", "intelligence": "C", "handling": {"code": "P"}},
        "security": "official",
        "content": "Alex Stone says crack is sold from a blue car",
        "checks_made": "",
        "threat_to_life": false,
        "location": null,
        "areas": ["E05013655"],
        "source_id": null,
        "review_state": "submitted",
        "disseminated_to": [],
        "legacy_grade": null,
        "submitted_at": Utc::now(),
        "retention_review": "2032-01-01",
    }))
    .unwrap();
    let intel = hq
        .push_from_tablet("PC2290", "Camden SNT tablet 4", &report)
        .await;
    let (_, audit) = hq
        .call(
            Method::GET,
            &format!("/api/v1/hq/admin/audit?record={intel}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        audit["ops"][0]["record"],
        format!("Intelligence report {}", intel.reference())
    );
    assert!(!audit.to_string().contains("Alex Stone"), "{audit}");
}

const SQUARE: &str = r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-0.15,51.53],[-0.14,51.53],[-0.14,51.54],[-0.15,51.54],[-0.15,51.53]]]}}"#;

story!(areas_teams_and_officers_are_added_with_clear_refusals);
async fn areas_teams_and_officers_are_added_with_clear_refusals(hq: Hq) {
    let admin = hq.sign_in("AD0001").await;
    let area = |geojson: &str| json!({"name": "Primrose Hill", "kind": "ward", "borough": "Camden", "geojson": geojson});

    // A boundary that is not closed is refused, saying so, and nothing is saved.
    let open = r#"{"type":"Polygon","coordinates":[[[-0.15,51.53],[-0.14,51.53],[-0.14,51.54]]]}"#;
    for (bad, says) in [
        ("Primrose Hill", "not GeoJSON"),
        (
            r#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#,
            "must be a polygon",
        ),
        (open, "not closed"),
    ] {
        let (status, body) = hq
            .call(
                Method::POST,
                "/api/v1/hq/admin/areas",
                Some(&admin),
                Some(area(bad)),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["message"].as_str().unwrap().contains(says), "{body}");
    }
    let (status, saved) = hq
        .call(
            Method::POST,
            "/api/v1/hq/admin/areas",
            Some(&admin),
            Some(area(SQUARE)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let area_id = saved["id"].as_str().unwrap().to_owned();
    assert_eq!(area_id, "ward-primrose-hill");
    let (status, again) = hq
        .call(
            Method::POST,
            "/api/v1/hq/admin/areas",
            Some(&admin),
            Some(area(SQUARE)),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{again}");
    assert!(again["message"]
        .as_str()
        .unwrap()
        .contains("already a ward Primrose Hill"));

    // A team for it, then an officer in the team.
    let (status, refused) = hq
        .call(
            Method::POST,
            "/api/v1/hq/admin/teams",
            Some(&admin),
            Some(json!({"name": "Primrose Hill SNT", "kind": "snt", "areas": []})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let (status, team) = hq
        .call(
            Method::POST,
            "/api/v1/hq/admin/teams",
            Some(&admin),
            Some(json!({"name": "Primrose Hill SNT", "kind": "snt", "areas": [area_id]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{team}");
    let officer = json!({"officer": {"id": "", "collar_number": "pc6001", "name": "PC Jo Bright", "role": "supervisor", "teams": [team["id"]]}, "password": PASSWORD});
    let (status, added) = hq
        .call(
            Method::POST,
            "/api/v1/hq/admin/officers/new",
            Some(&admin),
            Some(officer.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["id"], "PC6001");
    let (status, taken) = hq
        .call(
            Method::POST,
            "/api/v1/hq/admin/officers/new",
            Some(&admin),
            Some(officer),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{taken}");
    assert_eq!(
        taken["message"],
        "There is already an officer with collar number PC6001."
    );

    // Another storage handle (another HQ process) reads it all back; the officer can sign in.
    let storage = hq.db.open().await;
    let areas = storage.areas().await.unwrap();
    let primrose = areas.iter().find(|a| a.id.as_str() == area_id).unwrap();
    assert_eq!(primrose.boundary.len(), 4);
    assert!(primrose.contains(beatbook_domain::area::GeoPoint {
        lat: 51.535,
        lon: -0.145
    }));
    let teams = storage.teams().await.unwrap();
    let t = teams
        .iter()
        .find(|t| t.name == "Primrose Hill SNT")
        .unwrap();
    assert_eq!(t.areas, vec![AreaId::new(area_id)]);
    let o = storage
        .officer(&OfficerId::new("PC6001"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.officer.teams, vec![t.id.clone()]);
    hq.sign_in("PC6001").await;
}
