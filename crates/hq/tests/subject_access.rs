//! Subject access (issue 16) over HTTP, on SQLite and PostgreSQL: the data protection officer's
//! search (role, purpose, matching across versions and updates, paging), source records and raw
//! intelligence withheld and reviewed by the intelligence unit, and the pack with each record's
//! disclosure history and the decisions. Every step in the access log.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::intel::{
    Grade, HandlingCode, IntelAssessment, IntelReport, IntelSource, ReviewState, SecurityMarking,
    SourceEvaluation, SourceType,
};
use beatbook_domain::record::review_after;
use beatbook_domain::{AreaId, FieldWrite, Hlc, OpAction, Record, RecordId, RecordKind};
use chrono::Utc;
use serde_json::{json, Value};
use support::http::{now_ms, Answer, Device, Hq};
use support::{story, Db, FromDb};

mod support;

impl FromDb for Hq {
    async fn from_db(db: Db) -> Self {
        Hq::demo(db).await
    }
}

const PURPOSE: &str = "code=subject_access&reference=SAR-2026-0142";
const PURPOSE_WORDS: &str = "Subject access request SAR-2026-0142";
/// The informant: never to be seen by the data protection officer.
const SOURCE_NAME: &str = "Ada Quist";
const SOURCE_PHONE: &str = "07700 900555";
const RAW_INTEL: &str = "Jordan Marsh is dealing from the Kingsland Road car park";

/// A request with the bearer token, a JSON body if given, and the purpose if given.
async fn call(
    hq: &Hq,
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
    hq.send(req).await
}

async fn get(hq: &Hq, path: &str, token: &str) -> Answer {
    call(hq, Method::GET, path, token, Some(PURPOSE), None).await
}

fn concern(description: &str, person: Option<&str>) -> Concern {
    let mut v = json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": {"lat": 51.546, "lon": -0.075, "place": "Dalston Junction"},
    });
    if let Some(name) = person {
        v["people"] = json!([{"role": "suspect", "name": name}]);
    }
    let new: NewConcern = serde_json::from_value(v).unwrap();
    new.into_concern(Utc::now(), vec![AreaId::new("E05009370")])
        .1
}

fn intel(content: &str) -> IntelReport {
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
        areas: vec![AreaId::new("tc-dalston")],
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
        name: Some(SOURCE_NAME.into()),
        contact: Some(SOURCE_PHONE.into()),
        relationship: None,
        notes: "Shop owner who knows Jordan Marsh by sight".into(),
        recorded_at: now,
        retention_review: review_after(now.date_naive(), 72),
    }
}

/// What the story makes: three concerns about Jordan Marsh (one by name, one in an earlier
/// version of its text only, one in an appended update only), one not about him, and a raw
/// report and its source that mention him.
struct Made {
    named: RecordId,
    earlier: RecordId,
    updated: RecordId,
    other: RecordId,
    report: RecordId,
    source: RecordId,
}

async fn make(hq: &Hq, dev: &mut Device) -> Made {
    let named = dev
        .create(hq, &concern("Shouting at shoppers", Some("Jordan Marsh")))
        .await;
    // Made at a known clock, so the edit can name the version it replaces.
    let earlier = RecordId::new();
    let made = Hlc::new(now_ms() - 1_000, 0);
    let first = concern("MARSH, Jordan seen drinking again", None);
    let op = dev.next_op(
        earlier,
        RecordKind::Concern,
        made,
        OpAction::Put {
            fields: first.writes_from(None).unwrap(),
        },
    );
    let a = hq
        .post("/api/v1/sync/push", &dev.token, json!({"ops": [op]}))
        .await;
    assert_eq!(a.body["results"][0]["outcome"], "applied", "{}", a.text);
    let base = beatbook_domain::op::Stamp {
        hlc: made,
        device: dev.id,
    };
    // The text is changed: only the earlier version names him.
    push(
        hq,
        dev,
        earlier,
        OpAction::Put {
            fields: [(
                "description".to_owned(),
                FieldWrite::Text {
                    value: "A man seen drinking again".into(),
                    bases: vec![base],
                },
            )]
            .into(),
        },
    )
    .await;
    let updated = dev.create(hq, &concern("Noise from a flat", None)).await;
    push(
        hq,
        dev,
        updated,
        OpAction::Append {
            entry: (&json!({"text": "Spoke to jordan marsh at the door, he gave 07700-900-123"}))
                .into(),
        },
    )
    .await;
    let other = dev.create(hq, &concern("Broken street light", None)).await;
    let report = dev.create(hq, &intel(RAW_INTEL)).await;
    let source = dev.create(hq, &source(report)).await;
    Made {
        named,
        earlier,
        updated,
        other,
        report,
        source,
    }
}

