//! Typed failures of MCP calls, with the step error code each maps to and whether
//! a retry may help (docs/contract.md §2: `retry_count` retries only transient failures).
//!
//! Messages never carry header values or environment values: credentials travel in
//! those, and errors end up in run events and API responses.

use std::error::Error as StdError;
use std::time::Duration;

use rmcp::service::{ClientInitializeError, ServiceError};
use rmcp::transport::streamable_http_client::{HttpStatusError, StreamableHttpError};
use thiserror::Error;

use crate::ssrf::SsrfError;

/// Why an MCP operation failed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum McpError {
    /// The tool ran and reported `isError: true`; `message` is the tool's own text.
    #[error("{message}")]
    ToolFailed { message: String },
    /// The server answered the request with a JSON-RPC error (unknown tool, bad params…).
    #[error("the MCP server returned error {code}: {message}")]
    Server { code: i32, message: String },
    /// The server could not be reached or the connection broke.
    #[error("MCP transport error: {message}")]
    Transport { message: String, transient: bool },
    /// The server sent something that is not valid MCP / JSON-RPC.
    #[error("the MCP server sent an invalid response: {message}")]
    Protocol { message: String },
    /// The response exceeded the configured size limit.
    #[error("the MCP server's response exceeded the limit of {limit_bytes} bytes")]
    ResponseTooLarge { limit_bytes: usize },
    /// No answer within the timeout.
    #[error("the MCP call timed out after {}s", .after.as_secs_f64())]
    Timeout { after: Duration },
    /// The caller cancelled the call (run stopped).
    #[error("the MCP call was cancelled")]
    Cancelled,
    /// The URL was refused by the SSRF guard.
    #[error(transparent)]
    UrlRefused(#[from] SsrfError),
    /// The stdio server could not be started.
    #[error("could not start MCP server `{command}`: {message}")]
    Spawn { command: String, message: String },
    /// The target or the call is malformed (bad header name, arguments not an object…).
    #[error("invalid MCP request: {0}")]
    Invalid(String),
    /// Starting another MCP server process would exceed a cap of the pool (the
    /// workspace's, or the whole server's when `workspace` is false), and every process
    /// running under that cap is busy with a call.
    #[error(
        "{} already runs {limit} MCP server processes, its limit, and all of them are busy: \
         try again when a call has finished",
        if *.workspace { "this workspace" } else { "the server" }
    )]
    AtCapacity { workspace: bool, limit: usize },
}

impl McpError {
    /// The step error code (docs/contract.md §7 error codes; `MCP_TOOL_FAILED` per §2).
    pub fn code(&self) -> &'static str {
        match self {
            Self::ToolFailed { .. } => "MCP_TOOL_FAILED",
            Self::Server { .. } => "MCP_SERVER_ERROR",
            Self::Transport { .. } => "MCP_TRANSPORT_ERROR",
            Self::Protocol { .. } => "MCP_PROTOCOL_ERROR",
            Self::ResponseTooLarge { .. } => "MCP_RESPONSE_TOO_LARGE",
            Self::Timeout { .. } => "MCP_TIMEOUT",
            Self::Cancelled => "MCP_CANCELLED",
            Self::UrlRefused(_) => "MCP_URL_REFUSED",
            Self::Spawn { .. } => "MCP_SPAWN_FAILED",
            Self::Invalid(_) => "MCP_INVALID_REQUEST",
            Self::AtCapacity { .. } => "MCP_AT_CAPACITY",
        }
    }

    /// Whether retrying the same call may succeed: timeouts, refused/reset
    /// connections, HTTP 429 and 5xx, a pool at capacity. Tool failures and bad input
    /// are final.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { transient, .. } => *transient,
            Self::Timeout { .. } | Self::AtCapacity { .. } => true,
            _ => false,
        }
    }

    /// Maps an rmcp request failure; `limit_bytes` is the configured response limit.
    pub(crate) fn from_service(error: &ServiceError, limit_bytes: usize) -> Self {
        match error {
            ServiceError::McpError(data) => Self::Server {
                code: data.code.0,
                message: data.message.to_string(),
            },
            ServiceError::TransportSend(dynamic) => {
                classify_chain(dynamic.error.as_ref(), limit_bytes)
            }
            ServiceError::TransportClosed => Self::Transport {
                message: "the connection to the MCP server closed".to_owned(),
                transient: true,
            },
            ServiceError::UnexpectedResponse => Self::Protocol {
                message: "unexpected response type".to_owned(),
            },
            ServiceError::Cancelled { .. } => Self::Cancelled,
            ServiceError::Timeout { timeout } => Self::Timeout { after: *timeout },
            other => Self::Protocol {
                message: other.to_string(),
            },
        }
    }

    /// Maps a failed connection handshake.
    pub(crate) fn from_init(error: ClientInitializeError, limit_bytes: usize) -> Self {
        match error {
            ClientInitializeError::TransportError { error, context } => {
                match classify_chain(error.error.as_ref(), limit_bytes) {
                    Self::Transport { message, transient } => Self::Transport {
                        message: format!("{message} ({context})"),
                        transient,
                    },
                    other => other,
                }
            }
            ClientInitializeError::ConnectionClosed(context) => Self::Transport {
                message: format!("the MCP server closed the connection during {context}"),
                transient: true,
            },
            ClientInitializeError::JsonRpcError(data) => Self::Server {
                code: data.code.0,
                message: data.message.into_owned(),
            },
            ClientInitializeError::Cancelled => Self::Cancelled,
            ClientInitializeError::LegacyFallbackFailed { fallback, .. } => {
                Self::from_init(*fallback, limit_bytes)
            }
            other => Self::Protocol {
                message: other.to_string(),
            },
        }
    }
}

