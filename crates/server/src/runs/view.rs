//! JSON shapes of runs, events and human tasks (docs/contract.md §7, §9 field names).

use ar_engine::{RunRecord, RunStatus};
use ar_store::EventRecord;
use ar_store::tenant::{PendingTaskRecord, RunListRecord};
use serde_json::{Value, json};

use crate::views::{opt_time, time};

/// A run's `workflow_id`: `null` for a run of no workflow (an agent's chat turn,
/// docs/agents.md "Chat"), which the store keeps as `""`.
fn workflow_id_of(workflow_id: &str) -> Value {
    if workflow_id.is_empty() {
        Value::Null
    } else {
        Value::String(workflow_id.to_owned())
    }
}

/// A run in a list.
pub fn run_item(r: &RunListRecord) -> Value {
    json!({
        "run_id": r.id, "workflow_id": workflow_id_of(&r.workflow_id), "workflow_name": r.workflow_name,
        "version": r.version, "project_id": r.project_id, "status": r.status,
        "failure_code": r.failure_code, "client_run_id": r.client_run_id,
        "awaiting_human": r.awaiting_human, "created_at": time(r.created_at),
        "started_at": opt_time(r.started_at), "finished_at": opt_time(r.finished_at),
    })
}

/// One run with its input and start params.
pub fn run(r: &RunRecord, awaiting_human: bool) -> Value {
    json!({
        "run_id": r.id, "workflow_id": r.workflow_id, "version": r.version,
        "project_id": r.project_id, "status": r.status.as_str(), "failure_code": r.failure_code,
        "error": r.error, "client_run_id": r.client_run_id,
        "resumed_from_run_id": r.resumed_from_run_id, "awaiting_human": awaiting_human,
        "input": r.input, "params": r.params, "created_at": time(r.created_at),
        "started_at": opt_time(r.started_at), "finished_at": opt_time(r.finished_at),
    })
}

/// What the orchestrator is doing with the run, one word: `queued`, `executing`,
/// `awaiting_human` (running, with a human task waiting for completion), `paused`,
/// `draining`, `finished`.
pub fn orchestration_phase(status: RunStatus, awaiting_human: bool) -> &'static str {
    match status {
        RunStatus::Queued => "queued",
        RunStatus::Running if awaiting_human => "awaiting_human",
        RunStatus::Running => "executing",
        RunStatus::Paused => "paused",
        RunStatus::Draining => "draining",
        RunStatus::Completed | RunStatus::Failed | RunStatus::Stopped => "finished",
    }
}

/// `{ run_id, workflow_id, status, orchestration_phase, run_complete, awaiting_human,
/// failure_code?, started_at, finished_at? }`
pub fn summary(r: &RunRecord, awaiting_human: bool) -> Value {
    json!({
        "run_id": r.id, "workflow_id": r.workflow_id, "version": r.version,
        "status": r.status.as_str(),
        "orchestration_phase": orchestration_phase(r.status, awaiting_human),
        "run_complete": r.status.is_terminal(), "awaiting_human": awaiting_human,
        "failure_code": r.failure_code,
        "started_at": time(r.started_at.unwrap_or(r.created_at)),
        "finished_at": opt_time(r.finished_at),
    })
}

/// `{seq, run_id, workflow_id, event_type, step_id, data, at}`
pub fn event(e: &EventRecord, workflow_id: &str) -> Value {
    json!({
        "seq": e.seq, "run_id": e.run_id, "workflow_id": workflow_id, "event_type": e.kind,
        "step_id": e.step_id, "data": e.data, "at": time(e.created_at),
    })
}

/// A pending task. Its `task_id` is the step id within the run (docs/contract.md §6): stable, and
/// unique together with the run id that every task route also carries.
pub fn task(t: &PendingTaskRecord) -> Value {
    json!({
        "task_id": t.step_id, "run_id": t.run_id, "workflow_id": t.workflow_id,
        "workflow_name": t.workflow_name, "project_id": t.project_id, "step_id": t.step_id,
        "task_type": t.task_type, "task_payload": t.payload,
        "created_at": time(t.created_at), "expires_at": opt_time(t.expires_at),
    })
}
