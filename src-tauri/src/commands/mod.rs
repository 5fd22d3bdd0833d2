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

use beatbook_device::DeviceError;
pub use beatbook_device::ErrorCode;
use beatbook_domain::FieldError;
use beatbook_store::StoreError;
use beatbook_sync::SyncError;
use serde::Serialize;
use std::fmt;

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
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}

impl From<DeviceError> for CommandError {
    fn from(e: DeviceError) -> Self {
        Self {
            code: e.code(),
            message: e.message(),
            fields: e.fields(),
            attempts_left: e.attempts_left(),
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        DeviceError::from(e).into()
    }
}

impl From<SyncError> for CommandError {
    fn from(e: SyncError) -> Self {
        DeviceError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_pin_reaches_the_ui_with_its_code_and_tries_left() {
        let e: CommandError = StoreError::WrongPin { attempts_left: 1 }.into();
        assert_eq!(e.code, ErrorCode::LastAttempt);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "last_attempt");
        assert_eq!(json["attempts_left"], 1);
        assert!(json["message"].as_str().unwrap().contains("wipes"));
        assert!(json.get("fields").is_none());
    }

    #[test]
    fn an_invalid_record_reaches_the_ui_field_by_field() {
        let mut errs = beatbook_domain::ValidationErrors::new();
        errs.add("description", "required", "A description is required");
        let e: CommandError = StoreError::Invalid(errs).into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "invalid");
        assert_eq!(json["fields"][0]["field"], "description");
        assert!(json.get("attempts_left").is_none());
    }
}
