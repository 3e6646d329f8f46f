//! Project agents and `agent_call` against the real `agentruntime serve` (docs/contract.md
//! §13, docs/agents.md): a scripted OpenAI-compatible model server (the real wire format,
//! in this process) drives the turn; the tools are real MCP servers — server-everything
//! (npm, over stdio from the operator's catalog) and the Python fixture server, whose
//! `hold` tool leaves one marker file per call, so tool calls can be counted across a
//! crash.
//!
//! Needs the MCP fixtures: `eval "$(scripts/mcp-fixtures.sh)"` from the repository root.

mod agents_support;
mod ops_support;
mod serve_support;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use agents_support::{
    Script, create_agent, drop_schema, hold_calls, model_server, serve, serve_with,
};
use ops_support::{mcp_fixture, publish, wait_run};
use serve_support::{Client, owner_pat};

async fn start(client: &Client, workflow: &str) -> String {
    let r = client
        .send(
            Method::POST,
            &format!("/v1/workflows/{workflow}/command"),
            None,
            Some(json!({"command": "start", "params": {}})),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    r.body["run_id"].as_str().expect("run_id").to_owned()
}

fn is_terminal(run: &Value) -> bool {
    matches!(
        run["status"].as_str(),
        Some("completed" | "failed" | "stopped")
    )
}

/// The `ask` step's result and the run's events, once the run ended.
async fn finished(client: &Client, workflow: &str, run: &str) -> (Value, Vec<Value>) {
    let done = wait_run(client, workflow, run, Duration::from_secs(120), is_terminal).await;
    let context = client
        .get(&format!("/v1/workflows/{workflow}/runs/{run}/context"))
        .await;
    assert_eq!(done["status"], "completed", "{done}\n{}", context.body);
    let events = client
        .get(&format!(
            "/v1/workflows/{workflow}/runs/{run}/events?limit=1000"
        ))
        .await;
    let events = events.body["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (context.body["steps"]["ask"]["result"].clone(), events)
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event_type"] == kind).collect()
}

/// The event types of `step_id`, in log order.
fn kinds_of<'a>(events: &'a [Value], step_id: &str) -> Vec<&'a str> {
    events
        .iter()
        .filter(|e| e["step_id"] == step_id)
        .filter_map(|e| e["event_type"].as_str())
        .collect()
}

