//! Connections (docs/contract.md §9, §11) on SQLite and Postgres: CRUD and bad input, credential
//! values never in an answer, a log line or a raw database row, other workspaces' ids
//! answered 404, viewers read but do not write; `credentials_for_call`; and OAuth 2.0
//! against a local authorization server (`connections/auth_server.rs`): PKCE, refresh
//! before expiry (once for concurrent callers), revoked refresh tokens, wrong or reused
//! states, and the SSRF guard on tenant-supplied endpoints. `connections/providers.rs`:
//! Google (against the same authorization server) and WhatsApp (against a Graph API
//! stand-in, `connections/graph_server.rs`).

#[path = "connections/auth_server.rs"]
mod auth_server;
mod common;

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Once, OnceLock};

use ar_server::connections::credentials_for_call;
use ar_store::tenant::MembershipRecord;
use auth_server::{AuthServer, CLIENT_ID, CLIENT_SECRET};
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

// --- harness: logs captured at debug, the SSRF allowlist, raw database access

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
static SETUP: Once = Once::new();

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every test of this binary calls this first: the log capture.
fn setup() {
    SETUP.call_once(|| {
        let buffer = LOGS
            .get_or_init(|| Arc::new(Mutex::new(Vec::new())))
            .clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || LogWriter(buffer.clone()))
            .try_init();
    });
}

fn logs() -> String {
    let logs = LOGS.get().expect("setup ran").lock().expect("logs");
    String::from_utf8_lossy(&logs).into_owned()
}

enum Raw {
    /// The SQLite file: its bytes (and its WAL's) are the raw rows.
    Sqlite(PathBuf),
    Pg(sqlx::PgPool),
}

/// The test settings with the operator allowlist the local authorization server needs
/// (it listens on 127.0.0.1): the OAuth client reads it from the settings.
fn settings() -> ar_server::Settings {
    ar_server::Settings {
        mcp_allowed_hosts: Some("127.0.0.1".into()),
        ..test_settings()
    }
}

struct Harness {
    s: TestServer,
    raw: Raw,
    _dir: Option<tempfile::TempDir>,
}

async fn harness(backend: Backend) -> Harness {
    harness_with(backend, settings()).await
}

async fn harness_with(backend: Backend, settings: ar_server::Settings) -> Harness {
    setup();
    match backend {
        Backend::Sqlite => {
            let (stores, dir) = stores(Backend::Sqlite).await;
            let path = dir.as_ref().expect("temp dir").path().join("ar.db");
            Harness {
                s: start_on(stores, settings).await,
                raw: Raw::Sqlite(path),
                _dir: dir,
            }
        }
        Backend::Postgres => {
            use ar_store::{PgConfig, PgStore};
            let schema = format!("conn_{}", uuid::Uuid::now_v7().simple());
            let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
                .await
                .expect("postgres (is it running?)");
            let pool = pg.pool().clone();
            let stores = ar_server::Stores {
                automation: Arc::new(ar_store::automation::PgAutomationStore::from_pool(
                    pool.clone(),
                )),
                integrations: Arc::new(ar_store::integrations::PgIntegrationStore::from_pool(
                    pool.clone(),
                )),
                tenants: Arc::new(ar_store::tenant::PgTenantStore::from_pool(pool.clone())),
                runs: Arc::new(pg),
                vault_keys: test_vault_keys().into(),
                mcp_state: Default::default(),
            };
            Harness {
                s: start_on(stores, settings).await,
                raw: Raw::Pg(pool),
                _dir: None,
            }
        }
    }
}

impl Harness {
    /// Everything the database holds about connections, as stored.
    async fn raw_rows(&self) -> String {
        match &self.raw {
            Raw::Sqlite(path) => {
                let mut bytes = std::fs::read(path).expect("database file");
                if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
                    bytes.extend(wal);
                }
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Raw::Pg(pool) => {
                let mut out = String::new();
                for table in ["connections", "oauth_pending"] {
                    let sql = format!(
                        "SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') FROM {table} t"
                    );
                    let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(pool)
                        .await
                        .expect("raw rows");
                    out.push_str(&rows);
                }
                out
            }
        }
    }

