//! Connections: a project's credentials for an outside service, and the OAuth 2.0
//! authorizations in progress that create them. Values arrive sealed (the server's
//! workspace vault seals and opens them); this keeps the opaque results.

use async_trait::async_trait;
use serde_json::Value;

use crate::error::StoreResult;

/// A connection as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionRecord {
    pub id: String,
    pub workspace_id: String,
    pub project_id: String,
    pub display_name: String,
    pub provider: String,
    pub service: Option<String>,
    /// `api_key`, `token`, `basic`, `dsn`, `custom` or `oauth2`.
    pub auth_type: String,
    /// The names of the credential values, in clear (what the API shows).
    pub credential_keys: Vec<String>,
    /// `ar_connect::vault::SealedValue` of a JSON object of strings, bound to
    /// (workspace, "connection", id, "credentials").
    pub credentials_sealed: Value,
    /// OAuth 2.0 only: the client settings in clear (endpoints, client id, scopes).
    pub oauth: Option<Value>,
    /// OAuth 2.0 only: the client secret, sealed for field "oauth_client_secret".
    pub oauth_client_secret_sealed: Option<Value>,
    /// `active` or `needs_reauth`.
    pub status: String,
    /// Why the status is what it is (shown to users; never a secret).
    pub status_reason: Option<String>,
    /// When the OAuth access token expires (unix ms).
    pub expires_at: Option<i64>,
    pub refreshed_at: Option<i64>,
    /// Bumped by every write; [`ConnectionStore::save_connection`] compares and sets it.
    pub credentials_version: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An OAuth authorization between `start` and the provider's callback.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthPendingRecord {
    /// SHA-256 (hex) of the `state` handed to the browser.
    pub state_hash: String,
    pub workspace_id: String,
    pub project_id: String,
    pub created_by: String,
    /// The start request's settings, without secrets.
    pub request: Value,
    /// The PKCE verifier and client secret, sealed for (workspace, "oauth_pending",
    /// state_hash, "secrets").
    pub secrets_sealed: Value,
    pub expires_at: i64,
    pub created_at: i64,
}

#[async_trait]
pub trait ConnectionStore: Send + Sync + 'static {
    async fn create_connection(&self, connection: &ConnectionRecord) -> StoreResult<()>;
    /// The workspace's connection `id` (another workspace's is not found).
    async fn connection(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> StoreResult<Option<ConnectionRecord>>;
    /// The project's connections, newest first.
    async fn list_connections(
        &self,
        workspace_id: &str,
        project_id: &str,
    ) -> StoreResult<Vec<ConnectionRecord>>;
    /// Writes every mutable field of `connection` (names, credentials, OAuth state, status),
    /// only if its stored `credentials_version` is still `expected_version` (compare and
    /// set; the record carries the new version). False if it changed meanwhile or is gone.
    async fn save_connection(
        &self,
        connection: &ConnectionRecord,
        expected_version: i64,
    ) -> StoreResult<bool>;
    /// False if there is no such connection.
    async fn delete_connection(&self, workspace_id: &str, id: &str) -> StoreResult<bool>;

    async fn put_oauth_pending(&self, pending: &OAuthPendingRecord) -> StoreResult<()>;
    /// Removes and returns the pending authorization of `state_hash`: each state is used
    /// at most once, even by two callbacks at the same moment.
    async fn take_oauth_pending(&self, state_hash: &str)
    -> StoreResult<Option<OAuthPendingRecord>>;
    /// Forgets authorizations that expired before `now`; returns how many.
    async fn purge_oauth_pending(&self, now: i64) -> StoreResult<u64>;
}

