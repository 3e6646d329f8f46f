//! `/v1/autopilot` (docs/contract.md §13, docs/agents.md "Autopilot"): send the console
//! copilot a message, and stream its answer. Viewers and above (ChatRead): what the
//! Autopilot then does is decided per action by the caller's own role, because every
//! action is a REST request made as the caller (`crate::autopilot::actions`).
//!
//! An autopilot thread is seen by its creator only: anyone else's thread id is answered
//! like an unknown one (404).

use std::convert::Infallible;
use std::time::Duration;

use ar_store::integrations::{
    ChatMessageRecord, ChatThreadRecord, ChatTurnRecord, NewChatMessage, TURN_RUNNING,
};
use ar_store::now_ms;
use ar_store::tenant::ProjectRecord;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::SinkExt;
use futures::channel::mpsc;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::autopilot::live::Frame;
use crate::autopilot::tools::Mode;
use crate::autopilot::turn::{self, TurnRequest};
use crate::chat::{self, visibility::visible_thread};
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::json::Json;
use crate::platform_tools::Caller;
use crate::state::AppState;

/// The longest message (bytes).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// Characters of the first message that make a new thread's title.
const TITLE_CHARS: usize = 60;
/// How often a stream of a turn running on another node looks for its end.
const POLL: Duration = Duration::from_millis(500);

/// `POST /v1/autopilot/chat`'s body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatBody {
    /// 1 to 16 KiB of text.
    message: String,
    /// An autopilot thread of the caller; none: a new thread.
    #[serde(default)]
    thread_id: Option<String>,
    /// `ask` (read-only tools) or `autopilot`.
    #[schema(schema_with = mode_schema)]
    mode: String,
}

fn mode_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["ask", "autopilot"]))
        .build()
}

/// The caller's autopilot thread `id` and its project, authorized; 404 for anything the
/// caller may not see, 409 for a chat room it may see.
async fn own_thread(
    state: &AppState,
    gate: &Gate,
    id: &str,
) -> ApiResult<(ChatThreadRecord, ProjectRecord)> {
    // Visible and not a channel means the caller's own (chat/visibility.rs).
    let (thread, project) = visible_thread(state, gate, id).await?;
    if thread.kind != "autopilot" {
        return Err(ApiError::conflict(format!(
            "thread {id} is a {} thread; post to it with POST /v1/chat/threads/{id}/messages",
            thread.kind
        )));
    }
    Ok((thread, project))
}

