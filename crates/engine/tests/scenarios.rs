//! Engine scenarios (docs/contract.md §2, §5–§7), each run on SQLite and on Postgres.

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ar_engine::*;
use serde_json::{Value, json};
use support::*;

struct Env {
    db: TestDb,
    engine: Engine,
    probe: Arc<Probe>,
}

async fn env(backend: Backend) -> Env {
    env_with(backend, test_config()).await
}

async fn env_with(backend: Backend, config: EngineConfig) -> Env {
    let db = TestDb::new(backend).await;
    let probe = Arc::new(Probe::default());
    let engine = engine_on(db.open().await, config, probe.clone()).await;
    Env { db, engine, probe }
}

impl Env {
    async fn run(&self, g: Value, params: Value) -> (RunRecord, Value) {
        let run = self
            .engine
            .start_run(StartRun::new(graph(g), params))
            .await
            .expect("run starts");
        let done = self
            .engine
            .wait_for_run(&run.id, WAIT)
            .await
            .expect("run finishes");
        let ctx = self.engine.run_context(&done.id).await.expect("context");
        (done, ctx)
    }
    async fn start(&self, g: Value, params: Value) -> RunRecord {
        self.engine
            .start_run(StartRun::new(graph(g), params))
            .await
            .expect("run starts")
    }
    async fn step_status(&self, run: &str, step: &str) -> Option<StepStatus> {
        self.engine
            .store()
            .step_state(run, step)
            .await
            .expect("read")
            .map(|s| s.status())
    }
    async fn wait_step(&self, run: &str, step: &str, status: StepStatus) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.step_status(run, step).await != Some(status) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "step {step} never reached {status:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    async fn finish(self) {
        self.engine.shutdown().await;
        self.engine.store().close().await;
        self.db.cleanup().await;
    }
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Backend::SqliteMemory).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await
                }
            )*
        }
    };
}

on_both_backends!(
    lua_chain_passes_results_and_per_step_input_overrides,
    events_have_consecutive_sequence_numbers,
    for_each_concurrency_never_exceeds_max_parallel_and_reaches_it,
    for_each_result_shape_and_continue_on_error,
    for_each_fail_fast_fails_the_run,
    for_each_over_too_many_items_fails_clearly,
    while_until_stops_when_condition_met_or_at_cap,
    transient_failures_are_retried_and_counted,
    permanent_failures_are_not_retried,
    attempt_timeout_fails_with_step_timeout,
    skip_reasons_disabled_condition_excluded_and_spreading,
    fail_fast_cancels_in_flight_and_blocks_unstarted,
    pause_blocks_new_steps_while_in_flight_finish,
    immediate_stop_cancels_in_flight_step,
    graceful_stop_lets_in_flight_finish_then_stops,
    drain_timeout_fails_the_run,
    human_task_approval_continues_and_second_completion_conflicts,
    human_task_rejection_skips_downstream,
    human_task_expiry_fails_with_human_task_expired,
    a_human_task_whose_payload_does_not_render_fails_with_human_task_failed,
    retry_in_place_keeps_completed_upstream,
    retry_from_step_reruns_it_and_downstream,
    retry_of_a_loop_with_fewer_items_leaves_no_stale_items,
    new_run_reuses_completed_steps_of_failed_run,
    step_type_without_executor_fails_clearly,
    restart_continues_run_without_rerunning_completed_steps,
    client_run_id_is_idempotent,
    live_events_after_task_completion_are_published_once,
    a_result_over_the_size_limit_fails_the_step_and_keeps_the_store_small,
    a_result_that_is_not_json_fails_the_step_clearly,
    loop_inner_steps_emit_their_events_and_loops_record_their_input,
    a_failing_inner_step_reports_its_failure_before_its_loop,
    a_terminal_step_completes_the_run_at_once,
    a_skipped_terminal_step_does_not_end_the_run,
    an_approved_terminal_human_task_completes_the_run,
);

async fn lua_chain_passes_results_and_per_step_input_overrides(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        {"id": "a", "type": "lua_script", "script": "return { n = input.n + 1 }"},
        {"id": "b-x", "type": "lua_script", "depends_on": ["a"], "script": "return { n = steps.a.result.n * 10, f = input.f }"},
        {"id": "c", "type": "mcp_call", "tool_name": "echo", "depends_on": ["b-x"],
         "tool_args": {"n": "{{steps.b-x.result.n}}", "f": "{{input.f}}"}},
    ]});
    let params = json!({"trigger_payload": {"n": 1, "f": "base"}, "trigger_steps": {"c": {"f": "override"}}});
    let (run, ctx) = e.run(g, params).await;
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");
    assert_eq!(step(&ctx, "a")["result"], json!({"n": 2}));
    assert_eq!(step(&ctx, "b-x")["result"], json!({"n": 20, "f": "base"}));
    assert_eq!(step(&ctx, "c")["result"], json!({"n": 20, "f": "override"}));
    e.finish().await;
}

async fn events_have_consecutive_sequence_numbers(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        tool("a", "echo", json!({}), &[]), tool("b", "echo", json!({}), &[]), tool("c", "echo", json!({}), &["a", "b"]),
    ]});
    let (run, _) = e.run(g, json!({})).await;
    let events = e
        .engine
        .store()
        .events(&run.id, 0, 1000)
        .await
        .expect("events");
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"run_started"));
    assert_eq!(kinds.last(), Some(&"run_completed"));
    assert_eq!(kinds.iter().filter(|k| **k == "step_started").count(), 3);
    assert_eq!(kinds.iter().filter(|k| **k == "step_completed").count(), 3);
    let started = events
        .iter()
        .find(|e| e.kind == "step_started")
        .expect("a step_started");
    assert_eq!(started.data["attempt"], json!(1));
    e.finish().await;
}

