//! Photos on HQ's volume, content-addressed and uploaded resumably: how much of a photo this
//! device has sent ([`held`]), a chunk appended at exactly that offset ([`append`]), and a photo
//! read back by whoever may see it ([`read`]).
//!
//! Rules (issue 17):
//! - **A chunk is taken only as part of an upload that then verifies.** Each device uploads into
//!   a partial file of its own (`partial/<device>/<sha256>`), so one officer's chunks can never
//!   spoil another's half-finished upload. When the last byte arrives HQ hashes the whole: only
//!   bytes whose SHA-256 matches their name count; anything else is discarded
//!   ([`PhotoError::HashMismatch`]) and the device, which still holds the photo, sends it again.
//!   A record is linked to a photo only by such a verified upload naming it, even when HQ
//!   already holds the photo: knowing a photo's hash is not enough to reach it.
//! - **Access is checked against the records that list the photo now.** A photo is read (and
//!   `HEAD` answers) only for an officer who may see, now, a record linked to it that still
//!   lists it now. Everyone else gets the same 404 as for a photo HQ does not hold, so a hash
//!   cannot be used to learn whether HQ has a photo.
//! - **Sealed at rest.** Photo files (verified and partial) are sealed with HQ's photo key
//!   ([`sealed`]); the `.json` beside a photo holds its type, size and the linked records, no
//!   photo bytes. Photos written before sealing stay readable: each is sealed the next time it
//!   is read, and all of them when HQ starts ([`seal_plain_photos`], run by the retention
//!   schedule before its first sweep).
//!
//! Every read is in the access log. Files live in `photos_dir`: `<sha256>` (verified),
//! `<sha256>.json` (type, size, uploaders, linked records), and `partial/<device>/<sha256>` (and
//! its `.json`) while a device's upload is under way. Chunks of one photo are handled one at a
//! time within this process; HQ processes sharing a volume should route a device to one process
//! per upload (or a later version should take a file lock).

mod sealed;

use crate::dashboard::audit::AccessEntry;
use crate::device_sessions::Authed;
use crate::error::ApiError;
use crate::HqState;
use beatbook_domain::access::{device_may_see, Viewer};
use beatbook_domain::merge::RecordState;
use beatbook_domain::photo::wire::{PhotoUploadStatus, RECORD_HEADER, SIZE_HEADER};
use beatbook_domain::photo::{is_sha256_hex, PhotoRef, MAX_PHOTO_BYTES};
use beatbook_domain::{DeviceId, RecordId};
use sealed::{Contents, Sealer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// A photo's error: the shared ones, and the ones a device acts on.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("a photo may be at most {} MB", MAX_PHOTO_BYTES / 1_048_576)]
    TooLarge,
    /// The chunk does not start where this device's upload ends: the device sends from `held`.
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

/// The one answer for a photo HQ does not hold and a photo this officer may not see.
pub fn not_found() -> PhotoError {
    ApiError::NotFound("HQ holds no photo by this name that you may see".into()).into()
}

/// What HQ keeps beside a photo (and beside a device's partial upload).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct PhotoMeta {
    mime: String,
    size: u64,
    /// Officers whose verified uploads linked a record (for the record; not a way in).
    uploaded_by: Vec<String>,
    /// Records linked to the photo by a verified upload: whoever may see one of them, while it
    /// still lists the photo, may read it.
    #[serde(default)]
    records: Vec<RecordId>,
}

/// One chunk of an upload, as the device sent it.
pub struct Chunk<'a> {
    /// Where it starts: must equal the bytes this device's upload holds.
    pub offset: u64,
    /// The whole photo's size, if the device said.
    pub size: Option<u64>,
    /// The record that lists the photo, if the device said.
    pub record: Option<RecordId>,
    /// The chunk's content type, if the device said (kept when it is an image type).
    pub mime: Option<String>,
    pub bytes: &'a [u8],
}

/// The photos in record `change`, if it is still at HQ and not deleted.
fn listed_photos(state_json: &str) -> Option<Vec<PhotoRef>> {
    let record: RecordState = serde_json::from_str(state_json).ok()?;
    if record.is_deleted() {
        return None;
    }
    Some(
        record
            .to_object()
            .get("photos")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
    )
}

