//! The command layer over IPC with a mock runtime: a real encrypted store in a temp dir and, for
//! sync, an in-process HQ on 127.0.0.1:0 with the demo data.

use crate::{run_app, AppSettings, AppState};
use serde_json::{json, Value};
use std::sync::Arc;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

const PASSWORD: &str = "demo-password-2026";
const PIN: &str = "246810";
/// Near Camden Town station: in the Camden Town ward and the Camden Town town centre.
const CAMDEN: (f64, f64) = (51.5392, -0.1426);

struct Hq {
    url: String,
    storage: Arc<dyn beatbook_hq::Storage>,
    server: tauri::async_runtime::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Hq {
    fn start() -> Hq {
        tauri::async_runtime::block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let storage = beatbook_hq::open_storage(
                &format!("sqlite:{}", dir.path().join("hq.db").display()),
                &beatbook_hq::keys::HqKey::random(),
            )
            .await
            .unwrap();
            beatbook_hq::admin::seed_demo(storage.as_ref(), PASSWORD)
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let state = beatbook_hq::HqState::new(
                storage.clone(),
                Arc::new(beatbook_hq::HqSettings::default()),
            );
            let server = tauri::async_runtime::spawn(async move {
                let _ = beatbook_hq::serve(listener, state).await;
            });
            Hq {
                url,
                storage,
                server,
                _dir: dir,
            }
        })
    }

    fn code(&self) -> String {
        tauri::async_runtime::block_on(beatbook_hq::admin::enrolment_code(self.storage.as_ref(), 1))
            .unwrap()
    }

    fn stop(&self) {
        self.server.abort();
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

struct Device {
    app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
}

impl Device {
    fn new() -> Device {
        Self::with_window("main")
    }

    fn with_window(label: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let settings = AppSettings {
            data_dir: Some(dir.path().join("data")),
            insecure_fast_kdf: true,
            background_sync: false,
            ..AppSettings::default()
        };
        let app = run_app(mock_builder(), settings).unwrap();
        let webview = WebviewWindowBuilder::new(&app, label, Default::default())
            .build()
            .unwrap();
        Device {
            app,
            webview,
            _dir: dir,
        }
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        tauri::test::get_ipc_response(&self.webview, request)
            .map(|body| body.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args) {
            Ok(v) => panic!("{cmd} succeeded: {v}"),
            Err(e) => e,
        }
    }

    fn enrol(&self, hq: &Hq) -> Value {
        self.ok(
            "enrol",
            json!({"input": {
                "hq_url": hq.url, "code": hq.code(), "collar_number": "PC4127",
                "password": PASSWORD, "pin": PIN, "device_name": "test tablet"
            }}),
        )
    }

    fn log_concern(&self, description: &str) -> String {
        self.ok(
            "records_create",
            json!({"input": {"kind": "concern", "record": {
                "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
                "description": description,
                "location": {"lat": CAMDEN.0, "lon": CAMDEN.1, "place": "Outside the station"},
                "people": [{"role": "witness", "statements": [{"text": "They are there every night", "basis": "opinion"}]}],
                "consent_to_contact": false,
                "priority": "high"
            }}}),
        )
        .as_str()
        .unwrap()
        .to_owned()
    }

    fn sync_now(&self) -> Value {
        self.ok("sync_now", json!({"onProgress": "__CHANNEL__:7"}))
    }
}

fn list(d: &Device) -> Vec<Value> {
    d.ok("records_list", json!({"filter": {}}))
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn enrol_log_a_concern_offline_see_it_waiting_then_sync_it_to_hq() {
    let hq = Hq::start();
    let d = Device::new();
    assert_eq!(d.ok("session_status", json!({}))["state"], "not_enrolled");

    let status = d.enrol(&hq);
    assert_eq!(status["state"], "unlocked");
    assert_eq!(status["profile"]["officer"]["id"], "PC4127");
    assert_eq!(status["profile"]["teams"][0]["id"], "camden-tct");

    let id = d.log_concern("Street drinkers outside the station every evening");
    let rows = list(&d);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["pending_ops"], 1);
    let areas = rows[0]["areas"].as_array().unwrap();
    assert!(areas.contains(&json!("tc-camden-town")), "{areas:?}");
    // The badge's facts; `ui/src/lib/sync-words.test.ts` words them ("1 change waiting to
    // upload.").
    let badge = d.ok("sync_status", json!({}));
    assert_eq!(badge["state"], "waiting", "{badge}");
    assert_eq!(
        (
            &badge["pending"],
            &badge["pending_photos"],
            &badge["rejected"]
        ),
        (&json!(1), &json!(0), &json!(0)),
        "{badge}"
    );
    assert!(badge["last_success"].is_null() && badge["progress"].is_null());
    assert!(badge.get("words").is_none(), "the UI words the facts");

    let outcome = d.sync_now();
    assert_eq!(outcome["complete"], true, "{outcome}");
    assert_eq!(outcome["acked"], 1);
    let badge = d.ok("sync_status", json!({}));
    assert_eq!(badge["state"], "all_uploaded", "{badge}");
    assert_eq!(badge["pending"], 0);
    assert!(badge["last_success"].is_string(), "{badge}");

    let detail = d.ok("records_get", json!({"id": id}));
    assert_eq!(detail["sync_state"], "on_hq");
    assert_eq!(detail["history"][0]["what"], "Created");
    assert_eq!(detail["history"][0]["state"], "on_hq");
    let names: Vec<&str> = detail["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Camden Town"), "{names:?}");

    let found = d.ok(
        "records_search",
        json!({"text": "drinkers stat", "filter": {}}),
    );
    assert_eq!(found.as_array().unwrap().len(), 1);

    // "Every record is on HQ. You can sign off."
    let end = d.ok("end_of_shift", json!({"onProgress": "__CHANNEL__:8"}));
    assert_eq!(end["complete"], true);
    assert_eq!(
        (&end["pending"], &end["pending_photos"], &end["refused"]),
        (&json!(0), &json!(0), &json!([])),
        "{end}"
    );
    assert!(end["error_code"].is_null() && end["error_message"].is_null());
}

