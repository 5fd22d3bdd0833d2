//! The records lifecycle at HQ, driven over HTTP (the real router, in process) against SQLite
//! always and PostgreSQL (see `support`): a records manager's review queue and decisions, the
//! disposals feed tablets read, photo files erased, the force's sweep, and an erasure cut
//! halfway that finishes at the next resume. Devices here are headless: they enrol, sign in and
//! push through the same `/api/v1` endpoints as the tablet.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::intel::{
    Grade, HandlingCode, IntelAssessment, IntelReport, ReviewState, SecurityMarking,
    SourceEvaluation,
};
use beatbook_domain::patrol::PatrolLog;
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::photo::PhotoRef;
use beatbook_domain::retention::PastReview;
use beatbook_domain::{AreaId, OfficerId, RecordId, RecordKind};
use beatbook_hq::{admin, HqSettings};
use chrono::{Days, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::http::{Answer, Device, Hq};
use support::{story, Db, FromDb};

mod support;

/// The records manager the stories add.
const RM: &str = "RM0101";

impl FromDb for Hq {
    /// HQ on the story's database, with the demo areas, teams and officers, a records manager,
    /// and its photos in a temp dir.
    async fn from_db(db: Db) -> Self {
        let rm = Officer {
            id: OfficerId::new(RM),
            collar_number: RM.into(),
            name: "Jo Reid".into(),
            role: Role::RecordsManager,
            teams: vec![],
        };
        let storage = Hq::seed(&db, &[rm]).await;
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let settings = HqSettings {
            photos_dir: Some(dir.path().join("photos")),
            ..HqSettings::default()
        };
        Hq {
            dir: Some(dir),
            ..Hq::new(storage, settings)
        }
    }
}

impl Hq {
    /// Where this HQ keeps its photos.
    fn photos(&self) -> &Path {
        self.state.settings.photos_dir.as_deref().unwrap()
    }

    /// The queue's ids for a query string (`within_days=30&kind=concern`).
    async fn queue(&self, token: &str, query: &str) -> (Vec<RecordId>, Value) {
        let a = self
            .get(&format!("/api/v1/hq/retention/queue?{query}"), token)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{query}: {}", a.text);
        let ids = a.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().parse().unwrap())
            .collect();
        (ids, a.body)
    }

    async fn decide(
        &self,
        token: &str,
        records: &[RecordId],
        decision: Value,
        reason: &str,
    ) -> Answer {
        self.post(
            "/api/v1/hq/retention/decisions",
            token,
            json!({"records": records, "decision": decision, "reason": reason}),
        )
        .await
    }

    fn photo_files(&self, sha256: &str) -> Vec<PathBuf> {
        let photos = self.photos();
        [
            photos.join(sha256),
            photos.join(format!("{sha256}.json")),
            photos.join("partial").join(sha256),
        ]
        .into_iter()
        .filter(|p| p.exists())
        .collect()
    }
}

impl Device {
    /// Upload a photo a record lists, in one chunk.
    async fn upload(&self, hq: &Hq, record: RecordId, bytes: &[u8]) {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let req = Request::put(format!("/api/v1/photos/{sha256}?offset=0"))
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, "image/jpeg")
            .header("photo-size", bytes.len().to_string())
            .header("photo-record", record.to_string())
            .body(Body::from(bytes.to_vec()))
            .unwrap();
        let a = hq.send(req).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(a.body["verified"], true, "{}", a.text);
    }

    /// Every record id a device's disposals feed lists from the start.
    async fn disposals(&self, hq: &Hq) -> Vec<RecordId> {
        let a = hq
            .get("/api/v1/sync/disposals?after=0&limit=5000", &self.token)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(a.body["more"], false);
        serde_json::from_value(a.body["records"].clone()).unwrap()
    }

    /// Every record id a full pull brings.
    async fn pulled(&self, hq: &Hq) -> Vec<RecordId> {
        self.pull(hq)
            .await
            .iter()
            .map(|r| r["id"].as_str().unwrap().parse().unwrap())
            .collect()
    }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// A concern reported seven years ago, due for review `due_in_days` from today (negative:
/// overdue).
fn concern(description: &str, area: &str, due_in_days: i64) -> Concern {
    // At the first demo place in `area`: HQ puts a concern in the areas of its location.
    let place = beatbook_hq::demo::places::PLACES
        .iter()
        .find(|p| p.area == area)
        .unwrap();
    let new: NewConcern = serde_json::from_value(json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": {"lat": place.lat, "lon": place.lon, "place": place.name},
    }))
    .unwrap();
    let mut c = new.into_concern(Utc::now(), vec![AreaId::new(area)]).1;
    c.reported_at = Utc::now() - Duration::days(7 * 365);
    c.retention_review = today() + Duration::days(due_in_days);
    c
}