async fn for_each_concurrency_never_exceeds_max_parallel_and_reaches_it(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [{
        "id": "fan", "type": "for_each", "for_each_items": "{{input.items}}", "for_each_max_parallel": 3,
        "for_each_body_steps": [{"id": "work", "type": "mcp_call", "tool_name": "sleep", "tool_args": {"ms": 60, "value": "{{item}}"}}]
    }]});
    let (run, ctx) = e
        .run(g, json!({"items": [1, 2, 3, 4, 5, 6, 7, 8, 9]}))
        .await;
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");
    assert_eq!(
        e.probe.max_in_flight.load(Ordering::SeqCst),
        3,
        "max in flight must reach and not exceed max_parallel"
    );
    assert_eq!(e.probe.calls("work"), 9);
    e.finish().await;
}

async fn for_each_result_shape_and_continue_on_error(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [{
        "id": "fan", "type": "for_each", "for_each_items": "{{input.items}}", "for_each_error_policy": "continue_on_error",
        "for_each_body_steps": [
            {"id": "double", "type": "lua_script", "script": "if item == 2 then error('two is bad') end return { v = item * 2, i = index }"},
            {"id": "wrap", "type": "lua_script", "depends_on": ["double"], "script": "return { w = body.double.v }"}
        ]
    }]});
    let (run, ctx) = e.run(g, json!({"items": [1, 2, 3]})).await;
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");
    let r = &step(&ctx, "fan")["result"];
    assert_eq!(r["count"], json!(3));
    assert_eq!(r["max_parallel"], json!(10));
    assert_eq!(r["succeeded_count"], json!(2));
    assert_eq!(r["failed_count"], json!(1));
    assert_eq!(
        r["results"][0],
        json!({"index": 0, "body": {"double": {"v": 2, "i": 0}, "wrap": {"w": 2}}, "result": {"w": 2}})
    );
    assert_eq!(r["results"][1]["index"], json!(1));
    assert!(
        r["results"][1]["error"]
            .as_str()
            .is_some_and(|m| m.contains("two is bad")),
        "{r}"
    );
    assert_eq!(r["results"][2]["result"], json!({"w": 6}));
    e.finish().await;
}

async fn for_each_fail_fast_fails_the_run(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        {"id": "fan", "type": "for_each", "for_each_items": [1, 2, 3],
         "for_each_body_steps": [{"id": "x", "type": "lua_script", "script": "if item == 2 then error('boom') end return {}"}]},
        tool("after", "echo", json!({}), &["fan"]),
    ]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.failure_code.as_deref(), Some("LUA_ERROR"));
    assert_eq!(step(&ctx, "fan")["status"], json!("failed"));
    assert_eq!(step(&ctx, "after")["reason"], json!("blocked"));
    e.finish().await;
}

async fn for_each_over_too_many_items_fails_clearly(b: Backend) {
    let e = env_with(
        b,
        EngineConfig {
            for_each_item_limit: 5,
            ..test_config()
        },
    )
    .await;
    let g = json!({"steps": [{"id": "fan", "type": "for_each", "for_each_items": "{{input.items}}",
        "for_each_body_steps": [{"id": "x", "type": "lua_script", "script": "return {}"}]}]});
    let (run, ctx) = e.run(g, json!({"items": [1, 2, 3, 4, 5, 6]})).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert!(
        step(&ctx, "fan")["error"]
            .as_str()
            .is_some_and(|m| m.contains("6 items") && m.contains("limit is 5")),
        "{ctx}"
    );
    e.finish().await;
}

async fn while_until_stops_when_condition_met_or_at_cap(b: Backend) {
    let e = env(b).await;
    let body = json!([{"id": "inc", "type": "lua_script",
        "script": "local prev = loop.prev and loop.prev.inc and loop.prev.inc.n or 0 return { n = prev + 1 }"}]);
    let g = json!({"steps": [
        {"id": "w", "type": "while", "while_mode": "until", "while_max_iterations": 10, "while_body_steps": body,
         "while_condition": "{{body.inc.n | 0}}", "while_eval_script": "return { pass = body.inc.n >= 3 }"},
        {"id": "cap", "type": "while", "while_mode": "while", "while_max_iterations": 2, "while_body_steps": body,
         "while_condition": "true"},
    ]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");
    let w = &step(&ctx, "w")["result"];
    assert_eq!(w["iteration_count"], json!(3));
    assert_eq!(w["stopped_reason"], json!("condition_met"));
    assert_eq!(w["last"], json!({"inc": {"n": 3}}));
    assert_eq!(w["iterations"].as_array().map(Vec::len), Some(3));
    let cap = &step(&ctx, "cap")["result"];
    assert_eq!(cap["iteration_count"], json!(2));
    assert_eq!(cap["stopped_reason"], json!("max_iterations"));
    assert_eq!(cap["max_iterations"], json!(2));
    e.finish().await;
}

async fn transient_failures_are_retried_and_counted(b: Backend) {
    let e = env(b).await;
    let mut s = tool("flaky", "fail", json!({"times": 2, "transient": true}), &[]);
    s["retry_count"] = json!(2);
    let (run, ctx) = e.run(json!({"steps": [s]}), json!({})).await;
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");
    assert_eq!(e.probe.attempts("flaky"), vec![1, 2, 3]);
    assert_eq!(step(&ctx, "flaky")["attempt"], json!(3));
    let events = e
        .engine
        .store()
        .events(&run.id, 0, 100)
        .await
        .expect("events");
    let retries: Vec<&Value> = events
        .iter()
        .filter(|e| e.kind == "step_failed")
        .map(|e| &e.data)
        .collect();
    assert_eq!(retries.len(), 2);
    assert!(retries.iter().all(|d| d["will_retry"] == json!(true)));
    e.finish().await;
}

async fn permanent_failures_are_not_retried(b: Backend) {
    let e = env(b).await;
    let mut s = tool("bad", "fail", json!({"transient": false}), &[]);
    s["retry_count"] = json!(3);
    let (run, ctx) = e.run(json!({"steps": [s]}), json!({})).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.failure_code.as_deref(), Some("MCP_TOOL_FAILED"));
    assert_eq!(e.probe.attempts("bad"), vec![1]);
    assert_eq!(step(&ctx, "bad")["failure_code"], json!("MCP_TOOL_FAILED"));
    e.finish().await;
}

async fn attempt_timeout_fails_with_step_timeout(b: Backend) {
    let e = env(b).await;
    let mut s = tool("slow", "sleep", json!({"ms": 5000}), &[]);
    s["timeout_s"] = json!(0.1);
    s["retry_count"] = json!(1);
    let started = std::time::Instant::now();
    let (run, ctx) = e.run(json!({"steps": [s]}), json!({})).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.failure_code.as_deref(), Some("STEP_TIMEOUT"));
    assert_eq!(
        e.probe.attempts("slow"),
        vec![1, 2],
        "a timeout is transient: retried once"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "timeouts must cut the attempt short"
    );
    assert_eq!(step(&ctx, "slow")["status"], json!("failed"));
    e.finish().await;
}