/// Whether record `id` is at HQ, lists photo `sha256` now, and (if a viewer is given) that
/// viewer may see it now.
async fn lists_now(
    state: &HqState,
    viewer: Option<&Viewer>,
    id: RecordId,
    sha256: &str,
) -> Result<bool, PhotoError> {
    let Some(change) = state.storage.record(id).await.map_err(ApiError::from)? else {
        return Ok(false);
    };
    if viewer.is_some_and(|v| !device_may_see(v, &change.facts)) {
        return Ok(false);
    }
    Ok(listed_photos(&change.state_json)
        .is_some_and(|photos| photos.iter().any(|p| p.sha256 == sha256)))
}

/// The records linked to a photo (`meta`) through which `viewer` may see it now.
async fn visible_via(
    state: &HqState,
    viewer: &Viewer,
    sha256: &str,
    meta: &PhotoMeta,
) -> Result<Vec<RecordId>, PhotoError> {
    let mut via = Vec::new();
    for id in &meta.records {
        if lists_now(state, Some(viewer), *id, sha256).await? {
            via.push(*id);
        }
    }
    Ok(via)
}

struct Paths {
    done: PathBuf,
    meta: PathBuf,
    /// This device's upload under way.
    partial: PathBuf,
    partial_meta: PathBuf,
}

fn check_name(sha256: &str) -> Result<(), PhotoError> {
    if is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(ApiError::BadRequest("a photo is named by its SHA-256 in lower-case hex".into()).into())
    }
}

fn paths(state: &HqState, sha256: &str, device: DeviceId) -> Result<Paths, PhotoError> {
    check_name(sha256)?;
    let dir = state.settings.photos_dir();
    let mine = dir.join("partial").join(device.to_string());
    Ok(Paths {
        done: dir.join(sha256),
        meta: dir.join(format!("{sha256}.json")),
        partial: mine.join(sha256),
        partial_meta: mine.join(format!("{sha256}.json")),
    })
}

fn sealer(state: &HqState) -> Sealer {
    Sealer::new(&state.key.derive("photos"))
}

/// Run blocking file work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, PhotoError> {
    Ok(tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("photo file task: {e}")))??)
}

fn exists(path: &Path) -> bool {
    path.exists()
}

