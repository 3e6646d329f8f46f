//! The MCP server registry (docs/contract.md §11): servers with their discovered tools and tool
//! list versions, a project's instances of a server, and each instance's config profiles.
//!
//! Profiles hold no secret in clear: their `env` and `headers` values are literal text
//! or *bindings* (a vault secret's name, a connection's credential key) that the server
//! opens at call time. "Exactly one active profile per instance" is the store's rule: the
//! first profile of an instance becomes active, switching is one transaction, a unique
//! index forbids two, and the active profile cannot be deleted while others remain.

use async_trait::async_trait;
use serde_json::Value;

use crate::error::StoreResult;

/// `scope` of an operator-catalog server (custom servers use their project id).
pub const CATALOG_SCOPE: &str = "catalog";

/// A registered server.
#[derive(Debug, Clone, PartialEq)]
pub struct McpServerRecord {
    pub id: String,
    pub workspace_id: String,
    /// The registering project; `None` for a server of the operator's catalog.
    pub project_id: Option<String>,
    pub name: String,
    /// What the server is for, in its registrant's words (custom servers only).
    pub description: Option<String>,
    /// The URL steps name it by (`stdio:<name>` for an operator's local command).
    pub canonical_url: String,
    /// `http` | `stdio`.
    pub transport: String,
    /// `none` | `token` | `oauth`.
    pub auth_mode: String,
    /// `catalog` | `custom`.
    pub source: String,
    /// The current tool list: `[{name, description, input_schema, output_schema}]`.
    pub tools: Value,
    pub current_version: i64,
    /// The last validation result, if validated.
    pub validation: Option<Value>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One version of a server's tool list.
#[derive(Debug, Clone, PartialEq)]
pub struct McpServerVersionRecord {
    pub server_id: String,
    pub version: i64,
    pub tools: Value,
    /// The configuration schema published with the version, if any.
    pub config_schema: Option<Value>,
    pub created_at: i64,
}

/// A tool list to record as a server's next version.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMcpServerVersion<'a> {
    pub tools: &'a Value,
    pub config_schema: Option<&'a Value>,
    /// Whether it becomes the server's current tool list; otherwise it is only recorded.
    pub activate: bool,
}