#[test]
fn with_hq_down_a_sync_says_what_is_left_and_why() {
    let hq = Hq::start();
    let d = Device::new();
    d.enrol(&hq);
    hq.stop();
    d.log_concern("Lights out on the passage");

    // HQ is down, the network is up: "HQ cannot be reached: 1 change not on HQ yet. ..."
    let outcome = d.sync_now();
    assert_eq!(outcome["complete"], false);
    assert_eq!(outcome["error_code"], "hq_unreachable", "{outcome}");
    assert_eq!(outcome["pending"], 1);
    assert!(
        outcome["error_message"]
            .as_str()
            .unwrap()
            .starts_with("HQ cannot be reached"),
        "{outcome}"
    );
    // "HQ cannot be reached: 1 change waiting; ..." (not "No signal": the network is up).
    let badge = d.ok("sync_status", json!({}));
    assert_eq!(badge["state"], "hq_unreachable");
    assert_eq!(badge["pending"], 1);
    assert_eq!(badge["last_error_code"], "hq_unreachable");
}

#[test]
fn a_failed_enrolment_leaves_nothing_behind() {
    let hq = Hq::start();
    let d = Device::new();
    let e = d.err(
        "enrol",
        json!({"input": {"hq_url": hq.url, "code": "ABCD-EFGH-JKMN", "collar_number": "PC4127",
                         "password": PASSWORD, "pin": PIN}}),
    );
    assert_eq!(e["code"], "refused", "{e}");
    assert_eq!(d.ok("session_status", json!({}))["state"], "not_enrolled");
    let e = d.err(
        "enrol",
        json!({"input": {"hq_url": "", "code": "", "collar_number": "PC4127", "password": "x", "pin": PIN}}),
    );
    assert_eq!(e["code"], "invalid");
    assert_eq!(e["fields"].as_array().unwrap().len(), 2);
    d.enrol(&hq);
}

