//! The run-start input (`trigger_payload`) against the graph's `input_schema`.

use serde_json::{Map, Value};

/// Fills in the `default` of every schema property the payload leaves out, recursively
/// through nested object properties, so a run sees the same input a form pre-filled from the
/// schema would send. Keys the payload does give (even `null`) are never overwritten. A
/// missing payload (`null`) for an object schema starts from `{}`; other non-object payloads
/// are left alone (schema validation reports them).
pub fn apply_schema_defaults(schema: &Value, payload: &mut Value) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    if payload.is_null() {
        *payload = Value::Object(Map::new());
    }
    let Value::Object(object) = payload else {
        return;
    };
    for (key, property) in properties {
        match object.get_mut(key) {
            Some(present) => {
                if present.is_object() {
                    apply_schema_defaults(property, present);
                }
            }
            None => {
                if let Some(default) = property.get("default") {
                    object.insert(key.clone(), default.clone());
                } else if property.get("properties").is_some() {
                    // Nested defaults only: create the object when it would hold something.
                    let mut nested = Value::Null;
                    apply_schema_defaults(property, &mut nested);
                    if nested.as_object().is_some_and(|o| !o.is_empty()) {
                        object.insert(key.clone(), nested);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_fill_only_missing_keys() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "number", "default": 1},
            "b": {"type": "string", "default": "x"},
            "c": {"type": "string"},
            "nested": {"type": "object", "properties": {"depth": {"default": 3}, "keep": {}}},
            "empty": {"type": "object", "properties": {"none": {}}}
        }});
        let cases = [
            (
                json!(null),
                json!({"a": 1, "b": "x", "nested": {"depth": 3}}),
            ),
            (json!({}), json!({"a": 1, "b": "x", "nested": {"depth": 3}})),
            (
                json!({"a": 5, "b": null}),
                json!({"a": 5, "b": null, "nested": {"depth": 3}}),
            ),
            (
                json!({"nested": {"keep": 1}}),
                json!({"a": 1, "b": "x", "nested": {"keep": 1, "depth": 3}}),
            ),
            (
                json!({"nested": {"depth": 0}, "extra": true}),
                json!({"a": 1, "b": "x", "nested": {"depth": 0}, "extra": true}),
            ),
            (json!([1, 2]), json!([1, 2])),
        ];
        for (given, want) in cases {
            let mut payload = given.clone();
            apply_schema_defaults(&schema, &mut payload);
            assert_eq!(payload, want, "given {given}");
        }
    }

    #[test]
    fn a_schema_without_properties_changes_nothing() {
        let mut payload = json!({"a": 1});
        apply_schema_defaults(&json!({"type": "object"}), &mut payload);
        assert_eq!(payload, json!({"a": 1}));
        let mut missing = Value::Null;
        apply_schema_defaults(&json!(true), &mut missing);
        assert_eq!(missing, Value::Null);
    }
}
