//! What one request may take of HQ, and what every answer looks like (`[requests]` in the
//! settings, [`crate::settings::RequestSettings`]).
//!
//! [`guard`] runs inside request decompression, so everything it counts is what a body expands
//! to, counted while it expands:
//! - a body limit per route: a few KiB for sign-in, enrolment, refresh and sign-out, more for the
//!   dashboard's forms, `max_body_bytes` for pushes, photos and imports; beyond it `413
//!   too_large` on every route, whatever the handler made of the cut-off body;
//! - a time limit on every request: a body still arriving is `408 timeout`, an answer not ready
//!   `503 busy`;
//! - a limit on requests in progress, beyond which `503 busy` with `Retry-After`;
//! - the dashboard's changes (`POST`, `PUT`, `PATCH`, `DELETE` under `/api/v1/hq`) come from its
//!   own pages: an `Origin` that is not HQ's own (or one of `dashboard_origins`) is refused, and
//!   a missing one is allowed only to scripts that sign in with a bearer token, not to a request
//!   carrying the session cookie;
//! - no NUL character in the address, or in a JSON or text body: PostgreSQL cannot keep one, and
//!   no collar number, area or filter holds one. Refused as `400` before any handler.
//!
//! [`answer`] runs outside: every error HQ or its layers give is `{code, message}` JSON (a
//! method not allowed, an encoding not taken, a panic), and every answer carries
//! `X-Content-Type-Options: nosniff`, every API answer `Cache-Control: no-store`.

use crate::error::{ApiError, ApiErrorCode};
use crate::settings::HqSettings;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use beatbook_domain::protocol::ApiErrorBody;
use futures_util::FutureExt;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The limits of one HQ process: its settings and the requests in progress.
pub struct Limits {
    settings: crate::settings::RequestSettings,
    max_body: usize,
    in_flight: Arc<Semaphore>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("settings", &self.settings)
            .field("max_body", &self.max_body)
            .field("free", &self.in_flight.available_permits())
            .finish()
    }
}

/// The words of a refused NUL character.
pub const NUL_WORDS: &str = "the request holds a NUL character (\\u0000 or %00), which no name, \
     number or text at HQ may hold: remove it and send the request again";

impl Limits {
    pub fn new(settings: &HqSettings) -> Arc<Limits> {
        Arc::new(Limits {
            settings: settings.requests.clone(),
            max_body: settings.max_body_bytes,
            in_flight: Arc::new(Semaphore::new(settings.requests.max_in_flight)),
        })
    }

    /// The largest body (after decompression) `method path` takes.
    pub fn body_limit(&self, method: &Method, path: &str) -> usize {
        let small = self.settings.small_body_bytes;
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return small;
        }
        match path {
            "/api/v1/enrol"
            | "/api/v1/login"
            | "/api/v1/token/refresh"
            | "/api/v1/logout"
            | "/api/v1/hq/login"
            | "/api/v1/hq/logout" => small,
            "/api/v1/sync/push"
            | "/api/v1/sync/reads"
            | "/api/v1/hq/outcomes/crime"
            | "/api/v1/hq/outcomes/survey" => self.max_body,
            p if p.starts_with("/api/v1/photos/") => self.max_body,
            _ => self.settings.form_body_bytes.min(self.max_body),
        }
    }

    /// Refuse a dashboard change that did not come from the dashboard's own page.
    fn check_origin(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<(), ApiError> {
        if !uri.path().starts_with("/api/v1/hq/")
            || matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        {
            return Ok(());
        }
        match headers.get(header::ORIGIN) {
            None => {
                if session_cookie(headers) && !headers.contains_key(header::AUTHORIZATION) {
                    Err(ApiError::Forbidden(
                        "a change signed in with the dashboard's cookie must come from the \
                         dashboard's own page (the request has no Origin header); a script \
                         signs in and sends its token as a bearer"
                            .into(),
                    ))
                } else {
                    Ok(())
                }
            }
            Some(origin) => {
                let origin = origin.to_str().unwrap_or("");
                if self.own_origin(origin, uri, headers) {
                    Ok(())
                } else {
                    Err(ApiError::Forbidden(format!(
                        "this change came from another site ({}): the dashboard takes changes \
                         only from its own pages",
                        origin.chars().take(100).collect::<String>()
                    )))
                }
            }
        }
    }

    /// Whether `origin` is HQ's own address (the `Host` the request came to) or one the
    /// settings allow.
    fn own_origin(&self, origin: &str, uri: &Uri, headers: &HeaderMap) -> bool {
        let origin = origin.trim_end_matches('/');
        if self
            .settings
            .dashboard_origins
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
        {
            return true;
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| uri.authority().map(|a| a.as_str()));
        let (Some(host), Some((scheme, authority))) = (host, origin.split_once("://")) else {
            return false;
        };
        let default_port = match scheme.to_ascii_lowercase().as_str() {
            "https" => ":443",
            "http" => ":80",
            _ => return false,
        };
        let bare = |a: &str| {
            a.strip_suffix(default_port)
                .unwrap_or(a)
                .to_ascii_lowercase()
        };
        bare(authority) == bare(host)
    }
}

