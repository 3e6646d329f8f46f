//! The MCP registry end to end, against real MCP servers (`scripts/mcp-fixtures.sh`):
//! registration with discovery and its refusals (zero tools, unreachable, SSRF), versions,
//! validation, instances and config profiles, and published workflows whose `mcp_call`
//! steps reach servers through instances — the vault secret of the active profile arrives
//! as a header (HTTP) and as an environment variable (stdio catalog server), and appears
//! in no event, run context, API response or log line.

mod common;

#[path = "../../mcp/tests/common/mod.rs"]
#[allow(unused_imports)]
mod mcp_fixtures;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use ar_server::settings::McpCatalogEntry;
use ar_server::vault::SealedField;
use ar_store::integrations::SecretRecord;
use axum::Router;
use axum::routing::post;
use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const HTTP_TOKEN: &str = "reg-http-token-7c1f02a9e4";
const STDIO_TOKEN: &str = "reg-stdio-token-3b8d55e0f1";
const CONNECTION_TOKEN: &str = "reg-conn-token-91d0c4e7aa";

/// Every log line of this test binary (debug and above).
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut all) = self.0.lock() {
            all.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static CapturedLogs {
    static LOGS: OnceLock<CapturedLogs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = CapturedLogs::default();
        let writer = logs.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .try_init();
        logs
    })
}

impl CapturedLogs {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|all| String::from_utf8_lossy(&all).into_owned())
            .unwrap_or_default()
    }
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The Python fixture as a stdio catalog server whose projects get instances automatically.
fn fixture_catalog_entry() -> McpCatalogEntry {
    McpCatalogEntry {
        name: "fixture".into(),
        description: Some("the Python test server".into()),
        url: None,
        command: Some(mcp_fixtures::fixture_python().display().to_string()),
        args: vec![
            mcp_fixtures::fixture_server_py().display().to_string(),
            "stdio".into(),
        ],
        auth_mode: "token".into(),
        credentials: vec!["FIXTURE_TOKEN".into()],
        connection_env: None,
        auto_instance: true,
    }
}

fn registry_settings(allow_loopback: bool) -> ar_server::Settings {
    let mut settings = test_settings();
    if allow_loopback {
        settings.mcp_allowed_hosts = Some("127.0.0.1".into());
    }
    settings.mcp_catalog = vec![fixture_catalog_entry()];
    settings
}

/// An MCP server that answers the handshake and lists no tools.
async fn serve_toolless() -> String {
    async fn handle(body: String) -> axum::response::Response {
        use axum::response::IntoResponse;
        let message: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let Some(id) = message.get("id").cloned() else {
            return axum::http::StatusCode::ACCEPTED.into_response();
        };
        let result = match message["method"].as_str().unwrap_or_default() {
            "initialize" => json!({
                "protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                "serverInfo": {"name": "toolless", "version": "0"}
            }),
            "tools/list" => json!({"tools": []}),
            _ => {
                return axum::Json(json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}}))
                    .into_response();
            }
        };
        axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": result})).into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, Router::new().route("/mcp", post(handle))).await;
    });
    format!("http://{addr}/mcp")
}

/// Puts a vault secret into the workspace (sealed as the vault API does).
async fn put_secret(s: &TestServer, slug: &str, name: &str, value: &str) {
    let state = &s.server.state;
    let ws = state
        .tenants()
        .workspace_by_slug(slug)
        .await
        .expect("read")
        .expect("workspace");
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = state
        .vault()
        .seal(
            &ws.id,
            SealedField {
                record_kind: "vault_secret",
                record_id: &id,
                field: "value",
            },
            value,
        )
        .await
        .expect("seal");
    state
        .integrations()
        .put_secret(&SecretRecord {
            id,
            workspace_id: ws.id.clone(),
            name: name.into(),
            description: None,
            value_sealed: sealed,
            created_by: "test".into(),
            created_at: 0,
            updated_at: 0,
        })
        .await
        .expect("put secret");
}

/// Every body the test received, to prove no secret is in any of them.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn keep(&mut self, r: &Reply) -> Value {
        self.0.push(r.body.to_string());
        r.body.clone()
    }
}

