//! The purpose of a read of personal data (see `beatbook_domain::purpose`): every dashboard read
//! of records takes [`Purposed`], which reads the `beatbook-purpose` header and checks it against
//! the force's list (`[access] purposes`), or refuses the request `purpose_required` with the
//! reason in words. The purpose goes to the access log with the read
//! (`crate::records::log_disclosure_for`, [`Purposed::words`]).

use crate::error::ApiError;
use crate::HqState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use beatbook_domain::purpose::{Purpose, HEADER};

/// A purpose given with a request, checked against the force's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purposed(pub Purpose);

impl Purposed {
    /// The purpose in words, as the access log keeps it.
    pub fn words(&self, state: &HqState) -> String {
        self.0.describe(&state.settings.access.purposes)
    }

    /// Whether it may show an analyst names and contact details.
    pub fn unmasks(&self, state: &HqState) -> bool {
        self.0.unmasks(&state.settings.access.purposes)
    }
}

impl FromRequestParts<HqState> for Purposed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &HqState) -> Result<Self, ApiError> {
        let raw = match parts.headers.get(HEADER) {
            None => None,
            Some(v) => Some(v.to_str().map_err(|_| {
                ApiError::PurposeRequired(
                    "the purpose could not be read: send it form-encoded".into(),
                )
            })?),
        };
        Purpose::parse(raw, &state.settings.access.purposes)
            .map(Purposed)
            .map_err(|e| ApiError::PurposeRequired(e.to_string()))
    }
}

/// The purposes a force allows and how long the dashboard holds one once given.
#[derive(serde::Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Purposes {
    /// In the order staff pick from.
    pub kinds: Vec<beatbook_domain::purpose::PurposeKind>,
    /// Minutes a purpose is held in the page after it is given (`[access] purpose_minutes`).
    pub hold_minutes: u32,
}

/// `GET /api/v1/hq/purposes`: the purposes a force allows (`[access] purposes`), for the
/// dashboard's purpose dialog, and how long it holds one. Any signed-in staff.
#[utoipa::path(get, path = "/api/v1/hq/purposes", tag = "hq", operation_id = "hq_purposes",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Purposes), (status = 401, description = "Not signed in", body = beatbook_domain::protocol::ApiErrorBody)))]
pub async fn list(
    axum::extract::State(state): axum::extract::State<HqState>,
    staff: super::auth::Staff,
) -> Result<axum::Json<Purposes>, ApiError> {
    staff.require(beatbook_domain::access::HqAction::ReadReference)?;
    Ok(axum::Json(Purposes {
        kinds: state.settings.access.purposes.clone(),
        hold_minutes: state.settings.access.purpose_minutes,
    }))
}
