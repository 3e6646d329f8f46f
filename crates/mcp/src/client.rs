//! One live MCP connection (an HTTP session or a running child process) and the two
//! operations the platform needs from it: list the tools, call one.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, ProtocolVersion, RequestMetaObject, Tool};
use rmcp::service::{RoleClient, RunningService};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::error::McpError;
use crate::heal::{CallFailure, damage_of};
use crate::health::ConnectionHealth;
use crate::result::map_call_result;
use crate::target::McpTarget;

/// The `_meta` key carrying a call's idempotency key, so a server can recognise a
/// retried call (reverse-DNS prefix as MCP asks for vendor keys).
pub const IDEMPOTENCY_META_KEY: &str = "io.agentruntime/idempotency-key";

/// The `_meta` key carrying the caller's W3C trace context (the key OpenTelemetry's MCP
/// conventions use); the HTTP transport also sends it as the `traceparent` header.
pub const TRACEPARENT_META_KEY: &str = "traceparent";

/// A tool as discovered: what registration, dry-run and the editor need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// The name to call it by.
    pub name: String,
    /// Human description, when the server gives one.
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    pub input_schema: Value,
    /// JSON Schema of the structured result, when declared.
    pub output_schema: Option<Value>,
}

impl From<Tool> for ToolInfo {
    fn from(tool: Tool) -> Self {
        Self {
            name: tool.name.into_owned(),
            description: tool.description.map(|d| d.into_owned()),
            input_schema: Value::Object((*tool.input_schema).clone()),
            output_schema: tool.output_schema.map(|s| Value::Object((*s).clone())),
        }
    }
}

/// How one call is bounded and identified.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// Upper bound for the call, connecting included when it goes through the pool.
    pub timeout: Duration,
    /// Cancelled when the run stops: the call returns [`McpError::Cancelled`] at once
    /// and the server is sent `notifications/cancelled`.
    pub cancel: CancellationToken,
    /// Sent in the request `_meta` under [`IDEMPOTENCY_META_KEY`].
    pub idempotency_key: Option<String>,
    /// The caller's W3C trace context (`00-<trace id>-<span id>-<flags>`), sent in the
    /// request `_meta` under [`TRACEPARENT_META_KEY`] and, over HTTP, as the `traceparent`
    /// header, so the server's spans join the caller's trace.
    pub traceparent: Option<String>,
}

impl CallOptions {
    /// Options with a timeout, a fresh cancellation token and no idempotency key.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            timeout,
            cancel: CancellationToken::new(),
            idempotency_key: None,
            traceparent: None,
        }
    }
}

/// A connected MCP server. Cheap to share (`Arc`); calls may run concurrently.
pub struct McpClient {
    service: RunningService<RoleClient, rmcp::model::ClientConfig>,
    pid: Option<u32>,
    max_response_bytes: usize,
    /// Stdio results are measured after decoding (see [`Self::check_size`]).
    measure_results: bool,
    /// Set by the HTTP backend when an event exceeded the size limit (which closes
    /// the transport): turns the resulting "closed" error into the size error.
    oversized: Option<Arc<AtomicBool>>,
    in_flight: AtomicUsize,
    last_used: Mutex<Instant>,
    /// Set when a call failed in a way that shows the connection broken or hung
    /// ([`crate::heal`]): it then counts as closed, so the pool replaces it.
    given_up: AtomicBool,
    opened_at: Instant,
    /// `http` or `stdio`.
    transport: &'static str,
    /// The target without anything secret ([`McpTarget::redacted`]), for health and logs.
    label: String,
    /// Tools that may be called twice without harm, read from `tools/list` when a
    /// failed call needs to know (see [`Self::may_repeat`]).
    repeatable: tokio::sync::OnceCell<HashSet<String>>,
}

impl McpClient {
    pub(crate) fn new(
        service: RunningService<RoleClient, rmcp::model::ClientConfig>,
        pid: Option<u32>,
        max_response_bytes: usize,
        measure_results: bool,
    ) -> Self {
        Self {
            service,
            pid,
            max_response_bytes,
            measure_results,
            oversized: None,
            in_flight: AtomicUsize::new(0),
            last_used: Mutex::new(Instant::now()),
            given_up: AtomicBool::new(false),
            opened_at: Instant::now(),
            transport: if pid.is_some() { "stdio" } else { "http" },
            label: String::new(),
            repeatable: tokio::sync::OnceCell::new(),
        }
    }

    /// Names the target this connection serves, for health snapshots and logs.
    pub(crate) fn serving(mut self, target: &McpTarget) -> Self {
        self.transport = match target {
            McpTarget::Http { .. } => "http",
            McpTarget::Stdio { .. } => "stdio",
        };
        self.label = target.redacted();
        self
    }

    /// How long this connection has been open, how long unused, how busy.
    pub fn health(&self) -> ConnectionHealth {
        ConnectionHealth {
            target: self.label.clone(),
            transport: self.transport,
            age: self.opened_at.elapsed(),
            idle: self
                .last_used
                .lock()
                .map(|t| t.elapsed())
                .unwrap_or_default(),
            in_flight: self.in_flight(),
            pid: self.pid,
        }
    }

