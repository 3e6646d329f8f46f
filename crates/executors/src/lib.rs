//! `ar-executors`: the engine's step executors for the integration step types.
//!
//! - [`McpCallExecutor`] (`mcp_call`): resolves the step's server to an
//!   [`ar_mcp::McpTarget`] through a [`McpTargetResolver`], calls the tool through the
//!   shared [`ar_mcp::McpClientPool`] under the step's timeout and the run's
//!   cancellation, and maps the answer per docs/contract.md §2.
//! - [`LlmCallExecutor`] (`llm_call`): resolves `model_ref`/`model` to a provider,
//!   its API key through a [`LlmKeySource`], and calls it with `ar_connect::llm`.
//! - [`AgentCallExecutor`] (`agent_call`): one durable turn of a project agent over
//!   both, its agents and stored rounds behind an [`AgentBackend`] (the server's).
//!
//! [`register`] adds both to an engine's [`ar_engine::Executors`]. User guide:
//! `docs/integrations.md`.

pub mod agent_call;
mod inputs;
pub mod llm_call;
pub mod llm_keys;
pub mod mcp_call;
pub mod mcp_target;
pub mod telemetry;
pub mod workflow_tools;

pub use agent_call::{AgentBackend, AgentCallExecutor, AgentSpec, AgentTools, WorkflowTool};
pub use llm_call::{LlmCallExecutor, LlmProviders, ModelChoice};
pub use llm_keys::{LlmKeySource, SystemKeys};
pub use mcp_call::{McpCallExecutor, stable_idempotency_key};
pub use mcp_target::{McpServerRef, McpTargetResolver, ResolvedTarget, UrlResolver};

use std::sync::Arc;

use ar_connect::llm::{HttpOptions, http_client};
use ar_engine::Executors;
use ar_mcp::{ConnectOptions, HostAllowlist, McpClientPool, PoolConfig};

/// Registers `mcp_call` and `llm_call` on `executors`.
pub fn register(executors: &mut Executors, mcp: McpCallExecutor, llm: LlmCallExecutor) {
    executors.register("mcp_call", Arc::new(mcp));
    executors.register("llm_call", Arc::new(llm));
}

/// Registers both executors configured from the environment: the SSRF allowlist from
/// `AR_MCP_ALLOWED_HOSTS`, `server_url`s used as written ([`UrlResolver`]), the
/// built-in LLM providers with system keys from `AR_<PROVIDER>_API_KEY`. This is what
/// `agentruntime run` and the server use until settings and the instance registry
/// provide more. Call it inside a Tokio runtime (the MCP pool starts its idle reaper).
/// On error nothing is registered, so those steps fail as "no executor configured".
pub fn register_from_env(executors: &mut Executors) -> Result<(), String> {
    let allowlist = HostAllowlist::from_env().map_err(|error| error.to_string())?;
    let pool = McpClientPool::new(PoolConfig {
        connect: ConnectOptions {
            allowlist: Arc::new(allowlist),
            ..ConnectOptions::default()
        },
        ..PoolConfig::default()
    });
    register_with(executors, pool, Arc::new(UrlResolver::new()))
}

/// Registers both executors with the given MCP connection pool (which checks every URL
/// against its SSRF allowlist and caps stdio children) and MCP target resolver (the
/// server passes its instance registry's); LLM system keys come from
/// `AR_<PROVIDER>_API_KEY`. Call it inside a Tokio runtime.
pub fn register_with(
    executors: &mut Executors,
    pool: Arc<McpClientPool>,
    resolver: Arc<dyn McpTargetResolver>,
) -> Result<(), String> {
    let http = http_client(HttpOptions::default()).map_err(|error| error.to_string())?;
    register(
        executors,
        McpCallExecutor::new(pool, resolver),
        LlmCallExecutor::new(
            LlmProviders::built_in(),
            Arc::new(SystemKeys::from_env()),
            http,
        ),
    );
    Ok(())
}
