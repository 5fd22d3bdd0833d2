//! Shared pieces for end-to-end tests: an HQ on 127.0.0.1:0 with the demo data, and enrolled,
//! signed-in devices driven through the real sync engine.
#![allow(dead_code)]

use beatbook_domain::concern::NewConcern;
use beatbook_domain::OfficerId;
use beatbook_hq::{HqSettings, HqState, Storage};
use beatbook_store::{InitSettings, KdfSettings, Store, UNENROLLED};
use beatbook_sync::SyncEngine;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub const DEMO_PASSWORD: &str = "demo-password-2026";
pub const PIN: &str = "135790";

pub struct Hq {
    pub addr: SocketAddr,
    pub storage: Arc<dyn Storage>,
    pub dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Hq {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn enrolment_code(&self) -> String {
        beatbook_hq::admin::enrolment_code(self.storage.as_ref(), 1)
            .await
            .unwrap()
    }
}

impl Drop for Hq {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The key the in-process HQs' embedded databases are encrypted with (HQ's store always is).
pub fn hq_key() -> beatbook_hq::keys::HqKey {
    beatbook_hq::keys::HqKey::from_bytes([0xa5; 32])
}

pub async fn start_hq(settings: HqSettings) -> Hq {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("hq.db").display());
    start_hq_in(dir, &db, settings).await
}

/// An HQ on the database `db` (`sqlite:PATH` or a PostgreSQL URL), keeping `dir` for its files.
pub async fn start_hq_in(dir: tempfile::TempDir, db: &str, settings: HqSettings) -> Hq {
    let storage = beatbook_hq::open_storage(db, &hq_key()).await.unwrap();
    beatbook_hq::admin::seed_demo(storage.as_ref(), DEMO_PASSWORD)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = HqState::new(storage.clone(), Arc::new(settings)).with_key(hq_key());
    let server = tokio::spawn(async move {
        let _ = beatbook_hq::serve(listener, state).await;
    });
    Hq {
        addr,
        storage,
        dir,
        server,
    }
}

pub struct Device {
    pub dir: tempfile::TempDir,
    pub store: Arc<Mutex<Store>>,
    pub engine: SyncEngine,
}

impl Device {
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn add_concern(&self, description: &str, lat: f64, lon: f64) -> beatbook_domain::RecordId {
        let c: NewConcern = serde_json::from_value(serde_json::json!({
            "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
            "description": description,
            "location": {"lat": lat, "lon": lon, "place": null},
        }))
        .unwrap();
        self.store.lock().unwrap().add_concern(c).unwrap()
    }

    pub async fn sync(&self) -> Result<beatbook_sync::SyncReport, beatbook_sync::SyncError> {
        self.engine.sync_once(&|_| {}).await
    }
}

/// A new store, enrolled with `hq_url` and signed in as `collar`.
pub async fn device(hq: &Hq, collar: &str) -> Device {
    device_at(&hq.url(), &hq.enrolment_code().await, collar).await
}

pub async fn device_at(hq_url: &str, code: &str, collar: &str) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(
        dir.path(),
        PIN,
        InitSettings {
            officer: OfficerId::new(UNENROLLED),
            kdf: KdfSettings::INSECURE_FAST,
            areas: vec![],
        },
    )
    .unwrap();
    let store = Arc::new(Mutex::new(store));
    let engine = SyncEngine::new(store.clone());
    engine
        .enrol(hq_url, code, &format!("test device {collar}"))
        .await
        .unwrap();
    engine.login(collar, DEMO_PASSWORD).await.unwrap();
    Device { dir, store, engine }
}
