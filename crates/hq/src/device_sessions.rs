//! Officers' sessions on enrolled devices: sign-in (online, once a shift), refresh, sign-out, and
//! the officer and device behind an access token.
//!
//! Tokens: an access token and a refresh token, bound to officer and device; a refresh also
//! needs the device's secret. HQ keeps only their SHA-256.

use crate::auth::{new_secret, sha256_hex};
use crate::error::ApiError;
use crate::storage::SessionRow;
use crate::throttle::Client;
use crate::HqState;
use beatbook_domain::access::Viewer;
use beatbook_domain::people::Officer;
use beatbook_domain::protocol::{LoginRequest, RefreshRequest, Session};
use beatbook_domain::DeviceId;
use chrono::{Duration, Utc};
use std::collections::BTreeSet;

/// The officer and device behind a valid access token.
pub struct Authed {
    pub device: DeviceId,
    pub officer: Officer,
    pub viewer: Viewer,
    /// The session's key (the hash of its access token), to end it on sign-out.
    pub access_hash: String,
    /// The next device_seq HQ expected from the device when the request came in.
    pub next_seq: u64,
}

/// Who holds the access token `token`: refused when it is unknown or expired, or its device has
/// been revoked (`device_revoked`, which makes the device wipe itself).
pub async fn authenticate(state: &HqState, token: &str) -> Result<Authed, ApiError> {
    let session = state
        .storage
        .session_by_access(&sha256_hex(token))
        .await?
        .ok_or_else(|| ApiError::Unauthorised("the access token is not valid".into()))?;
    let device = state
        .storage
        .device(session.device_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorised("unknown device".into()))?;
    if device.revoked_at.is_some() {
        return Err(ApiError::DeviceRevoked);
    }
    if session.access_expires_at <= Utc::now() {
        return Err(ApiError::TokenExpired);
    }
    let officer = state
        .storage
        .officer(&session.officer_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorised("the officer no longer exists".into()))?
        .officer;
    let viewer = viewer_for(state, &officer).await?;
    Ok(Authed {
        device: session.device_id,
        officer,
        viewer,
        access_hash: session.access_hash,
        next_seq: device.next_seq,
    })
}

/// What HQ knows the officer may see: their teams and the union of those teams' areas.
pub async fn viewer_for(state: &HqState, officer: &Officer) -> Result<Viewer, ApiError> {
    let teams = state.storage.teams().await?;
    let mine: BTreeSet<_> = officer.teams.iter().cloned().collect();
    let areas = teams
        .iter()
        .filter(|t| mine.contains(&t.id))
        .flat_map(|t| t.areas.iter().cloned())
        .collect();
    Ok(Viewer {
        officer: officer.id.clone(),
        role: officer.role,
        teams: mine,
        areas,
    })
}

/// An officer signs in on an enrolled device (throttled per collar number and per device).
pub async fn sign_in(state: &HqState, req: LoginRequest) -> Result<Session, ApiError> {
    let device = state.storage.device(req.device_id).await?;
    let device = device
        .filter(|d| d.secret_hash == sha256_hex(&req.device_secret))
        .ok_or_else(|| ApiError::Unauthorised("this device is not enrolled with HQ".into()))?;
    if device.revoked_at.is_some() {
        return Err(ApiError::DeviceRevoked);
    }
    let row = crate::sign_in::check_password(
        state,
        "device sign-in",
        Client::Device(device.id),
        &req.collar_number,
        req.password,
    )
    .await?;
    tracing::info!(device = %device.id, officer = %row.officer.id, "officer signed in");
    crate::admin_log::record(
        state,
        crate::admin_log::AdminEvent::new(
            Some(&row.officer.id),
            "sign_in",
            format!("Signed in on the tablet “{}”.", device.name),
        ),
    )
    .await?;
    new_session(state, row.officer, device.id).await
}

/// A new session for the session a refresh token belongs to, on the same device.
pub async fn refresh(state: &HqState, req: RefreshRequest) -> Result<Session, ApiError> {
    let old = state
        .storage
        .session_by_refresh(&sha256_hex(&req.refresh_token))
        .await?
        .ok_or_else(|| ApiError::Unauthorised("the refresh token is not valid".into()))?;
    let device = state.storage.device(old.device_id).await?;
    let Some(device) =
        device.filter(|d| d.id == req.device_id && d.secret_hash == sha256_hex(&req.device_secret))
    else {
        return Err(ApiError::Unauthorised(
            "the refresh token does not belong to this device".into(),
        ));
    };
    if device.revoked_at.is_some() {
        return Err(ApiError::DeviceRevoked);
    }
    if old.refresh_expires_at <= Utc::now() {
        return Err(ApiError::Unauthorised("the session has expired".into()));
    }
    let officer = state
        .storage
        .officer(&old.officer_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorised("the officer no longer exists".into()))?
        .officer;
    // The old session is not deleted: if the answer is lost on the way (no signal mid-refresh),
    // the device can refresh again with the same token instead of needing the officer to sign
    // in. It lapses at its own expiry, and a revoked device is refused whatever it holds.
    new_session(state, officer, old.device_id).await
}

