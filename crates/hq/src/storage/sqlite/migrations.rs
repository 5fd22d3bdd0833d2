//! The embedded backend's schema: append-only migrations, embedded at compile time and applied
//! when the storage opens, each in its own transaction. `PRAGMA user_version` counts those
//! applied. A shipped migration is never edited; a change is a new file.

use crate::storage::{Result, StorageError};
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_init.sql"),
    include_str!("../../../migrations/sqlite/0002_change_feed.sql"),
    include_str!("../../../migrations/sqlite/0003_access_log.sql"),
    include_str!("../../../migrations/sqlite/0004_dashboard.sql"),
    include_str!("../../../migrations/sqlite/0005_framework.sql"),
    include_str!("../../../migrations/sqlite/0006_sign_in_throttle.sql"),
];

/// Apply the migrations this database has not had; refuse one migrated by a newer HQ.
pub(super) fn run(conn: &mut Connection) -> Result<()> {
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
    Ok(())
}
