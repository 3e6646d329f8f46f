//! `graph_hash`: stable under key order, whitespace and editor data; changed by real edits.

mod common;

use ar_model::hash::graph_hash;
use ar_model::import::{GraphLimits, parse_graph_bytes};
use common::parse;
use serde_json::json;

fn hash_of_text(text: &str) -> String {
    graph_hash(
        &parse_graph_bytes(text.as_bytes(), &GraphLimits::default())
            .expect("readable")
            .graph,
    )
}

const BASE: &str = r#"{"steps":[{"id":"a","type":"lua_script","script":"return {}"},{"id":"b","type":"mcp_call","tool_name":"t","instance_id":"i","tool_args":{"x":1,"y":[1,2]},"depends_on":["a"]}],"input_schema":{"type":"object","properties":{"q":{"type":"string"}}}}"#;

#[test]
fn reordered_keys_and_whitespace_give_the_same_hash() {
    let reordered = r#"
    {
      "input_schema": { "properties": { "q": { "type": "string" } }, "type": "object" },
      "steps": [
        { "script": "return {}", "type": "lua_script", "id": "a" },
        { "depends_on": ["a"], "tool_args": { "y": [1, 2], "x": 1 }, "instance_id": "i", "tool_name": "t", "type": "mcp_call", "id": "b" }
      ]
    }"#;
    assert_eq!(hash_of_text(BASE), hash_of_text(reordered));
}

#[test]
fn positions_and_editor_data_do_not_change_the_hash() {
    let mut with_positions: serde_json::Value = serde_json::from_str(BASE).expect("json");
    with_positions["steps"][0]["position"] = json!({"x": 5, "y": 7});
    with_positions["nodes"] = json!([{"id": "a", "position": {"x": 100, "y": 200}}]);
    with_positions["name"] = json!("my flow");
    let moved = graph_hash(&parse(&with_positions).graph);
    assert_eq!(hash_of_text(BASE), moved);
    with_positions["nodes"][0]["position"]["x"] = json!(999);
    assert_eq!(moved, graph_hash(&parse(&with_positions).graph));
}

#[test]
fn the_canvas_shape_hashes_like_the_steps_shape() {
    let canvas = json!({
        "nodes": [
            {"id": "a", "position": {"x": 0, "y": 0}, "data": {"step": {"type": "lua_script", "script": "return {}"}}},
            {"id": "b", "position": {"x": 0, "y": 100}, "data": {"step": {"type": "mcp_call", "tool_name": "t", "instance_id": "i", "tool_args": {"x": 1, "y": [1, 2]}}}}
        ],
        "edges": [{"source": "a", "target": "b"}],
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}
    });
    assert_eq!(hash_of_text(BASE), graph_hash(&parse(&canvas).graph));
}

#[test]
fn real_changes_change_the_hash() {
    let base = hash_of_text(BASE);
    let edits = [
        ("a script", BASE.replace("return {}", "return {n=1}")),
        (
            "a dependency",
            BASE.replace(r#""depends_on":["a"]"#, r#""depends_on":[]"#),
        ),
        ("an argument", BASE.replace(r#""x":1"#, r#""x":2"#)),
        ("array order", BASE.replace("[1,2]", "[2,1]")),
        (
            "the input schema",
            BASE.replace(r#""type":"string""#, r#""type":"number""#),
        ),
        (
            "a control",
            BASE.replace(r#""id":"a","#, r#""id":"a","enabled":false,"#),
        ),
    ];
    for (what, text) in edits {
        assert_ne!(text, BASE, "the edit of {what} must apply");
        assert_ne!(
            hash_of_text(&text),
            base,
            "changing {what} must change the hash"
        );
    }
}

#[test]
fn the_hash_is_hex_sha256() {
    let h = hash_of_text(BASE);
    assert_eq!(h.len(), 64);
    assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
}

/// Hashes are stored with every published version, so the canonical form may never change:
/// this pins the digest of a graph whose text needs escaping (quotes, backslashes, control
/// characters, non-ASCII) and holds fractional and negative numbers.
#[test]
fn the_hash_of_a_known_graph_never_changes() {
    let text = r#"{"steps":[{"id":"a","type":"lua_script","script":"return { s = \"tab\\there \u00e9 \\\\ \u0001\" }"},
        {"id":"b","type":"mcp_call","tool_name":"t","instance_id":"i","depends_on":["a"],
         "tool_args":{"z":-1.25,"a":[true,null,"{{ steps.a.result.s }}"],"ü":{"k":0.1}}}],
        "input_schema":{"type":"object","properties":{"q":{"type":"string","default":"x\ny"}}}}"#;
    assert_eq!(hash_of_text(text), PINNED_HASH);
}

/// SHA-256 of the canonical text, computed independently of this crate (Python's
/// `json.dumps(graph, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`).
const PINNED_HASH: &str = "19e03e88ea9239a6310eb51973ce3395e6f628418feb0a0e27a9ddfbbc2479c0";