async fn read_meta(path: &Path) -> Result<Option<PhotoMeta>, PhotoError> {
    match tokio::fs::read(path).await {
        Ok(b) => Ok(serde_json::from_slice(&b).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn write_meta(path: &Path, meta: &PhotoMeta) -> Result<(), PhotoError> {
    let tmp = path.with_extension("json.tmp");
    tokio::fs::write(&tmp, serde_json::to_vec(meta).unwrap_or_default()).await?;
    tokio::fs::rename(&tmp, path).await?;
    Ok(())
}

/// Plaintext bytes of this device's upload under way (`None`: none under way).
async fn partial_len(path: &Path) -> Result<Option<u64>, PhotoError> {
    let path = path.to_owned();
    blocking(move || sealed::held(&path)).await
}

/// Chunks of one photo are handled one at a time (striped by the name's first byte).
fn lock_for(sha256: &str) -> &'static tokio::sync::Mutex<()> {
    static STRIPES: [tokio::sync::Mutex<()>; 64] =
        [const { tokio::sync::Mutex::const_new(()) }; 64];
    let i = sha256.as_bytes().first().copied().unwrap_or_default() as usize % STRIPES.len();
    &STRIPES[i]
}

/// What `HEAD` answers a device about photo `sha256`, for record `record` if it names one:
/// `Some((size, true))` when the officer may see the photo now (through `record`, if named);
/// otherwise `Some((n, false))` with the bytes of this device's own upload under way, or
/// `(0, false)` when the officer may see the photo through another record (it must still be
/// uploaded for `record`); `None` (404, as for a photo HQ does not hold) for everyone else.
pub async fn held(
    state: &HqState,
    by: &Authed,
    sha256: &str,
    record: Option<RecordId>,
) -> Result<Option<(u64, bool)>, PhotoError> {
    let p = paths(state, sha256, by.device)?;
    let mut visible = false;
    if exists(&p.done) {
        if let Some(meta) = read_meta(&p.meta).await? {
            let via = visible_via(state, &by.viewer, sha256, &meta).await?;
            if record.map_or(!via.is_empty(), |r| via.contains(&r)) {
                return Ok(Some((meta.size, true)));
            }
            visible = !via.is_empty();
        }
    }
    Ok(match partial_len(&p.partial).await? {
        Some(n) => Some((n, false)),
        None if visible => Some((0, false)),
        None => None,
    })
}

/// Drop this device's upload under way.
async fn discard_partial(p: &Paths) {
    let _ = tokio::fs::remove_file(&p.partial).await;
    let _ = tokio::fs::remove_file(&p.partial_meta).await;
}

/// Append `chunk` to this device's upload of photo `sha256`; the last chunk verifies it and
/// links the chunk's record to the photo.
pub async fn append(
    state: &HqState,
    by: &Authed,
    sha256: &str,
    chunk: Chunk<'_>,
) -> Result<PhotoUploadStatus, PhotoError> {
    let p = paths(state, sha256, by.device)?;
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
    if !lists_now(state, Some(&by.viewer), record, sha256).await? {
        return Err(ApiError::Forbidden(
            "HQ has no record you may see that lists this photo: sync the record first".into(),
        )
        .into());
    }
    let _one_at_a_time = lock_for(sha256).lock().await;
    if exists(&p.done) {
        // This record's upload already verified (an answer lost on the way back): done. Nothing
        // is taken from this chunk.
        if let Some(meta) = read_meta(&p.meta).await? {
            if meta.records.contains(&record) {
                discard_partial(&p).await;
                return Ok(PhotoUploadStatus {
                    offset: meta.size,
                    size: meta.size,
                    verified: true,
                });
            }
        }
    }
    let held = partial_len(&p.partial).await?.unwrap_or(0);
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
    if held == 0 {
        tokio::fs::create_dir_all(p.partial.parent().unwrap_or(&p.partial)).await?;
        let mime = chunk
            .mime
            .filter(|m| m.starts_with("image/"))
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        write_meta(
            &p.partial_meta,
            &PhotoMeta {
                mime,
                size,
                uploaded_by: vec![by.officer.id.as_str().to_owned()],
                records: vec![record],
            },
        )
        .await?;
    }
    {
        let (sealer, path, name, bytes) = (
            sealer(state),
            p.partial.clone(),
            sha256.to_owned(),
            chunk.bytes.to_vec(),
        );
        blocking(move || sealer.append(&path, &name, held, &bytes)).await?;
    }
    if end < size {
        return Ok(PhotoUploadStatus {
            offset: end,
            size,
            verified: false,
        });
    }
    let whole = {
        let (sealer, path, name) = (sealer(state), p.partial.clone(), sha256.to_owned());
        blocking(move || sealer.open(&path, &name)).await?
    };
    let whole = match whole {
        Contents::Sealed(b) | Contents::Plain(b) => b,
    };
    if whole.len() as u64 != size || hex::encode(Sha256::digest(&whole)) != sha256 {
        discard_partial(&p).await;
        tracing::warn!(photo = %sha256, device = %by.device, "photo hash mismatch; discarded");
        return Err(PhotoError::HashMismatch);
    }
    drop(whole);
    let officer = by.officer.id.as_str().to_owned();
    let existing = if exists(&p.done) {
        read_meta(&p.meta).await?
    } else {
        None
    };
    if let Some(mut meta) = existing {
        // HQ held the photo already: this upload proved the device holds it too; link its record.
        if !meta.records.contains(&record) {
            meta.records.push(record);
        }
        if !meta.uploaded_by.contains(&officer) {
            meta.uploaded_by.push(officer);
        }
        write_meta(&p.meta, &meta).await?;
        discard_partial(&p).await;
    } else {
        // The metadata first, then the photo: a photo never exists without knowing who may read
        // it.
        let mut meta = read_meta(&p.partial_meta).await?.unwrap_or(PhotoMeta {
            mime: "application/octet-stream".into(),
            size,
            uploaded_by: vec![],
            records: vec![],
        });
        meta.size = size;
        meta.records = vec![record];
        meta.uploaded_by = vec![officer];
        write_meta(&p.meta, &meta).await?;
        tokio::fs::rename(&p.partial, &p.done).await?;
        let _ = tokio::fs::remove_file(&p.partial_meta).await;
    }
    tracing::info!(photo = %sha256, bytes = size, device = %by.device, record = %record, "photo verified");
    Ok(PhotoUploadStatus {
        offset: size,
        size,
        verified: true,
    })
}

/// Seal the verified photo file `done`, written before photos were sealed, whose bytes are
/// `plain`: a sealed copy beside it replaces it by a rename, then the plain copy's blocks are
/// gone with it. Only bytes that hash to the name are sealed; others are left for a person.
async fn seal_in_place(
    state: &HqState,
    done: &Path,
    sha256: &str,
    plain: Vec<u8>,
) -> Result<bool, PhotoError> {
    if hex::encode(Sha256::digest(&plain)) != sha256 {
        tracing::warn!(photo = %sha256, "a photo file from before sealing does not match its name; left as it is");
        return Ok(false);
    }
    let (sealer, done, name) = (sealer(state), done.to_owned(), sha256.to_owned());
    blocking(move || {
        let tmp = done.with_extension("sealing");
        sealer.write(&tmp, &name, &plain)?;
        std::fs::rename(&tmp, &done)
    })
    .await?;
    tracing::info!(photo = %sha256, "sealed a photo written before photos were sealed");
    Ok(true)
}

/// Photo `sha256` (its content type and bytes), for an officer who may see, now, a record
/// linked to it that still lists it; anyone else gets the same 404 as for a photo HQ does not
/// hold. Written to the access log before it is answered. A photo written before sealing is
/// sealed now.
pub async fn read(
    state: &HqState,
    by: &Authed,
    sha256: &str,
) -> Result<(String, Vec<u8>), PhotoError> {
    let p = paths(state, sha256, by.device)?;
    let meta = read_meta(&p.meta).await?;
    let Some(meta) = meta.filter(|_| exists(&p.done)) else {
        return Err(not_found());
    };
    let via = visible_via(state, &by.viewer, sha256, &meta).await?;
    if via.is_empty() {
        return Err(not_found());
    }
    let contents = {
        let (sealer, path, name) = (sealer(state), p.done.clone(), sha256.to_owned());
        blocking(move || sealer.open(&path, &name)).await?
    };
    let bytes = match contents {
        Contents::Sealed(b) => b,
        Contents::Plain(b) => {
            let _one_at_a_time = lock_for(sha256).lock().await;
            seal_in_place(state, &p.done, sha256, b.clone()).await?;
            b
        }
    };
    state
        .storage
        .log_access(&AccessEntry {
            at: chrono::Utc::now(),
            officer_id: by.officer.id.clone(),
            device_id: Some(by.device),
            action: "view".into(),
            record_ids: via,
            detail: format!("photo {sha256}"),
            purpose: String::new(),
        })
        .await
        .map_err(ApiError::from)?;
    Ok((meta.mime, bytes))
}

/// Seal every verified photo file written before photos were sealed; how many were. Uploads
/// left half-done by an earlier HQ (one shared `partial/<sha256>` per photo, not sealed) are
/// shredded: no device resumes them any more (each starts its own upload from the beginning).
/// Run when HQ starts (the retention schedule, before its first sweep); safe to run again.
pub async fn seal_plain_photos(state: &HqState) -> Result<u64, PhotoError> {
    let dir = state.settings.photos_dir();
    if let Ok(mut entries) = tokio::fs::read_dir(dir.join("partial")).await {
        while let Some(e) = entries.next_entry().await? {
            let name = e.file_name().to_string_lossy().into_owned();
            let photo = name.strip_suffix(".json").unwrap_or(&name);
            if is_sha256_hex(photo) && e.file_type().await?.is_file() {
                let _one_at_a_time = lock_for(photo).lock().await;
                shred(&e.path()).await?;
            }
        }
    }
    let mut entries = match tokio::fs::read_dir(&dir).await {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let mut sealed_now = 0;
    while let Some(e) = entries.next_entry().await? {
        let Some(name) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !is_sha256_hex(&name) {
            continue;
        }
        // Most files are sealed already: their first bytes say so, without decrypting them.
        let path = e.path();
        if let Ok(true) = blocking(move || sealed::starts_sealed(&path)).await {
            continue;
        }
        let _one_at_a_time = lock_for(&name).lock().await;
        let contents = {
            let (sealer, path, name) = (sealer(state), e.path(), name.clone());
            blocking(move || sealer.open(&path, &name)).await
        };
        match contents {
            Ok(Contents::Plain(b)) => {
                sealed_now += u64::from(seal_in_place(state, &e.path(), &name, b).await?);
            }
            Ok(Contents::Sealed(_)) => {}
            Err(err) => tracing::warn!(photo = %name, error = %err, "a photo file does not open"),
        }
    }
    Ok(sealed_now)
}

/// Whether record `id` is still at HQ and lists photo `sha256` (whoever may see it).
async fn still_listed(state: &HqState, id: RecordId, sha256: &str) -> Result<bool, PhotoError> {
    lists_now(state, None, id, sha256).await
}

/// Overwrite a file with zeros, flush it to disk, then unlink it: the bytes do not linger in
/// the file's blocks for whoever reads the volume next (as far as the filesystem rewrites in
/// place). A file already gone is fine.
async fn shred(path: &Path) -> Result<(), PhotoError> {
    let len = match tokio::fs::metadata(path).await {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
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

/// Every file of photo `sha256`: the photo and its `.json`, and every device's upload under way
/// (and one from before uploads were kept per device).
async fn all_files(
    state: &HqState,
    sha256: &str,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), PhotoError> {
    check_name(sha256)?;
    let dir = state.settings.photos_dir();
    let partial = dir.join("partial");
    let mut files = vec![dir.join(sha256), partial.join(sha256)];
    let mut metas = vec![
        dir.join(format!("{sha256}.json")),
        partial.join(format!("{sha256}.json")),
    ];
    match tokio::fs::read_dir(&partial).await {
        Ok(mut entries) => {
            while let Some(e) = entries.next_entry().await? {
                if e.file_type().await?.is_dir() {
                    files.push(e.path().join(sha256));
                    metas.push(e.path().join(format!("{sha256}.json")));
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    Ok((files, metas))
}

/// Erase photo `sha256` now that `disposed` (a record that listed it) has been disposed of:
/// the photo, its `.json` and any partial upload are overwritten and removed, unless another
/// record still at HQ lists the same photo (then only `disposed` is struck from its list).
/// Answers whether the files went. Safe to run again after a cut: a file already gone is fine.
pub async fn erase(state: &HqState, sha256: &str, disposed: RecordId) -> Result<bool, PhotoError> {
    let (files, metas) = all_files(state, sha256).await?;
    let _one_at_a_time = lock_for(sha256).lock().await;
    let mut others = Vec::new();
    for meta_path in &metas {
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
        for meta_path in &metas {
            if let Some(mut meta) = read_meta(meta_path).await? {
                meta.records.retain(|r| kept.contains(r));
                write_meta(meta_path, &meta).await?;
            }
        }
        return Ok(false);
    }
    for path in files.iter().chain(&metas) {
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
        assert_eq!(
            held(&hq.state, &by, &sha256, Some(record)).await.unwrap(),
            Some((10, false))
        );
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
        assert_eq!(
            held(&hq.state, &by, &sha256, Some(record)).await.unwrap(),
            Some((size, true))
        );

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

        // An officer of another team sees neither the record nor the photo: the same answer
        // as for a photo HQ does not hold.
        let other = Device::enrol(&hq.state, "PC3318").await;
        let other = other.authed(&hq.state).await;
        let e = read(&hq.state, &other, &sha256).await.err();
        assert!(
            matches!(e, Some(PhotoError::Api(ApiError::NotFound(_)))),
            "{e:?}"
        );
        assert_eq!(held(&hq.state, &other, &sha256, None).await.unwrap(), None);
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
        assert_eq!(
            held(&hq.state, &by, &sha256, Some(record)).await.unwrap(),
            None
        );
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
