//! API key resolution in the order of docs/contract.md §2: the step's credential, then the workspace's
//! key for the provider, then the operator's system key.

use std::fmt;

use super::error::LlmError;
use super::provider_config::ProviderConfig;
use crate::secret::SecretString;

/// Where a resolved key came from (safe to log and to show).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// The step's `llm_credential_id`.
    StepCredential,
    /// The workspace's key for the provider (vault).
    WorkspaceKey,
    /// The operator's key (settings or `AR_<PROVIDER>_API_KEY`).
    SystemKey,
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::StepCredential => "step credential",
            Self::WorkspaceKey => "workspace key",
            Self::SystemKey => "system key",
        })
    }
}

/// The keys that might apply to one call, already looked up (and decrypted) by the
/// caller. Empty or blank keys count as absent.
#[derive(Clone, Debug, Default)]
pub struct ApiKeyCandidates {
    /// From the step's `llm_credential_id`.
    pub step_credential: Option<SecretString>,
    /// The workspace's key for the provider.
    pub workspace_key: Option<SecretString>,
    /// The operator's key for the provider.
    pub system_key: Option<SecretString>,
}

/// A key chosen for a call.
#[derive(Clone, Debug)]
pub struct ResolvedApiKey {
    /// The key.
    pub key: SecretString,
    /// Where it came from.
    pub source: KeySource,
}

/// Picks the first present key in the order of docs/contract.md §2. `Ok(None)` only for a provider
/// that needs no key (a local server); otherwise a missing key is an error that
/// says where to add one.
pub fn resolve_api_key(
    provider: &ProviderConfig,
    candidates: ApiKeyCandidates,
) -> Result<Option<ResolvedApiKey>, LlmError> {
    let ordered = [
        (KeySource::StepCredential, candidates.step_credential),
        (KeySource::WorkspaceKey, candidates.workspace_key),
        (KeySource::SystemKey, candidates.system_key),
    ];
    let found = ordered.into_iter().find_map(|(source, key)| {
        key.filter(|key| !key.expose_secret().trim().is_empty())
            .map(|key| ResolvedApiKey { key, source })
    });
    match found {
        Some(resolved) => Ok(Some(resolved)),
        None if !provider.requires_api_key => Ok(None),
        None => Err(LlmError::MissingApiKey {
            provider: provider.name.clone(),
            env_var: system_key_env_var(&provider.name),
        }),
    }
}

/// The environment variable holding the system key of `provider`:
/// `AR_<PROVIDER>_API_KEY`, upper-cased, non-alphanumerics as `_`.
pub fn system_key_env_var(provider: &str) -> String {
    let name: String = provider
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("AR_{name}_API_KEY")
}

/// The system key of `provider` from the environment, if set and not blank.
pub fn system_key_from_env(provider: &str) -> Option<SecretString> {
    std::env::var(system_key_env_var(provider))
        .ok()
        .map(SecretString::new)
        .filter(|key| !key.expose_secret().trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(value: &str) -> Option<SecretString> {
        Some(SecretString::from(value))
    }

    #[test]
    fn keys_resolve_in_contract_order() {
        let openai = ProviderConfig::built_in("openai").expect("built in");
        let cases = [
            (
                (key("step"), key("ws"), key("sys")),
                "step",
                KeySource::StepCredential,
            ),
            ((None, key("ws"), key("sys")), "ws", KeySource::WorkspaceKey),
            ((None, None, key("sys")), "sys", KeySource::SystemKey),
            (
                (key(""), key("ws"), key("sys")),
                "ws",
                KeySource::WorkspaceKey,
            ),
            ((key("  "), None, key("sys")), "sys", KeySource::SystemKey),
            ((key("step"), None, None), "step", KeySource::StepCredential),
        ];
        for ((step_credential, workspace_key, system_key), expected, source) in cases {
            let candidates = ApiKeyCandidates {
                step_credential,
                workspace_key,
                system_key,
            };
            let resolved = resolve_api_key(&openai, candidates)
                .expect("resolves")
                .expect("a key");
            assert_eq!(resolved.key.expose_secret(), expected);
            assert_eq!(resolved.source, source);
        }
    }

    #[test]
    fn missing_key_names_the_provider_and_where_to_add_one() {
        let openai = ProviderConfig::built_in("openai").expect("built in");
        let error = resolve_api_key(&openai, ApiKeyCandidates::default()).expect_err("no key");
        assert_eq!(
            error.to_string(),
            "no API key for provider openai: add a workspace key under Providers, set \
             AR_OPENAI_API_KEY, or give the step an llm_credential_id"
        );
        assert!(!error.is_transient());
    }

    #[test]
    fn local_provider_without_a_key_resolves_to_none() {
        let ollama = ProviderConfig::built_in("ollama").expect("built in");
        assert!(
            resolve_api_key(&ollama, ApiKeyCandidates::default())
                .expect("ok")
                .is_none()
        );
    }

    #[test]
    fn env_var_names_are_derived_from_the_provider_name() {
        let cases = [
            ("openai", "AR_OPENAI_API_KEY"),
            ("anthropic", "AR_ANTHROPIC_API_KEY"),
            ("my-vllm", "AR_MY_VLLM_API_KEY"),
        ];
        for (provider, expected) in cases {
            assert_eq!(system_key_env_var(provider), expected);
        }
        assert!(system_key_from_env("provider-that-is-never-configured-7f3e").is_none());
    }
}
