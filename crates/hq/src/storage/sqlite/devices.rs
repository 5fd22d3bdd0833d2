//! Enrolment codes and enrolled devices.

use super::{device_id, parse_t, t, to_u64, SqliteStorage};
use crate::push::GENESIS;
use crate::storage::{DeviceRow, Devices, EnrolOutcome, PendingEnrolment, Result};
use async_trait::async_trait;
use beatbook_domain::DeviceId;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior};

const DEVICE_COLUMNS: &str =
    "id, name, secret_hash, app_version, enrolled_at, revoked_at, last_seen_at, next_seq";

type DeviceColumns = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn to_device(row: DeviceColumns) -> Result<DeviceRow> {
    let (id, name, secret_hash, app_version, enrolled, revoked, seen, next_seq) = row;
    Ok(DeviceRow {
        id: device_id(&id)?,
        name,
        secret_hash,
        app_version,
        enrolled_at: parse_t(&enrolled)?,
        revoked_at: revoked.as_deref().map(parse_t).transpose()?,
        last_seen_at: seen.as_deref().map(parse_t).transpose()?,
        next_seq: to_u64(next_seq),
    })
}

#[async_trait]
impl Devices for SqliteStorage {
    async fn add_enrolment_code(&self, code_hash: &str, expires_at: DateTime<Utc>) -> Result<()> {
        let (h, e) = (code_hash.to_owned(), t(expires_at));
        self.call(move |c| {
            c.execute(
                "INSERT INTO enrolment_codes (code_hash, expires_at) VALUES (?1, ?2)",
                (h, e),
            )?;
            Ok(())
        })
        .await
    }

    async fn enrol_device(
        &self,
        code_hash: &str,
        device: &DeviceRow,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let (h, d, now) = (code_hash.to_owned(), device.clone(), t(now));
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let used = tx.execute(
                "UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                (&h, &now, d.id.to_string()),
            )?;
            if used != 1 {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO devices (id, name, secret_hash, app_version, enrolled_at, chain_head) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (d.id.to_string(), d.name, d.secret_hash, d.app_version, t(d.enrolled_at), GENESIS),
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn device(&self, id: DeviceId) -> Result<Option<DeviceRow>> {
        self.call(move |c| {
            let row = c
                .query_row(
                    &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1"),
                    [id.to_string()],
                    device_row,
                )
                .optional()?;
            row.map(to_device).transpose()
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<DeviceRow>> {
        self.call(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at"
            ))?;
            let rows = stmt.query_map([], device_row)?;
            rows.map(|r| to_device(r?)).collect()
        })
        .await
    }

    async fn revoke_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<bool> {
        self.call(move |c| {
            // Sessions stay, so the device's next request is told it was revoked (and wipes),
            // rather than merely that its token is unknown.
            let n = c.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                (id.to_string(), t(now)),
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn touch_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<()> {
        self.call(move |c| {
            c.execute(
                "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1",
                (id.to_string(), t(now)),
            )?;
            Ok(())
        })
        .await
    }

    async fn enrol_pending(
        &self,
        code_hash: &str,
        device: &DeviceRow,
        pending: &PendingEnrolment,
        now: DateTime<Utc>,
    ) -> Result<EnrolOutcome> {
        let (h, d, p, now) = (
            code_hash.to_owned(),
            device.clone(),
            pending.clone(),
            t(now),
        );
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let id = d.id.to_string();
            let exists: bool = tx
                .query_row("SELECT 1 FROM devices WHERE id = ?1", [&id], |_| Ok(()))
                .optional()?
                .is_some();
            let pending_before: bool = tx
                .query_row(
                    "SELECT 1 FROM pending_enrolments WHERE device_id = ?1",
                    [&id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if exists && !pending_before {
                return Ok(EnrolOutcome::DeviceTaken);
            }
            let used = tx.execute(
                "UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                (&h, &now, &id),
            )?;
            if used != 1 {
                return Ok(EnrolOutcome::CodeRefused);
            }
            if exists {
                // An earlier enrolment of this device nobody signed in on: replaced.
                tx.execute("DELETE FROM pending_enrolments WHERE device_id = ?1", [&id])?;
                tx.execute("DELETE FROM devices WHERE id = ?1", [&id])?;
            }
            tx.execute(
                "INSERT INTO devices (id, name, secret_hash, app_version, enrolled_at, chain_head) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (&id, d.name, d.secret_hash, d.app_version, t(d.enrolled_at), GENESIS),
            )?;
            tx.execute(
                "INSERT INTO pending_enrolments (device_id, code_hash, sealed_secret, lapses_at) VALUES (?1, ?2, ?3, ?4)",
                (&id, p.code_hash, p.sealed_secret, t(p.lapses_at)),
            )?;
            tx.commit()?;
            Ok(EnrolOutcome::Enrolled)
        })
        .await
    }

    async fn pending_enrolment(&self, id: DeviceId) -> Result<Option<PendingEnrolment>> {
        self.call(move |c| {
            let row: Option<(String, String, String)> = c
                .query_row(
                    "SELECT code_hash, sealed_secret, lapses_at FROM pending_enrolments WHERE device_id = ?1",
                    [id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            row.map(|(code_hash, sealed_secret, lapses)| {
                Ok(PendingEnrolment {
                    device_id: id,
                    code_hash,
                    sealed_secret,
                    lapses_at: parse_t(&lapses)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn confirm_enrolment(&self, id: DeviceId) -> Result<()> {
        self.call(move |c| {
            c.execute(
                "DELETE FROM pending_enrolments WHERE device_id = ?1",
                [id.to_string()],
            )?;
            Ok(())
        })
        .await
    }

    async fn lapse_enrolments(&self, now: DateTime<Utc>) -> Result<Vec<DeviceRow>> {
        let now = t(now);
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let lapsed: Vec<DeviceRow> = {
                let mut stmt = tx.prepare(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices WHERE id IN (SELECT device_id FROM pending_enrolments WHERE lapses_at <= ?1)"
                ))?;
                let rows = stmt.query_map([&now], device_row)?;
                rows.map(|r| to_device(r?)).collect::<Result<_>>()?
            };
            for d in &lapsed {
                let id = d.id.to_string();
                tx.execute("DELETE FROM pending_enrolments WHERE device_id = ?1", [&id])?;
                // Nobody signed in on it, so it has no sessions, ops or reads: only its row.
                tx.execute("DELETE FROM devices WHERE id = ?1", [&id])?;
            }
            tx.commit()?;
            Ok(lapsed)
        })
        .await
    }
}
