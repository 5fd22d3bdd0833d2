//! The device store: every record an officer holds, encrypted at rest with SQLCipher under a key
//! that their PIN unlocks, with the outbox of ops waiting for HQ and a full-text index.
//!
//! A local write is one SQLite transaction: the record's new state, its op in the outbox, the
//! device's clock and sequence, and the search index, together. The database runs in WAL mode with
//! `synchronous=FULL`, so a write that returned survives a power cut.
#![forbid(unsafe_code)]

mod actions;
mod error;
mod import;
pub mod keys;
mod lifecycle;
pub mod photo_metadata;
mod photos;
mod reads;
mod records;
mod schema;
pub mod sync_state;
mod tablet;

pub use error::StoreError;
pub use keys::{KdfSettings, MAX_PIN_ATTEMPTS, MIN_PIN_LEN};
pub use lifecycle::PullApplied;
pub use photo_metadata::strip_metadata;
pub use photos::PhotoUpload;
pub use records::{Pulled, StoredRecord, INDEX_CHUNK};
pub use schema::SCHEMA_VERSION;
pub use sync_state::{PushApplied, RejectedOp, SyncMeta, UNENROLLED};

use beatbook_domain::area::{areas_containing, Area, GeoPoint};
use beatbook_domain::{
    AreaId, DeviceId, Hlc, HlcClock, OfficerId, Op, OpAction, RecordId, RecordKind,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub const DB_FILE: &str = "beatbook.db";
pub(crate) const STORE_FILES: &[&str] = &[
    "beatbook.db",
    "beatbook.db-wal",
    "beatbook.db-shm",
    "beatbook.db-journal",
];

/// What a new store starts with.
#[derive(Clone, Debug)]
pub struct InitSettings {
    /// The officer whose device this is (until HQ enrolment names them).
    pub officer: OfficerId,
    pub kdf: KdfSettings,
    /// Reference areas for routing locations; HQ replaces them at sync.
    pub areas: Vec<Area>,
}

/// The device's identity and counters. Copied before a write and put back only after the
/// transaction commits, so a failed write leaves no gap in `device_seq`.
#[derive(Clone, Debug)]
struct DeviceState {
    device_id: DeviceId,
    officer: OfficerId,
    clock: HlcClock,
    next_seq: u64,
    /// HQ's clock less this tablet's, in milliseconds, as learnt at the last sync (`None` before
    /// the first): changes are stamped by HQ's time, whatever this tablet's clock says.
    hq_offset_ms: Option<i64>,
}

/// The meta key HQ's clock offset is kept under.
const HQ_OFFSET_KEY: &str = "hq_offset_ms";

/// `local_ms` corrected by `offset_ms` (HQ's clock less this one).
fn corrected(local_ms: u64, offset_ms: Option<i64>) -> u64 {
    let local = i64::try_from(local_ms).unwrap_or(i64::MAX);
    u64::try_from(local.saturating_add(offset_ms.unwrap_or(0))).unwrap_or(0)
}

impl DeviceState {
    fn next_op(&mut self, record_id: RecordId, kind: RecordKind, action: OpAction) -> Op {
        let op = Op {
            device_id: self.device_id,
            device_seq: self.next_seq,
            record_id,
            kind,
            author: self.officer.clone(),
            hlc: self.clock.tick(self.now_ms()),
            action,
        };
        self.next_seq += 1;
        op
    }

    /// Take in a stamp seen from HQ. A stamp more than a day ahead of this clock is not taken
    /// (a device with a wrong clock must not drag everyone into the future); merging still works.
    fn observe(&mut self, remote: Hlc) {
        let _ = self.clock.observe(remote, self.now_ms());
    }

    /// The time by HQ's clock, as this tablet's clock and the offset last learnt give it.
    fn now_ms(&self) -> u64 {
        corrected(now_ms(), self.hq_offset_ms)
    }

    fn load_offset(conn: &Connection) -> Result<Option<i64>, StoreError> {
        let v: Option<String> = conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([HQ_OFFSET_KEY], |r| r.get(0))
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok()))
    }

    /// Re-read the counters inside a write transaction: another handle on the same store (the
    /// CLI while the app runs, or the sync engine) may have written since this one opened.
    fn reload(&mut self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let mut stmt = tx.prepare_cached("SELECT value FROM meta WHERE key = ?1")?;
        let mut get = |k: &str| -> Result<u64, StoreError> {
            let v: String = stmt.query_row([k], |r| r.get(0))?;
            v.parse()
                .map_err(|_| StoreError::Corrupt(format!("meta value {k} is not a number")))
        };
        self.next_seq = get("next_seq")?;
        let last = Hlc::new(
            get("hlc_wall_ms")?,
            u32::try_from(get("hlc_counter")?)
                .map_err(|_| StoreError::Corrupt("hlc counter".into()))?,
        );
        if last > self.clock.last() {
            self.clock = HlcClock::starting_at(last);
        }
        drop(stmt);
        self.hq_offset_ms = Self::load_offset(tx)?;
        Ok(())
    }

    fn save(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let last = self.clock.last();
        let mut stmt = tx.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?;
        stmt.execute(("hlc_wall_ms", last.wall_ms.to_string()))?;
        stmt.execute(("hlc_counter", last.counter.to_string()))?;
        stmt.execute(("next_seq", self.next_seq.to_string()))?;
        if let Some(offset) = self.hq_offset_ms {
            stmt.execute((HQ_OFFSET_KEY, offset.to_string()))?;
        }
        Ok(())
    }
}