    pub(crate) fn with_oversized_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.oversized = Some(flag);
        self
    }

    /// The protocol revision agreed with the server (`2026-07-28` for the stateless
    /// era, `2025-…` for the session era).
    pub fn protocol_version(&self) -> Option<String> {
        self.service
            .peer()
            .peer_info()
            .map(|info| info.protocol_version.to_string())
    }

    /// Whether the negotiated revision is the stateless one (no `initialize`).
    pub fn is_stateless(&self) -> bool {
        self.service
            .peer()
            .peer_info()
            .is_some_and(|info| !info.protocol_version.has_initialize())
    }

    /// The child's process id for a stdio server.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Whether the connection is gone (process died, session closed) or was given up
    /// after a call on it failed by a transport error or a timeout.
    pub fn is_closed(&self) -> bool {
        self.given_up.load(Ordering::Acquire)
            || self.service.is_closed()
            || self.service.peer().is_transport_closed()
            || self.pid.is_some_and(child_exited)
    }

    /// Marks the connection unusable: the pool opens a new one for the next call.
    /// Calls still running on it go on; it closes when the last holder lets go.
    pub(crate) fn give_up(&self) {
        self.given_up.store(true, Ordering::Release);
    }

    /// Calls running on this connection now.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Whether no call is running and none ran for `idle`.
    pub(crate) fn is_idle_for(&self, idle: Duration) -> bool {
        self.in_flight() == 0
            && self
                .last_used
                .lock()
                .map(|t| t.elapsed() >= idle)
                .unwrap_or(false)
    }

    /// Since when the connection has been unused, or `None` while a call runs on it.
    pub(crate) fn idle_since(&self) -> Option<Instant> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        self.last_used.lock().ok().map(|t| *t)
    }

    /// Marks the connection in use until the guard drops, so the pool does not close it
    /// as idle between handing it out and the call starting.
    pub(crate) fn in_use(self: &Arc<Self>) -> InUse {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.touch();
        InUse(Arc::clone(self))
    }

    /// Stops the connection (kills a stdio child, ends an HTTP session).
    pub(crate) fn shut_down(&self) {
        self.service.cancellation_token().cancel();
    }

    /// Lists every tool (all pages), bounded by `timeout`.
    pub async fn list_tools(&self, timeout: Duration) -> Result<Vec<ToolInfo>, McpError> {
        let _busy = self.busy();
        let tools = tokio::time::timeout(timeout, self.service.peer().list_all_tools())
            .await
            .map_err(|_| McpError::Timeout { after: timeout })?
            .map_err(|e| self.service_error(&e))?;
        Ok(tools.into_iter().map(ToolInfo::from).collect())
    }

    /// Calls `tool` with `args` (a JSON object) and maps the result per docs/contract.md §2.
    pub async fn call_tool(
        &self,
        tool: &str,
        args: Value,
        options: &CallOptions,
    ) -> Result<Value, McpError> {
        self.try_call_tool(tool, args, options)
            .await
            .map_err(|failure| failure.error)
    }

    /// [`Self::call_tool`], telling on failure what it means for this connection.
    pub(crate) async fn try_call_tool(
        &self,
        tool: &str,
        args: Value,
        options: &CallOptions,
    ) -> Result<Value, CallFailure> {
        let mut params = call_params(tool, args, options.idempotency_key.as_deref())
            .map_err(CallFailure::harmless)?;
        if let Some(traceparent) = &options.traceparent {
            params
                .meta
                .get_or_insert_with(RequestMetaObject::new)
                .insert(
                    TRACEPARENT_META_KEY.to_owned(),
                    Value::String(traceparent.clone()),
                );
        }
        let _busy = self.busy();
        // A connection that was already closed cannot have sent the request.
        let was_closed = self.is_closed();
        // Dropping the request future (timeout or cancellation) makes rmcp send
        // `notifications/cancelled` for it, so the server can stop working.
        let call = tokio::time::timeout(options.timeout, self.service.peer().call_tool(params));
        let result = tokio::select! {
            biased;
            _ = options.cancel.cancelled() => return Err(CallFailure::harmless(McpError::Cancelled)),
            outcome = call => match outcome {
                Err(_) => {
                    return Err(CallFailure::timed_out(McpError::Timeout {
                        after: options.timeout,
                    }));
                }
                Ok(Err(error)) => {
                    let mapped = self.service_error(&error);
                    let damage = damage_of(&error, &mapped, was_closed);
                    return Err(CallFailure { error: mapped, damage });
                }
                Ok(Ok(result)) => result,
            },
        };
        if self.measure_results {
            self.check_size(&result).map_err(CallFailure::harmless)?;
        }
        map_call_result(result).map_err(CallFailure::harmless)
    }

    /// Whether calling `tool` twice is harmless: the server marks it idempotent or
    /// read-only (`idempotentHint` / `readOnlyHint`). Reads `tools/list` once per
    /// connection, within `timeout`; a tool not listed, or a list that fails, is not.
    pub(crate) async fn may_repeat(&self, tool: &str, timeout: Duration) -> bool {
        let listed = self
            .repeatable
            .get_or_try_init(|| async {
                let _busy = self.busy();
                let tools = tokio::time::timeout(timeout, self.service.peer().list_all_tools())
                    .await
                    .map_err(|_| ())?
                    .map_err(|_| ())?;
                Ok::<_, ()>(
                    tools
                        .into_iter()
                        .filter(|tool| {
                            tool.annotations.as_ref().is_some_and(|hints| {
                                hints.idempotent_hint == Some(true)
                                    || hints.read_only_hint == Some(true)
                            })
                        })
                        .map(|tool| tool.name.into_owned())
                        .collect(),
                )
            })
            .await;
        listed.is_ok_and(|names| names.contains(tool))
    }

    fn service_error(&self, error: &rmcp::ServiceError) -> McpError {
        let mapped = McpError::from_service(error, self.max_response_bytes);
        let oversized = self
            .oversized
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Acquire));
        match mapped {
            McpError::Transport { .. } if oversized => McpError::ResponseTooLarge {
                limit_bytes: self.max_response_bytes,
            },
            other => other,
        }
    }

    /// Over HTTP the transport refuses oversized bodies before parsing; over stdio the
    /// line limit is the SDK's, so the decoded result is measured here as well.
    fn check_size(&self, result: &rmcp::model::CallToolResult) -> Result<(), McpError> {
        let size = serde_json::to_vec(result).map(|v| v.len()).unwrap_or(0);
        if size > self.max_response_bytes {
            return Err(McpError::ResponseTooLarge {
                limit_bytes: self.max_response_bytes,
            });
        }
        Ok(())
    }

    fn busy(&self) -> BusyGuard<'_> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.touch();
        BusyGuard { client: self }
    }

    fn touch(&self) {
        if let Ok(mut last) = self.last_used.lock() {
            *last = Instant::now();
        }
    }
}

