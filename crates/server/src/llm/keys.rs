//! Where a server's `llm_call` finds its API key, in the order of docs/contract.md §2: the step's
//! `llm_credential_id` (the id of one of the workspace's LLM keys), the workspace's key
//! for the provider (its newest), then the operator's system key — only for workspaces
//! the operator allows (`[llm] system_key_workspaces`: by default the first-start
//! workspace alone, so strangers who sign up do not spend the operator's keys). The run's
//! workspace is its project's. Keys are opened in memory for the one call; failures name
//! the key's id or provider, never a key.

use std::sync::Arc;

use ar_connect::SecretString;
use ar_connect::llm::ApiKeyCandidates;
use ar_engine::{StepCall, StepFailure};
use ar_executors::llm_call::LLM_REQUEST_FAILED;
use ar_executors::{LlmKeySource, SystemKeys};
use ar_store::integrations::{IntegrationStore, LlmKeyRecord};
use ar_store::tenant::TenantStore;
use async_trait::async_trait;

use super::{KEY_FIELD, KEY_RECORD_KIND};
use crate::vault::{SealedField, WorkspaceVault};

/// The field a workspace LLM key is sealed for.
pub fn key_field(key_id: &str) -> SealedField<'_> {
    SealedField {
        record_kind: KEY_RECORD_KIND,
        record_id: key_id,
        field: KEY_FIELD,
    }
}

/// The server's [`LlmKeySource`].
pub struct WorkspaceLlmKeys {
    integrations: Arc<dyn IntegrationStore>,
    vault: WorkspaceVault,
    system: SystemKeys,
    allowed: SystemKeyWorkspaces,
}

/// The workspaces whose runs may use the operator's system keys.
pub struct SystemKeyWorkspaces {
    settings: crate::settings::LlmSettings,
    tenants: Arc<dyn TenantStore>,
}

impl SystemKeyWorkspaces {
    pub fn new(
        settings: crate::settings::LlmSettings,
        tenants: Arc<dyn TenantStore>,
    ) -> SystemKeyWorkspaces {
        SystemKeyWorkspaces { settings, tenants }
    }

    /// Whether the workspace may use them (its slug is read only when the answer
    /// depends on it).
    async fn allows(&self, workspace_id: &str) -> Result<bool, StepFailure> {
        if self.settings.system_keys_allowed_everywhere() {
            return Ok(true);
        }
        let workspace = self
            .tenants
            .workspace_by_id(workspace_id)
            .await
            .map_err(workspace_unreadable)?;
        Ok(workspace.is_some_and(|w| self.settings.system_keys_allowed_for(&w.slug)))
    }
}

fn failure(message: String) -> StepFailure {
    StepFailure::permanent(LLM_REQUEST_FAILED, message)
}

/// A store failure reading the run's workspace: worth retrying, the step may succeed on
/// the next attempt.
fn workspace_unreadable(e: ar_store::StoreError) -> StepFailure {
    StepFailure::new(
        LLM_REQUEST_FAILED,
        format!("could not read the run's workspace: {e}"),
        true,
    )
}

impl WorkspaceLlmKeys {
    pub fn new(
        integrations: Arc<dyn IntegrationStore>,
        vault: WorkspaceVault,
        system: SystemKeys,
        allowed: SystemKeyWorkspaces,
    ) -> WorkspaceLlmKeys {
        WorkspaceLlmKeys {
            integrations,
            vault,
            system,
            allowed,
        }
    }

    async fn open(&self, key: &LlmKeyRecord) -> Result<SecretString, StepFailure> {
        // The vault logs why (without the value); the step says which key.
        self.vault
            .open(&key.workspace_id, key_field(&key.id), &key.key_sealed)
            .await
            .map_err(|_| {
                failure(format!(
                    "the workspace LLM key {} ({}) could not be opened; see the server log",
                    key.id, key.provider
                ))
            })
    }

    async fn workspace_of(&self, call: &StepCall) -> Result<Option<String>, StepFailure> {
        let Some(project) = &call.project_id else {
            return Ok(None);
        };
        self.integrations
            .workspace_of_project(project)
            .await
            .map_err(workspace_unreadable)
    }
}

#[async_trait]
impl LlmKeySource for WorkspaceLlmKeys {
    async fn candidates(
        &self,
        call: &StepCall,
        provider: &str,
        credential_id: Option<&str>,
    ) -> Result<ApiKeyCandidates, StepFailure> {
        let workspace_id = self.workspace_of(call).await?;
        self.candidates_in(workspace_id.as_deref(), provider, credential_id)
            .await
    }
}

impl WorkspaceLlmKeys {
    /// The candidates of a call made for `workspace_id` (a run's, or the Autopilot's
    /// caller's: docs/agents.md "Autopilot"); `None`: no workspace (ad-hoc runs).
    pub async fn candidates_in(
        &self,
        workspace_id: Option<&str>,
        provider: &str,
        credential_id: Option<&str>,
    ) -> Result<ApiKeyCandidates, StepFailure> {
        let system_key = self.system.system_key(provider);
        let Some(workspace_id) = workspace_id else {
            if let Some(id) = credential_id {
                return Err(failure(format!(
                    "llm_credential_id {id:?} needs a workspace, and this run has none"
                )));
            }
            return Ok(ApiKeyCandidates {
                system_key,
                ..ApiKeyCandidates::default()
            });
        };
        let read = |e: ar_store::StoreError| {
            StepFailure::new(
                LLM_REQUEST_FAILED,
                format!("could not read the workspace's LLM keys: {e}"),
                true,
            )
        };
        let step_credential = match credential_id {
            None => None,
            Some(id) => {
                let key = self
                    .integrations
                    .llm_key(workspace_id, id)
                    .await
                    .map_err(read)?
                    .ok_or_else(|| {
                        failure(format!(
                            "llm_credential_id {id:?} is not an LLM key of this workspace \
                             (see GET /v1/llm-provider-keys)"
                        ))
                    })?;
                if key.provider != provider {
                    return Err(failure(format!(
                        "llm_credential_id {id:?} is a key for provider {}, but the step calls {provider}",
                        key.provider
                    )));
                }
                Some(self.open(&key).await?)
            }
        };
        // Checked only when there is a system key to withhold.
        let system_key = match system_key {
            Some(key) if self.allowed.allows(workspace_id).await? => Some(key),
            _ => None,
        };
        let workspace_key = match self
            .integrations
            .workspace_llm_key(workspace_id, provider)
            .await
            .map_err(read)?
        {
            // The step's own credential wins; the workspace key is not opened for nothing.
            Some(key) if step_credential.is_none() => Some(self.open(&key).await?),
            _ => None,
        };
        Ok(ApiKeyCandidates {
            step_credential,
            workspace_key,
            system_key,
        })
    }
}
