//! The demo's improvement actions, on failing cells of the demo board (red, else amber):
//! Kentish Town SNT (a PC short and falling behind) has an action its sergeant opened five weeks
//! ago on its peak-time patrols, with progress updates (on track, then off track) and a review
//! that is now overdue, and a newer one on answering concerns with nothing reported yet; and
//! Hackney's town centre team had one, closed for a reason. Written as HQ writes every action
//! ([`crate::actions`]), authored by the supervisors.

use crate::actions::{write_closure, write_new, write_update};
use crate::admin::AdminError;
use crate::dashboard::framework::{Board, BoardQuery, Cell};
use crate::error::ApiError;
use crate::{performance, HqState};
use beatbook_domain::framework::{Measure, Rag};
use beatbook_domain::improvement::{
    self, ActionUpdate, Closure, Evidence, ImprovementAction, Progress,
};
use beatbook_domain::people::Officer;
use beatbook_domain::{OfficerId, TeamId};
use chrono::{DateTime, Duration, Utc};

fn err(e: ApiError) -> AdminError {
    AdminError::Invalid(format!("the demo's improvement actions: {e}"))
}

async fn officer(state: &HqState, collar: &str) -> Result<Officer, AdminError> {
    Ok(state
        .storage
        .officer(&OfficerId::new(collar))
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("the demo officer {collar} is not loaded")))?
        .officer)
}

/// The 28 days' board that ended `days_ago` days before `now`, by team.
async fn board_then(
    state: &HqState,
    by: &Officer,
    now: DateTime<Utc>,
    days_ago: i64,
) -> Result<Board, AdminError> {
    let last = (now - Duration::days(days_ago)).date_naive();
    let q = BoardQuery {
        from: Some(last - Duration::days(27)),
        to: Some(last),
        ..BoardQuery::default()
    };
    performance::board(state, by, &q).await.map_err(err)
}

/// A failing cell of `team` on `board`: red before amber, and of each the measures in `prefer`
/// first (in order); none of the measures in `taken`.
fn failing_cell<'a>(
    board: &'a Board,
    team: &str,
    prefer: &[Measure],
    taken: &[Measure],
) -> Option<&'a Cell> {
    let row = board.rows.iter().find(|r| r.id == team)?;
    let free = |c: &&Cell| !taken.contains(&c.measure);
    [Rag::Red, Rag::Amber].into_iter().find_map(|rag| {
        let cell = |m: &Measure| {
            row.cells
                .iter()
                .filter(free)
                .find(|c| c.measure == *m && c.rag == rag)
        };
        prefer
            .iter()
            .find_map(cell)
            .or_else(|| row.cells.iter().filter(free).find(|c| c.rag == rag))
    })
}

/// What one demo action says.
struct Plan {
    team: &'static str,
    prefer: &'static [Measure],
    what: &'static str,
    owner: &'static str,
    opener: &'static str,
    /// Opened this many days before now, from the 28 days' board that ended then.
    opened_days_ago: i64,
    due_in_days: i64,
    review_in_days: i64,
}

