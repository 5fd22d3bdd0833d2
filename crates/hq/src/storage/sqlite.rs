//! The embedded backend: one SQLite file, WAL, `synchronous=FULL`. Writes are serialised by
//! SQLite itself (one writer), so server sequences are handed out in commit order.

use super::{newest, PageStream, RecordOp, RecordPage};
use super::{
    AccessQuery, Change, Counts, DeviceRow, FrameworkRow, HqSessionRow, LoggedOp, OfficerRow,
    OpLogQuery, PushPlanner, RecordQuery, Result, SessionRow, Storage, StorageError,
};
use super::{ThrottleRow, ThrottleStep};
use crate::dashboard::audit::{AccessEntry, OpLogEntry};
use crate::dashboard::framework::TargetRow;
use crate::push::{Loaded, Plan, GENESIS};
use async_trait::async_trait;
use beatbook_domain::access::{audience, AccessFacts};
use beatbook_domain::area::Area;
use beatbook_domain::merge::RecordState;
use beatbook_domain::people::{Officer, Team};
use beatbook_domain::{DeviceId, OfficerId, Op, RecordId};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex};

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_change_feed.sql"),
    include_str!("../../migrations/sqlite/0003_access_log.sql"),
    include_str!("../../migrations/sqlite/0004_dashboard.sql"),
    include_str!("../../migrations/sqlite/0005_framework.sql"),
    include_str!("../../migrations/sqlite/0006_sign_in_throttle.sql"),
];

#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    checkpoint: Arc<super::checkpoint::Checkpointer>,
}

fn t(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_t(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| StorageError::Corrupt(format!("time {s:?}: {e}")))
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
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::Database(format!("{}: {e}", dir.display())))?;
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
             PRAGMA cache_size = -65536;",
        )?;
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let supported = MIGRATIONS.len() as i64;
        if found > supported {
            return Err(StorageError::NewerSchema { found, supported });
        }
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(found).unwrap_or_default())
        {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            super::checkpoint::WRITER_LIMIT_BYTES / page_size.max(512),
        )?;
        let checkpoint = Arc::new(super::checkpoint::Checkpointer::start(path)?);
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            checkpoint,
        })
    }

    /// Every row's JSON body of a reference table (`areas`, `teams`), in id order.
    async fn bodies<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        table: &'static str,
    ) -> Result<Vec<T>> {
        self.call(move |c| {
            let mut stmt = c.prepare(&format!("SELECT body FROM {table} ORDER BY id"))?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
        })
        .await
    }

    async fn officer_where(
        &self,
        column: &'static str,
        value: String,
    ) -> Result<Option<OfficerRow>> {
        self.call(move |c| {
            let row: Option<(String, Option<String>)> = c
                .query_row(
                    &format!("SELECT body, password_hash FROM officers WHERE {column} = ?1"),
                    [value],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(b, h)| officer_row(b, h)).transpose()
        })
        .await
    }

    async fn session_where(
        &self,
        column: &'static str,
        hash: String,
    ) -> Result<Option<SessionRow>> {
        self.call(move |c| {
            let row = c
                .query_row(
                    &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE {column} = ?1"),
                    [hash],
                    session_row,
                )
                .optional()?;
            row.map(to_session).transpose()
        })
        .await
    }

    /// Run `f` on the connection off the async runtime.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StorageError::Database("connection lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| StorageError::Database(format!("storage task failed: {e}")))?
    }
}

fn officer_row(body: String, hash: Option<String>) -> Result<OfficerRow> {
    Ok(OfficerRow {
        officer: serde_json::from_str(&body)?,
        password_hash: hash,
    })
}

type DeviceColumns = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn to_device(row: DeviceColumns) -> Result<DeviceRow> {
    let (id, name, secret_hash, app_version, enrolled, revoked, seen, next_seq) = row;
    Ok(DeviceRow {
        id: id
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("device id {id}")))?,
        name,
        secret_hash,
        app_version,
        enrolled_at: parse_t(&enrolled)?,
        revoked_at: revoked.as_deref().map(parse_t).transpose()?,
        last_seen_at: seen.as_deref().map(parse_t).transpose()?,
        next_seq: to_u64(next_seq),
    })
}

