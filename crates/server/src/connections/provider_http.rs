//! JSON GETs to a provider's own API while a connection is made (Google's userinfo,
//! Meta's Graph API). The URLs are operator settings (`[connections.*]`), never a
//! tenant's, so the SSRF guard of tenant endpoints does not apply; redirects are still not
//! followed, and answers are bounded in size and time. Errors never carry a URL (it may
//! hold a token in its query) or a response body.

use std::time::Duration;

use ar_connect::SecretString;
use serde_json::Value;

/// Largest answer read.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// Time limit of one request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a provider call failed, fit for an error message.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider could not be reached: {0}")]
    Transport(String),
    /// The provider answered with this status; `message` is its own error text, bounded.
    #[error("the provider answered {status}{}", message.as_ref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        status: u16,
        message: Option<String>,
    },
    #[error("the provider's answer is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error("the provider's answer is not JSON")]
    NotJson,
}

impl ProviderError {
    /// Whether the provider refused the request itself (a 4xx), rather than failing.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ProviderError::Status { status, .. } if (400..500).contains(status))
    }
}

/// `GET url?query` with `bearer` (if any); the JSON answer of a 2xx.
pub async fn get_json(
    url: &str,
    query: &[(&str, &str)],
    bearer: Option<&SecretString>,
) -> Result<Value, ProviderError> {
    let transport = |e: reqwest::Error| ProviderError::Transport(e.without_url().to_string());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(transport)?;
    let url = url::Url::parse_with_params(url, query)
        .map_err(|e| ProviderError::Transport(format!("the URL is invalid: {e}")))?;
    let mut request = client.get(url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token.expose_secret());
    }
    let mut response = request.send().await.map_err(transport)?;
    let status = response.status();
    let body = read_bounded(&mut response, MAX_RESPONSE_BYTES)
        .await
        .map_err(transport)?
        .ok_or(ProviderError::TooLarge)?;
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    if !status.is_success() {
        return Err(ProviderError::Status {
            status: status.as_u16(),
            message: json.as_ref().and_then(error_message),
        });
    }
    json.ok_or(ProviderError::NotJson)
}

/// The body of `response`, or `None` when it is longer than `max` bytes (reading stops
/// there). Shared by the calls this server makes to providers it is configured with.
pub async fn read_bounded(
    response: &mut reqwest::Response,
    max: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// The provider's own error text: Graph's `error.message`, OAuth's `error_description`
/// or `error` (bounded: it ends up in an answer).
fn error_message(body: &Value) -> Option<String> {
    let text = body["error"]["message"]
        .as_str()
        .or_else(|| body["error_description"].as_str())
        .or_else(|| body["error"].as_str())?;
    let mut out: String = text.chars().take(200).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    Some(out)
}