/// The database's settings as SQLite reports them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DbSettings {
    pub journal_mode: String,
    /// 2 is FULL.
    pub synchronous: String,
    pub schema_version: u32,
    pub cipher_version: String,
    pub cipher_page_size: String,
    pub cipher_hmac: String,
    /// 1: a deleted row's bytes are overwritten, not left in the file.
    pub secure_delete: String,
}

pub(crate) fn now_ms() -> u64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub struct Store {
    conn: Connection,
    dir: PathBuf,
    device: DeviceState,
    areas: Vec<Area>,
    /// When each record was last logged as opened by this handle (see `reads`).
    recent_views: reads::RecentViews,
}

impl Drop for Store {
    /// Close the keyed connection under the same lock that keying takes (see `keying`).
    fn drop(&mut self) {
        let _one_at_a_time = keying();
        if let Ok(placeholder) = Connection::open_in_memory() {
            drop(std::mem::replace(&mut self.conn, placeholder));
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("device_id", &self.device.device_id)
            .field("officer", &self.device.officer)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Whether `dir` holds a store.
    pub fn exists(dir: &Path) -> bool {
        keys::exists(dir)
    }

    /// Create a new store in `dir` (made if missing), locked by `pin`.
    pub fn init(dir: &Path, pin: &str, settings: InitSettings) -> Result<Store, StoreError> {
        Self::init_with_cipher(dir, pin, settings, keys::CipherSettings::NEW)
    }

    fn init_with_cipher(
        dir: &Path,
        pin: &str,
        settings: InitSettings,
        cipher: keys::CipherSettings,
    ) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)?;
        match (keys::exists(dir), dir.join(DB_FILE).exists()) {
            (true, true) => return Err(StoreError::AlreadyInitialised(dir.to_path_buf())),
            // Half of a store: an earlier init died part way. Nothing in it was ever usable.
            (true, false) | (false, true) => keys::wipe(dir)?,
            (false, false) => {}
        }
        for area in &settings.areas {
            let errs = area.validate();
            if !errs.is_empty() {
                return Err(StoreError::Invalid(errs));
            }
        }
        let key = keys::create(dir, pin, settings.kdf, cipher)?;
        let result = (|| {
            let mut conn = open_connection(dir, &key, cipher)?;
            schema::migrate(&mut conn)?;
            let device = DeviceState {
                device_id: DeviceId::new(),
                officer: settings.officer,
                clock: HlcClock::default(),
                next_seq: 1,
                hq_offset_ms: None,
            };
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('device_id', ?1), ('officer', ?2)",
                (device.device_id.to_string(), device.officer.as_str()),
            )?;
            device.save(&tx)?;
            records::replace_areas(&tx, &settings.areas)?;
            tx.commit()?;
            Ok(Store {
                conn,
                dir: dir.to_path_buf(),
                device,
                areas: settings.areas,
                recent_views: Default::default(),
            })
        })();
        if result.is_err() {
            // Leave no half-made store behind to confuse the next attempt.
            let _ = keys::wipe(dir);
        }
        result
    }

    /// Unlock the store in `dir` with `pin`.
    pub fn open(dir: &Path, pin: &str) -> Result<Store, StoreError> {
        if !dir.join(DB_FILE).exists() {
            return Err(StoreError::NotInitialised(dir.to_path_buf()));
        }
        let mut conn = match keys::unlock_staged(dir, pin)? {
            // A PIN change was interrupted after the re-key: finish it.
            Some(staged_key) => match open_connection(dir, &staged_key, keys::cipher(dir)?) {
                Ok(conn) => {
                    keys::finish_staged(dir)?;
                    conn
                }
                Err(_) => {
                    keys::discard_staged(dir)?;
                    open_connection(dir, &keys::unlock(dir, pin)?, keys::cipher(dir)?)?
                }
            },
            None => open_connection(dir, &keys::unlock(dir, pin)?, keys::cipher(dir)?)?,
        };
        schema::migrate(&mut conn)?;
        let meta = |k: &str| -> Result<String, StoreError> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::Corrupt(format!("meta value {k} is missing")))
        };
        let parse_u64 = |k: &str| -> Result<u64, StoreError> {
            meta(k)?
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("meta value {k} is not a number")))
        };
        let device = DeviceState {
            device_id: meta("device_id")?
                .parse()
                .map_err(|_| StoreError::Corrupt("device id".into()))?,
            officer: OfficerId::new(meta("officer")?),
            clock: HlcClock::starting_at(Hlc::new(
                parse_u64("hlc_wall_ms")?,
                u32::try_from(parse_u64("hlc_counter")?)
                    .map_err(|_| StoreError::Corrupt("hlc counter".into()))?,
            )),
            next_seq: parse_u64("next_seq")?,
            hq_offset_ms: DeviceState::load_offset(&conn)?,
        };
        let areas = records::load_areas(&conn)?;
        let store = Store {
            conn,
            dir: dir.to_path_buf(),
            device,
            areas,
            recent_views: Default::default(),
        };
        // An erasure cut off before its search-index optimise (see `lifecycle`) finishes now;
        // or, while another handle is writing (the app mid-sync), at that sync's end or the
        // next open: the store still opens.
        match store.finish_erasure() {
            Err(StoreError::Sqlite(e))
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) => {}
            other => {
                other?;
            }
        }
        Ok(store)
    }

    /// Destroy the store in `dir`. Nothing in it can be read afterwards.
    pub fn wipe(dir: &Path) -> Result<(), StoreError> {
        keys::wipe(dir)
    }

    /// Close this store and destroy it.
    pub fn wipe_and_close(mut self) -> Result<(), StoreError> {
        self.wipe_in_place()
    }

    /// Change the PIN. The database is re-encrypted under a new data key, so an old copy of the
    /// key file and the old PIN no longer open it.
    /// Destroy the store while a handle to it is held (HQ revoked the device mid-sync): the
    /// handle is left pointing at an empty in-memory database, and every file is removed.
    pub fn wipe_in_place(&mut self) -> Result<(), StoreError> {
        {
            let _one_at_a_time = keying();
            let old = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
            drop(old);
        }
        keys::wipe(&self.dir)
    }

    pub fn change_pin(dir: &Path, old: &str, new: &str) -> Result<(), StoreError> {
        keys::check_pin(new)?;
        let store = Store::open(dir, old)?;
        let new_key = keys::new_data_key();
        let staged = keys::stage(dir, &new_key, new)?;
        {
            let _one_at_a_time = keying();
            store.conn.execute_batch(&key_pragma("rekey", &new_key))?;
        }
        drop(store);
        keys::commit_staged(dir, staged)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn device_id(&self) -> DeviceId {
        self.device.device_id
    }

    pub fn officer(&self) -> &OfficerId {
        &self.device.officer
    }

    /// Take in HQ's time, read from an answer that reached this tablet when its own clock read
    /// `local_ms`: the hybrid clock moves forward to it (never back), and from now on changes are
    /// stamped by HQ's time, this tablet's clock corrected by the difference. A difference within
    /// a second of the one already kept changes nothing: the tablet already stamps by that time.
    pub fn learn_hq_time(&mut self, hq_ms: u64, local_ms: u64) -> Result<(), StoreError> {
        let hq = i64::try_from(hq_ms).unwrap_or(i64::MAX);
        let local = i64::try_from(local_ms).unwrap_or(i64::MAX);
        let offset = hq.saturating_sub(local);
        // Within a second of what this tablet already stamps by: nothing to write (a sync with
        // nothing to do stays one small write).
        let known = DeviceState::load_offset(&self.conn)?;
        if known.is_some_and(|k| k.abs_diff(offset) < 1_000) {
            return Ok(());
        }
        self.write(|_, device, _| {
            device.hq_offset_ms = Some(offset);
            device.clock.advance_to(hq_ms);
            Ok(())
        })
    }

    /// How far this tablet's clock is ahead of HQ's, in milliseconds (negative: behind), as
    /// learnt at the last sync; `None` before the first.
    pub fn clock_ahead_of_hq_ms(&self) -> Result<Option<i64>, StoreError> {
        // Read from the database: another handle (the sync engine's) may have learnt it.
        Ok(DeviceState::load_offset(&self.conn)?.map(i64::saturating_neg))
    }

    /// The last stamp of this tablet's hybrid clock.
    pub fn clock_last(&self) -> Hlc {
        self.device.clock.last()
    }

    /// The reference areas used for routing.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    /// Every area a point falls in.
    pub fn areas_at(&self, point: GeoPoint) -> Vec<AreaId> {
        areas_containing(point, &self.areas)
    }

    /// Replace the reference areas (HQ sends them at sync).
    pub fn set_areas(&mut self, areas: Vec<Area>) -> Result<(), StoreError> {
        for area in &areas {
            let errs = area.validate();
            if !errs.is_empty() {
                return Err(StoreError::Invalid(errs));
            }
        }
        let tx = self.conn.transaction()?;
        records::replace_areas(&tx, &areas)?;
        tx.commit()?;
        self.areas = areas;
        Ok(())
    }

    /// How many ops are waiting to go to HQ.
    pub fn pending_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// The oldest ops waiting to go to HQ, in device_seq order.
    pub fn pending_ops(&self, limit: usize) -> Result<Vec<Op>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.op FROM outbox o JOIN outbox_ops p ON p.device_seq = o.device_seq
             WHERE o.state = 'pending' ORDER BY o.device_seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            r.get::<_, String>(0)
        })?;
        rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
    }

    /// Up to `limit` ops waiting to go to HQ with a device_seq after `after`, oldest first, as
    /// `(device_seq, op JSON)` exactly as stored: the sync engine sends them on without decoding.
    pub fn pending_ops_json(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.device_seq, p.op FROM outbox o JOIN outbox_ops p ON p.device_seq = o.device_seq
             WHERE o.state = 'pending' AND o.device_seq > ?1 ORDER BY o.device_seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            (
                i64::try_from(after).unwrap_or(i64::MAX),
                i64::try_from(limit).unwrap_or(i64::MAX),
            ),
            |r| {
                Ok((
                    u64::try_from(r.get::<_, i64>(0)?).unwrap_or_default(),
                    r.get(1)?,
                ))
            },
        )?;
        rows.map(|r| Ok(r?)).collect()
    }

    /// How the database is set up, for diagnostics (`beatbook device status`).
    pub fn db_settings(&self) -> Result<DbSettings, StoreError> {
        let get = |sql: &str| {
            self.conn
                .query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        };
        let text = |v: rusqlite::types::Value| match v {
            rusqlite::types::Value::Text(t) => t,
            rusqlite::types::Value::Integer(i) => i.to_string(),
            other => format!("{other:?}"),
        };
        Ok(DbSettings {
            journal_mode: text(get("PRAGMA journal_mode")?),
            synchronous: text(get("PRAGMA synchronous")?),
            schema_version: text(get("PRAGMA user_version")?)
                .parse()
                .unwrap_or_default(),
            cipher_version: text(get("PRAGMA cipher_version")?),
            cipher_page_size: text(get("PRAGMA cipher_page_size")?),
            cipher_hmac: text(get("PRAGMA cipher_hmac_algorithm")?),
            secure_delete: text(get("PRAGMA secure_delete")?),
        })
    }

    /// Run raw SQL on the store, for tests that need to simulate a newer schema or a failing
    /// write. Not for application code.
    #[doc(hidden)]
    pub fn debug_execute(&self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }

    /// Run a local write: `f` gets a transaction and a copy of the device state; both are kept
    /// only if `f` succeeds and the transaction commits.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>, &mut DeviceState, &[Area]) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut device = self.device.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        device.reload(&tx)?;
        let out = f(&tx, &mut device, &self.areas)?;
        device.save(&tx)?;
        tx.commit()?;
        self.device = device;
        Ok(out)
    }
}