const DEVICE_COLUMNS: &str =
    "id, name, secret_hash, app_version, enrolled_at, revoked_at, last_seen_at, next_seq";

fn session_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String, String, String, String)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn to_session(row: (String, String, String, String, String, String)) -> Result<SessionRow> {
    let (access_hash, refresh_hash, officer, device, access_exp, refresh_exp) = row;
    Ok(SessionRow {
        access_hash,
        refresh_hash,
        officer_id: OfficerId::new(officer),
        device_id: device
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("device id {device}")))?,
        access_expires_at: parse_t(&access_exp)?,
        refresh_expires_at: parse_t(&refresh_exp)?,
    })
}

const SESSION_COLUMNS: &str =
    "access_hash, refresh_hash, officer_id, device_id, access_expires_at, refresh_expires_at";

#[async_trait]
impl Storage for SqliteStorage {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn put_area(&self, area: &Area) -> Result<()> {
        let (id, body) = (area.id.to_string(), serde_json::to_string(area)?);
        self.call(move |c| {
            c.execute("INSERT INTO areas (id, body) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET body = excluded.body", (id, body))?;
            Ok(())
        })
        .await
    }

    async fn put_team(&self, team: &Team) -> Result<()> {
        let (id, body) = (team.id.to_string(), serde_json::to_string(team)?);
        self.call(move |c| {
            c.execute("INSERT INTO teams (id, body) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET body = excluded.body", (id, body))?;
            Ok(())
        })
        .await
    }

