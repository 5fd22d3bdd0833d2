//! Improvement actions at HQ: opened from a cell of the board, progress updates, closing with
//! its evidence, and the board's marks. The rules are the domain's
//! ([`beatbook_domain::improvement`]); an action is a record ([`RecordKind::Action`]) that HQ
//! writes under its own identity through the same writer as intelligence review
//! ([`crate::intel_review::write`]), authored by the member of staff, so it reaches the team's
//! tablets through the normal pull and the op log says who did what. Officers add progress from
//! their tablets (an append, see [`crate::push`]); staff add it here.
//!
//! Who: supervisors open, update and close actions for the teams they supervise (their
//! `teams`); supervisors, analysts and administrators read them (they name owners, so each read
//! is written to the access log).

use crate::dashboard::actions::{ActionView, ActionsQuery, CellAction, UpdateView};
use crate::dashboard::framework::{Board, BoardQuery};
use crate::error::ApiError;
use crate::intel_review::{self, json, set, Change, Guard};
use crate::records::{self, log_disclosure, OfficerNames};
use crate::HqState;
use beatbook_domain::framework::{self, Item, Measure, Period, Rag, TargetTable};
use beatbook_domain::improvement::{
    self, ActionStatus, ActionUpdate, CloseRequest, Closure, ImprovementAction, NewAction,
    PeriodFigure,
};
use beatbook_domain::merge::RecordState;
use beatbook_domain::outcomes::Month;
use beatbook_domain::people::{Officer, Team};
use beatbook_domain::validation::ValidationErrors;
use beatbook_domain::{AreaId, OfficerId, OpAction, Record, RecordId, RecordKind, TeamId};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashSet;

/// An action as HQ holds it: the record, its updates (oldest first) and its status.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionRecord {
    pub id: RecordId,
    pub action: ImprovementAction,
    pub updates: Vec<ActionUpdate>,
    pub status: ActionStatus,
}

/// An action with who wrote each update, as read from its record.
struct Held {
    id: RecordId,
    action: ImprovementAction,
    /// Oldest first, each with its author.
    updates: Vec<(ActionUpdate, OfficerId)>,
}

impl Held {
    fn read(state: &RecordState) -> Option<Held> {
        let action = ImprovementAction::from_state(state).ok()?;
        let mut updates: Vec<(ActionUpdate, OfficerId)> = state
            .log
            .values()
            .filter_map(|e| Some((e.entry.parse().ok()?, e.author.clone())))
            .collect();
        updates.sort_by_key(|(u, _): &(ActionUpdate, OfficerId)| u.at);
        Some(Held {
            id: state.id,
            action,
            updates,
        })
    }

    fn plain_updates(&self) -> Vec<ActionUpdate> {
        self.updates.iter().map(|(u, _)| u.clone()).collect()
    }

    fn status(&self) -> ActionStatus {
        improvement::status(&self.action, &self.plain_updates())
    }
}

async fn held(state: &HqState) -> Result<Vec<Held>, ApiError> {
    let mut out: Vec<Held> = records::scan(state, &[RecordKind::Action])
        .await?
        .iter()
        .filter_map(|r| Held::read(&r.state))
        .collect();
    out.sort_by_key(|h| (h.action.opened_on, h.id));
    Ok(out)
}

/// Every improvement action HQ holds (open and closed), oldest first. Not logged as a disclosure:
/// callers that show owners' names or update text to a person log what they show.
pub async fn all(state: &HqState) -> Result<Vec<ActionRecord>, ApiError> {
    Ok(held(state)
        .await?
        .into_iter()
        .map(|h| ActionRecord {
            id: h.id,
            status: h.status(),
            updates: h.plain_updates(),
            action: h.action,
        })
        .collect())
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// One field's error, answered as `400` with `fields`.
fn field(name: &str, code: &str, message: impl Into<String>) -> ApiError {
    let mut errs = ValidationErrors::new();
    errs.add(name, code, message);
    ApiError::Invalid(errs)
}

async fn team(state: &HqState, id: &TeamId) -> Result<Option<Team>, ApiError> {
    Ok(state
        .storage
        .teams()
        .await?
        .into_iter()
        .find(|t| &t.id == id))
}

/// Refused unless `by` supervises `team` (it is one of their teams).
fn supervises(by: &Officer, team: &TeamId, team_name: &str) -> Result<(), ApiError> {
    if by.teams.contains(team) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "improvement actions for {team_name} are for its supervisors"
        )))
    }
}

