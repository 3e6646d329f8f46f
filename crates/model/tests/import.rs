//! Import: the three accepted shapes, positions, unknown fields, round trips.

mod common;

use ar_model::graph::{StepConfig, StepType};
use common::parse;
use serde_json::json;

fn steps_only() -> serde_json::Value {
    json!({"steps": [
        {"id": "fetch", "type": "mcp_call", "tool_name": "web_search", "instance_id": "i1", "tool_args": {"q": "{{input.q}}"}},
        {"id": "sum", "type": "llm_call", "model": "m", "prompt": "{{steps.fetch.result}}", "depends_on": ["fetch"]}
    ]})
}

fn canvas() -> serde_json::Value {
    json!({
        "nodes": [
            {"id": "fetch", "position": {"x": 10, "y": 20}, "data": {"step": {"type": "mcp_call", "tool_name": "web_search", "instance_id": "i1", "tool_args": {"q": "{{input.q}}"}}}},
            {"id": "sum", "position": {"x": 10, "y": 120}, "data": {"step": {"id": "sum", "type": "llm_call", "model": "m", "prompt": "{{steps.fetch.result}}"}}}
        ],
        "edges": [{"source": "fetch", "target": "sum"}]
    })
}

fn backend() -> serde_json::Value {
    let mut g = steps_only();
    g["nodes"] = canvas()["nodes"].clone();
    g["edges"] = canvas()["edges"].clone();
    g
}

#[test]
fn the_three_shapes_give_the_same_engine_graph() {
    let a = parse(&steps_only());
    let b = parse(&canvas());
    let c = parse(&backend());
    for p in [&a, &b, &c] {
        assert!(p.issues.is_empty(), "{:?}", p.issues);
    }
    assert_eq!(a.graph.steps, b.graph.steps);
    assert_eq!(a.graph.steps, c.graph.steps);
    assert_eq!(a.graph.to_engine_value(), b.graph.to_engine_value());
    assert_eq!(
        b.graph.step("sum").map(|s| s.depends_on.clone()),
        Some(vec!["fetch".to_string()])
    );
}

#[test]
fn canvas_and_backend_shapes_keep_positions_through_export() {
    for shape in [canvas(), backend()] {
        let parsed = parse(&shape);
        assert_eq!(
            parsed.graph.layout["sum"]["position"],
            json!({"x": 10, "y": 120})
        );
        let again = parse(&parsed.graph.to_value());
        assert_eq!(
            again.graph.layout, parsed.graph.layout,
            "positions survive export → import"
        );
        assert_eq!(again.graph.steps, parsed.graph.steps);
    }
}

#[test]
fn steps_win_over_nodes_in_the_backend_shape() {
    let mut g = backend();
    g["nodes"][1]["data"]["step"]["prompt"] = json!("stale text from the canvas");
    let parsed = parse(&g);
    match &parsed.graph.step("sum").map(|s| &s.config) {
        Some(StepConfig::LlmCall(c)) => {
            assert_eq!(c.prompt.as_deref(), Some("{{steps.fetch.result}}"))
        }
        other => panic!("expected the llm step, got {other:?}"),
    }
}

#[test]
fn a_misspelt_field_is_reported_with_did_you_mean_and_kept_on_export() {
    let parsed = parse(
        &json!({"steps": [{"id": "a", "type": "mcp_call", "tool_nme": "x", "instance_id": "i", "colour": "red"}]}),
    );
    let typo = parsed
        .issues
        .iter()
        .find(|i| i.json_path == "$.steps[0].tool_nme")
        .expect("typo reported");
    assert_eq!(typo.code, "graph_schema_validation");
    assert_eq!(
        typo.suggestion.as_deref(),
        Some("did you mean `tool_name`?")
    );
    let unknown = parsed
        .issues
        .iter()
        .find(|i| i.json_path == "$.steps[0].colour")
        .expect("unknown field reported");
    assert!(unknown.suggestion.is_some());
    let exported = parsed.graph.to_value();
    assert_eq!(exported["steps"][0]["tool_nme"], "x");
    assert_eq!(exported["steps"][0]["colour"], "red");
}

