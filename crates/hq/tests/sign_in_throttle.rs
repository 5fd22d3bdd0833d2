//! Password guessing is slowed down (see `beatbook_hq::throttle`): the throttle rows in storage,
//! on SQLite always and PostgreSQL (`BEATBOOK_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432/test`, each test in its own schema;
//! `BEATBOOK_SKIP_POSTGRES=1` skips it), and both sign-in endpoints over HTTP, with the throttle's
//! clock moved by the test instead of sleeping.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use beatbook_domain::{DeviceId, OfficerId};
use beatbook_hq::dashboard::audit::AccessEntry;
use beatbook_hq::storage::{AccessQuery, ThrottleRow};
use beatbook_hq::throttle::{Clock, FAILED_ACTION, UNKNOWN_OFFICER};
use beatbook_hq::{admin, HqSettings, HqState};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use support::{story, Db};
use tower::ServiceExt;

mod support;

const PASSWORD: &str = "demo-password-1";
const WRONG: &str = "not-the-password";
/// A demo officer (device sign-in) and a demo supervisor (dashboard sign-in).
const OFFICER: &str = "PC4127";
const SUPERVISOR: &str = "PS1102";
/// No officer has these collar numbers.
const NOBODY: &str = "PC0000";
const NOBODY_AT_HQ: &str = "PS0000";

// ---------------------------------------------------------------------------------------------
// Storage

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000 + secs, 0).unwrap()
}

fn row(key: &str, failures: u32, locked_until: Option<DateTime<Utc>>, t: i64) -> ThrottleRow {
    ThrottleRow {
        key: key.into(),
        failures,
        since: at(t),
        lockouts: u32::from(locked_until.is_some()),
        locked_until,
        updated_at: at(t),
    }
}

story!(throttle_rows_round_trip_and_quiet_ones_are_forgotten);
async fn throttle_rows_round_trip_and_quiet_ones_are_forgotten(db: Db) {
    let s = db.open().await;
    let keys = |k: &[&str]| k.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    assert!(s.throttles(&keys(&["a", "b"])).await.unwrap().is_empty());

    // The step sees nothing the first time, then what it wrote.
    let seen = Arc::new(Mutex::new(Vec::new()));
    for (key, failures, locked, t) in [
        ("a", 3, None, 0),
        ("b", 0, Some(at(4_000)), 10),
        ("c", 1, None, 3_000),
    ] {
        let seen = seen.clone();
        let written = s
            .update_throttle(
                key,
                Arc::new(move |old| {
                    seen.lock().unwrap().push(old);
                    Some(row(
                        "ignored: the key is the one asked for",
                        failures,
                        locked,
                        t,
                    ))
                }),
            )
            .await
            .unwrap();
        assert_eq!(written, Some(row(key, failures, locked, t)));
    }
    assert_eq!(*seen.lock().unwrap(), vec![None, None, None]);
    let got = s.throttles(&keys(&["a", "b", "x"])).await.unwrap();
    assert_eq!(
        got,
        vec![row("a", 3, None, 0), row("b", 0, Some(at(4_000)), 10)]
    );
    let seen2 = seen.clone();
    s.update_throttle(
        "a",
        Arc::new(move |old| {
            seen2.lock().unwrap().push(old.clone());
            old.map(|r| ThrottleRow {
                failures: r.failures + 1,
                ..r
            })
        }),
    )
    .await
    .unwrap();
    assert_eq!(seen.lock().unwrap()[3], Some(row("a", 3, None, 0)));
    assert_eq!(s.throttles(&keys(&["a"])).await.unwrap()[0].failures, 4);

    // Untouched before 2000 and not locked past it: only `a` goes (`b` is locked until 4000).
    assert_eq!(s.forget_throttles(at(2_000)).await.unwrap(), 1);
    let left: Vec<String> = s
        .throttles(&keys(&["a", "b", "c"]))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(left, ["b", "c"]);

    // A step answering `None` deletes the row.
    assert_eq!(
        s.update_throttle("c", Arc::new(|_| None)).await.unwrap(),
        None
    );
    assert_eq!(s.throttles(&keys(&["c"])).await.unwrap(), vec![]);
}