/// A project's deployment of a server.
#[derive(Debug, Clone, PartialEq)]
pub struct McpInstanceRecord {
    pub id: String,
    pub workspace_id: String,
    pub project_id: String,
    pub server_id: String,
    pub name: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A config profile of an instance: what a call presents to the server.
#[derive(Debug, Clone, PartialEq)]
pub struct McpProfileRecord {
    pub id: String,
    pub workspace_id: String,
    pub instance_id: String,
    pub name: String,
    /// `{NAME: value}` for stdio servers' environment; values are literal text or bindings.
    pub env: Value,
    /// `{Header-Name: value}` for HTTP servers; same value forms.
    pub headers: Value,
    /// A connection whose bearer token is presented (HTTP `Authorization`, stdio env).
    pub connection_id: Option<String>,
    /// The variable a stdio server gets the connection's token in.
    pub connection_env: Option<String>,
    pub active: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Changes to a profile (`None` = unchanged; `Some(None)` clears an optional field).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct McpProfilePatch {
    pub name: Option<String>,
    pub env: Option<Value>,
    pub headers: Option<Value>,
    pub connection_id: Option<Option<String>>,
    pub connection_env: Option<Option<String>>,
}

/// What deleting a profile did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileDeletion {
    Deleted,
    NotFound,
    /// It is the active profile and the instance has others: activate one first.
    ActiveWithOthers,
}

#[async_trait]
pub trait McpRegistryStore: Send + Sync + 'static {
    /// The workspace of a project (the `mcp_call` resolver knows only the run's project).
    async fn mcp_project_workspace(&self, project_id: &str) -> StoreResult<Option<String>>;
    /// Inserts a server and its version 1 (its `tools`). `Conflict` if the scope already
    /// has a server with this canonical URL.
    async fn create_server(&self, server: &McpServerRecord) -> StoreResult<()>;
    async fn mcp_server(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> StoreResult<Option<McpServerRecord>>;
    /// The server of `canonical_url` registered by `project_id`, or (with `None`) the
    /// workspace's materialized catalog server of that URL.
    async fn mcp_server_by_url(
        &self,
        workspace_id: &str,
        project_id: Option<&str>,
        canonical_url: &str,
    ) -> StoreResult<Option<McpServerRecord>>;
    /// The project's custom servers and the workspace's catalog servers, by name.
    async fn list_mcp_servers(
        &self,
        workspace_id: &str,
        project_id: &str,
    ) -> StoreResult<Vec<McpServerRecord>>;
    /// Deletes a server with its versions. `Conflict` while instances use it.
    async fn delete_mcp_server(&self, workspace_id: &str, id: &str) -> StoreResult<bool>;
    /// Records a new tool list as the version after the server's highest one, only if the
    /// server is still at current version `expected_version` (`Conflict` otherwise: a
    /// concurrent publication won). An activated version becomes the server's `tools` and
    /// `current_version`; an inactive one is only listed.
    async fn add_mcp_server_version(
        &self,
        server_id: &str,
        expected_version: i64,
        version: &NewMcpServerVersion<'_>,
        at: i64,
    ) -> StoreResult<i64>;
    async fn list_mcp_server_versions(
        &self,
        server_id: &str,
    ) -> StoreResult<Vec<McpServerVersionRecord>>;
    async fn set_mcp_server_validation(
        &self,
        server_id: &str,
        validation: &Value,
        at: i64,
    ) -> StoreResult<()>;

    /// `Conflict` if the project already has an instance of this name.
    async fn create_mcp_instance(&self, instance: &McpInstanceRecord) -> StoreResult<()>;
    async fn mcp_instance(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> StoreResult<Option<McpInstanceRecord>>;
    /// The project's instances, oldest first.
    async fn list_mcp_instances(&self, project_id: &str) -> StoreResult<Vec<McpInstanceRecord>>;
    /// The project's instances of a server, oldest first.
    async fn mcp_instances_of_server(
        &self,
        project_id: &str,
        server_id: &str,
    ) -> StoreResult<Vec<McpInstanceRecord>>;
    /// Renames an instance (`Conflict` on a taken name). False if absent.
    async fn rename_mcp_instance(&self, id: &str, name: &str, at: i64) -> StoreResult<bool>;
    /// Deletes an instance and its profiles. False if absent.
    async fn delete_mcp_instance(&self, id: &str) -> StoreResult<bool>;

    /// Inserts a profile; it becomes active when the instance has no active profile
    /// (`profile.active` is ignored). Returns the stored profile.
    async fn create_mcp_profile(&self, profile: &McpProfileRecord)
    -> StoreResult<McpProfileRecord>;
    async fn mcp_profile(
        &self,
        instance_id: &str,
        id: &str,
    ) -> StoreResult<Option<McpProfileRecord>>;
    /// The instance's profiles by name.
    async fn list_mcp_profiles(&self, instance_id: &str) -> StoreResult<Vec<McpProfileRecord>>;
    async fn active_mcp_profile(&self, instance_id: &str) -> StoreResult<Option<McpProfileRecord>>;
    /// False if absent; `Conflict` on a taken name.
    async fn update_mcp_profile(
        &self,
        instance_id: &str,
        id: &str,
        patch: &McpProfilePatch,
        at: i64,
    ) -> StoreResult<bool>;
    async fn delete_mcp_profile(&self, instance_id: &str, id: &str)
    -> StoreResult<ProfileDeletion>;
    /// Makes `id` the instance's only active profile (one transaction). False if absent.
    async fn set_active_mcp_profile(
        &self,
        instance_id: &str,
        id: &str,
        at: i64,
    ) -> StoreResult<bool>;
}

/// Implements [`McpRegistryStore`] for `$store` (a struct with a `pool` field); `$begin`
/// opens a write transaction (`BEGIN IMMEDIATE` on SQLite, `BEGIN` on Postgres).
macro_rules! impl_mcp_registry_store {
    ($store:ty, $row:ty, $begin:literal) => {
        const _: () = {
            use async_trait::async_trait;
            use serde_json::Value;
            use sqlx::Row;
            use sqlx::types::Json;

            use $crate::error::{StoreError, StoreResult};
            use $crate::integrations::mcp::*;

            const SERVER_COLUMNS: &str = "id, workspace_id, project_id, name, description, canonical_url, transport, auth_mode, source, tools, current_version, validation, created_by, created_at, updated_at";
            const INSTANCE_COLUMNS: &str =
                "id, workspace_id, project_id, server_id, name, created_by, created_at, updated_at";
            const PROFILE_COLUMNS: &str = "id, workspace_id, instance_id, name, env, headers, connection_id, connection_env, active, created_by, created_at, updated_at";

            fn conflict_on_unique(what: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
                move |e| match &e {
                    sqlx::Error::Database(db) if db.is_unique_violation() => {
                        StoreError::Conflict(format!("{what} already exists"))
                    }
                    _ => StoreError::Database(e),
                }
            }

            fn server_from_row(row: &$row) -> StoreResult<McpServerRecord> {
                Ok(McpServerRecord {
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    project_id: row.try_get("project_id")?,
                    name: row.try_get("name")?,
                    description: row.try_get("description")?,
                    canonical_url: row.try_get("canonical_url")?,
                    transport: row.try_get("transport")?,
                    auth_mode: row.try_get("auth_mode")?,
                    source: row.try_get("source")?,
                    tools: row.try_get::<Json<Value>, _>("tools")?.0,
                    current_version: row.try_get("current_version")?,
                    validation: row
                        .try_get::<Option<Json<Value>>, _>("validation")?
                        .map(|j| j.0),
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn instance_from_row(row: &$row) -> StoreResult<McpInstanceRecord> {
                Ok(McpInstanceRecord {
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    project_id: row.try_get("project_id")?,
                    server_id: row.try_get("server_id")?,
                    name: row.try_get("name")?,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn profile_from_row(row: &$row) -> StoreResult<McpProfileRecord> {
                Ok(McpProfileRecord {
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    instance_id: row.try_get("instance_id")?,
                    name: row.try_get("name")?,
                    env: row.try_get::<Json<Value>, _>("env")?.0,
                    headers: row.try_get::<Json<Value>, _>("headers")?.0,
                    connection_id: row.try_get("connection_id")?,
                    connection_env: row.try_get("connection_env")?,
                    active: row.try_get("active")?,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            /// `SELECT <columns> FROM <table> WHERE <condition>` with text binds, mapped to records:
            /// the one shape every registry read has.
            async fn select_where<T>(
                pool: &sqlx::Pool<<$row as Row>::Database>,
                columns: &str,
                table: &str,
                condition: &str,
                binds: &[&str],
                from_row: fn(&$row) -> StoreResult<T>,
            ) -> StoreResult<Vec<T>> {
                let sql = format!("SELECT {columns} FROM {table} WHERE {condition}");
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for b in binds {
                    query = query.bind(*b);
                }
                query.fetch_all(pool).await?.iter().map(from_row).collect()
            }

            impl $store {
                async fn servers_where(&self, condition: &str, binds: &[&str]) -> StoreResult<Vec<McpServerRecord>> {
                    select_where(&self.pool, SERVER_COLUMNS, "mcp_servers", condition, binds, server_from_row).await
                }

                async fn instances_where(&self, condition: &str, binds: &[&str]) -> StoreResult<Vec<McpInstanceRecord>> {
                    select_where(&self.pool, INSTANCE_COLUMNS, "mcp_instances", condition, binds, instance_from_row).await
                }

                async fn profiles_where(&self, condition: &str, binds: &[&str]) -> StoreResult<Vec<McpProfileRecord>> {
                    select_where(&self.pool, PROFILE_COLUMNS, "mcp_config_profiles", condition, binds, profile_from_row).await
                }
            }

            #[async_trait]
            impl McpRegistryStore for $store {
                async fn mcp_project_workspace(&self, project_id: &str) -> StoreResult<Option<String>> {
                    let row = sqlx::query("SELECT workspace_id FROM projects WHERE id = $1")
                        .bind(project_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| r.try_get("workspace_id")).transpose().map_err(Into::into)
                }

                async fn create_server(&self, s: &McpServerRecord) -> StoreResult<()> {
                    let scope = s.project_id.as_deref().unwrap_or(CATALOG_SCOPE);
                    let mut tx = self.pool.begin_with($begin).await?;
                    sqlx::query("INSERT INTO mcp_servers (id, workspace_id, project_id, scope, name, canonical_url, transport, auth_mode, source, tools, current_version, validation, created_by, created_at, updated_at, description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
                        .bind(&s.id)
                        .bind(&s.workspace_id)
                        .bind(&s.project_id)
                        .bind(scope)
                        .bind(&s.name)
                        .bind(&s.canonical_url)
                        .bind(&s.transport)
                        .bind(&s.auth_mode)
                        .bind(&s.source)
                        .bind(Json(&s.tools))
                        .bind(s.current_version)
                        .bind(s.validation.as_ref().map(Json))
                        .bind(&s.created_by)
                        .bind(s.created_at)
                        .bind(s.updated_at)
                        .bind(&s.description)
                        .execute(&mut *tx)
                        .await
                        .map_err(conflict_on_unique("a server with this URL"))?;
                    sqlx::query("INSERT INTO mcp_server_versions (server_id, version, tools, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(&s.id)
                        .bind(s.current_version)
                        .bind(Json(&s.tools))
                        .bind(s.created_at)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn mcp_server(&self, workspace_id: &str, id: &str) -> StoreResult<Option<McpServerRecord>> {
                    Ok(self.servers_where("workspace_id = $1 AND id = $2", &[workspace_id, id]).await?.into_iter().next())
                }

                async fn mcp_server_by_url(
                    &self,
                    workspace_id: &str,
                    project_id: Option<&str>,
                    canonical_url: &str,
                ) -> StoreResult<Option<McpServerRecord>> {
                    let scope = project_id.unwrap_or(CATALOG_SCOPE);
                    let found = self
                        .servers_where("workspace_id = $1 AND scope = $2 AND canonical_url = $3", &[workspace_id, scope, canonical_url])
                        .await?;
                    Ok(found.into_iter().next())
                }

                async fn list_mcp_servers(&self, workspace_id: &str, project_id: &str) -> StoreResult<Vec<McpServerRecord>> {
                    self.servers_where("workspace_id = $1 AND (project_id = $2 OR project_id IS NULL) ORDER BY name, id", &[workspace_id, project_id])
                        .await
                }

                async fn delete_mcp_server(&self, workspace_id: &str, id: &str) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let used: i64 = sqlx::query("SELECT COUNT(*) AS n FROM mcp_instances WHERE server_id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("n")?;
                    if used > 0 {
                        return Err(StoreError::Conflict(format!(
                            "the server has {used} instance(s); delete them first"
                        )));
                    }
                    sqlx::query("DELETE FROM mcp_server_versions WHERE server_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    let done = sqlx::query("DELETE FROM mcp_servers WHERE workspace_id = $1 AND id = $2")
                        .bind(workspace_id)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn add_mcp_server_version(
                    &self,
                    server_id: &str,
                    expected_version: i64,
                    version: &NewMcpServerVersion<'_>,
                    at: i64,
                ) -> StoreResult<i64> {
                    let changed_meanwhile = || {
                        StoreError::Conflict("the server's tool list changed meanwhile; discover again".into())
                    };
                    let mut tx = self.pool.begin_with($begin).await?;
                    // Locks the server's row (Postgres) so publications of one server queue.
                    let current: Option<i64> = sqlx::query("UPDATE mcp_servers SET updated_at = $1 WHERE id = $2 RETURNING current_version")
                        .bind(at)
                        .bind(server_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|row| row.try_get("current_version"))
                        .transpose()?;
                    if current != Some(expected_version) {
                        return Err(changed_meanwhile());
                    }
                    let highest: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM mcp_server_versions WHERE server_id = $1")
                        .bind(server_id)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("v")?;
                    let next = highest.max(expected_version) + 1;
                    if version.activate {
                        sqlx::query("UPDATE mcp_servers SET tools = $1, current_version = $2 WHERE id = $3")
                            .bind(Json(version.tools))
                            .bind(next)
                            .bind(server_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query("INSERT INTO mcp_server_versions (server_id, version, tools, config_schema, created_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(server_id)
                        .bind(next)
                        .bind(Json(version.tools))
                        .bind(version.config_schema.map(Json))
                        .bind(at)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| match &e {
                            sqlx::Error::Database(db) if db.is_unique_violation() => changed_meanwhile(),
                            _ => StoreError::Database(e),
                        })?;
                    tx.commit().await?;
                    Ok(next)
                }

                async fn list_mcp_server_versions(&self, server_id: &str) -> StoreResult<Vec<McpServerVersionRecord>> {
                    let rows = sqlx::query("SELECT server_id, version, tools, config_schema, created_at FROM mcp_server_versions WHERE server_id = $1 ORDER BY version DESC")
                        .bind(server_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row| {
                            Ok(McpServerVersionRecord {
                                server_id: row.try_get("server_id")?,
                                version: row.try_get("version")?,
                                tools: row.try_get::<Json<Value>, _>("tools")?.0,
                                config_schema: row
                                    .try_get::<Option<Json<Value>>, _>("config_schema")?
                                    .map(|j| j.0),
                                created_at: row.try_get("created_at")?,
                            })
                        })
                        .collect()
                }

                async fn set_mcp_server_validation(&self, server_id: &str, validation: &Value, at: i64) -> StoreResult<()> {
                    sqlx::query("UPDATE mcp_servers SET validation = $1, updated_at = $2 WHERE id = $3")
                        .bind(Json(validation))
                        .bind(at)
                        .bind(server_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn create_mcp_instance(&self, i: &McpInstanceRecord) -> StoreResult<()> {
                    sqlx::query("INSERT INTO mcp_instances (id, workspace_id, project_id, server_id, name, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                        .bind(&i.id)
                        .bind(&i.workspace_id)
                        .bind(&i.project_id)
                        .bind(&i.server_id)
                        .bind(&i.name)
                        .bind(&i.created_by)
                        .bind(i.created_at)
                        .bind(i.updated_at)
                        .execute(&self.pool)
                        .await
                        .map_err(conflict_on_unique("an instance with this name in the project"))?;
                    Ok(())
                }

                async fn mcp_instance(&self, workspace_id: &str, id: &str) -> StoreResult<Option<McpInstanceRecord>> {
                    Ok(self.instances_where("workspace_id = $1 AND id = $2", &[workspace_id, id]).await?.into_iter().next())
                }

                async fn list_mcp_instances(&self, project_id: &str) -> StoreResult<Vec<McpInstanceRecord>> {
                    self.instances_where("project_id = $1 ORDER BY created_at, id", &[project_id]).await
                }

                async fn mcp_instances_of_server(&self, project_id: &str, server_id: &str) -> StoreResult<Vec<McpInstanceRecord>> {
                    self.instances_where("project_id = $1 AND server_id = $2 ORDER BY created_at, id", &[project_id, server_id])
                        .await
                }

                async fn rename_mcp_instance(&self, id: &str, name: &str, at: i64) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE mcp_instances SET name = $1, updated_at = $2 WHERE id = $3")
                        .bind(name)
                        .bind(at)
                        .bind(id)
                        .execute(&self.pool)
                        .await
                        .map_err(conflict_on_unique("an instance with this name in the project"))?;
                    Ok(done.rows_affected() == 1)
                }

                async fn delete_mcp_instance(&self, id: &str) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    sqlx::query("DELETE FROM mcp_config_profiles WHERE instance_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    let done = sqlx::query("DELETE FROM mcp_instances WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn create_mcp_profile(&self, p: &McpProfileRecord) -> StoreResult<McpProfileRecord> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let actives: i64 = sqlx::query("SELECT COUNT(*) AS n FROM mcp_config_profiles WHERE instance_id = $1 AND active")
                        .bind(&p.instance_id)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("n")?;
                    let mut stored = p.clone();
                    stored.active = actives == 0;
                    sqlx::query("INSERT INTO mcp_config_profiles (id, workspace_id, instance_id, name, env, headers, connection_id, connection_env, active, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                        .bind(&stored.id)
                        .bind(&stored.workspace_id)
                        .bind(&stored.instance_id)
                        .bind(&stored.name)
                        .bind(Json(&stored.env))
                        .bind(Json(&stored.headers))
                        .bind(&stored.connection_id)
                        .bind(&stored.connection_env)
                        .bind(stored.active)
                        .bind(&stored.created_by)
                        .bind(stored.created_at)
                        .bind(stored.updated_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(conflict_on_unique("a profile with this name on the instance"))?;
                    tx.commit().await?;
                    Ok(stored)
                }

                async fn mcp_profile(&self, instance_id: &str, id: &str) -> StoreResult<Option<McpProfileRecord>> {
                    Ok(self.profiles_where("instance_id = $1 AND id = $2", &[instance_id, id]).await?.into_iter().next())
                }

                async fn list_mcp_profiles(&self, instance_id: &str) -> StoreResult<Vec<McpProfileRecord>> {
                    self.profiles_where("instance_id = $1 ORDER BY name, id", &[instance_id]).await
                }

                async fn active_mcp_profile(&self, instance_id: &str) -> StoreResult<Option<McpProfileRecord>> {
                    Ok(self.profiles_where("instance_id = $1 AND active", &[instance_id]).await?.into_iter().next())
                }

                async fn update_mcp_profile(
                    &self,
                    instance_id: &str,
                    id: &str,
                    patch: &McpProfilePatch,
                    at: i64,
                ) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let sql = format!("SELECT {PROFILE_COLUMNS} FROM mcp_config_profiles WHERE instance_id = $1 AND id = $2");
                    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(instance_id)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                    else {
                        return Ok(false);
                    };
                    let mut p = profile_from_row(&row)?;
                    if let Some(name) = &patch.name {
                        p.name = name.clone();
                    }
                    if let Some(env) = &patch.env {
                        p.env = env.clone();
                    }
                    if let Some(headers) = &patch.headers {
                        p.headers = headers.clone();
                    }
                    if let Some(connection_id) = &patch.connection_id {
                        p.connection_id = connection_id.clone();
                    }
                    if let Some(connection_env) = &patch.connection_env {
                        p.connection_env = connection_env.clone();
                    }
                    sqlx::query("UPDATE mcp_config_profiles SET name = $1, env = $2, headers = $3, connection_id = $4, connection_env = $5, updated_at = $6 WHERE id = $7")
                        .bind(&p.name)
                        .bind(Json(&p.env))
                        .bind(Json(&p.headers))
                        .bind(&p.connection_id)
                        .bind(&p.connection_env)
                        .bind(at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(conflict_on_unique("a profile with this name on the instance"))?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn delete_mcp_profile(&self, instance_id: &str, id: &str) -> StoreResult<ProfileDeletion> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let Some(row) = sqlx::query("SELECT active FROM mcp_config_profiles WHERE instance_id = $1 AND id = $2")
                        .bind(instance_id)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                    else {
                        return Ok(ProfileDeletion::NotFound);
                    };
                    let active: bool = row.try_get("active")?;
                    if active {
                        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM mcp_config_profiles WHERE instance_id = $1")
                            .bind(instance_id)
                            .fetch_one(&mut *tx)
                            .await?
                            .try_get("n")?;
                        if total > 1 {
                            return Ok(ProfileDeletion::ActiveWithOthers);
                        }
                    }
                    sqlx::query("DELETE FROM mcp_config_profiles WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(ProfileDeletion::Deleted)
                }

                async fn set_active_mcp_profile(&self, instance_id: &str, id: &str, at: i64) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let exists = sqlx::query("SELECT id FROM mcp_config_profiles WHERE instance_id = $1 AND id = $2")
                        .bind(instance_id)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .is_some();
                    if !exists {
                        return Ok(false);
                    }
                    sqlx::query("UPDATE mcp_config_profiles SET active = FALSE, updated_at = $1 WHERE instance_id = $2 AND active AND id <> $3")
                        .bind(at)
                        .bind(instance_id)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE mcp_config_profiles SET active = TRUE, updated_at = $1 WHERE id = $2")
                        .bind(at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }
            }
        };
    };
}
pub(crate) use impl_mcp_registry_store;