/// Keeps the in-flight count and last-use time right however a call ends.
struct BusyGuard<'a> {
    client: &'a McpClient,
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.client.touch();
        self.client.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A connection held for a call (see [`McpClient::in_use`]).
pub(crate) struct InUse(Arc<McpClient>);

impl InUse {
    pub(crate) fn client(&self) -> &Arc<McpClient> {
        &self.0
    }
}

impl Drop for InUse {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Whether the stdio child `pid` has exited. Asked of the OS rather than waiting for the
/// transport to read the closed pipe, which can lag behind: a call handed a dead child's
/// connection would be written into the void and fail as "maybe run". The child is not
/// reaped (`WNOWAIT`): its owner still waits for it.
#[cfg(unix)]
fn child_exited(pid: u32) -> bool {
    use rustix::process::{Pid, WaitId, WaitIdOptions, waitid};
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return false;
    };
    match waitid(
        WaitId::Pid(pid),
        WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT,
    ) {
        Ok(status) => status.is_some(),
        // Already reaped: gone.
        Err(rustix::io::Errno::CHILD) => true,
        Err(_) => false,
    }
}

#[cfg(not(unix))]
fn child_exited(_pid: u32) -> bool {
    false
}

fn call_params(
    tool: &str,
    args: Value,
    idempotency_key: Option<&str>,
) -> Result<CallToolRequestParams, McpError> {
    let arguments = match args {
        Value::Object(map) => Some(map),
        Value::Null => None,
        other => {
            return Err(McpError::Invalid(format!(
                "tool arguments must be a JSON object, got {}",
                json_type_name(&other)
            )));
        }
    };
    let mut params = CallToolRequestParams::new(tool.to_owned());
    params.arguments = arguments;
    if let Some(key) = idempotency_key {
        let mut meta = RequestMetaObject::new();
        meta.insert(
            IDEMPOTENCY_META_KEY.to_owned(),
            Value::String(key.to_owned()),
        );
        params.meta = Some(meta);
    }
    Ok(params)
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The protocol revisions this client offers, newest first.
pub(crate) fn stateless_versions() -> Vec<ProtocolVersion> {
    vec![ProtocolVersion::V_2026_07_28]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_params_put_the_idempotency_key_in_meta() {
        let params = call_params(
            "echo",
            serde_json::json!({"m": 1}),
            Some("run-1/step-2/attempt-1"),
        )
        .expect("valid params");
        let wire = serde_json::to_value(&params).expect("serializable");
        assert_eq!(
            wire["_meta"][IDEMPOTENCY_META_KEY],
            Value::String("run-1/step-2/attempt-1".into())
        );
        assert_eq!(wire["arguments"], serde_json::json!({"m": 1}));
    }

    #[test]
    fn call_params_refuse_non_object_arguments() {
        for args in [
            serde_json::json!([1]),
            serde_json::json!("x"),
            serde_json::json!(3),
        ] {
            assert!(matches!(
                call_params("t", args, None),
                Err(McpError::Invalid(_))
            ));
        }
        assert!(call_params("t", Value::Null, None).is_ok());
    }
}
