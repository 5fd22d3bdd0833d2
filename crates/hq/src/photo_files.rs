//! Photos on HQ's volume, content-addressed and uploaded resumably: how much of a photo HQ holds
//! ([`held`]), a chunk appended at exactly that offset ([`append`]), and a photo read back by
//! whoever may see it ([`read`]). When the last byte arrives HQ hashes the file: only bytes whose
//! SHA-256 matches their name become the photo (an atomic rename); anything else is discarded
//! ([`PhotoError::HashMismatch`]), and the device, which still holds the photo, sends it again.
//!
//! Who may: a chunk names the record it belongs to, and HQ accepts it only from an officer who
//! may see that record, which must already list the photo (records go first). A photo is read
//! back by its uploader, or by an officer who may see a record that lists it; every read is in
//! the access log.
//!
//! Files live in `photos_dir`: `<sha256>` (verified), `<sha256>.json` (type, size, uploaders,
//! records), and `partial/<sha256>` while an upload is under way. Chunks of one photo are appended
//! one at a time within this process; HQ processes sharing a volume should route a device to one
//! process per upload (or a later version should take a file lock).

use crate::dashboard::audit::AccessEntry;
use crate::device_sessions::Authed;
use crate::error::ApiError;
use crate::HqState;
use beatbook_domain::access::{device_may_see, Viewer};
use beatbook_domain::merge::RecordState;
use beatbook_domain::photo::wire::{PhotoUploadStatus, RECORD_HEADER, SIZE_HEADER};
use beatbook_domain::photo::{is_sha256_hex, PhotoRef, MAX_PHOTO_BYTES};
use beatbook_domain::RecordId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// A photo's error: the shared ones, and the ones a device acts on.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("a photo may be at most {} MB", MAX_PHOTO_BYTES / 1_048_576)]
    TooLarge,
    /// The chunk does not start where HQ's copy ends: the device sends from `held`.
    #[error("HQ holds {held} bytes of this photo: send from there")]
    OffsetMismatch { held: u64 },
    /// The bytes do not hash to the photo's name: HQ discarded them.
    #[error("the photo HQ received does not match its SHA-256: HQ discarded it; the device keeps it and sends it again")]
    HashMismatch,
}

impl From<std::io::Error> for PhotoError {
    fn from(e: std::io::Error) -> Self {
        PhotoError::Api(ApiError::Internal(format!("photo file: {e}")))
    }
}

/// What HQ keeps beside a verified photo.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct PhotoMeta {
    mime: String,
    size: u64,
    /// Officers who uploaded it (they may read it back).
    uploaded_by: Vec<String>,
    /// Records that list it: whoever may see one of them may read it.
    #[serde(default)]
    records: Vec<RecordId>,
}

/// One chunk of an upload, as the device sent it.
pub struct Chunk<'a> {
    /// Where it starts: must equal the bytes HQ holds.
    pub offset: u64,
    /// The whole photo's size, if the device said.
    pub size: Option<u64>,
    /// The record that lists the photo, if the device said.
    pub record: Option<RecordId>,
    /// The chunk's content type, if the device said (kept when it is an image type).
    pub mime: Option<String>,
    pub bytes: &'a [u8],
}

/// Whether `viewer` may see record `id` at HQ, and it lists photo `sha256`.
async fn record_lists_photo(
    state: &HqState,
    viewer: &Viewer,
    id: RecordId,
    sha256: &str,
) -> Result<bool, PhotoError> {
    let Some(change) = state.storage.record(id).await.map_err(ApiError::from)? else {
        return Ok(false);
    };
    if !device_may_see(viewer, &change.facts) {
        return Ok(false);
    }
    let record: RecordState = serde_json::from_str(&change.state_json)
        .map_err(|e| ApiError::Internal(format!("record {id}: {e}")))?;
    let photos: Vec<PhotoRef> = record
        .to_object()
        .get("photos")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(photos.iter().any(|p| p.sha256 == sha256))
}

struct Paths {
    done: PathBuf,
    meta: PathBuf,
    partial: PathBuf,
    partial_meta: PathBuf,
}

fn paths(state: &HqState, sha256: &str) -> Result<Paths, PhotoError> {
    if !is_sha256_hex(sha256) {
        return Err(ApiError::BadRequest(
            "a photo is named by its SHA-256 in lower-case hex".into(),
        )
        .into());
    }
    let dir = state.settings.photos_dir();
    Ok(Paths {
        done: dir.join(sha256),
        meta: dir.join(format!("{sha256}.json")),
        partial: dir.join("partial").join(sha256),
        partial_meta: dir.join("partial").join(format!("{sha256}.json")),
    })
}

