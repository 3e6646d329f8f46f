//! The `agent_call` executor: one turn of a project agent (docs/contract.md §2, §13).
//!
//! A turn is a loop of rounds. Each round sends the conversation and the schemas of the
//! agent's allowed tools to the model; when the model asks for tools, each call is made
//! as an MCP call (the `mcp_call` path: resolution, credentials, SSRF guard, pool) and
//! its result appended. The loop ends at a final answer, after `max_turns` tool rounds,
//! or when the agent's token budget is spent; the step's timeout bounds it all.
//!
//! **Durability.** Every tool round is stored through [`AgentBackend::commit_round`]
//! before the next model call. A turn that runs again — the step retaken after a crash,
//! or retried — first loads the stored rounds, rebuilds the conversation from them and
//! continues after the last one, so no tool call of a stored round is made twice. Only
//! the round in flight at the crash (its model call and any of its tool calls) can run
//! again.
//!
//! **Workflows as tools.** Each of the agent's `workflows_as_tools` is offered as one more
//! tool (named by [`workflow_tool_name`]); a call starts a run of the workflow's latest
//! published version through [`AgentBackend::run_workflow`] under a client run id made
//! from the call's stable key — so the call re-made after a crash finds the run it
//! started — and waits for it, within the [`WorkflowCallLimit`] of the node.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_connect::llm::{ChatMessage, LlmRequest, ToolCall, ToolResult, ToolSpec};
use ar_engine::{StepCall, StepExecutor, StepFailure};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::inputs::Inputs;
use crate::llm_call::{LlmCallExecutor, ModelChoice, take_stream_flag};
use crate::mcp_call::McpCallExecutor;
use crate::mcp_target::McpServerRef;
use crate::workflow_tools::{BUSY, WorkflowCallLimit, workflow_tool_name};

/// Failure code of an `agent_call` that cannot run as configured (unknown agent, a tool
/// its server does not offer, a missing prompt).
pub const AGENT_INVALID: &str = "AGENT_INVALID";

/// Failure code of a turn whose rounds cannot be stored or read.
pub const AGENT_STATE_FAILED: &str = "AGENT_STATE_FAILED";

/// Longest tool result, in bytes, handed back to the model; the rest is cut with a note
/// (the whole result would be paid for as input tokens on every later round).
pub const MAX_TOOL_RESULT_CHARS: usize = 64 * 1024;

/// An agent as a turn needs it (the server reads it from the project's agents).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSpec {
    pub id: String,
    /// The system prompt.
    pub instructions: String,
    pub model: ModelChoice,
    /// Passed to the provider as they are (`temperature`, `max_tokens`, …; `stream`).
    pub llm_params: Map<String, Value>,
    pub tools: Vec<AgentTools>,
    /// The most tool rounds of one turn.
    pub max_turns: u32,
    /// The most tokens (in + out) of one turn; `None`: no limit but `max_turns`.
    pub token_budget: Option<u64>,
    /// Ids of workflows of the agent's project offered as tools (`workflows_as_tools`).
    pub workflows: Vec<String>,
}

/// A workflow offered as a tool, as the backend describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowTool {
    pub workflow_id: String,
    /// The workflow's name (the tool's name is made from it).
    pub name: String,
    pub description: String,
    /// The latest published version's `input_schema`; `None`: none, or not published.
    pub input_schema: Option<Value>,
}

/// Tools of one MCP server an agent may call.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentTools {
    pub server: McpServerRef,
    /// The allowed tools; every one must be offered by the server.
    pub tool_names: Vec<String>,
}

/// One stored tool round of a turn: the model's answer that asked for tools, and what
/// each tool answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// 1, 2, 3, …
    pub round: u32,
    /// What the model said along with its tool calls (often empty).
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub results: Vec<RoundResult>,
    /// The tokens of this round's model call.
    pub tokens_in: u64,
    pub tokens_out: u64,
}

/// What one tool call of a round answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundResult {
    pub call_id: String,
    pub tool: String,
    /// The instance the tool was called on (`None` for a `server_url`).
    pub instance_id: Option<String>,
    /// The workflow a workflow tool runs (`None` for an MCP tool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    pub ok: bool,
    /// The result as text, or the error message.
    pub content: String,
}

