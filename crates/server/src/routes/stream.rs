//! `GET /v1/workflows/{id}/stream?run_id=…&after_seq=…` (RunRead): the live event stream
//! over a WebSocket (docs/contract.md §9), one event object per text frame.
//!
//! Everything is decided before the upgrade, as plain HTTP: authentication (PAT or session
//! cookie), the gate, the workflow and run belonging to the caller's workspace (404
//! otherwise) and the query. A request that is not a WebSocket handshake gets 426.
//!
//! - With `run_id`: every event after `after_seq` (default 0: the whole run), then live
//!   ones; when the run has ended and its last event was sent, the server closes with
//!   1000 "run ended".
//! - Without `run_id`: live events of every run of the workflow; the stream stays open.
//!   `after_seq` needs a `run_id` (sequence numbers are per run).
//! - A client that falls too far behind is closed with 1013 and resumes with the last
//!   `seq` it received; the server pings every 20 s and drops a client silent for 60 s.
//! - A client message over [`MAX_CLIENT_MESSAGE_BYTES`] ends the connection.
//! - The caller's access is re-checked while the stream is open (every
//!   `StreamConfig::access_recheck`, half a second): once their token is revoked or
//!   expired, their session ended, or they may no longer read the workflow's runs
//!   (deactivated, removed from the project, role lost), the server closes with 1008
//!   "access revoked: <why>" (`stream::access`).
//!
//! Browsers cannot set headers on a WebSocket: they authenticate with the session cookie
//! (the handshake's `Origin` must be this server's, like a write) and may name the
//! workspace with `?tenant=<slug>` instead of `X-Tenant-Id`.

use std::time::Instant;

use ar_store::now_ms;
use axum::extract::Request;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::openapi::path::Parameter;
use utoipa::openapi::{ObjectBuilder, Type};

use crate::auth::gate::{Gate, TENANT_HEADER};
use crate::auth::principal::Credential;
use crate::auth::session::check_csrf;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::routes::Route;
use crate::routes::workflows::load;
use crate::runs::access::run_of;
use crate::state::AppState;
use crate::stream::access::StreamAccess;
use crate::stream::feed::{FeedEnd, RunFeed};
use crate::stream::{StreamConfig, Streams, workflow};

/// The largest message (and frame) a client may send. Clients send only pongs, pings and
/// a close frame; a bigger message ends the connection before it is buffered (the
/// library's default, 64 MiB per message, let any reader of one run pin that much memory).
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 64 * 1024;

/// WebSocket close codes (RFC 6455 §7.4.1).
const NORMAL: u16 = 1000;
const GOING_AWAY: u16 = 1001;
const POLICY_VIOLATION: u16 = 1008;
const INTERNAL_ERROR: u16 = 1011;
const TRY_AGAIN_LATER: u16 = 1013;

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    run_id: Option<String>,
    #[serde(default)]
    after_seq: Option<i64>,
}

/// What one connection follows.
enum Target {
    Run {
        run_id: String,
        after_seq: i64,
        /// The run's `last_seq` when the request was authorized.
        last_seq: i64,
    },
    Workflow {
        /// When the request was accepted (ms): runs created since are sent from their
        /// first event, even if they are already active when the stream gets going.
        opened_at: i64,
    },
}

/// `GET /v1/workflows/{id}/stream` (RunRead)
pub async fn stream(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let workflow = load(&state, &gate, &id).await?;
    if q.after_seq.is_some_and(|s| s < 0) {
        return Err(ApiError::bad_request("`after_seq` must be 0 or more"));
    }
    let target = match q.run_id {
        Some(run_id) => {
            let run = run_of(&state, &workflow, &run_id).await?;
            Target::Run {
                run_id: run.id,
                after_seq: q.after_seq.unwrap_or(0),
                last_seq: run.last_seq,
            }
        }
        None if q.after_seq.is_some() => {
            return Err(ApiError::bad_request(
                "`after_seq` needs a `run_id` (sequence numbers are per run)",
            ));
        }
        None => Target::Workflow {
            opened_at: ar_store::now_ms(),
        },
    };
    let upgrade = upgrade.map_err(|r| {
        ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            format!("this endpoint is a WebSocket: {}", r.body_text()),
        )
    })?;
    if matches!(gate.principal.credential, Credential::Session(_)) {
        // The handshake is a GET, but it opens a channel the page can read: a cookie may
        // only open it from this server's own pages (no cross-site WebSocket hijacking).
        check_csrf(&Method::POST, &headers, state.origin())?;
    }
    let streams = state.streams().clone();
    let access = StreamAccess::new(
        state.clone(),
        gate.principal.clone(),
        gate.require_workspace()?.id.clone(),
        workflow.project_id.clone(),
    );
    let workflow_id = workflow.id;
    Ok(upgrade
        .max_message_size(MAX_CLIENT_MESSAGE_BYTES)
        .max_frame_size(MAX_CLIENT_MESSAGE_BYTES)
        .on_upgrade(move |socket| connection(socket, streams, access, workflow_id, target)))
}

/// The stream's path in the route table.
pub const PATH: &str = "/v1/workflows/{id}/stream";