#[test]
fn wrong_pins_count_down_warn_before_the_last_and_wipe_at_the_limit() {
    let hq = Hq::start();
    let d = Device::new();
    d.enrol(&hq);
    assert_eq!(d.ok("lock", json!({}))["state"], "locked");
    assert_eq!(
        d.err("records_list", json!({"filter": {}}))["code"],
        "locked"
    );
    assert_eq!(d.err("sync_status", json!({}))["code"], "locked");

    let e = d.err("unlock", json!({"pin": "000000"}));
    assert_eq!(
        (e["code"].as_str(), e["attempts_left"].as_u64()),
        (Some("wrong_pin"), Some(4))
    );
    assert_eq!(d.ok("unlock", json!({"pin": PIN}))["state"], "unlocked");
    d.ok("lock", json!({}));
    for left in [4, 3, 2] {
        assert_eq!(
            d.err("unlock", json!({"pin": "000000"}))["attempts_left"],
            left
        );
    }
    let e = d.err("unlock", json!({"pin": "000000"}));
    assert_eq!(e["code"], "last_attempt");
    let e = d.err("unlock", json!({"pin": "000000"}));
    assert_eq!(e["code"], "wiped", "{e}");
    assert_eq!(d.ok("session_status", json!({}))["state"], "not_enrolled");
}

#[test]
fn auto_lock_closes_the_store_after_the_chosen_idle_time() {
    let hq = Hq::start();
    let d = Device::new();
    d.enrol(&hq);
    let s = d.ok(
        "settings_set",
        json!({"settings": {"auto_lock_minutes": 2, "tile_url": null}}),
    );
    assert_eq!(s["auto_lock_minutes"], 2);
    let state = d.app.state::<AppState>();
    let state = state.tablet();
    let soon = std::time::Instant::now() + std::time::Duration::from_secs(60);
    assert!(!state.lock_if_idle(soon));
    let later = std::time::Instant::now() + std::time::Duration::from_secs(121);
    assert!(state.lock_if_idle(later));
    assert_eq!(d.ok("session_status", json!({}))["state"], "locked");
    assert_eq!(d.ok("session_touch", json!({})), json!(false));
    assert_eq!(
        d.err(
            "settings_set",
            json!({"settings": {"auto_lock_minutes": 5, "tile_url": "http://tiles"}})
        )["code"],
        "bad_input"
    );
}

#[test]
fn intelligence_goes_in_with_its_source_held_apart_and_cannot_be_edited() {
    let hq = Hq::start();
    let d = Device::new();
    d.enrol(&hq);
    let saved = d.ok(
        "intel_submit",
        json!({"submission": {
            "grade": {"source": "2", "intelligence": "B", "handling": {"code": "C", "conditions": "Not outside the partnership"}},
            "security": "official_sensitive",
            "content": "Who: two men. What: dealing. When: evenings. Where: the passage. Why: unknown. How: bikes.",
            "checks_made": "",
            "threat_to_life": false,
            "location": {"lat": CAMDEN.0, "lon": CAMDEN.1, "place": null},
            "source": {"source_type": "member_of_public", "name": "A resident", "notes": "Lives opposite"}
        }}),
    );
    assert!(saved["source_id"].is_string());
    let rows = list(&d);
    assert_eq!(rows.len(), 1, "source details are not listed: {rows:?}");
    assert_eq!(rows[0]["kind"], "intel_report");
    let detail = d.ok("records_get", json!({"id": saved["report_id"]}));
    assert_eq!(detail["editable"], false);
    assert_eq!(detail["body"]["source_id"], saved["source_id"]);

    let e = d.err(
        "intel_submit",
        json!({"submission": {
            "grade": {"source": "1", "intelligence": "A", "handling": {"code": "P"}},
            "security": "official", "content": " ", "threat_to_life": false
        }}),
    );
    assert_eq!(e["code"], "invalid");
    assert_eq!(e["fields"][0]["field"], "content");
}

