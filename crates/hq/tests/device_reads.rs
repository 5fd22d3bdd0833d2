//! The tablet's reads reach HQ's access log (`POST /api/v1/sync/reads`), over HTTP (the real
//! router, in process) against SQLite always and PostgreSQL (see `support`): each read logged
//! once with the device, the officer and the shift in words as its purpose; a batch sent again
//! logs nothing twice; bad input is refused field by field and logs nothing; a revoked device is
//! told to wipe.

use axum::http::StatusCode;
use beatbook_domain::RecordId;
use beatbook_hq::storage::AccessQuery;
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use support::http::{Device, Hq};
use support::{story, Db, FromDb};

mod support;

story!(a_tablets_reads_go_into_the_access_log_once_with_the_shift_as_purpose);
story!(bad_reads_are_refused_field_by_field_and_nothing_of_the_batch_is_logged);
story!(a_revoked_device_is_told_to_wipe_and_nothing_is_logged);

impl FromDb for Hq {
    async fn from_db(db: Db) -> Self {
        Hq::demo(db).await
    }
}

fn shift() -> Value {
    json!({"teams": ["Camden Town Centre Team"], "areas": ["Camden Town", "Kentish Town"]})
}

fn read(seq: u64, action: &str, ids: &[RecordId], detail: &str) -> Value {
    json!({
        "seq": seq,
        "at": (Utc::now() - Duration::minutes(5)).to_rfc3339(),
        "action": action,
        "record_ids": ids,
        "detail": detail,
        "shift": shift(),
    })
}