/// The query parameters, for the OpenAPI document.
pub fn query_parameters() -> Vec<Parameter> {
    let param = crate::openapi::optional_query;
    vec![
        param(
            "run_id",
            ObjectBuilder::new().schema_type(Type::String),
            "Follow one run; without it, every run of the workflow.",
        ),
        param(
            "after_seq",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
            "With `run_id`: send events after this sequence number (resume).",
        ),
        param(
            "tenant",
            ObjectBuilder::new().schema_type(Type::String),
            "Workspace slug, for browsers that cannot send `X-Tenant-Id`.",
        ),
    ]
}

/// Lets a browser name the workspace with `?tenant=<slug>` (it cannot set `X-Tenant-Id`
/// on a WebSocket). The header wins when both are present.
pub fn with_tenant_query(mut route: Route) -> Route {
    route.handler = route
        .handler
        .layer(axum::middleware::map_request(tenant_query_to_header));
    route
}

async fn tenant_query_to_header(mut request: Request) -> Request {
    if request.headers().contains_key(TENANT_HEADER) {
        return request;
    }
    let slug = request.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "tenant")
            .map(|(_, v)| v.into_owned())
    });
    if let Some(value) = slug.and_then(|s| HeaderValue::from_str(&s).ok()) {
        request.headers_mut().insert(TENANT_HEADER, value);
    }
    request
}

/// Aborts the producer task when the connection ends, however it ends.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Drives one WebSocket: frames from the producer (a run feed or a workflow merge), pings,
/// access re-checks, and the close frame that says why the stream ended.
async fn connection(
    mut socket: WebSocket,
    streams: Streams,
    access: StreamAccess,
    workflow_id: String,
    target: Target,
) {
    let _subscriber = crate::metrics::SubscriberGuard::open();
    let config = streams.config().clone();
    let (out, mut frames) = mpsc::channel::<Utf8Bytes>(config.connection_buffer.max(1));
    let producer_streams = streams.clone();
    let mut producer = tokio::spawn(async move {
        match target {
            Target::Run {
                run_id,
                after_seq,
                last_seq,
            } => {
                RunFeed::new(
                    &producer_streams,
                    &run_id,
                    &workflow_id,
                    after_seq,
                    last_seq,
                )
                .pump(&out)
                .await
            }
            Target::Workflow { opened_at } => {
                workflow::pump(&producer_streams, &workflow_id, opened_at, &out).await
            }
        }
    });
    let _abort = AbortOnDrop(producer.abort_handle());
    let mut ping = tokio::time::interval(config.ping_interval);
    ping.tick().await;
    let mut recheck = tokio::time::interval(config.access_recheck);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    recheck.tick().await;
    let mut last_heard = Instant::now();
    let shutdown = streams.shutdown_token().clone();
    let (code, reason) = loop {
        tokio::select! {
            Some(text) = frames.recv() => {
                if !send(&mut socket, Message::Text(text), &config).await {
                    return;
                }
            }
            end = &mut producer => {
                let end = end.unwrap_or(FeedEnd::Shutdown);
                if matches!(end, FeedEnd::RunEnded { .. }) {
                    // Everything queued belongs to the run: deliver it before closing.
                    while let Some(text) = frames.recv().await {
                        if !send(&mut socket, Message::Text(text), &config).await {
                            return;
                        }
                    }
                }
                match close_for(end) {
                    Some(close) => break close,
                    None => return,
                }
            }
            message = socket.recv() => match message {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > config.ping_interval * 3 {
                    break (GOING_AWAY, "no answer to pings".to_string());
                }
                let payload = now_ms().to_be_bytes().to_vec();
                if !send(&mut socket, Message::Ping(payload.into()), &config).await {
                    return;
                }
            }
            _ = recheck.tick() => match access.check().await {
                Ok(Ok(())) => {}
                Ok(Err(refusal)) => break (POLICY_VIOLATION, close_reason(&format!("access revoked: {refusal}"))),
                Err(e) => {
                    tracing::error!(error = %e, "stream: re-checking access failed");
                    break (INTERNAL_ERROR, "internal error: could not re-check access; reconnect".to_string());
                }
            },
            _ = shutdown.cancelled() => break (GOING_AWAY, "server shutting down".to_string()),
        }
    };
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    send(&mut socket, Message::Close(Some(frame)), &config).await;
}

/// The close frame for a producer's end (`None`: the client is already gone).
fn close_for(end: FeedEnd) -> Option<(u16, String)> {
    match end {
        FeedEnd::RunEnded { .. } => Some((NORMAL, "run ended".into())),
        FeedEnd::Lagged { last_seq } => Some((
            TRY_AGAIN_LATER,
            format!(
                "too slow: reconnect with after_seq = the last seq received ({last_seq} was queued)"
            ),
        )),
        FeedEnd::Disconnected => None,
        FeedEnd::StoreFailed(e) => {
            tracing::error!(error = %e, "stream: reading events failed");
            Some((
                INTERNAL_ERROR,
                "internal error: reconnect with the last seq received".into(),
            ))
        }
        FeedEnd::Shutdown => Some((GOING_AWAY, "server shutting down".into())),
    }
}

/// A close frame's reason holds at most 123 bytes (RFC 6455 §5.5): longer text is cut at a
/// character boundary.
fn close_reason(text: &str) -> String {
    const MAX_REASON_BYTES: usize = 123;
    let mut end = text.len().min(MAX_REASON_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Sends a frame within the send timeout; false when the client is gone or stuck.
async fn send(socket: &mut WebSocket, message: Message, config: &StreamConfig) -> bool {
    matches!(
        tokio::time::timeout(config.send_timeout, socket.send(message)).await,
        Ok(Ok(()))
    )
}
