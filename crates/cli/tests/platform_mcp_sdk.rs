//! The platform's MCP endpoint (`/mcp`, docs/contract.md §12) driven by real clients
//! against a real `agentruntime serve`: the official Python SDK (over HTTP and through
//! the `agentruntime mcp` stdio bridge), the official TypeScript SDK, the MCP Inspector
//! CLI and the MCP conformance suite. The clients are installed by
//! scripts/mcp-fixtures.sh; their scripts live in tests/fixtures/platform_mcp/.
//! What each client covers, and the conformance results: docs/platform-mcp-clients.md.

mod platform_mcp_support;
mod serve_support;

use std::process::Command;

use platform_mcp_support::{Bridge, npm_clients_dir, python, run_json, script};
use serde_json::{Value, json};
use serve_support::{Server, base_env, owner_pat, spawn};

/// Tools of the core group every client must see (docs/contract.md §12).
const CORE_TOOLS: &[&str] = &[
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
];

struct Running {
    server: Server,
    pat: String,
    _dir: tempfile::TempDir,
}

/// The test servers' environment: the base one, and no per-token limit on tool calls
/// (the flows poll run summaries through tools).
fn mcp_env() -> Vec<(String, String)> {
    let mut env = base_env();
    env.push(("AR_PLATFORM_MCP_TOOL_CALLS_PER_MINUTE".into(), "0".into()));
    env
}

async fn serve() -> Running {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let server = spawn(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().expect("utf-8 path"),
        ],
        &mcp_env(),
    )
    .expect("serve starts");
    let (pat, _) = owner_pat(&server.base).await;
    Running {
        server,
        pat,
        _dir: dir,
    }
}

fn python_client(running: &Running, what: &str, transport: &str, revision: &str) -> Value {
    let mut command = Command::new(python());
    command
        .arg(script("python_client.py"))
        .args([what, "--transport", transport, "--revision", revision])
        .env("AR_MCP_URL", &running.server.base)
        .env("AR_MCP_TOKEN", &running.pat)
        .env("AR_BIN", env!("CARGO_BIN_EXE_agentruntime"));
    run_json(
        command,
        &format!("python {what} over {transport} at {revision}"),
    )
}

fn names(tools: &Value) -> Vec<String> {
    match tools {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(list) => list
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => panic!("no tool list in {tools}"),
    }
}

fn assert_core_tools(tools: &Value, who: &str) {
    let names = names(tools);
    for tool in CORE_TOOLS {
        assert!(
            names.iter().any(|n| n == tool),
            "{who}: {tool} missing from {names:?}"
        );
    }
}

/// The probe: every tool has both schemas and the three hints; the health summary is a
/// structured answer whose text rendering is the same JSON.
fn assert_probe(probe: &Value, who: &str) {
    assert_core_tools(&probe["tools"], who);
    for (name, tool) in probe["tools"].as_object().expect("tools object") {
        assert_eq!(tool["has_input_schema"], true, "{who}: {name}");
        assert_eq!(tool["has_output_schema"], true, "{who}: {name}");
        for hint in ["readOnlyHint", "destructiveHint", "idempotentHint"] {
            assert!(
                tool["annotations"][hint].is_boolean(),
                "{who}: {name} lacks {hint}: {tool}"
            );
        }
    }
    let health = &probe["health"];
    assert_eq!(health["is_error"], false, "{who}: {health}");
    assert_eq!(health["text_is_json"], true, "{who}: {health}");
    assert!(health["structured"]["user"].is_object(), "{who}: {health}");
    assert!(
        health["structured"]["counts"].is_object(),
        "{who}: {health}"
    );
}