/// Where a turn finds its agent and keeps its rounds (the server: the project's agents
/// and the `agent_rounds` table).
#[async_trait]
pub trait AgentBackend: Send + Sync + 'static {
    /// The agent `agent_id` of the call's project; an unknown id (or another project's)
    /// is an [`AGENT_INVALID`] failure.
    async fn agent(&self, call: &StepCall, agent_id: &str) -> Result<AgentSpec, StepFailure>;
    /// The stored rounds of this step's turn, in order.
    async fn rounds(&self, call: &StepCall, step_key: &str) -> Result<Vec<Round>, StepFailure>;
    /// Stores a finished round. When that round is stored already (another worker got
    /// there first), returns the stored one, which the turn then continues from.
    async fn commit_round(
        &self,
        call: &StepCall,
        step_key: &str,
        round: &Round,
    ) -> Result<Round, StepFailure>;
    /// The workflows among `ids` that exist in the call's project, in the order of
    /// `ids` (a deleted one is left out). A backend without workflows offers none.
    async fn workflow_tools(
        &self,
        _call: &StepCall,
        _ids: &[String],
    ) -> Result<Vec<WorkflowTool>, StepFailure> {
        Ok(Vec::new())
    }
    /// Starts a run of the latest published version of `workflow_id` (of the call's
    /// project) with `input` as its trigger payload and `client_run_id` as its client run
    /// id — a run already started under that id is the one used — and waits at most
    /// `wait` for it to end. Answers `{run_id, status, output}`, or why it could not
    /// (text the model may read: no secrets).
    async fn run_workflow(
        &self,
        _call: &StepCall,
        _workflow_id: &str,
        _input: Value,
        _client_run_id: &str,
        _wait: Duration,
    ) -> Result<Value, String> {
        Err("workflows cannot be called as tools here".to_owned())
    }
}

/// The most messages of a `messages` conversation a turn sends: older ones are dropped.
pub const MAX_CONVERSATION_MESSAGES: usize = 40;

/// The most bytes of message text a `messages` conversation sends: older messages are
/// dropped until the rest fits (the newest one is always kept).
pub const MAX_CONVERSATION_BYTES: usize = 64 * 1024;

/// Runs `agent_call` steps: `agent_id` with `messages` (the conversation so far) and/or
/// `prompt` (or `input`, sent as JSON) as the newest user message.
pub struct AgentCallExecutor {
    llm: Arc<LlmCallExecutor>,
    mcp: Arc<McpCallExecutor>,
    backend: Arc<dyn AgentBackend>,
    workflow_calls: WorkflowCallLimit,
}

impl AgentCallExecutor {
    pub fn new(
        llm: Arc<LlmCallExecutor>,
        mcp: Arc<McpCallExecutor>,
        backend: Arc<dyn AgentBackend>,
    ) -> Self {
        Self {
            llm,
            mcp,
            backend,
            workflow_calls: WorkflowCallLimit::for_workers(
                ar_engine::EngineConfig::default().workers,
            ),
        }
    }

    /// Bounds the workflow-tool calls waiting at once to those a node with `workers`
    /// engine workers allows ([`WorkflowCallLimit`]).
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workflow_calls = WorkflowCallLimit::for_workers(workers);
        self
    }
}

/// Why a turn ended (`stopped_reason`).
const FINAL_ANSWER: &str = "final_answer";
const MAX_TURNS: &str = "max_turns";
const TOKEN_BUDGET: &str = "token_budget";

#[async_trait]
impl StepExecutor for AgentCallExecutor {
    /// `agent_turn_started`, `agent_tool_round`, `agent_turn_completed`.
    fn reports_progress(&self) -> bool {
        true
    }

    async fn execute(&self, call: StepCall) -> Result<Value, StepFailure> {
        let inputs = Inputs::new(&call.inputs, "agent_call", AGENT_INVALID);
        let agent_id = inputs.text("agent_id")?;
        let mut conversation =
            conversation_of(&call.inputs).map_err(|what| inputs.invalid(what))?;
        conversation.extend(prompt_of(&call.inputs).map(ChatMessage::user));
        if conversation.is_empty() {
            return Err(
                inputs.invalid("neither `prompt`, `input` nor `messages` is set".to_owned())
            );
        }
        let agent = self.backend.agent(&call, &agent_id).await?;
        emit(&call, "agent_turn_started", json!({"agent_id": agent.id})).await;
        let turn = Turn::new(self, &call, &agent).await?;
        let outcome = turn.run(conversation).await?;
        emit(
            &call,
            "agent_turn_completed",
            json!({"turns": outcome["turns"], "stopped_reason": outcome["stopped_reason"]}),
        )
        .await;
        Ok(outcome)
    }
}

