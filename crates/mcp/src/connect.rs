//! Opening a connection to a target: the Streamable HTTP transport (SSRF-guarded,
//! size-limited, both protocol eras) or a child process over stdio.

use std::collections::{BTreeMap, HashMap};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::TokioChildProcess;
use rmcp::transport::streamable_http_client::{
    StreamableHttpClientTransport, StreamableHttpClientTransportConfig,
};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::client::{McpClient, stateless_versions};
use crate::error::McpError;
use crate::http_client::WatchedHttpClient;
use crate::ssrf::{GuardedResolver, HostAllowlist, check_url};
use crate::target::McpTarget;

/// Default cap on one response (docs/contract.md §2: results larger than this fail the step).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;

/// Environment variables a stdio server inherits from the platform process; all
/// others (the master key among them) are withheld. The target's own `env` is added.
pub const INHERITED_ENV: &[&str] = &["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ"];

/// Which MCP protocol era to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProtocolPreference {
    /// Try the stateless 2026-07-28 revision (`server/discover`); fall back to the
    /// session-based `initialize` handshake (2025-11-25 down to 2025-03-26) when the
    /// server answers as a legacy server.
    #[default]
    Auto,
    /// Only the session-based revisions.
    SessionOnly,
    /// Only the stateless 2026-07-28 revision.
    StatelessOnly,
}

/// How connections are opened.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Largest accepted response in bytes (default 10 MiB).
    pub max_response_bytes: usize,
    /// Bound on establishing a connection and the protocol handshake.
    pub connect_timeout: Duration,
    /// Operator exceptions to the SSRF guard (`AR_MCP_ALLOWED_HOSTS`).
    pub allowlist: Arc<HostAllowlist>,
    /// Protocol era selection.
    pub protocol: ProtocolPreference,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            connect_timeout: Duration::from_secs(30),
            allowlist: Arc::new(HostAllowlist::empty()),
            protocol: ProtocolPreference::Auto,
        }
    }
}

/// Opens a connection to `target` and completes the MCP handshake.
pub async fn connect(target: &McpTarget, options: &ConnectOptions) -> Result<McpClient, McpError> {
    let client = match target {
        McpTarget::Http { url, headers } => connect_http(url, headers, options).await,
        McpTarget::Stdio { command, args, env } => connect_stdio(command, args, env, options).await,
    }?;
    Ok(client.serving(target))
}

async fn connect_http(
    url: &str,
    headers: &BTreeMap<String, String>,
    options: &ConnectOptions,
) -> Result<McpClient, McpError> {
    check_url(url, &options.allowlist).await?;
    let http = reqwest::Client::builder()
        // Every resolution is re-checked, so DNS rebinding cannot bypass `check_url`.
        .dns_resolver(GuardedResolver::new(Arc::clone(&options.allowlist)))
        // A redirect could point at an IP literal that no resolver sees.
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the host itself, out of the guard's reach.
        .no_proxy()
        .connect_timeout(options.connect_timeout)
        .build()
        .map_err(|e| McpError::Invalid(format!("could not build the HTTP client: {e}")))?;
    let config = StreamableHttpClientTransportConfig::with_uri(url)
        .custom_headers(header_map(headers)?)
        .max_json_response_size(options.max_response_bytes)
        .max_sse_event_size(options.max_response_bytes)
        .reinit_on_expired_session(true);
    let http = WatchedHttpClient::new(http);
    let oversized = http.oversized_flag();
    let transport = StreamableHttpClientTransport::with_client(http, config);
    let service = handshake(transport, options).await?;
    Ok(
        McpClient::new(service, None, options.max_response_bytes, false)
            .with_oversized_flag(oversized),
    )
}

async fn connect_stdio(
    command: &str,
    args: &[String],
    env: &BTreeMap<String, String>,
    options: &ConnectOptions,
) -> Result<McpClient, McpError> {
    let mut cmd = tokio::process::Command::new(command);
    cmd.args(args).env_clear();
    for key in INHERITED_ENV {
        if let Some(value) = std::env::var_os(key) {
            cmd.env(key, value);
        }
    }
    cmd.envs(env).kill_on_drop(true);
    let spawn_error = |e: std::io::Error| McpError::Spawn {
        command: command.to_owned(),
        message: e.to_string(),
    };
    let (process, stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let pid = process.id();
    if let Some(stderr) = stderr {
        tokio::spawn(forward_stderr(stderr, command.to_owned(), pid));
    }
    let service = handshake(process, options).await?;
    Ok(McpClient::new(
        service,
        pid,
        options.max_response_bytes,
        true,
    ))
}

/// A server's stderr is diagnostics for operators: it goes to tracing at debug
/// level, never into results (it may echo secrets).
async fn forward_stderr(stderr: tokio::process::ChildStderr, command: String, pid: Option<u32>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::debug!(target: "ar_mcp::stdio", command = %command, pid = ?pid, "{line}");
    }
}

async fn handshake<T, E, A>(
    transport: T,
    options: &ConnectOptions,
) -> Result<rmcp::service::RunningService<rmcp::service::RoleClient, ClientConfig>, McpError>
where
    T: rmcp::transport::IntoTransport<rmcp::service::RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let (config, lifecycle) = lifecycle(options.protocol);
    tokio::time::timeout(
        options.connect_timeout,
        config.serve_with_lifecycle(transport, lifecycle),
    )
    .await
    .map_err(|_| McpError::Timeout {
        after: options.connect_timeout,
    })?
    .map_err(|e| McpError::from_init(e, options.max_response_bytes))
}

fn lifecycle(preference: ProtocolPreference) -> (ClientConfig, ClientLifecycleMode) {
    let info = Implementation::new("agentruntime", env!("CARGO_PKG_VERSION"));
    let config = ClientConfig::new(ClientCapabilities::default(), info);
    let legacy = ProtocolVersion::LATEST_WITH_INITIALIZE;
    match preference {
        ProtocolPreference::Auto => (
            config,
            ClientLifecycleMode::Auto {
                preferred_versions: stateless_versions(),
                legacy_version: Some(legacy),
            },
        ),
        ProtocolPreference::SessionOnly => (
            config.with_protocol_version(legacy),
            ClientLifecycleMode::Initialize,
        ),
        ProtocolPreference::StatelessOnly => (
            config,
            ClientLifecycleMode::Discover {
                preferred_versions: stateless_versions(),
            },
        ),
    }
}

/// Converts header strings, naming (never showing the value of) a bad one.
fn header_map(
    headers: &BTreeMap<String, String>,
) -> Result<HashMap<HeaderName, HeaderValue>, McpError> {
    headers
        .iter()
        .map(|(name, value)| {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| McpError::Invalid(format!("invalid header name `{name}`")))?;
            let mut header_value = HeaderValue::from_str(value)
                .map_err(|_| McpError::Invalid(format!("invalid value for header `{name}`")))?;
            header_value.set_sensitive(true);
            Ok((header_name, header_value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_header_errors_name_the_header_but_not_the_value() {
        let mut headers = BTreeMap::new();
        headers.insert("x-token".to_owned(), "s3cret\nInjected: 1".to_owned());
        let error = header_map(&headers).expect_err("newline is not a valid header value");
        let text = error.to_string();
        assert!(text.contains("x-token"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");

        let mut bad_name = BTreeMap::new();
        bad_name.insert("bad name".to_owned(), "v".to_owned());
        assert!(matches!(header_map(&bad_name), Err(McpError::Invalid(_))));
    }
}
