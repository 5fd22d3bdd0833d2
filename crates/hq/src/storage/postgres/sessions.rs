//! Sign-in sessions: officers on devices, and HQ staff in browsers.

use super::{ms, PostgresStorage};
use crate::storage::{HqSessionRow, Result, SessionRow, Sessions};
use async_trait::async_trait;
use beatbook_domain::{DeviceId, OfficerId};
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

const SESSION_COLUMNS: &str =
    "access_hash, refresh_hash, officer_id, device_id, access_expires_at, \
     refresh_expires_at, line_id, signed_in_at, rotated_at";

const INSERT_SESSION: &str = "INSERT INTO sessions (access_hash, refresh_hash, officer_id, \
     device_id, access_expires_at, refresh_expires_at, line_id, signed_in_at, rotated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// The parameters of [`INSERT_SESSION`].
macro_rules! session_params {
    ($s:expr, $times:expr) => {
        [
            &$s.access_hash as &(dyn tokio_postgres::types::ToSql + Sync),
            &$s.refresh_hash,
            &$s.officer_id.as_str(),
            &$s.device_id.0,
            &$times.0,
            &$times.1,
            &$s.line_id,
            &$times.2,
            &$times.3,
        ]
    };
}

fn times(
    s: &SessionRow,
) -> (
    DateTime<Utc>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
) {
    (
        ms(s.access_expires_at),
        ms(s.refresh_expires_at),
        ms(s.signed_in_at),
        s.rotated_at.map(ms),
    )
}

fn to_session(r: &Row) -> SessionRow {
    SessionRow {
        access_hash: r.get(0),
        refresh_hash: r.get(1),
        officer_id: OfficerId::new(r.get::<_, String>(2)),
        device_id: DeviceId(r.get(3)),
        access_expires_at: r.get(4),
        refresh_expires_at: r.get(5),
        line_id: r.get(6),
        signed_in_at: r.get(7),
        rotated_at: r.get(8),
    }
}

#[async_trait]
impl Sessions for PostgresStorage {
    async fn put_session(&self, s: &SessionRow) -> Result<()> {
        let t = times(s);
        self.client()
            .await?
            .execute(INSERT_SESSION, &session_params!(s, t))
            .await?;
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
            .await?;
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
            .await?;
        Ok(row.as_ref().map(to_session))
    }

    async fn delete_session(&self, access_hash: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM sessions WHERE access_hash = $1",
                &[&access_hash],
            )
            .await?;
        Ok(())
    }

    async fn rotate_session(
        &self,
        refresh_hash: &str,
        at: DateTime<Utc>,
        next: &SessionRow,
    ) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The row lock makes a second refresh with the same token wait, then find it used.
        let used = tx
            .execute(
                "UPDATE sessions SET rotated_at = $2 WHERE refresh_hash = $1 AND rotated_at IS NULL",
                &[&refresh_hash, &ms(at)],
            )
            .await?;
        if used != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        let t = times(next);
        tx.execute(INSERT_SESSION, &session_params!(next, t))
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn end_session_line(&self, line_id: &str) -> Result<u64> {
        Ok(self
            .client()
            .await?
            .execute("DELETE FROM sessions WHERE line_id = $1", &[&line_id])
            .await?)
    }

    async fn end_device_sessions(&self, device: DeviceId) -> Result<u64> {
        Ok(self
            .client()
            .await?
            .execute("DELETE FROM sessions WHERE device_id = $1", &[&device.0])
            .await?)
    }

    async fn forget_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let a = tx
            .execute(
                "DELETE FROM sessions WHERE refresh_expires_at <= $1",
                &[&now],
            )
            .await?;
        let b = tx
            .execute("DELETE FROM hq_sessions WHERE expires_at <= $1", &[&now])
            .await?;
        tx.commit().await?;
        Ok(a + b)
    }

    async fn put_hq_session(&self, session: &HqSessionRow) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO hq_sessions (token_hash, officer_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[&session.token_hash, &session.officer_id.as_str(), &ms(session.created_at), &ms(session.expires_at)],
            )
            .await?;
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
            .await?
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
            .await?;
        Ok(())
    }
}
