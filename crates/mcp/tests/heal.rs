//! Connections heal: a tool server that restarted (or a stdio child that died)
//! between two calls of one step works again on the very next call, within the
//! call's normal latency, against servers nobody here wrote — server-everything (npm)
//! and the Python SDK's fixture — over Streamable HTTP in both protocol eras
//! (session-based and stateless) and over stdio. A call the server may have run is
//! never sent twice.
//!
//! The tests run on a multi-threaded runtime, as the server does: the restart happens
//! while the test thread blocks, and the client's background tasks notice the closed
//! sockets and pipes meanwhile, as they would between two calls in production.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_mcp::{CallOptions, McpClientPool, McpError, McpTarget, ProtocolPreference};
use serde_json::{Value, json};

/// The step timeout of the calls: a broken connection that is not healed shows up as
/// a call that takes this long (MCP_TIMEOUT), which the latency bound below catches.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// "Normal latency" of a call that has to reconnect first: a fresh HTTP session or a
/// freshly spawned Node/Python child answers well within this on a loaded test machine.
const HEALED_WITHIN: Duration = Duration::from_secs(8);

fn options() -> CallOptions {
    CallOptions::with_timeout(STEP_TIMEOUT)
}

/// Calls `tool` and returns the result and how long the call took.
async fn timed_call(
    pool: &McpClientPool,
    target: &McpTarget,
    tool: &str,
    args: Value,
) -> (Result<Value, McpError>, Duration) {
    let started = Instant::now();
    let outcome = pool
        .call_tool(&ar_mcp::Owner::local(), target, tool, args, &options())
        .await;
    (outcome, started.elapsed())
}

/// The second call, after the restart: it succeeds, with `expected`, quickly.
async fn assert_healed(
    pool: &McpClientPool,
    target: &McpTarget,
    tool: &str,
    args: Value,
    expected: Value,
) {
    let (outcome, took) = timed_call(pool, target, tool, args).await;
    assert_eq!(
        outcome,
        Ok(expected),
        "the call after the restart must succeed"
    );
    assert!(
        took < HEALED_WITHIN,
        "the call after the restart took {took:?}: the broken connection was not replaced at once"
    );
}

