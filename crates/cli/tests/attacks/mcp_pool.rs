//! Item 6 (one MCP connection pool for all tenants) and the stdio quota of item 8.
//!
//! The attack (worked on main): the pool was keyed by the target alone, so two
//! workspaces calling the same operator stdio server were handed the same child
//! process — its state, its files, whatever a previous tenant left in it — and there was
//! no cap on children: one workspace could start as many processes as it had targets.
//! Now: each workspace gets its own child, and a workspace at its cap (all children busy)
//! is refused with 429 while another still works; the server's overall cap answers 503.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::boundary_support::*;
use crate::serve_support::Reply;

/// The Python `mcp` SDK's fixture server of crates/mcp (tools `process_id`, `hold`).
fn fixture_server() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mcp/tests/fixtures/fixture_server.py")
}

/// A catalog of stdio servers `names`, each the fixture server (an extra argument makes
/// each its own command line, so its own target).
fn catalog(names: &[&str]) -> String {
    let python = fixtures_dir().join("venv/bin/python");
    names
        .iter()
        .map(|name| {
            format!(
                "[[mcp_catalog]]\nname = \"{name}\"\ncommand = {}\nargs = [{}, \"stdio\", \"{name}\"]\n",
                toml_string(&python),
                toml_string(&fixture_server())
            )
        })
        .collect()
}

/// The value of a step's result that is a bare number (structured `{"result": n}` or `n`).
fn number(result: &Value) -> i64 {
    result
        .as_i64()
        .or_else(|| result["result"].as_i64())
        .unwrap_or_else(|| panic!("a number in {result}"))
}

