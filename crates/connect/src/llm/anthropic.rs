//! Anthropic Messages client (`POST {base}/v1/messages`).

use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sse_stream::Sse;

use super::error::{LlmError, is_transient_error_type};
use super::http::CallContext;
use super::provider_config::ProviderConfig;
use super::stream::{LlmStream, StreamDecoder, drive};
use super::types::{ChatMessage, LlmRequest, LlmResponse, ToolCall};
use crate::secret::SecretString;

/// The API version this client speaks (`anthropic-version` header).
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// `max_tokens` is required by the Messages API; used when `llm_params` has none.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

/// Body fields this client builds itself; `llm_params` may not set them.
const RESERVED_PARAMS: &[&str] = &["model", "messages", "system", "stream", "tools"];

/// A client for the Anthropic Messages API (or a server speaking it).
#[derive(Clone, Debug)]
pub struct AnthropicClient {
    config: ProviderConfig,
    api_key: Option<SecretString>,
    http: reqwest::Client,
}

impl AnthropicClient {
    /// A client for `config`, authenticating with `api_key` when there is one.
    pub fn new(
        config: ProviderConfig,
        api_key: Option<SecretString>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            config,
            api_key,
            http,
        }
    }

    /// Sends the request and waits for the whole answer.
    pub async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let context = self.context();
        let body = request_body(request, false)?;
        let started = Instant::now();
        let response = self.send(&context, &body).await?;
        let message: MessageWire = context.read_json(response).await?;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(message.into_response(&request.model, latency_ms))
    }

    /// Sends the request with `stream: true`.
    pub async fn stream(&self, request: &LlmRequest) -> Result<LlmStream, LlmError> {
        let context = self.context();
        let body = request_body(request, true)?;
        let started = Instant::now();
        let response = self.send(&context, &body).await?;
        Ok(drive(
            response,
            EventDecoder::new(&request.model),
            context,
            started,
        ))
    }

    async fn send(
        &self,
        context: &CallContext,
        body: &Value,
    ) -> Result<reqwest::Response, LlmError> {
        let url = self.config.endpoint("/v1/messages")?;
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("anthropic-version"),
            HeaderValue::from_static(ANTHROPIC_VERSION),
        );
        if let Some(key) = &self.api_key {
            let mut value = HeaderValue::try_from(key.expose_secret()).map_err(|_| {
                LlmError::InvalidRequest(format!(
                    "the API key for {} contains characters not allowed in an HTTP header",
                    self.config.name
                ))
            })?;
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static("x-api-key"), value);
        }
        context.post_json(&self.http, url, headers, body).await
    }

    fn context(&self) -> CallContext {
        CallContext {
            provider: self.config.name.clone(),
            api_key: self.api_key.clone(),
        }
    }
}