story!(throttle_updates_from_several_processes_are_never_lost);
async fn throttle_updates_from_several_processes_are_never_lost(db: Db) {
    // Two storage handles on one database, as two HQ processes would have.
    let handles = [db.open().await, db.open().await];
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = handles[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            s.update_throttle(
                "collar:shared",
                Arc::new(|old| {
                    let mut r = old.unwrap_or_else(|| row("", 0, None, 0));
                    // Widen the window between read and write.
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    r.failures += 1;
                    Some(r)
                }),
            )
            .await
            .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let got = handles[0]
        .throttles(&["collar:shared".to_owned()])
        .await
        .unwrap();
    assert_eq!(got[0].failures, 40);
}

// ---------------------------------------------------------------------------------------------
// HTTP

#[derive(Clone)]
struct Hq {
    router: axum::Router,
    state: HqState,
    now: Arc<Mutex<DateTime<Utc>>>,
}

struct Answer {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Value,
    text: String,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Status, code, message and `Retry-After`: everything a client can tell apart.
    fn seen(&self) -> (StatusCode, Option<u64>, String) {
        (self.status, self.retry_after, self.text.clone())
    }

    fn assert_paused(&self, retry_after: u64, in_words: &str) {
        assert_eq!(self.status, StatusCode::TOO_MANY_REQUESTS, "{}", self.text);
        assert_eq!(self.code(), "too_many_attempts", "{}", self.text);
        assert_eq!(self.retry_after, Some(retry_after), "{}", self.text);
        let message = self.body["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("Try again in {in_words}")),
            "{message}"
        );
    }

    fn assert_wrong(&self) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{}", self.text);
        assert_eq!(self.code(), "unauthorised", "{}", self.text);
        assert_eq!(self.retry_after, None);
    }
}

async fn hq(db: Db, settings: HqSettings) -> Hq {
    let storage = db.open().await;
    admin::seed_demo(storage.as_ref(), PASSWORD).await.unwrap();
    let now = Arc::new(Mutex::new(Utc::now().trunc_subsecs(0)));
    let mut state = HqState::new(storage, Arc::new(settings));
    let clock = now.clone();
    state.sign_in_clock = Clock::from_fn(move || *clock.lock().unwrap());
    Hq {
        router: beatbook_hq::router(state.clone()),
        state,
        now,
    }
}

impl Hq {
    fn advance(&self, secs: i64) {
        *self.now.lock().unwrap() += Duration::seconds(secs);
    }

