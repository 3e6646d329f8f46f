//! The node's one MCP connection pool, shared by the `mcp_call` executor and the
//! registry's discovery and validation, so a workspace's cap on stdio children covers
//! both (issue 13 item 6; docs/security.md "MCP connections"). Connections are keyed by
//! workspace: two workspaces never share a child process or an HTTP session.

use std::sync::{Arc, OnceLock};

use ar_mcp::{ConnectOptions, McpClientPool, McpError, PoolConfig};
use axum::http::StatusCode;
use serde_json::json;

use crate::error::ApiError;
use crate::mcp::resolver::StateSlot;
use crate::settings::Settings;

/// What the executors (built first) and the server state (built after them) of one node
/// share: the state, once it exists, and the connection pool.
#[derive(Clone, Default)]
pub struct McpShared {
    pub state: StateSlot,
    pub pool: SharedPool,
}

/// The pool, made from the settings by whoever needs it first.
#[derive(Clone, Default)]
pub struct SharedPool(Arc<OnceLock<Arc<McpClientPool>>>);

impl SharedPool {
    /// The node's pool; made from `settings` on first call (inside a Tokio runtime).
    pub fn get_or_create(&self, settings: &Settings) -> Result<Arc<McpClientPool>, String> {
        if let Some(pool) = self.0.get() {
            return Ok(Arc::clone(pool));
        }
        let made = McpClientPool::new(pool_config(settings)?);
        Ok(Arc::clone(self.0.get_or_init(|| made)))
    }
}

/// The pool's configuration from the settings: the SSRF allowlist and the caps on stdio
/// children.
pub fn pool_config(settings: &Settings) -> Result<PoolConfig, String> {
    let allowlist = settings.mcp_allowlist().map_err(|e| e.to_string())?;
    Ok(PoolConfig {
        connect: ConnectOptions {
            allowlist: Arc::new(allowlist),
            ..ConnectOptions::default()
        },
        children: settings.mcp_child_limits(),
        ..PoolConfig::default()
    })
}

/// The answer to a request that needed a stdio child when none could be had: 429 when the
/// workspace is at its own cap (its calls must finish first), 503 when the whole server
/// is. `None` for any other error.
pub fn capacity_error(error: &McpError) -> Option<ApiError> {
    let McpError::AtCapacity { workspace, .. } = error else {
        return None;
    };
    let status = if *workspace {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut answer = ApiError::new(status, error.to_string()).with("code", json!(error.code()));
    answer.retry_after = Some(5);
    Some(answer)
}
