//! Real crash tests of `agentruntime run` on the embedded SQLite store: the built binary is
//! SIGKILLed (or aborted by the `AR_FAILPOINT` hook right after a step's executor returned,
//! before its commit) at different points of a long run, then `run --resume` continues it
//! on the same data dir. Executions are observed through `AR_TEST_EXECUTION_LOG`.
//!
//! What must hold: every run completes with the right result; nothing whose completion was
//! committed before a crash runs again; every top-level step completes once; attempt
//! numbers count executions (the step in flight at a crash finishes as attempt 2).

mod crash_support;

use std::collections::BTreeSet;
use std::path::Path;

use ar_store::RunStatus;
use crash_support::*;
use serde_json::{Value, json};

/// Lua steps before the loop (`s1`…`s8`), loop items, steps after the loop (`t1`…`t3`).
const CHAIN: usize = 8;
const ITEMS: i64 = 12;
const TAIL: usize = 3;
/// Delay before each execution, so kills land with steps in flight.
const STEP_DELAY_MS: &str = "30";

/// A chain of Lua steps, a `for_each` over `input.items` with a Lua body, and a second
/// chain that sums everything up.
fn long_graph() -> Value {
    let mut steps = vec![json!({"id": "s1", "type": "lua_script", "script": "return {n = 1}"})];
    for k in 2..=CHAIN {
        steps.push(json!({
            "id": format!("s{k}"), "type": "lua_script", "depends_on": [format!("s{}", k - 1)],
            "script": format!("return {{n = steps.s{}.result.n + 1}}", k - 1),
        }));
    }
    steps.push(json!({
        "id": "fan", "type": "for_each", "depends_on": [format!("s{CHAIN}")],
        "for_each_items": "{{input.items}}", "for_each_max_parallel": 3,
        "for_each_body_steps": [{"id": "work", "type": "lua_script", "script": "return {sq = item * item}"}],
    }));
    steps.push(json!({
        "id": "t1", "type": "lua_script", "depends_on": ["fan"],
        "script": format!(
            "local t = 0\nfor _, r in ipairs(steps.fan.result.results or {{}}) do t = t + r.result.sq end\nreturn {{total = t + steps.s{CHAIN}.result.n}}"
        ),
    }));
    for k in 2..=TAIL {
        steps.push(json!({
            "id": format!("t{k}"), "type": "lua_script", "depends_on": [format!("t{}", k - 1)],
            "script": format!("return {{total = steps.t{}.result.total + 1}}", k - 1),
        }));
    }
    json!({"steps": steps})
}

fn top_level_steps() -> Vec<String> {
    let mut ids: Vec<String> = (1..=CHAIN).map(|k| format!("s{k}")).collect();
    ids.push("fan".into());
    ids.extend((1..=TAIL).map(|k| format!("t{k}")));
    ids
}

/// `t3`'s total: the squares of 1..=ITEMS, plus the chain's last n, plus the tail's steps.
fn expected_total() -> i64 {
    (1..=ITEMS).map(|i| i * i).sum::<i64>() + CHAIN as i64 + (TAIL as i64 - 1)
}

/// How one process of the run ends.
#[derive(Debug, Clone)]
enum Crash {
    /// SIGKILL once this process has logged this many executions.
    KillAfter(usize),
    /// `AR_FAILPOINT=after_execute:<step>`: the process aborts itself.
    Failpoint(&'static str),
}

/// What a crash test observed.
struct Observed {
    /// The execution log of each process, in order.
    logs: Vec<Vec<Execution>>,
    /// The store right after each crash.
    at_crash: Vec<Snapshot>,
    last: Snapshot,
    context: Value,
}

/// Runs the long graph, crashing each process as `crashes` says and resuming after each
/// crash; the last process runs to the end.
fn crash_and_resume(crashes: &[Crash]) -> Observed {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "graph.json", &long_graph());
    write(
        dir,
        "input.json",
        &json!({"items": (1..=ITEMS).collect::<Vec<_>>()}),
    );
    let data = dir.join("data");
    let mut logs = Vec::new();
    let mut at_crash = Vec::new();
    let mut run_id: Option<String> = None;
    for (i, crash) in crashes.iter().enumerate() {
        let mut env = vec![("AR_TEST_STEP_DELAY_MS", STEP_DELAY_MS)];
        let failpoint;
        if let Crash::Failpoint(step) = crash {
            failpoint = format!("after_execute:{step}");
            env = vec![("AR_FAILPOINT", failpoint.as_str())];
        }
        let mut proc = match &run_id {
            None => spawn(
                dir,
                &format!("p{i}"),
                &[
                    "run",
                    "graph.json",
                    "--input-json",
                    "@input.json",
                    "--data-dir",
                    "data",
                ],
                &env,
            ),
            Some(id) => spawn(
                dir,
                &format!("p{i}"),
                &["run", "--resume", id, "--data-dir", "data"],
                &env,
            ),
        };
        if run_id.is_none() {
            proc.wait_until("the run started", |p| p.started_run_id().is_some());
            run_id = proc.started_run_id();
        }
        let ended = match crash {
            Crash::KillAfter(n) => {
                proc.wait_until(&format!("{n} executions"), |p| p.executions().len() >= *n);
                proc.kill()
            }
            Crash::Failpoint(_) => proc.wait(),
        };
        assert!(
            ended.code().is_none(),
            "process {i} was meant to die by a signal; stderr:\n{}",
            ended.stderr
        );
        logs.push(executions(&dir.join(format!("p{i}.executions"))));
        let id = run_id.as_deref().expect("run id");
        let snap = sqlite_snapshot(&data, id, &["fan"]);
        assert!(
            !snap.run.status.is_terminal(),
            "crash {i} came after the run ended: {:?}",
            snap.run.status
        );
        at_crash.push(snap);
    }
    let id = run_id.expect("run id");
    let last = crashes.len();
    let ended = spawn(
        dir,
        &format!("p{last}"),
        &["run", "--resume", &id, "--data-dir", "data", "--json"],
        &[],
    )
    .wait();
    assert_eq!(
        ended.code(),
        Some(0),
        "the resumed run completes; stderr:\n{}",
        ended.stderr
    );
    logs.push(executions(&dir.join(format!("p{last}.executions"))));
    let context: Value =
        serde_json::from_str(&ended.stdout).expect("--json prints the run context");
    Observed {
        logs,
        at_crash,
        last: sqlite_snapshot(&data, &id, &["fan"]),
        context,
    }
}

