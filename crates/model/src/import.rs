//! Reading a workflow graph from JSON (docs/contract.md §2).
//!
//! Three shapes are accepted and normalized into one [`Graph`]:
//! - **steps-only**: `{ "steps": [ … ], "input_schema"?: … }`;
//! - **canvas**: `{ "nodes": [ {id, position, data: {step: {…}}} ], "edges": [ {source, target} ] }`,
//!   where an edge `source → target` means `target` depends on `source`;
//! - **backend**: both; then `steps` wins and node positions are kept for the editor.
//!
//! Reading never fails on a *bad step*: unknown or misspelt fields, wrong types and unknown
//! step types become [`Issue`]s (code `graph_schema_validation` or `missing_field`) and the
//! offending data is kept, so nothing is silently dropped and an editor can still open the
//! graph. Only input that is not a graph at all (not UTF-8, not JSON, too large, too deep,
//! not an object, too many steps) is a [`GraphError`].
//!
//! Issue paths (`json_path`) always refer to the normalized steps shape (`$.steps[2].script`),
//! whatever shape was submitted, so that every tool points at the same place.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::graph::*;
use crate::issue::{Issue, codes};

/// Bounds on what a graph may be, so hostile input costs bounded memory and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphLimits {
    /// Size of the graph document in bytes.
    pub max_bytes: usize,
    /// Steps in total, inner loop steps included.
    pub max_steps: usize,
}

impl Default for GraphLimits {
    fn default() -> Self {
        GraphLimits {
            max_bytes: 8 * 1024 * 1024,
            max_steps: 10_000,
        }
    }
}

/// Input that cannot be read as a graph at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    #[error(
        "the graph is {bytes} bytes; the limit is {limit} bytes — split the workflow or move data out of the graph"
    )]
    TooLarge { bytes: usize, limit: usize },
    #[error("the graph is not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("the graph is not valid JSON: {message} (line {line}, column {column})")]
    Json {
        message: String,
        line: usize,
        column: usize,
    },
    #[error(
        "the graph nests JSON deeper than the parser allows (line {line}, column {column}); flatten the data"
    )]
    TooDeep { line: usize, column: usize },
    #[error("the graph must be a JSON object with `steps` (or canvas `nodes`); found {found}")]
    NotAnObject { found: &'static str },
    #[error("the graph has neither `steps` nor `nodes`: nothing to run")]
    NoSteps,
    #[error("`{key}` must be an array; found {found}")]
    NotAnArray {
        key: &'static str,
        found: &'static str,
    },
    #[error("the graph has {count} steps (inner loop steps included); the limit is {limit}")]
    TooManySteps { count: usize, limit: usize },
    /// Only from [`parse_graph_value`]: a value built in memory can nest deeper than JSON
    /// text is allowed to (bytes hit [`GraphError::TooDeep`] first).
    #[error("the graph nests values deeper than {limit} levels (at {json_path}); flatten the data")]
    ValueTooDeep { json_path: String, limit: usize },
}

impl GraphError {
    /// True when the bytes could not even be read as JSON (the CLI exits 2 for these).
    pub fn is_unreadable(&self) -> bool {
        matches!(
            self,
            GraphError::NotUtf8 { .. }
                | GraphError::Json { .. }
                | GraphError::TooDeep { .. }
                | GraphError::ValueTooDeep { .. }
        )
    }
}

/// A normalized graph plus the problems found while reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedGraph {
    pub graph: Graph,
    pub issues: Vec<Issue>,
}

/// Reads a graph from raw bytes (a file or a request body).
pub fn parse_graph_bytes(bytes: &[u8], limits: &GraphLimits) -> Result<ParsedGraph, GraphError> {
    if bytes.len() > limits.max_bytes {
        return Err(GraphError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| GraphError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        // serde_json bounds nesting (128 levels) and says "recursion limit exceeded".
        if e.to_string().contains("recursion limit") {
            GraphError::TooDeep {
                line: e.line(),
                column: e.column(),
            }
        } else {
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            GraphError::Json {
                message,
                line: e.line(),
                column: e.column(),
            }
        }
    })?;
    parse_graph_value(&value, limits)
}

