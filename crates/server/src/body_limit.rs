//! The request body limit (`body_limit_bytes`), enforced in one place for every route.
//!
//! An oversized body is refused with 413 only after what the client sent has been read and
//! discarded (up to [`DRAIN_CAP`] bytes, for at most [`DRAIN_TIME`]). Answering first and
//! closing the connection with unread data makes the kernel reset it, and a client still
//! reading could lose the 413 and see only a broken connection.

use std::time::Duration;

use axum::body::{Body, BodyDataStream, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::error::ApiError;
use crate::state::AppState;

/// Most bytes of an oversized body read (and discarded) before answering 413; a larger
/// upload is answered at once.
const DRAIN_CAP: u64 = 16 * 1024 * 1024;
/// Longest time spent reading an oversized body before answering anyway.
const DRAIN_TIME: Duration = Duration::from_secs(5);

pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.settings().body_limit_bytes;
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared
        && length > limit as u64
    {
        if length <= DRAIN_CAP {
            discard(request.into_body().into_data_stream(), 0).await;
        }
        return too_large(limit);
    }
    if declared.is_some() {
        // Within the limit as declared; the extractors' own limit still holds the body to
        // its length.
        return next.run(request).await;
    }
    // No length up front (chunked): read it here, up to the limit.
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    let mut buffered: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            )
            .into_response();
        };
        buffered.extend_from_slice(&chunk);
        if buffered.len() > limit {
            discard(stream, buffered.len() as u64).await;
            return too_large(limit);
        }
    }
    next.run(Request::from_parts(
        parts,
        Body::from(Bytes::from(buffered)),
    ))
    .await
}

/// Reads the rest of a refused body and throws it away, until [`DRAIN_CAP`] bytes in all
/// (`already` were read before) or [`DRAIN_TIME`].
async fn discard(mut stream: BodyDataStream, already: u64) {
    let rest = async {
        let mut read = already;
        while let Some(Ok(chunk)) = stream.next().await {
            read += chunk.len() as u64;
            if read > DRAIN_CAP {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, rest).await;
}

fn too_large(limit: usize) -> Response {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than the limit of {limit} bytes; send less data"),
    )
    .into_response()
}
