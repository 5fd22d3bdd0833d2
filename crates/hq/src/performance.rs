//! The performance framework at HQ: the board per team (or area) and period, the board pack as
//! CSV, a cell's trend week by week, the records behind a cell, and the targets. The rules
//! (measures, targets, red/amber/green, peak hours) are the domain's
//! ([`beatbook_domain::framework`]); the records' facts are kept in memory
//! ([`crate::dashboard::facts`]). The answers' types live with their endpoints
//! ([`crate::dashboard::framework`]).

use crate::dashboard::facts::Snapshot;
use crate::dashboard::framework::{
    Board, BoardQuery, Cell, CellDetail, CellQuery, CellRecord, MeasureInfo, Row, TargetRow,
    Targets, Trend, TrendPoint, TrendQuery,
};
use crate::error::ApiError;
use crate::records::{self, log_disclosure};
use crate::HqState;
use beatbook_domain::access::hq_may_see;
use beatbook_domain::area::Area;
use beatbook_domain::framework::{self, Item, Measure, Period, Rag, TargetTable};
use beatbook_domain::people::{Officer, Team, TeamKind};
use beatbook_domain::{AreaId, RecordId};
use chrono::{Duration, Utc};
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

/// The board, as `GET /api/v1/hq/framework` answers it.
pub async fn board(state: &HqState, q: &BoardQuery) -> Result<Board, ApiError> {
    let period = q.period()?;
    let by_area = q.by_area()?;
    let snapshot = facts(state).await?;
    let (teams, areas, targets) = (
        state.storage.teams().await?,
        state.storage.areas().await?,
        state.storage.targets().await?,
    );
    off_workers(move || compute(snapshot.items(), &teams, &areas, &targets, period, by_area)).await
}

/// Compute the board: every unit, every measure (see [`framework::tally`]).
pub fn compute<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    teams: &[Team],
    areas: &[Area],
    targets: &[TargetRow],
    period: Period,
    by_area: bool,
) -> Board {
    let units = framework::units(by_area, teams, areas);
    let tallies = framework::tally(items, &units, &period);
    let targets = TargetTable::new(
        targets
            .iter()
            .map(|t| (t.scope.as_str(), t.measure.as_str(), t.target)),
    );
    let rows = units
        .iter()
        .zip(&tallies)
        .map(|(u, row)| Row {
            id: u.id.clone(),
            name: u.name.clone(),
            kind: u.kind,
            cells: Measure::ALL
                .into_iter()
                .zip(row)
                .map(|(m, t)| {
                    let v = t.value(m, &period);
                    let target = targets.target(by_area, u, m);
                    Cell {
                        measure: m,
                        value: v,
                        target,
                        rag: Rag::of(v, target),
                        records: t.records(),
                    }
                })
                .collect(),
        })
        .collect();
    Board {
        from: period.from,
        to: period.to,
        by: if by_area { "area" } else { "team" }.into(),
        measures: Measure::ALL
            .into_iter()
            .map(|m| MeasureInfo {
                id: m,
                label: m.label(),
            })
            .collect(),
        rows,
    }
}

fn measure(id: &str) -> Result<Measure, ApiError> {
    Measure::parse(id).ok_or_else(|| ApiError::BadRequest(format!("no measure {id:?}")))
}

/// The board pack: one line per unit and measure, with the file name it is offered under.
pub async fn board_pack_csv(state: &HqState, q: &BoardQuery) -> Result<(String, String), ApiError> {
    let b = board(state, q).await?;
    let (from, last_day) = (b.from.date_naive(), (b.to - Duration::days(1)).date_naive());
    let mut out = String::from("unit,name,type,measure,value,target,rag,records,from,to\n");
    let esc = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for row in &b.rows {
        for c in &row.cells {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                esc(&row.id),
                esc(&row.name),
                match row.kind {
                    TeamKind::Tct => "TCT",
                    TeamKind::Snt => "SNT",
                },
                c.measure.id(),
                c.value.map(|v| v.to_string()).unwrap_or_default(),
                c.target,
                c.rag.as_str(),
                c.records,
                from,
                last_day,
            ));
        }
    }
    Ok((format!("board-pack-{from}-{last_day}.csv"), out))
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
    let today = Utc::now().date_naive();
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
        Period::weeks_to(today, weeks)
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

/// The records behind one cell that `by` may see, those that missed first; written to the
/// access log as a view.
pub async fn cell(state: &HqState, by: &Officer, q: &CellQuery) -> Result<CellDetail, ApiError> {
    let m = measure(&q.measure)?;
    let bq = BoardQuery {
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
    let mut out: Vec<CellRecord> = Vec::with_capacity(behind.len());
    for (id, c) in behind {
        let Some(r) = state.storage.record(id).await?.and_then(records::load) else {
            continue;
        };
        if !hq_may_see(by.role, &r.change.facts) {
            continue;
        }
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
    log_disclosure(
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

/// The targets set, and the built-in defaults they override.
pub async fn targets(state: &HqState) -> Result<Targets, ApiError> {
    Ok(Targets {
        targets: state.storage.targets().await?,
        defaults: framework::default_targets(),
    })
}

/// Set (or replace) a target. Refused: an unknown measure, a negative or non-finite target, a
/// scope that is neither `kind:tct`/`kind:snt` nor an existing team's `team:<id>`.
pub async fn set_target(
    state: &HqState,
    by: &Officer,
    t: TargetRow,
) -> Result<TargetRow, ApiError> {
    measure(&t.measure)?;
    if !t.target.is_finite() || t.target < 0.0 {
        return Err(ApiError::BadRequest(
            "a target is a number, 0 or more".into(),
        ));
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
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::AccessQuery;
    use crate::testing::{concern, hq, officer, Device};

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

        let board = board(&hq.state, &board_query()).await.unwrap();
        let closed = cell_of(&board, "camden-tct", Measure::ConcernsClosed).unwrap();
        assert_eq!(closed.records, 1, "{closed:?}");
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

        let sergeant = officer(&hq.state, "PS1102").await;
        let detail = cell(
            &hq.state,
            &sergeant,
            &CellQuery {
                unit: "camden-tct".into(),
                measure: "concerns_closed".into(),
                from: None,
                to: None,
                by: None,
            },
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
    async fn the_board_pack_has_a_line_per_unit_and_measure_and_is_named_by_its_period() {
        let hq = hq().await;
        let q = BoardQuery {
            from: "2026-11-01".parse().ok(),
            to: "2026-11-28".parse().ok(),
            by: None,
        };
        let (name, text) = board_pack_csv(&hq.state, &q).await.unwrap();
        assert_eq!(name, "board-pack-2026-11-01-2026-11-28.csv");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "unit,name,type,measure,value,target,rag,records,from,to"
        );
        let teams = hq.state.storage.teams().await.unwrap().len();
        assert_eq!(lines.len(), 1 + teams * Measure::ALL.len());
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("\"camden-tct\",\"Camden Town Centre Team\",TCT,")),
            "{text}"
        );
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
        let board = board(&hq.state, &board_query()).await.unwrap();
        let closed = cell_of(&board, "camden-tct", Measure::ConcernsClosed).unwrap();
        assert_eq!(
            closed.target, 75.0,
            "the team's own target overrides the default"
        );
    }
}
