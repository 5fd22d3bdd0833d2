//! Erasure end to end, on each HQ backend: records with distinctive text and photos are made on
//! two tablets and synced, so that each tablet, HQ's database and HQ's photo store hold them; a
//! records manager disposes of two of them (and retains a third) through HQ's API; both tablets
//! sync. Afterwards no byte of the disposed records' text (any version, any appended update) or of
//! their photos is left: not in HQ's SQLite database file or its WAL, not in any PostgreSQL table
//! (read back with `pg_dump`), not in HQ's photo store, and not in either tablet's store read with
//! its key (every table, the search index's own tables and the outbox included). The op log's
//! chains still verify, and its entries say the record was disposed of, by whom and why.
//!
//! Before disposing, the same search finds every marker where it is expected: the search itself
//! is shown to work.

mod support;

use beatbook_domain::concern::{Concern, ConcernUpdate, NewConcern};
use beatbook_domain::RecordId;
use beatbook_hq::HqSettings;
use std::path::Path;
use std::process::Command;
use support::{device, start_hq_in, Device, Hq, DEMO_PASSWORD};

/// Near Camden Town station: both PC4127 (Camden Town Centre Team) and PC2290 (Camden Town SNT)
/// hold what is logged here.
const CAMDEN: (f64, f64) = (51.5392, -0.1426);

/// Words no record would otherwise contain: one per place the text of a disposed record lives.
const FIRST_VERSION: &str = "quillowmarsh";
const SECOND_VERSION: &str = "fennickbrook";
const APPENDED_UPDATE: &str = "glaverstone";
const OTHER_TABLET: &str = "tamberwicket";
const RETAINED: &str = "keepsakeholm";

fn photo(marker: u8) -> Vec<u8> {
    // A JPEG with no metadata (stored as it is) whose data is a pattern that occurs nowhere else.
    let scan: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ marker)
        .collect();
    beatbook_store::photo_metadata::bare_jpeg(&scan)
}

/// A stretch of a photo's bytes that identifies it.
fn photo_marker(bytes: &[u8]) -> &[u8] {
    &bytes[1000..1064]
}

fn new_concern(description: &str) -> NewConcern {
    serde_json::from_value(serde_json::json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": {"lat": CAMDEN.0, "lon": CAMDEN.1, "place": "Camden High Street"},
    }))
    .unwrap()
}

fn log_with_photo(d: &Device, description: &str, bytes: &[u8]) -> RecordId {
    d.store
        .lock()
        .unwrap()
        .add_concern_with_photos(new_concern(description), vec![bytes.to_vec()])
        .unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The needles for one word: itself, and its tail (the search index stores a word's first
/// letters shared with the word before it, so the tail is what is always written out).
fn needles(word: &str) -> Vec<Vec<u8>> {
    vec![word.as_bytes().to_vec(), word.as_bytes()[4..].to_vec()]
}

/// Where a needle is on HQ: files of its SQLite database (raw bytes, which are encrypted, and
/// what they hold decrypted, copied out to a plain file by `sqlcipher_export`), or PostgreSQL's
/// tables as `pg_dump` reads them.
fn hq_places(hq: &Hq, backend: &Backend, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let holds =
        |bytes: &[u8]| contains(bytes, needle) || contains(&bytes.to_ascii_lowercase(), needle);
    match backend {
        Backend::Sqlite => {
            for name in ["hq.db", "hq.db-wal", "hq.db-journal"] {
                let path = hq.dir.path().join(name);
                if std::fs::read(&path).is_ok_and(|bytes| holds(&bytes)) {
                    found.push(name.to_owned());
                }
            }
            let plain = tempfile::tempdir().unwrap();
            let copy = plain.path().join("decrypted.db");
            let c = beatbook_hq::storage::sqlite::connect(
                &hq.dir.path().join("hq.db"),
                &support::hq_key(),
            )
            .unwrap();
            c.execute(
                "ATTACH DATABASE ?1 AS plain KEY ''",
                [copy.to_string_lossy()],
            )
            .unwrap();
            c.execute_batch("SELECT sqlcipher_export('plain'); DETACH DATABASE plain;")
                .unwrap();
            drop(c);
            if std::fs::read(&copy).is_ok_and(|bytes| holds(&bytes)) {
                found.push("hq.db (decrypted)".to_owned());
            }
        }
        Backend::Postgres(schema) => {
            let out = Command::new("pg_dump")
                .args(["--data-only", "--schema", &schema.name, &postgres_url()])
                .output()
                .expect("pg_dump runs");
            assert!(
                out.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let dump = out.stdout.to_ascii_lowercase();
            if contains(&dump, needle) {
                found.push(format!("PostgreSQL schema {}", schema.name));
            }
        }
    }
    found
}

/// Files in HQ's photo store named for photo `sha256` (the photo, its `.json`, uploads under way).
fn photo_files_named(dir: &Path, sha256: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if e.file_name().to_string_lossy().starts_with(sha256) {
                found.push(p.display().to_string());
            }
        }
    }
    found
}

/// Files in HQ's photo store holding these bytes.
fn photo_files_with(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p).is_ok_and(|b| contains(&b, needle)) {
                found.push(p.display().to_string());
            }
        }
    }
    found
}

