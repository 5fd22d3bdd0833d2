//! One error type for every endpoint: logs the cause, answers `{code, message}` with a stable code.

use crate::storage::StorageError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::protocol::{codes, ApiErrorBody};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
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
    #[error("HQ could not complete the request; it has been logged. Try again shortly")]
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::TooLarge => "too_large",
            ApiError::Unauthorised(_) => codes::UNAUTHORISED,
            ApiError::TokenExpired => codes::TOKEN_EXPIRED,
            ApiError::DeviceRevoked => codes::DEVICE_REVOKED,
            ApiError::Forbidden(_) => "forbidden",
            ApiError::TooManyAttempts { .. } => codes::TOO_MANY_ATTEMPTS,
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::VersionNotSupported(_) => codes::VERSION_NOT_SUPPORTED,
            ApiError::Internal(_) => "internal",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorised(_) | ApiError::TokenExpired => StatusCode::UNAUTHORIZED,
            ApiError::DeviceRevoked | ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::VersionNotSupported(_) => StatusCode::UPGRADE_REQUIRED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(m) => ApiError::Conflict(m),
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
            code: self.code().to_owned(),
            message: self.to_string(),
        };
        let mut resp = (self.status(), Json(body)).into_response();
        if let ApiError::TooManyAttempts {
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
            (conflict.code(), conflict.to_string()),
            ("conflict", "taken".into())
        );
    }
}
