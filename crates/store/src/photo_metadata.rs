//! Photos lose their metadata on the tablet, before they are hashed and stored: a camera's file
//! says where it was taken (GPS), by which camera (make, model, serial number, maker notes), when,
//! and sometimes by whom (comments, IPTC by-line, XMP), and carries thumbnails that may show what
//! was cropped out. None of that goes into the store or to HQ; the record keeps its location.
//!
//! The image data is never decoded or re-encoded: the file's own structure is walked and only the
//! parts needed to show the image are kept, byte for byte (an allowlist, so metadata of a kind not
//! listed here is dropped too):
//!
//! - JPEG: the frame, tables, scans, restart intervals, the JFIF header (without its thumbnail),
//!   the ICC colour profile and Adobe's colour transform marker. Dropped: every other APPn segment
//!   (EXIF with its GPS, maker notes and thumbnail; XMP; IPTC; MPF, FlashPix…), comments, and
//!   whatever follows the end of the image (a phone's second image, trailers).
//! - PNG: the critical chunks and the ancillary chunks that change how the pixels look
//!   (transparency, gamma, colour space, ICC profile, density, animation). Dropped: text (`tEXt`,
//!   `zTXt`, `iTXt`, where XMP lives), `eXIf`, `tIME`, any other ancillary chunk, and what follows
//!   `IEND`.
//! - WebP: the image, alpha, animation and ICC chunks; `EXIF`, `XMP ` and unknown chunks dropped,
//!   and the extended header's flags for them cleared.
//! - HEIC: the EXIF and XMP items' bytes are overwritten with zeros in place (the container's
//!   offsets stay valid; the coded image is untouched).
//!
//! The one piece of EXIF kept is the orientation (when it is not the default), written back as a
//! minimal EXIF holding that tag alone, so a photo taken with the tablet on its side still shows
//! upright.
//!
//! A file whose structure cannot be walked cannot be shown to be free of metadata: it is refused
//! ([`Unreadable`]), and the officer takes it again.

use beatbook_domain::photo::sniff_mime;

/// The photo's structure could not be read, so its metadata could not be removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the photo could not be read: take it again")]
pub struct Unreadable;

/// The photo without its metadata (see the module's documentation for what is kept). Every path
/// that adds a photo on the tablet goes through this before the photo is hashed.
pub fn strip_metadata(bytes: &[u8]) -> Result<Vec<u8>, Unreadable> {
    match sniff_mime(bytes) {
        Some("image/jpeg") => jpeg(bytes),
        Some("image/png") => png(bytes),
        Some("image/webp") => webp(bytes),
        Some("image/heic") => heic(bytes),
        _ => None,
    }
    .ok_or(Unreadable)
}

/// A JPEG with no metadata whose entropy-coded data is `scan` (with `FF` bytes stuffed), that
/// [`strip_metadata`] keeps byte for byte. For tests that need a photo of some size or content;
/// not a picture anything could show.
#[doc(hidden)]
pub fn bare_jpeg(scan: &[u8]) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0];
    for &x in scan {
        b.push(x);
        if x == 0xFF {
            b.push(0);
        }
    }
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

// ---------------------------------------------------------------------------------------------
// JPEG

