//! Hostile or broken input: each gives a clear error, never a panic or a stack overflow.

mod common;

use ar_model::import::{GraphError, GraphLimits, parse_graph_bytes, parse_graph_value};
use ar_model::validate::{ValidateRequest, ValidationContext, validate};
use common::parse;
use serde_json::{Value, json};

fn limits() -> GraphLimits {
    GraphLimits::default()
}

#[test]
fn a_50_mb_graph_is_refused_by_size_before_parsing() {
    let mut bytes = b"{\"steps\": [], \"pad\": \"".to_vec();
    bytes.resize(50 * 1024 * 1024, b'x');
    bytes.extend_from_slice(b"\"}");
    match parse_graph_bytes(&bytes, &limits()) {
        Err(GraphError::TooLarge { bytes: n, limit }) => {
            assert_eq!(n, bytes.len());
            assert_eq!(limit, limits().max_bytes);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn json_nested_10000_levels_is_refused_as_too_deep() {
    let depth = 10_000;
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let error = parse_graph_bytes(text.as_bytes(), &limits()).expect_err("too deep");
    assert!(matches!(error, GraphError::TooDeep { .. }), "{error:?}");
    assert!(error.is_unreadable());
    assert!(error.to_string().contains("deeper"), "{error}");
}

#[test]
fn a_step_field_nested_10000_levels_deep_is_refused_as_bytes() {
    let depth = 10_000;
    let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let text = format!(
        r#"{{"steps": [{{"id": "a", "type": "mcp_call", "tool_name": "t", "instance_id": "i", "tool_args": {deep}}}]}}"#
    );
    let error = parse_graph_bytes(text.as_bytes(), &limits()).expect_err("too deep");
    assert!(
        matches!(error, GraphError::TooDeep { line: 1, .. }),
        "{error:?}"
    );
}

/// Builds `[[[…1…]]]` without recursion; dropped by unwinding it level by level.
fn nested(depth: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..depth {
        v = Value::Array(vec![v]);
    }
    v
}

/// Drops a deep value iteratively (serde_json's drop recurses).
fn dismantle(mut v: Value) {
    loop {
        match v {
            Value::Array(mut items) if !items.is_empty() => v = items.swap_remove(0),
            Value::Object(map) => match map.into_iter().next() {
                Some((_, inner)) => v = inner,
                None => break,
            },
            _ => break,
        }
    }
}

#[test]
fn a_step_field_nested_10000_levels_deep_in_memory_is_refused() {
    let mut graph =
        json!({"steps": [{"id": "a", "type": "mcp_call", "tool_name": "t", "instance_id": "i"}]});
    graph["steps"][0]["tool_args"] = nested(10_000);
    let result = parse_graph_value(&graph, &limits());
    match &result {
        Err(GraphError::ValueTooDeep { json_path, .. }) => assert_eq!(json_path, "$.steps[0]"),
        other => panic!("expected ValueTooDeep, got {other:?}"),
    }
    if let Some(args) = graph["steps"][0].get_mut("tool_args") {
        dismantle(args.take());
    }
}

#[test]
fn a_field_nested_to_exactly_the_limit_is_still_read_and_validated() {
    // 128 levels in total, like serde_json: graph object, steps array, step object, 125 more.
    let mut graph =
        json!({"steps": [{"id": "a", "type": "mcp_call", "tool_name": "t", "instance_id": "i"}]});
    graph["steps"][0]["tool_args"] = nested(124);
    let text = graph.to_string();
    let parsed = parse_graph_bytes(text.as_bytes(), &limits()).expect("at the limit");
    let response = validate(
        &parsed,
        &ValidateRequest::default(),
        &ValidationContext::default(),
    );
    assert!(response.valid, "{:?}", response.issues);
}

#[test]
fn a_100000_step_graph_is_refused_by_count() {
    let steps: Vec<Value> = (0..100_000)
        .map(|i| json!({"id": format!("s{i}"), "type": "lua_script", "script": "return {}"}))
        .collect();
    let graph = json!({ "steps": steps });
    match parse_graph_value(&graph, &limits()) {
        Err(GraphError::TooManySteps {
            count: 100_000,
            limit,
        }) => assert_eq!(limit, limits().max_steps),
        other => panic!(
            "expected TooManySteps, got {:?}",
            other.map(|p| p.graph.steps.len())
        ),
    }
}

#[test]
fn inner_steps_count_toward_the_step_limit_at_any_depth() {
    let inner: Vec<Value> = (0..60)
        .map(|i| json!({"id": format!("i{i}"), "type": "lua_script", "script": "x"}))
        .collect();
    let nested_loop =
        json!({"id": "n", "type": "for_each", "for_each_items": [], "for_each_body_steps": inner});
    let graph = json!({"steps": [{"id": "e", "type": "for_each", "for_each_items": [], "for_each_body_steps": [nested_loop]}]});
    let small = GraphLimits {
        max_steps: 50,
        ..limits()
    };
    assert!(matches!(
        parse_graph_value(&graph, &small),
        Err(GraphError::TooManySteps { count: 62, .. })
    ));
}

#[test]
fn non_utf8_bytes_are_refused_with_their_offset() {
    let bytes = b"{\"steps\": [\"\xff\xfe\"]}";
    match parse_graph_bytes(bytes, &limits()) {
        Err(e @ GraphError::NotUtf8 { offset: 12 }) => assert!(e.to_string().contains("UTF-8")),
        other => panic!("expected NotUtf8 at 12, got {other:?}"),
    }
}

#[test]
fn nested_template_braces_are_a_template_syntax_issue() {
    let parsed = parse(
        &json!({"steps": [{"id": "a", "type": "mcp_call", "tool_name": "t", "instance_id": "i", "tool_args": {"q": "{{input.a{{input.b}}}}"}}]}),
    );
    let response = validate(
        &parsed,
        &ValidateRequest::default(),
        &ValidationContext::default(),
    );
    let issue = response
        .issues
        .iter()
        .find(|i| i.code == "template_syntax")
        .expect("syntax issue");
    assert_eq!(issue.json_path, "$.steps[0].tool_args.q");
    assert!(!response.valid);
}

#[test]
fn other_unreadable_shapes_have_clear_errors() {
    let cases: [(&[u8], &str); 5] = [
        (b"[1, 2]", "must be a JSON object"),
        (b"{\"name\": \"x\"}", "neither `steps` nor `nodes`"),
        (b"{\"steps\": {}}", "`steps` must be an array"),
        (b"{\"steps\": [}", "not valid JSON"),
        (b"", "not valid JSON"),
    ];
    for (bytes, expected) in cases {
        let error = parse_graph_bytes(bytes, &limits()).expect_err("unreadable");
        assert!(
            error.to_string().contains(expected),
            "{:?}: {error}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn loops_nested_deeper_than_import_reads_are_kept_and_reported() {
    let deepest = json!({"id": "z", "type": "lua_script", "script": "x"});
    let level2 = json!({"id": "y", "type": "for_each", "for_each_items": [], "for_each_body_steps": [deepest]});
    let level1 = json!({"id": "x", "type": "for_each", "for_each_items": [], "for_each_body_steps": [level2]});
    let graph = json!({"steps": [{"id": "w", "type": "for_each", "for_each_items": [], "for_each_body_steps": [level1]}]});
    let parsed = parse(&graph);
    let response = validate(
        &parsed,
        &ValidateRequest::default(),
        &ValidationContext::default(),
    );
    assert!(
        response
            .issues
            .iter()
            .any(|i| i.code == "body_step_not_allowed"),
        "{:?}",
        response.issues
    );
    assert_eq!(
        parse(&parsed.graph.to_value()).graph,
        parsed.graph,
        "the unread level survives export"
    );
}
