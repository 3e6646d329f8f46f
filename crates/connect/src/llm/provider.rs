//! [`Provider`]: one entry point over both wire protocols.

use super::anthropic::AnthropicClient;
use super::error::LlmError;
use super::openai::OpenAiClient;
use super::provider_config::{ApiFlavor, ProviderConfig};
use super::retry::{RetryPolicy, with_retries};
use super::stream::LlmStream;
use super::types::{LlmRequest, LlmResponse};
use crate::secret::SecretString;

/// A ready-to-call client for one provider, whichever protocol it speaks.
#[derive(Clone, Debug)]
pub enum Provider {
    /// OpenAI-compatible Chat Completions.
    OpenAi(OpenAiClient),
    /// Anthropic Messages.
    Anthropic(AnthropicClient),
}

impl Provider {
    /// A client for `config` using the shared `http` client (see
    /// [`http_client`](super::http_client)) and, when there is one, `api_key`
    /// (see [`resolve_api_key`](super::resolve_api_key)).
    pub fn new(
        config: ProviderConfig,
        api_key: Option<SecretString>,
        http: reqwest::Client,
    ) -> Self {
        match config.flavor {
            ApiFlavor::OpenAiCompatible => Self::OpenAi(OpenAiClient::new(config, api_key, http)),
            ApiFlavor::Anthropic => Self::Anthropic(AnthropicClient::new(config, api_key, http)),
        }
    }

    /// Sends the request once and waits for the whole answer.
    pub async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        match self {
            Self::OpenAi(client) => client.complete(request).await,
            Self::Anthropic(client) => client.complete(request).await,
        }
    }

    /// Sends the request once and streams the answer.
    pub async fn stream(&self, request: &LlmRequest) -> Result<LlmStream, LlmError> {
        match self {
            Self::OpenAi(client) => client.stream(request).await,
            Self::Anthropic(client) => client.stream(request).await,
        }
    }

    /// [`Provider::complete`], retrying transient failures per `policy`
    /// (honouring `Retry-After`).
    pub async fn complete_with_retries(
        &self,
        request: &LlmRequest,
        policy: &RetryPolicy,
    ) -> Result<LlmResponse, LlmError> {
        with_retries(policy, |_| self.complete(request)).await
    }

    /// [`Provider::stream`] read to its end with `on_text` called for each text
    /// delta, retrying transient failures per `policy`. A retry starts the answer
    /// over, so `on_text` may see the beginning of the text again after a failure.
    pub async fn stream_with_retries(
        &self,
        request: &LlmRequest,
        policy: &RetryPolicy,
        on_text: impl FnMut(&str),
    ) -> Result<LlmResponse, LlmError> {
        // Each attempt borrows the callback; a mutex (never contended: attempts run
        // one after another) lets the attempts share it and keeps the future `Send`.
        let on_text = std::sync::Mutex::new(on_text);
        let on_text = &on_text;
        with_retries(policy, |_| async move {
            self.stream(request)
                .await?
                .for_each_text(|text| {
                    if let Ok(mut on_text) = on_text.lock() {
                        on_text(text);
                    }
                })
                .await
        })
        .await
    }
}
