//! Typed LLM errors: what went wrong, whether retrying can help, how long the
//! provider asked us to wait, and what the user should fix. No message ever
//! contains the API key.

use std::time::Duration;

/// An error from resolving, building, sending or reading an LLM request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// No key resolved for a provider that needs one.
    #[error(
        "no API key for provider {provider}: add a workspace key under Providers, \
         set {env_var}, or give the step an llm_credential_id"
    )]
    MissingApiKey {
        /// The provider's name, e.g. `openai`.
        provider: String,
        /// The environment variable that holds the system key.
        env_var: String,
    },
    /// `model_ref` is not `<source>.<provider>.<model>`.
    #[error(
        "invalid model_ref {model_ref:?}: {reason}; expected <source>.<provider>.<model>, \
         e.g. direct.openai.gpt-4o-mini"
    )]
    InvalidModelRef {
        /// The text given.
        model_ref: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The provider name is not configured.
    #[error("unknown LLM provider {provider:?}; configured providers: {known}")]
    UnknownProvider {
        /// The name asked for.
        provider: String,
        /// The names that exist.
        known: String,
    },
    /// The request cannot be built (e.g. `llm_params` overrides a field we own).
    #[error("invalid LLM request: {0}")]
    InvalidRequest(String),
    /// The provider answered with an HTTP error status.
    #[error("{provider} returned HTTP {status}: {message}. {}", status_hint(*status, provider))]
    Status {
        /// The provider's name.
        provider: String,
        /// The HTTP status code.
        status: u16,
        /// The provider's own error message (API key redacted).
        message: String,
        /// How long the provider asked us to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// The provider reported an error inside a stream.
    #[error("{provider} reported an error mid-stream: {message}")]
    StreamError {
        /// The provider's name.
        provider: String,
        /// The provider's own error message (API key redacted).
        message: String,
        /// Whether the provider's error type is an overload or server error.
        transient: bool,
    },
    /// No connection could be made (refused, DNS, TLS).
    #[error("could not connect to {provider}: {message}; check the provider's base URL")]
    Connect {
        /// The provider's name.
        provider: String,
        /// Details from the HTTP client.
        message: String,
    },
    /// The connection or a read timed out.
    #[error("request to {provider} timed out: {message}")]
    Timeout {
        /// The provider's name.
        provider: String,
        /// Details from the HTTP client.
        message: String,
    },
    /// The connection failed while the response was being read.
    #[error("connection to {provider} failed while reading the response: {message}")]
    Transport {
        /// The provider's name.
        provider: String,
        /// Details from the HTTP client.
        message: String,
    },
    /// The response is not what the provider's protocol says it should be.
    #[error("{provider} sent a response that could not be understood: {message}")]
    MalformedResponse {
        /// The provider's name.
        provider: String,
        /// What could not be parsed.
        message: String,
    },
    /// The stream ended before the provider's end-of-stream marker.
    #[error("the stream from {provider} ended before it was complete (no {expected} received)")]
    StreamTruncated {
        /// The provider's name.
        provider: String,
        /// The end marker that never came.
        expected: String,
    },
    /// The HTTP client could not be set up.
    #[error("could not set up the HTTP client for LLM providers: {0}")]
    ClientSetup(String),
}

impl LlmError {
    /// True when trying again later may succeed: rate limits (429), request timeouts
    /// (408), server errors (5xx), connection failures, timeouts, interrupted or
    /// truncated streams, and overload errors reported mid-stream. Everything else
    /// (400, 401, 403, 404, bad input, unparseable answers) needs a fix first.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 408 || *status == 429 || *status >= 500,
            Self::StreamError { transient, .. } => *transient,
            Self::Connect { .. }
            | Self::Timeout { .. }
            | Self::Transport { .. }
            | Self::StreamTruncated { .. } => true,
            Self::MissingApiKey { .. }
            | Self::InvalidModelRef { .. }
            | Self::UnknownProvider { .. }
            | Self::InvalidRequest(_)
            | Self::MalformedResponse { .. }
            | Self::ClientSetup(_) => false,
        }
    }

    /// How long the provider asked the caller to wait before retrying, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// What the user should do about an HTTP error status.
