//! `/v1/chat/*` (docs/contract.md §13, guide: docs/agents.md "Chat"): a project's chat
//! threads, their messages and live streams.
//!
//! Every route is ChatRead (viewers and above) on the thread's project (`X-Project-Id`
//! for the list and for creating). Requests that make an agent act need ChatWrite
//! (contributors and above) on top: creating a thread with agents, and posting in one.
//! dm and autopilot threads are their creator's alone (`chat::visibility`).

use ar_model::authz::Action;
use ar_store::integrations::{ChatThreadRecord, NewChatMessage, ThreadQuery};
use ar_store::now_ms;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use utoipa::openapi::path::Parameter;
use utoipa::openapi::{ObjectBuilder, Type};

use crate::auth::gate::Gate;
use crate::auth::principal::Credential;
use crate::auth::session::check_csrf;
use crate::chat::stream::{Frame, pump};
use crate::chat::transport::{ThreadAccess, sse, websocket};
use crate::chat::visibility::{
    AUTOPILOT, CHANNEL, DM, may_manage, may_start_agents, visible_thread,
};
use crate::chat::{message_id, thread_id, turns, view};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::json::Json;
use crate::routes::stream::MAX_CLIENT_MESSAGE_BYTES;
use crate::state::AppState;
use crate::stream::access::StreamAccess;

/// The longest message text, in bytes.
pub const MAX_TEXT_BYTES: usize = 32 * 1024;
/// The longest thread title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The most agents of one thread.
pub const MAX_AGENTS: usize = 8;
/// Page sizes of the lists.
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;
/// A thread's title when none is given.
const DEFAULT_TITLE: &str = "New chat";

/// `POST /v1/chat/threads`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewThread {
    /// At most 200 characters; default "New chat".
    #[serde(default)]
    pub title: Option<String>,
    /// `dm` or `channel` (autopilot threads are made by `POST /v1/autopilot/chat`).
    pub kind: String,
    /// Agents of the project that answer the thread's messages (a dm has at most one).
    #[serde(default)]
    pub agent_ids: Vec<String>,
}

/// `PATCH /v1/chat/threads/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadChange {
    pub title: String,
}

/// `POST /v1/chat/threads/{id}/messages`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// 1 to 32 KiB of text.
    pub text: String,
}

#[derive(Debug, Deserialize)]
pub struct ThreadsQuery {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct MessagesQuery {
    #[serde(default)]
    after_seq: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

fn limit_of(limit: Option<i64>) -> ApiResult<i64> {
    match limit.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(n),
        n => Err(ApiError::bad_request(format!(
            "`limit` must be between 1 and {MAX_LIMIT}; found {n}"
        ))),
    }
}

fn check_title(title: &str) -> ApiResult<String> {
    let title = title.trim();
    if title.is_empty() {
        return Err(ApiError::unprocessable("`title` must not be empty"));
    }
    let chars = title.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(ApiError::unprocessable(format!(
            "`title` is {chars} characters long; at most {MAX_TITLE_CHARS} are allowed"
        )));
    }
    Ok(title.to_owned())
}

/// The page cursor: `<updated_at>.<id>` of the last thread of the previous page.
fn parse_cursor(cursor: &str) -> ApiResult<(i64, String)> {
    cursor
        .split_once('.')
        .and_then(|(at, id)| Some((at.parse().ok()?, id.to_owned())))
        .filter(|(_, id)| !id.is_empty())
        .ok_or_else(|| ApiError::bad_request("`cursor` is not a cursor this API returned"))
}

