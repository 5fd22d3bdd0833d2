//! Field-level validation errors that a form can show next to the field.

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// One problem with one field. `field` is a path such as `location.lat` or `people[1].role`;
/// `code` is stable (the UI switches on it); `message` is for a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Every problem found in a record, not just the first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        });
    }

    /// Record a `required` error when `value` is blank.
    pub fn require_text(&mut self, field: &str, value: &str, label: &str) {
        if value.trim().is_empty() {
            self.add(field, "required", format!("{label} is required"));
        }
    }

    /// Record a `too_long` error when `value` has more than `max` characters.
    pub fn max_len(&mut self, field: &str, value: &str, max: usize) {
        let n = value.chars().count();
        if n > max {
            self.add(
                field,
                "too_long",
                format!("must be at most {max} characters (it has {n})"),
            );
        }
    }

    /// Merge the errors of a nested value under `prefix`.
    pub fn nest(&mut self, prefix: &str, inner: ValidationErrors) {
        for e in inner.errors {
            self.errors.push(FieldError {
                field: format!("{prefix}.{}", e.field),
                ..e
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}
