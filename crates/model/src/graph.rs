//! The workflow graph (docs/contract.md §2) as typed values.
//!
//! A [`Graph`] is produced by [`crate::import`] from any accepted JSON shape and turned back
//! into the canonical JSON shape by [`Graph::to_value`]. Fields a step type requires are
//! `Option`s here: a graph with a missing field is still a graph (dry-run reports it as
//! `missing_field`), so the editor can load and fix it.

use serde_json::{Map, Value};

/// A whole workflow graph: its steps, the optional input schema and editor-only data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    pub steps: Vec<Step>,
    /// JSON Schema for the run-start input (`trigger_payload`).
    pub input_schema: Option<Value>,
    /// Editor positions by step id (from canvas `nodes`); ignored by the engine. Each value
    /// is the node's editor data: every node key except `id` and `data.step`, e.g.
    /// `{"position": {"x": 10, "y": 20}}`.
    pub layout: Map<String, Value>,
    /// Any other top-level keys, kept verbatim for the editor; ignored by the engine.
    pub extra: Map<String, Value>,
}

/// One step: identity, the controls every step has, and its type-specific configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Ids that must finish first.
    pub depends_on: Vec<String>,
    /// `false`: skipped with a synthetic completion (`reason: step_disabled`).
    pub enabled: bool,
    /// A template (or a literal JSON value); falsy skips the step (`reason: condition_false`).
    pub condition: Option<Value>,
    /// Retries after a transient failure.
    pub retry_count: u32,
    /// Per-attempt timeout in seconds.
    pub timeout_s: Option<f64>,
    /// On a root step: it runs only when the start params grant it (`trigger_steps`).
    pub no_auto_start: bool,
    /// When this step completes, the run completes at once: steps not yet started are
    /// skipped (`reason: terminal`), steps in flight are cancelled (docs/contract.md §2).
    pub terminal: bool,
    pub config: StepConfig,
    /// Editor-only keys of the step (`position`, `ui`), kept verbatim and ignored by the engine.
    pub editor: Map<String, Value>,
    /// Fields nobody recognised. Import reports each one; they are kept so nothing is lost.
    pub unknown: Map<String, Value>,
}

impl Step {
    /// A step with default controls around `config` (used by builders and tests).
    pub fn new(id: impl Into<String>, config: StepConfig) -> Step {
        Step {
            id: id.into(),
            name: None,
            description: None,
            depends_on: Vec::new(),
            enabled: true,
            condition: None,
            retry_count: 0,
            timeout_s: None,
            no_auto_start: false,
            terminal: false,
            config,
            editor: Map::new(),
            unknown: Map::new(),
        }
    }

    /// The step type, or `None` when the graph named no valid type for this step.
    pub fn step_type(&self) -> Option<StepType> {
        self.config.step_type()
    }

    /// The inner chain of a composite step (`for_each`, `while`); empty for other types.
    pub fn body(&self) -> &[Step] {
        match &self.config {
            StepConfig::ForEach(c) => &c.body,
            StepConfig::While(c) => &c.body,
            _ => &[],
        }
    }

    pub fn is_composite(&self) -> bool {
        matches!(self.config, StepConfig::ForEach(_) | StepConfig::While(_))
    }
}

/// The step types of docs/contract.md §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StepType {
    McpCall,
    LlmCall,
    HumanTask,
    LuaScript,
    ForEach,
    While,
    AgentCall,
}

impl StepType {
    pub const ALL: [StepType; 7] = [
        StepType::McpCall,
        StepType::LlmCall,
        StepType::HumanTask,
        StepType::LuaScript,
        StepType::ForEach,
        StepType::While,
        StepType::AgentCall,
    ];