async fn skip_reasons_disabled_condition_excluded_and_spreading(b: Backend) {
    let e = env(b).await;
    let mut disabled = tool("disabled", "echo", json!({}), &[]);
    disabled["enabled"] = json!(false);
    let mut cond = tool("cond", "echo", json!({}), &[]);
    cond["condition"] = json!("{{input.go}}");
    let mut manual = tool("manual", "echo", json!({}), &[]);
    manual["no_auto_start"] = json!(true);
    let mut granted = tool("granted", "echo", json!({"v": "{{input.v}}"}), &[]);
    granted["no_auto_start"] = json!(true);
    let g = json!({"steps": [
        disabled, cond, manual, granted,
        tool("excl", "echo", json!({}), &[]),
        tool("after_disabled", "echo", json!({}), &["disabled"]),
        tool("after_cond", "echo", json!({}), &["cond"]),
        tool("after_manual", "echo", json!({}), &["manual"]),
        tool("after_excl", "echo", json!({}), &["excl"]),
    ]});
    let params = json!({"trigger_payload": {"go": "false"}, "trigger_steps": {"granted": {"v": 7}}, "excluded_step_ids": ["excl"]});
    let (run, ctx) = e.run(g, params).await;
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");
    let cases = [
        ("disabled", Some("step_disabled")),
        ("cond", Some("condition_false")),
        ("manual", Some("excluded")),
        ("excl", Some("excluded")),
        ("after_manual", Some("excluded")),
        ("after_excl", Some("excluded")),
        ("after_disabled", None),
        ("after_cond", None),
        ("granted", None),
    ];
    for (id, reason) in cases {
        let s = step(&ctx, id);
        assert_eq!(s["status"], json!("completed"), "{id}: {s}");
        match reason {
            Some(r) => {
                assert_eq!(s["skipped"], json!(true), "{id}");
                assert_eq!(s["reason"], json!(r), "{id}");
            }
            None => assert!(s.get("skipped").is_none(), "{id} must run: {s}"),
        }
    }
    assert_eq!(step(&ctx, "granted")["result"], json!({"v": 7}));
    e.finish().await;
}

async fn fail_fast_cancels_in_flight_and_blocks_unstarted(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        tool("long", "sleep", json!({"ms": 10000}), &[]),
        tool("breaks", "fail", json!({"transient": false}), &["gate"]),
        tool("gate", "sleep", json!({"ms": 100}), &[]),
        tool("after_long", "echo", json!({}), &["long"]),
    ]});
    let started = std::time::Instant::now();
    let (run, ctx) = e.run(g, json!({})).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "in-flight step must be cancelled, not awaited"
    );
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(step(&ctx, "breaks")["status"], json!("failed"));
    assert_eq!(step(&ctx, "long")["status"], json!("cancelled"));
    assert_eq!(step(&ctx, "long")["reason"], json!("run_failed"));
    assert_eq!(step(&ctx, "long")["caused_by_step_id"], json!("breaks"));
    assert_eq!(step(&ctx, "after_long")["status"], json!("completed"));
    assert_eq!(step(&ctx, "after_long")["reason"], json!("blocked"));
    assert_eq!(e.probe.calls("after_long"), 0);
    e.finish().await;
}

async fn pause_blocks_new_steps_while_in_flight_finish(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [tool("a", "sleep", json!({"ms": 300}), &[]), tool("b", "echo", json!({}), &["a"])]});
    let run = e.start(g, json!({})).await;
    e.wait_step(&run.id, "a", StepStatus::Running).await;
    e.engine.pause(&run.id).await.expect("pause");
    e.wait_step(&run.id, "a", StepStatus::Completed).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        e.step_status(&run.id, "b").await,
        Some(StepStatus::Pending),
        "paused run must not start b"
    );
    let paused = e
        .engine
        .store()
        .get_run(&run.id)
        .await
        .expect("read")
        .expect("run");
    assert_eq!(paused.status, RunStatus::Paused);
    e.engine.resume(&run.id).await.expect("resume");
    let done = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(done.status, RunStatus::Completed);
    assert!(
        e.engine.resume(&run.id).await.is_err(),
        "resuming a completed run is refused"
    );
    e.finish().await;
}

async fn immediate_stop_cancels_in_flight_step(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [tool("a", "sleep", json!({"ms": 10000}), &[]), tool("b", "echo", json!({}), &["a"])]});
    let run = e.start(g, json!({})).await;
    e.wait_step(&run.id, "a", StepStatus::Running).await;
    let t = std::time::Instant::now();
    e.engine
        .stop(&run.id, StopMode::Immediate, None)
        .await
        .expect("stop");
    let done = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(done.status, RunStatus::Stopped);
    let ctx = e.engine.run_context(&run.id).await.expect("ctx");
    assert_eq!(step(&ctx, "a")["status"], json!("cancelled"));
    assert_eq!(step(&ctx, "b")["reason"], json!("blocked"));
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while e.probe.cancelled.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the in-flight call was not cancelled"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(t.elapsed() < Duration::from_secs(5));
    e.finish().await;
}

