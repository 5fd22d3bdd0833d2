//! The performance framework at HQ: the board per team (or area) and period, the board pack as
//! CSV, a cell's trend week by week, the records behind a cell, and the targets. The rules
//! (measures, targets, red/amber/green, peak hours) are the domain's
//! ([`beatbook_domain::framework`]); the records' facts are kept in memory
//! ([`crate::dashboard::facts`]). The answers' types live with their endpoints
//! ([`crate::dashboard::framework`]).

use crate::dashboard::facts::Snapshot;
use crate::dashboard::framework::{
    Board, BoardQuery, Cell, CellDetail, CellQuery, CellRecord, MeasureInfo, OfficerBreakdown,
    OfficerCell, OfficerFigures, OfficersQuery, Row, TargetRow, Targets, Trend, TrendPoint,
    TrendQuery,
};
use crate::error::ApiError;
use crate::records;
use crate::HqState;
use beatbook_domain::access::{hq_may_see, may_see_officer_breakdown};
use beatbook_domain::area::Area;
use beatbook_domain::framework::{self, Change, Item, Measure, Period, Rag, TargetTable};
use beatbook_domain::people::{Officer, Team, TeamKind};
use beatbook_domain::{AreaId, OfficerId, RecordId};
use chrono::{Datelike, NaiveDate, Utc};
use std::collections::HashSet;
use std::sync::Arc;

/// The framework's facts, up to date (see [`super::facts`]).
pub async fn facts(state: &HqState) -> Result<Arc<Snapshot>, ApiError> {
    state.facts.current(state.storage.as_ref()).await
}

/// Run a computation over the facts off the async workers: at force scale it takes tens of
/// milliseconds.
async fn off_workers<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The board, as `GET /api/v1/hq/framework` answers it to `by`.
pub async fn board(state: &HqState, by: &Officer, q: &BoardQuery) -> Result<Board, ApiError> {
    let period = q.period()?;
    let by_area = q.by_area()?;
    let snapshot = facts(state).await?;
    let (teams, areas, targets) = (
        state.storage.teams().await?,
        state.storage.areas().await?,
        state.storage.targets().await?,
    );
    let mut board =
        off_workers(move || compute(snapshot.items(), &teams, &areas, &targets, period, by_area))
            .await?;
    board.force = state.settings.force_name.clone();
    if !by_area {
        for row in &mut board.rows {
            row.officers = may_see_officer_breakdown(
                by.role,
                &by.teams,
                &beatbook_domain::TeamId::new(row.id.as_str()),
            );
        }
        crate::actions::mark_board(state, &mut board).await?;
    }
    Ok(board)
}

fn measures() -> Vec<MeasureInfo> {
    Measure::ALL
        .into_iter()
        .map(|m| MeasureInfo {
            id: m,
            label: m.label(),
            unit: m.unit(),
        })
        .collect()
}

/// Compute the board: every unit, every measure (see [`framework::tally`]), each beside its
/// figure in the previous period.
pub fn compute<'a>(
    items: impl IntoIterator<Item = &'a Item> + Clone,
    teams: &[Team],
    areas: &[Area],
    targets: &[TargetRow],
    period: Period,
    by_area: bool,
) -> Board {
    let units = framework::units(by_area, teams, areas);
    let tallies = framework::tally(items.clone(), &units, &period);
    let previous = period.previous();
    let before = framework::tally(items, &units, &previous);
    let targets = TargetTable::new(
        targets
            .iter()
            .map(|t| (t.scope.as_str(), t.measure.as_str(), t.target)),
    );
    let rows = units
        .iter()
        .zip(tallies.iter().zip(&before))
        .map(|(u, (row, before))| Row {
            id: u.id.clone(),
            name: u.name.clone(),
            kind: u.kind,
            officers: false,
            cells: Measure::ALL
                .into_iter()
                .zip(row.iter().zip(before))
                .map(|(m, (t, b))| {
                    let v = t.value(m, &period);
                    let previous = b.value(m, &previous);
                    let target = targets.target(by_area, u, m);
                    Cell {
                        measure: m,
                        value: v,
                        target,
                        rag: Rag::of(v, target),
                        records: t.records(),
                        previous,
                        change: Change::of(v, previous),
                        action: None,
                        unaddressed: false,
                    }
                })
                .collect(),
        })
        .collect();
    Board {
        force: String::new(),
        from: period.from,
        to: period.to,
        first_day: period.first_day(),
        last_day: period.last_day(),
        previous_first_day: previous.first_day(),
        previous_last_day: previous.last_day(),
        by: if by_area { "area" } else { "team" }.into(),
        measures: measures(),
        rows,
    }
}

