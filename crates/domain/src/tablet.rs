//! What the tablet app's commands take and answer, beyond the records themselves: session and
//! sync state, record details with history, the shift briefing and the priorities board, and a
//! failed command's [`CommandError`] with its stable [`ErrorCode`]. Shared with the UI through the
//! generated TypeScript types.

use crate::area::{Area, AreaKind, Location};
use crate::concern::{Concern, NewConcern};
use crate::improvement::{ActionStatus, Progress};
use crate::intel::{Grade, SecurityMarking, SourceType};
use crate::meeting::{Meeting, NewMeeting, Priority, YouSaidWeDid};
use crate::merge::LogEntry;
use crate::patrol::{Engagement, NewEngagement, NewPatrolLog, PatrolLog};
use crate::people::{Officer, Team};
use crate::validation::FieldError;
use crate::views::RecordSummary;
use crate::{AreaId, OfficerId, RecordId, RecordKind, TeamId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the app stands: no store yet, a store waiting for its PIN, or open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LockState {
    NotEnrolled,
    Locked,
    Unlocked,
}

/// The officer signed in on this device and their teams, as HQ named them at sign-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct OfficerProfile {
    pub officer: Officer,
    pub teams: Vec<Team>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct SessionStatus {
    pub state: LockState,
    /// Known once unlocked.
    pub profile: Option<OfficerProfile>,
    /// Lock after this many minutes without a touch; 0 never locks by itself.
    pub auto_lock_minutes: u32,
    /// Wrong PINs allowed in a row before the store is wiped.
    pub max_pin_attempts: u32,
}

/// First run: enrol with HQ, sign the officer in, and choose the PIN that unlocks the device.
#[derive(Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct EnrolInput {
    pub hq_url: String,
    pub code: String,
    pub collar_number: String,
    pub password: String,
    pub pin: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

/// The code, password and PIN never reach a log.
impl std::fmt::Debug for EnrolInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolInput")
            .field("hq_url", &self.hq_url)
            .field("code", &"<redacted>")
            .field("collar_number", &self.collar_number)
            .field("password", &"<redacted>")
            .field("pin", &"<redacted>")
            .field("device_name", &self.device_name)
            .finish_non_exhaustive()
    }
}

/// An area in one line: for pickers, chips and the map legend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AreaRef {
    pub id: AreaId,
    pub name: String,
    pub kind: AreaKind,
}

impl From<&Area> for AreaRef {
    fn from(a: &Area) -> Self {
        AreaRef {
            id: a.id.clone(),
            name: a.name.clone(),
            kind: a.kind,
        }
    }
}

/// What the sync badge shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Not signed in to HQ (or the store is locked): nothing syncs.
    NotSignedIn,
    Syncing,
    /// Nothing waiting: every change on this device is on HQ.
    AllUploaded,
    /// Changes waiting for the next sync.
    Waiting,
    /// The last try found no network: no signal.
    Offline,
    /// The network is up but HQ is not answering (down, or answering with server errors).
    HqUnreachable,
    /// The last try failed for another reason, or HQ refused some changes.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum SyncProgress {
    Pushing {
        #[ts(type = "number")]
        sent: u64,
        #[ts(type = "number")]
        total: u64,
    },
    Pulling {
        #[ts(type = "number")]
        received: u64,
    },
    /// Photos going up after the records.
    Photos {
        #[ts(type = "number")]
        uploaded: u64,
        #[ts(type = "number")]
        total: u64,
    },
}

/// Where sync stands, as facts: the UI puts them into words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncView {
    pub state: SyncState,
    #[ts(type = "number")]
    pub pending: u64,
    #[ts(type = "number")]
    pub rejected: u64,
    /// Photos only on this device: they go to HQ after their records.
    #[serde(default)]
    #[ts(type = "number")]
    pub pending_photos: u64,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    /// Stable code of the last error (`offline`, `sign_in_needed`, ...).
    pub last_error_code: Option<String>,
    pub progress: Option<SyncProgress>,
    pub hq_url: Option<String>,
    /// How far this tablet's clock is ahead of HQ's, in milliseconds (negative: behind), as
    /// learnt from HQ's last answer; `null` before the first. The app tells the officer in
    /// words when it is off by more than a few minutes (changes are stamped by HQ's time).
    #[serde(default)]
    #[ts(type = "number | null")]
    pub clock_ahead_ms: Option<i64>,
}

