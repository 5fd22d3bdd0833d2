//! The PostgreSQL backend, for a force: several stateless HQ processes on one database.
//!
//! Server sequences must be handed out in commit order, or a reader pulling `server_seq > cursor`
//! could pass a row that commits later with a lower number. Every push therefore takes the same
//! transaction-scoped advisory lock before it reads `server_head`, and holds it until it commits:
//! pushes to the same tables are serialised across every HQ process, and a push's rows are visible
//! before the next push can read the head it left. A batch is written in a handful of statements
//! whatever its size (binary COPY for the op log and new records, arrays for the rest).
//!
//! The URL may carry `schema=NAME`: HQ then keeps its tables in that schema (created if missing)
//! and sets `search_path` on every pooled connection. Tests use it to isolate themselves.

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
use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::{Hook, HookError, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::collections::HashSet;
use std::time::Duration;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{Json, Type};
use tokio_postgres::{IsolationLevel, NoTls, Row};
use uuid::Uuid;

/// Append-only: a shipped migration is never edited, a change is a new file.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_change_feed.sql"),
    include_str!("../../migrations/postgres/0003_access_log.sql"),
    include_str!("../../migrations/postgres/0004_dashboard.sql"),
    include_str!("../../migrations/postgres/0005_framework.sql"),
    include_str!("../../migrations/postgres/0006_sign_in_throttle.sql"),
];

/// Advisory lock keys (class, then object). Migrations take one lock for the whole database;
/// pushes take one per schema (the object key is a hash of the schema the tables live in), so
/// every HQ process writing the same tables queues on the same lock.
const MIGRATION_LOCK: i64 = 0x6265_6174_626f_6f6b; // "beatbook"
const PUSH_LOCK_CLASS: i32 = 0x6270_7368; // "bpsh"
/// Sign-in throttle rows are changed under a lock on their key (class, then `hashtext(key)`), which
/// also covers a row that does not exist yet.
const THROTTLE_LOCK_CLASS: i32 = 0x6274_6872; // "bthr"

const POOL_SIZE: usize = 8;

#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

/// Times are kept to the millisecond, as the SQLite backend keeps them, so both answer alike.
fn ms(d: DateTime<Utc>) -> DateTime<Utc> {
    d.trunc_subsecs(3)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

fn db(e: tokio_postgres::Error) -> StorageError {
    match e.as_db_error() {
        Some(d) => StorageError::Database(d.to_string()),
        None => StorageError::Database(e.to_string()),
    }
}

fn pool_err(e: deadpool_postgres::PoolError) -> StorageError {
    StorageError::Database(format!("PostgreSQL: {e}"))
}

/// Split `schema=NAME` off a connection URL's query string. The name must be a plain identifier.
fn split_schema(url: &str) -> Result<(String, Option<String>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None));
    };
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("schema=") {
            Some(name) => schema = Some(name.to_owned()),
            None => rest.push(pair),
        }
    }
    if let Some(name) = &schema {
        let mut chars = name.chars();
        let ok = name.len() <= 63
            && chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(StorageError::Database(format!(
                "schema {name:?} in the database URL: use letters, digits and _ only"
            )));
        }
    }
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, schema))
}

impl PostgresStorage {
    /// Every row's JSON body of a reference table (`areas`, `teams`), in id order.
    async fn bodies<T: serde::de::DeserializeOwned>(&self, table: &'static str) -> Result<Vec<T>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!("SELECT body::text FROM {table} ORDER BY id COLLATE \"C\""),
                &[],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| Ok(serde_json::from_str(r.get::<_, &str>(0))?))
            .collect()
    }

    async fn officer_where(&self, column: &'static str, value: &str) -> Result<Option<OfficerRow>> {
        self.client()
            .await?
            .query_opt(
                &format!("SELECT body::text, password_hash FROM officers WHERE {column} = $1"),
                &[&value],
            )
            .await
            .map_err(db)?
            .as_ref()
            .map(officer_row)
            .transpose()
    }

    /// Connect a pool to `url` (`postgres://...`, optionally `?schema=NAME`) and bring the schema
    /// up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        let (url, schema) = split_schema(url)?;
        let pg_config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StorageError::Database(format!("the PostgreSQL URL is not valid: {e}")))?;
        let manager = Manager::from_config(
            pg_config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let mut builder = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(Duration::from_secs(60)));
        if let Some(name) = &schema {
            let set_path = format!("SET search_path TO \"{name}\"");
            builder = builder.post_create(Hook::async_fn(move |client, _| {
                let sql = set_path.clone();
                Box::pin(
                    async move { client.batch_execute(&sql).await.map_err(HookError::Backend) },
                )
            }));
        }
        let pool = builder
            .build()
            .map_err(|e| StorageError::Database(format!("PostgreSQL pool: {e}")))?;
        let storage = Self { pool };
        storage.migrate(schema.as_deref()).await?;
        Ok(storage)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_err)
    }

    /// Create the schema if asked for and apply pending migrations, in one transaction under an
    /// advisory lock, so HQ processes starting together do not race.
    async fn migrate(&self, schema: Option<&str>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db)?;
        if let Some(name) = schema {
            tx.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS \"{name}\"; SET search_path TO \"{name}\";"
            ))
            .await
            .map_err(db)?;
        }
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version    BIGINT PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )",
        )
        .await
        .map_err(db)?;
        let found: i64 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                &[],
            )
            .await
            .map_err(db)?
            .get(0);
        let supported = MIGRATIONS.len() as i64;
        if found > supported {
            return Err(StorageError::NewerSchema { found, supported });
        }
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(found).unwrap_or_default())
        {
            tx.batch_execute(sql).await.map_err(db)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&(i as i64 + 1)],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }
}

