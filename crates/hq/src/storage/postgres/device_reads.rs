//! The tablets' reads: into the access log once each, by the ledger `device_reads`. Two HQ
//! processes given the same batch at once: the second waits on the ledger's key, then finds
//! each read logged.

use super::audit::insert_access;
use super::{to_i64, PostgresStorage};
use crate::dashboard::audit::AccessEntry;
use crate::storage::{DeviceReadLog, Result};
use async_trait::async_trait;
use beatbook_domain::DeviceId;
use chrono::Utc;

#[async_trait]
impl DeviceReadLog for PostgresStorage {
    async fn log_device_reads(
        &self,
        device: DeviceId,
        reads: &[(u64, AccessEntry)],
    ) -> Result<u32> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let now = Utc::now();
        let mut logged = 0u32;
        for (seq, entry) in reads {
            let new = tx
                .execute(
                    "INSERT INTO device_reads (device_id, seq, received_at) VALUES ($1, $2, $3)
                     ON CONFLICT (device_id, seq) DO NOTHING",
                    &[&device.0, &to_i64(*seq), &now],
                )
                .await?;
            if new == 1 {
                insert_access(&tx, entry).await?;
                logged += 1;
            }
        }
        tx.commit().await?;
        Ok(logged)
    }
}
