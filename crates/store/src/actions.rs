//! Improvement actions on the device: the team's open actions for the briefing, one action with
//! its progress updates, and adding an update offline. An action is opened and closed at HQ and
//! reaches the tablet through the team's areas; the device may only append to its log
//! ([`RecordKind::appendable_on_device`]), never edit or delete it.

use crate::{Store, StoreError};
use beatbook_domain::improvement::{self, ActionUpdate, ImprovementAction};
use beatbook_domain::merge::LogEntry;
use beatbook_domain::tablet::{ActionCard, ActionUpdateView};
use beatbook_domain::views::ListFilter;
use beatbook_domain::{OfficerId, RecordId, RecordKind, TeamId};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Enough actions for any team: a few are open at a time.
const ACTIONS_LIMIT: u32 = 1_000;

impl Store {
    /// One improvement action as the tablet shows it, with every update, as of `today`.
    pub fn action_card(&self, id: RecordId, today: NaiveDate) -> Result<ActionCard, StoreError> {
        let stored = self.get::<ImprovementAction>(id)?;
        if stored.deleted {
            return Err(StoreError::Deleted(id));
        }
        let teams = self.team_names()?;
        Ok(self.card(
            id,
            stored.record,
            &stored.log,
            stored.pending_ops,
            &teams,
            today,
        ))
    }

    /// The open improvement actions of the signed-in officer's teams (every open action on the
    /// device when the teams are not known): overdue first, then reviews overdue, then by due
    /// date.
    pub fn team_actions(&self, today: NaiveDate) -> Result<Vec<ActionCard>, StoreError> {
        let teams = self.team_names()?;
        let mut cards = Vec::new();
        for row in self.list(&ListFilter {
            kind: Some(RecordKind::Action),
            status: Some("open".into()),
            limit: Some(ACTIONS_LIMIT),
            ..ListFilter::default()
        })? {
            let stored = self.get::<ImprovementAction>(row.id)?;
            if !teams.is_empty() && !teams.contains_key(&stored.record.team_id) {
                continue;
            }
            cards.push(self.card(
                row.id,
                stored.record,
                &stored.log,
                stored.pending_ops,
                &teams,
                today,
            ));
        }
        cards.sort_by(|a, b| {
            (!a.overdue, !a.review_overdue, a.due_on, &a.measure_label).cmp(&(
                !b.overdue,
                !b.review_overdue,
                b.due_on,
                &b.measure_label,
            ))
        });
        Ok(cards)
    }

    /// Add a progress update to an improvement action, offline: one op in the action's
    /// append-only log, written with its outbox entry in one transaction. The action itself is
    /// HQ's: it cannot be edited or deleted here.
    pub fn add_action_update(
        &mut self,
        id: RecordId,
        update: &ActionUpdate,
    ) -> Result<(), StoreError> {
        update.validate().map_err(StoreError::Invalid)?;
        self.append(id, RecordKind::Action, beatbook_domain::Json::to(update)?)
    }

    /// The signed-in officer's teams by id, with their names (none before sign-in).
    fn team_names(&self) -> Result<BTreeMap<TeamId, String>, StoreError> {
        Ok(self
            .profile()?
            .map(|p| p.teams.into_iter().map(|t| (t.id, t.name)).collect())
            .unwrap_or_default())
    }

    fn card(
        &self,
        id: RecordId,
        action: ImprovementAction,
        log: &[LogEntry],
        pending_ops: u32,
        teams: &BTreeMap<TeamId, String>,
        today: NaiveDate,
    ) -> ActionCard {
        // The names the device knows: this officer's, and those the action itself carries.
        let mut names: BTreeMap<&OfficerId, &str> = BTreeMap::new();
        names.insert(&action.owner, &action.owner_name);
        names.insert(&action.opened_by, &action.opened_by_name);
        if let Some(c) = &action.closure {
            names.insert(&c.closed_by, &c.closed_by_name);
        }
        let profile = self.profile().ok().flatten();
        if let Some(p) = &profile {
            names.insert(&p.officer.id, &p.officer.name);
        }
        // Oldest first, each with its author (entries that are not updates are left out).
        let mut parsed: Vec<(ActionUpdate, &OfficerId)> = log
            .iter()
            .filter_map(|e| Some((e.entry.parse::<ActionUpdate>().ok()?, &e.author)))
            .collect();
        parsed.sort_by_key(|(u, _)| u.at);
        let status = improvement::status(
            &action,
            &parsed.iter().map(|(u, _)| u.clone()).collect::<Vec<_>>(),
        );
        let updates: Vec<ActionUpdateView> = parsed
            .into_iter()
            .map(|(u, author)| ActionUpdateView {
                note: u.note,
                progress: u.progress,
                at: u.at,
                author_name: names
                    .get(author)
                    .map_or_else(|| author.to_string(), |n| (*n).to_owned()),
            })
            .collect();
        let team_name = teams
            .get(&action.team_id)
            .cloned()
            .unwrap_or_else(|| "Another team".to_owned());
        ActionCard {
            id,
            measure_label: action.measure.label().to_owned(),
            team_id: action.team_id.clone(),
            team_name,
            owner_name: action.owner_name.clone(),
            opened_by_name: action.opened_by_name.clone(),
            opened_on: action.opened_on,
            target: action.target,
            value: action.value,
            period_first_day: action.period_first_day,
            period_last_day: action.period_last_day,
            status,
            status_words: status.words().to_owned(),
            due_on: action.due_on,
            review_on: action.review_on,
            overdue: improvement::overdue(&action, today),
            review_overdue: improvement::review_overdue(&action, today),
            closed_on: action.closure.as_ref().map(|c| c.closed_on),
            latest_update: updates.last().cloned(),
            updates,
            pending_ops,
            what: action.what,
        }
    }
}