fn jpeg(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut orientation = None;
    // Where the orientation goes: after the start of image, or after a JFIF header right there.
    let mut orientation_at = out.len();
    let mut scanned = false;
    let mut i = 2;
    loop {
        if i >= b.len() {
            // Ended without its end-of-image marker: a truncated scan is still an image.
            if !scanned {
                return None;
            }
            break;
        }
        if b[i] != 0xFF {
            return None;
        }
        while b.get(i) == Some(&0xFF) {
            i += 1; // fill bytes
        }
        let marker = *b.get(i)?;
        i += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                break; // anything after the image is dropped
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            0x00 | 0xD8 => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]));
        if len < 2 {
            return None;
        }
        let body = b.get(i + 2..i + len)?;
        let segment = b.get(i..i + len)?;
        match marker {
            0xE0 if body.starts_with(b"JFIF\0") && body.len() >= 14 => {
                // The header, without the thumbnail it may carry.
                let first = out.len() == 2;
                out.extend_from_slice(&[0xFF, 0xE0, 0, 16]);
                out.extend_from_slice(&body[..12]);
                out.extend_from_slice(&[0, 0]);
                if first {
                    orientation_at = out.len();
                }
            }
            0xE1 => {
                if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                    orientation = orientation.or_else(|| tiff_orientation(tiff));
                }
            }
            0xE2 if body.starts_with(b"ICC_PROFILE\0") => {
                out.extend_from_slice(&[0xFF, marker]);
                out.extend_from_slice(segment);
            }
            0xEE if body.starts_with(b"Adobe") => {
                out.extend_from_slice(&[0xFF, marker]);
                out.extend_from_slice(segment);
            }
            0xE0..=0xEF | 0xFE => {} // other application segments, comments
            0xDA => {
                out.extend_from_slice(&[0xFF, marker]);
                out.extend_from_slice(segment);
                let end = scan_end(b, i + len);
                out.extend_from_slice(&b[i + len..end]);
                scanned = true;
                i = end;
                continue;
            }
            _ => {
                out.extend_from_slice(&[0xFF, marker]);
                out.extend_from_slice(segment);
            }
        }
        i += len;
    }
    if let Some(o) = orientation {
        let mut app1 = vec![0xFF, 0xE1];
        let body = [b"Exif\0\0".as_slice(), &orientation_tiff(o)].concat();
        app1.extend_from_slice(&u16::try_from(body.len() + 2).ok()?.to_be_bytes());
        app1.extend_from_slice(&body);
        let rest = out.split_off(orientation_at);
        out.extend_from_slice(&app1);
        out.extend_from_slice(&rest);
    }
    Some(out)
}

/// Where the entropy-coded data starting at `from` ends: at the first marker that is neither a
/// stuffed `FF 00` nor a restart marker (or at the end of the file).
fn scan_end(b: &[u8], from: usize) -> usize {
    let mut p = from;
    while let Some(k) = b.get(p..).and_then(|s| s.iter().position(|&x| x == 0xFF)) {
        let q = p + k;
        match b.get(q + 1) {
            None => return b.len(),
            Some(0x00 | 0xD0..=0xD7) => p = q + 2,
            Some(0xFF) => p = q + 1,
            Some(_) => return q,
        }
    }
    b.len()
}

/// The orientation an EXIF block (a TIFF structure) gives, when it is not the default.
fn tiff_orientation(t: &[u8]) -> Option<u16> {
    let big = match t.get(..4)? {
        b"MM\0*" => true,
        b"II*\0" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let s: [u8; 2] = t.get(o..o.checked_add(2)?)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    };
    let s: [u8; 4] = t.get(4..8)?.try_into().ok()?;
    let ifd = usize::try_from(if big {
        u32::from_be_bytes(s)
    } else {
        u32::from_le_bytes(s)
    })
    .ok()?;
    let count = usize::from(u16_at(ifd)?);
    for k in 0..count {
        let entry = ifd.checked_add(2 + 12 * k)?;
        // Orientation, a SHORT.
        if u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3 {
            let o = u16_at(entry + 8)?;
            return (2..=8).contains(&o).then_some(o);
        }
    }
    None
}

/// A minimal EXIF block (TIFF, big-endian) holding only the orientation.
fn orientation_tiff(o: u16) -> [u8; 26] {
    let [hi, lo] = o.to_be_bytes();
    [
        b'M', b'M', 0, 42, 0, 0, 0, 8, // header, IFD0 at 8
        0, 1, // one entry
        0x01, 0x12, 0, 3, 0, 0, 0, 1, hi, lo, 0, 0, // Orientation, SHORT, 1, value
        0, 0, 0, 0, // no next IFD
    ]
}

// ---------------------------------------------------------------------------------------------
// PNG