/// A patrol three years ago, due for review `due_in_days` from today.
fn patrol(notes: &str, due_in_days: i64) -> PatrolLog {
    let started = Utc::now() - Duration::days(3 * 365);
    PatrolLog {
        area_id: AreaId::new("tc-camden-town"),
        hotspot: None,
        started_at: started,
        ended_at: Some(started + Duration::hours(2)),
        notes: notes.into(),
        retention_review: today() + Duration::days(due_in_days),
    }
}

fn intel(content: &str, due_in_days: i64) -> IntelReport {
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
        areas: vec![AreaId::new("tc-camden-town")],
        source_id: None,
        review_state: ReviewState::Submitted,
        disseminated_to: vec![],
        legacy_grade: None,
        submitted_at: Utc::now() - Duration::days(7 * 365),
        retention_review: today() + Duration::days(due_in_days),
    }
}

/// A concern listing a photo of `bytes`, pushed and uploaded; its id and the photo's name.
async fn concern_with_photo(
    hq: &Hq,
    device: &mut Device,
    description: &str,
    bytes: &[u8],
) -> (RecordId, String) {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let mut c = concern(description, "tc-kentish-town", -10);
    c.photos = vec![PhotoRef {
        sha256: sha256.clone(),
        mime: "image/jpeg".into(),
        bytes: bytes.len() as u64,
    }];
    let id = device.create(hq, &c).await;
    device.upload(hq, id, bytes).await;
    assert_eq!(hq.photo_files(&sha256).len(), 2, "the photo and its .json");
    (id, sha256)
}

fn sorted(mut ids: Vec<RecordId>) -> Vec<RecordId> {
    ids.sort();
    ids
}

// ---------------------------------------------------------------------------------------------

