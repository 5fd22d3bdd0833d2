//! Sign-in for HQ staff in a browser: collar number and password, a session token in an
//! `HttpOnly; SameSite=Strict` cookie (or as a bearer token, for scripts and tests), and one
//! extractor, [`Staff`], that every dashboard endpoint takes and checks the role with.
//! Officers sign in on their tablets, not here: they are refused.

use crate::error::ApiError;
use crate::HqState;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::people::Officer;
use serde::{Deserialize, Serialize};

pub use crate::staff_sessions::{Staff, StaffSession, SESSION_HOURS};

pub const COOKIE_NAME: &str = "bb_hq_session";

/// The session token a request carries: a bearer token, else the session cookie.
pub(crate) fn token_from(headers: &HeaderMap) -> Option<String> {
    if let Some(bearer) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer.trim().to_owned());
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_owned())
}

impl FromRequestParts<HqState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &HqState) -> Result<Self, ApiError> {
        let token = token_from(&parts.headers)
            .ok_or_else(|| ApiError::Unauthorised("sign in to the HQ dashboard".into()))?;
        crate::staff_sessions::authenticate(state, &token).await
    }
}

#[derive(Deserialize, utoipa::ToSchema, ts_rs::TS)]
#[ts(export_to = "../../hq/bindings/")]
pub struct StaffLogin {
    pub collar_number: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema, ts_rs::TS)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Me {
    #[schema(value_type = Object)]
    pub officer: Officer,
}

/// Whether the browser reached HQ over HTTPS (directly, or through a proxy that says so): the
/// cookie is then `Secure`. Plain HTTP on a demo or test machine keeps working.
fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
        || headers
            .get("forwarded")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"))
}

fn cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("bb_hq_session=; Max-Age=0"))
}

#[utoipa::path(post, path = "/api/v1/hq/login", tag = "hq", operation_id = "hq_login",
    request_body = StaffLogin,
    responses((status = 200, body = StaffSession), (status = 401, description = "Wrong collar number or password", body = beatbook_domain::protocol::ApiErrorBody), (status = 403, description = "Not an HQ role", body = beatbook_domain::protocol::ApiErrorBody), (status = 400, description = "Not valid", body = beatbook_domain::protocol::ApiErrorBody), (status = 413, description = "Body too large", body = beatbook_domain::protocol::ApiErrorBody), (status = 429, description = "Too many failed sign-ins: try again later (`Retry-After`)", body = beatbook_domain::protocol::ApiErrorBody)))]
pub async fn login(
    State(state): State<HqState>,
    headers: HeaderMap,
    client: crate::throttle::ClientAddr,
    body: Result<Json<StaffLogin>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let session =
        crate::staff_sessions::sign_in(&state, client.client(), &req.collar_number, req.password)
            .await?;
    let cookie = cookie(&session.token, SESSION_HOURS * 3600, over_https(&headers));
    let mut resp = Json(session).into_response();
    resp.headers_mut().insert(SET_COOKIE, cookie);
    Ok(resp)
}

#[utoipa::path(post, path = "/api/v1/hq/logout", tag = "hq", operation_id = "hq_logout",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 204, description = "Signed out: the session no longer works"), (status = 401, body = beatbook_domain::protocol::ApiErrorBody)))]
pub async fn logout(
    State(state): State<HqState>,
    headers: HeaderMap,
    staff: Staff,
) -> Result<Response, ApiError> {
    crate::staff_sessions::sign_out(&state, &staff).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(SET_COOKIE, cookie("", 0, over_https(&headers)));
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/hq/me", tag = "hq", operation_id = "hq_me",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = beatbook_domain::protocol::ApiErrorBody)))]
pub async fn me(staff: Staff) -> Json<Me> {
    Json(Me {
        officer: staff.officer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_secure_behind_https_and_always_strict_and_http_only() {
        let mut h = HeaderMap::new();
        let plain = cookie("t", 60, over_https(&h));
        assert!(!plain.to_str().unwrap().contains("Secure"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let c = cookie("t", 60, over_https(&h));
        let c = c.to_str().unwrap();
        assert!(c.contains("; Secure") && c.contains("HttpOnly") && c.contains("SameSite=Strict"));
        let mut f = HeaderMap::new();
        f.insert(
            "forwarded",
            HeaderValue::from_static("for=1.2.3.4;proto=https"),
        );
        assert!(over_https(&f));
    }
}
