//! Shared by the agent and chat tests against `agentruntime serve` (serve_agents.rs,
//! serve_chat.rs): a scripted OpenAI-compatible model server (the real wire format, in
//! the test process), the server-everything catalog entry, a server with both, and the
//! fixture `hold` tool's call count.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};

use crate::ops_support::serve_router;
use crate::serve_support::{self, Client, Server, base_env, spawn};

/// What the scripted model answers to a request, given the tool results it carries.
#[derive(Clone, Copy)]
pub enum Script {
    /// Round 1: call `echo`; then answer with the tool's text.
    EchoThenAnswer,
    /// Always call `echo` again (a model that never stops).
    AlwaysTools,
    /// Rounds 1 and 2: call `hold`; the first request after two rounds is never
    /// answered (the test kills the server meanwhile); later ones get the final answer.
    HoldTwiceThenHang,
    /// Rounds 1–3: call the workflow tools `workflow_Shout` (`{"text": "hi"}`),
    /// `workflow_Draft` and `workflow_Gone`; then answer with the three results.
    WorkflowTools,
    /// Round 1: call the workflow tool `workflow_Held` (`{}`); then answer with its result.
    HeldWorkflowThenAnswer,
    /// Call `workflow_Again` (`{}`) until a call answers "busy", then answer `busy
    /// seen`; a turn whose call returned a run answers with that result.
    RecurseUntilBusy,
}

/// The model server's record of every request: the tool results it carried.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<Vec<String>>>>, Arc<Mutex<Vec<Value>>>);

impl Seen {
    pub fn all(&self) -> Vec<Vec<String>> {
        self.0.lock().expect("lock").clone()
    }

    /// Every request body, in order.
    pub fn bodies(&self) -> Vec<Value> {
        self.1.lock().expect("lock").clone()
    }
}

/// The `tool` messages' contents of a Chat Completions request.
pub fn tool_results(body: &Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter(|m| m["role"] == "tool")
                .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub fn tool_call_answer(n: usize, tool: &str, args: Value) -> Value {
    json!({
        "id": format!("chatcmpl-{n}"), "object": "chat.completion", "created": 1_700_000_000,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": null,
            "tool_calls": [{"id": format!("call_{n}"), "type": "function",
                            "function": {"name": tool, "arguments": args.to_string()}}]}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}
    })
}

pub fn final_answer(text: &str) -> Value {
    json!({
        "id": "chatcmpl-final", "object": "chat.completion", "created": 1_700_000_000,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}
    })
}

/// Serves the script at `/v1/chat/completions`; returns its base URL (for
/// `AR_OPENAI_BASE_URL`) and its record.
pub async fn model_server(script: Script, hold_dir: Option<PathBuf>) -> (String, Seen) {
    let seen = Seen::default();
    let record = seen.clone();
    let hung = Arc::new(Mutex::new(false));
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let record = record.clone();
            let hung = hung.clone();
            let hold_dir = hold_dir.clone();
            async move {
                let results = tool_results(&body);
                let rounds = results.len();
                record.0.lock().expect("lock").push(results.clone());
                record.1.lock().expect("lock").push(body.clone());
                let answer = match script {
                    Script::EchoThenAnswer if rounds == 0 => {
                        tool_call_answer(1, "echo", json!({"message": "agents are durable"}))
                    }
                    Script::EchoThenAnswer => {
                        final_answer(&format!("The tool said: {}", results[0]))
                    }
                    Script::AlwaysTools => tool_call_answer(
                        rounds + 1,
                        "echo",
                        json!({"message": format!("again {rounds}")}),
                    ),
                    Script::HoldTwiceThenHang if rounds < 2 => {
                        let dir = hold_dir.as_ref().expect("hold dir").display().to_string();
                        tool_call_answer(rounds + 1, "hold", json!({"directory": dir}))
                    }
                    Script::WorkflowTools if rounds < 3 => {
                        let (tool, args) = [
                            ("workflow_Shout", json!({"text": "hi"})),
                            ("workflow_Draft", json!({})),
                            ("workflow_Gone", json!({})),
                        ][rounds]
                            .clone();
                        tool_call_answer(rounds + 1, tool, args)
                    }
                    Script::WorkflowTools => final_answer(&results.join(" | ")),
                    Script::HeldWorkflowThenAnswer if rounds == 0 => {
                        tool_call_answer(1, "workflow_Held", json!({}))
                    }
                    Script::HeldWorkflowThenAnswer => final_answer(&results[0]),
                    Script::RecurseUntilBusy if rounds == 0 => {
                        tool_call_answer(1, "workflow_Again", json!({}))
                    }
                    Script::RecurseUntilBusy if results[0].starts_with("busy") => {
                        final_answer("busy seen")
                    }
                    Script::RecurseUntilBusy => final_answer(&results[0]),
                    Script::HoldTwiceThenHang => {
                        let first = !std::mem::replace(&mut *hung.lock().expect("lock"), true);
                        if first {
                            // The server under test is killed while it waits for this.
                            std::future::pending::<()>().await;
                        }
                        final_answer("resumed after two rounds")
                    }
                };
                axum::Json(answer)
            }
        }),
    );
    let addr = serve_router(app).await;
    (format!("http://{addr}/v1"), seen)
}

/// `[[mcp_catalog]]` with server-everything over stdio (`stdio:everything`).
pub fn everything_settings() -> String {
    let fixtures = std::env::var_os("AR_MCP_FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/agentruntime-fixtures"));
    let js =
        fixtures.join("npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    assert!(
        js.is_file(),
        "{} is missing: run `eval \"$(scripts/mcp-fixtures.sh)\"` first",
        js.display()
    );
    format!(
        "[[mcp_catalog]]\nname = \"everything\"\ncommand = \"node\"\nargs = [{:?}, \"stdio\"]\n",
        js.display().to_string()
    )
}

/// A server on `data` (kept across restarts) with the model server as `openai`.
pub fn serve(data: &Path, model_base: &str) -> Server {
    serve_with(data, model_base, &[])
}

/// [`serve`] with more environment (a Postgres database).
pub fn serve_with(data: &Path, model_base: &str, extra: &[(&str, &str)]) -> Server {
    let config = data.join("settings.toml");
    std::fs::write(&config, everything_settings()).expect("settings");
    let data_arg = data.join("db").display().to_string();
    let config_arg = config.display().to_string();
    let mut env = base_env();
    env.extend(
        [
            ("AR_OPENAI_BASE_URL", model_base),
            ("AR_OPENAI_API_KEY", "sk-agent-test"),
            ("AR_MCP_ALLOWED_HOSTS", "127.0.0.1"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    spawn(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &data_arg,
            "--config",
            &config_arg,
        ],
        &env,
    )
    .expect("serve starts")
}

pub async fn create_agent(client: &Client, project: &str, body: Value) -> String {
    let r = client
        .send(Method::POST, "/v1/agents", Some(project), Some(body))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().expect("id").to_owned()
}

/// The marker files the fixture's `hold` tool left: one per call.
pub fn hold_calls(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("read hold dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".held"))
        .count()
}

pub async fn drop_schema(schema: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(serve_support::PG_URL)
        .await
        .expect("connect to postgres");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&mut conn)
    .await
    .expect("drop schema");
}