/// One turn in progress.
struct Turn<'a> {
    executor: &'a AgentCallExecutor,
    call: &'a StepCall,
    agent: &'a AgentSpec,
    step_key: String,
    /// The allowed tools' schemas, and where each tool lives.
    tools: Vec<ToolSpec>,
    servers: HashMap<String, McpServerRef>,
    /// Workflow tools: tool name -> workflow id.
    workflows: HashMap<String, String>,
    /// When the turn began: a workflow call waits at most the step's remaining time.
    started: Instant,
}

impl<'a> Turn<'a> {
    /// Lists the agent's servers' tools and keeps the allowed ones.
    async fn new(
        executor: &'a AgentCallExecutor,
        call: &'a StepCall,
        agent: &'a AgentSpec,
    ) -> Result<Turn<'a>, StepFailure> {
        let mut tools = Vec::new();
        let mut servers = HashMap::new();
        for set in &agent.tools {
            let offered = executor.mcp.list_tools(call, &set.server).await?;
            for name in &set.tool_names {
                let Some(info) = offered.iter().find(|t| &t.name == name) else {
                    return Err(StepFailure::permanent(
                        AGENT_INVALID,
                        format!(
                            "agent {}: the server {} offers no tool {name:?} (it offers: {}); \
                             update the agent's tool_names",
                            agent.id,
                            server_label(&set.server),
                            offered
                                .iter()
                                .map(|t| t.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                };
                if servers.insert(name.clone(), set.server.clone()).is_some() {
                    return Err(StepFailure::permanent(
                        AGENT_INVALID,
                        format!(
                            "agent {}: two of its servers offer a tool named {name:?}; allow it \
                             from one server only",
                            agent.id
                        ),
                    ));
                }
                tools.push(ToolSpec {
                    name: info.name.clone(),
                    description: info.description.clone(),
                    input_schema: info.input_schema.clone(),
                });
            }
        }
        let mut taken: HashSet<String> = servers.keys().cloned().collect();
        let mut workflows = HashMap::new();
        if !agent.workflows.is_empty() {
            for workflow in executor
                .backend
                .workflow_tools(call, &agent.workflows)
                .await?
            {
                let name = workflow_tool_name(&workflow.name, &workflow.workflow_id, &mut taken);
                tools.push(ToolSpec {
                    name: name.clone(),
                    description: Some(workflow.description).filter(|d| !d.is_empty()),
                    input_schema: workflow
                        .input_schema
                        .unwrap_or_else(|| json!({"type": "object"})),
                });
                workflows.insert(name, workflow.workflow_id);
            }
        }
        Ok(Turn {
            executor,
            call,
            agent,
            step_key: step_key(call),
            tools,
            servers,
            workflows,
            started: Instant::now(),
        })
    }

    async fn run(&self, conversation: Vec<ChatMessage>) -> Result<Value, StepFailure> {
        let mut params = self.agent.llm_params.clone();
        let stream = take_stream_flag(&mut params)
            .map_err(|what| StepFailure::permanent(AGENT_INVALID, what))?;
        let mut messages = conversation;
        let mut rounds = self
            .executor
            .backend
            .rounds(self.call, &self.step_key)
            .await?;
        for round in &rounds {
            append_round(&mut messages, round);
        }
        let (mut tokens_in, mut tokens_out) = rounds
            .iter()
            .fold((0, 0), |(i, o), r| (i + r.tokens_in, o + r.tokens_out));
        let mut text = rounds.last().map(|r| r.text.clone()).unwrap_or_default();
        let stopped = loop {
            if rounds.len() >= self.agent.max_turns as usize {
                break MAX_TURNS;
            }
            if self
                .agent
                .token_budget
                .is_some_and(|budget| tokens_in + tokens_out >= budget)
            {
                break TOKEN_BUDGET;
            }
            let request = LlmRequest {
                model: String::new(),
                system: Some(self.agent.instructions.clone()).filter(|s| !s.is_empty()),
                messages: messages.clone(),
                params: params.clone(),
                tools: self.tools.clone(),
            };
            let response = self
                .executor
                .llm
                .converse(self.call, &self.agent.model, request, stream)
                .await?;
            tokens_in += response.tokens_in;
            tokens_out += response.tokens_out;
            text = response.text.clone();
            if response.tool_calls.is_empty() {
                break FINAL_ANSWER;
            }
            let number = rounds.len() as u32 + 1;
            let mut results = Vec::with_capacity(response.tool_calls.len());
            for (i, tool_call) in response.tool_calls.iter().enumerate() {
                results.push(self.call_tool(number, i, tool_call).await?);
            }
            let round = Round {
                round: number,
                text: response.text,
                tool_calls: response.tool_calls,
                results,
                tokens_in: response.tokens_in,
                tokens_out: response.tokens_out,
            };
            // Stored before the next model call: from here on a re-run continues after it.
            let stored = self
                .executor
                .backend
                .commit_round(self.call, &self.step_key, &round)
                .await?;
            for result in &stored.results {
                emit(
                    self.call,
                    "agent_tool_round",
                    json!({"round": stored.round, "tool": result.tool, "ok": result.ok}),
                )
                .await;
            }
            append_round(&mut messages, &stored);
            rounds.push(stored);
        };
        let tool_calls: Vec<Value> = rounds
            .iter()
            .flat_map(|r| {
                r.results.iter().map(move |res| {
                    let mut entry = json!({"round": r.round, "tool": res.tool, "instance_id": res.instance_id, "ok": res.ok});
                    // Only workflow tools name a workflow: metering tells them from MCP calls.
                    if let Some(id) = &res.workflow_id {
                        entry["workflow_id"] = json!(id);
                    }
                    entry
                })
            })
            .collect();
        // Model answers: one per round, plus the final answer when there was one.
        let turns = rounds.len() + usize::from(stopped == FINAL_ANSWER);
        Ok(json!({
            "text": text,
            "turns": turns,
            "tool_calls": tool_calls,
            "usage": {"tokens_in": tokens_in, "tokens_out": tokens_out},
            "stopped_reason": stopped,
        }))
    }

    /// Calls one tool the model asked for. A tool that fails (or one the agent may not
    /// use) is answered to the model as an error, which it may work around; only a
    /// stopped run ends the turn.
    async fn call_tool(
        &self,
        round: u32,
        index: usize,
        tool_call: &ToolCall,
    ) -> Result<RoundResult, StepFailure> {
        let mut result = RoundResult {
            call_id: tool_call.id.clone(),
            tool: tool_call.name.clone(),
            instance_id: None,
            workflow_id: None,
            ok: false,
            content: String::new(),
        };
        // Stable across attempts, distinct per call: a deduplicating server sees a
        // re-made call of the round in flight at a crash as the same operation.
        let key = format!(
            "{}:{}#agent/{round}/{index}",
            self.call.run_id, self.step_key
        );
        if let Some(workflow_id) = self.workflows.get(&tool_call.name) {
            return self
                .call_workflow(result, workflow_id, tool_call, &key)
                .await;
        }
        let Some(server) = self.servers.get(&tool_call.name) else {
            result.content = format!(
                "there is no tool {:?}; the tools are: {}",
                tool_call.name,
                self.tools
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Ok(result);
        };
        result.instance_id = server.instance_id.clone();
        let args = match &tool_call.arguments {
            Value::Object(_) => tool_call.arguments.clone(),
            Value::Null => json!({}),
            _ => {
                result.content = "the tool's arguments must be a JSON object".to_owned();
                return Ok(result);
            }
        };
        match self
            .executor
            .mcp
            .call_tool(self.call, server, &tool_call.name, args, key)
            .await
        {
            Ok(value) => {
                result.ok = true;
                result.content = bounded(tool_text(value));
            }
            Err(_) if self.call.cancel.is_cancelled() => {
                return Err(StepFailure::permanent(
                    "MCP_CANCELLED",
                    "the agent's tool call was cancelled (the run was stopped)",
                ));
            }
            Err(failure) => {
                result.content = bounded(format!("{}: {}", failure.code, failure.message));
            }
        }
        Ok(result)
    }

    /// Runs a workflow the model asked for and answers with its run's end. `key` (the
    /// call's stable key) is the run's client run id: a call re-made after a crash finds
    /// the run the first one started.
    async fn call_workflow(
        &self,
        mut result: RoundResult,
        workflow_id: &str,
        tool_call: &ToolCall,
        key: &str,
    ) -> Result<RoundResult, StepFailure> {
        result.workflow_id = Some(workflow_id.to_owned());
        let input = match &tool_call.arguments {
            Value::Object(_) => tool_call.arguments.clone(),
            Value::Null => json!({}),
            _ => {
                result.content = "the tool's arguments must be a JSON object".to_owned();
                return Ok(result);
            }
        };
        // Held while the child run is awaited (WorkflowCallLimit says why).
        let Some(_slot) = self.executor.workflow_calls.try_acquire() else {
            result.content = BUSY.to_owned();
            return Ok(result);
        };
        let wait = match self.call.timeout {
            Some(limit) => limit.saturating_sub(self.started.elapsed()),
            None => NO_STEP_TIMEOUT_WAIT,
        };
        let run = self
            .executor
            .backend
            .run_workflow(self.call, workflow_id, input, key, wait);
        tokio::select! {
            outcome = run => match outcome {
                Ok(value) => {
                    result.ok = true;
                    result.content = bounded(tool_text(value));
                }
                Err(message) => result.content = bounded(message),
            },
            () = self.call.cancel.cancelled() => {
                return Err(StepFailure::permanent(
                    "AGENT_CANCELLED",
                    "the agent's workflow call was cancelled (the run was stopped)",
                ));
            }
        }
        Ok(result)
    }
}

/// How long a workflow call of a step without a timeout waits for its run.
const NO_STEP_TIMEOUT_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// The conversation messages of a stored round: the model's tool calls, then their
/// results.
fn append_round(messages: &mut Vec<ChatMessage>, round: &Round) {
    messages.push(ChatMessage::assistant_tool_calls(
        round.text.clone(),
        round.tool_calls.clone(),
    ));
    messages.push(ChatMessage::tool_results(
        round
            .results
            .iter()
            .map(|r| ToolResult {
                call_id: r.call_id.clone(),
                content: r.content.clone(),
                is_error: !r.ok,
            })
            .collect(),
    ));
}

/// The `messages` input (`[{role: "user" | "assistant", content}]`) as the start of the
/// conversation, bounded to the newest [`MAX_CONVERSATION_MESSAGES`] messages and
/// [`MAX_CONVERSATION_BYTES`] of text; absent or `null`: none. A malformed entry is
/// refused with what is wrong.
fn conversation_of(inputs: &Value) -> Result<Vec<ChatMessage>, String> {
    let list = match inputs.get("messages") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err("`messages` must be a list of {role, content}".to_owned()),
    };
    let mut conversation = Vec::with_capacity(list.len().min(MAX_CONVERSATION_MESSAGES));
    for (i, entry) in list.iter().enumerate() {
        let content = entry
            .get("content")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("`messages[{i}].content` must be text"))?;
        let message = match entry.get("role").and_then(Value::as_str) {
            Some("user") => ChatMessage::user(content),
            Some("assistant") => ChatMessage::assistant_tool_calls(content, Vec::new()),
            _ => {
                return Err(format!(
                    "`messages[{i}].role` must be \"user\" or \"assistant\""
                ));
            }
        };
        conversation.push(message);
    }
    let mut start = conversation.len().saturating_sub(MAX_CONVERSATION_MESSAGES);
    let mut bytes: usize = conversation[start..].iter().map(|m| m.content.len()).sum();
    while bytes > MAX_CONVERSATION_BYTES && start + 1 < conversation.len() {
        bytes -= conversation[start].content.len();
        start += 1;
    }
    Ok(conversation.split_off(start))
}

/// `prompt` as text, else `input` as compact JSON (or its text).
fn prompt_of(inputs: &Value) -> Option<String> {
    let text = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    inputs
        .get("prompt")
        .and_then(text)
        .or_else(|| inputs.get("input").and_then(text))
}

/// The step's key within its run: the engine's idempotency key without the run and
/// the attempt, so a retry or a crash-retake of the step finds the same rounds.
pub fn step_key(call: &StepCall) -> String {
    let key = call
        .idempotency_key
        .strip_prefix(&format!("{}:", call.run_id))
        .unwrap_or(&call.idempotency_key);
    match key.rsplit_once(':') {
        Some((step, attempt)) if attempt.parse::<u32>().is_ok() => step.to_owned(),
        _ => key.to_owned(),
    }
}

fn server_label(server: &McpServerRef) -> String {
    match (&server.instance_id, &server.server_url) {
        (Some(id), _) => format!("of instance {id}"),
        (None, Some(url)) => format!("at {url}"),
        (None, None) => "(none)".to_owned(),
    }
}

/// A tool's result as the model reads it: text as it is (a text-only answer, which the
/// MCP result mapping gives as `{"text": …}`, included), anything else as compact JSON.
fn tool_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        Value::Object(map) if map.len() == 1 && map.get("text").is_some_and(Value::is_string) => {
            match map.into_iter().next() {
                Some((_, Value::String(text))) => text,
                _ => String::new(),
            }
        }
        other => other.to_string(),
    }
}

