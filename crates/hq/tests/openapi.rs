//! `/api/v1/openapi.json` documents the HQ dashboard's API: every route the dashboard's router
//! declares (`src/dashboard/mod.rs`) is in the document with its method and the staff session's
//! security, and every dashboard operation the document lists is one the router serves. And the
//! one dashboard answer that was ad hoc JSON (the framework's targets) keeps its shape as a type.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use beatbook_hq::storage::sqlite::SqliteStorage;
use beatbook_hq::{HqSettings, HqState};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

/// The dashboard's `(method, path)` pairs, read from the router's source: axum cannot list the
/// routes of a built router.
fn declared_routes() -> Vec<(String, String)> {
    let source = include_str!("../src/dashboard/mod.rs");
    let body = &source[source.find("pub fn routes()").expect("dashboard::routes")..];
    let methods = ["get", "post", "put", "patch", "delete", "head"];
    let mut routes = Vec::new();
    for call in body.split(".route(").skip(1) {
        let path = call.split('"').nth(1).expect("a route's path");
        let handlers = &call[call.find(',').expect("a route's handlers")..];
        // `get(admin::areas).post(admin::put_area)`: a method router is a method's name followed
        // by `(`, not after `::` (that is a handler, like `records::get`).
        let mut start = None;
        for (i, c) in handlers.char_indices() {
            match (c.is_ascii_alphanumeric() || c == '_', start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    let word = &handlers[s..i];
                    if c == '(' && methods.contains(&word) && !handlers[..s].ends_with("::") {
                        routes.push((word.to_owned(), format!("/api/v1/hq{path}")));
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

async fn document(router: &axum::Router) -> Value {
    let resp = router
        .clone()
        .oneshot(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn every_dashboard_route_is_in_the_openapi_document() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(
        SqliteStorage::open(
            &dir.path().join("hq.db"),
            &beatbook_hq::keys::HqKey::random(),
        )
        .unwrap(),
    );
    let router = beatbook_hq::router(HqState::new(storage, Arc::new(HqSettings::default())));
    let doc = document(&router).await;

    let declared = declared_routes();
    // 28 when written (24 paths, four with two methods): a parse finding far fewer is broken.
    assert!(
        declared.len() >= 25,
        "only {} routes read: {declared:?}",
        declared.len()
    );
    for route in [
        ("get", "/api/v1/hq/admin/officers"),
        ("post", "/api/v1/hq/admin/officers"),
        ("post", "/api/v1/hq/intel/{id}/disseminate"),
    ] {
        assert!(
            declared.contains(&(route.0.into(), route.1.into())),
            "{route:?} not read"
        );
    }

    let cookie = &doc["components"]["securitySchemes"]["hq_session"];
    assert_eq!(cookie["type"], "apiKey", "{cookie}");
    assert_eq!(cookie["in"], "cookie");
    assert_eq!(cookie["name"], beatbook_hq::dashboard::auth::COOKIE_NAME);

    let mut missing = Vec::new();
    for (method, path) in &declared {
        let op = &doc["paths"][path][method];
        if op.is_null() {
            missing.push(format!("{} {path}", method.to_uppercase()));
            continue;
        }
        assert_eq!(op["tags"][0], "hq", "{method} {path}");
        let security = op["security"].to_string();
        if path != "/api/v1/hq/login" {
            assert!(
                security.contains("hq_session"),
                "{method} {path} does not say it needs the staff session: {security}"
            );
        }
        let params = op["parameters"].to_string();
        if path.contains("{id}") {
            assert!(
                params.contains(r#""in":"path""#),
                "{method} {path}: {params}"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "not in the OpenAPI document: {missing:?}"
    );

    // The other way: nothing documented under /api/v1/hq that the router does not serve.
    let paths = doc["paths"].as_object().unwrap();
    let mut operation_ids = Vec::new();
    for (path, ops) in paths.iter().filter(|(p, _)| p.starts_with("/api/v1/hq/")) {
        for (method, op) in ops.as_object().unwrap() {
            operation_ids.push(op["operationId"].as_str().unwrap().to_owned());
            assert!(
                declared.contains(&(method.clone(), path.clone())),
                "{method} {path} is documented but not in the dashboard's routes"
            );
            let uri = path.replace("{id}", "0190a5e4-0000-7000-8000-000000000000");
            let resp = router
                .clone()
                .oneshot(
                    Request::builder()
                        .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                        .uri(&uri)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert!(
                ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&resp.status()),
                "{method} {uri}: {}",
                resp.status()
            );
        }
    }
    // Every operation id in the document is unique (they name client functions).
    let all_ids: Vec<&str> = paths
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let mut unique = all_ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        all_ids.len(),
        "duplicate operation ids: {all_ids:?}"
    );
    assert_eq!(operation_ids.len(), declared.len());
}

async fn send(router: &axum::Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn json_request(method: Method, uri: &str, token: Option<&str>, body: Value) -> Request<Body> {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    req.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn the_targets_answer_is_the_targets_set_and_the_defaults_by_scope_and_measure() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(
        SqliteStorage::open(
            &dir.path().join("hq.db"),
            &beatbook_hq::keys::HqKey::random(),
        )
        .unwrap(),
    );
    beatbook_hq::admin::seed_demo(storage.as_ref(), "demo-password-1")
        .await
        .unwrap();
    let router = beatbook_hq::router(HqState::new(storage, Arc::new(HqSettings::default())));
    let login = json!({"collar_number": "AD0001", "password": "demo-password-1"});
    let (status, session) = send(
        &router,
        json_request(Method::POST, "/api/v1/hq/login", None, login),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let token = session["token"].as_str().unwrap();
    let target = json!({"scope": "kind:snt", "measure": "concerns_closed", "target": 55.0});
    let (status, _) = send(
        &router,
        json_request(
            Method::POST,
            "/api/v1/hq/framework/targets",
            Some(token),
            target.clone(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let get = Request::get("/api/v1/hq/framework/targets")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&router, get).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["targets"], json!([target]));
    let defaults = body["defaults"].as_object().unwrap();
    assert_eq!(
        defaults.keys().collect::<Vec<_>>(),
        ["kind:snt", "kind:tct"],
        "{body}"
    );
    for scope in defaults.values() {
        let measures = scope.as_object().unwrap();
        assert_eq!(measures.len(), 6, "{scope}");
        assert!(measures["concerns_answered_72h"].is_f64(), "{scope}");
        assert!(measures["patrol_hours_peak"].is_f64(), "{scope}");
    }
}

/// What a property test from the document needs: every numeric query parameter says its range
/// (so `limit=2147483648` is out of it), every operation that takes parameters or a body lists
/// the `400` it answers to one not valid, and every operation behind a credential lists `401`.
#[tokio::test]
async fn the_document_states_ranges_and_the_refusals_a_property_test_expects() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(
        SqliteStorage::open(
            &dir.path().join("hq.db"),
            &beatbook_hq::keys::HqKey::random(),
        )
        .unwrap(),
    );
    let router = beatbook_hq::router(HqState::new(storage, Arc::new(HqSettings::default())));
    let doc = document(&router).await;

    let mut problems = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in &params {
                let schema = &p["schema"];
                if p["in"] == "query" && schema["type"] == "integer" {
                    if schema["minimum"].is_null() {
                        problems.push(format!("{name}: `{}` has no minimum", p["name"]));
                    }
                    let bounded = ["limit", "per_page", "weeks"];
                    if bounded.contains(&p["name"].as_str().unwrap()) && schema["maximum"].is_null()
                    {
                        problems.push(format!("{name}: `{}` has no maximum", p["name"]));
                    }
                }
            }
            let responses = &op["responses"];
            let takes_input = !params.is_empty() || !op["requestBody"].is_null();
            if takes_input && responses["400"].is_null() {
                problems.push(format!("{name}: takes input but lists no 400"));
            }
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured && responses["401"].is_null() {
                problems.push(format!("{name}: needs a credential but lists no 401"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");

    // The issue's example, and the purpose every read of personal data carries.
    let pull = &doc["paths"]["/api/v1/sync/pull"]["get"]["parameters"];
    let limit = pull
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["minimum"], 1, "{limit}");
    assert_eq!(limit["schema"]["maximum"], 5000, "{limit}");
    let record = &doc["paths"]["/api/v1/hq/records/{id}"]["get"]["parameters"];
    let purpose = record
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "beatbook-purpose")
        .unwrap();
    assert_eq!(purpose["in"], "header");
    assert!(
        purpose["schema"]["pattern"]
            .as_str()
            .unwrap()
            .contains("investigation"),
        "{purpose}"
    );
}
