//! Helpers of the operations tests (ops_*.rs): publishing a workflow and starting runs
//! through the API of a spawned server, waiting for them, and reading `/metrics` with the
//! Prometheus Python client's parser.

#![allow(dead_code)] // each test crate uses a different subset

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::serve_support::{Client, Server, base_env, owner_pat, spawn};

/// A `serve` process on a fresh data directory, with the owner's PAT and client.
pub struct Started {
    pub server: Server,
    pub client: Client,
    pub pat: String,
    /// The `Default` project.
    pub project: String,
    /// The data directory, deleted when dropped: bind it (`dir: _data_dir`) for as long
    /// as the server runs.
    pub dir: tempfile::TempDir,
}

/// Starts `agentruntime serve` on a new data directory with `extra` environment on top
/// of the harness's, and signs in as the owner.
pub async fn start_server(extra: &[(&str, &str)]) -> Started {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().display().to_string();
    let mut env = base_env();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let server =
        spawn(&["--listen", "127.0.0.1:0", "--data-dir", &data], &env).expect("serve starts");
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    Started {
        server,
        client,
        pat,
        project,
        dir,
    }
}

/// Serves `app` on a free loopback port in the background (the stand-ins the server
/// under test calls: an OTLP endpoint, an LLM provider); returns its address.
pub async fn serve_router(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// Creates and publishes a workflow with `graph`; returns its id.
pub async fn publish(client: &Client, project: &str, name: &str, graph: Value) -> String {
    let created = client
        .send(
            Method::POST,
            "/v1/workflows",
            Some(project),
            Some(json!({"name": name, "graph": graph})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let published = client
        .send(
            Method::POST,
            &format!("/v1/workflows/{id}/versions"),
            None,
            Some(json!({"changelog": "v1"})),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.body);
    id
}

/// Polls the run until `done` holds for its JSON, or panics after `wait`.
pub async fn wait_run(
    client: &Client,
    workflow: &str,
    run: &str,
    wait: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/v1/workflows/{workflow}/runs/{run}");
    let deadline = Instant::now() + wait;
    loop {
        let reply = client.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        if done(&reply.body) {
            return reply.body;
        }
        assert!(
            Instant::now() < deadline,
            "run {run} not done within {wait:?}: {}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn is_terminal(run: &Value) -> bool {
    matches!(
        run["status"].as_str(),
        Some("completed" | "failed" | "stopped")
    )
}

/// The Python with prometheus_client (scripts/ops-fixtures.sh).
fn ops_python() -> String {
    std::env::var("AR_OPS_PYTHON").unwrap_or_else(|_| {
        let default = "/var/tmp/agentruntime-fixtures/ops-venv/bin/python";
        assert!(
            std::path::Path::new(default).exists(),
            "prometheus_client is not installed: run `eval \"$(scripts/ops-fixtures.sh)\"` \
             from the repository root (it sets AR_OPS_PYTHON), then run the tests again"
        );
        default.to_owned()
    })
}

/// Parses Prometheus text with prometheus_client's parser (a rejected line fails the
/// test); returns the families as JSON (`[{name, type, help, samples: [{name, labels,
/// value}]}]`).
pub fn parse_prometheus(text: &str) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/prom_parse.py");
    let mut child = Command::new(ops_python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the Prometheus parser");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write the scrape");
    let out = child.wait_with_output().expect("parser output");
    assert!(
        out.status.success(),
        "prometheus_client refused the scrape: {}\n---\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .expect("parser JSON")
        .as_array()
        .expect("families")
        .clone()
}

/// The parsed families, with lookups by sample name and labels.
pub struct Scrape {
    pub families: Vec<Value>,
    pub text: String,
}

impl Scrape {
    /// The family (prometheus_client names counters without `_total`).
    pub fn family(&self, name: &str) -> Option<&Value> {
        self.families.iter().find(|f| f["name"] == name)
    }

    /// Sum of the samples named `sample` whose labels include all of `labels`.
    pub fn sum(&self, sample: &str, labels: &[(&str, &str)]) -> f64 {
        self.families
            .iter()
            .flat_map(|f| f["samples"].as_array().cloned().unwrap_or_default())
            .filter(|s| s["name"] == sample)
            .filter(|s| labels.iter().all(|(k, v)| s["labels"][*k] == *v))
            .map(|s| s["value"].as_f64().unwrap_or(0.0))
            .sum()
    }

    /// Every label value of every sample.
    pub fn label_values(&self) -> Vec<String> {
        self.families
            .iter()
            .flat_map(|f| f["samples"].as_array().cloned().unwrap_or_default())
            .flat_map(|s| {
                s["labels"]
                    .as_object()
                    .map(|m| {
                        m.values()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// `GET /metrics` (from loopback, so no token is needed) parsed.
pub async fn scrape(base: &str) -> Scrape {
    let response = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.expect("body");
    Scrape {
        families: parse_prometheus(&text),
        text,
    }
}

/// The Python MCP fixture server over Streamable HTTP, killed on drop.
pub struct McpFixture {
    child: Child,
    pub url: String,
}

impl Drop for McpFixture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn mcp_fixture() -> McpFixture {
    let fixtures = std::env::var_os("AR_MCP_FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/agentruntime-fixtures"));
    let python = fixtures.join("venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run `eval \"$(scripts/mcp-fixtures.sh)\"` first",
        python.display()
    );
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mcp/tests/fixtures/fixture_server.py");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(python)
        .arg(script)
        .args(["http", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the MCP fixture");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the MCP fixture did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    McpFixture {
        child,
        url: format!("http://127.0.0.1:{port}/mcp"),
    }
}
