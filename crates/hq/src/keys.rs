//! HQ's key for data at rest: the embedded SQLite store (SQLCipher) and the photo files. It comes
//! from a file (`db_key_file`) or an environment variable (`BEATBOOK_HQ_KEY`), never from the
//! command line, where any user of the machine could read it.
//!
//! See [`HqKey::load`] for where it is looked for, and the README's "Keys and encryption at rest".

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// 32 bytes of key. `Debug` never shows them.
#[derive(Clone)]
pub struct HqKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for HqKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HqKey([secret])")
    }
}

impl HqKey {
    pub fn from_bytes(bytes: [u8; 32]) -> HqKey {
        HqKey(Zeroizing::new(bytes))
    }

    /// A random key: for tests, and for a new store's first key.
    pub fn random() -> HqKey {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        HqKey::from_bytes(bytes)
    }

    /// A key for one use (`"sqlite"`, `"photos"`), derived so that one use's key says nothing
    /// about another's.
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut h = Sha256::new();
        h.update(b"beatbook-hq-key\0");
        h.update(purpose.as_bytes());
        h.update(b"\0");
        h.update(self.0.as_ref());
        Zeroizing::new(h.finalize().into())
    }
}

/// Where HQ's key came from, and what a person should be told about it.
#[derive(Debug)]
pub struct LoadedKey {
    pub key: HqKey,
    /// A warning to show (a new key file was made beside the data), if any.
    pub warning: Option<String>,
}

/// The environment variable that holds HQ's key as 64 hex digits.
pub const KEY_ENV: &str = "BEATBOOK_HQ_KEY";

impl HqKey {
    /// HQ's key, from (first found): `BEATBOOK_HQ_KEY` (64 hex digits, as `var` reads it), the
    /// settings' `db_key_file` (`BEATBOOK_HQ_KEY_FILE`), or the default key file beside the data
    /// ([`default_key_file`]). With no key configured, a new embedded database (or a PostgreSQL
    /// HQ's photos) gets a new key file, mode 0600, with a warning to keep it elsewhere; an
    /// existing embedded database without a key is refused in words (plain: encrypt it with
    /// `beatbook hq admin encrypt-db`; encrypted: say where its key is).
    pub fn load(
        settings: &crate::HqSettings,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<LoadedKey, String> {
        if let Some(key) = HqKey::from_settings_or_env(settings, var)? {
            return Ok(LoadedKey { key, warning: None });
        }
        let path = default_key_file(settings);
        if path.exists() {
            return Ok(LoadedKey {
                key: HqKey::read_file(&path)?,
                warning: None,
            });
        }
        if let Some(db) = settings.db.strip_prefix("sqlite:") {
            let db = std::path::Path::new(db);
            match crate::storage::sqlite::file_kind(db) {
                crate::storage::sqlite::FileKind::Missing => {}
                crate::storage::sqlite::FileKind::Plain => {
                    return Err(format!(
                        "HQ's database {} is not encrypted. Encrypt it once with `beatbook hq \
                         admin encrypt-db` (stop HQ first; it uses the key you configure, or makes \
                         {}), then start HQ again",
                        db.display(),
                        path.display()
                    ))
                }
                crate::storage::sqlite::FileKind::Encrypted => {
                    return Err(format!(
                        "HQ's database {} is encrypted and no key for it was given: set \
                         db_key_file (or BEATBOOK_HQ_KEY_FILE) to its key file, or \
                         BEATBOOK_HQ_KEY to its key",
                        db.display()
                    ))
                }
            }
        }
        let key = HqKey::random();
        if let Err(e) = key.write_new_file(&path) {
            // Another HQ process starting at the same moment made it first.
            if path.exists() {
                return Ok(LoadedKey {
                    key: HqKey::read_file(&path)?,
                    warning: None,
                });
            }
            return Err(e);
        }
        Ok(LoadedKey {
            key,
            warning: Some(format!(
                "made a new key for HQ's data at rest in {}. Keep a copy somewhere other than \
                 beside the data (a backup holding both protects nothing; without the key the data \
                 cannot be read), and point db_key_file (or BEATBOOK_HQ_KEY_FILE) at it",
                path.display()
            )),
        })
    }

    /// The key configured: `BEATBOOK_HQ_KEY` (as `var` reads it), else `db_key_file`; `None`
    /// when neither is set.
    pub fn from_settings_or_env(
        settings: &crate::HqSettings,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<HqKey>, String> {
        if let Some(hex) = var(KEY_ENV)
            .map(Zeroizing::new)
            .filter(|v| !v.trim().is_empty())
        {
            return HqKey::from_hex(&hex)
                .map(Some)
                .map_err(|why| format!("{KEY_ENV}: {why}"));
        }
        match &settings.db_key_file {
            Some(path) => HqKey::read_file(path).map(Some),
            None => Ok(None),
        }
    }

    /// A key written as 64 hex digits (spaces and a final newline allowed).
    pub fn from_hex(text: &str) -> Result<HqKey, String> {
        let digits: Zeroizing<String> =
            Zeroizing::new(text.chars().filter(|c| !c.is_whitespace()).collect());
        let mut bytes = [0u8; 32];
        if digits.len() != 64 || hex::decode_to_slice(digits.as_bytes(), &mut bytes).is_err() {
            return Err(
                "a key is 64 hex digits (32 bytes), e.g. made by `openssl rand -hex 32`".into(),
            );
        }
        let key = HqKey::from_bytes(bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        Ok(key)
    }

    /// Read a key file (64 hex digits).
    pub fn read_file(path: &std::path::Path) -> Result<HqKey, String> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "HQ's key file {} does not exist. For a new HQ, make one: `openssl rand -hex \
                     32 > {0}; chmod 600 {0}`; for an existing one, point db_key_file at its key",
                    path.display()
                )
            } else {
                format!("cannot read HQ's key file {}: {e}", path.display())
            }
        })?);
        HqKey::from_hex(&text).map_err(|why| format!("HQ's key file {}: {why}", path.display()))
    }

    /// Write this key to a new file only its owner can read; never over an existing file. The
    /// file appears whole or not at all (written aside, then linked into place), so another HQ
    /// process starting at the same moment never reads half a key.
    pub fn write_new_file(&self, path: &std::path::Path) -> Result<(), String> {
        use std::io::Write;
        let failed =
            |e: std::io::Error| format!("cannot write HQ's key file {}: {e}", path.display());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        }
        if path.exists() {
            return Err(failed(std::io::ErrorKind::AlreadyExists.into()));
        }
        let mut aside = path.as_os_str().to_owned();
        aside.push(format!(".{:016x}.new", rand::random::<u64>()));
        let aside = std::path::PathBuf::from(aside);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&aside).and_then(|mut file| {
            let text = Zeroizing::new(format!("{}\n", hex::encode(self.0.as_ref())));
            file.write_all(text.as_bytes())?;
            file.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&aside, path));
        let _ = std::fs::remove_file(&aside);
        linked.map_err(failed)
    }

    /// The raw bytes, for the tests.
    #[cfg(test)]
    fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The key file used when none is configured: `<db>.key` beside an embedded database, or
