//! Photos: bytes kept in the encrypted database under their SHA-256, written in the same
//! transaction as the op that first refers to them, and kept until HQ has checked them.

use crate::photo_metadata::strip_metadata;
use crate::records::{apply_local, create_in};
use crate::{now_ms, Store, StoreError};
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::photo::{check_photo_bytes, sniff_mime, PhotoRef, PhotoState, PhotoView};
use beatbook_domain::{OpAction, Record, RecordId, RecordKind, ValidationErrors};
use rusqlite::{OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

/// A photo waiting to go to HQ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoUpload {
    pub sha256: String,
    pub mime: String,
    pub size: u64,
    pub record_id: RecordId,
}

/// A checked photo, ready to store.
struct Checked {
    photo: PhotoRef,
    bytes: Vec<u8>,
}

/// Check every photo (all problems at once, as field errors), take its metadata out (EXIF, GPS,
/// camera serial, maker notes, comments: [`strip_metadata`]) and work out its reference from the
/// bytes that remain, the only ones stored and sent to HQ. A photo whose structure cannot be read
/// is a field error too: it cannot be shown to be free of metadata.
fn check_all(photos: Vec<Vec<u8>>, first_index: usize) -> Result<Vec<Checked>, StoreError> {
    let mut errs = ValidationErrors::new();
    for (i, bytes) in photos.iter().enumerate() {
        check_photo_bytes(&mut errs, first_index + i, bytes);
    }
    if !errs.is_empty() {
        return Err(StoreError::Invalid(errs));
    }
    let mut stripped = Vec::with_capacity(photos.len());
    for (i, bytes) in photos.iter().enumerate() {
        match strip_metadata(bytes) {
            Ok(b) => stripped.push(b),
            Err(e) => errs.add(
                format!("photos[{}]", first_index + i),
                "unreadable",
                e.to_string(),
            ),
        }
    }
    if !errs.is_empty() {
        return Err(StoreError::Invalid(errs));
    }
    Ok(stripped
        .into_iter()
        .map(|bytes| Checked {
            photo: PhotoRef {
                sha256: hex::encode(Sha256::digest(&bytes)),
                mime: sniff_mime(&bytes).unwrap_or_default().to_owned(),
                bytes: bytes.len() as u64,
            },
            bytes,
        })
        .collect())
}

