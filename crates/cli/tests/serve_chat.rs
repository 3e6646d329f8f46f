//! Chat against the real `agentruntime serve` (docs/contract.md §13, docs/agents.md
//! "Chat"): an agent in a dm answers through a run of its own, with real MCP tools
//! (server-everything over stdio; the Python fixture server's `hold`, which leaves one
//! marker file per call) and the scripted OpenAI-compatible model server of
//! agents_support. The reply is stored (GET messages) and streamed (SSE), and a server
//! killed with SIGKILL between two tool rounds stores it exactly once after a restart,
//! without calling a tool twice.
//!
//! Needs the MCP fixtures: `eval "$(scripts/mcp-fixtures.sh)"` from the repository root.

mod agents_support;
mod ops_support;
mod serve_support;

use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use agents_support::{
    Script, create_agent, drop_schema, hold_calls, model_server, serve, serve_with,
};
use ops_support::mcp_fixture;
use serve_support::{Client, owner_pat};

/// A dm of the PAT's owner with `agent`.
async fn dm_with(client: &Client, project: &str, agent: &str) -> String {
    let r = client
        .send(
            Method::POST,
            "/v1/chat/threads",
            Some(project),
            Some(json!({"kind": "dm", "title": "ask the agent", "agent_ids": [agent]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().expect("thread id").to_owned()
}

async fn post(client: &Client, thread: &str, text: &str) -> Value {
    let r = client
        .send(
            Method::POST,
            &format!("/v1/chat/threads/{thread}/messages"),
            None,
            Some(json!({"text": text})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn messages(client: &Client, thread: &str) -> Vec<Value> {
    let r = client
        .get(&format!("/v1/chat/threads/{thread}/messages"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["messages"].as_array().cloned().unwrap_or_default()
}

/// Waits until the thread holds `n` messages.
async fn wait_for(client: &Client, thread: &str, n: usize, within: Duration) -> Vec<Value> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let all = messages(client, thread).await;
        if all.len() >= n {
            return all;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} messages: {all:?}",
            all.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `message` frames of a thread's SSE stream, until `want` came (20 s at most).
async fn sse_messages(client: &Client, thread: &str, want: usize) -> Vec<Value> {
    let pat = client.pat.as_deref().expect("a PAT");
    let response = client
        .http
        .get(format!("{}/v1/chat/threads/{thread}/stream", client.base))
        .bearer_auth(pat)
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    let (mut buffer, mut out) = (String::new(), Vec::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while out.len() < want {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .unwrap_or_else(|_| panic!("only {} messages streamed: {out:?}", out.len()))
            .expect("the stream stays open")
            .expect("a chunk");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: message") {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .expect("data");
                out.push(serde_json::from_str(data).expect("json"));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_in_a_dm_answers_with_a_tool_stored_and_streamed() {
    let (model, seen) = model_server(Script::EchoThenAnswer, None).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve(dir.path(), &model);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let agent = create_agent(
        &client,
        &project,
        json!({"name": "echoer", "instructions": "Use the echo tool.",
               "model_ref": "direct.openai.gpt-4o-mini",
               "tools": [{"server_url": "stdio:everything", "tool_names": ["echo"]}]}),
    )
    .await;
    let thread = dm_with(&client, &project, &agent).await;
    let streamed = {
        let client = Client::with_pat(&server.base, &pat);
        let thread = thread.clone();
        tokio::spawn(async move { sse_messages(&client, &thread, 2).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = post(&client, &thread, "What does the echo tool say?").await;
    assert_eq!(sent["seq"], 1);

    let all = wait_for(&client, &thread, 2, Duration::from_secs(120)).await;
    assert_eq!(all.len(), 2, "{all:?}");
    let reply = &all[1];
    assert_eq!(
        reply["author"],
        json!({"kind": "agent", "id": agent}),
        "{reply}"
    );
    assert!(reply["error"].is_null(), "{reply}");
    let text = reply["text"].as_str().expect("text");
    assert!(text.contains("Echo: agents are durable"), "{reply}");
    assert!(reply["run_id"].is_string(), "{reply}");
    // The model saw the user's message (with its author) and then the tool's result.
    let bodies = seen.bodies();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    let first = bodies[0]["messages"].to_string();
    assert!(first.contains(": What does the echo tool say?"), "{first}");
    assert!(
        seen.all()[1][0].contains("Echo: agents are durable"),
        "{:?}",
        seen.all()
    );

    // The stream saw the user's message, then the agent's.
    let frames = streamed.await.expect("stream reader");
    assert_eq!(frames[0]["id"], sent["id"], "{frames:?}");
    assert_eq!(frames[1]["id"], reply["id"], "{frames:?}");
    assert_eq!(frames[1]["text"], reply["text"]);

    // The next message carries the conversation: the agent's reply as `assistant`.
    post(&client, &thread, "And again?").await;
    wait_for(&client, &thread, 4, Duration::from_secs(120)).await;
    let third = &seen.bodies()[2]["messages"];
    let roles: Vec<&str> = third
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"], "{third}");
    server.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_killed_between_tool_rounds_is_stored_once() {
    killed_between_rounds(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_killed_between_tool_rounds_is_stored_once_on_postgres() {
    let schema = format!("serve_chat_{}", uuid::Uuid::now_v7().simple());
    killed_between_rounds(&[
        ("AR_DATABASE_URL", serve_support::PG_URL),
        ("AR_DATABASE_SCHEMA", &schema),
        // The restarted node takes the dead one's work over once its lease expires.
        ("AR_LEASE_MS", "1000"),
        (
            "AR_MASTER_KEY",
            "Y2hhdC10ZXN0LW1hc3Rlci1rZXktb2YtMzItYnl0ZXM=",
        ),
    ])
    .await;
    drop_schema(&schema).await;
}

/// Two tool rounds, SIGKILL while the model holds its third answer, a restart on the same
/// database: the turn resumes after its stored rounds and its reply is stored once.
async fn killed_between_rounds(extra: &[(&str, &str)]) {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    let fixture = mcp_fixture();
    let holds = tempfile::tempdir().expect("hold dir");
    std::fs::write(holds.path().join("release"), "go").expect("release");
    let (model, seen) =
        model_server(Script::HoldTwiceThenHang, Some(holds.path().to_path_buf())).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve_with(dir.path(), &model, extra);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let agent = create_agent(
        &client,
        &project,
        json!({"name": "durable", "model": "gpt-4o-mini",
               "tools": [{"server_url": fixture.url, "tool_names": ["hold"]}]}),
    )
    .await;
    let thread = dm_with(&client, &project, &agent).await;
    post(&client, &thread, "Hold twice, then answer.").await;

    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while seen.all().iter().filter(|r| r.len() == 2).count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the model saw {:?}",
            seen.all()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        hold_calls(holds.path()),
        2,
        "two tool calls before the crash"
    );
    assert_eq!(messages(&client, &thread).await.len(), 1, "no reply yet");
    let killed = server.kill();
    assert!(!killed.status.success(), "{killed:?}");

    let server = serve_with(dir.path(), &model, extra);
    let client = Client::with_pat(&server.base, &pat);
    let all = wait_for(&client, &thread, 2, Duration::from_secs(120)).await;
    let reply = &all[1];
    assert_eq!(reply["text"], "resumed after two rounds", "{reply}");
    assert_eq!(reply["author"]["id"], json!(agent), "{reply}");
    assert_eq!(hold_calls(holds.path()), 2, "a tool call was repeated");
    let lengths: Vec<usize> = seen.all().iter().map(Vec::len).collect();
    assert_eq!(lengths, vec![0, 1, 2, 2], "{:?}", seen.all());
    // Every pass that finishes turns has run at least once more: still one reply.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = messages(&client, &thread).await;
    assert_eq!(all.len(), 2, "the reply is stored once: {all:?}");
    server.terminate();
}
