//! Shared test support: backends (SQLite in memory / on a file, Postgres in a fresh schema)
//! and a scriptable executor registered for `mcp_call`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ar_engine::*;
use ar_store::{PgConfig, PgStore, SqliteConfig, SqliteStore, Store};
use async_trait::async_trait;
use serde_json::{Value, json};

pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    SqliteMemory,
    SqliteFile,
    Postgres,
}

/// A database for one test; reopenable (restart tests) and dropped at the end.
pub struct TestDb {
    pub backend: Backend,
    pub dir: Option<tempfile::TempDir>,
    pub schema: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::SqliteMemory => TestDb {
                backend,
                dir: None,
                schema: None,
            },
            Backend::SqliteFile => TestDb {
                backend,
                dir: Some(tempfile::tempdir().expect("tempdir")),
                schema: None,
            },
            Backend::Postgres => {
                let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
                TestDb {
                    backend,
                    dir: None,
                    schema: Some(schema),
                }
            }
        }
    }

    pub async fn open(&self) -> Arc<dyn Store> {
        match self.backend {
            Backend::SqliteMemory => Arc::new(
                SqliteStore::open(SqliteConfig::in_memory())
                    .await
                    .expect("open sqlite memory"),
            ),
            Backend::SqliteFile => {
                let path = self.dir.as_ref().expect("dir").path().join("test.db");
                Arc::new(
                    SqliteStore::open(SqliteConfig::file(path))
                        .await
                        .expect("open sqlite file"),
                )
            }
            Backend::Postgres => {
                let cfg =
                    PgConfig::new(PG_URL).with_schema(self.schema.as_deref().expect("schema"));
                Arc::new(
                    PgStore::open(cfg)
                        .await
                        .expect("Postgres must be reachable at 127.0.0.1:5432 (database test)"),
                )
            }
        }
    }

    /// Drops the Postgres schema (call at the end of the test).
    pub async fn cleanup(self) {
        if let Some(schema) = &self.schema {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(PG_URL)
                .await
                .expect("connect for cleanup");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(&mut conn)
            .await
            .expect("drop schema");
        }
    }
}

/// Records of what the test executor did.
#[derive(Default)]
pub struct Probe {
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    /// Executions per step id.
    pub calls: Mutex<HashMap<String, usize>>,
    /// Attempts seen per step id.
    pub attempts: Mutex<HashMap<String, Vec<u32>>>,
    /// While false, tool `flaky_until_healed` fails (permanently).
    pub healed: AtomicBool,
    pub cancelled: AtomicUsize,
    /// The `value` argument of every `sleep` call, per step id, in call order.
    pub slept_values: Mutex<HashMap<String, Vec<Value>>>,
}

impl Probe {
    pub fn calls(&self, step: &str) -> usize {
        self.calls
            .lock()
            .map(|c| c.get(step).copied().unwrap_or(0))
            .unwrap_or(0)
    }
    pub fn slept_values(&self, step: &str) -> Vec<Value> {
        self.slept_values
            .lock()
            .map(|c| c.get(step).cloned().unwrap_or_default())
            .unwrap_or_default()
    }
    pub fn attempts(&self, step: &str) -> Vec<u32> {
        self.attempts
            .lock()
            .map(|c| c.get(step).cloned().unwrap_or_default())
            .unwrap_or_default()
    }
}

/// `mcp_call` stand-in: `tool_name` picks the behaviour, `tool_args` its parameters.
/// - `echo`: returns `tool_args`;
/// - `sleep` `{ms}`: sleeps (cancellable), tracking concurrency;
/// - `fail` `{times, transient}`: fails the first `times` attempts;
/// - `flaky_until_healed`: fails permanently until the probe is healed;
/// - `items_until_healed` `{before, after}`: returns `{items: before}` until the probe is
///   healed, `{items: after}` once it is (an upstream whose output changes on a retry).
pub struct TestExecutor {
    pub probe: Arc<Probe>,
}

