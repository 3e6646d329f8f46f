//! Tenant isolation (issue 4): for every object kind, an id of another workspace behaves
//! exactly like an id that does not exist — in paths, JSON bodies, query filters, headers
//! and stream subscriptions — and sending it changes nothing of the other workspace.
//!
//! Workspaces A (`iso-a`) and B (`iso-b`) each get one object of every kind (`world`).
//! Every row of the table (`rows`: the places written out, plus header rows derived from
//! them) is sent twice by B's owner with B's tenant header: once carrying A's id, once
//! carrying an id nobody has (`send`). The two answers must be the same (status and body,
//! with the ids the request carried masked), neither may be a 5xx, and the answer to A's id
//! must not mention anything else of A. Afterwards everything A's owner can read must be
//! what it was before. Beyond the rows: B's own lists show nothing of A, B's workflow-wide
//! stream carries none of A's events, and the public webhook ingress (which has no
//! workspace) starts nothing of A's for B.
//!
//! `completeness` walks the OpenAPI document of the route table, so a new place that takes
//! an id fails until it gets a row or a stated reason why it carries no object id. Object
//! kinds without any id place: invites (no route takes an invite id; the accept link
//! carries a secret token, whose possession is the grant) and events (addressed only
//! through their run).

mod common;
#[path = "tenant_isolation/completeness.rs"]
mod completeness;
#[path = "tenant_isolation/rows.rs"]
mod rows;
#[path = "tenant_isolation/send.rs"]
mod send;
#[path = "tenant_isolation/types.rs"]
mod types;
#[path = "tenant_isolation/world.rs"]
mod world;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use rows::all_rows;
use send::{Answer, check_row, leaks, open, send};
use types::Req;
use world::{Tenant, command, tenants, waiting_run};

/// A's state as its owner reads it: every read, in order, with its answer.
async fn snapshot(s: &TestServer, a: &Tenant) -> Vec<(String, Value)> {
    let x = &a.ids;
    let wf = format!("/v1/workflows/{}", x.workflow);
    let reads: Vec<(String, bool)> = vec![
        (format!("/v1/workspaces/{}", x.slug), false),
        ("/v1/projects".into(), false),
        (format!("/v1/projects/{}/members", x.project), false),
        ("/v1/members".into(), false),
        ("/v1/pats".into(), false),
        ("/v1/workflows?include_archived=true".into(), true),
        (wf.clone(), false),
        (format!("{wf}/versions"), false),
        (format!("{wf}/runs"), false),
        (format!("{wf}/runs/{}", x.run), false),
        (format!("{wf}/runs/{}/events?limit=1000", x.run), false),
        (format!("{wf}/runs/{}/tasks/pending", x.run), false),
        (format!("{wf}/runs/{}", x.stopped_run), false),
        ("/v1/tasks/pending".into(), false),
        ("/v1/inbound-webhooks".into(), true),
        (format!("/v1/inbound-webhooks/{}", x.webhook), false),
        (format!("{wf}/triggers"), false),
        ("/v1/vault/secrets".into(), false),
        (format!("/v1/vault/secrets/{}/grants", x.secret), false),
        (format!("/v1/projects/{}/vault-grants", x.project), false),
        ("/v1/connections".into(), true),
        (format!("/v1/connections/{}", x.connection), false),
        (
            format!("/v1/connections/{}/credentials", x.connection),
            false,
        ),
        ("/v1/llm-provider-keys".into(), false),
        ("/v1/agents".into(), true),
        (format!("/v1/agents/{}", x.agent), false),
        ("/v1/chat/threads".into(), true),
        (format!("/v1/chat/threads/{}", x.chat_thread), false),
        (
            format!("/v1/chat/threads/{}/messages", x.chat_thread),
            false,
        ),
        // Billing: balances, subscription and grants (B's grant or trial must not land here).
        ("/v1/billing/usage".into(), true),
        ("/v1/billing/status".into(), true),
        ("/v1/billing/payment-history".into(), true),
    ];
    let mut out = Vec::new();
    for (path, in_project) in reads {
        let mut call = s.call(Method::GET, &path).auth(&a.owner).tenant(&x.slug);
        if in_project {
            call = call.project(&x.project);
        }
        let r = call.send().await;
        assert_eq!(r.status, 200, "A reads {path}: {}", r.body);
        out.push((path, r.body));
    }
    out
}

