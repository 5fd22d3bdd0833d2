//! The `/api/v1` endpoints: each extracts its input, calls the function that does the work
//! ([`crate::enrolment`], [`crate::device_sessions`], [`crate::sync`]) and answers.

use crate::error::ApiError;
use crate::extract::Query;
use crate::HqState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::Json;
use beatbook_domain::protocol::{
    ApiErrorBody, EnrolRequest, EnrolResponse, LoginRequest, PushRequest, PushResponse,
    RefreshRequest, Session,
};
use serde::{Deserialize, Serialize};

pub use crate::device_sessions::Authed;
pub use crate::sync::{PullBody, RawPushRequest};

impl FromRequestParts<HqState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &HqState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::Unauthorised("no access token".into()))?;
        crate::device_sessions::authenticate(state, token).await
    }
}

pub(crate) fn bad_json(e: axum::extract::rejection::JsonRejection) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge;
    }
    ApiError::BadRequest(format!("the request body is not valid: {}", e.body_text()))
}

#[utoipa::path(post, path = "/api/v1/enrol", tag = "devices",
    request_body = EnrolRequest,
    responses((status = 200, body = EnrolResponse), (status = 403, description = "Code unknown, used or expired", body = ApiErrorBody), (status = 409, description = "Device id already enrolled and signed in on, or revoked", body = ApiErrorBody), (status = 429, description = "Too many wrong codes: enrolment paused (Retry-After)", body = ApiErrorBody), (status = 400, description = "Malformed body", body = ApiErrorBody), (status = 413, description = "Body too large", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn enrol(
    State(state): State<HqState>,
    client: crate::throttle::ClientAddr,
    body: Result<Json<EnrolRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<EnrolResponse>, ApiError> {
    let Json(req) = body.map_err(bad_json)?;
    Ok(Json(
        crate::enrolment::enrol_from(&state, client.client(), req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/login", tag = "devices",
    request_body = LoginRequest,
    responses((status = 200, body = Session), (status = 401, description = "Wrong collar number or password, or unknown device", body = ApiErrorBody), (status = 403, description = "Device revoked", body = ApiErrorBody), (status = 400, description = "Malformed body", body = ApiErrorBody), (status = 413, description = "Body too large", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody), (status = 429, description = "Too many failed sign-ins: try again later (`Retry-After`)", body = ApiErrorBody)))]
pub async fn login(
    State(state): State<HqState>,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Session>, ApiError> {
    let Json(req) = body.map_err(bad_json)?;
    Ok(Json(crate::device_sessions::sign_in(&state, req).await?))
}

#[utoipa::path(post, path = "/api/v1/logout", tag = "devices",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out: the session's access and refresh tokens no longer work"), (status = 401, body = ApiErrorBody), (status = 403, description = "Device revoked: wipe", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn logout(
    State(state): State<HqState>,
    authed: Authed,
) -> Result<axum::http::StatusCode, ApiError> {
    crate::device_sessions::sign_out(&state, &authed).await?;
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
    Ok(Json(crate::device_sessions::refresh(&state, req).await?))
}

#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    request_body = PushRequest, security(("bearer" = [])),
    responses((status = 200, description = "One result per op", body = PushResponse), (status = 401, description = "Token missing, invalid (`unauthorised`) or expired (`token_expired`)", body = ApiErrorBody), (status = 403, description = "Device revoked: wipe", body = ApiErrorBody), (status = 400, description = "Malformed body", body = ApiErrorBody), (status = 413, description = "Body too large", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn push(
    State(state): State<HqState>,
    authed: Authed,
    body: Result<Json<RawPushRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let Json(req) = body.map_err(bad_json)?;
    Ok(Json(crate::sync::push(&state, authed, req).await?))
}

#[derive(Deserialize)]
pub struct PullQuery {
    #[serde(default, deserialize_with = "crate::extract::cursor")]
    after: u64,
    #[serde(default, deserialize_with = "crate::extract::ranged::<_, 1, 5000>")]
    limit: Option<u32>,
}

impl axum::response::IntoResponse for PullBody {
    fn into_response(self) -> axum::response::Response {
        match self.to_json() {
            Ok(body) => (
                [(
                    axum::http::header::CONTENT_TYPE,
                    axum::http::HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => ApiError::Internal(e.to_string()).into_response(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync",
    params(("after" = Option<u64>, Query, minimum = 0, description = "Cursor: the last server sequence seen"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "At most this many changes (1..=5000, default 1000)")),
    security(("bearer" = [])),
    responses((status = 200, description = "Changes after the cursor that this officer may see", body = beatbook_domain::protocol::PullResponse), (status = 401, body = ApiErrorBody), (status = 403, description = "Device revoked: wipe", body = ApiErrorBody), (status = 400, description = "A cursor or limit out of range, or not a number", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn pull(
    State(state): State<HqState>,
    authed: Authed,
    Query(q): Query<PullQuery>,
) -> Result<PullBody, ApiError> {
    crate::sync::pull(&state, authed, q.after, q.limit).await
}

#[utoipa::path(get, path = "/api/v1/sync/disposals", tag = "sync",
    params(("after" = Option<u64>, Query, minimum = 0, description = "Cursor: the last disposal sequence seen"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "At most this many (1..=5000, default 1000)")),
    security(("bearer" = [])),
    responses((status = 200, description = "Records disposed of at HQ after the cursor, oldest first: the device removes each one it holds, before anything else in the sync", body = beatbook_domain::protocol::DisposalsResponse), (status = 400, description = "A cursor or limit out of range, or not a number", body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, description = "Device revoked: wipe", body = ApiErrorBody), (status = 426, description = "Protocol version not supported", body = ApiErrorBody)))]
pub async fn disposals(
    State(state): State<HqState>,
    _authed: Authed,
    Query(q): Query<PullQuery>,
) -> Result<Json<beatbook_domain::protocol::DisposalsResponse>, ApiError> {
    Ok(Json(
        crate::retention::disposals(&state, q.after, q.limit).await?,
    ))
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
        crate::dashboard::records::list, crate::dashboard::records::get,
        crate::dashboard::subject_access::search, crate::dashboard::subject_access::requests, crate::dashboard::subject_access::create, crate::dashboard::subject_access::request,
        crate::dashboard::subject_access::pack_json, crate::dashboard::subject_access::pack_html, crate::dashboard::subject_access::redactions, crate::dashboard::subject_access::decide,
        crate::dashboard::admin::areas, crate::dashboard::admin::put_area, crate::dashboard::admin::teams, crate::dashboard::admin::put_team,
        crate::dashboard::admin::officers, crate::dashboard::admin::put_officer, crate::dashboard::admin::add_officer, crate::dashboard::admin::enrolment_code,
        crate::dashboard::admin::devices, crate::dashboard::admin::revoke, crate::dashboard::audit::search, crate::dashboard::admin::verify_chains,
        crate::dashboard::framework::get, crate::dashboard::framework::csv, crate::dashboard::framework::cell, crate::dashboard::framework::trend, crate::dashboard::framework::officers,
        crate::dashboard::overlaps::get, crate::dashboard::framework::targets, crate::dashboard::framework::put_target,
        crate::dashboard::review::queue, crate::dashboard::review::get, crate::dashboard::review::grade, crate::dashboard::review::disseminate,
        crate::dashboard::retention::queue, crate::dashboard::retention::decide, crate::dashboard::retention::decisions, disposals,
        crate::dashboard::actions::open, crate::dashboard::actions::list, crate::dashboard::actions::get, crate::dashboard::actions::add_update, crate::dashboard::actions::close,
        crate::dashboard::committee::report, crate::dashboard::committee::report_pdf,
        crate::dashboard::outcomes::import_crime, crate::dashboard::outcomes::import_survey, crate::dashboard::outcomes::board, crate::dashboard::outcomes::crime,
        crate::dashboard::outcomes::confidence, crate::dashboard::outcomes::costs, crate::dashboard::outcomes::set_cost, crate::dashboard::outcomes::add_note, crate::dashboard::outcomes::notes,
        crate::dashboard::purpose::list,
        crate::dashboard::data_protection::get, crate::dashboard::data_protection::rectify, crate::dashboard::data_protection::restrict, crate::dashboard::data_protection::lift,
        crate::device_reads::post,
        crate::dashboard::admin::disabled_officers, crate::dashboard::admin::set_officer_disabled,
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
