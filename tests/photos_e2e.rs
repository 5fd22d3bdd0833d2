//! Photos end to end: a concern with a photo logged with no signal reaches HQ with its photo,
//! checked by hash; a connection cut midway through a photo resumes from HQ's offset (nothing sent
//! twice); bytes that do not match their hash are refused and the device keeps the photo; HQ's
//! answers to bad photo requests.

mod support;

use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::photo::wire::{OFFSET_HEADER, RECORD_HEADER, SIZE_HEADER, VERIFIED_HEADER};
use beatbook_domain::photo::{PhotoState, MAX_PHOTO_BYTES};
use beatbook_domain::protocol::ApiErrorBody;
use beatbook_domain::RecordId;
use beatbook_faultproxy::{FaultProxy, FaultSettings};
use beatbook_hq::HqSettings;
use std::path::{Path, PathBuf};
use support::{device, device_at, start_hq, Device, Hq};

const CHUNK: usize = 4096;

/// A JPEG with no metadata (stored as it is) of about `n` bytes.
fn photo(n: usize, seed: u8) -> Vec<u8> {
    let scan: Vec<u8> = (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    beatbook_store::photo_metadata::bare_jpeg(&scan)
}

fn new_concern() -> NewConcern {
    serde_json::from_value(serde_json::json!({
        "category": {"kind": "vawg", "type": "environmental", "heading": "badly_lit"},
        "description": "Underpass lights out again",
        "location": {"lat": 51.5392, "lon": -0.1426, "place": "Camden Town station"},
    }))
    .unwrap()
}

fn log_with_photo(d: &Device, bytes: &[u8]) -> (RecordId, String) {
    let mut s = d.store.lock().unwrap();
    let id = s
        .add_concern_with_photos(new_concern(), vec![bytes.to_vec()])
        .unwrap();
    let sha = s.get::<Concern>(id).unwrap().record.photos[0]
        .sha256
        .clone();
    (id, sha)
}

/// An HQ whose photos go to a directory the test can look in.
async fn hq_with_photos() -> (Hq, tempfile::TempDir) {
    let photos = tempfile::tempdir().unwrap();
    let hq = start_hq(HqSettings {
        photos_dir: Some(photos.path().to_path_buf()),
        ..HqSettings::default()
    })
    .await;
    (hq, photos)
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

/// Files under `dir` (HQ's photo store) named `name`, in any folder (uploads under way are kept
/// per device, in `partial/<device>/`).
fn files_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if e.file_name().to_string_lossy() == name {
                found.push(p);
            }
        }
    }
    found
}

/// Whether `file` holds any 32-byte stretch of `photo` as it is.
fn holds_any_of(file: &[u8], photo: &[u8]) -> bool {
    let stretches: std::collections::HashSet<&[u8]> =
        photo.chunks(32).filter(|c| c.len() == 32).collect();
    file.windows(32).any(|w| stretches.contains(w))
}

