//! Metered usage: what runs consumed (LLM tokens, MCP calls, executed steps), one row per
//! (run, step, kind), so a retried step or a run re-driven after a crash counts once.

use async_trait::async_trait;

use crate::error::StoreResult;

/// One metered quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRecord {
    /// `<run_id>:<step key>:<kind>`: a second record with the same key is ignored.
    pub idempotency_key: String,
    pub workspace_id: String,
    pub project_id: Option<String>,
    pub run_id: String,
    /// The step id (loop items: the engine's item key).
    pub step_key: String,
    /// `llm.tokens_in`, `llm.tokens_out`, `mcp.call`, `workflow.step.execute`.
    pub kind: String,
    pub quantity: i64,
    pub at: i64,
}

/// A sum over a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageTotal {
    pub kind: String,
    pub quantity: i64,
}

#[async_trait]
pub trait UsageStore: Send + Sync + 'static {
    /// Records `usage` unless its idempotency key was recorded before; true if recorded.
    async fn record_usage(&self, usage: &UsageRecord) -> StoreResult<bool>;
    /// Sums per kind of the workspace's usage with `from <= at < to`, optionally of one
    /// project, by kind.
    async fn usage_totals(
        &self,
        workspace_id: &str,
        project_id: Option<&str>,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<UsageTotal>>;
    /// The records of one run (tests, diagnostics), by key.
    async fn usage_of_run(&self, run_id: &str) -> StoreResult<Vec<UsageRecord>>;
}

/// Implements [`UsageStore`] for `$store` (a struct with a `pool` field).
macro_rules! impl_usage_store {
    ($store:ty, $row:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use sqlx::Row;

            use $crate::error::StoreResult;
            use $crate::integrations::usage::{UsageRecord, UsageStore, UsageTotal};

            #[async_trait]
            impl UsageStore for $store {
                async fn record_usage(&self, u: &UsageRecord) -> StoreResult<bool> {
                    let done = sqlx::query("INSERT INTO usage_records (idempotency_key, workspace_id, project_id, run_id, step_key, kind, quantity, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING")
                        .bind(&u.idempotency_key)
                        .bind(&u.workspace_id)
                        .bind(&u.project_id)
                        .bind(&u.run_id)
                        .bind(&u.step_key)
                        .bind(&u.kind)
                        .bind(u.quantity)
                        .bind(u.at)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn usage_totals(
                    &self,
                    workspace_id: &str,
                    project_id: Option<&str>,
                    from: i64,
                    to: i64,
                ) -> StoreResult<Vec<UsageTotal>> {
                    let rows = sqlx::query("SELECT kind, CAST(SUM(quantity) AS BIGINT) AS total FROM usage_records WHERE workspace_id = $1 AND ($2 IS NULL OR project_id = $2) AND at >= $3 AND at < $4 GROUP BY kind ORDER BY kind")
                        .bind(workspace_id)
                        .bind(project_id)
                        .bind(from)
                        .bind(to)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row: &$row| {
                            Ok(UsageTotal {
                                kind: row.try_get("kind")?,
                                quantity: row.try_get("total")?,
                            })
                        })
                        .collect()
                }

                async fn usage_of_run(&self, run_id: &str) -> StoreResult<Vec<UsageRecord>> {
                    let rows = sqlx::query("SELECT idempotency_key, workspace_id, project_id, run_id, step_key, kind, quantity, at FROM usage_records WHERE run_id = $1 ORDER BY idempotency_key")
                        .bind(run_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row: &$row| {
                            Ok(UsageRecord {
                                idempotency_key: row.try_get("idempotency_key")?,
                                workspace_id: row.try_get("workspace_id")?,
                                project_id: row.try_get("project_id")?,
                                run_id: row.try_get("run_id")?,
                                step_key: row.try_get("step_key")?,
                                kind: row.try_get("kind")?,
                                quantity: row.try_get("quantity")?,
                                at: row.try_get("at")?,
                            })
                        })
                        .collect()
                }
            }
        };
    };
}
pub(crate) use impl_usage_store;
