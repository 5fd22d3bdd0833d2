//! The committee's report: `GET /api/v1/hq/committee/report` (JSON) and
//! `GET /api/v1/hq/committee/report.pdf` (the PDF a committee circulates). Aggregates only; the
//! work is in [`crate::committee`].

use super::auth::Staff;
use crate::error::ApiError;
use crate::extract::Query;
use crate::{committee, HqState};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_domain::access::HqAction;
use beatbook_domain::committee::CommitteeReport;
use beatbook_domain::protocol::ApiErrorBody;
use chrono::Utc;
use serde::Deserialize;

#[derive(Deserialize, Debug, Default, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The quarter (`2026-Q4`), up to the current one; the last complete one when left out.
    #[param(pattern = r"^\s*(\+?(19|[2-9][0-9])[0-9]{2}-[Qq][1-4])?\s*$")]
    pub quarter: Option<String>,
}

/// `GET /api/v1/hq/committee/report?quarter=2026-Q4`: the committee report for a quarter.
#[utoipa::path(get, path = "/api/v1/hq/committee/report", tag = "hq", operation_id = "hq_committee_report",
    params(ReportQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, body = CommitteeReport), (status = 400, description = "Not a quarter, or one that has not begun", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that reads the committee report", body = ApiErrorBody)))]
pub async fn report(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<ReportQuery>,
) -> Result<Json<CommitteeReport>, ApiError> {
    staff.require(HqAction::CommitteeReport)?;
    let quarter = committee::quarter_asked(q.quarter.as_deref(), Utc::now().date_naive())?;
    Ok(Json(committee::report(&state, quarter).await?))
}

/// `GET /api/v1/hq/committee/report.pdf?quarter=2026-Q4`: the report as a PDF (A4 landscape).
#[utoipa::path(get, path = "/api/v1/hq/committee/report.pdf", tag = "hq", operation_id = "hq_committee_report_pdf",
    params(ReportQuery),
    security(("hq_session" = []), ("bearer" = [])),
    responses((status = 200, description = "The report as a PDF, offered as `committee-report-2026-Q4.pdf`: a summary page, a section per team, the partnership notes; the title, force, quarter and page number on every page", content_type = "application/pdf", body = Vec<u8>), (status = 400, description = "Not a quarter, or one that has not begun", body = ApiErrorBody), (status = 401, description = "Not signed in", body = ApiErrorBody), (status = 403, description = "Not a role that reads the committee report", body = ApiErrorBody)))]
pub async fn report_pdf(
    State(state): State<HqState>,
    staff: Staff,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    staff.require(HqAction::CommitteeReport)?;
    let quarter = committee::quarter_asked(q.quarter.as_deref(), Utc::now().date_naive())?;
    let report = committee::report(&state, quarter).await?;
    crate::admin_log::record(
        &state,
        crate::admin_log::AdminEvent::new(
            Some(&staff.officer.id),
            "export_committee_report",
            format!(
                "Exported the committee report for {quarter} as a PDF ({}).",
                committee::pdf_file_name(quarter)
            ),
        ),
    )
    .await?;
    let bytes = tokio::task::spawn_blocking(move || committee::pdf(&report))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let headers = [
        (header::CONTENT_TYPE, "application/pdf".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                committee::pdf_file_name(quarter)
            ),
        ),
    ];
    Ok((headers, bytes).into_response())
}
