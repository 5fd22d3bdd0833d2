//! Sessions that end (issue 17), over HTTP on SQLite and PostgreSQL: a refresh token works once
//! and a second use ends its whole line; a sign-in lasts at most `[sessions] absolute_days`;
//! signing out ends every session of the device; a disabled officer is refused everywhere; a
//! password hashed at a lower cost is hashed again at sign-in; expired sessions are removed by
//! the sweep. Time is moved by the test (HQ's session clock), never slept.

use axum::http::{Method, StatusCode};
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::{DeviceId, OfficerId, TeamId};
use beatbook_hq::auth::{hash_password_at, needs_rehash, PasswordCost};
use beatbook_hq::storage::AdminLogQuery;
use beatbook_hq::throttle::Clock;
use beatbook_hq::{admin, HqSettings, HqState};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use support::http::{Answer, Hq, PASSWORD};
use support::{story, Db};

mod support;

const OFFICER: &str = "PC4127";
const ADMIN: &str = "AD0001";
const SUPERVISOR: &str = "PS1102";

/// HQ with the demo directory, `settings`, and a session clock the test moves.
struct Clocked {
    hq: Hq,
    offset: Arc<Mutex<Duration>>,
}

impl Clocked {
    async fn new(db: &Db, settings: HqSettings) -> Clocked {
        let storage = Hq::seed(db, &[]).await;
        let offset = Arc::new(Mutex::new(Duration::zero()));
        let mut state = HqState::new(storage, Arc::new(settings));
        let seen = offset.clone();
        state.session_clock = Clock::from_fn(move || Utc::now() + *seen.lock().unwrap());
        Clocked {
            hq: Hq {
                router: beatbook_hq::router(state.clone()),
                state,
                dir: None,
            },
            offset,
        }
    }

    fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap() += by;
    }

    fn now(&self) -> DateTime<Utc> {
        self.hq.state.session_clock.now()
    }
}

/// A tablet as HQ sees it: its id and secret, and the tokens it holds now.
struct Tablet {
    id: DeviceId,
    secret: String,
    access: String,
    refresh: String,
}