#[test]
fn a_ward_panel_makes_its_priorities_which_take_updates_and_show_on_the_board() {
    let hq = Hq::start();
    let d = Device::new();
    d.enrol(&hq);
    d.ok(
        "records_create",
        json!({"input": {"kind": "meeting", "record": {
            "meeting_type": "ward_panel", "area_id": "E05013655", "held_on": "2026-06-01",
            "venue": "Library", "attendance": [{"role": "resident", "count": 12}],
            "total_attendance": 14, "issues_raised": ["Street drinking"],
            "votes": [{"title": "Street drinking", "votes": 9}],
            "agreed_priorities": ["Street drinking", "Cycle theft"],
            "review_date": "2026-09-01", "notes": "", "retention_review": "2028-06-01"
        }}}),
    );
    let board = d.ok("priorities_board", json!({"area": "E05013655"}));
    let board = board.as_array().unwrap();
    assert_eq!(board.len(), 2);
    assert_eq!(
        board[0]["overdue"], true,
        "agreed June, not reviewed in three months"
    );
    let id = board[0]["id"].clone();
    d.ok(
        "priority_add_update",
        json!({"id": id, "update": {"you_said": "Drinking by the station", "we_did": "Weekly patrols", "on": "2026-07-01"}}),
    );
    let board = d.ok("priorities_board", json!({}));
    let card = board
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(card["updates"][0]["we_did"], "Weekly patrols");

    let briefing = d.ok("briefing", json!({}));
    // PC4127 is on the Camden Town Centre Team: the ward's priorities are not in its areas.
    assert!(
        briefing["priorities"].as_array().unwrap().is_empty(),
        "{briefing}"
    );
    d.log_concern("Drinkers by the market");
    let briefing = d.ok("briefing", json!({}));
    assert_eq!(briefing["concerns"].as_array().unwrap().len(), 1);
    assert_eq!(briefing["hotspots"][0]["area"]["id"], "tc-camden-town");
}

#[test]
fn edits_save_only_where_the_kind_allows_and_conflicts_resolve() {
    let hq = Hq::start();
    let d = Device::new();
    d.enrol(&hq);
    let id = d.log_concern("Bins overflowing");
    let mut body = d.ok("records_get", json!({"id": id}))["body"].clone();
    body["description"] = json!("Bins overflowing by the canal");
    body["status"] = json!("in_progress");
    assert_eq!(
        d.ok(
            "records_update",
            json!({"id": id, "update": {"kind": "concern", "record": body}})
        ),
        json!(true)
    );
    let detail = d.ok("records_get", json!({"id": id}));
    assert_eq!(detail["body"]["status"], "in_progress");
    assert_eq!(detail["history"][1]["what"], "Changed description, status");
    let resolved = d.ok(
        "records_resolve",
        json!({"id": id, "field": "description", "text": "Bins overflowing (merged)"}),
    );
    assert_eq!(resolved["body"]["description"], "Bins overflowing (merged)");
    assert!(resolved["conflicts"].as_array().unwrap().is_empty());
    d.ok(
        "concern_add_update",
        json!({"id": id, "update": {"note": "Council emptied the bins"}}),
    );
    let detail = d.ok("records_get", json!({"id": id}));
    assert_eq!(
        detail["log"][0]["entry"]["note"],
        "Council emptied the bins"
    );
    assert_eq!(
        detail["body"]["description"], "Bins overflowing (merged)",
        "the concern itself is not retyped"
    );

    let patrol = d.ok(
        "records_create",
        json!({"input": {"kind": "patrol_log", "record": {
            "area_id": "tc-camden-town", "hotspot": "Camden High St", "started_at": "2026-11-20T20:00:00Z",
            "ended_at": null, "notes": "", "retention_review": "2028-11-20"
        }}}),
    );
    let mut log = d.ok("records_get", json!({"id": patrol}))["body"].clone();
    assert!(log["ended_at"].is_null());
    log["ended_at"] = json!("2026-11-20T21:35:00Z");
    d.ok(
        "records_update",
        json!({"id": patrol, "update": {"kind": "patrol_log", "record": log}}),
    );
    let rows = d.ok("records_list", json!({"filter": {"kind": "patrol_log"}}));
    assert_eq!(rows[0]["status"], "ended");
}

