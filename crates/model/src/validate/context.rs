//! What the caller plugs into validation: a Lua runtime, an MCP binding resolver and the
//! list of step types it can execute. `ar-model` does no I/O itself.

use serde_json::{Map, Value};

use crate::graph::StepType;

/// Which way a Lua check failed, so it maps to the right issue code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LuaFailure {
    /// The script does not compile (`lua_syntax`).
    Syntax,
    /// The script raised an error, ran out of time or memory (`lua_fixture_runtime`).
    Runtime,
    /// The script returned something that is not a table of fields, or a result that has
    /// no JSON form (`lua_fixture_return_type`).
    ReturnType,
    /// The script was not run, or was stopped before it finished, for a reason outside
    /// the script: the request's total Lua budget ran out, or the request was cancelled
    /// (`lua_fixture_not_run`). Nothing is known about the script.
    NotRun,
}

/// A failed Lua check, as the caller's Lua runtime describes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LuaCheckError {
    pub failure: LuaFailure,
    /// The script line the problem is on, when known.
    pub line: Option<u32>,
    pub message: String,
}

/// Lua checks, implemented by the CLI and server over `ar-lua`
/// (`ar_lua::check_syntax`, `LuaRuntime::execute`).
pub trait LuaChecker {
    /// Compiles `script` without running it.
    fn check_syntax(&self, script: &str) -> Result<(), LuaCheckError>;
    /// Runs `script` with the given globals (`input`, `steps`, `run`, …) and returns the table
    /// it returned. Implementations should apply their usual sandbox and time limits.
    fn run_fixture(
        &self,
        script: &str,
        globals: &[(&str, &Value)],
    ) -> Result<Map<String, Value>, LuaCheckError>;
}

/// The address of an MCP server as an `mcp_call` step gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McpBinding<'a> {
    pub instance_id: Option<&'a str>,
    pub server_url: Option<&'a str>,
}

/// One tool a resolved server offers.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    /// The tool's JSON Schema for its arguments, when it publishes one.
    pub input_schema: Option<Value>,
}

/// A server a binding resolved to in this project.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResolvedServer {
    /// The server's tools; `None` when they cannot be known without calling the server
    /// (an unregistered URL used as written, a catalog server not discovered yet). The
    /// binding then counts as resolved and the tool checks are skipped.
    pub tools: Option<Vec<ToolSpec>>,
}

/// Resolves `mcp_call` bindings in the caller's project (instances, catalogued servers).
pub trait BindingResolver {
    /// The server the binding names, with its tools; `None` when it names nothing known here.
    fn resolve(&self, binding: McpBinding<'_>) -> Option<ResolvedServer>;
}

/// Everything validation needs from its caller besides the graph and the request.
/// `Default` gives a context with no Lua runtime, no resolver and no executor list: the Lua
/// checks are then `blocked`, bindings are checked for presence only, and executor
/// availability is not judged.
#[derive(Clone, Copy, Default)]
pub struct ValidationContext<'a> {
    pub lua: Option<&'a dyn LuaChecker>,
    pub bindings: Option<&'a dyn BindingResolver>,
    /// Step types with an executor configured. `None`: unknown, no warning is given.
    /// `for_each`, `while` and `human_task` are run by the engine itself and always count
    /// as available.
    pub executors: Option<&'a [StepType]>,
}

impl<'a> ValidationContext<'a> {
    pub fn with_lua(mut self, lua: &'a dyn LuaChecker) -> Self {
        self.lua = Some(lua);
        self
    }

    pub fn with_bindings(mut self, resolver: &'a dyn BindingResolver) -> Self {
        self.bindings = Some(resolver);
        self
    }

    pub fn with_executors(mut self, executors: &'a [StepType]) -> Self {
        self.executors = Some(executors);
        self
    }

    /// True when a step of type `t` can be executed here (or availability is unknown).
    pub fn executor_available(&self, t: StepType) -> bool {
        matches!(t, StepType::ForEach | StepType::While | StepType::HumanTask)
            || self.executors.is_none_or(|list| list.contains(&t))
    }
}
