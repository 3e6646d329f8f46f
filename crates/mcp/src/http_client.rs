//! The HTTP backend of the Streamable HTTP transport: rmcp's reqwest client, plus a
//! watch on event streams so an oversized event can be reported as such.
//!
//! Why: when one SSE event exceeds the size limit, rmcp ends the whole transport and
//! the pending call only sees "transport closed". The streams pass through here, so
//! an event-too-large error sets a flag the call reads to report
//! [`crate::McpError::ResponseTooLarge`] instead.
//!
//! And: a server that refuses a request with a JSON-RPC error that names no request id
//! leaves rmcp nothing to route it to, so the call would wait for its timeout. The
//! common case is a session the server no longer knows (the TypeScript SDK's example
//! servers, server-everything among them, answer HTTP 400 "No valid session ID" where
//! the spec says 404): such an answer is reported as the session having expired, which
//! makes rmcp open a new session and send the request again (the server did not run
//! it). Without a session it fails the call at once as a protocol error.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use http::{HeaderName, HeaderValue};
use rmcp::model::{ClientJsonRpcMessage, ClientRequest, ServerJsonRpcMessage};
use rmcp::transport::common::client_side_sse::BoxedSseResponse;
use rmcp::transport::streamable_http_client::{
    StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
    StreamableHttpResponseLimits,
};

type SseStream = BoxedSseResponse;
type HttpResult<T> = Result<T, StreamableHttpError<reqwest::Error>>;

/// reqwest with an "an event was too large" flag shared with the connection.
#[derive(Clone)]
pub(crate) struct WatchedHttpClient {
    inner: reqwest::Client,
    oversized: Arc<AtomicBool>,
}

impl WatchedHttpClient {
    pub(crate) fn new(inner: reqwest::Client) -> Self {
        Self {
            inner,
            oversized: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Set once an event stream failed on the size limit.
    pub(crate) fn oversized_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.oversized)
    }

    fn watch(&self, stream: SseStream) -> SseStream {
        let oversized = Arc::clone(&self.oversized);
        stream
            .inspect(move |item| {
                // rmcp's limiter error type is private; its message is stable.
                if let Err(error) = item
                    && error_text(error).contains("exceeded the maximum size")
                {
                    oversized.store(true, Ordering::Release);
                }
            })
            .boxed()
    }
}

/// The trace context a request carries in `_meta` (see
/// [`crate::client::TRACEPARENT_META_KEY`]), as a header value. rmcp sends requests from
/// its own task, so the caller's context travels with the message rather than the task.
fn traceparent_of(message: &ClientJsonRpcMessage) -> Option<HeaderValue> {
    let ClientJsonRpcMessage::Request(request) = message else {
        return None;
    };
    let ClientRequest::CallToolRequest(call) = &request.request else {
        return None;
    };
    let text = call
        .params
        .meta
        .as_ref()?
        .get(crate::client::TRACEPARENT_META_KEY)?
        .as_str()?;
    // Only the W3C shape goes into a header (never a value that could smuggle another).
    let well_formed = text.len() == 55
        && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        && text.split('-').map(str::len).eq([2, 32, 16, 2]);
    well_formed
        .then(|| HeaderValue::from_str(text).ok())
        .flatten()
}

/// A request refused with an error that names no request id (see the module docs).
fn unrouted_refusal(
    had_session: bool,
    error: &rmcp::model::ErrorData,
) -> StreamableHttpError<reqwest::Error> {
    if had_session {
        tracing::debug!(
            code = error.code.0,
            message = %error.message,
            "the MCP server refused a request of the session without naming it: the session is gone"
        );
        StreamableHttpError::SessionExpired
    } else {
        StreamableHttpError::UnexpectedServerResponse(
            format!(
                "the server answered error {} ({}) without naming the request",
                error.code.0, error.message
            )
            .into(),
        )
    }
}

fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        current = cause.source();
    }
    text
}

