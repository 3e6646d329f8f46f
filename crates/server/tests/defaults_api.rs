//! The quota on unfinished runs per workspace (issue 13 item 8, docs/security.md
//! "Defaults"), on SQLite and PostgreSQL: starts beyond it are refused with 429 whoever
//! starts them (the API, a webhook delivery, a cron trigger, which records the refused
//! fire), finished runs free their place, and other workspaces are not affected.

#[macro_use]
mod common;

use ar_server::automation::scheduler::Scheduler;
use ar_server::automation::signature::sign;
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// Feb 29 at 03:00 UTC: the server's own scheduler never fires it during the test.
const LEAP_DAY: &str = "0 3 29 2 *";

fn waiting_graph() -> Value {
    json!({"name": "waits", "graph": {"steps": [{"id": "approve", "type": "human_task"}]}})
}

async fn start(s: &TestServer, ws: &Workspace, workflow: &str) -> Reply {
    s.call(Method::POST, format!("/v1/workflows/{workflow}/command"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"command": "start", "params": {}}))
        .send()
        .await
}

async fn starts_beyond_the_quota_are_refused_per_workspace(backend: Backend) {
    let settings = ar_server::Settings {
        max_active_runs_per_workspace: 2,
        ..test_settings()
    };
    let s = start_with(backend, settings).await;
    let busy = workspace(&s, "busy").await;
    let calm = workspace(&s, "calm").await;
    let flow = published_workflow(&s, &busy, waiting_graph()).await;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let r = start(&s, &busy, &flow).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        runs.push(r.body["run_id"].as_str().expect("run id").to_string());
    }
    let refused = start(&s, &busy, &flow).await;
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    assert_eq!(
        (
            &refused.body["active_runs"],
            &refused.body["max_active_runs"]
        ),
        (&json!(2), &json!(2))
    );
    assert!(
        refused.error().contains("unfinished runs"),
        "{:?}",
        refused.body
    );
    // A start repeating a client run id starts nothing: at the quota it still answers
    // with its run (docs/contract.md §7), as an agent's workflow call made again does.
    let by_client_id = |client_id: &'static str| {
        s.call(Method::POST, format!("/v1/workflows/{flow}/command"))
            .auth(&busy.owner)
            .tenant(&busy.slug)
            .json(json!({"command": "start", "params": {"run_id": client_id}}))
            .send()
    };
    let finished = s
        .call(Method::POST, format!("/v1/workflows/{flow}/command"))
        .auth(&busy.owner)
        .tenant(&busy.slug)
        .json(json!({"command": "stop", "params": {"run_id": runs[0]}}))
        .send()
        .await;
    assert!(finished.status < 300, "{:?}", finished.body);
    poll_until(
        &s,
        &busy.owner,
        &busy.slug,
        &format!("/v1/workflows/{flow}/runs/{}/summary", runs[0]),
        |b| b["run_complete"] == json!(true),
    )
    .await;
    let first = by_client_id("mine-1").await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let again = by_client_id("mine-1").await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body["run_id"], first.body["run_id"]);
    assert_eq!(by_client_id("mine-2").await.status, 429);
    runs[0] = first.body["run_id"].as_str().expect("run id").to_string();

    // A cron fire is refused the same way, and the refusal is recorded.
    let r = s
        .call(Method::POST, format!("/v1/workflows/{flow}/triggers"))
        .auth(&busy.owner)
        .tenant(&busy.slug)
        .json(json!({"cron": LEAP_DAY, "timezone": "UTC"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let trigger = r.body["id"].as_str().expect("trigger id").to_string();
    let due =
        chrono::DateTime::parse_from_rfc3339(r.body["next_fire_at"].as_str().expect("next fire"))
            .expect("RFC 3339")
            .timestamp_millis();
    let fired = Scheduler::new(s.server.state.clone(), "test-node")
        .tick(due)
        .await
        .expect("tick");
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0].run_id, None);
    let error = fired[0].error.clone().expect("why no run started");
    assert!(error.contains("unfinished runs"), "{error}");
    let r = s
        .call(
            Method::GET,
            format!("/v1/workflows/{flow}/triggers/{trigger}"),
        )
        .auth(&busy.owner)
        .tenant(&busy.slug)
        .send()
        .await;
    assert_eq!(r.body["last_error"], error.as_str());

    // So is a webhook delivery: the sender gets the 429.
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(&busy.owner)
        .tenant(&busy.slug)
        .json(json!({"name": "automation", "scopes": ["workflow:read", "workflow:run"]}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let (pat_id, pat) = (
        r.body["id"].as_str().expect("pat id").to_string(),
        r.body["token"].as_str().expect("token").to_string(),
    );
    let r = s
        .call(Method::POST, "/v1/inbound-webhooks")
        .auth(&busy.owner)
        .tenant(&busy.slug)
        .json(json!({"workflow_id": flow, "automation_pat_id": pat_id}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let webhook = r.body["id"].as_str().expect("webhook id").to_string();
    let secret = r.body["signing_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let payload = r#"{"order": 1}"#;
    let delivered = s
        .http
        .post(format!("{}/v1/inbound-webhooks/{webhook}", s.base))
        .header("Content-Type", "application/json")
        .header(
            "X-Agentruntime-Signature",
            sign(&secret, payload.as_bytes()),
        )
        .bearer_auth(&pat)
        .body(payload)
        .send()
        .await
        .expect("delivery");
    assert_eq!(delivered.status().as_u16(), 429);
    assert!(delivered.headers().contains_key("retry-after"));

    // Another workspace starts as usual.
    let other = published_workflow(&s, &calm, waiting_graph()).await;
    assert_eq!(start(&s, &calm, &other).await.status, 200);

    // A stopped run no longer counts.
    let r = s
        .call(Method::POST, format!("/v1/workflows/{flow}/command"))
        .auth(&busy.owner)
        .tenant(&busy.slug)
        .json(json!({"command": "stop", "params": {"run_id": runs[0]}}))
        .send()
        .await;
    assert!(r.status < 300, "{:?}", r.body);
    poll_until(
        &s,
        &busy.owner,
        &busy.slug,
        &format!("/v1/workflows/{flow}/runs/{}/summary", runs[0]),
        |b| b["run_complete"] == json!(true),
    )
    .await;
    let r = start(&s, &busy, &flow).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    s.close().await;
}

on_both_backends!(starts_beyond_the_quota_are_refused_per_workspace);
