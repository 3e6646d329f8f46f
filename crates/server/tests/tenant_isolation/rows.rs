//! The rows: every place the API takes an object id, written out, plus the header rows
//! derived from them.

use std::sync::Arc;

use ar_server::routes::specs;
use serde_json::{Value, json};

use crate::types::{Ids, Obj, Place, Req, Row, row};

/// What the rows try to write into A's objects.
const TAKEN: &str = "taken over by iso-b";

/// Replaces `{name}` segments of a route pattern.
fn fill(pattern: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(pattern.to_string(), |path, (name, v)| {
        path.replace(&format!("{{{name}}}"), v)
    })
}

const STREAM: &str = "/v1/workflows/{id}/stream";
const GRANT: &str = "/v1/vault/secrets/{name}/grants/{project_id}";
const RUN: &str = "/v1/workflows/{id}/runs/{run_id}";

/// The routes under a run: (method, route, object, whether it acts on the stopped run, body).
#[rustfmt::skip]
fn run_routes() -> Vec<(&'static str, &'static str, Obj, bool, Option<Value>)> {
    let complete = json!({"approved": true, "result": {"by": TAKEN}});
    vec![
        ("GET", RUN, Obj::Run, false, None),
        ("GET", "/v1/workflows/{id}/runs/{run_id}/summary", Obj::Run, false, None),
        ("GET", "/v1/workflows/{id}/runs/{run_id}/events", Obj::Run, false, None),
        ("GET", "/v1/workflows/{id}/runs/{run_id}/context", Obj::Run, false, None),
        ("POST", "/v1/workflows/{id}/runs/{run_id}/retry", Obj::Run, true, Some(json!({}))),
        ("GET", "/v1/workflows/{id}/runs/{run_id}/tasks/pending", Obj::Task, false, None),
        ("POST", "/v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete", Obj::Task, false, Some(complete)),
    ]
}

