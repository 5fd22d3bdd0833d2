//! The PostgreSQL backend's schema: append-only migrations, embedded at compile time and applied
//! when HQ connects, all in one transaction under an advisory lock, so HQ processes starting
//! together do not race. `schema_migrations` lists those applied. A shipped migration is never
//! edited; a change is a new file.

use crate::storage::{Result, StorageError};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../migrations/postgres/0002_change_feed.sql"),
    include_str!("../../../migrations/postgres/0003_access_log.sql"),
    include_str!("../../../migrations/postgres/0004_dashboard.sql"),
    include_str!("../../../migrations/postgres/0005_framework.sql"),
    include_str!("../../../migrations/postgres/0006_sign_in_throttle.sql"),
];

/// The advisory lock migrations take: one for the whole database.
const MIGRATION_LOCK: i64 = 0x6265_6174_626f_6f6b; // "beatbook"

/// Create the schema if asked for and apply the migrations it has not had; refuse a database
/// migrated by a newer HQ.
pub(super) async fn run(
    client: &mut deadpool_postgres::Object,
    schema: Option<&str>,
) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    if let Some(name) = schema {
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS \"{name}\"; SET search_path TO \"{name}\";"
        ))
        .await?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    BIGINT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let found: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
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
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .await?;
    }
    Ok(tx.commit().await?)
}
