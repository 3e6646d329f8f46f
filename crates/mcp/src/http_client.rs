//! The HTTP backend of the Streamable HTTP transport: rmcp's reqwest client, plus a
//! watch on event streams so an oversized event can be reported as such.
//!
//! Why: when one SSE event exceeds the size limit, rmcp ends the whole transport and
//! the pending call only sees "transport closed". The streams pass through here, so
//! an event-too-large error sets a flag the call reads to report
//! [`crate::McpError::ResponseTooLarge`] instead.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use http::{HeaderName, HeaderValue};
use rmcp::model::ClientJsonRpcMessage;
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
