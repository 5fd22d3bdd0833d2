//! The wire protocol between devices and HQ, version 1 (`/api/v1`). Shared by both sides so they
//! cannot drift apart. Bodies are JSON, compressed with zstd or gzip.

use crate::area::Area;
use crate::merge::RecordState;
use crate::people::{Officer, Team};
use crate::{DeviceId, Op, RecordId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// Path prefix of this protocol version.
pub const API_PREFIX: &str = "/api/v1";
/// Sent by clients in `Beatbook-Protocol`; HQ refuses versions it does not speak with a clear
/// `version_not_supported` error rather than anything that could lose data.
pub const PROTOCOL_VERSION: u32 = 1;
pub const PROTOCOL_HEADER: &str = "beatbook-protocol";
/// Every answer HQ gives carries its clock in this header, in milliseconds since the Unix epoch
/// (UTC): a tablet moves its hybrid clock forward to it and stamps its changes by HQ's time.
pub const HQ_TIME_HEADER: &str = "beatbook-hq-time";

/// Every error HQ answers has this body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ApiErrorBody {
    /// Stable: clients switch on it.
    pub code: String,
    pub message: String,
}

/// Error codes a device acts on.
pub mod codes {
    /// The device was revoked at HQ: wipe the store.
    pub const DEVICE_REVOKED: &str = "device_revoked";
    /// The access token expired: refresh it.
    pub const TOKEN_EXPIRED: &str = "token_expired";
    pub const UNAUTHORISED: &str = "unauthorised";
    pub const VERSION_NOT_SUPPORTED: &str = "version_not_supported";
    /// Too many wrong passwords: HQ refuses sign-in for a while (HTTP 429, `Retry-After`), and
    /// the message says when to try again.
    pub const TOO_MANY_ATTEMPTS: &str = "too_many_attempts";
    /// The officer's sign-in on this device has ended (after its absolute lifetime, or because
    /// its refresh token was used twice): sign in again to sync; capture carries on meanwhile.
    pub const SESSION_ENDED: &str = "session_ended";
    /// The officer is disabled at HQ (a leaver): sign-in refused.
    pub const OFFICER_DISABLED: &str = "officer_disabled";
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct EnrolRequest {
    /// The one-time code HQ gave (typed, or scanned as text).
    pub code: String,
    /// The id the device made for itself when its store was set up: its ops already carry it.
    #[schema(value_type = String, format = Uuid)]
    pub device_id: DeviceId,
    /// A name for the device in HQ's list ("Tablet 14, Camden").
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub device_name: String,
    pub app_version: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct EnrolResponse {
    #[schema(value_type = String, format = Uuid)]
    pub device_id: DeviceId,
    /// The device's own secret: with an officer's password it gets tokens. Keep it in the store.
    pub device_secret: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LoginRequest {
    #[schema(value_type = String, format = Uuid)]
    pub device_id: DeviceId,
    pub device_secret: String,
    pub collar_number: String,
    pub password: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RefreshRequest {
    #[schema(value_type = String, format = Uuid)]
    pub device_id: DeviceId,
    /// A refresh token works only with its device's secret, so a leaked token alone is useless.
    pub device_secret: String,
    pub refresh_token: String,
}

/// Tokens are bound to one officer on one device.
#[derive(Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Session {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub officer: Officer,
    #[schema(value_type = Vec<Object>)]
    pub teams: Vec<Team>,
    /// The reference areas, for routing locations on the device.
    #[schema(value_type = Vec<Object>)]
    pub areas: Vec<Area>,
    /// What HQ sets for every tablet (absent from an older HQ: the defaults).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub tablets: TabletPolicy,
}

/// Written in place of a secret in `Debug` output: passwords, device secrets, enrolment codes and
/// tokens never reach a log.
const REDACTED: &str = "<redacted>";

impl std::fmt::Debug for EnrolRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolRequest")
            .field("code", &REDACTED)
            .field("device_id", &self.device_id)
            .field("device_name", &self.device_name)
            .field("app_version", &self.app_version)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for EnrolResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolResponse")
            .field("device_id", &self.device_id)
            .field("device_secret", &REDACTED)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("device_id", &self.device_id)
            .field("device_secret", &REDACTED)
            .field("collar_number", &self.collar_number)
            .field("password", &REDACTED)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("device_id", &self.device_id)
            .field("device_secret", &REDACTED)
            .field("refresh_token", &REDACTED)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("access_token", &REDACTED)
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &REDACTED)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("officer", &self.officer)
            .field("tablets", &self.tablets)
            .finish_non_exhaustive()
    }
}