fn officer_row(row: &Row) -> Result<OfficerRow> {
    Ok(OfficerRow {
        officer: serde_json::from_str(row.get::<_, &str>(0))?,
        password_hash: row.get(1),
    })
}

const DEVICE_COLUMNS: &str =
    "id, name, secret_hash, app_version, enrolled_at, revoked_at, last_seen_at, next_seq";

fn to_device(r: &Row) -> DeviceRow {
    DeviceRow {
        id: DeviceId(r.get(0)),
        name: r.get(1),
        secret_hash: r.get(2),
        app_version: r.get(3),
        enrolled_at: r.get(4),
        revoked_at: r.get(5),
        last_seen_at: r.get(6),
        next_seq: to_u64(r.get(7)),
    }
}

const SESSION_COLUMNS: &str =
    "access_hash, refresh_hash, officer_id, device_id, access_expires_at, refresh_expires_at";

fn to_session(r: &Row) -> SessionRow {
    SessionRow {
        access_hash: r.get(0),
        refresh_hash: r.get(1),
        officer_id: OfficerId::new(r.get::<_, String>(2)),
        device_id: DeviceId(r.get(3)),
        access_expires_at: r.get(4),
        refresh_expires_at: r.get(5),
    }
}

const LOAD_OUTCOMES: &str =
    "SELECT device_seq, outcome FROM op_log WHERE device_id = $1 AND device_seq = ANY($2)";
const LOAD_STATES: &str = "SELECT id, state FROM records WHERE id = ANY($1)";
const COPY_LOG: &str = "COPY op_log (device_id, device_seq, record_id, kind, author, op, outcome,
    received_at, server_seq, prev_hash, hash) FROM STDIN BINARY";
const LOG_TYPES: &[Type] = &[
    Type::UUID,
    Type::INT8,
    Type::UUID,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
];
const COPY_RECORDS: &str =
    "COPY records (id, kind, state, facts, server_seq, answered_ms) FROM STDIN BINARY";
const RECORD_TYPES: &[Type] = &[
    Type::UUID,
    Type::TEXT,
    Type::TEXT,
    Type::JSONB,
    Type::INT8,
    Type::INT8,
];
/// Re-files records already held at their new sequence under the keys they had (keys stick).
const REFILE_HELD: &str = "WITH old AS (
        DELETE FROM record_audience WHERE record_id = ANY($1::uuid[]) RETURNING key, record_id)
    INSERT INTO record_audience (key, server_seq, record_id)
    SELECT old.key, t.seq, t.id FROM old JOIN UNNEST($1::uuid[], $2::bigint[]) AS t(id, seq)
        ON t.id = old.record_id
    ON CONFLICT DO NOTHING";
const FILE_RECORDS: &str = "INSERT INTO record_audience (key, server_seq, record_id)
    SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::uuid[]) ON CONFLICT DO NOTHING";
/// The first `limit` changes after the cursor under any of the keys: one index range per key,
/// each cut at `limit`, merged.
const CHANGES_FOR: &str = "SELECT r.server_seq, r.id, r.state, r.facts::text FROM records r
    JOIN (SELECT DISTINCT x.s FROM unnest($1::text[]) AS k(key),
            LATERAL (SELECT a.server_seq AS s FROM record_audience a
                     WHERE a.key = k.key AND a.server_seq > $2 ORDER BY a.server_seq LIMIT $3) x
          ORDER BY x.s LIMIT $3) f ON r.server_seq = f.s
    ORDER BY r.server_seq";
