//! The device's session against an in-process HQ on 127.0.0.1:0 with the demo data: enrolment
//! that leaves nothing behind when it fails, end of shift, the background loop, and the tablet's
//! lock and auto-lock. A real encrypted store in a temporary directory.

use beatbook_device::{DeviceError, ErrorCode, Session, Tablet, TabletSettings};
use beatbook_domain::concern::NewConcern;
use beatbook_domain::tablet::{EnrolInput, LockState, RecordInput, SyncState};
use beatbook_store::{KdfSettings, Store};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "demo-password-2026";
const PIN: &str = "246810";

struct Hq {
    url: String,
    storage: Arc<dyn beatbook_hq::Storage>,
    server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Hq {
    async fn start() -> Hq {
        Hq::start_with(beatbook_hq::HqSettings::default()).await
    }

    async fn start_with(settings: beatbook_hq::HqSettings) -> Hq {
        let dir = tempfile::tempdir().unwrap();
        let storage = beatbook_hq::open_storage(
            &format!("sqlite:{}", dir.path().join("hq.db").display()),
            &beatbook_hq::keys::HqKey::random(),
        )
        .await
        .unwrap();
        beatbook_hq::admin::seed_demo(storage.as_ref(), PASSWORD)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = beatbook_hq::HqState::new(storage.clone(), Arc::new(settings));
        let server = tokio::spawn(async move {
            let _ = beatbook_hq::serve(listener, state).await;
        });
        Hq {
            url,
            storage,
            server,
            _dir: dir,
        }
    }

    async fn code(&self) -> String {
        beatbook_hq::admin::enrolment_code(self.storage.as_ref(), 1)
            .await
            .unwrap()
    }

    async fn stop(&self) {
        self.server.abort();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn enrolment(hq: &Hq, code: String) -> EnrolInput {
    EnrolInput {
        hq_url: hq.url.clone(),
        code,
        collar_number: "PC4127".into(),
        password: PASSWORD.into(),
        pin: PIN.into(),
        device_name: None,
    }
}

async fn enrolled(hq: &Hq, dir: &Path) -> Arc<Session> {
    Session::enrol(
        dir,
        KdfSettings::INSECURE_FAST,
        enrolment(hq, hq.code().await),
    )
    .await
    .unwrap()
}

fn concern(description: &str) -> RecordInput {
    let concern: NewConcern = serde_json::from_value(serde_json::json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": {"lat": 51.5392, "lon": -0.1426, "place": null},
    }))
    .unwrap();
    RecordInput::Concern(concern)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_enrolment_leaves_nothing_behind_and_can_be_retried() {
    let hq = Hq::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");

    let e = Session::enrol(
        &dir,
        KdfSettings::INSECURE_FAST,
        enrolment(&hq, "ABCD-EFGH-JKMN".into()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Refused, "{e}");
    assert!(!Store::exists(&dir), "the store made for it is wiped");

    // A code that cannot be one is said before anything is set up or sent.
    let e = Session::enrol(
        &dir,
        KdfSettings::INSECURE_FAST,
        enrolment(&hq, "nope".into()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput, "{e}");
    assert!(e.message().contains("12 characters"), "{}", e.message());
    assert!(!Store::exists(&dir));

    let mut missing = enrolment(&hq, " ".into());
    missing.hq_url = String::new();
    let e = Session::enrol(&dir, KdfSettings::INSECURE_FAST, missing)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid);
    let fields: Vec<String> = e.fields().into_iter().map(|f| f.field).collect();
    assert_eq!(fields, ["hq_url", "code"]);
    assert!(!Store::exists(&dir));

    let session = enrolled(&hq, &dir).await;
    let profile = session.profile().await.unwrap();
    assert_eq!(profile.officer.id.as_str(), "PC4127");
    assert_eq!(profile.teams[0].id.as_str(), "camden-tct");
    let e = Session::enrol(
        &dir,
        KdfSettings::INSECURE_FAST,
        enrolment(&hq, hq.code().await),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, DeviceError::AlreadyEnrolled), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn end_of_shift_says_what_is_left_as_facts() {
    let hq = Hq::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let session = enrolled(&hq, tmp.path()).await;
    session
        .create(concern("Drinkers outside the station"))
        .await
        .unwrap();
    let view = session.sync_view().await.unwrap();
    assert_eq!((view.state, view.pending), (SyncState::Waiting, 1));

    let heard = std::sync::Mutex::new(Vec::new());
    let end = session
        .end_of_shift(&|p| heard.lock().unwrap().push(p))
        .await
        .unwrap();
    assert!(end.complete, "{end:?}");
    assert_eq!((end.pushed, end.acked, end.pending), (1, 1, 0));
    assert_eq!((end.error_code, end.error_message), (None, None));
    assert!(!heard.lock().unwrap().is_empty(), "progress is heard");
    let view = session.sync_view().await.unwrap();
    assert_eq!(view.state, SyncState::AllUploaded);
    assert!(view.last_success.is_some());

    // HQ stops; the network is still up (HQ's port refuses): "HQ cannot be reached", never
    // "no signal".
    hq.stop().await;
    session
        .create(concern("Still there at midnight"))
        .await
        .unwrap();
    let end = session.end_of_shift(&|_| {}).await.unwrap();
    assert!(!end.complete);
    assert_eq!(end.pending, 1);
    assert_eq!(end.error_code, Some(ErrorCode::HqUnreachable));
    assert!(
        end.error_message
            .as_deref()
            .is_some_and(|m| m.starts_with("HQ cannot be reached")),
        "{end:?}"
    );
    let view = session.sync_view().await.unwrap();
    assert_eq!((view.state, view.pending), (SyncState::HqUnreachable, 1));
    assert_eq!(view.last_error_code.as_deref(), Some("hq_unreachable"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_background_loop_syncs_soon_after_a_save_and_stops_when_closed() {
    let hq = Hq::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let session = enrolled(&hq, tmp.path()).await;
    // An hour between timed syncs: only the save can make it sync within the test.
    session.spawn_background(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(300)).await;
    session
        .create(concern("Bins overflowing by the canal"))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while session.sync_view().await.unwrap().pending > 0 {
        assert!(Instant::now() < deadline, "the save woke the loop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    session.close();
    tokio::time::sleep(Duration::from_millis(300)).await;
    session.create(concern("After closing")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        session.sync_view().await.unwrap().pending,
        1,
        "a closed session no longer syncs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tablet_locks_unlocks_and_locks_itself_when_idle() {
    let hq = Hq::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let tablet = Tablet::new(
        tmp.path().to_path_buf(),
        TabletSettings {
            kdf: KdfSettings::INSECURE_FAST,
            background_sync: false,
            sync_interval: Duration::from_secs(60),
        },
    );
    assert_eq!(tablet.status().await.unwrap().state, LockState::NotEnrolled);
    let e = tablet.unlock(PIN.into()).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotEnrolled);
    let status = tablet.enrol(enrolment(&hq, hq.code().await)).await.unwrap();
    assert_eq!(status.state, LockState::Unlocked);
    assert!(tablet.store_dir().starts_with(tablet.data_dir()));

    assert_eq!(tablet.lock().await.unwrap().state, LockState::Locked);
    assert_eq!(
        tablet.require_session().unwrap_err().code(),
        ErrorCode::Locked
    );
    assert_eq!(
        tablet.sync_view().await.unwrap_err().code(),
        ErrorCode::Locked
    );
    let e = tablet.unlock("000000".into()).await.unwrap_err();
    assert_eq!(
        (e.code(), e.attempts_left()),
        (ErrorCode::WrongPin, Some(4))
    );
    assert_eq!(
        tablet.unlock(PIN.into()).await.unwrap().state,
        LockState::Unlocked
    );

    let mut settings = tablet.device_settings();
    settings.auto_lock_minutes = 61;
    let e = tablet.set_device_settings(settings.clone()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput);
    settings.auto_lock_minutes = 2;
    settings.tile_url = Some("http://tiles".into());
    let e = tablet.set_device_settings(settings.clone()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput);
    settings.tile_url = None;
    tablet.set_device_settings(settings).unwrap();
    let reopened = Tablet::new(tmp.path().to_path_buf(), TabletSettings::default());
    assert_eq!(
        reopened.device_settings().auto_lock_minutes,
        2,
        "kept on disk"
    );
    assert_eq!(
        reopened.map_tile(1, 0, 0).await.unwrap_err().code(),
        ErrorCode::BadInput
    );

    assert!(!tablet.lock_if_idle(Instant::now() + Duration::from_secs(60)));
    assert!(tablet.touch());
    assert!(tablet.lock_if_idle(Instant::now() + Duration::from_secs(121)));
    assert_eq!(tablet.status().await.unwrap().state, LockState::Locked);
    assert!(!tablet.touch(), "a locked tablet says so");
}

#[tokio::test(flavor = "multi_thread")]
async fn hqs_auto_lock_limit_and_tile_server_reach_the_tablet_at_sign_in() {
    let tiles = "https://tiles.example/{z}/{x}/{y}.png";
    let hq = Hq::start_with(beatbook_hq::HqSettings {
        tablets: beatbook_domain::protocol::TabletPolicy {
            max_auto_lock_minutes: 10,
            tile_url: Some(tiles.into()),
            keep_closed_days: 45,
        },
        ..beatbook_hq::HqSettings::default()
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let tablet = Tablet::new(
        tmp.path().to_path_buf(),
        TabletSettings {
            kdf: KdfSettings::INSECURE_FAST,
            background_sync: false,
            sync_interval: Duration::from_secs(60),
        },
    );
    tablet.enrol(enrolment(&hq, hq.code().await)).await.unwrap();
    let s = tablet.device_settings();
    assert_eq!(
        (
            s.max_auto_lock_minutes,
            s.tile_url.as_deref(),
            s.auto_lock_minutes
        ),
        (10, Some(tiles), 5)
    );
    // How long the tablet keeps closed records it pulled comes with the session too.
    let session = tablet.require_session().unwrap();
    let keep = session
        .with_store(|s| Ok(s.tablet_policy()?.keep_closed_days))
        .await
        .unwrap();
    assert_eq!(keep, 45);
    let mut longer = s.clone();
    longer.auto_lock_minutes = 30;
    assert_eq!(
        tablet.set_device_settings(longer).unwrap_err().code(),
        ErrorCode::BadInput
    );
    // Kept for while the tablet is locked, and after a restart.
    tablet.lock().await.unwrap();
    let reopened = Tablet::new(tmp.path().to_path_buf(), TabletSettings::default());
    assert_eq!(reopened.device_settings().tile_url.as_deref(), Some(tiles));
    assert_eq!(reopened.device_settings().max_auto_lock_minutes, 10);
}

/// SHA-256 of some bytes, by a tool that is not Beatbook's.
fn sha256sum(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_loses_its_exif_gps_and_serial_on_the_tablet_and_hq_receives_what_was_kept() {
    use base64::Engine as _;
    // A camera's JPEG (cjpeg, then exiftool: GPS IFD, make, model, serial number, maker notes,
    // thumbnail, XMP, IPTC, comment) and a PNG with an eXIf chunk, text and XMP.
    const CAMERA_GPS: &[u8] = include_bytes!("../../store/tests/fixtures/camera_gps.jpg");
    const CAMERA_GPS_PNG: &[u8] = include_bytes!("../../store/tests/fixtures/camera_gps.png");
    const TELL_TALES: [&str; 7] = [
        "GPS",
        "Beatcam",
        "BC-1 Evidence",
        "SN4127X0099",
        "BCX77310042",
        "PC4127",
        "2026:11:20",
    ];
    let leaks = |bytes: &[u8]| -> Vec<&str> {
        TELL_TALES
            .into_iter()
            .filter(|t| bytes.windows(t.len()).any(|w| w == t.as_bytes()))
            .collect()
    };
    assert_eq!(leaks(CAMERA_GPS).len(), TELL_TALES.len());

    let photos_dir = tempfile::tempdir().unwrap();
    let hq = Hq::start_with(beatbook_hq::HqSettings {
        photos_dir: Some(photos_dir.path().to_path_buf()),
        ..beatbook_hq::HqSettings::default()
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let session = enrolled(&hq, tmp.path()).await;
    let RecordInput::Concern(new) = concern("Broken glass on the towpath, photo taken") else {
        unreachable!()
    };
    // As the app sends it (the Tauri command hands it to the session as it is): a data: URL.
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let id = session
        .add_concern_with_photos(
            new,
            vec![format!("data:image/jpeg;base64,{}", b64(CAMERA_GPS))],
        )
        .await
        .unwrap();

    let views = session.record_photos(id).await.unwrap();
    let sha = views[0].photo.sha256.clone();
    let kept = session.photo(sha.clone(), None).await.unwrap();
    assert_eq!(leaks(&kept), Vec::<&str>::new());
    assert_eq!(kept, beatbook_store::strip_metadata(CAMERA_GPS).unwrap());
    assert_eq!(views[0].photo.bytes, kept.len() as u64);
    // The image the camera encoded is all there, byte for byte: from its first quantisation
    // table to the end of the image, the encoder's own output (`camera.jpg`, before the
    // metadata was added to it).
    const CAMERA: &[u8] = include_bytes!("../../store/tests/fixtures/camera.jpg");
    let dqt = |b: &[u8]| b.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
    assert!(CAMERA_GPS.ends_with(&CAMERA[dqt(CAMERA)..]));
    assert_eq!(kept[dqt(&kept)..], CAMERA[dqt(CAMERA)..]);
    // The record keeps its location.
    let detail = session
        .with_store(move |s| s.record_detail(id))
        .await
        .unwrap();
    assert_eq!(detail.body["location"]["lat"], 51.5392);
    assert_eq!(detail.body["location"]["lon"], -0.1426);

    // A PNG added to the saved concern loses its metadata the same way.
    let both = session
        .attach_photos(id, vec![b64(CAMERA_GPS_PNG)])
        .await
        .unwrap();
    assert_eq!(both.len(), 2);
    let png_sha = both[1].photo.sha256.clone();
    let png = session.photo(png_sha.clone(), None).await.unwrap();
    assert_eq!(leaks(&png), Vec::<&str>::new());
    assert!(png.len() < CAMERA_GPS_PNG.len());

    // HQ receives exactly the bytes kept, under their hash: it keeps them sealed (its files
    // hold none of them as they are), and another tablet reads back exactly those bytes.
    let outcome = session.sync_now(&|_| {}).await.unwrap();
    assert_eq!((outcome.pending, outcome.pending_photos), (0, 0));
    let tmp2 = tempfile::tempdir().unwrap();
    let other = enrolled(&hq, tmp2.path()).await;
    other.sync_now(&|_| {}).await.unwrap();
    for (sha, bytes) in [(&sha, &kept), (&png_sha, &png)] {
        let on_hq = std::fs::read(photos_dir.path().join(sha)).unwrap();
        let stretches: std::collections::HashSet<&[u8]> =
            bytes.chunks(32).filter(|c| c.len() == 32).collect();
        assert!(!on_hq.windows(32).any(|w| stretches.contains(w)));
        let back = other.photo(sha.clone(), Some(id)).await.unwrap();
        assert_eq!(&back, bytes);
        assert_eq!(&sha256sum(&back), sha);
    }
}
