//! What the app holds for its lifetime, managed by Tauri as one `AppState`.

use std::path::{Path, PathBuf};

/// Environment variable that moves the data directory (end-to-end tests, demos).
pub const DATA_DIR_ENV: &str = "BEATBOOK_DATA_DIR";

/// How to start the app. `Default` means: the platform's app data directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppSettings {
    /// Where the app keeps its data; `None` for the platform's app data directory.
    pub data_dir: Option<PathBuf>,
}

impl AppSettings {
    /// Settings from the environment: `BEATBOOK_DATA_DIR` if set and not empty.
    pub fn from_env() -> Self {
        let data_dir = std::env::var_os(DATA_DIR_ENV)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        Self { data_dir }
    }
}

/// The app's state. For now only where its data lives; the store and sync engine join it later.
#[derive(Debug)]
pub struct AppState {
    data_dir: PathBuf,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        Self { data_dir }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}
