//! Photo files sealed at rest: XChaCha20-Poly1305 (ChaCha20-Poly1305 with a 24-byte nonce, so a
//! random nonce per frame is safe) under HQ's photo key, `HqKey::derive("photos")`.
//!
//! A sealed file is [`MAGIC`] and then frames, each `[plaintext length: u32 LE][nonce: 24]
//! [ciphertext and tag]`. A frame's associated data is the photo's name and the plaintext offset
//! where the frame starts, so frames cannot be moved within a file or between photos unnoticed,
//! and a whole upload (a partial file) becomes the verified photo by a rename. An upload appends
//! one or more frames per chunk; a frame torn by a crash is cut off when the file's length is
//! next asked for, so an upload resumes from the last whole frame.
//!
//! A file that does not start with [`MAGIC`] is a photo written before photos were sealed:
//! it is read as it is (and the caller seals it).
//!
//! Everything here blocks: call it from `spawn_blocking`.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The first bytes of a sealed photo file.
pub const MAGIC: &[u8; 8] = b"BBPHSEAL";
const NONCE: usize = 24;
const TAG: usize = 16;
const FRAME_HEAD: usize = 4 + NONCE;
/// The most plaintext one frame holds.
const FRAME: usize = 1 << 20;

/// What a photo file holds, opened.
pub enum Contents {
    /// Sealed: the plaintext.
    Sealed(Vec<u8>),
    /// Written before photos were sealed: the file's bytes as they are.
    Plain(Vec<u8>),
}

/// HQ's photo cipher. `Debug` never shows the key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([secret])")
    }
}

fn aad(name: &str, offset: u64) -> Vec<u8> {
    let mut a = Vec::with_capacity(name.len() + 9);
    a.extend_from_slice(name.as_bytes());
    a.push(0);
    a.extend_from_slice(&offset.to_le_bytes());
    a
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Sealer {
        Sealer {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// `bytes` sealed as frames starting at plaintext `offset` of photo `name`.
    fn frames(&self, name: &str, mut offset: u64, bytes: &[u8]) -> io::Result<Vec<u8>> {
        use rand::RngCore;
        let mut out =
            Vec::with_capacity(bytes.len() + (bytes.len() / FRAME + 1) * (FRAME_HEAD + TAG));
        for piece in bytes.chunks(FRAME) {
            let mut nonce = [0u8; NONCE];
            rand::rngs::OsRng.fill_bytes(&mut nonce);
            let sealed = self
                .cipher
                .encrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: piece,
                        aad: &aad(name, offset),
                    },
                )
                .map_err(|_| invalid("could not seal a photo frame"))?;
            let len = u32::try_from(piece.len()).map_err(|_| invalid("frame too large"))?;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&nonce);
            out.extend_from_slice(&sealed);
            offset += piece.len() as u64;
        }
        Ok(out)
    }

    /// Append `bytes`, which start at plaintext `offset` (the length [`held`] gave), to the
    /// sealed file at `path` (made if missing), and flush them to disk.
    pub fn append(&self, path: &Path, name: &str, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let mut f = OpenOptions::new().create(true).append(true).open(path)?;
        let mut buf = Vec::new();
        if f.metadata()?.len() == 0 {
            buf.extend_from_slice(MAGIC);
        }
        buf.extend(self.frames(name, offset, bytes)?);
        f.write_all(&buf)?;
        f.sync_data()
    }

    /// Write `bytes` as a new sealed file at `path` (replacing it), flushed to disk.
    pub fn write(&self, path: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut buf = MAGIC.to_vec();
        buf.extend(self.frames(name, 0, bytes)?);
        let mut f = File::create(path)?;
        f.write_all(&buf)?;
        f.sync_all()
    }

    /// Open the photo file at `path` named `name`: its plaintext, or its bytes as they are if it
    /// was written before photos were sealed. A sealed file that does not open (another key,
    /// or damaged) is an error, unless its bytes as they are hash to `name` (a plain photo that
    /// happens to start like a sealed one).
    pub fn open(&self, path: &Path, name: &str) -> io::Result<Contents> {
        let raw = std::fs::read(path)?;
        if !raw.starts_with(MAGIC) {
            return Ok(Contents::Plain(raw));
        }
        match self.unseal(&raw, name) {
            Ok(plain) => Ok(Contents::Sealed(plain)),
            Err(_) if hex::encode(Sha256::digest(&raw)) == name => Ok(Contents::Plain(raw)),
            Err(e) => Err(e),
        }
    }

    fn unseal(&self, raw: &[u8], name: &str) -> io::Result<Vec<u8>> {
        let mut rest = &raw[MAGIC.len()..];
        let mut out = Vec::with_capacity(rest.len());
        while !rest.is_empty() {
            if rest.len() < FRAME_HEAD {
                return Err(invalid("a photo file ends inside a frame"));
            }
            let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            let end = FRAME_HEAD + len + TAG;
            if rest.len() < end {
                return Err(invalid("a photo file ends inside a frame"));
            }
            let plain = self
                .cipher
                .decrypt(
                    XNonce::from_slice(&rest[4..FRAME_HEAD]),
                    Payload {
                        msg: &rest[FRAME_HEAD..end],
                        aad: &aad(name, out.len() as u64),
                    },
                )
                .map_err(|_| {
                    invalid("HQ's photo key does not open this photo file (another key, or the file is damaged)")
                })?;
            out.extend_from_slice(&plain);
            rest = &rest[end..];
        }
        Ok(out)
    }
}

