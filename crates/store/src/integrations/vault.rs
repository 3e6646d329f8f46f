//! The vault's persistent half: one wrapped data key per workspace, and workspace secrets.
//! Sealing and opening happen in the server (`ar_server::vault`); this keeps the opaque
//! results.

use async_trait::async_trait;
use serde_json::Value;

use crate::error::StoreResult;

/// A workspace's data key as stored: wrapped by the master key with id `master_key_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct DataKeyRecord {
    pub workspace_id: String,
    /// `ar_connect::vault::WrappedDataKey` as JSON.
    pub wrapped: Value,
    pub master_key_id: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A workspace secret: a name and a sealed value (never stored or listed in clear).
#[derive(Debug, Clone, PartialEq)]
pub struct SecretRecord {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub description: Option<String>,
    /// `ar_connect::vault::SealedValue` as JSON, bound to (workspace, "vault_secret", id,
    /// "value").
    pub value_sealed: Value,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A workspace secret granted to a project: the project's contributors may bind it in
/// the project's MCP profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretGrantRecord {
    pub secret_name: String,
    pub project_id: String,
    pub workspace_id: String,
    pub granted_by: String,
    pub created_at: i64,
}

#[async_trait]
pub trait VaultStore: Send + Sync + 'static {
    /// The workspace's data key, if it has one yet.
    async fn data_key(&self, workspace_id: &str) -> StoreResult<Option<DataKeyRecord>>;
    /// Stores `key` unless the workspace already has one, and returns the stored key: when
    /// two nodes create a workspace's first key at once, both end up using the same one.
    async fn insert_data_key(&self, key: &DataKeyRecord) -> StoreResult<DataKeyRecord>;
    /// Up to `limit` data keys wrapped by a master key other than `master_key_id` (what a
    /// master-key rotation has left to re-wrap).
    async fn data_keys_not_wrapped_by(
        &self,
        master_key_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<DataKeyRecord>>;
    /// Replaces a data key's wrapping, only if it is still wrapped by `old_master_key_id`
    /// (compare-and-set, so concurrent rotations never lose a key). True if replaced.
    async fn rewrap_data_key(
        &self,
        workspace_id: &str,
        old_master_key_id: &str,
        wrapped: &Value,
        new_master_key_id: &str,
        at: i64,
    ) -> StoreResult<bool>;

    /// Inserts the secret, or replaces the value and description of the workspace's secret
    /// of the same name (keeping its id, which the sealed value is bound to).
    async fn put_secret(&self, secret: &SecretRecord) -> StoreResult<()>;
    async fn secret(&self, workspace_id: &str, name: &str) -> StoreResult<Option<SecretRecord>>;
    /// The workspace's secrets by name.
    async fn list_secrets(&self, workspace_id: &str) -> StoreResult<Vec<SecretRecord>>;
    /// False if there is no such secret. Its grants go with it.
    async fn delete_secret(&self, workspace_id: &str, name: &str) -> StoreResult<bool>;

    /// Grants the workspace's secret `name` to `project_id` (a project of the same
    /// workspace). `None` when the workspace has no such secret or no such project;
    /// otherwise the grant, which is the earlier one if it already existed.
    async fn grant_secret(
        &self,
        workspace_id: &str,
        name: &str,
        project_id: &str,
        granted_by: &str,
        at: i64,
    ) -> StoreResult<Option<SecretGrantRecord>>;
    /// False if there was no such grant.
    async fn revoke_secret_grant(
        &self,
        workspace_id: &str,
        name: &str,
        project_id: &str,
    ) -> StoreResult<bool>;
    /// The grants of the workspace's secret `name`, oldest first.
    async fn secret_grants(
        &self,
        workspace_id: &str,
        name: &str,
    ) -> StoreResult<Vec<SecretGrantRecord>>;
    /// The grants made to a project, by secret name.
    async fn project_secret_grants(
        &self,
        workspace_id: &str,
        project_id: &str,
    ) -> StoreResult<Vec<SecretGrantRecord>>;
}