/// Ancillary PNG chunks that change how the pixels look (critical chunks are always kept).
const PNG_RENDERING: [&[u8; 4]; 15] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCv", b"cLLi", b"sBIT", b"bKGD",
    b"hIST", b"sPLT", b"pHYs", b"acTL", b"fcTL",
];

fn png(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b.get(..8)?);
    let mut orientation = None;
    let mut orientation_at = None;
    let mut i = 8;
    loop {
        let len = usize::try_from(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?)).ok()?;
        let kind: [u8; 4] = b.get(i + 4..i + 8)?.try_into().ok()?;
        let end = i.checked_add(12)?.checked_add(len)?;
        let chunk = b.get(i..end)?;
        if &kind == b"eXIf" {
            orientation = orientation.or_else(|| tiff_orientation(&chunk[8..8 + len]));
        } else if kind[0].is_ascii_uppercase() || &kind == b"fdAT" || PNG_RENDERING.contains(&&kind)
        {
            out.extend_from_slice(chunk);
            if &kind == b"IHDR" {
                orientation_at = Some(out.len());
            }
        }
        i = end;
        if &kind == b"IEND" {
            break;
        }
    }
    if let (Some(o), Some(at)) = (orientation, orientation_at) {
        let data = orientation_tiff(o);
        let mut chunk = Vec::with_capacity(12 + data.len());
        chunk.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        chunk.extend_from_slice(b"eXIf");
        chunk.extend_from_slice(&data);
        chunk.extend_from_slice(&crc32(&chunk[4..]).to_be_bytes());
        let rest = out.split_off(at);
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&rest);
    }
    Some(out)
}

/// The CRC-32 of a PNG chunk's type and data (only for the few bytes of a written chunk).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

// ---------------------------------------------------------------------------------------------
// WebP

fn webp(b: &[u8]) -> Option<Vec<u8>> {
    let riff = usize::try_from(u32::from_le_bytes(b.get(4..8)?.try_into().ok()?)).ok()?;
    let end = riff.checked_add(8)?;
    if end > b.len() {
        return None;
    }
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut vp8x = None;
    let mut i = 12;
    while i < end {
        let kind: [u8; 4] = b.get(i..i + 4)?.try_into().ok()?;
        let len =
            usize::try_from(u32::from_le_bytes(b.get(i + 4..i + 8)?.try_into().ok()?)).ok()?;
        let next = i.checked_add(8)?.checked_add(len)?.checked_add(len & 1)?;
        if next > end {
            return None;
        }
        match &kind {
            b"VP8X" if len >= 10 => {
                vp8x = Some(out.len());
                out.extend_from_slice(&b[i..next]);
            }
            b"VP8 " | b"VP8L" | b"ALPH" | b"ANIM" | b"ANMF" | b"ICCP" => {
                out.extend_from_slice(&b[i..next]);
            }
            _ => {} // EXIF, XMP and chunks of no known kind
        }
        i = next;
    }
    if let Some(at) = vp8x {
        out[at + 8] &= !(0x08 | 0x04); // no EXIF, no XMP
    }
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// HEIC (ISO base media file format)

/// A box: its type, and where its content and the box end.
struct IsoBox {
    kind: [u8; 4],
    content: usize,
    end: usize,
}

/// The boxes inside `b[from..to]`.
fn boxes(b: &[u8], from: usize, to: usize) -> Option<Vec<IsoBox>> {
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        let size32 = u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?);
        let kind: [u8; 4] = b.get(i + 4..i + 8)?.try_into().ok()?;
        let (content, size) = match size32 {
            0 => (i + 8, to - i),
            1 => (
                i + 16,
                usize::try_from(u64::from_be_bytes(b.get(i + 8..i + 16)?.try_into().ok()?)).ok()?,
            ),
            n => (i + 8, usize::try_from(n).ok()?),
        };
        let end = i.checked_add(size)?;
        if end > to || content > end {
            return None;
        }
        out.push(IsoBox { kind, content, end });
        i = end;
    }
    Some(out)
}