async fn graceful_stop_lets_in_flight_finish_then_stops(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [tool("a", "sleep", json!({"ms": 300}), &[]), tool("b", "echo", json!({}), &["a"])]});
    let run = e.start(g, json!({})).await;
    e.wait_step(&run.id, "a", StepStatus::Running).await;
    e.engine
        .stop(&run.id, StopMode::Graceful, Some(Duration::from_secs(10)))
        .await
        .expect("stop");
    let draining = e
        .engine
        .store()
        .get_run(&run.id)
        .await
        .expect("read")
        .expect("run");
    assert_eq!(draining.status, RunStatus::Draining);
    let done = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(done.status, RunStatus::Stopped);
    let ctx = e.engine.run_context(&run.id).await.expect("ctx");
    assert_eq!(
        step(&ctx, "a")["status"],
        json!("completed"),
        "in-flight step finishes during a drain"
    );
    assert_eq!(step(&ctx, "b")["reason"], json!("blocked"));
    assert_eq!(e.probe.calls("b"), 0);
    e.finish().await;
}

async fn drain_timeout_fails_the_run(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [tool("a", "sleep", json!({"ms": 10000}), &[])]});
    let run = e.start(g, json!({})).await;
    e.wait_step(&run.id, "a", StepStatus::Running).await;
    e.engine
        .stop(
            &run.id,
            StopMode::Graceful,
            Some(Duration::from_millis(200)),
        )
        .await
        .expect("stop");
    let done = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(done.status, RunStatus::Failed);
    assert_eq!(done.failure_code.as_deref(), Some("DRAIN_TIMEOUT"));
    e.finish().await;
}

fn approval_graph() -> Value {
    json!({"steps": [
        tool("a", "echo", json!({"x": 1}), &[]),
        {"id": "approve", "type": "human_task", "task_type": "approval", "depends_on": ["a"],
         "task_payload": {"title": "ok?", "x": "{{steps.a.result.x}}"}},
        tool("b", "echo", json!({"approved": "{{steps.approve.result.approved}}"}), &["approve"]),
        tool("c", "echo", json!({}), &["b"]),
        tool("side", "echo", json!({}), &["a"]),
    ]})
}

async fn human_task_approval_continues_and_second_completion_conflicts(b: Backend) {
    let e = env(b).await;
    let run = e.start(approval_graph(), json!({})).await;
    e.wait_step(&run.id, "approve", StepStatus::Waiting).await;
    let task = e
        .engine
        .store()
        .human_task(&run.id, "approve")
        .await
        .expect("read")
        .expect("task exists");
    assert_eq!(task.payload, json!({"title": "ok?", "x": 1}));
    assert_eq!(task.status, "pending");
    let listed = e
        .engine
        .store()
        .pending_human_tasks(10)
        .await
        .expect("list");
    assert!(
        listed
            .iter()
            .any(|t| t.run_id == run.id && t.step_id == "approve")
    );
    assert_eq!(
        e.engine
            .store()
            .get_run(&run.id)
            .await
            .expect("r")
            .expect("r")
            .status,
        RunStatus::Running
    );
    e.engine
        .complete_task(
            &run.id,
            "approve",
            true,
            Some(json!({"note": "fine"})),
            Some("u1"),
        )
        .await
        .expect("complete");
    let again = e
        .engine
        .complete_task(&run.id, "approve", false, None, None)
        .await;
    assert!(matches!(again, Err(EngineError::Conflict(_))), "{again:?}");
    let done = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(done.status, RunStatus::Completed);
    let ctx = e.engine.run_context(&run.id).await.expect("ctx");
    assert_eq!(
        step(&ctx, "approve")["result"],
        json!({"approved": true, "note": "fine"})
    );
    assert_eq!(step(&ctx, "b")["result"], json!({"approved": true}));
    let events = e
        .engine
        .store()
        .events(&run.id, 0, 100)
        .await
        .expect("events");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "step_paused" && e.data["task_id"] == json!("approve"))
    );
    assert!(events.iter().any(|e| e.kind == "task_completed"));
    e.finish().await;
}

async fn human_task_rejection_skips_downstream(b: Backend) {
    let e = env(b).await;
    let run = e.start(approval_graph(), json!({})).await;
    e.wait_step(&run.id, "approve", StepStatus::Waiting).await;
    e.engine
        .complete_task(&run.id, "approve", false, None, None)
        .await
        .expect("reject");
    let done = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(
        done.status,
        RunStatus::Completed,
        "a rejection does not fail the run"
    );
    let ctx = e.engine.run_context(&run.id).await.expect("ctx");
    for id in ["b", "c"] {
        assert_eq!(step(&ctx, id)["skipped"], json!(true), "{id}");
        assert_eq!(step(&ctx, id)["reason"], json!("rejected"), "{id}");
    }
    assert_eq!(step(&ctx, "side")["status"], json!("completed"));
    assert!(step(&ctx, "side").get("skipped").is_none());
    assert_eq!(e.probe.calls("b"), 0);
    e.finish().await;
}

