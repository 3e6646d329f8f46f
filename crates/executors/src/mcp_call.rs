//! The `mcp_call` executor: one tool call on an MCP server per attempt.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_engine::{StepCall, StepExecutor, StepFailure};
use ar_mcp::{CallOptions, McpClientPool, McpError, McpTarget, ToolInfo};
use async_trait::async_trait;
use serde_json::Value;
use tracing::Instrument;

use crate::inputs::Inputs;
use crate::mcp_target::{McpServerRef, McpTargetResolver, ResolvedTarget};
use crate::telemetry;

/// Time limit of a call whose step sets no `timeout_s`.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs `mcp_call` steps: `tool_name` with `tool_args` (already rendered by the engine)
/// on the server the [`McpTargetResolver`] picks, through a shared connection pool (on
/// the connection of the run's workspace).
///
/// - Time limit: the step's `timeout_s`, else [`DEFAULT_CALL_TIMEOUT`]; connecting counts.
/// - Stopping the run cancels the call at once (the server is told).
/// - Result: docs/contract.md §2 (structured content, else text parsed as JSON or `{text}`),
///   bounded by the pool's `max_response_bytes`.
/// - Failures keep ar-mcp's codes; `isError` is `MCP_TOOL_FAILED` with the tool's
///   message; timeouts and transient transport errors are retried by the engine per
///   `retry_count`.
pub struct McpCallExecutor {
    pool: Arc<McpClientPool>,
    resolver: Arc<dyn McpTargetResolver>,
    default_timeout: Duration,
}

impl McpCallExecutor {
    pub fn new(pool: Arc<McpClientPool>, resolver: Arc<dyn McpTargetResolver>) -> Self {
        Self {
            pool,
            resolver,
            default_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// The time limit of calls whose step has no `timeout_s`.
    pub fn with_default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = timeout;
        self
    }
}

#[async_trait]
impl StepExecutor for McpCallExecutor {
    async fn execute(&self, call: StepCall) -> Result<Value, StepFailure> {
        let inputs = Inputs::new(&call.inputs, "mcp_call", "MCP_INVALID_REQUEST");
        let tool = inputs.text("tool_name")?;
        let args = inputs.object("tool_args")?;
        // Validation refuses anything but `inherit` / `workspace` (docs/contract.md §2);
        // a run started without it must not call with another identity than asked for.
        match inputs.optional_text("connection_resolution")?.as_deref() {
            None | Some("inherit" | "workspace") => {}
            Some(other) => {
                return Err(StepFailure::permanent(
                    "MCP_INVALID_REQUEST",
                    format!(
                        "mcp_call: `connection_resolution: {other}` cannot be honoured here; \
                         use `inherit` or `workspace`"
                    ),
                ));
            }
        }
        let server = McpServerRef {
            server_url: inputs.optional_text("server_url")?,
            instance_id: inputs.optional_text("instance_id")?,
        };
        let idempotency_key = stable_idempotency_key(&call);
        self.call_tool(&call, &server, &tool, Value::Object(args), idempotency_key)
            .await
    }
}

impl McpCallExecutor {
    /// Calls `tool` with `args` on `server` for the step `call` (resolution, credentials,
    /// the SSRF-guarded pool, the step's timeout and cancellation): what an `mcp_call`
    /// step does, and what an `agent_call` does for each tool its model asks for.
    pub async fn call_tool(
        &self,
        call: &StepCall,
        server: &McpServerRef,
        tool: &str,
        args: Value,
        idempotency_key: String,
    ) -> Result<Value, StepFailure> {
        let ResolvedTarget { owner, target } = self.resolver.resolve(call, server).await?;
        let transport = match target {
            McpTarget::Http { .. } => "http",
            McpTarget::Stdio { .. } => "stdio",
        };
        let span = tracing::info_span!(
            "mcp.call",
            otel.kind = "client",
            otel.name = %format_args!("tools/call {tool}"),
            mcp.method.name = "tools/call",
            gen_ai.tool.name = %tool,
            network.transport = transport,
            error.type = tracing::field::Empty,
        );
        let options = CallOptions {
            timeout: call.timeout.unwrap_or(self.default_timeout),
            cancel: call.cancel.clone(),
            idempotency_key: Some(idempotency_key),
            // The trace hook (if the process exports traces) names this span's context.
            traceparent: ar_engine::telemetry::traceparent(&span),
        };
        let began = Instant::now();
        let outcome = self
            .pool
            .call_tool(&owner, &target, tool, args, &options)
            .instrument(span.clone())
            .await;
        let label = match &outcome {
            Ok(_) => "ok",
            Err(error) => {
                span.record("error.type", error.code());
                error.code()
            }
        };
        telemetry::mcp_call(transport, label, began.elapsed());
        outcome.map_err(|error| step_failure(&error))
    }

