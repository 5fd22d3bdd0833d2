//! One error type for every endpoint: logs the cause, answers `{code, message}` with a stable code.

use crate::storage::StorageError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::protocol::{codes, ApiErrorBody};
use beatbook_domain::validation::ValidationErrors;
use serde::{Deserialize, Serialize};

/// The stable `code` of every HQ error body: devices and the dashboard switch on it, never on the
/// message. Generated into TypeScript for the dashboard; the codes a device acts on are also
/// constants in `beatbook_domain::protocol::codes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum ApiErrorCode {
    BadRequest,
    TooLarge,
    Unauthorised,
    TokenExpired,
    DeviceRevoked,
    Forbidden,
    TooManyAttempts,
    NotFound,
    Conflict,
    VersionNotSupported,
    /// A read of personal data without a purpose (or with one the force does not allow): the
    /// dashboard asks for one and tries again.
    PurposeRequired,
    Internal,
    /// The request took longer to arrive than HQ waits (408).
    Timeout,
    /// HQ is at its limit of requests in progress, or could not answer in time (503, with
    /// `Retry-After`): try again after it.
    Busy,
    /// The endpoint exists but not with this method (405).
    MethodNotAllowed,
    /// A body in an encoding or type HQ does not take (415).
    UnsupportedMediaType,
}

impl ApiErrorCode {
    /// The code as it goes on the wire (`not_found`).
    pub fn as_str(self) -> &'static str {
        match self {
            ApiErrorCode::BadRequest => "bad_request",
            ApiErrorCode::TooLarge => "too_large",
            ApiErrorCode::Unauthorised => codes::UNAUTHORISED,
            ApiErrorCode::TokenExpired => codes::TOKEN_EXPIRED,
            ApiErrorCode::DeviceRevoked => codes::DEVICE_REVOKED,
            ApiErrorCode::Forbidden => "forbidden",
            ApiErrorCode::TooManyAttempts => codes::TOO_MANY_ATTEMPTS,
            ApiErrorCode::NotFound => "not_found",
            ApiErrorCode::Conflict => "conflict",
            ApiErrorCode::VersionNotSupported => codes::VERSION_NOT_SUPPORTED,
            ApiErrorCode::PurposeRequired => "purpose_required",
            ApiErrorCode::Internal => "internal",
            ApiErrorCode::Timeout => "timeout",
            ApiErrorCode::Busy => "busy",
            ApiErrorCode::MethodNotAllowed => "method_not_allowed",
            ApiErrorCode::UnsupportedMediaType => "unsupported_media_type",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// Input that breaks a rule, field by field: answered `bad_request` with the messages, and
    /// `fields` (`[{field, code, message}]`) for a form to show each by its field.
    #[error("{}", invalid_words(.0))]
    Invalid(ValidationErrors),
    #[error("the request is too large: send fewer records at a time")]
    TooLarge,
    #[error("sign in again: {0}")]
    Unauthorised(String),
    #[error("the access token has expired: refresh it")]
    TokenExpired,
    #[error("this device has been revoked by HQ: its records must be wiped")]
    DeviceRevoked,
    #[error("{0}")]
    Forbidden(String),
    /// Sign-in is paused after too many wrong passwords (see `crate::throttle`).
    #[error("{message}")]
    TooManyAttempts {
        message: String,
        retry_after_seconds: u64,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("this app speaks protocol version {0}; HQ speaks version 1: update the app")]
    VersionNotSupported(String),
    /// No purpose, or one that is not allowed (see `beatbook_domain::purpose`): answered 400
    /// `purpose_required`, with the reason in words.
    #[error("{0}")]
    PurposeRequired(String),
    #[error("HQ could not complete the request; it has been logged. Try again shortly")]
    Internal(String),
    /// The body did not arrive within the time HQ gives a request (see `crate::limits`).
    #[error(
        "the request took longer than {n} second{s} to arrive: send it again on a better connection", n = .0, s = if *.0 == 1 { "" } else { "s" }
    )]
    Timeout(u64),
    /// Too many requests in progress, or no answer in time: try again after `Retry-After`.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_seconds: u64,
    },
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
}