/// `PRAGMA key = "x'...'"` (or `rekey`), built without leaving copies of the key in memory.
fn key_pragma(pragma: &str, key: &keys::DataKey) -> Zeroizing<String> {
    let mut hex_key = Zeroizing::new([0u8; 64]);
    // 32 bytes always encode to exactly 64 hex digits.
    let _ = hex::encode_to_slice(key.as_ref(), hex_key.as_mut());
    let mut sql = Zeroizing::new(String::with_capacity(100));
    sql.push_str("PRAGMA ");
    sql.push_str(pragma);
    sql.push_str(" = \"x'");
    sql.push_str(std::str::from_utf8(hex_key.as_ref()).unwrap_or_default());
    sql.push_str("'\";");
    sql
}

/// Held while a SQLCipher connection is keyed, re-keyed or closed. A run of the test suite once
/// saw SQLCipher refuse a valid key ("PRAGMA key requires a key of one or more characters") while
/// other threads were opening and closing stores; these steps are quick, so doing them one at a
/// time costs nothing noticeable.
fn keying() -> std::sync::MutexGuard<'static, ()> {
    static KEYING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    KEYING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn open_connection(
    dir: &Path,
    key: &keys::DataKey,
    cipher: keys::CipherSettings,
) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        dir.join(DB_FILE),
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let cipher_version: Option<String> = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .optional()?;
    if cipher_version.is_none() {
        return Err(StoreError::Crypto(
            "this build's SQLite has no SQLCipher: refusing to store data unencrypted".into(),
        ));
    }
    {
        let _one_at_a_time = keying();
        // SQLCipher reports a wrong key on stderr by default; the error returned below says it better.
        let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
        conn.execute_batch(&key_pragma("key", key))?;
        conn.execute_batch(&format!(
            "PRAGMA cipher_page_size = {}; PRAGMA cipher_hmac_algorithm = {};",
            cipher.page_size,
            cipher.hmac.pragma_value()
        ))?;
        // The first read proves the key: a wrong one reads as "not a database".
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| {
            StoreError::Corrupt(format!(
                "the database cannot be decrypted with its key: {e}"
            ))
        })?;
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "could not switch to WAL (journal mode is {mode})"
        )));
    }
    // secure_delete: a deleted row's bytes are overwritten in the page, not left in free space,
    // so a record disposed of or dropped is gone from the file (see `lifecycle`).
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;
         PRAGMA secure_delete = ON;",
    )?;
    // A pulled page of 2,000 records writes about 6 MB. With SQLite's default 2 MB page cache
    // it would spill pages to the WAL mid-transaction, encrypting many of them twice; and a
    // checkpoint after every commit past 1,000 pages would decrypt and encrypt each page again
    // within the pull. So the cache holds a page's writes (16 MiB at most), and the WAL is
    // copied back after a sync's pull ([`Store::checkpoint`]) or once it passes 64 MiB; the
    // file is cut back to 16 MiB after.
    conn.execute_batch(
        "PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 16384;
         PRAGMA journal_size_limit = 16777216;",
    )?;
    Ok(conn)
}