/// `GET /v1/chat/threads` (ChatRead, `X-Project-Id`) → `{threads, next_cursor}`, latest
/// activity first: the project's channels and the caller's own dm and autopilot threads.
pub async fn list(
    State(state): State<AppState>,
    gate: Gate,
    Query(q): Query<ThreadsQuery>,
) -> ApiResult<Json<view::ChatThreadsPage>> {
    let project = gate.project()?;
    if let Some(kind) = q.kind.as_deref()
        && ![DM, CHANNEL, AUTOPILOT].contains(&kind)
    {
        return Err(ApiError::bad_request(
            "`kind` must be \"dm\", \"channel\" or \"autopilot\"",
        ));
    }
    let limit = limit_of(q.limit)?;
    let before = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let threads = state
        .integrations()
        .list_threads(&ThreadQuery {
            project_id: project.id.clone(),
            user_id: gate.principal.user.id.clone(),
            kind: q.kind,
            limit,
            before,
        })
        .await?;
    let next_cursor = (threads.len() as i64 == limit)
        .then(|| threads.last().map(|t| format!("{}.{}", t.updated_at, t.id)))
        .flatten();
    Ok(Json(view::ChatThreadsPage {
        threads: threads.iter().map(view::thread).collect(),
        next_cursor,
    }))
}

/// `POST /v1/chat/threads` (ChatRead; ChatWrite with agents, `X-Project-Id`) → 201.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewThread>,
) -> ApiResult<(StatusCode, Json<view::ChatThread>)> {
    let project = gate.project()?;
    match body.kind.as_str() {
        DM | CHANNEL => {}
        AUTOPILOT => {
            return Err(ApiError::unprocessable(
                "autopilot threads are made by POST /v1/autopilot/chat",
            ));
        }
        other => {
            return Err(ApiError::unprocessable(format!(
                "`kind` must be \"dm\" or \"channel\"; found {other:?}"
            )));
        }
    }
    let title = match &body.title {
        Some(t) => check_title(t)?,
        None => DEFAULT_TITLE.to_owned(),
    };
    let agent_ids = check_agents(&state, &gate, &project.id, &body.kind, body.agent_ids).await?;
    if !agent_ids.is_empty() {
        may_start_agents(&state, &gate, project).await?;
    }
    let now = now_ms();
    let thread = ChatThreadRecord {
        id: thread_id(),
        workspace_id: project.workspace_id.clone(),
        project_id: project.id.clone(),
        kind: body.kind,
        title,
        agent_ids,
        created_by: gate.principal.user.id.clone(),
        created_at: now,
        updated_at: now,
        last_message_at: None,
    };
    state.integrations().create_thread(&thread).await?;
    Ok((StatusCode::CREATED, Json(view::thread(&thread))))
}

/// A thread's agents: at most [`MAX_AGENTS`] (one for a dm), no repeats, each an agent
/// of the project (422 naming the first that is not).
async fn check_agents(
    state: &AppState,
    gate: &Gate,
    project_id: &str,
    kind: &str,
    agent_ids: Vec<String>,
) -> ApiResult<Vec<String>> {
    if agent_ids.len() > MAX_AGENTS {
        return Err(ApiError::unprocessable(format!(
            "a thread has at most {MAX_AGENTS} agents; found {}",
            agent_ids.len()
        )));
    }
    if kind == DM && agent_ids.len() > 1 {
        return Err(ApiError::unprocessable(
            "a dm has at most one agent; make a channel for several",
        ));
    }
    let ws = gate.require_workspace()?;
    let mut checked: Vec<String> = Vec::with_capacity(agent_ids.len());
    for id in agent_ids {
        if checked.contains(&id) {
            return Err(ApiError::unprocessable(format!(
                "agent {id:?} is listed twice in `agent_ids`"
            )));
        }
        let known = state
            .integrations()
            .agent(&ws.id, &id)
            .await?
            .is_some_and(|a| a.project_id == project_id);
        if !known {
            return Err(ApiError::unprocessable(format!(
                "`agent_ids`: {id:?} is not an agent of this project"
            ))
            .with("agent_id", json!(id)));
        }
        checked.push(id);
    }
    Ok(checked)
}

