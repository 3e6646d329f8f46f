//! Runs, commands, human tasks, events, context and retry over `/v1` (docs/contract.md §6, §7, §9),
//! through a real listener. Every test runs on SQLite and on Postgres.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// prep (Lua) → approve (human task) → after (Lua reading the approval).
fn approval_graph() -> Value {
    json!({"steps": [
        {"id": "prep", "type": "lua_script", "script": "return { greeting = 'hi ' .. input.name }"},
        {"id": "approve", "type": "human_task", "depends_on": ["prep"], "task_type": "approval",
         "task_payload": {"question": "{{steps.prep.result.greeting}}"}},
        {"id": "after", "type": "lua_script", "depends_on": ["approve"],
         "script": "return { approved = steps.approve.result.approved, note = steps.approve.result.note }"}
    ]})
}

/// One human task and nothing else: a run that waits until told otherwise.
fn waiting_graph() -> Value {
    json!({"steps": [{"id": "wait", "type": "human_task", "task_payload": {}}]})
}

struct Fixture {
    s: TestServer,
    ws: Workspace,
    wf: String,
}

async fn fixture(backend: Backend, graph: Value) -> Fixture {
    let s = start(backend).await;
    let ws = workspace(&s, "acme").await;
    let wf = published_workflow(&s, &ws, json!({"name": "wf", "graph": graph})).await;
    Fixture { s, ws, wf }
}