    async fn put_officer(&self, officer: &Officer, password_hash: Option<&str>) -> Result<()> {
        let (id, collar, body) = (
            officer.id.to_string(),
            officer.collar_number.clone(),
            serde_json::to_string(officer)?,
        );
        let hash = password_hash.map(str::to_owned);
        self.call(move |c| {
            c.execute(
                "INSERT INTO officers (id, collar_number, body, password_hash) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET collar_number = excluded.collar_number, body = excluded.body,
                    password_hash = coalesce(excluded.password_hash, officers.password_hash)",
                (id, collar, body, hash),
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    StorageError::Conflict("another officer already has this collar number".into())
                }
                other => other.into(),
            })?;
            Ok(())
        })
        .await
    }

    async fn areas(&self) -> Result<Vec<Area>> {
        self.bodies("areas").await
    }

    async fn teams(&self) -> Result<Vec<Team>> {
        self.bodies("teams").await
    }

    async fn officer(&self, id: &OfficerId) -> Result<Option<OfficerRow>> {
        self.officer_where("id", id.to_string()).await
    }

    async fn officer_by_collar(&self, collar: &str) -> Result<Option<OfficerRow>> {
        self.officer_where("collar_number", collar.to_owned()).await
    }

    async fn add_enrolment_code(&self, code_hash: &str, expires_at: DateTime<Utc>) -> Result<()> {
        let (h, e) = (code_hash.to_owned(), t(expires_at));
        self.call(move |c| {
            c.execute(
                "INSERT INTO enrolment_codes (code_hash, expires_at) VALUES (?1, ?2)",
                (h, e),
            )?;
            Ok(())
        })
        .await
    }

    async fn enrol_device(
        &self,
        code_hash: &str,
        device: &DeviceRow,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let (h, d, now) = (code_hash.to_owned(), device.clone(), t(now));
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let used = tx.execute(
                "UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                (&h, &now, d.id.to_string()),
            )?;
            if used != 1 {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO devices (id, name, secret_hash, app_version, enrolled_at, chain_head) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (d.id.to_string(), d.name, d.secret_hash, d.app_version, t(d.enrolled_at), GENESIS),
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn device(&self, id: DeviceId) -> Result<Option<DeviceRow>> {
        self.call(move |c| {
            let row = c
                .query_row(
                    &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1"),
                    [id.to_string()],
                    device_row,
                )
                .optional()?;
            row.map(to_device).transpose()
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<DeviceRow>> {
        self.call(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at"
            ))?;
            let rows = stmt.query_map([], device_row)?;
            rows.map(|r| to_device(r?)).collect()
        })
        .await
    }

    async fn revoke_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<bool> {
        self.call(move |c| {
            // Sessions stay, so the device's next request is told it was revoked (and wipes),
            // rather than merely that its token is unknown.
            let n = c.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                (id.to_string(), t(now)),
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn touch_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<()> {
        self.call(move |c| {
            c.execute(
                "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1",
                (id.to_string(), t(now)),
            )?;
            Ok(())
        })
        .await
    }

    async fn put_session(&self, s: &SessionRow) -> Result<()> {
        let s = s.clone();
        self.call(move |c| {
            c.execute(
                &format!(
                    "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                ),
                (
                    s.access_hash,
                    s.refresh_hash,
                    s.officer_id.to_string(),
                    s.device_id.to_string(),
                    t(s.access_expires_at),
                    t(s.refresh_expires_at),
                ),
            )?;
            Ok(())
        })
        .await
    }

    async fn session_by_access(&self, access_hash: &str) -> Result<Option<SessionRow>> {
        self.session_where("access_hash", access_hash.to_owned())
            .await
    }

    async fn session_by_refresh(&self, refresh_hash: &str) -> Result<Option<SessionRow>> {
        self.session_where("refresh_hash", refresh_hash.to_owned())
            .await
    }

    async fn delete_session(&self, access_hash: &str) -> Result<()> {
        let h = access_hash.to_owned();
        self.call(move |c| {
            c.execute("DELETE FROM sessions WHERE access_hash = ?1", [h])?;
            Ok(())
        })
        .await
    }

    async fn push(&self, device: DeviceId, ops: &[Op], planner: PushPlanner) -> Result<Plan> {
        let ops: Vec<(u64, RecordId)> = ops.iter().map(|o| (o.device_seq, o.record_id)).collect();
        let checkpoint = self.checkpoint.clone();
        self.call(move |c| {
            let started = std::time::Instant::now();
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let dev = device.to_string();
            let (next_seq, chain_head): (i64, String) =
                tx.query_row("SELECT next_seq, chain_head FROM devices WHERE id = ?1", [&dev], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let mut loaded = Loaded { next_seq: to_u64(next_seq), chain_head, ..Loaded::default() };
            {
                let mut outcome = tx.prepare_cached("SELECT outcome FROM op_log WHERE device_id = ?1 AND device_seq = ?2")?;
                let mut state = tx.prepare_cached("SELECT state FROM records WHERE id = ?1")?;
                for &(device_seq, record_id) in &ops {
                    if device_seq < loaded.next_seq {
                        if let Some(o) = outcome.query_row((&dev, to_i64(device_seq)), |r| r.get::<_, String>(0)).optional()? {
                            loaded.logged.insert(device_seq, o);
                        }
                    }
                    if let std::collections::hash_map::Entry::Vacant(e) = loaded.states.entry(record_id) {
                        if let Some(s) = state.query_row([record_id.to_string()], |r| r.get::<_, String>(0)).optional()? {
                            e.insert(serde_json::from_str::<RecordState>(&s)?);
                        }
                    }
                }
            }
            let existed: std::collections::HashSet<RecordId> = loaded.states.keys().copied().collect();
            let head: String = tx.query_row("SELECT value FROM meta WHERE key = 'server_head'", [], |r| r.get(0))?;
            loaded.server_head = head.parse().map_err(|_| StorageError::Corrupt("server_head".into()))?;

            let loaded_at = started.elapsed();
            let plan = planner(loaded);
            let planned_at = started.elapsed();
            let now = t(Utc::now());
            {
                let mut log = tx.prepare_cached(
                    "INSERT INTO op_log (device_id, device_seq, record_id, kind, author, op, outcome, received_at, server_seq, prev_hash, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?;
                for row in &plan.log {
                    log.execute(rusqlite::params![
                        dev,
                        to_i64(row.device_seq),
                        row.record_id.to_string(),
                        row.kind.as_str(),
                        row.author.as_str(),
                        row.op_json,
                        row.outcome_json,
                        now,
                        row.server_seq.map(to_i64),
                        row.prev_hash,
                        row.hash,
                    ])?;
                }
                let mut rec = tx.prepare_cached(
                    "INSERT INTO records (id, kind, state, facts, server_seq, answered_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, state = excluded.state, facts = excluded.facts, server_seq = excluded.server_seq,
                       answered_ms = COALESCE(MIN(records.answered_ms, excluded.answered_ms), records.answered_ms, excluded.answered_ms)",
                )?;
                let mut old_keys = tx.prepare_cached("DELETE FROM record_audience WHERE record_id = ?1 RETURNING key")?;
                let mut file = tx.prepare_cached("INSERT INTO record_audience (key, server_seq, record_id) VALUES (?1, ?2, ?3)")?;
                for r in &plan.records {
                    let id = r.state.id.to_string();
                    rec.execute((&id, r.state.kind.as_str(), &r.state_json, serde_json::to_string(&r.facts)?, to_i64(r.server_seq), r.answered_ms.map(to_i64)))?;
                    let mut keys = audience(&r.facts);
                    if existed.contains(&r.state.id) {
                        // Keys stick, so whoever could see an earlier version hears of this one.
                        for key in old_keys.query_map([&id], |row| row.get::<_, String>(0))? {
                            keys.push(key?);
                        }
                        keys.sort();
                        keys.dedup();
                    }
                    for key in &keys {
                        file.execute((key, to_i64(r.server_seq), &id))?;
                    }
                }
            }
            tx.execute(
                "UPDATE devices SET next_seq = ?2, chain_head = ?3, last_seen_at = ?4 WHERE id = ?1",
                (&dev, to_i64(plan.next_seq), &plan.chain_head, &now),
            )?;
            tx.execute("UPDATE meta SET value = ?1 WHERE key = 'server_head'", [plan.server_head.to_string()])?;
            let written_at = started.elapsed();
            tx.commit()?;
            checkpoint.written();
            let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
            tracing::debug!(
                ops = ops.len(),
                load_ms = ms(loaded_at),
                plan_ms = ms(planned_at - loaded_at),
                write_ms = ms(written_at - planned_at),
                commit_ms = ms(started.elapsed() - written_at),
                "sqlite push"
            );
            Ok(plan)
        })
        .await
    }

    async fn changes_after(&self, after: u64, limit: u32) -> Result<Vec<Change>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached("SELECT server_seq, id, state, facts FROM records WHERE server_seq > ?1 ORDER BY server_seq LIMIT ?2")?;
            let rows = stmt.query_map((to_i64(after), i64::from(limit)), |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
            })?;
            rows.map(|r| {
                let (seq, id, state_json, facts) = r?;
                Ok(Change {
                    server_seq: to_u64(seq),
                    record_id: id.parse::<RecordId>().map_err(|_| StorageError::Corrupt(format!("record id {id}")))?,
                    state_json,
                    facts: serde_json::from_str::<AccessFacts>(&facts)?,
                })
            })
            .collect()
        })
        .await
    }

    async fn changes_for(&self, keys: &[String], after: u64, limit: u32) -> Result<Vec<Change>> {
        let keys = keys.to_vec();
        self.call(move |c| {
            // One index range per key, merged: the first `limit` distinct sequences after the cursor.
            let tx = c.transaction()?;
            let mut seqs = Vec::new();
            {
                let mut stmt = tx.prepare_cached(
                    "SELECT server_seq FROM record_audience WHERE key = ?1 AND server_seq > ?2 ORDER BY server_seq LIMIT ?3",
                )?;
                for key in &keys {
                    for seq in stmt.query_map((key, to_i64(after), i64::from(limit)), |r| r.get::<_, i64>(0))? {
                        seqs.push(seq?);
                    }
                }
            }
            seqs.sort_unstable();
            seqs.dedup();
            seqs.truncate(limit as usize);
            let mut changes = Vec::with_capacity(seqs.len());
            {
                let mut stmt = tx.prepare_cached("SELECT id, state, facts FROM records WHERE server_seq = ?1")?;
                for seq in seqs {
                    // Every filed sequence is a record's latest: stale rows go when it changes.
                    let (id, state_json, facts) = stmt.query_row([seq], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                    })?;
                    changes.push(Change {
                        server_seq: to_u64(seq),
                        record_id: id.parse::<RecordId>().map_err(|_| StorageError::Corrupt(format!("record id {id}")))?,
                        state_json,
                        facts: serde_json::from_str::<AccessFacts>(&facts)?,
                    });
                }
            }
            tx.commit()?;
            Ok(changes)
        })
        .await
    }

    async fn head(&self) -> Result<u64> {
        self.call(|c| {
            let v: String = c.query_row(
                "SELECT value FROM meta WHERE key = 'server_head'",
                [],
                |r| r.get(0),
            )?;
            v.parse()
                .map_err(|_| StorageError::Corrupt("server_head".into()))
        })
        .await
    }

    async fn op_log(&self, device: DeviceId) -> Result<Vec<LoggedOp>> {
        self.call(move |c| {
            let mut stmt = c.prepare(
                "SELECT device_seq, op, outcome, received_at, prev_hash, hash FROM op_log WHERE device_id = ?1 ORDER BY device_seq",
            )?;
            let rows = stmt.query_map([device.to_string()], |r| {
                Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?, r.get(5)?))
            })?;
            rows.map(|r| {
                let (seq, op_json, outcome_json, at, prev_hash, hash) = r?;
                Ok(LoggedOp { device_seq: to_u64(seq), op_json, outcome_json, received_at: parse_t(&at)?, prev_hash, hash })
            })
            .collect()
        })
        .await
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

    async fn log_access(&self, entry: &AccessEntry) -> Result<()> {
        let e = entry.clone();
        self.call(move |c| {
            c.prepare_cached(
                "INSERT INTO access_log (at, officer_id, device_id, action, record_ids, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute((
                t(e.at),
                e.officer_id.as_str(),
                e.device_id.map(|d| d.to_string()),
                &e.action,
                serde_json::to_string(&e.record_ids)?,
                &e.detail,
            ))?;
            Ok(())
        })
        .await
    }

    async fn access_log(&self, query: &AccessQuery) -> Result<Vec<AccessEntry>> {
        let q = query.clone();
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT at, officer_id, device_id, action, record_ids, detail FROM access_log
                 WHERE (?1 IS NULL OR officer_id = ?1) AND (?2 IS NULL OR device_id = ?2)
                   AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(access_log.record_ids) j WHERE j.value = ?3))
                   AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at <= ?5)
                 ORDER BY id DESC LIMIT ?6",
            )?;
            let rows = stmt.query_map(
                rusqlite::params![
                    q.officer_id.as_ref().map(|o| o.as_str().to_owned()),
                    q.device_id.map(|d| d.to_string()),
                    q.record_id.map(|r| r.to_string()),
                    q.from.map(t),
                    q.to.map(t),
                    i64::from(q.limit),
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )?;
            rows.map(|r| {
                let (at, officer, device, action, ids, detail) = r?;
                Ok(AccessEntry {
                    at: parse_t(&at)?,
                    officer_id: OfficerId::new(officer),
                    device_id: device
                        .map(|d| d.parse().map_err(|_| StorageError::Corrupt(format!("device id {d}"))))
                        .transpose()?,
                    action,
                    record_ids: serde_json::from_str(&ids)?,
                    detail,
                })
            })
            .collect()
        })
        .await
    }

    async fn officers(&self) -> Result<Vec<Officer>> {
        self.call(|c| {
            let mut stmt = c.prepare("SELECT body FROM officers ORDER BY collar_number")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
        })
        .await
    }

    async fn framework_rows(&self, query: &RecordQuery) -> Result<Vec<FrameworkRow>> {
        let q = query.clone();
        self.call(move |c| {
            let kinds: Vec<&str> = q.kinds.iter().map(|k| k.as_str()).collect();
            let kinds = serde_json::to_string(&kinds)?;
            let mut stmt = c.prepare_cached(
                "SELECT server_seq, id, state, facts, answered_ms FROM records
                 WHERE server_seq > ?1 AND (json_array_length(?2) = 0 OR kind IN (SELECT value FROM json_each(?2)))
                 ORDER BY server_seq LIMIT ?3",
            )?;
            let rows = stmt.query_map((to_i64(q.after), kinds, i64::from(q.limit)), |r| {
                Ok((change_columns(r)?, r.get::<_, Option<i64>>(4)?))
            })?;
            rows.map(|r| {
                let (cols, answered) = r?;
                Ok(FrameworkRow { change: to_change(cols)?, answered_ms: answered.map(to_u64) })
            })
            .collect()
        })
        .await
    }

    async fn record(&self, id: RecordId) -> Result<Option<Change>> {
        self.call(move |c| {
            let row = c
                .query_row(
                    "SELECT server_seq, id, state, facts FROM records WHERE id = ?1",
                    [id.to_string()],
                    change_columns,
                )
                .optional()?;
            row.map(to_change).transpose()
        })
        .await
    }

    async fn search_op_log(&self, query: &OpLogQuery) -> Result<Vec<OpLogEntry>> {
        let q = query.clone();
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT device_id, device_seq, record_id, kind, author, received_at, server_seq, outcome FROM op_log
                 WHERE (?1 IS NULL OR device_id = ?1) AND (?2 IS NULL OR record_id = ?2) AND (?3 IS NULL OR author = ?3)
                   AND (?4 IS NULL OR received_at >= ?4) AND (?5 IS NULL OR received_at <= ?5)
                 ORDER BY received_at DESC, device_id, device_seq DESC LIMIT ?6",
            )?;
            let rows = stmt.query_map(
                rusqlite::params![
                    q.device_id.map(|d| d.to_string()),
                    q.record_id.map(|r| r.to_string()),
                    q.author.as_ref().map(|a| a.as_str().to_owned()),
                    q.from.map(t),
                    q.to.map(t),
                    i64::from(q.limit),
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                        r.get::<_, String>(7)?,
                    ))
                },
            )?;
            rows.map(|r| {
                let (device, seq, record, kind, author, at, server_seq, outcome_json) = r?;
                Ok(OpLogEntry {
                    device_id: device.parse().map_err(|_| StorageError::Corrupt(format!("device id {device}")))?,
                    device_seq: to_u64(seq),
                    record_id: record.parse().map_err(|_| StorageError::Corrupt(format!("record id {record}")))?,
                    kind,
                    author: OfficerId::new(author),
                    received_at: parse_t(&at)?,
                    server_seq: server_seq.map(to_u64),
                    outcome_json,
                })
            })
            .collect()
        })
        .await
    }

    async fn put_hq_session(&self, session: &HqSessionRow) -> Result<()> {
        let s = session.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO hq_sessions (token_hash, officer_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                (s.token_hash, s.officer_id.as_str(), t(s.created_at), t(s.expires_at)),
            )?;
            Ok(())
        })
        .await
    }

    async fn hq_session(&self, token_hash: &str) -> Result<Option<HqSessionRow>> {
        let h = token_hash.to_owned();
        self.call(move |c| {
            let row = c
                .query_row(
                    "SELECT token_hash, officer_id, created_at, expires_at FROM hq_sessions WHERE token_hash = ?1",
                    [h],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)),
                )
                .optional()?;
            row.map(|(token_hash, officer, created, expires)| {
                Ok(HqSessionRow {
                    token_hash,
                    officer_id: OfficerId::new(officer),
                    created_at: parse_t(&created)?,
                    expires_at: parse_t(&expires)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn delete_hq_session(&self, token_hash: &str) -> Result<()> {
        let h = token_hash.to_owned();
        self.call(move |c| {
            c.execute("DELETE FROM hq_sessions WHERE token_hash = ?1", [h])?;
            Ok(())
        })
        .await
    }

    async fn put_target(&self, target: &TargetRow) -> Result<()> {
        let tr = target.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO framework_targets (scope, measure, target) VALUES (?1, ?2, ?3)
                 ON CONFLICT (scope, measure) DO UPDATE SET target = excluded.target",
                (tr.scope, tr.measure, tr.target),
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_target(&self, scope: &str, measure: &str) -> Result<()> {
        let (sc, m) = (scope.to_owned(), measure.to_owned());
        self.call(move |c| {
            c.execute(
                "DELETE FROM framework_targets WHERE scope = ?1 AND measure = ?2",
                (sc, m),
            )?;
            Ok(())
        })
        .await
    }

    async fn targets(&self) -> Result<Vec<TargetRow>> {
        self.call(|c| {
            let mut stmt = c.prepare(
                "SELECT scope, measure, target FROM framework_targets ORDER BY scope, measure",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(TargetRow {
                    scope: r.get(0)?,
                    measure: r.get(1)?,
                    target: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn throttles(&self, keys: &[String]) -> Result<Vec<ThrottleRow>> {
        let keys = serde_json::to_string(keys)?;
        self.call(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {THROTTLE_COLUMNS} FROM sign_in_throttle
                 WHERE key IN (SELECT value FROM json_each(?1)) ORDER BY key"
            ))?;
            let rows = stmt.query_map([keys], throttle_columns)?;
            rows.map(|r| to_throttle(r?)).collect()
        })
        .await
    }

    async fn update_throttle(&self, key: &str, step: ThrottleStep) -> Result<Option<ThrottleRow>> {
        let key = key.to_owned();
        self.call(move |c| {
            // IMMEDIATE: the write lock is taken before the read, so no other writer (another
            // process on the same file included) can change the row in between.
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let old = tx
                .query_row(
                    &format!("SELECT {THROTTLE_COLUMNS} FROM sign_in_throttle WHERE key = ?1"),
                    [&key],
                    throttle_columns,
                )
                .optional()?
                .map(to_throttle)
                .transpose()?;
            let new = step(old).map(|r| ThrottleRow { key: key.clone(), ..r });
            match &new {
                Some(r) => {
                    tx.execute(
                        "INSERT INTO sign_in_throttle (key, failures, since, lockouts, locked_until, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                           since = excluded.since, lockouts = excluded.lockouts,
                           locked_until = excluded.locked_until, updated_at = excluded.updated_at",
                        rusqlite::params![
                            r.key,
                            i64::from(r.failures),
                            t(r.since),
                            i64::from(r.lockouts),
                            r.locked_until.map(t),
                            t(r.updated_at),
                        ],
                    )?;
                }
                None => {
                    tx.execute("DELETE FROM sign_in_throttle WHERE key = ?1", [&key])?;
                }
            }
            tx.commit()?;
            Ok(new)
        })
        .await
    }

    async fn forget_throttles(&self, before: DateTime<Utc>) -> Result<u64> {
        self.call(move |c| {
            let n = c.execute(
                "DELETE FROM sign_in_throttle
                 WHERE updated_at < ?1 AND (locked_until IS NULL OR locked_until < ?1)",
                [t(before)],
            )?;
            Ok(n as u64)
        })
        .await
    }

    async fn records_before(&self, query: &RecordPage) -> Result<Vec<Change>> {
        let streams = query.streams();
        let before = query.before.map_or(i64::MAX, to_i64);
        let limit = query.limit;
        self.call(move |c| {
            // One read transaction: every stream and the rows come from the same snapshot.
            let tx = c.transaction()?;
            let lim = i64::from(limit);
            let mut seqs = Vec::new();
            for stream in &streams {
                let mut read = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> Result<()> {
                    let mut stmt = tx.prepare_cached(sql)?;
                    for seq in stmt.query_map(params, |r| r.get::<_, i64>(0))? {
                        seqs.push(seq?);
                    }
                    Ok(())
                };
                match stream {
                    PageStream::All => read(
                        "SELECT server_seq FROM records WHERE server_seq < ?1 ORDER BY server_seq DESC LIMIT ?2",
                        &[&before, &lim],
                    )?,
                    PageStream::Kind(kind) => read(
                        "SELECT server_seq FROM records WHERE kind = ?1 AND server_seq < ?2 ORDER BY server_seq DESC LIMIT ?3",
                        &[kind, &before, &lim],
                    )?,
                    PageStream::Filed { key, kinds } if kinds.is_empty() => read(
                        "SELECT server_seq FROM record_audience WHERE key = ?1 AND server_seq < ?2 ORDER BY server_seq DESC LIMIT ?3",
                        &[key, &before, &lim],
                    )?,
                    // CROSS JOIN keeps the feed's key range as the outer loop (SQLite does not
                    // reorder it), so the walk stops at `limit` whatever the kinds.
                    PageStream::Filed { key, kinds } => read(
                        "SELECT a.server_seq FROM record_audience a CROSS JOIN records r ON r.server_seq = a.server_seq
                         WHERE a.key = ?1 AND a.server_seq < ?2 AND r.kind IN (SELECT value FROM json_each(?3))
                         ORDER BY a.server_seq DESC LIMIT ?4",
                        &[key, &before, &serde_json::to_string(kinds)?, &lim],
                    )?,
                    PageStream::KindInAreas { kind, areas } => read(
                        "SELECT server_seq FROM records INDEXED BY records_by_kind
                         WHERE kind = ?1 AND server_seq < ?2
                           AND EXISTS (SELECT 1 FROM json_each(records.facts, '$.areas') j WHERE j.value IN (SELECT value FROM json_each(?3)))
                         ORDER BY server_seq DESC LIMIT ?4",
                        &[kind, &before, &serde_json::to_string(areas)?, &lim],
                    )?,
                }
            }
            let mut changes = Vec::new();
            {
                let mut stmt = tx.prepare_cached("SELECT server_seq, id, state, facts FROM records WHERE server_seq = ?1")?;
                for seq in newest(seqs, limit) {
                    changes.push(to_change(stmt.query_row([seq], change_columns)?)?);
                }
            }
            tx.commit()?;
            Ok(changes)
        })
        .await
    }

    async fn record_ops(&self, id: RecordId, limit: u32) -> Result<Vec<RecordOp>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT device_id, op, outcome, received_at FROM op_log WHERE record_id = ?1
                 ORDER BY received_at DESC, rowid DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map((id.to_string(), i64::from(limit)), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            let mut out = rows
                .map(|r| {
                    let (device, op_json, outcome_json, at) = r?;
                    Ok(RecordOp {
                        device_id: device
                            .parse()
                            .map_err(|_| StorageError::Corrupt(format!("device id {device}")))?,
                        op_json,
                        outcome_json,
                        received_at: parse_t(&at)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            out.reverse();
            Ok(out)
        })
        .await
    }
}

type ChangeColumns = (i64, String, String, String);

fn change_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChangeColumns> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn to_change((seq, id, state_json, facts): ChangeColumns) -> Result<Change> {
    Ok(Change {
        server_seq: to_u64(seq),
        record_id: id
            .parse::<RecordId>()
            .map_err(|_| StorageError::Corrupt(format!("record id {id}")))?,
        state_json,
        facts: serde_json::from_str::<AccessFacts>(&facts)?,
    })
}

const THROTTLE_COLUMNS: &str = "key, failures, since, lockouts, locked_until, updated_at";

type ThrottleColumns = (String, i64, String, i64, Option<String>, String);

fn throttle_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<ThrottleColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn to_throttle(row: ThrottleColumns) -> Result<ThrottleRow> {
    let (key, failures, since, lockouts, locked_until, updated_at) = row;
    Ok(ThrottleRow {
        key,
        failures: u32::try_from(failures).unwrap_or_default(),
        since: parse_t(&since)?,
        lockouts: u32::try_from(lockouts).unwrap_or_default(),
        locked_until: locked_until.as_deref().map(parse_t).transpose()?,
        updated_at: parse_t(&updated_at)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
