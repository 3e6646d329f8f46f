//! Scale-out: two `agentruntime serve` processes on one PostgreSQL database (a fresh
//! schema per test). Runs are started through node A; node B sees their events and
//! pending human tasks, completes the tasks, and both nodes see the runs complete.

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
