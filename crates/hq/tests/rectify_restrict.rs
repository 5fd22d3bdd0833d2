//! Rectification and restriction by the data protection officer (DP0001 Fiona Mensah), over
//! HTTP against SQLite always and PostgreSQL (see `support`), with a real headless tablet (its
//! encrypted store and sync engine) syncing with HQ served on 127.0.0.1: a correction reaches
//! the tablet and replaces its value; removed earlier versions are gone from HQ's state and the
//! tablet's; a restricted record leaves lists, the framework's figures and drill-down, and
//! pulls (the tablet drops it) until lifted, when it comes back; every step is logged with its
//! note or reason; every other role is refused, and sources and raw intelligence are refused to
//! the data protection officer in words; a tablet may neither erase versions nor restrict.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use beatbook_device::Session;
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::intel::{
    Grade, HandlingCode, IntelAssessment, IntelReport, ReviewState, SecurityMarking,
    SourceEvaluation,
};
use beatbook_domain::record::review_after;
use beatbook_domain::tablet::{EnrolInput, RecordInput, RecordUpdate};
use beatbook_domain::{AreaId, FieldWrite, Hlc, OpAction, Record, RecordId, RecordKind};
use beatbook_store::KdfSettings;
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;
use support::http::{now_ms, Answer, Device, Hq, PASSWORD};
use support::{story, Db, FromDb};

mod support;

story!(a_correction_reaches_the_tablet_and_removed_versions_are_gone_everywhere);
story!(a_restricted_record_leaves_lists_figures_and_tablets_until_lifted);
story!(only_the_data_protection_officer_may_and_never_on_sources_or_raw_intelligence);

/// The purpose every data protection call gives: the subject's request.
const PURPOSE: &str = "code=subject_access&reference=SAR-2026-014";
/// A supervisor's purpose for reading lists.
const SUPERVISION: &str = "code=supervision";

/// HQ on the story's database, served on 127.0.0.1 for a real tablet as well as in process.
struct Served {
    hq: Hq,
    url: String,
    server: tokio::task::JoinHandle<()>,
    dir: tempfile::TempDir,
}

