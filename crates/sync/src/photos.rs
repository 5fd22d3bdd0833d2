//! Photo upload, after the push: each photo whose record HQ has acknowledged goes up in chunks,
//! starting wherever this device's upload at HQ ends (`HEAD`; 404 means from the start), so a
//! cut connection costs one chunk at most. HQ links a photo to a record only through a whole
//! upload that hashes to the photo's name, even when it holds the photo already.
//! HQ hashes the whole photo; only then does the device mark it on HQ. A photo that fails stays
//! waiting and is reported; it never fails the records' sync.

use crate::client::{error_for, network_error, HqClient};
use crate::engine::{Progress, SyncEngine};
use crate::SyncError;
use beatbook_domain::photo::wire::{
    PhotoUploadStatus, HASH_MISMATCH, OFFSET_HEADER, OFFSET_MISMATCH, RECORD_HEADER, SIZE_HEADER,
    VERIFIED_HEADER,
};
use beatbook_domain::protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION};
use beatbook_store::PhotoUpload;
use reqwest::header::CONTENT_TYPE;

/// Bytes per `PUT`: small enough that a cut on a weak signal loses little.
pub const PHOTO_CHUNK: usize = 256 * 1024;
/// Photos looked at per sync.
const PHOTOS_PER_SYNC: usize = 500;

/// What the photo step of a sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PhotoReport {
    /// Photos HQ now holds and has verified.
    pub uploaded: u64,
    /// Bytes sent in this sync (a resumed photo sends only what HQ lacked).
    pub bytes_sent: u64,
    /// Photos still only on this device.
    pub pending: u64,
    /// Why the last photo that failed did, in words.
    pub error: Option<String>,
}

/// How a chunk went.
enum Put {
    Held(PhotoUploadStatus),
    /// HQ holds another amount: carry on from there.
    WrongOffset(u64),
}

fn header_u64(resp: &reqwest::Response, name: &str) -> Option<u64> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

impl HqClient {
    /// How many bytes of this device's upload of a photo HQ holds, and whether HQ has the whole
    /// photo, verified, for `record`. HQ answers 404 when nothing of it is there that this
    /// officer may know of: the upload starts from the beginning.
    pub async fn photo_offset(
        &self,
        token: &str,
        sha256: &str,
        record: beatbook_domain::RecordId,
    ) -> Result<(u64, bool), SyncError> {
        let resp = self
            .http
            .head(self.url(&format!("/photos/{sha256}")))
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(RECORD_HEADER, record.to_string())
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok((0, false));
        }
        if !resp.status().is_success() {
            // HEAD has no body: the status says enough.
            let status = resp.status();
            let code = if status == reqwest::StatusCode::UNAUTHORIZED {
                br#"{"code":"unauthorised","message":"sign in again"}"#.as_slice()
            } else {
                b"".as_slice()
            };
            return Err(error_for(status, code).1);
        }
        let verified = resp
            .headers()
            .get(VERIFIED_HEADER)
            .is_some_and(|v| v.as_bytes() == b"true");
        Ok((header_u64(&resp, OFFSET_HEADER).unwrap_or(0), verified))
    }

    async fn photo_put(
        &self,
        token: &str,
        photo: &PhotoUpload,
        offset: u64,
        chunk: Vec<u8>,
    ) -> Result<Put, SyncError> {
        let resp = self
            .http
            .put(self.url(&format!("/photos/{}", photo.sha256)))
            .bearer_auth(token)
            .query(&[("offset", offset)])
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(SIZE_HEADER, photo.size)
            .header(RECORD_HEADER, photo.record_id.to_string())
            .header(CONTENT_TYPE, &photo.mime)
            .body(chunk)
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        let status = resp.status();
        let held = header_u64(&resp, OFFSET_HEADER);
        let bytes = resp.bytes().await.map_err(|e| network_error(&e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map(Put::Held)
                .map_err(|e| SyncError::Protocol(e.to_string()));
        }
        let (code, err) = error_for(status, &bytes);
        match (code.as_str(), held) {
            (OFFSET_MISMATCH, Some(held)) => Ok(Put::WrongOffset(held)),
            (HASH_MISMATCH, _) => Err(SyncError::Refused(format!(
                "HQ received photo {} damaged and discarded it; it stays on this device and goes again at the next sync",
                &photo.sha256[..12]
            ))),
            _ => Err(err),
        }
    }
}

