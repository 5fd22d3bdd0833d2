//! Checking an officer's collar number and password, at either sign-in (a device's or the HQ
//! dashboard's), throttled as [`crate::throttle`] says.

use crate::error::ApiError;
use crate::storage::OfficerRow;
use crate::throttle::{Attempt, Client};
use crate::HqState;

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
    let attempt = Attempt::begin(state, via, collar_number, client).await?;
    let row = state
        .storage
        .officer_by_collar(collar_number.trim())
        .await?;
    let row = match (attempt.verify(row.as_ref(), password).await?, row) {
        (true, Some(row)) => row,
        (_, row) => return Err(attempt.failed(row.as_ref().map(|r| &r.officer.id)).await),
    };
    attempt.succeeded().await?;
    Ok(row)
}
