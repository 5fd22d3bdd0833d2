//! Outcomes: recorded crime counts, survey results, the imports' log, team costs and
//! partnership notes. An import is one immediate transaction.

use super::{parse_t, t, SqliteStorage};
use crate::outcomes::{
    community_of, community_str, meeting_of, meeting_str, CrimeCount, CrimeImport, ImportLog,
    NoteRow, SurveyImport, TeamCost,
};
use crate::storage::{Outcomes, Result, StorageError};
use async_trait::async_trait;
use beatbook_domain::outcomes::{Month, Quarter, SurveyRow};
use beatbook_domain::{AreaId, TeamId};
use rusqlite::{Transaction, TransactionBehavior};

fn month(s: &str) -> Result<Month> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("month {s:?}")))
}

fn quarter(s: &str) -> Result<Quarter> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("quarter {s:?}")))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

fn ids_json(areas: &[AreaId]) -> Result<String> {
    Ok(serde_json::to_string(
        &areas.iter().map(AreaId::as_str).collect::<Vec<_>>(),
    )?)
}

/// Log an import; its id.
fn log_import(
    tx: &Transaction<'_>,
    kind: &str,
    log: &ImportLog,
    periods: &[String],
) -> Result<i64> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO outcome_imports (kind, file_name, imported_at, imported_by, periods,
             rows_read, rows_imported, outside_areas, rows_refused)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        (
            kind,
            &log.file_name,
            t(log.at),
            &log.by,
            periods.join(","),
            n(log.rows),
            n(log.imported),
            n(log.outside_areas),
            n(log.refused),
        ),
    )?;
    Ok(tx.last_insert_rowid())
}

