//! The run context document of docs/contract.md §7.

use ar_store::{RunRecord, StepRecord};
use serde_json::{Map, Value, json};

fn iso(ms: Option<i64>) -> Value {
    match ms.and_then(chrono::DateTime::from_timestamp_millis) {
        Some(t) => Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        None => Value::Null,
    }
}

/// `{ run_id, workflow_id, version, status, failure_code?, input, steps: {…} }` (each step:
/// status, attempt, its resolved input, result or error, timings); loop
/// items appear inside their loop step's result, not as keys of `steps`.
pub fn build_context(run: &RunRecord, steps: &[StepRecord]) -> Value {
    let mut out = Map::new();
    for s in steps.iter().filter(|s| s.parent_key.is_none()) {
        let mut m = Map::new();
        m.insert("status".into(), json!(s.status().as_str()));
        m.insert("attempt".into(), json!(s.attempt));
        // The step's own configuration after template resolution (docs/contract.md §5), as the
        // last attempt received it: what the console's run inspector shows as its input.
        if let Some(i) = &s.input {
            m.insert("input".into(), i.clone());
        }
        if let Some(r) = &s.result {
            m.insert("result".into(), r.clone());
        }
        if let Some(e) = &s.error {
            m.insert("error".into(), json!(e));
        }
        if let Some(c) = &s.failure_code {
            m.insert("failure_code".into(), json!(c));
        }
        if s.skipped {
            m.insert("skipped".into(), json!(true));
        }
        if let Some(r) = &s.reason {
            m.insert("reason".into(), json!(r));
        }
        if let Some(c) = &s.caused_by_step_id {
            m.insert("caused_by_step_id".into(), json!(c));
        }
        if s.started_at.is_some() {
            m.insert("started_at".into(), iso(s.started_at));
        }
        if s.finished_at.is_some() {
            m.insert("finished_at".into(), iso(s.finished_at));
        }
        out.insert(s.step_key.clone(), Value::Object(m));
    }
    let mut ctx = json!({
        "run_id": run.id,
        "workflow_id": run.workflow_id,
        "version": run.version,
        "status": run.status.as_str(),
        "input": run.input,
        "steps": out,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
    });
    if let (Some(code), Value::Object(m)) = (&run.failure_code, &mut ctx) {
        m.insert("failure_code".into(), json!(code));
        if let Some(e) = &run.error {
            m.insert("error".into(), json!(e));
        }
    }
    ctx
}