/// Open the demo's actions as of `now`. Each goes on a red cell of its team's board when it was
/// opened; a team with no red cell then gets none.
pub async fn load(state: &HqState, now: DateTime<Utc>) -> Result<usize, AdminError> {
    let plans = [
        Plan {
            team: "kentish-town-snt",
            prefer: &[Measure::PatrolHoursPeak, Measure::EngagementsPerMonth],
            what: "Two extra hotspot patrols a week on Friday and Saturday evenings around Kentish Town station and Leighton Road, covered by the SNT and the town centre team while the vacant PC post is filled",
            owner: "PC3945",
            opener: "PS1102",
            opened_days_ago: 35,
            due_in_days: 70,
            review_in_days: 21,
        },
        Plan {
            team: "kentish-town-snt",
            prefer: &[Measure::ConcernsAnswered72h, Measure::ConcernsClosed],
            what: "Every concern logged in the three wards is called back within 72 hours: the sergeant checks the open list at each briefing",
            owner: "PCSO6311",
            opener: "PS1102",
            opened_days_ago: 9,
            due_in_days: 60,
            review_in_days: 30,
        },
        Plan {
            team: "hackney-tct",
            prefer: &[Measure::PatrolHoursPeak, Measure::ConcernsClosed],
            what: "A fourth evening patrol in Dalston town centre on Thursdays",
            owner: "PC4460",
            opener: "PS2214",
            opened_days_ago: 60,
            due_in_days: 90,
            review_in_days: 30,
        },
    ];
    type Opened = (
        usize,
        &'static str,
        beatbook_domain::RecordId,
        Officer,
        Officer,
        chrono::NaiveDate,
        Measure,
    );
    let mut opened: Vec<Opened> = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        let opener = officer(state, plan.opener).await?;
        let owner = officer(state, plan.owner).await?;
        let board = board_then(state, &opener, now, plan.opened_days_ago).await?;
        let taken: Vec<Measure> = opened
            .iter()
            .filter(|(_, team, ..)| *team == plan.team)
            .map(|(.., measure)| *measure)
            .collect();
        let Some(cell) = failing_cell(&board, plan.team, plan.prefer, &taken) else {
            continue;
        };
        let opened_on = (now - Duration::days(plan.opened_days_ago)).date_naive();
        let action = ImprovementAction {
            team_id: TeamId::new(plan.team),
            areas: state
                .storage
                .teams()
                .await?
                .into_iter()
                .find(|t| t.id.as_str() == plan.team)
                .map(|t| t.areas)
                .unwrap_or_default(),
            measure: cell.measure,
            target: cell.target,
            value: cell.value,
            rag: cell.rag,
            period_first_day: board.first_day,
            period_last_day: board.last_day,
            what: plan.what.into(),
            owner: owner.id.clone(),
            owner_name: owner.name.clone(),
            opened_by: opener.id.clone(),
            opened_by_name: opener.name.clone(),
            opened_on,
            due_on: opened_on + Duration::days(plan.due_in_days),
            review_on: opened_on + Duration::days(plan.review_in_days),
            closure: None,
            retention_review: improvement::retention_review(opened_on),
        };
        let id = write_new(state, &opener.id, &action).await.map_err(err)?;
        opened.push((i, plan.team, id, opener, owner, opened_on, cell.measure));
    }
    for (i, _, id, opener, owner, opened_on, _) in &opened {
        let at = |days: i64, hour: u32| {
            opened_on
                .and_hms_opt(hour, 0, 0)
                .map(|t| t.and_utc() + Duration::days(days))
                .unwrap_or(now)
                .min(now)
        };
        match i {
            // Kentish Town's patrols: on track, then off track.
            0 => {
                let updates = [
                    (&owner.id, 7, Some(Progress::OnTrack), "First two Friday patrols done; Leighton Road quieter on the second"),
                    (&opener.id, 14, None, "Town centre team agreed to cover Saturdays until the new PC starts"),
                    (&owner.id, 24, Some(Progress::OffTrack), "Saturday cover fell through twice: the town centre team was sent to Camden Market"),
                ];
                for (author, days, progress, note) in updates {
                    let update = ActionUpdate {
                        note: note.into(),
                        progress,
                        at: at(days, 21),
                    };
                    write_update(state, author, *id, &update)
                        .await
                        .map_err(err)?;
                }
            }
            // Hackney's Thursday patrol: closed for a reason.
            2 => {
                let closure = Closure {
                    evidence: Evidence::Reason {
                        reason: "Thursday evenings are now covered by the borough's night-time economy patrols, which the team joins".into(),
                    },
                    closed_on: opened_on
                        .checked_add_signed(Duration::days(40))
                        .unwrap_or(*opened_on)
                        .min(now.date_naive()),
                    closed_by: opener.id.clone(),
                    closed_by_name: opener.name.clone(),
                };
                write_closure(state, &opener.id, *id, &closure)
                    .await
                    .map_err(err)?;
            }
            _ => {}
        }
    }
    Ok(opened.len())
}
