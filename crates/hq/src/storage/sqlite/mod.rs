//! The embedded backend: one SQLite file, WAL, `synchronous=FULL`, `secure_delete` (what a
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
use async_trait::async_trait;
use beatbook_domain::{DeviceId, RecordId};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;
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

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
                action: format!("creating {}", dir.display()),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        // A new database gets 16 KiB pages: HQ's rows are an op or a record state of 1 to 2 KB
        // each, and bigger pages mean fewer page splits and WAL frames per push. A database made
        // with another page size keeps it (changing it would rewrite the whole file).
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables == 0 {
            conn.execute_batch("PRAGMA page_size = 16384;")?;
        }
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;
             PRAGMA cache_size = -65536; PRAGMA secure_delete = ON;",
        )?;
        migrations::run(&mut conn)?;
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            checkpoint::WRITER_LIMIT_BYTES / page_size.max(512),
        )?;
        let checkpoint = Arc::new(checkpoint::Checkpointer::start(path)?);
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

    fn page_size(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    }

    #[tokio::test]
    async fn a_new_database_gets_16_kib_pages_and_an_older_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.db");
        let storage = SqliteStorage::open(&new).unwrap();
        assert_eq!(storage.head().await.unwrap(), 0);
        drop(storage);
        assert_eq!(page_size(&new), 16_384);

        let old = dir.path().join("old.db");
        Connection::open(&old)
            .unwrap()
            .execute_batch("PRAGMA page_size = 4096; CREATE TABLE made_before (x);")
            .unwrap();
        let storage = SqliteStorage::open(&old).unwrap();
        assert_eq!(storage.head().await.unwrap(), 0);
        drop(storage);
        assert_eq!(page_size(&old), 4_096);
    }

    #[tokio::test]
    async fn what_is_committed_is_copied_from_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hq.db");
        let storage = SqliteStorage::open(&path).unwrap();
        let mut area = beatbook_domain::reference::demo_areas().remove(0);
        area.name = "A name to find in the database file".into();
        storage.put_area(&area).await.unwrap();
        storage.checkpoint.written();
        // HQ's database is not encrypted: the name shows in the file's bytes once the WAL has
        // been copied back into it. Nothing here checkpoints: only the storage's own thread.
        let in_file = || {
            let bytes = std::fs::read(&path).unwrap();
            bytes
                .windows(area.name.len())
                .any(|w| w == area.name.as_bytes())
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
    }
}
