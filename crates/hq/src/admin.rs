//! Administration: reference data, officers, enrolment codes, devices and revocation, the audit
//! search, chain verification. Used by `beatbook hq admin ...` against the database and by the
//! dashboard's administration endpoints, so a rule about what may be done (HQ's review device
//! cannot be revoked, an enrolment code lasts at most a week, ...) holds for both.

use crate::auth::{hash_password, new_enrolment_code, normalise_code, sha256_hex};
use crate::intel_review::HQ_REVIEW_DEVICE;
use crate::push::{verify_chain, verify_decisions, ChainReport};
use crate::storage::{Storage, StorageError};
use beatbook_domain::area::Area;
use beatbook_domain::people::{Officer, Role, Team};
use beatbook_domain::reference;
use beatbook_domain::{DeviceId, OfficerId};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

mod audit;
pub mod boundary;
mod directory;
pub use audit::{action_words, audit, detail_words, kind_words, outcome_words};
pub use directory::{add_area, add_officer, add_team, NewArea, NewTeam};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A message as a sentence: a capital first, a full stop last.
fn sentence(m: &str) -> String {
    let m = m.trim().trim_end_matches('.');
    let mut c = m.chars();
    let first: String = c
        .next()
        .map(|f| f.to_uppercase().collect())
        .unwrap_or_default();
    format!("{first}{}.", c.as_str())
}

/// Validation errors as an administrator reads them: the messages, as sentences.
fn invalid_if(errs: beatbook_domain::validation::ValidationErrors) -> Result<(), AdminError> {
    if errs.is_empty() {
        return Ok(());
    }
    let text: Vec<String> = errs.errors.iter().map(|e| sentence(&e.message)).collect();
    Err(AdminError::Invalid(text.join(" ")))
}

/// The longest an enrolment code works: a week.
pub const MAX_ENROLMENT_CODE_HOURS: i64 = 24 * 7;

