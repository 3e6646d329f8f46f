//! The workspace vault: seals and opens secret values with the workspace's data key.
//!
//! Envelope encryption (docs/vault.md): the master key ([`crate::master_key`], never in the
//! database) wraps one data key per workspace (created on first use, stored wrapped by
//! [`VaultStore`]), and the data key seals each value bound to its record — workspace,
//! record kind, record id and field — so a ciphertext copied to another row, field or
//! workspace does not open. Everything that keeps a secret (vault secrets, connection
//! credentials, workspace LLM keys, MCP profile values) goes through here.
//!
//! Failures to open are internal errors: they are logged without the value and the caller
//! sees a plain 500; they mean a wrong master key or an altered row, never bad input.

pub mod key_check;
pub mod rotation;

use std::sync::Arc;

use ar_connect::SecretString;
use ar_connect::vault::{Binding, DataKey, SealedValue, WrappedDataKey, open, seal};
use ar_store::integrations::{DataKeyRecord, IntegrationStore};
use ar_store::now_ms;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::master_key::VaultKeys;

/// Which record and field a sealed value belongs to (the associated data of the seal).
#[derive(Debug, Clone, Copy)]
pub struct SealedField<'a> {
    /// `vault_secret`, `connection`, `llm_provider_key`, `mcp_profile`, …
    pub record_kind: &'a str,
    pub record_id: &'a str,
    pub field: &'a str,
}

/// Seals and opens values of any workspace. Cheap to clone.
#[derive(Clone)]
pub struct WorkspaceVault {
    keys: VaultKeys,
    store: Arc<dyn IntegrationStore>,
}

impl WorkspaceVault {
    pub fn new(keys: VaultKeys, store: Arc<dyn IntegrationStore>) -> WorkspaceVault {
        WorkspaceVault { keys, store }
    }

    /// The master keys this process holds.
    pub fn keys(&self) -> &VaultKeys {
        &self.keys
    }

    /// The workspace's data key, created (and stored wrapped) on first use.
    async fn data_key(&self, workspace_id: &str) -> ApiResult<DataKey> {
        let stored = match self.store.data_key(workspace_id).await? {
            Some(stored) => stored,
            None => {
                let (_, wrapped) = self
                    .keys
                    .new_data_key(workspace_id)
                    .map_err(ApiError::internal)?;
                let now = now_ms();
                // Two nodes may race to create the first key: both use the stored winner.
                self.store
                    .insert_data_key(&DataKeyRecord {
                        workspace_id: workspace_id.to_owned(),
                        master_key_id: wrapped.master_key_id.clone(),
                        wrapped: serde_json::to_value(&wrapped).map_err(ApiError::internal)?,
                        created_at: now,
                        updated_at: now,
                    })
                    .await?
            }
        };
        let wrapped: WrappedDataKey = serde_json::from_value(stored.wrapped).map_err(|e| {
            ApiError::internal(format!(
                "workspace {workspace_id}: stored data key unreadable: {e}"
            ))
        })?;
        self.keys
            .unwrap_data_key(workspace_id, &wrapped)
            .map_err(ApiError::internal)
    }

    /// Seals `plaintext` for `field` of a record of `workspace_id`; the result is what the
    /// record stores (JSON).
    pub async fn seal(
        &self,
        workspace_id: &str,
        field: SealedField<'_>,
        plaintext: &str,
    ) -> ApiResult<Value> {
        let key = self.data_key(workspace_id).await?;
        let sealed =
            seal(&key, plaintext, &binding(workspace_id, field)).map_err(ApiError::internal)?;
        serde_json::to_value(sealed).map_err(ApiError::internal)
    }

    /// Opens what [`WorkspaceVault::seal`] returned for the same workspace and field.
    pub async fn open(
        &self,
        workspace_id: &str,
        field: SealedField<'_>,
        stored: &Value,
    ) -> ApiResult<SecretString> {
        let sealed: SealedValue = serde_json::from_value(stored.clone()).map_err(|e| {
            ApiError::internal(format!(
                "{} {}: sealed {} unreadable: {e}",
                field.record_kind, field.record_id, field.field
            ))
        })?;
        let key = self.data_key(workspace_id).await?;
        open(&key, &sealed, &binding(workspace_id, field)).map_err(ApiError::internal)
    }
}

fn binding<'a>(workspace_id: &'a str, field: SealedField<'a>) -> Binding<'a> {
    Binding {
        workspace_id,
        record_kind: field.record_kind,
        record_id: field.record_id,
        field: field.field,
    }
}

/// The field a workspace secret's value is sealed for.
pub fn secret_field(secret_id: &str) -> SealedField<'_> {
    SealedField {
        record_kind: "vault_secret",
        record_id: secret_id,
        field: "value",
    }
}

/// The value of the workspace secret `name`, or `None` if the workspace has no such
/// secret. A value that does not open (wrong master key, altered or moved row) is an
/// internal error, logged without the value.
pub async fn open_workspace_secret(
    state: &crate::state::AppState,
    workspace_id: &str,
    name: &str,
) -> ApiResult<Option<SecretString>> {
    let Some(secret) = state.integrations().secret(workspace_id, name).await? else {
        return Ok(None);
    };
    state
        .vault()
        .open(workspace_id, secret_field(&secret.id), &secret.value_sealed)
        .await
        .map(Some)
}
