//! The JSON object a stream sends per event: the shape of the events list of docs/contract.md §9,
//! `{seq, run_id, workflow_id, event_type, step_id, data, at}`.

use ar_store::EventRecord;
use axum::extract::ws::Utf8Bytes;
use serde_json::json;

use crate::views;

/// One event as the text of a WebSocket frame.
pub fn encode(workflow_id: &str, event: &EventRecord) -> Utf8Bytes {
    let value = json!({
        "seq": event.seq,
        "run_id": event.run_id,
        "workflow_id": workflow_id,
        "event_type": event.kind,
        "step_id": event.step_id,
        "data": event.data,
        "at": views::time(event.created_at),
    });
    Utf8Bytes::from(value.to_string())
}
