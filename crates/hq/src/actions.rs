//! Improvement actions at HQ (issue 18, H1): opened from a cell of the board, progress, closing
//! with evidence; the board's marks. CONTRACT STUB: H1 replaces the body of every function here
//! and keeps the signatures the committee report (H3) calls.

use crate::error::ApiError;
use crate::HqState;
use beatbook_domain::improvement::{ActionStatus, ActionUpdate, ImprovementAction};
use beatbook_domain::RecordId;

/// An action as HQ holds it: the record, its updates (oldest first) and its status.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionRecord {
    pub id: RecordId,
    pub action: ImprovementAction,
    pub updates: Vec<ActionUpdate>,
    pub status: ActionStatus,
}

/// Every improvement action HQ holds (open and closed), oldest first. Not logged as a disclosure:
/// callers that show owners' names or update text to a person log what they show.
pub async fn all(state: &HqState) -> Result<Vec<ActionRecord>, ApiError> {
    let _ = state;
    Ok(Vec::new()) // H1: read every record of kind Action
}
