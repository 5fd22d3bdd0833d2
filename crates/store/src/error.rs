use beatbook_domain::{RecordId, RecordKind, ValidationErrors};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no Beatbook store in {0}: set one up with `init` first")]
    NotInitialised(PathBuf),
    #[error("a Beatbook store already exists in {0}")]
    AlreadyInitialised(PathBuf),
    #[error("the PIN must be at least {min} characters")]
    PinTooShort { min: usize },
    /// A PIN anyone might guess (see `beatbook_domain::pin`), refused when it is chosen.
    #[error("that PIN is too easy to guess: {why}. Choose one without a pattern")]
    PinTooEasy { why: &'static str },
    #[error("wrong PIN: {attempts_left} attempt(s) left before this device's records are wiped")]
    WrongPin { attempts_left: u32 },
    #[error("wrong PIN {attempts} times: this device's records have been wiped. Contact your supervisor to re-enrol")]
    WipedAfterFailedPins { attempts: u32 },
    #[error("the record is not valid: {0}")]
    Invalid(ValidationErrors),
    #[error("no record {0} on this device")]
    NotFound(RecordId),
    #[error("record {0} already exists")]
    AlreadyExists(RecordId),
    #[error("record {id} is a {found}, not a {expected}")]
    KindMismatch {
        id: RecordId,
        expected: RecordKind,
        found: RecordKind,
    },
    #[error("{}", not_editable(*.0))]
    NotEditable(RecordKind),
    #[error("record {id} has no text field {field:?} to resolve")]
    NoSuchText { id: RecordId, field: String },
    #[error("this device's records belong to {store}, but {signed_in} signed in: sign in as {store}, or wipe the device first")]
    OtherOfficer {
        store: beatbook_domain::OfficerId,
        signed_in: beatbook_domain::OfficerId,
    },
    #[error("record {0} has been deleted")]
    Deleted(RecordId),
    #[error("the database was written by a newer Beatbook (schema {found}; this version knows up to {supported}): update the app")]
    NewerSchema { found: u32, supported: u32 },
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    #[error("encryption failed: {0}")]
    Crypto(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("data error: {0}")]
    Json(#[from] serde_json::Error),
}

/// Why a record of `kind` cannot be changed here, and what to do instead.
fn not_editable(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::IntelReport | RecordKind::IntelSource => {
            "an intelligence report cannot be changed on the device once submitted: the intelligence unit reviews it at HQ"
        }
        RecordKind::Action => {
            "an improvement action cannot be changed or deleted on the device: it is opened and closed at HQ. Add a progress update instead"
        }
        _ => "this record cannot be changed on the device once saved",
    }
}

impl StoreError {
    /// A stable code the UI and CLI switch on.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotInitialised(_) => "not_initialised",
            StoreError::AlreadyInitialised(_) => "already_initialised",
            StoreError::PinTooShort { .. } => "pin_too_short",
            StoreError::PinTooEasy { .. } => "pin_too_easy",
            StoreError::WrongPin { .. } => "wrong_pin",
            StoreError::WipedAfterFailedPins { .. } => "wiped",
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound(_) => "not_found",
            StoreError::AlreadyExists(_) => "already_exists",
            StoreError::KindMismatch { .. } => "kind_mismatch",
            StoreError::NotEditable(_) => "not_editable",
            StoreError::Deleted(_) => "deleted",
            StoreError::OtherOfficer { .. } => "other_officer",
            StoreError::NoSuchText { .. } => "no_such_text",
            StoreError::NewerSchema { .. } => "newer_schema",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::Crypto(_) => "crypto",
            StoreError::Sqlite(_) => "database",
            StoreError::Io(_) => "io",
            StoreError::Json(_) => "data",
        }
    }
}