async fn enrol(hq: &Hq, name: &str) -> (DeviceId, String) {
    let code = admin::enrolment_code(hq.state.storage.as_ref(), 1)
        .await
        .unwrap();
    let id = DeviceId::new();
    let a = hq
        .call(
            Method::POST,
            "/api/v1/enrol",
            None,
            Some(
                json!({"code": code, "device_id": id, "device_name": name, "app_version": "0.1.0"}),
            ),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    (id, a.body["device_secret"].as_str().unwrap().to_owned())
}

async fn login(hq: &Hq, id: DeviceId, secret: &str, collar: &str) -> Answer {
    hq.call(
        Method::POST,
        "/api/v1/login",
        None,
        Some(json!({"device_id": id, "device_secret": secret, "collar_number": collar, "password": PASSWORD})),
    )
    .await
}

impl Tablet {
    async fn signed_in(hq: &Hq, collar: &str) -> Tablet {
        let (id, secret) = enrol(hq, &format!("Tablet of {collar}")).await;
        let a = login(hq, id, &secret, collar).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let mut t = Tablet {
            id,
            secret,
            access: String::new(),
            refresh: String::new(),
        };
        t.keep(&a.body);
        t
    }

    fn keep(&mut self, session: &Value) {
        self.access = session["access_token"].as_str().unwrap().to_owned();
        self.refresh = session["refresh_token"].as_str().unwrap().to_owned();
    }

    async fn refresh_with(&self, hq: &Hq, token: &str) -> Answer {
        hq.call(
            Method::POST,
            "/api/v1/token/refresh",
            None,
            Some(
                json!({"device_id": self.id, "device_secret": self.secret, "refresh_token": token}),
            ),
        )
        .await
    }

    /// Refresh with the refresh token held, keeping the new tokens; the answer.
    async fn refresh(&mut self, hq: &Hq) -> Answer {
        let a = self.refresh_with(hq, &self.refresh.clone()).await;
        if a.status == StatusCode::OK {
            self.keep(&a.body);
        }
        a
    }

    async fn pull(&self, hq: &Hq) -> Answer {
        hq.get("/api/v1/sync/pull?after=0&limit=10", &self.access)
            .await
    }
}

fn code(a: &Answer) -> &str {
    a.body["code"].as_str().unwrap_or_default()
}

async fn admin_log(hq: &Hq, action: &str) -> Vec<String> {
    hq.state
        .storage
        .admin_log(&AdminLogQuery {
            action: Some(action.into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.detail)
        .collect()
}

story!(a_refresh_token_works_once_and_a_second_use_ends_the_line);
async fn a_refresh_token_works_once_and_a_second_use_ends_the_line(db: Db) {
    let c = Clocked::new(&db, HqSettings::default()).await;
    let hq = &c.hq;
    let mut tablet = Tablet::signed_in(hq, OFFICER).await;
    let bystander = Tablet::signed_in(hq, "PC2290").await;

    let first = tablet.refresh.clone();
    let a = tablet.refresh(hq).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_ne!(
        tablet.refresh, first,
        "a refresh hands out a new refresh token"
    );
    assert_eq!(tablet.pull(hq).await.status, StatusCode::OK);
    // The line goes on: the new token works once too.
    let second = tablet.refresh.clone();
    assert_eq!(tablet.refresh(hq).await.status, StatusCode::OK);

    // The used token again (a copy of it): refused, and the whole line ends with it.
    let a = tablet.refresh_with(hq, &second).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    assert_eq!(code(&a), "session_ended");
    let says = a.body["message"].as_str().unwrap();
    assert!(
        says.starts_with("sign in to sync:") && says.contains("used twice"),
        "{says}"
    );
    let a = tablet.pull(hq).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    let a = tablet.refresh(hq).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    // Even the first token: the line is gone.
    let a = tablet.refresh_with(hq, &first).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);

    // Logged, in words; another officer's line is untouched.
    let logged = admin_log(hq, "refresh_token_reused").await;
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(
        logged[0].contains(OFFICER) && logged[0].contains("used a second time"),
        "{logged:?}"
    );
    assert_eq!(bystander.pull(hq).await.status, StatusCode::OK);

    // Signing in again starts a new line.
    let a = login(hq, tablet.id, &tablet.secret, OFFICER).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    tablet.keep(&a.body);
    assert_eq!(tablet.refresh(hq).await.status, StatusCode::OK);
}

story!(two_refreshes_with_one_token_at_once_cannot_both_succeed);
async fn two_refreshes_with_one_token_at_once_cannot_both_succeed(db: Db) {
    let c = Clocked::new(&db, HqSettings::default()).await;
    let hq = &c.hq;
    let tablet = Tablet::signed_in(hq, OFFICER).await;
    let token = tablet.refresh.clone();
    let (a, b) = tokio::join!(
        tablet.refresh_with(hq, &token),
        tablet.refresh_with(hq, &token)
    );
    let ok = [&a, &b]
        .iter()
        .filter(|x| x.status == StatusCode::OK)
        .count();
    assert!(ok <= 1, "{} / {}", a.text, b.text);
    assert!(
        [&a, &b].iter().any(|x| code(x) == "session_ended"),
        "{} / {}",
        a.text,
        b.text
    );
}

story!(a_sign_in_lasts_at_most_absolute_days_however_often_it_is_refreshed);
async fn a_sign_in_lasts_at_most_absolute_days_however_often_it_is_refreshed(db: Db) {
    let settings = HqSettings {
        refresh_token_days: 3,
        ..HqSettings::default()
    };
    assert_eq!(settings.sessions.absolute_days, 14);
    let c = Clocked::new(&db, settings).await;
    let hq = &c.hq;
    let mut tablet = Tablet::signed_in(hq, OFFICER).await;
    let end = c.now() + Duration::days(14);
    // Refreshed every two days: each refresh works, and nothing outlives the sign-in's 14 days.
    for _ in 0..6 {
        c.advance(Duration::days(2));
        let a = tablet.refresh(hq).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let expires: DateTime<Utc> =
            serde_json::from_value(a.body["refresh_expires_at"].clone()).unwrap();
        assert!(expires <= end, "{expires} is after {end}");
        assert_eq!(tablet.pull(hq).await.status, StatusCode::OK);
    }
    // Day 14 and a bit: refused with the code the tablet knows, in words.
    c.advance(Duration::days(2) + Duration::minutes(1));
    let a = tablet.pull(hq).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    let a = tablet.refresh(hq).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    assert_eq!(code(&a), "session_ended");
    assert_eq!(
        a.body["message"],
        "sign in to sync: your session ended after 14 days"
    );
    // A new sign-in starts a new 14 days.
    let a = login(hq, tablet.id, &tablet.secret, OFFICER).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

story!(signing_out_ends_every_session_of_the_device);
async fn signing_out_ends_every_session_of_the_device(db: Db) {
    let c = Clocked::new(&db, HqSettings::default()).await;
    let hq = &c.hq;
    let tablet = Tablet::signed_in(hq, OFFICER).await;
    // A second sign-in on the same tablet (say, after an app restart lost the first).
    let a = login(hq, tablet.id, &tablet.secret, OFFICER).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let mut again = Tablet {
        id: tablet.id,
        secret: tablet.secret.clone(),
        access: String::new(),
        refresh: String::new(),
    };
    again.keep(&a.body);
    let other = Tablet::signed_in(hq, OFFICER).await;

    let a = hq
        .call(Method::POST, "/api/v1/logout", Some(&again.access), None)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    for t in [&tablet, &again] {
        assert_eq!(t.pull(hq).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            t.refresh_with(hq, &t.refresh).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // The officer's other tablet is another device: it carries on.
    assert_eq!(other.pull(hq).await.status, StatusCode::OK);
}

story!(a_disabled_officer_is_refused_everywhere_until_enabled);
async fn a_disabled_officer_is_refused_everywhere_until_enabled(db: Db) {
    let c = Clocked::new(&db, HqSettings::default()).await;
    let hq = &c.hq;
    let tablet = Tablet::signed_in(hq, OFFICER).await;
    let supervisor = hq.sign_in(SUPERVISOR).await;
    let admin = hq.sign_in(ADMIN).await;

    // Only an administrator may, and not on themselves.
    let a = hq
        .post(
            &format!("/api/v1/hq/admin/officers/{OFFICER}/disabled"),
            &supervisor,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    let a = hq
        .post(
            &format!("/api/v1/hq/admin/officers/{ADMIN}/disabled"),
            &admin,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert!(a.body["message"]
        .as_str()
        .unwrap()
        .contains("another administrator"));

    for who in [OFFICER, SUPERVISOR] {
        let a = hq
            .post(
                &format!("/api/v1/hq/admin/officers/{who}/disabled"),
                &admin,
                json!({"disabled": true}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert!(a.body["disabled_at"].is_string(), "{}", a.text);
    }
    let a = hq.get("/api/v1/hq/admin/officers/disabled", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let listed: Vec<&str> = a
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["officer_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [OFFICER, SUPERVISOR]);

    // Every session of theirs has ended: the tablet's and the dashboard's.
    assert_eq!(tablet.pull(hq).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        tablet.refresh_with(hq, &tablet.refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    let a = hq.get("/api/v1/hq/me", &supervisor).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);

    // Signing in again: refused in words, with the right password (a wrong one stays "wrong").
    let a = login(hq, tablet.id, &tablet.secret, OFFICER).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    assert_eq!(code(&a), "officer_disabled");
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("disabled at HQ"),
        "{}",
        a.text
    );
    let a = hq
        .call(
            Method::POST,
            "/api/v1/hq/login",
            None,
            Some(json!({"collar_number": SUPERVISOR, "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    assert_eq!(code(&a), "officer_disabled");

    let logged = admin_log(hq, "officer_disabled").await;
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(
        logged.iter().any(|d| d.contains("PC Amira Khan (PC4127)")),
        "{logged:?}"
    );
    assert!(!admin_log(hq, "sign_in_refused").await.is_empty());

    // Enabled again: signing in works.
    let a = hq
        .post(
            &format!("/api/v1/hq/admin/officers/{OFFICER}/disabled"),
            &admin,
            json!({"disabled": false}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(
        a.body.get("disabled_at").is_none_or(Value::is_null),
        "{}",
        a.text
    );
    let a = login(hq, tablet.id, &tablet.secret, OFFICER).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(admin_log(hq, "officer_enabled").await.len(), 1);
}

story!(a_password_hashed_at_a_lower_cost_is_hashed_again_at_sign_in);
async fn a_password_hashed_at_a_lower_cost_is_hashed_again_at_sign_in(db: Db) {
    let c = Clocked::new(&db, HqSettings::default()).await;
    let hq = &c.hq;
    let storage = hq.state.storage.as_ref();
    let analyst = Officer {
        id: OfficerId::new("AN9001"),
        collar_number: "AN9001".into(),
        name: "Old Hash".into(),
        role: Role::Analyst,
        teams: vec![TeamId::new("camden-tct")],
    };
    let cheap = PasswordCost {
        memory_kib: 4096,
        passes: 1,
        lanes: 1,
    };
    let old = hash_password_at(PASSWORD, cheap).unwrap();
    storage.put_officer(&analyst, Some(&old)).await.unwrap();
    assert!(needs_rehash(&old));

    hq.sign_in("AN9001").await;
    let now = storage
        .officer(&analyst.id)
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap();
    assert_ne!(now, old);
    assert!(!needs_rehash(&now), "{now}");
    assert!(now.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{now}");
    // The same password still signs in.
    hq.sign_in("AN9001").await;
}

story!(expired_sessions_are_removed_by_the_retention_sweep);
async fn expired_sessions_are_removed_by_the_retention_sweep(db: Db) {
    let c = Clocked::new(&db, HqSettings::default()).await;
    let hq = &c.hq;
    let old = Tablet::signed_in(hq, OFFICER).await;
    let staff = hq.sign_in(SUPERVISOR).await;
    c.advance(Duration::days(15));
    let fresh = Tablet::signed_in(hq, "PC2290").await;
    let report = beatbook_hq::retention::sweep(&hq.state, c.now())
        .await
        .unwrap();
    // The old tablet's session and the day-old dashboard session (sign-in throttle aside).
    assert_eq!(report.sessions_removed, 2, "{report:?}");
    let a = old.refresh_with(hq, &old.refresh).await;
    assert_eq!(code(&a), "unauthorised", "{}", a.text);
    assert_eq!(
        hq.get("/api/v1/hq/me", &staff).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(fresh.pull(hq).await.status, StatusCode::OK);
}