fn insert_photos(
    tx: &Transaction<'_>,
    record: RecordId,
    device_seq: u64,
    photos: &[Checked],
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO photos (sha256, record_id, device_seq, mime, size, bytes, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for p in photos {
        stmt.execute(rusqlite::params![
            p.photo.sha256,
            record.to_string(),
            i64::try_from(device_seq).unwrap_or(i64::MAX),
            p.photo.mime,
            i64::try_from(p.photo.bytes).unwrap_or(i64::MAX),
            p.bytes,
            i64::try_from(now_ms()).unwrap_or(i64::MAX),
        ])?;
    }
    Ok(())
}

impl Store {
    /// Log a concern with photos, in one transaction: the record, its op and the photos' bytes.
    /// A photo too large or of a type not accepted is a field error (`photos[i]`), and then
    /// nothing is saved.
    pub fn add_concern_with_photos(
        &mut self,
        new: NewConcern,
        photos: Vec<Vec<u8>>,
    ) -> Result<RecordId, StoreError> {
        let checked = check_all(photos, 0)?;
        let areas = self.areas_at(new.location.point());
        let (id, mut concern) = new.into_concern(chrono::Utc::now(), areas);
        let id = id.unwrap_or_default();
        for p in &checked {
            if !concern.photos.iter().any(|r| r.sha256 == p.photo.sha256) {
                concern.photos.push(p.photo.clone());
            }
        }
        self.write(|tx, device, _| {
            let op = create_in(tx, device, id, &concern)?;
            insert_photos(tx, id, op.device_seq, &checked)
        })?;
        Ok(id)
    }

    /// Add photos to a concern already saved: one op that sets its photo list, and the bytes,
    /// in one transaction. Returns the concern's photos afterwards.
    pub fn attach_photos(
        &mut self,
        id: RecordId,
        photos: Vec<Vec<u8>>,
    ) -> Result<Vec<PhotoRef>, StoreError> {
        self.write(|tx, device, _| {
            let state = crate::records::load_state(tx, id)?.ok_or(StoreError::NotFound(id))?;
            if state.kind != RecordKind::Concern {
                return Err(StoreError::KindMismatch {
                    id,
                    expected: RecordKind::Concern,
                    found: state.kind,
                });
            }
            if state.is_deleted() {
                return Err(StoreError::Deleted(id));
            }
            let mut concern = Concern::from_state(&state)?;
            let checked = check_all(photos, concern.photos.len())?;
            for p in &checked {
                if !concern.photos.iter().any(|r| r.sha256 == p.photo.sha256) {
                    concern.photos.push(p.photo.clone());
                }
            }
            concern.validate().map_err(StoreError::Invalid)?;
            let fields = concern.writes_from(Some(&state))?;
            if fields.is_empty() {
                return Ok(concern.photos);
            }
            let op = apply_local(
                tx,
                device,
                id,
                RecordKind::Concern,
                Some(state),
                OpAction::Put { fields },
            )?;
            insert_photos(tx, id, op.device_seq, &checked)?;
            Ok(concern.photos)
        })
    }

    /// A photo's type and bytes, when this device holds them.
    pub fn photo(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT mime, bytes FROM photos WHERE sha256 = ?1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Where a photo is: waiting for HQ, on HQ, or not on this device at all.
    pub fn photo_state(&self, sha256: &str) -> Result<PhotoState, StoreError> {
        let state: Option<String> = self
            .conn
            .query_row(
                "SELECT state FROM photos WHERE sha256 = ?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match state.as_deref() {
            Some("on_hq") => PhotoState::OnHq,
            Some(_) => PhotoState::Waiting,
            None => PhotoState::NotOnDevice,
        })
    }

    /// The photos of a record, each with where it is.
    pub fn record_photos(&self, id: RecordId) -> Result<Vec<PhotoView>, StoreError> {
        let state = self.state(id)?;
        if state.kind != RecordKind::Concern {
            return Ok(Vec::new());
        }
        let concern = Concern::from_state(&state)?;
        concern
            .photos
            .into_iter()
            .map(|photo| {
                Ok(PhotoView {
                    state: self.photo_state(&photo.sha256)?,
                    photo,
                })
            })
            .collect()
    }

    /// Photos waiting for HQ whose record HQ already has (the op that first referred to them
    /// is acknowledged), oldest first.
    pub fn photos_to_upload(&self, limit: usize) -> Result<Vec<PhotoUpload>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.sha256, p.mime, p.size, p.record_id FROM photos p
             WHERE p.state = 'pending'
               AND NOT EXISTS (SELECT 1 FROM outbox o
                               WHERE o.device_seq = p.device_seq AND o.state <> 'acked')
             ORDER BY p.device_seq, p.sha256 LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (sha256, mime, size, record) = row?;
            Ok(PhotoUpload {
                sha256,
                mime,
                size: u64::try_from(size).unwrap_or_default(),
                record_id: record
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("record id {record}")))?,
            })
        })
        .collect()
    }

    /// Up to `len` bytes of a photo from `offset`, read in place (incremental blob I/O), so a
    /// chunk never costs reading and decrypting the whole photo.
    pub fn photo_chunk(
        &self,
        sha256: &str,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, StoreError> {
        let rowid: Option<i64> = self
            .conn
            .query_row(
                "SELECT rowid FROM photos WHERE sha256 = ?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()?;
        let rowid = rowid
            .ok_or_else(|| StoreError::Corrupt(format!("photo {sha256} is not on this device")))?;
        let blob = self
            .conn
            .blob_open(rusqlite::MAIN_DB, "photos", "bytes", rowid, true)?;
        let size = blob.len() as u64;
        let start = offset.min(size);
        let end = start.saturating_add(len as u64).min(size);
        let mut buf = vec![0u8; usize::try_from(end - start).unwrap_or_default()];
        blob.read_at_exact(&mut buf, usize::try_from(start).unwrap_or_default())?;
        Ok(buf)
    }

    /// Keep a photo fetched from HQ (of a record another device took it for), once its bytes
    /// hash to its name. It is on HQ already, so it never goes back up.
    pub fn keep_photo_from_hq(
        &mut self,
        record: RecordId,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(StoreError::Corrupt(format!(
                "the photo HQ sent does not match its hash {sha256}"
            )));
        }
        let mime = sniff_mime(&bytes).unwrap_or("application/octet-stream");
        self.conn.execute(
            "INSERT OR IGNORE INTO photos (sha256, record_id, device_seq, mime, size, state, bytes, created_ms)
             VALUES (?1, ?2, 0, ?3, ?4, 'on_hq', ?5, ?6)",
            rusqlite::params![
                sha256,
                record.to_string(),
                mime,
                i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                bytes,
                i64::try_from(now_ms()).unwrap_or(i64::MAX),
            ],
        )?;
        Ok(())
    }

    /// HQ has checked the photo's hash: it is safe on HQ.
    pub fn mark_photo_on_hq(&mut self, sha256: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE photos SET state = 'on_hq', last_error = NULL WHERE sha256 = ?1",
            [sha256],
        )?;
        Ok(())
    }

    /// Remember why an upload failed; the photo stays waiting.
    pub fn note_photo_error(&mut self, sha256: &str, error: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE photos SET last_error = ?2 WHERE sha256 = ?1",
            [sha256, error],
        )?;
        Ok(())
    }

    /// How many photos are only on this device.
    pub fn pending_photo_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM photos WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InitSettings, KdfSettings};
    use beatbook_domain::photo::MAX_PHOTO_BYTES;
    use beatbook_domain::OfficerId;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::init(
            dir.path(),
            "135790",
            InitSettings {
                officer: OfficerId::new("pc-1"),
                kdf: KdfSettings::INSECURE_FAST,
                areas: vec![],
            },
        )
        .unwrap();
        (dir, s)
    }

    fn concern() -> NewConcern {
        serde_json::from_value(serde_json::json!({
            "category": {"kind": "vawg", "type": "environmental", "heading": "badly_lit"},
            "description": "Underpass lights out",
            "location": {"lat": 51.5, "lon": -0.14, "place": null},
        }))
        .unwrap()
    }

    /// A photo with no metadata (kept as it is) of about `n` bytes.
    pub(crate) fn jpeg(n: usize) -> Vec<u8> {
        crate::photo_metadata::bare_jpeg(&(0..n).map(|i| (i % 251) as u8).collect::<Vec<_>>())
    }

    #[test]
    fn a_concern_and_its_photo_are_saved_together_and_wait_for_hq() {
        let (_d, mut s) = store();
        let photo = jpeg(1000);
        let id = s
            .add_concern_with_photos(concern(), vec![photo.clone()])
            .unwrap();
        let c = s.get::<Concern>(id).unwrap().record;
        assert_eq!(c.photos.len(), 1);
        let sha = hex::encode(Sha256::digest(&photo));
        assert_eq!(c.photos[0].sha256, sha);
        assert_eq!(c.photos[0].mime, "image/jpeg");
        assert_eq!(c.photos[0].bytes, photo.len() as u64);
        assert_eq!(s.photo(&sha).unwrap().unwrap().1, photo);
        assert_eq!(s.pending_photo_count().unwrap(), 1);
        assert_eq!(s.record_photos(id).unwrap()[0].state, PhotoState::Waiting);
        // Not before HQ has the record.
        assert!(s.photos_to_upload(10).unwrap().is_empty());
        s.debug_execute("UPDATE outbox SET state = 'acked'")
            .unwrap();
        let up = s.photos_to_upload(10).unwrap();
        assert_eq!(up.len(), 1);
        assert_eq!(up[0].size, photo.len() as u64);
        assert_eq!(s.photo_chunk(&sha, 1000, 100).unwrap(), photo[1000..]);
        assert_eq!(s.photo_chunk(&sha, 0, 4).unwrap(), photo[..4]);
        s.mark_photo_on_hq(&sha).unwrap();
        assert_eq!(s.pending_photo_count().unwrap(), 0);
        assert_eq!(s.record_photos(id).unwrap()[0].state, PhotoState::OnHq);
        // Kept for display after HQ has it.
        assert!(s.photo(&sha).unwrap().is_some());
    }

    #[test]
    fn a_photo_is_stored_named_and_uploaded_without_its_metadata() {
        let (_d, mut s) = store();
        let camera = include_bytes!("../tests/fixtures/camera_gps.jpg");
        let id = s
            .add_concern_with_photos(concern(), vec![camera.to_vec()])
            .unwrap();
        let stripped = strip_metadata(camera).unwrap();
        assert!(stripped.len() < camera.len());
        let sha = hex::encode(Sha256::digest(&stripped));
        let c = s.get::<Concern>(id).unwrap().record;
        assert_eq!(c.photos[0].sha256, sha);
        assert_eq!(c.photos[0].bytes, stripped.len() as u64);
        assert_eq!(s.photo(&sha).unwrap().unwrap().1, stripped);
        // The concern keeps the location it was logged at.
        assert_eq!(c.location.lat, 51.5);
        assert_eq!(c.location.lon, -0.14);
        // What goes to HQ is what was kept.
        s.debug_execute("UPDATE outbox SET state = 'acked'")
            .unwrap();
        assert_eq!(
            s.photos_to_upload(10).unwrap()[0].size,
            stripped.len() as u64
        );
        assert_eq!(s.photo_chunk(&sha, 0, 1 << 20).unwrap(), stripped);
        // The same camera file attached again is the same photo.
        assert_eq!(s.attach_photos(id, vec![camera.to_vec()]).unwrap().len(), 1);
    }

    #[test]
    fn a_photo_whose_structure_cannot_be_read_is_a_field_error_and_saves_nothing() {
        let (_d, mut s) = store();
        let mut junk = vec![0xFF, 0xD8, 0xFF, 0xE0];
        junk.extend((0..300).map(|i| (i % 251) as u8));
        let err = s
            .add_concern_with_photos(concern(), vec![jpeg(10), junk.clone()])
            .unwrap_err();
        let StoreError::Invalid(errs) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errs.errors.len(), 1);
        assert_eq!(errs.errors[0].field, "photos[1]");
        assert_eq!(errs.errors[0].code, "unreadable");
        assert_eq!(
            errs.errors[0].message,
            "the photo could not be read: take it again"
        );
        assert_eq!(s.count().unwrap(), 0);
        assert_eq!(s.pending_photo_count().unwrap(), 0);
        // Added to a saved concern: numbered after the photos it has.
        let id = s
            .add_concern_with_photos(concern(), vec![jpeg(10)])
            .unwrap();
        let err = s.attach_photos(id, vec![junk]).unwrap_err();
        let StoreError::Invalid(errs) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errs.errors[0].field, "photos[1]");
        assert_eq!(s.pending_photo_count().unwrap(), 1);
    }

    #[test]
    fn a_photo_too_large_or_not_an_image_saves_nothing() {
        let (_d, mut s) = store();
        let err = s
            .add_concern_with_photos(concern(), vec![jpeg(10), b"%PDF-1.7 not a photo".to_vec()])
            .unwrap_err();
        let StoreError::Invalid(errs) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errs.errors[0].field, "photos[1]");
        assert_eq!(errs.errors[0].code, "unsupported_type");
        let err = s
            .add_concern_with_photos(concern(), vec![jpeg(MAX_PHOTO_BYTES as usize)])
            .unwrap_err();
        let StoreError::Invalid(errs) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errs.errors[0].code, "too_large");
        assert_eq!(s.count().unwrap(), 0);
        assert_eq!(s.pending_count().unwrap(), 0);
        assert_eq!(s.pending_photo_count().unwrap(), 0);
    }

    #[test]
    fn photos_can_be_added_to_a_saved_concern_with_one_op() {
        let (_d, mut s) = store();
        let id = s.add_concern(concern()).unwrap();
        let before = s.pending_count().unwrap();
        let refs = s.attach_photos(id, vec![jpeg(10), jpeg(20)]).unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(s.pending_count().unwrap(), before + 1);
        assert_eq!(s.pending_photo_count().unwrap(), 2);
        // The same photo again changes nothing.
        assert_eq!(s.attach_photos(id, vec![jpeg(10)]).unwrap().len(), 2);
        assert_eq!(s.pending_count().unwrap(), before + 1);
        assert_eq!(s.get::<Concern>(id).unwrap().record.photos, refs);
    }

    #[test]
    fn a_record_the_officer_may_no_longer_see_goes_with_its_photos_once_hq_has_them() {
        let (_d, mut s) = store();
        let photo = jpeg(100);
        let id = s
            .add_concern_with_photos(concern(), vec![photo.clone()])
            .unwrap();
        let sha = hex::encode(Sha256::digest(&photo));
        s.debug_execute("UPDATE outbox SET state = 'acked'")
            .unwrap();
        // The photo is not on HQ yet: the record and the photo stay.
        assert_eq!(s.apply_pull(&[], &[id], 1, "fp").unwrap().purged, 0);
        assert!(s.photo(&sha).unwrap().is_some());
        s.mark_photo_on_hq(&sha).unwrap();
        assert_eq!(s.apply_pull(&[], &[id], 2, "fp").unwrap().purged, 1);
        assert!(s.photo(&sha).unwrap().is_none());
    }

    #[test]
    fn a_photo_from_hq_is_kept_only_when_it_matches_its_hash_and_never_goes_back_up() {
        let (_d, mut s) = store();
        let photo = jpeg(300);
        let sha = hex::encode(Sha256::digest(&photo));
        let id = RecordId::new();
        assert!(s.keep_photo_from_hq(id, &sha, jpeg(301)).is_err());
        assert_eq!(s.photo_state(&sha).unwrap(), PhotoState::NotOnDevice);
        s.keep_photo_from_hq(id, &sha, photo.clone()).unwrap();
        assert_eq!(s.photo_state(&sha).unwrap(), PhotoState::OnHq);
        assert_eq!(s.photo(&sha).unwrap().unwrap().1, photo);
        assert_eq!(s.pending_photo_count().unwrap(), 0);
        assert!(s.photos_to_upload(10).unwrap().is_empty());
    }

    #[test]
    fn photos_survive_closing_and_reopening_the_store() {
        let (d, mut s) = store();
        let photo = jpeg(5000);
        s.add_concern_with_photos(concern(), vec![photo.clone()])
            .unwrap();
        drop(s);
        let s = Store::open(d.path(), "135790").unwrap();
        let sha = hex::encode(Sha256::digest(&photo));
        assert_eq!(
            s.photo(&sha).unwrap().unwrap(),
            ("image/jpeg".into(), photo)
        );
    }
}
