//! A graph prepared for execution once per graph hash: templates parsed, dependency edges
//! in both directions, and the set of step ids each step can read (so a step's scope holds
//! only those results instead of a copy of the whole run).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ar_model::graph::{Graph, Step, StepConfig};
use ar_model::import::{GraphLimits, parse_graph_value};
use ar_model::template::TemplatedValue;
use serde_json::Value;

use crate::error::{EngineError, EngineResult};

/// One step, prepared.
#[derive(Debug)]
pub struct CompiledStep {
    pub step: Step,
    pub deps: Vec<String>,
    /// Steps that list this one in `depends_on`.
    pub dependants: Vec<String>,
    pub condition: Option<TemplatedValue>,
    /// Templated type-specific fields by name (`tool_args`, `prompt`, `task_payload`,
    /// `for_each_items`, `while_condition`, …).
    pub fields: HashMap<String, TemplatedValue>,
    /// Top-level step ids this step (its templates, scripts and body) may read.
    pub reads: Vec<String>,
    /// Body steps in execution order (composites only).
    pub body: Vec<Arc<CompiledStep>>,
}

/// A whole graph, prepared.
#[derive(Debug)]
pub struct CompiledGraph {
    pub hash: String,
    pub graph: Graph,
    pub steps: HashMap<String, Arc<CompiledStep>>,
    /// Top-level step ids in graph order.
    pub order: Vec<String>,
}

impl CompiledGraph {
    pub fn step(&self, id: &str) -> Option<&Arc<CompiledStep>> {
        self.steps.get(id)
    }

    /// Reads and prepares a stored graph (canonical JSON).
    pub fn from_value(hash: &str, value: &Value) -> EngineResult<CompiledGraph> {
        let parsed = parse_graph_value(value, &GraphLimits::default())
            .map_err(|e| EngineError::InvalidInput(format!("graph cannot be read: {e}")))?;
        CompiledGraph::compile(hash, parsed.graph)
    }

    /// Prepares a graph. Fails on what the engine cannot run at all (a duplicate id, a
    /// dependency on an unknown step, a cycle, a template that does not parse); dry-run
    /// validation reports these earlier with more detail.
    pub fn compile(hash: &str, graph: Graph) -> EngineResult<CompiledGraph> {
        let ids: Vec<String> = graph.steps.iter().map(|s| s.id.clone()).collect();
        let id_set: HashSet<&str> = ids.iter().map(String::as_str).collect();
        if id_set.len() != ids.len() {
            return Err(EngineError::InvalidInput("two steps share an id".into()));
        }
        let mut dependants: HashMap<String, Vec<String>> = HashMap::new();
        for s in &graph.steps {
            for d in &s.depends_on {
                if !id_set.contains(d.as_str()) {
                    return Err(EngineError::InvalidInput(format!(
                        "step {:?} depends on unknown step {d:?}",
                        s.id
                    )));
                }
                dependants.entry(d.clone()).or_default().push(s.id.clone());
            }
        }
        check_acyclic(&graph)?;
        let mut steps = HashMap::new();
        for s in &graph.steps {
            let mut compiled = compile_step(s, &id_set)?;
            compiled.dependants = dependants.remove(&s.id).unwrap_or_default();
            steps.insert(s.id.clone(), Arc::new(compiled));
        }
        Ok(CompiledGraph {
            hash: hash.to_string(),
            graph,
            steps,
            order: ids,
        })
    }

    /// Every step reachable downstream of `from` (not including it).
    pub fn downstream(&self, from: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(id) = stack.pop() {
            if let Some(s) = self.steps.get(&id) {
                for d in &s.dependants {
                    if seen.insert(d.clone()) {
                        stack.push(d.clone());
                    }
                }
            }
        }
        seen
    }
}

fn check_acyclic(graph: &Graph) -> EngineResult<()> {
    // Kahn's algorithm; iterative, so a long chain cannot overflow the stack.
    let mut indegree: HashMap<&str, usize> = graph
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.depends_on.len()))
        .collect();
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in &graph.steps {
        for d in &s.depends_on {
            out.entry(d.as_str()).or_default().push(s.id.as_str());
        }
    }
    let mut ready: Vec<&str> = indegree
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| *id)
        .collect();
    let mut visited = 0;
    while let Some(id) = ready.pop() {
        visited += 1;
        for next in out.get(id).into_iter().flatten() {
            if let Some(n) = indegree.get_mut(next) {
                *n -= 1;
                if *n == 0 {
                    ready.push(next);
                }
            }
        }
    }
    if visited != graph.steps.len() {
        return Err(EngineError::InvalidInput(
            "the steps' depends_on form a cycle".into(),
        ));
    }
    Ok(())
}

fn parse_field(name: &str, step_id: &str, value: &Value) -> EngineResult<TemplatedValue> {
    TemplatedValue::parse_at(value, &format!("$.steps.{step_id}.{name}")).map_err(|errors| {
        let detail: Vec<String> = errors
            .iter()
            .map(|(path, e)| format!("{path}: {e}"))
            .collect();
        EngineError::InvalidInput(format!("template syntax error: {}", detail.join("; ")))
    })
}