async fn file_len(path: &std::path::Path) -> Result<Option<u64>, PhotoError> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn read_meta(path: &std::path::Path) -> Result<Option<PhotoMeta>, PhotoError> {
    match tokio::fs::read(path).await {
        Ok(b) => Ok(serde_json::from_slice(&b).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn write_meta(path: &std::path::Path, meta: &PhotoMeta) -> Result<(), PhotoError> {
    tokio::fs::write(path, serde_json::to_vec(meta).unwrap_or_default()).await?;
    Ok(())
}

/// Chunks of one photo are appended one at a time (striped by the name's first byte).
fn lock_for(sha256: &str) -> &'static tokio::sync::Mutex<()> {
    static STRIPES: [tokio::sync::Mutex<()>; 64] =
        [const { tokio::sync::Mutex::const_new(()) }; 64];
    let i = sha256.as_bytes().first().copied().unwrap_or_default() as usize % STRIPES.len();
    &STRIPES[i]
}

/// How many bytes of photo `sha256` HQ holds, and whether it is whole and its hash checked.
pub async fn held(state: &HqState, sha256: &str) -> Result<(u64, bool), PhotoError> {
    let p = paths(state, sha256)?;
    Ok(match file_len(&p.done).await? {
        Some(n) => (n, true),
        None => (file_len(&p.partial).await?.unwrap_or(0), false),
    })
}

/// Append `chunk` to photo `sha256`, uploaded by `by`; the last chunk verifies the photo.
pub async fn append(
    state: &HqState,
    by: &Authed,
    sha256: &str,
    chunk: Chunk<'_>,
) -> Result<PhotoUploadStatus, PhotoError> {
    let p = paths(state, sha256)?;
    let size = chunk
        .size
        .ok_or_else(|| ApiError::BadRequest(format!("send the photo's size in {SIZE_HEADER}")))?;
    if size == 0 || size > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let record = chunk.record.ok_or_else(|| {
        ApiError::BadRequest(format!(
            "send the id of the record the photo belongs to in {RECORD_HEADER}"
        ))
    })?;
    if !record_lists_photo(state, &by.viewer, record, sha256).await? {
        return Err(ApiError::Forbidden(
            "HQ has no record you may see that lists this photo: sync the record first".into(),
        )
        .into());
    }
    let _one_at_a_time = lock_for(sha256).lock().await;
    if let Some(n) = file_len(&p.done).await? {
        // Already here (another device, or an answer lost on the way back): note this record too.
        if let Some(mut meta) = read_meta(&p.meta).await? {
            if !meta.records.contains(&record) {
                meta.records.push(record);
                write_meta(&p.meta, &meta).await?;
            }
        }
        return Ok(PhotoUploadStatus {
            offset: n,
            size: n,
            verified: true,
        });
    }
    let held = file_len(&p.partial).await?.unwrap_or(0);
    if chunk.offset != held {
        return Err(PhotoError::OffsetMismatch { held });
    }
    let end = held + chunk.bytes.len() as u64;
    if end > size {
        return Err(ApiError::BadRequest(format!(
            "the chunk runs past the photo's size ({end} > {size})"
        ))
        .into());
    }
    let new_meta = |mime: String| PhotoMeta {
        mime,
        size,
        uploaded_by: vec![by.officer.id.as_str().to_owned()],
        records: vec![record],
    };
    if held == 0 {
        tokio::fs::create_dir_all(p.partial.parent().unwrap_or(&p.partial)).await?;
        let mime = chunk
            .mime
            .filter(|m| m.starts_with("image/"))
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        write_meta(&p.partial_meta, &new_meta(mime)).await?;
    }
    let mut f = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p.partial)
        .await?;
    f.write_all(chunk.bytes).await?;
    f.sync_data().await?;
    drop(f);
    if end < size {
        return Ok(PhotoUploadStatus {
            offset: end,
            size,
            verified: false,
        });
    }
    if sha256_of(&p.partial).await? != sha256 {
        let _ = tokio::fs::remove_file(&p.partial).await;
        let _ = tokio::fs::remove_file(&p.partial_meta).await;
        tracing::warn!(photo = %sha256, device = %by.device, "photo hash mismatch; discarded");
        return Err(PhotoError::HashMismatch);
    }
    // The metadata first, then the photo: a photo never exists without knowing who may read it.
    let meta = read_meta(&p.partial_meta)
        .await?
        .unwrap_or_else(|| new_meta("application/octet-stream".into()));
    write_meta(&p.meta, &meta).await?;
    tokio::fs::rename(&p.partial, &p.done).await?;
    let _ = tokio::fs::remove_file(&p.partial_meta).await;
    tracing::info!(photo = %sha256, bytes = size, device = %by.device, "photo verified");
    Ok(PhotoUploadStatus {
        offset: size,
        size,
        verified: true,
    })
}

/// The SHA-256 of a file, hashed off the async workers.
async fn sha256_of(path: &std::path::Path) -> Result<String, PhotoError> {
    let path = path.to_owned();
    let digest = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut hasher = Sha256::new();
        std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("hashing task: {e}")))??;
    Ok(digest)
}

