//! The server's LLM setup: providers and system keys from the settings (`[llm]`, with
//! `AR_<PROVIDER>_API_KEY` / `AR_<PROVIDER>_BASE_URL` on top), workspace keys from the
//! vault ([`keys::WorkspaceLlmKeys`]), and usage metering of successful calls
//! ([`metering::Metered`]). `default_executors` wires them; the LLM routes read the same
//! providers and keys, so what the API says is what a step gets.

pub mod keys;
pub mod metering;

use ar_connect::llm::{ApiFlavor, ProviderConfig};
use ar_executors::{LlmProviders, SystemKeys};

use crate::settings::Settings;

/// The record kind workspace LLM keys are sealed under.
pub const KEY_RECORD_KIND: &str = "llm_provider_key";
/// The field of the sealed key.
pub const KEY_FIELD: &str = "api_key";

/// The providers of this server: the built-in ones, base URLs overridden by the settings,
/// and OpenAI-compatible providers the settings add (a name that is not built in, with a
/// `base_url`). A bad base URL is an error naming the provider.
pub fn providers(settings: &Settings) -> Result<LlmProviders, String> {
    let mut providers = LlmProviders::built_in();
    for (name, p) in &settings.llm.providers {
        let Some(url) = &p.base_url else { continue };
        let config = match providers.get(name) {
            Some(known) => known.clone().with_base_url(url),
            None => ProviderConfig::new(name, ApiFlavor::OpenAiCompatible, url, true),
        }
        .map_err(|e| format!("settings [llm.providers.{name}]: {e}"))?;
        providers = providers.with_provider(config);
    }
    if let Some(default) = &settings.llm.default_provider {
        if providers.get(default).is_none() {
            return Err(format!(
                "settings llm.default_provider: unknown provider {default:?} (known: {})",
                providers.names().join(", ")
            ));
        }
        providers = providers.with_default_provider(default);
    }
    Ok(providers)
}

/// The operator's system keys: the settings' keys (the environment already merged in),
/// and `AR_<PROVIDER>_API_KEY` for providers the settings do not name.
pub fn system_keys(settings: &Settings) -> SystemKeys {
    settings
        .llm
        .providers
        .iter()
        .filter_map(|(name, p)| p.api_key.as_ref().map(|key| (name, key)))
        .fold(SystemKeys::from_env(), |keys, (name, key)| {
            keys.with_key(name.clone(), key.as_str())
        })
}

/// Whether runs of the workspace `slug` get the operator's system key for `provider`:
/// the operator configured one (never the key) and allows the workspace
/// (`[llm] system_key_workspaces`).
pub fn system_key_for(settings: &Settings, slug: &str, provider: &str) -> bool {
    settings.llm.system_keys_allowed_for(slug) && has_system_key(settings, provider)
}

/// Whether the operator configured a system key for `provider` (never the key).
pub fn has_system_key(settings: &Settings, provider: &str) -> bool {
    settings
        .llm
        .providers
        .get(provider)
        .and_then(|p| p.api_key.as_ref())
        .is_some_and(|k| !k.trim().is_empty())
        || ar_connect::llm::system_key_from_env(provider).is_some()
}
