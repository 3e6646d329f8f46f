//! Helpers of the tenant-boundary attack tests: a server with extra settings, callers that
//! speak as a session or a PAT in a chosen workspace, sign-ups, invites, server-everything
//! (installed by `scripts/mcp-fixtures.sh`) and an attacker's own MCP server.

#![allow(dead_code)] // each attack module uses a different part

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::serve_support::{ADMIN_EMAIL, ADMIN_PASSWORD, Reply, Server, base_env, spawn};

/// Password of every account the attacks create.
pub const PASSWORD: &str = "attack-password-1";

/// A `serve` process on a fresh data directory, with `config` (TOML, if any) and `env`
/// on top of the harness's defaults. Sign-up is open: the attacker is a stranger who
/// signs up (the setting is explicit, whatever the default is).
pub struct Served {
    pub server: Server,
    pub dir: tempfile::TempDir,
}

impl Served {
    pub fn base(&self) -> &str {
        &self.server.base
    }
    /// The SQLite database the server writes.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("data").join("agentruntime.db")
    }
}

pub fn serve(config: Option<&str>, env: &[(&str, &str)]) -> Served {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_arg = data.display().to_string();
    let config_path = dir.path().join("settings.toml");
    let config_arg = config_path.display().to_string();
    let mut args = vec!["--listen", "127.0.0.1:0", "--data-dir", &data_arg];
    if let Some(text) = config {
        std::fs::write(&config_path, text).expect("write settings");
        args.extend(["--config", &config_arg]);
    }
    let mut all = base_env();
    all.push(("AR_SIGNUP".into(), "open".into()));
    all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let server = spawn(&args, &all).unwrap_or_else(|e| panic!("serve refused to start: {e:?}"));
    Served { server, dir }
}

/// How a caller authenticates.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The session cookie (`ar_session=…`); writes send the server's own `Origin`.
    Session(String),
    Pat(String),
}

/// A caller in one workspace (and optionally one project).
#[derive(Debug, Clone)]
pub struct Api {
    pub base: String,
    pub credential: Credential,
    pub tenant: Option<String>,
    pub project: Option<String>,
}

impl Api {
    pub fn in_workspace(&self, slug: &str) -> Api {
        Api {
            tenant: Some(slug.to_owned()),
            ..self.clone()
        }
    }
    pub fn in_project(&self, project: &str) -> Api {
        Api {
            project: Some(project.to_owned()),
            ..self.clone()
        }
    }
    pub fn without_project(&self) -> Api {
        Api {
            project: None,
            ..self.clone()
        }
    }
    /// The same caller with a PAT instead.
    pub fn with_pat(&self, pat: &str) -> Api {
        Api {
            credential: Credential::Pat(pat.to_owned()),
            ..self.clone()
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.base));
        match &self.credential {
            Credential::Session(cookie) => {
                request = request
                    .header("Cookie", cookie)
                    .header("Origin", &self.base);
            }
            Credential::Pat(pat) => request = request.bearer_auth(pat),
        }
        if let Some(t) = &self.tenant {
            request = request.header("X-Tenant-Id", t);
        }
        if let Some(p) = &self.project {
            request = request.header("X-Project-Id", p);
        }
        if let Some(b) = body {
            request = request.json(&b);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// Creates a PAT of this caller in its workspace; returns (id, token).
    pub async fn create_pat(&self, scopes: &[&str]) -> (String, String) {
        let r = self
            .without_project()
            .post("/v1/pats", json!({"name": "attack", "scopes": scopes}))
            .await;
        assert_eq!(r.status, 201, "create PAT: {:?}", r.body);
        (
            r.body["id"].as_str().expect("id").to_owned(),
            r.body["token"].as_str().expect("token").to_owned(),
        )
    }

    /// Creates and publishes a workflow in the caller's project; returns its id.
    pub async fn published_workflow(&self, name: &str, graph: Value) -> String {
        let r = self
            .post("/v1/workflows", json!({"name": name, "graph": graph}))
            .await;
        assert_eq!(r.status, 201, "create workflow: {:?}", r.body);
        let id = r.body["id"].as_str().expect("workflow id").to_owned();
        let r = self
            .post(&format!("/v1/workflows/{id}/versions"), json!({}))
            .await;
        assert_eq!(r.status, 201, "publish: {:?}", r.body);
        id
    }
}

/// The session cookie (`ar_session=…`) of a sign-up or sign-in answer.
fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ar_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// The session caller (no workspace chosen yet) and user id of a sign-up or sign-in
/// answer.
async fn session_of(base: &str, response: reqwest::Response) -> (Api, String) {
    let cookie = session_cookie(&response);
    let body: Value = response.json().await.expect("session json");
    let user = body["user"]["id"].as_str().expect("user id").to_owned();
    let api = Api {
        base: base.to_owned(),
        credential: Credential::Session(cookie),
        tenant: None,
        project: None,
    };
    (api, user)
}

/// Signs in; returns the session caller (no workspace chosen yet) and the user id.
pub async fn login(base: &str, email: &str, password: &str) -> (Api, String) {
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 200, "sign in as {email}");
    session_of(base, response).await
}

/// The first-start owner's session in the `default` workspace and its Default project.
pub async fn owner(base: &str) -> (Api, String) {
    let (api, user) = login(base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let api = api.in_workspace("default");
    let project = default_project(&api).await;
    (api.in_project(&project), user)
}

/// The id of the caller's workspace's `Default` project.
pub async fn default_project(api: &Api) -> String {
    let r = api.without_project().get("/v1/projects").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["projects"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "Default"))
        .and_then(|p| p["id"].as_str())
        .unwrap_or_else(|| panic!("a Default project in {}", r.body))
        .to_owned()
}