story!(a_records_manager_reviews_retains_and_disposes);
async fn a_records_manager_reviews_retains_and_disposes(hq: Hq) {
    let mut tablet = Device::enrol(&hq, "PC4127").await;
    let a = tablet
        .create(
            &hq,
            &concern("Overdue concern in Camden", "tc-camden-town", -30),
        )
        .await;
    let (b, photo) = concern_with_photo(
        &hq,
        &mut tablet,
        "Overdue concern in Kentish Town",
        b"a photo of graffiti",
    )
    .await;
    let soon = tablet
        .create(&hq, &concern("Due in twenty days", "tc-camden-town", 20))
        .await;
    let later = tablet
        .create(&hq, &concern("Due next year", "tc-camden-town", 400))
        .await;
    let p = tablet.create(&hq, &patrol("Quiet patrol", -5)).await;
    let i = tablet
        .create(&hq, &intel("Distinctive raw intelligence words", -3))
        .await;
    let rm = hq.sign_in(RM).await;

    // The queue: overdue by default, a window, a kind, an area, a team.
    let (overdue, body) = hq.queue(&rm, "").await;
    assert_eq!(sorted(overdue.clone()), sorted(vec![a, b, p, i]), "{body}");
    assert_eq!(body["total"], 4);
    // Oldest review date first.
    assert_eq!(overdue[0], a);
    // Intelligence is named by its kind, never by its content.
    assert!(
        !body.to_string().contains("Distinctive raw intelligence"),
        "{body}"
    );
    let item = |body: &Value, id: RecordId| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == json!(id))
            .cloned()
            .unwrap()
    };
    assert_eq!(item(&body, i)["title"], "Intelligence report");
    assert_eq!(item(&body, a)["kind_label"], "Concern");
    // Its areas by name: those of its place, Kentish Town station (the town centre and its ward).
    let mut areas = beatbook_domain::reference::demo_areas();
    areas.sort_by(|x, y| x.id.cmp(&y.id));
    let place = beatbook_hq::demo::places::PLACES
        .iter()
        .find(|p| p.area == "tc-kentish-town")
        .unwrap();
    let names: Vec<String> = place
        .areas(&areas)
        .iter()
        .map(|id| areas.iter().find(|a| &a.id == id).unwrap().name.clone())
        .collect();
    assert!(names.contains(&"Kentish Town".to_owned()), "{names:?}");
    assert_eq!(item(&body, b)["areas"], json!(names), "{body}");
    let (within, _) = hq.queue(&rm, "within_days=30").await;
    assert_eq!(sorted(within), sorted(vec![a, b, soon, p, i]));
    assert!(!hq.queue(&rm, "within_days=3650").await.0.is_empty());
    assert!(hq.queue(&rm, "within_days=3650").await.0.contains(&later));
    assert_eq!(hq.queue(&rm, "kind=patrol_log").await.0, vec![p]);
    assert_eq!(hq.queue(&rm, "area=tc-kentish-town").await.0, vec![b]);
    assert!(hq.queue(&rm, "team=dalston-snt").await.0.is_empty());
    assert_eq!(
        sorted(hq.queue(&rm, "kind=concern&team=camden-tct").await.0),
        sorted(vec![a, b])
    );
    let bad = hq.get("/api/v1/hq/retention/queue?area=nowhere", &rm).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert_eq!(bad.body["fields"][0]["field"], "area");

    // Retain: refused without a reason, and past the kind's maximum; nothing changed.
    let next_year = today() + Days::new(365);
    let no_reason = hq
        .decide(
            &rm,
            &[a],
            json!({"decision": "retain", "until": next_year}),
            " ",
        )
        .await;
    assert_eq!(
        no_reason.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_reason.text
    );
    assert_eq!(no_reason.body["code"], "bad_request");
    assert_eq!(no_reason.body["fields"][0]["field"], "reason");
    let too_late = today() + Days::new(7 * 366);
    let late = hq
        .decide(
            &rm,
            &[a],
            json!({"decision": "retain", "until": too_late}),
            "Ongoing problem",
        )
        .await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{}", late.text);
    assert_eq!(late.body["fields"][0]["field"], "until");
    assert_eq!(late.body["fields"][0]["code"], "too_late");
    assert!(
        late.body["message"]
            .as_str()
            .unwrap()
            .contains("within 6 years"),
        "{}",
        late.text
    );
    let (again, body) = hq.queue(&rm, "").await;
    assert_eq!(sorted(again), sorted(vec![a, b, p, i]));
    assert_eq!(item(&body, a)["last"], Value::Null);
    assert_eq!(body["latest"], json!([]));

    let kept = hq
        .decide(
            &rm,
            &[a],
            json!({"decision": "retain", "until": next_year}),
            "Ongoing problem at the station",
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.text);
    assert_eq!(
        kept.body["decision_words"],
        format!("retained until {}", next_year.format("%-d %b %Y"))
    );
    assert_eq!(kept.body["by_name"], "Jo Reid (RM0101)");
    assert_eq!(kept.body["count"], 1);
    assert!(!hq.queue(&rm, "").await.0.contains(&a));
    let (_, body) = hq.queue(&rm, "within_days=400").await;
    assert_eq!(item(&body, a)["review_on"], json!(next_year));
    assert_eq!(
        item(&body, a)["last"]["reason"],
        "Ongoing problem at the station"
    );

    // Dispose: gone from HQ, listed in the disposals feed, its photo files removed.
    assert!(tablet.pulled(&hq).await.contains(&b));
    let gone = hq
        .decide(
            &rm,
            &[b],
            json!({"decision": "dispose"}),
            "No longer needed: resolved in 2019",
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.text);
    assert_eq!(gone.body["decision_words"], "disposed of");
    assert_eq!(tablet.disposals(&hq).await, vec![b]);
    assert!(
        hq.photo_files(&photo).is_empty(),
        "{:?}",
        hq.photo_files(&photo)
    );
    assert!(!tablet.pulled(&hq).await.contains(&b));
    assert!(!hq.queue(&rm, "within_days=3650").await.0.contains(&b));
    let disposal = hq.state.storage.disposal(b).await.unwrap().unwrap();
    assert_eq!(disposal.disposed_by, OfficerId::new(RM));
    assert!(disposal.files_done);
    // A record disposed of cannot be decided on again.
    let twice = hq
        .decide(
            &rm,
            &[b],
            json!({"decision": "dispose"}),
            "No longer needed",
        )
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND, "{}", twice.text);

    // Hold, then dispose: refused (409) with nothing changed.
    let held = hq
        .decide(&rm, &[p], json!({"decision": "hold"}), "Complaint 2026/114")
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    let refused = hq
        .decide(&rm, &[p, i], json!({"decision": "dispose"}), "Past review")
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("Complaint 2026/114"),
        "{}",
        refused.text
    );
    let (after, body) = hq.queue(&rm, "").await;
    assert_eq!(
        sorted(after),
        sorted(vec![p, i]),
        "both still there: all or nothing"
    );
    assert_eq!(item(&body, p)["hold"], "Complaint 2026/114");
    assert_eq!(tablet.disposals(&hq).await, vec![b]);
    // A record HQ does not hold: 404, nothing changed.
    let unknown = hq
        .decide(
            &rm,
            &[i, RecordId::new()],
            json!({"decision": "dispose"}),
            "Past review",
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert!(hq.queue(&rm, "").await.0.contains(&i));

    // The decisions log: what was decided, newest first; nothing refused is in it.
    let log = hq.get("/api/v1/hq/retention/decisions", &rm).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let words: Vec<&str> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["decision_words"].as_str().unwrap())
        .collect();
    assert_eq!(
        words,
        vec![
            "put on hold",
            "disposed of",
            &*format!("retained until {}", next_year.format("%-d %b %Y"))
        ]
    );
    let (_, body) = hq.queue(&rm, "").await;
    assert_eq!(body["latest"].as_array().unwrap().len(), 3);

    // A bulk decision on a filter, with one reason.
    let bulk = hq
        .post(
            "/api/v1/hq/retention/decisions",
            &rm,
            json!({"filter": {"within_days": 30, "kind": "concern"}, "decision": {"decision": "hold"}, "reason": "Litigation hold on Camden concerns"}),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.text);
    assert_eq!(
        bulk.body["count"], 1,
        "only the concern due in twenty days: {}",
        bulk.text
    );
    let (_, body) = hq.queue(&rm, "within_days=30").await;
    assert_eq!(
        item(&body, soon)["hold"],
        "Litigation hold on Camden concerns"
    );
}

