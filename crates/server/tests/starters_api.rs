//! The starter gallery over `/v1/starters`: listed for project members, one starter's
//! graph becomes a workflow through the ordinary `POST /v1/workflows` and runs as it is,
//! and bad requests (no session, no project, another workspace's project, unknown or
//! hostile ids) get a clear 4xx. Who may call it is the permission matrix's business.

#[macro_use]
mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

async fn get(s: &TestServer, ws: &Workspace, path: &str) -> Reply {
    s.call(Method::GET, path)
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .project(&ws.project)
        .send()
        .await
}

async fn gallery_lists_cards_and_a_starter_runs_as_a_workflow(backend: Backend) {
    let s = start(backend).await;
    let ws = workspace(&s, "acme").await;

    let list = get(&s, &ws, "/v1/starters").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let cards = list.body["starters"].as_array().expect("starters").clone();
    let ids: Vec<&str> = cards.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(
        ids.first(),
        Some(&"expense-report-review"),
        "the starter that needs nothing comes first: {ids:?}"
    );
    assert_eq!(cards.len(), 7, "one card per example: {ids:?}");
    for card in &cards {
        for key in ["name", "description"] {
            assert!(
                card[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key}: {card}"
            );
        }
        assert!(card["step_count"].as_u64().is_some_and(|n| n > 0), "{card}");
        assert!(card["step_types"].is_array(), "{card}");
        assert!(card.get("graph").is_none(), "cards carry no graph: {card}");
    }

    let one = get(&s, &ws, "/v1/starters/expense-report-review").await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    assert_eq!(one.body["name"], "Expense report review");
    let graph = one.body["graph"].clone();
    assert!(graph["steps"].is_array(), "{graph}");
    assert!(graph.get("name").is_none() && graph.get("description").is_none());

    // "Use this": the console creates the workflow from the starter's graph as it is.
    let wf = published_workflow(
        &s,
        &ws,
        json!({"name": one.body["name"], "description": one.body["description"], "graph": graph}),
    )
    .await;
    let started = s
        .call(Method::POST, format!("/v1/workflows/{wf}/command"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"command": "start", "params": {"trigger_payload": {}}}))
        .send()
        .await;
    assert_eq!(started.status, 200, "{:?}", started.body);
    let run = started.body["run_id"].as_str().expect("run id");
    let tasks_path = format!("/v1/workflows/{wf}/runs/{run}/tasks/pending");
    let tasks = poll_until(&s, &ws.owner, &ws.slug, &tasks_path, |b| {
        b["tasks"].as_array().is_some_and(|t| !t.is_empty())
    })
    .await;
    // The schema's defaults reached the steps: the approval's title names the employee.
    assert_eq!(
        tasks["tasks"][0]["task_payload"]["title"],
        "Approve expenses of Ada Lovelace"
    );
    s.close().await;
}

async fn gallery_refuses_bad_requests_with_clear_errors(backend: Backend) {
    let s = start(backend).await;
    let ws = workspace(&s, "acme").await;
    let other = workspace(&s, "other").await;

    let anonymous = s.call(Method::GET, "/v1/starters").send().await;
    assert_eq!(anonymous.status, 401, "{:?}", anonymous.body);

    let no_project = s
        .call(Method::GET, "/v1/starters")
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .send()
        .await;
    assert_eq!(no_project.status, 400, "{:?}", no_project.body);
    assert!(
        no_project.error().contains("X-Project-Id"),
        "{}",
        no_project.error()
    );

    // Another workspace's project is not this caller's to name.
    let foreign = s
        .call(Method::GET, "/v1/starters")
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .project(&other.project)
        .send()
        .await;
    assert_eq!(foreign.status, 404, "{:?}", foreign.body);

    let long = "x".repeat(4000);
    for id in [
        "no-such-starter",
        "..%2F..%2Fetc%2Fpasswd",
        "expense-report-review.json",
        long.as_str(),
    ] {
        let r = get(&s, &ws, &format!("/v1/starters/{id}")).await;
        assert_eq!(r.status, 404, "{id}: {:?}", r.body);
        assert!(r.error().contains("GET /v1/starters"), "{}", r.error());
    }
    let slash = get(&s, &ws, "/v1/starters/").await;
    assert_eq!(
        slash.status, 404,
        "a trailing slash names no starter: {:?}",
        slash.body
    );
    s.close().await;
}

on_both_backends!(
    gallery_lists_cards_and_a_starter_runs_as_a_workflow,
    gallery_refuses_bad_requests_with_clear_errors,
);
