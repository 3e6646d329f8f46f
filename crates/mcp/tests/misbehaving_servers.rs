//! Small hand-written HTTP servers that break the protocol in one way each:
//! malformed JSON-RPC, a hang, a huge result, a connection closed mid-response.
//! Each must fail the call clearly, within its timeout, without blocking other calls.

mod common;

use std::time::{Duration, Instant};

use ar_mcp::{CallOptions, McpError, McpTarget, ProtocolPreference};
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
enum Mode {
    Healthy,
    /// Healthy, but only speaks the oldest session-era revision we accept.
    Healthy20250326,
    MalformedJson,
    NotJsonRpc,
    Hang,
    HugeJson,
    HugeSse,
    CloseMidBody,
    CloseMidSse,
    ServerError503,
}

const HUGE_BYTES: usize = 11 * 1024 * 1024;

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
        Mode::HugeJson => json_body(ok("a".repeat(HUGE_BYTES))),
        Mode::HugeSse => {
            let event = format!("event: message\ndata: {}\n\n", ok("a".repeat(HUGE_BYTES)));
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
async fn serve(mode: Mode) -> String {
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

async fn call(mode: Mode, timeout: Duration) -> Result<Value, McpError> {
    let url = serve(mode).await;
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    pool.call_tool(
        &McpTarget::http(url),
        "anything",
        json!({}),
        &CallOptions::with_timeout(timeout),
    )
    .await
}

#[tokio::test]
async fn a_healthy_hand_written_server_works_so_the_failures_below_are_the_modes() {
    let result = call(Mode::Healthy, Duration::from_secs(20)).await;
    assert_eq!(result, Ok(json!({"text": "fine"})));
}

#[tokio::test]
async fn malformed_json_rpc_fails_clearly_and_finally() {
    for mode in [Mode::MalformedJson, Mode::NotJsonRpc] {
        let started = Instant::now();
        let error = call(mode, Duration::from_secs(20))
            .await
            .expect_err("must fail");
        assert_eq!(error.code(), "MCP_PROTOCOL_ERROR", "{mode:?}: {error:?}");
        assert!(!error.is_transient(), "{mode:?}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{mode:?} took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_hung_server_is_stopped_by_the_timeout_without_blocking_other_calls() {
    let hung_url = serve(Mode::Hang).await;
    let healthy_url = serve(Mode::Healthy).await;
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let hung_pool = pool.clone();
    let started = Instant::now();
    let hung = tokio::spawn(async move {
        hung_pool
            .call_tool(
                &McpTarget::http(hung_url),
                "t",
                json!({}),
                &CallOptions::with_timeout(Duration::from_secs(3)),
            )
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let healthy = pool
        .call_tool(
            &McpTarget::http(healthy_url),
            "t",
            json!({}),
            &CallOptions::with_timeout(Duration::from_secs(20)),
        )
        .await;
    assert_eq!(healthy, Ok(json!({"text": "fine"})));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the healthy call waited for the hung one"
    );
    let outcome = hung.await.expect("task");
    assert_eq!(
        outcome,
        Err(McpError::Timeout {
            after: Duration::from_secs(3)
        })
    );
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn a_huge_result_is_refused_with_a_clear_error() {
    for mode in [Mode::HugeJson, Mode::HugeSse] {
        let error = call(mode, Duration::from_secs(30))
            .await
            .expect_err("must fail");
        assert_eq!(
            error,
            McpError::ResponseTooLarge {
                limit_bytes: ar_mcp::DEFAULT_MAX_RESPONSE_BYTES
            },
            "{mode:?}"
        );
        assert!(error.to_string().contains("10485760"), "{error}");
    }
}

#[tokio::test]
async fn a_connection_closed_mid_response_fails_as_transient() {
    for mode in [Mode::CloseMidBody, Mode::CloseMidSse] {
        let started = Instant::now();
        let error = call(mode, Duration::from_secs(20))
            .await
            .expect_err("must fail");
        assert_eq!(error.code(), "MCP_TRANSPORT_ERROR", "{mode:?}: {error:?}");
        assert!(error.is_transient(), "{mode:?}: {error:?}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{mode:?} took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn http_503_is_transient() {
    let error = call(Mode::ServerError503, Duration::from_secs(20))
        .await
        .expect_err("must fail");
    assert!(error.is_transient(), "{error:?}");
    assert!(error.to_string().contains("503"), "{error}");
}

#[tokio::test]
async fn connection_refused_is_transient_and_does_not_show_credentials() {
    let port = common::free_port();
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = McpTarget::http(format!("http://127.0.0.1:{port}/mcp"))
        .with_credential("Authorization", "Bearer sekrit-token");
    let error = pool
        .call_tool(
            &target,
            "t",
            json!({}),
            &CallOptions::with_timeout(Duration::from_secs(10)),
        )
        .await
        .expect_err("nothing listens");
    assert_eq!(error.code(), "MCP_TRANSPORT_ERROR", "{error:?}");
    assert!(error.is_transient(), "{error:?}");
    assert!(!format!("{error} {error:?}").contains("sekrit-token"));
}

#[tokio::test]
async fn a_missing_stdio_command_fails_to_spawn() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = McpTarget::stdio("/nonexistent/mcp-server", Vec::<String>::new());
    let error = pool
        .call_tool(
            &target,
            "t",
            json!({}),
            &CallOptions::with_timeout(Duration::from_secs(10)),
        )
        .await
        .expect_err("cannot spawn");
    assert_eq!(error.code(), "MCP_SPAWN_FAILED", "{error:?}");
}

#[tokio::test]
async fn a_2025_03_26_server_is_spoken_to_in_its_revision() {
    let url = serve(Mode::Healthy20250326).await;
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = McpTarget::http(url);
    let result = pool
        .call_tool(
            &target,
            "t",
            json!({}),
            &CallOptions::with_timeout(Duration::from_secs(20)),
        )
        .await;
    assert_eq!(result, Ok(json!({"text": "fine"})));
    let client = pool.client(&target).await.expect("client");
    assert_eq!(client.protocol_version().as_deref(), Some("2025-03-26"));
}