/// An HTTP server restarted on its port between two calls of one step.
async fn restart_http_between_two_calls(
    start: impl Fn(u16) -> common::ServerProcess,
    protocol: ProtocolPreference,
    tool: &str,
    args: Value,
    expected: Value,
    expected_era: &str,
) {
    common::init_tracing();
    let server = start(common::free_port());
    let port = server.port;
    let pool = common::loopback_pool(protocol, Duration::from_secs(300));
    let target = McpTarget::http(&server.url);

    let (first, _) = timed_call(&pool, &target, tool, args.clone()).await;
    assert_eq!(first, Ok(expected.clone()), "the first call succeeds");
    let client = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("connected");
    let version = client.protocol_version().expect("negotiated");
    assert!(
        version.starts_with(expected_era),
        "protocol {version}, expected {expected_era}…"
    );
    drop(client);

    server.stop();
    let _restarted = start(port);
    assert_healed(&pool, &target, tool, args.clone(), expected.clone()).await;
    // And it stays healed: the next call reuses the new connection.
    assert_healed(&pool, &target, tool, args, expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_everything_over_http_restarted_between_two_calls() {
    restart_http_between_two_calls(
        common::start_everything_http_on,
        ProtocolPreference::Auto,
        "echo",
        json!({"message": "again"}),
        json!({"text": "Echo: again"}),
        "2025-",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_session_era_http_restarted_between_two_calls() {
    restart_http_between_two_calls(
        |port| common::start_python_http_on(port, false),
        ProtocolPreference::SessionOnly,
        "add",
        json!({"a": 20, "b": 22}),
        json!({"result": 42}),
        "2025-",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_stateless_http_restarted_between_two_calls() {
    restart_http_between_two_calls(
        |port| common::start_python_http_on(port, true),
        ProtocolPreference::Auto,
        "add",
        json!({"a": 20, "b": 22}),
        json!({"result": 42}),
        "2026-07-28",
    )
    .await;
}

/// A stdio child killed between two calls of one step is respawned.
async fn stdio_child_killed_between_two_calls(
    target: McpTarget,
    tool: &str,
    args: Value,
    expected: Value,
) {
    common::init_tracing();
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(300));
    let (first, _) = timed_call(&pool, &target, tool, args.clone()).await;
    assert_eq!(first, Ok(expected.clone()), "the first call succeeds");
    let old_pid = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("connected")
        .pid()
        .expect("a child process");

    common::kill_pid(old_pid);
    assert_healed(&pool, &target, tool, args, expected).await;
    let new_pid = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("connected")
        .pid()
        .expect("a child process");
    assert_ne!(new_pid, old_pid, "a new child serves the call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_everything_over_stdio_killed_between_two_calls() {
    stdio_child_killed_between_two_calls(
        common::everything_stdio(),
        "echo",
        json!({"message": "again"}),
        json!({"text": "Echo: again"}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_over_stdio_killed_between_two_calls() {
    stdio_child_killed_between_two_calls(
        common::python_stdio(),
        "add",
        json!({"a": 20, "b": 22}),
        json!({"result": 42}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_while_the_server_is_down_fails_fast_and_the_next_one_works_once_it_is_back() {
    common::init_tracing();
    let server = common::start_everything_http();
    let port = server.port;
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(300));
    let target = McpTarget::http(&server.url);
    let args = json!({"message": "x"});
    let (first, _) = timed_call(&pool, &target, "echo", args.clone()).await;
    assert!(first.is_ok(), "{first:?}");

    server.stop();
    let (down, took) = timed_call(&pool, &target, "echo", args.clone()).await;
    let error = down.expect_err("nothing listens");
    assert_eq!(error.code(), "MCP_TRANSPORT_ERROR", "{error:?}");
    assert!(error.is_transient(), "a retry may help: {error:?}");
    assert!(
        took < HEALED_WITHIN,
        "a refused connection fails at once, not after the timeout: {took:?}"
    );
    assert_eq!(
        pool.live_connections().await,
        0,
        "the broken connection was evicted"
    );

    let _back = common::start_everything_http_on(port);
    assert_healed(&pool, &target, "echo", args, json!({"text": "Echo: x"})).await;
}

/// Counts the `sleep` calls the (restarted) Python server began.
async fn started_sleeps(pool: &McpClientPool, target: &McpTarget) -> Value {
    pool.call_tool(
        &ar_mcp::Owner::local(),
        target,
        "started_sleeps",
        json!({}),
        &options(),
    )
    .await
    .expect("started_sleeps")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_the_server_may_have_run_is_not_sent_again() {
    common::init_tracing();
    for (stateless, protocol) in [
        (false, ProtocolPreference::SessionOnly),
        (true, ProtocolPreference::Auto),
    ] {
        let server = common::start_python_http_on(common::free_port(), stateless);
        let port = server.port;
        let pool = common::loopback_pool(protocol, Duration::from_secs(300));
        let target = McpTarget::http(&server.url);
        assert_eq!(started_sleeps(&pool, &target).await, json!({"result": 0}));

        // The server dies while `sleep` runs on it, and is back before the call ends.
        let call_pool = Arc::clone(&pool);
        let call_target = target.clone();
        let call = tokio::spawn(async move {
            timed_call(&call_pool, &call_target, "sleep", json!({"seconds": 3})).await
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while started_sleeps(&pool, &target).await != json!({"result": 1}) {
            assert!(Instant::now() < deadline, "sleep never began");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server.stop();
        let _back = common::start_python_http_on(port, stateless);

        let (outcome, took) = call.await.expect("call task");
        let error = outcome.expect_err("the connection broke mid-call");
        assert!(
            matches!(error, McpError::Transport { .. }),
            "stateless={stateless}: {error:?}"
        );
        assert!(took < HEALED_WITHIN, "stateless={stateless}: took {took:?}");
        assert_eq!(
            started_sleeps(&pool, &target).await,
            json!({"result": 0}),
            "stateless={stateless}: `sleep` is not idempotent, so it was not sent again"
        );
    }
}

/// A hand-written server whose connection breaks in the middle of the first answer to
/// each tool, so the server has run the call but the client cannot know. `lookup` is
/// marked idempotent, `transfer` is not; the server counts the calls it runs.
mod breaks_mid_answer {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::body::{Body, Bytes};
    use axum::extract::State;
    use axum::http::header;
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use serde_json::{Value, json};

    pub type Runs = Arc<Mutex<HashMap<String, usize>>>;

    async fn handle(State(runs): State<Runs>, body: String) -> Response {
        let message: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let Some(id) = message.get("id").cloned() else {
            return axum::http::StatusCode::ACCEPTED.into_response();
        };
        let result = match message["method"].as_str().unwrap_or_default() {
            "initialize" => json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "breaks-mid-answer", "version": "0"}
            }),
            "tools/list" => json!({"tools": [
                {"name": "lookup", "inputSchema": {"type": "object"},
                 "annotations": {"idempotentHint": true, "readOnlyHint": false}},
                {"name": "transfer", "inputSchema": {"type": "object"}}
            ]}),
            "tools/call" => {
                let tool = message["params"]["name"].as_str().unwrap_or_default();
                let run = {
                    let mut runs = runs.lock().expect("counter");
                    let count = runs.entry(tool.to_owned()).or_default();
                    *count += 1;
                    *count
                };
                let answer = json!({"jsonrpc": "2.0", "id": id, "result": {
                    "content": [{"type": "text", "text": format!("{tool} ran")}]
                }})
                .to_string();
                if run == 1 {
                    return cut_off(answer);
                }
                return json_response(answer);
            }
            _ => {
                return json_response(
                    json!({"jsonrpc": "2.0", "id": id,
                           "error": {"code": -32601, "message": "Method not found"}})
                    .to_string(),
                );
            }
        };
        json_response(json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string())
    }

    fn json_response(body: String) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    }

    /// Half the answer, then the connection drops.
    fn cut_off(full: String) -> Response {
        let half = full[..full.len() / 2].to_owned();
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from(half)),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the server went away",
            )),
        ];
        Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, full.len())
            .body(Body::from_stream(futures::stream::iter(chunks)))
            .expect("response")
    }

    /// Starts the server; returns its URL and its run counter.
    pub async fn serve() -> (String, Runs) {
        let runs = Runs::default();
        let app = Router::new()
            .route("/mcp", post(handle))
            .with_state(Arc::clone(&runs));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (format!("http://{addr}/mcp"), runs)
    }
}

#[tokio::test]
async fn a_call_broken_mid_answer_is_sent_again_only_when_the_tool_is_idempotent() {
    common::init_tracing();
    let (url, runs) = breaks_mid_answer::serve().await;
    let pool = common::loopback_pool(ProtocolPreference::SessionOnly, Duration::from_secs(300));
    let target = McpTarget::http(url);

    let (transfer, _) = timed_call(&pool, &target, "transfer", json!({})).await;
    let error = transfer.expect_err("the answer was cut off and `transfer` is not idempotent");
    assert_eq!(error.code(), "MCP_TRANSPORT_ERROR", "{error:?}");
    assert_eq!(
        runs.lock().expect("counter").get("transfer"),
        Some(&1),
        "`transfer` ran once and was not sent again"
    );

    let (lookup, took) = timed_call(&pool, &target, "lookup", json!({})).await;
    assert_eq!(lookup, Ok(json!({"text": "lookup ran"})));
    assert!(took < HEALED_WITHIN, "{took:?}");
    assert_eq!(
        runs.lock().expect("counter").get("lookup"),
        Some(&2),
        "`lookup` is idempotent: sent again on a new connection"
    );
}