/// `LEAST` ignores NULLs, so a concern's first answer is kept.
const UPDATE_RECORDS: &str = "UPDATE records AS r
    SET kind = t.kind, state = t.state, facts = t.facts, server_seq = t.seq,
        answered_ms = LEAST(r.answered_ms, t.answered)
    FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::bigint[], $6::bigint[])
        AS t(id, kind, state, facts, seq, answered)
    WHERE r.id = t.id";

/// A change feed row: `server_seq, id, state, facts::text`.
fn change_of(r: &Row) -> Result<Change> {
    Ok(Change {
        server_seq: to_u64(r.get(0)),
        record_id: RecordId(r.get(1)),
        state_json: r.get(2),
        facts: serde_json::from_str::<AccessFacts>(r.get(3))?,
    })
}

#[async_trait]
impl Storage for PostgresStorage {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn put_area(&self, area: &Area) -> Result<()> {
        let body = serde_json::to_string(area)?;
        self.client()
            .await?
            .execute(
                "INSERT INTO areas (id, body) VALUES ($1, $2::text::jsonb)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                &[&area.id.as_str(), &body],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn put_team(&self, team: &Team) -> Result<()> {
        let body = serde_json::to_string(team)?;
        self.client()
            .await?
            .execute(
                "INSERT INTO teams (id, body) VALUES ($1, $2::text::jsonb)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                &[&team.id.as_str(), &body],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn put_officer(&self, officer: &Officer, password_hash: Option<&str>) -> Result<()> {
        let body = serde_json::to_string(officer)?;
        self.client()
            .await?
            .execute(
                "INSERT INTO officers (id, collar_number, body, password_hash) VALUES ($1, $2, $3::text::jsonb, $4)
                 ON CONFLICT (id) DO UPDATE SET collar_number = excluded.collar_number, body = excluded.body,
                    password_hash = coalesce(excluded.password_hash, officers.password_hash)",
                &[&officer.id.as_str(), &officer.collar_number, &body, &password_hash],
            )
            .await
            .map_err(|e| {
                if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                    StorageError::Conflict("another officer already has this collar number".into())
                } else {
                    db(e)
                }
            })?;
        Ok(())
    }

    async fn areas(&self) -> Result<Vec<Area>> {
        self.bodies("areas").await
    }

    async fn teams(&self) -> Result<Vec<Team>> {
        self.bodies("teams").await
    }

    async fn officer(&self, id: &OfficerId) -> Result<Option<OfficerRow>> {
        self.officer_where("id", id.as_str()).await
    }

    async fn officer_by_collar(&self, collar: &str) -> Result<Option<OfficerRow>> {
        self.officer_where("collar_number", collar).await
    }

    async fn add_enrolment_code(&self, code_hash: &str, expires_at: DateTime<Utc>) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO enrolment_codes (code_hash, expires_at) VALUES ($1, $2)",
                &[&code_hash, &ms(expires_at)],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn enrol_device(
        &self,
        code_hash: &str,
        device: &DeviceRow,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let now = ms(now);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        // The row lock makes a second enrolment with the same code wait, then find it used.
        let used = tx
            .execute(
                "UPDATE enrolment_codes SET used_at = $2, device_id = $3
                 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
                &[&code_hash, &now, &device.id.0],
            )
            .await
            .map_err(db)?;
        if used != 1 {
            tx.rollback().await.map_err(db)?;
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO devices (id, name, secret_hash, app_version, enrolled_at, chain_head)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &device.id.0,
                &device.name,
                &device.secret_hash,
                &device.app_version,
                &ms(device.enrolled_at),
                &GENESIS,
            ],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn device(&self, id: DeviceId) -> Result<Option<DeviceRow>> {
        let row = self
            .client()
            .await?
            .query_opt(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1"),
                &[&id.0],
            )
            .await
            .map_err(db)?;
        Ok(row.as_ref().map(to_device))
    }

    async fn devices(&self) -> Result<Vec<DeviceRow>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at"),
                &[],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(to_device).collect())
    }