/// Reads a graph from an already-parsed JSON value.
pub fn parse_graph_value(value: &Value, limits: &GraphLimits) -> Result<ParsedGraph, GraphError> {
    let root = value.as_object().ok_or(GraphError::NotAnObject {
        found: json_type(value),
    })?;
    check_depth(root)?;
    let mut issues = Vec::new();
    let steps_json = root.get("steps");
    let nodes_json = root.get("nodes");
    let array = |key: &'static str, v: &Value| -> Result<usize, GraphError> {
        v.as_array().map(Vec::len).ok_or(GraphError::NotAnArray {
            key,
            found: json_type(v),
        })
    };
    if let Some(s) = steps_json {
        array("steps", s)?;
    }
    if let Some(n) = nodes_json {
        array("nodes", n)?;
    }
    let mut graph = Graph::default();
    // The steps shape is read in place; only the canvas shape builds new step objects.
    let step_values: Cow<'_, [Value]> = match (steps_json, nodes_json) {
        (None, None) => return Err(GraphError::NoSteps),
        (Some(Value::Array(steps)), nodes) => {
            if let Some(Value::Array(nodes)) = nodes {
                for node in nodes {
                    // Positions are keyed by step id; a node may name its step differently.
                    let step_id = node
                        .get("data")
                        .and_then(|d| d.get("step"))
                        .and_then(|s| s.get("id"))
                        .and_then(Value::as_str);
                    if let Some((node_id, editor)) = node_editor_data(node) {
                        graph
                            .layout
                            .insert(step_id.map(str::to_string).unwrap_or(node_id), editor);
                    }
                }
            }
            Cow::Borrowed(steps)
        }
        (None, Some(Value::Array(nodes))) => Cow::Owned(canvas_steps(
            nodes,
            root.get("edges"),
            &mut graph.layout,
            &mut issues,
        )),
        _ => unreachable!("both keys were checked to be arrays above"),
    };

    let total = count_steps(&step_values);
    if total > limits.max_steps {
        return Err(GraphError::TooManySteps {
            count: total,
            limit: limits.max_steps,
        });
    }

    for (i, sv) in step_values.iter().enumerate() {
        // Paths use the index the step has in the normalized graph, so that import and
        // validation point at the same place even when a non-object entry was dropped.
        let path = format!("$.steps[{}]", graph.steps.len());
        if let Some(step) = read_step(sv, &path, i, 0, &mut issues) {
            graph.steps.push(step);
        }
    }
    graph.input_schema = root.get("input_schema").filter(|v| !v.is_null()).cloned();
    for (k, v) in root {
        if !matches!(k.as_str(), "steps" | "nodes" | "input_schema") {
            graph.extra.insert(k.clone(), v.clone());
        }
    }
    // A backend-shape graph keeps its edges (editor data); a canvas-only graph had its edges
    // turned into `depends_on`, which is now the single source of truth.
    if steps_json.is_none() {
        graph.extra.remove("edges");
    }
    Ok(ParsedGraph { graph, issues })
}

/// The editor-only part of a canvas node: its id and every key except `id` and `data.step`.
fn node_editor_data(node: &Value) -> Option<(String, Value)> {
    let obj = node.as_object()?;
    let id = obj.get("id")?.as_str()?.to_string();
    let mut editor = Map::new();
    for (k, v) in obj {
        match k.as_str() {
            "id" => {}
            "data" => {
                if let Value::Object(data) = v {
                    let rest: Map<String, Value> = data
                        .iter()
                        .filter(|(k, _)| k.as_str() != "step")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    if !rest.is_empty() {
                        editor.insert("data".into(), Value::Object(rest));
                    }
                }
            }
            _ => {
                editor.insert(k.clone(), v.clone());
            }
        }
    }
    Some((id, Value::Object(editor)))
}

/// Turns canvas nodes and edges into step objects with `depends_on` filled from the edges.
fn canvas_steps(
    nodes: &[Value],
    edges: Option<&Value>,
    layout: &mut Map<String, Value>,
    issues: &mut Vec<Issue>,
) -> Vec<Value> {
    let mut steps: Vec<Map<String, Value>> = Vec::with_capacity(nodes.len());
    // Node ids may differ from step ids; edges speak in node ids.
    let mut step_id_of_node = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let path = format!("$.nodes[{i}]");
        let Some(step) = node
            .get("data")
            .and_then(|d| d.get("step"))
            .and_then(Value::as_object)
        else {
            issues.push(
                Issue::error(
                    codes::GRAPH_SCHEMA_VALIDATION,
                    None,
                    &path,
                    "canvas node has no `data.step` object",
                )
                .with_suggestion("each node must carry its step as `data.step`"),
            );
            continue;
        };
        let mut step = step.clone();
        let node_id = node.get("id").and_then(Value::as_str);
        if !step.contains_key("id")
            && let Some(id) = node_id
        {
            step.insert("id".into(), Value::String(id.to_string()));
        }
        let step_id = step
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some((nid, editor)) = node_editor_data(node) {
            step_id_of_node.insert(nid, step_id.clone());
            layout.insert(step_id.clone(), editor);
        }
        steps.push(step);
    }
    if let Some(edges) = edges {
        add_edge_dependencies(&mut steps, edges, &step_id_of_node, issues);
    }
    steps.into_iter().map(Value::Object).collect()
}

