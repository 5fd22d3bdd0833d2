//! The demo's improvement actions, on red cells of the demo board: Kentish Town SNT (a PC short
//! and falling behind) has an action its sergeant opened five weeks ago, with progress updates
//! (on track, then off track) and a review that is now overdue; Hackney's town centre team has a
//! newer one with nothing reported yet; and Dalston SNT had one, closed for a reason. Written as
//! HQ writes every action ([`crate::actions`]), authored by the supervisors.

use crate::actions::{write_closure, write_new, write_update};
use crate::admin::AdminError;
use crate::dashboard::framework::{Board, BoardQuery};
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

/// The first red cell of `team` on `board`, preferring the measures in `prefer` (in order).
fn red_cell(board: &Board, team: &str, prefer: &[Measure]) -> Option<(Measure, Option<f64>, f64)> {
    let row = board.rows.iter().find(|r| r.id == team)?;
    let red = |m: &Measure| {
        row.cells
            .iter()
            .find(|c| c.measure == *m && c.rag == Rag::Red)
            .map(|c| (c.measure, c.value, c.target))
    };
    prefer.iter().find_map(red).or_else(|| {
        row.cells
            .iter()
            .find(|c| c.rag == Rag::Red)
            .map(|c| (c.measure, c.value, c.target))
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
            team: "hackney-tct",
            prefer: &[Measure::ConcernsAnswered72h, Measure::ConcernsClosed],
            what: "Every concern logged in Dalston and Hackney Central town centres is called back within 72 hours: the shift sergeant checks the open list at each briefing",
            owner: "PC4460",
            opener: "PS2214",
            opened_days_ago: 9,
            due_in_days: 60,
            review_in_days: 30,
        },
        Plan {
            team: "dalston-snt",
            prefer: &[Measure::IntelPerMonth, Measure::EngagementsPerMonth],
            what: "Monthly street briefings with Ridley Road market traders to gather information",
            owner: "PCSO6407",
            opener: "PS2214",
            opened_days_ago: 60,
            due_in_days: 90,
            review_in_days: 30,
        },
    ];
    let mut opened = Vec::new();
    for plan in &plans {
        let opener = officer(state, plan.opener).await?;
        let owner = officer(state, plan.owner).await?;
        let board = board_then(state, &opener, now, plan.opened_days_ago).await?;
        let Some((measure, value, target)) = red_cell(&board, plan.team, plan.prefer) else {
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
            measure,
            target,
            value,
            rag: Rag::Red,
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
        opened.push((plan.team, id, opener, owner, opened_on));
    }
    for (team, id, opener, owner, opened_on) in &opened {
        let at = |days: i64, hour: u32| {
            opened_on
                .and_hms_opt(hour, 0, 0)
                .map(|t| t.and_utc() + Duration::days(days))
                .unwrap_or(now)
                .min(now)
        };
        match *team {
            "kentish-town-snt" => {
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
            "dalston-snt" => {
                let closure = Closure {
                    evidence: Evidence::Reason {
                        reason: "The market's traders' association now briefs the team itself each month; the SNT attends instead".into(),
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
