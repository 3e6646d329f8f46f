//! Project agents (docs/contract.md §13) and the durable rounds of their turns.
//!
//! An agent's definition is one JSON document that the server validates and shapes; the
//! store keeps it as given. A round is what one tool round of an `agent_call` turn did
//! (the model's tool calls and their results), stored once per (run, step key, round):
//! the first write wins, so a worker that lost its lease cannot replace what another
//! stored.

use async_trait::async_trait;
use serde_json::Value;

use crate::error::StoreResult;

/// One agent of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRecord {
    pub id: String,
    pub workspace_id: String,
    pub project_id: String,
    pub name: String,
    /// Everything else of the agent (instructions, model, tools, max_turns, …).
    pub definition: Value,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One stored tool round of a turn.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRoundRecord {
    pub run_id: String,
    /// The engine's step key without the attempt (loop items: `loop#index/inner`).
    pub step_key: String,
    /// 1, 2, 3, … in the order the rounds happened.
    pub round: i64,
    pub data: Value,
    pub created_at: i64,
}

#[async_trait]
pub trait AgentStore: Send + Sync + 'static {
    async fn create_agent(&self, agent: &AgentRecord) -> StoreResult<()>;
    /// The agent if it belongs to `workspace_id` (the caller then checks its project).
    async fn agent(&self, workspace_id: &str, id: &str) -> StoreResult<Option<AgentRecord>>;
    /// The project's agents, oldest first.
    async fn list_agents(&self, project_id: &str) -> StoreResult<Vec<AgentRecord>>;
    /// Replaces name, definition and updated_at of the agent `agent.id` of
    /// `agent.workspace_id`; false if there is no such agent.
    async fn update_agent(&self, agent: &AgentRecord) -> StoreResult<bool>;
    /// False if there is no such agent in the workspace.
    async fn delete_agent(&self, workspace_id: &str, id: &str) -> StoreResult<bool>;
    /// The stored rounds of one step's turn, in order.
    async fn agent_rounds(
        &self,
        run_id: &str,
        step_key: &str,
    ) -> StoreResult<Vec<AgentRoundRecord>>;
    /// Stores a round unless that round of the step is stored already; true if stored.
    async fn put_agent_round(&self, round: &AgentRoundRecord) -> StoreResult<bool>;
}

/// Implements [`AgentStore`] for `$store` (a struct with a `pool` field).
macro_rules! impl_agent_store {
    ($store:ty, $row:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use serde_json::Value;
            use sqlx::Row;
            use sqlx::types::Json;

            use $crate::error::StoreResult;
            use $crate::integrations::agents::{AgentRecord, AgentRoundRecord, AgentStore};

            const COLUMNS: &str = "id, workspace_id, project_id, name, definition, created_by, created_at, updated_at";

            fn from_row(row: &$row) -> StoreResult<AgentRecord> {
                Ok(AgentRecord {
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    project_id: row.try_get("project_id")?,
                    name: row.try_get("name")?,
                    definition: row.try_get::<Json<Value>, _>("definition")?.0,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            #[async_trait]
            impl AgentStore for $store {
                async fn create_agent(&self, a: &AgentRecord) -> StoreResult<()> {
                    sqlx::query("INSERT INTO agents (id, workspace_id, project_id, name, definition, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                        .bind(&a.id)
                        .bind(&a.workspace_id)
                        .bind(&a.project_id)
                        .bind(&a.name)
                        .bind(Json(&a.definition))
                        .bind(&a.created_by)
                        .bind(a.created_at)
                        .bind(a.updated_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn agent(&self, workspace_id: &str, id: &str) -> StoreResult<Option<AgentRecord>> {
                    let sql = format!("SELECT {COLUMNS} FROM agents WHERE workspace_id = $1 AND id = $2");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(from_row).transpose()
                }

                async fn list_agents(&self, project_id: &str) -> StoreResult<Vec<AgentRecord>> {
                    let sql = format!("SELECT {COLUMNS} FROM agents WHERE project_id = $1 ORDER BY created_at, id");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(project_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(from_row).collect()
                }

                async fn update_agent(&self, a: &AgentRecord) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE agents SET name = $1, definition = $2, updated_at = $3 WHERE workspace_id = $4 AND id = $5")
                        .bind(&a.name)
                        .bind(Json(&a.definition))
                        .bind(a.updated_at)
                        .bind(&a.workspace_id)
                        .bind(&a.id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn delete_agent(&self, workspace_id: &str, id: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM agents WHERE workspace_id = $1 AND id = $2")
                        .bind(workspace_id)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn agent_rounds(&self, run_id: &str, step_key: &str) -> StoreResult<Vec<AgentRoundRecord>> {
                    let rows = sqlx::query("SELECT run_id, step_key, round, data, created_at FROM agent_rounds WHERE run_id = $1 AND step_key = $2 ORDER BY round")
                        .bind(run_id)
                        .bind(step_key)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row: &$row| {
                            Ok(AgentRoundRecord {
                                run_id: row.try_get("run_id")?,
                                step_key: row.try_get("step_key")?,
                                round: row.try_get::<i64, _>("round")?,
                                data: row.try_get::<Json<Value>, _>("data")?.0,
                                created_at: row.try_get("created_at")?,
                            })
                        })
                        .collect()
                }

                async fn put_agent_round(&self, r: &AgentRoundRecord) -> StoreResult<bool> {
                    let done = sqlx::query("INSERT INTO agent_rounds (run_id, step_key, round, data, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id, step_key, round) DO NOTHING")
                        .bind(&r.run_id)
                        .bind(&r.step_key)
                        .bind(r.round)
                        .bind(Json(&r.data))
                        .bind(r.created_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        };
    };
}
pub(crate) use impl_agent_store;
