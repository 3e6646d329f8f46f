//! Dry-run validation, one table: each row is a small graph and request, and the exact set
//! of issues (code, step id, JSON path) validation must report.

mod common;

use ar_model::graph::StepType;
use ar_model::validate::{ValidateRequest, ValidationContext, validate};
use common::{FakeLua, FakeProject, parse};
use serde_json::{Value, json};

/// What the caller plugs in for a row.
#[derive(Clone, Copy)]
enum Ctx {
    /// A Lua runtime, no resolver, executors unknown.
    Lua,
    /// As `Lua`, with executors for lua_script only.
    OnlyLuaExecutor,
    /// As `Lua`, with the fake project's MCP resolver.
    Project,
}

struct Row {
    name: &'static str,
    graph: Value,
    request: Value,
    ctx: Ctx,
    /// (code, step id, json path), in any order.
    expected: Vec<(&'static str, Option<&'static str>, &'static str)>,
    valid: bool,
}

fn row(
    name: &'static str,
    graph: Value,
    expected: Vec<(&'static str, Option<&'static str>, &'static str)>,
    valid: bool,
) -> Row {
    Row {
        name,
        graph,
        request: json!({}),
        ctx: Ctx::Lua,
        expected,
        valid,
    }
}

impl Row {
    fn request(mut self, request: Value) -> Row {
        self.request = request;
        self
    }
    fn ctx(mut self, ctx: Ctx) -> Row {
        self.ctx = ctx;
        self
    }
}

fn lua(id: &str, script: &str) -> Value {
    json!({ "id": id, "type": "lua_script", "script": script })
}

fn lua_after(id: &str, deps: &[&str], script: &str) -> Value {
    json!({ "id": id, "type": "lua_script", "script": script, "depends_on": deps })
}

fn mcp(id: &str, args: Value) -> Value {
    json!({ "id": id, "type": "mcp_call", "tool_name": "web_search", "instance_id": "search-1", "tool_args": args })
}

fn for_each(id: &str, items: &str, body: Value) -> Value {
    json!({ "id": id, "type": "for_each", "for_each_items": items, "for_each_body_steps": body })
}

fn while_loop(id: &str, condition: &str, body: Value) -> Value {
    json!({ "id": id, "type": "while", "while_max_iterations": 3, "while_condition": condition, "while_body_steps": body })
}

fn steps(list: Vec<Value>) -> Value {
    json!({ "steps": list })
}

fn rows() -> Vec<Row> {
    vec![
        // ---- passing graphs
        row("a chain reading its direct upstream passes",
            steps(vec![lua("a", "return {}"), json!({"id": "b", "type": "llm_call", "model": "m", "prompt": "sum {{steps.a.result.x}}", "depends_on": ["a"]})]),
            vec![], true),
        row("every step type, correctly configured, passes",
            json!({ "input_schema": {"type": "object", "properties": {"items": {"type": "array"}, "q": {"type": "string"}}},
                    "steps": [
                {"id": "search", "type": "mcp_call", "tool_name": "web_search", "server_url": "https://mcp.example.com", "tool_args": {"query": "{{input.q}}"}},
                {"id": "ask", "type": "llm_call", "model_ref": "direct.openai.gpt-4o-mini", "prompt": "{{steps.search.result}}", "depends_on": ["search"]},
                {"id": "ok", "type": "human_task", "task_payload": {"title": "{{steps.ask.result.text}}"}, "depends_on": ["ask"]},
                for_each("each", "{{input.items}}", json!([lua("double", "return {}"), json!({"id": "say", "type": "llm_call", "model": "m", "prompt": "{{item}} {{index}} {{body.double.v}} {{steps.each.item}}", "depends_on": ["double"]})])),
                while_loop("poll", "{{body.check.done}}", json!([lua("check", "return {}"), json!({"id": "note", "type": "agent_call", "agent_id": "ag", "prompt": "round {{while.iteration}} {{while.prev.check.done | false}}"})])),
            ]}),
            vec![], true),
        row("a template may read a transitive ancestor",
            steps(vec![lua("a", "return {}"), lua_after("b", &["a"], "return {}"), json!({"id": "c", "type": "llm_call", "model": "m", "prompt": "{{steps.a.result}}", "depends_on": ["b"]})]),
            vec![], true),
        row("an inner step may read an ancestor of its loop and the loop's item alias",
            steps(vec![lua("src", "return {}"), json!({"id": "each", "type": "for_each", "depends_on": ["src"], "for_each_items": "{{steps.src.result.list}}",
                "for_each_body_steps": [{"id": "use", "type": "llm_call", "model": "m", "prompt": "{{steps.src.result.x}} {{steps.each.item}}"}]})]),
            vec![], true),
        // ---- graph
        row("an empty graph is refused", steps(vec![]), vec![("empty_graph", None, "$.steps")], false),
        row("a repeated top-level id is a duplicate",
            steps(vec![lua("a", "return {}"), lua("a", "return {}")]),
            vec![("duplicate_step_id", Some("a"), "$.steps[1].id")], false),
        row("a repeated inner id within one body is a duplicate",
            steps(vec![for_each("each", "{{input.x}}", json!([lua("x", "return {}"), lua("x", "return {}")]))]),
            vec![("duplicate_step_id", Some("x"), "$.steps[0].for_each_body_steps[1].id")], false),
        row("an inner id equal to a top-level id is a duplicate",
            steps(vec![lua("a", "return {}"), for_each("each", "{{input.x}}", json!([lua("a", "return {}")]))]),
            vec![("duplicate_step_id", Some("a"), "$.steps[1].for_each_body_steps[0].id")], false),
        // ---- graph_schema (from import)
        row("a misspelt field is reported and the real one is then missing",
            steps(vec![json!({"id": "a", "type": "lua_script", "scirpt": "return {}"})]),
            vec![("graph_schema_validation", Some("a"), "$.steps[0].scirpt"), ("missing_field", Some("a"), "$.steps[0].script")], false),
        row("an unknown step type is reported",
            steps(vec![json!({"id": "a", "type": "lua_scrip", "script": "return {}"})]),
            vec![("graph_schema_validation", Some("a"), "$.steps[0].type")], false),
        row("a step without type is a missing field",
            steps(vec![json!({"id": "a", "script": "return {}"})]),
            vec![("missing_field", Some("a"), "$.steps[0].type")], false),
        row("a step without id is a missing field",
            steps(vec![json!({"type": "lua_script", "script": "return {}"})]),
            vec![("missing_field", None, "$.steps[0].id")], false),
        row("a wrongly typed control is reported",
            steps(vec![json!({"id": "a", "type": "lua_script", "script": "return {}", "retry_count": "3"})]),
            vec![("graph_schema_validation", Some("a"), "$.steps[0].retry_count")], false),
        row("for_each_max_parallel above 100 is reported",
            steps(vec![json!({"id": "e", "type": "for_each", "for_each_items": [1], "for_each_max_parallel": 500, "for_each_body_steps": [lua("x", "return {}")]})]),
            vec![("graph_schema_validation", Some("e"), "$.steps[0].for_each_max_parallel")], false),
        // ---- dependencies
        row("depends_on naming no step",
            steps(vec![lua_after("a", &["nope"], "return {}")]),
            vec![("unknown_dependency", Some("a"), "$.steps[0].depends_on[0]")], false),
        row("an inner step depending on a top-level step",
            steps(vec![lua("top", "return {}"), for_each("each", "{{input.x}}", json!([lua_after("x", &["top"], "return {}")]))]),
            vec![("unknown_dependency", Some("x"), "$.steps[1].for_each_body_steps[0].depends_on[0]")], false),
        row("a cycle of three steps is reported once",
            steps(vec![lua_after("a", &["c"], "return {}"), lua_after("b", &["a"], "return {}"), lua_after("c", &["b"], "return {}")]),
            vec![("cycle", Some("a"), "$.steps[0].depends_on")], false),
        row("a step depending on itself is a cycle",
            steps(vec![lua_after("a", &["a"], "return {}")]),
            vec![("cycle", Some("a"), "$.steps[0].depends_on")], false),
        row("an inner cycle is reported at the inner step",
            steps(vec![for_each("each", "{{input.x}}", json!([lua_after("p", &["q"], "return {}"), lua_after("q", &["p"], "return {}")]))]),
            vec![("cycle", Some("p"), "$.steps[0].for_each_body_steps[0].depends_on")], false),
        row("a template reading a step that is not upstream",
            steps(vec![lua("a", "return {}"), json!({"id": "b", "type": "llm_call", "model": "m", "prompt": "{{steps.a.result}}"})]),
            vec![("template_missing_dependency", Some("b"), "$.steps[1].prompt")], false),
        row("a template reading a downstream step",
            steps(vec![json!({"id": "a", "type": "llm_call", "model": "m", "prompt": "{{steps.b.result}}"}), lua_after("b", &["a"], "return {}")]),
            vec![("template_missing_dependency", Some("a"), "$.steps[0].prompt")], false),
        row("a template reading a step that does not exist",
            steps(vec![json!({"id": "b", "type": "mcp_call", "tool_name": "t", "instance_id": "i", "tool_args": {"q": "{{steps.nope.result}}"}})]),
            vec![("template_missing_dependency", Some("b"), "$.steps[0].tool_args")], false),
        row("an inner step reading its loop step's result",
            steps(vec![for_each("each", "{{input.x}}", json!([json!({"id": "in", "type": "llm_call", "model": "m", "prompt": "{{steps.each.result}}"})]))]),
            vec![("template_missing_dependency", Some("in"), "$.steps[0].for_each_body_steps[0].prompt")], false),
        // ---- step_config
        row("mcp_call without tool_name",
            steps(vec![json!({"id": "m", "type": "mcp_call", "instance_id": "i"})]),
            vec![("missing_field", Some("m"), "$.steps[0].tool_name")], false),
        row("mcp_call without a server is reported once",
            steps(vec![json!({"id": "m", "type": "mcp_call", "tool_name": "t"})]),
            vec![("missing_field", Some("m"), "$.steps[0].instance_id")], false),
        row("llm_call without prompt or model",
            steps(vec![json!({"id": "l", "type": "llm_call"})]),
            vec![("missing_field", Some("l"), "$.steps[0].prompt"), ("missing_field", Some("l"), "$.steps[0].model")], false),
        row("llm_call with a malformed model_ref",
            steps(vec![json!({"id": "l", "type": "llm_call", "model_ref": "gpt-4o", "prompt": "hi"})]),
            vec![("graph_schema_validation", Some("l"), "$.steps[0].model_ref")], false),
        row("lua_script without script",
            steps(vec![json!({"id": "s", "type": "lua_script"})]),
            vec![("missing_field", Some("s"), "$.steps[0].script")], false),
        row("for_each without items and with an empty body",
            steps(vec![json!({"id": "e", "type": "for_each", "for_each_body_steps": []})]),
            vec![("missing_field", Some("e"), "$.steps[0].for_each_items"), ("missing_field", Some("e"), "$.steps[0].for_each_body_steps")], false),
        row("for_each whose items are an empty text (an unfilled editor field)",
            steps(vec![for_each("e", "  ", json!([lua("x", "return {}")]))]),
            vec![("missing_field", Some("e"), "$.steps[0].for_each_items")], false),
        row("while without a cap or a condition",
            steps(vec![json!({"id": "w", "type": "while", "while_body_steps": [lua("x", "return {}")]})]),
            vec![("missing_field", Some("w"), "$.steps[0].while_max_iterations"), ("missing_field", Some("w"), "$.steps[0].while_condition")], false),
        row("agent_call without agent or prompt",
            steps(vec![json!({"id": "g", "type": "agent_call"})]),
            vec![("missing_field", Some("g"), "$.steps[0].agent_id"), ("missing_field", Some("g"), "$.steps[0].prompt")], false),
        row("a human task inside a loop body",
            steps(vec![for_each("e", "{{input.x}}", json!([{"id": "ok", "type": "human_task"}]))]),
            vec![("body_step_not_allowed", Some("ok"), "$.steps[0].for_each_body_steps[0].type")], false),
        row("connection_resolution inherit and workspace are honoured",
            steps(vec![
                json!({"id": "a", "type": "mcp_call", "tool_name": "t", "server_url": "https://x", "connection_resolution": "inherit"}),
                json!({"id": "b", "type": "mcp_call", "tool_name": "t", "server_url": "https://x", "connection_resolution": "workspace"}),
            ]),
            vec![], true),
        row("connection_resolution principal cannot be honoured by this server",
            steps(vec![json!({"id": "a", "type": "mcp_call", "tool_name": "t", "server_url": "https://x", "connection_resolution": "principal"})]),
            vec![("graph_schema_validation", Some("a"), "$.steps[0].connection_resolution")], false),
        row("an unknown connection_resolution is named",
            steps(vec![json!({"id": "a", "type": "mcp_call", "tool_name": "t", "server_url": "https://x", "connection_resolution": "mine"})]),
            vec![("graph_schema_validation", Some("a"), "$.steps[0].connection_resolution")], false),
        row("`terminal` on a top-level step is read, not an unknown field",
            steps(vec![json!({"id": "a", "type": "lua_script", "script": "return {}", "terminal": true})]),
            vec![], true),
        row("`terminal` inside a loop body would end the run from one item",
            steps(vec![for_each("e", "{{input.x}}", json!([{"id": "t", "type": "lua_script", "script": "return {}", "terminal": true}]))]),
            vec![("graph_schema_validation", Some("t"), "$.steps[0].for_each_body_steps[0].terminal")], false),
        row("a loop nested inside a loop body",
            steps(vec![for_each("e", "{{input.x}}", json!([for_each("inner", "{{item}}", json!([lua("x", "return {}")]))]))]),
            vec![("body_step_not_allowed", Some("inner"), "$.steps[0].for_each_body_steps[0].type")], false),
        row("a step type without an executor is a warning",
            steps(vec![lua("a", "return {}"), json!({"id": "m", "type": "mcp_call", "tool_name": "t", "server_url": "https://x"})]),
            vec![("executor_unavailable", Some("m"), "$.steps[1].type")], true).ctx(Ctx::OnlyLuaExecutor),
        // ---- templates
        row("nested braces in a field are a syntax error",
            steps(vec![json!({"id": "l", "type": "llm_call", "model": "m", "prompt": "{{input.a{{input.b}}}}"})]),
            vec![("template_syntax", Some("l"), "$.steps[0].prompt")], false),
        row("a syntax error deep in tool_args is located precisely",
            steps(vec![json!({"id": "m", "type": "mcp_call", "tool_name": "t", "instance_id": "i", "tool_args": {"q": {"list": ["ok", "{{input.}}"]}}})]),
            vec![("template_syntax", Some("m"), "$.steps[0].tool_args.q.list[1]")], false),
        row("an unknown root name is a syntax error",
            steps(vec![json!({"id": "l", "type": "llm_call", "model": "m", "prompt": "{{inputs.a}}"})]),
            vec![("template_syntax", Some("l"), "$.steps[0].prompt")], false),
        row("item outside a for_each body",
            steps(vec![json!({"id": "l", "type": "llm_call", "model": "m", "prompt": "{{item.name}}"})]),
            vec![("template_unresolved", Some("l"), "$.steps[0].prompt")], false),
        row("body naming a step that is not a sibling",
            steps(vec![for_each("e", "{{input.x}}", json!([lua("a", "return {}"), json!({"id": "b", "type": "llm_call", "model": "m", "prompt": "{{body.c.v}}"})]))]),
            vec![("template_unresolved", Some("b"), "$.steps[0].for_each_body_steps[1].prompt")], false),
        // regression: a refining while body reads its own previous output (docs/contract.md §3 `while.prev.<inner_id>`)
        row("while.prev may name the step that reads it",
            steps(vec![while_loop("refine", "{{body.rewrite.good}}", json!([json!({"id": "rewrite", "type": "llm_call", "model": "m", "prompt": "improve {{while.prev.rewrite.text | \"\"}}"})]))]),
            vec![], true),
        row("body may not name the step that reads it",
            steps(vec![while_loop("refine", "{{body.rewrite.good}}", json!([json!({"id": "rewrite", "type": "llm_call", "model": "m", "prompt": "improve {{body.rewrite.text}}"})]))]),
            vec![("template_unresolved", Some("rewrite"), "$.steps[0].while_body_steps[0].prompt")], false),
        row("while scope inside a for_each body",
            steps(vec![for_each("e", "{{input.x}}", json!([json!({"id": "b", "type": "llm_call", "model": "m", "prompt": "{{while.iteration}}"})]))]),
            vec![("template_unresolved", Some("b"), "$.steps[0].for_each_body_steps[0].prompt")], false),
        row("an input path missing from the given payload",
            steps(vec![json!({"id": "l", "type": "llm_call", "model": "m", "prompt": "about {{input.topic}}"})]),
            vec![("template_unresolved", Some("l"), "$.steps[0].prompt")], false).request(json!({"params": {"trigger_payload": {"other": 1}}})),
        row("an input path with a fallback needs no value",
            steps(vec![json!({"id": "l", "type": "llm_call", "model": "m", "prompt": "{{input.topic | \"news\"}}"})]),
            vec![], true).request(json!({"params": {"trigger_payload": {}}})),
        row("an input path declared by the schema resolves",
            json!({"input_schema": {"type": "object", "properties": {"topic": {"type": "string"}}},
                   "steps": [{"id": "l", "type": "llm_call", "model": "m", "prompt": "{{input.topic}}"}]}),
            vec![], true),
        row("with a schema, an undeclared input path is unresolved",
            json!({"input_schema": {"type": "object", "properties": {"topic": {"type": "string", "default": "x"}}},
                   "steps": [{"id": "m", "type": "mcp_call", "tool_name": "t", "instance_id": "i", "tool_args": {"a": "{{input.topic}}", "b": "{{input.tpoic}}"}}]}),
            vec![("template_unresolved", Some("m"), "$.steps[0].tool_args.b")], false),
        row("for_each_items reading a missing input",
            steps(vec![for_each("e", "{{input.items}}", json!([lua("x", "return {}")]))]),
            vec![("for_each_items_unresolved", Some("e"), "$.steps[0].for_each_items")], false).request(json!({"params": {"trigger_payload": {"list": []}}})),
        row("for_each_items written as a bare path is a warning",
            steps(vec![for_each("e", "input.items", json!([lua("x", "return {}")]))]),
            vec![("for_each_items_unresolved", Some("e"), "$.steps[0].for_each_items")], true),
        // ---- lua
        row("a script that does not compile",
            steps(vec![lua("s", "local x = 1\nreturn @@")]),
            vec![("lua_syntax", Some("s"), "$.steps[0].script")], false),
        row("a while_eval_script that does not compile",
            steps(vec![json!({"id": "w", "type": "while", "while_max_iterations": 2, "while_eval_script": "@@", "while_body_steps": [lua("x", "return {}")]})]),
            vec![("lua_syntax", Some("w"), "$.steps[0].while_eval_script")], false),
        row("a script failing on the fixture is a warning",
            steps(vec![lua("s", "fail:boom")]),
            vec![("lua_fixture_runtime", Some("s"), "$.steps[0].script")], true),
        row("a script the budget left unrun is a warning of its own",
            steps(vec![lua("s", "slow")]),
            vec![("lua_fixture_not_run", Some("s"), "$.steps[0].script")], true),
        row("a script returning a non-table is a warning",
            steps(vec![lua("s", "scalar")]),
            vec![("lua_fixture_return_type", Some("s"), "$.steps[0].script")], true),
        row("a while_eval_script not returning pass is a warning",
            steps(vec![json!({"id": "w", "type": "while", "while_max_iterations": 2, "while_eval_script": "return {}", "while_body_steps": [lua("x", "return {}")]})]),
            vec![("lua_fixture_return_type", Some("w"), "$.steps[0].while_eval_script")], true).request(json!({"mock_step_outputs": {"x": {}}})),
        row("a script reading a mocked upstream output runs cleanly",
            steps(vec![lua("a", "return {}"), lua_after("b", &["a"], "need:a")]),
            vec![], true).request(json!({"mock_step_outputs": {"a": {"n": 1}}})),
        row("a script whose upstream is not mocked is not run",
            steps(vec![lua("a", "return {}"), lua_after("b", &["a"], "fail:would fail")]),
            vec![], true),
        // ---- disabled steps, input schema
        row("a disabled step is a warning",
            steps(vec![json!({"id": "a", "type": "lua_script", "script": "return {}", "enabled": false})]),
            vec![("step_disabled", Some("a"), "$.steps[0].enabled")], true),
        row("an input_schema that is not a JSON Schema",
            json!({"input_schema": {"type": "nope"}, "steps": [lua("a", "return {}")]}),
            vec![("input_schema_invalid", None, "$.input_schema.type")], false),
        row("a payload missing a required property",
            json!({"input_schema": {"type": "object", "required": ["topic"], "properties": {"topic": {"type": "string"}}}, "steps": [lua("a", "return {}")]}),
            vec![("input_invalid", None, "$.params.trigger_payload")], false).request(json!({"params": {"trigger_payload": {}}})),
        row("a payload property of the wrong type",
            json!({"input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}, "steps": [lua("a", "return {}")]}),
            vec![("input_invalid", None, "$.params.trigger_payload.n")], false).request(json!({"params": {"trigger_payload": {"n": "five"}}})),
        // ---- mcp bindings with a resolver
        row("an instance unknown to the project",
            steps(vec![json!({"id": "m", "type": "mcp_call", "tool_name": "web_search", "instance_id": "gone"})]),
            vec![("mcp_instance_unresolved", Some("m"), "$.steps[0].instance_id")], false).ctx(Ctx::Project),
        row("a tool the server does not offer",
            steps(vec![json!({"id": "m", "type": "mcp_call", "tool_name": "web_serch", "instance_id": "search-1"})]),
            vec![("mcp_tool_unknown", Some("m"), "$.steps[0].tool_name")], false).ctx(Ctx::Project),
        row("literal tool_args against the tool's schema",
            steps(vec![mcp("m", json!({"query": "q", "limit": "ten"}))]),
            vec![("mcp_tool_args_invalid", Some("m"), "$.steps[0].tool_args.limit")], false).ctx(Ctx::Project),
        row("templated tool_args lacking a required key",
            steps(vec![mcp("m", json!({"limit": "{{input.n}}"}))]),
            vec![("mcp_tool_args_invalid", Some("m"), "$.steps[0].tool_args")], false).ctx(Ctx::Project),
        row("well-formed tool_args pass",
            steps(vec![mcp("m", json!({"query": "{{input.q}}", "limit": 3}))]),
            vec![], true).ctx(Ctx::Project),
        // ---- request options
        row("checks limits what runs",
            steps(vec![lua_after("a", &["a"], "return {}")]),
            vec![], true).request(json!({"checks": ["graph", "step_config"]})),
        row("skip_checks leaves a check out",
            steps(vec![lua_after("a", &["a"], "return {}"), lua("b", "fail:x")]),
            vec![("lua_fixture_runtime", Some("b"), "$.steps[1].script")], true).request(json!({"skip_checks": ["dependencies"]})),
        row("step_ids limits issues to those steps and their inner steps",
            steps(vec![json!({"id": "a", "type": "lua_script"}), json!({"id": "b", "type": "lua_script"}),
                       for_each("e", "{{input.x}}", json!([{"id": "in", "type": "lua_script"}]))]),
            vec![("missing_field", Some("b"), "$.steps[1].script"), ("missing_field", Some("in"), "$.steps[2].for_each_body_steps[0].script")], false)
            .request(json!({"step_ids": ["b", "e"]})),
        row("a canvas graph whose edges form a cycle",
            json!({"nodes": [{"id": "a", "position": {"x": 0, "y": 0}, "data": {"step": {"type": "lua_script", "script": "return {}"}}},
                             {"id": "b", "position": {"x": 0, "y": 0}, "data": {"step": {"type": "lua_script", "script": "return {}"}}}],
                   "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "a"}]}),
            vec![("cycle", Some("a"), "$.steps[0].depends_on")], false),
    ]
}

#[test]
fn validation_table() {
    let lua = FakeLua;
    let project = FakeProject;
    let only_lua = [StepType::LuaScript];
    let rows = rows();
    assert!(rows.len() >= 40, "the table should hold at least 40 cases");
    let mut failures = Vec::new();
    for row in rows {
        let parsed = parse(&row.graph);
        let request: ValidateRequest = match serde_json::from_value(row.request.clone()) {
            Ok(r) => r,
            Err(e) => panic!("{}: bad request in the table: {e}", row.name),
        };
        let base = ValidationContext::default().with_lua(&lua);
        let ctx = match row.ctx {
            Ctx::Lua => base,
            Ctx::OnlyLuaExecutor => base.with_executors(&only_lua),
            Ctx::Project => base.with_bindings(&project),
        };
        let response = validate(&parsed, &request, &ctx);
        let mut got: Vec<(String, Option<String>, String)> = response
            .issues
            .iter()
            .map(|i| (i.code.clone(), i.step_id.clone(), i.json_path.clone()))
            .collect();
        let mut want: Vec<(String, Option<String>, String)> = row
            .expected
            .iter()
            .map(|(c, s, p)| (c.to_string(), s.map(str::to_string), p.to_string()))
            .collect();
        got.sort();
        want.sort();
        if got != want || response.valid != row.valid {
            failures.push(format!(
                "{}:\n  want {want:?} valid={}\n  got  {got:?} valid={}\n  messages: {:?}",
                row.name,
                row.valid,
                response.valid,
                response
                    .issues
                    .iter()
                    .map(|i| &i.message)
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_issue_code_is_covered_by_the_table() {
    let covered: Vec<&str> = rows()
        .iter()
        .flat_map(|r| r.expected.iter().map(|(c, _, _)| *c))
        .collect();
    use ar_model::issue::codes::*;
    for code in [
        CYCLE,
        UNKNOWN_DEPENDENCY,
        DUPLICATE_STEP_ID,
        TEMPLATE_MISSING_DEPENDENCY,
        TEMPLATE_UNRESOLVED,
        TEMPLATE_SYNTAX,
        FOR_EACH_ITEMS_UNRESOLVED,
        GRAPH_SCHEMA_VALIDATION,
        MISSING_FIELD,
        LUA_SYNTAX,
        LUA_FIXTURE_RETURN_TYPE,
        LUA_FIXTURE_RUNTIME,
        LUA_FIXTURE_NOT_RUN,
        MCP_INSTANCE_UNRESOLVED,
        MCP_TOOL_UNKNOWN,
        MCP_TOOL_ARGS_INVALID,
        STEP_DISABLED,
        INPUT_SCHEMA_INVALID,
        INPUT_INVALID,
        EXECUTOR_UNAVAILABLE,
        EMPTY_GRAPH,
        BODY_STEP_NOT_ALLOWED,
    ] {
        assert!(covered.contains(&code), "no table row expects `{code}`");
    }
}
