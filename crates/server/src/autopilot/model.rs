//! The Autopilot's model: which provider and model it talks to (`[autopilot] model_ref`,
//! else `[llm] default_provider`'s default model), the key it may use (the caller's
//! workspace key, else the operator's system key where allowed — the same order as
//! `llm_call`, docs/contract.md §2), the calls themselves, and their metering (§14).

use std::sync::Arc;

use ar_connect::llm::{
    LlmError, LlmRequest, LlmResponse, Provider, RetryPolicy, resolve_api_key, with_retries,
};
use ar_executors::LlmProviders;
use ar_store::integrations::{IntegrationStore, UsageRecord};
use ar_store::now_ms;

use super::settings::{AutopilotSettings, default_model};
use crate::llm::keys::WorkspaceLlmKeys;

/// Why the Autopilot cannot talk to its model (the `event: error` of the stream).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelUnavailable(pub String);

/// The error code of [`ModelUnavailable`].
pub const AUTOPILOT_MODEL_UNAVAILABLE: &str = "AUTOPILOT_MODEL_UNAVAILABLE";
/// A model call failed.
pub const AUTOPILOT_MODEL_FAILED: &str = "AUTOPILOT_MODEL_FAILED";

/// The server's providers, keys and HTTP client, for Autopilot turns.
pub struct ModelAccess {
    providers: Result<LlmProviders, String>,
    default_provider: String,
    keys: WorkspaceLlmKeys,
    http: Option<reqwest::Client>,
    settings: AutopilotSettings,
    store: Arc<dyn IntegrationStore>,
    /// Billing on: the tokens are charged like an `llm_call`'s.
    charger: Option<crate::billing::charge::Charger>,
}

/// A provider client, ready for one turn.
pub struct Model {
    provider: Provider,
    pub model: String,
}

impl ModelAccess {
    pub fn new(
        settings: &crate::settings::Settings,
        keys: WorkspaceLlmKeys,
        store: Arc<dyn IntegrationStore>,
    ) -> ModelAccess {
        let http = ar_connect::llm::http_client(ar_connect::llm::HttpOptions::default()).ok();
        ModelAccess {
            providers: crate::llm::providers(settings),
            default_provider: settings
                .llm
                .default_provider
                .clone()
                .unwrap_or_else(|| "openai".to_string()),
            keys,
            http,
            settings: settings.autopilot.clone(),
            charger: settings.billing.enabled.then(|| {
                crate::billing::charge::Charger::new(store.clone(), settings.billing.clone())
            }),
            store,
        }
    }

    /// The model for a turn of `workspace_id`, with its key; the error names the setting
    /// to fix.
    pub async fn open(&self, workspace_id: &str) -> Result<Model, ModelUnavailable> {
        let providers = self
            .providers
            .as_ref()
            .map_err(|e| ModelUnavailable(format!("the LLM providers are misconfigured: {e}")))?;
        let resolved = match &self.settings.model_ref {
            Some(model_ref) => providers.resolve(Some(model_ref), None),
            None => {
                let Some(model) = default_model(&self.default_provider) else {
                    return Err(ModelUnavailable(format!(
                        "the Autopilot has no model: provider {:?} has no default model; set \
                         [autopilot] model_ref (AR_AUTOPILOT_MODEL_REF), e.g. direct.openai.gpt-4o-mini",
                        self.default_provider
                    )));
                };
                providers.resolve(None, Some(model))
            }
        };
        let (config, model) = resolved.map_err(|e| {
            ModelUnavailable(format!(
                "the Autopilot's model cannot be used: {e}; check [autopilot] model_ref \
                 (AR_AUTOPILOT_MODEL_REF)"
            ))
        })?;
        let candidates = self
            .keys
            .candidates_in(Some(workspace_id), &config.name, None)
            .await
            .map_err(|f| ModelUnavailable(f.message))?;
        let key = resolve_api_key(&config, candidates).map_err(|e| match e {
            LlmError::MissingApiKey { provider, env_var } => ModelUnavailable(format!(
                "no API key for the Autopilot's model provider {provider}: add a workspace \
                 LLM key for {provider} (POST /v1/llm-provider-keys) or have the operator set \
                 {env_var}; the model itself is [autopilot] model_ref (AR_AUTOPILOT_MODEL_REF)"
            )),
            other => ModelUnavailable(other.to_string()),
        })?;
        let http = self
            .http
            .clone()
            .ok_or_else(|| ModelUnavailable("the HTTP client could not be built".into()))?;
        Ok(Model {
            provider: Provider::new(config, key.map(|k| k.key), http),
            model,
        })
    }

    /// Records the tokens of one model call of turn `turn_id` to the workspace
    /// (`llm.tokens_in` / `llm.tokens_out`, keyed by turn and call so each counts once)
    /// and, billing on, charges them at the `llm.tokens_*` prices under the same key. False
    /// when the workspace has run out of credits: the turn must stop.
    pub async fn meter(
        &self,
        workspace_id: &str,
        project_id: &str,
        turn_id: &str,
        call: &str,
        response: &LlmResponse,
    ) -> bool {
        let at = now_ms();
        let step_key = format!("autopilot#{call}");
        for (kind, quantity) in [
            ("llm.tokens_in", response.tokens_in),
            ("llm.tokens_out", response.tokens_out),
        ] {
            let usage = UsageRecord {
                idempotency_key: format!("{turn_id}:{step_key}:{kind}"),
                workspace_id: workspace_id.to_string(),
                project_id: Some(project_id.to_string()),
                run_id: turn_id.to_string(),
                step_key: step_key.clone(),
                kind: kind.to_string(),
                quantity: i64::try_from(quantity).unwrap_or(i64::MAX),
                at,
            };
            if let Err(error) = self.store.record_usage(&usage).await {
                tracing::warn!(turn_id, kind, %error, "autopilot usage not recorded");
            }
        }
        let Some(charger) = &self.charger else {
            return true;
        };
        let key = crate::billing::charge::ChargeKey {
            workspace_id,
            project_id: Some(project_id),
            run_id: turn_id,
            step_key: &step_key,
            attempt: 1,
        };
        let tokens = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let quantities = [
            ("llm.tokens_in", tokens(response.tokens_in)),
            ("llm.tokens_out", tokens(response.tokens_out)),
        ];
        charger.debit(&key, &quantities).await == crate::billing::charge::Charged::Done
    }
}

/// Retries of a model call that failed before its answer began (rate limits, 5xx).
fn retry_policy() -> RetryPolicy {
    RetryPolicy::with_max_retries(2)
}

impl Model {
    /// Streams the answer to `request`, `on_text` getting each text delta. Only the
    /// opening of the stream is retried, so no delta is ever sent twice.
    pub async fn stream(
        &self,
        mut request: LlmRequest,
        on_text: impl FnMut(&str),
    ) -> Result<LlmResponse, LlmError> {
        request.model = self.model.clone();
        let request = &request;
        let stream = with_retries(&retry_policy(), |_| self.provider.stream(request)).await?;
        stream.for_each_text(on_text).await
    }

    /// The whole answer to `request` at once (the graph writer, not shown to the user).
    pub async fn complete(&self, mut request: LlmRequest) -> Result<LlmResponse, LlmError> {
        request.model = self.model.clone();
        self.provider
            .complete_with_retries(&request, &retry_policy())
            .await
    }
}