impl HqClient {
    /// A photo's bytes from HQ (when this officer may see a record that lists it).
    pub async fn photo_download(&self, token: &str, sha256: &str) -> Result<Vec<u8>, SyncError> {
        let resp = self
            .http
            .get(self.url(&format!("/photos/{sha256}")))
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| network_error(&e))?;
        if status.is_success() {
            Ok(bytes.to_vec())
        } else {
            Err(error_for(status, &bytes).1)
        }
    }
}

impl SyncEngine {
    /// Fetch a photo this device does not hold (taken on another device for `record`) and keep
    /// it, checked against its hash, for display offline.
    pub async fn fetch_photo(
        &self,
        record: beatbook_domain::RecordId,
        sha256: &str,
    ) -> Result<Vec<u8>, SyncError> {
        let meta = self.with_store(|s| s.sync_meta()).await?;
        let Some(url) = meta.hq_url else {
            return Err(SyncError::NotEnrolled);
        };
        let client = self.client(&url, meta.hq_ca_pin)?;
        let token = self.token(&client, None).await?;
        let bytes = match client.photo_download(&token, sha256).await {
            Err(SyncError::SignInNeeded(_)) => {
                let token = self.token(&client, Some(&token)).await?;
                client.photo_download(&token, sha256).await?
            }
            other => other?,
        };
        let (sha, kept) = (sha256.to_owned(), bytes.clone());
        self.with_store(move |s| s.keep_photo_from_hq(record, &sha, kept))
            .await?;
        Ok(bytes)
    }

    /// Upload every photo whose record HQ has. Never fails the sync: problems are reported.
    pub(crate) async fn upload_photos(
        &self,
        client: &HqClient,
        token: &mut String,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> PhotoReport {
        let mut report = PhotoReport::default();
        match self
            .with_store(|s| s.photos_to_upload(PHOTOS_PER_SYNC))
            .await
        {
            Ok(photos) => {
                let total = photos.len() as u64;
                for photo in photos {
                    match self.upload_photo(client, token, &photo, &mut report).await {
                        Ok(()) => {
                            let sha = photo.sha256.clone();
                            match self.with_store(move |s| s.mark_photo_on_hq(&sha)).await {
                                Ok(()) => report.uploaded += 1,
                                Err(e) => report.error = Some(e.to_string()),
                            }
                            progress(Progress::Photos {
                                uploaded: report.uploaded,
                                total,
                            });
                        }
                        Err(e) => {
                            tracing::warn!(photo = %photo.sha256, error = %e, "photo upload failed");
                            let (sha, text) = (photo.sha256.clone(), e.to_string());
                            let _ = self
                                .with_store(move |s| s.note_photo_error(&sha, &text))
                                .await;
                            let give_up = !matches!(e, SyncError::Refused(_));
                            report.error = Some(e.to_string());
                            if give_up {
                                // No signal, or signed out: the rest would fail the same way.
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => report.error = Some(e.to_string()),
        }
        report.pending = self
            .with_store(|s| s.pending_photo_count())
            .await
            .unwrap_or_default();
        report
    }

    async fn upload_photo(
        &self,
        client: &HqClient,
        token: &mut String,
        photo: &PhotoUpload,
        report: &mut PhotoReport,
    ) -> Result<(), SyncError> {
        let (mut offset, verified) = match client
            .photo_offset(token, &photo.sha256, photo.record_id)
            .await
        {
            Err(SyncError::SignInNeeded(_)) => {
                *token = self.token(client, Some(&token.clone())).await?;
                client
                    .photo_offset(token, &photo.sha256, photo.record_id)
                    .await?
            }
            other => other?,
        };
        if verified {
            return Ok(());
        }
        let chunk_size = self.photo_chunk();
        // Every chunk, plus a few re-asks after a wrong offset; never loop forever.
        let max_rounds = photo.size / chunk_size as u64 + 5;
        for _ in 0..max_rounds {
            let (sha, len) = (photo.sha256.clone(), chunk_size);
            let chunk = self
                .with_store(move |s| s.photo_chunk(&sha, offset, len))
                .await?;
            let sent = chunk.len() as u64;
            match client.photo_put(token, photo, offset, chunk).await? {
                Put::Held(status) if status.verified => {
                    report.bytes_sent += sent;
                    return Ok(());
                }
                Put::Held(status) => {
                    report.bytes_sent += sent;
                    offset = status.offset;
                }
                Put::WrongOffset(held) => offset = held,
            }
        }
        Err(SyncError::Protocol(format!(
            "photo {} did not finish uploading: will try again",
            &photo.sha256[..12]
        )))
    }
}