async fn human_task_expiry_fails_with_human_task_expired(b: Backend) {
    let e = env(b).await;
    let g =
        json!({"steps": [{"id": "h", "type": "human_task", "timeout_s": 0.2, "task_payload": {}}]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.failure_code.as_deref(), Some("HUMAN_TASK_EXPIRED"));
    assert_eq!(step(&ctx, "h")["failure_code"], json!("HUMAN_TASK_EXPIRED"));
    let late = e.engine.complete_task(&run.id, "h", true, None, None).await;
    assert!(matches!(late, Err(EngineError::Conflict(_))), "{late:?}");
    e.finish().await;
}

async fn a_human_task_whose_payload_does_not_render_fails_with_human_task_failed(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [{"id": "h", "type": "human_task",
                              "task_payload": {"title": "{{input.customer.name}}"}}]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.failure_code.as_deref(), Some("HUMAN_TASK_FAILED"));
    assert_eq!(step(&ctx, "h")["failure_code"], json!("HUMAN_TASK_FAILED"));
    let error = step(&ctx, "h")["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        error.contains("task_payload") && error.contains("input.customer.name"),
        "{error}"
    );
    let pending = e
        .engine
        .store()
        .pending_human_tasks(10)
        .await
        .expect("tasks");
    assert!(pending.is_empty(), "no task was opened: {pending:?}");
    e.finish().await;
}

async fn retry_in_place_keeps_completed_upstream(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        tool("up", "echo", json!({"v": 1}), &[]),
        tool("mid", "flaky_until_healed", json!({}), &["up"]),
        tool("down", "echo", json!({}), &["mid"]),
    ]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(step(&ctx, "down")["reason"], json!("blocked"));
    e.probe.healed.store(true, Ordering::SeqCst);
    e.engine.retry_run(&run.id, None).await.expect("retry");
    let done = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!(done.failure_code, None);
    let ctx = e.engine.run_context(&run.id).await.expect("ctx");
    assert_eq!(
        e.probe.calls("up"),
        1,
        "completed upstream step must not rerun"
    );
    assert_eq!(e.probe.attempts("mid"), vec![1, 2]);
    assert_eq!(step(&ctx, "down")["status"], json!("completed"));
    assert!(step(&ctx, "down").get("skipped").is_none());
    let refused = e.engine.retry_run(&run.id, Some("mid")).await;
    assert!(
        matches!(refused, Err(EngineError::Conflict(_))),
        "a completed run is not retried: {refused:?}"
    );
    e.finish().await;
}

async fn retry_from_step_reruns_it_and_downstream(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        tool("root", "echo", json!({}), &[]),
        tool("up", "echo", json!({"v": 1}), &["root"]),
        tool("mid", "flaky_until_healed", json!({}), &["up"]),
    ]});
    let (run, _) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Failed);
    e.probe.healed.store(true, Ordering::SeqCst);
    e.engine
        .retry_run(&run.id, Some("up"))
        .await
        .expect("retry");
    let done = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!(e.probe.calls("root"), 1, "upstream of from_step_id is kept");
    assert_eq!(
        e.probe.attempts("up"),
        vec![1, 2],
        "from_step_id reruns even though it had completed"
    );
    assert_eq!(e.probe.attempts("mid"), vec![1, 2]);
    let unknown = e.engine.retry_run(&run.id, Some("nope")).await;
    assert!(unknown.is_err());
    e.finish().await;
}

/// A retry reruns a `for_each` whose items shrank (5 → 2): the loop's item rows are the
/// retry's own, so neither its result nor the stored items keep the earlier attempt's.
async fn retry_of_a_loop_with_fewer_items_leaves_no_stale_items(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        tool("gen", "items_until_healed", json!({"before": [1, 2, 3, 4, 5], "after": [7, 8]}), &[]),
        {"id": "fan", "type": "for_each", "depends_on": ["gen"], "for_each_items": "{{steps.gen.result.items}}",
         "for_each_error_policy": "continue_on_error",
         "for_each_body_steps": [{"id": "x", "type": "lua_script",
            "script": "if item == 4 then error('four fails') end return { v = item * 10 }"}]},
        tool("after", "flaky_until_healed", json!({}), &["fan"]),
    ]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Failed, "{ctx}");
    assert_eq!(step(&ctx, "fan")["result"]["count"], json!(5));
    assert_eq!(step(&ctx, "fan")["result"]["failed_count"], json!(1));
    e.probe.healed.store(true, Ordering::SeqCst);
    e.engine
        .retry_run(&run.id, Some("gen"))
        .await
        .expect("retry");
    let done = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(done.status, RunStatus::Completed);
    let ctx = e.engine.run_context(&run.id).await.expect("ctx");
    assert_eq!(
        step(&ctx, "fan")["result"],
        json!({"count": 2, "max_parallel": 10, "succeeded_count": 2, "failed_count": 0, "results": [
            {"index": 0, "body": {"x": {"v": 70}}, "result": {"v": 70}},
            {"index": 1, "body": {"x": {"v": 80}}, "result": {"v": 80}},
        ]})
    );
    let items = e
        .engine
        .store()
        .step_states(&run.id, Some("fan"))
        .await
        .expect("items");
    let stored: Vec<(Option<i64>, Option<Value>)> = items
        .iter()
        .map(|r| (r.item_index, r.result.clone()))
        .collect();
    assert_eq!(
        stored,
        vec![
            (
                Some(0),
                Some(json!({"index": 0, "body": {"x": {"v": 70}}, "result": {"v": 70}}))
            ),
            (
                Some(1),
                Some(json!({"index": 1, "body": {"x": {"v": 80}}, "result": {"v": 80}}))
            ),
        ],
        "only the retry's items are stored"
    );
    e.finish().await;
}

async fn new_run_reuses_completed_steps_of_failed_run(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        tool("up", "echo", json!({"v": 1}), &[]),
        tool("mid", "flaky_until_healed", json!({}), &["up"]),
    ]});
    let (first, _) = e.run(g.clone(), json!({})).await;
    assert_eq!(first.status, RunStatus::Failed);
    e.probe.healed.store(true, Ordering::SeqCst);
    let params = json!({"resume_from_run_id": first.id, "reuse_completed_steps": true});
    let (second, ctx) = e.run(g, params).await;
    assert_eq!(second.status, RunStatus::Completed, "{ctx}");
    assert_ne!(second.id, first.id);
    assert_eq!(e.probe.calls("up"), 1, "the reused step did not run again");
    assert_eq!(step(&ctx, "up")["result"], json!({"v": 1}));
    assert_eq!(step(&ctx, "mid")["result"], json!({"healed": true}));
    e.finish().await;
}

