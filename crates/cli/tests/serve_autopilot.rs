//! Autopilot against the real `agentruntime serve` (docs/contract.md §13, docs/agents.md
//! "Autopilot"): a scripted OpenAI-compatible model server in this process streams real
//! Chat Completions SSE chunks — text deltas and tool_call deltas split across chunks —
//! and answers the graph writer's (non-streamed) requests. What it answers depends on what
//! each request contains (the user's message, the tool results, the repair request), never
//! on a call count alone; every request is recorded for the assertions.

mod serve_support;

#[path = "attacks/boundary_support.rs"]
mod boundary_support;
mod ops_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::IntoResponse;
use serde_json::{Value, json};

use boundary_support::{Api, Credential, Served, member, owner, serve};
use ops_support::serve_router;

/// A graph that passes dry-run validation.
fn valid_graph() -> Value {
    json!({"steps": [{"id": "review", "type": "human_task", "name": "Review the expense",
                      "task_type": "approval", "task_payload": {"title": "Expense"}}]})
}

/// A readable graph that fails validation (its Lua does not compile).
fn broken_graph() -> Value {
    json!({"steps": [{"id": "sum", "type": "lua_script", "name": "Sum", "script": "return {"}]})
}

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Value>>>);

impl Seen {
    fn all(&self) -> Vec<Value> {
        self.0.lock().expect("lock").clone()
    }
    /// The streamed (turn) requests.
    fn turns(&self) -> Vec<Value> {
        self.all()
            .into_iter()
            .filter(|r| r["stream"] == true)
            .collect()
    }
    /// The graph writer's requests.
    fn writer(&self) -> Vec<Value> {
        self.all()
            .into_iter()
            .filter(|r| r["stream"] != true)
            .collect()
    }
}

fn last_user_text(body: &Value) -> String {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["role"] == "user")
        .filter_map(|m| m["content"].as_str())
        .next_back()
        .unwrap_or_default()
        .to_string()
}

