//! The MCP registry end to end, against real MCP servers (`scripts/mcp-fixtures.sh`):
//! registration with discovery and its refusals (zero tools, unreachable, SSRF), versions,
//! validation, instances and config profiles, and published workflows whose `mcp_call`
//! steps reach servers through instances — the vault secret of the active profile arrives
//! as a header (HTTP) and as an environment variable (stdio catalog server), and appears
//! in no event, run context, API response or log line. Publishing given tool lists (with a
//! config schema, activated or not) and validating a server through a connection.

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
const WRONG_TOKEN: &str = "reg-wrong-token-5e2b7d10c3";
const BASIC_PASSWORD: &str = "reg-basic-password-0a9c3f";

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

/// An MCP server that lists one tool, `ping`, to anyone and answers a call of it only
/// with `Authorization: Bearer <token>` (a JSON-RPC error otherwise). Returns its URL and
/// the `Authorization` values its calls carried.
async fn serve_bearer_only(token: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen_by_handler = seen.clone();
    let handle = move |headers: axum::http::HeaderMap, body: String| {
        let seen = seen_by_handler.clone();
        async move {
            use axum::response::IntoResponse;
            let message: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let Some(id) = message.get("id").cloned() else {
                return axum::http::StatusCode::ACCEPTED.into_response();
            };
            let authorization = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let reply = match message["method"].as_str().unwrap_or_default() {
                "initialize" => json!({"result": {
                    "protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                    "serverInfo": {"name": "bearer-only", "version": "0"}
                }}),
                "tools/list" => json!({"result": {"tools": [
                    {"name": "ping", "description": "needs the bearer", "inputSchema": {"type": "object"}}
                ]}}),
                "tools/call" => {
                    if let Ok(mut all) = seen.lock() {
                        all.push(authorization.clone());
                    }
                    if authorization == format!("Bearer {token}") {
                        json!({"result": {"content": [{"type": "text", "text": "pong"}], "isError": false}})
                    } else {
                        json!({"error": {"code": -32001, "message": "unauthorized"}})
                    }
                }
                _ => json!({"error": {"code": -32601, "message": "Method not found"}}),
            };
            let mut out = json!({"jsonrpc": "2.0", "id": id});
            for (k, v) in reply.as_object().into_iter().flatten() {
                out[k] = v.clone();
            }
            axum::Json(out).into_response()
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, Router::new().route("/mcp", post(handle))).await;
    });
    (format!("http://{addr}/mcp"), seen)
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

