//! The embedded backend: one SQLite file, encrypted with SQLCipher under a key derived from HQ's
//! key (see [`connect`] and `crate::keys`), WAL, `synchronous=FULL`, `secure_delete` (what a
//! deletion frees is overwritten with zeros, so an erased record leaves no bytes behind once
//! the WAL is checkpointed: see `Retention::compact_after_disposal`). Writes are serialised by
//! SQLite itself (one writer), so server sequences are handed out in commit order. One file per
//! resource; every query runs on the one connection, off the async runtime.

mod audit;
mod checkpoint;
mod device_reads;
mod devices;
mod directory;
mod feed;
mod migrations;
mod outcomes;
mod records;
mod retention;
mod sessions;
mod subject_access;
mod targets;
mod throttle;

use super::{Counts, Result, StorageError, Summary};
use crate::keys::HqKey;
use async_trait::async_trait;
use beatbook_domain::{DeviceId, RecordId};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    checkpoint: Arc<checkpoint::Checkpointer>,
}

/// Times are kept as RFC 3339 text to the millisecond.
fn t(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_t(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| StorageError::Corrupt(format!("time {s:?}: {e}")))
}

fn device_id(s: &str) -> Result<DeviceId> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("device id {s}")))
}

fn record_id(s: &str) -> Result<RecordId> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("record id {s}")))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// SQLCipher's page size for HQ's database: HQ's rows are an op or a record state of 1 to 2 KB
/// each, and bigger pages mean fewer page splits and WAL frames per push. The file's header is
/// encrypted too, so every connection must say it.
const PAGE_SIZE: u32 = 16_384;

/// What a database file is, before it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// No file, or an empty one: a new database.
    Missing,
    /// A plain SQLite database (its header says so in clear).
    Plain,
    /// Anything else: encrypted (or not a database at all).
    Encrypted,
}

/// Whether `path` is a new, a plain or an encrypted database.
pub fn file_kind(path: &Path) -> FileKind {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return FileKind::Missing;
    };
    let mut header = [0u8; 16];
    match file.read(&mut header) {
        Ok(0) | Err(_) => FileKind::Missing,
        Ok(_) if &header == b"SQLite format 3\0" => FileKind::Plain,
        Ok(_) => FileKind::Encrypted,
    }
}

/// Held while a SQLCipher connection is keyed (as the device store does: SQLCipher was once seen
/// refusing a valid key while other threads opened connections at the same moment).
fn keying() -> std::sync::MutexGuard<'static, ()> {
    static KEYING: Mutex<()> = Mutex::new(());
    KEYING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The SQL that keys a connection with `key` (a raw key: no passphrase stretching).
fn key_sql(key: &HqKey) -> zeroize::Zeroizing<String> {
    let db_key = key.derive("sqlite");
    let mut sql = zeroize::Zeroizing::new(String::with_capacity(120));
    sql.push_str("PRAGMA key = \"x'");
    sql.push_str(&zeroize::Zeroizing::new(hex::encode(db_key.as_ref())));
    sql.push_str("'\";");
    sql
}

/// A connection to HQ's encrypted database at `path`, keyed, its key proven by a first read. A
/// wrong key, or a plain database, is refused in words. For HQ's storage, its checkpoints, and
/// tools (tests, `encrypt-db`) that must reach the file behind the storage's back.
pub fn connect(path: &Path, key: &HqKey) -> Result<Connection> {
    let conn = Connection::open(path)?;
    {
        let _one_at_a_time = keying();
        let version: Option<String> = conn
            .query_row("PRAGMA cipher_version", [], |r| r.get(0))
            .optional()?;
        if version.is_none() {
            return Err(StorageError::Corrupt(
                "this build's SQLite has no SQLCipher: refusing to keep HQ's data unencrypted"
                    .into(),
            ));
        }
        // SQLCipher reports a wrong key on stderr by default; the error below says it better.
        let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
        conn.execute_batch(&key_sql(key))?;
        conn.execute_batch(&format!("PRAGMA cipher_page_size = {PAGE_SIZE};"))?;
    }
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        return Err(match file_kind(path) {
            FileKind::Plain => StorageError::NotEncrypted(path.display().to_string()),
            _ if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
                StorageError::WrongKey(path.display().to_string())
            }
            _ => e.into(),
        });
    }
    Ok(conn)
}