/// What HQ decides for every tablet, not the officer: the longest auto-lock an officer may choose
/// (a tablet always locks by itself) and the map tile server. Sent with every sign-in and token
/// refresh; the tablet shows it read only in Settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TabletPolicy {
    /// Minutes, 1 to [`TabletPolicy::LONGEST_AUTO_LOCK`].
    pub max_auto_lock_minutes: u32,
    /// A map tile URL template (`https://.../{z}/{x}/{y}.png`); none draws areas only.
    pub tile_url: Option<String>,
    /// Days a tablet keeps a closed record it pulled after its last change (see
    /// `retention::tablet_keeps`), 1 to [`TabletPolicy::LONGEST_KEEP_DAYS`].
    pub keep_closed_days: u32,
}

impl TabletPolicy {
    /// No force may let a tablet stay unlocked longer than this.
    pub const LONGEST_AUTO_LOCK: u32 = 60;
    /// No tablet keeps a closed record it pulled for longer than two years.
    pub const LONGEST_KEEP_DAYS: u32 = 730;

    /// Whether the policy can be used: what is wrong with it, in words, if not.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=Self::LONGEST_AUTO_LOCK).contains(&self.max_auto_lock_minutes) {
            return Err(format!(
                "max_auto_lock_minutes is {}: it must be 1 to {} (a tablet always locks by itself)",
                self.max_auto_lock_minutes,
                Self::LONGEST_AUTO_LOCK
            ));
        }
        if !(1..=Self::LONGEST_KEEP_DAYS).contains(&self.keep_closed_days) {
            return Err(format!(
                "keep_closed_days is {}: it must be 1 to {} (a tablet keeps closed records it pulled only for a while)",
                self.keep_closed_days,
                Self::LONGEST_KEEP_DAYS
            ));
        }
        if let Some(url) = &self.tile_url {
            if !is_tile_template(url) {
                return Err(format!(
                    "tile_url {url:?} must start with https:// and contain {{z}}, {{x}} and {{y}}"
                ));
            }
        }
        Ok(())
    }
}

impl Default for TabletPolicy {
    fn default() -> Self {
        Self {
            max_auto_lock_minutes: 15,
            tile_url: None,
            keep_closed_days: crate::retention::DEFAULT_TABLET_KEEP_DAYS,
        }
    }
}

/// A usable tile URL template: HTTPS, with the tile's coordinates in it.
pub fn is_tile_template(url: &str) -> bool {
    url.starts_with("https://") && ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct PushRequest {
    /// Ops in the `Op` shape (see the TypeScript bindings).
    #[schema(value_type = Vec<Object>)]
    pub ops: Vec<Op>,
}

/// What HQ did with one op.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OpOutcome {
    /// Merged and logged; `server_seq` is the record's new position in the change feed.
    Applied {
        #[ts(type = "number")]
        server_seq: u64,
    },
    /// HQ already had this op (a retry): nothing changed.
    Duplicate,
    /// Refused. The device keeps the op and shows the reason; it is never dropped silently.
    Rejected { code: String, reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct OpResult {
    #[ts(type = "number")]
    pub device_seq: u64,
    #[serde(flatten)]
    pub outcome: OpOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PushResponse {
    pub results: Vec<OpResult>,
    /// The next device_seq HQ expects from this device: ops before it are all on HQ. When a
    /// push starts past it, the ops in between are missing (a gap), and are asked for again.
    #[ts(type = "number")]
    pub expected_seq: u64,
}

/// `GET /api/v1/sync/disposals?after=CURSOR&limit=N`: records HQ has disposed of, force-wide,
/// in the order they were disposed of. A device asks first in every sync, before it pushes or
/// pulls anything, and removes each one it holds (record, search entries, photos, outbox).
/// Only ids: a disposed record's content is gone everywhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DisposalsResponse {
    #[schema(value_type = Vec<String>)]
    pub records: Vec<RecordId>,
    /// Where the next request starts (the last disposal's sequence; unchanged when none).
    #[ts(type = "number")]
    pub cursor: u64,
    /// More are waiting: ask again straight away.
    pub more: bool,
}

/// `POST /api/v1/sync/reads`: the tablet's reads since it last sent them (see
/// [`crate::device_reads`]), oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ReadsRequest {
    pub reads: Vec<crate::device_reads::DeviceRead>,
}

/// What HQ has logged: every read of the request (logged now, or by an earlier try of the same
/// batch). The tablet deletes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ReadsResponse {
    #[ts(type = "number[]")]
    pub acknowledged: Vec<u64>,
    /// How many of them were new to HQ's access log (the rest it already had).
    pub logged: u32,
}