/// How many plaintext bytes the sealed file at `path` holds (`None` if there is no file),
/// reading only the frames' lengths. A torn last frame (a crash while appending) is cut off.
/// Whether the file at `path` begins as a sealed file does: its first bytes alone, so checking
/// every photo at start-up reads a few bytes of each rather than decrypting it.
pub fn starts_sealed(path: &Path) -> io::Result<bool> {
    let mut magic = [0u8; MAGIC.len()];
    match File::open(path)?.read_exact(&mut magic) {
        Ok(()) => Ok(&magic == MAGIC),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn held(path: &Path) -> io::Result<Option<u64>> {
    let mut f = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let total = f.metadata()?.len();
    let mut magic = [0u8; MAGIC.len()];
    if total < MAGIC.len() as u64 || {
        f.read_exact(&mut magic)?;
        &magic != MAGIC
    } {
        // Not even the start was written whole: nothing is held.
        f.set_len(0)?;
        return Ok(Some(0));
    }
    let (mut at, mut plain) = (MAGIC.len() as u64, 0u64);
    let mut head = [0u8; FRAME_HEAD];
    while at < total {
        let len = if total - at >= FRAME_HEAD as u64 {
            f.seek(SeekFrom::Start(at))?;
            f.read_exact(&mut head)?;
            u64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]]))
        } else {
            u64::MAX
        };
        let end = at
            .saturating_add(FRAME_HEAD as u64 + TAG as u64)
            .saturating_add(len);
        if end > total {
            f.set_len(at)?;
            f.sync_data()?;
            break;
        }
        plain += len;
        at = end;
    }
    Ok(Some(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bytes_open_only_with_their_key_name_and_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        let sealer = Sealer::new(&[7; 32]);
        let photo: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        sealer.append(&path, "name", 0, &photo[..1000]).unwrap();
        assert_eq!(held(&path).unwrap(), Some(1000));
        sealer.append(&path, "name", 1000, &photo[1000..]).unwrap();
        assert_eq!(held(&path).unwrap(), Some(3000));
        let raw = std::fs::read(&path).unwrap();
        assert!(!raw.windows(64).any(|w| photo.windows(64).any(|p| p == w)));
        assert!(matches!(sealer.open(&path, "name").unwrap(), Contents::Sealed(b) if b == photo));
        assert!(sealer.open(&path, "other").is_err());
        assert!(Sealer::new(&[8; 32]).open(&path, "name").is_err());

        // A torn last frame is cut off; what came before stays.
        std::fs::write(&path, &raw[..raw.len() - 5]).unwrap();
        assert_eq!(held(&path).unwrap(), Some(1000));
        assert!(
            matches!(sealer.open(&path, "name").unwrap(), Contents::Sealed(b) if b == photo[..1000])
        );

        // A file from before photos were sealed reads as it is.
        std::fs::write(&path, &photo).unwrap();
        assert!(matches!(sealer.open(&path, "name").unwrap(), Contents::Plain(b) if b == photo));
        assert_eq!(held(&dir.path().join("missing")).unwrap(), None);
    }
}
