//! The `/api/v1` endpoints.

use crate::auth::{new_secret, normalise_code, sha256_hex};
use crate::dashboard::audit::AccessEntry;
use crate::error::ApiError;
use crate::push::{plan_prepared, prepare, PushContext};
use crate::storage::{DeviceRow, SessionRow};
use crate::HqState;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::Json;
use beatbook_domain::access::{device_may_see, viewer_keys, Viewer};
use beatbook_domain::people::Officer;
use beatbook_domain::protocol::{
    ApiErrorBody, EnrolRequest, EnrolResponse, LoginRequest, PushRequest, PushResponse,
    RefreshRequest, Session,
};
use beatbook_domain::{DeviceId, RecordId};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The officer and device behind a valid access token.
pub struct Authed {
    pub device: DeviceId,
    pub officer: Officer,
    pub viewer: Viewer,
    /// The session's key (the hash of its access token), to end it on sign-out.
    pub access_hash: String,
    /// The next device_seq HQ expected from the device when the request came in.
    pub next_seq: u64,
}

impl FromRequestParts<HqState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &HqState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::Unauthorised("no access token".into()))?;
        let session = state
            .storage
            .session_by_access(&sha256_hex(token))
            .await?
            .ok_or_else(|| ApiError::Unauthorised("the access token is not valid".into()))?;
        let device = state
            .storage
            .device(session.device_id)
            .await?
            .ok_or_else(|| ApiError::Unauthorised("unknown device".into()))?;
        if device.revoked_at.is_some() {
            return Err(ApiError::DeviceRevoked);
        }
        if session.access_expires_at <= Utc::now() {
            return Err(ApiError::TokenExpired);
        }
        let officer = state
            .storage
            .officer(&session.officer_id)
            .await?
            .ok_or_else(|| ApiError::Unauthorised("the officer no longer exists".into()))?
            .officer;
        let viewer = viewer_for(state, &officer).await?;
        Ok(Authed {
            device: session.device_id,
            officer,
            viewer,
            access_hash: session.access_hash,
            next_seq: device.next_seq,
        })
    }
}

/// What HQ knows the officer may see: their teams and the union of those teams' areas.
pub async fn viewer_for(state: &HqState, officer: &Officer) -> Result<Viewer, ApiError> {
    let teams = state.storage.teams().await?;
    let mine: BTreeSet<_> = officer.teams.iter().cloned().collect();
    let areas = teams
        .iter()
        .filter(|t| mine.contains(&t.id))
        .flat_map(|t| t.areas.iter().cloned())
        .collect();
    Ok(Viewer {
        officer: officer.id.clone(),
        role: officer.role,
        teams: mine,
        areas,
    })
}

fn bad_json(e: axum::extract::rejection::JsonRejection) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge;
    }
    ApiError::BadRequest(format!("the request body is not valid: {}", e.body_text()))
}

