//! Devices and HQ over real HTTP on 127.0.0.1: enrolment, sign-in, push, pull, access rules,
//! concurrent edits, revocation, token refresh, and HQ's answers to bad requests.

mod support;

use beatbook_domain::concern::Concern;
use beatbook_domain::views::ListFilter;
use beatbook_hq::HqSettings;
use support::{device, start_hq};

/// Near Camden Town station: in the Camden Town ward AND the Camden Town town centre.
const CAMDEN: (f64, f64) = (51.5392, -0.1426);
/// Kingsland High Street: Dalston.
const DALSTON: (f64, f64) = (51.5480, -0.0755);

fn ids(d: &support::Device) -> Vec<beatbook_domain::RecordId> {
    let mut v: Vec<_> = d
        .store
        .lock()
        .unwrap()
        .list(&ListFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concern_in_an_overlap_reaches_both_teams_and_no_one_else() {
    let hq = start_hq(HqSettings::default()).await;
    let tct = device(&hq, "PC4127").await; // Camden Town Centre Team
    let snt = device(&hq, "PC2290").await; // Camden Town SNT (ward)
    let dalston = device(&hq, "PC3318").await; // Dalston SNT

    let shared = tct.add_concern(
        "Street drinkers outside the station every evening",
        CAMDEN.0,
        CAMDEN.1,
    );
    let elsewhere = dalston.add_concern("Drinking on Kingsland High Street", DALSTON.0, DALSTON.1);
    assert_eq!(tct.engine.status().await.unwrap().pending, 1);

    let r = tct.sync().await.unwrap();
    assert_eq!((r.pushed, r.acked, r.rejected, r.pending), (1, 1, 0, 0));
    dalston.sync().await.unwrap();
    snt.sync().await.unwrap();
    tct.sync().await.unwrap();

    assert_eq!(
        ids(&snt),
        vec![shared],
        "the ward team sees the town-centre concern in its ward"
    );
    assert_eq!(
        ids(&tct),
        vec![shared],
        "the town-centre team does not see Dalston's"
    );
    assert_eq!(ids(&dalston), vec![elsewhere]);
    let on_snt = snt.store.lock().unwrap().get::<Concern>(shared).unwrap();
    assert_eq!(
        on_snt.record.description,
        "Street drinkers outside the station every evening"
    );
    assert_eq!(on_snt.pending_ops, 0);

    let status = tct.engine.status().await.unwrap();
    assert!(
        status.last_success.is_some() && status.last_error.is_none(),
        "{status:?}"
    );
    let chains = beatbook_hq::admin::verify_chains(hq.storage.as_ref())
        .await
        .unwrap();
    assert_eq!(chains.len(), 3);
    assert!(chains.iter().all(|(_, r)| r.ok), "{chains:?}");

    // Each disclosure to a device is in HQ's access log: who, which device, which records.
    let log = hq
        .storage
        .access_log(&beatbook_hq::storage::AccessQuery {
            record_id: Some(shared),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut readers: Vec<&str> = log.iter().map(|e| e.officer_id.as_str()).collect();
    readers.sort();
    readers.dedup();
    assert_eq!(readers, vec!["PC2290", "PC4127"], "{log:?}");
    assert!(log
        .iter()
        .all(|e| e.action == "pull" && e.device_id.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_record_edited_on_two_devices_converges_and_flags_the_text() {
    let hq = start_hq(HqSettings::default()).await;
    let a = device(&hq, "PC4127").await;
    let b = device(&hq, "PS1102").await; // supervisor of the Camden teams
    let id = a.add_concern("Lights out on the passage", CAMDEN.0, CAMDEN.1);
    a.sync().await.unwrap();
    b.sync().await.unwrap();

    // Both edit offline: A the text and the priority, B the text and the status.
    {
        let mut s = a.store.lock().unwrap();
        let mut c = s.get::<Concern>(id).unwrap().record;
        c.description = "Lights out on the passage since Monday".into();
        c.priority = beatbook_domain::concern::ConcernPriority::High;
        s.update_concern(id, c).unwrap();
    }
    {
        let mut s = b.store.lock().unwrap();
        let mut c = s.get::<Concern>(id).unwrap().record;
        c.description = "Lights out; CCTV also broken".into();
        c.status = beatbook_domain::concern::ConcernStatus::InProgress;
        s.update_concern(id, c).unwrap();
    }
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    a.sync().await.unwrap();

    let sa = a.store.lock().unwrap().state(id).unwrap();
    let sb = b.store.lock().unwrap().state(id).unwrap();
    assert_eq!(sa, sb, "replicas are identical");
    let got = a.store.lock().unwrap().get::<Concern>(id).unwrap();
    assert_eq!(got.conflicts, vec!["description".to_owned()]);
    assert_eq!(
        got.record.priority,
        beatbook_domain::concern::ConcernPriority::High
    );
    assert_eq!(
        got.record.status,
        beatbook_domain::concern::ConcernStatus::InProgress
    );
    let versions: Vec<String> = sa
        .live_versions("description")
        .iter()
        .map(|v| v.value.clone())
        .collect();
    assert_eq!(versions.len(), 2, "{versions:?}");

    // A person merges on A; B receives the resolution.
    a.store
        .lock()
        .unwrap()
        .resolve_text(
            id,
            "description",
            "Lights out since Monday; CCTV broken too",
        )
        .unwrap();
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    let on_b = b.store.lock().unwrap().get::<Concern>(id).unwrap();
    assert!(on_b.conflicts.is_empty());
    assert_eq!(
        on_b.record.description,
        "Lights out since Monday; CCTV broken too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_is_refused_and_wiped_at_its_next_sync() {
    let hq = start_hq(HqSettings::default()).await;
    let d = device(&hq, "PC4127").await;
    d.add_concern("Made before revocation", CAMDEN.0, CAMDEN.1);
    d.sync().await.unwrap();
    let device_id = d.store.lock().unwrap().device_id();
    beatbook_hq::admin::revoke_device(hq.storage.as_ref(), device_id)
        .await
        .unwrap();

    let err = d.sync().await.unwrap_err();
    assert_eq!(err.code(), "revoked", "{err}");
    let left: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "store files left after revocation: {left:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_session_at_hq_and_keeps_the_records() {
    let hq = start_hq(HqSettings::default()).await;
    let d = device(&hq, "PC4127").await;
    let kept = d.add_concern("Bike theft hotspot by the lock", CAMDEN.0, CAMDEN.1);
    let token = d
        .store
        .lock()
        .unwrap()
        .sync_meta()
        .unwrap()
        .access_token
        .unwrap();

    assert!(d.engine.sign_out().await.unwrap(), "HQ was told");
    // The old token no longer works at HQ...
    let refused = reqwest::Client::new()
        .get(format!("{}/api/v1/sync/pull", hq.url()))
        .bearer_auth(&token)
        .header("beatbook-protocol", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    // ...the device asks for a sign-in, and nothing waiting was lost.
    let err = d.sync().await.unwrap_err();
    assert_eq!(err.code(), "sign_in_needed", "{err}");
    assert_eq!(d.engine.status().await.unwrap().pending, 1);
    d.engine
        .login("PC4127", support::DEMO_PASSWORD)
        .await
        .unwrap();
    let r = d.sync().await.unwrap();
    assert_eq!((r.acked, r.pending), (1, 0));
    assert_eq!(ids(&d), vec![kept]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_without_the_officer() {
    let hq = start_hq(HqSettings {
        access_token_seconds: 1,
        ..HqSettings::default()
    })
    .await;
    let d = device(&hq, "PC4127").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    d.add_concern("Pushed with a refreshed token", CAMDEN.0, CAMDEN.1);
    let r = d.sync().await.unwrap();
    assert_eq!(r.acked, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_op_hq_refuses_is_kept_and_shown_never_dropped() {
    let hq = start_hq(HqSettings::default()).await;
    let d = device(&hq, "PC4127").await;
    // An op that names another officer as author: made by a store signed in as someone else.
    {
        let s = d.store.lock().unwrap();
        s.debug_execute("UPDATE meta SET value = 'PC9999' WHERE key = 'officer'")
            .unwrap();
    }
    let reopened = beatbook_store::Store::open(&d.path(), support::PIN).unwrap();
    *d.store.lock().unwrap() = reopened;
    d.add_concern("Claims another author", CAMDEN.0, CAMDEN.1);
    let r = d.sync().await.unwrap();
    assert_eq!((r.rejected, r.acked), (1, 0));
    let rejected = d.store.lock().unwrap().rejected_ops().unwrap();
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0].reason.starts_with("wrong_author"),
        "{:?}",
        rejected[0]
    );
    // Still there, and not sent again as if new.
    assert_eq!(d.store.lock().unwrap().count().unwrap(), 1);
    assert_eq!(d.sync().await.unwrap().pushed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_answers_bad_requests_with_a_stable_code() {
    let hq = start_hq(HqSettings {
        max_body_bytes: 64 * 1024,
        ..HqSettings::default()
    })
    .await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/api/v1{p}", hq.url());
    let code = |v: serde_json::Value| v["code"].as_str().unwrap_or_default().to_owned();

    let r = http
        .post(url("/enrol"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(code(r.json().await.unwrap()), "bad_request");

    let r = http
        .post(url("/enrol"))
        .header("content-type", "application/json")
        .body(vec![b' '; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(code(r.json().await.unwrap()), "too_large");

    let r = http.get(url("/sync/pull")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(code(r.json().await.unwrap()), "unauthorised");

    let r = http
        .get(url("/health"))
        .header("beatbook-protocol", "2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 426);
    assert_eq!(code(r.json().await.unwrap()), "version_not_supported");

    let r = http
        .get(format!("{}/api/v2/sync/pull", hq.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(code(r.json().await.unwrap()), "not_found");

    let body = serde_json::json!({"code": "AAAA-BBBB-CCCC", "device_id": beatbook_domain::DeviceId::new(), "device_name": "x", "app_version": "0"});
    let r = http.post(url("/enrol")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.json::<serde_json::Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("enrolment code"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_serves_an_openapi_document_of_its_endpoints() {
    let hq = start_hq(HqSettings::default()).await;
    let r = reqwest::get(format!("{}/api/v1/openapi.json", hq.url()))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/api/v1/enrol",
        "/api/v1/login",
        "/api/v1/token/refresh",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    let schemas = &doc["components"]["schemas"];
    for schema in [
        "PushRequest",
        "PushResponse",
        "OpOutcome",
        "Session",
        "ApiErrorBody",
    ] {
        assert!(schemas.get(schema).is_some(), "schema {schema} missing");
    }
    assert_eq!(
        doc["paths"]["/api/v1/sync/push"]["post"]["responses"]["403"]["content"]
            ["application/json"]["schema"]["$ref"],
        "#/components/schemas/ApiErrorBody"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_of_team_back_fills_the_new_areas_and_purges_the_old() {
    let hq = start_hq(HqSettings::default()).await;
    let camden = device(&hq, "PC4127").await;
    let hackney = device(&hq, "PC5071").await;
    let moving = device(&hq, "PC3318").await; // Dalston SNT, about to move to Camden Town SNT
    let in_camden = camden.add_concern("Begging outside the station", CAMDEN.0, CAMDEN.1);
    let in_dalston = hackney.add_concern("Dealing by the market", DALSTON.0, DALSTON.1);
    camden.sync().await.unwrap();
    hackney.sync().await.unwrap();
    assert!(!moving.sync().await.unwrap().access_reset);
    assert_eq!(ids(&moving), vec![in_dalston]);

    let mut officer = hq
        .storage
        .officer(&"PC3318".into())
        .await
        .unwrap()
        .unwrap()
        .officer;
    officer.teams = vec!["camden-town-snt".into()];
    beatbook_hq::admin::put_officer(hq.storage.as_ref(), &officer, None)
        .await
        .unwrap();

    let r = moving.sync().await.unwrap();
    assert!(r.access_reset, "{r:?}");
    assert_eq!(
        ids(&moving),
        vec![in_camden],
        "the old area's record is purged, the new one's back-filled"
    );
    assert_eq!(r.purged, 1);
    // Settled: the next sync is an ordinary one.
    assert!(!moving.sync().await.unwrap().access_reset);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_details_leave_the_device_once_hq_has_them_and_never_come_back() {
    use beatbook_domain::intel::{IntelReport, IntelSource, SourceType};
    use beatbook_domain::RecordKind;
    let hq = start_hq(HqSettings::default()).await;
    let d = device(&hq, "PC3318").await;
    let report: IntelReport = serde_json::from_value(serde_json::json!({
        "grade": {"source": "2", "intelligence": "C", "handling": {"code": "P"}},
        "security": "official_sensitive",
        "content": "Male known as 'T' selling cannabis from a grey Golf on Ridley Road, evenings",
        "checks_made": "PNC check on the partial VRM",
        "threat_to_life": false,
        "location": {"lat": DALSTON.0, "lon": DALSTON.1, "place": "Ridley Road"},
        "areas": ["E05009370", "tc-dalston"],
        "source_id": null,
        "review_state": "submitted",
        "legacy_grade": null,
        "submitted_at": "2026-11-20T20:00:00Z",
        "retention_review": "2032-11-20",
    }))
    .unwrap();
    let (report_id, source_id) = {
        let mut s = d.store.lock().unwrap();
        let report_id = s.create(&report).unwrap();
        let source_id = s
            .create(&IntelSource {
                report_id,
                source_type: SourceType::MemberOfPublic,
                name: Some("Stallholder".into()),
                contact: Some("07700 900777".into()),
                relationship: None,
                notes: String::new(),
                recorded_at: "2026-11-20T20:00:00Z".parse().unwrap(),
                retention_review: "2032-11-20".parse().unwrap(),
            })
            .unwrap();
        (report_id, source_id)
    };
    d.sync().await.unwrap();
    d.sync().await.unwrap();
    {
        let s = d.store.lock().unwrap();
        let sources = s
            .list(&ListFilter {
                kind: Some(RecordKind::IntelSource),
                ..Default::default()
            })
            .unwrap();
        assert!(
            sources.is_empty(),
            "source details still on the device: {sources:?}"
        );
        assert_eq!(s.state(source_id).unwrap_err().code(), "not_found");
    }
    assert_eq!(
        ids(&d),
        vec![report_id],
        "the author keeps their own report"
    );
    assert_eq!(
        hq.storage.counts().await.unwrap().records,
        2,
        "HQ holds both"
    );
}

/// The op log keeps each op as the device sent it (not HQ's re-encoding), and its hash chain
/// covers that text. A malformed op is refused by its position, and nothing of its push is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_logs_each_op_exactly_as_the_device_sent_it() {
    let hq = start_hq(HqSettings::default()).await;
    let a = device(&hq, "PC4127").await;
    a.add_concern("First", 51.539, -0.1426);
    a.add_concern("Second, with \"quotes\" and é", 51.539, -0.1426);
    let (ops, token) = {
        let s = a.store.lock().unwrap();
        (
            s.pending_ops_json(0, 100).unwrap(),
            s.sync_meta().unwrap().access_token.unwrap(),
        )
    };
    // The same ops as another client might write them: spaced out, keys in another order.
    let texts: Vec<String> = ops
        .iter()
        .map(|(_, op)| {
            let v: serde_json::Value = serde_json::from_str(op).unwrap();
            let mut keys: Vec<(&String, &serde_json::Value)> =
                v.as_object().unwrap().iter().collect();
            keys.reverse();
            let body: Vec<String> = keys
                .iter()
                .map(|(k, v)| format!("\n  {} : {}", serde_json::to_string(k).unwrap(), v))
                .collect();
            format!("{{{}\n}}", body.join(" ,"))
        })
        .collect();
    assert!(texts.iter().zip(&ops).all(|(t, (_, op))| t != op));
    let push = |body: String| {
        reqwest::Client::new()
            .post(format!("{}/api/v1/sync/push", hq.url()))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = push(format!(
        "{{\"ops\": [{}, {{\"device_seq\": \"two\"}}]}}",
        texts[0]
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["code"], "bad_request");
    assert!(err["message"].as_str().unwrap().contains("op 2"), "{err}");
    let device_id = a.store.lock().unwrap().device_id();
    assert!(hq.storage.op_log(device_id).await.unwrap().is_empty());

    let r = push(format!("{{\"ops\": [{}]}}", texts.join(",")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let logged = hq.storage.op_log(device_id).await.unwrap();
    assert_eq!(
        logged.iter().map(|l| l.op_json.clone()).collect::<Vec<_>>(),
        texts
    );
    assert!(beatbook_hq::push::verify_chain(&logged).ok);
    // The device hears its ops were applied, and its next sync sends them as duplicates only.
    let report = a.sync().await.unwrap();
    assert_eq!(report.rejected, 0);
    assert_eq!(hq.storage.op_log(device_id).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_of_many_records_goes_in_growing_pushes_and_pages_and_arrives_whole() {
    let hq = start_hq(HqSettings::default()).await;
    let first = device(&hq, "PC4127").await;
    // Enough for three pushes and three pull pages: the first ones are smaller.
    let n = beatbook_sync::push_batch_size(0) + beatbook_sync::push_batch_size(1) + 200;
    let lines: String = (0..n)
        .map(|i| {
            serde_json::json!({
                "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
                "description": format!("Concern {i} near the station"),
                "location": {"lat": CAMDEN.0, "lon": CAMDEN.1, "place": null},
            })
            .to_string()
                + "\n"
        })
        .collect();
    let imported = first
        .store
        .lock()
        .unwrap()
        .import_concerns(lines.as_bytes())
        .unwrap();
    assert_eq!(imported.imported as usize, n);

    let pushed = first.sync().await.unwrap();
    assert_eq!(
        (pushed.pushed, pushed.acked, pushed.rejected, pushed.pending),
        (n as u64, n as u64, 0, 0)
    );
    let first_id = first.store.lock().unwrap().device_id();
    let ops: Vec<u64> = hq
        .storage
        .op_log(first_id)
        .await
        .unwrap()
        .iter()
        .map(|o| o.device_seq)
        .collect();
    assert_eq!(
        ops,
        (1..=n as u64).collect::<Vec<_>>(),
        "each op once, in order"
    );

    // The same officer's second tablet pulls them all, page by growing page.
    let second = device(&hq, "PC4127").await;
    let pulled = second.sync().await.unwrap();
    assert_eq!(pulled.pulled, n as u64);
    let all = |d: &support::Device| {
        let mut v: Vec<_> = d
            .store
            .lock()
            .unwrap()
            .list(&ListFilter {
                limit: Some(10_000),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        v.sort();
        v
    };
    assert_eq!(all(&second).len(), n);
    assert_eq!(all(&second), all(&first));
    assert_eq!(pulled.cursor, hq.storage.head().await.unwrap());
    let second_id = second.store.lock().unwrap().device_id();
    let mut pages: Vec<usize> = hq
        .storage
        .access_log(&beatbook_hq::storage::AccessQuery {
            device_id: Some(second_id),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "pull")
        .map(|e| e.record_ids.len())
        .collect();
    pages.sort_unstable();
    let mut expected = vec![
        beatbook_sync::pull_page_size(0) as usize,
        beatbook_sync::pull_page_size(1) as usize,
        200,
    ];
    expected.sort_unstable();
    assert_eq!(pages, expected, "one access-log entry per page sent");
    // Searchable once the sync is over.
    let found = second
        .store
        .lock()
        .unwrap()
        .search("Concern 1234", &ListFilter::default())
        .unwrap();
    assert!(
        found
            .iter()
            .any(|r| r.body["description"] == "Concern 1234 near the station"),
        "{found:?}"
    );
}

/// HQ restored from an older backup has lost ops it had acknowledged, whose text has since left
/// the tablet. The tablet sends those again without content (so HQ's numbering of it has no gap)
/// and its later work reaches HQ: it is never stuck refusing every push.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_carries_on_after_hq_is_restored_from_an_older_backup() {
    use beatbook_hq::HqState;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("hq.db");
    let db = format!("sqlite:{}", db_path.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // HQ on a fixed address, as a restarted HQ is.
    async fn serve(
        db: &str,
        port: u16,
    ) -> (Arc<dyn beatbook_hq::Storage>, tokio::task::JoinHandle<()>) {
        let storage = beatbook_hq::open_storage(db, &support::hq_key())
            .await
            .unwrap();
        beatbook_hq::admin::seed_demo(storage.as_ref(), support::DEMO_PASSWORD)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let state = HqState::new(storage.clone(), Arc::new(HqSettings::default()))
            .with_key(support::hq_key());
        let server = tokio::spawn(async move {
            let _ = beatbook_hq::serve(listener, state).await;
        });
        (storage, server)
    }
    let files = |suffix: &str| dir.path().join(format!("hq.db{suffix}"));

    let (storage, server) = serve(&db, port).await;
    let code = beatbook_hq::admin::enrolment_code(storage.as_ref(), 1)
        .await
        .unwrap();
    let d = support::device_at(&format!("http://127.0.0.1:{port}"), &code, "PC4127").await;
    let first = d.add_concern("Before the backup", CAMDEN.0, CAMDEN.1);
    d.sync().await.unwrap();
    // The backup: HQ's database as it stands (its file and its WAL).
    let backup = tempfile::tempdir().unwrap();
    for suffix in ["", "-wal"] {
        if files(suffix).exists() {
            std::fs::copy(files(suffix), backup.path().join(suffix.to_owned() + "x")).unwrap();
        }
    }
    let lost = d.add_concern("After the backup", CAMDEN.0, CAMDEN.1);
    let r = d.sync().await.unwrap();
    assert_eq!((r.acked, r.pending), (1, 0));
    server.abort();
    drop(storage);

    // HQ is restored from the backup: it has forgotten the second concern and the op that made it.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(files(suffix));
    }
    for suffix in ["", "-wal"] {
        let saved = backup.path().join(suffix.to_owned() + "x");
        if saved.exists() {
            std::fs::copy(saved, files(suffix)).unwrap();
        }
    }
    let (storage, _server) = serve(&db, port).await;
    assert!(storage.record(lost).await.unwrap().is_none());

    let later = d.add_concern("After the restore", CAMDEN.0, CAMDEN.1);
    let r = d.sync().await.expect("the tablet syncs after HQ's restore");
    assert!(r.resent >= 1, "{r:?}");
    assert_eq!(r.pending, 0, "{r:?}");
    assert!(storage.record(first).await.unwrap().is_some());
    assert!(
        storage.record(later).await.unwrap().is_some(),
        "work after the restore reaches HQ"
    );
    // The tablet still holds what HQ lost; HQ's chain of this device has no gap and verifies.
    assert!(d.store.lock().unwrap().state(lost).is_ok());
    let chains = beatbook_hq::admin::verify_chains(storage.as_ref())
        .await
        .unwrap();
    assert!(chains.iter().all(|(_, r)| r.ok), "{chains:?}");
    assert_eq!(d.sync().await.unwrap().pending, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_teaches_the_tablet_hqs_time() {
    let hq = start_hq(HqSettings::default()).await;
    let d = device(&hq, "PC4127").await;
    d.add_concern("Street drinking by the station", CAMDEN.0, CAMDEN.1);
    d.sync().await.unwrap();
    // HQ and this tablet share a clock here: the tablet learnt it is (about) right.
    let ahead = d.engine.status().await.unwrap().clock_ahead_ms;
    assert!(ahead.is_some_and(|ms| ms.abs() < 10_000), "{ahead:?}");
    // Its hybrid clock is at least at HQ's time as of that sync.
    let last = d.store.lock().unwrap().clock_last();
    let now = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap();
    assert!(last.wall_ms + 60_000 > now, "{last:?}");
}
