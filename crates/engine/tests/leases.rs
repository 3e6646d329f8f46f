//! Leases that hold (issue 12): loop bodies keep their work's lease however long they run,
//! recovered work (expired leases, work handed back or released at start) runs before newer
//! work even when every worker is busy chaining, a graceful shutdown hands its work back to
//! the queue at once, and `step_started` names the node that ran each attempt.
//!
//! Timing: the delays between work becoming claimable again and its re-run are measured
//! and printed (run with `--nocapture` to see them). The assertions that decide a test are
//! about order (recovered work ran before newer work) and attempt counts; the 1 s bounds
//! are generous for what the engine controls (the next claim or commit after the work
//! became claimable), not for process start-up.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ar_engine::*;
use ar_store::{EventRecord, now_ms};
use serde_json::{Value, json};
use support::*;

/// Most a recovered step may wait, from becoming claimable to its `step_started`.
const RECOVERY_BOUND_MS: i64 = 1000;

fn node(name: &str, lease: Duration, workers: usize) -> EngineConfig {
    EngineConfig {
        node_id: name.into(),
        lease,
        workers,
        ..test_config()
    }
}

async fn events(store: &Arc<dyn Store>, run_id: &str) -> Vec<EventRecord> {
    store.events(run_id, 0, 100_000).await.expect("events")
}

/// The `step_started` events of `step`: (attempt, node_id, created_at).
fn starts(events: &[EventRecord], step: &str) -> Vec<(i64, String, i64)> {
    events
        .iter()
        .filter(|e| e.kind == "step_started" && e.step_id.as_deref() == Some(step))
        .map(|e| {
            (
                e.data["attempt"].as_i64().expect("attempt"),
                e.data["node_id"].as_str().expect("node_id").to_string(),
                e.created_at,
            )
        })
        .collect()
}

/// Polls until `done` holds (or fails the test after [`WAIT`]).
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// ------------------------------------------------------------------ finding 1