/// Every place an id goes, written out. A path with two ids has two rows: one with both
/// ids under test (named by the first slot: all of A's, or all unknown), and one with B's
/// own first id and the second under test.
#[rustfmt::skip]
fn rows() -> Vec<Row> {
    use Obj::*;
    use Place::*;
    let mut rows = vec![
        // Workspaces, projects, members, tokens.
        row("GET", "/v1/workspaces/{slug}", Path, "slug", Workspace, |b, x| Req::of(b, format!("/v1/workspaces/{}", x.slug))),
        row("PATCH", "/v1/workspaces/{slug}", Path, "slug", Workspace, |b, x| Req::of(b, format!("/v1/workspaces/{}", x.slug))
            .body(json!({"name": TAKEN, "admins_full_access_to_private": true}))),
        row("PATCH", "/v1/projects/{id}", Path, "id", Project, |b, x| Req::of(b, format!("/v1/projects/{}", x.project))
            .body(json!({"name": TAKEN, "visibility": "public"}))),
        row("GET", "/v1/projects/{id}/members", Path, "id", Project, |b, x| Req::of(b, format!("/v1/projects/{}/members", x.project))),
        // B's owner tries to make itself admin of A's project.
        row("POST", "/v1/projects/{id}/members", Path, "id", Project, |b, x| Req::of(b, format!("/v1/projects/{}/members", x.project))
            .body(json!({"user_id": b.owner_id, "role": "project_admin"}))),
        row("PATCH", "/v1/projects/{id}/members/{user_id}", Path, "id", Project, |b, x| Req::of(b, format!("/v1/projects/{}/members/{}", x.project, x.member))
            .body(json!({"role": "project_admin"}))),
        row("DELETE", "/v1/projects/{id}/members/{user_id}", Path, "id", Project, |b, x| Req::of(b, format!("/v1/projects/{}/members/{}", x.project, x.member))),
        row("PATCH", "/v1/projects/{id}/members/{user_id}", Path, "user_id", Member, |b, x| Req::of(b, format!("/v1/projects/{}/members/{}", b.ids.project, x.member))
            .body(json!({"role": "project_admin"}))),
        row("DELETE", "/v1/projects/{id}/members/{user_id}", Path, "user_id", Member, |b, x| Req::of(b, format!("/v1/projects/{}/members/{}", b.ids.project, x.member))),
        row("POST", "/v1/projects/{id}/members", Body, "user_id", Member, |b, x| Req::of(b, format!("/v1/projects/{}/members", b.ids.project))
            .body(json!({"user_id": x.member, "role": "project_viewer"}))),
        row("POST", "/v1/projects/{id}/members", Body, "email", Member, |b, x| Req::of(b, format!("/v1/projects/{}/members", b.ids.project))
            .body(json!({"email": x.member_email, "role": "project_viewer"}))),
        row("PATCH", "/v1/members/{user_id}", Path, "user_id", Member, |b, x| Req::of(b, format!("/v1/members/{}", x.member))
            .body(json!({"role": "admin"}))),
        row("DELETE", "/v1/members/{user_id}", Path, "user_id", Member, |b, x| Req::of(b, format!("/v1/members/{}", x.member))),
        row("DELETE", "/v1/pats/{id}", Path, "id", Pat, |b, x| Req::of(b, format!("/v1/pats/{}", x.pat))),
        // Workflows and versions.
        row("GET", "/v1/workflows/{id}", Path, "id", Workflow, |b, x| Req::of(b, format!("/v1/workflows/{}", x.workflow))),
        row("PATCH", "/v1/workflows/{id}", Path, "id", Workflow, |b, x| Req::of(b, format!("/v1/workflows/{}", x.workflow))
            .body(json!({"name": TAKEN, "description": TAKEN}))),
        row("DELETE", "/v1/workflows/{id}", Path, "id", Workflow, |b, x| Req::of(b, format!("/v1/workflows/{}", x.workflow))),
        row("POST", "/v1/workflows/{id}/versions", Path, "id", Workflow, |b, x| Req::of(b, format!("/v1/workflows/{}/versions", x.workflow))
            .body(json!({"changelog": TAKEN, "force": true}))),
        row("GET", "/v1/workflows/{id}/versions", Path, "id", Version, |b, x| Req::of(b, format!("/v1/workflows/{}/versions", x.workflow))),
        row("GET", "/v1/workflows/{id}/versions/{version}", Path, "id", Version, |b, x| Req::of(b, format!("/v1/workflows/{}/versions/1", x.workflow))),
        row("POST", "/v1/workflows/{id}/validate", Path, "id", Workflow, |b, x| Req::of(b, format!("/v1/workflows/{}/validate", x.workflow))
            .body(json!({}))),
        // Commands: the workflow in the path, runs in the body.
        row("POST", "/v1/workflows/{id}/command", Path, "id", Workflow, |b, x| Req::of(b, format!("/v1/workflows/{}/command", x.workflow))
            .body(json!({"command": "start", "params": {}}))),
        row("POST", "/v1/workflows/{id}/command", Body, "params.resume_from_run_id", Run, |b, x| Req::of(b, format!("/v1/workflows/{}/command", b.ids.workflow))
            .body(json!({"command": "start", "params": {"resume_from_run_id": x.run, "reuse_completed_steps": true}}))),
        // A client run id is scoped to its workflow: A's starts a new run of B's.
        row("POST", "/v1/workflows/{id}/command", Body, "params.run_id", Run, |b, x| Req::of(b, format!("/v1/workflows/{}/command", b.ids.workflow))
            .body(json!({"command": "start", "params": {"run_id": x.client_run_id}}))).status_only(),
        // Run lists and their filters.
        row("GET", "/v1/workflows/{id}/runs", Path, "id", Run, |b, x| Req::of(b, format!("/v1/workflows/{}/runs", x.workflow))),
        row("GET", "/v1/workflows/{id}/runs", Query, "workflow", Workflow, |b, x| Req::of(b, format!("/v1/workflows/{}/runs?workflow={}", b.ids.workflow, x.workflow))),
        row("GET", "/v1/workflows/{id}/runs", Query, "cursor", Run, |b, x| Req::of(b, format!("/v1/workflows/{}/runs?cursor={}", b.ids.workflow, x.cursor))),
        row("GET", "/v1/runs", Query, "workflow", Workflow, |b, x| Req::of(b, format!("/v1/runs?workflow={}", x.workflow))),
        row("GET", "/v1/runs", Query, "cursor", Run, |b, x| Req::of(b, format!("/v1/runs?cursor={}", x.cursor))),
        // Inbound webhooks.
        row("GET", "/v1/inbound-webhooks/{id}", Path, "id", Webhook, |b, x| Req::of(b, format!("/v1/inbound-webhooks/{}", x.webhook))),
        row("PATCH", "/v1/inbound-webhooks/{id}", Path, "id", Webhook, |b, x| Req::of(b, format!("/v1/inbound-webhooks/{}", x.webhook))
            .body(json!({"name": TAKEN, "enabled": false, "extras": {"by": TAKEN}}))),
        row("DELETE", "/v1/inbound-webhooks/{id}", Path, "id", Webhook, |b, x| Req::of(b, format!("/v1/inbound-webhooks/{}", x.webhook))),
        row("POST", "/v1/inbound-webhooks", Body, "workflow_id", Workflow, |b, x| Req::of(b, "/v1/inbound-webhooks")
            .body(json!({"workflow_id": x.workflow, "name": TAKEN}))),
        row("POST", "/v1/inbound-webhooks", Body, "automation_pat_id", Pat, |b, x| Req::of(b, "/v1/inbound-webhooks")
            .body(json!({"workflow_id": b.ids.workflow, "automation_pat_id": x.pat}))),
        // Not in the OpenAPI document (so not found by the walk below): the list's filter.
        row("GET", "/v1/inbound-webhooks", Query, "workflow_id", Workflow, |b, x| Req::of(b, format!("/v1/inbound-webhooks?workflow_id={}", x.workflow))
            .project(&b.ids.project)),
        // Workspace secrets (by name).
        row("DELETE", "/v1/vault/secrets/{name}", Path, "name", VaultSecret, |b, x| Req::of(b, format!("/v1/vault/secrets/{}", x.secret))),
        // Grants of a secret to a project: A's secret and project, then B's secret with
        // A's project (B granting its own secret into A's project).
        row("GET", "/v1/vault/secrets/{name}/grants", Path, "name", VaultSecret, |b, x| Req::of(b, format!("/v1/vault/secrets/{}/grants", x.secret))),
        row("PUT", GRANT, Path, "name", VaultSecret, |b, x| Req::of(b, fill(GRANT, &[("name", &x.secret), ("project_id", &x.project)])).body(json!({}))),
        row("PUT", GRANT, Path, "project_id", Project, |b, x| Req::of(b, fill(GRANT, &[("name", &b.ids.secret), ("project_id", &x.project)])).body(json!({}))),
        row("DELETE", GRANT, Path, "name", VaultSecret, |b, x| Req::of(b, fill(GRANT, &[("name", &x.secret), ("project_id", &x.project)]))),
        row("DELETE", GRANT, Path, "project_id", Project, |b, x| Req::of(b, fill(GRANT, &[("name", &b.ids.secret), ("project_id", &x.project)]))),
        row("GET", "/v1/projects/{id}/vault-grants", Path, "id", Project, |b, x| Req::of(b, format!("/v1/projects/{}/vault-grants", x.project))),
        // Connections.
        row("GET", "/v1/connections/{id}", Path, "id", Connection, |b, x| Req::of(b, format!("/v1/connections/{}", x.connection))),
        row("GET", "/v1/connections/{id}/credentials", Path, "id", Connection, |b, x| Req::of(b, format!("/v1/connections/{}/credentials", x.connection))),
        row("PATCH", "/v1/connections/{id}", Path, "id", Connection, |b, x| Req::of(b, format!("/v1/connections/{}", x.connection))
            .body(json!({"display_name": TAKEN, "credentials": {"token": TAKEN}}))),
        row("DELETE", "/v1/connections/{id}", Path, "id", Connection, |b, x| Req::of(b, format!("/v1/connections/{}", x.connection))),
        row("GET", "/v1/connections/google/accounts/{connectionId}", Path, "connectionId", Connection, |b, x| Req::of(b, format!("/v1/connections/google/accounts/{}", x.connection))),
        row("POST", "/v1/connections/google/oauth-url", Body, "connection_id", Connection, |b, x| Req::of(b, "/v1/connections/google/oauth-url").project(&b.ids.project)
            .body(json!({"services": ["gmail"], "connection_id": x.connection}))),
        row("PATCH", "/v1/connections/google/accounts/{connectionId}/services", Path, "connectionId", Connection, |b, x| Req::of(b, format!("/v1/connections/google/accounts/{}/services", x.connection))
            .body(json!({"services": {"gmail": false}}))),
        // Workspace LLM keys.
        row("DELETE", "/v1/llm-provider-keys/{id}", Path, "id", LlmKey, |b, x| Req::of(b, format!("/v1/llm-provider-keys/{}", x.llm_key))),
        // Cron triggers.
        row("GET", "/v1/workflows/{id}/triggers", Path, "id", Trigger, |b, x| Req::of(b, format!("/v1/workflows/{}/triggers", x.workflow))),
        row("POST", "/v1/workflows/{id}/triggers", Path, "id", Trigger, |b, x| Req::of(b, format!("/v1/workflows/{}/triggers", x.workflow))
            .body(json!({"cron": "* * * * *"}))),
    ];
    rows.extend(mcp_rows());
    rows.extend(agent_rows());
    rows.extend(chat_rows());
    rows.extend(autopilot_rows());
    for (method, body) in [("GET", None), ("PATCH", Some(json!({"enabled": true, "cron": "* * * * *"}))), ("DELETE", None)] {
        let route = "/v1/workflows/{id}/triggers/{trigger_id}";
        let (all_a, mixed) = (body.clone(), body);
        rows.push(row(method, route, Path, "id", Trigger, move |b, x| {
            let req = Req::of(b, fill(route, &[("id", &x.workflow), ("trigger_id", &x.trigger)]));
            match &all_a { Some(v) => req.body(v.clone()), None => req }
        }));
        rows.push(row(method, route, Path, "trigger_id", Trigger, move |b, x| {
            let req = Req::of(b, fill(route, &[("id", &b.ids.workflow), ("trigger_id", &x.trigger)]));
            match &mixed { Some(v) => req.body(v.clone()), None => req }
        }));
    }
    // Runs, tasks and run commands.
    for (method, route, object, stopped, body) in run_routes() {
        let run = move |x: &Ids| if stopped { x.stopped_run.clone() } else { x.run.clone() };
        let (all_a, mixed) = (body.clone(), body);
        rows.push(row(method, route, Path, "id", object, move |b, x| {
            let req = Req::of(b, fill(route, &[("id", &x.workflow), ("run_id", &run(x)), ("task_id", "approve")]));
            match &all_a { Some(v) => req.body(v.clone()), None => req }
        }));
        rows.push(row(method, route, Path, "run_id", object, move |b, x| {
            let req = Req::of(b, fill(route, &[("id", &b.ids.workflow), ("run_id", &run(x)), ("task_id", "approve")]));
            match &mixed { Some(v) => req.body(v.clone()), None => req }
        }));
    }
    for verb in ["pause", "resume", "stop"] {
        rows.push(row("POST", "/v1/workflows/{id}/command", Body, "params.run_id", Run, move |b, x| {
            Req::of(b, format!("/v1/workflows/{}/command", b.ids.workflow))
                .body(json!({"command": verb, "params": {"run_id": x.run}}))
        }));
    }
    // Stream subscriptions, as plain requests and as real WebSocket handshakes.
    let streams = [
        row("GET", STREAM, Path, "id", Workflow, |b, x| Req::of(b, format!("/v1/workflows/{}/stream", x.workflow))),
        row("GET", STREAM, Query, "run_id", Run, |b, x| Req::of(b, format!("/v1/workflows/{}/stream?run_id={}", b.ids.workflow, x.run))),
        // A browser names the workspace in the query; here A's, with A's workflow.
        row("GET", STREAM, Query, "tenant", Workspace, |b, x| Req::of(b, format!("/v1/workflows/{}/stream?tenant={}", x.workflow, x.slug))
            .tenant(None)),
    ];
    for r in streams {
        rows.push(r.over_websocket());
        rows.push(r);
    }
    rows.extend(list_header_rows());
    // The analytics answers read the project of `X-Project-Id` only (docs/analytics.md).
    for route in [
        "/v1/analytics/live-runs", "/v1/analytics/success-rate", "/v1/analytics/execution-duration",
        "/v1/analytics/runs-count", "/v1/analytics/steps-executed", "/v1/analytics/credits-consumed",
        "/v1/analytics/steps-summary", "/v1/analytics/runs-timeseries", "/v1/analytics/usage-timeseries",
    ] {
        rows.push(row("GET", route, Header, "X-Tenant-Id", Workspace, move |b, x| Req::of(b, route).tenant(Some(&x.slug)).project(&x.project)));
        rows.push(row("GET", route, Header, "X-Project-Id", Project, move |b, x| Req::of(b, route).project(&x.project)));
    }
    rows
}