/// `POST /v1/mcp/servers/{id}/versions {tools?, config_schema?, activate?}`: given tools
/// (hosted and snake_case schema spellings), a config schema, an inactive version that
/// leaves the current list alone, an activated one, re-discovery without a body, and the
/// refusals (bad bodies 400, a viewer 403, another workspace 404).
async fn versions_scenario(backend: Backend) {
    let python = mcp_fixtures::start_python_http(true);
    let s = start_with(backend, registry_settings(true)).await;
    let ws = workspace(&s, "ver").await;
    let mut seen = Seen::default();
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        "/v1/mcp/servers",
        Some(json!({"url": python.url})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let server = r.body["id"].as_str().expect("id").to_string();
    let discovered = r.body["tools"].clone();
    let versions = format!("/v1/mcp/servers/{server}/versions");

    // An inactive version: listed with its config schema, the current list unchanged.
    let config_schema = json!({"type": "object", "properties": {"region": {"type": "string"}}});
    let body = json!({
        "tools": [{"name": "lookup", "description": "finds", "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}}}, "outputSchema": {"type": "object"}}],
        "config_schema": config_schema, "activate": false,
    });
    let r = call(&s, &ws, &mut seen, Method::POST, &versions, Some(body)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (&r.body["changed"], &r.body["version"], &r.body["active"]),
        (&json!(true), &json!(2), &json!(false)),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["config_schema"], config_schema);
    assert_eq!(r.body["server"]["current_version"], 1, "{:?}", r.body);
    assert_eq!(r.body["server"]["tools"], discovered);
    let r = call(&s, &ws, &mut seen, Method::GET, &versions, None).await;
    let listed = r.body["versions"].as_array().expect("versions");
    assert_eq!(listed.len(), 2, "{:?}", r.body);
    assert_eq!(
        (&listed[0]["version"], &listed[0]["active"]),
        (&json!(2), &json!(false))
    );
    assert_eq!(listed[0]["config_schema"], config_schema);
    assert_eq!(listed[0]["tools"][0]["name"], "lookup");
    assert_eq!(
        listed[0]["tools"][0]["input_schema"]["properties"]["q"]["type"],
        "string"
    );
    assert_eq!(
        listed[0]["tools"][0]["output_schema"],
        json!({"type": "object"})
    );
    assert_eq!(
        (&listed[1]["version"], &listed[1]["active"]),
        (&json!(1), &json!(true))
    );

    // Activated by default: the given tools become the server's (snake_case spelling).
    let body = json!({"tools": [{"name": "lookup", "input_schema": {"type": "object"}}, {"name": "store"}]});
    let r = call(&s, &ws, &mut seen, Method::POST, &versions, Some(body)).await;
    assert_eq!(
        (r.status, &r.body["version"], &r.body["active"]),
        (201, &json!(3), &json!(true)),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["server"]["current_version"], 3);
    let names: Vec<&str> = r.body["server"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["lookup", "store"]);
    assert_eq!(
        r.body["server"]["tools"][1]["input_schema"],
        json!({"type": "object"})
    );

    // No body, or `{}`: discovered again, as before this body existed.
    let r = call(&s, &ws, &mut seen, Method::POST, &versions, None).await;
    assert_eq!(
        (r.status, &r.body["version"]),
        (201, &json!(4)),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["server"]["tools"], discovered);
    let r = call(&s, &ws, &mut seen, Method::POST, &versions, Some(json!({}))).await;
    assert_eq!(
        (r.status, &r.body["changed"], &r.body["version"]),
        (200, &json!(false), &json!(4)),
        "{:?}",
        r.body
    );

    // Bad bodies: 400, naming what is wrong; nothing recorded.
    let huge = json!({"type": "object", "description": "x".repeat(70 * 1024)});
    for (body, needle) in [
        (json!({"tools": "lookup"}), "expected a sequence"),
        (json!({"tools": []}), "at least one tool"),
        (json!({"tools": [{"name": ""}]}), "tools[0].name"),
        (json!({"tools": [{"name": "a"}, {"name": "a"}]}), "unique"),
        (
            json!({"tools": [{"name": "a", "input_schema": "object"}]}),
            "tools[0].input_schema",
        ),
        (
            json!({"tools": [{"name": "a", "input_schema": huge}]}),
            "bytes of JSON",
        ),
        (json!({"tools": [{"name": "a", "extra": 1}]}), "extra"),
        (json!({"config_schema": [1, 2]}), "config_schema"),
        (json!({"config_schema": huge}), "bytes of JSON"),
        (json!({"activate": "yes"}), "expected a boolean"),
        (json!({"tool": "x"}), "tool"),
    ] {
        let r = call(
            &s,
            &ws,
            &mut seen,
            Method::POST,
            &versions,
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        assert!(r.error().contains(needle), "{body}: {}", r.error());
    }
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"name": format!("t{i}")}))
        .collect();
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &versions,
        Some(json!({"tools": many})),
    )
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = call(&s, &ws, &mut seen, Method::GET, &versions, None).await;
    assert_eq!(
        r.body["versions"].as_array().map(Vec::len),
        Some(4),
        "{:?}",
        r.body
    );

    // A project viewer may not publish; another workspace does not see the server.
    let viewer = project_viewer(&s, &ws, "viewer@ver.test").await;
    let r = s
        .call(Method::POST, versions.clone())
        .auth(&viewer)
        .tenant(&ws.slug)
        .project(&ws.project)
        .json(json!({"tools": [{"name": "v"}]}))
        .send()
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let intruder = workspace(&s, "ver-intruder").await;
    let r = call(
        &s,
        &intruder,
        &mut seen,
        Method::POST,
        &versions,
        Some(json!({"tools": [{"name": "v"}]})),
    )
    .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let r = call(&s, &ws, &mut seen, Method::GET, &versions, None).await;
    assert_eq!(
        r.body["versions"].as_array().map(Vec::len),
        Some(4),
        "{:?}",
        r.body
    );
    s.close().await;
}