/// Regression (finding 1): a loop body that outlived its lease was handed out again every
/// lease and never completed. Each body here runs five leases long; every inner step must
/// run exactly once per item / iteration, as attempt 1.
async fn loop_bodies_outliving_their_lease_run_each_inner_step_once(backend: Backend) {
    const LEASE_MS: u64 = 400;
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let probe = Arc::new(Probe::default());
    let engine = engine_on(
        store.clone(),
        node("loops", Duration::from_millis(LEASE_MS), 4),
        probe.clone(),
    )
    .await;
    let long = json!({"ms": 5 * LEASE_MS, "value": "{{index}}"});
    let g = json!({"steps": [
        {"id": "fan", "type": "for_each", "for_each_items": [10, 20], "for_each_max_parallel": 2,
         "for_each_body_steps": [
            {"id": "slow", "type": "mcp_call", "tool_name": "sleep", "tool_args": long},
            {"id": "after", "type": "mcp_call", "tool_name": "echo", "tool_args": {"item": "{{item}}"}, "depends_on": ["slow"]}
         ]},
        {"id": "repeat", "type": "while", "while_mode": "until", "while_max_iterations": 5,
         "while_eval_script": "return { pass = loop.iteration >= 1 }",
         "while_body_steps": [
            {"id": "wslow", "type": "mcp_call", "tool_name": "sleep", "tool_args": {"ms": 5 * LEASE_MS}},
            {"id": "wafter", "type": "mcp_call", "tool_name": "echo", "tool_args": {}, "depends_on": ["wslow"]}
         ]}
    ]});
    let run = engine
        .start_run(StartRun::new(graph(g), json!({})))
        .await
        .expect("start");
    let done = engine
        .wait_for_run(&run.id, Duration::from_secs(60))
        .await
        .expect("the run ends");
    assert_eq!(done.status, RunStatus::Completed, "{done:?}");
    // Two items and two iterations, each running its body once.
    for (step, runs) in [("slow", 2), ("after", 2), ("wslow", 2), ("wafter", 2)] {
        assert_eq!(probe.calls(step), runs, "executions of {step}");
        assert_eq!(probe.attempts(step), vec![1; runs], "attempts of {step}");
    }
    for parent in ["fan", "repeat"] {
        let units = store
            .step_states(&run.id, Some(parent))
            .await
            .expect("items");
        assert_eq!(units.len(), 2, "{parent}: {units:?}");
        for u in units {
            assert_eq!(u.status(), StepStatus::Completed, "{}", u.step_key);
            assert_eq!(u.attempt, 1, "{} was never handed out again", u.step_key);
        }
    }
    let ctx = engine.run_context(&run.id).await.expect("ctx");
    assert_eq!(ctx["steps"]["fan"]["result"]["succeeded_count"], json!(2));
    assert_eq!(
        ctx["steps"]["repeat"]["result"]["stopped_reason"],
        json!("condition_met")
    );
    engine.shutdown().await;
    store.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_loop_bodies_outliving_their_lease_run_each_inner_step_once() {
    loop_bodies_outliving_their_lease_run_each_inner_step_once(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_loop_bodies_outliving_their_lease_run_each_inner_step_once() {
    loop_bodies_outliving_their_lease_run_each_inner_step_once(Backend::Postgres).await;
}

// ------------------------------------------------------------------ finding 2

/// A chain of `len` tool steps, each sleeping `ms`.
fn chain(len: usize, ms: u64) -> Value {
    let steps: Vec<Value> = (1..=len)
        .map(|i| {
            let deps: Vec<String> = if i == 1 {
                vec![]
            } else {
                vec![format!("s{}", i - 1)]
            };
            json!({"id": format!("s{i}"), "type": "mcp_call", "tool_name": "sleep",
                   "tool_args": {"ms": ms}, "depends_on": deps})
        })
        .collect();
    json!({ "steps": steps })
}

/// The top-level steps of a run that are `running` (in flight).
async fn running_steps(store: &Arc<dyn Store>, run_id: &str) -> Vec<String> {
    store
        .step_states(run_id, None)
        .await
        .expect("steps")
        .into_iter()
        .filter(|s| s.status() == StepStatus::Running)
        .map(|s| s.step_key)
        .collect()
}

/// Regression (finding 2, SQLite): after a crash, the steps in flight became claimable at
/// start-up but waited behind runs that had never started, because the first claim took
/// the oldest rows and every worker then chained its run to the end. They must run first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_steps_interrupted_by_a_crash_run_before_newer_work_after_the_restart() {
    const WORKERS: usize = 3;
    let db = TestDb::new(Backend::SqliteFile).await;
    let store1 = db.open().await;
    let probe1 = Arc::new(Probe::default());
    let engine1 = engine_on(
        store1.clone(),
        node("crashed", Duration::from_secs(30), WORKERS),
        probe1.clone(),
    )
    .await;
    let mut runs = Vec::new();
    for _ in 0..2 * WORKERS {
        let run = engine1
            .start_run(StartRun::new(graph(chain(6, 150)), json!({})))
            .await
            .expect("start");
        runs.push(run.id);
    }
    // Crash once every worker is in flight on a later step of its chain: those rows were
    // made ready after the roots of the runs that have not started yet.
    eventually("every worker has a later step in flight", || async {
        let mut in_flight = Vec::new();
        for id in &runs {
            in_flight.extend(running_steps(&store1, id).await);
        }
        in_flight.len() == WORKERS && in_flight.iter().all(|s| s != "s1")
    })
    .await;
    engine1.abandon().await;
    store1.close().await;

    let store2 = db.open().await;
    let mut interrupted = Vec::new();
    let mut never_started = Vec::new();
    for id in &runs {
        for step in running_steps(&store2, id).await {
            interrupted.push((id.clone(), step));
        }
        if events(&store2, id)
            .await
            .iter()
            .all(|e| e.kind != "step_started")
        {
            never_started.push(id.clone());
        }
    }
    assert_eq!(interrupted.len(), WORKERS, "{interrupted:?}");
    assert!(!never_started.is_empty(), "some runs had not started");

    let released_at = now_ms();
    let probe2 = Arc::new(Probe::default());
    let engine2 = engine_on(
        store2.clone(),
        node("restarted", Duration::from_secs(30), WORKERS),
        probe2,
    )
    .await;
    for id in &runs {
        let done = engine2
            .wait_for_run(id, Duration::from_secs(60))
            .await
            .expect("the run ends");
        assert_eq!(done.status, RunStatus::Completed);
    }
    // When the runs that had never started got their first step going.
    let mut first_new_start = i64::MAX;
    for id in &never_started {
        let started = starts(&events(&store2, id).await, "s1");
        first_new_start = first_new_start.min(started[0].2);
    }
    let mut delays = Vec::new();
    for (id, step) in &interrupted {
        let started = starts(&events(&store2, id).await, step);
        let (attempt, node_id, at) = started.last().cloned().expect("re-run");
        assert_eq!((attempt, node_id.as_str()), (2, "restarted"), "{id} {step}");
        assert!(
            at <= first_new_start,
            "{step} of {id} re-ran at {at}, after newer work started at {first_new_start}"
        );
        delays.push(at - released_at);
    }
    println!("sqlite restart: interrupted steps re-ran {delays:?} ms after the release");
    assert!(
        delays.iter().all(|d| *d <= RECOVERY_BOUND_MS),
        "re-run delays {delays:?} ms"
    );
    engine2.shutdown().await;
    store2.close().await;
    db.cleanup().await;
}

/// The lease expiries of `owner`'s rows in a Postgres test schema: step key → expiry (ms).
async fn pg_lease_expiries(schema: &str, owner: &str) -> BTreeMap<(String, String), i64> {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::PgConnection::connect(PG_URL).await.expect("connect");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT run_id, step_key, lease_expires_at FROM {schema}.work_queue WHERE lease_owner = $1"
    )))
    .bind(owner)
    .fetch_all(&mut conn)
    .await
    .expect("read leases");
    rows.iter()
        .map(|r| {
            (
                (r.get::<String, _>("run_id"), r.get::<String, _>("step_key")),
                r.get::<i64, _>("lease_expires_at"),
            )
        })
        .collect()
}

