//! OpenAI-compatible Chat Completions client (`POST {base}/chat/completions`).
//! Works with any server speaking that protocol: OpenAI, Ollama, vLLM, LM Studio,
//! OpenRouter …

use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sse_stream::Sse;

use super::error::{LlmError, is_transient_error_type};
use super::http::CallContext;
use super::provider_config::ProviderConfig;
use super::stream::{LlmStream, StreamDecoder, drive};
use super::types::{LlmRequest, LlmResponse, ToolCall};
use crate::secret::SecretString;

/// Body fields this client builds itself; `llm_params` may not set them.
const RESERVED_PARAMS: &[&str] = &["model", "messages", "stream", "stream_options", "tools"];

/// A client for one OpenAI-compatible provider.
#[derive(Clone, Debug)]
pub struct OpenAiClient {
    config: ProviderConfig,
    api_key: Option<SecretString>,
    http: reqwest::Client,
}

impl OpenAiClient {
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
        let completion: CompletionWire = context.read_json(response).await?;
        let latency_ms = elapsed_ms(started);
        completion.into_response(&request.model, latency_ms, &context)
    }

    /// Sends the request with `stream: true` (usage included in the last chunk).
    pub async fn stream(&self, request: &LlmRequest) -> Result<LlmStream, LlmError> {
        let context = self.context();
        let body = request_body(request, true)?;
        let started = Instant::now();
        let response = self.send(&context, &body).await?;
        let decoder = ChunkDecoder::new(&request.model);
        Ok(drive(response, decoder, context, started))
    }

    async fn send(
        &self,
        context: &CallContext,
        body: &Value,
    ) -> Result<reqwest::Response, LlmError> {
        let url = self.config.endpoint("/chat/completions")?;
        let mut headers = HeaderMap::new();
        if let Some(key) = &self.api_key {
            let mut value = HeaderValue::try_from(format!("Bearer {}", key.expose_secret()))
                .map_err(|_| {
                    LlmError::InvalidRequest(format!(
                        "the API key for {} contains characters not allowed in an HTTP header",
                        self.config.name
                    ))
                })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
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

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The Chat Completions request body.
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
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if let Some(system) = &request.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    for message in &request.messages {
        if !message.tool_results.is_empty() {
            // One `tool` message per answered call.
            for result in &message.tool_results {
                messages.push(json!({
                    "role": "tool",
                    "tool_call_id": result.call_id,
                    "content": result.content,
                }));
            }
        } else if !message.tool_calls.is_empty() {
            let calls: Vec<Value> = message
                .tool_calls
                .iter()
                .map(|call| {
                    json!({
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments.to_string()},
                    })
                })
                .collect();
            let content = if message.content.is_empty() {
                Value::Null
            } else {
                json!(message.content)
            };
            messages.push(json!({"role": "assistant", "content": content, "tool_calls": calls}));
        } else {
            messages.push(json!({"role": message.role, "content": message.content}));
        }
    }
    body.insert("model".into(), json!(request.model));
    body.insert("messages".into(), Value::Array(messages));
    if !request.tools.is_empty() {
        let tools = request
            .tools
            .iter()
            .map(|tool| {
                let mut function = json!({"name": tool.name, "parameters": tool.input_schema});
                if let (Some(description), Some(object)) =
                    (&tool.description, function.as_object_mut())
                {
                    object.insert("description".into(), json!(description));
                }
                json!({"type": "function", "function": function})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if stream {
        body.insert("stream".into(), json!(true));
        body.insert("stream_options".into(), json!({"include_usage": true}));
    }
    Ok(Value::Object(body))
}

/// Parses a tool call's JSON-encoded arguments. An empty string means no arguments.
fn parse_arguments(name: &str, arguments: &str, context: &CallContext) -> Result<Value, LlmError> {
    if arguments.trim().is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(arguments).map_err(|error| {
        context.malformed(format!(
            "the arguments of tool call {name:?} are not valid JSON: {error}"
        ))
    })
}

#[derive(Deserialize)]
struct CompletionWire {
    model: Option<String>,
    #[serde(default)]
    choices: Vec<ChoiceWire>,
    usage: Option<UsageWire>,
}

#[derive(Deserialize)]
struct ChoiceWire {
    message: Option<MessageWire>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct MessageWire {
    content: Option<ContentWire>,
    #[serde(default)]
    tool_calls: Vec<ToolCallWire>,
}

/// `content` is a string, or (some servers) a list of typed parts.
#[derive(Deserialize)]
#[serde(untagged)]
enum ContentWire {
    Text(String),
    Parts(Vec<ContentPartWire>),
}

#[derive(Deserialize)]
struct ContentPartWire {
    text: Option<String>,
}

impl ContentWire {
    fn into_text(self) -> String {
        match self {
            Self::Text(text) => text,
            Self::Parts(parts) => parts.into_iter().filter_map(|part| part.text).collect(),
        }
    }
}

#[derive(Deserialize)]
struct ToolCallWire {
    id: Option<String>,
    function: FunctionWire,
}

#[derive(Deserialize, Default)]
struct FunctionWire {
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct UsageWire {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

impl CompletionWire {
    fn into_response(
        self,
        requested_model: &str,
        latency_ms: u64,
        context: &CallContext,
    ) -> Result<LlmResponse, LlmError> {
        let choice = self
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| context.malformed("the response has no choices"))?;
        let message = choice
            .message
            .ok_or_else(|| context.malformed("the first choice has no message"))?;
        let tool_calls = message
            .tool_calls
            .into_iter()
            .map(|call| {
                let name = call.function.name.unwrap_or_default();
                let arguments = call.function.arguments.unwrap_or_default();
                Ok(ToolCall {
                    arguments: parse_arguments(&name, &arguments, context)?,
                    id: call.id.unwrap_or_default(),
                    name,
                })
            })
            .collect::<Result<_, LlmError>>()?;
        Ok(LlmResponse {
            model: self.model.unwrap_or_else(|| requested_model.to_owned()),
            text: message
                .content
                .map(ContentWire::into_text)
                .unwrap_or_default(),
            tokens_in: self
                .usage
                .as_ref()
                .and_then(|usage| usage.prompt_tokens)
                .unwrap_or(0),
            tokens_out: self
                .usage
                .as_ref()
                .and_then(|usage| usage.completion_tokens)
                .unwrap_or(0),
            latency_ms,
            tool_calls,
            finish_reason: choice.finish_reason,
        })
    }
}

#[derive(Deserialize)]
struct ChunkWire {
    model: Option<String>,
    #[serde(default)]
    choices: Vec<DeltaChoiceWire>,
    usage: Option<UsageWire>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct DeltaChoiceWire {
    #[serde(default)]
    index: u64,
    delta: Option<DeltaWire>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct DeltaWire {
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<DeltaToolCallWire>,
}

#[derive(Deserialize)]
struct DeltaToolCallWire {
    #[serde(default)]
    index: u64,
    id: Option<String>,
    #[serde(default)]
    function: FunctionWire,
}

/// A tool call being assembled from streamed fragments.
#[derive(Default)]
struct PartialToolCall {
    id: String,
    name: String,
    arguments: String,
}

/// Assembles a streamed completion from `chat.completion.chunk` events.
struct ChunkDecoder {
    model: String,
    text: String,
    tool_calls: BTreeMap<u64, PartialToolCall>,
    tokens_in: u64,
    tokens_out: u64,
    finish_reason: Option<String>,
    done: bool,
}

impl ChunkDecoder {
    fn new(requested_model: &str) -> Self {
        Self {
            model: requested_model.to_owned(),
            text: String::new(),
            tool_calls: BTreeMap::new(),
            tokens_in: 0,
            tokens_out: 0,
            finish_reason: None,
            done: false,
        }
    }
}

impl StreamDecoder for ChunkDecoder {
    const END_MARKER: &'static str = "data: [DONE]";

    fn on_event(&mut self, event: &Sse, context: &CallContext) -> Result<Option<String>, LlmError> {
        let Some(data) = event.data.as_deref() else {
            return Ok(None);
        };
        if data.trim() == "[DONE]" {
            self.done = true;
            return Ok(None);
        }
        let chunk: ChunkWire = serde_json::from_str(data).map_err(|error| {
            context.malformed(format!("a stream chunk is not valid JSON: {error}"))
        })?;
        if let Some(error) = chunk.error {
            let message = super::http::provider_message(&json!({ "error": error }).to_string());
            let error_type = error
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(LlmError::StreamError {
                provider: context.provider.clone(),
                message: context.redact(&message),
                transient: is_transient_error_type(error_type),
            });
        }
        if let Some(model) = chunk.model.filter(|model| !model.is_empty()) {
            self.model = model;
        }
        if let Some(usage) = chunk.usage {
            self.tokens_in = usage.prompt_tokens.unwrap_or(self.tokens_in);
            self.tokens_out = usage.completion_tokens.unwrap_or(self.tokens_out);
        }
        let mut delta_text = String::new();
        // Only the first choice is assembled; `n > 1` is not supported.
        for choice in chunk.choices.into_iter().filter(|choice| choice.index == 0) {
            if let Some(reason) = choice.finish_reason {
                self.finish_reason = Some(reason);
            }
            let Some(delta) = choice.delta else { continue };
            if let Some(content) = delta.content {
                delta_text.push_str(&content);
            }
            for fragment in delta.tool_calls {
                let call = self.tool_calls.entry(fragment.index).or_default();
                if let Some(id) = fragment.id {
                    call.id = id;
                }
                if let Some(name) = fragment.function.name {
                    call.name.push_str(&name);
                }
                if let Some(arguments) = fragment.function.arguments {
                    call.arguments.push_str(&arguments);
                }
            }
        }
        self.text.push_str(&delta_text);
        Ok(Some(delta_text))
    }

    fn is_finished(&self) -> bool {
        self.done
    }

    fn finish(self, latency_ms: u64, context: &CallContext) -> Result<LlmResponse, LlmError> {
        let tool_calls = self
            .tool_calls
            .into_values()
            .map(|call| {
                Ok(ToolCall {
                    arguments: parse_arguments(&call.name, &call.arguments, context)?,
                    id: call.id,
                    name: call.name,
                })
            })
            .collect::<Result<_, LlmError>>()?;
        Ok(LlmResponse {
            model: self.model,
            text: self.text,
            tokens_in: self.tokens_in,
            tokens_out: self.tokens_out,
            latency_ms,
            tool_calls,
            finish_reason: self.finish_reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::types::ToolSpec;

    #[test]
    fn request_body_has_system_user_params_tools_and_stream_options() {
        let request = LlmRequest::new("gpt-4o-mini", "Hello")
            .with_system("Be brief")
            .with_param("temperature", json!(0.2))
            .with_param("max_tokens", json!(50))
            .with_tool(ToolSpec {
                name: "lookup".into(),
                description: Some("Looks up".into()),
                input_schema: json!({"type": "object"}),
            });
        let body = request_body(&request, true).expect("builds");
        assert_eq!(
            body,
            json!({
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": "Be brief"},
                    {"role": "user", "content": "Hello"}
                ],
                "temperature": 0.2,
                "max_tokens": 50,
                "tools": [{"type": "function", "function": {
                    "name": "lookup", "description": "Looks up", "parameters": {"type": "object"}
                }}],
                "stream": true,
                "stream_options": {"include_usage": true}
            })
        );
        let plain = request_body(&LlmRequest::new("m", "p"), false).expect("builds");
        assert_eq!(
            plain,
            json!({"model": "m", "messages": [{"role": "user", "content": "p"}]})
        );
    }

    #[test]
    fn llm_params_that_override_built_fields_are_refused() {
        for name in RESERVED_PARAMS {
            let request = LlmRequest::new("m", "p").with_param(*name, json!(true));
            let error = request_body(&request, false).expect_err(name).to_string();
            assert!(error.contains(&format!("{name:?}")), "{error}");
        }
    }
}