/// `GET /api/v1/sync/pull?after=CURSOR&limit=N`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct PullResponse {
    /// Records changed after the cursor that this officer may see, in commit order.
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<RecordState>,
    /// Records this device must delete: access to them was withdrawn.
    #[schema(value_type = Vec<String>)]
    pub purge: Vec<RecordId>,
    /// Where the next pull starts.
    #[ts(type = "number")]
    pub cursor: u64,
    /// More changes are waiting: pull again straight away.
    pub more: bool,
    /// A fingerprint of what this officer may see (role, teams, areas). When it changes, the
    /// device pulls again from the start: a grant back-fills, and a revoke's purge list reaches
    /// every record that is no longer visible.
    pub access: String,
    /// What this officer may see, as HQ decides it (role, teams and their areas). When `access`
    /// changes, the device drops what this viewer may no longer see, then pulls again from the
    /// start so that new grants back-fill.
    #[ts(skip)]
    #[schema(value_type = Object)]
    pub viewer: crate::access::Viewer,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let id = crate::DeviceId::new();
        let shown = [
            format!(
                "{:?}",
                EnrolRequest {
                    code: "SECRET-CODE".into(),
                    device_id: id,
                    device_name: "Tablet 1".into(),
                    app_version: "1".into(),
                }
            ),
            format!(
                "{:?}",
                EnrolResponse {
                    device_id: id,
                    device_secret: "SECRET-DEVICE".into(),
                }
            ),
            format!(
                "{:?}",
                LoginRequest {
                    device_id: id,
                    device_secret: "SECRET-DEVICE".into(),
                    collar_number: "PC1".into(),
                    password: "SECRET-PASSWORD".into(),
                }
            ),
            format!(
                "{:?}",
                RefreshRequest {
                    device_id: id,
                    device_secret: "SECRET-DEVICE".into(),
                    refresh_token: "SECRET-REFRESH".into(),
                }
            ),
        ];
        for text in shown {
            assert!(!text.contains("SECRET"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
    }

    #[test]
    fn a_tablet_policy_always_locks_and_names_a_usable_tile_server() {
        assert!(TabletPolicy::default().check().is_ok());
        let never = TabletPolicy {
            max_auto_lock_minutes: 0,
            ..TabletPolicy::default()
        };
        assert!(never.check().unwrap_err().contains("always locks"));
        let too_long = TabletPolicy {
            max_auto_lock_minutes: 61,
            ..TabletPolicy::default()
        };
        assert!(too_long.check().is_err());
        let http = TabletPolicy {
            tile_url: Some("http://tiles/{z}/{x}/{y}.png".into()),
            ..TabletPolicy::default()
        };
        assert!(http.check().is_err());
        let ok = TabletPolicy {
            max_auto_lock_minutes: 10,
            tile_url: Some("https://tiles.example/{z}/{x}/{y}.png".into()),
            keep_closed_days: 30,
        };
        let forever = TabletPolicy {
            keep_closed_days: 0,
            ..TabletPolicy::default()
        };
        assert!(forever.check().is_err());
        assert!(ok.check().is_ok());
    }

    #[test]
    fn a_session_from_an_older_hq_gets_the_default_policy() {
        let policy: TabletPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(policy, TabletPolicy::default());
    }
}
