//! Sessions of HQ staff on the dashboard: sign-in with a collar number and password, the session
//! a token names, and sign-out. Sessions are kept as SHA-256 hashes of their tokens; the role is
//! read afresh on every request, so a demotion takes effect at once. Officers sign in on their
//! tablets, not here: they are refused.

use crate::auth::{new_secret, sha256_hex};
use crate::error::ApiError;
use crate::storage::HqSessionRow;
use crate::throttle::Client;
use crate::HqState;
use beatbook_domain::access::{hq_may, HqAction};
use beatbook_domain::people::{Officer, Role};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// A session lasts one working shift.
pub const SESSION_HOURS: i64 = 10;

/// A signed-in HQ staff member, as HQ knows them now.
#[derive(Clone, Debug)]
pub struct Staff {
    pub officer: Officer,
    pub token_hash: String,
}

impl Staff {
    /// Refuse unless the staff member's role may do `action` (see `domain::access`).
    pub fn require(&self, action: HqAction) -> Result<(), ApiError> {
        if hq_may(self.officer.role, action) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the role {}: ask an administrator if you need access",
                action
                    .roles()
                    .iter()
                    .map(|r| role_name(*r))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
        }
    }

    pub fn role(&self) -> Role {
        self.officer.role
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Officer => "officer",
        Role::Supervisor => "supervisor",
        Role::IntelligenceUnit => "intelligence unit",
        Role::Analyst => "analyst",
        Role::Admin => "admin",
        Role::RecordsManager => "records manager",
        Role::CommitteeMember => "committee member",
        Role::DataProtection => "data protection officer",
        Role::ForceReader => "force-wide reader",
    }
}

/// Who is signed in, and until when. The token is also set as an HttpOnly cookie; the page never
/// needs to read it.
#[derive(Serialize, utoipa::ToSchema, ts_rs::TS)]
#[ts(export_to = "../../hq/bindings/")]
pub struct StaffSession {
    #[schema(value_type = Object)]
    pub officer: Officer,
    pub expires_at: DateTime<Utc>,
    /// For scripts and tests that use a bearer token rather than the cookie.
    pub token: String,
}

/// The staff member whose session `token` is.
pub async fn authenticate(state: &HqState, token: &str) -> Result<Staff, ApiError> {
    let hash = sha256_hex(token);
    let session = state
        .storage
        .hq_session(&hash)
        .await?
        .filter(|s| s.expires_at > state.session_clock.now())
        .ok_or_else(|| ApiError::Unauthorised("your HQ session has ended: sign in again".into()))?;
    let row = state
        .storage
        .officer(&session.officer_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorised("the officer no longer exists".into()))?;
    // A disabled officer's sessions are ended when they are disabled; checked again here.
    crate::officer_status::check_active(&row)?;
    let officer = row.officer;
    if !hq_may(officer.role, HqAction::SignIn) {
        return Err(ApiError::Forbidden(
            "the HQ dashboard is for supervisors, the intelligence unit, analysts and administrators".into(),
        ));
    }
    Ok(Staff {
        officer,
        token_hash: hash,
    })
}

/// Sign in with a collar number and password from `client` (throttled): a new session.
pub async fn sign_in(
    state: &HqState,
    client: Client,
    collar_number: &str,
    password: String,
) -> Result<StaffSession, ApiError> {
    let row = crate::sign_in::check_password(
        state,
        "HQ dashboard sign-in",
        client,
        collar_number,
        password,
    )
    .await?;
    if !hq_may(row.officer.role, HqAction::SignIn) {
        tracing::info!(officer = %row.officer.id, "officer refused at the HQ dashboard");
        crate::admin_log::record(
            state,
            crate::admin_log::AdminEvent::new(
                Some(&row.officer.id),
                "sign_in_refused",
                "Refused at the HQ dashboard: the role does not use it.",
            ),
        )
        .await?;
        return Err(ApiError::Forbidden(
            "the HQ dashboard is for supervisors, the intelligence unit, analysts and administrators: officers use the tablet app".into(),
        ));
    }
    let token = new_secret();
    let now = state.session_clock.now();
    let session = HqSessionRow {
        token_hash: sha256_hex(&token),
        officer_id: row.officer.id.clone(),
        created_at: now,
        expires_at: now + Duration::hours(SESSION_HOURS),
    };
    state.storage.put_hq_session(&session).await?;
    tracing::info!(officer = %row.officer.id, "HQ staff signed in");
    crate::admin_log::record(
        state,
        crate::admin_log::AdminEvent::new(
            Some(&row.officer.id),
            "sign_in",
            "Signed in at the HQ dashboard.",
        ),
    )
    .await?;
    Ok(StaffSession {
        officer: row.officer,
        expires_at: session.expires_at,
        token,
    })
}

/// End the session: its token no longer works.
pub async fn sign_out(state: &HqState, staff: &Staff) -> Result<(), ApiError> {
    state.storage.delete_hq_session(&staff.token_hash).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{hq, PASSWORD};

    #[tokio::test]
    async fn staff_sign_in_and_out_and_officers_are_refused() {
        let hq = hq().await;
        let session = sign_in(&hq.state, Client::Unknown, " PS1102 ", PASSWORD.into())
            .await
            .unwrap();
        assert_eq!(session.officer.id.as_str(), "PS1102");
        assert!(session.expires_at > Utc::now() + Duration::hours(SESSION_HOURS - 1));
        let staff = authenticate(&hq.state, &session.token).await.unwrap();
        assert_eq!(staff.role(), Role::Supervisor);
        sign_out(&hq.state, &staff).await.unwrap();
        let e = authenticate(&hq.state, &session.token).await.err();
        assert!(matches!(e, Some(ApiError::Unauthorised(_))), "{e:?}");

        let e = sign_in(&hq.state, Client::Unknown, "PC4127", PASSWORD.into())
            .await
            .err();
        assert!(
            matches!(&e, Some(ApiError::Forbidden(m)) if m.contains("officers use the tablet app")),
            "{e:?}"
        );
        let e = sign_in(
            &hq.state,
            Client::Unknown,
            "PS1102",
            "wrong password".into(),
        )
        .await
        .err();
        assert!(matches!(e, Some(ApiError::Unauthorised(_))), "{e:?}");
    }

    #[tokio::test]
    async fn a_refusal_names_the_roles_that_may() {
        let hq = hq().await;
        let session = sign_in(&hq.state, Client::Unknown, "AN0815", PASSWORD.into())
            .await
            .unwrap();
        let analyst = authenticate(&hq.state, &session.token).await.unwrap();
        assert!(analyst.require(HqAction::ViewFramework).is_ok());
        assert!(analyst.require(HqAction::ReadRecords).is_ok());
        match analyst.require(HqAction::ReviewIntel) {
            Err(ApiError::Forbidden(m)) => assert_eq!(
                m,
                "this needs the role intelligence unit: ask an administrator if you need access"
            ),
            other => panic!("{other:?}"),
        }
        match analyst.require(HqAction::ManageDirectory) {
            Err(ApiError::Forbidden(m)) => assert!(m.starts_with("this needs the role admin:")),
            other => panic!("{other:?}"),
        }
    }
}
