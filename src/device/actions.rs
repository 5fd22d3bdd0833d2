//! `beatbook device actions` and `beatbook device action-update`: the team's improvement actions
//! in words, and a progress update added offline, as on the tablet.

use anyhow::Result;
use beatbook_domain::framework::uk_summer_time;
use beatbook_domain::improvement::{ActionUpdate, Progress};
use beatbook_domain::tablet::{ActionCard, ActionUpdateView};
use beatbook_domain::RecordId;
use beatbook_store::Store;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use clap::Args;

#[derive(Args)]
pub struct ActionsArgs {
    /// Print the actions as JSON (the tablet's cards).
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ActionUpdateArgs {
    /// The action's id (`beatbook device actions` lists them).
    id: RecordId,
    /// What was done, or what stands in the way.
    #[arg(long)]
    note: String,
    /// The action is on track.
    #[arg(long, conflicts_with = "off_track")]
    on_track: bool,
    /// The action is off track.
    #[arg(long)]
    off_track: bool,
    /// Print the action as it now stands, as JSON.
    #[arg(long)]
    json: bool,
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// `6 Dec 2026`.
fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// `6 Dec 2026, 21:44`, in UK time.
fn when(at: DateTime<Utc>) -> String {
    let uk = if uk_summer_time(at) {
        at + Duration::hours(1)
    } else {
        at
    };
    uk.format("%-d %b %Y, %H:%M").to_string()
}

/// One update in a line: when, who, whether it said on or off track, and the note.
fn update_line(u: &ActionUpdateView) -> String {
    let progress = match u.progress {
        Some(Progress::OnTrack) => " (on track)",
        Some(Progress::OffTrack) => " (off track)",
        None => "",
    };
    format!("{}, {}{progress}: {}", when(u.at), u.author_name, u.note)
}

/// An action in words, as the briefing shows it.
pub fn words(a: &ActionCard) -> String {
    let mut out = format!("{}: {}\n  {}\n", a.measure_label, a.status_words, a.what);
    out.push_str(&format!(
        "  Team: {}. Owner: {}. Opened by {} on {}.\n",
        a.team_name,
        a.owner_name,
        a.opened_by_name,
        day(a.opened_on)
    ));
    let mut due = format!("  Due {}", day(a.due_on));
    if a.overdue {
        due.push_str(" (overdue)");
    }
    due.push_str(&format!(". Review {}", day(a.review_on)));
    if a.review_overdue {
        due.push_str(" (review overdue)");
    }
    if let Some(closed) = a.closed_on {
        due.push_str(&format!(". Closed at HQ on {}", day(closed)));
    }
    out.push_str(&due);
    out.push_str(".\n");
    match &a.latest_update {
        Some(u) => out.push_str(&format!("  Latest update: {}\n", update_line(u))),
        None => out.push_str("  No updates yet.\n"),
    }
    if a.pending_ops > 0 {
        out.push_str("  Waiting to go to HQ.\n");
    }
    out.push_str(&format!("  Id: {}\n", a.id));
    out
}

pub fn list(store: &Store, a: ActionsArgs) -> Result<()> {
    let cards = store.team_actions(today())?;
    if a.json {
        println!("{}", serde_json::to_string(&cards)?);
        return Ok(());
    }
    match cards.len() {
        0 => println!("No open improvement actions for your team."),
        1 => println!("1 open improvement action:\n"),
        n => println!("{n} open improvement actions, overdue first:\n"),
    }
    for c in &cards {
        println!("{}", words(c));
    }
    Ok(())
}

pub fn update(store: &mut Store, a: ActionUpdateArgs) -> Result<()> {
    let progress = match (a.on_track, a.off_track) {
        (true, _) => Some(Progress::OnTrack),
        (_, true) => Some(Progress::OffTrack),
        _ => None,
    };
    let update = ActionUpdate {
        note: a.note,
        progress,
        at: Utc::now(),
    };
    store.add_action_update(a.id, &update)?;
    let card = store.action_card(a.id, today())?;
    if a.json {
        println!("{}", serde_json::to_string(&card)?);
    } else {
        println!(
            "Added an update to the action on {}: now {}. Waiting to go to HQ.",
            card.measure_label,
            card.status_words.to_lowercase()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_the_british_way_in_uk_time() {
        let winter: DateTime<Utc> = "2026-12-06T21:44:00Z".parse().unwrap();
        assert_eq!(when(winter), "6 Dec 2026, 21:44");
        let summer: DateTime<Utc> = "2026-07-01T08:05:00Z".parse().unwrap();
        assert_eq!(when(summer), "1 Jul 2026, 09:05");
        assert_eq!(day("2027-01-31".parse().unwrap()), "31 Jan 2027");
    }
}