/// Implements [`ConnectionStore`] for `$store` (a struct with a `pool` field).
macro_rules! impl_connection_store {
    ($store:ty, $row:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use serde_json::Value;
            use sqlx::Row;
            use sqlx::types::Json;

            use $crate::error::StoreResult;
            use $crate::integrations::connections::{
                ConnectionRecord, ConnectionStore, OAuthPendingRecord,
            };

            const COLUMNS: &str = "id, workspace_id, project_id, display_name, provider, service, auth_type, credential_keys, credentials_sealed, oauth, oauth_client_secret_sealed, status, status_reason, expires_at, refreshed_at, credentials_version, created_by, created_at, updated_at";
            const PENDING_COLUMNS: &str = "state_hash, workspace_id, project_id, created_by, request, secrets_sealed, expires_at, created_at";

            fn from_row(row: &$row) -> StoreResult<ConnectionRecord> {
                Ok(ConnectionRecord {
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    project_id: row.try_get("project_id")?,
                    display_name: row.try_get("display_name")?,
                    provider: row.try_get("provider")?,
                    service: row.try_get("service")?,
                    auth_type: row.try_get("auth_type")?,
                    credential_keys: row.try_get::<Json<Vec<String>>, _>("credential_keys")?.0,
                    credentials_sealed: row.try_get::<Json<Value>, _>("credentials_sealed")?.0,
                    oauth: row.try_get::<Option<Json<Value>>, _>("oauth")?.map(|j| j.0),
                    oauth_client_secret_sealed: row
                        .try_get::<Option<Json<Value>>, _>("oauth_client_secret_sealed")?
                        .map(|j| j.0),
                    status: row.try_get("status")?,
                    status_reason: row.try_get("status_reason")?,
                    expires_at: row.try_get("expires_at")?,
                    refreshed_at: row.try_get("refreshed_at")?,
                    credentials_version: row.try_get("credentials_version")?,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn pending_from_row(row: &$row) -> StoreResult<OAuthPendingRecord> {
                Ok(OAuthPendingRecord {
                    state_hash: row.try_get("state_hash")?,
                    workspace_id: row.try_get("workspace_id")?,
                    project_id: row.try_get("project_id")?,
                    created_by: row.try_get("created_by")?,
                    request: row.try_get::<Json<Value>, _>("request")?.0,
                    secrets_sealed: row.try_get::<Json<Value>, _>("secrets_sealed")?.0,
                    expires_at: row.try_get("expires_at")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            #[async_trait]
            impl ConnectionStore for $store {
                async fn create_connection(&self, c: &ConnectionRecord) -> StoreResult<()> {
                    let sql = format!("INSERT INTO connections ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)");
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(&c.id)
                        .bind(&c.workspace_id)
                        .bind(&c.project_id)
                        .bind(&c.display_name)
                        .bind(&c.provider)
                        .bind(&c.service)
                        .bind(&c.auth_type)
                        .bind(Json(&c.credential_keys))
                        .bind(Json(&c.credentials_sealed))
                        .bind(c.oauth.as_ref().map(Json))
                        .bind(c.oauth_client_secret_sealed.as_ref().map(Json))
                        .bind(&c.status)
                        .bind(&c.status_reason)
                        .bind(c.expires_at)
                        .bind(c.refreshed_at)
                        .bind(c.credentials_version)
                        .bind(&c.created_by)
                        .bind(c.created_at)
                        .bind(c.updated_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn connection(&self, workspace_id: &str, id: &str) -> StoreResult<Option<ConnectionRecord>> {
                    let sql = format!("SELECT {COLUMNS} FROM connections WHERE workspace_id = $1 AND id = $2");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(from_row).transpose()
                }

                async fn list_connections(&self, workspace_id: &str, project_id: &str) -> StoreResult<Vec<ConnectionRecord>> {
                    let sql = format!("SELECT {COLUMNS} FROM connections WHERE workspace_id = $1 AND project_id = $2 ORDER BY created_at DESC, id DESC");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .bind(project_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(from_row).collect()
                }

                async fn save_connection(&self, c: &ConnectionRecord, expected_version: i64) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE connections SET display_name = $1, provider = $2, service = $3, auth_type = $4, credential_keys = $5, credentials_sealed = $6, oauth = $7, oauth_client_secret_sealed = $8, status = $9, status_reason = $10, expires_at = $11, refreshed_at = $12, credentials_version = $13, updated_at = $14 WHERE workspace_id = $15 AND id = $16 AND credentials_version = $17")
                        .bind(&c.display_name)
                        .bind(&c.provider)
                        .bind(&c.service)
                        .bind(&c.auth_type)
                        .bind(Json(&c.credential_keys))
                        .bind(Json(&c.credentials_sealed))
                        .bind(c.oauth.as_ref().map(Json))
                        .bind(c.oauth_client_secret_sealed.as_ref().map(Json))
                        .bind(&c.status)
                        .bind(&c.status_reason)
                        .bind(c.expires_at)
                        .bind(c.refreshed_at)
                        .bind(c.credentials_version)
                        .bind(c.updated_at)
                        .bind(&c.workspace_id)
                        .bind(&c.id)
                        .bind(expected_version)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn delete_connection(&self, workspace_id: &str, id: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM connections WHERE workspace_id = $1 AND id = $2")
                        .bind(workspace_id)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn put_oauth_pending(&self, p: &OAuthPendingRecord) -> StoreResult<()> {
                    let sql = format!("INSERT INTO oauth_pending ({PENDING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(&p.state_hash)
                        .bind(&p.workspace_id)
                        .bind(&p.project_id)
                        .bind(&p.created_by)
                        .bind(Json(&p.request))
                        .bind(Json(&p.secrets_sealed))
                        .bind(p.expires_at)
                        .bind(p.created_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn take_oauth_pending(&self, state_hash: &str) -> StoreResult<Option<OAuthPendingRecord>> {
                    // One statement: of two concurrent callbacks, only one gets the row.
                    let sql = format!("DELETE FROM oauth_pending WHERE state_hash = $1 RETURNING {PENDING_COLUMNS}");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(state_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(pending_from_row).transpose()
                }

                async fn purge_oauth_pending(&self, now: i64) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM oauth_pending WHERE expires_at < $1")
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }
            }
        };
    };
}
pub(crate) use impl_connection_store;
