//! The database key, and the PIN that unlocks it.
//!
//! A random 256-bit data key encrypts the database (SQLCipher, raw key). The data key is stored
//! only wrapped: XChaCha20-Poly1305 under a key derived from the officer's PIN with Argon2id.
//! A wrong PIN fails the AEAD tag, so it is told apart from a corrupt database. Failed attempts are
//! counted in the key file; at the limit the store is wiped. Destroying the key file makes the
//! database unreadable, which is what a wipe relies on where flash storage cannot promise that
//! overwritten blocks are gone.

use crate::StoreError;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

pub const KEY_FILE: &str = "key.json";
const AAD: &[u8] = b"beatbook data key v1";
/// Failed PIN attempts allowed before the store is wiped.
pub const MAX_PIN_ATTEMPTS: u32 = 5;
pub const MIN_PIN_LEN: usize = 6;

/// Argon2id cost. Stored in the key file, so a store opens with the cost it was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfSettings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfSettings {
    /// What a tablet uses: 64 MiB, 3 passes (about a third of a second on a mid-range tablet).
    pub const DEVICE: KdfSettings = KdfSettings {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };
    /// Cheap settings for tests only: never for a real device.
    pub const INSECURE_FAST: KdfSettings = KdfSettings {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
}

impl Default for KdfSettings {
    fn default() -> Self {
        Self::DEVICE
    }
}

/// How SQLCipher encrypts a store's pages. It is chosen when the store is made and kept in the
/// key file, because the database cannot say (its header is encrypted too); a store always opens
/// with the settings it was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CipherSettings {
    /// `cipher_page_size`.
    pub page_size: u32,
    /// `cipher_hmac_algorithm`: what authenticates each page.
    pub hmac: PageHmac,
}

impl CipherSettings {
    /// Stores made now. A pull writes thousands of records at once, and each page costs an
    /// encryption, an HMAC and a write: 16 KiB pages take about a third less time than
    /// SQLCipher's default 4 KiB, and HMAC-SHA256 (which tablet and PC processors compute in
    /// hardware) about half the time of SQLCipher's default HMAC-SHA512 (see BENCHMARKS.md).
    pub const NEW: CipherSettings = CipherSettings {
        page_size: 16_384,
        hmac: PageHmac::Sha256,
    };
    /// Stores made before the key file named them: SQLCipher 4's defaults.
    pub const LEGACY: CipherSettings = CipherSettings {
        page_size: 4_096,
        hmac: PageHmac::Sha512,
    };
}

/// The page HMACs SQLCipher offers that a store may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PageHmac {
    #[serde(rename = "HMAC_SHA256")]
    Sha256,
    #[serde(rename = "HMAC_SHA512")]
    Sha512,
}

impl PageHmac {
    /// The value of SQLCipher's `cipher_hmac_algorithm` pragma.
    pub fn pragma_value(self) -> &'static str {
        match self {
            PageHmac::Sha256 => "HMAC_SHA256",
            PageHmac::Sha512 => "HMAC_SHA512",
        }
    }
}

fn legacy_page_size() -> u32 {
    CipherSettings::LEGACY.page_size
}

fn legacy_hmac() -> PageHmac {
    CipherSettings::LEGACY.hmac
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    version: u32,
    kdf: KdfSettings,
    /// SQLCipher's `cipher_page_size` for this store's database.
    #[serde(default = "legacy_page_size")]
    page_size: u32,
    /// SQLCipher's `cipher_hmac_algorithm` for this store's database.
    #[serde(default = "legacy_hmac")]
    hmac: PageHmac,
    #[serde(with = "hex::serde")]
    salt: Vec<u8>,
    #[serde(with = "hex::serde")]
    nonce: Vec<u8>,
    #[serde(with = "hex::serde")]
    wrapped_key: Vec<u8>,
    failed_attempts: u32,
}

/// A 256-bit key, wiped from memory when dropped.
pub(crate) type DataKey = Zeroizing<[u8; 32]>;

pub(crate) fn check_pin(pin: &str) -> Result<(), StoreError> {
    if pin.chars().count() < MIN_PIN_LEN {
        return Err(StoreError::PinTooShort { min: MIN_PIN_LEN });
    }
    if let Some(why) = beatbook_domain::pin::too_easy(pin) {
        return Err(StoreError::PinTooEasy { why });
    }
    Ok(())
}