/// The MCP registry: servers, instances and config profiles by id.
#[rustfmt::skip]
fn mcp_rows() -> Vec<Row> {
    use Obj::*;
    use Place::*;
    let mut rows = Vec::new();
    for (method, route) in [("GET", "/v1/mcp/servers/{id}"), ("DELETE", "/v1/mcp/servers/{id}"), ("GET", "/v1/mcp/servers/{id}/versions"), ("POST", "/v1/mcp/servers/{id}/versions"), ("POST", "/v1/mcp/servers/{id}/validate"), ("POST", "/v1/mcp/servers/{id}/discover")] {
        rows.push(row(method, route, Path, "id", McpServer, move |b, x| {
            let req = Req::of(b, fill(route, &[("id", &x.mcp_server)]));
            if method == "POST" { req.body(json!({})) } else { req }
        }));
    }
    // Validating through a connection: A's server with B's connection, B's server with A's.
    rows.push(row("POST", "/v1/mcp/servers/{id}/connections/{connection_id}/validate", Path, "id", McpServer, |b, x| Req::of(b, fill("/v1/mcp/servers/{id}/connections/{connection_id}/validate", &[("id", &x.mcp_server), ("connection_id", &b.ids.connection)]))
        .body(json!({}))));
    rows.push(row("POST", "/v1/mcp/servers/{id}/connections/{connection_id}/validate", Path, "connection_id", Connection, |b, x| Req::of(b, fill("/v1/mcp/servers/{id}/connections/{connection_id}/validate", &[("id", &b.ids.mcp_server), ("connection_id", &x.connection)]))
        .body(json!({}))));
    rows.push(row("POST", "/v1/mcp/servers/{id}/validate", Body, "instance_id", McpInstance, |b, x| Req::of(b, format!("/v1/mcp/servers/{}/validate", b.ids.mcp_server))
        .body(json!({"instance_id": x.mcp_instance}))));
    for (method, route, body) in [
        ("GET", "/v1/mcp/instances/{id}", None),
        ("PATCH", "/v1/mcp/instances/{id}", Some(json!({"name": TAKEN}))),
        ("DELETE", "/v1/mcp/instances/{id}", None),
        ("GET", "/v1/mcp/instances/{id}/config-profiles", None),
        ("POST", "/v1/mcp/instances/{id}/config-profiles", Some(json!({"name": TAKEN, "headers": {"X-Taken": TAKEN}}))),
        ("POST", "/v1/mcp/instances/{id}/validate", Some(json!({}))),
    ] {
        rows.push(row(method, route, Path, "id", McpInstance, move |b, x| {
            let req = Req::of(b, fill(route, &[("id", &x.mcp_instance)]));
            match &body { Some(v) => req.body(v.clone()), None => req }
        }));
    }
    for (method, route, body) in [
        ("PATCH", "/v1/mcp/instances/{id}/config-profiles/{profile_id}", Some(json!({"name": TAKEN}))),
        ("DELETE", "/v1/mcp/instances/{id}/config-profiles/{profile_id}", None),
        ("POST", "/v1/mcp/instances/{id}/config-profiles/{profile_id}/set-active", None),
    ] {
        let (all_a, mixed) = (body.clone(), body);
        rows.push(row(method, route, Path, "id", McpProfile, move |b, x| {
            let req = Req::of(b, fill(route, &[("id", &x.mcp_instance), ("profile_id", &x.mcp_profile)]));
            match &all_a { Some(v) => req.body(v.clone()), None => req }
        }));
        rows.push(row(method, route, Path, "profile_id", McpProfile, move |b, x| {
            let req = Req::of(b, fill(route, &[("id", &b.ids.mcp_instance), ("profile_id", &x.mcp_profile)]));
            match &mixed { Some(v) => req.body(v.clone()), None => req }
        }));
    }
    rows.push(row("POST", "/v1/mcp/instances", Body, "server_id", McpServer, |b, x| Req::of(b, "/v1/mcp/instances").project(&b.ids.project)
        .body(json!({"server_id": x.mcp_server, "name": TAKEN}))));
    rows.push(row("POST", "/v1/mcp/instances/resolve", Body, "instance_id", McpInstance, |b, x| Req::of(b, "/v1/mcp/instances/resolve").project(&b.ids.project)
        .body(json!({"instance_id": x.mcp_instance}))));
    // An import that maps a step to A's instance is refused like one naming no instance.
    rows.push(row("POST", "/v1/workflows", Body, "instance_map", McpInstance, |b, x| Req::of(b, "/v1/workflows").project(&b.ids.project)
        .body(json!({"name": TAKEN, "graph": {"steps": []}, "instance_map": {"srv": x.mcp_instance}}))));
    // The routes without an id in their path: A's workspace or project in the headers.
    let refused = json!({"url": "http://169.254.169.254/mcp"});
    for (method, route, body) in [
        ("GET", "/v1/mcp/platform-catalog", None),
        ("GET", "/v1/mcp/tools", None),
        ("GET", "/v1/mcp/servers", None),
        ("POST", "/v1/mcp/servers", Some(refused.clone())),
        ("POST", "/v1/mcp/servers/discover", Some(refused)),
        ("GET", "/v1/mcp/instances", None),
        ("POST", "/v1/mcp/instances", Some(json!({"server_url": "stdio:none", "name": TAKEN}))),
        ("POST", "/v1/mcp/instances/resolve", Some(json!({"server_url": "https://tools.example/mcp"}))),
    ] {
        let (with_tenant, with_project) = (body.clone(), body);
        rows.push(row(method, route, Header, "X-Tenant-Id", Workspace, move |b, x| {
            let req = Req::of(b, route).tenant(Some(&x.slug)).project(&x.project);
            match &with_tenant { Some(v) => req.body(v.clone()), None => req }
        }));
        rows.push(row(method, route, Header, "X-Project-Id", Project, move |b, x| {
            let req = Req::of(b, route).project(&x.project);
            match &with_project { Some(v) => req.body(v.clone()), None => req }
        }));
    }
    rows
}

