//! The performance framework's targets.

use super::PostgresStorage;
use crate::dashboard::framework::TargetRow;
use crate::storage::{FrameworkTargets, Result};
use async_trait::async_trait;

#[async_trait]
impl FrameworkTargets for PostgresStorage {
    async fn put_target(&self, target: &TargetRow) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO framework_targets (scope, measure, target) VALUES ($1, $2, $3)
                 ON CONFLICT (scope, measure) DO UPDATE SET target = excluded.target",
                &[&target.scope, &target.measure, &target.target],
            )
            .await?;
        Ok(())
    }

    async fn delete_target(&self, scope: &str, measure: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM framework_targets WHERE scope = $1 AND measure = $2",
                &[&scope, &measure],
            )
            .await?;
        Ok(())
    }

    async fn targets(&self) -> Result<Vec<TargetRow>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT scope, measure, target FROM framework_targets ORDER BY scope COLLATE \"C\", measure COLLATE \"C\"",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| TargetRow {
                scope: r.get(0),
                measure: r.get(1),
                target: r.get(2),
            })
            .collect())
    }
}