fn tablet_places(d: &Device, needle: &[u8]) -> Vec<String> {
    d.store.lock().unwrap().debug_find(needle).unwrap()
}

enum Backend {
    Sqlite,
    Postgres(PgSchema),
}

fn postgres_url() -> String {
    std::env::var("BEATBOOK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

struct PgSchema {
    name: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &postgres_url(),
                "-q",
                "-c",
                &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
            ])
            .output();
    }
}

async fn staff_token(hq: &Hq, collar: &str) -> String {
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/hq/login", hq.url()))
        .json(&serde_json::json!({"collar_number": collar, "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap().to_owned()
}

async fn decide(hq: &Hq, token: &str, body: serde_json::Value) -> serde_json::Value {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/hq/retention/decisions", hq.url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn erasure_leaves_no_byte_behind(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let photos_dir = dir.path().join("photos");
    let db = match &backend {
        Backend::Sqlite => format!("sqlite:{}", dir.path().join("hq.db").display()),
        Backend::Postgres(schema) => {
            let sep = if postgres_url().contains('?') {
                '&'
            } else {
                '?'
            };
            format!("{}{sep}schema={}", postgres_url(), schema.name)
        }
    };
    let hq = start_hq_in(
        dir,
        &db,
        HqSettings {
            photos_dir: Some(photos_dir.clone()),
            ..HqSettings::default()
        },
    )
    .await;
    let tct = device(&hq, "PC4127").await;
    let snt = device(&hq, "PC2290").await;

    let (first_photo, second_photo, kept_photo) = (photo(0x11), photo(0x5A), photo(0xC3));
    // On the first tablet: a concern with a photo, its text edited (a second version) and an
    // update appended; and a concern that will be retained.
    let disposed_here = log_with_photo(
        &tct,
        &format!("Group drinking by the bins, one calls himself {FIRST_VERSION}"),
        &first_photo,
    );
    {
        let mut s = tct.store.lock().unwrap();
        let mut c = s.get::<Concern>(disposed_here).unwrap().record;
        c.description = format!("Group drinking by the bins, one known as {SECOND_VERSION}");
        assert!(s.update(disposed_here, &c).unwrap());
        s.add_concern_update(
            disposed_here,
            &ConcernUpdate {
                note: format!("Spoke to the group; {APPENDED_UPDATE} gave a false address"),
                at: chrono::Utc::now(),
            },
        )
        .unwrap();
    }
    let retained = log_with_photo(
        &tct,
        &format!("Shop owner {RETAINED} reports repeated thefts"),
        &kept_photo,
    );
    // On the second tablet: a concern with a photo.
    let disposed_there = log_with_photo(
        &snt,
        &format!("Man sleeping in the doorway, says his name is {OTHER_TABLET}"),
        &second_photo,
    );
    for d in [&tct, &snt, &tct, &snt] {
        d.sync().await.unwrap();
    }

    let words = [FIRST_VERSION, SECOND_VERSION, APPENDED_UPDATE, OTHER_TABLET];
    // The search works: before disposal every word is on HQ and on both tablets, and every
    // photo in HQ's photo store.
    for word in words.iter().chain([&RETAINED]) {
        assert!(
            !hq_places(&hq, &backend, word.as_bytes()).is_empty(),
            "{word} should be on HQ before disposal"
        );
        for d in [&tct, &snt] {
            assert!(
                !tablet_places(d, word.as_bytes()).is_empty(),
                "{word} should be on each tablet before disposal"
            );
        }
    }
    // HQ seals its photo files at rest, so its photo store is searched by name: each photo is
    // there under its SHA-256 (and no file holds a photo's bytes as they are).
    let photo_name = |d: &Device, id: RecordId| {
        d.store
            .lock()
            .unwrap()
            .get::<Concern>(id)
            .unwrap()
            .record
            .photos[0]
            .sha256
            .clone()
    };
    let (first_sha, second_sha, kept_sha) = (
        photo_name(&tct, disposed_here),
        photo_name(&snt, disposed_there),
        photo_name(&tct, retained),
    );
    for sha in [&first_sha, &second_sha, &kept_sha] {
        assert!(photos_dir.join(sha).exists(), "photo {sha} should be on HQ");
    }
    for p in [&first_photo, &second_photo, &kept_photo] {
        assert!(photo_files_with(&photos_dir, photo_marker(p)).is_empty());
    }

    // A records manager retains one with a reason and disposes of two.
    let token = staff_token(&hq, "RM0001").await;
    let until = (chrono::Utc::now() + chrono::Duration::days(400)).date_naive();
    decide(
        &hq,
        &token,
        serde_json::json!({
            "records": [retained.to_string()],
            "filter": null,
            "decision": {"decision": "retain", "until": until.to_string()},
            "reason": "Series of thefts still under investigation",
        }),
    )
    .await;
    decide(
        &hq,
        &token,
        serde_json::json!({
            "records": [disposed_here.to_string(), disposed_there.to_string()],
            "filter": null,
            "decision": {"decision": "dispose"},
            "reason": "Reviewed: no further policing purpose",
        }),
    )
    .await;
    for d in [&tct, &snt] {
        let report = d.sync().await.unwrap();
        assert!(report.disposed >= 1, "{report:?}");
    }

    for word in words {
        for needle in needles(word) {
            let left = hq_places(&hq, &backend, &needle);
            assert!(
                left.is_empty(),
                "{word} is still on HQ after disposal: {left:?}"
            );
            for (name, d) in [("PC4127's tablet", &tct), ("PC2290's tablet", &snt)] {
                let left = tablet_places(d, &needle);
                assert!(
                    left.is_empty(),
                    "{word} is still in {name} after disposal: {left:?}"
                );
            }
        }
    }
    for sha in [&first_sha, &second_sha] {
        let left = photo_files_named(&photos_dir, sha);
        assert!(left.is_empty(), "a disposed photo is still on HQ: {left:?}");
    }
    for p in [&first_photo, &second_photo] {
        let marker = photo_marker(p);
        let left = photo_files_with(&photos_dir, marker);
        assert!(left.is_empty(), "a disposed photo is still on HQ: {left:?}");
        for d in [&tct, &snt] {
            assert!(tablet_places(d, marker).is_empty());
        }
    }

    // The retained record and its photo are all still there.
    assert!(!hq_places(&hq, &backend, RETAINED.as_bytes()).is_empty());
    assert!(photos_dir.join(&kept_sha).exists());
    for d in [&tct, &snt] {
        let s = d.store.lock().unwrap();
        assert!(s.state(retained).is_ok(), "the retained record stays");
        assert_eq!(s.state(disposed_here).unwrap_err().code(), "not_found");
        assert_eq!(s.state(disposed_there).unwrap_err().code(), "not_found");
    }
    assert!(hq.storage.record(disposed_here).await.unwrap().is_none());
    assert!(hq.storage.record(retained).await.unwrap().is_some());

    // The op log still holds that the changes happened, and who made them; its chains verify.
    let chains = beatbook_hq::admin::verify_chains(hq.storage.as_ref())
        .await
        .unwrap();
    assert!(!chains.is_empty());
    assert!(chains.iter().all(|(_, r)| r.ok), "{chains:?}");
    let history = hq.storage.record_ops(disposed_here, 100).await.unwrap();
    assert_eq!(
        history.len(),
        3,
        "creation, edit and update are still logged"
    );
    let shown = format!("{history:?}");
    assert!(
        shown.contains("disposed of on") && shown.contains("Grace Whitfield"),
        "the log says who disposed of it: {shown}"
    );
    assert!(shown.contains("no further policing purpose"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disposed_record_leaves_no_byte_behind_on_sqlite() {
    erasure_leaves_no_byte_behind(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disposed_record_leaves_no_byte_behind_on_postgres() {
    if std::env::var_os("BEATBOOK_SKIP_POSTGRES").is_some() {
        eprintln!("skipped: BEATBOOK_SKIP_POSTGRES is set");
        return;
    }
    let name = format!("erasure_{}", std::process::id());
    erasure_leaves_no_byte_behind(Backend::Postgres(PgSchema { name })).await;
}
