//! Saving records as the tablet does: each kind of new record and edit goes to its store
//! function, which validates it field by field and saves it with its op in one transaction.

use beatbook_domain::concern::ConcernUpdate;
use beatbook_domain::meeting::YouSaidWeDid;
use beatbook_domain::tablet::{
    IntelSubmission, IntelSubmitted, RecordDetail, RecordInput, RecordUpdate,
};
use beatbook_domain::views::{ListFilter, RecordSummary};
use beatbook_domain::RecordId;
use beatbook_store::{Store, StoreError};

use crate::{DeviceError, Session};

/// Save a new record; answers its id. A meeting also makes a priority record for each priority
/// it agreed.
pub fn create(store: &mut Store, input: RecordInput) -> Result<RecordId, StoreError> {
    match input {
        RecordInput::Concern(c) => store.add_concern(c),
        RecordInput::Meeting(m) => store.add_meeting(m).map(|saved| saved.meeting_id),
        RecordInput::Priority(p) => store.create(&p),
        RecordInput::PatrolLog(p) => store.add_patrol_log(p),
        RecordInput::Engagement(e) => store.add_engagement(e),
    }
}

/// Save an edited record; answers false when nothing changed. A concern's areas are worked out
/// again from its location.
pub fn update(store: &mut Store, id: RecordId, update: RecordUpdate) -> Result<bool, StoreError> {
    match update {
        RecordUpdate::Concern(c) => store.update_concern(id, c),
        RecordUpdate::Meeting(m) => store.update(id, &m),
        RecordUpdate::Priority(p) => store.update(id, &p),
        RecordUpdate::PatrolLog(p) => store.update(id, &p),
        RecordUpdate::Engagement(e) => store.update(id, &e),
    }
}

/// The officer's reads, in a session. Each is logged in the store's read log (see
/// `beatbook_store::Store::open_record`) and reaches HQ's access log at the next sync; the app's
/// commands and the headless device read records through these, never `record_detail`,
/// `search` or `list` directly.
impl Session {
    /// Open a record: a `view` in the read log.
    pub async fn open_record(&self, id: RecordId) -> Result<RecordDetail, DeviceError> {
        self.with_store(move |s| s.open_record(id)).await
    }

    /// Search the tablet's records: a `search` in the read log, with its words.
    pub async fn search(
        &self,
        text: String,
        filter: ListFilter,
    ) -> Result<Vec<RecordSummary>, DeviceError> {
        self.with_store(move |s| s.search_logged(&text, &filter))
            .await
    }

    /// List records: a `list` in the read log when it shows more than the shift's briefing.
    pub async fn list(&self, filter: ListFilter) -> Result<Vec<RecordSummary>, DeviceError> {
        self.with_store(move |s| s.list_logged(&filter)).await
    }
}

/// The same, in a session: saved on a blocking thread, then the background sync is told.
impl Session {
    pub async fn create(&self, input: RecordInput) -> Result<RecordId, DeviceError> {
        let id = self.with_store(move |s| create(s, input)).await?;
        self.saved();
        Ok(id)
    }

    /// Submit an intelligence report, with its source details (if any) as a separate restricted
    /// record. Threat to life goes by radio; the report itself still goes to HQ as soon as it can.
    pub async fn submit_intel(
        &self,
        submission: IntelSubmission,
    ) -> Result<IntelSubmitted, DeviceError> {
        let saved = self.with_store(move |s| s.submit_intel(submission)).await?;
        self.saved();
        Ok(saved)
    }

    pub async fn update(&self, id: RecordId, edit: RecordUpdate) -> Result<bool, DeviceError> {
        let changed = self.with_store(move |s| update(s, id, edit)).await?;
        if changed {
            self.saved();
        }
        Ok(changed)
    }

    /// Add a "You said, we did" update to a priority (append-only).
    pub async fn add_priority_update(
        &self,
        id: RecordId,
        entry: YouSaidWeDid,
    ) -> Result<(), DeviceError> {
        self.with_store(move |s| s.add_priority_update(id, &entry))
            .await?;
        self.saved();
        Ok(())
    }

    /// Add a dated update to a concern (append-only): the concern is not retyped, and the first
    /// update answers it.
    pub async fn add_concern_update(
        &self,
        id: RecordId,
        update: ConcernUpdate,
    ) -> Result<(), DeviceError> {
        self.with_store(move |s| s.add_concern_update(id, &update))
            .await?;
        self.saved();
        Ok(())
    }

    /// Settle a concurrent-edit conflict: `text` replaces every live version of `field`.
    pub async fn resolve(
        &self,
        id: RecordId,
        field: String,
        text: String,
    ) -> Result<RecordDetail, DeviceError> {
        let detail = self
            .with_store(move |s| {
                s.resolve_text(id, &field, &text)?;
                s.record_detail(id)
            })
            .await?;
        self.saved();
        Ok(detail)
    }
}