/// What one sync (or the end-of-shift sync) moved, and what is left, as facts: the UI puts them
/// into words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncOutcome {
    #[ts(type = "number")]
    pub pushed: u64,
    #[ts(type = "number")]
    pub acked: u64,
    #[ts(type = "number")]
    pub pulled: u64,
    #[ts(type = "number")]
    pub pending: u64,
    /// True when every change made on this device is on HQ.
    pub complete: bool,
    /// Changes HQ refused, with the reasons: kept on the device.
    pub refused: Vec<RefusedChange>,
    /// Photos still only on this device: they go to HQ after their records.
    #[ts(type = "number")]
    pub pending_photos: u64,
    /// Why the last photo upload failed, when one did (a failed photo does not fail the sync).
    pub photo_error: Option<String>,
    /// Stable code of the error that stopped the sync (`offline`, `sign_in_needed`, ...).
    pub error_code: Option<ErrorCode>,
    /// That error, in words for the officer.
    pub error_message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct RefusedChange {
    pub record_id: RecordId,
    pub title: String,
    pub reason: String,
}

/// Where one change to a record stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    Waiting,
    OnHq,
    Refused,
}

/// A change made on this device, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub by: OfficerId,
    /// "Created", "Changed description, priority", "Added an update", "Deleted".
    pub what: String,
    pub state: ChangeState,
    pub reason: Option<String>,
}

/// One live version of a narrative field edited on two devices at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TextVersionView {
    pub value: String,
    pub at: DateTime<Utc>,
    pub device: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TextConflict {
    pub field: String,
    pub versions: Vec<TextVersionView>,
}

/// A record opened in full.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct RecordDetail {
    pub id: RecordId,
    pub kind: RecordKind,
    pub title: String,
    /// The record itself, as its kind's JSON.
    #[ts(type = "unknown")]
    pub body: serde_json::Value,
    pub areas: Vec<AreaRef>,
    pub created_by: OfficerId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub pending_ops: u32,
    /// `waiting` while any change is not on HQ, `refused` when HQ refused one, else `on_hq`.
    pub sync_state: ChangeState,
    pub editable: bool,
    pub conflicts: Vec<TextConflict>,
    /// Append-only entries (e.g. "You said, we did"), oldest first.
    pub log: Vec<LogEntry>,
    pub history: Vec<HistoryEntry>,
}

/// A new record from a form. Intelligence goes through [`IntelSubmission`] instead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
pub enum RecordInput {
    Concern(NewConcern),
    Meeting(NewMeeting),
    Priority(Priority),
    PatrolLog(NewPatrolLog),
    Engagement(NewEngagement),
}

/// A record saved again after editing (kinds the device may edit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
pub enum RecordUpdate {
    Concern(Concern),
    Meeting(Meeting),
    Priority(Priority),
    PatrolLog(PatrolLog),
    Engagement(Engagement),
}

/// What the source of a report is: held as its own record, with tighter access.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct NewIntelSource {
    pub source_type: SourceType,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub relationship: Option<String>,
    #[serde(default)]
    pub notes: String,
}

/// An intelligence report as the officer submits it; review happens at HQ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct IntelSubmission {
    pub grade: Grade,
    pub security: SecurityMarking,
    pub content: String,
    #[serde(default)]
    pub checks_made: String,
    pub threat_to_life: bool,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub source: Option<NewIntelSource>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct IntelSubmitted {
    pub report_id: RecordId,
    pub source_id: Option<RecordId>,
}

/// A meeting saved with the priority records for what it agreed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct MeetingSaved {
    pub meeting_id: RecordId,
    pub priority_ids: Vec<RecordId>,
}

/// A priority on the board: its SARA plan, updates, and whether its review is overdue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct PriorityCard {
    pub id: RecordId,
    pub priority: Priority,
    pub review_due: NaiveDate,
    pub overdue: bool,
    pub updates: Vec<YouSaidWeDid>,
    pub pending_ops: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Hotspot {
    pub area: AreaRef,
    pub open_concerns: u32,
}

/// A progress update on an improvement action, as the tablet shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ActionUpdateView {
    pub note: String,
    /// On or off track; none left the status as it was.
    pub progress: Option<Progress>,
    pub at: DateTime<Utc>,
    /// Who wrote it: their name where the device knows it (the officer, the action's owner or
    /// opener), else their collar number.
    pub author_name: String,
}