    /// The wire name (`"mcp_call"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            StepType::McpCall => "mcp_call",
            StepType::LlmCall => "llm_call",
            StepType::HumanTask => "human_task",
            StepType::LuaScript => "lua_script",
            StepType::ForEach => "for_each",
            StepType::While => "while",
            StepType::AgentCall => "agent_call",
        }
    }

    pub fn parse(s: &str) -> Option<StepType> {
        StepType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Types allowed inside a loop body (docs/contract.md §2: no nested composites, no human tasks).
    pub fn allowed_in_body(self) -> bool {
        matches!(
            self,
            StepType::LuaScript | StepType::LlmCall | StepType::McpCall | StepType::AgentCall
        )
    }

    /// The type-specific field names (the common controls are in [`COMMON_FIELDS`]).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            StepType::McpCall => &[
                "tool_name",
                "server_url",
                "instance_id",
                "tool_args",
                "connection_resolution",
            ],
            StepType::LlmCall => &[
                "model",
                "model_ref",
                "prompt",
                "system",
                "llm_params",
                "llm_credential_id",
                "llm_credential_scope",
            ],
            StepType::HumanTask => &["task_type", "task_payload"],
            StepType::LuaScript => &["script"],
            StepType::ForEach => &[
                "for_each_items",
                "for_each_body_steps",
                "for_each_max_parallel",
                "for_each_error_policy",
            ],
            StepType::While => &[
                "while_mode",
                "while_max_iterations",
                "while_body_steps",
                "while_condition",
                "while_eval_script",
            ],
            StepType::AgentCall => &["agent_id", "prompt", "input", "messages"],
        }
    }
}

impl std::fmt::Display for StepType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Fields every step may carry, whatever its type.
pub const COMMON_FIELDS: &[&str] = &[
    "id",
    "type",
    "name",
    "description",
    "depends_on",
    "enabled",
    "condition",
    "retry_count",
    "timeout_s",
    "no_auto_start",
    "terminal",
];

/// Step keys that belong to the editor (canvas) and are kept but ignored by the engine.
pub const EDITOR_FIELDS: &[&str] = &["position", "ui"];

/// Type-specific configuration of a step.
#[derive(Debug, Clone, PartialEq)]
pub enum StepConfig {
    McpCall(McpCall),
    LlmCall(LlmCall),
    HumanTask(HumanTask),
    LuaScript(LuaScript),
    ForEach(ForEach),
    While(While),
    AgentCall(AgentCall),
    /// A step whose `type` is missing or not one of the known types. Import reports it; the
    /// step is kept (its other fields in [`Step::unknown`]) so an editor can fix it. A graph
    /// holding one never validates, so the engine never sees it.
    Invalid {
        type_name: Option<String>,
    },
}

impl StepConfig {
    /// The step type, or `None` for [`StepConfig::Invalid`].
    pub fn step_type(&self) -> Option<StepType> {
        Some(match self {
            StepConfig::McpCall(_) => StepType::McpCall,
            StepConfig::LlmCall(_) => StepType::LlmCall,
            StepConfig::HumanTask(_) => StepType::HumanTask,
            StepConfig::LuaScript(_) => StepType::LuaScript,
            StepConfig::ForEach(_) => StepType::ForEach,
            StepConfig::While(_) => StepType::While,
            StepConfig::AgentCall(_) => StepType::AgentCall,
            StepConfig::Invalid { .. } => return None,
        })
    }
}

/// `mcp_call`: call `tool_name` on an MCP server.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct McpCall {
    pub tool_name: Option<String>,
    /// Portable address: the server's canonical URL.
    pub server_url: Option<String>,
    /// This project's instance of the server.
    pub instance_id: Option<String>,
    /// Templated arguments.
    pub tool_args: Option<Value>,
    /// Whose connection the call uses: `inherit` (default), `workspace` or `principal`
    /// (docs/contract.md §2). Kept as written; validation says what this server honours.
    pub connection_resolution: Option<String>,
}

/// `llm_call`: one completion from a language model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LlmCall {
    /// Provider wire name, e.g. `gpt-4o-mini`.
    pub model: Option<String>,
    /// `<source>.<provider>.<model>`, e.g. `direct.openai.gpt-4o-mini`.
    pub model_ref: Option<String>,
    /// Templated prompt.
    pub prompt: Option<String>,
    /// Templated system prompt.
    pub system: Option<String>,
    /// `temperature`, `max_tokens`, …
    pub llm_params: Option<Map<String, Value>>,
    pub llm_credential_id: Option<String>,
    pub llm_credential_scope: Option<String>,
}

/// `human_task`: park the run until a person approves or rejects.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HumanTask {
    /// `approval`, `edit`, … (free-form; `approval` when absent).
    pub task_type: Option<String>,
    /// Templated payload shown to the approver.
    pub task_payload: Option<Value>,
}

/// `lua_script`: a sandboxed Luau transform that returns a table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LuaScript {
    pub script: Option<String>,
}

/// What a `for_each` does when an item fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorPolicy {
    #[default]
    FailFast,
    ContinueOnError,
}

