//! @modelcontextprotocol/server-everything (npm) run as a child process over stdio.

mod common;

use std::time::{Duration, Instant};

use ar_mcp::{CallOptions, McpError, ProtocolPreference};
use serde_json::json;

const CALL_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn echo_returns_the_echoed_text_wrapped_as_text() {
    common::init_tracing();
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let result = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &common::everything_stdio(),
            "echo",
            json!({"message": "hello stdio"}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect("echo succeeds");
    assert_eq!(result, json!({"text": "Echo: hello stdio"}));
}

#[tokio::test]
async fn get_sum_text_result_is_mapped() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let result = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &common::everything_stdio(),
            "get-sum",
            json!({"a": 2, "b": 40}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect("get-sum succeeds");
    let text = result["text"].as_str().expect("text result").to_owned();
    assert!(text.contains("42"), "{text}");
}

#[tokio::test]
async fn structured_content_is_the_result() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let result = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &common::everything_stdio(),
            "get-structured-content",
            json!({"location": "New York"}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect("structured call succeeds");
    assert!(result["temperature"].is_number(), "{result}");
    assert!(result["conditions"].is_string(), "{result}");
    assert!(result["humidity"].is_number(), "{result}");
}

#[tokio::test]
async fn list_tools_reports_schemas() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let tools = pool
        .list_tools(
            &ar_mcp::Owner::local(),
            &common::everything_stdio(),
            CALL_TIMEOUT,
        )
        .await
        .expect("tools/list succeeds");
    let sum = tools
        .iter()
        .find(|t| t.name == "get-sum")
        .expect("get-sum listed");
    assert_eq!(sum.input_schema["type"], "object");
    assert!(
        sum.input_schema["properties"]["a"].is_object(),
        "{}",
        sum.input_schema
    );
    let structured = tools
        .iter()
        .find(|t| t.name == "get-structured-content")
        .expect("get-structured-content listed");
    let output = structured
        .output_schema
        .as_ref()
        .expect("declares an output schema");
    assert!(output["properties"]["temperature"].is_object(), "{output}");
    assert!(
        tools
            .iter()
            .any(|t| t.name == "echo" && t.description.is_some())
    );
}

#[tokio::test]
async fn the_child_process_is_reused_and_restarted_after_being_killed() {
    common::init_tracing();
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = common::everything_stdio();
    let options = CallOptions::with_timeout(CALL_TIMEOUT);
    let echo = json!({"message": "x"});

    pool.call_tool(
        &ar_mcp::Owner::local(),
        &target,
        "echo",
        echo.clone(),
        &options,
    )
    .await
    .expect("first call");
    let first_pid = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client")
        .pid()
        .expect("a pid");
    pool.call_tool(
        &ar_mcp::Owner::local(),
        &target,
        "echo",
        echo.clone(),
        &options,
    )
    .await
    .expect("second call");
    let same_pid = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client")
        .pid()
        .expect("a pid");
    assert_eq!(first_pid, same_pid, "the second call reused the process");

    let killed = std::process::Command::new("kill")
        .args(["-9", &first_pid.to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    // Give the transport a moment to see the pipe close.
    let deadline = Instant::now() + Duration::from_secs(10);
    let client = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client");
    while !client.is_closed() && client.pid() == Some(first_pid) {
        assert!(
            Instant::now() < deadline,
            "the dead process was never noticed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let result = pool
        .call_tool(&ar_mcp::Owner::local(), &target, "echo", echo, &options)
        .await
        .expect("call after kill");
    assert_eq!(result, json!({"text": "Echo: x"}));
    let new_pid = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client")
        .pid()
        .expect("a pid");
    assert_ne!(new_pid, first_pid, "a new process was started");
}

#[tokio::test]
async fn a_long_running_call_is_cancelled_mid_flight_and_the_process_stays_usable() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = common::everything_stdio();
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
            json!({"message": "still here"}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect("the connection still works");
    assert_eq!(after, json!({"text": "Echo: still here"}));
}

#[tokio::test]
async fn a_hung_call_is_stopped_by_the_timeout() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let started = Instant::now();
    let outcome = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &common::everything_stdio(),
            "trigger-long-running-operation",
            json!({"duration": 30, "steps": 30}),
            &CallOptions::with_timeout(Duration::from_secs(3)),
        )
        .await;
    assert_eq!(
        outcome,
        Err(McpError::Timeout {
            after: Duration::from_secs(3)
        })
    );
    assert!(outcome.expect_err("timed out").is_transient());
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn credentials_arrive_as_environment_and_platform_env_is_withheld() {
    // SAFETY: set before any thread of this test reads the environment; only this
    // test reads the variable, through the child it spawns.
    unsafe { std::env::set_var("AR_MCP_TEST_PLATFORM_SECRET", "platform-only") };
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let target = common::everything_stdio().with_credential("SERVICE_TOKEN", "tok-from-profile");
    let env = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "get-env",
            json!({}),
            &CallOptions::with_timeout(CALL_TIMEOUT),
        )
        .await
        .expect("get-env succeeds");
    assert_eq!(env["SERVICE_TOKEN"], "tok-from-profile");
    assert!(
        env.get("AR_MCP_TEST_PLATFORM_SECRET").is_none(),
        "platform env leaked: {env}"
    );
    assert!(env.get("PATH").is_some(), "PATH is inherited");
}

#[tokio::test]
async fn an_idle_process_is_stopped_and_restarted_on_the_next_call() {
    let pool = common::loopback_pool(ProtocolPreference::Auto, Duration::from_millis(500));
    let target = common::everything_stdio();
    let options = CallOptions::with_timeout(CALL_TIMEOUT);
    pool.call_tool(
        &ar_mcp::Owner::local(),
        &target,
        "echo",
        json!({"message": "a"}),
        &options,
    )
    .await
    .expect("first call");
    let first = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client");
    let first_pid = first.pid().expect("a pid");
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    while pool.live_connections().await > 0 {
        assert!(
            Instant::now() < deadline,
            "the idle process was never stopped"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.call_tool(
        &ar_mcp::Owner::local(),
        &target,
        "echo",
        json!({"message": "b"}),
        &options,
    )
    .await
    .expect("call after idle stop");
    let second_pid = pool
        .client(&ar_mcp::Owner::local(), &target)
        .await
        .expect("client")
        .pid()
        .expect("a pid");
    assert_ne!(first_pid, second_pid);
}