/// Implements [`VaultStore`] for `$store` (a struct with a `pool` field).
macro_rules! impl_vault_store {
    ($store:ty, $row:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use serde_json::Value;
            use sqlx::Row;
            use sqlx::types::Json;

            use $crate::error::StoreResult;
            use $crate::integrations::vault::{
                DataKeyRecord, SecretGrantRecord, SecretRecord, VaultStore,
            };

            const KEY_COLUMNS: &str =
                "workspace_id, wrapped, master_key_id, created_at, updated_at";
            const SECRET_COLUMNS: &str = "id, workspace_id, name, description, value_sealed, created_by, created_at, updated_at";

            fn key_from_row(row: &$row) -> StoreResult<DataKeyRecord> {
                Ok(DataKeyRecord {
                    workspace_id: row.try_get("workspace_id")?,
                    wrapped: row.try_get::<Json<Value>, _>("wrapped")?.0,
                    master_key_id: row.try_get("master_key_id")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            /// Grants joined with their secret's name.
            const GRANT_SELECT: &str = "SELECT s.name AS secret_name, g.project_id, g.workspace_id, g.granted_by, g.created_at \
                 FROM vault_secret_grants g JOIN vault_secrets s ON s.id = g.secret_id";

            fn grant_from_row(row: &$row) -> StoreResult<SecretGrantRecord> {
                Ok(SecretGrantRecord {
                    secret_name: row.try_get("secret_name")?,
                    project_id: row.try_get("project_id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    granted_by: row.try_get("granted_by")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            impl $store {
                /// The grants matching `condition` (its `$n` bound to `binds` in order).
                async fn secret_grants_where(
                    &self,
                    condition: &str,
                    binds: &[&str],
                ) -> StoreResult<Vec<SecretGrantRecord>> {
                    let sql = format!("{GRANT_SELECT} WHERE {condition}");
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for bind in binds {
                        query = query.bind(*bind);
                    }
                    let rows = query.fetch_all(&self.pool).await?;
                    rows.iter().map(grant_from_row).collect()
                }
            }

            fn secret_from_row(row: &$row) -> StoreResult<SecretRecord> {
                Ok(SecretRecord {
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    name: row.try_get("name")?,
                    description: row.try_get("description")?,
                    value_sealed: row.try_get::<Json<Value>, _>("value_sealed")?.0,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            #[async_trait]
            impl VaultStore for $store {
                async fn data_key(&self, workspace_id: &str) -> StoreResult<Option<DataKeyRecord>> {
                    let sql = format!("SELECT {KEY_COLUMNS} FROM workspace_data_keys WHERE workspace_id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(key_from_row).transpose()
                }

                async fn insert_data_key(&self, key: &DataKeyRecord) -> StoreResult<DataKeyRecord> {
                    sqlx::query("INSERT INTO workspace_data_keys (workspace_id, wrapped, master_key_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id) DO NOTHING")
                        .bind(&key.workspace_id)
                        .bind(Json(&key.wrapped))
                        .bind(&key.master_key_id)
                        .bind(key.created_at)
                        .bind(key.updated_at)
                        .execute(&self.pool)
                        .await?;
                    let stored = self.data_key(&key.workspace_id).await?;
                    stored.ok_or_else(|| {
                        $crate::error::StoreError::NotFound(format!(
                            "workspace {}: data key vanished after insert",
                            key.workspace_id
                        ))
                    })
                }

                async fn data_keys_not_wrapped_by(
                    &self,
                    master_key_id: &str,
                    limit: i64,
                ) -> StoreResult<Vec<DataKeyRecord>> {
                    let sql = format!("SELECT {KEY_COLUMNS} FROM workspace_data_keys WHERE master_key_id <> $1 ORDER BY workspace_id LIMIT $2");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(master_key_id)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(key_from_row).collect()
                }

                async fn rewrap_data_key(
                    &self,
                    workspace_id: &str,
                    old_master_key_id: &str,
                    wrapped: &Value,
                    new_master_key_id: &str,
                    at: i64,
                ) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE workspace_data_keys SET wrapped = $1, master_key_id = $2, updated_at = $3 WHERE workspace_id = $4 AND master_key_id = $5")
                        .bind(Json(wrapped))
                        .bind(new_master_key_id)
                        .bind(at)
                        .bind(workspace_id)
                        .bind(old_master_key_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn put_secret(&self, s: &SecretRecord) -> StoreResult<()> {
                    sqlx::query("INSERT INTO vault_secrets (id, workspace_id, name, description, value_sealed, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workspace_id, name) DO UPDATE SET value_sealed = excluded.value_sealed, description = excluded.description, updated_at = excluded.updated_at")
                        .bind(&s.id)
                        .bind(&s.workspace_id)
                        .bind(&s.name)
                        .bind(&s.description)
                        .bind(Json(&s.value_sealed))
                        .bind(&s.created_by)
                        .bind(s.created_at)
                        .bind(s.updated_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn secret(&self, workspace_id: &str, name: &str) -> StoreResult<Option<SecretRecord>> {
                    let sql = format!("SELECT {SECRET_COLUMNS} FROM vault_secrets WHERE workspace_id = $1 AND name = $2");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(secret_from_row).transpose()
                }

                async fn list_secrets(&self, workspace_id: &str) -> StoreResult<Vec<SecretRecord>> {
                    let sql = format!("SELECT {SECRET_COLUMNS} FROM vault_secrets WHERE workspace_id = $1 ORDER BY name");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(secret_from_row).collect()
                }

                async fn delete_secret(&self, workspace_id: &str, name: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM vault_secrets WHERE workspace_id = $1 AND name = $2")
                        .bind(workspace_id)
                        .bind(name)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn grant_secret(
                    &self,
                    workspace_id: &str,
                    name: &str,
                    project_id: &str,
                    granted_by: &str,
                    at: i64,
                ) -> StoreResult<Option<SecretGrantRecord>> {
                    // One statement: the secret and the project must both be the
                    // workspace's, whatever happens between a check and the insert.
                    sqlx::query(
                        "INSERT INTO vault_secret_grants (secret_id, project_id, workspace_id, granted_by, created_at) \
                         SELECT s.id, p.id, s.workspace_id, $4, $5 FROM vault_secrets s JOIN projects p ON p.workspace_id = s.workspace_id \
                         WHERE s.workspace_id = $1 AND s.name = $2 AND p.id = $3 \
                         ON CONFLICT (secret_id, project_id) DO NOTHING",
                    )
                    .bind(workspace_id)
                    .bind(name)
                    .bind(project_id)
                    .bind(granted_by)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    let grants = self
                        .secret_grants_where(
                            "s.workspace_id = $1 AND s.name = $2 AND g.project_id = $3",
                            &[workspace_id, name, project_id],
                        )
                        .await?;
                    Ok(grants.into_iter().next())
                }

                async fn revoke_secret_grant(
                    &self,
                    workspace_id: &str,
                    name: &str,
                    project_id: &str,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "DELETE FROM vault_secret_grants WHERE project_id = $3 AND secret_id IN \
                         (SELECT id FROM vault_secrets WHERE workspace_id = $1 AND name = $2)",
                    )
                    .bind(workspace_id)
                    .bind(name)
                    .bind(project_id)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn secret_grants(
                    &self,
                    workspace_id: &str,
                    name: &str,
                ) -> StoreResult<Vec<SecretGrantRecord>> {
                    self.secret_grants_where(
                        "s.workspace_id = $1 AND s.name = $2 ORDER BY g.created_at, g.project_id",
                        &[workspace_id, name],
                    )
                    .await
                }

                async fn project_secret_grants(
                    &self,
                    workspace_id: &str,
                    project_id: &str,
                ) -> StoreResult<Vec<SecretGrantRecord>> {
                    self.secret_grants_where(
                        "s.workspace_id = $1 AND g.project_id = $2 ORDER BY s.name",
                        &[workspace_id, project_id],
                    )
                    .await
                }
            }
        };
    };
}
pub(crate) use impl_vault_store;