/// Words of a script: identifiers and string contents, for finding the step ids it names.
fn script_words(script: &str) -> HashSet<&str> {
    script
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect()
}

fn compile_step(s: &Step, top_ids: &HashSet<&str>) -> EngineResult<CompiledStep> {
    let mut fields = HashMap::new();
    let mut scripts: Vec<&str> = Vec::new();
    let mut put = |name: &str, v: &Option<Value>| -> EngineResult<()> {
        if let Some(v) = v {
            fields.insert(name.to_string(), parse_field(name, &s.id, v)?);
        }
        Ok(())
    };
    match &s.config {
        StepConfig::McpCall(c) => {
            put("tool_args", &c.tool_args)?;
            put("tool_name", &c.tool_name.clone().map(Value::String))?;
            put("server_url", &c.server_url.clone().map(Value::String))?;
            put("instance_id", &c.instance_id.clone().map(Value::String))?;
            put(
                "connection_resolution",
                &c.connection_resolution.clone().map(Value::String),
            )?;
        }
        StepConfig::LlmCall(c) => {
            put("prompt", &c.prompt.clone().map(Value::String))?;
            put("system", &c.system.clone().map(Value::String))?;
            put("model", &c.model.clone().map(Value::String))?;
            put("model_ref", &c.model_ref.clone().map(Value::String))?;
            put("llm_params", &c.llm_params.clone().map(Value::Object))?;
            // Which workspace LLM key the step pays with (an id; see `LlmKeySource`).
            put(
                "llm_credential_id",
                &c.llm_credential_id.clone().map(Value::String),
            )?;
            put(
                "llm_credential_scope",
                &c.llm_credential_scope.clone().map(Value::String),
            )?;
        }
        StepConfig::AgentCall(c) => {
            put("agent_id", &c.agent_id.clone().map(Value::String))?;
            put("prompt", &c.prompt.clone().map(Value::String))?;
            put("input", &c.input)?;
            put("messages", &c.messages)?;
        }
        StepConfig::HumanTask(c) => put("task_payload", &c.task_payload)?,
        StepConfig::LuaScript(c) => {
            if let Some(script) = &c.script {
                scripts.push(script);
            }
        }
        StepConfig::ForEach(c) => put("for_each_items", &c.items)?,
        StepConfig::While(c) => {
            put("while_condition", &c.condition)?;
            if let Some(script) = &c.eval_script {
                scripts.push(script);
            }
        }
        StepConfig::Invalid { type_name } => {
            return Err(EngineError::InvalidInput(format!(
                "step {:?} has no valid type ({:?})",
                s.id,
                type_name.as_deref().unwrap_or("missing")
            )));
        }
    }
    let condition = match &s.condition {
        Some(c) => Some(parse_field("condition", &s.id, c)?),
        None => None,
    };
    let body = s
        .body()
        .iter()
        .map(|inner| compile_step(inner, top_ids).map(Arc::new))
        .collect::<EngineResult<Vec<_>>>()?;
    let body = order_body(body);
    let mut reads: HashSet<String> = s
        .depends_on
        .iter()
        .filter(|d| top_ids.contains(d.as_str()))
        .cloned()
        .collect();
    for tv in fields.values().chain(condition.iter()) {
        for p in tv.paths() {
            if let Some(id) = p.step_id().filter(|id| top_ids.contains(id)) {
                reads.insert(id.to_string());
            }
        }
    }
    for script in scripts {
        let words = script_words(script);
        for id in top_ids {
            if words.contains(id) || words.contains(id.replace('-', "_").as_str()) {
                reads.insert((*id).to_string());
            }
        }
    }
    for inner in &body {
        reads.extend(inner.reads.iter().cloned());
    }
    // A loop's own id is readable inside it (`steps.<loop>.item`).
    reads.remove(&s.id);
    let mut reads: Vec<String> = reads.into_iter().collect();
    reads.sort();
    Ok(CompiledStep {
        step: s.clone(),
        deps: s.depends_on.clone(),
        dependants: Vec::new(),
        condition,
        fields,
        reads,
        body,
    })
}

/// Orders a loop body: array order, except that a step runs after the inner steps it
/// depends on. Unknown or cyclic inner dependencies fall back to array order.
fn order_body(body: Vec<Arc<CompiledStep>>) -> Vec<Arc<CompiledStep>> {
    let mut done: HashSet<String> = HashSet::new();
    let ids: HashSet<String> = body.iter().map(|b| b.step.id.clone()).collect();
    let mut remaining = body;
    let mut ordered = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        let pos = remaining
            .iter()
            .position(|b| b.deps.iter().all(|d| done.contains(d) || !ids.contains(d)))
            .unwrap_or(0);
        let next = remaining.remove(pos);
        done.insert(next.step.id.clone());
        ordered.push(next);
    }
    ordered
}