/// Adds `source` to the `depends_on` of `target` for every canvas edge.
fn add_edge_dependencies(
    steps: &mut [Map<String, Value>],
    edges: &Value,
    step_id_of_node: &HashMap<String, String>,
    issues: &mut Vec<Issue>,
) {
    let Some(edges) = edges.as_array() else {
        issues.push(Issue::error(
            codes::GRAPH_SCHEMA_VALIDATION,
            None,
            "$.edges",
            format!("`edges` must be an array; found {}", json_type(edges)),
        ));
        return;
    };
    // First step with each id; duplicates are reported by validation.
    let mut index_of_step: HashMap<String, usize> = HashMap::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        if let Some(id) = step.get("id").and_then(Value::as_str) {
            index_of_step.entry(id.to_string()).or_insert(i);
        }
    }
    for (i, edge) in edges.iter().enumerate() {
        let end = |k: &str| edge.get(k).and_then(Value::as_str);
        let (Some(source), Some(target)) = (end("source"), end("target")) else {
            issues.push(Issue::error(
                codes::GRAPH_SCHEMA_VALIDATION,
                None,
                format!("$.edges[{i}]"),
                "an edge needs string `source` and `target` node ids",
            ));
            continue;
        };
        let source = step_id_of_node
            .get(source)
            .map(String::as_str)
            .unwrap_or(source);
        let target = step_id_of_node
            .get(target)
            .map(String::as_str)
            .unwrap_or(target);
        let Some(&index) = index_of_step.get(target) else {
            issues.push(Issue::error(
                codes::UNKNOWN_DEPENDENCY,
                None,
                format!("$.edges[{i}]"),
                format!("edge target `{target}` is not a node of this graph"),
            ));
            continue;
        };
        let step = &mut steps[index];
        match step
            .entry("depends_on")
            .or_insert_with(|| Value::Array(vec![]))
        {
            Value::Array(deps) => {
                if !deps.iter().any(|d| d.as_str() == Some(source)) {
                    deps.push(Value::String(source.to_string()));
                }
            }
            // Reading the step reports the bad `depends_on`; the edge must not vanish silently.
            other => issues.push(Issue::error(
                codes::GRAPH_SCHEMA_VALIDATION,
                Some(target),
                format!("$.edges[{i}]"),
                format!(
                    "edge {source} → {target} cannot be added: the step's `depends_on` is {}",
                    json_type(other)
                ),
            )),
        }
    }
}

/// The keys that hold a loop body.
const BODY_KEYS: [&str; 2] = ["for_each_body_steps", "while_body_steps"];

/// Counts steps including loop bodies at any depth, without trusting the shapes (this runs
/// before reading). Iterative, so hostile nesting cannot exhaust the stack.
fn count_steps(steps: &[Value]) -> usize {
    let mut count = 0;
    let mut pending: Vec<&Value> = steps.iter().collect();
    while let Some(step) = pending.pop() {
        count += 1;
        for key in BODY_KEYS {
            if let Some(inner) = step.get(key).and_then(Value::as_array) {
                pending.extend(inner);
            }
        }
    }
    count
}

/// The deepest nesting a graph value may have: the limit serde_json applies to JSON text.
pub const MAX_VALUE_DEPTH: usize = 128;

/// Refuses values nested deeper than [`MAX_VALUE_DEPTH`], iteratively. Everything after this
/// (reading, hashing, template parsing) recurses on the structure and relies on the bound.
/// The error names the top-level key, or the step, holding the deep value.
fn check_depth(root: &Map<String, Value>) -> Result<(), GraphError> {
    for (key, value) in root {
        match value {
            Value::Array(items) if key == "steps" || key == "nodes" => {
                for (i, item) in items.iter().enumerate() {
                    if exceeds_depth(item, MAX_VALUE_DEPTH - 2) {
                        return Err(GraphError::ValueTooDeep {
                            json_path: format!("$.{key}[{i}]"),
                            limit: MAX_VALUE_DEPTH,
                        });
                    }
                }
            }
            _ => {
                if exceeds_depth(value, MAX_VALUE_DEPTH - 1) {
                    return Err(GraphError::ValueTooDeep {
                        json_path: format!("$.{key}"),
                        limit: MAX_VALUE_DEPTH,
                    });
                }
            }
        }
    }
    Ok(())
}

