//! The demo story behind `beatbook hq admin seed-demo`: twelve weeks of believable work by the
//! six demo teams, so the dashboard and the framework board have something to say. Concerns in
//! every team's areas, answered in time or late and some closed; ward panels and the priorities
//! they agree, with reviews and "You said, we did" updates; hotspot patrols; engagements;
//! graded intelligence; and targets for every team but Hackney Central SNT, which has none set.
//!
//! [`people`] says who and how each team is doing, [`places`] where, [`text`] what they write,
//! [`story`] tells it from a seed (the same story every time), and [`load`] sends it from the
//! officers' tablets through the sync endpoint's own function.
//! Loading it twice adds nothing: a database that has the demo tablets already is left as it is.

pub mod actions;
pub mod load;
pub mod people;
pub mod places;
pub mod story;
pub mod text;

use crate::admin::AdminError;
use crate::auth::hash_password;
use crate::dashboard::framework::TargetRow;
use crate::{performance, HqState};
use beatbook_domain::framework::Measure;
use beatbook_domain::OfficerId;
use chrono::{DateTime, Utc};
pub use story::Counts;

/// The seed of the demo story.
pub const SEED: u64 = 2026;

/// What [`seed_story`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Seeded {
    Loaded {
        counts: Counts,
        tablets: usize,
        ops: usize,
    },
    /// The database has the demo tablets already: nothing was added.
    AlreadyLoaded,
}

impl Seeded {
    /// What to tell the person who ran `seed-demo`.
    pub fn describe(&self) -> String {
        match self {
            Seeded::AlreadyLoaded => "The twelve weeks of demo activity were already loaded: nothing added.".into(),
            Seeded::Loaded { counts: c, tablets, ops } => format!(
                "Loaded twelve weeks of demo activity from {tablets} officers' tablets ({ops} changes): \
                 {} concerns ({} answered, {} closed), {} meetings, {} priorities, {} patrols, \
                 {} engagements and {} intelligence reports; targets for every team but one.",
                c.concerns, c.replies, c.closed, c.meetings, c.priorities, c.patrols, c.engagements, c.intel
            ),
        }
    }
}

/// Load the story's officers (with `password`) and, unless it is there already, the twelve weeks
/// of activity up to now. The demo areas, teams and officers must be loaded first
/// ([`crate::admin::seed_demo`]).
pub async fn seed_story(state: &HqState, password: &str) -> Result<Seeded, AdminError> {
    seed_story_at(state, password, Utc::now()).await
}

/// [`seed_story`], with the story ending at `now`.
pub async fn seed_story_at(
    state: &HqState,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Seeded, AdminError> {
    let storage = state.storage.as_ref();
    let hash = hash_password(password).map_err(AdminError::Invalid)?;
    for officer in people::story_officers() {
        storage.put_officer(&officer, Some(&hash)).await?;
    }
    if storage
        .devices()
        .await?
        .iter()
        .any(|d| d.name.starts_with(load::TABLET_NAME))
    {
        return Ok(Seeded::AlreadyLoaded);
    }
    let (teams, areas) = (storage.teams().await?, storage.areas().await?);
    let told = story::story(SEED, now, &teams, &areas);
    let (tablets, ops) =
        load::load(state, password, &people::tablet_officers(), told.steps).await?;
    set_targets(state).await?;
    actions::load(state, now).await?;
    Ok(Seeded::Loaded {
        counts: told.counts,
        tablets,
        ops,
    })
}

/// Every team's own targets, but for the one the story leaves without.
async fn set_targets(state: &HqState) -> Result<(), AdminError> {
    let admin = state
        .storage
        .officer(&OfficerId::new("AD0001"))
        .await?
        .ok_or_else(|| AdminError::NotFound("the demo administrator AD0001 is not loaded".into()))?
        .officer;
    for profile in people::profiles() {
        let Some(targets) = profile.targets else {
            continue;
        };
        for (m, target) in people::targets(targets) {
            let row = TargetRow {
                scope: format!("team:{}", profile.team),
                measure: Measure::id(m).to_owned(),
                target,
            };
            performance::set_target(state, &admin, row)
                .await
                .map_err(|e| AdminError::Invalid(format!("setting a demo target: {e}")))?;
        }
    }
    Ok(())
}