/// Autopilot (docs/contract.md §13): the thread a message continues, the thread and
/// message a stream names, and the headers of both routes.
#[rustfmt::skip]
fn autopilot_rows() -> Vec<Row> {
    use Obj::*;
    use Place::*;
    let chat = |thread: Option<&str>| {
        let mut body = json!({"message": TAKEN, "mode": "ask"});
        if let Some(t) = thread { body["thread_id"] = json!(t); }
        body
    };
    let stream = |thread: &str, message: &str| format!("/v1/autopilot/stream?thread_id={thread}&message_id={message}");
    vec![
        row("POST", "/v1/autopilot/chat", Body, "thread_id", ChatThread, move |b, x| Req::of(b, "/v1/autopilot/chat").project(&b.ids.project)
            .body(chat(Some(&x.autopilot_thread)))),
        row("POST", "/v1/autopilot/chat", Header, "X-Tenant-Id", Workspace, move |b, x| Req::of(b, "/v1/autopilot/chat").tenant(Some(&x.slug)).project(&x.project)
            .body(chat(None))),
        row("POST", "/v1/autopilot/chat", Header, "X-Project-Id", Project, move |b, x| Req::of(b, "/v1/autopilot/chat").project(&x.project)
            .body(chat(None))),
        row("GET", "/v1/autopilot/stream", Query, "thread_id", ChatThread, move |b, x| Req::of(b, stream(&x.autopilot_thread, &b.ids.autopilot_message))),
        row("GET", "/v1/autopilot/stream", Query, "message_id", ChatMessage, move |b, x| Req::of(b, stream(&b.ids.autopilot_thread, &x.autopilot_message))),
        row("GET", "/v1/autopilot/stream", Header, "X-Tenant-Id", Workspace, move |b, x| Req::of(b, stream(&b.ids.autopilot_thread, &b.ids.autopilot_message)).tenant(Some(&x.slug))),
        row("GET", "/v1/autopilot/stream", Header, "X-Project-Id", Project, move |b, x| Req::of(b, stream(&b.ids.autopilot_thread, &b.ids.autopilot_message)).project(&x.project)),
    ]
}

