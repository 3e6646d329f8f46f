//! Shared support of the executor tests: an engine on in-memory SQLite with the real
//! `mcp_call`/`llm_call` executors, graph helpers, and ar-mcp's fixture servers.

#![allow(dead_code)]

/// ar-mcp's test support: where `scripts/mcp-fixtures.sh` installed the third-party
/// servers, how to start them, and the hand-written misbehaving servers.
#[path = "../../../mcp/tests/common/mod.rs"]
pub mod mcp;

use std::sync::Arc;
use std::time::Duration;

use ar_connect::llm::{HttpOptions, http_client};
use ar_engine::{Engine, EngineConfig, Executors, RunRecord, StartRun};
use ar_executors::{
    LlmCallExecutor, LlmKeySource, LlmProviders, McpCallExecutor, McpTargetResolver, SystemKeys,
};
use ar_mcp::{ConnectOptions, HostAllowlist, McpClientPool, PoolConfig};
use ar_store::{SqliteConfig, SqliteStore};
use serde_json::{Value, json};

/// Upper bound for a run in these tests (servers start, npx-free node, Python).
pub const WAIT: Duration = Duration::from_secs(60);

/// What the engine under test is given.
pub struct Setup {
    /// `AR_MCP_ALLOWED_HOSTS` of the pool ("" = none: loopback is refused).
    pub allowed_hosts: &'static str,
    pub resolver: Arc<dyn McpTargetResolver>,
    pub providers: LlmProviders,
    pub keys: Arc<dyn LlmKeySource>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            allowed_hosts: "127.0.0.1",
            resolver: Arc::new(ar_executors::UrlResolver::new()),
            providers: LlmProviders::built_in(),
            keys: Arc::new(SystemKeys::new()),
        }
    }
}

/// An engine on in-memory SQLite with short retry timings and the real executors.
pub async fn engine(setup: Setup) -> Engine {
    let pool = McpClientPool::new(PoolConfig {
        connect: ConnectOptions {
            allowlist: Arc::new(HostAllowlist::parse(setup.allowed_hosts).expect("allowlist")),
            ..ConnectOptions::default()
        },
        idle_timeout: Duration::from_secs(120),
        ..PoolConfig::default()
    });
    let config = EngineConfig {
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        poll_interval: Duration::from_millis(50),
        ..EngineConfig::default()
    };
    let mut executors = Executors::with_builtin(config.lua_limits.clone());
    let http = http_client(HttpOptions::default()).expect("http client");
    ar_executors::register(
        &mut executors,
        McpCallExecutor::new(pool, setup.resolver),
        LlmCallExecutor::new(setup.providers, setup.keys, http),
    );
    let store = SqliteStore::open(SqliteConfig::in_memory())
        .await
        .expect("in-memory store");
    Engine::start(Arc::new(store), config, executors)
        .await
        .expect("engine starts")
}

/// A graph from its `steps`.
pub fn graph(steps: Value) -> ar_model::graph::Graph {
    let parsed =
        ar_model::import::parse_graph_value(&json!({ "steps": steps }), &Default::default())
            .expect("graph parses");
    assert!(
        parsed.issues.is_empty(),
        "graph issues: {:?}",
        parsed.issues
    );
    parsed.graph
}

/// An `mcp_call` step.
pub fn mcp_step(id: &str, server_url: &str, tool: &str, args: Value) -> Value {
    json!({"id": id, "type": "mcp_call", "server_url": server_url, "tool_name": tool, "tool_args": args})
}

/// Starts a run of `steps`.
pub async fn start(engine: &Engine, steps: Value) -> RunRecord {
    engine
        .start_run(StartRun::new(graph(steps), json!({})))
        .await
        .expect("run starts")
}

/// Runs `steps` to the end; returns the finished run and its context.
pub async fn run(engine: &Engine, steps: Value) -> (RunRecord, Value) {
    let started = start(engine, steps).await;
    let done = engine
        .wait_for_run(&started.id, WAIT)
        .await
        .expect("run ends");
    let context = engine.run_context(&done.id).await.expect("context");
    (done, context)
}

/// One step of a run context.
pub fn step<'a>(context: &'a Value, id: &str) -> &'a Value {
    &context["steps"][id]
}

/// Everything a client can see of a run, as text: the run record, its context and
/// every event (for asserting that a secret appears nowhere).
pub async fn everything_visible(engine: &Engine, run: &RunRecord) -> String {
    let events = engine
        .store()
        .events(&run.id, 0, 100_000)
        .await
        .expect("events");
    let context = engine.run_context(&run.id).await.expect("context");
    let events: Vec<Value> = events
        .into_iter()
        .map(|e| json!({"kind": e.kind, "step_id": e.step_id, "data": e.data}))
        .collect();
    format!("{run:?}\n{context}\n{}", Value::Array(events))
}