async fn load(state: &HqState, id: RecordId) -> Result<Held, ApiError> {
    let not_found = || ApiError::NotFound(format!("no improvement action {id}"));
    let change = state.storage.record(id).await?.ok_or_else(not_found)?;
    if change.facts.kind != Some(RecordKind::Action) {
        return Err(not_found());
    }
    let loaded = records::load(change).ok_or_else(not_found)?;
    Held::read(&loaded.state).ok_or_else(|| ApiError::Internal(format!("action {id} unreadable")))
}

async fn view(state: &HqState, h: Held) -> Result<ActionView, ApiError> {
    let names = OfficerNames::load(state.storage.as_ref()).await?;
    let teams = state.storage.teams().await?;
    Ok(view_with(
        &names,
        &teams,
        h,
        state.settings.framework.periods_on_target,
    ))
}

fn view_with(names: &OfficerNames, teams: &[Team], h: Held, periods: u32) -> ActionView {
    let today = today();
    let status = h.status();
    ActionView {
        id: h.id,
        team_name: teams
            .iter()
            .find(|t| t.id == h.action.team_id)
            .map_or_else(|| h.action.team_id.to_string(), |t| t.name.clone()),
        measure_label: h.action.measure.label().to_owned(),
        status,
        overdue: improvement::overdue(&h.action, today),
        review_overdue: improvement::review_overdue(&h.action, today),
        updates: h
            .updates
            .into_iter()
            .map(|(u, author)| UpdateView {
                note: u.note,
                progress: u.progress,
                at: u.at,
                author_name: names.get(&author),
            })
            .collect(),
        periods_on_target: periods,
        action: h.action,
    }
}

/// The actions `q` asks for (a team; open, closed or all), open ones first by due date, then
/// closed ones, the latest closed first; logged as a search by `by`.
pub async fn list(
    state: &HqState,
    by: &Officer,
    q: &ActionsQuery,
) -> Result<Vec<ActionView>, ApiError> {
    let want = q.state.as_deref().unwrap_or("all");
    if !matches!(want, "open" | "closed" | "all") {
        return Err(ApiError::BadRequest(format!(
            "state={want:?}: use open, closed or all"
        )));
    }
    let names = OfficerNames::load(state.storage.as_ref()).await?;
    let teams = state.storage.teams().await?;
    let periods = state.settings.framework.periods_on_target;
    let mut out: Vec<ActionView> = held(state)
        .await?
        .into_iter()
        .filter(|h| q.team.as_ref().is_none_or(|t| &h.action.team_id == t))
        .filter(|h| match want {
            "open" => h.action.closure.is_none(),
            "closed" => h.action.closure.is_some(),
            _ => true,
        })
        .map(|h| view_with(&names, &teams, h, periods))
        .collect();
    out.sort_by_key(|v| {
        let closed_on = v.action.closure.as_ref().map(|c| c.closed_on);
        (
            closed_on.is_some(),
            std::cmp::Reverse(closed_on),
            v.action.due_on,
        )
    });
    log_disclosure(
        state,
        &by.id,
        "search",
        out.iter().map(|v| v.id).collect(),
        "improvement actions".into(),
    )
    .await?;
    Ok(out)
}

/// One action; logged as a view by `by`.
pub async fn get(state: &HqState, by: &Officer, id: RecordId) -> Result<ActionView, ApiError> {
    let h = load(state, id).await?;
    log_disclosure(state, &by.id, "view", vec![id], "improvement action".into()).await?;
    view(state, h).await
}