/// End the session: its access and refresh tokens no longer work.
pub async fn sign_out(state: &HqState, authed: &Authed) -> Result<(), ApiError> {
    state.storage.delete_session(&authed.access_hash).await?;
    tracing::info!(device = %authed.device, officer = %authed.officer.id, "officer signed out");
    Ok(())
}

async fn new_session(
    state: &HqState,
    officer: Officer,
    device: DeviceId,
) -> Result<Session, ApiError> {
    let now = Utc::now();
    let (access, refresh) = (new_secret(), new_secret());
    let row = SessionRow {
        access_hash: sha256_hex(&access),
        refresh_hash: sha256_hex(&refresh),
        officer_id: officer.id.clone(),
        device_id: device,
        access_expires_at: now + Duration::seconds(state.settings.access_token_seconds),
        refresh_expires_at: now + Duration::days(state.settings.refresh_token_days),
    };
    state.storage.put_session(&row).await?;
    let teams = state.storage.teams().await?;
    let areas = state.storage.areas().await?;
    let mine: Vec<_> = teams
        .into_iter()
        .filter(|t| officer.teams.contains(&t.id))
        .collect();
    Ok(Session {
        access_token: access,
        access_expires_at: row.access_expires_at,
        refresh_token: refresh,
        refresh_expires_at: row.refresh_expires_at,
        officer,
        teams: mine,
        areas,
        tablets: state.settings.tablets.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{hq, Device, PASSWORD};

    #[tokio::test]
    async fn a_signed_in_device_is_known_by_its_token_until_it_signs_out() {
        let hq = hq().await;
        let device = Device::enrol(&hq.state, "PC4127").await;
        let authed = authenticate(&hq.state, &device.access_token).await.unwrap();
        assert_eq!(authed.device, device.id);
        assert_eq!(authed.officer.id.as_str(), "PC4127");
        assert_eq!(authed.next_seq, 1);
        // What the officer may see: their team and its areas.
        assert!(authed
            .viewer
            .teams
            .iter()
            .any(|t| t.as_str() == "camden-tct"));
        assert!(authed
            .viewer
            .areas
            .iter()
            .any(|a| a.as_str() == "tc-camden-town"));
        sign_out(&hq.state, &authed).await.unwrap();
        let e = authenticate(&hq.state, &device.access_token).await.err();
        assert!(matches!(e, Some(ApiError::Unauthorised(_))), "{e:?}");
    }

    #[tokio::test]
    async fn a_wrong_password_or_an_unknown_device_is_refused() {
        let hq = hq().await;
        let device = Device::enrol(&hq.state, "PC4127").await;
        let login = |secret: &str, password: &str| LoginRequest {
            device_id: device.id,
            device_secret: secret.into(),
            collar_number: "PC4127".into(),
            password: password.into(),
        };
        let e = sign_in(&hq.state, login(&device.secret, "not the password"))
            .await
            .err();
        assert!(matches!(e, Some(ApiError::Unauthorised(_))), "{e:?}");
        let e = sign_in(&hq.state, login("not the secret", PASSWORD))
            .await
            .err();
        assert!(
            matches!(&e, Some(ApiError::Unauthorised(m)) if m.contains("not enrolled")),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn a_refresh_needs_the_device_secret_and_a_revoked_device_is_told_to_wipe() {
        let hq = hq().await;
        let device = Device::enrol(&hq.state, "PC4127").await;
        let refresh_with = |secret: &str| RefreshRequest {
            device_id: device.id,
            device_secret: secret.into(),
            refresh_token: device.refresh_token.clone(),
        };
        let e = refresh(&hq.state, refresh_with("someone else's"))
            .await
            .err();
        assert!(matches!(e, Some(ApiError::Unauthorised(_))), "{e:?}");
        let fresh = refresh(&hq.state, refresh_with(&device.secret))
            .await
            .unwrap();
        assert_ne!(fresh.access_token, device.access_token);
        // A lost answer: the same refresh token works again.
        refresh(&hq.state, refresh_with(&device.secret))
            .await
            .unwrap();
        crate::admin::revoke_device(hq.state.storage.as_ref(), device.id)
            .await
            .unwrap();
        for e in [
            authenticate(&hq.state, &fresh.access_token).await.err(),
            refresh(&hq.state, refresh_with(&device.secret)).await.err(),
        ] {
            assert!(matches!(e, Some(ApiError::DeviceRevoked)), "{e:?}");
        }
    }
}