/// `<photos dir>.key` beside a PostgreSQL HQ's photos.
pub fn default_key_file(settings: &crate::HqSettings) -> std::path::PathBuf {
    match settings.db.strip_prefix("sqlite:") {
        Some(db) => {
            let mut name = std::path::PathBuf::from(db).into_os_string();
            name.push(".key");
            name.into()
        }
        None => {
            let photos = settings.photos_dir();
            let mut name = photos
                .components()
                .next_back()
                .map_or_else(|| "photos".into(), |c| c.as_os_str().to_owned());
            name.push(".key");
            photos.with_file_name(name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HqSettings;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_key_is_never_shown_by_debug_and_reads_back_from_hex() {
        let key = HqKey::random();
        let hex_text = hex::encode(key.bytes());
        assert!(!format!("{key:?}").contains(&hex_text[..16]));
        let again = HqKey::from_hex(&format!(" {hex_text}\n")).unwrap();
        assert_eq!(again.bytes(), key.bytes());
        assert!(HqKey::from_hex("abcd")
            .unwrap_err()
            .contains("64 hex digits"));
        assert!(HqKey::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn the_environment_wins_then_the_file_then_a_new_file_beside_a_new_database() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hq.db");
        let mut settings = HqSettings {
            db: format!("sqlite:{}", db.display()),
            ..HqSettings::default()
        };
        // Nothing configured, no database yet: a new key file beside it, owner-only, and a warning.
        let made = HqKey::load(&settings, no_env).unwrap();
        let file = dir.path().join("hq.db.key");
        assert!(made
            .warning
            .unwrap()
            .contains("Keep a copy somewhere other than"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Started again: the same key, quietly.
        let again = HqKey::load(&settings, no_env).unwrap();
        assert!(again.warning.is_none());
        assert_eq!(again.key.bytes(), made.key.bytes());

        let other = HqKey::random();
        let other_file = dir.path().join("elsewhere.key");
        other.write_new_file(&other_file).unwrap();
        assert!(
            other.write_new_file(&other_file).is_err(),
            "never overwritten"
        );
        settings.db_key_file = Some(other_file);
        assert_eq!(
            HqKey::load(&settings, no_env).unwrap().key.bytes(),
            other.bytes()
        );

        let from_env = HqKey::random();
        let hex_text = hex::encode(from_env.bytes());
        let env = |name: &str| (name == KEY_ENV).then(|| hex_text.clone());
        assert_eq!(
            HqKey::load(&settings, env).unwrap().key.bytes(),
            from_env.bytes()
        );

        settings.db_key_file = Some(dir.path().join("missing.key"));
        let e = HqKey::load(&settings, no_env).unwrap_err();
        assert!(
            e.contains("does not exist") && e.contains("openssl rand -hex 32"),
            "{e}"
        );
    }

    #[test]
    fn the_default_key_file_sits_beside_the_data() {
        let s = HqSettings {
            db: "sqlite:/var/lib/beatbook/hq.db".into(),
            ..HqSettings::default()
        };
        assert_eq!(
            default_key_file(&s),
            std::path::PathBuf::from("/var/lib/beatbook/hq.db.key")
        );
        let s = HqSettings {
            db: "postgres://hq@db/hq".into(),
            photos_dir: Some("/srv/beatbook/photos".into()),
            ..HqSettings::default()
        };
        assert_eq!(
            default_key_file(&s),
            std::path::PathBuf::from("/srv/beatbook/photos.key")
        );
    }
}