fn agent_graph(agent: &str) -> Value {
    json!({"steps": [{"id": "ask", "type": "agent_call", "agent_id": agent,
                      "prompt": "What does the echo tool say?", "timeout_s": 120}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_calls_a_real_mcp_tool_and_answers_with_its_result() {
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
    let workflow = publish(&client, &project, "agent", agent_graph(&agent)).await;
    let run = start(&client, &workflow).await;
    let (result, events) = finished(&client, &workflow, &run).await;

    assert_eq!(result["stopped_reason"], "final_answer", "{result}");
    assert_eq!(result["turns"], 2, "{result}");
    let text = result["text"].as_str().expect("text");
    assert!(text.contains("Echo: agents are durable"), "{result}");
    assert_eq!(
        result["tool_calls"],
        json!([{"round": 1, "tool": "echo", "instance_id": null, "ok": true}])
    );
    assert_eq!(result["usage"], json!({"tokens_in": 30, "tokens_out": 8}));
    // The model got the tool's real answer back as a `tool` message.
    let requests = seen.all();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests[1][0].contains("Echo: agents are durable"),
        "{requests:?}"
    );

    // The step's own start comes first, its agent events follow (docs/contract.md §7).
    assert_eq!(
        kinds_of(&events, "ask"),
        [
            "step_started",
            "agent_turn_started",
            "agent_tool_round",
            "agent_turn_completed",
            "step_completed"
        ],
        "{events:?}"
    );
    let started = of_type(&events, "agent_turn_started");
    assert_eq!(started.len(), 1, "{events:?}");
    assert_eq!(started[0]["data"], json!({"agent_id": agent}));
    assert_eq!(started[0]["step_id"], "ask");
    let rounds = of_type(&events, "agent_tool_round");
    assert_eq!(rounds.len(), 1, "{events:?}");
    assert_eq!(
        rounds[0]["data"],
        json!({"round": 1, "tool": "echo", "ok": true})
    );
    let completed = of_type(&events, "agent_turn_completed");
    assert_eq!(
        completed[0]["data"],
        json!({"turns": 2, "stopped_reason": "final_answer"})
    );

    // Metered like llm_call (docs/contract.md §14): tokens and the tool call.
    let usage = client
        .send(
            Method::GET,
            "/v1/billing/usage-dimensions",
            Some(&project),
            None,
        )
        .await;
    assert_eq!(usage.status, 200, "{}", usage.body);
    let quantity = |kind: &str| {
        usage.body["dimensions"]
            .as_array()
            .and_then(|u| u.iter().find(|x| x["action"] == kind))
            .map(|x| x["quantity"].clone())
    };
    assert_eq!(quantity("llm.tokens_in"), Some(json!(30)), "{}", usage.body);
    assert_eq!(quantity("llm.tokens_out"), Some(json!(8)), "{}", usage.body);
    assert_eq!(quantity("mcp.call"), Some(json!(1)), "{}", usage.body);
    server.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_turns_stops_a_model_that_always_calls_tools() {
    let (model, seen) = model_server(Script::AlwaysTools, None).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve(dir.path(), &model);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let agent = create_agent(
        &client,
        &project,
        json!({"name": "looper", "model": "gpt-4o-mini", "max_turns": 3,
               "tools": [{"server_url": "stdio:everything", "tool_names": ["echo"]}]}),
    )
    .await;
    let workflow = publish(&client, &project, "looping agent", agent_graph(&agent)).await;
    let run = start(&client, &workflow).await;
    let (result, events) = finished(&client, &workflow, &run).await;

    assert_eq!(result["stopped_reason"], "max_turns", "{result}");
    assert_eq!(result["turns"], 3, "{result}");
    assert_eq!(
        result["tool_calls"].as_array().map(Vec::len),
        Some(3),
        "{result}"
    );
    // Three model calls, no fourth after the last round.
    assert_eq!(seen.all().len(), 3, "{:?}", seen.all());
    assert_eq!(of_type(&events, "agent_tool_round").len(), 3, "{events:?}");
    assert_eq!(
        of_type(&events, "agent_turn_completed")[0]["data"],
        json!({"turns": 3, "stopped_reason": "max_turns"})
    );
    server.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_killed_between_rounds_resumes_after_its_stored_rounds() {
    killed_between_rounds(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_killed_between_rounds_resumes_after_its_stored_rounds_on_postgres() {
    let schema = format!("serve_agents_{}", uuid::Uuid::now_v7().simple());
    // A short lease: the restarted node takes the dead one's work over once it expires.
    killed_between_rounds(&[
        ("AR_DATABASE_URL", serve_support::PG_URL),
        ("AR_DATABASE_SCHEMA", &schema),
        ("AR_LEASE_MS", "1000"),
        // A Postgres node generates no master key; the restarted one must use the same.
        (
            "AR_MASTER_KEY",
            "YWdlbnRzLXRlc3QtbWFzdGVyLWtleS0zMi1ieXRlcyE=",
        ),
    ])
    .await;
    drop_schema(&schema).await;
}

/// Two tool rounds, SIGKILL while the model holds its third answer, a restart on the
/// same database: the turn resumes after the stored rounds.
async fn killed_between_rounds(extra: &[(&str, &str)]) {
    // One crash test at a time: each runs two servers, a Python MCP server and a kill.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    let fixture = mcp_fixture();
    let holds = tempfile::tempdir().expect("hold dir");
    // `hold` returns at once when `release` exists; each call still leaves its marker.
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
    let workflow = publish(&client, &project, "durable agent", agent_graph(&agent)).await;
    let run = start(&client, &workflow).await;

    // Wait until the model holds its third answer: two rounds are done (and stored).
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while seen.all().iter().filter(|r| r.len() == 2).count() == 0 {
        if std::time::Instant::now() > deadline {
            let context = client
                .get(&format!("/v1/workflows/{workflow}/runs/{run}/context"))
                .await;
            panic!("the model saw {:?}; the run: {}", seen.all(), context.body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        hold_calls(holds.path()),
        2,
        "two tool calls before the crash"
    );
    let killed = server.kill();
    assert!(!killed.status.success(), "{killed:?}");

    // A new process on the same data directory picks the step up again.
    let server = serve_with(dir.path(), &model, extra);
    let client = Client::with_pat(&server.base, &pat);
    let (result, events) = finished(&client, &workflow, &run).await;
    assert_eq!(result["stopped_reason"], "final_answer", "{result}");
    assert_eq!(result["text"], "resumed after two rounds", "{result}");
    assert_eq!(result["turns"], 3, "{result}");
    assert_eq!(
        result["tool_calls"].as_array().map(Vec::len),
        Some(2),
        "{result}"
    );
    // No tool of a stored round ran again ...
    assert_eq!(hold_calls(holds.path()), 2, "a tool call was repeated");
    // ... and the model was never asked from the start again: every request after the
    // crash carried both stored rounds' results.
    let requests = seen.all();
    let lengths: Vec<usize> = requests.iter().map(Vec::len).collect();
    assert_eq!(lengths, vec![0, 1, 2, 2], "{requests:?}");
    // The rounds' events were written once each, before the crash.
    assert_eq!(of_type(&events, "agent_tool_round").len(), 2, "{events:?}");
    server.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_refuse_hostile_input_other_tenants_ids_and_viewer_writes() {
    let (model, _) = model_server(Script::EchoThenAnswer, None).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve(dir.path(), &model);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let agent = create_agent(
        &client,
        &project,
        json!({"name": "mine", "model": "gpt-4o-mini"}),
    )
    .await;
    let post = |body: Value| {
        let client = &client;
        let project = project.clone();
        async move {
            client
                .send(Method::POST, "/v1/agents", Some(&project), Some(body))
                .await
        }
    };
    // Hostile and malformed bodies: 400 naming the field and the limit.
    for (body, says) in [
        (
            json!({"name": "a", "model": "m", "max_turns": 0}),
            "between 1 and 50",
        ),
        (
            json!({"name": "a", "model": "m", "max_turns": 51}),
            "between 1 and 50",
        ),
        (
            json!({"name": "a", "model": "m", "instructions": "x".repeat(70_000)}),
            "instructions",
        ),
        (
            json!({"name": "a", "model": "m", "surprise": 1}),
            "unknown field",
        ),
        (json!({"name": "a"}), "exactly one of `model`"),
        (
            json!({"name": "a", "model": "m", "tools": [{"tool_names": ["echo"]}]}),
            "exactly one of `instance_id`",
        ),
        (
            json!({"name": "a", "model": "m", "tools": [{"instance_id": "nope", "tool_names": ["echo"]}]}),
            "does not exist",
        ),
        (
            json!({"name": "a", "model": "m", "workflows_as_tools": ["nope"]}),
            "does not exist",
        ),
        (
            json!({"name": "a", "model": "m", "max_turns": -1}),
            "invalid request body",
        ),
    ] {
        let r = post(body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        let error = r.body["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{body}: {error}");
    }
    // (A body beyond the server's request limit is a 413 on every route, /v1/agents
    // included: ar-server's tests/bad_input.rs, in process. Over a real socket the server
    // may close before the client has written 20 MiB, so the answer can be a reset.)

    // Named from another project, the agent is not found, whatever the route (other
    // workspaces: tests/tenant_isolation in ar-server).
    let other = client
        .send(
            Method::POST,
            "/v1/projects",
            None,
            Some(json!({"name": "Other"})),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.body);
    let other = other.body["id"].as_str().expect("project id").to_owned();
    let path = format!("/v1/agents/{agent}");
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"name": "taken"}))),
        (Method::DELETE, None),
    ] {
        let r = client.send(method.clone(), &path, Some(&other), body).await;
        assert_eq!(r.status, 404, "{method} from another project: {}", r.body);
        assert_eq!(r.body["error"], "agent not found");
    }
    let unknown = format!("/v1/agents/{}", uuid::Uuid::now_v7());
    let r = client.get(&unknown).await;
    assert_eq!(
        (r.status, r.body["error"].clone()),
        (404, json!("agent not found"))
    );
    assert_eq!(client.get(&path).await.body["name"], "mine", "unchanged");
    // The other project's agent list does not show it.
    let listed = client
        .send(Method::GET, "/v1/agents", Some(&other), None)
        .await;
    assert_eq!(listed.body["agents"], json!([]), "{}", listed.body);

    // A viewer's token (read scope only) reads but cannot write.
    let viewer = client
        .send(
            Method::POST,
            "/v1/pats",
            None,
            Some(json!({"name": "viewer", "scopes": ["workflow:read"]})),
        )
        .await;
    assert_eq!(viewer.status, 201, "{}", viewer.body);
    let viewer = Client::with_pat(&server.base, viewer.body["token"].as_str().expect("token"));
    assert_eq!(viewer.get(&path).await.status, 200);
    let write = viewer
        .send(
            Method::PATCH,
            &path,
            None,
            Some(json!({"name": "viewer was here"})),
        )
        .await;
    assert_eq!(write.status, 403, "{}", write.body);
    let create = viewer
        .send(
            Method::POST,
            "/v1/agents",
            Some(&project),
            Some(json!({"name": "v", "model": "m"})),
        )
        .await;
    assert_eq!(create.status, 403, "{}", create.body);
    // A revoked token is refused.
    let pats = client.get("/v1/pats").await;
    let viewer_id = pats.body["pats"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "viewer"))
        .and_then(|p| p["id"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("the viewer token in {}", pats.body));
    let revoked = client
        .send(Method::DELETE, &format!("/v1/pats/{viewer_id}"), None, None)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    assert_eq!(viewer.get(&path).await.status, 401);

    // The owner's changes and deletion work, and a deleted agent is gone.
    let changed = client
        .send(
            Method::PATCH,
            &path,
            None,
            Some(json!({"max_turns": 12, "model_ref": "direct.openai.gpt-4o"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["max_turns"], 12);
    assert_eq!(changed.body["model"], Value::Null);
    assert_eq!(changed.body["model_ref"], "direct.openai.gpt-4o");
    let listed = client
        .send(Method::GET, "/v1/agents", Some(&project), None)
        .await;
    assert_eq!(
        listed.body["agents"].as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.body
    );
    let deleted = client.send(Method::DELETE, &path, None, None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(client.get(&path).await.status, 404);
    server.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_reports_an_agent_call_whose_agent_is_not_in_the_project() {
    let (model, _) = model_server(Script::EchoThenAnswer, None).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve(dir.path(), &model);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let agent = create_agent(
        &client,
        &project,
        json!({"name": "known", "model": "gpt-4o-mini"}),
    )
    .await;
    let created = client
        .send(
            Method::POST,
            "/v1/workflows",
            Some(&project),
            Some(json!({"name": "dry", "graph": agent_graph("no-such-agent")})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let workflow = created.body["id"].as_str().expect("id").to_owned();
    let validate = |graph: Value| {
        let client = &client;
        let workflow = workflow.clone();
        async move {
            client
                .send(
                    Method::POST,
                    &format!("/v1/workflows/{workflow}/validate"),
                    None,
                    Some(json!({"graph": graph})),
                )
                .await
        }
    };
    let unknown = validate(agent_graph("no-such-agent")).await;
    assert_eq!(unknown.status, 200, "{}", unknown.body);
    assert_eq!(unknown.body["valid"], false, "{}", unknown.body);
    let issue = unknown.body["issues"]
        .as_array()
        .and_then(|i| i.iter().find(|i| i["code"] == "agent_unresolved"))
        .unwrap_or_else(|| panic!("agent_unresolved in {}", unknown.body));
    assert_eq!(issue["json_path"], "$.steps[0].agent_id");
    // A known agent whose provider has a key (the operator's): nothing to report.
    let known = validate(agent_graph(&agent)).await;
    assert_eq!(known.body["valid"], true, "{}", known.body);
    assert_eq!(known.body["readiness"], "ready", "{}", known.body);
    server.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_loop_item_takes_its_own_turn() {
    let (model, seen) = model_server(Script::EchoThenAnswer, None).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve(dir.path(), &model);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let agent = create_agent(
        &client,
        &project,
        json!({"name": "looped", "model": "gpt-4o-mini",
               "tools": [{"server_url": "stdio:everything", "tool_names": ["echo"]}]}),
    )
    .await;
    let graph = json!({"steps": [{"id": "each", "type": "for_each",
        "for_each_items": "{{ input.questions }}", "for_each_max_parallel": 2,
        "for_each_body_steps": [{"id": "ask", "type": "agent_call", "agent_id": agent,
                                 "prompt": "{{ item }}"}]}]});
    let workflow = publish(&client, &project, "agent loop", graph).await;
    let r = client
        .send(
            Method::POST,
            &format!("/v1/workflows/{workflow}/command"),
            None,
            Some(json!({"command": "start", "params": {"trigger_payload": {"questions": ["a", "b"]}}})),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    let run = r.body["run_id"].as_str().expect("run_id").to_owned();
    let done = wait_run(
        &client,
        &workflow,
        &run,
        Duration::from_secs(120),
        is_terminal,
    )
    .await;
    let context = client
        .get(&format!("/v1/workflows/{workflow}/runs/{run}/context"))
        .await;
    assert_eq!(done["status"], "completed", "{done}\n{}", context.body);
    let results = context.body["steps"]["each"]["result"]["results"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("results in {}", context.body));
    assert_eq!(results.len(), 2, "{results:?}");
    for item in &results {
        assert!(
            item.to_string().contains("Echo: agents are durable"),
            "{item}"
        );
    }
    // Two separate turns: each item started without rounds (its own stored rounds).
    let lengths: Vec<usize> = seen.all().iter().map(Vec::len).collect();
    assert_eq!(
        lengths.iter().filter(|n| **n == 0).count(),
        2,
        "{lengths:?}"
    );
    assert_eq!(lengths.len(), 4, "{lengths:?}");
    let events = client
        .get(&format!(
            "/v1/workflows/{workflow}/runs/{run}/events?limit=1000"
        ))
        .await;
    let events = events.body["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let started = of_type(&events, "agent_turn_started");
    assert_eq!(started.len(), 2, "{events:?}");
    assert!(
        started.iter().all(|e| e["step_id"] == "each#body#ask"),
        "{started:?}"
    );
    // An inner agent step's start is written before its agent reports, not with the
    // item's outcome (docs/contract.md §7).
    let inner = kinds_of(&events, "each#body#ask");
    assert_eq!(inner.first(), Some(&"step_started"), "{inner:?}");
    assert_eq!(
        inner.iter().filter(|k| **k == "step_started").count(),
        2,
        "{inner:?}"
    );
    server.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_budget_ends_the_turn_and_an_unoffered_tool_fails_the_step() {
    let (model, seen) = model_server(Script::AlwaysTools, None).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve(dir.path(), &model);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    // Each scripted answer costs 13 tokens: the second one spends a budget of 20.
    let budgeted = create_agent(
        &client,
        &project,
        json!({"name": "budgeted", "model": "gpt-4o-mini", "token_budget": 20,
               "tools": [{"server_url": "stdio:everything", "tool_names": ["echo"]}]}),
    )
    .await;
    let workflow = publish(&client, &project, "budget", agent_graph(&budgeted)).await;
    let run = start(&client, &workflow).await;
    let (result, _) = finished(&client, &workflow, &run).await;
    assert_eq!(result["stopped_reason"], "token_budget", "{result}");
    assert_eq!(
        result["usage"],
        json!({"tokens_in": 20, "tokens_out": 6}),
        "{result}"
    );
    assert_eq!(seen.all().len(), 2, "{:?}", seen.all());

    // A tool the server does not offer: the step fails saying which tools exist.
    let wrong = create_agent(
        &client,
        &project,
        json!({"name": "wrong tool", "model": "gpt-4o-mini",
               "tools": [{"server_url": "stdio:everything", "tool_names": ["no_such_tool"]}]}),
    )
    .await;
    let workflow = publish(&client, &project, "wrong tool", agent_graph(&wrong)).await;
    let run = start(&client, &workflow).await;
    let done = wait_run(
        &client,
        &workflow,
        &run,
        Duration::from_secs(120),
        is_terminal,
    )
    .await;
    assert_eq!(done["status"], "failed", "{done}");
    let context = client
        .get(&format!("/v1/workflows/{workflow}/runs/{run}/context"))
        .await;
    let step = &context.body["steps"]["ask"];
    assert_eq!(step["failure_code"], "AGENT_INVALID", "{step}");
    let error = step["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("no_such_tool") && error.contains("echo"),
        "{error}"
    );
    assert_eq!(
        seen.all().len(),
        2,
        "no model call for a misconfigured agent"
    );
    server.terminate();
}

/// docs/agents.md "Workflows as tools": the model sees each of `workflows_as_tools` as a
/// tool with its published `input_schema`; calling one runs the workflow as a child run
/// (client run id = the call's stable key) and hands the model its output; a workflow
/// never published or archived since answers an error the model reads; an archived one
/// is refused at definition time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_runs_a_workflow_tool_and_reads_its_output() {
    workflow_tool_turn(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_runs_a_workflow_tool_and_reads_its_output_on_postgres() {
    let schema = format!("serve_agents_{}", uuid::Uuid::now_v7().simple());
    workflow_tool_turn(&[
        ("AR_DATABASE_URL", serve_support::PG_URL),
        ("AR_DATABASE_SCHEMA", &schema),
        (
            "AR_MASTER_KEY",
            "YWdlbnRzLXRlc3QtbWFzdGVyLWtleS0zMi1ieXRlcyE=",
        ),
    ])
    .await;
    drop_schema(&schema).await;
}

async fn workflow_tool_turn(extra: &[(&str, &str)]) {
    let (model, seen) = model_server(Script::WorkflowTools, None).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve_with(dir.path(), &model, extra);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let schema = json!({"type": "object", "properties": {"text": {"type": "string"}},
                        "required": ["text"]});
    let shout = publish(
        &client,
        &project,
        "Shout",
        json!({"input_schema": schema, "steps": [{"id": "up", "type": "lua_script",
               "script": "return {shouted = string.upper(input.text)}"}]}),
    )
    .await;
    let draft = client
        .send(
            Method::POST,
            "/v1/workflows",
            Some(&project),
            Some(json!({"name": "Draft", "graph": {"steps": [
                {"id": "a", "type": "lua_script", "script": "return {}"}]}})),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    let draft = draft.body["id"].as_str().expect("id").to_owned();
    let gone = publish(
        &client,
        &project,
        "Gone",
        json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {}"}]}),
    )
    .await;
    let agent = create_agent(
        &client,
        &project,
        json!({"name": "caller", "model_ref": "direct.openai.gpt-4o-mini",
               "workflows_as_tools": [shout, draft, gone]}),
    )
    .await;
    let archived = client
        .send(Method::DELETE, &format!("/v1/workflows/{gone}"), None, None)
        .await;
    assert!(archived.status < 300, "{}", archived.body);
    // An archived workflow is refused when an agent is saved.
    let refused = client
        .send(
            Method::POST,
            "/v1/agents",
            Some(&project),
            Some(json!({"name": "late", "model": "m", "workflows_as_tools": [gone]})),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body["error"]
            .to_string()
            .contains("workflows_as_tools"),
        "{}",
        refused.body
    );

    let parent = publish(&client, &project, "parent", agent_graph(&agent)).await;
    let run = start(&client, &parent).await;
    let (result, _) = finished(&client, &parent, &run).await;
    assert_eq!(result["stopped_reason"], "final_answer", "{result}");
    assert_eq!(result["turns"], 4, "{result}");
    let oks: Vec<&Value> = result["tool_calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|c| &c["ok"])
        .collect();
    assert_eq!(
        oks,
        [&json!(true), &json!(false), &json!(false)],
        "{result}"
    );
    assert_eq!(
        result["tool_calls"][0]["workflow_id"],
        json!(shout),
        "{result}"
    );
    assert_eq!(
        result["tool_calls"][1]["workflow_id"],
        json!(draft),
        "{result}"
    );

    // The model's first request lists the three workflow tools with their schemas.
    let bodies = seen.bodies();
    assert_eq!(bodies.len(), 4, "{bodies:?}");
    let tools = bodies[0]["tools"].as_array().expect("tools");
    let tool = |name: &str| {
        tools
            .iter()
            .find(|t| t["function"]["name"] == name)
            .unwrap_or_else(|| panic!("no tool {name} in {tools:?}"))
            .clone()
    };
    assert_eq!(tool("workflow_Shout")["function"]["parameters"], schema);
    assert_eq!(
        tool("workflow_Draft")["function"]["parameters"],
        json!({"type": "object"})
    );
    tool("workflow_Gone");

    // The child run exists, completed, under the call's stable key.
    let runs = client.get(&format!("/v1/workflows/{shout}/runs")).await;
    let runs = runs.body["runs"].as_array().expect("runs").clone();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "completed", "{runs:?}");
    let child = runs[0]["run_id"].as_str().expect("run id");
    assert_eq!(
        runs[0]["client_run_id"],
        json!(format!("{run}:ask#agent/1/0")),
        "{runs:?}"
    );

    // What the model received back: the child's output, then readable refusals.
    let results = agents_support::tool_results(&bodies[3]);
    assert_eq!(results.len(), 3, "{results:?}");
    let answer: Value = serde_json::from_str(&results[0]).expect("json answer");
    assert_eq!(
        answer,
        json!({"run_id": child, "status": "completed",
               "output": {"up": {"shouted": "HI"}}})
    );
    assert!(results[1].contains("no published version"), "{results:?}");
    assert!(results[2].contains("archived"), "{results:?}");
    assert!(
        result["text"].as_str().expect("text").contains("HI"),
        "{result}"
    );
}

/// A crash while a workflow tool's child run is still going: the restarted node re-makes
/// the round in flight, and its workflow call — same stable key, same client run id —
/// finds the child run the first attempt started instead of starting a second one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_call_made_again_after_a_crash_finds_its_child_run() {
    let fixture = mcp_fixture();
    let holds = tempfile::tempdir().expect("hold dir");
    let (model, seen) = model_server(Script::HeldWorkflowThenAnswer, None).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve(dir.path(), &model);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    // The child run's one step blocks in `hold` until `release` exists.
    let held = publish(
        &client,
        &project,
        "Held",
        json!({"steps": [{"id": "hold", "type": "mcp_call", "server_url": fixture.url,
               "tool_name": "hold",
               "tool_args": {"directory": holds.path().display().to_string()}}]}),
    )
    .await;
    let agent = create_agent(
        &client,
        &project,
        json!({"name": "waiter", "model": "gpt-4o-mini", "workflows_as_tools": [held]}),
    )
    .await;
    let parent = publish(&client, &project, "parent", agent_graph(&agent)).await;
    let run = start(&client, &parent).await;

    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while hold_calls(holds.path()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the child run never reached `hold`"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let killed = server.kill();
    assert!(!killed.status.success(), "{killed:?}");

    let server = serve(dir.path(), &model);
    let client = Client::with_pat(&server.base, &pat);
    std::fs::write(holds.path().join("release"), "go").expect("release");
    let (result, _) = finished(&client, &parent, &run).await;
    assert_eq!(result["stopped_reason"], "final_answer", "{result}");
    let runs = client.get(&format!("/v1/workflows/{held}/runs")).await;
    let runs = runs.body["runs"].as_array().expect("runs").clone();
    assert_eq!(runs.len(), 1, "one child run across the crash: {runs:?}");
    assert_eq!(runs[0]["status"], "completed", "{runs:?}");
    // The model's first request was made twice (before and after the crash); its
    // answer carries the one child run's id.
    assert_eq!(seen.all().iter().filter(|r| r.is_empty()).count(), 2);
    let answer: Value =
        serde_json::from_str(result["text"].as_str().expect("text")).expect("the child's answer");
    assert_eq!(answer["run_id"], runs[0]["run_id"], "{answer}");
    assert_eq!(answer["status"], "completed", "{answer}");
    server.terminate();
}

/// A workflow that calls itself through its agent ends: each level's call waits in one of
/// the node's waiting slots (half its 16 workers), the call beyond them is answered
/// "busy", and the chain unwinds — no deadlock, every run completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_calling_itself_through_its_agent_ends_at_the_waiting_bound() {
    let (model, seen) = model_server(Script::RecurseUntilBusy, None).await;
    let dir = tempfile::tempdir().expect("dir");
    let server = serve(dir.path(), &model);
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let created = client
        .send(
            Method::POST,
            "/v1/workflows",
            Some(&project),
            Some(json!({"name": "Again", "graph": {"steps": [
                {"id": "a", "type": "lua_script", "script": "return {}"}]}})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let again = created.body["id"].as_str().expect("id").to_owned();
    let agent = create_agent(
        &client,
        &project,
        json!({"name": "recursive", "model": "gpt-4o-mini", "workflows_as_tools": [again]}),
    )
    .await;
    let patched = client
        .send(
            Method::PATCH,
            &format!("/v1/workflows/{again}"),
            None,
            Some(json!({"graph": agent_graph(&agent)})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let published = client
        .send(
            Method::POST,
            &format!("/v1/workflows/{again}/versions"),
            None,
            Some(json!({"changelog": "calls itself"})),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.body);
    let run = start(&client, &again).await;
    let (result, _) = finished(&client, &again, &run).await;
    assert_eq!(result["stopped_reason"], "final_answer", "{result}");

    // The top run and 8 waiting levels below it; the 9th level's call was answered busy.
    let runs = client
        .get(&format!("/v1/workflows/{again}/runs?limit=100"))
        .await;
    let runs = runs.body["runs"].as_array().expect("runs").clone();
    assert_eq!(runs.len(), 9, "{runs:?}");
    assert!(runs.iter().all(|r| r["status"] == "completed"), "{runs:?}");
    let busy = seen
        .all()
        .iter()
        .filter(|results| results.first().is_some_and(|r| r.starts_with("busy")))
        .count();
    assert_eq!(busy, 1, "{:?}", seen.all());
    server.terminate();
}
