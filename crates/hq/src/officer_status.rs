//! Who may sign in once their password is right: a disabled officer (a leaver) is refused, and a
//! password hashed at a lower cost than HQ's current one is hashed again while HQ holds it.
//! Disabling an officer ends every session of theirs at once (see
//! [`crate::storage::Directory::set_officer_disabled`]), and every request checks it again
//! ([`check_active`]), on the tablets and at the dashboard.

use crate::admin_log::{record, AdminEvent};
use crate::auth::{hash_password_at, needs_rehash, PASSWORD_COST};
use crate::error::ApiError;
use crate::storage::OfficerRow;
use crate::HqState;

/// Refused when the officer is disabled.
pub fn check_active(row: &OfficerRow) -> Result<(), ApiError> {
    match row.disabled_at {
        Some(_) => Err(ApiError::OfficerDisabled),
        None => Ok(()),
    }
}

/// After the right password for `row` (signing in `where_`, "on the tablet “…”"): refuse a
/// disabled officer (logged in the admin log), and hash a password stored at a lower cost again.
/// A rehash that fails is logged and does not stop the sign-in.
pub async fn admit(
    state: &HqState,
    row: &OfficerRow,
    password: &str,
    where_: &str,
) -> Result<(), ApiError> {
    if let Err(e) = check_active(row) {
        record(
            state,
            AdminEvent::new(
                Some(&row.officer.id),
                "sign_in_refused",
                format!("Sign-in {where_} refused: the officer is disabled."),
            ),
        )
        .await?;
        return Err(e);
    }
    if let Some(old) = row.password_hash.as_deref().filter(|h| needs_rehash(h)) {
        let password = zeroize::Zeroizing::new(password.to_owned());
        let new = tokio::task::spawn_blocking(move || hash_password_at(&password, PASSWORD_COST))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        match new {
            Ok(new) => {
                if state
                    .storage
                    .upgrade_password_hash(&row.officer.id, old, &new)
                    .await?
                {
                    tracing::info!(officer = %row.officer.id, "password hash upgraded to the current cost");
                }
            }
            Err(e) => {
                tracing::warn!(officer = %row.officer.id, error = %e, "could not rehash a password")
            }
        }
    }
    Ok(())
}