story!(every_other_role_is_refused_every_retention_endpoint);
async fn every_other_role_is_refused_every_retention_endpoint(hq: Hq) {
    let mut tablet = Device::enrol(&hq, "PC4127").await;
    let a = tablet
        .create(&hq, &concern("Overdue concern", "tc-camden-town", -30))
        .await;
    for collar in ["PS1102", "AN0815", "DC7740", "AD0001"] {
        let t = hq.sign_in(collar).await;
        let q = hq.get("/api/v1/hq/retention/queue", &t).await;
        assert_eq!(q.status, StatusCode::FORBIDDEN, "{collar}: {}", q.text);
        assert!(
            q.body["message"]
                .as_str()
                .unwrap()
                .contains("records manager"),
            "{}",
            q.text
        );
        let d = hq.get("/api/v1/hq/retention/decisions", &t).await;
        assert_eq!(d.status, StatusCode::FORBIDDEN, "{collar}: {}", d.text);
        let p = hq
            .decide(
                &t,
                &[a],
                json!({"decision": "dispose"}),
                "Not mine to decide",
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{collar}: {}", p.text);
    }
    // A device's token is not a staff session.
    let q = hq.get("/api/v1/hq/retention/queue", &tablet.token).await;
    assert_eq!(q.status, StatusCode::UNAUTHORIZED, "{}", q.text);
    // Nothing changed.
    let rm = hq.sign_in(RM).await;
    assert_eq!(hq.queue(&rm, "").await.0, vec![a]);
    assert!(tablet.disposals(&hq).await.is_empty());
    assert!(hq.state.storage.decisions(10).await.unwrap().is_empty());
}

story!(the_sweep_disposes_only_kinds_set_to_dispose_and_never_held_records);
async fn the_sweep_disposes_only_kinds_set_to_dispose_and_never_held_records(hq: Hq) {
    let mut tablet = Device::enrol(&hq, "PC4127").await;
    let old_concern = tablet
        .create(&hq, &concern("Overdue concern", "tc-camden-town", -30))
        .await;
    let old_patrol = tablet.create(&hq, &patrol("Overdue patrol", -30)).await;
    let held_patrol = tablet.create(&hq, &patrol("Held patrol", -30)).await;
    let new_patrol = tablet.create(&hq, &patrol("Patrol not yet due", 30)).await;
    let rm = hq.sign_in(RM).await;
    let held = hq
        .decide(
            &rm,
            &[held_patrol],
            json!({"decision": "hold"}),
            "Inquiry into this patrol",
        )
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);

    // With every kind waiting in the queue (the default), the sweep disposes of nothing.
    let report = beatbook_hq::retention::sweep(&hq.state, Utc::now())
        .await
        .unwrap();
    assert_eq!(report.disposed, 0);
    assert!(tablet.disposals(&hq).await.is_empty());

    let swept = hq.with_settings(|s| {
        s.retention
            .past_review
            .insert(RecordKind::PatrolLog, PastReview::Dispose);
    });
    let report = beatbook_hq::retention::sweep(&swept.state, Utc::now())
        .await
        .unwrap();
    assert_eq!(report.disposed, 1, "{report:?}");
    assert_eq!(report.erased.records, 1, "{report:?}");
    assert_eq!(tablet.disposals(&hq).await, vec![old_patrol]);
    let (left, _) = hq.queue(&rm, "within_days=60").await;
    assert_eq!(
        sorted(left),
        sorted(vec![old_concern, held_patrol, new_patrol])
    );
    // The sweep's decision is in the log, as HQ's, with the force's reason.
    let log = hq.get("/api/v1/hq/retention/decisions", &rm).await;
    assert_eq!(
        log.body[0]["by_name"], "HQ (automatic sweep)",
        "{}",
        log.text
    );
    assert_eq!(log.body[0]["reason"], beatbook_hq::retention::SWEEP_REASON);
    assert_eq!(log.body[0]["count"], 1);
    // Run again, it finds nothing more.
    let again = beatbook_hq::retention::sweep(&swept.state, Utc::now())
        .await
        .unwrap();
    assert_eq!(again.disposed, 0);
}

