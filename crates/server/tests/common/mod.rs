//! Test harness: a real server on 127.0.0.1:0 over a fresh SQLite file or Postgres schema,
//! and a small HTTP client that speaks as a session, a PAT or nobody.

#![allow(dead_code)]

use std::sync::Arc;

use ar_server::settings::{PasswordHashing, RateLimits};
use ar_server::{RunningServer, Settings, Stores};
use ar_store::tenant::{PgTenantStore, SqliteTenantStore, TenantStore};
use ar_store::{PgConfig, PgStore, SqliteConfig, SqliteStore};
use reqwest::Method;
use serde_json::{Value, json};

pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const ADMIN_EMAIL: &str = "owner@example.com";
pub const ADMIN_PASSWORD: &str = "owner-password-1";

/// One `#[tokio::test]` per backend for each `async fn name(backend: Backend)` listed:
/// `sqlite::name` and `postgres::name`. Visible to a test file that declares
/// `#[macro_use] mod common;` (files that keep a copy of their own need not).
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Postgres).await } )*
        }
    };
}

/// Which database backs the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Settings for tests: cheap password hashing, generous rate limits.
pub fn test_settings() -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        password_hashing: PasswordHashing {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        rate_limits: RateLimits {
            per_token_per_minute: 100_000,
            per_ip_per_minute: 100_000,
            burst: 10_000,
        },
        admin_email: ADMIN_EMAIL.into(),
        admin_password: Some(ADMIN_PASSWORD.into()),
        product_code: "test-product".into(),
        // The tests sign strangers up; the default is invitation only.
        signup: ar_server::SignupPolicy::Open,
        // A catalog to act on; billing stays off (nothing is refused for credits).
        billing: test_billing(false),
        // These servers talk to no model: Autopilot's provider is unknown, so its turns
        // end at once with AUTOPILOT_MODEL_UNAVAILABLE (and nothing leaves the machine).
        autopilot: ar_server::autopilot::settings::AutopilotSettings {
            model_ref: Some("direct.no-model-in-tests.none".into()),
            ..Default::default()
        },
        ..Settings::default()
    }
}

/// `[billing]` of the tests: plans `pro` (14-day trial of 12 credits, 2900 cents a month)
/// and `max` (5 credits included, 9900 cents), and one of another product that is never
/// shown; `workflow.step.execute` costs one credit.
pub fn test_billing(enabled: bool) -> ar_server::billing::settings::BillingSettings {
    use ar_server::billing::settings::{BillingSettings, Interval, PlanSettings};
    let plan = |code: &str, price: i64, included: i64, trial: Option<(u32, i64)>| PlanSettings {
        plan_code: code.into(),
        name: code.to_uppercase(),
        interval: Interval::Month,
        price_cents: price,
        currency: "usd".into(),
        included_microcredits: included,
        trial_days: trial.map(|t| t.0),
        trial_microcredits: trial.map(|t| t.1),
        max_members: None,
        product_code: None,
        stripe_price_id: Some(format!("price_{code}")),
    };
    let mut other = plan("elsewhere", 1, 0, None);
    other.product_code = Some("another-product".into());
    BillingSettings {
        enabled,
        default_plan: Some("pro".into()),
        plans: vec![
            plan("pro", 2900, 0, Some((14, 12_000_000))),
            plan("max", 9900, 5_000_000, None),
            other,
        ],
        prices: [("workflow.step.execute".to_string(), 1_000_000)].into(),
        ..Default::default()
    }
}

/// A running server and what keeps its database alive.
pub struct TestServer {
    pub server: RunningServer,
    pub base: String,
    pub http: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

/// Fresh stores: a SQLite file in a temp dir, or a Postgres schema of its own.
pub async fn stores(backend: Backend) -> (Stores, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("ar.db");
            let runs = SqliteStore::open(SqliteConfig::file(&path))
                .await
                .expect("sqlite");
            let tenants = SqliteTenantStore::open(&path).await.expect("sqlite");
            (
                Stores {
                    automation: Arc::new(ar_store::automation::SqliteAutomationStore::from_pool(
                        tenants.pool().clone(),
                    )),
                    integrations: Arc::new(
                        ar_store::integrations::SqliteIntegrationStore::from_pool(
                            tenants.pool().clone(),
                        ),
                    ),
                    tenants: Arc::new(tenants),
                    runs: Arc::new(runs),
                    vault_keys: test_vault_keys().into(),
                    mcp_state: Default::default(),
                },
                Some(dir),
            )
        }
        Backend::Postgres => {
            let schema = format!("server_{}", uuid::Uuid::now_v7().simple());
            let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
                .await
                .expect("postgres (is it running?)");
            let tenants = Arc::new(PgTenantStore::from_pool(pg.pool().clone()));
            (
                Stores {
                    automation: Arc::new(ar_store::automation::PgAutomationStore::from_pool(
                        pg.pool().clone(),
                    )),
                    integrations: Arc::new(ar_store::integrations::PgIntegrationStore::from_pool(
                        pg.pool().clone(),
                    )),
                    tenants,
                    runs: Arc::new(pg),
                    vault_keys: test_vault_keys().into(),
                    mcp_state: Default::default(),
                },
                None,
            )
        }
    }
}

