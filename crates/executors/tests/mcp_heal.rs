//! Runs of the engine with the real `mcp_call` executor against a tool server that
//! restarts or goes down (issue 19, "MCP connections heal"):
//! - a restart between two runs of a published workflow: the next run completes in its
//!   normal time (it used to fail by MCP_TIMEOUT after the step's full timeout);
//! - a run that failed while the server was down succeeds when retried once the server
//!   is back, and its completed upstream step is not run again.

mod common;

use std::time::{Duration, Instant};

use ar_engine::{Engine, RunStatus};
use ar_mcp::{CallOptions, McpClientPool, McpTarget, ProtocolPreference};
use common::{Setup, mcp, run, step};
use serde_json::{Value, json};

/// The step timeout: a connection left broken shows up as a run this slow.
const STEP_TIMEOUT_S: u64 = 30;

/// A run whose MCP connection has to be replaced still ends well within this.
const NORMAL_RUN: Duration = Duration::from_secs(10);

/// `first` runs on the Python fixture (`upstream`, which counts its `sleep` calls),
/// then `echo` on server-everything (`tool`), with no retries of its own.
fn steps(upstream: &str, tool: &str) -> Value {
    json!([
        {"id": "first", "type": "mcp_call", "server_url": upstream,
         "tool_name": "sleep", "tool_args": {"seconds": 0}, "timeout_s": STEP_TIMEOUT_S},
        {"id": "echo", "type": "mcp_call", "server_url": tool, "depends_on": ["first"],
         "tool_name": "echo", "tool_args": {"message": "{{ run.id }}"},
         "timeout_s": STEP_TIMEOUT_S, "retry_count": 0}
    ])
}

/// How many `sleep` calls the upstream server ran: how often `first` ran.
async fn upstream_runs(probe: &McpClientPool, upstream: &str) -> Value {
    probe
        .call_tool(
            &ar_mcp::Owner::local(),
            &McpTarget::http(upstream),
            "started_sleeps",
            json!({}),
            &CallOptions::with_timeout(Duration::from_secs(30)),
        )
        .await
        .expect("started_sleeps")
}

async fn timed_run(engine: &Engine, steps: Value) -> (ar_engine::RunRecord, Value, Duration) {
    let started = Instant::now();
    let (done, context) = run(engine, steps).await;
    (done, context, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_heal_after_the_tool_server_restarts_or_comes_back() {
    mcp::init_tracing();
    let upstream = mcp::start_python_http(true);
    let tool = mcp::start_everything_http();
    let port = tool.port;
    let tool_url = tool.url.clone();
    let probe = mcp::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let engine = common::engine(Setup::default()).await;
    let steps = steps(&upstream.url, &tool_url);

    let (first_run, context, _) = timed_run(&engine, steps.clone()).await;
    assert_eq!(first_run.status, RunStatus::Completed, "{context}");

    // The tool server restarts between two runs: the next run completes as usual.
    tool.stop();
    let restarted = mcp::start_everything_http_on(port);
    let (second_run, context, took) = timed_run(&engine, steps.clone()).await;
    assert_eq!(second_run.status, RunStatus::Completed, "{context}");
    assert_eq!(
        step(&context, "echo")["result"],
        json!({"text": format!("Echo: {}", second_run.id)})
    );
    assert!(
        took < NORMAL_RUN,
        "the run after the restart took {took:?}: its step waited on the dead session"
    );

    // The tool server is down: the run fails at `echo`, quickly and transiently.
    restarted.stop();
    let (failed, context, took) = timed_run(&engine, steps).await;
    assert_eq!(failed.status, RunStatus::Failed, "{context}");
    let echo = step(&context, "echo");
    assert_eq!(echo["failure_code"], "MCP_TRANSPORT_ERROR", "{echo}");
    assert!(
        took < NORMAL_RUN,
        "a refused connection fails at once: {took:?}"
    );
    assert_eq!(step(&context, "first")["status"], "completed", "{context}");
    assert_eq!(
        upstream_runs(&probe, &upstream.url).await,
        json!({"result": 3})
    );

    // Back on its port: retrying the failed run completes it; `first` is not run again.
    let _back = mcp::start_everything_http_on(port);
    let started = Instant::now();
    engine
        .retry_run(&failed.id, None)
        .await
        .expect("a failed run can be retried");
    let retried = engine
        .wait_for_run(&failed.id, common::WAIT)
        .await
        .expect("the retried run ends");
    let context = engine.run_context(&failed.id).await.expect("context");
    assert_eq!(retried.status, RunStatus::Completed, "{context}");
    assert!(
        started.elapsed() < NORMAL_RUN,
        "the retry took {:?}",
        started.elapsed()
    );
    assert_eq!(
        step(&context, "echo")["result"],
        json!({"text": format!("Echo: {}", failed.id)})
    );
    assert_eq!(
        upstream_runs(&probe, &upstream.url).await,
        json!({"result": 3}),
        "the completed upstream step was not run again"
    );
    engine.shutdown().await;
}
