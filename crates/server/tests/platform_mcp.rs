//! The Platform MCP endpoint `/mcp` (docs/contract.md §12, docs/platform-mcp.md), spoken to
//! with rmcp's client — the official SDK — on both protocol generations: authentication,
//! the tool list, the whole workflow flow through tools only, the parity of every tool
//! with its REST route (route and authorization), secrets, groups, `catalog_bff_request`
//! path attacks, other tenants' ids and the per-token call limit.

mod common;
#[path = "platform_mcp/flow.rs"]
mod flow;
#[path = "platform_mcp/parity.rs"]
mod parity;
#[path = "platform_mcp/support.rs"]
mod support;

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
use support::*;

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
    // `/mcp` is the console's MCP page too: a browser opening it (HTML, no token) gets
    // the console (or its "not built" page), never the MCP endpoint's 401; a GET that
    // asks for HTML but carries a token is the endpoint's.
    let page = s
        .http
        .get(format!("{}/mcp", s.base))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("page");
    assert_ne!(page.status(), 401);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/html"),
        "{:?}",
        page.headers()
    );
    let with_token = s
        .http
        .get(format!("{}/mcp", s.base))
        .header("Accept", "text/html")
        .header("Authorization", "Bearer pat_not_a_real_token")
        .send()
        .await
        .expect("get");
    assert_eq!(with_token.status(), 401);
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

// --- chat (docs/agents.md "Chat")

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_tools_list_post_and_read_threads() {
    let s = start(Backend::Sqlite).await;
    let ws = workspace(&s, "acme").await;
    let (_, token) = pat(&s, &ws.owner, "acme", &TokenScope::ALL).await;
    let r = s
        .call(Method::POST, "/v1/chat/threads")
        .auth(&ws.owner)
        .tenant("acme")
        .project(&ws.project)
        .json(json!({"kind": "channel", "title": "tools"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let thread = r.body["id"].as_str().expect("id").to_string();
    let client = connect(&s, &token, Era::Stateless).await.expect("connect");
    let listed = ok(
        "chat_list_threads",
        &call(&client, "chat_list_threads", json!({})).await,
    );
    assert_eq!(listed["threads"][0]["id"], json!(thread), "{listed}");
    for i in 0..3 {
        let sent = ok(
            "chat_send_message",
            &call(
                &client,
                "chat_send_message",
                json!({"thread_id": thread, "text": format!("via mcp {i}")}),
            )
            .await,
        );
        assert_eq!(sent["seq"], i + 1, "{sent}");
    }
    let got = ok(
        "chat_get_thread",
        &call(
            &client,
            "chat_get_thread",
            json!({"thread_id": thread, "limit": 2}),
        )
        .await,
    );
    assert_eq!(got["thread"]["id"], json!(thread), "{got}");
    let texts: Vec<&str> = got["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["via mcp 1", "via mcp 2"],
        "the newest two, oldest first"
    );
    let unknown = call(
        &client,
        "chat_get_thread",
        json!({"thread_id": "cth_00000000-0000-7000-8000-000000000000"}),
    )
    .await;
    assert_eq!(unknown.is_error, Some(true));
    let _ = client.cancel().await;
    s.close().await;
}
