//! Enrolment (see `beatbook_hq::enrolment`), over HTTP on SQLite and PostgreSQL: a lost answer is
//! answered again, an enrolment nobody signs in on lapses, HQ's own review device id is reserved,
//! wrong codes are throttled, and a shift starting on many tablets at once is not taken for
//! password guessing.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use beatbook_domain::DeviceId;
use beatbook_hq::admin;
use beatbook_hq::intel_review::HQ_REVIEW_DEVICE;
use chrono::{Duration, Utc};
use serde_json::json;
use std::net::SocketAddr;
use support::http::{Answer, Hq, PASSWORD};
use support::{story, Db};

mod support;

const OFFICER: &str = "PC4127";

async fn code(hq: &Hq) -> String {
    admin::enrolment_code(hq.state.storage.as_ref(), 1)
        .await
        .unwrap()
}

async fn enrol(hq: &Hq, code: &str, id: DeviceId, from: Option<&str>) -> Answer {
    let body =
        json!({"code": code, "device_id": id, "device_name": "Tablet 14", "app_version": "0.1.0"});
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/enrol")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    if let Some(addr) = from {
        req.extensions_mut()
            .insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
    }
    hq.send(req).await
}

async fn login(hq: &Hq, id: DeviceId, secret: &str, password: &str) -> Answer {
    hq.call(
        Method::POST,
        "/api/v1/login",
        None,
        Some(json!({"device_id": id, "device_secret": secret, "collar_number": OFFICER, "password": password})),
    )
    .await
}

fn secret(a: &Answer) -> String {
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.body["device_secret"].as_str().unwrap().to_owned()
}

fn message(a: &Answer) -> &str {
    a.body["message"].as_str().unwrap_or_default()
}