fn write(dir: &Path, name: &str, value: &Value) {
    std::fs::write(dir.join(name), value.to_string()).expect("write");
}

/// The properties every crash test checks.
fn assert_crash_safe(o: &Observed) {
    assert_eq!(o.last.run.status, RunStatus::Completed);
    assert_eq!(
        o.context["steps"][format!("t{TAIL}")]["result"]["total"],
        json!(expected_total()),
        "the result is right"
    );
    assert_eq!(
        o.context["steps"]["fan"]["result"]["succeeded_count"],
        json!(ITEMS)
    );
    // Nothing committed before a crash runs again afterwards.
    for (i, snap) in o.at_crash.iter().enumerate() {
        let committed = snap.completed();
        for later in &o.logs[i + 1..] {
            for e in later {
                assert!(
                    !committed.contains(&e.unit),
                    "{} completed before crash {i} but ran again: {e:?}",
                    e.unit
                );
            }
        }
    }
    // Every top-level step completes exactly once.
    let completions = o.last.completions();
    for step in top_level_steps() {
        assert_eq!(
            completions.get(&step),
            Some(&1),
            "step_completed events of {step}"
        );
    }
    // Attempt numbers count executions: no attempt of a step ran twice, and the last
    // execution is the committed attempt.
    let by_unit = attempts_by_unit(o.logs.iter().map(|l| l.as_slice()));
    for (unit, record) in &o.last.units {
        let ran = by_unit.get(unit).cloned().unwrap_or_default();
        if unit == "fan" {
            continue; // the loop itself is not an executor call
        }
        assert!(!ran.is_empty(), "{unit} completed without running");
        assert!(
            ran.len() as i64 <= record.attempt,
            "{unit} ran {} times but its attempt is {}",
            ran.len(),
            record.attempt
        );
        if !unit.contains('#') {
            let distinct: BTreeSet<u64> = ran.iter().copied().collect();
            assert_eq!(
                distinct.len(),
                ran.len(),
                "{unit} ran an attempt twice: {ran:?}"
            );
            assert_eq!(
                ran.iter().max().map(|a| *a as i64),
                Some(record.attempt),
                "{unit}: last attempt run vs committed"
            );
        }
    }
    // What was in flight at a crash (ran, not committed) finishes as a later attempt.
    for (i, snap) in o.at_crash.iter().enumerate() {
        let committed = snap.completed();
        for e in o.logs[i].iter().filter(|e| !committed.contains(&e.unit)) {
            let attempt = o.last.units.get(&e.unit).map(|r| r.attempt).unwrap_or(0);
            assert!(
                attempt >= 2,
                "{} was in flight at crash {i}, yet finished as attempt {attempt}",
                e.unit
            );
        }
    }
}

#[test]
fn sigkill_before_any_step_finished_then_resume_completes_the_run() {
    let o = crash_and_resume(&[Crash::KillAfter(0)]);
    assert_crash_safe(&o);
}

#[test]
fn sigkill_in_the_lua_chain_then_resume_reruns_nothing_committed() {
    let o = crash_and_resume(&[Crash::KillAfter(3)]);
    assert!(
        o.at_crash[0].completed().contains("s2"),
        "the crash came after s2 committed"
    );
    assert_crash_safe(&o);
}

