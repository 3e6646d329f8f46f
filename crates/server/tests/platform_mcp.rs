//! The Platform MCP endpoint `/mcp` (docs/contract.md §12, docs/platform-mcp.md), spoken to
//! with rmcp's client — the official SDK — on both protocol generations: authentication,
//! the tool list, the whole workflow flow through tools only, the parity of every tool
//! with its REST route (route and authorization), secrets, groups, `catalog_bff_request`
//! path attacks, other tenants' ids and the per-token call limit.

mod common;

use ar_model::authz::TokenScope;
use ar_server::platform_tools::{Behavior, EnabledGroups, ToolGroup, table};
use ar_server::routes::specs;
use ar_server::settings::PlatformMcpSettings;
use common::*;
use reqwest::Method;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    ProtocolVersion,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::{
    StreamableHttpClientTransport, StreamableHttpClientTransportConfig,
};
use serde_json::{Map, Value, json};

type Client = RunningService<RoleClient, ClientConfig>;

/// The tools of the default groups (every group but `risk`), in docs/contract.md §12 order.
const DEFAULT_TOOLS: [&str; 26] = [
    "ar_health_summary",
    "workflows_list",
    "workflows_get",
    "workflows_create",
    "workflows_patch",
    "workflows_publish_version",
    "workflows_validate",
    "workflows_execute_command",
    "workflows_list_runs",
    "runs_get_summary",
    "runs_list_tenant",
    "runs_list_events",
    "runs_get_context",
    "tasks_list_pending",
    "tasks_list_pending_run",
    "tasks_complete",
    "catalog_bff_request",
    "workflows_stream_websocket",
    "vault_list_secrets",
    "vault_delete_secret",
    "pat_list",
    "pat_delete",
    "inbound_list",
    "inbound_delete",
    "llm_keys_list",
    "llm_keys_delete",
];

/// The tools that reveal or set secrets (only with `risk`).
const RISK_TOOLS: [&str; 4] = [
    "vault_put_secret",
    "pat_create",
    "inbound_create",
    "llm_keys_put",
];

/// Which protocol generation a client speaks.
#[derive(Clone)]
enum Era {
    Session(ProtocolVersion),
    Stateless,
}

async fn connect(s: &TestServer, token: &str, era: Era) -> Result<Client, String> {
    let config =
        StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", s.base)).auth_header(token);
    let transport = StreamableHttpClientTransport::from_config(config);
    let info = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("platform-mcp-test", "1"),
    );
    let (info, mode) = match era {
        Era::Session(v) => (
            info.with_protocol_version(v),
            ClientLifecycleMode::Initialize,
        ),
        Era::Stateless => (
            info,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        ),
    };
    info.serve_with_lifecycle(transport, mode)
        .await
        .map_err(|e| e.to_string())
}

