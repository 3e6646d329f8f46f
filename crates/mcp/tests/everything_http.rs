//! @modelcontextprotocol/server-everything (npm) in Streamable HTTP mode: a server
//! of the session-based protocol era (2025-11-25 and older).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_mcp::{CallOptions, McpError, McpTarget, ProtocolPreference};
use serde_json::json;

const CALL_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn echo_sum_and_structured_content_over_http_with_protocol_fallback() {
    common::init_tracing();
    let server = common::start_everything_http();
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = McpTarget::http(&server.url);
    let options = CallOptions::with_timeout(CALL_TIMEOUT);

    let echo = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "echo",
            json!({"message": "hello http"}),
            &options,
        )
        .await
        .expect("echo succeeds");
    assert_eq!(echo, json!({"text": "Echo: hello http"}));

    let sum = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "get-sum",
            json!({"a": 19, "b": 23}),
            &options,
        )
        .await
        .expect("get-sum succeeds");
    assert!(
        sum["text"].as_str().is_some_and(|t| t.contains("42")),
        "{sum}"
    );

    let structured = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "get-structured-content",
            json!({"location": "Chicago"}),
            &options,
        )
        .await
        .expect("structured call succeeds");
    assert!(structured["temperature"].is_number(), "{structured}");

    let client = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client");
    let version = client.protocol_version().expect("negotiated");
    assert!(
        version.starts_with("2025-"),
        "server-everything speaks the session era: {version}"
    );
    assert!(!client.is_stateless());
}

#[tokio::test]
async fn the_http_session_is_reused_across_calls() {
    let server = common::start_everything_http();
    let pool = common::loopback_pool(ProtocolPreference::SessionOnly, Duration::from_secs(60));
    let target = McpTarget::http(&server.url);
    let options = CallOptions::with_timeout(CALL_TIMEOUT);
    pool.call_tool(
        &ar_mcp::Owner::local(),
        &target,
        "echo",
        json!({"message": "1"}),
        &options,
    )
    .await
    .expect("call 1");
    let first = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client");
    pool.call_tool(
        &ar_mcp::Owner::local(),
        &target,
        "echo",
        json!({"message": "2"}),
        &options,
    )
    .await
    .expect("call 2");
    let second = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client");
    assert!(
        Arc::ptr_eq(&first, &second),
        "one session serves both calls"
    );
    assert_eq!(pool.live_connections().await, 1);
}

#[tokio::test]
async fn list_tools_over_http() {
    let server = common::start_everything_http();
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let tools = pool
        .list_tools(
            &ar_mcp::Owner::local(),
            &McpTarget::http(&server.url),
            CALL_TIMEOUT,
        )
        .await
        .expect("tools/list");
    for name in [
        "echo",
        "get-sum",
        "get-structured-content",
        "trigger-long-running-operation",
    ] {
        assert!(tools.iter().any(|t| t.name == name), "{name} missing");
    }
}

#[tokio::test]
async fn a_long_running_http_call_is_cancelled_mid_flight() {
    let server = common::start_everything_http();
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = McpTarget::http(&server.url);
    pool.client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("connect first, so the cancel lands mid-call");
    let options = CallOptions::with_timeout(Duration::from_secs(60));
    let cancel = options.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let outcome = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "trigger-long-running-operation",
            json!({"duration": 20, "steps": 20}),
            &options,
        )
        .await;
    assert_eq!(outcome, Err(McpError::Cancelled));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let after = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "echo",
            json!({"message": "next"}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect("the session still works");
    assert_eq!(after, json!({"text": "Echo: next"}));
}

#[tokio::test]
async fn an_unknown_tool_is_a_final_error() {
    let server = common::start_everything_http();
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let error = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &McpTarget::http(&server.url),
            "no-such-tool",
            json!({}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect_err("unknown tool fails");
    assert!(!error.is_transient(), "{error:?}");
    assert!(error.to_string().contains("no-such-tool"), "{error}");
}
