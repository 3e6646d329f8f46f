//! Credentials reach MCP servers — as a header over HTTP, as an environment variable
//! over stdio — and nowhere else: not in the run's events, context or errors, and not
//! in any log line written while the run went on.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use ar_engine::RunStatus;
use ar_executors::UrlResolver;
use ar_mcp::McpTarget;
use common::{Setup, mcp, mcp_step, run, step};
use serde_json::json;
use sha2::{Digest, Sha256};

const HTTP_TOKEN: &str = "tok-http-5b0e1c9d7a";
const STDIO_TOKEN: &str = "tok-env-83f2aa61c4";

/// Every log line of this test binary, at debug level and above.
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

impl CapturedLogs {
    fn install() -> Self {
        let logs = CapturedLogs::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        logs
    }
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

#[tokio::test]
async fn tokens_arrive_as_header_and_environment_and_appear_nowhere_else() {
    let logs = CapturedLogs::install();
    let server = mcp::start_python_http(true);
    let unreachable = format!("http://127.0.0.1:{}/mcp", mcp::free_port());
    let bearer = format!("Bearer {HTTP_TOKEN}");
    let resolver = UrlResolver::new()
        .with_catalog_server(
            "https://fixture.tools.example/mcp",
            McpTarget::http(&server.url).with_credential("Authorization", &bearer),
        )
        .with_catalog_server(
            "stdio:fixture",
            mcp::python_stdio().with_credential("FIXTURE_TOKEN", STDIO_TOKEN),
        )
        .with_catalog_server(
            "https://down.tools.example/mcp",
            McpTarget::http(&unreachable).with_credential("Authorization", &bearer),
        );
    let engine = common::engine(Setup {
        resolver: Arc::new(resolver),
        ..Setup::default()
    })
    .await;

    let (done, context) = run(
        &engine,
        json!([
            mcp_step(
                "http",
                "https://fixture.tools.example/mcp",
                "credential_digest",
                json!({})
            ),
            mcp_step("stdio", "stdio:fixture", "credential_digest", json!({})),
        ]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    assert_eq!(
        step(&context, "http")["result"]["header_sha256"],
        sha256(&bearer),
        "the bearer header arrived over HTTP"
    );
    assert_eq!(
        step(&context, "stdio")["result"]["env_sha256"],
        sha256(STDIO_TOKEN),
        "the variable arrived over stdio"
    );
    let mut visible = common::everything_visible(&engine, &done).await;

    // Failures with credentials in play: tool errors over both transports, and a
    // server that is down (one run each: a failed step ends its run).
    let failures = [
        (
            "https://fixture.tools.example/mcp",
            "fail",
            "MCP_TOOL_FAILED",
        ),
        ("stdio:fixture", "fail", "MCP_TOOL_FAILED"),
        (
            "https://down.tools.example/mcp",
            "echo",
            "MCP_TRANSPORT_ERROR",
        ),
    ];
    for (server_url, tool, code) in failures {
        let (failed, context) = run(
            &engine,
            json!([mcp_step(
                "f",
                server_url,
                tool,
                json!({"message": "denied"})
            )]),
        )
        .await;
        assert_eq!(failed.status, RunStatus::Failed, "{context}");
        assert_eq!(step(&context, "f")["failure_code"], code, "{context}");
        visible.push_str(&common::everything_visible(&engine, &failed).await);
    }
    engine.shutdown().await;

    let logs = logs.text();
    assert!(
        logs.contains("MCP connection opened"),
        "logging was captured"
    );
    for token in [HTTP_TOKEN, STDIO_TOKEN] {
        assert!(
            !visible.contains(token),
            "{token} leaked into the run: {visible}"
        );
        assert!(!logs.contains(token), "{token} leaked into a log line");
    }
}
