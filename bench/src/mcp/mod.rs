//! The `mcp` workload: what our MCP path adds to a tool call. The same
//! server-everything instance (Streamable HTTP on loopback) is called `calls` times in
//! a row with `echo`:
//!
//! - directly with the official Python `mcp` client (`bench/mcp_direct.py`), the baseline;
//! - directly with ar-mcp's pool (our client alone);
//! - through the engine: one run whose `for_each` (max 1 in parallel) runs one
//!   `mcp_call` step per item on SQLite — templates, the executor, the store commit of
//!   every item and its events included.
//!
//! Target (issue 5): our overhead per call (engine path minus the Python baseline) under
//! 1 ms. Needs `scripts/mcp-fixtures.sh` (node, the npm server and the Python venv).

pub(crate) mod servers;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ar_engine::{Engine, EngineConfig, Executors, RunStatus, StartRun};
use ar_executors::{McpCallExecutor, UrlResolver};
use ar_mcp::{CallOptions, ConnectOptions, HostAllowlist, McpClientPool, McpTarget, PoolConfig};
use ar_store::{SqliteConfig, SqliteStore};
use serde_json::json;

use crate::foundation::Report;
use crate::report::{Row, Verdict, render_table};

/// Options of `ar-bench mcp`.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Sequential `echo` calls per measurement.
    #[arg(long, default_value_t = 1_000)]
    calls: usize,
}

const TARGET_OVERHEAD_MS: f64 = 1.0;

pub fn run(options: &Options) -> anyhow::Result<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run with --release for meaningful figures");
    }
    let calls = options.calls.max(10);
    let server = servers::start_everything_http()?;
    let python_ms = servers::python_direct_per_call_ms(&server.url, calls)?;
    let runtime = tokio::runtime::Runtime::new().context("tokio runtime")?;
    let (client_ms, engine_ms) = runtime.block_on(async {
        let pool = loopback_pool();
        let client_ms = client_per_call_ms(&pool, &server.url, calls).await?;
        let engine_ms = engine_per_call_ms(pool, &server.url, calls).await?;
        anyhow::Ok((client_ms, engine_ms))
    })?;
    let overhead = engine_ms - python_ms;
    let workload = format!("echo x{calls}");
    let rows = vec![
        Row::info(
            &workload,
            "Python mcp client, per call",
            format!("{python_ms:.3} ms"),
        ),
        Row::info(
            &workload,
            "ar-mcp client, per call",
            format!("{client_ms:.3} ms"),
        ),
        Row::info(
            &workload,
            "engine + mcp_call, per call",
            format!("{engine_ms:.3} ms"),
        ),
        Row::checked(
            &workload,
            "overhead vs Python, per call",
            format!("{overhead:+.3} ms"),
            format!("< {TARGET_OVERHEAD_MS} ms"),
            overhead < TARGET_OVERHEAD_MS,
        ),
        Row::info(
            &workload,
            "ratio engine / Python",
            format!("{:.2}", engine_ms / python_ms),
        ),
    ];
    let all_targets_met = rows.iter().all(|r| r.verdict != Verdict::Missed);
    Ok(Report {
        text: render_table(&rows),
        all_targets_met,
    })
}

fn loopback_pool() -> Arc<McpClientPool> {
    McpClientPool::new(PoolConfig {
        connect: ConnectOptions {
            allowlist: Arc::new(HostAllowlist::parse("127.0.0.1").unwrap_or_default()),
            ..ConnectOptions::default()
        },
        idle_timeout: Duration::from_secs(600),
        ..PoolConfig::default()
    })
}

/// ar-mcp alone: `calls` sequential calls on a warm connection.
async fn client_per_call_ms(pool: &McpClientPool, url: &str, calls: usize) -> anyhow::Result<f64> {
    let target = McpTarget::http(url);
    let options = CallOptions::with_timeout(Duration::from_secs(30));
    pool.call_tool(
        &ar_mcp::Owner::local(),
        &target,
        "echo",
        json!({"message": "warm-up"}),
        &options,
    )
    .await
    .context("warm-up echo")?;
    let started = Instant::now();
    for i in 0..calls {
        pool.call_tool(
            &ar_mcp::Owner::local(),
            &target,
            "echo",
            json!({"message": i.to_string()}),
            &options,
        )
        .await
        .with_context(|| format!("echo {i}"))?;
    }
    Ok(started.elapsed().as_secs_f64() * 1000.0 / calls as f64)
}

/// The engine path: one run, a sequential `for_each` of `calls` `mcp_call` items.
async fn engine_per_call_ms(
    pool: Arc<McpClientPool>,
    url: &str,
    calls: usize,
) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir().context("temporary directory for SQLite")?;
    let store = SqliteStore::open(SqliteConfig::file(dir.path().join("bench.db")))
        .await
        .context("opening SQLite")?;
    let config = EngineConfig::default();
    let mut executors = Executors::with_builtin(config.lua_limits.clone());
    executors.register(
        "mcp_call",
        Arc::new(McpCallExecutor::new(pool, Arc::new(UrlResolver::new()))),
    );
    let engine = Engine::start(Arc::new(store), config, executors).await?;
    let graph = ar_model::import::parse_graph_value(
        &json!({"steps": [{
            "id": "calls", "type": "for_each", "for_each_items": "{{ input.items }}",
            "for_each_max_parallel": 1,
            "for_each_body_steps": [{
                "id": "echo", "type": "mcp_call", "server_url": url,
                "tool_name": "echo", "tool_args": {"message": "{{ item }}"}
            }]
        }]}),
        &Default::default(),
    )
    .map_err(|e| anyhow::anyhow!("benchmark graph: {e}"))?
    .graph;
    // Strings, as the direct clients send: server-everything's `echo` takes a string, and a
    // whole-value `{{ item }}` keeps the item's JSON type.
    let items: Vec<String> = (0..calls).map(|i| i.to_string()).collect();
    let started = Instant::now();
    let run = engine
        .start_run(StartRun::new(graph, json!({ "items": items })))
        .await?;
    let done = engine
        .wait_for_run(&run.id, Duration::from_secs(600))
        .await?;
    let elapsed = started.elapsed();
    engine.shutdown().await;
    anyhow::ensure!(
        done.status == RunStatus::Completed,
        "the benchmark run ended {:?}: {:?}",
        done.status,
        done.error
    );
    Ok(elapsed.as_secs_f64() * 1000.0 / calls as f64)
}