fn derive(pin: &str, salt: &[u8], kdf: KdfSettings) -> Result<DataKey, StoreError> {
    let params = Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|e| StoreError::Crypto(format!("key derivation settings: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pin.as_bytes(), salt, out.as_mut())
        .map_err(|e| StoreError::Crypto(format!("key derivation: {e}")))?;
    Ok(out)
}

pub(crate) fn new_data_key() -> DataKey {
    let mut data_key = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(data_key.as_mut());
    data_key
}

fn new_salt() -> Vec<u8> {
    let mut salt = vec![0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    salt
}

/// Make a new data key, wrap it under `pin`, and write the key file. Returns the data key.
pub(crate) fn create(
    dir: &Path,
    pin: &str,
    kdf: KdfSettings,
    cipher: CipherSettings,
) -> Result<DataKey, StoreError> {
    check_pin(pin)?;
    let data_key = new_data_key();
    let file = wrap(&data_key, pin, new_salt(), kdf, cipher)?;
    write_key_file(dir, &file)?;
    Ok(data_key)
}

/// A new key file, written beside the current one until the database has been re-keyed.
pub(crate) struct Staged(std::path::PathBuf);

pub(crate) fn stage(dir: &Path, data_key: &DataKey, pin: &str) -> Result<Staged, StoreError> {
    let current = read_key_file(dir)?;
    let file = wrap(data_key, pin, new_salt(), current.kdf, current.cipher())?;
    let path = staged_path(dir);
    let mut f = std::fs::File::create(&path)?;
    f.write_all(&serde_json::to_vec_pretty(&file)?)?;
    f.sync_all()?;
    Ok(Staged(path))
}

fn staged_path(dir: &Path) -> std::path::PathBuf {
    dir.join(format!("{KEY_FILE}.new"))
}

/// If a PIN change left a staged key file, try `pin` on it (no attempt is counted: the staged
/// file is only a candidate). `None` when there is none or the PIN does not open it.
pub(crate) fn unlock_staged(dir: &Path, pin: &str) -> Result<Option<DataKey>, StoreError> {
    let Ok(text) = std::fs::read_to_string(staged_path(dir)) else {
        return Ok(None);
    };
    let Ok(file) = serde_json::from_str::<KeyFile>(&text) else {
        discard_staged(dir)?;
        return Ok(None);
    };
    Ok(open_wrapped(&file, pin)?.ok())
}

pub(crate) fn finish_staged(dir: &Path) -> Result<(), StoreError> {
    commit_staged(dir, Staged(staged_path(dir)))
}

pub(crate) fn discard_staged(dir: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(staged_path(dir)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Put the staged key file in place. Between the re-key and this rename a crash leaves the old
/// key file with a database under the new key; `unlock` then tries the staged file.
pub(crate) fn commit_staged(dir: &Path, staged: Staged) -> Result<(), StoreError> {
    std::fs::rename(&staged.0, dir.join(KEY_FILE))?;
    sync_dir(dir);
    Ok(())
}

fn wrap(
    data_key: &DataKey,
    pin: &str,
    salt: Vec<u8>,
    kdf: KdfSettings,
    cipher: CipherSettings,
) -> Result<KeyFile, StoreError> {
    let kek = derive(pin, &salt, kdf)?;
    let mut nonce = vec![0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let wrapped_key = XChaCha20Poly1305::new(kek.as_ref().into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: data_key.as_ref(),
                aad: AAD,
            },
        )
        .map_err(|_| StoreError::Crypto("could not wrap the data key".into()))?;
    Ok(KeyFile {
        version: 1,
        kdf,
        page_size: cipher.page_size,
        hmac: cipher.hmac,
        salt,
        nonce,
        wrapped_key,
        failed_attempts: 0,
    })
}

/// Unwrap a key file's data key: `Ok(Err(()))` when the PIN is wrong.
fn open_wrapped(file: &KeyFile, pin: &str) -> Result<Result<DataKey, ()>, StoreError> {
    if file.nonce.len() != 24 {
        return Err(StoreError::Corrupt(
            "the key file's nonce has the wrong length".into(),
        ));
    }
    let kek = derive(pin, &file.salt, file.kdf)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let Ok(bytes) = cipher.decrypt(
        XNonce::from_slice(&file.nonce),
        Payload {
            msg: &file.wrapped_key,
            aad: AAD,
        },
    ) else {
        return Ok(Err(()));
    };
    let bytes = Zeroizing::new(bytes);
    let key: [u8; 32] = bytes[..]
        .try_into()
        .map_err(|_| StoreError::Corrupt("the data key has the wrong length".into()))?;
    Ok(Ok(Zeroizing::new(key)))
}

/// Unwrap the data key with `pin`. A wrong PIN is counted; at the limit the store is wiped.
pub(crate) fn unlock(dir: &Path, pin: &str) -> Result<DataKey, StoreError> {
    let mut file = read_key_file(dir)?;
    match open_wrapped(&file, pin)? {
        Ok(key) => {
            if file.failed_attempts > 0 {
                file.failed_attempts = 0;
                write_key_file(dir, &file)?;
            }
            Ok(key)
        }
        Err(()) => {
            file.failed_attempts += 1;
            if file.failed_attempts >= MAX_PIN_ATTEMPTS {
                wipe(dir)?;
                return Err(StoreError::WipedAfterFailedPins {
                    attempts: MAX_PIN_ATTEMPTS,
                });
            }
            write_key_file(dir, &file)?;
            Err(StoreError::WrongPin {
                attempts_left: MAX_PIN_ATTEMPTS - file.failed_attempts,
            })
        }
    }
}

/// How the store's database is encrypted (see [`CipherSettings`]).
pub(crate) fn cipher(dir: &Path) -> Result<CipherSettings, StoreError> {
    let cipher = read_key_file(dir)?.cipher();
    let size = cipher.page_size;
    if !(512..=65_536).contains(&size) || !size.is_power_of_two() {
        return Err(StoreError::Corrupt(format!(
            "the key file names a page size of {size}"
        )));
    }
    Ok(cipher)
}

impl KeyFile {
    fn cipher(&self) -> CipherSettings {
        CipherSettings {
            page_size: self.page_size,
            hmac: self.hmac,
        }
    }
}

pub(crate) fn exists(dir: &Path) -> bool {
    dir.join(KEY_FILE).exists()
}

fn read_key_file(dir: &Path) -> Result<KeyFile, StoreError> {
    let path = dir.join(KEY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::NotInitialised(dir.to_path_buf()))
        }
        Err(e) => return Err(e.into()),
    };
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("key file: {e}")))
}

/// Write atomically: a crash leaves the old file or the new one, never half of either.
fn write_key_file(dir: &Path, file: &KeyFile) -> Result<(), StoreError> {
    let tmp = dir.join(format!("{KEY_FILE}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&serde_json::to_vec_pretty(file)?)?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(KEY_FILE))?;
    sync_dir(dir);
    Ok(())
}

fn sync_dir(dir: &Path) {
    // Durability of the rename; not every platform can open a directory, so best effort.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Destroy the store in `dir`: the key file is overwritten and removed first (without it the
/// database cannot be decrypted), then every store file is removed.
pub fn wipe(dir: &Path) -> Result<(), StoreError> {
    let key_path = dir.join(KEY_FILE);
    if let Ok(meta) = std::fs::metadata(&key_path) {
        let mut noise = vec![0u8; usize::try_from(meta.len()).unwrap_or(4096).max(512)];
        rand::rngs::OsRng.fill_bytes(&mut noise);
        let mut f = std::fs::OpenOptions::new().write(true).open(&key_path)?;
        f.write_all(&noise)?;
        f.sync_all()?;
        drop(f);
        std::fs::remove_file(&key_path)?;
    }
    for name in crate::STORE_FILES
        .iter()
        .copied()
        .chain([&*format!("{KEY_FILE}.new")])
    {
        match std::fs::remove_file(dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    let _ = std::fs::remove_file(dir.join(format!("{KEY_FILE}.tmp")));
    sync_dir(dir);
    Ok(())
}
