//! The Postgres pool under a burst of runs: 50 one-step `llm_call` runs started at once
//! through the HTTP API (a fake OpenAI-compatible provider answers) on the default
//! 10-connection pool all start (no 500) and all complete.

mod common;
/// ar-connect's fake provider and reply bodies in the providers' wire formats.
#[path = "../../connect/tests/support/mod.rs"]
mod llm;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_server::Stores;
use ar_server::settings::LlmProviderSettings;
use ar_store::tenant::PgTenantStore;
use ar_store::{PgConfig, PgStore};
use common::*;
use llm::wire::openai;
use llm::{FakeProvider, Reply as LlmReply};
use reqwest::Method;
use serde_json::json;
use sqlx::Connection;

/// Stores on a fresh schema whose connections carry `app` as their application name
/// (so `pg_stat_activity` shows what each one last ran), and the pool they share.
async fn pg_stores(app: &str) -> (Stores, sqlx::PgPool) {
    let schema = format!("server_{}", uuid::Uuid::now_v7().simple());
    let url = format!("{PG_URL}?application_name={app}");
    let pg = PgStore::open(PgConfig::new(&url).with_schema(&schema))
        .await
        .expect("postgres (is it running?)");
    let pool = pg.pool().clone();
    let stores = Stores {
        automation: Arc::new(ar_store::automation::PgAutomationStore::from_pool(
            pool.clone(),
        )),
        integrations: Arc::new(ar_store::integrations::PgIntegrationStore::from_pool(
            pool.clone(),
        )),
        tenants: Arc::new(PgTenantStore::from_pool(pool.clone())),
        runs: Arc::new(pg),
        vault_keys: test_vault_keys().into(),
        mcp_state: Default::default(),
    };
    (stores, pool)
}

/// Samples the pool every 100 ms from a thread and runtime of its own (a stalled server
/// cannot starve it) until the pool closes; returns how many samples found no idle
/// connection. Those print what each server connection last ran (`pg_stat_activity`, read
/// outside the pool): a connection `idle` there but checked out of the pool is held by a
/// future that is not being polled.
fn watch_pool(pool: sqlx::PgPool, app: String) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut admin = sqlx::PgConnection::connect(PG_URL).await.expect("admin");
            let began = Instant::now();
            let mut exhausted = 0;
            while !pool.is_closed() {
                let (size, idle) = (pool.size(), pool.num_idle());
                if size > 0 && idle == 0 {
                    exhausted += 1;
                    let rows: Vec<(String, String)> = sqlx::query_as(
                        "SELECT coalesce(state, ''), left(query, 100) \
                         FROM pg_stat_activity WHERE application_name = $1",
                    )
                    .bind(&app)
                    .fetch_all(&mut admin)
                    .await
                    .unwrap_or_default();
                    let at = began.elapsed().as_secs_f64();
                    eprintln!("{at:.2}s: all {size} pool connections checked out");
                    for (state, query) in rows {
                        eprintln!("    [{state}] {}", query.replace('\n', " "));
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            exhausted
        })
    })
}

/// Each run's one step (`llm_call`, metered: the step itself reads and writes the store)
/// outlives the engine's 20 ms "mark running" delay under this load, so every worker
/// commits a mark while its call is in flight. A worker used to suspend the call for
/// that commit, freezing any pooled connection the call held; with 16 workers and 10
/// connections the pool stayed exhausted until sqlx's 30 s acquire timeout (starts
/// answered 500, runs stalled). The bound below is well under that timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_llm_runs_on_postgres_all_complete() {
    let replies = (0..60)
        .map(|_| LlmReply::json(200, openai::completion("ok", 1, 1)))
        .collect();
    let provider = FakeProvider::start(replies).await;
    let mut settings = test_settings();
    settings.llm.providers = BTreeMap::from([(
        "openai".to_owned(),
        LlmProviderSettings {
            api_key: Some("sk-system-pool-test".into()),
            base_url: Some(provider.base_url("/v1")),
        },
    )]);
    settings.llm.system_key_workspaces = vec!["pool-burst".into()];
    let app = format!("pgstall_{}", uuid::Uuid::now_v7().simple());
    let (stores, pool) = pg_stores(&app).await;
    let s = start_on(stores, settings).await;
    let ws = workspace(&s, "pool-burst").await;
    let graph = json!({"steps": [{"id": "ask", "type": "llm_call",
        "model_ref": "direct.openai.gpt-4o-mini", "prompt": "hi"}]});
    let wf = published_workflow(&s, &ws, json!({"name": "ask", "graph": graph})).await;
    let watcher = watch_pool(pool.clone(), app);

    let began = Instant::now();
    let starts = (0..50).map(|_| {
        s.call(Method::POST, format!("/v1/workflows/{wf}/command"))
            .auth(&ws.owner)
            .tenant(&ws.slug)
            .json(json!({"command": "start", "params": {}}))
            .send()
    });
    let answers = futures::future::join_all(starts).await;
    let started_in = began.elapsed();
    let mut runs = Vec::new();
    for a in &answers {
        assert_eq!(
            a.status, 200,
            "a start failed after {started_in:?}: {}",
            a.body
        );
        runs.push(a.body["run_id"].as_str().expect("run id").to_string());
    }

    // Measured: about 0.6 s on two shared cores; a pool stall lasts 30 s.
    let deadline = began + Duration::from_secs(20);
    let mut pending = runs;
    while !pending.is_empty() {
        let mut still = Vec::new();
        for run in pending {
            let r = s
                .call(Method::GET, format!("/v1/workflows/{wf}/runs/{run}"))
                .auth(&ws.owner)
                .tenant(&ws.slug)
                .project(&ws.project)
                .send()
                .await;
            match r.body["status"].as_str() {
                Some("completed") => {}
                Some("failed") => panic!("run failed: {}", r.body),
                _ => still.push(run),
            }
        }
        pending = still;
        assert!(
            Instant::now() < deadline,
            "{} of 50 runs still unfinished after 20 s (a pool stall?)",
            pending.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let done_in = began.elapsed();
    eprintln!("50 starts answered in {started_in:?}, all runs completed in {done_in:?}");
    // One model call per run: no attempt failed and was retried.
    assert_eq!(provider.requests().len(), 50);
    s.close().await;
    let exhausted = watcher.join().expect("watcher");
    eprintln!("samples (every 100 ms) with the pool exhausted: {exhausted}");
}
