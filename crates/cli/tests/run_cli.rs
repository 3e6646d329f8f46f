//! `agentruntime run` end to end on the built binary: exit statuses, `--input`/`--json`,
//! progress lines, human tasks, `--resume`, and Ctrl-C (SIGINT) pausing a run.

mod crash_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use ar_store::RunStatus;
use crash_support::*;
use serde_json::{Value, json};

fn write(dir: &Path, name: &str, value: &Value) {
    std::fs::write(dir.join(name), value.to_string()).expect("write");
}

/// Runs `agentruntime args…` in `dir` to its end.
fn run_in(dir: &Path, args: &[&str]) -> Ended {
    spawn(dir, "cli", args, &[]).wait()
}

fn doubling_graph() -> Value {
    json!({
        "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
        "steps": [
            {"id": "double", "type": "lua_script", "script": "return {v = input.n * 2}"},
            {"id": "plus_one", "type": "lua_script", "depends_on": ["double"], "script": "return {v = steps.double.result.v + 1}"},
        ]
    })
}

#[test]
fn exit_status_says_completed_failed_or_invalid() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "ok.json", &doubling_graph());
    write(
        dir,
        "fails.json",
        &json!({"steps": [{"id": "boom", "type": "lua_script", "script": "error('boom')"}]}),
    );
    write(
        dir,
        "cycle.json",
        &json!({"steps": [
            {"id": "a", "type": "lua_script", "depends_on": ["b"], "script": "return {}"},
            {"id": "b", "type": "lua_script", "depends_on": ["a"], "script": "return {}"},
        ]}),
    );
    let cases: [(&[&str], i32, &str); 5] = [
        (&["run", "ok.json", "--input", "n=2"], 0, "completed"),
        (&["run", "fails.json"], 1, "[LUA_ERROR]"),
        (&["run", "cycle.json"], 2, "not a valid graph"),
        (&["run", "ok.json", "--input", "n=two"], 2, "input_schema"),
        (&["run", "ok.json"], 2, "\"n\" is a required property"),
    ];
    for (args, code, needle) in cases {
        let ended = run_in(dir, args);
        assert_eq!(
            ended.code(),
            Some(code),
            "{args:?}; stderr:\n{}",
            ended.stderr
        );
        assert!(
            ended.stderr.contains(needle),
            "{args:?}: {needle:?} not in stderr:\n{}",
            ended.stderr
        );
    }
}

#[test]
fn json_prints_the_run_context_of_inputs_given_as_pairs_and_json() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "g.json", &doubling_graph());
    write(dir, "input.json", &json!({"n": 100, "label": "x"}));
    let ended = run_in(
        dir,
        &[
            "run",
            "g.json",
            "--input-json",
            "@input.json",
            "--input",
            "n=20",
            "--json",
        ],
    );
    assert_eq!(ended.code(), Some(0), "{}", ended.stderr);
    let context: Value = serde_json::from_str(&ended.stdout).expect("stdout is the context");
    assert_eq!(context["status"], json!("completed"));
    assert_eq!(
        context["input"],
        json!({"n": 20, "label": "x"}),
        "--input overrides --input-json"
    );
    assert_eq!(context["steps"]["plus_one"]["result"], json!({"v": 41}));
}

#[test]
fn progress_shows_a_line_per_step_and_the_data_dir_defaults_to_dot_ar_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "g.json", &doubling_graph());
    let ended = run_in(dir, &["run", "g.json", "--input", "n=1"]);
    assert_eq!(ended.code(), Some(0), "{}", ended.stderr);
    for needle in [
        "✓ double completed in ",
        "✓ plus_one completed in ",
        " completed in ",
    ] {
        assert!(
            ended.stderr.contains(needle),
            "{needle:?} not in:\n{}",
            ended.stderr
        );
    }
    assert!(ended.stdout.is_empty(), "without --json stdout stays empty");
    assert!(
        dir.join(".ar-data/agentruntime.db").is_file(),
        "the store is in ./.ar-data"
    );
}

fn approval_graph() -> Value {
    json!({"steps": [
        {"id": "draft", "type": "lua_script", "script": "return {text = 'hello'}"},
        {"id": "approve", "type": "human_task", "depends_on": ["draft"], "task_type": "approval",
         "task_payload": {"title": "Publish?", "draft": "{{steps.draft.result.text}}"}},
        {"id": "publish", "type": "lua_script", "depends_on": ["approve"], "script": "return {published = true}"},
    ]})
}

#[test]
fn human_tasks_without_a_terminal_are_refused_unless_auto_approved() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "g.json", &approval_graph());
    let refused = run_in(dir, &["run", "g.json"]);
    assert_eq!(refused.code(), Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--auto-approve"),
        "{}",
        refused.stderr
    );
    assert!(!dir.join(".ar-data").exists(), "nothing ran");

    let approved = run_in(dir, &["run", "g.json", "--auto-approve", "--json"]);
    assert_eq!(approved.code(), Some(0), "{}", approved.stderr);
    assert!(
        approved.stderr.contains("\"draft\": \"hello\""),
        "the task payload is shown:\n{}",
        approved.stderr
    );
    let context: Value = serde_json::from_str(&approved.stdout).expect("context");
    assert_eq!(
        context["steps"]["approve"]["result"]["approved"],
        json!(true)
    );
    assert_eq!(
        context["steps"]["publish"]["result"],
        json!({"published": true})
    );
}