/// Photo `sha256` (its content type and bytes), for its uploader or an officer who may see a
/// record that lists it. Written to the access log before it is answered.
pub async fn read(
    state: &HqState,
    by: &Authed,
    sha256: &str,
) -> Result<(String, Vec<u8>), PhotoError> {
    let p = paths(state, sha256)?;
    let meta = read_meta(&p.meta).await?;
    let Some(meta) = meta.filter(|_| p.done.exists()) else {
        return Err(ApiError::NotFound("HQ does not hold this photo (yet)".into()).into());
    };
    let mut via = Vec::new();
    for id in &meta.records {
        if record_lists_photo(state, &by.viewer, *id, sha256).await? {
            via.push(*id);
        }
    }
    let uploader = meta.uploaded_by.iter().any(|o| o == by.officer.id.as_str());
    if via.is_empty() && !uploader {
        return Err(ApiError::Forbidden("you may not see this photo".into()).into());
    }
    let bytes = tokio::fs::read(&p.done).await?;
    state
        .storage
        .log_access(&AccessEntry {
            at: chrono::Utc::now(),
            officer_id: by.officer.id.clone(),
            device_id: Some(by.device),
            action: "view".into(),
            record_ids: if via.is_empty() {
                meta.records.clone()
            } else {
                via
            },
            detail: format!("photo {sha256}"),
            purpose: String::new(),
        })
        .await
        .map_err(ApiError::from)?;
    Ok((meta.mime, bytes))
}

/// Whether record `id` is still at HQ and lists photo `sha256` (whoever may see it).
async fn still_listed(state: &HqState, id: RecordId, sha256: &str) -> Result<bool, PhotoError> {
    let Some(change) = state.storage.record(id).await.map_err(ApiError::from)? else {
        return Ok(false);
    };
    let Ok(record) = serde_json::from_str::<RecordState>(&change.state_json) else {
        return Ok(false);
    };
    if record.is_deleted() {
        return Ok(false);
    }
    let photos: Vec<PhotoRef> = record
        .to_object()
        .get("photos")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(photos.iter().any(|p| p.sha256 == sha256))
}

