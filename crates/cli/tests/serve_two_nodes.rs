//! Scale-out: two `agentruntime serve` processes on one PostgreSQL database (a fresh
//! schema per test). Runs are started through node A; node B sees their events and
//! pending human tasks, completes the tasks, and both nodes see the runs complete. When
//! node A stops gracefully, B takes its work over at once; when it is killed, B takes its
//! work over as soon as the leases expire.

mod crash_support;
mod serve_support;

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use serve_support::*;

/// How many runs the test starts: enough that the two nodes' workers both take work.
const RUNS: usize = 4;
const RUN_WAIT: Duration = Duration::from_secs(60);

/// Lua, a human approval, Lua: each run stops at the approval until someone completes it.
fn graph() -> Value {
    json!({"steps": [
        {"id": "a", "type": "lua_script", "script": "return {n = 1}"},
        {"id": "approve", "type": "human_task", "depends_on": ["a"], "task_type": "approval"},
        {"id": "c", "type": "lua_script", "depends_on": ["approve"],
         "script": "return {n = 3}"}
    ]})
}

fn node_env(schema: &str, data_dir: &std::path::Path) -> Vec<(String, String)> {
    let mut env = base_env();
    env.extend(
        [
            ("AR_DATABASE_URL", PG_URL),
            ("AR_DATABASE_SCHEMA", schema),
            // Every node of one database shares the master key.
            (
                "AR_MASTER_KEY",
                "dHdvLW5vZGVzLXNoYXJlLW9uZS1tYXN0ZXIta2V5ISE=",
            ),
            ("AR_DATA_DIR", &data_dir.display().to_string()),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    env
}

/// Polls `path` on `client` until `done` holds for the body, or panics after [`RUN_WAIT`].
async fn wait_for(client: &Client, path: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + RUN_WAIT;
    loop {
        let reply = client.get(path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        if done(&reply.body) {
            return reply.body;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {RUN_WAIT:?}; last {}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn event_types(events: &Value) -> Vec<&str> {
    events["events"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|e| e["event_type"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_started_on_one_node_are_watched_and_completed_through_another() {
    let schema = format!("serve_two_{}", uuid::Uuid::now_v7().simple());
    let dirs = [
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    ];
    let listen = ["--listen", "127.0.0.1:0"];
    // A first, so it alone bootstraps the owner account; B finds it.
    let node_a = spawn(&listen, &node_env(&schema, dirs[0].path())).expect("node A starts");
    let node_b = spawn(&listen, &node_env(&schema, dirs[1].path())).expect("node B starts");
    assert_ne!(node_a.base, node_b.base);

    let (pat, project) = owner_pat(&node_a.base).await;
    let a = Client::with_pat(&node_a.base, &pat);
    let b = Client::with_pat(&node_b.base, &pat);

    // The workflow is created on A and read back on B.
    let created = a
        .send(
            Method::POST,
            "/v1/workflows",
            Some(&project),
            Some(json!({"name": "two nodes", "graph": graph()})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let workflow = created.body["id"].as_str().expect("id").to_owned();
    let published = a
        .send(
            Method::POST,
            &format!("/v1/workflows/{workflow}/versions"),
            None,
            Some(json!({"changelog": "v1"})),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.body);
    assert_eq!(
        b.get(&format!("/v1/workflows/{workflow}")).await.status,
        200
    );

    // Start through A.
    let mut runs = Vec::new();
    for n in 0..RUNS {
        let started = a
            .send(
                Method::POST,
                &format!("/v1/workflows/{workflow}/command"),
                None,
                Some(json!({"command": "start", "params": {"n": n}})),
            )
            .await;
        assert!(
            started.status == 200 || started.status == 201,
            "{}",
            started.body
        );
        runs.push(started.body["run_id"].as_str().expect("run_id").to_owned());
    }

    // Watch and approve through B.
    for run in &runs {
        let run_path = format!("/v1/workflows/{workflow}/runs/{run}");
        let pending = wait_for(
            &b,
            &format!("{run_path}/tasks/pending"),
            "task pending on B",
            |body| body["tasks"].as_array().is_some_and(|t| !t.is_empty()),
        )
        .await;
        assert_eq!(pending["tasks"][0]["task_id"], "approve", "{pending}");
        let events = b.get(&format!("{run_path}/events")).await;
        assert!(
            event_types(&events.body).contains(&"step_completed"),
            "B sees step `a` completed: {}",
            events.body
        );
        let done = b
            .send(
                Method::POST,
                &format!("{run_path}/tasks/approve/complete"),
                None,
                Some(json!({"approved": true, "result": {"note": "from node B"}})),
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
    }

    // Every run completes, as seen from both nodes.
    for run in &runs {
        let run_path = format!("/v1/workflows/{workflow}/runs/{run}");
        for node in [&b, &a] {
            wait_for(node, &run_path, "run completed", |body| {
                body["status"] == "completed"
            })
            .await;
        }
        let context = b.get(&format!("{run_path}/context")).await;
        assert_eq!(context.status, 200, "{}", context.body);
        let text = context.body.to_string();
        assert!(
            text.contains("from node B"),
            "the approval's result is in the context: {text}"
        );
        let events = b.get(&format!("{run_path}/events")).await;
        let types = event_types(&events.body);
        assert!(types.contains(&"run_completed"), "{types:?}");
        // Sequence numbers are strictly increasing: no duplicate, no reordering.
        let seqs: Vec<i64> = events.body["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["seq"].as_i64().expect("seq"))
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    }

    for node in [node_a, node_b] {
        let exited = node.terminate();
        assert_eq!(exited.status.code(), Some(0), "{exited:?}");
    }
}

/// A node's environment for the recovery tests: JSON logs, its own name, Lua steps that
/// each last `delay_ms`, and `extra` on top.
fn recovery_env(
    schema: &str,
    dir: &std::path::Path,
    node: &str,
    delay_ms: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut env = node_env(schema, dir);
    let mut more = vec![
        ("AR_NODE_ID", node),
        ("AR_TEST_STEP_DELAY_MS", delay_ms),
        ("AR_LOG_FORMAT", "json"),
    ];
    more.extend_from_slice(extra);
    env.extend(more.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
    env
}

async fn pg_snapshots(schema: &str, runs: &[String]) -> Vec<crash_support::Snapshot> {
    let store = ar_store::PgStore::open(ar_store::PgConfig::new(PG_URL).with_schema(schema))
        .await
        .expect("open the store");
    crash_support::snapshots_then_close(std::sync::Arc::new(store), runs).await
}

/// Steps whose latest `step_started` is by `node` and that have not completed.
fn in_flight_on(snap: &crash_support::Snapshot, node: &str) -> Vec<String> {
    snap.units
        .iter()
        .filter(|(step, state)| {
            state.status() == ar_store::StepStatus::Running
                && snap.starts(step).last().is_some_and(|(_, n, _)| n == node)
        })
        .map(|(step, _)| step.clone())
        .collect()
}

async fn wait_all_completed(client: &Client, workflow: &str, runs: &[String]) {
    for run in runs {
        wait_for(
            client,
            &format!("/v1/workflows/{workflow}/runs/{run}"),
            "run completed",
            |body| body["status"] == "completed",
        )
        .await;
    }
}

/// Regression (issue 12, findings 3 and 4): a node stopping gracefully (SIGTERM) kept its
/// leases, so the other node waited ~30 s for them to expire; and no event said which node
/// ran an attempt. Now node A hands its work back as it stops and node B re-takes it
/// within a second, which the `step_started` events show (attempt n on node-a, n+1 on
/// node-b). The lease stays at its 30 s default: only the hand-back can explain the speed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_hands_node_a_work_to_node_b_within_a_second() {
    let schema = format!("serve_stop_{}", uuid::Uuid::now_v7().simple());
    let dirs = [
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    ];
    let listen = ["--listen", "127.0.0.1:0"];
    let node_a = spawn(
        &listen,
        &recovery_env(&schema, dirs[0].path(), "node-a", "4000", &[]),
    )
    .expect("node A starts");
    let (pat, project) = owner_pat(&node_a.base).await;
    let a = Client::with_pat(&node_a.base, &pat);
    let workflow = published_workflow(&a, &project, lua_chain(4)).await;
    let mut runs = Vec::new();
    for _ in 0..8 {
        runs.push(start_run(&a, &workflow, json!({})).await);
    }
    // Node B joins once A has the work in flight, then A is stopped.
    let node_b = spawn(
        &listen,
        &recovery_env(&schema, dirs[1].path(), "node-b", "4000", &[]),
    )
    .expect("node B starts");
    let b = Client::with_pat(&node_b.base, &pat);
    let deadline = Instant::now() + RUN_WAIT;
    let on_a = loop {
        let snaps = pg_snapshots(&schema, &runs).await;
        let on_a: Vec<(String, String)> = runs
            .iter()
            .zip(&snaps)
            .flat_map(|(id, snap)| {
                in_flight_on(snap, "node-a")
                    .into_iter()
                    .map(move |step| (id.clone(), step))
            })
            .collect();
        if !on_a.is_empty() {
            break on_a;
        }
        assert!(Instant::now() < deadline, "node A never ran a step");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let stopped = node_a.terminate();
    assert_eq!(stopped.status.code(), Some(0), "{stopped:?}");
    let handed_back_at =
        json_log_time(&stopped.stderr, "handed back the leases of unfinished work")
            .unwrap_or_else(|| panic!("no hand-back log line in:\n{}", stopped.stderr));
    // What A was running and did not finish before it stopped.
    let at_stop = pg_snapshots(&schema, &runs).await;
    let handed: Vec<&(String, String)> = on_a
        .iter()
        .filter(|(id, step)| {
            let snap = &at_stop[runs.iter().position(|r| r == id).expect("run")];
            snap.units[step].status() != ar_store::StepStatus::Completed
        })
        .collect();
    assert!(!handed.is_empty(), "node A stopped with work in flight");

    wait_all_completed(&b, &workflow, &runs).await;
    let after = pg_snapshots(&schema, &runs).await;
    let mut delays = Vec::new();
    for (id, step) in handed {
        let snap = &after[runs.iter().position(|r| r == id).expect("run")];
        let started = snap.starts(step);
        let (attempt, node, at) = started.last().cloned().expect("re-run");
        let before = &started[started.len() - 2];
        assert_eq!(before.1, "node-a", "{id} {step}: {started:?}");
        assert_eq!(
            (attempt, node.as_str()),
            (before.0 + 1, "node-b"),
            "the takeover shows in step_started: {started:?}"
        );
        delays.push(at - handed_back_at);
    }
    crash_support::assert_recovered("graceful stop of node A", &mut delays, 1000, &after);
    let exited = node_b.terminate();
    assert_eq!(exited.status.code(), Some(0), "{exited:?}");
}

/// The lease expiries of `owner`'s work rows: (run id, step key) → expiry (unix ms).
async fn lease_expiries(schema: &str, owner: &str) -> Vec<((String, String), i64)> {
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
                (r.get("run_id"), r.get("step_key")),
                r.get("lease_expires_at"),
            )
        })
        .collect()
}

/// Regression (issue 12, finding 2, Postgres): after a `kill -9` of one node, the survivor
/// re-took the dead node's expired leases 12–28 s after they expired, because its workers
/// kept chaining their own runs. Each must re-run within a second of its lease expiring.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_kill_9_node_b_retakes_expired_leases_within_a_second() {
    const RUNS: usize = 30;
    let schema = format!("serve_kill_{}", uuid::Uuid::now_v7().simple());
    let dirs = [
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    ];
    let log = dirs[0].path().join("executions");
    let log_arg = log.display().to_string();
    let listen = ["--listen", "127.0.0.1:0"];
    let lease = [("AR_LEASE_MS", "2000")];
    let a_extra = [lease[0], ("AR_TEST_EXECUTION_LOG", log_arg.as_str())];
    let node_a = spawn(
        &listen,
        &recovery_env(&schema, dirs[0].path(), "node-a", "300", &a_extra),
    )
    .expect("node A starts");
    let node_b = spawn(
        &listen,
        &recovery_env(&schema, dirs[1].path(), "node-b", "300", &lease),
    )
    .expect("node B starts");
    let (pat, project) = owner_pat(&node_a.base).await;
    let a = Client::with_pat(&node_a.base, &pat);
    let b = Client::with_pat(&node_b.base, &pat);
    // Long enough that node B is still busy chaining its own runs when A's leases expire.
    let workflow = published_workflow(&a, &project, lua_chain(20)).await;
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        runs.push(start_run(&a, &workflow, json!({})).await);
    }
    let deadline = Instant::now() + RUN_WAIT;
    while crash_support::executions(&log).len() < 10 {
        assert!(Instant::now() < deadline, "node A never ran a step");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = node_a.kill();
    assert!(killed.status.code().is_none(), "killed by the signal");
    let expiries = lease_expiries(&schema, "node-a").await;
    assert!(!expiries.is_empty(), "node A held leases when it died");

    wait_all_completed(&b, &workflow, &runs).await;
    let after = pg_snapshots(&schema, &runs).await;
    let mut delays = Vec::new();
    for ((run, step), expired_at) in &expiries {
        let snap = &after[runs.iter().position(|r| r == run).expect("run")];
        let retaken = snap
            .starts(step)
            .into_iter()
            .find(|(_, node, at)| node == "node-b" && at >= expired_at)
            .unwrap_or_else(|| {
                panic!(
                    "{step} of {run} was not re-run by node B: {:?}",
                    snap.starts(step)
                )
            });
        delays.push(retaken.2 - expired_at);
    }
    crash_support::assert_recovered(
        &format!("kill -9 of node A during {RUNS} runs"),
        &mut delays,
        1000,
        &after,
    );
    let exited = node_b.terminate();
    assert_eq!(exited.status.code(), Some(0), "{exited:?}");
}