#[test]
fn resume_refuses_an_unknown_run_and_reports_an_ended_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "g.json", &doubling_graph());
    let first = run_in(
        dir,
        &["run", "g.json", "--input", "n=1", "--data-dir", "data"],
    );
    assert_eq!(first.code(), Some(0), "{}", first.stderr);
    let run_id = spawn_id(&first.stderr);
    let unknown = run_in(
        dir,
        &["run", "--resume", "no-such-run", "--data-dir", "data"],
    );
    assert_eq!(unknown.code(), Some(2));
    assert!(
        unknown.stderr.contains("no run no-such-run"),
        "{}",
        unknown.stderr
    );
    let ended = run_in(
        dir,
        &["run", "--resume", &run_id, "--data-dir", "data", "--json"],
    );
    assert_eq!(ended.code(), Some(0), "{}", ended.stderr);
    assert!(
        ended.stderr.contains("already ended (completed)"),
        "{}",
        ended.stderr
    );
    let context: Value = serde_json::from_str(&ended.stdout).expect("context");
    assert_eq!(context["steps"]["plus_one"]["result"], json!({"v": 3}));
}

fn spawn_id(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("run ")?.strip_suffix(" started"))
        .expect("a `run <id> started` line")
        .to_string()
}

#[test]
fn ctrl_c_pauses_the_run_and_the_printed_command_resumes_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let steps: Vec<Value> = (1..=6)
        .map(|k| {
            let deps: Vec<String> = if k == 1 { vec![] } else { vec![format!("s{}", k - 1)] };
            json!({"id": format!("s{k}"), "type": "lua_script", "depends_on": deps, "script": format!("return {{k = {k}}}")})
        })
        .collect();
    write(dir, "g.json", &json!({"steps": steps}));
    let mut proc = spawn(
        dir,
        "first",
        &["run", "g.json", "--data-dir", "data"],
        &[("AR_TEST_STEP_DELAY_MS", "150")],
    );
    proc.wait_until("two steps ran", |p| p.executions().len() >= 2);
    let pid = proc.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let interrupted = proc.wait();
    assert_eq!(interrupted.code(), Some(1), "{}", interrupted.stderr);
    let run_id = spawn_id(&interrupted.stderr);
    let expected = format!("agentruntime run --resume {run_id} --data-dir 'data'");
    assert!(
        interrupted.stderr.contains(&expected),
        "the resume command is printed:\n{}",
        interrupted.stderr
    );
    let paused = sqlite_snapshot(&dir.join("data"), &run_id, &[]);
    assert_eq!(paused.run.status, RunStatus::Paused);

    let resumed = run_in(
        dir,
        &["run", "--resume", &run_id, "--data-dir", "data", "--json"],
    );
    assert_eq!(resumed.code(), Some(0), "{}", resumed.stderr);
    let context: Value = serde_json::from_str(&resumed.stdout).expect("context");
    assert_eq!(context["steps"]["s6"]["result"], json!({"k": 6}));
    let committed = paused.completed();
    for e in executions(&dir.join("cli.executions")) {
        assert!(
            !committed.contains(&e.unit),
            "{} ran again after the pause",
            e.unit
        );
    }
}

/// `<step> completed in <duration>` per completed step, from the progress lines.
fn printed_durations(stderr: &str) -> BTreeMap<String, String> {
    stderr
        .lines()
        .filter_map(|l| {
            let (step, took) = l.strip_prefix("✓ ")?.split_once(" completed in ")?;
            let took = took.split(',').next().unwrap_or(took);
            Some((step.to_string(), took.to_string()))
        })
        .collect()
}

/// A duration as the progress lines write it.
fn written(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// The watcher prints each step's duration from what the engine's event carries (it reads
/// no step state back per step): every completed step — run by the executor, a loop, an
/// answered human task — shows exactly the stored `finished_at − started_at`.
#[test]
fn completed_lines_show_the_stored_duration_of_each_step() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(
        dir,
        "g.json",
        &json!({"steps": [
            {"id": "slow", "type": "lua_script", "script": "return {v = 1}"},
            {"id": "each", "type": "for_each", "depends_on": ["slow"], "for_each_items": "{{input.items}}",
             "for_each_body_steps": [{"id": "inner", "type": "lua_script", "script": "return {v = item}"}]},
            {"id": "approve", "type": "human_task", "depends_on": ["each"], "task_type": "approval",
             "task_payload": {"title": "Go?"}},
            {"id": "last", "type": "lua_script", "depends_on": ["approve"], "script": "return {done = true}"},
        ]}),
    );
    let ended = spawn(
        dir,
        "cli",
        &[
            "run",
            "g.json",
            "--input-json",
            r#"{"items": [1, 2]}"#,
            "--auto-approve",
            "--data-dir",
            "data",
        ],
        &[("AR_TEST_STEP_DELAY_MS", "120")],
    )
    .wait();
    assert_eq!(ended.code(), Some(0), "{}", ended.stderr);
    let run_id = spawn_id(&ended.stderr);
    let printed = printed_durations(&ended.stderr);
    let stored = sqlite_snapshot(&dir.join("data"), &run_id, &[]);
    for step in ["slow", "each", "approve", "last"] {
        let state = stored
            .units
            .get(step)
            .unwrap_or_else(|| panic!("no state of {step}"));
        let ms = state.finished_at.expect("finished") - state.started_at.expect("started");
        assert_eq!(
            printed.get(step),
            Some(&written(ms)),
            "{step}: stored {ms} ms; stderr:\n{}",
            ended.stderr
        );
    }
    let slow = printed.get("slow").map(String::as_str).unwrap_or("");
    let slow_ms: i64 = slow
        .strip_suffix(" ms")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    assert!(
        slow_ms >= 120,
        "the delayed step took at least its delay: {slow}"
    );
}
