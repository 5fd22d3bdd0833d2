//! What a request may take of HQ and what it gets back (see `beatbook_hq::limits` and
//! `beatbook_hq::extract`): body limits per route counted as the body expands, a time limit, a
//! limit on requests in progress, the dashboard's Origin check, no NUL characters, no panics
//! from dates, numbers out of range refused, and every error as `{code, message}` JSON with the
//! headers every API answer carries. The real router, in process.

use axum::body::{Body, Bytes};
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use std::io::Read;
use support::http::{Answer, Hq, PASSWORD, PURPOSE};
use support::{story, Db, FromDb};

mod support;

impl FromDb for Hq {
    async fn from_db(db: Db) -> Self {
        Hq::demo(db).await
    }
}

/// HQ's `{code, message}` with this status and code; the message, for more checks.
#[track_caller]
fn refused(a: &Answer, status: StatusCode, code: &str) -> String {
    assert_eq!(a.status, status, "{}", a.text);
    let ct = a.headers[header::CONTENT_TYPE].to_str().unwrap();
    assert!(ct.starts_with("application/json"), "{ct}: {}", a.text);
    assert_eq!(a.body["code"], code, "{}", a.text);
    let message = a.body["message"].as_str().unwrap().to_owned();
    assert!(!message.is_empty());
    message
}

/// This process's resident memory, in bytes (Linux).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

story!(a_zstd_bomb_on_enrolment_is_too_large_and_not_held_in_memory);
async fn a_zstd_bomb_on_enrolment_is_too_large_and_not_held_in_memory(hq: Hq) {
    // 64 MiB of JSON-ish text, compressed to a couple of KiB.
    let bomb = zstd::encode_all(std::io::repeat(b' ').take(64 << 20), 3).unwrap();
    assert!(bomb.len() < 8 * 1024, "{} bytes", bomb.len());
    let before = rss();
    let a = hq
        .send(
            Request::post("/api/v1/enrol")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_ENCODING, "zstd")
                .body(Body::from(bomb.clone()))
                .unwrap(),
        )
        .await;
    let message = refused(&a, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    assert!(message.contains("16 KiB"), "{message}");
    // A sanity bound, not a measurement: the body was cut off after its first KiBs, not
    // expanded to 64 MiB (which held ~270 MiB before).
    let grown = rss().saturating_sub(before);
    assert!(grown < 32 << 20, "grew {grown} bytes");

    // The same on a dashboard form and on sign-in; a push takes it up to `max_body_bytes`, and
    // beyond that it too is 413.
    let admin = hq.sign_in("AD0001").await;
    for path in [
        "/api/v1/login",
        "/api/v1/hq/login",
        "/api/v1/hq/admin/areas",
    ] {
        let a = hq
            .send(
                Request::post(path)
                    .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::CONTENT_ENCODING, "zstd")
                    .body(Body::from(bomb.clone()))
                    .unwrap(),
            )
            .await;
        refused(&a, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    }
    let small = hq.with_settings(|s| s.max_body_bytes = 1 << 20);
    let device = support::http::Device::enrol(&small, "PC4127").await;
    let a = small
        .send(
            Request::post("/api/v1/sync/push")
                .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_ENCODING, "zstd")
                .body(Body::from(bomb))
                .unwrap(),
        )
        .await;
    refused(&a, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
}