    async fn revoke_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<bool> {
        // Sessions stay, so the device's next request is told it was revoked (and wipes), rather
        // than merely that its token is unknown.
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1",
                &[&id.0, &ms(now)],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn touch_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE devices SET last_seen_at = $2 WHERE id = $1",
                &[&id.0, &ms(now)],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn put_session(&self, s: &SessionRow) -> Result<()> {
        self.client()
            .await?
            .execute(
                &format!(
                    "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                ),
                &[
                    &s.access_hash,
                    &s.refresh_hash,
                    &s.officer_id.as_str(),
                    &s.device_id.0,
                    &ms(s.access_expires_at),
                    &ms(s.refresh_expires_at),
                ],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn session_by_access(&self, access_hash: &str) -> Result<Option<SessionRow>> {
        let row = self
            .client()
            .await?
            .query_opt(
                &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE access_hash = $1"),
                &[&access_hash],
            )
            .await
            .map_err(db)?;
        Ok(row.as_ref().map(to_session))
    }

    async fn session_by_refresh(&self, refresh_hash: &str) -> Result<Option<SessionRow>> {
        let row = self
            .client()
            .await?
            .query_opt(
                &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE refresh_hash = $1"),
                &[&refresh_hash],
            )
            .await
            .map_err(db)?;
        Ok(row.as_ref().map(to_session))
    }

    async fn delete_session(&self, access_hash: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM sessions WHERE access_hash = $1",
                &[&access_hash],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn push(&self, device: DeviceId, ops: &[Op], planner: PushPlanner) -> Result<Plan> {
        let mut client = self.client().await?;
        // READ COMMITTED: each statement sees what committed before it started, so once the lock
        // is held, the head read next is the one the previous push committed.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(db)?;
        // First, before reading anything: every push on these tables queues here until the one
        // before it has committed, so server sequences are handed out in commit order.
        tx.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock({PUSH_LOCK_CLASS}, hashtext(coalesce(current_schema(), '')))"
        ))
        .await
        .map_err(db)?;

        let dev = device.0;
        let row = tx
            .query_opt(
                "SELECT next_seq, chain_head FROM devices WHERE id = $1",
                &[&dev],
            )
            .await
            .map_err(db)?
            .ok_or_else(|| StorageError::Database(format!("no device {device}")))?;
        let next_seq = to_u64(row.get(0));
        let mut loaded = Loaded {
            next_seq,
            chain_head: row.get(1),
            ..Loaded::default()
        };
        let retried: Vec<i64> = ops
            .iter()
            .filter(|o| o.device_seq < next_seq)
            .map(|o| to_i64(o.device_seq))
            .collect();
        let ids: Vec<Uuid> = ops
            .iter()
            .map(|o| o.record_id.0)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // Independent reads, pipelined on the one connection.
        let (outcomes, states, head) = tokio::try_join!(
            async {
                if retried.is_empty() {
                    return Ok(Vec::new());
                }
                let stmt = tx.prepare_cached(LOAD_OUTCOMES).await?;
                tx.query(&stmt, &[&dev, &retried]).await
            },
            async {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let stmt = tx.prepare_cached(LOAD_STATES).await?;
                tx.query(&stmt, &[&ids]).await
            },
            tx.query_one("SELECT value FROM meta WHERE key = 'server_head'", &[]),
        )
        .map_err(db)?;
        for r in &outcomes {
            loaded.logged.insert(to_u64(r.get(0)), r.get(1));
        }
        let mut existing = HashSet::with_capacity(states.len());
        for r in &states {
            existing.insert(r.get::<_, Uuid>(0));
            let id = RecordId(r.get(0));
            loaded
                .states
                .insert(id, serde_json::from_str::<RecordState>(r.get(1))?);
        }
        loaded.server_head = to_u64(head.get(0));

        // Planning is CPU work (merging, checking, hashing): keep it off the async workers.
        let plan = tokio::task::spawn_blocking(move || planner(loaded))
            .await
            .map_err(|e| StorageError::Database(format!("push planning failed: {e}")))?;
        let now = ms(Utc::now());

        // Each part of the batch is one statement however many ops it holds: the op log and new
        // records stream in by binary COPY; records already held are updated from arrays.
        if !plan.log.is_empty() {
            let sink = tx.copy_in(COPY_LOG).await.map_err(db)?;
            let writer = BinaryCopyInWriter::new(sink, LOG_TYPES);
            tokio::pin!(writer);
            for row in &plan.log {
                writer
                    .as_mut()
                    .write(&[
                        &dev,
                        &to_i64(row.device_seq),
                        &row.record_id.0,
                        &row.kind.as_str(),
                        &row.author.as_str(),
                        &row.op_json,
                        &row.outcome_json,
                        &now,
                        &row.server_seq.map(to_i64),
                        &row.prev_hash,
                        &row.hash,
                    ])
                    .await
                    .map_err(db)?;
            }
            writer.finish().await.map_err(db)?;
        }
        // Under the lock no other push can create these records meanwhile, so what was loaded
        // tells new records from held ones.
        let (held, new): (Vec<_>, Vec<_>) = plan
            .records
            .iter()
            .partition(|r| existing.contains(&r.state.id.0));
        if !new.is_empty() {
            let sink = tx.copy_in(COPY_RECORDS).await.map_err(db)?;
            let writer = BinaryCopyInWriter::new(sink, RECORD_TYPES);
            tokio::pin!(writer);
            for r in &new {
                writer
                    .as_mut()
                    .write(&[
                        &r.state.id.0,
                        &r.state.kind.as_str(),
                        &r.state_json,
                        &Json(&r.facts),
                        &to_i64(r.server_seq),
                        &r.answered_ms.map(to_i64),
                    ])
                    .await
                    .map_err(db)?;
            }
            writer.finish().await.map_err(db)?;
        }
        let ids: Vec<Uuid> = held.iter().map(|r| r.state.id.0).collect();
        let kinds: Vec<&str> = held.iter().map(|r| r.state.kind.as_str()).collect();
        let states: Vec<&str> = held.iter().map(|r| r.state_json.as_str()).collect();
        let facts: Vec<Json<&AccessFacts>> = held.iter().map(|r| Json(&r.facts)).collect();
        let seqs: Vec<i64> = held.iter().map(|r| to_i64(r.server_seq)).collect();
        let answered: Vec<Option<i64>> = held.iter().map(|r| r.answered_ms.map(to_i64)).collect();
        let next = to_i64(plan.next_seq);
        let server_head = to_i64(plan.server_head);
        let (mut file_keys, mut file_seqs, mut file_ids) = (Vec::new(), Vec::new(), Vec::new());
        for r in &plan.records {
            for key in audience(&r.facts) {
                file_keys.push(key);
                file_seqs.push(to_i64(r.server_seq));
                file_ids.push(r.state.id.0);
            }
        }
        // Held records first: their old rows go, their sticky keys come back at the new sequence.
        if !held.is_empty() {
            let stmt = tx.prepare_cached(REFILE_HELD).await.map_err(db)?;
            tx.execute(&stmt, &[&ids, &seqs]).await.map_err(db)?;
        }
        tokio::try_join!(
            async {
                if file_keys.is_empty() {
                    return Ok(0);
                }
                let stmt = tx.prepare_cached(FILE_RECORDS).await?;
                tx.execute(&stmt, &[&file_keys, &file_seqs, &file_ids]).await
            },
            async {
                if held.is_empty() {
                    return Ok(0);
                }
                let stmt = tx.prepare_cached(UPDATE_RECORDS).await?;
                tx.execute(&stmt, &[&ids, &kinds, &states, &facts, &seqs, &answered])
                    .await
            },
            async {
                tx.execute(
                    "UPDATE devices SET next_seq = $2, chain_head = $3, last_seen_at = $4 WHERE id = $1",
                    &[&dev, &next, &plan.chain_head, &now],
                )
                .await
            },
            async {
                tx.execute(
                    "UPDATE meta SET value = $1 WHERE key = 'server_head'",
                    &[&server_head],
                )
                .await
            },
        )
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(plan)
    }

    async fn changes_after(&self, after: u64, limit: u32) -> Result<Vec<Change>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT server_seq, id, state, facts::text FROM records
                 WHERE server_seq > $1 ORDER BY server_seq LIMIT $2",
            )
            .await
            .map_err(db)?;
        let rows = client
            .query(&stmt, &[&to_i64(after), &i64::from(limit)])
            .await
            .map_err(db)?;
        rows.iter().map(change_of).collect()
    }

    async fn changes_for(&self, keys: &[String], after: u64, limit: u32) -> Result<Vec<Change>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(CHANGES_FOR).await.map_err(db)?;
        let rows = client
            .query(&stmt, &[&keys, &to_i64(after), &i64::from(limit)])
            .await
            .map_err(db)?;
        rows.iter().map(change_of).collect()
    }

