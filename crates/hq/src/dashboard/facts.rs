//! The framework's facts, kept in memory: what every record contributes to the performance
//! framework and the overlaps page (a few dozen bytes each, see [`Item`]), brought up to date on
//! each request from the records changed since the last look.
//!
//! Reading and parsing a force's million records takes seconds; computing the board from their
//! facts takes tens of milliseconds. So the facts are read once (in the background when HQ
//! starts, see [`Facts::warm`]) and after that only what changed is read: the server sequence of
//! the newest change seen is the cursor, and every push gives each record it touches a new,
//! higher sequence in commit order, on both backends and across HQ processes. A deleted record
//! drops out; a record that moves areas is read again with its new areas.
//!
//! Nothing here is a second source of truth: the records are. A restarted HQ reads them again.

use super::framework::{fact_of, Item, StateView};
use crate::error::ApiError;
use crate::storage::{RecordQuery, Storage};
use beatbook_domain::{RecordId, RecordKind};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// The kinds the framework and the overlaps page read.
pub const KINDS: [RecordKind; 6] = [
    RecordKind::Concern,
    RecordKind::Priority,
    RecordKind::PatrolLog,
    RecordKind::Engagement,
    RecordKind::IntelReport,
    RecordKind::Meeting,
];

/// Records read from storage at a time.
const PAGE: u32 = 20_000;

/// The facts as of one server sequence.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Every change up to this server sequence is in `items`.
    pub cursor: u64,
    pub items: HashMap<RecordId, Item>,
}

impl Snapshot {
    pub fn items(&self) -> impl Iterator<Item = &Item> + Clone {
        self.items.values()
    }
}

/// The facts, shared by every request of one HQ process.
#[derive(Default)]
pub struct Facts {
    /// Held while bringing the facts up to date, so one request reads each change once and the
    /// others wait for it rather than read it again.
    current: Mutex<Arc<Snapshot>>,
}

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    /// The facts, up to date with every change committed before the call.
    ///
    /// A request still computing from an older snapshot keeps it; the update then copies the
    /// facts rather than change them under it.
    pub async fn current(&self, storage: &dyn Storage) -> Result<Arc<Snapshot>, ApiError> {
        let mut current = self.current.lock().await;
        loop {
            let page = storage
                .framework_rows(&RecordQuery {
                    kinds: KINDS.to_vec(),
                    after: current.cursor,
                    limit: PAGE,
                })
                .await?;
            let Some(last) = page.last().map(|r| r.change.server_seq) else {
                break;
            };
            let full = page.len() >= PAGE as usize;
            // Parsing is the cost: keep it off the async workers.
            let parsed: Vec<(RecordId, Option<Item>)> = tokio::task::spawn_blocking(move || {
                page.iter()
                    .map(|r| {
                        let item = StateView::parse(&r.change.state_json)
                            .and_then(|s| fact_of(&s, &r.change.facts.areas, r.answered_ms));
                        (r.change.record_id, item)
                    })
                    .collect()
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
            let snapshot = Arc::make_mut(&mut current);
            for (id, item) in parsed {
                match item {
                    Some(item) => snapshot.items.insert(id, item),
                    None => snapshot.items.remove(&id),
                };
            }
            snapshot.cursor = last;
            if !full {
                break;
            }
        }
        Ok(current.clone())
    }

    /// Read the facts in the background, so the first page after HQ starts does not wait for a
    /// force's records to be read. Errors are logged; the next request tries again.
    pub fn warm(self: &Arc<Self>, storage: Arc<dyn Storage>) {
        let facts = self.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match facts.current(storage.as_ref()).await {
                Ok(s) => tracing::info!(
                    records = s.items.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "framework facts read"
                ),
                Err(e) => tracing::warn!(error = %e, "framework facts not read yet"),
            }
        });
    }
}