/// True when `value` nests containers more than `limit` levels deep.
fn exceeds_depth(value: &Value, limit: usize) -> bool {
    let mut pending: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((v, depth)) = pending.pop() {
        match v {
            Value::Array(_) | Value::Object(_) if depth >= limit => return true,
            Value::Array(items) => pending.extend(items.iter().map(|x| (x, depth + 1))),
            Value::Object(map) => pending.extend(map.values().map(|x| (x, depth + 1))),
            _ => {}
        }
    }
    false
}

/// How many loop bodies deep import reads. Bodies may not hold composites (validation says
/// so); one extra level is read so that a nested loop can be reported and fixed, and deeper
/// bodies are kept verbatim instead of being read recursively.
const MAX_BODY_DEPTH: usize = 2;

/// Reads one step object. Returns `None` only when the value is not an object at all.
/// `path` is the step's place in the normalized graph, `position` its index in the submitted
/// list, `depth` how many loop bodies it sits in.
fn read_step(
    value: &Value,
    path: &str,
    position: usize,
    depth: usize,
    issues: &mut Vec<Issue>,
) -> Option<Step> {
    let Some(obj) = value.as_object() else {
        issues.push(
            Issue::error(
                codes::GRAPH_SCHEMA_VALIDATION,
                None,
                path,
                format!("entry #{position} of the step list must be a JSON object; found {}", json_type(value)),
            )
            .with_suggestion("write each step as an object such as {\"id\": \"a\", \"type\": \"lua_script\", …}; this entry was dropped"),
        );
        return None;
    };
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) | None => {
            issues.push(
                Issue::error(
                    codes::MISSING_FIELD,
                    None,
                    format!("{path}.id"),
                    "the step has no `id`",
                )
                .with_suggestion("give every step a unique `id`, e.g. \"fetch-contacts\""),
            );
            String::new()
        }
        Some(other) => {
            issues.push(Issue::error(
                codes::GRAPH_SCHEMA_VALIDATION,
                None,
                format!("{path}.id"),
                format!("`id` must be a string; found {}", json_type(other)),
            ));
            String::new()
        }
    };
    let mut r = FieldReader {
        obj,
        path,
        step_id: (!id.is_empty()).then_some(id.as_str()),
        depth,
        issues,
    };
    let type_name = r.string("type");
    let step_type = type_name.as_deref().and_then(StepType::parse);
    if type_name.is_none() && obj.get("type").is_none_or(Value::is_null) {
        r.issue(
            Issue::error(
                codes::MISSING_FIELD,
                r.step_id,
                format!("{path}.type"),
                "the step has no `type`",
            )
            .with_suggestion(format!(
                "set `type` to one of: {}",
                StepType::ALL.map(StepType::as_str).join(", ")
            )),
        );
    } else if let (Some(t), None) = (&type_name, step_type) {
        let mut issue = Issue::error(
            codes::GRAPH_SCHEMA_VALIDATION,
            r.step_id,
            format!("{path}.type"),
            format!("unknown step type `{t}`"),
        );
        issue.suggestion = Some(match closest(t, StepType::ALL.iter().map(|t| t.as_str())) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "use one of: {}",
                StepType::ALL.map(StepType::as_str).join(", ")
            ),
        });
        r.issue(issue);
    }

    let mut step = Step::new(
        id.clone(),
        StepConfig::Invalid {
            type_name: type_name.clone(),
        },
    );
    step.name = r.string("name");
    step.description = r.string("description");
    step.depends_on = r.string_list("depends_on");
    step.enabled = r.bool("enabled").unwrap_or(true);
    step.condition = r.value("condition");
    step.retry_count = r.u32("retry_count").unwrap_or(0);
    step.timeout_s = r.positive_f64("timeout_s");
    step.no_auto_start = r.bool("no_auto_start").unwrap_or(false);
    step.terminal = r.bool("terminal").unwrap_or(false);

    step.config = match step_type {
        None => StepConfig::Invalid {
            type_name: type_name.clone(),
        },
        Some(StepType::McpCall) => StepConfig::McpCall(McpCall {
            tool_name: r.string("tool_name"),
            server_url: r.string("server_url"),
            instance_id: r.string("instance_id"),
            tool_args: r.value("tool_args"),
            connection_resolution: r.string("connection_resolution"),
        }),
        Some(StepType::LlmCall) => StepConfig::LlmCall(LlmCall {
            model: r.string("model"),
            model_ref: r.string("model_ref"),
            prompt: r.string("prompt"),
            system: r.string("system"),
            llm_params: r.object("llm_params"),
            llm_credential_id: r.string("llm_credential_id"),
            llm_credential_scope: r.string("llm_credential_scope"),
        }),
        Some(StepType::HumanTask) => StepConfig::HumanTask(HumanTask {
            task_type: r.string("task_type"),
            task_payload: r.value("task_payload"),
        }),
        Some(StepType::LuaScript) => StepConfig::LuaScript(LuaScript {
            script: r.string("script"),
        }),
        Some(StepType::AgentCall) => StepConfig::AgentCall(AgentCall {
            agent_id: r.string("agent_id"),
            prompt: r.string("prompt"),
            input: r.value("input"),
            messages: r.value("messages"),
        }),
        Some(StepType::ForEach) => {
            let max_parallel = r.u32("for_each_max_parallel");
            if let Some(n) = max_parallel
                && !(1..=FOR_EACH_MAX_PARALLEL).contains(&n)
            {
                r.schema_issue(
                    "for_each_max_parallel",
                    format!("`for_each_max_parallel` must be between 1 and {FOR_EACH_MAX_PARALLEL}; found {n}"),
                );
            }
            let error_policy = r.enum_field(
                "for_each_error_policy",
                ErrorPolicy::parse,
                &["fail_fast", "continue_on_error"],
            );
            StepConfig::ForEach(ForEach {
                items: r.value("for_each_items"),
                body: r.body("for_each_body_steps"),
                max_parallel,
                error_policy: error_policy.unwrap_or_default(),
            })
        }
        Some(StepType::While) => {
            let mode = r.enum_field("while_mode", WhileMode::parse, &["until", "while"]);
            let max_iterations = r.u32("while_max_iterations");
            if max_iterations == Some(0) {
                r.schema_issue(
                    "while_max_iterations",
                    "`while_max_iterations` must be at least 1".to_string(),
                );
            }
            StepConfig::While(While {
                mode: mode.unwrap_or_default(),
                max_iterations,
                body: r.body("while_body_steps"),
                condition: r.value("while_condition"),
                eval_script: r.string("while_eval_script"),
            })
        }
    };

    // Whatever is left is either editor data or a field no step type knows.
    let known: Vec<&str> = COMMON_FIELDS
        .iter()
        .copied()
        .chain(step_type.map(|t| t.fields()).unwrap_or(&[]).iter().copied())
        .collect();
    for (key, v) in obj {
        if known.contains(&key.as_str()) && !(key == "type" && type_name.is_none()) {
            if depth >= MAX_BODY_DEPTH && BODY_KEYS.contains(&key.as_str()) {
                // Too deep to read (see MAX_BODY_DEPTH): kept as written; export writes it back.
                step.unknown.insert(key.clone(), v.clone());
            }
            continue;
        }
        if EDITOR_FIELDS.contains(&key.as_str()) {
            step.editor.insert(key.clone(), v.clone());
            continue;
        }
        if key == "type" {
            // A `type` that is not a string was reported above; keep it for the editor.
            step.unknown.insert(key.clone(), v.clone());
            continue;
        }
        step.unknown.insert(key.clone(), v.clone());
        if step_type.is_none() {
            continue; // the unknown type is the problem; its fields cannot be judged
        }
        let mut issue = Issue::error(
            codes::GRAPH_SCHEMA_VALIDATION,
            r.step_id,
            format!("{path}.{key}"),
            format!(
                "unknown field `{key}` on a {} step",
                step_type.map(StepType::as_str).unwrap_or("")
            ),
        );
        let other_types: Vec<&str> = StepType::ALL
            .iter()
            .filter(|t| Some(**t) != step_type && t.fields().contains(&key.as_str()))
            .map(|t| t.as_str())
            .collect();
        issue.suggestion = if let Some(best) = closest(key, known.iter().copied()) {
            Some(format!("did you mean `{best}`?"))
        } else if !other_types.is_empty() {
            Some(format!(
                "`{key}` belongs to {} steps; remove it or change the step type",
                other_types.join("/")
            ))
        } else {
            Some(
                "remove the field; unknown fields are refused so typos never go unnoticed"
                    .to_string(),
            )
        };
        r.issue(issue);
    }
    Some(step)
}