/// Signs up `email` (open sign-up, or with `invite_token`); returns the session caller
/// and the user id.
pub async fn signup(base: &str, email: &str, invite_token: Option<&str>) -> (Api, String) {
    let mut body = json!({"email": email, "password": PASSWORD, "name": email});
    if let Some(token) = invite_token {
        body["invite_token"] = json!(token);
    }
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/auth/signup"))
        .json(&body)
        .send()
        .await
        .expect("signup");
    assert_eq!(response.status(), 201, "sign up {email}");
    session_of(base, response).await
}

/// A stranger: signs up and creates workspace `slug`, of which they are the owner. Returns
/// the caller in it (its Default project chosen).
pub async fn stranger(base: &str, slug: &str) -> Api {
    let (api, _) = signup(base, &format!("stranger@{slug}.test"), None).await;
    let r = api
        .post("/v1/workspaces", json!({"slug": slug, "name": slug}))
        .await;
    assert_eq!(r.status, 201, "create workspace: {:?}", r.body);
    let api = api.in_workspace(slug);
    let project = r.body["default_project"]["id"]
        .as_str()
        .expect("default project")
        .to_owned();
    api.in_project(&project)
}

/// `admin` invites `email` into its workspace with `role`; returns the invite token.
pub async fn invite(admin: &Api, email: &str, role: &str) -> Reply {
    admin
        .without_project()
        .post("/v1/invites", json!({"email": email, "role": role}))
        .await
}

/// Invites `email` (as `role`) and signs them up with the invite: a member of `admin`'s
/// workspace. Returns their session caller in it and their user id.
pub async fn member(admin: &Api, email: &str, role: &str) -> (Api, String) {
    let r = invite(admin, email, role).await;
    assert_eq!(r.status, 201, "invite {email}: {:?}", r.body);
    let token = r.body["token"].as_str().expect("invite token");
    let (api, user) = signup(&admin.base, email, Some(token)).await;
    let api = Api {
        tenant: admin.tenant.clone(),
        project: admin.project.clone(),
        ..api
    };
    (api, user)
}

/// Polls the run until it ends; returns its summary.
pub async fn run_to_end(api: &Api, workflow: &str, run: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = api
            .get(&format!("/v1/workflows/{workflow}/runs/{run}/summary"))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        if r.body["run_complete"] == json!(true) {
            return r.body;
        }
        assert!(Instant::now() < deadline, "the run did not end: {}", r.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// --- the MCP servers of scripts/mcp-fixtures.sh

/// The cache folder the fixture script installed into.
pub fn fixtures_dir() -> PathBuf {
    let dir = std::env::var_os("AR_MCP_FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/agentruntime-fixtures"));
    assert!(
        dir.join("versions.env").is_file(),
        "the MCP test servers are not installed in {}: run `eval \"$(scripts/mcp-fixtures.sh)\"`",
        dir.display()
    );
    dir
}

/// `dist/index.js` of @modelcontextprotocol/server-everything (a Node program).
pub fn everything_js() -> PathBuf {
    fixtures_dir().join("npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
}

/// Every request an attacker's MCP server received: its headers as `name: value` lines.
#[derive(Clone, Default)]
pub struct Received(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Received {
    /// Everything received so far, as one text.
    pub fn text(&self) -> String {
        self.0.lock().map(|r| r.join("\n")).unwrap_or_default()
    }
    pub fn count(&self) -> usize {
        self.0.lock().map(|r| r.len()).unwrap_or_default()
    }
}

/// An MCP server of the attacker's own (Streamable HTTP, stateless JSON answers, one tool
/// `echo`) that records the headers of every request it gets. Returns its URL.
pub async fn recording_mcp_server() -> (String, Received) {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;

    async fn handle(
        State(received): State<Received>,
        headers: HeaderMap,
        body: String,
    ) -> axum::response::Response {
        let lines: Vec<String> = headers
            .iter()
            .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if let Ok(mut all) = received.0.lock() {
            all.push(lines.join("\n"));
        }
        let message: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let Some(id) = message.get("id").cloned() else {
            return StatusCode::ACCEPTED.into_response();
        };
        let result = match message["method"].as_str().unwrap_or_default() {
            "initialize" => json!({
                "protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                "serverInfo": {"name": "attacker", "version": "0"}
            }),
            "tools/list" => json!({"tools": [{"name": "echo", "description": "echo",
                                              "inputSchema": {"type": "object"}}]}),
            "tools/call" => json!({"content": [{"type": "text", "text": "ok"}]}),
            _ => {
                return axum::Json(json!({"jsonrpc": "2.0", "id": id,
                    "error": {"code": -32601, "message": "Method not found"}}))
                .into_response();
            }
        };
        axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": result})).into_response()
    }

    let received = Received::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new()
        .route("/mcp", axum::routing::post(handle))
        .with_state(received.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/mcp"), received)
}

/// TOML for a string (a path), quoted.
pub fn toml_string(path: &Path) -> String {
    toml_quote(&path.display().to_string())
}

pub fn toml_quote(text: &str) -> String {
    format!("{:?}", text)
}

/// Cheap Argon2, so hundreds of sign-ins take seconds in a debug build (rate-limit attacks).
pub const CHEAP_HASHING: &str =
    "[password_hashing]\nmemory_kib = 256\niterations = 1\nparallelism = 1\n";

/// What an attack request got back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub body: Value,
}

/// One request with extra headers (`X-Forwarded-For`, a fake cookie or bearer).
pub async fn send(
    base: &str,
    method: Method,
    path: &str,
    headers: &[(&str, String)],
    body: Option<Value>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .timeout(Duration::from_secs(30));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let text = response.text().await.expect("body");
    Answer {
        status,
        retry_after,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}
