//! HQ over HTTP for the API stories: the real router, in process, on a story's database, and a
//! headless device that enrols, signs in, pushes and pulls through the same `/api/v1` endpoints
//! as the tablet. A story file seeds its own HQ (`impl FromDb for Hq`, most with [`Hq::demo`])
//! and adds its own helpers in `impl Hq` / `impl Device` blocks of its own.

use super::Db;
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use beatbook_domain::people::Officer;
use beatbook_domain::{DeviceId, Hlc, OfficerId, Op, OpAction, Record, RecordId, RecordKind};
use beatbook_hq::{admin, HqSettings, HqState, Storage};
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

/// Every demo officer's password, and that of the officers a story adds.
pub const PASSWORD: &str = "demo-password-1";

/// The purpose the stories give with reads of personal data: an investigation with its
/// reference (it unmasks), as the dashboard's dialog sends it.
pub const PURPOSE: &str = "code=investigation&reference=CAD+1234%2F06DEC";
/// [`PURPOSE`] in words, as the access log keeps it.
pub const PURPOSE_WORDS: &str = "Investigation CAD 1234/06DEC";

/// HQ's state and router, in process.
#[derive(Clone)]
pub struct Hq {
    pub router: axum::Router,
    pub state: HqState,
    /// A temp dir the HQ keeps files in (photos), kept as long as the HQ is.
    pub dir: Option<Arc<tempfile::TempDir>>,
}

/// An HTTP answer: its status, headers, body bytes, the body as JSON (`Null` if it is not) and
/// as text.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub body: Value,
    pub text: String,
}

impl Hq {
    /// HQ on this storage with these settings.
    pub fn new(storage: Arc<dyn Storage>, settings: HqSettings) -> Hq {
        let state = HqState::new(storage, Arc::new(settings));
        Hq {
            router: beatbook_hq::router(state.clone()),
            state,
            dir: None,
        }
    }

    /// The story's database with the demo areas, teams and officers, and these officers too
    /// (with [`PASSWORD`]).
    pub async fn seed(db: &Db, officers: &[Officer]) -> Arc<dyn Storage> {
        let storage = db.open().await;
        admin::seed_demo(storage.as_ref(), PASSWORD).await.unwrap();
        for officer in officers {
            admin::put_officer(storage.as_ref(), officer, Some(PASSWORD))
                .await
                .unwrap();
        }
        storage
    }

    /// HQ on the story's database, with the demo areas, teams and officers, and default
    /// settings.
    pub async fn demo(db: Db) -> Hq {
        Hq::new(Hq::seed(&db, &[]).await, HqSettings::default())
    }

    /// The same HQ with other settings (as another process configured so would be).
    pub fn with_settings(&self, change: impl FnOnce(&mut HqSettings)) -> Hq {
        let mut settings = (*self.state.settings).clone();
        change(&mut settings);
        Hq {
            dir: self.dir.clone(),
            ..Hq::new(self.state.storage.clone(), settings)
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Answer {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            bytes,
            body,
            text,
        }
    }

    /// A request with a bearer token if given and a JSON body if given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// A `GET` with the purpose of the read (`beatbook-purpose`, form-encoded as the dashboard
    /// sends it), as every read of personal data needs.
    pub async fn get_for(&self, path: &str, token: &str, purpose: &str) -> Answer {
        let req = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(beatbook_domain::purpose::HEADER, purpose)
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// A `GET` of personal data with the stories' usual purpose, [`PURPOSE`].
    pub async fn read(&self, path: &str, token: &str) -> Answer {
        self.get_for(path, token, PURPOSE).await
    }

    /// Sign in at the dashboard; the bearer token.
    pub async fn sign_in(&self, collar: &str) -> String {
        let a = self
            .call(
                Method::POST,
                "/api/v1/hq/login",
                None,
                Some(json!({"collar_number": collar, "password": PASSWORD})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{collar}: {}", a.text);
        a.body["token"].as_str().unwrap().to_owned()
    }

    /// The access log of one person, newest first.
    pub async fn access_log_for(
        &self,
        officer: &str,
    ) -> Vec<beatbook_hq::dashboard::audit::AccessEntry> {
        self.state
            .storage
            .access_log(&beatbook_hq::storage::AccessQuery {
                officer_id: Some(OfficerId::new(officer)),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
    }
}

/// A headless device: enrols with a code, signs in, pushes records and pulls, over HTTP.
pub struct Device {
    pub id: DeviceId,
    pub officer: OfficerId,
    pub token: String,
    pub seq: u64,
}

impl Device {
    pub async fn enrol(hq: &Hq, collar: &str) -> Device {
        let code = admin::enrolment_code(hq.state.storage.as_ref(), 1)
            .await
            .unwrap();
        let id = DeviceId::new();
        let a = hq
            .call(
                Method::POST,
                "/api/v1/enrol",
                None,
                Some(json!({"code": code, "device_id": id, "device_name": format!("Tablet of {collar}"), "app_version": "0.1.0"})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let secret = a.body["device_secret"].as_str().unwrap().to_owned();
        let a = hq
            .call(
                Method::POST,
                "/api/v1/login",
                None,
                Some(json!({"device_id": id, "device_secret": secret, "collar_number": collar, "password": PASSWORD})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        Device {
            id,
            officer: OfficerId::new(collar),
            token: a.body["access_token"].as_str().unwrap().to_owned(),
            seq: 0,
        }
    }

    /// The device's next op, by its officer, at this clock.
    pub fn next_op(
        &mut self,
        record_id: RecordId,
        kind: RecordKind,
        hlc: Hlc,
        action: OpAction,
    ) -> Op {
        self.seq += 1;
        Op {
            device_id: self.id,
            device_seq: self.seq,
            record_id,
            kind,
            author: self.officer.clone(),
            hlc,
            action,
        }
    }

    /// Push a new record, which HQ must apply; its id.
    pub async fn create<R: Record>(&mut self, hq: &Hq, record: &R) -> RecordId {
        let id = RecordId::new();
        let op = self.next_op(
            id,
            R::KIND,
            Hlc::new(now_ms(), 0),
            OpAction::Put {
                fields: record.writes_from(None).unwrap(),
            },
        );
        let a = hq
            .post("/api/v1/sync/push", &self.token, json!({"ops": [op]}))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(a.body["results"][0]["outcome"], "applied", "{}", a.text);
        id
    }

    /// Every record state a full pull brings.
    pub async fn pull(&self, hq: &Hq) -> Vec<Value> {
        let a = hq
            .get("/api/v1/sync/pull?after=0&limit=5000", &self.token)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.body["records"].as_array().unwrap().clone()
    }
}

/// The wall clock in milliseconds, as a device's clock reads it.
pub fn now_ms() -> u64 {
    u64::try_from(Utc::now().timestamp_millis()).unwrap()
}
