//! Every refusal (`403`) answered to a signed-in staff member on `/api/v1/hq/*` is written to the
//! access log: who, when, and what they asked for (the method and path; a record named in the
//! path is logged as the record asked for). A committee member who asks for a record, a name or
//! a drill-down is refused, and an administrator finds the attempt in the audit search as
//! "Refused: ..." in words ([`words`]).
//!
//! One layer over the dashboard's routes ([`log_refusals`]), so no endpoint can forget it. The
//! person is found from the session the request carried, whatever their role is now.

use crate::auth::sha256_hex;
use crate::records::log_disclosure;
use crate::HqState;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use beatbook_domain::RecordId;
use chrono::Utc;

/// The access log's action for a refusal.
pub const REFUSED: &str = "refused";

/// At most this much of what was asked is kept (a query string can be long).
const MAX_ASKED: usize = 500;

/// The layer: answer as the endpoint did, and log a refusal to a signed-in staff member.
pub async fn log_refusals(State(state): State<HqState>, req: Request, next: Next) -> Response {
    let token = super::auth::token_from(req.headers());
    let method = req.method().clone();
    let uri = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().clone(), |o| o.0.clone());
    let resp = next.run(req).await;
    if resp.status() != StatusCode::FORBIDDEN {
        return resp;
    }
    // Sign-in answers for the collar number in its body, not for a session the browser may
    // still hold: a refusal there is not that session's person's.
    let Some(token) = token.filter(|_| !uri.path().ends_with("/hq/login")) else {
        return resp;
    };
    let asked = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    if let Err(e) = log(&state, &token, &method, uri.path(), &asked).await {
        // The refusal stands; the failure to log it is loud in the server's log.
        tracing::error!(error = %e, path = %uri.path(), "could not log a refusal to the access log");
    }
    resp
}

async fn log(
    state: &HqState,
    token: &str,
    method: &Method,
    path: &str,
    asked: &str,
) -> Result<(), crate::error::ApiError> {
    let Some(session) = state
        .storage
        .hq_session(&sha256_hex(token))
        .await?
        .filter(|s| s.expires_at > Utc::now())
    else {
        return Ok(()); // not signed in: nobody to name
    };
    let mut asked = format!("{method} {asked}");
    if asked.len() > MAX_ASKED {
        let mut cut = MAX_ASKED;
        while !asked.is_char_boundary(cut) {
            cut -= 1;
        }
        asked.truncate(cut);
    }
    let records: Vec<RecordId> = path
        .split('/')
        .filter_map(|s| s.parse::<RecordId>().ok())
        .collect();
    log_disclosure(state, &session.officer_id, REFUSED, records, asked).await
}

/// What a refusal's detail (`GET /api/v1/hq/records/…`) asked for, in words, for the audit
/// search: "Refused: open a record (GET /api/v1/hq/records/…)". `None` when the detail is not a
/// refusal's.
pub fn words(detail: &str) -> Option<String> {
    let (method, rest) = detail.split_once(' ')?;
    if !matches!(method, "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD") {
        return None;
    }
    let path = rest.split('?').next()?;
    let tail = path.strip_prefix("/api/v1/hq")?;
    let segments: Vec<&str> = tail.split('/').filter(|s| !s.is_empty()).collect();
    let post = method != "GET" && method != "HEAD";
    let what = match segments.as_slice() {
        ["records"] => "the records list",
        ["records", _, ..] => "open a record",
        ["subject-access", "redactions", ..] => "the subject access review",
        ["subject-access", "requests", ..] => "a subject access request or its pack",
        ["subject-access", ..] => "the subject access search",
        ["framework", "cell", ..] => "the records behind a figure on the performance framework",
        ["framework", "officers", ..] => "a team's figures officer by officer",
        ["framework", "targets", ..] if post => "set a performance framework target",
        ["framework" | "framework.csv", ..] => "the performance framework",
        ["actions", ..] if post => "change an improvement action",
        ["actions", ..] => "the improvement actions, with their owners",
        ["intel", ..] => "the intelligence review",
        ["admin", "audit", ..] => "the audit trail",
        ["admin", "officers", ..] => "the officers, by name",
        ["admin", ..] => "the administration pages",
        ["retention", ..] => "the retention review",
        ["outcomes", ..] if post => "load or change outcome figures",
        ["outcomes", ..] => "the outcome figures",
        ["partnership-notes", ..] if post => "write a partnership note",
        ["partnership-notes", ..] => "the partnership notes",
        ["committee", ..] => "the committee report",
        _ => "a page of the dashboard",
    };
    let shown: Vec<&str> = path
        .split('/')
        .map(|s| {
            if s.parse::<uuid::Uuid>().is_ok() {
                "…"
            } else {
                s
            }
        })
        .collect();
    Some(format!("Refused: {what} ({method} {})", shown.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_as_what_was_asked_in_words() {
        let id = RecordId::new();
        assert_eq!(
            words(&format!("GET /api/v1/hq/records/{id}")).as_deref(),
            Some("Refused: open a record (GET /api/v1/hq/records/…)")
        );
        assert_eq!(
            words("GET /api/v1/hq/framework/cell?unit=camden-tct&measure=concerns_closed")
                .as_deref(),
            Some("Refused: the records behind a figure on the performance framework (GET /api/v1/hq/framework/cell)")
        );
        assert_eq!(
            words("GET /api/v1/hq/subject-access?name=Smith").as_deref(),
            Some("Refused: the subject access search (GET /api/v1/hq/subject-access)")
        );
        assert_eq!(
            words("POST /api/v1/hq/actions").as_deref(),
            Some("Refused: change an improvement action (POST /api/v1/hq/actions)")
        );
        assert_eq!(
            words("GET /api/v1/hq/actions?state=open").as_deref(),
            Some("Refused: the improvement actions, with their owners (GET /api/v1/hq/actions)")
        );
        assert_eq!(
            words("framework drill-down camden-tct concerns_closed"),
            None
        );
        assert_eq!(words("GET somewhere"), None);
    }
}