    /// None of `secrets` is in the raw rows or the logs; `stored` (a connection id) is in
    /// the rows, so they are the rows that matter.
    async fn assert_nowhere(&self, stored: &str, secrets: &[&str]) {
        let rows = self.raw_rows().await;
        assert!(rows.contains(stored), "the raw rows do not hold {stored}");
        let logs = logs();
        assert!(logs.contains("DEBUG"), "the log capture is not working");
        for secret in secrets {
            assert!(!rows.contains(secret), "a raw row holds {secret}");
            assert!(!logs.contains(secret), "the logs hold {secret}");
        }
    }
}

async fn workspace_id(s: &TestServer, slug: &str) -> String {
    s.tenants()
        .workspace_by_slug(slug)
        .await
        .expect("workspace")
        .expect("exists")
        .id
}

/// POST /v1/connections as the owner; returns the raw answer.
async fn create(s: &TestServer, ws: &Workspace, body: Value) -> (Reply, String) {
    let url = format!("{}/v1/connections", s.base);
    let Auth::Session(cookie) = &ws.owner else {
        panic!("owner has a session")
    };
    let response = s
        .http
        .post(url)
        .header("Cookie", format!("ar_session={cookie}"))
        .header("Origin", s.base.clone())
        .header("X-Tenant-Id", &ws.slug)
        .header("X-Project-Id", &ws.project)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    (
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        },
        text,
    )
}

/// A request as `who` in `ws`, returning the reply and its raw text.
async fn call(
    s: &TestServer,
    who: &Auth,
    ws: &Workspace,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut c = s
        .call(method, path)
        .auth(who)
        .tenant(&ws.slug)
        .project(&ws.project);
    if let Some(b) = body {
        c = c.json(b);
    }
    c.send().await
}

// --- CRUD, bad input, secrecy

async fn crud_and_secrecy(backend: Backend) {
    let h = harness(backend).await;
    let s = &h.s;
    let ws = workspace(s, "conn-crud").await;
    let secret = format!("sk-live-{}", uuid::Uuid::now_v7().simple());
    let (r, text) = create(
        s,
        &ws,
        json!({"display_name": "Stripe", "provider": "stripe", "service": "payments",
               "auth_type": "api_key", "credentials": {"api_key": secret, "account": "acct-visible-1"}}),
    )
    .await;
    assert_eq!(r.status, 201, "{text}");
    assert!(!text.contains(&secret), "{text}");
    assert_eq!(r.body["credential_keys"], json!(["account", "api_key"]));
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["project_id"], ws.project.as_str());
    let id = r.body["id"].as_str().expect("id").to_string();

    let owner = ws.owner.clone();
    let list = call(s, &owner, &ws, Method::GET, "/v1/connections", None).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["connections"][0]["id"], id.as_str());
    let one = call(
        s,
        &owner,
        &ws,
        Method::GET,
        &format!("/v1/connections/{id}"),
        None,
    )
    .await;
    assert_eq!(one.body["display_name"], "Stripe");
    let meta = call(
        s,
        &owner,
        &ws,
        Method::GET,
        &format!("/v1/connections/{id}/credentials"),
        None,
    )
    .await;
    assert_eq!(meta.status, 200, "{}", meta.body);
    assert_eq!(meta.body["credential_keys"], json!(["account", "api_key"]));
    assert_eq!(meta.body["auth_type"], "api_key");
    assert_eq!(meta.body["has_refresh_token"], false);
    for body in [&list.body, &one.body, &meta.body] {
        assert!(!body.to_string().contains(&secret), "{body}");
    }

    // What the MCP executor gets.
    let ws_id = workspace_id(s, &ws.slug).await;
    let opened = credentials_for_call(&s.server.state, &ws_id, &id)
        .await
        .expect("credentials");
    assert_eq!(opened.auth_type, "api_key");
    assert_eq!(
        opened.bearer().map(|b| b.expose_secret()),
        Some(secret.as_str())
    );
    assert!(!format!("{opened:?}").contains(&secret));

    // PATCH replaces the credentials as a whole, here with another auth type.
    let token = format!("tok-{}", uuid::Uuid::now_v7().simple());
    let patched = call(
        s,
        &owner,
        &ws,
        Method::PATCH,
        &format!("/v1/connections/{id}"),
        Some(json!({"display_name": "Stripe (live)", "auth_type": "token", "credentials": {"token": token}})),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["credential_keys"], json!(["token"]));
    assert_eq!(patched.body["auth_type"], "token");
    assert!(!patched.body.to_string().contains(&token));
    let opened = credentials_for_call(&s.server.state, &ws_id, &id)
        .await
        .expect("credentials");
    assert_eq!(
        opened.bearer().map(|b| b.expose_secret()),
        Some(token.as_str())
    );
    assert!(
        !opened.values.contains_key("api_key"),
        "replaced, not merged"
    );
    let renamed = call(
        s,
        &owner,
        &ws,
        Method::PATCH,
        &format!("/v1/connections/{id}"),
        Some(json!({"service": ""})),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["service"], Value::Null);
    assert_eq!(renamed.body["credential_keys"], json!(["token"]));

    // Basic auth has no bearer.
    let (basic, _) = create(
        s,
        &ws,
        json!({"display_name": "DB", "provider": "postgres", "auth_type": "basic",
               "credentials": {"username": "app", "password": "pw-secret-42"}}),
    )
    .await;
    assert_eq!(basic.status, 201, "{}", basic.body);
    let basic_id = basic.body["id"].as_str().expect("id");
    let opened = credentials_for_call(&s.server.state, &ws_id, basic_id)
        .await
        .expect("credentials");
    assert!(opened.bearer().is_none());

    h.assert_nowhere(basic_id, &[&secret, &token, "pw-secret-42"])
        .await;

    let gone = call(
        s,
        &owner,
        &ws,
        Method::DELETE,
        &format!("/v1/connections/{id}"),
        None,
    )
    .await;
    assert_eq!(gone.status, 204);
    let again = call(
        s,
        &owner,
        &ws,
        Method::GET,
        &format!("/v1/connections/{id}"),
        None,
    )
    .await;
    assert_eq!(again.status, 404);
    let error = credentials_for_call(&s.server.state, &ws_id, &id)
        .await
        .expect_err("deleted");
    assert_eq!(error.status, 404);
    assert!(error.message.contains(&id), "{}", error.message);
    h.s.close().await;
}