fn status_hint(status: u16, provider: &str) -> String {
    let env_var = super::keys::system_key_env_var(provider);
    match status {
        401 => format!(
            "The API key was rejected: check the step's credential, the workspace key \
             under Providers, or {env_var}"
        ),
        403 => "The API key is not allowed to use this model or endpoint".to_owned(),
        404 => "Check the model name and the provider's base URL".to_owned(),
        408 => "The provider timed out; this is transient".to_owned(),
        400 | 413 | 422 => {
            "The provider rejected the request: check the prompt and llm_params".to_owned()
        }
        429 => "Rate limited by the provider; retry later".to_owned(),
        500..=599 => "The provider had a server error; this is transient".to_owned(),
        _ => "Unexpected status from the provider".to_owned(),
    }
}

/// Whether an error `type` reported inside a response body (Anthropic's
/// `overloaded_error`, OpenAI's `server_error` …) means "try again later".
pub(crate) fn is_transient_error_type(error_type: &str) -> bool {
    matches!(
        error_type,
        "overloaded_error" | "api_error" | "rate_limit_error" | "timeout_error" | "server_error"
    )
}

/// Replaces every occurrence of `secret` in `text` by `[REDACTED]`. Used on anything
/// a provider sends back, since some echo the key in their error messages.
pub(crate) fn redact(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if !secret.is_empty() => text.replace(secret, crate::secret::REDACTED),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> LlmError {
        LlmError::Status {
            provider: "openai".into(),
            status: code,
            message: "m".into(),
            retry_after: None,
        }
    }

    #[test]
    fn status_codes_are_classified_transient_or_permanent() {
        let cases = [
            (400, false),
            (401, false),
            (403, false),
            (404, false),
            (408, true),
            (413, false),
            (422, false),
            (429, true),
            (500, true),
            (502, true),
            (503, true),
            (504, true),
            (529, true),
        ];
        for (code, transient) in cases {
            assert_eq!(status(code).is_transient(), transient, "HTTP {code}");
        }
    }

    #[test]
    fn non_status_errors_are_classified() {
        let provider = || "anthropic".to_owned();
        let cases = [
            (
                LlmError::Connect {
                    provider: provider(),
                    message: "refused".into(),
                },
                true,
            ),
            (
                LlmError::Timeout {
                    provider: provider(),
                    message: "read".into(),
                },
                true,
            ),
            (
                LlmError::Transport {
                    provider: provider(),
                    message: "reset".into(),
                },
                true,
            ),
            (
                LlmError::StreamTruncated {
                    provider: provider(),
                    expected: "message_stop".into(),
                },
                true,
            ),
            (
                LlmError::StreamError {
                    provider: provider(),
                    message: "Overloaded".into(),
                    transient: true,
                },
                true,
            ),
            (
                LlmError::StreamError {
                    provider: provider(),
                    message: "bad".into(),
                    transient: false,
                },
                false,
            ),
            (
                LlmError::MalformedResponse {
                    provider: provider(),
                    message: "json".into(),
                },
                false,
            ),
            (
                LlmError::MissingApiKey {
                    provider: provider(),
                    env_var: "AR_ANTHROPIC_API_KEY".into(),
                },
                false,
            ),
            (LlmError::InvalidRequest("x".into()), false),
            (LlmError::ClientSetup("x".into()), false),
        ];
        for (error, transient) in cases {
            assert_eq!(error.is_transient(), transient, "{error:?}");
        }
    }

    #[test]
    fn status_messages_say_what_to_fix() {
        let cases = [
            (401, "AR_OPENAI_API_KEY"),
            (403, "not allowed"),
            (404, "model name"),
            (400, "llm_params"),
            (429, "Rate limited"),
            (503, "transient"),
        ];
        for (code, expected) in cases {
            let message = status(code).to_string();
            assert!(message.contains(expected), "HTTP {code}: {message}");
            assert!(message.contains(&format!("HTTP {code}")), "{message}");
        }
    }

    #[test]
    fn redact_removes_every_occurrence_of_the_key() {
        let text = "Incorrect API key provided: sk-123. You passed sk-123.";
        assert_eq!(
            redact(text, Some("sk-123")),
            "Incorrect API key provided: [REDACTED]. You passed [REDACTED]."
        );
        assert_eq!(redact(text, Some("")), text);
        assert_eq!(redact(text, None), text);
    }
}
