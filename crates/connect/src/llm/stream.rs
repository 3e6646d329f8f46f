//! Streaming: turns a provider's SSE response into [`StreamEvent`]s. The SSE framing
//! is decoded by the `sse-stream` crate; each provider supplies a [`StreamDecoder`]
//! that understands its events and assembles the final [`LlmResponse`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use futures::{Stream, StreamExt, stream};
use sse_stream::{Sse, SseByteStream};

use super::error::LlmError;
use super::http::{CallContext, MAX_STREAM_BYTES, error_chain};
use super::types::{LlmResponse, StreamEvent};

/// What a provider's stream decoder does with SSE events.
pub(crate) trait StreamDecoder: Send + 'static {
    /// The event that ends the stream, named in the truncation error.
    const END_MARKER: &'static str;

    /// Handles one event; returns a text delta to pass on, if the event carried one.
    fn on_event(&mut self, event: &Sse, context: &CallContext) -> Result<Option<String>, LlmError>;

    /// Whether the end marker has been seen.
    fn is_finished(&self) -> bool;

    /// Assembles the response once finished.
    fn finish(self, latency_ms: u64, context: &CallContext) -> Result<LlmResponse, LlmError>;
}

/// A streamed completion: [`StreamEvent::TextDelta`]s as they arrive, then one
/// [`StreamEvent::Finished`] with the assembled response. An error ends the stream.
pub struct LlmStream {
    provider: String,
    inner: Pin<Box<dyn Stream<Item = Result<StreamEvent, LlmError>> + Send>>,
}

impl LlmStream {
    /// Reads the stream to its end, calling `on_text` with each text delta, and
    /// returns the assembled response.
    pub async fn for_each_text(
        mut self,
        mut on_text: impl FnMut(&str),
    ) -> Result<LlmResponse, LlmError> {
        while let Some(event) = self.next().await {
            match event? {
                StreamEvent::TextDelta(text) => on_text(&text),
                StreamEvent::Finished(response) => return Ok(response),
            }
        }
        // The driver always ends with `Finished` or an error; this is a safeguard.
        Err(LlmError::Transport {
            provider: self.provider,
            message: "the stream ended without a result".to_owned(),
        })
    }

    /// Reads the stream to its end and returns the assembled response.
    pub async fn into_response(self) -> Result<LlmResponse, LlmError> {
        self.for_each_text(|_| {}).await
    }
}

impl Stream for LlmStream {
    type Item = Result<StreamEvent, LlmError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for LlmStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmStream")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// Why reading the response body failed (the SSE decoder passes this through).
#[derive(Debug, thiserror::Error)]
enum BodyError {
    #[error("{}", error_chain(.0))]
    Http(reqwest::Error),
    #[error("the stream exceeds {MAX_STREAM_BYTES} bytes")]
    TooLarge,
}

type SseEvents = Pin<Box<dyn Stream<Item = Result<Sse, sse_stream::Error>> + Send>>;

enum Phase<D> {
    Streaming { events: SseEvents, decoder: D },
    Done,
}

struct Driver<D> {
    phase: Phase<D>,
    context: CallContext,
    started: Instant,
}

/// Streams `response` through `decoder`. `started` is when the request was sent.
pub(crate) fn drive<D: StreamDecoder>(
    response: reqwest::Response,
    decoder: D,
    context: CallContext,
    started: Instant,
) -> LlmStream {
    let mut received = 0usize;
    let bytes = response.bytes_stream().map(move |chunk| {
        let chunk: Bytes = chunk.map_err(BodyError::Http)?;
        received += chunk.len();
        if received > MAX_STREAM_BYTES {
            return Err(BodyError::TooLarge);
        }
        Ok(chunk)
    });
    let events: SseEvents = Box::pin(SseByteStream::new(bytes));
    let provider = context.provider.clone();
    let driver = Driver {
        phase: Phase::Streaming { events, decoder },
        context,
        started,
    };
    LlmStream {
        provider,
        inner: Box::pin(stream::unfold(driver, next_event)),
    }
}

async fn next_event<D: StreamDecoder>(
    mut driver: Driver<D>,
) -> Option<(Result<StreamEvent, LlmError>, Driver<D>)> {
    loop {
        let Phase::Streaming { events, decoder } = &mut driver.phase else {
            return None;
        };
        if decoder.is_finished() {
            let Phase::Streaming { decoder, .. } =
                std::mem::replace(&mut driver.phase, Phase::Done)
            else {
                return None;
            };
            let latency_ms =
                u64::try_from(driver.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let result = decoder
                .finish(latency_ms, &driver.context)
                .map(StreamEvent::Finished);
            return Some((result, driver));
        }
        let failure = match events.next().await {
            Some(Ok(event)) => match decoder.on_event(&event, &driver.context) {
                Ok(Some(text)) if !text.is_empty() => {
                    return Some((Ok(StreamEvent::TextDelta(text)), driver));
                }
                Ok(_) => continue,
                Err(error) => error,
            },
            Some(Err(error)) => body_error(&error, &driver.context),
            None => LlmError::StreamTruncated {
                provider: driver.context.provider.clone(),
                expected: D::END_MARKER.to_owned(),
            },
        };
        driver.phase = Phase::Done;
        return Some((Err(failure), driver));
    }
}

fn body_error(error: &sse_stream::Error, context: &CallContext) -> LlmError {
    match error {
        sse_stream::Error::Body(inner) => match inner.downcast_ref::<BodyError>() {
            Some(BodyError::Http(http)) => context.transport_error(http),
            Some(BodyError::TooLarge) => context.malformed(BodyError::TooLarge.to_string()),
            None => context.malformed(error_chain(error)),
        },
        other => context.malformed(format!(
            "invalid server-sent events: {}",
            error_chain(other)
        )),
    }
}