/// Runs `workflow` to its end; returns the result of its step `pid`.
async fn process_of_run(api: &Api, workflow: &str) -> i64 {
    let r = api
        .post(
            &format!("/v1/workflows/{workflow}/command"),
            json!({"command": "start", "params": {}}),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{:?}", r.body);
    let run = r.body["run_id"].as_str().expect("run id").to_owned();
    let summary = run_to_end(api, workflow, &run).await;
    assert_eq!(summary["status"], "completed", "{summary}");
    let r = api
        .get(&format!("/v1/workflows/{workflow}/runs/{run}/context"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let step = &r.body["steps"]["pid"];
    number(step.get("result").unwrap_or(step))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workspaces_never_share_a_stdio_server_process() {
    let served = serve(Some(&catalog(&["fixture"])), &[]);
    let graph = json!({"steps": [{"id": "pid", "type": "mcp_call", "server_url": "stdio:fixture",
                                  "tool_name": "process_id", "tool_args": {}}]});
    let eve = stranger(served.base(), "eve");
    let mallory = stranger(served.base(), "mallory");
    let (eve, mallory) = tokio::join!(eve, mallory);
    let eves = eve.published_workflow("pid", graph.clone()).await;
    let mallorys = mallory.published_workflow("pid", graph).await;

    let eve_first = process_of_run(&eve, &eves).await;
    // Control: a workspace keeps its own connection from run to run.
    assert_eq!(process_of_run(&eve, &eves).await, eve_first);
    // The attack: the other workspace, calling the same server, got eve's process.
    let mallory_first = process_of_run(&mallory, &mallorys).await;
    assert_ne!(
        mallory_first, eve_first,
        "two workspaces were handed the same stdio server process"
    );
    assert_eq!(process_of_run(&eve, &eves).await, eve_first);
}

/// Creates `api`'s instance of catalog server `name`; returns the server id.
async fn catalog_server(api: &Api, name: &str) -> String {
    let r = api
        .post(
            "/v1/mcp/instances",
            json!({"server_url": format!("stdio:{name}")}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["server_id"].as_str().expect("server id").to_owned()
}

/// Validates `server` with the smoke call `hold` in `dir`: keeps a child busy until
/// `dir/release` exists.
fn hold(api: &Api, server: &str, dir: &Path) -> tokio::task::JoinHandle<Reply> {
    let api = api.clone();
    let path = format!("/v1/mcp/servers/{server}/validate");
    let body = json!({"tool": "hold", "args": {"directory": dir.display().to_string()}});
    tokio::spawn(async move { api.post(&path, body).await })
}

/// Waits until `count` hold calls are running (their marker files exist).
async fn wait_for_holds(dir: &Path, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let held = std::fs::read_dir(dir)
            .expect("read the hold directory")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".held"))
            .count();
        if held >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{held} of {count} hold calls started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_cannot_run_more_stdio_servers_than_its_quota() {
    let served = serve(
        Some(&catalog(&["slow-a", "slow-b", "slow-c"])),
        &[
            ("AR_MCP_STDIO_CHILDREN_PER_WORKSPACE", "2"),
            ("AR_MCP_STDIO_CHILDREN_MAX", "3"),
        ],
    );
    let holds = served.dir.path().join("holds");
    std::fs::create_dir(&holds).expect("hold directory");
    let eve = stranger(served.base(), "eve").await;
    let mallory = stranger(served.base(), "mallory").await;
    let eve_servers = [
        catalog_server(&eve, "slow-a").await,
        catalog_server(&eve, "slow-b").await,
        catalog_server(&eve, "slow-c").await,
    ];
    let mallory_servers = [
        catalog_server(&mallory, "slow-a").await,
        catalog_server(&mallory, "slow-b").await,
    ];

    // Eve keeps two children busy: her quota.
    let eve_a = hold(&eve, &eve_servers[0], &holds);
    let eve_b = hold(&eve, &eve_servers[1], &holds);
    wait_for_holds(&holds, 2).await;
    // The attack: a third child. Refused, saying why; nothing was checked or stored.
    let r = eve
        .post(
            &format!("/v1/mcp/servers/{}/validate", eve_servers[2]),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 429, "{:?}", r.body);
    assert_eq!(r.body["code"], "MCP_AT_CAPACITY", "{:?}", r.body);
    let error = r.body["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("this workspace") && error.contains('2'),
        "{error}"
    );

    // Another workspace still works while eve is at her quota...
    let mallory_a = hold(&mallory, &mallory_servers[0], &holds);
    wait_for_holds(&holds, 3).await;
    // ...until the server's own cap (3) is reached with every child busy: 503.
    let r = mallory
        .post(
            &format!("/v1/mcp/servers/{}/validate", mallory_servers[1]),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert_eq!(r.body["code"], "MCP_AT_CAPACITY", "{:?}", r.body);
    assert!(
        r.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("the server")),
        "{:?}",
        r.body
    );

    // The busy children finish: every held call passed, and the places came back.
    std::fs::write(holds.join("release"), "").expect("release");
    for call in [eve_a, eve_b, mallory_a] {
        let r = call.await.expect("hold call");
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["ok"], true, "{:?}", r.body);
        assert_eq!(r.body["smoke"]["ok"], true, "{:?}", r.body);
    }
    let r = eve
        .post(
            &format!("/v1/mcp/servers/{}/validate", eve_servers[2]),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["ok"], true, "{:?}", r.body);

    // The pool's health shows in /metrics: one refusal at each cap, the caps, no child
    // left running (validation closes its children).
    let metrics = reqwest::get(format!("{}/metrics", served.base()))
        .await
        .expect("scrape")
        .text()
        .await
        .expect("metrics text");
    for (series, expected) in [
        (
            "agentruntime_mcp_pool_refusals_total{cap=\"workspace\"}",
            1.0,
        ),
        ("agentruntime_mcp_pool_refusals_total{cap=\"node\"}", 1.0),
        (
            "agentruntime_mcp_stdio_children_limit{scope=\"workspace\"}",
            2.0,
        ),
        ("agentruntime_mcp_stdio_children_limit{scope=\"node\"}", 3.0),
        ("agentruntime_mcp_stdio_children", 0.0),
    ] {
        assert_eq!(
            sample(&metrics, series),
            Some(expected),
            "{series}: {metrics}"
        );
    }
}

/// The value of the sample `series` (name and labels as printed) in a Prometheus text.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}
