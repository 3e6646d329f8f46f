//! JSON shapes of chat objects (field names as docs/contract.md §13 and the chat API fix
//! them): threads, messages and the `turn` frames of a thread's stream.

use ar_store::integrations::{ChatMessageRecord, ChatThreadRecord, ChatTurnRecord};
use serde_json::{Value, json};

use crate::views::{opt_time, time};

/// `{id, project_id, kind, title, agent_ids, created_by, created_at, updated_at,
/// last_message_at}`
pub fn thread(t: &ChatThreadRecord) -> Value {
    json!({
        "id": t.id, "project_id": t.project_id, "kind": t.kind, "title": t.title,
        "agent_ids": t.agent_ids, "created_by": t.created_by, "created_at": time(t.created_at),
        "updated_at": time(t.updated_at), "last_message_at": opt_time(t.last_message_at),
    })
}

/// `{id, thread_id, seq, author: {kind, id}, text, actions, error, run_id, created_at}`
pub fn message(m: &ChatMessageRecord) -> Value {
    let actions = m
        .data
        .get("actions")
        .filter(|a| a.is_array())
        .cloned()
        .unwrap_or_else(|| json!([]));
    let error = m.data.get("error").cloned().unwrap_or(Value::Null);
    json!({
        "id": m.id, "thread_id": m.thread_id, "seq": m.seq,
        "author": {"kind": m.author_kind, "id": m.author_id},
        "text": m.text, "actions": actions, "error": error, "run_id": m.run_id,
        "created_at": time(m.created_at),
    })
}

/// A `turn` frame: `{turn_id, agent_id, status, run_id}`.
pub fn turn(t: &ChatTurnRecord) -> Value {
    json!({"turn_id": t.id, "agent_id": t.agent_id, "status": t.status, "run_id": t.run_id})
}