/// Project agents: by id in the path, the ids their bodies name (an MCP instance in
/// `tools`, workflows in `workflows_as_tools`), and the list routes' headers.
#[rustfmt::skip]
fn agent_rows() -> Vec<Row> {
    use Obj::*;
    use Place::*;
    let mut rows = Vec::new();
    for (method, body) in [("GET", None), ("PATCH", Some(json!({"name": TAKEN, "instructions": TAKEN}))), ("DELETE", None)] {
        rows.push(row(method, "/v1/agents/{id}", Path, "id", Agent, move |b, x| {
            let req = Req::of(b, format!("/v1/agents/{}", x.agent));
            match &body { Some(v) => req.body(v.clone()), None => req }
        }));
    }
    let new_agent = |tools: Value, workflows: Value| json!({"name": TAKEN, "model": "gpt-4o-mini", "tools": tools, "workflows_as_tools": workflows});
    rows.push(row("POST", "/v1/agents", Body, "tools", McpInstance, move |b, x| Req::of(b, "/v1/agents").project(&b.ids.project)
        .body(new_agent(json!([{"instance_id": x.mcp_instance, "tool_names": ["echo"]}]), json!([])))));
    rows.push(row("POST", "/v1/agents", Body, "workflows_as_tools", Workflow, move |b, x| Req::of(b, "/v1/agents").project(&b.ids.project)
        .body(new_agent(json!([]), json!([x.workflow])))));
    rows.push(row("PATCH", "/v1/agents/{id}", Body, "tools", McpInstance, |b, x| Req::of(b, format!("/v1/agents/{}", b.ids.agent))
        .body(json!({"tools": [{"instance_id": x.mcp_instance, "tool_names": ["echo"]}]}))));
    rows.push(row("PATCH", "/v1/agents/{id}", Body, "workflows_as_tools", Workflow, |b, x| Req::of(b, format!("/v1/agents/{}", b.ids.agent))
        .body(json!({"workflows_as_tools": [x.workflow]}))));
    for (method, body) in [("GET", None), ("POST", Some(json!({"name": TAKEN, "model": "gpt-4o-mini"})))] {
        let (with_tenant, with_project) = (body.clone(), body);
        rows.push(row(method, "/v1/agents", Header, "X-Tenant-Id", Workspace, move |b, x| {
            let req = Req::of(b, "/v1/agents").tenant(Some(&x.slug)).project(&x.project);
            match &with_tenant { Some(v) => req.body(v.clone()), None => req }
        }));
        rows.push(row(method, "/v1/agents", Header, "X-Project-Id", Project, move |b, x| {
            let req = Req::of(b, "/v1/agents").project(&x.project);
            match &with_project { Some(v) => req.body(v.clone()), None => req }
        }));
    }
    rows
}

