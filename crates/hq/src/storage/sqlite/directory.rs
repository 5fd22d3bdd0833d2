//! Areas, teams and officers, each kept as its JSON body.

use super::{parse_t, t, SqliteStorage};
use crate::storage::{Directory, OfficerRow, Result, StorageError};
use async_trait::async_trait;
use beatbook_domain::area::Area;
use beatbook_domain::people::{Officer, Team};
use beatbook_domain::OfficerId;
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

impl SqliteStorage {
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
            let row: Option<(String, Option<String>, Option<String>)> = c
                .query_row(
                    &format!(
                        "SELECT body, password_hash, disabled_at FROM officers WHERE {column} = ?1"
                    ),
                    [value],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            row.map(|(b, h, d)| officer_row(b, h, d)).transpose()
        })
        .await
    }
}

fn officer_row(body: String, hash: Option<String>, disabled: Option<String>) -> Result<OfficerRow> {
    Ok(OfficerRow {
        officer: serde_json::from_str(&body)?,
        password_hash: hash,
        disabled_at: disabled.as_deref().map(parse_t).transpose()?,
    })
}

#[async_trait]
impl Directory for SqliteStorage {
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

    async fn officers(&self) -> Result<Vec<Officer>> {
        self.call(|c| {
            let mut stmt = c.prepare("SELECT body FROM officers ORDER BY collar_number")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
        })
        .await
    }

    async fn upgrade_password_hash(&self, id: &OfficerId, old: &str, new: &str) -> Result<bool> {
        let (id, old, new) = (id.to_string(), old.to_owned(), new.to_owned());
        self.call(move |c| {
            let n = c.execute(
                "UPDATE officers SET password_hash = ?3 WHERE id = ?1 AND password_hash = ?2",
                (id, old, new),
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn set_officer_disabled(
        &self,
        id: &OfficerId,
        at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let id = id.to_string();
        self.call(move |c| {
            let tx = c.transaction()?;
            let n = tx.execute(
                "UPDATE officers SET disabled_at = ?2 WHERE id = ?1",
                (&id, at.map(t)),
            )?;
            if n == 1 && at.is_some() {
                tx.execute("DELETE FROM sessions WHERE officer_id = ?1", [&id])?;
                tx.execute("DELETE FROM hq_sessions WHERE officer_id = ?1", [&id])?;
            }
            tx.commit()?;
            Ok(n == 1)
        })
        .await
    }

    async fn disabled_officers(&self) -> Result<Vec<(OfficerId, DateTime<Utc>)>> {
        self.call(|c| {
            let mut stmt = c.prepare(
                "SELECT id, disabled_at FROM officers WHERE disabled_at IS NOT NULL ORDER BY collar_number",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            rows.map(|r| {
                let (id, at) = r?;
                Ok((OfficerId::new(id), parse_t(&at)?))
            })
            .collect()
        })
        .await
    }
}
