//! The fixture server written with the Python `mcp` SDK 2.x
//! (tests/fixtures/fixture_server.py): the stateless 2026-07-28 protocol, the
//! session era, stdio, credentials and idempotency keys arriving, result mapping.

mod common;

use std::time::{Duration, Instant};

use ar_mcp::{CallOptions, McpError, McpTarget, ProtocolPreference};
use serde_json::{Value, json};

const CALL_TIMEOUT: Duration = Duration::from_secs(30);

fn keyed(key: &str) -> CallOptions {
    CallOptions {
        idempotency_key: Some(key.to_owned()),
        ..CallOptions::with_timeout(CALL_TIMEOUT)
    }
}

#[tokio::test]
async fn auto_negotiates_the_stateless_revision_and_headers_and_keys_arrive() {
    common::init_tracing();
    let server = common::start_python_http(true);
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = McpTarget::http(&server.url).with_credential("x-fixture-token", "tok-http-123");
    let seen = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "whoami",
            json!({}),
            &keyed("run-7/step-a/1"),
        )
        .await
        .expect("whoami succeeds");
    assert_eq!(seen["header"], "tok-http-123");
    assert_eq!(seen["idempotency_key"], "run-7/step-a/1");
    assert_eq!(seen["protocol_version"], "2026-07-28");
    let client = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client");
    assert_eq!(client.protocol_version().as_deref(), Some("2026-07-28"));
    assert!(client.is_stateless());
}

#[tokio::test]
async fn the_session_era_is_spoken_when_asked_and_headers_still_arrive() {
    let server = common::start_python_http(false);
    let pool = common::loopback_pool(ProtocolPreference::SessionOnly, Duration::from_secs(60));
    let target = McpTarget::http(&server.url).with_credential("x-fixture-token", "tok-session");
    let seen = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "whoami",
            json!({}),
            &keyed("k-session"),
        )
        .await
        .expect("whoami succeeds");
    assert_eq!(seen["header"], "tok-session");
    assert_eq!(seen["idempotency_key"], "k-session");
    let version = seen["protocol_version"]
        .as_str()
        .expect("a version")
        .to_owned();
    assert!(version.starts_with("2025-"), "{version}");
}

#[tokio::test]
async fn stateless_only_works_against_a_stateless_server() {
    let server = common::start_python_http(true);
    let pool = common::loopback_pool(ProtocolPreference::StatelessOnly, Duration::from_secs(60));
    let sum = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &McpTarget::http(&server.url),
            "add",
            json!({"a": 2, "b": 3}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect("add succeeds");
    assert_eq!(sum, json!({"result": 5}));
}

#[tokio::test]
async fn credentials_arrive_as_environment_over_stdio() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = common::python_stdio().with_credential("FIXTURE_TOKEN", "tok-env-456");
    let seen = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "whoami",
            json!({}),
            &keyed("k-stdio"),
        )
        .await
        .expect("whoami succeeds");
    assert_eq!(seen["env"], "tok-env-456");
    assert_eq!(seen["idempotency_key"], "k-stdio");
    assert_eq!(seen["header"], Value::Null);
}

#[tokio::test]
async fn is_error_fails_with_the_tools_own_message() {
    let server = common::start_python_http(true);
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let error = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &McpTarget::http(&server.url),
            "fail",
            json!({"message": "the widget is broken"}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect_err("fail fails");
    assert_eq!(error.code(), "MCP_TOOL_FAILED");
    assert!(!error.is_transient());
    match error {
        McpError::ToolFailed { message } => {
            assert!(message.contains("the widget is broken"), "{message}")
        }
        other => panic!("expected ToolFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn text_results_are_mapped_per_the_contract() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = common::python_stdio();
    let options = CallOptions::with_timeout(CALL_TIMEOUT);
    let cases = [
        ("plain_text", json!({"text": "hello, not json"})),
        ("json_text", json!({"answer": 42, "items": [1, 2]})),
        ("two_texts", json!({"text": "first\nsecond"})),
    ];
    for (tool, expected) in cases {
        let result = pool
            .call_tool(&ar_mcp::Owner::local(), &target, tool, json!({}), &options)
            .await
            .expect(tool);
        assert_eq!(result, expected, "{tool}");
    }
}

#[tokio::test]
async fn a_stateless_call_is_cancelled_mid_flight() {
    let server = common::start_python_http(true);
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = McpTarget::http(&server.url);
    pool.client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("connect first, so the cancel lands mid-call");
    let options = CallOptions::with_timeout(Duration::from_secs(60));
    let cancel = options.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let outcome = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "sleep",
            json!({"seconds": 30}),
            &options,
        )
        .await;
    assert_eq!(outcome, Err(McpError::Cancelled));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let sum = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "add",
            json!({"a": 1, "b": 1}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect("still usable");
    assert_eq!(sum, json!({"result": 2}));
    // The server stops the tool: over stateless HTTP the abandoned request's
    // stream is closed and `notifications/cancelled` is posted.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let count = pool
            .call_tool(
                &ar_mcp::Owner::local(),
                &target,
                "cancelled_sleeps",
                json!({}),
                &CallOptions::with_timeout(CALL_TIMEOUT),
            )
            .await
            .expect("cancelled_sleeps");
        if count == json!({"result": 1}) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server never saw the cancellation: {count}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn list_tools_reports_input_and_output_schemas() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let tools = pool
        .list_tools(
            &ar_mcp::Owner::local(),
            &common::python_stdio(),
            CALL_TIMEOUT,
        )
        .await
        .expect("tools/list");
    let add = tools.iter().find(|t| t.name == "add").expect("add listed");
    assert_eq!(add.input_schema["required"], json!(["a", "b"]));
    assert!(
        add.output_schema.is_some(),
        "add declares a structured output"
    );
    let plain = tools
        .iter()
        .find(|t| t.name == "plain_text")
        .expect("plain_text listed");
    assert!(plain.output_schema.is_none());
}

#[tokio::test]
async fn cancelling_tells_the_server_over_stdio() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = common::python_stdio();
    // Connect first, so the cancellation lands while `sleep` runs on the server.
    let before = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "cancelled_sleeps",
            json!({}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect("cancelled_sleeps");
    assert_eq!(before, json!({"result": 0}));
    let options = CallOptions::with_timeout(Duration::from_secs(60));
    let cancel = options.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        cancel.cancel();
    });
    let outcome = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "sleep",
            json!({"seconds": 30}),
            &options,
        )
        .await;
    assert_eq!(outcome, Err(McpError::Cancelled));
    // The notification is sent as the call is abandoned; give the server a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let count = pool
            .call_tool(
                &ar_mcp::Owner::local(),
                &target,
                "cancelled_sleeps",
                json!({}),
                &CallOptions::with_timeout(CALL_TIMEOUT),
            )
            .await
            .expect("cancelled_sleeps");
        if count == json!({"result": 1}) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server never saw the cancellation: {count}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_huge_result_over_stdio_is_refused() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let error = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &common::python_stdio(),
            "big_text",
            json!({"size": 11 * 1024 * 1024}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect_err("too large");
    assert_eq!(
        error,
        McpError::ResponseTooLarge {
            limit_bytes: ar_mcp::DEFAULT_MAX_RESPONSE_BYTES
        }
    );
}
