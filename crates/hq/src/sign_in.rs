//! Checking an officer's collar number and password, at either sign-in (a device's or the HQ
//! dashboard's), throttled as [`crate::throttle`] says.

use crate::admin_log::{record, AdminEvent};
use crate::error::ApiError;
use crate::storage::OfficerRow;
use crate::throttle::{Attempt, Client};
use crate::HqState;

/// Where a sign-in came from, in words: "at the HQ dashboard", "on the tablet “PC4127’s
/// tablet”".
pub async fn client_words(state: &HqState, via: &str, client: &Client) -> String {
    if let Some(id) = client.device() {
        if let Ok(Some(d)) = state.storage.device(id).await {
            return format!("on the tablet “{}”", d.name);
        }
        return "on a tablet".into();
    }
    if via.contains("dashboard") {
        "at the HQ dashboard".into()
    } else {
        format!("({via})")
    }
}

/// The officer with this collar number and password. Refused (`too_many_attempts`) while the
/// collar number or `client` is paused, before the password is checked; a wrong password or an
/// unknown collar number is counted, logged and answered `unauthorised` alike.
pub async fn check_password(
    state: &HqState,
    via: &'static str,
    client: Client,
    collar_number: &str,
    password: String,
) -> Result<OfficerRow, ApiError> {
    if let Some(device) = client.device() {
        crate::enrolment::refuse_reserved(device)?;
        // A device nobody signed in on in time has lapsed (and is gone).
        crate::enrolment::lapse(state, chrono::Utc::now()).await?;
        if state.storage.device(device).await?.is_none() {
            return Err(ApiError::Unauthorised(crate::enrolment::lapsed_words(
                state,
            )));
        }
    }
    let where_ = client_words(state, via, &client).await;
    let attempt = match Attempt::begin(state, via, collar_number, client).await {
        Ok(a) => a,
        Err(e) => {
            if matches!(e, ApiError::TooManyAttempts { .. }) {
                let known = state
                    .storage
                    .officer_by_collar(collar_number.trim())
                    .await?;
                record(
                    state,
                    AdminEvent::new(
                        known.as_ref().map(|r| &r.officer.id),
                        "sign_in_refused",
                        format!("Sign-in {where_} refused while sign-in is paused after too many wrong passwords."),
                    ),
                )
                .await?;
            }
            return Err(e);
        }
    };
    let row = state
        .storage
        .officer_by_collar(collar_number.trim())
        .await?;
    let kept = zeroize::Zeroizing::new(password.clone());
    let row = match (attempt.verify(row.as_ref(), password).await?, row) {
        (true, Some(row)) => row,
        (_, row) => {
            let why = if row.is_some() {
                "wrong password"
            } else {
                "unknown collar number"
            };
            record(
                state,
                AdminEvent::new(
                    row.as_ref().map(|r| &r.officer.id),
                    "sign_in_failed",
                    format!("Failed sign-in {where_}: {why}."),
                ),
            )
            .await?;
            return Err(attempt.failed(row.as_ref().map(|r| &r.officer.id)).await);
        }
    };
    attempt.succeeded().await?;
    // A disabled officer is refused; a password hashed at a lower cost is hashed again.
    crate::officer_status::admit(state, &row, &kept, &where_).await?;
    if let Some(device) = client.device() {
        // The device has its secret: HQ need not keep it sealed for a retried enrolment.
        crate::enrolment::confirm(state, device).await?;
    }
    Ok(row)
}
