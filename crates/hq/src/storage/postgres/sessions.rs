//! Sign-in sessions: officers on devices, and HQ staff in browsers.

use super::{ms, PostgresStorage};
use crate::storage::{HqSessionRow, Result, SessionRow, Sessions};
use async_trait::async_trait;
use beatbook_domain::{DeviceId, OfficerId};
use tokio_postgres::Row;

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

#[async_trait]
impl Sessions for PostgresStorage {
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