fn measure(id: &str) -> Result<Measure, ApiError> {
    Measure::parse(id).ok_or_else(|| ApiError::BadRequest(format!("no measure {id:?}")))
}

/// A day as the board pack writes it, as the dashboard does (en-GB): `1 Nov 2026`, `5 Sept 2026`.
fn day(d: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec",
    ];
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// What is being done about a cell, as the board pack says it: the open action ("On track, due
/// 1 Feb 2027; review overdue"), "None: failure not yet addressed" for a red cell without one,
/// else nothing.
fn action_words(c: &Cell) -> String {
    match &c.action {
        Some(a) => {
            let mut words = format!("{}, due {}", a.status.words(), day(a.due_on));
            if a.overdue {
                words.push_str("; past its due date");
            }
            if a.review_overdue {
                words.push_str("; review overdue");
            }
            words
        }
        None if c.unaddressed => "None: failure not yet addressed".to_owned(),
        None => String::new(),
    }
}

/// The board pack: one line per unit and measure, with readable headers and dates, and the file
/// name it is offered under.
pub async fn board_pack_csv(
    state: &HqState,
    by: &Officer,
    q: &BoardQuery,
) -> Result<(String, String), ApiError> {
    let b = board(state, by, q).await?;
    let by_area = b.by == "area";
    let mut out = format!(
        "{},Type,Measure,Value,Unit,Target,Status,Records,Previous period,Change,Improvement action,From,To\n",
        if by_area { "Area" } else { "Team" }
    );
    let esc = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let figure = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let (from, to) = (day(b.first_day), day(b.last_day));
    for row in &b.rows {
        let kind = match (by_area, row.kind) {
            (false, TeamKind::Tct) => "Town Centre Team",
            (false, TeamKind::Snt) => "Safer Neighbourhoods Team",
            (true, TeamKind::Tct) => "Town centre",
            (true, TeamKind::Snt) => "Ward",
        };
        for c in &row.cells {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                esc(&row.name),
                kind,
                esc(c.measure.label()),
                figure(c.value),
                esc(c.measure.unit()),
                c.target,
                c.rag.words(),
                c.records,
                figure(c.previous),
                c.change.words(),
                esc(&action_words(c)),
                from,
                to,
            ));
        }
    }
    Ok((
        format!("board-pack-{}-{}.csv", b.first_day, b.last_day),
        out,
    ))
}

/// One cell week by week, oldest first (12 weeks back from today unless asked; at most 104).
pub async fn trend(state: &HqState, q: &TrendQuery) -> Result<Trend, ApiError> {
    let m = measure(&q.measure)?;
    let by_area = BoardQuery {
        by: q.by.clone(),
        ..Default::default()
    }
    .by_area()?;
    let weeks = i64::from(q.weeks.unwrap_or(12).clamp(1, 104));
    let snapshot = facts(state).await?;
    let (teams, areas, targets) = (
        state.storage.teams().await?,
        state.storage.areas().await?,
        state.storage.targets().await?,
    );
    let now = Utc::now();
    let unit = q.unit.clone();
    let points = off_workers(move || -> Result<Vec<TrendPoint>, ApiError> {
        // Only the unit's own records matter: pick them once, then compute each week from them.
        let unit_areas: Vec<AreaId> = framework::units(by_area, &teams, &areas)
            .into_iter()
            .find(|u| u.id == unit)
            .map(|u| u.areas)
            .ok_or_else(|| ApiError::NotFound(format!("no such unit {unit}")))?;
        let unit_areas: HashSet<&AreaId> = unit_areas.iter().collect();
        let mine: Vec<&Item> = snapshot
            .items()
            .filter(|i| i.areas.iter().any(|a| unit_areas.contains(a)))
            .collect();
        Period::weeks_to(now, weeks)
            .map(|period| {
                let board = compute(
                    mine.iter().copied(),
                    &teams,
                    &areas,
                    &targets,
                    period,
                    by_area,
                );
                let cell = cell_of(&board, &unit, m)?;
                Ok(TrendPoint {
                    from: period.from,
                    to: period.to,
                    value: cell.value,
                    target: cell.target,
                    rag: cell.rag,
                })
            })
            .collect()
    })
    .await??;
    Ok(Trend {
        unit: q.unit.clone(),
        measure: m,
        label: m.label(),
        measure_unit: m.unit(),
        points,
    })
}

