//! The Platform MCP endpoint: `/mcp` on the API listener (docs/contract.md §12,
//! docs/platform-mcp.md). It serves the platform tools (`crate::platform_tools`) over
//! Streamable HTTP with rmcp's server: the stateless 2026-07-28 revision, and the
//! session-based 2025-06-18 / 2025-11-25 revisions (rmcp negotiates per request).
//!
//! - [`auth`]: a PAT on every request, checked before rmcp sees it;
//! - [`limit`]: the per-token tool-call limit;
//! - [`PlatformMcp`]: the MCP server handler (tools/list, tools/call).
//!
//! The server's own `Host` check (`crate::host_check`) runs before this, so rmcp's is off;
//! rmcp checks `Origin` against this server's origin (browsers may call only from our
//! own pages). The body limit and the request rate limits of `/v1` apply too.

pub mod auth;
pub mod limit;

use std::sync::Arc;

use axum::Router;
use axum::routing::any_service;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ServerCapabilities, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::Value;

use crate::auth::principal::Principal;
use crate::platform_tools::dispatch::Dispatcher;
use crate::platform_tools::{self, Caller, EnabledGroups, ToolOutcome, ToolSpec};
use crate::state::AppState;
use limit::ToolCallLimiter;

/// The endpoint's path.
pub const PATH: &str = "/mcp";

/// Text renderings of results longer than this are cut (the whole answer is in
/// `structuredContent`).
const TEXT_LIMIT: usize = 64 * 1024;

/// What every session's handler shares.
struct Shared {
    dispatcher: Dispatcher,
    groups: EnabledGroups,
    limiter: ToolCallLimiter,
}

/// The MCP server handler: one per session (stateless requests get their own), all
/// sharing [`Shared`].
#[derive(Clone)]
pub struct PlatformMcp {
    shared: Arc<Shared>,
}

/// `/mcp`, ready to merge into the app, or `None` when the operator turned it off.
/// `v1` is the `/v1` router the tools dispatch through.
pub fn router(state: &AppState, v1: Router) -> Option<Router<AppState>> {
    let settings = &state.settings().platform_mcp;
    if !settings.enabled {
        return None;
    }
    let shared = Arc::new(Shared {
        dispatcher: Dispatcher::new(v1, state.clone()),
        groups: settings.enabled_groups(),
        limiter: ToolCallLimiter::new(settings.tool_calls_per_minute),
    });
    let limiter_shared = shared.clone();
    // Forget idle tokens of the tool-call limiter now and then.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiter_shared.limiter.shrink();
        }
    });
    let config = StreamableHttpServerConfig::default()
        // `crate::host_check` has already refused foreign Host names (421).
        .disable_allowed_hosts()
        .with_allowed_origins([origin_with_port(state.origin())])
        .with_cancellation_token(state.platform_mcp_shutdown().child_token())
        .with_max_request_body_bytes(state.settings().body_limit_bytes);
    let handler = PlatformMcp { shared };
    let service = StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let route = any_service(service).layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_pat,
    ));
    Some(Router::new().route(PATH, route))
}

/// `scheme://host:port` (rmcp treats an origin without a port as "any port").
fn origin_with_port(origin: &str) -> String {
    match url::Url::parse(origin) {
        Ok(u) => match (u.host_str(), u.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", u.scheme()),
            _ => origin.to_string(),
        },
        Err(_) => origin.to_string(),
    }
}

/// A table row as an MCP tool.
pub fn mcp_tool(spec: &ToolSpec) -> Tool {
    let annotations = ToolAnnotations::new()
        .read_only(spec.hints.read_only)
        .destructive(spec.hints.destructive)
        .idempotent(spec.hints.idempotent)
        .open_world(false);
    Tool::new(spec.name, spec.description, Arc::new((spec.input_schema)()))
        .with_raw_output_schema(Arc::new(spec.output_schema()))
        .with_annotations(annotations)
}

/// A tool outcome as an MCP result: `structuredContent` and a text rendering of it;
/// failures flagged `isError` (never a protocol error).
pub fn mcp_result(outcome: ToolOutcome) -> CallToolResult {
    let value = Value::Object(outcome.body);
    let mut text = value.to_string();
    if text.len() > TEXT_LIMIT {
        let mut cut = TEXT_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(" … (cut; the whole answer is in structuredContent)");
    }
    let mut result = if outcome.is_error {
        CallToolResult::structured_error(value)
    } else {
        CallToolResult::structured(value)
    };
    result.content = vec![ContentBlock::text(text)];
    result
}

impl ServerHandler for PlatformMcp {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "agentruntime",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "agentruntime's own API as tools: workflows, runs, human tasks and more. \
                 Start with ar_health_summary. Tools act as your token's user in its workspace, \
                 in the workspace's default project unless you pass project_id.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let tools = platform_tools::offered(&self.shared.groups)
            .iter()
            .map(mcp_tool)
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        // `auth::require_pat` put the principal there; rmcp hands over the request parts.
        let principal = context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Principal>())
            .cloned()
            .ok_or_else(|| McpError::internal_error("the request was not authenticated", None))?;
        let name = request.name.to_string();
        if !platform_tools::table::tools()
            .iter()
            .any(|t| t.name == name)
        {
            return Err(McpError::invalid_params(
                format!("unknown tool `{name}`"),
                None,
            ));
        }
        let key = principal
            .pat()
            .map(|p| p.id.clone())
            .unwrap_or_else(|| principal.user.id.clone());
        if let Err(wait) = self.shared.limiter.check(&key) {
            let outcome = ToolOutcome::refused(
                429,
                format!("too many tool calls with this token; try again in {wait} s"),
            );
            return Ok(mcp_result(outcome).into());
        }
        let caller = Caller::pat(principal);
        let arguments = request.arguments.unwrap_or_default();
        let outcome = platform_tools::call(
            &self.shared.dispatcher,
            &self.shared.groups,
            &caller,
            &name,
            arguments,
        )
        .await;
        Ok(mcp_result(outcome).into())
    }
}