impl StreamableHttpClient for WatchedHttpClient {
    type Error = reqwest::Error;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> HttpResult<StreamableHttpPostResponse> {
        self.post_message_with_response_limits(
            uri,
            message,
            session_id,
            auth_header,
            custom_headers,
            StreamableHttpResponseLimits::default(),
        )
        .await
    }

    async fn post_message_with_response_limits(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        limits: StreamableHttpResponseLimits,
    ) -> HttpResult<StreamableHttpPostResponse> {
        let mut custom_headers = custom_headers;
        if let Some(value) = traceparent_of(&message) {
            custom_headers.insert(HeaderName::from_static("traceparent"), value);
        }
        // Only the operations calls make: the handshakes' refusals drive rmcp's
        // protocol fallback and must reach it untouched.
        let is_request = matches!(
            &message,
            ClientJsonRpcMessage::Request(request) if matches!(
                request.request,
                ClientRequest::CallToolRequest(_) | ClientRequest::ListToolsRequest(_)
            )
        );
        let had_session = session_id.is_some();
        let response = self
            .inner
            .post_message_with_response_limits(
                uri,
                message,
                session_id,
                auth_header,
                custom_headers,
                limits,
            )
            .await?;
        Ok(match response {
            StreamableHttpPostResponse::Json(ServerJsonRpcMessage::Error(error), _)
                if is_request && error.id.is_none() =>
            {
                return Err(unrouted_refusal(had_session, &error.error));
            }
            StreamableHttpPostResponse::Sse(stream, session) => {
                StreamableHttpPostResponse::Sse(self.watch(stream), session)
            }
            other => other,
        })
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> HttpResult<()> {
        self.inner
            .delete_session(uri, session_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> HttpResult<SseStream> {
        let stream = self
            .inner
            .get_stream(uri, session_id, last_event_id, auth_header, custom_headers)
            .await?;
        Ok(self.watch(stream))
    }

    async fn get_stream_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> HttpResult<SseStream> {
        let stream = self
            .inner
            .get_stream_with_max_sse_event_size(
                uri,
                session_id,
                last_event_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await?;
        Ok(self.watch(stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::{
        CallToolRequest, CallToolRequestParams, JsonRpcRequest, NumberOrString, RequestMetaObject,
    };

    fn call_with_meta(traceparent: &str) -> ClientJsonRpcMessage {
        let mut params = CallToolRequestParams::new("echo");
        let mut meta = RequestMetaObject::new();
        meta.insert(
            crate::client::TRACEPARENT_META_KEY.to_owned(),
            serde_json::Value::String(traceparent.to_owned()),
        );
        params.meta = Some(meta);
        ClientJsonRpcMessage::Request(JsonRpcRequest::new(
            NumberOrString::Number(1),
            ClientRequest::CallToolRequest(CallToolRequest::new(params)),
        ))
    }

    #[test]
    fn a_calls_trace_context_becomes_its_traceparent_header() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            traceparent_of(&call_with_meta(good)).map(|v| v.to_str().expect("ascii").to_owned()),
            Some(good.to_owned())
        );
    }

    #[test]
    fn an_unrouted_refusal_in_a_session_means_the_session_is_gone() {
        let refusal = rmcp::model::ErrorData::new(
            rmcp::model::ErrorCode(-32000),
            "Bad Request: No valid session ID provided",
            None,
        );
        assert!(matches!(
            unrouted_refusal(true, &refusal),
            StreamableHttpError::SessionExpired
        ));
        let without_session = unrouted_refusal(false, &refusal);
        assert!(
            matches!(
                without_session,
                StreamableHttpError::UnexpectedServerResponse(_)
            ),
            "{without_session:?}"
        );
        assert!(without_session.to_string().contains("-32000"));
    }

    #[test]
    fn anything_but_a_w3c_traceparent_stays_out_of_the_headers() {
        for bad in [
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX-Injected: 1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "",
        ] {
            assert!(traceparent_of(&call_with_meta(bad)).is_none(), "{bad:?}");
        }
    }
}
