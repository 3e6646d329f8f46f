//! Item 4: dry-run validation as a denial of service. A `workflow:read` token could
//! `POST …/validate` a graph of 200 `while true do end` scripts: each fixture ran to its
//! 1 s limit in turn (~200 CPU-seconds per request), on a blocking thread that kept going
//! after the client left. Now one request's fixtures share a budget (2 s by default), the
//! fixtures it leaves are reported as not run, validations run on a bounded pool (503 with
//! `Retry-After` beyond it), and a request that goes away stops its Lua at once.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::boundary_support::*;

/// Endless scripts, one per root step (every root fixture runs: no mocks needed).
fn endless_graph(steps: usize) -> Value {
    let steps: Vec<Value> = (0..steps)
        .map(
            |i| json!({"id": format!("s{i}"), "type": "lua_script", "script": "while true do end"}),
        )
        .collect();
    json!({ "steps": steps })
}

/// A workflow to validate against, and a `workflow:read` token of its project.
async fn reader(served: &Served) -> (String, Api) {
    let (owner, _) = owner(served.base()).await;
    let workflow = owner
        .published_workflow(
            "target",
            json!({"steps": [{"id": "a", "type": "human_task"}]}),
        )
        .await;
    let (_, pat) = owner.create_pat(&["workflow:read"]).await;
    (workflow, owner.with_pat(&pat))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_fixtures_are_cut_at_the_budget_and_reported_as_not_run() {
    let served = serve(None, &[]);
    let (workflow, reader) = reader(&served).await;
    let started = Instant::now();
    let r = reader
        .post(
            &format!("/v1/workflows/{workflow}/validate"),
            json!({"graph": endless_graph(200)}),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(r.status, 200, "{:?}", r.body);
    // The budget (2 s) plus slack for a loaded machine; it took 200 s before.
    assert!(took < Duration::from_secs(8), "validation took {took:?}");
    let issues = r.body["issues"].as_array().expect("issues");
    let lua_issues: Vec<&Value> = issues
        .iter()
        .filter(|i| {
            i["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("lua_fixture"))
        })
        .collect();
    // No script passes in silence: each of the 200 has its issue.
    let reported: HashSet<&str> = lua_issues
        .iter()
        .filter_map(|i| i["step_id"].as_str())
        .collect();
    assert_eq!(reported.len(), 200, "{issues:?}");
    let not_run: Vec<&&Value> = lua_issues
        .iter()
        .filter(|i| i["code"] == "lua_fixture_not_run")
        .collect();
    assert!(
        not_run.len() >= 190,
        "{} not run: {issues:?}",
        not_run.len()
    );
    assert!(
        not_run
            .iter()
            .all(|i| i["message"].as_str().is_some_and(|m| m.contains("2000 ms"))),
        "each says which budget ran out: {not_run:?}"
    );
    println!("200 endless fixtures answered in {took:?}");
}

/// CPU time (user + system) the process has used so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
    // The fields after the parenthesized command name; utime and stime are 14 and 15.
    let after_name = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_millis(ticks * 1000 / per_second)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_leaves_leaves_no_lua_running() {
    // A budget far beyond the test: only the cancellation can stop the scripts in time.
    let served = serve(None, &[("AR_DRY_RUN_LUA_BUDGET_MS", "60000")]);
    let pid = served.server.pid();
    let (workflow, reader) = reader(&served).await;
    let url = format!("{}/v1/workflows/{workflow}/validate", served.base());
    let Credential::Pat(pat) = &reader.credential else {
        unreachable!("a PAT caller")
    };
    let before = cpu_time(pid);
    let mut clients = Vec::new();
    for _ in 0..2 {
        let request = reqwest::Client::new()
            .post(&url)
            .bearer_auth(pat)
            .header("X-Tenant-Id", "default")
            .json(&json!({"graph": endless_graph(200)}))
            .timeout(Duration::from_millis(2_500));
        clients.push(tokio::spawn(request.send()));
    }
    for client in clients {
        let outcome = client.await.expect("join");
        assert!(
            outcome.as_ref().is_err_and(|e| e.is_timeout()),
            "the client gave up before an answer: {outcome:?}"
        );
    }
    let while_connected = cpu_time(pid) - before;
    // The scripts did run while the clients waited (the attack reached the Lua); on a
    // loaded machine the two threads get only part of a core each.
    assert!(
        while_connected > Duration::from_millis(250),
        "the server burnt only {while_connected:?} while the clients waited"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let settled = cpu_time(pid);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let after_leaving = cpu_time(pid) - settled;
    // Two endless validations left running would burn up to 8 CPU-seconds here.
    assert!(
        after_leaving < Duration::from_millis(1_000),
        "the server burnt {after_leaving:?} of CPU in the 4 s after the clients left"
    );
    println!("CPU while connected {while_connected:?}, in the 4 s after leaving {after_leaving:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validations_beyond_the_pool_are_refused_with_retry_after() {
    let served = serve(
        None,
        &[
            ("AR_DRY_RUN_WORKERS", "1"),
            ("AR_DRY_RUN_QUEUE_WAIT_MS", "200"),
        ],
    );
    let (workflow, reader) = reader(&served).await;
    let path = format!("/v1/workflows/{workflow}/validate");
    let busy = {
        let reader = reader.clone();
        let path = path.clone();
        tokio::spawn(async move {
            reader
                .post(&path, json!({"graph": endless_graph(10)}))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let Credential::Pat(pat) = &reader.credential else {
        unreachable!("a PAT caller")
    };
    let refused = reqwest::Client::new()
        .post(format!("{}{path}", served.base()))
        .bearer_auth(pat)
        .header("X-Tenant-Id", "default")
        .json(&json!({"graph": endless_graph(1)}))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: Value = refused.json().await.expect("json");
    assert!(
        body["error"].as_str().is_some_and(|m| m.contains("busy")),
        "{body}"
    );
    let first = busy.await.expect("join");
    assert_eq!(first.status, 200, "{:?}", first.body);
}
