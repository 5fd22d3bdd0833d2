//! Administration endpoints, for administrators: teams, areas, officers and roles; enrolment
//! codes; devices (last sync, app version) and revocation; verifying the op log's hash chains.
//! The work, and its rules, are in [`crate::admin`], which the `beatbook hq admin` commands call
//! too. The audit search is [`super::audit`].

use super::auth::Staff;
use crate::admin::{self as ops, AdminError};
use crate::admin_log::{self, AdminEvent};
pub use crate::chains::ChainView;
use crate::error::ApiError;
use crate::extract::Path;
use crate::HqState;
use axum::extract::State;
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::area::Area;
use beatbook_domain::people::{Officer, Team};
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::DeviceId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use crate::admin::{DeviceView, NewArea, NewTeam};

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn body<T>(b: Body<T>) -> Result<T, ApiError> {
    b.map(|Json(v)| v)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(m) => ApiError::BadRequest(m),
            AdminError::NotFound(m) => ApiError::NotFound(m),
            AdminError::Storage(s) => s.into(),
        }
    }
}

/// `GET /api/v1/hq/admin/areas`.
#[utoipa::path(get, path = "/api/v1/hq/admin/areas", tag = "hq", operation_id = "hq_admin_areas",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "Every area (`Area` in the TypeScript bindings)", body = Vec<Object>), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an HQ role", body = ApiErrorBody)))]
pub async fn areas(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<Vec<Area>>, ApiError> {
    staff.require(HqAction::ReadReference)?;
    Ok(Json(state.storage.areas().await?))
}

/// `POST /api/v1/hq/admin/areas`: add an area, its boundary pasted or uploaded as GeoJSON.
#[utoipa::path(post, path = "/api/v1/hq/admin/areas", tag = "hq", operation_id = "hq_admin_put_area",
    request_body = NewArea,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The area as saved (`Area` in the TypeScript bindings)", body = Object), (status = 400, description = "Not valid: the message says what is wrong with the boundary or name", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn put_area(
    State(state): State<HqState>,
    staff: Staff,
    b: Body<NewArea>,
) -> Result<Json<Area>, ApiError> {
    staff.require(HqAction::ManageDirectory)?;
    let area = ops::add_area(state.storage.as_ref(), &body(b)?).await?;
    tracing::info!(area = %area.id, by = %staff.officer.id, "area added");
    admin_log::record(
        &state,
        AdminEvent::new(
            Some(&staff.officer.id),
            "area_added",
            format!("Added the area {} ({}).", area.name, area.borough),
        ),
    )
    .await?;
    Ok(Json(area))
}

/// `GET /api/v1/hq/admin/teams`.
#[utoipa::path(get, path = "/api/v1/hq/admin/teams", tag = "hq", operation_id = "hq_admin_teams",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "Every team (`Team` in the TypeScript bindings)", body = Vec<Object>), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an HQ role", body = ApiErrorBody)))]
pub async fn teams(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<Vec<Team>>, ApiError> {
    staff.require(HqAction::ReadReference)?;
    Ok(Json(state.storage.teams().await?))
}

/// `POST /api/v1/hq/admin/teams`: add a team; its areas must exist.
#[utoipa::path(post, path = "/api/v1/hq/admin/teams", tag = "hq", operation_id = "hq_admin_put_team",
    request_body = NewTeam,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The team as saved (`Team` in the TypeScript bindings)", body = Object), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn put_team(
    State(state): State<HqState>,
    staff: Staff,
    b: Body<NewTeam>,
) -> Result<Json<Team>, ApiError> {
    staff.require(HqAction::ManageDirectory)?;
    let team = ops::add_team(state.storage.as_ref(), &body(b)?).await?;
    tracing::info!(team = %team.id, by = %staff.officer.id, "team added");
    let areas = state.storage.areas().await?;
    let covers: Vec<String> = team
        .areas
        .iter()
        .map(|id| {
            areas
                .iter()
                .find(|a| &a.id == id)
                .map_or_else(|| id.to_string(), |a| a.name.clone())
        })
        .collect();
    admin_log::record(
        &state,
        AdminEvent::new(
            Some(&staff.officer.id),
            "team_added",
            format!(
                "Added the team {}, covering {}.",
                team.name,
                covers.join(", ")
            ),
        ),
    )
    .await?;
    Ok(Json(team))
}

/// `GET /api/v1/hq/admin/officers`.
#[utoipa::path(get, path = "/api/v1/hq/admin/officers", tag = "hq", operation_id = "hq_admin_officers",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "Every officer (`Officer` in the TypeScript bindings)", body = Vec<Object>), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn officers(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<Vec<Officer>>, ApiError> {
    staff.require(HqAction::ManageDirectory)?;
    Ok(Json(state.storage.officers().await?))
}

#[derive(Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct PutOfficer {
    #[schema(value_type = Object)]
    pub officer: Officer,
    /// Set a new password (at least 10 characters); keep the current one when absent.
    #[ts(optional)]
    pub password: Option<String>,
}

