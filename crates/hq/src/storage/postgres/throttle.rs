//! Failed sign-ins by key (see `crate::throttle`).

use super::{ms, PostgresStorage};
use crate::storage::{Result, SignInThrottle, ThrottleRow, ThrottleStep};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

/// A throttle row is changed under an advisory lock on its key (this class, then
/// `hashtext(key)`), which also covers a row that does not exist yet.
const THROTTLE_LOCK_CLASS: i32 = 0x6274_6872; // "bthr"

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

#[async_trait]
impl SignInThrottle for PostgresStorage {
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
            .await?;
        Ok(rows.iter().map(pg_throttle).collect())
    }

    async fn update_throttle(&self, key: &str, step: ThrottleStep) -> Result<Option<ThrottleRow>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&THROTTLE_LOCK_CLASS, &key],
        )
        .await?;
        let old = tx
            .query_opt(
                &format!("SELECT {THROTTLE_COLUMNS} FROM sign_in_throttle WHERE key = $1"),
                &[&key],
            )
            .await?
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
                .await?;
            }
            None => {
                tx.execute("DELETE FROM sign_in_throttle WHERE key = $1", &[&key])
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(new)
    }

    async fn forget_throttles(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(self
            .client()
            .await?
            .execute(
                "DELETE FROM sign_in_throttle
                 WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
                &[&ms(before)],
            )
            .await?)
    }
}