fn has_tool_results(body: &Value) -> bool {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| m["role"] == "tool")
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let c = json!({"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1,
                   "model": "gpt-4o-mini",
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    format!("data: {c}\n\n")
}

/// A streamed answer: `text` in two deltas, then (if any) one tool call whose arguments
/// arrive in three pieces, the usage chunk and `[DONE]`.
fn streamed(text: &str, tool: Option<(&str, Value)>) -> String {
    let mut out = String::new();
    let half = text.len() / 2;
    out.push_str(&chunk(
        json!({"role": "assistant", "content": &text[..half]}),
        None,
    ));
    out.push_str(&chunk(json!({"content": &text[half..]}), None));
    let finish = match tool {
        Some((name, args)) => {
            let args = args.to_string();
            let (a, rest) = args.split_at(args.len() / 3);
            let (b, c) = rest.split_at(rest.len() / 2);
            out.push_str(&chunk(
                json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                       "function": {"name": name, "arguments": a}}]}),
                None,
            ));
            for piece in [b, c] {
                out.push_str(&chunk(
                    json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
                    None,
                ));
            }
            "tool_calls"
        }
        None => "stop",
    };
    out.push_str(&chunk(json!({}), Some(finish)));
    let usage = json!({"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1,
                       "model": "gpt-4o-mini", "choices": [],
                       "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}});
    out.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
    out
}

/// What the turn model does for the user's message (first round); later rounds answer.
fn first_round(message: &str) -> (String, Option<(&'static str, Value)>) {
    let word_after = |key: &str| {
        message
            .split_whitespace()
            .skip_while(|w| *w != key)
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    if message.contains("starter") {
        let tool = (
            "scaffold_starter",
            json!({"template": word_after("starter")}),
        );
        ("Copying the starter.".into(), Some(tool))
    } else if message.contains("expense") {
        let tool = (
            "create_workflow",
            json!({"description": "expense approval", "name": "Expenses"}),
        );
        ("I will build that workflow.".into(), Some(tool))
    } else if message.contains("hopeless") {
        let tool = (
            "create_workflow",
            json!({"description": "NEVER FIXED sums things"}),
        );
        ("Trying.".into(), Some(tool))
    } else if message.contains("repair") {
        let tool = (
            "create_workflow",
            json!({"description": "REPAIR ME sums things"}),
        );
        ("Building a summing workflow.".into(), Some(tool))
    } else if message.contains("sneaky") {
        let tool = (
            "workflows_create",
            json!({"name": "Sneaky", "graph": valid_graph()}),
        );
        ("Let me just create it.".into(), Some(tool))
    } else if message.contains("run") {
        let tool = (
            "run_workflow",
            json!({"workflow_id": word_after("run"), "params": {}}),
        );
        ("Starting a run.".into(), Some(tool))
    } else if message.contains("go to") {
        let to = word_after("to");
        ("Opening it.".into(), Some(("navigate", json!({"to": to}))))
    } else if message.contains("list") {
        ("Looking.".into(), Some(("workflows_list", json!({}))))
    } else {
        ("Hello from Autopilot.".into(), None)
    }
}

/// The scripted model server; returns its base URL and its record.
async fn model_server() -> (String, Seen) {
    let seen = Seen::default();
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let record = record.clone();
            async move {
                record.0.lock().expect("lock").push(body.clone());
                if body["stream"] == true {
                    let message = last_user_text(&body);
                    let sse = if has_tool_results(&body) {
                        streamed("All done.", None)
                    } else {
                        if message.contains("hang") {
                            // The server under test is killed while it waits for this.
                            std::future::pending::<()>().await;
                        }
                        if message.contains("slowly") {
                            // Long enough for a stream client to connect mid-turn.
                            tokio::time::sleep(Duration::from_millis(1500)).await;
                        }
                        let (text, tool) = first_round(&message);
                        streamed(&text, tool)
                    };
                    return ([("content-type", "text/event-stream")], sse).into_response();
                }
                // The graph writer: broken first for REPAIR ME, fixed once told the issues;
                // always broken for NEVER FIXED.
                let all_user: String = body["messages"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|m| m["role"] == "user")
                    .filter_map(|m| m["content"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                let told_the_issues = all_user.to_lowercase().contains("fix these issues");
                let broken = all_user.contains("NEVER FIXED")
                    || (all_user.contains("REPAIR ME") && !told_the_issues);
                let graph = if broken {
                    broken_graph()
                } else {
                    valid_graph()
                };
                let answer = json!({
                    "id": "chatcmpl-g", "object": "chat.completion", "created": 1,
                    "model": "gpt-4o-mini",
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {
                        "role": "assistant",
                        "content": format!("```json\n{graph}\n```")}}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}
                });
                axum::Json(answer).into_response()
            }
        }),
    );
    let addr = serve_router(app).await;
    (format!("http://{addr}/v1"), seen)
}

fn server(model: &str) -> Served {
    serve(
        None,
        &[
            ("AR_OPENAI_BASE_URL", model),
            ("AR_OPENAI_API_KEY", "sk-autopilot-test"),
            ("AR_AUTOPILOT_MODEL_REF", "direct.openai.gpt-4o-mini"),
        ],
    )
}

/// Reads an SSE stream to its end: `(event, data)` pairs.
async fn read_stream(api: &Api, url: &str) -> Vec<(String, Value)> {
    let mut request = reqwest::Client::new()
        .get(format!("{}{url}", api.base))
        .timeout(Duration::from_secs(60));
    match &api.credential {
        Credential::Session(cookie) => request = request.header("Cookie", cookie),
        Credential::Pat(pat) => request = request.bearer_auth(pat),
    }
    if let Some(t) = &api.tenant {
        request = request.header("X-Tenant-Id", t);
    }
    let response = request.send().await.expect("stream");
    assert_eq!(response.status(), 200, "stream {url}");
    let text = response.text().await.expect("stream body");
    let mut frames = Vec::new();
    for block in text.split("\n\n") {
        let mut event = None;
        let mut data = String::new();
        for line in block.lines() {
            if let Some(e) = line.strip_prefix("event:") {
                event = Some(e.trim().to_string());
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push_str(d.trim_start());
            }
        }
        if let Some(event) = event {
            frames.push((event, serde_json::from_str(&data).unwrap_or(Value::Null)));
        }
    }
    frames
}

/// Sends `message` and reads the whole stream; returns the 202 answer and the frames.
async fn ask(
    api: &Api,
    message: &str,
    mode: &str,
    thread: Option<&str>,
) -> (Value, Vec<(String, Value)>) {
    let mut body = json!({"message": message, "mode": mode});
    if let Some(t) = thread {
        body["thread_id"] = json!(t);
    }
    let r = api.post("/v1/autopilot/chat", body).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let url = r.body["stream_url"]
        .as_str()
        .expect("stream_url")
        .to_string();
    let frames = read_stream(api, &url).await;
    (r.body, frames)
}

