//! The extractors every handler uses for its query string, path and JSON body: axum's, with
//! their refusals answered as HQ's `{code, message}` in words (axum's own answer `text/plain`),
//! and the ranges numbers in a query or body must be in.
//!
//! Use them in place of axum's: `use crate::extract::{Json, Path, Query};`. [`Json`] answers as
//! axum's does, so one type serves for the body taken and the answer given.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

/// The query string, deserialized into `T`; a malformed one is a `bad_request` in words.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(query_rejection)
    }
}

/// The path's parameters, deserialized into `T`; one that does not parse (a record id that is
/// not one) is a `bad_request` in words.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(path_rejection)
    }
}

/// A JSON body deserialized into `T` (too large: `too_large`; not JSON, or not the right shape:
/// `bad_request` in words), and a JSON answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| Json(j.0))
            .map_err(json_rejection)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// axum's refusal of a query string, as HQ's error.
pub fn query_rejection(e: QueryRejection) -> ApiError {
    ApiError::BadRequest(format!(
        "the query string is not valid: {}",
        words(&e.body_text())
    ))
}

/// axum's refusal of a path, as HQ's error (a route that names a parameter its handler does not
/// take is HQ's fault: `internal`).
pub fn path_rejection(e: PathRejection) -> ApiError {
    if e.status().is_server_error() {
        return ApiError::Internal(e.body_text());
    }
    ApiError::BadRequest(format!(
        "the address is not valid: {}",
        words(&e.body_text())
    ))
}

/// axum's refusal of a JSON body, as HQ's error.
pub fn json_rejection(e: JsonRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge;
    }
    if e.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        // A body that is not valid, as every endpoint documents it (400), in words.
        return ApiError::BadRequest(
            "the request body is not valid: send it as JSON, with the header Content-Type: \
             application/json"
                .into(),
        );
    }
    ApiError::BadRequest(format!(
        "the request body is not valid: {}",
        words(&e.body_text())
    ))
}

/// axum's refusal text without its preamble (`Failed to deserialize query string: `): what is
/// wrong, in serde's words.
pub(crate) fn words(text: &str) -> String {
    const PREAMBLES: [&str; 6] = [
        "Failed to deserialize query string: ",
        "Failed to deserialize the JSON body into the target type: ",
        "Failed to parse the request body as JSON: ",
        "Invalid URL: ",
        "Wrong number of path arguments for `Path`. ",
        "Failed to deserialize query string. ",
    ];
    let mut t = text.trim();
    for p in PREAMBLES {
        t = t.strip_prefix(p).unwrap_or(t);
    }
    t.trim().to_owned()
}

/// An optional whole number that must lie in `LO..=HI`, for a query or body field:
/// `#[serde(default, deserialize_with = "crate::extract::ranged::<_, 1, 5000>")]` on an
/// `Option<u32>`. A number outside is refused in words rather than clamped.
pub fn ranged<'de, D, const LO: u32, const HI: u32>(d: D) -> Result<Option<u32>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<u64>::deserialize(d)? {
        None => Ok(None),
        Some(n) if (u64::from(LO)..=u64::from(HI)).contains(&n) => Ok(u32::try_from(n).ok()),
        Some(n) => Err(D::Error::custom(format!(
            "{n} is out of range: give {LO} to {HI}"
        ))),
    }
}

/// A cursor (a sequence number HQ gave): 0 to 2^63 - 1, as HQ's databases hold them.
pub fn cursor<'de, D>(d: D) -> Result<u64, D::Error>
where
    D: Deserializer<'de>,
{
    let n = u64::deserialize(d)?;
    if i64::try_from(n).is_err() {
        return Err(D::Error::custom(format!(
            "{n} is out of range: a cursor is at most {}",
            i64::MAX
        )));
    }
    Ok(n)
}

/// An optional cursor (see [`cursor`]).
pub fn opt_cursor<'de, D>(d: D) -> Result<Option<u64>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<u64>::deserialize(d)? {
        Some(n) if i64::try_from(n).is_err() => Err(D::Error::custom(format!(
            "{n} is out of range: a cursor is at most {}",
            i64::MAX
        ))),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Q {
        #[serde(default, deserialize_with = "ranged::<_, 1, 5000>")]
        limit: Option<u32>,
        #[serde(default, deserialize_with = "cursor")]
        after: u64,
    }

    fn q(s: &str) -> Result<Q, String> {
        let uri: axum::http::Uri = format!("/x?{s}").parse().unwrap();
        axum::extract::Query::<Q>::try_from_uri(&uri)
            .map(|q| q.0)
            .map_err(|e| e.body_text())
    }

    #[test]
    fn numbers_out_of_range_are_refused_in_words_not_clamped() {
        assert_eq!(q("").unwrap().limit, None);
        assert_eq!(q("limit=1").unwrap().limit, Some(1));
        assert_eq!(q("limit=5000&after=7").unwrap().limit, Some(5000));
        assert_eq!(q("after=7").unwrap().after, 7);
        let e = q("limit=2147483648").unwrap_err();
        assert!(e.contains("out of range: give 1 to 5000"), "{e}");
        assert!(q("limit=0").is_err());
        assert!(q("limit=-1").is_err());
        assert!(q("after=9223372036854775808")
            .unwrap_err()
            .contains("cursor"));
    }

    #[test]
    fn axums_preamble_goes_and_what_is_wrong_stays() {
        assert_eq!(
            words("Failed to deserialize query string: limit: invalid digit found in string"),
            "limit: invalid digit found in string"
        );
    }
}