async fn bad_input(backend: Backend) {
    let h = harness(backend).await;
    let s = &h.s;
    let ws = workspace(s, "conn-bad").await;
    let leaked = "sk-never-echo-9f3a";
    let base = |auth: &str, credentials: Value| json!({"display_name": "X", "provider": "p", "auth_type": auth, "credentials": credentials});
    let cases = [
        (
            base("api_key", json!({"api_key": 5})),
            "credentials.`api_key` must be a string",
        ),
        (base("api_key", json!({})), "`credentials` is empty"),
        (
            base("api_key", json!(leaked)),
            "must be an object of string values",
        ),
        (
            base("api_key", json!({"token": leaked})),
            "needs credentials `api_key`",
        ),
        (
            base("token", json!({"api_key": leaked})),
            "needs credentials `token`",
        ),
        (base("basic", json!({"username": "u"})), "`password`"),
        (
            base("password", json!({"x": leaked})),
            "unknown `auth_type`",
        ),
        (
            base("oauth2", json!({"access_token": leaked})),
            "/v1/connections/oauth/start",
        ),
        (
            base("custom", json!({"bad key!": leaked})),
            "credential name is invalid",
        ),
        (
            base("dsn", json!({"dsn": "x".repeat(17 * 1024)})),
            "longer than",
        ),
        (
            json!({"display_name": "X", "provider": "p", "auth_type": "token"}),
            "`credentials` is required",
        ),
        (
            json!({"display_name": " ", "provider": "p", "auth_type": "token", "credentials": {"token": leaked}}),
            "`display_name`",
        ),
        (
            json!({"display_name": "X", "provider": "p", "auth_type": "token", "credentials": {"token": leaked}, "secret": 1}),
            "unknown field",
        ),
    ];
    for (body, expected) in cases {
        let (r, text) = create(s, &ws, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {text}");
        assert!(r.error().contains(expected), "{body}: {text}");
        assert!(!text.contains(leaked), "{text}");
    }
    let owner = ws.owner.clone();
    // No project named.
    let r = s
        .call(Method::GET, "/v1/connections")
        .auth(&owner)
        .tenant(&ws.slug)
        .send()
        .await;
    assert_eq!(r.status, 400);
    assert!(r.error().contains("X-Project-Id"), "{}", r.body);
    // Unknown ids, and a type change without credentials.
    for (method, path, body) in [
        (Method::GET, "/v1/connections/nope", None),
        (Method::GET, "/v1/connections/nope/credentials", None),
        (
            Method::PATCH,
            "/v1/connections/nope",
            Some(json!({"display_name": "Y"})),
        ),
        (Method::DELETE, "/v1/connections/nope", None),
    ] {
        let r = call(s, &owner, &ws, method.clone(), path, body).await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
    }
    let (made, _) = create(s, &ws, base("token", json!({"token": leaked}))).await;
    let id = made.body["id"].as_str().expect("id");
    let r = call(
        s,
        &owner,
        &ws,
        Method::PATCH,
        &format!("/v1/connections/{id}"),
        Some(json!({"auth_type": "api_key"})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.error().contains("needs new `credentials`"), "{}", r.body);
    let r = call(
        s,
        &owner,
        &ws,
        Method::PATCH,
        &format!("/v1/connections/{id}"),
        Some(json!({"credentials": {"token": 1}})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    h.assert_nowhere(id, &[leaked]).await;
    h.s.close().await;
}

async fn isolation_and_roles(backend: Backend) {
    let h = harness(backend).await;
    let s = &h.s;
    let a = workspace(s, "conn-a").await;
    let b = workspace(s, "conn-b").await;
    let (made, _) = create(
        s,
        &a,
        json!({"display_name": "A's", "provider": "p", "auth_type": "token", "credentials": {"token": "a-token-1"}}),
    )
    .await;
    let id = made.body["id"].as_str().expect("id").to_string();
    // B's owner with A's connection id, in B's workspace and project: not found.
    for (method, path, body) in [
        (Method::GET, format!("/v1/connections/{id}"), None),
        (
            Method::GET,
            format!("/v1/connections/{id}/credentials"),
            None,
        ),
        (
            Method::PATCH,
            format!("/v1/connections/{id}"),
            Some(json!({"display_name": "taken"})),
        ),
        (Method::DELETE, format!("/v1/connections/{id}"), None),
    ] {
        let r = call(s, &b.owner, &b, method.clone(), &path, body).await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
    }
    // B's owner naming A's project: not found either.
    let r = s
        .call(Method::GET, "/v1/connections")
        .auth(&b.owner)
        .tenant(&b.slug)
        .project(&a.project)
        .send()
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let b_id = workspace_id(s, &b.slug).await;
    let error = credentials_for_call(&s.server.state, &b_id, &id)
        .await
        .expect_err("A's connection from B");
    assert_eq!(error.status, 404);
    let still = call(
        s,
        &a.owner,
        &a,
        Method::GET,
        &format!("/v1/connections/{id}"),
        None,
    )
    .await;
    assert_eq!(still.body["display_name"], "A's");

    // A project viewer reads, and may not write.
    let a_id = workspace_id(s, &a.slug).await;
    let (viewer_id, cookie) = s.signup("viewer@conn-a.test", "password-123").await;
    s.tenants()
        .upsert_member(&MembershipRecord {
            workspace_id: a_id,
            user_id: viewer_id.clone(),
            role: "member".into(),
            active: true,
            created_at: 0,
        })
        .await
        .expect("member");
    s.tenants()
        .set_project_member(&a.project, &viewer_id, "project_viewer", 0)
        .await
        .expect("viewer");
    let viewer = Auth::Session(cookie);
    for path in [
        "/v1/connections".to_string(),
        format!("/v1/connections/{id}"),
        format!("/v1/connections/{id}/credentials"),
    ] {
        let r = call(s, &viewer, &a, Method::GET, &path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    }
    for (method, path, body) in [
        (
            Method::POST,
            "/v1/connections".to_string(),
            Some(
                json!({"display_name": "v", "provider": "p", "auth_type": "token", "credentials": {"token": "t"}}),
            ),
        ),
        (
            Method::PATCH,
            format!("/v1/connections/{id}"),
            Some(json!({"display_name": "v"})),
        ),
        (Method::DELETE, format!("/v1/connections/{id}"), None),
    ] {
        let r = call(s, &viewer, &a, method.clone(), &path, body).await;
        assert_eq!(r.status, 403, "{method} {path}: {}", r.body);
    }
    h.assert_nowhere(&id, &["a-token-1"]).await;
    h.s.close().await;
}

// --- OAuth 2.0

fn start_body(auth: &AuthServer, name: &str) -> Value {
    json!({
        "display_name": name, "provider": "test-idp", "service": "files",
        "authorization_url": format!("{}/authorize", auth.base),
        "token_url": format!("{}/token", auth.base),
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "scopes": ["files.read", "offline_access"],
    })
}

/// Starts an authorization and follows the provider's redirect; returns the callback
/// URL the browser would open, and the start answer.
async fn authorize(h: &Harness, ws: &Workspace, auth: &AuthServer, name: &str) -> (String, Value) {
    let started = call(
        &h.s,
        &ws.owner,
        ws,
        Method::POST,
        "/v1/connections/oauth/start",
        Some(start_body(auth, name)),
    )
    .await;
    assert_eq!(started.status, 200, "{}", started.body);
    let authorize_url = started.body["authorize_url"].as_str().expect("url");
    assert!(
        authorize_url.contains("code_challenge_method=S256"),
        "{authorize_url}"
    );
    assert!(!authorize_url.contains(CLIENT_SECRET));
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = browser.get(authorize_url).send().await.expect("authorize");
    assert_eq!(
        r.status().as_u16(),
        303,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let location = r.headers()[reqwest::header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        location.starts_with(&format!("{}/v1/connections/oauth/callback?", h.s.base)),
        "{location}"
    );
    (location, started.body)
}

/// Opens the callback as `who`: an API client (JSON) or a browser (redirect).
async fn open_callback(who: &Auth, url: &str, json: bool) -> (u16, String, Option<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut req = client.get(url);
    match who {
        Auth::None => {}
        Auth::Session(cookie) => req = req.header("Cookie", format!("ar_session={cookie}")),
        Auth::Pat(token) => req = req.bearer_auth(token),
    }
    if json {
        req = req.header("Accept", "application/json");
    }
    let r = req.send().await.expect("callback");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|v| v.to_str().expect("location").to_string());
    (status, r.text().await.expect("body"), location)
}

async fn oauth_flow(backend: Backend) {
    let h = harness(backend).await;
    let s = &h.s;
    let ws = workspace(s, "conn-oauth").await;
    let ws_id = workspace_id(s, &ws.slug).await;
    let auth = AuthServer::start().await;
    // The first access token expires within the refresh margin.
    auth.set_access_ttl(30);
    let (callback, started) = authorize(&h, &ws, &auth, "Files").await;
    let (status, text, _) = open_callback(&ws.owner, &callback, true).await;
    assert_eq!(status, 201, "{text}");
    let connection: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(connection["auth_type"], "oauth2");
    assert_eq!(
        connection["credential_keys"],
        json!(["access_token", "refresh_token"])
    );
    assert_eq!(connection["oauth"]["client_id"], CLIENT_ID);
    assert_eq!(connection["oauth"]["has_client_secret"], true);
    assert_eq!(auth.grants(), vec!["authorization_code"]);
    let id = connection["id"].as_str().expect("id").to_string();

    // The state is single use.
    let (status, text, _) = open_callback(&ws.owner, &callback, true).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("already used"), "{text}");
    // A state nobody issued.
    let forged = format!(
        "{}/v1/connections/oauth/callback?code=x&state=forged",
        s.base
    );
    let (status, text, _) = open_callback(&ws.owner, &forged, true).await;
    assert_eq!(status, 400, "{text}");
    let (status, _, _) = open_callback(
        &ws.owner,
        &format!("{}/v1/connections/oauth/callback", s.base),
        true,
    )
    .await;
    assert_eq!(status, 400);

    // Only the user who started an authorization completes it: a signed-out browser is
    // asked to sign in (the state stays usable), another user's browser is refused and
    // the state is spent, so a link planted on a victim creates nothing.
    let (callback, _) = authorize(&h, &ws, &auth, "Planted").await;
    let (status, text, _) = open_callback(&Auth::None, &callback, true).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("sign in"), "{text}");
    let victim = workspace(s, "conn-victim").await;
    let (status, text, _) = open_callback(&victim.owner, &callback, true).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("another user"), "{text}");
    let (status, text, _) = open_callback(&ws.owner, &callback, true).await;
    assert_eq!(status, 400, "the state is spent: {text}");
    let listed = call(s, &ws.owner, &ws, Method::GET, "/v1/connections", None).await;
    assert!(
        !listed.body.to_string().contains("Planted"),
        "{}",
        listed.body
    );

    // Near expiry: refreshed before use, and the new tokens stored.
    let first_access = auth.access_tokens()[0].clone();
    auth.set_access_ttl(3600);
    let opened = credentials_for_call(&s.server.state, &ws_id, &id)
        .await
        .expect("refreshed");
    let second_access = auth.access_tokens()[1].clone();
    assert_eq!(auth.grants(), vec!["authorization_code", "refresh_token"]);
    assert_eq!(
        opened.bearer().map(|t| t.expose_secret()),
        Some(second_access.as_str())
    );
    assert_ne!(first_access, second_access);
    // Fresh now: no second refresh.
    let again = credentials_for_call(&s.server.state, &ws_id, &id)
        .await
        .expect("credentials");
    assert_eq!(
        again.bearer().map(|t| t.expose_secret()),
        Some(second_access.as_str())
    );
    assert_eq!(auth.grants().len(), 2);
    let meta = call(
        s,
        &ws.owner,
        &ws,
        Method::GET,
        &format!("/v1/connections/{id}/credentials"),
        None,
    )
    .await;
    assert_eq!(meta.body["has_refresh_token"], true);
    assert!(meta.body["last_refreshed_at"].is_string(), "{}", meta.body);
    assert_eq!(meta.body["scopes"], json!(["files.read", "offline_access"]));

    // A browser gets the console page.
    auth.set_access_ttl(30);
    let (callback, _) = authorize(&h, &ws, &auth, "Files 2").await;
    let (status, _, location) = open_callback(&ws.owner, &callback, false).await;
    assert_eq!(status, 303);
    let location = location.expect("redirect");
    assert!(
        location.starts_with("/connections?connected="),
        "{location}"
    );
    let second_id = location
        .trim_start_matches("/connections?connected=")
        .to_string();

    // Concurrent calls refresh once.
    let grants_before = auth.grants().len();
    auth.set_access_ttl(3600);
    let state = s.server.state.clone();
    let calls = (0..4).map(|_| {
        let (state, ws_id, id) = (state.clone(), ws_id.clone(), second_id.clone());
        tokio::spawn(async move { credentials_for_call(&state, &ws_id, &id).await })
    });
    let mut tokens = Vec::new();
    for c in calls {
        let opened = c.await.expect("task").expect("credentials");
        tokens.push(opened.bearer().expect("bearer").expose_secret().to_string());
    }
    assert_eq!(
        auth.grants().len(),
        grants_before + 1,
        "{:?}",
        auth.grants()
    );
    assert!(tokens.windows(2).all(|w| w[0] == w[1]), "{tokens:?}");

    // Revoked refresh token: needs_reauth, and a clear error.
    auth.set_access_ttl(30);
    let (callback, _) = authorize(&h, &ws, &auth, "Revoked files").await;
    let (_, text, _) = open_callback(&ws.owner, &callback, true).await;
    let revoked: Value = serde_json::from_str(&text).expect("json");
    let revoked_id = revoked["id"].as_str().expect("id").to_string();
    auth.revoke_all();
    let error = credentials_for_call(&s.server.state, &ws_id, &revoked_id)
        .await
        .expect_err("revoked");
    assert_eq!(error.status, 409, "{}", error.message);
    for part in [
        "Revoked files",
        "needs re-authorization",
        "revoked",
        "reconnect it under Connections",
    ] {
        assert!(error.message.contains(part), "{}", error.message);
    }
    let shown = call(
        s,
        &ws.owner,
        &ws,
        Method::GET,
        &format!("/v1/connections/{revoked_id}"),
        None,
    )
    .await;
    assert_eq!(shown.body["status"], "needs_reauth", "{}", shown.body);
    // And it stays so without asking the provider again.
    let grants = auth.grants().len();
    let error = credentials_for_call(&s.server.state, &ws_id, &revoked_id)
        .await
        .expect_err("still revoked");
    assert_eq!(error.status, 409);
    assert_eq!(auth.grants().len(), grants);

    // Nothing secret in any answer, log line or raw row.
    let mut secrets = auth.all_tokens();
    secrets.push(CLIENT_SECRET.to_string());
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    h.assert_nowhere(&revoked_id, &refs).await;
    assert!(logs().contains("OAuth access token refreshed"));
    let answers = [
        started.to_string(),
        shown.body.to_string(),
        meta.body.to_string(),
    ];
    for answer in answers {
        for secret in &refs {
            assert!(!answer.contains(secret), "{answer}");
        }
    }
    h.s.close().await;
}

async fn oauth_bad_input(backend: Backend) {
    let h = harness(backend).await;
    let s = &h.s;
    let ws = workspace(s, "conn-oauth-bad").await;
    let auth = AuthServer::start().await;
    let with = |patch: Value| {
        let mut body = start_body(&auth, "X");
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        // Cloud metadata: link-local, not in the allowlist (127.0.0.1 only).
        (
            with(json!({"token_url": "http://169.254.169.254/token"})),
            "AR_MCP_ALLOWED_HOSTS",
        ),
        (
            with(json!({"authorization_url": "http://10.1.2.3/authorize"})),
            "private",
        ),
        (
            with(json!({"token_url": "ftp://127.0.0.1/token"})),
            "http or https",
        ),
        (with(json!({"token_url": "not a url"})), "not a valid URL"),
        (with(json!({"client_secret": 7})), "`client_secret`"),
        (with(json!({"scopes": ["a b"]})), "white space"),
        (with(json!({"client_id": ""})), "`client_id`"),
    ];
    for (body, expected) in cases {
        let r = call(
            s,
            &ws.owner,
            &ws,
            Method::POST,
            "/v1/connections/oauth/start",
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.error().contains(expected), "{body}: {}", r.body);
    }
    // The provider declining: the state is used up, the refusal reported.
    let (callback, _) = authorize(&h, &ws, &auth, "Declined").await;
    let state = url::Url::parse(&callback)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.to_string())
        .expect("state");
    let declined = format!(
        "{}/v1/connections/oauth/callback?error=access_denied&state={state}",
        s.base
    );
    let (status, text, _) = open_callback(&ws.owner, &declined, true).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("access_denied"), "{text}");
    let (status, _, _) = open_callback(&ws.owner, &callback, true).await;
    assert_eq!(status, 400);
    // A code whose PKCE verifier does not match (another authorization's code).
    let (first, _) = authorize(&h, &ws, &auth, "One").await;
    let (second, _) = authorize(&h, &ws, &auth, "Two").await;
    let code_of = |u: &str| {
        url::Url::parse(u)
            .expect("url")
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.to_string())
            .expect("code")
    };
    let swapped = second.replace(&code_of(&second), &code_of(&first));
    let (status, text, _) = open_callback(&ws.owner, &swapped, true).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("invalid_grant"), "{text}");
    let list = call(s, &ws.owner, &ws, Method::GET, "/v1/connections", None).await;
    assert_eq!(list.body["connections"], json!([]), "{}", list.body);
    h.s.close().await;
}

