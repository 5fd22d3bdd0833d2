//! The app's Tauri commands, one module per domain. A command takes its input, calls a crate and
//! maps the error to a [`CommandError`]; logic lives in the crates.

pub mod app;
pub mod areas;
pub mod briefing;
pub mod map;
pub mod photos;
pub mod records;
pub mod session;
pub mod sync;

use beatbook_domain::FieldError;
use beatbook_store::StoreError;
use beatbook_sync::SyncError;
use serde::Serialize;
use std::fmt;

/// Stable error codes: the UI switches on these, never on messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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
    /// HQ cannot be reached; changes wait on the device.
    Offline,
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

/// What a failed command sends the UI: `{ "code": "...", "message": "..." }`, plus field errors
/// for an invalid record and the PIN tries left after a wrong PIN. The message is for a person
/// (what happened, what to do next) and never carries a secret or a stack trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    #[serde(skip_serializing_if = "Option::is_none")]
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

    pub fn locked() -> Self {
        Self::new(
            ErrorCode::Locked,
            "Beatbook is locked. Enter your PIN to carry on.",
        )
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        use ErrorCode as C;
        let code = match &e {
            StoreError::NotInitialised(_) => C::NotEnrolled,
            StoreError::AlreadyInitialised(_) => C::AlreadyEnrolled,
            StoreError::PinTooShort { .. } => C::PinTooShort,
            StoreError::WrongPin { attempts_left: 1 } => C::LastAttempt,
            StoreError::WrongPin { .. } => C::WrongPin,
            StoreError::WipedAfterFailedPins { .. } => C::Wiped,
            StoreError::Invalid(_) => C::Invalid,
            StoreError::NotFound(_) | StoreError::Deleted(_) => C::NotFound,
            StoreError::NotEditable(_) => C::NotEditable,
            StoreError::KindMismatch { .. } | StoreError::NoSuchText { .. } => C::BadInput,
            StoreError::OtherOfficer { .. } => C::OtherOfficer,
            _ => C::Storage,
        };
        let message = match &e {
            StoreError::WrongPin { attempts_left: 1 } => {
                "Wrong PIN. One try left: another wrong PIN wipes every record on this device."
                    .to_owned()
            }
            StoreError::WrongPin { attempts_left } => {
                format!(
                    "Wrong PIN. {attempts_left} tries left before this device's records are wiped."
                )
            }
            StoreError::Invalid(_) => {
                "Some fields need attention before this can be saved.".to_owned()
            }
            // Database and file errors: say what to do, not what SQLite said.
            StoreError::Sqlite(_)
            | StoreError::Io(_)
            | StoreError::Json(_)
            | StoreError::Corrupt(_)
            | StoreError::Crypto(_) => {
                tracing_free_log(&e);
                "The records on this device could not be read or saved. Try again; if it keeps happening, tell your supervisor.".to_owned()
            }
            other => capitalise(&other.to_string()),
        };
        let mut out = CommandError::new(code, message);
        match e {
            StoreError::Invalid(errs) => out.fields = errs.errors,
            StoreError::WrongPin { attempts_left } => out.attempts_left = Some(attempts_left),
            StoreError::WipedAfterFailedPins { .. } => out.attempts_left = Some(0),
            _ => {}
        }
        out
    }
}

impl From<SyncError> for CommandError {
    fn from(e: SyncError) -> Self {
        use ErrorCode as C;
        let code = match &e {
            SyncError::Offline(_) => C::Offline,
            SyncError::NotEnrolled => C::NotEnrolled,
            SyncError::SignInNeeded(_) => C::SignInNeeded,
            SyncError::Revoked => C::Revoked,
            SyncError::Refused(_) => C::Refused,
            SyncError::VersionNotSupported => C::VersionNotSupported,
            SyncError::Protocol(_) => C::Protocol,
            SyncError::Store(_) => C::Storage,
        };
        match e {
            SyncError::Store(inner) => inner.into(),
            other => CommandError::new(code, capitalise(&other.to_string())),
        }
    }
}

/// The cause of an internal failure goes to the app's log (stderr), never to the screen.
fn tracing_free_log(e: &StoreError) {
    eprintln!("beatbook: store error: {e}");
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => {
            let mut out: String = c.to_uppercase().collect();
            out.push_str(chars.as_str());
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_pin_says_how_many_tries_are_left_and_warns_before_the_last() {
        let e: CommandError = StoreError::WrongPin { attempts_left: 3 }.into();
        assert_eq!((e.code, e.attempts_left), (ErrorCode::WrongPin, Some(3)));
        let e: CommandError = StoreError::WrongPin { attempts_left: 1 }.into();
        assert_eq!(e.code, ErrorCode::LastAttempt);
        assert!(e.message.contains("wipes"), "{}", e.message);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "last_attempt");
        assert_eq!(json["attempts_left"], 1);
        assert!(json.get("fields").is_none());
    }

    #[test]
    fn database_errors_never_reach_the_screen() {
        let e: CommandError = StoreError::Corrupt("SQL logic error near SELECT".into()).into();
        assert_eq!(e.code, ErrorCode::Storage);
        assert!(!e.message.contains("SQL"), "{}", e.message);
    }

    #[test]
    fn offline_is_its_own_code() {
        let e: CommandError = SyncError::Offline("connection refused".into()).into();
        assert_eq!(e.code, ErrorCode::Offline);
        assert!(
            e.message.starts_with("No connection to HQ"),
            "{}",
            e.message
        );
    }
}
