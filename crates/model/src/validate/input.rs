//! The run input as validation sees it (given payload + schema defaults + declared
//! properties), and the `input_schema` check.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::Run;
use super::request::CheckName;
use crate::issue::{Issue, codes};

/// What `{{input.*}}` can be expected to hold at run time.
pub(crate) struct InputModel {
    /// False when neither a payload nor schema properties were given: `input.*` paths
    /// cannot be judged and are not reported.
    pub known: bool,
    /// The payload with the schema's top-level defaults filled in.
    pub value: Value,
    /// Top-level properties the schema declares: present at run time when the caller
    /// gives them, so a path into one counts as resolvable.
    pub declared: HashSet<String>,
}

impl InputModel {
    pub fn new(payload: Option<&Value>, schema: Option<&Value>) -> Self {
        let properties = schema
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object);
        let mut value = match payload {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let mut declared = HashSet::new();
        for (name, property) in properties.into_iter().flatten() {
            declared.insert(name.clone());
            if let Some(default) = property.get("default")
                && !value.contains_key(name)
            {
                value.insert(name.clone(), default.clone());
            }
        }
        InputModel {
            known: payload.is_some() || properties.is_some_and(|p| !p.is_empty()),
            value: Value::Object(value),
            declared,
        }
    }
}

/// `input_schema`: the schema compiles as a JSON Schema, and the given payload satisfies it.
pub(crate) fn check_input_schema(run: &mut Run<'_>) {
    const CHECK: CheckName = CheckName::InputSchema;
    let Some(schema) = run.graph.input_schema.as_ref() else {
        run.not_applicable(CHECK);
        return;
    };
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(error) => {
            let at = pointer_to_path("$.input_schema", error.instance_path().as_str());
            run.report(
                CHECK,
                Issue::error(codes::INPUT_SCHEMA_INVALID, None, at, format!("`input_schema` is not a valid JSON Schema: {error}"))
                    .with_suggestion("fix the schema; e.g. {\"type\": \"object\", \"properties\": {\"topic\": {\"type\": \"string\"}}, \"required\": [\"topic\"]}"),
            );
            return;
        }
    };
    let Some(payload) = run
        .request
        .params
        .as_ref()
        .and_then(|p| p.trigger_payload.as_ref())
    else {
        return;
    };
    let mut issues = Vec::new();
    for error in validator.iter_errors(payload) {
        let at = pointer_to_path("$.params.trigger_payload", error.instance_path().as_str());
        issues.push(
            Issue::error(
                codes::INPUT_INVALID,
                None,
                at,
                format!("the trigger payload does not satisfy `input_schema`: {error}"),
            )
            .with_suggestion("change the payload, or the schema if it is too strict"),
        );
    }
    for issue in issues {
        run.report(CHECK, issue);
    }
}

/// `$.x` + JSON pointer `/a/0/b~1c` → `$.x.a[0]["b/c"]`.
pub(crate) fn pointer_to_path(base: &str, pointer: &str) -> String {
    let mut out = base.to_string();
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{key}]"));
        } else if !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            out.push('.');
            out.push_str(&key);
        } else {
            out.push_str(&format!("[{}]", Value::String(key)));
        }
    }
    out
}