fn events(frames: &[(String, Value)]) -> Vec<&str> {
    frames.iter().map(|(e, _)| e.as_str()).collect()
}

fn actions(frames: &[(String, Value)]) -> Vec<&Value> {
    frames
        .iter()
        .filter(|(e, _)| e == "action")
        .map(|(_, d)| d)
        .collect()
}

fn tokens(frames: &[(String, Value)]) -> String {
    frames
        .iter()
        .filter(|(e, _)| e == "token")
        .filter_map(|(_, d)| d["text"].as_str())
        .collect()
}

async fn workflow_names(api: &Api) -> Vec<String> {
    let r = api.get("/v1/workflows").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["workflows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_a_valid_draft_and_repairs_an_invalid_graph() {
    let (model, seen) = model_server().await;
    let served = server(&model);
    let (api, _) = owner(served.base()).await;

    let (started, frames) = ask(&api, "make an expense approval flow", "autopilot", None).await;
    let kinds = events(&frames);
    let first_action = kinds
        .iter()
        .position(|e| *e == "action")
        .expect("an action");
    assert!(
        kinds[..first_action].contains(&"token"),
        "tokens before the action: {kinds:?}"
    );
    assert_eq!(kinds.last(), Some(&"done"), "{kinds:?}");
    let created = actions(&frames)[0];
    assert_eq!(created["action"], "create_workflow");
    assert_eq!(created["status"], "ok", "{created}");
    assert_eq!(created["result"]["valid"], true);
    assert_eq!(created["result"]["attempts"], 1);
    let workflow = created["result"]["workflow_id"]
        .as_str()
        .expect("id")
        .to_string();
    // The draft exists, is a draft, and its graph validates.
    let wf = api.get(&format!("/v1/workflows/{workflow}")).await;
    assert_eq!(wf.status, 200, "{:?}", wf.body);
    assert_eq!(wf.body["status"], "draft", "{:?}", wf.body);
    assert_eq!(wf.body["name"], "Expenses");
    let check = api
        .post(&format!("/v1/workflows/{workflow}/validate"), json!({}))
        .await;
    assert_eq!(check.body["valid"], true, "{:?}", check.body);
    let done = &frames.last().expect("done").1;
    assert_eq!(done["message_id"], started["message_id"]);
    assert_eq!(
        done["text"],
        tokens(&frames),
        "done carries the streamed text"
    );
    assert!(tokens(&frames).starts_with("I will build that workflow."));

    // The same thread, a second message: a graph that fails validation, then is repaired.
    let thread = started["thread_id"].as_str().expect("thread");
    let (_, frames) = ask(&api, "now a repair case please", "autopilot", Some(thread)).await;
    let repaired = actions(&frames)[0];
    assert_eq!(repaired["status"], "ok", "{repaired}");
    assert_eq!(repaired["result"]["valid"], true, "{repaired}");
    assert_eq!(repaired["result"]["attempts"], 2, "{repaired}");
    let writer = seen.writer();
    let repair_request = writer
        .iter()
        .find(|r| last_user_text(r).contains("Fix these issues"))
        .expect("the issues went back to the model");
    assert!(
        last_user_text(repair_request).contains("lua"),
        "the issues name the Lua problem: {}",
        last_user_text(repair_request)
    );
    // The second turn's model saw the first exchange as history.
    let turns = seen.turns();
    let later = turns
        .iter()
        .find(|r| last_user_text(r).contains("repair case"))
        .expect("second turn");
    let history: Vec<&str> = later["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert!(
        history.iter().any(|c| c.contains("expense approval flow")),
        "{history:?}"
    );
    // Tokens were metered to the workspace.
    let usage = api.get("/v1/billing/usage-dimensions").await;
    assert_eq!(usage.status, 200, "{:?}", usage.body);
    let tokens_in = usage.body["dimensions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["action"] == "llm.tokens_in")
        .and_then(|d| d["quantity"].as_i64())
        .unwrap_or(0);
    // Two turns of two rounds (11 each) and three graph-writer calls (100 each).
    assert_eq!(tokens_in, 4 * 11 + 3 * 100, "{}", usage.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_mode_and_a_viewer_write_nothing() {
    let (model, seen) = model_server().await;
    let served = server(&model);
    let (api, _) = owner(served.base()).await;
    let before = workflow_names(&api).await;

    // Ask mode: the offered tools are read-only; a write tool named anyway is refused.
    let (_, frames) = ask(&api, "please list my workflows", "ask", None).await;
    assert_eq!(actions(&frames)[0]["status"], "ok", "{frames:?}");
    let (_, frames) = ask(&api, "sneaky: create one", "ask", None).await;
    let refused = actions(&frames)[0];
    assert_eq!(refused["action"], "workflows_create");
    assert_eq!(refused["status"], "error");
    assert_eq!(refused["result"]["status"], 403, "{refused}");
    assert_eq!(events(&frames).last(), Some(&"done"));
    for request in seen.turns() {
        let offered: Vec<&str> = request["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["function"]["name"].as_str())
            .collect();
        assert!(offered.contains(&"workflows_list") && offered.contains(&"navigate"));
        for write in [
            "create_workflow",
            "scaffold_starter",
            "run_workflow",
            "workflows_create",
            "workflows_patch",
            "workflows_execute_command",
            "tasks_complete",
        ] {
            assert!(
                !offered.contains(&write),
                "{write} offered in ask mode: {offered:?}"
            );
        }
    }
    assert_eq!(workflow_names(&api).await, before, "ask mode wrote nothing");

    // A project viewer may use Autopilot, but its Autopilot cannot create or run: the actions are 403s.
    let (viewer, viewer_id) = member(&api, "viewer@example.com", "member").await;
    let project = api.project.clone().expect("project");
    let r = api
        .without_project()
        .post(
            &format!("/v1/projects/{project}/members"),
            json!({"user_id": viewer_id, "role": "project_viewer"}),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{:?}", r.body);
    let (_, frames) = ask(&viewer, "an expense flow for me", "autopilot", None).await;
    let denied = actions(&frames)[0];
    assert_eq!(denied["action"], "create_workflow");
    assert_eq!(
        (
            denied["status"].as_str(),
            denied["result"]["status"].as_u64()
        ),
        (Some("error"), Some(403)),
        "{denied}"
    );
    let published = api
        .post(
            "/v1/workflows",
            json!({"name": "Owned", "graph": valid_graph()}),
        )
        .await;
    let wf = published.body["id"].as_str().expect("wf").to_string();
    let r = api
        .post(&format!("/v1/workflows/{wf}/versions"), json!({}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let (_, frames) = ask(&viewer, &format!("please run {wf} now"), "autopilot", None).await;
    let denied = actions(&frames)[0];
    assert_eq!(denied["action"], "run_workflow");
    assert_eq!(denied["result"]["status"], 403, "{denied}");
    let runs = api.get(&format!("/v1/workflows/{wf}/runs")).await;
    assert_eq!(
        runs.body["runs"].as_array().map(Vec::len),
        Some(0),
        "{:?}",
        runs.body
    );
    let mut expected = before.clone();
    expected.push("Owned".to_string());
    expected.sort();
    let mut now = workflow_names(&api).await;
    now.sort();
    assert_eq!(now, expected, "the viewer's Autopilot created nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaffolds_runs_and_replays_to_late_clients() {
    let (model, _) = model_server().await;
    let served = server(&model);
    let (api, _) = owner(served.base()).await;

    let (_, frames) = ask(
        &api,
        "use the starter expense-report-review",
        "autopilot",
        None,
    )
    .await;
    let scaffolded = actions(&frames)[0];
    assert_eq!(scaffolded["status"], "ok", "{scaffolded}");
    assert_eq!(
        scaffolded["result"]["template"], "expense-report-review",
        "{scaffolded}"
    );
    let wf = scaffolded["result"]["workflow_id"]
        .as_str()
        .expect("id")
        .to_string();
    let got = api.get(&format!("/v1/workflows/{wf}")).await;
    assert_eq!(got.body["status"], "draft", "{:?}", got.body);

    let (_, frames) = ask(&api, "use the starter no-such-thing", "autopilot", None).await;
    let unknown = actions(&frames)[0];
    assert_eq!(unknown["status"], "error");
    assert!(
        unknown["result"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("expense-report-review"),
        "{unknown}"
    );

    // A published workflow, run by the Autopilot.
    let r = api
        .post(
            "/v1/workflows",
            json!({"name": "Runnable", "graph": valid_graph()}),
        )
        .await;
    let runnable = r.body["id"].as_str().expect("wf").to_string();
    let r = api
        .post(&format!("/v1/workflows/{runnable}/versions"), json!({}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let (started, frames) = ask(
        &api,
        &format!("please run {runnable} now"),
        "autopilot",
        None,
    )
    .await;
    let ran = actions(&frames)[0];
    assert_eq!(ran["status"], "ok", "{ran}");
    assert_eq!(ran["result"]["workflow_id"], runnable.as_str());
    let run = ran["result"]["run_id"].as_str().expect("run id");
    let got = api
        .get(&format!("/v1/workflows/{runnable}/runs/{run}"))
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert!(ran["result"]["status"].is_string());

    // navigate: console paths only.
    let (_, went) = ask(&api, "go to /command-center", "ask", None).await;
    assert_eq!(
        actions(&went)[0]["result"],
        json!({"to": "/command-center"})
    );
    assert_eq!(actions(&went)[0]["status"], "ok");
    let (_, refused) = ask(&api, "go to https://evil.test/phish", "ask", None).await;
    assert_eq!(actions(&refused)[0]["status"], "error", "{refused:?}");
    assert_eq!(actions(&refused)[0]["result"]["status"], 400);

    // A client connecting after the turn ended gets the stored reply: its text, its
    // actions, done.
    let url = started["stream_url"].as_str().expect("url");
    let replayed = read_stream(&api, url).await;
    assert_eq!(
        events(&replayed),
        ["token", "action", "done"],
        "{replayed:?}"
    );
    assert_eq!(tokens(&replayed), tokens(&frames));
    assert_eq!(actions(&replayed)[0], ran);

    // Two clients of a live turn, one connecting late: both get every frame.
    let r = api
        .post(
            "/v1/autopilot/chat",
            json!({"message": "slowly say hi", "mode": "ask"}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let url = r.body["stream_url"].as_str().expect("url").to_string();
    let early = {
        let api = api.clone();
        let url = url.clone();
        tokio::spawn(async move { read_stream(&api, &url).await })
    };
    // While the turn runs, the thread takes no second message.
    let thread = r.body["thread_id"].as_str().expect("thread");
    let busy = api
        .post(
            "/v1/autopilot/chat",
            json!({"message": "again", "mode": "ask", "thread_id": thread}),
        )
        .await;
    assert_eq!(busy.status, 409, "{:?}", busy.body);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let late = read_stream(&api, &url).await;
    let early = early.await.expect("early client");
    assert_eq!(events(&early), events(&late));
    assert_eq!(tokens(&late), "Hello from Autopilot.");
    assert_eq!(events(&late).last(), Some(&"done"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_on_both_routes_is_refused_clearly() {
    let (model, _) = model_server().await;
    let served = server(&model);
    let (api, _) = owner(served.base()).await;
    let cases = [
        (json!({"message": "", "mode": "ask"}), 400),
        (json!({"message": "hi", "mode": "yolo"}), 422),
        (
            json!({"message": "x".repeat(16 * 1024 + 1), "mode": "ask"}),
            413,
        ),
        (
            json!({"message": "hi", "mode": "ask", "thread_id": "cth_nope"}),
            404,
        ),
        (json!({"message": "hi"}), 400),
        (json!({"message": "hi", "mode": "ask", "extra": 1}), 400),
    ];
    for (body, status) in cases {
        let r = api.post("/v1/autopilot/chat", body.clone()).await;
        assert_eq!(r.status, status, "{body}: {:?}", r.body);
        assert!(r.body["error"].is_string(), "{:?}", r.body);
    }
    // Without a project there is nowhere to make a thread.
    let r = api
        .without_project()
        .post(
            "/v1/autopilot/chat",
            json!({"message": "hi", "mode": "ask"}),
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);

    let (started, frames) = ask(&api, "hello", "ask", None).await;
    assert_eq!(events(&frames).last(), Some(&"done"), "{frames:?}");
    assert_eq!(tokens(&frames), "Hello from Autopilot.");
    let thread = started["thread_id"].as_str().expect("thread");
    let message = started["message_id"].as_str().expect("message");
    for (query, status) in [
        (format!("thread_id={thread}"), 400),
        (format!("message_id={message}"), 400),
        (format!("thread_id=cth_nope&message_id={message}"), 404),
        (format!("thread_id={thread}&message_id=cmsg_nope"), 404),
    ] {
        let r = api.get(&format!("/v1/autopilot/stream?{query}")).await;
        assert_eq!(r.status, status, "{query}: {:?}", r.body);
    }
    // Another user's autopilot thread answers like an unknown one, on both routes.
    let (other, _) = member(&api, "other@example.com", "admin").await;
    let r = other
        .post(
            "/v1/autopilot/chat",
            json!({"message": "hi", "mode": "ask", "thread_id": thread}),
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let r = other
        .get(&format!(
            "/v1/autopilot/stream?thread_id={thread}&message_id={message}"
        ))
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
}

/// Without a key for its model, the turn ends with an error that names what to fix; the
/// stored reply replays the same error, and the thread takes the next message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_model_key_the_stream_says_what_to_fix() {
    let (model, seen) = model_server().await;
    let served = serve(
        None,
        &[
            ("AR_OPENAI_BASE_URL", model.as_str()),
            ("AR_OPENAI_API_KEY", ""),
        ],
    );
    let (api, _) = owner(served.base()).await;
    let (started, frames) = ask(&api, "hello", "ask", None).await;
    assert_eq!(events(&frames), ["error"], "{frames:?}");
    let error = &frames[0].1;
    assert_eq!(error["code"], "AUTOPILOT_MODEL_UNAVAILABLE");
    let message = error["message"].as_str().unwrap_or_default();
    for named in [
        "AR_OPENAI_API_KEY",
        "/v1/llm-provider-keys",
        "AR_AUTOPILOT_MODEL_REF",
    ] {
        assert!(message.contains(named), "{named} not in {message}");
    }
    assert!(seen.all().is_empty(), "no model was called");
    let url = started["stream_url"].as_str().expect("url");
    let replayed = read_stream(&api, url).await;
    assert_eq!(replayed, frames);
    let thread = started["thread_id"].as_str().expect("thread");
    let (_, again) = ask(&api, "hello again", "ask", Some(thread)).await;
    assert_eq!(events(&again), ["error"]);
}

/// A server on `data` (kept across restarts) with the model server as `openai`.
fn serve_on(data: &std::path::Path, model: &str, extra: &[(&str, &str)]) -> serve_support::Server {
    let data_arg = data.display().to_string();
    let mut env = serve_support::base_env();
    env.extend(
        [
            ("AR_OPENAI_BASE_URL", model),
            ("AR_OPENAI_API_KEY", "sk-autopilot-test"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    serve_support::spawn(&["--listen", "127.0.0.1:0", "--data-dir", &data_arg], &env)
        .expect("serve starts")
}

/// A turn whose server dies: after the restart, the sweep fails it with
/// AUTOPILOT_INTERRUPTED (its row is no longer refreshed), a stream waiting on it gets
/// that error, and the thread takes a new message.
async fn interrupted_by_a_restart(extra: &[(&str, &str)]) {
    let (model, _) = model_server().await;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let first = serve_on(&data, &model, extra);
    let (api, _) = owner(&first.base).await;
    let r = api
        .post(
            "/v1/autopilot/chat",
            json!({"message": "hang on", "mode": "ask"}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let thread = r.body["thread_id"].as_str().expect("thread").to_string();
    let url = r.body["stream_url"].as_str().expect("url").to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill();

    let second = serve_on(&data, &model, extra);
    let api = Api {
        base: second.base.clone(),
        ..api
    };
    // Still running as far as the store knows: a new message waits its turn.
    let busy = api
        .post(
            "/v1/autopilot/chat",
            json!({"message": "hi", "mode": "ask", "thread_id": thread}),
        )
        .await;
    assert_eq!(busy.status, 409, "{:?}", busy.body);
    let began = std::time::Instant::now();
    let frames = read_stream(&api, &url).await;
    assert_eq!(events(&frames), ["error"], "{frames:?}");
    assert_eq!(frames[0].1["code"], "AUTOPILOT_INTERRUPTED");
    assert!(
        frames[0].1["message"]
            .as_str()
            .unwrap_or_default()
            .contains("send the message again"),
        "{frames:?}"
    );
    // Not before the turn went 30 s without a refresh (the sweep runs every 10 s).
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "{:?}",
        began.elapsed()
    );
    let (_, frames) = ask(&api, "hello after the restart", "ask", Some(&thread)).await;
    assert_eq!(tokens(&frames), "Hello from Autopilot.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_lost_to_a_restart_is_failed_as_interrupted() {
    interrupted_by_a_restart(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_lost_to_a_restart_is_failed_as_interrupted_on_postgres() {
    let schema = format!("serve_autopilot_{}", uuid::Uuid::now_v7().simple());
    interrupted_by_a_restart(&[
        ("AR_DATABASE_URL", serve_support::PG_URL),
        ("AR_DATABASE_SCHEMA", &schema),
        // A Postgres node generates no master key; the restarted one must use the same.
        (
            "AR_MASTER_KEY",
            "YXV0b3BpbG90LXRlc3QtbWFzdGVyLWtleS0zMmJ5dGU=",
        ),
    ])
    .await;
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

/// A graph still invalid after `max_repairs` is kept as a draft, with `valid: false` and
/// its issues; the writer was asked `max_repairs + 1` times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_never_repaired_is_kept_as_an_invalid_draft() {
    let (model, seen) = model_server().await;
    let served = serve(
        None,
        &[
            ("AR_OPENAI_BASE_URL", model.as_str()),
            ("AR_OPENAI_API_KEY", "sk-autopilot-test"),
            ("AR_AUTOPILOT_MAX_REPAIRS", "2"),
        ],
    );
    let (api, _) = owner(served.base()).await;
    let (_, frames) = ask(&api, "a hopeless one", "autopilot", None).await;
    let kept = actions(&frames)[0];
    assert_eq!(kept["status"], "ok", "{kept}");
    assert_eq!(kept["result"]["valid"], false);
    assert_eq!(kept["result"]["attempts"], 3);
    assert!(
        !kept["result"]["issues"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{kept}"
    );
    assert_eq!(seen.writer().len(), 3);
    let wf = kept["result"]["workflow_id"].as_str().expect("id");
    let got = api.get(&format!("/v1/workflows/{wf}")).await;
    assert_eq!(got.body["status"], "draft", "{:?}", got.body);
    let check = api
        .post(&format!("/v1/workflows/{wf}/validate"), json!({}))
        .await;
    assert_eq!(check.body["valid"], false);
}

/// Billing on: a turn needs credits like a run start (422 `INSUFFICIENT_CREDITS` before
/// any model call), and its model calls are charged at the `llm.tokens_*` prices under
/// the turn's id, once per call (docs/billing.md "What is charged").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turns_need_credits_and_their_tokens_are_charged() {
    let (model, seen) = model_server().await;
    let served = serve(
        None,
        &[
            ("AR_OPENAI_BASE_URL", model.as_str()),
            ("AR_OPENAI_API_KEY", "sk-autopilot-test"),
            ("AR_AUTOPILOT_MODEL_REF", "direct.openai.gpt-4o-mini"),
            ("AR_BILLING_ENABLED", "true"),
            ("AR_BILLING_PRICES", "llm.tokens_in=2,llm.tokens_out=8"),
        ],
    );
    let (api, _) = owner(served.base()).await;
    let r = api
        .post(
            "/v1/autopilot/chat",
            json!({"message": "hello", "mode": "ask"}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["code"], "INSUFFICIENT_CREDITS");
    assert!(seen.all().is_empty(), "no model was called");

    let r = api
        .post("/v1/billing/credits/grant", json!({"microcredits": 1000}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let (started, frames) = ask(&api, "hello", "ask", None).await;
    assert_eq!(events(&frames).last(), Some(&"done"), "{frames:?}");
    // One streamed round: 11 tokens in at 2, 7 out at 8.
    let usage = api.get("/v1/billing/usage").await;
    assert_eq!(
        usage.body["total_remaining_microcredits"],
        1000 - (11 * 2 + 7 * 8),
        "{:?}",
        usage.body
    );
    let history = api.get("/v1/billing/usage-history").await;
    // The turn's id is the `message_id` the stream is opened with.
    let turn = started["message_id"].as_str().expect("message id");
    let entries = history.body["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions.len(), 2, "{entries:?}");
    assert!(
        actions.contains(&"llm.tokens_in") && actions.contains(&"llm.tokens_out"),
        "{actions:?}"
    );
    assert!(
        entries.iter().all(|e| e["run_id"] == turn),
        "debits keyed by the turn: {entries:?}"
    );
}
