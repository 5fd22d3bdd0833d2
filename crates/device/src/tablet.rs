//! The tablet over its lifetime: where its data lives, the officer's device settings, and the
//! session while it is unlocked. Enrol or unlock starts a session (and its background sync);
//! lock, or no touch for the minutes set in Settings, ends it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use beatbook_domain::tablet::{DeviceSettings, EnrolInput, LockState, SessionStatus, SyncView};
use beatbook_store::{KdfSettings, Store, MAX_PIN_ATTEMPTS};

use crate::{tiles, DeviceError, Session};

/// Plain-text device settings (nothing secret: auto-lock minutes and a map tile URL).
const SETTINGS_FILE: &str = "settings.json";
/// How often the auto-lock looks at the time since the last touch.
const AUTO_LOCK_CHECK: Duration = Duration::from_secs(10);
/// Longest auto-lock the officer may choose, in minutes.
const MAX_AUTO_LOCK_MINUTES: u32 = 60;

/// How the tablet runs: its PIN key cost and its background sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TabletSettings {
    pub kdf: KdfSettings,
    /// Sync on a timer while unlocked. Tests that check "waiting" turn it off.
    pub background_sync: bool,
    /// Time between background syncs when nothing is happening.
    pub sync_interval: Duration,
}

impl Default for TabletSettings {
    fn default() -> Self {
        Self {
            kdf: KdfSettings::DEVICE,
            background_sync: true,
            sync_interval: Duration::from_secs(60),
        }
    }
}

/// The tablet: its data directory (the encrypted store in `store/`, the device settings, map
/// tiles) and its session while unlocked.
pub struct Tablet {
    data_dir: PathBuf,
    settings: TabletSettings,
    session: Mutex<Option<Arc<Session>>>,
    device: Mutex<DeviceSettings>,
    last_activity: Mutex<Instant>,
}

impl std::fmt::Debug for Tablet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tablet")
            .field("data_dir", &self.data_dir)
            .field("unlocked", &self.session().is_some())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Tablet {
    pub fn new(data_dir: PathBuf, settings: TabletSettings) -> Self {
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
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where the encrypted store lives.
    pub fn store_dir(&self) -> PathBuf {
        self.data_dir.join("store")
    }

    /// The session, while unlocked.
    pub fn session(&self) -> Option<Arc<Session>> {
        lock(&self.session).clone()
    }

    /// The session, or a `locked` error; counts as activity for auto-lock.
    pub fn require_session(&self) -> Result<Arc<Session>, DeviceError> {
        let session = self.session().ok_or(DeviceError::Locked)?;
        self.mark_active();
        Ok(session)
    }

    /// Where the tablet stands, and who is signed in once it is unlocked.
    pub async fn status(&self) -> Result<SessionStatus, DeviceError> {
        let (state, profile) = match self.session() {
            Some(session) => (LockState::Unlocked, Some(session.profile().await?)),
            None if Store::exists(&self.store_dir()) => (LockState::Locked, None),
            None => (LockState::NotEnrolled, None),
        };
        Ok(SessionStatus {
            state,
            profile,
            auto_lock_minutes: self.device_settings().auto_lock_minutes,
            max_pin_attempts: MAX_PIN_ATTEMPTS,
        })
    }

    /// First run: see [`Session::enrol`]; the tablet is unlocked afterwards.
    pub async fn enrol(&self, input: EnrolInput) -> Result<SessionStatus, DeviceError> {
        let session = Session::enrol(&self.store_dir(), self.settings.kdf, input).await?;
        self.start(session);
        self.status().await
    }

    /// Unlock with the PIN: see [`Session::unlock`]. Already unlocked, it only answers.
    pub async fn unlock(&self, pin: String) -> Result<SessionStatus, DeviceError> {
        if self.session().is_none() {
            let session = Session::unlock(&self.store_dir(), pin).await?;
            self.start(session);
        }
        self.status().await
    }

    fn start(&self, session: Arc<Session>) {
        self.mark_active();
        if let Some(old) = lock(&self.session).replace(session.clone()) {
            let _ = old.stop.send(true);
        }
        if self.settings.background_sync {
            session.spawn_background(self.settings.sync_interval);
        }
    }

    /// Lock now: the store closes and background sync stops until the PIN is entered again.
    pub async fn lock(&self) -> Result<SessionStatus, DeviceError> {
        self.lock_now();
        self.status().await
    }

    fn lock_now(&self) {
        if let Some(old) = lock(&self.session).take() {
            old.close();
        }
    }

    /// The officer touched the screen: put off auto-lock. Answers whether the tablet is still
    /// unlocked (false when it has locked meanwhile, so the UI shows the PIN pad).
    pub fn touch(&self) -> bool {
        if self.lock_if_idle(Instant::now()) {
            return false;
        }
        let unlocked = self.session().is_some();
        if unlocked {
            self.mark_active();
        }
        unlocked
    }

    fn mark_active(&self) {
        *lock(&self.last_activity) = Instant::now();
    }

    /// Lock when unlocked and idle for longer than the auto-lock setting. Returns whether it locked.
    pub fn lock_if_idle(&self, now: Instant) -> bool {
        let minutes = lock(&self.device).auto_lock_minutes;
        if minutes == 0 || self.session().is_none() {
            return false;
        }
        let idle = now.saturating_duration_since(*lock(&self.last_activity));
        if idle >= Duration::from_secs(u64::from(minutes) * 60) {
            self.lock_now();
            return true;
        }
        false
    }

    /// Lock after the officer's chosen minutes without a touch, for as long as the tablet runs.
    pub async fn auto_lock(&self) {
        loop {
            tokio::time::sleep(AUTO_LOCK_CHECK).await;
            self.lock_if_idle(Instant::now());
        }
    }

    pub fn device_settings(&self) -> DeviceSettings {
        lock(&self.device).clone()
    }

    /// Change the device settings (auto-lock minutes, 1 to 60 or 0 for never; a map tile URL).
    pub fn set_device_settings(
        &self,
        settings: DeviceSettings,
    ) -> Result<DeviceSettings, DeviceError> {
        if settings.auto_lock_minutes > MAX_AUTO_LOCK_MINUTES {
            return Err(DeviceError::AutoLockTooLong);
        }
        if let Some(url) = &settings.tile_url {
            let usable = url.starts_with("https://") && url.contains("{z}");
            if !url.is_empty() && !usable {
                return Err(DeviceError::TileUrlUnusable);
            }
        }
        let json = serde_json::to_vec_pretty(&settings).map_err(std::io::Error::other);
        json.and_then(|json| std::fs::write(self.data_dir.join(SETTINGS_FILE), json))
            .map_err(DeviceError::SettingsNotSaved)?;
        *lock(&self.device) = settings;
        self.mark_active();
        Ok(self.device_settings())
    }

    /// What the sync badge shows. Polling is not activity (it must not hold off auto-lock), and
    /// a locked tablet answers `locked`, so the UI shows the PIN pad.
    pub async fn sync_view(&self) -> Result<SyncView, DeviceError> {
        self.session().ok_or(DeviceError::Locked)?.sync_view().await
    }

    /// One map tile as a `data:` URL, from the tablet's copy or else from the tile server set in
    /// Settings.
    pub async fn map_tile(&self, z: u8, x: u32, y: u32) -> Result<String, DeviceError> {
        let template = self
            .device_settings()
            .tile_url
            .filter(|t| !t.is_empty())
            .ok_or(DeviceError::NoTileServer)?;
        tiles::tile(&template, &self.data_dir.join("tiles"), z, x, y).await
    }
}
