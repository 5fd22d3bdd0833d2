//! Photos attached to records. A photo is content-addressed: its SHA-256 names it on the device
//! and at HQ, so an upload can resume and HQ can check it received exactly what was taken.
//! The bytes travel apart from the record (after it); the record carries only [`PhotoRef`]s.

use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The largest photo accepted (a phone camera's JPEG is 2–8 MB; HEIC less).
pub const MAX_PHOTO_BYTES: u64 = 15 * 1024 * 1024;
/// Most photos on one record.
pub const MAX_PHOTOS_PER_RECORD: usize = 20;

/// The wire for photo uploads (`HEAD`/`PUT`/`GET /api/v1/photos/{sha256}`).
pub mod wire {
    use serde::{Deserialize, Serialize};

    /// How many bytes of the photo HQ holds (answer to `HEAD`, and to a `PUT` at a wrong offset).
    pub const OFFSET_HEADER: &str = "upload-offset";
    /// The photo's whole size, sent with every `PUT` chunk.
    pub const SIZE_HEADER: &str = "photo-size";
    /// The record the photo belongs to, sent with every `PUT` chunk: HQ accepts a photo only for
    /// a record it has, that lists the photo, and that the officer may see.
    pub const RECORD_HEADER: &str = "photo-record";
    /// `true` when HQ holds the whole photo and its SHA-256 matched (answer to `HEAD`).
    pub const VERIFIED_HEADER: &str = "photo-verified";
    /// A chunk was sent for an offset other than the bytes HQ holds: ask HQ again (`HEAD`).
    pub const OFFSET_MISMATCH: &str = "photo_offset_mismatch";
    /// The bytes HQ received do not hash to the name: HQ discarded them.
    pub const HASH_MISMATCH: &str = "photo_hash_mismatch";
    /// The photo is larger than HQ accepts.
    pub const TOO_LARGE: &str = "photo_too_large";

    /// HQ's answer to a chunk.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
    pub struct PhotoUploadStatus {
        /// Bytes HQ now holds.
        pub offset: u64,
        pub size: u64,
        /// Whole, and its SHA-256 matched.
        pub verified: bool,
    }
}

/// A photo a record refers to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PhotoRef {
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// `image/jpeg`, `image/png`, `image/webp` or `image/heic`.
    pub mime: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// Where a photo's bytes are, as the device sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PhotoState {
    /// Only on this device: it goes to HQ after its record.
    Waiting,
    /// HQ holds it and has checked its hash.
    OnHq,
    /// Known from a record HQ sent; the bytes are not on this device.
    NotOnDevice,
}

/// A photo of a record, for the app to list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PhotoView {
    pub photo: PhotoRef,
    pub state: PhotoState,
}

/// The image type of `bytes`, read from their first bytes (never from what a caller claims).
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"heis"
        )
    {
        Some("image/heic")
    } else {
        None
    }
}

/// Whether `s` looks like a SHA-256 in lower-case hex.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Check photo `index` of a record's photos: its type and size. Field errors name `photos[i]`.
pub fn check_photo_bytes(errs: &mut ValidationErrors, index: usize, bytes: &[u8]) {
    let field = format!("photos[{index}]");
    if bytes.is_empty() {
        errs.add(field, "empty", "the photo is empty: take it again");
        return;
    }
    if bytes.len() as u64 > MAX_PHOTO_BYTES {
        errs.add(
            field,
            "too_large",
            format!(
                "the photo is {:.1} MB; the most a photo may be is {} MB: take it at a lower resolution",
                bytes.len() as f64 / 1_048_576.0,
                MAX_PHOTO_BYTES / 1_048_576
            ),
        );
        return;
    }
    if sniff_mime(bytes).is_none() {
        errs.add(
            field,
            "unsupported_type",
            "only JPEG, PNG, WebP or HEIC photos can be attached",
        );
    }
}

/// Check the photo references a record carries.
pub fn validate_refs(errs: &mut ValidationErrors, photos: &[PhotoRef]) {
    if photos.len() > MAX_PHOTOS_PER_RECORD {
        errs.add(
            "photos",
            "too_many",
            format!("at most {MAX_PHOTOS_PER_RECORD} photos per record"),
        );
    }
    for (i, p) in photos.iter().enumerate() {
        let field = format!("photos[{i}]");
        if !is_sha256_hex(&p.sha256) {
            errs.add(field.clone(), "invalid", "not a SHA-256 in hex");
        }
        if !matches!(
            p.mime.as_str(),
            "image/jpeg" | "image/png" | "image/webp" | "image/heic"
        ) {
            errs.add(
                field.clone(),
                "unsupported_type",
                "only JPEG, PNG, WebP or HEIC photos can be attached",
            );
        }
        if p.bytes == 0 || p.bytes > MAX_PHOTO_BYTES {
            errs.add(field, "too_large", "the photo's size is out of range");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_from_the_bytes() {
        assert_eq!(sniff_mime(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some("image/jpeg"));
        assert_eq!(sniff_mime(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_mime(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_mime(b"\0\0\0\x18ftypheic\0\0"), Some("image/heic"));
        assert_eq!(sniff_mime(b"%PDF-1.7"), None);
        assert_eq!(sniff_mime(b""), None);
    }

    #[test]
    fn too_large_and_wrong_type_are_field_errors() {
        let mut errs = ValidationErrors::new();
        check_photo_bytes(&mut errs, 0, b"GIF89a....");
        check_photo_bytes(&mut errs, 1, &vec![0xFF; MAX_PHOTO_BYTES as usize + 1]);
        check_photo_bytes(&mut errs, 2, &[0xFF, 0xD8, 0xFF, 0xE0]);
        let codes: Vec<_> = errs
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("photos[0]", "unsupported_type"),
                ("photos[1]", "too_large")
            ]
        );
    }

    #[test]
    fn refs_must_name_a_hash() {
        let mut errs = ValidationErrors::new();
        validate_refs(
            &mut errs,
            &[PhotoRef {
                sha256: "nope".into(),
                mime: "image/jpeg".into(),
                bytes: 10,
            }],
        );
        assert!(errs.has("photos[0]"));
    }
}
