//! Officers' sessions on enrolled devices: sign-in (online, once a shift), refresh, sign-out, and
//! the officer and device behind an access token.
//!
//! Tokens: an access token and a refresh token, bound to officer and device; a refresh also
//! needs the device's secret. HQ keeps only their SHA-256.
//!
//! Sessions end:
//! - A refresh token works once: a refresh rotates it (the new session carries on the same
//!   *line*, one per sign-in). One presented again ends the whole line (every session from that
//!   sign-in) and goes in the admin log: a copied token is worth one use, and the tablet it was
//!   copied from finds out at its next refresh.
//! - A line lasts at most `[sessions] absolute_days` (default 14) from its sign-in, however
//!   often it is refreshed; then the refresh is refused `session_ended`, and the officer signs in
//!   again. Capture on the tablet never stops for it; only sync waits.
//! - Signing out ends every session of the device; disabling an officer ends all of theirs, and
//!   every request checks the officer is still active. Expired sessions are removed by the
//!   retention sweep.

use crate::auth::{new_secret, sha256_hex};
use crate::error::ApiError;
use crate::storage::SessionRow;
use crate::throttle::Client;
use crate::HqState;
use beatbook_domain::access::Viewer;
use beatbook_domain::people::Officer;
use beatbook_domain::protocol::{LoginRequest, RefreshRequest, Session};
use beatbook_domain::DeviceId;
use chrono::{DateTime, Duration, Utc};
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
    let now = state.session_clock.now();
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
    if session.access_expires_at <= now {
        return Err(ApiError::TokenExpired);
    }
    let row = state
        .storage
        .officer(&session.officer_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorised("the officer no longer exists".into()))?;
    if row.disabled_at.is_some() {
        return Err(disabled());
    }
    let officer = row.officer;
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
    let now = state.session_clock.now();
    new_session(
        state,
        row.officer,
        device.id,
        &uuid::Uuid::now_v7().to_string(),
        now,
    )
    .await
}

/// The next session of the line a refresh token belongs to, on the same device. The token is
/// used up; presented again, it ends the line (see the module's comment).
pub async fn refresh(state: &HqState, req: RefreshRequest) -> Result<Session, ApiError> {
    let now = state.session_clock.now();
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
    if old.rotated_at.is_some() {
        return Err(reused(state, &old, &device.name).await);
    }
    if old.refresh_expires_at <= now {
        let days = state.settings.sessions.absolute_days;
        return Err(if absolute_end(old.signed_in_at, days) <= now {
            ended_after(days)
        } else {
            ApiError::SessionEnded(format!(
                    "sign in to sync: your session ended because this tablet had not synced for {} days",
                    state.settings.refresh_token_days
                ))
        });
    }
    let row = state
        .storage
        .officer(&old.officer_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorised("the officer no longer exists".into()))?;
    if row.disabled_at.is_some() {
        return Err(disabled());
    }
    let (next, answer) = session(
        state,
        row.officer,
        old.device_id,
        &old.line_id,
        old.signed_in_at,
        now,
    )
    .await?;
    if !state
        .storage
        .rotate_session(&old.refresh_hash, now, &next)
        .await?
    {
        // Another refresh with the same token got there first.
        return Err(reused(state, &old, &device.name).await);
    }
    Ok(answer)
}

/// A refresh token presented a second time: end every session of its line, log it, and answer
/// `session_ended`.
async fn reused(state: &HqState, old: &SessionRow, device_name: &str) -> ApiError {
    let ended = match state.storage.end_session_line(&old.line_id).await {
        Ok(n) => n,
        Err(e) => return e.into(),
    };
    tracing::warn!(device = %old.device_id, officer = %old.officer_id, sessions = ended, "a refresh token was used twice: its sign-in's sessions are ended");
    let logged = crate::admin_log::record(
        state,
        crate::admin_log::AdminEvent::new(
            Some(&old.officer_id),
            "refresh_token_reused",
            format!(
                "A refresh token of {}'s sign-in on the tablet “{device_name}” was used a second time, so every session from that sign-in has ended (a copied token is worth nothing). The officer signs in again.",
                old.officer_id
            ),
        ),
    )
    .await;
    if let Err(e) = logged {
        return e.into();
    }
    ApiError::SessionEnded(
        "sign in to sync: this sign-in was ended because its refresh token was used twice (it may have been copied)".into(),
    )
}

/// When a line that began at `signed_in_at` ends.
pub fn absolute_end(signed_in_at: DateTime<Utc>, absolute_days: i64) -> DateTime<Utc> {
    signed_in_at + Duration::days(absolute_days)
}

fn ended_after(days: i64) -> ApiError {
    ApiError::SessionEnded(format!(
        "sign in to sync: your session ended after {days} day{}",
        if days == 1 { "" } else { "s" }
    ))
}

fn disabled() -> ApiError {
    ApiError::SessionEnded(
        "this officer is disabled at HQ, so the session has ended: if that is wrong, ask an HQ administrator".into(),
    )
}

/// End every session of this device: its access and refresh tokens, and any earlier ones of the
/// same device, no longer work.
pub async fn sign_out(state: &HqState, authed: &Authed) -> Result<(), ApiError> {
    let ended = state.storage.end_device_sessions(authed.device).await?;
    tracing::info!(device = %authed.device, officer = %authed.officer.id, sessions = ended, "officer signed out");
    Ok(())
}

async fn new_session(
    state: &HqState,
    officer: Officer,
    device: DeviceId,
    line_id: &str,
    now: DateTime<Utc>,
) -> Result<Session, ApiError> {
    let (row, answer) = session(state, officer, device, line_id, now, now).await?;
    state.storage.put_session(&row).await?;
    Ok(answer)
}

/// A session of the line `line_id` (signed in at `signed_in_at`), made at `now`: the row HQ keeps
/// and the answer the device gets. Neither token outlives the line.
async fn session(
    state: &HqState,
    officer: Officer,
    device: DeviceId,
    line_id: &str,
    signed_in_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(SessionRow, Session), ApiError> {
    let end = absolute_end(signed_in_at, state.settings.sessions.absolute_days);
    let (access, refresh) = (new_secret(), new_secret());
    let row = SessionRow {
        access_hash: sha256_hex(&access),
        refresh_hash: sha256_hex(&refresh),
        officer_id: officer.id.clone(),
        device_id: device,
        access_expires_at: (now + Duration::seconds(state.settings.access_token_seconds)).min(end),
        refresh_expires_at: (now + Duration::days(state.settings.refresh_token_days)).min(end),
        line_id: line_id.to_owned(),
        signed_in_at,
        rotated_at: None,
    };
    let teams = state.storage.teams().await?;
    let areas = state.storage.areas().await?;
    let mine: Vec<_> = teams
        .into_iter()
        .filter(|t| officer.teams.contains(&t.id))
        .collect();
    let answer = Session {
        access_token: access,
        access_expires_at: row.access_expires_at,
        refresh_token: refresh,
        refresh_expires_at: row.refresh_expires_at,
        officer,
        teams: mine,
        areas,
        tablets: state.settings.tablets.clone(),
    };
    Ok((row, answer))
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
        crate::admin::revoke_device(hq.state.storage.as_ref(), device.id)
            .await
            .unwrap();
        let next = RefreshRequest {
            refresh_token: fresh.refresh_token.clone(),
            ..refresh_with(&device.secret)
        };
        for e in [
            authenticate(&hq.state, &fresh.access_token).await.err(),
            refresh(&hq.state, next).await.err(),
        ] {
            assert!(matches!(e, Some(ApiError::DeviceRevoked)), "{e:?}");
        }
    }
}