#[async_trait]
impl StepExecutor for TestExecutor {
    async fn execute(&self, call: StepCall) -> Result<Value, StepFailure> {
        if let Ok(mut c) = self.probe.calls.lock() {
            *c.entry(call.step_id.clone()).or_default() += 1;
        }
        if let Ok(mut a) = self.probe.attempts.lock() {
            a.entry(call.step_id.clone())
                .or_default()
                .push(call.attempt);
        }
        let args = call.inputs.get("tool_args").cloned().unwrap_or(Value::Null);
        let tool = call
            .inputs
            .get("tool_name")
            .and_then(Value::as_str)
            .unwrap_or("echo")
            .to_string();
        match tool.as_str() {
            "echo" => Ok(args),
            "sleep" => {
                let ms = args.get("ms").and_then(Value::as_u64).unwrap_or(10);
                if let Ok(mut v) = self.probe.slept_values.lock() {
                    v.entry(call.step_id.clone())
                        .or_default()
                        .push(args.get("value").cloned().unwrap_or(Value::Null));
                }
                let now = self.probe.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.probe.max_in_flight.fetch_max(now, Ordering::SeqCst);
                let cancelled = tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(ms)) => false,
                    _ = call.cancel.cancelled() => true,
                };
                self.probe.in_flight.fetch_sub(1, Ordering::SeqCst);
                if cancelled {
                    self.probe.cancelled.fetch_add(1, Ordering::SeqCst);
                    return Err(StepFailure::permanent("CANCELLED", "cancelled"));
                }
                Ok(json!({"slept": ms, "value": args.get("value").cloned().unwrap_or(Value::Null)}))
            }
            "fail" => {
                let times = args
                    .get("times")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX);
                let transient = args
                    .get("transient")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                if u64::from(call.attempt) <= times {
                    Err(StepFailure::new(
                        "MCP_TOOL_FAILED",
                        format!("planned failure on attempt {}", call.attempt),
                        transient,
                    ))
                } else {
                    Ok(json!({"ok_on_attempt": call.attempt}))
                }
            }
            "flaky_until_healed" => {
                if self.probe.healed.load(Ordering::SeqCst) {
                    Ok(json!({"healed": true}))
                } else {
                    Err(StepFailure::permanent("MCP_TOOL_FAILED", "not healed yet"))
                }
            }
            "items_until_healed" => {
                let which = if self.probe.healed.load(Ordering::SeqCst) {
                    "after"
                } else {
                    "before"
                };
                Ok(json!({"items": args.get(which).cloned().unwrap_or(Value::Null)}))
            }
            other => Err(StepFailure::permanent(
                "MCP_TOOL_FAILED",
                format!("unknown test tool {other}"),
            )),
        }
    }
}

pub fn test_config() -> EngineConfig {
    EngineConfig {
        workers: 8,
        lease: Duration::from_secs(5),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        poll_interval: Duration::from_millis(50),
        ..EngineConfig::default()
    }
}

pub async fn engine_on(store: Arc<dyn Store>, config: EngineConfig, probe: Arc<Probe>) -> Engine {
    let mut executors = Executors::with_builtin(config.lua_limits.clone());
    executors.register("mcp_call", Arc::new(TestExecutor { probe }));
    Engine::start(store, config, executors)
        .await
        .expect("engine starts")
}

pub fn graph(v: Value) -> ar_model::graph::Graph {
    let parsed =
        ar_model::import::parse_graph_value(&v, &Default::default()).expect("graph parses");
    assert!(
        parsed.issues.is_empty(),
        "graph has issues: {:?}",
        parsed.issues
    );
    parsed.graph
}

/// A tool step.
pub fn tool(id: &str, name: &str, args: Value, deps: &[&str]) -> Value {
    json!({"id": id, "type": "mcp_call", "tool_name": name, "tool_args": args, "depends_on": deps})
}

pub const WAIT: Duration = Duration::from_secs(20);

pub fn step<'a>(ctx: &'a Value, id: &str) -> &'a Value {
    &ctx["steps"][id]
}
