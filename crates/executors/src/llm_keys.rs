//! Where `llm_call` finds API keys: a [`LlmKeySource`] gathers the candidates
//! (step credential, workspace key, system key) and `ar_connect::llm::resolve_api_key`
//! picks the first in the order of docs/contract.md §2.

use std::collections::HashMap;

use ar_connect::SecretString;
use ar_connect::llm::{ApiKeyCandidates, system_key_from_env};
use ar_engine::{StepCall, StepFailure};
use async_trait::async_trait;

use crate::llm_call::LLM_REQUEST_FAILED;

/// Looks up (and decrypts, in memory only) the keys that may apply to one call.
///
/// `credential_id` is the step's `llm_credential_id`, when it has one. The server
/// will plug in a source that also reads the workspace's keys from the vault; errors
/// must name what is missing, never a key.
#[async_trait]
pub trait LlmKeySource: Send + Sync + 'static {
    async fn candidates(
        &self,
        call: &StepCall,
        provider: &str,
        credential_id: Option<&str>,
    ) -> Result<ApiKeyCandidates, StepFailure>;
}

/// The operator's system keys: from settings, else from `AR_<PROVIDER>_API_KEY` in
/// the environment. Knows no workspace keys and no step credentials.
#[derive(Clone, Debug, Default)]
pub struct SystemKeys {
    keys: HashMap<String, SecretString>,
    read_env: bool,
}

impl SystemKeys {
    /// Keys given explicitly only (tests, embedding).
    pub fn new() -> Self {
        Self::default()
    }

    /// Also read `AR_<PROVIDER>_API_KEY` for providers without an explicit key.
    pub fn from_env() -> Self {
        Self {
            keys: HashMap::new(),
            read_env: true,
        }
    }

    /// Sets the system key of `provider` (blank keys count as absent).
    pub fn with_key(mut self, provider: impl Into<String>, key: impl Into<SecretString>) -> Self {
        self.keys.insert(provider.into(), key.into());
        self
    }

    /// The operator's key for `provider`, if one is configured.
    pub fn system_key(&self, provider: &str) -> Option<SecretString> {
        let explicit = self
            .keys
            .get(provider)
            .filter(|key| !key.expose_secret().trim().is_empty())
            .cloned();
        explicit.or_else(|| {
            self.read_env
                .then(|| system_key_from_env(provider))
                .flatten()
        })
    }
}

#[async_trait]
impl LlmKeySource for SystemKeys {
    async fn candidates(
        &self,
        _call: &StepCall,
        provider: &str,
        credential_id: Option<&str>,
    ) -> Result<ApiKeyCandidates, StepFailure> {
        if let Some(id) = credential_id {
            // Falling back to the system key would bill the operator for a step that
            // asked for its own credential: refuse instead.
            return Err(StepFailure::permanent(
                LLM_REQUEST_FAILED,
                format!(
                    "llm_credential_id {id:?} cannot be used here: this deployment has no \
                     workspace vault; remove it to use the system key of provider {provider}"
                ),
            ));
        }
        Ok(ApiKeyCandidates {
            system_key: self.system_key(provider),
            ..ApiKeyCandidates::default()
        })
    }
}