/// A unit's cell for one measure on a board.
fn cell_of<'a>(board: &'a Board, unit: &str, m: Measure) -> Result<&'a Cell, ApiError> {
    board
        .rows
        .iter()
        .find(|r| r.id == unit)
        .ok_or_else(|| ApiError::NotFound(format!("no {} {unit}", board.by)))?
        .cells
        .iter()
        .find(|c| c.measure == m)
        .ok_or_else(|| ApiError::Internal("a measure is missing from the board".into()))
}

/// The records behind one cell that `by` may see, those that missed first, read as `look` says;
/// written to the access log as a view with its purpose.
pub async fn cell(
    state: &HqState,
    by: &Officer,
    q: &CellQuery,
    look: &records::Look,
) -> Result<CellDetail, ApiError> {
    let m = measure(&q.measure)?;
    let bq = BoardQuery {
        period: q.period,
        from: q.from,
        to: q.to,
        by: q.by.clone(),
    };
    let period = bq.period()?;
    let unit_areas: Vec<AreaId> = if bq.by_area()? {
        vec![AreaId::new(q.unit.as_str())]
    } else {
        state
            .storage
            .teams()
            .await?
            .into_iter()
            .find(|t| t.id.as_str() == q.unit)
            .ok_or_else(|| ApiError::NotFound(format!("no team {}", q.unit)))?
            .areas
    };
    // The facts say which records are behind the cell; only those are read.
    let snapshot = facts(state).await?;
    let behind: Vec<(RecordId, f64)> = off_workers(move || {
        snapshot
            .items()
            .filter(|i| i.areas.iter().any(|a| unit_areas.contains(a)))
            .filter_map(|i| Some((i.id, framework::contribution(m, &i.fact, &period)?)))
            .collect()
    })
    .await?;
    let viewer = crate::device_sessions::viewer_for(state, by).await?;
    let mut out: Vec<CellRecord> = Vec::with_capacity(behind.len());
    for (id, c) in behind {
        let Some(mut r) = state.storage.record(id).await?.and_then(records::load) else {
            continue;
        };
        if !hq_may_see(&viewer, &r.change.facts) {
            continue;
        }
        look.apply(&mut r);
        out.push(CellRecord {
            record: r.summary,
            contribution: c,
            met: !m.is_share() || c > 0.0,
        });
    }
    out.sort_by(|a, b| {
        (a.met, std::cmp::Reverse(a.record.occurred_at))
            .cmp(&(b.met, std::cmp::Reverse(b.record.occurred_at)))
    });
    look.log(
        state,
        &by.id,
        "view",
        out.iter().map(|r| r.record.id).collect(),
        format!("framework drill-down {} {}", q.unit, m.id()),
    )
    .await?;
    Ok(CellDetail {
        unit: q.unit.clone(),
        measure: m,
        label: m.label(),
        records: out,
    })
}