#[utoipa::path(post, path = "/api/v1/enrol", tag = "devices",
    request_body = EnrolRequest,
    responses((status = 200, body = EnrolResponse), (status = 403, description = "Code unknown, used or expired", body = ApiErrorBody), (status = 409, description = "Device id already enrolled", body = ApiErrorBody), (status = 400, description = "Malformed body", body = ApiErrorBody), (status = 413, description = "Body too large", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn enrol(
    State(state): State<HqState>,
    body: Result<Json<EnrolRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<EnrolResponse>, ApiError> {
    let Json(req) = body.map_err(bad_json)?;
    if req.device_name.trim().is_empty() || req.device_name.chars().count() > 100 {
        return Err(ApiError::BadRequest(
            "give the device a name of 1 to 100 characters".into(),
        ));
    }
    let secret = new_secret();
    if state.storage.device(req.device_id).await?.is_some() {
        return Err(ApiError::Conflict(
            "a device with this id is already enrolled: wipe and set up the device again".into(),
        ));
    }
    let device = DeviceRow {
        id: req.device_id,
        name: req.device_name.trim().to_owned(),
        secret_hash: sha256_hex(&secret),
        app_version: req.app_version.chars().take(40).collect(),
        enrolled_at: Utc::now(),
        revoked_at: None,
        last_seen_at: None,
        next_seq: 1,
    };
    let code_hash = sha256_hex(&normalise_code(&req.code));
    if !state
        .storage
        .enrol_device(&code_hash, &device, Utc::now())
        .await?
    {
        return Err(ApiError::Forbidden(
            "the enrolment code is unknown, already used or expired: ask HQ for a new one".into(),
        ));
    }
    tracing::info!(device = %device.id, name = %device.name, "device enrolled");
    Ok(Json(EnrolResponse {
        device_id: device.id,
        device_secret: secret,
    }))
}

async fn new_session(
    state: &HqState,
    officer: Officer,
    device: DeviceId,
) -> Result<Session, ApiError> {
    let now = Utc::now();
    let (access, refresh) = (new_secret(), new_secret());
    let row = SessionRow {
        access_hash: sha256_hex(&access),
        refresh_hash: sha256_hex(&refresh),
        officer_id: officer.id.clone(),
        device_id: device,
        access_expires_at: now + Duration::seconds(state.settings.access_token_seconds),
        refresh_expires_at: now + Duration::days(state.settings.refresh_token_days),
    };
    state.storage.put_session(&row).await?;
    let teams = state.storage.teams().await?;
    let areas = state.storage.areas().await?;
    let mine: Vec<_> = teams
        .into_iter()
        .filter(|t| officer.teams.contains(&t.id))
        .collect();
    Ok(Session {
        access_token: access,
        access_expires_at: row.access_expires_at,
        refresh_token: refresh,
        refresh_expires_at: row.refresh_expires_at,
        officer,
        teams: mine,
        areas,
    })
}

#[utoipa::path(post, path = "/api/v1/login", tag = "devices",
    request_body = LoginRequest,
    responses((status = 200, body = Session), (status = 401, description = "Wrong collar number or password, or unknown device", body = ApiErrorBody), (status = 403, description = "Device revoked", body = ApiErrorBody), (status = 400, description = "Malformed body", body = ApiErrorBody), (status = 413, description = "Body too large", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn login(
    State(state): State<HqState>,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Session>, ApiError> {
    let Json(req) = body.map_err(bad_json)?;
    let device = state.storage.device(req.device_id).await?;
    let device = device
        .filter(|d| d.secret_hash == sha256_hex(&req.device_secret))
        .ok_or_else(|| ApiError::Unauthorised("this device is not enrolled with HQ".into()))?;
    if device.revoked_at.is_some() {
        return Err(ApiError::DeviceRevoked);
    }
    // Refused while the collar number or this device is paused, before the password is checked.
    let attempt = crate::throttle::Attempt::begin(
        &state,
        "device sign-in",
        &req.collar_number,
        crate::throttle::Client::Device(device.id),
    )
    .await?;
    let row = state
        .storage
        .officer_by_collar(req.collar_number.trim())
        .await?;
    let row = match (
        attempt.verify(row.as_ref(), req.password.clone()).await?,
        row,
    ) {
        (true, Some(row)) => row,
        (_, row) => return Err(attempt.failed(row.as_ref().map(|r| &r.officer.id)).await),
    };
    attempt.succeeded().await?;
    tracing::info!(device = %device.id, officer = %row.officer.id, "officer signed in");
    Ok(Json(new_session(&state, row.officer, device.id).await?))
}

#[utoipa::path(post, path = "/api/v1/logout", tag = "devices",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out: the session's access and refresh tokens no longer work"), (status = 401, body = ApiErrorBody), (status = 403, description = "Device revoked: wipe", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn logout(
    State(state): State<HqState>,
    authed: Authed,
) -> Result<axum::http::StatusCode, ApiError> {
    state.storage.delete_session(&authed.access_hash).await?;
    tracing::info!(device = %authed.device, officer = %authed.officer.id, "officer signed out");
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/token/refresh", tag = "devices",
    request_body = RefreshRequest,
    responses((status = 200, body = Session), (status = 401, body = ApiErrorBody), (status = 403, description = "Device revoked: wipe", body = ApiErrorBody), (status = 400, description = "Malformed body", body = ApiErrorBody), (status = 413, description = "Body too large", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn refresh(
    State(state): State<HqState>,
    body: Result<Json<RefreshRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Session>, ApiError> {
    let Json(req) = body.map_err(bad_json)?;
    let old = state
        .storage
        .session_by_refresh(&sha256_hex(&req.refresh_token))
        .await?
        .ok_or_else(|| ApiError::Unauthorised("the refresh token is not valid".into()))?;
    let device = state.storage.device(old.device_id).await?;
    let Some(device) =
        device.filter(|d| d.id == req.device_id && d.secret_hash == sha256_hex(&req.device_secret))
    else {
        return Err(ApiError::Unauthorised(
            "the refresh token does not belong to this device".into(),
        ));
    };
    if device.revoked_at.is_some() {
        return Err(ApiError::DeviceRevoked);
    }
    if old.refresh_expires_at <= Utc::now() {
        return Err(ApiError::Unauthorised("the session has expired".into()));
    }
    let officer = state
        .storage
        .officer(&old.officer_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorised("the officer no longer exists".into()))?
        .officer;
    // The old session is not deleted: if the answer is lost on the way (no signal mid-refresh),
    // the device can refresh again with the same token instead of needing the officer to sign
    // in. It lapses at its own expiry, and a revoked device is refused whatever it holds.
    Ok(Json(new_session(&state, officer, old.device_id).await?))
}

#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    request_body = PushRequest, security(("bearer" = [])),
    responses((status = 200, description = "One result per op", body = PushResponse), (status = 401, description = "Token missing, invalid (`unauthorised`) or expired (`token_expired`)", body = ApiErrorBody), (status = 403, description = "Device revoked: wipe", body = ApiErrorBody), (status = 400, description = "Malformed body", body = ApiErrorBody), (status = 413, description = "Body too large", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn push(
    State(state): State<HqState>,
    authed: Authed,
    body: Result<Json<RawPushRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let started = std::time::Instant::now();
    let Json(req) = body.map_err(bad_json)?;
    if req.ops.len() > state.settings.max_push_ops {
        return Err(ApiError::BadRequest(format!(
            "at most {} ops in one push",
            state.settings.max_push_ops
        )));
    }
    // Take this push's place among the device's pushes now, before reading it (see
    // `push_order`). Devices send ops in order, so the first op's sequence places it.
    #[derive(Deserialize)]
    struct Seq {
        device_seq: u64,
    }
    let first = req
        .ops
        .first()
        .and_then(|raw| serde_json::from_str::<Seq>(raw.get()).ok())
        .map_or(0, |s| s.device_seq);
    let turn = state.push_order.turn(authed.device, first, authed.next_seq);
    let ctx = PushContext {
        device: authed.device,
        viewer: authed.viewer,
        now: Utc::now(),
    };
    // Reading the ops and the work that needs nothing from the database (see
    // `push::prepare`) happen off the async workers while this push waits for its turn, and
    // while HQ may still be writing the push before it.
    let prepare_ctx = ctx.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        // Each op is read from its own text, and that text is what the op log keeps and
        // hashes: the op exactly as the device sent it, not a re-encoding.
        let mut ops = Vec::with_capacity(req.ops.len());
        let mut texts = Vec::with_capacity(req.ops.len());
        for (i, raw) in req.ops.into_iter().enumerate() {
            let op = serde_json::from_str::<beatbook_domain::Op>(raw.get()).map_err(|e| {
                ApiError::BadRequest(format!("the request body is not valid: op {}: {e}", i + 1))
            })?;
            ops.push(op);
            texts.push(String::from(Box::<str>::from(raw)));
        }
        let prepared = prepare(&prepare_ctx, &ops, Some(texts));
        Ok::<_, ApiError>((ops, prepared))
    });
    let (mut turn, prepared) = tokio::join!(turn, prepared);
    let (ops, prepared) =
        prepared.map_err(|e| ApiError::Internal(format!("reading the push failed: {e}")))??;
    let parsed = started.elapsed();
    let ops = Arc::new(ops);
    let planner_ops = ops.clone();
    let result = state
        .storage
        .push(
            authed.device,
            &ops,
            Box::new(move |loaded| plan_prepared(&ctx, &planner_ops, prepared, loaded)),
        )
        .await?;
    turn.finished(result.next_seq);
    drop(turn);
    tracing::debug!(
        ops = ops.len(),
        prepare_ms = parsed.as_secs_f64() * 1e3,
        total_ms = started.elapsed().as_secs_f64() * 1e3,
        "push"
    );
    let crate::push::Plan {
        response,
        log,
        records,
        ..
    } = result;
    // Freeing thousands of ops and record states takes milliseconds: not on an async worker,
    // where it would hold up the next push of this device (woken by the turn just given up).
    tokio::task::spawn_blocking(move || drop((ops, log, records)));
    Ok(Json(response))
}

/// A push as received: each op kept as its own JSON text (see [`push`]). The same wire format as
/// [`PushRequest`].
#[derive(Deserialize)]
pub struct RawPushRequest {
    ops: Vec<Box<RawValue>>,
}

#[derive(Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    after: u64,
    limit: Option<u32>,
}

/// The pull answer (`PullResponse` on the wire), with each record's state passed through as
/// stored: HQ wrote that text itself, so it is neither read again nor encoded again.
pub struct PullBody {
    records: Vec<String>,
    rest: PullRest,
}

/// Everything in the pull answer but the records.
#[derive(Serialize)]
struct PullRest {
    purge: Vec<RecordId>,
    cursor: u64,
    more: bool,
    access: String,
    viewer: Viewer,
}

impl axum::response::IntoResponse for PullBody {
    fn into_response(self) -> axum::response::Response {
        let rest = match serde_json::to_vec(&self.rest) {
            Ok(r) => r,
            Err(e) => return ApiError::Internal(e.to_string()).into_response(),
        };
        let size = self.records.iter().map(|r| r.len() + 1).sum::<usize>() + rest.len() + 16;
        let mut body = Vec::with_capacity(size);
        body.extend_from_slice(b"{\"records\":[");
        for (i, r) in self.records.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(r.as_bytes());
        }
        body.extend_from_slice(b"],");
        // `rest` is an object: its fields follow the records, inside the same braces.
        body.extend_from_slice(rest.get(1..).unwrap_or(b"}"));
        (
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    }
}

/// What a viewer may see, as a short fingerprint (see `PullResponse::access`).
pub fn access_fingerprint(viewer: &Viewer) -> String {
    let text = serde_json::json!([viewer.role, viewer.teams, viewer.areas]).to_string();
    sha256_hex(&text)[..16].to_owned()
}

pub const MAX_PULL: u32 = 5_000;

#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync",
    params(("after" = Option<u64>, Query, description = "Cursor: the last server sequence seen"), ("limit" = Option<u32>, Query, description = "At most this many changes (1..=5000, default 1000)")),
    security(("bearer" = [])),
    responses((status = 200, description = "Changes after the cursor that this officer may see", body = beatbook_domain::protocol::PullResponse), (status = 401, body = ApiErrorBody), (status = 403, description = "Device revoked: wipe", body = ApiErrorBody), (status = 400, description = "Malformed body", body = ApiErrorBody), (status = 413, description = "Body too large", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn pull(
    State(state): State<HqState>,
    authed: Authed,
    Query(q): Query<PullQuery>,
) -> Result<PullBody, ApiError> {
    let limit = q.limit.unwrap_or(1_000).clamp(1, MAX_PULL);
    // Officers read only their keys of the change feed; HQ roles that oversee the force read all.
    let changes = match viewer_keys(&authed.viewer) {
        Some(keys) => state.storage.changes_for(&keys, q.after, limit).await?,
        None => state.storage.changes_after(q.after, limit).await?,
    };
    let more = changes.len() == limit as usize;
    let cursor = changes.last().map_or(q.after, |c| c.server_seq);
    let mut records = Vec::new();
    let mut sent = Vec::new();
    let mut purge = Vec::new();
    for c in changes {
        if device_may_see(&authed.viewer, &c.facts) {
            sent.push(c.record_id);
            records.push(c.state_json);
        } else if c.facts.kind != Some(beatbook_domain::RecordKind::IntelSource) {
            // A device that held it when it was visible must let it go; one that never held it
            // ignores the id.
            purge.push(c.record_id);
        }
    }
    if !sent.is_empty() {
        // Disclosure to a device is a read of personal data: logged before anything is sent.
        state
            .storage
            .log_access(&AccessEntry {
                at: Utc::now(),
                officer_id: authed.officer.id.clone(),
                device_id: Some(authed.device),
                action: "pull".into(),
                record_ids: sent,
                detail: format!("sync pull after {}", q.after),
            })
            .await?;
    }
    let access = access_fingerprint(&authed.viewer);
    Ok(PullBody {
        records,
        rest: PullRest {
            purge,
            cursor,
            more,
            access,
            viewer: authed.viewer,
        },
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
    backend: &'static str,
    head: u64,
}

#[utoipa::path(get, path = "/api/v1/health", tag = "meta", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<HqState>) -> Result<Json<Health>, ApiError> {
    Ok(Json(Health {
        status: "ok",
        backend: state.storage.backend(),
        head: state.storage.head().await?,
    }))
}

/// The OpenAPI document, generated from the handlers and the wire types above, and the HQ
/// dashboard's (`/api/v1/hq`, tag `hq`, see [`crate::dashboard`]).
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Beatbook HQ", description = "Device enrolment, sign-in and sync, and the HQ dashboard's API (`/api/v1/hq`, for staff signed in with a session cookie). Every error is `{code, message}`."),
    paths(
        enrol, login, refresh, logout, push, pull, health, crate::photos::head, crate::photos::put, crate::photos::get,
        crate::dashboard::auth::login, crate::dashboard::auth::logout, crate::dashboard::auth::me,
        crate::dashboard::records::list, crate::dashboard::records::get, crate::dashboard::records::subject_access,
        crate::dashboard::admin::areas, crate::dashboard::admin::put_area, crate::dashboard::admin::teams, crate::dashboard::admin::put_team,
        crate::dashboard::admin::officers, crate::dashboard::admin::put_officer, crate::dashboard::admin::enrolment_code,
        crate::dashboard::admin::devices, crate::dashboard::admin::revoke, crate::dashboard::audit::search, crate::dashboard::admin::verify_chains,
        crate::dashboard::framework::get, crate::dashboard::framework::csv, crate::dashboard::framework::cell, crate::dashboard::framework::trend,
        crate::dashboard::overlaps::get, crate::dashboard::framework::targets, crate::dashboard::framework::put_target,
        crate::dashboard::review::queue, crate::dashboard::review::get, crate::dashboard::review::grade, crate::dashboard::review::disseminate,
    ),
    components(schemas(ApiErrorBody, beatbook_domain::photo::wire::PhotoUploadStatus, beatbook_domain::protocol::OpResult, beatbook_domain::protocol::OpOutcome)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // The dashboard's staff session (`/api/v1/hq/login`); scripts may send it as a bearer.
        components.add_security_scheme(
            "hq_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::dashboard::auth::COOKIE_NAME,
            ))),
        );
    }
}

pub async fn openapi() -> axum::response::Response {
    use axum::response::IntoResponse;
    use utoipa::OpenApi;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        ApiDoc::openapi().to_pretty_json().unwrap_or_default(),
    )
        .into_response()
}
