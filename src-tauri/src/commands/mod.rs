//! The app's Tauri commands, one module per domain. A command takes its input, calls a crate and
//! maps the error to a [`CommandError`]; logic lives in the crates.

pub mod actions;
pub mod app;
pub mod areas;
pub mod briefing;
pub mod map;
pub mod photos;
pub mod records;
pub mod session;
pub mod sync;

/// What a failed command sends the UI (`beatbook_domain::tablet::CommandError`, generated into
/// `ui/src/lib/bindings`): a stable code, words for a person, and field errors or PIN tries left.
/// Every crate error reaches it through [`beatbook_device::DeviceError`].
pub use beatbook_device::{CommandError, ErrorCode};

#[cfg(test)]
mod tests {
    use super::*;

    use beatbook_device::DeviceError;
    use beatbook_store::StoreError;

    #[test]
    fn a_wrong_pin_reaches_the_ui_with_its_code_and_tries_left() {
        let e: CommandError = DeviceError::from(StoreError::WrongPin { attempts_left: 1 }).into();
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
        let e: CommandError = DeviceError::from(StoreError::Invalid(errs)).into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "invalid");
        assert_eq!(json["fields"][0]["field"], "description");
        assert!(json.get("attempts_left").is_none());
    }
}
