//! Helpers of the Platform MCP tests: rmcp clients on both protocol generations, tool
//! calls, tokens and server settings.

use super::*;

pub type Client = RunningService<RoleClient, ClientConfig>;

/// The tools of the default groups (every group but `risk`), in docs/contract.md §12 order.
pub const DEFAULT_TOOLS: [&str; 34] = [
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
    "analytics_live_runs",
    "analytics_success_rate",
    "analytics_credits_consumed",
    "analytics_runs_timeseries",
    "analytics_usage_timeseries",
    "catalog_bff_request",
    "workflows_stream_websocket",
    "chat_list_threads",
    "chat_get_thread",
    "chat_send_message",
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
pub const RISK_TOOLS: [&str; 4] = [
    "vault_put_secret",
    "pat_create",
    "inbound_create",
    "llm_keys_put",
];

/// Which protocol generation a client speaks.
#[derive(Clone)]
pub enum Era {
    Session(ProtocolVersion),
    Stateless,
}

pub async fn connect(s: &TestServer, token: &str, era: Era) -> Result<Client, String> {
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

pub async fn call(client: &Client, name: &str, args: Value) -> CallToolResult {
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
pub fn ok(name: &str, r: &CallToolResult) -> Value {
    assert_ne!(
        r.is_error,
        Some(true),
        "{name} failed: {:?}",
        r.structured_content
    );
    r.structured_content.clone().expect("structuredContent")
}

/// The REST error body of a failed call.
pub fn refused(name: &str, r: &CallToolResult) -> Value {
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

pub async fn pat(
    s: &TestServer,
    who: &Auth,
    slug: &str,
    scopes: &[TokenScope],
) -> (String, String) {
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

pub fn with_groups(
    groups: Option<&[&str]>,
    disabled: &[&str],
    per_minute: u32,
) -> ar_server::Settings {
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

pub const HUMAN_GRAPH: &str = r#"{"steps": [{"id": "approve", "type": "human_task"}]}"#;

pub async fn tool_names(client: &Client) -> Vec<String> {
    client
        .peer()
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

pub async fn raw_post(s: &TestServer, headers: &[(&str, &str)]) -> reqwest::Response {
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