/// Regression (finding 2, Postgres): the survivor of a dead node re-took its expired leases
/// only when one of its workers ran out of chained work (12–28 s late). A committing worker
/// must take the expired work before its own run's next step.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_expired_leases_are_taken_over_while_the_survivor_is_busy_chaining() {
    const LEASE: Duration = Duration::from_millis(600);
    let db = TestDb::new(Backend::Postgres).await;
    let schema = db.schema.clone().expect("schema");
    let dead_store = db.open().await;
    let dead_probe = Arc::new(Probe::default());
    let dead = engine_on(
        dead_store.clone(),
        node("dead", LEASE, 2),
        dead_probe.clone(),
    )
    .await;
    let slow = json!({"steps": [tool("slow", "sleep", json!({"ms": 4000}), &[])]});
    let mut orphans = Vec::new();
    for _ in 0..2 {
        let run = dead
            .start_run(StartRun::new(graph(slow.clone()), json!({})))
            .await
            .expect("start");
        orphans.push(run.id);
    }
    eventually("the dead node runs both slow steps", || async {
        dead_probe.in_flight.load(Ordering::SeqCst) == 2
    })
    .await;
    // The survivor starts, with two long chains that keep both of its workers busy.
    let store = db.open().await;
    let survivor = engine_on(
        store.clone(),
        node("survivor", LEASE, 2),
        Arc::new(Probe::default()),
    )
    .await;
    let mut busy = Vec::new();
    for _ in 0..2 {
        let run = survivor
            .start_run(StartRun::new(graph(chain(16, 150)), json!({})))
            .await
            .expect("start");
        busy.push(run.id);
    }
    eventually("the survivor runs both chains", || async {
        let mut started = 0;
        for id in &busy {
            started += usize::from(!starts(&events(&store, id).await, "s1").is_empty());
        }
        started == 2
    })
    .await;
    dead.abandon().await;
    dead_store.close().await;
    let expiries = pg_lease_expiries(&schema, "dead").await;
    assert_eq!(
        expiries.len(),
        2,
        "the dead node still holds both leases: {expiries:?}"
    );

    for id in orphans.iter().chain(busy.iter()) {
        let done = survivor
            .wait_for_run(id, Duration::from_secs(60))
            .await
            .expect("the run ends");
        assert_eq!(done.status, RunStatus::Completed);
    }
    let mut chains_end = i64::MAX;
    for id in &busy {
        let ev = events(&store, id).await;
        chains_end = chains_end.min(starts(&ev, "s16")[0].2);
    }
    let mut delays = Vec::new();
    for id in &orphans {
        let started = starts(&events(&store, id).await, "slow");
        let (attempt, node_id, at) = started.last().cloned().expect("re-run");
        assert_eq!((attempt, node_id.as_str()), (2, "survivor"), "{started:?}");
        assert!(
            at < chains_end,
            "run {id}'s slow step re-ran at {at}, only once the survivor's chains ended ({chains_end})"
        );
        delays.push(at - expiries[&(id.clone(), "slow".to_string())]);
    }
    println!("postgres takeover: expired leases re-taken {delays:?} ms after expiry");
    assert!(
        delays.iter().all(|d| *d <= RECOVERY_BOUND_MS),
        "takeover delays {delays:?} ms"
    );
    survivor.shutdown().await;
    store.close().await;
    db.cleanup().await;
}

// ------------------------------------------------------------------ findings 3 and 4