/// `POST /api/v1/hq/admin/officers`: add an officer or change their name, role or teams.
#[utoipa::path(post, path = "/api/v1/hq/admin/officers", tag = "hq", operation_id = "hq_admin_put_officer",
    request_body = PutOfficer,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The officer as saved", body = Object), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn put_officer(
    State(state): State<HqState>,
    staff: Staff,
    b: Body<PutOfficer>,
) -> Result<Json<Officer>, ApiError> {
    staff.require(HqAction::ManageDirectory)?;
    let req = body(b)?;
    let before = state
        .storage
        .officer(&req.officer.id)
        .await?
        .map(|r| r.officer);
    ops::put_officer_as(
        state.storage.as_ref(),
        &staff.officer.id,
        &req.officer,
        req.password.as_deref(),
    )
    .await?;
    tracing::info!(officer = %req.officer.id, role = ?req.officer.role, by = %staff.officer.id, "officer saved");
    log_officer(
        &state,
        &staff,
        before.as_ref(),
        &req.officer,
        req.password.is_some(),
    )
    .await?;
    Ok(Json(req.officer))
}

/// `POST /api/v1/hq/admin/officers/new`: add an officer with a password; refused when the
/// collar number is taken (HQ makes the officer's id from it).
#[utoipa::path(post, path = "/api/v1/hq/admin/officers/new", tag = "hq", operation_id = "hq_admin_add_officer",
    request_body = PutOfficer,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The officer as saved", body = Object), (status = 400, description = "Not valid, or the collar number is taken", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn add_officer(
    State(state): State<HqState>,
    staff: Staff,
    b: Body<PutOfficer>,
) -> Result<Json<Officer>, ApiError> {
    staff.require(HqAction::ManageDirectory)?;
    let req = body(b)?;
    let officer = ops::add_officer(
        state.storage.as_ref(),
        &req.officer,
        req.password.as_deref(),
    )
    .await?;
    tracing::info!(officer = %officer.id, role = ?officer.role, by = %staff.officer.id, "officer added");
    log_officer(&state, &staff, None, &officer, req.password.is_some()).await?;
    Ok(Json(officer))
}

/// A disabled officer (a leaver): signing in refused, every session ended.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DisabledOfficer {
    pub officer_id: String,
    pub disabled_at: DateTime<Utc>,
}

