//! Photos as the tablet takes them: base64 (or `data:` URLs) in, saved with their concern in one
//! transaction and uploaded after it; read back from the device or, for one taken on another
//! tablet, from HQ (and kept).

use base64::Engine as _;
use beatbook_domain::concern::NewConcern;
use beatbook_domain::photo::PhotoView;
use beatbook_domain::{RecordId, ValidationErrors};
use beatbook_store::StoreError;

use crate::{DeviceError, Session};

/// The bytes of each photo (base64, or a `data:` URL). A photo that cannot be decoded is a field
/// error on `photos[i]`, counting from `first`.
pub fn decode(photos: &[String], first: usize) -> Result<Vec<Vec<u8>>, StoreError> {
    photos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let b64 = p.split_once(',').map_or(p.as_str(), |(_, rest)| rest);
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| {
                    let mut errs = ValidationErrors::new();
                    errs.add(
                        format!("photos[{}]", first + i),
                        "unreadable",
                        "the photo could not be read: take it again",
                    );
                    StoreError::Invalid(errs)
                })
        })
        .collect()
}

impl Session {
    /// Log a concern with its photos. The concern, its op and every photo are saved in one
    /// transaction; a photo too large or not an image is a field error on `photos[i]`, and
    /// nothing is saved.
    pub async fn add_concern_with_photos(
        &self,
        concern: NewConcern,
        photos: Vec<String>,
    ) -> Result<RecordId, DeviceError> {
        let bytes = decode(&photos, 0)?;
        let id = self
            .with_store(move |s| s.add_concern_with_photos(concern, bytes))
            .await?;
        self.saved();
        Ok(id)
    }

    /// Add photos to a concern already saved: one change (synced like any edit) and the photos,
    /// in one save. Answers the concern's photos; field errors are numbered after the photos it
    /// already has.
    pub async fn attach_photos(
        &self,
        id: RecordId,
        photos: Vec<String>,
    ) -> Result<Vec<PhotoView>, DeviceError> {
        let views = self
            .with_store(move |s| {
                let bytes = decode(&photos, s.record_photos(id)?.len())?;
                s.attach_photos(id, bytes)?;
                s.record_photos(id)
            })
            .await?;
        self.saved();
        Ok(views)
    }

    /// A record's photos, each `waiting` (only on this device), `on_hq`, or `not_on_device`.
    pub async fn record_photos(&self, id: RecordId) -> Result<Vec<PhotoView>, DeviceError> {
        self.with_store(move |s| s.record_photos(id)).await
    }

    /// A photo's bytes. One this device does not hold (taken on another tablet for `record`) is
    /// fetched from HQ when it can be reached, and kept.
    pub async fn photo(
        &self,
        sha256: String,
        record: Option<RecordId>,
    ) -> Result<Vec<u8>, DeviceError> {
        let sha = sha256.clone();
        if let Some((_, bytes)) = self.with_store(move |s| s.photo(&sha)).await? {
            return Ok(bytes);
        }
        let record = record.ok_or(DeviceError::PhotoOnlyOnHq)?;
        Ok(self.engine().fetch_photo(record, &sha256).await?)
    }
}