/// Regression (findings 3 and 4, Postgres): a node stopping gracefully kept its leases, so
/// the other node waited out the whole lease (30 s) before taking its work; and no event
/// said which node ran an attempt. Now the work is handed back and taken at once, and the
/// `step_started` events show the takeover: attempt 1 on one node, attempt 2 on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_graceful_stop_hands_its_work_to_the_other_node_at_once() {
    // Far longer than the test: only a hand-back can move the work in time.
    const LEASE: Duration = Duration::from_secs(30);
    let db = TestDb::new(Backend::Postgres).await;
    let store_a = db.open().await;
    let probe_a = Arc::new(Probe::default());
    let node_a = engine_on(store_a.clone(), node("node-a", LEASE, 2), probe_a.clone()).await;
    let g = json!({"steps": [
        tool("slow", "sleep", json!({"ms": 3000}), &[]),
        tool("after", "echo", json!({}), &["slow"]),
    ]});
    let mut runs = Vec::new();
    for _ in 0..2 {
        let run = node_a
            .start_run(StartRun::new(graph(g.clone()), json!({})))
            .await
            .expect("start");
        runs.push(run.id);
    }
    eventually("node A runs both slow steps (marked running)", || async {
        let mut running = 0;
        for id in &runs {
            running += running_steps(&store_a, id).await.len();
        }
        running == 2
    })
    .await;
    let store_b = db.open().await;
    let probe_b = Arc::new(Probe::default());
    let node_b = engine_on(store_b.clone(), node("node-b", LEASE, 2), probe_b.clone()).await;
    node_a.shutdown().await;
    let handed_back_by = now_ms();
    store_a.close().await;
    let mut delays = Vec::new();
    for id in &runs {
        let done = node_b
            .wait_for_run(id, Duration::from_secs(20))
            .await
            .expect("node B finishes the run well before the lease could expire");
        assert_eq!(done.status, RunStatus::Completed);
        let ev = events(&store_b, id).await;
        let slow: Vec<(i64, String)> = starts(&ev, "slow")
            .into_iter()
            .map(|(attempt, node, _)| (attempt, node))
            .collect();
        assert_eq!(
            slow,
            [(1, "node-a".to_string()), (2, "node-b".to_string())],
            "the takeover is visible in step_started"
        );
        let retaken_at = starts(&ev, "slow")[1].2;
        delays.push(retaken_at - handed_back_by);
        let ctx = node_b.run_context(id).await.expect("ctx");
        assert_eq!(ctx["steps"]["slow"]["attempt"], json!(2));
    }
    assert_eq!(probe_a.calls("slow"), 2);
    assert_eq!(
        probe_a.cancelled.load(Ordering::SeqCst),
        2,
        "A's calls were cancelled"
    );
    assert_eq!((probe_b.calls("slow"), probe_b.calls("after")), (2, 2));
    println!("postgres graceful stop: work re-taken {delays:?} ms after the hand-back");
    assert!(
        delays.iter().all(|d| *d <= RECOVERY_BOUND_MS),
        "re-take delays {delays:?} ms"
    );
    node_b.shutdown().await;
    store_b.close().await;
    db.cleanup().await;
}

/// Finding 3 on SQLite: a graceful stop hands its work back, and the restart runs it as the
/// next attempt (once: the release at start-up finds nothing left leased, so the attempt is
/// not counted twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_graceful_stop_hands_its_work_back_for_the_restart() {
    let db = TestDb::new(Backend::SqliteFile).await;
    let store1 = db.open().await;
    let probe1 = Arc::new(Probe::default());
    let engine1 = engine_on(
        store1.clone(),
        node("before", Duration::from_secs(30), 2),
        probe1.clone(),
    )
    .await;
    let g = json!({"steps": [
        tool("slow", "sleep", json!({"ms": 3000}), &[]),
        tool("after", "echo", json!({}), &["slow"]),
    ]});
    let run = engine1
        .start_run(StartRun::new(graph(g), json!({})))
        .await
        .expect("start");
    eventually("the slow step runs (marked running)", || async {
        running_steps(&store1, &run.id).await == ["slow"]
    })
    .await;
    engine1.shutdown().await;
    store1.close().await;
    let store2 = db.open().await;
    let probe2 = Arc::new(Probe::default());
    let engine2 = engine_on(
        store2.clone(),
        node("after", Duration::from_secs(30), 2),
        probe2.clone(),
    )
    .await;
    let done = engine2
        .wait_for_run(&run.id, Duration::from_secs(30))
        .await
        .expect("ends");
    assert_eq!(done.status, RunStatus::Completed);
    let ev = events(&store2, &run.id).await;
    let slow: Vec<(i64, String)> = starts(&ev, "slow")
        .into_iter()
        .map(|(attempt, node, _)| (attempt, node))
        .collect();
    assert_eq!(slow, [(1, "before".to_string()), (2, "after".to_string())]);
    assert_eq!(probe2.attempts("slow"), vec![2]);
    engine2.shutdown().await;
    store2.close().await;
    db.cleanup().await;
}

