//! Workspace LLM provider keys: sealed API keys (opaque JSON here; the server seals and
//! opens them) with the metadata the API lists.

use async_trait::async_trait;
use serde_json::Value;

use crate::error::StoreResult;

/// One key of a workspace for one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmKeyRecord {
    pub id: String,
    pub workspace_id: String,
    /// Provider name (`openai`, `anthropic`, …).
    pub provider: String,
    pub label: Option<String>,
    /// `ar_connect::vault::SealedValue` as JSON, bound to (workspace, "llm_provider_key",
    /// id, "api_key").
    pub key_sealed: Value,
    pub created_by: String,
    pub created_at: i64,
}

#[async_trait]
pub trait LlmKeyStore: Send + Sync + 'static {
    async fn create_llm_key(&self, key: &LlmKeyRecord) -> StoreResult<()>;
    /// The key if it belongs to `workspace_id`.
    async fn llm_key(&self, workspace_id: &str, id: &str) -> StoreResult<Option<LlmKeyRecord>>;
    /// The workspace's keys, by provider, newest first.
    async fn list_llm_keys(&self, workspace_id: &str) -> StoreResult<Vec<LlmKeyRecord>>;
    /// The workspace key of `provider`: its newest key.
    async fn workspace_llm_key(
        &self,
        workspace_id: &str,
        provider: &str,
    ) -> StoreResult<Option<LlmKeyRecord>>;
    /// False if there is no such key in the workspace.
    async fn delete_llm_key(&self, workspace_id: &str, id: &str) -> StoreResult<bool>;
    /// The workspace a project belongs to (how a run's step finds its workspace's keys).
    async fn workspace_of_project(&self, project_id: &str) -> StoreResult<Option<String>>;
}

/// Implements [`LlmKeyStore`] for `$store` (a struct with a `pool` field).
macro_rules! impl_llm_key_store {
    ($store:ty, $row:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use serde_json::Value;
            use sqlx::Row;
            use sqlx::types::Json;

            use $crate::error::StoreResult;
            use $crate::integrations::llm_keys::{LlmKeyRecord, LlmKeyStore};

            const COLUMNS: &str =
                "id, workspace_id, provider, label, key_sealed, created_by, created_at";

            fn from_row(row: &$row) -> StoreResult<LlmKeyRecord> {
                Ok(LlmKeyRecord {
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    provider: row.try_get("provider")?,
                    label: row.try_get("label")?,
                    key_sealed: row.try_get::<Json<Value>, _>("key_sealed")?.0,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            #[async_trait]
            impl LlmKeyStore for $store {
                async fn create_llm_key(&self, k: &LlmKeyRecord) -> StoreResult<()> {
                    sqlx::query("INSERT INTO llm_provider_keys (id, workspace_id, provider, label, key_sealed, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(&k.id)
                        .bind(&k.workspace_id)
                        .bind(&k.provider)
                        .bind(&k.label)
                        .bind(Json(&k.key_sealed))
                        .bind(&k.created_by)
                        .bind(k.created_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn llm_key(&self, workspace_id: &str, id: &str) -> StoreResult<Option<LlmKeyRecord>> {
                    let sql = format!("SELECT {COLUMNS} FROM llm_provider_keys WHERE workspace_id = $1 AND id = $2");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(from_row).transpose()
                }

                async fn list_llm_keys(&self, workspace_id: &str) -> StoreResult<Vec<LlmKeyRecord>> {
                    let sql = format!("SELECT {COLUMNS} FROM llm_provider_keys WHERE workspace_id = $1 ORDER BY provider, created_at DESC, id DESC");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(from_row).collect()
                }

                async fn workspace_llm_key(&self, workspace_id: &str, provider: &str) -> StoreResult<Option<LlmKeyRecord>> {
                    let sql = format!("SELECT {COLUMNS} FROM llm_provider_keys WHERE workspace_id = $1 AND provider = $2 ORDER BY created_at DESC, id DESC LIMIT 1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .bind(provider)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(from_row).transpose()
                }

                async fn delete_llm_key(&self, workspace_id: &str, id: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM llm_provider_keys WHERE workspace_id = $1 AND id = $2")
                        .bind(workspace_id)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn workspace_of_project(&self, project_id: &str) -> StoreResult<Option<String>> {
                    let row = sqlx::query("SELECT workspace_id FROM projects WHERE id = $1")
                        .bind(project_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(match row {
                        Some(row) => Some(row.try_get("workspace_id")?),
                        None => None,
                    })
                }
            }
        };
    };
}
pub(crate) use impl_llm_key_store;
