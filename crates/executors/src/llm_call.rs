//! The `llm_call` executor: one completion per attempt, through `ar_connect::llm`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use ar_connect::llm::{
    LlmError, LlmRequest, LlmResponse, ModelRef, Provider, ProviderConfig, RetryPolicy,
    built_in_names, resolve_api_key,
};
use ar_engine::{StepCall, StepExecutor, StepFailure};
use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::inputs::Inputs;
use crate::llm_keys::LlmKeySource;
use crate::telemetry;
use tracing::Instrument;

/// The one failure code of `llm_call` (docs/contract.md §2, §7); the message says what to fix.
pub const LLM_REQUEST_FAILED: &str = "LLM_REQUEST_FAILED";

/// The `llm_params` key that asks for a streamed answer (it is not sent to the
/// provider as a parameter; the clients set `stream` themselves).
pub const STREAM_PARAM: &str = "stream";

/// The providers a deployment offers, by name, and the one a bare `model` goes to.
#[derive(Clone, Debug)]
pub struct LlmProviders {
    by_name: BTreeMap<String, ProviderConfig>,
    default_provider: String,
}

impl LlmProviders {
    /// The built-in providers at their default URLs; a bare `model` goes to `openai`.
    pub fn built_in() -> Self {
        let by_name = built_in_names()
            .into_iter()
            .filter_map(|name| ProviderConfig::built_in(name).ok())
            .map(|config| (config.name.clone(), config))
            .collect();
        Self {
            by_name,
            default_provider: "openai".to_owned(),
        }
    }

    /// Adds or replaces a provider (an operator's base URL override, a new one).
    pub fn with_provider(mut self, config: ProviderConfig) -> Self {
        self.by_name.insert(config.name.clone(), config);
        self
    }

    /// The providers' names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.by_name.keys().cloned().collect()
    }

    /// The provider called `name`.
    pub fn get(&self, name: &str) -> Option<&ProviderConfig> {
        self.by_name.get(name)
    }

    /// The provider of steps that give a bare `model` instead of a `model_ref`.
    pub fn with_default_provider(mut self, name: impl Into<String>) -> Self {
        self.default_provider = name.into();
        self
    }

    /// The provider and wire model of a step: `model_ref` when it has one (it names
    /// the provider), else `model` on the default provider.
    pub fn resolve(
        &self,
        model_ref: Option<&str>,
        model: Option<&str>,
    ) -> Result<(ProviderConfig, String), LlmError> {
        let (provider, model) = match (model_ref, model) {
            (Some(text), _) => {
                let parsed = ModelRef::parse(text)?;
                (parsed.provider, parsed.model)
            }
            (None, Some(model)) => (self.default_provider.clone(), model.to_owned()),
            (None, None) => {
                return Err(LlmError::InvalidRequest(
                    "the step needs `model` or `model_ref` (e.g. direct.openai.gpt-4o-mini)"
                        .to_owned(),
                ));
            }
        };
        let config =
            self.by_name
                .get(&provider)
                .cloned()
                .ok_or_else(|| LlmError::UnknownProvider {
                    provider,
                    known: self.by_name.keys().cloned().collect::<Vec<_>>().join(", "),
                })?;
        Ok((config, model))
    }
}

/// Runs `llm_call` steps. The result is docs/contract.md §2's
/// `{model, text, tokens_in, tokens_out, latency_ms}` (plus `tool_calls` when the model
/// made any); the token counts are what metering reads.
///
/// Retries: transient provider errors are retried inside the attempt per the
/// executor's [`RetryPolicy`], waiting what `Retry-After` asks; once those are used up
/// a transient failure goes back to the engine, which retries per `retry_count`.
pub struct LlmCallExecutor {
    providers: LlmProviders,
    keys: Arc<dyn LlmKeySource>,
    http: reqwest::Client,
    retry: RetryPolicy,
}

impl LlmCallExecutor {
    /// `http` is shared by all calls (see `ar_connect::llm::http_client`).
    pub fn new(
        providers: LlmProviders,
        keys: Arc<dyn LlmKeySource>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            providers,
            keys,
            http,
            retry: RetryPolicy::with_max_retries(2),
        }
    }

    /// The in-attempt retry policy (default: 2 retries).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    async fn complete(&self, call: &StepCall) -> Result<Value, StepFailure> {
        let inputs = Inputs::new(&call.inputs, "llm_call", LLM_REQUEST_FAILED);
        let prompt = prompt_text(&call.inputs)
            .ok_or_else(|| inputs.invalid("`prompt` is missing".to_owned()))?;
        let mut params = inputs.object("llm_params")?;
        let stream = take_stream_flag(&mut params).map_err(|what| inputs.invalid(what))?;
        let model = ModelChoice {
            model_ref: inputs.optional_text("model_ref")?,
            model: inputs.optional_text("model")?,
            credential_id: inputs.optional_text("llm_credential_id")?,
        };
        let mut request = LlmRequest::new(String::new(), prompt);
        request.system = inputs.optional_text("system")?;
        request.params = params;
        self.converse(call, &model, request, stream)
            .await
            .map(|response| response.step_result())
    }

    /// Sends `request` (its `model` is filled in from `model`) to the provider `model`
    /// names, with the key the step may use: what an `llm_call` does once, and an
    /// `agent_call` once per round of its turn.
    pub async fn converse(
        &self,
        call: &StepCall,
        model: &ModelChoice,
        mut request: LlmRequest,
        stream: bool,
    ) -> Result<LlmResponse, StepFailure> {
        let (config, wire_model) = self
            .providers
            .resolve(model.model_ref.as_deref(), model.model.as_deref())
            .map_err(|error| llm_failure(&error))?;
        let candidates = self
            .keys
            .candidates(call, &config.name, model.credential_id.as_deref())
            .await?;
        let key = resolve_api_key(&config, candidates).map_err(|error| llm_failure(&error))?;
        request.model = wire_model;
        let provider_name = config.name.clone();
        let span = tracing::info_span!(
            "llm.call",
            otel.kind = "client",
            gen_ai.system = %provider_name,
            gen_ai.request.model = %request.model,
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let provider = Provider::new(config, key.map(|resolved| resolved.key), self.http.clone());
        let began = Instant::now();
        let response = async {
            if stream {
                provider
                    .stream_with_retries(&request, &self.retry, |_| {})
                    .await
            } else {
                provider.complete_with_retries(&request, &self.retry).await
            }
        }
        .instrument(span.clone())
        .await;
        match &response {
            Ok(r) => {
                span.record("gen_ai.usage.input_tokens", r.tokens_in);
                span.record("gen_ai.usage.output_tokens", r.tokens_out);
                telemetry::llm_call(
                    &provider_name,
                    "ok",
                    began.elapsed(),
                    Some((r.tokens_in, r.tokens_out)),
                );
            }
            Err(error) => {
                span.record("error.type", LLM_REQUEST_FAILED);
                let outcome = if error.is_transient() {
                    "transient_error"
                } else {
                    "error"
                };
                telemetry::llm_call(&provider_name, outcome, began.elapsed(), None);
            }
        }
        response.map_err(|error| llm_failure(&error))
    }
}

