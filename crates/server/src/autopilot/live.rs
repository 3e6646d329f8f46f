//! The turns running on this node, each with its replay buffer: every frame the turn
//! emitted, so a stream client that connects late (or again) gets everything from the
//! beginning (docs/contract.md §13). Bounded: beyond [`BUFFER_BYTES`] token frames are no
//! longer kept (the `done` frame still carries the whole text).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::Notify;

/// The most frame bytes one turn's buffer keeps.
pub const BUFFER_BYTES: usize = 2 * 1024 * 1024;

/// One SSE frame of an Autopilot stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// `token`, `action`, `done` or `error`.
    pub event: &'static str,
    pub data: Value,
}

impl Frame {
    pub fn token(text: &str) -> Frame {
        Frame {
            event: "token",
            data: json!({ "text": text }),
        }
    }
    pub fn action(action: &str, ok: bool, result: Value) -> Frame {
        Frame {
            event: "action",
            data: json!({
                "action": action,
                "status": if ok { "ok" } else { "error" },
                "result": result,
            }),
        }
    }
    pub fn done(message_id: &str, text: &str) -> Frame {
        Frame {
            event: "done",
            data: json!({ "message_id": message_id, "text": text }),
        }
    }
    pub fn error(code: &str, message: &str) -> Frame {
        Frame {
            event: "error",
            data: json!({ "code": code, "message": message }),
        }
    }
    /// Whether the frame ends the stream.
    pub fn is_last(&self) -> bool {
        matches!(self.event, "done" | "error")
    }
}

#[derive(Default)]
struct Buffer {
    frames: Vec<Frame>,
    bytes: usize,
    ended: bool,
}

/// One live turn: its frames so far, and a wake-up for readers.
pub struct LiveTurn {
    pub thread_id: String,
    buffer: Mutex<Buffer>,
    notify: Notify,
}

impl LiveTurn {
    /// Adds a frame (a token frame past the byte bound is dropped) and wakes readers.
    pub fn push(&self, frame: Frame) {
        if let Ok(mut b) = self.buffer.lock() {
            let size = frame.data.to_string().len();
            if frame.event == "token" && b.bytes + size > BUFFER_BYTES {
                return;
            }
            b.bytes += size;
            b.ended |= frame.is_last();
            b.frames.push(frame);
        }
        self.notify.notify_waiters();
    }

    /// The frames from index `from` on, and whether the turn has ended.
    fn since(&self, from: usize) -> (Vec<Frame>, bool) {
        match self.buffer.lock() {
            Ok(b) => (b.frames.get(from..).unwrap_or_default().to_vec(), b.ended),
            Err(_) => (Vec::new(), true),
        }
    }

    /// Waits for frames after the first `from`; returns them, empty once the turn ended
    /// and everything was read.
    pub async fn next(&self, from: usize) -> Vec<Frame> {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            // Registered before looking, so a push between the look and the wait is seen.
            notified.as_mut().enable();
            let (frames, ended) = self.since(from);
            if !frames.is_empty() || ended {
                return frames;
            }
            notified.await;
        }
    }
}

/// The live turns of this node, by turn id (= the reply message's id).
#[derive(Default)]
pub struct LiveTurns {
    turns: Mutex<HashMap<String, Arc<LiveTurn>>>,
}

impl LiveTurns {
    /// Registers a turn of `thread_id`; `None` if the thread has one running here already.
    pub fn begin(&self, turn_id: &str, thread_id: &str) -> Option<Arc<LiveTurn>> {
        let mut turns = self.turns.lock().ok()?;
        if turns.values().any(|t| t.thread_id == thread_id) {
            return None;
        }
        let turn = Arc::new(LiveTurn {
            thread_id: thread_id.to_string(),
            buffer: Mutex::new(Buffer::default()),
            notify: Notify::new(),
        });
        turns.insert(turn_id.to_string(), turn.clone());
        Some(turn)
    }

    pub fn get(&self, turn_id: &str) -> Option<Arc<LiveTurn>> {
        self.turns.lock().ok()?.get(turn_id).cloned()
    }

    /// Forgets a turn once its reply is stored (later readers replay the stored reply).
    pub fn end(&self, turn_id: &str) {
        if let Ok(mut turns) = self.turns.lock() {
            turns.remove(turn_id);
        }
    }

    /// Whether `turn_id` runs on this node.
    pub fn contains(&self, turn_id: &str) -> bool {
        self.turns
            .lock()
            .map(|t| t.contains_key(turn_id))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_late_reader_gets_every_frame_and_an_ended_turn_stops() {
        let turns = LiveTurns::default();
        let turn = turns.begin("r1", "t1").expect("first");
        assert!(turns.begin("r2", "t1").is_none(), "one turn per thread");
        turn.push(Frame::token("a"));
        let reader = {
            let turn = turn.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                loop {
                    let frames = turn.next(seen.len()).await;
                    if frames.is_empty() {
                        return seen;
                    }
                    seen.extend(frames);
                }
            })
        };
        turn.push(Frame::token("b"));
        turn.push(Frame::done("r1", "ab"));
        let seen = reader.await.expect("reader");
        assert_eq!(
            seen.iter().map(|f| f.event).collect::<Vec<_>>(),
            ["token", "token", "done"]
        );
        // A reader arriving after the end still gets everything.
        assert_eq!(turn.next(0).await.len(), 3);
        assert!(turn.next(3).await.is_empty());
    }

    #[test]
    fn token_frames_beyond_the_bound_are_dropped_but_the_end_is_kept() {
        let turns = LiveTurns::default();
        let turn = turns.begin("r1", "t1").expect("turn");
        let big = "x".repeat(BUFFER_BYTES / 2);
        for _ in 0..4 {
            turn.push(Frame::token(&big));
        }
        turn.push(Frame::done("r1", "…"));
        let (frames, ended) = turn.since(0);
        assert!(ended);
        assert_eq!(frames.len(), 2, "one token frame fits, then the done frame");
        turns.end("r1");
        assert!(!turns.contains("r1"));
        assert!(
            turns.begin("r3", "t1").is_some(),
            "the thread is free again"
        );
    }
}