    async fn head(&self) -> Result<u64> {
        let row = self
            .client()
            .await?
            .query_one("SELECT value FROM meta WHERE key = 'server_head'", &[])
            .await
            .map_err(db)?;
        Ok(to_u64(row.get(0)))
    }

    async fn op_log(&self, device: DeviceId) -> Result<Vec<LoggedOp>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device_seq, op, outcome, received_at, prev_hash, hash FROM op_log
                 WHERE device_id = $1 ORDER BY device_seq",
                &[&device.0],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| LoggedOp {
                device_seq: to_u64(r.get(0)),
                op_json: r.get(1),
                outcome_json: r.get(2),
                received_at: r.get(3),
                prev_hash: r.get(4),
                hash: r.get(5),
            })
            .collect())
    }

    async fn counts(&self) -> Result<Counts> {
        let r = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM op_log),
                        (SELECT count(*) FROM devices), (SELECT count(*) FROM officers)",
                &[],
            )
            .await
            .map_err(db)?;
        Ok(Counts {
            records: to_u64(r.get(0)),
            ops: to_u64(r.get(1)),
            devices: to_u64(r.get(2)),
            officers: to_u64(r.get(3)),
        })
    }

    async fn log_access(&self, entry: &AccessEntry) -> Result<()> {
        let ids: Vec<Uuid> = entry.record_ids.iter().map(|r| r.0).collect();
        let device: Option<Uuid> = entry.device_id.map(|d| d.0);
        self.client()
            .await?
            .execute(
                "INSERT INTO access_log (at, officer_id, device_id, action, record_ids, detail)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &entry.at,
                    &entry.officer_id.as_str(),
                    &device,
                    &entry.action,
                    &ids,
                    &entry.detail,
                ],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn access_log(&self, query: &AccessQuery) -> Result<Vec<AccessEntry>> {
        let officer = query.officer_id.as_ref().map(|o| o.as_str().to_owned());
        let device: Option<Uuid> = query.device_id.map(|d| d.0);
        let record: Option<Vec<Uuid>> = query.record_id.map(|r| vec![r.0]);
        let rows = self
            .client()
            .await?
            .query(
                "SELECT at, officer_id, device_id, action, record_ids, detail FROM access_log
                 WHERE ($1::text IS NULL OR officer_id = $1) AND ($2::uuid IS NULL OR device_id = $2)
                   AND ($3::uuid[] IS NULL OR record_ids @> $3)
                   AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at <= $5)
                 ORDER BY id DESC LIMIT $6",
                &[&officer, &device, &record, &query.from, &query.to, &i64::from(query.limit)],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| AccessEntry {
                at: r.get(0),
                officer_id: OfficerId::new(r.get::<_, String>(1)),
                device_id: r.get::<_, Option<Uuid>>(2).map(DeviceId),
                action: r.get(3),
                record_ids: r.get::<_, Vec<Uuid>>(4).into_iter().map(RecordId).collect(),
                detail: r.get(5),
            })
            .collect())
    }

    async fn officers(&self) -> Result<Vec<Officer>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT body::text FROM officers ORDER BY collar_number COLLATE \"C\"",
                &[],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| Ok(serde_json::from_str(r.get::<_, &str>(0))?))
            .collect()
    }

    async fn framework_rows(&self, query: &RecordQuery) -> Result<Vec<FrameworkRow>> {
        let kinds: Vec<String> = query.kinds.iter().map(|k| k.as_str().to_owned()).collect();
        let rows = self
            .client()
            .await?
            .query(
                "SELECT server_seq, id, state, facts::text, answered_ms FROM records
                 WHERE server_seq > $1 AND (cardinality($2::text[]) = 0 OR kind = ANY($2))
                 ORDER BY server_seq LIMIT $3",
                &[&to_i64(query.after), &kinds, &i64::from(query.limit)],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(FrameworkRow {
                    change: pg_change(r)?,
                    answered_ms: r.get::<_, Option<i64>>(4).map(to_u64),
                })
            })
            .collect()
    }

    async fn record(&self, id: RecordId) -> Result<Option<Change>> {
        self.client()
            .await?
            .query_opt(
                "SELECT server_seq, id, state, facts::text FROM records WHERE id = $1",
                &[&id.0],
            )
            .await
            .map_err(db)?
            .as_ref()
            .map(pg_change)
            .transpose()
    }

    async fn search_op_log(&self, query: &OpLogQuery) -> Result<Vec<OpLogEntry>> {
        let device: Option<Uuid> = query.device_id.map(|d| d.0);
        let record: Option<Uuid> = query.record_id.map(|r| r.0);
        let author = query.author.as_ref().map(|a| a.as_str().to_owned());
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device_id, device_seq, record_id, kind, author, received_at, server_seq, outcome FROM op_log
                 WHERE ($1::uuid IS NULL OR device_id = $1) AND ($2::uuid IS NULL OR record_id = $2)
                   AND ($3::text IS NULL OR author = $3)
                   AND ($4::timestamptz IS NULL OR received_at >= $4) AND ($5::timestamptz IS NULL OR received_at <= $5)
                 ORDER BY received_at DESC, device_id, device_seq DESC LIMIT $6",
                &[&device, &record, &author, &query.from, &query.to, &i64::from(query.limit)],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| OpLogEntry {
                device_id: DeviceId(r.get(0)),
                device_seq: to_u64(r.get(1)),
                record_id: RecordId(r.get(2)),
                kind: r.get(3),
                author: OfficerId::new(r.get::<_, String>(4)),
                received_at: r.get(5),
                server_seq: r.get::<_, Option<i64>>(6).map(to_u64),
                outcome_json: r.get(7),
            })
            .collect())
    }

    async fn put_hq_session(&self, session: &HqSessionRow) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO hq_sessions (token_hash, officer_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[&session.token_hash, &session.officer_id.as_str(), &ms(session.created_at), &ms(session.expires_at)],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn hq_session(&self, token_hash: &str) -> Result<Option<HqSessionRow>> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT token_hash, officer_id, created_at, expires_at FROM hq_sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await
            .map_err(db)?
            .map(|r| HqSessionRow {
                token_hash: r.get(0),
                officer_id: OfficerId::new(r.get::<_, String>(1)),
                created_at: r.get(2),
                expires_at: r.get(3),
            }))
    }

    async fn delete_hq_session(&self, token_hash: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM hq_sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn put_target(&self, target: &TargetRow) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO framework_targets (scope, measure, target) VALUES ($1, $2, $3)
                 ON CONFLICT (scope, measure) DO UPDATE SET target = excluded.target",
                &[&target.scope, &target.measure, &target.target],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn delete_target(&self, scope: &str, measure: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM framework_targets WHERE scope = $1 AND measure = $2",
                &[&scope, &measure],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn targets(&self) -> Result<Vec<TargetRow>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT scope, measure, target FROM framework_targets ORDER BY scope COLLATE \"C\", measure COLLATE \"C\"",
                &[],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| TargetRow {
                scope: r.get(0),
                measure: r.get(1),
                target: r.get(2),
            })
            .collect())
    }

    async fn throttles(&self, keys: &[String]) -> Result<Vec<ThrottleRow>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {THROTTLE_COLUMNS} FROM sign_in_throttle WHERE key = ANY($1)
                     ORDER BY key COLLATE \"C\""
                ),
                &[&keys],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(pg_throttle).collect())
    }

    async fn update_throttle(&self, key: &str, step: ThrottleStep) -> Result<Option<ThrottleRow>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&THROTTLE_LOCK_CLASS, &key],
        )
        .await
        .map_err(db)?;
        let old = tx
            .query_opt(
                &format!("SELECT {THROTTLE_COLUMNS} FROM sign_in_throttle WHERE key = $1"),
                &[&key],
            )
            .await
            .map_err(db)?
            .map(|r| pg_throttle(&r));
        let new = step(old).map(|r| ThrottleRow {
            key: key.to_owned(),
            since: ms(r.since),
            locked_until: r.locked_until.map(ms),
            updated_at: ms(r.updated_at),
            ..r
        });
        match &new {
            Some(r) => {
                let failures = i32::try_from(r.failures).unwrap_or(i32::MAX);
                let lockouts = i32::try_from(r.lockouts).unwrap_or(i32::MAX);
                tx.execute(
                    "INSERT INTO sign_in_throttle (key, failures, since, lockouts, locked_until, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                       since = excluded.since, lockouts = excluded.lockouts,
                       locked_until = excluded.locked_until, updated_at = excluded.updated_at",
                    &[
                        &r.key,
                        &failures,
                        &r.since,
                        &lockouts,
                        &r.locked_until,
                        &r.updated_at,
                    ],
                )
                .await
                .map_err(db)?;
            }
            None => {
                tx.execute("DELETE FROM sign_in_throttle WHERE key = $1", &[&key])
                    .await
                    .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(new)
    }

    async fn forget_throttles(&self, before: DateTime<Utc>) -> Result<u64> {
        self.client()
            .await?
            .execute(
                "DELETE FROM sign_in_throttle
                 WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
                &[&ms(before)],
            )
            .await
            .map_err(db)
    }

    async fn records_before(&self, query: &RecordPage) -> Result<Vec<Change>> {
        let streams = query.streams();
        let before = query.before.map_or(i64::MAX, to_i64);
        let limit = i64::from(query.limit);
        let mut client = self.client().await?;
        // One snapshot: every stream and the rows agree, so a page is short only at the end.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(db)?;
        let mut seqs: Vec<i64> = Vec::new();
        for stream in &streams {
            let rows = match stream {
                PageStream::All => {
                    tx.query(
                        "SELECT server_seq FROM records WHERE server_seq < $1 ORDER BY server_seq DESC LIMIT $2",
                        &[&before, &limit],
                    )
                    .await
                }
                PageStream::Kind(kind) => {
                    tx.query(
                        "SELECT server_seq FROM records WHERE kind = $1 AND server_seq < $2 ORDER BY server_seq DESC LIMIT $3",
                        &[kind, &before, &limit],
                    )
                    .await
                }
                PageStream::Filed { key, kinds } if kinds.is_empty() => {
                    tx.query(
                        "SELECT server_seq FROM record_audience WHERE key = $1 AND server_seq < $2 ORDER BY server_seq DESC LIMIT $3",
                        &[key, &before, &limit],
                    )
                    .await
                }
                PageStream::Filed { key, kinds } => {
                    tx.query(
                        "SELECT a.server_seq FROM record_audience a JOIN records r ON r.server_seq = a.server_seq
                         WHERE a.key = $1 AND a.server_seq < $2 AND r.kind = ANY($3)
                         ORDER BY a.server_seq DESC LIMIT $4",
                        &[key, &before, kinds, &limit],
                    )
                    .await
                }
                PageStream::KindInAreas { kind, areas } => {
                    tx.query(
                        "SELECT server_seq FROM records
                         WHERE kind = $1 AND server_seq < $2 AND (facts -> 'areas') ?| $3::text[]
                         ORDER BY server_seq DESC LIMIT $4",
                        &[kind, &before, areas, &limit],
                    )
                    .await
                }
            }
            .map_err(db)?;
            seqs.extend(rows.iter().map(|r| r.get::<_, i64>(0)));
        }
        let seqs = newest(seqs, query.limit);
        let rows = tx
            .query(
                "SELECT server_seq, id, state, facts::text FROM records WHERE server_seq = ANY($1)
                 ORDER BY server_seq DESC",
                &[&seqs],
            )
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        rows.iter().map(pg_change).collect()
    }

    async fn record_ops(&self, id: RecordId, limit: u32) -> Result<Vec<RecordOp>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device_id, op, outcome, received_at FROM op_log WHERE record_id = $1
                 ORDER BY received_at DESC, device_id DESC, device_seq DESC LIMIT $2",
                &[&id.0, &i64::from(limit)],
            )
            .await
            .map_err(db)?;
        let mut out: Vec<RecordOp> = rows
            .iter()
            .map(|r| RecordOp {
                device_id: DeviceId(r.get(0)),
                op_json: r.get(1),
                outcome_json: r.get(2),
                received_at: r.get(3),
            })
            .collect();
        out.reverse();
        Ok(out)
    }
}

