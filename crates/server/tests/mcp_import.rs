//! Dry-run's `mcp_bindings` check against the project's registry, and importing a graph
//! into another workspace: its `instance_id`s and `server_url`s are pointed at that
//! workspace's instances, and the imported workflow runs there with *their* credentials.
//! Real MCP servers (`scripts/mcp-fixtures.sh`): server-everything and the Python SDK
//! fixture, both over Streamable HTTP on loopback.

mod common;

#[path = "../../mcp/tests/common/mod.rs"]
#[allow(unused_imports)]
mod mcp_fixtures;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const TOKEN_SRC: &str = "import-src-token-0d9a7e";
const TOKEN_DST: &str = "import-dst-token-5c21f8";

async fn call(
    s: &TestServer,
    ws: &Workspace,
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
    c.send().await
}

fn id_of(r: &Reply) -> String {
    r.body["id"].as_str().expect("id").to_string()
}

/// Registers the server at `url` in the workspace's project and returns its instance.
async fn instance_of(s: &TestServer, ws: &Workspace, url: &str, name: &str) -> String {
    let r = call(
        s,
        ws,
        Method::POST,
        "/v1/mcp/servers",
        Some(json!({"url": url})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let server = id_of(&r);
    let r = call(
        s,
        ws,
        Method::POST,
        "/v1/mcp/instances",
        Some(json!({"server_id": server, "name": name})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    id_of(&r)
}

/// Gives the instance a profile sending the workspace secret `TOKEN` as a bearer header.
async fn bearer_profile(s: &TestServer, ws: &Workspace, instance: &str, token: &str) {
    let r = call(
        s,
        ws,
        Method::PUT,
        "/v1/vault/secrets/TOKEN",
        Some(json!({"value": token})),
    )
    .await;
    assert!(r.status == 201 || r.status == 200, "{:?}", r.body);
    let r = call(
        s,
        ws,
        Method::POST,
        &format!("/v1/mcp/instances/{instance}/config-profiles"),
        Some(json!({"name": "default", "headers": {"Authorization": {"secret": "TOKEN", "prefix": "Bearer "}}})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn codes(report: &Value) -> Vec<String> {
    report["issues"]
        .as_array()
        .map(|issues| {
            issues
                .iter()
                .map(|i| i["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn scenario(backend: Backend) {
    let everything = mcp_fixtures::start_everything_http();
    let python = mcp_fixtures::start_python_http(true);
    let mut settings = test_settings();
    settings.mcp_allowed_hosts = Some("127.0.0.1".into());
    let s = start_with(backend, settings).await;

    // The source workspace: both servers registered, the Python one with a secret.
    let src = workspace(&s, "import-src").await;
    let src_python = instance_of(&s, &src, &python.url, "python").await;
    let src_everything = instance_of(&s, &src, &everything.url, "everything").await;
    bearer_profile(&s, &src, &src_python, TOKEN_SRC).await;
    let graph = json!({"steps": [
        {"id": "digest", "type": "mcp_call", "instance_id": src_python, "server_url": python.url,
         "tool_name": "credential_digest", "tool_args": {"header_name": "authorization"}},
        {"id": "echo", "type": "mcp_call", "instance_id": src_everything, "server_url": everything.url,
         "tool_name": "echo", "tool_args": {"message": "{{ steps.digest.result.header_sha256 }}"},
         "depends_on": ["digest"]},
    ]});
    let r = call(
        &s,
        &src,
        Method::POST,
        "/v1/workflows",
        Some(json!({"name": "portable", "graph": graph})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let mappings = r.body["instance_mappings"].as_array().expect("mappings");
    assert!(
        mappings.iter().all(|m| m["status"] == "kept"),
        "{mappings:?}"
    );
    let workflow = id_of(&r);

    // Dry-run checks tools and arguments against the discovered schemas.
    let validate = format!("/v1/workflows/{workflow}/validate");
    let r = call(&s, &src, Method::POST, &validate, None).await;
    assert_eq!(
        (
            r.body["valid"].clone(),
            r.body["check_results"]["mcp_bindings"].clone()
        ),
        (json!(true), json!("passed")),
        "{:?}",
        r.body
    );
    let mut broken = graph.clone();
    broken["steps"][1]["tool_name"] = json!("ecko");
    let r = call(
        &s,
        &src,
        Method::POST,
        &validate,
        Some(json!({"graph": broken})),
    )
    .await;
    assert_eq!(codes(&r.body), ["mcp_tool_unknown"], "{:?}", r.body);
    assert!(
        r.body["issues"][0]["suggestion"]
            .as_str()
            .unwrap_or_default()
            .contains("`echo`"),
        "{:?}",
        r.body
    );
    let mut broken = graph.clone();
    broken["steps"][1]["tool_args"] = json!({"text": "no message"});
    let r = call(
        &s,
        &src,
        Method::POST,
        &validate,
        Some(json!({"graph": broken})),
    )
    .await;
    assert_eq!(codes(&r.body)[0], "mcp_tool_args_invalid", "{:?}", r.body);
    assert_eq!(r.body["issues"][0]["step_id"], "echo");

    // Export from the source...
    let r = call(
        &s,
        &src,
        Method::GET,
        &format!("/v1/workflows/{workflow}"),
        None,
    )
    .await;
    let exported = r.body["graph"].clone();

    // ...into a workspace that has its own instance of the Python server (with its own
    // secret) and none of server-everything.
    let dst = workspace(&s, "import-dst").await;
    let dst_python = instance_of(&s, &dst, &python.url, "python").await;
    bearer_profile(&s, &dst, &dst_python, TOKEN_DST).await;
    let r = call(
        &s,
        &dst,
        Method::POST,
        "/v1/workflows",
        Some(json!({"name": "imported", "graph": exported, "instance_map": {"x": src_python}})),
    )
    .await;
    assert_eq!(
        r.status, 400,
        "a map to another workspace's instance is refused: {:?}",
        r.body
    );
    assert!(
        r.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("instance_map"),
        "{:?}",
        r.body
    );
    let r = call(
        &s,
        &dst,
        Method::POST,
        "/v1/workflows",
        Some(json!({"name": "imported", "graph": exported})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let mappings: Vec<(Value, Value, Value)> = r.body["instance_mappings"]
        .as_array()
        .expect("mappings")
        .iter()
        .map(|m| {
            (
                m["step_id"].clone(),
                m["status"].clone(),
                m["instance_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        mappings,
        [
            (json!("digest"), json!("resolved"), json!(dst_python)),
            (json!("echo"), json!("server_url"), Value::Null),
        ]
    );
    let steps = &r.body["graph"]["steps"];
    assert_eq!(steps[0]["instance_id"], json!(dst_python), "{steps}");
    assert!(
        steps[1].get("instance_id").is_none_or(Value::is_null),
        "{steps}"
    );
    assert_eq!(steps[1]["server_url"], json!(everything.url));
    let imported = id_of(&r);
    let r = call(
        &s,
        &dst,
        Method::POST,
        &format!("/v1/workflows/{imported}/versions"),
        None,
    )
    .await;
    assert_eq!(
        r.status, 201,
        "the imported graph validates here: {:?}",
        r.body
    );

    // It runs against the destination's instance, with the destination's secret.
    let r = call(
        &s,
        &dst,
        Method::POST,
        &format!("/v1/workflows/{imported}/command"),
        Some(json!({"command": "start"})),
    )
    .await;
    assert!(r.status == 200 || r.status == 202, "{:?}", r.body);
    let run = r.body["run_id"].as_str().expect("run id").to_string();
    let base = format!("/v1/workflows/{imported}/runs/{run}");
    let summary = poll_until(&s, &dst.owner, &dst.slug, &format!("{base}/summary"), |b| {
        b["run_complete"] == json!(true)
    })
    .await;
    let context = call(&s, &dst, Method::GET, &format!("{base}/context"), None)
        .await
        .body;
    assert_eq!(summary["status"], "completed", "{summary} {context}");
    let digest = &context["steps"]["digest"]["result"]["header_sha256"];
    assert_eq!(
        digest,
        &json!(sha256(&format!("Bearer {TOKEN_DST}"))),
        "{context}"
    );
    assert_eq!(
        context["steps"]["echo"]["result"]["text"],
        json!(format!("Echo: {}", sha256(&format!("Bearer {TOKEN_DST}")))),
        "{context}"
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bindings_are_checked_and_imports_run_on_their_new_workspace_on_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bindings_are_checked_and_imports_run_on_their_new_workspace_on_postgres() {
    scenario(Backend::Postgres).await;
}
