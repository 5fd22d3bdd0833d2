//! Failed sign-ins by key (see `crate::throttle`).

use super::{parse_t, t, SqliteStorage};
use crate::storage::{Result, SignInThrottle, ThrottleRow, ThrottleStep};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior};

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

#[async_trait]
impl SignInThrottle for SqliteStorage {
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
}
