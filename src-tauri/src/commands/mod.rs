//! The app's Tauri commands, one module per domain. A command takes its input, calls a crate and
//! maps the error to a [`CommandError`]; logic lives in the crates.

pub mod app;

use serde::Serialize;
use std::fmt;

/// Stable error codes: the UI switches on these, never on messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The data directory's path cannot be shown as text (not UTF-8).
    DataDirNotUtf8,
}

/// What a failed command sends the UI: `{ "code": "...", "message": "..." }`. The message is for
/// a person (what happened, what to do next) and never carries a secret or a stack trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}