async fn call(client: &Client, name: &str, args: Value) -> CallToolResult {
    let args = match args {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    client
        .peer()
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The structured answer of a successful call (the test fails on an error result).
fn ok(name: &str, r: &CallToolResult) -> Value {
    assert_ne!(
        r.is_error,
        Some(true),
        "{name} failed: {:?}",
        r.structured_content
    );
    r.structured_content.clone().expect("structuredContent")
}

/// The REST error body of a failed call.
fn refused(name: &str, r: &CallToolResult) -> Value {
    assert_eq!(
        r.is_error,
        Some(true),
        "{name} should fail: {:?}",
        r.structured_content
    );
    let body = r.structured_content.clone().expect("structuredContent");
    assert!(body["error"].is_string(), "{name}: {body}");
    body
}

async fn pat(s: &TestServer, who: &Auth, slug: &str, scopes: &[TokenScope]) -> (String, String) {
    let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(who)
        .tenant(slug)
        .json(json!({"name": "mcp", "scopes": scopes}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (
        r.body["id"].as_str().expect("id").into(),
        r.body["token"].as_str().expect("token").into(),
    )
}

fn with_groups(groups: Option<&[&str]>, disabled: &[&str], per_minute: u32) -> ar_server::Settings {
    ar_server::Settings {
        platform_mcp: PlatformMcpSettings {
            enabled: true,
            groups: groups.map(|g| g.iter().map(|s| s.to_string()).collect()),
            disabled_groups: disabled.iter().map(|s| s.to_string()).collect(),
            tool_calls_per_minute: per_minute,
        },
        ..test_settings()
    }
}

const HUMAN_GRAPH: &str = r#"{"steps": [{"id": "approve", "type": "human_task"}]}"#;

async fn tool_names(client: &Client) -> Vec<String> {
    client
        .peer()
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

// --- the protocol, the tool list and the schemas

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_protocol_generations_list_the_contract_tools() {
    let s = start(Backend::Sqlite).await;
    let ws = workspace(&s, "acme").await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    for era in [
        Era::Session(ProtocolVersion::V_2025_06_18),
        Era::Session(ProtocolVersion::V_2025_11_25),
        Era::Stateless,
    ] {
        let client = connect(&s, &token, era.clone()).await.expect("connect");
        let negotiated = client
            .peer()
            .peer_info()
            .expect("negotiated")
            .protocol_version
            .clone();
        let want = match era {
            Era::Session(v) => v,
            Era::Stateless => ProtocolVersion::V_2026_07_28,
        };
        assert_eq!(negotiated, want);
        assert_eq!(tool_names(&client).await, DEFAULT_TOOLS);
        let tools = client.peer().list_all_tools().await.expect("tools");
        for tool in &tools {
            assert_eq!(
                tool.input_schema.get("type"),
                Some(&json!("object")),
                "{}",
                tool.name
            );
            let output = tool.output_schema.as_ref().expect("output schema");
            assert_eq!(output.get("type"), Some(&json!("object")), "{}", tool.name);
            let hints = tool.annotations.as_ref().expect("annotations");
            assert!(hints.read_only_hint.is_some(), "{}", tool.name);
            assert!(hints.destructive_hint.is_some(), "{}", tool.name);
            assert!(hints.idempotent_hint.is_some(), "{}", tool.name);
        }
        let summary = call(&client, "ar_health_summary", json!({})).await;
        let summary = ok("ar_health_summary", &summary);
        assert_eq!(summary["workspace"]["slug"], "acme");
        assert_eq!(summary["project"]["id"], ws.project.as_str());
        assert_eq!(summary["counts"]["workflows"], 0);
        let _ = client.cancel().await;
    }
    s.close().await;
}

/// Every tool's route is in the route table, so its permission is that route's action:
/// a tool without a REST route fails here.
#[test]
fn every_tool_is_a_route_of_the_table() {
    let routes = specs();
    for tool in table::tools() {
        for (method, path) in tool.routes() {
            let spec = routes
                .iter()
                .find(|r| r.method == method && r.path == path)
                .unwrap_or_else(|| panic!("{}: no route {method} {path}", tool.name));
            assert!(
                spec.action.is_some() || path == "/v1/auth/me",
                "{}: {path} is not gated",
                tool.name
            );
        }
        if let Behavior::Rest { path_args, .. } = tool.behavior {
            for (param, _) in path_args {
                assert!(
                    tool.path.contains(&format!("{{{param}}}")),
                    "{}: {param}",
                    tool.name
                );
            }
            let params = tool.path.matches('{').count();
            assert_eq!(
                params,
                path_args.len(),
                "{}: every path parameter is an argument",
                tool.name
            );
        }
    }
    let names: Vec<&str> = ar_server::platform_tools::offered(&EnabledGroups::default_set())
        .iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, DEFAULT_TOOLS);
    let all = EnabledGroups::new(ToolGroup::ALL);
    let with_risk: Vec<&str> = ar_server::platform_tools::offered(&all)
        .iter()
        .map(|t| t.name)
        .collect();
    for risky in RISK_TOOLS {
        assert!(with_risk.contains(&risky), "{risky}");
    }
}

/// docs/platform-mcp.md lists every tool.
#[test]
fn the_docs_list_every_tool() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/platform-mcp.md"
    ))
    .expect("docs/platform-mcp.md");
    for tool in table::tools() {
        assert!(
            doc.contains(&format!("`{}`", tool.name)),
            "docs/platform-mcp.md lacks {}",
            tool.name
        );
    }
}

// --- authentication

async fn raw_post(s: &TestServer, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = s
        .http
        .post(format!("{}/mcp", s.base))
        .header("Accept", "application/json, text/event-stream")
        .header("Content-Type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"}}});
    req.body(body.to_string()).send().await.expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_needs_a_valid_pat() {
    let s = start(Backend::Sqlite).await;
    let ws = workspace(&s, "acme").await;
    let Auth::Session(cookie) = &ws.owner else {
        unreachable!()
    };
    let cookie = format!("ar_session={cookie}");
    let (id, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let bearer = format!("Bearer {token}");
    for headers in [
        vec![],
        vec![("Cookie", cookie.as_str())],
        vec![("Authorization", "Bearer pat_not_a_real_token")],
        vec![("Authorization", "Basic dXNlcjpwYXNz")],
    ] {
        let r = raw_post(&s, &headers).await;
        assert_eq!(r.status(), 401, "{headers:?}");
        let challenge = r
            .headers()
            .get("www-authenticate")
            .expect("WWW-Authenticate");
        assert!(challenge.to_str().unwrap_or("").starts_with("Bearer"));
        let body: Value = r.json().await.expect("json");
        assert!(body["error"].is_string());
    }
    assert_eq!(
        raw_post(&s, &[("Authorization", &bearer)]).await.status(),
        200
    );
    // Another origin's page may not drive the tools (our own may).
    let evil = raw_post(
        &s,
        &[("Authorization", &bearer), ("Origin", "http://evil.test")],
    )
    .await;
    assert_eq!(evil.status(), 403);
    let own = raw_post(
        &s,
        &[("Authorization", &bearer), ("Origin", s.base.as_str())],
    )
    .await;
    assert_eq!(own.status(), 200);

    // A revoked token is refused on the very next request, in an open session too.
    let client = connect(&s, &token, Era::Session(ProtocolVersion::V_2025_06_18))
        .await
        .expect("connect");
    ok(
        "workflows_list",
        &call(&client, "workflows_list", json!({})).await,
    );
    let r = s
        .call(Method::DELETE, format!("/v1/pats/{id}"))
        .auth(&ws.owner)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(r.status, 204);
    let after = client
        .peer()
        .call_tool(CallToolRequestParams::new("workflows_list"))
        .await;
    assert!(after.is_err(), "a revoked token still works: {after:?}");
    assert_eq!(
        raw_post(&s, &[("Authorization", &bearer)]).await.status(),
        401
    );
    let _ = client.cancel().await;

    // An expired token.
    let user = s
        .tenants()
        .user_by_email("owner@acme.test")
        .await
        .expect("user")
        .expect("owner");
    let workspace_id = s
        .tenants()
        .workspace_by_slug("acme")
        .await
        .expect("ws")
        .expect("acme")
        .id;
    let expired = "pat_expired_token_for_the_mcp_test".to_string();
    s.tenants()
        .create_pat(&ar_store::tenant::PatRecord {
            id: "expired".into(),
            user_id: user.id,
            workspace_id,
            name: "expired".into(),
            token_hash: ar_server::auth::tokens::hash_secret(&expired),
            scopes: vec!["workflow:read".into()],
            expires_at: Some(ar_store::now_ms() - 1000),
            revoked_at: None,
            last_used_at: None,
            created_at: 0,
        })
        .await
        .expect("expired pat");
    let r = raw_post(&s, &[("Authorization", &format!("Bearer {expired}"))]).await;
    assert_eq!(r.status(), 401);
    assert!(connect(&s, &expired, Era::Stateless).await.is_err());
    s.close().await;
}

// --- the whole flow through tools only

async fn whole_flow(backend: Backend) {
    let s = start(backend).await;
    let ws = workspace(&s, "acme").await;
    let scopes = [
        TokenScope::WorkflowRead,
        TokenScope::WorkflowWrite,
        TokenScope::WorkflowRun,
    ];
    let (_, token) = pat(&s, &ws.owner, "acme", &scopes).await;
    let client = connect(&s, &token, Era::Stateless).await.expect("connect");
    let tools = client.peer().list_all_tools().await.expect("tools");
    let schema_of = |name: &str| {
        let tool = tools.iter().find(|t| t.name == name).expect("tool");
        Value::Object((*tool.output_schema.clone().expect("schema")).clone())
    };
    // Every successful answer fits its tool's output schema.
    let checked = |name: &str, r: &CallToolResult| {
        let value = ok(name, r);
        let validator = jsonschema::validator_for(&schema_of(name)).expect("schema compiles");
        assert!(
            validator.is_valid(&value),
            "{name}: {value} does not fit {}",
            schema_of(name)
        );
        value
    };
    let graph: Value = serde_json::from_str(HUMAN_GRAPH).expect("graph");
    let created = call(
        &client,
        "workflows_create",
        json!({"name": "Approval", "graph": graph}),
    )
    .await;
    let created = checked("workflows_create", &created);
    let wf = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["status"], "draft");
    let got = checked(
        "workflows_get",
        &call(&client, "workflows_get", json!({"workflow_id": wf})).await,
    );
    assert_eq!(got["name"], "Approval");
    let patched = call(
        &client,
        "workflows_patch",
        json!({"workflow_id": wf, "description": "asks a human"}),
    )
    .await;
    checked("workflows_patch", &patched);
    let valid = checked(
        "workflows_validate",
        &call(&client, "workflows_validate", json!({"workflow_id": wf})).await,
    );
    assert_eq!(valid["valid"], true, "{valid}");
    let published = call(
        &client,
        "workflows_publish_version",
        json!({"workflow_id": wf, "changelog": "v1"}),
    )
    .await;
    assert_eq!(
        checked("workflows_publish_version", &published)["version"],
        1
    );
    let listed = checked(
        "workflows_list",
        &call(&client, "workflows_list", json!({})).await,
    );
    assert_eq!(listed["workflows"].as_array().map(Vec::len), Some(1));

    let started = call(
        &client,
        "workflows_execute_command",
        json!({"workflow_id": wf, "command": "start", "params": {}}),
    )
    .await;
    let run = checked("workflows_execute_command", &started)["run_id"]
        .as_str()
        .expect("run")
        .to_string();
    let mut summary = Value::Null;
    for _ in 0..200 {
        let r = call(
            &client,
            "runs_get_summary",
            json!({"workflow_id": wf, "run_id": run}),
        )
        .await;
        summary = checked("runs_get_summary", &r);
        if summary["awaiting_human"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(summary["awaiting_human"], true, "{summary}");
    let health = checked(
        "ar_health_summary",
        &call(&client, "ar_health_summary", json!({})).await,
    );
    assert_eq!(health["counts"]["workflows"], 1, "{health}");
    assert_eq!(health["counts"]["active_runs"], 1, "{health}");
    assert_eq!(health["counts"]["pending_tasks"], 1, "{health}");
    let inbox = checked(
        "tasks_list_pending",
        &call(&client, "tasks_list_pending", json!({})).await,
    );
    let task = inbox["tasks"][0]["task_id"]
        .as_str()
        .expect("task")
        .to_string();
    let of_run = call(
        &client,
        "tasks_list_pending_run",
        json!({"workflow_id": wf, "run_id": run}),
    )
    .await;
    assert_eq!(
        checked("tasks_list_pending_run", &of_run)["tasks"][0]["task_id"],
        task.as_str()
    );
    let done = call(&client, "tasks_complete", json!({"workflow_id": wf, "run_id": run, "task_id": task, "approved": true, "result": {"ok": 1}})).await;
    assert_eq!(checked("tasks_complete", &done)["status"], "completed");
    for _ in 0..200 {
        let r = call(
            &client,
            "runs_get_summary",
            json!({"workflow_id": wf, "run_id": run}),
        )
        .await;
        summary = checked("runs_get_summary", &r);
        if summary["run_complete"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(summary["status"], "completed", "{summary}");
    checked(
        "runs_get_context",
        &call(
            &client,
            "runs_get_context",
            json!({"workflow_id": wf, "run_id": run}),
        )
        .await,
    );
    let events = checked(
        "runs_list_events",
        &call(
            &client,
            "runs_list_events",
            json!({"workflow_id": wf, "run_id": run}),
        )
        .await,
    );
    let count = events["events"].as_array().map(Vec::len).unwrap_or(0);
    assert!(count >= 3, "{events}");
    let runs = checked(
        "workflows_list_runs",
        &call(&client, "workflows_list_runs", json!({"workflow_id": wf})).await,
    );
    assert_eq!(runs["runs"][0]["run_id"], run.as_str(), "{runs}");
    checked(
        "runs_list_tenant",
        &call(&client, "runs_list_tenant", json!({"status": "completed"})).await,
    );
    // The stream of an ended run: every event, then the end.
    let streamed = call(
        &client,
        "workflows_stream_websocket",
        json!({"workflow_id": wf, "run_id": run, "max_seconds": 5}),
    )
    .await;
    let streamed = checked("workflows_stream_websocket", &streamed);
    assert_eq!(streamed["ended"], "run_ended", "{streamed}");
    assert_eq!(streamed["frames"].as_array().map(Vec::len), Some(count));
    // Bounds: two frames at most; out-of-range bounds are refused.
    let two = call(
        &client,
        "workflows_stream_websocket",
        json!({"workflow_id": wf, "run_id": run, "max_messages": 2}),
    )
    .await;
    let two = checked("workflows_stream_websocket", &two);
    assert_eq!(
        (two["frames"].as_array().map(Vec::len), &two["ended"]),
        (Some(2), &json!("max_messages"))
    );
    for bad in [
        json!({"max_seconds": 31}),
        json!({"max_messages": 1001}),
        json!({"max_bytes": 1_048_577}),
        json!({"max_seconds": 0}),
    ] {
        let mut args = bad.as_object().cloned().unwrap_or_default();
        args.insert("workflow_id".into(), json!(wf));
        refused(
            "workflows_stream_websocket",
            &call(&client, "workflows_stream_websocket", Value::Object(args)).await,
        );
    }
    let _ = client.cancel().await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_through_tools_sqlite() {
    whole_flow(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_through_tools_postgres() {
    whole_flow(Backend::Postgres).await;
}

// --- authorization parity: every tool answers what its REST route answers

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
/// workflow with a run waiting on a human task, a webhook, a secret, an LLM key) and
/// workspace `globex`.
struct Parity {
    s: TestServer,
    ws: Workspace,
    workflow: String,
    run: String,
    task: String,
    webhook: String,
    llm_key: String,
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
            RoleRequirement::TenantAdmin => true,
            RoleRequirement::Project(min) => min > ProjectRole::Viewer,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_refuses_whom_its_route_refuses() {
    let w = parity_world().await;
    let mut missing_scope: Vec<(TokenScope, String)> = Vec::new();
    for scope in TokenScope::ALL {
        let others: Vec<TokenScope> = TokenScope::ALL
            .into_iter()
            .filter(|s| *s != scope)
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

// --- secrets, groups, catalog paths, the call limit

/// Without `risk`, no tool result carries a secret, and the secret tools are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_leaves_without_the_risk_group() {
    let s = start(Backend::Sqlite).await;
    let ws = workspace(&s, "acme").await;
    let graph: Value = serde_json::from_str(HUMAN_GRAPH).expect("graph");
    let workflow = published_workflow(&s, &ws, json!({"name": "W", "graph": graph})).await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let r = s
        .call(Method::POST, "/v1/inbound-webhooks")
        .auth(&ws.owner)
        .tenant("acme")
        .project(&ws.project)
        .json(json!({"workflow_id": workflow}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let signing_secret = r.body["signing_secret"]
        .as_str()
        .expect("signing secret")
        .to_string();
    let r = s
        .call(Method::PUT, "/v1/vault/secrets/API_TOKEN")
        .auth(&ws.owner)
        .tenant("acme")
        .json(json!({"value": "vault-value-0042"}))
        .send()
        .await;
    assert_eq!(r.status, 201);
    let r = s
        .call(Method::POST, "/v1/llm-provider-keys")
        .auth(&ws.owner)
        .tenant("acme")
        .json(json!({"provider": "openai", "api_key": "sk-llm-key-0042"}))
        .send()
        .await;
    assert_eq!(r.status, 201);
    let secrets = [
        signing_secret.as_str(),
        "vault-value-0042",
        "sk-llm-key-0042",
        token.as_str(),
    ];
    let client = connect(&s, &token, Era::Session(ProtocolVersion::V_2025_11_25))
        .await
        .expect("connect");
    let names = tool_names(&client).await;
    for risky in RISK_TOOLS {
        assert!(!names.iter().any(|n| n == risky), "{risky} is listed");
    }
    let reads = [
        ("ar_health_summary", json!({})),
        ("vault_list_secrets", json!({})),
        ("pat_list", json!({})),
        ("inbound_list", json!({})),
        ("llm_keys_list", json!({})),
        ("workflows_get", json!({"workflow_id": workflow})),
        (
            "catalog_bff_request",
            json!({"method": "GET", "path": "/v1/mcp/servers"}),
        ),
    ];
    for (name, args) in reads {
        let result = call(&client, name, args).await;
        ok(name, &result);
        let text = serde_json::to_string(&result).expect("json");
        for secret in secrets {
            assert!(!text.contains(secret), "{name} shows a secret");
        }
    }
    for (name, args) in [
        (
            "pat_create",
            json!({"display_name": "x", "scopes": ["workflow:read"]}),
        ),
        ("vault_put_secret", json!({"name": "X", "value": "y"})),
        ("inbound_create", json!({"workflow_id": workflow})),
        (
            "llm_keys_put",
            json!({"provider": "openai", "api_key": "sk-x"}),
        ),
    ] {
        let body = refused(name, &call(&client, name, args).await);
        assert!(
            body["error"].as_str().unwrap_or("").contains("risk"),
            "{name}: {body}"
        );
    }
    let _ = client.cancel().await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_risk_group_unlocks_the_secret_tools() {
    let groups = ["core", "pat", "vault", "risk"];
    let s = start_with(Backend::Sqlite, with_groups(Some(&groups), &[], 0)).await;
    let ws = workspace(&s, "acme").await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let client = connect(&s, &token, Era::Stateless).await.expect("connect");
    let names = tool_names(&client).await;
    assert!(names.iter().any(|n| n == "pat_create"));
    assert!(names.iter().any(|n| n == "vault_put_secret"));
    assert!(
        !names.iter().any(|n| n == "inbound_create"),
        "its group is off"
    );
    let made = ok(
        "pat_create",
        &call(
            &client,
            "pat_create",
            json!({"display_name": "made", "scopes": ["workflow:read"]}),
        )
        .await,
    );
    assert!(
        made["token"].as_str().unwrap_or("").starts_with("pat_"),
        "{made}"
    );
    // It cannot mint more than it has (the route's own rule).
    let (_, narrow) = pat(&s, &ws.owner, "acme", &[TokenScope::Admin]).await;
    let narrow = connect(&s, &narrow, Era::Stateless).await.expect("connect");
    refused(
        "pat_create",
        &call(
            &narrow,
            "pat_create",
            json!({"display_name": "more", "scopes": ["workflow:run"]}),
        )
        .await,
    );
    ok(
        "vault_put_secret",
        &call(
            &client,
            "vault_put_secret",
            json!({"name": "K", "value": "v"}),
        )
        .await,
    );
    let _ = (client.cancel().await, narrow.cancel().await);
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_group_is_absent_and_refused() {
    let s = start_with(
        Backend::Sqlite,
        with_groups(None, &["vault", "websocket"], 0),
    )
    .await;
    let ws = workspace(&s, "acme").await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let client = connect(&s, &token, Era::Session(ProtocolVersion::V_2025_06_18))
        .await
        .expect("connect");
    let names = tool_names(&client).await;
    let expected: Vec<&str> = DEFAULT_TOOLS
        .into_iter()
        .filter(|n| !n.starts_with("vault_") && *n != "workflows_stream_websocket")
        .collect();
    assert_eq!(names, expected);
    let body = refused(
        "vault_list_secrets",
        &call(&client, "vault_list_secrets", json!({})).await,
    );
    assert!(
        body["error"].as_str().unwrap_or("").contains("vault"),
        "{body}"
    );
    // An unknown tool is a protocol error (invalid params), as MCP says.
    let unknown = client
        .peer()
        .call_tool(CallToolRequestParams::new("no_such_tool"))
        .await;
    assert!(unknown.is_err(), "{unknown:?}");
    let _ = client.cancel().await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_requests_stay_under_v1_mcp() {
    let s = start(Backend::Sqlite).await;
    let ws = workspace(&s, "acme").await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let client = connect(&s, &token, Era::Stateless).await.expect("connect");
    let servers = ok(
        "catalog_bff_request",
        &call(
            &client,
            "catalog_bff_request",
            json!({"method": "GET", "path": "/v1/mcp/servers"}),
        )
        .await,
    );
    assert!(servers.is_object());
    let catalog = call(
        &client,
        "catalog_bff_request",
        json!({"method": "get", "path": "/v1/mcp/platform-catalog"}),
    )
    .await;
    ok("catalog_bff_request", &catalog);
    let attacks = [
        json!({"method": "GET", "path": "/v1/pats"}),
        json!({"method": "GET", "path": "/v1/mcp/../pats"}),
        json!({"method": "GET", "path": "/v1/mcp/%2e%2e/pats"}),
        json!({"method": "GET", "path": "/v1/mcp/servers/..%2F..%2Fpats"}),
        json!({"method": "GET", "path": "http://127.0.0.1:1/v1/mcp/servers"}),
        json!({"method": "GET", "path": "//evil.test/v1/mcp/servers"}),
        json!({"method": "GET", "path": "/v1/mcp/servers?limit=1"}),
        json!({"method": "GET", "path": "/v1/mcp/servers\\..\\..\\pats"}),
        json!({"method": "GET", "path": "/v1/mcp/no-such-route"}),
        json!({"method": "TRACE", "path": "/v1/mcp/servers"}),
        json!({"method": "GET", "path": "/v1/mcp/servers", "extra": 1}),
        json!({"method": "GET", "path": format!("/v1/mcp/{}", "a/".repeat(5000))}),
        json!({"method": "GET", "path": "/v1/mcp/instances/x/credentials"}),
    ];
    for args in attacks {
        let body = refused(
            "catalog_bff_request",
            &call(&client, "catalog_bff_request", args.clone()).await,
        );
        assert!(!body.to_string().contains("\"pats\""), "{args}: {body}");
    }
    let _ = client.cancel().await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_per_token_are_limited() {
    let s = start_with(Backend::Sqlite, with_groups(None, &[], 2)).await;
    let ws = workspace(&s, "acme").await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let (_, other) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let client = connect(&s, &token, Era::Stateless).await.expect("connect");
    ok(
        "workflows_list",
        &call(&client, "workflows_list", json!({})).await,
    );
    ok(
        "workflows_list",
        &call(&client, "workflows_list", json!({})).await,
    );
    let body = refused(
        "workflows_list",
        &call(&client, "workflows_list", json!({})).await,
    );
    assert!(
        body["error"]
            .as_str()
            .unwrap_or("")
            .contains("too many tool calls"),
        "{body}"
    );
    // Another token has a bucket of its own.
    let second = connect(&s, &other, Era::Stateless).await.expect("connect");
    ok(
        "workflows_list",
        &call(&second, "workflows_list", json!({})).await,
    );
    let _ = (client.cancel().await, second.cancel().await);
    s.close().await;
}

/// Hostile arguments: wrong types, unknown fields, huge values, path tricks in ids —
/// error results, never a failure of the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_arguments_are_error_results() {
    let s = start(Backend::Sqlite).await;
    let ws = workspace(&s, "acme").await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let client = connect(&s, &token, Era::Stateless).await.expect("connect");
    for (name, args) in [
        ("workflows_get", json!({})),
        ("workflows_get", json!({"workflow_id": 12})),
        ("workflows_get", json!({"workflow_id": ".."})),
        ("workflows_get", json!({"workflow_id": "../pats"})),
        ("workflows_get", json!({"workflow_id": "x", "sneaky": true})),
        ("workflows_get", json!({"workflow_id": "x".repeat(100_000)})),
        (
            "workflows_create",
            json!({"name": "n", "graph": "not a graph"}),
        ),
        (
            "workflows_list",
            json!({"project_id": "someone-elses-project"}),
        ),
        (
            "runs_list_events",
            json!({"workflow_id": "x", "run_id": "y", "after_seq": -5}),
        ),
        (
            "workflows_execute_command",
            json!({"workflow_id": "x", "command": "explode"}),
        ),
        (
            "tasks_complete",
            json!({"workflow_id": "x", "run_id": "y", "task_id": "z"}),
        ),
    ] {
        let body = refused(name, &call(&client, name, args.clone()).await);
        assert!(
            !body["error"].as_str().unwrap_or("").contains("internal"),
            "{name} {args}: {body}"
        );
    }
    // The server still answers.
    ok(
        "workflows_list",
        &call(&client, "workflows_list", json!({})).await,
    );
    let _ = client.cancel().await;
    s.close().await;
}

/// The body limit of `/v1` holds on `/mcp`; a server with the endpoint off has none; and a
/// client's open session does not hold the server's shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_limit_switch_off_and_shutdown() {
    let s = start(Backend::Sqlite).await;
    let ws = workspace(&s, "acme").await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let huge = "x".repeat(s.server.state.settings().body_limit_bytes + 1);
    let r = s
        .http
        .post(format!("{}/mcp", s.base))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .body(huge)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 413);
    // A session client, left open (its event stream too): the server still stops.
    let client = connect(&s, &token, Era::Session(ProtocolVersion::V_2025_06_18))
        .await
        .expect("connect");
    ok(
        "workflows_list",
        &call(&client, "workflows_list", json!({})).await,
    );
    tokio::time::timeout(std::time::Duration::from_secs(20), s.close())
        .await
        .expect("the server stopped with an MCP session open");
    drop(client);

    let mut off = with_groups(None, &[], 0);
    off.platform_mcp.enabled = false;
    let s = start_with(Backend::Sqlite, off).await;
    let ws = workspace(&s, "acme").await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let r = raw_post(&s, &[("Authorization", &format!("Bearer {token}"))]).await;
    // No such route: the console's fallback refuses the POST.
    assert!(matches!(r.status().as_u16(), 404 | 405), "{}", r.status());
    s.close().await;
}

/// The tools take a caller, not an HTTP request: a signed-in session (Autopilot's caller)
/// gets the same tools with the same rules — its writes pass the CSRF check because the
/// server makes them itself, and its role still decides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_caller_uses_the_same_tools() {
    use ar_server::auth::principal::{Credential, Principal};
    use ar_server::platform_tools::dispatch::Dispatcher;
    use ar_server::platform_tools::{Caller, call as call_tool};
    let s = start(Backend::Sqlite).await;
    let ws = workspace(&s, "acme").await;
    let state = s.server.state.clone();
    let dispatcher = Dispatcher::new(ar_server::v1_routes().with_state(state.clone()), state);
    let Auth::Session(cookie) = &ws.owner else {
        unreachable!()
    };
    let session = s
        .tenants()
        .session_by_token_hash(&ar_server::auth::tokens::hash_secret(cookie))
        .await
        .expect("session")
        .expect("found");
    let user = s
        .tenants()
        .user_by_email("owner@acme.test")
        .await
        .expect("user")
        .expect("owner");
    let caller = Caller {
        principal: Principal {
            user,
            credential: Credential::Session(session),
        },
        workspace: Some("acme".into()),
        project_id: None,
    };
    let groups = EnabledGroups::default_set();
    let graph: Value = serde_json::from_str(HUMAN_GRAPH).expect("graph");
    let args = json!({"name": "By session", "graph": graph});
    let created = call_tool(
        &dispatcher,
        &groups,
        &caller,
        "workflows_create",
        args.as_object().cloned().unwrap_or_default(),
    )
    .await;
    assert!(!created.is_error, "{:?}", created.body);
    assert_eq!(created.status, 201);
    let health = call_tool(
        &dispatcher,
        &groups,
        &caller,
        "ar_health_summary",
        Map::new(),
    )
    .await;
    assert_eq!(health.body["counts"]["workflows"], 1, "{:?}", health.body);
    assert_eq!(health.body["project"]["id"], ws.project.as_str());
    // Another workspace named by the caller: not found, as over REST.
    let elsewhere = Caller {
        workspace: Some("globex".into()),
        ..caller
    };
    let listed = call_tool(
        &dispatcher,
        &groups,
        &elsewhere,
        "workflows_list",
        Map::new(),
    )
    .await;
    assert!(listed.is_error && listed.status == 404, "{listed:?}");
    s.close().await;
}
