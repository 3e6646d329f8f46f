//! Maps a `tools/call` result to the step result of docs/contract.md §2.
//!
//! - `isError: true` → [`McpError::ToolFailed`] with the tool's text (or, without
//!   text, its structured content serialized; or a fixed note when it sent neither).
//! - structured content present → it, unchanged;
//! - else the text parts: one part, or several joined with `"\n"` (so a tool that
//!   streams one document in pieces still parses), parsed as JSON when the whole is
//!   JSON, else `{ "text": … }`;
//! - no text either (only images, audio, resources) → `{ "content": [ …blocks… ] }`
//!   as the server sent them, so nothing is lost;
//! - nothing at all → `null`.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};

use crate::error::McpError;

/// Turns a tool's result into the step result, or the tool's failure.
pub fn map_call_result(result: CallToolResult) -> Result<Value, McpError> {
    let text = joined_text(&result.content);
    if result.is_error == Some(true) {
        let message = match (text, &result.structured_content) {
            (Some(text), _) => text,
            (None, Some(structured)) => structured.to_string(),
            (None, None) => "the tool reported an error without a message".to_owned(),
        };
        return Err(McpError::ToolFailed { message });
    }
    if let Some(structured) = result.structured_content {
        return Ok(structured);
    }
    if let Some(text) = text {
        return Ok(match serde_json::from_str::<Value>(&text) {
            Ok(parsed) => parsed,
            Err(_) => json!({ "text": text }),
        });
    }
    if result.content.is_empty() {
        return Ok(Value::Null);
    }
    let blocks = serde_json::to_value(&result.content).map_err(|e| McpError::Protocol {
        message: format!("could not re-encode the tool's content: {e}"),
    })?;
    Ok(json!({ "content": blocks }))
}

fn joined_text(content: &[ContentBlock]) -> Option<String> {
    let parts: Vec<&str> = content
        .iter()
        .filter_map(|block| block.as_text().map(|t| t.text.as_str()))
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result_from(wire: Value) -> CallToolResult {
        serde_json::from_value(wire).expect("valid CallToolResult")
    }

    #[test]
    fn maps_each_result_shape_as_the_contract_says() {
        let cases: Vec<(&str, Value, Value)> = vec![
            (
                "structured content wins over text",
                json!({"content":[{"type":"text","text":"ignored"}],"structuredContent":{"a":1}}),
                json!({"a": 1}),
            ),
            (
                "structured null is kept",
                json!({"content":[{"type":"text","text":"x"}],"structuredContent":null}),
                Value::Null,
            ),
            (
                "JSON text is parsed",
                json!({"content":[{"type":"text","text":"{\"n\": [1,2]}"}]}),
                json!({"n": [1, 2]}),
            ),
            (
                "JSON scalar text is parsed",
                json!({"content":[{"type":"text","text":"42"}]}),
                json!(42),
            ),
            (
                "plain text is wrapped",
                json!({"content":[{"type":"text","text":"hello"}]}),
                json!({"text": "hello"}),
            ),
            (
                "several text parts are joined with newlines",
                json!({"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}),
                json!({"text": "a\nb"}),
            ),
            (
                "several parts forming one JSON document parse",
                json!({"content":[{"type":"text","text":"{\"k\":"},{"type":"text","text":"true}"}]}),
                json!({"k": true}),
            ),
            (
                "non-text content is passed through",
                json!({"content":[{"type":"image","data":"AAAA","mimeType":"image/png"}]}),
                json!({"content":[{"type":"image","data":"AAAA","mimeType":"image/png"}]}),
            ),
            ("empty content is null", json!({"content":[]}), Value::Null),
        ];
        for (name, wire, expected) in cases {
            assert_eq!(
                map_call_result(result_from(wire)).expect(name),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn is_error_becomes_tool_failed_with_the_tools_message() {
        let cases: Vec<(Value, &str)> = vec![
            (
                json!({"content":[{"type":"text","text":"quota exceeded"}],"isError":true}),
                "quota exceeded",
            ),
            (
                json!({"content":[],"structuredContent":{"why":"x"},"isError":true}),
                "{\"why\":\"x\"}",
            ),
            (
                json!({"content":[],"isError":true}),
                "the tool reported an error without a message",
            ),
        ];
        for (wire, message) in cases {
            assert_eq!(
                map_call_result(result_from(wire)),
                Err(McpError::ToolFailed {
                    message: message.to_owned()
                })
            );
        }
    }

    #[test]
    fn is_error_false_is_a_success() {
        let wire = json!({"content":[{"type":"text","text":"ok"}],"isError":false});
        assert_eq!(
            map_call_result(result_from(wire)),
            Ok(json!({"text": "ok"}))
        );
    }
}