impl Fixture {
    async fn post(&self, path: &str, body: Value) -> Reply {
        self.s
            .call(Method::POST, path)
            .auth(&self.ws.owner)
            .tenant(&self.ws.slug)
            .json(body)
            .send()
            .await
    }
    async fn get(&self, path: &str) -> Reply {
        self.s
            .call(Method::GET, path)
            .auth(&self.ws.owner)
            .tenant(&self.ws.slug)
            .send()
            .await
    }
    async fn command(&self, command: &str, params: Value) -> Reply {
        let path = format!("/v1/workflows/{}/command", self.wf);
        self.post(&path, json!({"command": command, "params": params}))
            .await
    }
    /// Starts a run and returns its id.
    async fn start_run(&self, params: Value) -> String {
        let r = self.command("start", params).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["run_id"].as_str().expect("run id").to_string()
    }
    fn run_path(&self, run: &str, tail: &str) -> String {
        format!("/v1/workflows/{}/runs/{run}{tail}", self.wf)
    }
    async fn wait_status(&self, run: &str, status: &str) -> Value {
        let path = self.run_path(run, "/summary");
        poll_until(&self.s, &self.ws.owner, &self.ws.slug, &path, |b| {
            b["status"] == status
        })
        .await
    }
    async fn wait_task(&self, run: &str) -> Value {
        let path = self.run_path(run, "/tasks/pending");
        poll_until(&self.s, &self.ws.owner, &self.ws.slug, &path, |b| {
            b["tasks"].as_array().is_some_and(|t| !t.is_empty())
        })
        .await
    }
    async fn context(&self, run: &str) -> Value {
        let r = self.get(&self.run_path(run, "/context")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body
    }
}

/// The hosted API's documented flow: create → publish with a changelog → start with plain
/// params → pause → resume → complete a human task with {approved, result} → events, context.
async fn documented_flow_start_pause_resume_complete_read(backend: Backend) {
    let f = fixture(backend, approval_graph()).await;
    let r = f.command("start", json!({"name": "Ada"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    for key in ["run_id", "status", "workflow_id", "version", "started_at"] {
        assert!(!r.body[key].is_null(), "{key} missing: {:?}", r.body);
    }
    assert_eq!(
        (&r.body["workflow_id"], &r.body["version"]),
        (&json!(f.wf), &json!(1))
    );
    let run = r.body["run_id"].as_str().expect("run").to_string();

    let tasks = f.wait_task(&run).await;
    let task = &tasks["tasks"][0];
    assert_eq!(
        (&task["task_id"], &task["step_id"], &task["run_id"]),
        (&json!("approve"), &json!("approve"), &json!(run))
    );
    assert_eq!(task["task_payload"], json!({"question": "hi Ada"}));
    assert_eq!(task["task_type"], "approval");

    let paused = f.command("pause", json!({"run_id": run})).await;
    assert_eq!(
        (paused.status, &paused.body["status"]),
        (200, &json!("paused")),
        "{:?}",
        paused.body
    );
    let again = f.command("pause", json!({"run_id": run})).await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert!(
        again.error().contains("already paused"),
        "{}",
        again.error()
    );
    let summary = f.get(&f.run_path(&run, "/summary")).await;
    assert_eq!(summary.body["orchestration_phase"], "paused");
    let resumed = f.command("resume", json!({"run_id": run})).await;
    assert_eq!(
        (resumed.status, &resumed.body["status"]),
        (200, &json!("running"))
    );
    let summary = f.get(&f.run_path(&run, "/summary")).await;
    assert_eq!(
        (
            &summary.body["awaiting_human"],
            &summary.body["orchestration_phase"],
            &summary.body["run_complete"]
        ),
        (&json!(true), &json!("awaiting_human"), &json!(false))
    );

    // The tenant inbox lists it with its workflow's name.
    let inbox = f.get("/v1/tasks/pending").await;
    assert_eq!(inbox.status, 200);
    assert_eq!(inbox.body["tasks"][0]["workflow_name"], "wf");

    let complete = format!("{}/approve/complete", f.run_path(&run, "/tasks"));
    let done = f
        .post(
            &complete,
            json!({"approved": true, "result": {"note": "lgtm"}}),
        )
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(
        (
            &done.body["status"],
            &done.body["task_id"],
            &done.body["approved"]
        ),
        (&json!("completed"), &json!("approve"), &json!(true))
    );
    let twice = f.post(&complete, json!({"approved": false})).await;
    assert_eq!(twice.status, 409, "{:?}", twice.body);

    let summary = f.wait_status(&run, "completed").await;
    assert_eq!(
        (&summary["run_complete"], &summary["awaiting_human"]),
        (&json!(true), &json!(false))
    );
    let ctx = f.context(&run).await;
    assert_eq!(ctx["input"], json!({"name": "Ada"}));
    assert_eq!(
        ctx["steps"]["after"]["result"],
        json!({"approved": true, "note": "lgtm"})
    );
    assert_eq!(
        ctx["steps"]["approve"]["result"],
        json!({"approved": true, "note": "lgtm"})
    );
    // Each step's input as resolved for it (the run view's inspector shows it): the
    // task's payload template read the Lua step's result.
    assert_eq!(
        ctx["steps"]["approve"]["input"],
        json!({"question": "hi Ada"}),
        "{ctx:#}"
    );

    // The event log in order, then paged with after_seq and limit.
    let events = f.get(&f.run_path(&run, "/events")).await;
    let all = events.body["events"].as_array().expect("events").clone();
    let kinds: Vec<&str> = all
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    for kind in [
        "run_started",
        "step_paused",
        "task_completed",
        "run_completed",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let position = |k: &str| kinds.iter().position(|x| *x == k).expect("present");
    assert!(position("step_paused") < position("task_completed"));
    assert_eq!(kinds.last(), Some(&"run_completed"));
    let seqs: Vec<i64> = all.iter().filter_map(|e| e["seq"].as_i64()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(all[0]["run_id"], json!(run));
    assert_eq!(all[0]["workflow_id"], json!(f.wf));
    assert!(all[0]["at"].is_string());
    assert_eq!(
        events.body["next_after_seq"],
        json!(seqs.last().copied().unwrap_or(0))
    );
    let first = f
        .get(&format!(
            "{}?after_seq=0&limit=2",
            f.run_path(&run, "/events")
        ))
        .await;
    assert_eq!(first.body["events"].as_array().map(Vec::len), Some(2));
    let next = first.body["next_after_seq"].as_i64().expect("cursor");
    let rest = f
        .get(&format!("{}?after_seq={next}", f.run_path(&run, "/events")))
        .await;
    assert_eq!(
        rest.body["events"].as_array().map(Vec::len),
        Some(all.len() - 2)
    );
    assert_eq!(rest.body["events"][0]["seq"], json!(seqs[2]));
    f.s.close().await;
}

async fn a_repeated_client_run_id_returns_the_same_run(backend: Backend) {
    let f = fixture(backend, waiting_graph()).await;
    let params = json!({"run_id": "client-42", "trigger_payload": {"n": 1}});
    let first = f.command("start", params.clone()).await;
    let second = f.command("start", params).await;
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(first.body["run_id"], second.body["run_id"]);
    let other = f.start_run(json!({"run_id": "client-43"})).await;
    assert_ne!(json!(other), first.body["run_id"]);
    let runs = f.get(&format!("/v1/workflows/{}/runs", f.wf)).await;
    assert_eq!(runs.body["runs"].as_array().map(Vec::len), Some(2));
    f.s.close().await;
}

async fn input_schema_is_checked_and_its_defaults_filled(backend: Backend) {
    let graph = json!({
        "input_schema": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "lang": {"type": "string", "default": "en"}}},
        "steps": [{"id": "wait", "type": "human_task", "task_payload": {"who": "{{input.name}}"}}]
    });
    let f = fixture(backend, graph).await;
    let missing = f.command("start", json!({})).await;
    assert_eq!(missing.status, 422, "{:?}", missing.body);
    assert!(
        missing.error().contains("input_schema"),
        "{}",
        missing.error()
    );
    let issues = missing.body["issues"].as_array().expect("issues");
    assert!(
        issues
            .iter()
            .any(|i| i["message"].as_str().unwrap_or("").contains("name")),
        "{issues:?}"
    );
    let wrong = f.command("start", json!({"name": 5})).await;
    assert_eq!(wrong.status, 422, "{:?}", wrong.body);
    assert!(
        wrong.body["issues"][0]["json_path"]
            .as_str()
            .unwrap_or("")
            .contains("name"),
        "{:?}",
        wrong.body
    );
    let runs = f.get(&format!("/v1/workflows/{}/runs", f.wf)).await;
    assert_eq!(runs.body["runs"], json!([]), "refused starts create no run");
    let run = f.start_run(json!({"name": "Ada"})).await;
    assert_eq!(
        f.context(&run).await["input"],
        json!({"name": "Ada", "lang": "en"})
    );
    f.s.close().await;
}

async fn run_setup_defaults_merge_only_when_asked(backend: Backend) {
    let s = start(backend).await;
    let ws = workspace(&s, "acme").await;
    let graph = json!({"steps": [
        {"id": "wait", "type": "human_task", "task_payload": {}},
        {"id": "manual", "type": "lua_script", "no_auto_start": true, "script": "return { k = input.k }"}
    ]});
    let setup = json!({
        "trigger_payload": {"name": "saved", "lang": "fr"},
        "trigger_steps": {"manual": {"k": "saved-k"}}
    });
    let wf = published_workflow(
        &s,
        &ws,
        json!({"name": "wf", "graph": graph, "run_setup": setup}),
    )
    .await;
    let f = Fixture { s, ws, wf };
    let with = f
        .start_run(json!({"trigger_payload": {"name": "mine"}, "use_run_setup_defaults": true}))
        .await;
    let ctx = f.context(&with).await;
    assert_eq!(
        ctx["input"],
        json!({"name": "mine", "lang": "fr", "_steps": {"manual": {"k": "saved-k"}}})
    );
    let summary_path = f.run_path(&with, "/context");
    // The saved trigger_steps grant lets the no_auto_start root run.
    poll_until(&f.s, &f.ws.owner, &f.ws.slug, &summary_path, |b| {
        b["steps"]["manual"]["status"] == "completed"
    })
    .await;
    let without = f
        .start_run(json!({"trigger_payload": {"name": "mine"}}))
        .await;
    assert_eq!(f.context(&without).await["input"], json!({"name": "mine"}));
    f.s.close().await;
}

/// `spin` runs (a Lua loop) until its 5 s time limit; `next` depends on it.
fn spinning_graph() -> Value {
    json!({"steps": [
        {"id": "spin", "type": "lua_script", "timeout_s": 5, "script": "while true do end return {}"},
        {"id": "next", "type": "lua_script", "depends_on": ["spin"], "script": "return {}"}
    ]})
}

async fn stop_immediate_cancels_and_graceful_drains(backend: Backend) {
    let f = fixture(backend, spinning_graph()).await;
    let fx = &f;
    let wait_spinning = |run: String| {
        let path = fx.run_path(&run, "/context");
        async move {
            poll_until(&fx.s, &fx.ws.owner, &fx.ws.slug, &path, |b| {
                b["steps"]["spin"]["status"] == "running"
            })
            .await
        }
    };
    let run = f.start_run(json!({})).await;
    wait_spinning(run.clone()).await;
    let stopped = f.command("stop", json!({"run_id": run})).await;
    assert_eq!(
        (stopped.status, &stopped.body["status"]),
        (200, &json!("stopped")),
        "{:?}",
        stopped.body
    );
    let ctx = f.context(&run).await;
    assert_eq!(ctx["steps"]["spin"]["status"], "cancelled");
    assert_eq!(ctx["steps"]["next"]["reason"], "blocked");
    // docs/contract.md §7: a stopped run reports RUN_STOPPED, its cancelled steps say so.
    assert_eq!(ctx["failure_code"], "RUN_STOPPED", "{ctx}");
    assert_eq!(
        f.get(&f.run_path(&run, "/summary")).await.body["failure_code"],
        "RUN_STOPPED"
    );
    let events = f.get(&f.run_path(&run, "/events")).await.body;
    let cancelled: Vec<&Value> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event_type"] == "step_cancelled")
        .collect();
    assert_eq!(cancelled.len(), 1, "{events}");
    assert_eq!(cancelled[0]["step_id"], "spin");
    assert_eq!(
        (
            &cancelled[0]["data"]["cancelled"],
            &cancelled[0]["data"]["reason"]
        ),
        (&json!(true), &json!("run_stopped")),
        "{events}"
    );
    let again = f.command("stop", json!({"run_id": run})).await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert!(again.error().contains("finished"), "{}", again.error());

    // Graceful: the in-flight step may finish; it does not within 1 s, so the drain fails.
    let run = f.start_run(json!({})).await;
    wait_spinning(run.clone()).await;
    let draining = f
        .command(
            "stop",
            json!({"run_id": run, "mode": "graceful", "drain_timeout_s": 1}),
        )
        .await;
    assert_eq!(
        (draining.status, &draining.body["status"]),
        (200, &json!("draining")),
        "{:?}",
        draining.body
    );
    let pause = f.command("pause", json!({"run_id": run})).await;
    assert_eq!(pause.status, 409, "a draining run cannot be paused");
    let summary = f.wait_status(&run, "failed").await;
    assert_eq!(summary["failure_code"], "DRAIN_TIMEOUT");

    let bad_mode = f
        .command("stop", json!({"run_id": run, "mode": "later"}))
        .await;
    assert_eq!(bad_mode.status, 400, "{:?}", bad_mode.body);
    let misplaced = f
        .command("pause", json!({"run_id": run, "mode": "graceful"}))
        .await;
    assert_eq!(misplaced.status, 400, "{:?}", misplaced.body);
    f.s.close().await;
}

async fn graceful_stop_with_nothing_in_flight_stops(backend: Backend) {
    let f = fixture(backend, approval_graph()).await;
    let run = f.start_run(json!({"name": "x"})).await;
    f.wait_task(&run).await;
    let r = f
        .command("stop", json!({"run_id": run, "mode": "graceful"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let summary = f.wait_status(&run, "stopped").await;
    assert_eq!(summary["failure_code"], "RUN_STOPPED", "a drained stop too");
    let tasks = f.get(&f.run_path(&run, "/tasks/pending")).await;
    assert_eq!(
        tasks.body["tasks"],
        json!([]),
        "a stopped run's task is no longer pending"
    );
    f.s.close().await;
}

async fn retry_reruns_failed_steps_in_place(backend: Backend) {
    let graph = json!({"steps": [
        {"id": "ok", "type": "lua_script", "script": "return { v = 1 }"},
        {"id": "boom", "type": "lua_script", "depends_on": ["ok"], "script": "error('boom')"}
    ]});
    let f = fixture(backend, graph).await;
    let run = f.start_run(json!({})).await;
    let failed = f.wait_status(&run, "failed").await;
    assert_eq!(failed["failure_code"], "LUA_ERROR");
    let before = f.context(&run).await;
    let retry_path = f.run_path(&run, "/retry");
    let unknown = f.post(&retry_path, json!({"from_step_id": "nope"})).await;
    assert_eq!(unknown.status, 422, "{:?}", unknown.body);
    let r = f.post(&retry_path, json!({})).await;
    assert_eq!(
        (r.status, &r.body["status"]),
        (200, &json!("running")),
        "{:?}",
        r.body
    );
    f.wait_status(&run, "failed").await;
    let after = f.context(&run).await;
    assert_eq!(after["steps"]["boom"]["attempt"], json!(2), "{after}");
    assert_eq!(
        after["steps"]["ok"], before["steps"]["ok"],
        "the completed upstream step is kept, not run again"
    );
    let events = f.get(&f.run_path(&run, "/events")).await;
    let retries = events.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event_type"] == "run_started" && e["data"]["retry"] == true)
        .count();
    assert_eq!(retries, 1);

    // A stopped run is retried from its stopped step; a running one cannot be.
    let g = fixture(backend, waiting_graph()).await;
    let run = g.start_run(json!({})).await;
    let busy = g.post(&g.run_path(&run, "/retry"), json!({})).await;
    assert_eq!(busy.status, 409, "{:?}", busy.body);
    g.wait_task(&run).await;
    assert_eq!(g.command("stop", json!({"run_id": run})).await.status, 200);
    let r = g
        .post(&g.run_path(&run, "/retry"), json!({"from_step_id": "wait"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    g.wait_task(&run).await;
    f.s.close().await;
    g.s.close().await;
}

async fn run_lists_page_newest_first_with_filters(backend: Backend) {
    let f = fixture(backend, waiting_graph()).await;
    let mut started = Vec::new();
    for _ in 0..5 {
        started.push(f.start_run(json!({})).await);
    }
    let stopped = started[0].clone();
    assert_eq!(
        f.command("stop", json!({"run_id": stopped})).await.status,
        200
    );
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("/v1/workflows/{}/runs?limit=2", f.wf);
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = f.get(&path).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        pages += 1;
        for r in page.body["runs"].as_array().expect("runs") {
            seen.push(r["run_id"].as_str().expect("id").to_string());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let newest_first: Vec<String> = started.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);
    assert_eq!(pages, 3);

    let feed = f.get("/v1/runs?status=stopped").await;
    let ids: Vec<&str> = feed.body["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|r| r["run_id"].as_str())
        .collect();
    assert_eq!(ids, vec![stopped.as_str()]);
    let by_workflow = f
        .get(&format!("/v1/runs?workflow={}&limit=200", f.wf))
        .await;
    assert_eq!(by_workflow.body["runs"].as_array().map(Vec::len), Some(5));
    assert_eq!(by_workflow.body["runs"][0]["workflow_name"], "wf");
    let future = f.get("/v1/runs?since=2999-01-01T00:00:00Z").await;
    assert_eq!(future.body["runs"], json!([]));
    for bad in [
        "/v1/runs?status=sleeping",
        "/v1/runs?cursor=zz",
        "/v1/runs?since=yesterday",
        "/v1/runs?limit=0",
        "/v1/runs?colour=red",
    ] {
        let r = f.get(bad).await;
        assert_eq!(r.status, 400, "{bad}: {:?}", r.body);
    }
    f.s.close().await;
}

async fn other_workspaces_runs_and_tasks_are_not_found(backend: Backend) {
    let f = fixture(backend, waiting_graph()).await;
    let run = f.start_run(json!({})).await;
    f.wait_task(&run).await;
    let other = workspace(&f.s, "globex").await;
    let theirs = published_workflow(
        &f.s,
        &other,
        json!({"name": "theirs", "graph": waiting_graph()}),
    )
    .await;
    let as_other = |method: Method, path: String| {
        f.s.call(method, path)
            .auth(&other.owner)
            .tenant(&other.slug)
    };
    let w = &f.wf;
    let paths = [
        (Method::GET, format!("/v1/workflows/{w}/runs")),
        (Method::GET, format!("/v1/workflows/{w}/runs/{run}")),
        (Method::GET, format!("/v1/workflows/{w}/runs/{run}/summary")),
        (Method::GET, format!("/v1/workflows/{w}/runs/{run}/events")),
        (Method::GET, format!("/v1/workflows/{w}/runs/{run}/context")),
        (
            Method::GET,
            format!("/v1/workflows/{w}/runs/{run}/tasks/pending"),
        ),
        // Their own workflow in the path, our run id: still not found.
        (Method::GET, format!("/v1/workflows/{theirs}/runs/{run}")),
        (
            Method::GET,
            format!("/v1/workflows/{theirs}/runs/{run}/context"),
        ),
        (Method::GET, format!("/v1/runs?workflow={w}")),
    ];
    for (method, path) in paths {
        let r = as_other(method, path.clone()).send().await;
        assert_eq!(r.status, 404, "{path}: {:?}", r.body);
    }
    let posts = [
        (
            format!("/v1/workflows/{w}/command"),
            json!({"command": "start", "params": {}}),
        ),
        (
            format!("/v1/workflows/{theirs}/command"),
            json!({"command": "stop", "params": {"run_id": run}}),
        ),
        (
            format!("/v1/workflows/{theirs}/command"),
            json!({"command": "start", "params": {"resume_from_run_id": run, "reuse_completed_steps": true}}),
        ),
        (
            format!("/v1/workflows/{theirs}/runs/{run}/tasks/wait/complete"),
            json!({"approved": true}),
        ),
        (
            format!("/v1/workflows/{theirs}/runs/{run}/retry"),
            json!({}),
        ),
    ];
    for (path, body) in posts {
        let r = as_other(Method::POST, path.clone()).json(body).send().await;
        assert_eq!(r.status, 404, "{path}: {:?}", r.body);
    }
    // Their feeds do not show our runs or tasks.
    let feed = as_other(Method::GET, "/v1/runs".into()).send().await;
    assert_eq!(feed.body["runs"], json!([]));
    let inbox = as_other(Method::GET, "/v1/tasks/pending".into())
        .send()
        .await;
    assert_eq!(inbox.body["tasks"], json!([]));
    // Our run is untouched.
    assert_eq!(
        f.get(&f.run_path(&run, "/summary")).await.body["status"],
        "running"
    );
    f.s.close().await;
}

async fn bad_commands_get_clear_errors(backend: Backend) {
    let f = fixture(backend, waiting_graph()).await;
    let url = format!("{}/v1/workflows/{}/command", f.s.base, f.wf);
    let Auth::Session(cookie) = &f.ws.owner else {
        panic!("owner has a session")
    };
    let malformed =
        f.s.http
            .post(&url)
            .header("Cookie", format!("ar_session={cookie}"))
            .header("Origin", f.s.base.clone())
            .header("X-Tenant-Id", "acme")
            .header("Content-Type", "application/json")
            .body("{\"command\": \"start\", ")
            .send()
            .await
            .expect("request");
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.expect("json error");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or("")
            .contains("malformed JSON"),
        "{body}"
    );

    let unknown = f
        .post(
            &format!("/v1/workflows/{}/command", f.wf),
            json!({"command": "explode"}),
        )
        .await;
    assert_eq!(unknown.status, 400, "{:?}", unknown.body);
    let no_run = f.command("pause", json!({})).await;
    assert_eq!(no_run.status, 400, "{:?}", no_run.body);
    let ghost = f.command("pause", json!({"run_id": "no-such-run"})).await;
    assert_eq!(ghost.status, 404, "{:?}", ghost.body);
    let bad_version = f.command("start", json!({"version": "one"})).await;
    assert_eq!(bad_version.status, 400, "{:?}", bad_version.body);
    let missing_version = f.command("start", json!({"version": 7})).await;
    assert_eq!(missing_version.status, 404, "{:?}", missing_version.body);
    let unknown_step = f
        .command("start", json!({"excluded_step_ids": ["nope"]}))
        .await;
    assert_eq!(unknown_step.status, 422, "{:?}", unknown_step.body);

    // A workflow never published cannot start.
    let r =
        f.s.call(Method::POST, "/v1/workflows")
            .auth(&f.ws.owner)
            .tenant(&f.ws.slug)
            .project(&f.ws.project)
            .json(json!({"name": "draft", "graph": waiting_graph()}))
            .send()
            .await;
    let draft = r.body["id"].as_str().expect("id").to_string();
    let r = f
        .post(
            &format!("/v1/workflows/{draft}/command"),
            json!({"command": "start", "params": {}}),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.error().contains("no published version"), "{}", r.error());

    // Wrong state: resume a running run; complete a task with a non-object result.
    let run = f.start_run(json!({})).await;
    f.wait_task(&run).await;
    let resume = f.command("resume", json!({"run_id": run})).await;
    assert_eq!(resume.status, 409, "{:?}", resume.body);
    assert!(
        resume.error().contains("already running"),
        "{}",
        resume.error()
    );
    let complete = format!("{}/wait/complete", f.run_path(&run, "/tasks"));
    let r = f
        .post(&complete, json!({"approved": true, "result": [1]}))
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = f.post(&complete, json!({"result": {}})).await;
    assert_eq!(r.status, 400, "approved is required: {:?}", r.body);
    let r = f
        .post(
            &format!("{}/nope/complete", f.run_path(&run, "/tasks")),
            json!({"approved": true}),
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    f.s.close().await;
}

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

on_both_backends!(
    documented_flow_start_pause_resume_complete_read,
    a_repeated_client_run_id_returns_the_same_run,
    input_schema_is_checked_and_its_defaults_filled,
    run_setup_defaults_merge_only_when_asked,
    stop_immediate_cancels_and_graceful_drains,
    graceful_stop_with_nothing_in_flight_stops,
    retry_reruns_failed_steps_in_place,
    run_lists_page_newest_first_with_filters,
    other_workspaces_runs_and_tasks_are_not_found,
    bad_commands_get_clear_errors,
);
