//! Dry-run validation as this binary runs it, shared by `validate` and `run`: the real Lua
//! sandbox and the step types this binary can execute itself.

use ar_cli::lua_checker::SandboxLuaChecker;
use ar_model::graph::StepType;
use ar_model::import::ParsedGraph;
use ar_model::validate::{ValidateRequest, ValidateResponse, ValidationContext, validate};

use crate::output;

/// Step types this binary executes itself (`human_task` and the loops are the engine's):
/// Lua, and the `mcp_call`/`llm_call` executors `run` registers from the environment
/// (`ar_executors::register_from_env`). `agent_call` needs a server, so validation warns
/// about it (`executor_unavailable`) without making the graph invalid.
pub const LOCAL_EXECUTORS: &[StepType] =
    &[StepType::LuaScript, StepType::McpCall, StepType::LlmCall];

/// Validates `parsed`. Without a sandbox the Lua checks report themselves `blocked`; a
/// warning on stderr says why.
pub fn dry_run(parsed: &ParsedGraph, request: &ValidateRequest) -> ValidateResponse {
    let lua = SandboxLuaChecker::new()
        .inspect_err(|e| {
            output::eprint_styled(&format!("warning: Lua checks are unavailable: {e}\n"))
        })
        .ok();
    let mut context = ValidationContext::default().with_executors(LOCAL_EXECUTORS);
    if let Some(lua) = &lua {
        context = context.with_lua(lua);
    }
    validate(parsed, request, &context)
}
