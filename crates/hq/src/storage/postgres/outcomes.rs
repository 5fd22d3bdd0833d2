//! Outcomes: recorded crime counts, survey results, the imports' log, team costs and
//! partnership notes. An import is one transaction; crime imports take an advisory lock, so two
//! HQ processes importing the same month one after the other leave the second's counts, never a
//! mix.

use super::{ms, PostgresStorage};
use crate::outcomes::{
    community_of, community_str, meeting_of, meeting_str, CrimeCount, CrimeImport, ImportLog,
    NoteRow, SurveyImport, TeamCost,
};
use crate::storage::{Outcomes, Result, StorageError};
use async_trait::async_trait;
use beatbook_domain::outcomes::{Month, Quarter, SurveyRow};
use beatbook_domain::{AreaId, TeamId};
use deadpool_postgres::Transaction;

/// The advisory lock crime imports take ("outcomes").
const IMPORT_LOCK: i64 = 0x6f75_7463_6f6d_6573;

fn month(s: &str) -> Result<Month> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("month {s:?}")))
}

fn quarter(s: &str) -> Result<Quarter> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("quarter {s:?}")))
}

fn n(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn area_ids(areas: &[AreaId]) -> Vec<String> {
    areas.iter().map(|a| a.as_str().to_owned()).collect()
}

async fn log_import(
    tx: &Transaction<'_>,
    kind: &str,
    log: &ImportLog,
    periods: &[String],
) -> Result<i64> {
    let row = tx
        .query_one(
            "INSERT INTO outcome_imports (kind, file_name, imported_at, imported_by, periods,
                 rows_read, rows_imported, outside_areas, rows_refused)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[
                &kind,
                &log.file_name,
                &ms(log.at),
                &log.by,
                &periods.join(","),
                &n(log.rows),
                &n(log.imported),
                &n(log.outside_areas),
                &n(log.refused),
            ],
        )
        .await?;
    Ok(row.get(0))
}