story!(sign_in_enrolment_and_refresh_take_small_bodies_and_say_so_before_reading);
async fn sign_in_enrolment_and_refresh_take_small_bodies_and_say_so_before_reading(hq: Hq) {
    let big = json!({"collar_number": "PS1102", "password": "x".repeat(20 * 1024)});
    for path in [
        "/api/v1/enrol",
        "/api/v1/login",
        "/api/v1/token/refresh",
        "/api/v1/hq/login",
    ] {
        let a = hq.call(Method::POST, path, None, Some(big.clone())).await;
        refused(&a, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    }
    // A correct sign-in is well inside it.
    hq.sign_in("PS1102").await;
}

story!(every_error_is_json_in_words_and_every_answer_is_not_stored_or_sniffed);
async fn every_error_is_json_in_words_and_every_answer_is_not_stored_or_sniffed(hq: Hq) {
    let admin = hq.sign_in("AD0001").await;
    let ok = hq.call(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(ok.status, StatusCode::OK);

    let mut answers = vec![ok];
    // A malformed query string, a number out of range, a path that does not parse, a method
    // not allowed, no such endpoint, an encoding HQ does not take, a body that is not JSON.
    let a = hq.get("/api/v1/hq/admin/audit?limit=lots", &admin).await;
    let m = refused(&a, StatusCode::BAD_REQUEST, "bad_request");
    assert!(m.contains("limit"), "{m}");
    answers.push(a);
    let a = hq
        .get("/api/v1/hq/admin/audit?limit=2147483648", &admin)
        .await;
    let m = refused(&a, StatusCode::BAD_REQUEST, "bad_request");
    assert!(m.contains("out of range"), "{m}");
    answers.push(a);
    let a = hq.read("/api/v1/hq/records?limit=2147483648", &admin).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    answers.push(a);
    let a = hq.read("/api/v1/hq/records/not-a-record", &admin).await;
    let m = refused(&a, StatusCode::BAD_REQUEST, "bad_request");
    assert!(m.starts_with("the address is not valid"), "{m}");
    answers.push(a);
    let a = hq
        .call(Method::DELETE, "/api/v1/hq/admin/areas", Some(&admin), None)
        .await;
    let m = refused(&a, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(m.contains("does not take DELETE"), "{m}");
    answers.push(a);
    let a = hq.get("/api/v1/nowhere", &admin).await;
    refused(&a, StatusCode::NOT_FOUND, "not_found");
    answers.push(a);
    let a = hq
        .send(
            Request::post("/api/v1/enrol")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_ENCODING, "br")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    refused(
        &a,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    answers.push(a);
    let a = hq
        .send(
            Request::post("/api/v1/hq/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
    refused(&a, StatusCode::BAD_REQUEST, "bad_request");
    answers.push(a);

    // A dashboard form with no JSON content type, or of the wrong shape: 400 in words (not
    // axum's 415 and 422 in text).
    let dpo = hq.sign_in("DP0001").await;
    let a = hq
        .send(
            Request::post("/api/v1/hq/subject-access/requests")
                .header(header::AUTHORIZATION, format!("Bearer {dpo}"))
                .header(beatbook_domain::purpose::HEADER, PURPOSE)
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    let m = refused(&a, StatusCode::BAD_REQUEST, "bad_request");
    assert!(m.contains("Content-Type"), "{m}");
    answers.push(a);
    let a = hq
        .send(
            Request::post("/api/v1/hq/subject-access/requests")
                .header(header::AUTHORIZATION, format!("Bearer {dpo}"))
                .header(beatbook_domain::purpose::HEADER, PURPOSE)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"nothing": "of the right shape"}"#))
                .unwrap(),
        )
        .await;
    refused(&a, StatusCode::BAD_REQUEST, "bad_request");
    answers.push(a);
    let a = hq
        .read("/api/v1/hq/subject-access?name=Smith&per_page=101", &dpo)
        .await;
    let m = refused(&a, StatusCode::BAD_REQUEST, "bad_request");
    assert!(m.contains("out of range"), "{m}");
    answers.push(a);
    let a = hq.get("/api/v1/hq/framework?period=", &admin).await;
    refused(&a, StatusCode::BAD_REQUEST, "bad_request");
    answers.push(a);

    for a in &answers {
        assert_eq!(a.headers[header::CACHE_CONTROL], "no-store", "{}", a.text);
        assert_eq!(a.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}

story!(dates_far_in_the_future_are_refused_in_words_not_a_panic);
async fn dates_far_in_the_future_are_refused_in_words_not_a_panic(hq: Hq) {
    let sergeant = hq.sign_in("PS1102").await;
    for far in ["+262142-12-31", "-262143-01-01"] {
        for path in [
            format!("/api/v1/hq/framework?to={far}"),
            format!("/api/v1/hq/framework?from={far}"),
            format!("/api/v1/hq/framework.csv?to={far}"),
            format!(
                "/api/v1/hq/framework/cell?unit=camden-tct&measure=concerns_answered_72h&to={far}"
            ),
            format!("/api/v1/hq/framework/officers?team=camden-tct&to={far}"),
            format!("/api/v1/hq/framework/overlaps?to={far}"),
            format!("/api/v1/hq/framework/overlaps?from={far}"),
        ] {
            let path = path.replace('+', "%2B");
            let a = hq.read(&path, &sergeant).await;
            let m = refused(&a, StatusCode::BAD_REQUEST, "bad_request");
            assert!(m.contains("out of range"), "{path}: {m}");
        }
    }
    // Ordinary dates still work.
    let a = hq
        .get(
            "/api/v1/hq/framework?from=2026-01-01&to=2026-01-31",
            &sergeant,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

story!(a_nul_character_is_refused_in_words_before_the_database);
async fn a_nul_character_is_refused_in_words_before_the_database(hq: Hq) {
    // In a JSON body: a collar number at sign-in, device and dashboard.
    let device_id = beatbook_domain::DeviceId::new();
    let a = hq
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({
                "device_id": device_id,
                "device_secret": "s",
                "collar_number": "PC\u{0}1001",
                "password": PASSWORD,
            })),
        )
        .await;
    let m = refused(&a, StatusCode::BAD_REQUEST, "bad_request");
    assert!(m.contains("NUL"), "{m}");
    let a = hq
        .call(
            Method::POST,
            "/api/v1/hq/login",
            None,
            Some(json!({"collar_number": "PS\u{0}1102", "password": PASSWORD})),
        )
        .await;
    refused(&a, StatusCode::BAD_REQUEST, "bad_request");

    // In the address: an officer, area or team filter.
    let sergeant = hq.sign_in("PS1102").await;
    for path in [
        "/api/v1/hq/records?officer=PC%001001",
        "/api/v1/hq/records?area=camden%00",
        "/api/v1/hq/framework/officers?team=camden-tct%00",
        "/api/v1/hq/admin/audit?officer=PC1001%00",
    ] {
        let a = hq.read(path, &sergeant).await;
        let m = refused(&a, StatusCode::BAD_REQUEST, "bad_request");
        assert!(m.contains("NUL"), "{path}: {m}");
    }
    // An escaped backslash before `u0000` is text, not a NUL: refused for what it is (a wrong
    // password), not as a NUL.
    let a = hq
        .call(
            Method::POST,
            "/api/v1/hq/login",
            None,
            Some(json!({"collar_number": "PS1102", "password": "\\u0000"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
}

story!(the_dashboard_takes_changes_only_from_its_own_pages);
async fn the_dashboard_takes_changes_only_from_its_own_pages(hq: Hq) {
    let sign_in = |origin: Option<&'static str>| {
        let mut req = Request::post("/api/v1/hq/login")
            .header(header::HOST, "hq.force.example")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        req.body(Body::from(
            json!({"collar_number": "PS1102", "password": PASSWORD}).to_string(),
        ))
        .unwrap()
    };
    // Signing in from another site is refused; from HQ's own page, or a script, it works.
    let a = hq.send(sign_in(Some("https://evil.example"))).await;
    let m = refused(&a, StatusCode::FORBIDDEN, "forbidden");
    assert!(m.contains("another site"), "{m}");
    let a = hq.send(sign_in(Some("https://hq.force.example"))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let cookie = a.headers[header::SET_COOKIE].to_str().unwrap();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let token = hq.send(sign_in(None)).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let change = |origin: Option<&str>, cookie: Option<&str>, bearer: Option<&str>| {
        let mut req = Request::post("/api/v1/hq/admin/verify-chains")
            .header(header::HOST, "hq.force.example");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        if let Some(t) = bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        req.body(Body::empty()).unwrap()
    };
    // With the cookie: from another site, or with no Origin at all, refused before anything.
    let a = hq
        .send(change(Some("https://evil.example"), Some(&pair), None))
        .await;
    refused(&a, StatusCode::FORBIDDEN, "forbidden");
    let a = hq.send(change(None, Some(&pair), None)).await;
    let m = refused(&a, StatusCode::FORBIDDEN, "forbidden");
    assert!(m.contains("Origin"), "{m}");
    // From the page itself it reaches the endpoint (a supervisor is then refused by role, not
    // by origin); a script with a bearer token and no Origin does too.
    let a = hq
        .send(change(Some("https://hq.force.example"), Some(&pair), None))
        .await;
    let m = refused(&a, StatusCode::FORBIDDEN, "forbidden");
    assert!(!m.contains("another site") && !m.contains("Origin"), "{m}");
    let a = hq.send(change(None, None, Some(&token))).await;
    let m = refused(&a, StatusCode::FORBIDDEN, "forbidden");
    assert!(!m.contains("Origin"), "{m}");
    // Reads are not changes.
    let a = hq
        .send(
            Request::get("/api/v1/hq/me")
                .header(header::COOKIE, &pair)
                .header(header::ORIGIN, "https://evil.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

/// A body that sends its first bytes and then nothing more.
fn stalled_body() -> Body {
    use futures_util::StreamExt;
    let first = futures_util::stream::once(async { Ok::<_, std::io::Error>(Bytes::from("{")) });
    Body::from_stream(first.chain(futures_util::stream::pending()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_requests_in_progress_hq_is_busy_and_says_when_to_try_again() {
    support::on_sqlite(|hq: Hq| async move {
        let hq = hq.with_settings(|s| s.requests.max_in_flight = 1);
        // One request holds the only place while its body stalls...
        let stall = || {
            let hq = hq.clone();
            tokio::spawn(async move {
                hq.send(
                    Request::post("/api/v1/hq/login")
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(stalled_body())
                        .unwrap(),
                )
                .await
            })
        };
        let mut slow = stall();
        // ...so another is told HQ is busy, and when to try again (asked until the first has
        // taken its place: the test does not guess how long that takes). A stalled request that
        // came in while a question held the place was itself told HQ is busy: send it again.
        let mut busy = None;
        for _ in 0..2000 {
            if slow.is_finished() {
                slow = stall();
            }
            let a = hq.call(Method::GET, "/api/v1/health", None, None).await;
            if a.status == StatusCode::SERVICE_UNAVAILABLE {
                busy = Some(a);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let busy = busy.expect("a second request while the first holds the only place");
        let m = refused(&busy, StatusCode::SERVICE_UNAVAILABLE, "busy");
        assert!(m.contains("try again in 2 seconds"), "{m}");
        assert_eq!(busy.headers[header::RETRY_AFTER], "2");

        // The first gone, its place is free again.
        slow.abort();
        let _ = slow.await;
        let a = hq.call(Method::GET, "/api/v1/health", None, None).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_is_cut_off_with_408_in_words() {
    support::on_sqlite(|hq: Hq| async move {
        let hq = hq.with_settings(|s| s.requests.request_seconds = 1);
        let a = hq
            .send(
                Request::post("/api/v1/hq/login")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(stalled_body())
                    .unwrap(),
            )
            .await;
        let m = refused(&a, StatusCode::REQUEST_TIMEOUT, "timeout");
        assert!(m.contains("longer than 1 second to arrive"), "{m}");
        assert_eq!(a.headers[header::CACHE_CONTROL], "no-store");
    })
    .await;
}

#[test]
fn out_of_range_and_default_request_settings() {
    let s = beatbook_hq::HqSettings::default();
    assert_eq!(s.requests.small_body_bytes, 16 * 1024);
    assert!(s.requests.check().is_ok());
    let mut bad = s.requests.clone();
    bad.request_seconds = 0;
    assert!(bad.check().unwrap_err().contains("request_seconds"));
}
