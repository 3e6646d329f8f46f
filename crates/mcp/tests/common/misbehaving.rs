//! Hand-written MCP servers over HTTP that break the protocol in one way each
//! (malformed JSON-RPC, a hang, a huge result, a connection closed mid-response, 503).
//! Shared by this crate's tests and by ar-executors' engine tests.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// How `tools/call` misbehaves; the handshake is always answered properly
/// (as a session-era server that does not know `server/discover`).
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    Healthy,
    /// Healthy, but only speaks the oldest session-era revision we accept.
    Healthy20250326,
    MalformedJson,
    NotJsonRpc,
    Hang,
    /// A result of `bytes` bytes of text in one JSON body.
    HugeJson {
        bytes: usize,
    },
    /// The same in one SSE event.
    HugeSse {
        bytes: usize,
    },
    CloseMidBody,
    CloseMidSse,
    ServerError503,
}

/// Just above the default response limit (10 MiB).
pub const HUGE_BYTES: usize = 11 * 1024 * 1024;

async fn handle(State(mode): State<Mode>, body: String) -> Response {
    let message: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let id = message.get("id").cloned();
    let method = message["method"].as_str().unwrap_or_default();
    match (method, id) {
        (_, None) => StatusCode::ACCEPTED.into_response(),
        ("initialize", Some(id)) => json_body(json!({
            "jsonrpc": "2.0", "id": id,
            "result": {
                "protocolVersion": match mode {
                    Mode::Healthy20250326 => "2025-03-26",
                    _ => "2025-11-25",
                },
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "misbehaving", "version": "0"}
            }
        })),
        ("tools/call", Some(id)) => misbehave(mode, id).await,
        (_, Some(id)) => json_body(json!({
            "jsonrpc": "2.0", "id": id,
            "error": {"code": -32601, "message": "Method not found"}
        })),
    }
}

async fn misbehave(mode: Mode, id: Value) -> Response {
    let ok = |text: String| json!({"jsonrpc": "2.0", "id": id, "result": {"content": [{"type": "text", "text": text}]}});
    match mode {
        Mode::Healthy | Mode::Healthy20250326 => json_body(ok("fine".to_owned())),
        Mode::MalformedJson => raw(
            "application/json",
            Body::from(format!(
                "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"content\":["
            )),
        ),
        Mode::NotJsonRpc => json_body(json!({"hello": "world"})),
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
        Mode::HugeJson { bytes } => json_body(ok("a".repeat(bytes))),
        Mode::HugeSse { bytes } => {
            let event = format!("event: message\ndata: {}\n\n", ok("a".repeat(bytes)));
            raw("text/event-stream", Body::from(event))
        }
        Mode::CloseMidBody => {
            let full = ok("complete".to_owned()).to_string();
            let half = full[..full.len() / 2].to_owned();
            broken_body("application/json", half, Some(full.len()))
        }
        Mode::CloseMidSse => {
            let partial = format!(
                "event: message\ndata: {}",
                &ok("x".to_owned()).to_string()[..20]
            );
            broken_body("text/event-stream", partial, None)
        }
        Mode::ServerError503 => (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response(),
    }
}

fn json_body(value: Value) -> Response {
    raw("application/json", Body::from(value.to_string()))
}

fn raw(content_type: &'static str, body: Body) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Sends `first`, then fails the body stream, which makes the server drop the connection.
fn broken_body(content_type: &'static str, first: String, length: Option<usize>) -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from(first)),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "server gave up",
        )),
    ];
    let mut builder = Response::builder().header(header::CONTENT_TYPE, content_type);
    if let Some(length) = length {
        builder = builder.header(header::CONTENT_LENGTH, length);
    }
    builder
        .body(Body::from_stream(futures::stream::iter(chunks)))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Starts a server in `mode` on a loopback port; it lives as long as the runtime.
pub async fn serve(mode: Mode) -> String {
    let app = Router::new().route("/mcp", post(handle)).with_state(mode);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/mcp")
}
