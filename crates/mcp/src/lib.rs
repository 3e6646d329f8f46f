//! The MCP client of agentruntime.
//!
//! - [`McpClientPool`] hands out connections to [`McpTarget`]s (Streamable HTTP in
//!   both protocol eras, or stdio child processes), reuses them across calls,
//!   replaces broken ones (a transport error, a timeout, a session the server no
//!   longer knows, a stdio child that exited), sends a call again once when it cannot
//!   have run, closes idle ones, and reports its connections ([`PoolHealth`]).
//! - [`McpClient::call_tool`] / [`McpClientPool::call_tool`]: arguments in, the step
//!   result of CONTRACT §2 out ([`map_call_result`]), or a typed [`McpError`]
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
pub mod pool;
pub mod result;
pub mod ssrf;
pub mod target;

pub use client::{CallOptions, IDEMPOTENCY_META_KEY, McpClient, ToolInfo};
pub use connect::{ConnectOptions, DEFAULT_MAX_RESPONSE_BYTES, ProtocolPreference, connect};
pub use error::McpError;
pub use health::{ConnectionHealth, PoolHealth, TransportHealth};
pub use pool::{McpClientPool, PoolConfig};
pub use result::map_call_result;
pub use ssrf::{ALLOWED_HOSTS_ENV, GuardedResolver, HostAllowlist, SsrfError, check_url};
pub use target::McpTarget;
pub use tokio_util::sync::CancellationToken;
