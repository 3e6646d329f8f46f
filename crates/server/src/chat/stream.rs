//! The frames of a thread's live stream (docs/agents.md "Chat", streaming), the same for
//! SSE and WebSocket: `message` frames (id = seq) for every message after the resume
//! point, and ephemeral `turn` frames — the running turns first, on connect, then each
//! start and end.
//!
//! The producer re-reads the store when this node signals a change of the thread
//! (`chat::live`) and every [`POLL_EVERY`] otherwise, so a message appended on another
//! node reaches the stream within that interval.

use std::collections::HashMap;
use std::time::Duration;

use ar_store::StoreResult;
use ar_store::integrations::{ChatTurnRecord, TURN_RUNNING};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::chat::view;
use crate::state::AppState;

/// How often an open stream reads the store without a signal (other nodes' changes).
pub const POLL_EVERY: Duration = Duration::from_millis(500);

/// Messages read per store call while catching up.
const PAGE: i64 = 200;

/// One frame: `{event, id?, data}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub event: &'static str,
    /// The message's seq (resume point); `None` for `turn` frames.
    pub id: Option<i64>,
    pub data: Value,
}

impl Frame {
    /// The WebSocket text of the frame (what SSE sends as `event:`, `id:`, `data:`).
    pub fn to_json(&self) -> Value {
        let mut frame = serde_json::json!({"event": self.event, "data": self.data});
        if let Some(id) = self.id {
            frame["id"] = id.into();
        }
        frame
    }
}

/// Sends the thread's frames after `after_seq` into `out` until the receiver is gone (or
/// a store read fails, returned).
pub async fn pump(
    state: &AppState,
    thread_id: &str,
    after_seq: i64,
    out: &mpsc::Sender<Frame>,
) -> StoreResult<()> {
    let mut changes = state.chat_live().subscribe();
    let mut last_seq = after_seq;
    let mut running: HashMap<String, ChatTurnRecord> = HashMap::new();
    loop {
        // Turns first: on connect the running ones come before the messages.
        let now_running = state.integrations().running_turns(Some(thread_id)).await?;
        for turn in &now_running {
            if running
                .get(&turn.id)
                .is_none_or(|seen| seen.run_id != turn.run_id)
                && !send(
                    out,
                    Frame {
                        event: "turn",
                        id: None,
                        data: view::turn(turn),
                    },
                )
                .await
            {
                return Ok(());
            }
        }
        let still: Vec<String> = now_running.iter().map(|t| t.id.clone()).collect();
        for (id, _) in running.iter().filter(|(id, _)| !still.contains(id)) {
            if let Some(ended) = state.integrations().turn(id).await?
                && ended.status != TURN_RUNNING
                && !send(
                    out,
                    Frame {
                        event: "turn",
                        id: None,
                        data: view::turn(&ended),
                    },
                )
                .await
            {
                return Ok(());
            }
        }
        running = now_running.into_iter().map(|t| (t.id.clone(), t)).collect();
        loop {
            let page = state
                .integrations()
                .messages(thread_id, last_seq, PAGE)
                .await?;
            for m in &page {
                last_seq = m.seq;
                if !send(
                    out,
                    Frame {
                        event: "message",
                        id: Some(m.seq),
                        data: serde_json::json!(view::message(m)),
                    },
                )
                .await
                {
                    return Ok(());
                }
            }
            if (page.len() as i64) < PAGE {
                break;
            }
        }
        // Wait for this node's signal of the thread, the next poll, or the client leaving.
        let poll = tokio::time::sleep(POLL_EVERY);
        tokio::pin!(poll);
        loop {
            tokio::select! {
                _ = out.closed() => return Ok(()),
                _ = &mut poll => break,
                changed = changes.recv() => match changed {
                    Ok(id) if id == thread_id => break,
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return Ok(()),
                },
            }
        }
    }
}

async fn send(out: &mpsc::Sender<Frame>, frame: Frame) -> bool {
    out.send(frame).await.is_ok()
}
