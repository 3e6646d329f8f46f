//! How step types reach the engine: the [`StepExecutor`] trait, and the executors this
//! crate ships (`lua_script`; the "not configured" stand-in for the others).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ar_lua::{LuaLimits, LuaRuntime};
use async_trait::async_trait;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::progress::StepEvents;

/// One attempt of one step, as handed to an executor.
#[derive(Debug, Clone)]
pub struct StepCall {
    pub run_id: String,
    /// The run's workflow (`""` for ad-hoc runs).
    pub workflow_id: String,
    /// The run's project, for executors that resolve per-project resources (MCP
    /// instances, connections, workspace keys); `None` for ad-hoc local runs.
    pub project_id: Option<String>,
    /// The step id (for loop body steps: the inner step's id).
    pub step_id: String,
    /// The wire name of the step type (`mcp_call`, `lua_script`, …).
    pub step_type: String,
    /// 1-based attempt number.
    pub attempt: u32,
    /// `run_id:step_id:attempt` (loop items: `run_id:loop#index/inner:attempt`); stable
    /// across a crash-retake of the same attempt, for tools that deduplicate side effects.
    pub idempotency_key: String,
    /// The step's resolved (templated) configuration, e.g. `{tool_name, tool_args, …}`;
    /// for `lua_script`: `{script}`.
    pub inputs: Value,
    /// The scopes a script sees as globals: `input`, `steps`, `run`, and in loops `item`,
    /// `index`, `foreach`, `body`, `loop`.
    pub globals: Arc<Map<String, Value>>,
    /// The attempt's time limit, if any (the engine enforces it too).
    pub timeout: Option<Duration>,
    /// Cancelled when the run is stopped or failed, or the attempt timed out.
    pub cancel: CancellationToken,
    /// Where the executor may report progress events of the step (`agent_*`).
    pub events: StepEvents,
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    /// docs/contract.md §7 failure code (`LUA_ERROR`, `STEP_TIMEOUT`, `MCP_TOOL_FAILED`, …).
    pub code: String,
    pub message: String,
    /// Transient failures (timeouts, rate limits, 5xx, connection errors) are retried
    /// according to `retry_count`; the others fail the step at once.
    pub transient: bool,
}

impl StepFailure {
    pub fn new(code: &str, message: impl Into<String>, transient: bool) -> StepFailure {
        StepFailure {
            code: code.to_string(),
            message: message.into(),
            transient,
        }
    }
    /// A non-transient failure.
    pub fn permanent(code: &str, message: impl Into<String>) -> StepFailure {
        StepFailure::new(code, message, false)
    }
}

/// Failure code of a step whose type has no executor registered.
pub const EXECUTOR_UNAVAILABLE: &str = "EXECUTOR_UNAVAILABLE";

/// Executes one step type.
#[async_trait]
pub trait StepExecutor: Send + Sync + 'static {
    async fn execute(&self, call: StepCall) -> Result<Value, StepFailure>;

    /// Whether `execute` writes progress events of its own while it runs (through
    /// `StepCall::events`, e.g. `agent_call`'s `agent_*` events, docs/contract.md §7). The
    /// engine then commits the step's `step_started` before the call begins, so those
    /// events follow it in the log. A wrapping executor forwards its inner one's answer.
    fn reports_progress(&self) -> bool {
        false
    }
}

/// Executors by step type name.
#[derive(Clone, Default)]
pub struct Executors {
    by_type: HashMap<String, Arc<dyn StepExecutor>>,
}

impl Executors {
    /// The built-in set: `lua_script` with the given limits.
    pub fn with_builtin(limits: LuaLimits) -> Executors {
        let mut e = Executors::default();
        e.register("lua_script", Arc::new(LuaExecutor { limits }));
        e
    }
    /// Registers (or replaces) the executor of a step type.
    pub fn register(&mut self, step_type: &str, executor: Arc<dyn StepExecutor>) -> &mut Self {
        self.by_type.insert(step_type.to_string(), executor);
        self
    }
    pub fn get(&self, step_type: &str) -> Option<&Arc<dyn StepExecutor>> {
        self.by_type.get(step_type)
    }
    pub fn has(&self, step_type: &str) -> bool {
        self.by_type.contains_key(step_type)
    }
}

thread_local! {
    /// Each blocking worker thread keeps its own sandboxed Luau state (a fresh one costs
    /// ~150 µs; reuse ~50 µs per step). Keyed by the limits it was built with.
    static LUA: RefCell<Option<(LuaLimits, LuaRuntime)>> = const { RefCell::new(None) };
}

/// Runs a Lua script on the calling (blocking) thread's runtime.
pub(crate) fn run_lua(
    limits: &LuaLimits,
    script: &str,
    globals: &Map<String, Value>,
    timeout: Option<Duration>,
) -> Result<Map<String, Value>, StepFailure> {
    LUA.with(|cell| {
        let mut slot = cell.borrow_mut();
        let fresh = !matches!(&*slot, Some((l, _)) if l == limits);
        if fresh {
            let runtime = LuaRuntime::new(limits.clone()).map_err(|e| {
                StepFailure::permanent("LUA_ERROR", format!("could not start the Lua runtime: {e}"))
            })?;
            *slot = Some((limits.clone(), runtime));
        }
        let Some((_, runtime)) = slot.as_mut() else {
            return Err(StepFailure::permanent(
                "LUA_ERROR",
                "Lua runtime unavailable",
            ));
        };
        let pairs: Vec<(&str, &Value)> = globals.iter().map(|(k, v)| (k.as_str(), v)).collect();
        runtime.execute(script, &pairs, timeout).map_err(|e| {
            let code = e.code();
            // A script time limit is a step timeout: transient like any other.
            StepFailure::new(code, e.to_string(), code == "STEP_TIMEOUT")
        })
    })
}

/// The `lua_script` executor: runs the script on a blocking thread with the call's globals.
pub struct LuaExecutor {
    pub limits: LuaLimits,
}

#[async_trait]
impl StepExecutor for LuaExecutor {
    async fn execute(&self, call: StepCall) -> Result<Value, StepFailure> {
        let script = match call.inputs.get("script") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                return Err(StepFailure::permanent(
                    "LUA_ERROR",
                    "lua_script step has no `script`",
                ));
            }
        };
        let limits = self.limits.clone();
        let globals = call.globals.clone();
        let timeout = call.timeout;
        tokio::task::spawn_blocking(move || {
            run_lua(&limits, &script, &globals, timeout).map(Value::Object)
        })
        .await
        .map_err(|e| {
            StepFailure::permanent("LUA_ERROR", format!("Lua worker thread failed: {e}"))
        })?
    }
}