/// `GET /v1/chat/threads/{id}` (ChatRead).
pub async fn get(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<view::ChatThread>> {
    let (thread, _) = visible_thread(&state, &gate, &id).await?;
    Ok(Json(view::thread(&thread)))
}

/// `PATCH /v1/chat/threads/{id} {title}` (ChatRead; the creator, or a project admin for
/// a channel).
pub async fn patch(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<ThreadChange>,
) -> ApiResult<Json<view::ChatThread>> {
    let (mut thread, project) = visible_thread(&state, &gate, &id).await?;
    may_manage(&state, &gate, &thread, &project).await?;
    thread.title = check_title(&body.title)?;
    thread.updated_at = now_ms();
    if !state
        .integrations()
        .rename_thread(
            &thread.workspace_id,
            &thread.id,
            &thread.title,
            thread.updated_at,
        )
        .await?
    {
        return Err(ApiError::not_found("thread"));
    }
    Ok(Json(view::thread(&thread)))
}

/// `DELETE /v1/chat/threads/{id}` (as PATCH) → 204; its messages and turns go with it.
pub async fn delete(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (thread, project) = visible_thread(&state, &gate, &id).await?;
    may_manage(&state, &gate, &thread, &project).await?;
    if !state
        .integrations()
        .delete_thread(&thread.workspace_id, &thread.id)
        .await?
    {
        return Err(ApiError::not_found("thread"));
    }
    state.chat_live().changed(&thread.id);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/chat/threads/{id}/messages?after_seq=&limit=` (ChatRead) → `{messages,
/// next_after_seq}`, oldest first; `next_after_seq` is set when there may be more.
pub async fn messages(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Query(q): Query<MessagesQuery>,
) -> ApiResult<Json<view::ChatMessagesPage>> {
    let (thread, _) = visible_thread(&state, &gate, &id).await?;
    let after_seq = check_after_seq(q.after_seq)?;
    let limit = limit_of(q.limit)?;
    let page = state
        .integrations()
        .messages(&thread.id, after_seq, limit)
        .await?;
    let next = (page.len() as i64 == limit)
        .then(|| page.last().map(|m| m.seq))
        .flatten();
    Ok(Json(view::ChatMessagesPage {
        messages: page.iter().map(view::message).collect(),
        next_after_seq: next,
    }))
}

fn check_after_seq(after_seq: Option<i64>) -> ApiResult<i64> {
    match after_seq.unwrap_or(0) {
        n if n >= 0 => Ok(n),
        _ => Err(ApiError::bad_request("`after_seq` must be 0 or more")),
    }
}

/// `POST /v1/chat/threads/{id}/messages {text}` (ChatRead; ChatWrite when agents answer)
/// → 201 with the stored message; one turn starts per agent of the thread.
pub async fn post_message(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<NewMessage>,
) -> ApiResult<(StatusCode, Json<view::ChatMessage>)> {
    let (thread, project) = visible_thread(&state, &gate, &id).await?;
    if thread.kind == AUTOPILOT {
        return Err(ApiError::conflict(
            "this is an Autopilot thread: send its messages with POST /v1/autopilot/chat",
        ));
    }
    if body.text.len() > MAX_TEXT_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "`text` is {} bytes long; a message holds at most {MAX_TEXT_BYTES} bytes (32 KiB)",
                body.text.len()
            ),
        ));
    }
    if body.text.trim().is_empty() {
        return Err(ApiError::unprocessable("`text` must not be empty"));
    }
    if !thread.agent_ids.is_empty() {
        may_start_agents(&state, &gate, &project).await?;
        turns::check_can_start(&state, &project.id).await?;
    }
    let stored = state
        .integrations()
        .append_message(&NewChatMessage {
            id: message_id(),
            thread_id: thread.id.clone(),
            author_kind: "user".to_owned(),
            author_id: gate.principal.user.id.clone(),
            text: body.text,
            data: json!({}),
            run_id: None,
            created_at: now_ms(),
        })
        .await?
        .ok_or_else(|| ApiError::not_found("thread"))?;
    state.chat_live().changed(&thread.id);
    if !thread.agent_ids.is_empty() {
        // In a task of its own: a client that hangs up must not cut a turn off between
        // its row and its run (the answer still waits for the runs to be started).
        let (state, stored) = (state.clone(), stored.clone());
        let started =
            tokio::spawn(async move { turns::start_turns(&state, &thread, &stored).await });
        let _ = started.await;
    }
    Ok((StatusCode::CREATED, Json(view::message(&stored))))
}

