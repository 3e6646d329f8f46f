//! Tool discovery and validation of MCP servers, for registration and re-discovery.
//!
//! Every tenant-supplied URL goes through the SSRF guard ([`ar_mcp::check_url`]) with the
//! operator allowlist before anything connects, so a refusal names the address class; the
//! pool's guarded DNS resolver checks again at connect time (DNS rebinding).
//!
//! Discovery connects through the node's one pool ([`super::pool`]) as the workspace's
//! discovery owner: never on another workspace's connection, within the workspace's cap
//! on stdio children, and closed when done.

use std::sync::Arc;
use std::time::Duration;

use ar_mcp::{CallOptions, HostAllowlist, McpClientPool, McpTarget, Owner, ToolInfo, check_url};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::mcp::pool::capacity_error;

/// How long discovery and validation wait for a server (connecting included).
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(20);

/// Connects to servers for the registry routes. Cheap to clone.
#[derive(Clone)]
pub struct Discovery {
    pool: Arc<McpClientPool>,
    allowlist: Arc<HostAllowlist>,
}

impl Discovery {
    /// Discovery through the node's `pool`, checking URLs against the operator
    /// `allowlist` (the pool's).
    pub fn new(pool: Arc<McpClientPool>, allowlist: Arc<HostAllowlist>) -> Discovery {
        Discovery { pool, allowlist }
    }

    /// Checks a tenant-supplied server URL: http(s), parseable, allowed by the SSRF guard
    /// (422 naming the URL and the reason). Returns it trimmed.
    pub async fn check_custom_url(&self, url: &str) -> ApiResult<String> {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ApiError::bad_request(format!(
                "`url` must be an http:// or https:// URL (got {url:?}); local commands come only from the operator's catalog"
            )));
        }
        if url::Url::parse(url).is_err() {
            return Err(ApiError::bad_request(format!(
                "`url` {url:?} is not a valid URL"
            )));
        }
        check_url(url, &self.allowlist).await.map_err(|e| {
            ApiError::unprocessable(format!("the server URL {url} is not allowed: {e}"))
                .with("code", json!("MCP_URL_REFUSED"))
        })?;
        Ok(url.to_owned())
    }

    /// The server's tools (`tools/list` with schemas), connecting as `workspace_id`. 422
    /// when it cannot be reached or offers no tool; 429/503 when no stdio child can be
    /// started now. `shown` names the server in messages (a URL, or `stdio:<name>`).
    pub async fn discover(
        &self,
        workspace_id: &str,
        target: &McpTarget,
        shown: &str,
    ) -> ApiResult<Vec<ToolInfo>> {
        let owner = discovery_owner(workspace_id);
        let listed = self
            .pool
            .list_tools(&owner, target, DISCOVERY_TIMEOUT)
            .await;
        // A registration must see the server as it is now, not a cached session (a
        // discovery of the same server running at this moment keeps it until it ends).
        self.pool.release(&owner, target).await;
        let tools = listed.map_err(|e| {
            capacity_error(&e).unwrap_or_else(|| {
                ApiError::unprocessable(format!("could not discover the tools of {shown}: {e}"))
                    .with("code", json!(e.code()))
            })
        })?;
        if tools.is_empty() {
            return Err(ApiError::unprocessable(format!(
                "{shown} offers no tools (tools/list returned none); an MCP server needs at least one tool to be registered"
            ))
            .with("code", json!("MCP_NO_TOOLS")));
        }
        Ok(tools)
    }

    /// Validates a server, connecting as `workspace_id`: reachable (its tools listed),
    /// every input/output schema a valid JSON Schema, and — when `smoke` names a tool and
    /// arguments — one call of it (the caller picks a side-effect-free tool). The result
    /// says what passed, `{ok, reachable, tools, schema_issues, smoke?, checked_at}`; the
    /// only error is 429/503 when no stdio child can be started now (nothing was checked).
    pub async fn validate(
        &self,
        workspace_id: &str,
        target: &McpTarget,
        smoke: Option<(&str, &Value)>,
        checked_at: Value,
    ) -> ApiResult<Value> {
        let owner = discovery_owner(workspace_id);
        let result = self.checks(&owner, target, smoke, checked_at).await;
        self.pool.release(&owner, target).await;
        result
    }

    async fn checks(
        &self,
        owner: &Owner,
        target: &McpTarget,
        smoke: Option<(&str, &Value)>,
        checked_at: Value,
    ) -> ApiResult<Value> {
        let tools = match self.pool.list_tools(owner, target, DISCOVERY_TIMEOUT).await {
            Ok(tools) => tools,
            Err(e) => {
                if let Some(busy) = capacity_error(&e) {
                    return Err(busy);
                }
                return Ok(json!({
                    "ok": false, "reachable": false, "error": e.to_string(),
                    "error_code": e.code(), "checked_at": checked_at,
                }));
            }
        };
        let schema_issues = schema_issues(&tools);
        let mut ok = schema_issues.is_empty() && !tools.is_empty();
        let mut out = json!({
            "reachable": true, "tools": tools.len(), "schema_issues": schema_issues,
            "checked_at": checked_at,
        });
        if let Some((tool, args)) = smoke {
            let result = self
                .pool
                .call_tool(
                    owner,
                    target,
                    tool,
                    args.clone(),
                    &CallOptions::with_timeout(DISCOVERY_TIMEOUT),
                )
                .await;
            out["smoke"] = match result {
                Ok(_) => json!({"tool": tool, "ok": true}),
                Err(e) => {
                    ok = false;
                    json!({"tool": tool, "ok": false, "error": e.to_string(), "error_code": e.code()})
                }
            };
        }
        out["ok"] = json!(ok);
        Ok(out)
    }
}

/// The owner discovery connects as: the workspace's, apart from its runs' connections.
fn discovery_owner(workspace_id: &str) -> Owner {
    Owner::workspace(workspace_id).for_discovery()
}

/// Tools whose input or output schema is not a valid JSON Schema.
fn schema_issues(tools: &[ToolInfo]) -> Vec<Value> {
    let mut issues = Vec::new();
    for tool in tools {
        let schemas = [
            ("input_schema", Some(&tool.input_schema)),
            ("output_schema", tool.output_schema.as_ref()),
        ];
        for (which, schema) in schemas {
            if let Some(schema) = schema
                && let Err(e) = jsonschema::validator_for(schema)
            {
                issues.push(json!({"tool": tool.name, "schema": which, "message": e.to_string()}));
            }
        }
    }
    issues
}

/// The tool list as stored and shown: `[{name, description, input_schema, output_schema}]`.
pub fn tools_json(tools: &[ToolInfo]) -> Value {
    serde_json::to_value(tools).unwrap_or_else(|_| json!([]))
}
