//! Authorization parity: every tool, called as callers its REST route refuses (generated
//! from the permission table), is refused the same way, with the same error body.

use super::*;

/// Who calls, for the authorization parity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A project viewer's token with every scope.
    Viewer,
    /// The owner's token with every scope but the one the tool's route needs.
    MissingScope,
    /// The owner of another workspace, with every scope.
    OtherWorkspace,
}

/// The fixture: workspace `acme` (owner, a viewer of its Default project, a published
/// workflow with a run waiting on a human task, a webhook, a secret, an LLM key, a chat
/// channel) and workspace `globex`.
struct Parity {
    s: TestServer,
    ws: Workspace,
    workflow: String,
    run: String,
    task: String,
    webhook: String,
    llm_key: String,
    channel: String,
    owner_pat_id: String,
    viewer_token: String,
    other_token: String,
}

async fn parity_world() -> Parity {
    let every_group: Vec<&str> = ToolGroup::ALL.iter().map(|g| g.name()).collect();
    let s = start_with(Backend::Sqlite, with_groups(Some(&every_group), &[], 0)).await;
    let ws = workspace(&s, "acme").await;
    let graph: Value = serde_json::from_str(HUMAN_GRAPH).expect("graph");
    let workflow = published_workflow(&s, &ws, json!({"name": "W", "graph": graph})).await;
    let r = s
        .call(Method::POST, format!("/v1/workflows/{workflow}/command"))
        .auth(&ws.owner)
        .tenant("acme")
        .json(json!({"command": "start", "params": {}}))
        .send()
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let run = r.body["run_id"].as_str().expect("run").to_string();
    let mut task = String::new();
    for _ in 0..200 {
        let r = s
            .call(
                Method::GET,
                format!("/v1/workflows/{workflow}/runs/{run}/tasks/pending"),
            )
            .auth(&ws.owner)
            .tenant("acme")
            .send()
            .await;
        if let Some(id) = r.body["tasks"][0]["task_id"].as_str() {
            task = id.to_string();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!task.is_empty(), "the human task never appeared");
    let r = s
        .call(Method::POST, "/v1/inbound-webhooks")
        .auth(&ws.owner)
        .tenant("acme")
        .project(&ws.project)
        .json(json!({"workflow_id": workflow, "name": "hook"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let webhook = r.body["id"].as_str().expect("webhook").to_string();
    let r = s
        .call(Method::PUT, "/v1/vault/secrets/SPARE")
        .auth(&ws.owner)
        .tenant("acme")
        .json(json!({"value": "spare-secret-value-0042"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = s
        .call(Method::POST, "/v1/llm-provider-keys")
        .auth(&ws.owner)
        .tenant("acme")
        .json(json!({"provider": "openai", "api_key": "sk-spare-llm-key-0042"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let llm_key = r.body["id"].as_str().expect("llm key").to_string();
    let r = s
        .call(Method::POST, "/v1/chat/threads")
        .auth(&ws.owner)
        .tenant("acme")
        .project(&ws.project)
        .json(json!({"kind": "channel", "title": "parity"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let channel = r.body["id"].as_str().expect("channel").to_string();
    let (owner_pat_id, _) = pat(&s, &ws.owner, "acme", &[TokenScope::WorkflowRead]).await;
    // The viewer.
    let (viewer_id, cookie) = s.signup("viewer@acme.test", "password-123").await;
    let workspace_id = s
        .tenants()
        .workspace_by_slug("acme")
        .await
        .expect("ws")
        .expect("acme")
        .id;
    s.tenants()
        .upsert_member(&ar_store::tenant::MembershipRecord {
            workspace_id,
            user_id: viewer_id.clone(),
            role: "member".into(),
            active: true,
            created_at: 0,
        })
        .await
        .expect("member");
    s.tenants()
        .set_project_member(&ws.project, &viewer_id, "project_viewer", 0)
        .await
        .expect("viewer");
    let (_, viewer_token) = pat(&s, &Auth::Session(cookie), "acme", &TokenScope::ALL).await;
    let other = workspace(&s, "globex").await;
    let (_, other_token) = pat(&s, &other.owner, "globex", &TokenScope::ALL).await;
    Parity {
        s,
        ws,
        workflow,
        run,
        task,
        webhook,
        llm_key,
        channel,
        owner_pat_id,
        viewer_token,
        other_token,
    }
}

/// Arguments for `tool` that name real objects of `acme`.
fn sample_args(w: &Parity, tool: &ar_server::platform_tools::ToolSpec) -> Value {
    let mut args = Map::new();
    let object_id = match tool.name {
        "pat_delete" => w.owner_pat_id.clone(),
        "inbound_delete" => w.webhook.clone(),
        "llm_keys_delete" => w.llm_key.clone(),
        _ => String::new(),
    };
    let schema = Value::Object((tool.input_schema)());
    let required: Vec<String> = schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if schema["properties"].get("project_id").is_some() {
        args.insert("project_id".into(), json!(w.ws.project));
    }
    for name in required {
        let value = match name.as_str() {
            "workflow_id" => json!(w.workflow),
            "run_id" => json!(w.run),
            "task_id" => json!(w.task),
            "id" => json!(object_id),
            "name" if tool.name.starts_with("vault") => json!("SPARE"),
            "name" => json!("made by a tool"),
            "graph" => serde_json::from_str(HUMAN_GRAPH).unwrap_or_default(),
            "approved" => json!(true),
            "command" => json!("start"),
            "method" => json!("GET"),
            "path" => json!("/v1/mcp/servers"),
            "value" => json!("v"),
            "display_name" => json!("t"),
            "scopes" => json!(["workflow:read"]),
            "provider" => json!("openai"),
            "api_key" => json!("sk-x"),
            "thread_id" => json!(w.channel),
            "text" => json!("said through a tool"),
            other => panic!("{}: no sample for required `{other}`", tool.name),
        };
        args.insert(name, value);
    }
    Value::Object(args)
}

/// The REST request a tool call stands for: (method, path and query, project, body).
fn rest_twin(
    w: &Parity,
    tool: &ar_server::platform_tools::ToolSpec,
    args: &Value,
) -> (Method, String, Option<String>, Option<Value>) {
    let method = Method::from_bytes(tool.method.as_str().as_bytes()).expect("method");
    match tool.behavior {
        Behavior::Rest {
            path_args,
            query_args,
        } => {
            let mut body = args.as_object().cloned().unwrap_or_default();
            let project = body
                .remove("project_id")
                .and_then(|p| p.as_str().map(str::to_string));
            let mut path = tool.path.to_string();
            for (param, arg) in path_args {
                let value = body.remove(*arg).expect("path arg");
                path = path.replace(&format!("{{{param}}}"), value.as_str().expect("string"));
            }
            for q in query_args {
                assert!(body.remove(*q).is_none(), "samples carry no query");
            }
            let body =
                (method != Method::GET && method != Method::DELETE).then_some(Value::Object(body));
            (method, path, project, body)
        }
        Behavior::CatalogRequest => (
            Method::GET,
            "/v1/mcp/servers".into(),
            Some(w.ws.project.clone()),
            None,
        ),
        Behavior::StreamRead => (
            Method::GET,
            format!("/v1/workflows/{}/stream?run_id={}", w.workflow, w.run),
            None,
            None,
        ),
        Behavior::HealthSummary => (Method::GET, "/v1/auth/me".into(), None, None),
        Behavior::ChatThread => (
            Method::GET,
            format!("/v1/chat/threads/{}", w.channel),
            args["project_id"].as_str().map(str::to_string),
            None,
        ),
    }
}

/// Whether the permission table refuses `kind` the action of `tool`'s route.
fn table_refuses(kind: Kind, tool: &ar_server::platform_tools::ToolSpec) -> bool {
    use ar_model::authz::{ProjectRole, RoleRequirement};
    let spec = specs()
        .into_iter()
        .find(|r| r.method == tool.method && r.path == tool.path)
        .expect("route");
    let Some(action) = spec.action else {
        return false;
    };
    let requirement = action.requirement();
    match kind {
        Kind::MissingScope => true,
        // Tools act in the caller's own workspace: refused are those that name `acme`'s
        // objects (by id) or projects. (A vault secret's name is not an id: `SPARE` may
        // exist in any workspace.)
        Kind::OtherWorkspace => {
            matches!(requirement.role, RoleRequirement::Project(_)) || tool.path.contains("{id}")
        }
        Kind::Viewer => match requirement.role {
            RoleRequirement::Authenticated | RoleRequirement::WorkspaceMember => false,
            RoleRequirement::TenantAdmin | RoleRequirement::WorkspaceOwner => true,
            RoleRequirement::Project(min) => min > ProjectRole::Viewer,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_refuses_whom_its_route_refuses() {
    let w = parity_world().await;
    let mut missing_scope: Vec<(TokenScope, String)> = Vec::new();
    for scope in TokenScope::ALL {
        // Every scope that does not grant this one (`workflow:run` grants
        // `workflow:write`, `mcp:execute` grants `mcp:write`: docs/contract.md §1).
        let others: Vec<TokenScope> = TokenScope::ALL
            .into_iter()
            .filter(|s| !s.grants(scope))
            .collect();
        missing_scope.push((scope, pat(&w.s, &w.ws.owner, "acme", &others).await.1));
    }
    let all = EnabledGroups::new(ToolGroup::ALL);
    let mut checked = 0;
    for kind in [Kind::Viewer, Kind::MissingScope, Kind::OtherWorkspace] {
        for tool in ar_server::platform_tools::offered(&all) {
            if tool.name == "ar_health_summary" {
                continue; // composed of reads; its refusals are those reads' (below)
            }
            let token = match kind {
                Kind::Viewer => w.viewer_token.clone(),
                Kind::OtherWorkspace => w.other_token.clone(),
                Kind::MissingScope => {
                    let spec = specs()
                        .into_iter()
                        .find(|r| r.method == tool.method && r.path == tool.path)
                        .expect("route");
                    let scope = spec.action.expect("gated").requirement().scope;
                    missing_scope
                        .iter()
                        .find(|(s, _)| *s == scope)
                        .expect("token")
                        .1
                        .clone()
                }
            };
            let args = sample_args(&w, &tool);
            let (method, path, project, body) = rest_twin(&w, &tool, &args);
            let mut rest = w.s.call(method, path).auth(&Auth::Pat(token.clone()));
            if let Some(p) = &project {
                rest = rest.project(p);
            }
            if let Some(b) = body {
                rest = rest.json(b);
            }
            let rest = rest.send().await;
            let client = connect(&w.s, &token, Era::Stateless)
                .await
                .expect("connect");
            let result = call(&client, tool.name, args).await;
            let _ = client.cancel().await;
            let tool_failed = result.is_error == Some(true);
            let rest_allowed = match tool.behavior {
                Behavior::StreamRead => rest.status == 426,
                _ => (200..300).contains(&rest.status),
            };
            if table_refuses(kind, &tool) {
                assert!(
                    !rest_allowed,
                    "{kind:?} {}: REST allowed ({})",
                    tool.name, rest.status
                );
                assert!(
                    tool_failed,
                    "{kind:?} {}: the tool allowed what its route refuses",
                    tool.name
                );
            }
            assert_eq!(
                tool_failed, !rest_allowed,
                "{kind:?} {}: tool and REST disagree ({})",
                tool.name, rest.status
            );
            if tool_failed {
                let body = result.structured_content.clone().expect("error body");
                assert_eq!(
                    body, rest.body,
                    "{kind:?} {}: the tool's error is the REST error",
                    tool.name
                );
                if kind == Kind::OtherWorkspace {
                    assert!(
                        rest.status == 404,
                        "{}: another tenant's ids are not found ({})",
                        tool.name,
                        rest.status
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked}");
    // ar_health_summary shows a refused read as unavailable, never its data.
    let client = connect(&w.s, &w.other_token, Era::Stateless)
        .await
        .expect("connect");
    let health = ok(
        "ar_health_summary",
        &call(
            &client,
            "ar_health_summary",
            json!({"project_id": w.ws.project}),
        )
        .await,
    );
    assert!(health["counts"]["workflows"].is_null(), "{health}");
    let _ = client.cancel().await;
    w.s.close().await;
}
