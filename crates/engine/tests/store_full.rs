//! A run store that is full (issue 3, bad input): a SQLite file at its size cap behaves as a
//! full disk. Starting a run that does not fit is refused with the database's own message
//! and writes nothing; a step whose result does not fit fails the run with `STORE_FULL`
//! instead of being retried forever; the store stays consistent, and once there is room
//! the same run is retried to completion.

mod support;

use std::path::Path;
use std::sync::Arc;

use ar_engine::*;
use ar_store::{SqliteConfig, SqliteStore};
use serde_json::json;
use support::*;

/// Room left above the freshly migrated database: enough for a run and its events, far
/// too little for a 300 KB result.
const HEADROOM: u64 = 96 * 1024;

async fn open_capped(path: &Path, max: Option<u64>) -> Arc<dyn Store> {
    let config = SqliteConfig::file(path);
    let config = match max {
        Some(bytes) => config.with_max_size(bytes),
        None => config,
    };
    Arc::new(SqliteStore::open(config).await.expect("open store"))
}

/// 300 KB of text from Lua (under the 1 MiB Lua result cap) after a small first step.
fn graph_with_a_big_result() -> serde_json::Value {
    json!({"steps": [
        {"id": "small", "type": "lua_script", "script": "return { n = 1 }"},
        {"id": "big", "type": "lua_script", "depends_on": ["small"],
         "script": "return { s = string.rep('x', 300 * 1024) }"},
    ]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_store_fails_the_run_clearly_and_stays_consistent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("runs.db");
    // Create and migrate the file, then cap it just above its size.
    open_capped(&path, None).await.close().await;
    let size = std::fs::metadata(&path).expect("db file").len();
    let store = open_capped(&path, Some(size + HEADROOM)).await;
    let engine = engine_on(store.clone(), test_config(), Arc::default()).await;

    // A start whose input does not fit is refused, and nothing of it is stored.
    let huge_input = json!({"blob": "y".repeat(512 * 1024)});
    let refused = engine
        .start_run(StartRun::new(graph(graph_with_a_big_result()), huge_input))
        .await
        .expect_err("a 512 KB input cannot fit");
    assert!(
        refused.to_string().contains("database or disk is full"),
        "{refused}"
    );
    let stored = store
        .runs_with_status(&[RunStatus::Running, RunStatus::Failed])
        .await
        .expect("read");
    assert!(stored.is_empty(), "a refused start wrote {stored:?}");

    // A result that does not fit fails the run, with the step named and a way out.
    let run = engine
        .start_run(StartRun::new(graph(graph_with_a_big_result()), json!({})))
        .await
        .expect("a small start fits");
    let failed = engine.wait_for_run(&run.id, WAIT).await.expect("run ends");
    assert_eq!(failed.status, RunStatus::Failed);
    assert_eq!(failed.failure_code.as_deref(), Some(STORE_FULL));
    let error = failed.error.clone().unwrap_or_default();
    assert!(
        error.contains("step big") && error.contains("database or disk is full"),
        "{error}"
    );
    let ctx = engine.run_context(&run.id).await.expect("context");
    assert_eq!(step(&ctx, "small")["status"], json!("completed"));
    assert_eq!(step(&ctx, "big")["status"], json!("failed"), "{ctx}");
    assert_eq!(step(&ctx, "big")["failure_code"], json!(STORE_FULL));
    assert!(
        step(&ctx, "big").get("result").is_none(),
        "nothing of the result was written: {ctx}"
    );
    let events = store.events(&run.id, 0, 1_000).await.expect("events");
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
    assert_eq!(events.last().map(|e| e.kind.as_str()), Some("run_failed"));
    engine.shutdown().await;
    store.close().await;

    // With room again (the cap lifted), the same run is retried from the failed step.
    let store = open_capped(&path, None).await;
    let engine = engine_on(store.clone(), test_config(), Arc::default()).await;
    engine.retry_run(&run.id, None).await.expect("retry");
    let done = engine.wait_for_run(&run.id, WAIT).await.expect("run ends");
    assert_eq!(done.status, RunStatus::Completed, "{:?}", done.error);
    let ctx = engine.run_context(&run.id).await.expect("context");
    assert_eq!(
        step(&ctx, "big")["result"]["s"].as_str().map(str::len),
        Some(300 * 1024)
    );
    assert_eq!(
        step(&ctx, "small")["attempt"],
        json!(1),
        "small did not rerun"
    );
    engine.shutdown().await;
    store.close().await;
}
