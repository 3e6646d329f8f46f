//! Read-only queries over runs and human tasks for the API's lists: the run feeds (per
//! workflow and tenant-wide) and the pending-task inbox. They join the engine's tables with
//! the tenancy tables (a run's workflow name, its project), which is why they live with the
//! tenancy store rather than in the engine's [`crate::Store`]. Callers pass the projects
//! the user may read, so a list never reaches another workspace or a hidden project.
//!
//! The SQL is written once for both backends; [`impl_run_reads!`] stamps it out like
//! [`super::queries`] does for the rest of the tenancy store.

/// Implements [`super::RunReads`] for `$store` (a struct with a `pool` field).
macro_rules! impl_run_reads {
    ($store:ty, $row:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use serde_json::Value;
            use sqlx::Row;
            use sqlx::types::Json;

            use $crate::error::StoreResult;
            use $crate::tenant::{PendingTaskRecord, RunListRecord, RunQuery, RunReads, TaskQuery};

            /// `$first, $first+1, …` for an `IN (…)` list of `n` values.
            fn placeholders(first: usize, n: usize) -> String {
                (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
            }

            fn run_from_row(row: &$row) -> StoreResult<RunListRecord> {
                Ok(RunListRecord {
                    id: row.try_get("id")?,
                    workflow_id: row.try_get("workflow_id")?,
                    workflow_name: row.try_get("workflow_name")?,
                    version: row.try_get("version")?,
                    project_id: row.try_get("project_id")?,
                    status: row.try_get("status")?,
                    failure_code: row.try_get("failure_code")?,
                    client_run_id: row.try_get("client_run_id")?,
                    created_at: row.try_get("created_at")?,
                    started_at: row.try_get("started_at")?,
                    finished_at: row.try_get("finished_at")?,
                    awaiting_human: row.try_get("awaiting_human")?,
                })
            }

            fn task_from_row(row: &$row) -> StoreResult<PendingTaskRecord> {
                Ok(PendingTaskRecord {
                    run_id: row.try_get("run_id")?,
                    step_id: row.try_get("step_id")?,
                    task_type: row.try_get("task_type")?,
                    payload: row.try_get::<Json<Value>, _>("payload")?.0,
                    created_at: row.try_get("created_at")?,
                    expires_at: row.try_get("expires_at")?,
                    workflow_id: row.try_get("workflow_id")?,
                    workflow_name: row.try_get("workflow_name")?,
                    project_id: row.try_get("project_id")?,
                })
            }

            #[async_trait]
            impl RunReads for $store {
                async fn list_runs(&self, q: &RunQuery) -> StoreResult<Vec<RunListRecord>> {
                    if q.project_ids.is_empty() || q.limit <= 0 {
                        return Ok(Vec::new());
                    }
                    // Newest first; the cursor is the (created_at, id) of the last run seen.
                    let sql = format!(
                        "SELECT r.id, r.workflow_id, w.name AS workflow_name, r.version, r.project_id, r.status, \
                         r.failure_code, r.client_run_id, r.created_at, r.started_at, r.finished_at, \
                         EXISTS (SELECT 1 FROM human_tasks h WHERE h.run_id = r.id AND h.status = 'pending') AS awaiting_human \
                         FROM runs r LEFT JOIN workflows w ON w.id = r.workflow_id \
                         WHERE r.project_id IN ({}) AND ($1 IS NULL OR r.workflow_id = $1) AND ($2 IS NULL OR r.status = $2) \
                         AND ($3 IS NULL OR r.created_at >= $3) \
                         AND ($4 IS NULL OR r.created_at < $4 OR (r.created_at = $4 AND r.id < $5)) \
                         ORDER BY r.created_at DESC, r.id DESC LIMIT $6",
                        placeholders(7, q.project_ids.len())
                    );
                    let (before_at, before_id) = match &q.before {
                        Some(c) => (Some(c.created_at), Some(c.id.as_str())),
                        None => (None, None),
                    };
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(q.workflow_id.as_deref())
                        .bind(q.status.as_deref())
                        .bind(q.since)
                        .bind(before_at)
                        .bind(before_id)
                        .bind(q.limit);
                    for p in &q.project_ids {
                        query = query.bind(p);
                    }
                    let rows = query.fetch_all(&self.pool).await?;
                    rows.iter().map(run_from_row).collect()
                }

                async fn pending_tasks(&self, q: &TaskQuery) -> StoreResult<Vec<PendingTaskRecord>> {
                    if q.project_ids.is_empty() || q.limit <= 0 {
                        return Ok(Vec::new());
                    }
                    // Tasks of runs that ended (stopped, failed) can no longer be completed.
                    let sql = format!(
                        "SELECT h.run_id, h.step_id, h.task_type, h.payload, h.created_at, h.expires_at, \
                         r.workflow_id, r.project_id, w.name AS workflow_name \
                         FROM human_tasks h JOIN runs r ON r.id = h.run_id LEFT JOIN workflows w ON w.id = r.workflow_id \
                         WHERE h.status = 'pending' AND r.status IN ('running', 'paused', 'draining') \
                         AND r.project_id IN ({}) AND ($1 IS NULL OR h.run_id = $1) \
                         ORDER BY h.created_at, h.run_id, h.step_id LIMIT $2",
                        placeholders(3, q.project_ids.len())
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(q.run_id.as_deref()).bind(q.limit);
                    for p in &q.project_ids {
                        query = query.bind(p);
                    }
                    let rows = query.fetch_all(&self.pool).await?;
                    rows.iter().map(task_from_row).collect()
                }

                async fn count_active_runs_in_workspace_of(&self, project_id: &str) -> StoreResult<i64> {
                    let row = sqlx::query(
                        "SELECT COUNT(*) AS active FROM runs r JOIN projects p ON p.id = r.project_id \
                         WHERE p.workspace_id = (SELECT workspace_id FROM projects WHERE id = $1) \
                         AND r.status IN ('queued', 'running', 'paused', 'draining')",
                    )
                    .bind(project_id)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(row.try_get("active")?)
                }
            }
        };
    };
}

pub(crate) use impl_run_reads;
