//! Enrolment codes and enrolled devices.

use super::{ms, to_u64, PostgresStorage};
use crate::push::GENESIS;
use crate::storage::{DeviceRow, Devices, EnrolOutcome, PendingEnrolment, Result};
use async_trait::async_trait;
use beatbook_domain::DeviceId;
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

const DEVICE_COLUMNS: &str =
    "id, name, secret_hash, app_version, enrolled_at, revoked_at, last_seen_at, next_seq";

/// Register `device` inside the transaction, its op-log chain at the start.
async fn insert_device(tx: &tokio_postgres::Transaction<'_>, device: &DeviceRow) -> Result<()> {
    tx.execute(
        "INSERT INTO devices (id, name, secret_hash, app_version, enrolled_at, chain_head)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &device.id.0,
            &device.name,
            &device.secret_hash,
            &device.app_version,
            &ms(device.enrolled_at),
            &GENESIS,
        ],
    )
    .await?;
    Ok(())
}

fn to_device(r: &Row) -> DeviceRow {
    DeviceRow {
        id: DeviceId(r.get(0)),
        name: r.get(1),
        secret_hash: r.get(2),
        app_version: r.get(3),
        enrolled_at: r.get(4),
        revoked_at: r.get(5),
        last_seen_at: r.get(6),
        next_seq: to_u64(r.get(7)),
    }
}

#[async_trait]
impl Devices for PostgresStorage {
    async fn add_enrolment_code(&self, code_hash: &str, expires_at: DateTime<Utc>) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO enrolment_codes (code_hash, expires_at) VALUES ($1, $2)",
                &[&code_hash, &ms(expires_at)],
            )
            .await?;
        Ok(())
    }

    async fn enrol_device(
        &self,
        code_hash: &str,
        device: &DeviceRow,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let now = ms(now);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The row lock makes a second enrolment with the same code wait, then find it used.
        let used = tx
            .execute(
                "UPDATE enrolment_codes SET used_at = $2, device_id = $3
                 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
                &[&code_hash, &now, &device.id.0],
            )
            .await?;
        if used != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_device(&tx, device).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn device(&self, id: DeviceId) -> Result<Option<DeviceRow>> {
        let row = self
            .client()
            .await?
            .query_opt(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1"),
                &[&id.0],
            )
            .await?;
        Ok(row.as_ref().map(to_device))
    }

    async fn devices(&self) -> Result<Vec<DeviceRow>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at"),
                &[],
            )
            .await?;
        Ok(rows.iter().map(to_device).collect())
    }

    async fn revoke_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<bool> {
        // Sessions stay, so the device's next request is told it was revoked (and wipes), rather
        // than merely that its token is unknown.
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1",
                &[&id.0, &ms(now)],
            )
            .await?;
        Ok(n == 1)
    }

    async fn touch_device(&self, id: DeviceId, now: DateTime<Utc>) -> Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE devices SET last_seen_at = $2 WHERE id = $1",
                &[&id.0, &ms(now)],
            )
            .await?;
        Ok(())
    }

    async fn enrol_pending(
        &self,
        code_hash: &str,
        device: &DeviceRow,
        pending: &PendingEnrolment,
        now: DateTime<Utc>,
    ) -> Result<EnrolOutcome> {
        let now = ms(now);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let exists = tx
            .query_opt(
                "SELECT 1 FROM devices WHERE id = $1 FOR UPDATE",
                &[&device.id.0],
            )
            .await?
            .is_some();
        let pending_before = tx
            .query_opt(
                "SELECT 1 FROM pending_enrolments WHERE device_id = $1 FOR UPDATE",
                &[&device.id.0],
            )
            .await?
            .is_some();
        if exists && !pending_before {
            tx.rollback().await?;
            return Ok(EnrolOutcome::DeviceTaken);
        }
        // The row lock makes a second enrolment with the same code wait, then find it used.
        let used = tx
            .execute(
                "UPDATE enrolment_codes SET used_at = $2, device_id = $3
                 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
                &[&code_hash, &now, &device.id.0],
            )
            .await?;
        if used != 1 {
            tx.rollback().await?;
            return Ok(EnrolOutcome::CodeRefused);
        }
        if exists {
            // An earlier enrolment of this device nobody signed in on: replaced.
            tx.execute(
                "DELETE FROM pending_enrolments WHERE device_id = $1",
                &[&device.id.0],
            )
            .await?;
            tx.execute("DELETE FROM devices WHERE id = $1", &[&device.id.0])
                .await?;
        }
        insert_device(&tx, device).await?;
        tx.execute(
            "INSERT INTO pending_enrolments (device_id, code_hash, sealed_secret, lapses_at)
             VALUES ($1, $2, $3, $4)",
            &[
                &device.id.0,
                &pending.code_hash,
                &pending.sealed_secret,
                &ms(pending.lapses_at),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(EnrolOutcome::Enrolled)
    }

    async fn pending_enrolment(&self, id: DeviceId) -> Result<Option<PendingEnrolment>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT code_hash, sealed_secret, lapses_at FROM pending_enrolments
                 WHERE device_id = $1",
                &[&id.0],
            )
            .await?;
        Ok(row.map(|r| PendingEnrolment {
            device_id: id,
            code_hash: r.get(0),
            sealed_secret: r.get(1),
            lapses_at: r.get(2),
        }))
    }

    async fn confirm_enrolment(&self, id: DeviceId) -> Result<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM pending_enrolments WHERE device_id = $1",
                &[&id.0],
            )
            .await?;
        Ok(())
    }

    async fn lapse_enrolments(&self, now: DateTime<Utc>) -> Result<Vec<DeviceRow>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let ids: Vec<uuid::Uuid> = tx
            .query(
                "DELETE FROM pending_enrolments WHERE lapses_at <= $1 RETURNING device_id",
                &[&ms(now)],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if ids.is_empty() {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        // Nobody signed in on them, so they have no sessions, ops or reads: only their rows.
        let rows = tx
            .query(
                &format!("DELETE FROM devices WHERE id = ANY($1) RETURNING {DEVICE_COLUMNS}"),
                &[&ids],
            )
            .await?;
        tx.commit().await?;
        Ok(rows.iter().map(to_device).collect())
    }
}