/// The Messages request body.
fn request_body(request: &LlmRequest, stream: bool) -> Result<Value, LlmError> {
    let mut body = Map::new();
    for (name, value) in &request.params {
        if RESERVED_PARAMS.contains(&name.as_str()) {
            return Err(LlmError::InvalidRequest(format!(
                "llm_params may not set {name:?}: it is built from the step's model, prompt, \
                 system and tools"
            )));
        }
        body.insert(name.clone(), value.clone());
    }
    body.entry("max_tokens")
        .or_insert(json!(DEFAULT_MAX_TOKENS));
    body.insert("model".into(), json!(request.model));
    if let Some(system) = &request.system {
        body.insert("system".into(), json!(system));
    }
    let messages = request.messages.iter().map(message_json).collect();
    body.insert("messages".into(), Value::Array(messages));
    if !request.tools.is_empty() {
        let tools = request
            .tools
            .iter()
            .map(|tool| {
                let mut spec = json!({"name": tool.name, "input_schema": tool.input_schema});
                if let (Some(description), Some(object)) = (&tool.description, spec.as_object_mut())
                {
                    object.insert("description".into(), json!(description));
                }
                spec
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if stream {
        body.insert("stream".into(), json!(true));
    }
    Ok(Value::Object(body))
}

/// One conversation message: plain text, or content blocks for tool use and results.
fn message_json(message: &ChatMessage) -> Value {
    if !message.tool_results.is_empty() {
        let blocks: Vec<Value> = message
            .tool_results
            .iter()
            .map(|result| {
                json!({
                    "type": "tool_result",
                    "tool_use_id": result.call_id,
                    "content": result.content,
                    "is_error": result.is_error,
                })
            })
            .collect();
        return json!({"role": "user", "content": blocks});
    }
    if !message.tool_calls.is_empty() {
        let mut blocks = Vec::new();
        if !message.content.is_empty() {
            blocks.push(json!({"type": "text", "text": message.content}));
        }
        for call in &message.tool_calls {
            blocks.push(json!({
                "type": "tool_use",
                "id": call.id,
                "name": call.name,
                "input": call.arguments,
            }));
        }
        return json!({"role": "assistant", "content": blocks});
    }
    json!({"role": message.role, "content": message.content})
}

#[derive(Deserialize)]
struct MessageWire {
    model: Option<String>,
    content: Vec<ContentBlockWire>,
    stop_reason: Option<String>,
    usage: Option<UsageWire>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ContentBlockWire {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: Value,
    },
    /// Thinking, server tool results … carry no text for the step result.
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
struct UsageWire {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

impl MessageWire {
    fn into_response(self, requested_model: &str, latency_ms: u64) -> LlmResponse {
        let mut text = String::new();
        let mut tool_calls = Vec::new();
        for block in self.content {
            match block {
                ContentBlockWire::Text { text: part } => text.push_str(&part),
                ContentBlockWire::ToolUse { id, name, input } => tool_calls.push(ToolCall {
                    id,
                    name,
                    arguments: input,
                }),
                ContentBlockWire::Other => {}
            }
        }
        let usage = self.usage.unwrap_or_default();
        LlmResponse {
            model: self.model.unwrap_or_else(|| requested_model.to_owned()),
            text,
            tokens_in: usage.input_tokens.unwrap_or(0),
            tokens_out: usage.output_tokens.unwrap_or(0),
            latency_ms,
            tool_calls,
            finish_reason: self.stop_reason,
        }
    }
}

/// The streaming events of the Messages API.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum EventWire {
    MessageStart {
        message: StartMessageWire,
    },
    ContentBlockStart {
        index: u64,
        content_block: ContentBlockWire,
    },
    ContentBlockDelta {
        index: u64,
        delta: DeltaWire,
    },
    MessageDelta {
        #[serde(default)]
        delta: MessageDeltaWire,
        usage: Option<UsageWire>,
    },
    MessageStop,
    Error {
        error: ErrorWire,
    },
    /// `ping`, `content_block_stop` and event types added later.
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct StartMessageWire {
    model: Option<String>,
    usage: Option<UsageWire>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum DeltaWire {
    TextDelta {
        text: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
struct MessageDeltaWire {
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct ErrorWire {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
}

/// A content block being assembled.
enum Block {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        start_input: Value,
        partial_json: String,
    },
    Other,
}

/// Assembles a streamed message from Messages API events.
struct EventDecoder {
    model: String,
    blocks: BTreeMap<u64, Block>,
    tokens_in: u64,
    tokens_out: u64,
    stop_reason: Option<String>,
    done: bool,
}

impl EventDecoder {
    fn new(requested_model: &str) -> Self {
        Self {
            model: requested_model.to_owned(),
            blocks: BTreeMap::new(),
            tokens_in: 0,
            tokens_out: 0,
            stop_reason: None,
            done: false,
        }
    }

    fn record_usage(&mut self, usage: Option<UsageWire>) {
        if let Some(usage) = usage {
            self.tokens_in = usage.input_tokens.unwrap_or(self.tokens_in);
            // `output_tokens` is cumulative in `message_delta`.
            self.tokens_out = usage.output_tokens.unwrap_or(self.tokens_out);
        }
    }
}

impl StreamDecoder for EventDecoder {
    const END_MARKER: &'static str = "message_stop event";

    fn on_event(&mut self, event: &Sse, context: &CallContext) -> Result<Option<String>, LlmError> {
        let Some(data) = event.data.as_deref() else {
            return Ok(None);
        };
        let event: EventWire = serde_json::from_str(data).map_err(|error| {
            context.malformed(format!("a stream event is not valid JSON: {error}"))
        })?;
        match event {
            EventWire::MessageStart { message } => {
                if let Some(model) = message.model.filter(|model| !model.is_empty()) {
                    self.model = model;
                }
                self.record_usage(message.usage);
            }
            EventWire::ContentBlockStart {
                index,
                content_block,
            } => {
                let block = match content_block {
                    ContentBlockWire::Text { text } => Block::Text(text),
                    ContentBlockWire::ToolUse { id, name, input } => Block::ToolUse {
                        id,
                        name,
                        start_input: input,
                        partial_json: String::new(),
                    },
                    ContentBlockWire::Other => Block::Other,
                };
                self.blocks.insert(index, block);
            }
            EventWire::ContentBlockDelta { index, delta } => {
                match (self.blocks.get_mut(&index), delta) {
                    (Some(Block::Text(text)), DeltaWire::TextDelta { text: piece }) => {
                        text.push_str(&piece);
                        return Ok(Some(piece));
                    }
                    (
                        Some(Block::ToolUse { partial_json, .. }),
                        DeltaWire::InputJsonDelta {
                            partial_json: piece,
                        },
                    ) => {
                        partial_json.push_str(&piece);
                    }
                    (None, _) => {
                        return Err(context.malformed(format!(
                            "content_block_delta for block {index}, which was never started"
                        )));
                    }
                    _ => {}
                }
            }
            EventWire::MessageDelta { delta, usage } => {
                if delta.stop_reason.is_some() {
                    self.stop_reason = delta.stop_reason;
                }
                self.record_usage(usage);
            }
            EventWire::MessageStop => self.done = true,
            EventWire::Error { error } => {
                return Err(LlmError::StreamError {
                    provider: context.provider.clone(),
                    message: context.redact(&format!("{}: {}", error.kind, error.message)),
                    transient: is_transient_error_type(&error.kind),
                });
            }
            EventWire::Other => {}
        }
        Ok(None)
    }

    fn is_finished(&self) -> bool {
        self.done
    }

    fn finish(self, latency_ms: u64, context: &CallContext) -> Result<LlmResponse, LlmError> {
        let mut text = String::new();
        let mut tool_calls = Vec::new();
        for block in self.blocks.into_values() {
            match block {
                Block::Text(part) => text.push_str(&part),
                Block::ToolUse {
                    id,
                    name,
                    start_input,
                    partial_json,
                } => {
                    let arguments = if partial_json.trim().is_empty() {
                        start_input
                    } else {
                        serde_json::from_str(&partial_json).map_err(|error| {
                            context.malformed(format!(
                                "the input of tool call {name:?} is not valid JSON: {error}"
                            ))
                        })?
                    };
                    tool_calls.push(ToolCall {
                        id,
                        name,
                        arguments,
                    });
                }
                Block::Other => {}
            }
        }
        Ok(LlmResponse {
            model: self.model,
            text,
            tokens_in: self.tokens_in,
            tokens_out: self.tokens_out,
            latency_ms,
            tool_calls,
            finish_reason: self.stop_reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::types::ToolSpec;

    #[test]
    fn request_body_has_system_max_tokens_params_and_tools() {
        let request = LlmRequest::new("claude-sonnet-4-5", "Hello")
            .with_system("Be brief")
            .with_param("temperature", json!(0.5))
            .with_tool(ToolSpec {
                name: "lookup".into(),
                description: None,
                input_schema: json!({"type": "object"}),
            });
        let body = request_body(&request, true).expect("builds");
        assert_eq!(
            body,
            json!({
                "model": "claude-sonnet-4-5",
                "max_tokens": DEFAULT_MAX_TOKENS,
                "temperature": 0.5,
                "system": "Be brief",
                "messages": [{"role": "user", "content": "Hello"}],
                "tools": [{"name": "lookup", "input_schema": {"type": "object"}}],
                "stream": true
            })
        );
    }

    #[test]
    fn max_tokens_from_llm_params_wins_over_the_default() {
        let request = LlmRequest::new("m", "p").with_param("max_tokens", json!(77));
        let body = request_body(&request, false).expect("builds");
        assert_eq!(body["max_tokens"], json!(77));
        assert!(body.get("system").is_none() && body.get("stream").is_none());
    }

    #[test]
    fn llm_params_that_override_built_fields_are_refused() {
        for name in RESERVED_PARAMS {
            let request = LlmRequest::new("m", "p").with_param(*name, json!("x"));
            assert!(request_body(&request, false).is_err(), "{name}");
        }
    }
}
