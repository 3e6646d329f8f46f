//! Reply bodies in the providers' wire formats, shared by the client tests here and
//! by ar-executors' `llm_call` tests.

/// OpenAI Chat Completions: a completion, stream chunks, the final usage chunk.
pub mod openai {
    use serde_json::{Value, json};

    pub fn completion(text: &str, prompt_tokens: u64, completion_tokens: u64) -> Value {
        json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop"
            }],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}
        })
    }

    pub fn chunk(delta: Value, finish_reason: Value) -> Value {
        json!({
            "id": "chatcmpl-2",
            "object": "chat.completion.chunk",
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
        })
    }

    pub fn usage_chunk(prompt_tokens: u64, completion_tokens: u64) -> Value {
        json!({
            "id": "chatcmpl-2",
            "object": "chat.completion.chunk",
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
        })
    }
}

/// Anthropic Messages: a message and the events of a streamed one.
pub mod anthropic {
    use serde_json::{Value, json};

    use super::super::event;

    pub const MODEL: &str = "claude-sonnet-4-5-20250929";

    pub fn message(
        content: Value,
        stop_reason: &str,
        input_tokens: u64,
        output_tokens: u64,
    ) -> Value {
        json!({
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": null,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}
        })
    }

    pub fn message_start(input_tokens: u64) -> String {
        event(
            "message_start",
            &json!({"type": "message_start", "message": {
                "id": "msg_02", "type": "message", "role": "assistant", "model": MODEL,
                "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": input_tokens, "output_tokens": 1}
            }}),
        )
    }

    pub fn text_block_start(index: u64) -> String {
        event(
            "content_block_start",
            &json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "text", "text": ""}}),
        )
    }

    pub fn text_delta(index: u64, text: &str) -> String {
        event(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "text_delta", "text": text}}),
        )
    }

    pub fn block_stop(index: u64) -> String {
        event(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        )
    }

    pub fn message_delta(stop_reason: &str, output_tokens: u64) -> String {
        event(
            "message_delta",
            &json!({"type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                    "usage": {"output_tokens": output_tokens}}),
        )
    }

    pub fn message_stop() -> String {
        event("message_stop", &json!({"type": "message_stop"}))
    }

    pub fn ping() -> String {
        event("ping", &json!({"type": "ping"}))
    }
}
