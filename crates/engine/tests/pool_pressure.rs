//! Steps whose executors use the engine store's Postgres pool themselves (metering, vault
//! reads), on more workers than the pool has connections: every run completes, with no
//! attempt failed for want of a connection.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ar_engine::*;
use ar_store::{PgConfig, PgStore, Store};
use async_trait::async_trait;
use serde_json::{Value, json};
use support::*;

/// Holds a connection of the engine's own pool for 100 ms, as a step whose query is slow
/// would: well past the 20 ms after which the worker marks the step `running`.
struct PoolUser {
    pool: sqlx::PgPool,
    failures: AtomicUsize,
}

impl PoolUser {
    async fn hold_a_connection(&self) -> Result<(), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        sqlx::query("SELECT 1").execute(&mut *conn).await?;
        Ok(())
    }
}

#[async_trait]
impl StepExecutor for PoolUser {
    async fn execute(&self, _call: StepCall) -> Result<Value, StepFailure> {
        match self.hold_a_connection().await {
            Ok(()) => Ok(json!({"ok": true})),
            Err(e) => {
                self.failures.fetch_add(1, Ordering::SeqCst);
                Err(StepFailure::new("POOL", e.to_string(), true))
            }
        }
    }
}

/// The worker used to suspend a running call while it committed the step's `running`
/// mark: 16 workers each froze a call holding one of the 10 connections and waited for
/// a second one, and nothing moved until sqlx's 30 s acquire timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_holding_pool_connections_do_not_starve_the_workers() {
    let db = TestDb::new(Backend::Postgres).await;
    let pg =
        PgStore::open(PgConfig::new(PG_URL).with_schema(db.schema.as_deref().expect("schema")))
            .await
            .expect("Postgres must be reachable at 127.0.0.1:5432 (database test)");
    let user = Arc::new(PoolUser {
        pool: pg.pool().clone(),
        failures: AtomicUsize::new(0),
    });
    let store: Arc<dyn Store> = Arc::new(pg);
    let config = EngineConfig {
        workers: 16,
        ..test_config()
    };
    let mut executors = Executors::with_builtin(config.lua_limits.clone());
    executors.register("mcp_call", user.clone());
    let engine = Engine::start(store.clone(), config, executors)
        .await
        .expect("engine starts");

    let g = json!({"steps": [tool("use", "hold", json!({}), &[])]});
    // All at once, so that all 16 workers claim a step in the same instant.
    let began = Instant::now();
    let mut starts = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (engine, g) = (engine.clone(), g.clone());
        starts.spawn(async move {
            engine
                .start_run(StartRun::new(graph(g), json!({})))
                .await
                .expect("start")
                .id
        });
    }
    let runs = starts.join_all().await;
    for id in &runs {
        // Measured: all 32 runs finish in well under a second; a pool stall lasts 30 s.
        let left = Duration::from_secs(15).saturating_sub(began.elapsed());
        let run = engine
            .wait_for_run(id, left)
            .await
            .expect("every run ends within 15 s (a pool stall lasts 30)");
        assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    }
    assert_eq!(
        user.failures.load(Ordering::SeqCst),
        0,
        "an attempt ran out of connections"
    );
    engine.shutdown().await;
    store.close().await;
    db.cleanup().await;
}