/// Load the demo areas (with their gazetteer of streets and landmarks), teams and officers; every
/// demo officer gets `password`.
pub async fn seed_demo(storage: &dyn Storage, password: &str) -> Result<(), AdminError> {
    let hash = hash_password(password).map_err(AdminError::Invalid)?;
    for area in crate::demo::places::with_gazetteer(reference::demo_areas()) {
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

/// Add or change an area.
pub async fn put_area(storage: &dyn Storage, area: &Area) -> Result<(), AdminError> {
    invalid_if(area.validate())?;
    storage.put_area(area).await?;
    Ok(())
}

/// Add or change a team; its areas must exist.
pub async fn put_team(storage: &dyn Storage, team: &Team) -> Result<(), AdminError> {
    if team.id.as_str().trim().is_empty() || team.name.trim().is_empty() {
        return Err(AdminError::Invalid("A team needs a name.".into()));
    }
    let areas = storage.areas().await?;
    if let Some(a) = team
        .areas
        .iter()
        .find(|a| !areas.iter().any(|k| &k.id == *a))
    {
        return Err(AdminError::Invalid(format!("There is no area {a}.")));
    }
    storage.put_team(team).await?;
    Ok(())
}

/// Add or update an officer, optionally setting their password.
pub async fn put_officer(
    storage: &dyn Storage,
    officer: &Officer,
    password: Option<&str>,
) -> Result<(), AdminError> {
    invalid_if(officer.validate())?;
    let teams = storage.teams().await?;
    if let Some(t) = officer
        .teams
        .iter()
        .find(|t| !teams.iter().any(|k| &k.id == *t))
    {
        return Err(AdminError::Invalid(format!("There is no team {t}.")));
    }
    let hash = password
        .map(hash_password)
        .transpose()
        .map_err(|e| AdminError::Invalid(sentence(&e)))?;
    storage.put_officer(officer, hash.as_deref()).await?;
    Ok(())
}

/// [`put_officer`] by the signed-in administrator `by`, who cannot take away their own admin
/// role (another administrator must), so HQ is never left without one by mistake.
pub async fn put_officer_as(
    storage: &dyn Storage,
    by: &OfficerId,
    officer: &Officer,
    password: Option<&str>,
) -> Result<(), AdminError> {
    if &officer.id == by && officer.role != Role::Admin {
        return Err(AdminError::Invalid(
            "You cannot take away your own admin role: ask another administrator.".into(),
        ));
    }
    put_officer(storage, officer, password).await
}

/// A new one-time enrolment code, valid for `hours` (1 to [`MAX_ENROLMENT_CODE_HOURS`]). Only its
/// hash is stored.
pub async fn enrolment_code(storage: &dyn Storage, hours: i64) -> Result<String, AdminError> {
    if !(1..=MAX_ENROLMENT_CODE_HOURS).contains(&hours) {
        return Err(AdminError::Invalid(format!(
            "An enrolment code works for 1 to {MAX_ENROLMENT_CODE_HOURS} hours."
        )));
    }
    let code = new_enrolment_code();
    storage
        .add_enrolment_code(
            &sha256_hex(&normalise_code(&code)),
            Utc::now() + Duration::hours(hours),
        )
        .await?;
    Ok(code)
}

/// The text HQ shows for a new one-time `code` (and draws as its QR code): with HQ serving TLS
/// (`[tls]`), the code followed by the pin of the authority tablets then trust, alone, from
/// enrolment on; otherwise the code alone (see [`beatbook_domain::enrolment_code`]).
pub fn enrolment_code_text(
    code: &str,
    tls: &crate::settings::TlsSettings,
) -> Result<String, AdminError> {
    let fingerprint = tls.ca_fingerprint().map_err(|e| {
        AdminError::Invalid(format!(
            "HQ's certificate authority ([tls]) cannot be read, so the code cannot tell tablets \
             which certificate to trust: {e}"
        ))
    })?;
    beatbook_domain::enrolment_code::text_for(code, fingerprint.as_deref())
        .map_err(|e| AdminError::Invalid(e.to_string()))
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DeviceView {
    #[schema(value_type = String, format = Uuid)]
    pub id: DeviceId,
    pub name: String,
    pub app_version: String,
    pub enrolled_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// HQ's own review identity rather than a tablet.
    pub hq: bool,
}

/// Every device, with its last sync and app version.
pub async fn devices(storage: &dyn Storage) -> Result<Vec<DeviceView>, AdminError> {
    Ok(storage
        .devices()
        .await?
        .into_iter()
        .map(|d| DeviceView {
            hq: d.id == HQ_REVIEW_DEVICE,
            id: d.id,
            name: d.name,
            app_version: d.app_version,
            enrolled_at: d.enrolled_at,
            last_seen_at: d.last_seen_at,
            revoked_at: d.revoked_at,
        })
        .collect())
}

/// Revoke a device: its sessions end now, and its next contact tells it to wipe. HQ's own review
/// identity is not a tablet and cannot be revoked.
pub async fn revoke_device(storage: &dyn Storage, id: DeviceId) -> Result<(), AdminError> {
    if id == HQ_REVIEW_DEVICE {
        return Err(AdminError::Invalid(
            "This is HQ's own review identity, not a tablet.".into(),
        ));
    }
    if storage.revoke_device(id, Utc::now()).await? {
        Ok(())
    } else {
        Err(AdminError::NotFound(format!("no device {id}")))
    }
}

/// Disable an officer (a leaver: signing in refused, every session of theirs ended now) or, with
/// `disabled` false, enable them again; logged in the admin log as done `by` (`None`: the command
/// line). An administrator cannot disable themselves (another must). Nothing changes, and nothing
/// is logged, when the officer is already so. The officer as they are now.
pub async fn set_officer_disabled(
    storage: &dyn Storage,
    by: Option<&OfficerId>,
    id: &OfficerId,
    disabled: bool,
) -> Result<crate::storage::OfficerRow, AdminError> {
    let Some(row) = storage.officer(id).await? else {
        return Err(AdminError::NotFound(format!("There is no officer {id}.")));
    };
    if disabled && by == Some(id) {
        return Err(AdminError::Invalid(
            "You cannot disable your own account: ask another administrator.".into(),
        ));
    }
    if row.disabled_at.is_some() == disabled {
        return Ok(row);
    }
    let at = disabled.then(Utc::now);
    if !storage.set_officer_disabled(id, at).await? {
        return Err(AdminError::NotFound(format!("There is no officer {id}.")));
    }
    let who = officer_words(&row.officer);
    let (action, detail) = if disabled {
        (
            "officer_disabled",
            format!("Disabled {who}: signing in is refused and every session of theirs has ended."),
        )
    } else {
        (
            "officer_enabled",
            format!("Enabled {who} again: they may sign in."),
        )
    };
    crate::admin_log::record_in(
        storage,
        crate::admin_log::AdminEvent::new(by, action, detail),
    )
    .await?;
    Ok(crate::storage::OfficerRow {
        disabled_at: at,
        ..row
    })
}

/// "Sam Patel (PC2290)".
pub fn officer_words(o: &Officer) -> String {
    format!("{} ({})", o.name, o.collar_number)
}

/// The teams by name, "none" when there are none.
fn team_list(ids: &[beatbook_domain::TeamId], teams: &[Team]) -> String {
    if ids.is_empty() {
        return "none".into();
    }
    ids.iter()
        .map(|id| {
            teams
                .iter()
                .find(|t| &t.id == id)
                .map_or_else(|| id.to_string(), |t| t.name.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The admin log's events for saving `after` over `before` (`None`: a new officer): the officer
/// added; their name, role and teams changed; a password set. In words, with team names.
pub fn officer_events(
    before: Option<&Officer>,
    after: &Officer,
    password_set: bool,
    teams: &[Team],
) -> Vec<(&'static str, String)> {
    use crate::staff_sessions::role_name;
    let who = officer_words(after);
    let mut out = Vec::new();
    match before {
        None => out.push((
            "officer_added",
            format!(
                "Added {who} as {}; teams: {}.",
                role_name(after.role),
                team_list(&after.teams, teams)
            ),
        )),
        Some(b) => {
            if b.name != after.name {
                out.push((
                    "officer_renamed",
                    format!("Renamed {} to {who}.", officer_words(b)),
                ));
            }
            if b.role != after.role {
                out.push((
                    "role_changed",
                    format!(
                        "Changed {who}'s role from {} to {}.",
                        role_name(b.role),
                        role_name(after.role)
                    ),
                ));
            }
            let (mut old, mut new) = (b.teams.clone(), after.teams.clone());
            old.sort();
            new.sort();
            if old != new {
                out.push((
                    "teams_changed",
                    format!(
                        "Changed {who}'s teams from {} to {}.",
                        team_list(&b.teams, teams),
                        team_list(&after.teams, teams)
                    ),
                ));
            }
        }
    }
    if password_set {
        out.push(("password_changed", format!("Set a new password for {who}.")));
    }
    out
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

/// Verify the records manager's decisions log (hash-chained like a device's op log).
pub async fn verify_decision_log(storage: &dyn Storage) -> Result<ChainReport, AdminError> {
    Ok(verify_decisions(&storage.decision_log().await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::audit::AuditQuery;
    use crate::testing::{hq, officer, Device};
    use beatbook_domain::TeamId;

    #[tokio::test]
    async fn hq_review_device_cannot_be_revoked_and_an_unknown_device_is_not_found() {
        let hq = hq().await;
        crate::intel_review::ensure_review_device(&hq.state)
            .await
            .unwrap();
        let storage = hq.state.storage.as_ref();
        let e = revoke_device(storage, HQ_REVIEW_DEVICE).await.err();
        assert!(
            matches!(&e, Some(AdminError::Invalid(m)) if m.contains("review identity")),
            "{e:?}"
        );
        let review = storage.device(HQ_REVIEW_DEVICE).await.unwrap().unwrap();
        assert_eq!(review.revoked_at, None);
        let e = revoke_device(storage, DeviceId::new()).await.err();
        assert!(matches!(e, Some(AdminError::NotFound(_))), "{e:?}");

        let tablet = Device::enrol(&hq.state, "PC4127").await;
        revoke_device(storage, tablet.id).await.unwrap();
        let listed = devices(storage).await.unwrap();
        let row = listed.iter().find(|d| d.id == tablet.id).unwrap();
        assert!(row.revoked_at.is_some() && !row.hq);
        assert!(listed.iter().any(|d| d.id == HQ_REVIEW_DEVICE && d.hq));
    }

    #[tokio::test]
    async fn an_enrolment_code_lasts_one_hour_to_one_week() {
        let hq = hq().await;
        let storage = hq.state.storage.as_ref();
        for hours in [0, -1, MAX_ENROLMENT_CODE_HOURS + 1] {
            let e = enrolment_code(storage, hours).await.err();
            assert!(matches!(e, Some(AdminError::Invalid(_))), "{hours}: {e:?}");
        }
        for hours in [1, MAX_ENROLMENT_CODE_HOURS] {
            assert_eq!(enrolment_code(storage, hours).await.unwrap().len(), 14);
        }
    }

    #[tokio::test]
    async fn an_administrator_cannot_take_away_their_own_admin_role() {
        let hq = hq().await;
        let storage = hq.state.storage.as_ref();
        let mut me = officer(&hq.state, "AD0001").await;
        me.role = Role::Analyst;
        let e = put_officer_as(storage, &me.id, &me, None).await.err();
        assert!(matches!(e, Some(AdminError::Invalid(_))), "{e:?}");
        // Another administrator may; and the change is then saved.
        put_officer_as(storage, &OfficerId::new("AD0002"), &me, None)
            .await
            .unwrap();
        assert_eq!(officer(&hq.state, "AD0001").await.role, Role::Analyst);

        let mut pc = officer(&hq.state, "PC4127").await;
        pc.teams.push(TeamId::new("no-such-team"));
        let e = put_officer_as(storage, &me.id, &pc, None).await.err();
        assert!(
            matches!(&e, Some(AdminError::Invalid(m)) if m == "There is no team no-such-team."),
            "{e:?}"
        );
        let e = put_officer(storage, &officer(&hq.state, "PC4127").await, Some("short"))
            .await
            .err();
        assert!(matches!(e, Some(AdminError::Invalid(_))), "{e:?}");
    }

    #[tokio::test]
    async fn a_team_needs_a_name_and_known_areas() {
        let hq = hq().await;
        let storage = hq.state.storage.as_ref();
        let team = |name: &str, area: &str| Team {
            id: TeamId::new("x-snt"),
            name: name.into(),
            kind: beatbook_domain::people::TeamKind::Snt,
            areas: vec![beatbook_domain::AreaId::new(area)],
        };
        for bad in [team(" ", "E05013655"), team("X SNT", "nowhere")] {
            let e = put_team(storage, &bad).await.err();
            assert!(matches!(e, Some(AdminError::Invalid(_))), "{e:?}");
        }
        put_team(storage, &team("X SNT", "E05013655"))
            .await
            .unwrap();
        assert!(storage
            .teams()
            .await
            .unwrap()
            .iter()
            .any(|t| t.id.as_str() == "x-snt"));
    }

    #[tokio::test]
    async fn the_audit_search_finds_an_officers_writes_and_reads() {
        let hq = hq().await;
        let mut tablet = Device::enrol(&hq.state, "PC4127").await;
        let id = tablet
            .create(
                &hq.state,
                &crate::testing::concern("Bins alight", "tc-camden-town", None),
            )
            .await;
        crate::sync::pull(&hq.state, tablet.authed(&hq.state).await, 0, None)
            .await
            .unwrap();
        let found = audit(
            hq.state.storage.as_ref(),
            &AuditQuery {
                officer: Some(tablet.officer.clone()),
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(found.ops.len(), 1);
        assert_eq!(found.ops[0].record_id, id);
        assert_eq!(found.access[0].action, "pull");
    }

    #[test]
    fn the_code_carries_the_pin_of_hqs_authority_only_when_hq_serves_tls() {
        use beatbook_domain::enrolment_code::EnrolmentCode;
        let code = crate::auth::new_enrolment_code();
        let plain = super::enrolment_code_text(&code, &Default::default()).unwrap();
        assert_eq!(plain, code);

        let ca = crate::certs::LocalCa::new("Test CA").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let chain = dir.path().join("chain.pem");
        std::fs::write(&chain, ca.issue(&["localhost"], 30).unwrap().chain_pem).unwrap();
        let tls = crate::settings::TlsSettings {
            cert_file: Some(chain),
            ..Default::default()
        };
        let text = super::enrolment_code_text(&code, &tls).unwrap();
        let read = EnrolmentCode::parse(&text).unwrap();
        assert_eq!(read.code, code.replace('-', ""));
        assert_eq!(read.pin.unwrap().to_hex(), ca.fingerprint_hex()[..32]);
    }
}
