//! Reading a step's resolved inputs (`StepCall::inputs`): the engine has already
//! rendered every `{{ }}` template, so what is left is checking shapes and saying
//! clearly which field is wrong.

use ar_engine::StepFailure;
use serde_json::{Map, Value};

/// The resolved inputs of one step, with the failure code its errors carry.
pub(crate) struct Inputs<'a> {
    fields: &'a Value,
    code: &'static str,
    step_type: &'static str,
}

impl<'a> Inputs<'a> {
    pub(crate) fn new(fields: &'a Value, step_type: &'static str, code: &'static str) -> Self {
        Self {
            fields,
            code,
            step_type,
        }
    }

    /// A text field: absent, `null` and blank count as missing. A template that
    /// resolved to a number is accepted as its text; objects and arrays are refused.
    pub(crate) fn optional_text(&self, name: &str) -> Result<Option<String>, StepFailure> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(scalar @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(scalar.to_string())),
            Some(other) => {
                Err(self.invalid(format!("`{name}` must be text, not {}", json_kind(other))))
            }
        }
    }

    /// A required text field.
    pub(crate) fn text(&self, name: &str) -> Result<String, StepFailure> {
        self.optional_text(name)?
            .ok_or_else(|| self.invalid(format!("`{name}` is missing")))
    }

    /// An object field; absent or `null` is an empty object.
    pub(crate) fn object(&self, name: &str) -> Result<Map<String, Value>, StepFailure> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(object)) => Ok(object.clone()),
            Some(other) => Err(self.invalid(format!(
                "`{name}` must be a JSON object, not {}",
                json_kind(other)
            ))),
        }
    }

    /// A permanent failure of this step type about its configuration.
    pub(crate) fn invalid(&self, what: String) -> StepFailure {
        StepFailure::permanent(self.code, format!("{} step: {what}", self.step_type))
    }
}

/// "an array", "a number", … for error messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_fields_accept_scalars_and_refuse_structures() {
        let fields = json!({"a": "x", "n": 3, "blank": "  ", "o": {"k": 1}, "l": [1]});
        let inputs = Inputs::new(&fields, "mcp_call", "MCP_INVALID_REQUEST");
        assert_eq!(inputs.text("a").expect("text"), "x");
        assert_eq!(inputs.text("n").expect("number as text"), "3");
        assert_eq!(inputs.optional_text("blank").expect("ok"), None);
        assert_eq!(inputs.optional_text("absent").expect("ok"), None);
        let missing = inputs.text("absent").expect_err("missing");
        assert_eq!(missing.code, "MCP_INVALID_REQUEST");
        assert_eq!(missing.message, "mcp_call step: `absent` is missing");
        assert!(!missing.transient);
        for (name, kind) in [("o", "an object"), ("l", "an array")] {
            let error = inputs.text(name).expect_err(name);
            assert!(error.message.contains(kind), "{}", error.message);
        }
    }

    #[test]
    fn object_fields_default_to_empty_and_refuse_other_shapes() {
        let fields = json!({"o": {"k": 1}, "s": "text", "null": null});
        let inputs = Inputs::new(&fields, "llm_call", "LLM_REQUEST_FAILED");
        assert_eq!(inputs.object("o").expect("object")["k"], 1);
        assert!(inputs.object("absent").expect("empty").is_empty());
        assert!(inputs.object("null").expect("empty").is_empty());
        let error = inputs.object("s").expect_err("text is no object");
        assert_eq!(
            error.message,
            "llm_call step: `s` must be a JSON object, not text"
        );
    }
}
