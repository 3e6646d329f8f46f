//! The server under load: a real `ar-server` in this process on a fresh database, set up
//! over its own HTTP API the way a client would (sign in as the bootstrapped owner, make
//! a PAT, create and publish a workflow).

use std::time::Duration;

use anyhow::{Context, bail};
use ar_server::settings::{PasswordHashing, RateLimits};
use ar_server::{RunningServer, Settings};
use serde_json::{Value, json};

/// Where the Postgres backend connects (a fresh schema per run, dropped at the end).
pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const OWNER_EMAIL: &str = "load@bench.test";
const OWNER_PASSWORD: &str = "load-bench-password";

/// A store backend of the load benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// SQLite file in a temporary data directory (the embedded default).
    Sqlite,
    /// PostgreSQL at 127.0.0.1:5432, database `test`, a fresh schema.
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Two Lua steps in a chain: small enough that the API, not the steps, is measured.
fn graph() -> Value {
    json!({"steps": [
        {"id": "a", "type": "lua_script", "script": "return {n = 1}"},
        {"id": "b", "type": "lua_script", "depends_on": ["a"], "script": "return {n = 2}"}
    ]})
}

pub struct LoadServer {
    pub server: RunningServer,
    pub base: String,
    /// A PAT with every workflow scope.
    pub pat: String,
    pub workflow_id: String,
    schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl LoadServer {
    pub async fn start(backend: Backend) -> anyhow::Result<LoadServer> {
        let dir = tempfile::tempdir()?;
        let schema = (backend == Backend::Postgres)
            .then(|| format!("load_{}", uuid::Uuid::now_v7().simple()));
        let settings = Settings {
            listen: "127.0.0.1:0".parse()?,
            data_dir: dir.path().to_path_buf(),
            database_url: schema.as_ref().map(|_| PG_URL.to_string()),
            database_schema: schema.clone(),
            // The limiter is not what is measured: 50 clients from one address would
            // otherwise be throttled within a second.
            rate_limits: RateLimits {
                per_token_per_minute: 100_000_000,
                per_ip_per_minute: 100_000_000,
                burst: 1_000_000,
            },
            // One sign-in only; keep it fast.
            password_hashing: PasswordHashing {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1,
            },
            admin_email: OWNER_EMAIL.into(),
            admin_password: Some(OWNER_PASSWORD.into()),
            ..Settings::default()
        };
        let stores = ar_server::open_stores(&settings)
            .await
            .with_context(|| format!("opening the {} store", backend.name()))?;
        let executors = ar_server::default_executors(&settings);
        let (server, _) = ar_server::start(settings, stores, executors).await?;
        let base = server.url();
        let (pat, workflow_id) = set_up(&base).await.context("setting up over the API")?;
        Ok(LoadServer {
            server,
            base,
            pat,
            workflow_id,
            schema,
            _dir: dir,
        })
    }

    /// Stops the server and drops the Postgres schema.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.server.stop().await?;
        if let Some(schema) = self.schema {
            let pool = sqlx::PgPool::connect(PG_URL).await?;
            sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .execute(&pool)
                .await?;
            pool.close().await;
        }
        Ok(())
    }

    /// The URL of the workflow's live stream.
    pub fn stream_url(&self) -> String {
        format!(
            "{}/v1/workflows/{}/stream",
            self.base.replacen("http://", "ws://", 1),
            self.workflow_id
        )
    }

    /// The URL that starts runs of the workflow.
    pub fn command_url(&self) -> String {
        format!("{}/v1/workflows/{}/command", self.base, self.workflow_id)
    }
}

/// Expects a 2xx and returns the JSON body.
async fn ok_json(response: reqwest::Response, what: &str) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{what}: {status} {body}");
    }
    Ok(body)
}

/// Signs in as the bootstrapped owner, makes a PAT and publishes the workflow.
async fn set_up(base: &str) -> anyhow::Result<(String, String)> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let login = http
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": OWNER_EMAIL, "password": OWNER_PASSWORD}))
        .send()
        .await?;
    let cookie = login
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("ar_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    ok_json(login, "sign-in").await?;
    let cookie = format!("ar_session={}", cookie.context("no session cookie")?);
    let projects = ok_json(
        http.get(format!("{base}/v1/projects"))
            .header("Cookie", &cookie)
            .header("X-Tenant-Id", "default")
            .send()
            .await?,
        "listing projects",
    )
    .await?;
    let project = projects["projects"][0]["id"]
        .as_str()
        .context("the bootstrapped project")?
        .to_string();
    let pat = ok_json(
        http.post(format!("{base}/v1/pats"))
            .header("Cookie", &cookie)
            .header("Origin", base)
            .header("X-Tenant-Id", "default")
            .json(&json!({"name": "load", "scopes": ["workflow:read", "workflow:write", "workflow:run"]}))
            .send()
            .await?,
        "creating a PAT",
    )
    .await?["token"]
        .as_str()
        .context("PAT token")?
        .to_string();
    let workflow = ok_json(
        http.post(format!("{base}/v1/workflows"))
            .bearer_auth(&pat)
            .header("X-Project-Id", &project)
            .json(&json!({"name": "load", "graph": graph()}))
            .send()
            .await?,
        "creating the workflow",
    )
    .await?["id"]
        .as_str()
        .context("workflow id")?
        .to_string();
    ok_json(
        http.post(format!("{base}/v1/workflows/{workflow}/versions"))
            .bearer_auth(&pat)
            .json(&json!({"changelog": "load benchmark"}))
            .send()
            .await?,
        "publishing",
    )
    .await?;
    Ok((pat, workflow))
}
