//! The MCP client of agentruntime.
//!
//! - [`McpClientPool`] hands out connections to [`McpTarget`]s (Streamable HTTP in
//!   both protocol eras, or stdio child processes), one per [`Owner`] (a workspace)
//!   and target, reuses them across calls, replaces broken ones (a transport error, a
//!   timeout, a session the server no longer knows, a stdio child that exited), sends
//!   a call again once when it cannot have run, closes idle ones, caps stdio children
//!   per workspace and overall ([`ChildLimits`]) and reports its connections
//!   ([`PoolHealth`]).
//! - [`McpClient::call_tool`] / [`McpClientPool::call_tool`]: arguments in, the step
//!   result of docs/contract.md §2 out ([`map_call_result`]), or a typed [`McpError`]
//!   (`MCP_TOOL_FAILED` for `isError`, transient vs. final transport failures,
//!   timeouts, cancellation, oversized responses).
//! - [`check_url`] and [`GuardedResolver`]: the SSRF guard with its operator
//!   allowlist ([`HostAllowlist`], `AR_MCP_ALLOWED_HOSTS`).
//!
//! See `docs/mcp.md` for the behaviour in prose.

pub mod client;
pub mod connect;
pub mod error;
mod heal;
pub mod health;
mod http_client;
pub mod owner;
pub mod pool;
mod quota;
pub mod result;
pub mod ssrf;
pub mod target;

pub use client::{CallOptions, IDEMPOTENCY_META_KEY, McpClient, ToolInfo};
pub use connect::{ConnectOptions, DEFAULT_MAX_RESPONSE_BYTES, ProtocolPreference, connect};
pub use error::McpError;
pub use health::{ConnectionHealth, PoolHealth, TransportHealth};
pub use owner::Owner;
pub use pool::{McpClientPool, PoolConfig, PoolStats};
pub use quota::ChildLimits;
pub use result::map_call_result;
pub use ssrf::{
    ALLOWED_HOSTS_ENV, Embedded, GuardedResolver, HostAllowlist, Restriction, SsrfError, check_url,
    classify,
};
pub use target::McpTarget;
pub use tokio_util::sync::CancellationToken;