story!(a_retried_enrolment_gets_the_same_answer_until_the_first_sign_in);
async fn a_retried_enrolment_gets_the_same_answer_until_the_first_sign_in(db: Db) {
    let hq = Hq::demo(db).await;
    let code = code(&hq).await;
    let id = DeviceId::new();
    // The first answer was lost on the way: the device tries again, as the code was typed.
    let first = secret(&enrol(&hq, &code, id, None).await);
    let typed = code.to_lowercase().replace('-', " ");
    let again = secret(&enrol(&hq, &typed, id, None).await);
    assert_eq!(first, again, "a retry gets the same secret");
    // Another device cannot use the code, whether or not the first one signed in.
    let other = enrol(&hq, &code, DeviceId::new(), None).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.text);
    assert!(
        message(&other).contains("ask HQ for a new one"),
        "{}",
        other.text
    );

    let a = login(&hq, id, &again, PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // Signed in: HQ no longer holds the secret to give, and the retry is a conflict that asks
    // for nothing to be wiped.
    assert!(hq
        .state
        .storage
        .pending_enrolment(id)
        .await
        .unwrap()
        .is_none());
    let late = enrol(&hq, &code, id, None).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
    assert!(message(&late).contains("sign in"), "{}", late.text);
    assert!(!late.text.to_lowercase().contains("wipe"), "{}", late.text);
    // The sign-in still works with the secret.
    let a = login(&hq, id, &first, PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

story!(a_new_code_replaces_an_enrolment_nobody_signed_in_on);
async fn a_new_code_replaces_an_enrolment_nobody_signed_in_on(db: Db) {
    let hq = Hq::demo(db).await;
    let id = DeviceId::new();
    let old = secret(&enrol(&hq, &code(&hq).await, id, None).await);
    // The answer never arrived and the officer asked HQ for another code.
    let new = secret(&enrol(&hq, &code(&hq).await, id, None).await);
    assert_ne!(old, new);
    let a = login(&hq, id, &old, PASSWORD).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    let a = login(&hq, id, &new, PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(hq.state.storage.devices().await.unwrap().len(), 1);
}

story!(an_enrolment_never_signed_in_on_lapses_and_a_new_code_works);
async fn an_enrolment_never_signed_in_on_lapses_and_a_new_code_works(db: Db) {
    let hq = Hq::demo(db).await;
    let id = DeviceId::new();
    let kept = DeviceId::new();
    let lapsing = secret(&enrol(&hq, &code(&hq).await, id, None).await);
    let signed_in = secret(&enrol(&hq, &code(&hq).await, kept, None).await);
    assert_eq!(
        login(&hq, kept, &signed_in, PASSWORD).await.status,
        StatusCode::OK
    );
    // Not yet.
    let hours = hq.state.settings.enrolment_code_hours;
    let soon = Utc::now() + Duration::hours(hours) - Duration::minutes(5);
    assert_eq!(
        beatbook_hq::enrolment::lapse(&hq.state, soon)
            .await
            .unwrap(),
        0
    );
    let later = Utc::now() + Duration::hours(hours) + Duration::minutes(1);
    assert_eq!(
        beatbook_hq::enrolment::lapse(&hq.state, later)
            .await
            .unwrap(),
        1
    );
    assert!(hq.state.storage.device(id).await.unwrap().is_none());
    assert!(hq.state.storage.device(kept).await.unwrap().is_some());
    // The lapsed secret no longer signs in; a new code enrols the same tablet.
    let a = login(&hq, id, &lapsing, PASSWORD).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    let fresh = secret(&enrol(&hq, &code(&hq).await, id, None).await);
    assert_eq!(
        login(&hq, id, &fresh, PASSWORD).await.status,
        StatusCode::OK
    );
    let log = hq
        .state
        .storage
        .admin_log(&beatbook_hq::storage::AdminLogQuery {
            action: Some("enrolment_lapsed".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        log.iter().any(|e| e.action == "enrolment_lapsed"),
        "the lapse is in the admin log"
    );
}

story!(hq_review_device_id_is_reserved);
async fn hq_review_device_id_is_reserved(db: Db) {
    let hq = Hq::demo(db).await;
    let a = enrol(&hq, &code(&hq).await, HQ_REVIEW_DEVICE, None).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    assert!(message(&a).contains("reserved for HQ"), "{}", a.text);
    // Its code was not used up by the refusal, and HQ's own review device is still HQ's.
    beatbook_hq::intel_review::ensure_review_device(&hq.state)
        .await
        .unwrap();
    let a = enrol(&hq, &code(&hq).await, HQ_REVIEW_DEVICE, None).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    let a = login(&hq, HQ_REVIEW_DEVICE, "anything", PASSWORD).await;
    assert!(a.status.is_client_error(), "{}", a.text);
    assert_ne!(a.status, StatusCode::OK);
}

story!(wrong_codes_are_throttled_per_address_and_overall);
async fn wrong_codes_are_throttled_per_address_and_overall(db: Db) {
    let hq = Hq::demo(db).await.with_settings(|s| {
        s.enrolment.address_max_failures = 3;
        s.enrolment.max_failures = 5;
    });
    let guess = |n: usize| format!("AAAA-BBBB-{n:04}");
    let from = "203.0.113.7:5000";
    for n in 0..3 {
        let a = enrol(&hq, &guess(n), DeviceId::new(), Some(from)).await;
        if n < 2 {
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
        } else {
            assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
        }
    }
    // Paused from that address, even with a right code, which is not looked at.
    let right = code(&hq).await;
    let a = enrol(&hq, &right, DeviceId::new(), Some(from)).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
    assert!(a.headers.contains_key(header::RETRY_AFTER));
    assert!(
        message(&a).contains("from this network address"),
        "{}",
        a.text
    );
    // Another address still enrols, and a right code costs nothing.
    let ok = enrol(&hq, &right, DeviceId::new(), Some("198.51.100.2:5000")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    // Guessing from many addresses pauses enrolment as a whole.
    let mut paused = None;
    for n in 10..20 {
        let a = enrol(
            &hq,
            &guess(n),
            DeviceId::new(),
            Some(&format!("192.0.2.{n}:5000")),
        )
        .await;
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            paused = Some(a);
            break;
        }
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    }
    let paused = paused.expect("enrolment as a whole is paused");
    assert!(message(&paused).contains("for everyone"), "{}", paused.text);
}

story!(many_right_sign_ins_at_once_for_one_officer_are_not_guessing);
async fn many_right_sign_ins_at_once_for_one_officer_are_not_guessing(db: Db) {
    let hq = Hq::demo(db).await;
    // A shift starts on twelve tablets at once, more than the five wrong passwords that pause.
    let mut tablets = Vec::new();
    for _ in 0..12 {
        let id = DeviceId::new();
        let s = secret(&enrol(&hq, &code(&hq).await, id, None).await);
        tablets.push((id, s));
    }
    let mut all = tokio::task::JoinSet::new();
    for (id, s) in tablets.clone() {
        let hq = hq.clone();
        all.spawn(async move {
            let a = login(&hq, id, &s, PASSWORD).await;
            (a.status, a.text)
        });
    }
    while let Some(answer) = all.join_next().await {
        let (status, text) = answer.unwrap();
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    // Nothing was counted against the collar number: a wrong password now is only wrong.
    let (id, s) = &tablets[0];
    let a = login(&hq, *id, s, "not-the-password").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    assert!(!message(&a).contains("pause"), "{}", a.text);
}