story!(a_disposal_cut_halfway_finishes_at_the_next_resume);
async fn a_disposal_cut_halfway_finishes_at_the_next_resume(hq: Hq) {
    use beatbook_domain::retention::Decision;
    use beatbook_hq::storage::NewDecision;
    let mut tablet = Device::enrol(&hq, "PC4127").await;
    let (first, first_photo) =
        concern_with_photo(&hq, &mut tablet, "Cut before erasure", b"first photo bytes").await;
    let (second, second_photo) = concern_with_photo(
        &hq,
        &mut tablet,
        "Cut before the photo went",
        b"second photo bytes",
    )
    .await;
    let storage = hq.state.storage.clone();
    let decide = |id: RecordId| NewDecision {
        at: Utc::now(),
        officer_id: OfficerId::new(RM),
        decision: Decision::Dispose,
        reason: "No longer needed".into(),
        record_ids: vec![id],
    };

    // Cut after the decision, before anything was erased: the record is pending, not yet in
    // the feed, not listed in the queue.
    storage.decide(&decide(first)).await.unwrap();
    // Cut after the record was erased, before its photo files went.
    storage.decide(&decide(second)).await.unwrap();
    let erased = storage.erase_pending(1).await.unwrap();
    assert_eq!(erased.len(), 1);
    let (erased_id, not_yet) = if erased[0].record_id == first {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(tablet.disposals(&hq).await, vec![erased_id]);
    assert_eq!(hq.photo_files(&first_photo).len(), 2);
    assert_eq!(hq.photo_files(&second_photo).len(), 2);
    let rm = hq.sign_in(RM).await;
    assert!(
        hq.queue(&rm, "").await.0.is_empty(),
        "pending records are not in the queue"
    );
    assert!(hq.state.storage.disposal(not_yet).await.unwrap().is_none());

    // The next start finishes both.
    let done = beatbook_hq::retention::resume(&hq.state).await.unwrap();
    assert_eq!(done.records, 1);
    assert_eq!(done.photos, 2);
    assert_eq!(
        sorted(tablet.disposals(&hq).await),
        sorted(vec![first, second])
    );
    assert!(hq.photo_files(&first_photo).is_empty());
    assert!(hq.photo_files(&second_photo).is_empty());
    assert!(storage.disposals_with_files(10).await.unwrap().is_empty());
    // Nothing left: a second resume does nothing.
    assert_eq!(
        beatbook_hq::retention::resume(&hq.state).await.unwrap(),
        beatbook_hq::retention::Erasure::default()
    );
    // The chains still verify.
    for (device, report) in admin::verify_chains(storage.as_ref()).await.unwrap() {
        assert!(report.ok, "{device}: {report:?}");
    }
}

story!(a_photo_another_record_lists_is_kept_when_one_is_disposed_of);
async fn a_photo_another_record_lists_is_kept_when_one_is_disposed_of(hq: Hq) {
    let mut tablet = Device::enrol(&hq, "PC4127").await;
    let bytes = b"the same photo on two records";
    let (one, photo) = concern_with_photo(&hq, &mut tablet, "First record", bytes).await;
    let (two, same) = concern_with_photo(&hq, &mut tablet, "Second record", bytes).await;
    assert_eq!(photo, same);
    let rm = hq.sign_in(RM).await;
    let a = hq
        .decide(
            &rm,
            &[one],
            json!({"decision": "dispose"}),
            "No longer needed",
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        hq.photo_files(&photo).len(),
        2,
        "the other record still lists it"
    );
    let a = hq
        .decide(
            &rm,
            &[two],
            json!({"decision": "dispose"}),
            "No longer needed",
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(hq.photo_files(&photo).is_empty());
}