/// create → validate → publish → start → summary → pending → complete → context → events.
fn assert_flow(flow: &Value, note: &str, who: &str) {
    assert!(flow["created"]["id"].is_string(), "{who}: {flow}");
    assert_eq!(
        flow["validate"]["valid"], true,
        "{who}: {}",
        flow["validate"]
    );
    assert_eq!(flow["publish"]["version"], 1, "{who}: {}", flow["publish"]);
    let run_id = flow["started"]["run_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{who}: {flow}"));
    assert_eq!(flow["awaiting"]["awaiting_human"], true, "{who}");
    assert_eq!(flow["awaiting"]["run_complete"], false, "{who}");
    let inbox = flow["inbox"]["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{who}: {flow}"));
    assert!(
        inbox
            .iter()
            .any(|t| t["run_id"] == run_id && t["task_id"] == "approve"),
        "{who}: the inbox lacks the run's task: {inbox:?}"
    );
    assert_eq!(
        flow["pending"]["tasks"][0]["task_id"], "approve",
        "{who}: {}",
        flow["pending"]
    );
    assert_eq!(
        flow["complete"]["status"], "completed",
        "{who}: {}",
        flow["complete"]
    );
    assert_eq!(
        flow["done"]["status"], "completed",
        "{who}: {}",
        flow["done"]
    );
    let context = flow["context"].to_string();
    assert!(
        context.contains(note) && context.contains("42"),
        "{who}: {context}"
    );
    let events = flow["events"]["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{who}: {flow}"));
    for kind in ["task_completed", "run_completed"] {
        assert!(
            events.iter().any(|e| e["event_type"] == kind),
            "{who}: no {kind} among {:?}",
            events.iter().map(|e| &e["event_type"]).collect::<Vec<_>>()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_runs_the_whole_flow_on_both_revisions_over_http_and_stdio() {
    let running = serve().await;
    for transport in ["http", "stdio"] {
        for revision in ["2025-06-18", "2026-07-28"] {
            let who = format!("python/{transport}/{revision}");
            let probe = python_client(&running, "probe", transport, revision);
            assert_eq!(probe["protocol_version"], revision, "{who}");
            assert_probe(&probe, &who);

            let flow = python_client(&running, "flow", transport, revision);
            assert_eq!(flow["protocol_version"], revision, "{who}");
            assert_flow(&flow, "via python sdk", &who);
            // A refusal is the REST error as a tool result, not a protocol error.
            let again = &flow["complete_again"];
            assert_eq!(again["is_error"], true, "{who}: {again}");
            assert!(again["structured"].is_object(), "{who}: {again}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_sdk_runs_the_flow_and_both_revisions() {
    let running = serve().await;
    let mut command = Command::new("node");
    command
        .arg(script("node_client.mjs"))
        .env("AR_MCP_URL", &running.server.base)
        .env("AR_MCP_TOKEN", &running.pat)
        .env("AR_NPM_CLIENTS_DIR", npm_clients_dir());
    let out = run_json(command, "node client");

    let session = &out["session"];
    assert_eq!(session["protocol_version"], "2025-11-25", "{session}");
    assert_eq!(session["session_id_set"], true, "{session}");
    assert_core_tools(&session["tools"], "node/session");
    assert_flow(session, "via node sdk", "node/session");

    let pinned = &out["pinned_2025_06_18"];
    assert_eq!(pinned["protocol_version"], "2025-06-18", "{pinned}");
    assert_eq!(pinned["session_id_set"], true, "{pinned}");
    assert_core_tools(&pinned["tools"], "node/2025-06-18");
    assert_eq!(pinned["health_is_error"], false, "{pinned}");
    assert!(pinned["health"]["user"].is_object(), "{pinned}");

    let stateless = &out["stateless_2026_07_28"];
    assert_eq!(stateless["list_status"], 200, "{stateless}");
    assert_eq!(
        stateless["session_ids"],
        json!([null, null, null]),
        "no sessions: {stateless}"
    );
    assert_core_tools(&stateless["tools"], "node/2026-07-28");
    assert_eq!(stateless["health_is_error"], false, "{stateless}");
    assert!(stateless["health"]["user"].is_object(), "{stateless}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_cli_lists_tools_and_calls_the_health_summary_through_the_bridge() {
    let running = serve().await;
    // Inspector 0.15 (the last for Node 20) cannot send an Authorization header, so it
    // launches `agentruntime mcp`, the way a desktop client would.
    let inspector =
        npm_clients_dir().join("node_modules/@modelcontextprotocol/inspector/cli/build/cli.js");
    let inspect = |extra: &[&str]| {
        let mut command = Command::new("node");
        command
            .arg(&inspector)
            .arg("--cli")
            .arg("-e")
            .arg(format!("AGENTRUNTIME_URL={}", running.server.base))
            .arg("-e")
            .arg(format!("AGENTRUNTIME_TOKEN={}", running.pat))
            .arg(env!("CARGO_BIN_EXE_agentruntime"))
            .arg("mcp")
            .args(extra);
        run_json(command, &format!("inspector {extra:?}"))
    };
    let listed = inspect(&["--method", "tools/list"]);
    let tools: Vec<Value> = listed["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_core_tools(&Value::Array(tools), "inspector");

    let health = inspect(&["--method", "tools/call", "--tool-name", "ar_health_summary"]);
    assert_ne!(health["isError"], true, "{health}");
    assert!(health["structuredContent"]["user"].is_object(), "{health}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bridge_reports_a_refused_token_without_showing_it() {
    let running = serve().await;
    let wrong = "pat_not-a-real-token-0123456789abcdef";
    let mut bridge = Bridge::spawn(
        &["--url", &running.server.base],
        &[("AGENTRUNTIME_TOKEN", wrong)],
    );
    let answer = bridge.request(
        1,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "bridge-test", "version": "1"}}),
    );
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("refused the token") && message.contains("AGENTRUNTIME_TOKEN"),
        "{message}"
    );
    let exit = bridge.finish();
    assert_eq!(exit.code, Some(0), "{exit:?}");
    assert!(exit.stderr.contains("refused the token"), "{}", exit.stderr);
    assert!(!exit.stderr.contains(wrong) && !message.contains(wrong));
}

/// Runs the conformance suite's active server scenarios through a proxy that adds the
/// Bearer header. The baseline lists the scenarios expected to fail (with why); the suite
/// exits non-zero when a scenario outside it fails, and when one inside it starts to
/// pass (the baseline is then stale and must shrink). Per-scenario results:
/// docs/platform-mcp-clients.md, "Conformance".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conformance_scenarios_hold_their_baseline() {
    let proxy_port = platform_mcp_support::free_port();
    // The proxy is what clients see: the server's public URL names it (its Origin is the
    // server's own, its host name `localhost` is one the server answers to).
    let mut env = base_env();
    env.push((
        "AR_PUBLIC_URL".into(),
        format!("http://localhost:{proxy_port}"),
    ));
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let server = spawn(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().expect("utf-8 path"),
        ],
        &env,
    )
    .expect("serve starts");
    let token = std::sync::Arc::new(std::sync::OnceLock::new());
    let _proxy = platform_mcp_support::start_bearer_proxy(
        proxy_port,
        server.base.clone(),
        std::sync::Arc::clone(&token),
    )
    .await;
    // Signed in through the proxy: the console's origin is the public URL's.
    let (pat, _) = owner_pat(&format!("http://localhost:{proxy_port}")).await;
    token.set(pat).expect("set once");

    let results = dir.path().join("conformance");
    let conformance =
        npm_clients_dir().join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    let output = tokio::process::Command::new("node")
        .arg(conformance)
        .args([
            "server",
            "--url",
            &format!("http://localhost:{proxy_port}/mcp"),
            "--suite",
            "active",
        ])
        .arg("--expected-failures")
        .arg(script("conformance-baseline.yml"))
        .arg("-o")
        .arg(&results)
        .output()
        .await
        .expect("run the conformance suite");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{}", scenario_table(&results));
    assert!(
        output.status.success(),
        "conformance against the baseline failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}

/// `scenario: passed | FAILED (first failing check: why)` for each result folder.
fn scenario_table(results: &std::path::Path) -> String {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(results).into_iter().flatten().flatten() {
        // `server-<scenario>-<timestamp>`, the timestamp like 2026-12-07T10-21-54-671Z.
        let folder = entry.file_name().to_string_lossy().into_owned();
        let name = folder
            .strip_prefix("server-")
            .and_then(|rest| rest.get(..rest.len().saturating_sub(25)))
            .unwrap_or(&folder)
            .to_owned();
        let Ok(text) = std::fs::read_to_string(entry.path().join("checks.json")) else {
            continue;
        };
        let checks: Vec<Value> = serde_json::from_str(&text).unwrap_or_default();
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| c["status"] == "FAILURE")
            .map(|c| {
                format!(
                    "{}: {}",
                    c["id"],
                    c["errorMessage"].as_str().unwrap_or_default()
                )
            })
            .collect();
        let verdict = if failed.is_empty() {
            "passed".to_owned()
        } else {
            format!("FAILED ({})", failed.join("; "))
        };
        lines.push(format!("{name}: {verdict}"));
    }
    lines.sort();
    lines.join("\n")
}