async fn device_log(hq: &Hq, device: &Device) -> Vec<beatbook_hq::dashboard::audit::AccessEntry> {
    hq.state
        .storage
        .access_log(&AccessQuery {
            device_id: Some(device.id),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
}

async fn a_tablets_reads_go_into_the_access_log_once_with_the_shift_as_purpose(db: Db) {
    let hq = Hq::demo(db.clone()).await;
    let tablet = Device::enrol(&hq, "PC4127").await;
    let (a, b) = (RecordId::new(), RecordId::new());
    let at = Utc::now() - Duration::minutes(5);
    let mut first = read(1, "view", &[a], "");
    first["at"] = json!(at.to_rfc3339());
    let batch = json!({"reads": [
        first,
        read(2, "search", &[a, b], "canal"),
        read(3, "list", &[b], "concern, status closed"),
    ]});
    let answer = hq
        .post("/api/v1/sync/reads", &tablet.token, batch.clone())
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["acknowledged"], json!([1, 2, 3]));
    assert_eq!(answer.body["logged"], 3);

    let log = device_log(&hq, &tablet).await;
    assert_eq!(log.len(), 3, "{log:?}");
    // Newest first: the list, the search, the view.
    let view = &log[2];
    assert_eq!(view.action, "view");
    assert_eq!(view.officer_id.as_str(), "PC4127");
    assert_eq!(view.device_id, Some(tablet.id));
    assert_eq!(view.record_ids, vec![a]);
    assert_eq!(view.detail, "Opened on the tablet");
    assert_eq!(
        view.purpose,
        "On duty: Camden Town Centre Team, Camden Town, Kentish Town"
    );
    // The time the officer read, not the time of the sync.
    assert!(
        (view.at - at).num_milliseconds().abs() < 1_000,
        "{}",
        view.at
    );
    assert_eq!(log[1].action, "search");
    assert_eq!(log[1].record_ids, vec![a, b]);
    assert_eq!(
        log[1].detail,
        "Searched on the tablet for \u{201c}canal\u{201d}"
    );
    assert_eq!(log[0].action, "list");
    assert_eq!(
        log[0].detail,
        "Listed on the tablet: concern, status closed"
    );
    // A record's disclosure history finds the tablet's read.
    let of_b = hq
        .state
        .storage
        .access_log(&AccessQuery {
            record_id: Some(b),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(of_b.len(), 2);

    // The answer was lost: the tablet sends the same batch again, with one read more.
    let mut again = batch.clone();
    again["reads"]
        .as_array_mut()
        .unwrap()
        .push(read(4, "view", &[b], ""));
    let answer = hq.post("/api/v1/sync/reads", &tablet.token, again).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["acknowledged"], json!([1, 2, 3, 4]));
    assert_eq!(answer.body["logged"], 1);
    assert_eq!(device_log(&hq, &tablet).await.len(), 4);
    // The same numbers from another tablet are that tablet's own reads.
    let other = Device::enrol(&hq, "PC2290").await;
    let answer = hq
        .post(
            "/api/v1/sync/reads",
            &other.token,
            json!({"reads": [read(1, "view", &[a], "")]}),
        )
        .await;
    assert_eq!(answer.body["logged"], 1, "{}", answer.text);
    let theirs = device_log(&hq, &other).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].officer_id.as_str(), "PC2290");

    // A tablet whose clock is wrong: its read is logged at the time HQ received it.
    let answer = hq
        .post(
            "/api/v1/sync/reads",
            &tablet.token,
            json!({"reads": [{
                "seq": 5, "at": (Utc::now() + Duration::hours(23)).to_rfc3339(), "action": "view",
                "record_ids": [a], "detail": "", "shift": shift(),
            }]}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let newest = &device_log(&hq, &tablet).await[0];
    assert!(newest.at <= Utc::now(), "{}", newest.at);

    // The endpoint is documented.
    let doc = hq
        .call(axum::http::Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert!(
        doc.body["paths"]["/api/v1/sync/reads"]["post"].is_object(),
        "POST /api/v1/sync/reads is in the OpenAPI document"
    );

    // The ledger is append-only.
    for sql in [
        "UPDATE device_reads SET seq = 99",
        "DELETE FROM device_reads",
    ] {
        let err = db.exec(sql).await.expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

async fn bad_reads_are_refused_field_by_field_and_nothing_of_the_batch_is_logged(hq: Hq) {
    let tablet = Device::enrol(&hq, "PC4127").await;
    let id = RecordId::new();
    let batch = json!({"reads": [
        read(1, "view", &[id], ""),
        read(0, "view", &[id], ""),
        read(1, "view", &[], ""),
        read(3, "search", &[id], &"x".repeat(501)),
    ]});
    let answer = hq.post("/api/v1/sync/reads", &tablet.token, batch).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.body["code"], "bad_request");
    let fields: Vec<&str> = answer.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"reads[1].seq"), "{fields:?}");
    assert!(fields.contains(&"reads[2].seq"), "{fields:?}");
    assert!(fields.contains(&"reads[2].record_ids"), "{fields:?}");
    assert!(fields.contains(&"reads[3].detail"), "{fields:?}");
    let message = answer.body["message"].as_str().unwrap();
    assert!(message.contains("at most 500 characters"), "{message}");
    assert!(device_log(&hq, &tablet).await.is_empty());

    // Not a read at all: refused in words.
    let answer = hq
        .post(
            "/api/v1/sync/reads",
            &tablet.token,
            json!({"reads": [{"seq": 1, "action": "print"}]}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert!(device_log(&hq, &tablet).await.is_empty());

    // Put right, the first read is logged (nothing of the refused batch was kept).
    let answer = hq
        .post(
            "/api/v1/sync/reads",
            &tablet.token,
            json!({"reads": [read(1, "view", &[id], "")]}),
        )
        .await;
    assert_eq!(answer.body["logged"], 1, "{}", answer.text);

    // No token: refused.
    let answer = hq
        .call(
            axum::http::Method::POST,
            "/api/v1/sync/reads",
            None,
            Some(json!({"reads": []})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

async fn a_revoked_device_is_told_to_wipe_and_nothing_is_logged(hq: Hq) {
    let tablet = Device::enrol(&hq, "PC4127").await;
    beatbook_hq::admin::revoke_device(hq.state.storage.as_ref(), tablet.id)
        .await
        .unwrap();
    let answer = hq
        .post(
            "/api/v1/sync/reads",
            &tablet.token,
            json!({"reads": [read(1, "view", &[RecordId::new()], "")]}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
    assert_eq!(answer.body["code"], "device_revoked");
    assert!(device_log(&hq, &tablet).await.is_empty());
}