#[cfg(test)]
mod format_tests {
    use super::*;
    use beatbook_domain::concern::NewConcern;

    fn settings() -> InitSettings {
        InitSettings {
            officer: OfficerId::new("PC4127"),
            kdf: KdfSettings::INSECURE_FAST,
            areas: beatbook_domain::reference::demo_areas(),
        }
    }

    fn concern() -> NewConcern {
        let line = include_str!("../../../tests/fixtures/concerns.ndjson")
            .lines()
            .next()
            .unwrap();
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        v.as_object_mut().unwrap().remove("id");
        serde_json::from_value(v).unwrap()
    }

    fn key_file(dir: &Path) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(keys::KEY_FILE)).unwrap()).unwrap()
    }

    #[test]
    fn a_new_store_keeps_its_cipher_settings_in_the_key_file_and_opens_with_them() {
        let dir = tempfile::tempdir().unwrap();
        let id = Store::init(dir.path(), "246810", settings())
            .unwrap()
            .add_concern(concern())
            .unwrap();
        let file = key_file(dir.path());
        assert_eq!(file["page_size"], 16_384);
        assert_eq!(file["hmac"], "HMAC_SHA256");
        let store = Store::open(dir.path(), "246810").unwrap();
        let pragma = |name: &str| -> String {
            store
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(pragma("cipher_page_size"), "16384");
        assert_eq!(pragma("cipher_hmac_algorithm"), "HMAC_SHA256");
        assert!(store.state(id).is_ok());
        // A PIN change keeps them.
        drop(store);
        Store::change_pin(dir.path(), "246810", "135790").unwrap();
        let file = key_file(dir.path());
        assert_eq!(file["page_size"], 16_384);
        assert_eq!(file["hmac"], "HMAC_SHA256");
        assert!(Store::open(dir.path(), "135790").unwrap().state(id).is_ok());
    }

    #[test]
    fn a_store_made_before_the_key_file_named_its_cipher_settings_still_opens() {
        let dir = tempfile::tempdir().unwrap();
        let id = Store::init_with_cipher(
            dir.path(),
            "246810",
            settings(),
            keys::CipherSettings::LEGACY,
        )
        .unwrap()
        .add_concern(concern())
        .unwrap();
        // An older key file: no page size or HMAC in it (SQLCipher's defaults were used).
        let mut file = key_file(dir.path());
        file.as_object_mut().unwrap().remove("page_size");
        file.as_object_mut().unwrap().remove("hmac");
        std::fs::write(dir.path().join(keys::KEY_FILE), file.to_string()).unwrap();
        let store = Store::open(dir.path(), "246810").unwrap();
        let hmac: String = store
            .conn
            .query_row("PRAGMA cipher_hmac_algorithm", [], |r| r.get(0))
            .unwrap();
        assert_eq!(hmac, "HMAC_SHA512");
        assert!(store.state(id).is_ok());
        // A PIN change writes them down, as they were.
        drop(store);
        Store::change_pin(dir.path(), "246810", "135790").unwrap();
        let file = key_file(dir.path());
        assert_eq!(file["page_size"], 4_096);
        assert_eq!(file["hmac"], "HMAC_SHA512");
        assert!(Store::open(dir.path(), "135790").unwrap().state(id).is_ok());
    }

    #[test]
    fn a_key_file_naming_the_wrong_cipher_settings_does_not_open_the_store() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::init(dir.path(), "246810", settings()).unwrap());
        let original = key_file(dir.path());
        let opened_with = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut file = original.clone();
            change(&mut file);
            std::fs::write(dir.path().join(keys::KEY_FILE), file.to_string()).unwrap();
            Store::open(dir.path(), "246810").err().unwrap().to_string()
        };
        let err = opened_with(&|f| f["page_size"] = 4_096.into());
        assert!(err.contains("cannot be decrypted"), "{err}");
        let err = opened_with(&|f| f["page_size"] = 1_000.into());
        assert!(err.contains("page size of 1000"), "{err}");
        let err = opened_with(&|f| f["hmac"] = "HMAC_SHA512".into());
        assert!(err.contains("cannot be decrypted"), "{err}");
        let err = opened_with(&|f| f["hmac"] = "HMAC_MD5".into());
        assert!(err.contains("key file"), "{err}");
        // Put right, it opens (nothing was wiped or counted against the PIN).
        std::fs::write(dir.path().join(keys::KEY_FILE), original.to_string()).unwrap();
        assert!(Store::open(dir.path(), "246810").is_ok());
    }

    #[test]
    fn a_store_of_schema_5_forgets_acknowledged_op_texts_and_keeps_their_history_in_words() {
        use beatbook_domain::protocol::{OpOutcome, OpResult};
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::init(dir.path(), "246810", settings()).unwrap();
        let id = store.add_concern(concern()).unwrap();
        let mut c = store
            .get::<beatbook_domain::concern::Concern>(id)
            .unwrap()
            .record;
        c.description = "Street light out again".into();
        store.update_concern(id, c).unwrap();
        let waiting = store.add_concern(concern()).unwrap();
        // Schema 5: no words on outbox rows, no dropped records, no read log; acknowledged texts
        // were kept.
        store
            .conn
            .execute_batch(
                "UPDATE outbox SET state = 'acked' WHERE device_seq IN (1, 2);
                 ALTER TABLE outbox DROP COLUMN what;
                 ALTER TABLE outbox DROP COLUMN disposed;
                 DROP INDEX records_by_updated;
                 DROP TABLE dropped;
                 DELETE FROM meta WHERE key = 'fts_optimize_pending';
                 DROP TABLE read_log;
                 PRAGMA user_version = 5;",
            )
            .unwrap();
        drop(store);
        let mut store = Store::open(dir.path(), "246810").unwrap();
        let texts: Vec<i64> = store
            .conn
            .prepare("SELECT device_seq FROM outbox_ops ORDER BY device_seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(texts, vec![3], "only the text still waiting for HQ is kept");
        let what: Vec<String> = store
            .record_detail(id)
            .unwrap()
            .history
            .into_iter()
            .map(|h| h.what)
            .collect();
        assert_eq!(what, vec!["Created", "Changed description"]);
        assert_eq!(
            store.record_detail(waiting).unwrap().history[0].what,
            "Created"
        );
        // The search index was optimised on opening (the migration asks for it once).
        assert!(!store.erasure_pending().unwrap());
        // And the op still waiting goes, then loses its text too.
        store
            .apply_push_results(
                &[OpResult {
                    device_seq: 3,
                    outcome: OpOutcome::Applied { server_seq: 3 },
                }],
                4,
            )
            .unwrap();
        let left: i64 = store
            .conn
            .query_row("SELECT count(*) FROM outbox_ops", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn a_store_of_schema_3_opens_and_keeps_its_records_and_ops() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::init(dir.path(), "246810", settings()).unwrap();
        let id = store.add_concern(concern()).unwrap();
        let ops = store.pending_ops_json(0, 10).unwrap();
        assert_eq!(ops.len(), 1);
        // Schema 3 kept each record's body beside its state, and each op in its outbox row (and
        // had no read log).
        store
            .conn
            .execute_batch(
                "ALTER TABLE outbox DROP COLUMN what;
                 ALTER TABLE outbox DROP COLUMN disposed;
                 DROP INDEX records_by_updated;
                 DROP TABLE dropped;
                 ALTER TABLE records ADD COLUMN body TEXT NOT NULL DEFAULT '{}';
                 ALTER TABLE outbox ADD COLUMN op TEXT;
                 UPDATE outbox SET op = (SELECT op FROM outbox_ops p WHERE p.device_seq = outbox.device_seq);
                 DROP TABLE outbox_ops;
                 DROP TABLE read_log;
                 PRAGMA user_version = 3;",
            )
            .unwrap();
        drop(store);
        let store = Store::open(dir.path(), "246810").unwrap();
        let columns: Vec<String> = store
            .conn
            .prepare("SELECT name FROM pragma_table_info('records')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!columns.contains(&"body".to_owned()), "{columns:?}");
        let listed = store.list(&Default::default()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, id);
        assert_eq!(listed[0].body["description"], concern().description);
        assert_eq!(store.pending_ops_json(0, 10).unwrap(), ops);
        assert_eq!(store.pending_count().unwrap(), 1);
    }
}

#[cfg(test)]
mod clock_tests {
    //! The tablet's clock against HQ's: it moves forward to HQ's time (never back) and stamps
    //! changes by HQ's time once it has learnt it.
    use super::*;
    use beatbook_domain::concern::NewConcern;

    const HOUR: u64 = 3_600_000;

    fn store(dir: &Path) -> Store {
        Store::init(
            dir,
            "246810",
            InitSettings {
                officer: OfficerId::new("PC4127"),
                kdf: KdfSettings::INSECURE_FAST,
                areas: beatbook_domain::reference::demo_areas(),
            },
        )
        .unwrap()
    }

    fn concern() -> NewConcern {
        serde_json::from_value(serde_json::json!({
            "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
            "description": "Street drinking by the station",
            "location": {"lat": 51.539, "lon": -0.1426, "place": "Camden Town station"},
        }))
        .unwrap()
    }

    /// The stamp of the newest op waiting for HQ.
    fn last_stamp(s: &Store) -> u64 {
        s.pending_ops(1_000).unwrap().last().unwrap().hlc.wall_ms
    }

    #[test]
    fn a_tablet_23_hours_fast_stamps_its_changes_by_hqs_time_once_it_has_learnt_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        assert_eq!(s.clock_ahead_of_hq_ms().unwrap(), None);
        // HQ's answer says it is 23 hours earlier than this tablet thinks.
        let local = now_ms();
        let hq = local - 23 * HOUR;
        s.learn_hq_time(hq, local).unwrap();
        let ahead = s.clock_ahead_of_hq_ms().unwrap().unwrap();
        assert_eq!(ahead, i64::try_from(23 * HOUR).unwrap());
        s.add_concern(concern()).unwrap();
        let stamp = last_stamp(&s);
        assert!(
            stamp >= hq && stamp < hq + 60_000,
            "stamped {stamp}, HQ's time {hq}"
        );
        // It is kept: a reopened store stamps by HQ's time too.
        drop(s);
        let mut s = Store::open(dir.path(), "246810").unwrap();
        assert_eq!(s.clock_ahead_of_hq_ms().unwrap(), Some(ahead));
        s.add_concern(concern()).unwrap();
        let next = last_stamp(&s);
        assert!(next > stamp && next < hq + 60_000, "{next}");
    }

    #[test]
    fn a_slow_tablets_clock_moves_forward_to_hqs_time_and_never_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let local = now_ms();
        // This tablet is two hours slow.
        let hq = local + 2 * HOUR;
        s.learn_hq_time(hq, local).unwrap();
        assert!(s.clock_last() >= Hlc::new(hq, 0));
        assert_eq!(
            s.clock_ahead_of_hq_ms().unwrap(),
            Some(-i64::try_from(2 * HOUR).unwrap())
        );
        s.add_concern(concern()).unwrap();
        let first = last_stamp(&s);
        assert!(first >= hq, "{first} < {hq}");

        // HQ's time read from an older answer (or a clock corrected since) never moves the clock
        // back: the next change still sorts after the last.
        s.learn_hq_time(local - HOUR, local).unwrap();
        assert!(s.clock_last().wall_ms >= first);
        s.add_concern(concern()).unwrap();
        let second = s.pending_ops(10).unwrap()[1].hlc;
        assert!(second > s.pending_ops(10).unwrap()[0].hlc);
    }

    #[test]
    fn another_handle_learns_the_offset_at_its_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = store(dir.path());
        let mut b = Store::open(dir.path(), "246810").unwrap();
        let local = now_ms();
        a.learn_hq_time(local - 5 * HOUR, local).unwrap();
        assert!(b.clock_ahead_of_hq_ms().unwrap().is_some());
        b.add_concern(concern()).unwrap();
        let stamp = last_stamp(&b);
        assert!(stamp < local - 4 * HOUR, "{stamp}");
    }
}