impl ErrorPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorPolicy::FailFast => "fail_fast",
            ErrorPolicy::ContinueOnError => "continue_on_error",
        }
    }
    pub fn parse(s: &str) -> Option<ErrorPolicy> {
        match s {
            "fail_fast" => Some(ErrorPolicy::FailFast),
            "continue_on_error" => Some(ErrorPolicy::ContinueOnError),
            _ => None,
        }
    }
}

/// Default and ceiling of `for_each_max_parallel` (docs/contract.md §2).
pub const FOR_EACH_DEFAULT_PARALLEL: u32 = 10;
pub const FOR_EACH_MAX_PARALLEL: u32 = 100;

/// `for_each`: run the body chain once per item of a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ForEach {
    /// A template resolving to an array (or a literal array).
    pub items: Option<Value>,
    pub body: Vec<Step>,
    /// `None` means the default (10).
    pub max_parallel: Option<u32>,
    pub error_policy: ErrorPolicy,
}

impl ForEach {
    pub fn effective_max_parallel(&self) -> u32 {
        self.max_parallel
            .unwrap_or(FOR_EACH_DEFAULT_PARALLEL)
            .clamp(1, FOR_EACH_MAX_PARALLEL)
    }
}

/// Whether a `while` step stops when its condition becomes true or false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhileMode {
    /// Stop when the condition is true.
    #[default]
    Until,
    /// Stop when the condition is false.
    While,
}

impl WhileMode {
    pub fn as_str(self) -> &'static str {
        match self {
            WhileMode::Until => "until",
            WhileMode::While => "while",
        }
    }
    pub fn parse(s: &str) -> Option<WhileMode> {
        match s {
            "until" => Some(WhileMode::Until),
            "while" => Some(WhileMode::While),
            _ => None,
        }
    }
}

/// `while`: repeat the body until (or while) a condition holds, at most `max_iterations` times.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct While {
    pub mode: WhileMode,
    /// Required, ≥ 1.
    pub max_iterations: Option<u32>,
    pub body: Vec<Step>,
    /// A template evaluated after each iteration.
    pub condition: Option<Value>,
    /// Lua returning `{pass = bool}`; wins over `condition` when both exist.
    pub eval_script: Option<String>,
}

/// `agent_call`: one synchronous turn of a project agent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgentCall {
    pub agent_id: Option<String>,
    pub prompt: Option<String>,
    pub input: Option<Value>,
    /// The conversation so far, `[{role: "user" | "assistant", content}]` (a chat
    /// thread's history; docs/agents.md "Chat"), usually one whole-value template.
    pub messages: Option<Value>,
}

fn put<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v.into());
    }
}