/// Regression (issue 13): a profile could bind any credential of a connection, so an
/// OAuth connection's refresh token left with every call. A binding sends only the token
/// a call needs: an OAuth connection's `access_token`.
async fn only_the_access_token_of_an_oauth_connection_is_bound(backend: Backend) {
    let h = harness(backend).await;
    let s = &h.s;
    let ws = workspace(s, "conn-bind").await;
    let ws_id = workspace_id(s, &ws.slug).await;
    let auth = AuthServer::start().await;
    let (callback, _) = authorize(&h, &ws, &auth, "Files").await;
    let (status, text, _) = open_callback(&ws.owner, &callback, true).await;
    assert_eq!(status, 201, "{text}");
    let connection: Value = serde_json::from_str(&text).expect("json");
    let connection = connection["id"].as_str().expect("id").to_string();
    let instance = custom_mcp_instance(s, &ws_id, &ws.project).await;
    let path = format!("/v1/mcp/instances/{instance}/config-profiles");
    let bind = |key: &str| {
        json!({"name": format!("p-{key}"),
               "headers": {"X-Token": {"connection": connection, "key": key}}})
    };
    let r = call(
        s,
        &ws.owner,
        &ws,
        Method::POST,
        &path,
        Some(bind("refresh_token")),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.error().contains("refresh_token"), "{}", r.body);
    let r = call(
        s,
        &ws.owner,
        &ws,
        Method::POST,
        &path,
        Some(bind("access_token")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    h.s.close().await;
}

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(Backend::Postgres).await;
            }
        }
    };
}

on_both!(crud_and_secrecy);
on_both!(bad_input);
on_both!(isolation_and_roles);
on_both!(oauth_flow);
on_both!(oauth_bad_input);
on_both!(only_the_access_token_of_an_oauth_connection_is_bound);

#[path = "connections/graph_server.rs"]
mod graph_server;
// After `on_both!`: the provider tests use it.
#[path = "connections/providers.rs"]
mod providers;
