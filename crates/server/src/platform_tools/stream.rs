//! `workflows_stream_websocket`: listens to a workflow's live event stream (docs/contract.md
//! §9) for a bounded time and returns the events as a list. The REST stream route decides
//! who may listen: the tool first asks it, as the caller, without a WebSocket handshake —
//! it answers 426 "upgrade required" only once authentication, the gate, the workflow and
//! the run have all passed, and the refusal (401/403/404/400) otherwise. Then it reads the
//! same feeds a WebSocket connection reads (`crate::stream`).

use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use axum::http::Method;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::dispatch::{Dispatcher, path_segment, query_string};
use super::{Caller, JsonObject, ToolOutcome};
use crate::stream::feed::{FeedEnd, RunFeed};
use crate::stream::workflow;

/// Bounds of one read (docs/platform-mcp.md).
pub const MAX_SECONDS: u64 = 30;
pub const MAX_MESSAGES: u64 = 1000;
pub const MAX_BYTES: u64 = 1024 * 1024;
const DEFAULT_SECONDS: u64 = 5;
const DEFAULT_MESSAGES: u64 = 100;
const DEFAULT_BYTES: u64 = 256 * 1024;

fn bounded(arguments: &JsonObject, name: &str, default: u64, max: u64) -> Result<u64, String> {
    match arguments.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_u64() {
            Some(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(format!("`{name}` must be between 1 and {max}")),
        },
    }
}

pub async fn read(dispatcher: &Dispatcher, caller: &Caller, arguments: JsonObject) -> ToolOutcome {
    let limits = (
        bounded(&arguments, "max_seconds", DEFAULT_SECONDS, MAX_SECONDS),
        bounded(&arguments, "max_messages", DEFAULT_MESSAGES, MAX_MESSAGES),
        bounded(&arguments, "max_bytes", DEFAULT_BYTES, MAX_BYTES),
    );
    let (seconds, messages, bytes) = match limits {
        (Ok(s), Ok(m), Ok(b)) => (s, m as usize, b as usize),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return ToolOutcome::refused(400, e),
    };
    let workflow_id = arguments
        .get("workflow_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(segment) = path_segment(&workflow_id) else {
        return ToolOutcome::refused(400, "`workflow_id` is not a valid id");
    };
    let run_id = arguments
        .get("run_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let after_seq = arguments.get("after_seq").and_then(Value::as_i64);
    let mut pairs = Vec::new();
    if let Some(run) = &run_id {
        pairs.push(("run_id", run.clone()));
    }
    if let Some(seq) = after_seq {
        pairs.push(("after_seq", seq.to_string()));
    }
    let path = format!("/v1/workflows/{segment}/stream?{}", query_string(&pairs));
    let answer = dispatcher
        .send(caller, Method::GET, &path, None, None)
        .await;
    if answer.status != 426 {
        return answer.into_outcome();
    }
    let streams = dispatcher.state().streams().clone();
    let (out, mut frames) = mpsc::channel::<Utf8Bytes>(streams.config().connection_buffer.max(1));
    let producer = match run_id.clone() {
        Some(run_id) => {
            let last_seq = match streams.store().get_run(&run_id).await {
                Ok(Some(run)) => run.last_seq,
                Ok(None) => return ToolOutcome::refused(404, "run not found"),
                Err(e) => {
                    tracing::error!(error = %e, "platform tools: reading a run failed");
                    return ToolOutcome::refused(500, "internal server error");
                }
            };
            let feed = RunFeed::new(
                &streams,
                &run_id,
                &workflow_id,
                after_seq.unwrap_or(0),
                last_seq,
            );
            tokio::spawn(async move { feed.pump(&out).await })
        }
        None => {
            let streams = streams.clone();
            let workflow_id = workflow_id.clone();
            tokio::spawn(async move {
                workflow::pump(&streams, &workflow_id, ar_store::now_ms(), &out).await
            })
        }
    };
    let deadline = tokio::time::sleep(Duration::from_secs(seconds));
    tokio::pin!(deadline);
    let mut collected = Vec::new();
    let mut size = 0usize;
    let ended = loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                Some(text) => {
                    if size + text.len() > bytes {
                        break "max_bytes";
                    }
                    size += text.len();
                    collected.push(serde_json::from_str::<Value>(text.as_str()).unwrap_or(Value::Null));
                    if collected.len() >= messages {
                        break "max_messages";
                    }
                }
                None => break "stream_ended",
            },
            _ = &mut deadline => break "max_seconds",
        }
    };
    producer.abort();
    let ended = match (ended, producer.await) {
        ("stream_ended", Ok(FeedEnd::RunEnded { .. })) => "run_ended",
        ("stream_ended", Ok(FeedEnd::Lagged { .. })) => "lagged",
        ("stream_ended", Ok(FeedEnd::StoreFailed(e))) => {
            tracing::error!(error = %e, "platform tools: reading events failed");
            "error"
        }
        ("stream_ended", _) => "shutdown",
        (other, _) => other,
    };
    let last_seq = collected.iter().filter_map(|f| f["seq"].as_i64()).max();
    match json!({
        "frames": collected,
        "ended": ended,
        "last_seq": last_seq,
        "run_id": run_id,
    }) {
        Value::Object(o) => ToolOutcome::ok(o),
        _ => ToolOutcome::refused(500, "internal server error"),
    }
}
