//! Who may reach a photo on HQ, over HTTP (the real router, in process) against SQLite always and
//! PostgreSQL (see `support`): a photo's SHA-256 is not a key to it. A record is linked to a photo
//! only by a whole upload that hashes to the photo's name; a photo is read (and `HEAD` answers)
//! only through records that list it now and that the officer may see now; everyone else gets
//! the same 404 as for a photo HQ does not hold; each device's upload is its own, so another
//! officer's chunks cannot spoil it; and photo files are sealed at rest (a photo written before
//! sealing stays readable and is sealed when read, or when HQ starts).
//!
//! Officers: PC4127 (Camden Town Centre Team) and PC2290 (Camden Town SNT) both see a concern at
//! Camden Town station; PC3318 (Dalston SNT) does not.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::photo::PhotoRef;
use beatbook_domain::{AreaId, Hlc, OpAction, Record, RecordId, RecordKind};
use beatbook_hq::HqSettings;
use chrono::Utc;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::http::{now_ms, Answer, Device, Hq};
use support::{story, Db, FromDb};

mod support;

impl FromDb for Hq {
    /// HQ on the story's database, with the demo areas, teams and officers, and its photos in a
    /// temp dir.
    async fn from_db(db: Db) -> Self {
        let storage = Hq::seed(&db, &[]).await;
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let settings = HqSettings {
            photos_dir: Some(dir.path().join("photos")),
            ..HqSettings::default()
        };
        Hq {
            dir: Some(dir),
            ..Hq::new(storage, settings)
        }
    }
}

/// A photo's bytes (the HQ side never looks inside), distinct per `seed`.
fn photo(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A concern at `place`, listing the photos `bytes`.
fn concern(description: &str, place: (&str, f64, f64, &str), photos: &[&[u8]]) -> Concern {
    let (name, lat, lon, area) = place;
    let new: NewConcern = serde_json::from_value(json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": {"lat": lat, "lon": lon, "place": name},
    }))
    .unwrap();
    let mut c = new.into_concern(Utc::now(), vec![AreaId::new(area)]).1;
    c.photos = photos
        .iter()
        .map(|b| PhotoRef {
            sha256: sha(b),
            mime: "image/jpeg".into(),
            bytes: b.len() as u64,
        })
        .collect();
    c
}

const CAMDEN: (&str, f64, f64, &str) = ("Camden Town station", 51.5392, -0.1426, "tc-camden-town");
const DALSTON: (&str, f64, f64, &str) = ("Ridley Road Market", 51.5478, -0.0725, "tc-dalston");

impl Hq {
    fn photos(&self) -> &Path {
        self.state.settings.photos_dir.as_deref().unwrap()
    }

    /// Every file in the photo store named for photo `sha256`, in any folder.
    fn files_named(&self, sha256: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.photos().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if e.file_name().to_string_lossy() == sha256 {
                    found.push(p);
                }
            }
        }
        found
    }
}

