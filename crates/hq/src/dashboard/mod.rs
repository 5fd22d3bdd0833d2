//! The HQ dashboard's API, under `/api/v1/hq`: staff sign-in ([`auth`]), records ([`records`]),
//! subject access ([`subject_access`]), intelligence review ([`review`]), the records lifecycle ([`retention`]), administration ([`admin`]), the
//! audit search ([`audit`]), the performance framework ([`framework`]), its improvement actions
//! ([`actions`]), the outcomes beside it ([`outcomes`]: recorded crime, confidence, value for
//! money, partnership notes) and the committee report ([`committee`]). The page itself is served
//! by [`ui`].
//!
//! Every endpoint takes [`auth::Staff`] and asks `domain::access` whether the role may
//! (`staff.require(HqAction::...)`), then calls one function that does the work (in
//! [`crate::records`], [`crate::intel_review`], [`crate::admin`], ...) and answers; every
//! disclosure of records is written to the access log before it is sent.

pub mod actions;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod committee;
pub mod data_protection;
pub mod facts;
pub mod framework;
pub mod outcomes;
pub mod overlaps;
pub mod purpose;
pub mod qr;
pub mod records;
pub mod refusals;
pub mod retention;
pub mod review;
pub mod subject_access;
pub mod ui;

use crate::HqState;
use axum::routing::{get, post};
use axum::Router;

/// The dashboard's routes, to be nested under `/api/v1/hq`.
pub fn routes() -> Router<HqState> {
    Router::new()
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/purposes", get(purpose::list))
        .route("/records", get(records::list))
        .route("/records/{id}", get(records::get))
        .route("/subject-access", get(subject_access::search))
        .route(
            "/subject-access/requests",
            get(subject_access::requests).post(subject_access::create),
        )
        .route(
            "/subject-access/requests/{id}",
            get(subject_access::request),
        )
        .route(
            "/subject-access/requests/{id}/pack.json",
            get(subject_access::pack_json),
        )
        .route(
            "/subject-access/requests/{id}/pack.html",
            get(subject_access::pack_html),
        )
        .route(
            "/subject-access/redactions",
            get(subject_access::redactions).post(subject_access::decide),
        )
        .route("/data-protection/records/{id}", get(data_protection::get))
        .route(
            "/data-protection/records/{id}/rectify",
            post(data_protection::rectify),
        )
        .route(
            "/data-protection/records/{id}/restrict",
            post(data_protection::restrict),
        )
        .route(
            "/data-protection/records/{id}/lift",
            post(data_protection::lift),
        )
        .route("/admin/areas", get(admin::areas).post(admin::put_area))
        .route("/admin/teams", get(admin::teams).post(admin::put_team))
        .route(
            "/admin/officers",
            get(admin::officers).post(admin::put_officer),
        )
        .route("/admin/officers/new", post(admin::add_officer))
        .route("/admin/officers/disabled", get(admin::disabled_officers))
        .route(
            "/admin/officers/{id}/disabled",
            post(admin::set_officer_disabled),
        )
        .route("/admin/enrolment-codes", post(admin::enrolment_code))
        .route("/admin/devices", get(admin::devices))
        .route("/admin/devices/{id}/revoke", post(admin::revoke))
        .route("/admin/audit", get(audit::search))
        .route("/admin/verify-chains", post(admin::verify_chains))
        .route("/framework", get(framework::get))
        .route("/framework.csv", get(framework::csv))
        .route("/framework/cell", get(framework::cell))
        .route("/framework/trend", get(framework::trend))
        .route("/framework/officers", get(framework::officers))
        .route("/framework/overlaps", get(overlaps::get))
        .route(
            "/framework/targets",
            get(framework::targets).post(framework::put_target),
        )
        .route("/actions", get(actions::list).post(actions::open))
        .route("/actions/{id}", get(actions::get))
        .route("/actions/{id}/updates", post(actions::add_update))
        .route("/actions/{id}/close", post(actions::close))
        .route("/intel/queue", get(review::queue))
        .route("/intel/{id}", get(review::get))
        .route("/intel/{id}/grade", post(review::grade))
        .route("/intel/{id}/disseminate", post(review::disseminate))
        .route("/committee/report", get(committee::report))
        .route("/committee/report.pdf", get(committee::report_pdf))
        .route("/outcomes", get(outcomes::board))
        .route(
            "/outcomes/crime",
            get(outcomes::crime).post(outcomes::import_crime),
        )
        .route("/outcomes/survey", post(outcomes::import_survey))
        .route("/outcomes/confidence", get(outcomes::confidence))
        .route(
            "/outcomes/costs",
            get(outcomes::costs).post(outcomes::set_cost),
        )
        .route(
            "/partnership-notes",
            get(outcomes::notes).post(outcomes::add_note),
        )
        .route("/retention/queue", get(retention::queue))
        .route(
            "/retention/decisions",
            get(retention::decisions).post(retention::decide),
        )
}
