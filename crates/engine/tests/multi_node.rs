//! Durability scenarios beyond one node's lifetime: a loop interrupted by a restart, and two
//! Postgres nodes sharing one database when one of them dies.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use ar_engine::*;
use serde_json::json;
use support::*;

fn lease_config(node: &str) -> EngineConfig {
    EngineConfig {
        lease: Duration::from_millis(600),
        node_id: node.into(),
        ..test_config()
    }
}

async fn for_each_interrupted_by_restart_finishes_every_item_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let probe1 = Arc::new(Probe::default());
    let store1 = db.open().await;
    let engine1 = engine_on(store1.clone(), lease_config("first"), probe1.clone()).await;
    let g = json!({"steps": [{
        "id": "fan", "type": "for_each", "for_each_items": "{{input.items}}", "for_each_max_parallel": 2,
        "for_each_body_steps": [{"id": "work", "type": "mcp_call", "tool_name": "sleep", "tool_args": {"ms": 150, "value": "{{item}}"}}]
    }]});
    let items: Vec<i64> = (0..8).collect();
    let run = engine1
        .start_run(StartRun::new(graph(g), json!({"items": items})))
        .await
        .expect("start");
    // Let a few items finish, then stop the node with items in flight.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let items = store1
            .step_states(&run.id, Some("fan"))
            .await
            .expect("items");
        let done = items
            .iter()
            .filter(|s| s.status() == StepStatus::Completed)
            .count();
        if done >= 3 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "items never finished"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    engine1.shutdown().await;
    store1.close().await;
    let probe2 = Arc::new(Probe::default());
    let store2 = db.open().await;
    // What the store holds as done is what must never run again. (Counting the first
    // node's calls is not enough: under load a stalled heartbeat lets a node retake its
    // own expired lease, so one item can be called twice on the same node.)
    let committed_before: BTreeSet<i64> = store2
        .step_states(&run.id, Some("fan"))
        .await
        .expect("items")
        .iter()
        .filter(|s| s.status() == StepStatus::Completed)
        // Item k's value is k (the items are 0..8).
        .map(|s| s.item_index.expect("item index"))
        .collect();
    let engine2 = engine_on(store2.clone(), lease_config("second"), probe2.clone()).await;
    let done = engine2
        .wait_for_run(&run.id, Duration::from_secs(30))
        .await
        .expect("finishes after restart");
    assert_eq!(done.status, RunStatus::Completed);
    let ctx = engine2.run_context(&run.id).await.expect("ctx");
    let result = &ctx["steps"]["fan"]["result"];
    assert_eq!(result["count"], json!(8));
    assert_eq!(result["succeeded_count"], json!(8));
    let values: Vec<i64> = result["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["result"]["value"].as_i64().expect("value"))
        .collect();
    assert_eq!(values, items, "every item's result, in item order");
    // Items committed before the restart are not run again; every other one runs here.
    assert!(
        committed_before.len() >= 3,
        "the first node committed {committed_before:?}"
    );
    let ran_after: BTreeSet<i64> = probe2
        .slept_values("work")
        .iter()
        .map(|v| v.as_i64().expect("item value"))
        .collect();
    let reran: Vec<&i64> = ran_after.intersection(&committed_before).collect();
    assert!(
        reran.is_empty(),
        "committed items ran again after the restart: {reran:?}"
    );
    let all: BTreeSet<i64> = committed_before.union(&ran_after).copied().collect();
    assert_eq!(
        all,
        items.iter().copied().collect(),
        "every item ran before or after the restart"
    );
    engine2.shutdown().await;
    store2.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_file_for_each_interrupted_by_restart_finishes_every_item_once() {
    for_each_interrupted_by_restart_finishes_every_item_once(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_for_each_interrupted_by_restart_finishes_every_item_once() {
    for_each_interrupted_by_restart_finishes_every_item_once(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_survivor_node_finishes_the_runs_of_a_dead_node() {
    let db = TestDb::new(Backend::Postgres).await;
    let probe_a = Arc::new(Probe::default());
    let probe_b = Arc::new(Probe::default());
    let store_a = db.open().await;
    let store_b = db.open().await;
    let node_a = engine_on(store_a.clone(), lease_config("node-a"), probe_a.clone()).await;
    let node_b = engine_on(store_b.clone(), lease_config("node-b"), probe_b.clone()).await;
    let g = json!({"steps": [
        tool("first", "echo", json!({}), &[]),
        tool("slow", "sleep", json!({"ms": 400}), &["first"]),
        tool("last", "echo", json!({}), &["slow"]),
    ]});
    let mut runs = Vec::new();
    for _ in 0..6 {
        runs.push(
            node_a
                .start_run(StartRun::new(graph(g.clone()), json!({})))
                .await
                .expect("start")
                .id,
        );
    }
    // Wait until every `first` step is committed and node A holds some slow steps; then it
    // dies with those slow steps in flight.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut firsts_done = 0;
        for id in &runs {
            let s = store_b
                .step_state(id, "first")
                .await
                .expect("read")
                .expect("state");
            if s.status() == StepStatus::Completed {
                firsts_done += 1;
            }
        }
        if firsts_done == runs.len() && probe_a.calls("slow") > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node A never started work"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // A dies (no graceful hand-back): B takes the work over once A's leases expire.
    node_a.abandon().await;
    store_a.close().await;
    for id in &runs {
        let done = node_b
            .wait_for_run(id, Duration::from_secs(30))
            .await
            .expect("the survivor finishes the run");
        assert_eq!(done.status, RunStatus::Completed, "run {id}");
        let ctx = node_b.run_context(id).await.expect("ctx");
        assert_eq!(ctx["steps"]["last"]["status"], json!("completed"));
        let attempt = ctx["steps"]["slow"]["attempt"].as_i64().expect("attempt");
        assert!(
            (1..=2).contains(&attempt),
            "attempts tell the truth: {attempt}"
        );
    }
    let firsts = probe_a.calls("first") + probe_b.calls("first");
    assert_eq!(firsts, 6, "completed steps never ran twice");
    let lasts = probe_a.calls("last") + probe_b.calls("last");
    assert_eq!(lasts, 6);
    node_b.shutdown().await;
    store_b.close().await;
    db.cleanup().await;
}