/// Makes a new user a project viewer of the workspace's project; returns their session.
async fn project_viewer(s: &TestServer, ws: &Workspace, email: &str) -> Auth {
    use ar_store::tenant::MembershipRecord;
    let (user_id, cookie) = s.signup(email, "password-123").await;
    let workspace = s
        .tenants()
        .workspace_by_slug(&ws.slug)
        .await
        .expect("read")
        .expect("workspace");
    s.tenants()
        .upsert_member(&MembershipRecord {
            workspace_id: workspace.id,
            user_id: user_id.clone(),
            role: "member".into(),
            active: true,
            created_at: 0,
        })
        .await
        .expect("member");
    s.tenants()
        .set_project_member(&ws.project, &user_id, "project_viewer", 0)
        .await
        .expect("viewer");
    Auth::Session(cookie)
}

/// `POST /v1/mcp/servers/{id}/connections/{connection_id}/validate`: the connection's
/// bearer reaches the server (a smoke call that needs it passes only through the right
/// connection), the answer is the validation's plus `connection_id`; other projects' and
/// workspaces' connections are 404, a viewer 403, and no credential is in any answer or
/// log line.
async fn connection_validation_scenario(backend: Backend) {
    let logs = logs();
    let python = mcp_fixtures::start_python_http(true);
    let (bearer_url, authorizations) = serve_bearer_only(CONNECTION_TOKEN).await;
    let s = start_with(backend, registry_settings(true)).await;
    let ws = workspace(&s, "cv").await;
    let mut seen = Seen::default();
    let register = async |url: &str| {
        let r = s
            .call(Method::POST, "/v1/mcp/servers")
            .auth(&ws.owner)
            .tenant(&ws.slug)
            .project(&ws.project)
            .json(json!({"url": url}))
            .send()
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().expect("id").to_string()
    };
    let bearer_server = register(&bearer_url).await;
    let python_server = register(&python.url).await;
    let connection = async |ws: &Workspace, body: Value| {
        let r = s
            .call(Method::POST, "/v1/connections")
            .auth(&ws.owner)
            .tenant(&ws.slug)
            .project(&ws.project)
            .json(body)
            .send()
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().expect("id").to_string()
    };
    let right = connection(&ws, json!({"display_name": "right", "provider": "fixture", "auth_type": "api_key", "credentials": {"api_key": CONNECTION_TOKEN}})).await;
    let wrong = connection(&ws, json!({"display_name": "wrong", "provider": "fixture", "auth_type": "token", "credentials": {"token": WRONG_TOKEN}})).await;
    let basic = connection(&ws, json!({"display_name": "basic", "provider": "fixture", "auth_type": "basic", "credentials": {"username": "u", "password": BASIC_PASSWORD}})).await;
    let path = |server: &str, connection: &str| {
        format!("/v1/mcp/servers/{server}/connections/{connection}/validate")
    };
    let ping = json!({"tool": "ping"});

    // Without credentials the smoke call is refused; through the connection it passes.
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &format!("/v1/mcp/servers/{bearer_server}/validate"),
        Some(ping.clone()),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["smoke"]["ok"]),
        (200, &json!(false)),
        "{:?}",
        r.body
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &path(&bearer_server, &right),
        Some(ping.clone()),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (&r.body["ok"], &r.body["reachable"], &r.body["smoke"]["ok"]),
        (&json!(true), &json!(true), &json!(true)),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["connection_id"], json!(right));
    assert!(r.body["checked_at"].is_string(), "{:?}", r.body);
    assert!(
        authorizations
            .lock()
            .expect("seen")
            .contains(&format!("Bearer {CONNECTION_TOKEN}")),
        "the connection's token reached the server as the bearer"
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &path(&bearer_server, &wrong),
        Some(ping.clone()),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["ok"], &r.body["smoke"]["ok"]),
        (200, &json!(false), &json!(false)),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["connection_id"], json!(wrong));
    // The real Python server, no body: reachable, schemas checked, no smoke call.
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &path(&python_server, &right),
        None,
    )
    .await;
    assert_eq!(
        (r.status, &r.body["ok"], &r.body["reachable"]),
        (200, &json!(true), &json!(true)),
        "{:?}",
        r.body
    );
    assert!(
        r.body.get("smoke").is_none_or(Value::is_null),
        "{:?}",
        r.body
    );
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &path(&python_server, &right),
        Some(json!({"tool": "add", "args": {"a": 1, "b": 2}})),
    )
    .await;
    assert_eq!(r.body["smoke"]["ok"], true, "{:?}", r.body);

    // A connection without a bearer token: 422 saying so, naming no value.
    let r = call(
        &s,
        &ws,
        &mut seen,
        Method::POST,
        &path(&bearer_server, &basic),
        Some(ping.clone()),
    )
    .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(r.error().contains("no bearer token"), "{}", r.error());
    // Bad bodies.
    for body in [
        json!({"args": {"a": 1}}),
        json!({"tool": "ping", "args": [1]}),
        json!({"connection_id": right}),
    ] {
        let r = call(
            &s,
            &ws,
            &mut seen,
            Method::POST,
            &path(&bearer_server, &right),
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
    }

    // Unknown, another project's and another workspace's connections: the same 404.
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
    let other_project = connection(&other, json!({"display_name": "other", "provider": "fixture", "auth_type": "api_key", "credentials": {"api_key": CONNECTION_TOKEN}})).await;
    let intruder = workspace(&s, "cv-intruder").await;
    let foreign = connection(&intruder, json!({"display_name": "foreign", "provider": "fixture", "auth_type": "api_key", "credentials": {"api_key": CONNECTION_TOKEN}})).await;
    let mut answers = Vec::new();
    for connection in [
        "no-such-connection",
        other_project.as_str(),
        foreign.as_str(),
    ] {
        let r = call(
            &s,
            &ws,
            &mut seen,
            Method::POST,
            &path(&bearer_server, connection),
            Some(ping.clone()),
        )
        .await;
        assert_eq!(r.status, 404, "{connection}: {:?}", r.body);
        answers.push(r.body);
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "one answer for all: {answers:?}"
    );
    // The intruder addressing this workspace's server, with its own or this connection.
    for connection in [&foreign, &right] {
        let r = call(
            &s,
            &intruder,
            &mut seen,
            Method::POST,
            &path(&bearer_server, connection),
            Some(ping.clone()),
        )
        .await;
        assert_eq!(r.status, 404, "{:?}", r.body);
    }
    // A project viewer may not validate.
    let viewer = project_viewer(&s, &ws, "viewer@cv.test").await;
    let r = s
        .call(Method::POST, path(&bearer_server, &right))
        .auth(&viewer)
        .tenant(&ws.slug)
        .project(&ws.project)
        .json(ping.clone())
        .send()
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);

    // The credentials went to the server only.
    let everything_seen = seen.0.join("\n");
    let log_text = logs.text();
    for secret in [CONNECTION_TOKEN, WRONG_TOKEN, BASIC_PASSWORD] {
        assert!(
            !everything_seen.contains(secret),
            "{secret} in an API response"
        );
        assert!(!log_text.contains(secret), "{secret} in a log line");
    }
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_on_sqlite() {
    versions_scenario(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_on_postgres() {
    versions_scenario(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_validation_on_sqlite() {
    connection_validation_scenario(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_validation_on_postgres() {
    connection_validation_scenario(Backend::Postgres).await;
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