/// Walks an error's source chain for the first cause we know how to type.
fn classify_chain(error: &(dyn StdError + 'static), limit_bytes: usize) -> McpError {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(cause) = current {
        if let Some(typed) = classify_one(cause, limit_bytes) {
            return typed;
        }
        current = cause.source();
    }
    McpError::Transport {
        message: error_text(error),
        transient: false,
    }
}

fn classify_one(cause: &(dyn StdError + 'static), limit_bytes: usize) -> Option<McpError> {
    if let Some(ssrf) = cause.downcast_ref::<SsrfError>() {
        return Some(McpError::UrlRefused(ssrf.clone()));
    }
    if let Some(status) = cause.downcast_ref::<HttpStatusError>() {
        return Some(http_status(status.status));
    }
    if let Some(http) = cause.downcast_ref::<StreamableHttpError<reqwest::Error>>() {
        return classify_streamable(http, limit_bytes);
    }
    if let Some(req) = cause.downcast_ref::<reqwest::Error>() {
        return Some(classify_reqwest(req));
    }
    if let Some(io) = cause.downcast_ref::<std::io::Error>() {
        return Some(classify_io(io));
    }
    None
}

fn classify_reqwest(error: &reqwest::Error) -> McpError {
    // An SSRF refusal from the resolver hides inside reqwest's error chain.
    let mut inner = error.source();
    while let Some(cause) = inner {
        if let Some(ssrf) = cause.downcast_ref::<SsrfError>() {
            return McpError::UrlRefused(ssrf.clone());
        }
        inner = cause.source();
    }
    if let Some(status) = error.status() {
        return http_status(status.as_u16());
    }
    McpError::Transport {
        message: error_text(error),
        transient: error.is_connect()
            || error.is_timeout()
            || error.is_request()
            || error.is_body(),
    }
}

fn classify_io(error: &std::io::Error) -> McpError {
    use std::io::ErrorKind::*;
    let transient = matches!(
        error.kind(),
        ConnectionRefused
            | ConnectionReset
            | ConnectionAborted
            | BrokenPipe
            | UnexpectedEof
            | TimedOut
            | NotConnected
    );
    McpError::Transport {
        message: error.to_string(),
        transient,
    }
}

/// 429 and 5xx may pass; other statuses will not change on a retry.
fn http_status(status: u16) -> McpError {
    McpError::Transport {
        message: format!("the MCP server answered HTTP {status}"),
        transient: status == 429 || (500..600).contains(&status),
    }
}

fn classify_streamable(
    error: &StreamableHttpError<reqwest::Error>,
    limit_bytes: usize,
) -> Option<McpError> {
    match error {
        StreamableHttpError::HttpStatus(status) => Some(http_status(status.status)),
        StreamableHttpError::Client(error) => Some(classify_reqwest(error)),
        StreamableHttpError::Io(error) => Some(classify_io(error)),
        StreamableHttpError::ResponseBodyTooLarge { .. } => {
            Some(McpError::ResponseTooLarge { limit_bytes })
        }
        StreamableHttpError::Deserialize(e) => Some(McpError::Protocol {
            message: e.to_string(),
        }),
        StreamableHttpError::UnexpectedServerResponse(text) => Some(McpError::Protocol {
            message: text.to_string(),
        }),
        StreamableHttpError::UnexpectedContentType(content_type) => Some(McpError::Protocol {
            message: format!(
                "unexpected content type {}",
                content_type.as_deref().unwrap_or("(none)")
            ),
        }),
        StreamableHttpError::UnexpectedEndOfStream => Some(McpError::Transport {
            message: "the MCP server closed the response stream early".to_owned(),
            transient: true,
        }),
        // HTTP 404 for the session: the server restarted or dropped it. A new
        // connection starts a new session, so a retry may pass.
        StreamableHttpError::SessionExpired | StreamableHttpError::ReinitializationFailed(_) => {
            Some(McpError::Transport {
                message: "the MCP server no longer knows the session (it restarted or ended it)"
                    .to_owned(),
                transient: true,
            })
        }
        StreamableHttpError::SessionRecoveryTimeout => Some(McpError::Transport {
            message: "the MCP session could not be re-established in time".to_owned(),
            transient: true,
        }),
        StreamableHttpError::AuthRequired(_) | StreamableHttpError::InsufficientScope(_) => {
            Some(McpError::Transport {
                message: "the MCP server refused the credentials (HTTP 401/403)".to_owned(),
                transient: false,
            })
        }
        StreamableHttpError::Sse(sse) => {
            // The size limiter's error type is private to rmcp: recognise its text.
            let text = error_text(sse);
            if text.contains("exceeded the maximum size") {
                Some(McpError::ResponseTooLarge { limit_bytes })
            } else {
                Some(McpError::Transport {
                    message: format!("event stream error: {text}"),
                    transient: true,
                })
            }
        }
        // Others carry a typed cause further down the chain (reqwest, io, HTTP status).
        _ => None,
    }
}

/// An error's text with its causes, for messages (no values of headers or env).
fn error_text(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        current = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_transience_per_variant() {
        let cases: Vec<(McpError, &str, bool)> = vec![
            (
                McpError::ToolFailed {
                    message: "boom".into(),
                },
                "MCP_TOOL_FAILED",
                false,
            ),
            (
                McpError::Server {
                    code: -32602,
                    message: "unknown tool".into(),
                },
                "MCP_SERVER_ERROR",
                false,
            ),
            (
                McpError::Transport {
                    message: "refused".into(),
                    transient: true,
                },
                "MCP_TRANSPORT_ERROR",
                true,
            ),
            (
                McpError::Transport {
                    message: "bad header".into(),
                    transient: false,
                },
                "MCP_TRANSPORT_ERROR",
                false,
            ),
            (
                McpError::Protocol {
                    message: "garbage".into(),
                },
                "MCP_PROTOCOL_ERROR",
                false,
            ),
            (
                McpError::ResponseTooLarge { limit_bytes: 10 },
                "MCP_RESPONSE_TOO_LARGE",
                false,
            ),
            (
                McpError::Timeout {
                    after: Duration::from_secs(1),
                },
                "MCP_TIMEOUT",
                true,
            ),
            (McpError::Cancelled, "MCP_CANCELLED", false),
            (
                McpError::UrlRefused(SsrfError::MissingHost),
                "MCP_URL_REFUSED",
                false,
            ),
            (
                McpError::Spawn {
                    command: "x".into(),
                    message: "not found".into(),
                },
                "MCP_SPAWN_FAILED",
                false,
            ),
            (McpError::Invalid("x".into()), "MCP_INVALID_REQUEST", false),
            (
                McpError::AtCapacity {
                    workspace: true,
                    limit: 8,
                },
                "MCP_AT_CAPACITY",
                true,
            ),
        ];
        for (error, code, transient) in cases {
            assert_eq!(error.code(), code, "{error:?}");
            assert_eq!(error.is_transient(), transient, "{error:?}");
        }
    }

    #[test]
    fn tool_failure_displays_the_tools_own_message() {
        let error = McpError::ToolFailed {
            message: "disk full".into(),
        };
        assert_eq!(error.to_string(), "disk full");
    }

    #[test]
    fn io_errors_in_a_chain_are_classified_by_kind() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(classify_chain(&refused, 1).is_transient());
        let denied = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        assert!(!classify_chain(&denied, 1).is_transient());
    }
}