/// B's own lists show nothing of A.
async fn lists_of_b(s: &TestServer, a: &Tenant, b: &Tenant, failures: &mut Vec<String>) {
    let lists = [
        ("/v1/auth/me", false),
        ("/v1/workspaces", false),
        ("/v1/projects", false),
        ("/v1/members", false),
        ("/v1/pats", false),
        ("/v1/workflows?include_archived=true", true),
        ("/v1/runs?limit=200", false),
        ("/v1/tasks/pending", false),
        ("/v1/inbound-webhooks", true),
        ("/v1/vault/secrets", false),
        ("/v1/connections", true),
        ("/v1/llm-provider-keys", false),
        ("/v1/llm-provider-keys/catalog", false),
        ("/v1/chat/threads", true),
        ("/v1/billing/usage", true),
        ("/v1/billing/usage-history", true),
        ("/v1/billing/payment-history", true),
        ("/v1/billing/summary", true),
        ("/v1/billing/status", true),
        ("/v1/billing/usage-dimensions", true),
    ];
    for (path, in_project) in lists {
        let mut req = Req::of(b, path);
        if in_project {
            req = req.project(&b.ids.project);
        }
        let answer = send(s, b, "GET", false, &req).await;
        if answer.status != 200 {
            failures.push(format!(
                "B's list {path}: {} {}",
                answer.status, answer.body
            ));
        }
        let shown = leaks(&answer, &req, a);
        if !shown.is_empty() {
            failures.push(format!("B's list {path} shows A's {shown:?}"));
        }
    }
}

/// The public ingress has no workspace, so it cannot answer as for an unknown id: a
/// delivery to A's subscription signed with B's own secret and carrying B's PAT is refused
/// for its signature (401, where an unknown id is 404) and starts nothing (A's state is
/// compared afterwards).
async fn ingress_of_another_workspace(s: &TestServer, a: &Tenant, b: &Tenant) -> Vec<String> {
    let body = r#"{"from": "iso-b"}"#;
    let signature = ar_server::automation::signature::sign(&b.webhook_secret, body.as_bytes());
    let deliver = |id: String| {
        let signature = signature.clone();
        async move {
            let resp = s
                .http
                .post(format!("{}/v1/inbound-webhooks/{id}", s.base))
                .bearer_auth(&b.run_token)
                .header(
                    ar_server::automation::signature::SIGNATURE_HEADER,
                    signature,
                )
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .expect("delivery");
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.expect("body");
            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            Answer { status, body }
        }
    };
    let mut failures = Vec::new();
    let foreign = deliver(a.ids.webhook.clone()).await;
    let unknown = deliver(uuid::Uuid::now_v7().to_string()).await;
    let own = b.ids.webhook.clone();
    if foreign.status != 401 || unknown.status != 404 {
        failures.push(format!(
            "ingress: A's subscription got {} {}, an unknown one {} {} (want 401 and 404)",
            foreign.status, foreign.body, unknown.status, unknown.body
        ));
    }
    let req = Req::of(b, format!("/v1/inbound-webhooks/{}", a.ids.webhook));
    let shown = leaks(&foreign, &req, a);
    if !shown.is_empty() {
        failures.push(format!("ingress shows A's {shown:?}"));
    }
    // The same delivery to B's own subscription starts a run: the refusal above is about
    // the subscription, not a malformed delivery.
    let accepted = deliver(own).await;
    if accepted.status != 202 {
        failures.push(format!(
            "ingress to B's own subscription: {} {}",
            accepted.status, accepted.body
        ));
    }
    failures
}

