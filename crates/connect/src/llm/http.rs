//! The HTTP plumbing both provider clients share: the client, sending a JSON request,
//! turning failures into [`LlmError`]s, and reading bodies with a size limit.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::error::{LlmError, redact};
use super::retry::retry_after_from_headers;
use crate::secret::SecretString;

/// Largest non-streamed response body accepted.
pub(crate) const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Largest streamed response accepted, all events together.
pub(crate) const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;
/// How much of an error body is read to find the provider's message.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;
/// How much of an unstructured error body is quoted in an error message.
const MAX_QUOTED_CHARS: usize = 500;

/// Timeouts of the HTTP client shared by all provider clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Longest silence allowed while waiting for or reading a response (so a long
    /// stream is fine as long as it keeps sending).
    pub read_timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(120),
        }
    }
}

/// Builds the `reqwest` client to share between provider clients (it pools
/// connections; clone it freely).
pub fn http_client(options: HttpOptions) -> Result<reqwest::Client, LlmError> {
    reqwest::Client::builder()
        .connect_timeout(options.connect_timeout)
        .read_timeout(options.read_timeout)
        .user_agent(concat!("agentruntime/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| LlmError::ClientSetup(error_chain(&error)))
}

/// One call's identity: which provider, and which key to keep out of messages.
#[derive(Clone, Debug)]
pub(crate) struct CallContext {
    pub(crate) provider: String,
    pub(crate) api_key: Option<SecretString>,
}

impl CallContext {
    /// `text` with the API key removed.
    pub(crate) fn redact(&self, text: &str) -> String {
        redact(text, self.api_key.as_ref().map(SecretString::expose_secret))
    }

    pub(crate) fn malformed(&self, message: impl AsRef<str>) -> LlmError {
        LlmError::MalformedResponse {
            provider: self.provider.clone(),
            message: self.redact(message.as_ref()),
        }
    }

    /// Classifies a `reqwest` failure.
    pub(crate) fn transport_error(&self, error: &reqwest::Error) -> LlmError {
        let provider = self.provider.clone();
        let message = self.redact(&error_chain(error));
        if error.is_timeout() {
            LlmError::Timeout { provider, message }
        } else if error.is_connect() {
            LlmError::Connect { provider, message }
        } else {
            LlmError::Transport { provider, message }
        }
    }

    /// Sends `body` as JSON to `url` and returns the response if its status is a
    /// success; otherwise the provider's error as [`LlmError::Status`].
    pub(crate) async fn post_json(
        &self,
        client: &reqwest::Client,
        url: Url,
        headers: HeaderMap,
        body: &Value,
    ) -> Result<reqwest::Response, LlmError> {
        let response = client
            .post(url)
            .headers(headers)
            .json(body)
            .send()
            .await
            .map_err(|error| self.transport_error(&error))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(self.status_error(response).await)
        }
    }

    /// Reads a whole (size-limited) body and parses it as `T`.
    pub(crate) async fn read_json<T: DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, LlmError> {
        let body = self.read_limited(response, MAX_RESPONSE_BYTES).await?;
        serde_json::from_slice(&body).map_err(|error| {
            self.malformed(format!(
                "the response body is not the expected JSON: {error}"
            ))
        })
    }

    async fn status_error(&self, response: reqwest::Response) -> LlmError {
        let status = response.status().as_u16();
        let retry_after = retry_after_from_headers(response.headers(), SystemTime::now());
        let message = match self.read_limited(response, MAX_ERROR_BODY_BYTES).await {
            Ok(body) => provider_message(&String::from_utf8_lossy(&body)),
            Err(_) => String::new(),
        };
        let message = if message.is_empty() {
            "(no error message in the response)".to_owned()
        } else {
            self.redact(&message)
        };
        LlmError::Status {
            provider: self.provider.clone(),
            status,
            message,
            retry_after,
        }
    }

    /// Reads the body, refusing more than `limit` bytes.
    async fn read_limited(
        &self,
        mut response: reqwest::Response,
        limit: usize,
    ) -> Result<Vec<u8>, LlmError> {
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.transport_error(&error))?
        {
            if body.len() + chunk.len() > limit {
                return Err(self.malformed(format!("the response body exceeds {limit} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The provider's own words from an error body: `error.message` (OpenAI, Anthropic),
/// `message`, `error` as a string (Ollama), `detail` (vLLM/FastAPI); else the body
/// itself, shortened.
pub(crate) fn provider_message(body: &str) -> String {
    if let Ok(json) = serde_json::from_str::<Value>(body) {
        let candidates = [
            json.pointer("/error/message"),
            json.get("message"),
            json.get("error"),
            json.get("detail"),
        ];
        if let Some(message) = candidates.into_iter().flatten().find_map(Value::as_str) {
            return message.trim().to_owned();
        }
    }
    let trimmed = body.trim();
    match trimmed.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}

/// An error and its sources, joined, so "connection refused" is not lost behind
/// "error sending request".
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_message_is_found_in_each_known_error_shape() {
        let long = "x".repeat(600);
        let cases = [
            (
                r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error"}}"#,
                "Incorrect API key".to_owned(),
            ),
            (
                r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
                "invalid x-api-key".to_owned(),
            ),
            (
                r#"{"error":"model 'llama9' not found"}"#,
                "model 'llama9' not found".to_owned(),
            ),
            (r#"{"detail":"Not Found"}"#, "Not Found".to_owned()),
            (
                r#"{"message":" Too many requests "}"#,
                "Too many requests".to_owned(),
            ),
            ("Bad Gateway\n", "Bad Gateway".to_owned()),
            (&long, format!("{}…", "x".repeat(500))),
            ("", String::new()),
        ];
        for (body, expected) in cases {
            assert_eq!(provider_message(body), expected, "{body}");
        }
    }
}