#[test]
fn a_field_of_another_step_type_says_where_it_belongs() {
    let parsed = parse(
        &json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {}", "tool_args": {}}]}),
    );
    let issue = parsed
        .issues
        .iter()
        .find(|i| i.json_path == "$.steps[0].tool_args")
        .expect("reported");
    assert!(
        issue
            .suggestion
            .as_deref()
            .is_some_and(|s| s.contains("mcp_call")),
        "{issue:?}"
    );
}

#[test]
fn an_unknown_type_keeps_the_step_and_its_fields() {
    let parsed = parse(&json!({"steps": [{"id": "a", "type": "lua", "script": "return {}"}]}));
    assert_eq!(parsed.graph.steps.len(), 1);
    assert_eq!(parsed.graph.steps[0].step_type(), None);
    assert_eq!(
        parsed.issues[0].suggestion.as_deref(),
        Some("did you mean `lua_script`?"),
        "{:?}",
        parsed.issues
    );
    assert_eq!(parsed.graph.to_value()["steps"][0]["script"], "return {}");
}

#[test]
fn a_null_type_is_a_missing_type() {
    let parsed = parse(&json!({"steps": [{"id": "a", "type": null}]}));
    assert!(
        parsed
            .issues
            .iter()
            .any(|i| i.code == "missing_field" && i.json_path == "$.steps[0].type"),
        "{:?}",
        parsed.issues
    );
}

#[test]
fn a_non_object_step_is_reported_and_later_paths_match_the_normalized_graph() {
    let parsed = parse(&json!({"steps": [42, {"id": "b", "type": "lua_script", "scirpt": "x"}]}));
    assert_eq!(parsed.graph.steps.len(), 1);
    assert!(
        parsed.issues.iter().any(|i| i.message.contains("entry #0")),
        "{:?}",
        parsed.issues
    );
    assert!(
        parsed
            .issues
            .iter()
            .any(|i| i.json_path == "$.steps[0].scirpt"),
        "{:?}",
        parsed.issues
    );
}

#[test]
fn an_edge_to_a_step_with_a_bad_depends_on_is_reported_not_dropped() {
    let parsed = parse(&json!({
        "nodes": [{"id": "a", "data": {"step": {"type": "lua_script", "script": "x"}}},
                  {"id": "b", "data": {"step": {"type": "lua_script", "script": "x", "depends_on": "a"}}}],
        "edges": [{"source": "a", "target": "b"}]
    }));
    assert!(
        parsed.issues.iter().any(|i| i.json_path == "$.edges[0]"),
        "{:?}",
        parsed.issues
    );
}

#[test]
fn import_export_import_is_stable_for_every_step_type() {
    let graph = json!({"input_schema": {"type": "object"}, "name": "kept", "steps": [
        {"id": "m", "type": "mcp_call", "tool_name": "t", "server_url": "https://x", "retry_count": 2, "timeout_s": 30},
        {"id": "l", "type": "llm_call", "model": "m", "prompt": "p", "llm_params": {"temperature": 0.2}, "condition": "{{input.go}}"},
        {"id": "h", "type": "human_task", "task_type": "approval", "task_payload": {"t": 1}, "position": {"x": 1, "y": 2}},
        {"id": "e", "type": "for_each", "for_each_items": [1, 2], "for_each_max_parallel": 3, "for_each_error_policy": "continue_on_error",
         "for_each_body_steps": [{"id": "x", "type": "lua_script", "script": "return {}"}]},
        {"id": "w", "type": "while", "while_mode": "while", "while_max_iterations": 4, "while_eval_script": "return {pass=true}",
         "while_body_steps": [{"id": "y", "type": "agent_call", "agent_id": "ag", "input": {"k": 1}}]},
        {"id": "n", "type": "lua_script", "script": "return {}", "enabled": false, "no_auto_start": true}
    ]});
    let first = parse(&graph);
    assert!(first.issues.is_empty(), "{:?}", first.issues);
    let second = parse(&first.graph.to_value());
    assert_eq!(first.graph, second.graph);
    assert_eq!(second.graph.extra["name"], "kept");
    assert_eq!(
        first
            .graph
            .steps
            .iter()
            .filter_map(|s| s.step_type())
            .collect::<Vec<_>>()
            .len(),
        6
    );
    assert!(StepType::ALL.iter().all(|t| {
        first
            .graph
            .all_steps()
            .any(|(_, s)| s.step_type() == Some(*t))
    }));
}
