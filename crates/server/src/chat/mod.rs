//! Chat (docs/contract.md §13, guide: docs/agents.md "Chat"): threads of a project, their
//! messages, the agent turns that answer them and the live stream of a thread.
//!
//! - `view`: the JSON shapes of threads, messages and turn frames.
//! - `visibility`: which thread a caller may see (channels: the project's readers; dm and
//!   autopilot threads: their creator only) and the extra checks of writes.
//! - `history`: a thread's recent messages as an agent's conversation.
//! - `turns`: starting an agent's turn (a one-step `agent_call` run) and finishing it with
//!   the reply when its run ends.
//! - `finisher`: the node's loop that finishes turns — at once from the engine's run
//!   events, and every two seconds from the store (runs that ended on another node, or
//!   before a crash).
//! - `live`: this node's "a thread changed" signal; `stream`: the frames of a thread's
//!   live stream, resumable by seq, fed by the signal and by store polls (other nodes);
//!   `transport`: those frames over SSE or WebSocket, with the access re-check.

pub mod finisher;
pub mod history;
pub mod live;
pub mod stream;
pub mod transport;
pub mod turns;
pub mod view;
pub mod visibility;

/// A new thread id (`cth_…`).
pub fn thread_id() -> String {
    format!("cth_{}", crate::auth::tokens::new_id())
}

/// A new message id (`cmsg_…`); a turn's id is the id of the reply it will store.
pub fn message_id() -> String {
    format!("cmsg_{}", crate::auth::tokens::new_id())
}
