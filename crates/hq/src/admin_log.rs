//! The admin log: administration and security events (sign-ins, role, password and team
//! changes, officers added, areas and teams, enrolment codes, devices enrolled and revoked,
//! retention decisions, exports), append-only and hash-chained like the access log, so that a
//! force's data protection officer can see who did what to HQ itself, and `verify-chains` shows
//! that nothing was taken out or changed.
//!
//! Anything that changes who may do what, or takes personal data out of HQ, calls [`record`]
//! (or [`record_in`] where only the storage is at hand, as in `beatbook hq admin ...`).

use crate::storage::{Storage, StorageError};
use crate::HqState;
use beatbook_domain::OfficerId;

/// One event for the admin log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminEvent {
    /// Who did it (`None`: HQ itself, the command line, or nobody known, as in a failed
    /// sign-in with an unknown collar number).
    pub by: Option<OfficerId>,
    /// What kind of event, in snake_case (`sign_in`, `sign_in_failed`, `officer_saved`, ...).
    pub action: &'static str,
    /// What happened, in words a person reads ("Changed PC4127 PC Sam Patel's role from
    /// officer to supervisor.").
    pub detail: String,
}

impl AdminEvent {
    pub fn new(by: Option<&OfficerId>, action: &'static str, detail: impl Into<String>) -> Self {
        AdminEvent {
            by: by.cloned(),
            action,
            detail: detail.into(),
        }
    }
}

/// Append an event to the admin log (chained to the one before it).
pub async fn record(state: &HqState, event: AdminEvent) -> Result<(), StorageError> {
    record_in(state.storage.as_ref(), event).await
}

/// [`record`] with only the storage at hand (the command line).
pub async fn record_in(storage: &dyn Storage, event: AdminEvent) -> Result<(), StorageError> {
    tracing::info!(by = ?event.by, action = event.action, detail = %event.detail, "admin event");
    storage
        .append_admin_log(
            chrono::Utc::now(),
            event.by.as_ref(),
            event.action,
            &event.detail,
        )
        .await?;
    Ok(())
}
