//! JSON shapes of chat objects (field names as docs/contract.md §13 and the chat API fix
//! them): threads, messages and the `turn` frames of a thread's stream.

use ar_store::integrations::{ChatMessageRecord, ChatThreadRecord, ChatTurnRecord};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::views::Time;

/// A chat thread: an agent room (`dm`, `channel`) or an Autopilot conversation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatThread {
    pub id: String,
    pub project_id: String,
    /// `dm`, `channel` or `autopilot`.
    pub kind: String,
    pub title: String,
    pub agent_ids: Vec<String>,
    pub created_by: String,
    pub created_at: Time,
    pub updated_at: Time,
    /// `null` while the thread has no message.
    #[schema(required = true)]
    pub last_message_at: Option<Time>,
}

pub fn thread(t: &ChatThreadRecord) -> ChatThread {
    ChatThread {
        id: t.id.clone(),
        project_id: t.project_id.clone(),
        kind: t.kind.clone(),
        title: t.title.clone(),
        agent_ids: t.agent_ids.clone(),
        created_by: t.created_by.clone(),
        created_at: Time(t.created_at),
        updated_at: Time(t.updated_at),
        last_message_at: Time::opt(t.last_message_at),
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatAuthor {
    /// `user`, `agent` or `autopilot`.
    pub kind: String,
    pub id: String,
}

/// A stored chat message; immutable once stored, `seq` counts 1, 2, 3… per thread.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatMessage {
    pub id: String,
    pub thread_id: String,
    pub seq: i64,
    pub author: ChatAuthor,
    pub text: String,
    /// What the Autopilot did during its turn (`[{action, status, result}]`).
    #[schema(value_type = Vec<Object>)]
    pub actions: Value,
    /// `{code, message}` of a failed turn; `null` otherwise.
    #[schema(value_type = Option<Object>, required = true)]
    pub error: Value,
    #[schema(required = true)]
    pub run_id: Option<String>,
    pub created_at: Time,
}

pub fn message(m: &ChatMessageRecord) -> ChatMessage {
    let actions = m
        .data
        .get("actions")
        .filter(|a| a.is_array())
        .cloned()
        .unwrap_or_else(|| json!([]));
    let error = m.data.get("error").cloned().unwrap_or(Value::Null);
    ChatMessage {
        id: m.id.clone(),
        thread_id: m.thread_id.clone(),
        seq: m.seq,
        author: ChatAuthor {
            kind: m.author_kind.clone(),
            id: m.author_id.clone(),
        },
        text: m.text.clone(),
        actions,
        error,
        run_id: m.run_id.clone(),
        created_at: Time(m.created_at),
    }
}

/// One page of `GET /v1/chat/threads` (newest activity first).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatThreadsPage {
    pub threads: Vec<ChatThread>,
    /// Pass it back as `cursor`; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One page of `GET /v1/chat/threads/{id}/messages` (oldest first).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatMessagesPage {
    pub messages: Vec<ChatMessage>,
    /// Pass it back as `after_seq`; `null` on the last page.
    #[schema(required = true)]
    pub next_after_seq: Option<i64>,
}

/// A `turn` frame: `{turn_id, agent_id, status, run_id}`.
pub fn turn(t: &ChatTurnRecord) -> Value {
    json!({"turn_id": t.id, "agent_id": t.agent_id, "status": t.status, "run_id": t.run_id})
}
