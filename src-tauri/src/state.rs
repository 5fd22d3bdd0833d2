//! What the app holds for its lifetime, managed by Tauri as one `AppState`: where its data lives,
//! the device settings, and, while unlocked, the open store and its sync engine.

use beatbook_domain::tablet::{DeviceSettings, SyncProgress};
use beatbook_store::{KdfSettings, Store, StoreError};
use beatbook_sync::SyncEngine;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

use crate::commands::CommandError;

/// Environment variable that moves the data directory (end-to-end tests, demos).
pub const DATA_DIR_ENV: &str = "BEATBOOK_DATA_DIR";
/// Plain-text device settings (nothing secret: auto-lock minutes and a map tile URL).
const SETTINGS_FILE: &str = "settings.json";

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
        Self {
            data_dir: None,
            insecure_fast_kdf: false,
            background_sync: true,
            sync_interval: Duration::from_secs(60),
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
}

/// Live sync facts the engine does not keep: whether a sync is running, its progress, and the
/// code of the last error.
#[derive(Clone, Debug, Default)]
pub struct SyncLive {
    pub syncing: bool,
    pub progress: Option<SyncProgress>,
    pub last_error_code: Option<String>,
}

/// An unlocked store with its sync engine. Dropped (closing the database) when the app locks
/// and the background sync has stopped.
pub struct Unlocked {
    pub store: Arc<Mutex<Store>>,
    pub engine: SyncEngine,
    pub live: Mutex<SyncLive>,
    /// One sync at a time: the background loop and "Sync now" take turns.
    pub sync_gate: tokio::sync::Mutex<()>,
    pub wake: Notify,
    pub stop: watch::Sender<bool>,
}

impl Unlocked {
    pub fn new(store: Store) -> Arc<Self> {
        let store = Arc::new(Mutex::new(store));
        let (stop, _) = watch::channel(false);
        Arc::new(Self {
            engine: SyncEngine::new(store.clone()),
            store,
            live: Mutex::new(SyncLive::default()),
            sync_gate: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
            stop,
        })
    }

    pub fn live(&self) -> MutexGuard<'_, SyncLive> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Run `f` on the store on a blocking thread: SQLite never blocks the async runtime, and
    /// the lock is released before anything awaits.
    pub async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, CommandError> {
        let store = self.store.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| StoreError::Corrupt("store lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| {
            CommandError::new(
                crate::ErrorCode::Storage,
                format!("The records on this device could not be reached ({e}). Try again."),
            )
        })?
        .map_err(CommandError::from)
    }
}

/// The app's state.
pub struct AppState {
    data_dir: PathBuf,
    pub(crate) settings: AppSettings,
    session: Mutex<Option<Arc<Unlocked>>>,
    device: Mutex<DeviceSettings>,
    last_activity: Mutex<Instant>,
    /// When the app state was made, at start-up: cold start is measured from here.
    started: Instant,
    ready_reported: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("data_dir", &self.data_dir)
            .field("unlocked", &self.unlocked().is_some())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        Self::with_settings(data_dir, AppSettings::default())
    }

    pub fn with_settings(data_dir: PathBuf, settings: AppSettings) -> Self {
        let device = std::fs::read(data_dir.join(SETTINGS_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Self {
            data_dir,
            settings,
            session: Mutex::new(None),
            device: Mutex::new(device),
            last_activity: Mutex::new(Instant::now()),
            started: Instant::now(),
            ready_reported: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Time since start-up; `first` is true only for the first caller (the UI's first screen).
    pub fn since_start(&self) -> (std::time::Duration, bool) {
        let first = !self
            .ready_reported
            .swap(true, std::sync::atomic::Ordering::SeqCst);
        (self.started.elapsed(), first)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where the encrypted store lives.
    pub fn store_dir(&self) -> PathBuf {
        self.data_dir.join("store")
    }

    pub fn kdf(&self) -> KdfSettings {
        if self.settings.insecure_fast_kdf {
            KdfSettings::INSECURE_FAST
        } else {
            KdfSettings::DEVICE
        }
    }

    pub fn unlocked(&self) -> Option<Arc<Unlocked>> {
        lock(&self.session).clone()
    }

    /// The open store, or a `locked` error; counts as activity for auto-lock.
    pub fn require_unlocked(&self) -> Result<Arc<Unlocked>, CommandError> {
        let u = self.unlocked().ok_or_else(CommandError::locked)?;
        self.touch();
        Ok(u)
    }

    pub(crate) fn set_unlocked(&self, u: Arc<Unlocked>) {
        self.touch();
        if let Some(old) = lock(&self.session).replace(u) {
            let _ = old.stop.send(true);
        }
    }

    /// Close the store: stop background sync and forget the open handle.
    pub fn lock_now(&self) {
        if let Some(old) = lock(&self.session).take() {
            let _ = old.stop.send(true);
            old.wake.notify_one();
        }
    }

    pub fn touch(&self) {
        *lock(&self.last_activity) = Instant::now();
    }

    pub fn device_settings(&self) -> DeviceSettings {
        lock(&self.device).clone()
    }

    pub fn set_device_settings(&self, s: DeviceSettings) -> std::io::Result<()> {
        std::fs::write(
            self.data_dir.join(SETTINGS_FILE),
            serde_json::to_vec_pretty(&s).map_err(std::io::Error::other)?,
        )?;
        *lock(&self.device) = s;
        Ok(())
    }

    /// Lock when unlocked and idle for longer than the auto-lock setting. Returns whether it locked.
    pub fn lock_if_idle(&self, now: Instant) -> bool {
        let minutes = lock(&self.device).auto_lock_minutes;
        if minutes == 0 || self.unlocked().is_none() {
            return false;
        }
        let idle = now.saturating_duration_since(*lock(&self.last_activity));
        if idle >= Duration::from_secs(u64::from(minutes) * 60) {
            self.lock_now();
            return true;
        }
        false
    }
}