/// `POST /v1/autopilot/chat` (ChatRead) → 202 `{thread_id, message_id, stream_url}`.
pub async fn chat(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<ChatBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mode = Mode::parse(&body.mode).ok_or_else(|| {
        ApiError::unprocessable(format!(
            "`mode` must be \"ask\" or \"autopilot\", not {:?}",
            body.mode
        ))
    })?;
    if body.message.len() > MAX_MESSAGE_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("`message` is longer than {MAX_MESSAGE_BYTES} bytes"),
        ));
    }
    let message = body.message.trim();
    if message.is_empty() {
        return Err(ApiError::bad_request("`message` must not be empty"));
    }
    let ws = gate.require_workspace()?.clone();
    // Billing on: a turn spends model tokens, so it needs credits like a run start.
    crate::billing::enforce::require_credits(&state, &ws.id).await?;
    let user = gate.principal.user.id.clone();
    let now = now_ms();
    let (thread, project) = match &body.thread_id {
        Some(id) => own_thread(&state, &gate, id).await?,
        None => {
            let project = gate.project()?.clone();
            let thread = ChatThreadRecord {
                id: chat::thread_id(),
                workspace_id: ws.id.clone(),
                project_id: project.id.clone(),
                kind: "autopilot".into(),
                title: message.chars().take(TITLE_CHARS).collect(),
                agent_ids: Vec::new(),
                created_by: user.clone(),
                created_at: now,
                updated_at: now,
                last_message_at: None,
            };
            state.integrations().create_thread(&thread).await?;
            (thread, project)
        }
    };
    let busy = || {
        ApiError::conflict(format!(
            "thread {} has a turn running; wait for its answer (its stream ends with `done`)",
            thread.id
        ))
    };
    if !state
        .integrations()
        .running_turns(Some(&thread.id))
        .await?
        .is_empty()
    {
        return Err(busy());
    }
    let turn_id = chat::message_id();
    let live = state
        .autopilot()
        .live
        .begin(&turn_id, &thread.id)
        .ok_or_else(busy)?;
    let started = async {
        let asked = state
            .integrations()
            .append_message(&NewChatMessage {
                id: chat::message_id(),
                thread_id: thread.id.clone(),
                author_kind: "user".into(),
                author_id: user.clone(),
                text: message.to_string(),
                data: json!({}),
                run_id: None,
                created_at: now,
            })
            .await?
            .ok_or_else(|| ApiError::not_found("thread"))?;
        state
            .integrations()
            .create_turn(&ChatTurnRecord {
                id: turn_id.clone(),
                thread_id: thread.id.clone(),
                agent_id: None,
                reply_to: asked.id,
                run_id: None,
                status: TURN_RUNNING.into(),
                created_at: now,
                updated_at: now,
            })
            .await?;
        Ok::<(), ApiError>(())
    }
    .await;
    if let Err(e) = started {
        state.autopilot().live.end(&turn_id);
        return Err(e);
    }
    let request = TurnRequest {
        caller: Caller {
            principal: gate.principal.clone(),
            workspace: Some(ws.slug.clone()),
            project_id: Some(project.id.clone()),
        },
        workspace_id: ws.id.clone(),
        project_id: project.id.clone(),
        project_name: project.name.clone(),
        thread_id: thread.id.clone(),
        turn_id: turn_id.clone(),
        mode,
    };
    turn::spawn(state.clone(), request, live);
    let stream_url = format!(
        "/v1/autopilot/stream?{}",
        crate::platform_tools::dispatch::query_string(&[
            ("thread_id", thread.id.clone()),
            ("message_id", turn_id.clone()),
        ])
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "thread_id": thread.id,
            "message_id": turn_id,
            "stream_url": stream_url,
        })),
    ))
}

/// `GET /v1/autopilot/stream`'s query.
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    thread_id: Option<String>,
    #[serde(default)]
    message_id: Option<String>,
}

