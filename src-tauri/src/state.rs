//! What the app holds for its lifetime, managed by Tauri as one `AppState`: the tablet (its data,
//! settings and, while unlocked, its session) and when the app started.

use beatbook_device::{Tablet, TabletSettings};
use beatbook_store::KdfSettings;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Environment variable that moves the data directory (end-to-end tests, demos).
pub const DATA_DIR_ENV: &str = "BEATBOOK_DATA_DIR";

/// How to start the app. `Default` means: the platform's app data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppSettings {
    /// Where the app keeps its data; `None` for the platform's app data directory.
    pub data_dir: Option<PathBuf>,
    /// Cheap PIN key derivation, for tests only: never on a real device.
    pub insecure_fast_kdf: bool,
    /// Sync on a timer while unlocked. Tests that check "waiting" turn it off.
    pub background_sync: bool,
    /// Time between background syncs when nothing is happening.
    pub sync_interval: Duration,
}

impl Default for AppSettings {
    fn default() -> Self {
        let tablet = TabletSettings::default();
        Self {
            data_dir: None,
            insecure_fast_kdf: false,
            background_sync: tablet.background_sync,
            sync_interval: tablet.sync_interval,
        }
    }
}

impl AppSettings {
    /// Settings from the environment: `BEATBOOK_DATA_DIR` if set and not empty.
    pub fn from_env() -> Self {
        let data_dir = std::env::var_os(DATA_DIR_ENV)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        Self {
            data_dir,
            ..Self::default()
        }
    }

    fn tablet(&self) -> TabletSettings {
        TabletSettings {
            kdf: if self.insecure_fast_kdf {
                KdfSettings::INSECURE_FAST
            } else {
                KdfSettings::DEVICE
            },
            background_sync: self.background_sync,
            sync_interval: self.sync_interval,
        }
    }
}

/// The app's state.
#[derive(Debug)]
pub struct AppState {
    tablet: Tablet,
    /// When the app state was made, at start-up: cold start is measured from here.
    started: Instant,
    ready_reported: AtomicBool,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        Self::with_settings(data_dir, AppSettings::default())
    }

    pub fn with_settings(data_dir: PathBuf, settings: AppSettings) -> Self {
        Self {
            tablet: Tablet::new(data_dir, settings.tablet()),
            started: Instant::now(),
            ready_reported: AtomicBool::new(false),
        }
    }

    pub fn tablet(&self) -> &Tablet {
        &self.tablet
    }

    pub fn data_dir(&self) -> &Path {
        self.tablet.data_dir()
    }

    /// Time since start-up; `first` is true only for the first caller (the UI's first screen).
    pub fn since_start(&self) -> (Duration, bool) {
        let first = !self.ready_reported.swap(true, Ordering::SeqCst);
        (self.started.elapsed(), first)
    }
}