/// A fresh in-memory master key: test servers seal secrets nobody reads after the test.
pub fn test_vault_keys() -> ar_connect::vault::MasterKeyRing {
    ar_connect::vault::MasterKeyRing::new(
        ar_connect::vault::MasterKey::generate().expect("master key"),
    )
}

/// With `AR_TEST_LOG` set (an env-filter such as `warn` or `ar_engine=debug`), the
/// server's logs go to the test output: how a flaky run is diagnosed.
fn init_test_log() {
    if let Ok(filter) = std::env::var("AR_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

pub async fn start_with(backend: Backend, settings: Settings) -> TestServer {
    init_test_log();
    let (stores, dir) = stores(backend).await;
    let executors = ar_server::default_executors(&settings, &stores);
    let (server, _) = ar_server::start(settings, stores, executors)
        .await
        .expect("start server");
    let base = server.url();
    TestServer {
        server,
        base,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

/// A test server on `stores` the caller opened (e.g. a second node on the same Postgres
/// schema as another).
pub async fn start_on(stores: Stores, settings: Settings) -> TestServer {
    init_test_log();
    let executors = ar_server::default_executors(&settings, &stores);
    let (server, _) = ar_server::start(settings, stores, executors)
        .await
        .expect("start server");
    TestServer {
        base: server.url(),
        server,
        http: reqwest::Client::new(),
        _dir: None,
    }
}

pub async fn start(backend: Backend) -> TestServer {
    start_with(backend, test_settings()).await
}

/// How a request authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// Session cookie value; writes send the server's own `Origin`.
    Session(String),
    Pat(String),
}

/// A response: status and JSON body (Null when empty or not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

/// One request.
pub struct Call<'a> {
    pub server: &'a TestServer,
    pub method: Method,
    pub path: String,
    pub auth: Auth,
    pub tenant: Option<String>,
    pub project: Option<String>,
    pub body: Option<Value>,
    pub origin: Option<String>,
}

impl TestServer {
    pub fn call(&self, method: Method, path: impl Into<String>) -> Call<'_> {
        Call {
            server: self,
            method,
            path: path.into(),
            auth: Auth::None,
            tenant: None,
            project: None,
            body: None,
            origin: None,
        }
    }

    /// Signs up and returns (user id, session cookie value).
    pub async fn signup(&self, email: &str, password: &str) -> (String, String) {
        let r = self
            .call(Method::POST, "/v1/auth/signup")
            .json(json!({"email": email, "password": password, "name": email}))
            .send()
            .await;
        assert_eq!(r.status, 201, "signup {email}: {:?}", r.body);
        (
            r.body["user"]["id"].as_str().expect("user id").to_string(),
            session_of(&r),
        )
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.call(Method::POST, "/v1/auth/login")
            .json(json!({"email": email, "password": password}))
            .send()
            .await
    }

    /// Stops the server and closes the database (Postgres connections are not left open).
    pub async fn close(self) {
        self.server.stop().await.expect("server stopped cleanly");
    }

    pub fn tenants(&self) -> &dyn TenantStore {
        self.server.state.tenants()
    }
}

/// The session cookie value a response set.
pub fn session_of(r: &Reply) -> String {
    let cookie = r
        .headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ar_session="))
        .expect("a session cookie");
    cookie
        .trim_start_matches("ar_session=")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string()
}

impl<'a> Call<'a> {
    pub fn auth(mut self, auth: &Auth) -> Self {
        self.auth = auth.clone();
        self
    }
    pub fn tenant(mut self, slug: &str) -> Self {
        self.tenant = Some(slug.into());
        self
    }
    pub fn project(mut self, id: &str) -> Self {
        self.project = Some(id.into());
        self
    }
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    pub fn origin(mut self, origin: &str) -> Self {
        self.origin = Some(origin.into());
        self
    }

    pub async fn send(self) -> Reply {
        let url = format!("{}{}", self.server.base, self.path);
        let mut req = self.server.http.request(self.method.clone(), url);
        match &self.auth {
            Auth::None => {}
            Auth::Session(cookie) => {
                req = req.header("Cookie", format!("ar_session={cookie}"));
                let origin = self
                    .origin
                    .clone()
                    .unwrap_or_else(|| self.server.base.clone());
                if !origin.is_empty() {
                    req = req.header("Origin", origin);
                }
            }
            Auth::Pat(token) => req = req.bearer_auth(token),
        }
        if let Some(t) = &self.tenant {
            req = req.header("X-Tenant-Id", t);
        }
        if let Some(p) = &self.project {
            req = req.header("X-Project-Id", p);
        }
        if let Some(b) = &self.body {
            req = req.json(b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            headers,
        }
    }
}

// --- runs, commands and tasks (tests/runs_api.rs, tests/permission_matrix.rs)

/// A workspace created through the API: its slug, its owner's session, its first project.
pub struct Workspace {
    pub slug: String,
    pub owner: Auth,
    pub project: String,
}

/// Signs up `owner@<slug>.test` and creates workspace `slug` (project `Default`).
pub async fn workspace(s: &TestServer, slug: &str) -> Workspace {
    let (_, cookie) = s
        .signup(&format!("owner@{slug}.test"), "password-123")
        .await;
    let owner = Auth::Session(cookie);
    let r = s
        .call(Method::POST, "/v1/workspaces")
        .auth(&owner)
        .json(json!({"slug": slug, "name": slug}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let project = r.body["default_project"]["id"]
        .as_str()
        .expect("default project")
        .to_string();
    Workspace {
        slug: slug.into(),
        owner,
        project,
    }
}

/// Creates a workflow in the workspace's project and publishes it (with a changelog);
/// returns its id.
pub async fn published_workflow(s: &TestServer, ws: &Workspace, body: Value) -> String {
    let r = s
        .call(Method::POST, "/v1/workflows")
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .project(&ws.project)
        .json(body)
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().expect("workflow id").to_string();
    let r = s
        .call(Method::POST, format!("/v1/workflows/{id}/versions"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"changelog": "first version"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    id
}

/// Polls `GET path` as `who` until `done` holds for the body (10 s at most).
pub async fn poll_until(
    s: &TestServer,
    who: &Auth,
    slug: &str,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    // Generous: CI shares 2 cores between many tests that each run an engine.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = s
            .call(Method::GET, path)
            .auth(who)
            .tenant(slug)
            .send()
            .await;
        assert_eq!(r.status, 200, "GET {path}: {:?}", r.body);
        if done(&r.body) {
            return r.body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "GET {path} never reached the expected state; last: {}",
            r.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

// --- MCP registry fixtures written through the store (no live MCP server needed)

/// A custom HTTP MCP server of `project` (an address nothing listens on) with one
/// instance, written through the store: enough to write config profiles. Returns the
/// instance id.
pub async fn custom_mcp_instance(s: &TestServer, workspace_id: &str, project: &str) -> String {
    use ar_store::integrations::{McpInstanceRecord, McpServerRecord};
    let store = s.server.state.integrations();
    let server = McpServerRecord {
        id: uuid::Uuid::now_v7().to_string(),
        workspace_id: workspace_id.into(),
        project_id: Some(project.into()),
        name: "mcp".into(),
        description: None,
        canonical_url: "http://127.0.0.1:9/mcp".into(),
        transport: "http".into(),
        auth_mode: "token".into(),
        source: "custom".into(),
        tools: json!([]),
        current_version: 1,
        validation: None,
        created_by: "test".into(),
        created_at: 0,
        updated_at: 0,
    };
    store.create_server(&server).await.expect("server");
    let instance = McpInstanceRecord {
        id: uuid::Uuid::now_v7().to_string(),
        workspace_id: workspace_id.into(),
        project_id: project.into(),
        server_id: server.id,
        name: "instance".into(),
        created_by: "test".into(),
        created_at: 0,
        updated_at: 0,
    };
    store
        .create_mcp_instance(&instance)
        .await
        .expect("instance");
    instance.id
}