    async fn send(&self, req: Request<Body>) -> Answer {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().parse().unwrap());
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Answer {
            status,
            retry_after,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    async fn post(&self, path: &str, body: Value, from: Option<SocketAddr>) -> Answer {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        if let Some(addr) = from {
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        self.send(req).await
    }

    async fn enrol(&self) -> Tablet {
        let code = admin::enrolment_code(self.state.storage.as_ref(), 1)
            .await
            .unwrap();
        let id = DeviceId::new();
        let a = self
            .post(
                "/api/v1/enrol",
                json!({"code": code, "device_id": id, "device_name": "Tablet", "app_version": "0.1.0"}),
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        Tablet {
            id,
            secret: a.body["device_secret"].as_str().unwrap().to_owned(),
        }
    }

    async fn device_login(&self, tablet: &Tablet, collar: &str, password: &str) -> Answer {
        self.post(
            "/api/v1/login",
            json!({"device_id": tablet.id, "device_secret": tablet.secret, "collar_number": collar, "password": password}),
            None,
        )
        .await
    }

    async fn staff_login(&self, from: &str, collar: &str, password: &str) -> Answer {
        self.post(
            "/api/v1/hq/login",
            json!({"collar_number": collar, "password": password}),
            Some(from.parse().unwrap()),
        )
        .await
    }

    async fn failures_logged(&self) -> Vec<AccessEntry> {
        self.state
            .storage
            .access_log(&AccessQuery {
                limit: 1_000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == FAILED_ACTION)
            .collect()
    }
}

struct Tablet {
    id: DeviceId,
    secret: String,
}

story!(device_sign_in_pauses_a_collar_number_after_five_wrong_passwords);
async fn device_sign_in_pauses_a_collar_number_after_five_wrong_passwords(db: Db) {
    let hq = hq(db, HqSettings::default()).await;
    let tablet = hq.enrol().await;

    for n in 1..=4 {
        let a = hq.device_login(&tablet, OFFICER, WRONG).await;
        a.assert_wrong();
        if n == 4 {
            assert!(
                a.text.contains("one more wrong password pauses"),
                "{}",
                a.text
            );
        }
    }
    hq.advance(1);
    hq.device_login(&tablet, OFFICER, WRONG)
        .await
        .assert_paused(60, "1 minute");

    // Paused: even the right password is refused, and it is not checked or counted.
    hq.advance(59);
    let logged = hq.failures_logged().await.len();
    hq.device_login(&tablet, OFFICER, PASSWORD)
        .await
        .assert_paused(1, "1 second");
    hq.device_login(&tablet, OFFICER, WRONG)
        .await
        .assert_paused(1, "1 second");
    assert_eq!(hq.failures_logged().await.len(), logged);

    // The pause ends; five more wrong passwords pause it for twice as long.
    hq.advance(1);
    for _ in 0..4 {
        hq.device_login(&tablet, OFFICER, WRONG)
            .await
            .assert_wrong();
    }
    hq.device_login(&tablet, OFFICER, WRONG)
        .await
        .assert_paused(120, "2 minutes");
    hq.advance(119);
    hq.device_login(&tablet, OFFICER, PASSWORD)
        .await
        .assert_paused(1, "1 second");

    // The pause ends; the right password signs in.
    hq.advance(1);
    let a = hq.device_login(&tablet, OFFICER, PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.body["access_token"].is_string());

    // A success clears the count: four more wrong passwords do not pause.
    for _ in 0..4 {
        hq.device_login(&tablet, OFFICER, WRONG)
            .await
            .assert_wrong();
    }
    assert_eq!(
        hq.device_login(&tablet, OFFICER, PASSWORD).await.status,
        StatusCode::OK
    );
    // ... and starts the doubling again.
    for _ in 0..4 {
        hq.device_login(&tablet, OFFICER, WRONG)
            .await
            .assert_wrong();
    }
    hq.device_login(&tablet, OFFICER, WRONG)
        .await
        .assert_paused(60, "1 minute");

    // Every wrong password is in the access log, under the officer and the device.
    let log = hq.failures_logged().await;
    assert_eq!(log.len(), 5 + 5 + 4 + 5, "{log:?}");
    assert!(log
        .iter()
        .all(|e| e.officer_id == OfficerId::new(OFFICER) && e.device_id == Some(tablet.id)));
    assert!(
        log[0].detail.contains("device sign-in"),
        "{}",
        log[0].detail
    );
    assert!(log[0].detail.contains("paused until"), "{}", log[0].detail);
    assert!(!log.iter().any(|e| e.detail.contains(WRONG)));
    let by_officer = hq
        .state
        .storage
        .access_log(&AccessQuery {
            officer_id: Some(OfficerId::new(OFFICER)),
            device_id: Some(tablet.id),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_officer.len(), 5 + 5 + 4 + 5);
}

story!(failures_outside_the_window_do_not_pause);
async fn failures_outside_the_window_do_not_pause(db: Db) {
    let hq = hq(db, HqSettings::default()).await;
    let tablet = hq.enrol().await;
    for _ in 0..4 {
        hq.device_login(&tablet, OFFICER, WRONG)
            .await
            .assert_wrong();
    }
    hq.advance(15 * 60);
    for _ in 0..4 {
        hq.device_login(&tablet, OFFICER, WRONG)
            .await
            .assert_wrong();
    }
    hq.device_login(&tablet, OFFICER, WRONG)
        .await
        .assert_paused(60, "1 minute");
}

story!(an_unknown_collar_number_is_answered_like_a_known_one);
async fn an_unknown_collar_number_is_answered_like_a_known_one(db: Db) {
    let hq = hq(db, HqSettings::default()).await;
    let tablet = hq.enrol().await;
    for n in 1..=7 {
        let known = hq.device_login(&tablet, OFFICER, WRONG).await;
        let unknown = hq.device_login(&tablet, NOBODY, WRONG).await;
        assert_eq!(known.seen(), unknown.seen(), "attempt {n}");
        if n < 5 {
            known.assert_wrong();
        } else {
            known.assert_paused(60, "1 minute");
        }
        let known = hq.staff_login("10.0.0.1:5000", SUPERVISOR, WRONG).await;
        let unknown = hq.staff_login("10.0.0.1:5000", NOBODY_AT_HQ, WRONG).await;
        assert_eq!(known.seen(), unknown.seen(), "dashboard attempt {n}");
    }
    // The unknown collar number's failures are logged, without what was typed.
    let log = hq.failures_logged().await;
    let nobody: Vec<_> = log
        .iter()
        .filter(|e| e.officer_id == OfficerId::new(UNKNOWN_OFFICER))
        .collect();
    assert_eq!(nobody.len(), 5 + 5, "{log:?}");
    assert!(nobody
        .iter()
        .all(|e| !e.detail.contains(NOBODY) && !e.detail.contains(NOBODY_AT_HQ)));
}

story!(one_device_cannot_try_many_collar_numbers);
async fn one_device_cannot_try_many_collar_numbers(db: Db) {
    let mut settings = HqSettings::default();
    settings.sign_in.client_max_failures = 6;
    let hq = hq(db, settings).await;
    let sprayer = hq.enrol().await;
    for n in 1..=5 {
        hq.device_login(&sprayer, &format!("PC9{n:03}"), WRONG)
            .await
            .assert_wrong();
    }
    let a = hq.device_login(&sprayer, "PC9006", WRONG).await;
    a.assert_paused(60, "1 minute");
    assert!(a.text.contains("from this device"), "{}", a.text);
    // Even a right password on that device waits; another device signs in.
    hq.device_login(&sprayer, OFFICER, PASSWORD)
        .await
        .assert_paused(60, "1 minute");
    let other = hq.enrol().await;
    assert_eq!(
        hq.device_login(&other, OFFICER, PASSWORD).await.status,
        StatusCode::OK
    );
    // A success does not clear a device's count: the guesser might know one password.
    hq.advance(60);
    assert_eq!(
        hq.device_login(&sprayer, OFFICER, PASSWORD).await.status,
        StatusCode::OK
    );
    for n in 1..=5 {
        hq.device_login(&sprayer, &format!("PC8{n:03}"), WRONG)
            .await
            .assert_wrong();
    }
    hq.device_login(&sprayer, "PC8006", WRONG)
        .await
        .assert_paused(120, "2 minutes");
}

story!(dashboard_sign_in_pauses_a_collar_number_and_an_address);
async fn dashboard_sign_in_pauses_a_collar_number_and_an_address(db: Db) {
    let mut settings = HqSettings::default();
    settings.sign_in.client_max_failures = 8;
    let hq = hq(db, settings).await;
    // Wrong passwords for one collar number from several addresses still add up.
    for n in 1..=4 {
        hq.staff_login(&format!("10.0.0.{n}:4000"), SUPERVISOR, WRONG)
            .await
            .assert_wrong();
    }
    hq.staff_login("10.0.0.5:4000", SUPERVISOR, WRONG)
        .await
        .assert_paused(60, "1 minute");
    hq.staff_login("10.0.0.6:4000", SUPERVISOR, PASSWORD)
        .await
        .assert_paused(60, "1 minute");
    hq.advance(60);
    let a = hq.staff_login("10.0.0.6:4000", SUPERVISOR, PASSWORD).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.body["token"].is_string());

    // One address trying many collar numbers is paused; other addresses are not.
    for n in 1..=7 {
        hq.staff_login("192.0.2.9:5555", &format!("PS9{n:03}"), WRONG)
            .await
            .assert_wrong();
    }
    let a = hq.staff_login("192.0.2.9:6666", "PS9008", WRONG).await;
    a.assert_paused(60, "1 minute");
    assert!(a.text.contains("from this network address"), "{}", a.text);
    hq.staff_login("192.0.2.9:7777", SUPERVISOR, PASSWORD)
        .await
        .assert_paused(60, "1 minute");
    assert_eq!(
        hq.staff_login("192.0.2.10:5555", SUPERVISOR, PASSWORD)
            .await
            .status,
        StatusCode::OK
    );

    // The failures are logged with the address; no device.
    let log = hq.failures_logged().await;
    assert_eq!(log.len(), 4 + 1 + 8, "{log:?}");
    assert!(log.iter().all(|e| e.device_id.is_none()));
    assert!(
        log[0].detail.contains("HQ dashboard sign-in"),
        "{}",
        log[0].detail
    );
    assert!(
        log[0].detail.contains("from 192.0.2.9"),
        "{}",
        log[0].detail
    );
}

story!(an_officer_refused_at_the_dashboard_still_had_the_right_password);
async fn an_officer_refused_at_the_dashboard_still_had_the_right_password(db: Db) {
    let hq = hq(db, HqSettings::default()).await;
    for _ in 0..4 {
        hq.staff_login("10.0.0.1:1", OFFICER, WRONG)
            .await
            .assert_wrong();
    }
    // Not an HQ role, but the password was right: the count is cleared.
    let a = hq.staff_login("10.0.0.1:1", OFFICER, PASSWORD).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    for _ in 0..4 {
        hq.staff_login("10.0.0.1:1", OFFICER, WRONG)
            .await
            .assert_wrong();
    }
}

story!(behind_a_trusted_proxy_the_forwarded_address_counts);
async fn behind_a_trusted_proxy_the_forwarded_address_counts(db: Db) {
    let mut settings = HqSettings::default();
    settings.sign_in.client_max_failures = 3;
    settings.sign_in.trust_forwarded_for = true;
    let hq = hq(db, settings).await;
    let via_proxy = |client: &str, collar: &str| {
        let mut req = Request::post("/api/v1/hq/login")
            .header(header::CONTENT_TYPE, "application/json")
            // A client may send its own header: only the proxy's (last) entry counts.
            .header("x-forwarded-for", format!("203.0.113.200, {client}"))
            .body(Body::from(
                json!({"collar_number": collar, "password": WRONG}).to_string(),
            ))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo("10.9.9.9:443".parse::<SocketAddr>().unwrap()));
        req
    };
    for n in 1..=2 {
        hq.send(via_proxy("198.51.100.1", &format!("PS9{n:03}")))
            .await
            .assert_wrong();
    }
    hq.send(via_proxy("198.51.100.1", "PS9003"))
        .await
        .assert_paused(60, "1 minute");
    // Another client behind the same proxy is not paused.
    hq.send(via_proxy("198.51.100.2", "PS9004"))
        .await
        .assert_wrong();
    let log = hq.failures_logged().await;
    assert!(
        log[0].detail.contains("from 198.51.100.2"),
        "{}",
        log[0].detail
    );
}

/// Served for real, the dashboard sees the peer's address (`serve` wires `ConnectInfo`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_hq_throttles_by_the_peer_address() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let storage = Db::Sqlite(dir.path().join("hq.db")).open().await;
    admin::seed_demo(storage.as_ref(), PASSWORD).await.unwrap();
    let state = HqState::new(storage.clone(), Arc::new(HqSettings::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(beatbook_hq::serve(listener, state));

    let body = json!({"collar_number": SUPERVISOR, "password": WRONG}).to_string();
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(
        format!(
            "POST /api/v1/hq/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    let log = storage
        .access_log(&AccessQuery {
            officer_id: Some(OfficerId::new(SUPERVISOR)),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        log[0].detail.contains("from 127.0.0.1"),
        "{}",
        log[0].detail
    );
}