/// Regression (finding 4): `step_started` said nothing of the node. Every kind of step
/// start carries the node id: executed steps, loops and human tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn step_started_names_the_node_that_ran_the_attempt() {
    let db = TestDb::new(Backend::SqliteMemory).await;
    let store = db.open().await;
    let engine = engine_on(
        store.clone(),
        node("eu-west-1a-worker-3", Duration::from_secs(5), 2),
        Arc::new(Probe::default()),
    )
    .await;
    let g = json!({"steps": [
        {"id": "lua", "type": "lua_script", "script": "return {n = 1}"},
        tool("tool", "sleep", json!({"ms": 60}), &["lua"]),
        {"id": "fan", "type": "for_each", "for_each_items": [1], "depends_on": ["tool"],
         "for_each_body_steps": [{"id": "inner", "type": "lua_script", "script": "return {}"}]},
        {"id": "repeat", "type": "while", "while_max_iterations": 1, "depends_on": ["fan"],
         "while_body_steps": [{"id": "winner", "type": "lua_script", "script": "return {}"}]},
        {"id": "ask", "type": "human_task", "depends_on": ["repeat"]},
    ]});
    let run = engine
        .start_run(StartRun::new(graph(g), json!({})))
        .await
        .expect("start");
    eventually("the human task waits", || async {
        store
            .step_state(&run.id, "ask")
            .await
            .expect("read")
            .is_some_and(|s| s.status() == StepStatus::Waiting)
    })
    .await;
    let ev = events(&store, &run.id).await;
    for step in ["lua", "tool", "fan", "repeat", "ask"] {
        let started = starts(&ev, step);
        assert_eq!(started.len(), 1, "{step}: {started:?}");
        assert_eq!(started[0].0, 1);
        assert_eq!(started[0].1, "eu-west-1a-worker-3", "{step}");
    }
    engine
        .stop(&run.id, StopMode::Immediate, None)
        .await
        .expect("stop");
    engine.shutdown().await;
    store.close().await;
    db.cleanup().await;
}

/// A step whose node keeps dying under it (here: abandoned, as by a crash, three times in
/// a row) is not run a fourth time when `max_takeovers` is 2: it fails with
/// `RUN_STALLED_OR_TIMED_OUT`, and so does its run (docs/engine.md "Leases and claim order").
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_step_that_keeps_losing_its_node_stops_after_max_takeovers() {
    let db = TestDb::new(Backend::SqliteFile).await;
    let config = || EngineConfig {
        max_takeovers: 2,
        ..node("n", Duration::from_secs(30), 2)
    };
    let mut run_id = None;
    for crash in 1..=3 {
        let store = db.open().await;
        let engine = engine_on(store.clone(), config(), Arc::new(Probe::default())).await;
        let id = match &run_id {
            Some(id) => String::clone(id),
            None => {
                let run = engine
                    .start_run(StartRun::new(graph(chain(1, 60_000)), json!({})))
                    .await
                    .expect("start");
                run_id = Some(run.id.clone());
                run.id
            }
        };
        eventually(&format!("attempt {crash} is in flight"), || async {
            starts(&events(&store, &id).await, "s1").len() == crash
        })
        .await;
        engine.abandon().await;
        store.close().await;
    }
    let id = run_id.expect("run");
    let store = db.open().await;
    let engine = engine_on(store.clone(), config(), Arc::new(Probe::default())).await;
    let run = engine
        .wait_for_run(&id, Duration::from_secs(30))
        .await
        .expect("the run ends");
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(
        run.failure_code.as_deref(),
        Some("RUN_STALLED_OR_TIMED_OUT")
    );
    let all = events(&store, &id).await;
    let attempts: Vec<i64> = starts(&all, "s1").iter().map(|s| s.0).collect();
    assert_eq!(attempts, vec![1, 2, 3], "the fourth attempt never started");
    let failed = all
        .iter()
        .find(|e| e.kind == "step_failed")
        .expect("step_failed");
    assert_eq!(failed.data["attempt"], json!(4));
    assert!(
        failed.data["error"]
            .as_str()
            .is_some_and(|m| m.contains("3 times") && m.contains("max_takeovers")),
        "{failed:?}"
    );
    engine.shutdown().await;
    store.close().await;
    db.cleanup().await;
}