/// Whether the request carries the dashboard's session cookie.
fn session_cookie(headers: &HeaderMap) -> bool {
    let name = crate::dashboard::auth::COOKIE_NAME;
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| {
            pair.trim()
                .split_once('=')
                .is_some_and(|(k, _)| k.trim() == name)
        })
}

/// Whether the address holds a NUL character (`%00`, percent-encoded: a URI cannot hold it
/// raw). Every `%` starts an escape, so `%00` anywhere is one.
fn nul_in_address(uri: &Uri) -> bool {
    uri.path_and_query()
        .is_some_and(|pq| pq.as_str().as_bytes().windows(3).any(|w| w == b"%00"))
}

/// What a request's body tripped.
const TRIPPED_NOTHING: u8 = 0;
const TRIPPED_TOO_LARGE: u8 = 1;
const TRIPPED_NUL: u8 = 2;

/// What [`Watched`] saw of a body, for [`guard`] to answer by.
#[derive(Default)]
struct Watch {
    tripped: AtomicU8,
    finished: std::sync::atomic::AtomicBool,
}

/// Which bodies are read for NUL characters: JSON (the escape `\u0000`) and text (the byte).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scan {
    None,
    Json,
    Text,
}

impl Scan {
    fn for_headers(headers: &HeaderMap) -> Scan {
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ct.is_empty() || ct.contains("json") {
            Scan::Json
        } else if ct.starts_with("text/") {
            Scan::Text
        } else {
            Scan::None
        }
    }
}

/// Finds the JSON escape `\u0000` in a body given in pieces, minding escaped backslashes (`\\u0000`
/// is text, not a NUL).
#[derive(Default)]
struct NulFinder {
    /// After an odd run of backslashes: the next character is escaped.
    escaped: bool,
    /// How much of `u0000` has followed an escaping backslash.
    matched: u8,
}

