//! The performance framework's targets.

use super::SqliteStorage;
use crate::dashboard::framework::TargetRow;
use crate::storage::{FrameworkTargets, Result};
use async_trait::async_trait;

#[async_trait]
impl FrameworkTargets for SqliteStorage {
    async fn put_target(&self, target: &TargetRow) -> Result<()> {
        let tr = target.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO framework_targets (scope, measure, target) VALUES (?1, ?2, ?3)
                 ON CONFLICT (scope, measure) DO UPDATE SET target = excluded.target",
                (tr.scope, tr.measure, tr.target),
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_target(&self, scope: &str, measure: &str) -> Result<()> {
        let (sc, m) = (scope.to_owned(), measure.to_owned());
        self.call(move |c| {
            c.execute(
                "DELETE FROM framework_targets WHERE scope = ?1 AND measure = ?2",
                (sc, m),
            )?;
            Ok(())
        })
        .await
    }

    async fn targets(&self) -> Result<Vec<TargetRow>> {
        self.call(|c| {
            let mut stmt = c.prepare(
                "SELECT scope, measure, target FROM framework_targets ORDER BY scope, measure",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(TargetRow {
                    scope: r.get(0)?,
                    measure: r.get(1)?,
                    target: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}