/// A big-endian unsigned number of `n` bytes (0, 4 or 8) at `*at`, moving `*at` past it.
fn uint(b: &[u8], at: &mut usize, n: usize) -> Option<u64> {
    let s = b.get(*at..at.checked_add(n)?)?;
    *at += n;
    Some(s.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
}

fn heic(b: &[u8]) -> Option<Vec<u8>> {
    let top = boxes(b, 0, b.len())?;
    let meta = top.iter().find(|x| &x.kind == b"meta")?;
    // `meta` is a full box: version and flags first.
    let inner = boxes(b, meta.content + 4, meta.end)?;
    let iinf = inner.iter().find(|x| &x.kind == b"iinf")?;
    let iloc = inner.iter().find(|x| &x.kind == b"iloc")?;
    let idat = inner.iter().find(|x| &x.kind == b"idat");

    // The items that are metadata: EXIF, and XMP (a `mime` item of type application/rdf+xml).
    let mut at = iinf.content;
    let version = *b.get(at)?;
    at += 4;
    let count = uint(b, &mut at, if version == 0 { 2 } else { 4 })?;
    let entries = boxes(b, at, iinf.end)?;
    if entries.len() as u64 != count {
        return None;
    }
    let mut metadata_items = Vec::new();
    for e in entries.iter().filter(|e| &e.kind == b"infe") {
        let mut p = e.content;
        let v = *b.get(p)?;
        p += 4;
        if v < 2 {
            continue; // old entries name no item type: not EXIF or XMP
        }
        let id = uint(b, &mut p, if v == 2 { 2 } else { 4 })?;
        p += 2; // protection index
        let item_type = b.get(p..p + 4)?;
        p += 4;
        let is_metadata = match item_type {
            b"Exif" => true,
            b"mime" => {
                // name, then content type (both null-terminated)
                let rest = b.get(p..e.end)?;
                let name_end = rest.iter().position(|&x| x == 0)?;
                let ct = &rest[name_end + 1..];
                let ct = &ct[..ct.iter().position(|&x| x == 0).unwrap_or(ct.len())];
                ct.eq_ignore_ascii_case(b"application/rdf+xml")
            }
            _ => false,
        };
        if is_metadata {
            metadata_items.push(id);
        }
    }

    // Where those items' bytes are.
    let mut out = b.to_vec();
    let mut p = iloc.content;
    let version = *b.get(p)?;
    p += 4;
    let sizes = *b.get(p)?;
    let more = *b.get(p + 1)?;
    p += 2;
    let (offset_size, length_size) = (usize::from(sizes >> 4), usize::from(sizes & 0x0F));
    let base_offset_size = usize::from(more >> 4);
    let index_size = if version >= 1 {
        usize::from(more & 0x0F)
    } else {
        0
    };
    let count = uint(b, &mut p, if version < 2 { 2 } else { 4 })?;
    for _ in 0..count {
        let id = uint(b, &mut p, if version < 2 { 2 } else { 4 })?;
        let method = if version >= 1 {
            uint(b, &mut p, 2)? & 0x0F
        } else {
            0
        };
        p += 2; // data reference index
        let base = uint(b, &mut p, base_offset_size)?;
        let extents = uint(b, &mut p, 2)?;
        for _ in 0..extents {
            uint(b, &mut p, index_size)?;
            let offset = uint(b, &mut p, offset_size)?;
            let length = uint(b, &mut p, length_size)?;
            if !metadata_items.contains(&id) {
                continue;
            }
            let start = match method {
                0 => base.checked_add(offset)?,
                1 => (idat?.content as u64)
                    .checked_add(base)?
                    .checked_add(offset)?,
                _ => return None,
            };
            let start = usize::try_from(start).ok()?;
            // Length 0 means "to the end of the file" (or of the `idat`).
            let end = if length == 0 {
                if method == 1 {
                    idat?.end
                } else {
                    b.len()
                }
            } else {
                start.checked_add(usize::try_from(length).ok()?)?
            };
            out.get_mut(start..end)?.fill(0);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAMERA: &[u8] = include_bytes!("../tests/fixtures/camera.jpg");
    const CAMERA_GPS: &[u8] = include_bytes!("../tests/fixtures/camera_gps.jpg");
    const CAMERA_GPS_PNG: &[u8] = include_bytes!("../tests/fixtures/camera_gps.png");

    /// What a camera or an editor leaves in a file, as it would be found in the bytes.
    const TELL_TALES: [&[u8]; 11] = [
        b"Beatcam",
        b"BC-1 Evidence",
        b"SN4127X0099",
        b"BCX77310042",
        b"2026:11:20",
        b"Photoshop 3.0",
        b"PC4127",
        b"http://ns.adobe.com",
        b"GPS",
        b"Camden",
        b"exif:GPSLatitude",
    ];

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn tell_tales(bytes: &[u8]) -> Vec<String> {
        TELL_TALES
            .iter()
            .filter(|t| contains(bytes, t))
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .collect()
    }

    /// The fixture's GPS IFD, found the way a reader finds it: IFD0's GPSInfo pointer (0x8825).
    fn gps_latitude(tiff: &[u8]) -> Option<[u32; 6]> {
        let u16_at = |o: usize| u16::from_be_bytes([tiff[o], tiff[o + 1]]);
        let u32_at = |o: usize| u32::from_be_bytes(tiff[o..o + 4].try_into().unwrap());
        let ifd_entry = |ifd: usize, tag: u16| {
            (0..usize::from(u16_at(ifd)))
                .map(|k| ifd + 2 + 12 * k)
                .find(|&e| u16_at(e) == tag)
        };
        let gps = u32_at(ifd_entry(u32_at(4) as usize, 0x8825)? + 8) as usize;
        let lat = u32_at(ifd_entry(gps, 0x0002)? + 8) as usize;
        Some(std::array::from_fn(|k| u32_at(lat + 4 * k)))
    }

    fn exif_of_jpeg(b: &[u8]) -> Option<&[u8]> {
        let at = b.windows(6).position(|w| w == b"Exif\0\0")?;
        Some(&b[at + 6..])
    }

    #[test]
    fn the_fixture_is_a_camera_jpeg_with_gps_serial_and_maker_notes() {
        // The fixture really carries what the tablet must remove (made with cjpeg and exiftool:
        // tests/fixtures/README.md).
        let tiff = exif_of_jpeg(CAMERA_GPS).unwrap();
        // 51° 32' 21.12" N
        assert_eq!(gps_latitude(tiff), Some([51, 1, 32, 1, 528, 25]));
        assert_eq!(tell_tales(CAMERA_GPS).len(), TELL_TALES.len());
        assert!(tell_tales(CAMERA).is_empty());
    }

    #[test]
    fn a_jpeg_keeps_its_image_byte_for_byte_and_loses_exif_gps_serial_maker_notes_xmp_iptc_and_comments(
    ) {
        let stripped = strip_metadata(CAMERA_GPS).unwrap();
        assert_eq!(tell_tales(&stripped), Vec::<String>::new());
        assert!(stripped.len() < CAMERA_GPS.len() / 4);
        // Exactly what the encoder wrote before the metadata was added (the same tables, frame
        // and scan, so the same pixels), with the orientation alone after the JFIF header.
        let jfif_end = 2 + 2 + 16;
        let mut expected = CAMERA[..jfif_end].to_vec();
        expected.extend_from_slice(&[0xFF, 0xE1, 0, 34]);
        expected.extend_from_slice(b"Exif\0\0");
        expected.extend_from_slice(&orientation_tiff(6));
        expected.extend_from_slice(&CAMERA[jfif_end..]);
        assert_eq!(stripped, expected);
        // The EXIF left holds the orientation only: no GPS IFD.
        let tiff = exif_of_jpeg(&stripped).unwrap();
        assert_eq!(tiff_orientation(tiff), Some(6));
        assert_eq!(gps_latitude(tiff), None);
        // Stripping again changes nothing.
        assert_eq!(strip_metadata(&stripped).unwrap(), stripped);
        // A photo with no metadata is kept as it is.
        assert_eq!(strip_metadata(CAMERA).unwrap(), CAMERA);
        let bare = bare_jpeg(&(0..=255).collect::<Vec<u8>>());
        assert_eq!(strip_metadata(&bare).unwrap(), bare);
    }

    /// A segment: marker and body.
    fn seg(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    #[test]
    fn jpeg_metadata_between_scans_after_the_image_and_in_the_jfif_thumbnail_goes_too() {
        let frame = [
            seg(0xDB, &[0; 65]),
            seg(0xC2, &[8, 0, 2, 0, 2, 1, 1, 0x11, 0]),
            seg(
                0xC4,
                &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7],
            ),
        ]
        .concat();
        // Stuffed bytes, a restart marker and fill bytes belong to the scan.
        let scan1 = [
            seg(0xDA, &[1, 1, 0, 0, 0, 0]),
            vec![0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF],
        ]
        .concat();
        let scan2 = [seg(0xDA, &[1, 1, 0, 1, 63, 0]), vec![0x78, 0x9A]].concat();
        let mut jfif_with_thumb = b"JFIF\0\x01\x02\x00\x00\x48\x00\x48\x01\x01".to_vec();
        jfif_with_thumb.extend_from_slice(b"SN4127X0099"); // 1x1 "thumbnail" (3 bytes) + junk
        let photo = [
            vec![0xFF, 0xD8],
            seg(0xE0, &jfif_with_thumb),
            seg(0xE0, b"JFXX\0\x10thumbnail PC4127"),
            seg(0xE2, b"ICC_PROFILE\0\x01\x01profile"),
            seg(0xE2, b"MPF\0Beatcam second image"),
            seg(0xED, b"Photoshop 3.0\0 Camden"),
            seg(0xEE, b"Adobe\0\x64\0\0\0\0\x01"),
            frame.clone(),
            scan1.clone(),
            seg(0xFE, b"PC4127 between scans"),
            seg(0xE1, b"http://ns.adobe.com/xap/1.0/\0GPS"),
            scan2.clone(),
            vec![0xFF, 0xD9],
            b"Beatcam trailer with GPS".to_vec(),
        ]
        .concat();
        let stripped = strip_metadata(&photo).unwrap();
        let expected = [
            vec![0xFF, 0xD8],
            seg(0xE0, b"JFIF\0\x01\x02\x00\x00\x48\x00\x48\x00\x00"),
            seg(0xE2, b"ICC_PROFILE\0\x01\x01profile"),
            seg(0xEE, b"Adobe\0\x64\0\0\0\0\x01"),
            frame,
            scan1,
            scan2,
            vec![0xFF, 0xD9],
        ]
        .concat();
        assert_eq!(stripped, expected);
        assert_eq!(tell_tales(&stripped), Vec::<String>::new());
    }

    #[test]
    fn a_jpeg_whose_structure_cannot_be_read_is_refused() {
        // The tablet's old stand-in photos: a JPEG's first bytes, then anything.
        let mut junk = vec![0xFF, 0xD8, 0xFF, 0xE0];
        junk.extend((0..300).map(|i| (i % 251) as u8));
        assert_eq!(strip_metadata(&junk), Err(Unreadable));
        // A segment running past the end of the file.
        assert_eq!(strip_metadata(&CAMERA_GPS[..200]), Err(Unreadable));
        // Not an image at all.
        assert_eq!(strip_metadata(b"%PDF-1.7"), Err(Unreadable));
        // A scan cut short is still an image (and its metadata, before it, is gone).
        let cut = strip_metadata(&CAMERA_GPS[..CAMERA_GPS.len() - 40]).unwrap();
        assert_eq!(tell_tales(&cut), Vec::<String>::new());
    }

    fn png_chunks(b: &[u8]) -> Vec<String> {
        let mut i = 8;
        let mut out = Vec::new();
        while i + 8 <= b.len() {
            let len = u32::from_be_bytes(b[i..i + 4].try_into().unwrap()) as usize;
            out.push(String::from_utf8_lossy(&b[i + 4..i + 8]).into_owned());
            i += 12 + len;
        }
        out
    }

    fn png_pixels(b: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(b))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn a_png_loses_its_text_exif_xmp_and_time_and_decodes_to_the_same_pixels() {
        assert_eq!(
            png_chunks(CAMERA_GPS_PNG),
            ["IHDR", "sRGB", "pHYs", "eXIf", "tEXt", "iTXt", "tIME", "IDAT", "zTXt", "IEND"]
        );
        assert!(tell_tales(CAMERA_GPS_PNG).len() >= 8);
        let stripped = strip_metadata(CAMERA_GPS_PNG).unwrap();
        assert_eq!(
            png_chunks(&stripped),
            ["IHDR", "eXIf", "sRGB", "pHYs", "IDAT", "IEND"]
        );
        assert_eq!(tell_tales(&stripped), Vec::<String>::new());
        // The eXIf left holds the orientation only (and its CRC is right: the decoder checks it).
        let exif_at = stripped.windows(4).position(|w| w == b"eXIf").unwrap();
        assert_eq!(&stripped[exif_at + 4..exif_at + 30], orientation_tiff(6));
        let (before_info, before) = png_pixels(CAMERA_GPS_PNG);
        let (after_info, after) = png_pixels(&stripped);
        assert_eq!((after_info.width, after_info.height), (24, 16));
        assert_eq!(
            (before_info.width, before_info.height),
            (after_info.width, after_info.height)
        );
        assert_eq!(before, after);
        assert_eq!(strip_metadata(&stripped).unwrap(), stripped);
        // Cut short (no IEND): refused.
        assert_eq!(
            strip_metadata(&CAMERA_GPS_PNG[..CAMERA_GPS_PNG.len() - 20]),
            Err(Unreadable)
        );
    }

    fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = kind.to_vec();
        c.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body = chunks.concat();
        let mut b = b"RIFF".to_vec();
        b.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_le_bytes());
        b.extend_from_slice(b"WEBP");
        b.extend_from_slice(&body);
        b
    }

    #[test]
    fn a_webp_loses_its_exif_and_xmp_chunks_and_says_so_in_its_header() {
        let exif = exif_of_jpeg(CAMERA_GPS).unwrap();
        // VP8X: flags ICC | alpha | EXIF | XMP, canvas 24x16.
        let vp8x = |flags: u8| riff_chunk(b"VP8X", &[flags, 0, 0, 0, 23, 0, 0, 15, 0, 0]);
        let image = riff_chunk(b"VP8L", b"/\x17\x00\x0fpixels");
        let photo = riff(&[
            vp8x(0x20 | 0x10 | 0x08 | 0x04),
            riff_chunk(b"ICCP", b"profile"),
            image.clone(),
            riff_chunk(b"EXIF", &exif[..exif.len().min(1200)]),
            riff_chunk(b"XMP ", b"<x:xmpmeta exif:GPSLatitude='51,32N'/> PC4127"),
            riff_chunk(b"BCAM", b"Beatcam SN4127X0099"),
        ]);
        assert!(tell_tales(&photo).len() >= 5);
        let stripped = strip_metadata(&photo).unwrap();
        assert_eq!(
            stripped,
            riff(&[vp8x(0x20 | 0x10), riff_chunk(b"ICCP", b"profile"), image])
        );
        assert_eq!(tell_tales(&stripped), Vec::<String>::new());
        // A RIFF size past the end of the file: refused.
        let mut bad = photo.clone();
        bad[4] = 0xFF;
        bad[5] = 0xFF;
        assert_eq!(strip_metadata(&bad), Err(Unreadable));
    }

    fn full_box(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
        iso_box(kind, &[&[version, 0, 0, 0][..], body].concat())
    }

    fn iso_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = u32::try_from(body.len() + 8)
            .unwrap()
            .to_be_bytes()
            .to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    /// An item info entry (version 2): id, type, name (and content type for `mime`).
    fn infe(id: u16, kind: &[u8; 4], extra: &[u8]) -> Vec<u8> {
        full_box(
            b"infe",
            2,
            &[&id.to_be_bytes()[..], &[0, 0], kind, extra].concat(),
        )
    }

    #[test]
    fn a_heic_has_its_exif_and_xmp_items_zeroed_in_place_and_its_image_untouched() {
        let exif = [&[0u8, 0, 0, 0][..], exif_of_jpeg(CAMERA_GPS).unwrap()].concat();
        let xmp = b"<x:xmpmeta exif:GPSLatitude='51,32N'>PC4127</x:xmpmeta>".to_vec();
        let coded = b"HEVC coded image, untouched".to_vec();
        // Layout: ftyp, meta (iinf, iloc), mdat (image, exif, xmp). iloc offsets are absolute
        // (construction method 0, iloc version 1), worked out once the boxes' sizes are known.
        let ftyp = iso_box(b"ftyp", b"heic\0\0\0\0mif1heic");
        let iinf = full_box(
            b"iinf",
            0,
            &[
                &3u16.to_be_bytes()[..],
                &infe(1, b"hvc1", b"image\0"),
                &infe(2, b"Exif", b"\0"),
                &infe(3, b"mime", b"\0application/rdf+xml\0"),
            ]
            .concat(),
        );
        let iloc = |offsets: [u32; 3]| {
            let mut body = vec![0x44, 0x00]; // offset and length: 4 bytes; no base, no index
            body.extend_from_slice(&3u16.to_be_bytes());
            let lens = [coded.len(), exif.len(), xmp.len()];
            for (k, (off, len)) in offsets.iter().zip(lens).enumerate() {
                body.extend_from_slice(&u16::try_from(k + 1).unwrap().to_be_bytes());
                body.extend_from_slice(&[0, 0]); // construction method 0
                body.extend_from_slice(&[0, 0]); // data reference
                body.extend_from_slice(&1u16.to_be_bytes());
                body.extend_from_slice(&off.to_be_bytes());
                body.extend_from_slice(&u32::try_from(len).unwrap().to_be_bytes());
            }
            full_box(b"iloc", 1, &body)
        };
        let meta = |iloc: Vec<u8>| full_box(b"meta", 0, &[iinf.clone(), iloc].concat());
        let mdat_data = [coded.clone(), exif.clone(), xmp.clone()].concat();
        let data_at = u32::try_from(ftyp.len() + meta(iloc([0; 3])).len() + 8).unwrap();
        let offsets = [
            data_at,
            data_at + coded.len() as u32,
            data_at + (coded.len() + exif.len()) as u32,
        ];
        let photo = [
            ftyp.clone(),
            meta(iloc(offsets)),
            iso_box(b"mdat", &mdat_data),
        ]
        .concat();
        assert_eq!(sniff_mime(&photo), Some("image/heic"));
        assert!(tell_tales(&photo).len() >= 6);

        let stripped = strip_metadata(&photo).unwrap();
        assert_eq!(stripped.len(), photo.len());
        assert_eq!(tell_tales(&stripped), Vec::<String>::new());
        let zeros = vec![0; exif.len() + xmp.len()];
        let expected_mdat = [coded.clone(), zeros].concat();
        assert_eq!(
            stripped,
            [ftyp, meta(iloc(offsets)), iso_box(b"mdat", &expected_mdat)].concat()
        );
        // An item whose bytes lie outside the file: refused.
        let bad = [
            iso_box(b"ftyp", b"heic\0\0\0\0mif1heic"),
            meta(iloc([data_at, 1 << 30, 0])),
            iso_box(b"mdat", &mdat_data),
        ]
        .concat();
        assert_eq!(strip_metadata(&bad), Err(Unreadable));
    }
}
