//! Improvement actions on the tablet: the team's open actions, one action with its updates, and
//! a progress update added offline (it waits for the next sync like any change).

use beatbook_domain::improvement::ActionUpdate;
use beatbook_domain::tablet::ActionCard;
use beatbook_domain::RecordId;

use crate::{DeviceError, Session};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

impl Session {
    /// The open improvement actions of the signed-in officer's teams, overdue first.
    pub async fn actions(&self) -> Result<Vec<ActionCard>, DeviceError> {
        self.with_store(|s| s.team_actions(today())).await
    }

    /// One improvement action with every progress update.
    pub async fn action(&self, id: RecordId) -> Result<ActionCard, DeviceError> {
        self.with_store(move |s| s.action_card(id, today())).await
    }

    /// Add a progress update to an improvement action (append-only; the action itself is HQ's).
    /// Answers the action as it now stands; the background sync is told.
    pub async fn add_action_update(
        &self,
        id: RecordId,
        update: ActionUpdate,
    ) -> Result<ActionCard, DeviceError> {
        let card = self
            .with_store(move |s| {
                s.add_action_update(id, &update)?;
                s.action_card(id, today())
            })
            .await?;
        self.saved();
        Ok(card)
    }
}