impl FromDb for Served {
    async fn from_db(db: Db) -> Self {
        let hq = Hq::demo(db).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = hq.state.clone();
        let server = tokio::spawn(async move {
            let _ = beatbook_hq::serve(listener, state).await;
        });
        Served {
            hq,
            url,
            server,
            dir: tempfile::tempdir().unwrap(),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Served {
    /// PC Amira Khan's tablet (Camden), enrolled and signed in.
    async fn tablet(&self) -> Arc<Session> {
        let code = beatbook_hq::admin::enrolment_code(self.hq.state.storage.as_ref(), 1)
            .await
            .unwrap();
        Session::enrol(
            &self.dir.path().join("tablet"),
            KdfSettings::INSECURE_FAST,
            EnrolInput {
                hq_url: self.url.clone(),
                code,
                collar_number: "PC4127".into(),
                password: PASSWORD.into(),
                pin: "246810".into(),
                device_name: None,
            },
        )
        .await
        .unwrap()
    }

    /// A dashboard call with a purpose (and a JSON body if given).
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        purpose: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(p) = purpose {
            req = req.header("beatbook-purpose", p);
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.hq.send(req).await
    }

    /// The data protection officer's view of a record, which HQ must give.
    async fn dp_view(&self, token: &str, id: RecordId) -> Value {
        let a = self
            .call(Method::GET, &dp_path(id, ""), token, Some(PURPOSE), None)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.body
    }

    /// A data protection action (`rectify`, `restrict`, `lift`).
    async fn dp(&self, token: &str, id: RecordId, action: &str, body: Value) -> Answer {
        self.call(
            Method::POST,
            &dp_path(id, &format!("/{action}")),
            token,
            Some(PURPOSE),
            Some(body),
        )
        .await
    }

    /// The ids a supervisor's records list shows.
    async fn listed(&self, token: &str) -> Vec<Value> {
        let a = self
            .call(
                Method::GET,
                "/api/v1/hq/records?limit=500",
                token,
                Some(SUPERVISION),
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect()
    }

    /// Camden town centre team's cell for concerns closed, and its drill-down.
    async fn figures(&self, token: &str) -> (Value, Vec<Value>) {
        let a = self
            .call(
                Method::GET,
                "/api/v1/hq/framework",
                token,
                Some(SUPERVISION),
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let cell = a.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "camden-tct")
            .unwrap()["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["measure"] == "concerns_closed")
            .unwrap()
            .clone();
        let a = self
            .call(
                Method::GET,
                "/api/v1/hq/framework/cell?unit=camden-tct&measure=concerns_closed",
                token,
                Some(SUPERVISION),
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let ids = a.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["record"]["id"].clone())
            .collect();
        (cell, ids)
    }
}

fn dp_path(id: RecordId, rest: &str) -> String {
    format!("/api/v1/hq/data-protection/records/{id}{rest}")
}

async fn sync(tablet: &Session) {
    tablet.sync(&|_| {}).await.unwrap();
}

/// A concern in Camden Town raised by someone who agreed to be contacted.
fn concern(description: &str, contact: &str) -> RecordInput {
    let concern: NewConcern = serde_json::from_value(json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": {"lat": 51.5392, "lon": -0.1426, "place": null},
        "consent_to_contact": true,
        "contact": contact,
    }))
    .unwrap();
    RecordInput::Concern(concern)
}

/// The record as the tablet holds it, or `None` when it holds none.
async fn on_tablet(tablet: &Session, id: RecordId) -> Option<beatbook_domain::merge::RecordState> {
    tablet
        .with_store(move |s| Ok(s.state(id).ok()))
        .await
        .unwrap()
}

/// Edit the description on the tablet.
async fn edit(tablet: &Session, id: RecordId, description: &str) {
    let state = on_tablet(tablet, id).await.unwrap();
    let mut c = Concern::from_state(&state).unwrap();
    c.description = description.into();
    assert!(tablet.update(id, RecordUpdate::Concern(c)).await.unwrap());
}

fn fields(a: &Answer) -> Vec<String> {
    a.body["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields: {}", a.text))
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_correction_reaches_the_tablet_and_removed_versions_are_gone_everywhere(s: Served) {
    let tablet = s.tablet().await;
    let id = tablet
        .create(concern("John Smyth shouts at passers-by", "07700 900123"))
        .await
        .unwrap();
    sync(&tablet).await;
    edit(&tablet, id, "John Smyth shouts at passers-by at night").await;
    edit(&tablet, id, "A man shouts at passers-by at night").await;
    sync(&tablet).await;
    assert!(on_tablet(&tablet, id)
        .await
        .unwrap()
        .to_json()
        .contains("Smyth"));

    let dpo = s.hq.sign_in("DP0001").await;
    let view = s.dp_view(&dpo, id).await;
    assert_eq!(view["kind"], "Concern");
    let description = |v: &Value| {
        v["texts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "description")
            .unwrap()
            .clone()
    };
    let d = description(&view);
    assert_eq!(d["current"], "A man shouts at passers-by at night");
    assert_eq!(d["superseded"].as_array().unwrap().len(), 2);
    let contact = view["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "contact")
        .unwrap()
        .clone();
    assert_eq!(
        (contact["shown"].as_str(), contact["correctable"].as_bool()),
        (Some("07700 900123"), Some(true))
    );

    // A note is required; nothing is changed without one.
    let a = s
        .dp(
            &dpo,
            id,
            "rectify",
            json!({"field": "description", "remove_superseded": true, "note": " "}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(fields(&a), ["note"]);
    let a = s
        .dp(
            &dpo,
            id,
            "rectify",
            json!({"field": "areas", "value": [], "note": "x"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(fields(&a), ["field"]);

    let a = s
        .dp(
            &dpo,
            id,
            "rectify",
            json!({"field": "description", "remove_superseded": true,
                   "note": "The subject is not the man described (SAR-2026-014)"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let d = description(&a.body);
    assert_eq!(d["superseded"].as_array().unwrap().len(), 0);
    assert_eq!(d["removed"], 2);
    assert_eq!(d["current"], "A man shouts at passers-by at night");
    let a = s
        .dp(
            &dpo,
            id,
            "rectify",
            json!({"field": "contact", "value": "07700 900456",
                   "note": "The caller's number was taken down wrongly"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let history: Vec<&str> = a.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["what"].as_str().unwrap())
        .collect();
    assert!(
        history.contains(&"Removed earlier versions of description (data protection)"),
        "{history:?}"
    );
    let log: Vec<(&str, &str)> = a.body["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["what"].as_str().unwrap(), l["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        log,
        [
            (
                "Corrected",
                "contact corrected. Note: The caller's number was taken down wrongly"
            ),
            (
                "Corrected",
                "earlier versions of description removed. Note: The subject is not the man described (SAR-2026-014)"
            ),
        ]
    );

    // Gone from HQ's state: the old text and the old number.
    let held = s.hq.state.storage.record(id).await.unwrap().unwrap();
    assert!(!held.state_json.contains("Smyth"), "{}", held.state_json);
    assert!(!held.state_json.contains("900123"));

    // The tablet merges the correction at its next pull: the same rules, the same result.
    sync(&tablet).await;
    let mine = on_tablet(&tablet, id).await.unwrap();
    assert!(!mine.to_json().contains("Smyth"), "{}", mine.to_json());
    assert_eq!(mine.to_object()["contact"], "07700 900456");
    assert_eq!(
        mine.to_object()["description"],
        "A man shouts at passers-by at night"
    );
    assert!(mine.conflicts().is_empty());
    // Editing on the tablet afterwards still works, on the corrected record.
    edit(&tablet, id, "A man shouts at passers-by most nights").await;
    sync(&tablet).await;
    let view = s.dp_view(&dpo, id).await;
    assert_eq!(
        description(&view)["current"],
        "A man shouts at passers-by most nights"
    );

    // Logged: the note, the purpose, and the hash of the value replaced (never the value).
    let logged = s.hq.access_log_for("DP0001").await;
    let rectified: Vec<_> = logged.iter().filter(|e| e.action == "rectify").collect();
    assert_eq!(rectified.len(), 2);
    let contact = rectified
        .iter()
        .find(|e| e.detail.starts_with("contact corrected"))
        .unwrap();
    let old_hash = beatbook_hq::auth::sha256_hex("\"07700 900123\"");
    assert!(contact.detail.ends_with(&old_hash), "{}", contact.detail);
    assert!(!contact.detail.contains("900123"));
    assert_eq!(contact.record_ids, [id]);
    assert!(
        contact.purpose.contains("SAR-2026-014"),
        "{}",
        contact.purpose
    );
    assert!(logged
        .iter()
        .any(|e| e.action == "view" && e.record_ids == [id]));

    // A tablet may not do either itself.
    let mut device = Device::enrol(&s.hq, "PC4127").await;
    for action in [
        OpAction::Put {
            fields: [(
                "description".to_owned(),
                FieldWrite::Erase { versions: vec![] },
            )]
            .into(),
        },
        OpAction::Put {
            fields: [(
                "restricted".to_owned(),
                FieldWrite::set(json!({"reason": "x"})),
            )]
            .into(),
        },
    ] {
        let op = device.next_op(id, RecordKind::Concern, Hlc::new(now_ms(), 0), action);
        let a =
            s.hq.post("/api/v1/sync/push", &device.token, json!({"ops": [op]}))
                .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(a.body["results"][0]["outcome"], "rejected", "{}", a.text);
        assert_eq!(a.body["results"][0]["code"], "hq_only", "{}", a.text);
    }
}

async fn a_restricted_record_leaves_lists_figures_and_tablets_until_lifted(s: Served) {
    let supervisor = s.hq.sign_in("PS1102").await;
    let dpo = s.hq.sign_in("DP0001").await;
    let (cell_before, _) = s.figures(&supervisor).await;
    let tablet = s.tablet().await;
    let id = tablet
        .create(concern("Loud music from the flats", "07700 900777"))
        .await
        .unwrap();
    let other = tablet
        .create(concern("Bins set alight", "07700 900888"))
        .await
        .unwrap();
    sync(&tablet).await;
    let json_id = json!(id);
    assert!(s.listed(&supervisor).await.contains(&json_id));
    let (cell_with, drill) = s.figures(&supervisor).await;
    assert!(drill.contains(&json_id), "{drill:?}");

    // A reason is required.
    let a = s.dp(&dpo, id, "restrict", json!({"reason": ""})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(fields(&a), ["reason"]);
    let a = s
        .dp(
            &dpo,
            id,
            "restrict",
            json!({"reason": "The subject contests its accuracy (SAR-2026-014)"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body["restriction"]["reason"],
        "The subject contests its accuracy (SAR-2026-014)"
    );
    assert_eq!(a.body["restriction"]["by_name"], "Fiona Mensah (DP0001)");
    let again = s.dp(&dpo, id, "restrict", json!({"reason": "again"})).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);

    // Kept, but out of every list, view, figure and drill-down.
    let listed = s.listed(&supervisor).await;
    assert!(!listed.contains(&json_id));
    assert!(listed.contains(&json!(other)), "the rest stay");
    let a = s
        .call(
            Method::GET,
            &format!("/api/v1/hq/records/{id}"),
            &supervisor,
            Some(SUPERVISION),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    let search = s
        .call(
            Method::GET,
            "/api/v1/hq/records?q=music",
            &supervisor,
            Some(SUPERVISION),
            None,
        )
        .await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.text);
    assert_eq!(search.body["records"].as_array().unwrap().len(), 0);
    let (cell_restricted, drill) = s.figures(&supervisor).await;
    assert!(!drill.contains(&json_id), "{drill:?}");
    assert!(drill.contains(&json!(other)));
    assert_ne!(cell_with, cell_before, "two concerns count in the cell");
    assert_ne!(
        cell_restricted, cell_with,
        "the restricted one no longer does"
    );
    let unit = s.hq.sign_in("DC7740").await;
    let a = s
        .call(
            Method::GET,
            "/api/v1/hq/records?limit=500",
            &unit,
            Some(SUPERVISION),
            None,
        )
        .await;
    assert!(
        !a.text.contains(&id.to_string()),
        "nor for the intelligence unit"
    );

    // The tablet lets it go at its next pull; the other stays.
    sync(&tablet).await;
    assert!(on_tablet(&tablet, id).await.is_none());
    assert!(on_tablet(&tablet, other).await.is_some());
    // The data protection officer still has it, with its restriction.
    let view = s.dp_view(&dpo, id).await;
    assert_eq!(view["restriction"]["by_name"], "Fiona Mensah (DP0001)");

    // Lifted (a note required): back in lists, figures and on the tablet.
    let a = s.dp(&dpo, id, "lift", json!({})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(fields(&a), ["note"]);
    let a = s
        .dp(
            &dpo,
            id,
            "lift",
            json!({"note": "Accuracy confirmed with the subject"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.body["restriction"].is_null(), "{}", a.text);
    assert!(s.listed(&supervisor).await.contains(&json_id));
    let (cell_lifted, drill) = s.figures(&supervisor).await;
    assert!(drill.contains(&json_id));
    assert_eq!(cell_lifted, cell_with);
    sync(&tablet).await;
    let back = on_tablet(&tablet, id)
        .await
        .expect("the tablet has it again");
    assert_eq!(back.to_object()["description"], "Loud music from the flats");
    let again = s.dp(&dpo, id, "lift", json!({"note": "again"})).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);

    // Every step logged, with the reason and the note.
    let logged = s.hq.access_log_for("DP0001").await;
    let steps: Vec<(&str, &str)> = logged
        .iter()
        .filter(|e| e.record_ids == [id] && e.action != "view")
        .map(|e| (e.action.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "lift_restriction",
                "Restriction lifted. Note: Accuracy confirmed with the subject"
            ),
            (
                "restrict",
                "Restricted. Reason: The subject contests its accuracy (SAR-2026-014)"
            ),
        ]
    );
    let history: Vec<&str> = a.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["what"].as_str().unwrap())
        .collect();
    assert!(history.contains(&"Restricted (data protection)"));
    assert!(history.contains(&"Restriction lifted (data protection)"));
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
        content: "Dealing from the car park behind the station".into(),
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

async fn only_the_data_protection_officer_may_and_never_on_sources_or_raw_intelligence(s: Served) {
    let mut device = Device::enrol(&s.hq, "PC4127").await;
    let concern: NewConcern = serde_json::from_value(json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": "Street drinking by the canal",
        "location": {"lat": 51.5392, "lon": -0.1426, "place": null},
    }))
    .unwrap();
    let concern = concern
        .into_concern(Utc::now(), vec![AreaId::new("E05013655")])
        .1;
    let id = device.create(&s.hq, &concern).await;
    let raw = device.create(&s.hq, &raw_intel()).await;

    for collar in [
        "PS1102", "DC7740", "AN0815", "AD0001", "RM0001", "CM0001", "SU0001",
    ] {
        let token = s.hq.sign_in(collar).await;
        let a = s
            .call(Method::GET, &dp_path(id, ""), &token, Some(PURPOSE), None)
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{collar}: {}", a.text);
        for (action, body) in [
            (
                "rectify",
                json!({"field": "description", "value": "x", "note": "x"}),
            ),
            ("restrict", json!({"reason": "x"})),
            ("lift", json!({"note": "x"})),
        ] {
            let a = s.dp(&token, id, action, body).await;
            assert_eq!(
                a.status,
                StatusCode::FORBIDDEN,
                "{collar} {action}: {}",
                a.text
            );
        }
    }
    let held = s.hq.state.storage.record(id).await.unwrap().unwrap();
    assert!(!held.facts.restricted);
    assert!(held.state_json.contains("Street drinking by the canal"));

    let dpo = s.hq.sign_in("DP0001").await;
    // A purpose is required.
    let a = s
        .call(Method::GET, &dp_path(id, ""), &dpo, None, None)
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(a.body["code"], "purpose_required");
    // Raw intelligence is the intelligence unit's: refused in words, its content never shown.
    for a in [
        s.call(Method::GET, &dp_path(raw, ""), &dpo, Some(PURPOSE), None)
            .await,
        s.dp(&dpo, raw, "restrict", json!({"reason": "x"})).await,
        s.dp(
            &dpo,
            raw,
            "rectify",
            json!({"field": "content", "value": "x", "note": "x"}),
        )
        .await,
    ] {
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
        assert!(a.body["message"]
            .as_str()
            .unwrap()
            .contains("intelligence unit"));
        assert!(!a.text.contains("car park"));
    }
    let unknown = s
        .call(
            Method::GET,
            &dp_path(RecordId::new(), ""),
            &dpo,
            Some(PURPOSE),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert_eq!(s.dp_view(&dpo, id).await["kind"], "Concern");
}