async fn step_type_without_executor_fails_clearly(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [{"id": "llm", "type": "llm_call", "model": "gpt-4o-mini", "prompt": "hi"}]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.failure_code.as_deref(), Some(EXECUTOR_UNAVAILABLE));
    assert_eq!(
        step(&ctx, "llm")["error"],
        json!("no executor configured for llm_call")
    );
    e.finish().await;
}

async fn restart_continues_run_without_rerunning_completed_steps(b: Backend) {
    let backend = match b {
        Backend::SqliteMemory => Backend::SqliteFile,
        other => other,
    };
    let config = EngineConfig {
        lease: Duration::from_millis(600),
        ..test_config()
    };
    let db = TestDb::new(backend).await;
    let probe = Arc::new(Probe::default());
    let store = db.open().await;
    let engine = engine_on(store.clone(), config.clone(), probe.clone()).await;
    let g = json!({"steps": [tool("a", "echo", json!({}), &[]), tool("slow", "sleep", json!({"ms": 1500}), &["a"]), tool("c", "echo", json!({}), &["slow"])]});
    let run = engine
        .start_run(StartRun::new(graph(g), json!({})))
        .await
        .expect("start");
    let env1 = Env {
        db,
        engine: engine.clone(),
        probe: probe.clone(),
    };
    env1.wait_step(&run.id, "slow", StepStatus::Running).await;
    // "Crash": the node stops without committing the in-flight step.
    engine.shutdown().await;
    store.close().await;
    let Env { db, .. } = env1;
    let probe2 = Arc::new(Probe::default());
    let store2 = db.open().await;
    let mut fast = config.clone();
    fast.node_id = "second-node".into();
    let engine2 = engine_on(store2.clone(), fast, probe2.clone()).await;
    // The second life finishes the slow step quickly: make it a no-wait echo by healing is
    // not possible, so wait for the retake (lease expiry on Postgres) and the full sleep.
    let done = engine2
        .wait_for_run(&run.id, Duration::from_secs(30))
        .await
        .expect("finishes after restart");
    assert_eq!(
        done.status,
        RunStatus::Completed,
        "{}",
        engine2.run_context(&run.id).await.expect("ctx")
    );
    let ctx = engine2.run_context(&run.id).await.expect("ctx");
    assert_eq!(
        probe2.calls("a"),
        0,
        "a completed before the crash and must not rerun"
    );
    assert_eq!(
        probe2.attempts("slow"),
        vec![2],
        "the in-flight step reruns as attempt 2"
    );
    assert_eq!(step(&ctx, "slow")["attempt"], json!(2));
    assert_eq!(probe2.calls("c"), 1);
    let env2 = Env {
        db,
        engine: engine2,
        probe: probe2,
    };
    env2.finish().await;
}

async fn client_run_id_is_idempotent(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [tool("a", "echo", json!({}), &[])]});
    let first = e
        .start(
            g.clone(),
            json!({"run_id": "client-1", "trigger_payload": {}}),
        )
        .await;
    let second = e
        .start(g, json!({"run_id": "client-1", "trigger_payload": {}}))
        .await;
    assert_eq!(first.id, second.id);
    e.engine
        .wait_for_run(&first.id, WAIT)
        .await
        .expect("finishes");
    assert_eq!(e.probe.calls("a"), 1);
    e.finish().await;
}

/// Regression: completing a human task published its events to live subscribers twice.
async fn live_events_after_task_completion_are_published_once(b: Backend) {
    let e = env(b).await;
    let mut live = e.engine.subscribe();
    let run = e.start(approval_graph(), json!({})).await;
    e.wait_step(&run.id, "approve", StepStatus::Waiting).await;
    e.engine
        .complete_task(&run.id, "approve", true, None, None)
        .await
        .expect("complete");
    e.engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("finishes");
    let stored = e
        .engine
        .store()
        .events(&run.id, 0, 1000)
        .await
        .expect("events");
    let last = stored.last().expect("events exist").seq;
    // The run is finished in the store; its last events may still be on their way to
    // subscribers. Read until the last one arrives, then a little longer for duplicates.
    let mut seqs = Vec::new();
    let mut quiet_after_last = Duration::from_secs(5);
    while let Ok(Ok(event)) = tokio::time::timeout(quiet_after_last, live.recv()).await {
        if event.run_id == run.id {
            seqs.push(event.seq);
            if event.seq == last {
                quiet_after_last = Duration::from_millis(200);
            }
        }
    }
    let mut unique = seqs.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        seqs.len(),
        unique.len(),
        "a live event was published twice: {seqs:?}"
    );
    assert_eq!(
        unique,
        stored.iter().map(|ev| ev.seq).collect::<Vec<_>>(),
        "live events match the log"
    );
    e.finish().await;
}