/// The query parameters of the chat routes, for the OpenAPI document.
pub fn query_parameters(spec: &crate::routes::RouteSpec) -> Vec<Parameter> {
    let param = crate::openapi::optional_query;
    let limit = || {
        param(
            "limit",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(MAX_LIMIT)),
            "Page size, 1 to 200 (default 50).",
        )
    };
    let after_seq = || {
        param(
            "after_seq",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
            "Only messages with a greater seq.",
        )
    };
    if spec.method != Method::GET {
        return Vec::new();
    }
    match spec.path {
        "/v1/chat/threads" => vec![
            param(
                "kind",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([DM, CHANNEL, AUTOPILOT])),
                "Only threads of this kind.",
            ),
            limit(),
            param(
                "cursor",
                ObjectBuilder::new().schema_type(Type::String),
                "The previous page's `next_cursor`.",
            ),
        ],
        "/v1/chat/threads/{id}/messages" => vec![after_seq(), limit()],
        "/v1/chat/threads/{id}/stream" => vec![
            after_seq(),
            param(
                "tenant",
                ObjectBuilder::new().schema_type(Type::String),
                "Workspace slug, for browsers that cannot send `X-Tenant-Id`.",
            ),
        ],
        _ => Vec::new(),
    }
}

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    after_seq: Option<i64>,
}

/// `GET /v1/chat/threads/{id}/stream?after_seq=N` (ChatRead): Server-Sent Events, or a
/// WebSocket when the request is an upgrade (frames `{event, id?, data}`). Resumes after
/// `after_seq`, else after `Last-Event-ID`. Closes once the caller may no longer read the
/// thread (re-checked every half second, as run streams are).
pub async fn stream(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let (thread, _) = visible_thread(&state, &gate, &id).await?;
    let after_seq = match q.after_seq {
        Some(n) => check_after_seq(Some(n))?,
        None => match headers.get("last-event-id") {
            None => 0,
            Some(v) => v
                .to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    ApiError::bad_request("`Last-Event-ID` must be a message seq (0 or more)")
                })?,
        },
    };
    let access = ThreadAccess {
        stream: StreamAccess::new(
            state.clone(),
            gate.principal.clone(),
            thread.workspace_id.clone(),
            thread.project_id.clone(),
        )
        .for_action(Action::ChatRead),
        state: state.clone(),
        thread: thread.clone(),
        user_id: gate.principal.user.id.clone(),
    };
    let (out, frames) = mpsc::channel::<Frame>(64);
    let producer_state = state.clone();
    let thread_id = thread.id.clone();
    let producer = tokio::spawn(async move {
        if let Err(e) = pump(&producer_state, &thread_id, after_seq, &out).await {
            tracing::error!(error = %e, "chat stream: reading the thread failed");
        }
    });
    match upgrade {
        Ok(upgrade) => {
            if matches!(gate.principal.credential, Credential::Session(_)) {
                // As run streams: a cookie may only open it from this server's pages.
                check_csrf(&Method::POST, &headers, state.origin())?;
            }
            Ok(upgrade
                .max_message_size(MAX_CLIENT_MESSAGE_BYTES)
                .max_frame_size(MAX_CLIENT_MESSAGE_BYTES)
                .on_upgrade(move |socket| websocket(socket, frames, producer, access)))
        }
        Err(_) => Ok(sse(frames, producer, access).into_response()),
    }
}