    /// The tools `server` offers (`tools/list`), resolved and connected like a call.
    pub async fn list_tools(
        &self,
        call: &StepCall,
        server: &McpServerRef,
    ) -> Result<Vec<ToolInfo>, StepFailure> {
        let ResolvedTarget { owner, target } = self.resolver.resolve(call, server).await?;
        let timeout = call.timeout.unwrap_or(self.default_timeout);
        tokio::select! {
            _ = call.cancel.cancelled() => Err(StepFailure::permanent(
                "MCP_CANCELLED",
                "listing the tools was cancelled (the run was stopped)",
            )),
            listed = self.pool.list_tools(&owner, &target, timeout) => {
                listed.map_err(|error| step_failure(&error))
            }
        }
    }
}

/// The idempotency key sent with the call: the engine's key of the step (loop items
/// included) *without* the attempt number, so it is the same on every retry.
///
/// Why stable: a retry happens after a timeout or a broken connection, when the server
/// may well have done the work already; a server that deduplicates must see the retry
/// as the same operation. (The engine's own key, `run:step:attempt`, only stays stable
/// across a crash-retake of one attempt.)
pub fn stable_idempotency_key(call: &StepCall) -> String {
    let suffix = format!(":{}", call.attempt);
    call.idempotency_key
        .strip_suffix(&suffix)
        .unwrap_or(&call.idempotency_key)
        .to_owned()
}

/// An MCP error as the step's failure: its code, its message (which never holds
/// header or environment values), and whether a retry may help.
fn step_failure(error: &McpError) -> StepFailure {
    StepFailure::new(error.code(), error.to_string(), error.is_transient())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(key: &str, attempt: u32) -> StepCall {
        StepCall {
            workflow_id: String::new(),
            project_id: None,
            run_id: "run-1".into(),
            step_id: "fetch".into(),
            step_type: "mcp_call".into(),
            attempt,
            idempotency_key: key.into(),
            inputs: json!({}),
            globals: Arc::new(serde_json::Map::new()),
            timeout: None,
            cancel: Default::default(),
            events: Default::default(),
        }
    }

    #[test]
    fn the_idempotency_key_is_the_same_for_every_attempt() {
        let cases = [
            ("run-1:fetch:1", 1, "run-1:fetch"),
            ("run-1:fetch:3", 3, "run-1:fetch"),
            ("run-1:loop#4/inner:2", 2, "run-1:loop#4/inner"),
            // A key of another shape is kept whole rather than cut wrongly.
            ("custom-key", 2, "custom-key"),
        ];
        for (key, attempt, expected) in cases {
            assert_eq!(
                stable_idempotency_key(&call(key, attempt)),
                expected,
                "{key}"
            );
        }
    }

    #[test]
    fn mcp_errors_keep_their_code_message_and_transience() {
        let tool = step_failure(&McpError::ToolFailed {
            message: "no such city".into(),
        });
        assert_eq!(
            tool,
            StepFailure::permanent("MCP_TOOL_FAILED", "no such city")
        );
        let timeout = step_failure(&McpError::Timeout {
            after: Duration::from_secs(2),
        });
        assert_eq!(timeout.code, "MCP_TIMEOUT");
        assert!(timeout.transient);
    }
}
