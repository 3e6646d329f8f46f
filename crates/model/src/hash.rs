//! `graph_hash`: a digest of what the engine would run, stable under key order, whitespace
//! and editor-only data (positions), so two graphs that behave the same hash the same.

use std::io::{self, Write as _};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::graph::{EDITOR_FIELDS, ErrorPolicy, Graph, Step, StepConfig, StepType};

/// Hex SHA-256 of the canonical JSON of the graph's engine-relevant part: the text
/// `write_canonical(&graph.to_engine_value())` produces.
///
/// That text is written straight from the typed graph into the digest. Building the
/// engine value first cloned every string of the graph and freed it again, which was most
/// of the cost of hashing and a sixth of a dry run.
pub fn graph_hash(graph: &Graph) -> String {
    // Buffered: the canonical text comes in many tiny writes (a comma, a key).
    let mut out = io::BufWriter::with_capacity(8 * 1024, DigestWriter(Sha256::new()));
    // Writing into a digest cannot fail.
    let _ = write_engine_graph(graph, &mut out).and_then(|()| out.flush());
    let (DigestWriter(digest), _) = out.into_parts();
    hex::encode(digest.finalize())
}

/// Compact JSON with object keys sorted, whatever map ordering serde_json was built with.
pub fn write_canonical(v: &Value, out: &mut String) {
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail, and serde_json writes UTF-8 only.
    let _ = write_canonical_to(v, &mut bytes);
    out.push_str(&String::from_utf8_lossy(&bytes));
}

/// [`write_canonical`] into any writer. Strings and numbers are written by serde_json, so
/// escaping and number formatting are exactly those of `Value::to_string`.
fn write_canonical_to(v: &Value, out: &mut impl io::Write) -> io::Result<()> {
    match v {
        Value::Object(m) => write_object(m, out),
        Value::Array(a) => {
            out.write_all(b"[")?;
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_canonical_to(x, out)?;
            }
            out.write_all(b"]")
        }
        scalar => Ok(serde_json::to_writer(out, scalar)?),
    }
}

