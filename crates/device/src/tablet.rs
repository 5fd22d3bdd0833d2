//! The tablet over its lifetime: where its data lives, the officer's device settings, and the
//! session while it is unlocked. Enrol or unlock starts a session (and its background sync);
//! lock, or no touch for the minutes set in Settings, ends it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use beatbook_domain::protocol::TabletPolicy;
use beatbook_domain::tablet::{DeviceSettings, EnrolInput, LockState, SessionStatus, SyncView};
use beatbook_store::{KdfSettings, Store, MAX_PIN_ATTEMPTS};

use crate::{tiles, DeviceError, Session};

/// Plain-text device settings (nothing secret: the officer's auto-lock minutes).
const SETTINGS_FILE: &str = "settings.json";
/// What HQ set for tablets at the last sign-in, kept for while the tablet is locked (nothing
/// secret: the auto-lock limit and the tile server).
const POLICY_FILE: &str = "tablet-policy.json";
/// How often the auto-lock looks at the time since the last touch.
const AUTO_LOCK_CHECK: Duration = Duration::from_secs(10);

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
    policy: Mutex<TabletPolicy>,
    last_activity: Mutex<Instant>,
}

/// The settings in force: the officer's auto-lock within HQ's limit (never "never"), and HQ's
/// tile server.
fn effective(chosen: &DeviceSettings, policy: &TabletPolicy) -> DeviceSettings {
    let max = policy.max_auto_lock_minutes.max(1);
    let minutes = match chosen.auto_lock_minutes {
        0 => max,
        m => m.min(max),
    };
    DeviceSettings {
        auto_lock_minutes: minutes,
        tile_url: policy.tile_url.clone(),
        max_auto_lock_minutes: max,
    }
}

fn read_json<T: serde::de::DeserializeOwned + Default>(path: &Path) -> T {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
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
        let device = read_json(&data_dir.join(SETTINGS_FILE));
        let policy = read_json(&data_dir.join(POLICY_FILE));
        Self {
            data_dir,
            settings,
            session: Mutex::new(None),
            device: Mutex::new(device),
            policy: Mutex::new(policy),
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
        self.adopt_policy().await?;
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
        let minutes = self.device_settings().auto_lock_minutes;
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

    /// The settings in force: the officer's auto-lock within HQ's limit, and what HQ set.
    pub fn device_settings(&self) -> DeviceSettings {
        effective(&lock(&self.device), &lock(&self.policy))
    }

    /// Change the auto-lock minutes (1 to HQ's limit). The tile server and the limit are HQ's:
    /// settings that name another tile server are refused.
    pub fn set_device_settings(
        &self,
        settings: DeviceSettings,
    ) -> Result<DeviceSettings, DeviceError> {
        let policy = lock(&self.policy).clone();
        let max = policy.max_auto_lock_minutes.max(1);
        if !(1..=max).contains(&settings.auto_lock_minutes) {
            return Err(DeviceError::AutoLockOutOfRange { max });
        }
        let asked = settings.tile_url.as_deref().filter(|u| !u.is_empty());
        if asked.is_some() && asked != policy.tile_url.as_deref() {
            return Err(DeviceError::TileUrlSetByHq);
        }
        let settings = DeviceSettings {
            auto_lock_minutes: settings.auto_lock_minutes,
            tile_url: None,
            max_auto_lock_minutes: max,
        };
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
        let view = self
            .session()
            .ok_or(DeviceError::Locked)?
            .sync_view()
            .await?;
        self.adopt_policy().await?;
        Ok(view)
    }

    /// Take up what HQ last set for tablets (it comes with every sign-in and token refresh),
    /// and keep it for while the tablet is locked.
    async fn adopt_policy(&self) -> Result<(), DeviceError> {
        let Some(session) = self.session() else {
            return Ok(());
        };
        let policy = session.with_store(|s| s.tablet_policy()).await?;
        if *lock(&self.policy) == policy {
            return Ok(());
        }
        let json = serde_json::to_vec_pretty(&policy).map_err(std::io::Error::other);
        json.and_then(|json| std::fs::write(self.data_dir.join(POLICY_FILE), json))
            .map_err(DeviceError::SettingsNotSaved)?;
        *lock(&self.policy) = policy;
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max: u32, tiles: Option<&str>) -> TabletPolicy {
        TabletPolicy {
            max_auto_lock_minutes: max,
            tile_url: tiles.map(str::to_owned),
            ..TabletPolicy::default()
        }
    }

    #[test]
    fn hq_sets_the_longest_auto_lock_and_the_tile_server() {
        let tiles = "https://tiles.example/{z}/{x}/{y}.png";
        let chosen = DeviceSettings {
            auto_lock_minutes: 30,
            tile_url: Some("https://mine/{z}/{x}/{y}".into()),
            max_auto_lock_minutes: 60,
        };
        let s = effective(&chosen, &policy(10, Some(tiles)));
        assert_eq!(
            (
                s.auto_lock_minutes,
                s.tile_url.as_deref(),
                s.max_auto_lock_minutes
            ),
            (10, Some(tiles), 10),
            "HQ's limit and HQ's tile server, whatever the officer's file says"
        );
        let never = DeviceSettings {
            auto_lock_minutes: 0,
            ..chosen
        };
        assert_eq!(
            effective(&never, &policy(10, None)).auto_lock_minutes,
            10,
            "no never"
        );
    }

    #[test]
    fn the_officer_chooses_within_hqs_limit_and_cannot_change_the_tile_server() {
        let dir = tempfile::tempdir().unwrap();
        let tiles = "https://tiles.example/{z}/{x}/{y}.png";
        std::fs::write(
            dir.path().join(POLICY_FILE),
            serde_json::to_vec(&policy(10, Some(tiles))).unwrap(),
        )
        .unwrap();
        let tablet = Tablet::new(dir.path().to_path_buf(), TabletSettings::default());
        let mut s = tablet.device_settings();
        assert_eq!(
            (s.max_auto_lock_minutes, s.tile_url.as_deref()),
            (10, Some(tiles))
        );
        for minutes in [0, 11] {
            s.auto_lock_minutes = minutes;
            let e = tablet.set_device_settings(s.clone()).unwrap_err();
            assert!(
                matches!(e, DeviceError::AutoLockOutOfRange { max: 10 }),
                "{minutes}: {e}"
            );
        }
        s.auto_lock_minutes = 7;
        s.tile_url = Some("https://elsewhere/{z}/{x}/{y}".into());
        let e = tablet.set_device_settings(s.clone()).unwrap_err();
        assert!(matches!(e, DeviceError::TileUrlSetByHq), "{e}");
        s.tile_url = Some(tiles.into());
        let saved = tablet.set_device_settings(s).unwrap();
        assert_eq!(
            (saved.auto_lock_minutes, saved.tile_url.as_deref()),
            (7, Some(tiles))
        );
    }
}
