//! The two transports of a thread's live stream (docs/agents.md "Chat"): Server-Sent
//! Events and WebSocket, each carrying the frames of `chat::stream` and re-checking the
//! caller's access every `StreamConfig::access_recheck` (half a second), as run streams do.

use std::convert::Infallible;

use ar_store::integrations::ChatThreadRecord;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::response::sse::{Event, KeepAlive, Sse};
use serde_json::json;
use tokio::sync::mpsc;

use crate::chat::stream::Frame;
use crate::state::AppState;
use crate::stream::access::StreamAccess;

/// SSE keep-alive comments and WebSocket pings.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// What an open thread stream re-checks: the caller's standing (as run streams) and that
/// the thread is still there and theirs to see.
pub struct ThreadAccess {
    pub stream: StreamAccess,
    pub state: AppState,
    pub thread: ChatThreadRecord,
    pub user_id: String,
}

impl ThreadAccess {
    /// `None` while the stream may stay open; why not, once it may not (a store error
    /// closes it too: the client reconnects and is decided afresh).
    async fn refusal(&self) -> Option<String> {
        match self.stream.check().await {
            Ok(Ok(())) => {}
            Ok(Err(refusal)) => return Some(format!("access revoked: {refusal}")),
            Err(e) => {
                tracing::error!(error = %e, "chat stream: re-checking access failed");
                return Some("internal error: could not re-check access; reconnect".into());
            }
        }
        match self
            .state
            .integrations()
            .thread(&self.thread.workspace_id, &self.thread.id)
            .await
        {
            Ok(Some(t)) if crate::chat::visibility::sees(&t, &self.user_id) => None,
            Ok(_) => Some("the thread was deleted".into()),
            Err(e) => {
                tracing::error!(error = %e, "chat stream: re-reading the thread failed");
                Some("internal error: reconnect".into())
            }
        }
    }
}

/// Aborts the producer when the connection ends, however it ends.
pub struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The SSE body: the frames, with the access re-check between them; on a refusal an
/// `error` event `{code: "ACCESS_REVOKED", message}` and the end of the stream. It also
/// ends when the server stops (the token that ends the Platform MCP's open streams).
pub fn sse(
    frames: mpsc::Receiver<Frame>,
    producer: tokio::task::JoinHandle<()>,
    access: ThreadAccess,
) -> Sse<impl futures::Stream<Item = Result<Event, Infallible>>> {
    let recheck = access_interval(&access);
    let state = (frames, AbortOnDrop(producer), access, recheck, false);
    let events = futures::stream::unfold(
        state,
        |(mut frames, producer, access, mut recheck, ended)| async move {
            if ended {
                return None;
            }
            loop {
                tokio::select! {
                    frame = frames.recv() => {
                        let frame = frame?;
                        let mut event = Event::default().event(frame.event).data(frame.data.to_string());
                        if let Some(id) = frame.id {
                            event = event.id(id.to_string());
                        }
                        return Some((Ok(event), (frames, producer, access, recheck, false)));
                    }
                    // An open SSE response would hold a graceful shutdown's drain open.
                    _ = access.state.platform_mcp_shutdown().cancelled() => return None,
                    _ = recheck.tick() => {
                        if let Some(why) = access.refusal().await {
                            let data = json!({"code": "ACCESS_REVOKED", "message": why});
                            let event = Event::default().event("error").data(data.to_string());
                            return Some((Ok(event), (frames, producer, access, recheck, true)));
                        }
                    }
                }
            }
        },
    );
    Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

fn access_interval(access: &ThreadAccess) -> tokio::time::Interval {
    let every = access.state.streams().config().access_recheck;
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    recheck
}

/// WebSocket close codes (RFC 6455 §7.4.1), as run streams use them.
const GOING_AWAY: u16 = 1001;
const POLICY_VIOLATION: u16 = 1008;

/// Drives one WebSocket: frames as JSON text, pings, the access re-check (1008 with the
/// reason when it fails), 1001 at shutdown.
pub async fn websocket(
    mut socket: WebSocket,
    mut frames: mpsc::Receiver<Frame>,
    producer: tokio::task::JoinHandle<()>,
    access: ThreadAccess,
) {
    let _producer = AbortOnDrop(producer);
    let config = access.state.streams().config().clone();
    let mut recheck = access_interval(&access);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
    let shutdown = access.state.streams().shutdown_token().clone();
    let (code, reason) = loop {
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else { return };
                let text = frame.to_json().to_string();
                if !send(&mut socket, Message::Text(text.into()), config.send_timeout).await {
                    return;
                }
            }
            message = socket.recv() => match message {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if !send(&mut socket, Message::Ping(Vec::new().into()), config.send_timeout).await {
                    return;
                }
            }
            _ = recheck.tick() => {
                if let Some(why) = access.refusal().await {
                    let mut end = why.len().min(123);
                    while !why.is_char_boundary(end) {
                        end -= 1;
                    }
                    break (POLICY_VIOLATION, why[..end].to_owned());
                }
            }
            _ = shutdown.cancelled() => break (GOING_AWAY, "server shutting down".to_owned()),
        }
    };
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    send(
        &mut socket,
        Message::Close(Some(frame)),
        config.send_timeout,
    )
    .await;
}

async fn send(socket: &mut WebSocket, message: Message, timeout: std::time::Duration) -> bool {
    matches!(
        tokio::time::timeout(timeout, socket.send(message)).await,
        Ok(Ok(()))
    )
}