impl Device {
    /// `PUT` a chunk of photo `bytes` (its whole size in `photo-size`) for `record`.
    async fn put(
        &self,
        hq: &Hq,
        record: RecordId,
        name: &str,
        size: usize,
        offset: usize,
        chunk: &[u8],
    ) -> Answer {
        let req = Request::put(format!("/api/v1/photos/{name}?offset={offset}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, "image/jpeg")
            .header("photo-size", size.to_string())
            .header("photo-record", record.to_string())
            .body(Body::from(chunk.to_vec()))
            .unwrap();
        hq.send(req).await
    }

    /// Upload the whole photo `bytes` for `record`, in one chunk.
    async fn upload(&self, hq: &Hq, record: RecordId, bytes: &[u8]) -> Answer {
        self.put(hq, record, &sha(bytes), bytes.len(), 0, bytes)
            .await
    }

    /// `HEAD` the photo, for `record` if given.
    async fn head(&self, hq: &Hq, name: &str, record: Option<RecordId>) -> Answer {
        let mut req = Request::builder()
            .method(Method::HEAD)
            .uri(format!("/api/v1/photos/{name}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        if let Some(r) = record {
            req = req.header("photo-record", r.to_string());
        }
        hq.send(req.body(Body::empty()).unwrap()).await
    }

    async fn download(&self, hq: &Hq, name: &str) -> Answer {
        hq.get(&format!("/api/v1/photos/{name}"), &self.token).await
    }

    /// Push an edit of concern `id` that sets its photos to `photos`.
    async fn set_photos(&mut self, hq: &Hq, id: RecordId, photos: Vec<PhotoRef>) {
        let mut c = concern("unused", CAMDEN, &[]);
        c.photos = photos;
        let fields = c
            .writes_from(None)
            .unwrap()
            .into_iter()
            .filter(|(k, _)| k == "photos")
            .collect();
        let op = self.next_op(
            id,
            RecordKind::Concern,
            Hlc::new(now_ms(), 0),
            OpAction::Put { fields },
        );
        let a = hq
            .post("/api/v1/sync/push", &self.token, json!({"ops": [op]}))
            .await;
        assert_eq!(a.body["results"][0]["outcome"], "applied", "{}", a.text);
    }
}

fn offset(a: &Answer) -> (u64, bool) {
    (
        a.headers["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap(),
        a.headers["photo-verified"] == "true",
    )
}

// ---------------------------------------------------------------------------------------------

story!(knowing_a_photos_hash_does_not_reach_it);
async fn knowing_a_photos_hash_does_not_reach_it(hq: Hq) {
    let mut camden = Device::enrol(&hq, "PC4127").await;
    let mut dalston = Device::enrol(&hq, "PC3318").await;
    let bytes = photo(1, 5000);
    let name = sha(&bytes);
    let theirs = camden
        .create(&hq, &concern("Graffiti on the bridge", CAMDEN, &[&bytes]))
        .await;
    assert_eq!(
        camden.upload(&hq, theirs, &bytes).await.body["verified"],
        true
    );

    // An officer of another team lists the hash on a record of their own and sends one byte.
    let mine = dalston
        .create(&hq, &concern("Bins set alight", DALSTON, &[&bytes]))
        .await;
    let one = dalston
        .put(&hq, mine, &name, bytes.len(), 0, &bytes[..1])
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(
        (one.body["offset"].as_u64(), one.body["verified"].as_bool()),
        (Some(1), Some(false))
    );
    // The photo stays out of reach: the byte is only the start of their own upload.
    let read = dalston.download(&hq, &name).await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(read.body["code"], "not_found");
    let head = dalston.head(&hq, &name, Some(mine)).await;
    assert_eq!((head.status, offset(&head)), (StatusCode::OK, (1, false)));
    // The rest, guessed wrong, does not hash to the name: discarded, and still nothing.
    let rest = vec![0u8; bytes.len() - 1];
    let wrong = dalston.put(&hq, mine, &name, bytes.len(), 1, &rest).await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text
    );
    assert_eq!(wrong.body["code"], "photo_hash_mismatch");
    assert_eq!(
        dalston.download(&hq, &name).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        dalston.head(&hq, &name, None).await.status,
        StatusCode::NOT_FOUND
    );
    // A chunk for a record of another team is refused before anything is taken.
    let other = dalston
        .put(&hq, theirs, &name, bytes.len(), 0, &bytes)
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);

    // Whoever truly holds the photo proves it with a whole upload: then their record is linked.
    let whole = dalston.upload(&hq, mine, &bytes).await;
    assert_eq!(whole.body["verified"], true, "{}", whole.text);
    let read = dalston.download(&hq, &name).await;
    assert_eq!(
        (read.status, read.bytes.as_slice()),
        (StatusCode::OK, bytes.as_slice())
    );
    // Their upload gave them nothing of the other team's record: it is still theirs alone.
    let log = hq.access_log_for("PC3318").await;
    assert_eq!(log[0].record_ids, vec![mine]);
}

story!(hq_answers_the_same_404_for_a_photo_it_lacks_and_one_you_may_not_see);
async fn hq_answers_the_same_404_for_a_photo_it_lacks_and_one_you_may_not_see(hq: Hq) {
    let mut camden = Device::enrol(&hq, "PC4127").await;
    let mate = Device::enrol(&hq, "PC2290").await;
    let dalston = Device::enrol(&hq, "PC3318").await;
    let bytes = photo(2, 3000);
    let name = sha(&bytes);
    let record = camden
        .create(
            &hq,
            &concern("Lights out in the underpass", CAMDEN, &[&bytes]),
        )
        .await;
    // Before any upload, nobody's HEAD finds it: the device uploads from the start.
    assert_eq!(
        camden.head(&hq, &name, Some(record)).await.status,
        StatusCode::NOT_FOUND
    );
    camden.upload(&hq, record, &bytes).await;

    // Whoever may see the record: the whole photo, verified.
    for d in [&camden, &mate] {
        let head = d.head(&hq, &name, None).await;
        assert_eq!((head.status, offset(&head)), (StatusCode::OK, (3000, true)));
        assert_eq!(d.download(&hq, &name).await.bytes, bytes);
    }
    // For a record not linked yet, even one who may see the photo uploads it for that record.
    let head = camden.head(&hq, &name, Some(RecordId::new())).await;
    assert_eq!((head.status, offset(&head)), (StatusCode::OK, (0, false)));

    // Anyone else: exactly the answer for a photo HQ does not hold.
    let missing = sha(b"a photo HQ never received");
    let (hidden_get, missing_get) = (
        dalston.download(&hq, &name).await,
        dalston.download(&hq, &missing).await,
    );
    assert_eq!(hidden_get.status, StatusCode::NOT_FOUND);
    assert_eq!(
        (hidden_get.status, &hidden_get.text),
        (missing_get.status, &missing_get.text)
    );
    let (hidden_head, missing_head) = (
        dalston.head(&hq, &name, None).await,
        dalston.head(&hq, &missing, None).await,
    );
    assert_eq!(hidden_head.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden_head.status, missing_head.status);
    assert!(hidden_head.headers.get("upload-offset").is_none());
    assert_eq!(
        hidden_head.headers.get(header::CONTENT_TYPE),
        missing_head.headers.get(header::CONTENT_TYPE)
    );
}

story!(access_follows_the_records_that_list_the_photo_now);
async fn access_follows_the_records_that_list_the_photo_now(hq: Hq) {
    let mut camden = Device::enrol(&hq, "PC4127").await;
    let mate = Device::enrol(&hq, "PC2290").await;
    let bytes = photo(3, 4000);
    let name = sha(&bytes);
    let record = camden
        .create(&hq, &concern("Needles by the canal", CAMDEN, &[&bytes]))
        .await;
    camden.upload(&hq, record, &bytes).await;
    assert_eq!(mate.download(&hq, &name).await.status, StatusCode::OK);

    // The photo is taken off the record: no one reaches it through that record any more, not
    // even the officer who uploaded it.
    camden.set_photos(&hq, record, vec![]).await;
    for d in [&camden, &mate] {
        assert_eq!(d.download(&hq, &name).await.status, StatusCode::NOT_FOUND);
        assert_eq!(d.head(&hq, &name, None).await.status, StatusCode::NOT_FOUND);
    }
    // Listed again, it is back for whoever may see the record.
    camden
        .set_photos(
            &hq,
            record,
            vec![PhotoRef {
                sha256: name.clone(),
                mime: "image/jpeg".into(),
                bytes: bytes.len() as u64,
            }],
        )
        .await;
    assert_eq!(mate.download(&hq, &name).await.bytes, bytes);
}

story!(another_officers_chunks_cannot_spoil_an_upload_under_way);
async fn another_officers_chunks_cannot_spoil_an_upload_under_way(hq: Hq) {
    let mut camden = Device::enrol(&hq, "PC4127").await;
    let mut mate = Device::enrol(&hq, "PC2290").await;
    let bytes = photo(4, 6000);
    let (name, size) = (sha(&bytes), bytes.len());
    let record = camden
        .create(&hq, &concern("Car on the pavement", CAMDEN, &[&bytes]))
        .await;
    let half = camden
        .put(&hq, record, &name, size, 0, &bytes[..3000])
        .await;
    assert_eq!(half.body["offset"], 3000, "{}", half.text);

    // A team-mate, who may see the record, and another record of theirs listing the same
    // photo, sends garbage: where the upload left off, and from the start.
    let theirs = mate
        .create(&hq, &concern("The same car", CAMDEN, &[&bytes]))
        .await;
    for r in [record, theirs] {
        let cont = mate.put(&hq, r, &name, size, 3000, &[0u8; 3000]).await;
        assert_eq!(cont.status, StatusCode::CONFLICT, "{}", cont.text);
        assert_eq!(
            cont.headers["upload-offset"], "0",
            "their own upload holds nothing"
        );
    }
    let junk = mate.put(&hq, record, &name, size, 0, &[0xAB; 3000]).await;
    assert_eq!(junk.body["offset"], 3000, "{}", junk.text);

    // The first upload is untouched: it resumes where it was and verifies.
    let head = camden.head(&hq, &name, Some(record)).await;
    assert_eq!(offset(&head), (3000, false));
    let rest = camden
        .put(&hq, record, &name, size, 3000, &bytes[3000..])
        .await;
    assert_eq!(rest.body["verified"], true, "{}", rest.text);
    assert_eq!(camden.download(&hq, &name).await.bytes, bytes);
    // The garbage upload fails on its own when it ends (for their record, not linked), and the
    // photo stays.
    let end = mate
        .put(&hq, theirs, &name, size, 3000, &[0xAB; 3000])
        .await;
    assert_eq!(end.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", end.text);
    assert_eq!(mate.download(&hq, &name).await.bytes, bytes);
    assert_eq!(
        hq.files_named(&name),
        vec![hq.photos().join(&name)],
        "no upload left under way"
    );
}

story!(photo_files_are_sealed_at_rest_and_older_plain_ones_are_sealed_when_read);
async fn photo_files_are_sealed_at_rest_and_older_plain_ones_are_sealed_when_read(hq: Hq) {
    let mut camden = Device::enrol(&hq, "PC4127").await;
    let bytes = photo(5, 20_000);
    let name = sha(&bytes);
    let record = camden
        .create(&hq, &concern("Broken window", CAMDEN, &[&bytes]))
        .await;
    // Half an upload, then the whole: neither file on disk holds any of the photo's bytes.
    camden
        .put(&hq, record, &name, bytes.len(), 0, &bytes[..10_000])
        .await;
    let partial = hq.files_named(&name);
    assert_eq!(partial.len(), 1);
    assert!(!holds_any_of(&std::fs::read(&partial[0]).unwrap(), &bytes));
    camden
        .put(&hq, record, &name, bytes.len(), 10_000, &bytes[10_000..])
        .await;
    let file = hq.photos().join(&name);
    assert!(!holds_any_of(&std::fs::read(&file).unwrap(), &bytes));
    assert_eq!(camden.download(&hq, &name).await.bytes, bytes);

    // Photos written before sealing, as an earlier HQ left them: the bytes as they are and a
    // `.json` naming the record.
    let older: Vec<Vec<u8>> = vec![photo(6, 7000), photo(7, 7000)];
    let record = camden
        .create(
            &hq,
            &concern("Older photos", CAMDEN, &[&older[0], &older[1]]),
        )
        .await;
    for b in &older {
        std::fs::write(hq.photos().join(sha(b)), b).unwrap();
        std::fs::write(
            hq.photos().join(format!("{}.json", sha(b))),
            json!({"mime": "image/jpeg", "size": b.len(), "uploaded_by": ["PC4127"], "records": [record]}).to_string(),
        )
        .unwrap();
    }
    // One is read: it reads as it was, and is sealed from then on.
    let first = hq.photos().join(sha(&older[0]));
    assert_eq!(camden.download(&hq, &sha(&older[0])).await.bytes, older[0]);
    assert!(!holds_any_of(&std::fs::read(&first).unwrap(), &older[0]));
    assert_eq!(camden.download(&hq, &sha(&older[0])).await.bytes, older[0]);
    // An upload an earlier HQ left half-done, in the one shared place it kept them.
    let left = hq.photos().join("partial").join(sha(&older[1]));
    std::fs::write(&left, &older[1][..3000]).unwrap();
    // The rest are sealed when HQ starts (the retention schedule runs this first), and the
    // half-done upload is gone (the device uploads it again, in an upload of its own).
    assert_eq!(
        beatbook_hq::photo_files::seal_plain_photos(&hq.state)
            .await
            .unwrap(),
        1
    );
    assert!(!left.exists());
    let second = hq.photos().join(sha(&older[1]));
    assert!(!holds_any_of(&std::fs::read(&second).unwrap(), &older[1]));
    assert_eq!(camden.download(&hq, &sha(&older[1])).await.bytes, older[1]);
    assert_eq!(
        beatbook_hq::photo_files::seal_plain_photos(&hq.state)
            .await
            .unwrap(),
        0
    );
}

/// Whether `file` holds any 32-byte stretch of `photo` as it is.
fn holds_any_of(file: &[u8], photo: &[u8]) -> bool {
    let stretches: std::collections::HashSet<&[u8]> =
        photo.chunks(32).filter(|c| c.len() == 32).collect();
    file.windows(32).any(|w| stretches.contains(w))
}