/// A step (of any executor, not only Lua) whose result is over `max_result_bytes` fails
/// with RESULT_TOO_LARGE, and the oversized value is not committed anywhere.
async fn a_result_over_the_size_limit_fails_the_step_and_keeps_the_store_small(b: Backend) {
    let e = env_with(
        b,
        EngineConfig {
            max_result_bytes: 1_000,
            ..test_config()
        },
    )
    .await;
    let blob = "x".repeat(5_000);
    let g = json!({"steps": [
        tool("small", "echo", json!({"ok": true}), &[]),
        tool("big", "echo", json!({"blob": blob}), &["small"]),
    ]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Failed, "{ctx}");
    assert_eq!(step(&ctx, "small")["status"], json!("completed"));
    assert_eq!(
        step(&ctx, "big")["failure_code"],
        json!("RESULT_TOO_LARGE"),
        "{ctx}"
    );
    let events = e
        .engine
        .store()
        .events(&run.id, 0, 1000)
        .await
        .expect("events");
    assert!(
        events.iter().all(|ev| !ev.data.to_string().contains(&blob)),
        "the oversized result reached an event"
    );
    e.finish().await;
}

/// A step output with no JSON form (a Lua function, NaN) fails its step with a message
/// naming the offending path; nothing of it is committed and the run ends consistently.
async fn a_result_that_is_not_json_fails_the_step_clearly(b: Backend) {
    let e = env(b).await;
    for (script, path) in [
        (
            "return { ok = 1, nested = { f = function() end } }",
            "nested.f",
        ),
        ("return { x = 0/0 }", "x"),
    ] {
        let g = json!({"steps": [
            {"id": "first", "type": "lua_script", "script": "return { n = 1 }"},
            {"id": "odd", "type": "lua_script", "depends_on": ["first"], "script": script},
            {"id": "after", "type": "lua_script", "depends_on": ["odd"], "script": "return { n = 2 }"},
        ]});
        let (run, ctx) = e.run(g, json!({})).await;
        assert_eq!(run.status, RunStatus::Failed, "{ctx}");
        assert_eq!(step(&ctx, "first")["status"], json!("completed"));
        let odd = step(&ctx, "odd");
        assert_eq!(odd["status"], json!("failed"), "{ctx}");
        let error = odd["error"].as_str().expect("error message");
        assert!(error.contains(path), "the message names {path}: {error}");
        assert!(
            odd["result"].is_null(),
            "nothing of the output was committed: {ctx}"
        );
        assert_eq!(step(&ctx, "after")["reason"], json!("blocked"), "{ctx}");
        assert_eq!(step(&ctx, "after")["skipped"], json!(true), "{ctx}");
        let events = e
            .engine
            .store()
            .events(&run.id, 0, 1000)
            .await
            .expect("events");
        let seqs: Vec<i64> = events.iter().map(|ev| ev.seq).collect();
        assert_eq!(
            seqs,
            (1..=events.len() as i64).collect::<Vec<_>>(),
            "the event log has no gaps"
        );
        assert_eq!(events.last().expect("events").kind, "run_failed");
    }
    e.finish().await;
}

/// `(kind, step_id, data)` of the events whose step id starts with `prefix`, in order.
async fn events_of(e: &Env, run_id: &str, prefix: &str) -> Vec<(String, String, Value)> {
    e.engine
        .store()
        .events(run_id, 0, 1000)
        .await
        .expect("events")
        .into_iter()
        .filter_map(|ev| {
            let id = ev.step_id.clone()?;
            id.starts_with(prefix).then_some((ev.kind, id, ev.data))
        })
        .collect()
}

/// docs/contract.md §7: inner loop steps emit `step_started` / `step_completed` /
/// `step_failed` as `<parent>#body#<inner>` with the iteration's `index`, before the loop's
/// own completion; §2: a loop's recorded input uses its graph field names.
async fn loop_inner_steps_emit_their_events_and_loops_record_their_input(b: Backend) {
    let e = env(b).await;
    let mut flaky = tool("flaky", "fail", json!({"times": 1, "transient": true}), &[]);
    flaky["retry_count"] = json!(1);
    let g = json!({"steps": [
        {"id": "fan", "type": "for_each", "for_each_items": "{{input.items}}", "for_each_max_parallel": 1,
         "for_each_body_steps": [
            flaky,
            {"id": "off", "type": "lua_script", "condition": "false", "depends_on": ["flaky"], "script": "return {}"},
            {"id": "last", "type": "lua_script", "depends_on": ["off"], "script": "return { v = item }"}
         ]},
        {"id": "w", "type": "while", "while_mode": "while", "while_max_iterations": 2, "while_condition": "true",
         "while_body_steps": [{"id": "inc", "type": "lua_script", "script": "return { i = loop.iteration }"}]},
    ]});
    let (run, ctx) = e.run(g, json!({"items": ["a", "b"]})).await;
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");

    let fan = events_of(&e, &run.id, "fan").await;
    let inner: Vec<(String, String, Value)> = fan
        .iter()
        .filter(|(_, id, _)| id != "fan")
        .cloned()
        .collect();
    let mut expected = Vec::new();
    for (index, item) in ["a", "b"].iter().enumerate() {
        expected.extend([
            (
                "step_started".to_owned(),
                "fan#body#flaky".to_owned(),
                json!({"attempt": 1, "index": index}),
            ),
            (
                "step_failed".to_owned(),
                "fan#body#flaky".to_owned(),
                json!({
                "error": "planned failure on attempt 1", "failure_code": "MCP_TOOL_FAILED",
                "attempt": 1, "will_retry": true, "index": index}),
            ),
            (
                "step_started".to_owned(),
                "fan#body#flaky".to_owned(),
                json!({"attempt": 2, "index": index}),
            ),
        ]);
        let completed = inner
            .iter()
            .find(|(kind, id, data)| {
                kind == "step_completed" && id == "fan#body#flaky" && data["index"] == json!(index)
            })
            .expect("flaky completed")
            .2
            .clone();
        assert_eq!(completed["attempt"], json!(2), "{completed}");
        assert!(completed["duration_ms"].is_i64(), "{completed}");
        expected.push((
            "step_completed".to_owned(),
            "fan#body#flaky".to_owned(),
            completed,
        ));
        expected.push((
            "step_completed".to_owned(),
            "fan#body#off".to_owned(),
            json!({"skipped": true, "reason": "condition_false", "index": index}),
        ));
        expected.push((
            "step_started".to_owned(),
            "fan#body#last".to_owned(),
            json!({"attempt": 1, "index": index}),
        ));
        let last = inner
            .iter()
            .find(|(kind, id, data)| {
                kind == "step_completed" && id == "fan#body#last" && data["index"] == json!(index)
            })
            .expect("last completed")
            .2
            .clone();
        assert_eq!(last["result"], json!({"v": item}), "{last}");
        expected.push((
            "step_completed".to_owned(),
            "fan#body#last".to_owned(),
            last,
        ));
    }
    assert_eq!(inner, expected, "the inner events of both items, in order");
    assert_eq!(
        fan.last().map(|(kind, id, _)| (kind.as_str(), id.as_str())),
        Some(("step_completed", "fan")),
        "the loop completes after its inner steps' events"
    );
    assert_eq!(
        step(&ctx, "fan")["input"],
        json!({"for_each_items": ["a", "b"], "for_each_max_parallel": 1, "for_each_error_policy": "fail_fast"})
    );

    let w: Vec<(String, String, Value)> = events_of(&e, &run.id, "w#body#").await;
    let indexes: Vec<(&str, i64)> = w
        .iter()
        .map(|(kind, _, data)| (kind.as_str(), data["index"].as_i64().expect("index")))
        .collect();
    assert_eq!(
        indexes,
        [
            ("step_started", 0),
            ("step_completed", 0),
            ("step_started", 1),
            ("step_completed", 1)
        ]
    );
    assert_eq!(w[3].2["result"], json!({"i": 1}));
    assert_eq!(
        step(&ctx, "w")["input"],
        json!({"while_mode": "while", "while_max_iterations": 2, "while_condition": "true"})
    );
    e.finish().await;
}

async fn a_failing_inner_step_reports_its_failure_before_its_loop(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        {"id": "bad", "type": "for_each", "for_each_items": [1],
         "for_each_body_steps": [{"id": "x", "type": "lua_script", "script": "error('boom')"}]},
    ]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Failed, "{ctx}");
    let events = events_of(&e, &run.id, "bad").await;
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|(kind, id, _)| (kind.as_str(), id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("step_started", "bad"),
            ("step_started", "bad#body#x"),
            ("step_failed", "bad#body#x"),
            ("step_failed", "bad"),
            ("run_failed", "bad"),
        ]
    );
    let inner = &events[2].2;
    assert_eq!(inner["failure_code"], json!("LUA_ERROR"), "{inner}");
    assert_eq!(inner["will_retry"], json!(false), "{inner}");
    assert_eq!(inner["index"], json!(0), "{inner}");
    assert!(
        inner["error"].as_str().is_some_and(|m| m.contains("boom")),
        "{inner}"
    );
    e.finish().await;
}