const THROTTLE_COLUMNS: &str = "key, failures, since, lockouts, locked_until, updated_at";

fn pg_throttle(r: &Row) -> ThrottleRow {
    ThrottleRow {
        key: r.get(0),
        failures: u32::try_from(r.get::<_, i32>(1)).unwrap_or_default(),
        since: r.get(2),
        lockouts: u32::try_from(r.get::<_, i32>(3)).unwrap_or_default(),
        locked_until: r.get(4),
        updated_at: r.get(5),
    }
}

fn pg_change(r: &Row) -> Result<Change> {
    Ok(Change {
        server_seq: to_u64(r.get(0)),
        record_id: RecordId(r.get(1)),
        state_json: r.get(2),
        facts: serde_json::from_str::<AccessFacts>(r.get(3))?,
    })
}

#[cfg(test)]
mod tests {
    use super::split_schema;

    #[test]
    fn the_schema_parameter_is_split_off_the_url() {
        let (url, schema) =
            split_schema("postgres://u@h:5432/db?schema=t_1&sslmode=disable").unwrap();
        assert_eq!(url, "postgres://u@h:5432/db?sslmode=disable");
        assert_eq!(schema.as_deref(), Some("t_1"));
        let (url, schema) = split_schema("postgres://u@h/db?schema=abc").unwrap();
        assert_eq!(url, "postgres://u@h/db");
        assert_eq!(schema.as_deref(), Some("abc"));
        let (url, schema) = split_schema("postgres://u@h/db").unwrap();
        assert_eq!(url, "postgres://u@h/db");
        assert_eq!(schema, None);
        assert!(split_schema("postgres://u@h/db?schema=a\"b").is_err());
        assert!(split_schema("postgres://u@h/db?schema=").is_err());
    }
}