/// `GET /api/v1/hq/admin/officers/disabled`: the officers who are disabled, and since when.
#[utoipa::path(get, path = "/api/v1/hq/admin/officers/disabled", tag = "hq", operation_id = "hq_admin_disabled_officers",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<DisabledOfficer>), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn disabled_officers(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<Vec<DisabledOfficer>>, ApiError> {
    staff.require(HqAction::ManageDirectory)?;
    Ok(Json(
        state
            .storage
            .disabled_officers()
            .await?
            .into_iter()
            .map(|(id, at)| DisabledOfficer {
                officer_id: id.to_string(),
                disabled_at: at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SetDisabled {
    /// `true`: disable the officer (a leaver); `false`: enable them again.
    pub disabled: bool,
}

/// Whether an officer is disabled now.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct OfficerAccess {
    pub officer_id: String,
    /// Since when the officer is disabled; absent when they may sign in.
    #[ts(optional)]
    pub disabled_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/hq/admin/officers/{id}/disabled`: disable an officer (signing in refused, every
/// session of theirs ended at once) or enable them again. Logged in the admin log.
#[utoipa::path(post, path = "/api/v1/hq/admin/officers/{id}/disabled", tag = "hq", operation_id = "hq_admin_set_officer_disabled",
    params(("id" = String, Path, description = "The officer")),
    request_body = SetDisabled,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = OfficerAccess), (status = 400, description = "Not valid, or your own account", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody), (status = 404, description = "No such officer", body = ApiErrorBody)))]
pub async fn set_officer_disabled(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<String>,
    b: Body<SetDisabled>,
) -> Result<Json<OfficerAccess>, ApiError> {
    staff.require(HqAction::ManageDirectory)?;
    let req = body(b)?;
    let id = beatbook_domain::OfficerId::new(id);
    let row = ops::set_officer_disabled(
        state.storage.as_ref(),
        Some(&staff.officer.id),
        &id,
        req.disabled,
    )
    .await?;
    tracing::info!(officer = %id, disabled = req.disabled, by = %staff.officer.id, "officer access set");
    Ok(Json(OfficerAccess {
        officer_id: row.officer.id.to_string(),
        disabled_at: row.disabled_at,
    }))
}

#[derive(Deserialize, Default, ts_rs::TS, utoipa::ToSchema)]
#[serde(default)]
#[ts(export_to = "../../hq/bindings/")]
pub struct NewCode {
    /// How long the code works, in hours (1 to 168; HQ's setting when absent).
    #[ts(optional, as = "Option<i32>")]
    #[schema(minimum = 1, maximum = 168)]
    pub hours: Option<i64>,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct EnrolmentCode {
    /// Shown once: HQ keeps only its hash. When HQ serves TLS, followed by the pin of HQ's
    /// certificate authority (39 characters in all): the tablet then trusts that authority alone.
    pub code: String,
    pub expires_at: DateTime<Utc>,
    /// The code as a QR code (SVG), for the tablet's camera.
    pub qr_svg: String,
    /// SHA-256 of the certificate authority the code pins (hex), when HQ serves TLS: what
    /// `beatbook hq tls-certs` printed, to compare.
    pub ca_fingerprint: Option<String>,
}

/// `POST /api/v1/hq/admin/enrolment-codes`: a one-time code to enrol a device.
#[utoipa::path(post, path = "/api/v1/hq/admin/enrolment-codes", tag = "hq", operation_id = "hq_admin_enrolment_code",
    request_body = NewCode,
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = EnrolmentCode), (status = 400, description = "Not valid", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn enrolment_code(
    State(state): State<HqState>,
    staff: Staff,
    b: Body<NewCode>,
) -> Result<Json<EnrolmentCode>, ApiError> {
    staff.require(HqAction::ManageDevices)?;
    let hours = body(b)?
        .hours
        .unwrap_or(state.settings.enrolment_code_hours);
    let code = ops::enrolment_code(state.storage.as_ref(), hours).await?;
    let code = ops::enrolment_code_text(&code, &state.settings.tls)?;
    let ca_fingerprint = state.settings.tls.ca_fingerprint().ok().flatten();
    tracing::info!(by = %staff.officer.id, hours, "enrolment code issued");
    admin_log::record(
        &state,
        AdminEvent::new(
            Some(&staff.officer.id),
            "enrolment_code_issued",
            format!(
                "Issued an enrolment code that works for {hours} hour{}.",
                if hours == 1 { "" } else { "s" }
            ),
        ),
    )
    .await?;
    Ok(Json(EnrolmentCode {
        qr_svg: super::qr::svg(&code),
        code,
        expires_at: Utc::now() + Duration::hours(hours),
        ca_fingerprint,
    }))
}

/// `GET /api/v1/hq/admin/devices`: every device, with its last sync and app version.
#[utoipa::path(get, path = "/api/v1/hq/admin/devices", tag = "hq", operation_id = "hq_admin_devices",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<DeviceView>), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn devices(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<Vec<DeviceView>>, ApiError> {
    staff.require(HqAction::ManageDevices)?;
    Ok(Json(ops::devices(state.storage.as_ref()).await?))
}

/// `POST /api/v1/hq/admin/devices/{id}/revoke`: the device is refused from now on and wipes its
/// store at its next contact.
#[utoipa::path(post, path = "/api/v1/hq/admin/devices/{id}/revoke", tag = "hq", operation_id = "hq_admin_revoke",
    params(("id" = uuid::Uuid, Path, description = "The device")),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 204, description = "Revoked"), (status = 400, description = "HQ's own review identity", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody), (status = 404, description = "No such device", body = ApiErrorBody)))]
pub async fn revoke(
    State(state): State<HqState>,
    staff: Staff,
    Path(id): Path<DeviceId>,
) -> Result<axum::http::StatusCode, ApiError> {
    staff.require(HqAction::ManageDevices)?;
    ops::revoke_device(state.storage.as_ref(), id).await?;
    tracing::warn!(device = %id, by = %staff.officer.id, "device revoked");
    let name = state
        .storage
        .device(id)
        .await?
        .map_or_else(|| id.to_string(), |d| d.name);
    admin_log::record(
        &state,
        AdminEvent::new(
            Some(&staff.officer.id),
            "device_revoked",
            format!(
                "Revoked the tablet “{name}”: it is refused and wipes itself at its next contact."
            ),
        ),
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The admin-log events of saving an officer (see [`ops::officer_events`]).
async fn log_officer(
    state: &HqState,
    staff: &Staff,
    before: Option<&Officer>,
    after: &Officer,
    password_set: bool,
) -> Result<(), ApiError> {
    let teams = state.storage.teams().await?;
    for (action, detail) in ops::officer_events(before, after, password_set, &teams) {
        admin_log::record(
            state,
            AdminEvent::new(Some(&staff.officer.id), action, detail),
        )
        .await?;
    }
    Ok(())
}

/// `POST /api/v1/hq/admin/verify-chains`: check every chain HQ keeps (each device's op log, the
/// retention decisions, the access log, the admin log), each answered in words.
#[utoipa::path(post, path = "/api/v1/hq/admin/verify-chains", tag = "hq", operation_id = "hq_admin_verify_chains",
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<ChainView>), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not an administrator", body = ApiErrorBody)))]
pub async fn verify_chains(
    State(state): State<HqState>,
    staff: Staff,
) -> Result<Json<Vec<ChainView>>, ApiError> {
    staff.require(HqAction::Audit)?;
    Ok(Json(
        crate::chains::verify_every_chain(state.storage.as_ref()).await?,
    ))
}
