//! The provider-neutral request and response shapes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Who said a message in the conversation (the system prompt is separate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The end user / the workflow's prompt.
    User,
    /// An earlier answer of the model.
    Assistant,
}

/// One conversation turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub content: String,
    /// An assistant message's requests to call tools (an agent's conversation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// The answers to the previous assistant message's tool calls (sent as the tool
    /// messages of the provider's protocol; `role` is then `User`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_results: Vec<ToolResult>,
}

impl ChatMessage {
    /// A plain user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_results: Vec::new(),
        }
    }

    /// An assistant message that asked for `tool_calls` (with the text it said, if any).
    pub fn assistant_tool_calls(content: impl Into<String>, tool_calls: Vec<ToolCall>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
            tool_calls,
            tool_results: Vec::new(),
        }
    }

    /// The results of the previous message's tool calls.
    pub fn tool_results(tool_results: Vec<ToolResult>) -> Self {
        Self {
            role: Role::User,
            content: String::new(),
            tool_calls: Vec::new(),
            tool_results,
        }
    }
}

/// What a tool call answered, sent back to the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolResult {
    /// The [`ToolCall::id`] this answers.
    pub call_id: String,
    /// The result as text (JSON results as compact JSON).
    pub content: String,
    /// True when the call failed and `content` is the error message.
    #[serde(default)]
    pub is_error: bool,
}

/// A tool the model may call, described by a JSON Schema for its arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// The tool's name, as the model will refer to it.
    pub name: String,
    /// What the tool does, for the model.
    pub description: Option<String>,
    /// JSON Schema of the arguments object.
    pub input_schema: Value,
}

/// A call to a tool the model asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The provider's id for this call (used to send the tool's result back).
    pub id: String,
    /// Which tool.
    pub name: String,
    /// The arguments, parsed from the model's JSON.
    pub arguments: Value,
}

/// A provider-neutral completion request.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmRequest {
    /// The provider's wire name of the model, e.g. `gpt-4o-mini`.
    pub model: String,
    /// Optional system prompt.
    pub system: Option<String>,
    /// The conversation; for an `llm_call` step, one user message (the prompt).
    pub messages: Vec<ChatMessage>,
    /// `llm_params` (`temperature`, `max_tokens`, `top_p`, `stop`, …), passed through
    /// to the provider's request body as they are.
    pub params: Map<String, Value>,
    /// Tools the model may call.
    pub tools: Vec<ToolSpec>,
}

impl LlmRequest {
    /// A request with one user message.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            system: None,
            messages: vec![ChatMessage::user(prompt)],
            params: Map::new(),
            tools: Vec::new(),
        }
    }

    /// Sets the system prompt.
    pub fn with_system(mut self, system: impl Into<String>) -> Self {
        self.system = Some(system.into());
        self
    }

    /// Sets one pass-through parameter.
    pub fn with_param(mut self, name: impl Into<String>, value: Value) -> Self {
        self.params.insert(name.into(), value);
        self
    }

    /// Adds a tool.
    pub fn with_tool(mut self, tool: ToolSpec) -> Self {
        self.tools.push(tool);
        self
    }
}

/// A finished completion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlmResponse {
    /// The model that answered, as the provider reports it (else the requested one).
    pub model: String,
    /// The generated text (text blocks concatenated; empty when only tools were called).
    pub text: String,
    /// Prompt tokens, as reported by the provider (0 when it reported none).
    pub tokens_in: u64,
    /// Completion tokens, as reported by the provider (0 when it reported none).
    pub tokens_out: u64,
    /// Wall time from sending the request to the complete answer.
    pub latency_ms: u64,
    /// Tool calls the model asked for.
    pub tool_calls: Vec<ToolCall>,
    /// The provider's stop reason (`stop`, `end_turn`, `tool_calls`, `length` …).
    pub finish_reason: Option<String>,
}

impl LlmResponse {
    /// The `llm_call` step result of docs/contract.md §2:
    /// `{model, text, tokens_in, tokens_out, latency_ms}`, plus `tool_calls` when the
    /// model made any.
    pub fn step_result(&self) -> Value {
        let mut result = json!({
            "model": self.model,
            "text": self.text,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "latency_ms": self.latency_ms,
        });
        if !self.tool_calls.is_empty()
            && let Some(object) = result.as_object_mut()
        {
            object.insert("tool_calls".into(), json!(self.tool_calls));
        }
        result
    }
}

/// One item of a streamed completion.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    /// A piece of generated text, as soon as it arrived.
    TextDelta(String),
    /// The end of the stream: the assembled response (text, tool calls, usage).
    Finished(LlmResponse),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(tool_calls: Vec<ToolCall>) -> LlmResponse {
        LlmResponse {
            model: "gpt-4o-mini".into(),
            text: "hi".into(),
            tokens_in: 3,
            tokens_out: 1,
            latency_ms: 12,
            tool_calls,
            finish_reason: Some("stop".into()),
        }
    }

    #[test]
    fn step_result_has_exactly_the_contract_keys_without_tool_calls() {
        let result = response(Vec::new()).step_result();
        assert_eq!(
            result,
            json!({"model": "gpt-4o-mini", "text": "hi", "tokens_in": 3, "tokens_out": 1, "latency_ms": 12})
        );
    }

    #[test]
    fn step_result_adds_tool_calls_when_there_are_some() {
        let call = ToolCall {
            id: "call_1".into(),
            name: "lookup".into(),
            arguments: json!({"q": "x"}),
        };
        let result = response(vec![call]).step_result();
        assert_eq!(
            result["tool_calls"],
            json!([{"id": "call_1", "name": "lookup", "arguments": {"q": "x"}}])
        );
    }
}
