//! Administration: reference data, officers, enrolment codes, revocation, chain verification.
//! Used by `beatbook hq admin ...` against the database, and by tests.

use crate::auth::{hash_password, new_enrolment_code, normalise_code, sha256_hex};
use crate::push::{verify_chain, ChainReport};
use crate::storage::{Storage, StorageError};
use beatbook_domain::people::Officer;
use beatbook_domain::reference;
use beatbook_domain::DeviceId;
use chrono::{Duration, Utc};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Load the demo areas, teams and officers; every demo officer gets `password`.
pub async fn seed_demo(storage: &dyn Storage, password: &str) -> Result<(), AdminError> {
    let hash = hash_password(password).map_err(AdminError::Invalid)?;
    for area in reference::demo_areas() {
        storage.put_area(&area).await?;
    }
    for team in reference::demo_teams() {
        storage.put_team(&team).await?;
    }
    for officer in reference::demo_officers() {
        storage.put_officer(&officer, Some(&hash)).await?;
    }
    Ok(())
}

/// Add or update an officer, optionally setting their password.
pub async fn put_officer(
    storage: &dyn Storage,
    officer: &Officer,
    password: Option<&str>,
) -> Result<(), AdminError> {
    let errs = officer.validate();
    if !errs.is_empty() {
        return Err(AdminError::Invalid(errs.to_string()));
    }
    let teams = storage.teams().await?;
    if let Some(t) = officer
        .teams
        .iter()
        .find(|t| !teams.iter().any(|k| &k.id == *t))
    {
        return Err(AdminError::Invalid(format!("no team {t}")));
    }
    let hash = password
        .map(hash_password)
        .transpose()
        .map_err(AdminError::Invalid)?;
    storage.put_officer(officer, hash.as_deref()).await?;
    Ok(())
}

/// A new one-time enrolment code, valid for `hours`. Only its hash is stored.
pub async fn enrolment_code(storage: &dyn Storage, hours: i64) -> Result<String, AdminError> {
    let code = new_enrolment_code();
    storage
        .add_enrolment_code(
            &sha256_hex(&normalise_code(&code)),
            Utc::now() + Duration::hours(hours),
        )
        .await?;
    Ok(code)
}

/// Revoke a device: its sessions end now, and its next contact tells it to wipe.
pub async fn revoke_device(storage: &dyn Storage, id: DeviceId) -> Result<(), AdminError> {
    if storage.revoke_device(id, Utc::now()).await? {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!("no device {id}")))
    }
}

/// Verify every device's op-log hash chain.
pub async fn verify_chains(
    storage: &dyn Storage,
) -> Result<Vec<(DeviceId, ChainReport)>, AdminError> {
    let mut out = Vec::new();
    for d in storage.devices().await? {
        let log = storage.op_log(d.id).await?;
        out.push((d.id, verify_chain(&log)));
    }
    Ok(out)
}
