//! The tablets' reads: into the access log once each, by the ledger `device_reads`.

use super::audit::insert_access;
use super::{t, SqliteStorage};
use crate::dashboard::audit::AccessEntry;
use crate::storage::{DeviceReadLog, Result};
use async_trait::async_trait;
use beatbook_domain::DeviceId;
use chrono::Utc;

#[async_trait]
impl DeviceReadLog for SqliteStorage {
    async fn log_device_reads(
        &self,
        device: DeviceId,
        reads: &[(u64, AccessEntry)],
    ) -> Result<u32> {
        let reads = reads.to_vec();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut logged = 0u32;
            let now = t(Utc::now());
            for (seq, entry) in &reads {
                let new = tx
                    .prepare_cached(
                        "INSERT INTO device_reads (device_id, seq, received_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT (device_id, seq) DO NOTHING",
                    )?
                    .execute((
                        device.to_string(),
                        i64::try_from(*seq).unwrap_or(i64::MAX),
                        &now,
                    ))?;
                if new == 1 {
                    insert_access(&tx, entry)?;
                    logged += 1;
                }
            }
            tx.commit()?;
            Ok(logged)
        })
        .await
    }
}
