//! `ar_health_summary`: who the caller is, their workspace and project, and counts of
//! workflows (in the project), active runs and pending human tasks (in the workspace's
//! projects the caller may read). Composed of REST reads made as the caller, so it shows
//! nothing the caller could not read; a count the caller may not read is `null`, with the
//! refusal in `unavailable`.

use axum::http::Method;
use serde_json::{Map, Value, json};

use super::dispatch::Dispatcher;
use super::{Caller, JsonObject, ToolOutcome};

/// The routes it reads (for the parity test).
pub const ROUTES: [(Method, &str); 4] = [
    (Method::GET, "/v1/auth/me"),
    (Method::GET, "/v1/workflows"),
    (Method::GET, "/v1/runs"),
    (Method::GET, "/v1/tasks/pending"),
];

/// Run states that count as active (docs/contract.md §7).
const ACTIVE: [&str; 4] = ["queued", "running", "paused", "draining"];
/// The largest page of `GET /v1/runs`; a full page makes the count a lower bound.
const RUNS_PAGE: usize = 200;
/// The largest page of `GET /v1/tasks/pending`.
const TASKS_PAGE: usize = 500;

pub async fn summary(
    dispatcher: &Dispatcher,
    caller: &Caller,
    arguments: &JsonObject,
) -> ToolOutcome {
    let me = dispatcher
        .send(caller, Method::GET, "/v1/auth/me", None, None)
        .await;
    if me.status != 200 {
        return me.into_outcome();
    }
    let project_id = dispatcher.project_of(caller, arguments).await;
    let workspace = me.body["workspaces"]
        .as_array()
        .and_then(|list| {
            list.iter().find(|w| match &caller.workspace {
                Some(slug) => w["slug"].as_str() == Some(slug.as_str()),
                None => true,
            })
        })
        .cloned()
        .unwrap_or_else(|| json!({}));
    let project = workspace["projects"]
        .as_array()
        .and_then(|list| {
            list.iter()
                .find(|p| p["id"].as_str() == project_id.as_deref())
        })
        .cloned()
        .unwrap_or_else(|| json!({ "id": project_id }));
    let mut unavailable = Vec::new();
    let mut counted = |name: &str, answer: super::dispatch::Answer, list: &str| -> Option<usize> {
        if answer.status == 200 {
            answer.body[list].as_array().map(Vec::len)
        } else {
            unavailable.push(
                json!({ "count": name, "status": answer.status, "error": answer.body["error"] }),
            );
            None
        }
    };
    let workflows = dispatcher
        .send(
            caller,
            Method::GET,
            "/v1/workflows",
            project_id.as_deref(),
            None,
        )
        .await;
    let workflows = counted("workflows", workflows, "workflows");
    let mut active_runs = Some(0usize);
    let mut runs_capped = false;
    for status in ACTIVE {
        let answer = dispatcher
            .send(
                caller,
                Method::GET,
                &format!("/v1/runs?status={status}&limit={RUNS_PAGE}"),
                None,
                None,
            )
            .await;
        match counted("active_runs", answer, "runs") {
            Some(n) => {
                runs_capped |= n == RUNS_PAGE;
                active_runs = active_runs.map(|total| total + n);
            }
            None => {
                active_runs = None;
                break;
            }
        }
    }
    let tasks = dispatcher
        .send(
            caller,
            Method::GET,
            &format!("/v1/tasks/pending?limit={TASKS_PAGE}"),
            None,
            None,
        )
        .await;
    let pending_tasks = counted("pending_tasks", tasks, "tasks");
    let scopes = caller.principal.token_scopes().map(|scopes| {
        scopes
            .iter()
            .map(|s| s.as_str().to_string())
            .collect::<Vec<_>>()
    });
    let mut workspace_view = workspace;
    if let Value::Object(o) = &mut workspace_view {
        // The project list can be long; the project in use is shown on its own.
        o.remove("projects");
    }
    let body = json!({
        "user": me.body["user"],
        "token": { "scopes": scopes, "name": caller.principal.pat().map(|p| p.name.clone()) },
        "workspace": workspace_view,
        "project": project,
        "counts": {
            "workflows": workflows,
            "active_runs": active_runs,
            "active_runs_at_least": runs_capped,
            "pending_tasks": pending_tasks,
            "pending_tasks_at_least": pending_tasks == Some(TASKS_PAGE),
        },
        "unavailable": unavailable,
    });
    match body {
        Value::Object(o) => ToolOutcome::ok(o),
        _ => ToolOutcome::ok(Map::new()),
    }
}