/// An improvement action of the officer's team: what is being done about a failure the
/// performance framework shows, where it stands, and its progress updates. Opened and closed at
/// HQ; officers add updates from the tablet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ActionCard {
    pub id: RecordId,
    /// The measure it addresses, in words ("Hotspot patrol hours per week at peak times").
    pub measure_label: String,
    /// What will be done.
    pub what: String,
    pub team_id: TeamId,
    /// The team's name as HQ gave it at sign-in ("Camden Town Centre Team").
    pub team_name: String,
    pub owner_name: String,
    pub opened_by_name: String,
    pub opened_on: NaiveDate,
    /// The measure's target, and its figure in the period the action was opened from.
    pub target: f64,
    pub value: Option<f64>,
    pub period_first_day: NaiveDate,
    pub period_last_day: NaiveDate,
    pub status: ActionStatus,
    /// The status in words ("On track").
    pub status_words: String,
    pub due_on: NaiveDate,
    pub review_on: NaiveDate,
    /// Past its due date and still open (on the device's clock).
    pub overdue: bool,
    /// Past its review date and still open.
    pub review_overdue: bool,
    /// When it was closed at HQ, if it was.
    pub closed_on: Option<NaiveDate>,
    /// The newest update, if any.
    pub latest_update: Option<ActionUpdateView>,
    /// Every update, oldest first.
    pub updates: Vec<ActionUpdateView>,
    /// Updates made on this device not yet on HQ.
    pub pending_ops: u32,
}

/// What the officer reads before going out: their team areas' open concerns and priorities, and
/// their teams' open improvement actions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Briefing {
    pub areas: Vec<AreaRef>,
    pub concerns: Vec<RecordSummary>,
    pub priorities: Vec<PriorityCard>,
    /// The open actions of the officer's teams: overdue first, then by due date.
    pub actions: Vec<ActionCard>,
    pub hotspots: Vec<Hotspot>,
    pub generated_at: DateTime<Utc>,
}

/// Device settings: the auto-lock the officer chooses, within what HQ allows, and what HQ sets
/// (read only on the tablet).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct DeviceSettings {
    pub auto_lock_minutes: u32,
    /// Set by HQ: a map tile URL template (`https://.../{z}/{x}/{y}.png`); none draws areas only.
    #[serde(default)]
    pub tile_url: Option<String>,
    /// Set by HQ: the longest auto-lock the officer may choose.
    #[serde(default = "longest_auto_lock")]
    pub max_auto_lock_minutes: u32,
}

fn longest_auto_lock() -> u32 {
    crate::protocol::TabletPolicy::default().max_auto_lock_minutes
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            auto_lock_minutes: 5,
            tile_url: None,
            max_auto_lock_minutes: longest_auto_lock(),
        }
    }
}

/// Stable error codes of the tablet app's commands: the UI switches on these, never on messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The data directory's path cannot be shown as text (not UTF-8).
    DataDirNotUtf8,
    /// No store on this device yet: enrol first.
    NotEnrolled,
    /// Enrolling a device that already has a store.
    AlreadyEnrolled,
    /// The store is locked: unlock with the PIN first.
    Locked,
    PinTooShort,
    /// Wrong PIN; `attempts_left` says how many tries remain.
    WrongPin,
    /// Wrong PIN and only one try remains before the store is wiped.
    LastAttempt,
    /// Too many wrong PINs: the store has been wiped.
    Wiped,
    /// The record has problems; `fields` lists them field by field.
    Invalid,
    NotFound,
    NotEditable,
    /// Something in the request itself is wrong (an unknown field, a bad id).
    BadInput,
    /// No network (no signal); changes wait on the device.
    Offline,
    /// The network is up but HQ is not answering; changes wait on the device.
    HqUnreachable,
    SignInNeeded,
    /// HQ revoked this device; its store is wiped.
    Revoked,
    /// HQ refused (a wrong enrolment code or password, say).
    Refused,
    VersionNotSupported,
    /// HQ answered something unexpected.
    Protocol,
    /// The records signed in belong to another officer.
    OtherOfficer,
    /// The device's store failed (disk, database).
    Storage,
    /// A map tile is neither saved on the tablet nor reachable on the tile server.
    TileUnavailable,
}

impl ErrorCode {
    /// The code as the UI sees it (`wrong_pin`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// What a failed command answers: `{ "code": "...", "message": "..." }`, plus field errors for an
/// invalid record and the PIN tries left after a wrong PIN. The message is for a person (what
/// happened, what to do next) and never carries a secret or a stack trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    /// Field by field, for `invalid`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<FieldError>>", optional)]
    pub fields: Vec<FieldError>,
    /// PIN tries left, for `wrong_pin`, `last_attempt` and `wiped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub attempts_left: Option<u32>,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
            attempts_left: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_code_is_its_snake_case_name_on_the_wire() {
        assert_eq!(ErrorCode::LastAttempt.name(), "last_attempt");
        assert_eq!(ErrorCode::DataDirNotUtf8.to_string(), "data_dir_not_utf8");
        assert_eq!(
            serde_json::from_str::<ErrorCode>("\"tile_unavailable\"").unwrap(),
            ErrorCode::TileUnavailable
        );
    }

    #[test]
    fn a_command_error_leaves_out_what_it_does_not_have() {
        let json = serde_json::to_value(CommandError::new(ErrorCode::Locked, "Locked.")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "locked", "message": "Locked."})
        );
    }
}
