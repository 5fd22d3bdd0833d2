//! A session: the encrypted store, open, with its sync engine. Made by enrolling (first run) or
//! by unlocking with the PIN; closed by dropping it.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use beatbook_domain::enrolment_code::EnrolmentCode;
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::reference::{demo_areas, demo_officers, demo_teams};
use beatbook_domain::tablet::{EnrolInput, OfficerProfile, SyncProgress};
use beatbook_domain::FieldError;
use beatbook_store::{InitSettings, KdfSettings, Store, StoreError, UNENROLLED};
use beatbook_sync::SyncEngine;
use tokio::sync::{watch, Notify};
use zeroize::Zeroizing;

use crate::retry::Retry;
use crate::{DeviceError, SetUpStep};

/// Live sync facts the engine does not keep: whether a sync is running, its progress, and the
/// code of the last error.
#[derive(Clone, Debug, Default)]
pub(crate) struct SyncLive {
    pub(crate) syncing: bool,
    pub(crate) progress: Option<SyncProgress>,
    pub(crate) last_error_code: Option<String>,
}

/// An open store with its sync engine. The store closes when the last handle is dropped (after
/// [`Session::close`] has stopped the background sync).
pub struct Session {
    store: Arc<Mutex<Store>>,
    engine: SyncEngine,
    live: Mutex<SyncLive>,
    /// One sync at a time: the background loop, "Sync now" and end of shift take turns.
    pub(crate) sync_gate: tokio::sync::Mutex<()>,
    pub(crate) wake: Notify,
    pub(crate) stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session {
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

    /// First run: set up the encrypted store in `dir` under the new PIN, enrol it with HQ using
    /// the one-time code, and sign the officer in. If any step fails nothing is left behind, so
    /// it can be retried.
    pub async fn enrol(
        dir: &Path,
        kdf: KdfSettings,
        input: EnrolInput,
    ) -> Result<Arc<Self>, DeviceError> {
        if Store::exists(dir) {
            return Err(DeviceError::AlreadyEnrolled);
        }
        let hq_url = input.hq_url.trim().to_owned();
        let missing: Vec<FieldError> = [
            ("hq_url", hq_url.as_str(), "HQ address"),
            ("code", input.code.trim(), "Enrolment code"),
            ("collar_number", input.collar_number.trim(), "Collar number"),
            ("password", input.password.as_str(), "Password"),
        ]
        .into_iter()
        .filter(|(_, value, _)| value.is_empty())
        .map(|(field, _, label)| FieldError {
            field: field.into(),
            code: "required".into(),
            message: format!("{label} is required"),
        })
        .collect();
        if !missing.is_empty() {
            return Err(DeviceError::EnrolIncomplete(missing));
        }
        // An address the tablet will not use, or a mistyped code: said before anything is set up
        // or sent.
        beatbook_sync::check_hq_url(&hq_url)?;
        EnrolmentCode::parse(input.code.trim())
            .map_err(|e| beatbook_sync::SyncError::BadCode(e.to_string()))?;
        let pin = Zeroizing::new(input.pin.clone());
        let init_dir = dir.to_path_buf();
        let store = tokio::task::spawn_blocking(move || {
            Store::init(
                &init_dir,
                &pin,
                InitSettings {
                    officer: UNENROLLED.into(),
                    kdf,
                    areas: demo_areas(),
                },
            )
        })
        .await
        .map_err(|cause| DeviceError::Interrupted {
            what: "Setting up failed",
            cause,
        })??;
        let session = Session::new(store);
        let device_name = input
            .device_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "Beatbook tablet".to_owned());
        // Signing in keeps the officer and their teams as HQ names them (the store's profile).
        // A lost answer is tried again from the same device id: HQ answers a repeated
        // enrolment as it answered the first.
        let signed_in = async {
            crate::retry::transient(
                Retry::COMMAND,
                || {
                    session
                        .engine
                        .enrol(&hq_url, input.code.trim(), &device_name)
                },
                |_, _, _| {},
            )
            .await
            .result
            .map_err(|e| DeviceError::set_up(SetUpStep::Enrol, e))?;
            crate::retry::transient(
                Retry::COMMAND,
                || {
                    session
                        .engine
                        .login(input.collar_number.trim(), &input.password)
                },
                |_, _, _| {},
            )
            .await
            .result
            .map_err(|e| DeviceError::set_up(SetUpStep::SignIn, e))
        }
        .await;
        if let Err(e) = signed_in {
            drop(session);
            let _ = Store::wipe(dir);
            return Err(e);
        }
        Ok(session)
    }

    /// Open the store in `dir` with the PIN. A wrong PIN is `StoreError::WrongPin` with the tries
    /// left; at the limit the store is wiped (`StoreError::WipedAfterFailedPins`).
    pub async fn unlock(dir: &Path, pin: String) -> Result<Arc<Self>, DeviceError> {
        if !Store::exists(dir) {
            return Err(DeviceError::NotEnrolled);
        }
        let pin = Zeroizing::new(pin);
        let dir = dir.to_path_buf();
        let store = tokio::task::spawn_blocking(move || Store::open(&dir, &pin))
            .await
            .map_err(|cause| DeviceError::Interrupted {
                what: "Unlocking failed",
                cause,
            })??;
        Ok(Session::new(store))
    }

    /// The sync engine, for what only it does (enrol and sign in step by step, fetch a photo).
    pub fn engine(&self) -> &SyncEngine {
        &self.engine
    }

    /// Run `f` on the store on a blocking thread: SQLite never blocks the async runtime, and
    /// the lock is released before anything awaits.
    pub async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, DeviceError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| StoreError::Corrupt("store lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|cause| DeviceError::Interrupted {
            what: "The records on this device could not be reached",
            cause,
        })?
        .map_err(DeviceError::from)
    }

    /// Something was saved: the background sync goes sooner than its timer.
    pub fn saved(&self) {
        self.wake.notify_one();
    }

    /// The signed-in officer and their teams.
    pub async fn profile(&self) -> Result<OfficerProfile, DeviceError> {
        self.with_store(|s| profile_of(s)).await
    }

    /// Stop the background sync; the store closes once the last handle is dropped.
    pub fn close(&self) {
        let _ = self.stop.send(true);
        self.wake.notify_one();
    }

    pub(crate) fn live(&self) -> MutexGuard<'_, SyncLive> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The profile kept at sign-in; a store set up by the headless device CLI has none, so it is
/// worked out from the store's officer id and the reference data.
pub fn profile_of(store: &Store) -> Result<OfficerProfile, StoreError> {
    if let Some(p) = store.profile()? {
        return Ok(p);
    }
    let id = store.officer().clone();
    let officer = demo_officers()
        .into_iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| Officer {
            collar_number: id.to_string(),
            name: id.to_string(),
            id,
            role: Role::Officer,
            teams: Vec::new(),
        });
    let teams = demo_teams()
        .into_iter()
        .filter(|t| officer.teams.contains(&t.id))
        .collect();
    Ok(OfficerProfile { officer, teams })
}