/// Which model a call goes to, and with which step credential.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelChoice {
    /// `<source>.<provider>.<model>`; names the provider.
    pub model_ref: Option<String>,
    /// A model of the default provider (when there is no `model_ref`).
    pub model: Option<String>,
    /// `llm_credential_id`: a workspace key chosen by id.
    pub credential_id: Option<String>,
}

#[async_trait]
impl StepExecutor for LlmCallExecutor {
    async fn execute(&self, call: StepCall) -> Result<Value, StepFailure> {
        let cancel = call.cancel.clone();
        tokio::select! {
            // Dropping the request closes the connection, so the provider stops too.
            _ = cancel.cancelled() => Err(StepFailure::permanent(
                LLM_REQUEST_FAILED,
                "the LLM request was cancelled (the run was stopped)",
            )),
            result = self.complete(&call) => result,
        }
    }
}

/// The prompt as text: a template that resolved to an object or array is sent as
/// compact JSON, so `"prompt": "{{ steps.fetch.result }}"` works.
fn prompt_text(inputs: &Value) -> Option<String> {
    match inputs.get("prompt")? {
        Value::Null => None,
        Value::String(text) if text.trim().is_empty() => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// Removes `stream` from `llm_params`; it must be a boolean.
pub(crate) fn take_stream_flag(params: &mut Map<String, Value>) -> Result<bool, String> {
    match params.remove(STREAM_PARAM) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(flag)) => Ok(flag),
        Some(_) => Err("`llm_params.stream` must be true or false".to_owned()),
    }
}

/// An LLM error as the step's failure. The messages of `LlmError` never hold the key
/// (provider messages are redacted) and say what to fix.
fn llm_failure(error: &LlmError) -> StepFailure {
    StepFailure::new(LLM_REQUEST_FAILED, error.to_string(), error.is_transient())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ar_connect::llm::ApiFlavor;
    use serde_json::json;

    #[test]
    fn model_ref_names_the_provider_and_a_bare_model_uses_the_default() {
        let providers = LlmProviders::built_in().with_default_provider("anthropic");
        let (config, model) = providers
            .resolve(Some("direct.ollama.llama3.1:8b"), Some("ignored"))
            .expect("model_ref");
        assert_eq!(
            (config.name.as_str(), model.as_str()),
            ("ollama", "llama3.1:8b")
        );
        let (config, model) = providers.resolve(None, Some("claude-x")).expect("model");
        assert_eq!(config.flavor, ApiFlavor::Anthropic);
        assert_eq!(model, "claude-x");
    }

    #[test]
    fn unresolvable_models_say_what_to_fix() {
        let providers = LlmProviders::built_in();
        let cases = [
            (
                Some("direct.nowhere.m"),
                None,
                "unknown LLM provider \"nowhere\"",
            ),
            (Some("gpt-4o"), None, "expected <source>.<provider>.<model>"),
            (None, None, "needs `model` or `model_ref`"),
        ];
        for (model_ref, model, expected) in cases {
            let error = providers
                .resolve(model_ref, model)
                .expect_err("unresolvable");
            assert!(error.to_string().contains(expected), "{error}");
            assert!(!llm_failure(&error).transient);
        }
    }

    #[test]
    fn the_stream_flag_is_taken_out_of_the_params() {
        let mut params = json!({"stream": true, "temperature": 0.2})
            .as_object()
            .cloned()
            .expect("object");
        assert_eq!(take_stream_flag(&mut params), Ok(true));
        assert_eq!(Value::Object(params), json!({"temperature": 0.2}));
        let mut wrong = json!({"stream": "yes"})
            .as_object()
            .cloned()
            .expect("object");
        assert!(take_stream_flag(&mut wrong).is_err());
    }

    #[test]
    fn structured_prompts_are_sent_as_json_text() {
        assert_eq!(prompt_text(&json!({"prompt": "hi"})).as_deref(), Some("hi"));
        assert_eq!(
            prompt_text(&json!({"prompt": {"a": [1]}})).as_deref(),
            Some("{\"a\":[1]}")
        );
        assert_eq!(prompt_text(&json!({"prompt": " "})), None);
        assert_eq!(prompt_text(&json!({})), None);
    }
}
