//! What a failed relay means for the user: one actionable sentence, used both on
//! stderr and in the JSON-RPC error the client gets. Never the token: rmcp's errors
//! carry the server's challenge and reqwest's the URL, neither holds the token, and
//! the sentences here are ours.

use rmcp::transport::streamable_http_client::StreamableHttpError;

/// JSON-RPC "internal error": the request could not be relayed, the server did not
/// answer it.
pub const RELAY_FAILED: i64 = -32603;
/// JSON-RPC "parse error": a stdin line that is not a JSON-RPC message.
pub const PARSE_ERROR: i64 = -32700;

/// One sentence saying what went wrong and what to do about it.
pub fn explain(error: &StreamableHttpError<reqwest::Error>, endpoint: &str) -> String {
    match error {
        StreamableHttpError::AuthRequired(_) => refused_token(401),
        StreamableHttpError::InsufficientScope(_) => refused_token(403),
        StreamableHttpError::HttpStatus(status) if matches!(status.status, 401 | 403) => {
            refused_token(status.status)
        }
        StreamableHttpError::HttpStatus(status) if status.status == 429 => format!(
            "the server at {endpoint} is rate limiting this token (HTTP 429{}); retry later",
            status
                .retry_after
                .as_deref()
                .map(|after| format!(", Retry-After: {after}"))
                .unwrap_or_default()
        ),
        StreamableHttpError::HttpStatus(status) => format!(
            "the server at {endpoint} failed the request (HTTP {}); see its logs",
            status.status
        ),
        StreamableHttpError::Client(e) if e.is_connect() || e.is_timeout() => format!(
            "cannot reach the agentruntime server at {endpoint}: is it running, and are \
             --url / AGENTRUNTIME_URL right? ({})",
            source_chain(e)
        ),
        StreamableHttpError::Client(e) if e.status().is_some_and(|s| s.as_u16() == 404) => {
            not_mcp(endpoint)
        }
        StreamableHttpError::Client(e) => {
            format!("the request to {endpoint} failed: {}", source_chain(e))
        }
        StreamableHttpError::UnexpectedContentType(_) => not_mcp(endpoint),
        other => format!("relaying to {endpoint} failed: {other}"),
    }
}

fn refused_token(status: u16) -> String {
    let what = if status == 401 {
        "refused the token"
    } else {
        "refused this token the MCP endpoint"
    };
    format!(
        "the server {what} (HTTP {status}): give a valid personal access token (pat_…) with \
         --token or AGENTRUNTIME_TOKEN; create one in the console under Settings → API keys, \
         and check it is not revoked or expired"
    )
}

fn not_mcp(endpoint: &str) -> String {
    format!(
        "{endpoint} does not answer as an MCP endpoint: check --url / AGENTRUNTIME_URL \
         names the agentruntime server"
    )
}

/// reqwest's top-level message hides the cause ("error sending request"); the chain
/// says "connection refused".
fn source_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