fn write_object(m: &Map<String, Value>, out: &mut impl io::Write) -> io::Result<()> {
    let mut entries: Vec<(&str, Field<'_>)> = m
        .iter()
        .map(|(k, v)| (k.as_str(), Field::Json(v)))
        .collect();
    write_fields(&mut entries, out)
}

/// One member of an object being written canonically, borrowed from the graph.
enum Field<'a> {
    Json(&'a Value),
    /// A JSON value built on the spot (a number or a boolean).
    Owned(Value),
    Str(&'a str),
    StrList(&'a [String]),
    Object(&'a Map<String, Value>),
    Steps(&'a [Step]),
    /// Editor or unknown data under a body key, which `to_engine_value` strips of editor
    /// keys too.
    StrippedBody(&'a Value),
}

/// Writes `{…}` with the members in key order. Keys must be distinct.
fn write_fields(fields: &mut [(&str, Field<'_>)], out: &mut impl io::Write) -> io::Result<()> {
    fields.sort_unstable_by_key(|(k, _)| *k);
    out.write_all(b"{")?;
    for (i, (key, field)) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, key)?;
        out.write_all(b":")?;
        match field {
            Field::Json(v) => write_canonical_to(v, out)?,
            Field::Owned(v) => write_canonical_to(v, out)?,
            Field::Str(s) => serde_json::to_writer(&mut *out, s)?,
            Field::StrList(items) => serde_json::to_writer(&mut *out, items)?,
            Field::Object(m) => write_object(m, out)?,
            Field::Steps(steps) => write_steps(steps, out)?,
            Field::StrippedBody(v) => {
                let mut v = (*v).clone();
                strip_body(&mut v);
                write_canonical_to(&v, out)?;
            }
        }
    }
    out.write_all(b"}")
}

/// The canonical text of `graph.to_engine_value()`, without building that value.
fn write_engine_graph(graph: &Graph, out: &mut impl io::Write) -> io::Result<()> {
    let mut fields = vec![("steps", Field::Steps(&graph.steps))];
    if let Some(schema) = &graph.input_schema {
        fields.push(("input_schema", Field::Json(schema)));
    }
    write_fields(&mut fields, out)
}

fn write_steps(steps: &[Step], out: &mut impl io::Write) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_fields(&mut engine_fields(step), out)?;
    }
    out.write_all(b"]")
}

/// The members `Step::to_value` gives a step, minus the editor keys `to_engine_value`
/// strips. Keep in step with both (the tests compare the two on every step type).
fn engine_fields(step: &Step) -> Vec<(&str, Field<'_>)> {
    let mut f: Vec<(&str, Field<'_>)> = Vec::with_capacity(12);
    f.push(("id", Field::Str(&step.id)));
    match &step.config {
        StepConfig::Invalid { type_name } => opt_str(&mut f, "type", type_name),
        c => f.push((
            "type",
            Field::Str(c.step_type().map(StepType::as_str).unwrap_or_default()),
        )),
    }
    opt_str(&mut f, "name", &step.name);
    opt_str(&mut f, "description", &step.description);
    if !step.depends_on.is_empty() {
        f.push(("depends_on", Field::StrList(&step.depends_on)));
    }
    if !step.enabled {
        f.push(("enabled", Field::Owned(false.into())));
    }
    if let Some(c) = &step.condition {
        f.push(("condition", Field::Json(c)));
    }
    if step.retry_count != 0 {
        f.push(("retry_count", Field::Owned(step.retry_count.into())));
    }
    if let Some(t) = step.timeout_s {
        f.push(("timeout_s", Field::Owned(t.into())));
    }
    if step.no_auto_start {
        f.push(("no_auto_start", Field::Owned(true.into())));
    }
    if step.terminal {
        f.push(("terminal", Field::Owned(true.into())));
    }
    match &step.config {
        StepConfig::McpCall(c) => {
            opt_str(&mut f, "tool_name", &c.tool_name);
            opt_str(&mut f, "server_url", &c.server_url);
            opt_str(&mut f, "instance_id", &c.instance_id);
            json(&mut f, "tool_args", &c.tool_args);
            opt_str(&mut f, "connection_resolution", &c.connection_resolution);
        }
        StepConfig::LlmCall(c) => {
            opt_str(&mut f, "model", &c.model);
            opt_str(&mut f, "model_ref", &c.model_ref);
            opt_str(&mut f, "prompt", &c.prompt);
            opt_str(&mut f, "system", &c.system);
            if let Some(params) = &c.llm_params {
                f.push(("llm_params", Field::Object(params)));
            }
            opt_str(&mut f, "llm_credential_id", &c.llm_credential_id);
            opt_str(&mut f, "llm_credential_scope", &c.llm_credential_scope);
        }
        StepConfig::HumanTask(c) => {
            opt_str(&mut f, "task_type", &c.task_type);
            json(&mut f, "task_payload", &c.task_payload);
        }
        StepConfig::LuaScript(c) => opt_str(&mut f, "script", &c.script),
        StepConfig::ForEach(c) => {
            json(&mut f, "for_each_items", &c.items);
            f.push(("for_each_body_steps", Field::Steps(&c.body)));
            if let Some(n) = c.max_parallel {
                f.push(("for_each_max_parallel", Field::Owned(n.into())));
            }
            if c.error_policy != ErrorPolicy::FailFast {
                f.push(("for_each_error_policy", Field::Str(c.error_policy.as_str())));
            }
        }
        StepConfig::While(c) => {
            f.push(("while_mode", Field::Str(c.mode.as_str())));
            if let Some(n) = c.max_iterations {
                f.push(("while_max_iterations", Field::Owned(n.into())));
            }
            f.push(("while_body_steps", Field::Steps(&c.body)));
            json(&mut f, "while_condition", &c.condition);
            opt_str(&mut f, "while_eval_script", &c.eval_script);
        }
        StepConfig::AgentCall(c) => {
            opt_str(&mut f, "agent_id", &c.agent_id);
            opt_str(&mut f, "prompt", &c.prompt);
            json(&mut f, "input", &c.input);
            json(&mut f, "messages", &c.messages);
        }
        StepConfig::Invalid { .. } => {}
    }
    // As in `to_value`: editor, then unknown data is inserted last and replaces a member
    // of the same name; then `to_engine_value` drops the editor keys.
    for (key, value) in step.editor.iter().chain(step.unknown.iter()) {
        let field = if BODY_KEYS.contains(&key.as_str()) {
            Field::StrippedBody(value)
        } else {
            Field::Json(value)
        };
        match f.iter_mut().find(|(k, _)| *k == key.as_str()) {
            Some(slot) => slot.1 = field,
            None => f.push((key.as_str(), field)),
        }
    }
    f.retain(|(k, _)| !EDITOR_FIELDS.contains(k));
    f
}

fn opt_str<'a>(f: &mut Vec<(&'a str, Field<'a>)>, key: &'a str, value: &'a Option<String>) {
    if let Some(s) = value {
        f.push((key, Field::Str(s)));
    }
}

fn json<'a>(f: &mut Vec<(&'a str, Field<'a>)>, key: &'a str, value: &'a Option<Value>) {
    if let Some(v) = value {
        f.push((key, Field::Json(v)));
    }
}

/// Keys whose array of step objects `to_engine_value` strips of editor keys, recursively.
const BODY_KEYS: [&str; 2] = ["for_each_body_steps", "while_body_steps"];

/// `to_engine_value`'s stripping, applied to a body value that came from editor or
/// unknown data (rare: typed bodies are written without ever holding editor keys).
fn strip_body(value: &mut Value) {
    if let Value::Array(items) = value {
        for item in items {
            if let Value::Object(step) = item {
                for key in EDITOR_FIELDS {
                    step.remove(*key);
                }
                for key in BODY_KEYS {
                    if let Some(inner) = step.get_mut(key) {
                        strip_body(inner);
                    }
                }
            }
        }
    }
}

/// Feeds written bytes into a SHA-256 digest.
struct DigestWriter(Sha256);

impl io::Write for DigestWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::graph::{
        AgentCall, ForEach, HumanTask, LlmCall, LuaScript, McpCall, While, WhileMode,
    };

    /// The definition `graph_hash` must keep: canonical text of `to_engine_value`.
    fn reference_text(graph: &Graph) -> String {
        let mut text = String::new();
        write_canonical(&graph.to_engine_value(), &mut text);
        text
    }

    fn streamed_text(graph: &Graph) -> String {
        let mut bytes = Vec::new();
        write_engine_graph(graph, &mut bytes).expect("writes");
        String::from_utf8(bytes).expect("utf-8")
    }

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    /// One step of every type with every optional field set, editor data, unknown fields
    /// (one replacing a typed field, one holding a body with positions), escapes and
    /// numbers that format differently as integers and floats.
    fn every_field_graph() -> Graph {
        let mut body_step = Step::new(
            "inner \"1\"",
            StepConfig::LuaScript(LuaScript {
                script: Some("return {}".into()),
            }),
        );
        body_step.editor = map(json!({ "position": { "x": 1 }, "ui": { "c": "red" } }));
        body_step.unknown = map(json!({ "zeta": 1, "Alpha": [1, { "b": 2, "a": 1 }] }));
        let mut steps = vec![
            Step::new(
                "mcp",
                StepConfig::McpCall(McpCall {
                    tool_name: Some("t".into()),
                    server_url: Some("https://x".into()),
                    instance_id: Some("i".into()),
                    tool_args: Some(json!({ "z": "{{ input.z }}", "a": [3, 2.5, null, true] })),
                    connection_resolution: Some("workspace".into()),
                }),
            ),
            Step::new(
                "llm",
                StepConfig::LlmCall(LlmCall {
                    model: Some("m".into()),
                    model_ref: Some("direct.openai.m".into()),
                    prompt: Some("p ✓ \u{1}".into()),
                    system: Some("s".into()),
                    llm_params: Some(map(
                        json!({ "temperature": 0.2, "max_tokens": 300, "stop": ["\n"] }),
                    )),
                    llm_credential_id: Some("c".into()),
                    llm_credential_scope: Some("project".into()),
                }),
            ),
            Step::new(
                "human",
                StepConfig::HumanTask(HumanTask {
                    task_type: Some("edit".into()),
                    task_payload: Some(json!({ "b": {}, "a": [] })),
                }),
            ),
            Step::new(
                "each",
                StepConfig::ForEach(ForEach {
                    items: Some(json!("{{ input.items }}")),
                    body: vec![body_step.clone()],
                    max_parallel: Some(3),
                    error_policy: ErrorPolicy::ContinueOnError,
                }),
            ),
            Step::new(
                "loop",
                StepConfig::While(While {
                    mode: WhileMode::While,
                    max_iterations: Some(5),
                    body: vec![body_step],
                    condition: Some(json!("{{ body.x }}")),
                    eval_script: Some("return { pass = true }".into()),
                }),
            ),
            Step::new(
                "agent",
                StepConfig::AgentCall(AgentCall {
                    agent_id: Some("ag".into()),
                    prompt: Some("hi".into()),
                    input: Some(json!({ "k": 1 })),
                    messages: Some(json!("{{ input.messages }}")),
                }),
            ),
            Step::new(
                "bad",
                StepConfig::Invalid {
                    type_name: Some("lua_scirpt".into()),
                },
            ),
            Step::new("untyped", StepConfig::Invalid { type_name: None }),
            Step::new("defaults", StepConfig::ForEach(ForEach::default())),
            Step::new("defaults2", StepConfig::While(While::default())),
        ];
        let last = steps.len() - 1;
        for (i, step) in steps.iter_mut().enumerate() {
            step.name = Some(format!("Step {i}"));
            step.description = Some("d".into());
            step.depends_on = vec!["mcp".into(), "é".into()];
            step.enabled = i % 2 == 0;
            step.condition = Some(json!(["{{ a }}", { "y": 1, "x": 2 }]));
            step.retry_count = i as u32;
            step.timeout_s = Some([2.5, 30.0, 1e21, f64::NAN][i % 4]);
            step.no_auto_start = i % 3 == 0;
            step.terminal = i % 4 == 1;
            step.editor = map(json!({ "position": { "x": i }, "ui": "u" }));
            if i == last {
                // Unknown data replacing a typed member and holding a body with editor keys.
                step.unknown = map(json!({
                    "while_mode": "sideways",
                    "for_each_body_steps": [{ "id": "x", "position": 1, "while_body_steps": [{ "ui": 2, "k": 3 }] }],
                    "position": "dropped",
                }));
            }
        }
        Graph {
            steps,
            input_schema: Some(
                json!({ "type": "object", "properties": { "b": {}, "a": { "default": 1.0 } } }),
            ),
            layout: map(json!({ "mcp": { "position": { "x": 1 } } })),
            extra: map(json!({ "name": "flow" })),
        }
    }

    #[test]
    fn streamed_text_is_the_canonical_engine_value_for_every_field() {
        let graph = every_field_graph();
        assert_eq!(streamed_text(&graph), reference_text(&graph));
        let bare = Graph {
            steps: vec![Step::new("a", StepConfig::LuaScript(LuaScript::default()))],
            ..Graph::default()
        };
        assert_eq!(streamed_text(&bare), reference_text(&bare));
    }

    #[test]
    fn streamed_text_is_the_canonical_engine_value_for_the_examples() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("examples directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("readable");
            let parsed = crate::import::parse_graph_bytes(&bytes, &Default::default())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                streamed_text(&parsed.graph),
                reference_text(&parsed.graph),
                "{}",
                path.display()
            );
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} examples found");
    }

    #[test]
    fn graph_hash_is_the_digest_of_the_canonical_text() {
        let graph = every_field_graph();
        let expected = hex::encode(Sha256::digest(reference_text(&graph).as_bytes()));
        assert_eq!(graph_hash(&graph), expected);
    }
}