async fn call(
    s: &TestServer,
    ws: &Workspace,
    seen: &mut Seen,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut c = s
        .call(method, path)
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .project(&ws.project);
    if let Some(b) = body {
        c = c.json(b);
    }
    let r = c.send().await;
    seen.keep(&r);
    r
}

/// Starts the workflow and waits until its run ends; returns (summary, context, events).
async fn run_to_end(
    s: &TestServer,
    ws: &Workspace,
    seen: &mut Seen,
    workflow: &str,
) -> (Value, Value, Value) {
    let r = call(
        s,
        ws,
        seen,
        Method::POST,
        &format!("/v1/workflows/{workflow}/command"),
        Some(json!({"command": "start", "params": {}})),
    )
    .await;
    assert!(r.status == 202 || r.status == 200, "{:?}", r.body);
    let run = r.body["run_id"].as_str().expect("run id").to_string();
    let base = format!("/v1/workflows/{workflow}/runs/{run}");
    let summary = poll_until(s, &ws.owner, &ws.slug, &format!("{base}/summary"), |b| {
        b["run_complete"] == json!(true)
    })
    .await;
    seen.0.push(summary.to_string());
    let context = call(s, ws, seen, Method::GET, &format!("{base}/context"), None)
        .await
        .body;
    let events = call(s, ws, seen, Method::GET, &format!("{base}/events"), None)
        .await
        .body;
    (summary, context, events)
}

fn step_result<'a>(context: &'a Value, id: &str) -> &'a Value {
    let steps = &context["steps"];
    if steps[id].get("result").is_some() {
        &steps[id]["result"]
    } else {
        &steps[id]
    }
}

