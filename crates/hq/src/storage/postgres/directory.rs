//! Areas, teams and officers, each kept as its JSON body.

use super::{ms, PostgresStorage};
use crate::storage::{Directory, OfficerRow, Result, StorageError};
use async_trait::async_trait;
use beatbook_domain::area::Area;
use beatbook_domain::people::{Officer, Team};
use beatbook_domain::OfficerId;
use chrono::{DateTime, Utc};
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

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
            .await?;
        rows.iter()
            .map(|r| Ok(serde_json::from_str(r.get::<_, &str>(0))?))
            .collect()
    }

    async fn officer_where(&self, column: &'static str, value: &str) -> Result<Option<OfficerRow>> {
        self.client()
            .await?
            .query_opt(
                &format!("SELECT body::text, password_hash, disabled_at FROM officers WHERE {column} = $1"),
                &[&value],
            )
            .await?
            .as_ref()
            .map(officer_row)
            .transpose()
    }
}

fn officer_row(row: &Row) -> Result<OfficerRow> {
    Ok(OfficerRow {
        officer: serde_json::from_str(row.get::<_, &str>(0))?,
        password_hash: row.get(1),
        disabled_at: row.get(2),
    })
}

#[async_trait]
impl Directory for PostgresStorage {
    async fn put_area(&self, area: &Area) -> Result<()> {
        let body = serde_json::to_string(area)?;
        self.client()
            .await?
            .execute(
                "INSERT INTO areas (id, body) VALUES ($1, $2::text::jsonb)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                &[&area.id.as_str(), &body],
            )
            .await?;
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
            .await?;
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
                    e.into()
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

    async fn officers(&self) -> Result<Vec<Officer>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT body::text FROM officers ORDER BY collar_number COLLATE \"C\"",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| Ok(serde_json::from_str(r.get::<_, &str>(0))?))
            .collect()
    }

    async fn upgrade_password_hash(&self, id: &OfficerId, old: &str, new: &str) -> Result<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE officers SET password_hash = $3 WHERE id = $1 AND password_hash = $2",
                &[&id.as_str(), &old, &new],
            )
            .await?;
        Ok(n == 1)
    }

    async fn set_officer_disabled(
        &self,
        id: &OfficerId,
        at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let at = at.map(ms);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "UPDATE officers SET disabled_at = $2 WHERE id = $1",
                &[&id.as_str(), &at],
            )
            .await?;
        if n == 1 && at.is_some() {
            tx.execute(
                "DELETE FROM sessions WHERE officer_id = $1",
                &[&id.as_str()],
            )
            .await?;
            tx.execute(
                "DELETE FROM hq_sessions WHERE officer_id = $1",
                &[&id.as_str()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    async fn disabled_officers(&self) -> Result<Vec<(OfficerId, DateTime<Utc>)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, disabled_at FROM officers WHERE disabled_at IS NOT NULL
                 ORDER BY collar_number COLLATE \"C\"",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (OfficerId::new(r.get::<_, String>(0)), r.get(1)))
            .collect())
    }
}
