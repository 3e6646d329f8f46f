//! The `agent` workload: what the engine adds to one tool round of an `agent_call` turn
//! (issue 15's target: under 2 ms per round on SQLite).
//!
//! The same work is done twice, against the same two servers — a scripted
//! OpenAI-compatible model server in this process (it asks for `echo` until the
//! conversation holds `--rounds` tool results, then answers) and server-everything
//! (Streamable HTTP on loopback, its `echo` tool):
//!
//! - **raw**: this program sends the model requests and the tool calls itself, in the
//!   order a turn makes them (request, tool call, request with the result, …);
//! - **engine**: one run of a one-step `agent_call` graph on SQLite with the executors a
//!   `serve` node registers (`ar_server::default_executors`: key lookup, metering, MCP
//!   resolution through the registry, the SSRF guard, the pool), the agent stored in the
//!   project. Every round is committed before the next model call, as in production.
//!
//! Overhead per round = (engine wall − raw wall) / rounds, both medians over `--turns`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ar_engine::{Engine, RunStatus, StartRun};
use ar_mcp::{CallOptions, ConnectOptions, HostAllowlist, McpClientPool, McpTarget, PoolConfig};
use ar_server::settings::Settings;
use ar_store::integrations::AgentRecord;
use ar_store::tenant::{ProjectRecord, UserRecord, WorkspaceRecord};
use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};

use crate::foundation::Report;
use crate::mcp::servers;
use crate::measure::format_duration;
use crate::report::{Row, Verdict, render_table};

/// Options of `ar-bench agent`.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Tool rounds per turn (an agent allows at most 50).
    #[arg(long, default_value_t = 40)]
    rounds: usize,
    /// Timed turns of each kind (after one untimed turn).
    #[arg(long, default_value_t = 10)]
    turns: usize,
}

const TARGET_OVERHEAD_MS: f64 = 2.0;
const MODEL: &str = "gpt-4o-mini";

pub fn run(options: &Options) -> anyhow::Result<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run with --release for meaningful figures");
    }
    let rounds = options.rounds.clamp(1, 49);
    let turns = options.turns.max(1);
    let tools = servers::start_everything_http()?;
    let runtime = tokio::runtime::Runtime::new().context("tokio runtime")?;
    let (raw, engine) = runtime.block_on(async {
        let model = start_model_server(rounds).await?;
        let raw = raw_turns(&model, &tools.url, rounds, turns).await?;
        let engine = engine_turns(&model, &tools.url, rounds, turns).await?;
        anyhow::Ok((raw, engine))
    })?;
    let raw_ms = median_ms(raw);
    let engine_ms = median_ms(engine);
    let overhead = (engine_ms - raw_ms) / rounds as f64;
    let workload = format!("agent_call, {rounds} rounds");
    let rows = vec![
        Row::info(
            &workload,
            format!("raw model + tool, turn (median of {turns})"),
            format_duration(Duration::from_secs_f64(raw_ms / 1000.0)),
        ),
        Row::info(
            &workload,
            format!("engine agent_call, turn (median of {turns})"),
            format_duration(Duration::from_secs_f64(engine_ms / 1000.0)),
        ),
        Row::info(
            &workload,
            "raw model + tool, per round",
            format!("{:.3} ms", raw_ms / rounds as f64),
        ),
        Row::checked(
            &workload,
            "engine overhead, per round",
            format!("{overhead:+.3} ms"),
            format!("< {TARGET_OVERHEAD_MS} ms"),
            overhead < TARGET_OVERHEAD_MS,
        ),
    ];
    let all_targets_met = rows.iter().all(|r| r.verdict != Verdict::Missed);
    Ok(Report {
        text: render_table(&rows),
        all_targets_met,
    })
}