impl ApiError {
    pub fn code(&self) -> ApiErrorCode {
        use ApiErrorCode as C;
        match self {
            ApiError::BadRequest(_) | ApiError::Invalid(_) => C::BadRequest,
            ApiError::TooLarge => C::TooLarge,
            ApiError::Unauthorised(_) => C::Unauthorised,
            ApiError::TokenExpired => C::TokenExpired,
            ApiError::DeviceRevoked => C::DeviceRevoked,
            ApiError::Forbidden(_) => C::Forbidden,
            ApiError::TooManyAttempts { .. } => C::TooManyAttempts,
            ApiError::NotFound(_) => C::NotFound,
            ApiError::Conflict(_) => C::Conflict,
            ApiError::VersionNotSupported(_) => C::VersionNotSupported,
            ApiError::PurposeRequired(_) => C::PurposeRequired,
            ApiError::Internal(_) => C::Internal,
            ApiError::Timeout(_) => C::Timeout,
            ApiError::Busy { .. } => C::Busy,
            ApiError::MethodNotAllowed(_) => C::MethodNotAllowed,
            ApiError::UnsupportedMediaType(_) => C::UnsupportedMediaType,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Invalid(_) | ApiError::PurposeRequired(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorised(_) | ApiError::TokenExpired => StatusCode::UNAUTHORIZED,
            ApiError::DeviceRevoked | ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::VersionNotSupported(_) => StatusCode::UPGRADE_REQUIRED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }
}

/// Field errors as one message a person reads: each message, as a sentence.
fn invalid_words(errs: &ValidationErrors) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for e in &errs.errors {
        if !seen.contains(&e.message.as_str()) {
            seen.push(&e.message);
        }
    }
    seen.iter()
        .map(|m| {
            let mut c = m.trim().trim_end_matches('.').chars();
            let first: String = c
                .next()
                .map(|f| f.to_uppercase().collect())
                .unwrap_or_default();
            format!("{first}{}.", c.as_str())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        ApiError::Invalid(e)
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(m) => ApiError::Conflict(m),
            StorageError::NotFound(m) => ApiError::NotFound(m),
            // The database's own error, for the log (the client gets a plain message).
            other => ApiError::Internal(match std::error::Error::source(&other) {
                Some(cause) => format!("{other}: {cause}"),
                None => other.to_string(),
            }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            // The cause stays in the log; the client gets a code and a plain message.
            tracing::error!(%cause, "request failed");
        }
        let body = ApiErrorBody {
            code: self.code().as_str().to_owned(),
            message: self.to_string(),
        };
        let mut resp = match &self {
            ApiError::Invalid(errs) => {
                let mut json = serde_json::to_value(&body).unwrap_or_default();
                json["fields"] = serde_json::to_value(&errs.errors).unwrap_or_default();
                (self.status(), Json(json)).into_response()
            }
            _ => (self.status(), Json(body)).into_response(),
        };
        if let ApiError::TooManyAttempts {
            retry_after_seconds,
            ..
        }
        | ApiError::Busy {
            retry_after_seconds,
            ..
        } = self
        {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_seconds),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_storage_failure_keeps_its_cause_for_the_log_and_not_for_the_client() {
        let e = StorageError::from(rusqlite::Error::QueryReturnedNoRows);
        let cause = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("Query returned no rows"));
        let api = ApiError::from(e);
        match &api {
            ApiError::Internal(logged) => assert!(logged.contains("Query returned no rows")),
            other => panic!("expected Internal, got {other:?}"),
        }
        let resp = api.into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let body: ApiErrorBody = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body.code, "internal");
        assert_eq!(
            body.message,
            "HQ could not complete the request; it has been logged. Try again shortly"
        );

        let conflict = ApiError::from(StorageError::Conflict("taken".into()));
        assert_eq!(
            (conflict.code().as_str(), conflict.to_string()),
            ("conflict", "taken".into())
        );
    }

    #[test]
    fn each_code_goes_on_the_wire_as_its_generated_typescript_name() {
        // Every variant, as the generated union names them: `"bad_request" | "too_large" | ...`.
        let union = <ApiErrorCode as ts_rs::TS>::inline();
        let names: Vec<&str> = union.split(" | ").map(|n| n.trim_matches('"')).collect();
        assert!(names.len() > 1, "{union}");
        for name in names {
            let code: ApiErrorCode = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(code.as_str(), name);
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(name));
        }
    }
}