/// `GET /v1/autopilot/stream?thread_id=…&message_id=…` (ChatRead): SSE `token`, `action`,
/// then `done` (or `error`), from the beginning of the turn.
pub async fn stream(
    State(state): State<AppState>,
    gate: Gate,
    Query(query): Query<StreamQuery>,
) -> ApiResult<Response> {
    let (Some(thread_id), Some(message_id)) = (query.thread_id, query.message_id) else {
        return Err(ApiError::bad_request(
            "`thread_id` and `message_id` are required query parameters",
        ));
    };
    let (thread, _) = own_thread(&state, &gate, &thread_id).await?;
    let turn = state
        .integrations()
        .turn(&message_id)
        .await?
        .filter(|t| t.thread_id == thread.id && t.agent_id.is_none())
        .ok_or_else(|| ApiError::not_found("message"))?;
    let (tx, rx) = mpsc::channel::<Result<Event, Infallible>>(64);
    // Ends with the turn's last frame, or when the client goes away (the send fails).
    tokio::spawn(async move {
        if let Some(source) = frames_of(&state, &turn, &tx).await {
            source.follow(tx).await;
        }
    });
    Ok(Sse::new(rx)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

fn event(frame: &Frame) -> Event {
    Event::default()
        .event(frame.event)
        .data(frame.data.to_string())
}

/// Where the frames of a turn come from, from the beginning: the live buffer while it runs
/// here, else (once it ended, waiting for that if it runs on another node) the stored
/// reply. `None` when there is nothing to send: the client went away while waiting, or the
/// turn is gone (its thread was deleted).
async fn frames_of(
    state: &AppState,
    turn: &ChatTurnRecord,
    client: &mpsc::Sender<Result<Event, Infallible>>,
) -> Option<FrameSource> {
    loop {
        if let Some(live) = state.autopilot().live.get(&turn.id) {
            return Some(FrameSource::Live(live, 0, Vec::new().into_iter()));
        }
        match state.integrations().turn(&turn.id).await {
            Ok(Some(t)) if t.status == TURN_RUNNING => {
                if client.is_closed() {
                    return None;
                }
                tokio::time::sleep(POLL).await;
            }
            Ok(Some(_)) => {
                let reply = stored_reply(state, &turn.thread_id, &turn.id).await;
                return Some(FrameSource::Stored(
                    replay(reply.as_ref(), &turn.id).into_iter(),
                ));
            }
            Ok(None) => return None,
            Err(error) => {
                tracing::warn!(turn_id = %turn.id, %error, "autopilot stream could not read its turn");
                return Some(FrameSource::Stored(
                    vec![Frame::error(
                        "AUTOPILOT_STREAM_FAILED",
                        "the turn could not be read; connect again",
                    )]
                    .into_iter(),
                ));
            }
        }
    }
}

/// Frames to send, one after the other: a live turn's buffer (followed from index `.1`)
/// or a stored reply's frames.
enum FrameSource {
    Live(
        std::sync::Arc<crate::autopilot::live::LiveTurn>,
        usize,
        std::vec::IntoIter<Frame>,
    ),
    Stored(std::vec::IntoIter<Frame>),
}

impl FrameSource {
    /// The next frame; `None` once the turn's frames are all sent.
    async fn next(&mut self) -> Option<Frame> {
        match self {
            FrameSource::Stored(frames) => frames.next(),
            FrameSource::Live(live, read, pending) => loop {
                if let Some(f) = pending.next() {
                    return Some(f);
                }
                let fresh = live.next(*read).await;
                if fresh.is_empty() {
                    return None;
                }
                *read += fresh.len();
                *pending = fresh.into_iter();
            },
        }
    }

    /// Sends the frames into the stream until the last one, or until the client is gone.
    async fn follow(mut self, mut tx: mpsc::Sender<Result<Event, Infallible>>) {
        while let Some(frame) = self.next().await {
            let last = frame.is_last();
            if tx.send(Ok(event(&frame))).await.is_err() || last {
                return;
            }
        }
    }
}

/// The stored reply of a turn (its id is the turn's).
async fn stored_reply(state: &AppState, thread_id: &str, id: &str) -> Option<ChatMessageRecord> {
    let mut after = 0;
    loop {
        let page = state
            .integrations()
            .messages(thread_id, after, 500)
            .await
            .ok()?;
        let last = page.last()?.seq;
        if let Some(m) = page.into_iter().find(|m| m.id == id) {
            return Some(m);
        }
        after = last;
    }
}

/// A stored reply as frames: its text as one token frame, its actions, then `done` (or
/// `error` when it failed).
fn replay(reply: Option<&ChatMessageRecord>, id: &str) -> Vec<Frame> {
    let Some(reply) = reply else {
        return vec![Frame::error(
            "AUTOPILOT_REPLY_MISSING",
            "the turn ended without a stored reply; send the message again",
        )];
    };
    let mut out = Vec::new();
    if !reply.text.is_empty() {
        out.push(Frame::token(&reply.text));
    }
    for action in reply.data["actions"].as_array().into_iter().flatten() {
        out.push(Frame {
            event: "action",
            data: action.clone(),
        });
    }
    match reply.data.get("error").filter(|e| !e.is_null()) {
        Some(error) => out.push(Frame::error(
            error["code"].as_str().unwrap_or("AUTOPILOT_FAILED"),
            error["message"].as_str().unwrap_or_default(),
        )),
        None => out.push(Frame::done(id, &reply.text)),
    }
    out
}
