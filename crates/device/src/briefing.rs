//! The shift briefing (open concerns and active priorities of the officer's team areas, and the
//! hotspots) and the priorities board, as of today on the device's clock.

use beatbook_domain::tablet::{Briefing, PriorityCard};
use beatbook_domain::AreaId;

use crate::{profile_of, DeviceError, Session};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

impl Session {
    /// Open concerns and active priorities in the areas of the signed-in officer's teams (every
    /// area on the device when the teams' areas are not known), with the busiest areas first.
    pub async fn briefing(&self) -> Result<Briefing, DeviceError> {
        self.with_store(|s| {
            let areas: Vec<AreaId> = profile_of(s)?
                .teams
                .into_iter()
                .flat_map(|t| t.areas)
                .collect();
            s.briefing(&areas, today())
        })
        .await
    }

    /// Priorities with their SARA plans and "You said, we did" updates, overdue reviews first.
    pub async fn priorities_board(
        &self,
        area: Option<AreaId>,
    ) -> Result<Vec<PriorityCard>, DeviceError> {
        self.with_store(move |s| s.priority_board(area, today()))
            .await
    }
}