#[test]
fn areas_are_worked_out_on_the_device() {
    let hq = Hq::start();
    let d = Device::new();
    d.enrol(&hq);
    let at = d.ok("areas_at", json!({"lat": CAMDEN.0, "lon": CAMDEN.1}));
    let ids: Vec<&str> = at
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["E05013655", "tc-camden-town"]);
    assert_eq!(
        d.err("areas_at", json!({"lat": 91.0, "lon": 0.0}))["code"],
        "bad_input"
    );
    let all = d.ok("areas_all", json!({}));
    assert!(all.as_array().unwrap().len() > 10);
    assert!(all[0]["boundary"].as_array().unwrap().len() >= 3);
}

#[test]
fn a_concern_saves_with_its_photo_which_waits_for_hq_and_reads_back() {
    use base64::Engine as _;
    let hq = Hq::start();
    let d = Device::new();
    d.enrol(&hq);
    hq.stop();
    // A JPEG with no metadata: stored (and read back) as it is.
    let scan: Vec<u8> = (0..3000u32).map(|i| (i % 256) as u8).collect();
    let jpeg = beatbook_store::photo_metadata::bare_jpeg(&scan);
    let concern = json!({
        "category": {"kind": "vawg", "type": "environmental", "heading": "badly_lit"},
        "description": "Underpass lights out",
        "location": {"lat": CAMDEN.0, "lon": CAMDEN.1, "place": null}
    });
    let b64 = base64::engine::general_purpose::STANDARD.encode(&jpeg);
    let id = d.ok(
        "concern_create_with_photos",
        json!({"concern": concern, "photos": [format!("data:image/jpeg;base64,{b64}")]}),
    );
    let photos = d.ok("record_photos", json!({"id": id}));
    assert_eq!(photos[0]["state"], "waiting");
    assert_eq!(photos[0]["photo"]["mime"], "image/jpeg");
    assert_eq!(photos[0]["photo"]["bytes"], jpeg.len());
    let sha = photos[0]["photo"]["sha256"].as_str().unwrap().to_owned();
    let request = InvokeRequest {
        cmd: "photo_get".into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(json!({"sha256": sha})),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    let body = tauri::test::get_ipc_response(&d.webview, request).unwrap();
    let tauri::ipc::InvokeResponseBody::Raw(bytes) = body else {
        panic!("photo_get answers raw bytes")
    };
    assert_eq!(bytes, jpeg);
    // Never "all uploaded" while the photo waits, even with no record waiting.
    let status = d.ok("sync_status", json!({}));
    assert_eq!(status["pending_photos"], 1);

    // Not an image: a field error, and nothing saved.
    let before = list(&d).len();
    let e = d.err(
        "concern_create_with_photos",
        json!({"concern": concern, "photos": [base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7")]}),
    );
    assert_eq!(e["code"], "invalid");
    assert_eq!(e["fields"][0]["field"], "photos[0]");
    assert_eq!(e["fields"][0]["code"], "unsupported_type");
    assert_eq!(list(&d).len(), before);

    // A second photo on the saved concern: a change of its own, numbered after the first.
    let png = include_bytes!("../../crates/store/tests/fixtures/camera_gps.png");
    let both = d.ok(
        "record_attach_photos",
        json!({"id": id, "photos": [base64::engine::general_purpose::STANDARD.encode(png)]}),
    );
    assert_eq!(both.as_array().unwrap().len(), 2);
    assert_eq!(both[1]["photo"]["mime"], "image/png");
    assert_eq!(both[1]["state"], "waiting");
    let e = d.err(
        "record_attach_photos",
        json!({"id": id, "photos": ["not base64!"]}),
    );
    assert_eq!(e["fields"][0]["field"], "photos[2]");
}

#[test]
fn every_command_is_refused_to_another_window() {
    let d = Device::with_window("other");
    for cmd in [
        "session_status",
        "records_list",
        "sync_now",
        "enrol",
        "unlock",
    ] {
        let e = d.err(cmd, json!({}));
        assert!(e.to_string().contains("not allowed"), "{cmd}: {e}");
    }
}

/// An improvement action as HQ opens it for PC4127's team (Camden Town Centre Team), put on the
/// device as a pull would put it. Answers its id.
fn action_from_hq(d: &Device, what: &str, due_on: &str) -> String {
    use beatbook_domain::improvement::ImprovementAction;
    use beatbook_domain::merge::RecordState;
    use beatbook_domain::{DeviceId, Hlc, OfficerId, Op, OpAction, Record, RecordId, RecordKind};
    let action: ImprovementAction = serde_json::from_value(json!({
        "team_id": "camden-tct", "areas": ["tc-camden-town", "tc-kentish-town"],
        "measure": "patrol_hours_peak", "target": 12.0, "value": 4.5, "rag": "red",
        "period_first_day": "2026-11-01", "period_last_day": "2026-11-30",
        "what": what, "owner": "PC2871", "owner_name": "PC Daniel Price",
        "opened_by": "PS1102", "opened_by_name": "PS Helen Doyle",
        "opened_on": "2026-12-01", "due_on": due_on, "review_on": "2026-12-20",
        "retention_review": "2029-12-01"
    }))
    .unwrap();
    let id = RecordId::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let op = Op {
        device_id: DeviceId::new(),
        device_seq: 1,
        record_id: id,
        kind: RecordKind::Action,
        author: OfficerId::new("PS1102"),
        hlc: Hlc::new(u64::try_from(now).unwrap(), 0),
        action: OpAction::Put {
            fields: action.writes_from(None).unwrap(),
        },
    };
    let state = RecordState::from_op(&op);
    let session = d.app.state::<AppState>().tablet().session().unwrap();
    tauri::async_runtime::block_on(session.with_store(move |s| s.merge_remote(&[state]))).unwrap();
    id.to_string()
}

#[test]
fn the_teams_actions_are_in_the_briefing_and_take_updates_offline() {
    let hq = Hq::start();
    let d = Device::new();
    d.enrol(&hq);
    hq.stop();
    let id = action_from_hq(&d, "Two extra evening patrols a week", "2027-01-31");

    let briefing = d.ok("briefing", json!({}));
    let card = &briefing["actions"][0];
    assert_eq!(card["id"], id.as_str(), "{briefing}");
    assert_eq!(
        (
            &card["measure_label"],
            &card["team_name"],
            &card["owner_name"],
            &card["status_words"]
        ),
        (
            &json!("Hotspot patrol hours per week at peak times"),
            &json!("Camden Town Centre Team"),
            &json!("PC Daniel Price"),
            &json!("Open")
        ),
        "{card}"
    );
    assert!(card["latest_update"].is_null());

    // An empty note: refused by the field, nothing saved.
    let e = d.err(
        "action_add_update",
        json!({"id": id, "update": {"note": " ", "progress": "on_track"}}),
    );
    assert_eq!(e["code"], "invalid", "{e}");
    assert_eq!(e["fields"][0]["field"], "note");
    assert_eq!(d.ok("sync_status", json!({}))["pending"], 0);

    // With HQ unreachable: saved on the device, waiting for the next sync.
    let card = d.ok(
        "action_add_update",
        json!({"id": id, "update": {"note": "One patrol short: two officers on a course", "progress": "off_track"}}),
    );
    assert_eq!(card["status"], "off_track");
    assert_eq!(card["status_words"], "Off track");
    assert_eq!(card["pending_ops"], 1);
    assert_eq!(card["latest_update"]["author_name"], "PC Amira Khan");
    assert_eq!(
        card["latest_update"]["note"],
        "One patrol short: two officers on a course"
    );
    assert_eq!(d.ok("action_get", json!({"id": id})), card);
    assert_eq!(d.ok("sync_status", json!({}))["pending"], 1);
    assert_eq!(
        d.ok("briefing", json!({}))["actions"][0]["status_words"],
        "Off track"
    );

    // Not an action: a clear refusal.
    let concern = d.log_concern("Bins overflowing");
    let e = d.err(
        "action_add_update",
        json!({"id": concern, "update": {"note": "Done"}}),
    );
    assert_eq!(e["code"], "bad_input", "{e}");
}
