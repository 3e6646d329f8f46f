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