#[async_trait]
impl Outcomes for PostgresStorage {
    async fn import_crime(&self, import: &CrimeImport) -> Result<i64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&IMPORT_LOCK])
            .await?;
        let months: Vec<String> = import.months.iter().map(Month::to_string).collect();
        let id = log_import(&tx, "crime", &import.log, &months).await?;
        tx.execute("DELETE FROM crime_counts WHERE month = ANY($1)", &[&months])
            .await?;
        let (mut areas, mut ms_, mut types, mut counts) = (
            Vec::with_capacity(import.counts.len()),
            Vec::with_capacity(import.counts.len()),
            Vec::with_capacity(import.counts.len()),
            Vec::with_capacity(import.counts.len()),
        );
        for c in &import.counts {
            areas.push(c.area_id.as_str().to_owned());
            ms_.push(c.month.to_string());
            types.push(c.crime_type.clone());
            counts.push(n(c.count));
        }
        tx.execute(
            "INSERT INTO crime_counts (area_id, month, crime_type, count, import_id)
             SELECT a, m, t, c, $5 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[])
                 AS x(a, m, t, c)",
            &[&areas, &ms_, &types, &counts, &id],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn crime_counts(
        &self,
        areas: &[AreaId],
        from: Month,
        to: Month,
    ) -> Result<Vec<CrimeCount>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT area_id, month, crime_type, count FROM crime_counts
                 WHERE month >= $1 AND month <= $2 AND area_id = ANY($3)
                 ORDER BY month COLLATE \"C\", area_id COLLATE \"C\", crime_type COLLATE \"C\"",
                &[&from.to_string(), &to.to_string(), &area_ids(areas)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CrimeCount {
                    area_id: AreaId::new(r.get::<_, String>(0)),
                    month: month(r.get(1))?,
                    crime_type: r.get(2),
                    count: u64::try_from(r.get::<_, i64>(3)).unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn crime_months(&self) -> Result<Vec<Month>> {
        let rows = self
            .client()
            .await?
            .query("SELECT DISTINCT month FROM crime_counts", &[])
            .await?;
        let mut months = rows
            .iter()
            .map(|r| month(r.get(0)))
            .collect::<Result<Vec<Month>>>()?;
        months.sort();
        Ok(months)
    }

    async fn import_survey(&self, import: &SurveyImport) -> Result<i64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut quarters: Vec<String> = import
            .results
            .iter()
            .map(|r| r.quarter.to_string())
            .collect();
        quarters.sort();
        quarters.dedup();
        let id = log_import(&tx, "survey", &import.log, &quarters).await?;
        let (mut areas, mut qs, mut communities, mut respondents, mut confident) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in &import.results {
            areas.push(r.area.as_str().to_owned());
            qs.push(r.quarter.to_string());
            communities.push(community_str(r.community).to_owned());
            respondents.push(i64::from(r.respondents));
            confident.push(i64::from(r.confident));
        }
        tx.execute(
            "INSERT INTO survey_results (area_id, quarter, community, respondents, confident, import_id)
             SELECT a, q, c, n, k, $6
               FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
                 AS x(a, q, c, n, k)
             ON CONFLICT (area_id, quarter, community) DO UPDATE SET
                 respondents = excluded.respondents, confident = excluded.confident,
                 import_id = excluded.import_id",
            &[&areas, &qs, &communities, &respondents, &confident, &id],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn survey_results(
        &self,
        areas: &[AreaId],
        from: Quarter,
        to: Quarter,
    ) -> Result<Vec<SurveyRow>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT area_id, quarter, community, respondents, confident FROM survey_results
                 WHERE quarter >= $1 AND quarter <= $2 AND area_id = ANY($3)
                 ORDER BY quarter COLLATE \"C\", area_id COLLATE \"C\", community COLLATE \"C\"",
                &[&from.to_string(), &to.to_string(), &area_ids(areas)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let community: String = r.get(2);
                Ok(SurveyRow {
                    area: AreaId::new(r.get::<_, String>(0)),
                    quarter: quarter(r.get(1))?,
                    community: community_of(&community)
                        .ok_or_else(|| StorageError::Corrupt(format!("community {community:?}")))?,
                    respondents: u32::try_from(r.get::<_, i64>(3)).unwrap_or_default(),
                    confident: u32::try_from(r.get::<_, i64>(4)).unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn put_team_cost(&self, cost: &TeamCost) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO team_costs (team_id, month, cost_pence, set_at, set_by)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (team_id, month) DO UPDATE SET cost_pence = excluded.cost_pence,
                     set_at = excluded.set_at, set_by = excluded.set_by",
                &[
                    &cost.team_id.as_str(),
                    &cost.month.to_string(),
                    &cost.cost_pence,
                    &ms(cost.set_at),
                    &cost.set_by,
                ],
            )
            .await?;
        Ok(())
    }

    async fn team_costs(&self, from: Month, to: Month) -> Result<Vec<TeamCost>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT team_id, month, cost_pence, set_at, set_by FROM team_costs
                 WHERE month >= $1 AND month <= $2
                 ORDER BY team_id COLLATE \"C\", month COLLATE \"C\"",
                &[&from.to_string(), &to.to_string()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TeamCost {
                    team_id: TeamId::new(r.get::<_, String>(0)),
                    month: month(r.get(1))?,
                    cost_pence: r.get(2),
                    set_at: r.get(3),
                    set_by: r.get(4),
                })
            })
            .collect()
    }

    async fn add_partnership_note(&self, note: &NoteRow) -> Result<i64> {
        let row = self
            .client()
            .await?
            .query_one(
                "INSERT INTO partnership_notes (meeting, met_on, team_id, area_id, quarter, text,
                     written_at, written_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    &meeting_str(note.meeting),
                    &note.met_on,
                    &note.team_id.as_ref().map(|t| t.as_str()),
                    &note.area_id.as_ref().map(|a| a.as_str()),
                    &note.quarter.to_string(),
                    &note.text,
                    &ms(note.written_at),
                    &note.written_by,
                ],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn partnership_notes(&self, q: Quarter) -> Result<Vec<NoteRow>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, meeting, met_on, team_id, area_id, quarter, text, written_at, written_by
                 FROM partnership_notes WHERE quarter = $1 ORDER BY id",
                &[&q.to_string()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let meeting: String = r.get(1);
                Ok(NoteRow {
                    id: r.get(0),
                    meeting: meeting_of(&meeting)
                        .ok_or_else(|| StorageError::Corrupt(format!("meeting {meeting:?}")))?,
                    met_on: r.get(2),
                    team_id: r.get::<_, Option<String>>(3).map(TeamId::new),
                    area_id: r.get::<_, Option<String>>(4).map(AreaId::new),
                    quarter: quarter(r.get(5))?,
                    text: r.get(6),
                    written_at: r.get(7),
                    written_by: r.get(8),
                })
            })
            .collect()
    }
}