#[test]
fn sigkill_in_the_for_each_then_resume_finishes_every_item_once() {
    let o = crash_and_resume(&[Crash::KillAfter(CHAIN + 4)]);
    let items_done = o.at_crash[0]
        .completed()
        .iter()
        .filter(|u| u.starts_with("fan#"))
        .count();
    assert!(
        items_done >= 1 && items_done < ITEMS as usize,
        "the crash came mid-loop ({items_done} items done)"
    );
    assert_crash_safe(&o);
}

#[test]
fn sigkill_after_the_for_each_then_resume_keeps_every_item_result() {
    let o = crash_and_resume(&[Crash::KillAfter(CHAIN + ITEMS as usize + 1)]);
    assert!(
        o.at_crash[0].completed().contains("fan"),
        "the crash came after the loop"
    );
    assert_crash_safe(&o);
}

#[test]
fn three_sigkills_of_one_run_then_resume_completes_it() {
    let o = crash_and_resume(&[
        Crash::KillAfter(2),
        Crash::KillAfter(7),
        Crash::KillAfter(5),
    ]);
    assert_crash_safe(&o);
}

#[test]
fn abort_between_a_steps_side_effect_and_its_commit_reruns_it_as_attempt_2() {
    let o = crash_and_resume(&[Crash::Failpoint("s3")]);
    assert_crash_safe(&o);
    let s3: Vec<u64> = o
        .logs
        .iter()
        .flatten()
        .filter(|e| e.unit == "s3")
        .map(|e| e.attempt)
        .collect();
    assert_eq!(s3, vec![1, 2], "s3 ran before the crash and once after it");
    assert_eq!(o.last.units["s3"].attempt, 2);
    let completed_s3: Vec<&Value> = o
        .last
        .events
        .iter()
        .filter(|e| e.kind == "step_completed" && e.step_id.as_deref() == Some("s3"))
        .map(|e| &e.data["attempt"])
        .collect();
    assert_eq!(
        completed_s3,
        vec![&json!(2)],
        "the one completion of s3 is attempt 2"
    );
    assert_eq!(o.context["steps"]["s3"]["attempt"], json!(2));
}

#[test]
fn abort_between_a_loop_items_side_effect_and_its_commit_reruns_that_item() {
    let o = crash_and_resume(&[Crash::Failpoint("work")]);
    assert_crash_safe(&o);
    let aborted: Vec<&Execution> = o.logs[0].iter().filter(|e| e.step_id == "work").collect();
    assert!(!aborted.is_empty(), "an item ran before the abort");
    for e in aborted {
        assert!(
            o.logs[1].iter().any(|r| r.unit == e.unit),
            "{} runs again after the abort",
            e.unit
        );
        assert_eq!(
            o.last.units[&e.unit].attempt, 2,
            "{} finishes as attempt 2",
            e.unit
        );
    }
}

/// Regression (issue 12, finding 1): a loop body that outlived its lease was handed out
/// again every lease (`run long-item.json --lease-ms 500` executed the same item 11 times
/// and never finished). Here a `for_each` item and a `while` iteration each run five
/// leases long, and each runs exactly once.
#[test]
fn loop_bodies_outliving_their_lease_run_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(
        dir,
        "long-item.json",
        &json!({"steps": [
            {"id": "fan", "type": "for_each", "for_each_items": [7],
             "for_each_body_steps": [{"id": "work", "type": "lua_script", "script": "return {sq = item * item}"}]},
            {"id": "repeat", "type": "while", "while_max_iterations": 1, "while_condition": "true",
             "while_body_steps": [{"id": "again", "type": "lua_script", "script": "return {n = 1}"}]},
        ]}),
    );
    let ended = spawn(
        dir,
        "run",
        &[
            "run",
            "long-item.json",
            "--data-dir",
            "data",
            "--lease-ms",
            "300",
            "--json",
        ],
        // Every Lua execution lasts 1.5 s: five leases.
        &[("AR_TEST_STEP_DELAY_MS", "1500")],
    )
    .wait();
    assert_eq!(ended.code(), Some(0), "stderr:\n{}", ended.stderr);
    let context: Value = serde_json::from_str(&ended.stdout).expect("--json context");
    assert_eq!(
        context["steps"]["fan"]["result"]["results"][0]["result"]["sq"],
        json!(49)
    );
    let log = executions(&dir.join("run.executions"));
    let ran: Vec<(&str, &str, u64)> = log
        .iter()
        .map(|e| (e.unit.as_str(), e.step_id.as_str(), e.attempt))
        .collect();
    let mut ran = ran;
    ran.sort();
    assert_eq!(
        ran,
        [("fan#0", "work", 1), ("repeat#0", "again", 1)],
        "each body step ran once"
    );
}
