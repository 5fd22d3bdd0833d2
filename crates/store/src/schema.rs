//! Migrations: append-only SQL files embedded at compile time, run in order when the store opens,
//! tracked with `PRAGMA user_version`.

use crate::StoreError;
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_fts_pending.sql"),
    include_str!("../migrations/0003_photos.sql"),
    include_str!("../migrations/0004_records_without_body.sql"),
    include_str!("../migrations/0005_outbox_op_text.sql"),
    include_str!("../migrations/0006_lifecycle.sql"),
    include_str!("../migrations/0007_read_log.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
