//! LLM provider clients: OpenAI-compatible Chat Completions and Anthropic Messages.
//!
//! The usual flow for an `llm_call` step:
//!
//! 1. [`ModelRef::parse`] the step's `model_ref` (`direct.openai.gpt-4o-mini`);
//! 2. look up the provider's [`ProviderConfig`] (operator settings or
//!    [`ProviderConfig::built_in`]);
//! 3. [`resolve_api_key`] from the step credential, the workspace key and the system
//!    key, in that order;
//! 4. [`Provider::new`] with the shared [`http_client`], then
//!    [`Provider::complete_with_retries`] or [`Provider::stream_with_retries`];
//! 5. [`LlmResponse::step_result`] is the step's result; on failure the
//!    [`LlmError`] message says what to fix.

mod anthropic;
mod error;
mod http;
mod keys;
mod model_ref;
mod openai;
mod provider;
mod provider_config;
mod retry;
mod stream;
mod types;

pub use anthropic::{ANTHROPIC_VERSION, AnthropicClient, DEFAULT_MAX_TOKENS};
pub use error::LlmError;
pub use http::{HttpOptions, http_client};
pub use keys::{
    ApiKeyCandidates, KeySource, ResolvedApiKey, resolve_api_key, system_key_env_var,
    system_key_from_env,
};
pub use model_ref::{KNOWN_SOURCES, ModelRef};
pub use openai::OpenAiClient;
pub use provider::Provider;
pub use provider_config::{ApiFlavor, ProviderConfig, built_in_names};
pub use retry::{RetryPolicy, parse_retry_after, retry_after_from_headers, with_retries};
pub use stream::LlmStream;
pub use types::{
    ChatMessage, LlmRequest, LlmResponse, Role, StreamEvent, ToolCall, ToolResult, ToolSpec,
};
