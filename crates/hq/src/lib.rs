//! The Beatbook HQ server: enrolment and sign-in, the sync endpoints, and the op log that is the
//! audit trail. Storage sits behind small traits per resource, held as one [`Storage`] handle,
//! with an embedded SQLite backend and a PostgreSQL backend for running several HQ processes on
//! one database. Depends only on `beatbook-domain`.
#![forbid(unsafe_code)]

pub mod actions;
pub mod admin;
pub mod admin_log;
pub mod auth;
pub mod certs;
pub mod chains;
pub mod committee;
pub mod dashboard;
pub mod demo;
pub mod device_reads;
pub mod device_sessions;
pub mod enrolment;
pub mod error;
pub mod extract;
pub mod intel_review;
pub mod keys;
pub mod limits;
pub mod officer_status;
pub mod outcomes;
pub mod overlaps;
pub mod pdf;
pub mod performance;
pub mod photo_files;
pub mod photos;
pub mod push;
pub mod push_order;
pub mod records;
pub mod rectify;
pub mod retention;
pub mod routes;
pub mod serve;
pub mod settings;
pub mod sign_in;
pub mod staff_sessions;
pub mod storage;
pub mod subject_access;
pub mod sync;
#[cfg(test)]
mod testing;
pub mod throttle;
pub mod tls_certs;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use beatbook_domain::protocol::{HQ_TIME_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION};
pub use serve::serve;
pub use settings::HqSettings;
use std::sync::Arc;
pub use storage::{Storage, StorageError};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;

#[derive(Clone)]
pub struct HqState {
    pub storage: Arc<dyn Storage>,
    pub settings: Arc<HqSettings>,
    /// The time sign-in throttling goes by (see [`throttle`]); tests move it.
    pub sign_in_clock: throttle::Clock,
    /// The performance framework's facts, kept up to date in memory.
    pub facts: Arc<dashboard::facts::Facts>,
    /// Pushes from one device applied in order (see [`push_order`]).
    pub push_order: Arc<push_order::PushOrder>,
    /// HQ's key for data at rest (photo files; see [`keys`]). [`HqState::new`] makes a random one,
    /// which is right for tests only: the server sets the force's with [`HqState::with_key`].
    pub key: Arc<keys::HqKey>,
    /// The time sessions go by (their expiry and absolute lifetime, see [`device_sessions`]);
    /// tests move it.
    pub session_clock: throttle::Clock,
}

impl HqState {
    pub fn new(storage: Arc<dyn Storage>, settings: Arc<HqSettings>) -> HqState {
        HqState {
            storage,
            settings,
            sign_in_clock: throttle::Clock::system(),
            facts: Arc::new(dashboard::facts::Facts::new()),
            push_order: Arc::default(),
            key: Arc::new(keys::HqKey::random()),
            session_clock: throttle::Clock::system(),
        }
    }

    /// The same state with the force's key for data at rest.
    pub fn with_key(mut self, key: keys::HqKey) -> HqState {
        self.key = Arc::new(key);
        self
    }
}

/// Open the storage a `--db` value names: `sqlite:PATH` (encrypted with SQLCipher under a key
/// derived from `key`) or `postgres://...` (TLS and the role as the URL says: see
/// [`storage::postgres`]).
pub async fn open_storage(db: &str, key: &keys::HqKey) -> Result<Arc<dyn Storage>, StorageError> {
    if let Some(path) = db.strip_prefix("sqlite:") {
        let path = std::path::PathBuf::from(path);
        let key = key.clone();
        // Opening may run migrations: off the async workers.
        let storage =
            tokio::task::spawn_blocking(move || storage::sqlite::SqliteStorage::open(&path, &key))
                .await??;
        Ok(Arc::new(storage))
    } else if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        Ok(Arc::new(
            storage::postgres::PostgresStorage::connect(db).await?,
        ))
    } else {
        Err(StorageError::UnknownDatabase(settings::redact_db_url(db)))
    }
}

/// Refuse clients that speak another protocol version, with a clear code rather than anything
/// that could make a device drop data.
async fn check_protocol(req: Request<axum::body::Body>, next: Next) -> Response {
    if let Some(v) = req.headers().get(PROTOCOL_HEADER) {
        let theirs = v.to_str().unwrap_or("?").to_owned();
        if theirs != PROTOCOL_VERSION.to_string() {
            return error::ApiError::VersionNotSupported(theirs).into_response();
        }
    }
    let mut resp = next.run(req).await;
    resp.headers_mut()
        .insert(PROTOCOL_HEADER, HeaderValue::from(PROTOCOL_VERSION));
    // Every answer carries HQ's time: a tablet's clock moves forward to it, and the tablet
    // tells its officer when its own clock is wrong.
    let now_ms = chrono::Utc::now().timestamp_millis();
    resp.headers_mut()
        .insert(HQ_TIME_HEADER, HeaderValue::from(now_ms));
    resp
}

async fn not_found() -> error::ApiError {
    error::ApiError::NotFound("no such endpoint: this HQ speaks /api/v1".into())
}

pub fn router(state: HqState) -> Router {
    let max_body = state.settings.max_body_bytes;
    let limits = limits::Limits::new(&state.settings);
    let api = Router::new()
        .route("/health", get(routes::health))
        .route("/openapi.json", get(routes::openapi))
        .route("/enrol", post(routes::enrol))
        .route("/login", post(routes::login))
        .route("/token/refresh", post(routes::refresh))
        .route("/logout", post(routes::logout))
        .route("/sync/push", post(routes::push))
        .route("/sync/pull", get(routes::pull))
        .route("/sync/disposals", get(routes::disposals))
        .route("/sync/reads", post(device_reads::post))
        .route(
            "/photos/{sha256}",
            get(photos::get).head(photos::head).put(photos::put),
        )
        .nest(
            "/hq",
            // Every refusal to a signed-in staff member is logged (see `dashboard::refusals`).
            dashboard::routes().layer(axum::middleware::from_fn_with_state(
                state.clone(),
                dashboard::refusals::log_refusals,
            )),
        );
    Router::new()
        .nest("/api/v1", api)
        // The HQ dashboard page (see `dashboard::ui`).
        .merge(dashboard::ui::routes(dashboard::ui::dist_dir()))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(check_protocol))
        // The limit applies to the decompressed body, so a small zstd bomb cannot get past it.
        .layer(DefaultBodyLimit::max(max_body))
        // Per-route body limits counted as the body expands, the time limit, requests in
        // progress, the dashboard's Origin check (see `limits`).
        .layer(axum::middleware::from_fn_with_state(limits, limits::guard))
        .layer(RequestDecompressionLayer::new())
        // Every error as `{code, message}`, and every answer's headers (see `limits::answer`).
        .layer(axum::middleware::from_fn(limits::answer))
        // Sync pages are large and repetitive: the fastest level keeps most of the saving (see
        // BENCHMARKS.md) at a fraction of the CPU.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .with_state(state)
}