/// A team's figures officer by officer, for a supervisor of the team (see
/// [`may_see_officer_breakdown`]): the team's officers, by name, each with every measure over
/// the records they made in the team's areas.
pub async fn officers(
    state: &HqState,
    by: &Officer,
    q: &OfficersQuery,
) -> Result<OfficerBreakdown, ApiError> {
    let period = BoardQuery {
        period: q.period,
        from: q.from,
        to: q.to,
        by: None,
    }
    .period()?;
    let team = state
        .storage
        .teams()
        .await?
        .into_iter()
        .find(|t| t.id.as_str() == q.team)
        .ok_or_else(|| ApiError::NotFound(format!("no team {}", q.team)))?;
    if !may_see_officer_breakdown(by.role, &by.teams, &team.id) {
        return Err(ApiError::Forbidden(format!(
            "{}'s figures officer by officer are for the team's supervisors",
            team.name
        )));
    }
    let mut members: Vec<Officer> = state
        .storage
        .officers()
        .await?
        .into_iter()
        .filter(|o| o.teams.contains(&team.id))
        .collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    let ids: Vec<OfficerId> = members.iter().map(|o| o.id.clone()).collect();
    let targets = state.storage.targets().await?;
    let snapshot = facts(state).await?;
    let unit = framework::units(false, std::slice::from_ref(&team), &[])
        .pop()
        .ok_or_else(|| ApiError::Internal("a team without a unit".into()))?;
    let table = TargetTable::new(
        targets
            .iter()
            .map(|t| (t.scope.as_str(), t.measure.as_str(), t.target)),
    );
    let tallies = off_workers({
        let unit = unit.clone();
        move || framework::tally_by_author(snapshot.items(), &unit, &ids, &period)
    })
    .await?;
    Ok(OfficerBreakdown {
        team: team.id.to_string(),
        team_name: team.name.clone(),
        first_day: period.first_day(),
        last_day: period.last_day(),
        measures: measures(),
        officers: members
            .into_iter()
            .zip(tallies)
            .map(|(o, row)| OfficerFigures {
                name: o.name,
                collar_number: o.collar_number,
                cells: Measure::ALL
                    .into_iter()
                    .zip(row)
                    .map(|(m, t)| {
                        let value = t.value(m, &period);
                        OfficerCell {
                            measure: m,
                            value,
                            records: t.records(),
                            rag: m
                                .is_share()
                                .then(|| Rag::of(value, table.target(false, &unit, m))),
                        }
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The targets set, and the built-in defaults they override.
pub async fn targets(state: &HqState) -> Result<Targets, ApiError> {
    Ok(Targets {
        targets: state.storage.targets().await?,
        defaults: framework::default_targets(),
    })
}

/// Set (or replace) a target, on an activity measure or an outcome
/// ([`beatbook_domain::outcomes::OutcomeMeasure`]: recorded crime's may be below 0, a fall).
/// Refused: an unknown measure, a non-finite target or one below the measure's lowest (0, or
/// -100% for recorded crime), a scope that is neither `kind:tct`/`kind:snt` nor an existing
/// team's `team:<id>`.
pub async fn set_target(
    state: &HqState,
    by: &Officer,
    t: TargetRow,
) -> Result<TargetRow, ApiError> {
    let lowest = match beatbook_domain::outcomes::OutcomeMeasure::parse(&t.measure) {
        Some(outcome) => outcome.lowest_target(),
        None => {
            measure(&t.measure)?;
            0.0
        }
    };
    if !t.target.is_finite() || t.target < lowest {
        return Err(ApiError::BadRequest(if lowest < 0.0 {
            format!("a target for {} is a number, {lowest} or more", t.measure)
        } else {
            "a target is a number, 0 or more".into()
        }));
    }
    let scope_ok = match t.scope.split_once(':') {
        Some(("kind", "tct" | "snt")) => true,
        Some(("team", id)) => state
            .storage
            .teams()
            .await?
            .iter()
            .any(|k| k.id.as_str() == id),
        _ => false,
    };
    if !scope_ok {
        return Err(ApiError::BadRequest(format!(
            "scope {:?}: use team:<id> or kind:tct / kind:snt",
            t.scope
        )));
    }
    state.storage.put_target(&t).await?;
    tracing::info!(scope = %t.scope, measure = %t.measure, target = t.target, by = %by.id, "framework target set");
    let scope = match t.scope.split_once(':') {
        Some(("kind", "tct")) => "every town centre team".to_owned(),
        Some(("kind", _)) => "every safer neighbourhood team".to_owned(),
        Some((_, id)) => state
            .storage
            .teams()
            .await?
            .into_iter()
            .find(|k| k.id.as_str() == id)
            .map_or_else(|| id.to_owned(), |k| k.name),
        None => t.scope.clone(),
    };
    crate::admin_log::record(
        state,
        crate::admin_log::AdminEvent::new(
            Some(&by.id),
            "target_set",
            format!(
                "Set the performance framework's target for {} to {} for {scope}.",
                beatbook_domain::outcomes::OutcomeMeasure::parse(&t.measure)
                    .map(|o| o.label())
                    .or_else(|| Measure::parse(&t.measure).map(|m| m.label()))
                    .unwrap_or(&t.measure),
                t.target
            ),
        ),
    )
    .await?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::AccessQuery;
    use crate::testing::{concern, hq, look, officer, Device};

    fn board_query() -> BoardQuery {
        BoardQuery::default()
    }

    #[tokio::test]
    async fn a_concern_counts_on_its_teams_board_trend_and_drill_down_and_the_look_is_logged() {
        let hq = hq().await;
        let mut pc = Device::enrol(&hq.state, "PC4127").await; // Camden TCT
        let id = pc
            .create(
                &hq.state,
                &concern("Drinking by the station", "tc-camden-town", None),
            )
            .await;

        let sergeant = officer(&hq.state, "PS1102").await;
        let board = board(&hq.state, &sergeant, &board_query()).await.unwrap();
        let closed = cell_of(&board, "camden-tct", Measure::ConcernsClosed).unwrap();
        assert_eq!(closed.records, 1, "{closed:?}");
        // Logged just now: its 72 hours are still running, so it is not (yet) missed.
        let answered = cell_of(&board, "camden-tct", Measure::ConcernsAnswered72h).unwrap();
        assert_eq!((answered.records, answered.rag), (0, Rag::None));
        assert_eq!(closed.value, Some(0.0));
        assert_eq!(closed.rag, Rag::Red);

        let trend = trend(
            &hq.state,
            &TrendQuery {
                unit: "camden-tct".into(),
                measure: "concerns_closed".into(),
                weeks: Some(3),
                by: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(trend.points.len(), 3);
        assert_eq!(
            trend.points[2].value,
            Some(0.0),
            "this week holds the concern"
        );

        let detail = cell(
            &hq.state,
            &sergeant,
            &CellQuery {
                unit: "camden-tct".into(),
                measure: "concerns_closed".into(),
                period: None,
                from: None,
                to: None,
                by: None,
            },
            &look(),
        )
        .await
        .unwrap();
        assert_eq!(detail.records.len(), 1);
        assert_eq!(detail.records[0].record.id, id);
        assert!(!detail.records[0].met);
        let logged = hq
            .state
            .storage
            .access_log(&AccessQuery {
                officer_id: Some(sergeant.id.clone()),
                limit: 10,
                ..AccessQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].record_ids, vec![id]);
        assert_eq!(
            logged[0].detail,
            "framework drill-down camden-tct concerns_closed"
        );
    }

    #[tokio::test]
    async fn the_board_pack_has_readable_headers_names_words_and_dates_and_a_line_per_unit_and_measure(
    ) {
        let hq = hq().await;
        let analyst = officer(&hq.state, "AN0815").await;
        let q = BoardQuery {
            from: "2026-11-01".parse().ok(),
            to: "2026-11-28".parse().ok(),
            ..BoardQuery::default()
        };
        let (name, text) = board_pack_csv(&hq.state, &analyst, &q).await.unwrap();
        assert_eq!(name, "board-pack-2026-11-01-2026-11-28.csv");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Team,Type,Measure,Value,Unit,Target,Status,Records,Previous period,Change,Improvement action,From,To"
        );
        let teams = hq.state.storage.teams().await.unwrap().len();
        assert_eq!(lines.len(), 1 + teams * Measure::ALL.len());
        assert!(
            lines.contains(
                &"\"Camden Town Centre Team\",Town Centre Team,\"Concerns closed (%)\",,\"%\",60,No data,0,,No figure to compare,\"\",1 Nov 2026,28 Nov 2026"
            ),
            "{text}"
        );
        assert!(
            !text.contains("camden-tct") && !text.contains("2026-11-01") && !text.contains("_"),
            "{text}"
        );
        assert_eq!(day("2026-09-05".parse().unwrap()), "5 Sept 2026");
        let (_, by_area) = board_pack_csv(
            &hq.state,
            &analyst,
            &BoardQuery {
                by: Some("area".into()),
                ..BoardQuery::default()
            },
        )
        .await
        .unwrap();
        assert!(by_area.starts_with("Area,Type,"), "{by_area}");
        assert!(by_area.contains(",Ward,") && by_area.contains(",Town centre,"));
    }

    #[tokio::test]
    async fn a_calendar_month_is_compared_with_the_period_as_long_before_it() {
        let hq = hq().await;
        let mut pc = Device::enrol(&hq.state, "PC4127").await; // Camden TCT
        let now = Utc::now();
        let last_month = Period::preset(framework::Preset::LastMonth, now).unwrap();
        let before = last_month.previous();
        // Two concerns the month before last (one closed), none last month.
        for (days, status) in [(1, "closed"), (2, "open")] {
            let mut c = concern("Drinking by the station", "tc-camden-town", None);
            c.reported_at = before.from + chrono::Duration::days(days);
            c.status = serde_json::from_value(serde_json::json!(status)).unwrap();
            pc.create(&hq.state, &c).await;
        }
        let analyst = officer(&hq.state, "AN0815").await;
        let q = BoardQuery {
            period: Some(framework::Preset::LastMonth),
            ..BoardQuery::default()
        };
        let board = board(&hq.state, &analyst, &q).await.unwrap();
        assert_eq!(
            (board.first_day, board.last_day),
            (last_month.first_day(), last_month.last_day())
        );
        assert_eq!(board.previous_last_day, before.last_day());
        let closed = cell_of(&board, "camden-tct", Measure::ConcernsClosed).unwrap();
        assert_eq!((closed.value, closed.previous), (None, Some(50.0)));
        assert_eq!(closed.change, Change::NotComparable);
        // The month before last, compared with the one before it: up from nothing.
        let q = BoardQuery {
            from: Some(before.first_day()),
            to: Some(before.last_day()),
            ..BoardQuery::default()
        };
        let earlier = super::board(&hq.state, &analyst, &q).await.unwrap();
        let closed = cell_of(&earlier, "camden-tct", Measure::ConcernsClosed).unwrap();
        assert_eq!(closed.value, Some(50.0));
        assert!(
            earlier.rows.iter().all(|r| !r.officers),
            "an analyst sees no team officer by officer"
        );
    }

    #[tokio::test]
    async fn a_sergeant_sees_their_teams_officers_by_name_and_no_other_team() {
        let hq = hq().await;
        let mut pc = Device::enrol(&hq.state, "PC4127").await; // Camden TCT
        pc.create(
            &hq.state,
            &concern("Drinking by the station", "tc-camden-town", None),
        )
        .await;
        let sergeant = officer(&hq.state, "PS1102").await; // Camden TCT, Camden Town and Kentish Town SNTs
        let board = board(&hq.state, &sergeant, &board_query()).await.unwrap();
        let mine: Vec<&str> = board
            .rows
            .iter()
            .filter(|r| r.officers)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(mine, ["camden-tct", "camden-town-snt", "kentish-town-snt"]);

        let q = |team: &str| OfficersQuery {
            team: team.into(),
            period: None,
            from: None,
            to: None,
        };
        let b = officers(&hq.state, &sergeant, &q("camden-tct"))
            .await
            .unwrap();
        assert_eq!(b.team_name, "Camden Town Centre Team");
        let names: Vec<&str> = b.officers.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["PC Amira Khan", "PS Helen Doyle"]);
        let khan = &b.officers[0];
        let closed = khan
            .cells
            .iter()
            .find(|c| c.measure == Measure::ConcernsClosed)
            .unwrap();
        assert_eq!(
            (closed.records, closed.value, closed.rag),
            (1, Some(0.0), Some(Rag::Red))
        );
        let engagements = khan
            .cells
            .iter()
            .find(|c| c.measure == Measure::EngagementsPerMonth)
            .unwrap();
        assert_eq!(
            engagements.rag, None,
            "a rate is the team's target, not one officer's"
        );

        assert!(matches!(
            officers(&hq.state, &sergeant, &q("dalston-snt")).await,
            Err(ApiError::Forbidden(_))
        ));
        let analyst = officer(&hq.state, "AN0815").await;
        assert!(matches!(
            officers(&hq.state, &analyst, &q("camden-tct")).await,
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            officers(&hq.state, &sergeant, &q("nowhere")).await,
            Err(ApiError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn unknown_measures_units_and_scopes_and_negative_targets_are_refused() {
        let hq = hq().await;
        let admin = officer(&hq.state, "AD0001").await;
        let bad_trend = TrendQuery {
            unit: "camden-tct".into(),
            measure: "arrests".into(),
            weeks: None,
            by: None,
        };
        assert!(matches!(
            trend(&hq.state, &bad_trend).await,
            Err(ApiError::BadRequest(_))
        ));
        let no_unit = TrendQuery {
            unit: "nowhere".into(),
            measure: "concerns_closed".into(),
            weeks: None,
            by: None,
        };
        assert!(matches!(
            trend(&hq.state, &no_unit).await,
            Err(ApiError::NotFound(_))
        ));
        for (scope, target) in [
            ("team:nowhere", 5.0),
            ("kind:ward", 5.0),
            ("kind:tct", -1.0),
        ] {
            let t = TargetRow {
                scope: scope.into(),
                measure: "concerns_closed".into(),
                target,
            };
            assert!(
                matches!(
                    set_target(&hq.state, &admin, t).await,
                    Err(ApiError::BadRequest(_))
                ),
                "{scope} {target}"
            );
        }
        let t = TargetRow {
            scope: "team:camden-tct".into(),
            measure: "concerns_closed".into(),
            target: 75.0,
        };
        set_target(&hq.state, &admin, t.clone()).await.unwrap();
        assert_eq!(targets(&hq.state).await.unwrap().targets, vec![t]);
        let board = board(&hq.state, &admin, &board_query()).await.unwrap();
        let closed = cell_of(&board, "camden-tct", Measure::ConcernsClosed).unwrap();
        assert_eq!(
            closed.target, 75.0,
            "the team's own target overrides the default"
        );
    }
}
