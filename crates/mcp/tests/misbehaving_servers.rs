//! Small hand-written HTTP servers that break the protocol in one way each:
//! malformed JSON-RPC, a hang, a huge result, a connection closed mid-response.
//! Each must fail the call clearly, within its timeout, without blocking other calls.

mod common;

use std::time::{Duration, Instant};

use ar_mcp::{CallOptions, McpError, McpTarget, ProtocolPreference};
use common::misbehaving::{HUGE_BYTES, Mode, serve};
use serde_json::{Value, json};

async fn call(mode: Mode, timeout: Duration) -> Result<Value, McpError> {
    let url = serve(mode).await;
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    pool.call_tool(
        &ar_mcp::Owner::local(),
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
                &ar_mcp::Owner::local(),
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
            &ar_mcp::Owner::local(),
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
    for mode in [
        Mode::HugeJson { bytes: HUGE_BYTES },
        Mode::HugeSse { bytes: HUGE_BYTES },
    ] {
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
            &ar_mcp::Owner::local(),
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
            &ar_mcp::Owner::local(),
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
            &ar_mcp::Owner::local(),
            &target,
            "t",
            json!({}),
            &CallOptions::with_timeout(Duration::from_secs(20)),
        )
        .await;
    assert_eq!(result, Ok(json!({"text": "fine"})));
    let client = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client");
    assert_eq!(client.protocol_version().as_deref(), Some("2025-03-26"));
}
