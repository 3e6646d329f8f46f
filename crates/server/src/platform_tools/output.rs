//! A tool's output JSON Schema (`outputSchema` in `tools/list`). A tool that is one REST
//! route answers that route's JSON as its `structuredContent` (docs/platform-mcp.md), so
//! its schema is the route's typed response schema from the OpenAPI document
//! (`crate::openapi::response_body`), made self-contained: the component schemas it refers to
//! go under `$defs`, and the refs point there. Tools without a typed route (composed
//! tools, routes still in `UNTYPED_RESPONSES`, answers that are not objects) keep the
//! schema of their fixed top-level fields.

use serde_json::{Map, Value};

use crate::openapi::{Answer, response_body};
use crate::platform_tools::ToolSpec;
use crate::routes;

const COMPONENTS: &str = "#/components/schemas/";
const DEFS: &str = "#/$defs/";

/// The typed schema of the tool's route's success answer, if it has one that is an object.
pub fn typed(tool: &ToolSpec) -> Option<Map<String, Value>> {
    let routes = tool.routes();
    let [(method, path)] = routes.as_slice() else {
        return None;
    };
    let spec = routes::specs()
        .into_iter()
        .find(|s| s.method == method && s.path == *path)?;
    let Some(Answer::Json {
        name, components, ..
    }) = response_body(&spec)
    else {
        return None;
    };
    let mut defs = Map::new();
    for (component, schema) in components {
        let mut schema = serde_json::to_value(schema).ok()?;
        point_refs_at_defs(&mut schema);
        defs.insert(component, schema);
    }
    let Value::Object(mut root) = defs.get(&name)?.clone() else {
        return None;
    };
    // MCP wants an object at the top; a flattened type is an `allOf` of objects.
    match root.get("type") {
        Some(Value::String(t)) if t == "object" => {}
        None if root.contains_key("allOf") => {
            root.insert("type".into(), Value::String("object".into()));
        }
        _ => return None,
    }
    defs.remove(&name);
    if !defs.is_empty() {
        root.insert("$defs".into(), Value::Object(defs));
    }
    Some(root)
}

/// Rewrites every `$ref` to `#/components/schemas/X` as `#/$defs/X`.
fn point_refs_at_defs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(name) = r.strip_prefix(COMPONENTS)
            {
                *r = format!("{DEFS}{name}");
            }
            map.values_mut().for_each(point_refs_at_defs);
        }
        Value::Array(items) => items.iter_mut().for_each(point_refs_at_defs),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform_tools::table::tools;

    /// Every `$ref` in `schema` points into its own `$defs`, at an entry that exists.
    fn refs_resolve(schema: &Map<String, Value>) -> Result<(), String> {
        let defs = schema
            .get("$defs")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        fn walk(v: &Value, defs: &Map<String, Value>) -> Result<(), String> {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        let name = r.strip_prefix(DEFS).ok_or(format!("foreign ref {r}"))?;
                        if !defs.contains_key(name) {
                            return Err(format!("dangling ref {r}"));
                        }
                    }
                    m.values().try_for_each(|v| walk(v, defs))
                }
                Value::Array(a) => a.iter().try_for_each(|v| walk(v, defs)),
                _ => Ok(()),
            }
        }
        walk(&Value::Object(schema.clone()), &defs)
    }

    #[test]
    fn typed_output_schemas_are_self_contained_objects() {
        let mut typed_tools = 0;
        for tool in &tools() {
            if let Some(schema) = typed(tool) {
                typed_tools += 1;
                assert_eq!(schema["type"], "object", "{}", tool.name);
                refs_resolve(&schema).unwrap_or_else(|e| panic!("{}: {e}", tool.name));
                let text = serde_json::to_string(&schema).expect("json");
                assert!(!text.contains(COMPONENTS), "{}", tool.name);
            }
        }
        assert!(
            typed_tools > 20,
            "only {typed_tools} tools have typed output schemas"
        );
    }

    #[test]
    fn a_tool_of_a_typed_route_gets_its_fields_and_a_composed_tool_does_not() {
        let all = tools();
        let get = |name: &str| {
            all.iter()
                .find(|t| t.name == name)
                .unwrap_or_else(|| panic!("{name}"))
        };
        let summary = typed(get("runs_get_summary")).expect("typed");
        let props = summary["properties"].as_object().expect("properties");
        for field in ["run_id", "status", "orchestration_phase", "run_complete"] {
            assert!(props.contains_key(field), "{field}: {summary:?}");
        }
        assert_eq!(typed(get("ar_health_summary")), None);
    }
}