impl Step {
    /// The step in the canonical JSON shape of docs/contract.md §2. Defaults are omitted, so a graph
    /// survives import → export → import unchanged.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), Value::String(self.id.clone()));
        match &self.config {
            StepConfig::Invalid { type_name: Some(t) } => {
                m.insert("type".into(), Value::String(t.clone()));
            }
            StepConfig::Invalid { type_name: None } => {}
            c => {
                let t = c.step_type().map(StepType::as_str).unwrap_or_default();
                m.insert("type".into(), Value::String(t.into()));
            }
        }
        put(&mut m, "name", self.name.clone());
        put(&mut m, "description", self.description.clone());
        if !self.depends_on.is_empty() {
            m.insert("depends_on".into(), self.depends_on.clone().into());
        }
        if !self.enabled {
            m.insert("enabled".into(), false.into());
        }
        put(&mut m, "condition", self.condition.clone());
        if self.retry_count != 0 {
            m.insert("retry_count".into(), self.retry_count.into());
        }
        put(&mut m, "timeout_s", self.timeout_s);
        if self.no_auto_start {
            m.insert("no_auto_start".into(), true.into());
        }
        if self.terminal {
            m.insert("terminal".into(), true.into());
        }
        match &self.config {
            StepConfig::McpCall(c) => {
                put(&mut m, "tool_name", c.tool_name.clone());
                put(&mut m, "server_url", c.server_url.clone());
                put(&mut m, "instance_id", c.instance_id.clone());
                put(&mut m, "tool_args", c.tool_args.clone());
                put(
                    &mut m,
                    "connection_resolution",
                    c.connection_resolution.clone(),
                );
            }
            StepConfig::LlmCall(c) => {
                put(&mut m, "model", c.model.clone());
                put(&mut m, "model_ref", c.model_ref.clone());
                put(&mut m, "prompt", c.prompt.clone());
                put(&mut m, "system", c.system.clone());
                put(&mut m, "llm_params", c.llm_params.clone());
                put(&mut m, "llm_credential_id", c.llm_credential_id.clone());
                put(
                    &mut m,
                    "llm_credential_scope",
                    c.llm_credential_scope.clone(),
                );
            }
            StepConfig::HumanTask(c) => {
                put(&mut m, "task_type", c.task_type.clone());
                put(&mut m, "task_payload", c.task_payload.clone());
            }
            StepConfig::LuaScript(c) => put(&mut m, "script", c.script.clone()),
            StepConfig::ForEach(c) => {
                put(&mut m, "for_each_items", c.items.clone());
                m.insert(
                    "for_each_body_steps".into(),
                    Value::Array(c.body.iter().map(Step::to_value).collect()),
                );
                put(&mut m, "for_each_max_parallel", c.max_parallel);
                if c.error_policy != ErrorPolicy::FailFast {
                    m.insert(
                        "for_each_error_policy".into(),
                        c.error_policy.as_str().into(),
                    );
                }
            }
            StepConfig::While(c) => {
                m.insert("while_mode".into(), c.mode.as_str().into());
                put(&mut m, "while_max_iterations", c.max_iterations);
                m.insert(
                    "while_body_steps".into(),
                    Value::Array(c.body.iter().map(Step::to_value).collect()),
                );
                put(&mut m, "while_condition", c.condition.clone());
                put(&mut m, "while_eval_script", c.eval_script.clone());
            }
            StepConfig::AgentCall(c) => {
                put(&mut m, "agent_id", c.agent_id.clone());
                put(&mut m, "prompt", c.prompt.clone());
                put(&mut m, "input", c.input.clone());
                put(&mut m, "messages", c.messages.clone());
            }
            StepConfig::Invalid { .. } => {}
        }
        for (k, v) in self.editor.iter().chain(self.unknown.iter()) {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

impl Graph {
    /// The graph in the canonical (backend) JSON shape: `steps`, `input_schema`, the other
    /// top-level keys, and — when positions are known — `nodes` carrying them for the editor.
    pub fn to_value(&self) -> Value {
        let mut m = self.extra.clone();
        m.insert(
            "steps".into(),
            Value::Array(self.steps.iter().map(Step::to_value).collect()),
        );
        if let Some(schema) = &self.input_schema {
            m.insert("input_schema".into(), schema.clone());
        }
        if !self.layout.is_empty() {
            let nodes = self
                .layout
                .iter()
                .map(|(id, editor)| {
                    let mut node = match editor {
                        Value::Object(keys) => keys.clone(),
                        // Not produced by import; kept readable rather than dropped.
                        other => Map::from_iter([("position".to_string(), other.clone())]),
                    };
                    node.insert("id".into(), Value::String(id.clone()));
                    Value::Object(node)
                })
                .collect();
            m.insert("nodes".into(), Value::Array(nodes));
        }
        Value::Object(m)
    }

    /// The engine-relevant part of the graph (no editor data), for hashing and snapshots.
    pub fn to_engine_value(&self) -> Value {
        let mut m = Map::new();
        let steps = self
            .steps
            .iter()
            .map(|s| {
                let mut v = s.to_value();
                if let Value::Object(o) = &mut v {
                    strip_editor_keys(o);
                }
                v
            })
            .collect();
        m.insert("steps".into(), Value::Array(steps));
        if let Some(schema) = &self.input_schema {
            m.insert("input_schema".into(), schema.clone());
        }
        Value::Object(m)
    }

    /// Finds a top-level step by id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Every step, top-level and inner, with its parent's id for inner steps.
    pub fn all_steps(&self) -> impl Iterator<Item = (Option<&Step>, &Step)> {
        self.steps.iter().flat_map(|s| {
            std::iter::once((None, s)).chain(s.body().iter().map(move |inner| (Some(s), inner)))
        })
    }
}

fn strip_editor_keys(step: &mut Map<String, Value>) {
    for k in EDITOR_FIELDS {
        step.remove(*k);
    }
    for body_key in ["for_each_body_steps", "while_body_steps"] {
        if let Some(Value::Array(inner)) = step.get_mut(body_key) {
            for s in inner {
                if let Value::Object(o) = s {
                    strip_editor_keys(o);
                }
            }
        }
    }
}