/// B follows every run of its workflow while A and B each start one: B sees its own run
/// and nothing of A's.
async fn workflow_stream_of_b(s: &TestServer, a: &Tenant, b: &Tenant) -> Vec<String> {
    let req = Req::of(b, format!("/v1/workflows/{}/stream", b.ids.workflow));
    let mut socket = match open(s, b, &req).await {
        Ok(socket) => socket,
        Err(refused) => return vec![format!("B's own stream refused: {refused:?}")],
    };
    let a_run = waiting_run(s, a, &format!("{}-watched-run", a.ids.slug)).await;
    let b_run = command(s, b, json!({"command": "start", "params": {}})).await;
    let mut failures = Vec::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .expect("a frame within 30 s");
        let event: Value = match message {
            Some(Ok(Message::Text(text))) => serde_json::from_str(&text).expect("event JSON"),
            Some(Ok(Message::Close(frame))) => panic!("B's stream closed: {frame:?}"),
            Some(Ok(_)) => continue,
            other => panic!("B's stream ended: {other:?}"),
        };
        let frame = event.to_string();
        if event["workflow_id"] != b.ids.workflow.as_str() || frame.contains(&a_run) {
            failures.push(format!("B's workflow stream carried {frame}"));
        }
        let shown: Vec<&String> = a
            .markers
            .iter()
            .filter(|m| frame.contains(m.as_str()))
            .collect();
        if !shown.is_empty() {
            failures.push(format!("B's workflow stream shows A's {shown:?}: {frame}"));
        }
        if event["run_id"] == b_run.as_str() && event["event_type"] == "step_paused" {
            break;
        }
    }
    failures
}

async fn isolation(backend: Backend) {
    let s = start(backend).await;
    let (a, b) = tenants(&s).await;
    let before = snapshot(&s, &a).await;

    let rows = all_rows();
    let mut failures = Vec::new();
    for r in &rows {
        check_row(&s, &a, &b, r, &mut failures).await;
    }
    failures.extend(ingress_of_another_workspace(&s, &a, &b).await);
    lists_of_b(&s, &a, &b, &mut failures).await;

    // Nothing of A changed: every read of its owner answers as before.
    let after = snapshot(&s, &a).await;
    for ((path, was), (_, now)) in before.iter().zip(&after) {
        if was != now {
            failures.push(format!(
                "A's {path} changed:\n  before {was}\n  after  {now}"
            ));
        }
    }
    let summary = &after
        .iter()
        .find(|(p, _)| p.ends_with(&a.ids.run))
        .expect("run")
        .1;
    assert_eq!(summary["status"], "running", "A's run: {summary}");
    assert_eq!(summary["awaiting_human"], true, "A's run: {summary}");
    let tasks = &after
        .iter()
        .find(|(p, _)| p.ends_with("/tasks/pending") && p.contains(&a.ids.run))
        .expect("tasks")
        .1;
    assert_eq!(tasks["tasks"][0]["task_id"], "approve", "A's task: {tasks}");
    // A's token still works (checked last: using it changes its `last_used_at`).
    let r = s
        .call(Method::GET, format!("/v1/workflows/{}", a.ids.workflow))
        .auth(&Auth::Pat(a.pat_token.clone()))
        .send()
        .await;
    assert_eq!(r.status, 200, "A's PAT: {}", r.body);

    failures.extend(workflow_stream_of_b(&s, &a, &b).await);
    assert!(rows.len() > 100, "only {} rows", rows.len());
    assert!(
        failures.is_empty(),
        "{} of {} rows (and the extra checks) failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_workspaces_ids_are_unknown_everywhere_on_sqlite() {
    isolation(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_workspaces_ids_are_unknown_everywhere_on_postgres() {
    isolation(Backend::Postgres).await;
}
