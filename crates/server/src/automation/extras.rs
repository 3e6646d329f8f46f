//! A webhook subscription's `extras` (docs/contract.md §10): the start parameters applied
//! to every delivery.
//!
//! As hosted, `extras` holds start parameters — `trigger_payload`, `trigger_steps`,
//! `excluded_step_ids`, `use_run_setup_defaults` — and each delivery's body becomes the
//! run's `trigger_payload`, merged over `extras.trigger_payload` (the body wins). Before
//! that shape was adopted, `extras` here was a flat object of payload defaults; a
//! subscription whose `extras` names none of those four keys is still read that way, so
//! existing subscriptions keep working.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::runs::params::StartRequest;

/// The start parameters `extras` may hold.
const START_KEYS: [&str; 4] = [
    "trigger_payload",
    "trigger_steps",
    "excluded_step_ids",
    "use_run_setup_defaults",
];

/// Checks `extras` as sent on create or patch: a JSON object; when it holds start
/// parameters, only those, each of the type a start command takes (400 naming the key).
pub fn check(extras: Option<Value>) -> ApiResult<Option<Value>> {
    let fields = match extras {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(fields)) => fields,
        Some(_) => return Err(ApiError::bad_request("`extras` must be a JSON object")),
    };
    if is_start_params(&fields) {
        if let Some(other) = fields.keys().find(|k| !START_KEYS.contains(&k.as_str())) {
            return Err(ApiError::bad_request(format!(
                "`extras.{other}` is not a start parameter; `extras` takes {} (payload defaults go in `extras.trigger_payload`)",
                START_KEYS.map(|k| format!("`{k}`")).join(", ")
            )));
        }
        StartRequest::read(&Value::Object(fields.clone()))
            .map_err(|e| ApiError::bad_request(format!("`extras`: {}", e.message)))?;
    }
    Ok(Some(Value::Object(fields)))
}

/// The start params of one delivery: `extras`' start parameters with the body's fields
/// merged over `extras.trigger_payload` (or, for flat legacy extras, over `extras`).
pub fn start_params(extras: &Value, body: Map<String, Value>) -> Value {
    let fields = extras.as_object().cloned().unwrap_or_default();
    if !is_start_params(&fields) {
        let mut payload = fields;
        payload.extend(body);
        return json!({ "trigger_payload": payload });
    }
    let mut params = fields;
    let mut payload = params
        .remove("trigger_payload")
        .and_then(|p| match p {
            Value::Object(o) => Some(o),
            _ => None,
        })
        .unwrap_or_default();
    payload.extend(body);
    params.insert("trigger_payload".into(), Value::Object(payload));
    Value::Object(params)
}

fn is_start_params(fields: &Map<String, Value>) -> bool {
    START_KEYS.iter().any(|k| fields.contains_key(*k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    #[test]
    fn the_body_is_merged_over_the_hosted_trigger_payload() {
        let extras = json!({
            "trigger_payload": {"source": "shopify", "env": "prod"},
            "excluded_step_ids": ["notify"],
            "use_run_setup_defaults": true
        });
        let params = start_params(&extras, body(json!({"env": "staging", "order": 7})));
        assert_eq!(
            params,
            json!({
                "trigger_payload": {"source": "shopify", "env": "staging", "order": 7},
                "excluded_step_ids": ["notify"],
                "use_run_setup_defaults": true
            })
        );
    }

    #[test]
    fn flat_extras_stay_payload_defaults() {
        let params = start_params(
            &json!({"source": "legacy"}),
            body(json!({"order": 1, "source": "body"})),
        );
        assert_eq!(
            params,
            json!({"trigger_payload": {"source": "body", "order": 1}})
        );
        // No extras at all: the body alone.
        assert_eq!(
            start_params(&json!({}), body(json!({"a": 1}))),
            json!({"trigger_payload": {"a": 1}})
        );
    }

    #[test]
    fn checks_name_the_offending_key() {
        let err = check(Some(json!({"trigger_payload": {}, "source": "x"}))).unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(err.message.contains("extras.source"), "{}", err.message);
        let err = check(Some(json!({"use_run_setup_defaults": "yes"}))).unwrap_err();
        assert!(
            err.message.contains("use_run_setup_defaults"),
            "{}",
            err.message
        );
        let err = check(Some(json!({"excluded_step_ids": "a"}))).unwrap_err();
        assert!(err.message.contains("excluded_step_ids"), "{}", err.message);
        assert!(check(Some(json!([1]))).is_err());
        assert_eq!(check(None).unwrap(), None);
        assert_eq!(
            check(Some(json!({"flat": 1}))).unwrap(),
            Some(json!({"flat": 1}))
        );
    }
}