/// docs/contract.md §2 `terminal`: when the step completes, the run completes at once;
/// steps not yet started are skipped (`reason: terminal`), steps in flight are cancelled.
async fn a_terminal_step_completes_the_run_at_once(b: Backend) {
    let e = env(b).await;
    let mut done = tool("done", "echo", json!({}), &["gate"]);
    done["terminal"] = json!(true);
    let g = json!({"steps": [
        tool("long", "sleep", json!({"ms": 10000}), &[]),
        tool("gate", "sleep", json!({"ms": 100}), &[]),
        done,
        tool("after", "echo", json!({}), &["done"]),
        tool("after_long", "echo", json!({}), &["long"]),
    ]});
    let started = std::time::Instant::now();
    let (run, ctx) = e.run(g, json!({})).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the in-flight step must be cancelled, not awaited"
    );
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");
    assert_eq!(run.failure_code, None);
    assert_eq!(step(&ctx, "done")["status"], json!("completed"));
    assert_eq!(step(&ctx, "long")["status"], json!("cancelled"), "{ctx}");
    assert_eq!(step(&ctx, "long")["reason"], json!("terminal"));
    assert_eq!(step(&ctx, "long")["caused_by_step_id"], json!("done"));
    for skipped in ["after", "after_long"] {
        assert_eq!(step(&ctx, skipped)["skipped"], json!(true), "{ctx}");
        assert_eq!(step(&ctx, skipped)["reason"], json!("terminal"), "{ctx}");
        assert_eq!(e.probe.calls(skipped), 0);
    }
    let events = e
        .engine
        .store()
        .events(&run.id, 0, 1000)
        .await
        .expect("events");
    assert_eq!(events.last().expect("events").kind, "run_completed");
    e.finish().await;
}

async fn a_skipped_terminal_step_does_not_end_the_run(b: Backend) {
    let e = env(b).await;
    let mut off = tool("off", "echo", json!({}), &[]);
    off["terminal"] = json!(true);
    off["condition"] = json!("false");
    let g = json!({"steps": [off, tool("after", "echo", json!({}), &["off"])]});
    let (run, ctx) = e.run(g, json!({})).await;
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");
    assert_eq!(step(&ctx, "off")["reason"], json!("condition_false"));
    assert_eq!(step(&ctx, "after")["status"], json!("completed"), "{ctx}");
    assert!(step(&ctx, "after").get("reason").is_none(), "{ctx}");
    assert_eq!(e.probe.calls("after"), 1);
    e.finish().await;
}

async fn an_approved_terminal_human_task_completes_the_run(b: Backend) {
    let e = env(b).await;
    let g = json!({"steps": [
        {"id": "ok", "type": "human_task", "task_type": "approval", "terminal": true},
        tool("after", "echo", json!({}), &["ok"]),
    ]});
    let run = e.start(g, json!({})).await;
    e.wait_step(&run.id, "ok", StepStatus::Waiting).await;
    e.engine
        .complete_task(&run.id, "ok", true, None, Some("test"))
        .await
        .expect("approve");
    let run = e
        .engine
        .wait_for_run(&run.id, WAIT)
        .await
        .expect("run finishes");
    let ctx = e.engine.run_context(&run.id).await.expect("context");
    assert_eq!(run.status, RunStatus::Completed, "{ctx}");
    assert_eq!(step(&ctx, "after")["reason"], json!("terminal"), "{ctx}");
    assert_eq!(e.probe.calls("after"), 0);
    e.finish().await;
}