/// The closest known name to a misspelt one, if it is close enough to be a plausible typo,
/// or else the only name the word is a prefix of (`lua` → `lua_script`).
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.collect();
    let by_distance = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    by_distance.or_else(|| {
        let mut prefixed = candidates
            .iter()
            .filter(|c| word.chars().count() >= 3 && c.starts_with(word));
        match (prefixed.next(), prefixed.next()) {
            (Some(only), None) => Some(*only),
            _ => None,
        }
    })
}

/// The JSON type name of a value, for messages.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Typed access to a step's fields that records an issue instead of failing.
struct FieldReader<'a> {
    obj: &'a Map<String, Value>,
    path: &'a str,
    step_id: Option<&'a str>,
    /// How many loop bodies the step sits in.
    depth: usize,
    issues: &'a mut Vec<Issue>,
}

impl FieldReader<'_> {
    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    fn schema_issue(&mut self, key: &str, message: String) {
        self.issues.push(Issue::error(
            codes::GRAPH_SCHEMA_VALIDATION,
            self.step_id,
            format!("{}.{key}", self.path),
            message,
        ));
    }

    fn wrong_type(&mut self, key: &str, expected: &str, found: &Value) {
        self.schema_issue(
            key,
            format!("`{key}` must be {expected}; found {}", json_type(found)),
        );
    }

    /// Present and not null.
    fn get(&self, key: &str) -> Option<&Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    fn value(&mut self, key: &str) -> Option<Value> {
        self.get(key).cloned()
    }

    fn string(&mut self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let other = other.clone();
                self.wrong_type(key, "a string", &other);
                None
            }
        }
    }

    fn bool(&mut self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            other => {
                let other = other.clone();
                self.wrong_type(key, "true or false", &other);
                None
            }
        }
    }

    fn u32(&mut self, key: &str) -> Option<u32> {
        let v = self.get(key)?.clone();
        match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.wrong_type(key, "a non-negative whole number", &v);
                None
            }
        }
    }

    fn positive_f64(&mut self, key: &str) -> Option<f64> {
        let v = self.get(key)?.clone();
        match v.as_f64() {
            Some(n) if n > 0.0 && n.is_finite() => Some(n),
            _ => {
                self.wrong_type(key, "a positive number of seconds", &v);
                None
            }
        }
    }

    fn object(&mut self, key: &str) -> Option<Map<String, Value>> {
        match self.get(key)? {
            Value::Object(o) => Some(o.clone()),
            other => {
                let other = other.clone();
                self.wrong_type(key, "an object", &other);
                None
            }
        }
    }

    fn string_list(&mut self, key: &str) -> Vec<String> {
        let Some(v) = self.get(key).cloned() else {
            return Vec::new();
        };
        match v.as_array().map(|a| {
            a.iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        }) {
            Some(Some(list)) => list,
            _ => {
                self.wrong_type(key, "an array of step ids (strings)", &v);
                Vec::new()
            }
        }
    }

    fn enum_field<T>(
        &mut self,
        key: &str,
        parse: fn(&str) -> Option<T>,
        allowed: &[&str],
    ) -> Option<T> {
        let s = self.string(key)?;
        let parsed = parse(&s);
        if parsed.is_none() {
            let hint = closest(&s, allowed.iter().copied())
                .map(|b| format!(" (did you mean `{b}`?)"))
                .unwrap_or_default();
            self.schema_issue(
                key,
                format!(
                    "`{key}` must be one of {}; found `{s}`{hint}",
                    allowed.join(", ")
                ),
            );
        }
        parsed
    }

    /// A loop body: an array of step objects, read recursively (nesting is checked by validation).
    fn body(&mut self, key: &str) -> Vec<Step> {
        if self.depth >= MAX_BODY_DEPTH {
            return Vec::new();
        }
        let Some(v) = self.get(key).cloned() else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.wrong_type(key, "an array of steps", &v);
            return Vec::new();
        };
        let base = format!("{}.{key}", self.path);
        let mut body = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{base}[{}]", body.len());
            if let Some(step) = read_step(item, &path, i, self.depth + 1, self.issues) {
                body.push(step);
            }
        }
        body
    }
}