/// Encrypt a plain HQ database in place under `key` (`beatbook hq admin encrypt-db`): its
/// content is copied into a new encrypted file beside it, which then takes its place; the plain
/// file and its WAL are removed. HQ must not be running. Copies made before (backups) stay plain.
pub fn encrypt_plain(path: &Path, key: &HqKey) -> Result<()> {
    if file_kind(path) != FileKind::Plain {
        return Err(StorageError::Conflict(format!(
            "{} is not a plain SQLite database: nothing to encrypt",
            path.display()
        )));
    }
    let io = |action: String| move |source| StorageError::Io { action, source };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".encrypting");
    let tmp = std::path::PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let plain = Connection::open(path)?;
    plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    {
        let _one_at_a_time = keying();
        let db_key = key.derive("sqlite");
        let attach = zeroize::Zeroizing::new(format!(
            "ATTACH DATABASE ?1 AS encrypted KEY \"x'{}'\"",
            zeroize::Zeroizing::new(hex::encode(db_key.as_ref())).as_str()
        ));
        plain.execute(&attach, [tmp.to_string_lossy()])?;
    }
    plain.execute_batch(&format!(
        "PRAGMA encrypted.cipher_page_size = {PAGE_SIZE};
         SELECT sqlcipher_export('encrypted');"
    ))?;
    let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    plain.pragma_update(Some("encrypted"), "user_version", version)?;
    plain.execute_batch("DETACH DATABASE encrypted;")?;
    drop(plain);
    // The new file is whole and readable before it takes the old one's place.
    drop(connect(&tmp, key)?);
    std::fs::rename(&tmp, path).map_err(io(format!("replacing {}", path.display())))?;
    for ext in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(ext);
        let _ = std::fs::remove_file(std::path::PathBuf::from(side));
    }
    Ok(())
}

impl SqliteStorage {
    /// Open (or make) HQ's database at `path`, encrypted with SQLCipher under `key` (see
    /// [`connect`]), and bring its schema up to date.
    pub fn open(path: &Path, key: &HqKey) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
                action: format!("creating {}", dir.display()),
                source,
            })?;
        }
        let mut conn = connect(path, key)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;
             PRAGMA cache_size = -65536; PRAGMA secure_delete = ON;",
        )?;
        migrations::run(&mut conn)?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            checkpoint::WRITER_LIMIT_BYTES / i64::from(PAGE_SIZE),
        )?;
        let checkpoint = Arc::new(checkpoint::Checkpointer::start(path, key)?);
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            checkpoint,
        })
    }

    /// Run `f` on the connection off the async runtime.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StorageError::Poisoned)?;
            f(&mut guard)
        })
        .await?
    }
}

#[async_trait]
impl Summary for SqliteStorage {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn counts(&self) -> Result<Counts> {
        self.call(|c| {
            let n = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).map(to_u64);
            Ok(Counts {
                records: n("SELECT count(*) FROM records")?,
                ops: n("SELECT count(*) FROM op_log")?,
                devices: n("SELECT count(*) FROM devices")?,
                officers: n("SELECT count(*) FROM officers")?,
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Directory, Feed};

    fn holds(path: &Path, needle: &str) -> bool {
        std::fs::read(path)
            .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
            .unwrap_or(false)
    }

    #[tokio::test]
    async fn a_new_database_is_encrypted_with_16_kib_pages_and_opens_only_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hq.db");
        let key = HqKey::random();
        let storage = SqliteStorage::open(&path, &key).unwrap();
        assert_eq!(storage.head().await.unwrap(), 0);
        drop(storage);
        assert_eq!(file_kind(&path), FileKind::Encrypted);
        let page: String = connect(&path, &key)
            .unwrap()
            .query_row("PRAGMA cipher_page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(page, "16384");
        let e = SqliteStorage::open(&path, &HqKey::random()).err().unwrap();
        assert!(matches!(e, StorageError::WrongKey(_)), "{e:?}");
        assert!(e.to_string().contains("the key does not open"), "{e}");
    }

    #[tokio::test]
    async fn what_is_committed_is_copied_from_the_wal_into_the_database_file_encrypted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hq.db");
        let key = HqKey::random();
        let storage = SqliteStorage::open(&path, &key).unwrap();
        let mut area = beatbook_domain::reference::demo_areas().remove(0);
        area.name = "A name to find in the database file".into();
        storage.put_area(&area).await.unwrap();
        storage.checkpoint.written();
        // Nothing here checkpoints: only the storage's own thread. The database file alone (a
        // copy without its WAL) holds the area once the WAL has been copied back into it.
        let copy = dir.path().join("copy.db");
        let in_file = || {
            std::fs::copy(&path, &copy).unwrap();
            let _ = std::fs::remove_file(dir.path().join("copy.db-wal"));
            let c = connect(&copy, &key).unwrap();
            c.query_row(
                "SELECT count(*) FROM areas WHERE body LIKE '%A name to find%'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_or(0)
                == 1
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !in_file() {
            assert!(
                std::time::Instant::now() < deadline,
                "the WAL was never copied back"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            std::fs::metadata(dir.path().join("hq.db-wal")).is_ok(),
            "the storage is still open, in WAL mode"
        );
        // Neither the file nor its WAL holds the name in clear.
        assert!(!holds(&path, &area.name));
        assert!(!holds(&dir.path().join("hq.db-wal"), &area.name));
    }
}