/// Chat threads: by id in the path (every route of one thread, its stream included), the
/// agents a new thread names, and the list routes' headers.
#[rustfmt::skip]
fn chat_rows() -> Vec<Row> {
    use Obj::*;
    use Place::*;
    let mut rows = Vec::new();
    let one = [
        ("GET", "/v1/chat/threads/{id}", None),
        ("PATCH", "/v1/chat/threads/{id}", Some(json!({"title": TAKEN}))),
        ("DELETE", "/v1/chat/threads/{id}", None),
        ("GET", "/v1/chat/threads/{id}/messages", None),
        ("POST", "/v1/chat/threads/{id}/messages", Some(json!({"text": TAKEN}))),
        ("GET", "/v1/chat/threads/{id}/stream", None),
    ];
    for (method, route, body) in one {
        rows.push(row(method, route, Path, "id", ChatThread, move |b, x| {
            let req = Req::of(b, fill(route, &[("id", &x.chat_thread)]));
            match &body { Some(v) => req.body(v.clone()), None => req }
        }));
    }
    rows.push(row("GET", "/v1/chat/threads/{id}/stream", Query, "tenant", Workspace, |b, x| {
        Req::of(b, format!("/v1/chat/threads/{}/stream?tenant={}", x.chat_thread, x.slug)).tenant(None)
    }));
    rows.push(row("POST", "/v1/chat/threads", Body, "agent_ids", Agent, |b, x| Req::of(b, "/v1/chat/threads").project(&b.ids.project)
        .body(json!({"title": TAKEN, "kind": "channel", "agent_ids": [x.agent]}))));
    for (method, body) in [("GET", None), ("POST", Some(json!({"title": TAKEN, "kind": "channel"})))] {
        let (with_tenant, with_project) = (body.clone(), body);
        rows.push(row(method, "/v1/chat/threads", Header, "X-Tenant-Id", Workspace, move |b, x| {
            let req = Req::of(b, "/v1/chat/threads").tenant(Some(&x.slug)).project(&x.project);
            match &with_tenant { Some(v) => req.body(v.clone()), None => req }
        }));
        rows.push(row(method, "/v1/chat/threads", Header, "X-Project-Id", Project, move |b, x| {
            let req = Req::of(b, "/v1/chat/threads").project(&x.project);
            match &with_project { Some(v) => req.body(v.clone()), None => req }
        }));
    }
    rows
}

