//! Sign-in for HQ staff in a browser: collar number and password, a session token in an
//! `HttpOnly; SameSite=Strict` cookie (or as a bearer token, for scripts and tests), and one
//! extractor, [`Staff`], that every dashboard endpoint takes and checks the role with.
//! Officers sign in on their tablets, not here: they are refused.

use crate::auth::{new_secret, sha256_hex};
use crate::error::ApiError;
use crate::storage::HqSessionRow;
use crate::HqState;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::people::{Officer, Role};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub const COOKIE_NAME: &str = "bb_hq_session";
/// A session lasts one working shift.
pub const SESSION_HOURS: i64 = 10;

/// The roles that may use the dashboard at all.
pub const STAFF_ROLES: [Role; 4] = [
    Role::Supervisor,
    Role::IntelligenceUnit,
    Role::Analyst,
    Role::Admin,
];

/// A signed-in HQ staff member, as HQ knows them now (their role is read afresh on every request,
/// so a demotion takes effect at once).
#[derive(Clone, Debug)]
pub struct Staff {
    pub officer: Officer,
    pub token_hash: String,
}

impl Staff {
    /// Refuse unless the staff member holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.officer.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the role {}: ask an administrator if you need access",
                roles
                    .iter()
                    .map(|r| role_name(*r))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
        }
    }

    pub fn role(&self) -> Role {
        self.officer.role
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Officer => "officer",
        Role::Supervisor => "supervisor",
        Role::IntelligenceUnit => "intelligence unit",
        Role::Analyst => "analyst",
        Role::Admin => "admin",
    }
}

fn token_from(headers: &HeaderMap) -> Option<String> {
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
        let hash = sha256_hex(&token);
        let session = state
            .storage
            .hq_session(&hash)
            .await?
            .filter(|s| s.expires_at > Utc::now())
            .ok_or_else(|| {
                ApiError::Unauthorised("your HQ session has ended: sign in again".into())
            })?;
        let officer = state
            .storage
            .officer(&session.officer_id)
            .await?
            .ok_or_else(|| ApiError::Unauthorised("the officer no longer exists".into()))?
            .officer;
        if !STAFF_ROLES.contains(&officer.role) {
            return Err(ApiError::Forbidden(
                "the HQ dashboard is for supervisors, the intelligence unit, analysts and administrators".into(),
            ));
        }
        Ok(Staff {
            officer,
            token_hash: hash,
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema, ts_rs::TS)]
#[ts(export_to = "../../hq/bindings/")]
pub struct StaffLogin {
    pub collar_number: String,
    pub password: String,
}

/// Who is signed in, and until when. The token is also set as an HttpOnly cookie; the page never
/// needs to read it.
#[derive(Serialize, utoipa::ToSchema, ts_rs::TS)]
#[ts(export_to = "../../hq/bindings/")]
pub struct StaffSession {
    #[schema(value_type = Object)]
    pub officer: Officer,
    pub expires_at: DateTime<Utc>,
    /// For scripts and tests that use a bearer token rather than the cookie.
    pub token: String,
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
    responses((status = 200, body = StaffSession), (status = 401, description = "Wrong collar number or password", body = beatbook_domain::protocol::ApiErrorBody), (status = 403, description = "Not an HQ role", body = beatbook_domain::protocol::ApiErrorBody)))]
pub async fn login(
    State(state): State<HqState>,
    headers: HeaderMap,
    client: crate::throttle::ClientAddr,
    body: Result<Json<StaffLogin>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    // Refused while the collar number or this address is paused, before the password is checked.
    let attempt = crate::throttle::Attempt::begin(
        &state,
        "HQ dashboard sign-in",
        &req.collar_number,
        client.client(),
    )
    .await?;
    let row = state
        .storage
        .officer_by_collar(req.collar_number.trim())
        .await?;
    let row = match (attempt.verify(row.as_ref(), req.password).await?, row) {
        (true, Some(row)) => row,
        (_, row) => return Err(attempt.failed(row.as_ref().map(|r| &r.officer.id)).await),
    };
    attempt.succeeded().await?;
    if !STAFF_ROLES.contains(&row.officer.role) {
        tracing::info!(officer = %row.officer.id, "officer refused at the HQ dashboard");
        return Err(ApiError::Forbidden(
            "the HQ dashboard is for supervisors, the intelligence unit, analysts and administrators: officers use the tablet app".into(),
        ));
    }
    let token = new_secret();
    let now = Utc::now();
    let session = HqSessionRow {
        token_hash: sha256_hex(&token),
        officer_id: row.officer.id.clone(),
        created_at: now,
        expires_at: now + Duration::hours(SESSION_HOURS),
    };
    state.storage.put_hq_session(&session).await?;
    tracing::info!(officer = %row.officer.id, "HQ staff signed in");
    let mut resp = Json(StaffSession {
        officer: row.officer,
        expires_at: session.expires_at,
        token: token.clone(),
    })
    .into_response();
    resp.headers_mut().insert(
        SET_COOKIE,
        cookie(&token, SESSION_HOURS * 3600, over_https(&headers)),
    );
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
    state.storage.delete_hq_session(&staff.token_hash).await?;
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