/// Cuts `text` to [`MAX_TOOL_RESULT_CHARS`] bytes (on a character boundary), saying so.
fn bounded(mut text: String) -> String {
    if text.len() > MAX_TOOL_RESULT_CHARS {
        let mut end = MAX_TOOL_RESULT_CHARS;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(" … [cut: the tool's answer was longer]");
    }
    text
}

/// Writes a progress event; a failure is logged, never the step's failure.
async fn emit(call: &StepCall, kind: &str, data: Value) {
    if let Err(error) = call.events.emit(kind, data).await {
        tracing::warn!(run_id = %call.run_id, step_id = %call.step_id, kind, %error, "agent event not written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_is_the_prompt_or_the_input_as_json() {
        assert_eq!(prompt_of(&json!({"prompt": "hi"})).as_deref(), Some("hi"));
        assert_eq!(
            prompt_of(&json!({"prompt": " ", "input": {"q": 1}})).as_deref(),
            Some(r#"{"q":1}"#)
        );
        assert_eq!(prompt_of(&json!({})), None);
    }

    #[test]
    fn messages_start_the_conversation_newest_kept_within_bounds() {
        let conversation = conversation_of(&json!({"messages": [
            {"role": "user", "content": "alice: hi"},
            {"role": "assistant", "content": "hello"},
        ]}))
        .expect("valid");
        assert_eq!(conversation.len(), 2);
        assert_eq!(conversation[1].role, ar_connect::llm::Role::Assistant);
        assert_eq!(conversation[1].content, "hello");

        let many: Vec<Value> = (0..50)
            .map(|i| json!({"role": "user", "content": format!("m{i}")}))
            .collect();
        let kept = conversation_of(&json!({ "messages": many })).expect("valid");
        assert_eq!(kept.len(), MAX_CONVERSATION_MESSAGES);
        assert_eq!(kept[0].content, "m10");

        let big = "x".repeat(30 * 1024);
        let heavy: Vec<Value> = (0..4)
            .map(|i| json!({"role": "user", "content": format!("{i}{big}")}))
            .collect();
        let kept = conversation_of(&json!({ "messages": heavy })).expect("valid");
        assert_eq!(
            kept.len(),
            2,
            "two 30 KiB messages fit in 64 KiB, three do not"
        );
        assert!(kept[0].content.starts_with('2'));

        assert!(
            conversation_of(&json!({"messages": [{"role": "system", "content": "x"}]})).is_err()
        );
        assert!(conversation_of(&json!({"messages": [{"role": "user"}]})).is_err());
        assert!(conversation_of(&json!({"messages": "text"})).is_err());
        assert!(conversation_of(&json!({})).expect("none").is_empty());
    }

    #[test]
    fn text_answers_reach_the_model_as_text_and_the_rest_as_json() {
        assert_eq!(tool_text(json!({"text": "Echo: hi"})), "Echo: hi");
        assert_eq!(tool_text(json!("plain")), "plain");
        assert_eq!(tool_text(json!({"a": 1})), r#"{"a":1}"#);
        let both: Value =
            serde_json::from_str(&tool_text(json!({"text": "t", "b": 2}))).expect("json");
        assert_eq!(both, json!({"text": "t", "b": 2}));
    }

    #[test]
    fn long_tool_answers_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_TOOL_RESULT_CHARS);
        let cut = bounded(long);
        assert!(cut.len() < MAX_TOOL_RESULT_CHARS + 64);
        assert!(cut.ends_with("longer]"));
        assert_eq!(bounded("short".into()), "short");
    }

    #[test]
    fn a_stored_round_becomes_the_tool_call_and_its_results() {
        let round = Round {
            round: 1,
            text: String::new(),
            tool_calls: vec![ToolCall {
                id: "c1".into(),
                name: "echo".into(),
                arguments: json!({"message": "x"}),
            }],
            results: vec![RoundResult {
                call_id: "c1".into(),
                tool: "echo".into(),
                instance_id: None,
                workflow_id: None,
                ok: false,
                content: "boom".into(),
            }],
            tokens_in: 1,
            tokens_out: 1,
        };
        let mut messages = Vec::new();
        append_round(&mut messages, &round);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].tool_calls.len(), 1);
        assert!(messages[1].tool_results[0].is_error);
    }
}