/// The routes without an id in their path, with A's workspace in `X-Tenant-Id` or A's
/// project in `X-Project-Id`.
#[rustfmt::skip]
fn list_header_rows() -> Vec<Row> {
    use Obj::*;
    use Place::*;
    const T: &str = "X-Tenant-Id";
    const P: &str = "X-Project-Id";
    let graph = json!({"steps": []});
    let graph2 = graph.clone();
    vec![
        row("GET", "/v1/workspaces", Header, T, Workspace, |b, x| Req::of(b, "/v1/workspaces").tenant(Some(&x.slug))),
        // Creates a workspace of B's owner either way (a fresh slug each time).
        row("POST", "/v1/workspaces", Header, T, Workspace, |b, x| Req::of(b, "/v1/workspaces").tenant(Some(&x.slug))
            .body(json!({"slug": format!("new-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]), "name": TAKEN}))).status_only(),
        row("GET", "/v1/projects", Header, T, Workspace, |b, x| Req::of(b, "/v1/projects").tenant(Some(&x.slug))),
        row("POST", "/v1/projects", Header, T, Workspace, |b, x| Req::of(b, "/v1/projects").tenant(Some(&x.slug))
            .body(json!({"name": TAKEN}))),
        row("GET", "/v1/members", Header, T, Workspace, |b, x| Req::of(b, "/v1/members").tenant(Some(&x.slug))),
        row("POST", "/v1/invites", Header, T, Workspace, |b, x| Req::of(b, "/v1/invites").tenant(Some(&x.slug))
            .body(json!({"email": "invited-by-b@iso-b.test", "role": "admin"}))),
        row("GET", "/v1/pats", Header, T, Workspace, |b, x| Req::of(b, "/v1/pats").tenant(Some(&x.slug))),
        row("POST", "/v1/pats", Header, T, Workspace, |b, x| Req::of(b, "/v1/pats").tenant(Some(&x.slug))
            .body(json!({"name": TAKEN, "scopes": ["workflow:read"]}))),
        row("GET", "/v1/workflows", Header, T, Workspace, |b, x| Req::of(b, "/v1/workflows").tenant(Some(&x.slug)).project(&x.project)),
        row("POST", "/v1/workflows", Header, T, Workspace, move |b, x| Req::of(b, "/v1/workflows").tenant(Some(&x.slug)).project(&x.project)
            .body(json!({"name": TAKEN, "graph": graph}))),
        row("GET", "/v1/runs", Header, T, Workspace, |b, x| Req::of(b, "/v1/runs").tenant(Some(&x.slug))),
        row("GET", "/v1/tasks/pending", Header, T, Workspace, |b, x| Req::of(b, "/v1/tasks/pending").tenant(Some(&x.slug))),
        row("GET", "/v1/inbound-webhooks", Header, T, Workspace, |b, x| Req::of(b, "/v1/inbound-webhooks").tenant(Some(&x.slug)).project(&x.project)),
        row("POST", "/v1/inbound-webhooks", Header, T, Workspace, |b, x| Req::of(b, "/v1/inbound-webhooks").tenant(Some(&x.slug))
            .body(json!({"workflow_id": x.workflow}))),
        row("GET", "/v1/vault/secrets", Header, T, Workspace, |b, x| Req::of(b, "/v1/vault/secrets").tenant(Some(&x.slug))),
        row("PUT", "/v1/vault/secrets/{name}", Header, T, Workspace, |b, x| Req::of(b, format!("/v1/vault/secrets/{}", b.ids.secret)).tenant(Some(&x.slug))
            .body(json!({"value": TAKEN}))),
        row("GET", "/v1/connections", Header, T, Workspace, |b, x| Req::of(b, "/v1/connections").tenant(Some(&x.slug)).project(&x.project)),
        row("POST", "/v1/connections", Header, T, Workspace, |b, x| Req::of(b, "/v1/connections").tenant(Some(&x.slug)).project(&x.project)
            .body(json!({"display_name": TAKEN, "provider": "p", "auth_type": "token", "credentials": {"token": TAKEN}}))),
        row("POST", "/v1/connections/oauth/start", Header, T, Workspace, |b, x| Req::of(b, "/v1/connections/oauth/start").tenant(Some(&x.slug)).project(&x.project)
            .body(oauth_start())),
        row("GET", "/v1/connections", Header, P, Project, |b, x| Req::of(b, "/v1/connections").project(&x.project)),
        row("POST", "/v1/connections", Header, P, Project, |b, x| Req::of(b, "/v1/connections").project(&x.project)
            .body(json!({"display_name": TAKEN, "provider": "p", "auth_type": "token", "credentials": {"token": TAKEN}}))),
        row("POST", "/v1/connections/oauth/start", Header, P, Project, |b, x| Req::of(b, "/v1/connections/oauth/start").project(&x.project)
            .body(oauth_start())),
        row("GET", "/v1/connections/google/config", Header, T, Workspace, |b, x| Req::of(b, "/v1/connections/google/config").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/connections/google/config", Header, P, Project, |b, x| Req::of(b, "/v1/connections/google/config").project(&x.project)),
        row("POST", "/v1/connections/google/oauth-url", Header, T, Workspace, |b, x| Req::of(b, "/v1/connections/google/oauth-url").tenant(Some(&x.slug)).project(&x.project)
            .body(json!({"services": ["gmail"]}))),
        row("POST", "/v1/connections/google/oauth-url", Header, P, Project, |b, x| Req::of(b, "/v1/connections/google/oauth-url").project(&x.project)
            .body(json!({"services": ["gmail"]}))),
        row("POST", "/v1/connections/google/complete", Header, T, Workspace, |b, x| Req::of(b, "/v1/connections/google/complete").tenant(Some(&x.slug)).project(&x.project)
            .body(json!({"code": TAKEN, "state": TAKEN}))),
        row("POST", "/v1/connections/google/complete", Header, P, Project, |b, x| Req::of(b, "/v1/connections/google/complete").project(&x.project)
            .body(json!({"code": TAKEN, "state": TAKEN}))),
        row("GET", "/v1/connections/whatsapp/config", Header, T, Workspace, |b, x| Req::of(b, "/v1/connections/whatsapp/config").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/connections/whatsapp/config", Header, P, Project, |b, x| Req::of(b, "/v1/connections/whatsapp/config").project(&x.project)),
        row("POST", "/v1/connections/whatsapp/manual", Header, T, Workspace, |b, x| Req::of(b, "/v1/connections/whatsapp/manual").tenant(Some(&x.slug)).project(&x.project)
            .body(whatsapp_manual())),
        row("POST", "/v1/connections/whatsapp/manual", Header, P, Project, |b, x| Req::of(b, "/v1/connections/whatsapp/manual").project(&x.project)
            .body(whatsapp_manual())),
        row("POST", "/v1/connections/whatsapp/complete", Header, T, Workspace, |b, x| Req::of(b, "/v1/connections/whatsapp/complete").tenant(Some(&x.slug)).project(&x.project)
            .body(json!({"code": TAKEN}))),
        row("POST", "/v1/connections/whatsapp/complete", Header, P, Project, |b, x| Req::of(b, "/v1/connections/whatsapp/complete").project(&x.project)
            .body(json!({"code": TAKEN}))),
        row("GET", "/v1/llm-provider-keys", Header, T, Workspace, |b, x| Req::of(b, "/v1/llm-provider-keys").tenant(Some(&x.slug))),
        row("GET", "/v1/llm-provider-keys/catalog", Header, T, Workspace, |b, x| Req::of(b, "/v1/llm-provider-keys/catalog").tenant(Some(&x.slug))),
        row("POST", "/v1/llm-provider-keys", Header, T, Workspace, |b, x| Req::of(b, "/v1/llm-provider-keys").tenant(Some(&x.slug))
            .body(json!({"provider": "openai", "api_key": TAKEN}))),
        row("POST", "/v1/llm/resolve", Header, T, Workspace, |b, x| Req::of(b, "/v1/llm/resolve").tenant(Some(&x.slug)).project(&x.project)
            .body(json!({"model_ref": "direct.openai.gpt-4o-mini"}))),
        row("POST", "/v1/llm/resolve", Header, P, Project, |b, x| Req::of(b, "/v1/llm/resolve").project(&x.project)
            .body(json!({"model_ref": "direct.openai.gpt-4o-mini"}))),
        row("GET", "/v1/billing/usage", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/usage").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/billing/usage", Header, P, Project, |b, x| Req::of(b, "/v1/billing/usage").project(&x.project)),
        row("GET", "/v1/billing/plans", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/plans").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/billing/plans", Header, P, Project, |b, x| Req::of(b, "/v1/billing/plans").project(&x.project)),
        row("GET", "/v1/billing/action-pricing", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/action-pricing").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/billing/action-pricing", Header, P, Project, |b, x| Req::of(b, "/v1/billing/action-pricing").project(&x.project)),
        row("GET", "/v1/billing/usage-history", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/usage-history").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/billing/usage-history", Header, P, Project, |b, x| Req::of(b, "/v1/billing/usage-history").project(&x.project)),
        row("GET", "/v1/billing/payment-history", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/payment-history").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/billing/payment-history", Header, P, Project, |b, x| Req::of(b, "/v1/billing/payment-history").project(&x.project)),
        row("GET", "/v1/billing/summary", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/summary").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/billing/summary", Header, P, Project, |b, x| Req::of(b, "/v1/billing/summary").project(&x.project)),
        row("GET", "/v1/billing/status", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/status").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/billing/status", Header, P, Project, |b, x| Req::of(b, "/v1/billing/status").project(&x.project)),
        row("GET", "/v1/billing/usage-dimensions", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/usage-dimensions").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/billing/usage-dimensions", Header, P, Project, |b, x| Req::of(b, "/v1/billing/usage-dimensions").project(&x.project)),
        row("POST", "/v1/billing/trial", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/trial").tenant(Some(&x.slug))
            .body(json!({"plan_code": "pro"}))),
        row("POST", "/v1/billing/subscription", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/subscription").tenant(Some(&x.slug))
            .body(json!({"plan_code": "pro"}))),
        row("POST", "/v1/billing/subscription/change-plan", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/subscription/change-plan").tenant(Some(&x.slug))
            .body(json!({"plan_code": "pro"}))),
        row("POST", "/v1/billing/subscription/cancel", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/subscription/cancel").tenant(Some(&x.slug))
            .body(json!({"at_period_end": false}))),
        row("POST", "/v1/billing/subscription/convert-trial-now", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/subscription/convert-trial-now").tenant(Some(&x.slug))),
        row("POST", "/v1/billing/credits/grant", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/credits/grant").tenant(Some(&x.slug))
            .body(json!({"microcredits": 1, "note": TAKEN}))),
        row("POST", "/v1/billing/topups/payg/intent", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/topups/payg/intent").tenant(Some(&x.slug)).project(&x.project)
            .body(json!({"amount_cents": 1000, "idempotency_key": TAKEN}))),
        row("POST", "/v1/billing/topups/payg/intent", Header, P, Project, |b, x| Req::of(b, "/v1/billing/topups/payg/intent").project(&x.project)
            .body(json!({"amount_cents": 1000, "idempotency_key": TAKEN}))),
        row("GET", "/v1/billing/topups/payg/{payment_id}", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/topups/payg/00000000-0000-0000-0000-000000000000").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/billing/topups/payg/{payment_id}", Header, P, Project, |b, x| Req::of(b, "/v1/billing/topups/payg/00000000-0000-0000-0000-000000000000").project(&x.project)),
        row("POST", "/v1/billing/codes/apply", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/codes/apply").tenant(Some(&x.slug))
            .body(json!({"code": "NO-SUCH-CODE"}))),
        row("POST", "/v1/billing/discounts/validate", Header, T, Workspace, |b, x| Req::of(b, "/v1/billing/discounts/validate").tenant(Some(&x.slug))
            .body(json!({"code": "NO-SUCH-CODE"}))),
        row("GET", "/v1/workflows", Header, P, Project, |b, x| Req::of(b, "/v1/workflows").project(&x.project)),
        // The gallery is the same for everyone, but naming another workspace's project is refused like any read.
        row("GET", "/v1/starters", Header, T, Workspace, |b, x| Req::of(b, "/v1/starters").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/starters", Header, P, Project, |b, x| Req::of(b, "/v1/starters").project(&x.project)),
        row("GET", "/v1/starters/{id}", Header, T, Workspace, |b, x| Req::of(b, "/v1/starters/expense-report-review").tenant(Some(&x.slug)).project(&x.project)),
        row("GET", "/v1/starters/{id}", Header, P, Project, |b, x| Req::of(b, "/v1/starters/expense-report-review").project(&x.project)),
        row("POST", "/v1/workflows", Header, P, Project, move |b, x| Req::of(b, "/v1/workflows").project(&x.project)
            .body(json!({"name": TAKEN, "graph": graph2}))),
        row("GET", "/v1/inbound-webhooks", Header, P, Project, |b, x| Req::of(b, "/v1/inbound-webhooks").project(&x.project)),
        row("POST", "/v1/inbound-webhooks", Header, P, Project, |b, x| Req::of(b, "/v1/inbound-webhooks").project(&x.project)
            .body(json!({"workflow_id": b.ids.workflow}))),
    ]
}

/// A valid OAuth start (documentation-range endpoints: public to the SSRF guard, never
/// contacted).
fn oauth_start() -> Value {
    json!({"display_name": TAKEN, "provider": "p", "client_id": "c",
           "authorization_url": "https://203.0.113.10/authorize", "token_url": "https://203.0.113.10/token"})
}

/// Valid manual WhatsApp credentials.
fn whatsapp_manual() -> Value {
    json!({"display_name": TAKEN, "phone_number_id": "1", "waba_id": "2", "access_token": TAKEN})
}

/// For every gated route with a path row: `X-Tenant-Id` naming A's workspace (with A's ids
/// in the path: A's request, sent by B) and, on project-scoped routes, `X-Project-Id`
/// naming A's project on B's own request (B's ids in the path).
fn derived_header_rows(explicit: &[Row]) -> Vec<Row> {
    let specs = specs();
    let mut out: Vec<Row> = Vec::new();
    let has = |rows: &[Row], r: &Row, header: &str| {
        rows.iter().any(|o| {
            o.method == r.method
                && o.route == r.route
                && o.place == Place::Header
                && o.name == header
        })
    };
    for r in explicit
        .iter()
        .filter(|r| r.place == Place::Path && !r.websocket)
    {
        let Some(action) = specs
            .iter()
            .find(|s| s.method.as_str() == r.method && s.path == r.route)
            .and_then(|s| s.action)
        else {
            continue;
        };
        if !has(explicit, r, "X-Tenant-Id") && !has(&out, r, "X-Tenant-Id") {
            let inner = r.build.clone();
            out.push(Row {
                place: Place::Header,
                name: "X-Tenant-Id",
                object: Obj::Workspace,
                build: Arc::new(move |b, x| inner(b, x).tenant(Some(&x.slug))),
                ..r.clone()
            });
        }
        if action.is_project_scoped()
            && !has(explicit, r, "X-Project-Id")
            && !has(&out, r, "X-Project-Id")
        {
            let inner = r.build.clone();
            out.push(Row {
                place: Place::Header,
                name: "X-Project-Id",
                object: Obj::Project,
                build: Arc::new(move |b, x| inner(b, &b.ids).project(&x.project)),
                ..r.clone()
            });
        }
    }
    out
}

pub(crate) fn all_rows() -> Vec<Row> {
    let mut rows = rows();
    let derived = derived_header_rows(&rows);
    rows.extend(derived);
    rows
}
