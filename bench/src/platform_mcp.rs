//! `ar-bench platform-mcp`: what the platform's MCP endpoint (`/mcp`, docs/contract.md
//! §12) adds over the REST route a tool is. One in-process server on SQLite, one finished
//! run; then, one call after another on warm connections:
//!
//! - REST: `GET /v1/workflows/{id}/runs/{run_id}/summary` with the PAT (reqwest);
//! - MCP: `tools/call runs_get_summary` for the same run with the same PAT, through
//!   ar-mcp's client (rmcp on the same reqwest), once per protocol era: the stateless
//!   2026-07-28 revision and the session-based one.
//!
//! p50/p99 of each, and the overhead (MCP p50 minus REST p50). Target: under 1 ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ar_mcp::{
    CallOptions, ConnectOptions, HostAllowlist, McpClientPool, McpTarget, Owner, PoolConfig,
    ProtocolPreference,
};
use serde_json::{Value, json};

use crate::foundation::Report;
use crate::load::server::{Backend, LoadServer};
use crate::measure::{Samples, format_duration};
use crate::report::{Row, render_table};

const TARGET_OVERHEAD: Duration = Duration::from_millis(1);
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Options of `ar-bench platform-mcp`.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Timed calls per path.
    #[arg(long, default_value_t = 2_000)]
    calls: usize,
    /// Untimed calls per path first (connections, caches, the allocator warm up).
    #[arg(long, default_value_t = 200)]
    warmup: usize,
}

pub fn run(options: &Options) -> anyhow::Result<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run with --release for meaningful figures");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(measure(options.calls.max(10), options.warmup))
}

async fn measure(calls: usize, warmup: usize) -> anyhow::Result<Report> {
    let server = LoadServer::start(Backend::Sqlite).await?;
    let run_id = finished_run(&server).await.context("a finished run")?;
    let rest = rest_samples(&server, &run_id, warmup, calls).await?;
    let stateless = mcp_samples(
        &server,
        &run_id,
        ProtocolPreference::StatelessOnly,
        warmup,
        calls,
    )
    .await
    .context("MCP, 2026-07-28")?;
    let session = mcp_samples(
        &server,
        &run_id,
        ProtocolPreference::SessionOnly,
        warmup,
        calls,
    )
    .await
    .context("MCP, session era")?;
    server.stop().await?;

    let workload = format!("runs_get_summary x{calls}");
    let mut rows = vec![
        Row::info(&workload, "REST p50", format_duration(rest.p50())),
        Row::info(&workload, "REST p99", format_duration(rest.p99())),
    ];
    let mut all_met = true;
    for (era, samples) in [("MCP 2026-07-28", &stateless), ("MCP session", &session)] {
        let overhead = samples.p50().saturating_sub(rest.p50());
        let met = overhead < TARGET_OVERHEAD;
        all_met &= met;
        rows.extend([
            Row::info(
                &workload,
                format!("{era} p50"),
                format_duration(samples.p50()),
            ),
            Row::info(
                &workload,
                format!("{era} p99"),
                format_duration(samples.p99()),
            ),
            Row::checked(
                &workload,
                format!("{era} overhead p50"),
                format_duration(overhead),
                "< 1 ms",
                met,
            ),
            Row::info(
                &workload,
                format!("{era} overhead p99"),
                format_duration(samples.p99().saturating_sub(rest.p99())),
            ),
        ]);
    }
    let mut text = render_table(&rows);
    text.push_str(&format!(
        "\nOne call at a time on a warm connection, {warmup} untimed calls first; server and \
         client share this process and machine (SQLite, rate limits lifted).\n"
    ));
    Ok(Report {
        text,
        all_targets_met: all_met,
    })
}

/// Starts one run of the benchmark workflow and waits for it to finish: its summary no
/// longer changes, so every call reads the same answer.
async fn finished_run(server: &LoadServer) -> anyhow::Result<String> {
    let http = reqwest::Client::new();
    let started: Value = http
        .post(server.command_url())
        .bearer_auth(&server.pat)
        .json(&json!({"command": "start", "params": {}}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let run_id = started["run_id"]
        .as_str()
        .context("run_id in the start answer")?
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let summary: Value = http
            .get(summary_url(server, &run_id))
            .bearer_auth(&server.pat)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if summary["run_complete"] == true {
            return Ok(run_id);
        }
        if Instant::now() > deadline {
            bail!("the run did not finish: {summary}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn summary_url(server: &LoadServer, run_id: &str) -> String {
    format!(
        "{}/v1/workflows/{}/runs/{run_id}/summary",
        server.base, server.workflow_id
    )
}

async fn rest_samples(
    server: &LoadServer,
    run_id: &str,
    warmup: usize,
    calls: usize,
) -> anyhow::Result<Samples> {
    let http = reqwest::Client::new();
    let url = summary_url(server, run_id);
    let mut timed = Vec::with_capacity(calls);
    for i in 0..warmup + calls {
        let started = Instant::now();
        let body = http
            .get(&url)
            .bearer_auth(&server.pat)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let elapsed = started.elapsed();
        std::hint::black_box(body);
        if i >= warmup {
            timed.push(elapsed);
        }
    }
    Ok(Samples::from_durations(timed))
}

async fn mcp_samples(
    server: &LoadServer,
    run_id: &str,
    protocol: ProtocolPreference,
    warmup: usize,
    calls: usize,
) -> anyhow::Result<Samples> {
    let pool = loopback_pool(protocol);
    let target = McpTarget::http(format!("{}/mcp", server.base))
        .with_credential("Authorization", format!("Bearer {}", server.pat));
    let options = CallOptions::with_timeout(CALL_TIMEOUT);
    let arguments = json!({"workflow_id": server.workflow_id, "run_id": run_id});
    let owner = Owner::local();
    let mut timed = Vec::with_capacity(calls);
    for i in 0..warmup + calls {
        let started = Instant::now();
        let answer = pool
            .call_tool(
                &owner,
                &target,
                "runs_get_summary",
                arguments.clone(),
                &options,
            )
            .await
            .with_context(|| format!("call {i}"))?;
        let elapsed = started.elapsed();
        if i == 0 && answer["run_id"] != run_id {
            bail!("runs_get_summary answered another run: {answer}");
        }
        if i >= warmup {
            timed.push(elapsed);
        }
    }
    Ok(Samples::from_durations(timed))
}

fn loopback_pool(protocol: ProtocolPreference) -> Arc<McpClientPool> {
    McpClientPool::new(PoolConfig {
        connect: ConnectOptions {
            allowlist: Arc::new(HostAllowlist::parse("127.0.0.1").unwrap_or_default()),
            protocol,
            ..ConnectOptions::default()
        },
        idle_timeout: Duration::from_secs(600),
        ..PoolConfig::default()
    })
}