async fn push(hq: &Hq, dev: &mut Device, id: RecordId, action: OpAction) {
    let op = dev.next_op(id, RecordKind::Concern, Hlc::new(now_ms(), 0), action);
    let a = hq
        .post("/api/v1/sync/push", &dev.token, json!({"ops": [op]}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["results"][0]["outcome"], "applied", "{}", a.text);
}

fn shown_ids(results: &Value) -> Vec<String> {
    let mut ids: Vec<String> = results
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["withheld"] == false)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[RecordId]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(ToString::to_string).collect();
    v.sort();
    v
}

/// Nothing of the source or the raw report in what the data protection officer receives.
fn assert_no_source(text: &str) {
    for secret in [SOURCE_NAME, SOURCE_PHONE, "Kingsland", "Shop owner"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

story!(only_the_data_protection_officer_searches_and_only_with_a_purpose);
async fn only_the_data_protection_officer_searches_and_only_with_a_purpose(hq: Hq) {
    let path = "/api/v1/hq/subject-access?name=Jordan%20Marsh";
    for collar in ["PS1102", "AN0815", "DC7740", "AD0001", "SU0001", "RM0001"] {
        let t = hq.sign_in(collar).await;
        let a = get(&hq, path, &t).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{collar}: {}", a.text);
        for p in [
            "/api/v1/hq/subject-access/requests",
            "/api/v1/hq/subject-access/redactions",
        ] {
            let a = get(&hq, p, &t).await;
            let may = collar == "DC7740" && p.ends_with("redactions");
            assert_eq!(a.status == StatusCode::OK, may, "{collar} {p}: {}", a.text);
        }
    }
    let dpo = hq.sign_in("DP0001").await;
    // The intelligence unit's queue is not the data protection officer's.
    let a = get(&hq, "/api/v1/hq/subject-access/redactions", &dpo).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = call(&hq, Method::GET, path, &dpo, None, None).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(a.body["code"], "purpose_required");
    // The subject access purpose needs the request's reference.
    let a = call(
        &hq,
        Method::GET,
        path,
        &dpo,
        Some("code=subject_access"),
        None,
    )
    .await;
    assert_eq!(a.body["code"], "purpose_required", "{}", a.text);
    let a = get(&hq, path, &dpo).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // Bad input: field errors, in words.
    let a = get(&hq, "/api/v1/hq/subject-access", &dpo).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    let a = get(&hq, "/api/v1/hq/subject-access?name=J&phone=0770", &dpo).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    let fields: Vec<&str> = a.body["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        a.text.contains("name") && a.text.contains("phone"),
        "{fields:?} {}",
        a.text
    );
}

story!(a_search_finds_the_person_in_every_version_and_update_and_withholds_sources);
async fn a_search_finds_the_person_in_every_version_and_update_and_withholds_sources(hq: Hq) {
    let mut dev = Device::enrol(&hq, "PC3318").await;
    let m = make(&hq, &mut dev).await;
    let dpo = hq.sign_in("DP0001").await;

    let a = get(
        &hq,
        "/api/v1/hq/subject-access?name=marsh,%20jord%C3%A1n",
        &dpo,
    )
    .await;
    // "Jordán" with an accent still finds "Jordan".
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        shown_ids(&a.body["results"]),
        sorted(&[m.named, m.earlier, m.updated])
    );
    assert!(!a.text.contains(&m.other.to_string()));
    assert_eq!(a.body["total"], 5, "{}", a.text);
    assert_eq!(a.body["withheld"], 2);
    assert_eq!(a.body["cap"], 500);
    let withheld: Vec<&Value> = a.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["withheld"] == true)
        .collect();
    assert_eq!(withheld.len(), 2);
    for w in &withheld {
        assert!(w["id"].is_null() && w["title"].is_null(), "{w}");
        assert_eq!(w["hits"], json!([]));
        assert_eq!(w["note"], "Withheld for the intelligence unit's review");
    }
    assert!(!a.text.contains(&m.report.to_string()));
    assert!(!a.text.contains(&m.source.to_string()));
    assert_no_source(&a.text);
    let earlier = a.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == m.earlier.to_string())
        .unwrap();
    assert!(
        earlier["hits"][0]["place"]
            .as_str()
            .unwrap()
            .starts_with("Description (earlier version"),
        "{earlier}"
    );
    assert_eq!(
        earlier["hits"][0]["excerpt"],
        "MARSH, Jordan seen drinking again"
    );

    // A fragment shorter than a name part finds nothing.
    let a = get(&hq, "/api/v1/hq/subject-access?name=Jord", &dpo).await;
    assert_eq!(a.body["total"], 0, "{}", a.text);
    // A phone number whatever its spacing: only the appended update has it.
    let a = get(&hq, "/api/v1/hq/subject-access?phone=07700%20900123", &dpo).await;
    assert_eq!(shown_ids(&a.body["results"]), sorted(&[m.updated]));
    assert!(a.body["results"][0]["hits"][0]["place"]
        .as_str()
        .unwrap()
        .starts_with("Update of "));
    // Paged.
    let a = get(
        &hq,
        "/api/v1/hq/subject-access?name=Jordan%20Marsh&per_page=2&page=3",
        &dpo,
    )
    .await;
    assert_eq!(a.body["pages"], 3, "{}", a.text);
    assert_eq!(a.body["page"], 3);
    assert_eq!(a.body["results"].as_array().unwrap().len(), 1);

    // Logged with the purpose, the records shown (never the withheld ones).
    let log = hq.access_log_for("DP0001").await;
    assert!(log.iter().all(|e| e.action == "subject_access"));
    let first = log.last().unwrap();
    assert_eq!(first.purpose, PURPOSE_WORDS);
    let mut ids: Vec<String> = first.record_ids.iter().map(ToString::to_string).collect();
    ids.sort();
    assert_eq!(ids, sorted(&[m.named, m.earlier, m.updated]));
    assert!(first.detail.contains("2 withheld"), "{}", first.detail);
}