#[async_trait]
impl Outcomes for SqliteStorage {
    async fn import_crime(&self, import: &CrimeImport) -> Result<i64> {
        let import = import.clone();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let months: Vec<String> = import.months.iter().map(Month::to_string).collect();
            let id = log_import(&tx, "crime", &import.log, &months)?;
            {
                let mut delete = tx.prepare_cached("DELETE FROM crime_counts WHERE month = ?1")?;
                for m in &months {
                    delete.execute([m])?;
                }
                let mut insert = tx.prepare_cached(
                    "INSERT INTO crime_counts (area_id, month, crime_type, count, import_id)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for k in &import.counts {
                    insert.execute((
                        k.area_id.as_str(),
                        k.month.to_string(),
                        &k.crime_type,
                        i64::try_from(k.count).unwrap_or(i64::MAX),
                        id,
                    ))?;
                }
            }
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    async fn crime_counts(
        &self,
        areas: &[AreaId],
        from: Month,
        to: Month,
    ) -> Result<Vec<CrimeCount>> {
        let ids = ids_json(areas)?;
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT area_id, month, crime_type, count FROM crime_counts
                 WHERE month >= ?1 AND month <= ?2
                   AND area_id IN (SELECT value FROM json_each(?3))
                 ORDER BY month, area_id, crime_type",
            )?;
            let rows = stmt.query_map((from.to_string(), to.to_string(), ids), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?;
            rows.map(|r| {
                let (area, m, crime_type, n) = r?;
                Ok(CrimeCount {
                    area_id: AreaId::new(area),
                    month: month(&m)?,
                    crime_type,
                    count: count(n),
                })
            })
            .collect()
        })
        .await
    }

    async fn crime_months(&self) -> Result<Vec<Month>> {
        self.call(|c| {
            let mut stmt =
                c.prepare_cached("SELECT DISTINCT month FROM crime_counts ORDER BY month")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|r| month(&r?)).collect()
        })
        .await
    }

    async fn import_survey(&self, import: &SurveyImport) -> Result<i64> {
        let import = import.clone();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut quarters: Vec<String> =
                import.results.iter().map(|r| r.quarter.to_string()).collect();
            quarters.sort();
            quarters.dedup();
            let id = log_import(&tx, "survey", &import.log, &quarters)?;
            {
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO survey_results (area_id, quarter, community, respondents, confident, import_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (area_id, quarter, community) DO UPDATE SET
                         respondents = excluded.respondents, confident = excluded.confident,
                         import_id = excluded.import_id",
                )?;
                for r in &import.results {
                    upsert.execute((
                        r.area.as_str(),
                        r.quarter.to_string(),
                        community_str(r.community),
                        i64::from(r.respondents),
                        i64::from(r.confident),
                        id,
                    ))?;
                }
            }
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    async fn survey_results(
        &self,
        areas: &[AreaId],
        from: Quarter,
        to: Quarter,
    ) -> Result<Vec<SurveyRow>> {
        let ids = ids_json(areas)?;
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT area_id, quarter, community, respondents, confident FROM survey_results
                 WHERE quarter >= ?1 AND quarter <= ?2
                   AND area_id IN (SELECT value FROM json_each(?3))
                 ORDER BY quarter, area_id, community",
            )?;
            let rows = stmt.query_map((from.to_string(), to.to_string(), ids), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?;
            rows.map(|r| {
                let (area, q, community, respondents, confident) = r?;
                Ok(SurveyRow {
                    area: AreaId::new(area),
                    quarter: quarter(&q)?,
                    community: community_of(&community)
                        .ok_or_else(|| StorageError::Corrupt(format!("community {community:?}")))?,
                    respondents: u32::try_from(respondents).unwrap_or_default(),
                    confident: u32::try_from(confident).unwrap_or_default(),
                })
            })
            .collect()
        })
        .await
    }

    async fn put_team_cost(&self, cost: &TeamCost) -> Result<()> {
        let cost = cost.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO team_costs (team_id, month, cost_pence, set_at, set_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (team_id, month) DO UPDATE SET cost_pence = excluded.cost_pence,
                     set_at = excluded.set_at, set_by = excluded.set_by",
                (
                    cost.team_id.as_str(),
                    cost.month.to_string(),
                    cost.cost_pence,
                    t(cost.set_at),
                    &cost.set_by,
                ),
            )?;
            Ok(())
        })
        .await
    }

    async fn team_costs(&self, from: Month, to: Month) -> Result<Vec<TeamCost>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT team_id, month, cost_pence, set_at, set_by FROM team_costs
                 WHERE month >= ?1 AND month <= ?2 ORDER BY team_id, month",
            )?;
            let rows = stmt.query_map((from.to_string(), to.to_string()), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            rows.map(|r| {
                let (team, m, cost_pence, set_at, set_by) = r?;
                Ok(TeamCost {
                    team_id: TeamId::new(team),
                    month: month(&m)?,
                    cost_pence,
                    set_at: parse_t(&set_at)?,
                    set_by,
                })
            })
            .collect()
        })
        .await
    }

    async fn add_partnership_note(&self, note: &NoteRow) -> Result<i64> {
        let n = note.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO partnership_notes (meeting, met_on, team_id, area_id, quarter, text,
                     written_at, written_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                (
                    meeting_str(n.meeting),
                    n.met_on.map(|d| d.to_string()),
                    n.team_id.as_ref().map(|t| t.as_str().to_owned()),
                    n.area_id.as_ref().map(|a| a.as_str().to_owned()),
                    n.quarter.to_string(),
                    &n.text,
                    t(n.written_at),
                    &n.written_by,
                ),
            )?;
            Ok(c.last_insert_rowid())
        })
        .await
    }

    async fn partnership_notes(&self, q: Quarter) -> Result<Vec<NoteRow>> {
        self.call(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, meeting, met_on, team_id, area_id, quarter, text, written_at, written_by
                 FROM partnership_notes WHERE quarter = ?1 ORDER BY id",
            )?;
            type Columns = (
                i64,
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                String,
                String,
                String,
                String,
            );
            let rows = stmt.query_map([q.to_string()], |r| -> rusqlite::Result<Columns> {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })?;
            rows.map(|r| {
                let (id, meeting, met_on, team, area, q, text, written_at, written_by) = r?;
                Ok(NoteRow {
                    id,
                    meeting: meeting_of(&meeting)
                        .ok_or_else(|| StorageError::Corrupt(format!("meeting {meeting:?}")))?,
                    met_on: met_on
                        .map(|d| {
                            d.parse()
                                .map_err(|_| StorageError::Corrupt(format!("date {d:?}")))
                        })
                        .transpose()?,
                    team_id: team.map(TeamId::new),
                    area_id: area.map(AreaId::new),
                    quarter: quarter(&q)?,
                    text,
                    written_at: parse_t(&written_at)?,
                    written_by,
                })
            })
            .collect()
        })
        .await
    }
}