/// The photo as HQ gives it back to `token`'s officer.
async fn read_back(hq: &Hq, sha: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(photo_url(hq, sha))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn token(d: &Device) -> String {
    d.store
        .lock()
        .unwrap()
        .sync_meta()
        .unwrap()
        .access_token
        .unwrap()
}

fn photo_url(hq: &Hq, sha: &str) -> String {
    format!("{}/api/v1/photos/{sha}", hq.url())
}

#[allow(clippy::too_many_arguments)]
async fn put(
    hq: &Hq,
    token: Option<&str>,
    record: Option<RecordId>,
    sha: &str,
    offset: u64,
    size: u64,
    body: &[u8],
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .put(photo_url(hq, sha))
        .query(&[("offset", offset)])
        .header(SIZE_HEADER, size)
        .header("content-type", "image/jpeg")
        .body(body.to_vec());
    if let Some(r) = record {
        req = req.header(RECORD_HEADER, r.to_string());
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn code(resp: reqwest::Response) -> String {
    resp.json::<ApiErrorBody>().await.unwrap().code
}

fn photo_state(d: &Device, sha: &str) -> PhotoState {
    d.store.lock().unwrap().photo_state(sha).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concern_with_a_photo_logged_offline_reaches_hq_with_its_photo() {
    let (hq, photos_dir) = hq_with_photos().await;
    let proxy = FaultProxy::start(hq.addr, FaultSettings::none(1))
        .await
        .unwrap();
    let mut d = device_at(
        &format!("http://{}", proxy.addr()),
        &hq.enrolment_code().await,
        "PC4127",
    )
    .await;
    d.engine = d.engine.clone().with_photo_chunk(CHUNK);

    proxy.set_offline(true);
    let bytes = photo(50_000, 7);
    let (id, sha) = log_with_photo(&d, &bytes);
    assert!(d.sync().await.is_err(), "no signal");
    let status = d.engine.status().await.unwrap();
    assert_eq!((status.pending, status.pending_photos), (1, 1));
    assert_eq!(photo_state(&d, &sha), PhotoState::Waiting);

    proxy.set_offline(false);
    let events = std::sync::Mutex::new(Vec::new());
    let r = d
        .engine
        .sync_once(&|p| events.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!((r.acked, r.pending), (1, 0));
    assert_eq!(r.photos.uploaded, 1);
    assert_eq!(r.photos.bytes_sent, bytes.len() as u64);
    assert_eq!((r.photos.pending, r.photos.error.as_deref()), (0, None));
    assert!(events
        .lock()
        .unwrap()
        .contains(&beatbook_sync::Progress::Photos {
            uploaded: 1,
            total: 1
        }));

    // HQ holds the photo under its hash, sealed (the file holds none of the photo's bytes as
    // they are), and nothing half-done; read back, it is exactly the photo.
    let on_hq: PathBuf = photos_dir.path().join(&sha);
    assert!(!holds_any_of(&std::fs::read(&on_hq).unwrap(), &bytes));
    assert_eq!(files_named(photos_dir.path(), &sha), vec![on_hq]);
    let got = read_back(&hq, &sha, &token(&d)).await;
    assert_eq!(got.status(), 200);
    assert_eq!(sha256sum(&got.bytes().await.unwrap()), sha);
    // The device marks it on HQ and keeps it for display.
    assert_eq!(photo_state(&d, &sha), PhotoState::OnHq);
    assert_eq!(d.engine.status().await.unwrap().pending_photos, 0);
    assert_eq!(
        d.store.lock().unwrap().record_photos(id).unwrap()[0].state,
        PhotoState::OnHq
    );
    // The record on HQ names the photo.
    let other = device(&hq, "PC2290").await;
    other.sync().await.unwrap();
    let there = other.store.lock().unwrap().get::<Concern>(id).unwrap();
    assert_eq!(there.record.photos[0].sha256, sha);
    assert_eq!(photo_state(&other, &sha), PhotoState::NotOnDevice);

    // Reading it back: its uploader may, with no token no one may.
    let http = reqwest::Client::new();
    let got = http
        .get(photo_url(&hq, &sha))
        .bearer_auth(token(&d))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(got.bytes().await.unwrap().as_ref(), &bytes[..]);
    let anon = http.get(photo_url(&hq, &sha)).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    // An officer who may see the record may read its photo; one who may not, may not.
    let mate = http
        .get(photo_url(&hq, &sha))
        .bearer_auth(token(&other))
        .send()
        .await
        .unwrap();
    assert_eq!(mate.status(), 200);
    let dalston = device(&hq, "PC3318").await;
    let stranger = http
        .get(photo_url(&hq, &sha))
        .bearer_auth(token(&dalston))
        .send()
        .await
        .unwrap();
    // The same answer as for a photo HQ does not hold: the name says nothing.
    assert_eq!(stranger.status(), 404);
    assert_eq!(code(stranger).await, "not_found");
    let head = http
        .head(photo_url(&hq, &sha))
        .bearer_auth(token(&dalston))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 404);
    // The team-mate's tablet fetches it from HQ, checked, and keeps it for display offline.
    assert_eq!(other.engine.fetch_photo(id, &sha).await.unwrap(), bytes);
    assert_eq!(photo_state(&other, &sha), PhotoState::OnHq);
    assert_eq!(other.engine.status().await.unwrap().pending_photos, 0);
    assert!(dalston.engine.fetch_photo(id, &sha).await.is_err());
    assert_eq!(photo_state(&dalston, &sha), PhotoState::NotOnDevice);
    // A second sync sends nothing again.
    let again = d.sync().await.unwrap();
    assert_eq!(again.photos.bytes_sent, 0);
}

/// A loopback proxy that cuts the connection, as a lost signal would, when the `cut_at`-th photo
/// chunk (`PUT`) starts on its way to HQ; everything before and after passes.
async fn cutting_proxy(
    upstream: std::net::SocketAddr,
    cut_at: usize,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const PUT: &[u8] = b"PUT /api/v1/photos/";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let puts = std::sync::Arc::new(AtomicUsize::new(0));
    let task = tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let puts = puts.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                let back = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                });
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match from_client.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let data = &buf[..n];
                    if data.windows(PUT.len()).any(|w| w == PUT)
                        && puts.fetch_add(1, Ordering::SeqCst) + 1 == cut_at
                    {
                        break;
                    }
                    if to_server.write_all(data).await.is_err() {
                        break;
                    }
                }
                back.abort();
            });
        }
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_midway_through_a_photo_resumes_from_hqs_offset() {
    let (hq, photos_dir) = hq_with_photos().await;
    let (proxy, proxy_task) = cutting_proxy(hq.addr, 3).await;
    let mut d = device_at(
        &format!("http://{proxy}"),
        &hq.enrolment_code().await,
        "PC4127",
    )
    .await;
    d.engine = d.engine.clone().with_photo_chunk(CHUNK);
    let bytes = photo(40_000, 5);
    let (id, sha) = log_with_photo(&d, &bytes);
    let size = bytes.len() as u64;

    // Two chunks arrive, the connection drops as the third starts.
    let first = d.sync().await.unwrap();
    assert_eq!((first.acked, first.pending), (1, 0), "the record is on HQ");
    assert_eq!(first.photos.uploaded, 0);
    assert_eq!(first.photos.bytes_sent, 2 * CHUNK as u64);
    assert!(first.photos.error.is_some());
    assert_eq!(photo_state(&d, &sha), PhotoState::Waiting);
    // The two chunks wait in this device's own upload, sealed.
    let partial = files_named(photos_dir.path(), &sha);
    assert_eq!(partial.len(), 1, "{partial:?}");
    assert!(partial[0].starts_with(photos_dir.path().join("partial")));
    assert!(!holds_any_of(
        &std::fs::read(&partial[0]).unwrap(),
        &bytes[..2 * CHUNK]
    ));
    // HQ says how much it holds; a chunk for another offset is refused with a code, and HQ
    // says where it is.
    let t = token(&d);
    let held = (2 * CHUNK).to_string();
    let head = reqwest::Client::new()
        .head(photo_url(&hq, &sha))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(head.headers()[OFFSET_HEADER], held.as_str());
    assert_eq!(head.headers()[VERIFIED_HEADER], "false");
    let wrong = put(&hq, Some(&t), Some(id), &sha, 0, size, &bytes[..CHUNK]).await;
    assert_eq!(wrong.status(), 409);
    assert_eq!(wrong.headers()[OFFSET_HEADER], held.as_str());
    assert_eq!(code(wrong).await, "photo_offset_mismatch");

    // The next sync sends only what HQ lacks: nothing is sent twice.
    let second = d.sync().await.unwrap();
    assert_eq!(second.photos.uploaded, 1);
    assert_eq!(second.photos.bytes_sent, size - 2 * CHUNK as u64);
    assert_eq!(first.photos.bytes_sent + second.photos.bytes_sent, size);
    let got = read_back(&hq, &sha, &token(&d)).await;
    assert_eq!(sha256sum(&got.bytes().await.unwrap()), sha);
    assert_eq!(
        files_named(photos_dir.path(), &sha),
        vec![photos_dir.path().join(&sha)]
    );
    assert_eq!(photo_state(&d, &sha), PhotoState::OnHq);
    proxy_task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_do_not_match_their_hash_are_refused_and_the_device_keeps_the_photo() {
    let (hq, photos_dir) = hq_with_photos().await;
    let mut d = device(&hq, "PC4127").await;
    d.engine = d.engine.clone().with_photo_chunk(CHUNK);
    let bytes = photo(10_000, 9);
    let (id, sha) = log_with_photo(&d, &bytes);
    // Damage the device's copy (same size): what reaches HQ no longer hashes to the name.
    d.store
        .lock()
        .unwrap()
        .debug_execute("UPDATE photos SET bytes = zeroblob(size)")
        .unwrap();

    let r = d.sync().await.unwrap();
    assert_eq!(
        (r.acked, r.pending),
        (1, 0),
        "the record's sync is not failed"
    );
    assert_eq!(r.photos.uploaded, 0);
    assert_eq!(r.photos.pending, 1);
    assert!(
        r.photos
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("damaged"),
        "{:?}",
        r.photos.error
    );
    assert_eq!(photo_state(&d, &sha), PhotoState::Waiting);
    assert_eq!(d.engine.status().await.unwrap().pending_photos, 1);
    assert_eq!(
        d.store.lock().unwrap().record_photos(id).unwrap()[0].state,
        PhotoState::Waiting
    );
    // HQ kept nothing: no photo, no partial.
    assert!(files_named(photos_dir.path(), &sha).is_empty());

    // The same answer over plain HTTP, in one chunk.
    let resp = put(&hq, Some(&token(&d)), Some(id), &sha, 0, 10, b"0123456789").await;
    assert_eq!(resp.status(), 422);
    assert_eq!(code(resp).await, "photo_hash_mismatch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_refuses_photo_requests_without_a_token_too_large_or_badly_named() {
    let (hq, photos_dir) = hq_with_photos().await;
    let d = device(&hq, "PC4127").await;
    let t = token(&d);
    let sha = "a".repeat(64);
    let anon = put(&hq, None, None, &sha, 0, 4, b"abcd").await;
    assert_eq!(anon.status(), 401);
    assert_eq!(code(anon).await, "unauthorised");
    let head = reqwest::Client::new()
        .head(photo_url(&hq, &sha))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 401);
    let big = put(&hq, Some(&t), None, &sha, 0, MAX_PHOTO_BYTES + 1, b"abcd").await;
    assert_eq!(big.status(), 413);
    assert_eq!(code(big).await, "photo_too_large");
    let bad = put(&hq, Some(&t), None, "../../etc/passwd", 0, 4, b"abcd").await;
    assert!(bad.status().is_client_error());
    // A photo goes only with a record HQ has, that lists it, and that the officer may see.
    let no_record = put(&hq, Some(&t), None, &sha, 0, 4, b"abcd").await;
    assert_eq!(code(no_record).await, "bad_request");
    let unknown_record = put(&hq, Some(&t), Some(RecordId::new()), &sha, 0, 4, b"abcd").await;
    assert_eq!(unknown_record.status(), 403);
    let dalston = device(&hq, "PC3318").await;
    let theirs = dalston.add_concern("Drinking on Kingsland High Street", 51.5480, -0.0755);
    dalston.sync().await.unwrap();
    let not_mine = put(&hq, Some(&t), Some(theirs), &sha, 0, 4, b"abcd").await;
    assert_eq!(not_mine.status(), 403);
    let unknown = reqwest::Client::new()
        .get(photo_url(&hq, &sha))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(std::fs::read_dir(photos_dir.path()).unwrap().count(), 0);
    // Nothing too large or not an image is ever saved on the device either.
    let err = d
        .store
        .lock()
        .unwrap()
        .add_concern_with_photos(new_concern(), vec![b"GIF89a not accepted".to_vec()])
        .unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert_eq!(d.store.lock().unwrap().count().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_photo_endpoints_are_in_the_openapi_document() {
    let hq = start_hq(HqSettings::default()).await;
    let doc: serde_json::Value = reqwest::get(format!("{}/api/v1/openapi.json", hq.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let photos = &doc["paths"]["/api/v1/photos/{sha256}"];
    for method in ["head", "put", "get"] {
        assert!(photos.get(method).is_some(), "{method} missing: {photos}");
    }
    assert!(doc["components"]["schemas"]
        .get("PhotoUploadStatus")
        .is_some());
}