/// The framework's items behind one team's cells, picked once.
async fn team_items(state: &HqState, areas: &[AreaId]) -> Result<Vec<Item>, ApiError> {
    let snapshot = crate::performance::facts(state).await?;
    let areas: HashSet<AreaId> = areas.iter().cloned().collect();
    tokio::task::spawn_blocking(move || {
        snapshot
            .items()
            .filter(|i| i.areas.iter().any(|a| areas.contains(a)))
            .cloned()
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// A team's figure, target and colour for one measure over each period.
async fn figures(
    state: &HqState,
    team: &Team,
    m: Measure,
    periods: Vec<Period>,
) -> Result<Vec<PeriodFigure>, ApiError> {
    let items = team_items(state, &team.areas).await?;
    let targets = state.storage.targets().await?;
    let unit = framework::units(false, std::slice::from_ref(team), &[])
        .pop()
        .ok_or_else(|| ApiError::Internal("a team without a unit".into()))?;
    let k = Measure::ALL
        .iter()
        .position(|x| *x == m)
        .ok_or_else(|| ApiError::Internal("a measure missing from the board".into()))?;
    tokio::task::spawn_blocking(move || {
        let table = TargetTable::new(
            targets
                .iter()
                .map(|t| (t.scope.as_str(), t.measure.as_str(), t.target)),
        );
        let target = table.target(false, &unit, m);
        periods
            .iter()
            .map(|p| {
                let value =
                    framework::tally(&items, std::slice::from_ref(&unit), p)[0][k].value(m, p);
                PeriodFigure {
                    first_day: p.first_day(),
                    last_day: p.last_day(),
                    value,
                    target,
                    rag: Rag::of(value, target),
                }
            })
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The last `n` complete calendar months before `now`, oldest first.
fn complete_months(now: DateTime<Utc>, n: u32) -> Vec<Period> {
    let this = Month::of(now.date_naive());
    (1..=n as i32)
        .rev()
        .filter_map(|back| {
            let m = this.plus(-back);
            Period::days(Some(m.first_day()), Some(m.last_day()), now)
        })
        .collect()
}

/// A team's measure over each of the last `n` complete calendar months, oldest first: the
/// evidence for closing an action on the figures.
pub async fn months_on_target(
    state: &HqState,
    team: &Team,
    m: Measure,
    n: u32,
) -> Result<Vec<PeriodFigure>, ApiError> {
    figures(state, team, m, complete_months(Utc::now(), n)).await
}

/// The guard of changes to an open action: refused once it has been closed.
fn still_open(current: Option<&RecordState>) -> Result<(), (String, String)> {
    match current.and_then(|s| ImprovementAction::from_state(s).ok()) {
        Some(a) if a.closure.is_none() => Ok(()),
        Some(_) => Err((
            "already_closed".to_owned(),
            "this action has been closed meanwhile".to_owned(),
        )),
        None => Err((
            "not_an_action".to_owned(),
            "there is no such improvement action".to_owned(),
        )),
    }
}

/// Write a new action as HQ, authored by `by`: its id. For [`open`] and the demo.
pub(crate) async fn write_new(
    state: &HqState,
    by: &OfficerId,
    action: &ImprovementAction,
) -> Result<RecordId, ApiError> {
    action.validate().map_err(ApiError::Invalid)?;
    let fields = action
        .writes_from(None)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let id = RecordId::new();
    intel_review::write(
        state,
        by,
        vec![Change {
            record_id: id,
            kind: RecordKind::Action,
            action: OpAction::Put { fields },
            guard: None,
        }],
    )
    .await?;
    Ok(id)
}

/// Append a progress update to action `id` as HQ, authored by `by`; refused once it is closed.
pub(crate) async fn write_update(
    state: &HqState,
    by: &OfficerId,
    id: RecordId,
    update: &ActionUpdate,
) -> Result<(), ApiError> {
    update.validate().map_err(ApiError::Invalid)?;
    intel_review::write(
        state,
        by,
        vec![Change {
            record_id: id,
            kind: RecordKind::Action,
            action: OpAction::Append {
                entry: beatbook_domain::Json::from(&json(update)?),
            },
            guard: Some(still_open as Guard),
        }],
    )
    .await
}

/// Close action `id` as HQ, authored by `by`; refused if it was closed meanwhile.
pub(crate) async fn write_closure(
    state: &HqState,
    by: &OfficerId,
    id: RecordId,
    closure: &Closure,
) -> Result<(), ApiError> {
    intel_review::write(
        state,
        by,
        vec![Change {
            record_id: id,
            kind: RecordKind::Action,
            action: set(&[("closure", json(closure)?)]),
            guard: Some(still_open as Guard),
        }],
    )
    .await
}

/// Open an action from a cell of the board, as `by` (a supervisor of the team): the target,
/// figure and colour are the board's for the team's cell in the given period (by default the
/// last 28 days), the areas the team's, the owner's name the directory's. Refused: a missing or
/// wrong field (`400` with `fields`), a team `by` does not supervise (`403`), a cell on target,
/// and a second open action on the same team and measure (`409`).
pub async fn open(state: &HqState, by: &Officer, new: NewAction) -> Result<ActionView, ApiError> {
    let now = Utc::now();
    improvement::check_new(&new, now.date_naive()).map_err(ApiError::Invalid)?;
    let (Some(team_id), Some(measure), Some(owner), Some(due_on), Some(review_on)) = (
        new.team_id.clone(),
        new.measure
            .as_deref()
            .and_then(|m| Measure::parse(m.trim())),
        new.owner.as_deref().map(str::trim),
        new.due_on,
        new.review_on,
    ) else {
        return Err(ApiError::Internal("a checked action lost a field".into()));
    };
    let team = team(state, &team_id)
        .await?
        .ok_or_else(|| field("team_id", "unknown", format!("there is no team {team_id}")))?;
    supervises(by, &team.id, &team.name)?;
    let officers = state.storage.officers().await?;
    let owner = officers
        .iter()
        .find(|o| o.collar_number.eq_ignore_ascii_case(owner) || o.id.as_str() == owner)
        .ok_or_else(|| field("owner", "unknown", format!("there is no officer {owner}")))?;
    if !owner.teams.contains(&team.id) {
        return Err(field(
            "owner",
            "not_in_team",
            format!(
                "{} is not an officer or supervisor of {}",
                owner.name, team.name
            ),
        ));
    }
    let period = BoardQuery {
        from: new.period_first_day,
        to: new.period_last_day,
        ..BoardQuery::default()
    }
    .period()?;
    let cell = figures(state, &team, measure, vec![period])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("no figure for the cell".into()))?;
    if cell.rag == Rag::Green {
        return Err(field(
            "measure",
            "on_target",
            format!(
                "{} is on target for {} in this period: an action addresses a measure below target",
                team.name,
                measure.label()
            ),
        ));
    }
    if held(state).await?.iter().any(|h| {
        h.action.team_id == team.id && h.action.measure == measure && h.action.closure.is_none()
    }) {
        return Err(ApiError::Conflict(format!(
            "{} already has an open action on {}: add progress to it, or close it first",
            team.name,
            measure.label()
        )));
    }
    let today = now.date_naive();
    let action = ImprovementAction {
        team_id: team.id.clone(),
        areas: team.areas.clone(),
        measure,
        target: cell.target,
        value: cell.value,
        rag: cell.rag,
        period_first_day: cell.first_day,
        period_last_day: cell.last_day,
        what: new.what.trim().to_owned(),
        owner: owner.id.clone(),
        owner_name: owner.name.clone(),
        opened_by: by.id.clone(),
        opened_by_name: by.name.clone(),
        opened_on: today,
        due_on,
        review_on,
        closure: None,
        retention_review: improvement::retention_review(today),
    };
    let id = write_new(state, &by.id, &action).await?;
    tracing::info!(action = %id, team = %team.id, measure = measure.id(), by = %by.id, "improvement action opened");
    view(state, load(state, id).await?).await
}

/// Add a progress update to action `id` from the dashboard, as `by` (a supervisor of its team).
/// Refused once it is closed (`409`).
pub async fn add_update(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    mut update: ActionUpdate,
) -> Result<ActionView, ApiError> {
    let h = load(state, id).await?;
    let team_name = team_name(state, &h.action.team_id).await?;
    supervises(by, &h.action.team_id, &team_name)?;
    if h.action.closure.is_some() {
        return Err(ApiError::Conflict(
            "this action is closed: it takes no more updates".into(),
        ));
    }
    update.note = update.note.trim().to_owned();
    update.at = update.at.min(Utc::now());
    write_update(state, &by.id, id, &update).await?;
    view(state, load(state, id).await?).await
}

async fn team_name(state: &HqState, id: &TeamId) -> Result<String, ApiError> {
    Ok(team(state, id)
        .await?
        .map_or_else(|| id.to_string(), |t| t.name))
}

/// Close action `id` with its evidence, as `by` (a supervisor of its team): on the figures, the
/// team's measure on target in each of the last `[framework] periods_on_target` complete
/// months (refused naming each month that was not); or for a reason. Refused once closed.
pub async fn close(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    req: CloseRequest,
) -> Result<ActionView, ApiError> {
    let h = load(state, id).await?;
    let team = team(state, &h.action.team_id).await?;
    let team_name = team
        .as_ref()
        .map_or_else(|| h.action.team_id.to_string(), |t| t.name.clone());
    supervises(by, &h.action.team_id, &team_name)?;
    let needed = state.settings.framework.periods_on_target;
    let figures = match (&req, &team, &h.action.closure) {
        (CloseRequest::BackOnTarget, Some(team), None) => {
            months_on_target(state, team, h.action.measure, needed).await?
        }
        _ => Vec::new(),
    };
    let evidence =
        improvement::check_close(&h.action, &req, &figures, needed).map_err(ApiError::Invalid)?;
    let closure = Closure {
        evidence,
        closed_on: today(),
        closed_by: by.id.clone(),
        closed_by_name: by.name.clone(),
    };
    write_closure(state, &by.id, id, &closure).await?;
    tracing::info!(action = %id, by = %by.id, "improvement action closed");
    view(state, load(state, id).await?).await
}

/// Mark the board's team rows: each cell's open action (the latest opened, should there be more
/// than one) and whether it is red with none ("failure not yet addressed"). Area rows are left
/// unmarked.
pub async fn mark_board(state: &HqState, board: &mut Board) -> Result<(), ApiError> {
    if board.by != "team" {
        return Ok(());
    }
    let today = today();
    let open: Vec<(Held, ActionStatus)> = held(state)
        .await?
        .into_iter()
        .filter(|h| h.action.closure.is_none())
        .map(|h| {
            let s = h.status();
            (h, s)
        })
        .collect();
    for row in &mut board.rows {
        for cell in &mut row.cells {
            let action = open
                .iter()
                .filter(|(h, _)| {
                    h.action.team_id.as_str() == row.id && h.action.measure == cell.measure
                })
                .max_by_key(|(h, _)| h.action.opened_on);
            cell.action = action.map(|(h, status)| CellAction {
                id: h.id,
                status: *status,
                due_on: h.action.due_on,
                review_on: h.action.review_on,
                overdue: improvement::overdue(&h.action, today),
                review_overdue: improvement::review_overdue(&h.action, today),
            });
            cell.unaddressed = cell.rag == Rag::Red && cell.action.is_none();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_complete_months_are_the_ones_before_this_one() {
        let now = Utc.with_ymd_and_hms(2027, 1, 15, 12, 0, 0).unwrap();
        let months: Vec<(NaiveDate, NaiveDate)> = complete_months(now, 3)
            .iter()
            .map(|p| (p.first_day(), p.last_day()))
            .collect();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            months,
            [
                (d("2026-10-01"), d("2026-10-31")),
                (d("2026-11-01"), d("2026-11-30")),
                (d("2026-12-01"), d("2026-12-31")),
            ]
        );
    }
}
