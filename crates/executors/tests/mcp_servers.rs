//! `mcp_call` steps run by the engine against MCP servers nobody here wrote:
//! @modelcontextprotocol/server-everything (npm) over Streamable HTTP and over stdio,
//! and a server written with the Python `mcp` SDK 2.x (stateless 2026-07-28 protocol).
//! Results land in the run context as docs/contract.md §2 says; a stop cancels a call mid-flight.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_engine::{RunStatus, StepStatus, StopMode};
use ar_executors::UrlResolver;
use common::{Setup, mcp, mcp_step, run, start, step};
use serde_json::json;

fn stdio_catalog() -> UrlResolver {
    UrlResolver::new()
        .with_catalog_server("stdio:everything", mcp::everything_stdio())
        .with_catalog_server("stdio:python", mcp::python_stdio())
}

#[tokio::test]
async fn server_everything_over_http_echo_sum_and_structured_output() {
    let server = mcp::start_everything_http();
    let engine = common::engine(Setup::default()).await;
    let url = server.url.as_str();
    let (done, context) = run(
        &engine,
        json!([
            mcp_step(
                "echo",
                url,
                "echo",
                json!({"message": "hello {{ run.id }}"})
            ),
            mcp_step("sum", url, "get-sum", json!({"a": 19, "b": 23})),
            mcp_step(
                "weather",
                url,
                "get-structured-content",
                json!({"location": "Chicago"})
            ),
        ]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    assert_eq!(
        step(&context, "echo")["result"],
        json!({"text": format!("Echo: hello {}", done.id)}),
        "templates in tool_args are rendered before the call"
    );
    let sum = step(&context, "sum")["result"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(sum.contains("42"), "{context}");
    let weather = &step(&context, "weather")["result"];
    assert!(
        weather["temperature"].is_number(),
        "structured content is the result: {weather}"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn server_everything_over_stdio_from_the_operator_catalog() {
    let engine = common::engine(Setup {
        resolver: Arc::new(stdio_catalog()),
        ..Setup::default()
    })
    .await;
    let (done, context) = run(
        &engine,
        json!([
            mcp_step("echo", "stdio:everything", "echo", json!({"message": "over stdio"})),
            {
                "id": "sum", "type": "mcp_call", "server_url": "stdio:everything",
                "tool_name": "get-sum", "depends_on": ["echo"],
                "tool_args": {"a": 2, "b": 40}
            },
        ]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    assert_eq!(
        step(&context, "echo")["result"],
        json!({"text": "Echo: over stdio"})
    );
    let text = step(&context, "sum")["result"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("42"), "{context}");
    engine.shutdown().await;
}

#[tokio::test]
async fn python_sdk_server_over_stateless_http_and_stdio() {
    let server = mcp::start_python_http(true);
    let engine = common::engine(Setup {
        resolver: Arc::new(stdio_catalog()),
        ..Setup::default()
    })
    .await;
    let url = server.url.as_str();
    let (done, context) = run(
        &engine,
        json!([
            mcp_step("add", url, "add", json!({"a": 2, "b": 3})),
            mcp_step("json_text", url, "json_text", json!({})),
            mcp_step("plain", url, "plain_text", json!({})),
            mcp_step("who", url, "whoami", json!({})),
            mcp_step(
                "stdio_add",
                "stdio:python",
                "add",
                json!({"a": 20, "b": 22})
            ),
        ]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    assert_eq!(step(&context, "add")["result"], json!({"result": 5}));
    assert_eq!(
        step(&context, "json_text")["result"],
        json!({"answer": 42, "items": [1, 2]}),
        "JSON text content is parsed"
    );
    assert_eq!(
        step(&context, "plain")["result"],
        json!({"text": "hello, not json"})
    );
    assert_eq!(step(&context, "stdio_add")["result"], json!({"result": 42}));
    let who = &step(&context, "who")["result"];
    assert_eq!(who["protocol_version"], "2026-07-28", "{who}");
    assert_eq!(
        who["idempotency_key"],
        format!("{}:who", done.id),
        "the idempotency key is the step's, without the attempt"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_tool_error_fails_the_step_with_the_tools_message() {
    let server = mcp::start_python_http(true);
    let engine = common::engine(Setup::default()).await;
    let (done, context) = run(
        &engine,
        json!([{
            "id": "f", "type": "mcp_call", "server_url": server.url, "retry_count": 3,
            "tool_name": "fail", "tool_args": {"message": "the city is unknown"}
        }]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Failed);
    let failed = step(&context, "f");
    assert_eq!(failed["failure_code"], "MCP_TOOL_FAILED", "{failed}");
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(error.contains("the city is unknown"), "{error}");
    assert_eq!(
        failed["attempt"], 1,
        "a tool error is not retried: {failed}"
    );
    engine.shutdown().await;
}

/// docs/contract.md §2 `connection_resolution`: `inherit` and `workspace` call with the
/// instance's bindings and are recorded in the step's input; `principal`, which this server
/// cannot honour, fails the step before anything is sent (validation refuses it earlier).
#[tokio::test]
async fn connection_resolution_is_honoured_or_refused_before_the_call() {
    let server = mcp::start_python_http(true);
    let engine = common::engine(Setup::default()).await;
    let mut ok = common::mcp_step("ok", &server.url, "add", json!({"a": 1, "b": 2}));
    ok["connection_resolution"] = json!("workspace");
    let (done, context) = run(&engine, json!([ok])).await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    assert_eq!(step(&context, "ok")["result"], json!({"result": 3}));
    assert_eq!(
        step(&context, "ok")["input"]["connection_resolution"],
        json!("workspace")
    );

    let mut graph = common::graph(json!([common::mcp_step(
        "p",
        &server.url,
        "add",
        json!({"a": 1, "b": 2})
    )]));
    if let ar_model::graph::StepConfig::McpCall(c) = &mut graph.steps[0].config {
        c.connection_resolution = Some("principal".into());
    }
    let run = engine
        .start_run(ar_engine::StartRun::new(graph, json!({})))
        .await
        .expect("starts");
    let done = engine
        .wait_for_run(&run.id, std::time::Duration::from_secs(20))
        .await
        .expect("ends");
    let context = engine.run_context(&run.id).await.expect("context");
    assert_eq!(done.status, RunStatus::Failed, "{context}");
    let failed = step(&context, "p");
    assert_eq!(failed["failure_code"], "MCP_INVALID_REQUEST", "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|e| e.contains("connection_resolution: principal")),
        "{failed}"
    );
    engine.shutdown().await;
}

/// Stops a run while its only step is inside a long-running tool; returns how long
/// the stop took to end the run. With `python`, the Python fixture server at that
/// address is asked until its `sleep` has really begun (a child process starting on a
/// loaded machine can take longer than any fixed wait).
async fn stop_mid_call(
    engine: &ar_engine::Engine,
    steps: serde_json::Value,
    python: Option<&str>,
) -> Duration {
    let run = start(engine, steps).await;
    engine
        .wait_until(&run.id, common::WAIT, |r| r.status == RunStatus::Running)
        .await
        .expect("running");
    let store = engine.store().clone();
    let deadline = Instant::now() + common::WAIT;
    loop {
        let state = store.step_state(&run.id, "long").await.expect("read");
        if state.is_some_and(|s| s.status == Some(StepStatus::Running)) {
            break;
        }
        assert!(Instant::now() < deadline, "the step never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    match python {
        Some(server) => wait_until_a_sleep_began(engine, server).await,
        // Let the request reach the server.
        None => tokio::time::sleep(Duration::from_millis(1500)).await,
    }
    let stopping = Instant::now();
    engine
        .stop(&run.id, StopMode::Immediate, None)
        .await
        .expect("stop");
    let stopped = engine
        .wait_for_run(&run.id, common::WAIT)
        .await
        .expect("ends");
    assert_eq!(stopped.status, RunStatus::Stopped);
    stopping.elapsed()
}

/// Asks the Python fixture server at `server` (its `started_sleeps` tool) until a `sleep`
/// call has begun, for up to 10 s.
async fn wait_until_a_sleep_began(engine: &ar_engine::Engine, server: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, context) = run(
            engine,
            json!([mcp_step("began", server, "started_sleeps", json!({}))]),
        )
        .await;
        if step(&context, "began")["result"]["result"].as_i64() >= Some(1) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server never began the sleep: {context}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asks the Python fixture server at `server` (its `cancelled_sleeps` tool) until it has
/// counted the one cancelled `sleep`, for up to 10 s.
async fn assert_server_counted_one_cancellation(engine: &ar_engine::Engine, server: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, context) = run(
            engine,
            json!([mcp_step("count", server, "cancelled_sleeps", json!({}))]),
        )
        .await;
        if step(&context, "count")["result"] == json!({"result": 1}) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server never saw the cancellation: {context}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn stop_immediate_cancels_a_long_running_tool_on_the_server() {
    // The Python server over stateless HTTP streams its answers (SSE), so it notices a
    // closed request at once and cancels the tool's task.
    let server = mcp::start_python_http(true);
    let engine = common::engine(Setup::default()).await;
    let url = server.url.as_str();
    let took = stop_mid_call(
        &engine,
        json!([mcp_step("long", url, "sleep", json!({"seconds": 60}))]),
        Some(url),
    )
    .await;
    assert!(took < Duration::from_secs(3), "stopping took {took:?}");
    assert_server_counted_one_cancellation(&engine, url).await;
    engine.shutdown().await;
}

#[tokio::test]
async fn stop_immediate_during_server_everything_long_running_operation_over_http() {
    let server = mcp::start_everything_http();
    let engine = common::engine(Setup::default()).await;
    let started = Instant::now();
    let took = stop_mid_call(
        &engine,
        json!([mcp_step(
            "long",
            &server.url,
            "trigger-long-running-operation",
            json!({"duration": 60, "steps": 60})
        )]),
        None,
    )
    .await;
    assert!(took < Duration::from_secs(3), "stopping took {took:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the 60 s tool did not run out"
    );
    // The connection is still good for the next run.
    let (done, context) = run(
        &engine,
        json!([mcp_step(
            "echo",
            &server.url,
            "echo",
            json!({"message": "after"})
        )]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    engine.shutdown().await;
}

#[tokio::test]
async fn stop_immediate_cancels_a_long_running_tool_over_stdio() {
    // Over stdio the client sends `notifications/cancelled` on the child's stdin; the
    // Python SDK cancels the tool's task, which the server counts.
    let engine = common::engine(Setup {
        resolver: Arc::new(stdio_catalog()),
        ..Setup::default()
    })
    .await;
    let took = stop_mid_call(
        &engine,
        json!([mcp_step(
            "long",
            "stdio:python",
            "sleep",
            json!({"seconds": 60})
        )]),
        Some("stdio:python"),
    )
    .await;
    assert!(took < Duration::from_secs(3), "stopping took {took:?}");
    assert_server_counted_one_cancellation(&engine, "stdio:python").await;
    engine.shutdown().await;
}