story!(a_request_goes_to_the_intelligence_unit_and_the_pack_has_history_and_decisions);
async fn a_request_goes_to_the_intelligence_unit_and_the_pack_has_history_and_decisions(hq: Hq) {
    let mut dev = Device::enrol(&hq, "PC3318").await;
    let m = make(&hq, &mut dev).await;
    // The officer's tablet received the records: a disclosure the pack lists.
    dev.pull(&hq).await;
    let dpo = hq.sign_in("DP0001").await;

    // Bad input loses nothing and says what is wrong.
    let a = call(
        &hq,
        Method::POST,
        "/api/v1/hq/subject-access/requests",
        &dpo,
        Some(PURPOSE),
        Some(json!({"reference": " ", "query": {"name": "J"}})),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert!(
        a.text.contains("reference") && a.text.contains("query.name"),
        "{}",
        a.text
    );

    let a = call(
        &hq,
        Method::POST,
        "/api/v1/hq/subject-access/requests",
        &dpo,
        Some(PURPOSE),
        Some(json!({"reference": "SAR-2026-0142", "query": {"name": "Jordan Marsh"}})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_no_source(&a.text);
    let id = a.body["id"].as_str().unwrap().to_owned();
    assert_eq!(a.body["shown"], 3);
    assert_eq!(a.body["withheld"], 2);
    assert_eq!(a.body["waiting"], 2);
    assert_eq!(a.body["made_by"], "Fiona Mensah (DP0001)");
    assert!(a.body["withheld_items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["decision"] == "Waiting for the intelligence unit's review"));
    let list = get(&hq, "/api/v1/hq/subject-access/requests", &dpo).await;
    assert_eq!(list.body[0]["reference"], "SAR-2026-0142");

    // The intelligence unit sees both in full and decides.
    let unit = hq.sign_in("DC7740").await;
    let q = get(&hq, "/api/v1/hq/subject-access/redactions", &unit).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    let waiting = q.body["waiting"].as_array().unwrap();
    let mut ids: Vec<String> = waiting
        .iter()
        .map(|w| w["record_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, sorted(&[m.report, m.source]));
    assert!(q.text.contains(SOURCE_NAME), "the unit reads the source");
    assert_eq!(waiting[0]["reference"], "SAR-2026-0142");
    let exemption = q.body["exemptions"][1].as_str().unwrap().to_owned();
    assert!(exemption.contains("s.45(4)(b)"));

    let decide = |record: RecordId, body: Value| {
        let mut b = body;
        b["request_id"] = json!(id);
        b["record_id"] = json!(record);
        b
    };
    // Field errors: a redacted disclosure needs its text, a withholding its exemption, each a
    // reason; and only a record the request withheld.
    let a = call(
        &hq,
        Method::POST,
        "/api/v1/hq/subject-access/redactions",
        &unit,
        None,
        Some(decide(
            m.report,
            json!({"decision": "disclose_redacted", "reason": ""}),
        )),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert!(
        a.text.contains("text") && a.text.contains("reason"),
        "{}",
        a.text
    );
    let a = call(
        &hq,
        Method::POST,
        "/api/v1/hq/subject-access/redactions",
        &unit,
        None,
        Some(decide(
            m.source,
            json!({"decision": "withhold", "exemption": "because", "reason": "r"}),
        )),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    let a = call(
        &hq,
        Method::POST,
        "/api/v1/hq/subject-access/redactions",
        &unit,
        None,
        Some(decide(
            m.named,
            json!({"decision": "disclose", "reason": "r"}),
        )),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    // The data protection officer may not decide.
    let a = call(
        &hq,
        Method::POST,
        "/api/v1/hq/subject-access/redactions",
        &dpo,
        None,
        Some(decide(
            m.report,
            json!({"decision": "disclose", "reason": "r"}),
        )),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let a = call(
        &hq,
        Method::POST,
        "/api/v1/hq/subject-access/redactions",
        &unit,
        None,
        Some(decide(
            m.report,
            json!({"decision": "disclose_redacted",
            "text": "Jordan Marsh is said to be dealing [location redacted]",
            "reason": "The location would point to the source"}),
        )),
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    let a = call(
        &hq,
        Method::POST,
        "/api/v1/hq/subject-access/redactions",
        &unit,
        None,
        Some(decide(
            m.source,
            json!({"decision": "withhold", "exemption": exemption,
            "reason": "Source record: disclosure would identify the source"}),
        )),
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    let q = get(&hq, "/api/v1/hq/subject-access/redactions", &unit).await;
    assert_eq!(q.body["waiting"], json!([]));
    assert_eq!(q.body["decided"].as_array().unwrap().len(), 2);
    assert_eq!(q.body["decided"][0]["decided_by"], "DC Sam Okafor (DC7740)");

    // The data protection officer sees the decisions, never the source.
    let v = get(
        &hq,
        &format!("/api/v1/hq/subject-access/requests/{id}"),
        &dpo,
    )
    .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    assert_eq!(v.body["waiting"], 0);
    assert_no_source(&v.text);
    assert!(v.text.contains("[location redacted]"));

    // The pack.
    let p = get(
        &hq,
        &format!("/api/v1/hq/subject-access/requests/{id}/pack.json"),
        &dpo,
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_no_source(&p.text);
    assert!(!p.text.contains(RAW_INTEL));
    let records = p.body["records"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    for r in records {
        let history = r["disclosures"].as_array().unwrap();
        assert!(
            history
                .iter()
                .any(|d| d["to"] == "PC Grace Adeyemi (PC3318)" && d["how"] == "Sent to a device"),
            "{r}"
        );
        assert!(
            history
                .iter()
                .any(|d| d["to"] == "Fiona Mensah (DP0001)" && d["purpose"] == PURPOSE_WORDS),
            "{r}"
        );
    }
    let earlier = records
        .iter()
        .find(|r| {
            r["content"]
                .to_string()
                .contains("A man seen drinking again")
        })
        .unwrap();
    assert!(
        earlier["content"].to_string().contains("MARSH, Jordan"),
        "every version"
    );
    let withheld = p.body["withheld"].as_array().unwrap();
    assert_eq!(withheld.len(), 2);
    assert!(withheld.iter().any(|w| w["decision"] == "Disclose redacted"
        && w["disclosed_text"] == "Jordan Marsh is said to be dealing [location redacted]"));
    assert!(withheld.iter().any(|w| w["decision"] == "Withhold"
        && w["exemption"] == exemption.as_str()
        && w["disclosed_text"].is_null()));

    let h = call(
        &hq,
        Method::GET,
        &format!("/api/v1/hq/subject-access/requests/{id}/pack.html"),
        &dpo,
        None,
        None,
    )
    .await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.text);
    assert!(h.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_no_source(&h.text);
    for want in [
        "Subject access request SAR-2026-0142",
        "Disclosure history",
        "PC Grace Adeyemi (PC3318)",
        "Sent to a device",
        "[location redacted]",
        "prejudice to the prevention or detection of crime",
        "Decided by DC Sam Okafor (DC7740)",
    ] {
        assert!(h.text.contains(want), "{want}");
    }
    // Another role may not export it.
    let admin = hq.sign_in("AD0001").await;
    let a = get(
        &hq,
        &format!("/api/v1/hq/subject-access/requests/{id}/pack.json"),
        &admin,
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    // Every step in the access log, with its purpose.
    let dp_log = hq.access_log_for("DP0001").await;
    let actions: Vec<&str> = dp_log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "subject_access_export",
            "subject_access_export",
            "subject_access_request",
            // Trying to decide for the intelligence unit.
            "refused",
            "subject_access_request",
            "subject_access_request",
        ],
        "{dp_log:#?}"
    );
    let export = &dp_log[0];
    assert_eq!(export.purpose, "Subject access request SAR-2026-0142");
    assert!(export.record_ids.contains(&m.report), "disclosed redacted");
    assert!(!export.record_ids.contains(&m.source), "withheld");
    let unit_log = hq.access_log_for("DC7740").await;
    let actions: Vec<&str> = unit_log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "subject_access_review",
            "subject_access_redaction",
            "subject_access_redaction",
            "subject_access_review",
        ]
    );
    assert!(
        unit_log[1].detail.contains("Withhold under DPA s.45(4)(b)"),
        "{}",
        unit_log[1].detail
    );
    assert_eq!(unit_log[1].record_ids, vec![m.source]);
    // The audit page reads them in words.
    let a = hq
        .get("/api/v1/hq/admin/audit?officer=DC7740", &admin)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.text.contains("Subject access redaction"), "{}", a.text);
}
