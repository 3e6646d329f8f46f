//! The `params` of a start command (docs/contract.md §7), as the server completes them before the
//! engine sees them: the two keys only the server understands (`version`,
//! `use_run_setup_defaults`), the version's saved run setup merged in on request, and the
//! trigger payload completed from and checked against the graph's `input_schema`.

use ar_engine::{EngineError, StartParams};
use ar_model::import::ParsedGraph;
use ar_model::input::apply_schema_defaults;
use ar_model::issue::Severity;
use ar_model::validate::{CheckName, ValidateParams, ValidateRequest, ValidationContext, validate};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// A start command's params, read.
#[derive(Debug, Clone, PartialEq)]
pub struct StartRequest {
    /// What the engine runs with (trigger payload, per-step input, exclusions, client run
    /// id, reuse of an earlier run).
    pub params: StartParams,
    /// The version to run; `None`: the latest published one.
    pub version: Option<i64>,
    pub use_run_setup_defaults: bool,
}

impl StartRequest {
    /// Reads `params` as sent. Bare params (none of the structured keys) are the trigger
    /// payload; a structured key of the wrong type is a 400 naming it.
    pub fn read(params: &Value) -> ApiResult<StartRequest> {
        let parsed = StartParams::from_value(params).map_err(|e| match e {
            EngineError::InvalidInput(msg) => ApiError::bad_request(msg),
            other => other.into(),
        })?;
        // Both keys make params structured (the engine's rule), so reading them from the
        // object never takes them out of a bare trigger payload.
        let get = |key: &str| params.get(key).filter(|v| !v.is_null());
        let version = match get("version") {
            None => None,
            Some(v) => Some(v.as_i64().filter(|n| *n >= 1).ok_or_else(|| {
                ApiError::bad_request("params.version must be a version number (an integer ≥ 1)")
            })?),
        };
        let use_run_setup_defaults = match get("use_run_setup_defaults") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| {
                ApiError::bad_request("params.use_run_setup_defaults must be a boolean")
            })?,
        };
        Ok(StartRequest {
            params: parsed,
            version,
            use_run_setup_defaults,
        })
    }
}

/// Merges a version's saved run setup (`trigger_payload`, `trigger_steps`,
/// `trigger_step_ids`) under the request: keys the request gives win, per payload key and
/// per key of each step's input. `trigger_step_ids` lists steps to trigger with no input of
/// their own (the grant a `no_auto_start` root needs): each becomes an empty
/// `trigger_steps` entry unless one is already there.
pub fn merge_run_setup(params: &mut StartParams, run_setup: &Value) {
    if let Some(defaults) = run_setup.get("trigger_payload").and_then(Value::as_object) {
        fill_missing(&mut params.trigger_payload, defaults);
    }
    if let Some(defaults) = run_setup.get("trigger_steps").and_then(Value::as_object) {
        for (step, input) in defaults {
            match params.trigger_steps.get_mut(step) {
                Some(Value::Object(given)) => {
                    if let Some(input) = input.as_object() {
                        fill_missing(given, input);
                    }
                }
                Some(_) => {}
                None => {
                    params.trigger_steps.insert(step.clone(), input.clone());
                }
            }
        }
    }
    if let Some(ids) = run_setup.get("trigger_step_ids").and_then(Value::as_array) {
        for id in ids.iter().filter_map(Value::as_str) {
            params
                .trigger_steps
                .entry(id.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
}

fn fill_missing(given: &mut Map<String, Value>, defaults: &Map<String, Value>) {
    for (key, value) in defaults {
        given.entry(key.clone()).or_insert_with(|| value.clone());
    }
}

/// Completes the trigger payload with the `input_schema`'s defaults and checks it against
/// the schema: 422 with every problem as an `issues` entry (the dry-run issue shape).
pub fn check_input(parsed: &ParsedGraph, params: &mut StartParams) -> ApiResult<()> {
    let Some(schema) = &parsed.graph.input_schema else {
        return Ok(());
    };
    let mut payload = Value::Object(std::mem::take(&mut params.trigger_payload));
    apply_schema_defaults(schema, &mut payload);
    let request = ValidateRequest {
        params: Some(ValidateParams {
            trigger_payload: Some(payload.clone()),
        }),
        checks: Some(vec![CheckName::InputSchema]),
        ..Default::default()
    };
    let report = validate(parsed, &request, &ValidationContext::default());
    if let Value::Object(completed) = payload {
        params.trigger_payload = completed;
    }
    let errors: Vec<_> = report
        .issues
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    let summary = errors
        .iter()
        .map(|i| i.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let issues = serde_json::to_value(&errors).map_err(ApiError::internal)?;
    Err(ApiError::unprocessable(format!(
        "the trigger payload does not satisfy the workflow's input_schema: {summary}"
    ))
    .with("issues", issues))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bare_params_are_the_payload_and_structured_keys_are_read() {
        let bare = StartRequest::read(&json!({"topic": "x"})).expect("bare");
        assert_eq!(
            bare.params.trigger_payload,
            json!({"topic": "x"}).as_object().cloned().unwrap()
        );
        assert_eq!(bare.version, None);
        let structured = StartRequest::read(&json!({
            "trigger_payload": {"a": 1}, "version": 2, "use_run_setup_defaults": true
        }))
        .expect("structured");
        assert_eq!(structured.version, Some(2));
        assert!(structured.use_run_setup_defaults);
        for bad in [
            json!({"version": "2"}),
            json!({"version": 0}),
            json!({"use_run_setup_defaults": 1}),
            json!({"trigger_payload": []}),
        ] {
            let e = StartRequest::read(&bad).expect_err("refused");
            assert_eq!(e.status, 400, "{bad}: {}", e.message);
        }
    }

    #[test]
    fn run_setup_fills_only_what_the_request_leaves_out() {
        let mut params = StartRequest::read(&json!({
            "trigger_payload": {"topic": "mine"},
            "trigger_steps": {"s1": {"k": "mine"}}
        }))
        .expect("read")
        .params;
        merge_run_setup(
            &mut params,
            &json!({
                "trigger_payload": {"topic": "saved", "lang": "en"},
                "trigger_steps": {"s1": {"k": "saved", "extra": 1}, "s2": {"z": true}},
                "trigger_step_ids": ["s3", "s2"]
            }),
        );
        assert_eq!(
            Value::Object(params.trigger_payload),
            json!({"topic": "mine", "lang": "en"})
        );
        assert_eq!(
            Value::Object(params.trigger_steps),
            json!({"s1": {"k": "mine", "extra": 1}, "s2": {"z": true}, "s3": {}})
        );
    }
}