/// Overwrite a file with zeros, flush it to disk, then unlink it: the bytes do not linger in
/// the file's blocks for whoever reads the volume next (as far as the filesystem rewrites in
/// place). A file already gone is fine.
async fn shred(path: &std::path::Path) -> Result<(), PhotoError> {
    let len = match file_len(path).await? {
        Some(n) => n,
        None => return Ok(()),
    };
    {
        let mut f = tokio::fs::OpenOptions::new().write(true).open(path).await?;
        let zeros = vec![0u8; 64 * 1024];
        let mut left = len;
        while left > 0 {
            let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
            f.write_all(&zeros[..n]).await?;
            left -= n as u64;
        }
        f.sync_all().await?;
    }
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Erase photo `sha256` now that `disposed` (a record that listed it) has been disposed of:
/// the photo, its `.json` and any partial upload are overwritten and removed, unless another
/// record still at HQ lists the same photo (then only `disposed` is struck from its list).
/// Answers whether the files went. Safe to run again after a cut: a file already gone is fine.
pub async fn erase(state: &HqState, sha256: &str, disposed: RecordId) -> Result<bool, PhotoError> {
    let p = paths(state, sha256)?;
    let _one_at_a_time = lock_for(sha256).lock().await;
    let mut others = Vec::new();
    for meta_path in [&p.meta, &p.partial_meta] {
        if let Some(meta) = read_meta(meta_path).await? {
            others.extend(meta.records.into_iter().filter(|r| *r != disposed));
        }
    }
    others.sort();
    others.dedup();
    let mut kept = Vec::new();
    for id in others {
        if still_listed(state, id, sha256).await? {
            kept.push(id);
        }
    }
    if !kept.is_empty() {
        for meta_path in [&p.meta, &p.partial_meta] {
            if let Some(mut meta) = read_meta(meta_path).await? {
                meta.records.retain(|r| kept.contains(r));
                write_meta(meta_path, &meta).await?;
            }
        }
        return Ok(false);
    }
    for path in [&p.done, &p.partial, &p.meta, &p.partial_meta] {
        shred(path).await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::AccessQuery;
    use crate::testing::{concern, hq, Device};

    fn chunk(offset: u64, size: u64, record: RecordId, bytes: &[u8]) -> Chunk<'_> {
        Chunk {
            offset,
            size: Some(size),
            record: Some(record),
            mime: Some("image/jpeg".into()),
            bytes,
        }
    }

    /// A concern listing a photo of `bytes`, pushed by `device`: the record and the photo's name.
    async fn record_with_photo(
        state: &HqState,
        device: &mut Device,
        bytes: &[u8],
    ) -> (RecordId, String) {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let mut c = concern("Graffiti on the bridge", "tc-camden-town", None);
        c.photos = vec![PhotoRef {
            sha256: sha256.clone(),
            mime: "image/jpeg".into(),
            bytes: bytes.len() as u64,
        }];
        (device.create(state, &c).await, sha256)
    }

    #[tokio::test]
    async fn a_photo_uploaded_in_chunks_is_verified_and_read_back_by_who_may_see_it() {
        let hq = hq().await;
        let mut tablet = Device::enrol(&hq.state, "PC4127").await;
        let bytes = b"not really a jpeg, but bytes all the same".to_vec();
        let (record, sha256) = record_with_photo(&hq.state, &mut tablet, &bytes).await;
        let by = tablet.authed(&hq.state).await;
        let size = bytes.len() as u64;

        let status = append(
            &hq.state,
            &by,
            &sha256,
            chunk(0, size, record, &bytes[..10]),
        )
        .await
        .unwrap();
        assert_eq!((status.offset, status.verified), (10, false));
        assert_eq!(held(&hq.state, &sha256).await.unwrap(), (10, false));
        // A chunk from the wrong place is refused with where to send from.
        let e = append(
            &hq.state,
            &by,
            &sha256,
            chunk(0, size, record, &bytes[..10]),
        )
        .await
        .err();
        assert!(
            matches!(e, Some(PhotoError::OffsetMismatch { held: 10 })),
            "{e:?}"
        );
        let status = append(
            &hq.state,
            &by,
            &sha256,
            chunk(10, size, record, &bytes[10..]),
        )
        .await
        .unwrap();
        assert_eq!((status.offset, status.verified), (size, true));
        assert_eq!(held(&hq.state, &sha256).await.unwrap(), (size, true));

        let (mime, read_back) = read(&hq.state, &by, &sha256).await.unwrap();
        assert_eq!((mime.as_str(), read_back), ("image/jpeg", bytes));
        let log = hq
            .state
            .storage
            .access_log(&AccessQuery {
                officer_id: Some(tablet.officer.clone()),
                limit: 10,
                ..AccessQuery::default()
            })
            .await
            .unwrap();
        assert!(log
            .iter()
            .any(|e| e.action == "view" && e.record_ids == vec![record]));

        // An officer of another team sees neither the record nor the photo.
        let other = Device::enrol(&hq.state, "PC3318").await;
        let e = read(&hq.state, &other.authed(&hq.state).await, &sha256)
            .await
            .err();
        assert!(
            matches!(e, Some(PhotoError::Api(ApiError::Forbidden(_)))),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn bytes_that_do_not_match_their_name_are_discarded() {
        let hq = hq().await;
        let mut tablet = Device::enrol(&hq.state, "PC4127").await;
        let bytes = b"the photo as taken".to_vec();
        let (record, sha256) = record_with_photo(&hq.state, &mut tablet, &bytes).await;
        let by = tablet.authed(&hq.state).await;
        let wrong = b"the photo garbled!".to_vec();
        let e = append(
            &hq.state,
            &by,
            &sha256,
            chunk(0, wrong.len() as u64, record, &wrong),
        )
        .await
        .err();
        assert!(matches!(e, Some(PhotoError::HashMismatch)), "{e:?}");
        assert_eq!(held(&hq.state, &sha256).await.unwrap(), (0, false));
    }

    #[tokio::test]
    async fn a_chunk_needs_a_size_within_bounds_and_a_record_that_lists_the_photo() {
        let hq = hq().await;
        let mut tablet = Device::enrol(&hq.state, "PC4127").await;
        let (record, sha256) = record_with_photo(&hq.state, &mut tablet, b"photo").await;
        let by = tablet.authed(&hq.state).await;
        let e = append(&hq.state, &by, "not-a-hash", chunk(0, 5, record, b"photo"))
            .await
            .err();
        assert!(
            matches!(e, Some(PhotoError::Api(ApiError::BadRequest(_)))),
            "{e:?}"
        );
        let e = append(
            &hq.state,
            &by,
            &sha256,
            chunk(0, MAX_PHOTO_BYTES + 1, record, b""),
        )
        .await
        .err();
        assert!(matches!(e, Some(PhotoError::TooLarge)), "{e:?}");
        let other = RecordId::new();
        let e = append(&hq.state, &by, &sha256, chunk(0, 5, other, b"photo"))
            .await
            .err();
        assert!(
            matches!(e, Some(PhotoError::Api(ApiError::Forbidden(_)))),
            "{e:?}"
        );
    }
}
