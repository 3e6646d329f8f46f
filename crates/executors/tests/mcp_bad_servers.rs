//! Misbehaving MCP servers and SSRF attempts: each fails its step clearly — the
//! right code, a message that says what happened — and never holds up other runs,
//! which are started alongside and must finish while the bad one is still going.

mod common;

use std::time::{Duration, Instant};

use ar_engine::{Engine, RunStatus};
use common::mcp::misbehaving::{Mode, serve};
use common::{Setup, mcp_step, run, start, step};
use serde_json::{Value, json};

/// The bad step's run and a healthy run, started together. Returns the bad step's
/// context entry once its run ended, after checking the healthy run finished first.
async fn bad_beside_healthy(engine: &Engine, bad: Value, healthy: Value) -> Value {
    let bad_run = start(engine, json!([bad])).await;
    let started = Instant::now();
    let (healthy_done, healthy_context) = run(engine, json!([healthy])).await;
    let healthy_took = started.elapsed();
    assert_eq!(
        healthy_done.status,
        RunStatus::Completed,
        "{healthy_context}"
    );
    let bad_done = engine
        .wait_for_run(&bad_run.id, common::WAIT)
        .await
        .expect("bad run ends");
    assert_eq!(bad_done.status, RunStatus::Failed);
    assert!(
        healthy_took < Duration::from_secs(5),
        "the healthy run took {healthy_took:?} beside the bad one"
    );
    let context = engine.run_context(&bad_done.id).await.expect("context");
    step(&context, "bad").clone()
}

async fn healthy_server_step() -> Value {
    mcp_step("ok", &serve(Mode::Healthy).await, "anything", json!({}))
}

#[tokio::test]
async fn malformed_json_rpc_fails_as_a_protocol_error() {
    let engine = common::engine(Setup::default()).await;
    for mode in [Mode::MalformedJson, Mode::NotJsonRpc] {
        let bad = mcp_step("bad", &serve(mode).await, "anything", json!({}));
        let failed = bad_beside_healthy(&engine, bad, healthy_server_step().await).await;
        assert_eq!(
            failed["failure_code"], "MCP_PROTOCOL_ERROR",
            "{mode:?}: {failed}"
        );
        let error = failed["error"].as_str().unwrap_or_default();
        assert!(error.contains("invalid response"), "{mode:?}: {error}");
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn a_hanging_server_is_cut_off_by_the_step_timeout() {
    let engine = common::engine(Setup::default()).await;
    let mut bad = mcp_step("bad", &serve(Mode::Hang).await, "anything", json!({}));
    bad["timeout_s"] = json!(2);
    let started = Instant::now();
    let failed = bad_beside_healthy(&engine, bad, healthy_server_step().await).await;
    // The executor's and the engine's timer are the same; whichever fires first
    // names the failure.
    let code = failed["failure_code"].as_str().unwrap_or_default();
    assert!(matches!(code, "MCP_TIMEOUT" | "STEP_TIMEOUT"), "{failed}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_50_mb_result_is_refused_with_the_limit_in_the_message() {
    let engine = common::engine(Setup::default()).await;
    let huge = serve(Mode::HugeJson {
        bytes: 50 * 1024 * 1024,
    })
    .await;
    let bad = mcp_step("bad", &huge, "anything", json!({}));
    let failed = bad_beside_healthy(&engine, bad, healthy_server_step().await).await;
    assert_eq!(failed["failure_code"], "MCP_RESPONSE_TOO_LARGE", "{failed}");
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(error.contains("10485760 bytes"), "{error}");
    assert!(
        failed.get("result").is_none_or(Value::is_null),
        "no partial result kept"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_connection_closed_mid_response_is_a_transient_failure_that_is_retried() {
    let engine = common::engine(Setup::default()).await;
    for mode in [Mode::CloseMidBody, Mode::CloseMidSse] {
        let mut bad = mcp_step("bad", &serve(mode).await, "anything", json!({}));
        bad["retry_count"] = json!(1);
        let failed = bad_beside_healthy(&engine, bad, healthy_server_step().await).await;
        assert_eq!(
            failed["failure_code"], "MCP_TRANSPORT_ERROR",
            "{mode:?}: {failed}"
        );
        assert_eq!(failed["attempt"], 2, "transient, so retried once: {failed}");
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn ssrf_targets_are_refused_without_the_operator_allowlist() {
    // No allowlist: loopback, link-local (cloud metadata) and private names are refused.
    let engine = common::engine(Setup {
        allowed_hosts: "",
        ..Setup::default()
    })
    .await;
    let listening = serve(Mode::Healthy).await;
    let port = listening
        .rsplit(':')
        .next()
        .and_then(|p| p.strip_suffix("/mcp"))
        .unwrap_or("80");
    let cases = [
        (listening.clone(), "127.0.0.1", "loopback"),
        (
            "http://169.254.169.254/mcp".to_owned(),
            "169.254.169.254",
            "link-local",
        ),
        (
            format!("http://localhost:{port}/mcp"),
            "localhost",
            "loopback",
        ),
    ];
    let healthy = json!({"id": "ok", "type": "lua_script", "script": "return {fine = true}"});
    for (url, host, reason) in cases {
        let bad = mcp_step("bad", &url, "anything", json!({}));
        let failed = bad_beside_healthy(&engine, bad, healthy.clone()).await;
        assert_eq!(failed["failure_code"], "MCP_URL_REFUSED", "{url}: {failed}");
        let error = failed["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(host)
                && error.contains(reason)
                && error.contains("AR_MCP_ALLOWED_HOSTS"),
            "{url}: {error}"
        );
    }
    engine.shutdown().await;
}