async fn scenario(backend: Backend) {
    let logs = logs();
    let everything = mcp_fixtures::start_everything_http();
    let python = mcp_fixtures::start_python_http(true);
    let toolless = serve_toolless().await;
    let s = start_with(backend, registry_settings(true)).await;
    let ws = workspace(&s, "reg").await;
    let mut seen = Seen::default();

    // Registration: server-everything's tools, with their schemas.
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/servers",
        Some(json!({"url": everything.url, "name": "everything"})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let tools = r.body["tools"].as_array().expect("tools");
    let echo = tools
        .iter()
        .find(|t| t["name"] == "echo")
        .expect("echo tool");
    assert_eq!(echo["input_schema"]["type"], "object", "{echo}");
    assert_eq!(r.body["current_version"], 1);
    assert_eq!(r.body["source"], "custom");
    let everything_id = r.body["id"].as_str().expect("id").to_string();
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/servers",
        Some(json!({"url": everything.url})),
    )
    .await;
    assert_eq!(r.status, 409, "{:?}", r.body);

    // Discovery without saving; re-discovery of an unchanged server keeps the version.
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/servers/discover",
        Some(json!({"url": python.url})),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(
        r.body["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .any(|t| t["name"] == "credential_digest")
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &format!("/v1/mcp/servers/{everything_id}/versions"),
        None,
    )
    .await;
    assert_eq!(
        (r.status, &r.body["changed"]),
        (200, &json!(false)),
        "{:?}",
        r.body
    );
    // The registered server's tools as offered now, without saving (hosted `discover`).
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &format!("/v1/mcp/servers/{everything_id}/discover"),
        None,
    )
    .await;
    assert_eq!(
        (r.status, &r.body["changed"], &r.body["server_id"]),
        (200, &json!(false), &json!(everything_id)),
        "{:?}",
        r.body
    );
    assert!(
        r.body["tools"].as_array().is_some_and(|t| !t.is_empty()),
        "{:?}",
        r.body
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::GET,
        &format!("/v1/mcp/servers/{everything_id}/versions"),
        None,
    )
    .await;
    assert_eq!(
        r.body["versions"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        r.body
    );

    // Refusals: no tools, unreachable, a bad scheme.
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/servers",
        Some(json!({"url": toolless})),
    )
    .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(r.error().contains("offers no tools"), "{}", r.error());
    let down = format!("http://127.0.0.1:{}/mcp", mcp_fixtures::free_port());
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/servers",
        Some(json!({"url": down})),
    )
    .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(r.error().contains(&down), "{}", r.error());
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/servers",
        Some(json!({"url": "file:///etc/passwd"})),
    )
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/servers",
        Some(json!({"url": python.url, "extra": 1})),
    )
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);

    // The Python server, its instance and a profile whose header is a vault secret.
    put_secret(&s, &ws.slug, "FIXTURE_HTTP_TOKEN", HTTP_TOKEN).await;
    put_secret(&s, &ws.slug, "FIXTURE_STDIO_TOKEN", STDIO_TOKEN).await;
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/servers",
        Some(json!({"url": python.url, "name": "python", "auth_mode": "token"})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let python_id = r.body["id"].as_str().expect("id").to_string();
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/instances",
        Some(json!({"server_id": python_id, "name": "python-prod"})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let http_instance = r.body["id"].as_str().expect("id").to_string();
    let profiles = format!("/v1/mcp/instances/{http_instance}/config-profiles");
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &profiles,
        Some(json!({"name": "bad", "headers": {"Authorization": "Bearer literal"}})),
    )
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &profiles,
        Some(json!({"name": "bad", "headers": {"Authorization": {"secret": "NO_SUCH"}}})),
    )
    .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(r.error().contains("NO_SUCH"), "{}", r.error());
    let binding = json!({"secret": "FIXTURE_HTTP_TOKEN", "prefix": "Bearer "});
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &profiles,
        Some(json!({"name": "prod", "headers": {"Authorization": binding, "X-Region": "eu"}})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["active"], true, "the first profile is active");
    assert_eq!(
        r.body["headers"]["Authorization"], binding,
        "shown as a reference"
    );
    let prod = r.body["id"].as_str().expect("id").to_string();
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &profiles,
        Some(json!({"name": "empty"})),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["active"]),
        (201, &json!(false)),
        "{:?}",
        r.body
    );
    let empty = r.body["id"].as_str().expect("id").to_string();
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::DELETE,
        &format!("{profiles}/{prod}"),
        None,
    )
    .await;
    assert_eq!(
        r.status, 409,
        "the active profile stays while others exist: {:?}",
        r.body
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &format!("{profiles}/{empty}/set-active"),
        None,
    )
    .await;
    assert_eq!(
        (r.status, &r.body["active"]),
        (200, &json!(true)),
        "{:?}",
        r.body
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &format!("{profiles}/{prod}/set-active"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = call(&s, &ws, &mut seen, Method::GET, &profiles, None).await;
    let actives: Vec<&Value> = r.body["config_profiles"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|p| p["active"] == true)
        .collect();
    assert_eq!(actives.len(), 1, "{:?}", r.body);
    assert_eq!(actives[0]["id"], json!(prod));

    // Validation with the instance's profile and a smoke call; stored on the server.
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &format!("/v1/mcp/servers/{python_id}/validate"),
        Some(json!({"tool": "add", "args": {"a": 1, "b": 2}, "instance_id": http_instance})),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["ok"]),
        (200, &json!(true)),
        "{:?}",
        r.body
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::GET,
        &format!("/v1/mcp/servers/{python_id}"),
        None,
    )
    .await;
    assert_eq!(r.body["validation"]["smoke"]["ok"], true, "{:?}", r.body);
    // The same through the instance's own route (as hosted), with and without a body;
    // another server's tool in the smoke call fails the check, not the request.
    let instance_validate = format!("/v1/mcp/instances/{http_instance}/validate");
    let r = call(&s, &ws, &mut seen, Method::POST, &instance_validate, None).await;
    assert_eq!(
        (r.status, &r.body["ok"]),
        (200, &json!(true)),
        "{:?}",
        r.body
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &instance_validate,
        Some(json!({"tool": "add", "args": {"a": 2, "b": 3}})),
    )
    .await;
    assert_eq!(r.body["smoke"]["ok"], true, "{:?}", r.body);
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &instance_validate,
        Some(json!({"args": {"a": 1}})),
    )
    .await;
    assert_eq!(r.status, 400, "args without a tool: {:?}", r.body);
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/instances/no-such-instance/validate",
        None,
    )
    .await;
    assert_eq!(r.status, 404, "{:?}", r.body);

    // The stdio catalog server: an instance by its name, a profile with an env binding.
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::GET,
        "/v1/mcp/platform-catalog",
        None,
    )
    .await;
    assert_eq!(
        r.body["servers"][0]["canonical_url"], "stdio:fixture",
        "{:?}",
        r.body
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/instances",
        Some(json!({"server_url": "stdio:fixture"})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let stdio_instance = r.body["id"].as_str().expect("id").to_string();
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &format!("/v1/mcp/instances/{stdio_instance}/config-profiles"),
        Some(json!({"name": "prod", "env": {"FIXTURE_TOKEN": {"secret": "FIXTURE_STDIO_TOKEN"}}})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = call(&s, &ws, &mut seen, Method::GET, "/v1/mcp/tools", None).await;
    let tool_instances: Vec<&str> = r.body["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter(|t| t["name"] == "credential_digest")
        .filter_map(|t| t["instance_id"].as_str())
        .collect();
    assert_eq!(tool_instances.len(), 2, "{:?}", r.body);

    // Another project of the workspace: its own instance, which the first project's runs
    // may not use; resolving the catalog server there creates its instance.
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/projects",
        Some(json!({"name": "other"})),
    )
    .await;
    let other = Workspace {
        slug: ws.slug.clone(),
        owner: ws.owner.clone(),
        project: r.body["id"].as_str().expect("project").into(),
    };
    let r = call(
        &s,
        &other,
        &mut seen,
        Method::POST,
        "/v1/mcp/instances/resolve",
        Some(json!({"server_url": "stdio:fixture"})),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["created"]),
        (200, &json!(true)),
        "{:?}",
        r.body
    );
    let foreign_instance = r.body["instance"]["id"].as_str().expect("id").to_string();
    let r = call(
        &s,
        &other,
        &mut seen,
        Method::POST,
        "/v1/mcp/instances/resolve",
        Some(json!({"server_url": "stdio:fixture"})),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["created"]),
        (200, &json!(false)),
        "{:?}",
        r.body
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/instances/resolve",
        Some(json!({"instance_id": foreign_instance})),
    )
    .await;
    assert_eq!(r.status, 422, "{:?}", r.body);

    // A connection of the project: its token as the bearer, and one credential bound by key.
    let r = call(&s, &ws, &mut seen, Method::POST, "/v1/connections", Some(json!({"display_name": "Fixture", "provider": "fixture", "auth_type": "api_key", "credentials": {"api_key": CONNECTION_TOKEN}}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let connection = r.body["id"].as_str().expect("id").to_string();
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/instances",
        Some(json!({"server_id": python_id, "name": "python-conn"})),
    )
    .await;
    let conn_instance = r.body["id"].as_str().expect("id").to_string();
    let conn_profiles = format!("/v1/mcp/instances/{conn_instance}/config-profiles");
    let r = call(&s, &ws, &mut seen, Method::POST, &conn_profiles, Some(json!({"name": "bad", "headers": {"X-Conn": {"connection": connection, "key": "password"}}}))).await;
    assert_eq!(r.status, 422, "no such credential key: {:?}", r.body);
    let r = call(&s, &ws, &mut seen, Method::POST, &conn_profiles, Some(json!({"name": "conn", "connection_id": connection, "headers": {"X-Conn": {"connection": connection, "key": "api_key"}}}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    let r = call(
        &s,
        &other,
        &mut seen,
        Method::POST,
        &format!("/v1/mcp/instances/{foreign_instance}/config-profiles"),
        Some(json!({"name": "x", "connection_id": connection})),
    )
    .await;
    assert_eq!(r.status, 422, "another project's connection: {:?}", r.body);
    // A published workflow calls the servers by instance_id.
    let steps = json!([
        {"id": "http", "type": "mcp_call", "instance_id": http_instance, "tool_name": "credential_digest", "tool_args": {"header_name": "authorization"}},
        {"id": "stdio", "type": "mcp_call", "instance_id": stdio_instance, "tool_name": "credential_digest", "tool_args": {"env_name": "FIXTURE_TOKEN"}},
        {"id": "conn_bearer", "type": "mcp_call", "instance_id": conn_instance, "tool_name": "credential_digest", "tool_args": {"header_name": "authorization"}},
        {"id": "conn_key", "type": "mcp_call", "instance_id": conn_instance, "tool_name": "credential_digest", "tool_args": {"header_name": "x-conn"}},
    ]);
    let workflow =
        published_workflow(&s, &ws, json!({"name": "creds", "graph": {"steps": steps}})).await;
    let (summary, context, events) = run_to_end(&s, &ws, &mut seen, &workflow).await;
    assert_eq!(summary["status"], "completed", "{summary} {context}");
    assert_eq!(
        step_result(&context, "http")["header_sha256"],
        json!(sha256(&format!("Bearer {HTTP_TOKEN}"))),
        "{context}"
    );
    assert_eq!(
        step_result(&context, "stdio")["env_sha256"],
        json!(sha256(STDIO_TOKEN)),
        "{context}"
    );
    assert!(!events.to_string().is_empty());

    // Another project's instance: dry-run and publish refuse it; forced through, the step
    // fails at run time, naming it.
    let steps = json!([{"id": "foreign", "type": "mcp_call", "instance_id": foreign_instance, "tool_name": "add", "tool_args": {"a": 1, "b": 2}}]);
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/workflows",
        Some(json!({"name": "foreign", "graph": {"steps": steps}})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let workflow = r.body["id"].as_str().expect("id").to_string();
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &format!("/v1/workflows/{workflow}/validate"),
        None,
    )
    .await;
    assert_eq!(r.body["valid"], false, "{:?}", r.body);
    assert_eq!(
        r.body["check_results"]["mcp_bindings"], "failed",
        "{:?}",
        r.body
    );
    assert_eq!(
        r.body["issues"][0]["code"], "mcp_instance_unresolved",
        "{:?}",
        r.body
    );
    let versions = format!("/v1/workflows/{workflow}/versions");
    let r = call(&s, &ws, &mut seen, Method::POST, &versions, None).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &versions,
        Some(json!({"force": true})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let (summary, context, events) = run_to_end(&s, &ws, &mut seen, &workflow).await;
    assert_eq!(summary["status"], "failed", "{summary}");
    assert_eq!(
        summary["failure_code"], "MCP_SERVER_UNRESOLVED",
        "{summary} {context}"
    );
    assert!(
        events.to_string().contains(&foreign_instance)
            || context.to_string().contains(&foreign_instance),
        "the failure names the instance: {events}"
    );

    // Another workspace sees none of it.
    let intruder = workspace(&s, "intruder").await;
    for path in [
        format!("/v1/mcp/instances/{http_instance}"),
        format!("/v1/mcp/servers/{python_id}"),
        format!("/v1/mcp/instances/{http_instance}/config-profiles"),
    ] {
        let r = call(&s, &intruder, &mut seen, Method::GET, &path, None).await;
        assert_eq!(r.status, 404, "{path}: {:?}", r.body);
    }

    // The secrets went to the servers only.
    let everything_seen = seen.0.join("\n");
    let log_text = logs.text();
    assert!(log_text.contains("mcp"), "the capture works");
    for secret in [HTTP_TOKEN, STDIO_TOKEN, CONNECTION_TOKEN] {
        assert!(
            !everything_seen.contains(secret),
            "{secret} in an API response"
        );
        assert!(!log_text.contains(secret), "{secret} in a log line");
    }
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_end_to_end_on_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_end_to_end_on_postgres() {
    scenario(Backend::Postgres).await;
}

/// Without an operator allowlist, loopback, cloud metadata and names resolving to them
/// are refused at registration with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_without_the_allowlist() {
    let s = start_with(Backend::Sqlite, registry_settings(false)).await;
    let ws = workspace(&s, "ssrf").await;
    let mut seen = Seen::default();
    for (url, class) in [
        ("http://127.0.0.1:9/mcp", "loopback"),
        ("http://169.254.169.254/latest", "link-local"),
        ("http://localhost:9/mcp", "loopback"),
    ] {
        for path in ["/v1/mcp/servers", "/v1/mcp/servers/discover"] {
            let r = call(
                &s,
                &ws,
                &mut seen,
                Method::POST,
                path,
                Some(json!({"url": url})),
            )
            .await;
            assert_eq!(r.status, 422, "{path} {url}: {:?}", r.body);
            assert_eq!(r.body["code"], "MCP_URL_REFUSED", "{:?}", r.body);
            assert!(
                r.error().contains(class) && r.error().contains("AR_MCP_ALLOWED_HOSTS"),
                "{}",
                r.error()
            );
        }
    }
    let r = call(&s, &ws, &mut seen, Method::GET, "/v1/mcp/servers", None).await;
    assert_eq!(r.body["servers"], json!([]), "nothing was saved");
    s.close().await;
}
