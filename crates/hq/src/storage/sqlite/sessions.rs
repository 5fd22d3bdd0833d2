//! Sign-in sessions: officers on devices, and HQ staff in browsers.

use super::{device_id, parse_t, t, SqliteStorage};
use crate::storage::{HqSessionRow, Result, SessionRow, Sessions};
use async_trait::async_trait;
use beatbook_domain::{DeviceId, OfficerId};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

const SESSION_COLUMNS: &str =
    "access_hash, refresh_hash, officer_id, device_id, access_expires_at, \
     refresh_expires_at, line_id, signed_in_at, rotated_at";

type SessionColumns = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn to_session(row: SessionColumns) -> Result<SessionRow> {
    let (access_hash, refresh_hash, officer, device, access_exp, refresh_exp, line, at, rotated) =
        row;
    Ok(SessionRow {
        access_hash,
        refresh_hash,
        officer_id: OfficerId::new(officer),
        device_id: device_id(&device)?,
        access_expires_at: parse_t(&access_exp)?,
        refresh_expires_at: parse_t(&refresh_exp)?,
        line_id: line,
        signed_in_at: parse_t(&at)?,
        rotated_at: rotated.as_deref().map(parse_t).transpose()?,
    })
}

fn insert_session(c: &rusqlite::Connection, s: &SessionRow) -> rusqlite::Result<usize> {
    c.execute(
        &format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ),
        (
            &s.access_hash,
            &s.refresh_hash,
            s.officer_id.as_str(),
            s.device_id.to_string(),
            t(s.access_expires_at),
            t(s.refresh_expires_at),
            &s.line_id,
            t(s.signed_in_at),
            s.rotated_at.map(t),
        ),
    )
}

impl SqliteStorage {
    async fn session_where(
        &self,
        column: &'static str,
        hash: String,
    ) -> Result<Option<SessionRow>> {
        self.call(move |c| {
            let row = c
                .query_row(
                    &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE {column} = ?1"),
                    [hash],
                    session_row,
                )
                .optional()?;
            row.map(to_session).transpose()
        })
        .await
    }
}

#[async_trait]
impl Sessions for SqliteStorage {
    async fn put_session(&self, s: &SessionRow) -> Result<()> {
        let s = s.clone();
        self.call(move |c| {
            insert_session(c, &s)?;
            Ok(())
        })
        .await
    }

    async fn session_by_access(&self, access_hash: &str) -> Result<Option<SessionRow>> {
        self.session_where("access_hash", access_hash.to_owned())
            .await
    }

    async fn session_by_refresh(&self, refresh_hash: &str) -> Result<Option<SessionRow>> {
        self.session_where("refresh_hash", refresh_hash.to_owned())
            .await
    }

    async fn delete_session(&self, access_hash: &str) -> Result<()> {
        let h = access_hash.to_owned();
        self.call(move |c| {
            c.execute("DELETE FROM sessions WHERE access_hash = ?1", [h])?;
            Ok(())
        })
        .await
    }

    async fn rotate_session(
        &self,
        refresh_hash: &str,
        at: DateTime<Utc>,
        next: &SessionRow,
    ) -> Result<bool> {
        let (h, next) = (refresh_hash.to_owned(), next.clone());
        self.call(move |c| {
            let tx = c.transaction()?;
            let used = tx.execute(
                "UPDATE sessions SET rotated_at = ?2 WHERE refresh_hash = ?1 AND rotated_at IS NULL",
                (h, t(at)),
            )?;
            if used != 1 {
                return Ok(false);
            }
            insert_session(&tx, &next)?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn end_session_line(&self, line_id: &str) -> Result<u64> {
        let line = line_id.to_owned();
        self.call(move |c| {
            let n = c.execute("DELETE FROM sessions WHERE line_id = ?1", [line])?;
            Ok(n as u64)
        })
        .await
    }

    async fn end_device_sessions(&self, device: DeviceId) -> Result<u64> {
        self.call(move |c| {
            let n = c.execute(
                "DELETE FROM sessions WHERE device_id = ?1",
                [device.to_string()],
            )?;
            Ok(n as u64)
        })
        .await
    }

    async fn forget_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        self.call(move |c| {
            let tx = c.transaction()?;
            let a = tx.execute(
                "DELETE FROM sessions WHERE refresh_expires_at <= ?1",
                [t(now)],
            )?;
            let b = tx.execute("DELETE FROM hq_sessions WHERE expires_at <= ?1", [t(now)])?;
            tx.commit()?;
            Ok((a + b) as u64)
        })
        .await
    }

    async fn put_hq_session(&self, session: &HqSessionRow) -> Result<()> {
        let s = session.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO hq_sessions (token_hash, officer_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                (s.token_hash, s.officer_id.as_str(), t(s.created_at), t(s.expires_at)),
            )?;
            Ok(())
        })
        .await
    }

    async fn hq_session(&self, token_hash: &str) -> Result<Option<HqSessionRow>> {
        let h = token_hash.to_owned();
        self.call(move |c| {
            let row = c
                .query_row(
                    "SELECT token_hash, officer_id, created_at, expires_at FROM hq_sessions WHERE token_hash = ?1",
                    [h],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)),
                )
                .optional()?;
            row.map(|(token_hash, officer, created, expires)| {
                Ok(HqSessionRow {
                    token_hash,
                    officer_id: OfficerId::new(officer),
                    created_at: parse_t(&created)?,
                    expires_at: parse_t(&expires)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn delete_hq_session(&self, token_hash: &str) -> Result<()> {
        let h = token_hash.to_owned();
        self.call(move |c| {
            c.execute("DELETE FROM hq_sessions WHERE token_hash = ?1", [h])?;
            Ok(())
        })
        .await
    }
}