impl NulFinder {
    fn found_in(&mut self, bytes: &[u8]) -> bool {
        const SEQ: &[u8; 5] = b"u0000";
        for &b in bytes {
            if self.matched > 0 {
                if b == SEQ[usize::from(self.matched)] {
                    self.matched += 1;
                    if usize::from(self.matched) == SEQ.len() {
                        return true;
                    }
                    continue;
                }
                self.matched = 0;
            }
            if self.escaped {
                self.escaped = false;
                if b == b'u' {
                    self.matched = 1;
                }
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == 0 {
                return true;
            }
        }
        false
    }
}

/// A request body counted as it arrives (after decompression): past its limit, or holding a NUL
/// character, it ends in an error and tells [`guard`] why.
struct Watched {
    inner: Body,
    limit: usize,
    seen: usize,
    scan: Scan,
    finder: NulFinder,
    watch: Arc<Watch>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body is larger than HQ takes here")]
struct TooLargeBody;

#[derive(Debug, thiserror::Error)]
#[error("the request body holds a NUL character")]
struct NulInBody;

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if this.watch.tripped.load(Ordering::Relaxed) != TRIPPED_NOTHING {
            return Poll::Ready(Some(Err(axum::Error::new(TooLargeBody))));
        }
        let frame = match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => {
                this.watch.finished.store(true, Ordering::Relaxed);
                return Poll::Ready(None);
            }
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
            Poll::Ready(Some(Ok(frame))) => frame,
        };
        if let Some(data) = frame.data_ref() {
            this.seen = this.seen.saturating_add(data.len());
            if this.seen > this.limit {
                this.watch
                    .tripped
                    .store(TRIPPED_TOO_LARGE, Ordering::Relaxed);
                return Poll::Ready(Some(Err(axum::Error::new(TooLargeBody))));
            }
            let nul = match this.scan {
                Scan::Json => this.finder.found_in(data),
                Scan::Text => data.contains(&0),
                Scan::None => false,
            };
            if nul {
                this.watch.tripped.store(TRIPPED_NUL, Ordering::Relaxed);
                return Poll::Ready(Some(Err(axum::Error::new(NulInBody))));
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// `413 too_large`, saying what the limit is.
fn too_large(limit: usize) -> Response {
    body(
        StatusCode::PAYLOAD_TOO_LARGE,
        ApiErrorCode::TooLarge,
        format!(
            "the request is too large: this endpoint takes at most {} (after decompression); \
             send less at a time",
            bytes_in_words(limit)
        ),
    )
}

fn bytes_in_words(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// HQ's `{code, message}` with this status.
fn body(status: StatusCode, code: ApiErrorCode, message: String) -> Response {
    (
        status,
        axum::Json(ApiErrorBody {
            code: code.as_str().to_owned(),
            message,
        }),
    )
        .into_response()
}

/// The limits on one request (see the module's documentation).
pub async fn guard(State(limits): State<Arc<Limits>>, req: Request, next: Next) -> Response {
    if nul_in_address(req.uri()) {
        return ApiError::BadRequest(NUL_WORDS.into()).into_response();
    }
    if let Err(e) = limits.check_origin(req.method(), req.uri(), req.headers()) {
        return e.into_response();
    }
    let retry = limits.settings.retry_after_seconds;
    let Ok(_permit) = limits.in_flight.clone().try_acquire_owned() else {
        tracing::warn!(
            max_in_flight = limits.settings.max_in_flight,
            "HQ is at its limit of requests in progress: answering 503"
        );
        return ApiError::Busy {
            message: format!(
                "HQ is busy with other requests: try again in {retry} second{}",
                if retry == 1 { "" } else { "s" }
            ),
            retry_after_seconds: retry,
        }
        .into_response();
    };
    let limit = limits.body_limit(req.method(), req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    let watch = Arc::new(Watch::default());
    let scan = Scan::for_headers(req.headers());
    let (parts, inner) = req.into_parts();
    if inner.is_end_stream() {
        watch.finished.store(true, Ordering::Relaxed);
    }
    let watched = Watched {
        inner,
        limit,
        seen: 0,
        scan,
        finder: NulFinder::default(),
        watch: watch.clone(),
    };
    let req = Request::from_parts(parts, Body::new(watched));
    let seconds = limits.settings.request_seconds;
    let resp = match tokio::time::timeout(Duration::from_secs(seconds), next.run(req)).await {
        Ok(resp) => resp,
        Err(_) if !watch.finished.load(Ordering::Relaxed) => {
            tracing::info!(
                seconds,
                "a request's body did not arrive in time: answering 408"
            );
            ApiError::Timeout(seconds).into_response()
        }
        Err(_) => {
            tracing::warn!(
                seconds,
                "HQ could not answer a request in time: answering 503"
            );
            ApiError::Busy {
                message: format!("HQ could not answer within {seconds} seconds: try again shortly"),
                retry_after_seconds: retry,
            }
            .into_response()
        }
    };
    match watch.tripped.load(Ordering::Relaxed) {
        TRIPPED_TOO_LARGE => too_large(limit),
        TRIPPED_NUL => ApiError::BadRequest(NUL_WORDS.into()).into_response(),
        _ => resp,
    }
}

/// Every answer's headers, every error as `{code, message}` JSON, and a panic as `500 internal`
/// (see the module's documentation).
pub async fn answer(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let method = req.method().clone();
    let mut resp = match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(resp) => resp,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            ApiError::Internal(format!("a request panicked: {what}")).into_response()
        }
    };
    let status = resp.status();
    if (status.is_client_error() || status.is_server_error()) && !is_json(resp.headers()) {
        resp = as_json(resp, &method).await;
    }
    let headers = resp.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/json"))
}

/// An error answer that is not JSON (axum's and tower-http's own: `text/plain` or empty), as
/// `{code, message}` with the same status and headers.
async fn as_json(resp: Response, method: &Method) -> Response {
    let (mut parts, old) = resp.into_parts();
    let text = axum::body::to_bytes(old, 4096)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .map(|t| crate::extract::words(&t))
        .unwrap_or_default();
    // axum answers a JSON body of the wrong shape 422, and one without its content type 415:
    // every endpoint documents a body that is not valid as 400.
    if parts.status == StatusCode::UNPROCESSABLE_ENTITY
        || (parts.status == StatusCode::UNSUPPORTED_MEDIA_TYPE && text.contains("Content-Type"))
    {
        parts.status = StatusCode::BAD_REQUEST;
    }
    let status = parts.status;
    let (code, default) = match status {
        StatusCode::BAD_REQUEST => (ApiErrorCode::BadRequest, "the request is not valid".into()),
        StatusCode::UNAUTHORIZED => (ApiErrorCode::Unauthorised, "sign in first".into()),
        StatusCode::FORBIDDEN => (ApiErrorCode::Forbidden, "not allowed".into()),
        StatusCode::NOT_FOUND => (
            ApiErrorCode::NotFound,
            "no such endpoint: this HQ speaks /api/v1".into(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            (
                ApiErrorCode::MethodNotAllowed,
                match allow.is_empty() {
                    true => format!("this endpoint does not take {method}"),
                    false => format!("this endpoint does not take {method}: it takes {allow}"),
                },
            )
        }
        StatusCode::REQUEST_TIMEOUT => (
            ApiErrorCode::Timeout,
            "the request took too long to arrive: send it again".into(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            ApiErrorCode::TooLarge,
            "the request is too large: send less at a time".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ApiErrorCode::UnsupportedMediaType,
            "HQ does not take a body in this encoding or type: send JSON, plain or compressed \
             with gzip or zstd"
                .into(),
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            ApiErrorCode::TooManyAttempts,
            "too many requests: wait and try again".into(),
        ),
        StatusCode::SERVICE_UNAVAILABLE => {
            (ApiErrorCode::Busy, "HQ is busy: try again shortly".into())
        }
        s if s.is_server_error() => (
            ApiErrorCode::Internal,
            "HQ could not complete the request; it has been logged. Try again shortly".into(),
        ),
        _ => (ApiErrorCode::BadRequest, "the request is not valid".into()),
    };
    // A method not allowed has its own words; for the rest, what axum said if it said anything.
    let message = if code == ApiErrorCode::MethodNotAllowed || text.is_empty() {
        default
    } else {
        text
    };
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let json = body(status, code, message);
    let (json_parts, json_body) = json.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, json_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_escape_is_found_across_pieces_and_an_escaped_backslash_is_not_one() {
        let found = |pieces: &[&str]| {
            let mut f = NulFinder::default();
            pieces.iter().any(|p| f.found_in(p.as_bytes()))
        };
        assert!(found(&[r#"{"collar_number":"PC\u00001"}"#]));
        assert!(found(&[r#"{"a":"x\u0"#, r#"000"}"#]));
        assert!(found(&[r#"{"a":"x\"#, r#"u0000"}"#]));
        assert!(!found(&[r#"{"a":"x\\u0000"}"#]));
        assert!(found(&[r#"{"a":"x\\\u0000"}"#]));
        assert!(!found(&[r#"{"a":"x\u0041\u00e9"}"#]));
    }

    #[test]
    fn a_nul_in_the_address_is_any_percent_zero_zero() {
        let nul = |s: &str| nul_in_address(&s.parse::<Uri>().unwrap());
        assert!(nul("/api/v1/hq/records?officer=PC%001"));
        assert!(nul("/api/v1/hq/records/%00"));
        assert!(!nul("/api/v1/hq/records?officer=100%2500"));
        assert!(!nul("/api/v1/hq/records?limit=100"));
    }

    #[test]
    fn small_bodies_for_sign_in_and_large_ones_for_pushes_and_photos() {
        let limits = Limits::new(&HqSettings::default());
        let small = limits.settings.small_body_bytes;
        for path in [
            "/api/v1/enrol",
            "/api/v1/login",
            "/api/v1/token/refresh",
            "/api/v1/hq/login",
        ] {
            assert_eq!(limits.body_limit(&Method::POST, path), small, "{path}");
        }
        assert_eq!(
            limits.body_limit(&Method::POST, "/api/v1/sync/push"),
            64 << 20
        );
        assert_eq!(
            limits.body_limit(&Method::PUT, "/api/v1/photos/abc"),
            64 << 20
        );
        assert_eq!(limits.body_limit(&Method::GET, "/api/v1/sync/push"), small);
    }

    #[test]
    fn the_dashboards_own_origin_is_its_host() {
        let limits = Limits::new(&HqSettings::default());
        let uri: Uri = "/api/v1/hq/admin/areas".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("hq.force.example"));
        assert!(limits.own_origin("https://hq.force.example", &uri, &h));
        assert!(limits.own_origin("http://HQ.force.example:80", &uri, &h));
        assert!(!limits.own_origin("https://evil.example", &uri, &h));
        assert!(!limits.own_origin("null", &uri, &h));
        assert!(!limits.own_origin("https://hq.force.example:8443", &uri, &h));
    }
}