fn median_ms(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

/// The scripted model: a tool call of `echo` while the request carries fewer than
/// `rounds` tool results, then a final answer — OpenAI Chat Completions, not streamed.
async fn start_model_server(rounds: usize) -> anyhow::Result<String> {
    let answer = move |Json(body): Json<Value>| async move {
        let results = body["messages"]
            .as_array()
            .map_or(0, |m| m.iter().filter(|m| m["role"] == "tool").count());
        let usage = json!({"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13});
        let message = if results < rounds {
            json!({"role": "assistant", "content": null, "tool_calls": [{
                "id": format!("call_{results}"), "type": "function",
                "function": {"name": "echo", "arguments": json!({"message": format!("round {results}")}).to_string()}
            }]})
        } else {
            json!({"role": "assistant", "content": "done"})
        };
        let finish = if results < rounds {
            "tool_calls"
        } else {
            "stop"
        };
        Json(json!({
            "id": "chatcmpl-bench", "object": "chat.completion", "created": 1_700_000_000,
            "model": MODEL,
            "choices": [{"index": 0, "finish_reason": finish, "message": message}],
            "usage": usage,
        }))
    };
    let app = axum::Router::new().route("/v1/chat/completions", post(answer));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let url = format!("http://{}/v1", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// The turn without the engine: the same requests and tool calls, made directly.
async fn raw_turns(
    model: &str,
    tools_url: &str,
    rounds: usize,
    turns: usize,
) -> anyhow::Result<Vec<Duration>> {
    let http = reqwest::Client::new();
    let pool = McpClientPool::new(PoolConfig {
        connect: ConnectOptions {
            allowlist: Arc::new(HostAllowlist::parse("127.0.0.1").unwrap_or_default()),
            ..ConnectOptions::default()
        },
        idle_timeout: Duration::from_secs(600),
        ..PoolConfig::default()
    });
    let target = McpTarget::http(tools_url);
    let options = CallOptions::with_timeout(Duration::from_secs(30));
    let tool_schema = json!([{"type": "function", "function": {
        "name": "echo", "description": "Echoes back the input",
        "parameters": {"type": "object", "properties": {"message": {"type": "string"}}}
    }}]);
    let mut samples = Vec::new();
    for turn in 0..=turns {
        let started = Instant::now();
        let mut messages = vec![json!({"role": "user", "content": "go"})];
        loop {
            let answer: Value = http
                .post(format!("{model}/chat/completions"))
                .bearer_auth("sk-bench")
                .json(&json!({"model": MODEL, "messages": messages, "tools": tool_schema}))
                .send()
                .await?
                .json()
                .await?;
            let message = answer["choices"][0]["message"].clone();
            let Some(call) = message["tool_calls"].get(0).cloned() else {
                break;
            };
            let args: Value =
                serde_json::from_str(call["function"]["arguments"].as_str().unwrap_or("{}"))?;
            let result = pool
                .call_tool(&ar_mcp::Owner::local(), &target, "echo", args, &options)
                .await
                .context("echo")?;
            messages.push(message);
            messages.push(
                json!({"role": "tool", "tool_call_id": call["id"], "content": result.to_string()}),
            );
        }
        anyhow::ensure!(
            messages.len() == 1 + 2 * rounds,
            "the raw turn made {} rounds",
            (messages.len() - 1) / 2
        );
        if turn > 0 {
            samples.push(started.elapsed());
        }
    }
    Ok(samples)
}

/// The turn through the engine: one run of an `agent_call` step per turn, with the
/// executors a `serve` node registers, on a SQLite file.
async fn engine_turns(
    model: &str,
    tools_url: &str,
    rounds: usize,
    turns: usize,
) -> anyhow::Result<Vec<Duration>> {
    let dir = tempfile::tempdir().context("temporary directory")?;
    let env: HashMap<&str, String> = HashMap::from([
        ("AR_DATA_DIR", dir.path().display().to_string()),
        ("AR_OPENAI_BASE_URL", model.to_owned()),
        ("AR_OPENAI_API_KEY", "sk-bench".to_owned()),
        ("AR_LLM_SYSTEM_KEY_WORKSPACES", "*".to_owned()),
        ("AR_MCP_ALLOWED_HOSTS", "127.0.0.1".to_owned()),
    ]);
    let settings = Settings::default()
        .with_env(|name| env.get(name).cloned())
        .context("benchmark settings")?;
    let stores = ar_server::open_stores(&settings).await?;
    let project = seed_agent(&stores, tools_url).await?;
    let executors = ar_server::default_executors(&settings, &stores);
    let engine = Engine::start(stores.runs.clone(), settings.engine_config(), executors).await?;
    let graph = ar_model::import::parse_graph_value(
        &json!({"steps": [{"id": "agent", "type": "agent_call", "agent_id": "ag_bench", "prompt": "go"}]}),
        &Default::default(),
    )
    .map_err(|e| anyhow::anyhow!("benchmark graph: {e}"))?
    .graph;
    let mut samples = Vec::new();
    for turn in 0..=turns {
        let started = Instant::now();
        let mut start = StartRun::new(graph.clone(), json!({}));
        start.project_id = Some(project.clone());
        let run = engine.start_run(start).await?;
        let done = engine
            .wait_for_run(&run.id, Duration::from_secs(600))
            .await?;
        let elapsed = started.elapsed();
        anyhow::ensure!(
            done.status == RunStatus::Completed,
            "the benchmark run ended {:?}: {:?}",
            done.status,
            done.error
        );
        let step = stores
            .runs
            .step_state(&run.id, "agent")
            .await?
            .context("the finished step")?;
        let result = step.result.unwrap_or_default();
        anyhow::ensure!(
            result["stopped_reason"] == "final_answer"
                && result["tool_calls"].as_array().map(Vec::len) == Some(rounds),
            "the turn did not make {rounds} rounds: {result}"
        );
        if turn > 0 {
            samples.push(elapsed);
        }
    }
    engine.shutdown().await;
    Ok(samples)
}

/// A user, a workspace with its project, and the agent `ag_bench` of that project whose
/// one tool is `echo` on `tools_url`. Returns the project id.
async fn seed_agent(stores: &ar_server::Stores, tools_url: &str) -> anyhow::Result<String> {
    stores
        .tenants
        .create_user(&UserRecord {
            id: "u_bench".into(),
            email: "bench@example.com".into(),
            name: None,
            password_hash: None,
            created_at: 1,
        })
        .await?;
    let workspace = WorkspaceRecord {
        id: "w_bench".into(),
        slug: "bench".into(),
        name: "bench".into(),
        product_code: "ar".into(),
        admins_full_access_to_private: false,
        created_at: 1,
    };
    let project = ProjectRecord {
        id: "p_bench".into(),
        workspace_id: workspace.id.clone(),
        name: "Default".into(),
        visibility: "public".into(),
        created_at: 1,
    };
    stores
        .tenants
        .create_workspace(&workspace, "u_bench", &project)
        .await?;
    stores
        .integrations
        .create_agent(&AgentRecord {
            id: "ag_bench".into(),
            workspace_id: workspace.id.clone(),
            project_id: project.id.clone(),
            name: "bench".into(),
            definition: json!({
                "model_ref": format!("direct.openai.{MODEL}"),
                "tools": [{"server_url": tools_url, "tool_names": ["echo"]}],
                "max_turns": 50,
            }),
            created_by: "u_bench".into(),
            created_at: 1,
            updated_at: 1,
        })
        .await?;
    Ok(project.id)
}
